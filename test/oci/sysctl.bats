#!/usr/bin/env bats
# ctr-oci: linux.sysctl in namespaces joined by path (podman makes the network namespace and
# passes its path): the container's own ones take the settings, the host's are refused.

load helper

@test "ctr-oci run: net.* and ipc sysctls land in network and ipc namespaces joined by path; the host's stay as they were" {
	# the holder of a network and an ipc namespace, gone after 120 s even if this test fails
	unshare --net --ipc timeout 120 sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	hpid=$!
	for _ in $(seq 50); do
		[ "$(readlink /proc/$hpid/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
		sleep 0.1
	done
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	host_msgmax=$(cat /proc/sys/kernel/msgmax)
	want=$((host_fwd ? 0 : 1))
	config '.linux.namespaces |= map(select(.type != "network" and .type != "ipc"))
		| .linux.namespaces += [{"type": "network", "path": $n}, {"type": "ipc", "path": $i}]
		| .linux.sysctl = {"net.ipv4.ip_forward": $f, "kernel.msgmax": "4321"}' \
		--arg n "/proc/$hpid/ns/net" --arg i "/proc/$hpid/ns/ipc" --arg f "$want"
	args sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output "$want"$'\n'4321
	[ "$(nsenter -t "$hpid" -n cat /proc/sys/net/ipv4/ip_forward)" = "$want" ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
	[ "$(cat /proc/sys/kernel/msgmax)" = "$host_msgmax" ]
	kill "$hpid"
	wait "$hpid" || true
}

@test "ctr-oci run: linux.sysctl is written through a procfs of its own, never by a lookup of the host's /proc/sys/net" {
	# the host's /proc keeps a /proc/sys/net dentry per netns that looked there, all compared on
	# each lookup: podman's default sysctl (ping_group_range) would add one per container
	config '.linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "42"}'
	args cat /proc/sys/net/ipv4/ip_unprivileged_port_start
	ASAN_OPTIONS=detect_leaks=0 run strace -f -qq -o "$BATS_TEST_TMPDIR/trace" -e trace=openat,open \
		"$OCI" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_output 42
	grep -q '"sys/net/ipv4/ip_unprivileged_port_start", O_WRONLY' "$BATS_TEST_TMPDIR/trace"
	run grep '"/proc/sys/net/ipv4/ip_unprivileged_port_start", O_WRONLY' "$BATS_TEST_TMPDIR/trace"
	assert_failure
}

@test "ctr-oci create: a sysctl of the host's network or ipc namespace, joined by path, is refused" {
	config '.linux.namespaces |= map(select(.type != "network")) | .linux.namespaces += [{"type": "network", "path": "/proc/1/ns/net"}]
		| .linux.sysctl = {"net.ipv4.ip_forward": "0"}'
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "linux.sysctl.net.ipv4.ip_forward: not a sysctl of the container's own namespaces"
	config '.linux.namespaces |= map(select(.type != "ipc")) | .linux.namespaces += [{"type": "ipc", "path": "/proc/1/ns/ipc"}]
		| .linux.sysctl = {"kernel.msgmax": "4321"}'
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "linux.sysctl.kernel.msgmax: not a sysctl of the container's own namespaces"
	[ ! -d "$ROOT/$ID" ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
}
