#!/usr/bin/env bats
# netns: a bridge container's network namespace has no name once it runs (helpers/net.sh net_veth):
# its supervisor holds it (ctr-shim --pass-fd 6), so the host's mount table holds no mount per
# running container, and exec, restarts, start, cleanup and a user's own `ip netns` still work.

load helper

setup() {
	ctr_setup
	"$CTR" images >/dev/null 2>&1 # make the pool now: its creation message is not a test's output
}

teardown() {
	[ -z "${HOLDER:-}" ] || kill -KILL "$HOLDER" 2>/dev/null
	ip netns del "${CTR_PREFIX}u" 2>/dev/null
	ctr_teardown
}

# ino FILE: the inode of what FILE leads to (a namespace: its identity).
ino() { stat -L -c %i "$1"; }

# three_runs ID: the container's log holds the lines of three runs (net:[...], then its address).
three_runs() { [ "$("$CTR" logs "$1" | grep -c ' inet ')" -ge 3 ]; }

@test "netns: a running bridge container has no mount in the host's mount table and no name; its supervisor holds its netns" {
	id=$(ctr run -d busybox sleep 60)
	c=$CTR_ROOT/containers/$id
	pid=$(cat "$c/pid")
	run grep -c -e "$id" -e "/run/netns/$CTR_PREFIX-" /proc/self/mountinfo
	assert_output 0
	[ ! -e "/run/netns/$CTR_PREFIX-$id" ]
	run ip netns list
	refute_output --partial "$CTR_PREFIX-"
	# its own netns, with its address: the one the supervisor's fd 6 holds
	[ "$(ino "/proc/$pid/ns/net")" != "$(ino /proc/self/ns/net)" ]
	[ "$(ino "/proc/$(cat "$c/shim.pid")/fd/6")" = "$(ino "/proc/$pid/ns/net")" ]
	ip=$(ctr inspect "$id" | jq -r .network.ip)
	run nsenter --net="/proc/$pid/ns/net" ip -o -4 addr show dev eth0
	assert_output --partial " inet $ip/"
	# PID 1 has no fd of it (0-2 only)
	run ls "/proc/$pid/fd"
	assert_output "$(printf '0\n1\n2')"
	# ten more: none of them either (other tests' mounts come and go: only ours are counted)
	for _ in $(seq 10); do ctr run -d busybox sleep 60 >/dev/null; done
	ids=$(ctr ps -q)
	[ "$(wc -l <<<"$ids")" -eq 11 ]
	run grep -c -e "netns/$CTR_PREFIX-" $(printf -- '-e %s ' $ids) /proc/self/mountinfo
	assert_output 0
	ctr rm -f $ids >/dev/null
}

@test "netns: exec and every restart run in the container's one netns, with its address" {
	id=$(ctr run -d --restart always busybox sh -c 'readlink /proc/self/ns/net; ip -o -4 addr show dev eth0; sleep 0.3; exit 1')
	# the first run and two restarts have logged
	wait_for three_runs "$id" || fail "fewer than 3 runs logged: $(ctr logs "$id")"
	ip=$(ctr inspect "$id" | jq -r .network.ip)
	run ctr logs "$id"
	[ "$(grep '^net:\[' <<<"$output" | sort -u | wc -l)" -eq 1 ] || fail "runs in different netns: $output"
	[ "$(grep -c " inet $ip/" <<<"$output")" -ge 3 ] || fail "a run without its address: $output"
	ns=$(grep -m1 '^net:\[' <<<"$output")
	# an exec joins it (PID 1 may be between two runs: try until it runs)
	wait_for sh -c "'$CTR' exec '$id' readlink /proc/self/ns/net >'$BATS_TEST_TMPDIR/exec' 2>&1" ||
		fail "exec failed: $(cat "$BATS_TEST_TMPDIR/exec")"
	[ "$(cat "$BATS_TEST_TMPDIR/exec")" = "$ns" ]
	ctr rm -f "$id" >/dev/null
	wait_for test ! -e "/sys/class/net/v$id" || fail "veth v$id left"
}

