"""Data sets as the training commands read them: the compact JPEG layout of ../shared/data
(one shared header, each file's scan) decodes to the same pixels as the plain one."""

import io

import numpy as np
import pytest
from PIL import Image

from djscc import data
from djscc.errors import InputError


def jpeg_files(count: int) -> list[bytes]:
    rng = np.random.default_rng(0)
    files = []
    for _ in range(count):
        buffer = io.BytesIO()
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(buffer, "JPEG", quality=75)
        files.append(buffer.getvalue())
    return files


def header_length(jpeg: bytes) -> int:
    """Bytes up to the end of the SOS segment: what files of one size and quality share."""
    sos = jpeg.index(b"\xff\xda")
    return sos + 2 + int.from_bytes(jpeg[sos + 2: sos + 4], "big")


def blob(parts: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.cumsum([0] + [len(p) for p in parts]).astype(np.int64)
    return np.frombuffer(b"".join(parts), np.uint8), offsets


def test_the_compact_layout_decodes_as_the_plain_one(tmp_path):
    files = jpeg_files(5)
    length = header_length(files[0])
    assert all(f[:length] == files[0][:length] for f in files)
    plain_blob, plain_offsets = blob(files)
    scan, offsets = blob([f[length:] for f in files])
    labels = np.arange(5, dtype=np.uint8)
    np.savez(tmp_path / "plain.npz", test_jpeg=plain_blob, test_offsets=plain_offsets, test_labels=labels)
    np.savez(tmp_path / "compact.npz", jpeg_header=np.frombuffer(files[0][:length], np.uint8),
             test_scan=scan, test_offsets=offsets, test_labels=labels)
    plain, compact = (data.load_images(str(tmp_path / name)) for name in ("plain.npz", "compact.npz"))
    assert np.array_equal(plain.images, compact.images) and np.array_equal(compact.labels, labels)
    np.savez(tmp_path / "headless.npz", test_scan=scan, test_offsets=offsets)
    with pytest.raises(InputError, match="jpeg_header"):
        data.load_images(str(tmp_path / "headless.npz"))
