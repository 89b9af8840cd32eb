#!/usr/bin/env bats
# test/volumes.bats - run -v /HOST:/CTR[:ro][:noexec] and --read-only: bind mounts that are always
# nosuid,nodev, targets resolved inside the container's root (a hostile image's symlinks cannot send
# a mount to the host), bad specs refused before anything exists. Checked from inside and the host.

bats_require_minimum_version 1.5.0
load helper

setup() {
	ctr_setup
	V=$BATS_TEST_TMPDIR/vol
	mkdir -p "$V"
}

# hostile_image NAME LINK TARGET [DIR]: import the busybox rootfs with LINK -> TARGET (and the
# directory DIR) added, as NAME.
hostile_image() {
	local d=$BATS_TEST_TMPDIR/img-$1
	mkdir -p "$d"
	cp -a "$TOP/build/rootfs/busybox/." "$d/"
	ln -s "$3" "$d/$2"
	[ -z "${4:-}" ] || mkdir -p "$d/$4"
	ctr init "$d" "$1" >/dev/null
}

# nothing_made: no container directory, no cgroup and no devices group of the test's prefix.
nothing_made() {
	assert_equal "$(ls -A "$CTR_ROOT/containers" 2>/dev/null)" ""
	run find /sys/fs/cgroup -path "*/$CTR_PREFIX/*" -type d
	assert_output ""
}

@test "-v: the container reads and writes the host directory; a file volume; repeatable; data stays after rm" {
	echo from-host >"$V/in"
	echo single >"$BATS_TEST_TMPDIR/one"
	run ctr run --name v1 -v "$V:/data" --volume="$BATS_TEST_TMPDIR/one:/etc/one" busybox \
		sh -c 'cat /data/in /etc/one; echo from-container >/data/out'
	assert_success
	assert_output "$(printf 'from-host\nsingle')"
	assert_equal "$(cat "$V/out")" from-container
	# recorded resolved, with the device and inode the helper checks again before it mounts
	# (in this key order: gojq, when ctr uses it, writes config.json's keys sorted)
	run jq -c '.security.volumes | map({source, target, ro, noexec, dev, ino})' \
		"$CTR_ROOT/containers/$(cat "$CTR_ROOT/names/v1")/config.json"
	assert_output "[{\"source\":\"$V\",\"target\":\"/data\",\"ro\":false,\"noexec\":false,$(stat -c '"dev":"%d","ino":"%i"' "$V")},{\"source\":\"$BATS_TEST_TMPDIR/one\",\"target\":\"/etc/one\",\"ro\":false,\"noexec\":false,$(stat -c '"dev":"%d","ino":"%i"' "$BATS_TEST_TMPDIR/one")}]"
	ctr rm v1 >/dev/null
	assert_equal "$(cat "$V/out" "$V/in")" "$(printf 'from-container\nfrom-host')"
	# the volume was mounted in the container's namespace only
	refute grep -q " /data " /proc/self/mountinfo
}

@test "-v: nosuid,nodev always; :ro refuses writes, :noexec refuses exec; the host file is unchanged" {
	echo orig >"$V/f"
	cp "$TOP/build/progs/probe" "$V/prog"
	run ctr run --rm -v "$V:/data:ro:noexec" busybox sh -c 'grep " /data " /proc/self/mountinfo; echo x >/data/f; /data/prog true'
	assert_line --regexp ' /data ro,nosuid,nodev,noexec'
	assert_output --partial "Read-only file system"
	assert_output --partial "Permission denied"
	assert_equal "$(cat "$V/f")" orig
	run ctr run --rm -v "$V:/data" busybox sh -c 'grep " /data " /proc/self/mountinfo; /data/prog >/dev/null && echo ran'
	assert_line --regexp ' /data rw,nosuid,nodev'
	refute_output --partial noexec
	assert_line ran
}

