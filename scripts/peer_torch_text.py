#!/usr/bin/python3
"""PyTorch peer of moe-train's fortunes-langid preset (the text MoE), written as a PyTorch user
would, in ../shared/bench style, for scripts/scaling.sh: the same shape as the project's model
(core/model/text_model.h): character n-grams 2..4 of each lower-cased word with begin/end
markers, hashed into 2^18 buckets (crc32 here, FNV-1a there: the same counts of tokens and
rows), a 32-wide embedding (sparse, SparseAdam: the rows a batch touches, as the project's
lazy Adam), a token-level MoE of 4 experts 32-32-32 (ReLU), softmax top-2 with renormalised
gates, Switch loss 0.01, residual, mean pool per text, linear head to the 9 languages; Adam
lr 0.01, batch 64 texts. Trains on Debian's fortunes (the nine languages of the preset), a
shuffled 80 % split (a run capped by MAX_TRAIN tests on 5,000 of the 20 %); prints samples/s over the training steps, test accuracy and peak memory.
Usage: scripts/peer_torch_text.py [EPOCHS] [THREADS] [MAX_TRAIN]"""
import json, os, random, resource, sys, time, zlib
import torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_heap import keep_heap  # noqa: E402
keep_heap()

ROOT = "/usr/share/games/fortunes"
EN = ("art computers cookie debian definitions disclaimer drugs education ethnic food fortunes "
      "goedel humorists kids knghtbrd law linux linuxcookie literature love magic medicine "
      "men-women miscellaneous news paradoxum people perl pets platitudes politics pratchett "
      "riddles science songs-poems sports startrek tao translate-me wisdom work zippy").split()
LANGS = [("", EN, ()), ("de", (), ("asciiart",)), ("es", (), ()), ("it", (), ()), ("ru", (), ()),
         ("pl", (), ()), ("cs", (), ("klasik-sk",)), ("eo", (), ()), ("", ("brasil",), ())]
BUCKETS, NMIN, NMAX, MAX_TOKENS = 1 << 18, 2, 4, 4096

def files_of(folder, listed, exclude):
    d = os.path.join(ROOT, folder)
    if listed:
        return [os.path.join(d, f) for f in listed if os.path.isfile(os.path.join(d, f))]
    return sorted(os.path.join(d, f) for f in os.listdir(d)
                  if os.path.isfile(os.path.join(d, f)) and not os.path.islink(os.path.join(d, f))
                  and not f.endswith((".dat", ".u8")) and not f.startswith(".") and f not in exclude)

def texts():
    out = []
    for label, (folder, listed, exclude) in enumerate(LANGS):
        for path in files_of(folder, listed, exclude):
            with open(path, encoding="utf-8", errors="replace") as f:
                for rec in f.read().split("\n%\n"):
                    if rec.strip():
                        out.append((rec, label))
    return out

def tokens(text):
    ids = []
    for word in text.lower().split():
        w = "\x02" + word + "\x03"
        for s in range(len(w)):
            for n in range(NMIN, NMAX + 1):
                if s + n <= len(w):
                    ids.append(zlib.crc32(w[s:s + n].encode()) % BUCKETS)
    return ids[:MAX_TOKENS]

class TextMoE(nn.Module):
    def __init__(s, dim=32, hidden=32, experts=4, k=2, classes=9):
        super().__init__()
        s.k, s.E = k, experts
        s.emb = nn.Embedding(BUCKETS, dim, sparse=True)
        s.router = nn.Linear(dim, experts)
        s.w1 = nn.ModuleList(nn.Linear(dim, hidden) for _ in range(experts))
        s.w2 = nn.ModuleList(nn.Linear(hidden, dim) for _ in range(experts))
        s.head = nn.Linear(dim, classes)
    def forward(s, ids, owner, texts):
        x = s.emb(ids)
        probs = s.router(x).softmax(-1)
        topv, topi = probs.topk(s.k, -1)
        gates = topv / topv.sum(-1, keepdim=True)
        h = x.clone()  # residual: h = x + MoE(x)
        for e in range(s.E):
            rows, slot = (topi == e).nonzero(as_tuple=True)
            if rows.numel() == 0: continue
            y = s.w2[e](F.relu(s.w1[e](x[rows])))
            h.index_add_(0, rows, y * gates[rows, slot].unsqueeze(-1))
        pooled = x.new_zeros(texts, x.shape[1]).index_add_(0, owner, h)
        counts = torch.bincount(owner, minlength=texts).clamp(min=1).unsqueeze(-1)
        f = F.one_hot(topi[:, 0], s.E).float().mean(0)
        return s.head(pooled / counts), s.E * (f * probs.mean(0)).sum()

def batch_of(data, idx):
    ids, owner = [], []
    for t, i in enumerate(idx):
        ids += data[i][0]
        owner += [t] * len(data[i][0])
    return (torch.tensor(ids, dtype=torch.long), torch.tensor(owner, dtype=torch.long),
            torch.tensor([data[i][1] for i in idx]))

def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    max_train = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    torch.set_num_threads(threads); torch.manual_seed(0); random.seed(0)
    raw = texts()
    random.shuffle(raw)
    cut = len(raw) * 4 // 5
    train_raw, test_raw = raw[:cut], raw[cut:]
    if max_train > 0:  # a capped run tokenises only what it uses, and tests on 5,000 texts
        train_raw, test_raw = train_raw[:max_train], test_raw[:5000]
    train = [(tokens(t), y) for t, y in train_raw]
    test = [(tokens(t), y) for t, y in test_raw]
    m = TextMoE()
    dense = [p for n, p in m.named_parameters() if not n.startswith("emb.")]
    opts = [torch.optim.SparseAdam(list(m.emb.parameters()), 0.01), torch.optim.Adam(dense, 0.01)]
    B, t_train = 64, 0.0
    for ep in range(epochs):
        order = list(range(len(train))); random.shuffle(order)
        t0 = time.perf_counter()
        for i in range(0, len(order), B):
            ids, owner, y = batch_of(train, order[i:i + B])
            out, aux = m(ids, owner, len(order[i:i + B]))
            loss = F.cross_entropy(out, y) + 0.01 * aux
            for o in opts: o.zero_grad()
            loss.backward()
            for o in opts: o.step()
        t_train += time.perf_counter() - t0
    correct = 0
    with torch.no_grad():
        for i in range(0, len(test), 512):
            idx = list(range(i, min(i + 512, len(test))))
            ids, owner, y = batch_of(test, idx)
            correct += (m(ids, owner, len(idx))[0].argmax(-1) == y).sum().item()
    print(json.dumps({"peer": "pytorch-text-" + torch.__version__, "epochs": epochs, "threads": threads,
                      "train_texts": len(train),
                      "train_samples_per_s": round(epochs * len(train) / t_train, 1),
                      "test_accuracy": round(correct / len(test), 4),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))

if __name__ == "__main__":
    main()
