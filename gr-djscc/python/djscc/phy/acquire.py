"""Acquisition at any carrier offset a pair of radios has: a CFO-invariant detection metric
and a coarse CFO estimate whose whole-period ambiguity the known preamble resolves.

The preamble repeats one period of L samples R times under a cover code c. Each sample
times the conjugate of the one L later is c_r c_(r+1) e^(j 2 pi f L) |s|^2 whatever the
carrier offset f, so summing those products, signed by c_r c_(r+1), gathers the preamble's
energy at its start with the offset only in the sum's phase (Schmidl & Cox, with a cover
code whose sign sequence keeps the metric low one period off). The phase gives f modulo
1/L; the hypotheses f + k/L are told apart by correlating with the preamble itself.
"""

import numpy as np

from djscc.phy.frame import COVER_CODE, FrameFormat
from djscc.phy.phasor import phasor

MAX_CFO = 0.06  # cycles/sample searched: +-120 kHz at 2 Msps, 6 % of the sample rate


def moving_sum(values: np.ndarray, length: int) -> np.ndarray:
    """sums[n] = values[n : n + length].sum(), for every n with a whole window."""
    cumulative = np.concatenate([[0], np.cumsum(values, dtype=np.complex128 if np.iscomplexobj(values)
                                                 else np.float64)])
    return cumulative[length:] - cumulative[:-length]


def delay_metric(z: np.ndarray, fmt: FrameFormat) -> tuple[np.ndarray, np.ndarray]:
    """(metric in [0, 1], complex delay correlation) for every preamble start n in ``z``
    whose R periods all lie in it: |P|^2 / (E_first E_last), P the signed sum over the
    R - 1 pairs of consecutive periods, E the energies of the R - 1 first and last periods."""
    span = fmt.preamble_period * fmt.sps
    count = len(z) - fmt.preamble_repeats * span + 1
    if count <= 0:
        return np.zeros(0, np.float32), np.zeros(0, np.complex64)
    pairs = moving_sum(z[span:] * np.conj(z[:-span]), span)
    energy = moving_sum(np.abs(z) ** 2, span)
    signs = COVER_CODE[:-1] * COVER_CODE[1:]
    correlation = sum(s * pairs[r * span: r * span + count] for r, s in enumerate(signs))
    first = sum(energy[r * span: r * span + count] for r in range(fmt.preamble_repeats - 1))
    last = sum(energy[r * span: r * span + count] for r in range(1, fmt.preamble_repeats))
    metric = np.abs(correlation) ** 2 / np.maximum(first * last, 1e-30)
    return metric.astype(np.float32), correlation.astype(np.complex64)


def resolve_cfo(z: np.ndarray, start: int, fmt: FrameFormat, max_cfo: float = MAX_CFO) -> tuple[float, float]:
    """(carrier offset in cycles/sample, quality) of the preamble near ``start`` in ``z``: the delay
    correlation's phase, plus the whole number of cycles per period under which the
    de-rotated samples correlate best with the known preamble (the wrong hypotheses are a
    whole number of turns a period off, which the period's constant-modulus symbols null).
    The correlation is computed again here, from ``start`` alone, so that the estimate does
    not depend on how the stream was cut into chunks. The quality is the best coherent
    correlation's share of the samples' energy (1: the preamble alone, noise about 0.05)."""
    span, sps = fmt.preamble_period * fmt.sps, fmt.sps  # the start is known to half a period
    _, correlation = delay_metric(z[start: start + fmt.preamble_repeats * span], fmt)
    fraction = np.angle(correlation[0]) / (2 * np.pi * span)
    turns = np.arange(-int(np.ceil(max_cfo * span)), int(np.ceil(max_cfo * span)) + 1)
    hypotheses = fraction + turns / span
    hypotheses = hypotheses[np.abs(hypotheses) <= max_cfo + 0.5 / span]
    offsets = np.arange(max(0, start - span // 2),
                        min(len(z) - fmt.preamble_length * sps, start + span // 2) + 1)
    times = offsets[:, None] + np.arange(fmt.preamble_length)[None, :] * sps
    symbols = z[times]
    rotation = phasor(-hypotheses[:, None] * (np.arange(fmt.preamble_length) * sps)[None, :])
    # (hypotheses, offsets): coherent preamble correlation of every pair
    scores = np.abs(np.einsum("ot,ht,t->ho", symbols, rotation, np.conj(fmt.preamble)))
    best, offset = np.unravel_index(np.argmax(scores), scores.shape)
    energy = fmt.preamble_length * float(np.sum(np.abs(symbols[offset]) ** 2))
    return float(hypotheses[best]), float(scores[best, offset] ** 2 / max(energy, 1e-20))
