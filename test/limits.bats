#!/usr/bin/env bats
# limits: -m/--memory, --memory-swap, --cpus, --cpu-shares, --pids-limit, stats, the cgroup's lifetime.
# Programs from the busybox image prove the limits: memhog, cpuhog, forkbomb (images/progs/).
# The checks read the cgroup filesystem directly (v1/hybrid or pure v2), not through helpers/cgroup.sh.

load helper

# v2: /sys/fs/cgroup is a pure cgroup2 mount.
v2() { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }

# cg CONTROLLER CID: the container's group directory for CONTROLLER (one directory for all on v2).
cg() {
	if v2; then echo "/sys/fs/cgroup/$CTR_PREFIX/$2"; else echo "/sys/fs/cgroup/$1/$CTR_PREFIX/$2"; fi
}

# cpu_ns CID: the group's CPU usage counter in nanoseconds.
cpu_ns() {
	if v2; then
		awk '$1 == "usage_usec" { printf "%.0f\n", $2 * 1000 }' "$(cg cpu "$1")/cpu.stat"
	else
		cat "$(cg cpuacct "$1")/cpuacct.usage"
	fi
}

# no_trace: nothing of this test's containers is left: no container directory, no cgroup.
no_trace() {
	[ -z "$(ls -A "$CTR_ROOT/containers" 2>/dev/null)" ] || fail "container directory left: $(ls "$CTR_ROOT/containers")"
	run sh -c "ls -d /sys/fs/cgroup/*/$CTR_PREFIX/*/ /sys/fs/cgroup/$CTR_PREFIX/*/ 2>/dev/null"
	assert_output ""
}

@test "limits: a memory hog asking 4x --memory is OOM-killed: exit 137, inspect oom_killed, ps Exited (137)" {
	run ctr run --name hog -m 32m busybox memhog 128
	assert_equal "$status" 137
	assert_output --partial "allocated 10 MiB" # it was running, then killed
	refute_output --partial "done"
	refute_output --partial "malloc" # not a failed allocation: the kernel killed it
	run ctr inspect hog
	assert_success
	assert_equal "$(jq .oom_killed <<<"$output")" true
	assert_equal "$(jq .exit_code <<<"$output")" 137
	run ctr ps -a
	assert_line --regexp "hog .*Exited \(137\)"
}

@test "limits: the same memory hog under --memory succeeds and is not marked oom_killed" {
	run ctr run --name ok -m 64m busybox memhog 16
	assert_success
	assert_line "done 16 MiB"
	assert_equal "$(ctr inspect ok | jq .oom_killed)" false
}

@test "limits: the limits are in the group's files and PID 1 is in the group" {
	id=$(ctr run -d -m 32m --memory-swap 48m --cpus 0.5 --cpu-shares 512 --pids-limit 50 busybox sleep 60)
	pid=$(ctr inspect "$id" | jq .pid)
	if v2; then
		d=$(cg memory "$id")
		assert_equal "$(cat "$d/memory.max")" 33554432
		assert_equal "$(cat "$d/memory.swap.max")" 16777216
		assert_equal "$(cat "$d/cpu.max")" "50000 100000"
		assert_equal "$(cat "$d/cpu.weight")" 20 # runc's conversion of 512 shares
		assert_equal "$(cat "$d/pids.max")" 50
		assert_equal "$(cat /proc/$pid/cgroup)" "0::/$CTR_PREFIX/$id"
	else
		assert_equal "$(cat "$(cg memory "$id")/memory.limit_in_bytes")" 33554432
		assert_equal "$(cat "$(cg memory "$id")/memory.memsw.limit_in_bytes")" 50331648
		assert_equal "$(cat "$(cg cpu "$id")/cpu.cfs_quota_us")" 50000
		assert_equal "$(cat "$(cg cpu "$id")/cpu.cfs_period_us")" 100000
		assert_equal "$(cat "$(cg cpu "$id")/cpu.shares")" 512
		assert_equal "$(cat "$(cg pids "$id")/pids.max")" 50
		for c in memory cpu cpuacct pids; do
			grep -Eq "^[0-9]+:([^:]*,)?$c(,[^:]*)?:/$CTR_PREFIX/$id\$" /proc/$pid/cgroup ||
				fail "PID 1 is not in the $c group: $(cat /proc/$pid/cgroup)"
		done
	fi
	ctr rm -f "$id"
}

