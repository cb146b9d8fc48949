"""Every GNU Radio block alone, on the real runtime: PDUs in, PDUs out, garbage counted."""

import time

import numpy as np
import pmt
import pytest
import torch
from gnuradio import blocks, channels, gr
from PIL import Image

from djscc.blocks import burst_receiver, burst_source, decoder, encoder, framer, image_sink, image_source, pdu
from djscc.data import load_images
from djscc.errors import InputError
from djscc.phy.frame import FrameFormat
from djscc.phy.receiver import BurstReceiver

from gr_harness import PduInjector, run_message_block

SAMPLES = load_images("samples").images


def image_pdu(image_id):
    image = SAMPLES[image_id]
    return pdu.make({"image_id": image_id, "height": 32, "width": 32}, image)


@pytest.fixture
def model(tiny_model_path):
    return str(tiny_model_path)


@pytest.mark.parametrize("fast", [True, False])  # False: pmt's bindings, where its layout differs
@pytest.mark.parametrize("dtype,maker", [(np.uint8, pmt.init_u8vector), (np.float32, pmt.init_f32vector),
                                         (np.complex64, pmt.init_c32vector)])
@pytest.mark.parametrize("length", [0, 1, 4096, 49152])
def test_pdu_vectors_are_pmts_own(dtype, maker, length, fast, monkeypatch):
    """pdu's vectors cross through pmt's serialized form where this GNU Radio's layout is the
    one it writes (fast for photos): the same PMT as pmt's own constructor, and read back
    exactly, whatever the values; a PDU of another type or none is a ValueError."""
    assert pdu.FAST[np.dtype(dtype)]  # GNU Radio 3.10.5 and later: the fast path is taken
    monkeypatch.setitem(pdu.FAST, np.dtype(dtype), fast)
    rng = np.random.default_rng(length)
    values = rng.standard_normal(length) * 1e3 + (1j * rng.standard_normal(length) if dtype == np.complex64 else 0)
    vector = rng.integers(0, 256, length).astype(np.uint8) if dtype == np.uint8 else values.astype(dtype)
    assert pmt.equal(pdu.to_uvector(vector), maker(length, vector.tolist()))
    assert pmt.equal(pdu.to_uvector(vector.astype(vector.dtype.newbyteorder())), maker(length, vector.tolist()))
    back = pdu.from_uvector(maker(length, vector.tolist()), dtype)
    assert back.dtype == dtype and np.array_equal(back, vector)
    message = pmt.cons(pmt.make_dict(), maker(length, vector.tolist()))
    wrong = np.float32 if dtype != np.float32 else np.uint8
    with pytest.raises(ValueError, match=f"PDU vector is {np.dtype(dtype)}, expected {np.dtype(wrong)}"):
        pdu.parse(message, wrong)
    for garbage in (pmt.intern("abcdefghij"), pmt.PMT_NIL, pmt.make_vector(2, pmt.PMT_T)):
        with pytest.raises(ValueError, match="not a uniform vector"):
            pdu.from_uvector(garbage, dtype)


def test_image_source_sends_images_then_end_of_stream():
    source = image_source("samples", count=3, first=5)
    top = gr.top_block()
    debug = blocks.message_debug()
    top.msg_connect(source, "images", debug, "store")
    top.start()
    deadline = time.monotonic() + 10
    while debug.num_messages() < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    top.stop()
    top.wait()
    messages = [debug.get_message(i) for i in range(debug.num_messages())]
    assert len(messages) == 4 and pdu.is_end_of_stream(messages[-1])
    meta, pixels = pdu.parse(messages[0], np.uint8)
    assert meta["image_id"] == 5 and np.array_equal(pixels.reshape(32, 32, 3), SAMPLES[5])


