"""Which DA-DJSCC size for photographs: widths and depths trained alike on photo crops, then
PSNR on Kodak24 (128x128 center crops) against CPU latency per megapixel. Writes
results/photo_sizes.{json,md,png}.

Every variant is the paper's DA-DJSCC (SNR-adaptive channel and spatial attention after every
layer, c = 8: k/n = 1/12) with other conv widths, one layer a width (the first two halve the
resolution). Each trains from scratch with djscc-train on random --image-size crops of --data
(AWGN, SNR uniform 0-20 dB) for --epochs, at most --minutes a variant a run; the same command
again continues every unfinished variant from its checkpoint under --out (another machine too),
so a GPU's short runs add up to the whole schedule. Then every variant, as far as it got (the
table says how far), and the shipped models named by --reference are measured by djscc-eval's
protocol on --eval-data, and their encode + decode latency on the CPU at batch 1.
Arguments it does not know go to djscc-train (e.g. --device cuda --compile reduce-overhead).

  .venv/bin/python benchmarks/photo_sizes.py --minutes 9 --out runs/photo_sizes \\
      --device cuda --compile reduce-overhead          # on a GPU, again until every variant is done
  .venv/bin/python benchmarks/photo_sizes.py --epochs 2 --crops-per-epoch 2000 --minutes 20   # CPU, reduced
"""

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from djscc import cli
from djscc.complexity import measure as measure_complexity
from djscc.data import load_images
from djscc.errors import InputError
from djscc.evaluate import evaluate_models, fit_images
from djscc.nn import zoo

RESULTS = Path(__file__).resolve().parent / "results"
VARIANTS = {  # name: conv widths (the depth is their count)
    "paper 16-32-32-32": [16, 32, 32, 32],
    "2x wide 32-64-64-64": [32, 64, 64, 64],
    "4x wide 64-128-128-128": [64, 128, 128, 128],
    "deeper 32-64-64-64-64-64": [32, 64, 64, 64, 64, 64],
}


def parse_args(argv=None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     allow_abbrev=False)  # the options it does not know go to djscc-train
    parser.add_argument("--data", default="../shared/data/bsds432", help="training photos (a folder)")
    parser.add_argument("--eval-data", default="../shared/data/kodak24")
    parser.add_argument("--image-size", type=cli.positive_int, default=128, help="training crops and test crops")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--reference", nargs="*", default=["da-djscc_1-12", "da-djscc-photo_1-12"],
                        help="shipped models measured beside them")
    parser.add_argument("--epochs", type=cli.positive_int, default=300)
    parser.add_argument("--crops-per-epoch", type=cli.positive_int, default=10000)
    parser.add_argument("--batch-size", type=cli.positive_int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--minutes", type=cli.positive_float, required=True,
                        help="training time a variant in this run")
    parser.add_argument("--snr", type=cli.finite_float, nargs="+", default=[0.0, 5.0, 10.0, 15.0, 20.0])
    parser.add_argument("--realizations", type=cli.positive_int, default=10)
    parser.add_argument("--threads", type=cli.positive_int, default=2,
                        help="torch CPU threads for training on the CPU, evaluation and the latency")
    parser.add_argument("--latency-runs", type=cli.positive_int, default=50)
    parser.add_argument("--out", type=Path, default=Path("runs/photo_sizes"), help="checkpoints, models, logs")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where photo_sizes.{json,md,png} go")
    return parser.parse_known_args(argv)


def file_name(variant: str) -> str:
    return "da-djscc-" + "-".join(map(str, VARIANTS[variant]))


def train(variant: str, args, train_args: list[str]) -> None:
    """djscc-train for one variant, resuming its checkpoint; its log goes to --out/NAME.log."""
    out = args.out / file_name(variant)
    if out.with_suffix(".json").exists():
        training = zoo.read_card(out)["training"]
        if training["scheduled_epochs"] == args.epochs <= training["epochs"]:
            return  # done; another --epochs goes to djscc-train, which refuses a changed schedule
    command = [sys.executable, "-m", "djscc.train", "--arch", "da-djscc",
               "--config", json.dumps({"widths": VARIANTS[variant]}), "--data", args.data,
               "--crop-size", str(args.image_size), "--crops-per-epoch", str(args.crops_per_epoch),
               "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--lr", str(args.lr),
               "--time-budget-min", str(args.minutes), "--threads", str(args.threads),
               "--out", str(out), *train_args]
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"training {variant} ({out})", flush=True)
    with (args.out / f"{file_name(variant)}.log").open("a") as log:
        if subprocess.run(command, stdout=log, stderr=subprocess.STDOUT).returncode:
            raise InputError(f"training {variant} failed: see {log.name}")


