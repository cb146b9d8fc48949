"""Image view (Qt GUI): the latest sent images over the received ones, each received
image's PSNR and the receiver's SNR estimate, as numbers and as a time plot, live. Photos
sent as tiles (image_source fit "tile") are shown whole instead: the photo being received,
as sent over as received, filling in tile by tile (photo_tiles.PhotoPreview).

With ``scheme="both"`` (the link carries every image in both schemes) there is a row of
received images, a mean PSNR and a PSNR line per scheme, so the digital link's cliff shows
beside DJSCC's graceful slope as the SNR moves. One scheme is the same view with one row.

A Qt widget and a message block in one, like GNU Radio's own Qt message widgets. PDUs come
in on GNU Radio's threads; what to show is handed to the GUI thread through a Qt signal.
"""

import collections
import math

import numpy as np
import pmt
from gnuradio import gr
from PyQt5 import QtCore, QtGui, QtWidgets

from djscc.blocks import pdu
from djscc.blocks.transmitter import schemes_of
from djscc.metrics import channels_first, psnr_per_image
from djscc.photo_tiles import PhotoPreview
from djscc.phy.frame import COUNTER_MODULUS

HISTORY = 100  # images per scheme in the time plot and the running mean
IN_FLIGHT = 64  # images kept: sent and not yet received, or received in some schemes only
PLOT_DB = (-5.0, 40.0)  # the time plot's range: the GUI's SNR slider and PSNRs fit in it
PSNR_COLORS = {"djscc": QtGui.QColor(31, 119, 180), "digital": QtGui.QColor(44, 160, 44)}
SNR_COLOR, TRUE_COLOR = QtGui.QColor(255, 127, 14), QtGui.QColor(120, 120, 120)
PICTURE_WIDTH = 1024  # pixels, at most: photos are magnified less, then shown in fewer columns


