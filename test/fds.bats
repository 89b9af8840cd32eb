#!/usr/bin/env bats
# test/fds.bats - no fd of the caller reaches a container, and its stdio are pipes (or its pty)
# that ctr-shim owns and relays, never the caller's files: run, run --init, run -d, exec, -it.
# The attacks are done for real: a host directory the caller left open on fd 12 (the
# CVE-2024-21626 class), a container writing to its input file or reading and truncating its
# output file through /proc/self/fd/N, and the host's pid namespace in a helper's fds.

bats_require_minimum_version 1.5.0
load helper

setup_file() {
	cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -o "$BATS_FILE_TMPDIR/no-close-range" \
		"$BATS_TEST_DIRNAME/no-close-range.c" -lseccomp
}

setup() {
	ctr_setup
	D=$BATS_TEST_TMPDIR
	TS=$D/tmux.sock
	mkdir "$D/out"
}

teardown() {
	tmux -S "$TS" kill-server 2>/dev/null
	ctr_teardown
}

# In the container: the fds of this shell (ls, a child, lists them as they are: no redirection,
# which busybox sh would do in the shell itself), "--", "PID:fds" for every other process,
# WALKED if PID 1's fd 12 leads out, then "N=<what fd N of this shell is>" for 0, 1, 2.
# shellcheck disable=SC2016 # expanded in the container
FDS='ls -1 /proc/$$/fd; echo --
for p in /proc/[0-9]*; do [ "$p" = /proc/$$ ] || echo "${p#/proc/}:$(cd "$p/fd" && echo *)"; done
ls /proc/1/fd/12/.. >/dev/null 2>&1 && echo WALKED
for f in 0 1 2; do echo "$f=$(readlink "/proc/$$/fd/$f")"; done'

# fds_in CTR-ARGS...: run $FDS in a container.
fds_in() { ctr "$@" sh -c "$FDS"; }

# exec_runs PID1 COMM: an exec into the container of PID 1 PID1 runs COMM: a helper of the exec
# (nsenter-chroot --config .. --join PID1 --process FILE: the command is in FILE, not in argv)
# has a child called COMM.
exec_runs() {
	local p c
	for p in $(pgrep -f -- "--join $1 --process "); do
		for c in $(pgrep -P "$p"); do
			[ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ] && return 0
		done
	done
	return 1
}

# assert_fds_clean: in $output (of $FDS), every process holds 0,1,2 and nothing more; no walk.
assert_fds_clean() {
	[ "$(printf '%s\n' "$output" | sed -n '1,/^--$/p' | tr '\n' ' ')" = '0 1 2 -- ' ] ||
		fail "the shell holds more than 0,1,2: $output"
	local l
	for l in "${lines[@]}"; do
		[[ ! $l =~ ^[0-9]+: ]] || [[ $l =~ ^[0-9]+:0\ 1\ 2$ ]] || fail "a process holds more than 0,1,2: '$l' in: $output"
	done
	refute_output --partial WALKED
}

# assert_pipes: fds 0, 1, 2 in $output (of $FDS) are pipes.
assert_pipes() {
	assert_line --regexp '^0=pipe:\[[0-9]+\]$'
	assert_line --regexp '^1=pipe:\[[0-9]+\]$'
	assert_line --regexp '^2=pipe:\[[0-9]+\]$'
}

# term_run CMD...: CMD in a fresh tmux terminal whose shell has /etc open on fd 12.
term_run() {
	{
		env | grep '^CTR_' | while IFS='=' read -r k v; do printf 'export %s=%q\n' "$k" "$v"; done
		printf 'exec 12</etc\n'
		printf '%q ' "$@"
		printf '\necho "rc=$?" >%q\nexec sleep 600\n' "$D/rc"
	} >"$D/term.sh"
	tmux -S "$TS" new-session -d -s t -x 80 -y 24 "bash $D/term.sh"
}

@test "fd 12 of the caller (a host directory): run, run --init, run -i: only 0,1,2 in every process, all pipes; nothing walks out" {
	exec 12</etc
	run fds_in run --rm --init busybox
	assert_success
	assert_fds_clean
	assert_pipes
	# with --init, PID 1 is the init and the shell its child: both are checked
	assert_line --regexp '^1:0 1 2$'
	run fds_in run --rm busybox
	assert_success
	assert_fds_clean
	assert_pipes
	run fds_in run --rm -i busybox <"$BATS_TEST_FILENAME"
	assert_success
	assert_fds_clean
	assert_pipes
	# the probe's own view
	run ctr run --rm busybox probe
	assert_line fds=0,1,2
	assert_line --regexp '^fd\.0=pipe:'
}

