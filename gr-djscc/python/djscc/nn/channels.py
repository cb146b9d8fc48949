"""Differentiable channel models in torch: AWGN, Rayleigh block fading, and Rayleigh fading
that varies through an image (Doppler) as the GNU Radio receiver's pilots track it.

Symbols are complex (B, k) at unit average power, so the noise power is 10^(-SNR/10).
Each channel returns the symbols the decoder sees (equalized where there is fading) and the
``ChannelState`` a receiver would measure, which conditions the adaptive models.
"""

import math
from dataclasses import dataclass

import torch

from djscc.phy.frame import FrameFormat

SNR_LIMITS_DB = (-30.0, 60.0)  # conditioning beyond these is extrapolation with no meaning


@dataclass
class ChannelState:
    """Per-image channel state: average SNR in dB and the fading magnitude |h| (1 on AWGN);
    where the channel varies through an image, ``symbol_snr_db`` (B, k): the SINR of each
    equalized symbol as the receiver measures it, per pilot block (None: the image's own)."""

    snr_db: torch.Tensor
    h_abs: torch.Tensor
    symbol_snr_db: torch.Tensor | None = None

    @property
    def effective_snr_db(self) -> torch.Tensor:
        """SNR of the equalized symbols: |h|^2 * SNR, in dB."""
        return self.snr_db + 20.0 * torch.log10(self.h_abs.clamp_min(1e-6))

    @classmethod
    def awgn(cls, snr_db: torch.Tensor) -> "ChannelState":
        return cls(snr_db=snr_db, h_abs=torch.ones_like(snr_db))

    def to(self, device) -> "ChannelState":
        symbols = None if self.symbol_snr_db is None else self.symbol_snr_db.to(device)
        return ChannelState(self.snr_db.to(device), self.h_abs.to(device), symbols)


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


class DopplerFadingChannel:
    """y = h(t) s + n with h(t) Rayleigh (Jakes' sum of sinusoids, unit mean power) varying
    symbol by symbol at a normalized Doppler f_d T drawn per image, uniformly in
    [0, ``max_doppler``] (2e-3: 1 kHz at 500 kbaud, half a cycle over an image of 256 symbols).

    What the decoder sees is what the GNU Radio receiver gives it: each block of
    ``block`` symbols (the frame's pilot spacing) divided by its gain as ``pilots`` pilot
    observations estimate it, ``symbol_snr_db`` = |h_hat|^2 / noise per block, and as the
    image's SNR the SINR of its mean noise after that division (djscc.phy.receiver).
    """

    name = "fading"

    def __init__(self, max_doppler: float = 2e-3, block: int = FrameFormat.pilot_spacing,
                 pilots: int = 4, paths: int = 16, awgn_share: float = 0.0):
        if not 0 <= max_doppler < 0.5 or block < 1 or pilots < 1 or paths < 1 or not 0 <= awgn_share <= 1:
            raise ValueError("need 0 <= max_doppler < 0.5, positive block, pilots and paths, 0 <= awgn_share <= 1")
        self.max_doppler, self.block, self.pilots, self.paths = max_doppler, block, pilots, paths
        self.awgn_share = awgn_share

    def gains(self, batch: int, length: int, generator=None, device=None) -> torch.Tensor:
        """(batch, length) complex Rayleigh gains, each row at its own Doppler."""
        def uniform(*shape):
            return torch.rand(shape, generator=generator, device=device)

        doppler = self.max_doppler * uniform(batch, 1, 1)
        angle = 2 * math.pi * uniform(batch, 1, self.paths)
        phase = 2 * math.pi * uniform(batch, 1, self.paths)
        time = torch.arange(length, device=device, dtype=torch.float32)[None, :, None]
        arguments = 2 * math.pi * doppler * torch.cos(angle) * time + phase
        return torch.polar(torch.full_like(arguments, 1 / math.sqrt(self.paths)), arguments).sum(-1)

    def __call__(self, symbols: torch.Tensor, snr_db: torch.Tensor, generator=None):
        batch, length, device = symbols.shape[0], symbols.shape[1], symbols.device
        noise_var = 10.0 ** (-snr_db / 10.0)
        h = self.gains(batch, length, generator, device)
        if self.awgn_share > 0:
            unfaded = torch.rand((batch, 1), generator=generator, device=device) < self.awgn_share
            h = torch.where(unfaded, torch.ones_like(h), h)
        received = h * symbols + complex_noise(symbols.shape, noise_var, generator, device)
        blocks = -(-length // self.block)
        padded = torch.nn.functional.pad(h, (0, blocks * self.block - length))
        block_gain = padded.reshape(batch, blocks, self.block).mean(-1)
        block_gain = block_gain + complex_noise((batch, blocks), noise_var / self.pilots, generator, device)
        h_hat = block_gain.repeat_interleave(self.block, dim=1)[:, :length]
        power = h_hat.abs().square().clamp_min(1e-12)
        equalized = received * h_hat.conj() / power
        symbol_noise = noise_var[:, None] / power
        low, high = SNR_LIMITS_DB  # a deep fade's block, clipped as the receiver's are
        image_snr_db = (-10 * torch.log10(symbol_noise.mean(1))).clamp(low, high)
        symbol_snr_db = (-10 * torch.log10(symbol_noise)).clamp(low, high)
        return equalized, ChannelState(snr_db=image_snr_db, h_abs=torch.ones_like(snr_db),
                                       symbol_snr_db=symbol_snr_db)


def awgn_or_fading(**options) -> DopplerFadingChannel:
    """Half the images faded (DopplerFadingChannel), half not: what a fading model trains on."""
    return DopplerFadingChannel(awgn_share=0.5, **options)


CHANNELS = {"awgn": AWGNChannel, "rayleigh": RayleighBlockFadingChannel, "fading": DopplerFadingChannel,
            "awgn+fading": awgn_or_fading}


def make_channel(name: str, **options):
    """Channel by name: 'awgn', 'rayleigh' (options: pilots), 'fading' (DopplerFadingChannel)
    or 'awgn+fading' (half the images unfaded)."""
    if name not in CHANNELS:
        raise ValueError(f"unknown channel {name!r}; choose one of {sorted(CHANNELS)}")
    return CHANNELS[name](**options)
