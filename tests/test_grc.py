"""GNU Radio Companion on this checkout: ./run.sh registers its blocks in place of another
checkout's, and GRC, started headless under Xvfb, opens every flowgraph with every block."""

import configparser
import json
import os
import shutil
import subprocess

import numpy as np
import pytest
from conftest import REPO
from PIL import Image

OURS = str(REPO / "gr-djscc" / "grc")
FLOWGRAPHS = sorted(str(path) for path in (REPO / "flowgraphs").glob("*.grc"))


@pytest.fixture(scope="module")
def display():
    """An Xvfb X server on a free display number."""
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb not found: ./run.sh test installs it (Debian's xvfb)"
    read, write = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0", "1600x1000x24",
                               "-nolisten", "tcp"], pass_fds=[write], stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def home(tmp_path):
    """A HOME whose GRC config lists another gr-djscc checkout's blocks (still on disk), a
    gone one, an unrelated block folder, and a setting of another section."""
    other = tmp_path / "old-checkout-blocks"
    shutil.copytree(OURS, other)
    unrelated = tmp_path / "my-blocks"
    unrelated.mkdir()
    (tmp_path / ".gnuradio").mkdir()
    (tmp_path / ".gnuradio" / "config.conf").write_text(
        f"[grc]\nlocal_blocks_path = {other}:/gone/gr-djscc/grc:{unrelated}\n"
        "[PerfCounters]\nexport = True\n")
    return tmp_path


def run_sh(home, *args, **env):
    return subprocess.run([str(REPO / "run.sh"), *args], env={**os.environ, "HOME": str(home), **env},
                          capture_output=True, text=True, timeout=120)


def test_setup_registers_this_checkout_in_place_of_another(home):
    first = run_sh(home, "setup")
    assert first.returncode == 0, first.stderr
    config = configparser.ConfigParser(interpolation=None)
    config.optionxform = str
    config.read(home / ".gnuradio" / "config.conf")
    assert config.get("grc", "local_blocks_path") == f"{home / 'my-blocks'}:{OURS}"
    assert config.get("PerfCounters", "export") == "True"
    written = (home / ".gnuradio" / "config.conf").read_text()
    again = run_sh(home, "setup")
    assert again.returncode == 0 and "GRC" not in again.stdout
    assert (home / ".gnuradio" / "config.conf").read_text() == written


def test_grc_opens_every_flowgraph_with_every_block(home, display, tmp_path):
    """Through ./run.sh grc, as a user opens them; a copy of one flowgraph naming a block
    that does not exist shows that a missing block would be seen."""
    broken = tmp_path / "broken.grc"
    broken.write_text((REPO / "flowgraphs" / "loopback.grc").read_text()
                      .replace("id: djscc_image_sink", "id: djscc_no_such_block"))
    report, screenshot = tmp_path / "report.json", tmp_path / "grc.png"
    command = f"/usr/bin/python3 {REPO / 'tests' / 'grc_check.py'} {report} {screenshot}"
    grc = run_sh(home, "grc", *FLOWGRAPHS, str(broken), DISPLAY=display, GRC_COMMAND=command)
    assert grc.returncode == 0 and report.exists(), grc.stdout + grc.stderr
    result = json.loads(report.read_text())
    # GRC's log: no block definition loaded over another, no parameter it cannot evaluate
    assert result["warnings"] == []
    pages = {page["file"]: page for page in result["pages"]}
    assert sorted(pages) == sorted([*FLOWGRAPHS, str(broken)])
    for name in FLOWGRAPHS:
        assert pages[name]["blocks"] > 10 and pages[name]["missing"] == [], name
        assert pages[name]["errors"] == [], name
    assert pages[str(broken)]["missing"] == ["djscc_no_such_block"]
    pixels = np.asarray(Image.open(screenshot).convert("L"), np.float64)
    assert pixels.shape == tuple(result["window"][::-1]) and pixels.std() > 20  # drawn, not blank
