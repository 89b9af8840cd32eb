#!/usr/bin/env bats
# make image: the built-in busybox rootfs (images/mkrootfs.sh) and its static test programs.
# The programs run here under chroot (sharing the host's network and pid view) or under
# unshare with its own pid/mount namespace, which dies with the test: no mount is left.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
ROOTFS="$TOP/build/rootfs/busybox"
BIN="$ROOTFS/usr/local/bin"
PROGS="cpuhog forkbomb memhog orphans probe tcp-client tcp-server"

setup_file() {
	make -C "$TOP" image >/dev/null
}

teardown() {
	if [ -n "${server_pid:-}" ]; then kill -KILL "$server_pid" 2>/dev/null || true; fi
	if [ -n "${bg_pid:-}" ]; then kill -KILL -- "-$bg_pid" 2>/dev/null || true; fi
	if [ -n "${bg_job:-}" ]; then kill -KILL "$bg_job" 2>/dev/null || true; fi
	return 0
}

# wait_exit PID: wait (at most 5 s) for a background job to end, then give its status.
wait_exit() {
	wait_for eval "! kill -0 $1 2>/dev/null" || return 124
	wait "$1"
}

# field KEY: the value of KEY=... in $output (a probe's output).
field() {
	sed -n "s/^$1=//p" <<<"$output"
}

