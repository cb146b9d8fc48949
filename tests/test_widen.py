"""Net2Wider: a trained model copied into a wider one decodes as it did, so a larger photo
model starts where the small one stopped; djscc-train does it from --init-from."""

import pytest
import torch

from djscc import train
from djscc.errors import ModelFileError
from djscc.nn import zoo
from djscc.nn.channels import AWGNChannel, ChannelState
from djscc.nn.widen import widened


def images_through(model, images, snr_db):
    """The decoded images; a CSI-map model also gets a per-symbol SINR that varies."""
    with torch.no_grad():
        received, state = model.transmit(images, AWGNChannel(), snr_db, torch.Generator().manual_seed(3))
        if model.config.csi_map:
            state = ChannelState.awgn(state.snr_db)
            state.symbol_snr_db = torch.linspace(0, 20, received.shape[1]).expand(len(images), -1)
        return model.decode(received, state, images.shape[-2:])


@pytest.mark.parametrize("name", ["da-djscc_1-12", "adjscc_1-12", "djscc_snr7_1-12", "da-djscc-fading_1-12"])
@pytest.mark.parametrize("noise", [0.0, 0.05])
def test_a_widened_shipped_model_decodes_the_same_images(name, noise):
    model, _ = zoo.load(name)
    wide = widened(model, (32, 64, 96, 32), noise, torch.Generator().manual_seed(0))  # factors 2, 2, 3, 1
    assert sum(p.numel() for p in wide.parameters()) > 2 * sum(p.numel() for p in model.parameters())
    images, snr_db = torch.rand(3, 3, 32, 48), torch.tensor([0.0, 8.0, 20.0])
    assert torch.allclose(images_through(wide, images, snr_db), images_through(model, images, snr_db), atol=1e-5)


def test_widening_noise_sets_copies_apart_where_there_are_copies():
    model = zoo.build("da-djscc", latent_channels=1)
    wide = widened(model, (32, 64, 64, 64), noise=0.01, generator=torch.Generator().manual_seed(0))
    assert all(torch.isfinite(p).all() for p in wide.parameters())
    second = wide.encoder_layers[1].conv.weight  # (64 out, 32 in): in-channels c and c + 16 are copies
    assert not torch.allclose(second[:, :16], second[:, 16:])  # so they no longer train alike
    shares = second[:, :16] + second[:, 16:]  # each old weight, its out-channel repeated likewise
    assert torch.allclose(shares, model.encoder_layers[1].conv.weight.repeat(2, 1, 1, 1), atol=1e-6)
    first = wide.encoder_layers[0].conv.weight  # its input, the image, has no copies: no noise
    assert torch.equal(first, model.encoder_layers[0].conv.weight.repeat(2, 1, 1, 1))


def test_only_whole_multiples_widen():
    model, _ = zoo.load("da-djscc_1-12")
    with pytest.raises(ModelFileError, match="whole multiple"):
        widened(model, (24, 64, 64, 64))
    with pytest.raises(ModelFileError, match="whole multiple"):
        widened(model, (32, 64, 64, 64, 64))
    with pytest.raises(ModelFileError, match="cannot start from 'da-djscc_1-12': cannot widen"):
        zoo.warm_start(zoo.build("da-djscc", widths=[8, 32, 32, 32]), "da-djscc_1-12")


def test_djscc_train_starts_a_wider_model_that_decodes_as_its_source(tmp_path):
    source, _ = zoo.load("da-djscc_1-12")
    model = zoo.build("da-djscc", widths=[32, 64, 64, 64])
    assert zoo.warm_start(model, "da-djscc_1-12") == "da-djscc_1-12 (widened by Net2Wider)"
    images, snr_db = torch.rand(2, 3, 32, 32), torch.tensor([5.0, 15.0])
    assert torch.allclose(images_through(model, images, snr_db), images_through(source, images, snr_db), atol=1e-5)

    out = tmp_path / "wide"
    arguments = ["--arch", "da-djscc", "--config", '{"widths": [32, 64, 64, 64]}', "--init-from", "da-djscc_1-12",
                 "--data", "samples", "--limit", "8", "--batch-size", "8", "--out", str(out)]
    assert train.main([*arguments, "--epochs", "2", "--time-budget-min", "1e-9"]) == 0  # stops after one
    assert zoo.load(out)[1]["training"]["epochs"] == 1
    assert train.main([*arguments, "--epochs", "2"]) == 0  # the same command continues the schedule
    model, card = zoo.load(out)
    assert model.config.widths == (32, 64, 64, 64) and card["training"]["epochs"] == 2
    assert card["training"]["initialized_from"] == "da-djscc_1-12 (widened by Net2Wider)"
