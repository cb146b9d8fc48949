"""Image data for training and evaluation, all as uint8 HWC RGB arrays.

A dataset is named by a spec string:
  cifar10, cifar100      torchvision's download (needs the ``download`` extra) into --data-root
  samples                the 64 exact CIFAR-10 test images shipped inside the package
  samples-kodak          the Kodak24 (500x500 crops) cut-outs shipped inside the package
  PATH.npz               an npz in the layout of ../shared/data: ``{split}_jpeg`` +
                         ``{split}_offsets`` (JPEG set), ``jpeg_header`` + ``{split}_scan`` +
                         ``{split}_offsets`` (the compact JPEG set: the header all files
                         share stored once) or ``{split}_images`` (exact pixels)
  DIR                    a folder of images (png, jpg, bmp, ...)
"""

import io
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image

from djscc.errors import InputError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".ppm", ".webp"}
SAMPLES = resources.files("djscc") / "samples"
MAX_IMAGE_PIXELS = 4096 * 4096  # refused before decoding: a decompression bomb stays small


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
    """The ``split`` arrays of an .npz, checked: uint8 images or a JPEG blob that decodes,
    integer labels, one per image."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key.removeprefix(f"{split}_"): archive[key] for key in archive.files
                      if key.startswith(f"{split}_") or key == "jpeg_header"}
            keys = sorted(archive.files)
    except (OSError, ValueError, EOFError, AttributeError, zipfile.BadZipFile, zlib.error) as error:
        raise InputError(f"{path} is not a readable .npz file: {error}") from None
    if "images" in arrays:
        images = arrays["images"]
    elif "jpeg" in arrays and "offsets" in arrays:
        images = decode_jpeg_blob(arrays["jpeg"], arrays["offsets"], f"{path}:{split}_jpeg")
    elif "scan" in arrays and "offsets" in arrays and "jpeg_header" in arrays:
        images = decode_jpeg_blob(arrays["scan"], arrays["offsets"], f"{path}:{split}_scan",
                                  header=arrays["jpeg_header"])
    else:
        raise InputError(f"{path} has neither '{split}_images', '{split}_jpeg' + '{split}_offsets' "
                         f"nor 'jpeg_header' + '{split}_scan' + '{split}_offsets'; keys: {keys}")
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8 or not len(images):
        raise InputError(f"{path}: expected uint8 images (N >= 1, H, W, 3), got "
                         f"{images.dtype} {images.shape}")
    labels = arrays.get("labels")
    if labels is not None and (labels.shape != (len(images),) or labels.dtype.kind not in "iu"):
        raise InputError(f"{path}: '{split}_labels' must be {len(images)} integers, one per "
                         f"image; got {labels.dtype} {labels.shape}")
    return ImageSet(images, labels, f"{path.name}:{split}")


def decode_jpeg_blob(blob: np.ndarray, offsets: np.ndarray, name: str = "JPEG blob",
                     header: np.ndarray | None = None) -> np.ndarray:
    """Concatenated JPEG files + offsets (N + 1 of them) -> (N, H, W, 3) uint8; with ``header``
    each file is that header followed by its bytes of the blob (the compact layout)."""
    if header is not None and (header.dtype != np.uint8 or header.ndim != 1):
        raise InputError(f"{name}: the shared JPEG header must be uint8 bytes, got {header.dtype} {header.shape}")
    prefix = b"" if header is None else header.tobytes()
    if (blob.dtype != np.uint8 or blob.ndim != 1 or offsets.dtype.kind not in "iu"
            or offsets.ndim != 1 or len(offsets) < 2 or offsets[0] < 0 or offsets[-1] > len(blob)
            or np.any(np.diff(offsets) <= 0)):
        raise InputError(f"{name}: expected a uint8 byte blob and increasing integer offsets "
                         f"within it, got {blob.dtype} {blob.shape} and {offsets.dtype} {offsets.shape}")
    decoded = [read_image(io.BytesIO(prefix + blob[start:end].tobytes()), f"{name} image {index}")
               for index, (start, end) in enumerate(zip(offsets[:-1], offsets[1:]))]
    if len({image.shape for image in decoded}) != 1:
        raise InputError(f"{name}: the images are not all of one size")
    return np.stack(decoded)


def read_image(file: str | Path | io.BytesIO, name: str | None = None) -> np.ndarray:
    """An image file as (H, W, 3) uint8 RGB (16-bit images scaled to 8 bits); InputError for
    a file that is not a whole image or that has more than MAX_IMAGE_PIXELS."""
    name = name or str(file)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise InputError(f"{name}: {image.width}x{image.height} is more than the "
                                     f"{MAX_IMAGE_PIXELS:,} pixels an image may have")
                return _rgb8(image, name)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as error:
        raise InputError(f"{name} is not a readable image: {error}") from None


def _rgb8(image: Image.Image, name: str) -> np.ndarray:
    if image.mode.startswith("I"):  # 16-bit grey: convert("RGB") would clip it to white
        values = np.asarray(image).astype(np.int64)
        if values.size and (values.min() < 0 or values.max() > 65535):
            raise InputError(f"{name}: {image.mode} values outside 0..65535")
        return np.repeat((values >> 8).astype(np.uint8)[..., None], 3, axis=-1)
    if image.mode == "F":
        raise InputError(f"{name}: floating-point images are not supported; give 8- or 16-bit ones")
    return np.asarray(image.convert("RGB"))


def _folder(path: Path) -> ImageSet:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise InputError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in folder {path}")
    images = [read_image(f) for f in files]
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


def center_crop_to_multiple(image: np.ndarray, multiple: int) -> np.ndarray:
    """Crop an HWC image to the largest centered size that is a multiple of ``multiple``."""
    height, width = (image.shape[0] // multiple) * multiple, (image.shape[1] // multiple) * multiple
    if height == 0 or width == 0:
        raise InputError(f"image {image.shape[:2]} is smaller than {multiple}x{multiple}")
    top, left = (image.shape[0] - height) // 2, (image.shape[1] - width) // 2
    return image[top:top + height, left:left + width]


FITS = ("crop", "resize")


def fit_image(image: np.ndarray, size: int, fit: str, name: str = "image") -> np.ndarray:
    """An HWC uint8 image as the centered ``size`` x ``size`` crop: of the image itself
    ("crop"; it must be at least that large), or of the image scaled (Lanczos) so that its
    short side is ``size`` ("resize": the whole scene, as a camera's thumbnail)."""
    if fit not in FITS:
        raise InputError(f"fit must be one of {FITS}, not {fit!r}")
    height, width = image.shape[:2]
    if fit == "resize" and min(height, width) != size:
        ratio = size / min(height, width)
        height, width = max(size, round(height * ratio)), max(size, round(width * ratio))
        image = np.asarray(Image.fromarray(image).resize((width, height), Image.Resampling.LANCZOS))
    if min(height, width) < size:
        raise InputError(f"{name} is {width}x{height}, smaller than the {size}x{size} crop: "
                         "give a smaller image size or fit 'resize'")
    top, left = (height - size) // 2, (width - size) // 2
    return image[top:top + size, left:left + size]
