"""Encoder: image PDUs -> PDUs of the model's complex symbols (unit average power).

A fixed-rate model sends its k symbols; a variable-rate one (gated-jscc) only those its gate
keeps at the current SNR, so the PDU's length varies with the channel.
"""

import numpy as np
import pmt
import torch
from gnuradio import gr

from djscc.blocks import pdu, torch_threads
from djscc.blocks.feedback import SnrFeedback
from djscc.errors import InputError
from djscc.metrics import channels_first, to_float
from djscc.nn import zoo
from djscc.nn.channels import ChannelState


class encoder(SnrFeedback, gr.basic_block):
    """Encodes the images on "images" with ``model`` at the SNR of the last channel state
    received on "csi" (the feedback link), or ``snr_db`` until one arrives.

    ``batch`` images of one size are encoded together (an end-of-stream PDU flushes the
    rest): set it to the framer's images per frame, which waits for them anyway, and a frame
    of 16 costs 0.2 ms an image instead of 1.6 (DA-DJSCC, one thread). ``model_id`` (the
    header's model field) defaults to the card's (zoo.model_id). ``threads``: torch's CPU
    threads for this block's model alone (torch_threads)."""

    def __init__(self, model: str = "da-djscc_1-12", snr_db: float = 10.0, model_id: int | None = None,
                 threads: int = 1, batch: int = 1):
        gr.basic_block.__init__(self, name="djscc_encoder", in_sig=None, out_sig=None)
        if int(batch) < 1:
            raise InputError(f"encoder batch must be at least 1, not {batch}")
        if not np.isfinite(float(snr_db)):
            raise InputError(f"encoder snr_db must be a finite number, not {snr_db}")
        self.threads = torch_threads.check(threads)
        self.model, self.card = zoo.load_codec(model)
        self.model_id = zoo.model_id(self.card, model_id)
        self.batch = batch
        self.set_snr_db(snr_db)  # clipped to what a model conditions on
        self.rejected = 0
        self.pending: list[tuple[dict, np.ndarray]] = []
        self.out = pmt.intern("symbols")
        self.message_port_register_out(self.out)
        for name, handler in (("images", self.handle_image), ("csi", self.handle_csi)):
            self.message_port_register_in(pmt.intern(name))
            self.set_msg_handler(pmt.intern(name), handler)

    def start(self):
        torch_threads.set_for_this_thread(self.threads)  # the handlers' thread: see torch_threads
        return True

    def handle_image(self, message):
        if pdu.is_end_of_stream(message):
            self._encode_pending()
            self.message_port_pub(self.out, message)
            return
        try:
            meta, pixels = pdu.parse(message, np.uint8)
            image = pixels.reshape(int(meta["height"]), int(meta["width"]), 3)
        except Exception as error:  # a bad PDU must not take the flowgraph down
            self.rejected += 1
            gr.log.warn(f"djscc encoder: image rejected: {error}")
            return
        if self.pending and image.shape != self.pending[0][1].shape:
            self._encode_pending()  # a batch holds images of one size
        self.pending.append((meta, image))
        if len(self.pending) >= self.batch:
            self._encode_pending()

    @torch.no_grad()
    def _encode_pending(self):
        if not self.pending:
            return
        metas, images = zip(*self.pending)
        self.pending = []
        try:
            tensor = to_float(channels_first(np.stack(images)))
            state = ChannelState.awgn(torch.full((len(images),), self.snr_db))
            symbols = self.model.encode(tensor, state).numpy().astype(np.complex64)
            sent = self.model.symbols_sent(state, *images[0].shape[:2]).tolist()  # variable rate
        except Exception as error:
            self.rejected += len(images)
            gr.log.warn(f"djscc encoder: {len(images)} image(s) rejected: {error}")
            return
        for meta, row, count in zip(metas, symbols, sent):
            meta.update(model_id=self.model_id, encoder_snr_db=self.snr_db)
            self.message_port_pub(self.out, pdu.make(meta, row[:int(count)]))
