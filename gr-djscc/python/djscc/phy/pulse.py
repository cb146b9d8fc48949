"""Root-raised-cosine pulse shaping and matched filtering.

Taps have unit energy, so a unit-power symbol sequence shaped and matched-filtered comes
back at unit amplitude on the symbol instants, and white noise of variance N per sample
stays at N: the per-symbol SNR after the matched filter is Es/N0 = 1/N.
"""

import numpy as np
from scipy.signal import upfirdn


def rrc_taps(sps: int, rolloff: float, span_symbols: int) -> np.ndarray:
    """Root-raised-cosine taps over ``span_symbols`` symbols (odd length), unit energy."""
    if sps < 2 or not 0 < rolloff <= 1 or span_symbols < 2:
        raise ValueError("need sps >= 2, 0 < rolloff <= 1 and a span of >= 2 symbols")
    t = np.arange(-span_symbols * sps // 2, span_symbols * sps // 2 + 1) / sps
    beta = rolloff
    taps = np.empty_like(t)
    singular = np.isclose(np.abs(t), 1 / (4 * beta))
    at_zero = np.isclose(t, 0)
    regular = ~(singular | at_zero)
    tr = t[regular]
    taps[regular] = (np.sin(np.pi * tr * (1 - beta)) + 4 * beta * tr * np.cos(np.pi * tr * (1 + beta))) / (
        np.pi * tr * (1 - (4 * beta * tr) ** 2))
    taps[at_zero] = 1 - beta + 4 * beta / np.pi
    taps[singular] = beta / np.sqrt(2) * ((1 + 2 / np.pi) * np.sin(np.pi / (4 * beta))
                                          + (1 - 2 / np.pi) * np.cos(np.pi / (4 * beta)))
    return (taps / np.sqrt(np.sum(taps**2))).astype(np.float32)


def shape(symbols: np.ndarray, sps: int, taps: np.ndarray) -> np.ndarray:
    """Symbols -> complex64 samples at ``sps`` samples/symbol; symbol i peaks at
    sample i*sps + (len(taps)-1)//2."""
    return upfirdn(taps, symbols.astype(np.complex64), up=sps).astype(np.complex64)


def matched_filter(samples: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """Filter with the (symmetric) taps, aligned so output n corresponds to input n."""
    delay = (len(taps) - 1) // 2
    full = np.convolve(samples, taps.astype(np.complex64))
    return full[delay:delay + len(samples)].astype(np.complex64)
