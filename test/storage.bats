#!/usr/bin/env bats
# storage: denial of service through the btrfs pool. A container must not make itself unremovable
# (nested, read-only subvolumes; immutable files), --storage-opt size limits what it writes, and
# a container that fills the pool leaves ctr working. fsioc (images/progs/fsioc.c) makes the
# ioctls from inside; the checks look at the pool from the host (btrfs subvolume list, qgroups).

load helper

# no_container_left: no container directory, name, subvolume or netns of this test is left.
no_container_left() {
	assert_equal "$(ls -A "$CTR_ROOT/containers")" ""
	assert_equal "$(ls -A "$CTR_ROOT/names")" ""
	run btrfs subvolume list "$CTR_ROOT"
	refute_output --partial containers/
	run sh -c "ip netns list 2>/dev/null | grep '^$CTR_PREFIX-'"
	assert_output ""
}

# qgroup_of CID: the container subvolume's qgroup id (0/N).
qgroup_of() {
	echo "0/$(btrfs inspect-internal rootid "$CTR_ROOT/containers/$1/rootfs")"
}

# quotas_on: btrfs quotas are enabled on the test's pool.
quotas_on() { btrfs qgroup show "$CTR_ROOT" >/dev/null 2>&1; }

@test "btrfs ioctls: a default container cannot create, snapshot, set read-only or delete a subvolume (EPERM), not even with SYS_ADMIN" {
	run ctr run --rm --net none busybox sh -c 'fsioc create /sub; fsioc snapshot / /snap; fsioc ro /; fsioc delete /tmp'
	assert_line "fsioc: create /sub: Operation not permitted"
	assert_line "fsioc: snapshot /snap: Operation not permitted"
	assert_line "fsioc: ro /: Operation not permitted"
	assert_line "fsioc: delete /tmp: Operation not permitted"
	run ctr run --rm --net none --cap-add SYS_ADMIN busybox fsioc create /sub
	assert_failure 1
	assert_output "fsioc: create /sub: Operation not permitted"
	# the same container without the filter gets further: the filter is what stops it
	run ctr run --net none --name u --security-opt seccomp=unconfined busybox fsioc create /sub
	assert_success
	run btrfs subvolume list "$CTR_ROOT"
	assert_output --regexp "containers/[0-9a-f]+/rootfs/sub"
	run ctr rm u
	assert_success
	no_container_left
}

@test "ioctls containers use still work under the default filter: terminal, FIONREAD, FS_IOC_GETFLAGS (lsattr), FICLONE (cp --reflink)" {
	run ctr run --rm --net none busybox sh -c 'fsioc tty && echo tty ok; fsioc fionread; fsioc getflags /etc/passwd;
		echo data >/f && fsioc clone /f /g && cat /g'
	assert_success
	assert_line "tty ok"
	assert_line "fionread=3"
	assert_line --regexp '^flags=0x[0-9a-f]+$'
	assert_line "data"
	refute_output --partial "not permitted"
}

@test "rm: a container that nested read-only subvolumes two levels deep (seccomp=unconfined) is removed, nothing left" {
	run ctr run --net none --name nest --security-opt seccomp=unconfined busybox sh -c \
		'fsioc create /a && fsioc create /a/b && echo x >/a/b/f && fsioc ro /a/b && fsioc ro /a && fsioc ro / && echo made'
	assert_success
	assert_output "made"
	id=$(cat "$CTR_ROOT/names/nest")
	run btrfs property get -ts "$CTR_ROOT/containers/$id/rootfs/a/b" ro
	assert_output "ro=true"
	run ctr rm -f nest
	assert_success
	assert_output "nest"
	no_container_left
}

@test "rm: a --privileged container with immutable and append-only files and subvolumes is removed, nothing left" {
	run ctr run --net none --name imm --privileged busybox sh -c '
		fsioc create /a && fsioc create /a/b && echo x >/a/b/f && fsioc setflags +i /a/b/f &&
		fsioc setflags +i /a/b && fsioc ro /a/b && fsioc setflags +a /a &&
		echo y >/g && fsioc setflags +i /g && fsioc setflags +a /etc && fsioc setflags +i / && echo made'
	assert_success
	assert_output "made"
	id=$(cat "$CTR_ROOT/names/imm")
	run rm -f "$CTR_ROOT/containers/$id/rootfs/g" # what stopped rm -rf before
	assert_failure
	run ctr rm -f imm
	assert_success
	no_container_left
}

@test "rm: an immutable root (--cap-add LINUX_IMMUTABLE) is removed; a host file behind a symlink in it keeps its flag" {
	touch "$BATS_TEST_TMPDIR/hostfile"
	chattr +i "$BATS_TEST_TMPDIR/hostfile"
	run ctr run --net none --name imm2 --cap-add LINUX_IMMUTABLE -v "$BATS_TEST_TMPDIR:/host:ro" busybox sh -c "
		mkdir -p /d/e && echo x >/d/e/f && fsioc setflags +i /d/e/f && fsioc setflags +a /d/e &&
		ln -s /host/hostfile /d/link && ln -s $BATS_TEST_TMPDIR/hostfile /d/link2 && fsioc setflags +i / && echo made"
	assert_output "made"
	run ctr rm imm2
	assert_success
	no_container_left
	run lsattr "$BATS_TEST_TMPDIR/hostfile"
	assert_output --regexp '^-*i'
	chattr -i "$BATS_TEST_TMPDIR/hostfile"
}

