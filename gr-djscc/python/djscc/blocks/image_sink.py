"""Image sink: received images vs the sent ones, per image and in summary.

Prints a line per image (PSNR, SSIM, estimated and true SNR); at stop() prints a summary
and, with ``out_dir``, writes summary.json and mosaic.png (sent over received). SSIM one
image at a time costs about 1 ms, so the images of a frame (the decoder's meta says which:
frame_images, frame_position) are measured together when its last one arrives; ``ssim=False``
leaves SSIM out where throughput matters.

A received image is scored only against the image sent under its id (modulo the header's
16-bit frame counter), and each sent image at most once: an image with no such reference
(a foreign frame, a repeated id) is counted as unmatched, not scored. Memory stays bounded
over a run of any length: the summary comes from running sums, summary.json lists the last
RESULTS_KEPT images, the mosaic keeps its MOSAIC_IMAGES, and at most REFERENCES_KEPT sent
images wait for their copy.

GNU Radio cannot end a flowgraph whose source is a message block, so the sink tells when
the run is over: ``wait_until_done`` returns once every image the source announced (its
end-of-stream PDU on "reference") has arrived, or nothing has arrived for
``idle_timeout`` seconds (frames lost on the air). loopback.grc calls it after start().
A failing message never stops the sink (it is counted as a bad PDU) and stop() never raises.
"""

import collections
import json
import math
import os
import threading
import time
from pathlib import Path

import numpy as np
import pmt
import torch
from gnuradio import gr

from djscc.blocks import pdu
from djscc.errors import InputError
from djscc.metrics import psnr_per_image, ssim_per_image
from djscc.mosaic import save_mosaic
from djscc.paths import check_writable_folder

MOSAIC_IMAGES = 16
RESULTS_KEPT = 1000  # per-image lines in summary.json: the last ones
REFERENCES_KEPT = 4096  # sent images waiting for their received copy: the latest ones
ID_MODULUS = 65536  # the frame header's counter: received ids wrap here
MAX_FRAME_IMAGES = 255  # the most images a frame header can announce


