"""The digital link end to end, in numpy and gr-fec: image -> bytes (source) -> LDPC
codewords -> interleaved bits -> QAM symbols -> channel -> exact LLRs -> decoder -> bytes ->
image. An image of H x W goes out as mcs.codewords(H, W) codewords (one at 32x32, 16 at
128x128), its source code cut into their byte budgets; it decodes only when every codeword
does, as a real AVIF or JPEG file missing a piece would not. A codeword whose parity check
fails, or whose check byte does not match (the LDPC decoder converged to another codeword:
51 of 75,600 decodes in benchmarks/digital.py before the check byte), or a payload the codec
cannot read, is counted and shown as ``source.failed_image()`` (mid gray), as a receiver
without the image would."""

import binascii
import functools
import json
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

from djscc.digital import ldpc, modulation, source
from djscc.digital.mcs import CHECK_BYTES, MCS, SYMBOLS, TABLE, codewords

# Lowest SNR (dB, AWGN, true noise variance) at which each MCS's FER was at most 10 % in
# benchmarks/digital.py (the first 200 exact CIFAR-10 test images, 1 dB grid from 0 dB, so
# 0.0 means "at 0 dB or below"); None: not within 0..20 dB. select() uses them as they are
# for an image of one codeword (32x32), so that choice stays what it was; an image of more
# codewords must also meet IMAGE_ERROR_TARGET on the measured FER table (fer_awgn.json).
THRESHOLDS_DB: dict[str, float | None] = {
    "QPSK 1/4": 0.0,
    "QPSK 1/3": 0.0,
    "QPSK 1/2": 2.0,
    "QPSK 2/3": 4.0,
    "QPSK 3/4": 5.0,
    "QPSK 5/6": 6.0,
    "16QAM 1/4": 3.0,
    "16QAM 1/3": 5.0,
    "16QAM 1/2": 7.0,
    "16QAM 2/3": 10.0,
    "16QAM 3/4": 11.0,
    "16QAM 5/6": 12.0,
    "64QAM 1/4": 7.0,
    "64QAM 1/3": 8.0,
    "64QAM 1/2": 12.0,
    "64QAM 2/3": 15.0,
    "64QAM 3/4": 16.0,
    "64QAM 5/6": 18.0,
}


# The image error rate (a codeword of the image failed) select() allows, as the thresholds'
# FER of 10 % at one codeword.
IMAGE_ERROR_TARGET = 0.1
FER_TABLE = resources.files("djscc.digital") / "fer_awgn.json"  # benchmarks/mcs_thresholds.py


@dataclass
class Reception:
    image: np.ndarray  # (H, W, 3) uint8, failed_image() when status is not "ok"
    status: str  # "ok", "codeword failed" (a parity check or check byte not met), "codec failed"
    payload: bytes | None  # the decoded bytes (None when a codeword failed)


def check_byte(payload: bytes) -> bytes:
    """The byte that ends a codeword: the low byte of the payload's CRC-32 (misses a wrong
    codeword 1 time in 256)."""
    return (binascii.crc32(payload) & 0xFF).to_bytes(CHECK_BYTES, "big")


def payload_to_symbols(payload: bytes, mcs: MCS) -> np.ndarray:
    """n * ``mcs.budget`` bytes -> n * SYMBOLS complex64 symbols: n codewords, each a
    ``mcs.budget``-byte piece of the payload and its check byte, interleaved on its own."""
    if not payload or len(payload) % mcs.budget:
        raise ValueError(f"{mcs.name} carries {mcs.budget} bytes a codeword, not {len(payload)} in all")
    code = ldpc.code(mcs.coded_bits, mcs.info_bits)
    pieces = (payload[at:at + mcs.budget] for at in range(0, len(payload), mcs.budget))
    coded = [modulation.interleave(code.encode(np.unpackbits(np.frombuffer(piece + check_byte(piece), np.uint8))))
             for piece in pieces]
    return modulation.modulate(np.concatenate(coded), mcs.bits_per_symbol)


def codeword_llr(received: np.ndarray, noise_var: float, mcs: MCS) -> np.ndarray:
    """One codeword's SYMBOLS received symbols -> its deinterleaved bit LLRs (the decoder's input)."""
    return modulation.deinterleave(modulation.llr(received, noise_var, mcs.bits_per_symbol))


def symbols_to_payload(received: np.ndarray, noise_var: float, mcs: MCS) -> bytes | None:
    """n * SYMBOLS received symbols and the noise variance -> the payload, or None at the
    first codeword whose parity check or check byte fails (the rest are not decoded: the
    image is lost already)."""
    if received.ndim != 1 or not len(received) or len(received) % SYMBOLS:
        raise ValueError(f"expected a multiple of {SYMBOLS} symbols, got {received.shape}")
    code, pieces = ldpc.code(mcs.coded_bits, mcs.info_bits), []
    for symbols in received.reshape(-1, SYMBOLS):
        bits, ok = code.decode(codeword_llr(symbols, noise_var, mcs))
        codeword = np.packbits(bits).tobytes()
        pieces.append(codeword[:-CHECK_BYTES])
        if not (ok and codeword[-CHECK_BYTES:] == check_byte(pieces[-1])):
            return None
    return b"".join(pieces)


