#!/usr/bin/env bats
# test/volumes-race.bats - a volume's host path is resolved once (ctr.sh, at validation) and never
# looked up by name again: nsenter-chroot opens the recorded path following no symlink
# (RESOLVE_NO_SYMLINKS), checks it is still the inode ctr.sh saw, and mounts from that fd. A
# container that can write a directory on the way (a shared volume) cannot turn a component into a
# symlink to / and have the host's / mounted. Also: host-side writes into a rootfs (/etc files)
# never follow a symlink the image planted.

bats_require_minimum_version 1.5.0
load helper

setup() {
	ctr_setup
	S=$BATS_TEST_TMPDIR/shared
	mkdir -p "$S/sub"
	touch "$S/sub/REAL"
	# a marker at the host's /: seen in a volume only if the host's / was mounted there
	MARK=ctr-race-$CTR_PREFIX
	touch "/$MARK"
}

teardown() {
	rm -f "/$MARK"
	ctr_teardown
}

# fake_libexec: a CTR_LIBEXEC whose nsenter-chroot first runs $BATS_TEST_TMPDIR/between (what a
# container would do between ctr.sh's check and the mount), then the real helper.
fake_libexec() {
	local l=$BATS_TEST_TMPDIR/libexec real=${CTR_LIBEXEC:-$TOP/build}
	mkdir -p "$l"
	ln -s "$real/ctr-shim" "$l/ctr-shim"
	ln -s "$real/ctr-attach" "$l/ctr-attach"
	printf '#!/bin/sh\nsh "%s/between"\nexec "%s/nsenter-chroot" "$@"\n' "$BATS_TEST_TMPDIR" "$real" >"$l/nsenter-chroot"
	chmod +x "$l/nsenter-chroot"
	export CTR_LIBEXEC=$l
}

@test "-v race: a container flips a shared directory between a directory and a symlink to /; the host's / is never mounted" {
	# the real directory is moved aside and back (same inode), a symlink to / in its place meanwhile
	flipper=$(ctr run -d -v "$S:/s" busybox sh -c \
		'while :; do mv /s/sub /s/real; ln -s / /s/sub; rm /s/sub; mv /s/real /s/sub; done')
	mounted=0 refused=0 reasons=''
	for i in $(seq 40); do
		run ctr run --rm -v "$S/sub:/v" busybox ls /v
		refute_output --partial "$MARK"
		refute_output --partial proc
		if [ "$status" -eq 0 ]; then
			assert_output REAL
			mounted=$((mounted + 1))
		else
			assert_equal "$status" 125
			assert_output --regexp "no such file or directory|No such file or directory|is a symlink in $S, which a container can write: not followed|a component is \(or became\) a symlink|replaced since it was checked|cannot resolve"
			refused=$((refused + 1))
			reasons+="${output##*: }"$'\n'
		fi
	done
	echo "# mounted the real directory $mounted times, refused $refused times:" >&3
	printf '%s' "${reasons:-}" | sed 's/(dev.*//' | sort | uniq -c | sed 's/^/#   /' >&3
	ctr rm -f "$flipper" >/dev/null
	[ ! -e "$S/$MARK" ]
}

@test "-v: a symlink planted in a container's read-write volume is not followed; in a read-only one it is" {
	id=$(ctr run -d -v "$S:/s" busybox sh -c 'rm -rf /s/sub && ln -s / /s/sub && exec sleep 60')
	wait_for test -L "$S/sub"
	run -125 ctr run --rm -v "$S/sub:/v" busybox ls /v
	assert_output "ctr: -v $S/sub:/v: $S/sub is a symlink in $S, which a container can write: not followed (give the real path)"
	run -125 ctr run --rm -v "$S/sub/etc:/v" busybox ls /v
	assert_output --partial "$S/sub is a symlink in $S, which a container can write"
	# a read-only volume cannot be written by its container: the user's own links there still work
	ctr rm -f "$id" >/dev/null
	mkdir "$S/real" && echo hi >"$S/real/f" && rm "$S/sub" && ln -s real "$S/sub"
	ctr run -d --name ro -v "$S:/s:ro" busybox sleep 60 >/dev/null
	run ctr run --rm -v "$S/sub:/v" busybox cat /v/f
	assert_success
	assert_output hi
}

@test "-v: a symlink inside a container's root filesystem is not followed" {
	id=$(ctr run -d busybox sh -c 'ln -s / /up && exec sleep 60')
	r=$(tree_path containers "$id")
	wait_for test -L "$r/up"
	run -125 ctr run --rm -v "$r/up:/v" busybox ls /v
	assert_output "ctr: -v $r/up:/v: $(readlink -f "$r")/up is a symlink in $(readlink -f "$CTR_ROOT"), which a container can write: not followed (give the real path)"
}