@test "limits: without flags: no memory or CPU limit, the default pids limit 4096" {
	id=$(ctr run -d busybox sleep 60)
	if v2; then
		assert_equal "$(cat "$(cg memory "$id")/memory.max")" max
		assert_equal "$(cat "$(cg cpu "$id")/cpu.max")" "max 100000"
	else
		[ "$(cat "$(cg memory "$id")/memory.limit_in_bytes")" -gt $((1 << 60)) ]
		assert_equal "$(cat "$(cg cpu "$id")/cpu.cfs_quota_us")" -1
	fi
	assert_equal "$(cat "$(cg pids "$id")/pids.max")" 4096
	ctr rm -f "$id"
}

@test "limits: a CPU hog under --cpus 0.5 uses 40-60% of one core, an unlimited one more" {
	lim=$(ctr run -d --cpus 0.5 busybox cpuhog)
	unl=$(ctr run -d busybox cpuhog)
	sleep 0.5
	# Over 60% is always a failure. Below 40% is one too, unless the unlimited hog also got less than
	# 90% of a core: then the machine is too busy to tell (other tests, an emulated guest); measure
	# again, and skip after 3 busy windows (the upper bound was still checked in each).
	for try in 1 2 3; do
		l0=$(cpu_ns "$lim") u0=$(cpu_ns "$unl") t0=$(date +%s%N)
		sleep 3
		l1=$(cpu_ns "$lim") u1=$(cpu_ns "$unl") t1=$(date +%s%N)
		pl=$(((l1 - l0) * 100 / (t1 - t0)))
		pu=$(((u1 - u0) * 100 / (t1 - t0)))
		echo "try $try: --cpus 0.5: $pl% of one core; unlimited: $pu%"
		[ "$pl" -le 60 ] || fail "--cpus 0.5 used $pl% of one core"
		[ "$pl" -ge 40 ] && [ "$pu" -gt 60 ] && break
		[ "$pu" -lt 90 ] || fail "--cpus 0.5 used $pl% of one core while an unlimited hog got $pu%"
	done
	if [ "$try" = 3 ] && { [ "$pl" -lt 40 ] || [ "$pu" -le 60 ]; }; then
		ctr rm -f "$lim" "$unl"
		skip "machine too busy: an unlimited CPU hog got only $pu% of a core (load $(cut -d' ' -f1-3 /proc/loadavg))"
	fi
	[ "$pu" -gt "$pl" ] || fail "the unlimited hog used only $pu%"
	ctr rm -f "$lim" "$unl"
}

@test "limits: a fork bomb under --pids-limit 50 stops at 50, the host stays responsive" {
	# PID 1 stays after the bomb: the group is released when it exits (test/exit.bats)
	id=$(ctr run -d --name bomb --pids-limit 50 busybox sh -c 'forkbomb 1000; echo bomb-rc $?; sleep 60')
	wait_for sh -c '"$1" logs bomb | grep -q "^bomb-rc "' _ "$CTR" || fail "the bomb never ended: $(ctr logs bomb)"
	run ctr logs bomb
	assert_line "bomb-rc 0"
	assert_line "fork: Resource temporarily unavailable"
	n=$(awk '$1 == "forked" { print $2 }' <<<"$output")
	[ "$n" -le 49 ] && [ "$n" -ge 40 ] || fail "forked $n children under a limit of 50 processes"
	d=$(cg pids "$id")
	[ "$(awk '$1 == "max" { print $2 }' "$d/pids.events")" -gt 0 ] || fail "pids.events: $(cat "$d/pids.events")"
	[ ! -f "$d/pids.peak" ] || [ "$(cat "$d/pids.peak")" -le 50 ] || fail "pids.peak $(cat "$d/pids.peak")"
	run timeout 5 sh -c 'echo responsive'
	assert_success
	ctr rm -f bomb >/dev/null
}

