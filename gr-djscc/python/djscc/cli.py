"""What every command-line entry point shares: user errors as one line, torch threads."""

import sys
from collections.abc import Callable

import torch

from djscc.errors import DjsccError


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
