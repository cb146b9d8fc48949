"""A failing block never hangs or aborts the flowgraph, a run that delivered nothing says so:
on the real GNU Radio runtime."""

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pmt
import pytest
from gnuradio import gr

from djscc.blocks import burst_source, dc_blocker, framer, image_sink, pdu
from djscc.data import load_images
from djscc.errors import InputError

from gr_harness import PduInjector, run_message_block

REPO = Path(__file__).resolve().parents[1]
SAMPLES = load_images("samples").images
LOOPBACK = REPO / "flowgraphs" / "loopback.py"


def image_pdu(image_id, image=None, **meta):
    image = SAMPLES[image_id % len(SAMPLES)] if image is None else image
    return pdu.make({"image_id": image_id, "height": image.shape[0], "width": image.shape[1], **meta}, image)


@pytest.mark.parametrize("options,message", [
    (["--model", "no-such-model"], "error: model card no-such-model.json not found"),
    (["--dataset", "no-such-data"], "error: dataset 'no-such-data' not found"),
    (["--model", "cifar10_classifier"], "error: model 'cifar10_classifier' is a classifier, not an image codec"),
    (["--out-dir", "/proc/x"], "error: image_sink out_dir: cannot write to /proc/x"),
    (["--capture", "/proc/x/cap"], "error: capture_writer path: cannot write to /proc/x"),
    (["--image-size", "0"], "error: receiver image_size must be a positive multiple of 4"),
])
def test_bad_flowgraph_arguments_are_one_line_and_a_failure(tmp_path, options, message):
    """The generated main() catches nothing; the blocks refuse in their constructors and
    djscc.blocks' hook prints the DjsccError as one line."""
    result = subprocess.run([sys.executable, str(LOOPBACK), "--num-images", "2", "--out-dir",
                             str(tmp_path / "out"), *options], capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(message), result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_image_sink_survives_bad_messages_and_still_measures():
    sink = image_sink(quiet=True)
    sink.handle_sent(image_pdu(5))
    garbage = [pmt.PMT_T, pdu.make({"height": 32, "width": 32}, SAMPLES[0]),  # no id
               pdu.make({"image_id": 1, "height": 2, "width": 2}, SAMPLES[0])]  # wrong size
    top, injector = gr.top_block(), PduInjector(garbage + [image_pdu(5)])
    top.msg_connect(injector, "out", sink, "images")
    top.start()
    deadline = time.monotonic() + 20
    while sink.summary()["received"] < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    top.stop()
    top.wait()
    summary = sink.summary()
    assert (summary["received"], summary["bad_pdus"]) == (1, 3)
    assert summary["mean_psnr_db"] == pytest.approx(100, abs=40)  # identical images: no error


def test_image_sink_scores_only_what_it_can_match():
    """A foreign id and a second copy of an id already scored are unmatched, not scored
    against some other image; ids wrap like the header's 16-bit counter."""
    sink = image_sink(quiet=True)
    sink.handle_sent(image_pdu(65536 + 3))
    for image_id in (3, 3, 999):
        sink.handle_received(image_pdu(image_id, SAMPLES[3]))
    summary = sink.summary()
    assert (summary["sent"], summary["received"], summary["unmatched"], summary["lost"]) == (1, 1, 2, 0)


def test_image_sink_stop_never_raises_when_its_folder_is_gone(tmp_path):
    """The out_dir is checked when the block is made; if it goes away during the run, stop()
    logs it instead of raising (which GNU Radio turns into SIGABRT)."""
    script = f"""
import shutil, sys
import pmt
from gnuradio import blocks, gr
from djscc.blocks import image_sink
top = gr.top_block()
sink = image_sink(out_dir={str(tmp_path / 'out')!r}, quiet=True)
strobe = blocks.message_strobe(pmt.PMT_T, 10000)
top.msg_connect(strobe, "strobe", sink, "reference")
top.start()
shutil.rmtree({str(tmp_path / 'out')!r}); open({str(tmp_path / 'out')!r}, "w").close()
top.stop(); top.wait()
print("finished")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "finished" in result.stdout, result.stderr[-2000:]
    log = result.stdout + result.stderr  # GNU Radio's log goes to either
    assert "summary not written" in log and "no image arrived" in log


def test_image_sink_refuses_bad_arguments(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="cannot write"):
        image_sink(out_dir=str(tmp_path / "file" / "sub"))
    with pytest.raises(InputError, match="idle_timeout"):
        image_sink(idle_timeout=0)


def test_framer_drops_a_frame_it_cannot_build_and_goes_on():
    """A frame too long for the format is logged and counted; the next frame still goes out."""
    block = framer(images_per_frame=1)
    too_long = pdu.make({"image_id": 0, "model_id": 1}, np.ones(2**20, np.complex64))
    good = pdu.make({"image_id": 1, "model_id": 1}, np.ones(256, np.complex64))
    out = run_message_block(block, "symbols", [too_long, good], "frames")
    assert [pdu.parse(m, np.complex64)[0]["counter"] for m in out] == [1] and block.dropped == 1


def test_replay_that_decodes_nothing_is_a_failure(tmp_path):
    """The capture's frames carry DA-DJSCC 1/12's model id: a 1/6 receiver decodes none."""
    capture = REPO / "captures" / "software-channel_awgn_snr10db.sigmf-meta"
    result = subprocess.run([sys.executable, str(REPO / "flowgraphs" / "replay.py"), str(capture),
                             "--model", "da-djscc_1-6"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: no image of the capture was decoded")


def test_a_loopback_that_delivers_nothing_is_a_failure(tmp_path):
    """-15 dB: no frame is found, so no image arrives; the run says so and exits 1."""
    result = subprocess.run([sys.executable, str(LOOPBACK), "--num-images", "2", "--snr-db", "-15",
                             "--out-dir", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: no image arrived")


def test_stream_blocks_refuse_bad_arguments():
    with pytest.raises(InputError, match="must not be negative"):
        burst_source(gap=-1)
    with pytest.raises(InputError, match="at least 1 sample"):
        dc_blocker(time_constant=0)
