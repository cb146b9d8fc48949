"""The feedback link's end at a transmitter: the SNR an encoder conditions on, set by the
flowgraph (``set_snr_db``) or by the receiver's channel state on its "csi" port."""

import math

from djscc.blocks import pdu
from djscc.nn.channels import SNR_LIMITS_DB


class SnrFeedback:
    """Mixed into an encoder block, which sets ``snr_db`` in its constructor. An SNR beyond
    SNR_LIMITS_DB is clipped to them, as the decoder clips the receiver's (a model refuses
    to condition beyond them); one that is not a finite number is ignored."""

    snr_db: float

    def set_snr_db(self, snr_db: float):
        snr = float(snr_db)
        if math.isfinite(snr):
            self.snr_db = min(max(snr, SNR_LIMITS_DB[0]), SNR_LIMITS_DB[1])

    def handle_csi(self, message):
        snr = pdu.csi_snr_db(message)
        if snr is not None:
            self.set_snr_db(snr)
