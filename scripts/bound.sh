#!/usr/bin/env bash
# The reference step against the machine's bound (issue 18, docs/BENCHMARKS.md): ROUNDS
# alternated rounds of moe-kernel-bench (the project's kernels, the optimizer's stream, the
# step's parts and a real step) and scripts/bound_sgemm.py (OpenBLAS sgemm at the step's
# shapes), then scripts/bound_report.py's JSON (medians over the rounds). Run it idle.
# Usage: scripts/bound.sh [OUT.json] [ROUNDS] [REPS] [THREADS]   (defaults: build/bound.json 3 100 2)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/bound.json}"
rounds="${2:-3}"
reps="${3:-100}"
threads="${4:-2}"
scripts/deps.sh python3-numpy libopenblas0-pthread
[[ -n "${MOE_NO_BUILD:-}" ]] || scripts/build.sh release >/dev/null
dir="$(mktemp -d)"
ks=() ss=()
for r in $(seq 1 "$rounds"); do
  echo "+ round $r of $rounds" >&2
  build/release/app/moe-kernel-bench --reps "$reps" --threads "$threads" --steps "$((reps * 3))" \
    > "$dir/kernels-$r.json"
  /usr/bin/python3 scripts/bound_sgemm.py "$threads" "$reps" > "$dir/sgemm-$r.json"
  ks+=("$dir/kernels-$r.json") ss+=("$dir/sgemm-$r.json")
done
/usr/bin/python3 scripts/bound_report.py --kernels "${ks[@]}" --sgemm "${ss[@]}" \
  --markdown "${out%.json}.md" | tee "$out"
cat "${ks[@]}" "${ss[@]}" > "${out%.json}-rounds.jsonl"
rm -r "$dir"
echo "bound in $out (table: ${out%.json}.md), the rounds' lines in ${out%.json}-rounds.jsonl" >&2
