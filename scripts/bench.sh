#!/usr/bin/env bash
# Side-by-side benchmark of moe-train against the PyTorch peer on the reference task
# (Fashion-MNIST, 8 experts 784-256-10, softmax top-2, Switch loss 0.01, Adam 1e-3, batch 128,
# 1 epoch, 2 threads). Run it on an otherwise idle machine.
# Usage: scripts/bench.sh [OUT.jsonl] [PAIRS] [FIRST_SEED] [all|seeds]
#   PAIRS alternated pairs of peer and moe-train runs (default 7), seeds FIRST_SEED.. (default
#   0); then, unless the fourth argument is "seeds", the router/model variants and the
#   sparse/dense pairs. Ends with the median ratio and its spread (scripts/bench_summary.py).
# The peer runs on OpenBLAS (libopenblas0-pthread provides libblas.so.3, as a PyTorch user on
# Debian has it; pip wheels bring MKL). On the reference BLAS the script stops: no ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/bench.jsonl}"
seeds="${2:-7}"
first="${3:-0}"
mode="${4:-all}"
peers="${MOE_PEERS:-$(cd .. && pwd)/shared/bench}"  # MOE_PEERS: where the peers are, if not there
# The peer's strongest configuration on this 2-core machine: OpenBLAS on one thread (PyTorch's
# own intra-op threads as the run asks). With OpenBLAS's default of one thread per core beside
# PyTorch's two, the peer trains 3,400-4,800 samples/s instead of 8,800-13,300 (docs/BENCHMARKS.md).
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
scripts/deps.sh python3-torch python3-numpy libopenblas0-pthread
scripts/build.sh release >/dev/null
bin=build/release/app/moe-train
: > "$out"
run() { echo "+ $*" >&2; "$@" | tail -n 1 | tee -a "$out"; }
# The peer with another seed: its script fixes torch.manual_seed(0); this wraps that call.
peer() {
  /usr/bin/python3 - "$peers/peer_torch_moe.py" "$1" <<'PY'
import runpy, sys, torch
path, seed = sys.argv[1], int(sys.argv[2])
manual_seed = torch.manual_seed
torch.manual_seed = lambda _: manual_seed(seed)
sys.argv = [path, "1", "2"]
runpy.run_path(path, run_name="__main__")
PY
}
# Refuses a peer on the reference BLAS before spending time on pairs.
blas="$(/usr/bin/python3 - "$peers/peer_torch_moe.py" <<'PY'
import runpy, sys
print(runpy.run_path(sys.argv[1])["blas_in_use"]())
PY
)"
case "$blas" in
  *openblas*|*mkl*) echo "peer BLAS: $blas" >&2 ;;
  *) echo "bench.sh: PyTorch runs on the reference BLAS ($blas), not OpenBLAS; no ratio is" \
          "reported. Install libopenblas0-pthread (or select it with update-alternatives" \
          "--config libblas.so.3-x86_64-linux-gnu)." >&2; exit 2 ;;
esac
for s in $(seq "$first" $((first + seeds - 1))); do
  echo "+ peer seed $s" >&2; peer "$s" | sed "s/}$/, \"seed\": $s}/" | tee -a "$out"
  run "$bin" --json --threads 2 --seed "$s"
done
summary() { /usr/bin/python3 scripts/bench_summary.py "$out" | tee "${out%.jsonl}.summary.txt"; }
if [[ "$mode" == seeds ]]; then summary; echo "results in $out" >&2; exit 0; fi
run "$bin" --json --threads 2 --router dense
run "$bin" --json --threads 2 --router switch --capacity-factor 1.25
run "$bin" --json --threads 2 --router expert-choice --top-k 2 --capacity-factor 1.0
run "$bin" --json --threads 2 --router noisy-topk --top-k 2
run "$bin" --json --threads 2 --model stem-moe
run "$bin" --json --threads 2 --model dense-mlp
run "$bin" --json --threads 2 --backend opencl
# Sparse against dense, alternated six times: this machine's speed drifts within a minute, so
# one pair can mislead; BENCHMARKS.md quotes the median of the six ratios.
for i in 1 2 3 4 5 6; do
  run "$bin" --json --threads 2
  run "$bin" --json --threads 2 --router dense
done
summary
echo "results in $out" >&2