def fit_view(columns: int, scale: int, image_size: int) -> tuple[int, int]:
    """The columns and magnification that keep a row of images within PICTURE_WIDTH: the
    magnification drops first (to 1), then the columns (to 1). 8 CIFAR images at 4x stay so;
    128x128 photos are shown unmagnified, 8 of them."""
    scale = max(1, min(scale, PICTURE_WIDTH // (columns * image_size)))
    return max(1, min(columns, PICTURE_WIDTH // (scale * image_size))), scale


class image_view(gr.basic_block, QtWidgets.QWidget):
    """Shows the last ``columns`` received images under the sent ones (top row), a row per
    scheme of ``scheme`` ("djscc", "digital" or "both"; the images told apart by their meta
    scheme, as in image_sink), a column once every scheme has delivered its image (so each
    column is one image in every scheme, at the slower scheme's pace; ids may repeat, as
    from a repeating image source), each magnified ``scale`` times (``image_size`` sizes the view
    before the first arrives; fewer columns and less magnification where the picture would be
    wider than PICTURE_WIDTH: fit_view); beside them each scheme's last PSNR and running mean (the
    digital one's MCS) and the SNR estimate, and a time plot of each scheme's last HISTORY
    images. ``true_snr_db``, the channel's SNR where the flowgraph knows it (NaN: not
    shown), is drawn with them. Tiles of a photo (their meta says their place) are shown as
    the whole photo instead, scaled to fit the picture's size (the window does not grow); the
    numbers and the plot stay per tile."""

    update_ready = QtCore.pyqtSignal(object, str, object, object)

    def __init__(self, columns: int = 8, scale: int = 4, image_size: int = 32,
                 true_snr_db: float = float("nan"), scheme: str = "djscc"):
        gr.basic_block.__init__(self, name="djscc_image_view", in_sig=None, out_sig=None)
        QtWidgets.QWidget.__init__(self)
        self.columns, self.scale = fit_view(int(columns), int(scale), int(image_size))
        self.true_snr_db = float(true_snr_db)
        self.schemes = schemes_of(scheme)
        self.sent: dict[int, np.ndarray] = {}
        self.shown: list[int] = []
        self.received: dict[str, dict[int, np.ndarray]] = {name: {} for name in self.schemes}
        self.pending: dict[int, set[str]] = {}  # image id -> the schemes that delivered it, until all have
        self.history = {name: collections.deque(maxlen=HISTORY) for name in self.schemes}  # PSNR per image
        self.snr_history = collections.deque(maxlen=HISTORY * len(self.schemes))  # every image's estimate
        self.last = {"image_id": None, "snr": math.nan, "mcs": {}}
        self.preview: PhotoPreview | None = None  # made by the first tile of a tiled photo
        side = int(image_size) * self.scale
        self.row_names = [QtWidgets.QLabel(name) for name in ("sent", *self.schemes)]
        names = QtWidgets.QVBoxLayout()
        names.setSpacing(0)
        names.addStretch()
        for label in self.row_names:
            label.setFixedHeight(side)
            names.addWidget(label)
        names.addStretch()
        self.picture = QtWidgets.QLabel("waiting for images")
        self.picture.setAlignment(QtCore.Qt.AlignCenter)
        rows = len(self.row_names)
        self.picture_box = (self.columns * side, rows * side)  # read on GNU Radio's thread: no widget call
        self.picture.setMinimumSize(*self.picture_box)
        self.numbers = QtWidgets.QLabel()
        widest = f"{max(self.schemes, key=len)} mean PSNR, last {HISTORY}: 100.00 dB"  # the view keeps its size
        self.numbers.setMinimumWidth(self.numbers.fontMetrics().horizontalAdvance(widest) + 8)
        self.plot = QtWidgets.QLabel()
        self.plot.setFixedSize(max(300, 2 * side), max(150, rows * side))
        layout = QtWidgets.QHBoxLayout(self)
        layout.addLayout(names)
        for widget in (self.picture, self.numbers, self.plot):
            layout.addWidget(widget)
        self.update_ready.connect(self._show)
        self._show(None, self.summary(), self._histories(), [])
        self.dropped = 0  # messages a handler failed on: logged and counted, never fatal
        for name, handler in (("images", self.handle_received), ("reference", self.handle_sent)):
            self.message_port_register_in(pmt.intern(name))
            self.set_msg_handler(pmt.intern(name), handler)

    def set_true_snr_db(self, true_snr_db: float):
        self.true_snr_db = float(true_snr_db)

    def handle_sent(self, message):
        self._guarded(self._sent, message)

    def handle_received(self, message):
        self._guarded(self._received, message)

    def _guarded(self, handler, message):
        """Any failure of a handler is counted and logged, never raised: a bad message must not
        end the view's message thread (the view would freeze for the rest of the run)."""
        try:
            handler(message)
        except Exception as error:
            self.dropped += 1
            gr.log.warn(f"djscc image_view: message dropped: {type(error).__name__}: {error}")

    def _sent(self, message):
        if pdu.is_end_of_stream(message):
            return
        meta, image = pdu.parse_image(message)
        image_id = int(meta["image_id"]) % COUNTER_MODULUS  # as received: the header's counter wraps
        if "tile_row" in meta:
            if self.preview is None:
                self.preview = PhotoPreview(self.schemes, *self.picture_box, self.scale)
            self.preview.add_sent(image_id, image, meta)
        self.sent.pop(image_id, None)  # an id sent again goes to the end
        self.sent[image_id] = image
        while len(self.sent) > IN_FLIGHT:  # the oldest can no longer be received
            del self.sent[next(iter(self.sent))]

    def _received(self, message):
        meta, image = pdu.parse_image(message)
        scheme = meta.get("scheme", "djscc") if len(self.schemes) > 1 else self.schemes[0]
        if scheme not in self.received:
            gr.log.warn(f"djscc image_view: an image of scheme {scheme!r} dropped, not one of {self.schemes}")
            return
        image_id = int(meta["image_id"]) % COUNTER_MODULUS
        self.received[scheme][image_id] = image
        delivered = self.pending.pop(image_id, set())
        delivered = {scheme} if scheme in delivered else delivered | {scheme}  # again: the id's next round
        if len(delivered) == len(self.schemes):
            self.shown = ([i for i in self.shown if i != image_id] + [image_id])[-self.columns:]
        else:
            self.pending[image_id] = delivered
            while len(self.pending) > IN_FLIGHT:  # a frame lost in another scheme
                del self.pending[next(iter(self.pending))]
        for images in self.received.values():
            for old in [i for i in images if i not in self.pending and i not in self.shown]:
                del images[old]
        snr = float(meta.get("snr_db", math.nan))
        self.history[scheme].append(self.psnr(image_id, scheme))
        self.snr_history.append(snr)
        self.last.update(image_id=image_id, snr=snr)
        if "mcs" in meta:
            self.last["mcs"][scheme] = str(meta["mcs"])
        if self.preview is not None and self.preview.add_received(scheme, image_id, image):
            picture = self.preview.picture()
        else:
            picture = self.mosaic() if self.shown else None
        self.update_ready.emit(picture, self.summary(), self._histories(), list(self.snr_history))

    def _histories(self) -> dict[str, list[float]]:
        return {name: list(values) for name, values in self.history.items()}

    def psnr(self, image_id: int, scheme: str) -> float:
        """PSNR (dB) of a received image of ``scheme`` against the one sent under its id; NaN if unknown."""
        sent, received = self.sent.get(image_id), self.received[scheme][image_id]
        if sent is None or sent.shape != received.shape:
            return math.nan
        pair = channels_first(np.stack([sent, received]))
        return float(psnr_per_image(pair[:1], pair[1:])[0])

    def summary(self) -> str:
        """The numbers beside the images: per scheme the last image's PSNR (and MCS) and the
        mean PSNR; the last SNR estimate and the channel's SNR."""
        image_id, snr = self.last["image_id"], self.last["snr"]
        lines = [f"image {'-' if image_id is None else image_id}"]
        for name, history in self.history.items():
            psnr = history[-1] if history else math.nan
            scored = [p for p in history if math.isfinite(p)]
            mean = f"{np.mean(scored):.2f} dB" if scored else "-"
            mcs = f" ({self.last['mcs'][name]})" if name in self.last["mcs"] else ""
            lines += [f"{name} PSNR {psnr:.2f} dB{mcs}" if math.isfinite(psnr) else f"{name} PSNR -{mcs}",
                      f"{name} mean PSNR, last {len(scored)}: {mean}"]
        lines.append(f"SNR estimate {snr:.2f} dB" if math.isfinite(snr) else "SNR estimate -")
        if math.isfinite(self.true_snr_db):
            lines.append(f"channel SNR {self.true_snr_db:g} dB")
        return "\n".join(lines)

    def mosaic(self) -> np.ndarray:
        """(rows*H, columns*W, 3) uint8: sent over each scheme's received images; gray where
        an image is missing."""
        last = next(images[self.shown[-1]] for images in self.received.values() if self.shown[-1] in images)
        height, width = last.shape[:2]
        rows = [self.sent, *self.received.values()]
        canvas = np.full((len(rows) * height, self.columns * width, 3), 64, np.uint8)
        for column, image_id in enumerate(self.shown):
            for row, images in enumerate(rows):
                image = images.get(image_id)
                if image is not None and image.shape[:2] == (height, width):
                    canvas[row * height:(row + 1) * height, column * width:(column + 1) * width] = image
        return canvas.repeat(self.scale, 0).repeat(self.scale, 1)

    def _show(self, canvas: np.ndarray | None, numbers: str, history: dict, snr_history: list):
        if canvas is not None:
            canvas = np.ascontiguousarray(canvas)
            height, width = canvas.shape[:2]
            image = QtGui.QImage(canvas.data, width, height, 3 * width, QtGui.QImage.Format_RGB888)
            self.picture.setPixmap(QtGui.QPixmap.fromImage(image.copy()))
            for label in self.row_names:
                label.setFixedHeight(height // len(self.row_names))
        self.numbers.setText(numbers)
        self.plot.setPixmap(self._time_plot(history, snr_history))

    def _time_plot(self, history: dict, snr_history: list) -> QtGui.QPixmap:
        """Each scheme's PSNR (djscc blue, digital green) and the SNR estimate (orange) of the
        last HISTORY images, oldest left; the channel's SNR dashed gray where known; grid
        lines every 10 dB."""
        pixmap = QtGui.QPixmap(self.plot.size())
        pixmap.fill(QtCore.Qt.white)
        width, height = pixmap.width(), pixmap.height()
        low, high = PLOT_DB

        def y(db: float) -> float:
            return (high - min(max(db, low), high)) / (high - low) * (height - 1)

        painter = QtGui.QPainter(pixmap)
        painter.setRenderHint(QtGui.QPainter.Antialiasing)
        for db in range(0, int(high) + 1, 10):
            painter.setPen(QtGui.QColor(220, 220, 220))
            painter.drawLine(QtCore.QPointF(0, y(db)), QtCore.QPointF(width, y(db)))
            painter.setPen(QtGui.QColor(100, 100, 100))
            painter.drawText(QtCore.QPointF(2, y(db) - 2), f"{db} dB")
        if math.isfinite(self.true_snr_db):
            painter.setPen(QtGui.QPen(TRUE_COLOR, 1, QtCore.Qt.DashLine))
            painter.drawLine(QtCore.QPointF(0, y(self.true_snr_db)), QtCore.QPointF(width, y(self.true_snr_db)))
        lines = [(f"{name} PSNR", PSNR_COLORS[name], values, HISTORY) for name, values in history.items()]
        lines.append(("SNR estimate", SNR_COLOR, snr_history, HISTORY * len(history)))
        metrics = painter.fontMetrics()
        for row, (label, color, values, length) in enumerate(lines):
            step = width / max(length - 1, 1)
            painter.setPen(QtGui.QPen(color, 2))
            painter.drawPolyline(QtGui.QPolygonF([QtCore.QPointF(i * step, y(v)) for i, v in enumerate(values)
                                                  if math.isfinite(v)]))
            painter.setPen(color)
            painter.drawText(QtCore.QPointF(width - metrics.horizontalAdvance(label) - 4,
                                            (row + 1) * metrics.height()), label)
        painter.end()
        return pixmap
