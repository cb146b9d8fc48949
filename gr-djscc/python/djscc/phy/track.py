"""Through a frame, from its known symbols: clock drift, equalizer, per-pilot gain, SINR.

The receiver synchronizes on the preamble; everything after it drifts. Here
 - ``clock_drift`` finds the sample-clock offset that keeps the known symbols (header,
   then one pilot every ``pilot_spacing`` symbols) sampled at their peaks to the frame's
   end, then refines it on every symbol, the payload as first received standing in for
   the symbols sent (the pilots alone leave it too noisy for 20 dB);
 - ``equalizers`` estimates the channel on the preamble and header and builds the
   equalizers worth trying: one gain, MMSE for echoes, widely linear MMSE for echoes and
   IQ imbalance, the last two with the DC they measure removed;
 - ``track`` follows the complex gain from pilot to pilot (Doppler, phase noise), with the
   smoothing window the pilots themselves choose: the one that predicts each pilot best
   from its neighbours (leave-one-out). That prediction error, on symbols the equalizer
   was not fitted on, is the SINR the decoder sees: noise, residual ISI, IQ image and
   tracking error together. The receiver keeps the equalizer whose track predicts best.
"""

from dataclasses import dataclass

import numpy as np
from scipy.fft import next_fast_len

from djscc.phy.interpolate import sample_at

MAX_CLOCK_OFFSET = 200e-6  # searched: crystals of +-100 ppm at both ends
DRIFT_STEP = 0.05  # samples of drift at the last known symbol between two clock hypotheses
DRIFT_BLOCK = 8  # known symbols summed coherently in the clock search
SEARCH_REACH = 8.0  # samples of drift at the last symbol beyond which the search goes coarse to fine
WINDOW_MOVES = 8  # times a fine search's window may move after a peak on its edge
CHANNEL_TAPS = tuple(range(-2, 5))  # symbol delays of the channel model: 2 precursors, 4 echoes
TRACK_WINDOWS = (3, 5, 9, 17, 33, 65, 129)  # pilots averaged per gain estimate, tried in turn
NOISE_WINDOW = 65  # pilots whose prediction errors make one local noise estimate
EQUALIZERS = ("gain", "fir", "widely_linear")  # what ``equalizers`` builds, simplest first
POOL_MARGIN = 3.0  # pilots noisier than the training symbols by this many standard errors: not pooled
# (at 2.33, a 1 % test, chance alone pushed a short frame's estimate 2 dB low in 750 frames)
TRAINING_WINDOW = 33  # preamble and header symbols averaged per local gain in ``training_noise``


def clock_drift(z: np.ndarray, t0: float, sps: int, positions: np.ndarray, known: np.ndarray,
                around: float | None = None) -> float:
    """The sample-clock offset (rate ratio - 1) under which ``known`` symbols, sampled from
    ``z`` at t0 + n sps (1 + offset) for n in ``positions``, hold the most block-coherent
    energy; 0 when the frame is too short for any offset to move a symbol measurably.
    Searched over +-MAX_CLOCK_OFFSET, or only a few steps ``around`` an earlier estimate. A
    frame whose full search would reach past SEARCH_REACH is searched coarse to fine: on its
    first half (recursively), then on the whole around that, the window moved while the
    peak sits on its edge; so the cost grows with the frame's length, not its square."""
    reach = MAX_CLOCK_OFFSET * float(positions[-1]) * sps
    if reach < DRIFT_STEP:
        return 0.0
    step = MAX_CLOCK_OFFSET / np.ceil(reach / DRIFT_STEP)
    if around is None and reach <= SEARCH_REACH:
        grid = np.arange(-MAX_CLOCK_OFFSET, MAX_CLOCK_OFFSET + step / 2, step)
        return _peak(grid, _energy(z, t0, sps, positions, known, grid))
    moves = WINDOW_MOVES if around is None else 0  # an earlier estimate's window stays put
    if around is None:
        head = positions <= positions[-1] / 2
        around = clock_drift(z, t0, sps, positions[head], known[head])
    for _ in range(moves + 1):
        grid = around + step * np.arange(-4, 5) / 2
        energy = _energy(z, t0, sps, positions, known, grid)
        best = int(np.argmax(energy))
        if 0 < best < len(grid) - 1 or abs(grid[best]) >= MAX_CLOCK_OFFSET:
            break
        around = float(grid[best])  # the peak lies beyond the window's edge
    return _peak(grid, energy)


def _energy(z: np.ndarray, t0: float, sps: int, positions: np.ndarray, known: np.ndarray,
            grid: np.ndarray) -> np.ndarray:
    """The block-coherent energy of the known symbols under each clock offset of ``grid``."""
    usable = len(known) // DRIFT_BLOCK * DRIFT_BLOCK
    times = t0 + positions[None, :usable] * sps * (1 + grid[:, None])
    samples = sample_at(z, times.reshape(-1)).reshape(times.shape)
    sums = (samples * np.conj(known[:usable])).reshape(len(grid), -1, DRIFT_BLOCK).sum(2)
    return np.sum(np.abs(sums) ** 2, axis=1)