def test_image_source_fits_photos_of_any_size_to_one(photos):
    """crop: the centered S x S of each photo; resize: the short side scaled to S first, so
    the whole scene; what goes out is what the sink measures against."""
    folder = str(photos)
    originals = load_images(folder).images
    cropped = image_source(folder, count=0, image_size=64, fit="crop").images
    assert np.array_equal(cropped[0], originals[0][43:107, 68:132])
    assert np.array_equal(cropped[1], originals[1][118:182, 58:122])
    resized = image_source(folder, count=0, image_size=64, fit="resize").images
    assert [image.shape for image in resized] == [(64, 64, 3)] * 3
    scene = np.asarray(Image.fromarray(originals[1]).resize((64, 107), Image.Resampling.LANCZOS))[21:85]
    assert np.array_equal(resized[1], scene)
    messages = collect(image_source(folder, count=0, image_size=64, fit="resize"), "images", 4)
    meta, pixels = pdu.parse(messages[1], np.uint8)
    assert (meta["height"], meta["width"]) == (64, 64) and np.array_equal(pixels.reshape(64, 64, 3), resized[1])


@pytest.mark.parametrize("options,message", [
    ({}, "differ in size: give an image_size"),
    ({"image_size": 30}, "multiple of 4"),
    ({"image_size": -4}, "multiple of 4"),
    ({"image_size": 64, "fit": "stretch"}, "fit must be one of"),
    ({"image_size": 160, "fit": "crop"}, "image 0 of .* is 200x150, smaller than the 160x160 crop"),
])
def test_image_source_refuses_photos_it_cannot_send_as_asked(photos, options, message):
    with pytest.raises(InputError, match=message):
        image_source(str(photos), count=0, **options)


def test_encoder_maps_an_image_to_unit_power_symbols_and_forwards_end_of_stream(model):
    block = encoder(model, snr_db=7.0, model_id=9)
    out = run_message_block(block, "images", [image_pdu(0), pdu.end_of_stream()], "symbols")
    meta, symbols = pdu.parse(out[0], np.complex64)
    assert len(symbols) == 256 and np.mean(np.abs(symbols) ** 2) == pytest.approx(1.0, rel=1e-4)
    assert meta["image_id"] == 0 and meta["model_id"] == 9 and meta["encoder_snr_db"] == 7.0
    assert pdu.is_end_of_stream(out[1])


@pytest.mark.parametrize("model_id", [0, 232, 256, -1, 2.5, True])
def test_encoder_and_decoder_refuse_a_model_id_a_header_cannot_carry_as_a_codec(model, model_id):
    """0 and 232.. are not neural codecs' ids (232.. are the digital MCSs); 256 does not fit."""
    for block in (encoder, decoder):
        with pytest.raises(InputError, match="model_id must be an integer 1..231"):
            block(model, model_id=model_id)


def test_encoder_batches_give_the_symbols_of_one_at_a_time_in_order(model):
    """batch=3 over 5 images: a full batch, then the end of stream flushes the other two;
    same symbols, same order as batch=1."""
    messages = [image_pdu(i) for i in range(5)] + [pdu.end_of_stream()]
    one = run_message_block(encoder(model, batch=1), "images", messages, "symbols")
    three = run_message_block(encoder(model, batch=3), "images", messages, "symbols")
    assert len(one) == len(three) == 6 and pdu.is_end_of_stream(three[-1])
    for single, batched in zip(one[:-1], three[:-1]):
        (meta_a, a), (meta_b, b) = pdu.parse(single, np.complex64), pdu.parse(batched, np.complex64)
        assert meta_a["image_id"] == meta_b["image_id"]
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_encoder_rejects_garbage_and_follows_the_feedback_link(model):
    block = encoder(model, snr_db=3.0)
    garbage = [pmt.intern("nonsense"), pdu.make({"image_id": 1, "height": 5, "width": 5}, np.zeros(10, np.uint8)),
               pdu.make({"image_id": 2}, np.zeros(4, np.complex64))]
    assert run_message_block(block, "images", garbage, "symbols") == []
    assert block.rejected == 3
    block.handle_csi(pmt.to_pmt({"snr_db": 17.5}))
    block.handle_csi(pmt.to_pmt({"snr_db": "noise"}))  # ignored, not fatal
    assert block.snr_db == 17.5
    block.handle_csi(pmt.to_pmt({"snr_db": 95.0}))  # a receiver's wild estimate: clipped, images still go
    assert block.snr_db == 60.0
    assert len(run_message_block(block, "images", [image_pdu(0)], "symbols")) == 1 and block.rejected == 3
    block.set_snr_db(float("nan"))
    assert block.snr_db == 60.0
    assert encoder(model, snr_db=-80.0).snr_db == -30.0


