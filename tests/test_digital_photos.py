"""The digital baseline on photos: an H x W image gets DA-DJSCC 1/12's k = H*W/4 symbols as
floor(k / 256) codewords, decodes only when every codeword does, and rides the GNU Radio
loopback beside DA-DJSCC at the same size."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from djscc.blocks import digital_decoder
from djscc.data import fit_image, load_images
from djscc.digital import link, source
from djscc.digital.codec import DigitalCodec, capacity_images
from djscc.digital.mcs import SYMBOLS, by_name, codewords
from djscc.errors import InputError
from djscc.metrics import channels_first, to_float, to_pixels
from djscc.nn.channels import AWGNChannel, ChannelState

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def photos():
    """Two 64x64 center crops of the shipped Kodak cut-outs."""
    return np.stack([fit_image(image, 64, "crop") for image in load_images("samples-kodak").images[:2]])


def through_awgn(codec, pixels, snr_db):
    """uint8 (B, H, W, 3) -> the codec's uint8 reconstructions after AWGN at ``snr_db``."""
    snr = torch.full((len(pixels),), float(snr_db))
    symbols = codec.encode(to_float(channels_first(pixels)), ChannelState.awgn(snr))
    received, state = AWGNChannel()(symbols, snr, torch.Generator().manual_seed(0))
    return symbols, to_pixels(codec.decode(received, state, pixels.shape[1:3]))


def test_a_photo_decodes_to_the_codecs_image_at_high_snr(photos):
    mcs = by_name("16QAM 1/2")
    codec = DigitalCodec(mcs)
    symbols, out = through_awgn(codec, photos, 25.0)
    assert codewords(64, 64) == 4 and symbols.shape == (2, 4 * SYMBOLS) == (2, codec.symbols_per_image(64, 64))
    for image, decoded in zip(photos, out):
        expected = source.decode(source.encode(image, 4 * mcs.budget), (64, 64))
        np.testing.assert_array_equal(decoded, expected)


def test_a_non_square_size_and_its_leftover_symbols():
    """36x100: k = 900, three codewords (768 symbols), 132 left over and not sent."""
    image = fit_image(load_images("samples-kodak").images[2], 100, "crop")[32:68]
    codec, state = DigitalCodec(by_name("QPSK 1/2")), ChannelState.awgn(torch.tensor([20.0]))
    assert codec.symbols_per_image(36, 100) == 900 and codec.symbols_sent(state, 36, 100).tolist() == [768]
    symbols, out = through_awgn(codec, image[None], 20.0)
    assert symbols.shape == (1, 768)
    np.testing.assert_array_equal(out[0], source.decode(source.encode(image, 3 * 31), (36, 100)))
    assert capacity_images(image[None], 10.0).shape == (1, 36, 100, 3)


@pytest.mark.skipif("avif" not in source.CODECS, reason="Pillow without AVIF")
def test_the_avif_container_is_rebuilt_byte_for_byte_at_any_size(photos):
    """The receiver's template of the image's size gives back the very file the sender made."""
    for picture in (Image.fromarray(photos[0]), Image.fromarray(photos[1][:36])):
        full = source._avif_bytes(picture, 40)
        template, offsets = source._avif_template(picture.height, picture.width)
        assert source._avif_rebuild(template, offsets, source._avif_payload(full)) == full


def test_one_failed_codeword_loses_the_whole_image(photos):
    mcs = by_name("QPSK 3/4")
    symbols = link.send(photos[0], mcs)
    assert link.receive(symbols, 1e-3, mcs, (64, 64)).status == "ok"
    broken, noise = symbols.copy(), np.random.default_rng(0).standard_normal((2, SYMBOLS))
    broken[2 * SYMBOLS:3 * SYMBOLS] = noise[0] + 1j * noise[1]  # the third of four codewords lost
    reception = link.receive(broken, 1e-3, mcs, (64, 64))
    assert reception.status == "codeword failed" and reception.payload is None
    np.testing.assert_array_equal(reception.image, source.failed_image((64, 64)))


@pytest.mark.parametrize("size, message", [((16, 16), "fewer than one codeword"),
                                           ((16, 60), "fewer than one codeword"),
                                           ((30, 64), "multiples of 4")])
def test_a_size_it_cannot_code_is_one_clear_error(size, message):
    with pytest.raises(InputError, match=message):
        DigitalCodec().symbols_per_image(*size)
    with pytest.raises(InputError, match=message):
        link.send(np.zeros((*size, 3), np.uint8), by_name("QPSK 1/4"))
    if size[0] == size[1]:
        with pytest.raises(InputError, match=message):
            digital_decoder(image_size=size[0])


def test_loopback_delivers_photos_in_both_schemes(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "flowgraphs" / "loopback.py"), "--scheme", "both",
                             "--dataset", "samples-kodak", "--image-size", "64", "--snr-db", "15",
                             "--out-dir", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    neural, digital = summary["schemes"]["djscc"], summary["schemes"]["digital"]
    assert neural["received"] == digital["received"] == 3
    assert neural["mean_psnr_db"] > 22 and digital["mean_psnr_db"] > 22
    assert "digital summary: 3/3" in result.stdout and "rejected" not in result.stderr
    assert result.stdout.count("1024 symbols") == 6  # 64x64: 4 codewords, DA-DJSCC's k
