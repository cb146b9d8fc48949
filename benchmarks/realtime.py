"""Real time: the unthrottled loopback flowgraph's sustained sample rate and images per
second on this machine, and whether anything was dropped. Writes realtime.{json,png}.

Runs flowgraphs/loopback.py's top block (encoder, framer, channel model, burst receiver,
decoder, image sink: the whole chain on the GNU Radio runtime) as fast as it goes, for
several images-per-frame settings, with the burst source filling the gaps with zeros as it
does in front of a radio: the receiver must search a continuous stream, as it would at a
radio's sample rate (a HackRF: at least 2 Msps), while the codec encodes and decodes. Two
loads: images offered as fast as the chain takes them (its image throughput), and at 110
images/s, above the target's 100 (the sample rate it sustains while decoding them, and
whether it keeps up); each with the sink's per-image SSIM on (the loopback's default) and off.

  .venv/bin/python benchmarks/realtime.py [--data ../shared/data/cifar10/cifar10_exact.npz]
"""

import argparse
import importlib.util
import json
import os
import platform
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


def loopback_class():
    spec = importlib.util.spec_from_file_location("loopback", REPO / "flowgraphs" / "loopback.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.loopback


def run_once(top_block_class, data: str, images_per_frame: int, image_rate: float,
             ssim: bool, snr_db: float) -> dict:
    top = top_block_class(snr_db=snr_db, dataset=data, num_images=0, images_per_frame=images_per_frame,
                          out_dir="", model="da-djscc_1-12")
    top.djscc_image_source_0.rate = image_rate  # 0: as fast as the chain takes them
    top.djscc_image_sink_0.quiet = True
    top.djscc_image_sink_0.ssim = ssim
    top.djscc_transmitter_0.burst_source.fill = True  # a continuous stream, as in front of a radio sink
    started, cpu_started = time.perf_counter(), time.process_time()
    top.start()
    completed = top.djscc_image_sink_0.wait_until_done()
    elapsed = time.perf_counter() - started - (0 if completed else top.djscc_image_sink_0.idle_timeout)
    cpu = time.process_time() - cpu_started
    top.stop()
    top.wait()
    summary, stats = top.djscc_image_sink_0.summary(), top.djscc_receiver_0.stats()
    return {
        "images_per_frame": images_per_frame, "offered_images_per_second": image_rate or "unlimited",
        "ssim": ssim,
        "snr_db": snr_db, "images_sent": summary["sent"],
        "images_received": summary["received"], "dropped": summary["lost"],
        "samples": stats["samples"], "seconds": round(elapsed, 3),
        "msps": round(stats["samples"] / elapsed / 1e6, 3),
        "images_per_second": round(summary["received"] / elapsed, 1),
        "cpu_cores_busy": round(cpu / elapsed, 2), "mean_psnr_db": summary["mean_psnr_db"],
    }


def plot(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = result["runs"]
    labels = [f"{r['images_per_frame']}/frame, {r['offered_images_per_second']}"
              f"{', SSIM' if r['ssim'] else ''}" for r in runs]
    figure, axes = plt.subplots(2, 1, figsize=(10, 7))
    axes[0].bar(labels, [r["msps"] for r in runs])
    for axis in axes:
        axis.tick_params(axis="x", labelrotation=30, labelsize=8)
    axes[0].axhline(2.0, color="red", linestyle=":", label="target 2 Msps")
    axes[0].set(ylabel="sustained Msps", title="Loopback, unthrottled")
    axes[1].bar(labels, [r["images_per_second"] for r in runs], color="tab:green")
    axes[1].axhline(100, color="red", linestyle=":", label="target 100 images/s")
    axes[1].set(ylabel="images decoded per second", title=result["machine"])
    for axis in axes:
        axis.legend()
        axis.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/cifar10/cifar10_exact.npz")
    parser.add_argument("--images-per-frame", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--image-rates", type=float, nargs="+", default=[0, 110],
                        help="images offered per second (0: as fast as the chain takes them)")
    parser.add_argument("--ssim", choices=["on", "off"], nargs="+", default=["on", "off"],
                        help="the sink's per-image SSIM")
    parser.add_argument("--snr-db", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=RESULTS / "realtime")
    args = parser.parse_args()
    top_block_class = loopback_class()
    result = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
              "torch_threads_per_block": 1, "data": args.data, "runs": []}
    for ssim in args.ssim:
        for image_rate in args.image_rates:
            for images_per_frame in args.images_per_frame:
                result["runs"].append(run_once(top_block_class, args.data, images_per_frame,
                                               image_rate, ssim == "on", args.snr_db))
                print(result["runs"][-1], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    plot(result, args.out.with_suffix(".png"))
    print(f"wrote {args.out}.json and .png")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
