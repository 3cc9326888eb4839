#!/usr/bin/env bash
# The PyTorch round trip (docs/PYTORCH.md), run by ctest as app.torch_roundtrip:
#   1. moe-train trains a small model and exports it (--export-safetensors) with its predictions;
#   2. scripts/to_pytorch.py builds the torch.nn model, reproduces moe-train's test accuracy
#      (to 1e-4, else it fails) and writes the module's state_dict as safetensors;
#   3. moe-train loads that file (--load-safetensors --eval-only) and its predictions,
#      confidences and experts must be byte-identical to step 1's.
# For the reference router (topk) and the capacity routers (switch, expert-choice).
# Usage: scripts/torch_roundtrip.sh MOE_TRAIN [OUTDIR]
# Exits 77 (ctest: skipped) without a python3 that imports torch and numpy, or without
# Fashion-MNIST; scripts/deps.sh installs python3-torch, python3-numpy, dataset-fashion-mnist.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$1"
out="${2:-$(mktemp -d)}"
mkdir -p "$out"
py=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import torch, numpy' 2>/dev/null; then
    py="$candidate"
    break
  fi
done
if [ -z "$py" ]; then
  echo "SKIPPED: no python3 that imports torch and numpy (scripts/deps.sh installs python3-torch python3-numpy)"
  exit 77
fi
if [ ! -d /usr/share/datasets/fashion-mnist ]; then
  echo "SKIPPED: Fashion-MNIST is not installed (dataset-fashion-mnist)"
  exit 77
fi
for router in topk switch expert-choice; do
  echo "== $router"
  common=(--seed 0 --threads 2 --router "$router" --experts 4 --expert-hidden 32 --json)
  "$bin" "${common[@]}" --max-train 2000 --export-safetensors "$out/$router.safetensors" \
    --export-predictions "$out/$router-pred.safetensors" | tail -1
  "$py" scripts/to_pytorch.py "$out/$router.safetensors" --predictions "$out/$router-pred.safetensors" \
    --write "$out/$router-torch.safetensors" --json
  "$bin" --load-safetensors "$out/$router-torch.safetensors" --eval-only --threads 2 --json \
    --export-predictions "$out/$router-back-pred.safetensors" | tail -1
  if ! cmp "$out/$router-pred.safetensors" "$out/$router-back-pred.safetensors"; then
    echo "FAILED: $router: moe-train's predictions from the round-tripped weights differ" >&2
    exit 1
  fi
  echo "$router: identical predictions after the round trip"
done
