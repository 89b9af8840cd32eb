#!/usr/bin/env bats
# test/exec.bats - ctr.sh exec without a terminal: exit codes, stdin, environment, and that the
# command runs in the container's namespaces, cgroups and root with its restrictions, compared
# from the host. (exec -it in a terminal: test/tty.bats.)

bats_require_minimum_version 1.5.0
load helper

# start: a running container whose PID 1 wrote a marker into its root; sets ID and PID.
start() {
	ID=$(ctr run -d --hostname box -e FROM_RUN=1 busybox sh -c 'echo in-the-root > /marker; exec sleep 100')
	PID=$(cat "$CTR_ROOT/containers/$ID/pid")
	wait_for ctr exec "$ID" test -f /marker
}

# exec_pid MARK: host pid of the process `sleep MARK` that an exec started in the container.
exec_pid() {
	local p
	for p in $(pgrep -xf "sleep $1"); do
		[ "$(readlink "/proc/$p/ns/pid")" = "$(readlink "/proc/$PID/ns/pid")" ] && echo "$p"
	done | grep .
}

@test "exec: exit codes 0, 1, 137 (SIGKILL), 127 (not found) come back" {
	start
	run ctr exec "$ID" true
	assert_success
	run -1 ctr exec "$ID" sh -c 'exit 1'
	run -137 ctr exec "$ID" sh -c 'kill -KILL $$'
	run -127 ctr exec "$ID" no-such-command
	assert_output --partial 'no-such-command: No such file or directory'
	kill -0 "$PID" || fail "the container ended"
}

@test "exec: the container's hostname, root, and PID namespace (ps shows its processes)" {
	start
	run ctr exec "$ID" hostname
	assert_output box
	run ctr exec "$ID" cat /marker
	assert_output in-the-root
	run ctr exec "$ID" ls /
	refute_line "$(basename "$BATS_TEST_TMPDIR")"
	run ctr exec "$ID" ps -o pid,args
	assert_line --regexp '^ +1 +sleep 100$'
	assert_line --regexp '^ +[0-9]+ +ps -o pid,args$'
	[ "${#lines[@]}" -eq 3 ] || fail "processes that are not the container's: $output"
}

