#!/usr/bin/python3
"""Reference task, one epoch, two starting points for the same moe-train run: its own initial
weights (--seed S) and the PyTorch peer's for torch.manual_seed(S) (written as a checkpoint
and loaded). The data order is moe-train's for seed S in both, so the pair differs only in
the initial weights. One JSON line per seed.

Usage: scripts/bench_torch_init.py MOE_TRAIN FIRST_SEED COUNT > OUT.jsonl
Needs python3-torch (scripts/deps.sh python3-torch).
"""
import json, os, runpy, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_peer_equivalence import PEER, ours_from_peer, read_checkpoint, write_checkpoint  # noqa: E402
import torch  # noqa: E402


def accuracy(moe_train, *args):
    out = subprocess.run([moe_train, "--json", "--threads", "2", *args], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])["test_accuracy"]


def main():
    moe_train, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    peer = runpy.run_path(PEER, run_name="peer")
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory(prefix="moe-init-") as work:
        template, start = os.path.join(work, "template.ck"), os.path.join(work, "start.ck")
        subprocess.run([moe_train, "--max-train", "128", "--save", template], check=True,
                       stdout=subprocess.DEVNULL)
        meta, _ = read_checkpoint(template)
        meta.update(step=0, epoch=0, cursor=0, optimizer_steps=0)
        for seed in range(first, first + count):
            torch.manual_seed(seed)  # as the peer script does before building its model
            config = dict(meta["config"], seed=seed, max_train=0)
            write_checkpoint(start, dict(meta, config=config), ours_from_peer(peer["MoE"]()))
            print(json.dumps({"seed": seed,
                              "own_init": accuracy(moe_train, "--seed", str(seed)),
                              "torch_init": accuracy(moe_train, "--seed", str(seed), "--load", start)}),
                  flush=True)


if __name__ == "__main__":
    main()
