"""djscc-complexity: the paper's Table I for any models, JSON + PNG.

Parameters; size in MB (float32 parameters, MiB as in the paper: 0.143M -> 0.547);
FLOPs of one encode + decode (torch's FlopCounterMode: convolutions and linear layers,
a multiply-add counted as 2); CPU latency of encode + decode of one image at batch 1,
median of ``--runs`` after a warm-up, with the torch thread count stated.
"""

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from djscc import cli
from djscc.nn import zoo
from djscc.nn.channels import ChannelState
from djscc.paths import write_atomically


@torch.no_grad()
def measure(model, image_size: int, runs: int) -> dict:
    """Complexity of one model at batch 1."""
    image = torch.rand(1, 3, image_size, image_size)
    state = ChannelState.awgn(torch.tensor([10.0]))

    def encode_decode():
        return model.decode(model.encode(image, state), state, (image_size, image_size))

    with FlopCounterMode(display=False) as counter:
        encode_decode()
    for _ in range(max(5, runs // 10)):
        encode_decode()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        encode_decode()
        timings.append(time.perf_counter() - start)
    parameters = sum(p.numel() for p in model.parameters())
    return {
        "parameters": parameters,
        "size_mb": round(parameters * 4 / 2**20, 3),
        "mflops": round(counter.get_total_flops() / 1e6, 2),
        "latency_ms": round(statistics.median(timings) * 1e3, 3),
        "latency_p90_ms": round(sorted(timings)[int(0.9 * len(timings))] * 1e3, 3),
    }


def plot(report: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["models"])
    columns = (("parameters", "parameters"), ("mflops", "MFLOPs / image"),
               ("latency_ms", f"CPU ms / image ({report['threads']} thread)"))
    figure, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for axis, (key, label) in zip(axes, columns):
        axis.bar(names, [report["models"][n][key] for n in names], color="tab:blue")
        axis.set_title(label, fontsize=9)
        axis.tick_params(axis="x", labelrotation=30, labelsize=7)
    figure.suptitle(f"Complexity at {report['image_size']}x{report['image_size']}, batch 1, "
                    f"{report['machine']}", fontsize=9)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)


def markdown_table(report: dict) -> str:
    lines = ["| model | parameters | size (MB) | MFLOPs | CPU latency (ms) |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, row in report["models"].items():
        lines.append(f"| {name} | {row['parameters']:,} | {row['size_mb']} | {row['mflops']} | "
                     f"{row['latency_ms']} |")
    return "\n".join(lines)


def complexity(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="djscc-complexity", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help="shipped model names, NAME paths, or "
                        "architectures (djscc, adjscc, da-djscc) for untrained ones")
    parser.add_argument("--image-size", type=cli.positive_int, default=32)
    parser.add_argument("--runs", type=cli.positive_int, default=300)
    parser.add_argument("--threads", type=cli.positive_int, default=1)
    parser.add_argument("--json", type=cli.output_path)
    parser.add_argument("--plot", type=cli.output_path)
    args = parser.parse_args(argv)
    cli.set_threads(args.threads)
    report = {"image_size": args.image_size, "threads": torch.get_num_threads(),
              "runs": args.runs, "machine": f"{platform.machine()} CPU, {torch.get_num_threads()} "
              f"thread(s), torch {torch.__version__}", "models": {}}
    for name in args.models:
        if name in zoo.ARCHITECTURES:
            model, label = zoo.build(name).eval(), f"{name} (untrained)"
        else:
            model, card = zoo.load(name)
            label = card.get("name", name)
        report["models"][label] = measure(model, args.image_size, args.runs)
    print(markdown_table(report))
    print(f"\n{report['machine']}; latency = median of {args.runs} encode+decode runs")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(args.json, lambda file: file.write_text(json.dumps(report, indent=1) + "\n"))
    if args.plot:
        plot(report, args.plot)
    return 0


def main(argv=None) -> int:
    return cli.run(complexity, argv)


if __name__ == "__main__":
    raise SystemExit(main())
