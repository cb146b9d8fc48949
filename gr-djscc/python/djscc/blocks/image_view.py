"""Image view (Qt GUI): the latest sent images over the received ones, live.

A Qt widget and a message block in one, like GNU Radio's own Qt message widgets. PDUs come
in on GNU Radio's threads; the picture is handed to the GUI thread through a Qt signal.
"""

import numpy as np
import pmt
from gnuradio import gr
from PyQt5 import QtCore, QtGui, QtWidgets

from djscc.blocks import pdu


class image_view(gr.basic_block, QtWidgets.QLabel):
    """Shows the last ``columns`` received images (bottom row) under the sent ones (top row),
    each magnified ``scale`` times."""

    picture_ready = QtCore.pyqtSignal(object)

    def __init__(self, columns: int = 8, scale: int = 4):
        gr.basic_block.__init__(self, name="djscc_image_view", in_sig=None, out_sig=None)
        QtWidgets.QLabel.__init__(self)
        self.columns, self.scale = int(columns), int(scale)
        self.sent: dict[int, np.ndarray] = {}
        self.shown: list[int] = []
        self.received: dict[int, np.ndarray] = {}
        self.setAlignment(QtCore.Qt.AlignCenter)
        self.setText("waiting for images")
        self.picture_ready.connect(self._show)
        for name, handler in (("images", self.handle_received), ("reference", self.handle_sent)):
            self.message_port_register_in(pmt.intern(name))
            self.set_msg_handler(pmt.intern(name), handler)

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
        self.picture_ready.emit(self.mosaic())

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

    def _show(self, canvas: np.ndarray):
        canvas = np.ascontiguousarray(canvas)
        height, width = canvas.shape[:2]
        image = QtGui.QImage(canvas.data, width, height, 3 * width, QtGui.QImage.Format_RGB888)
        self.setPixmap(QtGui.QPixmap.fromImage(image.copy()))
