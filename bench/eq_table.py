#!/usr/bin/env python3
"""The estimators at an equal budget (issue 14), as a Markdown table.

    bench/eq_table.py DIR...

Each DIR is a finished eq-METHOD-sSEED run of bench/long.sh (a folder with
results.json). Prints, per method, the seeds found, the mean and sample
standard deviation over them of the test log p(x) (with the eval K) and of
the active units, and each run's training time (the seeds may have run
on different machines); a method with fewer than 3 seeds
is shown with what it has and says so. The runs of one seed share the
initial weights and the order of the batches, so the last column pairs
them: the mean ± sd over the seeds both have of each method's log p(x)
minus reparam IWAE's.
"""
import json
import os
import re
import statistics
import sys

ORDER = ["iwae", "iwae-dreg", "iwae-stl", "miwae", "ciwae", "piwae"]
LABEL = {
    "iwae": "IWAE, reparam (K = 10)",
    "iwae-dreg": "IWAE, DReG (K = 10)",
    "iwae-stl": "IWAE, STL (K = 10; biased for K > 1)",
    "miwae": "MIWAE (M = 2, K = 5)",
    "ciwae": "CIWAE (β = 0.05, K = 10)",
    "piwae": "PIWAE (M = 2, K = 5)",
}


def main(dirs):
    if not dirs:
        sys.exit(__doc__)
    rows = {}
    for d in dirs:
        name = os.path.basename(os.path.normpath(d))
        m = re.fullmatch(r"eq-(.+)-s(\d+)", name)
        if not m:
            sys.exit(f"{d}: not an eq-METHOD-sSEED folder")
        path = os.path.join(d, "results.json")
        try:
            with open(path) as f:
                r = json.load(f)
        except (OSError, ValueError) as e:
            sys.exit(f"{path}: {e} (is the run finished?)")
        t = r["test"]
        if t.get("log_px") is None:
            sys.exit(f"{path}: no log p(x); the rows need -eval-k > 0")
        rows.setdefault(m.group(1), []).append(
            (int(m.group(2)), t["log_px"], t["active_units"], t["eval_k"], t["n"],
             r["timing"]["train_seconds"], r["epochs"]["run"]))
    base = {r[0]: r[1] for r in rows.get("iwae", [])}
    print("| method | seeds | test log p(x), mean ± sd | active units, mean ± sd | K, test images | epochs | training, s (each seed; machines differ) | − reparam IWAE, same seed, mean ± sd |")
    print("|---|---|---|---|---|---|---|---|")
    for method in ORDER + sorted(set(rows) - set(ORDER)):
        if method not in rows:
            continue
        rs = sorted(rows[method])
        lp = [r[1] for r in rs]
        au = [r[2] for r in rs]
        sd = lambda xs: statistics.stdev(xs) if len(xs) > 1 else float("nan")
        seeds = ", ".join(str(r[0]) for r in rs) + ("" if len(rs) >= 3 else " (fewer than 3)")
        diff = [r[1] - base[r[0]] for r in rs if r[0] in base]
        paired = "" if method == "iwae" or not diff else f"{statistics.mean(diff):+.2f} ± {sd(diff):.2f} ({len(diff)} seed{'s' if len(diff) != 1 else ''})"
        print(f"| {LABEL.get(method, method)} | {seeds} | {statistics.mean(lp):.2f} ± {sd(lp):.2f} | "
              f"{statistics.mean(au):.1f} ± {sd(au):.1f} | {rs[0][3]}, {rs[0][4]} | {rs[0][6]} | "
              f"{', '.join(f'{r[5]:.0f}' for r in rs)} | {paired} |")


if __name__ == "__main__":
    main(sys.argv[1:])
