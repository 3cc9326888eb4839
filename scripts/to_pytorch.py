#!/usr/bin/python3
"""Hand-off to PyTorch: builds the torch.nn model that moe-train exported with
--export-safetensors FILE (the weights in FILE, the architecture in its JSON config beside it:
model.safetensors -> model.json), loads the weights, evaluates it on the test split that
moe-train evaluates on, and can write the module's weights back as safetensors for
moe-train --load-safetensors (docs/PYTORCH.md).

Usage: scripts/to_pytorch.py FILE.safetensors [--predictions P.safetensors] [--write OUT]
                             [--data-dir DIR] [--tolerance 1e-4] [--json]
  --predictions  moe-train's --export-predictions of the same weights: compares row by row and
                 fails (exit 1) when the accuracies differ by more than --tolerance
  --write        writes the torch module's state_dict as OUT (and OUT's JSON config)

Needs Debian's python3-torch and python3-numpy (the shebang names Debian's interpreter: a
pyenv or venv python3 on PATH does not see them). The safetensors format is read and written
here with struct, json and numpy (the `safetensors` package is not in Debian).
Exit codes: 0 done, 1 a check failed, 2 bad input (a file, or a model or router this script
cannot express)."""
import argparse
import gzip
import json
import math
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I32": np.int32,
          "I64": np.int64, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


class BadInput(Exception):
    """A file or a model this script refuses; the message names the problem."""


def config_path(path):
    return path[:-len(".safetensors")] + ".json" if path.endswith(".safetensors") and \
        len(path) > len(".safetensors") else path + ".json"


def read_safetensors(path):
    """(dict name -> numpy array, metadata), checking the format as moe-train does."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise BadInput(f"{path}: truncated ({len(blob)} bytes, less than the header length)")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise BadInput(f"{path}: header length {n} runs past the end of the {len(blob)}-byte file")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = memoryview(blob)[8 + n:]
    at, tensors = 0, {}
    for name, e in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        begin, end = e["data_offsets"]
        if begin != at or end > len(data):
            raise BadInput(f"{path}: tensor '{name}' has data_offsets {e['data_offsets']} "
                           f"(expected to begin at {at}, within {len(data)} bytes)")
        if e["dtype"] not in DTYPES:
            raise BadInput(f"{path}: tensor '{name}' has dtype {e['dtype']} this script does not read")
        arr = np.frombuffer(data[begin:end], dtype=np.dtype(DTYPES[e["dtype"]]).newbyteorder("<"))
        tensors[name] = arr.reshape(e["shape"]).copy()
        at = end
    if at != len(data):
        raise BadInput(f"{path}: {len(data) - at} bytes after the last tensor belong to none")
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """tensors: ordered dict name -> float32 torch tensor; header padded to 8 bytes."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        raw = t.detach().cpu().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
    os.replace(path + ".tmp", path)


class EngineActivation(nn.Module):
    """moe-train's activations, with its formulas (GELU: the tanh form; softplus: log1p)."""

    def __init__(self, name):
        super().__init__()
        if name not in ("identity", "relu", "gelu", "tanh", "sigmoid", "silu", "softplus"):
            raise BadInput(f"activation '{name}' is not one this script knows")
        self.name = name

    def forward(self, x):
        if self.name == "relu":
            return torch.relu(x)
        if self.name == "gelu":
            return nn.functional.gelu(x, approximate="tanh")
        if self.name == "tanh":
            return torch.tanh(x)
        if self.name == "sigmoid":
            return torch.sigmoid(x)
        if self.name == "silu":
            return x * torch.sigmoid(x)
        if self.name == "softplus":
            return torch.log1p(torch.exp(-x.abs())) + x.clamp(min=0)
        return x


class Expert(nn.Module):
    """An MLP expert: fc2(act(fc1(x)))."""

    def __init__(self, d_in, hidden, d_out, act):
        super().__init__()
        self.fc1, self.fc2, self.act = nn.Linear(d_in, hidden), nn.Linear(hidden, d_out), act

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def make_expert(d_in, hidden, d_out, act):
    return Expert(d_in, hidden, d_out, act) if hidden > 0 else nn.Linear(d_in, d_out)


