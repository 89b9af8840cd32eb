#!/usr/bin/env bats
# ctr-oci: linux.devices as engines write them (podman --device and --privileged pass the
# host's st_mode as fileMode, the file type bits included, as runc accepts).

load helper

@test "ctr-oci run: a device's fileMode with its file type bits (podman's form): the node gets the permissions" {
	# 8630 = 020666: S_IFCHR | 0666; 8576 = 020600
	config '.linux.devices = [
		{"path": "/dev/myzero", "type": "c", "major": 1, "minor": 5, "fileMode": 8630, "uid": 0, "gid": 0},
		{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 8576, "uid": 1000, "gid": 1000},
		{"path": "/dev/myfifo", "type": "p", "fileMode": 4516}]
		| .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 5, "access": "rwm"}]'
	args sh -c 'stat -c "%n %F %a %u:%g %t:%T" /dev/myzero /dev/mynull /dev/myfifo; head -c 3 /dev/myzero | od -An -tx1'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_line "/dev/myzero character special file 666 0:0 1:5"
	assert_line "/dev/mynull character special file 600 1000:1000 1:3"
	assert_line --regexp '^/dev/myfifo fifo 644 0:0 '
	assert_line " 00 00 00"
}

@test "ctr-oci create: a fileMode whose file type bits are not the device's type is refused" {
	# 24992 = 060640: S_IFBLK | 0640, on a "c" device
	config '.linux.devices = [{"path": "/dev/x", "type": "c", "major": 1, "minor": 5, "fileMode": 24992}]'
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "linux.devices[0].fileMode: its file type bits (060000) are not type c's"
	[ ! -d "$ROOT/$ID" ]
	config '.linux.devices = [{"path": "/dev/x", "type": "c", "major": 1, "minor": 5, "fileMode": 65536}]'
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "linux.devices[0].fileMode: out of range"
}

@test "ctr-oci run: devices in subdirectories of /dev (podman --privileged passes /dev/cpu/0/cpuid, /dev/net/tun)" {
	config '.linux.devices = [
		{"path": "/dev/net/mytun", "type": "c", "major": 10, "minor": 200, "fileMode": 8630},
		{"path": "/dev/a/b/c/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 8630}]'
	args sh -c 'stat -c "%n %F %a %t:%T" /dev/net/mytun /dev/a/b/c/mynull; echo x >/dev/a/b/c/mynull && echo written'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_line "/dev/net/mytun character special file 666 a:c8"
	assert_line "/dev/a/b/c/mynull character special file 666 1:3"
	assert_line written
}

@test "ctr-oci run: a default device that linux.devices lists is made as the config says (podman --privileged lists /dev/null, /dev/full...)" {
	config '.linux.devices = [
		{"path": "/dev/full", "type": "c", "major": 1, "minor": 7, "fileMode": 8576, "uid": 1000, "gid": 1000},
		{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 8630}]'
	args sh -c 'stat -c "%n %a %u:%g %t:%T" /dev/full /dev/null /dev/zero; grep -c " /dev/full " /proc/mounts; echo x >/dev/null && echo written'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_line "/dev/full 600 1000:1000 1:7"
	assert_line "/dev/null 666 0:0 1:3"
	assert_line --regexp '^/dev/zero 666 '
	# made with mknod, not a bind of the host's node
	assert_line 0
	assert_line written
}