@test "fd 12 of the caller: run -d --init, run -d -i, exec, exec -i: only 0,1,2, all pipes; none in the host's helpers" {
	exec 12</etc
	for i in '' -i; do
		id=$(ctr run -d $i busybox sh -c "$FDS; exec sleep 600")
		wait_for sh -c '"$1" logs "$2" | grep -q ^2=' _ "$CTR" "$id"
		run ctr logs "$id"
		assert_fds_clean
		assert_pipes
	done
	id=$(ctr run -d --init busybox sleep 600)
	run fds_in exec "$id"
	assert_success
	assert_fds_clean
	assert_pipes
	assert_line --regexp '^1:0 1 2$'
	run fds_in exec -i "$id" <"$BATS_TEST_FILENAME"
	assert_success
	assert_fds_clean
	assert_pipes
	# on the host: no helper of this container (the shims, nsenter-chroot) holds /etc
	ctr exec "$id" sleep 30 3>&- &
	pid1=$(cat "$CTR_ROOT/containers/$id/pid")
	wait_for exec_runs "$pid1" sleep
	local p n=0
	for p in $(cat "$CTR_ROOT/containers/$id/shim.pid") $(pgrep -f -- "--join $pid1 "); do
		run ls -l "/proc/$p/fd"
		refute_output --regexp '-> /etc$'
		n=$((n + 1))
	done
	[ "$n" -ge 3 ] || fail "only $n helpers found"
	kill %1 2>/dev/null || true
}

@test "fd 12 of the caller: run -it --init and exec -it in a terminal: only 0,1,2, the pty" {
	ctr images >/dev/null # the pool is made first: its message is not on the screen
	term_run "$CTR" run -it --rm --init busybox sh -c "$FDS"
	wait_for test -s "$D/rc" || fail "run -it did not end: $(tmux -S "$TS" capture-pane -p -t =t:)"
	run tmux -S "$TS" capture-pane -p -t =t:
	assert_fds_clean
	assert_line --regexp '^1:0 1 2$'
	assert_line 0=/dev/pts/0
	assert_line 1=/dev/pts/0
	assert_line 2=/dev/pts/0
	# a new terminal on the socket only once this server is gone (a new session can hit the exiting one)
	local tpid
	tpid=$(tmux -S "$TS" display-message -p '#{pid}')
	tmux -S "$TS" kill-server
	wait_for sh -c "[ ! -d /proc/$tpid ] || grep -q '^[0-9]* ([^)]*) Z' /proc/$tpid/stat"
	rm -f "$D/rc"
	id=$(ctr run -d --init busybox sleep 600)
	term_run "$CTR" exec -it "$id" sh -c "$FDS"
	wait_for test -s "$D/rc" || fail "exec -it did not end: $(tmux -S "$TS" capture-pane -p -t =t:)"
	run tmux -S "$TS" capture-pane -p -t =t:
	assert_fds_clean
	assert_line --regexp '^0=/dev/pts/[0-9]+$'
	assert_line --regexp '^1=/dev/pts/[0-9]+$'
	assert_line --regexp '^2=/dev/pts/[0-9]+$'
}

@test "close_range refused (EPERM, an old seccomp profile): the fds are closed one by one, in every helper" {
	exec 12</etc
	run "$BATS_FILE_TMPDIR/no-close-range" "$CTR" run --rm --init busybox sh -c "$FDS"
	assert_success
	assert_fds_clean
	assert_pipes
	assert_line --regexp '^1:0 1 2$'
	id=$(ctr run -d busybox sleep 600)
	run "$BATS_FILE_TMPDIR/no-close-range" "$CTR" exec "$id" sh -c "$FDS"
	assert_success
	assert_fds_clean
	assert_pipes
}

@test "run -i < FILE: the container cannot write to FILE through /proc/self/fd/0" {
	printf 'original\n' >"$D/in"
	run ctr run --rm -i busybox sh -c 'cat; echo pwned >/proc/self/fd/0; echo pwned >>/proc/self/fd/0; echo done' <"$D/in"
	assert_success
	assert_output $'original\ndone'
	[ "$(cat "$D/in")" = original ]
}

