"""Photos sent as tiles: a photo larger than the link's image size is cut into a grid of
S x S tiles (image_source with fit "tile"), each tile goes out as one image, and the
receiving end puts the tiles together again (image_sink with an out_dir writes
photos/PHOTO_sent.png and PHOTO_received.png, a lost tile mid gray, and a line per photo in
summary.json). A camera's 4032 x 3024 photo at S = 128 is 32 x 24 tiles: 3.1 M symbols of
DA-DJSCC 1/12, 52 frames of 15."""

import threading
from pathlib import Path

import numpy as np
from PIL import Image

from djscc.metrics import channels_first, psnr_per_image

LOST_TILE = 128  # a tile that never arrived: mid gray, as the digital link shows a lost image
PHOTOS_KEPT = 8  # photos being put together at once; an older one is written as it is


def tile_photo(image: np.ndarray, size: int) -> tuple[list[np.ndarray], list[dict]]:
    """The ``size`` x ``size`` tiles that cover an HWC photo, row by row (its right and
    bottom edges repeated out to whole tiles: all of the photo goes out), and each tile's
    place: its row and column, the grid's rows and columns, the photo's height and width."""
    height, width = image.shape[:2]
    rows, columns = -(-height // size), -(-width // size)
    padded = np.pad(image, ((0, rows * size - height), (0, columns * size - width), (0, 0)), mode="edge")
    tiles, places = [], []
    for row in range(rows):
        for column in range(columns):
            tiles.append(padded[row * size:(row + 1) * size, column * size:(column + 1) * size])
            places.append({"tile_row": row, "tile_col": column, "tile_rows": rows, "tile_cols": columns,
                           "photo_height": height, "photo_width": width})
    return tiles, places


class PhotoAssembly:
    """The tiles of each photo as sent and as received (one copy per ``label``: a link of
    both schemes receives each tile twice), put together and written to ``folder``."""

    def __init__(self, folder: Path, labels: list[str]):
        self.folder, self.labels = Path(folder), list(labels)
        self.lock = threading.Lock()
        self.photos: dict[int, dict] = {}  # photo -> {"sent": canvas, label: canvas, "tiles": {label: count}}
        self.places: dict[int, tuple[int, int, int, int]] = {}  # image id -> (photo, row, column, tile side)
        self.written: list[dict] = []

    def add_sent(self, image_id: int, tile: np.ndarray, place: dict) -> None:
        photo, side = int(place["photo"]), tile.shape[0]
        with self.lock:
            if photo not in self.photos:
                if len(self.photos) >= PHOTOS_KEPT:
                    self._write(next(iter(self.photos)))
                shape = (int(place["tile_rows"]) * side, int(place["tile_cols"]) * side, 3)
                self.photos[photo] = {"sent": np.full(shape, LOST_TILE, np.uint8),
                                      **{label: np.full(shape, LOST_TILE, np.uint8) for label in self.labels},
                                      "tiles": dict.fromkeys(self.labels, 0),
                                      "count": int(place["tile_rows"]) * int(place["tile_cols"]),
                                      "size": (int(place["photo_height"]), int(place["photo_width"]))}
            row, column = int(place["tile_row"]), int(place["tile_col"])
            self.places[int(image_id)] = (photo, row, column, side)
            self._paste(self.photos[photo]["sent"], tile, row, column, side)

    def add_received(self, label: str, image_id: int, tile: np.ndarray) -> None:
        with self.lock:
            photo, row, column, side = self.places.get(int(image_id), (None, 0, 0, 0))
            if photo not in self.photos or tile.shape[0] != side:
                return  # a tile this assembly never saw sent (or already written out)
            entry = self.photos[photo]
            self._paste(entry[label], tile, row, column, side)
            entry["tiles"][label] += 1
            if all(count >= entry["count"] for count in entry["tiles"].values()):
                self._write(photo)

    def finish(self) -> list[dict]:
        """Write the photos still being put together; a line per photo written."""
        with self.lock:
            for photo in list(self.photos):
                self._write(photo)
            return list(self.written)

    @staticmethod
    def _paste(canvas: np.ndarray, tile: np.ndarray, row: int, column: int, side: int) -> None:
        canvas[row * side:(row + 1) * side, column * side:(column + 1) * side] = tile

    def _write(self, photo: int) -> None:
        entry = self.photos.pop(photo)
        height, width = entry["size"]
        for key in ("sent", *self.labels):
            entry[key] = entry[key][:height, :width]  # the repeated edges off
        self.folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(entry["sent"]).save(self.folder / f"{photo:05d}_sent.png")
        line = {"photo": photo, "height": entry["sent"].shape[0], "width": entry["sent"].shape[1],
                "tiles": entry["count"], "received": {}, "psnr_db": {}}
        for label in self.labels:
            suffix = "received" if len(self.labels) == 1 else label
            Image.fromarray(entry[label]).save(self.folder / f"{photo:05d}_{suffix}.png")
            psnr = psnr_per_image(channels_first(entry["sent"][None]), channels_first(entry[label][None]))
            line["received"][label], line["psnr_db"][label] = entry["tiles"][label], round(float(psnr[0]), 3)
        self.written.append(line)
