#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora: one folder per target of small valid files.
Usage: fuzz/make_seeds.py OUTDIR   (scripts/fuzz.sh calls it; nothing here is committed data)"""
import gzip
import json
import os
import struct
import sys

out = sys.argv[1]


def seed(target, name, data):
    os.makedirs(os.path.join(out, target), exist_ok=True)
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def idx_images(count, rows, cols):
    body = bytes((i * 37) % 256 for i in range(count * rows * cols))
    return struct.pack(">IIII", 0x803, count, rows, cols) + body


def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)


images, labels = idx_images(3, 2, 2), idx_labels([0, 1, 2])
for name, data in [("images", images), ("labels", labels), ("images-28", idx_images(2, 28, 28))]:
    seed("idx", name, data)
    seed("idx", name + ".gz", gzip.compress(data))
    seed("idx_gz", name, data)

record = lambda label: bytes([label]) + bytes((i * 7) % 256 for i in range(3072))
seed("cifar_batch", "two-records", record(3) + record(9))
seed("cifar_meta", "batches.meta.txt",
     "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n")
seed("emnist_mapping", "mapping.txt", "0 65\n1 66\n2 67\n")
seed("emnist_mapping", "digits.txt", "0 48\r\n1 49\r\n2 50\r\n")

rows = ["%d,\"Title %d\",\"Some text about topic %d, number %d\"" % (c + 1, i, c, i)
        for c in range(3) for i in range(6)]
seed("text_csv", "agnews.csv", "\x00" + "\n".join(rows) + "\n")
seed("text_csv", "named.csv", "\x04label,text\n" + "".join(
    "%s,\"line %d \"\"quoted\"\"\nsecond line\"\n" % (["en", "de"][i % 2], i) for i in range(12)))
seed("text_csv", "tabs.tsv", "\x42" + "".join("pos\tgood text %d\nneg\tbad text %d\n" % (i, i)
                                              for i in range(8)))

seed("points_csv", "points.csv", "\x00x,y,label\n" + "".join(
    "%.3f,%.3f,%d\n" % (i / 10.0 - 1, (i * 7 % 20) / 10.0 - 1, i % 3) for i in range(20)))
seed("points_csv", "semicolons.csv", "\x07# mine\n" + "".join("%d;%d;%d\n" % (i, -i, i % 2) for i in range(12)))

seed("fortunes", "fortunes", "".join("Fortune number %d\n  -- Someone\n%%\n" % i for i in range(12)))

latest = "userId,movieId,rating,timestamp\n" + "".join(
    "%d,%d,%.1f,9649827%02d\n" % (u, m, 0.5 + (u * m) % 10 * 0.5, u) for u in range(1, 6) for m in range(1, 6))
seed("movielens_latest", "ml-latest", latest + "\n----\nmovieId,title,genres\n" + "".join(
    "%d,\"Movie %d, The (199%d)\",Comedy|Drama\n" % (m, m, m) for m in range(1, 6)))
u_data = "".join("%d\t%d\t%d\t8749657%02d\n" % (u, m, 1 + (u + m) % 5, u) for u in range(1, 6) for m in range(1, 6))
u_item = "".join("%d|Movie %d (1995)|01-Jan-1995||http://x|%s\n" % (m, m, "|".join("01"[(m + g) % 2] for g in range(19)))
                 for m in range(1, 6))
seed("movielens_100k", "ml-100k", u_data + "\n----\n" + u_item)
dat = "".join("%d::%d::%d::9783007%02d\n" % (u, m, 1 + (u * m) % 5, u) for u in range(1, 6) for m in range(1, 6))
seed("movielens_1m", "ml-1m", dat + "\n----\n" + "".join(
    "%d::Movie %d (1995)::Animation|Children's\n" % (m, m) for m in range(1, 6)))

seed("config", "small.json", json.dumps({"router": "switch", "experts": 4, "top_k": 1, "lr": 0.002}))
# Found by the 10-minute run: a number beyond double's range (nlohmann's out_of_range).
seed("config", "overflow.json", '{"experts": 755E7530}')
seed("config", "text.json", json.dumps({"dataset": "fortunes-langid", "model": "moe", "hash_buckets": 4096,
                                        "ngram_min": 1, "ngram_max": 3, "seed": 18446744073709551615,
                                        "optimizer": "adamw", "activation": "gelu"}))

legacy = {"format": "moe-explorer-session", "config": {"experts": 4},
          "history": {"steps": [{"step": i, "epoch": 0, "progress": i / 4, "loss": 1.0 / (i + 1),
                                 "accuracy": 0.5, "lr": 0.001, "routing": {"load": [0.5, 0.5], "cv": 0.1}}
                                for i in range(1, 4)],
                      "evals": [{"step": 3, "epoch": 1, "loss": 0.4, "accuracy": 0.8, "mi": 0.3}]}}
seed("session", "session.json", json.dumps(legacy))


def safetensors_file(entries, metadata=None, pad=True):
    """entries: (name, dtype, shape, bytes); data in that order, header as another writer's."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


f32 = lambda *v: struct.pack("<%df" % len(v), *v)
seed("safetensors", "torch-like.safetensors", safetensors_file(
    [("router.weight", "F32", [2, 3], f32(1, 2, 3, 4, 5, 6)), ("router.bias", "F32", [2], f32(0.5, -0.5)),
     ("experts.0.fc1.weight", "F32", [1, 3], f32(7, 8, 9))], {"format": "pt"}))
seed("safetensors", "unpadded-mixed.safetensors", safetensors_file(
    [("h", "F16", [2], b"\x00\x3c\x00\x40"), ("n", "I64", [1], struct.pack("<q", -3)),
     ("s", "F64", [], struct.pack("<d", 2.5)), ("e", "U8", [0, 5], b"")], pad=False))
seed("safetensors", "empty.safetensors", safetensors_file([]))
