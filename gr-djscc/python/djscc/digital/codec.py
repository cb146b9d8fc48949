"""The digital link as a codec of the evaluation: the same encode/channel/decode interface
as the neural codecs (djscc.nn.codec.ChannelCodec), so djscc-eval measures it on the same
images, SNR grid and noise draws and one table and one plot hold both.

``DigitalCodec(None)`` is the digital scheme as the product runs it: the MCS chosen from the
SNR the encoder is told and the image's codewords (link.select: the measured thresholds, and
for more than one codeword the measured FER table, the image error rate at most 10 %; the
most robust MCS below them);
``DigitalCodec(mcs)`` one fixed MCS, the cliff. The decoder computes the same choice from the
channel state's average SNR (a real receiver reads it from the header) and the LLRs' noise
variance from the effective SNR, so Rayleigh fading with zero-forcing is handled too.
``capacity_images`` is the bound: the codec at floor(k log2(1 + SNR) / 8) bytes, error-free.

Any H x W of multiples of 4 with k = H*W/4 >= 256 (mcs.codewords): the image gets the k
symbols DA-DJSCC 1/12 sends, as floor(k / 256) codewords; the leftover symbols are not sent
(``symbols_sent`` says so: 62,464 of 62,500 at 500x500).
"""

import hashlib

import numpy as np
import torch

from djscc.digital import link, source
from djscc.digital.mcs import MCS, SYMBOLS, TABLE, by_name, codewords, image_symbols
from djscc.errors import InputError
from djscc.metrics import to_float, to_pixels
from djscc.nn.channels import ChannelState

NAME = "digital"  # djscc-eval's name of the adaptive scheme; "digital:<MCS>" a fixed one


class DigitalCodec:
    """Source coding (djscc.digital.source) + gr-fec LDPC + QAM in the k = H*W/4 symbols of an image."""

    def __init__(self, mcs: MCS | None = None):
        self.mcs = mcs
        self.payloads: dict[tuple, bytes] = {}  # by image and budget: source coding is the costly part

    @classmethod
    def from_name(cls, name: str) -> "DigitalCodec | None":
        """The codec djscc-eval names ``name`` ("digital", "digital:16QAM 1/2"); None if
        ``name`` names no digital scheme."""
        if name == NAME:
            return cls()
        if not name.startswith(NAME + ":"):
            return None
        try:
            return cls(by_name(name.removeprefix(NAME + ":")))
        except KeyError as error:
            raise InputError(error.args[0]) from None

    @property
    def adaptive(self) -> bool:
        """True when the MCS is chosen per image by the SNR (and size), not fixed."""
        return self.mcs is None

    @property
    def card(self) -> dict:
        name = NAME if self.adaptive else f"{NAME}:{self.mcs.name}"
        return {"name": name, "parameters": None,
                "scheme": "source coding (AVIF / JPEG) + gr-fec LDPC + QAM, "
                          + ("MCS by the SNR and the image's codewords (measured thresholds and FER)"
                             if self.adaptive else self.mcs.name)}

    def choose(self, snr_db: float, size: tuple[int, int] = (32, 32)) -> MCS:
        """The MCS an image of ``size`` (height, width) goes out with when the encoder is
        told ``snr_db``: its codewords count (link.select)."""
        return self.mcs or link.select(snr_db, codewords(*size)) or TABLE[0]

    def symbols_per_image(self, height: int, width: int) -> int:
        """k, the symbols the bandwidth ratio gives an image (InputError for a size it cannot code)."""
        codewords(height, width)
        return image_symbols(height, width)

    def symbols_sent(self, state: ChannelState, height: int, width: int) -> torch.Tensor:
        """Its whole codewords' symbols: k less the leftover (mcs.codewords)."""
        return torch.full(state.snr_db.shape, codewords(height, width) * SYMBOLS)

    def encode(self, images: torch.Tensor, state: ChannelState) -> torch.Tensor:
        """(B, 3, H, W) float in [0, 1] -> (B, codewords * 256) complex64 symbols at unit power."""
        size, rows = tuple(images.shape[-2:]), []
        for pixels, snr in zip(to_pixels(images.cpu()), state.snr_db.tolist()):
            mcs = self.choose(snr, size)
            rows.append(link.payload_to_symbols(self.payload(pixels, link.image_budget(mcs, size)), mcs))
        return torch.from_numpy(np.stack(rows))

    def payload(self, pixels: np.ndarray, budget: int) -> bytes:
        """The image's source code at ``budget`` bytes, coded once per image and budget."""
        key = (hashlib.sha1(pixels.tobytes()).digest(), pixels.shape, budget)
        if key not in self.payloads:
            self.payloads[key] = source.encode(pixels, budget)
        return self.payloads[key]

    def decode(self, received: torch.Tensor, state: ChannelState, image_size: tuple[int, int]) -> torch.Tensor:
        """(B, codewords * 256) equalized symbols -> (B, 3, H, W) float; mid gray where a
        codeword failed."""
        size = tuple(image_size)
        noise_var = 10.0 ** (-state.effective_snr_db.double() / 10.0)
        images = [link.receive(symbols, var, self.choose(snr, size), size).image
                  for symbols, var, snr in zip(received.cpu().numpy(), noise_var.tolist(), state.snr_db.tolist())]
        return to_float(torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2)).to(received.device)


def capacity_images(pixels: np.ndarray, snr_db: float) -> np.ndarray:
    """uint8 (B, H, W, 3) -> what the codec gives at the AWGN capacity's budget of the
    image's k symbols, error-free."""
    size = pixels.shape[1:3]
    budget = link.capacity_budget(snr_db, image_symbols(*size))
    decoded = [source.decode(source.encode(image, budget), size) for image in pixels]
    return np.stack([source.failed_image(size) if image is None else image for image in decoded])
