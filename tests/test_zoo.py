"""Model files: safetensors + JSON card round trip, and every way a file can be wrong."""


import pytest
import torch

from djscc.errors import ModelFileError
from djscc.nn import zoo
from djscc.nn.channels import AWGNChannel


def test_round_trip_gives_identical_outputs(tmp_path):
    torch.manual_seed(7)
    original = zoo.build("da-djscc").eval()
    zoo.save(original, tmp_path / "model", {"name": "model"})
    loaded, card = zoo.load(tmp_path / "model.safetensors")
    images, snr = torch.rand(2, 3, 32, 32), torch.tensor([3.0, 17.0])
    with torch.no_grad():
        a = original(images, AWGNChannel(), snr, torch.Generator().manual_seed(0))
        b = loaded(images, AWGNChannel(), snr, torch.Generator().manual_seed(0))
    assert torch.equal(a, b)
    assert card["architecture"] == "da-djscc" and card["parameters"] == 158730


def test_missing_files(tmp_path, tiny_model_path):
    with pytest.raises(ModelFileError, match="not found"):
        zoo.load(tmp_path / "nothing")
    zoo.weights_path(tiny_model_path).unlink()
    with pytest.raises(ModelFileError, match="weights .* not found"):
        zoo.load(tiny_model_path)


def test_corrupt_weights(tiny_model_path):
    zoo.weights_path(tiny_model_path).write_bytes(b"\x00garbage" * 100)
    with pytest.raises(ModelFileError, match="not a readable safetensors"):
        zoo.load(tiny_model_path)


def test_pickle_is_never_loaded(tiny_model_path):
    """A torch.save (pickle) file in place of the weights is refused, not executed."""
    torch.save(zoo.build("da-djscc").state_dict(), zoo.weights_path(tiny_model_path))
    with pytest.raises(ModelFileError, match="not a readable safetensors"):
        zoo.load(tiny_model_path)


def test_card_not_json(tiny_model_path):
    zoo.card_path(tiny_model_path).write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        zoo.load(tiny_model_path)


def test_build_by_name_with_config():
    model = zoo.build("adjscc", latent_channels=16)
    assert model.config.latent_channels == 16 and model.architecture == "adjscc"
    with pytest.raises(ModelFileError, match="unknown architecture"):
        zoo.build("nope")
    for config in ({"kernel_size": 4}, {"spatial_kernel_size": 6}):  # a latent of the wrong size, silently
        with pytest.raises(ModelFileError, match="must be odd"):
            zoo.build("da-djscc", **config)