def test_variable_rate_model_sends_what_its_gate_keeps_through_the_phy(gated_model_path):
    """gated-jscc: fewer symbols per image at low SNR; the header says how many, the decoder
    takes any count the model accepts."""
    low, high = (run_message_block(encoder(str(gated_model_path), snr_db=snr), "images",
                                   [image_pdu(0)], "symbols") for snr in (0.0, 20.0))
    assert [len(pdu.parse(m, np.complex64)[1]) for m in low + high] == [64, 256]
    bursts = run_message_block(framer(images_per_frame=2), "symbols", low + high + [pdu.end_of_stream()],
                               "frames")
    receiver = BurstReceiver()
    frames = [f for message in bursts[:2] for f in receiver.process(
        np.concatenate([np.zeros(200, np.complex64), pdu.parse(message, np.complex64)[1],
                        np.zeros(400, np.complex64)]))]
    assert [f.header.symbols_per_image for f in frames] == [64, 256]
    frame_pdus = [pdu.make({"counter": f.header.counter, "model_id": f.header.model_id, "images": 1,
                            "symbols_per_image": f.header.symbols_per_image, "snr_db": 25.0},
                           f.payload.astype(np.complex64)) for f in frames]
    sink = decoder(str(gated_model_path))
    images = run_message_block(sink, "frames", frame_pdus, "images")
    assert len(images) == 2 and sink.counts["wrong_size"] == 0


def test_framer_packs_images_and_its_bursts_decode():
    symbols = [pdu.make({"image_id": 10 + i, "model_id": 1},
                        np.exp(1j * np.arange(256) * (i + 1)).astype(np.complex64)) for i in range(3)]
    out = run_message_block(framer(images_per_frame=2), "symbols", [*symbols, pdu.end_of_stream()],
                            "frames")
    assert len(out) == 3 and pdu.is_end_of_stream(out[2])
    receiver = BurstReceiver()
    frames = [f for message in out[:2] for f in receiver.process(
        np.concatenate([np.zeros(200, np.complex64), pdu.parse(message, np.complex64)[1],
                        np.zeros(400, np.complex64)]))]
    assert [(f.header.counter, f.header.images) for f in frames] == [(10, 2), (12, 1)]
    error = frames[1].payload - pdu.parse(symbols[2], np.complex64)[1]
    assert 10 * np.log10(np.mean(np.abs(error) ** 2)) < -30  # the PHY's floor without noise


def test_framer_starts_a_new_frame_where_the_ids_do_not_follow():
    """A looping source (ids 4, 5, 0, 1) or one that skipped an id: the receiver numbers a
    frame's images from its counter, so each frame holds consecutive ids (65535 -> 0 too)."""
    ids = [4, 5, 0, 1, 3, 65535, 0]
    symbols = [pdu.make({"image_id": i, "model_id": 1}, np.ones(64, np.complex64)) for i in ids]
    out = run_message_block(framer(images_per_frame=8), "symbols", [*symbols, pdu.end_of_stream()], "frames")
    metas = [pdu.parse(message, np.complex64)[0] for message in out[:-1]]
    assert [meta["image_ids"] for meta in metas] == [[4, 5], [0, 1], [3], [65535, 0]]
    assert [meta["counter"] for meta in metas] == [4, 0, 3, 65535]


