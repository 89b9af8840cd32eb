#!/usr/bin/env bats
# security: escape attempts against nsenter-chroot's defaults (docker's). Each
# attempt must fail inside, and the host is checked to be unharmed. Where the
# same attempt gets further with --privileged or --seccomp unconfined, that is
# shown too: it proves the default is what stops it.
# NSENTER selects the binary (default build/nsenter-chroot).

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	export REPO
	export NSENTER="${NSENTER:-$REPO/build/nsenter-chroot}"
	[ -x "$NSENTER" ] || make -C "$REPO" -s "${NSENTER#"$REPO"/}" >&2
	export ROOTFS="$BATS_FILE_TMPDIR/rootfs"
	mkdir -p "$ROOTFS/bin" "$ROOTFS/tmp" "$ROOTFS/etc"
	cp /bin/busybox "$ROOTFS/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$ROOTFS/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' >"$ROOTFS/etc/passwd"
	printf 'root:x:0:\nalice:x:1000:\n' >"$ROOTFS/etc/group"
	make_sysprobe "$ROOTFS/bin/sysprobe"
}

# make_sysprobe OUT: a static program that makes one syscall per argument, with
# harmless arguments, and prints NAME=<errno name> (or NAME=ok). Busybox has no
# applet for most of the syscalls a container must not make.
make_sysprobe() {
	cat >"$BATS_FILE_TMPDIR/sysprobe.c" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static long try(const char *n)
{
	char buf[16] = { 0 };
	if (!strcmp(n, "unshare_user")) return unshare(CLONE_NEWUSER);
	if (!strcmp(n, "unshare_mnt")) return unshare(CLONE_NEWNS);
	if (!strcmp(n, "setns")) return setns(-1, 0);
	if (!strcmp(n, "clone_newuser")) {
		long p = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
		if (p == 0) _exit(0);
		if (p > 0) waitpid((pid_t)p, NULL, 0);
		return p < 0 ? -1 : 0;
	}
	if (!strcmp(n, "clone3")) return syscall(SYS_clone3, NULL, 0);
	if (!strcmp(n, "keyctl")) return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	if (!strcmp(n, "add_key")) return syscall(SYS_add_key, "user", "ctrtest", "x", 1, KEY_SPEC_PROCESS_KEYRING);
	if (!strcmp(n, "request_key")) return syscall(SYS_request_key, "user", "ctr-none", NULL, 0);
	if (!strcmp(n, "bpf")) return syscall(SYS_bpf, -1, NULL, 0);
	if (!strcmp(n, "perf_event_open")) return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
	if (!strcmp(n, "userfaultfd")) return syscall(SYS_userfaultfd, 1 /* UFFD_USER_MODE_ONLY */);
	if (!strcmp(n, "name_to_handle_at")) return syscall(SYS_name_to_handle_at, AT_FDCWD, "/", NULL, NULL, 0);
	if (!strcmp(n, "open_by_handle_at")) return syscall(SYS_open_by_handle_at, -1, NULL, 0);
	if (!strcmp(n, "kexec_load")) return syscall(SYS_kexec_load, 0, 0, NULL, 0);
	if (!strcmp(n, "init_module")) return syscall(SYS_init_module, NULL, 0, "");
	if (!strcmp(n, "finit_module")) return syscall(SYS_finit_module, -1, "", 0);
	if (!strcmp(n, "delete_module")) return syscall(SYS_delete_module, "ctr-none", 0);
	if (!strcmp(n, "mount")) return syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL);
	if (!strcmp(n, "umount2")) return syscall(SYS_umount2, "/proc", MNT_DETACH_);
	if (!strcmp(n, "pivot_root")) return syscall(SYS_pivot_root, ".", ".");
	if (!strcmp(n, "swapon")) return syscall(SYS_swapon, "/ctr-none", 0);
	if (!strcmp(n, "swapoff")) return syscall(SYS_swapoff, "/ctr-none");
	if (!strcmp(n, "reboot")) return syscall(SYS_reboot, 0, 0, 0, NULL);
	if (!strcmp(n, "settimeofday")) return syscall(SYS_settimeofday, NULL, NULL);
	if (!strcmp(n, "clock_settime")) return syscall(SYS_clock_settime, 0, NULL);
	if (!strcmp(n, "ptrace")) return syscall(SYS_ptrace, 1 /* PEEKTEXT */, 999999, NULL, NULL);
	if (!strcmp(n, "acct")) return syscall(SYS_acct, NULL);
	if (!strcmp(n, "iopl")) return syscall(SYS_iopl, 0);
	if (!strcmp(n, "ioperm")) return syscall(SYS_ioperm, 0, 0, 0);
	if (!strcmp(n, "io_uring_setup")) return syscall(SYS_io_uring_setup, 0, NULL);
	if (!strcmp(n, "personality_norandom")) return personality(ADDR_NO_RANDOMIZE) < 0 ? -1 : 0;
	if (!strcmp(n, "tiocsti")) return ioctl(0, TIOCSTI, buf);
	if (!strcmp(n, "euid")) { printf("euid=%d\n", (int)geteuid()); return -2; }
	errno = EINVAL;
	return -3;
}
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		errno = 0;
		long r = try(argv[i]);
		if (r == -2) continue;
		if (r < 0) printf("%s=%s\n", argv[i], strerrorname_np(errno) ? strerrorname_np(errno) : "?");
		else printf("%s=ok\n", argv[i]);
	}
	return 0;
}
EOF
	sed -i 's/MNT_DETACH_/2/' "$BATS_FILE_TMPDIR/sysprobe.c"
	cc -static -o "$1" "$BATS_FILE_TMPDIR/sysprobe.c"
}