# wait_for CMD...: retry CMD for up to 5 s.
wait_for() {
	local i
	for i in $(seq 50); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

@test "image: busybox, one relative link per applet that resolves inside, /etc, the programs" {
	local applets links
	applets=$(/bin/busybox --list-full | grep -cv -e '^bin/busybox$' -e '^linuxrc$')
	links=$(find "$ROOTFS" -type l | wc -l)
	[ "$links" -eq "$applets" ]
	# no absolute link (it would point into the host) and none broken
	[ -z "$(find "$ROOTFS" -type l -lname '/*')" ]
	[ -z "$(find -L "$ROOTFS" -type l)" ]
	# every link leads to /bin/busybox: applets + the binary itself
	[ "$(find -L "$ROOTFS" -samefile "$ROOTFS/bin/busybox" | wc -l)" -eq $((applets + 1)) ]
	cmp /bin/busybox "$ROOTFS/bin/busybox"
	[ "$(readlink "$ROOTFS/usr/bin/env")" = ../../bin/busybox ]
	for p in $PROGS; do
		[ -x "$BIN/$p" ]
		run ldd "$BIN/$p"
		assert_failure
	done
	[ "$(stat -c %a "$ROOTFS/tmp")" = 1777 ]
	[ "$(stat -c %a "$ROOTFS/var/tmp")" = 1777 ]
	[ "$(stat -c %a "$ROOTFS/root")" = 700 ]
	for d in bin sbin usr/bin usr/sbin etc proc sys dev home run; do [ -d "$ROOTFS/$d" ]; done
}

@test "image: /etc names root and nobody, localhost, and the busybox version" {
	local version
	version=$(/bin/busybox | sed -n '1s/^BusyBox v\([^ ]*\).*/\1/p')
	[ -n "$version" ]
	run cat "$ROOTFS/etc/os-release"
	assert_line 'NAME="ctr busybox"'
	assert_line "VERSION_ID=$version"
	run chroot "$ROOTFS" /usr/bin/id nobody
	assert_output 'uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)'
	run chroot "$ROOTFS" /usr/bin/whoami
	assert_output root
	run grep -w localhost "$ROOTFS/etc/hosts"
	assert_line --regexp '^127\.0\.0\.1[[:space:]]+localhost'
	[ -f "$ROOTFS/etc/resolv.conf" ] && [ ! -s "$ROOTFS/etc/resolv.conf" ]
	[ -s "$ROOTFS/etc/hostname" ] && [ -s "$ROOTFS/etc/nsswitch.conf" ]
	# the stamp and the temp trees stay outside the rootfs
	run ls -A "$TOP/build/rootfs"
	assert_output "$(printf '.busybox.stamp-%s\nbusybox' "$(cksum </bin/busybox | cut -d' ' -f1)")"
}

@test "image: make is incremental: nothing to do, until busybox or a program changes" {
	run make -C "$TOP" -q image
	assert_success
	run make -C "$TOP" -q -W images/progs/probe.c image
	assert_failure 1
	run make -C "$TOP" -q -W images/mkrootfs.sh image
	assert_failure 1
	run make -C "$TOP" -q -W /bin/busybox image
	assert_failure 1
}

@test "probe: in its own pid and mount namespace, sees pid 1, the rootfs, an inherited fd" {
	run unshare --mount --pid --fork --mount-proc="$ROOTFS/proc" \
		chroot "$ROOTFS" /usr/local/bin/probe 7<"$ROOTFS/etc/hostname"
	assert_success
	[ "$(field pid)" = 1 ] && [ "$(field ppid)" = 0 ]
	[ "$(field uid)" = "$(id -u)" ] && [ "$(field gid)" = "$(id -g)" ]
	[ "$(field cwd)" = / ]
	[ "$(field hostname)" = "$(uname -n)" ]
	[ "$(field root_ino)" = "$(stat -c %i "$ROOTFS")" ]
	# opened outside the new mount namespace: the kernel names it by its host path
	[ "$(field fd.7)" = "$ROOTFS/etc/hostname" ]
	assert_line --regexp '^fds=0,1,2(,[0-9]+)*$'
	[ "$(field cap_eff)" = "$(awk '/^CapEff:/ {print $2}' /proc/self/status)" ]
	[ "$(field cap_bnd)" = "$(awk '/^CapBnd:/ {print $2}' /proc/self/status)" ]
	[ "$(field no_new_privs)" = "$(awk '/^NoNewPrivs:/ {print $2}' /proc/self/status)" ]
	[ "$(field seccomp)" = "$(awk '/^Seccomp:/ {print $2}' /proc/self/status)" ]
	# new pid and mount namespaces, the host's network namespace
	[ "$(field ns.pid)" != "$(readlink /proc/self/ns/pid)" ]
	[ "$(field ns.mnt)" != "$(readlink /proc/self/ns/mnt)" ]
	[ "$(field ns.net)" = "$(readlink /proc/self/ns/net)" ]
	# the proc mount went away with the namespace
	[ -z "$(ls -A "$ROOTFS/proc")" ]
}

@test "probe: without /proc, says what it cannot read and exits 1" {
	run chroot "$ROOTFS" /usr/local/bin/probe
	assert_failure 1
	assert_line 'probe: /proc/self/status: No such file or directory'
	assert_line 'cap_eff=?'
	assert_line --regexp '^pid=[0-9]+$'
	run chroot "$ROOTFS" /usr/local/bin/probe extra
	assert_failure 125
	assert_output 'probe: usage: probe (no arguments)'
}

@test "tcp-server in the rootfs answers tcp-client from the host on a random port" {
	local log="$BATS_TEST_TMPDIR/server.log" port
	chroot "$ROOTFS" /usr/local/bin/tcp-server -p 0 -n 1 >"$log" 2>&1 3>&- &
	server_pid=$!
	wait_for grep -q '^listening on ' "$log"
	port=$(sed -n 's/^listening on 0\.0\.0\.0:\([0-9]*\)$/\1/p' "$log")
	[ "$port" -gt 1024 ]
	run "$BIN/tcp-client" 127.0.0.1 "$port" hello "two words"
	assert_success
	assert_line --index 0 --regexp "^connected 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$port\$"
	assert_line --index 1 "$(uname -n) 127.0.0.1: echo hello"
	assert_line --index 2 "$(uname -n) 127.0.0.1: echo two words"
	# -n 1: the server ends by itself after the one connection
	wait_exit "$server_pid"
	server_pid=
	run cat "$log"
	assert_line --regexp "^connection from 127\.0\.0\.1:[0-9]+ to 127\.0\.0\.1:$port\$"
	assert_line --regexp '^127\.0\.0\.1:[0-9]+ said: two words$'
	run "$BIN/tcp-client" 127.0.0.1 "$port" again
	assert_failure 1
	assert_output "tcp-client: connect to 127.0.0.1:$port: Connection refused"
}

@test "memhog: 50 MiB in steps; a malloc failure is exit 1, not a kill" {
	run chroot "$ROOTFS" /usr/local/bin/memhog 50
	assert_success
	assert_line --index 0 'allocated 10 MiB'
	assert_line 'allocated 50 MiB'
	assert_line --index 5 'done 50 MiB'
	run prlimit --as=$((100 * 1024 * 1024)) chroot "$ROOTFS" /usr/local/bin/memhog 200 --step 20
	assert_failure 1
	assert_line --regexp '^memhog: malloc 20 MiB after [0-9]+ MiB: Cannot allocate memory$'
}

@test "forkbomb: stops at MAX, or at the first failing fork, and leaves no child" {
	local copy="$BATS_TEST_TMPDIR/forkbomb-$$"
	cp "$BIN/forkbomb" "$copy"
	run "$copy" 5
	assert_success
	assert_output 'forked 5'
	run pgrep -f "$copy"
	assert_failure 1
	# as nobody with at most 10 processes: fork fails long before MAX
	run prlimit --nproc=10 chroot --userspec=65534:65534 "$ROOTFS" /usr/local/bin/forkbomb 50
	assert_success
	assert_line --index 0 --regexp '^forked [0-9]$'
	assert_line --index 1 'fork: Resource temporarily unavailable'
}

@test "cpuhog: reports cpu and wall time; SIGTERM ends a run without a deadline" {
	local log="$BATS_TEST_TMPDIR/cpuhog.log" cpu wall
	run "$BIN/cpuhog" 0.3 2
	assert_success
	assert_output --regexp '^cpu_ms=[0-9]+ wall_ms=[0-9]+$'
	cpu=$(sed -n 's/^cpu_ms=\([0-9]*\) .*/\1/p' <<<"$output")
	wall=$(sed -n 's/.* wall_ms=\([0-9]*\)$/\1/p' <<<"$output")
	[ "$wall" -ge 300 ] && [ "$wall" -lt 10000 ] # a deadline, not a speed: a loaded machine may be late
	[ "$cpu" -gt 0 ] # it burnt CPU (how much depends on the load)
	"$BIN/cpuhog" >"$log" 3>&- &
	server_pid=$!
	sleep 0.3
	kill -TERM "$server_pid"
	wait_exit "$server_pid"
	server_pid=
	run cat "$log"
	assert_output --regexp '^cpu_ms=[0-9]+ wall_ms=[0-9]+$'
}

@test "orphans: the grandchildren outlive their parents and are reparented" {
	run "$BIN/orphans" 3
	assert_success
	assert_line 'orphaned 3'
	[ "$(grep -c '^child ' <<<"$output")" -eq 3 ]
	[ "$(grep -c '^grandchild ' <<<"$output")" -eq 3 ]
	# each grandchild's new parent is not the child that forked it
	while read -r _ c _ g; do
		assert_line --regexp "^grandchild $g reparented to [0-9]+\$"
		refute_line "grandchild $g reparented to $c"
	done < <(grep '^child ' <<<"$output")
}

# fake_busybox: a "busybox" that hangs while listing its applets, so a build can be
# interrupted in the middle. ldd rejects a script, so mkrootfs takes it as static.
fake_busybox() {
	cat >"$BATS_TEST_TMPDIR/busybox" <<-'EOF'
		#!/bin/sh
		[ "${1:-}" = --list-full ] && exec sleep 30
		echo 'BusyBox v0.0 (fake) multi-call binary.'
	EOF
	chmod +x "$BATS_TEST_TMPDIR/busybox"
}

# interrupt_build DEST: start mkrootfs in its own session, hit the whole session with
# SIGTERM (like ^C on make) once its temp dir exists; its status is mkrootfs's.
interrupt_build() {
	local tmpdir rc=0
	BUSYBOX="$BATS_TEST_TMPDIR/busybox" setsid -w sh "$TOP/images/mkrootfs.sh" "$1" 3>&- &
	bg_job=$!
	wait_for compgen -G "$(dirname "$1")/.$(basename "$1").tmp.*" >/dev/null
	tmpdir=$(compgen -G "$(dirname "$1")/.$(basename "$1").tmp.*")
	bg_pid=${tmpdir##*.} # mkrootfs's $$: the session (and process group) leader
	kill -TERM -- "-$bg_pid"
	# waited for: its pid and group are free again, another test's to have (teardown kills
	# them only when the build outlived this)
	wait_exit "$bg_job" || rc=$?
	[ "$rc" = 124 ] || bg_pid='' bg_job=''
	return "$rc"
}

@test "mkrootfs: an interrupted build leaves no DEST and no temp dir" {
	local rc=0
	fake_busybox
	interrupt_build "$BATS_TEST_TMPDIR/out/busybox" || rc=$?
	[ "$rc" -eq 143 ]
	[ ! -e "$BATS_TEST_TMPDIR/out/busybox" ]
	run ls -A "$BATS_TEST_TMPDIR/out"
	assert_output ''
}

@test "mkrootfs: an interrupted rebuild keeps the old DEST; a finished one replaces it" {
	local dest="$BATS_TEST_TMPDIR/out/busybox" rc=0
	mkdir -p "$dest"
	touch "$dest/old-marker"
	fake_busybox
	interrupt_build "$dest" || rc=$?
	[ "$rc" -eq 143 ]
	[ -e "$dest/old-marker" ]
	run ls -A "$BATS_TEST_TMPDIR/out"
	assert_output busybox
	run sh "$TOP/images/mkrootfs.sh" "$dest" "$BIN/probe"
	assert_success
	[ ! -e "$dest/old-marker" ] && [ -x "$dest/bin/busybox" ] && [ -x "$dest/usr/local/bin/probe" ]
	run ls -A "$BATS_TEST_TMPDIR/out"
	assert_output busybox
}

@test "mkrootfs: a missing busybox or no DEST is a clear error that builds nothing" {
	run env BUSYBOX=/no/busybox sh "$TOP/images/mkrootfs.sh" "$BATS_TEST_TMPDIR/out/busybox"
	assert_failure 1
	assert_output 'mkrootfs: /no/busybox: not found (install busybox-static)'
	[ ! -e "$BATS_TEST_TMPDIR/out" ]
	run sh "$TOP/images/mkrootfs.sh"
	assert_failure 1
	assert_output 'mkrootfs: usage: mkrootfs.sh DEST [PROG...]'
}
