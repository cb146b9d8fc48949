"""Both schemes through the GNU Radio loopback (issue 11). Writes schemes.{json,md,png}.

flowgraphs/loopback.py's top block with ``scheme="both"``: every image goes out twice over
the same channel, in a DA-DJSCC frame and in a frame of the digital baseline (codec + gr-fec
LDPC + QAM), with the PHY in the loop (1 kHz CFO, 20 ppm clock offset, the burst receiver's
synchronization and SNR estimate). The images are offered at ``--images-per-second``, 4 to
a frame, so that the receiver's estimate is fed back while they are sent: after the first
frame the adaptive MCS (and DA-DJSCC's conditioning) follows the estimate, not the
channel's true SNR (the loopback itself sends all at once, before any feedback arrives).
Per SNR: each scheme's PSNR and SSIM (mean and 95 % interval over images), the images
delivered, the SNR estimate, and for the digital link the MCS it chose and the codewords
that failed (shown as mid gray, counted in its PSNR). Then the digital link again with one
fixed MCS (``--fixed-mcs``, 16QAM 1/2): its cliff, where the adaptive link steps down.

  .venv/bin/python benchmarks/schemes.py [--snr 0 5 10 15 20] [--dataset samples] [--images 64]
"""

import argparse
import contextlib
import importlib.util
import io
import json
import os
import platform
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pmt
from gnuradio import gr

from djscc.evaluate import mean_and_ci95

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SCHEMES = ("djscc", "digital")


