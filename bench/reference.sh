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
#
# SEEDS (default 1) runs every comparison once per seed, into go-RUN-sSEED
# and torch-RUN-sSEED.json (plain go-RUN and torch-RUN.json for seed 1 alone),
# and EVAL_K overrides the importance samples of log p(x) (0 skips it), for a
# spread over seeds of the test loss: bench/seed_table.py OUTDIR summarises it.
# The two libraries draw different random numbers, so a seed of one is not
# paired with the same seed of the other; what compares is the spread.
set -eu

out=${1:?usage: bench/reference.sh OUTDIR}
budget=${BUDGET:-4}
limit=${EVAL_LIMIT:-1000}
seeds=${SEEDS:-1}
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

# evalk, when EVAL_K is set, is the flag that overrides log p(x)'s samples.
goevalk=
torchevalk=
if [ -n "${EVAL_K:-}" ]; then
	goevalk="-eval-k $EVAL_K"
	torchevalk="--eval-k $EVAL_K"
fi

for seed in $seeds; do
	suffix=-s$seed
	[ "$seeds" = 1 ] && suffix=
	for run in ${PRESETS:-pytorch-example burda-vae burda-iwae-k5 burda2-vae burda2-iwae-k5}; do
		# each comparison's own flags, in govae's and PyTorch's spelling, and
		# the binarised test set PyTorch reads (none for grey levels)
		bin=$out/test-binarized.idx
		case $run in
		pytorch-example)
			goflags="-preset pytorch-example"
			torchflags="--preset pytorch-example"
			bin=
			;;
		burda-vae | burda2-vae)
			goflags="-preset $run -budget $budget"
			torchflags="--preset $run --budget $budget"
			;;
		burda-iwae-k5 | burda2-iwae-k5)
			goflags="-preset ${run%-k5} -k 5 -budget $budget"
			torchflags="--preset ${run%-k5} --k 5 --budget $budget"
			;;
		*)
			echo "bench/reference.sh: unknown comparison $run in PRESETS" >&2
			exit 2
			;;
		esac
		# shellcheck disable=SC2086
		govae "$run$suffix" $goflags -eval-limit "$limit" -seed "$seed" $goevalk
		# shellcheck disable=SC2086
		pytorch "$run$suffix" $torchflags --eval-limit "$limit" --seed "$seed" $torchevalk ${bin:+--binarized-test "$bin"}
	done
done
