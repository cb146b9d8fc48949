#!/usr/bin/env bash
# Every model figure, one command: ./benchmarks/models.sh [EXACT_NPZ [MODEL ...]]
#   fidelity_awgn.{json,png}      PSNR, SSIM, classifier accuracy and symbols sent vs SNR,
#                                 -5..25 dB (and -2, AttenJSCC's point), all shipped codecs, AWGN
#   fidelity_awgn_digital.json    the same for the digital scheme (MCS by the SNR) and its
#                                 capacity bound, the rows compare.py sets beside the models
#   fidelity_rayleigh.{json,png}  the same over Rayleigh block fading (perfect CSI), 5 dB steps
#   complexity.{json,png}         the paper's Table I (parameters, MB, MFLOPs, CPU latency),
#                                 with AttenJSCC's Table 1 configuration (built untrained: its
#                                 trained weights are not shipped, its card is results/attenjscc_1-12.card.json)
#   comparison.{json,md,png}      the k/n = 1/12 models side by side (benchmarks/compare.py),
#                                 with a row for each results/NAME.card.json (trained, not shipped)
# on the 846 exact CIFAR-10 test images (never JPEG-decoded ones), 10 channel realizations
# per image. Writes benchmarks/results/ and stores the AWGN curve in each model's card.
# With MODELs named (one retrained): only they are measured again, AWGN and Rayleigh, into the
# reports beside the others (djscc-eval --merge: every model draws the same noise, so the
# figures are those of a full run); the digital rows and Table I, which no codec's weights
# change, are kept; the comparison is made again. ~20 min a model here, the full run ~3 h.
set -euo pipefail
cd "$(dirname "$0")/.."
EXACT=${1:-../shared/data/cifar10/cifar10_exact.npz}
OUT=benchmarks/results
BIN=.venv/bin
MODELS=(djscc_snr7_1-12 djscc_snr15_1-12 adjscc_1-12 da-djscc_1-12 da-djscc-fading_1-12 da-djscc_1-6
        attenjscc-small_1-12 lssc_1-12 gated-jscc_1-12)
MERGE=()
if [ $# -gt 1 ]; then
    MODELS=("${@:2}")
    MERGE=(--merge)
fi

"$BIN/djscc-eval" "${MODELS[@]}" --data "$EXACT" --snr=-5:25:2.5,-2 --realizations 10 "${MERGE[@]}" \
    --threads 2 --json $OUT/fidelity_awgn.json --plot $OUT/fidelity_awgn.png --update-cards
"$BIN/djscc-eval" "${MODELS[@]}" --data "$EXACT" --snr=-5:25:5 --realizations 10 "${MERGE[@]}" \
    --channel rayleigh --threads 2 --json $OUT/fidelity_rayleigh.json --plot $OUT/fidelity_rayleigh.png
if [ ${#MERGE[@]} -eq 0 ]; then
    "$BIN/djscc-eval" digital capacity --data "$EXACT" --snr=-5:25:2.5,-2 --realizations 10 \
        --threads 2 --json $OUT/fidelity_awgn_digital.json
    "$BIN/djscc-complexity" "${MODELS[@]}" attenjscc --threads 1 --runs 500 \
        --json $OUT/complexity.json --plot $OUT/complexity.png
fi
"$BIN/python" benchmarks/compare.py
