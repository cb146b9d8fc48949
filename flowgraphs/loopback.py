#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: gr-djscc loopback
# Author: gr-djscc
# Description: Images -> DJSCC encoder -> burst PHY -> GNU Radio channel blocks (optional Rayleigh fading, noise, CFO, clock offset, echo taps, IQ imbalance, phase noise, DC) -> receiver (DC blocker, burst receiver, DA-DJSCC decoder) -> metrics. Headless; runs to completion.
# GNU Radio version: 3.10.5.1

from djscc import blocks as djscc_blocks
from gnuradio import blocks
from gnuradio import channels
from gnuradio.filter import firdes
from gnuradio import gr
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
import cmath, json, math, sys


def snipfcn_snippet_0(self):
    self.djscc_image_sink_0.wait_until_done()
    self.stop()
    self.wait()
    self.djscc_image_sink_0.summary()["received"] or sys.exit("error: no image arrived (see the burst receiver's counts above)")


def snippets_main_after_start(tb):
    snipfcn_snippet_0(tb)


class loopback(gr.top_block):

    def __init__(self, snr_db=10, cfo_hz=1000, clock_ppm=20, fading=0, doppler_hz=10, model='da-djscc_1-12', dataset='samples', num_images=16, images_per_frame=16, seed=0, out_dir='out/loopback', samp_rate=2e6, capture='', taps='1.0', dc_dbc=(-200), phase_noise_deg=0, iq_db=0, iq_deg=0, scheme='djscc', mcs='adaptive', image_size=32, fit='crop'):
        gr.top_block.__init__(self, "gr-djscc loopback", catch_exceptions=True)

        ##################################################
        # Parameters
        ##################################################
        self.snr_db = snr_db
        self.cfo_hz = cfo_hz
        self.clock_ppm = clock_ppm
        self.fading = fading
        self.doppler_hz = doppler_hz
        self.model = model
        self.dataset = dataset
        self.num_images = num_images
        self.images_per_frame = images_per_frame
        self.seed = seed
        self.out_dir = out_dir
        self.samp_rate = samp_rate
        self.capture = capture
        self.taps = taps
        self.dc_dbc = dc_dbc
        self.phase_noise_deg = phase_noise_deg
        self.iq_db = iq_db
        self.iq_deg = iq_deg
        self.scheme = scheme
        self.mcs = mcs
        self.image_size = image_size
        self.fit = fit

        ##################################################
        # Blocks
        ##################################################

        self.djscc_transmitter_0 = djscc_blocks.transmitter(model=model, snr_db=snr_db, images_per_frame=images_per_frame, gap=1000, tail=4000, fill=False, lead=65536, threads=1, scheme=scheme, mcs=mcs)
        self.djscc_receiver_0 = djscc_blocks.receiver(model=model, sample_rate=samp_rate, threshold=0.1, dc_block=True, image_size=image_size, capture_path=capture, center_frequency=0, hardware='software channel', description="gr-djscc loopback through GNU Radio's channel model", settings=json.dumps(dict(snr_db=snr_db, cfo_hz=cfo_hz, clock_ppm=clock_ppm, fading=fading, doppler_hz=doppler_hz, scheme=scheme, mcs=mcs, taps=taps, dc_dbc=dc_dbc, phase_noise_deg=phase_noise_deg, iq_db=iq_db, iq_deg=iq_deg, model=model, dataset=dataset, image_size=image_size, fit=fit, num_images=num_images, images_per_frame=images_per_frame, seed=seed)), threads=1, scheme=scheme)
        self.djscc_image_source_0 = djscc_blocks.image_source(dataset=dataset, count=num_images, rate=0, first=0, repeat=False, image_size=image_size, fit=fit)
        self.djscc_image_sink_0 = djscc_blocks.image_sink(out_dir=out_dir, true_snr_db=snr_db, quiet=False, idle_timeout=(3.0 * max(1, image_size / 32)), ssim=True, scheme=scheme)
        self.channels_phase_noise_gen_0 = channels.phase_noise_gen(math.radians(phase_noise_deg) / math.sqrt(0.0005), 0.001)
        self.channels_iqbal_gen_0 = channels.iqbal_gen(iq_db, iq_deg, 0)
        self.channels_fading_model_0 = channels.fading_model( 8, (doppler_hz / samp_rate), False, 4.0, (seed + 1) )
        self.channels_fading_model_0.set_min_output_buffer(65536)
        self.channels_channel_model_0 = channels.channel_model(
            noise_voltage=(10 ** (-snr_db / 20)),
            frequency_offset=(cfo_hz / samp_rate),
            epsilon=(1.0 + clock_ppm * 1e-6),
            taps=[float(tap) for tap in taps.split(',')],
            noise_seed=seed,
            block_tags=False)
        self.channels_channel_model_0.set_min_output_buffer(65536)
        self.blocks_selector_0 = blocks.selector(gr.sizeof_gr_complex*1,1 if fading else 0,0)
        self.blocks_selector_0.set_enabled(True)
        self.blocks_selector_0.set_min_output_buffer(65536)
        self.blocks_add_const_vxx_0 = blocks.add_const_cc(math.sqrt(0.25 * 10 ** (dc_dbc / 10)) * cmath.exp(0.7j))
        self.blocks_add_const_vxx_0.set_min_output_buffer(65536)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.djscc_image_source_0, 'images'), (self.djscc_image_sink_0, 'reference'))
        self.msg_connect((self.djscc_image_source_0, 'images'), (self.djscc_transmitter_0, 'images'))
        self.msg_connect((self.djscc_receiver_0, 'images'), (self.djscc_image_sink_0, 'images'))
        self.msg_connect((self.djscc_receiver_0, 'csi'), (self.djscc_transmitter_0, 'csi'))
        self.connect((self.blocks_add_const_vxx_0, 0), (self.djscc_receiver_0, 0))
        self.connect((self.blocks_selector_0, 0), (self.channels_channel_model_0, 0))
        self.connect((self.channels_channel_model_0, 0), (self.channels_iqbal_gen_0, 0))
        self.connect((self.channels_fading_model_0, 0), (self.blocks_selector_0, 1))
        self.connect((self.channels_iqbal_gen_0, 0), (self.channels_phase_noise_gen_0, 0))
        self.connect((self.channels_phase_noise_gen_0, 0), (self.blocks_add_const_vxx_0, 0))
        self.connect((self.djscc_transmitter_0, 0), (self.blocks_selector_0, 0))
        self.connect((self.djscc_transmitter_0, 0), (self.channels_fading_model_0, 0))


    def get_snr_db(self):
        return self.snr_db

    def set_snr_db(self, snr_db):
        self.snr_db = snr_db
        self.channels_channel_model_0.set_noise_voltage((10 ** (-self.snr_db / 20)))
        self.djscc_transmitter_0.set_snr_db(self.snr_db)

    def get_cfo_hz(self):
        return self.cfo_hz

    def set_cfo_hz(self, cfo_hz):
        self.cfo_hz = cfo_hz
        self.channels_channel_model_0.set_frequency_offset((self.cfo_hz / self.samp_rate))

    def get_clock_ppm(self):
        return self.clock_ppm

    def set_clock_ppm(self, clock_ppm):
        self.clock_ppm = clock_ppm
        self.channels_channel_model_0.set_timing_offset((1.0 + self.clock_ppm * 1e-6))

    def get_fading(self):
        return self.fading

    def set_fading(self, fading):
        self.fading = fading
        self.blocks_selector_0.set_input_index(1 if self.fading else 0)

    def get_doppler_hz(self):
        return self.doppler_hz

    def set_doppler_hz(self, doppler_hz):
        self.doppler_hz = doppler_hz
        self.channels_fading_model_0.set_fDTs((self.doppler_hz / self.samp_rate))

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

    def get_images_per_frame(self):
        return self.images_per_frame

    def set_images_per_frame(self, images_per_frame):
        self.images_per_frame = images_per_frame

    def get_seed(self):
        return self.seed

    def set_seed(self, seed):
        self.seed = seed

    def get_out_dir(self):
        return self.out_dir

    def set_out_dir(self, out_dir):
        self.out_dir = out_dir

    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate
        self.channels_fading_model_0.set_fDTs((self.doppler_hz / self.samp_rate))
        self.channels_channel_model_0.set_frequency_offset((self.cfo_hz / self.samp_rate))

    def get_capture(self):
        return self.capture

    def set_capture(self, capture):
        self.capture = capture

    def get_taps(self):
        return self.taps

    def set_taps(self, taps):
        self.taps = taps

    def get_dc_dbc(self):
        return self.dc_dbc

    def set_dc_dbc(self, dc_dbc):
        self.dc_dbc = dc_dbc
        self.blocks_add_const_vxx_0.set_k(math.sqrt(0.25 * 10 ** (self.dc_dbc / 10)) * cmath.exp(0.7j))

    def get_phase_noise_deg(self):
        return self.phase_noise_deg

    def set_phase_noise_deg(self, phase_noise_deg):
        self.phase_noise_deg = phase_noise_deg
        self.channels_phase_noise_gen_0.set_noise_mag(math.radians(self.phase_noise_deg) / math.sqrt(0.0005))

    def get_iq_db(self):
        return self.iq_db

    def set_iq_db(self, iq_db):
        self.iq_db = iq_db
        self.channels_iqbal_gen_0.set_magnitude(self.iq_db)

    def get_iq_deg(self):
        return self.iq_deg

    def set_iq_deg(self, iq_deg):
        self.iq_deg = iq_deg
        self.channels_iqbal_gen_0.set_phase(self.iq_deg)

    def get_scheme(self):
        return self.scheme

    def set_scheme(self, scheme):
        self.scheme = scheme

    def get_mcs(self):
        return self.mcs

    def set_mcs(self, mcs):
        self.mcs = mcs

    def get_image_size(self):
        return self.image_size

    def set_image_size(self, image_size):
        self.image_size = image_size

    def get_fit(self):
        return self.fit

    def set_fit(self, fit):
        self.fit = fit



