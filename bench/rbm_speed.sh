#!/bin/sh
# Measures the RBM speed table of BENCHMARK.md in one sitting: seconds per
# CD-25 epoch (500 hidden units, batches of 100, the first 6,000 MNIST
# training images; median of EPOCHS epochs) and the seconds of AIS with 100
# runs over the 14,500-step schedule on the model so trained, for govae's
# ebm-train and for a plain PyTorch CD-k loop (bench/pytorch_rbm.py:
# OpenBLAS, 2 torch threads, passive OpenMP waiting), back to back. GNU
# time adds the CPU seconds of each program, a figure less sensitive than
# wall time to other work on the machine.
#
#   bench/rbm_speed.sh OUTDIR
#
# Run from the repository root; needs python3-torch and libopenblas0-pthread
# (apt-get install -y python3-torch libopenblas0-pthread) and GNU time.
set -eu

out=${1:?usage: bench/rbm_speed.sh OUTDIR}
epochs=${EPOCHS:-3}
mkdir -p "$out"
GOFLAGS=-buildvcs=true go build -o "$out/ebm-train" ./cmd/ebm-train

# govae: the per-epoch monitor and the final scoring are cut to almost
# nothing (metrics.jsonl times the training alone); -ais-runs 100 is the
# AIS row.
/usr/bin/time -f '%e %U %S' -o "$out/go.time" "$out/ebm-train" -out "$out/go-cd25" \
	-hidden 500 -k 25 -batch 100 -limit 6000 -epochs "$epochs" \
	-monitor 100 -monitor-ais-thin 1000 -monitor-ais-runs 2 \
	-ais-runs 100 -eval-limit 100 -samples 1 -sample-steps 0 >"$out/go.log" 2>&1

env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread OMP_WAIT_POLICY=PASSIVE \
	/usr/bin/time -f '%e %U %S' -o "$out/torch.time" \
	/usr/bin/python3 bench/pytorch_rbm.py --k 25 --hidden 500 --limit 6000 --epochs "$epochs" \
	--threads 2 --blas-threads 2 --ais-runs 100 --out "$out/torch.json" >"$out/torch.log" 2>&1

/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys, os
out = sys.argv[1]
go = [json.loads(l) for l in open(os.path.join(out, "go-cd25", "metrics.jsonl"))]
go_epoch = statistics.median(m["seconds"] for m in go)
go_ais = json.load(open(os.path.join(out, "go-cd25", "results.json")))["ais"]["seconds"]
t = json.load(open(os.path.join(out, "torch.json")))
cpu = lambda f: [float(x) for x in open(os.path.join(out, f)).read().split()]
gw, gu, gs = cpu("go.time")
tw, tu, ts = cpu("torch.time")
print("| work | govae (s) | PyTorch (s) | govae / PyTorch |")
print("|---|---|---|---|")
print(f"| CD-25 epoch, 500 hidden, 6,000 images (median of {len(go)}) | {go_epoch:.2f} | {t['seconds_per_epoch']:.2f} | {go_epoch / t['seconds_per_epoch']:.2f} |")
print(f"| AIS, 100 runs × 14,500 steps | {go_ais:.1f} | {t['ais_seconds']:.1f} | {go_ais / t['ais_seconds']:.2f} |")
print(f"| whole program, CPU seconds (user+sys) | {gu + gs:.1f} | {tu + ts:.1f} | {(gu + gs) / (tu + ts):.2f} |")
print(f"\nwall: govae {gw:.1f} s, PyTorch {tw:.1f} s; torch {t['torch']}, {t['threads']} threads, {t['blas_threads']} OpenBLAS threads; {t['cpu']}")
PY
