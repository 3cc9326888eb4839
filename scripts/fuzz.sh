#!/usr/bin/env bash
# Builds the libFuzzer targets (the fuzz preset: clang, ASan + UBSan) and runs each for SECONDS
# (default 60) on its corpus, seeded with small valid files (fuzz/make_seeds.py and the
# targets' own writers). Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (targets: idx, config, ...)
# Crashes, leaks and sanitizer reports stop a target and leave its input in build/fuzz/artifacts;
# the script then exits 1. MOE_FUZZ_JOBS=N runs N targets at once (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  scripts/deps.sh clang libclang-rt-14-dev
fi
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"

bin=build/fuzz/fuzz
seeds=build/fuzz/seeds
rm -rf "$seeds"
python3 fuzz/make_seeds.py "$seeds"
mkdir -p "$seeds/checkpoint" "$seeds/session" "$seeds/safetensors" build/fuzz/artifacts build/fuzz/logs
MOE_FUZZ_WRITE_SEEDS="$seeds/checkpoint" "$bin/fuzz_checkpoint" -runs=0 >/dev/null 2>&1
MOE_FUZZ_WRITE_SEEDS="$seeds/session" "$bin/fuzz_session" -runs=0 >/dev/null 2>&1
MOE_FUZZ_WRITE_SEEDS="$seeds/safetensors" "$bin/fuzz_safetensors" -runs=0 >/dev/null 2>&1

targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in "$bin"/fuzz_*; do targets+=("$(basename "$f" | sed 's/^fuzz_//')"); done
fi

run_one() {
  local t="$1" corpus="build/fuzz/corpus/$1" log="build/fuzz/logs/$1.log"
  mkdir -p "$corpus"
  # -rss_limit_mb: a reader that allocates from a size in the file is a finding, not a hang.
  if "$bin/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
      -artifact_prefix="build/fuzz/artifacts/$t-" "$corpus" "$seeds/$t" >"$log" 2>&1; then
    local status=ok
  else
    local status=FAILED
  fi
  local execs cov
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  printf '%-18s %-7s %6ss %12s execs  cov %6s  corpus %5s files\n' "$t" "$status" "$seconds" \
    "$execs" "$cov" "$(ls "$corpus" | wc -l)"
  [ "$status" = ok ]
}

export -f run_one
export bin seeds seconds
jobs="${MOE_FUZZ_JOBS:-1}"
echo "target             status   time        execs        coverage  corpus"
if printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {}; then
  echo "fuzz: no crash, leak or sanitizer report"
else
  echo "fuzz: findings: see build/fuzz/logs and build/fuzz/artifacts" >&2
  exit 1
fi
