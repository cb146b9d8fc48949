"""The MCS an image gets by its codewords (link.select on the measured FER table,
digital/fer_awgn.json from benchmarks/mcs_thresholds.py): an image of more codewords never
gets a less robust MCS, a photo just above a one-codeword threshold gets a more robust one,
and the codec, its decoder and the GNU Radio encoder all choose alike."""

import json

import numpy as np
import pytest
import torch

from djscc.blocks import digital_encoder
from djscc.blocks.digital_encoder import MARGIN_DB
from djscc.data import fit_image, load_images
from djscc.digital import link, source
from djscc.digital.codec import DigitalCodec
from djscc.digital.mcs import TABLE, by_name, codewords
from djscc.metrics import channels_first, to_float, to_pixels
from djscc.nn.channels import ChannelState

SNRS = np.arange(-6.0, 26.0, 0.25)


def budget(mcs):
    return 0 if mcs is None else mcs.budget


def test_the_fer_table_loads_covers_every_mcs_and_falls_with_the_snr():
    table = link.fer_table()
    assert set(table) == {m.name for m in TABLE}
    for name, (snr, fer) in table.items():
        assert len(snr) >= 3 and np.all(np.diff(snr) > 0), name
        assert np.all((fer > 0) & (fer <= 1)) and np.all(np.diff(fer) <= 0), name
        assert fer[0] >= 0.5 and fer[-1] < 1e-2, name  # from where most fail to where few do


def test_the_raw_counts_are_counts():
    for rows in json.loads(link.FER_TABLE.read_text())["mcs"].values():
        assert all(0 <= u <= e <= c for u, e, c in zip(rows["undetected"], rows["errors"], rows["codewords"]))


def test_fer_interpolates_in_log_domain_and_is_conservative_below_the_grid():
    mcs = by_name("16QAM 1/2")
    snr, fer = link.fer_table()[mcs.name]
    assert link.codeword_error_rate(mcs, snr[0] - 0.5) == 1.0
    assert link.codeword_error_rate(mcs, snr[-1] + 10) == pytest.approx(fer[-1])
    middle = (snr[1] + snr[2]) / 2
    assert link.codeword_error_rate(mcs, middle) == pytest.approx(np.sqrt(fer[1] * fer[2]))
    rates = [link.image_error_rate(mcs, snr[2], n) for n in (1, 16, 244)]
    assert rates == sorted(rates) and rates[0] == pytest.approx(fer[2])


def test_more_codewords_never_get_a_less_robust_mcs():
    for snr in SNRS:
        chosen = [link.select(snr, n) for n in (1, 2, 16, 244)]
        assert [budget(m) for m in chosen] == sorted((budget(m) for m in chosen), reverse=True), snr
        for mcs, n in zip(chosen[1:], (2, 16, 244)):
            assert mcs is None or link.image_error_rate(mcs, snr, n) <= link.IMAGE_ERROR_TARGET


def test_just_above_a_one_codeword_threshold_a_photo_gets_a_more_robust_mcs():
    for name in ("QPSK 3/4", "16QAM 2/3", "64QAM 2/3"):
        snr = link.THRESHOLDS_DB[name] + 0.1
        one = link.select(snr)
        assert one.name == name or one.budget >= by_name(name).budget
        assert budget(link.select(snr, 244)) < one.budget, name
        assert budget(link.select(snr, 244)) <= budget(link.select(snr, 16)) <= one.budget


def test_one_codeword_keeps_the_thresholds_choice():
    for snr in SNRS:
        fitting = [m for m in TABLE if link.THRESHOLDS_DB[m.name] is not None and link.THRESHOLDS_DB[m.name] <= snr]
        assert budget(link.select(snr)) == max((m.budget for m in fitting), default=0)
        assert link.select(snr, 1) == link.select(snr)


def test_the_codec_encoder_and_decoder_choose_by_the_image_size():
    codec = DigitalCodec()
    for snr in (0.0, 5.0, 10.0, 15.0, 20.0):
        for size in ((32, 32), (128, 128), (500, 500)):
            assert codec.choose(snr, size) == (link.select(snr, codewords(*size)) or TABLE[0])
    block = digital_encoder(snr_db=10.0)
    assert block.mcs(128, 128) == (link.select(10.0 - MARGIN_DB, 16) or TABLE[0])
    assert block.mcs() == (link.select(10.0 - MARGIN_DB) or TABLE[0])
    assert digital_encoder(mcs="QPSK 1/2").mcs(500, 500).name == "QPSK 1/2"


def test_the_codec_decodes_a_photo_with_the_mcs_it_encoded_with():
    # 5 dB: one codeword's thresholds allow QPSK 3/4 (FER 2.6 %); a 128x128 image's 16 need more robustness
    codec, snr, size = DigitalCodec(), 5.0, (128, 128)
    mcs = codec.choose(snr, size)
    assert mcs.budget < codec.choose(snr, (32, 32)).budget
    pixels = fit_image(load_images("samples-kodak").images[0], 128, "crop")
    state = ChannelState.awgn(torch.tensor([snr]))
    symbols = codec.encode(to_float(channels_first(pixels[None])), state)
    assert symbols.shape == (1, 16 * 256)
    decoded = to_pixels(codec.decode(symbols, state, size))[0]  # noiseless: the codec's own image
    assert np.array_equal(decoded, source.decode(source.encode(pixels, link.image_budget(mcs, size)), size))