@test "-v: a setuid-root program in a volume does not raise a user (nosuid); a device node there is inert (nodev)" {
	cp "$TOP/build/progs/probe" "$V/suid"
	chmod 4755 "$V/suid"
	mknod "$V/null" c 1 3
	# --privileged: no no_new_privs and no devices group, so only the mount options are left
	run ctr run --rm --privileged -u 1000 -v "$V:/data" busybox sh -c '/data/suid | grep ^euid=; echo x >/data/null'
	assert_line euid=1000
	assert_output --partial "Permission denied"
	# the same program setuid in the container's own root does raise it: nosuid is what stopped it
	run ctr run --rm --privileged -v "$V:/data" busybox sh -c 'cp /data/suid /tmp/suid && chmod 4755 /tmp/suid && su -s /bin/sh -c "/tmp/suid | grep ^euid=" nobody'
	assert_line euid=0
}

@test "-v onto a symlink in the image that climbs out (../../..): resolved inside the container, the host untouched" {
	hostdir=/tmp/$CTR_PREFIX-target
	hostile_image climb data "../../../../..$hostdir" "$hostdir"
	echo data >"$V/f"
	run ctr run --rm -v "$V:/data/x" climb sh -c "cat $hostdir/x/f"
	assert_success
	assert_output data
	[ ! -e "$hostdir" ]
	refute grep -q " $hostdir" /proc/self/mountinfo
}

@test "-v onto a symlink to /etc in the image: the container's /etc gets it, the host's /etc does not" {
	hostile_image etclink data /etc
	echo planted >"$V/ctr-planted"
	run ctr run --rm -v "$V:/data" etclink cat /etc/ctr-planted
	assert_output planted
	[ ! -e /etc/ctr-planted ]
	refute grep -q " /etc " /proc/self/mountinfo
}

@test "-v: bad specs are refused with 125 before anything is made" {
	run -125 ctr run --rm -v "$V/nope:/data" busybox true
	assert_output "ctr: -v $V/nope:/data: $V/nope: no such file or directory"
	# a source not starting with / is a volume name (volume.bats): a relative path is not one
	run -125 ctr run --rm -v "./vol:/data" busybox true
	assert_output "ctr: -v ./vol:/data: invalid volume name './vol' (want [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 characters; a host directory needs an absolute path)"
	run -125 ctr run --rm -v "$V:data" busybox true
	assert_output "ctr: -v $V:data: the container path must be absolute"
	run -125 ctr run --rm -v "$V:/" busybox true
	assert_output "ctr: -v $V:/: cannot mount over the container's /"
	run -125 ctr run --rm -v "$V:/data:rx" busybox true
	assert_output "ctr: -v $V:/data:rx: unknown option rx (ro, rw, noexec, exec)"
	run -125 ctr run --rm -v "vol" busybox true
	assert_output "ctr: -v vol: expected NAME:/CONTAINER[:ro] or /HOST:/CONTAINER[:ro]"
	nothing_made
}

@test "-v: a host path through a symlink is recorded resolved; exec sees the volume" {
	ln -s "$V" "$BATS_TEST_TMPDIR/link"
	echo x >"$V/f"
	id=$(ctr run -d -v "$BATS_TEST_TMPDIR/link:/data" busybox sleep 60)
	run jq -r '.security.volumes[0].source' "$CTR_ROOT/containers/$id/config.json"
	assert_output "$V"
	run ctr exec "$id" cat /data/f
	assert_output x
}

@test "--read-only: / cannot be written nor remounted; volumes and /dev/shm can; exec is read-only too" {
	id=$(ctr run -d --read-only -v "$V:/data" busybox sleep 60)
	run ctr exec "$id" sh -c 'touch /x; mount -o remount,rw /; touch /data/y && touch /dev/shm/z && echo writable'
	assert_output --partial "Read-only file system"
	assert_line writable
	[ ! -e "$(tree_path containers "$id")/x" ]
	[ -e "$V/y" ]
	run jq .security.read_only "$CTR_ROOT/containers/$id/config.json"
	assert_output true
}
