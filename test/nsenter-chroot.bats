#!/usr/bin/env bats
# nsenter-chroot: the helper alone, run against a busybox rootfs, checked from
# inside the container and from the host.
# NSENTER selects the binary (default build/nsenter-chroot); the last test runs
# this whole file again against the ASan/UBSan build (build/asan/nsenter-chroot).

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	export REPO
	export NSENTER="${NSENTER:-$REPO/build/nsenter-chroot}"
	[ -x "$NSENTER" ] || make -C "$REPO" -s "${NSENTER#"$REPO"/}" >&2
	export ROOTFS="$BATS_FILE_TMPDIR/rootfs"
	make_rootfs "$ROOTFS"
	export CONSOLE_RECV="$BATS_FILE_TMPDIR/console-recv"
	make_console_recv "$CONSOLE_RECV"
}

# make_rootfs DIR: a copy of `make image`'s busybox rootfs when it exists (tests
# write into the rootfs), else a throwaway one: bin/busybox + applet links.
make_rootfs() {
	if [ -x "$REPO/build/rootfs/busybox/bin/busybox" ]; then
		cp -a "$REPO/build/rootfs/busybox" "$1"
	else
		mkdir -p "$1/bin" "$1/tmp" "$1/etc"
		cp /bin/busybox "$1/bin/busybox"
		for a in $(/bin/busybox --list); do
			[ "$a" = busybox ] || ln -s busybox "$1/bin/$a"
		done
	fi
}

# make_console_recv OUT: a tiny receiver for --console-fd. It runs its argv with
# one end of a socketpair as fd 3, receives the pty master (SCM_RIGHTS), copies
# everything PROG writes to the terminal onto stdout and exits with the status.
make_console_recv() {
	cat >"$BATS_FILE_TMPDIR/console-recv.c" <<'EOF'
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	int sv[2], fd = -1, st;
	char buf[4096], c;
	struct iovec iov = { &c, 1 };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	ssize_t n;
	if (argc < 2 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 2;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(sv[1], 3);
		execv(argv[1], argv + 1);
		_exit(99);
	}
	close(sv[1]);
	if (recvmsg(sv[0], &m, 0) == 1 && CMSG_FIRSTHDR(&m))
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(fd));
	close(sv[0]);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		write(1, buf, (size_t)n);
	waitpid(pid, &st, 0);
	return fd < 0 ? 98 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
EOF
	cc -o "$1" "$BATS_FILE_TMPDIR/console-recv.c"
}

setup() {
	T=$BATS_TEST_TMPDIR
	PREFIX="nsct$$"
	NETNS=""
	CGROUPS=""
}

# teardown: the container dies with its helper (parent-death signal); a cgroup
# can be removed only once its last process is gone, so wait for that.
teardown() {
	if [ -f "$T/helper.pid" ]; then
		kill -KILL "$(cat "$T/helper.pid")" 2>/dev/null || true
		wait "$(cat "$T/helper.pid")" 2>/dev/null || true
	fi
	[ ! -f "$T/pid" ] || wait_gone "$(cat "$T/pid")"
	# --detach's PID 1, while it is one: in a pid namespace of its own (its pid, once it has
	# exited, may be another test's process by now)
	if [ -f "$T/cpid" ] && [ "$(readlink "/proc/$(cat "$T/cpid")/ns/pid" 2>/dev/null)" != "$(readlink /proc/self/ns/pid)" ]; then
		kill -KILL "$(cat "$T/cpid")" 2>/dev/null || true
	fi
	[ ! -f "$T/shim.pid" ] || wait_gone "$(cat "$T/shim.pid")"
	for ns in $NETNS; do ip netns delete "$ns"; done
	for cg in $CGROUPS; do
		for _ in $(seq 100); do rmdir "$cg" 2>/dev/null && break; sleep 0.05; done
		[ ! -d "$cg" ] || { echo "teardown: cannot remove $cg" >&2; return 1; }
	done
	rm -f "$ROOTFS/ready"
}

# start_bg ARG...: run the helper in the background with --pid-file; wait until
# PROG is exec'd. Sets HELPER (its pid) and CPID (host pid of container PID 1).
start_bg() {
	"$NSENTER" --pid-file "$T/pid" "$@" >"$T/out" 2>&1 </dev/null &
	HELPER=$!
	echo "$HELPER" >"$T/helper.pid"
	wait_for "$T/pid"
	CPID=$(cat "$T/pid")
}

# wait_for FILE: up to 5 s.
wait_for() {
	for _ in $(seq 100); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	echo "timeout waiting for $1" >&2
	return 1
}

