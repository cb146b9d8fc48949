"""Burst source: frame PDUs -> a sample stream, bursts separated by gaps of silence.

Where the stream goes through a software channel, the gaps become noise, so the receiver
has to find each burst for itself. After the end-of-stream PDU it sends ``tail`` zeros and
finishes, which ends a run-to-completion flowgraph. With ``fill`` it sends zeros while it
has no burst to send: a radio sink needs an unbroken stream, and paces it. ``lead`` zeros
come before the first burst: a receiver listens before a transmitter starts, and its DC
blocker has settled by then. Where several framers feed it (a transmitter of both schemes),
the stream ends after the last of their ``end_of_streams`` end-of-stream PDUs.
"""

import collections

import numpy as np
import pmt
from gnuradio import gr

from djscc.blocks import pdu
from djscc.errors import InputError


class burst_source(gr.sync_block):
    def __init__(self, gap: int = 1000, tail: int = 4000, fill: bool = False, lead: int = 0,
                 end_of_streams: int = 1):
        gr.sync_block.__init__(self, name="djscc_burst_source", in_sig=None, out_sig=[np.complex64])
        if min(int(gap), int(tail), int(lead)) < 0:
            raise InputError(f"burst_source gap {gap}, tail {tail} and lead {lead} must not be negative")
        if int(end_of_streams) < 1:
            raise InputError(f"burst_source end_of_streams must be at least 1, not {end_of_streams}")
        self.end_of_streams_left = int(end_of_streams)
        self.gap, self.tail, self.fill = int(gap), int(tail), bool(fill)
        self.queue: collections.deque[np.ndarray] = collections.deque([np.zeros(int(lead), np.complex64)])
        self.current = np.zeros(0, np.complex64)
        self.finished = False
        self.bursts = 0
        self.message_port_register_in(pmt.intern("frames"))
        self.set_msg_handler(pmt.intern("frames"), self.handle)

    def handle(self, message):
        if pdu.is_end_of_stream(message):
            self.end_of_streams_left -= 1
            if self.end_of_streams_left == 0:
                self.queue.append(np.zeros(self.tail, np.complex64))
                self.finished = True
            return
        try:
            _, samples = pdu.parse(message, np.complex64)
        except ValueError as error:
            gr.log.warn(f"djscc burst_source: {error}")
            return
        self.queue.append(np.concatenate([np.zeros(self.gap, np.complex64), samples]))
        self.bursts += 1

    def work(self, input_items, output_items):
        out = output_items[0]
        written = 0
        while written < len(out):
            if len(self.current) == 0:
                if not self.queue:
                    break
                self.current = self.queue.popleft()
                continue
            count = min(len(out) - written, len(self.current))
            out[written:written + count] = self.current[:count]
            self.current = self.current[count:]
            written += count
        if written == 0 and self.finished and not self.queue:
            return -1  # WORK_DONE
        if written == 0 and self.fill:
            out[:] = 0
            return len(out)
        return written
