#!/usr/bin/env bash
# Measures every router and balancing method and writes docs/ROUTERS.md: each on the reference
# task and on the 16-expert top-1 shape of issue 11, over several seeds, with test accuracy,
# MaxVio, load CV, dropped fraction, dead experts, samples/s and I(class; expert).
# The routers come from the binary (`moe-train --list-routers`), so new ones appear by
# themselves.
# Usage: scripts/routers_report.sh [MOE_TRAIN] [OUT.md]
#   SEEDS="0 1 2" (default), THREADS=2, EXTRA="--max-train 6000" for a quick small run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-build/release/app/moe-train}"
OUT="${2:-docs/ROUTERS.md}"
SEEDS="${SEEDS:-0 1 2}"
THREADS="${THREADS:-2}"
EXTRA="${EXTRA:-}"
[ -x "$BIN" ] || { echo "routers_report.sh: no moe-train at '$BIN' (build first)" >&2; exit 2; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

SHAPE16="--experts 16 --top-k 1 --expert-hidden 512 --capacity-factor 1.25"
runs=()  # "section|label|flags"
for r in $("$BIN" --list-routers); do
  runs+=("reference|$r|--router $r")
  runs+=("shape16|$r|$SHAPE16 --router $r")
done
# Balancing methods, on the 16-expert shape with Switch (and top-1 where it never drops).
B="$SHAPE16 --router switch"
runs+=(
  "balance|switch, Switch loss 0.01 (batch)|$B --aux-loss 0.01"
  "balance|switch, no balancing|$B --aux-loss 0"
  "balance|switch, Switch loss 0.01, sequence scope|$B --aux-loss 0.01 --balance-scope sequence"
  "balance|switch, Switch loss 0.01, global scope (16 steps)|$B --aux-loss 0.01 --balance-scope global"
  "balance|switch, Switch loss 0.01, drop by probability|$B --aux-loss 0.01 --drop-policy probs"
  "balance|switch, Switch loss 0.01, random drops|$B --aux-loss 0.01 --drop-policy random"
  "balance|switch, Switch loss 0.01, z-loss 0.001|$B --aux-loss 0.01 --z-loss 0.001"
  "balance|switch, bias 1e-3, no aux loss|$B --aux-loss 0 --bias-update-rate 1e-3"
  "balance|switch, bias 2e-2, no aux loss|$B --aux-loss 0 --bias-update-rate 2e-2"
  "balance|switch, sigmoid, bias 2e-2, no aux loss|$B --aux-loss 0 --score sigmoid --bias-update-rate 2e-2"
  "balance|topk k=1, no balancing|$SHAPE16 --router topk --aux-loss 0"
  "balance|topk k=1, sigmoid, bias 2e-2, no aux loss|$SHAPE16 --router topk --aux-loss 0 --score sigmoid --bias-update-rate 2e-2"
)

i=0
for run in "${runs[@]}"; do
  IFS='|' read -r section label flags <<<"$run"
  for seed in $SEEDS; do
    f="$WORK/$i.$seed.json"
    # shellcheck disable=SC2086
    if ! "$BIN" --seed "$seed" --threads "$THREADS" --json $flags $EXTRA >"$f" 2>"$f.err"; then
      echo "routers_report.sh: failed: $flags --seed $seed: $(tail -1 "$f.err")" >&2
    fi
  done
  printf '%s|%s|%s\n' "$section" "$label" "$flags" >"$WORK/$i.run"
  echo "ran $label ($section)" >&2
  i=$((i + 1))
done

python3 - "$WORK" "$i" "$OUT" "$SEEDS" "$EXTRA" <<'PY'
import json, statistics, sys
work, n, out, seeds, extra = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].split(), sys.argv[5]
cols = [("test_accuracy", "test acc", 4), ("max_vio", "MaxVio", 2), ("load_cv", "load CV", 2),
        ("dropped_fraction", "dropped", 3), ("dead_experts", "dead", 1),
        ("train_samples_per_s", "samples/s", 0), ("mutual_information_bits", "I(class; expert) bits", 2)]
