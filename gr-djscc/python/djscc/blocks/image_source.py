"""Image source: emits images of a dataset as PDUs (uint8 H*W*3, meta image_id/label/shape)."""

import math
import threading
import time

import numpy as np
import pmt
from gnuradio import gr

from djscc.blocks import pdu
from djscc.data import FITS, fit_image, load_images
from djscc.errors import InputError
from djscc.nn.codec import DOWNSAMPLING
from djscc.photo_tiles import tile_photo

SOURCE_FITS = (*FITS, "tile")  # tile: the S x S tiles covering each photo, put together again by image_sink


class image_source(gr.basic_block):
    """Sends ``count`` images (0 = all) of ``dataset`` on port "images", at most ``rate``
    per second (0 = all at once: message ports have no back pressure, they queue), then an
    end-of-stream PDU; with ``repeat``, cycles through them until the flowgraph stops (a live
    demo, a beacon), which needs a rate (at 0 the queue would grow without end).

    ``image_size`` S > 0 sends photos of any size as S x S (``fit``: "crop" their centered
    S x S, "resize" scale their short side to S first; djscc.data.fit_image; "tile" the
    S x S tiles that cover each, row by row, each tile's place in its meta: djscc.photo_tiles); 0
    sends them as they are, which must then be one size. The PDUs are the images as sent:
    the image sink scores against them."""

    def __init__(self, dataset: str = "samples", count: int = 16, rate: float = 0.0,
                 first: int = 0, repeat: bool = False, image_size: int = 0, fit: str = "crop"):
        gr.basic_block.__init__(self, name="djscc_image_source", in_sig=None, out_sig=None)
        if int(count) < 0 or int(first) < 0 or not 0 <= float(rate) < math.inf:
            raise InputError(f"image_source: count {count} and first {first} must not be negative "
                             f"and rate {rate} must be a finite number >= 0")
        if repeat and float(rate) == 0:
            raise InputError("image_source: repeat needs a rate (images a second): at rate 0 it would "
                             "queue images faster than any receiver takes them, without end")
        self.images, self.image_ids, self.places = source_images(dataset, count, first, image_size, fit)
        self.rate, self.repeat = rate, bool(repeat)
        self.port = pmt.intern("images")
        self.message_port_register_out(self.port)
        self._thread = None
        self._stopping = threading.Event()

    def start(self):
        self._stopping.clear()
        self._thread = threading.Thread(target=self._emit, daemon=True)
        self._thread.start()
        return True

    def stop(self):
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        return True

    def _emit(self):
        try:
            self._publish()
        except Exception as error:  # logged, and the end of stream still goes out
            gr.log.error(f"djscc image_source: stopped sending: {type(error).__name__}: {error}")
            self.message_port_pub(self.port, pdu.end_of_stream())

    def _publish(self):
        due = time.monotonic()  # paced on a schedule: the time spent publishing does not add up
        while True:
            for image_id, image, place in zip(self.image_ids, self.images, self.places):
                if self._stopping.is_set():
                    return
                meta = {"image_id": image_id, "height": image.shape[0], "width": image.shape[1], **place}
                self.message_port_pub(self.port, pdu.make(meta, image))
                if self.rate > 0:
                    due += 1.0 / self.rate
                    self._stopping.wait(max(0.0, due - time.monotonic()))
            if not self.repeat:
                break
        self.message_port_pub(self.port, pdu.end_of_stream())


def source_images(dataset: str, count: int = 0, first: int = 0, image_size: int = 0,
                  fit: str = "crop") -> tuple[list[np.ndarray], list[int], list[dict]]:
    """The images an image_source with these parameters sends, their ids, and each one's
    place in its photo ({} but with fit "tile"): a replay scores against the same."""
    if int(image_size) < 0 or int(image_size) % DOWNSAMPLING:
        raise InputError(f"image_source: image_size must be 0 (as they are) or a positive multiple of "
                         f"{DOWNSAMPLING} (the codecs' downsampling), not {image_size}")
    if fit not in SOURCE_FITS:
        raise InputError(f"image_source: fit must be one of {SOURCE_FITS}, not {fit!r}")
    if fit == "tile" and not image_size:
        raise InputError("image_source: fit 'tile' needs an image_size (the tiles' side)")
    images = load_images(dataset).images
    if first >= len(images):
        raise InputError(f"image_source: first {first}, but {dataset} has {len(images)} images")
    ids = list(range(first, len(images) if count <= 0 else min(len(images), first + count)))
    if fit == "tile":
        tiles, places = [], []
        for i in ids:
            photo_tiles, photo_places = tile_photo(np.asarray(images[i]), int(image_size))
            tiles += photo_tiles
            places += [{"photo": i, **place} for place in photo_places]
        return tiles, list(range(len(tiles))), places
    if image_size:
        return [fit_image(np.asarray(images[i]), int(image_size), fit, f"image_source: image {i} of {dataset}")
                for i in ids], ids, [{}] * len(ids)
    if len({images[i].shape for i in ids}) > 1:
        raise InputError(f"image_source: the images of {dataset} differ in size: give an image_size "
                         "(and a fit) to send them as one")
    return [np.asarray(images[i]) for i in ids], ids, [{}] * len(ids)
