# test/wait.bash - wait_for, loaded by test/helper.bash, test/oci/helper.bash and the test files
# that load neither. A test waits for what it checks, with a deadline: never a bare sleep.

# wait_for CMD...: retry CMD every 0.1 s until it succeeds, for up to WAIT_FOR_SECONDS (5 s
# unless the file sets it: test/oci/ sets 10).
wait_for() {
	local i
	for i in $(seq "$((${WAIT_FOR_SECONDS:-5} * 10))"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# stopped PID: PID is stopped (SIGSTOP: a test hook's CTR_TEST_KILL_AT=...:stop).
stopped() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ]; }

# held_while_removed HOOK CONTAINER CMD...: run CMD (a verb of ctr.sh) with the test hook
# CTR_TEST_KILL_AT=HOOK:stop, which SIGSTOPs it at that step; rm -f CONTAINER meanwhile, then let
# it go on. HELD_ST: its status; HELD_OUT, HELD_ERR: what it printed on stdout and stderr.
held_while_removed() {
	local hook=$1 victim=$2 front
	shift 2
	CTR_TEST_KILL_AT=$hook:stop "$@" >"$BATS_TEST_TMPDIR/held.out" 2>"$BATS_TEST_TMPDIR/held.err" &
	front=$!
	wait_for stopped "$front" || { kill -KILL "$front"; fail "$hook: never stopped there"; }
	"$CTR" rm -f "$victim" >/dev/null
	kill -CONT "$front"
	HELD_ST=0
	wait "$front" || HELD_ST=$?
	HELD_OUT=$(cat "$BATS_TEST_TMPDIR/held.out") HELD_ERR=$(cat "$BATS_TEST_TMPDIR/held.err")
}
