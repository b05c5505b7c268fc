#!/bin/sh
# Starts or resumes the long benchmark rows (hours each) in the background,
# one process per core, under nice, each in $LONG/ROW (default
# $HOME/govae-long) with a log of its starts and resumes in $LONG/ROW.log.
#
#   bench/long.sh ROW...      start ROW, or resume it if $LONG/ROW has a checkpoint
#                             (restored from bench/inflight/ROW.tar.gz when the
#                             machine has lost $LONG/ROW)
#   bench/long.sh queue ROW...    run the rows one after another, in one
#                             background job (for rows of minutes: start one
#                             queue per core)
#   bench/long.sh status      the state of every row
#   bench/long.sh command ROW   print ROW's command (bench/table1.py checks
#                             each results.json against it)
#   bench/long.sh carry [ROW...]  pack each unfinished row's state (or only
#                             those named) into bench/inflight/ROW.tar.gz, and
#                             delete the packs of finished rows
#   bench/long.sh collect ROW...  copy each finished row's results.json,
#                             results.md, metrics.jsonl (and eval.json, if
#                             any) and its log into bench/results/ROW/, to commit
#
# The machine is replaced between sessions and $LONG with it. The team's rule
# is that once a row's folder has been lost twice, its latest checkpoint
# travels in the repository: `carry` packs what -resume needs (model.ckpt,
# metrics.jsonl, config.json) and the row's log into one file per row, which
# replaces the previous one; a later `bench/long.sh ROW` on a new machine
# unpacks it and resumes bit for bit. Nothing else is ever committed from a run
# in progress, and a pack is deleted when its row finishes.
#
# Rows: burda-vae, burda-iwae-k5, burda-iwae-k50, burda2-vae, burda2-iwae-k5,
# burda2-iwae-k50 (vae-train, Burda et al. Table 1); sm-cd25, sm-pcd25,
# sm-cd25-fixed (ebm-train, Salakhutdinov & Murray; the last with
# makebatches.m's fixed batches); eq-METHOD-sSEED (vae-train, the
# estimators at an equal budget, below). The commands are the ones BENCHMARK.md
# shows; the binaries are built from this checkout with its VCS revision.
set -eu
long=${LONG:-$HOME/govae-long}
inflight=$(git rev-parse --show-toplevel)/bench/inflight

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
	sm-cd25-fixed) echo "ebm-train -preset sm-cd25 -fixed-batches" ;;
	eq-*-s[1-9]) eq_cmd "$1" ;;
	*) echo "bench/long.sh: unknown row $1" >&2; exit 2 ;;
	esac
}

# The estimators at an equal budget (issue 14): Burda's one-layer model, the
# first three stages of the protocol (1 + 3 + 9 = 13 epochs), 10 samples per
# example, seeds 1-3. Rows eq-METHOD-sSEED, METHOD one of iwae, iwae-dreg,
# iwae-stl, miwae (2 groups of 5), ciwae (β = 0.05) and piwae (2 groups of 5).
eq_epochs=13
eq_methods="iwae iwae-dreg iwae-stl miwae ciwae piwae"
eq_cmd() {
	seed=${1##*-s}
	method=${1#eq-}
	method=${method%-s*}
	base="vae-train -preset burda-iwae -budget $eq_epochs -seed $seed"
	case $method in
	iwae) echo "$base -k 10" ;;
	iwae-dreg) echo "$base -k 10 -estimator dreg" ;;
	iwae-stl) echo "$base -k 10 -estimator stl" ;;
	miwae) echo "$base -objective miwae -m 2 -k 5" ;;
	ciwae) echo "$base -objective ciwae -ciwae-beta 0.05 -k 10" ;;
	piwae) echo "$base -objective piwae -m 2 -k 5" ;;
	*) echo "bench/long.sh: unknown method $method in $1 (one of: $eq_methods)" >&2; exit 2 ;;
	esac
}

if [ "${1:-}" = command ]; then
	cmd_of "${2:?usage: bench/long.sh command ROW}"
	exit 0
fi

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