def _peak(grid: np.ndarray, energy: np.ndarray) -> float:
    """The offset of the most energy: a parabola through the best point and its neighbours."""
    best = int(np.argmax(energy))
    if 0 < best < len(grid) - 1:
        left, center, right = energy[best - 1: best + 2]
        curvature = left - 2 * center + right
        if curvature < 0:
            return float(grid[best] + 0.5 * (left - right) / curvature * (grid[1] - grid[0]))
    return float(grid[best])


def _shifted(known: np.ndarray, rows: np.ndarray, widely_linear: bool) -> np.ndarray:
    """(rows, columns) design of the channel model at symbol ``rows``: the known symbols
    CHANNEL_TAPS before each (their conjugates too if widely linear), and a 1 for DC."""
    shifted = known[rows[:, None] - np.asarray(CHANNEL_TAPS)[None, :]]
    columns = [shifted, np.conj(shifted)] if widely_linear else [shifted]
    return np.concatenate([*columns, np.ones((len(rows), 1), known.dtype)], axis=1)


def _spectrum(taps: np.ndarray, length: int) -> np.ndarray:
    """DFT of a channel given by its taps at CHANNEL_TAPS (circular, ``length`` points)."""
    impulse = np.zeros(length, np.complex128)
    impulse[np.asarray(CHANNEL_TAPS) % length] = taps
    return np.fft.fft(impulse)


def _mirror(spectrum: np.ndarray) -> np.ndarray:
    """conj(S(-f)): the spectrum of the conjugate signal."""
    return np.conj(spectrum[-np.arange(len(spectrum)) % len(spectrum)])


def _mmse(received: np.ndarray, direct: np.ndarray, image: np.ndarray | None, noise: float) -> np.ndarray:
    """Frequency-domain MMSE estimate of x from y = c * x + e * conj(x) + n (widely linear
    when the image channel e is given): per frequency, X(f) and conj(X(-f)) from Y(f) and
    conj(Y(-f)), a 2 x 2 system. The frame is zero-padded by at least the channel's span,
    so that its taps convolve linearly instead of wrapping the frame's end onto its start,
    to a length the FFT factors well (a frame's symbol count is often a large prime times a
    power of two: 4-5x slower)."""
    length = next_fast_len(len(received) + max(CHANNEL_TAPS) - min(CHANNEL_TAPS))
    spectrum = np.fft.fft(received, length)
    c = _spectrum(direct, length)
    if image is None:
        return np.fft.ifft(np.conj(c) * spectrum / (np.abs(c) ** 2 + noise))[: len(received)]
    e = _spectrum(image, length)
    # H = [[c, e], [conj e(-f), conj c(-f)]]; X_hat = first row of H^H (H H^H + noise I)^-1
    h11, h12, h21, h22 = c, e, _mirror(e), _mirror(c)
    m11 = np.abs(h11) ** 2 + np.abs(h12) ** 2 + noise
    m22 = np.abs(h21) ** 2 + np.abs(h22) ** 2 + noise
    m12 = h11 * np.conj(h21) + h12 * np.conj(h22)
    det = m11 * m22 - np.abs(m12) ** 2
    observed, mirrored = spectrum, _mirror(spectrum)
    first = (m22 * observed - m12 * mirrored) / det  # (H H^H + noise I)^-1 [Y, conj Y(-f)]
    second = (m11 * mirrored - np.conj(m12) * observed) / det
    return np.fft.ifft(np.conj(h11) * first + np.conj(h21) * second)[: len(received)]


def equalizers(received: np.ndarray, known: np.ndarray, names=EQUALIZERS) -> dict[str, np.ndarray]:
    """Each equalizer's output (of ``names``, simplest first) for every symbol of
    ``received``, whose first len(known) symbols are ``known`` (preamble and header):
    "gain" (one complex gain), and MMSE equalizers of the channel least-squares estimated on
    them, "fir" (taps at CHANNEL_TAPS: echoes) and "widely_linear" (those and an image
    channel: IQ imbalance), both with the DC they measure removed. The channel, not an
    equalizer, is fitted to the known symbols: the header's chips repeat a short code,
    which an equalizer fitted to predict them would learn instead of the channel."""
    train = len(known)
    outputs = {}
    if "gain" in names:
        gain = np.vdot(known, received[:train]) / np.vdot(known, known).real
        outputs["gain"] = received / gain
    rows = np.arange(max(CHANNEL_TAPS), train + min(CHANNEL_TAPS))
    count = len(CHANNEL_TAPS)
    for name, widely_linear in (("fir", False), ("widely_linear", True)):
        if name not in names:
            continue
        design = _shifted(known.astype(np.complex128), rows, widely_linear)
        model, *_ = np.linalg.lstsq(design, received[rows], rcond=None)
        residual = received[rows] - design @ model
        noise = float(np.sum(np.abs(residual) ** 2) / max(len(rows) - design.shape[1], 1))
        outputs[name] = _mmse(received - model[-1], model[:count],
                              model[count: 2 * count] if widely_linear else None, noise)
    return {name: y.astype(np.complex64) for name, y in outputs.items()}


