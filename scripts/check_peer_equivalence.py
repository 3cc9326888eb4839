#!/usr/bin/python3
"""Step-for-step check of moe-train against the PyTorch peer's model (../shared/bench/peer_torch_moe.py).

Both start from the same weights (the peer's PyTorch initialisation, written as a moe-train
checkpoint), train K steps on the same batch (the first 128 Fashion-MNIST training images),
and their weights, Adam moments and per-step cross-entropy are compared. A difference in the
model, the gates, the losses or the optimizer shows far above float rounding; the script
exits 1 when the losses differ by more than 1e-3 or the weights after the first step by
more than 1e-3 (relative).  Needs python3-torch (scripts/deps.sh python3-torch).

Usage: scripts/check_peer_equivalence.py MOE_TRAIN [STEPS...]   (default steps: 1 10 100)
"""
import gzip, json, os, runpy, shutil, struct, subprocess, sys, tempfile, zlib
import numpy as np, torch, torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "..", "..", "shared", "bench", "peer_torch_moe.py")
D = "/usr/share/datasets/fashion-mnist/"
ROWS = 128


def write_idx_subset(src, dst, n, image):
    data = gzip.open(D + src).read()
    header = 16 if image else 8
    out = bytearray(data[:header])
    out[4:8] = struct.pack(">I", n)
    out += data[header:header + n * (784 if image else 1)]
    with open(dst, "wb") as f:
        f.write(out)


def read_checkpoint(path):
    blob = open(path, "rb").read()
    size = struct.unpack("<Q", blob[12:20])[0]
    meta = json.loads(blob[20:20 + size])
    pos, tensors = 20 + size, {}
    for name, rows, cols in meta["tensors"]:
        n = rows * cols
        tensors[name] = np.frombuffer(blob, np.float32, n, pos).reshape(rows, cols)
        pos += 4 * n
    return meta, tensors


def write_checkpoint(path, meta, tensors):
    """Writes tensors in the order meta["tensors"] names them (moe-train reads them in order)."""
    tensors = {name: tensors[name] for name, _, _ in meta["tensors"]}
    header = json.dumps(meta).encode()
    blob = b"MOEXCKPT" + struct.pack("<IQ", 1, len(header)) + header
    blob += b"".join(np.ascontiguousarray(v, np.float32).tobytes() for v in tensors.values())
    with open(path, "wb") as f:
        f.write(blob + struct.pack("<I", zlib.crc32(blob)))


def ours_from_peer(m, opt=None):
    """The peer's parameters (and Adam moments) in moe-train's layout: experts stacked, x @ W."""
    def layout(get):
        return {
            "router.gate.weight": get(m.router.weight).T,
            "router.gate.bias": get(m.router.bias)[None, :],
            "experts.w1": np.concatenate([get(l.weight).T for l in m.w1]),
            "experts.b1": np.stack([get(l.bias) for l in m.w1]),
            "experts.w2": np.concatenate([get(l.weight).T for l in m.w2]),
            "experts.b2": np.stack([get(l.bias) for l in m.w2]),
        }
    out = layout(lambda p: p.detach().numpy())
    for moment in ("exp_avg", "exp_avg_sq"):
        def get(p):
            state = opt.state.get(p) if opt else None
            return state[moment].numpy() if state else np.zeros(tuple(p.shape), np.float32)
        suffix = ".m" if moment == "exp_avg" else ".v"
        out.update({k + suffix: v for k, v in layout(get).items()})
    return out


def main():
    moe_train = sys.argv[1]
    steps = [int(s) for s in sys.argv[2:]] or [1, 10, 100]
    peer = runpy.run_path(PEER, run_name="peer")  # the peer's MoE class, without running it
    torch.manual_seed(0)
    torch.set_num_threads(2)
    work = tempfile.mkdtemp(prefix="moe-equiv-")
    data = os.path.join(work, "data")
    os.mkdir(data)
    write_idx_subset("train-images-idx3-ubyte.gz", f"{data}/train-images-idx3-ubyte", ROWS, True)
    write_idx_subset("train-labels-idx1-ubyte.gz", f"{data}/train-labels-idx1-ubyte", ROWS, False)
    write_idx_subset("t10k-images-idx3-ubyte.gz", f"{data}/t10k-images-idx3-ubyte", ROWS, True)
    write_idx_subset("t10k-labels-idx1-ubyte.gz", f"{data}/t10k-labels-idx1-ubyte", ROWS, False)
    x = torch.tensor(peer["idx"](D + "train-images-idx3-ubyte.gz")[:ROWS], dtype=torch.float32) / 255.0
    y = torch.tensor(peer["idx"](D + "train-labels-idx1-ubyte.gz")[:ROWS], dtype=torch.long)

    # A template checkpoint gives moe-train's own metadata for this dataset and model.
    template = os.path.join(work, "template.ck")
    subprocess.run([moe_train, "--dataset", "idx:" + data, "--epochs", "1", "--threads", "2",
                    "--save", template], check=True, stdout=subprocess.DEVNULL)
    meta, _ = read_checkpoint(template)
    meta.update(step=0, epoch=0, cursor=0, optimizer_steps=0)

    m = peer["MoE"]()
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    start = os.path.join(work, "start.ck")
    write_checkpoint(start, meta, ours_from_peer(m))

    def train_ours(k, *extra):
        """moe-train from the start checkpoint for k steps (one step per epoch here), saved."""
        return subprocess.run([moe_train, "--dataset", "idx:" + data, "--load", start, "--epochs",
                               str(k), "--threads", "2", "--save", saved_after(k), *extra],
                              check=True, capture_output=True, text=True).stdout

    def saved_after(k):
        return os.path.join(work, f"ours-{k}.ck")

    # The longest run also gives our per-step cross-entropy: one --json line per epoch = step.
    last = max(steps)
    ours_loss = [json.loads(l)["train_loss"] for l in train_ours(last, "--json").splitlines()
                 if '"train_loss"' in l]

    done, worst, peer_loss = 0, 0.0, []
    print(f"{'steps':>6} {'tensor':<22} {'max |ours - peer|':>18} {'max |peer|':>11} {'relative':>9}")
    for k in steps:
        for _ in range(k - done):  # the peer's training step, verbatim
            out, aux = m(x)
            ce = F.cross_entropy(out, y)
            loss = ce + 0.01 * aux
            peer_loss.append(ce.item())
            opt.zero_grad(); loss.backward(); opt.step()
        done = k
        if k != last:
            train_ours(k)
        _, ours = read_checkpoint(saved_after(k))
        for name, ref in ours_from_peer(m, opt).items():
            diff = float(np.abs(ours[name] - ref).max())
            scale = float(np.abs(ref).max())
            rel = diff / scale if scale > 0 else diff
            if not name.endswith((".m", ".v")) or k == last:
                print(f"{k:>6} {name:<22} {diff:>18.3e} {scale:>11.3e} {rel:>9.2e}")
            if k == steps[0]:
                worst = max(worst, rel)
    loss_diff = [abs(a - b) for a, b in zip(ours_loss, peer_loss)]
    for k in steps:
        print(f"step {k:>4}: cross-entropy ours {ours_loss[k - 1]:.6f}, peer {peer_loss[k - 1]:.6f}")
    print(json.dumps({"check": "peer-equivalence", "steps": last,
                      "max_relative_weight_difference_after_first": worst,
                      "max_loss_difference": max(loss_diff),
                      "loss_difference_by_step": {k: loss_diff[k - 1] for k in steps}}))
    shutil.rmtree(work)
    return 0 if max(loss_diff) < 1e-3 and worst < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
