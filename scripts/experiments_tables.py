#!/usr/bin/python3
"""Turns the sweeps and the ablation of scripts/experiments_report.sh into the generated part of
docs/EXPERIMENTS.md. Usage: experiments_tables.py WORK OUT.md COMMAND"""
import json, os, statistics, sys, time

work, out, command = sys.argv[1], sys.argv[2], sys.argv[3]
MARK = "<!-- generated -->"


def rows(sweep):
    with open(os.path.join(work, sweep, "results.jsonl")) as f:
        return [json.loads(l) for l in f if l.strip()]


def mean_sd(values):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


def grid_table(sweep, title):
    if not os.path.exists(os.path.join(work, sweep, "results.jsonl")) or not rows(sweep):
        return [f"### {title}", "", "Not run in this version of the report (SKIP); the command "
                "at the top of this section runs it.", ""], {}
    rs = [r for r in rows(sweep) if r["status"] == "done"]
    by = {}
    for r in rs:
        by.setdefault((r["experts"], r["top_k"]), []).append(r)
    experts = sorted({e for e, _ in by})
    quality = "test_accuracy"
    lines = [f"### {title}", "",
             "Test accuracy, mean ± sd over the seeds; inference MFLOPs per sample in brackets.", "",
             "| experts | k = 1 | k = 2 | k = 3 | k = 4 |", "|---|---|---|---|---|"]
    for e in experts:
        cells = []
        for k in (1, 2, 3, 4):
            runs = by.get((e, k))
            if not runs:
                cells.append("")
                continue
            flops = runs[0]["inference_flops_per_sample"] / 1e6
            cells.append(f"{mean_sd([r[quality] for r in runs])} ({flops:.2f})")
        lines.append(f"| {e} | " + " | ".join(cells) + " |")
    best = max(by.items(), key=lambda kv: statistics.mean(r[quality] for r in kv[1]))
    lines += ["", f"Best setting: {best[0][0]} experts, k = {best[0][1]} "
              f"({mean_sd([r[quality] for r in best[1]])}).", ""]
    return lines, by


def not_run(title):
    return [f"### {title}", "", "Not run in this version of the report (SKIP); the command "
            "at the top of this section runs it.", ""]


def baseline_table():
    if not os.path.exists(os.path.join(work, "baselines", "results.jsonl")):
        return not_run("The MoE against its baselines")
    rs = [r for r in rows("baselines") if r["status"] == "done"]
    by = {}
    for r in rs:
        name = r.get("baseline") or "MoE (8 experts, k = 2)"
        if r.get("members"):
            name += f" ({r['members']} members)"
        by.setdefault(name, []).append(r)
    lines = ["### The MoE against its baselines", "",
             "The reference MoE (8 experts of width 256, k = 2) and its baselines on the same data, "
             "optimizer and epochs; ensembles of 2 one-expert MLPs, which train with the MoE's "
             "compute per sample (k = 2 experts). Training MFLOPs per sample count every member "
             "(and boosting's predictions on the training rows, stacking's on the held-out rows "
             "and its meta-learner).", "",
             "| model | test accuracy | test loss | params total | inference MFLOPs | training MFLOPs | train s |",
             "|---|---|---|---|---|---|---|"]
    for name, runs in by.items():
        r = runs[0]
        lines.append(f"| {name} | {mean_sd([x['test_accuracy'] for x in runs])} | "
                     f"{statistics.mean(x['test_loss'] for x in runs):.4f} | {r['params_total']:,} | "
                     f"{r['inference_flops_per_sample'] / 1e6:.3f} | {r['train_flops_per_sample'] / 1e6:.3f} | "
                     f"{statistics.mean(x['train_seconds'] for x in runs):.1f} |")
    return lines + [""]


