"""The link on real radios' impairments, through GNU Radio's own channel blocks (issue 12).
Writes impairments.{json,png}.

DA-DJSCC frames (16 images each unless said) -> GNU Radio: fading_model /
selective_fading_model, channel_model (noise, CFO, clock offset, echo taps), iqbal_gen,
phase_noise_gen, a DC offset -> the receiver's DC blocker -> the burst receiver -> the
decoder with the SINR the receiver estimated. Per scenario: frames found, PSNR (all, first
and last image of a frame), the true post-equalizer SINR (the payload against the symbols
sent) beside the estimate, and the PSNR of the torch AWGN channel at that true SINR (so an
impairment's cost beyond its SINR shows). Then detection over CFO at 0 and 5 dB, and
false frames in noise.

  .venv/bin/python benchmarks/impairments.py [--data ../shared/data/cifar10/cifar10_exact.npz]
"""

import argparse
import json
import platform
from pathlib import Path

import numpy as np
import torch
from gnuradio import blocks, channels, gr
from phy import false_detections  # benchmarks/phy.py

from djscc.blocks.dc_blocker import dc_blocker
from djscc.data import load_images
from djscc.metrics import channels_first, psnr_per_image, to_float, to_uint8
from djscc.nn import zoo
from djscc.nn.channels import AWGNChannel, ChannelState
from djscc.phy.frame import FrameFormat, Header
from djscc.phy.receiver import BurstReceiver
from djscc.phy.transmitter import modulate

RESULTS = Path(__file__).resolve().parent / "results"
SAMPLE_RATE = 2e6
LEAD = 100_000  # samples of noise before the first burst: the DC blocker settles
GAP = 3000
SIGNAL_POWER = 0.25  # per sample: unit-energy symbols at 4 samples each


def channel_chain(snr_db, cfo_hz=0.0, clock_ppm=0.0, taps=(1.0,), doppler_hz=0.0, selective=None,
                  dc_dbc=None, iq=None, phase_noise=None, seed=1):
    """The GNU Radio blocks of one scenario, in order."""
    chain = []
    if selective is not None:
        delays, magnitudes = selective
        chain.append(channels.selective_fading_model(8, max(doppler_hz, 1e-3) / SAMPLE_RATE, False, 4.0,
                                                     seed, list(delays), list(magnitudes), 8))
    elif doppler_hz > 0:
        chain.append(channels.fading_model(8, doppler_hz / SAMPLE_RATE, False, 4.0, seed))
    chain.append(channels.channel_model(noise_voltage=10 ** (-snr_db / 20), frequency_offset=cfo_hz / SAMPLE_RATE,
                                        epsilon=1 + clock_ppm * 1e-6, taps=list(taps), noise_seed=seed))
    if iq is not None:
        chain.append(channels.iqbal_gen(iq[0], iq[1], 0))
    if phase_noise is not None:
        chain.append(channels.phase_noise_gen(*phase_noise))
    if dc_dbc is not None:
        chain.append(blocks.add_const_cc(np.sqrt(SIGNAL_POWER * 10 ** (dc_dbc / 10)) * np.exp(0.7j)))
    return chain


def through_gnu_radio(samples: np.ndarray, chain) -> np.ndarray:
    top = gr.top_block()
    source, sink = blocks.vector_source_c(samples.tolist()), blocks.vector_sink_c()
    dc = dc_blocker()
    top.connect(source, *chain, dc, sink)
    top.run()
    return np.asarray(sink.data(), np.complex64)


