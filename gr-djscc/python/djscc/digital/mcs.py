"""Modulation and coding schemes: QAM x LDPC rate, each filling a codeword of 256 complex
symbols (a 32x32 image's k at bandwidth ratio 1/12), so each is a byte budget a codeword;
an image of H x W gets the k = H*W/4 symbols DA-DJSCC 1/12 sends it, as whole codewords."""

from dataclasses import dataclass
from fractions import Fraction

from djscc.errors import InputError

SYMBOLS = 256  # complex symbols a codeword fills: k of a 32x32x3 image at k/n = 1/12
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
        """Bytes of source code a codeword carries: its information bytes, less the check byte."""
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


def image_symbols(height: int, width: int) -> int:
    """k: the complex symbols an H x W x 3 image gets at k/n = 1/12, as DA-DJSCC 1/12 sends it."""
    return height * width // 4


def codewords(height: int, width: int) -> int:
    """The codewords an H x W image goes out as: floor(k / SYMBOLS), each with its own check
    byte. The k mod SYMBOLS symbols left over are not sent, a small handicap to the digital
    scheme (none at multiples of 32 such as 32x32 and 128x128; 36 of 62,500 at 500x500).
    InputError for a size DA-DJSCC cannot code (not multiples of 4) or too small for one
    codeword (k < SYMBOLS)."""
    if height <= 0 or width <= 0 or height % 4 or width % 4:
        raise InputError(f"the digital scheme codes images whose sides are positive multiples of 4 "
                         f"(as DA-DJSCC), not {height}x{width}")
    if image_symbols(height, width) < SYMBOLS:
        raise InputError(f"a {height}x{width} image gets {image_symbols(height, width)} symbols at 1/12, "
                         f"fewer than one codeword's {SYMBOLS}: the digital scheme needs at least 32x32 pixels")
    return image_symbols(height, width) // SYMBOLS


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
