"""What the |h| the receiver measures buys the decoder, through the GNU Radio loopback under
Rayleigh fading with Doppler (issue 12, item 5). Writes fading.{json,md,png}.

flowgraphs/loopback.py's top block with GNU Radio's fading_model (8 sinusoids, Doppler
``--doppler``) before the channel model (noise at each average ``--snr``, 1 kHz CFO, 20 ppm
clock offset),
the burst receiver's tracking, per-image SINR and per-pilot-block SINR in the loop. Each model
in turn sees the same channel (the same seeds, the same frame lengths): the AWGN-trained
DA-DJSCC (conditioned on each image's SINR), the same fine-tuned over fading without the map,
and da-djscc-fading_1-12, which also takes every pilot block's SINR (its CSI map). PSNR is
compared on the images every model received (a frame whose preamble falls in a fade is lost
to all), paired: the differences and their 95 % intervals are the figures that matter.

  .venv/bin/python benchmarks/fading.py [--doppler 0 10 100 300] [--snr 5 15] [--seeds 4] [--models ...]

The committed figures add the ablation, trained as the README says:
  --models da-djscc_1-12 runs/da-djscc-fading-mix-nomap_1-12 da-djscc-fading_1-12
"""

import argparse
import contextlib
import io
import json
import time
from pathlib import Path

import numpy as np
from schemes import RESULTS, loopback_class, machine, write_results
from scipy import stats

MODELS = ("da-djscc_1-12", "da-djscc-fading_1-12")  # the README's table adds the ablation (--models)


def run_one(loopback, model: str, snr_db: float, doppler_hz: float, seed: int, args) -> dict:
    """image id -> (PSNR, position in its frame) of one loopback run."""
    top = loopback(snr_db=snr_db, fading=1, doppler_hz=doppler_hz, model=model, dataset=args.dataset,
                   num_images=args.images, images_per_frame=args.images_per_frame, seed=seed, out_dir="")
    with contextlib.redirect_stdout(io.StringIO()):  # the sink's line per image
        top.start()
        top.djscc_image_sink_0.wait_until_done()
        top.stop()
        top.wait()
    return {row["image_id"]: (row["psnr_db"], row["image_id"] % args.images_per_frame)
            for row in top.djscc_image_sink_0.summary()["images"] if "psnr_db" in row}


def rounded(pair: tuple[float, float]) -> list[float]:
    return [round(pair[0], 3), round(pair[1], 3)]


def over_seeds(per_seed: list[np.ndarray]) -> list[float]:
    """Mean over a point's seeds of each seed's mean, and the 95 % interval over the seeds
    (Student's t): a seed's images share one fade trajectory (at 0 Hz one gain), so the
    seeds, not the images, are the independent draws."""
    means = np.array([values.mean() for values in per_seed if len(values)])
    if len(means) < 2:
        return rounded((float(means.mean()), float("nan")))
    half = stats.t.ppf(0.975, len(means) - 1) * means.std(ddof=1) / np.sqrt(len(means))
    return rounded((float(means.mean()), float(half)))


def compare(runs: dict, args) -> dict:
    """Per model: images delivered, PSNR on the images every model received (paired within
    each seed: one channel), the PSNR of the first and the last image of a frame, and the
    paired gain over the first model; means and intervals over seeds (over_seeds)."""
    seeds = range(len(next(iter(runs.values()))))
    common = [sorted(set.intersection(*(set(per_seed[seed]) for per_seed in runs.values()))) for seed in seeds]
    figures, baseline = {}, None
    for model, per_seed in runs.items():
        psnr = [np.array([per_seed[seed][i][0] for i in common[seed]]) for seed in seeds]
        positions = np.array([per_seed[seed][i][1] for seed in seeds for i in common[seed]])
        pooled = np.concatenate(psnr)
        entry = {"delivered": sum(len(s) for s in per_seed), "psnr_db": over_seeds(psnr),
                 "first_image_psnr_db": round(float(pooled[positions == 0].mean()), 3),
                 "last_image_psnr_db": round(float(pooled[positions == args.images_per_frame - 1].mean()), 3)}
        if baseline is None:
            baseline = psnr
        else:
            entry["gain_db"] = over_seeds([ours - theirs for ours, theirs in zip(psnr, baseline)])
        figures[model] = entry
    return {"compared": sum(len(ids) for ids in common), "models": figures}


