"""flowgraphs/loopback_gui.py run as a person runs it (its main(), with its arguments),
watched from inside: once its image view has shown IMAGES images of every scheme, writes what the window
shows to a JSON report, saves a screenshot of the window and closes it. Run by
tests/test_gui.py with QT_QPA_PLATFORM=offscreen:

    python tests/gui_check.py REPORT.json SHOT.png IMAGES [loopback_gui.py's options]
"""

import faulthandler
import importlib.util
import json
import math
import sys
import time
from pathlib import Path

from PyQt5 import Qt

faulthandler.enable()  # a crash (seen once: SIGSEGV at exit) prints every thread's stack into the test's log
report_path, screenshot_path, images = sys.argv[1], sys.argv[2], int(sys.argv[3])
flowgraph = Path(__file__).resolve().parents[1] / "flowgraphs" / "loopback_gui.py"
spec = importlib.util.spec_from_file_location("loopback_gui", flowgraph)
loopback_gui = importlib.util.module_from_spec(spec)
spec.loader.exec_module(loopback_gui)
TIMEOUT_S = 120


class Watched(loopback_gui.loopback_gui):
    def __init__(self, **options):
        super().__init__(**options)
        self.started = time.monotonic()
        self.poll = Qt.QTimer()
        self.poll.timeout.connect(self.check)
        self.poll.start(200)

    def check(self):
        view = self.djscc_image_view_0
        shown_enough = all(len(history) >= images for history in view.history.values())
        if not shown_enough and time.monotonic() - self.started < TIMEOUT_S:
            return
        self.poll.stop()
        self.stop()  # no image after this one: the numbers the view shows catch up with its history
        self.wait()
        Qt.QApplication.processEvents()  # the queued updates of the images that came last
        self.grab().save(screenshot_path)
        report = {
            "window": [self.width(), self.height()],
            "needed": [self.top_widget.sizeHint().width(), self.top_widget.sizeHint().height()],
            "scroll_bars": [self.top_scroll.horizontalScrollBar().isVisible(),
                            self.top_scroll.verticalScrollBar().isVisible()],
            "numbers": view.numbers.text(),
            "rows": [label.text() for label in view.row_names],
            "psnr": {name: [None if math.isnan(v) else v for v in history] for name, history in view.history.items()},
            "snr": [None if math.isnan(v) else v for v in view.snr_history],
            "shown": view.shown,
            "shown_per_scheme": {name: [i for i in view.shown if i in received]
                                 for name, received in view.received.items()},
            "mcs": view.last["mcs"],
        }
        with open(report_path, "w") as file:
            json.dump(report, file, indent=1)
        self.close()  # the flowgraph's closeEvent stops it; the application quits


sys.argv = [str(flowgraph), *sys.argv[4:]]
loopback_gui.main(top_block_cls=Watched)