wait_gone() {
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# --- usage

@test "no argument: one-line hint, exit 125" {
	run "$NSENTER"
	assert_failure 125
	assert_output "nsenter-chroot: ROOTFS and PROG required (see nsenter-chroot --help)"
}

@test "--help prints the usage on stdout, exit 0" {
	run "$NSENTER" --help
	assert_success
	assert_line --index 0 "usage: nsenter-chroot [options] ROOTFS PROG [ARG...]"
	assert_output --partial "--console-fd N"
}

@test "--netns and --net-host are exclusive" {
	run "$NSENTER" --net-host --netns /run/netns/x "$ROOTFS" true
	assert_failure 125
	assert_output --partial "mutually exclusive"
}

@test "options stop at ROOTFS: PROG's own options are PROG's" {
	run "$NSENTER" "$ROOTFS" echo -n -h x
	assert_success
	assert_output "-h x"
}

# --- namespaces

@test "pid, mnt, uts, ipc, net, cgroup namespaces differ from the host's (seen from the host)" {
	start_bg "$ROOTFS" sleep 30
	for ns in pid mnt uts ipc net cgroup; do
		host=$(readlink "/proc/self/ns/$ns")
		ctr=$(readlink "/proc/$CPID/ns/$ns")
		echo "$ns: host $host container $ctr"
		[ -n "$ctr" ] && [ "$host" != "$ctr" ]
	done
	# the helper itself stays in the host's namespaces
	for ns in pid mnt uts ipc net; do
		[ "$(readlink "/proc/self/ns/$ns")" = "$(readlink "/proc/$HELPER/ns/$ns")" ]
	done
}

@test "namespaces differ from the host's (seen from inside)" {
	run "$NSENTER" "$ROOTFS" sh -c 'for ns in pid mnt uts ipc net; do readlink /proc/self/ns/$ns; done'
	assert_success
	for ns in pid mnt uts ipc net; do
		refute_line "$(readlink "/proc/self/ns/$ns")"
		assert_line --regexp "^$ns:\[[0-9]+\]$"
	done
}

@test "PROG is PID 1 and ps shows only the container's processes" {
	run "$NSENTER" "$ROOTFS" sh -c 'echo $$; ps -o pid,comm; true'
	assert_success
	assert_line --index 0 "1"
	# $$, ps's header, sh (1) and ps: nothing of the host
	[ "${#lines[@]}" -eq 4 ]
	assert_line --regexp '^ +1 sh$'
	run "$NSENTER" "$ROOTFS" ls /proc
	refute_line --regexp '^([02-9]|1[0-9])'
	assert_line "1"
}

# --- filesystem

@test "ls / shows the rootfs only" {
	touch "$ROOTFS/marker.$$"
	run "$NSENTER" "$ROOTFS" ls -a /
	expected=$(ls -a "$ROOTFS" | sort)
	rm -f "$ROOTFS/marker.$$"
	assert_success
	assert_line "marker.$$"
	[ "$(printf '%s\n' "${lines[@]}" | sort)" = "$expected" ]
	run "$NSENTER" "$ROOTFS" ls "$BATS_TEST_TMPDIR"
	assert_failure
}

@test "mountinfo: exactly the container's mounts, no host mount point" {
	run "$NSENTER" "$ROOTFS" cat /proc/self/mountinfo
	assert_success
	# outside /proc/* and /sys/* (masked and read-only paths: test/security.bats)
	got=$(printf '%s\n' "${lines[@]}" | awk '{print $5}' | grep -Ev '^/(proc|sys)/' | sort | tr '\n' ' ')
	assert_equal "$got" "/ /dev /dev/full /dev/mqueue /dev/null /dev/pts /dev/random /dev/shm /dev/tty /dev/urandom /dev/zero /proc /sys "
	got=$(printf '%s\n' "${lines[@]}" | awk '{print $5}' | grep -E '^/(proc|sys)/' | sort | tr '\n' ' ')
	for m in $got; do
		case $m in
		/proc/kcore | /proc/keys | /proc/timer_list | /proc/sched_debug | /proc/latency_stats) ;;
		/proc/acpi | /proc/scsi | /proc/interrupts | /sys/firmware | /sys/devices/virtual/powercap) ;;
		/proc/sys | /proc/sysrq-trigger | /proc/irq | /proc/bus | /proc/fs) ;;
		*) echo "unexpected mount $m"; false ;;
		esac
	done
	refute_output --partial "$BATS_TEST_TMPDIR"
	# nothing of a run is left mounted on the host (other tests may mount
	# elsewhere at the same time: look under ROOTFS only)
	! grep -q " $ROOTFS" /proc/self/mountinfo
}

@test "mount options: proc nosuid,nodev,noexec; sys read-only; /dev nosuid" {
	run "$NSENTER" "$ROOTFS" cat /proc/self/mountinfo
	assert_line --regexp '^[0-9]+ [0-9]+ [0-9:]+ / /proc rw,nosuid,nodev,noexec.* - proc '
	assert_line --regexp '^[0-9]+ [0-9]+ [0-9:]+ / /sys ro,nosuid,nodev,noexec.* - sysfs '
	assert_line --regexp ' /dev rw,nosuid.* - tmpfs .*mode=755'
	assert_line --regexp ' /dev/pts .* - devpts .*mode=620,ptmxmode=666'
	run "$NSENTER" "$ROOTFS" touch /sys/x
	assert_failure
	assert_output --partial "Read-only file system"
}

@test "/dev holds exactly the listed nodes and links" {
	run "$NSENTER" "$ROOTFS" ls -A /dev
	assert_success
	assert_equal "$(echo "$output" | tr '\n' ' ')" "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero "
	run "$NSENTER" "$ROOTFS" stat -c '%n %F %t,%T' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty
	assert_output "$(stat -c '%n %F %t,%T' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty)"
	run "$NSENTER" "$ROOTFS" sh -c 'for l in ptmx fd stdin stdout stderr; do readlink /dev/$l; done'
	assert_output "$(printf '%s\n' pts/ptmx /proc/self/fd /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2)"
	run "$NSENTER" "$ROOTFS" sh -c 'echo x >/dev/null && head -c 3 /dev/zero | od -An -tx1 && echo y >/dev/full'
	assert_failure
	assert_line " 00 00 00"
	assert_output --partial "No space left on device"
}

