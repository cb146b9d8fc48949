"""Receiver: a sample stream -> decoded image PDUs, with the channel state it measured.

One hierarchical block for the whole receive chain: DC blocker -> burst receiver ->
decoder, and the SigMF capture writer beside them on the raw samples when a capture path
is given (it takes the frame format from here). With ``scheme="both"`` a scheme_decoder
decodes each frame with the decoder of its scheme, and both schemes' images leave on
"images" (the digital ones with meta scheme "digital"). Outputs: "images" (the decoder's image
PDUs), "frames" (the burst receiver's payload PDUs) and "csi" (each frame's channel state:
the feedback link to the transmitter).
"""

import json

from gnuradio import gr

from djscc.blocks.burst_receiver import burst_receiver
from djscc.blocks.capture_writer import capture_writer
from djscc.blocks.dc_blocker import dc_blocker
from djscc.blocks.decoder import decoder
from djscc.blocks.digital_decoder import digital_decoder
from djscc.blocks.scheme_decoder import scheme_decoder
from djscc.blocks.transmitter import schemes_of
from djscc.errors import InputError
from djscc.phy.frame import FrameFormat
from djscc.phy.receiver import DETECTION_THRESHOLD


class receiver(gr.hier_block2):
    """Complex samples in; message out "images", "frames", "csi". ``capture_path``: a SigMF path
    stem to record the input to (empty: none), with ``center_frequency``, ``hardware``,
    ``description`` and ``settings`` (JSON) for its metadata. ``dc_block``: remove the
    radio's DC offset (dc_blocker) before the burst receiver. ``scheme``: "djscc" decodes
    with ``model``, "digital" the digital baseline's frames (digital_decoder), "both" both."""

    def __init__(self, model: str = "da-djscc_1-12", sample_rate: float = 2e6,
                 sps: int = FrameFormat.sps, rolloff: float = FrameFormat.rolloff,
                 threshold: float = DETECTION_THRESHOLD, dc_block: bool = True, image_size: int = 32,
                 capture_path: str = "", center_frequency: float = 0.0, hardware: str = "software channel",
                 description: str = "", settings: str = "{}", threads: int = 1, scheme: str = "djscc"):
        gr.hier_block2.__init__(self, "djscc_receiver", gr.io_signature(1, 1, gr.sizeof_gr_complex),
                                gr.io_signature(0, 0, 0))
        self.burst_receiver = burst_receiver(sample_rate=sample_rate, sps=sps, rolloff=rolloff,
                                             threshold=threshold)
        if int(image_size) < 4 or int(image_size) % 4:
            raise InputError(f"receiver image_size must be a positive multiple of 4, the size the images "
                             f"were sent at (0, 'as they are', is for the image source only), not {image_size}")
        schemes = schemes_of(scheme)
        if len(schemes) > 1:
            self.decoder = scheme_decoder(model=model, image_size=image_size, threads=threads)
            self.decoders = self.decoder.decoders
        else:
            self.decoder = (digital_decoder(image_size=image_size) if schemes[0] == "digital" else
                            decoder(model=model, image_size=image_size, threads=threads))
            self.decoders = {schemes[0]: self.decoder}
        for port in ("images", "frames", "csi"):
            self.message_port_register_hier_out(port)
        self.msg_connect(self.decoder, "images", self, "images")
        self.msg_connect(self.burst_receiver, "frames", self, "frames")
        self.msg_connect(self.burst_receiver, "csi", self, "csi")
        self.msg_connect(self.burst_receiver, "frames", self.decoder, "frames")
        self.dc_blocker = dc_blocker() if dc_block else None
        if self.dc_blocker is not None:
            self.connect(self, self.dc_blocker, self.burst_receiver)
        else:
            self.connect(self, self.burst_receiver)
        self.capture_writer = None
        if capture_path:
            fmt = self.burst_receiver.receiver.fmt
            self.capture_writer = capture_writer(
                path=capture_path, sample_rate=sample_rate, center_frequency=center_frequency,
                hardware=hardware, description=description,
                settings=settings if isinstance(settings, str) else json.dumps(settings),
                sps=fmt.sps, rolloff=fmt.rolloff)
            self.connect(self, self.capture_writer)
            self.msg_connect(self.burst_receiver, "frames", self.capture_writer, "frames")

    def stats(self) -> dict:
        """The burst receiver's counts (frames, CRC failures, ...) and each decoder's: "decoder"
        for a single scheme, "djscc_decoder" and "digital_decoder" for both."""
        if len(self.decoders) == 1:
            return {**self.burst_receiver.stats(), "decoder": dict(next(iter(self.decoders.values())).counts)}
        return {**self.burst_receiver.stats(),
                **{f"{name}_decoder": dict(block.counts) for name, block in self.decoders.items()}}
