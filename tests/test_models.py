"""The DJSCC family: sizes of the paper's Table I, power constraint, SNR adaptivity."""

import pytest
import torch

from djscc.errors import InputError, ModelFileError
from djscc.nn import zoo
from djscc.nn.channels import AWGNChannel, ChannelState
from djscc.nn.power import from_symbols, to_symbols

PAPER_PARAMETERS = {"djscc": 0.143e6, "adjscc": 0.157e6, "da-djscc": 0.159e6}


@pytest.mark.parametrize("architecture", sorted(PAPER_PARAMETERS))
def test_parameter_count_within_ten_percent_of_table_one(architecture):
    count = sum(p.numel() for p in zoo.build(architecture).parameters())
    assert abs(count - PAPER_PARAMETERS[architecture]) / PAPER_PARAMETERS[architecture] < 0.10


@pytest.mark.parametrize("latent_channels,ratio", [(8, 1 / 12), (16, 1 / 6)])
def test_bandwidth_ratio_counts_complex_symbols_per_pixel_value(latent_channels, ratio):
    model = zoo.build("da-djscc", latent_channels=latent_channels)
    symbols = model.encode(torch.rand(2, 3, 32, 32), ChannelState.awgn(torch.tensor([5.0, 5.0])))
    assert symbols.shape == (2, round(3072 * ratio)) and symbols.is_complex()
    assert model.config.bandwidth_ratio() == pytest.approx(ratio)


def test_symbols_have_unit_average_power_per_image():
    latent = torch.randn(4, 8, 8, 8) * torch.tensor([0.1, 1.0, 7.0, 300.0])[:, None, None, None]
    symbols = to_symbols(latent)
    assert symbols.abs().square().mean(dim=1) == pytest.approx(torch.ones(4), rel=1e-5)
    back = from_symbols(symbols, (8, 8, 8))
    ratio = back / latent  # the mapping is a per-image scaling
    assert torch.allclose(ratio, ratio[:, :1, :1, :1].expand_as(ratio), rtol=1e-4)


@pytest.mark.parametrize("widths", [(16, 32), (32, 64, 64, 64, 64, 64)])
def test_widths_set_width_and_depth_at_the_same_bandwidth(widths):
    """One conv layer a width, the first two downsampling; the latent (and so k) stays c x H/4 x W/4."""
    model = zoo.build("da-djscc", widths=widths)
    assert len(model.encoder_layers) == len(model.decoder_layers) == len(widths) + 1
    state = ChannelState.awgn(torch.tensor([5.0]))
    images = torch.rand(1, 3, 32, 64)
    symbols = model.encode(images, state)
    assert symbols.shape == (1, 8 * 8 * 16 // 2)
    assert model.decode(symbols, state, (32, 64)).shape == images.shape


@pytest.mark.parametrize("widths", [(16,), (16, 0, 32)])
def test_widths_too_few_or_empty_are_refused(widths):
    with pytest.raises(ModelFileError, match="widths needs 2 or more positive"):
        zoo.build("da-djscc", widths=widths)


def test_fully_convolutional_on_any_multiple_of_four():
    model = zoo.build("da-djscc").eval()
    images = torch.rand(1, 3, 48, 64)
    with torch.no_grad():
        output = model(images, AWGNChannel(), torch.tensor([10.0]))
    assert output.shape == images.shape
    assert 0 <= output.min() and output.max() <= 1


@pytest.mark.parametrize("architecture,adaptive", [("djscc", False), ("adjscc", True), ("da-djscc", True)])
def test_only_adaptive_models_listen_to_the_snr(architecture, adaptive):
    torch.manual_seed(0)
    model = zoo.build(architecture).eval()
    images = torch.rand(2, 3, 32, 32)
    low = model.encode(images, ChannelState.awgn(torch.tensor([0.0, 0.0])))
    high = model.encode(images, ChannelState.awgn(torch.tensor([20.0, 20.0])))
    assert (not torch.allclose(low, high)) == adaptive


def test_spatial_attention_only_in_da_djscc():
    def count(model, kind):
        return sum(type(m).__name__ == kind for m in model.modules())
    assert count(zoo.build("adjscc"), "AdaptiveSpatialAttention") == 0
    da = zoo.build("da-djscc")
    # every layer but the decoder's sigmoid output: 5 encoder + 4 decoder
    assert count(da, "AdaptiveSpatialAttention") == count(da, "AdaptiveChannelAttention") == 9


@pytest.mark.parametrize("bad", [
    torch.zeros(2, 3, 32, 32, dtype=torch.uint8),   # wrong dtype
    torch.rand(3, 32, 32),                           # no batch axis
    torch.rand(2, 1, 32, 32),                        # grayscale
    torch.rand(2, 3, 30, 32),                        # not a multiple of 4
])
def test_encoder_rejects_wrong_images_clearly(bad):
    model = zoo.build("djscc")
    with pytest.raises(InputError, match="image"):
        model.encode(bad, ChannelState.awgn(torch.zeros(len(bad))))


@pytest.mark.parametrize("snr_db,message", [(float("nan"), "NaN"), (200.0, "out of the supported range")])
def test_channel_state_out_of_range_is_refused(snr_db, message):
    model = zoo.build("da-djscc")
    with pytest.raises(InputError, match=message):
        model.encode(torch.rand(1, 3, 32, 32), ChannelState.awgn(torch.tensor([snr_db])))
