"""Every shipped model at k/n = 1/12 side by side: the last step of ./benchmarks/models.sh.

Assembles what models.sh measured (fidelity_awgn.json: djscc-eval on the 846 exact CIFAR-10
test images, 10 channel realizations each; complexity.json: djscc-complexity) and what each
model's card says of its training into one table and one plot: PSNR / SSIM / the shipped
classifier's accuracy at -2 (AttenJSCC's reported point), 0, 5, 10, 15 and 20 dB, the share
of symbols sent, parameters, FLOPs, CPU latency. Writes results/comparison.{json,md,png}.
A model trained and measured but too large to ship (AttenJSCC's Table 1 configuration, 87 MB)
keeps its card, figures included, as results/NAME.card.json and gets a row too. The digital
scheme and its capacity bound (fidelity_awgn_digital.json: djscc-eval digital capacity on the
same images, grid and realizations) get rows and lines beside them.

  .venv/bin/python benchmarks/compare.py
"""

import json
from pathlib import Path

from djscc.evaluate import plot
from djscc.nn import zoo

RESULTS = Path(__file__).resolve().parent / "results"
SNR_DB = [-2.0, 0.0, 5.0, 10.0, 15.0, 20.0]


def training_summary(card: dict) -> str:
    """'cifar10_jpeg.npz (50,000 images), 45 epochs, 38 min on cpu x1 (x86_64)' from a card."""
    training = card["training"]
    stopped = "" if training.get("epochs") == training.get("scheduled_epochs", training.get("epochs")) \
        else f" of {training['scheduled_epochs']} scheduled"
    return (f"{Path(training['data']).name} ({training['images']:,} images), {training['epochs']}"
            f"{stopped} epochs, {training['wall_seconds'] / 60:.0f} min on {training['device']}")


def row_cells(curve: dict, grid: list[float]) -> tuple[list[str], str]:
    """'PSNR / SSIM / accuracy' at each SNR of SNR_DB, and the symbols sent at 0 / 20 dB."""
    at = [grid.index(snr) for snr in SNR_DB]
    cells = [f"{curve['psnr_db']['mean'][i]:.2f} / {curve['ssim']['mean'][i]:.3f} / "
             f"{curve['accuracy']['mean'][i]:.3f}" for i in at]
    sent = curve["symbols_sent"]["mean"]
    return cells, f"{sent[grid.index(0.0)]:.2f} / {sent[grid.index(20.0)]:.2f}"


def main() -> int:
    fidelity = json.loads((RESULTS / "fidelity_awgn.json").read_text())
    complexity = json.loads((RESULTS / "complexity.json").read_text())
    grid = fidelity["snr_db"]
    rows, curves = {}, {}
    for name, curve in fidelity["models"].items():
        model, card = zoo.load(name)
        if model.symbols_per_image(32, 32) != 256:  # k/n = 1/12 only
            continue
        cells, sent = row_cells(curve, grid)
        curves[name] = curve
        rows[name] = {"cells": cells, "sent": sent, "complexity": complexity["models"][name],
                      "trained": training_summary(card)}
    digital = json.loads((RESULTS / "fidelity_awgn_digital.json").read_text())
    if (digital["data"], digital["snr_db"], digital["realizations"]) != (fidelity["data"], grid,
                                                                         fidelity["realizations"]):
        raise SystemExit("fidelity_awgn_digital.json was measured on other images, SNRs or realizations")
    for name, curve in digital["models"].items():
        cells, sent = row_cells(curve, grid)
        curves[name] = curve
        rows[name] = {"cells": cells, "sent": sent, "complexity": None,
                      "trained": "not trained: AVIF / JPEG + gr-fec LDPC + QAM (djscc.digital)"}
    for path in sorted(RESULTS.glob("*.card.json")):
        card = json.loads(path.read_text())
        figure = card["figures"][f"{fidelity['data']} / {fidelity['channel']}"]
        cost = complexity["models"][f"{card['architecture']} (untrained)"]
        if figure["snr_db"] != grid or cost["parameters"] != card["parameters"]:
            raise SystemExit(f"{path}: measured on another SNR grid, or complexity.json measured "
                             f"another configuration of {card['architecture']}")
        name = f"{card['name']} (not shipped)"
        curves[name] = {key: {"mean": figure[key], "ci95": [float("nan")] * len(grid)}  # no band kept
                        for key in ("psnr_db", "ssim", "accuracy", "symbols_sent")}
        cells, sent = row_cells(curves[name], grid)
        rows[name] = {"cells": cells, "sent": sent, "complexity": cost, "trained": training_summary(card)}
    lines = ["| model | " + " | ".join(f"{s:g} dB" for s in SNR_DB)
             + " | symbols sent, 0 / 20 dB | parameters | MFLOPs | CPU ms | trained on, for |",
             "| --- |" + " ---: |" * (len(SNR_DB) + 4) + " --- |"]
    for name, row in rows.items():
        cost = row["complexity"]
        costs = "- | - | -" if cost is None else f"{cost['parameters']:,} | {cost['mflops']} | {cost['latency_ms']}"
        lines.append(f"| {name} | " + " | ".join(row["cells"]) + f" | {row['sent']} | {costs} | {row['trained']} |")
    table = "\n".join(lines) + "\n"
    report = {"data": fidelity["data"], "images": fidelity["images"], "channel": fidelity["channel"],
              "realizations": fidelity["realizations"], "classifier": fidelity.get("classifier"),
              "snr_db": SNR_DB, "cell": "PSNR dB / SSIM / classifier accuracy",
              "complexity_machine": complexity["machine"], "models": rows}
    (RESULTS / "comparison.json").write_text(json.dumps(report, indent=1) + "\n")
    (RESULTS / "comparison.md").write_text(table)
    plot({**fidelity, "models": curves}, RESULTS / "comparison.png")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
