"""Photographs: the CIFAR-10 models and the photo models side by side, on Kodak24 (128x128
center crops and the 500x500 images) and on the 846 exact CIFAR-10 test images (what training
on photos costs on thumbnails), with the digital link's envelope and the capacity bound.
Writes results/photos.{json,md,png}.

Every model, and the capacity bound (the codec at k log2(1 + SNR) bits, error-free), is
measured here by djscc-eval's protocol (AWGN, --realizations draws an image, common random
numbers). The digital envelope (AVIF/JPEG + gr-fec LDPC + the best QAM/rate at each SNR, per
image codewords as the product sends them) comes from benchmarks/digital.py's results for the
same images (digital_<data>.json, with its own realizations): run that first; a data set
without one on as many images gets no envelope (CIFAR-10's digital.json holds 200 of them).

  .venv/bin/python benchmarks/photos.py                  # from the repository root
  .venv/bin/python benchmarks/photos.py --models da-djscc_1-12 da-djscc-photo_1-12 --update-cards
"""

import argparse
import json
from pathlib import Path

import numpy as np

from djscc import cli
from djscc.data import load_images
from djscc.evaluate import CAPACITY, CAPACITY_LABEL, evaluate_models, fit_images
from djscc.nn import zoo

RESULTS = Path(__file__).resolve().parent / "results"
ENVELOPE = "digital, best MCS per SNR"
DATASETS = {  # --datasets name: (its title in the report; data, from the repository root; image size or
    # None for as they are; digital.py's results)
    "kodak-crop128": ("Kodak24, 128x128 center crops", "../shared/data/kodak24", 128, "digital_kodak24_crop128.json"),
    "kodak-500": ("Kodak24 (500x500 crops)", "../shared/data/kodak24", None, "digital_kodak24.json"),
    "cifar10-exact": ("CIFAR-10, 846 exact test images", "../shared/data/cifar10/cifar10_exact.npz", None,
                      "digital.json"),
}
CARD_DATASETS = ("kodak-crop128", "kodak-500")  # CIFAR-10's card curve comes from models.sh


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["da-djscc_1-12", "da-djscc-photo_1-12"])
    parser.add_argument("--snr", type=float, nargs="+", default=[0.0, 5.0, 10.0, 15.0, 20.0])
    parser.add_argument("--realizations", type=int, default=10)
    parser.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=list(DATASETS),
                        help="the data sets to measure; the others already in results/photos.json are kept "
                             "where measured with as many realizations")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--update-cards", action="store_true",
                        help="store each model's Kodak24 curves in its card (its CIFAR-10 one comes from models.sh)")
    return parser.parse_args(argv)


def envelope(results_file: str, snr_grid: list[float], images: int) -> dict | None:
    """benchmarks/digital.py's best-MCS curve at ``snr_grid``, or None where it was not run on
    these ``images`` (as many) at these SNRs."""
    path = RESULTS / results_file
    if not path.exists():
        return None
    digital = json.loads(path.read_text())
    if digital["images"] != images or not set(snr_grid) <= set(digital["snr_db"]):
        print(f"no digital envelope: {path.name} holds {digital['images']} images at {digital['snr_db']} dB")
        return None
    at = [digital["snr_db"].index(snr) for snr in snr_grid]
    best = digital["best_mcs"]
    return {"psnr_db": {key: [best["psnr_db"][key][i] for i in at] for key in ("mean", "ci95")},
            "ssim": {key: [best["ssim"][key][i] for i in at] for key in ("mean", "ci95")},
            "mcs": [best["mcs"][i] for i in at],
            "source": f"benchmarks/results/{results_file} ({digital['images']} images, "
                      f"{digital['realizations']} realizations)"}


def table(report: dict) -> str:
    lines = ["# Photographs: CIFAR-10 and photo models beside the digital link", "",
             f"PSNR dB / SSIM, AWGN, mean over images of {report['realizations']} realizations an image "
             "(the digital envelope: as its source file says). `python benchmarks/photos.py`", ""]
    for name, result in report["datasets"].items():
        snr = result["snr_db"]
        lines += [f"## {name} ({result['images']} images)", "",
                  "| | " + " | ".join(f"{s:g} dB" for s in snr) + " |", "|---|" + "---:|" * len(snr)]
        for model, curve in result["models"].items():
            lines.append(f"| {model} | " + " | ".join(
                f"{p:.2f} / {s:.3f}" for p, s in zip(curve["psnr_db"]["mean"], curve["ssim"]["mean"])) + " |")
        lines.append("")
    return "\n".join(lines)


def measure(argv=None) -> int:
    args = parse_args(argv)
    cli.set_threads(args.threads)
    for name in args.models:
        zoo.resolve(name)  # a model not there fails now, not after minutes of measuring
    report = {"realizations": args.realizations, "datasets": earlier_datasets(args.realizations)}
    for name in args.datasets:
        title, data, size, digital_file = DATASETS[name]
        images = fit_images(load_images(data, "test"), size)
        result = evaluate_models(args.models + [CAPACITY], images, args.snr, realizations=args.realizations,
                                 classifier="none", update_cards=args.update_cards and name in CARD_DATASETS,
                                 card_command="python benchmarks/photos.py --update-cards")
        best = envelope(digital_file, args.snr, len(images))
        if best:
            result["models"][ENVELOPE] = best
        report["datasets"][title] = result
    report["datasets"] = {title: report["datasets"][title] for title, *_ in DATASETS.values()
                          if title in report["datasets"]}  # in DATASETS' order
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "photos.json").write_text(json.dumps(report, indent=1) + "\n")
    (RESULTS / "photos.md").write_text(table(report) + "\n")
    plot_all(report, RESULTS / "photos.png")
    print(table(report))
    return 0


def earlier_datasets(realizations: int) -> dict:
    """The data sets results/photos.json holds, where measured with ``realizations`` too."""
    path = RESULTS / "photos.json"
    if not path.exists():
        return {}
    earlier = json.loads(path.read_text())
    return earlier["datasets"] if earlier.get("realizations") == realizations else {}


def plot_all(report: dict, path: Path) -> None:
    """PSNR vs SNR, a panel a data set."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(report["datasets"]), figsize=(5.2 * len(report["datasets"]), 4.4),
                                squeeze=False)
    for axis, (name, result) in zip(axes[0], report["datasets"].items()):
        for model, curve in result["models"].items():
            style = ":" if model in (CAPACITY_LABEL, ENVELOPE) else "-"
            mean, ci = np.array(curve["psnr_db"]["mean"]), np.nan_to_num(np.array(curve["psnr_db"]["ci95"]))
            axis.plot(result["snr_db"], mean, style, marker="o", markersize=3, label=model)
            axis.fill_between(result["snr_db"], mean - ci, mean + ci, alpha=0.12)
        axis.set(title=f"{name} ({result['images']})", xlabel="channel SNR (dB)", ylabel="PSNR (dB)")
        axis.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    figure.suptitle(f"AWGN, k/n = 1/12 (1/6 where named), {report['realizations']} realizations an image; "
                    "bands: 95% over images", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(argv=None) -> int:
    return cli.run(measure, argv)


if __name__ == "__main__":
    raise SystemExit(main())
