#!/usr/bin/env bats
# ctr-oci: config.json fields as the runtime-spec and runc honour them (what the
# runtime-tools validation suite checks from inside the container).

load helper

@test "ctr-oci run: a seccomp profile leaves no_new_privs as noNewPrivileges says; a non-root user gets the filter too" {
	config '.process.noNewPrivileges = false | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
	args sh -c 'grep NoNewPrivs /proc/self/status; mkdir /tmp/x'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_line --index 0 --regexp 'NoNewPrivs:[[:space:]]+0'
	assert_line --index 1 --partial "Permission denied"
	oci delete "$ID" 2>/dev/null || true
	config '.process.user = {"uid": 1000, "gid": 1000}'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_line --index 0 --regexp 'NoNewPrivs:[[:space:]]+0'
	assert_line --index 1 --partial "Permission denied"
	oci delete "$ID" 2>/dev/null || true
	config '.process.noNewPrivileges = true'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_line --index 0 --regexp 'NoNewPrivs:[[:space:]]+1'
	assert_line --index 1 --partial "Permission denied"
}
