#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: gr-djscc receiver, USRP (gr-uhd)
# Author: gr-djscc
# Description: USRP (gr-uhd) -> burst receiver (pilot-based SNR, |h|, CFO) -> DJSCC decoder -> metrics against the same dataset as the transmitter; optionally records a SigMF capture. Press Enter to stop.
# GNU Radio version: 3.10.5.1

from djscc import blocks as djscc_blocks
from gnuradio import gr
from gnuradio.filter import firdes
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio import uhd
import time
import json




class usrp_rx(gr.top_block):

    def __init__(self, frequency=915e6, ppm=0, samp_rate=2e6, gain=50, device_args='', model='da-djscc_1-12', dataset='samples', num_images=0, out_dir='out/usrp_rx', capture='', image_size=32, fit='crop'):
        gr.top_block.__init__(self, "gr-djscc receiver, USRP (gr-uhd)", catch_exceptions=True)

        ##################################################
        # Parameters
        ##################################################
        self.frequency = frequency
        self.ppm = ppm
        self.samp_rate = samp_rate
        self.gain = gain
        self.device_args = device_args
        self.model = model
        self.dataset = dataset
        self.num_images = num_images
        self.out_dir = out_dir
        self.capture = capture
        self.image_size = image_size
        self.fit = fit

        ##################################################
        # Blocks
        ##################################################

        self.radio_source = uhd.usrp_source(
            ",".join((device_args, '')),
            uhd.stream_args(
                cpu_format="fc32",
                args='',
                channels=list(range(0,1)),
            ),
        )
        self.radio_source.set_samp_rate(samp_rate)
        # No synchronization enforced.

        self.radio_source.set_center_freq(frequency * (1 - ppm * 1e-6), 0)
        self.radio_source.set_antenna('RX2', 0)
        self.radio_source.set_gain(gain, 0)
        self.radio_source.set_min_output_buffer(65536)
        self.djscc_receiver_0 = djscc_blocks.receiver(model=model, sample_rate=samp_rate, threshold=0.1, dc_block=True, image_size=image_size, capture_path=capture, center_frequency=frequency, hardware='USRP ' + device_args, description='gr-djscc over the air, received by a USRP (gr-uhd)', settings=json.dumps(dict(model=model, dataset=dataset, num_images=num_images, image_size=image_size, fit=fit, gain=gain, device_args=device_args)), threads=1, scheme='djscc')
        self.djscc_image_source_0 = djscc_blocks.image_source(dataset=dataset, count=num_images, rate=0, first=0, repeat=False, image_size=image_size, fit=fit)
        self.djscc_image_sink_0 = djscc_blocks.image_sink(out_dir=out_dir, true_snr_db=float('nan'), quiet=False, idle_timeout=(3.0 * max(1, image_size / 32)), ssim=True, scheme='djscc')


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.djscc_image_source_0, 'images'), (self.djscc_image_sink_0, 'reference'))
        self.msg_connect((self.djscc_receiver_0, 'images'), (self.djscc_image_sink_0, 'images'))
        self.connect((self.radio_source, 0), (self.djscc_receiver_0, 0))


    def get_frequency(self):
        return self.frequency

    def set_frequency(self, frequency):
        self.frequency = frequency
        self.radio_source.set_center_freq(self.frequency * (1 - self.ppm * 1e-6), 0)

    def get_ppm(self):
        return self.ppm

    def set_ppm(self, ppm):
        self.ppm = ppm
        self.radio_source.set_center_freq(self.frequency * (1 - self.ppm * 1e-6), 0)

    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate
        self.radio_source.set_samp_rate(self.samp_rate)

    def get_gain(self):
        return self.gain

    def set_gain(self, gain):
        self.gain = gain
        self.radio_source.set_gain(self.gain, 0)

    def get_device_args(self):
        return self.device_args

    def set_device_args(self, device_args):
        self.device_args = device_args

    def get_model(self):
        return self.model

    def set_model(self, model):
        self.model = model

    def get_dataset(self):
        return self.dataset

    def set_dataset(self, dataset):
        self.dataset = dataset

    def get_num_images(self):
        return self.num_images

    def set_num_images(self, num_images):
        self.num_images = num_images

    def get_out_dir(self):
        return self.out_dir

    def set_out_dir(self, out_dir):
        self.out_dir = out_dir

    def get_capture(self):
        return self.capture

    def set_capture(self, capture):
        self.capture = capture

    def get_image_size(self):
        return self.image_size

    def set_image_size(self, image_size):
        self.image_size = image_size

    def get_fit(self):
        return self.fit

    def set_fit(self, fit):
        self.fit = fit



def argument_parser():
    description = 'USRP (gr-uhd) -> burst receiver (pilot-based SNR, |h|, CFO) -> DJSCC decoder -> metrics against the same dataset as the transmitter; optionally records a SigMF capture. Press Enter to stop.'
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "-f", "--frequency", dest="frequency", type=eng_float, default=eng_notation.num_to_str(float(915e6)),
        help="Set Center frequency (Hz) [default=%(default)r]")
    parser.add_argument(
        "--ppm", dest="ppm", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set Frequency correction (ppm) [default=%(default)r]")
    parser.add_argument(
        "-r", "--samp-rate", dest="samp_rate", type=eng_float, default=eng_notation.num_to_str(float(2e6)),
        help="Set Sample rate [default=%(default)r]")
    parser.add_argument(
        "-g", "--gain", dest="gain", type=eng_float, default=eng_notation.num_to_str(float(50)),
        help="Set Gain (dB) [default=%(default)r]")
    parser.add_argument(
        "--device-args", dest="device_args", type=str, default='',
        help="Set Device arguments [default=%(default)r]")
    parser.add_argument(
        "-m", "--model", dest="model", type=str, default='da-djscc_1-12',
        help="Set Model [default=%(default)r]")
    parser.add_argument(
        "--dataset", dest="dataset", type=str, default='samples',
        help="Set Dataset (the transmitter's) [default=%(default)r]")
    parser.add_argument(
        "-n", "--num-images", dest="num_images", type=intx, default=0,
        help="Set Images (0 = all) [default=%(default)r]")
    parser.add_argument(
        "-o", "--out-dir", dest="out_dir", type=str, default='out/usrp_rx',
        help="Set Output folder [default=%(default)r]")
    parser.add_argument(
        "--capture", dest="capture", type=str, default='',
        help="Set SigMF capture path (empty: none) [default=%(default)r]")
    parser.add_argument(
        "--image-size", dest="image_size", type=intx, default=32,
        help="Set Image size S [default=%(default)r]")
    parser.add_argument(
        "--fit", dest="fit", type=str, default='crop',
        help="Set Fit (crop, resize or tile) [default=%(default)r]")
    return parser


def main(top_block_cls=usrp_rx, options=None):
    if options is None:
        options = argument_parser().parse_args()
    tb = top_block_cls(frequency=options.frequency, ppm=options.ppm, samp_rate=options.samp_rate, gain=options.gain, device_args=options.device_args, model=options.model, dataset=options.dataset, num_images=options.num_images, out_dir=options.out_dir, capture=options.capture, image_size=options.image_size, fit=options.fit)

    def sig_handler(sig=None, frame=None):
        tb.stop()
        tb.wait()

        sys.exit(0)

    signal.signal(signal.SIGINT, sig_handler)
    signal.signal(signal.SIGTERM, sig_handler)

    tb.start()

    try:
        input('Press Enter to quit: ')
    except EOFError:
        pass
    tb.stop()
    tb.wait()


if __name__ == '__main__':
    main()
