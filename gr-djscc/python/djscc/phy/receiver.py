"""Streaming burst receiver: detection, timing, CFO, channel and SNR estimation, equalization.

Per frame:
 1. matched filter (RRC), streaming;
 2. detection: the preamble's 8 periods correlated one by one and summed non-coherently
    (robust to CFO up to 1/(2 * period * sps) cycles/sample), normalized by energy;
 3. coarse CFO from the phase between consecutive periods; coherent correlation with the
    whole preamble picks the integer timing (the cover code resolves the period ambiguity),
    a parabola through the peak the fractional one;
 4. symbols sampled at the fractional instants, de-rotated; fine CFO from the periods again;
 5. least-squares h and noise power on the preamble; the spread header despread with h,
    CRC checked; then h and noise refined on preamble + header (640 known symbols);
 6. payload: residual phase drift fitted on the pilots, zero-forcing equalization by h.
Whatever the air gives, ``process`` returns the frames it could decode and counts the rest.
"""

from dataclasses import dataclass

import numpy as np
from scipy.signal import fftconvolve, lfilter

from djscc.phy.estimate import gain_and_noise, phase_line
from djscc.phy.frame import COVER_CODE, HEADER_BITS, CrcError, FrameFormat, Header, spread_header
from djscc.phy.interpolate import sample_at
from djscc.phy.pulse import rrc_taps

DETECTION_THRESHOLD = 0.3  # normalized preamble correlation: ~0.06 on noise, 0.5 at 0 dB
MAX_PAYLOAD_SYMBOLS = 1 << 18
MAX_SAMPLE_MAGNITUDE = 1e6  # radios deliver about +-1; far beyond is a broken source
HEADER_TRACKING_BITS = 4  # header bits decided between two phase refits
KNOWN_BLOCK = 4  # known symbols summed per phase point in the final fit
WAIT = -1  # _detect: a preamble is coming, its peak not yet complete


@dataclass
class ReceivedFrame:
    """A decoded frame: its header, the equalized payload and the measured channel state."""

    header: Header
    payload: np.ndarray
    snr_db: float
    h_abs: float
    phase: float
    cfo: float  # cycles per sample
    noise_var: float
    start_sample: int  # absolute sample index of the preamble's first symbol


@dataclass
class ReceiverStats:
    samples: int = 0
    invalid_samples: int = 0  # NaN, infinite, or beyond MAX_SAMPLE_MAGNITUDE: zeroed
    detections: int = 0
    frames: int = 0
    crc_failures: int = 0
    bad_headers: int = 0
    truncated: int = 0
    def as_dict(self) -> dict:
        return dict(self.__dict__)


