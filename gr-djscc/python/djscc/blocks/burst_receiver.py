"""Burst receiver: sample stream -> payload PDUs with the measured channel state.

Synchronization and estimation run on the sample path, in numpy (djscc.phy); no inference
happens here. Each decoded frame goes out on "frames" (payload symbols + meta: header
fields, snr_db, image_snr_db, block_snr_db (each image's blocks of block_symbols, the pilot
spacing, in a row), h_abs, phase, cfo_hz, noise_var, clock_ppm, equalizer, start_sample) and
its channel state on
"csi" (the feedback link to the encoder). Garbage is counted, never raised: see stats().
"""

import numpy as np
import pmt
from gnuradio import gr

from djscc.blocks import pdu
from djscc.phy.frame import FrameFormat
from djscc.phy.receiver import DETECTION_THRESHOLD, BurstReceiver


class burst_receiver(gr.sync_block):
    def __init__(self, sample_rate: float = 2e6, sps: int = 4, rolloff: float = 0.35,
                 threshold: float = DETECTION_THRESHOLD):
        gr.sync_block.__init__(self, name="djscc_burst_receiver", in_sig=[np.complex64], out_sig=None)
        self.sample_rate = float(sample_rate)
        self.receiver = BurstReceiver(FrameFormat(sps=sps, rolloff=rolloff), threshold)
        self.frames_port, self.csi_port = pmt.intern("frames"), pmt.intern("csi")
        self.message_port_register_out(self.frames_port)
        self.message_port_register_out(self.csi_port)

    def stats(self) -> dict:
        return self.receiver.stats.as_dict()

    def work(self, input_items, output_items):
        self._publish(self.receiver.process(input_items[0]))
        return len(input_items[0])

    def _publish(self, frames) -> None:
        for frame in frames:
            state = {"snr_db": frame.snr_db, "h_abs": frame.h_abs, "phase": frame.phase,
                     "cfo_hz": frame.cfo * self.sample_rate, "noise_var": frame.noise_var}
            meta = {"counter": frame.header.counter, "model_id": frame.header.model_id,
                    "images": frame.header.images,
                    "symbols_per_image": frame.header.symbols_per_image,
                    "start_sample": frame.start_sample, "image_snr_db": frame.image_snr_db.tolist(),
                    "block_snr_db": frame.block_snr_db.reshape(-1).tolist(),
                    "block_symbols": self.receiver.fmt.pilot_spacing,
                    "clock_ppm": frame.clock_offset * 1e6, "equalizer": frame.equalizer, **state}
            self.message_port_pub(self.frames_port, pdu.make(meta, frame.payload))
            self.message_port_pub(self.csi_port, pmt.to_pmt(state))

    def stop(self):
        self._publish(self.receiver.flush())  # the frames the end of the stream completes
        gr.log.info(f"djscc burst_receiver: {self.stats()}")
        return True
