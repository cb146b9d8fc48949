"""The channel state through fading that varies within an image: the receiver measures each
pilot block's SINR, the decoder of a CSI-map model takes it, and such a model trains on CPU
from a trained one (warm start) over the torch channel that mirrors the receiver."""

import numpy as np
import pmt
import pytest
import torch
from gnuradio import blocks, channels

from djscc import train
from djscc.blocks import receiver, transmitter
from djscc.blocks.decoder import decoder
from djscc.errors import ModelFileError
from djscc.nn import zoo
from djscc.nn.channels import ChannelState, DopplerFadingChannel, make_channel

from test_transceiver import run_link


def test_the_fading_channel_varies_within_an_image_only_with_doppler():
    generator = torch.Generator().manual_seed(0)
    static = DopplerFadingChannel(max_doppler=0.0).gains(64, 256, generator)
    moving = DopplerFadingChannel(max_doppler=4e-3).gains(64, 256, generator)
    assert torch.allclose(static, static[:, :1].expand_as(static), atol=1e-5)
    assert (moving[:, -1] - moving[:, 0]).abs().mean() > 0.3
    assert (static.abs().square().mean() - 1).abs() < 0.3  # unit mean power, Rayleigh across images


def test_the_fading_channels_state_is_what_the_receiver_would_report():
    symbols = torch.polar(torch.ones(32, 256), torch.rand(32, 256) * 6.28)
    received, state = DopplerFadingChannel()(symbols, torch.full((32,), 10.0), torch.Generator().manual_seed(1))
    assert received.shape == symbols.shape and state.symbol_snr_db.shape == (32, 256)
    per_block = state.symbol_snr_db.reshape(32, 16, 16)
    assert torch.equal(per_block, per_block[:, :, :1].expand_as(per_block))  # one SINR a pilot block
    # the image's SINR is that of its mean noise over the blocks, as the receiver computes it
    mean_noise = (10 ** (-state.symbol_snr_db / 10)).mean(1)
    assert torch.allclose(state.snr_db, -10 * torch.log10(mean_noise), atol=1e-3)


def test_unfaded_images_of_the_mixed_channel_see_their_snr_in_every_block():
    symbols = torch.polar(torch.ones(64, 256), torch.rand(64, 256) * 6.28)
    channel = make_channel("awgn+fading")
    assert channel.awgn_share == 0.5
    channel.awgn_share = 1.0
    _, state = channel(symbols, torch.full((64,), 20.0), torch.Generator().manual_seed(2))
    assert (state.symbol_snr_db - 20).abs().max() < 2 and (state.snr_db - 20).abs().mean() < 0.3


def test_a_warm_started_csi_map_model_decodes_as_its_source_until_trained(tiny_model_path):
    source, _ = zoo.load(tiny_model_path)
    model = zoo.build("da-djscc", csi_map=True)
    assert zoo.warm_start(model, tiny_model_path) == "tiny"
    model.eval()
    images, state = torch.rand(2, 3, 32, 32), ChannelState.awgn(torch.tensor([3.0, 15.0]))
    with torch.no_grad():
        symbols = source.encode(images, state)
        assert torch.equal(model.decode(symbols, state, (32, 32)), source.decode(symbols, state, (32, 32)))
        state.symbol_snr_db = torch.full((2, 256), -5.0)
        before = model.decode(symbols, state, (32, 32))
        model.decoder_layers[0].conv.weight[8:] = 0.1  # what training does to the map's weights
        assert torch.equal(before, source.decode(symbols, state, (32, 32)))
        assert not torch.equal(model.decode(symbols, state, (32, 32)), before)
    with pytest.raises(ModelFileError, match="cannot start"):
        zoo.warm_start(zoo.build("djscc"), tiny_model_path)


def test_reduced_cpu_training_over_fading_from_a_trained_model(tmp_path, tiny_model_path):
    out = tmp_path / "fading"
    assert train.main(["--arch", "da-djscc", "--config", '{"csi_map": true}', "--channel", "fading",
                       "--init-from", str(tiny_model_path), "--data", "samples", "--limit", "16",
                       "--batch-size", "8", "--epochs", "1", "--out", str(out)]) == 0
    model, card = zoo.load(out)
    assert model.config.csi_map and card["training"]["channel"] == "fading"
    assert card["training"]["initialized_from"] == "tiny"


def first_frame_meta(channel) -> dict:
    """The meta of the first frame the receiver decodes of 4 images through ``channel``."""
    frames = blocks.message_debug()
    rx = receiver(model="da-djscc_1-12", sample_rate=2e6)
    run_link(transmitter(model="da-djscc_1-12", images_per_frame=4), rx, 4, channel,
             [lambda top: top.msg_connect(rx, "frames", frames, "store")])
    assert frames.num_messages() >= 1
    return dict(pmt.to_python(pmt.car(frames.get_message(0))))


@pytest.mark.parametrize("doppler, spread", [(2e-5, False), (1.5e-4, True)])  # 40 Hz, 300 Hz at 2 Msps
def test_the_receiver_measures_each_pilot_blocks_sinr_through_doppler(doppler, spread):
    """GNU Radio's fading model: at 40 Hz the gain holds through an image, at 300 Hz it turns
    within one and the blocks' SINRs spread; the image's SINR is their mean noise's."""
    meta = first_frame_meta([channels.fading_model(8, doppler, False, 4.0, 3),
                             channels.channel_model(noise_voltage=10 ** (-20 / 20), noise_seed=2)])
    per_block = np.asarray(meta["block_snr_db"]).reshape(meta["images"], -1)
    assert per_block.shape == (meta["images"], 16) and meta["block_symbols"] == 16
    mean_noise_db = -10 * np.log10((10 ** (-per_block / 10)).mean(1))
    np.testing.assert_allclose(mean_noise_db, meta["image_snr_db"], atol=0.01)
    assert (np.ptp(per_block, axis=1).max() > 3) == spread
    symbols = decoder.symbol_snr(meta, meta["images"], meta["symbols_per_image"])
    assert symbols.shape == (meta["images"], 256) and symbols[0, 17] == np.float32(per_block[0, 1])


def test_a_map_that_does_not_fit_the_frame_is_not_used():
    assert decoder.symbol_snr({"block_symbols": 16, "block_snr_db": [10.0] * 15}, 1, 256) is None
    assert decoder.symbol_snr({"block_symbols": 0, "block_snr_db": [10.0] * 16}, 1, 256) is None
    assert decoder.symbol_snr({"block_symbols": 16, "block_snr_db": "garbage"}, 1, 256) is None
    assert decoder.symbol_snr({"block_symbols": 16, "block_snr_db": [float("nan")] * 16}, 1, 256).max() == 0