@test "exec: same namespaces, cgroups and root as PID 1, compared from the host" {
	start
	mark=$((RANDOM + 100))
	ctr exec "$ID" sleep "$mark" &
	wait_for exec_pid "$mark" >/dev/null || fail "exec'd sleep $mark not found in the container"
	p=$(exec_pid "$mark")
	for ns in cgroup ipc mnt net pid uts; do
		[ "$(readlink "/proc/$p/ns/$ns")" = "$(readlink "/proc/$PID/ns/$ns")" ] || fail "$ns namespace differs"
	done
	[ "$(readlink /proc/$PID/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]
	run diff "/proc/$p/cgroup" "/proc/$PID/cgroup"
	assert_success
	grep -q "/$CTR_PREFIX/$ID\$" "/proc/$p/cgroup" || fail "not in the container's cgroup: $(cat "/proc/$p/cgroup")"
	[ "$(stat -Lc %d:%i "/proc/$p/root/")" = "$(stat -Lc %d:%i "/proc/$PID/root/")" ] || fail "root differs"
	kill "$p"
	wait
}

@test "exec: the same restrictions as PID 1 (capabilities, no_new_privs, seccomp, ids)" {
	start
	fields='^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):'
	run ctr exec "$ID" grep -E "$fields" /proc/self/status
	assert_success
	[ "${#lines[@]}" -eq 10 ] || fail "$output"
	assert_output "$(grep -E "$fields" "/proc/$PID/status")"
	assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	refute_line --regexp '^CapEff:[[:space:]]+000001ffffffffff$'
}

@test "exec: the container's environment, -e overrides it (last wins), -w sets the directory" {
	start
	run ctr exec "$ID" env
	assert_line FROM_RUN=1
	assert_line HOSTNAME=box
	run ctr exec -e FROM_RUN=2 -e X=a -e X=b -w /tmp "$ID" sh -c 'echo "$FROM_RUN $X $(pwd)"'
	assert_output "2 b /tmp"
}

@test "exec -u: another user, by number or by the container's /etc/passwd name; bad specs are 125" {
	start
	run ctr exec -u 1000:1000 "$ID" id
	assert_output "uid=1000 gid=1000"
	run ctr exec --user=nobody "$ID" sh -c 'id -un; echo "$HOME"'
	assert_output $'nobody\n/nonexistent'
	run ctr exec -u 0 "$ID" id -u
	assert_output 0
	run -125 ctr exec -u a:b:c "$ID" true
	assert_output --partial "expected USER[:GROUP]"
	run -125 ctr exec -u no-such-user "$ID" true
	assert_output --partial no-such-user
	# the restrictions stay: no capability for a non-root user, seccomp on
	run ctr exec -u 1000 "$ID" grep -E '^(CapEff|Seccomp):' /proc/self/status
	assert_line --regexp '^CapEff:[[:space:]]+0+$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
}

@test "exec and run: the command leads a session of its own, with no controlling terminal" {
	run ctr run --rm busybox sh -c 'cut -d" " -f6 /proc/self/stat; tty'
	assert_output $'1\nnot a tty'
	run ctr run --rm --init busybox sh -c 'cut -d" " -f6 /proc/1/stat; cut -d" " -f6 /proc/self/stat'
	assert_output $'1\n1'
	start
	run ctr exec "$ID" sh -c 'echo "$$ $(cut -d" " -f6 /proc/self/stat)"'
	set -- $output
	[ "$1" = "$2" ] || fail "session $2 of pid $1"
}

@test "exec: -i streams stdin to the command and its EOF; without -i stdin is an empty pipe" {
	start
	run sh -c 'printf "one\ntwo\n" | "$1" exec -i "$2" sh -c "wc -l; echo after-eof"' _ "$CTR" "$ID"
	assert_success
	assert_output $'2\nafter-eof'
	run sh -c 'echo hi | "$1" exec "$2" sh -c "cat; readlink /proc/self/fd/0"' _ "$CTR" "$ID"
	assert_success
	assert_output --regexp '^pipe:\[[0-9]+\]$'
}

@test "exec: works from a different process with no terminal (setsid, stdin closed)" {
	start
	run setsid -w "$CTR" exec "$ID" sh -c 'tty; hostname; cat /marker' </dev/null
	assert_success
	assert_output $'not a tty\nbox\nin-the-root'
	run setsid -w "$CTR" exec -t "$ID" sh -c 'tty; exit 6' </dev/null
	assert_failure 6
	assert_output --regexp '^/dev/pts/[0-9]+'
}

@test "exec: SIGTERM sent to ctr.sh exec reaches the command; its exit code comes back" {
	start
	"$CTR" exec "$ID" sh -c 'trap "echo got-term; exit 5" TERM; echo ready; while :; do sleep 0.1; done' \
		>"$BATS_TEST_TMPDIR/out" &
	e=$!
	wait_for grep -q ready "$BATS_TEST_TMPDIR/out" || fail "not started"
	kill -TERM "$e"
	rc=0
	wait "$e" || rc=$?
	[ "$rc" -eq 5 ] || fail "exec exited $rc"
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output $'ready\ngot-term'
}

@test "exec -t: SIGTERM sent to ctr.sh exec reaches the command through the shim" {
	start
	"$CTR" exec -t "$ID" sh -c 'trap "echo got-term; exit 5" TERM; echo ready; while :; do sleep 0.1; done' \
		>"$BATS_TEST_TMPDIR/out" </dev/null &
	e=$!
	wait_for grep -q ready "$BATS_TEST_TMPDIR/out" || fail "not started"
	kill -TERM "$e"
	rc=0
	wait "$e" || rc=$?
	[ "$rc" -eq 5 ] || fail "exec -t exited $rc"
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --partial got-term
	[ -z "$(ls "$CTR_ROOT/containers/$ID" | grep '^exec-')" ] || fail "exec exit file left behind"
}

@test "exec -it with a pipe as input: refused; -i alone streams it" {
	start
	run sh -c 'echo hi | "$1" exec -it "$2" cat' _ "$CTR" "$ID"
	assert_failure 125
	assert_output "ctr: exec -it: the input is not a terminal (use -i without -t)"
	run sh -c 'echo hi | "$1" exec -i "$2" cat' _ "$CTR" "$ID"
	assert_success
	assert_output hi
}

@test "exec: errors are 125: no such container, a stopped one, no command" {
	run ctr exec nosuchcontainer true
	assert_failure 125
	assert_output --partial "no such container"
	id=$(ctr run -d busybox true)
	wait_for test -f "$CTR_ROOT/containers/$id/exit"
	run ctr exec "$id" true
	assert_failure 125
	assert_output "ctr: container $id: is not running"
	start
	run ctr exec "$ID"
	assert_failure 125
	assert_output --partial usage
	# found running, then held (a test hook) while rm -f removes it: no such container, no jq error
	id=$(ctr run -d --net none busybox sleep 1000)
	held_while_removed exec:resolved "$id" "$CTR" exec "$id" echo ran
	[ "$HELD_ST" -eq 125 ] || fail "status $HELD_ST: $HELD_ERR"
	[ "$HELD_ERR" = "ctr: container $id: no such container" ] || fail "$HELD_ERR"
	[ -z "$HELD_OUT" ]
}

@test "exec joins only the container's PID 1: a PID that is not in the container's group (its PID 1 ended, the PID recycled) is refused, nothing runs on the host" {
	# what exec does with a recycled PID: nsenter-chroot given the container's config and a host
	# process's PID; it entered that process's namespaces and root: the command ran on the host
	local nsenter=${CTR_TEST_LIBEXEC:-$TOP/build}/nsenter-chroot host f=$BATS_TEST_TMPDIR/exec.json
	ID=$(ctr run -d --net none busybox sleep 100)
	sleep 100 &
	host=$!
	printf '{"args": ["/bin/sh", "-c", "echo ran > %s/ran"], "cwd": "/", "env": ["PATH=/bin:/usr/bin"]}' \
		"$BATS_TEST_TMPDIR" >"$f"
	run "$nsenter" --config "$CTR_ROOT/containers/$ID/oci-config.json" --join "$host" --process "$f"
	kill "$host"
	assert_failure 125
	assert_output --regexp "^nsenter-chroot: process $host: not in cgroup /$CTR_PREFIX/$ID \(not the container's"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	# the container's own PID 1: the command runs, in the container (its root has no $BATS_TEST_TMPDIR)
	run "$nsenter" --config "$CTR_ROOT/containers/$ID/oci-config.json" --join "$(cat "$CTR_ROOT/containers/$ID/pid")" \
		--process "$f"
	assert_failure 1
	assert_output --partial "can't create $BATS_TEST_TMPDIR/ran: nonexistent directory"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	run ctr exec "$ID" hostname
	assert_output "$ID"
}
