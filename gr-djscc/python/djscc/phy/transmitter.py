"""Frame symbols -> RRC-shaped complex samples."""

import numpy as np

from djscc.phy.frame import FrameFormat, Header, build_frame
from djscc.phy.pulse import rrc_taps, shape


def modulate(header: Header, payload: np.ndarray, fmt: FrameFormat = FrameFormat()) -> np.ndarray:
    """One burst of complex64 samples at fmt.sps samples/symbol, unit symbol energy."""
    taps = rrc_taps(fmt.sps, fmt.rolloff, fmt.filter_span)
    return shape(build_frame(header, payload, fmt), fmt.sps, taps)
