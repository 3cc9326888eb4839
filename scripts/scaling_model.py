#!/usr/bin/env python3
"""Cost model of an expert-parallel step (docs/SCALING.md): compute against all-to-all time.

  scripts/scaling_model.py DIR   reads DIR/{reference,e64}-{1,2,4}.json (scripts/scaling_mpi.sh),
                                 prints each measured point with the model's prediction beside it,
                                 then the model for 8 to 256 ranks on a network.

Per step, with B rows, R ranks, k experts a row, expert shape d -> h -> o, E experts and
uniform routing, a rank holds B/R rows and s = B k / R slots, of which (R-1)/R leave it:
  bytes a rank sends     V = 4 s (R-1)/R (d + 2 o)            rows out, outputs back, output
                                                             gradients out (no input gradient)
  all-to-all time        T_a2a = A alpha (R-1) + V / beta     A = 3 calls, R-1 messages each
  compute time           T_comp = 6 (s (d h + h o) + (B/R) d E) / F_eff
                                                             forward + backward = 3 x forward
F is calibrated from the 1-rank run; on this machine F_eff = F min(1, cores / R) (ranks share
the cores). alpha and beta of shared memory are assumptions (Open MPI's vader: ~1 us, ~5 GB/s).
"""
import json
import os
import sys

SHAPES = {"reference": dict(E=8, k=2, d=784, h=256, o=10),
          "e64": dict(E=64, k=2, d=784, h=64, o=10)}
B = 128
CORES = 2
SHM = dict(alpha=1e-6, beta=5e9)
NET = dict(alpha=5e-6, beta=12.5e9)  # 100 Gb/s InfiniBand-class


def work(s, R):
    """Flops a rank computes a step."""
    slots = B * s["k"] / R
    return 6.0 * (slots * (s["d"] * s["h"] + s["h"] * s["o"]) + B / R * s["d"] * s["E"])


def sent(s, R):
    """Bytes a rank sends to other ranks a step."""
    return 4.0 * B * s["k"] / R * (R - 1) / R * (s["d"] + 2 * s["o"])


def a2a(s, R, alpha, beta):
    return 3 * alpha * (R - 1) + sent(s, R) / beta


def measured(path):
    d = json.load(open(path))
    p = d["parallel"]
    m = p["a2a_bytes_per_step"]
    between = sum(m[i][j] for i in range(len(m)) for j in range(len(m)) if i != j)
    return p, between


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "/tmp/moe-scaling"
    print("| shape | ranks | bytes between ranks / step (measured / model) | all-to-all ms "
          "(measured / model) | compute ms (measured / model) |")
    print("|---|---:|---:|---:|---:|")
    flops = {}
    for name, s in SHAPES.items():
        for R in (1, 2, 4):
            path = os.path.join(folder, f"{name}-{R}.json")
            if not os.path.exists(path):
                continue
            p, between = measured(path)
            if R == 1:
                flops[name] = work(s, 1) / p["compute_seconds_per_step"]
            F = flops.get(name)
            comp = work(s, R) / (F * min(1.0, CORES / R)) if F else float("nan")
            print(f"| {name} | {R} | {between / 1e3:.1f} kB / {R * sent(s, R) / 1e3:.1f} kB | "
                  f"{1e3 * p['a2a_seconds_per_step']:.2f} / {1e3 * a2a(s, R, **SHM):.2f} | "
                  f"{1e3 * p['compute_seconds_per_step']:.2f} / {1e3 * comp:.2f} |")
    F = flops.get("reference", 20e9)
    print(f"\nCalibrated F = {F / 1e9:.1f} GFLOP/s a rank (reference, 1 rank).\n")
    print("Weak scaling, 128 rows and 2 experts a rank, network alpha 5 us, beta 12.5 GB/s:\n")
    print("| ranks | shape | MB a rank sends / step | all-to-all ms | compute ms at F | "
          "compute ms at 100 TFLOP/s |")
    print("|---:|---|---:|---:|---:|---:|")
    for R in (8, 16, 32, 64, 128, 256):
        for name, base in SHAPES.items():
            s = dict(base, E=2 * R)
            # Weak scaling: the batch grows with the ranks (B = 128 R); per rank it is fixed.
            slots = 128 * s["k"]
            v = 4.0 * slots * (R - 1) / R * (s["d"] + 2 * s["o"])
            t = 3 * NET["alpha"] * (R - 1) + v / NET["beta"]
            w = 6.0 * (slots * (s["d"] * s["h"] + s["h"] * s["o"]) + 128 * s["d"] * s["E"])
            print(f"| {R} | {name} | {v / 1e6:.2f} | {1e3 * t:.2f} | {1e3 * w / F:.2f} | "
                  f"{1e3 * w / 100e12:.4f} |")


if __name__ == "__main__":
    main()
