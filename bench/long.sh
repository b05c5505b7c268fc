#!/bin/sh
# Starts or resumes the long benchmark rows (hours each) in the background,
# one process per core, under nice, each in $LONG/ROW (default
# $HOME/govae-long) with a log of its starts and resumes in $LONG/ROW.log.
#
#   bench/long.sh ROW...      start ROW, or resume it if $LONG/ROW has a checkpoint
#   bench/long.sh status      the state of every row
#
# Rows: burda-vae, burda-iwae-k5, burda-iwae-k50, burda2-vae, burda2-iwae-k5,
# burda2-iwae-k50 (vae-train, Burda et al. Table 1); sm-cd25, sm-pcd25
# (ebm-train, Salakhutdinov & Murray). The commands are the ones BENCHMARK.md
# shows; the binaries are built from this checkout with its VCS revision.
set -eu
long=${LONG:-$HOME/govae-long}
mkdir -p "$long/bin"

cmd_of() {
	case $1 in
	burda-vae) echo "vae-train -preset burda-vae" ;;
	burda-iwae-k5) echo "vae-train -preset burda-iwae -k 5" ;;
	burda-iwae-k50) echo "vae-train -preset burda-iwae -k 50" ;;
	burda2-vae) echo "vae-train -preset burda2-vae" ;;
	burda2-iwae-k5) echo "vae-train -preset burda2-iwae -k 5" ;;
	burda2-iwae-k50) echo "vae-train -preset burda2-iwae -k 50" ;;
	sm-cd25) echo "ebm-train -preset sm-cd25" ;;
	sm-pcd25) echo "ebm-train -preset sm-cd25 -estimator pcd" ;;
	*) echo "bench/long.sh: unknown row $1" >&2; exit 2 ;;
	esac
}

if [ "${1:-}" = status ]; then
	for log in "$long"/*.log; do
		[ -e "$log" ] || continue
		row=$(basename "$log" .log)
		state=stopped
		pgrep -f -- "-out $long/$row\$" >/dev/null 2>&1 && state=running
		pgrep -f -- "-resume $long/$row\$" >/dev/null 2>&1 && state=running
		[ -e "$long/$row/results.json" ] && state=finished
		echo "$row: $state; $(tail -n 1 "$log")"
	done
	exit 0
fi

GOFLAGS=-buildvcs=true go build -o "$long/bin/" ./cmd/vae-train ./cmd/ebm-train
for row in "$@"; do
	set -- $(cmd_of "$row")
	prog=$1
	shift
	dir="$long/$row"
	if [ -e "$dir/results.json" ]; then
		echo "$row: finished; see $dir"
		continue
	elif [ -e "$dir/model.ckpt" ]; then
		what="resumed"
		set -- -resume "$dir"
	else
		what="started"
		rm -rf "$dir"
		set -- "$@" -out "$dir"
	fi
	echo "$(date -u +%FT%TZ) $what at $(git rev-parse --short HEAD): $prog $*" >>"$long/$row.log"
	GOMAXPROCS=1 nohup nice -n 10 "$long/bin/$prog" "$@" >>"$long/$row.out" 2>&1 &
	echo "$row: $what (pid $!), log $long/$row.log"
done
