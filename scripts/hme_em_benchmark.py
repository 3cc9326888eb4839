#!/usr/bin/env python3
"""EM against gradient training of the hierarchical mixture of experts (issue 12's bar).

Runs moe-train twice on one dataset with the same tree, once with --fit gradient for many
epochs and once with --fit em, reads the training log-likelihood of every epoch
(hme_train_log_likelihood in the --json lines) and prints a Markdown table: the passes over the
data each needs to reach the gradient run's final log-likelihood, and the ratio.

  scripts/hme_em_benchmark.py [--moe-train build/release/app/moe-train]
      [--dataset toy:regression-1d] [--depth 2] [--branching 2] [--gradient-epochs 300]
      [--em-epochs 30] [--seed 0] [-- extra moe-train flags]
"""
import argparse
import json
import subprocess
import sys


def run(moe_train, dataset, fit, epochs, args, extra):
    cmd = [moe_train, "--dataset", dataset, "--model", "hme", "--depth", str(args.depth),
           "--branching", str(args.branching), "--expert-hidden", "0", "--fit", fit,
           "--epochs", str(epochs), "--seed", str(args.seed), "--threads", "1", "--json"]
    cmd += ["--lr", str(args.lr), "--batch-size", str(args.batch_size)] if fit == "gradient" else []
    cmd += extra
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    curve, seconds, passes = [], 0.0, []
    for line in out.splitlines():
        row = json.loads(line)
        if row.get("summary"):
            seconds = row.get("train_seconds", 0.0)
        elif "hme_train_log_likelihood" in row:
            curve.append(row["hme_train_log_likelihood"])
    return " ".join(cmd), curve, seconds


def first_reaching(curve, target):
    for i, v in enumerate(curve):
        if v is not None and v >= target:
            return i + 1
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--moe-train", default="build/release/app/moe-train")
    p.add_argument("--dataset", default="toy:regression-1d")
    p.add_argument("--depth", type=int, default=2)
    p.add_argument("--branching", type=int, default=2)
    p.add_argument("--gradient-epochs", type=int, default=300)
    p.add_argument("--em-epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    args, extra = p.parse_known_args()
    extra = [e for e in extra if e != "--"]
    gcmd, gcurve, gsec = run(args.moe_train, args.dataset, "gradient", args.gradient_epochs, args, extra)
    ecmd, ecurve, esec = run(args.moe_train, args.dataset, "em", args.em_epochs, args, extra)
    target = gcurve[-1]
    g_at = first_reaching(gcurve, target)
    e_at = first_reaching(ecurve, target)
    print(f"dataset {args.dataset}, tree depth {args.depth} x branching {args.branching}, "
          f"seed {args.seed}\n")
    print("| fit | epochs run | final train log-likelihood | passes to reach gradient's final "
          "| train seconds |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| gradient | {len(gcurve)} | {gcurve[-1]:.4f} | {g_at} | {gsec:.2f} |")
    print(f"| em | {len(ecurve)} | {ecurve[-1]:.4f} | {e_at if e_at else 'not reached'} "
          f"| {esec:.2f} |")
    if e_at:
        print(f"\nEM reaches it in {g_at / e_at:.1f}x fewer passes.")
    print("\nEM curve: " + ", ".join(f"{v:.4f}" for v in ecurve[:12]))
    print(f"\ncommands:\n  {gcmd}\n  {ecmd}")
    return 0 if e_at else 1


if __name__ == "__main__":
    sys.exit(main())
