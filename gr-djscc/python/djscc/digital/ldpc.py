"""LDPC channel coding with GNU Radio's gr-fec (``fec.ldpc_encoder`` / ``fec.ldpc_decoder``).

gr-fec ships no parity-check matrix of the lengths a codeword's 256 symbols carry (512, 1024,
1536 coded bits), so the codes are built here and shipped as .alist files in ``codes/``
(``python -m djscc.digital.ldpc`` rebuilds them): an IRA structure (a dual-diagonal
parity part, so H has full rank and K = N - M exactly) with the information columns' edges
placed by progressive edge growth (PEG, Hu, Eleftheriou and Arnold 2005), seeded.

gr-fec's decoder (3.10) is a sum-product decoder in the likelihood-ratio domain that turns
its input x into exp(x / (2 sigma^2)) = P(1) / P(0) after negating it; with sigma^2 = 1/2
its input is therefore minus the LLR ln P(0)/P(1). It reports no success flag: a codeword
counts as decoded when the parity check held within ``max_iterations`` (fewer iterations
than the cap, or a valid hard decision before any). Now and then its likelihood ratios break
down (0 times infinity) and it returns the all-zero codeword, which meets every parity
check: error floors near 1e-3 of the QPSK and 16QAM 1/4 and 1/3 codes (a 500x500 photo's 244
codewords lost one time in five) and 1e-2 of 64QAM's. Such a decode is run again on the LLRs
halved, which recovered every one of 69 measured. (No payload's codeword is all zeros: its
check byte is not.)
"""

import ctypes
import functools
import threading
from collections import deque
from importlib import resources
from pathlib import Path

import numpy as np
from gnuradio import fec

from djscc.digital.mcs import TABLE

CODES = resources.files("djscc.digital") / "codes"
# gr-fec exponentiates its input, and its check update loses all precision on large LLRs:
# clipped at 30, 64QAM 1/4 failed 45 % of codewords at 16 dB (a floor); at 8 none from 12 dB.
LLR_LIMIT = 8.0
MAX_ITERATIONS = 50

_capsule = ctypes.pythonapi.PyCapsule_New
_capsule.restype = ctypes.py_object
_capsule.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


def _buffer(array: np.ndarray):
    """A capsule of a contiguous array's data, as gr-fec's generic_work takes it."""
    return _capsule(array.ctypes.data, None, None)


def alist_path(n: int, k: int) -> Path:
    return Path(str(CODES / f"ira_n{n}_k{k}.alist"))


class LDPCCode:
    """One (n, k) code: ``encode`` k bits -> n bits, ``decode`` n LLRs -> (k bits, success).
    Safe to share between threads (two digital decoders in one flowgraph): gr-fec's decoder
    keeps the last call's iteration count, read after it, so a call holds a lock."""

    def __init__(self, n: int, k: int, max_iterations: int = MAX_ITERATIONS):
        path = alist_path(n, k)
        if not path.exists():
            raise FileNotFoundError(f"no LDPC code {path.name}: run python -m djscc.digital.ldpc")
        self.n, self.k, self.max_iterations = n, k, max_iterations
        self._lock = threading.Lock()
        self._encoder = fec.ldpc_encoder.make(str(path))
        self._decoder = fec.ldpc_decoder.make(str(path), float(np.sqrt(0.5)), max_iterations)
        if (self._encoder.get_input_size(), self._encoder.get_output_size()) != (k, n):
            raise ValueError(f"{path.name} is a ({self._encoder.get_output_size()}, "
                             f"{self._encoder.get_input_size()}) code")

    def encode(self, bits: np.ndarray) -> np.ndarray:
        bits = np.ascontiguousarray(bits, dtype=np.uint8)
        if bits.shape != (self.k,):
            raise ValueError(f"expected {self.k} bits, got {bits.shape}")
        out = np.zeros(self.n, np.uint8)
        with self._lock:
            self._encoder.generic_work(_buffer(bits), _buffer(out))
        return out

    def decode(self, llr: np.ndarray) -> tuple[np.ndarray, bool]:
        """``llr`` (n,) = ln P(bit 0) / P(bit 1) -> (the k information bits, parity check met)."""
        if llr.shape != (self.n,):
            raise ValueError(f"expected {self.n} LLRs, got {llr.shape}")
        soft = np.ascontiguousarray(-np.clip(np.nan_to_num(llr), -LLR_LIMIT, LLR_LIMIT), dtype=np.float32)
        with self._lock:
            bits, ok = self._decode(soft)
            if not bits.any():  # the decoder's breakdown (see the module's docstring), or truly all zeros
                again, converged = self._decode(soft * np.float32(0.5))
                if converged:
                    bits, ok = again, converged
        return bits, ok

    def _decode(self, soft: np.ndarray) -> tuple[np.ndarray, bool]:
        out = np.zeros(self.k, np.uint8)
        self._decoder.generic_work(_buffer(soft), _buffer(out))
        return out, self._decoder.get_iterations() < self.max_iterations

    def iterations(self) -> int:
        """Iterations the last ``decode`` took (of any thread's)."""
        return int(self._decoder.get_iterations())


