"""Source coding of an RGB image of any size into a fixed byte budget (Pillow's codecs).

The first byte names the codec; the container is cut away to what the receiver can rebuild
from the image size, which it knows (as the neural decoder does):
- 0, ``avif``: Pillow's AVIF plugin (libaom). Only the AV1 frame OBU's payload follows; the
  receiver rebuilds the ISOBMFF container, the temporal delimiter and the sequence header
  from a template of the same size encoded once with the same settings (they depend on the
  image size, not on its content).
- 1..100, ``jpeg-half``: JPEG of a downscale to half each side at that quality (bicubic
  both ways; 16x16 of a 32x32 image), the best at the smallest budgets; 101..200,
  ``jpeg-full``: JPEG at full size, quality - 100. The receiver rebuilds the header
  (quantization tables from the quality, Pillow's standard Huffman tables) by encoding a
  blank image of that size at that quality.
Per image, each codec's quality is the highest that fits the budget (a bisection over
quality: 7 encodes, whatever the budget), and the codec sent is the one with the best PSNR;
the payload is zero-padded to the budget (an AV1 tile ends with a trailing one bit, so the
zeros come off; libjpeg ignores what follows the last block).
"""

import functools
import io

import numpy as np
from PIL import Image, features

FAILED_PIXEL = 128  # what the receiver shows for an image it could not decode: mid gray
AVIF_SPEED = 6  # libaom's speed (0 slowest .. 10); 4 gains 0.35 dB at twice the time
AVIF_MIN_BYTES = 40  # AVIF is not tried below: JPEG half wins there (63 of 64 samples at 32 bytes)
CODECS = ("avif", "jpeg-half", "jpeg-full") if features.check("avif") else ("jpeg-half", "jpeg-full")
_JPEG_SCALE = {"jpeg-half": 2, "jpeg-full": 1}  # the JPEG codecs' downscale, each side
_JPEG_TAG = {"jpeg-half": 0, "jpeg-full": 100}  # tag = offset + quality
_OBU_FRAME = 6


def encode(image: np.ndarray, budget: int, codecs: tuple[str, ...] = CODECS) -> bytes:
    """``image`` (H, W, 3) uint8 -> exactly ``budget`` bytes: the best of ``codecs`` (all
    zero, which decodes to None, if none fits)."""
    if image.ndim != 3 or image.shape[2] != 3 or min(image.shape[:2]) < 1 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {image.shape} {image.dtype}")
    picture, best, best_error = Image.fromarray(image), b"", np.inf
    for codec in codecs:
        if codec == "avif" and budget < AVIF_MIN_BYTES:
            continue
        stream = _encode_one(picture, budget, codec)
        decoded = decode(stream, image.shape[:2])
        if decoded is not None:
            error = np.square(decoded.astype(np.float32) - image).mean()
            if error < best_error:
                best, best_error = stream, error
    return best.ljust(budget, b"\0")


def codec_of(payload: bytes) -> str | None:
    """The codec a payload's first byte names (None for a tag no codec uses)."""
    tag = payload[0] if payload else 0
    return "avif" if tag == 0 else "jpeg-half" if tag <= 100 else "jpeg-full" if tag <= 200 else None


def decode(payload: bytes, size: tuple[int, int]) -> np.ndarray | None:
    """The (height, width) = ``size`` image of ``payload`` (as made by ``encode``), or None
    if it does not decode (the caller shows ``failed_image(size)`` and counts it)."""
    codec, stream = codec_of(payload), payload.rstrip(b"\0")
    if len(stream) < 2 or codec is None:
        return None
    height, width = size
    try:
        if codec == "avif":
            template, offsets = _avif_template(height, width)
            picture = Image.open(io.BytesIO(_avif_rebuild(template, offsets, stream[1:])))
        else:
            header = _jpeg_header(_jpeg_size(width, height, codec), stream[0] - _JPEG_TAG[codec])
            picture = Image.open(io.BytesIO(header + payload[1:] + b"\xff\xd9"))
        picture = picture.convert("RGB")
        if picture.size != (width, height):
            picture = picture.resize((width, height), Image.Resampling.BICUBIC)
        return np.asarray(picture)
    except (OSError, SyntaxError, ValueError, IndexError, RuntimeError):  # Pillow, libavif, libjpeg
        return None


def failed_image(size: tuple[int, int]) -> np.ndarray:
    """What a receiver shows for a (height, width) image it could not decode: mid gray."""
    return np.full((*size, 3), FAILED_PIXEL, np.uint8)


