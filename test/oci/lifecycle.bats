#!/usr/bin/env bats
# ctr-oci create / start / state / kill / delete, the process contract engines rely on.

load helper

@test "ctr-oci create: created, pid file before it returns, init blocked until start" {
	args sh -c 'echo started >/tmp/mark; sleep 100'
	oci_detached create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
	assert_success
	# the bare number, as runc writes it: containerd-shim parses the file with strconv.Atoi,
	# which refuses a trailing newline
	run cat "$BATS_TEST_TMPDIR/pid"
	assert_output --regexp '^[1-9][0-9]*$'
	[ "$(wc -c <"$BATS_TEST_TMPDIR/pid")" -eq "${#output}" ]
	run oci state "$ID"
	assert_success
	[ "$(echo "$output" | jq -r .status)" = created ]
	[ "$(echo "$output" | jq -r .pid)" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
	[ "$(echo "$output" | jq -r .bundle)" = "$BUNDLE" ]
	[ "$(echo "$output" | jq -r .ociVersion)" != null ]
	[ ! -e "$BUNDLE/rootfs/tmp/mark" ]
	run oci start "$ID"
	assert_success
	[ "$(status "$ID")" = running ]
	for _ in $(seq 50); do [ -e "$BUNDLE/rootfs/tmp/mark" ] && break; sleep 0.1; done
	[ -e "$BUNDLE/rootfs/tmp/mark" ]
}

@test "ctr-oci start: a second start is refused" {
	args sleep 100
	create
	oci start "$ID"
	run oci start "$ID"
	assert_failure
	assert_output --partial "is running, not created"
}

@test "ctr-oci start: returns once the process runs (as runc), so a signal sent next reaches it" {
	# PATH: 30,000 times /l0 before /bin, /l0 a chain of 39 symlinks to nothing: the init's
	# search for sleep, after the fifo said go, takes a while (over a million links followed);
	# start must wait for the exec, not for the fifo's byte (the runtime-tools program
	# killsig sends TERM right after start)
	for i in $(seq 0 37); do ln -s "l$((i + 1))" "$BUNDLE/rootfs/l$i"; done
	ln -s nothing "$BUNDLE/rootfs/l38"
	config '.process.env = ["PATH=" + ("/l0:" * 30000) + "/bin"]'
	args sleep 100
	create --pid-file "$BATS_TEST_TMPDIR/pid"
	run oci start "$ID"
	assert_success
	run readlink "/proc/$(cat "$BATS_TEST_TMPDIR/pid")/exe"
	assert_output --regexp '/busybox$'
	[ ! -e "$ROOT/$ID/exec.fifo" ]
}

@test "ctr-oci state: annotations are reported; an unknown id is an error" {
	config '.annotations = {"org.example.k": "v"}'
	args sleep 100
	create
	[ "$(oci state "$ID" | jq -r '.annotations["org.example.k"]')" = v ]
	run oci state nosuch
	assert_failure
	assert_output --partial "container nosuch does not exist"
	run oci state ../etc
	assert_failure
	assert_output --partial "invalid container id"
}

@test "ctr-oci kill: by name and by number, stopped afterwards; --all reaches every process" {
	args sh -c 'trap "exit 3" TERM; sleep 100 & wait'
	create
	oci start "$ID"
	run oci kill "$ID" TERM
	assert_success
	wait_status "$ID" stopped
	oci delete "$ID"
	args sh -c 'sleep 100 & sleep 100'
	create
	oci start "$ID"
	for _ in $(seq 50); do [ "$(oci ps --format json "$ID" | jq length)" -ge 3 ] && break; sleep 0.1; done
	run oci kill --all "$ID" 9
	assert_success
	wait_status "$ID" stopped
	run oci kill "$ID" NOPE
	assert_failure
}

@test "ctr-oci delete: created and stopped ones; running needs --force; nothing is left" {
	args sleep 100
	create
	pid=$(oci state "$ID" | jq -r .pid)
	run oci delete "$ID"
	assert_success
	[ ! -d "$ROOT/$ID" ]
	! kill -0 "$pid" 2>/dev/null
	create
	oci start "$ID"
	run oci delete "$ID"
	assert_failure
	assert_output --partial "is running: stop it first, or --force"
	[ "$(status "$ID")" = running ]
	run oci delete --force "$ID"
	assert_success
	[ ! -d "$ROOT/$ID" ]
	[ -z "$(cgroup_dirs)" ]
}

@test "ctr-oci kill and delete work with an empty environment" {
	args sleep 100
	create
	oci start "$ID"
	run env -i "$OCI" --root "$ROOT" kill "$ID" KILL
	assert_success
	wait_status "$ID" stopped
	run env -i "$OCI" --root "$ROOT" delete "$ID"
	assert_success
}

@test "ctr-oci create: a failed create leaves no state dir, cgroup, mount or process" {
	config '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "none"}]'
	args sleep 100
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	[ ! -d "$ROOT/$ID" ]
	[ -z "$(cgroup_dirs)" ]
	run grep -c "$BUNDLE" /proc/self/mountinfo
	assert_output 0
	run pgrep -f "$ID"
	assert_failure
	# a failing prestart hook: the init existed, it is gone too
	config '.mounts |= map(select(.type != "nosuchfs")) | .hooks.prestart = [{"path": "/bin/false"}]'
	oci_detached create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
	assert_failure
	assert_output --partial "prestart hook /bin/false"
	[ ! -d "$ROOT/$ID" ]
	[ -z "$(cgroup_dirs)" ]
	run pgrep -f "$ID"
	assert_failure
}

@test "ctr-oci create: an unsupported field is an error naming it; a property the spec lacks is ignored" {
	config '.linux.intelRdt = {"closID": "x"}'
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "linux.intelRdt: not supported"
	config 'del(.linux.intelRdt) | .process.scheduler = {"policy": "SCHED_OTHER"}'
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "process.scheduler: not supported"
	[ ! -d "$ROOT/$ID" ]
	# runtime-spec, Extensibility: an unknown property MUST NOT be an error (runtime-tools'
	# misc_props); ctr-oci names it on stderr, once (start does not repeat it)
	config 'del(.process.scheduler) | .bogus = 1 | .process.bogus = {"x": 1}'
	args sh -c 'echo ran >/tmp/ran'
	create
	assert_output "ctr-oci: config.json: bogus: unknown property, ignored
ctr-oci: config.json: process.bogus: unknown property, ignored"
	run oci start "$ID"
	assert_success
	assert_output ""
	for _ in $(seq 50); do [ -e "$BUNDLE/rootfs/tmp/ran" ] && break; sleep 0.1; done
	[ -e "$BUNDLE/rootfs/tmp/ran" ]
}

@test "ctr-oci --log-format json: errors as JSON lines" {
	run oci --log "$BATS_TEST_TMPDIR/log" --log-format json state nosuch
	assert_failure
	run jq -r '.level + " " + .msg' "$BATS_TEST_TMPDIR/log"
	assert_output "error container nosuch does not exist"
	jq -e '.time | test("^[0-9-]+T[0-9:.]+Z$")' "$BATS_TEST_TMPDIR/log"
}

@test "ctr-oci: the init is a child of create's caller's subreaper, not of create" {
	args sleep 100
	# setsid + a subreaper: prctl via the probe is not at hand; the init's parent must not be create
	create
	pid=$(oci state "$ID" | jq -r .pid)
	ppid=$(awk '{print $4}' "/proc/$pid/stat")
	[ "$ppid" != "$$" ]
	kill -0 "$ppid"
	run grep -c ctr-oci "/proc/$ppid/cmdline"
	assert_output 0
}
