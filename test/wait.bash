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
