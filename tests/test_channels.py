"""Torch channels: noise power matches the SNR, fading statistics, equalization."""

import pytest
import torch

from djscc.nn.channels import AWGNChannel, ChannelState, RayleighBlockFadingChannel, make_channel

N = 4096


def unit_symbols(batch, k=N, seed=0):
    generator = torch.Generator().manual_seed(seed)
    phases = torch.rand(batch, k, generator=generator) * 6.283185
    return torch.polar(torch.ones(batch, k), phases)


@pytest.mark.parametrize("snr_db", [-5.0, 0.0, 10.0, 25.0])
def test_awgn_noise_power_matches_snr(snr_db):
    symbols = unit_symbols(8)
    received, state = AWGNChannel()(symbols, torch.full((8,), snr_db), torch.Generator().manual_seed(1))
    measured = 10 * torch.log10(1 / (received - symbols).abs().square().mean())
    assert measured.item() == pytest.approx(snr_db, abs=0.1)
    assert torch.equal(state.h_abs, torch.ones(8))


def test_rayleigh_gain_has_unit_mean_power_and_perfect_csi_equalizes():
    batch = 20000
    symbols = unit_symbols(batch, k=4)
    equalized, state = RayleighBlockFadingChannel()(symbols, torch.full((batch,), 60.0),
                                                    torch.Generator().manual_seed(2))
    assert state.h_abs.square().mean().item() == pytest.approx(1.0, abs=0.03)
    # at 60 dB the equalized symbols are the sent ones wherever the fade is not deep
    usable = state.h_abs > 0.1
    assert (equalized[usable] - symbols[usable]).abs().max() < 0.05


def test_estimated_csi_error_shrinks_with_pilots():
    snr = torch.full((4000,), 0.0)

    def gain_error(pilots):
        generator = torch.Generator().manual_seed(3)
        symbols = torch.ones(4000, 1, dtype=torch.complex64)
        # with noise-free knowledge of s, y/h_hat - s measures the estimate's relative error
        equalized, _ = RayleighBlockFadingChannel(pilots=pilots)(symbols, snr, generator)
        return (equalized - symbols).abs().median().item()

    assert gain_error(64) < gain_error(4)


def test_effective_snr_adds_the_fade_in_db():
    state = ChannelState(snr_db=torch.tensor([10.0]), h_abs=torch.tensor([0.1]))
    assert state.effective_snr_db.item() == pytest.approx(-10.0)


def test_unknown_channel_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown channel"):
        make_channel("rician")
