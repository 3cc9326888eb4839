#!/usr/bin/env bash
# Side-by-side benchmark of moe-train against the PyTorch peer on the reference task.
# Usage: scripts/bench.sh [OUT.jsonl]   (run on an otherwise idle machine)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/bench.jsonl}"
peers="$(cd .. && pwd)/shared/bench"
scripts/deps.sh python3-torch python3-numpy
scripts/build.sh release >/dev/null
bin=build/release/app/moe-train
: > "$out"
run() { echo "+ $*" >&2; "$@" | tail -n 1 | tee -a "$out"; }
run /usr/bin/python3 "$peers/peer_torch_moe.py" 1 2
run "$bin" --json --threads 2 --router topk --top-k 2
run "$bin" --json --threads 2 --router dense
run "$bin" --json --threads 2 --router switch --capacity-factor 1.25
run "$bin" --json --threads 2 --router expert-choice --top-k 2 --capacity-factor 1.0
run "$bin" --json --threads 2 --router noisy-topk --top-k 2
run "$bin" --json --threads 2 --model dense-mlp
echo "results in $out" >&2
