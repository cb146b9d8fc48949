#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: gr-djscc loopback (Qt GUI)
# Author: gr-djscc
# Description: The loopback, live and paced at the sample rate: spectrum of the channel output, constellation of the equalized payload symbols, the images sent over those received in each scheme (--scheme both: DJSCC and the digital link side by side, --mcs adaptive or fixed) with each image's PSNR and the SNR estimate (numbers and a time plot). Drag the SNR slider: the digital link falls off its cliff, DJSCC degrades gracefully.
# GNU Radio version: 3.10.5.1

from packaging.version import Version as StrictVersion

if __name__ == '__main__':
    import ctypes
    import sys
    if sys.platform.startswith('linux'):
        try:
            x11 = ctypes.cdll.LoadLibrary('libX11.so')
            x11.XInitThreads()
        except:
            print("Warning: failed to XInitThreads()")

from PyQt5 import Qt
from gnuradio import qtgui
from gnuradio.filter import firdes
import sip
from djscc import blocks as djscc_blocks
from djscc.blocks.image_view import image_view as djscc_image_view
from gnuradio import blocks
from gnuradio import channels
from gnuradio import gr
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio.qtgui import Range, RangeWidget
from PyQt5 import QtCore


def snipfcn_open_showing_everything(self):
    # Open at the size the widgets need (the scroll area alone asks for about 550x370).
    margins = self.top_scroll_layout.contentsMargins()
    needed = self.top_widget.sizeHint() + Qt.QSize(margins.left() + margins.right(), margins.top() + margins.bottom())
    self.resize(needed.expandedTo(self.size()))


def snippets_main_after_init(tb):
    snipfcn_open_showing_everything(tb)

from gnuradio import qtgui