def link(model, images: torch.Tensor, per_frame: int, chain) -> dict:
    """Every image through the chain, ``per_frame`` a frame; the scenario's figures."""
    fmt, floats = FrameFormat(), to_float(images)
    with torch.no_grad():
        symbols = model.encode(floats, ChannelState.awgn(torch.full((len(images),), 10.0))).numpy()
    bursts = [np.zeros(LEAD, np.complex64)]
    for first in range(0, len(images), per_frame):
        batch = symbols[first:first + per_frame]
        header = Header(first, 1, len(batch), batch.shape[1])
        bursts += [modulate(header, batch.reshape(-1), fmt), np.zeros(GAP, np.complex64)]
    receiver = BurstReceiver(fmt)
    frames = receiver.process(through_gnu_radio(np.concatenate(bursts), chain)) + receiver.flush()
    psnr, positions, true_sinr, estimated = [], [], [], []
    for frame in frames:
        first, count = frame.header.counter, frame.header.images
        sent = symbols[first:first + count]
        payload = frame.payload.reshape(count, -1)
        error = np.mean(np.abs(payload - sent) ** 2, axis=1)
        state = ChannelState.awgn(torch.from_numpy(np.clip(frame.image_snr_db, -10, 30).astype(np.float32)))
        with torch.no_grad():
            decoded = to_uint8(model.decode(torch.from_numpy(payload.copy()), state, images.shape[-2:]))
        psnr += psnr_per_image(images[first:first + count], decoded).tolist()
        positions += list(range(count))
        true_sinr += (-10 * np.log10(error)).tolist()
        estimated += frame.image_snr_db.tolist()
    sent_frames = -(-len(images) // per_frame)
    row = {"frames_sent": sent_frames, "frames_found": len(frames)}
    if frames:
        psnr, positions = np.array(psnr), np.array(positions)
        true_sinr, estimated = np.array(true_sinr), np.array(estimated)
        mean_sinr = float(-10 * np.log10(np.mean(10 ** (-true_sinr / 10))))
        row.update({
            "psnr_db": round(float(psnr.mean()), 3),
            "psnr_first_image_db": round(float(psnr[positions == 0].mean()), 3),
            "psnr_last_image_db": round(float(psnr[positions == positions.max()].mean()), 3),
            "true_sinr_db": round(mean_sinr, 3),
            "sinr_estimate_error_db": round(float(np.mean(estimated - true_sinr)), 3),
            "sinr_estimate_rms_db": round(float(np.sqrt(np.mean((estimated - true_sinr) ** 2))), 3),
            "equalizers": sorted({frame.equalizer for frame in frames}),
            "clock_ppm_measured": round(float(np.mean([frame.clock_offset for frame in frames])) * 1e6, 1),
            "psnr_awgn_at_true_sinr_db": awgn_reference(model, images, mean_sinr),
        })
        row["loss_vs_awgn_db"] = round(row["psnr_awgn_at_true_sinr_db"] - row["psnr_db"], 3)
    return row


def awgn_reference(model, images: torch.Tensor, snr_db: float) -> float:
    state = ChannelState.awgn(torch.full((len(images),), snr_db))
    with torch.no_grad():
        decoded = to_uint8(model(to_float(images), AWGNChannel(), state.snr_db,
                                 torch.Generator().manual_seed(0)))
    return round(float(psnr_per_image(images, decoded).mean()), 3)


SCENARIOS = {  # name: (group, channel_chain arguments)
    "awgn 10 dB": ("reference", {"snr_db": 10}),
    "awgn 15 dB": ("reference", {"snr_db": 15}),
    **{f"cfo {khz:+d} kHz, 10 dB": ("cfo", {"snr_db": 10, "cfo_hz": khz * 1e3}) for khz in (-100, -50, 50, 100)},
    **{f"clock {ppm:+d} ppm, 10 dB": ("clock", {"snr_db": 10, "clock_ppm": ppm}) for ppm in (-100, -50, 50, 100)},
    **{f"doppler {hz} Hz, 15 dB": ("doppler", {"snr_db": 15, "doppler_hz": hz}) for hz in (10, 100, 300)},
    "taps [1, 0, 0.5] at T, 15 dB": ("echo", {"snr_db": 15, "taps": [1, 0, 0, 0, 0, 0, 0, 0, 0.5]}),
    "selective [0, 4, 8] samples, 15 dB": ("echo", {"snr_db": 15, "selective": ([0, 4, 8], [1, 0.5, 0.25])}),
    "dc 0 dBc, 10 dB": ("dc", {"snr_db": 10, "dc_dbc": 0}),
    "dc +12 dBc, 10 dB": ("dc", {"snr_db": 10, "dc_dbc": 12}),
    "iq imbalance 1 dB 5 deg, 15 dB": ("iq", {"snr_db": 15, "iq": (1.0, 5.0)}),
    # phase_noise_gen(magnitude, alpha): RMS ~ magnitude sqrt(alpha / 2) rad, over ~1 / alpha samples
    **{f"phase noise {deg} deg RMS, 15 dB":
       ("phase noise", {"snr_db": 15, "phase_noise": (np.radians(deg) / np.sqrt(0.0005), 0.001)})
       for deg in (20, 40)},
    "hackrf pair: 100 kHz, 50 ppm, dc -10 dBc, iq 0.5 dB 3 deg, 10 dB": (
        "radio", {"snr_db": 10, "cfo_hz": 100e3, "clock_ppm": 50, "dc_dbc": -10, "iq": (0.5, 3.0)}),
}


def detection_over_cfo(snr_grid, cfo_grid_hz, frames: int, seed: int) -> list[dict]:
    """Frames (one 256-symbol image each) received with a good CRC, over CFO and SNR."""
    fmt, rng, rows = FrameFormat(), np.random.default_rng(seed), []
    for snr_db in snr_grid:
        for cfo_hz in cfo_grid_hz:
            bursts = [np.zeros(LEAD // 10, np.complex64)]
            for counter in range(frames):
                symbols = (rng.standard_normal(256) + 1j * rng.standard_normal(256)) / np.sqrt(2)
                bursts += [modulate(Header(counter, 1, 1, 256), symbols, fmt),
                           np.zeros(int(rng.integers(500, 1500)), np.complex64)]
            received = through_gnu_radio(np.concatenate(bursts), channel_chain(snr_db, cfo_hz=cfo_hz,
                                                                                seed=int(rng.integers(1, 1000))))
            receiver = BurstReceiver(fmt)
            found = len(receiver.process(received) + receiver.flush())
            rows.append({"snr_db": snr_db, "cfo_hz": cfo_hz, "frames": frames, "detection_rate": found / frames})
            print(rows[-1], flush=True)
    return rows


def table(result: dict) -> str:
    """The scenarios and the detection figures as the Markdown the README links to."""
    lines = [f"# The link on real radios' impairments ({result['model']}, {result['images']} images, "
             f"{result['images_per_frame']} a frame, {result['machine']})", "",
             "Made by `benchmarks/impairments.py`; \"true SINR\" is the payload against the symbols "
             "sent, \"AWGN at that SINR\" the torch channel's PSNR at it.", "",
             "| scenario | frames | PSNR | first / last image | true SINR | estimate error | "
             "AWGN at that SINR | equalizer |", "|---|---|---|---|---|---|---|---|"]
    for name, row in result["scenarios"].items():
        if "psnr_db" not in row:
            lines.append(f"| {name} | {row['frames_found']}/{row['frames_sent']} | | | | | | |")
            continue
        lines.append(f"| {name} | {row['frames_found']}/{row['frames_sent']} | {row['psnr_db']:.2f} | "
                     f"{row['psnr_first_image_db']:.2f} / {row['psnr_last_image_db']:.2f} | "
                     f"{row['true_sinr_db']:.2f} | {row['sinr_estimate_error_db']:+.2f} | "
                     f"{row['psnr_awgn_at_true_sinr_db']:.2f} | {', '.join(row['equalizers'])} |")
    lines += ["", "| SNR | CFO | frames | received |", "|---|---|---|---|"]
    lines += [f"| {r['snr_db']} dB | {r['cfo_hz'] / 1e3:+.0f} kHz | {r['frames']} | {100 * r['detection_rate']:.1f} % |"
              for r in result["detection_over_cfo"]]
    noise = result["false_frames"]
    lines += ["", f"False frames in {noise['noise_seconds_at_2msps']:g} s of noise at 2 Msps: {noise['frames']} "
              f"({noise['detections']} preambles verified; the receiver ran at "
              f"{noise['receiver_msps_on_noise']} Msps)."]
    return "\n".join(lines) + "\n"


def plot(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(15, 6))
    names = list(result["scenarios"])
    rows = [result["scenarios"][n] for n in names]
    y = np.arange(len(names))
    axes[0].barh(y - 0.2, [r.get("psnr_db", 0) for r in rows], 0.4, label="through GNU Radio's channel")
    axes[0].barh(y + 0.2, [r.get("psnr_awgn_at_true_sinr_db", 0) for r in rows], 0.4,
                 label="torch AWGN at the measured SINR")
    axes[0].set_yticks(y, names, fontsize=7)
    axes[0].invert_yaxis()
    axes[0].set(xlabel="PSNR (dB)", xlim=(15, 32),
                title=f"{result['model']}, {result['images_per_frame']} images a frame")
    axes[0].legend(fontsize=8)
    for snr in sorted({r["snr_db"] for r in result["detection_over_cfo"]}):
        points = [r for r in result["detection_over_cfo"] if r["snr_db"] == snr]
        axes[1].plot([p["cfo_hz"] / 1e3 for p in points], [100 * p["detection_rate"] for p in points], "o-",
                     label=f"{snr} dB")
    noise = result["false_frames"]
    axes[1].set(xlabel="carrier offset (kHz at 2 Msps)", ylabel="frames received (%)", ylim=(0, 101),
                title=f"Detection over CFO ({noise['frames']} false frames in "
                      f"{noise['noise_seconds_at_2msps']:g} s of noise)")
    axes[1].legend()
    for axis in axes:
        axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="da-djscc_1-12")
    parser.add_argument("--data", default="../shared/data/cifar10/cifar10_exact.npz")
    parser.add_argument("--limit", type=int, default=128, help="first N images")
    parser.add_argument("--images-per-frame", type=int, default=16)
    parser.add_argument("--detection-frames", type=int, default=200)
    parser.add_argument("--noise-seconds", type=float, default=10.0)
    parser.add_argument("--only", default="", help="run only the scenarios whose name contains this")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS / "impairments")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, _ = zoo.load(args.model)
    images = channels_first(load_images(args.data).limit(args.limit).images)
    result = {"model": args.model, "data": args.data, "images": len(images),
              "images_per_frame": args.images_per_frame, "sample_rate": SAMPLE_RATE,
              "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads",
              "scenarios": {}}
    for name, (group, settings) in SCENARIOS.items():
        if args.only in name:
            result["scenarios"][name] = {"group": group, **link(model, images, args.images_per_frame,
                                                                  channel_chain(**settings))}
            print(name, result["scenarios"][name], flush=True)
    result["detection_over_cfo"] = detection_over_cfo([0, 5], [-100e3, -75e3, -50e3, -25e3, 0, 25e3, 50e3, 75e3, 100e3],
                                                      args.detection_frames, 3)
    result["false_frames"] = false_detections(args.noise_seconds, 4)
    print(result["false_frames"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    args.out.with_suffix(".md").write_text(table(result))
    plot(result, args.out.with_suffix(".png"))
    print(f"wrote {args.out}.json, .md and .png")


if __name__ == "__main__":
    main()