@test "limits: bad values get a clear error and leave nothing behind" {
	local bad=(
		"-m 1q|--memory 1q: invalid size"
		"-m -1|--memory -1: invalid size"
		"--memory 5m|--memory 5m: minimum memory limit allowed is 6MB"
		"--memory 99999999999999999999g|--memory 99999999999999999999g: too large"
		"-m 10m --memory-swap 5m|--memory-swap 5m: must be at least --memory 10m"
		"--memory-swap 1g|--memory-swap 1g: needs --memory too"
		"--cpus -1|--cpus -1: not a number of CPUs"
		"--cpus 1000|--cpus 1000: range of CPUs is from 0.01 to"
		"--cpus 0.001|--cpus 0.001: range of CPUs is from 0.01 to"
		"--cpu-shares abc|--cpu-shares abc: not an integer"
		"--cpu-shares 9999999|--cpu-shares 9999999: must be between"
		"--pids-limit -5|--pids-limit -5: must be between -1 and"
		"--pids-limit 99999999999|--pids-limit 99999999999: must be between -1 and"
	)
	for b in "${bad[@]}"; do
		# shellcheck disable=SC2086 # the options are words
		run ctr run ${b%%|*} busybox true
		assert_equal "$status" 125
		assert_output --partial "ctr: ${b#*|}"
		no_trace
	done
}

@test "limits: a limit whose controller is missing is an error, not ignored" {
	# a private mount namespace where the host has no cgroup controllers at all
	run unshare -m sh -c 'mount -t tmpfs none /sys/fs/cgroup && exec "$0" run --pids-limit 50 busybox true' "$CTR"
	assert_equal "$status" 125
	assert_output --partial "ctr: --pids-limit: the pids cgroup controller is not available"
	run unshare -m sh -c 'mount -t tmpfs none /sys/fs/cgroup && exec "$0" run -m 64m busybox true' "$CTR"
	assert_equal "$status" 125
	assert_output --partial "ctr: --memory: the memory cgroup controller is not available"
	no_trace
}

@test "cgroup layout: cached in the root for its boot and mount namespace; a stale cache is detected again" {
	local f=$CTR_ROOT/cgroup.layout id
	ctr run --rm busybox true
	[ "$(sed -n 's/^key=\([^ ]*\) .*/\1/p' "$f")" = "$(cat /proc/sys/kernel/random/boot_id)" ] || fail "$(cat "$f")"
	grep -qx 'end=1' "$f"
	# a private mount namespace without cgroups detects its own layout, not the host's cache
	run unshare -m sh -c 'mount -t tmpfs none /sys/fs/cgroup && exec "$0" run --pids-limit 50 busybox true' "$CTR"
	assert_equal "$status" 125
	assert_output --partial "ctr: --pids-limit: the pids cgroup controller is not available"
	# and what it saw is not taken back in the host's namespace
	id=$(ctr run -d --pids-limit 50 busybox sleep 60)
	assert_equal "$(cat "$(cg pids "$id")/pids.max")" 50
	ctr rm -f "$id"
	# another boot's cache, and one that names a hierarchy no longer mounted: detected again
	printf 'key=0-other-boot 1\nCG_MODE=v1\nCG_pids=\nCGV_pids=1\nend=1\n' >"$f"
	id=$(ctr run -d --pids-limit 51 busybox sleep 60)
	assert_equal "$(cat "$(cg pids "$id")/pids.max")" 51
	ctr rm -f "$id"
	mkdir "$BATS_TEST_TMPDIR/gone"
	sed -i "s|^CG_pids=.*|CG_pids=$BATS_TEST_TMPDIR/gone|" "$f"
	id=$(ctr run -d --pids-limit 52 busybox sleep 60)
	assert_equal "$(cat "$(cg pids "$id")/pids.max")" 52
	ctr rm -f "$id"
	run grep -c "$BATS_TEST_TMPDIR/gone" "$f"
	assert_output 0
	no_trace
}

