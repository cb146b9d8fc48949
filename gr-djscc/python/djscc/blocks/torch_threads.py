"""Torch's CPU thread count for one block: set in the thread that runs the block's models."""

import torch

from djscc.errors import InputError


def check(threads: int) -> int:
    if threads < 1:
        raise InputError(f"threads must be at least 1, not {threads}")
    return threads


def set_for_this_thread(threads: int) -> None:
    """Make torch compute with ``threads`` threads in the calling thread only.

    torch.set_num_threads holds per thread, but a thread's first torch call resets it to
    the count last set by any thread: that call is made first here. The codec blocks call
    this from start(), which GNU Radio runs in the block's own thread, the one that runs its
    message handlers."""
    torch.get_num_threads()
    torch.set_num_threads(threads)
