"""Decoder: payload PDUs (with the measured channel state) -> image PDUs."""

import numpy as np
import pmt
import torch
from gnuradio import gr

from djscc.blocks import pdu, torch_threads
from djscc.metrics import to_pixels
from djscc.nn import zoo
from djscc.nn.channels import ChannelState
from djscc.nn.codec import SNR_LIMITS_DB


class decoder(gr.basic_block):
    """Decodes every image of a frame with ``model``, conditioned on the SNR the receiver
    measured (a model with a CSI map also on each pilot block's SINR). Frames of another
    model id, or with a symbol count the model cannot take at ``image_size`` (a variable-rate
    model takes fewer than k), are counted and dropped. ``model_id`` defaults to the card's
    (zoo.model_id), as the encoder's does; ``threads`` are torch's CPU threads for this
    block's model alone (torch_threads)."""

    def __init__(self, model: str = "da-djscc_1-12", model_id: int | None = None, image_size: int = 32,
                 threads: int = 1):
        gr.basic_block.__init__(self, name="djscc_decoder", in_sig=None, out_sig=None)
        self.threads = torch_threads.check(threads)
        self.model, self.card = zoo.load(model)
        self.model_id = zoo.model_id(self.card, model_id)
        self.image_size = image_size
        self.counts = {"frames": 0, "images": 0, "unknown_model": 0, "wrong_size": 0, "bad_pdu": 0}
        self.out = pmt.intern("images")
        self.message_port_register_out(self.out)
        self.message_port_register_in(pmt.intern("frames"))
        self.set_msg_handler(pmt.intern("frames"), self.handle)

    def start(self):
        torch_threads.set_for_this_thread(self.threads)  # the handlers' thread: see torch_threads
        return True

    def stop(self):
        log_counts("decoder", self.counts)
        return True

    @staticmethod
    def image_snr(meta: dict, images: int) -> np.ndarray:
        """Each image's SNR (dB, float32): the receiver's per-image SINR where it sent one,
        else the frame's; clipped to the range the models were trained on."""
        try:
            snr = np.full(images, float(meta.get("snr_db", 0.0)))
            per_image = np.asarray(meta.get("image_snr_db", ()), np.float64).reshape(-1)
            if len(per_image) == images:
                snr = per_image
        except (TypeError, ValueError):
            snr = np.zeros(images)
        return np.clip(np.nan_to_num(snr), *SNR_LIMITS_DB).astype(np.float32)

    @staticmethod
    def symbol_snr(meta: dict, images: int, per_image: int) -> np.ndarray | None:
        """(images, per_image) float32: each symbol's SINR (dB), its pilot block's, from the
        receiver's block_snr_db; None where the meta holds no such map that fits."""
        try:
            block = int(meta.get("block_symbols", 0))
            blocks = np.asarray(meta.get("block_snr_db", ()), np.float64).reshape(-1)
        except (TypeError, ValueError):
            return None
        if block < 1 or len(blocks) != images * -(-per_image // block):
            return None
        symbols = np.repeat(blocks.reshape(images, -1), block, axis=1)[:, :per_image]
        return np.clip(np.nan_to_num(symbols), *SNR_LIMITS_DB).astype(np.float32)

    def handle(self, message):
        for image in self.decode(message):
            self.message_port_pub(self.out, image)

    @torch.no_grad()
    def decode(self, message) -> list:
        """The image PDUs of one payload PDU; none (and the reason counted) for a frame
        this decoder cannot take."""
        try:
            meta, payload = pdu.parse(message, np.complex64)
            images, per_image = int(meta["images"]), int(meta["symbols_per_image"])
        except (ValueError, KeyError, TypeError):
            self.counts["bad_pdu"] += 1
            return []
        if int(meta.get("model_id", -1)) != self.model_id:
            self.counts["unknown_model"] += 1
            return []
        if (not self.model.accepts_symbol_count(per_image, self.image_size, self.image_size)
                or len(payload) != images * per_image):
            self.counts["wrong_size"] += 1
            return []
        self.counts["frames"] += 1
        state = ChannelState.awgn(torch.from_numpy(self.image_snr(meta, images)))
        if getattr(self.model.config, "csi_map", False):
            symbol_snr = self.symbol_snr(meta, images, per_image)
            state.symbol_snr_db = None if symbol_snr is None else torch.from_numpy(symbol_snr)
        symbols = torch.from_numpy(payload.reshape(images, per_image).copy())
        decoded = to_pixels(self.model.decode(symbols, state, (self.image_size, self.image_size)))
        self.counts["images"] += len(decoded)
        return [pdu.make(image_meta(meta, index, float(state.snr_db[index]), self.image_size), image)
                for index, image in enumerate(decoded)]


def image_meta(frame_meta: dict, index: int, snr_db: float, image_size: int) -> dict:
    """The meta of the ``index``-th image decoded from a frame: its id (the frame counter +
    its position), the SNR it was decoded at and what the receiver measured."""
    return {**{k: frame_meta[k] for k in ("h_abs", "cfo_hz", "counter") if k in frame_meta},
            "snr_db": snr_db, "image_id": int(frame_meta["counter"]) + index,
            "symbols": int(frame_meta["symbols_per_image"]), "frame_images": int(frame_meta["images"]),
            "frame_position": index, "height": image_size, "width": image_size}


def log_counts(name: str, counts: dict) -> None:
    """The decoder's counts when the flowgraph stops, as a warning where frames were dropped."""
    dropped = {k: v for k, v in counts.items() if k in ("unknown_model", "wrong_size", "bad_pdu") and v}
    (gr.log.warn if dropped else gr.log.info)(f"djscc {name}: {counts}")
