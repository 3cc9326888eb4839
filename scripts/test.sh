#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. Usage: scripts/test.sh [preset]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
scripts/deps.sh
scripts/build.sh "$preset"
export QT_QPA_PLATFORM=offscreen
ctest --preset "$preset" -j "$(nproc)"
# Every reader's fuzz target for a few seconds where clang and libFuzzer are installed
# (scripts/fuzz.sh; MOE_FUZZ_SECONDS=0 skips, a larger value fuzzes longer).
fuzz_seconds="${MOE_FUZZ_SECONDS:-3}"
if [ "$preset" = release ] && [ "$fuzz_seconds" != 0 ] && command -v clang++ >/dev/null &&
   ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  scripts/fuzz.sh "$fuzz_seconds"
fi
