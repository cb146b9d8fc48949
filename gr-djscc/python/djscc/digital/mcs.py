"""Modulation and coding schemes: QAM x LDPC rate, each filling the same k = 256 complex
symbols of a 32x32 image (bandwidth ratio 1/12) with one codeword, so each is a byte budget."""

from dataclasses import dataclass
from fractions import Fraction

SYMBOLS = 256  # k complex symbols per 32x32x3 image at k/n = 1/12
CHECK_BYTES = 1  # a codeword's last byte checks the others (djscc.digital.link)
MODULATIONS = {"QPSK": 2, "16QAM": 4, "64QAM": 6}
RATES = (Fraction(1, 4), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3), Fraction(3, 4), Fraction(5, 6))


@dataclass(frozen=True)
class MCS:
    index: int  # the id a frame header carries
    modulation: str
    rate: Fraction  # nominal; the code's own is info_bits / coded_bits

    @property
    def bits_per_symbol(self) -> int:
        return MODULATIONS[self.modulation]

    @property
    def coded_bits(self) -> int:
        return SYMBOLS * self.bits_per_symbol

    @property
    def info_bits(self) -> int:
        """The nominal rate's information bits, down to whole bytes."""
        return int(self.coded_bits * self.rate) // 8 * 8

    @property
    def budget(self) -> int:
        """Bytes of source code an image gets: the codeword's, less the check byte."""
        return self.info_bits // 8 - CHECK_BYTES

    @property
    def info_degree(self) -> int:
        """Edges of an information column in the code (chosen on FER at n = 512)."""
        return 5 if self.rate <= Fraction(1, 3) else 4 if self.rate <= Fraction(2, 3) else 3

    @property
    def name(self) -> str:
        return f"{self.modulation} {self.rate}"


TABLE = tuple(MCS(index, modulation, rate) for index, (modulation, rate) in
              enumerate((m, r) for m in MODULATIONS for r in RATES))


FIRST_HEADER_ID = 232  # frame header model ids 232..249 are the MCSs (the codecs' are below)


def header_id(mcs: MCS) -> int:
    """The model id a frame of this MCS carries in its header."""
    return FIRST_HEADER_ID + mcs.index


def by_header_id(model_id: int) -> MCS | None:
    """The MCS a header's model id names; None for a neural codec's (or unknown) id."""
    index = int(model_id) - FIRST_HEADER_ID
    return TABLE[index] if 0 <= index < len(TABLE) else None


def by_name(name: str) -> MCS:
    for mcs in TABLE:
        if mcs.name == name:
            return mcs
    raise KeyError(f"no MCS {name!r}; known: {', '.join(m.name for m in TABLE)}")
