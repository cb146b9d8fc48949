"""The feedback link's end at a transmitter: the SNR an encoder conditions on, set by the
flowgraph (``set_snr_db``) or by the receiver's channel state on its "csi" port."""

from djscc.blocks import pdu


class SnrFeedback:
    """Mixed into an encoder block, which sets ``snr_db`` in its constructor."""

    snr_db: float

    def set_snr_db(self, snr_db: float):
        self.snr_db = float(snr_db)

    def handle_csi(self, message):
        snr = pdu.csi_snr_db(message)
        if snr is not None:
            self.snr_db = snr
