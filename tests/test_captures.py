"""SigMF captures: round trip, broken files give clear errors, shipped captures replay
to the live run's numbers exactly."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from djscc import captures

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted((REPO / "captures").glob("*.sigmf-meta"))


@pytest.fixture
def capture(tmp_path):
    samples = (np.arange(1000) * (1 + 1j)).astype(np.complex64)
    samples.tofile(tmp_path / "c.sigmf-data")
    captures.write_metadata(tmp_path / "c", 1e6, 915e6, "software channel", "test", {"snr_db": 7.0},
                            [{"start": 10, "length": 100, "djscc:first_image_id": 3}])
    return tmp_path / "c", samples


def test_round_trip(capture):
    path, samples = capture
    read_samples, info, annotations = captures.read(str(path) + ".sigmf-meta")
    assert np.array_equal(read_samples, samples)
    assert info["core:sample_rate"] == 1e6 and info["djscc:settings"] == {"snr_db": 7.0}
    assert annotations == [{"start": 10, "length": 100, "djscc:first_image_id": 3}]


def test_a_name_with_dots_keeps_them(tmp_path):
    """'run_5.5dB' is the capture's name, not a name with a '.5dB' extension."""
    np.zeros(4, np.complex64).tofile(tmp_path / "run_5.5dB.sigmf-data")
    meta = captures.write_metadata(tmp_path / "run_5.5dB", 1e6, 0, "software channel", "test", {}, [])
    assert meta.name == "run_5.5dB.sigmf-meta"
    assert len(captures.read(tmp_path / "run_5.5dB")[0]) == 4


def test_recording_again_to_the_same_path_replaces_the_capture(capture):
    path, _ = capture
    captures.write_metadata(path, 2e6, 915e6, "software channel", "again", {"snr_db": 9.0}, [])
    _, info, annotations = captures.read(path)
    assert info["core:sample_rate"] == 2e6 and info["djscc:settings"] == {"snr_db": 9.0} and annotations == []


@pytest.mark.parametrize("damage,message", [
    (lambda p: p.with_suffix(".sigmf-meta").unlink(), "not found"),
    (lambda p: p.with_suffix(".sigmf-data").unlink(), "not found"),
    (lambda p: p.with_suffix(".sigmf-meta").write_text("{broken"), "broken SigMF metadata"),
    (lambda p: p.with_suffix(".sigmf-meta").write_text(
        p.with_suffix(".sigmf-meta").read_text().replace("cf32_le", "ri16_le")), "datatype|broken"),
    (lambda p: p.with_suffix(".sigmf-data").open("ab").write(b"\x00" * 4), "whole number|broken"),
    (lambda p: p.with_suffix(".sigmf-meta").write_text(
        p.with_suffix(".sigmf-meta").read_text().replace('"core:sample_start": 10', '"core:sample_start": 99999')),
     "outside the data|broken"),
])
def test_broken_capture_is_a_clear_error(capture, damage, message):
    path, _ = capture
    damage(path)
    with pytest.raises(captures.CaptureError, match=message):
        captures.read(path)


