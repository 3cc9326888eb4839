#!/usr/bin/python3
"""PyTorch peer of moe-train's movielens preset (the rating MoE), written as a PyTorch user
would, in ../shared/bench style, for scripts/scaling.sh: the same shape as the project's model
(core/model/rating_model.h): rating = mean + b_user + b_item + MoE(p_user * q_item), q_item the
item's embedding plus the mean of its genres' embeddings, width 32, 4 linear experts (32 -> 1),
softmax top-1, Switch loss 0.01, the ridge prior 15 |row|^2 / (batch * row count) on the
embedding rows a batch uses; embeddings sparse (SparseAdam, the rows a batch touches, as the
project's lazy Adam), Adam lr 0.002 for the rest, batch 256. Reads the export of
scripts/export_movielens.sh; a shuffled 80/20 split. Prints samples/s over the training steps,
test RMSE and peak memory.
Usage: scripts/peer_torch_ratings.py [EPOCHS] [THREADS] [DIR]"""
import csv, json, os, resource, sys, time
import torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_heap import keep_heap  # noqa: E402
keep_heap()

def load(folder):
    genres, item_genres = {}, {}
    with open(os.path.join(folder, "movies.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            item_genres[int(row["movieId"])] = [genres.setdefault(g, len(genres))
                                                for g in row["genres"].split("|")]
    users, items, r = [], [], []
    with open(os.path.join(folder, "ratings.csv"), newline="") as f:
        for row in csv.DictReader(f):
            users.append(int(row["userId"])); items.append(int(row["movieId"])); r.append(float(row["rating"]))
    return users, items, r, item_genres, len(genres)

class RatingMoE(nn.Module):
    def __init__(s, n_users, n_items, n_genres, dim=32, experts=4, k=1):
        super().__init__()
        s.k, s.E = k, experts
        s.user = nn.Embedding(n_users, dim, sparse=True)
        s.item = nn.Embedding(n_items, dim, sparse=True)
        s.genre = nn.EmbeddingBag(n_genres, dim, mode="mean", sparse=True)
        s.user_bias = nn.Embedding(n_users, 1, sparse=True)
        s.item_bias = nn.Embedding(n_items, 1, sparse=True)
        for e in (s.user, s.item, s.genre, s.user_bias, s.item_bias):
            nn.init.uniform_(e.weight, -0.1, 0.1)
        s.router = nn.Linear(dim, experts)
        s.experts = nn.ModuleList(nn.Linear(dim, 1) for _ in range(experts))
    def forward(s, u, i, g_ids, g_off):
        p, q = s.user(u), s.item(i) + s.genre(g_ids, g_off)
        z = p * q
        probs = s.router(z).softmax(-1)
        topv, topi = probs.topk(s.k, -1)
        gates = topv / topv.sum(-1, keepdim=True)
        out = z.new_zeros(z.shape[0], 1)
        for e in range(s.E):
            rows, slot = (topi == e).nonzero(as_tuple=True)
            if rows.numel() == 0: continue
            out.index_add_(0, rows, s.experts[e](z[rows]) * gates[rows, slot].unsqueeze(-1))
        f = F.one_hot(topi[:, 0], s.E).float().mean(0)
        pred = out.squeeze(-1) + s.user_bias(u).squeeze(-1) + s.item_bias(i).squeeze(-1)
        return pred, p, q, s.E * (f * probs.mean(0)).sum()

def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    folder = sys.argv[3] if len(sys.argv) > 3 else os.path.join(data_home, "moe-explorer", "movielens")
    torch.set_num_threads(threads); torch.manual_seed(0)
    users, items, ratings, item_genres, n_genres = load(folder)
    uid = {u: j for j, u in enumerate(sorted(set(users)))}
    iid = {i: j for j, i in enumerate(sorted(set(items)))}
    genre_lists = [item_genres.get(i, [0]) for i in sorted(set(items))]
    u = torch.tensor([uid[x] for x in users]); it = torch.tensor([iid[x] for x in items])
    r = torch.tensor(ratings)
    perm = torch.randperm(len(r)); cut = len(r) * 4 // 5
    tr, te = perm[:cut], perm[cut:]
    mean = r[tr].mean()
    n_user = torch.bincount(u[tr], minlength=len(uid)).clamp(min=1).float()
    n_item = torch.bincount(it[tr], minlength=len(iid)).clamp(min=1).float()
    m = RatingMoE(len(uid), len(iid), n_genres)
    sparse = [m.user.weight, m.item.weight, m.genre.weight, m.user_bias.weight, m.item_bias.weight]
    dense = list(m.router.parameters()) + list(m.experts.parameters())
    opts = [torch.optim.SparseAdam(sparse, 0.002), torch.optim.Adam(dense, 0.002)]
    def bags(items_):
        ids = [genre_lists[j] for j in items_.tolist()]
        off = torch.tensor([0] + [len(x) for x in ids[:-1]]).cumsum(0)
        return torch.tensor([g for x in ids for g in x]), off
    B, t_train = 256, 0.0
    for ep in range(epochs):
        order = tr[torch.randperm(len(tr))]
        t0 = time.perf_counter()
        for s in range(0, len(order), B):
            b = order[s:s + B]
            bu, bi = u[b], it[b]
            pred, p, q, aux = m(bu, bi, *bags(bi))
            prior = 15.0 * ((p * p).sum(-1) / n_user[bu] + (q * q).sum(-1) / n_item[bi]).sum() / len(b)
            loss = F.mse_loss(pred + mean, r[b]) + 0.01 * aux + prior
            for o in opts: o.zero_grad()
            loss.backward()
            for o in opts: o.step()
        t_train += time.perf_counter() - t0
    with torch.no_grad():
        pred = m(u[te], it[te], *bags(it[te]))[0] + mean
        rmse = ((pred.clamp(0.5, 5.0) - r[te]) ** 2).mean().sqrt().item()
    print(json.dumps({"peer": "pytorch-ratings-" + torch.__version__, "epochs": epochs, "threads": threads,
                      "train_ratings": len(tr), "train_samples_per_s": round(epochs * len(tr) / t_train, 1),
                      "test_rmse": round(rmse, 4),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))

if __name__ == "__main__":
    main()
