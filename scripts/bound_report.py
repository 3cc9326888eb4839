#!/usr/bin/python3
"""The reference step against the machine's bound (issue 18), from rounds of moe-kernel-bench
and scripts/bound_sgemm.py output (each field: the median over the rounds).

bound = the step's matrix-product FLOPs at the GEMM rate + the optimizer's bytes at the
bandwidth, where the GEMM rate is the better of the project's own kernels and OpenBLAS sgemm
at the step's shapes (the experts' products at top-2 load), and the bandwidth is a stream of
the optimizer's own bytes (read weight, gradient, two moments; write three) with no arithmetic.
share_of_bound = bound_ms / step_ms (1.0: the step runs at the bound). Per part: its time, its
bound (FLOPs or optimizer bytes as above) and, for the memory-bound small parts, the time its
bytes take at the same bandwidth ("floor_ms"); "other" is the step less the parts (host work:
gating, the dispatch plan, routing statistics, diagnostics, batch assembly).
Usage: scripts/bound_report.py --kernels K.json [K2.json ...] --sgemm S.json [S2.json ...]"""
import argparse, json, statistics

def median_of(docs, path):
    vals = []
    for d in docs:
        for key in path:
            d = d.get(key) if isinstance(d, dict) else None
        if isinstance(d, (int, float)):
            vals.append(float(d))
    return statistics.median(vals) if vals else None

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernels", nargs="+", required=True)
    ap.add_argument("--sgemm", nargs="+", required=True)
    ap.add_argument("--markdown", help="also write the result as a Markdown table to this file")
    a = ap.parse_args()
    load = lambda files: [json.loads(open(f).read().strip().splitlines()[-1]) for f in files]
    ks, ss = load(a.kernels), load(a.sgemm)
    for s in ss:
        if "openblas" not in s.get("blas", "") and "mkl" not in s.get("blas", ""):
            raise SystemExit(f"bound_report: numpy ran on {s.get('blas')}, not an optimised BLAS; "
                             "install libopenblas0-pthread")
    step_ms = median_of(ks, ["reference_step", "ms"])
    if step_ms is None:
        raise SystemExit("bound_report: moe-kernel-bench measured no reference step (--steps 0, or "
                         "Fashion-MNIST missing: scripts/deps.sh)")
    own = median_of(ks, ["experts_top2_gflop_per_s"])
    blas = median_of(ss, ["experts_top2_gflop_per_s"])
    rate = max(own, blas) * 1e9
    bw = median_of(ks, ["stream_gb_per_s"]) * 1e9
    # The step's order; parts a newer moe-kernel-bench adds come after.
    order = ["router", "dispatch", "experts_products", "experts_elementwise", "combine", "loss", "optimizer"]
    names = [n for n in order if n in ks[0]["parts"]] + [n for n in ks[0]["parts"] if n not in order]
    parts, flops, opt_bytes, sum_ms = {}, 0.0, 0.0, 0.0
    for n in names:
        ms = median_of(ks, ["parts", n, "ms"])
        f = median_of(ks, ["parts", n, "flops"]) or 0.0
        b = median_of(ks, ["parts", n, "bytes"]) or 0.0
        bound = f / rate * 1e3 + (b / bw * 1e3 if n == "optimizer" else 0.0)
        flops += f
        opt_bytes += b if n == "optimizer" else 0.0
        sum_ms += ms
        parts[n] = {"ms": round(ms, 4), "bound_ms": round(bound, 4),
                    "floor_ms": round(b / bw * 1e3, 4) if n != "optimizer" and b else None,
                    "share_of_step": round(ms / step_ms, 3),
                    "at_bound": round(bound / ms, 3) if bound else None}
    parts["other"] = {"ms": round(step_ms - sum_ms, 4), "bound_ms": 0.0, "floor_ms": None,
                      "share_of_step": round((step_ms - sum_ms) / step_ms, 3), "at_bound": None}
    bound_ms = flops / rate * 1e3 + opt_bytes / bw * 1e3
    result = {
        "rounds": len(ks), "threads": ks[0].get("threads"),
        "step_flops": flops, "optimizer_bytes": opt_bytes,
        "gemm_gflop_per_s": {"own_experts_top2": round(own, 1), "openblas_experts_top2": round(blas, 1),
                             "openblas_square_1024": round(median_of(ss, ["square_1024_gflop_per_s"]), 1),
                             "used": round(rate / 1e9, 1)},
        "bandwidth_gb_per_s": round(bw / 1e9, 1),
        "bound_ms": round(bound_ms, 4), "step_ms": round(step_ms, 4),
        "step_samples_per_s": round(median_of(ks, ["reference_step", "samples_per_s"])),
        "share_of_bound": round(bound_ms / step_ms, 3),
        "parts": parts}
    print(json.dumps(result, indent=1))
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(markdown(result))

def markdown(r):
    g = r["gemm_gflop_per_s"]
    lines = [f"GEMM rate at the step's shapes: own kernels {g['own_experts_top2']} GFLOP/s, OpenBLAS "
             f"{g['openblas_experts_top2']} GFLOP/s (1024^3: {g['openblas_square_1024']}); used {g['used']}. "
             f"Optimizer stream: {r['bandwidth_gb_per_s']} GB/s. Step: {r['step_ms']} ms "
             f"({r['step_samples_per_s']:,} samples/s); bound {r['bound_ms']} ms "
             f"({r['step_flops'] / 1e6:.1f} MFLOP + {r['optimizer_bytes'] / 1e6:.1f} MB); "
             f"**share of the bound {r['share_of_bound']:.0%}** ({r['rounds']} rounds, {r['threads']} threads).", "",
             "| part | ms | bound ms | floor ms (bytes at the stream's rate) | share of the step | bound / time |",
             "|---|---|---|---|---|---|"]
    fmt = lambda x, spec: spec.format(x) if x is not None else "-"
    for name, p in r["parts"].items():
        lines.append(f"| {name} | {p['ms']:.3f} | {p['bound_ms']:.3f} | {fmt(p['floor_ms'], '{:.3f}')} "
                     f"| {p['share_of_step']:.1%} | {fmt(p['at_bound'], '{:.2f}')} |")
    return "\n".join(lines) + "\n"

if __name__ == "__main__":
    main()
