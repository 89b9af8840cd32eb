#!/usr/bin/env bats
# ctr-oci: config.json fields as the runtime-spec and runc honour them (what the
# runtime-tools validation suite checks from inside the container).

load helper

@test "ctr-oci run: a seccomp profile leaves no_new_privs as noNewPrivileges says; a non-root user gets the filter too" {
	config '.process.noNewPrivileges = false | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
	args sh -c 'grep NoNewPrivs /proc/self/status; mkdir /tmp/x'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_line --index 0 --regexp 'NoNewPrivs:[[:space:]]+0'
	assert_line --index 1 --partial "Permission denied"
	oci delete "$ID" 2>/dev/null || true
	config '.process.user = {"uid": 1000, "gid": 1000}'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_line --index 0 --regexp 'NoNewPrivs:[[:space:]]+0'
	assert_line --index 1 --partial "Permission denied"
	oci delete "$ID" 2>/dev/null || true
	config '.process.noNewPrivileges = true'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_line --index 0 --regexp 'NoNewPrivs:[[:space:]]+1'
	assert_line --index 1 --partial "Permission denied"
}

@test "ctr-oci run: bind options: an atime mode, nosuid, rw and propagation land on the bind; mountinfo lists the mounts in config order" {
	mkdir -p "$BATS_TEST_TMPDIR/src"
	config '.mounts += [
		{"destination": "/mnt/a", "source": $s, "options": ["rbind", "nosuid", "strictatime", "ro", "rw", "shared"]},
		{"destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs", "options": ["noatime", "shared"]},
		{"destination": "/mnt/b", "source": $s, "options": ["bind", "noatime", "nodev", "ro", "private"]}]' --arg s "$BATS_TEST_TMPDIR/src"
	args awk '$5 == "/" || $5 ~ "^/mnt/"' /proc/self/mountinfo
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	# fields: id parent root mountpoint options optional... - type source
	assert_line --regexp ' /mnt/a rw,nosuid shared:[0-9]+ - '
	assert_line --regexp ' /mnt/t rw,noatime shared:[0-9]+ - tmpfs '
	assert_line --regexp ' /mnt/b ro,nodev,noatime - '
	# in the order of the config: / first, then a, t, b
	[ "$(echo "$output" | awk '{print $5}' | tr '\n' ' ')" = "/ /mnt/a /mnt/t /mnt/b " ]
}

@test "ctr-oci create: memory.kernelTCP lands in the v1 cgroup (an error on v2); memory.kernel is written where the kernel has it, else a warning" {
	config '.linux.resources.memory = {"limit": 33554432, "kernel": 16777216, "kernelTCP": 8388608}'
	args sleep 100
	if [ ! -d /sys/fs/cgroup/memory ]; then  # cgroup v2: no kmem files at all
		oci_detached create --bundle "$BUNDLE" "$ID"
		assert_failure
		assert_output --partial "linux.resources.memory.kernelTCP: not supported"
		return 0
	fi
	create
	[ "$(cat /sys/fs/cgroup/memory/"$ID"/memory.kmem.tcp.limit_in_bytes)" = 8388608 ]
	if [ -e /sys/fs/cgroup/memory/"$ID"/memory.kmem.limit_in_bytes ]; then
		refute_output --partial "memory.kernel: ignored"
	else
		assert_output --partial "memory.kernel: ignored: this kernel has no kernel memory limit"
	fi
}

@test "ctr-oci run: linux.rootfsPropagation lands on the container's root (shared: a mount under / shows in a bind of it; unbindable)" {
	config '.linux.rootfsPropagation = "shared" | .process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	args sh -c 'awk "\$5 == \"/\" {print \$7}" /proc/self/mountinfo; mkdir /t /m && mount --rbind / /t && mount -t tmpfs -o size=4k none /m && touch /m/seen && ls /t/m'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_line --index 0 --regexp '^shared:[0-9]+$'
	assert_line --index 1 seen
	oci delete "$ID" 2>/dev/null || true
	config '.linux.rootfsPropagation = "unbindable"'
	args sh -c 'awk "\$5 == \"/\" {print \$7}" /proc/self/mountinfo; mkdir -p /t2; mount --bind / /t2'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_line --index 0 unbindable
	oci delete "$ID" 2>/dev/null || true
	config '.linux.rootfsPropagation = "sideways"'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "linux.rootfsPropagation: sideways: not a propagation"
}

