#!/bin/sh
# repeat.sh - run a command COUNT times, one after another: the throughput rows of `make bench`.
#
# Usage: repeat.sh COUNT CMD [ARG...]
# Each run's output goes to /dev/null (the timing is of the starts, not of a terminal).
# Exit status: 0 when every run exited 0; else the failing run's status, with
# `repeat: run K of COUNT: exit N` on stderr (no further run).
set -u

[ $# -ge 2 ] || { echo 'repeat: usage: repeat.sh COUNT CMD [ARG...]' >&2; exit 2; }
case $1 in '' | *[!0-9]*) echo "repeat: $1: not a count" >&2; exit 2 ;; esac
n=$1 i=0
shift
while [ "$i" -lt "$n" ]; do
	i=$((i + 1))
	"$@" >/dev/null 2>&1 </dev/null || {
		rc=$?
		echo "repeat: run $i of $n: exit $rc" >&2
		exit "$rc"
	}
done
