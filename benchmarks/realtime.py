"""Real time: the unthrottled loopback's sustained sample rate and images per second on
this machine, and whether anything was dropped. Writes realtime.{json,png}.

Runs the loopback's chain on the GNU Radio runtime (image source, transmitter, GNU Radio's
channel model with the loopback's SNR, CFO and clock offset, receiver, image sink) as fast as
it goes, for several images-per-frame settings, with the transmitter filling the gaps with
zeros as it does in front of a radio: the receiver must search a continuous stream, as it
would at a radio's sample rate (a HackRF: at least 2 Msps), while the codec encodes and
decodes. Two loads: images offered as fast as the chain takes them (its image throughput),
and at 110 images/s, above the target's 100 (the sample rate it sustains while decoding
them, and whether it keeps up); each with the sink's per-image SSIM on (the loopback's
default) and off. Photos: --data a folder of them, --image-size S and --fit as the
loopback's (each frame then carries as many S x S images as fit); written to realtime_S.

  .venv/bin/python benchmarks/realtime.py [--data ../shared/data/cifar10/cifar10_exact.npz]
  .venv/bin/python benchmarks/realtime.py --data ../shared/data/bsds432 --image-size 128 --fit resize \
      --model da-djscc-photo_1-12     # speed only: its PSNR is on the photos it trained on
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch
from gnuradio import channels, gr

from djscc import blocks as djscc_blocks

RESULTS = Path(__file__).resolve().parent / "results"
SAMPLE_RATE = 2e6
CFO_HZ, CLOCK_PPM = 1000.0, 20.0  # the loopback's defaults
STREAM_BUFFER = 65536  # samples between the streaming blocks, as in the loopback
DEFAULT_MODEL = "da-djscc_1-12"
LEAD = 65536  # zeros before the first burst: the receiver's DC blocker settles first


class UnthrottledLoopback(gr.top_block):
    """Images -> transmitter -> channel model -> receiver -> image sink, unthrottled."""

    def __init__(self, model: str, data: str, images_per_frame: int, image_rate: float, ssim: bool,
                 snr_db: float, image_size: int, fit: str):
        gr.top_block.__init__(self, "gr-djscc real time", catch_exceptions=True)
        self.source = djscc_blocks.image_source(dataset=data, count=0, rate=image_rate, image_size=image_size, fit=fit)
        self.transmitter = djscc_blocks.transmitter(model=model, snr_db=snr_db, images_per_frame=images_per_frame,
                                                    fill=True, lead=LEAD)
        self.channel = channels.channel_model(noise_voltage=10 ** (-snr_db / 20), frequency_offset=CFO_HZ / SAMPLE_RATE,
                                              epsilon=1.0 + CLOCK_PPM * 1e-6, taps=[1.0], noise_seed=0)
        self.channel.set_min_output_buffer(STREAM_BUFFER)
        self.receiver = djscc_blocks.receiver(model=model, sample_rate=SAMPLE_RATE, image_size=image_size)
        self.sink = djscc_blocks.image_sink(true_snr_db=snr_db, quiet=True, ssim=ssim,
                                            idle_timeout=3.0 * max(1, image_size / 32))  # as the loopback's
        self.msg_connect(self.source, "images", self.sink, "reference")
        self.msg_connect(self.source, "images", self.transmitter, "images")
        self.msg_connect(self.receiver, "images", self.sink, "images")
        self.msg_connect(self.receiver, "csi", self.transmitter, "csi")
        self.connect(self.transmitter, self.channel, self.receiver)


def run_once(model: str, data: str, images_per_frame: int, image_rate: float, ssim: bool, snr_db: float,
             image_size: int = 32, fit: str = "crop") -> dict:
    top = UnthrottledLoopback(model, data, images_per_frame, image_rate, ssim, snr_db, image_size, fit)
    started, cpu_started = time.perf_counter(), time.process_time()
    top.start()
    completed = top.sink.wait_until_done()
    elapsed = time.perf_counter() - started - (0 if completed else top.sink.idle_timeout)
    cpu = time.process_time() - cpu_started
    top.stop()
    top.wait()
    summary, stats = top.sink.summary(), top.receiver.stats()
    return {
        "images_per_frame": images_per_frame, "offered_images_per_second": image_rate or "unlimited",
        "ssim": ssim,
        "snr_db": snr_db, "images_sent": summary["sent"],
        "images_received": summary["received"], "dropped": summary["lost"],
        "frames": stats["frames"], "frames_per_second": round(stats["frames"] / elapsed, 2),
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
    size = result["image_size"]
    axes[0].set(ylabel="sustained Msps",
                title=f"Loopback, unthrottled, {result['model']}, {size}x{size} images ({result['data']})")
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
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--data", default="../shared/data/cifar10/cifar10_exact.npz")
    parser.add_argument("--images-per-frame", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--image-rates", type=float, nargs="+", default=[0, 110],
                        help="images offered per second (0: as fast as the chain takes them)")
    parser.add_argument("--ssim", choices=["on", "off"], nargs="+", default=["on", "off"],
                        help="the sink's per-image SSIM")
    parser.add_argument("--snr-db", type=float, default=10.0)
    parser.add_argument("--image-size", type=int, default=32, help="the images' side S (photos: fitted to S x S)")
    parser.add_argument("--fit", choices=["crop", "resize"], default="crop", help="photos to S x S: as the loopback's")
    parser.add_argument("--out", type=Path, help="default: results/realtime, realtime_S for another image size, "
                                                 "_MODEL for another model")
    args = parser.parse_args()
    args.out = args.out or RESULTS / "_".join(["realtime"] + ([str(args.image_size)] if args.image_size != 32 else [])
                                              + ([args.model] if args.model != DEFAULT_MODEL else []))
    result = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
              "torch_threads_per_block": 1, "model": args.model, "data": args.data,
              "image_size": args.image_size, "fit": args.fit, "runs": []}
    for ssim in args.ssim:
        for image_rate in args.image_rates:
            for images_per_frame in args.images_per_frame:
                result["runs"].append(run_once(args.model, args.data, images_per_frame, image_rate, ssim == "on",
                                               args.snr_db, args.image_size, args.fit))
                print(result["runs"][-1], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    plot(result, args.out.with_suffix(".png"))
    print(f"wrote {args.out}.json and .png")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
