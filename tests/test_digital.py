"""The digital baseline (djscc.digital): source codec, gr-fec LDPC, QAM LLRs, the link."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from djscc.data import load_images
from djscc.digital import ldpc, link, modulation, source
from djscc.digital.mcs import CHECK_BYTES, SYMBOLS, TABLE, by_name


@pytest.fixture(scope="module")
def images():
    return load_images("samples").images[:8]


def psnr(a, b):
    return 10 * np.log10(255.0**2 / np.mean((a.astype(float) - b) ** 2))


def test_source_fills_the_budget_and_quality_grows_with_it(images):
    means = []
    for budget in (16, 48, 160):
        decoded = []
        for image in images:
            payload = source.encode(image, budget)
            assert len(payload) == budget
            out = source.decode(payload, (32, 32))
            assert out is not None and out.shape == (32, 32, 3)
            decoded.append(psnr(image, out))
        means.append(np.mean(decoded))
    assert means[0] > 17 and means[0] < means[1] < means[2]
    assert source.codec_of(source.encode(images[0], 16)) == "jpeg-half"


@pytest.mark.skipif("avif" not in source.CODECS, reason="Pillow without AVIF")
def test_stripped_avif_decodes_to_the_full_files_pixels(images):
    picture = Image.fromarray(images[1])
    full = source._avif_bytes(picture, 40)
    payload = b"\0" + source._avif_payload(full)
    assert len(payload) < len(full) - 250  # the container and sequence header stay home
    expected = np.asarray(Image.open(io.BytesIO(full)).convert("RGB"))
    np.testing.assert_array_equal(source.decode(payload.ljust(len(payload) + 9, b"\0"), (32, 32)), expected)


def test_bad_payloads_decode_to_none_never_raise(images):
    assert source.decode(bytes(64), (32, 32)) is None  # nothing fitted: all zero
    assert source.decode(bytes([250]) + bytes(range(1, 64)), (32, 32)) is None  # a tag no codec uses
    good = source.encode(images[0], 96)
    rng = np.random.default_rng(0)
    for _ in range(30):
        broken = bytearray(good)
        broken[1 + rng.integers(len(good) - 1)] ^= 1 << int(rng.integers(8))
        out = source.decode(bytes(broken[:rng.integers(2, len(good))]), (32, 32))
        assert out is None or out.shape == (32, 32, 3)


@pytest.mark.parametrize("bits_per_symbol", [2, 4, 6])
def test_llr_signs_match_the_bits_without_noise(bits_per_symbol):
    bits = np.random.default_rng(1).integers(0, 2, 600 * bits_per_symbol).astype(np.uint8)
    symbols = modulation.modulate(bits, bits_per_symbol)
    assert np.mean(np.abs(modulation.constellation(bits_per_symbol)[0]) ** 2) == pytest.approx(1, abs=1e-6)
    np.testing.assert_array_equal(modulation.llr(symbols, 1e-2, bits_per_symbol) < 0, bits == 1)


def test_qpsk_llr_scale_is_exact():
    received = np.array([0.3 + 0.1j, -0.2 - 0.5j], np.complex64)
    noise_var = 0.7
    # Gray QPSK, bit 0 -> -1/sqrt(2) on each axis: LLR = -2 sqrt(2) y / N0
    expected = -2 * np.sqrt(2) / noise_var * np.array([[z.real, z.imag] for z in received]).reshape(-1)
    np.testing.assert_allclose(modulation.llr(received, noise_var, 2), expected, rtol=1e-5)


@pytest.mark.parametrize("bits_per_symbol, snr_db", [(4, 8.0), (6, 14.0)])
def test_llrs_are_calibrated(bits_per_symbol, snr_db):
    """Among bits whose |LLR| is near L, the sign is right with probability 1 / (1 + e^-L):
    an LLR off by a factor fails this."""
    rng = np.random.default_rng(2)
    bits = rng.integers(0, 2, 60000 * bits_per_symbol).astype(np.uint8)
    received, noise_var = link.awgn(modulation.modulate(bits, bits_per_symbol), snr_db, rng)
    llr = modulation.llr(received, noise_var, bits_per_symbol)
    right = (llr < 0) == (bits == 1)
    for low in (0.5, 1.0, 2.0):
        chosen = (np.abs(llr) >= low) & (np.abs(llr) < low + 0.5)
        predicted = np.mean(1 / (1 + np.exp(-np.abs(llr[chosen]))))
        assert chosen.sum() > 2000 and right[chosen].mean() == pytest.approx(predicted, abs=0.025)


def test_interleaver_round_trip():
    values = np.arange(1024)
    assert not np.array_equal(modulation.interleave(values), values)
    np.testing.assert_array_equal(modulation.deinterleave(modulation.interleave(values)), values)


def read_alist(path):
    lines = path.read_text().split("\n")
    n, m = map(int, lines[0].split())
    checks = np.zeros((m, n), np.uint8)
    for j in range(n):
        for c in map(int, lines[4 + j].split()):
            if c:
                checks[c - 1, j] = 1
    return checks


@pytest.mark.parametrize("name", ["QPSK 1/4", "16QAM 2/3", "64QAM 5/6"])
def test_gr_fec_encodes_codewords_of_the_shipped_matrix(name):
    mcs = by_name(name)
    code = ldpc.code(mcs.coded_bits, mcs.info_bits)
    checks = read_alist(ldpc.alist_path(mcs.coded_bits, mcs.info_bits))
    assert checks.shape == (mcs.coded_bits - mcs.info_bits, mcs.coded_bits)
    bits = np.random.default_rng(3).integers(0, 2, mcs.info_bits).astype(np.uint8)
    word = code.encode(bits)
    assert not (checks @ word % 2).any()
    llr = np.where(word == 0, 5.0, -5.0)
    decoded, ok = code.decode(llr)
    assert ok and np.array_equal(decoded, bits)  # LLR > 0 means bit 0 (ldpc.py's convention)


def test_gr_fec_breaking_down_to_the_all_zero_codeword_is_decoded_again():
    """A QPSK 1/4 codeword received 1 dB above the code's threshold (tests/data: its LLRs,
    codeword 175 of a seeded run) on which gr-fec 3.10 alone returns the all-zero codeword
    (a floor near 1e-3; a 500x500 photo lost one time in five): ldpc.py decodes it again on
    its LLRs halved. No payload's codeword is all zeros, so none is decoded twice."""
    case = np.load(Path(__file__).parent / "data" / "ldpc_breakdown_qpsk_1-4.npz")
    mcs = by_name("QPSK 1/4")
    bits, ok = ldpc.code(mcs.coded_bits, mcs.info_bits).decode(case["llr"])
    payload = case["payload"].tobytes()
    assert ok and np.packbits(bits).tobytes() == payload + link.check_byte(payload)
    assert all(link.check_byte(bytes(m.budget)) != bytes(CHECK_BYTES) for m in TABLE)


