#!/usr/bin/env bash
# Runs the same moe-train commands with two builds and compares every field of every JSON line
# except timing, memory and the backend's description: a refactoring must change none. Fields
# only B writes (new metrics) and alarm lines are not compared.
# Usage: scripts/compare_runs.sh MOE_TRAIN_A MOE_TRAIN_B [OUT_DIR]   (exit 1 on a difference)
set -uo pipefail
A="$1"; B="$2"; OUT="${3:-$(mktemp -d)}"
mkdir -p "$OUT/a" "$OUT/b"
runs=(
  "reference|"
  "fortunes|--dataset fortunes-langid"
  "movielens|--dataset movielens"
  "switch|--router switch --capacity-factor 1.25 --max-train 6000"
  "expert-choice|--router expert-choice --max-train 6000"
  "noisy|--router noisy-topk --load-loss 0.01 --importance-loss 0.01 --max-train 6000"
  "dense|--router dense --z-loss 0.001 --max-train 6000"
  "stem|--model stem-moe --max-train 6000"
  "mlp|--model dense-mlp --max-train 6000"
  "opencl|--backend opencl --max-train 6000"
  "opencl-switch|--backend opencl --router switch --max-train 3000"
)
for r in "${runs[@]}"; do
  name="${r%%|*}"; args="${r#*|}"
  for side in a b; do
    bin="$A"; [ "$side" = b ] && bin="$B"
    # shellcheck disable=SC2086
    "$bin" --seed 0 --threads 2 --json $args > "$OUT/$side/$name.json" 2> "$OUT/$side/$name.err"
  done
  echo "ran $name"
done
python3 - "$OUT" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
skip = {"train_samples_per_s", "train_seconds", "peak_rss_mb", "data_load_seconds", "backend"}
bad = 0
for fa in sorted(glob.glob(out + "/a/*.json")):
    name = os.path.basename(fa)
    # Metric lines only: router-health alarm lines ({"event": ...}) are not results.
    la = [json.loads(l) for l in open(fa) if l.startswith("{") and not l.startswith('{"event"')]
    lb = [json.loads(l) for l in open(out + "/b/" + name) if l.startswith("{") and not l.startswith('{"event"')]
    diffs = [] if len(la) == len(lb) and la else [("lines", len(la), len(lb))]
    for x, y in zip(la, lb):
        # B may measure more (new metrics); every field A writes must be there, unchanged, but
        # for one A wrote as not measured (null or []): B may leave those out.
        missing = sorted(k for k in set(x) - set(y) if x[k] not in (None, []))
        if missing:
            diffs.append(("missing in B", missing))
        diffs += [(k, x[k], y[k]) for k in x if k not in skip and k in y and x[k] != y[k]]
    summary = next((x for x in la if x.get("summary")), {})
    metric = summary.get("test_accuracy", summary.get("test_rmse"))
    print(f"{name:20s} {'same' if not diffs else 'DIFFERENT'}  metric={metric} "
          f"test_loss={summary.get('test_loss')}" + (f"  {diffs[:3]}" if diffs else ""))
    bad += bool(diffs)
sys.exit(1 if bad else 0)
PY
