"""Encoder: image PDUs -> PDUs of the model's complex symbols (unit average power).

A fixed-rate model sends its k symbols; a variable-rate one (gated-jscc) only those its gate
keeps at the current SNR, so the PDU's length varies with the channel.
"""

import numpy as np
import pmt
import torch
from gnuradio import gr

from djscc.blocks import pdu
from djscc.nn import zoo
from djscc.nn.channels import ChannelState


class encoder(gr.basic_block):
    """Encodes each image on "images" with ``model`` at the SNR of the last channel state
    received on "csi" (the feedback link), or ``snr_db`` until one arrives."""

    def __init__(self, model: str = "da-djscc_1-12", snr_db: float = 10.0, model_id: int = 1,
                 threads: int = 1):
        gr.basic_block.__init__(self, name="djscc_encoder", in_sig=None, out_sig=None)
        torch.set_num_threads(threads)
        self.model, self.card = zoo.load(model)
        self.model_id = model_id
        self.snr_db = float(snr_db)
        self.rejected = 0
        self.out = pmt.intern("symbols")
        self.message_port_register_out(self.out)
        for name, handler in (("images", self.handle_image), ("csi", self.handle_csi)):
            self.message_port_register_in(pmt.intern(name))
            self.set_msg_handler(pmt.intern(name), handler)

    def set_snr_db(self, snr_db: float):
        self.snr_db = float(snr_db)

    def handle_csi(self, message):
        try:
            snr = float(pmt.to_python(pmt.dict_ref(message, pmt.intern("snr_db"), pmt.PMT_NIL)))
        except (TypeError, ValueError):
            return
        if np.isfinite(snr):
            self.snr_db = snr

    @torch.no_grad()
    def handle_image(self, message):
        if pdu.is_end_of_stream(message):
            self.message_port_pub(self.out, message)
            return
        try:
            meta, pixels = pdu.parse(message, np.uint8)
            image = pixels.reshape(int(meta["height"]), int(meta["width"]), 3)
            tensor = torch.from_numpy(image.copy()).permute(2, 0, 1)[None].float() / 255.0
            state = ChannelState.awgn(torch.tensor([self.snr_db]))
            symbols = self.model.encode(tensor, state)
            sent = int(self.model.symbols_sent(state, *image.shape[:2])[0])  # variable-rate models
        except Exception as error:  # a bad PDU must not take the flowgraph down
            self.rejected += 1
            gr.log.warn(f"djscc encoder: image rejected: {error}")
            return
        meta.update(model_id=self.model_id, encoder_snr_db=self.snr_db)
        self.message_port_pub(self.out, pdu.make(meta, symbols[0, :sent].numpy().astype(np.complex64)))
