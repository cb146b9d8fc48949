"""Run GNU Radio message blocks for real: inject PDUs, collect what comes out."""

import threading

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


def run_message_block(block, in_port, messages, out_port, timeout=20.0):
    """Feed ``messages`` to ``block.in_port``; return every message ``block.out_port``
    publishes for them.

    The inputs are posted to the block's queue, then "done" on its system port (as
    gr-satellites' QA tests do): the block handles every input before it finishes, its
    subscribers finish after it, and ``top.wait()`` returns then: no sleeping, no polling."""
    top = gr.top_block()
    debug = blocks.message_debug()
    top.msg_connect(block, out_port, debug, "store")
    for message in messages:
        block._post(pmt.intern(in_port), message)
    block._post(pmt.intern("system"), pmt.cons(pmt.intern("done"), pmt.from_long(1)))
    top.start()
    finished = threading.Thread(target=top.wait, daemon=True)
    finished.start()
    finished.join(timeout)
    if finished.is_alive():  # a block that never finishes: fail the test, do not hang it
        top.stop()
        raise TimeoutError(f"{block.name()} did not finish within {timeout} s")
    return [debug.get_message(i) for i in range(debug.num_messages())]
