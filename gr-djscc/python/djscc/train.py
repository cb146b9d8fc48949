"""djscc-train: train a model of the zoo end to end over a simulated channel.

The training set lives in memory as uint8 and is augmented on the device (djscc.training's
epoch loop, shared with djscc-train-classifier). A checkpoint is written after every epoch
and a run started again with the same --out resumes from it. Under torchrun each process
trains on its shard of every epoch (DistributedDataParallel).

Example (reduced, CPU):
  djscc-train --arch da-djscc --data ../shared/data/cifar10/cifar10_exact.npz --epochs 2 \
      --out runs/da-djscc-small
"""

import argparse
import json
import os
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from djscc import cli
from djscc.data import load_images
from djscc.errors import InputError
from djscc.metrics import channels_first, psnr_db
from djscc.nn import zoo
from djscc.nn.channels import CHANNELS, make_channel
from djscc.training import (
    RandomCrops,
    add_run_arguments,
    devices_used,
    steps_per_epoch,
    stopped_early_note,
    train_epochs,
)

ADAM_BETA2 = 0.999  # PyTorch's default, which every shipped model was trained with


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="djscc-train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", required=True, choices=sorted(zoo.ARCHITECTURES))
    parser.add_argument("--latent-channels", type=cli.positive_int, default=8,
                        help="latent channels c: k/n = c/96 (8 -> 1/12, 16 -> 1/6)")
    parser.add_argument("--config", type=json_object, default={},
                        help='more architecture settings as JSON, e.g. \'{"filters": 20}\'')
    parser.add_argument("--data", required=True, help="cifar10, cifar100, an .npz or a folder")
    parser.add_argument("--data-root", default="data", help="download folder for cifar10/100")
    parser.add_argument("--crop-size", type=cli.positive_int, default=32,
                        help="training image size: a dataset of other sizes (a folder of photos) is "
                             "cut into random crops of this size, drawn anew each epoch on the device")
    parser.add_argument("--crops-per-epoch", type=cli.positive_int, default=50000,
                        help="for a dataset cut into crops: crops in one epoch")
    parser.add_argument("--out", required=True, type=cli.output_path,
                        help="NAME: writes NAME.safetensors/.json/.ckpt.pt")
    snr = parser.add_mutually_exclusive_group()
    snr.add_argument("--snr", type=cli.finite_float, help="train at one SNR (dB)")
    snr.add_argument("--snr-range", type=cli.finite_float, nargs=2, default=[0.0, 20.0], metavar=("LO", "HI"),
                     help="SNR drawn uniformly per image (dB), default 0 20")
    parser.add_argument("--channel", default="awgn", choices=sorted(CHANNELS),
                        help="fading: Rayleigh varying through each image (Doppler); awgn+fading: half the "
                             "images unfaded (what da-djscc-fading_1-12, a csi_map model, trained on)")
    parser.add_argument("--init-from", metavar="MODEL",
                        help="start from this trained model's weights (same architecture; "
                             "tensors that grew start as it, zeros beyond; whole multiples of its "
                             "widths start as it widened by Net2Wider)")
    parser.add_argument("--epochs", type=cli.positive_int, default=300)
    parser.add_argument("--batch-size", type=cli.positive_int, default=128)
    parser.add_argument("--lr", type=cli.positive_float, default=1e-3, help="Adam, cosine-decayed to lr/100")
    parser.add_argument("--warmup-epochs", type=cli.non_negative_float, default=0.0,
                        help="ramp the learning rate up linearly over these epochs first")
    parser.add_argument("--weight-decay", type=cli.non_negative_float, default=1e-5)
    parser.add_argument("--adam-beta2", type=cli.fraction, default=ADAM_BETA2,
                        help="Adam's second-moment decay; 0.95 kept a run on the recipe's schedule from "
                             "collapsing where 0.999 (PyTorch's default) did (models/recipe.py)")
    parser.add_argument("--limit", type=cli.positive_int, help="train on the first N images only")
    parser.add_argument("--seed", type=cli.non_negative_int, default=0)
    parser.add_argument("--threads", type=cli.positive_int, help="torch CPU threads")
    parser.add_argument("--device", type=cli.device, default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--compile", nargs="?", const="default", choices=cli.COMPILE_MODES,
                        help="torch.compile the model's forward pass and loss in this mode (reduce-overhead: "
                             "CUDA graphs); the optimizer step stays eager")
    add_run_arguments(parser)
    parser.add_argument("--note", default="", help="free text stored in the card")
    args = parser.parse_args(argv)
    if args.snr is not None:
        args.snr_range = [args.snr, args.snr]
    if args.snr_range[0] > args.snr_range[1]:
        parser.error("--snr-range LO must not exceed HI")
    if args.warmup_epochs >= args.epochs:
        parser.error("--warmup-epochs must be fewer than --epochs")
    return args


def json_object(text: str) -> dict:
    """--config: a JSON object of architecture settings."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"{text!r} is not a JSON object ({{\"name\": value, ...}})")
    return value


def load_training_set(args, generator: torch.Generator, device: torch.device):
    """(images, labels if known): the dataset as uint8 (N, 3, S, S) on the device, or where its
    images are not all S x S (S = --crop-size), RandomCrops of them (no labels)."""
    image_set = load_images(args.data, "train", args.data_root).limit(args.limit)
    if len(image_set) == 0:
        raise InputError(f"{args.data} has no training images")
    images, labels = image_set.images, image_set.labels
    if isinstance(images, list) or images.shape[1:3] != (args.crop_size, args.crop_size):
        return RandomCrops(list(images), args.crop_size, args.crops_per_epoch, generator, device), None
    if labels is not None:
        labels = torch.from_numpy(labels.astype(np.int64)).to(device)
    return channels_first(images).to(device), labels


class TrainingObjective(torch.nn.Module):
    """The model's objective over the simulated channel, as one module for DDP to wrap."""

    def __init__(self, model, channel):
        super().__init__()
        self.model, self.channel = model, channel

    def forward(self, images, labels, snr_db, generator):
        return self.model.training_loss(images, labels, self.channel, snr_db, generator)


