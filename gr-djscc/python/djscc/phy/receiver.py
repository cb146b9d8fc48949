"""Streaming burst receiver: detection, CFO, timing, equalization and tracking, SINR.

Per frame:
 1. matched filter (RRC), streaming: the detection stream;
 2. detection: the CFO-invariant delay correlation of the preamble's periods (acquire.py),
    so a carrier offset of up to 6 % of the sample rate costs no detection probability;
 3. coarse CFO from that correlation's phase, its whole-period ambiguity resolved on the
    preamble; the raw samples of the burst are de-rotated and matched-filtered again, so
    the offset takes no energy out of the matched filter's band;
 4. coherent correlation with the whole preamble picks the integer timing (the cover code
    resolves the period ambiguity), a parabola through the peak the fractional one; fine
    CFO from the periods; the spread header despread with phase tracking, CRC checked;
 5. through the payload (track.py): the clock drift that keeps the known symbols on their
    peaks, one phase line through every known symbol, then the equalizer (one gain, FIR,
    widely linear FIR) and pilot smoothing window whose leave-one-out pilot prediction is
    best; the payload divided by the tracked gain, and its SINR per image from the same
    prediction errors.
Whatever the air gives, ``process`` returns the frames it could decode and counts the rest:
header fields are bounded by what a frame can carry, a payload whose pilots hold no signal
is dropped, the search goes on past each header while its payload arrives (a cut or
foreign burst hides no frame that follows; several frames can be in flight), and an
exception in the processing of one burst is counted and skipped.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.signal import lfilter

from djscc.phy.acquire import delay_metric, resolve_cfo
from djscc.phy.estimate import gain_and_noise, phase_line
from djscc.phy.frame import COVER_CODE, HEADER_BITS, CrcError, FrameFormat, Header, spread_header
from djscc.phy.interpolate import sample_at
from djscc.phy.phasor import phasor
from djscc.phy.pulse import rrc_taps
from djscc.phy.track import (
    EQUALIZERS,
    MAX_CLOCK_OFFSET,
    clear_gain,
    clock_drift,
    equalizers,
    track,
    training_noise,
)

DETECTION_THRESHOLD = 0.1  # delay-correlation metric: ~0.1 at most in 1 s of noise, 0.11-0.3 at 0 dB
COHERENT_THRESHOLD = 0.3  # normalized coherent preamble correlation: ~0.06 on noise, 0.5 at 0 dB
# resolve_cfo's quality (coarse CFO, whole-sample timing) below which a crossing is no preamble:
# about 0.07 (90 % below 0.1) where a photo payload's correlated symbols cross the detection
# metric, which happens some 40 times a 15-photo frame; 0.13 and up on preambles the fine
# synchronization finds at -4 dB and below
COARSE_THRESHOLD = 0.1
MAX_SAMPLE_MAGNITUDE = 1e6  # radios deliver about +-1; far beyond is a broken source
HEADER_TRACKING_BITS = 4  # header bits decided between two phase refits
KNOWN_BLOCK = 4  # known symbols summed per phase point in the final fit
WAIT = -1  # _detect: a preamble is coming, its peak not yet complete
EDGE = 16  # samples kept beyond a frame's ends when it is filtered again
PILOT_BLOCK = 8  # pilots summed to tell a block of payload with signal from one of noise alone
SIGNAL_FACTOR = 2.0  # coherent pilot block power over noise's that says signal (e^-2 of noise passes)


@dataclass
class ReceivedFrame:
    """A decoded frame: its header, the equalized payload and the measured channel state."""

    header: Header
    payload: np.ndarray
    snr_db: float  # the payload's SINR after equalization and tracking (mean-square error)
    h_abs: float  # RMS gain through the frame
    phase: float
    cfo: float  # cycles per sample
    noise_var: float
    start_sample: int  # absolute sample index of the preamble's first symbol
    image_snr_db: np.ndarray = field(default_factory=lambda: np.zeros(0))  # the SINR of each image
    # (images, blocks): the SINR of each block of ``pilot_spacing`` symbols of each image
    block_snr_db: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    clock_offset: float = 0.0  # sample-clock rate ratio - 1
    equalizer: str = "gain"


@dataclass
class ReceiverStats:
    samples: int = 0
    invalid_samples: int = 0  # NaN, infinite, or beyond MAX_SAMPLE_MAGNITUDE: zeroed
    detections: int = 0
    frames: int = 0
    crc_failures: int = 0
    bad_headers: int = 0  # a good CRC, but fields no transmitter sends
    bad_payloads: int = 0  # a good header, but most of its pilots hold no signal: not our frame
    truncated: int = 0
    internal_errors: int = 0  # an exception in this receiver's own processing, recovered from

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class BurstReceiver:
    """Feed it sample chunks with ``process``; call ``flush`` at the end of a stream."""

    def __init__(self, fmt: FrameFormat = FrameFormat(), threshold: float = DETECTION_THRESHOLD,
                 max_payload_symbols: int | None = None):
        self.fmt, self.threshold = fmt, threshold
        self.max_payload = min(fmt.max_payload_symbols, max_payload_symbols or fmt.max_payload_symbols)
        self.taps = rrc_taps(fmt.sps, fmt.rolloff, fmt.filter_span)
        self.filter_delay = len(self.taps) - 1  # TX shaping + causal matched filter
        self._filter_state = np.zeros(len(self.taps) - 1, np.complex64)
        self._raw = np.zeros(0, np.complex64)  # input samples not yet consumed, aligned with _z
        self._z = np.zeros(0, np.complex64)  # matched-filtered samples not yet consumed
        self._z_start = 0  # absolute index (input samples) of _z[0], minus the filter delay
        self._search = 0  # index in _z where detection resumes
        # frames whose header is read, waiting for their payload: (absolute t0, cfo, header).
        # The search goes on past each header meanwhile: a header that claims more than was
        # sent, or a burst cut short, must not hide the frames that follow it.
        self._pending: list[tuple[float, float, Header]] = []
        self.stats = ReceiverStats()
        self._period_span = fmt.preamble_period * fmt.sps
        self._preamble_span = fmt.preamble_length * fmt.sps
        # the detection metric of every start in _z computed so far (from _z[0]): each
        # sample's is computed once, not again after a frame or a chunk
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
        if len(samples):
            filtered, self._filter_state = lfilter(self.taps, 1.0, samples, zi=self._filter_state)
            self._raw = np.concatenate([self._raw, samples])
            self._z = np.concatenate([self._z, filtered.astype(np.complex64)])
        frames = self._complete_pending()
        while True:
            try:
                outcome = self._next_frame()
            except Exception:  # whatever the air sent: count it, skip the burst, go on
                self.stats.internal_errors += 1
                self._search += self._preamble_span
                continue
            if outcome is None:
                break
            frames += self._complete_pending()
        self._discard_consumed()
        return frames

    def flush(self) -> list[ReceivedFrame]:
        """End of stream: the frames still waiting for samples are counted as truncated."""
        frames = self.process(np.zeros(self._preamble_span + len(self.taps), np.complex64))
        self.stats.truncated += len(self._pending)
        self._pending = []
        return frames

    def _complete_pending(self) -> list[ReceivedFrame]:
        """Decode the pending frames whose samples have all arrived."""
        frames, waiting = [], []
        for absolute_t0, cfo, header in self._pending:
            t0 = absolute_t0 - self._z_start
            total, _, end = self._frame_span(header, t0)
            if end >= len(self._z):
                waiting.append((absolute_t0, cfo, header))
                continue
            try:
                frame = self._decode(header, t0, cfo, total)
            except Exception:  # counted, as in process
                self.stats.internal_errors += 1
                continue
            if frame is None:
                self.stats.bad_payloads += 1
            else:
                self.stats.frames += 1
                frames.append(frame)
        self._pending = waiting
        return frames

    def _discard_consumed(self) -> None:
        keep_from = max(0, self._search - 2 * self._period_span - len(self.taps))
        for absolute_t0, _, header in self._pending:
            keep_from = min(keep_from, max(0, self._frame_span(header, absolute_t0 - self._z_start)[1]))
        self._raw, self._z = self._raw[keep_from:], self._z[keep_from:]
        self._metric = self._metric[keep_from:]
        self._z_start += keep_from
        self._search -= keep_from

    def _corrected(self, begin: int, end: int, cfo: float) -> np.ndarray:
        """_z[begin:end] as if the carrier offset ``cfo`` had been removed before the matched
        filter: the raw samples de-rotated (phase 0 at ``begin``) and filtered again. Indices
        before the stream's first sample (a long frame's clock-drift margin where the stream
        starts with it) are zeros."""
        before_start = max(0, -begin)
        first = begin + before_start
        lead = min(first, len(self.taps) - 1)
        rotation = phasor(-cfo * np.arange(before_start - lead, end - begin))
        filtered = np.convolve(self._raw[first - lead: end] * rotation, self.taps.astype(np.complex64))
        return np.concatenate([np.zeros(before_start, np.complex64), filtered[lead: lead + end - first]])

    # ---- one frame ----------------------------------------------------------------------
    def _next_frame(self):
        """Look for the next header: True (something consumed, go on), or None (need more
        samples). A good header joins the pending frames."""
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
        begin, end = max(0, start - 2 * self._period_span), start + self._period_span + (header_end + 4) * fmt.sps
        if end >= len(self._z):
            return None  # wait for the header before synchronizing on the preamble
        coarse_cfo, quality = resolve_cfo(self._z, start, fmt)
        if quality < COARSE_THRESHOLD:  # not a preamble: spare the fine synchronization
            self._search = start + self._period_span
            return True
        z = self._corrected(begin, end, coarse_cfo)
        synced = self._synchronize(z, start - begin)
        if synced is None:
            self._search = start + self._period_span
            return True
        t0, fine_cfo = synced
        self.stats.detections += 1
        header, fine_cfo = self._read_header(z, t0, fine_cfo)
        t0 += begin
        if header is None:
            self.stats.crc_failures += 1
            self._search = int(t0) + self._preamble_span
            return True
        if not (1 <= header.images and 1 <= header.symbols_per_image
                and header.payload_symbols <= self.max_payload):
            self.stats.bad_headers += 1
            self._search = int(t0) + self._preamble_span
            return True
        self._pending.append((t0 + self._z_start, coarse_cfo + fine_cfo, header))
        self._search = int(t0) + (fmt.preamble_length + fmt.header_length) * fmt.sps
        return True

    def _frame_span(self, header: Header, t0: float) -> tuple[int, int, int]:
        """(symbols before the guard, first and end index in _z) of the frame starting at t0,
        wide enough for the largest clock offset searched."""
        fmt = self.fmt
        total = fmt.frame_length(header.payload_symbols) - fmt.guard_symbols
        drift = int(np.ceil(MAX_CLOCK_OFFSET * total * fmt.sps))
        return total, int(t0) - EDGE - drift, int(t0 + total * fmt.sps) + EDGE + drift

    def _detect(self, first: int, last: int) -> int | None:
        """Integer index of the first preamble start in _z[first:last]; None if there is
        none; WAIT if one is there but the samples of its peak have not all arrived.

        The metric rises over one period before the start and falls over one after it, so
        the start is the metric's peak over one preamble length from the first crossing.
        It is read a window at a time: a payload's correlated symbols cross the threshold
        now and then, and each of those searches would otherwise scan the whole buffer."""
        self._extend_metric()
        begin, window = first, 8 * self._preamble_span
        while begin < last:
            above = np.flatnonzero(self._metric[begin: min(begin + window, last)] > self.threshold)
            if len(above):
                crossing = begin + int(above[0])
                if crossing + self._preamble_span > len(self._metric):
                    return WAIT
                return crossing + int(np.argmax(self._metric[crossing: crossing + self._preamble_span]))
            begin, window = begin + window, 2 * window  # idle stretches: few, growing reads
        return None

    def _extend_metric(self) -> None:
        """The delay-correlation metric of every start in _z whose whole preamble is there,
        for the starts not computed yet."""
        start = len(self._metric)
        metric, _ = delay_metric(self._z[start:], self.fmt)
        if len(metric):
            self._metric = np.concatenate([self._metric, metric])

    def _synchronize(self, z: np.ndarray, coarse: int) -> tuple[float, float] | None:
        """(fractional start, residual CFO in cycles/sample) of the preamble near ``coarse``
        in ``z``, or None if the coherent correlation says there is none."""
        fmt = self.fmt
        sps, span = fmt.sps, self._period_span
        candidates = np.arange(max(1, coarse - span - sps), coarse + span + sps + 1)
        candidates = candidates[candidates + self._preamble_span + 3 <= len(z)]
        if len(candidates) == 0:
            return None
        # every candidate at once: (candidates, preamble symbols)
        symbols = z[candidates[:, None] + np.arange(0, self._preamble_span, sps)[None, :]]
        periods = symbols.reshape(len(candidates), fmt.preamble_repeats, fmt.preamble_period) \
            @ np.conj(fmt.preamble_period_symbols) * COVER_CODE
        cfos = np.angle(np.sum(np.conj(periods[:, :-1]) * periods[:, 1:], axis=1)) / (2 * np.pi * span)
        rotation = phasor(-cfos[:, None] * (np.arange(fmt.preamble_length) * sps)[None, :])
        coherent = np.abs((symbols * rotation) @ np.conj(fmt.preamble)) ** 2
        best = int(np.argmax(coherent))
        candidate, peak, cfo = int(candidates[best]), coherent[best], float(cfos[best])
        quality = peak / (fmt.preamble_length * np.sum(np.abs(symbols[best]) ** 2) + 1e-20)
        if quality < COHERENT_THRESHOLD:
            return None

        def coherent_at(index):
            s = z[index: index + self._preamble_span: sps]
            rotation = phasor(-cfo * np.arange(fmt.preamble_length) * sps)
            return np.abs(np.vdot(fmt.preamble, s * rotation))

        left, right = coherent_at(candidate - 1), coherent_at(candidate + 1)
        center = np.sqrt(peak)
        curvature = left - 2 * center + right
        offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
        return candidate + float(np.clip(offset, -0.5, 0.5)), float(cfo)

    def _read_header(self, z: np.ndarray, t0: float, cfo: float) -> tuple[Header | None, float]:
        """Decode the spread header, tracking the phase as it goes: the phase line fitted
        on the preamble is extended a few bits at a time, each step deciding the next bits
        and refitting on everything known or decided so far (the preamble alone cannot
        predict the phase across the whole header at 0 dB). (header or None, refined CFO)."""
        fmt = self.fmt
        header_end = fmt.preamble_length + fmt.header_length
        times = t0 + np.arange(header_end) * fmt.sps
        symbols = sample_at(z, times) * phasor(-cfo * (times - t0))
        positions = np.arange(header_end, dtype=float)
        known = fmt.preamble.copy()
        slope, intercept = phase_line(symbols[: len(known)], known, positions[: len(known)],
                                      fmt.preamble_period)
        spreading = fmt.header_spreading
        bits = np.empty(0, np.uint8)
        for _ in range(0, HEADER_BITS, HEADER_TRACKING_BITS):
            span = slice(len(known), len(known) + HEADER_TRACKING_BITS * spreading)
            aligned = symbols[span] * phasor(-(slope * positions[span] + intercept) / (2 * np.pi))
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

    def _equalize(self, z, t0, clock_offset, total, known_at, known, pilot_at, names=EQUALIZERS):
        """The frame's symbols sampled under ``clock_offset``, de-rotated by one phase line
        through the known symbols, through the equalizer of ``names`` whose pilot track
        predicts best: ((slope, intercept, h), equalized symbols, Track, equalizer name);
        None if the pilots show no signal in most of the payload."""
        fmt = self.fmt
        header_end = fmt.preamble_length + fmt.header_length
        received = sample_at(z, t0 + np.arange(total) * fmt.sps * (1 + clock_offset))
        slope, intercept = phase_line(received[known_at], known, known_at.astype(float), KNOWN_BLOCK)
        received = received * phasor(-(slope * np.arange(total) + intercept) / (2 * np.pi))
        h, noise_var = gain_and_noise(received[:header_end], known[:header_end])
        if not self._pilots_hold_signal(received[pilot_at], known[header_end:], h, noise_var):
            return None
        best = None
        for name, equalized in equalizers(received, known[:header_end], names).items():  # simplest first
            # the one gain's noise on the preamble and header is a fair sample; the channel
            # models were fitted there, so only the pilots judge them
            trained = (training_noise(equalized[:header_end], known[:header_end]) if name == "gain"
                       else np.zeros(0))
            channel = track(equalized, pilot_at, known[header_end:], trained)
            if best is None or channel.prediction_error < clear_gain(len(pilot_at)) * best[2].prediction_error:
                best = (slope, intercept, h), equalized, channel, name
        return best

    @staticmethod
    def _pilots_hold_signal(pilots: np.ndarray, known: np.ndarray, h: complex, noise_var: float) -> bool:
        """Whether most blocks of PILOT_BLOCK pilots hold signal: the coherent block power
        against what noise alone would give. A header whose payload never came (a burst cut
        short, a foreign frame whose header happens to pass the CRC) fails it; a faded
        stretch of a real frame does not make up most of it."""
        blocks = max(len(pilots) // PILOT_BLOCK, 1)
        usable = min(len(pilots), blocks * PILOT_BLOCK)
        sums = (pilots[:usable] * np.conj(known[:usable])).reshape(blocks, -1).mean(1)
        present = np.abs(sums) ** 2 > SIGNAL_FACTOR * noise_var / (usable // blocks)
        return bool(present.mean() >= 0.5) or abs(h) ** 2 < noise_var  # a header below 0 dB: no verdict

    def _decode(self, header: Header, t0: float, cfo: float, total: int) -> ReceivedFrame | None:
        """Equalized payload and channel state (see the module's step 5)."""
        fmt = self.fmt
        _, begin, end = self._frame_span(header, t0)
        z = self._corrected(begin, end, cfo)
        t0_local = t0 - begin
        header_end = fmt.preamble_length + fmt.header_length
        count = header.payload_symbols
        pilot_at = header_end + fmt.pilot_positions(count)
        known_at = np.concatenate([np.arange(header_end), pilot_at])
        known = np.concatenate([fmt.preamble, spread_header(header, fmt), fmt.pilots(len(pilot_at))])
        data_at = header_end + fmt.data_positions(count)
        clock_offset = clock_drift(z, t0_local, fmt.sps, known_at, known)
        first = self._equalize(z, t0_local, clock_offset, total, known_at, known, pilot_at)
        if first is None:
            return None  # the preamble and header are there, the payload is not: cut short
        sent = np.empty(total, np.complex64)  # the known symbols, and the payload as first received
        sent[known_at], sent[data_at] = known, first[1][data_at] / first[2].gain[data_at]
        refined = clock_drift(z, t0_local, fmt.sps, np.arange(total), sent, around=clock_offset)
        if refined != clock_offset:  # a frame too short to drift measurably keeps its first pass
            # a refinement of a fraction of a sample: the first pass's equalizer
            again = self._equalize(z, t0_local, refined, total, known_at, known, pilot_at, (first[3],))
            if again is not None:
                clock_offset, first = refined, again
        (slope, intercept, h), equalized, channel, best_name = first
        gain = channel.gain[data_at]
        data = equalized[data_at] / gain
        noise = channel.noise_var[data_at] / np.abs(gain) ** 2  # per data symbol, after the division
        image_noise = noise.reshape(header.images, header.symbols_per_image)
        block_starts = np.arange(0, header.symbols_per_image, fmt.pilot_spacing)
        block_lengths = np.diff(np.append(block_starts, header.symbols_per_image))
        block_noise = np.add.reduceat(image_noise, block_starts, axis=1) / block_lengths
        image_noise = image_noise.mean(1)
        sinr = 1.0 / max(float(noise.mean()), 1e-20)
        h_abs = float(np.abs(h) * np.sqrt(np.mean(np.abs(gain) ** 2)))
        start = self._z_start + t0 - self.filter_delay
        return ReceivedFrame(header=header, payload=data.astype(np.complex64),
                             snr_db=float(10 * np.log10(sinr)), h_abs=h_abs,
                             phase=float(np.angle(h) + intercept),
                             cfo=float(cfo + slope / (2 * np.pi * fmt.sps)),
                             noise_var=h_abs ** 2 / sinr, start_sample=int(round(start)),
                             image_snr_db=-10 * np.log10(np.maximum(image_noise, 1e-20)),
                             block_snr_db=-10 * np.log10(np.maximum(block_noise, 1e-20)),
                             clock_offset=clock_offset, equalizer=best_name)
