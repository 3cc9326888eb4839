#!/usr/bin/env bash
# The "where, then what" experiment of Eigen, Ranzato & Sutskever (2013) on translated
# Fashion-MNIST: a two-layer deep-moe trained per seed; prints a Markdown table of each layer's
# mutual information with the offset cell and with the class (docs/DEEP_MOE.md).
# Usage: scripts/deep_moe_report.sh [MOE_TRAIN]
#   SEEDS="0 1" (default), THREADS=2, EPOCHS=3, EXTRA="" (more flags, e.g. --max-train 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-build/release/app/moe-train}"
SEEDS="${SEEDS:-0 1}"
THREADS="${THREADS:-2}"
EPOCHS="${EPOCHS:-3}"
EXTRA="${EXTRA:-}"
[ -x "$BIN" ] || { echo "deep_moe_report.sh: no moe-train at '$BIN' (build first)" >&2; exit 2; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# The dataset's preset: deep-moe, 2 layers of 4 experts, top-2, width 64 (core/train/presets.cpp).
FLAGS="--dataset shifted:fashion-mnist --epochs $EPOCHS $EXTRA"
for seed in $SEEDS; do
  # shellcheck disable=SC2086
  "$BIN" --seed "$seed" --threads "$THREADS" --json $FLAGS >"$WORK/$seed.json" 2>"$WORK/$seed.err" ||
    { echo "deep_moe_report.sh: seed $seed failed: $(tail -1 "$WORK/$seed.err")" >&2; exit 1; }
  echo "ran seed $seed" >&2
done
python3 - "$WORK" "$SEEDS" "$BIN --threads $THREADS --json $FLAGS" <<'PY'
import json, sys
work, seeds, command = sys.argv[1], sys.argv[2].split(), sys.argv[3]
print(f"Command, per seed S: `{command} --seed S`\n")
print("| seed | test accuracy | layer 1: I(offset; expert) | layer 1: I(class; expert) "
      "| layer 2: I(class; expert) | layer 2: I(offset; expert) |")
print("| --- | --- | --- | --- | --- | --- |")
for s in seeds:
    lines = [json.loads(l) for l in open(f"{work}/{s}.json") if l.startswith("{")]
    ev = [l for l in lines if "layer_mutual_information_bits" in l][-1]
    summ = next(l for l in lines if l.get("summary"))
    mi, off = ev["layer_mutual_information_bits"], ev["layer_offset_mutual_information_bits"]
    print(f"| {s} | {summ['test_accuracy']:.4f} | {off[0]:.3f} | {mi[0]:.3f} | {mi[1]:.3f} | {off[1]:.3f} |")
print("\nBits, on the test split, of each test image's first-choice expert; with 4 experts at most "
      "2 bits (log2 4).")
PY
