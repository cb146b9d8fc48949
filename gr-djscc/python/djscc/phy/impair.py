"""A numpy software channel for tests and benchmarks: delay, gain, phase, CFO, AWGN.

The noise is white with variance 10^(-SNR/10) per sample, so with unit-energy RRC taps
the SNR is the per-symbol Es/N0 the receiver reports.
"""

import numpy as np


def fractional_delay(samples: np.ndarray, delay: float) -> np.ndarray:
    """Delay by ``delay`` samples (band-limited, via an FFT phase ramp); tail zero-padded."""
    padded = np.concatenate([samples, np.zeros(int(np.ceil(delay)) + 64, samples.dtype)])
    frequencies = np.fft.fftfreq(len(padded))
    return np.fft.ifft(np.fft.fft(padded) * np.exp(-2j * np.pi * frequencies * delay)).astype(np.complex64)


def impair(samples: np.ndarray, snr_db: float, rng: np.random.Generator, cfo: float = 0.0,
           delay: float = 0.0, gain: complex = 1.0, lead: int = 0, tail: int = 0) -> np.ndarray:
    """samples -> gain * delayed samples * exp(j 2 pi cfo n) + noise, with ``lead`` and
    ``tail`` samples of noise alone around the burst. ``cfo`` in cycles/sample."""
    burst = fractional_delay(np.asarray(samples, np.complex64), delay) * gain
    signal = np.concatenate([np.zeros(lead, np.complex64), burst, np.zeros(tail, np.complex64)])
    signal = signal * np.exp(2j * np.pi * cfo * np.arange(len(signal)))
    noise_std = np.sqrt(10 ** (-snr_db / 10) / 2)
    noise = noise_std * (rng.standard_normal(len(signal)) + 1j * rng.standard_normal(len(signal)))
    return (signal + noise).astype(np.complex64)
