"""Image sink: received images vs the sent ones, per image and in summary.

The ports and the run control of a djscc.report.Report, which does the scoring and the
reporting: a line per image (PSNR, SSIM, estimated and true SNR); at stop() a summary and,
with ``out_dir``, summary.json and mosaic.png (sent over received). ``ssim=False`` leaves
SSIM out where throughput matters. With ``scheme="both"`` (the link carries every image in
both schemes) each scheme has its own report, the images told apart by their meta scheme;
the summary holds both and the mosaic shows sent over neural over digital. Tiles of photos
(image_source with fit "tile") are put together again: with ``out_dir``, photos/ holds each
photo as sent and as received, and summary.json a line per photo (djscc.photo_tiles).

GNU Radio cannot end a flowgraph whose source is a message block, so the sink tells when
the run is over: ``wait_until_done`` returns once every image the source announced (its
end-of-stream PDU on "reference") has arrived, or nothing has arrived for
``idle_timeout`` seconds (frames lost on the air). loopback.grc calls it after start().
A failing message never stops the sink (it is counted as a bad PDU) and stop() never raises.
"""

import math
import threading
import time
from pathlib import Path

import numpy as np
import pmt
from gnuradio import gr

from djscc.blocks import pdu
from djscc.blocks.transmitter import schemes_of
from djscc.errors import InputError
from djscc.paths import check_writable_folder
from djscc.photo_tiles import PhotoAssembly
from djscc.report import Report, write_run


class image_sink(gr.basic_block):
    def __init__(self, out_dir: str = "", true_snr_db: float = float("nan"), quiet: bool = False,
                 idle_timeout: float = 3.0, ssim: bool = True, scheme: str = "djscc"):
        gr.basic_block.__init__(self, name="djscc_image_sink", in_sig=None, out_sig=None)
        self.out_dir = Path(out_dir) if out_dir else None
        if self.out_dir is not None:
            check_writable_folder(self.out_dir, "image_sink out_dir")
        if not 0 < float(idle_timeout) < math.inf:
            raise InputError(f"image_sink idle_timeout must be a positive number of seconds, not {idle_timeout}")
        self.idle_timeout = float(idle_timeout)
        schemes = schemes_of(scheme)
        self.reports = {name: Report(true_snr_db=true_snr_db, ssim=ssim, quiet=quiet,
                                     label=name if len(schemes) > 1 else "") for name in schemes}
        self.expected: int | None = None  # per scheme, known once the source's end-of-stream arrives
        self.photos: PhotoAssembly | None = None  # made by the first tile of a photo, where there is an out_dir
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
        except Exception as error:  # a bad message must not stop the sink
            next(iter(self.reports.values())).count_bad_pdu()
            gr.log.warn(f"djscc image_sink: message dropped: {type(error).__name__}: {error}")

    def _sent(self, message):
        reports = list(self.reports.values())
        if pdu.is_end_of_stream(message):
            with self.activity:
                self.expected = reports[0].sent
            self._touch()
            return
        meta, image = pdu.parse_image(message)
        self.add_reference(int(meta["image_id"]), image, meta if "tile_row" in meta else None)

    def add_reference(self, image_id: int, image: np.ndarray, place: dict | None = None) -> None:
        """An image as sent, for every scheme's report (a replay adds them from the dataset);
        ``place``: a tile's place in its photo (photo, tile_row, tile_col, tile_rows, tile_cols)."""
        for report in self.reports.values():
            report.add_reference(image_id, image)
        if place and self.out_dir is not None:
            if self.photos is None:
                self.photos = PhotoAssembly(self.out_dir / "photos", list(self.reports))
            self.photos.add_sent(image_id, image, place)

    def _received(self, message):
        meta, image = pdu.parse_image(message)
        scheme = meta.get("scheme", "djscc")
        label = scheme if len(self.reports) > 1 else next(iter(self.reports))  # one report: every image's
        if label not in self.reports:
            raise ValueError(f"an image of scheme {scheme!r}, not one of {sorted(self.reports)}")
        self.reports[label].add_received(meta, image)
        if self.photos is not None:
            self.photos.add_received(label, int(meta["image_id"]), image)
        self._touch()

    def _touch(self):
        with self.activity:
            self.last_activity = time.monotonic()
            self.activity.notify_all()

    def wait_until_done(self, timeout: float | None = None) -> bool:
        """Block until all announced images arrived (True) or the link went idle (False)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.activity:
            while True:
                if self.expected is not None and all(r.received >= self.expected for r in self.reports.values()):
                    return True
                now = time.monotonic()
                if self.expected is not None and now - self.last_activity > self.idle_timeout:
                    return False
                if deadline is not None and now > deadline:
                    return False
                self.activity.wait(0.1)

    def summary(self) -> dict:
        """The run so far (see djscc.report.Report.summary); for both schemes
        {"sent", "received" (both schemes'), "schemes": {scheme: its summary}}."""
        return self._combined({name: report.summary() for name, report in self.reports.items()})

    @staticmethod
    def _combined(summaries: dict) -> dict:
        if len(summaries) == 1:
            return next(iter(summaries.values()))
        return {"sent": next(iter(summaries.values()))["sent"],
                "received": sum(s["received"] for s in summaries.values()), "schemes": summaries}

    def stop(self):
        try:
            summaries = {name: report.finish() for name, report in self.reports.items()}
            for name, summary in summaries.items():
                if summary["received"] == 0:
                    gr.log.error(f"djscc image_sink: no {self.reports[name].prefix}image arrived "
                                 f"({summary['sent']} sent, {summary['unmatched']} unmatched, "
                                 f"{summary['bad_pdus']} bad PDUs)")
            if self.out_dir is not None:
                summary = self._combined(summaries)
                if self.photos is not None:
                    summary["photos"] = self._finish_photos()
                write_run(summary, self.reports, self.out_dir)
        except Exception as error:  # an exception in stop() aborts the process
            gr.log.error(f"djscc image_sink: summary not written: {type(error).__name__}: {error}")
        return True

    def _finish_photos(self) -> list[dict]:
        """The tiled photos still being put together written, a line printed per photo; a
        failure here is logged and leaves the summary to be written without them."""
        try:
            lines = self.photos.finish()
        except Exception as error:
            gr.log.error(f"djscc image_sink: photos not put together: {type(error).__name__}: {error}")
            return []
        for line in lines:
            print(f"photo {line['photo']}: {line['width']}x{line['height']}, " + "; ".join(
                f"{label + ' ' if len(self.reports) > 1 else ''}{line['received'][label]} of {line['tiles']} "
                f"tiles, PSNR {line['psnr_db'][label]:.2f} dB" for label in self.reports), flush=True)
        return lines
