"""DC blocker: the input minus a single-pole average of it.

No delay (a finite stream's last burst is not held back, as by GNU Radio's moving-average
dc_blocker_cc), and a notch only fs / (2 pi time_constant) wide: 19 Hz at 2 Msps for the
default, which takes nothing measurable of a burst. Settles in a few time constants.
"""

from gnuradio import blocks, gr
from gnuradio import filter as gr_filter

from djscc.errors import InputError

TIME_CONSTANT = 16384  # samples: 8 ms at 2 Msps
STREAM_BUFFER = 65536


class dc_blocker(gr.hier_block2):
    def __init__(self, time_constant: int = TIME_CONSTANT):
        gr.hier_block2.__init__(self, "djscc_dc_blocker", gr.io_signature(1, 1, gr.sizeof_gr_complex),
                                gr.io_signature(1, 1, gr.sizeof_gr_complex))
        if not time_constant >= 1:
            raise InputError(f"dc_blocker time_constant must be at least 1 sample, not {time_constant}")
        self.average = gr_filter.single_pole_iir_filter_cc(1.0 / time_constant)
        self.difference = blocks.sub_cc()
        self.difference.set_min_output_buffer(STREAM_BUFFER)
        self.connect(self, (self.difference, 0))
        self.connect(self, self.average, (self.difference, 1))
        self.connect(self.difference, self)
