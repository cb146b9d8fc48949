"""djscc-eval: PSNR, SSIM and downstream accuracy vs SNR for one or more models, JSON + PNG.

Protocol (the README's Results): 8-bit outputs; for each SNR, every image goes through the channel
``--realizations`` times; a figure is the mean over images of the per-image mean over
realizations, with a 95% interval over images (1.96 standard errors). Models of one k see
the same noise draws (common random numbers: one of another k draws its own, from the same
seed), so their differences are not noise; the noise is
drawn on the CPU, so a figure does not depend on --device. Accuracy is the
shipped CIFAR-10 classifier's (--classifier) on the 8-bit reconstructions, where the data
has labels; "symbols_sent" is the share of the model's k symbols actually transmitted.

Examples:
  djscc-eval da-djscc_1-12 adjscc_1-12 --data ../shared/data/cifar10/cifar10_exact.npz \
      --snr=-5:25:2.5 --json out/eval.json --plot out/eval.png
  djscc-eval da-djscc_1-12 --data samples --snr 0 10 20 --channel rayleigh --pilots 16
  djscc-eval da-djscc_1-12 digital 'digital:16QAM 1/2' capacity --data samples --snr 0:20:5
  djscc-eval da-djscc_1-12 digital capacity --data ../shared/data/kodak24 --image-size 128 \
      --fit crop --snr 0:20:5
Without --image-size the images are measured as they are (center-cropped to multiples of 4).
"""

import argparse
import json
import platform
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from djscc import cli
from djscc.data import FITS, ImageSet, center_crop_to_multiple, fit_image, load_images
from djscc.digital.codec import DigitalCodec, capacity_images
from djscc.digital.mcs import codewords
from djscc.errors import InputError
from djscc.metrics import channels_first, psnr_per_image, ssim_per_image, to_float, to_uint8
from djscc.nn import zoo
from djscc.nn.channels import CHANNELS, ChannelState, make_channel
from djscc.nn.codec import DOWNSAMPLING, SNR_LIMITS_DB, drop_unsent
from djscc.paths import write_atomically

CAPACITY = "capacity"  # djscc-eval's name of the digital bound
CAPACITY_LABEL = "capacity bound (codec at k log2(1+SNR) bits)"


def parse_snr_grid(items: list[str]) -> list[float]:
    """'-5:25:2.5' (start:stop:step, stop included) and plain numbers, in dB; commas separate
    items too ('--snr=-5:25:2.5,-2': a value that starts with '-' needs the '=' form)."""
    grid = []
    for item in (part for text in items for part in text.split(",")):
        try:
            if ":" in item:
                start, stop, step = (float(part) for part in item.split(":"))
                if step <= 0:
                    raise ValueError
                grid.extend(np.round(np.arange(start, stop + step / 2, step), 6).tolist())
            else:
                grid.append(float(item))
        except ValueError:
            raise InputError(f"--snr {item!r}: give dB values or start:stop:step") from None
    if not grid:
        raise InputError(f"--snr {' '.join(items)!r} gives no SNR (is a start:stop:step range backwards?)")
    out_of_range = [s for s in grid if not SNR_LIMITS_DB[0] <= s <= SNR_LIMITS_DB[1]]
    if out_of_range or any(np.isnan(grid)):
        raise InputError(f"SNR {out_of_range} dB out of the supported range "
                         f"{SNR_LIMITS_DB[0]:g}..{SNR_LIMITS_DB[1]:g} dB")
    return sorted(set(grid))


def image_batches(image_set: ImageSet, batch_size: int):
    """(uint8 (B, 3, H, W), labels (B,) or None) batches; differently sized images one at a time."""
    images, labels = image_set.images, image_set.labels
    if isinstance(images, list):
        for image in images:
            yield channels_first(center_crop_to_multiple(image, DOWNSAMPLING)[None]), None
        return
    if images.shape[1] % DOWNSAMPLING or images.shape[2] % DOWNSAMPLING:
        images = np.stack([center_crop_to_multiple(image, DOWNSAMPLING) for image in images])
    for start in range(0, len(images), batch_size):
        batch_labels = None if labels is None else torch.from_numpy(labels[start:start + batch_size].astype(np.int64))
        yield channels_first(images[start:start + batch_size]), batch_labels


