#!/usr/bin/env bats
# test/supervise.bats - what ctr-shim and PID 1 do for a container, through ctr.sh: stdin,
# signal forwarding, zombie reaping (with and without --init), stop, the detached supervisor
# (exit code, memory), logs.

bats_require_minimum_version 1.5.0
load helper

TS_RE='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z'

# zombies ID: how many zombie processes the container has (its own ps, via exec).
zombies() {
	ctr exec "$1" ps -o stat | grep -c '^Z' || true
}

# orphans_done ID N: the log shows that `orphans N` ran and its N grandchildren, reparented
# to the container's PID 1, exited.
orphans_done() {
	ctr logs "$1" | grep -q "^orphaned $2\$" &&
		[ "$(ctr logs "$1" | grep -c '^grandchild [0-9]* reparented to 1$')" -eq "$2" ]
}

@test "run -i: stdin is streamed to the container and its EOF reaches it" {
	run sh -c 'echo hi | "$1" run -i --rm busybox cat' _ "$CTR"
	assert_success
	assert_output hi
	run sh -c 'printf "a\nb\nc\n" | "$1" run -i --rm busybox sh -c "wc -l; echo after-eof"' _ "$CTR"
	assert_success
	assert_output $'3\nafter-eof'
}

@test "run without -i: the container's stdin is an empty pipe, not the caller's" {
	run sh -c 'echo hi | "$1" run --rm busybox sh -c "cat; readlink /proc/self/fd/0"' _ "$CTR"
	assert_success
	assert_output --regexp '^pipe:\[[0-9]+\]$'
}

@test "run -it with a pipe as input: refused (a pty would wait for ^D forever), nothing left" {
	run sh -c 'echo hi | "$1" run -it --rm busybox cat' _ "$CTR"
	assert_failure 125
	assert_output "ctr: run -it: the input is not a terminal (use -i without -t)"
	[ -z "$(ctr ps -aq)" ]
	[ -z "$(ls "$CTR_ROOT/containers")" ]
	[ -z "$(ip netns list 2>/dev/null | grep "^$CTR_PREFIX-")" ]
}

@test "run (foreground): TERM, HUP and USR1 sent to ctr.sh reach the container; its code comes back" {
	out=$BATS_TEST_TMPDIR/out
	"$CTR" run --rm busybox sh -c 'trap "echo got-hup" HUP; trap "echo got-usr1" USR1
		trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >"$out" 2>&1 &
	r=$!
	wait_for grep -q ready "$out" || fail "not started: $(cat "$out")"
	kill -HUP "$r"
	wait_for grep -q got-hup "$out" || fail "HUP not forwarded"
	kill -USR1 "$r"
	wait_for grep -q got-usr1 "$out" || fail "USR1 not forwarded"
	kill -TERM "$r"
	rc=0
	wait "$r" || rc=$?
	[ "$rc" -eq 7 ] || fail "ctr.sh run exited $rc: $(cat "$out")"
	run cat "$out"
	assert_output $'ready\ngot-hup\ngot-usr1\ngot-term'
	[ -z "$(ctr ps -aq)" ] || fail "--rm left a container"
}

@test "run -d: the supervisor is its own session, exits with the container, records code and time" {
	# it ends once told (the checks of a running container first, however slow the machine)
	id=$(ctr run -d busybox sh -c 'i=0; while [ ! -e /go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done; exit 9')
	c=$CTR_ROOT/containers/$id
	sp=$(cat "$c/shim.pid")
	[ "$(ps -o sid= -p "$sp" | tr -d ' ')" = "$sp" ] || fail "shim $sp is not a session leader"
	[ "$(ps -o comm= -p "$sp")" = ctr-shim ]
	[ -S "$c/attach.sock" ]
	[ "$(ctr inspect "$id" | jq -r .state)" = running ]
	ctr exec "$id" touch /go
	wait_for test -f "$c/exit" || fail "no exit recorded"
	wait_for sh -c '! kill -0 "$1" 2>/dev/null' _ "$sp" || fail "the shim outlived its container"
	[ ! -e "$c/attach.sock" ] || fail "attach socket left behind"
	run ctr inspect "$id"
	echo "$output" | jq -e '.state == "exited" and .exit_code == 9'
	fin=$(echo "$output" | jq .finished)
	[ $(($(date +%s) - fin)) -ge 0 ] && [ $(($(date +%s) - fin)) -lt 30 ] || fail "finished $fin"
	run ctr ps -a
	assert_line --regexp "^$id .* Exited \\(9\\) "
}

