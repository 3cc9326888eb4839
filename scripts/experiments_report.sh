#!/usr/bin/env bash
# Runs the experiments of issue 13 and writes their results into docs/EXPERIMENTS.md:
#   1. accuracy against the number of experts (1..32) and k (1..4), three seeds, on
#      Fashion-MNIST and on the text task (fortunes-langid), with moe-sweep;
#   2. the MoE against its baselines (dense MLPs, bagging, boosting, stacking, uniform gate),
#      three seeds, ensembles of k members (the MoE's training compute per sample);
#   3. the ablation of the reference model (moe-train --seed 0 --threads 2 --save, then
#      --load --ablate --json), always on all training rows: it is the issue's bar.
# Everything above the line "<!-- generated -->" and the "## Conclusions" section of the
# existing file are kept (a person's reading of the tables); the rest is rewritten.
# Usage: scripts/experiments_report.sh [BUILD_DIR] [OUT.md]
#   Reduced by default (the machine is shared): MAX_TRAIN=5000 TEXT_MAX_TRAIN=3000 EPOCHS=1.
#   The full report: FULL=1 (all training rows, 3 epochs; hours on 2 cores).
#   SEEDS="0 1 2", PARALLEL=0 (moe-sweep's choice), KEEP=DIR keeps the sweeps' folders there
#   (and a second call with the same KEEP resumes them), SKIP="text" leaves sweeps out.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build/release}"
OUT="${2:-docs/EXPERIMENTS.md}"
SWEEP="$BUILD/app/moe-sweep"
TRAIN="$BUILD/app/moe-train"
for b in "$SWEEP" "$TRAIN"; do
  [ -x "$b" ] || { echo "experiments_report.sh: no $b (build first)" >&2; exit 2; }
done
if [ "${FULL:-0}" = 1 ]; then
  MAX_TRAIN="${MAX_TRAIN:-0}"; TEXT_MAX_TRAIN="${TEXT_MAX_TRAIN:-0}"; EPOCHS="${EPOCHS:-3}"
else
  MAX_TRAIN="${MAX_TRAIN:-5000}"; TEXT_MAX_TRAIN="${TEXT_MAX_TRAIN:-3000}"; EPOCHS="${EPOCHS:-1}"
fi
SEEDS="${SEEDS:-0 1 2}"
PARALLEL="${PARALLEL:-0}"
WORK="${KEEP:-$(mktemp -d)}"
mkdir -p "$WORK"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
SEEDS_JSON="[$(echo $SEEDS | sed 's/ /, /g')]"
COMMAND="SKIP=\"${SKIP:-}\" FULL=${FULL:-0} MAX_TRAIN=$MAX_TRAIN TEXT_MAX_TRAIN=$TEXT_MAX_TRAIN EPOCHS=$EPOCHS SEEDS=\"$SEEDS\" scripts/experiments_report.sh"

# Experts 1..32 and k 1..4 (k <= experts): a "runs" list, since a grid would pair 1 expert
# with k = 4.
grid_runs() {
  local first=1 out="["
  for e in 1 2 4 8 16 32; do
    for k in 1 2 3 4; do
      [ "$k" -le "$e" ] || continue
      [ $first = 1 ] || out+=", "
      out+="{\"experts\": $e, \"top_k\": $k}"
      first=0
    done
  done
  echo "$out]"
}
RUNS="$(grid_runs)"
cat >"$WORK/fashion.json" <<JSON
{"base": {"dataset": "fashion-mnist", "max_train": $MAX_TRAIN, "epochs": $EPOCHS},
 "runs": $RUNS, "seeds": $SEEDS_JSON}
JSON
cat >"$WORK/text.json" <<JSON
{"base": {"dataset": "fortunes-langid", "max_train": $TEXT_MAX_TRAIN, "epochs": $EPOCHS},
 "runs": $RUNS, "seeds": $SEEDS_JSON}
JSON
# The reference MoE (8 experts, k = 2) against its baselines; ensembles of k = 2 members train
# with the MoE's compute per sample (docs/EXPERIMENTS.md, "Baselines").
cat >"$WORK/baselines.json" <<JSON
{"base": {"dataset": "fashion-mnist", "max_train": $MAX_TRAIN, "epochs": $EPOCHS},
 "seeds": $SEEDS_JSON,
 "baselines": ["dense-active", "dense-total", "uniform-gate", "bagging", "boosting", "stacking"],
 "ensemble_members": 2}
JSON
SKIP="${SKIP:-}"
for s in fashion text baselines; do
  case " $SKIP " in *" $s "*) echo "experiments_report.sh: sweep $s skipped (SKIP)" >&2; continue ;; esac
  echo "experiments_report.sh: sweep $s" >&2
  "$SWEEP" "$WORK/$s.json" --out "$WORK/$s" --parallel "$PARALLEL" --quiet >/dev/null
done
echo "experiments_report.sh: the reference model and its ablation" >&2
# The reference model itself (all training rows, one epoch), whatever MAX_TRAIN says.
"$TRAIN" --seed 0 --threads 2 --save "$WORK/reference.ckpt" --json >"$WORK/reference.jsonl"
"$TRAIN" --seed 0 --threads 2 --load "$WORK/reference.ckpt" --ablate --json >"$WORK/ablation.jsonl"

python3 scripts/experiments_tables.py "$WORK" "$OUT" "$COMMAND"
echo "experiments_report.sh: wrote $OUT" >&2
