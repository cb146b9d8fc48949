"""The digital baseline against DA-DJSCC 1/12 over AWGN (issue 11). Writes digital.{json,png}.

For every image, every MCS of djscc.digital.mcs (one LDPC codeword in the same 256 complex
symbols DA-DJSCC 1/12 sends) and every SNR: source-code the image into the MCS's byte
budget, LDPC-encode with gr-fec, interleave, map to QAM, add AWGN, exact LLRs with the true
noise variance, decode with gr-fec, decode the image (mid gray where the codeword fails or
the codec cannot read the bytes). A decoded payload that differs from the sent one
(parity check met on a wrong codeword) is decoded as received and counted as undetected.
Also: the best MCS at each SNR (highest mean PSNR), each MCS's threshold (the lowest SNR
from which its FER stays at most 10 %), the capacity bound (the codec at
floor(256 log2(1 + SNR) / 8) bytes, no errors), DA-DJSCC 1/12 through the torch AWGN
channel (djscc.evaluate, 10 realizations), and the digital chain's speed on one core.

  .venv/bin/python benchmarks/digital.py [--data ../shared/data/cifar10/cifar10_exact.npz]
"""

import argparse
import json
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from djscc import cli
from djscc.data import load_images
from djscc.digital import ldpc, link, modulation, source
from djscc.digital.mcs import SYMBOLS, TABLE
from djscc.evaluate import evaluate_model, mean_and_ci95, parse_snr_grid
from djscc.metrics import psnr_per_image, ssim_per_image
from djscc.nn import zoo
from djscc.nn.channels import AWGNChannel

RESULTS = Path(__file__).resolve().parent / "results"
FER_TARGET = 0.1
STAGES = ("source encode", "LDPC encode + map", "LLR", "LDPC decode", "source decode")


