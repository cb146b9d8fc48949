"""A labelled grid of images (sent over received), written as PNG."""

import math
from pathlib import Path

import numpy as np

CELL_PX = 96  # an image's side in the PNG at least, where a whole magnification gets there (CIFAR: 3x)
MAX_WIDTH_PX = 1600  # wider, the images wrap onto more lines (photos: 8 of 128x128 a line)


def save_mosaic(rows: list[np.ndarray], labels: list[str], path: Path, scale: int | None = None) -> None:
    """Each row is (N, H, W, 3) uint8; ``labels`` name the rows. Images are magnified
    ``scale`` times (default: CELL_PX // side, at least 1: thumbnails grow, photos keep their
    pixels) and the rows wrap, as a group, onto as many lines as keep the PNG within
    MAX_WIDTH_PX."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    count = max(len(row) for row in rows)
    height, width = rows[0].shape[1:3]
    scale = scale or max(1, CELL_PX // max(height, width))
    lines = math.ceil(count * width * scale / MAX_WIDTH_PX)
    columns = math.ceil(count / lines)
    lines = math.ceil(count / columns)
    size = (columns * width * scale * 1.05 / 100 + 1.2, lines * len(rows) * height * scale * 1.05 / 100 + 0.3)
    figure, axes = plt.subplots(lines * len(rows), columns, squeeze=False, figsize=size)
    for line in range(lines):
        for r, (row, label) in enumerate(zip(rows, labels)):
            line_axes = axes[line * len(rows) + r]
            for c, axis in enumerate(line_axes):
                axis.set_xticks([])
                axis.set_yticks([])
                index = line * columns + c
                if index < len(row):
                    axis.imshow(row[index], interpolation="nearest" if scale > 1 else "antialiased")
                else:
                    axis.axis("off")
            line_axes[0].set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
    figure.subplots_adjust(left=1.1 / size[0], right=0.99, top=0.99, bottom=0.01, wspace=0.05, hspace=0.05)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