setup() {
	T=$BATS_TEST_TMPDIR
	PREFIX="nssec$$"
	SYSCTL_RESTORE=""
}

teardown() {
	if [ -f "$T/helper.pid" ]; then
		kill -KILL "$(cat "$T/helper.pid")" 2>/dev/null || true
		wait "$(cat "$T/helper.pid")" 2>/dev/null || true
	fi
	if [ -n "$SYSCTL_RESTORE" ]; then
		# "file value": put back what a failed test may have changed
		echo "${SYSCTL_RESTORE#* }" >"${SYSCTL_RESTORE%% *}"
	fi
	rm -rf "${ROOTFS:?}/tmp/"* "$ROOTFS/evil" "$ROOTFS/evil2"
}

# status_field FIELD: from `grep FIELD: /proc/self/status` output in $output.
status_field() {
	echo "$output" | awk -v f="$1:" '$1 == f {print $2}'
}

# held_caps: hex mask of the capabilities this (host) shell holds.
held_caps() {
	awk '$1 == "CapPrm:" {print $2}' /proc/self/status
}

hexand() {
	printf '%016x' $((0x$1 & 0x$2))
}

# --- capabilities, no_new_privs, seccomp

@test "default: docker's capabilities (bounding, permitted, effective), none inheritable or ambient" {
	run "$NSENTER" "$ROOTFS" grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status
	assert_success
	docker=$(hexand a80425fb "$(held_caps)")
	assert_equal "$(status_field CapBnd)" "$docker"
	assert_equal "$(status_field CapPrm)" "$docker"
	assert_equal "$(status_field CapEff)" "$docker"
	assert_equal "$(status_field CapInh)" 0000000000000000
	assert_equal "$(status_field CapAmb)" 0000000000000000
	assert_equal "$(status_field NoNewPrivs)" 1
	assert_equal "$(status_field Seccomp)" 2
}

@test "--privileged: every capability we hold, no seccomp, no no_new_privs" {
	run "$NSENTER" --privileged "$ROOTFS" grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status
	assert_equal "$(status_field CapEff)" "$(held_caps)"
	assert_equal "$(status_field Seccomp)" 0
	assert_equal "$(status_field NoNewPrivs)" 0
}

