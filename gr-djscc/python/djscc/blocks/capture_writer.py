"""Capture writer: records the received stream as SigMF, one annotation per decoded frame.

Connect its stream input beside the burst receiver's (same samples) and the receiver's
"frames" port to its "frames" port. Samples go to PATH.sigmf-data as they come;
PATH.sigmf-meta is written when the flowgraph stops. An empty path records nothing.
"""

import json
from pathlib import Path

import numpy as np
import pmt
from gnuradio import gr

from djscc import captures
from djscc.blocks import pdu
from djscc.paths import add_suffix
from djscc.phy.frame import FrameFormat


class capture_writer(gr.sync_block):
    def __init__(self, path: str = "", sample_rate: float = 2e6, center_frequency: float = 0.0,
                 hardware: str = "software channel", description: str = "",
                 settings: str = "{}", sps: int = 4, rolloff: float = 0.35):
        gr.sync_block.__init__(self, name="djscc_capture_writer", in_sig=[np.complex64], out_sig=None)
        self.path = captures.stem(path) if path else None
        self.sample_rate, self.center_frequency = float(sample_rate), float(center_frequency)
        self.hardware, self.description = hardware, description
        self.settings = json.loads(settings) if isinstance(settings, str) else dict(settings)
        self.format = FrameFormat(sps=sps, rolloff=rolloff)
        self.annotations: list[dict] = []
        self._file = None
        self.message_port_register_in(pmt.intern("frames"))
        self.set_msg_handler(pmt.intern("frames"), self.handle_frame)

    def start(self):
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(add_suffix(self.path, ".sigmf-data"), "wb")
        return True

    def handle_frame(self, message):
        try:
            meta, _ = pdu.parse(message, np.complex64)
            payload = int(meta["images"]) * int(meta["symbols_per_image"])
            self.annotations.append({
                "start": max(0, int(meta["start_sample"])),
                "length": self.format.frame_length(payload) * self.format.sps,
                "djscc:frame_counter": int(meta["counter"]), "djscc:first_image_id": int(meta["counter"]),
                "djscc:images": int(meta["images"]), "djscc:model_id": int(meta["model_id"]),
                "djscc:snr_estimate_db": round(float(meta["snr_db"]), 3),
                "djscc:true_snr_db": self.settings.get("snr_db"),
            })
        except (ValueError, KeyError, TypeError) as error:
            gr.log.warn(f"djscc capture_writer: frame not annotated: {error}")

    def work(self, input_items, output_items):
        if self._file is not None:
            input_items[0].astype("<c8").tofile(self._file)
        return len(input_items[0])

    def stop(self):
        if self._file is not None:
            self._file.close()
            self._file = None
            try:
                captures.write_metadata(self.path, self.sample_rate, self.center_frequency,
                                        self.hardware, self.description, self.settings,
                                        sorted(self.annotations, key=lambda a: a["start"]))
            except Exception as error:  # an exception in stop() would abort the process
                gr.log.error(f"djscc capture_writer: samples kept in {self.path}.sigmf-data, "
                             f"metadata not written: {error}")
        return True
