#!/usr/bin/python3
"""Summarises scripts/bench.sh's pairs: each PyTorch peer line followed by its moe-train line.
Prints every pair's ratio (moe-train / peer samples/s), then the median ratio and its spread
(min-max) as one JSON line. Refuses (exit 2) when a peer line says PyTorch ran on the
reference BLAS: that ratio is not the one a PyTorch user sees (issue 18).
Usage: scripts/bench_summary.py OUT.jsonl"""
import json, statistics, sys

def optimised(blas):
    return "openblas" in blas or "mkl" in blas

def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
    pairs, peer = [], None
    for d in lines:
        if "peer" in d:
            blas = d.get("blas", "unknown (a peer without the blas field)")
            if not optimised(blas):
                print(f"bench_summary: refused: the peer ran on the reference BLAS ({blas}); "
                      "install libopenblas0-pthread (scripts/deps.sh libopenblas0-pthread) and "
                      "measure again", file=sys.stderr)
                sys.exit(2)
            peer = d
        elif peer is not None and "train_samples_per_s" in d:
            pairs.append((peer, d))
            peer = None
    if not pairs:
        sys.exit("bench_summary: no peer / moe-train pair in " + sys.argv[1])
    ratios = []
    for i, (p, m) in enumerate(pairs):
        r = m["train_samples_per_s"] / p["train_samples_per_s"]
        ratios.append(r)
        print(f"pair {i + 1}: peer {p['train_samples_per_s']:,.0f} samples/s ({p['blas']}), "
              f"moe-train {m['train_samples_per_s']:,.0f} samples/s, ratio {r:.2f}x")
    peer_s = [p["train_samples_per_s"] for p, _ in pairs]
    ours = [m["train_samples_per_s"] for _, m in pairs]
    print(json.dumps({"pairs": len(pairs), "ratio_median": round(statistics.median(ratios), 2),
                      "ratio_min": round(min(ratios), 2), "ratio_max": round(max(ratios), 2),
                      "peer_samples_per_s_median": round(statistics.median(peer_s)),
                      "moe_train_samples_per_s_median": round(statistics.median(ours)),
                      "peer_blas": pairs[0][0]["blas"]}))

if __name__ == "__main__":
    main()