def image_budget(mcs: MCS, size: tuple[int, int]) -> int:
    """Bytes of source code a (height, width) image gets at ``mcs``: its codewords' budgets."""
    return mcs.budget * codewords(*size)


def send(image: np.ndarray, mcs: MCS) -> np.ndarray:
    """An (H, W, 3) image -> its codewords' symbols at ``mcs``."""
    return payload_to_symbols(source.encode(image, image_budget(mcs, image.shape[:2])), mcs)


def receive(received: np.ndarray, noise_var: float, mcs: MCS, size: tuple[int, int]) -> Reception:
    """A (height, width) = ``size`` image's received symbols -> what the receiver shows."""
    if received.shape != (codewords(*size) * SYMBOLS,):
        raise ValueError(f"a {size[0]}x{size[1]} image is {codewords(*size) * SYMBOLS} symbols, "
                         f"not {received.shape}")
    payload = symbols_to_payload(received, noise_var, mcs)
    if payload is None:
        return Reception(source.failed_image(size), "codeword failed", None)
    image = source.decode(payload, size)
    if image is None:
        return Reception(source.failed_image(size), "codec failed", payload)
    return Reception(image, "ok", payload)


def awgn(symbols: np.ndarray, snr_db: float, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Unit-power symbols + CN(0, 10^(-SNR/10)) noise (the torch AWGNChannel's convention)."""
    noise_var = 10.0 ** (-snr_db / 10.0)
    noise = rng.standard_normal((2, len(symbols))) * math.sqrt(noise_var / 2)
    return (symbols + noise[0] + 1j * noise[1]).astype(np.complex64), noise_var


@functools.cache
def fer_table() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per MCS name: (SNR grid in dB, codeword error rate), from fer_awgn.json
    (benchmarks/mcs_thresholds.py: random payloads through this chain over AWGN). A point
    without an error counts as 1 / its codewords (the measurement's resolution, not zero),
    and each point's FER is the largest measured at its SNR or any higher one, so the table
    never falls faster than measured and is non-increasing in SNR."""
    table = json.loads(FER_TABLE.read_text())["mcs"]
    out = {}
    for name, rows in table.items():
        fer = np.maximum(rows["errors"], 1) / np.asarray(rows["codewords"], float)
        out[name] = (np.asarray(rows["snr_db"], float), np.maximum.accumulate(fer[::-1])[::-1])
    return out


def codeword_error_rate(mcs: MCS, snr_db: float) -> float:
    """``mcs``'s FER at ``snr_db`` over AWGN: the table interpolated linearly in log FER
    between its points; 1 below its grid or for an MCS it lacks (conservative), its last
    point's above."""
    if mcs.name not in fer_table():
        return 1.0
    snr, fer = fer_table()[mcs.name]
    if snr_db < snr[0]:
        return 1.0
    return float(np.exp(np.interp(snr_db, snr, np.log(fer))))


def image_error_rate(mcs: MCS, snr_db: float, codewords: int = 1) -> float:
    """The chance an image of ``codewords`` codewords is lost: 1 - (1 - FER)^codewords."""
    return 1.0 - (1.0 - codeword_error_rate(mcs, snr_db)) ** codewords


def select(snr_db: float, codewords: int = 1, thresholds: dict[str, float | None] | None = None) -> MCS | None:
    """The MCS of the largest budget for an image of ``codewords`` codewords at ``snr_db``
    (the fed-back SNR): its threshold at most ``snr_db`` and, for more than one codeword,
    its image error rate on the measured FER table at most IMAGE_ERROR_TARGET (so an image
    of more codewords never gets a less robust MCS than one of fewer). None when no MCS
    qualifies (nothing worth sending; callers send the most robust)."""
    thresholds = THRESHOLDS_DB if thresholds is None else thresholds
    fitting = [m for m in TABLE if thresholds.get(m.name) is not None and thresholds[m.name] <= snr_db]
    if codewords <= 1:
        return max(fitting, key=lambda m: (m.budget, -thresholds[m.name]), default=None)
    errors = {m.name: image_error_rate(m, snr_db, codewords) for m in fitting}
    fitting = [m for m in fitting if errors[m.name] <= IMAGE_ERROR_TARGET]
    return max(fitting, key=lambda m: (m.budget, -errors[m.name]), default=None)


def capacity_budget(snr_db: float, symbols: int) -> int:
    """Bytes the AWGN capacity carries in k = ``symbols`` uses: floor(k log2(1 + SNR) / 8)."""
    return int(symbols * math.log2(1.0 + 10.0 ** (snr_db / 10.0)) // 8)
