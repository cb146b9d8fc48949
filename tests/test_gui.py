"""The Qt GUI flowgraph as a person sees it: loopback_gui.py run through its main() under
Qt's offscreen platform (both schemes side by side by default), its window grabbed once it
has shown 16 images of each; and the image view's scoring and pacing."""

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


def test_loopback_gui_window_shows_both_schemes_side_by_side_with_psnr_and_snr(tmp_path):
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

    # by default both schemes, a row each under the sent images, the same images in every column
    assert result["rows"] == ["sent", "djscc", "digital"]
    assert len(result["shown"]) == 8
    assert result["shown_per_scheme"]["djscc"] == result["shown_per_scheme"]["digital"] == result["shown"]

    # decoded live (20 images/s offered, the default 10 dB, the adaptive MCS), and the window says how well
    numbers, snr = result["numbers"], np.array(result["snr"], dtype=float)
    # each frame's SINR estimate: four 32x32 images carry only 65 pilots, so the receiver pools
    # their noise with the preamble's and header's; typically within 0.3 dB of 10, and a frame
    # now and then is off by 1-2 dB (2.1 dB seen once in ~25 runs of this window)
    error = np.abs(snr - 10)
    assert np.median(error) < 0.5 and np.percentile(error, 90) < 1.5 and "channel SNR 10 dB" in numbers
    assert f"SNR estimate {snr[-1]:.2f} dB" in numbers
    means = {}
    for scheme, values in result["psnr"].items():
        psnr = np.array(values, dtype=float)
        assert len(psnr) >= IMAGES and np.isfinite(psnr).all(), scheme
        means[scheme] = psnr.mean()
        assert f"{scheme} mean PSNR, last {len(psnr)}: {psnr.mean():.2f} dB" in numbers
    assert result["mcs"] == {"digital": "16QAM 1/2"}  # the adaptive link's choice at 10 dB
    assert f"digital PSNR {result['psnr']['digital'][-1]:.2f} dB (16QAM 1/2)" in numbers
    assert means["djscc"] > means["digital"] > 20  # DJSCC ahead at 10 dB (README's table)

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
    assert view.history["djscc"][-1] == pytest.approx(10 * np.log10(255**2 / 100), abs=1e-4)  # MSE 100
    assert list(view.snr_history) == [6.5]
    assert "djscc PSNR 28.13 dB" in view.summary() and "channel SNR 7 dB" in view.summary()
    view.handle_received(pdu.make({"image_id": 2, "height": 32, "width": 32}, sent))  # never sent
    assert "djscc PSNR -" in view.summary() and "SNR estimate -" in view.summary()
    assert "djscc mean PSNR, last 1: 28.13 dB" in view.summary()


def test_image_view_counts_a_bad_message_and_goes_on_scoring(monkeypatch):
    """Garbage on either port is counted and logged, not raised (on GNU Radio's thread it
    would end the view's message handling); an id past the header counter's wrap scores
    against the image sent under it."""
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    import pmt
    from PyQt5 import QtWidgets

    from djscc.blocks import pdu
    from djscc.blocks.image_view import image_view
    application = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])  # noqa: F841 (kept alive)
    view = image_view(columns=2, scale=1)
    sent = np.full((32, 32, 3), 100, np.uint8)
    view.handle_sent(pmt.intern("garbage"))
    view.handle_sent(pdu.make({"image_id": 3, "height": 32, "width": 32}, sent))
    view.handle_received(pmt.cons(pmt.make_dict(), pmt.PMT_NIL))
    view.handle_received(pdu.make({"image_id": 3 + 65536, "height": 32, "width": 32, "snr_db": 9.0}, sent + 10))
    assert view.dropped == 2
    assert list(view.history["djscc"]) == [pytest.approx(10 * np.log10(255**2 / 100), abs=1e-4)]