@test "rmi and cleanup: an image committed from a container with nested subvolumes is removed" {
	ctr run --net none --name src --security-opt seccomp=unconfined busybox sh -c 'fsioc create /a && fsioc ro /a'
	img=$(ctr commit src nested:1)
	run ctr rm src
	assert_success
	run ctr rmi nested:1
	assert_success
	run btrfs subvolume list "$CTR_ROOT"
	refute_output --partial "images/$img"
	assert [ ! -e "$CTR_ROOT/images/$img" ]
}

@test "--storage-opt size=50m: writing 100 MiB fails with EDQUOT inside, a neighbour writes 100 MiB, inspect shows it, rm drops the qgroup" {
	run quotas_on
	assert_failure # off until a size is asked for
	ctr run -d --net none --name small --storage-opt size=50m busybox sleep 60 >/dev/null
	ctr run -d --net none --name free busybox sleep 60 >/dev/null
	assert quotas_on
	q=$(qgroup_of "$(cat "$CTR_ROOT/names/small")")
	run btrfs qgroup show -e --raw "$CTR_ROOT"
	assert_line --regexp "^$q .* 52428800 +containers/"
	run ctr exec small dd if=/dev/zero of=/big bs=1M count=100
	assert_failure
	assert_output --partial "Disk quota exceeded"
	run ctr exec free dd if=/dev/zero of=/big bs=1M count=100
	assert_success
	assert_output --partial "100+0 records out"
	assert_equal "$(ctr inspect small | jq .storage.size)" 52428800
	assert_equal "$(ctr inspect free | jq .storage.size)" null
	run ctr rm -f small free
	assert_success
	btrfs subvolume sync "$CTR_ROOT" >/dev/null
	ctr cleanup >/dev/null # an older kernel leaves the qgroup: cleanup destroys it
	run btrfs qgroup show "$CTR_ROOT"
	refute_line --regexp "^$q "
}

@test "CTR_STORAGE_SIZE: every run's default; --storage-opt size overrides it, size=0 lifts it" {
	CTR_STORAGE_SIZE=20m run ctr run --rm --net none busybox sh -c 'dd if=/dev/zero of=/big bs=1M count=40 2>&1; echo dd=$?'
	assert_line "dd=1"
	assert_line --partial "Disk quota exceeded"
	CTR_STORAGE_SIZE=20m run ctr run --rm --net none --storage-opt size=0 busybox sh -c 'dd if=/dev/zero of=/big bs=1M count=40 2>&1; echo dd=$?'
	assert_line "dd=0"
	CTR_STORAGE_SIZE=20m run ctr run --rm --net none --storage-opt size=1G busybox sh -c 'dd if=/dev/zero of=/big bs=1M count=40 2>&1; echo dd=$?'
	assert_line "dd=0"
}

@test "bad --storage-opt values and CTR_STORAGE_SIZE are refused before anything is made; quotas stay off" {
	ctr run --rm --net none busybox true # the pool and the image exist
	for v in size=12x size=-5m size= size=1.5.5m size=9999999t; do
		run ctr run --net none --storage-opt "$v" busybox true
		assert_failure 125
		assert_output --partial "ctr: --storage-opt $v: invalid size"
	done
	run ctr run --net none --storage-opt quota=5m busybox true
	assert_failure 125
	assert_output "ctr: --storage-opt quota=5m: not supported (only size=SIZE)"
	CTR_STORAGE_SIZE=lots run ctr run --net none busybox true
	assert_failure 125
	assert_output --partial "ctr: CTR_STORAGE_SIZE=lots: invalid size"
	no_container_left
	run quotas_on
	assert_failure
}

@test "a container fills the pool: other runs fail cleanly, a neighbour's state is intact, rm -f of the filler works, then runs work" {
	ctr run -d --net none --name keep busybox sleep 120 >/dev/null
	run ctr run --net none --name filler busybox sh -c 'dd if=/dev/zero of=/big bs=1M count=2000 2>&1; echo dd=$?'
	assert_line --partial "No space left on device"
	cfg=$(cat "$CTR_ROOT/containers/$(cat "$CTR_ROOT/names/keep")/config.json")
	run ctr run --net none --name late busybox echo hi
	assert_failure 125
	assert_output --regexp "ctr: .*: cannot write"
	run ctr run busybox echo hi
	assert_failure 125
	run ctr run -d busybox echo hi
	assert_failure 125
	assert_equal "$(ls "$CTR_ROOT/containers" | wc -l)" 2
	assert_equal "$(ls "$CTR_ROOT/names")" "$(printf 'filler\nkeep')"
	assert_equal "$(cat "$CTR_ROOT/containers/$(cat "$CTR_ROOT/names/keep")/config.json")" "$cfg"
	run ctr exec keep hostname
	assert_success
	run ctr rm -f filler
	assert_success
	btrfs subvolume sync "$CTR_ROOT" >/dev/null # the space comes back once the cleaner dropped it
	run ctr run --rm --net none --name late busybox echo hi
	assert_success
	assert_output "hi"
	run ctr rm -f keep
	assert_success
	no_container_left
}
