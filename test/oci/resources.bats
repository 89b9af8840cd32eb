#!/usr/bin/env bats
# ctr-oci: linux.resources as the kernel enforces them: device rules (v1's devices
# controller, v2's eBPF program, also forced on a hybrid host with CTR_DEVICE_CONTROL=bpf),
# blockIO, hugepageLimits, unified.

load helper

# caps_mknod: the process may mknod (runc's default config does not give CAP_MKNOD)
caps_mknod() {
	config '.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
}

# devrules: the config's device rules in order, seen from inside: /dev/net/tun (10:200) made
# with mknod and opened for reading and for writing; the host's disk refused.
devrules() {
	local disk
	disk=$(cat /sys/block/vda/dev 2>/dev/null || cat /sys/block/loop0/dev)
	caps_mknod
	args sh -c "mknod /dev/t c 10 200 && echo made; true </dev/t && echo read; true >/dev/t && echo written; mknod /dev/d b ${disk%:*} ${disk#*:} || echo disk-refused"
	# deny all, allow c 10:* rwm, then deny its w: made and read, not written
	config '.linux.resources.devices = [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "access": "rwm"}, {"allow": false, "type": "c", "major": 10, "access": "w"}]'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_line made
	assert_line read
	refute_line written
	assert_line --partial "/dev/t: Operation not permitted"
	assert_line disk-refused
	# no rule for it: not even made
	config '.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
	run oci run --bundle "$BUNDLE" "$ID"
	refute_line made
	assert_line --partial "mknod: /dev/t: Operation not permitted"
	# allow all (podman --privileged) but the disk's major
	config '.linux.resources.devices = [{"allow": true, "access": "rwm"}, {"allow": false, "type": "b", "major": ($d | split(":")[0] | tonumber), "access": "m"}]' --arg d "$disk"
	run oci run --bundle "$BUNDLE" "$ID"
	assert_line made
	assert_line read
	assert_line written
	assert_line disk-refused
}

@test "ctr-oci run: linux.resources.devices in order, as cgroup v1 reads them (v1, or v2's eBPF program)" {
	devrules
}

@test "ctr-oci run: linux.resources.devices through cgroup2's eBPF program (CTR_DEVICE_CONTROL=bpf on a hybrid host)" {
	awk '$3 == "cgroup2"' /proc/self/mounts | grep -q . || skip "no cgroup2 mount"
	export CTR_DEVICE_CONTROL=bpf
	devrules
	# not through the v1 controller: its group allows everything
	if [ -d /sys/fs/cgroup/devices ]; then
		args sleep 100
		create
		[ "$(cat "/sys/fs/cgroup/devices$CG/devices.list")" = "a *:* rwm" ]
	fi
}

@test "ctr-oci update: a devices list replaces the rules (v1 and eBPF); linux.devices stay usable; an update without one keeps them" {
	for mode in auto bpf; do
		[ "$mode" = auto ] || awk '$3 == "cgroup2"' /proc/self/mounts | grep -q . || continue
		export CTR_DEVICE_CONTROL=$mode
		caps_mknod
		config '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]'
		args sleep 100
		create
		oci start "$ID"
		run oci exec "$ID" sh -c 'mknod /dev/t c 10 200; true </dev/fuse && echo fuse'
		assert_output "mknod: /dev/t: Operation not permitted
fuse"
		echo '{"devices": [{"allow": true, "type": "c", "major": 10, "minor": 200, "access": "rwm"}]}' | oci update --resources - "$ID"
		run oci exec "$ID" sh -c 'mknod /dev/t c 10 200 && true </dev/t && echo tun; true </dev/fuse && echo fuse'
		assert_output "tun
fuse"
		echo '{"pids": {"limit": 50}}' | oci update --resources - "$ID"
		run oci exec "$ID" sh -c 'true </dev/t && echo tun; mknod /dev/u c 10 237 || echo refused'
		assert_line tun
		assert_line refused
		oci delete --force "$ID"
	done
}
