#!/bin/sh
# Measures the RBM speed table of BENCHMARK.md in one sitting: seconds per
# CD-25 epoch (500 hidden units, batches of 100, the first 6,000 MNIST
# training images; median of EPOCHS epochs) and the seconds of AIS with 100
# runs over the 14,500-step schedule on the model so trained, for govae's
# ebm-train and for a plain PyTorch CD-k loop (bench/pytorch_rbm.py:
# OpenBLAS, 2 torch threads, passive OpenMP waiting, run with 1 and with 2
# OpenBLAS threads: the faster is the reference), back to back. GNU
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

for blas in 1 2; do
	env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread OMP_WAIT_POLICY=PASSIVE \
		/usr/bin/time -f '%e %U %S' -o "$out/torch$blas.time" \
		/usr/bin/python3 -B bench/pytorch_rbm.py --k 25 --hidden 500 --limit 6000 --epochs "$epochs" \
		--threads 2 --blas-threads "$blas" --ais-runs 100 --out "$out/torch$blas.json" >"$out/torch$blas.log" 2>&1
done

/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys, os
out = sys.argv[1]
go = [json.loads(l) for l in open(os.path.join(out, "go-cd25", "metrics.jsonl"))]
go_epoch = statistics.median(m["seconds"] for m in go)
go_ais = json.load(open(os.path.join(out, "go-cd25", "results.json")))["ais"]["seconds"]
ts = {b: json.load(open(os.path.join(out, f"torch{b}.json"))) for b in (1, 2)}
cpu = lambda f: [float(x) for x in open(os.path.join(out, f)).read().split()]
gw, gu, gs = cpu("go.time")
for b, t in ts.items():
    tw, tu, tsys = cpu(f"torch{b}.time")
    print(f"PyTorch, {b} OpenBLAS thread(s): CD-25 epoch {t['seconds_per_epoch']:.2f} s (epochs {', '.join(f'{x:.2f}' for x in t['seconds'])}), AIS {t['ais_seconds']:.1f} s, wall {tw:.1f} s, CPU {tu + tsys:.1f} s")
# The reference: the faster setup for each row.
epoch = min(t["seconds_per_epoch"] for t in ts.values())
ais = min(t["ais_seconds"] for t in ts.values())
tcpu = min(sum(cpu(f"torch{b}.time")[1:]) for b in ts)
print()
print("| work | govae (s) | PyTorch, faster of 1 and 2 OpenBLAS threads (s) | govae / PyTorch |")
print("|---|---|---|---|")
print(f"| CD-25 epoch, 500 hidden, 6,000 images (median of {len(go)}) | {go_epoch:.2f} | {epoch:.2f} | {go_epoch / epoch:.2f} |")
print(f"| AIS, 100 runs × 14,500 steps | {go_ais:.1f} | {ais:.1f} | {go_ais / ais:.2f} |")
print(f"| whole program, CPU seconds (user+sys) | {gu + gs:.1f} | {tcpu:.1f} | {(gu + gs) / tcpu:.2f} |")
t = ts[2]
print(f"\nwall: govae {gw:.1f} s; torch {t['torch']}, {t['threads']} threads; {t['cpu']}")
PY
