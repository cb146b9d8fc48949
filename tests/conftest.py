"""Shared fixtures: small real data and the paths of the shipped models."""

from pathlib import Path

import pytest
import torch

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