@test "-v: the source becomes a symlink to / after ctr.sh checked it: the helper refuses, the host's / is not mounted" {
	printf 'rm -rf "%s/sub" && ln -s / "%s/sub"\n' "$S" "$S" >"$BATS_TEST_TMPDIR/between"
	fake_libexec
	run -125 ctr run --rm -v "$S/sub:/v" busybox ls /v
	assert_output "nsenter-chroot: volume $S/sub: a component is (or became) a symlink: the path must be resolved, and is not followed again"
	refute_output --partial "$MARK"
	# an intermediate component, too
	mkdir -p "$S/a/b"
	printf 'rm -rf "%s/a" && ln -s / "%s/a"\n' "$S" "$S" >"$BATS_TEST_TMPDIR/between"
	run -125 ctr run --rm -v "$S/a/b:/v" busybox ls /v
	assert_output "nsenter-chroot: volume $S/a/b: a component is (or became) a symlink: the path must be resolved, and is not followed again"
}

@test "-v: the source directory is replaced by another one after ctr.sh checked it: the helper refuses" {
	mkdir -p "$S/other" && touch "$S/other/OTHER"
	printf 'mv "%s/sub" "%s/old" && mv "%s/other" "%s/sub"\n' "$S" "$S" "$S" "$S" >"$BATS_TEST_TMPDIR/between"
	fake_libexec
	run -125 ctr run --rm -v "$S/sub:/v" busybox ls /v
	assert_output --regexp "^nsenter-chroot: volume $S/sub: replaced since it was checked \(dev [0-9]+ ino [0-9]+, expected [0-9]+ [0-9]+\)$"
	# untouched, it mounts: the check is not what fails
	rm "$BATS_TEST_TMPDIR/between" && touch "$BATS_TEST_TMPDIR/between"
	run ctr run --rm -v "$S/sub:/v" busybox ls /v
	assert_success
	assert_output OTHER
}

@test "nsenter-chroot --volume: a source path with a symlink in it is refused; dev= and ino= are checked" {
	local ns=${CTR_LIBEXEC:-$TOP/build}/nsenter-chroot r=$BATS_TEST_TMPDIR/rootfs
	cp -a "$TOP/build/rootfs/busybox" "$r"
	ln -s "$S" "$BATS_TEST_TMPDIR/link"
	ln -s / "$S/root"
	for src in "$BATS_TEST_TMPDIR/link/sub" "$S/root" "$S/root/tmp"; do
		run -125 "$ns" -v "$src:/v" "$r" ls /v
		assert_output "nsenter-chroot: volume $src: a component is (or became) a symlink: the path must be resolved, and is not followed again"
	done
	run "$ns" -v "$S/sub:/v:$(stat -c 'dev=%d:ino=%i' "$S/sub")" "$r" ls /v
	assert_success
	assert_output REAL
	run -125 "$ns" -v "$S/sub:/v:$(stat -c 'dev=%d:ino=%i' "$S")" "$r" ls /v
	assert_output --partial "nsenter-chroot: volume $S/sub: replaced since it was checked"
	run -125 "$ns" -v "$S/sub:/v:dev=1" "$r" true
	assert_output --partial "nsenter-chroot: --volume: dev=N and ino=N go together"
	run -125 "$ns" -v "$S/sub:/v:dev=x:ino=1" "$r" true
	assert_output --partial "nsenter-chroot: --volume: unknown or bad option dev=x"
	run "$ns" --help
	assert_line --regexp '^  -v, --volume H:C\[:ro\]\[:noexec\]\[:dev=N:ino=N\] '
	refute grep -q " /v " /proc/self/mountinfo
}

@test "host-side /etc writes: an image whose /etc is a symlink out of the rootfs gets no hosts, hostname, resolv.conf; the host dir is untouched" {
	local d=$BATS_TEST_TMPDIR/img h=$BATS_TEST_TMPDIR/host-etc
	mkdir -p "$h"
	cp -a "$TOP/build/rootfs/busybox" "$d"
	rm -rf "$d/etc"
	ln -s "../../../../../../../../..$h" "$d/etc"
	ctr init "$d" etclink >/dev/null
	run ctr run --rm etclink true
	assert_success
	assert_output --partial "ctr: warning: the image's /etc is not a directory: no hosts, hostname, resolv.conf"
	assert_equal "$(ls -A "$h")" ""
}
