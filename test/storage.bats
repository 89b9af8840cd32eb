#!/usr/bin/env bats
# storage: denial of service through the btrfs pool. A container must not make itself unremovable
# (nested, read-only subvolumes; immutable files), --storage-opt size limits what it writes, and
# a container that fills the pool leaves ctr working (its state is not in the pool). fsioc (images/progs/fsioc.c) makes the
# ioctls from inside; the checks look at the pool from the host (btrfs subvolume list, qgroups).

load helper

# no_container_left: no container directory, name, subvolume or netns of this test is left.
no_container_left() {
	assert_equal "$(ls -A "$CTR_ROOT/containers")" ""
	assert_equal "$(ls -A "$CTR_ROOT/names")" ""
	assert_equal "$(ls -A "$POOL_DIR/containers")" ""
	run btrfs subvolume list "$POOL_DIR"
	assert_success
	refute_output --partial containers/
	run sh -c "ip netns list 2>/dev/null | grep '^$CTR_PREFIX-'"
	assert_output ""
}

# qgroup_of CID: the container subvolume's qgroup id (0/N).
qgroup_of() {
	echo "0/$(btrfs inspect-internal rootid "$(tree_path containers "$1")")"
}

# quotas_on: btrfs quotas are enabled on the test's pool.
quotas_on() { btrfs qgroup show "$POOL_DIR" >/dev/null 2>&1; }

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
	run btrfs subvolume list "$POOL_DIR"
	assert_success
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
	run btrfs property get -ts "$(tree_path containers "$id")/a/b" ro
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
	run rm -f "$(tree_path containers "$id")/g" # what stopped rm -rf before
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
	run btrfs subvolume list "$POOL_DIR"
	assert_success
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
	run btrfs qgroup show -e --raw "$POOL_DIR"
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
	btrfs subvolume sync "$POOL_DIR" >/dev/null
	ctr cleanup >/dev/null # an older kernel leaves the qgroup: cleanup destroys it
	run btrfs qgroup show "$POOL_DIR"
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

# fill VOLSPEC [RUN OPTIONS]: a container given the volume writes 40 MiB into it; prints dd=<status>
fill() {
	local v=$1
	shift
	ctr run --rm --net none "$@" -v "$v" busybox sh -c 'dd if=/dev/zero of=/data/f bs=1M count=40 2>&1; echo dd=$?'
}

