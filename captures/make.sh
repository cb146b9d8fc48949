#!/usr/bin/env bash
# Regenerates the shipped captures: the loopback (software channel: GNU Radio's channel
# model) recorded as SigMF at several SNRs, with the live run's summary beside each.
# Run again after retraining the model they name: their replay is tested against it.
set -euo pipefail
cd "$(dirname "$0")/.."
for spec in "awgn 5 0 djscc" "awgn 10 0 djscc" "fading 15 1 djscc" "awgn 10 0 digital"; do
    set -- $spec
    name=software-channel_${1}_snr$(printf %02d "$2")db
    [ "$4" = digital ] && name=${name}_digital
    out=$(mktemp -d)
    .venv/bin/python flowgraphs/loopback.py --snr-db "$2" --fading "$3" --scheme "$4" --num-images 8 \
        --images-per-frame 4 --seed 1 --out-dir "$out" --capture "captures/$name" > /dev/null
    cp "$out/summary.json" "captures/$name.summary.json"
    rm -r "$out"
    echo "captures/$name: $(python3 -c "import json,sys; s=json.load(open('captures/$name.summary.json')); print(s['received'], 'images, mean PSNR', s['mean_psnr_db'], 'dB')")"
done
