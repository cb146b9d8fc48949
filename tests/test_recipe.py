"""models/recipe.py: the probe sizes each job's epochs, then every job trains to the end of
its schedule and leaves a loadable model whose card says how long it trained."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from djscc.data import load_images
from djscc.nn import zoo

REPO = Path(__file__).resolve().parents[1]


def test_recipe_trains_the_chosen_models_within_the_budget(tmp_path):
    samples = load_images("samples")
    data = tmp_path / "train.npz"
    np.savez(data, train_images=samples.images, train_labels=samples.labels)
    result = subprocess.run(
        [sys.executable, str(REPO / "models" / "recipe.py"), "--data", str(data), "--test-data", str(data),
         "--only", "da-djscc_1-12", "--minutes", "0.05", "--max-epochs", "3", "--probe-images", "64",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "da-djscc_1-12: ~" in result.stdout and "da-djscc_1-12 ok" in result.stdout
    model, card = zoo.load(tmp_path / "out" / "da-djscc_1-12")
    planned = int(result.stdout.split("->")[1].split()[0])
    assert 1 <= planned <= 3 and card["training"]["epochs"] == planned == card["training"]["scheduled_epochs"]