@test "ctr-oci run: a user namespace with the config's maps; the rootfs is used as it is (not idmapped); the maps are required" {
	config '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %u /bin/busybox; touch /tmp/made'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_line --index 0 --regexp '^ +0 +100000 +65536$'
	assert_line --index 1 --regexp '^ +0 +200000 +65536$'
	assert_line --index 2 0
	# the image's root-owned files are not mapped: nobody inside
	assert_line --index 3 65534
	[ "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/made")" = 100000:200000 ]
	oci delete "$ID" 2>/dev/null || true
	config 'del(.linux.gidMappings)'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "linux.gidMappings: required with a new user namespace"
	config '.linux.gidMappings = .linux.uidMappings | .linux.namespaces |= map(select(.type != "user"))'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "linux.uidMappings: needs a new user namespace"
}

@test "ctr-oci create: ipc, uts and pid namespaces joined by path (the hostname set in the joined uts one); the runtime's mount namespace cannot be" {
	# the holder: pid 1 of its pid namespace, gone after 120 s even if this test fails
	unshare --ipc --uts --pid --fork timeout 120 sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	upid=$!
	for _ in $(seq 50); do
		tpid=$(pgrep -P "$upid") && [ "$(readlink /proc/"$tpid"/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] && break
		sleep 0.1
	done
	config '.hostname = "joined" | .linux.namespaces |= map(select(.type != "ipc" and .type != "uts" and .type != "pid")) | .linux.namespaces += [{"type": "ipc", "path": $i}, {"type": "uts", "path": $u}, {"type": "pid", "path": $p}]' \
		--arg i "/proc/$tpid/ns/ipc" --arg u "/proc/$tpid/ns/uts" --arg p "/proc/$tpid/ns/pid_for_children"
	args sleep 100
	create
	pid=$(oci state "$ID" | jq -r .pid)
	for ns in ipc uts pid; do
		[ "$(readlink /proc/"$pid"/ns/$ns)" = "$(readlink /proc/"$tpid"/ns/$ns)" ]
	done
	[ "$(nsenter -t "$tpid" -u hostname)" = joined ]
	oci delete --force "$ID"
	# the holder's mount namespace is this one: pivot_root there would move the host's root
	config '.linux.namespaces |= map(select(.type != "mount")) | .linux.namespaces += [{"type": "mount", "path": $m}]' --arg m "/proc/$tpid/ns/mnt"
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "/proc/$tpid/ns/mnt: the runtime's own mount namespace (the host's): the container's root cannot be set up there"
	kill -KILL "$tpid"  # the namespace's init: only SIGKILL
	wait "$upid" || true
	[ ! -e "$ROOT/$ID" ]
}

@test "ctr-oci create: a mount namespace joined by path gets the root and the mounts (none land in the runtime's); another type, a new user namespace are refused" {
	touch "$BUNDLE/rootfs/marker"
	# the holder, in a mount namespace of its own; gone after 120 s even if this test fails
	unshare --mount --propagation private --fork timeout 120 sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	upid=$!
	for _ in $(seq 50); do
		tpid=$(pgrep -P "$upid") && [ "$(readlink /proc/"$tpid"/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] && break
		sleep 0.1
	done
	config '.linux.namespaces |= map(select(.type != "mount")) + [{"type": "mount", "path": $m}]' --arg m "/proc/$tpid/ns/mnt"
	args sleep 100
	create
	pid=$(oci state "$ID" | jq -r .pid)
	[ "$(readlink /proc/"$pid"/ns/mnt)" = "$(readlink /proc/"$tpid"/ns/mnt)" ]
	[ -f /proc/"$pid"/root/marker ]          # its root is the bundle's
	[ -d /proc/"$pid"/root/proc/1 ]          # its /proc is mounted
	run grep -F "$BUNDLE" /proc/self/mountinfo  # nothing of it in the runtime's namespace
	assert_failure
	oci start "$ID"
	run oci exec "$ID" sh -c 'ls /marker && readlink /proc/self/ns/mnt'
	assert_success
	assert_line --index 1 "$(readlink /proc/"$tpid"/ns/mnt)"
	oci delete --force "$ID"
	config '.linux.namespaces |= map(select(.type != "mount")) + [{"type": "mount", "path": $m}]' --arg m "/proc/$tpid/ns/net"
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "/proc/$tpid/ns/net: not a mount namespace"
	config '.linux.namespaces |= map(select(.type != "mount")) + [{"type": "mount", "path": $m}, {"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = .linux.uidMappings' --arg m "/proc/$tpid/ns/mnt"
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "a mount namespace joined by path cannot be set up from a new user namespace"
	kill "$upid" "$tpid"
	wait "$upid" || true
	[ ! -e "$ROOT/$ID" ]
}

@test "ctr-oci create: without a mount namespace is refused (the root and mounts would be set up in the runtime's)" {
	config '.linux.namespaces |= map(select(.type != "mount"))'
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "linux.namespaces: a mount namespace is required, new or by path"
	[ ! -e "$ROOT/$ID" ]
}

@test "ctr-oci run: a user namespace joined by path, with its own maps; the new namespaces are its own (proc, sysfs, a tmpfs mounted inside); with its mount and network namespaces joined too" {
	# the holder: a user namespace (0 -> 100000, 65536 ids, written from here) owning a mount
	# and a network namespace; gone after 120 s even if this test fails
	unshare --user --mount --propagation private --net --fork timeout 120 sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	upid=$!
	for _ in $(seq 50); do
		tpid=$(pgrep -P "$upid") && [ "$(readlink /proc/"$tpid"/ns/user)" != "$(readlink /proc/self/ns/user)" ] && break
		sleep 0.1
	done
	echo "0 100000 65536" >/proc/"$tpid"/uid_map
	echo "0 100000 65536" >/proc/"$tpid"/gid_map
	config '.linux.namespaces += [{"type": "user", "path": $u}] | .process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]' --arg u "/proc/$tpid/ns/user"
	args sh -c 'cat /proc/self/uid_map; id -u; stat -c %u /bin/busybox; ls /proc/1/ns >/dev/null && ls /sys/class/net; touch /tmp/made; mkdir /tmp/m && mount -t tmpfs t /tmp/m && echo mounted'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_line --index 0 --regexp '^ +0 +100000 +65536$'
	assert_line --index 1 0
	assert_line --index 2 65534  # the image's root-owned files: not mapped
	assert_line lo
	assert_line mounted          # its mount namespace is owned by the joined user namespace
	[ "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/made")" = 100000:100000 ]
	# the mount and network namespaces of the holder, owned by its user namespace, joined too
	config '.linux.namespaces |= map(select(.type != "mount" and .type != "network")) + [{"type": "mount", "path": $m}, {"type": "network", "path": $n}]' \
		--arg m "/proc/$tpid/ns/mnt" --arg n "/proc/$tpid/ns/net"
	args sleep 100
	create
	pid=$(oci state "$ID" | jq -r .pid)
	for ns in user mnt net; do
		[ "$(readlink /proc/"$pid"/ns/$ns)" = "$(readlink /proc/"$tpid"/ns/$ns)" ]
	done
	[ "$(stat -c %u /proc/"$pid")" = 100000 ]
	oci start "$ID"
	run oci exec "$ID" sh -c 'id -u; cat /proc/self/uid_map'
	assert_success
	assert_line --index 0 0
	assert_line --index 1 --regexp '^ +0 +100000 +65536$'
	oci delete --force "$ID"
	# not a user namespace; maps with a joined one
	config '.linux.namespaces |= map(select(.type != "user")) + [{"type": "user", "path": $u}]' --arg u "/proc/$tpid/ns/ipc"
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "/proc/$tpid/ns/ipc: not a user namespace"
	config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 1}]'
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "linux.uidMappings: needs a new user namespace"
	kill "$upid" "$tpid"
	wait "$upid" || true
	[ ! -e "$ROOT/$ID" ]
}
