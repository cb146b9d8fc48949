"""djscc-demo: the main job until the loopback flowgraph exists.

Runs every shipped model over a simulated AWGN channel on the shipped sample images (64
exact CIFAR-10 test images), prints PSNR/SSIM at 0-20 dB, and writes to --out:
eval.json + eval.png (PSNR/SSIM vs SNR) and mosaic.png (sent images over DA-DJSCC's
reconstructions at 0, 10 and 20 dB).
"""

import argparse
from pathlib import Path

import torch

from djscc import cli, evaluate
from djscc.data import load_images
from djscc.errors import ModelFileError
from djscc.metrics import to_uint8
from djscc.mosaic import save_mosaic
from djscc.nn import zoo
from djscc.nn.channels import AWGNChannel, ChannelState

MOSAIC_MODEL = "da-djscc_1-12"
MOSAIC_SNRS_DB = (0.0, 10.0, 20.0)
MOSAIC_IMAGES = 12


@torch.no_grad()
def mosaic(out: Path, seed: int) -> Path:
    """Sample images over their reconstructions by the main model at a few SNRs."""
    model, _ = zoo.load(MOSAIC_MODEL)
    sent = load_images("samples").images[:MOSAIC_IMAGES]
    images = torch.from_numpy(sent).permute(0, 3, 1, 2).float() / 255.0
    generator = torch.Generator().manual_seed(seed)
    rows, labels = [sent], ["sent"]
    for snr in MOSAIC_SNRS_DB:
        snr_db = torch.full((len(images),), snr)
        received, state = AWGNChannel()(model.encode(images, ChannelState.awgn(snr_db)), snr_db, generator)
        rows.append(to_uint8(model.decode(received, state, (32, 32))).permute(0, 2, 3, 1).numpy())
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
    models = zoo.shipped()
    if not models:
        raise ModelFileError(f"no shipped models in {zoo.MODELS_DIR}")
    evaluate.evaluate([*models, "--data", "samples", "--snr", "0:20:5", "--seed", str(args.seed),
                       "--threads", str(args.threads), "--json", str(args.out / "eval.json"),
                       "--plot", str(args.out / "eval.png")])
    print(f"\nwrote {args.out / 'eval.json'}, {args.out / 'eval.png'}, {mosaic(args.out, args.seed)}")
    return 0


def main(argv=None) -> int:
    return cli.run(demo, argv)


if __name__ == "__main__":
    raise SystemExit(main())
