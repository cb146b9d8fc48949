"""AttenJSCC (seed 004): GDN blocks, residual blocks with ECA attention, and the EAF module.

Encoder, per block i (Table 1): conv_i -> GDN -> PReLU -> Res-block -> EAF (the last block is
conv_i alone: the power normalization follows). Decoder: the mirror with transposed convs and
inverse GDN, a sigmoid at the end. Table 1's configuration is ``filters=256``; a 32x32 image
with ``latent_channels=8`` gives k/n = 1/12. One change to Table 1: its last transposed conv
(8x8, stride 2, padding 2) would make 34x34 from 16x16, so the decoder ends with the mirror of
conv2D-1 (9x9, stride 2, padding 4, output padding 1), which makes 32x32.

GDN is written here: compressai, the maintained implementation, pins its own torch and pulls
torchvision, pandas and torch-geometric, far more than 30 lines are worth.
"""

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from djscc.nn.codec import ChannelCodec, check_csi_features
from djscc.nn.config import ModelConfig


@dataclass(frozen=True)
class AttenJSCCConfig(ModelConfig):
    """Architecture of one AttenJSCC model; stored in the model card."""

    latent_channels: int = 8
    filters: int = 256
    eaf_reduction: int = 16
    csi_features: tuple[str, ...] = field(default=("effective_snr_db",))

    def __post_init__(self):
        super().__post_init__()
        check_csi_features(self.csi_features)
        if self.latent_channels < 1 or self.filters < 1 or self.eaf_reduction < 1:
            raise ValueError("latent_channels, filters and eaf_reduction must be positive")


class GDN(nn.Module):
    """Generalized divisive normalization (Balle et al. 2016) and, inverse=True, its inverse:
    y_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2)   (inverse: multiply instead of divide).

    beta and gamma are kept non-negative by squaring their stored square roots.
    """

    def __init__(self, channels: int, inverse: bool = False, gamma_init: float = 0.1):
        super().__init__()
        self.inverse = inverse
        self.beta_root = nn.Parameter(torch.ones(channels))
        self.gamma_root = nn.Parameter(torch.sqrt(gamma_init * torch.eye(channels)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        beta = self.beta_root.square() + 1e-6
        gamma = self.gamma_root.square()[:, :, None, None]
        norm = torch.sqrt(F.conv2d(x.square(), gamma, beta))
        return x * norm if self.inverse else x / norm


class ECA(nn.Module):
    """Efficient channel attention (Wang et al. 2020): a 1-D conv across pooled channels."""

    def __init__(self, kernel_size: int = 3):
        super().__init__()
        self.conv = nn.Conv1d(1, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = torch.sigmoid(self.conv(x.mean(dim=(2, 3))[:, None, :]))[:, 0]
        return x * weights[:, :, None, None]


class ResBlock(nn.Module):
    """conv3x3 -> (I)GDN -> PReLU -> conv3x3 -> (I)GDN -> ECA, plus the input."""

    def __init__(self, channels: int, inverse: bool):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), GDN(channels, inverse), nn.PReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), GDN(channels, inverse), ECA())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class EnhancedAttentionFeature(nn.Module):
    """EAF (Fig. 3): pooled features -> (FC, PReLU) x 2 -> concat CSI -> FC -> sigmoid -> scale."""

    def __init__(self, channels: int, n_csi: int, reduction: int):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.features = nn.Sequential(nn.Linear(channels, hidden), nn.PReLU(),
                                      nn.Linear(hidden, channels), nn.PReLU())
        self.calibrate = nn.Linear(channels + n_csi, channels)

    def forward(self, x: torch.Tensor, csi: torch.Tensor) -> torch.Tensor:
        factors = self.features(x.mean(dim=(2, 3)))
        weights = torch.sigmoid(self.calibrate(torch.cat([factors, csi], dim=1)))
        return x * weights[:, :, None, None]


class AttenBlock(nn.Module):
    """(transposed) conv -> (I)GDN -> PReLU -> Res-block -> EAF."""

    def __init__(self, conv: nn.Module, channels: int, inverse: bool, config: AttenJSCCConfig):
        super().__init__()
        self.body = nn.Sequential(conv, GDN(channels, inverse), nn.PReLU(), ResBlock(channels, inverse))
        self.attention = EnhancedAttentionFeature(channels, len(config.csi_features),
                                                  config.eaf_reduction)

    def forward(self, x: torch.Tensor, csi: torch.Tensor) -> torch.Tensor:
        return self.attention(self.body(x), csi)


class AttenJSCC(ChannelCodec):
    """AttenJSCC codec; see the module docstring."""

    def __init__(self, config: AttenJSCCConfig):
        super().__init__()
        self.config = config
        f, c = config.filters, config.latent_channels

        def conv(cin, k, stride):
            return nn.Conv2d(cin, f, k, stride, k // 2)

        def tconv(cin, cout, k, stride):
            return nn.ConvTranspose2d(cin, cout, k, stride, k // 2, output_padding=stride - 1)

        self.encoder_blocks = nn.ModuleList([
            AttenBlock(conv(3, 9, 2), f, False, config), AttenBlock(conv(f, 5, 2), f, False, config),
            AttenBlock(conv(f, 5, 1), f, False, config), AttenBlock(conv(f, 5, 1), f, False, config)])
        self.encoder_out = nn.Conv2d(f, c, 5, 1, 2)
        self.decoder_blocks = nn.ModuleList([
            AttenBlock(tconv(c, f, 5, 1), f, True, config), AttenBlock(tconv(f, f, 5, 1), f, True, config),
            AttenBlock(tconv(f, f, 5, 1), f, True, config), AttenBlock(tconv(f, f, 5, 2), f, True, config)])
        self.decoder_out = tconv(f, 3, 9, 2)

    def encode_latent(self, images: torch.Tensor, csi: torch.Tensor) -> torch.Tensor:
        x = images * 2 - 1  # the paper feeds [-1, 1]
        for block in self.encoder_blocks:
            x = block(x, csi)
        return self.encoder_out(x)

    def decode_latent(self, latent: torch.Tensor, csi: torch.Tensor) -> torch.Tensor:
        x = latent
        for block in self.decoder_blocks:
            x = block(x, csi)
        return torch.sigmoid(self.decoder_out(x))
