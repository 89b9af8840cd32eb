#!/usr/bin/env bats
# kill, wait, pause, unpause, top, port, rename, version, info: docker's other verbs.

load helper

# a paused container's processes cannot die: thaw every group of this test's prefix first
teardown() {
	local f
	for f in /sys/fs/cgroup/freezer/"$CTR_PREFIX"/*/freezer.state; do
		[ -f "$f" ] && echo THAWED >"$f"
	done
	for f in /sys/fs/cgroup/"$CTR_PREFIX"/*/cgroup.freeze; do
		[ -f "$f" ] && echo 0 >"$f"
	done
	ctr_teardown
}

# freezer_state ID: the container's v1 freezer.state, or "1"/"0" from v2's cgroup.freeze
freezer_state() {
	cat "/sys/fs/cgroup/freezer/$CTR_PREFIX/$1/freezer.state" 2>/dev/null ||
		cat "/sys/fs/cgroup/$CTR_PREFIX/$1/cgroup.freeze"
}

@test "kill: KILL by default, -s by name (with or without SIG, any case) or number; wait prints the codes" {
	ctr run -d --name k1 busybox sleep 1000
	k2=$(ctr run -d --name k2 busybox sh -c 'trap "exit 42" USR1; echo ready; while :; do sleep 0.1; done')
	k3=$(ctr run -d --name k3 busybox sh -c 'trap "exit 43" TERM; echo ready; while :; do sleep 0.1; done')
	# PID 1 gets only the signals it handles: send them once the traps are set
	wait_for grep -q ready "$CTR_ROOT/containers/$k2/log"
	wait_for grep -q ready "$CTR_ROOT/containers/$k3/log"
	pid=$(ctr inspect k1 | jq .pid)
	run ctr kill k1
	assert_success
	assert_output k1
	run ctr wait k1
	assert_output 137
	! kill -0 "$pid" 2>/dev/null
	run ctr kill -s sigusr1 k2
	assert_success
	run ctr kill --signal 15 k3
	assert_success
	run ctr wait k2 k3
	assert_success
	assert_output "42
43"
	[ "$(ctr inspect k2 | jq -r .state)" = exited ]
}

@test "kill: a bad signal, or a container that is not running, is an error 125 that changes nothing" {
	ctr run -d --name k busybox sleep 1000
	for s in FOO 0 65 -1 'KILL
x' SIG; do
		run ctr kill -s "$s" k
		assert_failure 125
		assert_output --partial "invalid signal"
	done
	[ "$(ctr inspect k | jq -r .state)" = running ]
	ctr run --name done busybox true
	run ctr kill done
	assert_failure 125
	assert_output "ctr: container done: is not running"
	run ctr kill ../k
	assert_failure 125
	assert_output --partial "invalid name or ID"
	[ "$(ctr inspect k | jq -r .state)" = running ]
	ctr rm -f k
}

@test "wait: blocks until the container exits, in the order given; a stopped one at once; unknown is 125" {
	run ctr run --name early busybox sh -c 'exit 5'
	assert_failure 5
	ctr run -d --name late busybox sh -c 'sleep 1; exit 7'
	run ctr wait late early
	assert_success
	assert_output "7
5"
	ctr run -d --rm --name gone busybox sh -c 'sleep 1; exit 4'
	run ctr wait gone
	assert_success
	assert_output 4
	# removed before wait read its exit file (a hook holds wait once PID 1 is gone): the code is
	# its die event's
	id=$(ctr run -d --rm --name gone2 busybox sh -c 'sleep 1; exit 6')
	CTR_TEST_KILL_AT=wait:pidgone:stop "$CTR" wait gone2 >"$BATS_TEST_TMPDIR/out" 2>&1 &
	w=$!
	wait_for stopped "$w" || fail "wait never stopped"
	wait_for test ! -d "$CTR_ROOT/containers/$id" || fail "not removed"
	kill -CONT "$w"
	wait "$w" || fail "wait failed: $(cat "$BATS_TEST_TMPDIR/out")"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = 6 ]
	run ctr wait nosuch
	assert_failure 125
	assert_output "ctr: container nosuch: no such container"
}

@test "pause/unpause: the processes stop (FROZEN), ps says Paused, inspect paused; errors are 125" {
	id=$(ctr run -d --name p busybox sh -c 'while :; do echo tick; sleep 0.1; done')
	wait_for grep -q tick "$CTR_ROOT/containers/$id/log"
	run ctr pause p
	assert_success
	assert_output p
	[[ "$(freezer_state "$id")" =~ ^(FROZEN|1)$ ]]
	run ctr ps
	assert_line --regexp "^$id +p .* Up .* \(Paused\)$"
	[ "$(ctr inspect p | jq -r .state)" = paused ]
	n=$(wc -l <"$CTR_ROOT/containers/$id/log")
	sleep 0.5
	[ "$(wc -l <"$CTR_ROOT/containers/$id/log")" -eq "$n" ]
	run ctr pause p
	assert_failure 125
	assert_output "ctr: container p: is already paused"
	run ctr unpause p
	assert_success
	[[ "$(freezer_state "$id")" =~ ^(THAWED|0)$ ]]
	wait_for sh -c "[ \$(wc -l <'$CTR_ROOT/containers/$id/log') -gt $n ]"
	[ "$(ctr inspect p | jq -r .state)" = running ]
	run ctr unpause p
	assert_failure 125
	assert_output "ctr: container p: is not paused"
	ctr run --name gone busybox true
	run ctr pause gone
	assert_failure 125
	assert_output "ctr: container gone: is not running"
}

