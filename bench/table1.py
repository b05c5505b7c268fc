#!/usr/bin/env python3
"""Burda et al.'s Table 1 as govae reproduces it, from the committed results.

    bench/table1.py [RESULTS]

RESULTS (default bench/results) holds one folder per finished row of
bench/long.sh, each with the results.json vae-train wrote. Prints the
Markdown table of BENCHMARK.md: per row the command, the epochs run, the
test ELBO, log p(x) with its standard error over the test images, the active
units (per layer for two layers), the published figure and the difference,
and the time the row took on our machine, training summed over every
resumed piece, then the final log p(x). Rows without a finished run are
printed as such, so the table shows what is missing.
"""
import json
import os
import subprocess
import sys

ROWS = ["burda-vae", "burda-iwae-k5", "burda-iwae-k50", "burda2-vae", "burda2-iwae-k5", "burda2-iwae-k50"]


def command(name):
    """ROW's command, from bench/long.sh: the one place the rows are defined."""
    try:
        return subprocess.run(["sh", "bench/long.sh", "command", name], capture_output=True, text=True,
                              check=True).stdout.strip()
    except subprocess.CalledProcessError as e:
        sys.exit(f"bench/long.sh command {name}: {e.stderr.strip()} (run bench/table1.py from the repository root)")


def hours(seconds):
    return f"{seconds / 3600:.1f} h"


def row(name, path):
    """One Markdown row from a results.json, checked to be the row it claims."""
    with open(path) as f:
        r = json.load(f)
    try:
        want = command(name)
        if r["command"] != "go run ./cmd/" + want:
            sys.exit(f"{path}: the run of {r['command']!r}, not of row {name} ({want})")
        test, timing, epochs = r["test"], r["timing"], r["epochs"]
        logpx, se = test["log_px"], test["log_px_stderr"]
        if logpx is None:
            sys.exit(f"{path}: no log p(x) (the run was scored with -eval-k 0)")
        pub = r["published"]
        units = test.get("active_units_by_layer") or [test["active_units"]]
        units = ", ".join(f"h{i + 1} {u}" for i, u in enumerate(units)) if len(units) > 1 else str(units[0])
        published = f"−{-pub['log_px']:.2f}" if pub else "none"
        diff = f"{logpx - pub['log_px']:+.2f}".replace("-", "−") if pub else ""
        pieces = timing["pieces"]
        time = (f"{hours(timing['train_seconds'])} training in {pieces} piece{'s' if pieces > 1 else ''}, "
                f"{timing['log_px_seconds'] / 60:.0f} min log p(x)")
        return (f"| {name} | `{want}` | {epochs['run']:,} of {epochs['protocol']:,} | "
                f"−{-test['elbo']:.2f} | −{-logpx:.2f} ± {se:.2f} | {units} | {published} | {diff} | {time} |")
    except (KeyError, TypeError) as e:
        sys.exit(f"{path}: not a vae-train results.json ({e!r} missing or malformed)")


def main(args):
    if len(args) > 1:
        sys.exit(__doc__)
    results = args[0] if args else "bench/results"
    print("| row | command | epochs | test ELBO | test log p(x) ± se | active units | published | difference | time on our machine |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in ROWS:
        path = os.path.join(results, name, "results.json")
        if os.path.exists(path):
            print(row(name, path))
        else:
            print(f"| {name} | `{command(name)}` | not finished | | | | | | |")


if __name__ == "__main__":
    main(sys.argv[1:])
