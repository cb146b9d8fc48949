"""File names made from a NAME stem that may itself hold dots ('runs/lr0.01', 'capture.v2')."""

from pathlib import Path


def add_suffix(path: str | Path, suffix: str) -> Path:
    """NAME + suffix: 'runs/lr0.01' + '.json' is 'runs/lr0.01.json' (``with_suffix`` would
    give 'runs/lr0.json', and two runs named so would write the same files)."""
    path = Path(path)
    return path.with_name(path.name + suffix)
