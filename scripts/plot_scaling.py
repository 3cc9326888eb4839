#!/usr/bin/python3
"""Draws scripts/scaling.sh's results (docs/scaling.png, Debian's python3-matplotlib) and prints
them as Markdown tables for docs/BENCHMARKS.md: per axis and point, the median samples/s and
peak memory of moe-train (and with --lazy-experts 1 on the experts axis) and of the PyTorch
peer, their ratio, and moe-train's rate in GFLOP/s of the step's matrix products (2 x the
multiply-adds of the forward pass, the router's and experts' weight gradients and the second
layer's input gradient), which says whether the cost grows faster than the FLOPs do.
Usage: scripts/plot_scaling.py RESULTS.jsonl OUT.png"""
import collections, json, statistics, sys

AXES = [("experts", "experts (top-2, width 256)"), ("k", "k (8 experts, width 256)"),
        ("width", "expert width (8 experts, top-2)"), ("batch", "batch size"),
        ("threads", "threads")]
SIDES = [("moe-train", "moe-train", "tab:blue"), ("moe-train-lazy", "moe-train, lazy experts", "tab:cyan"),
         ("peer", "PyTorch peer (OpenBLAS)", "tab:red")]
BASE = {"experts": 8, "k": 2, "width": 256, "batch": 128, "threads": 2}

def flops_per_sample(axis, value):
    s = dict(BASE); s[axis] = value
    E, k, W = s["experts"], s["k"], s["width"]
    return 2.0 * (2 * 784 * E + 2 * k * 784 * W + 3 * k * 10 * W)

def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs = collections.defaultdict(list)
    for line in open(sys.argv[1]):
        if line.strip():
            d = json.loads(line)
            runs[(d["axis"], d["value"], d["side"])].append(d["result"])
    med = lambda rs, key: statistics.median(r[key] for r in rs) if rs and all(key in r for r in rs) else None
    behind, blas = [], sorted({r.get("blas", "") for (a, v, s), rs in runs.items() if s == "peer" for r in rs} - {""})
    print(f"Peer BLAS: {', '.join(blas) or 'n/a'}; medians of {max(len(r) for r in runs.values())} run(s) a point.\n")
    for axis, title in AXES + [("text", "text preset (fortunes-langid)"), ("ratings", "ratings preset (movielens)")]:
        values = sorted({v for (a, v, s) in runs if a == axis})
        if not values:
            continue
        print(f"**{title}**\n")
        print("| point | moe-train samples/s | lazy experts samples/s | peer samples/s | ratio | moe-train GFLOP/s | moe-train peak MB | peer peak MB |")
        print("|---|---|---|---|---|---|---|---|")
        for v in values:
            ours, lazy, peer = (runs.get((axis, v, s), []) for s, _, _ in SIDES)
            o, l, p = med(ours, "train_samples_per_s"), med(lazy, "train_samples_per_s"), med(peer, "train_samples_per_s")
            ratio = o / p if o and p else None
            if ratio is not None and ratio <= 1.0:
                behind.append(f"{axis}={v}")
            gf = o * flops_per_sample(axis, v) / 1e9 if o and axis in BASE else None
            fmt = lambda x, spec="{:,.0f}": spec.format(x) if x is not None else "-"
            label = v if axis in BASE else "preset"
            print(f"| {label} | {fmt(o)} | {fmt(l)} | {fmt(p)} | {fmt(ratio, '{:.1f}x')} | {fmt(gf, '{:.1f}')} "
                  f"| {fmt(med(ours, 'peak_rss_mb'))} | {fmt(med(peer, 'peak_rss_mb'))} |")
        print()
    print("moe-train ahead of the peer at every point: " + ("yes" if not behind else "NO: " + ", ".join(behind)))
    plot(runs, sys.argv[2], med)

def plot(runs, path, med):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, grid = plt.subplots(2, len(AXES) + 1, figsize=(22, 8), constrained_layout=True)
    for col, (axis, title) in enumerate(AXES):
        values = sorted({v for (a, v, s) in runs if a == axis})
        for side, label, color in SIDES:
            for row, key in enumerate(("train_samples_per_s", "peak_rss_mb")):
                pts = [(v, med(runs.get((axis, v, side), []), key)) for v in values]
                pts = [(v, y) for v, y in pts if y is not None]
                if pts:
                    grid[row][col].plot(*zip(*pts), "o-", color=color, label=label)
        for row, ylabel in enumerate(("samples/s (training steps)", "peak resident memory, MB")):
            ax = grid[row][col]
            ax.set_xscale("log", base=2) if axis in ("experts", "width", "batch") else None
            ax.set_yscale("log") if row == 0 else None
            ax.set_xticks(values, [str(v) for v in values])
            ax.set_xlabel(title); ax.set_ylabel(ylabel); ax.grid(True, alpha=0.3)
    for row, key in enumerate(("train_samples_per_s", "peak_rss_mb")):
        ax = grid[row][-1]
        names, xs = ["text", "ratings"], []
        for j, axis in enumerate(names):
            for i, (side, label, color) in enumerate((SIDES[0], SIDES[2])):
                y = med(runs.get((axis, 1, side), []), key)
                if y is not None:
                    ax.bar(j * 3 + i, y, color=color, label=label if j == 0 else None)
        ax.set_xticks([0.5, 3.5], ["text preset", "ratings preset"])
        ax.set_yscale("log") if row == 0 else None
        ax.set_ylabel("samples/s (training steps)" if row == 0 else "peak resident memory, MB")
        ax.grid(True, axis="y", alpha=0.3)
    grid[0][0].legend()
    fig.suptitle("How the cost grows: moe-train beside the PyTorch peer (scripts/scaling.sh)")
    fig.savefig(path, dpi=80)

if __name__ == "__main__":
    main()