def argument_parser():
    description = 'Images -> DJSCC encoder -> burst PHY -> GNU Radio channel blocks (optional Rayleigh fading, noise, CFO, clock offset, echo taps, IQ imbalance, phase noise, DC) -> receiver (DC blocker, burst receiver, DA-DJSCC decoder) -> metrics. Headless; runs to completion.'
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "-s", "--snr-db", dest="snr_db", type=eng_float, default=eng_notation.num_to_str(float(10)),
        help="Set SNR (dB) [default=%(default)r]")
    parser.add_argument(
        "--cfo-hz", dest="cfo_hz", type=eng_float, default=eng_notation.num_to_str(float(1000)),
        help="Set CFO (Hz) [default=%(default)r]")
    parser.add_argument(
        "--clock-ppm", dest="clock_ppm", type=eng_float, default=eng_notation.num_to_str(float(20)),
        help="Set Clock offset (ppm) [default=%(default)r]")
    parser.add_argument(
        "--fading", dest="fading", type=intx, default=0,
        help="Set Rayleigh fading (0/1) [default=%(default)r]")
    parser.add_argument(
        "--doppler-hz", dest="doppler_hz", type=eng_float, default=eng_notation.num_to_str(float(10)),
        help="Set Doppler (Hz) [default=%(default)r]")
    parser.add_argument(
        "-m", "--model", dest="model", type=str, default='da-djscc_1-12',
        help="Set Model [default=%(default)r]")
    parser.add_argument(
        "--dataset", dest="dataset", type=str, default='samples',
        help="Set Dataset [default=%(default)r]")
    parser.add_argument(
        "-n", "--num-images", dest="num_images", type=intx, default=16,
        help="Set Images [default=%(default)r]")
    parser.add_argument(
        "--images-per-frame", dest="images_per_frame", type=intx, default=16,
        help="Set Images per frame [default=%(default)r]")
    parser.add_argument(
        "--seed", dest="seed", type=intx, default=0,
        help="Set Seed [default=%(default)r]")
    parser.add_argument(
        "-o", "--out-dir", dest="out_dir", type=str, default='out/loopback',
        help="Set Output folder [default=%(default)r]")
    parser.add_argument(
        "-r", "--samp-rate", dest="samp_rate", type=eng_float, default=eng_notation.num_to_str(float(2e6)),
        help="Set Sample rate [default=%(default)r]")
    parser.add_argument(
        "--capture", dest="capture", type=str, default='',
        help="Set SigMF capture path (empty: none) [default=%(default)r]")
    parser.add_argument(
        "--taps", dest="taps", type=str, default='1.0',
        help="Set Channel taps at the sample rate (comma separated) [default=%(default)r]")
    parser.add_argument(
        "--dc-dbc", dest="dc_dbc", type=eng_float, default=eng_notation.num_to_str(float((-200))),
        help="Set DC offset (dBc; -200 = none) [default=%(default)r]")
    parser.add_argument(
        "--phase-noise-deg", dest="phase_noise_deg", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set Phase noise (deg RMS) [default=%(default)r]")
    parser.add_argument(
        "--iq-db", dest="iq_db", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set IQ imbalance, magnitude (dB) [default=%(default)r]")
    parser.add_argument(
        "--iq-deg", dest="iq_deg", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set IQ imbalance, phase (deg) [default=%(default)r]")
    parser.add_argument(
        "--scheme", dest="scheme", type=str, default='djscc',
        help="Set Scheme (djscc, digital or both) [default=%(default)r]")
    parser.add_argument(
        "--mcs", dest="mcs", type=str, default='adaptive',
        help="Set Digital MCS (adaptive, or e.g. 16QAM 1/2) [default=%(default)r]")
    parser.add_argument(
        "--image-size", dest="image_size", type=intx, default=32,
        help="Set Image size S [default=%(default)r]")
    parser.add_argument(
        "--fit", dest="fit", type=str, default='crop',
        help="Set Fit (crop, resize or tile) [default=%(default)r]")
    return parser


def main(top_block_cls=loopback, options=None):
    if options is None:
        options = argument_parser().parse_args()
    tb = top_block_cls(snr_db=options.snr_db, cfo_hz=options.cfo_hz, clock_ppm=options.clock_ppm, fading=options.fading, doppler_hz=options.doppler_hz, model=options.model, dataset=options.dataset, num_images=options.num_images, images_per_frame=options.images_per_frame, seed=options.seed, out_dir=options.out_dir, samp_rate=options.samp_rate, capture=options.capture, taps=options.taps, dc_dbc=options.dc_dbc, phase_noise_deg=options.phase_noise_deg, iq_db=options.iq_db, iq_deg=options.iq_deg, scheme=options.scheme, mcs=options.mcs, image_size=options.image_size, fit=options.fit)

    def sig_handler(sig=None, frame=None):
        tb.stop()
        tb.wait()

        sys.exit(0)

    signal.signal(signal.SIGINT, sig_handler)
    signal.signal(signal.SIGTERM, sig_handler)

    tb.start()
    snippets_main_after_start(tb)
    tb.wait()


if __name__ == '__main__':
    main()
