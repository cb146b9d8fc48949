"""Image data for training and evaluation, all as uint8 HWC RGB arrays.

A dataset is named by a spec string:
  cifar10, cifar100      torchvision's download (needs the ``download`` extra) into --data-root
  samples                the 64 exact CIFAR-10 test images shipped inside the package
  samples-kodak          the Kodak24 (500x500 crops) cut-outs shipped inside the package
  PATH.npz               an npz in the layout of ../shared/data: ``{split}_jpeg`` +
                         ``{split}_offsets`` (JPEG set) or ``{split}_images`` (exact pixels)
  DIR                    a folder of images (png, jpg, bmp, ...)
"""

import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image

from djscc.errors import InputError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".ppm", ".webp"}
SAMPLES = resources.files("djscc") / "samples"


@dataclass
class ImageSet:
    """Images (N, H, W, 3) uint8, or a list of differently sized ones; labels if known."""

    images: np.ndarray | list[np.ndarray]
    labels: np.ndarray | None
    source: str

    def __len__(self) -> int:
        return len(self.images)

    def limit(self, count: int | None) -> "ImageSet":
        """The first ``count`` images (all when None)."""
        if count is None:
            return self
        labels = None if self.labels is None else self.labels[:count]
        return ImageSet(self.images[:count], labels, f"{self.source} (first {count})")


def load_images(spec: str, split: str = "test", data_root: str | Path = "data") -> ImageSet:
    """Load the dataset ``spec`` (see the module docstring); ``split`` is 'train' or 'test'."""
    if split not in ("train", "test"):
        raise InputError(f"split must be 'train' or 'test', not {split!r}")
    if spec in ("cifar10", "cifar100"):
        return _torchvision_cifar(spec, split, Path(data_root))
    if spec == "samples":
        return _npz(Path(str(SAMPLES / "cifar10_test64.npz")), "test")
    if spec == "samples-kodak":
        return _folder(Path(str(SAMPLES / "kodak")))
    path = Path(spec)
    if not path.exists():
        raise InputError(f"dataset {spec!r} not found: give cifar10, cifar100, samples, "
                         "samples-kodak, an .npz file or an image folder")
    return _folder(path) if path.is_dir() else _npz(path, split)


def _npz(path: Path, split: str) -> ImageSet:
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise InputError(f"{path} is not a readable .npz file: {error}") from None
    with archive:
        labels = archive[f"{split}_labels"] if f"{split}_labels" in archive else None
        if f"{split}_images" in archive:
            images = archive[f"{split}_images"]
        elif f"{split}_jpeg" in archive:
            images = decode_jpeg_blob(archive[f"{split}_jpeg"], archive[f"{split}_offsets"])
        else:
            raise InputError(f"{path} has neither '{split}_images' nor '{split}_jpeg'; "
                             f"keys: {sorted(archive.files)}")
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise InputError(f"{path}: expected uint8 images (N, H, W, 3), got "
                         f"{images.dtype} {images.shape}")
    return ImageSet(images, labels, f"{path.name}:{split}")


def decode_jpeg_blob(blob: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Concatenated JPEG files + offsets -> (N, H, W, 3) uint8."""
    decoded = [
        np.asarray(Image.open(io.BytesIO(blob[start:end].tobytes())).convert("RGB"))
        for start, end in zip(offsets[:-1], offsets[1:])
    ]
    return np.stack(decoded)


def _folder(path: Path) -> ImageSet:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise InputError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in folder {path}")
    images = [np.asarray(Image.open(f).convert("RGB")) for f in files]
    if len({im.shape for im in images}) == 1:
        return ImageSet(np.stack(images), None, str(path))
    return ImageSet(images, None, str(path))


def _torchvision_cifar(name: str, split: str, root: Path) -> ImageSet:
    try:
        from torchvision import datasets
    except ImportError:
        raise InputError(f"--data {name} downloads through torchvision, which is not "
                         "installed: pip install 'gr-djscc[download]', or pass an .npz "
                         "file or an image folder instead") from None
    dataset_class = datasets.CIFAR10 if name == "cifar10" else datasets.CIFAR100
    dataset = dataset_class(str(root), train=split == "train", download=True)
    return ImageSet(np.asarray(dataset.data), np.asarray(dataset.targets), f"{name}:{split}")


def random_crops(images: list[np.ndarray] | np.ndarray, count: int, size: int,
                 rng: np.random.Generator) -> np.ndarray:
    """``count`` random size x size crops, drawn uniformly over images and positions."""
    too_small = [im.shape for im in images if im.shape[0] < size or im.shape[1] < size]
    if too_small:
        raise InputError(f"images smaller than the {size}x{size} crop: {too_small[:3]}")
    crops = np.empty((count, size, size, 3), np.uint8)
    for i, which in enumerate(rng.integers(len(images), size=count)):
        image = images[which]
        top = rng.integers(image.shape[0] - size + 1)
        left = rng.integers(image.shape[1] - size + 1)
        crops[i] = image[top:top + size, left:left + size]
    return crops


def center_crop_to_multiple(image: np.ndarray, multiple: int) -> np.ndarray:
    """Crop an HWC image to the largest centered size that is a multiple of ``multiple``."""
    height, width = (image.shape[0] // multiple) * multiple, (image.shape[1] // multiple) * multiple
    if height == 0 or width == 0:
        raise InputError(f"image {image.shape[:2]} is smaller than {multiple}x{multiple}")
    top, left = (image.shape[0] - height) // 2, (image.shape[1] - width) // 2
    return image[top:top + height, left:left + width]
