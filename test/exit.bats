#!/usr/bin/env bats
# exit: what happens when a container's PID 1 exits is done by its supervisor (ctr-shim's
# --exit-command runs `ctr.sh _exited`), or by the foreground run waiting for it, in its own
# process (ctr-shim --exited-fd; the supervisor's if that run is gone: test/run-exited.bats):
# the network, cgroups and id range are released at once (the netns, which has no name and which
# the supervisor holds, ends with it, a moment later; a name left by a killed run goes by a
# background `ip netns del`), what ps -a, inspect and logs need is kept, a --rm container is
# removed, even when the ctr.sh that started it was killed.

load helper

# v2: /sys/fs/cgroup is a pure cgroup2 mount.
v2() { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }

# cgroups_of CID: the container's cgroup directories that exist, one per line.
cgroups_of() {
	local d
	for d in /sys/fs/cgroup/*/"$CTR_PREFIX/$1" "/sys/fs/cgroup/$CTR_PREFIX/$1"; do
		[ ! -d "$d" ] || echo "$d"
	done
}

# address_of CID: the address records that name CID.
address_of() {
	grep -rlx -- "$1" "$CTR_ROOT/net/ips" 2>/dev/null || true
}

# released CID: the kernel objects of CID are gone: netns, veth, cgroups, address record.
released() {
	[ ! -e "/run/netns/$CTR_PREFIX-$1" ] || return 1
	[ ! -e "/sys/class/net/v$1" ] || return 1
	[ -z "$(cgroups_of "$1")" ] || return 1
	[ -z "$(address_of "$1")" ]
}

# assert_released CID: as released, saying which object is left (the exit action deletes the
# netns in the background: it may take a moment).
assert_released() {
	wait_for released "$1" || true
	[ ! -e "/run/netns/$CTR_PREFIX-$1" ] || fail "netns $CTR_PREFIX-$1 left"
	! ip netns list 2>/dev/null | grep -q "^$CTR_PREFIX-$1" || fail "netns $CTR_PREFIX-$1 listed"
	[ ! -e "/sys/class/net/v$1" ] || fail "veth v$1 left"
	[ -z "$(cgroups_of "$1")" ] || fail "cgroups left: $(cgroups_of "$1")"
	[ -z "$(address_of "$1")" ] || fail "address record left: $(address_of "$1")"
}

# assert_gone CID: the container and every object of it are gone.
assert_gone() {
	[ ! -e "$CTR_ROOT/containers/$1" ] || fail "container directory left: $(ls "$CTR_ROOT/containers/$1")"
	assert_released "$1"
	run btrfs subvolume list "$POOL_DIR"
	assert_success
	refute_output --partial "$1"
}

# the only container's ID
only_id() { ls "$CTR_ROOT/containers"; }

@test "exit: run --rm whose ctr.sh is SIGKILLed: the supervisor removes the container when it exits" {
	ctr images >/dev/null
	setsid "$CTR" run --rm busybox sh -c 'sleep 4; echo done' >/dev/null 2>&1 3>&- &
	front=$!
	wait_for sh -c "ls '$CTR_ROOT'/containers/*/pid" >/dev/null 2>&1 || fail "never started"
	id=$(only_id)
	kill -KILL "$front"
	wait "$front" 2>/dev/null || true
	# it runs on without its front-end, with its network
	[ "$(ctr inspect "$id" | jq -r .state)" = running ]
	[ -e "/sys/class/net/v$id" ]
	wait_for test ! -e "$CTR_ROOT/containers/$id" ||
		wait_for test ! -e "$CTR_ROOT/containers/$id" || fail "not removed: $(ctr ps -a)"
	assert_gone "$id"
	[ -z "$(ctr ps -aq)" ]
}

@test "exit: run -d: once exited, netns, veth, cgroups and address are released; ps -a, inspect, logs still work; rm leaves nothing" {
	id=$(ctr run -d --name fin busybox sh -c 'echo hello; echo oops >&2')
	c=$CTR_ROOT/containers/$id
	wait_for test -e "$c/released" || fail "not released: $(ls "$c")"
	assert_released "$id"
	run ctr ps -a
	assert_line --regexp "^$id +fin .* Exited \\(0\\) "
	run ctr inspect fin
	assert_success
	assert_equal "$(jq -r .state <<<"$output")" exited
	assert_equal "$(jq .exit_code <<<"$output")" 0
	assert_equal "$(jq .oom_killed <<<"$output")" false
	assert_equal "$(jq -r .network.veth <<<"$output")" "v$id"
	assert_equal "$(jq -r .network.netns <<<"$output")" null # no name: its supervisor held it
	run ctr logs fin
	assert_success
	assert_line hello
	assert_line oops
	# the rootfs is kept (commit, cp)
	[ -d "$(tree_path containers "$id")/bin" ]
	run ctr rm fin
	assert_success
	assert_output fin
	assert_gone "$id"
	[ ! -e "$CTR_ROOT/names/fin" ]
}