def _jpeg_size(width: int, height: int, codec: str) -> tuple[int, int]:
    """(width, height) a JPEG codec codes a width x height image at (sides rounded up)."""
    scale = _JPEG_SCALE[codec]
    return -(-width // scale), -(-height // scale)


def _encode_one(picture: Image.Image, budget: int, codec: str) -> bytes:
    if codec == "avif":
        return _fit(lambda q: b"\0" + _avif_payload(_avif_bytes(picture, q)), budget, 0, 100)
    size = _jpeg_size(*picture.size, codec)
    if size != picture.size:
        picture = picture.resize(size, Image.Resampling.BICUBIC)
    return _fit(lambda q: bytes([_JPEG_TAG[codec] + q]) + _jpeg_scan(_jpeg_bytes(picture, q)), budget, 1, 100)


def _fit(make, budget: int, low: int, high: int) -> bytes:
    """The stream at the highest quality in [low, high] that fits ``budget`` (sizes grow
    with quality; a binary search), or b'' if none does."""
    best = b""
    while low <= high:
        middle = (low + high) // 2
        stream = make(middle)
        if len(stream) <= budget:
            best, low = stream, middle + 1
        else:
            high = middle - 1
    return best


def _avif_bytes(picture: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="AVIF", quality=quality, speed=AVIF_SPEED, max_threads=1)
    return out.getvalue()


def _boxes(data: bytes, start: int, end: int):
    """(type, offset, size) of the ISOBMFF boxes in data[start:end]."""
    while start + 8 <= end:
        size = int.from_bytes(data[start:start + 4], "big")
        yield data[start + 4:start + 8], start, size
        if size < 8:
            return
        start += size


def _leb128(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if not byte & 0x80:
            return value, at


def _obus(data: bytes):
    """(type, header start, payload start, payload end) of each OBU (all with size fields)."""
    at = 0
    while at < len(data):
        kind, start = (data[at] >> 3) & 0xF, at
        at += 2 if data[at] & 0x04 else 1  # an extension byte
        size, at = _leb128(data, at)
        yield kind, start, at, at + size
        at += size


def _avif_mdat(data: bytes) -> tuple[int, int]:
    """Start and end of the mdat box's contents."""
    for kind, offset, size in _boxes(data, 0, len(data)):
        if kind == b"mdat":
            return offset + 8, offset + size
    raise ValueError("no mdat box")


def _avif_payload(data: bytes) -> bytes:
    start, end = _avif_mdat(data)
    for kind, _, payload, payload_end in _obus(data[start:end]):
        if kind == _OBU_FRAME:
            return data[start + payload:start + payload_end]
    raise ValueError("no frame OBU")


@functools.cache
def _avif_template(height: int, width: int) -> tuple[bytes, dict]:
    """A blank image's AVIF file of this size (its sequence header and container boxes
    carry the size) and where its frame OBU and the lengths to patch lie."""
    data = _avif_bytes(Image.new("RGB", (width, height), (FAILED_PIXEL,) * 3), 50)
    start, end = _avif_mdat(data)
    frame = next(obu for obu in _obus(data[start:end]) if obu[0] == _OBU_FRAME)
    return data, {"mdat": start - 8, "frame": start + frame[1], "extent": _iloc_extent_length(data)}


def _iloc_extent_length(data: bytes) -> int:
    """Offset of the 4-byte extent_length of the single item in the iloc box (libavif
    writes version 0, offset/length sizes 4, base_offset_size 0, one item, one extent)."""
    meta = next(offset for kind, offset, _ in _boxes(data, 0, len(data)) if kind == b"meta")
    for kind, offset, size in _boxes(data, meta + 12, len(data)):
        if kind == b"iloc":
            if data[offset + 8] != 0 or data[offset + 12:offset + 14] != b"\x44\x00":
                raise ValueError("unexpected iloc layout")
            return offset + 8 + 4 + 2 + 2 + 2 + 2 + 2 + 4  # version/flags, sizes, count, id, ref, extents, offset
    raise ValueError("no iloc box")


def _avif_rebuild(template: bytes, offsets: dict, payload: bytes) -> bytes:
    frame = bytes([template[offsets["frame"]]]) + _leb128_bytes(len(payload)) + payload
    mdat_body = template[offsets["mdat"] + 8:offsets["frame"]] + frame
    data = bytearray(template[:offsets["mdat"]]) + (len(mdat_body) + 8).to_bytes(4, "big") + b"mdat" + mdat_body
    data[offsets["extent"]:offsets["extent"] + 4] = len(mdat_body).to_bytes(4, "big")
    return bytes(data)


def _leb128_bytes(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _jpeg_bytes(picture: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=quality, subsampling="4:2:0", optimize=False)
    return out.getvalue()


def _scan_start(data: bytes) -> int:
    """Offset just after the SOS segment (the entropy-coded data starts there)."""
    sos = data.index(b"\xff\xda")
    return sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")


def _jpeg_scan(data: bytes) -> bytes:
    return data[_scan_start(data):-2]  # without the EOI marker


@functools.cache
def _jpeg_header(size: tuple[int, int], quality: int) -> bytes:
    """The header (SOI .. SOS) of Pillow's JPEG of a (width, height) image at ``quality``."""
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality {quality} out of range")
    data = _jpeg_bytes(Image.new("RGB", size), quality)
    return data[:_scan_start(data)]
