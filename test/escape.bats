#!/usr/bin/env bats
# test/escape.bats - the escape suite through `ctr.sh run`: root inside a container (docker's
# defaults) tries to harm the host. Each attempt must fail inside, and the host is checked from
# the host to be unharmed. Where an attempt gets further once one layer is lifted, that is shown
# too: it proves which layer stops it (docs/security.md has the table).
# test/escape-probe.c makes the syscalls busybox has no applet for; it reaches the container
# through a read-only volume on /t.

bats_require_minimum_version 1.5.0
load helper

setup_file() {
	mkdir -p "$BATS_FILE_TMPDIR/t"
	cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -static -o "$BATS_FILE_TMPDIR/t/escape-probe" \
		"$BATS_TEST_DIRNAME/escape-probe.c"
}

setup() {
	ctr_setup
	T=$BATS_FILE_TMPDIR/t
	RESTORE=''
}

teardown() {
	# "file value": put back a host setting a failed test may have changed
	[ -z "$RESTORE" ] || printf '%s\n' "${RESTORE#* }" >"${RESTORE%% *}"
	[ -z "${HOSTPID:-}" ] || kill "$HOSTPID" 2>/dev/null
	ctr_teardown
}

# probe ARGS...: run the escape probe in a new container with run's default security.
probe() { ctr run --rm -v "$T:/t:ro" "$@"; }

# status_field FIELD: from the probe's key=value lines in $output.
field() { printf '%s\n' "$output" | sed -n "s/^$1=//p"; }

# docker's default set, within what the host shell holds (hex, as /proc/PID/status).
docker_caps() {
	printf '%016x' $((0xa80425fb & 0x$(awk '$1 == "CapPrm:" { print $2 }' /proc/self/status)))
}

# host_disk: MAJ:MIN of the host's first real disk, else of its first loop device (a qemu guest on
# 9p has no disk), else sda's.
host_disk() {
	local d
	for d in /sys/block/*/device /sys/block/loop*/device /sys/block/loop*; do
		[ -e "$d" ] && { cat "${d%/device}/dev"; return 0; }
	done
	echo 8:0
}

# --- the defaults, and the options that change them

@test "defaults: docker's capabilities (bounding, permitted, effective), no inheritable or ambient, no_new_privs, seccomp" {
	run ctr run --rm busybox probe
	assert_success
	assert_equal "$(field cap_bnd)" "$(docker_caps)"
	assert_equal "$(field cap_prm)" "$(docker_caps)"
	assert_equal "$(field cap_eff)" "$(docker_caps)"
	assert_equal "$(field cap_inh)" 0000000000000000
	assert_equal "$(field cap_amb)" 0000000000000000
	assert_equal "$(field no_new_privs)" 1
	assert_equal "$(field seccomp)" 2
	assert_equal "$(field uid)" 0
}

@test "--cap-add/--cap-drop change all three sets; names as docker's; an unknown one is refused before anything is made" {
	run ctr run --rm --cap-drop chown --cap-add CAP_NET_ADMIN busybox probe
	assert_success
	want=$(printf '%016x' $(((0x$(docker_caps) & ~(1 << 0)) | (1 << 12))))
	assert_equal "$(field cap_eff)" "$want"
	assert_equal "$(field cap_bnd)" "$want"
	run ctr run --rm --cap-drop ALL --cap-add SYS_PTRACE busybox probe
	assert_equal "$(field cap_eff)" "$(printf '%016x' $((1 << 19)))"
	run ctr run --rm --cap-drop CHOWN busybox sh -c 'touch /f && chown 1 /f'
	assert_failure
	assert_output --partial "Operation not permitted"
	run -125 ctr run --rm --cap-add NOT_A_CAP busybox true
	assert_output "ctr: --cap-add NOT_A_CAP: unknown capability (e.g. NET_ADMIN, SYS_PTRACE or ALL)"
	run ls "$CTR_ROOT/containers"
	assert_output ""
}

