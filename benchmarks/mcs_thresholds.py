"""Each MCS's codeword error rate (FER) over AWGN, measured: the table link.select reads
(djscc/digital/fer_awgn.json) to choose an image's MCS by its number of codewords.

For every MCS of djscc.digital.mcs.TABLE and every SNR of a grid (``--step`` dB, on
multiples of it): random payloads of whole codewords through the real chain,
link.payload_to_symbols -> link.awgn -> link.symbols_to_payload one codeword at a time
(gr-fec LDPC, exact LLRs with the true noise variance). A codeword is in error when its
parity check or check byte fails, or when it decodes to other bytes than were sent
(counted as undetected too). A point stops at ``--errors`` errors or ``--codewords``
codewords. The sweep of an MCS starts 2 dB below its threshold in link.THRESHOLDS_DB,
steps down while the FER there is under ``--top`` (so the table starts where nearly every
codeword fails), then steps up until a point sees no error in ``--codewords`` codewords
(FER under 1 / codewords), ``--max-snr`` is passed, or an error floor: the FER, under
1e-2, has not halved over ``--floor-db`` dB (link.py then holds the last point's FER above
the grid, conservatively).

gr-fec's decoder (3.10) now and then settles on the all-zero codeword (it reports
convergence and returns all-zero information bits): floors near 1e-3 of the QPSK and 16QAM
1/4 and 1/3 codes and 1e-2 of 64QAM's until ldpc.py decoded such a codeword again on its
LLRs halved (see there).

The shipped table (``--resume`` keeps what a file holds; its "runs" say which run
measured which MCS):

  nice -n 19 .venv/bin/python benchmarks/mcs_thresholds.py --mcs "QPSK 1/4" "QPSK 1/3" "QPSK 1/2" \
      "QPSK 2/3" "QPSK 3/4" "QPSK 5/6"                 # 0.5 dB grid
  nice -n 19 .venv/bin/python benchmarks/mcs_thresholds.py --step 1 --resume   # the other 12
  nice -n 19 .venv/bin/python benchmarks/mcs_thresholds.py --mcs "64QAM 1/4" --out /tmp/fer.json
"""

import argparse
import json
import math
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch

from djscc.digital import link
from djscc.digital.mcs import SYMBOLS, TABLE, by_name

OUT = Path(__file__).resolve().parents[1] / "gr-djscc/python/djscc/digital/fer_awgn.json"


def point(mcs, snr_db: float, rng: np.random.Generator, max_codewords: int, max_errors: int,
          batch: int) -> dict:
    """Codewords sent, in error and undetected (decoded to other bytes) at one SNR."""
    sent = errors = undetected = 0
    while sent < max_codewords and errors < max_errors:
        count = min(batch, max_codewords - sent)
        payload = rng.integers(0, 256, count * mcs.budget, dtype=np.uint8).tobytes()
        received, noise_var = link.awgn(link.payload_to_symbols(payload, mcs), snr_db, rng)
        for i, symbols in enumerate(received.reshape(count, SYMBOLS)):
            decoded = link.symbols_to_payload(symbols, noise_var, mcs)
            if decoded != payload[i * mcs.budget:(i + 1) * mcs.budget]:
                errors += 1
                undetected += decoded is not None
        sent += count
    return {"snr_db": snr_db, "codewords": sent, "errors": errors, "undetected": undetected}