# --- uts, env, workdir

@test "hostname: default ctr, -h NAME; the host's is unchanged" {
	host=$(hostname)
	run "$NSENTER" "$ROOTFS" hostname
	assert_output "ctr"
	run "$NSENTER" -h box1 "$ROOTFS" sh -c 'hostname; echo $HOSTNAME'
	assert_output "$(printf 'box1\nbox1')"
	[ "$(hostname)" = "$host" ]
}

@test "environment is clean: PATH HOME HOSTNAME only, no TERM without a tty" {
	TERM=vt100 LEAK=1 run "$NSENTER" "$ROOTFS" env </dev/null
	assert_success
	assert_equal "$(echo "$output" | sort | tr '\n' ' ')" \
		"HOME=/root HOSTNAME=ctr PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "
}

@test "--env adds and overrides; K alone is a usage error (nothing is copied from the caller)" {
	FROMHOST=yes run "$NSENTER" -e A=1 -e HOME=/x -e A=2 -e 'NL=a
B=b' -- "$ROOTFS" env </dev/null
	assert_success
	assert_line "A=2"
	assert_line "HOME=/x"
	assert_line "NL=a"
	refute_line "A=1"
	refute_line --partial FROMHOST
	FROMHOST=yes run -125 "$NSENTER" -e FROMHOST "$ROOTFS" env </dev/null
	assert_output "nsenter-chroot: --env: expected K=V, not FROMHOST (see nsenter-chroot --help)"
}

@test "PROG is searched in the container's PATH, not the caller's" {
	mkdir -p "$ROOTFS/opt/tools"
	printf '#!/bin/sh\necho found-in-opt\n' >"$ROOTFS/opt/tools/mytool"
	chmod 755 "$ROOTFS/opt/tools/mytool"
	PATH="/opt/tools:$PATH" run -127 "$NSENTER" "$ROOTFS" mytool
	assert_failure 127
	run "$NSENTER" -e PATH=/opt/tools:/bin "$ROOTFS" mytool
	assert_success
	assert_output "found-in-opt"
}

@test "--workdir: chdir inside the container, created when missing; default /" {
	run "$NSENTER" "$ROOTFS" pwd
	assert_output "/"
	run "$NSENTER" -w /tmp/wd.$$/sub "$ROOTFS" pwd
	assert_success
	assert_output "/tmp/wd.$$/sub"
	[ -d "$ROOTFS/tmp/wd.$$/sub" ]
	rm -rf "$ROOTFS/tmp/wd.$$"
}

@test "fds above 2 of the caller do not reach PROG" {
	run "$NSENTER" "$ROOTFS" ls /proc/self/fd 5</dev/null 7>"$T/x"
	assert_success
	assert_equal "$(echo "$output" | tr '\n' ' ')" "0 1 2 3 "
}

# --- exit codes and signals

@test "exit codes 0 and 3 propagate" {
	run "$NSENTER" "$ROOTFS" true
	assert_success
	run "$NSENTER" "$ROOTFS" sh -c 'exit 3'
	assert_failure 3
}

@test "PROG not found: 127 with the message" {
	run -127 "$NSENTER" "$ROOTFS" no-such-prog
	assert_failure 127
	assert_output "nsenter-chroot: exec no-such-prog: No such file or directory"
	run -127 "$NSENTER" "$ROOTFS" /bin/no-such-prog
	assert_failure 127
}

@test "PROG behind a path component that is a file (ENOTDIR): 127, as ctr-shim" {
	run -127 "$NSENTER" "$ROOTFS" /bin/busybox/sh
	assert_failure 127
	assert_output "nsenter-chroot: exec /bin/busybox/sh: Not a directory"
}

@test "PROG not executable: 126" {
	printf 'data\n' >"$ROOTFS/bin/not-exec"
	chmod 644 "$ROOTFS/bin/not-exec"
	run "$NSENTER" "$ROOTFS" not-exec
	assert_failure 126
	assert_output "nsenter-chroot: exec not-exec: Permission denied"
	run "$NSENTER" "$ROOTFS" /tmp
	assert_failure 126
}

@test "killed by signal N: 128+N (KILL from the host)" {
	start_bg "$ROOTFS" sleep 30
	kill -KILL "$CPID"
	rc=0 && wait "$HELPER" || rc=$?
	assert_equal "$rc" 137
}

@test "SIGTERM to the helper is forwarded to PID 1" {
	start_bg "$ROOTFS" sh -c 'trap "echo got TERM; exit 7" TERM; touch /ready; i=0; while [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; exit 99'
	wait_for "$ROOTFS/ready"
	kill -TERM "$HELPER"
	rc=0 && wait "$HELPER" || rc=$?
	assert_equal "$rc" 7
	run cat "$T/out"
	assert_output "got TERM"
}

@test "SIGINT, SIGHUP, SIGUSR1 are forwarded too" {
	start_bg "$ROOTFS" sh -c 'for s in INT HUP USR1; do trap "echo got $s" $s; done; trap "exit 0" USR2; touch /ready; i=0; while [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; exit 99'
	wait_for "$ROOTFS/ready"
	# one at a time: the shell runs a trap once its sleep ends, and two pending ones in signal
	# order (HUP before INT), so each is sent once the last one's line is out
	local n=0
	for s in INT HUP USR1; do
		kill -s "$s" "$HELPER"
		n=$((n + 1))
		for _ in $(seq 100); do [ "$(grep -c '^got ' "$T/out")" -ge "$n" ] && break; sleep 0.05; done
	done
	kill -USR2 "$HELPER"
	rc=0 && wait "$HELPER" || rc=$?
	assert_equal "$rc" 0
	run cat "$T/out"
	assert_output "$(printf 'got INT\ngot HUP\ngot USR1')"
}

