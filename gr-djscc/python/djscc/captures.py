"""SigMF captures of the received stream: cf32_le samples + metadata + one annotation per
frame. Written by the capture_writer block, read back by flowgraphs/replay.py.

Global metadata records the hardware (or "software channel" and its settings), the sample
rate, center frequency, the frame format and the dataset the images came from, under
the ``djscc:`` namespace; each frame annotation records start, length, first
image id (the header's counter), images, and the SNR (estimated, and true where known).
"""

import json
from pathlib import Path

import numpy as np
import sigmf
from sigmf import SigMFFile, sigmffile
from sigmf.error import SigMFError

from djscc.errors import DjsccError
from djscc.paths import add_suffix

DATATYPE = "cf32_le"
# The djscc:settings fields that replay reads, and the JSON types they must have.
SETTINGS_TYPES = {"model": str, "dataset": str, "snr_db": (int, float), "num_images": int}


class CaptureError(DjsccError):
    """A capture whose metadata or data is missing, broken or inconsistent."""


def stem(path: str | Path) -> Path:
    path = Path(path)
    return path.with_suffix("") if path.suffix in (".sigmf-meta", ".sigmf-data") else path


def write_metadata(path: str | Path, sample_rate: float, center_frequency: float,
                   hardware: str, description: str, settings: dict, annotations: list[dict]) -> Path:
    """Write PATH.sigmf-meta for the samples already in PATH.sigmf-data (replacing an
    older one: the data file beside it was just rewritten too)."""
    base = stem(path)
    meta = SigMFFile(data_file=str(add_suffix(base, ".sigmf-data")), global_info={
        sigmf.DATATYPE_KEY: DATATYPE,
        sigmf.SAMPLE_RATE_KEY: float(sample_rate),
        sigmf.HW_KEY: hardware,
        sigmf.DESCRIPTION_KEY: description,
        sigmf.RECORDER_KEY: "gr-djscc capture_writer",
        sigmf.EXTENSIONS_KEY: [{"name": "djscc", "version": "1.0.0", "optional": True}],
        "djscc:settings": settings,
    })
    meta.add_capture(0, metadata={sigmf.FREQUENCY_KEY: float(center_frequency)})
    for note in annotations:
        fields = {k: v for k, v in note.items() if k not in ("start", "length")}
        meta.add_annotation(int(note["start"]), int(note["length"]), metadata=fields)
    meta.tofile(str(add_suffix(base, ".sigmf-meta")), overwrite=True)
    return add_suffix(base, ".sigmf-meta")


def data_path(path: str | Path) -> Path:
    """The .sigmf-data file of the capture at ``path`` (with or without a SigMF suffix)."""
    return add_suffix(stem(path), ".sigmf-data")


def read(path: str | Path) -> tuple[np.ndarray, dict, list[dict]]:
    """(samples complex64, global metadata, annotations) of a capture, checked. The samples
    are mapped from the file, not read into memory: an hour of a radio's IQ is tens of GB."""
    base = stem(path)
    meta_file, data_file = add_suffix(base, ".sigmf-meta"), data_path(base)
    for file in (meta_file, data_file):
        if not file.is_file():
            raise CaptureError(f"capture file {file} not found")
    size = data_file.stat().st_size
    if size == 0:  # a recording that never started (nothing to map)
        raise CaptureError(f"{data_file} holds no samples")
    try:
        handle = sigmffile.fromfile(str(meta_file))
        info = handle.get_global_info()
    except (SigMFError, json.JSONDecodeError, KeyError, ValueError, TypeError, AttributeError) as error:
        raise CaptureError(f"{meta_file}: broken SigMF metadata: {error}") from None
    if info.get(sigmf.DATATYPE_KEY) != DATATYPE:
        raise CaptureError(f"{meta_file}: datatype {info.get(sigmf.DATATYPE_KEY)!r}, "
                           f"expected {DATATYPE!r}")
    rate = info.get(sigmf.SAMPLE_RATE_KEY)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < float("inf"):
        raise CaptureError(f"{meta_file}: the sample rate {rate!r} is not a positive number")
    info["djscc:settings"] = _settings(info.get("djscc:settings", {}), meta_file)
    if size % np.dtype(np.complex64).itemsize:
        raise CaptureError(f"{data_file}: {size} bytes is not a whole number of cf32 samples")
    samples = np.memmap(data_file, dtype="<c8", mode="r")
    annotations = []
    for note in handle.get_annotations():
        start, length = note.get(sigmf.SAMPLE_START_KEY), note.get(sigmf.SAMPLE_COUNT_KEY)
        if not isinstance(start, int) or start < 0 or start >= max(len(samples), 1):
            raise CaptureError(f"{meta_file}: annotation outside the data: {note}")
        annotations.append({"start": start, "length": length,
                            **{k: v for k, v in note.items() if k.startswith("djscc:")}})
    return samples, info, annotations


def _settings(settings, meta_file: Path) -> dict:
    """djscc:settings checked: a JSON object whose fields replay reads have their types."""
    if not isinstance(settings, dict):
        raise CaptureError(f"{meta_file}: djscc:settings must be a JSON object, not {settings!r}")
    for key, kind in SETTINGS_TYPES.items():
        value = settings.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, kind)):
            raise CaptureError(f"{meta_file}: djscc:settings {key} {value!r} has the wrong type")
    return settings
