#!/bin/sh
# summary.sh - pass TAP through and end with "N passed, N failed[, N skipped]"; exit 1 on failures.
# mawk (Debian's awk) reads a pipe in blocks: -W interactive streams the TAP line by line.
set --
case $(awk -W version 2>&1) in mawk*) set -- -W interactive ;; esac
awk "$@" '
	{ print; fflush() }
	/^ok .* # skip/ { s++; next }
	/^ok / { p++ }
	/^not ok / { f++ }
	END {
		line = sprintf("%d passed, %d failed", p, f)
		if (s) line = line sprintf(", %d skipped", s)
		print line
		exit (f > 0 || p + s == 0)
	}'