@test "--privileged: every capability, no seccomp, no no_new_privs, no devices group (documented as unsafe)" {
	run ctr run --rm --privileged busybox probe
	assert_equal "$(field cap_eff)" "$(awk '$1 == "CapPrm:" { print $2 }' /proc/self/status)"
	assert_equal "$(field seccomp)" 0
	assert_equal "$(field no_new_privs)" 0
	id=$(ctr run -d --privileged busybox sleep 60)
	run jq -r .security.device_cgroup "$CTR_ROOT/containers/$id/config.json"
	assert_output null
}

@test "--security-opt: seccomp=unconfined lifts only the filter; unsupported forms are refused" {
	run ctr run --rm --security-opt seccomp=unconfined busybox probe
	assert_equal "$(field seccomp)" 0
	assert_equal "$(field no_new_privs)" 1
	assert_equal "$(field cap_eff)" "$(docker_caps)"
	run ctr run --rm --security-opt=no-new-privileges:true busybox probe
	assert_equal "$(field seccomp)" 2
	run -125 ctr run --rm --security-opt seccomp=/etc/profile.json busybox true
	assert_output --partial "only seccomp=unconfined or seccomp=default"
	run -125 ctr run --rm --security-opt no-new-privileges=false busybox true
	assert_output --partial "always sets no_new_privs"
	run -125 ctr run --rm --security-opt apparmor=unconfined busybox true
	assert_output --partial "not supported"
}

@test "-u UID:GID: that user, no capabilities left, no groups; a bad user is refused" {
	run ctr run --rm -u 1000:1001 busybox probe
	assert_equal "$(field uid)" 1000
	assert_equal "$(field gid)" 1001
	assert_equal "$(field groups)" ""
	assert_equal "$(field cap_eff)" 0000000000000000
	assert_equal "$(field cap_prm)" 0000000000000000
	assert_equal "$(field cap_bnd)" "$(docker_caps)"
	run ctr run --rm --user nobody busybox id -u
	assert_output 65534
	run -125 ctr run --rm -u 'a b' busybox true
	assert_output "ctr: --user a b: expected USER[:GROUP], names or numbers"
	run -125 ctr run --rm -u no-such-user busybox true
	assert_output --partial "user no-such-user: not found in /etc/passwd"
}

@test "exec: the same user, capabilities, seccomp, no_new_privs and devices group as the container" {
	id=$(ctr run -d -u 1000 --cap-drop ALL --cap-add KILL busybox sleep 60)
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	run ctr exec "$id" probe
	assert_equal "$(field uid)" 1000
	for f in CapEff CapBnd Seccomp NoNewPrivs; do
		k=$(echo "$f" | sed 's/Cap\(...\)/cap_\1/; s/NoNewPrivs/no_new_privs/' | tr '[:upper:]' '[:lower:]')
		assert_equal "$(field "$k")" "$(awk -v f="$f:" '$1 == f { print $2 }' "/proc/$pid/status")"
	done
	assert_equal "$(field cap_bnd)" "$(printf '%016x' $((1 << 5)))"
	# the exec'd process is in the container's devices group (seen from the host)
	ctr exec "$id" sleep 31 >/dev/null 2>&1 3>&- &
	wait_for pgrep -xf "sleep 31" >/dev/null
	dir=$(jq -r .security.device_cgroup "$CTR_ROOT/containers/$id/config.json")
	grep -qx "$(pgrep -xf 'sleep 31')" "$dir/cgroup.procs"
}

# --- the kernel's knobs

@test "/proc/sysrq-trigger (bocker #29: echo b reboots the host): read-only; no sysrq reaches the host" {
	[ -e /proc/sysrq-trigger ] || skip "this kernel has no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ)"
	before=$(dmesg | grep -c 'sysrq: HELP' || true)
	# h (help) is harmless if it got through: it only prints to the kernel log
	run ctr run --rm busybox sh -c 'echo h >/proc/sysrq-trigger; grep " /proc/sysrq-trigger " /proc/self/mountinfo'
	assert_output --partial "Read-only file system"
	assert_output --regexp ' /proc/sysrq-trigger ro,'
	[ "$(dmesg | grep -c 'sysrq: HELP' || true)" = "$before" ]
}

