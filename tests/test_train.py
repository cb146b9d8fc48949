"""djscc-train and djscc-train-classifier on CPU: reduced runs, resuming, folders, torchrun, bad input."""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from djscc import train, train_classifier, training
from djscc.nn import zoo


def run_train(tmp_path, *extra):
    return train.main(["--arch", "da-djscc", "--data", "samples", "--batch-size", "8",
                       "--threads", "2", "--out", str(tmp_path / "m"), *extra])


def test_reduced_cpu_run_learns_and_writes_model_and_card(tmp_path, capsys):
    assert run_train(tmp_path, "--epochs", "16", "--lr", "3e-3") == 0
    history = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if line.startswith("{")]
    assert [h["epoch"] for h in history] == list(range(1, 17))
    assert history[-1]["train_psnr_db"] > history[0]["train_psnr_db"] + 1.0
    model, card = zoo.load(tmp_path / "m")
    assert card["training"]["epochs"] == 16 and card["training"]["snr_db"] == [0.0, 20.0]
    assert card["architecture"] == "da-djscc" and card["training"]["seed"] == 0


def test_runs_named_with_dots_keep_their_own_files(tmp_path):
    """'lr0.01' and 'lr0.002' are two runs: neither's checkpoint or model is the other's."""
    for name in ("lr0.01", "lr0.002"):
        assert train.main(["--arch", "djscc", "--data", "samples", "--limit", "16", "--batch-size", "8",
                           "--threads", "2", "--epochs", "1",
                           "--out", str(tmp_path / name)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "lr0.002.ckpt.pt", "lr0.002.json", "lr0.002.safetensors",
        "lr0.01.ckpt.pt", "lr0.01.json", "lr0.01.safetensors"]


def test_time_budget_saves_the_model_where_it_stopped_and_says_so(tmp_path):
    assert run_train(tmp_path, "--epochs", "5", "--time-budget-min", "1e-6") == 0
    _, card = zoo.load(tmp_path / "m")
    assert card["training"]["epochs"] == 1 and card["training"]["scheduled_epochs"] == 5
    assert "after epoch 1 of 5" in card["training"]["note"]


def test_stopped_run_resumes_from_its_checkpoint(tmp_path, capsys, monkeypatch):
    """A run killed during epoch 3 and started again ends with the same weights."""
    assert run_train(tmp_path / "straight", "--epochs", "4") == 0
    straight, _ = zoo.load(tmp_path / "straight" / "m")

    calls = {"count": 0}
    original_augment = training.augment

    def augment_then_die(batch, generator):
        calls["count"] += 1
        if calls["count"] == 2 * 8 + 1:  # first batch of epoch 3 (8 batches an epoch)
            raise KeyboardInterrupt
        return original_augment(batch, generator)

    monkeypatch.setattr(training, "augment", augment_then_die)
    with pytest.raises(KeyboardInterrupt):
        run_train(tmp_path / "stopped", "--epochs", "4")
    monkeypatch.setattr(training, "augment", original_augment)
    capsys.readouterr()
    assert run_train(tmp_path / "stopped", "--epochs", "4") == 0
    out = capsys.readouterr().out
    assert "after epoch 2" in out
    assert [json.loads(line)["epoch"] for line in out.splitlines() if line.startswith("{")] == [3, 4]
    resumed, card = zoo.load(tmp_path / "stopped" / "m")
    assert card["training"]["epochs"] == 4
    for name, tensor in straight.state_dict().items():
        assert torch.allclose(tensor, resumed.state_dict()[name], atol=1e-6), name


def test_run_stopped_by_its_budget_continues_its_schedule_and_refuses_another(tmp_path, capsys):
    """--epochs 3 spread over runs: the next run continues the same cosine decay; a run
    asking for another schedule is refused before it touches the checkpoint."""
    assert run_train(tmp_path, "--epochs", "3", "--time-budget-min", "1e-6") == 0
    checkpoint = torch.load(tmp_path / "m.ckpt.pt", weights_only=True)
    assert checkpoint["epoch"] == 1 and "generator" not in checkpoint  # nothing tied to the device
    assert run_train(tmp_path, "--epochs", "5") == 2
    assert "epochs 3 (this run: 5)" in capsys.readouterr().err
    assert run_train(tmp_path, "--epochs", "3", "--lr", "1e-4") == 2
    assert "--restart" in capsys.readouterr().err
    assert run_train(tmp_path, "--epochs", "3") == 0
    training = zoo.read_card(tmp_path / "m")["training"]
    assert training["epochs"] == 3 and training["note"] == ""
    assert training["device"].startswith("cpu (") and training["device"].endswith("epochs 1-3")


def test_warmup_ramps_the_learning_rate_up_then_decays_it_and_resumes_within_the_ramp(tmp_path, capsys):
    """8 steps an epoch, a 16-step ramp to 2e-3, then cosine to 2e-5; a run stopped in the
    ramp and continued ends with the weights of one that went straight."""
    assert run_train(tmp_path / "straight", "--epochs", "4", "--warmup-epochs", "2", "--lr", "2e-3") == 0
    history = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    ramp_after_8_steps = 1 / 16 + (1 - 1 / 16) * 8 / 16
    assert [round(h["lr"], 7) for h in history] == [round(2e-3 * ramp_after_8_steps, 7), 2e-3, 1.01e-3, 2e-5]
    assert "linear warm-up over 2 epochs" in zoo.read_card(tmp_path / "straight" / "m")["training"]["optimizer"]
    options = ["--epochs", "4", "--warmup-epochs", "2", "--lr", "2e-3"]
    assert run_train(tmp_path / "stopped", *options, "--time-budget-min", "1e-6") == 0
    assert run_train(tmp_path / "stopped", *options) == 0
    straight, resumed = zoo.load(tmp_path / "straight" / "m")[0], zoo.load(tmp_path / "stopped" / "m")[0]
    for name, tensor in straight.state_dict().items():
        assert torch.equal(tensor, resumed.state_dict()[name]), name


def test_each_epochs_log_line_gives_its_largest_gradient_norm(tmp_path, capsys, monkeypatch):
    """The norm that spikes in an epoch where a model collapses: the largest of the epoch's steps."""
    stepped_norms = []
    adam_step = torch.optim.Adam.step

    def recording_step(self, *args, **kwargs):
        grads = [p.grad for group in self.param_groups for p in group["params"] if p.grad is not None]
        stepped_norms.append(float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))))
        return adam_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", recording_step)
    assert run_train(tmp_path, "--epochs", "2") == 0
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert len(stepped_norms) == 16  # 8 steps an epoch
    for epoch, norms in zip(logged, (stepped_norms[:8], stepped_norms[8:])):
        assert epoch["grad_norm_max"] == pytest.approx(max(norms), rel=1e-3, abs=1e-4)


