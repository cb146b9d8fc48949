"""Framer: symbol PDUs -> burst PDUs of RRC-shaped samples (djscc.phy frame format)."""

import numpy as np
import pmt
from gnuradio import gr

from djscc.blocks import pdu
from djscc.errors import InputError
from djscc.phy.frame import COUNTER_MODULUS, FrameFormat, Header
from djscc.phy.transmitter import modulate

MAX_SYMBOLS_PER_IMAGE = 0xFFFF  # the header's symbols_per_image is u16


def follows(previous: dict, meta: dict) -> bool:
    """Whether an image's id is the one after ``previous``'s (the receiver numbers a frame's
    images from its counter, so a frame holds consecutive ids; a source that loops or skips
    starts a new frame). Images without ids are numbered by position anyway."""
    if "image_id" not in previous or "image_id" not in meta:
        return True
    try:
        return (int(meta["image_id"]) - int(previous["image_id"])) % COUNTER_MODULUS == 1
    except (TypeError, ValueError):  # an id that is no number: a frame of its own (dropped by _send)
        return False


class framer(gr.basic_block):
    """Packs up to ``images_per_frame`` images' symbols into one frame (header: the first
    image's id as frame counter, model id, image count, symbols per image): fewer where
    that many would not fit in a frame's payload (FrameFormat.max_payload_symbols, which the
    receiver enforces; 15 DA-DJSCC 1/12 photos of 128x128) or the next id does not follow
    (the receiver numbers a frame's images from its counter), and an image too large for any
    frame is dropped, logged and counted (``dropped``). An end-of-stream PDU flushes a
    partial frame and is passed on."""

    def __init__(self, images_per_frame: int = 1, sps: int = 4, rolloff: float = 0.35):
        gr.basic_block.__init__(self, name="djscc_framer", in_sig=None, out_sig=None)
        if not 1 <= int(images_per_frame) <= 255:
            raise InputError(f"framer images_per_frame must be 1..255, not {images_per_frame}")
        self.format = FrameFormat(sps=sps, rolloff=rolloff)
        self.images_per_frame = images_per_frame
        self.max_payload = min(self.format.max_payload_symbols, MAX_SYMBOLS_PER_IMAGE)
        self.pending: list[tuple[dict, np.ndarray]] = []
        self.frames = 0
        self.dropped = 0  # images of frames the format cannot carry
        self.out = pmt.intern("frames")
        self.message_port_register_out(self.out)
        self.message_port_register_in(pmt.intern("symbols"))
        self.set_msg_handler(pmt.intern("symbols"), self.handle)

    def handle(self, message):
        if pdu.is_end_of_stream(message):
            self._send()
            self.message_port_pub(self.out, message)
            return
        try:
            meta, symbols = pdu.parse(message, np.complex64)
        except ValueError as error:
            gr.log.warn(f"djscc framer: {error}")
            return
        if len(symbols) > self.max_payload:
            self.dropped += 1
            gr.log.error(f"djscc framer: image {meta.get('image_id')} dropped: its {len(symbols)} symbols "
                         f"are more than a frame carries ({self.max_payload})")
            return
        if self.pending and (len(symbols) != len(self.pending[0][1])
                             or meta.get("model_id") != self.pending[0][0].get("model_id")
                             or not follows(self.pending[-1][0], meta)):
            self._send()  # a frame carries images of one model and one size, with consecutive ids
        self.pending.append((meta, symbols))
        if (len(self.pending) == self.images_per_frame
                or (len(self.pending) + 1) * len(symbols) > self.max_payload):  # the next would not fit
            self._send()

    def _send(self):
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        first = pending[0][0]
        try:
            header = Header(counter=int(first.get("image_id", self.frames)) % COUNTER_MODULUS,
                            model_id=int(first.get("model_id", 0)), images=len(pending),
                            symbols_per_image=len(pending[0][1]))
            samples = modulate(header, np.concatenate([s for _, s in pending]), self.format)
        except (ValueError, TypeError, OverflowError) as error:  # a frame the format cannot hold
            self.dropped += len(pending)
            gr.log.error(f"djscc framer: {len(pending)} images of {len(pending[0][1])} symbols "
                         f"dropped, not one frame: {error}")
            return
        meta = {"counter": header.counter, "images": header.images,
                "image_ids": [int(m.get("image_id", -1)) for m, _ in pending]}
        self.frames += 1
        self.message_port_pub(self.out, pdu.make(meta, samples))
