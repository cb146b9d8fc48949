"""Image fidelity on 8-bit pixels: per-image PSNR and SSIM (pytorch-msssim)."""

import math

import torch
from pytorch_msssim import ssim

SSIM_MIN_SIDE = 11  # pytorch-msssim's Gaussian window is 11 pixels wide


def psnr_from_mse(mse: float, peak: float = 1.0) -> float:
    return 10.0 * math.log10(peak**2 / max(mse, 1e-12))


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Float images in [0, 1] -> the 8-bit pixels a receiver would display."""
    return (images.clamp(0, 1) * 255.0).round().to(torch.uint8)


def psnr_db(mse: torch.Tensor, peak: float = 1.0) -> torch.Tensor:
    """PSNR (dB) of each mean squared error; capped at 100 dB for exact copies."""
    return 10.0 * torch.log10(peak**2 / mse.clamp_min(peak**2 * 1e-10))


def psnr_per_image(reference: torch.Tensor, received: torch.Tensor) -> torch.Tensor:
    """PSNR (dB) of each image, both uint8 (B, 3, H, W); capped at 100 dB for exact copies."""
    return psnr_db((reference.float() - received.float()).square().flatten(1).mean(dim=1), 255.0)


def ssim_per_image(reference: torch.Tensor, received: torch.Tensor) -> torch.Tensor:
    """SSIM of each image, both uint8 (B, 3, H, W); Gaussian 11x11 window, data range 255."""
    if min(reference.shape[-2:]) < SSIM_MIN_SIDE:
        raise ValueError(f"SSIM needs images of at least {SSIM_MIN_SIDE}x{SSIM_MIN_SIDE}")
    return ssim(reference.float(), received.float(), data_range=255.0, size_average=False)