def fit_images(image_set: ImageSet, size: int | None, fit: str = "crop") -> ImageSet:
    """The images as ``size`` x ``size`` (data.fit_image: the centered crop, or that of the
    image scaled to it), labels kept; as they are when ``size`` is None."""
    if size is None:
        return image_set
    if size % DOWNSAMPLING:
        raise InputError(f"--image-size must be a multiple of {DOWNSAMPLING}, not {size}")
    images = np.stack([fit_image(image, size, fit, f"image {index} of {image_set.source}")
                       for index, image in enumerate(image_set.images)])
    return ImageSet(images, image_set.labels, f"{image_set.source} ({fit} {size}x{size})")


def metric_names(model, image_set: ImageSet, classifier) -> list[str]:
    """What is measured: PSNR, SSIM, the share of k sent, and with labels and a classifier
    its accuracy (and a model's own feature-space accuracy, for models that classify)."""
    metrics = ["psnr_db", "ssim", "symbols_sent"]
    if classifier is not None and image_set.labels is not None:
        metrics.append("accuracy")
        if hasattr(model, "classify"):
            metrics.append("feature_accuracy")
    return metrics


def score(sums: dict, reference: torch.Tensor, output: torch.Tensor, labels, classifier) -> None:
    """Add the per-image PSNR, SSIM and accuracy of 8-bit ``output`` to ``sums``."""
    sums["psnr_db"] += psnr_per_image(reference, output).cpu()
    sums["ssim"] += ssim_per_image(reference, output).cpu()
    if "accuracy" in sums:
        sums["accuracy"] += (classifier.predict(to_float(output)) == labels).float().cpu()


def summarize(per_image: dict, results: dict) -> None:
    """Append one SNR's mean and 95% interval over images of each metric to ``results``."""
    for key, values in per_image.items():
        mean, ci = mean_and_ci95(torch.cat(values).double().numpy())
        results[key]["mean"].append(round(mean, 4))
        results[key]["ci95"].append(round(ci, 4))


@torch.no_grad()
def evaluate_model(model, image_set: ImageSet, snr_grid: list[float], channel,
                   realizations: int, batch_size: int, seed: int, classifier=None,
                   device: str | torch.device = "cpu") -> dict:
    """Per-SNR mean and 95% interval over images of the ``metric_names``."""
    metrics = metric_names(model, image_set, classifier)
    results = {key: {"mean": [], "ci95": []} for key in metrics}
    for snr_index, snr in enumerate(tqdm(snr_grid, desc="SNR", leave=False)):
        generator = torch.Generator().manual_seed(seed * 1000 + snr_index)
        per_image = {key: [] for key in metrics}
        for reference, labels in image_batches(image_set, batch_size):
            reference, labels = reference.to(device), None if labels is None else labels.to(device)
            images, size = to_float(reference), reference.shape[-2:]
            snr_db = torch.full((len(images),), float(snr))
            sent_state = ChannelState.awgn(snr_db).to(device)
            symbols = model.encode(images, sent_state).cpu()
            sent = model.symbols_sent(sent_state, *size).cpu()
            sums = {key: torch.zeros(len(images)) for key in metrics}
            sums["symbols_sent"] += realizations * sent / model.symbols_per_image(*size)
            for _ in range(realizations):
                received, state = channel(symbols, snr_db, generator)
                received, state = drop_unsent(received, sent).to(device), state.to(device)
                output = to_uint8(model.decode(received, state, size))
                score(sums, reference, output, labels, classifier)
                if "feature_accuracy" in sums:
                    sums["feature_accuracy"] += (model.classify(received, size) == labels).float().cpu()
            for key in metrics:
                per_image[key].append(sums[key] / realizations)
        summarize(per_image, results)
    return results


