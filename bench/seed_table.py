#!/usr/bin/env python3
"""The spread over seeds of govae's and PyTorch's test loss, as Markdown.

    bench/seed_table.py OUTDIR

OUTDIR is a folder of `SEEDS="1 2 ..." bench/reference.sh OUTDIR`: govae's
runs in go-RUN-sSEED/ (metrics.jsonl) and PyTorch's in
torch-RUN-sSEED.json. For every comparison RUN and every epoch it prints
each library's mean, sample standard deviation and standard error of the
test loss over its seeds, and the difference of the means (govae minus
PyTorch) with its standard error, sqrt(se_go^2 + se_torch^2).

The two libraries draw different random numbers, so seed s of one is not
paired with seed s of the other: the means are compared, not the seeds.
"""
import json
import math
import os
import re
import statistics
import sys


def go_losses(path):
    """Test loss per epoch (1-based) of a vae-train run folder."""
    losses = {}
    with open(os.path.join(path, "metrics.jsonl")) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                m = json.loads(line)
                losses[int(m["epoch"])] = float(m["test_loss"])
            except (ValueError, KeyError, TypeError) as e:
                sys.exit(f"{path}/metrics.jsonl, line {n}: not a metrics record with epoch and test_loss ({e})")
    return losses


def torch_losses(path):
    """Test loss per epoch (1-based) of a pytorch_vae.py report."""
    try:
        with open(path) as f:
            report = json.load(f)
        return {int(h["epoch"]): float(h["test_loss"]) for h in report["history"]}
    except (ValueError, KeyError, TypeError) as e:
        sys.exit(f"{path}: not a pytorch_vae.py report with a history of test losses ({e})")


def summary(values):
    """Mean, sample sd and standard error of the mean (sd and se are nan for one value)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, math.nan, math.nan
    sd = statistics.stdev(values)
    return mean, sd, sd / math.sqrt(len(values))


def main(args):
    if len(args) != 1:
        sys.exit(__doc__)
    out = args[0]
    runs = {}  # run -> library -> seed -> {epoch: loss}
    for name in sorted(os.listdir(out)):
        m = re.fullmatch(r"go-(.+)-s(\d+)", name)
        if m and os.path.isdir(os.path.join(out, name)):
            runs.setdefault(m[1], {}).setdefault("go", {})[int(m[2])] = go_losses(os.path.join(out, name))
            continue
        m = re.fullmatch(r"torch-(.+)-s(\d+)\.json", name)
        if m:
            runs.setdefault(m[1], {}).setdefault("torch", {})[int(m[2])] = torch_losses(os.path.join(out, name))
    if not runs:
        sys.exit(f"{out}: no go-RUN-sSEED folders or torch-RUN-sSEED.json reports (run bench/reference.sh with SEEDS)")
    print("| run | epoch | govae: seeds, mean ± sd (se) | PyTorch: seeds, mean ± sd (se) | govae − PyTorch ± se |")
    print("|---|---|---|---|---|")
    for run, libs in runs.items():
        if set(libs) != {"go", "torch"}:
            sys.exit(f"{out}: {run} has runs of {', '.join(libs)} only; both libraries are needed")
        epochs = sorted(set.intersection(*(set(l) for lib in libs.values() for l in lib.values())))
        for e in epochs:
            cells = []
            stats = {}
            for lib in ("go", "torch"):
                vals = [libs[lib][s][e] for s in sorted(libs[lib])]
                stats[lib] = summary(vals)
                mean, sd, se = stats[lib]
                cells.append(f"{len(vals)}, {mean:.2f} ± {sd:.2f} ({se:.2f})")
            diff = stats["go"][0] - stats["torch"][0]
            se = math.hypot(stats["go"][2], stats["torch"][2])
            print(f"| {run} | {e} | {cells[0]} | {cells[1]} | {diff:+.2f} ± {se:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
