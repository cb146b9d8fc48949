"""Image view (Qt GUI): the latest sent images over the received ones, each received
image's PSNR and the receiver's SNR estimate, as numbers and as a time plot, live.

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
from djscc.metrics import channels_first, psnr_per_image

HISTORY = 100  # images in the time plot and the running mean
PLOT_DB = (-5.0, 40.0)  # the time plot's range: the GUI's SNR slider and PSNRs fit in it
PSNR_COLOR, SNR_COLOR, TRUE_COLOR = QtGui.QColor(31, 119, 180), QtGui.QColor(255, 127, 14), QtGui.QColor(120, 120, 120)


class image_view(gr.basic_block, QtWidgets.QWidget):
    """Shows the last ``columns`` received images (bottom row) under the sent ones (top row),
    each magnified ``scale`` times (``image_size`` sizes the view before the first arrives);
    beside them each image's PSNR, their running mean and the SNR estimate, and a time plot
    of the last HISTORY images. ``true_snr_db``, the channel's SNR where the flowgraph knows
    it (NaN: not shown), is drawn with them."""

    update_ready = QtCore.pyqtSignal(object, str, object)

    def __init__(self, columns: int = 8, scale: int = 4, image_size: int = 32,
                 true_snr_db: float = float("nan")):
        gr.basic_block.__init__(self, name="djscc_image_view", in_sig=None, out_sig=None)
        QtWidgets.QWidget.__init__(self)
        self.columns, self.scale = int(columns), int(scale)
        self.true_snr_db = float(true_snr_db)
        self.sent: dict[int, np.ndarray] = {}
        self.shown: list[int] = []
        self.received: dict[int, np.ndarray] = {}
        self.history = collections.deque(maxlen=HISTORY)  # (PSNR, SNR estimate) per image
        self.picture = QtWidgets.QLabel("waiting for images")
        self.picture.setAlignment(QtCore.Qt.AlignCenter)
        side = int(image_size) * self.scale
        self.picture.setMinimumSize(self.columns * side, 2 * side)
        self.numbers = QtWidgets.QLabel()
        widest = f"mean PSNR, last {HISTORY}: 100.00 dB"  # so the view keeps its size as numbers come
        self.numbers.setMinimumWidth(self.numbers.fontMetrics().horizontalAdvance(widest) + 8)
        self.plot = QtWidgets.QLabel()
        self.plot.setFixedSize(max(300, 2 * side), max(150, 2 * side))
        layout = QtWidgets.QHBoxLayout(self)
        for widget in (self.picture, self.numbers, self.plot):
            layout.addWidget(widget)
        self.update_ready.connect(self._show)
        self._show(None, self.summary(), [])
        for name, handler in (("images", self.handle_received), ("reference", self.handle_sent)):
            self.message_port_register_in(pmt.intern(name))
            self.set_msg_handler(pmt.intern(name), handler)

    def set_true_snr_db(self, true_snr_db: float):
        self.true_snr_db = float(true_snr_db)

    def handle_sent(self, message):
        if pdu.is_end_of_stream(message):
            return
        meta, image = pdu.parse_image(message)
        image_id = int(meta["image_id"])
        self.sent[image_id] = image
        # Keep only the images that can still be shown (the newest few in flight).
        for old in [i for i in self.sent if i < image_id - 4 * self.columns]:
            del self.sent[old]

    def handle_received(self, message):
        meta, image = pdu.parse_image(message)
        image_id = int(meta["image_id"])
        self.received[image_id] = image
        self.shown = (self.shown + [image_id])[-self.columns:]
        for old in [i for i in self.received if i not in self.shown]:
            del self.received[old]
        self.history.append((self.psnr(image_id), float(meta.get("snr_db", math.nan))))
        self.update_ready.emit(self.mosaic(), self.summary(image_id), list(self.history))

    def psnr(self, image_id: int) -> float:
        """PSNR (dB) of a received image against the one sent under its id; NaN if unknown."""
        sent, received = self.sent.get(image_id), self.received[image_id]
        if sent is None or sent.shape != received.shape:
            return math.nan
        pair = channels_first(np.stack([sent, received]))
        return float(psnr_per_image(pair[:1], pair[1:])[0])

    def summary(self, image_id: int | None = None) -> str:
        """The numbers beside the images: the last image's PSNR and SNR estimate, the mean PSNR."""
        psnr, snr = self.history[-1] if self.history else (math.nan, math.nan)
        scored = [p for p, _ in self.history if math.isfinite(p)]
        mean = f"{np.mean(scored):.2f} dB" if scored else "-"
        lines = [f"image {'-' if image_id is None else image_id}",
                 f"PSNR {psnr:.2f} dB" if math.isfinite(psnr) else "PSNR -",
                 f"mean PSNR, last {len(scored)}: {mean}",
                 f"SNR estimate {snr:.2f} dB" if math.isfinite(snr) else "SNR estimate -"]
        if math.isfinite(self.true_snr_db):
            lines.append(f"channel SNR {self.true_snr_db:g} dB")
        return "\n".join(lines)

    def mosaic(self) -> np.ndarray:
        """(2H, columns*W, 3) uint8: sent over received; gray where an image is missing."""
        height, width = self.received[self.shown[-1]].shape[:2]
        canvas = np.full((2 * height, self.columns * width, 3), 64, np.uint8)
        for column, image_id in enumerate(self.shown):
            for row, images in enumerate((self.sent, self.received)):
                image = images.get(image_id)
                if image is not None and image.shape[:2] == (height, width):
                    canvas[row * height:(row + 1) * height, column * width:(column + 1) * width] = image
        return canvas.repeat(self.scale, 0).repeat(self.scale, 1)

    def _show(self, canvas: np.ndarray | None, numbers: str, history: list):
        if canvas is not None:
            canvas = np.ascontiguousarray(canvas)
            height, width = canvas.shape[:2]
            image = QtGui.QImage(canvas.data, width, height, 3 * width, QtGui.QImage.Format_RGB888)
            self.picture.setPixmap(QtGui.QPixmap.fromImage(image.copy()))
        self.numbers.setText(numbers)
        self.plot.setPixmap(self._time_plot(history))

    def _time_plot(self, history: list) -> QtGui.QPixmap:
        """PSNR (blue) and SNR estimate (orange) of the last HISTORY images, oldest left; the
        channel's SNR dashed gray where known; grid lines every 10 dB."""
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
        step = width / max(HISTORY - 1, 1)
        for column, color in ((0, PSNR_COLOR), (1, SNR_COLOR)):
            painter.setPen(QtGui.QPen(color, 2))
            points = [QtCore.QPointF(i * step, y(values[column])) for i, values in enumerate(history)
                      if math.isfinite(values[column])]
            painter.drawPolyline(QtGui.QPolygonF(points))
        metrics = painter.fontMetrics()
        for row, (label, color) in enumerate((("PSNR", PSNR_COLOR), ("SNR estimate", SNR_COLOR))):
            painter.setPen(color)
            painter.drawText(QtCore.QPointF(width - metrics.horizontalAdvance(label) - 4,
                                            (row + 1) * metrics.height()), label)
        painter.end()
        return pixmap