class MoE(nn.Module):
    """y = sum over the experts a row is routed to of gate * expert(x), plus the shared experts;
    routing as moe-train decides it at inference (config["moe"]["routing"])."""

    def __init__(self, d_in, d_out, cfg, tensors):
        super().__init__()
        self.routing = cfg["routing"]
        if self.routing is None:
            raise BadInput(cfg.get("routing_note", f"router '{cfg['router']}' has no inference rule") +
                           "; this script cannot express it")
        act = EngineActivation(cfg["activation"])
        E, H = cfg["experts"], cfg["expert_hidden"]
        self.router = nn.Linear(d_in, E)
        for extra in ("noise", "slots"):  # training-only gates of noisy-topk and soft-moe
            if f"router.{extra}.weight" in tensors:
                rows = tensors[f"router.{extra}.weight"].shape[0]
                setattr(self.router, extra, nn.Linear(d_in, rows))
        if self.routing["selection_bias"]:
            self.router.register_buffer("selection_bias", torch.zeros(E))
        self.experts = nn.ModuleList(make_expert(d_in, H, d_out, act) for _ in range(E))
        self.shared_experts = nn.ModuleList(
            make_expert(d_in, H, d_out, act) for _ in range(cfg["shared_experts"]))

    def gates(self, x):
        """rows x experts combine weights (0 where a row does not use an expert)."""
        r = self.routing
        logits = self.router(x)
        p = torch.sigmoid(logits) if r["score"] == "sigmoid" else torch.softmax(logits, dim=1)
        sel = p + self.router.selection_bias if r["selection_bias"] else p
        rows, E = p.shape
        w = torch.zeros_like(p)
        if r["selection"] == "all":
            w = p.clone()
        elif r["selection"] == "topk":
            idx = torch.sort(sel, dim=1, descending=True, stable=True).indices[:, :r["k"]]
            g = p.gather(1, idx)
            if r["renormalize"]:
                g = g / g.sum(dim=1, keepdim=True)
            w.scatter_(1, idx, g)
        elif r["selection"] == "switch":
            wanted = torch.sort(sel, dim=1, descending=True, stable=True).indices[:, 0].tolist()
            prob = [float(p[i, e]) for i, e in enumerate(wanted)]
            capacity = math.ceil(r["capacity_factor"] * rows / E)
            order = list(range(rows))
            if r["drop_policy"] == "probs":
                order.sort(key=lambda i: -prob[i])
            used = [0] * E
            for i in order:
                if used[wanted[i]] < capacity:
                    used[wanted[i]] += 1
                    w[i, wanted[i]] = p[i, wanted[i]]
        elif r["selection"] == "expert-choice":
            capacity = min(rows, math.ceil(r["capacity_factor"] * r["k"] * rows / E))
            for e in range(E):
                took = torch.sort(p[:, e], descending=True, stable=True).indices[:capacity]
                w[took, e] = p[took, e]
        else:
            raise BadInput(f"routing selection '{r['selection']}' is not one this script knows")
        return w * r["route_scale"]

    def forward(self, x):
        w = self.gates(x)
        y = sum(w[:, e:e + 1] * expert(x) for e, expert in enumerate(self.experts))
        for expert in self.shared_experts:
            y = y + expert(x)
        return y


class StemMoE(MoE):
    """stem-moe: h = relu(stem(x)); head(h + MoE(h)) (the MoE's tensors keep their names)."""

    def __init__(self, cfg, tensors):
        W = cfg["stem_width"]
        super().__init__(W, W, cfg["moe"], tensors)
        self.stem, self.head = nn.Linear(cfg["features"], W), nn.Linear(W, cfg["classes"])

    def forward(self, x):
        h = torch.relu(self.stem(x))
        return self.head(h + super().forward(h))


class DenseMlp(nn.Module):
    """dense-mlp: l2(act(l1(x)))."""

    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.ModuleDict({"l1": nn.Linear(cfg["features"], cfg["hidden"]),
                                    "l2": nn.Linear(cfg["hidden"], cfg["classes"])})
        self.act = EngineActivation(cfg["activation"])

    def forward(self, x):
        return self.dense["l2"](self.act(self.dense["l1"](x)))


def build_model(cfg, tensors):
    """The torch.nn module of config `cfg`; its state_dict has the file's names."""
    kind = cfg["model"]
    if kind == "moe":  # the reference model is the MoE layer itself: inputs -> class logits
        return MoE(cfg["features"], cfg["classes"], cfg["moe"], tensors)
    if kind == "stem-moe":
        return StemMoE(cfg, tensors)
    if kind == "dense-mlp":
        return DenseMlp(cfg)
    raise BadInput(f"model '{kind}' is not supported by this script (supported: moe, stem-moe, dense-mlp)")


