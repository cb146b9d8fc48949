"""PDU helpers: (meta dict, numpy vector) <-> PMT pair, and the end-of-stream marker.

A 128x128 photo is 49,152 bytes: pmt's Python bindings copy a vector element by element
(init_u8vector of a numpy array, to_python of a u8vector: 4.5 and 1.2 ms an image), so the
vectors cross through pmt's serialized form instead (about 0.02 ms): tag 0x0a, the element
type, the length (u32), the pad count and pad bytes, the elements big-endian
(pmt_serialize.cc). GNU Radio 3.9.0-3.10.4 wrote complex elements imaginary part first on
little-endian machines, so each element type's layout is checked against pmt's own
constructor at import, and a type whose layout differs goes through the bindings as before.
"""

import struct

import numpy as np
import pmt

EOF_KEY = "eof"  # meta of the PDU that says "no more images": forwarded down the chain
UNIFORM_VECTOR = 0x0A  # pmt's serialized-form tag of a uniform vector
VECTOR_HEADER = struct.Struct(">BBIB")  # tag, element type, length, pad count (the pad bytes follow)
# numpy dtype: (pmt's element type, big-endian wire dtype, pmt's constructor, pmt's reader)
ELEMENT_TYPES = {np.dtype(np.uint8): (0x00, np.dtype(">u1"), pmt.init_u8vector, pmt.u8vector_elements),
                 np.dtype(np.float32): (0x08, np.dtype(">f4"), pmt.init_f32vector, pmt.f32vector_elements),
                 np.dtype(np.complex64): (0x0A, np.dtype(">c8"), pmt.init_c32vector, pmt.c32vector_elements)}


def _serialized(element_type: int, wire: np.dtype, vector: np.ndarray) -> bytes:
    return VECTOR_HEADER.pack(UNIFORM_VECTOR, element_type, len(vector), 1) + b"\0" + vector.astype(wire).tobytes()


def _layout_is_pmts(dtype: np.dtype) -> bool:
    """Whether this GNU Radio serializes ``dtype`` vectors as _serialized writes them."""
    element_type, wire, construct, _ = ELEMENT_TYPES[dtype]
    probe = np.array([1 + 2j, -3.5 - 0.25j] if dtype.kind == "c" else [1, 200], dtype)
    return pmt.serialize_str(construct(len(probe), probe.tolist())) == _serialized(element_type, wire, probe)


FAST = {dtype: _layout_is_pmts(dtype) for dtype in ELEMENT_TYPES}


def to_uvector(vector: np.ndarray):
    """A pmt uniform vector holding a uint8 / float32 / complex64 array's elements."""
    vector = np.asarray(vector).reshape(-1)
    dtype = np.dtype(vector.dtype.type)  # any byte order
    element_type, wire, construct, _ = ELEMENT_TYPES[dtype]
    if not FAST[dtype]:
        return construct(len(vector), vector.astype(dtype).tolist())
    return pmt.deserialize_str(_serialized(element_type, wire, vector))


def from_uvector(uvector, dtype) -> np.ndarray:
    """A uniform vector's elements as a ``dtype`` array; ValueError if it is not a uniform
    vector of that type."""
    wanted = np.dtype(dtype)
    if not pmt.is_uniform_vector(uvector):
        raise ValueError("not a uniform vector")
    data = pmt.serialize_str(uvector)
    _, element_type, length, pad = VECTOR_HEADER.unpack_from(data)
    if wanted not in ELEMENT_TYPES or ELEMENT_TYPES[wanted][0] != element_type:
        held = next((str(d) for d, (code, *_) in ELEMENT_TYPES.items() if code == element_type),
                    f"pmt element type {element_type}")
        raise ValueError(f"PDU vector is {held}, expected {wanted}")
    _, wire, _, read = ELEMENT_TYPES[wanted]
    if not FAST[wanted]:
        return np.array(read(uvector), wanted)
    return np.frombuffer(data, wire, length, VECTOR_HEADER.size + pad).astype(wanted)


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