@test "exit: a foreground run returns after the release; with --rm the container is gone when it returns" {
	run ctr run --name fg busybox sh -c 'exit 4'
	assert_failure 4
	id=$(cat "$CTR_ROOT/names/fg")
	assert_released "$id"
	[ -e "$CTR_ROOT/containers/$id/released" ]
	ctr rm fg
	run ctr run --rm busybox sh -c 'echo hi; exit 3'
	assert_failure 3
	assert_output hi
	[ -z "$(ls "$CTR_ROOT/containers")" ] || fail "left: $(ls "$CTR_ROOT/containers")"
	wait_for sh -c "! ip netns list | grep -q '^$CTR_PREFIX-'" || true
	run ip netns list
	refute_output --partial "$CTR_PREFIX-"
	[ -z "$(ls "$CTR_ROOT/net/ips" 2>/dev/null | while read -r f; do [ -s "$CTR_ROOT/net/ips/$f" ] && echo "$f"; done)" ]
}

@test "exit: run -d --rm is removed after it exits, its ctr.sh long gone" {
	id=$(ctr run -d --rm -p 127.0.0.1:18431:80 busybox sh -c 'sleep 1; exit 3')
	[ -d "$CTR_ROOT/containers/$id" ]
	iptables-save -t nat | grep -q -- "$CTR_PREFIX:$id" || fail "no DNAT rule while it runs"
	wait_for test ! -e "$CTR_ROOT/containers/$id" || fail "not removed: $(ctr ps -a)"
	assert_gone "$id"
	run iptables-save -t nat
	refute_output --partial "$CTR_PREFIX:$id"
	# the port is free again
	id2=$(ctr run -d -p 127.0.0.1:18431:80 busybox sleep 30)
	ctr rm -f "$id2" >/dev/null
}

@test "exit: the netns ends with its supervisor; a name whose deletion never ran is cleanup's" {
	# the netns has no name once it runs: its supervisor's fd holds it, and it ends after the exit action
	run ctr run --name bg busybox true
	assert_success
	id=$(cat "$CTR_ROOT/names/bg")
	[ -e "$CTR_ROOT/containers/$id/released" ]
	[ ! -e "/run/netns/$CTR_PREFIX-$id" ] || fail "netns $CTR_PREFIX-$id has a name"
	assert_released "$id"
	# a deletion that never ran (a run killed while it set the netns up; an older ctr's exit action
	# killed): the netns name of a released container, and of a --rm one that is gone, are removed
	# by cleanup, and only those
	ip netns add "$CTR_PREFIX-$id"
	ip netns add "$CTR_PREFIX-0123456789ab"
	live=$(ctr run -d busybox sleep 60)
	run ctr cleanup
	assert_success
	assert_line "removed netns $CTR_PREFIX-$id"
	assert_line "removed netns $CTR_PREFIX-0123456789ab"
	[ -e "/sys/class/net/v$live" ] || fail "cleanup removed a running container's veth"
	run ctr exec "$live" ip -o -4 addr show dev eth0
	assert_output --partial " inet ${CTR_SUBNET%.*}."
	[ ! -e "/run/netns/$CTR_PREFIX-$id" ] && [ ! -e "/run/netns/$CTR_PREFIX-0123456789ab" ]
	ctr rm -f "$live" bg >/dev/null
	assert_gone "$live"
	assert_gone "$id"
}

@test "exit: two waves of 40 run --rm in parallel on 61 addresses: all run, addresses reused while netns are still ending, nothing left" {
	export CTR_SUBNET="${CTR_SUBNET%.0/24}.0/26"
	ctr run --rm busybox true # the image and the bridge: this test is about the exit action
	for w in 1 2; do
		for i in $(seq 40); do
			"$CTR" run --rm busybox sh -c 'ip -o -4 addr show dev eth0' >"$BATS_TEST_TMPDIR/out.$w.$i" 2>&1 &
		done
		wait
	done
	run sh -c "cat '$BATS_TEST_TMPDIR'/out.* | grep -c ' inet ${CTR_SUBNET%.*}\.'"
	assert_output 80
	[ -z "$(ls "$CTR_ROOT/containers")" ] || fail "left: $(ls "$CTR_ROOT/containers")"
	wait_for sh -c "! ip netns list | grep -q '^$CTR_PREFIX-'" || fail "netns left: $(ip netns list | grep "^$CTR_PREFIX-")"
	# the kernel destroys a deleted netns's veth a moment later
	wait_for sh -c "[ -z \"\$(ls /sys/class/net/$CTR_BRIDGE/brif)\" ]" || fail "veths left on the bridge"
	[ -z "$(find "$CTR_ROOT/net/ips" -type f -size +0)" ] || fail "address records still owned"
	run sh -c "ls -d /sys/fs/cgroup/*/$CTR_PREFIX/*/ /sys/fs/cgroup/$CTR_PREFIX/*/ 2>/dev/null"
	assert_output ""
}

