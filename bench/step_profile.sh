#!/bin/sh
# CPU profiles of one training step, per preset, at a given revision: the
# before/after profiles of the speed work (issue 12).
#
#   bench/step_profile.sh REV OUTDIR [PRESET...]
#
# Builds the vae package's test binary at REV (a commit, tag or HEAD) in a
# temporary git worktree, runs BenchmarkTrainStep/PRESET/go for 2,000 steps
# with a CPU profile, and writes OUTDIR/REV-PRESET.prof and OUTDIR/REV-PRESET.txt
# (the benchmark's line, then `go tool pprof -top`: the 25 functions with the
# most samples of their own, leaving out the loading of MNIST and the
# building of the model and its graphs).
# PRESET defaults to pytorch-example, burda-vae and burda-iwae-k5, the
# presets every revision since the speed issue was filed benchmarks. Run it
# from the repository root. GOMAXPROCS passes through: GOMAXPROCS=1 profiles
# the step's own work without the second goroutine's waits.
set -eu

rev=${1:?usage: bench/step_profile.sh REV OUTDIR [PRESET...]}
out=${2:?usage: bench/step_profile.sh REV OUTDIR [PRESET...]}
shift 2
presets=${*:-pytorch-example burda-vae burda-iwae-k5}
short=$(git rev-parse --short "$rev")
mkdir -p "$out"
out=$(cd "$out" && pwd)

tree=$(mktemp -d)
trap 'git worktree remove --force "$tree" >/dev/null 2>&1 || true; rm -rf "$tree"' EXIT
git worktree add --detach "$tree" "$short" >/dev/null 2>&1
(cd "$tree" && go test -c -o "$out/vae-$short.test" ./vae)

for p in $presets; do
	prof=$out/$short-$p.prof
	(cd "$tree/vae" && "$out/vae-$short.test" -test.run '^$' -test.bench "TrainStep/$p/go\$" \
		-test.benchtime 2000x -test.cpuprofile "$prof") | grep ns/op >"$out/$short-$p.txt"
	go tool pprof -top -ignore 'datasets\.Load|vae\.NewTrainer|vae\.NewMLP' -nodecount 25 "$out/vae-$short.test" "$prof" 2>/dev/null >>"$out/$short-$p.txt"
	echo "$short $p: $(head -n 1 "$out/$short-$p.txt")"
done
