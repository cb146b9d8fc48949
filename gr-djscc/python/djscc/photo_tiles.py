"""Photos sent as tiles: a photo larger than the link's image size is cut into a grid of
S x S tiles (image_source with fit "tile"), each tile goes out as one image, and the
receiving end puts the tiles together again (image_sink with an out_dir writes
photos/PHOTO_sent.png and PHOTO_received.png, a lost tile mid gray, and a line per photo in
summary.json; the Qt image view shows the photo being received, scaled to fit, filling in
tile by tile: PhotoPreview). A camera's 4032 x 3024 photo at S = 128 is 32 x 24 tiles: 3.1 M symbols of
DA-DJSCC 1/12, 52 frames of 15."""

import threading
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from djscc.metrics import psnr_db
from djscc.phy.frame import COUNTER_MODULUS
from djscc.report import REFERENCES_KEPT, RESULTS_KEPT

LOST_TILE = 128  # a tile that never arrived: mid gray, as the digital link shows a lost image
PREVIEWS_KEPT = 8  # photos whose sent tiles PhotoPreview keeps while their copies are on the way


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


def photo_psnr_db(sent: np.ndarray, received: np.ndarray) -> float:
    """metrics.psnr_db of two uint8 photos of any size, their squared error summed a row at
    a time (no float copy of a whole camera photo)."""
    squared = sum(float(np.square(a.astype(np.int32) - b).sum()) for a, b in zip(sent, received))
    return round(float(psnr_db(torch.tensor([squared / sent.size]), 255.0)[0]), 3)


class PhotoAssembly:
    """The tiles of each photo as sent and as received (once per ``label``: a link of both
    schemes receives each tile twice), put together and written to ``folder``.

    The link delivers a scheme's tiles in the order they were sent, so a photo is written
    once every label holds all its tiles or has received a tile of a later photo (what is
    missing then was lost), and at the end. Its sent tiles wait as they arrive; received
    canvases are made on the first received tile. A photo sent again (a repeating source)
    is put together again, and written over the first."""

    def __init__(self, folder: Path, labels: list[str]):
        self.folder, self.labels = Path(folder), list(labels)
        self.lock = threading.Lock()
        self.photos: dict[int, dict] = {}  # photo -> its canvases, tiles received and tile ids
        self.places: dict[int, tuple[int, int, int, int]] = {}  # image id % COUNTER_MODULUS -> (photo, row, col, side)
        self.written: list[dict] = []  # a line per photo written, the last RESULTS_KEPT

    def add_sent(self, image_id: int, tile: np.ndarray, place: dict) -> None:
        photo, side = int(place["photo"]), tile.shape[0]
        row, column = int(place["tile_row"]), int(place["tile_col"])
        with self.lock:
            entry = self.photos.get(photo)
            if entry is None or (row, column) in entry["sent_tiles"]:  # new, or sent again
                if entry is not None:
                    self._write(photo)
                rows, columns = int(place["tile_rows"]), int(place["tile_cols"])
                entry = self.photos[photo] = {
                    "shape": (rows * side, columns * side, 3), "count": rows * columns,
                    "size": (int(place["photo_height"]), int(place["photo_width"])),
                    "sent": np.full((rows * side, columns * side, 3), LOST_TILE, np.uint8),
                    "sent_tiles": set(), "received": {}, "received_tiles": {label: set() for label in self.labels},
                    "ids": [], "passed": set()}  # passed: labels that moved on to a later photo
            key = int(image_id) % COUNTER_MODULUS
            self.places[key] = (photo, row, column, side)
            entry["ids"].append(key)
            entry["sent_tiles"].add((row, column))
            self._paste(entry["sent"], tile, row, column, side)

    def add_received(self, label: str, image_id: int, tile: np.ndarray) -> None:
        with self.lock:
            photo, row, column, side = self.places.get(int(image_id) % COUNTER_MODULUS, (None, 0, 0, 0))
            entry = self.photos.get(photo)
            if entry is None or tile.shape[0] != side:
                return  # a tile this assembly never saw sent (or already written out)
            if label not in entry["received"]:
                entry["received"][label] = np.full(entry["shape"], LOST_TILE, np.uint8)
            self._paste(entry["received"][label], tile, row, column, side)
            entry["received_tiles"][label].add((row, column))
            order = list(self.photos)
            for earlier in order[:order.index(photo)]:  # sent before this one: this label moved on
                self.photos[earlier]["passed"].add(label)
                if self.photos[earlier]["passed"] >= set(self.labels):
                    self._write(earlier)
            if all(len(tiles) >= entry["count"] for tiles in entry["received_tiles"].values()):
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
        for key in entry["ids"]:
            self.places.pop(key, None)
        height, width = entry["size"]
        sent = entry["sent"][:height, :width]  # the repeated edges off
        self.folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(sent).save(self.folder / f"{photo:05d}_sent.png")
        line = {"photo": photo, "height": height, "width": width, "tiles": entry["count"], "received": {},
                "psnr_db": {}}
        for label in self.labels:
            received = entry["received"].get(label, np.full(entry["shape"], LOST_TILE, np.uint8))[:height, :width]
            suffix = "received" if len(self.labels) == 1 else label
            Image.fromarray(received).save(self.folder / f"{photo:05d}_{suffix}.png")
            line["received"][label] = len(entry["received_tiles"][label])
            line["psnr_db"][label] = photo_psnr_db(sent, received)
        self.written.append(line)
        del self.written[:-RESULTS_KEPT]


