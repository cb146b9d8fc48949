"""File names made from a NAME stem that may itself hold dots ('runs/lr0.01', 'capture.v2'),
the check that an output folder can be written before the work that fills it starts, and
files that are never seen half-written."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from djscc.errors import InputError


def add_suffix(path: str | Path, suffix: str) -> Path:
    """NAME + suffix: 'runs/lr0.01' + '.json' is 'runs/lr0.01.json' (``with_suffix`` would
    give 'runs/lr0.json', and two runs named so would write the same files)."""
    path = Path(path)
    return path.with_name(path.name + suffix)


def check_writable_folder(folder: str | Path, what: str) -> None:
    """Create ``folder`` if needed and write (and remove) a file in it; InputError if not."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise InputError(f"{what}: cannot write to {folder}: {error.strerror or error}") from None


def write_atomically(path: str | Path, write: Callable[[Path], None]) -> None:
    """``write`` a temporary file beside ``path``, then move it into place in one step: a
    reader sees the old file or the new one, never half of it (a run stopped mid-write)."""
    path = Path(path)
    temporary = add_suffix(path, ".tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
