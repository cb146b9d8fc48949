"""Received images scored against the sent ones, and the run's report: no GNU Radio here.

The image sink, replay and the real-time benchmark share it. A received image is scored
(PSNR, and SSIM unless ``ssim=False``) only against the image sent under its id (modulo the
header's 16-bit frame counter), and each sent image at most once: an image with no such
reference (a foreign frame, a repeated id) is counted as unmatched, not scored. SSIM one
image at a time costs about 1 ms, so the images of a frame (the decoder's meta says which:
frame_images, frame_position) are scored together when its last one arrives.

Memory stays bounded over a run of any length: the summary comes from running sums,
summary.json lists the last RESULTS_KEPT images, the mosaic keeps its MOSAIC_IMAGES, and at
most REFERENCES_KEPT sent images wait for their copy. Prints a line per image unless
``quiet``; ``finish`` prints the summary; ``write_run`` (one report or several)
writes summary.json (atomically) and mosaic.png (sent over received, a row per report where a
link carries both schemes).
"""

import collections
import json
import math
import threading
from pathlib import Path

import numpy as np

from djscc.metrics import SSIM_MIN_SIDE, channels_first, psnr_per_image, ssim_per_image
from djscc.mosaic import save_mosaic
from djscc.paths import write_atomically
from djscc.phy.frame import COUNTER_MODULUS

MOSAIC_IMAGES = 16
RESULTS_KEPT = 1000  # per-image lines in summary.json: the last ones
REFERENCES_KEPT = 4096  # sent images waiting for their received copy: the latest ones
MAX_FRAME_IMAGES = 255  # the most images a frame header can announce