def test_framer_sends_as_many_128x128_photos_as_fit_and_drops_one_too_large():
    """DA-DJSCC 1/12 at 128x128 sends 4,096 symbols an image: 16 do not fit in a frame's
    65,520, so a frame of 15 goes out, the rest follow; an image no frame can carry is
    dropped and counted, and the framer goes on."""
    def image(image_id, count=4096):
        return pdu.make({"image_id": image_id, "model_id": 1},
                        np.exp(1j * np.arange(count) * (image_id + 1)).astype(np.complex64))

    block = framer(images_per_frame=16)
    too_large = image(99, FrameFormat().max_payload_symbols + 1)
    out = run_message_block(block, "symbols", [*map(image, range(16)), too_large, image(16), pdu.end_of_stream()],
                            "frames")
    assert len(out) == 3 and pdu.is_end_of_stream(out[2]) and block.dropped == 1
    metas = [pdu.parse(message, np.complex64)[0] for message in out[:2]]
    assert [meta["image_ids"] for meta in metas] == [list(range(15)), [15, 16]]
    frames = BurstReceiver().process(np.concatenate([np.zeros(200, np.complex64), pdu.parse(out[0], np.complex64)[1],
                                                     np.zeros(400, np.complex64)]))
    assert [(f.header.images, f.header.symbols_per_image) for f in frames] == [(15, 4096)]


