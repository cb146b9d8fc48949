"""Soak: the whole loopback chain over a long run, its memory at start and end, nothing lost.
Writes soak.{json,png}.

Image source (the dataset, repeated, at --rate images/s: message ports have no back
pressure, so an unpaced source would only fill their queues) -> transmitter -> GNU Radio's
channel model -> receiver -> image sink (SSIM off), with the process's resident memory
(RSS) sampled throughout. A leak shows as RSS growing with the images; a bounded chain
levels off. One hour at the target's 100 images/s is the default (360,000 images); a
shorter run at a higher rate compresses it.

  .venv/bin/python benchmarks/soak.py [--images 360000 --rate 100]
"""

import argparse
import json
import platform
import threading
import time
from pathlib import Path

import torch
from gnuradio import channels, gr

from djscc.blocks import image_sink, image_source, receiver, transmitter

RESULTS = Path(__file__).resolve().parent / "results"
SNR_DB = 10.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def soak(images: int, rate: float, dataset: str, images_per_frame: int, every: float) -> dict:
    top = gr.top_block()
    source = image_source(dataset=dataset, count=0, rate=rate, repeat=True)  # cycles until stopped
    tx = transmitter(model="da-djscc_1-12", snr_db=SNR_DB, images_per_frame=images_per_frame)
    channel = channels.channel_model(noise_voltage=10 ** (-SNR_DB / 20), frequency_offset=1e3 / 2e6,
                                     epsilon=1 + 20e-6, noise_seed=1)
    rx = receiver(model="da-djscc_1-12", sample_rate=2e6)
    sink = image_sink(quiet=True, ssim=False, true_snr_db=SNR_DB, idle_timeout=10.0)
    top.msg_connect(source, "images", tx, "images")
    top.msg_connect(source, "images", sink, "reference")
    top.connect(tx, channel, rx)
    top.msg_connect(rx, "images", sink, "images")
    samples, started, done = [], time.perf_counter(), threading.Event()

    def sample():
        while not done.wait(every):
            samples.append({"seconds": round(time.perf_counter() - started, 1), "rss_mb": round(rss_mb(), 1),
                            "images_received": sink.summary()["received"]})

    samples.append({"seconds": 0.0, "rss_mb": round(rss_mb(), 1), "images_received": 0})
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    top.start()
    received, progress = 0, time.perf_counter()
    while received < images and time.perf_counter() - progress < 30:  # stalled 30 s: stop too
        time.sleep(1.0)
        if sink.summary()["received"] > received:
            received, progress = sink.summary()["received"], time.perf_counter()
    top.stop()
    top.wait()
    done.set()
    sampler.join()
    summary, elapsed = sink.summary(), time.perf_counter() - started
    samples.append({"seconds": round(elapsed, 1), "rss_mb": round(rss_mb(), 1),
                    "images_received": summary["received"]})
    return {"images_asked": images, "images_sent": summary["sent"], "images_received": summary["received"],
            "mean_psnr_db": summary["mean_psnr_db"], "seconds": round(elapsed, 1),
            "images_per_second": round(summary["received"] / elapsed, 1),
            "receiver": rx.stats(), "rss": samples}


def plot(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4))
    axis.plot([s["images_received"] for s in result["rss"]], [s["rss_mb"] for s in result["rss"]], "o-")
    axis.set(xlabel="images received", ylabel="RSS (MB)", ylim=(0, None),
             title=f"Soak: {result['images_received']}/{result['images_sent']} images, "
                   f"{result['images_per_second']} images/s ({result['machine']})")
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=360_000, help="one hour at 100 images/s")
    parser.add_argument("--rate", type=float, default=100.0, help="images offered per second")
    parser.add_argument("--dataset", default="samples")
    parser.add_argument("--images-per-frame", type=int, default=16)
    parser.add_argument("--every", type=float, default=20.0, help="seconds between RSS samples")
    parser.add_argument("--out", type=Path, default=RESULTS / "soak")
    args = parser.parse_args()
    result = {"machine": f"{platform.processor() or platform.machine()}, torch {torch.get_num_threads()} threads",
              "snr_db": SNR_DB, "images_per_frame": args.images_per_frame, "dataset": args.dataset,
              "offered_images_per_second": args.rate,
              **soak(args.images, args.rate, args.dataset, args.images_per_frame, args.every)}
    first, last = result["rss"][1] if len(result["rss"]) > 2 else result["rss"][0], result["rss"][-1]
    result["rss_growth_mb_per_10k_images"] = round(
        (last["rss_mb"] - first["rss_mb"]) / max(last["images_received"] - first["images_received"], 1) * 1e4, 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    plot(result, args.out.with_suffix(".png"))
    print({k: v for k, v in result.items() if k != "rss"})
    print(f"wrote {args.out}.json and .png")


if __name__ == "__main__":
    main()