def sweep(mcs, args) -> list[dict]:
    """The MCS's points, from where nearly every codeword fails to where none did (or --max-snr)."""
    rng = np.random.default_rng([args.seed, mcs.index])
    old = link.THRESHOLDS_DB.get(mcs.name)
    start = args.step * math.floor(((old if old is not None else 10.0) - 2.0) / args.step)

    def measure(snr: float) -> dict:
        t0 = time.perf_counter()
        row = point(mcs, round(snr, 3), rng, args.codewords, args.errors, args.batch)
        print(f"{mcs.name:>10} {row['snr_db']:6.2f} dB  {row['errors']:5d} / {row['codewords']:6d}"
              f"  FER {row['errors'] / row['codewords']:.2e}  ({time.perf_counter() - t0:.1f} s)", flush=True)
        return row

    rows = [measure(start)]
    while rows[0]["errors"] / rows[0]["codewords"] < args.top and rows[0]["snr_db"] > args.min_snr:
        rows.insert(0, measure(rows[0]["snr_db"] - args.step))
    while rows[-1]["errors"] and rows[-1]["snr_db"] + args.step <= args.max_snr and not floor(rows, args):
        rows.append(measure(rows[-1]["snr_db"] + args.step))
    return rows


def floor(rows: list[dict], args) -> bool:
    """An error floor: the FER under 1e-2 and not halved over the last ``--floor-db`` dB
    (the sweep stops there; link.py holds the last point's FER above the grid)."""
    back = round(args.floor_db / args.step)
    if len(rows) <= back:
        return False
    last, before = (row["errors"] / row["codewords"] for row in (rows[-1], rows[-1 - back]))
    return last < 1e-2 and last >= before / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mcs", nargs="+", help="MCS names (default: the whole table)")
    parser.add_argument("--step", type=float, default=0.5, help="grid step, dB")
    parser.add_argument("--codewords", type=int, default=10000, help="at most this many codewords a point")
    parser.add_argument("--errors", type=int, default=50, help="a point stops at this many errors")
    parser.add_argument("--top", type=float, default=0.9, help="the sweep starts at an FER of at least this")
    parser.add_argument("--min-snr", type=float, default=-6.0)
    parser.add_argument("--max-snr", type=float, default=24.0)
    parser.add_argument("--floor-db", type=float, default=3.0,
                        help="stop the sweep where the FER, under 1e-2, has not halved over this many dB")
    parser.add_argument("--batch", type=int, default=50, help="codewords coded at once")
    parser.add_argument("--resume", action="store_true",
                        help="keep the MCSs --out holds already (their settings and command stay recorded)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(1)
    schemes = [by_name(name) for name in args.mcs] if args.mcs else list(TABLE)
    run = {"command": shlex.join(["python", "benchmarks/mcs_thresholds.py", *sys.argv[1:]]),
           "step_db": args.step, "max_codewords": args.codewords, "stop_errors": args.errors,
           "floor_db": args.floor_db, "max_snr_db": args.max_snr, "seed": args.seed,
           "machine": platform.processor() or platform.machine(), "mcs": [m.name for m in schemes], "seconds": 0.0}
    report = {"channel": "awgn", "symbols_per_codeword": SYMBOLS,
              "meaning": "per MCS, per SNR (dB, true noise variance, exact LLRs): codewords sent, codewords "
                         "in error (parity check or check byte failed, or other bytes decoded) and of those "
                         "undetected (other bytes decoded); runs: the commands that measured them",
              "runs": [], "mcs": {}}
    if args.resume and args.out.exists():
        report = json.loads(args.out.read_text())
        schemes = [m for m in schemes if m.name not in report["mcs"]]
        run["mcs"] = [m.name for m in schemes]
    report["runs"].append(run)
    started = time.time()
    for mcs in schemes:
        rows = sweep(mcs, args)
        report["mcs"][mcs.name] = {key: [row[key] for row in rows] for key in rows[0]}
        run["seconds"] = round(time.time() - started, 1)
        text = json.dumps({**report, "mcs": {}}, indent=1)[:-3] + "\n"  # one line a list: a small file
        text += ",\n".join(f"  {json.dumps(name)}: {json.dumps(rows)}" for name, rows in report["mcs"].items())
        text += "\n }\n}"
        args.out.write_text(text + "\n")  # after each MCS: a partial table survives
    print(f"{args.out} in {run['seconds']:.0f} s")


if __name__ == "__main__":
    main()
