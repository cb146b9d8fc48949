"""What every image codec of the zoo shares: the channel-state input, the symbol interface.

A codec maps images (B, 3, H, W) in [0, 1] to a latent (B, C, H/4, W/4) that leaves as
C*H*W/32 complex symbols at unit average power, and maps received symbols back, both
conditioned on the channel state the receiver measured. Subclasses set ``config`` (with
``latent_channels`` and ``csi_features``) and implement ``encode_latent``/``decode_latent``.
"""

import torch
import torch.nn.functional as F
from torch import nn

from djscc.errors import InputError
from djscc.nn.channels import SNR_LIMITS_DB, ChannelState
from djscc.nn.power import from_symbols, to_symbols

CSI_FEATURES = ("effective_snr_db", "snr_db", "h_abs")
DB_SCALE = 20.0  # SNRs enter the models as dB / 20, so 0..20 dB maps to 0..1
DOWNSAMPLING = 4  # every codec halves the resolution twice


def check_csi_features(features: tuple[str, ...]) -> None:
    unknown = set(features) - set(CSI_FEATURES)
    if unknown or not features:
        raise ValueError(f"csi_features must be a non-empty subset of {CSI_FEATURES}")


class ChannelCodec(nn.Module):
    """Base of the codecs: encode, decode and forward through a simulated channel."""

    OBJECTIVE = "MSE"  # what ``training_loss`` minimizes, in words for the model card

    def csi_tensor(self, state: ChannelState) -> torch.Tensor:
        """The conditioning input (B, n_csi) from a measured channel state."""
        check_channel_state(state)
        columns = []
        for name in self.config.csi_features:
            value = getattr(state, name)
            columns.append(value / DB_SCALE if name.endswith("_db") else value)
        return torch.stack(columns, dim=1).float()

    def latent_shape(self, height: int, width: int) -> tuple[int, int, int]:
        return (self.config.latent_channels, height // DOWNSAMPLING, width // DOWNSAMPLING)

    def symbols_per_image(self, height: int, width: int) -> int:
        """The largest number of complex symbols the encoder sends for one image."""
        c, h, w = self.latent_shape(height, width)
        return c * h * w // 2

    def accepts_symbol_count(self, count: int, height: int, width: int) -> bool:
        """Whether the decoder can take ``count`` symbols per image (fixed-rate: only k)."""
        return count == self.symbols_per_image(height, width)

    def symbols_sent(self, state: ChannelState, height: int, width: int) -> torch.Tensor:
        """(B,) symbols each image's encoding really uses (the rest are zeros); fixed-rate: k."""
        return torch.full(state.snr_db.shape, self.symbols_per_image(height, width))

    def encode(self, images: torch.Tensor, state: ChannelState) -> torch.Tensor:
        """(B, 3, H, W) float in [0, 1] -> (B, k) complex64 at unit average power."""
        check_images(images)
        return to_symbols(self.encode_latent(images, self.csi_tensor(state)))

    def received_latent(self, symbols: torch.Tensor, image_size: tuple[int, int]) -> torch.Tensor:
        """(B, n) received symbols -> the latent (B, C, H/4, W/4) with unsent values zero.

        n is k, or for a variable-rate codec any count it ``accepts``.
        """
        missing = self.symbols_per_image(*image_size) - symbols.shape[1]
        if missing < 0 or (missing and not self.accepts_symbol_count(symbols.shape[1], *image_size)):
            raise InputError(f"{symbols.shape[1]} symbols per image do not fit this model at "
                             f"{image_size[0]}x{image_size[1]}")
        return from_symbols(F.pad(symbols, (0, missing)), self.latent_shape(*image_size))

    def decode(self, symbols: torch.Tensor, state: ChannelState,
               image_size: tuple[int, int]) -> torch.Tensor:
        """(B, n) complex equalized symbols (see ``received_latent``) -> (B, 3, H, W) in [0, 1]."""
        return self.decode_latent(self.decoder_input(self.received_latent(symbols, image_size), state),
                                  self.csi_tensor(state))

    def decoder_input(self, latent: torch.Tensor, state: ChannelState) -> torch.Tensor:
        """What the decoder's first layer takes: the received latent (a codec with a CSI map
        adds its channels)."""
        return latent

    def transmit(self, images: torch.Tensor, channel, snr_db: torch.Tensor,
                 generator=None) -> tuple[torch.Tensor, ChannelState]:
        """Encode at the channel's state and pass the symbols through ``channel``: what the
        decoder gets (unsent symbols zero) and the state the channel reports.

        The encoder is told the average SNR (the feedback link); the decoder gets the state
        the channel reports (with fading: the measured |h|).
        """
        sent_state = ChannelState.awgn(snr_db)
        symbols = self.encode(images, sent_state)
        received, state = channel(symbols, snr_db, generator)
        return drop_unsent(received, self.symbols_sent(sent_state, *images.shape[-2:])), state

    def forward(self, images: torch.Tensor, channel, snr_db: torch.Tensor,
                generator=None) -> torch.Tensor:
        """Images through the encoder, ``channel`` and the decoder (see ``transmit``)."""
        received, state = self.transmit(images, channel, snr_db, generator)
        return self.decode(received, state, images.shape[-2:])

    def training_loss(self, images: torch.Tensor, labels: torch.Tensor | None, channel,
                      snr_db: torch.Tensor, generator=None) -> tuple[torch.Tensor, torch.Tensor]:
        """(objective, reconstruction) of one batch; reconstruction codecs minimize MSE."""
        output = self(images, channel, snr_db, generator)
        return F.mse_loss(output, images), output


def drop_unsent(received: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """Zero what a receiver never got: the symbols at and after each image's count."""
    positions = torch.arange(received.shape[1], device=received.device)
    return received * (positions[None, :] < counts.to(received.device)[:, None])


def check_images(images: torch.Tensor) -> None:
    """Reject what an encoder cannot take, with a message that says why."""
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        raise InputError("images must be a float tensor (B, 3, H, W) with values in [0, 1]")
    if images.dim() != 4 or images.shape[1] != 3:
        raise InputError(f"images must have shape (B, 3, H, W); got {tuple(images.shape)}")
    height, width = images.shape[-2:]
    if height % DOWNSAMPLING or width % DOWNSAMPLING or height == 0 or width == 0:
        raise InputError(f"image height and width must be positive multiples of "
                         f"{DOWNSAMPLING}; got {height}x{width}")


def check_channel_state(state: ChannelState) -> None:
    """Reject channel states no model was made for: NaN, or an SNR far out of range."""
    low, high = SNR_LIMITS_DB
    snr, h_abs, per_symbol = state.snr_db, state.h_abs, state.symbol_snr_db
    if not (torch.isfinite(snr).all() and torch.isfinite(h_abs).all()):
        raise InputError("channel state has NaN or infinite values (SNR or |h|)")
    if per_symbol is not None and (per_symbol.shape[0] != snr.shape[0] or not torch.isfinite(per_symbol).all()):
        raise InputError("channel state's per-symbol SNRs must be finite, a row per image")
    if snr.numel() and (snr.min() < low or snr.max() > high):
        raise InputError(f"SNR {snr.min().item():g}..{snr.max().item():g} dB is out of the "
                         f"supported range {low:g}..{high:g} dB")