if [ "${1:-}" = collect ]; then
	shift
	results=$(git rev-parse --show-toplevel)/bench/results
	for row in "$@"; do
		dir="$long/$row"
		[ -e "$dir/results.json" ] || { echo "$row: not finished (no $dir/results.json); nothing collected" >&2; exit 1; }
		mkdir -p "$results/$row"
		for f in results.json results.md metrics.jsonl eval.json; do
			[ -e "$dir/$f" ] && cp "$dir/$f" "$results/$row/"
		done
		sed "s|$long|\$LONG|g" "$long/$row.log" >"$results/$row/long.log"
		if grep -l "$long" "$results/$row"/* >/dev/null 2>&1; then
			echo "$row: bench/results/$row names this machine's $long; replace it with \$LONG before committing" >&2
		fi
		echo "$row: collected in bench/results/$row"
	done
	exit 0
fi

if [ "${1:-}" = carry ]; then
	shift
	mkdir -p "$inflight"
	for log in "$long"/*.log; do
		[ -e "$log" ] || continue
		row=$(basename "$log" .log)
		if [ $# -gt 0 ] && ! echo " $* " | grep -q " $row "; then
			continue
		fi
		dir="$long/$row"
		pack="$inflight/$row.tar.gz"
		if [ -e "$dir/results.json" ]; then
			[ -e "$pack" ] && rm -f "$pack" && echo "$row: finished; removed $pack"
			continue
		fi
		[ -e "$dir/model.ckpt" ] || { echo "$row: no checkpoint yet; nothing to carry"; continue; }
		# The trainers replace each file atomically and write metrics.jsonl
		# before model.ckpt, so copying the checkpoint first gives metrics
		# that reach at least its epoch (-resume drops any lines beyond it).
		stage=$(mktemp -d)
		mkdir "$stage/$row"
		cp "$dir/model.ckpt" "$stage/$row/"
		cp "$dir/metrics.jsonl" "$dir/config.json" "$stage/$row/"
		cp "$log" "$stage/$row.log"
		echo "$(date -u +%FT%TZ) carried at $(git rev-parse --short HEAD): epoch $(wc -l <"$stage/$row/metrics.jsonl") or later in bench/inflight/$row.tar.gz" >>"$stage/$row.log"
		cp "$stage/$row.log" "$log.carry" && mv "$log.carry" "$log"
		tar -C "$stage" -czf "$pack.tmp" "$row" "$row.log"
		mv "$pack.tmp" "$pack"
		rm -rf "$stage"
		echo "$row: carried in $pack ($(du -h "$pack" | cut -f1))"
	done
	exit 0
fi

# revision BINARY: the short VCS revision Go stamped into BINARY, with
# "+dirty" when it was built from a checkout with uncommitted changes.
revision() {
	go version -m "$1" | awk '$1 == "build" && $2 ~ /^vcs.revision=/ { r = substr($2, 14, 7) }
		$1 == "build" && $2 == "vcs.modified=true" { d = "+dirty" } END { print r d }'
}

# launch ROW fg|bg: starts ROW, or resumes it if $LONG/ROW has a checkpoint,
# and runs it to its end (fg) or in the background (bg).
launch() {
	row=$1
	mode=$2
	set -- $(cmd_of "$row")
	prog=$1
	shift
	dir="$long/$row"
	if [ -e "$dir/results.json" ]; then
		echo "$row: finished; see $dir"
		return 0
	fi
	if [ ! -e "$dir/model.ckpt" ] && [ -e "$inflight/$row.tar.gz" ]; then
		rm -rf "$dir"
		tar -C "$long" -xzf "$inflight/$row.tar.gz" "$row" "$row.log"
		echo "$(date -u +%FT%TZ) restored from bench/inflight/$row.tar.gz: \$LONG/$row was not on this machine" >>"$long/$row.log"
	fi
	if [ -e "$dir/model.ckpt" ]; then
		what="resumed"
		set -- -resume "$dir"
	else
		what="started"
		rm -rf "$dir"
		set -- "$@" -out "$dir"
	fi
	# The log travels in bench/inflight: it names the folder as $LONG, not by
	# this machine's path. The revision is the binary's own: a later
	# bench/long.sh from another checkout may have rebuilt $LONG/bin since
	# this queue's checkout was current.
	echo "$(date -u +%FT%TZ) $what at $(revision "$long/bin/$prog"): $prog $*" | sed "s|$long|\$LONG|g" >>"$long/$row.log"
	if [ "$mode" = fg ]; then
		echo "$row: $what"
		GOMAXPROCS=1 nice -n 10 "$long/bin/$prog" "$@" >>"$long/$row.out" 2>&1 ||
			echo "$(date -u +%FT%TZ) exited with status $?" >>"$long/$row.log"
		return 0
	fi
	GOMAXPROCS=1 nohup nice -n 10 "$long/bin/$prog" "$@" >>"$long/$row.out" 2>&1 &
	echo "$row: $what (pid $!), log $long/$row.log"
}

for row in "$@"; do
	[ "$row" = queue ] || cmd_of "$row" >/dev/null
done
mkdir -p "$long/bin"
GOFLAGS=-buildvcs=true go build -o "$long/bin/" ./cmd/vae-train ./cmd/ebm-train
# results.json records the revision the binary was built from; Go stamps
# none in a git worktree (sm-cd25's results said "revision unknown" when
# built in one), so refuse to run without it.
if ! go version -m "$long/bin/vae-train" | grep -q vcs.revision; then
	echo "bench/long.sh: the binaries carry no VCS revision (a git worktree?): run from a full clone" >&2
	exit 1
fi
if [ "${1:-}" = queue ]; then
	shift
	(
		trap '' HUP
		for row in "$@"; do
			launch "$row" fg
		done
	) >>"$long/queue.out" 2>&1 &
	echo "queue of $# rows (pid $!), progress in $long/queue.out"
	exit 0
fi
for row in "$@"; do
	launch "$row" bg
done