def quality(reference: np.ndarray, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PSNR and SSIM of uint8 HWC ``images`` (B, 32, 32, 3) against one reference image."""
    ref = torch.from_numpy(np.repeat(reference[None], len(images), 0)).permute(0, 3, 1, 2)
    out = torch.from_numpy(np.array(images)).permute(0, 3, 1, 2)
    return psnr_per_image(ref, out).numpy(), ssim_per_image(ref, out).numpy()


def one_image(task) -> dict:
    """Every MCS x SNR x realization for one image, and the capacity bound's figures."""
    index, image, snr_grid, realizations, seed = task
    torch.set_num_threads(1)
    rng = np.random.default_rng([seed, index])
    budgets = sorted({m.budget for m in TABLE} | {link.capacity_budget(s) for s in snr_grid})
    payloads = {b: source.encode(image, b) for b in budgets}
    decoded = {b: source.decode(p) for b, p in payloads.items()}
    shown = np.stack([source.failed_image()] + [source.failed_image() if decoded[b] is None else decoded[b]
                                                for b in budgets])
    psnr, ssim = quality(image, shown)
    gray, codec = (psnr[0], ssim[0]), {b: (psnr[i + 1], ssim[i + 1]) for i, b in enumerate(budgets)}
    shape = (len(TABLE), len(snr_grid), realizations)
    out = {"psnr": np.zeros(shape), "ssim": np.zeros(shape), "failed": np.zeros(shape, bool),
           "codec_failed": np.zeros(shape, bool), "undetected": np.zeros(shape, bool)}
    for i, mcs in enumerate(TABLE):
        symbols = link.payload_to_symbols(payloads[mcs.budget], mcs)
        for j, snr in enumerate(snr_grid):
            for r in range(realizations):
                received, noise_var = link.awgn(symbols, snr, rng)
                payload, ok = link.symbols_to_payload(received, noise_var, mcs)
                if not ok:
                    value, out["failed"][i, j, r] = gray, True
                elif payload == payloads[mcs.budget]:
                    value = codec[mcs.budget]
                    out["codec_failed"][i, j, r] = decoded[mcs.budget] is None
                else:
                    image_out = source.decode(payload)
                    out["undetected"][i, j, r], out["codec_failed"][i, j, r] = True, image_out is None
                    p, s = quality(image, (source.failed_image() if image_out is None else image_out)[None])
                    value = (p[0], s[0])
                out["psnr"][i, j, r], out["ssim"][i, j, r] = value
    out["capacity_psnr"] = np.array([codec[link.capacity_budget(s)][0] for s in snr_grid])
    out["capacity_ssim"] = np.array([codec[link.capacity_budget(s)][1] for s in snr_grid])
    out["codec_of"] = {b: source.codec_of(payloads[b]) if decoded[b] is not None else None for b in budgets}
    return out


def summary(values: np.ndarray) -> dict:
    """Mean and ci95 over images (axis 0) of the per-image mean over realizations (last axis)."""
    per_image = values.mean(axis=-1) if values.ndim > 2 else values
    stats = [mean_and_ci95(per_image[:, j]) for j in range(per_image.shape[1])]
    return {"mean": [round(m, 4) for m, _ in stats], "ci95": [round(c, 4) for _, c in stats]}


def thresholds(fer: np.ndarray, snr_grid: list[float]) -> dict:
    """Per MCS: the lowest SNR from which the FER stays at most FER_TARGET (None: never)."""
    out = {}
    for i, mcs in enumerate(TABLE):
        good = fer[i] <= FER_TARGET
        from_here = [j for j in range(len(snr_grid)) if good[j:].all()]
        out[mcs.name] = snr_grid[from_here[0]] if from_here else None
    return out


def speed(images: np.ndarray, cases: list[tuple[str, float]], seed: int) -> list[dict]:
    """Images per second through the digital chain on one core, and each stage's share."""
    rows, rng = [], np.random.default_rng(seed)
    for name, snr in cases:
        mcs = next(m for m in TABLE if m.name == name)
        times = dict.fromkeys(STAGES, 0.0)
        code = ldpc.code(mcs.coded_bits, mcs.info_bits)
        iterations, failed = [], 0
        for image in images:
            t0 = time.perf_counter()
            payload = source.encode(image, mcs.budget)
            t1 = time.perf_counter()
            symbols = link.payload_to_symbols(payload, mcs)
            t2 = time.perf_counter()
            received, noise_var = link.awgn(symbols, snr, rng)
            t3 = time.perf_counter()
            llr = modulation.deinterleave(modulation.llr(received, noise_var, mcs.bits_per_symbol))
            t4 = time.perf_counter()
            bits, ok = code.decode(llr)
            t5 = time.perf_counter()
            if ok:
                source.decode(np.packbits(bits).tobytes())
            t6 = time.perf_counter()
            failed += not ok
            iterations.append(code.iterations())
            for stage, dt in zip(STAGES, (t1 - t0, t2 - t1, t4 - t3, t5 - t4, t6 - t5)):
                times[stage] += dt
        tx = times["source encode"] + times["LDPC encode + map"]
        rx = times["LLR"] + times["LDPC decode"] + times["source decode"]
        rows.append({"mcs": name, "snr_db": snr, "images": len(images), "fer": failed / len(images),
                     "mean_iterations": round(float(np.mean(iterations)), 2),
                     "transmitter_images_per_s": round(len(images) / tx, 1),
                     "receiver_images_per_s": round(len(images) / rx, 1),
                     "ms_per_image": {k: round(v / len(images) * 1e3, 3) for k, v in times.items()}})
    return rows


def plot(report: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    snr = report["snr_db"]
    colors = {"QPSK": "tab:green", "16QAM": "tab:orange", "64QAM": "tab:purple"}
    figure, axes = plt.subplots(1, 3, figsize=(17, 5))
    for key, axis in zip(("psnr_db", "ssim"), axes):
        for mcs in TABLE:
            axis.plot(snr, report["mcs"][mcs.name][key]["mean"], color=colors[mcs.modulation],
                      alpha=0.35, linewidth=0.9)
        axis.plot(snr, report["best_mcs"][key]["mean"], "k-o", markersize=3,
                  label="digital, best MCS per SNR")
        axis.plot(snr, report["capacity_bound"][key]["mean"], "k--", label="codec at capacity (bound)")
        axis.plot(snr, report["djscc"][key]["mean"], "r-o", markersize=3, label=report["djscc"]["model"])
        axis.set_xlabel("channel SNR (dB)")
        axis.set_ylabel({"psnr_db": "PSNR (dB)", "ssim": "SSIM"}[key])
        axis.grid(alpha=0.3)
    for scheme, color in colors.items():
        axes[0].plot([], [], color=color, alpha=0.5, label=f"{scheme}, each rate (fixed MCS)")
    axes[0].legend(fontsize=8)
    for mcs in TABLE:
        axes[2].semilogy(snr, np.maximum(report["mcs"][mcs.name]["fer"], 1e-4), color=colors[mcs.modulation],
                         alpha=0.7, linewidth=0.9)
    axes[2].set_ylim(5e-4, 1.5)
    axes[2].set_xlabel("channel SNR (dB)")
    axes[2].set_ylabel("codeword error rate (1e-4 = none seen)")
    axes[2].grid(alpha=0.3)
    figure.suptitle(f"{report['data']} ({report['images']} images), AWGN, k = {SYMBOLS} symbols an image "
                    f"(1/12); digital: {report['realizations']} realization(s) a point, gr-fec LDPC; "
                    f"DA-DJSCC: {report['djscc']['realizations']}", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/cifar10/cifar10_exact.npz")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--snr", nargs="+", default=["0:20:1"])
    parser.add_argument("--realizations", type=int, default=1, help="channel draws per image and MCS")
    parser.add_argument("--model", default="da-djscc_1-12")
    parser.add_argument("--model-realizations", type=int, default=10)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--speed-images", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS / "digital")
    args = parser.parse_args()
    snr_grid = parse_snr_grid(args.snr)
    image_set = load_images(args.data).limit(args.limit)
    images = image_set.images

    started = time.time()
    tasks = [(i, image, snr_grid, args.realizations, args.seed) for i, image in enumerate(images)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(tqdm(pool.map(one_image, tasks, chunksize=8), total=len(tasks), desc="images"))
    digital_s = time.time() - started
    stack = {key: np.stack([r[key] for r in results]) for key in results[0] if key != "codec_of"}

    report = {"data": image_set.source, "images": len(images), "channel": "awgn", "snr_db": snr_grid,
              "realizations": args.realizations, "symbols_per_image": SYMBOLS,
              "statistic": "mean over images of the per-image mean over realizations; ci95 = 1.96 "
                           "standard errors over images",
              "failed_image": f"mid gray ({source.FAILED_PIXEL}, {source.FAILED_PIXEL}, {source.FAILED_PIXEL})",
              "fer_target": FER_TARGET, "machine": platform.processor() or platform.machine(),
              "digital_seconds": round(digital_s, 1), "workers": args.workers, "mcs": {}}
    for i, mcs in enumerate(TABLE):
        used = [r["codec_of"][mcs.budget] for r in results]
        report["mcs"][mcs.name] = {
            "index": mcs.index, "budget_bytes": mcs.budget, "code": [mcs.coded_bits, mcs.info_bits],
            "psnr_db": summary(stack["psnr"][:, i]), "ssim": summary(stack["ssim"][:, i]),
            "fer": [round(float(v), 4) for v in stack["failed"][:, i].mean(axis=(0, 2))],
            "codec_failed": [int(v) for v in stack["codec_failed"][:, i].sum(axis=(0, 2))],
            "undetected": [int(v) for v in stack["undetected"][:, i].sum(axis=(0, 2))],
            "codec_use": {str(c): used.count(c) for c in set(used)},
            "error_free_psnr_db": round(float(stack["psnr"][:, i, -1].mean()), 3)
            if not stack["failed"][:, i, -1].any() else None}
    means = np.array([report["mcs"][m.name]["psnr_db"]["mean"] for m in TABLE])
    best = means.argmax(axis=0)
    report["best_mcs"] = {"mcs": [TABLE[b].name for b in best],
                          "psnr_db": summary(stack["psnr"][:, best, np.arange(len(snr_grid))]),
                          "ssim": summary(stack["ssim"][:, best, np.arange(len(snr_grid))])}
    fer = np.array([report["mcs"][m.name]["fer"] for m in TABLE])
    report["thresholds_db"] = thresholds(fer, snr_grid)
    report["capacity_bound"] = {"budget_bytes": [link.capacity_budget(s) for s in snr_grid],
                                "psnr_db": summary(stack["capacity_psnr"]), "ssim": summary(stack["capacity_ssim"])}

    cli.set_threads(args.workers)
    model, _ = zoo.load(args.model)
    model.eval()
    djscc = evaluate_model(model, image_set, snr_grid, AWGNChannel(), args.model_realizations, 256, args.seed)
    report["djscc"] = {"model": args.model, "realizations": args.model_realizations,
                       "psnr_db": djscc["psnr_db"], "ssim": djscc["ssim"]}

    cli.set_threads(1)
    cases = [(report["best_mcs"]["mcs"][snr_grid.index(s)], s) for s in (5.0, 10.0, 20.0) if s in snr_grid]
    cases += [(name, t - 1) for name, t in report["thresholds_db"].items()
              if name in ("QPSK 1/2", "64QAM 5/6") and t is not None and t - 1 >= snr_grid[0]]
    report["speed"] = {"note": "one process, one thread, this machine; 'LLR' includes deinterleaving; "
                               "source decode only for codewords that decoded",
                       "cases": speed(images[:args.speed_images], cases, args.seed)}

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=1))
    plot(report, args.out.with_suffix(".png"))
    print(f"{'SNR dB':>7} {'best MCS':>10} {'digital':>8} {'bound':>7} {'DA-DJSCC':>9}")
    for j, s in enumerate(snr_grid):
        print(f"{s:7g} {report['best_mcs']['mcs'][j]:>10} {report['best_mcs']['psnr_db']['mean'][j]:8.2f} "
              f"{report['capacity_bound']['psnr_db']['mean'][j]:7.2f} {report['djscc']['psnr_db']['mean'][j]:9.2f}")
    print("thresholds (FER <= 10 %):", report["thresholds_db"])
    for row in report["speed"]["cases"]:
        print(row)


if __name__ == "__main__":
    main()
