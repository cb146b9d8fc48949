"""The digital baseline through the GNU Radio chain: the same transmitter and receiver
blocks and frames as the neural codec, the MCS in the header's model id, every codeword's
fate counted, and the cliff a fixed MCS falls off."""

import json
import subprocess
import sys
from pathlib import Path

import pmt
import pytest
from gnuradio import channels

from djscc.blocks import receiver, transmitter
from djscc.digital import mcs as mcs_table
from djscc.errors import InputError
from djscc.nn import zoo

from test_transceiver import run_link


def through_the_channel(snr_db, mcs, count=8):
    tx = transmitter(scheme="digital", mcs=mcs, snr_db=snr_db, images_per_frame=4)
    rx = receiver(scheme="digital", sample_rate=2e6)
    channel = channels.channel_model(noise_voltage=10 ** (-snr_db / 20), frequency_offset=1e-3,
                                     epsilon=1 + 20e-6, noise_seed=5)
    return run_link(tx, rx, count, [channel]).summary(), rx.decoders["digital"].counts


def test_adaptive_mcs_delivers_every_image_above_its_threshold():
    summary, counts = through_the_channel(15.0, "adaptive")
    assert summary["received"] == 8 and counts["ok"] == 8
    assert summary["mean_psnr_db"] > 24


def test_a_fixed_mcs_below_its_threshold_falls_off_the_cliff_and_says_so():
    summary, counts = through_the_channel(5.0, "64QAM 5/6")  # needs 18 dB
    assert summary["received"] == 8  # mid-gray images, as a real receiver shows nothing better
    assert counts["codeword failed"] == 8 and counts["ok"] == 0
    assert summary["mean_psnr_db"] < 15


def test_digital_and_neural_header_ids_never_meet():
    ids = {zoo.model_id(zoo.load(name)[1]) for name in zoo.shipped()}
    assert not ids & {mcs_table.header_id(m) for m in mcs_table.TABLE}
    assert all(mcs_table.by_header_id(mcs_table.header_id(m)) == m for m in mcs_table.TABLE)
    assert mcs_table.by_header_id(min(ids)) is None


def test_unknown_scheme_or_mcs_is_one_clear_error():
    with pytest.raises(InputError, match="scheme"):
        transmitter(scheme="analog")
    with pytest.raises(InputError, match="MCS"):
        transmitter(scheme="digital", mcs="8PSK 1/2")


def test_loopback_sends_every_image_in_both_schemes_over_one_channel(tmp_path):
    loopback = Path(__file__).resolve().parents[1] / "flowgraphs" / "loopback.py"
    result = subprocess.run([sys.executable, str(loopback), "--scheme", "both", "--snr-db", "15",
                             "--num-images", "4", "--out-dir", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    neural, digital = summary["schemes"]["djscc"], summary["schemes"]["digital"]
    # the digital frame goes last: its images arriving shows the run waits for both decoders
    assert neural["received"] == digital["received"] == 4 and summary["received"] == 8
    assert neural["mean_psnr_db"] > 24 and digital["mean_psnr_db"] > 24
    assert "djscc summary: 4/4" in result.stdout and "digital summary: 4/4" in result.stdout
    assert (tmp_path / "mosaic.png").stat().st_size > 5000


def test_the_scheme_decoder_counts_what_neither_scheme_sent():
    rx = receiver(scheme="both", sample_rate=2e6)
    stranger = pmt.cons(pmt.to_pmt({"model_id": 0, "images": 1, "symbols_per_image": 256}),
                        pmt.init_c32vector(256, [0j] * 256))
    for message in (stranger, pmt.intern("not a PDU")):
        rx.decoder.handle(message)  # never raises
    counts = rx.stats()
    assert counts["djscc_decoder"]["unknown_model"] == 1 and counts["djscc_decoder"]["bad_pdu"] == 1
    assert counts["digital_decoder"]["frames"] == 0
