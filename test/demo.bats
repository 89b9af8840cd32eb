#!/usr/bin/env bats
# demo: the narrated walkthrough passes every step and leaves nothing behind.

load helper

# step 9's throwaway user (ctrrld...): removed by the demo itself; here too if a test failed midway
teardown() {
	local u pid
	u=$(grep -o 'a throwaway user ctrrld[0-9a-f]*' "$BATS_TEST_TMPDIR/out" 2>/dev/null | awk '{ print $4 }')
	if [ -n "$u" ] && id -u "$u" >/dev/null 2>&1; then
		for pid in $(ps -u "$u" -o pid= 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		userdel "$u" 2>/dev/null
		(flock 9; sed -i "/^$u:/d" /etc/subuid /etc/subgid) 9>/run/ctr/subids.lock
	fi
	[ -z "${DEMO_TUN:-}" ] || chmod "$DEMO_TUN" /dev/net/tun
	tun_release
	ctr_teardown
}

@test "demo: all 9 steps pass, and nothing of it remains (step 9's user, its ids, trees and processes too)" {
	tun_hold # step 9 changes /dev/net/tun's mode and puts it back: not beside rootless.bats
	DEMO_TUN=$(stat -c %a /dev/net/tun)
	run ctr demo
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out"
	assert_success
	[ "$(grep -c '^== [1-9]\. ' <<<"$output")" -eq 9 ] || fail "not 9 steps: $output"
	[ "$(grep -c '=> PASS' <<<"$output")" -eq 10 ] || fail "not 10 checks passed: $output"
	refute_output --partial "=> FAIL"
	assert_line "demo: every step passed"
	[ -z "$(ctr ps -aq)" ]
	run ctr images
	refute_output --partial demo-rootfs
	# step 9: uid 0 inside, the user's own on the host; then the user is gone with all it made
	local u r
	output=$(cat "$BATS_TEST_TMPDIR/out")
	u=$(grep -o 'a throwaway user ctrrld[0-9a-f]*' <<<"$output" | awk '{ print $4 }')
	r=$(grep -o '^  ([^ ]*/root: this root' <<<"$output" | sed 's/^  (//; s/: this root$//')
	[ -n "$u" ] && [ -n "$r" ]
	grep -Eq "^  inside: 0; on the host PID [0-9]+ runs as uid [1-9][0-9]* \($u\)" <<<"$output"
	run ! id -u "$u"
	run ! grep -q "^$u:" /etc/subuid /etc/subgid
	# its own root (this root's pool untouched: no users/ directory), unmounted, removed
	[ ! -e "$CTR_ROOT/btrfs/users" ] && [ ! -e "$r" ]
	run ! grep -qF "$r" /proc/self/mounts
	[ "$(stat -c %a /dev/net/tun)" = "$DEMO_TUN" ]
	# (the exit action of a --rm container deletes its netns in the background)
	wait_for sh -c "! ip netns list 2>/dev/null | grep -q '^$CTR_PREFIX-'" || true
	[ -z "$(ip netns list 2>/dev/null | grep "^$CTR_PREFIX-")" ]
}

@test "demo --step 3 runs only that step; bad steps are refused" {
	run ctr demo --step 3
	assert_success
	assert_output --partial "== 3. The hostname is an argument"
	refute_output --partial "== 1."
	[ "$(grep -c '=> PASS' <<<"$output")" -eq 1 ]
	run ctr demo --step 10
	assert_failure 125
	assert_output "ctr: demo: --step 10: steps are 1 to 9"
}

# is_stopped PID: PID is stopped (state T in /proc/PID/stat; its name has no blank: ctr.sh's)
is_stopped() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ]; }

@test "demo: stopped midway (SIGTERM), it still removes its containers" {
	# the demo stops itself once both containers run (test hook), then gets SIGTERM there: a
	# demo that ended first (a loaded machine) would test nothing
	CTR_TEST_KILL_AT=demo:ran:stop "$CTR" demo --step 7 >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	wait_for is_stopped "$pid"
	[ "$(ctr ps -q | wc -l)" -eq 2 ]
	kill -TERM "$pid"
	kill -CONT "$pid"
	local rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 143 ] || fail "the demo exited $rc, not 143 (SIGTERM): $(cat "$BATS_TEST_TMPDIR/out")"
	[ -z "$(ctr ps -aq)" ]
}
