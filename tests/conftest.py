"""Shared fixtures: small real data and the paths of the shipped models."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from djscc.nn import zoo

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

torch.set_num_threads(2)


@pytest.fixture
def tiny_model_path(tmp_path):
    """An untrained DA-DJSCC saved through the zoo (NAME stem)."""
    model = zoo.build("da-djscc")
    path = tmp_path / "tiny"
    zoo.save(model, path, {"name": "tiny"})
    return path



@pytest.fixture
def photos(tmp_path):
    """A folder of three PNG photos of different sizes (height x width 150x200, 300x180,
    96x128): smooth gradients with a disc, as a scene."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for index, (height, width) in enumerate(((150, 200), (300, 180), (96, 128))):
        rows, cols = np.mgrid[:height, :width]
        disc = (rows - height / 2) ** 2 + (cols - width / 3) ** 2 < (min(height, width) / 4) ** 2
        image = np.stack([255 * rows / height, 255 * cols / width, 120 + 100 * disc + 10 * index], -1)
        Image.fromarray(image.astype(np.uint8)).save(folder / f"photo{index}.png")
    return folder


@pytest.fixture
def gated_model_path(tmp_path):
    """An untrained gated JSCC whose gate sends 2 of its 8 latent channels (64 symbols at
    32x32) below about 10 dB and all 8 (256) above: its net predicts that channels 3-8 add
    0.13 dB each below 10 dB (under the 0.25 dB a channel must earn) and far more above."""
    model = zoo.build("gated-jscc")
    with torch.no_grad():
        first, activation, last = model.gate
        first.weight.fill_(1.0)
        first.bias.fill_(-0.5)  # csi = dB / 20: positive above 10 dB
        activation.weight.fill_(0.0)  # and 0 below
        last.weight.fill_(20.0)
        last.bias.fill_(-2.0)  # softplus(-2) = 0.13 dB
        last.bias[:2] = 5.0
    path = tmp_path / "gated"
    zoo.save(model, path, {"name": "gated"})
    return path
