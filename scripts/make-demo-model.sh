#!/usr/bin/env bash
# Reproduces models/demo (the gateway's default model) from nothing but this repository:
# a seeded phantom cohort -> dataset -> 6:3:1 split by infant -> the paper's three-arm experiment
# (cpu-quick profile) -> the three pipelines, report.md/json and figures copied into models/demo.
# Deterministic: same seeds, same weights (tfjs wasm, single-threaded). ~20-30 min on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-var/demo-model}
ROP="node tools/cli/bin/rop.mjs"
rm -rf "$WORK"
mkdir -p "$WORK"
$ROP phantoms --out "$WORK/cohort" --infants 16 --seed 1 --size 640x480 --no-progress
$ROP dataset import-phantoms --from "$WORK/cohort" --out "$WORK/dataset" --name rop-demo-phantoms
$ROP dataset split --data "$WORK/dataset" --seed 1
$ROP experiment --data "$WORK/dataset" --out "$WORK/experiment" --profile cpu-quick --seed 1 \
  --stages 0,1,2,3 --name rop-demo --backend wasm --no-register "$@"
rm -rf models/demo.tmp
mkdir -p models/demo.tmp
cp -r "$WORK/experiment/pipelines" "$WORK/experiment/figures" "$WORK/experiment/report.md" \
  "$WORK/experiment/report.json" models/demo.tmp/
rm -rf models/demo
mv models/demo.tmp models/demo
echo "models/demo: $(du -sh models/demo | cut -f1)"