def loopback_class():
    """flowgraphs/loopback.py's top block (generated from loopback.grc, not a package module)."""
    spec = importlib.util.spec_from_file_location("loopback", ROOT / "flowgraphs" / "loopback.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.loopback


class digital_tally(gr.basic_block):
    """Counts the MCS and the status (ok, codeword failed, ...) of every digital image."""

    def __init__(self):
        gr.basic_block.__init__(self, name="digital_tally", in_sig=None, out_sig=None)
        self.mcs, self.status = Counter(), Counter()
        self.message_port_register_in(pmt.intern("images"))
        self.set_msg_handler(pmt.intern("images"), self.handle)

    def handle(self, message):
        meta = pmt.to_python(pmt.car(message))
        if meta.get("scheme") == "digital":
            self.mcs[meta["mcs"]] += 1
            self.status[meta["status"]] += 1


def wait_for_tally(tally: digital_tally, images: int, timeout_s: float = 10.0) -> None:
    """Let the tally's own message thread catch up with the sink before the flowgraph stops."""
    deadline = time.monotonic() + timeout_s
    while sum(tally.status.values()) < images and time.monotonic() < deadline:
        time.sleep(0.01)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    return f"{cpu}, {os.cpu_count()} cores"


def write_results(result: dict, out: Path, table, plot) -> None:
    """OUT.json (the figures), OUT.md (``table``'s Markdown, also printed) and OUT.png (``plot``)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    out.with_suffix(".md").write_text(table(result))
    plot(result, out.with_suffix(".png"))
    print(table(result))


def run_one(loopback, snr_db: float, mcs: str, args) -> dict:
    """One loopback run at ``snr_db``, the digital link at ``mcs``: both schemes' figures."""
    top = loopback(snr_db=snr_db, dataset=args.dataset, num_images=args.images, images_per_frame=args.images_per_frame,
                   seed=args.seed, out_dir="", scheme="both", mcs=mcs, model=args.model)
    top.djscc_image_source_0.rate = args.images_per_second  # paced, for the feedback (loopback.grc: 0)
    tally = digital_tally()
    top.msg_connect(top.djscc_receiver_0, "images", tally, "images")
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the sink's line per image
        top.start()
        top.djscc_image_sink_0.wait_until_done()
        wait_for_tally(tally, top.djscc_image_sink_0.summary()["schemes"]["digital"]["received"])
        top.stop()
        top.wait()
    summary, stats = top.djscc_image_sink_0.summary(), top.djscc_receiver_0.stats()
    row = {"snr_db": snr_db, "seconds": round(time.perf_counter() - started, 1), "frames": stats["frames"],
           "crc_failures": stats["crc_failures"]}
    for scheme in SCHEMES:
        figures = summary["schemes"][scheme]
        images = [i for i in figures["images"] if "psnr_db" in i]  # an image without its reference: unscored
        psnr = mean_and_ci95(np.array([i["psnr_db"] for i in images]))
        ssim = mean_and_ci95(np.array([i["ssim"] for i in images if "ssim" in i]))
        row[scheme] = {"sent": figures["sent"], "delivered": figures["received"],
                       "psnr_db": round(psnr[0], 3), "psnr_ci95": round(psnr[1], 3),
                       "ssim": round(ssim[0], 4), "ssim_ci95": round(ssim[1], 4),
                       "mean_snr_est_db": figures["mean_snr_est_db"], "frames": stats[f"{scheme}_decoder"]["frames"]}
    row["digital"].update(mcs=dict(tally.mcs.most_common()), status=dict(tally.status.most_common()))
    return row


def mcs_text(counts: dict) -> str:
    """"16QAM 1/2" or, where the link changed its MCS during the run, each with its share."""
    if len(counts) == 1:
        return next(iter(counts))
    total = sum(counts.values())
    return ", ".join(f"{name} ({count}/{total})" for name, count in counts.items())


def failed(digital: dict) -> str:
    """The digital images whose codeword failed (or whose bytes no codec read), of those delivered."""
    return f"{sum(n for status, n in digital['status'].items() if status != 'ok')}/{digital['delivered']}"


def table(result: dict) -> str:
    """The figures as the Markdown the README links to."""
    lines = [f"# Both schemes through the GNU Radio loopback ({result['model']} and the digital baseline, "
             f"{result['images']} images of `{result['dataset']}`, {result['machine']})", "",
             "Made by `benchmarks/schemes.py`: `flowgraphs/loopback.py` with `scheme=\"both\"`, the same "
             f"channel for both ({result['channel']}), the SNR estimated by the burst receiver and fed back; "
             f"{result['images_per_second']:g} images/s, {result['images_per_frame']} a frame; the digital MCS "
             "adaptive (the largest whose threshold is 1 dB under the fed-back estimate). PSNR and SSIM: "
             "mean over images +- 95 % interval; a failed codeword shows mid gray and counts. The last column: "
             "another run with the digital link at one fixed MCS, for its cliff.", "",
             "| SNR (dB) | DJSCC PSNR (dB) | DJSCC SSIM | digital PSNR (dB) | digital SSIM | MCS (adaptive) | "
             f"codewords failed | images delivered (DJSCC / digital) | digital at {result['fixed_mcs']}: PSNR (dB), "
             "codewords failed |",
             "|---:|---:|---:|---:|---:|---|---:|---|---|"]
    for row in result["rows"]:
        djscc, digital, fixed = row["djscc"], row["digital"], row["digital_fixed_mcs"]
        lines.append(f"| {row['snr_db']:g} | {djscc['psnr_db']:.2f} +- {djscc['psnr_ci95']:.2f} | "
                     f"{djscc['ssim']:.3f} | {digital['psnr_db']:.2f} +- {digital['psnr_ci95']:.2f} | "
                     f"{digital['ssim']:.3f} | {mcs_text(digital['mcs'])} | {failed(digital)} | "
                     f"{djscc['delivered']}/{djscc['sent']} / {digital['delivered']}/{digital['sent']} | "
                     f"{fixed['psnr_db']:.2f} +- {fixed['psnr_ci95']:.2f}, {failed(fixed)} |")
    return "\n".join(lines) + "\n"


def plot(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    snr = [row["snr_db"] for row in result["rows"]]
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    for key, axis, label in (("psnr_db", axes[0], "PSNR (dB)"), ("ssim", axes[1], "SSIM")):
        for scheme, color, name in (("djscc", "tab:red", result["model"]),
                                    ("digital", "tab:blue", "digital, adaptive MCS"),
                                    ("digital_fixed_mcs", "tab:gray", f"digital, {result['fixed_mcs']}")):
            values = [row[scheme][key] for row in result["rows"]]
            spread = [row[scheme][key.replace("_db", "") + "_ci95"] for row in result["rows"]]
            axis.errorbar(snr, values, yerr=spread, fmt="o-", color=color, capsize=3, label=name)
        axis.set(xlabel="channel SNR (dB)", ylabel=label)
        axis.grid(alpha=0.3)
    for row in result["rows"]:
        axes[0].annotate(mcs_text(row["digital"]["mcs"]).split(" (")[0], (row["snr_db"], row["digital"]["psnr_db"]),
                         textcoords="offset points", xytext=(0, -14), ha="center", fontsize=7, color="tab:blue")
    axes[0].legend()
    figure.suptitle(f"Both schemes through the GNU Radio loopback: {result['images']} images of "
                    f"{result['dataset']} a point, {result['channel']} ({result['machine']})", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--snr", type=float, nargs="+", default=[0, 5, 10, 15, 20])
    parser.add_argument("--dataset", default="samples")
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--images-per-frame", type=int, default=4)
    parser.add_argument("--images-per-second", type=float, default=25.0)
    parser.add_argument("--model", default="da-djscc_1-12")
    parser.add_argument("--fixed-mcs", default="16QAM 1/2")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS / "schemes")
    args = parser.parse_args()
    loopback = loopback_class()
    result = {"model": args.model, "dataset": args.dataset, "images": args.images,
              "images_per_frame": args.images_per_frame, "images_per_second": args.images_per_second,
              "seed": args.seed, "machine": machine(),
              "channel": "AWGN, 1 kHz CFO, 20 ppm clock offset", "fixed_mcs": args.fixed_mcs, "rows": []}
    for snr_db in args.snr:
        row = run_one(loopback, snr_db, "adaptive", args)
        row["digital_fixed_mcs"] = run_one(loopback, snr_db, args.fixed_mcs, args)["digital"]
        result["rows"].append(row)
        print(json.dumps(result["rows"][-1]), flush=True)
    write_results(result, args.out, table, plot)


if __name__ == "__main__":
    main()