class loopback_gui(gr.top_block, Qt.QWidget):

    def __init__(self, cfo_hz=1000, clock_ppm=20, fading=0, doppler_hz=10, model='da-djscc_1-12', dataset='samples', images_per_second=8, images_per_frame=4, seed=0, samp_rate=2e6, scheme='both', mcs='adaptive', image_size=32, fit='crop'):
        gr.top_block.__init__(self, "gr-djscc loopback (Qt GUI)", catch_exceptions=True)
        Qt.QWidget.__init__(self)
        self.setWindowTitle("gr-djscc loopback (Qt GUI)")
        qtgui.util.check_set_qss()
        try:
            self.setWindowIcon(Qt.QIcon.fromTheme('gnuradio-grc'))
        except:
            pass
        self.top_scroll_layout = Qt.QVBoxLayout()
        self.setLayout(self.top_scroll_layout)
        self.top_scroll = Qt.QScrollArea()
        self.top_scroll.setFrameStyle(Qt.QFrame.NoFrame)
        self.top_scroll_layout.addWidget(self.top_scroll)
        self.top_scroll.setWidgetResizable(True)
        self.top_widget = Qt.QWidget()
        self.top_scroll.setWidget(self.top_widget)
        self.top_layout = Qt.QVBoxLayout(self.top_widget)
        self.top_grid_layout = Qt.QGridLayout()
        self.top_layout.addLayout(self.top_grid_layout)

        self.settings = Qt.QSettings("GNU Radio", "loopback_gui")

        try:
            if StrictVersion(Qt.qVersion()) < StrictVersion("5.0.0"):
                self.restoreGeometry(self.settings.value("geometry").toByteArray())
            else:
                self.restoreGeometry(self.settings.value("geometry"))
        except:
            pass

        ##################################################
        # Parameters
        ##################################################
        self.cfo_hz = cfo_hz
        self.clock_ppm = clock_ppm
        self.fading = fading
        self.doppler_hz = doppler_hz
        self.model = model
        self.dataset = dataset
        self.images_per_second = images_per_second
        self.images_per_frame = images_per_frame
        self.seed = seed
        self.samp_rate = samp_rate
        self.scheme = scheme
        self.mcs = mcs
        self.image_size = image_size
        self.fit = fit

        ##################################################
        # Variables
        ##################################################
        self.snr_db = snr_db = 10

        ##################################################
        # Blocks
        ##################################################

        self._snr_db_range = Range(-5, 30, 0.5, 10, 200)
        self._snr_db_win = RangeWidget(self._snr_db_range, self.set_snr_db, "SNR (dB)", "counter_slider", float, QtCore.Qt.Horizontal)
        self.top_grid_layout.addWidget(self._snr_db_win, 0, 0, 1, 2)
        for r in range(0, 1):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.qtgui_freq_sink_x_0 = qtgui.freq_sink_c(
            1024, #size
            window.WIN_BLACKMAN_hARRIS, #wintype
            0, #fc
            samp_rate, #bw
            'Channel output', #name
            1,
            None # parent
        )
        self.qtgui_freq_sink_x_0.set_update_time(0.10)
        self.qtgui_freq_sink_x_0.set_y_axis((-100), 10)
        self.qtgui_freq_sink_x_0.set_y_label('Relative Gain', 'dB')
        self.qtgui_freq_sink_x_0.set_trigger_mode(qtgui.TRIG_MODE_FREE, 0.0, 0, "")
        self.qtgui_freq_sink_x_0.enable_autoscale(False)
        self.qtgui_freq_sink_x_0.enable_grid(False)
        self.qtgui_freq_sink_x_0.set_fft_average(0.2)
        self.qtgui_freq_sink_x_0.enable_axis_labels(True)
        self.qtgui_freq_sink_x_0.enable_control_panel(True)
        self.qtgui_freq_sink_x_0.set_fft_window_normalized(False)



        labels = ['', '', '', '', '',
            '', '', '', '', '']
        widths = [1, 1, 1, 1, 1,
            1, 1, 1, 1, 1]
        colors = ["blue", "red", "green", "black", "cyan",
            "magenta", "yellow", "dark red", "dark green", "dark blue"]
        alphas = [1.0, 1.0, 1.0, 1.0, 1.0,
            1.0, 1.0, 1.0, 1.0, 1.0]

        for i in range(1):
            if len(labels[i]) == 0:
                self.qtgui_freq_sink_x_0.set_line_label(i, "Data {0}".format(i))
            else:
                self.qtgui_freq_sink_x_0.set_line_label(i, labels[i])
            self.qtgui_freq_sink_x_0.set_line_width(i, widths[i])
            self.qtgui_freq_sink_x_0.set_line_color(i, colors[i])
            self.qtgui_freq_sink_x_0.set_line_alpha(i, alphas[i])

        self._qtgui_freq_sink_x_0_win = sip.wrapinstance(self.qtgui_freq_sink_x_0.qwidget(), Qt.QWidget)
        self.top_grid_layout.addWidget(self._qtgui_freq_sink_x_0_win, 1, 0, 1, 1)
        for r in range(1, 2):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 1):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.qtgui_const_sink_x_0 = qtgui.const_sink_c(
            1024, #size
            'Equalized payload symbols', #name
            0, #number of inputs
            None # parent
        )
        self.qtgui_const_sink_x_0.set_update_time(0.10)
        self.qtgui_const_sink_x_0.set_y_axis((-3), 3)
        self.qtgui_const_sink_x_0.set_x_axis((-3), 3)
        self.qtgui_const_sink_x_0.set_trigger_mode(qtgui.TRIG_MODE_FREE, qtgui.TRIG_SLOPE_POS, 0.0, 0, "")
        self.qtgui_const_sink_x_0.enable_autoscale(False)
        self.qtgui_const_sink_x_0.enable_grid(False)
        self.qtgui_const_sink_x_0.enable_axis_labels(True)


        labels = ['', '', '', '', '',
            '', '', '', '', '']
        widths = [1, 1, 1, 1, 1,
            1, 1, 1, 1, 1]
        colors = ["blue", "red", "red", "red", "red",
            "red", "red", "red", "red", "red"]
        styles = [0, 0, 0, 0, 0,
            0, 0, 0, 0, 0]
        markers = [0, 0, 0, 0, 0,
            0, 0, 0, 0, 0]
        alphas = [1.0, 1.0, 1.0, 1.0, 1.0,
            1.0, 1.0, 1.0, 1.0, 1.0]

        for i in range(1):
            if len(labels[i]) == 0:
                self.qtgui_const_sink_x_0.set_line_label(i, "Data {0}".format(i))
            else:
                self.qtgui_const_sink_x_0.set_line_label(i, labels[i])
            self.qtgui_const_sink_x_0.set_line_width(i, widths[i])
            self.qtgui_const_sink_x_0.set_line_color(i, colors[i])
            self.qtgui_const_sink_x_0.set_line_style(i, styles[i])
            self.qtgui_const_sink_x_0.set_line_marker(i, markers[i])
            self.qtgui_const_sink_x_0.set_line_alpha(i, alphas[i])

        self._qtgui_const_sink_x_0_win = sip.wrapinstance(self.qtgui_const_sink_x_0.qwidget(), Qt.QWidget)
        self.top_grid_layout.addWidget(self._qtgui_const_sink_x_0_win, 1, 1, 1, 1)
        for r in range(1, 2):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(1, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.djscc_transmitter_0 = djscc_blocks.transmitter(model=model, snr_db=snr_db, images_per_frame=images_per_frame, gap=1000, tail=4000, fill=True, lead=0, threads=1, scheme=scheme, mcs=mcs)
        self.djscc_receiver_0 = djscc_blocks.receiver(model=model, sample_rate=samp_rate, threshold=0.1, dc_block=True, image_size=image_size, capture_path='', center_frequency=0, hardware='software channel', description='', settings='{}', threads=1, scheme=scheme)
        self.djscc_image_view_0 = djscc_image_view(columns=8, scale=3, image_size=image_size, true_snr_db=snr_db,
            scheme=scheme)
        self._djscc_image_view_0_win = self.djscc_image_view_0
        self.top_grid_layout.addWidget(self._djscc_image_view_0_win, 2, 0, 1, 2)
        for r in range(2, 3):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.djscc_image_source_0 = djscc_blocks.image_source(dataset=dataset, count=0, rate=images_per_second, first=0, repeat=True, image_size=image_size, fit=fit)
        self.channels_fading_model_0 = channels.fading_model( 8, (doppler_hz / samp_rate), False, 4.0, (seed + 1) )
        self.channels_channel_model_0 = channels.channel_model(
            noise_voltage=(10 ** (-snr_db / 20)),
            frequency_offset=(cfo_hz / samp_rate),
            epsilon=(1.0 + clock_ppm * 1e-6),
            taps=[1.0],
            noise_seed=seed,
            block_tags=False)
        self.blocks_throttle_0 = blocks.throttle(gr.sizeof_gr_complex*1, samp_rate,True)
        self.blocks_selector_0 = blocks.selector(gr.sizeof_gr_complex*1,1 if fading else 0,0)
        self.blocks_selector_0.set_enabled(True)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.djscc_image_source_0, 'images'), (self.djscc_image_view_0, 'reference'))
        self.msg_connect((self.djscc_image_source_0, 'images'), (self.djscc_transmitter_0, 'images'))
        self.msg_connect((self.djscc_receiver_0, 'images'), (self.djscc_image_view_0, 'images'))
        self.msg_connect((self.djscc_receiver_0, 'csi'), (self.djscc_transmitter_0, 'csi'))
        self.msg_connect((self.djscc_receiver_0, 'frames'), (self.qtgui_const_sink_x_0, 'in'))
        self.connect((self.blocks_selector_0, 0), (self.channels_channel_model_0, 0))
        self.connect((self.blocks_throttle_0, 0), (self.blocks_selector_0, 0))
        self.connect((self.blocks_throttle_0, 0), (self.channels_fading_model_0, 0))
        self.connect((self.channels_channel_model_0, 0), (self.djscc_receiver_0, 0))
        self.connect((self.channels_channel_model_0, 0), (self.qtgui_freq_sink_x_0, 0))
        self.connect((self.channels_fading_model_0, 0), (self.blocks_selector_0, 1))
        self.connect((self.djscc_transmitter_0, 0), (self.blocks_throttle_0, 0))


    def closeEvent(self, event):
        self.settings = Qt.QSettings("GNU Radio", "loopback_gui")
        self.settings.setValue("geometry", self.saveGeometry())
        self.stop()
        self.wait()

        event.accept()

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

    def get_images_per_second(self):
        return self.images_per_second

    def set_images_per_second(self, images_per_second):
        self.images_per_second = images_per_second

    def get_images_per_frame(self):
        return self.images_per_frame

    def set_images_per_frame(self, images_per_frame):
        self.images_per_frame = images_per_frame

    def get_seed(self):
        return self.seed

    def set_seed(self, seed):
        self.seed = seed

    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate
        self.blocks_throttle_0.set_sample_rate(self.samp_rate)
        self.channels_fading_model_0.set_fDTs((self.doppler_hz / self.samp_rate))
        self.channels_channel_model_0.set_frequency_offset((self.cfo_hz / self.samp_rate))
        self.qtgui_freq_sink_x_0.set_frequency_range(0, self.samp_rate)

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

    def get_snr_db(self):
        return self.snr_db

    def set_snr_db(self, snr_db):
        self.snr_db = snr_db
        self.channels_channel_model_0.set_noise_voltage((10 ** (-self.snr_db / 20)))
        self.djscc_image_view_0.set_true_snr_db(self.snr_db)
        self.djscc_transmitter_0.set_snr_db(self.snr_db)



