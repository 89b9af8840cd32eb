#!/usr/bin/env bats
# run: isolation seen from inside and from the host, exit codes, argv, env, bad input.

load helper

@test "run: echo in the busybox image prints and exits 0" {
	run ctr run --rm busybox echo hello world
	assert_success
	assert_output "hello world"
}

@test "run: argv reaches the command untouched (no shell string)" {
	run ctr run --rm busybox printf '[%s]' 'a b' '$HOME' '' "it's"
	assert_success
	assert_output "[a b][\$HOME][][it's]"
}

@test "run: new pid, mnt, uts, ipc and net namespaces (compared from the host)" {
	id=$(ctr run -d busybox sleep 30)
	pid=$(ctr inspect "$id" | jq -r .pid)
	[ "$pid" -gt 1 ]
	for ns in pid mnt uts ipc net; do
		[ "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] || fail "$ns namespace is the host's"
	done
	ctr rm -f "$id"
}

@test "run: ls / shows the image's root and nothing of the host" {
	touch "/tmp/ctr-host-marker-$CTR_PREFIX"
	run ctr run --rm busybox ls -a /
	assert_success
	assert_line bin
	assert_line etc
	refute_output --partial "ctr-host-marker"
	refute_line boot
	refute_line work
	rm -f "/tmp/ctr-host-marker-$CTR_PREFIX"
	run ctr run --rm busybox ls /tmp
	refute_output --partial "ctr-host-marker"
}

@test "run: hostname is the given name, and the host's is unchanged" {
	before=$(hostname)
	run ctr run --rm --hostname box1 busybox hostname
	assert_success
	assert_output box1
	[ "$(hostname)" = "$before" ]
}

@test "run: ps shows only the container's processes, with the command as PID 1" {
	run ctr run --rm busybox ps -o pid,args
	assert_success
	assert_line --regexp '^ +1 ps -o pid,args$'
	[ "${#lines[@]}" -eq 2 ] || fail "expected header + 1 process, got: $output"
}

@test "run: no host path in /proc/self/mountinfo" {
	run ctr run --rm busybox cat /proc/self/mountinfo
	assert_success
	refute_output --partial "$CTR_ROOT"
	refute_output --partial "/work"
	refute_output --partial "$BATS_TEST_TMPDIR"
}

@test "run: /dev holds only the safe nodes" {
	run ctr run --rm busybox ls /dev
	assert_success
	for n in null zero full random urandom tty pts ptmx shm mqueue fd stdin stdout stderr; do
		assert_line "$n"
	done
	refute_line sda
	refute_line vda
	refute_line mem
	refute_line kmsg
}

@test "run: 5 filesystems of the container's own (proc, sysfs, /dev, devpts, mqueue); the masked dirs and /dev/shm are /dev's" {
	# each superblock costs every memory cgroup on the host a shrinker slot (docs/design.md):
	# the masked directories are read-only binds of an empty directory of /dev's tmpfs, gone
	# from /dev once they are bound (a dead directory: nothing can be made in it)
	run ctr run --rm busybox sh -c 'awk "\$5 != \"/\" { print \$3 }" /proc/self/mountinfo | sort -u | tr "\n" " "; echo
		awk "\$5 == \"/dev\" || \$5 == \"/dev/shm\" || \$5 == \"/proc/acpi\" || \$5 == \"/sys/firmware\" { print \$5, \$3, \$4, \$6 }" /proc/self/mountinfo
		stat -c "%a %U" /dev/shm; echo data >/dev/shm/f && cat /dev/shm/f
		printf "#!/bin/sh\necho ran\n" >/dev/shm/x && chmod +x /dev/shm/x && /dev/shm/x
		echo "masked: $(ls -A /sys/firmware | wc -l) entries"; ls -A /dev | grep -c mask
		touch /sys/firmware/y; mkdir /sys/firmware/d'
	# its own: the filesystems the host has not mounted (the host's /dev nodes, a cgroup2 are shared)
	own=$(tr ' ' '\n' <<<"${lines[0]}" | grep . | grep -vxFf <(awk '{ print $3 }' /proc/self/mountinfo | sort -u) | wc -l)
	assert_equal "$own" 5
	dev=$(awk '$1 == "/dev" { print $2 }' <<<"$output")
	[ -n "$dev" ]
	assert_line "/dev/shm $dev /shm rw,nosuid,nodev,noexec"
	assert_line --regexp "^/sys/firmware $dev /\.ctr-mask\.[0-9]+//deleted ro,nosuid,nodev,noexec"
	[ ! -d /proc/acpi ] || assert_line --regexp "^/proc/acpi $dev /\.ctr-mask\.[0-9]+//deleted ro,nosuid,nodev,noexec"
	assert_line "1777 root"
	assert_line data
	refute_line ran
	assert_output --partial "/dev/shm/x: Permission denied"
	assert_line "masked: 0 entries"
	assert_line 0
	assert_output --partial "touch: /sys/firmware/y: No such file or directory"
	assert_output --partial "mkdir: can't create directory '/sys/firmware/d'"
}

@test "run: exit codes propagate (0, 3, 127 not found, 126 not executable, 137 SIGKILL)" {
	run ctr run --rm busybox sh -c 'exit 3'
	assert_failure 3
	run -127 ctr run --rm busybox /no/such/cmd
	assert_output --partial "/no/such/cmd"
	run ctr run --rm busybox /etc/passwd
	assert_failure 126
	run ctr run --rm busybox sh -c 'sleep 60 & kill -9 $!; wait $!'
	assert_failure 137
}

@test "run: a container killed by SIGKILL from the host exits 137" {
	id=$(ctr run -d busybox sleep 60)
	kill -KILL "$(ctr inspect "$id" | jq .pid)"
	wait_for test -f "$CTR_ROOT/containers/$id/exit"
	[ "$(ctr inspect "$id" | jq .exit_code)" = 137 ]
	run ctr ps -a
	assert_line --regexp "^$id .* Exited \\(137\\) "
	ctr rm "$id"
}

@test "run: -e sets the environment, -w the directory; the environment is clean" {
	FOO_HOST=leak run ctr run --rm -e A=1 -e 'B=two words' -w /etc busybox sh -c 'echo "$A|$B|$(pwd)|${FOO_HOST:-}|$HOSTNAME"'
	assert_success
	assert_output --regexp '^1\|two words\|/etc\|\|[0-9a-f]{12}$'
}

@test "run: --name is unique and usable in place of the ID" {
	id=$(ctr run -d --name web1 busybox sleep 30)
	run ctr run -d --name web1 busybox true
	assert_failure 125
	assert_output --partial "ctr: name web1: already in use"
	[ "$(ctr inspect web1 | jq -r .id)" = "$id" ]
	[ "$(ls "$CTR_ROOT/containers" | wc -l)" -eq 1 ]
	ctr rm -f web1
}

@test "run: bad input is a clear error and leaves nothing behind" {
	run ctr run --rm no-such-image true
	assert_failure 125
	assert_output "ctr: image no-such-image: no such image"
	run ctr run --bogus busybox true
	assert_failure 125
	assert_output --partial "ctr: run: unknown option --bogus"
	run ctr run --name 'bad/name' busybox true
	assert_failure 125
	run ctr run
	assert_failure 125
	[ -z "$(ls "$CTR_ROOT/containers")" ]
	[ -z "$(ip netns list 2>/dev/null | grep "^$CTR_PREFIX-")" ]
	run btrfs subvolume list "$POOL_DIR"
	assert_success
	refute_output --partial containers/
}

@test "run: SIGTERM to ctr's helper is forwarded into the container" {
	id=$(ctr run -d busybox sh -c 'trap "echo got-term; exit 7" TERM; while :; do sleep 0.1; done')
	wait_for grep -q . "$CTR_ROOT/containers/$id/pid"
	sleep 0.3
	kill -TERM "$(cat "$CTR_ROOT/containers/$id/shim.pid")"
	wait_for test -f "$CTR_ROOT/containers/$id/exit"
	run ctr logs "$id"
	assert_output got-term
	[ "$(ctr inspect "$id" | jq .exit_code)" = 7 ]
	ctr rm "$id"
}

@test "run: concurrent runs never collide" {
	for i in $(seq 8); do ctr run -d --name "c$i" busybox sleep 20 >"$BATS_TEST_TMPDIR/id$i" & done
	wait
	[ "$(cat "$BATS_TEST_TMPDIR"/id* | sort -u | wc -l)" -eq 8 ]
	[ "$(ctr ps -q | wc -l)" -eq 8 ]
	ctr rm -f $(cat "$BATS_TEST_TMPDIR"/id*)
	[ -z "$(ctr ps -aq)" ]
}