@test "--cap-drop ALL --cap-add NET_ADMIN keeps exactly NET_ADMIN; --cap-drop CHOWN stops chown" {
	run "$NSENTER" --cap-drop ALL --cap-add NET_ADMIN "$ROOTFS" grep -E '^Cap(Eff|Bnd)' /proc/self/status
	assert_equal "$(status_field CapEff)" 0000000000001000
	assert_equal "$(status_field CapBnd)" 0000000000001000
	run "$NSENTER" --cap-drop cap_chown "$ROOTFS" sh -c 'touch /tmp/f && chown 1000 /tmp/f'
	assert_failure
	assert_output --partial "Operation not permitted"
	run "$NSENTER" "$ROOTFS" sh -c 'touch /tmp/f && chown 1000 /tmp/f'
	assert_success
	run "$NSENTER" --cap-add NOT_A_CAP "$ROOTFS" true
	assert_failure 125
	assert_output --partial "unknown capability: NOT_A_CAP"
}

@test "--user: ids and HOME from the container's /etc/passwd, no capabilities left" {
	run "$NSENTER" --user alice "$ROOTFS" sh -c 'id; echo $HOME; grep -E "^Cap(Eff|Prm)" /proc/self/status'
	assert_success
	assert_line --index 0 "uid=1000(alice) gid=1000(alice)"
	assert_line --index 1 "/home/alice"
	assert_equal "$(status_field CapEff)" 0000000000000000
	run "$NSENTER" --user 4242:7 "$ROOTFS" sh -c 'id -u; id -g; echo $HOME'
	assert_output "$(printf '4242\n7\n/')"
	run "$NSENTER" --user nobody-here "$ROOTFS" true
	assert_failure 125
	assert_output "nsenter-chroot: user nobody-here: not found in /etc/passwd"
}

@test "no_new_privs: a setuid-root binary does not raise --user (it does without)" {
	cp "$ROOTFS/bin/sysprobe" "$ROOTFS/tmp/suid"
	chmod 4755 "$ROOTFS/tmp/suid"
	run "$NSENTER" --user 1000 "$ROOTFS" /tmp/suid euid
	assert_output "euid=1000"
	run "$NSENTER" --privileged --user 1000 "$ROOTFS" /tmp/suid euid
	assert_output "euid=0"
}

@test "seccomp: the host-kernel syscalls fail with EPERM" {
	blocked="keyctl add_key request_key bpf perf_event_open userfaultfd name_to_handle_at
		open_by_handle_at kexec_load init_module finit_module delete_module mount umount2
		pivot_root swapon swapoff reboot settimeofday clock_settime ptrace acct iopl ioperm
		unshare_user unshare_mnt setns clone_newuser io_uring_setup personality_norandom"
	# shellcheck disable=SC2086
	run "$NSENTER" "$ROOTFS" sysprobe $blocked
	assert_success
	for s in $blocked; do
		assert_line "$s=EPERM"
	done
	run "$NSENTER" "$ROOTFS" sysprobe clone3
	assert_output "clone3=ENOSYS"
}

@test "seccomp: what stops those syscalls is the filter (unconfined, they get further)" {
	# no capability is needed for these: only the filter says EPERM
	distinct="keyctl request_key bpf perf_event_open userfaultfd name_to_handle_at setns
		clone_newuser unshare_user iopl ioperm ptrace io_uring_setup personality_norandom"
	# shellcheck disable=SC2086
	run "$NSENTER" --seccomp unconfined "$ROOTFS" sysprobe $distinct
	assert_success
	for s in $distinct; do
		refute_line "$s=EPERM"
		assert_line --regexp "^$s="
	done
}

@test "seccomp: TIOCSTI (typing into the caller's terminal) is refused" {
	run "$NSENTER" "$ROOTFS" sysprobe tiocsti </dev/null
	assert_output "tiocsti=EPERM"
	run "$NSENTER" --seccomp unconfined "$ROOTFS" sysprobe tiocsti </dev/null
	assert_output "tiocsti=ENOTTY"
}

