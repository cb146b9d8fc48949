"""A DjsccError that ends a flowgraph script is one line on stderr, not a traceback.

GRC's generated main() builds the flowgraph without catching anything (and its .py must be
exactly what grcc makes), so a block's constructor that refuses its arguments (a model or
dataset that is not there, an out_dir that cannot be written) would end the script with a
traceback. Importing djscc.blocks installs this hook: such an error prints "error: ..." and
the script exits with status 1, as Python does for any uncaught exception.
"""

import sys

from djscc.errors import DjsccError

_previous_hook = sys.excepthook


def _print_one_line(kind, error, traceback):
    if isinstance(error, DjsccError):
        print(f"error: {error}", file=sys.stderr, flush=True)
    else:
        _previous_hook(kind, error, traceback)


def install() -> None:
    """Put the hook in place; other exceptions still go to the hook that was there."""
    sys.excepthook = _print_one_line
