#!/usr/bin/env bats
# lint: every sh file is clean under shellcheck -s sh and runs under dash; C is clean under cppcheck.

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

@test "lint: shellcheck -s sh is clean on every #!/bin/sh file" {
	cd "$TOP"
	files=$(git ls-files | while read -r f; do head -1 "$f" 2>/dev/null | grep -qE '^#!.*(/sh|env sh)$' && echo "$f"; done) || true
	[ -n "$files" ]
	run shellcheck -s sh $files
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "lint: every sh file parses under dash" {
	cd "$TOP"
	for f in ctr.sh helpers/*.sh images/*.sh; do
		dash -n "$f" || { echo "dash -n $f failed"; false; }
	done
}

@test "lint: cppcheck is clean and the helpers build with -Wall -Wextra -Werror" {
	cd "$TOP"
	run make -s check
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run make -s -B helpers B="$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}
