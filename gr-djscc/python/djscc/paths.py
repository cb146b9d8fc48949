"""File names made from a NAME stem that may itself hold dots ('runs/lr0.01', 'capture.v2'),
and the check that an output folder can be written before the work that fills it starts."""

import tempfile
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
