"""Gated deep JSCC for image recovery and classification (seed 002).

The DJSCC backbone's encoder and decoder, plus:
  * a gated net that decides from the channel state how many latent channels to send. The
    channels are ordered (channel j goes only if every channel before it does), so the
    receiver knows which were sent from the number of symbols alone: the frame header
    carries that number, and a frame may carry fewer symbols per image than the maximum k.
    The net predicts the PSNR that sending the first 1, 2, .., C channels would give at this
    channel state, and the gate sends the n that maximizes predicted PSNR - db_per_channel * n:
    a channel goes only if it is predicted to add at least db_per_channel dB.
  * a feature head on the received latent (a small CNN, unit-norm output), trained by
    maximizing the coding rate reduction (MCR^2, Yu et al. 2020) so classes are separable in
    the feature space; images are classified there by the nearest class mean.

Training (why not a straight-through gate: MSE plus a rate penalty through a
straight-through mask collapsed the gate to one channel in every run tried): each image's
channel count is drawn uniformly from 1..C (nested dropout), so the decoder learns every
prefix; the gated net regresses the PSNR measured at the drawn count; the codec minimizes
MSE - rate_reduction_weight * DeltaR.
"""

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from djscc.metrics import psnr_db
from djscc.nn.channels import ChannelState
from djscc.nn.codec import ChannelCodec, check_csi_features, check_images, drop_unsent
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
    db_per_channel: float = 0.25
    csi_features: tuple[str, ...] = field(default=("effective_snr_db",))

    def __post_init__(self):
        super().__post_init__()
        check_csi_features(self.csi_features)
        if self.latent_channels < 2 or self.feature_dim < 1 or self.classes < 2:
            raise ValueError("latent_channels must be at least 2, feature_dim and classes positive")
        if self.db_per_channel < 0:
            raise ValueError("db_per_channel must not be negative")


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

    OBJECTIVE = ("MSE - w * MCR2 rate reduction, channel count drawn per image (nested dropout); "
                 "gate: regression of the PSNR at each count")

    def __init__(self, config: GatedJSCCConfig):
        super().__init__()
        self.config = config
        self.backbone = JSCCModel(JSCCConfig(attention="none", latent_channels=config.latent_channels,
                                             widths=config.widths, csi_features=config.csi_features))
        n_csi, c = len(config.csi_features), config.latent_channels
        self.gate = nn.Sequential(nn.Linear(n_csi, 32), nn.PReLU(), nn.Linear(32, c))
        with torch.no_grad():  # start near what a codec gives: 15 dB, then +1 dB a channel
            self.gate[-1].bias.copy_(torch.tensor([15.0] + [0.55] * (c - 1)))
        self.feature_head = nn.Sequential(
            nn.Conv2d(c, 64, 3, padding=1), nn.PReLU(64), nn.Conv2d(64, 64, 3, padding=1),
            nn.PReLU(64), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, config.feature_dim))
        self.register_buffer("class_means", torch.zeros(config.classes, config.feature_dim))

    # -- the gate ---------------------------------------------------------------------------
    def predicted_psnr_db(self, state: ChannelState) -> torch.Tensor:
        """(B, C): the PSNR expected from sending the first 1..C channels, non-decreasing."""
        return F.softplus(self.gate(self.csi_tensor(state))).cumsum(dim=1)

    def kept_channels(self, state: ChannelState) -> torch.Tensor:
        """(B,) how many latent channels the gate sends at this channel state."""
        count = torch.arange(1, self.config.latent_channels + 1, device=state.snr_db.device)
        return (self.predicted_psnr_db(state) - self.config.db_per_channel * count).argmax(dim=1) + 1

    def symbols_sent(self, state: ChannelState, height: int, width: int) -> torch.Tensor:
        return self._symbols_for(self.kept_channels(state), height, width)

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
        return self._encode_first(images, state, self.kept_channels(state))

    def _encode_first(self, images: torch.Tensor, state: ChannelState, kept: torch.Tensor) -> torch.Tensor:
        """Symbols of the first ``kept`` (B,) latent channels of each image."""
        mask = torch.arange(self.config.latent_channels, device=kept.device) < kept[:, None]
        latent = self.backbone.encode_latent(images, self.csi_tensor(state)) * mask[:, :, None, None]
        sent = self._symbols_for(kept, *images.shape[-2:])
        k = self.symbols_per_image(*images.shape[-2:])
        return to_symbols(latent) * torch.sqrt(sent / k)[:, None]

    def decode_latent(self, latent: torch.Tensor, csi: torch.Tensor) -> torch.Tensor:
        return self.backbone.decode_latent(latent, csi)

    # -- classification in the feature space -----------------------------------------------
    def features(self, symbols: torch.Tensor, image_size: tuple[int, int]) -> torch.Tensor:
        """(B, feature_dim) unit-norm features of received symbols (unsent ones zero)."""
        return F.normalize(self.feature_head(self.received_latent(symbols, image_size)), dim=1)

    def classify(self, symbols: torch.Tensor, image_size: tuple[int, int]) -> torch.Tensor:
        """Class indices by the nearest class mean (cosine) in the feature space."""
        return (self.features(symbols, image_size) @ self.class_means.T).argmax(dim=1)

    def training_loss(self, images, labels, channel, snr_db, generator=None):
        sent_state, size = ChannelState.awgn(snr_db), images.shape[-2:]
        kept = torch.randint(1, self.config.latent_channels + 1, (len(images),),
                             device=images.device, generator=generator)
        received, state = channel(self._encode_first(images, sent_state, kept), snr_db, generator)
        received = drop_unsent(received, self._symbols_for(kept, *size))
        output = self.decode(received, state, size)
        squared_error = (output - images).square().mean(dim=(1, 2, 3))
        predicted = self.predicted_psnr_db(sent_state).gather(1, (kept - 1)[:, None])[:, 0]
        objective = squared_error.mean() + F.mse_loss(predicted, psnr_db(squared_error.detach()))
        if labels is not None:
            features = self.features(received, size)
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
