"""djscc.report: what the image sink, replay and the benchmarks report about received images."""

import json

import numpy as np
import pytest

from djscc import report
from djscc.data import load_images

SAMPLES = load_images("samples").images


def brighter(image_id: int, step: int) -> np.ndarray:
    return np.clip(SAMPLES[image_id].astype(int) + step, 0, 255).astype(np.uint8)


def test_a_frame_is_scored_when_its_last_image_arrives(capsys):
    """Nothing before the frame's last image, then each image against its own reference; an
    unknown id is unmatched and gets no PSNR; one console line per image."""
    scores = report.Report(true_snr_db=10.0)
    for image_id in (7, 8):
        scores.add_reference(image_id, SAMPLES[image_id])
    received = {i: brighter(i, 3 * (i - 6)) for i in (7, 8, 9)}
    for position, image_id in enumerate((7, 8, 9)):
        assert scores.summary()["images"] == []
        scores.add_received({"image_id": image_id, "snr_db": 9.5, "symbols": 256, "frame_images": 3,
                             "frame_position": position}, received[image_id])
    images = scores.summary()["images"]
    assert [r["image_id"] for r in images] == [7, 8, 9] and "psnr_db" not in images[2]
    for result in images[:2]:
        error = (received[result["image_id"]].astype(float) - SAMPLES[result["image_id"]]) ** 2
        assert result["psnr_db"] == pytest.approx(10 * np.log10(255**2 / error.mean()), abs=0.01)
        assert 0.5 < result["ssim"] < 1
    assert images[0]["psnr_db"] > images[1]["psnr_db"]  # +3 vs +6 per pixel
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[0].startswith("image     7: PSNR ") and "SNR est   9.50 dB (true 10)" in lines[0]
    summary = scores.finish()
    assert (summary["sent"], summary["received"], summary["unmatched"]) == (2, 2, 1)
    assert summary["mean_psnr_db"] == pytest.approx(np.mean([r["psnr_db"] for r in images[:2]]), abs=1e-3)
    assert capsys.readouterr().out.startswith("summary: 2/2 images, 1 unmatched, mean PSNR ")


def test_the_true_snr_is_left_out_where_it_is_not_known(capsys):
    scores = report.Report()
    scores.add_reference(0, SAMPLES[0])
    scores.add_received({"image_id": 0, "snr_db": 9.5}, SAMPLES[0])
    assert scores.finish()["true_snr_db"] is None
    assert "true" not in capsys.readouterr().out


def test_images_too_small_for_ssim_get_a_psnr_and_no_ssim(capsys):
    """8x8 images: no 11x11 SSIM window fits, so SSIM is left out of them and of the mean,
    not an error that drops every frame."""
    scores = report.Report()
    small, large = SAMPLES[0][:8, :8], SAMPLES[1]
    scores.add_reference(0, small)
    scores.add_reference(1, large)
    scores.add_received({"image_id": 0, "snr_db": 9.5}, small)
    scores.add_received({"image_id": 1, "snr_db": 9.5}, brighter(1, 3)[:32, :32])
    summary = scores.finish()
    assert summary["received"] == 2 and summary["bad_pdus"] == 0
    first, second = summary["images"]
    assert first["psnr_db"] > 90 and "ssim" not in first and summary["mean_ssim"] == second["ssim"] < 1


def test_memory_is_bounded_over_a_long_run(tmp_path):
    """Many more images than it keeps: running sums give the summary, the lists stay bounded."""
    scores = report.Report(ssim=False, quiet=True)
    count = 16 * (3 * report.RESULTS_KEPT // 16)
    for start in range(0, count, 16):
        for position, image_id in enumerate(range(start, start + 16)):
            scores.add_reference(image_id, SAMPLES[image_id % len(SAMPLES)])
            scores.add_received({"image_id": image_id, "snr_db": 10.0, "symbols": 256, "frame_images": 16,
                                 "frame_position": position}, SAMPLES[image_id % len(SAMPLES)])
    report.write_run(scores.finish(), {"received": scores}, tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert (summary["sent"], summary["received"], summary["lost"]) == (count, count, 0)
    assert summary["mean_snr_est_db"] == 10.0 and summary["mean_symbols_per_image"] == 256
    assert summary["mean_ssim"] is None and summary["mean_psnr_db"] == 100.0  # exact copies
    assert len(summary["images"]) == report.RESULTS_KEPT and summary["images"][-1]["image_id"] == count - 1
    assert len(scores.results) <= 2 * report.RESULTS_KEPT and len(scores.references) == 0
    assert len(scores.mosaic) == report.MOSAIC_IMAGES and (tmp_path / "mosaic.png").exists()
