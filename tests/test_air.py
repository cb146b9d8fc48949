"""What other people's bursts do to the receiver, on the GNU Radio runtime: frames whose
header passes the CRC with fields of no real transmitter, bursts cut short, overlapping
bursts. The receiver never raises, counts them, and still decodes every good frame."""

import numpy as np
from gnuradio import blocks, gr

from djscc.blocks import burst_receiver, pdu
from djscc.phy.frame import FrameFormat, Header, spread_header
from djscc.phy.impair import impair
from djscc.phy.pulse import rrc_taps, shape
from djscc.phy.transmitter import modulate

FMT = FrameFormat()
TAPS = rrc_taps(FMT.sps, FMT.rolloff, FMT.filter_span)


def payload(rng, count):
    return ((rng.standard_normal(count) + 1j * rng.standard_normal(count)) / np.sqrt(2)).astype(np.complex64)


def foreign_burst(rng) -> np.ndarray:
    """A real preamble, a header with random fields and a good CRC, then what its sender
    really sent: 0 to 2,000 random symbols, whatever the header claims."""
    claimed = Header(int(rng.integers(65536)), int(rng.integers(256)), int(rng.integers(256)),
                     int(rng.integers(65536)))
    symbols = np.concatenate([FMT.preamble, spread_header(claimed, FMT), payload(rng, int(rng.integers(0, 2000)))])
    return shape(symbols, FMT.sps, TAPS)


def run(samples: np.ndarray):
    """The burst receiver block on ``samples``: (frame PDUs' meta, stats)."""
    top = gr.top_block()
    source, receiver, debug = blocks.vector_source_c(samples.tolist()), burst_receiver(sample_rate=2e6), \
        blocks.message_debug()
    top.connect(source, receiver)
    top.msg_connect(receiver, "frames", debug, "store")
    top.run()
    metas = [pdu.parse(debug.get_message(i), np.complex64)[0] for i in range(debug.num_messages())]
    return metas, receiver.stats()


def test_random_valid_crc_headers_among_good_frames_hide_none_of_them():
    rng = np.random.default_rng(1)
    bursts, good = [], []
    for index in range(60):
        if index % 2:
            bursts.append(foreign_burst(rng))
        else:
            header = Header(index, 9, 2, 256)
            good.append(index)
            bursts.append(modulate(header, payload(rng, 512), FMT))
        bursts.append(np.zeros(int(rng.integers(200, 1500)), np.complex64))
    samples = impair(np.concatenate(bursts), 20.0, rng, lead=1000, tail=2000)
    metas, stats = run(samples)
    assert [m["counter"] for m in metas if m["model_id"] == 9 and m["images"] == 2
            and m["symbols_per_image"] == 256] == good
    assert stats["internal_errors"] == 0
    assert stats["bad_headers"] + stats["bad_payloads"] + stats["frames"] - len(good) >= 20  # most foreign ones counted


def test_a_burst_cut_short_does_not_swallow_the_next_frame():
    rng = np.random.default_rng(2)
    first = modulate(Header(0, 9, 16, 256), payload(rng, 16 * 256), FMT)
    second = modulate(Header(16, 9, 2, 256), payload(rng, 512), FMT)
    cut = first[: int(0.8 * len(first))]  # the sender stopped at 80 %; the next one followed at once
    metas, stats = run(impair(np.concatenate([cut, np.zeros(300, np.complex64), second]), 15.0, rng,
                              lead=1000, tail=3000))
    assert 16 in [m["counter"] for m in metas]
    cut_frames = [m for m in metas if m["counter"] == 0]
    if cut_frames:  # delivered: its images after the cut say they hold nothing
        assert min(cut_frames[0]["image_snr_db"]) < 0 < max(cut_frames[0]["image_snr_db"]) - 10


def test_overlapping_bursts_both_found():
    rng = np.random.default_rng(3)
    first = modulate(Header(0, 9, 8, 256), payload(rng, 8 * 256), FMT)
    second = modulate(Header(8, 9, 2, 256), payload(rng, 512), FMT)
    stream = np.zeros(len(first) + len(second), np.complex64)
    stream[: len(first)] += first
    start = int(0.7 * len(first))  # a second sender starts inside the first burst, 6 dB stronger
    stream[start: start + len(second)] += 2 * second
    metas, stats = run(impair(stream, 20.0, rng, lead=1000, tail=3000))
    assert 8 in [m["counter"] for m in metas] and stats["internal_errors"] == 0