@test "seccomp: the compiled filter is kept root-only; a forged entry (allow all) is not loaded but rebuilt" {
	blocked="keyctl bpf mount kexec_load unshare_user"
	# shellcheck disable=SC2086
	run "$NSENTER" "$ROOTFS" sysprobe $blocked
	assert_output "$(for s in $blocked; do echo "$s=EPERM"; done)"
	# the cache: /run/ctr/seccomp, root's 0700; one 0600 entry per build of the helper,
	# capability set (the bounding set) and kernel (lib/bpf-cache.c)
	id=$(readelf -n "$NSENTER" | awk '/Build ID/ { print $3 }')
	caps=$("$NSENTER" "$ROOTFS" awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
	[ -n "$id" ] && [ -n "$caps" ]
	[ "$(stat -c %u:%a /run/ctr/seccomp)" = 0:700 ]
	set -- /run/ctr/seccomp/default-"$id-$caps"-*.bpf
	[ "$#" = 1 ] && [ -f "$1" ]
	[ "$(stat -c %u:%a "$1")" = 0:600 ]
	# root's, 0600, the right size and magic, but two "return ALLOW" programs: the checksum
	# (over the key and the programs) does not hold, so it is rebuilt, never loaded
	cp "$1" "$T/good"
	{ head -c 8 "$T/good"; printf '\001\000\000\000\001\000\000\000'; tail -c +17 "$T/good" | head -c 8
	  printf '\006\000\000\000\000\000\377\177\006\000\000\000\000\000\377\177'; } >"$1.forged"
	chmod 0600 "$1.forged"
	mv "$1.forged" "$1"
	# shellcheck disable=SC2086
	run "$NSENTER" "$ROOTFS" sysprobe $blocked
	assert_output "$(for s in $blocked; do echo "$s=EPERM"; done)"
	cmp "$T/good" "$1"
}

# --- mounts and namespaces

@test "mount, umount, pivot_root, unshare from busybox fail; the host's mounts are unchanged" {
	run "$NSENTER" "$ROOTFS" sh -c 'mount -t tmpfs x /tmp; umount -l /proc; unshare -m true; unshare -U true; nsenter -t 1 -m true; pivot_root / /tmp; echo done'
	assert_line done
	refute_output --partial "$ROOTFS"
	[ "$(echo "$output" | grep -c -E 'denied|not permitted')" -ge 5 ]
	! grep -q " $ROOTFS" /proc/self/mountinfo
}

@test "masked paths: /proc/keys and /proc/timer_list read empty, /sys/firmware is an empty dir nothing can be made in" {
	run "$NSENTER" "$ROOTFS" sh -c 'wc -c </proc/keys; wc -c </proc/timer_list; ls -A /sys/firmware | wc -l
		touch /sys/firmware/x && echo made; mkdir /sys/firmware/d && echo made; ls -A /sys/firmware | wc -l'
	assert_line --index 0 0
	assert_line --index 1 0
	assert_line --index 2 0
	assert_line --index 5 0
	refute_line made
	# a read-only bind of a removed directory of the container's /dev (no filesystem of its own)
	assert_output --partial "touch: /sys/firmware/x: No such file or directory"
	# the host still has them
	[ -n "$(ls -A /sys/firmware)" ]
	if [ -d /proc/acpi ]; then
		run "$NSENTER" "$ROOTFS" ls -A /proc/acpi
		assert_output ""
	fi
}

@test "--privileged: nothing is masked" {
	run "$NSENTER" --privileged "$ROOTFS" ls -A /sys/firmware
	assert_output "$(ls -A /sys/firmware)"
}

@test "read-only /proc/sys: a sysctl write fails and the host's value is unchanged" {
	f=/proc/sys/kernel/printk_ratelimit_burst
	before=$(cat "$f")
	SYSCTL_RESTORE="$f $before"
	run "$NSENTER" "$ROOTFS" sh -c "echo $((before + 1)) >$f"
	assert_failure
	assert_output --partial "Read-only file system"
	[ "$(cat "$f")" = "$before" ]
	for p in /proc/irq /proc/bus /proc/fs; do
		run "$NSENTER" "$ROOTFS" grep -E " $p ro," /proc/self/mountinfo
		assert_success
	done
}

@test "mknod of the host's disk: the node is inert (nodev), the host disk is not opened" {
	dev=$(stat -c '%d' /)
	major=$((dev >> 8)) minor=$((dev & 255))
	run "$NSENTER" "$ROOTFS" sh -c "mknod /tmp/disk b $major $minor && head -c 512 /tmp/disk | wc -c"
	assert_output --partial "Permission denied"
	# the same node type that is harmless (/dev/null's) shows nodev is the cause
	run "$NSENTER" "$ROOTFS" sh -c 'mknod /tmp/n1 c 1 3 && echo x >/tmp/n1'
	assert_failure
	assert_output --partial "Permission denied"
	run "$NSENTER" --privileged "$ROOTFS" sh -c 'mknod /tmp/n2 c 1 3 && echo x >/tmp/n2'
	assert_success
}

# --- volumes and hostile images

@test "volume on a symlink to /: refused, the host's / is not mounted over" {
	ln -s / "$ROOTFS/evil"
	mkdir -p "$T/vol" && echo data >"$T/vol/f"
	run "$NSENTER" -v "$T/vol:/evil" "$ROOTFS" true
	assert_failure 125
	assert_output "nsenter-chroot: volume /evil: resolves to the container's root"
	[ ! -e /f ]
	! grep -q " $T/vol " /proc/self/mountinfo
}

@test "volume under a symlink that climbs out: resolved inside the container" {
	hostdir=/tmp/$PREFIX-target
	ln -s "../../../../..$hostdir" "$ROOTFS/evil2"
	mkdir -p "$T/vol" "$ROOTFS$hostdir" && echo data >"$T/vol/f"
	run "$NSENTER" -v "$T/vol:/evil2/x" "$ROOTFS" cat "$hostdir/x/f"
	assert_success
	assert_output data
	# created in the rootfs, nothing on the host
	[ -d "$ROOTFS$hostdir/x" ]
	[ ! -e "$hostdir" ]
}

@test "volume: nosuid,nodev always; ro and noexec on request; the host file is unchanged" {
	mkdir -p "$T/vol" && echo orig >"$T/vol/f"
	cp "$ROOTFS/bin/sysprobe" "$T/vol/prog"
	run "$NSENTER" -v "$T/vol:/data:ro:noexec" "$ROOTFS" sh -c 'echo x >/data/f; /data/prog euid; grep " /data " /proc/self/mountinfo'
	assert_output --partial "Read-only file system"
	assert_output --partial "Permission denied"
	assert_output --regexp ' /data ro,nosuid,nodev,noexec'
	[ "$(cat "$T/vol/f")" = orig ]
	run "$NSENTER" -v "$T/vol:/data" "$ROOTFS" sh -c 'echo new >/data/f; /data/prog euid'
	assert_output "euid=0"
	[ "$(cat "$T/vol/f")" = new ]
}

@test "--readonly-rootfs: the root cannot be written, /dev/shm and volumes can" {
	mkdir -p "$T/vol"
	run "$NSENTER" --readonly-rootfs -v "$T/vol:/data" "$ROOTFS" sh -c 'touch /x; touch /dev/shm/y && touch /data/z && echo writable'
	assert_output --partial "Read-only file system"
	assert_line writable
	[ ! -e "$ROOTFS/x" ]
	[ -e "$T/vol/z" ]
}

# --- CVE-2019-5736, CVE-2024-21626

@test "CVE-2019-5736: the helper in the container runs from a read-only overlayfs; the host binary cannot be written, even by all capabilities" {
	sum=$(sha256sum <"$NSENTER")
	mkdir "$T/t"
	cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -static -o "$T/t/escape-probe" \
		"$BATS_TEST_DIRNAME/escape-probe.c"
	for mode in "" --privileged; do
		# shellcheck disable=SC2086
		run "$NSENTER" $mode --init -v "$T/t:/t:ro" "$ROOTFS" sh -c \
			'readlink /proc/1/exe; echo x >>/proc/1/exe; echo x >/proc/1/exe; /t/escape-probe write_exe=/proc/1/exe'
		assert_line --index 0 /nsenter-chroot
		refute_output --partial "$NSENTER"
		[ "$(echo "$output" | grep -c 'Read-only file system')" -eq 2 ]
		# --privileged may clear the read-only flag of the mount; the
		# overlayfs has no upper layer to write to (a read-only bind
		# would give ETXTBSY here, then the file once PID 1 is gone)
		assert_line write_exe=EROFS
	done
	[ "$(sha256sum <"$NSENTER")" = "$sum" ]
}

@test "CVE-2024-21626: no fd of the caller or helper reaches PROG; cwd is inside" {
	exec 7<"$BATS_TEST_DIRNAME"
	run "$NSENTER" "$ROOTFS" sh -c 'ls /proc/self/fd; readlink /proc/self/cwd'
	exec 7<&-
	assert_equal "$(echo "$output" | tr '\n' ' ')" "0 1 2 3 / "
	start=$(mktemp -d)
	"$NSENTER" --pid-file "$T/pid" "$ROOTFS" sleep 30 >/dev/null 2>&1 &
	echo $! >"$T/helper.pid"
	for _ in $(seq 100); do [ -e "$T/pid" ] && break; sleep 0.05; done
	run sh -c "cd '$start' && exec '$NSENTER' --join $(cat "$T/pid") sh -c 'readlink /proc/self/cwd; ls /proc/self/fd' 7<'$BATS_TEST_DIRNAME'"
	rmdir "$start"
	assert_equal "$(echo "$output" | tr '\n' ' ')" "/ 0 1 2 3 "
}

# --- user namespace

@test "--userns: container root is an unprivileged host uid; image files look like root's without chown" {
	"$NSENTER" --pid-file "$T/pid" --userns 231072:231072:65536 "$ROOTFS" sleep 30 >/dev/null 2>&1 &
	echo $! >"$T/helper.pid"
	for _ in $(seq 100); do [ -e "$T/pid" ] && break; sleep 0.05; done
	run grep -E '^(Uid|Gid|Groups):' "/proc/$(cat "$T/pid")/status"
	assert_line --regexp '^Uid:\s+231072\s+231072\s+231072\s+231072$'
	assert_line --regexp '^Gid:\s+231072\s+231072\s+231072\s+231072$'
	assert_line --regexp '^Groups:\s*$'
	run "$NSENTER" --userns 231072:231072:65536 "$ROOTFS" sh -c 'id -u; stat -c %u:%g /bin/busybox; touch /tmp/made'
	assert_success
	assert_output "$(printf '0\n0:0')"
	# on disk, the image (and what container root writes) stays root's
	[ "$(stat -c %u "$ROOTFS/tmp/made")" = 0 ]
}

@test "--userns --privileged: a root-only host file in a volume stays unreadable" {
	mkdir -p "$T/vol" && echo secret >"$T/vol/secret" && chmod 600 "$T/vol/secret"
	run "$NSENTER" --userns 231072:231072:65536 --privileged -v "$T/vol:/data" "$ROOTFS" sh -c 'echo started; cat /data/secret; mknod /tmp/n c 1 3 && echo made'
	assert_line --index 0 started
	assert_output --partial "cat: can't open '/data/secret': Permission denied"
	refute_line secret
	refute_line made
	run "$NSENTER" --privileged -v "$T/vol:/data" "$ROOTFS" cat /data/secret
	assert_output secret
}

@test "--join into a --userns container: same user namespace, same host uid, same restrictions" {
	"$NSENTER" --pid-file "$T/pid" --userns 231072:231072:65536 "$ROOTFS" sleep 30 >/dev/null 2>&1 &
	echo $! >"$T/helper.pid"
	for _ in $(seq 100); do [ -e "$T/pid" ] && break; sleep 0.05; done
	cpid=$(cat "$T/pid")
	"$NSENTER" --join "$cpid" --pid-file "$T/jpid" -w /tmp/joined sleep 30 >"$T/jout" 2>&1 &
	joiner=$!
	for _ in $(seq 100); do [ -e "$T/jpid" ] && break; sleep 0.05; done
	jpid=$(cat "$T/jpid")
	[ "$(readlink "/proc/$jpid/ns/user")" = "$(readlink "/proc/$cpid/ns/user")" ]
	run grep -E '^(Uid|Seccomp|NoNewPrivs):' "/proc/$jpid/status"
	assert_line --regexp '^Uid:\s+231072\s+231072\s+231072\s+231072$'
	assert_line --regexp '^Seccomp:\s+2$'
	assert_line --regexp '^NoNewPrivs:\s+1$'
	# the workdir it made belongs to the container's root (on disk: 0, idmapped)
	[ "$(stat -c %u "$ROOTFS/tmp/joined")" = 0 ]
	kill -KILL "$cpid"
	wait "$joiner" || true
}
