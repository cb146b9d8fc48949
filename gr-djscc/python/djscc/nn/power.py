"""Transmitter power constraint and the real <-> complex symbol mapping."""

import torch


def to_symbols(latent: torch.Tensor) -> torch.Tensor:
    """Latent (B, C, H, W) real -> (B, k) complex, k = C*H*W/2, at unit average power.

    Consecutive real values pair into one complex symbol; each image is scaled so that
    mean |s|^2 = 1 over its k symbols (the paper's unit-norm constraint, per symbol).
    """
    flat = latent.flatten(1).float()
    if flat.shape[1] % 2:
        raise ValueError(f"latent has {flat.shape[1]} real values; an even count is needed")
    symbols = torch.view_as_complex(flat.reshape(flat.shape[0], -1, 2).contiguous())
    power = symbols.abs().square().mean(dim=1, keepdim=True)
    return symbols / torch.sqrt(power + 1e-12)


def from_symbols(symbols: torch.Tensor, latent_shape: tuple[int, int, int]) -> torch.Tensor:
    """(B, k) complex -> latent (B, C, H, W) real, the inverse of ``to_symbols``'s mapping."""
    return torch.view_as_real(symbols).reshape(symbols.shape[0], *latent_shape)


def per_symbol_to_latent(values: torch.Tensor, latent_shape: tuple[int, int, int]) -> torch.Tensor:
    """(B, k) real, one value per complex symbol -> (B, C, H, W): each value at the two latent
    positions its symbol carries (the pairing of ``to_symbols``)."""
    return values.repeat_interleave(2, dim=1).reshape(values.shape[0], *latent_shape)