@test "exit: an OOM-killed container still shows oom_killed true once its cgroup is gone" {
	run ctr run --name hog -m 32m busybox memhog 128
	assert_equal "$status" 137
	id=$(cat "$CTR_ROOT/names/hog")
	assert_released "$id"
	run ctr inspect hog
	assert_success
	assert_equal "$(jq .oom_killed <<<"$output")" true
	assert_equal "$(jq .exit_code <<<"$output")" 137
}

@test "exit: addresses are reused: more containers than addresses, none removed, all start" {
	# a /28: 13 container addresses (network, bridge and broadcast excluded)
	export CTR_SUBNET="${CTR_SUBNET%/24}/28"
	for i in $(seq 16); do
		id=$(ctr run -d busybox true) || fail "run $i failed"
		wait_for test -e "$CTR_ROOT/containers/$id/released" || fail "run $i: not released"
	done
	[ "$(ctr ps -aq | wc -l)" -eq 16 ]
	run ctr ps -a
	refute_output --partial Up
}

@test "exit: exec has no exit action: the container keeps its network and cgroups after an exec ends" {
	id=$(ctr run -d busybox sleep 30)
	run ctr exec "$id" sh -c 'exit 5'
	assert_failure 5
	sleep 0.5
	[ -e "/sys/class/net/v$id" ]
	[ -n "$(cgroups_of "$id")" ]
	[ ! -e "$CTR_ROOT/containers/$id/released" ]
	[ "$(ctr inspect "$id" | jq -r .state)" = running ]
	ctr rm -f "$id" >/dev/null
	assert_gone "$id"
}

@test "exit: _exited refuses a running container and changes nothing; it is not in help" {
	id=$(ctr run -d busybox sleep 30)
	run -125 ctr _exited "$id"
	assert_output --partial "is running"
	run -125 ctr _exited --rm "$id"
	[ -e "/sys/class/net/v$id" ]
	[ -n "$(cgroups_of "$id")" ]
	[ -n "$(address_of "$id")" ]
	run -125 ctr _exited ../../etc
	run ctr help
	refute_output --partial _exited
	ctr rm -f "$id" >/dev/null
}

@test "exit: cleanup does the exit action of a container whose supervisor was killed; --rm ones are removed" {
	a=$(ctr run -d busybox sleep 60)
	b=$(ctr run -d --rm busybox sleep 60)
	# the supervisor first, then PID 1: no exit action runs
	for id in "$a" "$b"; do
		kill -KILL "$(cat "$CTR_ROOT/containers/$id/shim.pid")"
		kill -KILL "$(cat "$CTR_ROOT/containers/$id/pid")"
	done
	wait_for sh -c "! kill -0 $(cat "$CTR_ROOT/containers/$a/pid") && ! kill -0 $(cat "$CTR_ROOT/containers/$b/pid")" 2>/dev/null ||
		fail "PID 1 still runs"
	# nothing ran at exit: both hold their objects (their netns ended with their processes)
	[ -n "$(address_of "$a")" ] && [ -n "$(address_of "$b")" ]
	[ -n "$(cgroups_of "$a")" ] && [ -n "$(cgroups_of "$b")" ]
	run ctr cleanup
	assert_success
	assert_line "released the objects of exited container $a"
	assert_line "removed container $b"
	assert_released "$a"
	[ "$(ctr inspect "$a" | jq -r .state)" = exited ]
	assert_gone "$b"
	run ctr cleanup
	assert_success
	refute_output --partial "$a"
	ctr rm "$a"
	assert_gone "$a"
}

