"""What every command-line entry point shares: user errors as one line, torch threads, and
the argparse types that range-check numbers, devices and output paths as they are parsed
(so a bad value stops the command at once, not after an hour of work)."""

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path

import torch

from djscc.errors import DjsccError, InputError
from djscc.paths import check_writable_folder

COMPILE_MODES = ("default", "reduce-overhead", "max-autotune")  # torch.compile modes (--compile)


def run(main: Callable[[list[str] | None], int | None], argv: list[str] | None = None) -> int:
    """Call ``main``; a DjsccError becomes a one-line message and exit status 2."""
    try:
        return main(argv) or 0
    except DjsccError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def set_threads(threads: int | None) -> None:
    """Pin torch's CPU threads (GNU Radio and data loading have threads of their own)."""
    if threads:
        torch.set_num_threads(threads)


def positive_int(text: str) -> int:
    return _integer_from(text, 1)


def non_negative_int(text: str) -> int:
    return _integer_from(text, 0)


def _integer_from(text: str, lowest: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < lowest:
        raise argparse.ArgumentTypeError(f"{value} must be at least {lowest}")
    return value


def finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def positive_float(text: str) -> float:
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value:g} must be greater than 0")
    return value


def non_negative_float(text: str) -> float:
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value:g} must not be negative")
    return value


def fraction(text: str) -> float:
    """A number strictly between 0 and 1 (a decay rate, say)."""
    value = finite_float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{value:g} must be between 0 and 1")
    return value


def device(text: str) -> str:
    """'cpu', 'cuda' or 'cuda:N', and a CUDA device only where there is one."""
    try:
        parsed = torch.device(text)
    except (RuntimeError, ValueError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a device: give cpu, cuda or cuda:N") from None
    if parsed.type not in ("cpu", "cuda"):
        raise argparse.ArgumentTypeError(f"{text!r}: give cpu, cuda or cuda:N")
    if parsed.type == "cuda" and (parsed.index or 0) >= torch.cuda.device_count():
        raise argparse.ArgumentTypeError(f"{text!r}: this machine has {torch.cuda.device_count()} "
                                         "CUDA device(s); use --device cpu")
    return text


def output_path(text: str) -> Path:
    """A file path whose folder can be created and written: checked before the work starts."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file name")
    try:
        check_writable_folder(path.parent, text)
    except InputError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return path