@test "netns: start of a stopped container makes a new netns with its last address; no name is left; an older ctr's container" {
	id=$(ctr run -d busybox sleep 60)
	ip=$(ctr inspect "$id" | jq -r .network.ip)
	ctr stop -t 1 "$id" >/dev/null
	wait_for test -e "$CTR_ROOT/containers/$id/released" || fail "not released"
	ctr start "$id" >/dev/null
	[ "$(ctr inspect "$id" | jq -r .network.ip)" = "$ip" ]
	run ctr exec "$id" ip -o -4 addr show dev eth0
	assert_output --partial " inet $ip/"
	[ ! -e "/run/netns/$CTR_PREFIX-$id" ]
	[ "$(ino "/proc/$(cat "$CTR_ROOT/containers/$id/shim.pid")/fd/6")" = \
		"$(ino "/proc/$(cat "$CTR_ROOT/containers/$id/pid")/ns/net")" ]
	# a container of an older ctr: its config names /run/netns/<prefix>-<cid>, and its running netns
	# has that name (ip netns attach makes one): rm -f deletes the name; start rewrites the path
	ip netns attach "$CTR_PREFIX-$id" "$(cat "$CTR_ROOT/containers/$id/pid")"
	ctr stop -t 1 "$id" >/dev/null
	wait_for test -e "$CTR_ROOT/containers/$id/released" || fail "not released"
	wait_for test ! -e "/run/netns/$CTR_PREFIX-$id" || fail "netns name left after the exit action"
	f=$CTR_ROOT/containers/$id/oci-config.json
	jq -c --arg p "/run/netns/$CTR_PREFIX-$id" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
		"$f" >"$f.new" && mv "$f.new" "$f"
	ctr start "$id" >/dev/null
	[ "$(jq -r '.linux.namespaces[] | select(.type == "network") | .path' "$f")" = /proc/self/fd/6 ]
	run ctr exec "$id" ip -o -4 addr show dev eth0
	assert_output --partial " inet $ip/"
	ip netns attach "$CTR_PREFIX-$id" "$(cat "$CTR_ROOT/containers/$id/pid")"
	ctr rm -f "$id" >/dev/null
	[ ! -e "/run/netns/$CTR_PREFIX-$id" ] || fail "rm -f left the netns name"
}

@test "netns: supervisor and PID 1 SIGKILLed: the netns ends with them, cleanup frees the address; a netns held from outside loses its veth" {
	a=$(ctr run -d busybox sleep 60)
	b=$(ctr run -d busybox sleep 60)
	ipa=$(ctr inspect "$a" | jq -r .network.ip)
	ipb=$(ctr inspect "$b" | jq -r .network.ip)
	# b's netns is held by a process of the host as well
	nsenter --net="/proc/$(cat "$CTR_ROOT/containers/$b/pid")/ns/net" sleep 60 &
	HOLDER=$!
	for id in "$a" "$b"; do
		kill -KILL "$(cat "$CTR_ROOT/containers/$id/shim.pid")" "$(cat "$CTR_ROOT/containers/$id/pid")"
	done
	wait_for sh -c "! kill -0 $(cat "$CTR_ROOT/containers/$a/pid") && ! kill -0 $(cat "$CTR_ROOT/containers/$b/pid")" 2>/dev/null ||
		fail "PID 1 still runs"
	# nobody holds a's netns any more: the kernel takes its veth away; b's lives on
	wait_for test ! -e "/sys/class/net/v$a" || fail "veth v$a left"
	[ -e "/sys/class/net/v$b" ]
	[ "$(cat "$CTR_ROOT/net/ips/$ipa")" = "$a" ] # the exit action never ran
	run ctr cleanup
	assert_success
	assert_line "released the objects of exited container $a"
	assert_line "released the objects of exited container $b"
	assert_line "removed veth v$b"
	[ ! -e "/sys/class/net/v$b" ]
	[ ! -s "$CTR_ROOT/net/ips/$ipa" ] && [ ! -s "$CTR_ROOT/net/ips/$ipb" ] || fail "address records still owned"
	# b runs again with its address
	ctr start "$b" >/dev/null
	run ctr exec "$b" ip -o -4 addr show dev eth0
	assert_output --partial " inet $ipb/"
	ctr rm -f "$a" "$b" >/dev/null
}

@test "netns: a user's own named netns is listed alone, stays usable, and is left alone by run, rm and cleanup" {
	ip netns add "${CTR_PREFIX}u"
	id=$(ctr run -d -p "$((20000 + RANDOM % 20000)):80" busybox sleep 60)
	run ip netns list
	assert_success
	run grep "^$CTR_PREFIX" <<<"$output"
	assert_output "${CTR_PREFIX}u"
	run ip netns exec "${CTR_PREFIX}u" ip -o link show lo
	assert_success
	ctr rm -f "$id" >/dev/null
	run ctr cleanup
	assert_success
	refute_output --partial "${CTR_PREFIX}u"
	[ -e "/run/netns/${CTR_PREFIX}u" ]
	ip netns del "${CTR_PREFIX}u"
}
