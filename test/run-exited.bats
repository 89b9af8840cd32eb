#!/usr/bin/env bats
# run-exited: a foreground `run` does its container's exit action itself, in its own process, once
# its ctr-shim returns (no second ctr.sh start on its path); the shim (ctr-shim --exited-fd) runs
# its exit command, `ctr.sh _exited`, only if that caller is gone before it says it is done. The
# shim's side with host programs, then real containers: the caller SIGKILLed at each step, both
# killed (cleanup and rm finish), 20 in parallel.

bats_require_minimum_version 1.5.0
load helper

B=$(cd "${CTR_TEST_LIBEXEC:-$TOP/build}" && pwd)
SHIM=$B/ctr-shim

# remnant_of PATTERN: the pids of the ctr-shim processes whose command line has PATTERN.
remnant_of() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = ctr-shim ] || continue
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$1" && echo "${p#/proc/}"
	done
	return 0
}

# gone PIDS...: none of PIDS runs (a zombie counts as gone).
gone() {
	local p s
	for p; do
		s=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || continue
		[ "$s" = Z ] || [ -z "$s" ] || return 1
	done
}

# assert_gone CID [NAME]: the container and every object of it are gone, its name free.
assert_gone() {
	local d
	[ ! -e "$CTR_ROOT/containers/$1" ] || fail "container directory left: $(ls "$CTR_ROOT/containers/$1")"
	[ -z "${2:-}" ] || [ ! -e "$CTR_ROOT/names/$2" ] || fail "name $2 left"
	wait_for test ! -e "/run/netns/$CTR_PREFIX-$1" || fail "netns $CTR_PREFIX-$1 left"
	for d in /sys/fs/cgroup/*/"$CTR_PREFIX/$1" "/sys/fs/cgroup/$CTR_PREFIX/$1"; do
		[ ! -d "$d" ] || fail "cgroup $d left"
	done
	! grep -rqx -- "$1" "$CTR_ROOT/net/ips" 2>/dev/null || fail "address record left"
	[ ! -e "$(tree_path containers "$1")" ] || fail "tree left"
	run btrfs subvolume list "$POOL_DIR"
	assert_success
	refute_output --partial "$1"
	run "$CTR" ps -a
	refute_output --partial "$1"
}

# shim_exited ANSWER: run ctr-shim --exited-fd 4 over a fifo held open for writing on fd 5 (the
# caller's end), PROG `exit 3`, the exit command writing $D/ran; ANSWER (d, or empty: close
# without it) given only after the shim returned. Sets SHIM_RC and REM (the shim left to wait).
shim_exited() {
	D=$BATS_TEST_TMPDIR
	mkfifo "$D/answer"
	exec 5<>"$D/answer"
	SHIM_RC=0
	"$SHIM" --exited-fd 4 --exit-file "$D/exit" --exit-command /bin/sh --exit-command-arg -c \
		--exit-command-arg 'echo ran >"$0"' --exit-command-arg "$D/ran" -- sh -c 'exit 3' 4<"$D/answer" 5>&- ||
		SHIM_RC=$?
	REM=$(remnant_of "--exit-command-arg $D/ran")
	[ ! -e "$D/ran" ] || fail "the exit command ran before the answer"
	[ -n "$REM" ] || fail "no shim waits for the answer"
	[ -z "$1" ] || printf '%s' "$1" >&5
	exec 5>&-
	wait_for gone $REM || fail "the shim still waits after the answer"
}

@test "ctr-shim --exited-fd: returns PROG's code at once; the caller's d and the exit command does not run" {
	shim_exited d
	[ "$SHIM_RC" -eq 3 ] || fail "shim: $SHIM_RC"
	[ "$(cut -d' ' -f1 "$D/exit")" = 3 ]
	[ ! -e "$D/ran" ] || fail "the exit command ran after the caller's d"
}

@test "ctr-shim --exited-fd: the caller gone without its d (EOF): the exit command runs" {
	shim_exited ''
	[ "$SHIM_RC" -eq 3 ] || fail "shim: $SHIM_RC"
	[ "$(cat "$D/ran")" = ran ] || fail "the exit command did not run"
}

@test "ctr-shim --exited-lock: the caller holds the lock when its shim returns; once it is gone, the exit command gets it" {
	D=$BATS_TEST_TMPDIR
	mkfifo "$D/answer"
	exec 5<>"$D/answer" 7>"$D/lock"
	rc=0
	"$SHIM" --exited-fd 4 --exited-lock 7 --exit-file "$D/exit" --exit-command /usr/bin/flock \
		--exit-command-arg "$D/lock" --exit-command-arg /bin/sh --exit-command-arg -c \
		--exit-command-arg 'echo ran >"$0"' --exit-command-arg "$D/ran" -- sh -c 'exit 3' 4<"$D/answer" 5>&- || rc=$?
	[ "$rc" -eq 3 ] || fail "shim: $rc"
	grep -q '^lock:.*FLOCK.*WRITE' "/proc/$BASHPID/fdinfo/7" || fail "the caller's open file holds no lock: $(cat "/proc/$BASHPID/fdinfo/7")"
	run flock -n "$D/lock" true
	assert_failure
	rem=$(remnant_of "--exit-command-arg $D/ran")
	[ -n "$rem" ] || fail "no shim waits for the answer"
	# the caller gone (its lock and its end of the pipe closed, no d): the exit command runs, locked
	exec 7>&- 5>&-
	wait_for test -e "$D/ran" || fail "the exit command did not run (or could not lock)"
	wait_for gone $rem || fail "the shim lives on"
	run "$SHIM" --exited-lock 7 true
	assert_failure 125
	assert_line --index 0 'ctr-shim: --exited-lock requires --exited-fd, another fd'
}

@test "ctr-shim --exited-fd: N from 4, not with -d, an open fd; PROG does not get it" {
	run "$SHIM" --exited-fd 3 true
	assert_failure 125
	assert_line --index 0 'ctr-shim: --exited-fd: a number from 4 to 1023'
	run "$SHIM" -d --exited-fd 4 true
	assert_failure 125
	assert_line --index 0 'ctr-shim: --exited-fd: not with -d (a detached shim has no caller to wait for)'
	run "$SHIM" --exited-fd 9 true
	assert_failure 125
	assert_output --partial 'ctr-shim: --exited-fd 9: Bad file descriptor'
	run "$SHIM" --exited-fd 4 --exited-lock 5 -- sh -c 'for f in 4 5; do [ ! -e /proc/self/fd/$f ] || echo "leaked $f"; done' 4</dev/null 5>"$BATS_TEST_TMPDIR/lock"
	assert_success
	refute_output --partial leaked
}

@test "run: a foreground run does its own exit action: no ctr.sh _exited, no flock of its own; released, or gone with --rm, when it returns" {
	ctr run --rm busybox true # the first run of a root makes the bridge, records the root (flocks)
	run strace -f -qq -s 256 -e trace=execve -o "$BATS_TEST_TMPDIR/trace" "$CTR" run --rm --name fx busybox sh -c 'exit 5'
	assert_failure 5
	id=$(grep -o 'containers/[0-9a-f]\{12\}/' "$BATS_TEST_TMPDIR/trace" | head -1 | cut -d/ -f2)
	[ -n "$id" ] || fail "no container in the trace"
	# the shim's argv names it; no process runs it
	grep -q '"--exit-command-arg", "_exited"' "$BATS_TEST_TMPDIR/trace" || fail "no exit command given to the shim"
	! grep -qE 'execve\("[^"]*/ctr\.sh", \["[^"]*", "_exited"' "$BATS_TEST_TMPDIR/trace" || fail "ctr.sh _exited ran"
	# its lock: the shim's flock on its open file (--exited-lock); flock(1) only for the start's two
	[ "$(grep -c 'execve("[^"]*/flock"' "$BATS_TEST_TMPDIR/trace")" -eq 2 ] || fail "flock(1): $(grep -c 'execve("[^"]*/flock"' "$BATS_TEST_TMPDIR/trace")"
	assert_gone "$id" fx
	run "$CTR" events --since 0 --until 0s --filter "container=$id" --format '{{.Action}}'
	assert_success
	assert_output "$(printf 'create\nstart\ndie\ndestroy')"
	run "$CTR" run --name fk busybox sh -c 'exit 4'
	assert_failure 4
	id=$(cat "$CTR_ROOT/names/fk")
	[ -e "$CTR_ROOT/containers/$id/released" ] || fail "not released when run returned"
	[ ! -e "/sys/fs/cgroup/pids/$CTR_PREFIX/$id" ] && [ ! -e "/sys/fs/cgroup/$CTR_PREFIX/$id" ]
	run "$CTR" ps -a
	assert_line --regexp "^$id +fk .* Exited \\(4\\) "
	"$CTR" rm fk >/dev/null
}

@test "run: the caller SIGKILLed once its shim returned, or at each step of its --rm removal: the shim's exit command finishes it" {
	local step id
	ctr images >/dev/null
	for step in exited net cgroup tree name; do
		run env CTR_TEST_KILL_AT="run:$step" "$CTR" run --rm --name "k$step" busybox true
		[ "$status" -eq 137 ] || fail "$step: run was not killed there ($status): $output"
		wait_for sh -c "! grep -qx 'k$step' '$CTR_ROOT'/containers/*/name 2>/dev/null" ||
			fail "$step: not removed: $("$CTR" ps -a)"
		[ ! -e "$CTR_ROOT/names/k$step" ] || fail "$step: name left"
		# the name is free: run it again
		run "$CTR" run --rm --name "k$step" busybox true
		assert_success
	done
	[ -z "$(ls "$CTR_ROOT/containers")" ] || fail "left: $(ls "$CTR_ROOT/containers")"
	# without --rm: released
	run env CTR_TEST_KILL_AT=run:exited "$CTR" run --name kr busybox true
	[ "$status" -eq 137 ] || fail "run was not killed ($status)"
	id=$(cat "$CTR_ROOT/names/kr")
	wait_for test -e "$CTR_ROOT/containers/$id/released" || fail "not released"
	"$CTR" rm kr >/dev/null
	assert_gone "$id" kr
}

# holders PATH: the PIDs of the processes with PATH open (the jobs of a run hold its run.lock).
holders() {
	local p f
	for p in /proc/[0-9]*; do
		for f in "$p"/fd/*; do
			[ "$(readlink "$f" 2>/dev/null)" = "$1" ] && { echo "${p#/proc/}"; break; }
		done
	done
	return 0
}

# jobs_held NAME IMAGE: `run --rm --name NAME IMAGE true`, SIGKILLed once its jobs started (the
# hook run:jobs), its configs' job stopped by the hook before its jq: id, that container; job, the
# processes that hold its run.lock (the stopped job).
jobs_held() {
	status=0
	CTR_TEST_KILL_AT=run:jobs "$CTR" run --rm --name "$1" "$2" true >/dev/null 2>&1 || status=$?
	[ "$status" -eq 137 ] || fail "run was not killed ($status)"
	id=$(cat "$CTR_ROOT/names/$1")
	wait_for sh -c "for p in \$(ls /proc | grep -x '[0-9]*'); do [ \"\$(awk '{print \$3}' /proc/\$p/stat 2>/dev/null)\" = T ] &&
		[ \"\$(readlink /proc/\$p/fd/7 2>/dev/null)\" = '$CTR_ROOT/containers/$id/run.lock' ] && exit 0; done; exit 1" ||
		fail "the configs' job never stopped"
	job=$(holders "$CTR_ROOT/containers/$id/run.lock")
}

@test "rmi and image prune while a run makes a container of the image (its config.json not written yet): in use, the image stays" {
	local id job img
	ctr run --name src busybox touch /made
	ctr commit src other:1 >/dev/null
	ctr rm src >/dev/null
	img=$(ctr images | awk '$1 == "other:1" { print $2 }')
	[ -n "$img" ] || fail "no image other:1"
	# the run is SIGKILLed once its jobs started; its configs' job stops itself before its jq
	jobs_held mk other:1
	[ ! -e "$CTR_ROOT/containers/$id/config.json" ] || { kill -CONT $job; fail "config.json written"; }
	run ctr rmi other:1
	[ "$status" -eq 125 ] && [[ $output == *"in use"* ]] || { kill -CONT $job; fail "rmi: $status $output"; }
	run ctr image prune -a -f
	run ctr images
	[[ $output == *"$img"* ]] || { kill -CONT $job; fail "image prune removed it: $output"; }
	kill -CONT $job
	wait_for sh -c "! kill -0 $job 2>/dev/null" || fail "the job did not end"
	run ctr cleanup
	assert_success
	assert_line "removed container $id"
	run ctr rmi other:1
	assert_success
}

@test "run: SIGKILLed while its jobs make the snapshot, configs and groups: cleanup waits for them and leaves nothing" {
	local id job clean
	ctr images >/dev/null
	# the run kills itself once its jobs run; its configs' job stops itself (the hook)
	jobs_held j busybox
	"$CTR" cleanup >"$BATS_TEST_TMPDIR/cleanup.out" 2>&1 &
	clean=$!
	sleep 0.5
	if gone "$clean"; then
		kill -KILL $job
		fail "cleanup did not wait for the job: $(cat "$BATS_TEST_TMPDIR/cleanup.out")"
	fi
	kill -CONT $job
	wait "$clean" || fail "cleanup failed: $(cat "$BATS_TEST_TMPDIR/cleanup.out")"
	grep -qx "removed container $id" "$BATS_TEST_TMPDIR/cleanup.out" || fail "not removed: $(cat "$BATS_TEST_TMPDIR/cleanup.out")"
	assert_gone "$id" j
	[ -z "$(ls "$CTR_ROOT/containers")" ] || fail "left: $(ls "$CTR_ROOT/containers")"
	[ -z "$(ls "$POOL_DIR/containers")" ] || fail "trees left: $(ls "$POOL_DIR/containers")"
}

@test "run: caller and shim both killed during the exit action (nothing finishes it): cleanup, or rm, does" {
	local step id pids
	ctr images >/dev/null
	for step in tree net; do
		CTR_TEST_KILL_AT="run:$step:stop" "$CTR" run --rm --name "s$step" busybox true >/dev/null 2>&1 &
		front=$!
		wait_for stopped "$front" || fail "$step: the run never stopped at $step"
		id=$(basename "$(dirname "$(grep -l "^s$step\$" "$CTR_ROOT"/containers/*/name)")")
		pids=$(remnant_of "$CTR_ROOT/containers/$id/")
		[ -n "$pids" ] || fail "$step: no shim waits for the caller"
		kill -KILL $pids "$front"
		wait "$front" 2>/dev/null || true
		wait_for gone $pids || fail "$step: the shim lives on"
		[ -d "$CTR_ROOT/containers/$id" ] || fail "$step: removed, with nothing left to remove it"
		if [ "$step" = tree ]; then
			run "$CTR" cleanup
			assert_success
			assert_line "removed container $id"
		else
			run "$CTR" rm "s$step"
			assert_success
		fi
		assert_gone "$id" "s$step"
		# one die, logged before the exit action was killed: not again by cleanup or rm
		run "$CTR" events --since 0 --until 0s --filter "container=s$step" --format '{{.Action}}'
		assert_output "$(printf 'create\nstart\ndie\ndestroy')"
	done
}

@test "run: 20 run --rm --name in parallel: each its own code; no netns, cgroup, subvolume, address or name left" {
	local i
	ctr images >/dev/null
	for i in $(seq 20); do
		( rc=0; "$CTR" run --rm --name "p$i" busybox sh -c "exit $((i % 7))" >/dev/null 2>&1 || rc=$?
		  echo "$rc" >"$BATS_TEST_TMPDIR/rc.$i" ) &
	done
	wait
	for i in $(seq 20); do
		[ "$(cat "$BATS_TEST_TMPDIR/rc.$i")" = $((i % 7)) ] || fail "run $i: exit $(cat "$BATS_TEST_TMPDIR/rc.$i")"
	done
	[ -z "$(ls "$CTR_ROOT/containers")" ] || fail "left: $(ls "$CTR_ROOT/containers")"
	[ -z "$(ls "$CTR_ROOT/names")" ] || fail "names left: $(ls "$CTR_ROOT/names")"
	wait_for sh -c "! ip netns list | grep -q '^$CTR_PREFIX-'" || fail "netns left: $(ip netns list | grep "^$CTR_PREFIX-")"
	run sh -c "ls -d /sys/fs/cgroup/*/$CTR_PREFIX/*/ /sys/fs/cgroup/$CTR_PREFIX/*/ 2>/dev/null"
	assert_output ""
	[ -z "$(find "$CTR_ROOT/net/ips" -type f -size +0)" ] || fail "address records still owned"
	run btrfs subvolume list "$POOL_DIR"
	refute_output --partial "/containers/"
}