def read_idx(path, magic):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        blob = f.read()
    (m,) = struct.unpack(">I", blob[:4])
    if m != magic:
        raise BadInput(f"{path}: not an IDX file of magic {magic:#x}")
    dims = struct.unpack(">" + "I" * (magic & 0xff), blob[4:4 + 4 * (magic & 0xff)])
    return np.frombuffer(blob, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def test_split(cfg, data_dir):
    """The test images and labels as moe-train reads them (bytes * (1/255) in float32)."""
    dataset = cfg["dataset"]
    if data_dir is None:
        if dataset == "fashion-mnist":
            data_dir = cfg.get("data_dir") or "/usr/share/datasets/fashion-mnist"
        elif dataset.startswith("idx:"):
            data_dir = dataset[4:]
        else:
            raise BadInput(f"dataset '{dataset}' is not one this script reads (fashion-mnist, idx:DIR)")
    found = None
    for stem in ("t10k", "test"):
        for ext in ("", ".gz"):
            if os.path.exists(os.path.join(data_dir, f"{stem}-images-idx3-ubyte{ext}")):
                found = (os.path.join(data_dir, f"{stem}-images-idx3-ubyte{ext}"),
                         os.path.join(data_dir, f"{stem}-labels-idx1-ubyte{ext}"))
    if found is None:
        raise BadInput(f"{data_dir}: no t10k-images-idx3-ubyte[.gz] (install Debian's dataset-fashion-mnist)")
    images, labels = read_idx(found[0], 0x803), read_idx(found[1], 0x801)
    x = images.reshape(len(images), -1).astype(np.float32) * (np.float32(1.0) / np.float32(255.0))
    return torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))


def evaluate(model, x, y, batch):
    """Per-row predictions and confidences, accuracy and mean cross-entropy, in moe-train's
    evaluation batches (capacity is decided per batch)."""
    preds, conf, loss = [], [], 0.0
    with torch.no_grad():
        for start in range(0, len(x), batch):
            logits = model(x[start:start + batch])
            prob = torch.softmax(logits, dim=1)
            preds.append(torch.argmax(logits, dim=1))
            conf.append(prob.max(dim=1).values)
            loss += float(nn.functional.cross_entropy(logits.double(), y[start:start + batch],
                                                      reduction="sum"))
    preds = torch.cat(preds)
    return preds, torch.cat(conf), float((preds == y).double().mean()), loss / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--predictions")
    ap.add_argument("--write")
    ap.add_argument("--data-dir")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    try:
        tensors, _ = read_safetensors(args.file)
        with open(config_path(args.file)) as f:
            cfg = json.load(f)
        if cfg.get("format") != "moe-explorer-torch" or cfg.get("version") != 1:
            raise BadInput(f"{config_path(args.file)}: not a moe-explorer-torch config of version 1")
        model = build_model(cfg, tensors)
        state = model.state_dict()
        missing, extra = sorted(set(state) - set(tensors)), sorted(set(tensors) - set(state))
        if missing or extra:
            raise BadInput(f"{args.file}: missing tensors {missing[:5]}, unexpected {extra[:5]}")
        for name, t in state.items():
            if tuple(tensors[name].shape) != tuple(t.shape):
                raise BadInput(f"{args.file}: tensor '{name}' is {list(tensors[name].shape)}; "
                               f"the module's is {list(t.shape)}")
        model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
                               for k, v in tensors.items()})
        model.eval()
        x, y = test_split(cfg, args.data_dir)
    except (BadInput, OSError, KeyError, ValueError) as e:
        print(f"to_pytorch.py: {e}", file=sys.stderr)
        return 2
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    preds, conf, acc, loss = evaluate(model, x, y, cfg["eval_batch_rows"])
    report = {"model": cfg["model"], "router": (cfg["moe"] or {}).get("router"), "test_rows": len(y),
              "test_accuracy": acc, "test_loss": loss}
    ok = True
    if args.predictions:
        theirs, _ = read_safetensors(args.predictions)
        their_preds = torch.from_numpy(theirs["predictions"].astype(np.int64))
        their_acc = float((their_preds == torch.from_numpy(theirs["labels"].astype(np.int64))).double().mean())
        report.update({"moe_train_accuracy": their_acc, "accuracy_difference": abs(acc - their_acc),
                       "rows_predicted_alike": int((their_preds == preds).sum()),
                       "max_confidence_difference": float((torch.from_numpy(theirs["confidence"]) - conf).abs().max())})
        ok = abs(acc - their_acc) <= args.tolerance
    if args.write:
        out_cfg = dict(cfg)
        out_cfg["written_by"] = "scripts/to_pytorch.py (torch " + torch.__version__ + ")"
        write_safetensors(args.write, model.state_dict(), {"format": "pt"})
        with open(config_path(args.write), "w") as f:
            json.dump(out_cfg, f, indent=2)
        report["written"] = args.write
    if args.json:
        print(json.dumps(report))
    else:
        for k, v in report.items():
            print(f"{k}: {v}")
    if not ok:
        print(f"to_pytorch.py: accuracy differs from moe-train's by {report['accuracy_difference']:.6f} "
              f"> {args.tolerance}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
