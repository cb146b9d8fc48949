"""The DJSCC family: the Bourtsoulatze et al. backbone, ADJSCC and DA-DJSCC.

One fully convolutional encoder/decoder pair; ``attention`` picks the variant:
  "none"             DJSCC backbone (conv5x5 16/s2, 32/s2, 32, 32, c; PReLU; mirrored decoder)
  "channel"          ADJSCC: + SNR-adaptive channel attention after every layer
  "channel+spatial"  DA-DJSCC: + SNR-adaptive channel AND spatial attention after every layer
``latent_channels`` sets the bandwidth ratio: k/n = latent_channels / 96 (8 -> 1/12, 16 -> 1/6).
"""

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from djscc.errors import InputError
from djscc.nn.attention import AdaptiveChannelAttention, AdaptiveSpatialAttention
from djscc.nn.channels import ChannelState
from djscc.nn.power import from_symbols, to_symbols

ATTENTION_KINDS = ("none", "channel", "channel+spatial")
CSI_FEATURES = ("effective_snr_db", "snr_db", "h_abs")
DB_SCALE = 20.0  # SNRs enter the attention MLPs as dB / 20, so 0..20 dB maps to 0..1
DOWNSAMPLING = 4  # two stride-2 layers
SNR_LIMITS_DB = (-30.0, 60.0)  # conditioning beyond these is extrapolation with no meaning


@dataclass(frozen=True)
class JSCCConfig:
    """Architecture of one DJSCC-family model; stored in the model card."""

    attention: str = "channel+spatial"
    latent_channels: int = 8
    widths: tuple[int, ...] = (16, 32, 32, 32)
    kernel_size: int = 5
    spatial_kernel_size: int = 7
    csi_features: tuple[str, ...] = field(default=("effective_snr_db",))

    def __post_init__(self):
        if self.attention not in ATTENTION_KINDS:
            raise ValueError(f"attention must be one of {ATTENTION_KINDS}, not {self.attention!r}")
        unknown = set(self.csi_features) - set(CSI_FEATURES)
        if unknown or not self.csi_features:
            raise ValueError(f"csi_features must be a non-empty subset of {CSI_FEATURES}")
        if len(self.widths) != 4 or self.latent_channels < 1:
            raise ValueError("widths needs 4 entries and latent_channels must be positive")
        object.__setattr__(self, "widths", tuple(self.widths))
        object.__setattr__(self, "csi_features", tuple(self.csi_features))

    def to_dict(self) -> dict:
        return asdict(self)

    def bandwidth_ratio(self) -> float:
        """k/n: complex symbols per real pixel value."""
        return self.latent_channels / (2 * 3 * DOWNSAMPLING**2)


class AttentiveLayer(nn.Module):
    """conv -> activation -> [adaptive channel attention] -> [adaptive spatial attention]."""

    def __init__(self, conv: nn.Module, activation: nn.Module, out_channels: int,
                 config: JSCCConfig, attend: bool = True):
        super().__init__()
        self.conv, self.activation = conv, activation
        n_csi = len(config.csi_features)
        use_channel = attend and config.attention != "none"
        use_spatial = attend and config.attention == "channel+spatial"
        self.channel_attention = AdaptiveChannelAttention(out_channels, n_csi) if use_channel else None
        self.spatial_attention = (
            AdaptiveSpatialAttention(n_csi, config.spatial_kernel_size) if use_spatial else None
        )

    def forward(self, x: torch.Tensor, csi: torch.Tensor) -> torch.Tensor:
        x = self.activation(self.conv(x))
        if self.channel_attention is not None:
            x = self.channel_attention(x, csi)
        if self.spatial_attention is not None:
            x = self.spatial_attention(x, csi)
        return x


class JSCCModel(nn.Module):
    """Encoder f(image, csi) -> k complex symbols; decoder g(symbols, csi) -> image.

    Images are float (B, 3, H, W) in [0, 1] with H, W multiples of 4. Symbols leave the
    encoder at unit average power. ``forward`` runs encoder, channel and decoder.
    """

    def __init__(self, config: JSCCConfig):
        super().__init__()
        self.config = config
        k = config.kernel_size
        pad = k // 2
        w1, w2, w3, w4 = config.widths
        c = config.latent_channels

        def conv(cin, cout, stride):
            return nn.Conv2d(cin, cout, k, stride, pad)

        def tconv(cin, cout, stride):
            return nn.ConvTranspose2d(cin, cout, k, stride, pad, output_padding=stride - 1)

        self.encoder_layers = nn.ModuleList([
            AttentiveLayer(conv(3, w1, 2), nn.PReLU(), w1, config),
            AttentiveLayer(conv(w1, w2, 2), nn.PReLU(), w2, config),
            AttentiveLayer(conv(w2, w3, 1), nn.PReLU(), w3, config),
            AttentiveLayer(conv(w3, w4, 1), nn.PReLU(), w4, config),
            AttentiveLayer(conv(w4, c, 1), nn.PReLU(), c, config),
        ])
        self.decoder_layers = nn.ModuleList([
            AttentiveLayer(tconv(c, w4, 1), nn.PReLU(), w4, config),
            AttentiveLayer(tconv(w4, w3, 1), nn.PReLU(), w3, config),
            AttentiveLayer(tconv(w3, w2, 1), nn.PReLU(), w2, config),
            AttentiveLayer(tconv(w2, w1, 2), nn.PReLU(), w1, config),
            AttentiveLayer(tconv(w1, 3, 2), nn.Sigmoid(), 3, config, attend=False),
        ])

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
        c, h, w = self.latent_shape(height, width)
        return c * h * w // 2

    def encode(self, images: torch.Tensor, state: ChannelState) -> torch.Tensor:
        """(B, 3, H, W) float in [0, 1] -> (B, k) complex64 at unit average power."""
        check_images(images)
        x, csi = images, self.csi_tensor(state)
        for layer in self.encoder_layers:
            x = layer(x, csi)
        return to_symbols(x)

    def decode(self, symbols: torch.Tensor, state: ChannelState,
               image_size: tuple[int, int]) -> torch.Tensor:
        """(B, k) complex equalized symbols -> (B, 3, H, W) float in [0, 1]."""
        x, csi = from_symbols(symbols, self.latent_shape(*image_size)), self.csi_tensor(state)
        for layer in self.decoder_layers:
            x = layer(x, csi)
        return x

    def forward(self, images: torch.Tensor, channel, snr_db: torch.Tensor,
                generator=None) -> torch.Tensor:
        """Encode at the channel's state, pass the symbols through ``channel``, decode.

        The encoder is told the average SNR (the feedback link); the decoder gets the state
        the channel reports (with fading: the measured |h|).
        """
        symbols = self.encode(images, ChannelState.awgn(snr_db))
        received, state = channel(symbols, snr_db, generator)
        return self.decode(received, state, images.shape[-2:])


def check_images(images: torch.Tensor) -> None:
    """Reject what the encoder cannot take, with a message that says why."""
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
    snr, h_abs = state.snr_db, state.h_abs
    if not (torch.isfinite(snr).all() and torch.isfinite(h_abs).all()):
        raise InputError("channel state has NaN or infinite values (SNR or |h|)")
    if snr.numel() and (snr.min() < low or snr.max() > high):
        raise InputError(f"SNR {snr.min().item():g}..{snr.max().item():g} dB is out of the "
                         f"supported range {low:g}..{high:g} dB")
