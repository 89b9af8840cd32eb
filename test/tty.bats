#!/usr/bin/env bats
# test/tty.bats - interactive containers through ctr.sh in a real terminal: run -it, exec -it,
# run -dit + attach. tmux provides the terminal (the CI has none): keys go in with send-keys,
# what the user would see comes back with capture-pane.

bats_require_minimum_version 1.5.0
load helper
load tmux

setup() {
	ctr_setup
	D=$BATS_TEST_TMPDIR
	TS=$D/tmux.sock # this test's own tmux server, its socket removed with the test's directory
}

teardown() {
	tmux -S "$TS" kill-server 2>/dev/null
	ctr_teardown
}

# in_ns PID CMDLINE: host pids of the processes in PID's pid namespace whose command line is CMDLINE.
in_ns() {
	local p ns
	ns=$(readlink "/proc/$1/ns/pid")
	for p in $(pgrep -xf "$2"); do
		[ "$(readlink "/proc/$p/ns/pid" 2>/dev/null)" != "$ns" ] || echo "$p"
	done | grep .
}

# running_id: the ID of the one running container of this test.
running_id() {
	local id
	wait_for sh -c '[ -n "$("$1" ps -q)" ]' _ "$CTR" || fail "no running container"
	id=$(ctr ps -q)
	[ "$(printf '%s\n' "$id" | wc -l)" -eq 1 ] || fail "more than one container: $id"
	printf '%s\n' "$id"
}

@test "run -it: the shell shows its prompt, hostname prints the container's; the session is in the log" {
	term_run "$CTR" run -it --rm busybox sh
	prompt
	id=$(running_id)
	[ "$id" != "$(hostname)" ]
	keys hostname Enter
	wait_for screen_has "$id" || fail "$(screen)"
	wait_for screen_ends '/ #' || fail "no prompt after hostname: $(screen)"
	keys tty Enter
	wait_for screen_has /dev/pts/0 || fail "the shell has no terminal of the container's own devpts: $(screen)"
	term_is_raw || fail "the user's terminal is not raw: $(term_mode)"
	run ctr logs "$id"
	assert_line --regexp "^$id"$'\r$'
	assert_line --regexp '^/dev/pts/0'$'\r$'
	keys exit Enter
	wait_for screen_has rc=0 || fail "$(screen)"
	assert_canonical
	[ -z "$(ctr ps -aq)" ] || fail "--rm left $(ctr ps -aq)"
}

@test "run -it: Ctrl-C interrupts sleep 100, the shell survives" {
	term_run "$CTR" run -it --rm busybox sh
	prompt
	id=$(running_id)
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	ctrl_c_interrupts "$pid"
	kill -0 "$pid" || fail "the container's shell died"
	[ "$(ctr ps -q)" = "$id" ]
}

@test "run -it: Ctrl-Z stops the foreground job, fg resumes it (job control)" {
	term_run "$CTR" run -it --rm busybox sh
	prompt
	id=$(running_id)
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	keys 'sleep 100' Enter
	wait_for pgrep -x -P "$pid" sleep >/dev/null || fail "sleep did not start: $(screen)"
	sp=$(pgrep -x -P "$pid" sleep)
	keys C-z
	wait_for screen_has Stopped || fail "$(screen)"
	[ "$(awk '{ print $3 }' "/proc/$sp/stat")" = T ] || fail "sleep is not stopped: $(cat "/proc/$sp/stat")"
	keys jobs Enter
	wait_for screen_has '[1]+  Stopped' || fail "$(screen)"
	keys fg Enter
	wait_for sh -c '[ "$(awk "{ print \$3 }" "/proc/$1/stat")" = S ]' _ "$sp" || fail "fg did not resume sleep"
	keys C-c
	keys 'echo back$((2 + 2))' Enter
	wait_for screen_has back4 || fail "$(screen)"
	! kill -0 "$sp" 2>/dev/null || fail "sleep survived Ctrl-C after fg"
}

@test "run -it: after tmux resize-window, stty size inside shows the new size" {
	term_run "$CTR" run -it --rm busybox sh
	prompt
	keys 'stty size' Enter
	wait_for screen_has '24 80' || fail "$(screen)"
	term_resize 100 30
	keys 'stty size' Enter
	wait_for screen_has '30 100' || fail "$(screen)"
}