@test "rm -f SIGKILLed at each step, then cleanup: no kernel object is left; rm again removes the rest" {
	local step id
	# (the supervisor runs no exit action: rm -f releases the network and groups itself)
	for step in stopped net cgroup tree name; do
		id=$(ctr run -d --name "k$step" -p "127.0.0.1:$((20000 + RANDOM % 20000)):80" busybox sleep 100)
		run env CTR_TEST_KILL_AT=$step "$CTR" rm -f "k$step"
		[ "$status" -eq 137 ] || fail "$step: rm was not killed there ($status): $output"
		run ctr cleanup
		assert_success
		assert_released "$id"
		! iptables-save | grep -q -- "$CTR_PREFIX:$id" || fail "$step: a rule of $id is left"
		# what the user sees: the container (or what is left of it) goes with a second rm
		run ctr rm -f "$id"
		[ "$status" -eq 0 ] || [ ! -e "$CTR_ROOT/containers/$id" ] || fail "$step: rm again: $output"
		assert_gone "$id"
		[ ! -e "$CTR_ROOT/names/k$step" ] || fail "$step: name k$step left"
		[ ! -e "$(tree_path containers "$id")" ] || fail "$step: tree left"
	done
}

@test "rm -f of a container its run is still making waits for the run, then removes it; the run succeeds" {
	local front rmp id
	ctr images >/dev/null
	# the run stops (a hook) once its jobs run: no pid file yet, its run.lock held
	CTR_TEST_KILL_AT=run:jobs:stop "$CTR" run -d --name making busybox sleep 1000 >"$BATS_TEST_TMPDIR/id" &
	front=$!
	wait_for stopped "$front" || fail "the run never stopped"
	id=$(cat "$CTR_ROOT/names/making")
	"$CTR" rm -f making >"$BATS_TEST_TMPDIR/rm" 2>&1 &
	rmp=$!
	# rm waits: the container and its netns name are still there a moment later
	sleep 0.5
	kill -0 "$rmp" || fail "rm did not wait: $(cat "$BATS_TEST_TMPDIR/rm")"
	[ -d "$CTR_ROOT/containers/$id" ] || fail "removed under its run"
	kill -CONT "$front"
	wait "$front" || fail "the run failed"
	[ "$(cat "$BATS_TEST_TMPDIR/id")" = "$id" ]
	wait "$rmp" || fail "rm failed: $(cat "$BATS_TEST_TMPDIR/rm")"
	[ "$(cat "$BATS_TEST_TMPDIR/rm")" = making ]
	assert_gone "$id"
	[ ! -e "$CTR_ROOT/names/making" ] || fail "name left"
}

@test "rm of a stopped container that a start takes up after rm looked: rm waits for the start, the start succeeds; rm -f then stops and removes it" {
	local f rmp stp id
	id=$(ctr run -d --name again busybox sleep 1000)
	for f in '' -f; do
		ctr stop -t 0 again >/dev/null
		# rm stops (a hook) once it found the container at rest, before it takes the lock
		CTR_TEST_KILL_AT=rm:settled:stop "$CTR" rm $f again >"$BATS_TEST_TMPDIR/rm" 2>&1 &
		rmp=$!
		wait_for stopped "$rmp" || fail "rm never stopped"
		# a start takes the container's run.lock and the lock, then leaves the lock to set it up:
		# stopped there (a hook), its run.lock held
		CTR_TEST_KILL_AT=start:unlocked:stop "$CTR" start again >"$BATS_TEST_TMPDIR/start" 2>&1 &
		stp=$!
		wait_for stopped "$stp" || fail "start never stopped"
		# rm goes on: it ends (it removed the container from under the start), or waits for the start
		kill -CONT "$rmp"
		wait_for sh -c "! kill -0 $rmp 2>/dev/null || pgrep -P $rmp -x sleep >/dev/null" ||
			{ kill -CONT "$stp"; fail "rm neither ended nor waited"; }
		kill -CONT "$stp"
		wait "$stp" || fail "start failed: $(cat "$BATS_TEST_TMPDIR/start")"
		[ "$(cat "$BATS_TEST_TMPDIR/start")" = again ]
		if [ -z "$f" ]; then
			# the container runs now: rm without -f refuses it, as it refuses a running one
			! wait "$rmp" || fail "rm removed it: $(cat "$BATS_TEST_TMPDIR/rm")"
			[ "$(cat "$BATS_TEST_TMPDIR/rm")" = "ctr: container again: is running (stop it first, or rm -f)" ]
			[ "$(ctr inspect again | jq -r .state)" = running ]
		else
			wait "$rmp" || fail "rm -f failed: $(cat "$BATS_TEST_TMPDIR/rm")"
			[ "$(cat "$BATS_TEST_TMPDIR/rm")" = again ]
			assert_gone "$id"
		fi
	done
}
