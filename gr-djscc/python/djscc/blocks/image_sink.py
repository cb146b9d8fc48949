"""Image sink: received images vs the sent ones, per image and in summary.

Prints a line per image (PSNR, SSIM, estimated and true SNR); at stop() prints a summary
and, with ``out_dir``, writes summary.json and mosaic.png (sent over received). SSIM one
image at a time costs about 1 ms, so the images of a frame (the decoder's meta says which:
frame_images, frame_position) are measured together when its last one arrives; ``ssim=False``
leaves SSIM out where throughput matters.

GNU Radio cannot end a flowgraph whose source is a message block, so the sink tells when
the run is over: ``wait_until_done`` returns once every image the source announced (its
end-of-stream PDU on "reference") has arrived, or nothing has arrived for
``idle_timeout`` seconds (frames lost on the air). loopback.grc calls it after start().
"""

import json
import threading
import time
from pathlib import Path

import numpy as np
import pmt
import torch
from gnuradio import gr

from djscc.blocks import pdu
from djscc.metrics import psnr_per_image, ssim_per_image
from djscc.mosaic import save_mosaic

MOSAIC_IMAGES = 16


class image_sink(gr.basic_block):
    def __init__(self, out_dir: str = "", true_snr_db: float = float("nan"), quiet: bool = False,
                 idle_timeout: float = 3.0, ssim: bool = True):
        gr.basic_block.__init__(self, name="djscc_image_sink", in_sig=None, out_sig=None)
        self.out_dir = Path(out_dir) if out_dir else None
        self.true_snr_db, self.quiet, self.ssim = float(true_snr_db), quiet, bool(ssim)
        self.sent: dict[int, np.ndarray] = {}  # the latest image sent under each id
        self.sent_count = 0  # every image sent: a repeating source sends an id again
        self.received: dict[int, np.ndarray] = {}
        self.results: list[dict] = []
        self.frame: list[tuple[dict, np.ndarray]] = []  # a frame's images until its last one
        self.idle_timeout = float(idle_timeout)
        self.expected: int | None = None  # known once the source's end-of-stream arrives
        self.last_activity = time.monotonic()
        self.activity = threading.Condition()
        for name, handler in (("images", self.handle_received), ("reference", self.handle_sent)):
            self.message_port_register_in(pmt.intern(name))
            self.set_msg_handler(pmt.intern(name), handler)

    def _touch(self):
        with self.activity:
            self.last_activity = time.monotonic()
            self.activity.notify_all()

    def wait_until_done(self, timeout: float | None = None) -> bool:
        """Block until all announced images arrived (True) or the link went idle (False)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.activity:
            while True:
                if self.expected is not None and len(self.results) >= self.expected:
                    return True
                now = time.monotonic()
                if self.expected is not None and now - self.last_activity > self.idle_timeout:
                    return False
                if deadline is not None and now > deadline:
                    return False
                self.activity.wait(0.1)

    def handle_sent(self, message):
        if pdu.is_end_of_stream(message):
            with self.activity:
                self.expected = self.sent_count
            self._touch()
            return
        meta, image = pdu.parse_image(message)
        with self.activity:
            self.sent[int(meta["image_id"])] = image
            self.sent_count += 1

    def handle_received(self, message):
        meta, image = pdu.parse_image(message)
        if self.frame and image.shape != self.frame[0][1].shape:
            self._measure_frame()  # not the decoder's frame after all
        self.frame.append((meta, image))
        if int(meta.get("frame_position", 0)) >= int(meta.get("frame_images", 1)) - 1:
            self._measure_frame()

    def _measure_frame(self):
        """PSNR and SSIM of the pending images (one size) against the sent ones, in one batch."""
        metas, images = zip(*self.frame)
        self.frame = []
        with self.activity:
            references = [self.sent.get(int(meta["image_id"])) for meta in metas]
        results = [{"image_id": int(meta["image_id"]),
                    "snr_est_db": round(float(meta.get("snr_db", np.nan)), 3),
                    "true_snr_db": self.true_snr_db, "cfo_hz": round(float(meta.get("cfo_hz", np.nan)), 1),
                    "symbols": int(meta.get("symbols", 0))} for meta in metas]
        known = [i for i, reference in enumerate(references)
                 if reference is not None and reference.shape == images[i].shape]
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
                      f" (true {self.true_snr_db:g})  {result['symbols']} symbols", flush=True)
        with self.activity:
            self.results += results
            self.received.update((result["image_id"], image) for result, image in zip(results, images))
        self._touch()

    def summary(self) -> dict:
        measured = [r for r in self.results if "psnr_db" in r]
        estimates = np.array([r["snr_est_db"] for r in self.results], float)
        return {
            "sent": self.sent_count, "received": len(self.results),
            "lost": max(0, self.sent_count - len(self.results)),
            "mean_psnr_db": round(float(np.mean([r["psnr_db"] for r in measured])), 3) if measured else None,
            "mean_ssim": round(float(np.mean([r["ssim"] for r in measured])), 4)
            if measured and self.ssim else None,
            "mean_snr_est_db": round(float(np.mean(estimates)), 3) if len(estimates) else None,
            "mean_symbols_per_image": round(float(np.mean([r["symbols"] for r in self.results])), 2)
            if self.results else None,
            "true_snr_db": None if np.isnan(self.true_snr_db) else self.true_snr_db,
            "images": self.results,
        }

    def stop(self):
        if self.frame:  # a frame cut short by the stop
            self._measure_frame()
        summary = self.summary()
        print(f"summary: {summary['received']}/{summary['sent']} images, mean PSNR "
              f"{summary['mean_psnr_db']} dB, mean SSIM {summary['mean_ssim']}, mean SNR estimate "
              f"{summary['mean_snr_est_db']} dB (true {self.true_snr_db:g} dB)", flush=True)
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            (self.out_dir / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
            ids = sorted(set(self.sent) & set(self.received))[:MOSAIC_IMAGES]
            if ids:
                save_mosaic([np.stack([self.sent[i] for i in ids]), np.stack([self.received[i] for i in ids])],
                            ["sent", "received"], self.out_dir / "mosaic.png")
        return True
