"""benchmarks/training_speed.py: each recipe job's seconds an epoch, alone and side by side,
from the epochs its own djscc-train command logs."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from djscc.data import load_images

REPO = Path(__file__).resolve().parents[1]
JOBS = ["djscc_snr7_1-12", "da-djscc_1-12"]


def run_benchmark(tmp_path, minutes: str, jobs: list[str]) -> subprocess.CompletedProcess:
    samples = load_images("samples")
    data = tmp_path / "train.npz"
    np.savez(data, train_images=samples.images, train_labels=samples.labels,
             test_images=samples.images, test_labels=samples.labels)
    return subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "training_speed.py"), "--data", str(data), "--images", "32",
         "--batch-size", "16", "--minutes", minutes, "--device", "cpu", "--only", *jobs,
         "--results", str(tmp_path / "results")],
        capture_output=True, text=True, timeout=600)


def test_training_speed_times_each_job_alone_and_side_by_side(tmp_path):
    result = run_benchmark(tmp_path, "0.1", JOBS)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads((tmp_path / "results" / "training_speed_cpu.json").read_text())
    assert list(report["alone"]) == list(report["side_by_side"]) == JOBS
    assert all(seconds > 0 for key in ("alone", "side_by_side") for seconds in report[key].values())
    assert report["side_by_side_total_images_per_s"] > 0 and report["timed_images"] == 32
    assert report["device"] == "cpu" and (tmp_path / "results" / "training_speed_cpu.png").stat().st_size > 0


def test_training_speed_refuses_to_time_only_the_first_epoch(tmp_path):
    """The first epoch pays for start-up (and compiling): a run that fits no second one has no figure."""
    result = run_benchmark(tmp_path, "1e-6", JOBS[:1])
    assert result.returncode != 0 and "raise --minutes" in result.stderr
    assert not (tmp_path / "results").exists()