@functools.cache
def code(n: int, k: int) -> LDPCCode:
    """The shared (n, k) code (its calls take turns: LDPCCode)."""
    return LDPCCode(n, k)


def ira_peg(n: int, k: int, info_degree: int, seed: int = 0) -> list[list[int]]:
    """Parity-check matrix, as each column's check indices: columns k..n-1 a dual diagonal,
    the k information columns of ``info_degree`` edges each placed by PEG."""
    m = n - k
    rng = np.random.default_rng(seed)
    columns: list[list[int]] = [[] for _ in range(n)]
    rows: list[list[int]] = [[] for _ in range(m)]
    for j in range(m):
        for check in (j, j + 1) if j + 1 < m else (j,):
            columns[k + j].append(check)
            rows[check].append(k + j)
    for variable in range(k):
        for _ in range(min(info_degree, m)):
            far = _unreached_checks(variable, columns, rows, m)
            degrees = np.array([len(rows[c]) for c in far])
            lightest = [c for c, d in zip(far, degrees) if d == degrees.min()]
            check = int(lightest[rng.integers(len(lightest))])
            columns[variable].append(check)
            rows[check].append(variable)
    return columns


def _unreached_checks(variable: int, columns, rows, m: int) -> list[int]:
    """The checks farthest from ``variable`` in the graph so far: those it cannot reach, or
    else those reached last by a breadth-first search (PEG's choice)."""
    seen_checks, seen_vars = set(), {variable}
    frontier = deque([variable])
    last = set(range(m))
    while frontier:
        new_checks = set()
        for v in frontier:
            new_checks.update(c for c in columns[v] if c not in seen_checks)
        if not new_checks:
            break
        seen_checks |= new_checks
        if len(seen_checks) == m:
            last = new_checks
            break
        last = set(range(m)) - seen_checks
        frontier = deque()
        for c in new_checks:
            for v in rows[c]:
                if v not in seen_vars:
                    seen_vars.add(v)
                    frontier.append(v)
    existing = set(columns[variable])
    return sorted(last - existing) or sorted(set(range(m)) - existing)


def write_alist(columns: list[list[int]], m: int, path: Path) -> None:
    """MacKay's alist format (1-based, zero-padded lists), as gr-fec reads it."""
    rows: list[list[int]] = [[] for _ in range(m)]
    for j, checks in enumerate(columns):
        for c in checks:
            rows[c].append(j)
    col_max, row_max = max(map(len, columns)), max(map(len, rows))
    lines = [f"{len(columns)} {m}", f"{col_max} {row_max}",
             " ".join(str(len(c)) for c in columns), " ".join(str(len(r)) for r in rows)]
    lines += [" ".join(str(i + 1) for i in sorted(c)) + " 0" * (col_max - len(c)) for c in columns]
    lines += [" ".join(str(i + 1) for i in sorted(r)) + " 0" * (row_max - len(r)) for r in rows]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    """Write the codes of the MCS table into ``codes/``."""
    folder = Path(str(CODES))
    folder.mkdir(exist_ok=True)
    for n, k, degree in sorted({(mcs.coded_bits, mcs.info_bits, mcs.info_degree) for mcs in TABLE}):
        write_alist(ira_peg(n, k, degree), n - k, alist_path(n, k))
        print(alist_path(n, k).name, f"information columns of degree {degree}")


if __name__ == "__main__":
    main()
