#!/bin/bash
# Expert-parallel scaling on this machine (docs/SCALING.md): 1, 2 and 4 ranks (oversubscribed
# with --oversubscribe where ranks outnumber cores) for the reference task and a 64-expert
# shape, one thread a rank, then the cost model's prediction beside each point.
#   scripts/scaling_mpi.sh [OUT_DIR] [MAX_TRAIN]
# Needs openmpi-bin (scripts/deps.sh) and a release build (build/release/app/moe-train).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/moe-scaling}
MAX_TRAIN=${2:-12800}
BIN=build/release/app/moe-train
mkdir -p "$OUT"
# As root (containers, CI) Open MPI refuses to start without these; set for these runs only.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
declare -A SHAPES=([reference]="" [e64]="--experts 64 --expert-hidden 64")
for shape in reference e64; do
  for ranks in 1 2 4; do
    # shellcheck disable=SC2086
    mpirun -np "$ranks" --oversubscribe "$BIN" --parallel expert --seed 0 --threads 1 \
      --max-train "$MAX_TRAIN" --json ${SHAPES[$shape]} | tail -1 > "$OUT/$shape-$ranks.json"
    echo "$shape, $ranks rank(s): $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); p=d["parallel"]; print("%.2f ms a2a, %.2f ms other, %.2f ms compute a step" % (1e3*p["a2a_seconds_per_step"], 1e3*p["sync_seconds_per_step"], 1e3*p["compute_seconds_per_step"]))' "$OUT/$shape-$ranks.json")"
  done
done
python3 scripts/scaling_model.py "$OUT"
