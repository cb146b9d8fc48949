"""Scheme decoder: payload PDUs of both schemes -> image PDUs, on one output.

With both schemes on one link (the transmitter's and receiver's ``scheme="both"``), frames
of the digital baseline (header model ids of djscc.digital.mcs) go to a digital_decoder
and all others to the neural decoder, so each counts as unknown only what neither scheme
sent. One block, not a router in front of two: a message block whose upstream neighbour
finishes is finished itself, so an image sink fed by two decoders would stop with the
first and lose the other's last frame.
"""

import pmt
from gnuradio import gr

from djscc.blocks import torch_threads
from djscc.blocks.decoder import decoder
from djscc.blocks.digital_decoder import digital_decoder
from djscc.digital.mcs import by_header_id


class scheme_decoder(gr.basic_block):
    """Decodes neural frames with ``model`` (see decoder) and digital ones (digital_decoder);
    ``decoders`` holds both, by scheme, with their counts."""

    def __init__(self, model: str = "da-djscc_1-12", image_size: int = 32, threads: int = 1):
        gr.basic_block.__init__(self, name="djscc_scheme_decoder", in_sig=None, out_sig=None)
        self.decoders = {"djscc": decoder(model=model, image_size=image_size, threads=threads),
                         "digital": digital_decoder(image_size=image_size)}
        self.threads = self.decoders["djscc"].threads
        self.out = pmt.intern("images")
        self.message_port_register_out(self.out)
        self.message_port_register_in(pmt.intern("frames"))
        self.set_msg_handler(pmt.intern("frames"), self.handle)

    def start(self):
        torch_threads.set_for_this_thread(self.threads)  # the handlers' thread: see torch_threads
        return True

    def stop(self):
        for block in self.decoders.values():
            block.stop()
        return True

    def handle(self, message):
        for image in self.decoders[self.scheme(message)].decode(message):
            self.message_port_pub(self.out, image)

    @staticmethod
    def scheme(message) -> str:
        """"digital" for a PDU whose model id names an MCS, else "djscc" (which counts a
        message that is no PDU as bad)."""
        try:
            model_id = pmt.to_python(pmt.dict_ref(pmt.car(message), pmt.intern("model_id"), pmt.PMT_NIL))
            return "digital" if by_header_id(int(model_id)) is not None else "djscc"
        except (TypeError, ValueError, RuntimeError):  # no pair, no dict, no number
            return "djscc"
