"""Gated deep JSCC for image recovery and classification (seed 002).

The DJSCC backbone's encoder and decoder, plus:
  * a gated net: from the channel state it decides how many latent channels to send. The
    gate is ordered (channel j is sent only if every channel before it is), so the receiver
    knows the mask from the number of symbols alone: the frame header carries that number,
    and a frame may carry fewer symbols per image than the model's maximum k.
  * a feature head on the received latent (conv1x1 + global average pool, unit norm),
    trained by maximizing the coding rate reduction (MCR^2, Yu et al. 2020) so classes are
    separable in the feature space; images are classified there by the nearest class mean.
Objective: MSE - rate_reduction_weight * DeltaR + rate_weight * (fraction of symbols sent).
"""

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from djscc.nn.channels import ChannelState
from djscc.nn.codec import ChannelCodec, check_csi_features, check_images
from djscc.nn.config import ModelConfig
from djscc.nn.models import JSCCConfig, JSCCModel
from djscc.nn.power import to_symbols


@dataclass(frozen=True)
class GatedJSCCConfig(ModelConfig):
    """Architecture and objective weights of one gated model; stored in the model card."""

    latent_channels: int = 8
    widths: tuple[int, ...] = (16, 32, 32, 32)
    feature_dim: int = 64
    classes: int = 10
    rate_reduction_weight: float = 0.002
    rate_weight: float = 0.002
    csi_features: tuple[str, ...] = field(default=("effective_snr_db",))

    def __post_init__(self):
        super().__post_init__()
        check_csi_features(self.csi_features)
        if self.latent_channels < 2 or self.feature_dim < 1 or self.classes < 2:
            raise ValueError("latent_channels must be at least 2, feature_dim and classes positive")


def coding_rate(features: torch.Tensor, epsilon_sq: float) -> torch.Tensor:
    """R(Z) = 1/2 logdet(I + d/(n eps^2) Z^T Z) for n rows of d features."""
    n, d = features.shape
    gram = features.T @ features * (d / (max(n, 1) * epsilon_sq))
    return 0.5 * torch.logdet(torch.eye(d, device=features.device) + gram)


def rate_reduction(features: torch.Tensor, labels: torch.Tensor, classes: int,
                   epsilon_sq: float = 0.5) -> torch.Tensor:
    """MCR^2's DeltaR = R(Z) - sum_j n_j/n R(Z_j): large when classes span separate subspaces."""
    n = len(features)
    within = sum((labels == j).sum() / n * coding_rate(features[labels == j], epsilon_sq)
                 for j in range(classes) if (labels == j).any())
    return coding_rate(features, epsilon_sq) - within


class GatedJSCC(ChannelCodec):
    """Variable-rate codec with a feature-space classifier; see the module docstring."""

    OBJECTIVE = "MSE - w * MCR2 rate reduction + w' * fraction of symbols sent"

    def __init__(self, config: GatedJSCCConfig):
        super().__init__()
        self.config = config
        self.backbone = JSCCModel(JSCCConfig(attention="none", latent_channels=config.latent_channels,
                                             widths=config.widths, csi_features=config.csi_features))
        n_csi, c = len(config.csi_features), config.latent_channels
        self.gate = nn.Sequential(nn.Linear(n_csi, 32), nn.PReLU(), nn.Linear(32, c - 1))
        nn.init.constant_(self.gate[-1].bias, 3.0)  # start by sending every channel
        self.feature_head = nn.Conv2d(c, config.feature_dim, 1)
        self.register_buffer("class_means", torch.zeros(config.classes, config.feature_dim))

    # -- the gate ---------------------------------------------------------------------------
    def channel_mask(self, state: ChannelState) -> torch.Tensor:
        """(B, C) 0/1 ordered mask of the latent channels sent (straight-through gradient)."""
        keep = torch.sigmoid(self.gate(self.csi_tensor(state))).cumprod(dim=1)
        keep = torch.cat([torch.ones_like(keep[:, :1]), keep], dim=1)  # channel 0 always goes
        hard = (keep > 0.5).float()
        return hard + keep - keep.detach()

    def symbols_sent(self, state: ChannelState, height: int, width: int) -> torch.Tensor:
        kept = self.channel_mask(state).detach().sum(dim=1).round().long()
        return self._symbols_for(kept, height, width)

    def accepts_symbol_count(self, count: int, height: int, width: int) -> bool:
        kept = torch.arange(1, self.config.latent_channels + 1)
        return count in self._symbols_for(kept, height, width).tolist()

    def _symbols_for(self, kept_channels: torch.Tensor, height: int, width: int) -> torch.Tensor:
        """Complex symbols that carry the first ``kept_channels`` latent channels."""
        _, h, w = self.latent_shape(height, width)
        return (kept_channels * h * w + 1) // 2  # real values pair up; an odd one out has a zero

    # -- the codec --------------------------------------------------------------------------
    def encode(self, images: torch.Tensor, state: ChannelState) -> torch.Tensor:
        """(B, k) symbols, at unit average power over the symbols sent; zeros after them."""
        check_images(images)
        mask = self.channel_mask(state)
        latent = self.backbone.encode_latent(images, self.csi_tensor(state)) * mask[:, :, None, None]
        sent = self._symbols_for(mask.detach().sum(dim=1).round().long(), *images.shape[-2:])
        k = self.symbols_per_image(*images.shape[-2:])
        return to_symbols(latent) * torch.sqrt(sent / k)[:, None]

    def decode_latent(self, latent: torch.Tensor, csi: torch.Tensor) -> torch.Tensor:
        return self.backbone.decode_latent(latent, csi)

    # -- classification in the feature space -----------------------------------------------
    def features(self, symbols: torch.Tensor, image_size: tuple[int, int]) -> torch.Tensor:
        """(B, feature_dim) unit-norm features of received symbols (unsent ones zero)."""
        latent = self.received_latent(symbols, image_size)
        return F.normalize(self.feature_head(latent).mean(dim=(2, 3)), dim=1)

    def classify(self, symbols: torch.Tensor, image_size: tuple[int, int]) -> torch.Tensor:
        """Class indices by the nearest class mean (cosine) in the feature space."""
        return (self.features(symbols, image_size) @ self.class_means.T).argmax(dim=1)

    def training_loss(self, images, labels, channel, snr_db, generator=None):
        received, state = self.transmit(images, channel, snr_db, generator)
        output = self.decode(received, state, images.shape[-2:])
        mask = self.channel_mask(ChannelState.awgn(snr_db))  # soft: the rate term's gradient
        objective = F.mse_loss(output, images) + self.config.rate_weight * mask.mean()
        if labels is not None:
            features = self.features(received, images.shape[-2:])
            objective = objective - self.config.rate_reduction_weight * rate_reduction(
                features, labels, self.config.classes)
            self.update_class_means(features.detach(), labels)
        return objective, output

    @torch.no_grad()
    def update_class_means(self, features: torch.Tensor, labels: torch.Tensor,
                           momentum: float = 0.99) -> None:
        """Running mean of each class's features (normalized), for ``classify``."""
        for j in labels.unique():
            mean = features[labels == j].mean(dim=0)
            self.class_means[j] = F.normalize(momentum * self.class_means[j] + (1 - momentum) * mean,
                                              dim=0)

