#!/usr/bin/env bats
# ctr-oci exec, ps, pause/resume, run, cgroup limits.

load helper

@test "ctr-oci exec: argv form with --env --cwd, exit code passed through" {
	args sleep 100
	create
	oci start "$ID"
	run oci exec --env FOO=bar --cwd /tmp "$ID" sh -c 'echo $FOO $(pwd); exit 7'
	[ "$status" -eq 7 ]
	assert_output "bar /tmp"
}

@test "ctr-oci exec: --process file, --detach with --pid-file; ps lists it" {
	args sleep 100
	create
	oci start "$ID"
	echo '{"args": ["sleep", "77"], "cwd": "/", "env": ["PATH=/bin"]}' >"$BATS_TEST_TMPDIR/p.json"
	oci_detached exec --process "$BATS_TEST_TMPDIR/p.json" --detach --pid-file "$BATS_TEST_TMPDIR/xpid" "$ID"
	assert_success
	xpid=$(cat "$BATS_TEST_TMPDIR/xpid")
	[ "$(wc -c <"$BATS_TEST_TMPDIR/xpid")" -eq "${#xpid}" ] # no newline, as runc (containerd's Atoi)
	[ "$(tr "\0" " " <"/proc/$xpid/cmdline")" = "sleep 77 " ]
	oci ps --format json "$ID" | jq -e --argjson p "$xpid" 'index($p) != null'
}

@test "ctr-oci pause/resume: paused in state, frozen processes, then running" {
	args sleep 100
	create
	oci start "$ID"
	run oci pause "$ID"
	assert_success
	[ "$(status "$ID")" = paused ]
	pid=$(oci state "$ID" | jq -r .pid)
	run oci pause "$ID"
	assert_failure
	run oci resume "$ID"
	assert_success
	[ "$(status "$ID")" = running ]
}

@test "ctr-oci: memory and pids limits land in the container's cgroup" {
	config '.linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 17}'
	args sleep 100
	create
	local mem=/sys/fs/cgroup/memory/$ID/memory.limit_in_bytes pids=/sys/fs/cgroup/pids/$ID
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then  # cgroup v2
		mem=/sys/fs/cgroup/$ID/memory.max pids=/sys/fs/cgroup/$ID
	fi
	[ "$(cat "$mem")" = 33554432 ]
	[ "$(cat "$pids/pids.max")" = 17 ]
	pid=$(oci state "$ID" | jq -r .pid)
	grep -qx "$pid" "$pids/cgroup.procs"
	echo '{"pids": {"limit": 9}}' | oci update --resources - "$ID"
	[ "$(cat "$pids/pids.max")" = 9 ]
}

@test "ctr-oci run: exit code of the process; state and cgroup removed" {
	args sh -c 'cat /proc/self/uid_map >/dev/null; hostname; exit 4'
	run oci run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 4 ]
	assert_output ctr
	[ ! -d "$ROOT/$ID" ]
	[ -z "$(cgroup_dirs)" ]
}

@test "ctr-oci run: the default device rules refuse the host's disk" {
	args sh -c 'mknod /tmp/sda b 8 0 && head -c1 /tmp/sda'
	config '.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output "mknod: /tmp/sda: Operation not permitted"
}

@test "ctr-oci run: a seccomp profile's errnoRet reaches the process" {
	config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
	args mkdir /tmp/x
	run oci run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "Permission denied"
}

@test "ctr-oci run: hooks get the state on stdin; poststop runs at delete" {
	cat >"$BATS_TEST_TMPDIR/hook" <<-HOOK
	#!/bin/sh
	jq -r '.id + " " + .status' >>"$BATS_TEST_TMPDIR/hooks.log"
	HOOK
	chmod +x "$BATS_TEST_TMPDIR/hook"
	h=$BATS_TEST_TMPDIR/hook
	config '.hooks = {"prestart": [{"path": $h}], "poststart": [{"path": $h}], "poststop": [{"path": $h}]}' --arg h "$h"
	args true
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	run cat "$BATS_TEST_TMPDIR/hooks.log"
	assert_line --index 0 "$ID creating"
	assert_line --index 2 "$ID stopped"
}

@test "ctr-oci start, delete: a failing poststart or poststop hook is a warning, the hooks after it run" {
	# runtime-spec: "the remaining hooks and lifecycle continue as if the hook had succeeded"
	log=$BATS_TEST_TMPDIR/hooks.log
	config '.hooks = {"poststart": [{"path": "/bin/false"}, {"path": "/bin/sh", "args": ["sh", "-c", "echo poststart >>" + $l]}],
		"poststop": [{"path": "/bin/false"}, {"path": "/bin/sh", "args": ["sh", "-c", "echo poststop >>" + $l]}]}' --arg l "$log"
	args true
	create
	run oci start "$ID"
	assert_success
	assert_output --partial "poststart hook /bin/false: exit status 1"
	run cat "$log"
	assert_output poststart
	wait_status "$ID" stopped
	run oci delete "$ID"
	assert_success
	assert_output --partial "poststop hook /bin/false: exit status 1"
	run cat "$log"
	assert_output "poststart
poststop"
	[ ! -d "$ROOT/$ID" ]
}

@test "ctr-oci run: a capability that cannot be mapped or granted is a warning, left out (runtime-spec 1.1)" {
	# CAP_TEST does not exist; CAP_SYSLOG (34) is out of the bounding set capsh leaves ctr-oci
	config '.process.capabilities |= map_values(. + ["CAP_TEST", "CAP_SYSLOG", "CAP_KILL"])'
	args sh -c 'grep CapBnd /proc/self/status'
	run capsh --drop=cap_syslog -- -c "exec $OCI --root $ROOT run --bundle $BUNDLE $ID"
	assert_success
	assert_line "ctr-oci: config.json: process.capabilities.bounding: CAP_TEST: unknown capability, ignored"
	assert_line "ctr-oci: config.json: process.capabilities.bounding: CAP_SYSLOG: not in ctr-oci's own set, ignored"
	# runc spec's AUDIT_WRITE, KILL, NET_BIND_SERVICE: bits 29, 5, 10
	assert_line --regexp '^CapBnd:[[:space:]]+0000000020000420$'
}

@test "ctr-oci run: a non-root user keeps the capabilities the config gives it (ambient: the kernel clears the rest at exec)" {
	config '.process.user = {"uid": 1000, "gid": 1000} | .process.capabilities.effective += ["CAP_CHOWN"] | .process.capabilities.permitted += ["CAP_CHOWN"] | .process.capabilities.bounding += ["CAP_CHOWN"] | .process.capabilities.inheritable = ["CAP_CHOWN"] | .process.capabilities.ambient = ["CAP_CHOWN"]'
	args sh -c 'id -u; grep CapEff /proc/self/status'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_line --index 0 1000
	assert_line --index 1 --regexp 'CapEff:[[:space:]]+0000000000000001'
}
