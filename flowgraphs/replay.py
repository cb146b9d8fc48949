#!/usr/bin/env python3
"""Decode a SigMF capture offline: file samples -> receiver (the live one) -> image sink.

Prints and writes (--out-dir: summary.json, mosaic.png) the same per-image metrics as the
live flowgraph that recorded it; the sent images are taken from the dataset named in the
capture's settings, at its image size and fit (a photo run's S x S images, as sent). Same
samples, same blocks: a capture of the software-channel loopback replays to the live run's
numbers exactly. Exit status 1 when no image was decoded, 2 on bad input.

  python flowgraphs/replay.py captures/software-channel_awgn_snr10db.sigmf-meta [--model NAME] [--out-dir D]
"""

import argparse
import sys

import numpy as np
from gnuradio import blocks, gr

from djscc import blocks as djscc_blocks
from djscc import captures
from djscc.blocks.image_source import source_images
from djscc.errors import DjsccError
from djscc.nn import zoo


def replay(capture: str, model: str | None, out_dir: str, sps: int, rolloff: float) -> dict:
    samples, info, annotations = captures.read(capture)
    settings = info.get("djscc:settings", {})
    model = model or settings.get("model", "da-djscc_1-12")
    scheme = settings.get("scheme", "djscc")
    image_size = int(settings.get("image_size", 32))  # captures from before photos: CIFAR's 32 x 32
    if scheme == "djscc":
        zoo.load_codec(model)  # a model that cannot decode images is refused here, not per frame
    top = gr.top_block()
    source = blocks.file_source(gr.sizeof_gr_complex, str(captures.data_path(capture)), False)  # streamed
    receiver = djscc_blocks.receiver(model=model, sample_rate=info["core:sample_rate"], sps=sps,
                                     rolloff=rolloff, scheme=scheme, image_size=image_size)
    sink = djscc_blocks.image_sink(out_dir=out_dir, true_snr_db=float(settings.get("snr_db", np.nan)),
                                   scheme=scheme)
    images, image_ids, places = source_images(settings.get("dataset", "samples"), int(settings.get("num_images", 0)),
                                              image_size=image_size, fit=settings.get("fit", "crop"))
    for image_id, image, place in zip(image_ids, images, places):
        sink.add_reference(image_id, image, place)
    top.connect(source, receiver)
    top.msg_connect(receiver, "images", sink, "images")
    print(f"replaying {captures.stem(capture)}: {len(samples)} samples at "
          f"{info['core:sample_rate']:g} S/s, {len(annotations)} annotated frames, {info.get('core:hw')}")
    top.run()  # the file source ends the stream; the message blocks drain, then stop
    print(f"receiver: {receiver.stats()}")
    return sink.summary()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("capture", help="PATH, PATH.sigmf-meta or PATH.sigmf-data")
    parser.add_argument("--model", help="decoder model (default: the one in the capture's settings)")
    parser.add_argument("--out-dir", default="",
                        help="write summary.json and mosaic.png here (and photos/ for a tiled photo run)")
    parser.add_argument("--sps", type=int, default=4)
    parser.add_argument("--rolloff", type=float, default=0.35)
    args = parser.parse_args(argv)
    try:
        summary = replay(args.capture, args.model, args.out_dir, args.sps, args.rolloff)
    except DjsccError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if summary["received"] == 0:  # a replay that delivered nothing is a failure
        print(f"error: no image of the capture was decoded and matched ({summary['sent']} sent, "
              f"{summary['unmatched']} unmatched)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
