#!/usr/bin/env bash
# How the cost grows (issue 18): moe-train beside the PyTorch peer at each point of each axis,
# samples/s and peak memory, then docs/scaling.png and a table (scripts/plot_scaling.py).
#   experts 8..256 at fixed active compute (top-2, width 256), k 1..4 (8 experts), expert width
#   64..2048 (8 experts, top-2), batch 32..1024, threads 1 and 2 (reference shape otherwise);
#   the experts axis also with --lazy-experts 1; the text and ratings presets against
#   scripts/peer_torch_text.py and scripts/peer_torch_ratings.py.
# The two sides alternate at every point (PAIRS times; the plot and table take medians).
# Usage: scripts/scaling.sh [--quick] [OUT_DIR]      (default build/scaling; run it idle)
#   --quick: two points an axis and tiny runs, to check that everything works (about 5 min).
# Environment: MAX_TRAIN (training images a point, default 12800), PAIRS (default 1),
#   TEXT_TRAIN (texts, default 20000), RATING_EPOCHS (default 2), MOE_PEERS (the peers' folder),
#   PNG (default docs/scaling.png; the quick mode writes OUT_DIR/scaling.png), AXES (the axes to
#   run, default "experts k width batch threads text ratings").
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
if [[ "${1:-}" == --quick ]]; then quick=1; shift; fi
out="${1:-build/scaling}"
pairs="${PAIRS:-1}"
bin=build/release/app/moe-train
# The peer's strongest configuration on this 2-core machine: OpenBLAS on one thread (PyTorch's
# own intra-op threads as the run asks). With OpenBLAS's default of one thread per core beside
# PyTorch's two, the peer trains 3,400-4,800 samples/s instead of 8,800-13,300 (docs/BENCHMARKS.md).
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
scripts/deps.sh python3-torch python3-numpy libopenblas0-pthread python3-matplotlib
[[ -n "${MOE_NO_BUILD:-}" ]] || scripts/build.sh release >/dev/null
scripts/export_movielens.sh >/dev/null   # once: the ratings preset's data
if ((quick)); then
  maxTrain="${MAX_TRAIN:-1280}" textTrain="${TEXT_TRAIN:-1000}" ratingEpochs="${RATING_EPOCHS:-1}"
  experts=(8 64) ks=(1 2) widths=(64 512) batches=(64 256) png="${PNG:-$out/scaling.png}"
else
  maxTrain="${MAX_TRAIN:-12800}" textTrain="${TEXT_TRAIN:-20000}" ratingEpochs="${RATING_EPOCHS:-2}"
  experts=(8 16 32 64 128 256) ks=(1 2 3 4) widths=(64 128 256 512 1024 2048)
  batches=(32 64 128 256 512 1024) png="${PNG:-docs/scaling.png}"
fi
mkdir -p "$out"
res="$out/scaling.jsonl"
: > "$res"

# One line of results: the axis, its value, the side and the program's own JSON summary.
record() {
  local axis="$1" value="$2" side="$3" line
  line="$(tail -n 1)"
  [[ "$line" == \{* ]] || { echo "scaling.sh: $side at $axis=$value printed no JSON" >&2; return 0; }
  echo "{\"axis\": \"$axis\", \"value\": $value, \"side\": \"$side\", \"result\": $line}" | tee -a "$res"
}
ours() {  # axis value side moe-train-args...
  local axis="$1" value="$2" side="$3"; shift 3
  echo "+ moe-train $*" >&2
  "$bin" --json --seed 0 "$@" 2>/dev/null | record "$axis" "$value" "$side"
}
peer() {  # axis value peer_scaling-args...
  local axis="$1" value="$2"; shift 2
  echo "+ peer $*" >&2
  /usr/bin/python3 scripts/peer_scaling.py "$@" 2>/dev/null | record "$axis" "$value" peer
}
point() {  # axis value experts k width batch threads
  local axis="$1" value="$2" e="$3" k="$4" w="$5" b="$6" t="$7"
  for _ in $(seq 1 "$pairs"); do
    ours "$axis" "$value" moe-train --epochs 1 --experts "$e" --top-k "$k" --expert-hidden "$w" \
      --batch-size "$b" --threads "$t" --max-train "$maxTrain"
    if [[ "$axis" == experts ]]; then
      ours "$axis" "$value" moe-train-lazy --epochs 1 --experts "$e" --top-k "$k" --expert-hidden "$w" \
        --batch-size "$b" --threads "$t" --max-train "$maxTrain" --lazy-experts 1
    fi
    peer "$axis" "$value" --experts "$e" --k "$k" --hidden "$w" --batch "$b" --threads "$t" \
      --max-train "$maxTrain"
  done
}

axes=" ${AXES:-experts k width batch threads text ratings} "
want() { [[ "$axes" == *" $1 "* ]]; }
if want experts; then for e in "${experts[@]}"; do point experts "$e" "$e" 2 256 128 2; done; fi
if want k; then for k in "${ks[@]}"; do point k "$k" 8 "$k" 256 128 2; done; fi
if want width; then for w in "${widths[@]}"; do point width "$w" 8 2 "$w" 128 2; done; fi
if want batch; then for b in "${batches[@]}"; do point batch "$b" 8 2 256 "$b" 2; done; fi
if want threads; then for t in 1 2; do point threads "$t" 8 2 256 128 "$t"; done; fi
for _ in $(seq 1 "$pairs"); do
  want text || break
  ours text 1 moe-train --dataset fortunes-langid --epochs 1 --max-train "$textTrain" --threads 2
  echo "+ peer_torch_text.py" >&2
  /usr/bin/python3 scripts/peer_torch_text.py 1 2 "$textTrain" 2>/dev/null | record text 1 peer
done
for _ in $(seq 1 "$pairs"); do
  want ratings || break
  ours ratings 1 moe-train --dataset movielens --epochs "$ratingEpochs" --threads 2
  echo "+ peer_torch_ratings.py" >&2
  /usr/bin/python3 scripts/peer_torch_ratings.py "$ratingEpochs" 2 2>/dev/null | record ratings 1 peer
done
/usr/bin/python3 scripts/plot_scaling.py "$res" "$png" | tee "$out/scaling.md"
echo "results in $res, table in $out/scaling.md, plot in $png" >&2
