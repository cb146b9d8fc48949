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

