#!/usr/bin/python3
"""The PyTorch peer (../shared/bench/peer_torch_moe.py, its model and training loop as written
there) at any shape, for scripts/scaling.sh: experts, k, expert width, batch size, threads and
a cap on the training images. Prints one JSON line: samples/s over the training steps, peak
resident memory of the process (getrusage) and the BLAS PyTorch ran on.
Usage: scripts/peer_scaling.py [--experts E] [--k K] [--hidden W] [--batch B] [--threads T]
                               [--max-train N] [--seed S]"""
import argparse, json, os, resource, runpy, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_heap import keep_heap  # noqa: E402
keep_heap()

here = os.path.dirname(os.path.abspath(__file__))
# ../shared/bench beside the repository, or MOE_PEERS (the folder of the peers) when set.
peers = os.environ.get("MOE_PEERS") or os.path.join(here, "..", "..", "shared", "bench")
peer_path = os.path.join(peers, "peer_torch_moe.py")

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--experts", type=int, default=8)
    ap.add_argument("--k", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-train", type=int, default=60000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--peer", default=peer_path, help="path of peer_torch_moe.py")
    a = ap.parse_args()
    if not (1 <= a.k <= a.experts):
        sys.exit(f"peer_scaling: k must be in [1, experts] (k {a.k}, experts {a.experts})")
    peer = runpy.run_path(a.peer)  # its definitions; its main() does not run
    import torch, torch.nn.functional as F
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    D = peer["D"]
    xtr = torch.tensor(peer["idx"](D + "train-images-idx3-ubyte.gz"), dtype=torch.float32) / 255.0
    ytr = torch.tensor(peer["idx"](D + "train-labels-idx1-ubyte.gz"), dtype=torch.long)
    n = min(a.max_train, xtr.shape[0])
    xtr, ytr = xtr[:n], ytr[:n]
    m = peer["MoE"](hidden=a.hidden, experts=a.experts, k=a.k)
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    perm = torch.randperm(n)
    t0 = time.perf_counter()
    for i in range(0, n, a.batch):
        b = perm[i:i + a.batch]
        out, aux = m(xtr[b])
        loss = F.cross_entropy(out, ytr[b]) + 0.01 * aux
        opt.zero_grad(); loss.backward(); opt.step()
    t = time.perf_counter() - t0
    print(json.dumps({"peer": "pytorch-" + torch.__version__, "experts": a.experts, "top_k": a.k,
                      "expert_hidden": a.hidden, "batch_size": a.batch, "threads": a.threads,
                      "train_samples": n, "train_samples_per_s": round(n / t, 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "blas": peer["blas_in_use"]()}))

if __name__ == "__main__":
    main()
