"""The digital link as a codec of the evaluation: the same encode/channel/decode interface
as the neural codecs (djscc.nn.codec.ChannelCodec), so djscc-eval measures it on the same
images, SNR grid and noise draws and one table and one plot hold both.

``DigitalCodec(None)`` is the digital scheme as the product runs it: the MCS chosen from the
SNR the encoder is told (link.select, the measured thresholds; the most robust below them);
``DigitalCodec(mcs)`` one fixed MCS, the cliff. The decoder computes the same choice from the
channel state's average SNR (a real receiver reads it from the header) and the LLRs' noise
variance from the effective SNR, so Rayleigh fading with zero-forcing is handled too.
``capacity_images`` is the bound: the codec at floor(k log2(1 + SNR) / 8) bytes, error-free.
"""

import hashlib

import numpy as np
import torch

from djscc.digital import link, source
from djscc.digital.mcs import MCS, SYMBOLS, TABLE, by_name
from djscc.errors import InputError
from djscc.metrics import to_float, to_pixels
from djscc.nn.channels import ChannelState

NAME = "digital"  # djscc-eval's name of the adaptive scheme; "digital:<MCS>" a fixed one


class DigitalCodec:
    """Source coding (djscc.digital.source) + gr-fec LDPC + QAM in k = 256 symbols a 32x32 image."""

    def __init__(self, mcs: MCS | None = None):
        self.mcs = mcs
        self.payloads: dict[tuple[bytes, int], bytes] = {}  # source coding is the costly part

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
    def card(self) -> dict:
        name = NAME if self.mcs is None else f"{NAME}:{self.mcs.name}"
        return {"name": name, "parameters": None,
                "scheme": "source coding (AVIF / JPEG) + gr-fec LDPC + QAM, "
                          + ("MCS by the SNR (measured thresholds)" if self.mcs is None else self.mcs.name)}

    def choose(self, snr_db: float) -> MCS:
        """The MCS an image goes out with when the encoder is told ``snr_db``."""
        return self.mcs or link.select(snr_db) or TABLE[0]

    def symbols_per_image(self, height: int, width: int) -> int:
        check_size(height, width)
        return SYMBOLS

    def symbols_sent(self, state: ChannelState, height: int, width: int) -> torch.Tensor:
        return torch.full(state.snr_db.shape, self.symbols_per_image(height, width))

    def encode(self, images: torch.Tensor, state: ChannelState) -> torch.Tensor:
        """(B, 3, 32, 32) float in [0, 1] -> (B, 256) complex64 symbols at unit power."""
        self.symbols_per_image(*images.shape[-2:])
        rows = []
        for pixels, snr in zip(to_pixels(images.cpu()), state.snr_db.tolist()):
            mcs = self.choose(snr)
            rows.append(link.payload_to_symbols(self.payload(pixels, mcs), mcs))
        return torch.from_numpy(np.stack(rows))

    def payload(self, pixels: np.ndarray, mcs: MCS) -> bytes:
        """The image's source code at the MCS's budget, coded once per image and budget."""
        key = (hashlib.sha1(pixels.tobytes()).digest(), mcs.budget)
        if key not in self.payloads:
            self.payloads[key] = source.encode(pixels, mcs.budget)
        return self.payloads[key]

    def decode(self, received: torch.Tensor, state: ChannelState, image_size: tuple[int, int]) -> torch.Tensor:
        """(B, 256) equalized symbols -> (B, 3, 32, 32) float; mid gray for a failed codeword."""
        self.symbols_per_image(*image_size)
        noise_var = 10.0 ** (-state.effective_snr_db.double() / 10.0)
        images = [link.receive(symbols, var, self.choose(snr)).image
                  for symbols, var, snr in zip(received.cpu().numpy(), noise_var.tolist(), state.snr_db.tolist())]
        return to_float(torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2)).to(received.device)


def capacity_images(pixels: np.ndarray, snr_db: float) -> np.ndarray:
    """uint8 (B, 32, 32, 3) -> what the codec gives at the AWGN capacity's budget, error-free."""
    budget = link.capacity_budget(snr_db)
    decoded = [source.decode(source.encode(image, budget)) for image in pixels]
    return np.stack([source.failed_image() if image is None else image for image in decoded])


def check_size(height: int, width: int) -> None:
    if (height, width) != (source.SIZE, source.SIZE):
        raise InputError(f"the digital scheme codes {source.SIZE}x{source.SIZE} images, not {height}x{width}")
