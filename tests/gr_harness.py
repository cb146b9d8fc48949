"""Run GNU Radio message blocks for real: inject PDUs, collect what comes out."""

import threading
import time

import pmt
from gnuradio import blocks, gr


class PduInjector(gr.basic_block):
    """Publishes the given messages on port "out" once the flowgraph has started."""

    def __init__(self, messages):
        gr.basic_block.__init__(self, name="pdu_injector", in_sig=None, out_sig=None)
        self.messages = list(messages)
        self.message_port_register_out(pmt.intern("out"))

    def start(self):
        threading.Thread(target=lambda: [self.message_port_pub(pmt.intern("out"), m)
                                         for m in self.messages], daemon=True).start()
        return True


def run_message_block(block, in_port, messages, out_port, expected, timeout=20.0):
    """Feed ``messages`` to ``block.in_port``; return the first ``expected`` messages that
    ``block.out_port`` publishes (fewer if the timeout passes)."""
    top = gr.top_block()
    injector, debug = PduInjector(messages), blocks.message_debug()
    top.msg_connect(injector, "out", block, in_port)
    top.msg_connect(block, out_port, debug, "store")
    top.start()
    deadline = time.monotonic() + timeout
    while debug.num_messages() < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    if expected == 0:
        time.sleep(0.5)  # give a wrongly published message the chance to show up
    top.stop()
    top.wait()
    return [debug.get_message(i) for i in range(debug.num_messages())]