@torch.no_grad()
def evaluate_capacity_bound(image_set: ImageSet, snr_grid: list[float], batch_size: int,
                            classifier=None) -> dict:
    """The bound on the digital way: the source codec at the capacity's byte budget of k
    uses (digital.codec.capacity_images), no channel errors, so no realizations."""
    metrics = metric_names(None, image_set, classifier)
    results = {key: {"mean": [], "ci95": []} for key in metrics}
    for snr in tqdm(snr_grid, desc="SNR", leave=False):
        per_image = {key: [] for key in metrics}
        for reference, labels in image_batches(image_set, batch_size):
            codewords(*reference.shape[-2:])  # InputError for a size the digital scheme cannot code
            output = channels_first(capacity_images(reference.permute(0, 2, 3, 1).numpy(), snr))
            sums = {key: torch.zeros(len(reference)) for key in metrics}
            sums["symbols_sent"] += 1.0
            score(sums, reference, output, labels, classifier)
            for key in metrics:
                per_image[key].append(sums[key])
        summarize(per_image, results)
    return results


def mean_and_ci95(values: np.ndarray) -> tuple[float, float]:
    """Mean and the half-width of its normal 95% interval."""
    if len(values) < 2:
        return float(values.mean()), float("nan")
    return float(values.mean()), float(1.96 * values.std(ddof=1) / np.sqrt(len(values)))