@test "run -d: the supervisor's resident memory is under 1 MiB" {
	! ldd "$CTR_LIBEXEC/ctr-shim" 2>/dev/null | grep -q libasan || skip "sanitizer build"
	id=$(ctr run -d busybox sleep 60)
	sp=$(cat "$CTR_ROOT/containers/$id/shim.pid")
	sleep 0.3
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$sp/status")
	echo "# detached ctr-shim of a container: VmRSS $rss kB" >&3
	[ "$rss" -gt 0 ] && [ "$rss" -lt 1024 ] || fail "VmRSS $rss kB"
}

@test "zombies: a PID 1 shell that waits reaps the orphans, no <defunct> remains (no --init)" {
	id=$(ctr run -d busybox sh -c 'orphans 3; while :; do sleep 0.2; done')
	wait_for orphans_done "$id" 3 || fail "orphans did not run: $(ctr logs "$id")"
	wait_for sh -c '[ "$("$1" exec "$2" ps -o stat | grep -c "^Z")" = 0 ]' _ "$CTR" "$id" ||
		fail "zombies: $(ctr exec "$id" ps -o pid,ppid,stat,args)"
}

@test "zombies: under a PID 1 that never reaps they stay; --init reaps them" {
	# PID 1 is sleep: the orphans (the `orphans` process and its 3 grandchildren) are its.
	# orphans starts a second later, in a subshell that the shell does not wait for: by then the
	# shell has become sleep, and nothing of the shell reaps them.
	cmd='( (sleep 1; exec orphans 3) & ); exec sleep 100'
	id=$(ctr run -d busybox sh -c "$cmd")
	wait_for orphans_done "$id" 3 || fail "orphans did not run: $(ctr logs "$id")"
	wait_for sh -c '[ "$("$1" exec "$2" ps -o stat | grep -c "^Z")" = 4 ]' _ "$CTR" "$id" ||
		fail "expected 4 zombies: $(ctr exec "$id" ps -o pid,ppid,stat,args)"
	run ps -o stat=,args= --ppid "$(cat "$CTR_ROOT/containers/$id/pid")"
	[ "$(grep -c '<defunct>' <<<"$output")" -eq 4 ] || fail "host view: $output"
	sleep 0.5
	[ "$(zombies "$id")" -eq 4 ] || fail "zombies went away without a reaper"

	id=$(ctr run -d --init busybox sh -c "$cmd")
	wait_for orphans_done "$id" 3 || fail "orphans did not run: $(ctr logs "$id")"
	run ctr exec "$id" ps -o pid,args
	assert_line --regexp '^ +[0-9]+ +sleep 100$'
	refute_line --regexp '^ +1 +sleep 100$' # sleep is not PID 1: the init is
	wait_for sh -c '[ "$("$1" exec "$2" ps -o stat | grep -c "^Z")" = 0 ]' _ "$CTR" "$id" ||
		fail "zombies with --init: $(ctr exec "$id" ps -o pid,ppid,stat,args)"
	run ps -o stat=,args= --ppid "$(cat "$CTR_ROOT/containers/$id/pid")"
	refute_output --partial '<defunct>'
}

@test "--init forwards SIGTERM to a program that has no handler; without it PID 1 ignores it" {
	id=$(ctr run -d --init busybox sleep 100)
	t0=$(date +%s)
	ctr stop -t 10 "$id"
	[ $(($(date +%s) - t0)) -lt 5 ] || fail "stop took $(($(date +%s) - t0)) s: SIGTERM not forwarded"
	[ "$(ctr inspect "$id" | jq .exit_code)" = 143 ]

	id=$(ctr run -d busybox sleep 100)
	t0=$(date +%s)
	ctr stop -t 2 "$id"
	[ $(($(date +%s) - t0)) -ge 2 ] || fail "sleep as PID 1 died of SIGTERM?"
	[ "$(ctr inspect "$id" | jq .exit_code)" = 137 ]
}

