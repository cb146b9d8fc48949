"""PDU helpers: (meta dict, numpy vector) <-> PMT pair, and the end-of-stream marker.

A 128x128 photo is 49,152 bytes: pmt's Python bindings copy a vector element by element
(init_u8vector of a numpy array, to_python of a u8vector: 4.5 and 1.2 ms an image), so the
vectors cross through pmt's own serialized form instead (one copy each way in C++, about
0.01 ms): tag 0x0a, the element type, the length (u32), one pad byte, the elements
big-endian (pmt_serialize.cc; tests/test_blocks.py checks it against pmt's own vectors).
"""

import struct

import numpy as np
import pmt

EOF_KEY = "eof"  # meta of the PDU that says "no more images": forwarded down the chain
UNIFORM_VECTOR = 0x0A  # pmt's serialized-form tag of a uniform vector
ELEMENT_TYPES = {np.dtype(np.uint8): (0x00, np.dtype(">u1")),  # numpy dtype: (pmt's type, wire dtype)
                 np.dtype(np.float32): (0x08, np.dtype(">f4")),
                 np.dtype(np.complex64): (0x0A, np.dtype(">c8"))}
VECTOR_HEADER = struct.Struct(">BBIBx")  # tag, element type, length, pad count (1), the pad


def to_uvector(vector: np.ndarray):
    """A pmt uniform vector holding a uint8 / float32 / complex64 array's elements."""
    vector = np.asarray(vector).reshape(-1)
    element_type, wire = ELEMENT_TYPES[vector.dtype]
    return pmt.deserialize_str(VECTOR_HEADER.pack(UNIFORM_VECTOR, element_type, len(vector), 1)
                               + vector.astype(wire).tobytes())


def from_uvector(uvector, dtype) -> np.ndarray:
    """A uniform vector's elements as a ``dtype`` array; ValueError if it holds another type."""
    wanted = np.dtype(dtype)
    data = pmt.serialize_str(uvector)
    tag, element_type, length, pad = VECTOR_HEADER.unpack_from(data)
    if tag != UNIFORM_VECTOR or ELEMENT_TYPES.get(wanted, (None,))[0] != element_type:
        held = next((str(d) for d, (code, _) in ELEMENT_TYPES.items() if code == element_type), "another type")
        raise ValueError(f"PDU vector is {held}, expected {wanted}")
    start = VECTOR_HEADER.size - 1 + pad
    return np.frombuffer(data, ELEMENT_TYPES[wanted][1], length, start).astype(wanted)


def make(meta: dict, vector: np.ndarray):
    """A PDU from a dict of plain values and a uint8 / complex64 / float32 vector."""
    return pmt.cons(pmt.to_pmt(meta), to_uvector(vector))


def parse(message, dtype) -> tuple[dict, np.ndarray]:
    """(meta, vector) of a PDU; ValueError if the message is not a PDU of ``dtype``."""
    if not pmt.is_pair(message) or not pmt.is_uniform_vector(pmt.cdr(message)):
        raise ValueError("not a PDU (pair of meta dict and uniform vector)")
    meta = pmt.to_python(pmt.car(message)) if pmt.is_dict(pmt.car(message)) else {}
    return dict(meta or {}), from_uvector(pmt.cdr(message), dtype)


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