def plot(report: dict, path: Path) -> None:
    """PSNR and SSIM vs SNR, one line per model with its 95% band."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    snr = report["snr_db"]
    labels = {"psnr_db": "PSNR (dB)", "ssim": "SSIM", "accuracy": "classifier accuracy",
              "symbols_sent": "share of k symbols sent"}
    keys = [key for key in labels if any(key in result for result in report["models"].values())]
    figure, axes = plt.subplots(1, len(keys), figsize=(5.2 * len(keys), 4.2))
    for name, result in report["models"].items():
        for axis, key in zip(axes, keys):
            if key not in result:
                continue
            mean = np.array(result[key]["mean"])
            ci = np.nan_to_num(np.array(result[key]["ci95"]))
            axis.plot(snr, mean, marker="o", markersize=3, label=name)
            axis.fill_between(snr, mean - ci, mean + ci, alpha=0.2)
    for axis, key in zip(axes, keys):
        axis.set_xlabel("channel SNR (dB)")
        axis.set_ylabel(labels[key])
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    figure.suptitle(f"{report['data']} ({report['images']} images), {report['channel']}, "
                    f"{report['realizations']} realizations/image, 95% intervals", fontsize=9)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="djscc-eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+",
                        help="shipped model names or NAME paths; 'digital' (the digital scheme, MCS "
                             "by the SNR), 'digital:MCS' (one fixed MCS, e.g. 'digital:16QAM 1/2'), "
                             "'capacity' (the codec at the channel's capacity, error-free)")
    parser.add_argument("--data", default="samples",
                        help="samples, samples-kodak, cifar10, an .npz or a folder")
    parser.add_argument("--split", default="test", choices=["train", "test"])
    parser.add_argument("--data-root", default="data")
    parser.add_argument("--snr", nargs="+", default=["-5:25:2.5"],
                        help="dB values or start:stop:step, space or comma separated; write "
                             "--snr=-5:25:2.5,-2 when the first starts with '-'")
    parser.add_argument("--realizations", type=cli.positive_int, default=10, help="channel draws per image")
    parser.add_argument("--limit", type=cli.positive_int, help="the first N images only")
    parser.add_argument("--image-size", type=cli.positive_int,
                        help="measure every image as S x S (--fit; S a multiple of 4); default: as they are")
    parser.add_argument("--fit", choices=FITS,
                        help="with --image-size: crop (the default) = the centered S x S (images at least "
                             "that large), resize = the short side scaled to S (Lanczos), then the center")
    parser.add_argument("--channel", default="awgn", choices=sorted(CHANNELS),
                        help="fading: Rayleigh varying within each image (Doppler), measured per pilot block")
    parser.add_argument("--pilots", type=cli.positive_int, help="Rayleigh: estimate h from this many pilots "
                        "(default: perfect CSI)")
    parser.add_argument("--classifier", default="cifar10_classifier",
                        help="model that scores the reconstructions where the data has labels "
                             "(a shipped name or NAME path; 'none' to skip)")
    parser.add_argument("--batch-size", type=cli.positive_int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=cli.positive_int)
    parser.add_argument("--device", type=cli.device, default="cuda" if torch.cuda.is_available() else "cpu",
                        help="where the models run (the channel's noise is drawn on the CPU)")
    parser.add_argument("--json", type=cli.output_path, help="write the report here")
    parser.add_argument("--plot", type=cli.output_path, help="write PSNR/SSIM vs SNR here (PNG)")
    parser.add_argument("--merge", action="store_true",
                        help="with --json: keep the other models of the report already there, the ones "
                             "measured now replacing theirs (the same data, channel, SNRs, draws and seed)")
    parser.add_argument("--update-cards", action="store_true",
                        help="store the figures in each model's card")
    return parser.parse_args(argv)


def measurement(image_set: ImageSet, snr_grid: list[float], channel: str, pilots: int | None,
                realizations: int, seed: int, batch_size: int) -> dict:
    """What a report was measured on and with: the keys two reports must share to be merged
    (the batch size too: an image's noise draws depend on the batches before it)."""
    return {"data": image_set.source, "images": len(image_set), "channel": channel, "pilots": pilots,
            "realizations": realizations, "snr_db": snr_grid, "seed": seed, "batch_size": batch_size}


def evaluate_models(models: list, image_set: ImageSet, snr_grid: list[float], channel: str = "awgn",
                    pilots: int | None = None, realizations: int = 10, batch_size: int = 256, seed: int = 0,
                    classifier: str = "cifar10_classifier", device: str = "cpu",
                    update_cards: bool = False, card_command: str = "djscc-eval --update-cards") -> dict:
    """djscc-eval's report on ``models`` (shipped names or NAME paths), each model's table
    printed as it is measured; ``classifier`` 'none' skips the accuracy."""
    codecs = [DigitalCodec.from_name(str(name)) for name in models]
    if channel in DIGITAL_REFUSES and any(codec is not None and codec.adaptive for codec in codecs):
        raise InputError(f"the adaptive digital scheme is not measured over --channel {channel}: its state "
                         "carries the SINR measured per image, not the SNR the encoder chose its MCS by (its "
                         "frames carry the MCS over the air: benchmarks/fading.py measures it so); a fixed MCS "
                         "('digital:16QAM 1/2') is")
    options = {"pilots": pilots} if channel == "rayleigh" else {}
    channel_model = make_channel(channel, **options)
    report = {**measurement(image_set, snr_grid, channel, pilots, realizations, seed, batch_size),
              "statistic": "mean over images of the per-image mean over realizations; "
                           "ci95 = 1.96 standard errors over images",
              "machine": platform.processor() or platform.machine(), "models": {}}
    scorer = None
    if classifier != "none" and image_set.labels is not None:
        scorer, classifier_card = zoo.load(classifier, device)
        report["classifier"] = classifier_card.get("name", classifier)
    for name, digital in zip(models, codecs):
        if str(name) == CAPACITY:
            result = evaluate_capacity_bound(image_set, snr_grid, batch_size, scorer)
            report["models"][CAPACITY_LABEL] = {"parameters": None, **result}
            print_table(CAPACITY_LABEL, snr_grid, result)
            continue
        model, card = (digital, digital.card) if digital else zoo.load_codec(name, device)
        result = evaluate_model(model, image_set, snr_grid, channel_model, realizations,
                                batch_size, seed, scorer, device)
        report["models"][card.get("name", str(name))] = {"parameters": card.get("parameters"), **result}
        print_table(card.get("name", str(name)), snr_grid, result)
        if update_cards and not digital:
            store_in_card(name, report, result, card_command)
    return report


def save(report: dict, json_path: Path | None = None, plot_path: Path | None = None) -> None:
    """The report as JSON and its PSNR/SSIM vs SNR plot, where paths are given."""
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(json_path, lambda file: file.write_text(json.dumps(report, indent=1) + "\n"))
    if plot_path:
        plot(report, plot_path)


def evaluate(argv=None) -> int:
    args = parse_args(argv)
    cli.set_threads(args.threads)
    snr_grid = parse_snr_grid(args.snr)
    if args.fit and args.image_size is None:
        raise InputError("--fit needs --image-size (without it the images are measured as they are)")
    image_set = fit_images(load_images(args.data, args.split, args.data_root).limit(args.limit),
                           args.image_size, args.fit or "crop")
    earlier = None
    if args.merge:
        if not args.json:
            raise InputError("--merge needs --json: the report to measure the models into")
        earlier = read_report(args.json)
        if earlier:  # refused now, not after the measurement
            check_mergeable(earlier, {**measurement(image_set, snr_grid, args.channel, args.pilots,
                                                    args.realizations, args.seed, args.batch_size),
                                      "classifier": classifier_name(args.classifier, image_set)}, args.json)
    report = evaluate_models(args.models, image_set, snr_grid, args.channel, args.pilots, args.realizations,
                             args.batch_size, args.seed, args.classifier, args.device, args.update_cards)
    if earlier:
        report = merged(earlier, report, args.json)
    save(report, args.json, args.plot)
    return 0


DIGITAL_REFUSES = ("fading", "awgn+fading")  # channels whose state's snr_db is a measured SINR
MERGE_MUST_MATCH = ("data", "images", "channel", "pilots", "realizations", "snr_db", "seed", "batch_size",
                    "classifier")


def read_report(path: Path) -> dict | None:
    """The djscc-eval report at ``path``, None where there is none yet."""
    if not path.exists():
        return None
    try:
        report = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"--merge: {path} is not a readable report ({error}); nothing measured") from None
    if not isinstance(report, dict) or not isinstance(report.get("models"), dict):
        raise InputError(f"--merge: {path} is not a djscc-eval report (no models); nothing measured")
    return report