def test_burst_source_and_receiver_through_a_channel_model():
    bursts = run_message_block(framer(images_per_frame=1), "symbols", [
        pdu.make({"image_id": i, "model_id": 1}, np.exp(2j * np.arange(256) * i).astype(np.complex64))
        for i in range(3)] + [pdu.end_of_stream()], "frames")
    top = gr.top_block()
    injector = PduInjector(bursts)
    source = burst_source(gap=700)
    channel = channels.channel_model(noise_voltage=0.1, frequency_offset=2e-4, epsilon=1.00001,
                                     taps=[0.7j], noise_seed=3)
    receiver = burst_receiver(sample_rate=1e6)
    frames, csi = blocks.message_debug(), blocks.message_debug()
    top.msg_connect(injector, "out", source, "frames")
    top.connect(source, channel, receiver)
    top.msg_connect(receiver, "frames", frames, "store")
    top.msg_connect(receiver, "csi", csi, "store")
    top.start()  # (a message source never ends a flowgraph by itself: stop when done)
    deadline = time.monotonic() + 20
    while min(frames.num_messages(), csi.num_messages()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    top.stop()
    top.wait()
    assert frames.num_messages() == 3 and csi.num_messages() == 3
    meta, payload = pdu.parse(frames.get_message(2), np.complex64)
    assert meta["counter"] == 2 and len(payload) == 256
    assert meta["snr_db"] == pytest.approx(20 + 20 * np.log10(0.7), abs=1.0)
    assert meta["cfo_hz"] == pytest.approx(200, abs=20)
    assert receiver.stats()["frames"] == 3


def test_decoder_decodes_frames_and_counts_what_it_cannot(model):
    block = decoder(model, model_id=1)
    symbols = np.exp(1j * np.arange(512)).astype(np.complex64)
    good = pdu.make({"counter": 40, "model_id": 1, "images": 2, "symbols_per_image": 256, "snr_db": 12.0}, symbols)
    other_model = pdu.make({"counter": 0, "model_id": 2, "images": 2, "symbols_per_image": 256}, symbols)
    wrong_size = pdu.make({"counter": 0, "model_id": 1, "images": 1, "symbols_per_image": 512}, symbols)
    out = run_message_block(block, "frames", [other_model, wrong_size, pmt.PMT_T, good], "images")
    assert [pdu.parse(m, np.uint8)[0]["image_id"] for m in out] == [40, 41]
    assert block.counts == {"frames": 1, "images": 2, "unknown_model": 1, "wrong_size": 1, "bad_pdu": 1}


def test_image_sink_measures_against_the_sent_image(tmp_path, capsys):
    sink = image_sink(out_dir=str(tmp_path), true_snr_db=10.0, idle_timeout=0.5)
    sink.handle_sent(image_pdu(3))
    sink.handle_sent(pdu.end_of_stream())
    noisy = np.clip(SAMPLES[3].astype(int) + 4, 0, 255).astype(np.uint8)
    sink.handle_received(pdu.make({"image_id": 3, "height": 32, "width": 32, "snr_db": 9.8}, noisy))
    assert sink.wait_until_done(timeout=5)
    sink.stop()
    result = sink.summary()["images"][0]
    reference = torch.from_numpy(SAMPLES[3]).float()
    expected_psnr = 10 * np.log10(255**2 / float(((torch.from_numpy(noisy).float() - reference) ** 2).mean()))
    assert result["psnr_db"] == pytest.approx(expected_psnr, abs=0.01) and result["ssim"] > 0.9
    assert "summary: 1/1 images" in capsys.readouterr().out
    assert (tmp_path / "summary.json").exists() and (tmp_path / "mosaic.png").exists()


def test_image_sink_gives_up_when_the_link_goes_idle():
    sink = image_sink(idle_timeout=0.2, quiet=True)
    sink.handle_sent(image_pdu(0))
    sink.handle_sent(pdu.end_of_stream())
    assert sink.wait_until_done(timeout=5) is False


def test_image_sink_counts_every_image_a_repeating_source_sends():
    sink = image_sink(quiet=True)
    for _ in range(3):  # the same id three times, as under repeat
        sink.handle_sent(image_pdu(0))
    sink.handle_received(pdu.make({"image_id": 0, "height": 32, "width": 32}, SAMPLES[0]))
    summary = sink.summary()
    assert (summary["sent"], summary["received"], summary["lost"]) == (3, 1, 2)


def collect(source_block, port, count, timeout=10.0):
    """Start ``source_block`` alone; the first ``count`` messages it publishes on ``port``."""
    top = gr.top_block()
    debug = blocks.message_debug()
    top.msg_connect(source_block, port, debug, "store")
    top.start()
    deadline = time.monotonic() + timeout
    while debug.num_messages() < count and time.monotonic() < deadline:
        time.sleep(0.01)
    top.stop()
    top.wait()
    return [debug.get_message(i) for i in range(debug.num_messages())]


def test_image_source_repeats_until_stopped():
    messages = collect(image_source("samples", count=2, rate=200, repeat=True), "images", 5)
    ids = [pdu.parse(m, np.uint8)[0].get("image_id") for m in messages[:5]]
    assert ids == [0, 1, 0, 1, 0] and not any(pdu.is_end_of_stream(m) for m in messages)
    with pytest.raises(InputError, match="repeat needs a rate"):
        image_source("samples", count=2, rate=0, repeat=True)  # message ports queue without end


def test_burst_source_fills_idle_time_with_zeros_for_a_radio():
    top = gr.top_block()
    source = burst_source(fill=True)
    head, sink = blocks.head(gr.sizeof_gr_complex, 50_000), blocks.vector_sink_c()
    top.connect(source, head, sink)
    top.run()  # no burst at all: without zeros this would never end
    assert len(sink.data()) == 50_000 and not np.any(sink.data())


def test_image_view_shows_sent_over_received(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    from PyQt5 import QtWidgets

    from djscc.blocks.image_view import image_view
    application = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    view = image_view(columns=2, scale=2)
    for image_id in (4, 5):
        view.handle_sent(image_pdu(image_id))
    noisy = np.clip(SAMPLES[5].astype(int) + 9, 0, 255).astype(np.uint8)
    view.handle_received(image_pdu(4))
    view.handle_received(pdu.make({"image_id": 5, "height": 32, "width": 32}, noisy))
    application.processEvents()
    canvas = view.mosaic()
    assert canvas.shape == (128, 128, 3)
    assert np.array_equal(canvas[:64:2, 64::2], SAMPLES[5]) and np.array_equal(canvas[64::2, 64::2], noisy)
    assert view.picture.pixmap().width() == 128


def test_image_view_keeps_photos_at_a_sane_size(monkeypatch):
    """8 CIFAR images stay 4x; 128x128 photos are not magnified, 256x256 ones fewer a row."""
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    from PyQt5 import QtWidgets

    from djscc.blocks.image_view import fit_view, image_view
    application = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    assert [fit_view(8, 4, size) for size in (32, 128, 256)] == [(8, 4), (8, 1), (4, 1)]
    view = image_view(columns=8, scale=4, image_size=128)
    photos = [np.asarray(Image.fromarray(SAMPLES[i]).resize((128, 128))) for i in range(9)]
    for image_id, photo in enumerate(photos):
        message = pdu.make({"image_id": image_id, "height": 128, "width": 128}, photo)
        view.handle_sent(message)
        view.handle_received(message)
    application.processEvents()
    assert view.mosaic().shape == (256, 1024, 3) and view.picture.pixmap().width() == 1024