def test_replay_of_a_broken_capture_exits_with_a_message(tmp_path):
    (tmp_path / "x.sigmf-meta").write_text("[]")
    (tmp_path / "x.sigmf-data").write_bytes(b"")
    result = subprocess.run([sys.executable, str(REPO / "flowgraphs" / "replay.py"), str(tmp_path / "x")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.startswith("error: ")


def test_replay_of_a_capture_without_samples_exits_with_a_message(capture):
    path, _ = capture
    captures.data_path(path).write_bytes(b"")  # sound metadata, no IQ (a recording that never started)
    result = subprocess.run([sys.executable, str(REPO / "flowgraphs" / "replay.py"), str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "holds no samples" in result.stderr


@pytest.mark.parametrize("meta", SHIPPED, ids=lambda p: p.name)
def test_shipped_capture_replays_to_the_live_numbers(meta, tmp_path):
    live = json.loads(meta.with_name(meta.name.replace(".sigmf-meta", ".summary.json")).read_text())
    result = subprocess.run([sys.executable, str(REPO / "flowgraphs" / "replay.py"), str(meta),
                             "--out-dir", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    replayed = json.loads((tmp_path / "summary.json").read_text())
    # the same samples, cut into other chunks than live: equal to float rounding (0.01 dB, 0.1 %)
    assert replayed["received"] == live["received"] > 0
    for again, then in zip(replayed["images"], live["images"]):
        assert again.keys() == then.keys()
        for key, value in then.items():
            assert again[key] == (pytest.approx(value, rel=1e-3, abs=0.01) if isinstance(value, float) else value), key


def test_capture_of_a_photo_run_replays_at_its_image_size_and_fit(tmp_path):
    """The loopback records its image size and fit; replay decodes the photos at that size
    and scores them against the same fitted images (here the Kodak crops resized to 64x64),
    to the live run's numbers."""
    live_dir, replay_dir = tmp_path / "live", tmp_path / "replay"
    live = subprocess.run([sys.executable, str(REPO / "flowgraphs" / "loopback.py"), "--dataset", "samples-kodak",
                           "--image-size", "64", "--fit", "resize", "--capture", str(tmp_path / "photos"),
                           "--out-dir", str(live_dir)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert live.returncode == 0, live.stderr[-2000:]
    _, info, _ = captures.read(tmp_path / "photos")
    assert (info["djscc:settings"]["image_size"], info["djscc:settings"]["fit"]) == (64, "resize")
    result = subprocess.run([sys.executable, str(REPO / "flowgraphs" / "replay.py"), str(tmp_path / "photos"),
                             "--out-dir", str(replay_dir)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    then, again = (json.loads((folder / "summary.json").read_text()) for folder in (live_dir, replay_dir))
    assert again["received"] == then["received"] == 3 and again["mean_symbols_per_image"] == 1024
    assert again["mean_psnr_db"] == pytest.approx(then["mean_psnr_db"], abs=0.01)


def test_capture_of_a_tiled_photo_run_puts_the_photos_together_again_on_replay(tmp_path):
    """--fit tile: each 128x128 Kodak crop goes out as four 64x64 tiles; the live run and its
    replay both write the photos put together (photos/) with the same per-photo figures."""
    live_dir, replay_dir = tmp_path / "live", tmp_path / "replay"
    live = subprocess.run([sys.executable, str(REPO / "flowgraphs" / "loopback.py"), "--dataset", "samples-kodak",
                           "--image-size", "64", "--fit", "tile", "--model", "da-djscc-photo_1-12",
                           "--capture", str(tmp_path / "tiles"), "--out-dir", str(live_dir)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert live.returncode == 0, live.stderr[-2000:]
    assert "photo 2: 128x128, 4 of 4 tiles, PSNR" in live.stdout
    result = subprocess.run([sys.executable, str(REPO / "flowgraphs" / "replay.py"), str(tmp_path / "tiles"),
                             "--out-dir", str(replay_dir)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    then, again = (json.loads((folder / "summary.json").read_text()) for folder in (live_dir, replay_dir))
    assert again["received"] == then["received"] == 12 and len(then["photos"]) == len(again["photos"]) == 3
    assert [line["received"] for line in again["photos"]] == [{"djscc": 4}] * 3
    for before, after in zip(then["photos"], again["photos"]):
        assert (after["height"], after["width"]) == (128, 128)
        psnr = after["psnr_db"]["djscc"]
        assert psnr == pytest.approx(before["psnr_db"]["djscc"], abs=0.01) and psnr > 24
    assert sorted(path.name for path in (replay_dir / "photos").iterdir()) == [
        f"0000{n}_{kind}.png" for n in range(3) for kind in ("received", "sent")]
