"""GNU Radio blocks of gr-djscc: thin glue over djscc.nn and djscc.phy.

Per-image data travels as PDUs (meta dict + vector); inference runs in message handlers,
never in a streaming work(). Keep a reference to every block in the flowgraph.
"""

from djscc.blocks import flowgraph_errors
from djscc.blocks.burst_receiver import burst_receiver
from djscc.blocks.burst_source import burst_source
from djscc.blocks.capture_writer import capture_writer
from djscc.blocks.dc_blocker import dc_blocker
from djscc.blocks.decoder import decoder
from djscc.blocks.digital_decoder import digital_decoder
from djscc.blocks.digital_encoder import digital_encoder
from djscc.blocks.encoder import encoder
from djscc.blocks.framer import framer
from djscc.blocks.image_sink import image_sink
from djscc.blocks.image_source import image_source
from djscc.blocks.receiver import receiver
from djscc.blocks.transmitter import transmitter

__all__ = ["burst_receiver", "burst_source", "capture_writer", "dc_blocker", "decoder", "digital_decoder",
           "digital_encoder", "encoder", "framer", "image_sink", "image_source", "receiver", "transmitter"]

flowgraph_errors.install()  # a DjsccError ending a flowgraph script is one line