@test "--pid-file holds the host PID of the container's PID 1" {
	start_bg "$ROOTFS" sleep 30
	run cat "$T/pid"
	assert_output --regexp '^[0-9]+$'
	# NSpid: host pid, then 1 in the container's pid namespace
	run grep NSpid "/proc/$CPID/status"
	assert_output --regexp "^NSpid:\s+$CPID\s+1$"
	[ "$(cat "/proc/$CPID/comm")" = sleep ]
	ls "$T" | grep -v -q tmp
	! ls "$T" | grep -q '\.tmp\.'
}

@test "--pid-file is not written when setup or exec fails" {
	run -127 "$NSENTER" --pid-file "$T/pid" "$ROOTFS" no-such-prog
	assert_failure 127
	[ ! -e "$T/pid" ]
	run "$NSENTER" --pid-file "$T/pid" "$T/no-rootfs" true
	assert_failure 125
	[ ! -e "$T/pid" ]
}

@test "--notify-fd: one R once PROG runs and its pid file exists; the container never holds the fd" {
	local bg i
	mkfifo "$T/notify"
	"$NSENTER" --notify-fd 4 --pid-file "$T/pid" "$ROOTFS" \
		sh -c 'ls /proc/self/fd > /tmp/fds.tmp; mv /tmp/fds.tmp /tmp/fds; sleep 20' 4>"$T/notify" >/dev/null 2>&1 &
	bg=$!
	# R, then EOF at once while PROG sleeps on: nothing of the container keeps fd 4
	run timeout 10 sh -c 'head -c1; echo " pid=$(cat "$1")"; cat; echo eof' _ "$T/pid" <"$T/notify"
	for i in $(seq 50); do [ -e "$ROOTFS/tmp/fds" ] && break; sleep 0.1; done
	kill "$bg"
	wait "$bg" || true
	assert_success
	assert_output --regexp $'^R pid=[0-9]+\neof$'
	run cat "$ROOTFS/tmp/fds"
	assert_line 0
	refute_line 4
	# --init: the init (PID 1) does not keep it either
	"$NSENTER" --notify-fd 4 --init "$ROOTFS" sleep 20 4>"$T/notify" >/dev/null 2>&1 &
	bg=$!
	run timeout 10 sh -c 'cat; echo eof' <"$T/notify"
	kill "$bg"
	wait "$bg" || true
	assert_success
	assert_output 'Reof'
	# a failed start closes it without a byte
	run sh -c '"$1" --notify-fd 4 "$2" no-such-prog 4>&1 >/dev/null 2>&1 | od -c' _ "$NSENTER" "$ROOTFS"
	assert_output "0000000"
}

@test "setup failure: 125 with the failed step" {
	run "$NSENTER" "$T/no-rootfs" true
	assert_failure 125
	assert_output --regexp "^nsenter-chroot: bind $T/no-rootfs: No such file or directory$"
}

# --- --init

@test "--init: PID 1 is the init, PROG is its child, exit status is PROG's" {
	run "$NSENTER" --init "$ROOTFS" sh -c 'echo $$; cat /proc/1/comm; exit 5'
	assert_failure 5
	assert_line --index 0 "2"
	assert_line --index 1 "init"
}

@test "--init: SIGTERM reaches a PROG without a handler (143)" {
	start_bg --init "$ROOTFS" sleep 30
	kill -TERM "$HELPER"
	rc=0 && wait "$HELPER" || rc=$?
	assert_equal "$rc" 143
}

@test "--init: orphans are re-parented to the init and reaped (no zombie)" {
	run "$NSENTER" --init "$ROOTFS" sh -c '(sleep 0.3 &); sleep 0.1; cat /proc/[0-9]*/stat; sleep 0.6; echo after; cat /proc/[0-9]*/stat'
	assert_success
	# first listing: the orphan runs, its parent is PID 1 (the init)
	assert_line --regexp '^[0-9]+ \(sleep\) S 1 '
	# after it exited: gone, not a zombie
	after=$(echo "$output" | sed -n '/^after$/,$p')
	! echo "$after" | grep -q '(sleep) Z'
	! echo "$after" | grep -q '(sleep) S 1 '
}

@test "--init: exec failure is still 127" {
	run -127 "$NSENTER" --init "$ROOTFS" no-such-prog
	assert_failure 127
	assert_output "nsenter-chroot: exec no-such-prog: No such file or directory"
}

# --- network

@test "default network: a new namespace with lo up and nothing else" {
	run "$NSENTER" "$ROOTFS" ls /sys/class/net
	assert_output "lo"
	run "$NSENTER" "$ROOTFS" ip -o link show lo
	assert_output --regexp '<LOOPBACK,UP,LOWER_UP>'
}

@test "--netns PATH joins that namespace" {
	NETNS="$PREFIX-a"
	ip netns add "$NETNS"
	ip -n "$NETNS" link add "${PREFIX}a" type veth peer name "${PREFIX}b"
	run "$NSENTER" -n "/run/netns/$NETNS" "$ROOTFS" readlink /proc/self/ns/net
	assert_output "$(ip netns exec "$NETNS" readlink /proc/self/ns/net)"
	run "$NSENTER" -n "/run/netns/$NETNS" "$ROOTFS" ls /sys/class/net
	assert_line "${PREFIX}a"
}