@test "exec >> FILE, run > FILE: the container neither reads FILE's earlier content nor truncates it" {
	id=$(ctr run -d busybox sleep 600)
	printf 'original\n' >"$D/outfile"
	# reading its stdout back would give FILE; here it is an empty pipe (cut short by timeout)
	ctr exec "$id" sh -c 'timeout 1 cat /proc/self/fd/1 >&2; : >/proc/self/fd/1; echo new' >>"$D/outfile" 2>"$D/err"
	[ "$(cat "$D/outfile")" = $'original\nnew' ] || fail "$(cat "$D/outfile")"
	refute grep -q original "$D/err"
	# the same for stderr, and for run
	ctr exec "$id" sh -c ': >/proc/self/fd/2; echo new2 >&2' 2>>"$D/outfile"
	[ "$(cat "$D/outfile")" = $'original\nnew\nnew2' ] || fail "$(cat "$D/outfile")"
	ctr run --rm busybox sh -c ': >/proc/self/fd/1; echo run' >>"$D/outfile"
	[ "$(cat "$D/outfile")" = $'original\nnew\nnew2\nrun' ] || fail "$(cat "$D/outfile")"
}

@test "exec through the shim keeps what users rely on: exit code, EOF, separate streams, order on one file, > file" {
	id=$(ctr run -d busybox sleep 600)
	run ctr exec "$id" sh -c 'exit 7'
	assert_failure 7
	run sh -c 'echo hi | "$1" exec -i "$2" cat' _ "$CTR" "$id"
	assert_success
	assert_output hi
	run sh -c '"$1" exec "$2" sh -c "echo a; echo b >&2" 2>/dev/null' _ "$CTR" "$id"
	assert_output a
	run sh -c '"$1" exec "$2" sh -c "echo a; echo b >&2" >/dev/null' _ "$CTR" "$id"
	assert_output b
	# one file on 1 and 2 (bats' run): the order the command wrote in
	run ctr exec "$id" sh -c 'for i in 1 2 3 4 5; do echo o$i; echo e$i >&2; done'
	assert_output "$(for i in 1 2 3 4 5; do echo "o$i"; echo "e$i"; done)"
	# all of a large output arrives, into a file
	ctr exec "$id" sh -c 'seq 1 200000' >"$D/seq"
	[ "$(wc -l <"$D/seq")" -eq 200000 ] && [ "$(tail -1 "$D/seq")" = 200000 ]
	# a reader that goes away: the command gets EPIPE / SIGPIPE as before, ctr.sh returns
	run timeout 20 sh -c '"$1" exec "$2" yes | head -2' _ "$CTR" "$id"
	assert_success
	assert_output $'y\ny'
}

@test "during exec, no process in the container nor a helper on the host holds the host's pid namespace" {
	host=$(readlink /proc/self/ns/pid)
	# a container process scans every fd of every process it can see, while execs come and go
	# shellcheck disable=SC2016 # expanded in the container
	id=$(ctr run -d -v "$D/out:/out" busybox sh -c 'while :; do for f in /proc/[0-9]*/fd/*; do
		l=$(readlink "$f") && case $l in pid:*) echo "$f $l" ;; esac; done 2>/dev/null; done >/out/scan')
	# the control: a process of the container's own holding its pid namespace, which the scan finds
	ctr exec "$id" sh -c 'exec 5</proc/self/ns/pid; exec sleep 600' 3>&- &
	for _ in $(seq 25); do
		ctr exec "$id" true
	done
	ctr exec -t "$id" true </dev/null
	# the helpers on the host during a running exec
	pid1=$(cat "$CTR_ROOT/containers/$id/pid")
	wait_for exec_runs "$pid1" sleep
	local p n=0
	for p in $(pgrep -f -- "--join $pid1 "); do
		run ls -l "/proc/$p/fd"
		refute_output --partial "pid:["
		n=$((n + 1))
	done
	[ "$n" -eq 2 ] || fail "$n helpers found, not 2"
	wait_for grep -q "/fd/5 pid:" "$D/out/scan" || fail "the scan saw nothing: $(cat "$D/out/scan")"
	kill %1 2>/dev/null || true
	run grep -F "$host" "$D/out/scan"
	assert_failure
}
