"""Fractional-delay sampling of an oversampled signal (4-point cubic Lagrange)."""

import numpy as np


def sample_at(signal: np.ndarray, times: np.ndarray) -> np.ndarray:
    """``signal`` evaluated at fractional sample ``times`` (all within 1..len-3)."""
    base = np.floor(times).astype(np.int64)
    mu = (times - base).astype(np.float32)
    weights = (
        -mu * (mu - 1) * (mu - 2) / 6,
        (mu + 1) * (mu - 1) * (mu - 2) / 2,
        -(mu + 1) * mu * (mu - 2) / 2,
        (mu + 1) * mu * (mu - 1) / 6,
    )
    return sum(w * signal[base + offset] for w, offset in zip(weights, (-1, 0, 1, 2))).astype(np.complex64)
