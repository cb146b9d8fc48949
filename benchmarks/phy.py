"""The PHY's cost and its estimates, measured (issue 3, section 5). Writes phy.{json,png}.

1. PHY in the loop: DA-DJSCC PSNR through the burst PHY (RRC, preamble, header, pilots)
   with a CFO, a random timing offset and phase, decoded with the ESTIMATED SNR, against
   the torch simulation with the TRUE SNR, on the same images.
2. Estimation, from the same frames: SNR-estimate bias and RMS, CFO error.
3. Detection: frames found (CRC good) vs SNR with one image a frame, and false detections
   on pure noise (default: 10 s at 2 Msps).

  .venv/bin/python benchmarks/phy.py [--data ../shared/data/cifar10/cifar10_exact.npz]
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from djscc.data import load_images
from djscc.metrics import channels_first, psnr_per_image, to_float, to_uint8
from djscc.nn import zoo
from djscc.nn.channels import AWGNChannel, ChannelState
from djscc.phy.frame import FrameFormat, Header
from djscc.phy.impair import impair
from djscc.phy.receiver import BurstReceiver
from djscc.phy.transmitter import modulate

RESULTS = Path(__file__).resolve().parent / "results"
SAMPLE_RATE = 2e6
CFO_HZ = 1000.0


def through_the_phy(symbols: np.ndarray, snr_db: float, rng: np.random.Generator, fmt: FrameFormat):
    """One frame of ``symbols`` (images, k) over a random-delay, random-phase, CFO, AWGN channel.
    Returns the received frame or None (missed)."""
    header = Header(counter=int(rng.integers(65536)), model_id=1, images=len(symbols),
                    symbols_per_image=symbols.shape[1])
    samples = impair(modulate(header, symbols.reshape(-1), fmt), snr_db, rng, cfo=CFO_HZ / SAMPLE_RATE,
                     delay=float(rng.uniform(0, fmt.sps)), gain=np.exp(2j * np.pi * rng.uniform()),
                     lead=int(rng.integers(200, 2000)), tail=500)
    receiver = BurstReceiver(fmt)
    frames = receiver.process(samples) + receiver.flush()
    return frames[0] if frames else None


def phy_in_the_loop(model, images: torch.Tensor, snr_grid, images_per_frame: int, seed: int) -> list[dict]:
    fmt, rows = FrameFormat(), []
    rng, generator = np.random.default_rng(seed), torch.Generator().manual_seed(seed)
    floats = to_float(images)
    for snr_db in snr_grid:
        true_state = ChannelState.awgn(torch.full((len(images),), float(snr_db)))
        with torch.no_grad():
            symbols = model.encode(floats, true_state)
            received, _ = AWGNChannel()(symbols, true_state.snr_db, generator)
            simulated = to_uint8(model.decode(received, true_state, images.shape[-2:]))
        phy_psnr, snr_estimates, cfo_errors, missed = [], [], [], 0
        for first in range(0, len(images), images_per_frame):
            batch = symbols[first:first + images_per_frame].numpy()
            frame = through_the_phy(batch, snr_db, rng, fmt)
            if frame is None:
                missed += 1
                continue
            estimated = ChannelState.awgn(torch.full((len(batch),), frame.snr_db))
            payload = torch.from_numpy(frame.payload.reshape(len(batch), -1))
            with torch.no_grad():
                decoded = to_uint8(model.decode(payload, estimated, images.shape[-2:]))
            phy_psnr += psnr_per_image(images[first:first + len(batch)], decoded).tolist()
            snr_estimates.append(frame.snr_db)
            cfo_errors.append(frame.cfo * SAMPLE_RATE - CFO_HZ)
        error = np.array(snr_estimates) - snr_db
        rows.append({
            "snr_db": snr_db,
            "psnr_torch_true_state_db": round(float(psnr_per_image(images, simulated).mean()), 3),
            "psnr_phy_estimated_state_db": round(float(np.mean(phy_psnr)), 3),
            "frames_missed": missed,
            "snr_estimate_bias_db": round(float(error.mean()), 3),
            "snr_estimate_rms_db": round(float(np.sqrt((error ** 2).mean())), 3),
            "cfo_error_rms_hz": round(float(np.sqrt(np.mean(np.square(cfo_errors)))), 2),
        })
        rows[-1]["phy_loss_db"] = round(
            rows[-1]["psnr_torch_true_state_db"] - rows[-1]["psnr_phy_estimated_state_db"], 3)
        print(rows[-1], flush=True)
    return rows


def detection_rate(snr_grid, frames: int, seed: int) -> list[dict]:
    """Fraction of one-image frames (256 random analog symbols) received with a good CRC."""
    fmt, rng, rows = FrameFormat(), np.random.default_rng(seed), []
    for snr_db in snr_grid:
        found = 0
        for _ in range(frames):
            symbols = (rng.standard_normal((1, 256)) + 1j * rng.standard_normal((1, 256))) / np.sqrt(2)
            found += through_the_phy(symbols.astype(np.complex64), snr_db, rng, fmt) is not None
        rows.append({"snr_db": snr_db, "frames": frames, "detection_rate": found / frames})
        print(rows[-1], flush=True)
    return rows


def false_detections(seconds: float, seed: int) -> dict:
    receiver, rng = BurstReceiver(FrameFormat()), np.random.default_rng(seed)
    chunk, total = 1 << 20, int(seconds * SAMPLE_RATE)
    started = time.perf_counter()
    for start in range(0, total, chunk):
        count = min(chunk, total - start)
        noise = (rng.standard_normal(count) + 1j * rng.standard_normal(count)).astype(np.complex64)
        receiver.process(noise / np.sqrt(2))
    receiver.flush()
    elapsed = time.perf_counter() - started
    stats = receiver.stats.as_dict()
    return {"noise_seconds_at_2msps": seconds, "samples": stats["samples"], "detections": stats["detections"],
            "frames": stats["frames"], "crc_failures": stats["crc_failures"],
            "receiver_msps_on_noise": round(stats["samples"] / elapsed / 1e6, 2)}


def plot(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    loop, detection = result["phy_in_the_loop"], result["detection"]
    snr = [r["snr_db"] for r in loop]
    figure, axes = plt.subplots(1, 3, figsize=(14, 4))
    axes[0].plot(snr, [r["psnr_torch_true_state_db"] for r in loop], "o-", label="torch channel, true SNR")
    axes[0].plot(snr, [r["psnr_phy_estimated_state_db"] for r in loop], "s--", label="burst PHY, estimated SNR")
    axes[0].set(xlabel="SNR (dB)", ylabel="PSNR (dB)")
    axes[0].set_title(f"{result['model']} (k/n {result['bandwidth_ratio']}), {result['images_per_frame']} "
                      f"images/frame: {100 * result['frame_efficiency']:.1f}% payload", fontsize=9)
    axes[1].plot(snr, [r["snr_estimate_bias_db"] for r in loop], "o-", label="bias")
    axes[1].plot(snr, [r["snr_estimate_rms_db"] for r in loop], "s-", label="RMS error")
    axes[1].axhline(0.5, color="gray", linestyle=":", label="target RMS")
    axes[1].set(xlabel="SNR (dB)", ylabel="dB", title="SNR estimate")
    axes[2].plot([r["snr_db"] for r in detection], [100 * r["detection_rate"] for r in detection], "o-")
    axes[2].axhline(99, color="gray", linestyle=":")
    noise = result["false_detections"]
    axes[2].set(xlabel="SNR (dB)", ylabel="frames received (%)",
                title=f"Detection ({noise['detections']} false in {noise['noise_seconds_at_2msps']:g} s of noise)")
    for axis in axes:
        axis.grid(alpha=0.3)
    axes[0].legend()
    axes[1].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="da-djscc_1-12")
    parser.add_argument("--data", default="../shared/data/cifar10/cifar10_exact.npz")
    parser.add_argument("--limit", type=int, default=846, help="first N images")
    parser.add_argument("--images-per-frame", type=int, default=16)
    parser.add_argument("--detection-frames", type=int, default=300)
    parser.add_argument("--noise-seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS / "phy")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, _ = zoo.load(args.model)
    images = channels_first(load_images(args.data).limit(args.limit).images)
    result = {
        "model": args.model, "data": args.data, "images": len(images), "images_per_frame": args.images_per_frame,
        "bandwidth_ratio": f"1/{round(1 / model.config.bandwidth_ratio())}",
        "frame_efficiency": round(FrameFormat().overhead(
            model.symbols_per_image(*images.shape[-2:]) * args.images_per_frame)["efficiency"], 4),
        "channel": f"AWGN, CFO {CFO_HZ:g} Hz at {SAMPLE_RATE:g} S/s, timing offset U(0, sps), phase U(0, 2pi)",
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads",
        "phy_in_the_loop": phy_in_the_loop(model, images, [0, 2.5, 5, 7.5, 10, 12.5, 15, 17.5, 20],
                                           args.images_per_frame, args.seed),
        "detection": detection_rate([-4, -3, -2, -1, 0, 2, 5, 10, 20], args.detection_frames, args.seed + 1),
        "false_detections": false_detections(args.noise_seconds, args.seed + 2),
    }
    print(result["false_detections"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    plot(result, args.out.with_suffix(".png"))
    print(f"wrote {args.out}.json and .png")


if __name__ == "__main__":
    main()
