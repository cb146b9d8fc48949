"""Digital encoder: image PDUs -> PDUs of their LDPC codewords' QAM symbols (djscc.digital).

The separate source and channel coding baseline, in the same frames as the neural codecs:
each H x W image becomes the bytes of its best codec at its codewords' budget, then
floor(H*W/4 / 256) LDPC codewords of 256 QAM symbols each (one at 32x32, 16 at 128x128:
the k of DA-DJSCC 1/12, digital.mcs.codewords); the header's model id names the MCS
(digital.mcs.header_id). An image the scheme cannot code (sides not multiples of 4, fewer
pixels than 32x32) is rejected with a warning and counted.
"""

import numpy as np
import pmt
from gnuradio import gr

from djscc.blocks import pdu
from djscc.blocks.feedback import SnrFeedback
from djscc.digital import link
from djscc.digital.mcs import TABLE, by_name, codewords, header_id
from djscc.errors import InputError

ADAPTIVE = "adaptive"
MARGIN_DB = 1.0  # below the fed-back SNR: the receiver's estimate errs by 0.2-0.3 dB RMS


class digital_encoder(SnrFeedback, gr.basic_block):
    """``mcs``: an MCS name ("16QAM 1/2", ...: the same for every image), or "adaptive":
    the largest budget whose threshold is under the SNR of the last channel state on
    "csi" (or ``snr_db`` until one arrives) less MARGIN_DB, for the image's codewords
    (link.select: one at 32x32, 16 at 128x128, 244 at 500x500, each image's error rate at
    most 10 % on the measured FER table). Below every threshold the most robust MCS is used."""

    def __init__(self, mcs: str = ADAPTIVE, snr_db: float = 10.0):
        gr.basic_block.__init__(self, name="djscc_digital_encoder", in_sig=None, out_sig=None)
        try:
            self.fixed = None if mcs == ADAPTIVE else by_name(mcs)
        except KeyError as error:
            raise InputError(f"digital_encoder: {error.args[0]}") from None
        if not np.isfinite(float(snr_db)):
            raise InputError(f"digital_encoder snr_db must be a finite number, not {snr_db}")
        self.set_snr_db(snr_db)  # clipped to what a model conditions on
        self.rejected = 0
        self.out = pmt.intern("symbols")
        self.message_port_register_out(self.out)
        for name, handler in (("images", self.handle_image), ("csi", self.handle_csi)):
            self.message_port_register_in(pmt.intern(name))
            self.set_msg_handler(pmt.intern(name), handler)

    def mcs(self, height: int = 32, width: int = 32):
        """The MCS the next image, of ``height`` x ``width``, goes out with (InputError for a
        size the scheme cannot code)."""
        count = codewords(height, width)
        if self.fixed is not None:
            return self.fixed
        return link.select(self.snr_db - MARGIN_DB, count) or TABLE[0]

    def handle_image(self, message):
        if pdu.is_end_of_stream(message):
            self.message_port_pub(self.out, message)
            return
        try:
            meta, pixels = pdu.parse(message, np.uint8)
            image = pixels.reshape(int(meta["height"]), int(meta["width"]), 3)
            mcs = self.mcs(*image.shape[:2])
            symbols = link.send(image, mcs)
        except Exception as error:  # a bad PDU or an image the codecs cannot take
            self.rejected += 1
            gr.log.warn(f"djscc digital_encoder: image rejected: {error}")
            return
        meta.update(model_id=header_id(mcs), mcs=mcs.name, encoder_snr_db=self.snr_db)
        self.message_port_pub(self.out, pdu.make(meta, symbols.astype(np.complex64)))