@test "--netns /proc/self/fd/N: the caller's fd N, opened before the caller's fds close; PROG has no fd of it (also --userns)" {
	NETNS="$PREFIX-a"
	ip netns add "$NETNS"
	ip -n "$NETNS" link add "${PREFIX}a" type veth peer name "${PREFIX}b"
	want=$(ip netns exec "$NETNS" readlink /proc/self/ns/net)
	run "$NSENTER" -n /proc/self/fd/6 "$ROOTFS" sh -c 'readlink /proc/self/ns/net; ls /sys/class/net; ls /proc/$$/fd' 6<"/run/netns/$NETNS"
	assert_success
	assert_line --index 0 "$want"
	assert_line "${PREFIX}a"
	refute_line 6 # (3: ls's own, of /proc/1/fd)
	run "$NSENTER" -n /proc/self/fd/6 --userns 1879048192:1879048192:65536 "$ROOTFS" readlink /proc/self/ns/net 6<"/run/netns/$NETNS"
	assert_success
	assert_output "$want"
	run "$NSENTER" -n /proc/self/fd/6 "$ROOTFS" true 6<&-
	assert_failure 125
	assert_output "nsenter-chroot: open netns /proc/self/fd/6: No such file or directory"
}

@test "--net-host stays in the caller's network namespace" {
	run "$NSENTER" --net-host "$ROOTFS" readlink /proc/self/ns/net
	assert_output "$(readlink /proc/self/ns/net)"
}

@test "--sysctl: written in the container's own network namespace (new, --netns, --userns), never the host's" {
	local host_pgr host_ups
	host_pgr=$(cat /proc/sys/net/ipv4/ping_group_range)
	host_ups=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	run "$NSENTER" --sysctl 'net.ipv4.ping_group_range=0 2147483647' --sysctl net.ipv4.ip_unprivileged_port_start=0 \
		"$ROOTFS" cat /proc/sys/net/ipv4/ping_group_range /proc/sys/net/ipv4/ip_unprivileged_port_start
	assert_success
	assert_output $'0\t2147483647\n0'
	NETNS="$PREFIX-s"
	ip netns add "$NETNS"
	run "$NSENTER" -n "/run/netns/$NETNS" --sysctl net.ipv4.ip_unprivileged_port_start=80 "$ROOTFS" true
	assert_success
	assert_equal "$(ip netns exec "$NETNS" cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" 80
	# with --userns the child's user namespace does not own the netns: the helper writes it first
	run "$NSENTER" -n "/run/netns/$NETNS" --userns 1879048192:1879048192:65536 \
		--sysctl net.ipv4.ip_unprivileged_port_start=81 "$ROOTFS" cat /proc/sys/net/ipv4/ip_unprivileged_port_start
	assert_success
	assert_output 81
	assert_equal "$(cat /proc/sys/net/ipv4/ping_group_range)" "$host_pgr"
	assert_equal "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" "$host_ups"
}

@test "--sysctl: written through the container's own /proc, never by a lookup of the host's /proc/sys/net" {
	# the host's /proc keeps a /proc/sys/net dentry for each netns that looked it up there, all of
	# one name under one parent: every later lookup on the host compares them all
	ASAN_OPTIONS=detect_leaks=0 run strace -f -qq -o "$BATS_TEST_TMPDIR/trace" -e trace=openat,open \
		"$NSENTER" --sysctl net.ipv4.ip_unprivileged_port_start=0 "$ROOTFS" cat /proc/sys/net/ipv4/ip_unprivileged_port_start
	assert_success
	assert_output 0
	grep -q '"sys/net/ipv4/ip_unprivileged_port_start", O_WRONLY' "$BATS_TEST_TMPDIR/trace"
	run grep '"/proc/sys/net/ipv4/ip_unprivileged_port_start", O_WRONLY' "$BATS_TEST_TMPDIR/trace"
	assert_failure
}

@test "--sysctl: only net.* keys, K=V on one line, not with --net-host or --join; a bad key fails the start (125)" {
	local k
	for k in kernel.hostname=x net=1 net.=1 net..ipv4=1 'net.ipv4/../../kernel/x=1' net.ipv4.x. noequals "$(printf 'net.a=1\nb')"; do
		run "$NSENTER" --sysctl "$k" "$ROOTFS" true
		assert_failure 125
		assert_line --index 0 --partial 'nsenter-chroot: --sysctl: expected net.KEY=VALUE'
	done
	run "$NSENTER" --net-host --sysctl net.ipv4.ip_unprivileged_port_start=0 "$ROOTFS" true
	assert_failure 125
	assert_line --index 0 --partial 'nsenter-chroot: --sysctl: only for a network namespace of the container'"'"'s own'
	run "$NSENTER" --sysctl net.ipv4.no_such_knob=1 "$ROOTFS" true
	assert_failure 125
	assert_output --partial 'sysctl net.ipv4.no_such_knob: No such file or directory'
}

@test "--netns with a bad path: 125" {
	run "$NSENTER" -n "/run/netns/$PREFIX-none" "$ROOTFS" true
	assert_failure 125
	assert_output "nsenter-chroot: open netns /run/netns/$PREFIX-none: No such file or directory"
}

# --- cgroups

