"""The burst receiver on real radios' impairments, made by GNU Radio's own channel blocks:
a HackRF pair's carrier offset, clock offset, an echo, IQ imbalance, a DC offset."""

import numpy as np
import pytest
from gnuradio import blocks, channels, gr

from djscc.blocks import dc_blocker
from djscc.phy.frame import FrameFormat, Header
from djscc.phy.receiver import BurstReceiver
from djscc.phy.transmitter import modulate

SNR_DB = 15.0
# name: (channel_model arguments, blocks after it, SINR it may cost, estimate tolerance)
IMPAIRMENTS = {
    "cfo +100 kHz at 2 Msps": ({"frequency_offset": 0.05}, [], 0.5, 0.5),
    "cfo -100 kHz at 2 Msps": ({"frequency_offset": -0.05}, [], 0.5, 0.5),
    "clock +100 ppm": ({"epsilon": 1 + 100e-6}, [], 0.5, 0.5),
    # a linear equalizer's noise enhancement on 1 + 0.5 D^2: ~1.25 dB even when ideal
    "echo 0.5 two symbols late": ({"taps": [1, 0, 0, 0, 0, 0, 0, 0, 0.5]}, [], 2.0, 0.5),
    # the widely linear equalizer's SINR is over-estimated by up to 0.8 dB: a known limit
    # (issue 12's note); the header's real chips leave its image taps poorly trained
    "iq imbalance 1 dB 5 deg": ({}, [lambda: channels.iqbal_gen(1.0, 5.0, 0)], 1.0, 0.8),
    "dc +12 dBc": ({}, [lambda: blocks.add_const_cc(0.5 * 10 ** (12 / 20) * np.exp(1j))], 0.5, 0.5),
}


@pytest.mark.parametrize("name", IMPAIRMENTS)
def test_frames_of_16_images_arrive_with_the_sinr_the_receiver_says(name):
    arguments, after, cost_db, tolerance_db = IMPAIRMENTS[name]
    rng, fmt = np.random.default_rng(1), FrameFormat()
    sent = ((rng.standard_normal((2, 16 * 256)) + 1j * rng.standard_normal((2, 16 * 256))) / np.sqrt(2))
    stream = [np.zeros(150000, np.complex64)]  # the DC blocker settles (9 time constants)
    for counter, payload in enumerate(sent):
        stream += [modulate(Header(counter, 1, 16, 256), payload, fmt), np.zeros(3000, np.complex64)]
    top = gr.top_block()
    source, sink = blocks.vector_source_c(np.concatenate(stream).tolist()), blocks.vector_sink_c()
    chain = [channels.channel_model(**{"noise_voltage": 10 ** (-SNR_DB / 20), "noise_seed": 3, **arguments}),
             *(make() for make in after), dc_blocker()]
    top.connect(source, *chain, sink)
    top.run()
    receiver = BurstReceiver(fmt)
    frames = receiver.process(np.asarray(sink.data(), np.complex64)) + receiver.flush()
    assert [f.header.counter for f in frames] == [0, 1]
    for frame in frames:
        sinr = -10 * np.log10(np.mean(np.abs(frame.payload - sent[frame.header.counter]) ** 2))
        assert sinr > SNR_DB - cost_db
        assert frame.snr_db == pytest.approx(sinr, abs=tolerance_db)
        last_image = np.mean(np.abs(frame.payload[-256:] - sent[frame.header.counter][-256:]) ** 2)
        assert -10 * np.log10(last_image) > sinr - 1.0  # tracked to the frame's end


def test_a_frame_of_15_photos_is_tracked_through_a_clock_offset():
    """61,440 symbols (15 images of 128x128) at -80 ppm: the coarse-to-fine clock search finds
    the offset, and the frame's last image is received as well as the whole."""
    rng, fmt = np.random.default_rng(2), FrameFormat()
    sent = ((rng.standard_normal(15 * 4096) + 1j * rng.standard_normal(15 * 4096)) / np.sqrt(2))
    burst = modulate(Header(0, 1, 15, 4096), sent, fmt)
    top = gr.top_block()
    stream = np.concatenate([np.zeros(5000, np.complex64), burst, np.zeros(5000, np.complex64)])
    source, sink = blocks.vector_source_c(stream.tolist()), blocks.vector_sink_c()
    top.connect(source, channels.channel_model(noise_voltage=10 ** (-SNR_DB / 20), epsilon=1 - 80e-6,
                                               frequency_offset=1e-3, noise_seed=4), sink)
    top.run()
    receiver = BurstReceiver(fmt)
    (frame,) = receiver.process(np.asarray(sink.data(), np.complex64)) + receiver.flush()
    assert frame.clock_offset == pytest.approx(80e-6, abs=1e-6)  # the receiver's clock runs fast
    error = np.abs(frame.payload - sent) ** 2
    assert -10 * np.log10(error[-4096:].mean()) > -10 * np.log10(error.mean()) - 0.5
