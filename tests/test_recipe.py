"""models/recipe.py: a full schedule spread over budgeted runs that resume, or a probe that
sizes each job's schedule to one run; either way a loadable model whose card says how long
it trained."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from djscc.data import load_images
from djscc.nn import zoo

REPO = Path(__file__).resolve().parents[1]


def recipe(tmp_path, *options):
    samples = load_images("samples")
    data = tmp_path / "train.npz"
    np.savez(data, train_images=samples.images, train_labels=samples.labels,
             test_images=samples.images, test_labels=samples.labels)
    result = subprocess.run(
        [sys.executable, str(REPO / "models" / "recipe.py"), "--data", str(data), "--test-data", str(data),
         "--out", str(tmp_path / "out"), *options],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


def test_recipe_spreads_the_full_schedule_over_budgeted_runs(tmp_path):
    options = ["--only", "djscc_snr7_1-12", "cifar10_classifier", "--max-epochs", "2",
               "--max-classifier-epochs", "2", "--minutes", "1e-6"]
    first = recipe(tmp_path, *options)
    assert "djscc_snr7_1-12 ok: epoch 1 of 2 (run the same command again" in first.stdout
    assert "cifar10_classifier ok: epoch 1 of 2" in first.stdout
    second = recipe(tmp_path, *options)
    assert "djscc_snr7_1-12 ok: epoch 2 of 2\n" in second.stdout
    card = zoo.read_card(tmp_path / "out" / "djscc_snr7_1-12")
    assert card["training"]["epochs"] == 2 and card["training"]["note"] == ""
    assert "resuming" in (tmp_path / "out" / "logs" / "djscc_snr7_1-12.log").read_text()


def test_recipe_fits_the_chosen_models_schedules_to_the_budget(tmp_path):
    result = recipe(tmp_path, "--only", "da-djscc_1-12", "--minutes", "0.05", "--max-epochs", "3",
                    "--probe-images", "64", "--fit-schedule")
    assert "da-djscc_1-12: ~" in result.stdout and "da-djscc_1-12 ok" in result.stdout
    model, card = zoo.load(tmp_path / "out" / "da-djscc_1-12")
    planned = int(result.stdout.split("->")[1].split()[0])
    assert 1 <= planned <= 3 and card["training"]["epochs"] == planned == card["training"]["scheduled_epochs"]


def test_recipe_passes_codec_options_to_the_codecs_only(tmp_path):
    recipe(tmp_path, "--only", "djscc_snr7_1-12", "cifar10_classifier", "--max-epochs", "1",
           "--max-classifier-epochs", "1", "--minutes", "1", "--codec-options=--batch-size 16 --lr 5e-4")
    codec = zoo.read_card(tmp_path / "out" / "djscc_snr7_1-12")["training"]
    assert codec["batch_size"] == 16 and codec["optimizer"].startswith("Adam lr 0.0005 ")
    classifier = zoo.read_card(tmp_path / "out" / "cifar10_classifier")["training"]
    assert classifier["batch_size"] != 16


def test_the_probe_runs_uncompiled_the_jobs_compiled(monkeypatch):
    """Compiling takes longer than the probe's one short epoch: timed with it, a compiled
    job's schedule came out a tenth of what fits."""
    monkeypatch.syspath_prepend(str(REPO / "models"))
    import recipe as recipe_module

    args = recipe_module.parse_args(["--data", "d.npz", "--test-data", "t.npz", "--out", "o", "--minutes", "1",
                                     "--compile", "default"])
    job = recipe_module.command("da-djscc_1-12", args, Path("o"), [])
    probe = recipe_module.command("da-djscc_1-12", args, Path("o"), [], compile_step=False)
    assert job[job.index("--compile") + 1] == "default" and "--compile" not in probe
