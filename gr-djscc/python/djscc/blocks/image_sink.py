"""Image sink: received images vs the sent ones, per image and in summary.

The ports and the run control of a djscc.report.Report, which does the scoring and the
reporting: a line per image (PSNR, SSIM, estimated and true SNR); at stop() a summary and,
with ``out_dir``, summary.json and mosaic.png (sent over received). ``ssim=False`` leaves
SSIM out where throughput matters.

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

import pmt
from gnuradio import gr

from djscc.blocks import pdu
from djscc.errors import InputError
from djscc.paths import check_writable_folder
from djscc.report import Report


class image_sink(gr.basic_block):
    def __init__(self, out_dir: str = "", true_snr_db: float = float("nan"), quiet: bool = False,
                 idle_timeout: float = 3.0, ssim: bool = True):
        gr.basic_block.__init__(self, name="djscc_image_sink", in_sig=None, out_sig=None)
        self.out_dir = Path(out_dir) if out_dir else None
        if self.out_dir is not None:
            check_writable_folder(self.out_dir, "image_sink out_dir")
        if not 0 < float(idle_timeout) < math.inf:
            raise InputError(f"image_sink idle_timeout must be a positive number of seconds, not {idle_timeout}")
        self.idle_timeout = float(idle_timeout)
        self.report = Report(true_snr_db=true_snr_db, ssim=ssim, quiet=quiet)
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
        except Exception as error:  # a bad message must not stop the sink
            self.report.count_bad_pdu()
            gr.log.warn(f"djscc image_sink: message dropped: {type(error).__name__}: {error}")

    def _sent(self, message):
        if pdu.is_end_of_stream(message):
            with self.activity:
                self.expected = self.report.sent
            self._touch()
            return
        meta, image = pdu.parse_image(message)
        self.report.add_reference(int(meta["image_id"]), image)

    def _received(self, message):
        self.report.add_received(*pdu.parse_image(message))
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
                if self.expected is not None and self.report.received >= self.expected:
                    return True
                now = time.monotonic()
                if self.expected is not None and now - self.last_activity > self.idle_timeout:
                    return False
                if deadline is not None and now > deadline:
                    return False
                self.activity.wait(0.1)

    def summary(self) -> dict:
        """The run so far (see djscc.report.Report.summary)."""
        return self.report.summary()

    def stop(self):
        try:
            summary = self.report.finish()
            if summary["received"] == 0:
                gr.log.error(f"djscc image_sink: no image arrived ({summary['sent']} sent, "
                             f"{summary['unmatched']} unmatched, {summary['bad_pdus']} bad PDUs)")
            if self.out_dir is not None:
                self.report.write(summary, self.out_dir)
        except Exception as error:  # an exception in stop() aborts the process
            gr.log.error(f"djscc image_sink: summary not written: {type(error).__name__}: {error}")
        return True
