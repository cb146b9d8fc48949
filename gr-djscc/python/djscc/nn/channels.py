"""Differentiable channel models in torch: AWGN and Rayleigh block fading.

Symbols are complex (B, k) at unit average power, so the noise power is 10^(-SNR/10).
Each channel returns the symbols the decoder sees (equalized where there is fading) and the
``ChannelState`` a receiver would measure, which conditions the adaptive models.
"""

from dataclasses import dataclass

import torch


@dataclass
class ChannelState:
    """Per-image channel state: average SNR in dB and the fading magnitude |h| (1 on AWGN)."""

    snr_db: torch.Tensor
    h_abs: torch.Tensor

    @property
    def effective_snr_db(self) -> torch.Tensor:
        """SNR of the equalized symbols: |h|^2 * SNR, in dB."""
        return self.snr_db + 20.0 * torch.log10(self.h_abs.clamp_min(1e-6))

    @classmethod
    def awgn(cls, snr_db: torch.Tensor) -> "ChannelState":
        return cls(snr_db=snr_db, h_abs=torch.ones_like(snr_db))

    def to(self, device) -> "ChannelState":
        return ChannelState(self.snr_db.to(device), self.h_abs.to(device))


def complex_noise(shape, variance: torch.Tensor, generator=None, device=None) -> torch.Tensor:
    """Circularly-symmetric complex Gaussian noise of ``shape`` (B, ...), variance (B,) per row."""
    real = torch.randn((*shape, 2), generator=generator, device=device)
    scale = torch.sqrt(variance / 2.0).reshape(-1, *([1] * len(shape)))
    return torch.view_as_complex(real * scale)


class AWGNChannel:
    """y = s + n, n ~ CN(0, 10^(-SNR/10))."""

    name = "awgn"

    def __call__(self, symbols: torch.Tensor, snr_db: torch.Tensor, generator=None):
        noise_var = 10.0 ** (-snr_db / 10.0)
        noise = complex_noise(symbols.shape, noise_var, generator, symbols.device)
        return symbols + noise, ChannelState.awgn(snr_db)


class RayleighBlockFadingChannel:
    """y = h s + n with h ~ CN(0, 1) constant over an image; zero-forcing equalization.

    ``pilots=None`` equalizes with the true h (perfect CSI); ``pilots=P`` with the
    least-squares estimate from P unit-power pilots, h_hat = h + CN(0, noise_var / P).
    """

    name = "rayleigh"

    def __init__(self, pilots: int | None = None):
        if pilots is not None and pilots < 1:
            raise ValueError("pilots must be a positive count, or None for perfect CSI")
        self.pilots = pilots

    def __call__(self, symbols: torch.Tensor, snr_db: torch.Tensor, generator=None):
        batch, device = symbols.shape[0], symbols.device
        noise_var = 10.0 ** (-snr_db / 10.0)
        h = complex_noise((batch,), torch.ones(batch, device=device), generator, device)
        received = h[:, None] * symbols + complex_noise(
            symbols.shape, noise_var, generator, device
        )
        h_known = h
        if self.pilots is not None:
            h_known = h + complex_noise((batch,), noise_var / self.pilots, generator, device)
        equalized = received * h_known.conj()[:, None] / h_known.abs().square()[:, None].clamp_min(1e-12)
        return equalized, ChannelState(snr_db=snr_db, h_abs=h_known.abs())


CHANNELS = {"awgn": AWGNChannel, "rayleigh": RayleighBlockFadingChannel}


def make_channel(name: str, **options):
    """Channel by name: 'awgn' or 'rayleigh' (options: pilots)."""
    if name not in CHANNELS:
        raise ValueError(f"unknown channel {name!r}; choose one of {sorted(CHANNELS)}")
    return CHANNELS[name](**options)