titles = {"reference": "Every router on the reference task (`moe-train --router NAME`: 8 experts, top-2, Switch loss 0.01)",
          "shape16": "Every router on the 16-expert top-1 shape (`--experts 16 --top-k 1 --expert-hidden 512 --capacity-factor 1.25`, Switch loss 0.01)",
          "balance": "Balancing methods on the 16-expert top-1 shape"}
sections = {}
for i in range(n):
    section, label, flags = open(f"{work}/{i}.run").read().rstrip("\n").split("|", 2)
    vals = {c: [] for c, _, _ in cols}
    vals["per_seed"] = {}
    router = None
    for s in seeds:
        try:
            lines = [json.loads(l) for l in open(f"{work}/{i}.{s}.json") if l.startswith("{")]
        except OSError:
            lines = []
        if not lines:
            continue
        merged = {}
        for l in lines:  # epoch lines, then the summary: the last value of each key wins
            merged.update(l)
        router = merged.get("router", router)
        vals["per_seed"][s] = merged
        for c, _, _ in cols:
            if isinstance(merged.get(c), (int, float)):
                vals[c].append(float(merged[c]))
    sections.setdefault(section, []).append((label, flags, router, vals))

def cell(v, d):
    if not v:
        return "n/a"
    m = statistics.mean(v)
    if len(v) < 2:
        return f"{m:.{d}f}"
    return f"{m:.{d}f} ± {statistics.stdev(v):.{d}f}"

conclusions = ""
try:
    previous = open(out).read()
    if "## Conclusions\n" in previous:
        conclusions = previous.split("## Conclusions\n", 1)[1].lstrip("\n")
except OSError:
    pass
with open(out, "w") as o:
    o.write("# Routers and balancing methods, measured\n\n")
    o.write("Written by `scripts/routers_report.sh` (do not edit the tables by hand; rerun it). "
            f"One epoch each, seeds {', '.join(seeds)}, mean ± standard deviation over the seeds"
            + (f", extra flags `{extra}`" if extra else "") + ". Test-split metrics; "
            "dead experts = experts with no test input; I(class; expert) = mutual information "
            "between the class and the first-choice expert on the test split.\n\n")
    for key in ("reference", "shape16", "balance"):
        if key not in sections:
            continue
        o.write(f"## {titles[key]}\n\n")
        o.write("| method | JSON router | " + " | ".join(t for _, t, _ in cols) + " |\n")
        o.write("| --- | --- |" + " --- |" * len(cols) + "\n")
        for label, flags, router, vals in sections[key]:
            o.write(f"| {label} | {router or 'failed'} | " +
                    " | ".join(cell(vals[c], d) for c, _, d in cols) + " |\n")
        o.write("\n")
    # The bars are per seed: each balancing run's seeds, one line each.
    if "balance" in sections:
        o.write("## Balancing methods, seed by seed\n\n| method | " +
                " | ".join(f"seed {s}: test acc / dropped / dead" for s in seeds) + " |\n")
        o.write("| --- |" + " --- |" * len(seeds) + "\n")
        for label, flags, router, vals in sections["balance"]:
            cells = []
            for s in seeds:
                m = vals["per_seed"].get(s, {})
                ok = all(isinstance(m.get(k), (int, float))
                         for k in ("test_accuracy", "dropped_fraction", "dead_experts"))
                cells.append(f"{m['test_accuracy']:.4f} / {m['dropped_fraction']:.3f} / "
                             f"{int(m['dead_experts'])}" if ok else "failed")
            o.write(f"| {label} | " + " | ".join(cells) + " |\n")
        o.write("\n")
    # The conclusions are a person's reading of the tables: kept from the previous file.
    o.write("## Conclusions\n\n")
    o.write(conclusions or "Not written yet: read the tables above and say what a reader should "
            "conclude (which methods fix the 16-expert collapse, which do not help here, at what "
            "cost), under this heading; the script keeps it when it rewrites the tables.\n")
print(f"wrote {out}")
PY