def argument_parser():
    description = "The loopback, live and paced at the sample rate: spectrum of the channel output, constellation of the equalized payload symbols, the images sent over those received in each scheme (--scheme both: DJSCC and the digital link side by side, --mcs adaptive or fixed) with each image's PSNR and the SNR estimate (numbers and a time plot). Drag the SNR slider: the digital link falls off its cliff, DJSCC degrades gracefully."
    parser = ArgumentParser(description=description)
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
        "--images-per-second", dest="images_per_second", type=eng_float, default=eng_notation.num_to_str(float(8)),
        help="Set Images/s [default=%(default)r]")
    parser.add_argument(
        "--images-per-frame", dest="images_per_frame", type=intx, default=4,
        help="Set Images per frame [default=%(default)r]")
    parser.add_argument(
        "--seed", dest="seed", type=intx, default=0,
        help="Set Seed [default=%(default)r]")
    parser.add_argument(
        "-r", "--samp-rate", dest="samp_rate", type=eng_float, default=eng_notation.num_to_str(float(2e6)),
        help="Set Sample rate [default=%(default)r]")
    parser.add_argument(
        "--scheme", dest="scheme", type=str, default='both',
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


def main(top_block_cls=loopback_gui, options=None):
    if options is None:
        options = argument_parser().parse_args()

    if StrictVersion("4.5.0") <= StrictVersion(Qt.qVersion()) < StrictVersion("5.0.0"):
        style = gr.prefs().get_string('qtgui', 'style', 'raster')
        Qt.QApplication.setGraphicsSystem(style)
    qapp = Qt.QApplication(sys.argv)

    tb = top_block_cls(cfo_hz=options.cfo_hz, clock_ppm=options.clock_ppm, fading=options.fading, doppler_hz=options.doppler_hz, model=options.model, dataset=options.dataset, images_per_second=options.images_per_second, images_per_frame=options.images_per_frame, seed=options.seed, samp_rate=options.samp_rate, scheme=options.scheme, mcs=options.mcs, image_size=options.image_size, fit=options.fit)
    snippets_main_after_init(tb)
    tb.start()

    tb.show()

    def sig_handler(sig=None, frame=None):
        tb.stop()
        tb.wait()

        Qt.QApplication.quit()

    signal.signal(signal.SIGINT, sig_handler)
    signal.signal(signal.SIGTERM, sig_handler)

    timer = Qt.QTimer()
    timer.start(500)
    timer.timeout.connect(lambda: None)

    qapp.exec_()

if __name__ == '__main__':
    main()
