"""The burst frame: preamble, spread BPSK header with CRC, payload with pilots.

Symbol layout (before RRC shaping):
  preamble  ``preamble_repeats`` copies of a ``preamble_period``-symbol QPSK sequence,
            each copy signed by a cover code (detection, timing, CFO, h, noise)
  header    64 bits (frame counter u16, model id u8, images u8, symbols per image u16,
            CRC-16/CCITT u16), each bit BPSK-spread over ``header_spreading`` chips
  payload   the encoder's analog symbols, a known pilot before every ``pilot_spacing``
            of them and one after the last (phase tracking, refreshed h)
  guard     zeros, so the pulse tails ring out
"""

import binascii
import struct
from dataclasses import dataclass
from functools import cached_property

import numpy as np

HEADER_BYTES = 8
COUNTER_MODULUS = 65536  # the header's counter is u16: image ids wrap here
HEADER_BITS = HEADER_BYTES * 8
COVER_CODE = np.array([1, 1, 1, -1, 1, -1, -1, 1], np.float32)  # low off-peak autocorrelation


class CrcError(ValueError):
    """The header's CRC does not match: the frame is dropped and counted."""


@dataclass(frozen=True)
class Header:
    counter: int
    model_id: int
    images: int
    symbols_per_image: int

    def __post_init__(self):
        for field, top in (("model_id", 0xFF), ("images", 0xFF), ("symbols_per_image", 0xFFFF)):
            if not 0 <= getattr(self, field) <= top:
                raise ValueError(f"header {field} must be 0..{top}, not {getattr(self, field)}")

    def to_bits(self) -> np.ndarray:
        """64 bits, MSB first, the last 16 the CRC of the first 48."""
        body = struct.pack(">HBBH", self.counter % COUNTER_MODULUS, self.model_id, self.images,
                           self.symbols_per_image)
        data = body + struct.pack(">H", binascii.crc_hqx(body, 0xFFFF))
        return np.unpackbits(np.frombuffer(data, np.uint8))

    @classmethod
    def from_bits(cls, bits: np.ndarray) -> "Header":
        data = np.packbits(bits.astype(np.uint8)).tobytes()
        body, (crc,) = data[:6], struct.unpack(">H", data[6:])
        if binascii.crc_hqx(body, 0xFFFF) != crc:
            raise CrcError("header CRC mismatch")
        counter, model_id, images, symbols_per_image = struct.unpack(">HBBH", body)
        return cls(counter, model_id, images, symbols_per_image)

    @property
    def payload_symbols(self) -> int:
        return self.images * self.symbols_per_image


@dataclass(frozen=True)
class FrameFormat:
    """Every parameter of the frame and its pulse shaping; both ends must agree."""

    sps: int = 4
    rolloff: float = 0.35
    filter_span: int = 8
    preamble_period: int = 16
    preamble_repeats: int = 8
    header_spreading: int = 8
    pilot_spacing: int = 16
    guard_symbols: int = 16
    seed: int = 2024  # of the known sequences

    def __post_init__(self):
        if self.preamble_repeats != len(COVER_CODE):
            raise ValueError(f"preamble_repeats must be {len(COVER_CODE)} (the cover code)")

    @cached_property
    def _known(self) -> dict:
        rng = np.random.default_rng(self.seed)

        def qpsk(n):
            return (np.exp(1j * (np.pi / 4 + np.pi / 2 * rng.integers(4, size=n)))).astype(np.complex64)

        period = qpsk(self.preamble_period)
        preamble = (COVER_CODE[:, None] * period[None, :]).reshape(-1).astype(np.complex64)
        chips = (1 - 2 * rng.integers(2, size=self.header_spreading)).astype(np.float32)
        return {"period": period, "preamble": preamble, "chips": chips, "pilots": qpsk(4096)}

    @property
    def preamble_period_symbols(self) -> np.ndarray:
        return self._known["period"]

    @property
    def preamble(self) -> np.ndarray:
        return self._known["preamble"]

    @property
    def chips(self) -> np.ndarray:
        return self._known["chips"]

    @property
    def preamble_length(self) -> int:
        return self.preamble_period * self.preamble_repeats

    @property
    def header_length(self) -> int:
        return HEADER_BITS * self.header_spreading

    @property
    def max_payload_symbols(self) -> int:
        """The longest payload a frame can carry: its pilots come from a table of 4096."""
        return (len(self._known["pilots"]) - 1) * self.pilot_spacing

    def pilot_count(self, payload_symbols: int) -> int:
        return -(-payload_symbols // self.pilot_spacing) + 1

    def pilots(self, count: int) -> np.ndarray:
        if count > len(self._known["pilots"]):
            raise ValueError(f"a frame holds at most {len(self._known['pilots']) - 1} pilot blocks")
        return self._known["pilots"][:count]

    def payload_length(self, payload_symbols: int) -> int:
        """Channel symbols the payload occupies, pilots included."""
        return payload_symbols + self.pilot_count(payload_symbols)

    def frame_length(self, payload_symbols: int) -> int:
        """Channel symbols of a whole frame, guard included."""
        return (self.preamble_length + self.header_length + self.payload_length(payload_symbols)
                + self.guard_symbols)

    def overhead(self, payload_symbols: int) -> dict:
        """Symbol counts, and the payload's share of the frame."""
        total = self.frame_length(payload_symbols)
        return {"preamble": self.preamble_length, "header": self.header_length,
                "pilots": self.pilot_count(payload_symbols), "guard": self.guard_symbols,
                "payload": payload_symbols, "total": total, "efficiency": payload_symbols / total}

    def pilot_positions(self, payload_symbols: int) -> np.ndarray:
        """Indices of the pilots inside the payload section: one before every
        ``pilot_spacing`` payload symbols and one right after the last."""
        count = self.pilot_count(payload_symbols)
        positions = np.arange(count) * (self.pilot_spacing + 1)
        positions[-1] = self.payload_length(payload_symbols) - 1
        return positions

    def data_positions(self, payload_symbols: int) -> np.ndarray:
        is_pilot = np.zeros(self.payload_length(payload_symbols), bool)
        is_pilot[self.pilot_positions(payload_symbols)] = True
        return np.flatnonzero(~is_pilot)[:payload_symbols]


def spread_header(header: Header, fmt: FrameFormat) -> np.ndarray:
    """Header bits -> BPSK chips (bit 0 -> +chips, bit 1 -> -chips)."""
    signs = 1.0 - 2.0 * header.to_bits().astype(np.float32)
    return (signs[:, None] * fmt.chips[None, :]).reshape(-1).astype(np.complex64)


def build_frame(header: Header, payload: np.ndarray, fmt: FrameFormat) -> np.ndarray:
    """The frame's channel symbols (complex64): preamble, header, pilots + payload, guard."""
    payload = np.asarray(payload, np.complex64).reshape(-1)
    if len(payload) != header.payload_symbols:
        raise ValueError(f"header announces {header.payload_symbols} payload symbols, got {len(payload)}")
    section = np.empty(fmt.payload_length(len(payload)), np.complex64)
    section[fmt.pilot_positions(len(payload))] = fmt.pilots(fmt.pilot_count(len(payload)))
    section[fmt.data_positions(len(payload))] = payload
    return np.concatenate([fmt.preamble, spread_header(header, fmt), section,
                           np.zeros(fmt.guard_symbols, np.complex64)])