def test_adam_beta2_is_in_the_card_and_binds_the_schedule(tmp_path, capsys):
    assert run_train(tmp_path, "--epochs", "2", "--adam-beta2", "0.95", "--time-budget-min", "1e-6") == 0
    assert zoo.read_card(tmp_path / "m")["training"]["optimizer"].endswith(", beta2 0.95")
    assert run_train(tmp_path, "--epochs", "2") == 2
    assert "adam_beta2 0.95 (this run: 0.999)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_train(tmp_path, "--epochs", "2", "--adam-beta2", "1")
    assert "must be between 0 and 1" in capsys.readouterr().err


def test_fixed_snr_and_photo_folder_crops(tmp_path):
    code = train.main(["--arch", "djscc", "--snr", "7", "--data", "samples-kodak", "--crop-size", "64",
                       "--crops-per-epoch", "16", "--epochs", "1", "--batch-size", "8",
                       "--out", str(tmp_path / "k")])
    assert code == 0
    training = zoo.read_card(tmp_path / "k")["training"]
    assert training["snr_db"] == 7.0 and training["image_size"] == 64 and training["images"] == 16
    assert training["augmentation"].startswith("random crops")


def test_random_crops_are_windows_of_the_photos_drawn_anew_each_time():
    rng = np.random.default_rng(0)
    photos = [rng.integers(0, 256, shape, dtype=np.uint8) for shape in ((40, 70, 3), (70, 40, 3))]
    crops = training.RandomCrops(photos, 32, 100, torch.Generator().manual_seed(0), torch.device("cpu"))
    first, second = crops[torch.arange(50)], crops[torch.arange(50)]
    assert first.shape == (50, 3, 32, 32) and first.dtype == torch.uint8 and len(crops) == 100
    assert not torch.equal(first, second)
    for crop in first[:10].permute(0, 2, 3, 1).numpy():
        assert any((np.lib.stride_tricks.sliding_window_view(photo, (32, 32, 3)) == crop).all(axis=(-3, -2, -1)).any()
                   for photo in photos)


@pytest.mark.parametrize("argv,message", [
    (["--data", "/no/such/place"], "not found"),
    (["--data", "samples", "--snr-range", "20", "0"], None),
])
def test_bad_training_input_is_a_clear_error(tmp_path, capsys, argv, message):
    args = ["--arch", "djscc", "--epochs", "1", "--out", str(tmp_path / "x"), *argv]
    if message is None:
        with pytest.raises(SystemExit):
            train.main(args)
        assert "LO must not exceed HI" in capsys.readouterr().err
    else:
        assert train.main(args) == 2
        assert message in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is not None,
                    reason="torchvision is installed: --data cifar10 would download")
def test_cifar_download_without_torchvision_says_what_to_install(tmp_path, capsys):
    assert train.main(["--arch", "djscc", "--data", "cifar10", "--out", str(tmp_path / "x")]) == 2
    assert "pip install 'gr-djscc[download]'" in capsys.readouterr().err


def test_torchrun_data_parallel_on_cpu(tmp_path):
    """Two processes (gloo) train one model; rank 0 writes it."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
         "--master_port", "29533", "-m", "djscc.train", "--arch", "adjscc", "--data", "samples",
         "--epochs", "1", "--batch-size", "8", "--out", str(tmp_path / "ddp")],
        capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    card = zoo.read_card(tmp_path / "ddp")
    assert card["training"]["batch_size"] == 16 and "x2" in card["training"]["device"]


def test_classifier_trains_and_resumes(tmp_path, capsys):
    """Two epochs of the classifier; the same command again resumes after them, trains
    nothing more and measures the test set."""
    argv = ["--data", "samples", "--widths", "8", "8", "8", "8", "--batch-size", "16", "--threads", "2",
            "--epochs", "2", "--out", str(tmp_path / "c")]
    assert train_classifier.main(argv) == 0
    history = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [h["epoch"] for h in history] == [1, 2] and all(0 <= h["train_accuracy"] <= 1 for h in history)
    assert train_classifier.main([*argv, "--test-data", "samples"]) == 0
    out = capsys.readouterr().out
    assert "after epoch 2" in out and not [line for line in out.splitlines() if line.startswith("{")]
    _, card = zoo.load(tmp_path / "c")
    (figure,) = card["figures"].values()
    assert card["training"]["epochs"] == 2 and figure["images"] == 64 and 0 <= figure["accuracy"] <= 1
