"""Retrain the CIFAR-10 codecs and the classifier of models/ side by side (JOBS; the fading and
photo models are fine-tuned from them by djscc-train, see the README): the paper's 300-epoch
schedule spread over as many short runs as it takes, or a schedule sized to one time budget.

All trainings run at once (on one GPU, or on the CPU in reduced form). By default each job
runs its full schedule (--max-epochs, the paper's 300; --max-classifier-epochs) for at most
--minutes (it starts no epoch that would end past them); the same command again (on this or
another machine, with --out carried along) resumes every job from its checkpoint and
continues the same schedule, until each card's epochs reach its scheduled epochs. With
--fit-schedule, a short probe (one epoch on a slice of the data, every job at once, so
contention is counted) measures each job's epoch time and sizes each schedule to what fits
in --minutes, so every model finishes a (shorter) schedule in one run.

  python models/recipe.py --data ../shared/data/cifar10/cifar10_jpeg_compact.npz \\
      --test-data ../shared/data/cifar10/cifar10_exact.npz --minutes 9 --out runs/recipe \\
      --only da-djscc_1-12 adjscc_1-12      # again and again: 300 epochs in 9-minute runs
  python models/recipe.py ... --minutes 20 --only da-djscc_1-12 --threads 2 --fit-schedule   # CPU
  python models/recipe.py ... --minutes 150 --only da-djscc_1-12 --threads 2 --compile default
      # CPU, the full 300 epochs in 150-minute runs (~11-33 s an epoch on 2 cores, by model and
      # by how busy the host is; the shipped da-djscc_1-12 took three). At lr 1e-3 every model
      # but DJSCC@7 collapsed now and then (output flat, train PSNR 10-16 dB down in one epoch,
      # back in 10-30): DA-DJSCC at epochs 23 and 75, ADJSCC at 24, DJSCC@15 at 24, 58, 89
      # and 110. A trial that clipped every step's gradient norm at 0.05 only moved DJSCC@15's
      # first collapse to epoch 45; the largest gradient norm of each epoch (in its log line)
      # rose from 0.5 to 2.6 over the five epochs before it while the train PSNR slipped 0.6 dB.
      # Half the rate (--lr 5e-4) learned slower and still collapsed, at epoch 38 (4 dB, back in one).
      # Step by step (a seed collapses at the same step every time), the epoch-24 collapse came
      # ~40 steps into the epoch, as the gradient of the latent layer's conv bias (most of the
      # norm all along) grew from 0.07 to 1.6; with that bias held at zero the model collapsed at
      # epoch 26 instead. Adam's second-moment decay at 0.95 instead of 0.999 (djscc-train
      # --adam-beta2 0.95) is the first thing that held: DJSCC@15 trained 151 epochs of the
      # schedule without a collapse (past all four of the 0.999 run's) and learned faster: 27.89
      # dB train PSNR at epoch 57 and 28.27 at 151, against 27.16 and 28.07 at 0.999. One
      # model, one seed: to confirm on the next model, e.g. --codec-options="--adam-beta2 0.95".
  python models/recipe.py ... --codec-options="--batch-size 32 --lr 1e-4"   # the paper's batch and rate

The shipped DA-DJSCC 1/6, AttenJSCC (small) and LSSC came from `--minutes 15 --fit-schedule`
on one H100; DA-DJSCC 1/12 from the 300-epoch CPU run above and ADJSCC, DJSCC@7 and DJSCC@15
from runs like it, and the gated model from a CPU run too. Each card says how
its model was trained. AttenJSCC in its Table 1 configuration (attenjscc_1-12, 21.7M parameters,
87 MB: not shipped; its card is benchmarks/results/attenjscc_1-12.card.json) trains at lr 1e-4:
at 1e-3 its loss rose and went NaN within 25-55 steps on the H100, with or without TF32 or
clipping the gradient norm at 1.
"""

import argparse
import contextlib
import math
import shlex
import subprocess
import sys
import time
from pathlib import Path

from djscc.cli import COMPILE_MODES, positive_float
from djscc.data import load_images
from djscc.nn import zoo

