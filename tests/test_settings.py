"""Settings that must hold where they are said to: the model search path and each block's
torch threads."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import REPO

from djscc.blocks import decoder, encoder, pdu
from djscc.errors import ModelFileError
from djscc.nn import zoo

from gr_harness import run_message_block

SHIPPED = "da-djscc_1-12"


@pytest.fixture
def search_env(tmp_path, monkeypatch):
    """An empty $DJSCC_MODEL_PATH folder and user folder (XDG_DATA_HOME) under tmp_path."""
    env_folder, user_folder = tmp_path / "env", tmp_path / "data" / "gr-djscc" / "models"
    env_folder.mkdir()
    user_folder.mkdir(parents=True)
    monkeypatch.setenv("DJSCC_MODEL_PATH", str(env_folder))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return env_folder, user_folder


def test_search_order_is_variable_then_user_folder_then_checkout(search_env, tiny_model_path):
    env_folder, user_folder = search_env
    assert zoo.search_path() == [env_folder, user_folder, REPO / "models"]
    assert zoo.resolve(SHIPPED) == REPO / "models" / SHIPPED
    for folder in (user_folder, env_folder):  # each shadows the ones after it
        zoo.save(zoo.build("djscc"), folder / SHIPPED, {"name": SHIPPED})
        assert zoo.resolve(SHIPPED) == folder / SHIPPED
        assert zoo.load(SHIPPED)[1]["architecture"] == "djscc"
    assert SHIPPED in zoo.shipped() and "tiny" not in zoo.shipped()
    assert zoo.resolve(tiny_model_path) == tiny_model_path  # a path is taken as it is
    with pytest.raises(ModelFileError, match=f"looked up in {env_folder}, {user_folder}"):
        zoo.load("no-such-model")


def test_an_installed_package_finds_models_through_the_variable(tmp_path):
    """The package copied out of the checkout (as an install puts it) finds no shipped
    model by itself, and finds them through $DJSCC_MODEL_PATH."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "gr-djscc" / "python" / "djscc", site / "djscc",
                    ignore=shutil.ignore_patterns("__pycache__", "samples"))
    script = ("import djscc, sys; from djscc.nn import zoo; assert djscc.__file__.startswith(sys.argv[1])\n"
              f"print(zoo.load({SHIPPED!r})[1]['architecture'])")
    env = {**os.environ, "PYTHONPATH": str(site), "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("DJSCC_MODEL_PATH", None)
    run = [sys.executable, "-c", script, str(site)]
    alone = subprocess.run(run, env=env, capture_output=True, text=True, timeout=120)
    assert alone.returncode != 0 and "ModelFileError" in alone.stderr and "looked up in" in alone.stderr
    found = subprocess.run(run, env={**env, "DJSCC_MODEL_PATH": str(REPO / "models")},
                           capture_output=True, text=True, timeout=120)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "da-djscc"


def test_each_block_runs_its_model_with_its_own_threads():
    """An encoder with 1 thread built before a decoder with 2: each computes with its own
    count (set in a constructor, the count of the block built last would hold for both)."""
    codec_blocks = {"encode": encoder(model=SHIPPED, threads=1), "decode": decoder(model=SHIPPED, threads=2)}
    seen = {}
    for method, block in codec_blocks.items():
        def record(*args, _method=method, _original=getattr(block.model, method), **kwargs):
            seen[_method] = torch.get_num_threads()
            return _original(*args, **kwargs)
        setattr(block.model, method, record)
    image = pdu.make({"height": 32, "width": 32, "image_id": 0}, np.full((32, 32, 3), 128, np.uint8))
    assert len(run_message_block(codec_blocks["encode"], "images", [image], "symbols", 1)) == 1
    frame = pdu.make({"images": 1, "symbols_per_image": 256, "snr_db": 10.0, "counter": 0,
                      "model_id": codec_blocks["decode"].model_id}, np.ones(256, np.complex64))
    assert len(run_message_block(codec_blocks["decode"], "frames", [frame], "images", 1)) == 1
    assert seen == {"encode": 1, "decode": 2}
