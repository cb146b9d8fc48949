"""What djscc-train and djscc-train-classifier share: the epoch loop over an in-memory
uint8 training set, its device-side augmentation, and the checkpoint that lets a stopped run
resume where it was.

The whole training set lives in memory (on the GPU when there is one) as uint8, and
augmentation (flips, padded random crops) runs batched on the device: at these model sizes
a DataLoader would be the bottleneck. Under torchrun each process trains on its shard of
every epoch (``rank`` of ``world``).
"""

import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from tqdm import tqdm

from djscc.cli import positive_float
from djscc.errors import InputError
from djscc.metrics import to_float
from djscc.paths import add_suffix, write_atomically

CROP_PADDING = 2  # reflect-pad then crop back: small translations
PROGRESS_EVERY = 25  # steps between progress-bar figures: each read syncs with the GPU


def augment(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random horizontal flips and padded random crops, per image, on the batch's device."""
    size, device = batch.shape[-1], batch.device
    flip = torch.rand(batch.shape[0], device=device, generator=generator) < 0.5
    batch = torch.where(flip[:, None, None, None], batch.flip(-1), batch)
    padded = F.pad(batch, [CROP_PADDING] * 4, mode="reflect")
    offsets = torch.randint(0, 2 * CROP_PADDING + 1, (2, batch.shape[0]), device=device,
                            generator=generator)
    steps = torch.arange(size, device=device)
    rows, cols = offsets[0][:, None] + steps, offsets[1][:, None] + steps
    index = torch.arange(batch.shape[0], device=device)[:, None, None]
    return padded.permute(0, 2, 3, 1)[index, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


class RandomCrops:
    """Photos of any sizes held on the device as one padded uint8 tensor; ``crops[index]``
    draws, for each entry of ``index`` (which only counts the epoch's crops), a fresh
    size x size crop of a random photo at a random place: every epoch sees new crops, and
    no crop is cut on the host. Stands in for the (N, 3, H, W) tensor of ``train_epochs``."""

    def __init__(self, photos: list[np.ndarray], size: int, per_epoch: int, generator: torch.Generator,
                 device: torch.device):
        too_small = [p.shape[:2] for p in photos if min(p.shape[:2]) < size]
        if too_small or not photos:
            raise InputError(f"every photo must be at least {size}x{size} for the crops: "
                             f"{'none given' if not photos else too_small[:3]}")
        height, width = max(p.shape[0] for p in photos), max(p.shape[1] for p in photos)
        self.photos = torch.zeros((len(photos), height, width, 3), dtype=torch.uint8, device=device)
        for index, photo in enumerate(photos):
            self.photos[index, :photo.shape[0], :photo.shape[1]] = torch.tensor(photo)
        self.sizes = torch.tensor([p.shape[:2] for p in photos], device=device)
        self.size, self.per_epoch, self.generator = size, per_epoch, generator

    def __len__(self) -> int:
        return self.per_epoch

    @property
    def device(self) -> torch.device:
        return self.photos.device

    def __getitem__(self, index: torch.Tensor) -> torch.Tensor:
        device, count = self.photos.device, len(index)
        which = torch.randint(0, len(self.photos), (count,), device=device, generator=self.generator)
        room = (self.sizes[which] - self.size + 1).float()  # (count, 2): crop positions per axis
        top_left = (torch.rand((count, 2), device=device, generator=self.generator) * room).long()
        steps = torch.arange(self.size, device=device)
        rows, cols = top_left[:, :1] + steps, top_left[:, 1:] + steps
        crops = self.photos[which[:, None, None], rows[:, :, None], cols[:, None, :]]
        return crops.permute(0, 3, 1, 2)


class Checkpoint:
    """Everything a resumed run needs, written atomically after every epoch. It holds no
    random generator state (each epoch reseeds, see ``epoch_seed``), so a run started on a
    GPU resumes on a CPU or another GPU; ``schedule`` (the settings that shape the run) must
    match for a resume, so the cosine decay a run started with is the one it finishes."""

    def __init__(self, path: Path):
        self.path = path

    def save(self, model, optimizer, scheduler, epoch: int, history: list, schedule: dict) -> None:
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(), "epoch": epoch, "history": history,
                 "schedule": schedule}
        write_atomically(self.path, lambda file: torch.save(state, file))

    def load(self, model, optimizer, scheduler, schedule: dict) -> tuple[int, list]:
        state = torch.load(self.path, map_location="cpu", weights_only=True)
        saved = state.get("schedule", schedule)  # checkpoints from before the check: trusted
        changed = sorted(key for key in saved if saved[key] != schedule.get(key))  # settings added since: free
        if changed:
            raise InputError(
                f"{self.path} continues a run with other settings: "
                + ", ".join(f"{key} {saved.get(key)!r} (this run: {schedule.get(key)!r})" for key in changed)
                + "; give the same settings to continue its schedule, or --restart to start over")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        return state["epoch"], state["history"]


def epoch_seed(seed: int, epoch: int, *more: int) -> int:
    """The seed of epoch ``epoch``'s random draws (its order; with a rank, that rank's
    augmentation and channel noise)."""
    return int(np.random.SeedSequence([seed, epoch, *more]).generate_state(1)[0])


def out_of_time(run_started: float, last_epoch_seconds: float, budget_min: float | None, world: int) -> bool:
    """Whether another epoch, as long as the last, would end past the run's budget; under
    torchrun rank 0 decides for all (a rank that stopped alone would hang the others)."""
    stop = budget_min is not None and time.time() - run_started + last_epoch_seconds > 60 * budget_min
    if world > 1:
        flag = torch.tensor([float(stop)], device="cuda" if dist.get_backend() == "nccl" else "cpu")
        dist.broadcast(flag, src=0)
        stop = bool(flag.item())
    return stop


def device_name(device: torch.device) -> str:
    """'cuda (NVIDIA H200)' or 'cpu (x86_64)': where an epoch ran, for the card."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.processor() or platform.machine()})"


def devices_used(history: list) -> str:
    """'cuda (NVIDIA H200) epochs 1-120, cpu (x86_64) epochs 121-130': the card's record of
    where a run that was resumed on other machines trained."""
    spans = []
    for entry in history:
        device = entry.get("device", "unknown")
        if spans and spans[-1][0] == device:
            spans[-1][2] = entry["epoch"]
        else:
            spans.append([device, entry["epoch"], entry["epoch"]])
    return ", ".join(f"{device} epochs {first}-{last}" for device, first, last in spans)


def add_run_arguments(parser) -> None:
    """--restart and --time-budget-min: how one run of a schedule starts and ends."""
    parser.add_argument("--restart", action="store_true", help="ignore an existing checkpoint")
    parser.add_argument("--time-budget-min", type=positive_float,
                        help="start no epoch that would end past this many minutes of this run (judged by "
                             "the last epoch's length; at least one epoch a run) and save the model as it is; "
                             "the card says where it stopped, and the same command again continues the "
                             "schedule from the checkpoint")


def stopped_early_note(epochs: int, history: list) -> str:
    """The card's word on a run its time budget stopped before the end of its schedule."""
    done = history[-1]["epoch"] if history else 0
    if done >= epochs:
        return ""
    return (f"Stopped by --time-budget-min after epoch {done} of {epochs}: the learning rate "
            f"had not finished its decay, so this model is short of what the full schedule gives; "
            f"the same command again continues it.")


def steps_per_epoch(images: int, batch_size: int, world: int = 1) -> int:
    """Optimizer steps in one epoch (the last, partial batch is left out)."""
    return max(1, images // (batch_size * world))


def gradient_norm(model) -> torch.Tensor:
    """The L2 norm of all of ``model``'s gradients together (a tensor: not read back here)."""
    return torch.nn.utils.get_total_norm([p.grad for p in model.parameters() if p.grad is not None])


def train_epochs(model, optimizer, scheduler, generator: torch.Generator, images: torch.Tensor, *,
                 epochs: int, batch_size: int, out: Path, restart: bool, seed: int, schedule: dict,
                 step: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
                 summarize: Callable[[float], dict], rank: int = 0, world: int = 1,
                 time_budget_min: float | None = None) -> list[dict]:
    """Train ``model`` on ``images`` (uint8 (N, 3, H, W) on the device) up to ``epochs``,
    resuming from NAME.ckpt.pt beside ``out`` unless ``restart``; returns the history, a dict
    an epoch. ``step(index, batch)`` gives one augmented float batch's loss and a score summed
    over its images (a tensor: the loop reads it back now and then, not every step);
    ``summarize(mean score)`` gives the epoch's figures for the history.
    ``generator`` (every random draw of the loop and of ``step``) is reseeded each epoch from
    ``seed`` (and the rank); ``schedule`` must match the checkpoint's to resume (Checkpoint).
    With ``time_budget_min``, no epoch starts that would end past it (judged by the last
    epoch's length), but every run trains at least one. Each epoch's history records its
    largest gradient norm, which spikes (5-10x) in an epoch where the model collapses (the
    output goes flat, the PSNR falls 10 dB; models/recipe.py says where that was seen)."""
    checkpoint = Checkpoint(add_suffix(out, ".ckpt.pt"))
    start_epoch, history = 0, []
    if checkpoint.path.exists() and not restart:
        start_epoch, history = checkpoint.load(model, optimizer, scheduler, schedule)
        if rank == 0:
            print(f"resuming {checkpoint.path} after epoch {start_epoch}")
    steps = steps_per_epoch(len(images), batch_size, world)
    run_started, last_epoch_seconds = time.time(), 0.0
    for epoch in range(start_epoch, epochs):
        if epoch > start_epoch and out_of_time(run_started, last_epoch_seconds, time_budget_min, world):
            break
        model.train()
        started = time.time()
        generator.manual_seed(epoch_seed(seed, epoch))  # the epoch's order: the same on every rank
        order = torch.randperm(len(images), device=images.device, generator=generator)
        order = order[: steps * batch_size * world][rank::world]
        generator.manual_seed(epoch_seed(seed, epoch, rank))  # crops, flips, SNRs, noise: a rank's own
        score, seen = torch.zeros((), device=images.device), 0
        largest_norm = torch.zeros((), device=images.device)
        bar = tqdm(order.split(batch_size), desc=f"epoch {epoch + 1}/{epochs}", disable=rank != 0, leave=False)
        for number, index in enumerate(bar, 1):
            loss, batch_score = step(index, augment(to_float(images[index]), generator))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            largest_norm = torch.maximum(largest_norm, gradient_norm(model))
            optimizer.step()
            scheduler.step()
            score += batch_score
            seen += len(index)
            if number % PROGRESS_EVERY == 0 and rank == 0:  # reading the score waits for the device
                bar.set_postfix(summarize(score.item() / seen))
        mean_score = score.item() / seen
        if not np.isfinite(mean_score):
            raise InputError(f"training diverged in epoch {epoch + 1} (the loss is not finite); nothing saved "
                             f"for it: start over (--restart) with a lower --lr ({optimizer.defaults['lr']:g}) "
                             f"or a --warmup-epochs")
        last_epoch_seconds = time.time() - started
        if rank == 0:
            history.append({"epoch": epoch + 1, **summarize(mean_score), "grad_norm_max": round(largest_norm.item(), 4),
                            "seconds": round(last_epoch_seconds, 2),
                            "device": device_name(images.device) + (f" x{world}" if world > 1 else "")})
            print(json.dumps(history[-1]), flush=True)
            checkpoint.save(model, optimizer, scheduler, epoch + 1, history, schedule)
    return history
