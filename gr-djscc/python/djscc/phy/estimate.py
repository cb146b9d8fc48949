"""Least-squares estimates on known symbols: phase drift (residual CFO), gain h, noise."""

import numpy as np


def phase_line(received: np.ndarray, known: np.ndarray, positions: np.ndarray,
               block: int) -> tuple[float, float]:
    """(slope in rad/symbol, phase at position 0) of received/known, by weighted least
    squares over blocks of ``block`` known symbols (block sums tame the noise before the
    phases are unwrapped)."""
    usable = len(known) // block * block
    if usable < 2 * block:
        return 0.0, float(np.angle(np.vdot(known, received)))
    sums = (received[:usable] * np.conj(known[:usable])).reshape(-1, block).sum(1)
    centers = positions[:usable].reshape(-1, block).mean(1)
    phases = np.unwrap(np.angle(sums))
    weights = np.abs(sums)
    slope, intercept = np.polyfit(centers, phases, 1, w=weights)
    return float(slope), float(intercept)


def gain_and_noise(received: np.ndarray, known: np.ndarray) -> tuple[complex, float]:
    """LS gain h = <known, received>/|known|^2 and the residual's power (unbiased)."""
    h = np.vdot(known, received) / np.vdot(known, known).real
    residual = received - h * known
    noise_var = float(np.sum(np.abs(residual) ** 2) / max(len(known) - 1, 1))
    return complex(h), noise_var