class Report:
    """One run's scores; safe to read (``summary``) from another thread than the one adding."""

    def __init__(self, true_snr_db: float = float("nan"), ssim: bool = True, quiet: bool = False,
                 label: str = ""):
        self.true_snr_db, self.ssim, self.quiet = float(true_snr_db), bool(ssim), bool(quiet)
        self.prefix = f"{label} " if label else ""  # before each printed line, where a run has several reports
        self.lock = threading.Lock()
        self.references: collections.OrderedDict[int, np.ndarray] = collections.OrderedDict()  # id % COUNTER_MODULUS
        self.sent = 0  # every image sent: a repeating source sends an id again
        self.totals = {"received": 0, "unmatched": 0, "bad_pdus": 0, "psnr_db": 0.0, "ssim": 0.0,
                       "ssim_images": 0, "snr_estimates": 0, "snr_est_db": 0.0, "symbols": 0}
        self.results: list[dict] = []  # the last RESULTS_KEPT .. 2 * RESULTS_KEPT
        self.mosaic: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # image id -> (sent, received)
        self.frame: list[tuple[dict, np.ndarray]] = []  # a frame's images until its last one

    @property
    def received(self) -> int:
        """Images received and scored so far."""
        with self.lock:
            return self.totals["received"]

    def add_reference(self, image_id: int, image: np.ndarray) -> None:
        """A sent image, (H, W, 3) uint8, that its received copy is scored against."""
        key = int(image_id) % COUNTER_MODULUS
        with self.lock:
            self.references.pop(key, None)
            self.references[key] = image
            if len(self.references) > REFERENCES_KEPT:
                self.references.popitem(last=False)
            self.sent += 1

    def count_bad_pdu(self) -> None:
        with self.lock:
            self.totals["bad_pdus"] += 1

    def add_received(self, meta: dict, image: np.ndarray) -> None:
        """A received image and its meta (image_id; snr_db, cfo_hz, symbols, frame_images,
        frame_position where known); scored once its frame is complete."""
        int(meta["image_id"])  # an image without an id cannot be scored: refused here
        if self.frame and image.shape != self.frame[0][1].shape:
            self.flush()  # not the decoder's frame after all
        self.frame.append((meta, image))
        if (int(meta.get("frame_position", 0)) >= int(meta.get("frame_images", 1)) - 1
                or len(self.frame) >= MAX_FRAME_IMAGES):
            self.flush()

    def flush(self) -> None:
        """Score the pending images (one size) against the sent ones, in one batch."""
        if not self.frame:
            return
        metas, images = zip(*self.frame)
        self.frame = []
        with self.lock:
            references = [self._take_reference(int(meta["image_id"]), image.shape)
                          for meta, image in zip(metas, images)]
        results = [{"image_id": int(meta["image_id"]),
                    "snr_est_db": round(float(meta.get("snr_db", np.nan)), 3),
                    "true_snr_db": self.true_snr_db, "cfo_hz": round(float(meta.get("cfo_hz", np.nan)), 1),
                    "symbols": int(meta.get("symbols", 0))} for meta in metas]
        known = [i for i, reference in enumerate(references) if reference is not None]
        if known:
            a = channels_first(np.stack([references[i] for i in known]))
            b = channels_first(np.stack([images[i] for i in known]))
            psnr = psnr_per_image(a, b).tolist()
            scored = self.ssim and min(a.shape[-2:]) >= SSIM_MIN_SIDE  # smaller: no SSIM window fits
            ssim = ssim_per_image(a, b).tolist() if scored else None
            for position, i in enumerate(known):
                results[i]["psnr_db"] = round(psnr[position], 3)
                if ssim is not None:
                    results[i]["ssim"] = round(ssim[position], 4)
        if not self.quiet:
            for result in results:
                print(self.image_line(result), flush=True)
        with self.lock:
            for result, image, reference in zip(results, images, references):
                self._count(result)
                if reference is not None and len(self.mosaic) < MOSAIC_IMAGES:
                    self.mosaic[result["image_id"]] = (reference, image)
            self.results += results
            if len(self.results) > 2 * RESULTS_KEPT:
                del self.results[:-RESULTS_KEPT]

    def _take_reference(self, image_id: int, shape: tuple) -> np.ndarray | None:
        """The image sent under this id, once: None if there is none of this shape."""
        reference = self.references.get(image_id % COUNTER_MODULUS)
        if reference is None or reference.shape != shape:
            return None
        del self.references[image_id % COUNTER_MODULUS]
        return reference

    def _count(self, result: dict) -> None:
        totals = self.totals
        if "psnr_db" not in result:
            totals["unmatched"] += 1
            return
        totals["received"] += 1
        totals["psnr_db"] += result["psnr_db"]
        if "ssim" in result:
            totals["ssim_images"] += 1
            totals["ssim"] += result["ssim"]
        totals["symbols"] += result["symbols"]
        if math.isfinite(result["snr_est_db"]):
            totals["snr_estimates"] += 1
            totals["snr_est_db"] += result["snr_est_db"]

    def _true_snr(self, template: str) -> str:
        """The true SNR in ``template``, or nothing where it is not known (over the air)."""
        return "" if np.isnan(self.true_snr_db) else template.format(self.true_snr_db)

    def image_line(self, result: dict) -> str:
        """The console line of one received image."""
        return (f"{self.prefix}image {result['image_id']:5d}: PSNR {result.get('psnr_db', float('nan')):6.2f} dB  "
                f"SSIM {result.get('ssim', float('nan')):.3f}  SNR est {result['snr_est_db']:6.2f} dB"
                f"{self._true_snr(' (true {:g})')}  {result['symbols']} symbols")

    def summary(self) -> dict:
        """The run so far: counts, means, and the last RESULTS_KEPT images (summary.json)."""
        with self.lock:
            totals, sent, results = dict(self.totals), self.sent, list(self.results[-RESULTS_KEPT:])
        received = totals["received"]

        def mean(key, count, digits):
            return round(totals[key] / count, digits) if count else None

        return {
            "sent": sent, "received": received, "lost": max(0, sent - received),
            "unmatched": totals["unmatched"], "bad_pdus": totals["bad_pdus"],
            "mean_psnr_db": mean("psnr_db", received, 3),
            "mean_ssim": mean("ssim", totals["ssim_images"], 4) if self.ssim else None,
            "mean_snr_est_db": mean("snr_est_db", totals["snr_estimates"], 3),
            "mean_symbols_per_image": mean("symbols", received, 2),
            "true_snr_db": None if np.isnan(self.true_snr_db) else self.true_snr_db,
            "images_listed": f"the last {len(results)} of {received + totals['unmatched']}",
            "images": results,
        }

    def summary_line(self, summary: dict) -> str:
        unmatched = f", {summary['unmatched']} unmatched" if summary["unmatched"] else ""
        return (f"{self.prefix}summary: {summary['received']}/{summary['sent']} images{unmatched}, mean PSNR "
                f"{summary['mean_psnr_db']} dB, mean SSIM {summary['mean_ssim']}, mean SNR estimate "
                f"{summary['mean_snr_est_db']} dB{self._true_snr(' (true {:g} dB)')}")

    def finish(self) -> dict:
        """Score what is pending and print the summary line; returns the summary."""
        self.flush()  # a frame cut short by the end of the run
        summary = self.summary()
        print(self.summary_line(summary), flush=True)
        return summary

    def mosaic_pairs(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """The mosaic's images: image id -> (sent, received)."""
        with self.lock:
            return dict(self.mosaic)


def write_run(summary: dict, reports: dict[str, Report], out_dir: Path) -> None:
    """summary.json (never half-written) and mosaic.png in ``out_dir``: the images sent over
    each report's received ones, for the ids every report holds; the row is "received" where
    there is one report, else the report's name (a link of both schemes)."""
    write_atomically(out_dir / "summary.json", lambda file: file.write_text(json.dumps(summary, indent=1) + "\n"))
    pairs = {name: report.mosaic_pairs() for name, report in reports.items()}
    shown = sorted(set.intersection(*(set(p) for p in pairs.values())))
    if shown:
        sent = next(iter(pairs.values()))
        rows = [np.stack([sent[i][0] for i in shown]), *(np.stack([p[i][1] for i in shown]) for p in pairs.values())]
        save_mosaic(rows, ["sent", *(pairs if len(pairs) > 1 else ["received"])], out_dir / "mosaic.png")
