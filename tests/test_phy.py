"""The numpy PHY: pulse, frame, and the burst receiver's estimates at known impairments."""

import numpy as np
import pytest

from djscc.phy.acquire import resolve_cfo
from djscc.phy.estimate import robust_unwrap
from djscc.phy.frame import CrcError, FrameFormat, Header, build_frame
from djscc.phy.impair import impair
from djscc.phy.phasor import phasor
from djscc.phy.pulse import matched_filter, rrc_taps, shape
from djscc.phy.receiver import COARSE_THRESHOLD, WAIT, BurstReceiver
from djscc.phy.track import track, training_noise
from djscc.phy.transmitter import modulate

FMT = FrameFormat()


def random_payload(rng, count):
    return ((rng.standard_normal(count) + 1j * rng.standard_normal(count)) / np.sqrt(2)).astype(np.complex64)


def send(rng, snr_db, payload_symbols=512, counter=0, **impairments):
    payload = random_payload(rng, payload_symbols)
    header = Header(counter, 3, 2, payload_symbols // 2)
    received = impair(modulate(header, payload), snr_db, rng, lead=500, tail=700, **impairments)
    return header, payload, received


def receive(samples, chunk=None):
    receiver = BurstReceiver()
    chunk = chunk or len(samples)
    frames = [f for i in range(0, len(samples), chunk) for f in receiver.process(samples[i:i + chunk])]
    return frames + receiver.flush(), receiver.stats


def test_rrc_is_nyquist_after_matched_filter():
    taps = rrc_taps(4, 0.35, 8)
    assert np.sum(taps**2) == pytest.approx(1.0, rel=1e-5)
    symbols = np.exp(1j * np.pi / 2 * np.random.default_rng(0).integers(4, size=200))
    filtered = matched_filter(shape(symbols, 4, taps), taps)
    delay = (len(taps) - 1) // 2
    recovered = filtered[delay: delay + 200 * 4: 4]
    isi_db = 10 * np.log10(np.mean(np.abs(recovered[10:-10] - symbols[10:-10]) ** 2))
    assert isi_db < -30  # the 8-symbol truncation of the pulse; far below any SNR in use


def test_phasor_is_exp_to_float32_precision_at_any_phase():
    """The receiver's fast exp(2 pi i x): as exact as complex64 allows, whether x is a fraction
    of a turn or a CFO times a whole frame's samples (tens of thousands of turns)."""
    cycles = np.concatenate([np.linspace(-1, 1, 1001), 0.06 * np.arange(-32, 300_000, 7.3)])
    result = phasor(cycles)
    assert result.dtype == np.complex64 and result.shape == cycles.shape
    assert np.max(np.abs(result - np.exp(2j * np.pi * cycles))) < 1e-6


def test_header_round_trip_and_crc_catches_every_single_bit_flip():
    header = Header(counter=513, model_id=7, images=3, symbols_per_image=256)
    assert Header.from_bits(header.to_bits()) == header
    for bit in range(64):
        bits = header.to_bits()
        bits[bit] ^= 1
        with pytest.raises(CrcError):
            Header.from_bits(bits)


def test_overhead_is_stated():
    one = FMT.overhead(256)
    assert one["total"] == 128 + 512 + 17 + 16 + 256
    assert FMT.overhead(256 * 16)["efficiency"] > 0.8 > one["efficiency"]


@pytest.mark.parametrize("snr_db", [5.0, 10.0, 20.0])
def test_payload_snr_and_estimates_at_known_impairments(snr_db):
    rng = np.random.default_rng(int(snr_db))
    estimates, payload_errors, cfo_errors = [], [], []
    for trial in range(12):
        cfo, delay = rng.uniform(-2e-3, 2e-3), rng.uniform(0, 4)
        header, payload, samples = send(rng, snr_db, counter=trial, cfo=cfo, delay=delay,
                                        gain=0.8 * np.exp(1j * rng.uniform(-np.pi, np.pi)))
        (frame,), stats = receive(samples)
        assert frame.header == header
        estimates.append(frame.snr_db)
        payload_errors.append(np.mean(np.abs(frame.payload - payload) ** 2))
        cfo_errors.append(frame.cfo - cfo)
    true_snr = snr_db + 20 * np.log10(0.8)
    # the estimate is of the SINR each payload really has (the decoder's input)
    rms = np.sqrt(np.mean((np.array(estimates) + 10 * np.log10(payload_errors)) ** 2))
    assert rms < 0.5, f"SNR estimate RMS error {rms:.2f} dB"
    payload_snr = -10 * np.log10(np.mean(payload_errors))
    assert payload_snr > true_snr - 0.5, f"payload SNR {payload_snr:.2f} dB vs {true_snr:.2f}"
    assert np.max(np.abs(cfo_errors)) < 1e-5  # cycles/sample


def test_detects_at_least_99_percent_of_frames_at_0db():
    rng = np.random.default_rng(0)
    decoded = 0
    for trial in range(100):
        header, _, samples = send(rng, 0.0, payload_symbols=256, counter=trial,
                                  cfo=rng.uniform(-2e-3, 2e-3), delay=rng.uniform(0, 4))
        frames, _ = receive(samples)
        decoded += len(frames) == 1 and frames[0].header == header
    assert decoded >= 99


def test_streaming_in_chunks_gives_the_same_frames_as_one_block():
    rng = np.random.default_rng(3)
    bursts = [send(rng, 15.0, counter=i, delay=rng.uniform(0, 4))[2] for i in range(4)]
    stream = np.concatenate(bursts)
    whole, _ = receive(stream)
    chunked, _ = receive(stream, chunk=777)
    assert [f.header.counter for f in whole] == [0, 1, 2, 3]
    assert [f.header for f in chunked] == [f.header for f in whole]
    for a, b in zip(whole, chunked):
        assert np.allclose(a.payload, b.payload, atol=1e-3) and a.start_sample == b.start_sample


def test_start_sample_points_at_the_burst():
    rng = np.random.default_rng(4)
    _, _, samples = send(rng, 20.0, delay=0.0)
    (frame,), _ = receive(samples)
    assert abs(frame.start_sample - 500) <= 1


def test_a_long_frame_at_the_streams_first_sample_decodes():
    """A capture or file that starts on a burst: a frame of 15 photos' symbols has a clock
    margin reaching before sample 0, which is zeros, not an internal error."""
    rng = np.random.default_rng(5)
    payload = random_payload(rng, 15 * 4096)
    burst = modulate(Header(0, 9, 15, 4096), payload)
    (frame,), stats = receive(np.concatenate([burst, np.zeros(1000, np.complex64)]))
    assert stats.internal_errors == 0 and frame.start_sample == 0
    assert 10 * np.log10(np.mean(np.abs(frame.payload - payload) ** 2)) < -30


def test_detection_reads_the_metric_in_windows_as_one_scan_would():
    """_detect reads the detection metric a growing window at a time (a photo frame's
    payload crosses the threshold now and then); it finds what one scan of the whole
    stretch finds: the first crossing's peak, WAIT when the peak's samples are not all in."""
    receiver = BurstReceiver()
    receiver._extend_metric = lambda: None  # the metric is set here
    span, threshold = receiver._preamble_span, receiver.threshold

    def one_scan(metric, first, last):
        above = np.flatnonzero(metric[first:last] > threshold)
        if len(above) == 0:
            return None
        if first + above[0] + span > len(metric):
            return WAIT
        return first + above[0] + int(np.argmax(metric[first + above[0]: first + above[0] + span]))

    rng = np.random.default_rng(0)
    for _ in range(300):
        length = int(rng.integers(1, 150_000))
        metric = (rng.random(length) * threshold).astype(np.float32)
        for at in rng.integers(0, length, rng.integers(0, 3)):
            metric[at: at + rng.integers(1, 3 * span)] = rng.uniform(threshold, 1)
        first, last = sorted(int(i) for i in rng.integers(0, length + 1, 2))
        receiver._metric = metric
        assert receiver._detect(first, last) == one_scan(metric, first, last)


def test_coarse_quality_tells_a_preamble_from_a_repeating_payload():
    """resolve_cfo's quality gates the fine synchronization: a preamble in noise of its own
    power a sample, 80 kHz off at 2 Msps, is far above the threshold; samples that repeat with the preamble's period
    but are not the preamble (what a photo's latent rows look like to the detection metric)
    and noise are below it."""
    fmt, rng = FrameFormat(), np.random.default_rng(3)
    burst = modulate(Header(1, 1, 1, 256), np.ones(256, np.complex64), fmt)
    noise = (rng.standard_normal(len(burst)) + 1j * rng.standard_normal(len(burst))) / np.sqrt(2)
    received = burst * np.exp(2j * np.pi * 0.04 * np.arange(len(burst))) + noise * np.sqrt(np.mean(np.abs(burst) ** 2))
    z = matched_filter(received.astype(np.complex64), rrc_taps(fmt.sps, fmt.rolloff, fmt.filter_span))
    delay = len(rrc_taps(fmt.sps, fmt.rolloff, fmt.filter_span)) - 1
    cfo, quality = resolve_cfo(z, delay, fmt)
    assert quality > 3 * COARSE_THRESHOLD and cfo == pytest.approx(0.04, abs=1e-3)
    span = fmt.preamble_period * fmt.sps
    period = rng.standard_normal(span) + 1j * rng.standard_normal(span)
    repeating = np.tile(period, 2 * fmt.preamble_repeats).astype(np.complex64)
    assert resolve_cfo(repeating, 64, fmt)[1] < COARSE_THRESHOLD
    assert resolve_cfo(noise.astype(np.complex64), 64, fmt)[1] < COARSE_THRESHOLD


def test_no_detection_on_a_million_noise_samples():
    rng = np.random.default_rng(6)
    noise = impair(np.zeros(1_000_000, np.complex64), 0.0, rng)
    frames, stats = receive(noise, chunk=65536)
    assert frames == [] and stats.detections == 0 and stats.crc_failures == 0


def test_garbage_is_counted_never_raised():
    """NaN, infinite and huge samples are zeroed and counted; a bad CRC is counted."""
    rng = np.random.default_rng(7)
    header, payload, samples = send(rng, 20.0)
    samples[3500:3600] = np.nan  # in the payload (the header ends near sample 3060)
    samples[3700] = np.inf
    samples[3800:3810] = 1e30
    frames, stats = receive(samples)
    assert stats.invalid_samples == 111 and len(frames) == 1  # the pilots carry it through
    # a bad CRC: the header announces a frame, but its bits were flipped on the air
    symbols = build_frame(header, payload, FMT)
    symbols[128:136] *= -1  # the first header bit, all 8 chips
    taps = rrc_taps(FMT.sps, FMT.rolloff, FMT.filter_span)
    corrupted = impair(shape(symbols, FMT.sps, taps), 20.0, rng, lead=300, tail=300)
    frames, stats = receive(corrupted)
    assert frames == [] and stats.crc_failures == 1


def test_truncated_burst_is_counted():
    rng = np.random.default_rng(8)
    _, _, samples = send(rng, 20.0, payload_symbols=2048)
    frames, stats = receive(samples[: 500 + 4 * 1500])
    assert frames == [] and stats.truncated == 1


def test_fuzz_random_iq_never_raises():
    """Noise, huge and tiny values, NaN and infinities, preambles with garbage after them:
    every sample is counted, every bad one among them, and nothing in the receiver fails."""
    rng = np.random.default_rng(9)
    receiver = BurstReceiver()
    fed, invalid = 0, 0
    for _ in range(200):
        kind = rng.integers(4)
        length = int(rng.integers(0, 5000))
        if kind == 0:
            chunk = rng.standard_normal(length) + 1j * rng.standard_normal(length)
        elif kind == 1:
            chunk = np.exp(1j * rng.uniform(0, 6.3, length)) * 10.0 ** rng.uniform(-20, 20)
        elif kind == 2:
            chunk = np.full(length, complex(rng.choice([0, np.nan, np.inf, 1e38])))
        else:  # a preamble followed by garbage: detection, then a header of noise
            chunk = np.concatenate([modulate(Header(1, 1, 1, 16), np.ones(16))[:700],
                                    rng.standard_normal(length).astype(np.complex64)])
        chunk = chunk.astype(np.complex64)
        with np.errstate(invalid="ignore", over="ignore"):
            invalid += int(np.sum(~(np.abs(chunk) <= 1e6)))
        fed += len(chunk)
        receiver.process(chunk)
    flushed = receiver.stats.samples
    receiver.flush()
    assert flushed == fed and receiver.stats.invalid_samples == invalid > 0
    assert receiver.stats.internal_errors == 0 and receiver.stats.frames == 0


def test_one_noisy_block_does_not_slip_the_phase_line():
    """At 0 dB a block phase sometimes lands near the opposite side of the circle; a plain
    unwrap then shifts every later block by 2 pi, and the CFO estimate with them."""
    phases = np.concatenate([np.full(60, 0.3), [-2.75], np.full(60, 0.6)])
    assert np.allclose(np.unwrap(phases)[61:], 0.6 - 2 * np.pi)  # the slip
    assert np.allclose(robust_unwrap(phases)[61:], 0.6)


def test_pilot_noise_pools_with_the_training_noise_unless_the_pilots_are_noisier():
    rng = np.random.default_rng(0)

    def noise(count, variance):  # complex Gaussian scaled to exactly this mean power
        samples = random_payload(rng, count).astype(np.complex128)
        return samples * np.sqrt(variance / np.mean(np.abs(samples) ** 2))

    known = np.exp(0.5j * np.pi * rng.integers(0, 4, 640))  # preamble and header: QPSK chips
    white = np.mean([training_noise(known + noise(640, 0.1), known).mean() for _ in range(200)])
    assert abs(white / 0.1 - 1) < 0.01  # unbiased on a static channel
    wander = np.exp(0.5j * np.sin(2 * np.pi * np.arange(640) / 640))  # the channel moves through them
    trained = training_noise(known * wander + noise(640, 0.1), known)
    assert abs(trained.mean() / 0.1 - 1) < 0.1  # the motion is followed, not counted as noise
    pilot_at = np.arange(65) * 16
    for pilot_noise, expected in ((0.06, 0.1), (0.3, 0.3)):  # quiet by chance; a channel too fast
        equalized = np.zeros(65 * 16, np.complex128)
        equalized[pilot_at] = 1 + noise(65, pilot_noise)
        channel = track(equalized, pilot_at, np.ones(65), trained)
        assert abs(channel.noise_var.mean() / expected - 1) < 0.15, pilot_noise
