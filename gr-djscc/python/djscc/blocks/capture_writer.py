"""Capture writer: records the received stream as SigMF, one annotation per decoded frame.

Connect its stream input beside the burst receiver's (same samples) and the receiver's
"frames" port to its "frames" port. GNU Radio's file sink writes the samples to
PATH.sigmf-data as they come; PATH.sigmf-meta is written when the flowgraph stops. An
empty path records nothing.

The annotations are kept by a message-only block, not by the stream block: a stream block
finishes as soon as its input ends, while the burst receiver may still be publishing the
last frames of that input; a message-only block lives until every publisher is done.
"""

import json

import numpy as np
import pmt
from gnuradio import blocks, gr

from djscc import captures
from djscc.blocks import pdu
from djscc.paths import add_suffix, check_writable_folder
from djscc.phy.frame import FrameFormat


class frame_annotator(gr.basic_block):
    """Frame PDUs in; on stop, the SigMF metadata with one annotation per frame."""

    def __init__(self, path, sample_rate: float, center_frequency: float, hardware: str,
                 description: str, settings: dict, fmt: FrameFormat):
        gr.basic_block.__init__(self, name="djscc_frame_annotator", in_sig=None, out_sig=None)
        self.path, self.fmt = path, fmt
        self.sample_rate, self.center_frequency = sample_rate, center_frequency
        self.hardware, self.description, self.settings = hardware, description, settings
        self.annotations: list[dict] = []
        self.port = pmt.intern("frames")
        self.message_port_register_in(self.port)
        self.set_msg_handler(self.port, self.handle_frame)

    def handle_frame(self, message):
        try:
            meta, _ = pdu.parse(message, np.complex64)
            payload = int(meta["images"]) * int(meta["symbols_per_image"])
            self.annotations.append({
                "start": max(0, int(meta["start_sample"])),
                "length": self.fmt.frame_length(payload) * self.fmt.sps,
                "djscc:first_image_id": int(meta["counter"]),  # the header counter numbers images
                "djscc:images": int(meta["images"]), "djscc:model_id": int(meta["model_id"]),
                "djscc:snr_estimate_db": round(float(meta["snr_db"]), 3),
                "djscc:true_snr_db": self.settings.get("snr_db"),
            })
        except (ValueError, KeyError, TypeError) as error:
            gr.log.warn(f"djscc capture_writer: frame not annotated: {error}")

    def stop(self):
        while (message := self.delete_head_nowait(self.port)) is not None:  # queued at the end
            self.handle_frame(message)
        try:
            captures.write_metadata(self.path, self.sample_rate, self.center_frequency,
                                    self.hardware, self.description, self.settings,
                                    sorted(self.annotations, key=lambda a: a["start"]))
        except Exception as error:  # an exception in stop() would abort the process
            gr.log.error(f"djscc capture_writer: samples kept in {self.path}.sigmf-data, "
                         f"metadata not written: {error}")
        return True


class capture_writer(gr.hier_block2):
    def __init__(self, path: str = "", sample_rate: float = 2e6, center_frequency: float = 0.0,
                 hardware: str = "software channel", description: str = "",
                 settings: str = "{}", sps: int = FrameFormat.sps, rolloff: float = FrameFormat.rolloff):
        gr.hier_block2.__init__(self, "djscc_capture_writer", gr.io_signature(1, 1, gr.sizeof_gr_complex),
                                gr.io_signature(0, 0, 0))
        self.message_port_register_hier_in("frames")
        self.annotator = None
        if not path:
            self.sink = blocks.null_sink(gr.sizeof_gr_complex)
            self.connect(self, self.sink)
            return
        base = captures.stem(path)
        check_writable_folder(base.parent, "capture_writer path")
        self.sink = blocks.file_sink(gr.sizeof_gr_complex, str(add_suffix(base, ".sigmf-data")), False)
        self.sink.set_unbuffered(True)  # every sample on disk when the metadata is written
        self.annotator = frame_annotator(
            base, float(sample_rate), float(center_frequency), hardware, description,
            json.loads(settings) if isinstance(settings, str) else dict(settings),
            FrameFormat(sps=sps, rolloff=rolloff))
        self.connect(self, self.sink)
        self.msg_connect(self, "frames", self.annotator, "frames")

    @property
    def annotations(self) -> list[dict]:
        return self.annotator.annotations if self.annotator else []
