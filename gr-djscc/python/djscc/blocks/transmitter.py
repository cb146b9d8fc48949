"""Transmitter: image PDUs (and the receiver's channel state) -> a burst sample stream.

One hierarchical block for the whole transmit chain, so every flowgraph wires it the same
way and differs only in its radio or channel block: encoder -> framer -> burst source. The
model and the frame format are given once: the encoder batches a frame's images
(``batch`` = ``images_per_frame``) and the header's model id comes from the model's card.
With ``scheme="both"`` every image goes out twice, in a frame of each scheme: two encoders
and framers feed the one burst source, so both cross the same channel.
"""

from gnuradio import gr

from djscc.blocks.burst_source import burst_source
from djscc.blocks.digital_encoder import ADAPTIVE, digital_encoder
from djscc.blocks.encoder import encoder
from djscc.blocks.framer import framer
from djscc.errors import InputError
from djscc.phy.frame import FrameFormat

STREAM_BUFFER = 65536  # samples: the Python blocks downstream see few, large chunks
SCHEMES = ("djscc", "digital", "both")


def schemes_of(scheme: str) -> tuple[str, ...]:
    """The schemes a ``scheme`` parameter runs: ("djscc", "digital") for "both"."""
    if scheme not in SCHEMES:
        raise InputError(f"scheme must be one of {SCHEMES}, not {scheme!r}")
    return ("djscc", "digital") if scheme == "both" else (scheme,)


class transmitter(gr.hier_block2):
    """Message in "images" (and optional "csi", the feedback link); complex samples out.

    ``fill``: zeros between bursts, for a radio sink that needs an unbroken stream; without
    it the stream ends ``tail`` zeros after the image source's end-of-stream PDU. ``lead``
    zeros come before the first burst (burst_source). ``scheme``: "djscc" (``model``) or
    "digital", the separate source and channel coding baseline (``mcs``: an MCS name or
    "adaptive", digital_encoder) in the same frames, or "both"."""

    def __init__(self, model: str = "da-djscc_1-12", snr_db: float = 10.0, images_per_frame: int = 16,
                 sps: int = FrameFormat.sps, rolloff: float = FrameFormat.rolloff, gap: int = 1000,
                 tail: int = 4000, fill: bool = False, lead: int = 0, threads: int = 1,
                 scheme: str = "djscc", mcs: str = ADAPTIVE):
        gr.hier_block2.__init__(self, "djscc_transmitter", gr.io_signature(0, 0, 0),
                                gr.io_signature(1, 1, gr.sizeof_gr_complex))
        self.encoders = [digital_encoder(mcs=mcs, snr_db=snr_db) if name == "digital" else
                         encoder(model=model, snr_db=snr_db, threads=threads, batch=images_per_frame)
                         for name in schemes_of(scheme)]
        self.framers = [framer(images_per_frame=images_per_frame, sps=sps, rolloff=rolloff) for _ in self.encoders]
        self.burst_source = burst_source(gap=gap, tail=tail, fill=fill, lead=lead,
                                         end_of_streams=len(self.framers))
        self.burst_source.set_min_output_buffer(STREAM_BUFFER)
        for port in ("images", "csi"):
            self.message_port_register_hier_in(port)
        for scheme_encoder, scheme_framer in zip(self.encoders, self.framers):
            for port in ("images", "csi"):
                self.msg_connect(self, port, scheme_encoder, port)
            self.msg_connect(scheme_encoder, "symbols", scheme_framer, "symbols")
            self.msg_connect(scheme_framer, "frames", self.burst_source, "frames")
        self.connect(self.burst_source, self)

    def set_snr_db(self, snr_db: float):
        """The SNR the encoders condition on until the receiver's channel state arrives."""
        for scheme_encoder in self.encoders:
            scheme_encoder.set_snr_db(snr_db)
