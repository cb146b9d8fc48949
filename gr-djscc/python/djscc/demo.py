"""djscc-demo: the shipped models over a simulated channel, without GNU Radio.

Runs every shipped image codec over a simulated AWGN channel on the shipped sample images (64
exact CIFAR-10 test images), prints PSNR/SSIM at 0-20 dB, and writes to --out:
eval.json + eval.png (PSNR/SSIM vs SNR, as djscc-eval) and mosaic.png (sent images over
DA-DJSCC's reconstructions at 0, 10 and 20 dB).
"""

import argparse
from pathlib import Path

import torch

from djscc import cli, evaluate
from djscc.data import load_images
from djscc.errors import ModelFileError
from djscc.metrics import channels_first, to_float, to_pixels
from djscc.mosaic import save_mosaic
from djscc.nn import zoo
from djscc.nn.channels import AWGNChannel
from djscc.paths import check_writable_folder

MOSAIC_MODEL = "da-djscc_1-12"
MOSAIC_SNRS_DB = (0.0, 10.0, 20.0)
MOSAIC_IMAGES = 12
EVALUATION_SNRS_DB = [0.0, 5.0, 10.0, 15.0, 20.0]


@torch.no_grad()
def mosaic(out: Path, seed: int) -> Path:
    """Sample images over their reconstructions by the main model at a few SNRs."""
    model, _ = zoo.load(MOSAIC_MODEL)
    sent = load_images("samples").images[:MOSAIC_IMAGES]
    images = to_float(channels_first(sent))
    generator = torch.Generator().manual_seed(seed)
    rows, labels = [sent], ["sent"]
    for snr in MOSAIC_SNRS_DB:
        rows.append(to_pixels(model(images, AWGNChannel(), torch.full((len(images),), snr), generator)))
        labels.append(f"{MOSAIC_MODEL}\n{snr:g} dB")
    path = out / "mosaic.png"
    save_mosaic(rows, labels, path)
    return path


def demo(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="djscc-demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("out/demo"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=cli.positive_int, default=2)
    args = parser.parse_args(argv)
    cli.set_threads(args.threads)
    check_writable_folder(args.out, "--out")
    codecs = [name for name in zoo.shipped() if zoo.read_card(zoo.resolve(name))["architecture"] != "classifier"]
    if not codecs:
        raise ModelFileError(f"no shipped models in {', '.join(map(str, zoo.search_path()))}")
    report = evaluate.evaluate_models(codecs, load_images("samples"), EVALUATION_SNRS_DB, seed=args.seed,
                                      device="cuda" if torch.cuda.is_available() else "cpu")
    evaluate.save(report, args.out / "eval.json", args.out / "eval.png")
    print(f"\nwrote {args.out / 'eval.json'}, {args.out / 'eval.png'}, {mosaic(args.out, args.seed)}")
    return 0


def main(argv=None) -> int:
    return cli.run(demo, argv)


if __name__ == "__main__":
    raise SystemExit(main())
