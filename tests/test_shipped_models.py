"""The shipped models: they load, they are what their names say, they are trained, and the
figures in their cards are the ones they reproduce."""

import numpy as np
import pytest
import torch

from djscc.data import load_images
from djscc.metrics import channels_first, psnr_per_image, to_float, to_uint8
from djscc.nn import zoo
from djscc.nn.channels import AWGNChannel

# name: (architecture, latent channels, the paper's Table I parameter count or None)
SHIPPED = {
    "djscc_snr7_1-12": ("djscc", 8, 143_000),
    "djscc_snr15_1-12": ("djscc", 8, 143_000),
    "adjscc_1-12": ("adjscc", 8, 157_000),
    "da-djscc_1-12": ("da-djscc", 8, 159_000),
    "da-djscc-fading_1-12": ("da-djscc", 8, None),
    "da-djscc_1-6": ("da-djscc", 16, None),
    "attenjscc-small_1-12": ("attenjscc", 8, None),
    "lssc_1-12": ("lssc", 8, None),
    "gated-jscc_1-12": ("gated-jscc", 8, None),
}
CARD_CURVE = "cifar10_exact.npz:test / awgn"


def sample_psnr(model, snr_db: float, count: int = 64) -> float:
    images = channels_first(load_images("samples").images[:count])
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        output = to_uint8(model(to_float(images), AWGNChannel(), torch.full((count,), snr_db), generator))
    return float(psnr_per_image(images, output).mean())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_is_what_its_name_says(name):
    assert name in zoo.shipped()
    model, card = zoo.load(name)
    architecture, latent_channels, paper_parameters = SHIPPED[name]
    assert card["architecture"] == architecture and card["config"]["latent_channels"] == latent_channels
    parameters = sum(p.numel() for p in model.parameters())
    assert parameters == card["parameters"]
    if paper_parameters:
        assert abs(parameters - paper_parameters) / paper_parameters < 0.10
    assert card["training"]["data"].endswith(("cifar10_jpeg.npz", "cifar10_jpeg_compact.npz"))
    assert card["training"]["epochs"] >= 6


@pytest.mark.parametrize("name", SHIPPED)
def test_card_figures_are_reproduced_on_the_shipped_samples(name):
    """The card's PSNR at 10 dB (846 exact test images) against the same model on the 64
    shipped ones: a subset, so within 1 dB, and far above an untrained model's ~11 dB."""
    model, card = zoo.load(name)
    curve = card["figures"][CARD_CURVE]
    assert curve["images"] == 846 and curve["realizations"] >= 10
    assert min(curve["snr_db"]) <= -5 and max(curve["snr_db"]) >= 25
    at_10_db = curve["psnr_db"][curve["snr_db"].index(10.0)]
    assert sample_psnr(model, 10.0) == pytest.approx(at_10_db, abs=1.0)
    if all(share == 1.0 for share in curve["symbols_sent"]):  # fixed rate: PSNR never falls
        trained = [p for s, p in zip(curve["snr_db"], curve["psnr_db"]) if s <= 20.0]
        assert np.all(np.diff(trained) > -0.05)  # as the SNR rises over the trained 0-20 dB


def test_shipped_classifier_scores_the_samples_as_its_card_says():
    model, card = zoo.load("cifar10_classifier")
    clean = card["figures"]["cifar10_exact.npz:test / clean"]
    samples = load_images("samples")
    images = to_float(channels_first(samples.images))
    accuracy = float((model.predict(images) == torch.from_numpy(samples.labels).long()).float().mean())
    assert clean["images"] == 846 and clean["accuracy"] > 0.85
    assert accuracy == pytest.approx(clean["accuracy"], abs=0.1)  # 64 of the 846 images


def test_photo_model_is_trained_on_photos_and_beats_the_cifar_model_on_them():
    """da-djscc-photo_1-12: the DA-DJSCC 1/12 fine-tuned on photographs; on the three shipped
    Kodak crops it is well above the CIFAR-10 model it started from, and its card holds the
    Kodak24 curve it was measured on."""
    photo, card = zoo.load("da-djscc-photo_1-12")
    assert card["architecture"] == "da-djscc" and card["config"]["latent_channels"] == 8
    assert card["training"]["data"].endswith("bsds432") and card["training"]["image_size"] == 128
    assert card["training"]["initialized_from"] == "da-djscc_1-12"
    assert card["training"]["epochs"] == card["training"]["scheduled_epochs"]
    kodak = card["figures"]["../shared/data/kodak24 (crop 128x128) / awgn"]
    assert kodak["images"] == 24 and kodak["realizations"] >= 10
    images = channels_first(np.stack(load_images("samples-kodak").images))
    cifar_model, _ = zoo.load("da-djscc_1-12")
    psnr = {}
    for name, model in (("photo", photo), ("cifar", cifar_model)):
        generator = torch.Generator().manual_seed(1)
        with torch.no_grad():
            output = to_uint8(model(to_float(images), AWGNChannel(), torch.full((len(images),), 10.0), generator))
        psnr[name] = float(psnr_per_image(images, output).mean())
    assert psnr["photo"] > psnr["cifar"] + 1.0, psnr
