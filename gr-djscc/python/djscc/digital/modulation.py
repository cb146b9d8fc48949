"""Gray-mapped square QAM (QPSK, 16-QAM, 64-QAM) at unit average power, exact bit LLRs,
and the bit interleaver between the LDPC code and the mapper."""

import functools

import numpy as np
from scipy.special import logsumexp

INTERLEAVER_SEED = 2024


@functools.cache
def constellation(bits_per_symbol: int) -> tuple[np.ndarray, np.ndarray]:
    """(points (M,) complex, labels (M, bits_per_symbol) uint8): the first half of a label's
    bits choose the in-phase level, the second half the quadrature level, each Gray-coded."""
    if bits_per_symbol not in (2, 4, 6, 8):
        raise ValueError(f"square QAM takes 2, 4, 6 or 8 bits a symbol, not {bits_per_symbol}")
    half, side = bits_per_symbol // 2, 2 ** (bits_per_symbol // 2)
    gray = np.arange(side) ^ (np.arange(side) >> 1)  # level index -> Gray label
    level_of = np.argsort(gray)  # Gray label -> level index
    labels = np.array([[(value >> (bits_per_symbol - 1 - b)) & 1 for b in range(bits_per_symbol)]
                       for value in range(2 ** bits_per_symbol)], np.uint8)
    weights = 1 << np.arange(half - 1, -1, -1)
    in_phase = 2.0 * level_of[labels[:, :half] @ weights] - (side - 1)
    quadrature = 2.0 * level_of[labels[:, half:] @ weights] - (side - 1)
    points = (in_phase + 1j * quadrature) / np.sqrt(2.0 * (side ** 2 - 1) / 3.0)
    return points.astype(np.complex64), labels


def modulate(bits: np.ndarray, bits_per_symbol: int) -> np.ndarray:
    """Bits (n,), n a multiple of bits_per_symbol -> symbols (n / bits_per_symbol,) complex64."""
    points, _ = constellation(bits_per_symbol)
    weights = 1 << np.arange(bits_per_symbol - 1, -1, -1)
    return points[bits.reshape(-1, bits_per_symbol) @ weights]


def llr(received: np.ndarray, noise_var: float, bits_per_symbol: int) -> np.ndarray:
    """Exact bit LLRs ln P(b=0 | y) / P(b=1 | y) for y = s + CN(0, noise_var), equiprobable
    symbols: a log-sum-exp over the whole constellation for each bit. Shape (n,)."""
    points, labels = constellation(bits_per_symbol)
    metric = -np.abs(received[:, None] - points[None, :]) ** 2 / noise_var  # (symbols, M)
    out = np.empty((len(received), bits_per_symbol))
    for b in range(bits_per_symbol):
        zero = labels[:, b] == 0
        out[:, b] = logsumexp(metric[:, zero], axis=1) - logsumexp(metric[:, ~zero], axis=1)
    return out.reshape(-1)


@functools.cache
def interleaver(n: int) -> np.ndarray:
    """A fixed pseudo-random permutation of n coded bits: sent[i] = coded[perm[i]], so the
    bits of one check spread over symbols and over the levels of a QAM label."""
    return np.random.default_rng(INTERLEAVER_SEED).permutation(n)


def interleave(bits: np.ndarray) -> np.ndarray:
    return bits[interleaver(len(bits))]


def deinterleave(values: np.ndarray) -> np.ndarray:
    out = np.empty_like(values)
    out[interleaver(len(values))] = values
    return out
