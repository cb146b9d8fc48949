"""The digital link end to end, in numpy and gr-fec: image -> bytes (source) -> LDPC
codeword -> interleaved bits -> QAM symbols -> channel -> exact LLRs -> decoder -> bytes ->
image. A codeword whose parity check fails, or whose check byte does not match (the LDPC
decoder converged to another codeword: 51 of 75,600 decodes in benchmarks/digital.py before
the check byte), or a payload the codec cannot read, is counted and shown as
``source.failed_image()`` (mid gray), as a receiver without the image would."""

import binascii
import math
from dataclasses import dataclass

import numpy as np

from djscc.digital import ldpc, modulation, source
from djscc.digital.mcs import CHECK_BYTES, MCS, SYMBOLS, TABLE

# Lowest SNR (dB, AWGN, true noise variance) at which each MCS's FER was at most 10 % in
# benchmarks/digital.py (the first 200 exact CIFAR-10 test images, 1 dB grid from 0 dB, so
# 0.0 means "at 0 dB or below"); None: not within 0..20 dB.
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


@dataclass
class Reception:
    image: np.ndarray  # (32, 32, 3) uint8, failed_image() when status is not "ok"
    status: str  # "ok", "codeword failed" (parity check or check byte not met), "codec failed"
    payload: bytes | None  # the decoded bytes (None when the codeword failed)


def check_byte(payload: bytes) -> bytes:
    """The byte that ends a codeword: the low byte of the payload's CRC-32 (misses a wrong
    codeword 1 time in 256)."""
    return (binascii.crc32(payload) & 0xFF).to_bytes(CHECK_BYTES, "big")


def payload_to_symbols(payload: bytes, mcs: MCS) -> np.ndarray:
    """``mcs.budget`` bytes -> SYMBOLS complex64 symbols (one codeword: payload + check byte)."""
    if len(payload) != mcs.budget:
        raise ValueError(f"{mcs.name} carries {mcs.budget} bytes, not {len(payload)}")
    bits = np.unpackbits(np.frombuffer(payload + check_byte(payload), np.uint8))
    coded = ldpc.code(mcs.coded_bits, mcs.info_bits).encode(bits)
    return modulation.modulate(modulation.interleave(coded), mcs.bits_per_symbol)


def symbols_to_payload(received: np.ndarray, noise_var: float, mcs: MCS) -> tuple[bytes, bool]:
    """SYMBOLS received symbols and the noise variance -> (payload, parity check and check
    byte met)."""
    if received.shape != (SYMBOLS,):
        raise ValueError(f"expected {SYMBOLS} symbols, got {received.shape}")
    llr = modulation.deinterleave(modulation.llr(received, noise_var, mcs.bits_per_symbol))
    bits, ok = ldpc.code(mcs.coded_bits, mcs.info_bits).decode(llr)
    codeword = np.packbits(bits).tobytes()
    payload = codeword[:-CHECK_BYTES]
    return payload, ok and codeword[-CHECK_BYTES:] == check_byte(payload)


def send(image: np.ndarray, mcs: MCS) -> np.ndarray:
    """A 32x32 image -> its SYMBOLS symbols at ``mcs``."""
    return payload_to_symbols(source.encode(image, mcs.budget), mcs)


def receive(received: np.ndarray, noise_var: float, mcs: MCS) -> Reception:
    payload, ok = symbols_to_payload(received, noise_var, mcs)
    if not ok:
        return Reception(source.failed_image(), "codeword failed", None)
    image = source.decode(payload)
    if image is None:
        return Reception(source.failed_image(), "codec failed", payload)
    return Reception(image, "ok", payload)


def awgn(symbols: np.ndarray, snr_db: float, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Unit-power symbols + CN(0, 10^(-SNR/10)) noise (the torch AWGNChannel's convention)."""
    noise_var = 10.0 ** (-snr_db / 10.0)
    noise = rng.standard_normal((2, len(symbols))) * math.sqrt(noise_var / 2)
    return (symbols + noise[0] + 1j * noise[1]).astype(np.complex64), noise_var


def select(snr_db: float, thresholds: dict[str, float | None] | None = None) -> MCS | None:
    """The MCS of the largest budget whose threshold is at most ``snr_db`` (the fed-back
    SNR); None below every threshold (nothing worth sending)."""
    thresholds = THRESHOLDS_DB if thresholds is None else thresholds
    fitting = [m for m in TABLE if thresholds.get(m.name) is not None and thresholds[m.name] <= snr_db]
    return max(fitting, key=lambda m: (m.budget, -thresholds[m.name]), default=None)


def capacity_budget(snr_db: float, symbols: int = SYMBOLS) -> int:
    """Bytes the AWGN capacity carries in ``symbols`` uses: floor(k log2(1 + SNR) / 8)."""
    return int(symbols * math.log2(1.0 + 10.0 ** (snr_db / 10.0)) // 8)