@test "/proc/sys/kernel: core_pattern (a host code-execution hook) cannot be written; the host's is unchanged" {
	f=/proc/sys/kernel/core_pattern
	before=$(cat "$f")
	RESTORE="$f $before"
	run ctr run --rm busybox sh -c "echo '|/tmp/ctr-escape %p' >$f; cat $f"
	assert_output --partial "Read-only file system"
	[ "$(cat "$f")" = "$before" ]
	run ctr run --rm busybox grep -E ' /proc/(sys|irq|bus|fs) ro,' /proc/self/mountinfo
	assert_equal "${#lines[@]}" "$(ls -d /proc/sys /proc/irq /proc/bus /proc/fs 2>/dev/null | wc -l)"
}

@test "mount proc or tmpfs, remount / read-write under --read-only, mount a cgroup: refused; no mount appears" {
	id=$(ctr run -d --read-only -v "$T:/t:ro" busybox sleep 60)
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	before=$(wc -l <"/proc/$pid/mountinfo")
	run ctr exec "$id" /t/escape-probe mount_proc=/tmp mount_tmpfs=/tmp mount_cgroup=/tmp remount_rw=/
	assert_output "$(printf 'mount_proc=EPERM\nmount_tmpfs=EPERM\nmount_cgroup=EPERM\nremount_rw=EPERM')"
	run ctr exec "$id" sh -c 'mount -t tmpfs x /tmp; mount -o remount,rw /; touch /escaped'
	assert_output --partial "Read-only file system"
	# from the host: the container's mounts are unchanged, and nothing was written in its root
	[ "$(wc -l <"/proc/$pid/mountinfo")" = "$before" ]
	run awk '$5 == "/" { print $6 }' "/proc/$pid/mountinfo"
	assert_output --regexp '^ro,'
	[ ! -e "$(tree_path containers "$id")/escaped" ]
}

# --- devices