CODEC = [sys.executable, "-m", "djscc.train"]
CLASSIFIER = [sys.executable, "-m", "djscc.train_classifier"]
JOBS = {
    "djscc_snr7_1-12": CODEC + ["--arch", "djscc", "--snr", "7"],
    "djscc_snr15_1-12": CODEC + ["--arch", "djscc", "--snr", "15"],
    "adjscc_1-12": CODEC + ["--arch", "adjscc"],
    "da-djscc_1-12": CODEC + ["--arch", "da-djscc"],
    "da-djscc_1-6": CODEC + ["--arch", "da-djscc", "--latent-channels", "16"],
    "attenjscc-small_1-12": CODEC + ["--arch", "attenjscc", "--config", '{"filters": 20}'],
    "attenjscc_1-12": CODEC + ["--arch", "attenjscc", "--lr", "1e-4"],  # diverges at 1e-3
    "lssc_1-12": CODEC + ["--arch", "lssc"],
    "gated-jscc_1-12": CODEC + ["--arch", "gated-jscc"],
    "cifar10_classifier": CLASSIFIER + ["--widths", "64", "128", "256", "512"],
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="labelled training set (cifar10 or .npz)")
    parser.add_argument("--test-data", required=True, help="the classifier's test set (.npz)")
    parser.add_argument("--out", type=Path, required=True, help="folder for models and logs")
    parser.add_argument("--minutes", type=positive_float, required=True,
                        help="this run's training time (after the probe, with --fit-schedule)")
    parser.add_argument("--fit-schedule", action="store_true",
                        help="size each schedule to --minutes (a probe first) instead of running the "
                             "full one in budgeted runs")
    parser.add_argument("--max-epochs", type=int, default=300, help="codecs (the paper's 300)")
    parser.add_argument("--max-classifier-epochs", type=int, default=60)
    parser.add_argument("--only", nargs="+", choices=sorted(JOBS), default=sorted(JOBS))
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads per job")
    parser.add_argument("--probe-images", type=int, default=6400, help="images in the probe epoch")
    parser.add_argument("--codec-options", type=shlex.split, default=[], metavar='"OPTIONS"',
                        help="more djscc-train options for every codec job, after the job's own, e.g. "
                             '--codec-options="--batch-size 32 --lr 1e-4" (the paper\'s batch and rate); '
                             "a checkpoint resumes only with the options it started with")
    parser.add_argument("--compile", choices=COMPILE_MODES,
                        help="torch.compile each codec's training step (djscc-train --compile): on a GPU "
                             "reduce-overhead; on a CPU default, ~1.3x faster epochs after ~90 s compiling")
    return parser.parse_args(argv)


def command(name: str, args, out: Path, extra: list[str], compile_step: bool = True) -> list[str]:
    classifier = name == "cifar10_classifier"
    data = ["--data", args.data] + (["--test-data", args.test_data] if classifier else [])
    compiled = ["--compile", args.compile] if args.compile and compile_step else []
    codec_options = [] if classifier else compiled + args.codec_options
    return JOBS[name] + data + ["--out", str(out / name), "--threads", str(args.threads)] + codec_options + extra


def run_all(commands: dict[str, list[str]], logs: Path) -> dict[str, int]:
    """Start every command at once, wait for all; exit status by name."""
    logs.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as files:
        running = {name: subprocess.Popen(argv, stdout=files.enter_context((logs / f"{name}.log").open("a")),
                                          stderr=subprocess.STDOUT) for name, argv in commands.items()}
        return {name: process.wait() for name, process in running.items()}


def seconds_per_image(probe_model: Path) -> float:
    """Training seconds an image in the probe, from the card its one epoch wrote."""
    training = zoo.read_card(probe_model)["training"]
    return training["wall_seconds"] / training["images"]


def fitted_schedules(args) -> dict[str, int]:
    """Epochs per job that fit in --minutes, from a probe epoch of every job at once. The
    probe does not compile (compiling takes longer than its one short epoch, and would count
    as training time), so a compiled schedule comes out a little short, not a tenth."""
    probe = args.out / "probe"
    status = run_all({name: command(name, args, probe, ["--epochs", "1", "--limit", str(args.probe_images),
                                                        "--restart"], compile_step=False)
                      for name in args.only}, probe)
    failed = [name for name, code in status.items() if code]
    if failed:
        raise SystemExit(f"probe failed for {failed}; see {probe}/*.log")
    training_images = len(load_images(args.data, "train").images)
    plan = {}
    for name in args.only:
        seconds = seconds_per_image(probe / name) * training_images
        plan[name] = max(1, min(epoch_cap(name, args), math.floor(60 * args.minutes / seconds)))
        print(f"{name}: ~{seconds:.1f} s/epoch -> {plan[name]} epochs", flush=True)
    return plan


def epoch_cap(name: str, args) -> int:
    return args.max_classifier_epochs if name == "cifar10_classifier" else args.max_epochs


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.fit_schedule:
        jobs = {name: ["--epochs", str(epochs), "--restart"] for name, epochs in fitted_schedules(args).items()}
    else:
        jobs = {name: ["--epochs", str(epoch_cap(name, args)), "--time-budget-min", str(args.minutes)]
                for name in args.only}
    started = time.time()
    status = run_all({name: command(name, args, args.out, extra) for name, extra in jobs.items()},
                     args.out / "logs")
    print(f"trained for {(time.time() - started) / 60:.1f} min:", flush=True)
    for name, code in status.items():
        if code:
            print(f"  {name} FAILED ({code}): see {args.out / 'logs' / name}.log", flush=True)
            continue
        training = zoo.read_card(args.out / name)["training"]
        done = training["epochs"] >= training["scheduled_epochs"]
        print(f"  {name} ok: epoch {training['epochs']} of {training['scheduled_epochs']}"
              + ("" if done else " (run the same command again to continue)"), flush=True)
    return int(any(status.values()))


if __name__ == "__main__":
    raise SystemExit(main())