class PhotoPreview:
    """The tiled photo being received, put together at a scale that fits all its rows (the
    photo as sent, then as received under each of ``labels``) in ``width`` x ``height``
    pixels, magnified at most ``max_scale`` times: each tile is scaled and pasted as it
    arrives, so the picture fills in as the link delivers; a tile not (yet) received is mid
    gray. A photo sent again (a repeating source) fills in anew. ``picture`` shows the
    latest photo a tile was received for. Not thread-safe: the caller holds it on one thread
    (a GNU Radio block's message handlers run on one)."""

    def __init__(self, labels: list[str], width: int, height: int, max_scale: float = 1.0):
        self.labels, self.box, self.max_scale = list(labels), (int(width), int(height)), float(max_scale)
        self.places: dict[int, tuple[int, int, int, int]] = {}  # image id % COUNTER_MODULUS -> (round, row, col, side)
        self.rounds: dict[int, dict] = {}  # a photo each time it is sent: its scale, size, canvases, tiles sent
        self.latest_round: dict[int, int] = {}  # photo -> its round now being sent
        self.shown: int | None = None  # the round on view
        self.next_round = 0

    def add_sent(self, image_id: int, tile: np.ndarray, place: dict) -> None:
        photo, row, column = int(place["photo"]), int(place["tile_row"]), int(place["tile_col"])
        key = self.latest_round.get(photo)
        if key not in self.rounds or (row, column) in self.rounds[key]["sent"]:  # new, or sent again
            key = self.latest_round[photo] = self.next_round
            self.next_round += 1
            self.rounds[key] = self._new_round(int(place["photo_height"]), int(place["photo_width"]))
            self._evict(keep=key)
        self.rounds[key]["sent"].add((row, column))
        image_key = int(image_id) % COUNTER_MODULUS
        self.places.pop(image_key, None)  # a reused id goes to the end
        self.places[image_key] = (key, row, column, tile.shape[0])
        while len(self.places) > REFERENCES_KEPT:
            del self.places[next(iter(self.places))]
        self._paste(self.rounds[key], "sent", tile, row, column, tile.shape[0])

    def add_received(self, label: str, image_id: int, tile: np.ndarray) -> bool:
        """Paste a received tile; False if it is no tile this preview holds as sent."""
        key, row, column, side = self.places.get(int(image_id) % COUNTER_MODULUS, (None, 0, 0, 0))
        entry = self.rounds.get(key)
        if entry is None or label not in self.labels or tile.shape[0] != side:
            return False
        self._paste(entry, label, tile, row, column, side)
        if self.shown is None or key > self.shown:  # a scheme still on the last photo does not turn back
            self.shown = key
        return True

    def picture(self) -> np.ndarray | None:
        """(rows * h, w, 3) uint8: the photo on view as sent over each label's copy; None
        before any tile was received."""
        entry = self.rounds.get(self.shown)
        if entry is None:
            return None
        return np.concatenate([entry["canvases"][label] for label in ("sent", *self.labels)])

    def _new_round(self, height: int, width: int) -> dict:
        rows = 1 + len(self.labels)
        scale = min(self.max_scale, self.box[0] / width, self.box[1] / (rows * height))
        shape = (max(1, round(height * scale)), max(1, round(width * scale)), 3)
        return {"scale": scale, "size": (height, width), "sent": set(),
                "canvases": {label: np.full(shape, LOST_TILE, np.uint8) for label in ("sent", *self.labels)}}

    def _evict(self, keep: int) -> None:
        """At most PREVIEWS_KEPT rounds: the link delivers in order, so those before the one
        on view are done and go first; else the newest but ``keep`` (furthest from view)."""
        while len(self.rounds) > PREVIEWS_KEPT:
            done = [key for key in self.rounds if self.shown is not None and key < self.shown]
            waiting = [key for key in self.rounds if key not in (keep, self.shown)]
            del self.rounds[done[0] if done else max(waiting)]

    @staticmethod
    def _paste(entry: dict, label: str, tile: np.ndarray, row: int, column: int, side: int) -> None:
        """The tile's part inside the photo (not the repeated edges), scaled into its place."""
        canvas, scale = entry["canvases"][label], entry["scale"]
        height, width = entry["size"]
        top, left = row * side, column * side
        inside = tile[:max(0, min(side, height - top)), :max(0, min(side, width - left))]
        y0, x0 = round(top * scale), round(left * scale)
        y1 = min(round((top + inside.shape[0]) * scale), canvas.shape[0])
        x1 = min(round((left + inside.shape[1]) * scale), canvas.shape[1])
        if y1 > y0 and x1 > x0:
            scaled = Image.fromarray(np.ascontiguousarray(inside)).resize((x1 - x0, y1 - y0), Image.BILINEAR)
            canvas[y0:y1, x0:x1] = np.asarray(scaled)
