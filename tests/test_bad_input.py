"""Bad input from careless hands: every file, card and number a user can give is refused
with one clear line (a DjsccError, exit status 2 from the commands), never a traceback,
a silent wrong result or a half-written file."""

import json
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image

from djscc import data
from djscc.errors import InputError, ModelFileError
from djscc.nn import zoo

# ---------------------------------------------------------------- data sets and image files


def save_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def png_claiming_size(path, width, height):
    """A small PNG whose header says width x height (a decompression bomb's header)."""
    Image.new("L", (4, 4)).save(path)
    raw = bytearray(path.read_bytes())
    ihdr = 8 + 4  # signature, then the IHDR chunk's length field
    raw[ihdr + 4:ihdr + 12] = struct.pack(">II", width, height)
    raw[ihdr + 17:ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(raw[ihdr:ihdr + 17])))
    path.write_bytes(bytes(raw))


GOOD = np.zeros((4, 8, 8, 3), np.uint8)


@pytest.mark.parametrize("make,message", [
    (lambda p: p.write_bytes(b""), "not a readable .npz"),
    (lambda p: p.write_bytes(save_npz(p, test_images=GOOD).read_bytes()[:300]), "not a readable .npz"),
    (lambda p: save_npz(p, test_images=np.array([None, 1], dtype=object)), "not a readable .npz"),
    (lambda p: save_npz(p, test_images=GOOD[:0]), "N >= 1"),
    (lambda p: save_npz(p, test_images=GOOD.astype(np.float32)), "expected uint8 images"),
    (lambda p: save_npz(p, test_images=GOOD, test_labels=np.zeros(3, np.int64)), "one per image"),
    (lambda p: save_npz(p, test_images=GOOD, test_labels=np.zeros(4, np.float32)), "one per image"),
    (lambda p: save_npz(p, test_jpeg=np.frombuffer(b"garbage!" * 8, np.uint8),
                        test_offsets=np.array([0, 32, 64])), "image 0 is not a readable image"),
    (lambda p: save_npz(p, test_jpeg=np.zeros(10, np.uint8), test_offsets=np.array([0, 99])),
     "increasing integer offsets"),
    (lambda p: save_npz(p, train_images=GOOD), "neither 'test_images'"),
])
def test_bad_npz_is_one_clear_error(tmp_path, make, message):
    path = tmp_path / "d.npz"
    make(path)
    with pytest.raises(InputError, match=message):
        data.load_images(str(path))


@pytest.mark.parametrize("make,message", [
    (lambda f: (f / "a.png").write_text("not an image"), "not a readable image"),
    (lambda f: (f / "a.png").write_bytes(_png_bytes(f)[:-40]), "not a readable image"),
    (lambda f: png_claiming_size(f / "a.png", 6000, 6000), "more than the"),
    (lambda f: png_claiming_size(f / "a.png", 14000, 14000), "decompression bomb"),
    (lambda f: (f / "a.tif").write_bytes(_float_tiff(f)), "floating-point"),
])
def test_bad_image_file_is_one_clear_error(tmp_path, make, message):
    folder = tmp_path / "images"
    folder.mkdir()
    make(folder)
    with pytest.raises(InputError, match=message):
        data.load_images(str(folder))


def _png_bytes(folder):
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)).save(folder / "t.png")
    raw = (folder / "t.png").read_bytes()
    (folder / "t.png").unlink()
    return raw


def _float_tiff(folder):
    Image.fromarray(np.ones((8, 8), np.float32)).save(folder / "t.tif")
    raw = (folder / "t.tif").read_bytes()
    (folder / "t.tif").unlink()
    return raw


def test_folder_named_like_an_image_is_not_read_as_one(tmp_path):
    (tmp_path / "x.png").mkdir()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(tmp_path / "real.png")
    images = data.load_images(str(tmp_path)).images
    assert images.shape == (1, 8, 8, 3)


def test_16_bit_images_keep_their_values(tmp_path):
    """convert('RGB') clips 16-bit grey to white (which then scored 37 dB against white)."""
    Image.fromarray(np.full((8, 8), 40000, np.uint16)).save(tmp_path / "grey16.png")
    images = data.load_images(str(tmp_path)).images
    assert images.dtype == np.uint8 and np.all(images == 40000 >> 8)


# ---------------------------------------------------------------- model cards and weights


@pytest.mark.parametrize("edit,message", [
    (lambda card: card.update(config="widths"), "'config' must be a dict"),
    (lambda card: card.update(config=None), "'config' must be a dict"),
    (lambda card: card.update(architecture=7), "'architecture' must be a str"),
    (lambda card: card["config"].update(widths=[-16, 32, 32, 32]), "invalid config"),
    (lambda card: card["config"].update(widths=[100_000, 32, 32, 32]), "does not match the weights"),
    (lambda card: card["config"].update(kernel_size="5"), "invalid config"),
    (lambda card: card.update(model_id=300), "model_id must be an integer 1..231"),
    (lambda card: card["config"].update(latent_channels=16), "does not match the weights"),
    (lambda card: card.update(architecture="djscc"), "invalid config"),
    (lambda card: card.update(architecture="transformer"), "unknown architecture"),
    (lambda card: card["config"].update(attention="global"), "invalid config"),
    (lambda card: card.pop("config"), "lacks 'config'"),
    (lambda card: card.update(format="other"), "not a gr-djscc model card"),
])
def test_bad_card_is_refused_before_anything_is_allocated(tiny_model_path, edit, message):
    path = zoo.card_path(tiny_model_path)
    card = json.loads(path.read_text())
    edit(card)
    path.write_text(json.dumps(card))
    with pytest.raises(ModelFileError, match=message):
        zoo.load(tiny_model_path)


