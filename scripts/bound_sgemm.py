#!/usr/bin/python3
"""OpenBLAS sgemm as a yardstick for the reference step's matrix products (issue 18): the same
products moe-kernel-bench times for the experts at top-2 load (8 experts x 32 rows: both layers
forward, the second layer's input gradient, both weight gradients) and the router's two, run
through numpy on the libblas.so.3 it links (OpenBLAS when libopenblas0-pthread provides it).
Prints one JSON line. Usage: scripts/bound_sgemm.py [THREADS] [REPS]"""
import os, sys
threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 50
os.environ["OPENBLAS_NUM_THREADS"] = str(threads)  # before numpy loads OpenBLAS
import json, statistics, time
import numpy as np

E, IN, HID, OUT, B, K = 8, 784, 256, 10, 128, 2
ROWS = B * K // E

def blas_in_use():
    np.ones((64, 64), np.float32) @ np.ones((64, 64), np.float32)
    with open("/proc/self/maps") as f:
        libs = {l.split()[-1] for l in f if "blas" in l.lower() and ".so" in l}
    return "+".join(sorted({p.split("/")[-2] for p in libs})) or "unknown"

def median_seconds(f):
    f()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); t.append(time.perf_counter() - t0)
    return statistics.median(t)

rng = np.random.default_rng(0)
f32 = lambda *s: rng.standard_normal(s, dtype=np.float32)
x = [f32(ROWS, IN) for _ in range(E)]
w1 = [f32(IN, HID) * 0.03 for _ in range(E)]
w2 = [f32(HID, OUT) * 0.06 for _ in range(E)]
h = [f32(ROWS, HID) for _ in range(E)]
dy = [f32(ROWS, OUT) * 0.1 for _ in range(E)]
dh = [f32(ROWS, HID) for _ in range(E)]
o1, o2 = np.empty((ROWS, HID), np.float32), np.empty((ROWS, OUT), np.float32)
g1, g2 = np.empty((IN, HID), np.float32), np.empty((HID, OUT), np.float32)

def experts():
    for e in range(E):
        np.matmul(x[e], w1[e], out=o1)
        np.matmul(h[e], w2[e], out=o2)
        np.matmul(dy[e], w2[e].T, out=o1)
        np.matmul(h[e].T, dy[e], out=g2)
        np.matmul(x[e].T, dh[e], out=g1)

xb, wr, dz = f32(B, IN), f32(IN, E) * 0.03, f32(B, E) * 0.01
def router():
    xb @ wr
    xb.T @ dz

big_a, big_b = f32(1024, 1024), f32(1024, 1024)
big_c = np.empty((1024, 1024), np.float32)

flops_experts = 2.0 * E * ROWS * (3.0 * HID * OUT + 2.0 * IN * HID)
flops_router = 2.0 * 2.0 * B * IN * E
te, tr = median_seconds(experts), median_seconds(router)
tb = median_seconds(lambda: np.matmul(big_a, big_b, out=big_c))
print(json.dumps({
    "blas": blas_in_use(), "numpy": np.__version__, "threads": threads, "reps": reps,
    "experts_top2_ms": te * 1e3, "experts_top2_gflop_per_s": flops_experts / te / 1e9,
    "router_ms": tr * 1e3, "router_gflop_per_s": flops_router / tr / 1e9,
    "square_1024_gflop_per_s": 2.0 * 1024 ** 3 / tb / 1e9}))