# cg_dir NAME: make CG, a pids cgroup (v1 hierarchy or v2 unified), registered
# for teardown.
cg_dir() {
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		CG=/sys/fs/cgroup/$1
	else
		CG=/sys/fs/cgroup/pids/$1
	fi
	mkdir "$CG"
	CGROUPS="$CGROUPS $CG"
}

@test "--cgroup: PID 1 is in the group from the start; the helper is not" {
	cg_dir "$PREFIX-cg"
	start_bg --cgroup "$CG" "$ROOTFS" sleep 30
	run cat "$CG/cgroup.procs"
	assert_output "$CPID"
	refute_line "$HELPER"
	# a cgroup namespace rooted at the group: the container sees itself at /
	run "$NSENTER" --cgroup "$CG" "$ROOTFS" cat /proc/self/cgroup
	assert_line --regexp '^[0-9]+:(pids)?:/$'
}

@test "--cgroup: a missing group fails (125) and leaves no process" {
	run "$NSENTER" --cgroup "/sys/fs/cgroup/pids/$PREFIX-none" "$ROOTFS" sh -c 'touch /started'
	assert_failure 125
	assert_output --partial "cgroup.procs: No such file or directory"
	[ ! -e "$ROOTFS/started" ]
}

@test "--cgroup on cgroup v2: PID 1 is born in the group (clone3 CLONE_INTO_CGROUP), never moved there" {
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		v2=/sys/fs/cgroup
	elif [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
		v2=/sys/fs/cgroup/unified # hybrid: the v2 hierarchy without controllers
	else
		skip "no cgroup2 mount"
	fi
	CG=$v2/$PREFIX-born
	mkdir "$CG"
	CGROUPS="$CGROUPS $CG"
	# moving a process into a group (a pid written to cgroup.procs) waits for an RCU grace
	# period; a child born there does not
	# (named twice, as --device-cgroup and --cgroup of one v2 group can be: still no write)
	# (LeakSanitizer cannot run under ptrace: the ASan build's leak check is off here)
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$T/trace" -e trace=clone3,write -e signal=none \
		"$NSENTER" --cgroup "$CG" --cgroup "$CG" "$ROOTFS" true
	run cat "$T/trace"
	assert_output --regexp 'clone3\(\{flags=[^}]*CLONE_INTO_CGROUP'
	refute_output --regexp 'write\([0-9]+, "[0-9]+\\n"'
	start_bg --cgroup "$CG" "$ROOTFS" sleep 30
	run cat "$CG/cgroup.procs"
	assert_output "$CPID"
}

@test "--join --cgroup on cgroup v2: the joined process is born in the group too (exec: no move)" {
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		v2=/sys/fs/cgroup
	elif [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
		v2=/sys/fs/cgroup/unified
	else
		skip "no cgroup2 mount"
	fi
	CG=$v2/$PREFIX-joinborn
	mkdir "$CG"
	CGROUPS="$CGROUPS $CG"
	start_bg --cgroup "$CG" "$ROOTFS" sleep 30
	# a move (a pid written to cgroup.procs) waits for an RCU grace period: exec's process is
	# cloned in the container's pid namespace straight into its group, as PID 1 was
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$T/trace" -e trace=clone,clone3,write -e signal=none \
		"$NSENTER" --join "$CPID" --cgroup "$CG" cat /proc/self/cgroup >"$T/jout"
	run cat "$T/trace"
	assert_output --regexp 'clone3\(\{flags=[^}]*CLONE_INTO_CGROUP'
	refute_output --regexp 'write\([0-9]+, "[0-9]+\\n"'
	# the group as the container sees it (its cgroup namespace is rooted at PID 1's group)
	run grep '^0::' "$T/jout"
	assert_output '0::/'
	"$NSENTER" --join "$CPID" --cgroup "$CG" sh -c 'sleep 30 & wait' >"$T/j2" 2>&1 &
	joiner=$!
	for _ in $(seq 100); do [ "$(wc -l <"$CG/cgroup.procs")" -ge 3 ] && break; sleep 0.05; done
	run wc -l <"$CG/cgroup.procs"
	assert_output 3
	kill -KILL "$CPID"
	wait "$joiner" || :
}

@test "--cgroup on cgroup v1: the child joins the group itself (0 to tasks, its parent's open file), also in a new user namespace" {
	[ -d /sys/fs/cgroup/pids ] && [ ! -e /sys/fs/cgroup/cgroup.controllers ] || skip "no cgroup v1 pids hierarchy"
	cg_dir "$PREFIX-self"
	# a pid written to cgroup.procs (a move of a whole process) waits for an RCU grace period;
	# a thread writing 0 to tasks moves itself without the lock. Nothing writes a pid.
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$T/trace" -e trace=openat,write -e signal=none \
		"$NSENTER" --cgroup "$CG" "$ROOTFS" true
	run grep -E 'tasks|cgroup.procs|write\([0-9]+, "[0-9]+' "$T/trace"
	assert_line --regexp "openat\(AT_FDCWD, \"$CG/tasks\", O_WRONLY"
	assert_line --regexp 'write\([0-9]+, "0", 1\) += 1'
	refute_output --partial cgroup.procs
	refute_output --regexp 'write\([0-9]+, "[1-9][0-9]*'
	# PID 1 is in the group (its namespace rooted there), with a user namespace too
	for u in 0 1; do
		set --
		[ "$u" = 0 ] || set -- --userns 1879048192:1879048192:65536
		rm -f "$T/pid"
		start_bg "$@" --cgroup "$CG" "$ROOTFS" sleep 30
		run cat "$CG/cgroup.procs"
		assert_output "$CPID"
		run "$NSENTER" "$@" --cgroup "$CG" "$ROOTFS" cat /proc/self/cgroup
		assert_line --regexp '^[0-9]+:pids:/$'
		kill -KILL "$CPID" 2>/dev/null || :
		wait "$HELPER" 2>/dev/null || :
	done
}

# --- --join

@test "--join enters the container's namespaces and root" {
	start_bg -h joined "$ROOTFS" sleep 30
	run "$NSENTER" --join "$CPID" sh -c 'hostname; echo $HOSTNAME; ps -o pid,comm; for ns in pid mnt net uts ipc; do readlink /proc/self/ns/$ns; done'
	assert_success
	assert_line --index 0 joined
	assert_line --index 1 joined
	assert_line --regexp '^ +1 sleep$'
	for ns in pid mnt net uts ipc; do
		assert_line "$(readlink "/proc/$CPID/ns/$ns")"
	done
	run "$NSENTER" --join "$CPID" -w /tmp ls -a /
	assert_output "$(ls -a "$ROOTFS")"
}

@test "--join: exit codes propagate, env is clean" {
	start_bg "$ROOTFS" sleep 30
	run "$NSENTER" --join "$CPID" sh -c 'exit 4'
	assert_failure 4
	run -127 "$NSENTER" --join "$CPID" no-such-prog
	assert_failure 127
	LEAK=1 run "$NSENTER" --join "$CPID" -e X=1 env </dev/null
	assert_equal "$(echo "$output" | sort | tr '\n' ' ')" \
		"HOME=/root HOSTNAME=ctr PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin X=1 "
}

@test "--join: --pid-file names the joined process, in the container's pid namespace" {
	start_bg "$ROOTFS" sleep 30
	"$NSENTER" --join "$CPID" --pid-file "$T/jpid" sleep 30 >"$T/jout" 2>&1 &
	wait_for "$T/jpid"
	jpid=$(cat "$T/jpid")
	[ "$(readlink "/proc/$jpid/ns/pid")" = "$(readlink "/proc/$CPID/ns/pid")" ]
	run grep NSpid "/proc/$jpid/status"
	assert_output --regexp "^NSpid:\s+$jpid\s+[2-9][0-9]*$"
	joiner=$!
	kill -KILL "$CPID"  # PID 1 gone: the kernel kills the joined process too
	rc=0 && wait "$joiner" || rc=$?
	assert_equal "$rc" 137
}

@test "--join: a PID that does not exist fails with 125" {
	run "$NSENTER" --join 999999999 true
	assert_failure 125
	assert_output --regexp "^nsenter-chroot: open /proc/999999999: No such file or directory$"
}

@test "--join with --netns is refused" {
	run "$NSENTER" --join 2 --netns /x true
	assert_failure 125
	assert_output --partial "--join excludes"
}

# --- console

@test "--console-fd: PROG gets a new pty as controlling terminal on 0,1,2" {
	TERM=vt220 run "$CONSOLE_RECV" "$NSENTER" --console-fd 3 "$ROOTFS" sh -c 'tty; tty <&1; tty <&2; echo TERM=$TERM; cut -d" " -f1,6,7 /proc/$$/stat; exit 6'
	assert_failure 6
	lines_nocr=$(echo "$output" | tr -d '\r')
	echo "$lines_nocr"
	[ "$(echo "$lines_nocr" | grep -c '^/dev/pts/0$')" -eq 3 ]
	echo "$lines_nocr" | grep -qx 'TERM=vt220'
	# pid 1 leads its own session, whose controlling tty is pts 0 (136 << 8 | 0)
	echo "$lines_nocr" | grep -qx '1 1 34816'
}

@test "--console-fd with --init: the pty is PROG's terminal; TERM defaults to xterm" {
	run env -u TERM "$CONSOLE_RECV" "$NSENTER" --init --console-fd 3 "$ROOTFS" sh -c 'tty; echo TERM=$TERM'
	assert_success
	assert_equal "$(echo "$output" | tr -d '\r' | tr '\n' ' ')" "/dev/pts/0 TERM=xterm "
}

# --- --config: the container as an OCI config.json (how ctr.sh runs it)

# oci_config FILE JQ-FILTER [jq args]: ctr-oci's default config.json (runc spec's), on $ROOTFS,
# without a cgroup (nsenter-chroot joins the caller's groups, it makes none), edited by FILTER.
oci_config() {
	local f=$1 filter=$2
	shift 2
	mkdir -p "$BATS_TEST_TMPDIR/spec"
	[ -f "$BATS_TEST_TMPDIR/spec/config.json" ] || "$REPO/build/ctr-oci" spec --bundle "$BATS_TEST_TMPDIR/spec"
	jq --arg r "$ROOTFS" '.root = {path: $r} | del(.linux.resources) | '"$filter" "$@" \
		"$BATS_TEST_TMPDIR/spec/config.json" >"$f"
}

@test "--config: runs an OCI config.json as written (args, env, cwd, hostname, caps, rlimits, mounts); PROG's status" {
	# shellcheck disable=SC2016 # expanded in the container
	oci_config "$BATS_TEST_TMPDIR/c.json" '.hostname = "cfg" | .process.cwd = "/tmp/w"
		| .process.env += ["A=b c"] | .process.args = ["sh", "-c",
		"hostname; pwd; echo \"$A\" $HOSTNAME; grep -E \"^Cap(Bnd|Eff)\" /proc/self/status; ulimit -n; grep -c \" /dev/mqueue \" /proc/self/mounts; exit 3"]'
	run "$NSENTER" --config "$BATS_TEST_TMPDIR/c.json" --pid-file "$BATS_TEST_TMPDIR/pid"
	assert_failure 3
	assert_output "cfg
/tmp/w
b c cfg
CapEff:	0000000020000420
CapBnd:	0000000020000420
1024
1"
	[ -s "$BATS_TEST_TMPDIR/pid" ]
}

@test "--detach: exits 0 once PROG runs, PID 1 lives on; under ctr-shim --container-pid-file, the shim's child" {
	run -125 "$NSENTER" --detach "$ROOTFS" true
	assert_output "nsenter-chroot: --detach: requires --pid-file, excludes --join (see nsenter-chroot --help)"
	run -125 "$NSENTER" --detach --pid-file "$T/cpid" --join 2 true
	assert_output "nsenter-chroot: --detach: requires --pid-file, excludes --join (see nsenter-chroot --help)"
	# alone: the helper is gone (exit 0), PID 1 runs on (no parent-death signal once it runs);
	# not under `run`, which would wait for PID 1 to close its stdout
	"$NSENTER" --detach --pid-file "$T/cpid" "$ROOTFS" sleep 30 >/dev/null 2>&1 3>&-
	kill -0 "$(cat "$T/cpid")" || fail "PID 1 died with its helper"
	kill -KILL "$(cat "$T/cpid")"
	rm "$T/cpid"
	# a failed start is as without it
	run -127 "$NSENTER" --detach --pid-file "$T/cpid" "$ROOTFS" /no/such
	# under the shim: PID 1 is its child (no nsenter-chroot between), its status the shim's code
	local shim=${NSENTER%/*}/ctr-shim
	run -5 "$shim" --container-pid-file "$T/cpid" -- "$NSENTER" --detach --pid-file "$T/cpid" "$ROOTFS" sh -c 'exit 5'
	rm "$T/cpid"
	"$shim" -d --shim-pid-file "$T/shim.pid" --exit-file "$T/exit" --container-pid-file "$T/cpid" -- \
		"$NSENTER" --detach --pid-file "$T/cpid" "$ROOTFS" sleep 30 3>&-
	wait_for "$T/cpid"
	for _ in $(seq 100); do pgrep -f "^$NSENTER --detach" >/dev/null || break; sleep 0.05; done
	run pgrep -P "$(cat "$T/shim.pid")"
	assert_output "$(cat "$T/cpid")"
	kill -KILL "$(cat "$T/cpid")"
	wait_for "$T/exit"
	[ "$(cut -d' ' -f1 "$T/exit")" = 137 ]
}

@test "--config: only this start's options go with it; --join with --process runs an exec in it" {
	oci_config "$BATS_TEST_TMPDIR/c.json" '.process.args = ["sleep", "30"]'
	run -125 "$NSENTER" --config "$BATS_TEST_TMPDIR/c.json" --cap-add ALL
	assert_output "nsenter-chroot: --config: --cap-add is the config's (with --config only --process, --join, --pid-file, --notify-fd, --detach, --console-fd, --net-hook, --cgroup) (see nsenter-chroot --help)"
	run -125 "$NSENTER" --config "$BATS_TEST_TMPDIR/c.json" "$ROOTFS" sh
	assert_output --partial "no ROOTFS or PROG"
	run -125 "$NSENTER" --config "$BATS_TEST_TMPDIR/c.json" --console-fd 1
	assert_output "nsenter-chroot: config.json: process.terminal is false: --console-fd not wanted"
	oci_config "$BATS_TEST_TMPDIR/r.json" '.linux.resources = {devices: [{allow: false, access: "rwm"}]}'
	run -125 "$NSENTER" --config "$BATS_TEST_TMPDIR/r.json"
	assert_output "nsenter-chroot: config.json: linux.resources: needs linux.cgroupsPath (the caller's group)"
	"$NSENTER" --config "$BATS_TEST_TMPDIR/c.json" --pid-file "$BATS_TEST_TMPDIR/pid" &
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/pid" ] && break; sleep 0.05; done
	echo '{"args": ["sh", "-c", "echo $$ $X; hostname; id -un"], "cwd": "/", "env": ["X=joined"],
		"user": {"uid": 0, "gid": 0, "username": "nobody"}}' >"$BATS_TEST_TMPDIR/p.json"
	run "$NSENTER" --config "$BATS_TEST_TMPDIR/c.json" --join "$(cat "$BATS_TEST_TMPDIR/pid")" \
		--process "$BATS_TEST_TMPDIR/p.json"
	kill %1
	assert_success
	# a new pid in the container's pid namespace (its PID 1 is sleep), its hostname, the user by name
	assert_line --index 1 ctr
	assert_line --index 2 nobody
	[ "${lines[0]}" = "2 joined" ] || [ "${lines[0]}" = "3 joined" ]
}

# --- the same file against the sanitizer build

@test "ASan/UBSan build passes this whole file" {
	[ -z "$NSENTER_INNER" ] || skip "inner run"
	asan="$REPO/build/asan/nsenter-chroot"
	[ -x "$asan" ] || make -C "$REPO" -s build/asan/nsenter-chroot >&2
	NSENTER_INNER=1 NSENTER=$asan UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		run bats "$BATS_TEST_FILENAME"
	assert_success
}
