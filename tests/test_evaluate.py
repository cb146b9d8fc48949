"""djscc-eval and djscc-complexity: reports, reproducibility, bad input."""

import json

import numpy as np
import pytest

from djscc import complexity, evaluate
from djscc.data import load_images
from djscc.digital import source
from djscc.digital.mcs import by_name
from djscc.errors import InputError
from djscc.metrics import channels_first, psnr_per_image


def test_snr_grid_parsing():
    assert evaluate.parse_snr_grid(["-5:5:2.5", "20"]) == [-5.0, -2.5, 0.0, 2.5, 5.0, 20.0]
    assert evaluate.parse_snr_grid(["0:10:5,-2", "5"]) == [-2.0, 0.0, 5.0, 10.0]
    for bad in (["ten"], ["0:10:0"], ["100"]):
        with pytest.raises(InputError):
            evaluate.parse_snr_grid(bad)


def test_report_json_plot_and_reproducibility(tiny_model_path, tmp_path):
    argv = [str(tiny_model_path), "--data", "samples", "--limit", "8", "--snr", "0", "20",
            "--realizations", "3", "--threads", "2"]
    assert evaluate.main([*argv, "--json", str(tmp_path / "a.json"),
                          "--plot", str(tmp_path / "a.png")]) == 0
    assert evaluate.main([*argv, "--json", str(tmp_path / "b.json")]) == 0
    a = json.loads((tmp_path / "a.json").read_text())
    assert a == json.loads((tmp_path / "b.json").read_text())
    assert a["images"] == 8 and a["realizations"] == 3 and a["snr_db"] == [0.0, 20.0]
    curve = a["models"]["tiny"]
    assert len(curve["psnr_db"]["mean"]) == 2 and all(c > 0 for c in curve["ssim"]["ci95"])
    # the samples have labels: the shipped classifier scores the reconstructions
    assert a["classifier"] == "cifar10_classifier" and all(0 <= v <= 1 for v in curve["accuracy"]["mean"])
    assert curve["symbols_sent"]["mean"] == [1.0, 1.0]  # a fixed-rate model sends all k
    assert (tmp_path / "a.png").stat().st_size > 10_000


def test_merge_measures_one_model_again_and_keeps_the_others(tiny_model_path, tmp_path):
    argv = ["--data", "samples", "--limit", "4", "--snr", "5", "--realizations", "2", "--classifier", "none"]
    both, one = str(tmp_path / "both.json"), str(tmp_path / "one.json")
    assert evaluate.main(["djscc_snr7_1-12", str(tiny_model_path), *argv, "--json", both]) == 0
    assert evaluate.main(["djscc_snr7_1-12", str(tiny_model_path), *argv, "--json", one]) == 0
    report = json.loads((tmp_path / "one.json").read_text())
    report["models"]["tiny"]["psnr_db"]["mean"] = [0.0]  # what measuring it again must replace
    (tmp_path / "one.json").write_text(json.dumps(report))
    assert evaluate.main([str(tiny_model_path), *argv, "--json", one, "--merge"]) == 0
    assert json.loads((tmp_path / "one.json").read_text()) == json.loads((tmp_path / "both.json").read_text())
    assert evaluate.main([str(tiny_model_path), *argv[:-4], "--snr", "10", "--json", one, "--merge"]) == 2
    assert json.loads((tmp_path / "one.json").read_text()) == json.loads((tmp_path / "both.json").read_text())


def test_merge_refuses_before_measuring(tiny_model_path, tmp_path, capsys):
    """A report measured otherwise, a broken one or none named: refused up front (the model
    named here does not exist, so measuring would fail otherwise), the file untouched."""
    argv = ["--data", "samples", "--limit", "4", "--realizations", "2", "--classifier", "none"]
    report = tmp_path / "report.json"
    assert evaluate.main([str(tiny_model_path), *argv, "--snr", "5", "--json", str(report)]) == 0
    kept = report.read_text()
    missing = str(tmp_path / "no-such-model")
    assert evaluate.main([missing, *argv, "--snr", "10", "--json", str(report), "--merge"]) == 2
    assert "--merge" in capsys.readouterr().err and report.read_text() == kept
    assert evaluate.main([missing, *argv, "--snr", "5", "--batch-size", "2", "--json", str(report), "--merge"]) == 2
    assert "batch_size" in capsys.readouterr().err and report.read_text() == kept  # other batches, other noise
    scored = tmp_path / "scored.json"  # by the classifier: a run without one cannot join it
    assert evaluate.main([str(tiny_model_path), *argv[:-2], "--snr", "5", "--json", str(scored)]) == 0
    assert evaluate.main([missing, *argv, "--snr", "5", "--json", str(scored), "--merge"]) == 2
    assert "classifier" in capsys.readouterr().err
    assert evaluate.main([missing, *argv, "--snr", "5", "--merge"]) == 2
    assert "--merge needs --json" in capsys.readouterr().err
    report.write_text(kept[:40])
    assert evaluate.main([missing, *argv, "--snr", "5", "--json", str(report), "--merge"]) == 2
    assert "not a readable report" in capsys.readouterr().err and report.read_text() == kept[:40]


