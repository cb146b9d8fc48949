#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: gr-djscc transmitter, USRP (gr-uhd)
# Author: gr-djscc
# Description: Images -> DJSCC encoder -> burst PHY -> USRP (gr-uhd). No feedback link over the air: the encoder uses the SNR parameter. Sends the images once (or forever with repeat), then stops.
# GNU Radio version: 3.10.5.1

from djscc import blocks as djscc_blocks
from gnuradio import blocks
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




class usrp_tx(gr.top_block):

    def __init__(self, frequency=915e6, ppm=0, samp_rate=2e6, gain=50, device_args='', model='da-djscc_1-12', dataset='samples', num_images=0, repeat=0, images_per_second=4, images_per_frame=4, snr_db=10, amplitude=0.3, image_size=32, fit='crop'):
        gr.top_block.__init__(self, "gr-djscc transmitter, USRP (gr-uhd)", catch_exceptions=True)

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
        self.repeat = repeat
        self.images_per_second = images_per_second
        self.images_per_frame = images_per_frame
        self.snr_db = snr_db
        self.amplitude = amplitude
        self.image_size = image_size
        self.fit = fit

        ##################################################
        # Blocks
        ##################################################

        self.radio_sink = uhd.usrp_sink(
            ",".join((device_args, '')),
            uhd.stream_args(
                cpu_format="fc32",
                args='',
                channels=list(range(0,1)),
            ),
            '',
        )
        self.radio_sink.set_samp_rate(samp_rate)
        # No synchronization enforced.

        self.radio_sink.set_center_freq(frequency * (1 - ppm * 1e-6), 0)
        self.radio_sink.set_antenna('TX/RX', 0)
        self.radio_sink.set_gain(gain, 0)
        self.djscc_transmitter_0 = djscc_blocks.transmitter(model=model, snr_db=snr_db, images_per_frame=images_per_frame, gap=1000, tail=4000, fill=True, lead=0, threads=1, scheme='djscc', mcs='adaptive')
        self.djscc_image_source_0 = djscc_blocks.image_source(dataset=dataset, count=num_images, rate=images_per_second, first=0, repeat=bool(repeat), image_size=image_size, fit=fit)
        self.blocks_multiply_const_vxx_0 = blocks.multiply_const_cc(amplitude)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.djscc_image_source_0, 'images'), (self.djscc_transmitter_0, 'images'))
        self.connect((self.blocks_multiply_const_vxx_0, 0), (self.radio_sink, 0))
        self.connect((self.djscc_transmitter_0, 0), (self.blocks_multiply_const_vxx_0, 0))


    def get_frequency(self):
        return self.frequency

    def set_frequency(self, frequency):
        self.frequency = frequency
        self.radio_sink.set_center_freq(self.frequency * (1 - self.ppm * 1e-6), 0)

    def get_ppm(self):
        return self.ppm

    def set_ppm(self, ppm):
        self.ppm = ppm
        self.radio_sink.set_center_freq(self.frequency * (1 - self.ppm * 1e-6), 0)

    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate
        self.radio_sink.set_samp_rate(self.samp_rate)

    def get_gain(self):
        return self.gain

    def set_gain(self, gain):
        self.gain = gain
        self.radio_sink.set_gain(self.gain, 0)

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

    def get_repeat(self):
        return self.repeat

    def set_repeat(self, repeat):
        self.repeat = repeat

    def get_images_per_second(self):
        return self.images_per_second

    def set_images_per_second(self, images_per_second):
        self.images_per_second = images_per_second

    def get_images_per_frame(self):
        return self.images_per_frame

    def set_images_per_frame(self, images_per_frame):
        self.images_per_frame = images_per_frame

    def get_snr_db(self):
        return self.snr_db

    def set_snr_db(self, snr_db):
        self.snr_db = snr_db
        self.djscc_transmitter_0.set_snr_db(self.snr_db)

    def get_amplitude(self):
        return self.amplitude

    def set_amplitude(self, amplitude):
        self.amplitude = amplitude
        self.blocks_multiply_const_vxx_0.set_k(self.amplitude)

    def get_image_size(self):
        return self.image_size

    def set_image_size(self, image_size):
        self.image_size = image_size

    def get_fit(self):
        return self.fit

    def set_fit(self, fit):
        self.fit = fit



def argument_parser():
    description = 'Images -> DJSCC encoder -> burst PHY -> USRP (gr-uhd). No feedback link over the air: the encoder uses the SNR parameter. Sends the images once (or forever with repeat), then stops.'
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
        help="Set Dataset [default=%(default)r]")
    parser.add_argument(
        "-n", "--num-images", dest="num_images", type=intx, default=0,
        help="Set Images (0 = all) [default=%(default)r]")
    parser.add_argument(
        "--repeat", dest="repeat", type=intx, default=0,
        help="Set Repeat (0/1) [default=%(default)r]")
    parser.add_argument(
        "--images-per-second", dest="images_per_second", type=eng_float, default=eng_notation.num_to_str(float(4)),
        help="Set Images/s [default=%(default)r]")
    parser.add_argument(
        "--images-per-frame", dest="images_per_frame", type=intx, default=4,
        help="Set Images per frame [default=%(default)r]")
    parser.add_argument(
        "-s", "--snr-db", dest="snr_db", type=eng_float, default=eng_notation.num_to_str(float(10)),
        help="Set SNR the encoder assumes (dB) [default=%(default)r]")
    parser.add_argument(
        "--amplitude", dest="amplitude", type=eng_float, default=eng_notation.num_to_str(float(0.3)),
        help="Set Baseband amplitude [default=%(default)r]")
    parser.add_argument(
        "--image-size", dest="image_size", type=intx, default=32,
        help="Set Image size S [default=%(default)r]")
    parser.add_argument(
        "--fit", dest="fit", type=str, default='crop',
        help="Set Fit (crop, resize or tile) [default=%(default)r]")
    return parser


def main(top_block_cls=usrp_tx, options=None):
    if options is None:
        options = argument_parser().parse_args()
    tb = top_block_cls(frequency=options.frequency, ppm=options.ppm, samp_rate=options.samp_rate, gain=options.gain, device_args=options.device_args, model=options.model, dataset=options.dataset, num_images=options.num_images, repeat=options.repeat, images_per_second=options.images_per_second, images_per_frame=options.images_per_frame, snr_db=options.snr_db, amplitude=options.amplitude, image_size=options.image_size, fit=options.fit)

    def sig_handler(sig=None, frame=None):
        tb.stop()
        tb.wait()

        sys.exit(0)

    signal.signal(signal.SIGINT, sig_handler)
    signal.signal(signal.SIGTERM, sig_handler)

    tb.start()

    tb.wait()


if __name__ == '__main__':
    main()