@test "volume attack: a container given a volume cannot write beyond the size (CTR_STORAGE_SIZE, --storage-opt size, volume create -o size)" {
	# before, a volume was a subvolume without a qgroup: a container whose own tree had a size
	# filled the pool (data or metadata) through -v NAME:/data, stopping its neighbours' runs
	CTR_STORAGE_SIZE=20m run fill big:/data
	assert_line dd=1
	assert_line --partial "Disk quota exceeded"
	run fill /data --storage-opt size=20m # an anonymous volume, the run's own size
	assert_line dd=1
	assert_line --partial "Disk quota exceeded"
	ctr volume create -o size=20m made >/dev/null
	assert_equal "$(ctr volume inspect made | jq -c '.[0].Options')" '{"size":"20971520"}'
	run fill made:/data # a volume keeps its size: this run has none
	assert_line dd=1
	CTR_STORAGE_SIZE=20m ctr volume create --opt=size=0 free >/dev/null
	assert_equal "$(ctr volume inspect free | jq -c '.[0].Options')" null
	run fill free:/data
	assert_line dd=0
	run ctr volume create -o size=12x bad
	assert_failure 125
	assert_output "ctr: volume create: -o size=12x: invalid size (a number with an optional b, k, m, g or t suffix, at most 8 PiB)"
	run ctr volume create -o type=tmpfs bad
	assert_failure 125
	assert_output "ctr: volume create: -o type=tmpfs: only size=SIZE"
	assert_equal "$(ctr volume ls -q | sort | paste -sd' ')" "big free made"
	run ctr volume rm big free made
	assert_success
	run ctr volume prune -f # the anonymous one went with its run (--rm)
	refute_output --partial Deleted
	no_container_left
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

# pool_full: a write of data into the pool fails (ENOSPC), seen from the running container keep.
pool_full() {
	run ctr exec keep sh -c 'echo data >/probe'
	assert_failure
	assert_output --partial "No space left on device"
}

@test "a container fills the pool (dd until ENOSPC): ctr's state is elsewhere: runs work, an exit is recorded, logs, wait, ps, inspect work; rm frees the space" {
	ctr run -d --net none --name keep busybox sleep 120 >/dev/null
	# an image with blobs in the cache (a load), which a full pool must not cost
	ctr commit keep snap:1 >/dev/null
	ctr save -o "$BATS_TEST_TMPDIR/snap.tar" snap:1
	ctr rmi snap:1 >/dev/null
	ctr load -i "$BATS_TEST_TMPDIR/snap.tar" >/dev/null
	blobs=$(jq -r '.digest, .config_digest, .layers[]' "$CTR_ROOT/images/$(cat "$CTR_ROOT/refs/snap:1")/config.json")
	# ends on a signal, while the pool is full: its exit code and log must be kept
	ctr run -d --net none --name ender busybox sh -c 'trap "echo ending; exit 7" USR1; echo started
		while :; do sleep 0.1; done' >/dev/null
	wait_for sh -c "'$CTR' logs ender | grep -qx started"
	run ctr run --net none --name filler busybox sh -c 'dd if=/dev/zero of=/big bs=1M 2>&1; echo dd=$?'
	assert_success
	assert_line --partial "No space left on device"
	assert_line dd=1
	pool_full
	[ "$(stat -f -c %T "$CTR_ROOT/containers")" != btrfs ] # the state is on the host's file system
	# the neighbour exits: exit code, log, ps, wait, inspect
	ctr kill -s USR1 ender >/dev/null
	run ctr wait ender
	assert_success
	assert_output 7
	run ctr ps -a
	assert_line --regexp "^[0-9a-f]{12} +ender .*Exited \(7\)"
	assert_equal "$(ctr inspect ender | jq -c '[.state, .exit_code]')" '["exited",7]'
	run ctr logs ender
	assert_output "$(printf 'started\nending')"
	# a new run: its config and name are written, its /etc files are there (read-only copies)
	run ctr run --net none --name late busybox sh -c 'cat /etc/hostname; echo out'
	assert_success
	assert_line "ctr: warning: cannot write /etc/hostname, hosts, resolv.conf in the container (is the pool full?): read-only copies bound"
	assert_line out
	late=$(cat "$CTR_ROOT/names/late")
	assert_line "$late"
	# in its OCI config: read-only binds from its state directory, marked for start to replace
	assert_equal "$(jq -c '[.mounts[] | select(.options | index("x-ctr.etc")) | [.destination, .source, (.options | index("ro") != null)]]' \
		"$CTR_ROOT/containers/$late/oci-config.json")" \
		"$(jq -cn --arg d "$(cd "$CTR_ROOT/containers/$late" && pwd -P)" '["hostname", "hosts", "resolv.conf"] | map(["/etc/\(.)", "\($d)/\(.)", true])')"
	assert_equal "$(jq -r .name "$CTR_ROOT/containers/$late/config.json")" late
	run ctr logs late
	assert_output "$(printf '%s\nout' "$late")"
	# detached, on the bridge: its address in /etc/hosts
	run ctr run -d --name late2 busybox sleep 60
	assert_success
	ip=$(ctr inspect late2 | jq -r .network.ip)
	run ctr exec late2 cat /etc/hosts
	assert_success
	assert_line --regexp "^$ip[[:space:]]"
	assert_equal "$(ctr inspect late2 | jq -r .state)" running
	pool_full
	# rmi works; its blob collection cannot list what it keeps: it removes nothing
	ctr commit keep other:1 >/dev/null
	run ctr rmi other:1
	assert_success
	for b in $blobs; do [ -f "$POOL_DIR/blobs/sha256/${b#sha256:}" ] || fail "blob $b: removed"; done
	# rm of the filler works and frees the space
	run ctr rm -f filler
	assert_success
	btrfs subvolume sync "$POOL_DIR" >/dev/null # the space comes back once the cleaner dropped it
	run ctr exec keep sh -c 'echo data >/probe && echo wrote'
	assert_success
	assert_output wrote
	run ctr run --rm --net none busybox sh -c 'echo data >/f && cat /f && echo x >>/etc/hosts && echo hosts'
	assert_success
	assert_output "$(printf 'data\nhosts')"
	run ctr rm -f keep ender late late2
	assert_success
	no_container_left
	ctr rmi snap:1 >/dev/null
}

@test "the trees and records are root's: other users cannot read a container's files or list them" {
	run ctr run --name priv busybox sh -c 'echo secret >/tmp/s; chmod 644 /tmp/s'
	assert_success
	for d in "$POOL_DIR/images" "$POOL_DIR/containers" "$POOL_DIR/tmp" "$CTR_ROOT/containers" "$CTR_ROOT/images" "$CTR_ROOT/names" "$CTR_ROOT/refs"; do
		[ "$(stat -c %a "$d")" = 700 ] || fail "$d: mode $(stat -c %a "$d"), not 700"
	done
	id=$(cat "$CTR_ROOT/names/priv")
	[ "$(cat "$(tree_path containers "$id")/tmp/s")" = secret ]
	# the attack: an ordinary user reads a file a container left world-readable, or lists the logs
	run setpriv --reuid=65534 --regid=65534 --clear-groups cat "$(tree_path containers "$id")/tmp/s"
	assert_failure
	refute_output --partial secret
	run setpriv --reuid=65534 --regid=65534 --clear-groups ls "$CTR_ROOT/containers/$id"
	assert_failure
}

# slow_btrfs DIR: a btrfs in DIR (put first in PATH) whose `subvolume snapshot` writes its pid to
# DIR/pid, waits until DIR/go exists (at most 5 s), then fails when DIR/fail exists, else snapshots.
slow_btrfs() {
	mkdir -p "$1"
	cat >"$1/btrfs" <<SH
#!/bin/sh
if [ "\$1 \$2" = "subvolume snapshot" ]; then
	echo \$\$ >"$1/pid"
	for _ in \$(seq 50); do [ -e "$1/go" ] && break; sleep 0.1; done
	[ ! -e "$1/fail" ] || { echo "btrfs: snapshot failed" >&2; exit 1; }
fi
exec $(command -v btrfs) "\$@"
SH
	chmod +x "$1/btrfs"
}

# groups_made: the groups of a container of this test exist (run is past cg_setup).
groups_made() {
	local g
	for g in /sys/fs/cgroup/*/"$CTR_PREFIX"/*/ /sys/fs/cgroup/"$CTR_PREFIX"/*/; do
		[ ! -d "$g" ] || return 0
	done
	return 1
}

@test "run: the snapshot is made while the groups are; a snapshot failing meanwhile leaves nothing (125)" {
	ctr run --rm --net none busybox true # the pool and the image
	d=$BATS_TEST_TMPDIR/fake
	slow_btrfs "$d"
	touch "$d/fail"
	PATH="$d:$PATH" "$CTR" run -d busybox sleep 60 >"$d/out" 2>&1 &
	pid=$!
	# the groups are made while the snapshot waits: it is a job of its own
	wait_for groups_made || fail "no group made while the snapshot runs"
	touch "$d/go"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 125
	run cat "$d/out"
	assert_output --partial "ctr: image "
	assert_output --partial "cannot snapshot"
	no_container_left
	run sh -c "ls -d /sys/fs/cgroup/*/$CTR_PREFIX/*/ /sys/fs/cgroup/$CTR_PREFIX/*/ 2>/dev/null"
	assert_output ""
}

@test "run: stopped (TERM) while its snapshot is being made, it waits for the snapshot, then removes everything" {
	ctr run --rm --net none busybox true # the pool and the image
	d=$BATS_TEST_TMPDIR/fake
	slow_btrfs "$d"
	PATH="$d:$PATH" "$CTR" run -d busybox sleep 60 >"$d/out" 2>&1 &
	pid=$!
	wait_for groups_made || fail "no group made while the snapshot runs"
	wait_for test -s "$d/pid"
	kill -TERM "$pid"
	sleep 0.3 # it must not be gone yet: the snapshot still runs (an exit now would leave it behind)
	kill -0 "$pid" || fail "ctr.sh exited before its snapshot job ended"
	touch "$d/go" # the snapshot is made now, after the TERM
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 143
	! kill -0 "$(cat "$d/pid")" 2>/dev/null || fail "the snapshot job outlived ctr.sh"
	no_container_left
	run sh -c "ls -d /sys/fs/cgroup/*/$CTR_PREFIX/*/ /sys/fs/cgroup/$CTR_PREFIX/*/ 2>/dev/null"
	assert_output ""
}