@test "stop: a shell that ignores SIGTERM is killed after the timeout (137), nothing left" {
	id=$(ctr run -d busybox sh -c 'trap "" TERM; echo ready; while :; do sleep 1; done')
	wait_for sh -c '"$1" logs "$2" | grep -q ready' _ "$CTR" "$id"
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	sp=$(cat "$CTR_ROOT/containers/$id/shim.pid")
	t0=$(date +%s%N)
	run ctr stop -t 2 "$id"
	assert_success
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -ge 2000 ] && [ "$ms" -lt 7000 ] || fail "stop took $ms ms"
	[ "$(ctr inspect "$id" | jq -r '.state + " " + (.exit_code|tostring)')" = "exited 137" ]
	! kill -0 "$pid" 2>/dev/null || fail "PID 1 survived"
	wait_for sh -c '! kill -0 "$1" 2>/dev/null' _ "$sp" || fail "the shim survived"
}

@test "logs -f follows the output live and ends when the container exits" {
	id=$(ctr run -d busybox sh -c 'echo first; sleep 2; echo second >&2; sleep 0.2; echo third')
	out=$BATS_TEST_TMPDIR/out
	"$CTR" logs -f "$id" >"$out" 2>&1 &
	l=$!
	wait_for grep -q first "$out" || fail "nothing followed"
	[ "$(ctr inspect "$id" | jq -r .state)" = running ] ||
		fail "the first line came only after the container ended: logs -f is not live"
	! grep -q second "$out"
	kill -0 "$l" || fail "logs -f ended before the container"
	rc=0
	timeout 10 tail --pid="$l" -f /dev/null || rc=$?
	[ "$rc" -eq 0 ] || fail "logs -f did not end with the container"
	wait "$l"
	run cat "$out"
	assert_output $'first\nsecond\nthird'
	[ "$(ctr inspect "$id" | jq -r .state)" = exited ]
}

@test "logs: --stdout / --stderr keep the streams apart, stderr goes to stderr; -t timestamps" {
	# (two pipes: the order between them is kept only when the writes are apart in time)
	id=$(ctr run -d busybox sh -c 'echo o1; sleep 0.2; echo e1 >&2; sleep 0.2; echo o2')
	wait_for test -f "$CTR_ROOT/containers/$id/exit"
	run --separate-stderr ctr logs "$id"
	assert_output $'o1\no2'
	[ "$stderr" = e1 ]
	run --separate-stderr ctr logs --stdout "$id"
	assert_output $'o1\no2'
	[ -z "$stderr" ]
	run --separate-stderr ctr logs --stderr "$id"
	assert_output ''
	[ "$stderr" = e1 ]
	run ctr logs -t "$id"
	[ "${#lines[@]}" -eq 3 ] || fail "$output"
	assert_line --index 0 --regexp "^$TS_RE o1\$"
	assert_line --regexp "^$TS_RE e1\$"
	assert_line --index 2 --regexp "^$TS_RE o2\$"
	t=$(date -u -d "${lines[0]%% *}" +%s)
	[ $(($(date +%s) - t)) -ge 0 ] && [ $(($(date +%s) - t)) -lt 60 ] || fail "timestamp ${lines[0]%% *}"
}

@test "run -d --rm: the container is removed once it exits" {
	id=$(ctr run -d --rm busybox sh -c 'sleep 0.5; exit 3')
	[ -d "$CTR_ROOT/containers/$id" ]
	wait_for test ! -e "$CTR_ROOT/containers/$id" || fail "--rm: still there: $(ctr ps -a)"
	[ -z "$(ctr ps -aq)" ]
	run btrfs subvolume list "$POOL_DIR"
	assert_success
	refute_output --partial "$id"
}

