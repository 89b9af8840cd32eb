#!/usr/bin/env bats
# demo: the narrated walkthrough passes every step and leaves nothing behind.

load helper

@test "demo: all 8 steps pass, and nothing of it remains" {
	run ctr demo
	assert_success
	[ "$(grep -c '^== [1-8]\. ' <<<"$output")" -eq 8 ] || fail "not 8 steps: $output"
	[ "$(grep -c '=> PASS' <<<"$output")" -eq 9 ] || fail "not 9 checks passed: $output"
	refute_output --partial "=> FAIL"
	assert_line "demo: every step passed"
	[ -z "$(ctr ps -aq)" ]
	run ctr images
	refute_output --partial demo-rootfs
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
	run ctr demo --step 9
	assert_failure 125
	assert_output "ctr: demo: --step 9: steps are 1 to 8"
}

@test "demo: stopped midway (SIGTERM), it still removes its containers" {
	"$CTR" demo --step 7 >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	wait_for grep -q 'answers' "$BATS_TEST_TMPDIR/out"
	kill -TERM "$pid"
	wait "$pid" || true
	[ -z "$(ctr ps -aq)" ]
}
