"""The digital baseline against DA-DJSCC 1/12 over AWGN (issue 11; photos: issue 14).

For every image, every MCS of djscc.digital.mcs and every SNR: source-code the image into
the byte budget of its codewords (an H x W image gets DA-DJSCC 1/12's k = H*W/4 symbols as
floor(k / 256) LDPC codewords: one at 32x32, 16 at 128x128, 244 at 500x500, the leftover
unsent), LDPC-encode with gr-fec, interleave, map to QAM, add AWGN, exact LLRs with the
true noise variance, decode with gr-fec, decode the image (mid gray where a codeword fails
or the codec cannot read the bytes). A decoded payload that differs from the sent one
(parity checks met on a wrong codeword) is decoded as received and counted as undetected.
Also: the best MCS at each SNR (highest mean PSNR), the adaptive MCS (link.select at the
true SNR and the image's codewords, as ``djscc-eval digital``), each MCS's threshold (the
lowest SNR from which its image error rate, a failed codeword in the image, stays at most
10 %; at 32x32 the FER), the capacity bound (the codec at floor(k log2(1 + SNR) / 8) bytes,
no errors), DA-DJSCC 1/12 through the torch AWGN channel (djscc.evaluate), and the digital
chain's speed on one core. Writes results/digital.{json,png,md} for the default CIFAR-10 images, otherwise
results/digital_<data>[_<fit><size>].*.

  .venv/bin/python benchmarks/digital.py [--data ../shared/data/cifar10/cifar10_exact.npz]
  .venv/bin/python benchmarks/digital.py --data ../shared/data/kodak24 --image-size 128 --fit crop \
      --snr 0:20:5 --realizations 10 --workers 1
  .venv/bin/python benchmarks/digital.py --reselect benchmarks/results/digital_kodak24.json  # adaptive row
  .venv/bin/python benchmarks/digital.py --remeasure-model benchmarks/results/digital_kodak24.json \
      --model da-djscc_1-12                                      # a retrained model's row only
"""

import argparse
import json
import os
import platform
import shlex
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from djscc import cli
from djscc.data import FITS, center_crop_to_multiple, load_images
from djscc.digital import ldpc, link, source
from djscc.digital.mcs import CHECK_BYTES, SYMBOLS, TABLE, codewords, image_symbols
from djscc.evaluate import evaluate_model, fit_images, mean_and_ci95, parse_snr_grid
from djscc.metrics import psnr_per_image, ssim_per_image
from djscc.nn import zoo
from djscc.nn.channels import AWGNChannel
from djscc.nn.codec import DOWNSAMPLING

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_DATA = "../shared/data/cifar10/cifar10_exact.npz"
FER_TARGET = 0.1
BATCH_PIXELS = 256 * 32 * 32  # DA-DJSCC's batch: as many pixels as 256 CIFAR-10 images
STAGES = ("source encode", "LDPC encode + map", "LLR", "LDPC decode", "source decode")


