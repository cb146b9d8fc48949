"""Net2Wider: a trained model copied into a wider one decodes as it did, so a larger photo
model starts where the small one stopped; djscc-train does it from --init-from."""

import pytest
import torch

from djscc import train
from djscc.errors import ModelFileError
from djscc.nn import zoo
from djscc.nn.channels import AWGNChannel
from djscc.nn.widen import widened


def images_through(model, images, snr_db):
    with torch.no_grad():
        return model(images, AWGNChannel(), snr_db, torch.Generator().manual_seed(3))


@pytest.mark.parametrize("name", ["da-djscc_1-12", "adjscc_1-12", "djscc_snr7_1-12"])
def test_a_widened_shipped_model_decodes_the_same_images(name):
    model, _ = zoo.load(name)
    wide = widened(model, (32, 64, 96, 32))  # a factor per layer: 2, 2, 3, 1
    assert sum(p.numel() for p in wide.parameters()) > 2 * sum(p.numel() for p in model.parameters())
    images, snr_db = torch.rand(3, 3, 32, 48), torch.tensor([0.0, 8.0, 20.0])
    assert torch.allclose(images_through(wide, images, snr_db), images_through(model, images, snr_db), atol=1e-5)


def test_widening_noise_sets_copies_apart_and_only_whole_multiples_widen():
    model, _ = zoo.load("da-djscc_1-12")
    wide = widened(model, (32, 64, 64, 64), noise=0.01, generator=torch.Generator().manual_seed(0))
    first = wide.encoder_layers[0].conv.weight
    assert not torch.equal(first[:16], first[16:])  # a channel and its copy no longer train alike
    images, snr_db = torch.rand(2, 3, 32, 32), torch.tensor([5.0, 15.0])
    difference = (images_through(wide, images, snr_db) - images_through(model, images, snr_db)).abs()
    assert 0 < difference.max() < 0.05
    with pytest.raises(ModelFileError, match="whole multiple"):
        widened(model, (24, 64, 64, 64))
    with pytest.raises(ModelFileError, match="whole multiple"):
        widened(model, (32, 64, 64, 64, 64))


def test_djscc_train_starts_a_wider_model_from_a_trained_one(tmp_path, tiny_model_path):
    out = tmp_path / "wide"
    assert train.main(["--arch", "da-djscc", "--config", '{"widths": [32, 64, 64, 64]}',
                       "--init-from", str(tiny_model_path), "--data", "samples", "--limit", "8",
                       "--batch-size", "8", "--epochs", "1", "--out", str(out)]) == 0
    model, card = zoo.load(out)
    assert model.config.widths == (32, 64, 64, 64)
    assert card["training"]["initialized_from"] == "tiny (widened by Net2Wider)"
