"""The downstream CIFAR-10 classifier that scores received images (seed 001, Fig. 7).

A small fast ResNet-style net in the spirit of the "airbench" CIFAR-10 speed-runs, chosen
because this project must train it on a 2-core CPU: a stem conv, then three groups of
conv -> max-pool -> BN -> GELU -> conv -> BN -> GELU (resolution 32 -> 16 -> 8 -> 4),
global max-pool and a linear head. It takes images in [0, 1] like the codecs' output.
"""

from dataclasses import dataclass

import torch
from torch import nn

from djscc.nn.config import ModelConfig

# Per-channel mean and std of the CIFAR-10 training set, for input standardization.
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


@dataclass(frozen=True)
class ClassifierConfig(ModelConfig):
    """Widths of the stem and the three groups; stored in the model card."""

    widths: tuple[int, ...] = (32, 64, 128, 256)
    classes: int = 10

    def __post_init__(self):
        super().__post_init__()
        if len(self.widths) != 4 or min(self.widths) < 1 or self.classes < 2:
            raise ValueError("widths needs 4 positive entries and classes must be at least 2")


def conv_bn_gelu(cin: int, cout: int, pool: bool = False) -> list[nn.Module]:
    layers = [nn.Conv2d(cin, cout, 3, padding=1, bias=False)]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return layers + [nn.BatchNorm2d(cout), nn.GELU()]


class Classifier(nn.Module):
    """(B, 3, H, W) images in [0, 1] -> (B, classes) logits."""

    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self.config = config
        stem, *groups = config.widths
        layers = conv_bn_gelu(3, stem)
        for cin, cout in zip([stem, *groups[:-1]], groups):
            layers += conv_bn_gelu(cin, cout, pool=True) + conv_bn_gelu(cout, cout)
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(groups[-1], config.classes)
        self.register_buffer("mean", torch.tensor(CIFAR10_MEAN)[None, :, None, None])
        self.register_buffer("std", torch.tensor(CIFAR10_STD)[None, :, None, None])

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        features = self.features((images - self.mean) / self.std)
        return self.head(features.amax(dim=(2, 3)))

    @torch.no_grad()
    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """Class indices (B,) of images in [0, 1]."""
        return self(images).argmax(dim=1)
