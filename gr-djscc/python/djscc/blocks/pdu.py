"""PDU helpers: (meta dict, numpy vector) <-> PMT pair, and the end-of-stream marker."""

import numpy as np
import pmt

EOF_KEY = "eof"  # meta of the PDU that says "no more images": forwarded down the chain
VECTOR_MAKERS = {np.uint8: pmt.init_u8vector, np.complex64: pmt.init_c32vector,
                 np.float32: pmt.init_f32vector}


def make(meta: dict, vector: np.ndarray):
    """A PDU from a dict of plain values and a uint8 / complex64 / float32 vector."""
    vector = np.ascontiguousarray(vector).reshape(-1)
    maker = VECTOR_MAKERS[vector.dtype.type]
    return pmt.cons(pmt.to_pmt(meta), maker(len(vector), vector))


def parse(message, dtype) -> tuple[dict, np.ndarray]:
    """(meta, vector) of a PDU; ValueError if the message is not a PDU of ``dtype``."""
    if not pmt.is_pair(message) or not pmt.is_uniform_vector(pmt.cdr(message)):
        raise ValueError("not a PDU (pair of meta dict and uniform vector)")
    meta = pmt.to_python(pmt.car(message)) if pmt.is_dict(pmt.car(message)) else {}
    vector = np.asarray(pmt.to_python(pmt.cdr(message)))
    if vector.dtype != dtype:
        raise ValueError(f"PDU vector is {vector.dtype}, expected {np.dtype(dtype)}")
    return dict(meta or {}), vector


def parse_image(message) -> tuple[dict, np.ndarray]:
    """(meta, H x W x 3 uint8 image) of an image PDU; ValueError/KeyError if it is not one."""
    meta, pixels = parse(message, np.uint8)
    return meta, pixels.reshape(int(meta["height"]), int(meta["width"]), 3)


def end_of_stream():
    return make({EOF_KEY: True}, np.zeros(0, np.uint8))


def is_end_of_stream(message) -> bool:
    car = pmt.car(message) if pmt.is_pair(message) else pmt.PMT_NIL
    return pmt.is_dict(car) and pmt.to_python(pmt.dict_ref(car, pmt.intern(EOF_KEY), pmt.PMT_F)) is True


def csi_snr_db(message) -> float | None:
    """The SNR (dB) of a channel-state message (the burst receiver's "csi"); None if it
    holds no finite one."""
    try:
        snr = float(pmt.to_python(pmt.dict_ref(message, pmt.intern("snr_db"), pmt.PMT_NIL)))
    except (TypeError, ValueError):
        return None
    return snr if np.isfinite(snr) else None