@test "limits: rm removes the group from every controller and kills what is left in it" {
	id=$(ctr run -d -m 64m busybox sleep 60)
	if v2; then dirs=$(cg memory "$id"); else dirs="$(cg memory "$id") $(cg cpu "$id") $(cg cpuacct "$id") $(cg pids "$id")"; fi
	for d in $dirs; do [ -d "$d" ] || fail "no group $d"; done
	pid=$(ctr inspect "$id" | jq .pid)
	ctr rm -f "$id"
	for d in $dirs; do [ ! -d "$d" ] || fail "group $d left after rm"; done
	! kill -0 "$pid" 2>/dev/null || fail "PID 1 ($pid) still alive after rm"
	no_trace
}

@test "limits: cleanup removes groups whose container is gone, and no other group" {
	id=0123456789ab
	if v2; then dirs=$(cg memory $id); else dirs="$(cg memory $id) $(cg cpu $id) $(cg pids $id)"; fi
	keep=$(dirname "$(cg pids $id)")/keep-me
	ctr run --rm busybox true # makes the prefix's groups (and on v2 their subtree_control)
	for d in $dirs $keep; do mkdir "$d"; done
	run ctr cleanup
	assert_success
	assert_line "removed cgroup /$CTR_PREFIX/$id"
	for d in $dirs; do [ ! -d "$d" ] || fail "$d left by cleanup"; done
	[ -d "$keep" ] || fail "cleanup removed $keep"
	rmdir "$keep"
}

@test "stats: one row per running container with docker's columns, read from its group" {
	id=$(ctr run -d --name busy -m 64m --pids-limit 50 busybox cpuhog)
	idle=$(ctr run -d busybox sleep 60)
	run ctr stats
	assert_success
	assert_line --index 0 --regexp '^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +PIDS$'
	assert_line --regexp "^$id +busy +[0-9.]+% +[0-9.]+[KMG]?i?B / 64MiB +[0-9.]+% +[0-9]+$"
	assert_line --regexp "^$idle +- +0\.00% +"
	assert_equal "${#lines[@]}" 3
	# a busy machine may give cpuhog little CPU, but not nothing
	cpu=$(awk -v i="$id" '$1 == i { sub(/%/, "", $3); printf "%d", $3 }' <<<"$output")
	[ "$cpu" -ge 5 ] || fail "cpuhog shows $cpu% CPU"
	run ctr stats "$idle"
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 1 --regexp "^$idle +- +0\.00% +.* 1$"
	# docker's one-shot form; an option it does not know is refused
	run ctr stats --no-stream "$idle"
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 1 --regexp "^$idle +- +0\.00% +.* 1$"
	run ctr stats --all "$idle"
	assert_failure 125
	assert_output "ctr: stats: unknown option --all (see ctr.sh help)"
	ctr rm -f "$id" "$idle"
}

@test "limits: PID 1 is in every group from its first instruction: its cgroup namespace is rooted there, --pids-limit 1 forbids its first fork" {
	# builtins only (no fork) until the command substitution, which must fail
	run ctr run --rm --pids-limit 1 busybox sh -c 'while read -r l; do echo "cg $l"; done </proc/1/cgroup; echo "[$(echo forked)]"'
	assert_equal "$status" 2
	assert_output --partial "can't fork"
	refute_output --partial "[forked]"
	# each hierarchy's path is the namespace's root: made after PID 1 was moved (a namespace made
	# before would show the path of the container's group, /<prefix>/<id>)
	assert_line --regexp '^cg [0-9]+:[^:]*:/$'
	refute_line --regexp "^cg .*$CTR_PREFIX"
	run ctr run --rm busybox sh -c 'while read -r l; do case $l in *:/) ;; *) echo "not at its root: $l" ;; esac; done </proc/1/cgroup'
	assert_success
	assert_output ""
}

# shim_ticks PID: the process's user + system CPU time in clock ticks.
shim_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