def test_every_mcs_fills_256_symbols_with_one_codeword():
    assert len(TABLE) == 18 and len({m.index for m in TABLE}) == 18
    for mcs in TABLE:
        assert mcs.coded_bits == SYMBOLS * mcs.bits_per_symbol
        assert (mcs.budget + CHECK_BYTES) * 8 == mcs.info_bits <= mcs.coded_bits * mcs.rate
        assert ldpc.alist_path(mcs.coded_bits, mcs.info_bits).exists()


def test_image_round_trip_and_a_failed_codeword_is_counted(images):
    mcs = by_name("QPSK 5/6")
    rng = np.random.default_rng(4)
    symbols = link.send(images[2], mcs)
    assert symbols.shape == (SYMBOLS,) and symbols.dtype == np.complex64
    good = link.receive(*link.awgn(symbols, 20.0, rng), mcs, (32, 32))
    assert good.status == "ok"
    np.testing.assert_array_equal(good.image, source.decode(source.encode(images[2], mcs.budget), (32, 32)))
    bad = link.receive(*link.awgn(symbols, 0.0, rng), mcs, (32, 32))
    assert bad.status == "codeword failed" and bad.payload is None
    np.testing.assert_array_equal(bad.image, source.failed_image((32, 32)))


def test_a_valid_codeword_with_a_wrong_check_byte_is_a_failed_one(images):
    """What the LDPC decoder cannot see (it converged to another codeword) the check byte does."""
    mcs = by_name("16QAM 1/2")
    payload = source.encode(images[1], mcs.budget)
    wrong = payload + bytes([link.check_byte(payload)[0] ^ 0x5A])
    coded = ldpc.code(mcs.coded_bits, mcs.info_bits).encode(np.unpackbits(np.frombuffer(wrong, np.uint8)))
    symbols = modulation.modulate(modulation.interleave(coded), mcs.bits_per_symbol)
    assert link.receive(symbols, 1e-3, mcs, (32, 32)).status == "codeword failed"
    assert link.receive(link.payload_to_symbols(payload, mcs), 1e-3, mcs, (32, 32)).status == "ok"


def test_the_cliff(images):
    """QPSK 1/2 (threshold near 3 dB): every codeword fails at 0 dB, none at 6 dB, where the
    image is the codec's own."""
    mcs, rng = by_name("QPSK 1/2"), np.random.default_rng(5)
    below, above = [], []
    for image in images:
        symbols, expected = link.send(image, mcs), source.decode(source.encode(image, mcs.budget), (32, 32))
        below.append(link.receive(*link.awgn(symbols, 0.0, rng), mcs, (32, 32)))
        above.append(link.receive(*link.awgn(symbols, 6.0, rng), mcs, (32, 32)))
        assert above[-1].status == "ok" and np.array_equal(above[-1].image, expected)
    assert sum(r.status == "codeword failed" for r in below) >= len(images) - 1
    psnr_below = np.mean([psnr(i, r.image) for i, r in zip(images, below)])
    psnr_above = np.mean([psnr(i, r.image) for i, r in zip(images, above)])
    assert psnr_above > 19 and psnr_below < psnr_above - 5


def test_selection_and_capacity_budget():
    assert link.capacity_budget(0.0, 256) == 32 and link.capacity_budget(20.0, 256) == 213
    assert link.capacity_budget(10.0, 62_500) == 27_026  # k of a 500x500 image: 62,500 log2(11) / 8
    thresholds = {"QPSK 1/4": -1.0, "QPSK 1/2": 3.0, "16QAM 1/4": 3.0, "64QAM 5/6": None}
    assert link.select(-5.0, thresholds=thresholds) is None
    assert link.select(0.0, thresholds=thresholds).name == "QPSK 1/4"
    assert link.select(3.5, thresholds=thresholds).name in ("QPSK 1/2", "16QAM 1/4")  # both 31 bytes
    assert link.select(25.0, thresholds=thresholds).budget == 31


def test_the_measured_thresholds_pick_a_larger_budget_as_the_snr_grows():
    assert set(link.THRESHOLDS_DB) == {m.name for m in TABLE}
    budgets = [link.select(s).budget for s in range(0, 21)]
    assert budgets == sorted(budgets) and budgets[0] < budgets[-1] == by_name("64QAM 5/6").budget