def train(argv=None) -> int:
    args = parse_args(argv)
    cli.set_threads(args.threads)
    distributed = "WORLD_SIZE" in os.environ
    rank, world = 0, 1
    device = torch.device(args.device)
    if distributed:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
            torch.cuda.set_device(device)
    torch.manual_seed(args.seed)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    images, labels = load_training_set(args, generator, device)
    model = zoo.build(args.arch, **{"latent_channels": args.latent_channels, **args.config})
    if args.init_from:
        args.init_from = zoo.warm_start(model, args.init_from)
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, args.adam_beta2),
                                 weight_decay=args.weight_decay,
                                 fused=device.type == "cuda")  # one kernel for all parameters
    scheduler = learning_rate_schedule(optimizer, args, steps_per_epoch(len(images), args.batch_size, world))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    objective = TrainingObjective(model, make_channel(args.channel))
    if distributed:
        objective = torch.nn.parallel.DistributedDataParallel(objective)
    if args.compile:
        objective = torch.compile(objective, mode=args.compile)
    low, high = args.snr_range

    def step(index, batch):
        snr_db = low + (high - low) * torch.rand(len(index), device=device, generator=generator)
        loss, output = objective(batch, None if labels is None else labels[index], snr_db, generator)
        return loss, F.mse_loss(output.detach(), batch) * len(index)

    def summarize(mean_squared_error):
        return {"train_psnr_db": round(float(psnr_db(torch.tensor(mean_squared_error, dtype=torch.float64))), 3),
                "lr": scheduler.get_last_lr()[0]}

    history = train_epochs(model, optimizer, scheduler, generator, images, epochs=args.epochs,
                           batch_size=args.batch_size, out=out, restart=args.restart, seed=args.seed,
                           schedule=schedule(args, model, images, world), step=step, summarize=summarize,
                           rank=rank, world=world, time_budget_min=args.time_budget_min)
    if rank == 0:
        zoo.save(model.cpu(), out, training_card(args, history, images, world, model.OBJECTIVE))
        print(f"saved {zoo.weights_path(out)} and {zoo.card_path(out)}")
    if distributed:
        dist.destroy_process_group()
    return 0


def learning_rate_schedule(optimizer, args, steps: int):
    """Cosine decay from --lr to lr/100 over the run's steps, after a linear warm-up over the
    first --warmup-epochs (a large model at a high rate can diverge in its first steps)."""
    warmup = round(args.warmup_epochs * steps)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, args.epochs * steps - warmup),
                                                        eta_min=args.lr / 100)
    if not warmup:
        return cosine
    ramp = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1 / warmup, total_iters=warmup)
    return torch.optim.lr_scheduler.SequentialLR(optimizer, [ramp, cosine], milestones=[warmup])


def schedule(args, model, images, world: int) -> dict:
    """What shapes a run, so a resumed run must give the same (training.Checkpoint): the
    model and where it started, the data's size (not its path: it moves between machines),
    the schedule."""
    photos = {"photos": len(images.photos)} if isinstance(images, RandomCrops) else {}
    return {"architecture": args.arch, "config": model.config.to_dict(), "images": len(images), **photos,
            "initialized_from": args.init_from,
            "crop_size": args.crop_size, "channel": args.channel, "snr_db": list(args.snr_range),
            "epochs": args.epochs, "batch_size": args.batch_size * world, "lr": args.lr,
            "warmup_epochs": args.warmup_epochs, "adam_beta2": args.adam_beta2,
            "weight_decay": args.weight_decay, "seed": args.seed}


def training_card(args, history: list, images, world: int, objective: str) -> dict:
    """The card's record of how the model was trained."""
    low, high = args.snr_range
    return {
        "name": Path(args.out).name,
        "training": {
            "data": args.data, "images": len(images), "image_size": args.crop_size,
            "augmentation": ("random crops of its photos each epoch, " if isinstance(images, RandomCrops) else "")
            + "flips, padded crops",
            "channel": args.channel,
            "snr_db": low if low == high else [low, high],
            "epochs": len(history) and history[-1]["epoch"], "batch_size": args.batch_size * world,
            "optimizer": f"Adam lr {args.lr} cosine to {args.lr / 100}, weight decay {args.weight_decay}"
                         + (f", linear warm-up over {args.warmup_epochs:g} epochs" if args.warmup_epochs else "")
                         + (f", beta2 {args.adam_beta2:g}" if args.adam_beta2 != ADAM_BETA2 else ""),
            "loss": objective, "seed": args.seed,
            **({"initialized_from": args.init_from} if args.init_from else {}),
            "device": devices_used(history),
            "wall_seconds": round(sum(h["seconds"] for h in history), 1),
            "scheduled_epochs": args.epochs,
            "final_train_psnr_db": history[-1]["train_psnr_db"] if history else None,
            "note": " ".join(filter(None, [args.note, stopped_early_note(args.epochs, history)])),
        },
    }


def main(argv=None) -> int:
    return cli.run(train, argv)


if __name__ == "__main__":
    raise SystemExit(main())