def classifier_name(classifier: str, image_set: ImageSet) -> str | None:
    """The classifier a report on ``image_set`` names (None: 'none', or no labels to score)."""
    if classifier == "none" or image_set.labels is None:
        return None
    return zoo.read_card(zoo.resolve(classifier)).get("name", classifier)


def check_mergeable(earlier: dict, report: dict, path: Path) -> None:
    """InputError unless ``report`` was measured as ``earlier`` was (MERGE_MUST_MATCH)."""
    for key in MERGE_MUST_MATCH:
        if key in earlier and earlier[key] != report.get(key):
            raise InputError(f"--merge: {path} was measured with {key} {earlier[key]!r}, this run with "
                             f"{report.get(key)!r}; nothing written")


def merged(earlier: dict, report: dict, path: Path) -> dict:
    """``earlier`` (the report at ``path``) with ``report``'s models in it: a retrained model is
    measured again alone, the others kept, each in its place. Every model of a report draws the
    same noise (the seed), so the figures are those of measuring all of them at once."""
    check_mergeable(earlier, report, path)
    return {**report, "models": {**earlier["models"], **report["models"]}}


def print_table(name: str, snr_grid: list[float], result: dict) -> None:
    extra = [key for key in ("accuracy", "feature_accuracy", "symbols_sent") if key in result]
    print(f"\n{name}\n  SNR dB   PSNR dB (±95%)    SSIM (±95%)  " + "  ".join(extra))
    for i, snr in enumerate(snr_grid):
        print(f"  {snr:6.1f}   {result['psnr_db']['mean'][i]:6.2f} ±{result['psnr_db']['ci95'][i]:.2f}"
              f"    {result['ssim']['mean'][i]:.4f} ±{result['ssim']['ci95'][i]:.4f}  "
              + "  ".join(f"{result[key]['mean'][i]:.4f}" for key in extra))


def store_in_card(name: str, report: dict, result: dict, command: str = "djscc-eval --update-cards") -> None:
    """Record a measured curve in the model's card, keyed by data set and channel, with the
    command that measured it."""
    path = zoo.card_path(zoo.resolve(name))
    card = json.loads(path.read_text())
    key = f"{report['data']} / {report['channel']}"
    card.setdefault("figures", {})[key] = {
        "images": report["images"], "realizations": report["realizations"],
        "snr_db": report["snr_db"], "command": command,
        **{key: values["mean"] for key, values in result.items()},
    }
    write_atomically(path, lambda file: file.write_text(json.dumps(card, indent=2) + "\n"))


def main(argv=None) -> int:
    return cli.run(evaluate, argv)


if __name__ == "__main__":
    raise SystemExit(main())