def table(result: dict) -> str:
    models = result["models"]
    lines = [f"# DA-DJSCC through fading, through the GNU Radio loopback ({result['machine']})", "",
             f"Made by `benchmarks/fading.py`: {result['images']} images of `{result['dataset']}` "
             f"x {result['seeds']} channel seeds a point, {result['images_per_frame']} a frame, "
             f"{result['channel']}. PSNR (dB) on the images every model received, mean over seeds +- 95 % "
             "(Student's t over the seeds: a seed's images share one fade); "
             f"gain: paired, over `{models[0]}`; first / last: the first and the last image of a frame.", "",
             "| SNR (dB) | Doppler (Hz) | " + " | ".join(f"`{m}`" for m in models) + " | delivered (each) |",
             "|---:|---:|" + "---|" * len(models) + "---|"]
    for row in result["rows"]:
        cells = []
        for model in models:
            entry = row["models"][model]
            gain = f", gain {entry['gain_db'][0]:+.2f} +- {entry['gain_db'][1]:.2f}" if "gain_db" in entry else ""
            cells.append(f"{entry['psnr_db'][0]:.2f} +- {entry['psnr_db'][1]:.2f}{gain} "
                         f"(first {entry['first_image_psnr_db']:.2f} / last {entry['last_image_psnr_db']:.2f})")
        delivered = " / ".join(str(row["models"][m]["delivered"]) for m in models)
        lines.append(f"| {row['snr_db']:g} | {row['doppler_hz']:g} | " + " | ".join(cells)
                     + f" | {delivered} of {row['sent']} |")
    return "\n".join(lines) + "\n"


def plot(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(2 + 1.2 * len(result["rows"]), 4.5))
    positions = np.arange(len(result["rows"]))
    width = 0.8 / len(result["models"])
    for index, model in enumerate(result["models"]):
        values = [row["models"][model]["psnr_db"] for row in result["rows"]]
        axis.bar(positions + index * width, [v[0] for v in values], width, yerr=[v[1] for v in values],
                 capsize=3, label=model)
    low = min(row["models"][m]["psnr_db"][0] for row in result["rows"] for m in result["models"])
    axis.set(xticks=positions + width * (len(result["models"]) - 1) / 2,
             xticklabels=[f"{row['snr_db']:g} dB\n{row['doppler_hz']:g} Hz" for row in result["rows"]],
             ylabel="PSNR (dB)",
             ylim=(low - 2, None), xlabel=f"average SNR, Doppler ({result['channel']})")
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3, axis="y")
    figure.suptitle(f"DA-DJSCC through fading, GNU Radio loopback ({result['machine']})", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--doppler", type=float, nargs="+", default=[0, 10, 100, 300])
    parser.add_argument("--snr", type=float, nargs="+", default=[5.0, 15.0], help="average SNRs (dB)")
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--dataset", default="samples")
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--images-per-frame", type=int, default=16)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--out", type=Path, default=RESULTS / "fading")
    args = parser.parse_args()
    loopback = loopback_class()
    result = {"models": args.models, "dataset": args.dataset, "images": args.images, "seeds": args.seeds,
              "images_per_frame": args.images_per_frame, "machine": machine(),
              "channel": "Rayleigh (GNU Radio fading_model), 1 kHz CFO, 20 ppm clock", "rows": []}
    for snr_db in args.snr:
        for doppler_hz in args.doppler:
            started = time.perf_counter()
            runs = {model: [run_one(loopback, model, snr_db, doppler_hz, seed, args) for seed in range(args.seeds)]
                    for model in args.models}
            row = {"snr_db": snr_db, "doppler_hz": doppler_hz, "sent": args.images * args.seeds,
                   **compare(runs, args), "seconds": round(time.perf_counter() - started, 1)}
            result["rows"].append(row)
            print(json.dumps(row), flush=True)
    write_results(result, args.out, table, plot)


if __name__ == "__main__":
    main()