def clear_gain(pilots: int) -> float:
    """The factor by which a finer track or a richer equalizer must lower the pilots'
    prediction error to be chosen: two standard errors of a mean of ``pilots`` errors,
    so that on a static channel the noise in the errors does not pick it."""
    return max(0.5, 1 - 2 / np.sqrt(pilots))


def _leave_one_out(values: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(squared error of each value against the mean of the others in its centered window,
    the window's mean, its count)."""
    sums, counts = _centered_sum(values, window)
    errors = np.abs(values - (sums - values) / np.maximum(counts - 1, 1)) ** 2
    return errors, sums / counts, counts


def _centered_sum(values: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(sum, count) of each value's centered window, clipped at the ends."""
    half = window // 2
    cumulative = np.concatenate([[0], np.cumsum(values)])
    index = np.arange(len(values))
    low, high = np.maximum(index - half, 0), np.minimum(index + half + 1, len(values))
    return cumulative[high] - cumulative[low], (high - low).astype(np.float64)


@dataclass
class Track:
    """The channel through a frame, at every symbol: complex gain and noise variance."""

    gain: np.ndarray
    noise_var: np.ndarray
    prediction_error: float  # mean leave-one-out error of the pilots over their power: lower is better


def training_noise(equalized: np.ndarray, known: np.ndarray) -> np.ndarray:
    """The noise power at each known symbol of the preamble and header (all of unit
    magnitude): its error against the gain of its TRAINING_WINDOW neighbours, so that a
    channel moving through them (Doppler, phase noise) is followed, not counted as noise."""
    errors, _, counts = _leave_one_out((equalized / known).astype(np.complex128), TRAINING_WINDOW)
    return errors * (counts - 1) / counts  # a leave-one-out error is the noise times c / (c - 1)


def track(equalized: np.ndarray, pilot_at: np.ndarray, pilots: np.ndarray,
          train_noise: np.ndarray) -> Track:
    """The gain of ``equalized`` (ideally 1) followed from pilot to pilot with the smoothing
    window that predicts the pilots best, and the noise around it. ``train_noise``: the
    equalizer's noise on the preamble and header (``training_noise``; empty: none to trust),
    pooled into the noise unless the pilots are clearly noisier (a channel that moves
    faster than they follow)."""
    ratios = (equalized[pilot_at] / pilots).astype(np.complex128)
    best = None
    for window in sorted({min(w, len(ratios) | 1) for w in TRACK_WINDOWS}, reverse=True):  # widest first
        candidate = _leave_one_out(ratios, window)
        if best is None or candidate[0].mean() < clear_gain(len(ratios)) * best[0].mean():
            best = candidate
    errors, gains, counts = best
    noise = errors * (counts - 1) / counts
    excess = np.log(noise.mean() / max(train_noise.mean(), 1e-30)) if len(train_noise) else np.inf
    if excess < POOL_MARGIN / np.sqrt(len(noise)):
        # the pilots see no more than the training symbols' noise: pool them. Both follow the
        # channel, so pilots below it are chance (a short frame's few dozen pilots ran 2.4 dB
        # quiet once in 750 frames, its SINR estimate 2.5 dB high, when they stood alone).
        # An IQ image is the one error the training symbols miss (the header's chips are
        # real, so it joins their gain): pooled, it is diluted (+0.1 dB at 1 dB, 5 deg).
        noise = np.full(len(noise), (noise.sum() + train_noise.sum()) / (len(noise) + len(train_noise)))
    else:  # tracking error on top of the noise: measured locally, on the pilots alone
        sums, windows = _centered_sum(noise, NOISE_WINDOW)
        noise = sums / windows
    noise = noise * (1 + 1 / counts)  # the gain, averaged over c pilots, adds noise / c
    positions = np.arange(len(equalized))
    gain = np.interp(positions, pilot_at, gains.real) + 1j * np.interp(positions, pilot_at, gains.imag)
    # in units of the signal: an MMSE equalizer's output, and so its errors, are shrunk
    return Track(gain=gain.astype(np.complex64), noise_var=np.interp(positions, pilot_at, noise),
                 prediction_error=float(errors.mean() / np.mean(np.abs(gains) ** 2)))