@test "run -it: exit 3 returns 3 to the host shell, the terminal is cooked again" {
	term_run "$CTR" run -it --rm busybox sh
	prompt
	keys 'exit 3' Enter
	wait_for screen_has rc=3 || fail "$(screen)"
	assert_canonical
}

@test "run -it: the terminal is restored when the container's PID 1 is killed from outside" {
	term_run "$CTR" run -it --name killed busybox sh
	prompt
	id=$(running_id)
	term_is_raw || fail "the user's terminal is not raw: $(term_mode)"
	kill -KILL "$(cat "$CTR_ROOT/containers/$id/pid")"
	wait_for screen_has rc=137 || fail "$(screen)"
	assert_canonical
	[ "$(ctr inspect killed | jq .exit_code)" = 137 ]
}

@test "exec -it ID sh: a prompt, in the container's namespaces, root and hostname; exit code back" {
	id=$(ctr run -d --hostname box busybox sh -c 'echo in-the-root > /marker; exec sleep 100')
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	term_run "$CTR" exec -it "$id" sh
	prompt
	keys 'for n in cgroup ipc mnt net pid uts; do echo "ns-$n=$(readlink /proc/$$/ns/$n)"; done' Enter
	for n in cgroup ipc mnt net pid uts; do
		wait_for screen_has "ns-$n=$(readlink "/proc/$pid/ns/$n")" || fail "$n: $(screen)"
	done
	keys clear Enter 'hostname; cat /marker; tty' Enter
	wait_for screen_has in-the-root || fail "$(screen)"
	screen_has box || fail "$(screen)"
	screen_has /dev/pts/ || fail "no terminal: $(screen)"
	term_is_raw || fail "the user's terminal is not raw: $(term_mode)"
	keys 'exit 5' Enter
	wait_for screen_has rc=5 || fail "$(screen)"
	assert_canonical
	kill -0 "$pid" || fail "the container ended with the exec"
}

@test "exec -it: Ctrl-C interrupts a sleep in the exec'd shell, which survives" {
	id=$(ctr run -d busybox sleep 100)
	term_run "$CTR" exec -it "$id" sh
	prompt
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	keys 'sleep 99' Enter
	wait_for in_ns "$pid" 'sleep 99' || fail "sleep did not start: $(screen)"
	keys C-c
	keys 'echo alive$((1 + 1))' Enter
	wait_for screen_has alive2 || fail "sleep 99 was not interrupted: $(screen)"
	[ -z "$(in_ns "$pid" 'sleep 99')" ] || fail "sleep 99 still runs"
	kill -0 "$pid" || fail "the container ended"
}

@test "run -dit + attach: Ctrl-P Ctrl-Q detaches and leaves it running; re-attach, exit 4" {
	id=$(ctr run -dit busybox sh)
	term_run "$CTR" attach "$id"
	wait_for term_is_raw || fail "$(screen)"
	keys Enter
	prompt
	keys 'echo x$((6 * 7))' Enter
	wait_for screen_has x42 || fail "$(screen)"
	keys C-p C-q
	wait_for screen_has rc=0 || fail "Ctrl-P Ctrl-Q did not detach: $(screen)"
	assert_canonical
	[ "$(ctr inspect "$id" | jq -r .state)" = running ] || fail "stopped by the detach"
	term_close
	rm "$D/stty.after"
	term_run "$CTR" attach "$id"
	wait_for term_is_raw || fail "$(screen)"
	keys 'echo y$((6 * 8))' Enter
	wait_for screen_has y48 || fail "$(screen)"
	keys 'exit 4' Enter
	wait_for screen_has rc=4 || fail "$(screen)"
	assert_canonical
	wait_for sh -c '[ "$("$1" inspect "$2" | jq .exit_code)" = 4 ]' _ "$CTR" "$id" || fail "exit code not recorded"
	run ctr logs "$id"
	assert_line --regexp $'^x42\r$'
	assert_line --regexp $'^y48\r$'
}

@test "run -it: closing the user's terminal hangs up the container's shell (like a dropped ssh)" {
	term_run "$CTR" run -it --name hup busybox sh
	prompt
	id=$(running_id)
	term_close
	wait_for sh -c '[ "$("$1" inspect hup | jq -r .state)" = exited ]' _ "$CTR" ||
		fail "the container's shell survived its terminal: $(ctr ps)"
	! kill -0 "$(cat "$CTR_ROOT/containers/$id/shim.pid")" 2>/dev/null || fail "the shim survived"
}