@test "pause: stop, kill and rm -f of a paused container work; no freezer group is left" {
	a=$(ctr run -d --name a busybox sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done')
	b=$(ctr run -d --name b busybox sleep 1000)
	c=$(ctr run -d --name c busybox sleep 1000)
	ctr pause a b c
	run ctr stop -t 5 a
	assert_success
	[ "$(ctr inspect a | jq .exit_code)" = 3 ]
	ctr kill b
	run ctr wait b
	assert_output 137
	run ctr rm -f a b c
	assert_success
	for id in "$a" "$b" "$c"; do
		[ ! -e "/sys/fs/cgroup/freezer/$CTR_PREFIX/$id" ]
		[ ! -e "/sys/fs/cgroup/$CTR_PREFIX/$id" ]
	done
}

@test "top: the container's processes as the host sees them, nothing else; ps options pass through" {
	id=$(ctr run -d --name t busybox sh -c 'sleep 1001 & exec sleep 1002')
	wait_for sh -c "'$CTR' top t | grep -q 'sleep 1001'"
	pid=$(ctr inspect t | jq .pid)
	run ctr top t
	assert_success
	assert_line --index 0 --regexp '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$'
	assert_line --regexp "^root +$pid .* sleep 1002$"
	assert_line --partial "sleep 1001"
	[ "${#lines[@]}" -eq 3 ]
	refute_output --partial "bats"
	run ctr top t -o pid,comm
	assert_success
	assert_line --index 0 --regexp '^ *PID COMMAND$'
	assert_line --regexp "^ *$pid sleep$"
	[ "${#lines[@]}" -eq 3 ]
	run ctr top t -o comm
	assert_failure 125
	assert_output --partial "no PID column"
	ctr kill t
	ctr wait t
	run ctr top t
	assert_failure 125
	assert_output "ctr: container t: is not running"
	# found running, then held (a test hook) while the container ends and its group goes
	ctr run -d --name t2 busybox sleep 1000 >/dev/null
	held_while_removed top:procs t2 "$CTR" top t2
	[ "$HELD_ST" -eq 125 ] || fail "status $HELD_ST: $HELD_ERR"
	[ "$HELD_ERR" = "ctr: container t2: is not running" ] || fail "$HELD_ERR"
	[ -z "$HELD_OUT" ]
}

@test "port: the published ports as docker prints them, one private port, errors" {
	hp=$((20000 + RANDOM % 20000))
	ctr run -d --name w -p "$hp:80" -p "127.0.0.1:$((hp + 1)):53/udp" busybox sleep 1000
	run ctr port w
	assert_success
	assert_output "80/tcp -> 0.0.0.0:$hp
53/udp -> 127.0.0.1:$((hp + 1))"
	run ctr port w 80
	assert_output "0.0.0.0:$hp"
	run ctr port w 53/udp
	assert_output "127.0.0.1:$((hp + 1))"
	run ctr port w 53
	assert_failure 125
	assert_output "ctr: container w: no public port '53/tcp' published"
	for p in 0 65536 08 80/sctp x; do
		run ctr port w "$p"
		assert_failure 125
	done
	ctr stop -t 0 w
	run ctr port w
	assert_success
	assert_output ""
}

@test "rename: the new name resolves, the old one is free, config.json and ps follow; errors change nothing" {
	id=$(ctr run -d --name old busybox sleep 1000)
	ctr run -d --name other busybox sleep 1000
	run ctr rename old new
	assert_success
	assert_output ""
	[ "$(ctr inspect new | jq -r .name)" = new ]
	[ "$(ctr inspect new | jq -r .id)" = "$id" ]
	run ctr inspect old
	assert_failure 125
	run ctr ps
	assert_line --regexp "^$id +new "
	[ "$(cat "$CTR_ROOT/containers/$id/name")" = new ]
	run ctr rename new other
	assert_failure 125
	assert_output --partial "name other: already in use by container"
	for bad in -x 'a/b' '..' 'a b' ''; do
		run ctr rename new "$bad"
		assert_failure 125
	done
	run ctr rename new new
	assert_failure 125
	[ "$(ctr inspect new | jq -r .name)" = new ]
	[ "$(ls "$CTR_ROOT/names" | sort | tr '\n' ' ')" = "new other " ]
	ctr run -d --name old busybox sleep 1000
	ctr rm -f new old other
	[ -z "$(ls "$CTR_ROOT/names")" ]
}

@test "version and info: ctr, kernel, cgroups, btrfs; counts of running, paused and stopped containers" {
	run ctr version
	assert_success
	assert_line "Version:         $("$CTR" --version | cut -d' ' -f2)"
	assert_line "Kernel Version:  $(uname -r)"
	assert_line --regexp '^Cgroup Version:  (1|2)'
	assert_line "Storage Driver:  btrfs"
	ctr run -d --name r busybox sleep 1000
	ctr run -d --name p busybox sleep 1000
	ctr pause p
	ctr run --name s busybox true
	run ctr info
	assert_success
	assert_line "Containers: 3"
	assert_line " Running: 1"
	assert_line " Paused: 1"
	assert_line " Stopped: 1"
	assert_line "Images: 1"
	assert_line "Storage Driver: btrfs"
	assert_line " Pool: $CTR_POOL"
	assert_line "Cgroup Driver: cgroupfs"
	assert_line " Bridge: $CTR_BRIDGE"
	assert_line " Subnet: $CTR_SUBNET"
	assert_line "Prefix: $CTR_PREFIX"
	assert_line " seccomp"
	ctr rm -f r p s
}
