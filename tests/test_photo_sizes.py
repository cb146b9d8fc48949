"""benchmarks/photo_sizes.py: DA-DJSCC widths and depths trained alike on photo crops in
budgeted runs that resume, then one table of PSNR against CPU latency a megapixel."""

import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAPER, DEEPER = "paper 16-32-32-32", "deeper 32-64-64-64-64-64"


def photo_sizes(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "photo_sizes.py"), "--data", "samples-kodak",
         "--eval-data", "samples-kodak", "--image-size", "32", "--variants", PAPER, DEEPER,
         "--reference", "da-djscc_1-12", "--epochs", "2", "--crops-per-epoch", "8", "--batch-size", "4",
         "--minutes", "1e-6", "--snr", "10", "--realizations", "1", "--latency-runs", "2", "--threads", "1",
         "--out", str(tmp_path / "runs"), "--results", str(tmp_path / "results")],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return json.loads((tmp_path / "results" / "photo_sizes.json").read_text())


def test_photo_sizes_trains_every_variant_over_budgeted_runs_and_tables_them(tmp_path):
    first = photo_sizes(tmp_path)
    assert [first["models"][v]["epochs"] for v in (PAPER, DEEPER)] == [1, 1]  # the budget stopped each
    second = photo_sizes(tmp_path)
    models = second["models"]
    assert list(models) == [PAPER, DEEPER, "da-djscc_1-12"]
    assert [models[v]["epochs"] for v in (PAPER, DEEPER)] == [2, 2]  # resumed, the schedule done
    assert models[DEEPER]["widths"] == [32, 64, 64, 64, 64, 64]
    assert models[DEEPER]["parameters"] > models[PAPER]["parameters"] == models["da-djscc_1-12"]["parameters"]
    assert models[DEEPER]["mflops"] > models[PAPER]["mflops"]
    for row in models.values():
        assert row["ms_per_megapixel"] > 0 and math.isfinite(row["psnr_db"]["mean"][0])
    assert models["da-djscc_1-12"]["psnr_db"]["mean"][0] > 20  # the shipped model, on photos
    table = (tmp_path / "results" / "photo_sizes.md").read_text()
    assert all(name in table for name in models) and "2 of 2" in table
    assert (tmp_path / "results" / "photo_sizes.png").stat().st_size > 0
