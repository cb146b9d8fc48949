#!/usr/bin/env bash
# gr-djscc's two commands, each installing what is missing first:
#   ./run.sh demo    the main job: shipped models on the shipped sample images -> out/demo/
#   ./run.sh test    the test suite (pytest)
#   ./run.sh setup   only install: Debian's gnuradio, .venv (system Python, with
#                    --system-site-packages), this package with its pins
# Extra arguments go to the job (e.g. ./run.sh test -k zoo).
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
PY=$VENV/bin/python

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_debian_packages() {
    # GNU Radio 3.10 is built for Debian's /usr/bin/python3; the venv is made from it.
    if /usr/bin/python3 -c 'from gnuradio import gr; import ensurepip' 2>/dev/null; then return; fi
    echo "== installing Debian's gnuradio and python3-venv (apt)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        gnuradio python3-venv
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

setup() { install_debian_packages; install_venv; }

job=${1:-}
[ $# -gt 0 ] && shift
case "$job" in
    setup) setup ;;
    demo)
        setup
        "$VENV/bin/djscc-demo" "$@" ;;
    test)
        setup
        "$PY" -m pytest "$@" ;;
    *)
        sed -n '2,8p' "$0" >&2
        exit 2 ;;
esac
