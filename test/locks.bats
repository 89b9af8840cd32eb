#!/usr/bin/env bats
# locks: no other user of the host can hold a lock of ctr's (docs/security.md "Locks"). flock(2)
# needs only a read-only open: a lock file another user can open is one that user can hold
# forever, and every run, rm and exit action of the root waits behind it. The root here lives in
# a directory others can traverse, as /var/lib/ctr is.

load helper

setup() {
	ctr_setup
	D=$(mktemp -d /tmp/ctr-locks.XXXXXX)
	chmod 0755 "$D"
	export CTR_ROOT=$D/root CTR_POOL=$D/pool
	HOLDER=''
}

teardown() {
	[ -z "$HOLDER" ] || kill "$HOLDER" 2>/dev/null
	ctr_teardown
	rm -rf "$D"
}

ctr() { "$CTR" "$@"; }

# as_nobody CMD...: CMD as uid and gid 65534, no supplementary group
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }

# ctr's lock files, of the root and host-wide
lock_files() {
	printf '%s\n' "$CTR_ROOT/lock" "$CTR_ROOT/import.lock" "$CTR_ROOT/events.lock" "$CTR_ROOT/subuid.lock" \
		"$CTR_ROOT/net/lock" "$CTR_POOL.lock" /run/ctr/net.lock /run/ctr/roots.lock /run/ctr/userns.lock
}

# hold_as_nobody FILE: the attack: another user takes FILE's lock and keeps it (HOLDER: its pid).
hold_as_nobody() {
	as_nobody flock -n "$1" sleep 300 &
	HOLDER=$!
	sleep 0.5
}

@test "another user cannot hold ctr's locks: run, rm -f and the exit action go on" {
	ctr run --rm busybox true
	ctr run -d --name bg busybox sleep 300
	local f
	while read -r f; do
		[ -e "$f" ] || continue
		run as_nobody flock -n "$f" true
		assert_failure
	done < <(lock_files)
	hold_as_nobody "$CTR_ROOT/lock"
	run timeout 60 "$CTR" run --rm busybox echo ran
	assert_success
	assert_output ran
	run timeout 60 "$CTR" rm -f bg
	assert_success
	run ctr ps -a -q
	assert_output ''
}

@test "a root made by an earlier ctr (lock files 0644, no locks.private): its locks become root's only" {
	ctr run --rm busybox true
	local f
	while read -r f; do [ ! -e "$f" ] || chmod 0644 "$f"; done < <(lock_files)
	chmod 0755 /run/ctr
	rm -f "$CTR_ROOT/locks.private"
	ctr ps -a
	[ -e "$CTR_ROOT/locks.private" ]
	[ "$(stat -c %a /run/ctr)" = 700 ]
	while read -r f; do
		[ -e "$f" ] || continue
		[[ $f == /run/ctr/* ]] || [ "$(stat -c %a "$f")" = 600 ]
		run as_nobody flock -n "$f" true
		assert_failure
	done < <(lock_files)
	hold_as_nobody "$CTR_ROOT/lock"
	run timeout 60 "$CTR" run --rm busybox echo ran
	assert_success
	assert_output ran
}
