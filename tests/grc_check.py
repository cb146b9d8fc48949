"""GNU Radio Companion as a person starts it (its own launcher, unchanged) on the given .grc
files; once its window is up, writes what it loaded to a JSON report, saves a screenshot of
the window and quits. Run by tests/test_grc.py under an X server, through ./run.sh grc:

    GRC_COMMAND="/usr/bin/python3 tests/grc_check.py REPORT.json SHOT.png" ./run.sh grc FILES
"""

import json
import logging
import runpy
import shutil
import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import Gdk, Gio, GLib  # noqa: E402

report_path, screenshot_path, *files = sys.argv[1:]
warnings = []
window_up = []  # one entry a poll: was GRC's window mapped


class Collect(logging.Handler):
    def emit(self, record):
        warnings.append(record.getMessage())


def report():
    """Polled from GRC's main loop: once its window has been up for a second (so drawn),
    the flowgraphs it opened are all in."""
    app = Gio.Application.get_default()
    window = getattr(app, "main_window", None)
    window_up.append(window is not None and window.get_mapped())
    if window_up[-4:] != [True] * 4:
        return True
    pages = [{"file": page.file_path, "blocks": len(page.flow_graph.blocks),
              "missing": sorted(block.key for block in page.flow_graph.blocks if block.is_dummy_block),
              "errors": page.flow_graph.get_error_messages()}
             for page in window.get_pages()]
    gdk_window = window.get_window()
    width, height = gdk_window.get_width(), gdk_window.get_height()
    Gdk.pixbuf_get_from_window(gdk_window, 0, 0, width, height).savev(screenshot_path, "png", [], [])
    with open(report_path, "w") as file:
        json.dump({"pages": pages, "warnings": warnings, "window": [width, height]}, file, indent=1)
    app.quit()
    return False


logging.getLogger("gnuradio.grc").addHandler(Collect(logging.WARNING))
GLib.timeout_add(250, report)
launcher = shutil.which("gnuradio-companion")
sys.argv = [launcher, *files]
runpy.run_path(launcher, run_name="__main__")
