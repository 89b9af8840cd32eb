#!/usr/bin/env bats
# containerd 1.6 (Debian's) runs its containers on build/ctr-oci: its io.containerd.runc.v2 shim
# is pointed at ctr-oci with `ctr run --runc-binary`. Nothing is mocked: one containerd per file,
# started here with its own config (root, state, socket, ctr-oci's --root and the shim's
# temporary files under this file's directory; no CRI; the overlayfs snapshotter), driven with
# containerd's own client, /usr/bin/ctr (called by path: ours is build/ctr-oci).
# teardown_file removes everything even when a test failed: containerd, the shims and clients
# that name its socket, the containers' processes and cgroups (/sys/fs/cgroup/*/NS: containerd's
# cgroupsPath is /NS/ID), every mount under the directory, and /run/containerd/s, where shims
# put their sockets whatever the config says, when it did not exist before.

bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load ../wait
load ../tmux
WAIT_FOR_SECONDS=10

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
OCI="$TOP/build/ctr-oci"
IMAGE=docker.io/library/busybox:ctr-oci

setup_file() {
	export D="$BATS_FILE_TMPDIR" CD_SKIP=''
	NS="ctrt$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
	export SOCK="$D/c.sock" NS
	if [ ! -x /usr/bin/containerd ] || [ ! -x /usr/bin/ctr ] || [ ! -x /usr/bin/containerd-shim-runc-v2 ]; then
		CD_SKIP="containerd is not installed (apt-get install containerd)"
		return 0
	fi
	[ "$(id -u)" = 0 ] || { CD_SKIP="containerd needs root"; return 0; }
	[ -d /run/containerd/s ] || touch "$D/made-run-containerd-s"
	[ -d /run/containerd ] || touch "$D/made-run-containerd"
	export CONTAINERD_SNAPSHOTTER=overlayfs
	grep -qw overlay /proc/filesystems || CONTAINERD_SNAPSHOTTER=native
	make_config
	make_image "$D/image.tar"
	mkdir -p "$D/tmp" "$D/fifo"
	# fd 3 closed: bats waits for whatever holds it. TMPDIR: the shim's process and pty files.
	TMPDIR="$D/tmp" /usr/bin/containerd --config "$D/config.toml" >"$D/containerd.log" 2>&1 3>&- &
	echo $! >"$D/containerd.pid"
	local i
	for i in $(seq 100); do
		cdctr version >/dev/null 2>&1 && break
		kill -0 "$(cat "$D/containerd.pid")" 2>/dev/null || break
		sleep 0.1
	done
	cdctr version >/dev/null || { cat "$D/containerd.log" >&2; return 1; }
	cdctr images import "$D/image.tar" >/dev/null
}

# make_config: containerd's config.toml: everything under $D, only what ctr run needs.
make_config() {
	cat >"$D/config.toml" <<EOF
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
  "io.containerd.internal.v1.restart", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[plugins."io.containerd.runtime.v1.linux"]
  runtime_root = "$D/runtime-v1"
EOF
}

