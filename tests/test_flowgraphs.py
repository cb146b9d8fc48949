"""The shipped flowgraphs: each .grc compiles with grcc to the committed .py, and the
loopback runs end to end on the real GNU Radio runtime."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from djscc.data import load_images
from djscc.metrics import channels_first, psnr_per_image, to_float, to_uint8
from djscc.nn import zoo
from djscc.nn.channels import AWGNChannel, ChannelState

REPO = Path(__file__).resolve().parents[1]
FLOWGRAPHS = sorted((REPO / "flowgraphs").glob("*.grc"))
GRC_ENV = {**os.environ, "GRC_BLOCKS_PATH": str(REPO / "gr-djscc" / "grc")}


@pytest.mark.parametrize("grc", FLOWGRAPHS, ids=lambda p: p.name)
def test_grc_compiles_to_the_committed_python(grc, tmp_path):
    result = subprocess.run(["grcc", str(grc), "-o", str(tmp_path)], capture_output=True,
                            text=True, env=GRC_ENV, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    generated = next(tmp_path.glob("*.py"))
    committed = grc.with_suffix(".py")
    assert generated.read_text() == committed.read_text(), (
        f"{committed.name} is stale: regenerate with GRC_BLOCKS_PATH=gr-djscc/grc grcc {grc.name}")


def run_loopback(tmp_path, *options):
    result = subprocess.run([sys.executable, str(REPO / "flowgraphs" / "loopback.py"),
                             "--out-dir", str(tmp_path), *options],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout, json.loads((tmp_path / "summary.json").read_text())


def test_loopback_matches_the_torch_simulation_at_20db(tmp_path):
    stdout, summary = run_loopback(tmp_path, "--snr-db", "20", "--num-images", "8")
    assert summary["received"] == summary["sent"] == 8
    assert stdout.count("PSNR") >= 8 and "summary: 8/8 images" in stdout
    assert abs(summary["mean_snr_est_db"] - 20) < 0.5
    # the same images through the torch AWGN channel with the true SNR
    model, _ = zoo.load("da-djscc_1-12")
    sent = channels_first(load_images("samples").images[:8])
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        simulated = to_uint8(model(to_float(sent), AWGNChannel(), torch.full((8,), 20.0), generator))
    simulated_psnr = float(psnr_per_image(sent, simulated).mean())
    assert summary["mean_psnr_db"] == pytest.approx(simulated_psnr, abs=1.0)
    assert (tmp_path / "mosaic.png").stat().st_size > 5000


def test_loopback_with_fading_and_frames_lost_still_ends(tmp_path):
    stdout, summary = run_loopback(tmp_path, "--snr-db", "-3", "--fading", "1", "--num-images", "8",
                                   "--images-per-frame", "1")
    # frames in deep fades are lost, the others arrive, and the run ends and says so
    assert summary["sent"] == 8 and 0 < summary["received"] < 8
    assert f"summary: {summary['received']}/8 images" in stdout and len(summary["images"]) == summary["received"]


def test_loopback_carries_the_gated_models_variable_symbol_count(tmp_path):
    """gated-jscc through the whole GNU Radio chain: the encoder sends the number of symbols
    its gate chooses at the SNR it is told, the header carries it, every image arrives."""
    model, _ = zoo.load("gated-jscc_1-12")
    sent = {}
    for snr in (0, 20):
        (tmp_path / str(snr)).mkdir()
        _, summary = run_loopback(tmp_path / str(snr), "--snr-db", str(snr), "--num-images", "4",
                                  "--model", "gated-jscc_1-12")
        assert summary["received"] == summary["sent"] == 4
        sent[snr] = summary["mean_symbols_per_image"]
        assert sent[snr] == model.symbols_sent(ChannelState.awgn(torch.tensor([float(snr)])), 32, 32).item()
    assert sent[0] != sent[20]  # the shipped gate adapts between these SNRs


def test_loopback_sends_128x128_photos(tmp_path):
    """The shipped Kodak 128x128 crops: 4,096 symbols an image, all of them arrive, at the
    PSNR the CIFAR-trained model gives on photos (about 26.6 dB at 10 dB), and the photo
    model (`--model da-djscc-photo_1-12`) well above it through the same GNU Radio channel."""
    stdout, summary = run_loopback(tmp_path, "--dataset", "samples-kodak", "--image-size", "128", "--num-images", "4")
    assert summary["received"] == summary["sent"] == 3 and "summary: 3/3 images" in stdout
    assert summary["mean_symbols_per_image"] == 4096 and 24 < summary["mean_psnr_db"] < 30
    assert json.loads((tmp_path / "summary.json").read_text())["images"][0]["symbols"] == 4096
    (tmp_path / "photo").mkdir()
    _, photo = run_loopback(tmp_path / "photo", "--dataset", "samples-kodak", "--image-size", "128",
                            "--model", "da-djscc-photo_1-12")
    assert photo["received"] == 3 and photo["mean_psnr_db"] > summary["mean_psnr_db"] + 1.0


def test_loopback_fits_photos_of_different_sizes(tmp_path, photos):
    """A folder of photos of several sizes goes out resized to one; a crop larger than the
    photos is refused with one line before anything runs."""
    _, summary = run_loopback(tmp_path, "--dataset", str(photos), "--image-size", "64", "--fit", "resize")
    assert summary["received"] == summary["sent"] == 3 and summary["mean_symbols_per_image"] == 1024
    assert summary["mean_psnr_db"] > 25  # smooth synthetic scenes
    result = subprocess.run([sys.executable, str(REPO / "flowgraphs" / "loopback.py"), "--dataset", str(photos),
                             "--image-size", "128", "--out-dir", str(tmp_path)],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode != 0 and "smaller than the 128x128 crop" in result.stderr
