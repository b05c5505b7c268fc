#!/bin/sh
# Measures the speed table of BENCHMARK.md in one sitting: seconds per
# training epoch (median of EPOCHS epochs) and peak resident memory, for
# govae with its default matrix products (-blas go: pure Go, no cgo), govae
# with the system's OpenBLAS (-blas openblas), and PyTorch in its fastest
# setup here (see bench/reference.sh); then the time of the importance-
# sampled log p(x) with 5,000 samples on EVAL_IMAGES test images of a
# briefly trained Burda model, for govae and PyTorch.
#
#   bench/speed.sh OUTDIR
#
# PRESETS (default: pytorch-example burda-vae burda-iwae burda2-vae
# burda2-iwae) chooses the presets; when it is given, the K = 50 epoch and
# the log p(x) timing are left out, for a short sitting on a few ratios.
# BLASES (default: go openblas) chooses govae's matrix products; BLASES=go
# leaves out the OpenBLAS build, which the targets do not ask about.
#
# Run from the repository root; needs python3-torch and libopenblas0-pthread
# (apt-get install -y python3-torch libopenblas0-pthread) and GNU time.
set -eu

out=${1:?usage: bench/speed.sh OUTDIR}
epochs=${EPOCHS:-3}
images=${EVAL_IMAGES:-200}
mkdir -p "$out"
cut -d' ' -f1-3 /proc/loadavg >"$out/load"
# The kernels fastblas picks depend on the processor (AVX-512 or AVX2).
wide="AVX2, no AVX-512"
grep -qw avx512f /proc/cpuinfo && wide="AVX-512"
echo "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs, $wide" >"$out/machine"

GOFLAGS=-buildvcs=true go build -o "$out/vae-train" ./cmd/vae-train
"$out/vae-train" -export-test "$out/test-binarized.idx" >/dev/null

# The PyTorch command, as a program GNU time can run, with $1 OpenBLAS
# threads: which of 1 and 2 is faster varies between sittings, so both run
# and the table compares with the faster.
torch() {
	echo "env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread OMP_WAIT_POLICY=PASSIVE
	/usr/bin/python3 bench/pytorch_vae.py --threads 2 --blas-threads $1"
}

# measure NAME CMD...: runs CMD under GNU time, keeping its peak RSS (KiB).
measure() {
	name=$1
	shift
	echo "== $name: $*"
	/usr/bin/time -f '%M' -o "$out/$name.rss" "$@" >"$out/$name.log" 2>"$out/$name.err"
}

for preset in ${PRESETS:-pytorch-example burda-vae burda-iwae burda2-vae burda2-iwae}; do
	for blas in ${BLASES:-go openblas}; do
		measure "go-$blas-$preset" "$out/vae-train" -blas "$blas" -out "$out/go-$blas-$preset" \
			-preset "$preset" -budget "$epochs" -eval-limit 500 -eval-k 0
	done
	bin=""
	[ "$preset" = pytorch-example ] || bin="--binarized-test $out/test-binarized.idx"
	for threads in 1 2; do
		# shellcheck disable=SC2046,SC2086
		measure "torch$threads-$preset" $(torch $threads) --preset "$preset" --budget "$epochs" --eval-limit 500 \
			--eval-k 0 $bin --out "$out/torch$threads-$preset.json"
	done
done

if [ -n "${PRESETS:-}" ]; then
	/usr/bin/python3 bench/speed_table.py "$out" "$images"
	exit 0
fi

# What one epoch of the K = 50 IWAE costs (govae only: the Table 1 rows).
measure go-go-burda-iwae-k50 "$out/vae-train" -out "$out/go-go-burda-iwae-k50" -preset burda-iwae -k 50 \
	-budget 1 -eval-limit 500 -eval-k 0

# log p(x), K = 5,000, on the first $images test images, after one epoch of
# the Burda protocol on 2,000 training images (the time of the estimate
# hardly depends on the weights).
measure go-logpx "$out/vae-train" -out "$out/go-logpx-run" -preset burda-vae -budget 1 -limit 2000 \
	-eval-limit "$images" -eval-k 5000
for threads in 1 2; do
	# shellcheck disable=SC2046
	measure "torch$threads-logpx" $(torch $threads) --preset burda-vae --budget 1 --limit 2000 \
		--eval-limit "$images" --binarized-test "$out/test-binarized.idx" --out "$out/torch$threads-logpx.json"
done

/usr/bin/python3 bench/speed_table.py "$out" "$images"
