#!/bin/sh
# Runs the govae-versus-PyTorch comparison of BENCHMARK.md in one sitting:
# each preset in govae (vae-train) and then in PyTorch (pytorch_vae.py),
# back to back, on the same machine, with the same budgets.
#
#   bench/reference.sh OUTDIR
#
# Run it from the repository root. BUDGET (default 4) is the number of
# epochs of the Burda protocols trained; EVAL_LIMIT (default 1000) the
# number of test images log p(x) is estimated on (K = the preset's: 1,000
# for pytorch-example, 5,000 for the Burda presets). PyTorch runs with
# Debian's python3-torch on OpenBLAS (apt-get install -y python3-torch
# libopenblas0-pthread), 2 torch threads, 1 OpenBLAS thread and passive
# OpenMP waiting, its fastest setup on a 2-core machine. PRESETS (default
# all of them: pytorch-example burda-vae burda-iwae-k5 burda2-vae
# burda2-iwae-k5) chooses which comparisons run.
set -eu

out=${1:?usage: bench/reference.sh OUTDIR}
budget=${BUDGET:-4}
limit=${EVAL_LIMIT:-1000}
mkdir -p "$out"

GOFLAGS=-buildvcs=true go build -o "$out/vae-train" ./cmd/vae-train
"$out/vae-train" -export-test "$out/test-binarized.idx"

torch() {
	LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread OMP_WAIT_POLICY=PASSIVE \
		/usr/bin/python3 bench/pytorch_vae.py --threads 2 --blas-threads 1 "$@"
}

# govae NAME FLAGS...: runs vae-train into OUTDIR/go-NAME.
govae() {
	name=$1
	shift
	echo "== govae $name: $*"
	"$out/vae-train" -out "$out/go-$name" "$@" >"$out/go-$name.log" 2>"$out/go-$name.progress"
	tail -n 4 "$out/go-$name.log"
}

# pytorch NAME FLAGS...: runs pytorch_vae.py into OUTDIR/torch-NAME.json.
pytorch() {
	name=$1
	shift
	echo "== pytorch $name: $*"
	torch --out "$out/torch-$name.json" "$@" >"$out/torch-$name.log" 2>&1
	tail -n 2 "$out/torch-$name.log"
}

for run in ${PRESETS:-pytorch-example burda-vae burda-iwae-k5 burda2-vae burda2-iwae-k5}; do
	case $run in
	pytorch-example)
		govae pytorch-example -preset pytorch-example -eval-limit "$limit"
		pytorch pytorch-example --preset pytorch-example --eval-limit "$limit"
		;;
	burda-vae | burda2-vae)
		govae "$run" -preset "$run" -budget "$budget" -eval-limit "$limit"
		pytorch "$run" --preset "$run" --budget "$budget" --eval-limit "$limit" --binarized-test "$out/test-binarized.idx"
		;;
	burda-iwae-k5 | burda2-iwae-k5)
		preset=${run%-k5}
		govae "$run" -preset "$preset" -k 5 -budget "$budget" -eval-limit "$limit"
		pytorch "$run" --preset "$preset" --k 5 --budget "$budget" --eval-limit "$limit" --binarized-test "$out/test-binarized.idx"
		;;
	*)
		echo "bench/reference.sh: unknown comparison $run in PRESETS" >&2
		exit 2
		;;
	esac
done
