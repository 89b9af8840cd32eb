#!/usr/bin/env bats
# ctr-oci with process.terminal: the pty master goes to --console-socket (the engine's end,
# test/oci/console-socket.c), the process has the slave as its controlling terminal.

load helper

setup_file() {
	export CONSOLE_SOCKET="$BATS_FILE_TMPDIR/console-socket"
	cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$CONSOLE_SOCKET" "$BATS_TEST_DIRNAME/console-socket.c"
}

# console_listen: the engine's end on $BATS_TEST_TMPDIR/c.sock in the background; what the
# container writes to its terminal lands in $BATS_TEST_TMPDIR/tty.out.
console_listen() {
	SOCK=$BATS_TEST_TMPDIR/c.sock
	"$CONSOLE_SOCKET" "$SOCK" >"$BATS_TEST_TMPDIR/tty.out" 2>"$BATS_TEST_TMPDIR/tty.err" &
	LISTENER=$!
	local i
	for i in $(seq 100); do
		[ -S "$SOCK" ] && return 0
		sleep 0.05
	done
	fail "console-socket did not listen"
}

teardown() {
	[ -z "${LISTENER:-}" ] || kill "$LISTENER" 2>/dev/null
	[ -z "${LISTENER:-}" ] || wait "$LISTENER" 2>/dev/null
	oci_teardown
}

@test "ctr-oci create --console-socket: the init does not hold create's stdio while it waits for start" {
	config '.process.terminal = true'
	args sh -c 'tty; echo "hello from the terminal"'
	console_listen
	# containerd-shim reads create's output until EOF before it sends start: an init that kept
	# create's stdout while blocked on exec.fifo made that read (here: cat) wait for ever
	run timeout 30 sh -c '"$1" --root "$2" create --bundle "$3" --console-socket "$4" "$5" 2>&1 </dev/null | cat' \
		_ "$OCI" "$ROOT" "$BUNDLE" "$SOCK" "$ID"
	assert_success
	[ "$(status "$ID")" = created ]
	grep -qx 'master received' "$BATS_TEST_TMPDIR/tty.err"
	run ls -l "/proc/$(oci state "$ID" | jq .pid)/fd/1"
	assert_output --partial '/dev/pts/0'
	oci start "$ID"
	wait "$LISTENER"
	LISTENER=
	run tr -d '\r' <"$BATS_TEST_TMPDIR/tty.out"
	assert_line /dev/pts/0
	assert_line 'hello from the terminal'
}

@test "ctr-oci exec --tty --console-socket --detach: the process runs on its own pty" {
	args sleep 100
	create
	oci start "$ID"
	console_listen
	oci_detached exec --tty --console-socket "$SOCK" --detach "$ID" sh -c 'tty; echo "exec on a tty"'
	assert_success
	wait "$LISTENER"
	LISTENER=
	run tr -d '\r' <"$BATS_TEST_TMPDIR/tty.out"
	assert_line --regexp '^/dev/pts/[0-9]+$'
	assert_line 'exec on a tty'
}
