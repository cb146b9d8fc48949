"""The transmitter and receiver hierarchical blocks on the real runtime, around GNU Radio's
own channel model: images in, images out, one model id from the card at both ends."""

import numpy as np
import pytest
from gnuradio import blocks, channels, gr

from djscc import captures
from djscc.blocks import image_sink, pdu, receiver, transmitter
from djscc.data import load_images
from djscc.nn import zoo

from gr_harness import PduInjector

SAMPLES = load_images("samples").images


def image_pdus(count):
    return [pdu.make({"image_id": i, "height": 32, "width": 32}, SAMPLES[i]) for i in range(count)]


def run_link(tx, rx, count, channel, extra=()):
    """Images 0..count-1 through tx -> channel -> rx; the image sink that measured them."""
    top = gr.top_block()
    messages = image_pdus(count) + [pdu.end_of_stream()]
    injector, sink = PduInjector(messages), image_sink(quiet=True, idle_timeout=5.0)
    for message in messages:
        sink.handle_sent(message)
    top.msg_connect(injector, "out", tx, "images")
    top.connect(tx, *channel, rx)
    top.msg_connect(rx, "images", sink, "images")
    for block in extra:
        block(top)
    top.start()
    sink.wait_until_done(timeout=60)
    top.stop()
    top.wait()
    return sink


@pytest.mark.parametrize("dc_block", [True, False])
def test_images_cross_gnu_radios_channel_model(tiny_model_path, dc_block):
    tx = transmitter(model=str(tiny_model_path), images_per_frame=3)
    rx = receiver(model=str(tiny_model_path), sample_rate=1e6, dc_block=dc_block)
    channel = channels.channel_model(noise_voltage=10 ** (-15 / 20), frequency_offset=1e-3,
                                     epsilon=1 + 20e-6, taps=[0.8j], noise_seed=5)
    sink = run_link(tx, rx, 7, [channel])
    summary = sink.summary()
    assert summary["received"] == summary["sent"] == 7  # frames of 3, 3 and 1
    assert summary["mean_snr_est_db"] == pytest.approx(15 + 20 * np.log10(0.8), abs=0.7)
    assert rx.stats()["frames"] == 3 and rx.stats()["decoder"]["images"] == 7


def test_the_header_carries_the_cards_model_id_and_another_model_is_dropped(tmp_path, tiny_model_path):
    other = tmp_path / "other"
    zoo.save(zoo.build("da-djscc"), other, {"name": "other"})
    tx = transmitter(model=str(tiny_model_path), images_per_frame=2)
    rx = receiver(model=str(other), sample_rate=1e6)
    assert tx.encoders[0].model_id == zoo.model_id({"name": "tiny"}) != rx.decoders["djscc"].model_id
    sink = run_link(tx, rx, 2, [blocks.copy(gr.sizeof_gr_complex)])
    assert sink.summary()["received"] == 0
    assert rx.stats()["frames"] == 1 and rx.stats()["decoder"]["unknown_model"] == 1


def test_shipped_models_have_distinct_model_ids():
    ids = [zoo.model_id(zoo.load(name)[1]) for name in zoo.shipped()]
    assert len(set(ids)) == len(ids) and all(1 <= i <= 255 for i in ids)


def test_receiver_records_the_raw_stream_with_annotations_at_the_bursts(tmp_path, tiny_model_path):
    """The capture holds the receiver's input (before its DC blocker), and each annotation
    starts where the burst does in it, the last frames of the stream included."""
    tx = transmitter(model=str(tiny_model_path), images_per_frame=2, gap=3000)
    rx = receiver(model=str(tiny_model_path), sample_rate=1e6, capture_path=str(tmp_path / "cap"))
    raw = blocks.vector_sink_c()
    run_link(tx, rx, 4, [blocks.copy(gr.sizeof_gr_complex)],
             extra=[lambda top: top.connect(tx, raw)])
    samples, _, annotations = captures.read(tmp_path / "cap")
    assert np.array_equal(samples[:len(raw.data())], np.asarray(raw.data(), np.complex64))
    burst_starts = np.flatnonzero(np.diff((np.abs(samples) > 1e-3).astype(int)) == 1) + 1
    assert len(annotations) == 2
    for annotation in annotations:  # the first symbol's pulse begins half a filter span before it
        assert np.min(np.abs(burst_starts - annotation["start"])) <= 20
