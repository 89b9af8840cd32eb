#!/usr/bin/env bats
# ctr-oci run and exec --tty without --console-socket: ctr-oci relays the container's pty to
# the user's terminal (a real one: tmux), as a human at a shell uses it.

load helper
load ../tmux

eval "helper_$(declare -f setup)"
eval "helper_$(declare -f teardown)"
setup() {
	helper_setup
	TS=$BATS_TEST_TMPDIR/tmux.sock
}

# term CMD: run the shell command CMD in a terminal of 80x24 of the test's own tmux server;
# "rc=N" is printed after it ends
term() {
	printf '%s\necho "rc=$?"\nexec sleep 600\n' "$1" >"$BATS_TEST_TMPDIR/term.sh"
	term_open "$BATS_TEST_TMPDIR/term.sh"
}

teardown() {
	tmux -S "$TS" kill-server 2>/dev/null
	oci_teardown
}

@test "ctr-oci run with process.terminal on a terminal, no --console-socket: the container's pty, window size and resize, Ctrl-C in the container, exit code" {
	config '.process.terminal = true | .process.args = ["sh"]'
	term "$(printf 'cd %q && %q --root %q run %q' "$BUNDLE" "$OCI" "$ROOT" "$ID")"
	prompt
	keys 'tty; stty size' Enter
	wait_for screen_has '24 80' || fail "$(screen)"
	screen_has /dev/pts/0 || fail "not the container's devpts: $(screen)"
	term_resize 100 30
	keys 'clear; stty size' Enter
	wait_for screen_has '30 100' || fail "the resize did not reach the container: $(screen)"
	pid=$(oci state "$ID" | jq -r .pid)
	ctrl_c_interrupts "$pid"
	keys 'exit 5' Enter
	wait_for screen_has rc=5 || fail "$(screen)"
	# the terminal is given back: cooked mode again (echo and canonical input)
	keys 'stty -a | grep -o " icanon\| echo "' Enter
	wait_for screen_has ' icanon' || fail "the terminal stayed raw: $(screen)"
	run oci list -q
	assert_output ""
}

@test "ctr-oci exec --tty without --console-socket: a pty of the container's, sized as the terminal, keys in, exit code" {
	args sleep 100
	create
	oci start "$ID"
	term "$(printf '%q --root %q exec --tty %q sh' "$OCI" "$ROOT" "$ID")"
	prompt
	keys 'tty; stty size' Enter
	wait_for screen_has '24 80' || fail "$(screen)"
	screen_has /dev/pts/0 || fail "not the container's devpts: $(screen)"
	keys 'exit 7' Enter
	wait_for screen_has rc=7 || fail "$(screen)"
}

@test "ctr-oci run and exec with a terminal and piped stdin: the input reaches the process, its output comes back; no relay with --detach" {
	config '.process.terminal = true'
	args sh -c 'read x; echo "got $x"; tty; exit 4'
	run sh -c "echo hello | $(printf '%q --root %q run --bundle %q %q' "$OCI" "$ROOT" "$BUNDLE" "$ID")"
	assert_failure 4
	assert_line --partial "got hello"
	assert_line --partial /dev/pts/0
	[ -z "$(oci list -q)" ]
	oci_detached run --detach --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "process.terminal needs --console-socket"
	[ ! -e "$ROOT/$ID" ]
	config '.process.terminal = false'
	args sleep 100
	create
	oci start "$ID"
	run sh -c "echo world | $(printf '%q --root %q exec --tty %q sh -c %q' "$OCI" "$ROOT" "$ID" 'read x; echo "got $x"; tty')"
	assert_success
	assert_line --partial "got world"
	assert_line --partial /dev/pts/
	echo '{"terminal": true, "args": ["tty"], "cwd": "/"}' >"$BATS_TEST_TMPDIR/p.json"
	run oci exec --process "$BATS_TEST_TMPDIR/p.json" "$ID" </dev/null
	assert_success
	assert_output --partial /dev/pts/
	run oci exec "$ID" tty
	assert_failure
	assert_output "not a tty"
	oci_detached exec --tty --detach "$ID" true
	assert_failure
	assert_output --partial "a terminal with --detach needs --console-socket"
}
