"""The Qt GUI flowgraph as a person sees it: loopback_gui.py run through its main() under
Qt's offscreen platform, its window grabbed once it has shown 16 images."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO
from PIL import Image

IMAGES = 16


def test_loopback_gui_window_shows_everything_with_psnr_and_snr(tmp_path):
    report, screenshot = tmp_path / "report.json", tmp_path / "loopback_gui.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}  # no window geometry saved by an earlier run
    run = subprocess.run([sys.executable, str(REPO / "tests" / "gui_check.py"), str(report), str(screenshot),
                          str(IMAGES), "--images-per-second", "20"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = run.stdout + run.stderr
    assert run.returncode == 0 and report.exists(), log[-3000:]
    result = json.loads(report.read_text())
    assert not re.search(r"\bnan\b", log, re.IGNORECASE), log[-3000:]

    # the window opens at the size its widgets need: every one of them in view
    assert result["scroll_bars"] == [False, False]
    assert all(w >= n for w, n in zip(result["window"], result["needed"]))
    assert Image.open(screenshot).size == tuple(result["window"])

    # decoded live (20 images/s offered, the default 10 dB), and the window says how well
    psnr, snr = np.array(result["history"], dtype=float).T
    assert len(psnr) >= IMAGES and np.isfinite(psnr).all()
    assert psnr.mean() > 20 and np.abs(snr - 10).max() < 2
    numbers = result["numbers"]
    assert f"PSNR {psnr[-1]:.2f} dB" in numbers and f"SNR estimate {snr[-1]:.2f} dB" in numbers
    assert f"mean PSNR, last {len(psnr)}: {psnr.mean():.2f} dB" in numbers
    assert "channel SNR 10 dB" in numbers

    # the images are drawn: the screenshot has a picture, not a blank window
    pixels = np.asarray(Image.open(screenshot).convert("RGB"), np.float64)
    assert pixels.std() > 20


def test_image_view_scores_each_image_against_the_one_sent(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    from PyQt5 import QtWidgets

    from djscc.blocks import pdu
    from djscc.blocks.image_view import image_view
    application = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])  # noqa: F841 (kept alive)
    view = image_view(columns=2, scale=1, true_snr_db=7)
    sent = np.full((32, 32, 3), 100, np.uint8)
    view.handle_sent(pdu.make({"image_id": 1, "height": 32, "width": 32}, sent))
    view.handle_received(pdu.make({"image_id": 1, "height": 32, "width": 32, "snr_db": 6.5}, sent + 10))
    assert view.history[-1] == (pytest.approx(10 * np.log10(255**2 / 100), abs=1e-4), 6.5)  # MSE 100
    assert "PSNR 28.13 dB" in view.summary(1) and "channel SNR 7 dB" in view.summary(1)
    view.handle_received(pdu.make({"image_id": 2, "height": 32, "width": 32}, sent))  # never sent
    assert "PSNR -" in view.summary(2) and "SNR estimate -" in view.summary(2)
    assert "mean PSNR, last 1: 28.13 dB" in view.summary(2)
