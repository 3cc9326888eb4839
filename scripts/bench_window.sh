#!/usr/bin/env bash
# Responsiveness of the window while it trains the reference task, side by side with moe-train.
# Each run is moe-explorer --benchmark-responsiveness: 3 rounds, each moe-train on the window's
# settings (a child process) then the same time of training in the window, so the machine's
# drifting speed affects both alike. Prints one JSON line per run and the medians. Runs under Xvfb when there is no display. Run it on an otherwise idle machine.
# Usage: scripts/bench_window.sh [RUNS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
seconds="${2:-30}"
scripts/build.sh release >/dev/null
bin=build/release/app
if [ -z "${DISPLAY:-}" ]; then
  command -v Xvfb >/dev/null || scripts/deps.sh xvfb
  Xvfb :97 -screen 0 1920x1080x24 >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb' EXIT
  export DISPLAY=:97
  sleep 1
fi
out=build/bench-window.jsonl
: > "$out"
for r in $(seq 1 "$runs"); do
  window=$("$bin/moe-explorer" --benchmark-responsiveness "$seconds" 2>/dev/null | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))')
  python3 - "$window" <<'PY' | tee -a "$out"
import json, sys
w = json.loads(sys.argv[1])
print(json.dumps({"lateness_p99_ms": round(w["lateness_p99_ms"], 2),
                  "lateness_max_ms": round(w["lateness_max_ms"], 2),
                  "ui_thread_cpu_share": round(w["ui_thread_cpu_share"], 3),
                  "window_samples_per_s": round(w["window_samples_per_s"]),
                  "moe_train_samples_per_s": round(w["headless_samples_per_s"]),
                  "ratio_to_moe_train": round(w["throughput_ratio"], 3),
                  "launch_to_ready_s": round(w["launch_to_ready_s"], 2)}))
PY
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("median of", len(rows), "runs:", json.dumps({k: statistics.median(r[k] for r in rows) for k in rows[0]}))
PY