def test_image_view_of_both_schemes_shows_a_column_once_both_have_it(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    from PyQt5 import QtWidgets

    from djscc.blocks import pdu
    from djscc.blocks.image_view import image_view
    application = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])  # noqa: F841 (kept alive)
    view = image_view(columns=2, scale=1, scheme="both")
    sent = {i: np.full((32, 32, 3), 10 * i, np.uint8) for i in range(4)}
    for image_id, image in sent.items():
        view.handle_sent(pdu.make({"image_id": image_id, "height": 32, "width": 32}, image))
    for image_id in range(4):  # the neural frame first
        view.handle_received(pdu.make({"image_id": image_id, "height": 32, "width": 32, "snr_db": 3.0},
                                      sent[image_id] + 10))
    assert view.shown == [] and view.picture.text() == "waiting for images"  # no digital image yet
    for image_id in range(2):
        view.handle_received(pdu.make({"image_id": image_id, "height": 32, "width": 32, "snr_db": 3.0,
                                       "scheme": "digital", "mcs": "QPSK 1/4"}, sent[image_id] + 20))
    assert view.shown == [0, 1]  # at the digital link's pace: the same images in both rows
    canvas = view.mosaic()
    assert canvas.shape == (96, 64, 3)
    assert np.array_equal(canvas[32:64, 32:], sent[1] + 10) and np.array_equal(canvas[64:, 32:], sent[1] + 20)
    summary = view.summary()
    assert "djscc mean PSNR, last 4: 28.13 dB" in summary and "digital PSNR 22.11 dB (QPSK 1/4)" in summary
    assert len(view.history["djscc"]) == 4 and len(view.history["digital"]) == 2 and len(view.snr_history) == 6
    # a repeating source sends id 0 again: two neural rounds of it, the first round's digital copy lost,
    # and the column once the second round's digital copy arrives
    for scheme in ("djscc", "djscc", "digital"):
        view.handle_received(pdu.make({"image_id": 0, "height": 32, "width": 32, "scheme": scheme}, sent[0]))
    assert view.shown == [1, 0] and view.pending == {2: {"djscc"}, 3: {"djscc"}}


def test_image_view_shows_a_tiled_photo_whole_filling_in_as_its_tiles_arrive(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    from PyQt5 import QtWidgets

    from djscc.blocks import pdu
    from djscc.blocks.image_view import image_view
    from djscc.photo_tiles import tile_photo
    application = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])  # noqa: F841 (kept alive)
    rows, cols = np.mgrid[:400, :600]
    photo = np.stack([rows * 255 // 399, cols * 255 // 599, (rows + cols) % 256], -1).astype(np.uint8)
    tiles, places = tile_photo(photo, 128)  # 4 x 5 tiles, the right and bottom ones partly edge
    view = image_view(columns=8, scale=4, image_size=128, scheme="both")
    for image_id, (tile, place) in enumerate(zip(tiles, places)):
        view.handle_sent(pdu.make({"image_id": image_id, "height": 128, "width": 128, "photo": 0, **place}, tile))
    for image_id, tile in enumerate(tiles):
        view.handle_received(pdu.make({"image_id": image_id, "height": 128, "width": 128}, tile))
    for image_id, tile in enumerate(tiles[:15]):  # the digital link lost the last row of tiles
        view.handle_received(pdu.make({"image_id": image_id, "height": 128, "width": 128, "scheme": "digital"},
                                      tile))
    # the photo whole, as sent over each scheme's copy, scaled to fit the view's 1024 x 384: 0.32 times
    picture = view.preview.picture()
    assert picture.shape == (3 * 128, 192, 3)
    assert (view.picture.pixmap().width(), view.picture.pixmap().height()) == (192, 384)
    sent, djscc, digital = picture[:128], picture[128:256], picture[256:]
    whole = np.asarray(Image.fromarray(photo).resize((192, 128), Image.BILINEAR), np.int16)
    assert np.abs(sent.astype(np.int16) - whole).mean() < 3  # pasted tile by tile as the photo scaled whole
    assert np.array_equal(djscc, sent)
    assert np.array_equal(digital[:122], sent[:122])
    assert (digital[124:] == 128).all()  # tiles never received: mid gray
    assert len(view.history["djscc"]) == 20  # the numbers stay per tile