def test_a_huge_config_is_refused_without_allocating_it():
    """100,000 filters would be about 40 GB; the meta-device count refuses it at once."""
    with pytest.raises(ModelFileError, match="more than the"):
        zoo.build("da-djscc", widths=[100_000, 100_000, 32, 32])


def test_weights_that_are_not_finite_are_never_loaded_or_saved(tiny_model_path, tmp_path):
    model, _ = zoo.load(tiny_model_path)
    with torch.no_grad():
        next(model.parameters()).fill_(float("nan"))
    with pytest.raises(ModelFileError, match="NaN or infinite"):
        zoo.save(model, tmp_path / "nan", {"name": "nan"})
    assert not zoo.weights_path(tmp_path / "nan").exists()
    from safetensors.torch import save_file
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(zoo.weights_path(tiny_model_path)))
    with pytest.raises(ModelFileError, match="NaN or infinite"):
        zoo.load(tiny_model_path)


def test_a_classifier_is_not_a_codec():
    with pytest.raises(ModelFileError, match="not an image codec"):
        zoo.load_codec("cifar10_classifier")


# ---------------------------------------------------------------- command-line numbers and paths

from djscc import complexity, evaluate, train, train_classifier  # noqa: E402

NO_GPU = not torch.cuda.is_available()


@pytest.mark.parametrize("main,argv,message", [
    (evaluate.main, ["tiny", "--limit", "0"], "at least 1"),
    (evaluate.main, ["tiny", "--batch-size", "0"], "at least 1"),
    (evaluate.main, ["tiny", "--threads", "-1"], "at least 1"),
    (evaluate.main, ["tiny", "--pilots", "0"], "at least 1"),
    (evaluate.main, ["tiny", "--realizations", "0"], "at least 1"),
    (evaluate.main, ["tiny", "--json", "/proc/x/e.json"], "cannot write to /proc/x"),
    (evaluate.main, ["tiny", "--device", "tpu"], "give cpu, cuda or cuda:N"),
    (complexity.main, ["djscc", "--runs", "0"], "at least 1"),
    (train.main, ["--arch", "djscc", "--data", "samples", "--out", "x", "--lr", "inf"], "not a finite number"),
    (train.main, ["--arch", "djscc", "--data", "samples", "--out", "x", "--lr", "0"], "greater than 0"),
    (train.main, ["--arch", "djscc", "--data", "samples", "--out", "x", "--epochs", "0"], "at least 1"),
    (train.main, ["--arch", "djscc", "--data", "samples", "--out", "x", "--config", "[1]"], "not a JSON object"),
    (train.main, ["--arch", "djscc", "--data", "samples", "--out", "/proc/x/m"], "cannot write to /proc/x"),
    (train_classifier.main, ["--data", "samples", "--out", "x", "--widths", "8", "8", "0", "8"], "at least 1"),
    pytest.param(train.main, ["--arch", "djscc", "--data", "samples", "--out", "x", "--device", "cuda"],
                 "CUDA device", marks=pytest.mark.skipif(not NO_GPU, reason="this machine has a GPU")),
])
def test_bad_numbers_stop_the_command_before_any_work(tmp_path, monkeypatch, capsys, main, argv, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2 and message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_an_snr_range_that_is_backwards_is_refused(capsys):
    assert evaluate.main(["da-djscc_1-12", "--snr", "20:0:5"]) == 2
    assert "gives no SNR" in capsys.readouterr().err


def test_training_that_diverges_saves_nothing(tmp_path, capsys):
    argv = ["--arch", "djscc", "--data", "samples", "--epochs", "2", "--batch-size", "16",
            "--lr", "1e30", "--threads", "2", "--out", str(tmp_path / "m")]
    assert train.main(argv) == 2
    assert "training diverged in epoch 1" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- SigMF metadata

from djscc import captures  # noqa: E402


@pytest.mark.parametrize("edit,message", [
    (lambda meta: meta["global"].update({"core:datatype": 5}), "broken SigMF metadata"),
    (lambda meta: meta["global"].update({"djscc:settings": None}), "must be a JSON object"),
    (lambda meta: meta["global"].update({"djscc:settings": "snr 10"}), "must be a JSON object"),
    (lambda meta: meta["global"]["djscc:settings"].update({"snr_db": "10"}), "wrong type"),
    (lambda meta: meta["global"]["djscc:settings"].update({"num_images": 1.5}), "wrong type"),
    (lambda meta: meta["global"].update({"core:sample_rate": True}), "not a positive number"),
    (lambda meta: meta.update({"global": "x"}), "broken SigMF metadata"),
])
def test_bad_sigmf_metadata_is_one_clear_error(tmp_path, edit, message):
    np.zeros(100, np.complex64).tofile(tmp_path / "c.sigmf-data")
    meta_file = captures.write_metadata(tmp_path / "c", 1e6, 0, "software channel", "test",
                                        {"snr_db": 7.0, "num_images": 4}, [])
    meta = json.loads(meta_file.read_text())
    edit(meta)
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(captures.CaptureError, match=message):
        captures.read(tmp_path / "c")
