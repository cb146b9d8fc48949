"""8-bit images: the conversions between the pixels images travel as (uint8 (B, H, W, 3))
and the tensors the models take (float (B, 3, H, W) in [0, 1]), and per-image PSNR and SSIM
(pytorch-msssim) of uint8 (B, 3, H, W) tensors."""

import numpy as np
import torch
from pytorch_msssim import ssim

SSIM_MIN_SIDE = 11  # pytorch-msssim's Gaussian window is 11 pixels wide


def channels_first(pixels: np.ndarray) -> torch.Tensor:
    """uint8 (B, H, W, 3) pixels -> uint8 (B, 3, H, W), sharing their memory."""
    return torch.from_numpy(np.asarray(pixels)).permute(0, 3, 1, 2)


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 (B, 3, H, W) -> float in [0, 1], what the models take."""
    return images.float() / 255.0


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Float images in [0, 1] -> the 8-bit pixels a receiver would display (B, 3, H, W)."""
    return (images.clamp(0, 1) * 255.0).round().to(torch.uint8)


def to_pixels(images: torch.Tensor) -> np.ndarray:
    """Float (B, 3, H, W) in [0, 1] -> uint8 (B, H, W, 3) pixels."""
    return to_uint8(images).permute(0, 2, 3, 1).numpy()


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
