"""Digital decoder: payload PDUs of digital frames -> image PDUs, each codeword's fate counted.

The header's model id names the MCS; the images are ``image_size`` square (as the neural
decoder's), each floor(k / 256) codewords (digital.mcs.codewords); a frame of another
symbol count is counted as ``wrong_size`` and dropped. Each image's noise variance after
equalization is 1 / its SINR (the receiver's per-image estimate), which scales the LDPC
decoder's LLRs.
A codeword whose parity check fails, or bytes no codec can read, give the mid-gray image a
receiver without the picture would show, with ``status`` in the meta saying which. Its
images carry meta scheme "digital" (the neural decoder's none), so a sink that shows both
schemes of one link tells them apart.
"""

import numpy as np
import pmt
from gnuradio import gr

from djscc.blocks import pdu
from djscc.blocks.decoder import decoder, image_meta, log_counts
from djscc.digital import link, source
from djscc.digital.mcs import SYMBOLS, by_header_id, codewords


class digital_decoder(gr.basic_block):
    def __init__(self, image_size: int = 32):
        gr.basic_block.__init__(self, name="djscc_digital_decoder", in_sig=None, out_sig=None)
        self.size = (int(image_size), int(image_size))
        self.symbols_per_image = codewords(*self.size) * SYMBOLS  # InputError for a size it cannot code
        self.counts = {"frames": 0, "images": 0, "ok": 0, "codeword failed": 0, "codec failed": 0,
                       "unknown_model": 0, "wrong_size": 0, "bad_pdu": 0}
        self.out = pmt.intern("images")
        self.message_port_register_out(self.out)
        self.message_port_register_in(pmt.intern("frames"))
        self.set_msg_handler(pmt.intern("frames"), self.handle)

    def stop(self):
        log_counts("digital_decoder", self.counts)
        return True

    def handle(self, message):
        for image in self.decode(message):
            self.message_port_pub(self.out, image)

    def decode(self, message) -> list:
        """The image PDUs of one payload PDU (failed codewords as mid gray); none (and the
        reason counted) for a frame that is not a digital one this decoder can take."""
        try:
            meta, payload = pdu.parse(message, np.complex64)
            images, per_image = int(meta["images"]), int(meta["symbols_per_image"])
            mcs = by_header_id(int(meta.get("model_id", -1)))
        except (ValueError, KeyError, TypeError):
            self.counts["bad_pdu"] += 1
            return []
        if mcs is None:
            self.counts["unknown_model"] += 1
            return []
        if per_image != self.symbols_per_image or len(payload) != images * per_image:
            self.counts["wrong_size"] += 1
            return []
        self.counts["frames"] += 1
        decoded = []
        snr = decoder.image_snr(meta, images)
        for index, (symbols, snr_db) in enumerate(zip(payload.reshape(images, per_image), snr)):
            try:
                reception = link.receive(symbols, 10.0 ** (-float(snr_db) / 10.0), mcs, self.size)
            except Exception as error:  # counted as the codec's, never fatal
                gr.log.warn(f"djscc digital_decoder: {error}")
                reception = link.Reception(source.failed_image(self.size), "codec failed", None)
            self.counts["images"] += 1
            self.counts[reception.status] += 1
            decoded.append(pdu.make(
                {**image_meta(meta, index, float(snr_db), reception.image.shape[0]),
                 "scheme": "digital", "mcs": mcs.name, "status": reception.status}, reception.image))
        return decoded
