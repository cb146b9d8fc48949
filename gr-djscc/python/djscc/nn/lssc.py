"""LSSC (seed 003): a lightweight attention-UNet codec for IoT transmitters.

The seed gives only the idea (an attention-based UNet, fewer FLOPs and a smaller model than
the codec it replaces), so this is a design in its spirit, sized to undercut DA-DJSCC:
  encoder  conv3x3/s2 -> depthwise-separable conv/s2 -> depthwise-separable conv with the
           SNR-adaptive channel attention -> conv1x1 to the latent. Cheap: it runs on the device.
  decoder  conv1x1 up from the latent with SNR-adaptive channel attention, then a one-level
           attention U-Net at 8x8 (down to 4x4 and back, an attention gate on the skip, as in
           Oktay et al.'s Attention U-Net), then two transposed convs to 32x32 and a sigmoid.
A U-Net's skips cannot cross the channel, so the U-Net lives in the receiver's decoder.
"""

from dataclasses import dataclass, field

import torch
from torch import nn

from djscc.nn.attention import AdaptiveChannelAttention
from djscc.nn.codec import ChannelCodec, check_csi_features
from djscc.nn.config import ModelConfig


@dataclass(frozen=True)
class LSSCConfig(ModelConfig):
    """Architecture of one LSSC model; stored in the model card."""

    latent_channels: int = 8
    widths: tuple[int, ...] = (32, 64, 64)
    csi_features: tuple[str, ...] = field(default=("effective_snr_db",))

    def __post_init__(self):
        super().__post_init__()
        check_csi_features(self.csi_features)
        if len(self.widths) != 3 or min(self.widths) < 1 or self.latent_channels < 1:
            raise ValueError("widths needs 3 positive entries and latent_channels must be positive")


def separable(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    """Depthwise 3x3 (stride) + pointwise 1x1 + PReLU: a conv at a fraction of the cost."""
    return nn.Sequential(nn.Conv2d(cin, cin, 3, stride, 1, groups=cin), nn.Conv2d(cin, cout, 1),
                         nn.PReLU())


class AttentionGate(nn.Module):
    """Attention U-Net gate: weight the skip features by where the coarse path says to look."""

    def __init__(self, skip_channels: int, gate_channels: int, hidden: int):
        super().__init__()
        self.skip, self.gate = nn.Conv2d(skip_channels, hidden, 1), nn.Conv2d(gate_channels, hidden, 1)
        self.score = nn.Conv2d(hidden, 1, 1)

    def forward(self, skip: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
        return skip * torch.sigmoid(self.score(torch.relu(self.skip(skip) + self.gate(gate))))


class LSSC(ChannelCodec):
    """LSSC codec; see the module docstring."""

    def __init__(self, config: LSSCConfig):
        super().__init__()
        self.config = config
        w1, w2, w3 = config.widths
        n_csi = len(config.csi_features)
        self.encoder_body = nn.Sequential(nn.Conv2d(3, w1, 3, 2, 1), nn.PReLU(),
                                          separable(w1, w2, 2), separable(w2, w2))
        self.encoder_attention = AdaptiveChannelAttention(w2, n_csi)
        self.encoder_out = nn.Conv2d(w2, config.latent_channels, 1)

        self.decoder_in = nn.Sequential(nn.Conv2d(config.latent_channels, w2, 1), nn.PReLU())
        self.decoder_attention = AdaptiveChannelAttention(w2, n_csi)
        self.down = separable(w2, w3, 2)
        self.up = nn.Sequential(nn.ConvTranspose2d(w3, w2, 2, 2), nn.PReLU())
        self.skip_gate = AttentionGate(w2, w2, w2 // 2)
        self.merge = separable(2 * w2, w2)
        self.decoder_out = nn.Sequential(
            nn.ConvTranspose2d(w2, w1, 4, 2, 1), nn.PReLU(), nn.ConvTranspose2d(w1, 3, 4, 2, 1),
            nn.Sigmoid())

    def encode_latent(self, images: torch.Tensor, csi: torch.Tensor) -> torch.Tensor:
        return self.encoder_out(self.encoder_attention(self.encoder_body(images), csi))

    def decode_latent(self, latent: torch.Tensor, csi: torch.Tensor) -> torch.Tensor:
        skip = self.decoder_attention(self.decoder_in(latent), csi)
        coarse = self.up(self.down(skip))[..., :skip.shape[-2], :skip.shape[-1]]  # odd sizes
        merged = self.merge(torch.cat([self.skip_gate(skip, coarse), coarse], dim=1))
        return self.decoder_out(merged + skip)
