"""SNR-adaptive attention modules of DA-DJSCC (seed 001, eq. 10-14).

Both take a feature map ``F`` (B, C, H, W) and the channel state ``csi`` (B, n_csi) the
receiver measured (SNR in dB, scaled; optionally |h|), and return ``F + weights * F``.
"""

import torch
from torch import nn


class AdaptiveChannelAttention(nn.Module):
    """Eq. (10)-(11): w = sigmoid(FC(PReLU(FC(sigmoid(FC(csi)) + avgpool(F))))); F + w*F."""

    def __init__(self, channels: int, n_csi: int):
        super().__init__()
        self.csi_embedding = nn.Linear(n_csi, channels)
        self.mlp = nn.Sequential(
            nn.Linear(channels, channels), nn.PReLU(), nn.Linear(channels, channels), nn.Sigmoid()
        )

    def forward(self, features: torch.Tensor, csi: torch.Tensor) -> torch.Tensor:
        pooled = features.mean(dim=(2, 3))
        weights = self.mlp(torch.sigmoid(self.csi_embedding(csi)) + pooled)
        return features + features * weights[:, :, None, None]


class AdaptiveSpatialAttention(nn.Module):
    """Eq. (12)-(14): M = sigmoid(conv_kxk([mean_c(F), F_snr])); F + F*M.

    F_snr is a learned affine map of the channel state broadcast over H x W, so the module
    works at any image size (the paper allows "broadcasting or learned upsampling").
    """

    def __init__(self, n_csi: int, kernel_size: int = 7):
        super().__init__()
        self.csi_map = nn.Linear(n_csi, 1)
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2)

    def forward(self, features: torch.Tensor, csi: torch.Tensor) -> torch.Tensor:
        channel_mean = features.mean(dim=1, keepdim=True)
        csi_plane = self.csi_map(csi)[:, :, None, None].expand_as(channel_mean)
        attention = torch.sigmoid(self.conv(torch.cat([channel_mean, csi_plane], dim=1)))
        return features + features * attention
