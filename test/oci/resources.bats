#!/usr/bin/env bats
# ctr-oci: linux.resources as the kernel enforces them: device rules (v1's devices
# controller, v2's eBPF program, also forced on a hybrid host with CTR_DEVICE_CONTROL=bpf),
# blockIO, hugepageLimits, unified.

load helper

# teardown: the helper's, then cgroup2's hugetlb disabled again at a hybrid host's root when
# the hugepageLimits test found it disabled (ctr-oci enabled it)
eval "helper_$(declare -f teardown)"
teardown() {
	oci_teardown
	if [ -n "${HUGETLB_WAS_OFF:-}" ]; then
		echo -hugetlb >/sys/fs/cgroup/unified/cgroup.subtree_control
	fi
}

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

# disk: MAJ:MIN of a whole disk of this host (a qemu guest may only have loop devices)
disk() {
	local d
	for d in /sys/block/*/device /sys/block/loop*; do
		[ -e "$d" ] && { cat "${d%/device}/dev"; return 0; }
	done
	return 1
}

@test "ctr-oci create: blockIO throttles land in the container's group (v1 blkio.throttle.*, v2 io.max); a weight file this host lacks is an error naming it" {
	local d dir
	d=$(disk)
	config '.linux.resources.blockIO = {"throttleReadBpsDevice": [{"major": $M, "minor": $m, "rate": 1048576}], "throttleWriteIOPSDevice": [{"major": $M, "minor": $m, "rate": 100}]}' \
		--argjson M "${d%:*}" --argjson m "${d#*:}"
	args sleep 100
	create
	if [ -d /sys/fs/cgroup/blkio ]; then
		grep -qx "$d 1048576" "/sys/fs/cgroup/blkio$CG/blkio.throttle.read_bps_device"
		grep -qx "$d 100" "/sys/fs/cgroup/blkio$CG/blkio.throttle.write_iops_device"
		dir=/sys/fs/cgroup/blkio$CG weight=blkio.bfq.weight
		[ -f "$dir/blkio.weight" ] && weight=blkio.weight
	else
		grep -qx "$d rbps=1048576 wbps=max riops=max wiops=100" "/sys/fs/cgroup$CG/io.max"
		dir=/sys/fs/cgroup$CG weight=io.weight
		[ -f "$dir/io.bfq.weight" ] && weight=io.bfq.weight
	fi
	has_weight=no
	[ -f "$dir/$weight" ] && has_weight=yes
	oci delete --force "$ID"
	config '.linux.resources.blockIO = {"weight": 500}'
	oci_detached create --bundle "$BUNDLE" "$ID"
	if [ "$has_weight" = no ]; then
		assert_failure
		assert_output --partial "config.json: linux.resources.blockIO.weight: this host has no $weight"
		[ ! -e "$ROOT/$ID" ] && [ -z "$(cgroup_dirs)" ]
	else
		assert_success
		# io.weight is 1..10000: 500 of 10..1000 is 4950 there (runc's scale)
		grep -Eq '(^| )(500|4950)$' "$dir/$weight"
	fi
}

@test "ctr-oci create: hugepageLimits land in the group (v1 hugetlb; v2 or a hybrid host's cgroup2 hugetlb, enabled on the way down); a bad pageSize is refused" {
	local file
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages on this kernel"
	if [ ! -d /sys/fs/cgroup/hugetlb ] && [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then
		grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers || skip "no hugetlb controller"
		# a hybrid host: ctr-oci enables cgroup2's hugetlb at its root; teardown puts it back
		grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.subtree_control || HUGETLB_WAS_OFF=1
	fi
	config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	args sleep 100
	create
	if [ -d /sys/fs/cgroup/hugetlb ]; then
		file=/sys/fs/cgroup/hugetlb$CG/hugetlb.2MB.limit_in_bytes
	elif [ -d /sys/fs/cgroup/unified ]; then
		file=/sys/fs/cgroup/unified$CG/hugetlb.2MB.max
	else
		file=/sys/fs/cgroup$CG/hugetlb.2MB.max
	fi
	[ "$(cat "$file")" = 4194304 ]
	oci delete --force "$ID"
	config '.linux.resources.hugepageLimits = [{"pageSize": "2 MB", "limit": 1}]'
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "linux.resources.hugepageLimits[0].pageSize: a size such as 2MB or 1GB, not 2 MB"
}

@test "ctr-oci create: unified: v2 files written as given, after the rest; cgroup.* and paths refused; cgroup v2 only" {
	config '.linux.resources.unified = {"cgroup.procs": "1"}'
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "linux.resources.unified.cgroup.procs: not a controller's file"
	config '.linux.resources.unified = {"../pids.max": "1"}'
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "not a controller's file"
	config '.linux.resources.pids.limit = 50 | .linux.resources.unified = {"pids.max": "30", "memory.high": "33554432"}'
	args sleep 100
	oci_detached create --bundle "$BUNDLE" "$ID"
	if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
		assert_failure
		assert_output --partial "linux.resources.unified: not supported: cgroup v2 only"
		[ ! -e "$ROOT/$ID" ] && [ -z "$(cgroup_dirs)" ]
		return 0
	fi
	assert_success
	[ "$(cat /sys/fs/cgroup$CG/pids.max)" = 30 ]
	[ "$(cat /sys/fs/cgroup$CG/memory.high)" = 33554432 ]
}
