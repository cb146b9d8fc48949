"""Photos sent as tiles (image_source fit "tile"): cut to cover the whole photo, put together
again at the receiving end, a lost tile mid gray, at most PHOTOS_KEPT photos held; the GUI's
preview of the photo being received."""

import numpy as np
import pytest
from PIL import Image

from djscc.blocks.image_source import source_images
from djscc.errors import InputError
from djscc.photo_tiles import LOST_TILE, PREVIEWS_KEPT, PhotoAssembly, PhotoPreview, tile_photo


def photo(height, width, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3)).astype(np.uint8)


def test_tiles_cover_the_whole_photo_row_by_row_with_its_edges_repeated():
    image = photo(70, 130)
    tiles, places = tile_photo(image, 32)
    assert len(tiles) == 3 * 5 and all(tile.shape == (32, 32, 3) for tile in tiles)
    assert places[7] == {"tile_row": 1, "tile_col": 2, "tile_rows": 3, "tile_cols": 5,
                         "photo_height": 70, "photo_width": 130}
    assert np.array_equal(tiles[7], image[32:64, 64:96])
    last = tiles[-1]  # rows 64..69 and columns 128..129 of the photo, the rest their repeats
    assert np.array_equal(last[:6, :2], image[64:70, 128:130])
    assert np.array_equal(last[6:, :2], np.repeat(image[69:70, 128:130], 26, axis=0))
    assert np.array_equal(last[:6, 2:], np.repeat(image[64:70, 129:130], 30, axis=1))


def test_tiles_put_together_give_the_photo_and_a_lost_tile_is_gray(tmp_path):
    image = photo(70, 130)
    tiles, places = tile_photo(image, 32)
    assembly = PhotoAssembly(tmp_path, ["djscc"])
    for image_id, (tile, place) in enumerate(zip(tiles, places)):
        assembly.add_sent(image_id, tile, {"photo": 4, **place})
    for image_id, tile in enumerate(tiles):
        if image_id != 7:  # lost on the air
            assembly.add_received("djscc", image_id, tile)
    assembly.add_received("djscc", 99, tiles[0])  # a tile it never saw sent: ignored
    [line] = assembly.finish()
    assert line["photo"] == 4 and (line["height"], line["width"], line["tiles"]) == (70, 130, 15)
    assert line["received"] == {"djscc": 14}
    sent = np.asarray(Image.open(tmp_path / "00004_sent.png"))
    received = np.asarray(Image.open(tmp_path / "00004_received.png"))
    assert np.array_equal(sent, image) and received.shape == image.shape
    assert np.all(received[32:64, 64:96] == LOST_TILE)
    received_copy = received.copy()
    received_copy[32:64, 64:96] = image[32:64, 64:96]
    assert np.array_equal(received_copy, image)
    assert 5 < line["psnr_db"]["djscc"] < 100  # the gray tile costs it


def test_photos_are_written_as_the_link_moves_past_them_whatever_was_sent_ahead(tmp_path):
    """As the flowgraphs run: every tile of ten photos sent at once, ids past the header's
    65,536 wrap, the tiles received in order in two schemes, some lost. A photo is written
    once both schemes hold all its tiles or have moved on to a later photo."""
    assembly = PhotoAssembly(tmp_path, ["djscc", "digital"])
    first_id, sent = 70_000, []
    for number in range(10):
        tiles, places = tile_photo(photo(32, 64, number), 32)
        for tile, place in zip(tiles, places):
            assembly.add_sent(first_id + len(sent), tile, {"photo": number, **place})
            sent.append(tile)
    lost = {("djscc", 5), ("digital", 5), ("digital", 6)}  # photo 2's second tile; photo 3's first in digital
    for index, tile in enumerate(sent[:12]):  # photos 0-5 arrive
        for label in ("djscc", "digital"):
            if (label, index) not in lost:
                assembly.add_received(label, (first_id + index) % 65536, tile)
    written = {path.name for path in tmp_path.iterdir()}
    assert {f"0000{n}_{kind}.png" for n in range(6) for kind in ("sent", "djscc", "digital")} == written
    lines = {line["photo"]: line for line in assembly.finish()}
    assert lines[0]["received"] == {"djscc": 2, "digital": 2} and lines[0]["psnr_db"]["djscc"] == 100.0
    assert lines[2]["received"] == {"djscc": 1, "digital": 1} and lines[3]["received"] == {"djscc": 2, "digital": 1}
    assert lines[9]["received"] == {"djscc": 0, "digital": 0} and len(lines) == 10


def test_a_photo_sent_again_is_put_together_again(tmp_path):
    """A repeating source sends the same photo again: the first copy is written as it got,
    the second put together anew; duplicates never count twice."""
    assembly = PhotoAssembly(tmp_path, ["djscc"])
    tiles, places = tile_photo(photo(32, 64), 32)
    for cycle in range(2):
        for index, (tile, place) in enumerate(zip(tiles, places)):
            assembly.add_sent(2 * cycle + index, tile, {"photo": 0, **place})
        assembly.add_received("djscc", 2 * cycle, tiles[0])
        assembly.add_received("djscc", 2 * cycle, tiles[0])  # the same tile twice
    lines = assembly.finish()
    assert [line["received"] for line in lines] == [{"djscc": 1}, {"djscc": 1}]


def test_image_source_tiles_every_photo_with_running_ids():
    images, ids, places = source_images("samples-kodak", image_size=64, fit="tile")
    assert len(images) == 3 * 4 and ids == list(range(12))
    assert [place["photo"] for place in places] == [0] * 4 + [1] * 4 + [2] * 4
    with pytest.raises(InputError, match="needs an image_size"):
        source_images("samples-kodak", fit="tile")


def test_the_preview_fills_a_photo_sent_again_anew_and_keeps_the_photos_next_in_line():
    rows, cols = np.mgrid[:256, :256]
    image = np.stack([rows, cols, (rows + cols) % 256], -1).astype(np.uint8)
    tiles, places = tile_photo(image, 128)
    preview = PhotoPreview(["djscc"], 1024, 512)  # two rows of 256: the photo at scale 1

    def send(photo_index, first_id):
        for offset, (tile, place) in enumerate(zip(tiles, places)):
            preview.add_sent(first_id + offset, tile, {"photo": photo_index, **place})

    send(0, 0)
    assert preview.picture() is None  # nothing received yet
    for image_id, tile in enumerate(tiles):
        assert preview.add_received("djscc", image_id, tile)
    assert np.array_equal(preview.picture()[:256], image) and np.array_equal(preview.picture()[256:], image)
    send(0, 0)  # a repeating source sends it again, under the same ids
    assert preview.add_received("djscc", 0, tiles[0])
    received = preview.picture()[256:]
    assert np.array_equal(received[:128, :128], image[:128, :128]) and (received[128:] == LOST_TILE).all()
    for photo_index in range(1, 12):  # the sent photos run ahead of the link
        send(photo_index, 4 * photo_index)
    assert len(preview.rounds) <= PREVIEWS_KEPT
    assert preview.add_received("djscc", 4, tiles[0])  # the next photo in line is still held
    assert not preview.add_received("djscc", 999, tiles[0])  # an id never sent
