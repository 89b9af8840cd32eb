#!/usr/bin/env bats
# lint: every sh file is clean under shellcheck -s sh and runs under dash; C is clean under cppcheck;
# the terminal tests target tmux sessions exactly.

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

@test "lint: the terminal tests name a tmux session exactly (-t =NAME:), never by a bare name" {
	# tmux reads a bare -t NAME first as a window's name, by prefix, in the most recently active
	# session: "t" was a just-made second session's window "tmux" (see test/tmux.bash)
	cd "$TOP"
	run grep -nE --exclude=lint.bats 'tmux.* -t +([^"= -]|"[^=])' test/*.bats test/oci/*.bats test/*.bash
	[ "$status" -eq 1 ] || { echo "$output"; false; }
}
