"""Every shipped model at k/n = 1/12 side by side, one command:

  .venv/bin/python benchmarks/compare.py [--data EXACT_NPZ]

PSNR, SSIM and the shipped classifier's accuracy on the reconstructions at -2 (AttenJSCC's
reported point), 0, 5, 10, 15 and 20 dB over AWGN (djscc-eval's protocol: the 846 exact
CIFAR-10 test images, 10 channel realizations each, common random numbers), the share of
symbols sent, parameters, FLOPs and CPU latency (djscc-complexity), and what each model was
trained on and for how long (its card). Writes benchmarks/results/comparison.{json,png,md}.
"""

import argparse
import json
import platform
from pathlib import Path

import torch

from djscc.complexity import measure
from djscc.data import load_images
from djscc.evaluate import evaluate_model, plot
from djscc.nn import zoo
from djscc.nn.channels import make_channel

REPO = Path(__file__).resolve().parents[1]
MODELS = ["djscc_snr7_1-12", "djscc_snr15_1-12", "adjscc_1-12", "da-djscc_1-12",
          "attenjscc-small_1-12", "lssc_1-12", "gated-jscc_1-12"]
UNTRAINED = {"attenjscc (Table 1, untrained)": ("attenjscc", {})}
SNR_DB = [-2.0, 0.0, 5.0, 10.0, 15.0, 20.0]


def training_summary(card: dict) -> str:
    """'CIFAR-10 JPEG train (50,000), 45 epochs, 38 min on cpu x1' from a card."""
    training = card.get("training", {})
    data = Path(str(training.get("data", "?"))).name
    minutes = training.get("wall_seconds", 0) / 60
    return (f"{data} ({training.get('images', '?'):,} images), {training.get('epochs', '?')} epochs, "
            f"{minutes:.0f} min on {training.get('device', '?')}")


def markdown(report: dict) -> str:
    """One row per model; a cell per SNR holds 'PSNR dB / SSIM / accuracy'."""
    snrs = report["snr_db"]
    header = ("| model | " + " | ".join(f"{s:g} dB" for s in snrs)
              + " | symbols sent at 0 / 20 dB | parameters | MFLOPs | CPU ms | trained |")
    lines = [header, "| --- |" + " ---: |" * (len(snrs) + 4) + " --- |"]
    for name, row in report["models"].items():
        fidelity, cost = row["fidelity"], row["complexity"]
        if fidelity:
            cells = [f"{fidelity['psnr_db']['mean'][i]:.2f} / {fidelity['ssim']['mean'][i]:.3f} / "
                     f"{fidelity['accuracy']['mean'][i]:.3f}" for i in range(len(snrs))]
            sent = (f"{fidelity['symbols_sent']['mean'][snrs.index(0.0)]:.2f} / "
                    f"{fidelity['symbols_sent']['mean'][snrs.index(20.0)]:.2f}")
        else:
            cells, sent = ["–"] * len(snrs), "–"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {sent} | {cost['parameters']:,} | "
                     f"{cost['mflops']} | {cost['latency_ms']} | {row['trained']} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(REPO.parent / "shared/data/cifar10/cifar10_exact.npz"))
    parser.add_argument("--realizations", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    image_set = load_images(args.data, "test")
    classifier, classifier_card = zoo.load("cifar10_classifier")
    clean = classifier_card.get("figures", {})
    report = {"data": image_set.source, "images": len(image_set), "channel": "awgn",
              "realizations": args.realizations, "snr_db": SNR_DB,
              "classifier": {"name": "cifar10_classifier", "clean_accuracy": clean,
                             "trained": training_summary(classifier_card)},
              "machine": f"{platform.processor() or platform.machine()}, {args.threads} torch "
                         f"threads for fidelity; latency at 1 thread, batch 1",
              "models": {}}
    for name in MODELS:
        model, card = zoo.load(name)
        print(f"{name} ...", flush=True)
        fidelity = evaluate_model(model, image_set, SNR_DB, make_channel("awgn"),
                                  args.realizations, 256, 0, classifier)
        report["models"][name] = {"fidelity": fidelity, "trained": training_summary(card)}
    for label, (architecture, config) in UNTRAINED.items():
        report["models"][label] = {"fidelity": None, "trained": "not trained here (needs a GPU)",
                                   "model": zoo.build(architecture, **config).eval()}
    torch.set_num_threads(1)
    for name, row in report["models"].items():
        model = row.pop("model", None) or zoo.load(name)[0]
        row["complexity"] = measure(model, 32, 200)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "comparison.json").write_text(json.dumps(report, indent=1) + "\n")
    table = markdown(report)
    (args.out / "comparison.md").write_text(table)
    plot({**report, "models": {n: r["fidelity"] for n, r in report["models"].items() if r["fidelity"]}},
         args.out / "comparison.png")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