class BurstReceiver:
    """Feed it sample chunks with ``process``; call ``flush`` at the end of a stream."""

    def __init__(self, fmt: FrameFormat = FrameFormat(), threshold: float = DETECTION_THRESHOLD,
                 max_payload_symbols: int = MAX_PAYLOAD_SYMBOLS):
        self.fmt, self.threshold, self.max_payload = fmt, threshold, max_payload_symbols
        self.taps = rrc_taps(fmt.sps, fmt.rolloff, fmt.filter_span)
        self.filter_delay = len(self.taps) - 1  # TX shaping + causal matched filter
        self._filter_state = np.zeros(len(self.taps) - 1, np.complex64)
        self._z = np.zeros(0, np.complex64)  # matched-filtered samples not yet consumed
        self._z_start = 0  # absolute index (input samples) of _z[0], minus the filter delay
        self._search = 0  # index in _z where detection resumes
        # a frame whose header is read, waiting for its payload: (absolute t0, cfo, header),
        # so that the search, synchronization and header are not redone on every chunk
        self._pending: tuple[float, float, Header] | None = None
        self.stats = ReceiverStats()
        period = fmt.preamble_period_symbols
        self._period_kernel = np.zeros((len(period) - 1) * fmt.sps + 1, np.complex64)
        self._period_kernel[:: fmt.sps] = period
        self._period_span = fmt.preamble_period * fmt.sps
        self._preamble_span = fmt.preamble_length * fmt.sps
        self._energy_kernel = np.zeros(self._preamble_span - fmt.sps + 1, np.float32)
        self._energy_kernel[:: fmt.sps] = 1
        # the detection metric of every start in _z computed so far (from _z[0]): each sample's
        # correlation is computed once, not again on every search after a frame or a chunk
        self._metric = np.zeros(0, np.float32)

    # ---- streaming --------------------------------------------------------------------
    def process(self, samples: np.ndarray) -> list[ReceivedFrame]:
        samples = np.asarray(samples, np.complex64).reshape(-1)
        self.stats.samples += len(samples)
        with np.errstate(invalid="ignore", over="ignore"):
            bad = ~(np.abs(samples) <= MAX_SAMPLE_MAGNITUDE)
        if bad.any():
            self.stats.invalid_samples += int(bad.sum())
            samples = np.where(bad, 0, samples).astype(np.complex64)
        filtered, self._filter_state = lfilter(self.taps, 1.0, samples, zi=self._filter_state)
        self._z = np.concatenate([self._z, filtered.astype(np.complex64)])
        frames = []
        while True:
            outcome = self._next_frame()
            if outcome is None:
                break
            if isinstance(outcome, ReceivedFrame):
                frames.append(outcome)
        self._discard_consumed()
        return frames

    def flush(self) -> list[ReceivedFrame]:
        """End of stream: a frame still waiting for samples is counted as truncated."""
        frames = self.process(np.zeros(self._preamble_span + len(self.taps), np.complex64))
        if self._pending is not None:
            self.stats.truncated += 1
            self._pending = None
        return frames

    def _discard_consumed(self) -> None:
        keep_from = max(0, self._search - 2 * self._period_span)
        self._z = self._z[keep_from:]
        self._metric = self._metric[keep_from:]
        self._z_start += keep_from
        self._search -= keep_from

    # ---- one frame ----------------------------------------------------------------------
    def _next_frame(self):
        """A ReceivedFrame, True (something consumed, go on), or None (need more samples)."""
        if self._pending is not None:
            absolute_t0, cfo, header = self._pending
            return self._payload(header, absolute_t0 - self._z_start, cfo)
        fmt = self.fmt
        margin = 3 * self._period_span + 4
        last = len(self._z) - self._preamble_span - margin
        if last <= self._search:
            return None
        start = self._detect(self._search, last)
        if start is None:
            self._search = last
            return None
        if start == WAIT:
            return None
        header_end = fmt.preamble_length + fmt.header_length
        if start + self._period_span + (header_end + 2) * fmt.sps + 3 >= len(self._z):
            return None  # wait for the header before synchronizing on the preamble
        synced = self._synchronize(start)
        if synced is None:
            self._search = start + self._period_span
            return True
        t0, cfo = synced
        if t0 + (header_end + 1) * fmt.sps + 3 >= len(self._z):
            return None  # wait for the header
        self.stats.detections += 1
        header, cfo = self._read_header(t0, cfo)
        if header is None:
            self.stats.crc_failures += 1
            self._search = int(t0) + self._preamble_span
            return True
        if not (1 <= header.images and 1 <= header.symbols_per_image
                and header.payload_symbols <= self.max_payload):
            self.stats.bad_headers += 1
            self._search = int(t0) + self._preamble_span
            return True
        return self._payload(header, t0, cfo)

    def _payload(self, header: Header, t0: float, cfo: float):
        """The frame once all its samples are there (None and pending until then)."""
        fmt = self.fmt
        total = fmt.frame_length(header.payload_symbols) - fmt.guard_symbols
        if t0 + (total + 1) * fmt.sps + 3 >= len(self._z):
            self._pending = (t0 + self._z_start, cfo, header)
            return None
        self._pending = None
        frame = self._decode(header, t0, cfo, total)
        self._search = int(t0 + total * fmt.sps)
        if frame is None:
            self.stats.truncated += 1
            return True
        self.stats.frames += 1
        return frame

    def _detect(self, first: int, last: int) -> int | None:
        """Integer index of the first preamble start in _z[first:last]; None if there is
        none; WAIT if one is there but the samples of its peak have not all arrived.

        The metric crosses the threshold up to a few periods before the start (shifted by
        whole periods, most repeats still line up), so the start is the metric's peak over
        one preamble length from the first crossing."""
        self._extend_metric()
        metric = self._metric[first:]
        above = np.flatnonzero(metric[: max(0, last - first)] > self.threshold)
        if len(above) == 0:
            return None
        end = above[0] + self._preamble_span
        if end > len(metric):
            return WAIT
        return first + above[0] + int(np.argmax(metric[above[0]: end]))

    def _extend_metric(self) -> None:
        """Normalized preamble correlation (non-coherent over the repeated periods) of every
        start in _z whose whole preamble is there, for the starts not computed yet."""
        fmt = self.fmt
        start = len(self._metric)
        region = self._z[start:]
        count = len(region) - self._preamble_span - 1
        if count <= 0:
            return
        period_corr = fftconvolve(region, np.conj(self._period_kernel[::-1]), mode="valid")
        energy = fftconvolve(np.abs(region) ** 2, self._energy_kernel, mode="valid")
        noncoherent = sum(np.abs(period_corr[r * self._period_span: r * self._period_span + count]) ** 2
                          for r in range(fmt.preamble_repeats))
        metric = noncoherent / (fmt.preamble_period * np.maximum(energy[:count], 1e-20))
        self._metric = np.concatenate([self._metric, metric.astype(np.float32)])

    def _synchronize(self, coarse: int) -> tuple[float, float] | None:
        """(fractional start, CFO in cycles/sample) of the preamble near ``coarse``, or None."""
        fmt = self.fmt
        sps, span = fmt.sps, self._period_span
        candidates = np.arange(max(1, coarse - span - sps), coarse + span + sps + 1)
        candidates = candidates[candidates + self._preamble_span + 3 <= len(self._z)]
        if len(candidates) == 0:
            return None
        # every candidate at once: (candidates, preamble symbols)
        symbols = self._z[candidates[:, None] + np.arange(0, self._preamble_span, sps)[None, :]]
        periods = symbols.reshape(len(candidates), fmt.preamble_repeats, fmt.preamble_period) \
            @ np.conj(fmt.preamble_period_symbols) * COVER_CODE
        cfos = np.angle(np.sum(np.conj(periods[:, :-1]) * periods[:, 1:], axis=1)) / (2 * np.pi * span)
        rotation = np.exp(-2j * np.pi * cfos[:, None] * (np.arange(fmt.preamble_length) * sps)[None, :])
        coherent = np.abs((symbols * rotation) @ np.conj(fmt.preamble)) ** 2
        best = int(np.argmax(coherent))
        candidate, peak, cfo = int(candidates[best]), coherent[best], float(cfos[best])
        quality = peak / (fmt.preamble_length * np.sum(np.abs(symbols[best]) ** 2) + 1e-20)
        if quality < self.threshold:
            return None

        def coherent_at(index):
            s = self._z[index: index + self._preamble_span: sps]
            rotation = np.exp(-2j * np.pi * cfo * np.arange(fmt.preamble_length) * sps)
            return np.abs(np.vdot(fmt.preamble, s * rotation))

        left, right = coherent_at(candidate - 1), coherent_at(candidate + 1)
        center = np.sqrt(peak)
        curvature = left - 2 * center + right
        offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
        return candidate + float(np.clip(offset, -0.5, 0.5)), float(cfo)

    def _symbols(self, t0: float, cfo: float, first: int, stop: int) -> np.ndarray:
        """Symbols first..stop-1 of the frame, sampled at t0 + n*sps and de-rotated."""
        n = np.arange(first, stop)
        times = t0 + n * self.fmt.sps
        rotation = np.exp(-2j * np.pi * cfo * (times - t0)).astype(np.complex64)
        return sample_at(self._z, times) * rotation

    def _read_header(self, t0: float, cfo: float) -> tuple[Header | None, float]:
        """Decode the spread header, tracking the phase as it goes: the phase line fitted
        on the preamble is extended a few bits at a time, each step deciding the next bits
        and refitting on everything known or decided so far (the preamble alone cannot
        predict the phase across the whole header at 0 dB). (header or None, refined CFO)."""
        fmt = self.fmt
        header_end = fmt.preamble_length + fmt.header_length
        symbols = self._symbols(t0, cfo, 0, header_end)
        positions = np.arange(header_end, dtype=float)
        known = fmt.preamble.copy()
        slope, intercept = phase_line(symbols[: len(known)], known, positions[: len(known)],
                                      fmt.preamble_period)
        spreading = fmt.header_spreading
        bits = np.empty(0, np.uint8)
        for _ in range(0, HEADER_BITS, HEADER_TRACKING_BITS):
            span = slice(len(known), len(known) + HEADER_TRACKING_BITS * spreading)
            aligned = symbols[span] * np.exp(-1j * (slope * positions[span] + intercept))
            soft = np.real((aligned.reshape(-1, spreading) * fmt.chips).sum(1))
            new_bits = (soft < 0).astype(np.uint8)
            bits = np.concatenate([bits, new_bits])
            chips = ((1.0 - 2.0 * new_bits)[:, None] * fmt.chips[None, :]).reshape(-1)
            known = np.concatenate([known, chips.astype(np.complex64)])
            slope, intercept = phase_line(symbols[: len(known)], known, positions[: len(known)],
                                          spreading)
        cfo += slope / (2 * np.pi * fmt.sps)
        try:
            return Header.from_bits(bits), cfo
        except CrcError:
            return None, cfo

    def _decode(self, header: Header, t0: float, cfo: float, total: int) -> ReceivedFrame | None:
        """Equalized payload and channel state. One phase line (residual CFO and phase) and
        then h and the noise power are fitted jointly on every known symbol of the frame:
        preamble, header and the payload's pilots."""
        fmt = self.fmt
        received = self._symbols(t0, cfo, 0, total)
        header_end = fmt.preamble_length + fmt.header_length
        count = header.payload_symbols
        pilot_at = header_end + fmt.pilot_positions(count)
        known_at = np.concatenate([np.arange(header_end), pilot_at])
        known = np.concatenate([fmt.preamble, spread_header(header, fmt), fmt.pilots(len(pilot_at))])
        slope, intercept = phase_line(received[known_at], known, known_at.astype(float), KNOWN_BLOCK)
        received = received * np.exp(-1j * (slope * np.arange(total) + intercept)).astype(np.complex64)
        h, noise_var = gain_and_noise(received[known_at], known)
        pilot_h, _ = gain_and_noise(received[pilot_at], known[header_end:])
        if np.abs(pilot_h) < 0.5 * np.abs(h) and np.abs(h) ** 2 > 2 * noise_var:
            return None  # the pilots are not there: the burst was cut short
        data = received[header_end + fmt.data_positions(count)] / h
        start = self._z_start + t0 - self.filter_delay
        return ReceivedFrame(header=header, payload=data.astype(np.complex64),
                             snr_db=float(10 * np.log10(np.abs(h) ** 2 / max(noise_var, 1e-20))),
                             h_abs=float(np.abs(h)), phase=float(np.angle(h) + intercept),
                             cfo=float(cfo + slope / (2 * np.pi * fmt.sps)),
                             noise_var=noise_var, start_sample=int(round(start)))
