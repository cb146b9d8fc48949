"""Seconds per training epoch (50,000 CIFAR-10 images) of each codec the recipe trains
(models/recipe.py; its AttenJSCC Table 1 configuration and the classifier left out), alone
and all side by side, on this machine's CPU or GPU. Writes results/training_speed_<cpu|gpu>.{json,png}.

Each job is the recipe's own djscc-train command on the first --images training images, run
for --minutes (epochs of --images images, one after another); its speed is the mean of its
epochs after the first (which pays for start-up and, with --compile, the compilation), scaled
to 50,000 images. "alone" runs one job at a time; "side by side" all at once for the same
minutes, as the recipe trains them, so every timed epoch ran beside the others and the sum
of the jobs' throughput is what the device gives.

  .venv/bin/python benchmarks/training_speed.py --threads 1 --images 5120          # CPU
  python benchmarks/training_speed.py --device cuda --images 50000 --compile reduce-overhead
"""

import argparse
import json
import platform
import sys
import tempfile
from pathlib import Path

import torch

from djscc.cli import COMPILE_MODES

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO / "models"))
import recipe  # noqa: E402  (the jobs as the recipe trains them)

EPOCH_IMAGES = 50000
CODECS = [name for name in recipe.JOBS if name not in ("cifar10_classifier", "attenjscc_1-12")]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(REPO.parent / "shared/data/cifar10/cifar10_jpeg_compact.npz"))
    parser.add_argument("--images", type=int, default=5120, help="training images an epoch (timed, then scaled)")
    parser.add_argument("--minutes", type=float, default=1.0, help="how long each measurement runs")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--compile", choices=COMPILE_MODES)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads a job")
    parser.add_argument("--only", nargs="+", choices=CODECS, default=CODECS)
    parser.add_argument("--results", type=Path, default=RESULTS, help="where training_speed_<cpu|gpu>.* go")
    return parser.parse_args(argv)


def machine(device: str) -> str:
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    return f"{cpu}, {torch.get_num_threads()} threads available"


def time_jobs(names: list[str], args, folder: Path) -> dict[str, float]:
    """Seconds per 50,000-image epoch of each job, all of ``names`` running at once."""
    extra = ["--epochs", "100000", "--time-budget-min", str(args.minutes), "--limit", str(args.images),
             "--batch-size", str(args.batch_size), "--device", args.device, "--restart"]
    extra += ["--compile", args.compile] if args.compile else []
    commands = {name: recipe.JOBS[name] + ["--data", args.data, "--out", str(folder / name),
                                           "--threads", str(args.threads)] + extra for name in names}
    status = recipe.run_all(commands, folder)
    seconds = {}
    for name in names:
        log = (folder / f"{name}.log").read_text()
        if status[name]:
            raise SystemExit(f"{name} failed:\n{log[-2000:]}")
        epochs = [json.loads(line[line.index("{"):]) for line in log.replace("\r", "\n").splitlines()
                  if '"epoch"' in line]
        timed = [epoch["seconds"] for epoch in epochs[1:]]
        if not timed:  # the first epoch pays for start-up (and compiling): it is no measure of speed
            raise SystemExit(f"{name}: only {len(epochs)} epoch of {args.images} images ran in "
                             f"{args.minutes} min; raise --minutes or lower --images")
        seconds[name] = round(sum(timed) / len(timed) * EPOCH_IMAGES / args.images, 2)
    return seconds


def plot(report: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["alone"])
    figure, axis = plt.subplots(figsize=(8, 4))
    for offset, key in ((-0.2, "alone"), (0.2, "side_by_side")):
        axis.bar([i + offset for i in range(len(names))], [report[key][n] for n in names], width=0.4,
                 label=key.replace("_", " "))
    axis.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    axis.set_ylabel("seconds per 50,000-image epoch")
    axis.set_title(f"{report['machine']} ({report['device']}), batch {report['batch_size']}, "
                   f"compile {report['compile']}", fontsize=9)
    axis.legend()
    axis.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(argv=None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        alone = {}
        for name in args.only:
            alone.update(time_jobs([name], args, Path(folder) / "alone"))
            print(f"{name}: {alone[name]} s an epoch alone", flush=True)
        side_by_side = time_jobs(args.only, args, Path(folder) / "side_by_side")
    report = {"machine": machine(args.device), "device": args.device, "threads_per_job": args.threads,
              "batch_size": args.batch_size, "compile": args.compile, "timed_images": args.images,
              "minutes_per_measurement": args.minutes,
              "statistic": f"mean seconds of an epoch of {args.images} images after the first, scaled to "
                           f"{EPOCH_IMAGES}",
              "alone": alone, "side_by_side": side_by_side,
              "side_by_side_total_images_per_s": round(sum(EPOCH_IMAGES / s for s in side_by_side.values()))}
    print(json.dumps(report, indent=1))
    kind = "cpu" if args.device == "cpu" else "gpu"
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"training_speed_{kind}.json").write_text(json.dumps(report, indent=1) + "\n")
    plot(report, args.results / f"training_speed_{kind}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