def latency(model: torch.nn.Module, image_size: int, runs: int) -> dict:
    """CPU encode + decode of one image: parameters, MFLOPs, median ms, and ms a megapixel."""
    figures = measure_complexity(model.cpu().eval(), image_size, runs)
    figures["ms_per_megapixel"] = round(figures["latency_ms"] * 1e6 / image_size**2, 1)
    return figures


def measure(argv=None) -> int:
    args, train_args = parse_args(argv)
    cli.set_threads(args.threads)
    for name in args.reference:
        zoo.resolve(name)  # a model not there fails now, not after the training
    for variant in args.variants:
        train(variant, args, train_args)
    models = {variant: args.out / file_name(variant) for variant in args.variants}
    models.update({name: zoo.resolve(name) for name in args.reference})
    images = fit_images(load_images(args.eval_data, "test"), args.image_size)
    fidelity = evaluate_models([str(path) for path in models.values()], images, args.snr,
                               realizations=args.realizations, classifier="none")
    report = {"data": args.data, "eval_data": images.source, "images": len(images), "image_size": args.image_size,
              "snr_db": args.snr, "realizations": args.realizations, "threads": args.threads,
              "machine": platform.processor() or platform.machine(), "train_args": train_args, "models": {}}
    for (label, path), curve in zip(models.items(), fidelity["models"].values()):
        model, card = zoo.load(path)
        training = card["training"]
        report["models"][label] = {
            "widths": list(card["config"].get("widths", [])), "epochs": training["epochs"],
            "scheduled_epochs": training.get("scheduled_epochs", training["epochs"]),
            "training": f"{training.get('images')} images of {training.get('data')} "
                        f"from {training.get('initialized_from') or 'scratch'}, on {training.get('device')}",
            "wall_seconds": training.get("wall_seconds"),
            **latency(model, args.image_size, args.latency_runs),
            "psnr_db": curve["psnr_db"], "ssim": curve["ssim"]}
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "photo_sizes.json").write_text(json.dumps(report, indent=1) + "\n")
    (args.results / "photo_sizes.md").write_text(table(report) + "\n")
    plot(report, args.results / "photo_sizes.png")
    print(table(report))
    return 0


def table(report: dict) -> str:
    snr = report["snr_db"]
    lines = ["# DA-DJSCC sizes on photographs", "",
             f"PSNR dB, AWGN, {report['eval_data']} ({report['images']} images), "
             f"{report['realizations']} realizations an image; "
             f"CPU latency of encode + decode at batch 1 on {report['threads']} thread(s) of "
             f"{report['machine']}. `python benchmarks/photo_sizes.py`", "",
             "| model | widths | parameters | MFLOPs / image | CPU ms / megapixel | epochs | "
             + " | ".join(f"{s:g} dB" for s in snr) + " |",
             "|---|---|---:|---:|---:|---:|" + "---:|" * len(snr)]
    for label, row in report["models"].items():
        lines.append(f"| {label} | {'-'.join(map(str, row['widths']))} | {row['parameters']:,} | {row['mflops']:.0f} | "
                     f"{row['ms_per_megapixel']:.0f} | {row['epochs']} of {row['scheduled_epochs']} | "
                     + " | ".join(f"{p:.2f}" for p in row["psnr_db"]["mean"]) + " |")
    lines += ["", "Trained: " + "; ".join(f"{label}: {row['training']}" for label, row in report["models"].items())]
    return "\n".join(lines)


def plot(report: dict, path: Path) -> None:
    """PSNR vs SNR for every model, and PSNR at the middle SNR vs CPU latency a megapixel."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (curves, cost) = plt.subplots(1, 2, figsize=(11, 4.4))
    middle = len(report["snr_db"]) // 2
    for label, row in report["models"].items():
        mean = np.array(row["psnr_db"]["mean"])
        curves.plot(report["snr_db"], mean, marker="o", markersize=3, label=label)
        cost.scatter(row["ms_per_megapixel"], mean[middle])
        cost.annotate(label, (row["ms_per_megapixel"], mean[middle]), fontsize=7,
                      xytext=(4, 2), textcoords="offset points")
    curves.set(title=f"{report['eval_data']} ({report['images']})", xlabel="channel SNR (dB)", ylabel="PSNR (dB)")
    cost.set(title=f"at {report['snr_db'][middle]:g} dB", xscale="log", ylabel="PSNR (dB)",
             xlabel=f"CPU ms / megapixel (encode + decode, {report['threads']} thread(s))")
    for axis in (curves, cost):
        axis.grid(alpha=0.3)
    curves.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(argv=None) -> int:
    return cli.run(measure, argv)


if __name__ == "__main__":
    raise SystemExit(main())