@test "attach to run -di: the client's stdin is the container's, its EOF ends it, the code comes back" {
	id=$(ctr run -di busybox sh -c 'cat; echo bye >&2; exit 6')
	run --separate-stderr timeout 10 sh -c 'echo hello | "$1" attach "$2"' _ "$CTR" "$id"
	assert_failure 6
	assert_output hello
	[ "$stderr" = bye ]
	wait_for test -f "$CTR_ROOT/containers/$id/exit"
	run ctr attach "$id"
	assert_failure 125
	assert_output "ctr: container $id: is not running"
}

@test "--init: PID 1 seen inside shows no host path" {
	id=$(ctr run -d --init busybox sleep 100)
	run sh -c '"$1" exec "$2" cat /proc/1/cmdline | tr "\0" " "' _ "$CTR" "$id"
	refute_output --partial "$CTR_ROOT"
	refute_output --partial "$TOP"
}

# ppid PID: the parent of PID.
ppid() { awk '/^PPid:/ { print $2 }' "/proc/$1/status"; }

@test "run -d: one process of ours per container outside it: the supervisor, PID 1's parent" {
	id=$(ctr run -d busybox sleep 60)
	c=$CTR_ROOT/containers/$id
	sp=$(cat "$c/shim.pid")
	pid=$(cat "$c/pid")
	[ "$(ppid "$pid")" = "$sp" ] || fail "PID 1's parent is $(ppid "$pid"), not the shim $sp"
	run pgrep -P "$sp"
	assert_output "$pid"
	# every process naming the container (its directory) outside its pid namespace: the shim alone
	# (nsenter-chroot --detach exited once PID 1 ran)
	ns=$(readlink "/proc/$pid/ns/pid")
	run sh -c 'for p in $(pgrep -f -- "$1/"); do [ "$(readlink "/proc/$p/ns/pid")" = "$2" ] || echo "$p"; done' _ "$c" "$ns"
	assert_output "$sp"
	# and after a restart of the container (ctr.sh start: a new supervisor)
	ctr kill "$id"
	ctr start "$id"
	sp=$(cat "$c/shim.pid") pid=$(cat "$c/pid")
	[ "$(ppid "$pid")" = "$sp" ] || fail "after start: PID 1's parent is $(ppid "$pid"), not the shim $sp"
	ctr rm -f "$id"
}

@test "run -d: PID 1 killed with SIGKILL: the supervisor records 137, ps and the die event say so" {
	id=$(ctr run -d --name k9 busybox sleep 60)
	c=$CTR_ROOT/containers/$id
	sp=$(cat "$c/shim.pid")
	kill -KILL "$(cat "$c/pid")"
	wait_for sh -c '! kill -0 "$1" 2>/dev/null' _ "$sp" || fail "the supervisor did not exit"
	[ "$(cut -d' ' -f1 "$c/exit")" = 137 ]
	run ctr ps -a
	assert_line --regexp "^$id .* Exited \\(137\\) "
	run ctr events --since 0 --until 0s --filter container=k9 --format '{{.Action}} {{.Actor.Attributes.exitCode}}'
	assert_output $'create <no value>\nstart <no value>\ndie 137'
}

@test "run --restart in the foreground: each run's PID 1 is the child of the supervisor (a daemon after the first exit)" {
	# exits 3 on its first run, then runs on
	run -3 ctr run --name r --restart on-failure busybox sh -c '[ -e /ran ] && exec sleep 60; touch /ran; exit 3'
	c=$CTR_ROOT/containers/$(cat "$CTR_ROOT/names/r")
	wait_for grep -qx '1 running' "$c/restart" || fail "not restarted: $(cat "$c/restart")"
	wait_for test -s "$c/pid"
	sp=$(cat "$c/shim.pid") pid=$(cat "$c/pid")
	[ "$(ppid "$pid")" = "$sp" ] || fail "PID 1's parent is $(ppid "$pid"), not the shim $sp"
	[ "$(ps -o args= -p "$pid")" = "sleep 60" ]
	ctr rm -f r
}