def test_accuracy_follows_the_channel_for_a_variable_rate_model(gated_model_path, tmp_path):
    """The gated model sends 1/4 of its symbols below 10 dB; its own feature-space
    classifier is reported beside the downstream one; --classifier none skips both."""
    argv = [str(gated_model_path), "--data", "samples", "--limit", "8", "--snr", "0", "20",
            "--realizations", "2"]
    assert evaluate.main([*argv, "--json", str(tmp_path / "g.json")]) == 0
    curve = json.loads((tmp_path / "g.json").read_text())["models"]["gated"]
    assert curve["symbols_sent"]["mean"] == [0.25, 1.0] and "feature_accuracy" in curve
    assert evaluate.main([*argv, "--classifier", "none", "--json", str(tmp_path / "n.json")]) == 0
    assert "accuracy" not in json.loads((tmp_path / "n.json").read_text())["models"]["gated"]


def test_the_digital_scheme_in_the_same_report(tmp_path):
    """One report holds the digital scheme (MCS by the SNR), a fixed MCS (the cliff) and the
    capacity bound; far above the fixed MCS's threshold it is the codec at its budget, far
    below it the mid-gray image, and the bound is above the scheme at every SNR."""
    assert evaluate.main(["digital", "digital:16QAM 1/2", "capacity", "--data", "samples", "--limit", "6",
                          "--snr", "0", "20", "--realizations", "2", "--json", str(tmp_path / "d.json")]) == 0
    models = json.loads((tmp_path / "d.json").read_text())["models"]
    adaptive, fixed, bound = (models[name]["psnr_db"]["mean"] for name in
                              ("digital", "digital:16QAM 1/2", evaluate.CAPACITY_LABEL))
    images = load_images("samples").images[:6]
    budget = by_name("16QAM 1/2").budget
    coded = channels_first(np.stack([source.decode(source.encode(image, budget), (32, 32)) for image in images]))
    assert fixed[1] == pytest.approx(psnr_per_image(channels_first(images), coded).mean().item(), abs=1e-3)
    gray = channels_first(np.stack([source.failed_image((32, 32))] * 6))
    assert fixed[0] == pytest.approx(psnr_per_image(channels_first(images), gray).mean().item(), abs=1e-3)
    assert all(b >= a for a, b in zip(adaptive, bound)) and adaptive[1] > fixed[1]
    assert all(0 <= v <= 1 for v in models["digital"]["accuracy"]["mean"])


def test_the_digital_scheme_refuses_what_it_cannot_code(capsys):
    assert evaluate.main(["digital:8PSK 1/2", "--data", "samples", "--limit", "2", "--snr", "10"]) == 2
    assert "no MCS '8PSK 1/2'" in capsys.readouterr().err
    assert evaluate.main(["digital", "--data", "samples-kodak", "--image-size", "16", "--snr", "10"]) == 2
    assert "fewer than one codeword" in capsys.readouterr().err


def test_rayleigh_on_differently_sized_images(tiny_model_path, tmp_path):
    assert evaluate.main([str(tiny_model_path), "--data", "samples-kodak", "--snr", "10",
                          "--realizations", "2", "--channel", "rayleigh", "--pilots", "8",
                          "--json", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["channel"] == "rayleigh" and report["images"] == 3


@pytest.mark.parametrize("argv,message", [
    (["--snr", "99"], "out of the supported range"),
    (["--data", "/missing.npz"], "not found"),
    (["--data", __file__], "not a readable .npz"),
])
def test_bad_evaluation_input(tiny_model_path, capsys, argv, message):
    assert evaluate.main([str(tiny_model_path), *argv]) == 2
    assert message in capsys.readouterr().err


def test_missing_model_is_one_line_not_a_traceback(capsys):
    assert evaluate.main(["no-such-model"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: model card") and "Traceback" not in err


def test_complexity_table(tmp_path):
    assert complexity.main(["djscc", "da-djscc", "--runs", "5", "--json", str(tmp_path / "c.json"),
                            "--plot", str(tmp_path / "c.png")]) == 0
    report = json.loads((tmp_path / "c.json").read_text())
    rows = report["models"]
    assert rows["djscc (untrained)"]["parameters"] == 143444
    assert rows["djscc (untrained)"]["size_mb"] == pytest.approx(0.547, abs=0.001)
    assert rows["da-djscc (untrained)"]["mflops"] > rows["djscc (untrained)"]["mflops"] > 10
    assert report["threads"] == 1


@pytest.mark.parametrize("channel", ["fading", "awgn+fading"])
def test_the_digital_scheme_is_refused_where_the_state_holds_a_measured_sinr(channel, capsys):
    """Its decoder would choose the MCS by the measured SINR, not the SNR the encoder chose
    it by: mostly failed codewords, a figure far below the scheme's."""
    assert evaluate.main(["digital", "--data", "samples", "--limit", "2", "--snr", "10", "--channel", channel,
                          "--classifier", "none"]) == 2
    assert "not measured over --channel" in capsys.readouterr().err
