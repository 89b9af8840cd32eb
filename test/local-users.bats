#!/usr/bin/env bats
# local-users: what another user of the host (not root, no ctr of its own) can do to a root's
# containers: nothing. It cannot hold a lock of ctr's (docs/security.md "Locks": flock(2) needs only
# a read-only open, and every run, rm and exit action of the root waited behind it) nor read the
# pool file ("The pool file": every container's and image's bytes). The root here lives in a
# directory others can search, as /var/lib/ctr is.

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

# locks_refused: no lock file opens for nobody, and with nobody holding the root's lock (as far as
# it can: it cannot open it) a run still runs.
locks_refused() {
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
}

@test "another user cannot hold ctr's locks: run, rm -f and the exit action go on" {
	ctr run --rm busybox true
	ctr run -d --name bg busybox sleep 300
	locks_refused
	run timeout 60 "$CTR" rm -f bg
	assert_success
	run ctr ps -a -q
	assert_output ''
}

@test "a root made by an earlier ctr (lock files 0644, no private marker): its locks become root's only" {
	ctr run --rm busybox true
	local f
	while read -r f; do [ ! -e "$f" ] || chmod 0644 "$f"; done < <(lock_files)
	chmod 0644 "$CTR_POOL" "$CTR_ROOT/events"
	chmod 0755 "$CTR_ROOT/net"
	chmod 0755 /run/ctr
	rm -f "$CTR_ROOT/private"
	ctr ps -a
	[ -e "$CTR_ROOT/private" ]
	[ "$(stat -c %a /run/ctr)" = 700 ]
	[ "$(stat -c %a "$CTR_POOL")" = 600 ]
	[ "$(stat -c %a "$CTR_ROOT/events")" = 600 ]
	[ "$(stat -c %a "$CTR_ROOT/net")" = 700 ]
	while read -r f; do
		[ ! -e "$f" ] || [[ $f == /run/ctr/* ]] || [ "$(stat -c %a "$f")" = 600 ]
	done < <(lock_files)
	locks_refused
}

@test "another user cannot read a container's files through the pool file, nor the root's events, addresses and ports" {
	ctr run --rm --name secretive busybox sh -c 'echo "SECRET-$((6 * 7))-$$" >/root/secret; sync'
	ctr run -d busybox sleep 300 >/dev/null
	run as_nobody cat "$CTR_ROOT/events"
	assert_failure
	refute_output --partial secretive
	run as_nobody ls "$CTR_ROOT/net/ips" "$CTR_ROOT/net/ports"
	assert_failure
	grep -q secretive "$CTR_ROOT/events" # root: they are there
	sync
	[ "$(grep -a -c -m 1 'SECRET-42-' "$CTR_POOL")" = 1 ] # root: the bytes are there
	run as_nobody grep -a -c -m 1 'SECRET-42-' "$CTR_POOL"
	assert_failure 2
	assert_output --partial 'Permission denied'
	run as_nobody cat "$CTR_POOL.lock"
	assert_failure
}