@test "limits attack: a container's output flood is its own CPU: its supervisor is in its cpu groups while it runs" {
	v2 && skip "cgroup v2: the supervisor stays outside the container's group (docs/security.md, known gaps)"
	# `yes` under --cpus 0.1: its supervisor reads, logs and rotates every line. Outside the
	# container's groups it burnt 80% of a host core (measured) that no limit counted.
	id=$(ctr run -d --cpus 0.1 busybox yes)
	shim=$(cat "$CTR_ROOT/containers/$id/shim.pid")
	grep -qx "$shim" "$(cg cpu "$id")/tasks" || fail "the supervisor $shim is not in $(cg cpu "$id")"
	grep -qx "$shim" "$(cg cpuacct "$id")/tasks" || fail "the supervisor $shim is not in $(cg cpuacct "$id")"
	sleep 0.5
	s0=$(shim_ticks "$shim") g0=$(cpu_ns "$id") t0=$(date +%s%N)
	sleep 3
	s1=$(shim_ticks "$shim") g1=$(cpu_ns "$id") t1=$(date +%s%N)
	hz=$(getconf CLK_TCK)
	ps=$(((s1 - s0) * 1000000000 / hz * 100 / (t1 - t0)))
	pg=$(((g1 - g0) * 100 / (t1 - t0)))
	echo "supervisor: $ps% of a core; the container's group (supervisor included): $pg%"
	[ "$ps" -le 15 ] || fail "the supervisor of a --cpus 0.1 container used $ps% of a core"
	[ "$pg" -le 15 ] || fail "a --cpus 0.1 container's group used $pg% of a core"
	# it leaves the groups when PID 1 ends: the exit action (its child) removes them, killing what
	# is left in them; the supervisor records the exit and ends by itself
	ctr kill "$id"
	ctr wait "$id"
	for _ in $(seq 100); do [ -d "$(cg cpu "$id")" ] || break; sleep 0.1; done
	[ ! -d "$(cg cpu "$id")" ] || fail "group $(cg cpu "$id") left after the exit"
	run ctr ps -a --format '{{.Status}}'
	assert_output --regexp '^Exited \(137\)'
	for _ in $(seq 100); do kill -0 "$shim" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$shim" 2>/dev/null || fail "the supervisor $shim is still there"
	ctr rm "$id"
	no_trace
}

@test "limits attack: a container's TCP buffers count in its memory group: -m bounds them, an eighth of the host's tcp_mem without" {
	v2 && skip "cgroup v2 counts socket buffers in memory.current: -m bounds them already"
	[ -f /sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes ] || skip "no memory.kmem.tcp on this kernel"
	# cgroup v1 counts a group's socket buffers only once its memory.kmem.tcp limit is set: 40
	# loopback connections that are never read held 161 MiB of the host's kernel memory in a
	# -m 64m container (its group said 2.5 MB), and ~560 reach tcp_mem's hard limit, past which
	# every TCP socket of the host fails to grow (measured).
	id=$(ctr run -d -m 32m busybox tcphog 40)
	WAIT_FOR_SECONDS=20 wait_for grep -q queued "$CTR_ROOT/containers/$id/log" || fail "tcphog: $(ctr logs "$id")"
	run ctr logs "$id"
	echo "$output; the group's TCP memory: $(cat "$(cg memory "$id")/memory.kmem.tcp.usage_in_bytes")"
	mib=$(sed -n 's/^queued \([0-9]*\) MiB.*/\1/p' <<<"$output")
	[ "$mib" -le 34 ] || fail "a -m 32m container queued $mib MiB in TCP buffers"
	[ "$(cat "$(cg memory "$id")/memory.kmem.tcp.limit_in_bytes")" = 33554432 ]
	# update moves it with -m
	ctr update --memory 64m "$id"
	[ "$(cat "$(cg memory "$id")/memory.kmem.tcp.limit_in_bytes")" = 67108864 ]
	ctr rm -f "$id"
	# without -m: an eighth of tcp_mem's hard limit
	read -r _ _ max </proc/sys/net/ipv4/tcp_mem
	id=$(ctr run -d busybox sleep 60)
	[ "$(cat "$(cg memory "$id")/memory.kmem.tcp.limit_in_bytes")" = $((max * $(getconf PAGESIZE) / 8 / 4096 * 4096)) ] ||
		fail "the TCP limit without -m: $(cat "$(cg memory "$id")/memory.kmem.tcp.limit_in_bytes")"
	ctr rm -f "$id"
	no_trace
}