# make_image TAR: build/rootfs/busybox as an OCI image layout tar (one uncompressed layer).
make_image() {
	local l="$D/layout" layer config manifest  # the layer is not compressed: its diff_id is its digest
	mkdir -p "$l/blobs/sha256"
	tar -C "$TOP/build/rootfs/busybox" --numeric-owner --owner=0 --group=0 --sort=name -cf "$l/layer" .
	layer=$(blob "$l/layer")
	jq -cn --arg d "$(jq -r .digest <<<"$layer")" '{architecture: "amd64", os: "linux",
		config: {Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"]},
		rootfs: {type: "layers", diff_ids: [$d]}}' >"$l/config"
	config=$(blob "$l/config")
	jq -cn --argjson c "$config" --argjson l "$layer" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: ($c + {mediaType: "application/vnd.oci.image.config.v1+json"}),
		layers: [$l + {mediaType: "application/vnd.oci.image.layer.v1.tar"}]}' >"$l/manifest"
	manifest=$(blob "$l/manifest")
	jq -cn --argjson m "$manifest" --arg n "$IMAGE" '{schemaVersion: 2,
		manifests: [$m + {mediaType: "application/vnd.oci.image.manifest.v1+json",
			annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": "ctr-oci"}}]}' \
		>"$l/index.json"
	echo '{"imageLayoutVersion": "1.0.0"}' >"$l/oci-layout"
	tar -C "$l" -cf "$1" oci-layout index.json blobs
}

# blob FILE: move FILE into the layout's blobs; print its descriptor {digest, size}.
blob() {
	local d s
	d=$(sha256sum <"$1" | cut -d' ' -f1)
	s=$(stat -c %s "$1")
	mv "$1" "${1%/*}/blobs/sha256/$d"
	jq -cn --arg d "sha256:$d" --argjson s "$s" '{digest: $d, size: $s}'
}

teardown_file() {
	[ -f "$D/containerd.pid" ] || return 0
	local p cg i
	kill -TERM "$(cat "$D/containerd.pid")" 2>/dev/null
	# the shims and clients of this containerd: processes with "$SOCK" as an argument (a
	# pattern file, so that grep's own argv does not match)
	printf '%s\n' "$SOCK" >"$D/sock.pattern"
	for p in $(grep -lzxF -f "$D/sock.pattern" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
		kill -KILL "$p" 2>/dev/null
	done
	# the containers' processes (thawed first: a frozen task does not die), then their cgroups
	for cg in /sys/fs/cgroup/*/"$NS" /sys/fs/cgroup/"$NS"; do
		[ -d "$cg" ] || continue
		find "$cg" -name freezer.state -exec sh -c 'for f; do echo THAWED >"$f"; done' _ {} + 2>/dev/null
		find "$cg" -name cgroup.freeze -exec sh -c 'for f; do echo 0 >"$f"; done' _ {} + 2>/dev/null
		find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	done
	for i in $(seq 50); do
		for cg in /sys/fs/cgroup/*/"$NS" /sys/fs/cgroup/"$NS"; do
			[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		ls -d /sys/fs/cgroup/*/"$NS" /sys/fs/cgroup/"$NS" >/dev/null 2>&1 || break
		sleep 0.1
	done
	for i in $(seq 50); do
		kill -0 "$(cat "$D/containerd.pid")" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$(cat "$D/containerd.pid")" 2>/dev/null
	# the sockets of the shims killed above (a shim removes its own when it exits cleanly)
	for p in "$D/state/io.containerd.runtime.v2.task/$NS"/*/address; do
		[ -f "$p" ] || continue
		p=$(cat "$p")
		case ${p#unix://} in /run/containerd/s/[0-9a-f]*) rm -f "${p#unix://}" ;; esac
	done
	# the snapshots' and containers' mounts, deepest first
	awk -v d="$D/" 'substr($5, 1, length(d)) == d { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r p; do umount "$p" 2>/dev/null || umount -l "$p"; done
	[ ! -f "$D/made-run-containerd-s" ] || rmdir /run/containerd/s 2>/dev/null
	[ ! -f "$D/made-run-containerd" ] || rmdir /run/containerd 2>/dev/null
	return 0
}

setup() {
	[ -z "$CD_SKIP" ] || skip "$CD_SKIP"
	ID="$NS-$BATS_TEST_NUMBER"  # unique on the host: test 5 finds its shim by it
	T=$BATS_TEST_TMPDIR
	TS=$T/tmux.sock
}

teardown() {
	[ -z "$CD_SKIP" ] || return 0
	[ -n "${BATS_TEST_COMPLETED:-}" ] || { echo "# the end of containerd's log:"; tail -n 15 "$D/containerd.log"; }
	tmux -S "$TS" kill-server 2>/dev/null
	local id
	for id in $(cdctr tasks ls -q 2>/dev/null); do cdctr tasks delete --force "$id" >/dev/null 2>&1; done
	for id in $(cdctr containers ls -q 2>/dev/null); do cdctr containers rm "$id" >/dev/null 2>&1; done
	return 0
}

# cdctr ARGS: containerd's client on this file's containerd, in its namespace
cdctr() { /usr/bin/ctr --address "$SOCK" -n "$NS" "$@"; }

# crun ARGS: `ctr run` on ctr-oci (state under $D/oci/$NS, the FIFOs under $D)
crun() { cdctr run --runc-binary "$OCI" --runc-root "$D/oci" --fifo-dir "$D/fifo" "$@"; }

# oci ARGS: ctr-oci on the root that containerd-shim gives it
oci() { "$OCI" --root "$D/oci/$NS" "$@"; }

# task_field ID N: field N of the task's line in `ctr tasks ls` (2: pid, 3: status)
task_field() { cdctr tasks ls | awk -v id="$1" -v n="$2" '$1 == id { print $n }'; }

not() { ! "$@"; }

task_is() { [ "$(task_field "$1" 3)" = "$2" ]; }

# cg_file ID FILE: FILE of the container's cgroup (v1: the freezer hierarchy; v2: unified)
cg_file() {
	if [ -d /sys/fs/cgroup/freezer ]; then
		echo "/sys/fs/cgroup/freezer/$NS/$1/$2"
	else
		echo "/sys/fs/cgroup/$NS/$1/$2"
	fi
}

# frozen ID: the container's cgroup is frozen (v1 freezer.state, v2 cgroup.events)
frozen() {
	grep -qx FROZEN "$(cg_file "$1" freezer.state)" 2>/dev/null ||
		grep -qx 'frozen 1' "$(cg_file "$1" cgroup.events)" 2>/dev/null
}

# runs ID COMM: a process named COMM runs in the container
runs() { xargs -r -n1 sh -c 'cat "/proc/$0/comm"' <"$(cg_file "$1" cgroup.procs)" 2>/dev/null | grep -qx "$2"; }

@test "containerd: ctr run --rm --runc-binary ctr-oci shows the output, returns the exit code, leaves no state" {
	run crun --rm "$IMAGE" "$ID" sh -c 'echo "hello from busybox"; ls /; exit 3'
	assert_equal "$status" 3
	assert_line 'hello from busybox'
	assert_line bin
	# ctr-oci made its state under the --runc-root containerd gave it, and deleted it with the task
	[ -d "$D/oci/$NS" ]
	run oci list -q
	refute_output --partial "$ID"
	run cdctr containers ls -q
	refute_output --partial "$ID"
	[ ! -e "/run/containerd/runc/$NS" ]
}

@test "containerd: run -d, tasks ls/ps, exec, pause/resume, kill -s TERM, delete" {
	crun -d "$IMAGE" "$ID" sh -c 'trap "exit 7" TERM; while :; do sleep 1; done'
	wait_for task_is "$ID" RUNNING
	pid=$(task_field "$ID" 2)
	# the task is ctr-oci's container: the same pid, running
	run oci state "$ID"
	assert_success
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .pid <<<"$output")" = "$pid" ]
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = 'sh -c trap "exit 7" TERM; while :; do sleep 1; done ' ]
	grep -q ":/$NS/$ID\$" "/proc/$pid/cgroup"
	# exec: its output, its exit code, in the container's namespaces
	run cdctr tasks exec --fifo-dir "$D/fifo" --exec-id e1 "$ID" sh -c 'echo "pid 1 is $(cat /proc/1/comm)"; exit 5'
	assert_equal "$status" 5
	assert_output 'pid 1 is sh'
	cdctr tasks exec --fifo-dir "$D/fifo" -d --exec-id e2 "$ID" sleep 77
	run cdctr tasks ps "$ID"
	assert_success
	assert_line --regexp "^$pid +"
	assert_line --regexp 'ExecID:e2'
	epid=$(awk '/ExecID:e2/ { print $1 }' <<<"$output")
	[ "$(tr '\0' ' ' <"/proc/$epid/cmdline")" = 'sleep 77 ' ]
	# pause: the processes are frozen, ctr-oci says paused
	cdctr tasks pause "$ID"
	task_is "$ID" PAUSED
	[ "$(oci state "$ID" | jq -r .status)" = paused ]
	frozen "$ID"
	cdctr tasks resume "$ID"
	task_is "$ID" RUNNING
	! frozen "$ID"
	# SIGTERM reaches the shell, whose trap exits 7
	cdctr tasks kill -s TERM "$ID"
	wait_for task_is "$ID" STOPPED
	[ "$(oci state "$ID" | jq -r .status)" = stopped ]
	run cdctr tasks delete "$ID"
	assert_success
	assert_output --partial 'exit code 7'
	run oci list -q
	refute_output --partial "$ID"
	[ ! -e "/proc/$pid" ] || [ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" != 'sh -c trap "exit 7" TERM; while :; do sleep 1; done ' ]
	cdctr containers rm "$ID"
}

@test "containerd: ctr run's options reach the container: seccomp, read-only, memory, caps, env, cwd, mount" {
	mkdir "$T/vol"
	echo 'from the host' >"$T/vol/file"
	crun -d --seccomp --read-only --memory-limit 67108864 --cap-drop CAP_NET_RAW --env FOO=bar --cwd /tmp \
		--mount "type=bind,src=$T/vol,dst=/vol,options=rbind:ro" "$IMAGE" "$ID" sleep 1000
	wait_for task_is "$ID" RUNNING
	pid=$(task_field "$ID" 2)
	[ "$(oci state "$ID" | jq .pid)" = "$pid" ]  # ctr-oci's container (ctr ignores --runc-binary with --uidmap)
	grep -q '^Seccomp:[[:space:]]*2$' "/proc/$pid/status"
	if [ -d /sys/fs/cgroup/memory ]; then
		[ "$(cat "/sys/fs/cgroup/memory/$NS/$ID/memory.limit_in_bytes")" = 67108864 ]
	else
		[ "$(cat "/sys/fs/cgroup/$NS/$ID/memory.max")" = 67108864 ]
	fi
	# CAP_NET_RAW is bit 13: the bounding set has every default cap but it
	[ $((0x$(awk '/^CapBnd:/ { print $2 }' "/proc/$pid/status") & 0x2000)) -eq 0 ]
	[ $((0x$(awk '/^CapBnd:/ { print $2 }' "/proc/$pid/status") & 0x400)) -ne 0 ]  # CAP_NET_BIND_SERVICE kept
	# what the process has, read from /proc: containerd 1.6's client may lose a short exec's output
	# (its copy is cancelled at exit, also with runc; fixed upstream after 1.6)
	[ "$(readlink "/proc/$pid/cwd")" = /tmp ]
	tr '\0' '\n' <"/proc/$pid/environ" | grep -qx FOO=bar
	[ "$(cat "/proc/$pid/root/vol/file")" = 'from the host' ]
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = 0 ]
	# the root and the volume are read-only: a write in the container fails, nothing reaches the host
	run cdctr tasks exec --fifo-dir "$D/fifo" --exec-id e1 "$ID" sh -c 'touch /x || touch /vol/y || exit 42'
	assert_equal "$status" 42
	[ ! -e "$T/vol/y" ] && [ ! -e "/proc/$pid/root/x" ]
	run awk '$5 == "/" || $5 == "/vol" { print $5, $6 }' "/proc/$pid/mountinfo"
	assert_line --regexp '^/ ro(,|$)'
	assert_line --regexp '^/vol ro(,|$)'
}

@test "containerd: run -t and tasks exec -t in a real terminal: prompt, tty, window size, Ctrl-C, exit code" {
	cat >"$T/term.sh" <<-EOF
		$(declare -f cdctr crun)
		SOCK=$SOCK NS=$NS OCI=$OCI D=$D
		crun -t --rm "$IMAGE" "$ID" sh
		echo "rc=\$?"
		exec sleep 600
	EOF
	cat >"$T/exec.sh" <<-EOF
		$(declare -f cdctr)
		SOCK=$SOCK NS=$NS
		cdctr tasks exec -t --fifo-dir "$D/fifo" --exec-id x1 "$ID" sh
		echo "rc=\$?"
		exec sleep 600
	EOF
	term_open "$T/term.sh"
	has() { screen | grep -q -- "$1"; }
	# size_is ROWS COLS: `stty size` in the terminal shows it. ctr sends the terminal's size
	# to the shim after start and on SIGWINCH, which resizes the pty: asynchronous, so ask
	# again until it shows (20 tries)
	size_is() {
		local i
		for i in $(seq 20); do
			keys 'clear; stty size' Enter
			wait_for has '^[0-9]* [0-9]*$'
			has "^$1 $2\$" && return 0
		done
		return 1
	}
	wait_for has '^/ #' || fail "no prompt: $(screen)"
	[ "$(oci state "$ID" | jq -r .status)" = running ]
	keys 'tty; stty size' Enter
	wait_for has '^24 80' || fail "$(screen)"
	has '^/dev/pts/0'
	term_resize 100 30
	size_is 30 100 || fail "the new size did not reach the container: $(screen)"
	keys 'sleep 100' Enter
	wait_for runs "$ID" sleep || fail "no sleep: $(screen)"
	keys C-c
	wait_for not runs "$ID" sleep || fail "Ctrl-C did not interrupt sleep: $(screen)"
	keys 'echo after=$?' Enter
	wait_for has '^after=130' || fail "sleep did not die of SIGINT: $(screen)"
	# a second terminal: tasks exec -t into the same container, its own pty
	term_open "$T/exec.sh" x 90 20
	W=x
	wait_for has '^/ #' || fail "no prompt in exec -t: $(screen)"
	size_is 20 90 || fail "exec -t: not the terminal's size: $(screen)"
	keys 'tty; cat /proc/1/comm' Enter
	wait_for has '^/dev/pts/1' || fail "$(screen)"
	wait_for has '^sh$' || fail "$(screen)"
	# (the echo of what is typed just before the exit may not reach the terminal: the shim and
	# the client stop copying when the process ends; hence rc= anywhere on its line)
	pid=$(task_field "$ID" 2)
	keys 'exit 6' Enter
	wait_for has 'rc=6$' || fail "$(term_report "$pid")"
	W=t
	keys 'exit 4' Enter
	wait_for has 'rc=4$' || fail "$(term_report "$pid")"
}

@test "containerd-shim's calls: --root/--log/--log-format json before each verb, ps --format json, delete --force" {
	crun -d "$IMAGE" "$ID" sleep 1000
	wait_for task_is "$ID" RUNNING
	pid=$(task_field "$ID" 2)
	bundle="$D/state/io.containerd.runtime.v2.task/$NS/$ID"
	# --root: the shim's Root (--runc-root) with the namespace appended holds ctr-oci's state
	[ "$(jq -r .pid "$D/oci/$NS/$ID/state.json")" = "$pid" ]
	# what the shim runs for `ctr tasks ps`, by hand: the same pids
	run "$OCI" --root "$D/oci/$NS" --log "$bundle/log.json" --log-format json ps --format json "$ID"
	assert_success
	[ "$(jq -c . <<<"$output")" = "[$pid]" ]
	run cdctr tasks ps "$ID"
	assert_line --regexp "^$pid +"
	# an error of ctr-oci reaches the user through --log-format json: containerd-shim reads the
	# last line of its log.json back
	run cdctr tasks exec --fifo-dir "$D/fifo" --exec-id bad "$ID" /no/such/program
	assert_failure
	assert_output --partial 'OCI runtime exec failed'
	assert_output --partial '/no/such/program: No such file or directory'
	jq -e 'select(.level == "error" and (.msg | test("/no/such/program")))' "$bundle/log.json" >/dev/null
	run "$OCI" --root "$D/oci/$NS" --log "$T/log.json" --log-format json kill no-such-container 9
	assert_failure
	jq -e '.level == "error" and (.msg | test("no-such-container")) and (.time | test("Z$"))' "$T/log.json"
	# delete --force of a running task: the shim kills the container (kill --all 9) and runs
	# delete --force; nothing is left of it
	run cdctr tasks delete --force "$ID"
	assert_success
	run cdctr tasks ls -q
	refute_output --partial "$ID"
	wait_for sh -c '! kill -0 "$1" 2>/dev/null' _ "$pid"
	run oci list -q
	refute_output --partial "$ID"
	cdctr containers rm "$ID"
}

@test "containerd: a removed container leaves no mount, shim, cgroup, ctr-oci state or snapshot" {
	crun -d "$IMAGE" "$ID" sleep 1000
	wait_for task_is "$ID" RUNNING
	bundle="$D/state/io.containerd.runtime.v2.task/$NS/$ID"
	grep -q " $bundle/rootfs " /proc/self/mountinfo
	ls -d /sys/fs/cgroup/*/"$NS/$ID" >/dev/null
	printf '%s\n' "$ID" >"$T/id.pattern"
	grep -lzxF -f "$T/id.pattern" /proc/[0-9]*/cmdline >"$T/shims" 2>/dev/null || true  # processes come and go
	[ -s "$T/shims" ]
	cdctr tasks kill -s KILL "$ID"
	wait_for task_is "$ID" STOPPED
	cdctr tasks delete "$ID"
	cdctr containers rm "$ID"
	run grep -F " $bundle/" /proc/self/mountinfo
	assert_failure
	run ls -d /sys/fs/cgroup/*/"$NS/$ID"
	assert_failure
	wait_for sh -c '! grep -lzxF -f "$1" /proc/[0-9]*/cmdline 2>/dev/null | grep -q .' _ "$T/id.pattern" ||
		fail "a process still names $ID: $(cat "$T/shims")"
	[ ! -e "$D/oci/$NS/$ID" ]
	run cdctr snapshots ls
	refute_output --partial "$ID"
}
