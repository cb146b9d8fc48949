"""A labelled grid of images (sent over received), written as PNG."""

from pathlib import Path

import numpy as np


def save_mosaic(rows: list[np.ndarray], labels: list[str], path: Path, scale: int = 3) -> None:
    """Each row is (N, H, W, 3) uint8; ``labels`` name the rows."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    count = max(len(row) for row in rows)
    height, width = rows[0].shape[1:3]
    figure, axes = plt.subplots(len(rows), count, squeeze=False,
                                figsize=(count * width * scale / 100 + 1.2, len(rows) * height * scale / 100 + 0.3))
    for r, (row, label) in enumerate(zip(rows, labels)):
        for c in range(count):
            axis = axes[r][c]
            axis.set_xticks([])
            axis.set_yticks([])
            if c < len(row):
                axis.imshow(row[c], interpolation="nearest")
            else:
                axis.axis("off")
        axes[r][0].set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
    figure.subplots_adjust(left=0.12, right=0.99, top=0.99, bottom=0.01, wspace=0.05, hspace=0.05)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
