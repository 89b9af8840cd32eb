#!/usr/bin/env bats
# migrate: a root made by an earlier ctr, which kept its whole state in the btrfs pool (the pool file
# mounted on $CTR_ROOT itself, or $CTR_ROOT on a btrfs disk; the trees next to the records:
# containers/<id>/rootfs). The first call moves it to this layout once, under the pool's lock:
# the records to $CTR_ROOT (the host's file system), the pool on $CTR_ROOT/btrfs; refused while
# a container of it runs; a migration cut short is finished by the next call.

load helper

# old_root: a root with an exited container (exit 3, a log, a file in its tree) and an image of
# its own, made by this ctr; sets OLD (the container's ID) and IMG (the image's).
old_root() {
	OLD=$(ctr run -d --net none --name old busybox sh -c 'echo hi; echo data >/kept; exit 3')
	ctr wait old >/dev/null
	IMG=$(ctr commit old mine:1)
}

# to_old_layout: turn the test's root into the earlier layout: every record into the pool, next to the trees
# (cp -a merges containers/<id>/ and images/<id>/), then the pool mounted on $CTR_ROOT itself.
to_old_layout() {
	local m=$BATS_TEST_TMPDIR/m
	umount "$POOL_DIR"
	mkdir "$m"
	mount -o loop "$CTR_POOL" "$m"
	find "$CTR_ROOT" -mindepth 1 -maxdepth 1 ! -name btrfs -exec cp -a -t "$m" {} +
	rm -rf "${CTR_ROOT:?}"/*
	umount "$m"
	mount -o loop "$CTR_POOL" "$CTR_ROOT"
	[ -f "$CTR_ROOT/containers/$OLD/config.json" ] && [ -d "$CTR_ROOT/containers/$OLD/rootfs/bin" ]
}

# assert_migrated: the records are on the host's file system, the pool on $CTR_ROOT/btrfs holds
# trees only; the old container and image work as before, and are removed cleanly.
assert_migrated() {
	! mountpoint -q "$CTR_ROOT"
	mountpoint -q "$POOL_DIR"
	[ "$(stat -f -c %T "$CTR_ROOT/containers/$OLD/config.json")" != btrfs ]
	assert_equal "$(cat "$CTR_ROOT/prefix")" "$CTR_PREFIX"
	run ls -A "$POOL_DIR"
	assert_output "$(printf 'blobs\ncontainers\nimages\ntmp')"
	run ls -A "$POOL_DIR/containers/$OLD" "$POOL_DIR/images/$IMG"
	assert_output "$(printf '%s:\nrootfs\n\n%s:\nrootfs' "$POOL_DIR/containers/$OLD" "$POOL_DIR/images/$IMG")"
	run ctr ps -a
	assert_line --regexp "^$OLD +old .*Exited \\(3\\)"
	run ctr logs old
	assert_output hi
	assert_equal "$(cat "$(tree_path containers "$OLD")/kept")" data
	run ctr run --rm --net none mine:1 cat /kept
	assert_output data
	run ctr rm old
	assert_success
	run ctr rmi mine:1
	assert_success
	[ ! -e "$POOL_DIR/containers/$OLD" ] && [ ! -e "$POOL_DIR/images/$IMG" ]
	run btrfs subvolume list "$POOL_DIR"
	assert_success
	refute_output --partial containers/
	refute_output --partial "images/$IMG"
}

@test "migrate: the earlier layout's pool mounted on \$CTR_ROOT: moved out once, the pool remounted on \$CTR_ROOT/btrfs" {
	old_root
	to_old_layout
	run ctr ps -a
	assert_success
	assert_line --regexp "^$OLD +old "
	assert_migrated
	run ctr ps -a # once: nothing moves again
	assert_success
}

@test "migrate: the earlier layout's pool after a reboot (not mounted): mounted on \$CTR_ROOT/btrfs, its state moved out" {
	old_root
	to_old_layout
	umount "$CTR_ROOT"
	run ctr images
	assert_success
	assert_line --partial mine:1
	assert_migrated
}

@test "migrate: refused while a container of the old root runs, with what to do; done once it is stopped" {
	old_root
	id=$(ctr run -d --net none --name runs busybox sleep 300)
	to_old_layout
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	run ctr ps -a
	assert_failure 125
	assert_output "ctr: $CTR_ROOT: made by an older ctr, its state in the btrfs pool: ctr moves it out once no container runs: stop them (kill -TERM their PID 1: $pid; -KILL if one ignores it), then run ctr.sh again"
	mountpoint -q "$CTR_ROOT" # nothing changed
	[ ! -e "$POOL_DIR" ]
	kill -KILL "$pid"
	# its supervisor records the exit in the old layout, runs the exit action, and ends
	wait_for test -e "$CTR_ROOT/containers/$id/released"
	wait_for sh -c "! kill -0 $(cat "$CTR_ROOT/containers/$id/shim.pid") 2>/dev/null"
	run ctr ps -a
	assert_success
	assert_line --regexp "^$id +runs .*Exited \\(137\\)"
	run ctr rm runs
	assert_success
	assert_migrated
}

@test "migrate: cut short (killed midway), finished by the next call, nothing lost" {
	old_root
	to_old_layout
	umount "$CTR_ROOT"
	CTR_TEST_KILL_AT=migrate run ctr ps -a
	assert_failure
	[ -d "$POOL_DIR/refs" ] && [ -e "$CTR_ROOT/.migrating" ] # the pool's copy is still the state
	run ctr ps -a
	assert_success
	assert_line --regexp "^$OLD +old .*Exited \\(3\\)"
	[ ! -e "$CTR_ROOT/.migrating" ] && [ ! -e "$CTR_ROOT/.migrate" ]
	assert_migrated
}

@test "migrate: \$CTR_ROOT on a btrfs disk of the user's (no pool file): works, and the earlier layout's trees move to \$CTR_ROOT/btrfs" {
	local disk=$BATS_TEST_TMPDIR/disk
	truncate -s 1G "$disk"
	mkfs.btrfs -q "$disk" >/dev/null
	mkdir -p "$CTR_ROOT"
	mount -o loop "$disk" "$CTR_ROOT"
	old_root
	[ ! -e "$CTR_POOL" ] # no pool file: the disk holds state and trees
	! mountpoint -q "$POOL_DIR"
	[ -d "$(tree_path containers "$OLD")/bin" ]
	run ctr info
	assert_line " Pool: (the btrfs file system of $POOL_DIR)"
	# the earlier layout on such a disk: the trees next to the records
	for t in "$POOL_DIR"/*/*/rootfs; do
		t=${t#"$POOL_DIR"/}
		btrfs property set -ts "$POOL_DIR/$t" ro false # a read-only one cannot move
		mv -T "$POOL_DIR/$t" "$CTR_ROOT/$t"
		[ "${t%%/*}" != images ] || btrfs property set -ts "$CTR_ROOT/$t" ro true
	done
	mv -T "$POOL_DIR/blobs" "$CTR_ROOT/blobs"
	rm -rf "$POOL_DIR"
	run ctr ps -a
	assert_success
	assert_line --regexp "^$OLD +old .*Exited \\(3\\)"
	[ ! -e "$CTR_ROOT/containers/$OLD/rootfs" ] && [ -d "$POOL_DIR/blobs/sha256" ]
	assert_equal "$(cat "$(tree_path containers "$OLD")/kept")" data
	run btrfs property get -ts "$(tree_path images "$IMG")" ro
	assert_output ro=true # moved, not copied: still a read-only subvolume
	run ctr run --rm --net none mine:1 cat /kept
	assert_output data
	run ctr rm old
	assert_success
	run ctr rmi mine:1
	assert_success
	run btrfs subvolume list "$CTR_ROOT"
	assert_success
	refute_output --partial containers/
	refute_output --partial "images/$IMG"
}