def quality(reference: np.ndarray, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PSNR and SSIM of uint8 HWC ``images`` (B, H, W, 3) against one reference image."""
    ref = torch.from_numpy(np.repeat(reference[None], len(images), 0)).permute(0, 3, 1, 2)
    out = torch.from_numpy(np.array(images)).permute(0, 3, 1, 2)
    return psnr_per_image(ref, out).numpy(), ssim_per_image(ref, out).numpy()


def one_image(task) -> dict:
    """Every MCS x SNR x realization for one image, and the capacity bound's figures."""
    index, image, snr_grid, realizations, seed = task
    torch.set_num_threads(1)
    rng = np.random.default_rng([seed, index])
    size = image.shape[:2]
    budget_of = {mcs.name: link.image_budget(mcs, size) for mcs in TABLE}
    capacity = [link.capacity_budget(s, image_symbols(*size)) for s in snr_grid]
    budgets = sorted(set(budget_of.values()) | set(capacity))
    payloads = {b: source.encode(image, b) for b in budgets}
    decoded = {b: source.decode(p, size) for b, p in payloads.items()}
    gray = source.failed_image(size)
    shown = np.stack([gray] + [gray if decoded[b] is None else decoded[b] for b in budgets])
    psnr, ssim = quality(image, shown)
    lost, codec = (psnr[0], ssim[0]), {b: (psnr[i + 1], ssim[i + 1]) for i, b in enumerate(budgets)}
    shape = (len(TABLE), len(snr_grid), realizations)
    out = {"psnr": np.zeros(shape), "ssim": np.zeros(shape), "failed": np.zeros(shape, bool),
           "codec_failed": np.zeros(shape, bool), "undetected": np.zeros(shape, bool)}
    for i, mcs in enumerate(TABLE):
        budget = budget_of[mcs.name]
        symbols = link.payload_to_symbols(payloads[budget], mcs)
        for j, snr in enumerate(snr_grid):
            for r in range(realizations):
                received, noise_var = link.awgn(symbols, snr, rng)
                payload = link.symbols_to_payload(received, noise_var, mcs)
                if payload is None:
                    value, out["failed"][i, j, r] = lost, True
                elif payload == payloads[budget]:
                    value = codec[budget]
                    out["codec_failed"][i, j, r] = decoded[budget] is None
                else:
                    image_out = source.decode(payload, size)
                    out["undetected"][i, j, r], out["codec_failed"][i, j, r] = True, image_out is None
                    p, s = quality(image, (gray if image_out is None else image_out)[None])
                    value = (p[0], s[0])
                out["psnr"][i, j, r], out["ssim"][i, j, r] = value
    out["capacity_psnr"] = np.array([codec[b][0] for b in capacity])
    out["capacity_ssim"] = np.array([codec[b][1] for b in capacity])
    out["codec_of"] = {name: source.codec_of(payloads[b]) if decoded[b] is not None else None
                       for name, b in budget_of.items()}
    return out


def adaptive_index(snr_db: float, size: tuple[int, int]) -> int:
    """The index of the MCS link.select gives an image of ``size`` at ``snr_db`` (as
    ``djscc-eval digital``: the most robust below every threshold)."""
    return (link.select(snr_db, codewords(*size)) or TABLE[0]).index


def reselect(path: Path) -> None:
    """Recompute a report's adaptive row with today's link.select from its own per-MCS
    figures (exact when all its images are of one size: every image then gets the same MCS
    at an SNR, whose mean and ci95 over images the report holds), and rewrite its .json,
    .md and .png."""
    report = json.loads(path.read_text())
    sizes = {tuple(map(int, size.split("x"))) for size in report["image_size"].split(" / ")}
    if len(sizes) != 1:
        raise SystemExit(f"{path}: images of several sizes; run the benchmark again instead")
    size = sizes.pop()
    chosen = [TABLE[adaptive_index(s, size)].name for s in report["snr_db"]]
    report["adaptive_mcs"] = {"mcs": chosen, **{key: {stat: [report["mcs"][name][key][stat][j]
                                                             for j, name in enumerate(chosen)]
                                                       for stat in ("mean", "ci95")}
                                                 for key in ("psnr_db", "ssim")}}
    command = report.pop("command")
    report["adaptive_reselected"] = "python benchmarks/digital.py --reselect " + str(path.relative_to(Path.cwd())
                                                                                      if path.is_absolute() else path)
    path.write_text(json.dumps({**report, "command": command}, indent=1))
    path.with_suffix(".md").write_text(markdown(report, command))
    plot(report, path.with_suffix(".png"))
    print(dict(zip(report["snr_db"], zip(chosen, report["adaptive_mcs"]["psnr_db"]["mean"]))))


def model_row(model_name: str, image_set, snr_grid: list[float], sizes: list, args) -> dict:
    """DA-DJSCC's row: the model through the torch AWGN channel by djscc-eval's protocol."""
    cli.set_threads(args.workers)
    model, card = zoo.load(model_name)
    batch = max(1, BATCH_PIXELS // (sizes[-1][0] * sizes[-1][1]))
    djscc = evaluate_model(model, image_set, snr_grid, AWGNChannel(), args.model_realizations, batch, args.seed)
    return {"model": model_name, "trained": card.get("training", {}).get("epochs"),
            "realizations": args.model_realizations, "psnr_db": djscc["psnr_db"], "ssim": djscc["ssim"]}


def model_label(row: dict) -> str:
    """The model's name, and its training epochs where the row says them."""
    return row["model"] + (f" ({row['trained']} epochs)" if row.get("trained") else "")


def remeasure_model(path: Path, model_name: str) -> None:
    """Measure a report's DA-DJSCC row again (a retrained model) on the images, SNRs, draws
    and seed of the command that made it, keep its digital rows (no model in them; hours to
    make), and rewrite its .json, .md and .png."""
    report = json.loads(path.read_text())
    if "command" not in report:
        raise SystemExit(f"{path} does not name the command that made it: run the benchmark again")
    command = report.pop("command")
    args = parse_args(shlex.split(command)[2:])
    image_set = fit_images(load_images(args.data).limit(args.limit), args.image_size, args.fit)
    sizes = sorted({center_crop_to_multiple(image, DOWNSAMPLING).shape[:2] for image in image_set.images})
    if len(image_set) != report["images"]:
        raise SystemExit(f"{path}: {report['images']} images, its command gives {len(image_set)} now")
    report["djscc"] = model_row(model_name, image_set, report["snr_db"], sizes, args)
    report["model_remeasured"] = f"python benchmarks/digital.py --remeasure-model {path} --model {model_name}"
    path.write_text(json.dumps({**report, "command": command}, indent=1))
    path.with_suffix(".md").write_text(markdown(report, command))
    plot(report, path.with_suffix(".png"))
    print(dict(zip(report["snr_db"], report["djscc"]["psnr_db"]["mean"])))


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


def speed(images: list[np.ndarray], cases: list[tuple[str, float]], seed: int) -> list[dict]:
    """Images per second through the digital chain on one core, and each stage's share
    (every codeword of an image decoded, for the codeword error rate and iterations)."""
    rows, rng = [], np.random.default_rng(seed)
    for name, snr in cases:
        mcs = next(m for m in TABLE if m.name == name)
        times = dict.fromkeys(STAGES, 0.0)
        code = ldpc.code(mcs.coded_bits, mcs.info_bits)
        iterations, failed = [], 0
        for image in images:
            t0 = time.perf_counter()
            payload = source.encode(image, link.image_budget(mcs, image.shape[:2]))
            t1 = time.perf_counter()
            symbols = link.payload_to_symbols(payload, mcs)
            t2 = time.perf_counter()
            received, noise_var = link.awgn(symbols, snr, rng)
            t3 = time.perf_counter()
            llrs = [link.codeword_llr(word, noise_var, mcs) for word in received.reshape(-1, SYMBOLS)]
            t4 = time.perf_counter()
            words = []
            for llr in llrs:
                words.append(code.decode(llr))
                iterations.append(code.iterations())
            t5 = time.perf_counter()
            if all(ok for _, ok in words):
                source.decode(b"".join(np.packbits(bits).tobytes()[:-CHECK_BYTES] for bits, _ in words),
                              image.shape[:2])
            t6 = time.perf_counter()
            failed += sum(not ok for _, ok in words)
            for stage, dt in zip(STAGES, (t1 - t0, t2 - t1, t4 - t3, t5 - t4, t6 - t5)):
                times[stage] += dt
        tx = times["source encode"] + times["LDPC encode + map"]
        rx = times["LLR"] + times["LDPC decode"] + times["source decode"]
        rows.append({"mcs": name, "snr_db": snr, "images": len(images), "fer": round(failed / len(iterations), 4),
                     "mean_iterations": round(float(np.mean(iterations)), 2),
                     "transmitter_images_per_s": round(len(images) / tx, 2),
                     "receiver_images_per_s": round(len(images) / rx, 2),
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
        axis.plot(snr, report["adaptive_mcs"][key]["mean"], "b-s", markersize=3,
                  label="digital, adaptive MCS (link.select by the image's codewords)")
        axis.plot(snr, report["capacity_bound"][key]["mean"], "k--", label="codec at capacity (bound)")
        axis.plot(snr, report["djscc"][key]["mean"], "r-o", markersize=3, label=model_label(report["djscc"]))
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
    axes[2].set_ylabel("image error rate: a codeword failed (1e-4 = none seen)")
    axes[2].grid(alpha=0.3)
    figure.suptitle(f"{report['data']} ({report['images']} images), AWGN, k/n = 1/12: "
                    f"{report['codewords_per_image']} codewords of {SYMBOLS} symbols an image; digital: "
                    f"{report['realizations']} realization(s) a point, gr-fec LDPC; "
                    f"DA-DJSCC: {report['djscc']['realizations']}", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def markdown(report: dict, command: str) -> str:
    """The table the README quotes: PSNR / SSIM per SNR of each curve, the MCSs and thresholds."""
    rows = [("digital, best MCS per SNR", report["best_mcs"]), ("digital, adaptive MCS", report["adaptive_mcs"]),
            ("capacity bound (codec at k log2(1+SNR) bits)", report["capacity_bound"]),
            (model_label(report["djscc"]), report["djscc"])]
    snr = report["snr_db"]
    lines = [f"# The digital baseline on {report['data']}", "",
             f"{report['images']} images of {report['image_size']}, AWGN, {report['codewords_per_image']} "
             f"codewords of {SYMBOLS} symbols an image (k/n = 1/12, {report['symbols_unsent']} symbols of k "
             f"unsent); digital: {report['realizations']} realization(s) a point, DA-DJSCC: "
             f"{report['djscc']['realizations']}. PSNR dB / SSIM, mean over images.", "",
             f"`{command}`", ""]
    if "model_remeasured" in report:
        lines += [f"The {report['djscc']['model']} row was measured again alone (`{report['model_remeasured']}`: "
                  "the same images, SNRs, draws and seed).", ""]
    if "adaptive_reselected" in report:
        lines += [f"The adaptive row is recomputed from this run's per-MCS figures by today's link.select "
                  f"(`{report['adaptive_reselected']}`: the images are of one size, so at each SNR "
                  f"they all get the MCS whose figures those are).", ""]
    lines += ["| SNR (dB) | " + " | ".join(f"{s:g}" for s in snr) + " |",
             "|---|" + "---:|" * len(snr)]
    for name, curve in rows:
        lines.append(f"| {name} | " + " | ".join(f"{p:.2f} / {q:.3f}" for p, q in
                                                 zip(curve["psnr_db"]["mean"], curve["ssim"]["mean"])) + " |")
    for name in ("best_mcs", "adaptive_mcs"):
        lines.append(f"| {name.replace('_', ' ')} | " + " | ".join(report[name]["mcs"]) + " |")
    lines += ["", "Thresholds (lowest SNR from which an MCS's image error rate stays at most "
              f"{FER_TARGET:.0%}; None: not on this grid): "
              + ", ".join(f"{name} {value}" for name, value in report["thresholds_db"].items()), ""]
    return "\n".join(lines)


def output_name(data: str, image_size: int | None, fit: str) -> Path:
    """results/digital for the default CIFAR-10 images, else a name that says the data."""
    if data == DEFAULT_DATA and image_size is None:
        return RESULTS / "digital"
    return RESULTS / ("digital_" + Path(data).stem + (f"_{fit}{image_size}" if image_size else ""))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--image-size", type=int, help="fit every image to S x S (--fit); default: as they are")
    parser.add_argument("--fit", default="crop", choices=FITS)
    parser.add_argument("--snr", nargs="+", default=["0:20:1"])
    parser.add_argument("--realizations", type=int, default=1, help="channel draws per image and MCS")
    parser.add_argument("--model", default="da-djscc_1-12")
    parser.add_argument("--model-realizations", type=int, default=10)
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="processes (and DA-DJSCC's threads)")
    parser.add_argument("--speed-images", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="path stem of the results (default: output_name)")
    parser.add_argument("--reselect", type=Path, metavar="JSON",
                        help="only recompute this report's adaptive row with today's link.select (reselect)")
    parser.add_argument("--remeasure-model", type=Path, metavar="JSON",
                        help="only measure this report's DA-DJSCC row again, with --model (remeasure_model)")
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.reselect:
        return reselect(args.reselect)
    if args.remeasure_model:
        return remeasure_model(args.remeasure_model, args.model)
    out = args.out or output_name(args.data, args.image_size, args.fit)
    snr_grid = parse_snr_grid(args.snr)
    image_set = fit_images(load_images(args.data).limit(args.limit), args.image_size, args.fit)
    images = [center_crop_to_multiple(image, DOWNSAMPLING) for image in image_set.images]  # as djscc-eval's
    sizes = sorted({image.shape[:2] for image in images})

    started = time.time()
    tasks = [(i, image, snr_grid, args.realizations, args.seed) for i, image in enumerate(images)]
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            results = list(tqdm(pool.map(one_image, tasks, chunksize=8), total=len(tasks), desc="images"))
    else:
        results = [one_image(task) for task in tqdm(tasks, desc="images")]
    digital_s = time.time() - started
    stack = {key: np.stack([r[key] for r in results]) for key in results[0] if key != "codec_of"}

    report = {"data": image_set.source, "images": len(images), "channel": "awgn", "snr_db": snr_grid,
              "realizations": args.realizations,
              "image_size": " / ".join(f"{h}x{w}" for h, w in sizes),
              "symbols_per_image": "/".join(str(image_symbols(*size)) for size in sizes),
              "codewords_per_image": "/".join(str(codewords(*size)) for size in sizes),
              "symbols_unsent": "/".join(str(image_symbols(*size) % SYMBOLS) for size in sizes),
              "statistic": "mean over images of the per-image mean over realizations; ci95 = 1.96 "
                           "standard errors over images",
              "failed_image": f"mid gray ({source.FAILED_PIXEL}, {source.FAILED_PIXEL}, {source.FAILED_PIXEL})",
              "fer_meaning": "image error rate: the share of images with a failed codeword (the FER "
                             "at one codeword an image)",
              "budget_meaning": "mcs budget_bytes: a codeword's; an image gets codewords_per_image of them",
              "fer_target": FER_TARGET, "machine": platform.processor() or platform.machine(),
              "digital_seconds": round(digital_s, 1), "workers": args.workers, "mcs": {}}
    for i, mcs in enumerate(TABLE):
        used = [r["codec_of"][mcs.name] for r in results]
        report["mcs"][mcs.name] = {
            "index": mcs.index, "budget_bytes": mcs.budget, "code": [mcs.coded_bits, mcs.info_bits],
            "psnr_db": summary(stack["psnr"][:, i]), "ssim": summary(stack["ssim"][:, i]),
            "fer": [round(float(v), 4) for v in stack["failed"][:, i].mean(axis=(0, 2))],
            "codec_failed": [int(v) for v in stack["codec_failed"][:, i].sum(axis=(0, 2))],
            "undetected": [int(v) for v in stack["undetected"][:, i].sum(axis=(0, 2))],
            "codec_use": {str(c): used.count(c) for c in set(used)},
            "error_free_psnr_db": round(float(stack["psnr"][:, i, -1].mean()), 3)
            if not stack["failed"][:, i, -1].any() else None}
    columns = np.arange(len(snr_grid))
    means = np.array([report["mcs"][m.name]["psnr_db"]["mean"] for m in TABLE])
    best = np.broadcast_to(means.argmax(axis=0), (len(images), len(snr_grid)))
    adaptive = np.array([[adaptive_index(s, image.shape[:2]) for s in snr_grid] for image in images])
    rows = np.arange(len(images))[:, None]
    for name, chosen in (("best_mcs", best), ("adaptive_mcs", adaptive)):
        report[name] = {"mcs": ["/".join(dict.fromkeys(TABLE[c].name for c in chosen[:, j])) for j in columns],
                        "psnr_db": summary(stack["psnr"][rows, chosen, columns]),
                        "ssim": summary(stack["ssim"][rows, chosen, columns])}
    fer = np.array([report["mcs"][m.name]["fer"] for m in TABLE])
    report["thresholds_db"] = thresholds(fer, snr_grid)
    report["capacity_bound"] = {"budget_bytes": {f"{h}x{w}": [link.capacity_budget(s, image_symbols(h, w))
                                                             for s in snr_grid] for h, w in sizes},
                                "psnr_db": summary(stack["capacity_psnr"]), "ssim": summary(stack["capacity_ssim"])}

    report["djscc"] = model_row(args.model, image_set, snr_grid, sizes, args)

    cli.set_threads(1)
    cases = [(report["best_mcs"]["mcs"][snr_grid.index(s)], s) for s in (5.0, 10.0, 20.0) if s in snr_grid]
    cases += [(name, t - 1) for name, t in report["thresholds_db"].items()
              if name in ("QPSK 1/2", "64QAM 5/6") and t is not None and t - 1 >= snr_grid[0]]
    report["speed"] = {"note": "one process, one thread, this machine; 'LLR' includes deinterleaving; "
                               "fer and iterations per codeword; source decode only for images whose "
                               "codewords all decoded",
                       "cases": speed(images[:args.speed_images], cases, args.seed)}

    command = "python benchmarks/digital.py " + " ".join(sys.argv[1:])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({**report, "command": command}, indent=1))
    out.with_suffix(".md").write_text(markdown(report, command))
    plot(report, out.with_suffix(".png"))
    print(f"{'SNR dB':>7} {'best MCS':>10} {'digital':>8} {'adaptive':>9} {'bound':>7} {'DA-DJSCC':>9}")
    for j, s in enumerate(snr_grid):
        print(f"{s:7g} {report['best_mcs']['mcs'][j]:>10} {report['best_mcs']['psnr_db']['mean'][j]:8.2f} "
              f"{report['adaptive_mcs']['psnr_db']['mean'][j]:9.2f} "
              f"{report['capacity_bound']['psnr_db']['mean'][j]:7.2f} {report['djscc']['psnr_db']['mean'][j]:9.2f}")
    print("thresholds (image error rate <= 10 %):", report["thresholds_db"])
    for row in report["speed"]["cases"]:
        print(row)


if __name__ == "__main__":
    main()
