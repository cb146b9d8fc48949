#!/usr/bin/env bash
# gr-djscc's commands, each installing what is missing first:
#   ./run.sh loopback  the main job: flowgraphs/loopback.py (shipped model, shipped sample
#                      images, GNU Radio channel model) -> out/loopback/
#   ./run.sh test      the linter (ruff) and the test suite (pytest)
#   ./run.sh demo      every shipped model over a torch AWGN channel -> out/demo/
#   ./run.sh grc       GNU Radio Companion with the gr-djscc blocks and package on its paths
#   ./run.sh setup     only install: Debian's gnuradio (and GRC's GTK), .venv (system Python,
#                      --system-site-packages), this package with its pins, GRC's block path
# Extra arguments go to the job (e.g. ./run.sh loopback --snr-db 5, ./run.sh test -k zoo).
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
PY=$VENV/bin/python

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian's GNU Radio 3.10 (built for /usr/bin/python3, which the venv is made from), python3-venv,
# and gir1.2-gtk-3.0 for GNU Radio Companion's window (left out by --no-install-recommends);
# the tests add xvfb, the X server they start GRC in.
DEBIAN_PACKAGES=(gnuradio python3-venv gir1.2-gtk-3.0)

install_debian_packages() {
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return
    echo "== installing Debian's ${missing[*]} (apt)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}"
}

install_venv() {
    [ -x "$PY" ] || /usr/bin/python3 -m venv --system-site-packages "$VENV"
    local stamp=$VENV/.installed
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
        echo "== installing gr-djscc and its pinned dependencies into $VENV"
        "$PY" -m pip install -q --upgrade -c constraints.txt pip
        "$PY" -m pip install -q -c constraints.txt -e '.[test]'
        touch "$stamp"
    fi
    # numpy 2 in the venv would break GNU Radio's bindings: check they still load.
    "$PY" -c 'import numpy; from gnuradio import gr; assert numpy.__version__ < "2"' || {
        echo "error: GNU Radio does not import in $VENV (numpy $("$PY" -c 'import numpy; print(numpy.__version__)'))" >&2
        exit 1
    }
}

register_grc_blocks() {
    # GRC finds block definitions through local_blocks_path in ~/.gnuradio/config.conf. This
    # checkout's gr-djscc/grc replaces any other gr-djscc block folder there (a folder with
    # djscc.tree.yml, or a gone one named gr-djscc/grc): GRC would load both, one over the other.
    "$PY" - "$PWD/gr-djscc/grc" <<'PYTHON'
import configparser, pathlib, sys
ours = sys.argv[1]
path = pathlib.Path.home() / ".gnuradio" / "config.conf"
config = configparser.ConfigParser(interpolation=None)
config.optionxform = str  # keep the other settings' keys as they are written
config.read(path)
entries = [p for p in config.get("grc", "local_blocks_path", fallback="").split(":") if p]
def gr_djscc(entry):
    folder = pathlib.Path(entry).expanduser()
    return (folder / "djscc.tree.yml").exists() or folder.parts[-2:] == ("gr-djscc", "grc")
paths = [p for p in entries if not gr_djscc(p)] + [ours]
if paths != entries:
    if not config.has_section("grc"):
        config.add_section("grc")
    config.set("grc", "local_blocks_path", ":".join(paths))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as file:
        config.write(file)
    print(f"== GRC: local_blocks_path = {':'.join(paths)} in {path}")
PYTHON
}

setup() { install_debian_packages "${DEBIAN_PACKAGES[@]}" "$@"; install_venv; register_grc_blocks; }

job=${1:-}
[ $# -gt 0 ] && shift
case "$job" in
    setup) setup ;;
    loopback)
        setup
        "$PY" flowgraphs/loopback.py "$@" ;;
    demo)
        setup
        "$VENV/bin/djscc-demo" "$@" ;;
    grc)
        setup
        # GRC runs flowgraphs with the system Python: give it the venv's packages too.
        site=$("$PY" -c 'import site; print(site.getsitepackages()[0])')
        # GRC_COMMAND replaces the launcher (tests/test_grc.py runs GRC through it).
        PYTHONPATH="$PWD/gr-djscc/python:$site${PYTHONPATH:+:$PYTHONPATH}" \
            GRC_BLOCKS_PATH="$PWD/gr-djscc/grc" ${GRC_COMMAND:-gnuradio-companion} "$@" ;;
    test)
        setup xvfb
        "$VENV/bin/ruff" check .
        "$PY" -m pytest "$@" ;;
    *)
        sed -n '2,10p' "$0" >&2
        exit 2 ;;
esac
