"""Least-squares estimates on known symbols: phase drift (residual CFO), gain h, noise."""

import math
import statistics

import numpy as np

UNWRAP_WINDOW = 8  # block phases whose median is the reference for the next one


def robust_unwrap(phases: np.ndarray, window: int = UNWRAP_WINDOW) -> np.ndarray:
    """Unwrap each phase against the median of the ``window`` before it, not against its
    single predecessor: at 0 dB one noisy block would otherwise slip everything after it
    by 2 pi (and the fitted CFO with it). Serial by nature, so plain floats: numpy's
    per-call overhead on 8 numbers would cost 50x more."""
    unwrapped: list[float] = []
    for phase in phases.tolist():
        reference = statistics.median(unwrapped[-window:]) if unwrapped else phase
        unwrapped.append(reference + math.remainder(phase - reference, 2 * math.pi))
    return np.asarray(unwrapped)


def phase_line(received: np.ndarray, known: np.ndarray, positions: np.ndarray,
               block: int) -> tuple[float, float]:
    """(slope in rad/symbol, phase at position 0) of received/known, by weighted least
    squares over blocks of ``block`` known symbols (block sums tame the noise before the
    phases are unwrapped; positions must be increasing)."""
    usable = len(known) // block * block
    if usable < 2 * block:
        return 0.0, float(np.angle(np.vdot(known, received)))
    sums = (received[:usable] * np.conj(known[:usable])).reshape(-1, block).sum(1)
    centers = positions[:usable].reshape(-1, block).mean(1)
    phases = robust_unwrap(np.angle(sums))
    weights = np.abs(sums)
    slope, intercept = np.polyfit(centers, phases, 1, w=weights)
    return float(slope), float(intercept)


def gain_and_noise(received: np.ndarray, known: np.ndarray) -> tuple[complex, float]:
    """LS gain h = <known, received>/|known|^2 and the residual's power (unbiased)."""
    h = np.vdot(known, received) / np.vdot(known, known).real
    residual = received - h * known
    noise_var = float(np.sum(np.abs(residual) ** 2) / max(len(known) - 1, 1))
    return complex(h), noise_var