class image_sink(gr.basic_block):
    def __init__(self, out_dir: str = "", true_snr_db: float = float("nan"), quiet: bool = False,
                 idle_timeout: float = 3.0, ssim: bool = True):
        gr.basic_block.__init__(self, name="djscc_image_sink", in_sig=None, out_sig=None)
        self.out_dir = Path(out_dir) if out_dir else None
        if self.out_dir is not None:
            check_writable_folder(self.out_dir, "image_sink out_dir")
        if not 0 < float(idle_timeout) < math.inf:
            raise InputError(f"image_sink idle_timeout must be a positive number of seconds, not {idle_timeout}")
        self.true_snr_db, self.quiet, self.ssim = float(true_snr_db), quiet, bool(ssim)
        self.idle_timeout = float(idle_timeout)
        self.sent: collections.OrderedDict[int, np.ndarray] = collections.OrderedDict()  # id % ID_MODULUS
        self.sent_count = 0  # every image sent: a repeating source sends an id again
        self.totals = {"received": 0, "unmatched": 0, "bad_pdus": 0, "psnr_db": 0.0, "ssim": 0.0,
                       "snr_estimates": 0, "snr_est_db": 0.0, "symbols": 0}
        self.results: list[dict] = []  # the last RESULTS_KEPT .. 2 * RESULTS_KEPT
        self.mosaic: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # image id -> (sent, received)
        self.frame: list[tuple[dict, np.ndarray]] = []  # a frame's images until its last one
        self.expected: int | None = None  # known once the source's end-of-stream arrives
        self.last_activity = time.monotonic()
        self.activity = threading.Condition()
        for name, handler in (("images", self.handle_received), ("reference", self.handle_sent)):
            self.message_port_register_in(pmt.intern(name))
            self.set_msg_handler(pmt.intern(name), handler)

    def handle_sent(self, message):
        self._guarded(self._sent, message)

    def handle_received(self, message):
        self._guarded(self._received, message)

    def _guarded(self, handler, message):
        """Any failure of a handler is counted and logged, never raised."""
        try:
            handler(message)
        except Exception as error:  # noqa: BLE001: a bad message must not stop the sink
            with self.activity:
                self.totals["bad_pdus"] += 1
            gr.log.warn(f"djscc image_sink: message dropped: {type(error).__name__}: {error}")

    def _touch(self):
        with self.activity:
            self.last_activity = time.monotonic()
            self.activity.notify_all()

    def wait_until_done(self, timeout: float | None = None) -> bool:
        """Block until all announced images arrived (True) or the link went idle (False)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.activity:
            while True:
                if self.expected is not None and self.totals["received"] >= self.expected:
                    return True
                now = time.monotonic()
                if self.expected is not None and now - self.last_activity > self.idle_timeout:
                    return False
                if deadline is not None and now > deadline:
                    return False
                self.activity.wait(0.1)

    def _sent(self, message):
        if pdu.is_end_of_stream(message):
            with self.activity:
                self.expected = self.sent_count
            self._touch()
            return
        meta, image = pdu.parse_image(message)
        key = int(meta["image_id"]) % ID_MODULUS
        with self.activity:
            self.sent.pop(key, None)
            self.sent[key] = image
            if len(self.sent) > REFERENCES_KEPT:
                self.sent.popitem(last=False)
            self.sent_count += 1

    def _received(self, message):
        meta, image = pdu.parse_image(message)
        int(meta["image_id"])  # an image without an id cannot be scored: refused here
        if self.frame and image.shape != self.frame[0][1].shape:
            self._measure_frame()  # not the decoder's frame after all
        self.frame.append((meta, image))
        if (int(meta.get("frame_position", 0)) >= int(meta.get("frame_images", 1)) - 1
                or len(self.frame) >= MAX_FRAME_IMAGES):
            self._measure_frame()

    def _measure_frame(self):
        """PSNR and SSIM of the pending images (one size) against the sent ones, in one batch."""
        metas, images = zip(*self.frame)
        self.frame = []
        with self.activity:
            references = [self._take_reference(int(meta["image_id"]), image.shape)
                          for meta, image in zip(metas, images)]
        results = [{"image_id": int(meta["image_id"]),
                    "snr_est_db": round(float(meta.get("snr_db", np.nan)), 3),
                    "true_snr_db": self.true_snr_db, "cfo_hz": round(float(meta.get("cfo_hz", np.nan)), 1),
                    "symbols": int(meta.get("symbols", 0))} for meta in metas]
        known = [i for i, reference in enumerate(references) if reference is not None]
        if known:
            a = torch.from_numpy(np.stack([references[i] for i in known])).permute(0, 3, 1, 2)
            b = torch.from_numpy(np.stack([images[i] for i in known])).permute(0, 3, 1, 2)
            psnr = psnr_per_image(a, b).tolist()
            ssim = ssim_per_image(a, b).tolist() if self.ssim else None
            for position, i in enumerate(known):
                results[i]["psnr_db"] = round(psnr[position], 3)
                if ssim is not None:
                    results[i]["ssim"] = round(ssim[position], 4)
        for result in results:
            if not self.quiet:
                print(f"image {result['image_id']:5d}: PSNR {result.get('psnr_db', float('nan')):6.2f} dB  "
                      f"SSIM {result.get('ssim', float('nan')):.3f}  SNR est {result['snr_est_db']:6.2f} dB"
                      f"{self._true_snr(' (true {:g})')}  {result['symbols']} symbols", flush=True)
        with self.activity:
            for result, image, reference in zip(results, images, references):
                self._count(result)
                if reference is not None and len(self.mosaic) < MOSAIC_IMAGES:
                    self.mosaic[result["image_id"]] = (reference, image)
            self.results += results
            if len(self.results) > 2 * RESULTS_KEPT:
                del self.results[:-RESULTS_KEPT]
        self._touch()

    def _take_reference(self, image_id: int, shape: tuple) -> np.ndarray | None:
        """The image sent under this id, once: None if there is none of this shape."""
        reference = self.sent.get(image_id % ID_MODULUS)
        if reference is None or reference.shape != shape:
            return None
        del self.sent[image_id % ID_MODULUS]
        return reference

    def _count(self, result: dict):
        totals = self.totals
        if "psnr_db" not in result:
            totals["unmatched"] += 1
            return
        totals["received"] += 1
        totals["psnr_db"] += result["psnr_db"]
        totals["ssim"] += result.get("ssim", 0.0)
        totals["symbols"] += result["symbols"]
        if math.isfinite(result["snr_est_db"]):
            totals["snr_estimates"] += 1
            totals["snr_est_db"] += result["snr_est_db"]

    def _true_snr(self, template: str) -> str:
        """The true SNR in ``template``, or nothing where it is not known (over the air)."""
        return "" if np.isnan(self.true_snr_db) else template.format(self.true_snr_db)

    def summary(self) -> dict:
        with self.activity:
            totals, sent, results = dict(self.totals), self.sent_count, list(self.results[-RESULTS_KEPT:])
        received = totals["received"]

        def mean(key, count, digits):
            return round(totals[key] / count, digits) if count else None

        return {
            "sent": sent, "received": received, "lost": max(0, sent - received),
            "unmatched": totals["unmatched"], "bad_pdus": totals["bad_pdus"],
            "mean_psnr_db": mean("psnr_db", received, 3),
            "mean_ssim": mean("ssim", received, 4) if self.ssim else None,
            "mean_snr_est_db": mean("snr_est_db", totals["snr_estimates"], 3),
            "mean_symbols_per_image": mean("symbols", received, 2),
            "true_snr_db": None if np.isnan(self.true_snr_db) else self.true_snr_db,
            "images_listed": f"the last {len(results)} of {received + totals['unmatched']}",
            "images": results,
        }

    def stop(self):
        try:
            self._finish()
        except Exception as error:  # noqa: BLE001: an exception in stop() aborts the process
            gr.log.error(f"djscc image_sink: summary not written: {type(error).__name__}: {error}")
        return True

    def _finish(self):
        if self.frame:  # a frame cut short by the stop
            self._measure_frame()
        summary = self.summary()
        unmatched = f", {summary['unmatched']} unmatched" if summary["unmatched"] else ""
        print(f"summary: {summary['received']}/{summary['sent']} images{unmatched}, mean PSNR "
              f"{summary['mean_psnr_db']} dB, mean SSIM {summary['mean_ssim']}, mean SNR estimate "
              f"{summary['mean_snr_est_db']} dB{self._true_snr(' (true {:g} dB)')}", flush=True)
        if summary["received"] == 0:
            gr.log.error(f"djscc image_sink: no image arrived ({summary['sent']} sent, "
                         f"{summary['unmatched']} unmatched, {summary['bad_pdus']} bad PDUs)")
        if self.out_dir is None:
            return
        temporary = self.out_dir / "summary.json.tmp"
        temporary.write_text(json.dumps(summary, indent=1) + "\n")
        os.replace(temporary, self.out_dir / "summary.json")  # never a half-written summary
        ids = sorted(self.mosaic)
        if ids:
            save_mosaic([np.stack([self.mosaic[i][0] for i in ids]), np.stack([self.mosaic[i][1] for i in ids])],
                        ["sent", "received"], self.out_dir / "mosaic.png")