def ablation_tables():
    if not os.path.exists(os.path.join(work, "ablation.jsonl")):
        return not_run("Ablation of the reference model")
    with open(os.path.join(work, "ablation.jsonl")) as f:
        a = [json.loads(l) for l in f if l.strip()][-1]
    names = a["class_names"] or [str(c) for c in range(a["classes"])]
    E = a["experts"]
    lines = ["### Ablation of the reference model", "",
             f"`moe-train --load reference.ckpt --ablate --json` after `moe-train --seed 0 --threads 2 "
             f"--save reference.ckpt` (the reference model: all training rows, one epoch): test accuracy "
             f"{a['test_accuracy']:.4f} as trained; with a uniform gate (every expert, weight 1/E: "
             f"the router's worth) {a['uniform_gate']['test_accuracy']:.4f}.", "",
             "| expert | share of inputs | removed, next choice: accuracy (drop) | removed, renormalised: accuracy (drop) | alone |",
             "|---|---|---|---|---|"]
    for e in range(E):
        n, r, al = a["removed"]["next-choice"][e], a["removed"]["renormalise"][e], a["alone"][e]
        lines.append(f"| {e} | {a['expert_share'][e]:.3f} | {n['test_accuracy']:.4f} ({n['accuracy_drop']:+.4f}) | "
                     f"{r['test_accuracy']:.4f} ({r['accuracy_drop']:+.4f}) | {al['test_accuracy']:.4f} |")
    lines += ["", "Class × expert ablation heatmap (next choice): the accuracy drop of each class, "
              "in percentage points, with the expert removed; beside it the routing (the share of the "
              "class's test inputs each expert takes, %).", "",
              "| class | " + " | ".join(f"E{e} drop" for e in range(E)) + " | " +
              " | ".join(f"E{e} routed" for e in range(E)) + " |",
              "|---|" + "---|" * (2 * E)]
    for c, name in enumerate(names):
        drops = [a["removed"]["next-choice"][e]["class_drop"][c] for e in range(E)]
        routed = a["class_expert"][c]
        total = sum(routed) or 1
        k = a["k"] or 1
        lines.append(f"| {name} | " + " | ".join("–" if d is None else f"{100 * d:+.1f}" for d in drops) +
                     " | " + " | ".join(f"{100 * k * x / total:.0f}" for x in routed) + " |")
    for mode in ("next-choice", "renormalise"):
        bar = a["bar"][mode]
        ok = sum(1 for b in bar if b["passes"])
        lines += ["", f"The bar ({mode}): every expert with at least 5% of the test inputs should hurt the "
                  f"class it takes the largest share of more than the mean of the other classes: "
                  f"{ok} of {len(bar)} do.", "",
                  "| expert | share | its class (share of the class) | drop there | mean drop, other classes | passes |",
                  "|---|---|---|---|---|---|"]
        for b in bar:
            lines.append(f"| {b['expert']} | {b['share']:.3f} | {names[b['top_class']]} ({b['top_class_share']:.2f}) | "
                         f"{b['top_class_drop']:+.4f} | {b['other_class_drop']:+.4f} | {'yes' if b['passes'] else '**no**'} |")
    return lines + [""]


previous = open(out).read() if os.path.exists(out) else ""
head = previous.split(MARK, 1)[0] if MARK in previous else previous
conclusions = ""
if "## Conclusions\n" in previous.split(MARK, 1)[-1]:
    conclusions = previous.split(MARK, 1)[-1].split("## Conclusions\n", 1)[1].lstrip("\n")
body = [MARK, "", "## Results (generated)", "",
        f"Written by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
        "The numbers below are deterministic for a seed; only the seconds vary.", ""]
fashion, _ = grid_table("fashion", "Accuracy against experts and k: Fashion-MNIST")
text, _ = grid_table("text", "Accuracy against experts and k: the text task (fortunes-langid)")
body += fashion + text + baseline_table() + ablation_tables()
body += ["## Conclusions", "",
         conclusions or "Not written yet: read the tables above and say what a reader should conclude.\n"]
with open(out, "w") as f:
    f.write(head.rstrip("\n") + "\n\n" + "\n".join(body).rstrip("\n") + "\n")
