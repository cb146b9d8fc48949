"""The DJSCC family: the Bourtsoulatze et al. backbone, ADJSCC and DA-DJSCC.

One fully convolutional encoder/decoder pair; ``attention`` picks the variant:
  "none"             DJSCC backbone (conv5x5 16/s2, 32/s2, 32, 32, c; PReLU; mirrored decoder)
  "channel"          ADJSCC: + SNR-adaptive channel attention after every layer
  "channel+spatial"  DA-DJSCC: + SNR-adaptive channel AND spatial attention after every layer
``widths`` sets the width and depth: one conv layer each, the first two halving the resolution,
then the latent layer of c; the decoder mirrors it (the paper's backbone: 16, 32, 32, 32).
``latent_channels`` sets the bandwidth ratio: k/n = latent_channels / 96 (8 -> 1/12, 16 -> 1/6).
``csi_map``: the decoder also takes the SINR of every received symbol (per pilot block, as
the receiver measures it through fading), as latent_channels more input planes beside the
latent; the attention keeps the image's SINR.
"""

from dataclasses import dataclass, field

import torch
from torch import nn

from djscc.nn.attention import AdaptiveChannelAttention, AdaptiveSpatialAttention
from djscc.nn.channels import ChannelState
from djscc.nn.codec import DB_SCALE, DOWNSAMPLING, ChannelCodec, check_csi_features
from djscc.nn.config import ModelConfig
from djscc.nn.power import per_symbol_to_latent

ATTENTION_KINDS = ("none", "channel", "channel+spatial")


@dataclass(frozen=True)
class JSCCConfig(ModelConfig):
    """Architecture of one DJSCC-family model; stored in the model card."""

    attention: str = "channel+spatial"
    latent_channels: int = 8
    widths: tuple[int, ...] = (16, 32, 32, 32)
    kernel_size: int = 5
    spatial_kernel_size: int = 7
    csi_features: tuple[str, ...] = field(default=("effective_snr_db",))
    csi_map: bool = False

    def __post_init__(self):
        super().__post_init__()
        if self.attention not in ATTENTION_KINDS:
            raise ValueError(f"attention must be one of {ATTENTION_KINDS}, not {self.attention!r}")
        check_csi_features(self.csi_features)
        if len(self.widths) < 2 or min(self.widths) < 1 or self.latent_channels < 1:
            raise ValueError("widths needs 2 or more positive entries (the first two downsample) "
                             "and latent_channels must be positive")
        if self.kernel_size < 1 or self.kernel_size % 2 == 0 or self.spatial_kernel_size < 1 \
                or self.spatial_kernel_size % 2 == 0:  # an even one's padding shifts the feature map's size
            raise ValueError(f"kernel_size and spatial_kernel_size must be odd and positive, not "
                             f"{self.kernel_size} and {self.spatial_kernel_size}")

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


class JSCCModel(ChannelCodec):
    """Encoder f(image, csi) -> k complex symbols; decoder g(symbols, csi) -> image.

    Images are float (B, 3, H, W) in [0, 1] with H, W multiples of 4 (see ChannelCodec).
    """

    def __init__(self, config: JSCCConfig):
        super().__init__()
        self.config = config
        k = config.kernel_size
        pad = k // 2
        widths, c = tuple(config.widths), config.latent_channels
        strides = (2, 2) + (1,) * (len(widths) - 1)  # an encoder layer each, the latent one last

        def conv(cin, cout, stride):
            return nn.Conv2d(cin, cout, k, stride, pad)

        def tconv(cin, cout, stride):
            return nn.ConvTranspose2d(cin, cout, k, stride, pad, output_padding=stride - 1)

        self.encoder_layers = nn.ModuleList([
            AttentiveLayer(conv(cin, cout, stride), nn.PReLU(), cout, config)
            for cin, cout, stride in zip((3,) + widths, widths + (c,), strides)
        ])
        decoder_in = (2 * c if config.csi_map else c,) + widths[::-1]
        self.decoder_layers = nn.ModuleList([
            AttentiveLayer(tconv(cin, cout, stride), nn.PReLU(), cout, config)
            for cin, cout, stride in zip(decoder_in[:-1], widths[::-1], strides[::-1])
        ] + [AttentiveLayer(tconv(widths[0], 3, 2), nn.Sigmoid(), 3, config, attend=False)])

    def encode_latent(self, images: torch.Tensor, csi: torch.Tensor) -> torch.Tensor:
        x = images
        for layer in self.encoder_layers:
            x = layer(x, csi)
        return x

    def decoder_input(self, latent: torch.Tensor, state: ChannelState) -> torch.Tensor:
        """The latent, and with ``csi_map`` each value's SINR (dB / DB_SCALE) beside it: the
        state's per-symbol SINRs, or the image's own where it has none (AWGN)."""
        if not self.config.csi_map:
            return latent
        per_symbol = state.symbol_snr_db
        if per_symbol is None:
            per_symbol = state.effective_snr_db[:, None].expand(-1, latent[0].numel() // 2)
        csi_map = per_symbol_to_latent(per_symbol.to(latent) / DB_SCALE, tuple(latent.shape[1:]))
        return torch.cat([latent, csi_map], dim=1)

    def decode_latent(self, latent: torch.Tensor, csi: torch.Tensor) -> torch.Tensor:
        x = latent
        for layer in self.decoder_layers:
            x = layer(x, csi)
        return x