@test "mknod of the host's disk and read it: mknod refused (devices cgroup); a node from the host is inert (nodev)" {
	disk=$(host_disk)
	maj=${disk%:*} min=${disk#*:}
	run ctr run --rm busybox sh -c "mknod /tmp/disk b $maj $min && head -c 512 /tmp/disk | wc -c"
	assert_failure
	assert_output "mknod: /tmp/disk: Operation not permitted"
	# CAP_MKNOD is there: the allowed /dev/null node can be made, but nodev keeps it inert
	run ctr run --rm busybox sh -c 'mknod /tmp/null c 1 3 && echo made && echo x >/tmp/null'
	assert_line made
	assert_output --partial "Permission denied"
	# a node the host put in a volume: nodev, and the devices cgroup, refuse it
	mkdir "$BATS_TEST_TMPDIR/vol"
	mknod "$BATS_TEST_TMPDIR/vol/disk" b "$maj" "$min"
	run ctr run --rm -v "$BATS_TEST_TMPDIR/vol:/v" busybox head -c 512 /v/disk
	assert_failure
	assert_output --partial "Permission denied"
	# from the host: PID 1 is in the devices group, which (v1) allows only the harmless nodes
	id=$(ctr run -d busybox sleep 60)
	dir=$(jq -r .security.device_cgroup "$CTR_ROOT/containers/$id/config.json")
	grep -qx "$(cat "$CTR_ROOT/containers/$id/pid")" "$dir/cgroup.procs"
	if [ -f "$dir/devices.list" ]; then
		run cat "$dir/devices.list"
		assert_output "$(printf 'c 1:3 rwm\nc 1:5 rwm\nc 1:7 rwm\nc 1:8 rwm\nc 1:9 rwm\nc 5:0 rwm\nc 5:2 rwm\nc 136:* rwm')"
	fi
	ctr rm -f "$id" >/dev/null
	[ ! -e "$dir" ]
}

@test "the host's device nodes in /dev and over masked /proc files: no chmod, chown or touch of them reaches the host" {
	# the attack changes nothing it could not put back (the same mode, owner and times): the
	# host's ctime would still show it. Without read-only binds, chmod 0 /dev/null would have
	# broken every user of the host's /dev/null.
	local nodes='/dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty' before f
	before=$(stat -c '%n %a %u %Y %Z' $nodes)
	run ctr run --rm busybox sh -c 'for f in '"$nodes"' /proc/keys /proc/timer_list /proc/interrupts; do
		[ -e "$f" ] || continue
		m=$(stat -c %a "$f") o=$(stat -c %u:%g "$f")
		chmod "$m" "$f" && echo "chmod $f: done"; chown "$o" "$f" && echo "chown $f: done"
		touch -c -r "$f" "$f" && echo "touch $f: done"
	done; echo x >/dev/null && echo "write /dev/null: ok"; head -c 3 /dev/zero | wc -c'
	refute_output --partial ': done'
	assert_output --partial 'chmod: /dev/null: Read-only file system'
	assert_output --partial 'chown: /proc/keys: Read-only file system'
	assert_line 'write /dev/null: ok'
	assert_line 3
	assert_equal "$(stat -c '%n %a %u %Y %Z' $nodes)" "$before"
}

@test "devices through cgroup2's eBPF program (CTR_DEVICE_CONTROL=bpf): the disk refused, /dev/null, ptys work" {
	awk '$3 == "cgroup2"' /proc/self/mounts | grep -q . || skip "no cgroup2 mount"
	disk=$(host_disk)
	export CTR_DEVICE_CONTROL=bpf
	id=$(ctr run -d busybox sleep 60)
	dir=$(jq -r .security.device_cgroup "$CTR_ROOT/containers/$id/config.json")
	[ "$(stat -f -c %T "$dir")" = cgroup2fs ]
	grep -qx "$(cat "$CTR_ROOT/containers/$id/pid")" "$dir/cgroup.procs"
	run ctr exec "$id" sh -c "mknod /tmp/disk b ${disk%:*} ${disk#*:}; mknod /tmp/n c 1 3 && echo null-made; echo x >/dev/null && echo null-ok"
	assert_line "mknod: /tmp/disk: Operation not permitted"
	assert_line null-made
	assert_line null-ok
	run ctr exec -t "$id" tty
	assert_output --partial /dev/pts/
	ctr rm -f "$id"
	[ ! -e "$dir" ]
}

# --- kernel modules, kexec, reboot, hostname

@test "kernel modules, kexec_load, reboot(2): EPERM; with SYS_BOOT, reboot stays in the pid namespace" {
	run probe busybox /t/escape-probe init_module finit_module delete_module kexec_load reboot
	assert_output "$(printf '%s=EPERM\n' init_module finit_module delete_module kexec_load reboot)"
	# the capability and the filter lifted: the pid namespace still keeps reboot away from the host
	run probe --cap-add SYS_BOOT busybox /t/escape-probe reboot
	assert_output "reboot=EINVAL"
}

@test "sethostname, also from a second UTS namespace: refused; with SYS_ADMIN only the container's name changes" {
	host=$(hostname)
	run probe --hostname box busybox sh -c '/t/escape-probe sethostname=evil unshare_uts=evil2; hostname'
	assert_output "$(printf 'sethostname=EPERM\nunshare_uts=EPERM\nbox')"
	[ "$(hostname)" = "$host" ]
	run probe --hostname box --cap-add SYS_ADMIN busybox sh -c '/t/escape-probe sethostname=changed; hostname'
	assert_output "$(printf 'sethostname=ok\nchanged')"
	[ "$(hostname)" = "$host" ]
}

# --- the runtime's own binary, fds and directories

@test "CVE-2019-5736: /proc/1/exe (--init) is on a read-only overlayfs, a #!/proc/self/exe exec gets nowhere; the host binary is unchanged" {
	helper=${CTR_LIBEXEC:-$TOP/build}
	sum=$(sha256sum <"$helper/nsenter-chroot")
	id=$(ctr run -d --init -v "$T:/t:ro" busybox sh -c 'printf "#!/proc/self/exe\n" >/evil; chmod +x /evil; exec sleep 60')
	run ctr exec "$id" sh -c 'readlink /proc/1/exe; echo x >>/proc/1/exe; echo x >/proc/1/exe; /t/escape-probe write_exe=/proc/1/exe'
	assert_line --index 0 /nsenter-chroot
	[ "$(echo "$output" | grep -c 'Read-only file system')" -eq 2 ]
	assert_line write_exe=EROFS
	# the helper re-run through the script: its exe is that overlayfs too, and it refuses the argv
	ctr exec "$id" sh -c 'while :; do for p in /proc/[0-9]*; do echo x >>$p/exe && echo "WROTE $p"; done 2>/dev/null; done' >"$BATS_TEST_TMPDIR/race" 2>&1 3>&- &
	for _ in 1 2 3 4 5; do
		run ! ctr exec "$id" /evil
	done
	kill %1 2>/dev/null || true
	refute grep -q WROTE "$BATS_TEST_TMPDIR/race"
	[ "$(sha256sum <"$helper/nsenter-chroot")" = "$sum" ]
}

@test "CVE-2024-21626: no fd of the caller reaches the container, cwd is inside, nothing of the host in /proc/1/root" {
	exec 7<"$BATS_TEST_DIRNAME"
	run ctr run --rm busybox probe
	exec 7<&-
	assert_equal "$(field fds)" 0,1,2
	assert_equal "$(field cwd)" /
	id=$(ctr run -d busybox sleep 60)
	run sh -c "cd '$BATS_TEST_DIRNAME' && exec '$CTR' exec '$id' sh -c 'readlink /proc/self/cwd; ls /proc/self/fd; ls /proc/1/root/'" 7<"$BATS_TEST_DIRNAME"
	assert_line --index 0 /
	refute_output --partial "$(basename "$BATS_TEST_DIRNAME")"
	refute_line escape.bats
	# from the host: no fd of a container process points outside the container's files
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	run ls -l "/proc/$pid/fd"
	refute_output --partial "$BATS_TEST_DIRNAME"
	refute_output --partial "$CTR_ROOT"
}

# --- cgroups, handles, ptrace, the terminal

@test "CVE-2022-0492: no cgroupfs, no mount, no new user namespace to write a release_agent; the host's are unchanged" {
	before=$(for f in /sys/fs/cgroup/*/release_agent; do echo "$f=$(cat "$f")"; done)
	run probe busybox sh -c 'grep -c cgroup /proc/self/mountinfo; /t/escape-probe unshare_user mount_cgroup=/tmp; unshare -Urm sh -c "mount -t cgroup -o rdma x /tmp && echo /tmp/x >/tmp/release_agent"; touch /sys/ctr-escape'
	assert_line --index 0 0
	assert_line unshare_user=EPERM
	assert_line mount_cgroup=EPERM
	assert_output --regexp "unshare: unshare\(0x[0-9a-f]+\): Operation not permitted"
	assert_output --partial "Read-only file system"
	[ "$(for f in /sys/fs/cgroup/*/release_agent; do echo "$f=$(cat "$f")"; done)" = "$before" ]
}

@test "open_by_handle_at (shocker): EPERM, also on a host filesystem in a volume" {
	mkdir "$BATS_TEST_TMPDIR/vol"
	run probe -v "$BATS_TEST_TMPDIR/vol:/v" busybox /t/escape-probe open_by_handle_at=/v open_by_handle_at=/dev/null
	assert_output "$(printf 'open_by_handle_at=EPERM\nopen_by_handle_at=EPERM')"
}

@test "ptrace a process outside: EPERM; with SYS_PTRACE it is still invisible (pid namespace); the host process is not traced" {
	sleep 300 &
	HOSTPID=$!
	run probe busybox /t/escape-probe "ptrace=$HOSTPID"
	assert_output "ptrace=EPERM"
	run probe --cap-add SYS_PTRACE busybox /t/escape-probe "ptrace=$HOSTPID"
	assert_output "ptrace=ESRCH"
	run awk '$1 == "TracerPid:" { print $2 }' "/proc/$HOSTPID/status"
	assert_output 0
}

@test "TIOCSTI into the caller's terminal (CVE-2017-5226): EPERM from the seccomp filter, and from the session without it" {
	command -v script >/dev/null || skip "script(1) not installed"
	run script -qec "'$CTR' run -i --rm -v '$T:/t:ro' busybox /t/escape-probe tiocsti=x" /dev/null
	assert_output --partial "tiocsti=EPERM"
	# with -t the container has its own pty: its TIOCSTI could only type into that one
	run ctr run -t --rm busybox readlink /proc/self/fd/0
	assert_output --regexp '^/dev/pts/0'
	# without the filter the container is still in a session of its own: the caller's terminal is
	# not its controlling terminal, and TIOCSTI on another terminal needs CAP_SYS_ADMIN
	run script -qec "'$CTR' run -i --rm --security-opt seccomp=unconfined -v '$T:/t:ro' busybox /t/escape-probe tiocsti=x" /dev/null
	assert_output --partial "tiocsti=E"
	refute_output --partial "tiocsti=ok"
	# the same for exec
	local id
	id=$(ctr run -d -v "$T:/t:ro" --security-opt seccomp=unconfined busybox sleep 60)
	run script -qec "'$CTR' exec -i $id /t/escape-probe tiocsti=x" /dev/null
	assert_output --partial "tiocsti=E"
	refute_output --partial "tiocsti=ok"
	# the probe itself, on the host, can push input into its own terminal: the check is real
	run script -qec "'$T/escape-probe' tiocsti=x" /dev/null
	assert_output --partial "tiocsti=ok"
}

@test "network defaults: any user may ping (ICMP echo sockets) and bind ports below 1024, in the container's netns only" {
	local host_pgr host_ups
	host_pgr=$(cat /proc/sys/net/ipv4/ping_group_range)
	host_ups=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	# no NET_RAW needed: a non-root user, and root of a user namespace, ping the bridge
	run ctr run --rm -u 1000 -v "$T:/t:ro" busybox sh -c '/t/escape-probe icmp_echo=$(ip route | awk "/^default/ { print \$3 }")'
	assert_output "icmp_echo=ok"
	run ctr run --rm --userns -v "$T:/t:ro" busybox sh -c '/t/escape-probe icmp_echo=$(ip route | awk "/^default/ { print \$3 }")'
	assert_output "icmp_echo=ok"
	run ctr run --rm -u 1000 busybox sh -c 'nc -l -p 80 & sleep 0.5; netstat -ltn; kill $!'
	assert_output --regexp ':80 +[^ ]+ +LISTEN'
	run ctr run --rm --net none busybox cat /proc/sys/net/ipv4/ping_group_range
	assert_output $'0\t2147483647'
	# the host's own settings are not touched
	assert_equal "$(cat /proc/sys/net/ipv4/ping_group_range)" "$host_pgr"
	assert_equal "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" "$host_ups"
}

# --- hostile images

@test "volume on a symlink to / in the image (/data -> /): refused, the host's / is not mounted over" {
	mkdir -p "$BATS_TEST_TMPDIR/img" "$BATS_TEST_TMPDIR/x"
	cp -a "$TOP/build/rootfs/busybox/." "$BATS_TEST_TMPDIR/img/"
	ln -s / "$BATS_TEST_TMPDIR/img/data"
	echo payload >"$BATS_TEST_TMPDIR/x/escaped"
	ctr init "$BATS_TEST_TMPDIR/img" evil >/dev/null
	run -125 ctr run --rm -v "$BATS_TEST_TMPDIR/x:/data" evil true
	assert_output --partial "volume /data: resolves to the container's root"
	[ ! -e /escaped ]
	refute grep -q "$BATS_TEST_TMPDIR/x" /proc/self/mountinfo
	run ls "$CTR_ROOT/containers"
	assert_output ""
}
