#!/usr/bin/env bats
# rootless: an ordinary user runs containers (helpers/rootless.sh, docs/rootless.md). setup_file
# makes a ctr root with its pool, two throwaway users (system users: useradd gives them no
# subordinate ids, rootless-setup does) and runs the one-time root step for both; every test then
# acts as one of them through setpriv (no root, no capability). teardown_file removes the users,
# their /etc/subuid and /etc/subgid lines, their processes (by pid), the pool and every file.

load helper
load fixtures/registry
load tmux

setup_file() {
	local r
	r=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	export RL_BASE RL_UA RL_UB RL_UC RL_IDA RL_IDB RL_IDC
	RL_BASE=$(mktemp -d /tmp/ctr-rl.XXXXXX)
	chmod 0755 "$RL_BASE"
	export CTR_PREFIX="ctrtrl$r" CTR_ROOT="$RL_BASE/sys" CTR_POOL="$RL_BASE/pool" CTR_POOL_SIZE=1G
	RL_UA="ctrrl${r}a" RL_UB="ctrrl${r}b" RL_UC="ctrrl${r}c"
	# rootless-setup makes /dev/net/tun 0666 (pasta) where it is not: put back in teardown_file
	# (tun_hold: not while another test file changes it)
	tun_hold
	export RL_TUN_MODE
	RL_TUN_MODE=$(stat -c %a /dev/net/tun 2>/dev/null) || RL_TUN_MODE="" # none: a guest without tun (make test-v2)
	for u in "$RL_UA" "$RL_UB" "$RL_UC"; do
		useradd -r -M -d "$RL_BASE/home-$u" -s /bin/sh "$u"
		mkdir -m 0700 "$RL_BASE/home-$u" "$RL_BASE/run-$u"
		chown "$u:" "$RL_BASE/home-$u" "$RL_BASE/run-$u"
		"$CTR" rootless-setup "$u" >/dev/null
	done
	# C: its pool directory, but no subordinate ids (a single-id mapping)
	(flock 9; sed -i "/^$RL_UC:/d" /etc/subuid /etc/subgid) 9>/run/ctr/subids.lock
	RL_IDA=$(id -u "$RL_UA") RL_IDB=$(id -u "$RL_UB") RL_IDC=$(id -u "$RL_UC")
}

teardown_file() {
	local u pid
	for u in "$RL_UA" "$RL_UB" "$RL_UC"; do
		id -u "$u" >/dev/null 2>&1 || continue
		for pid in $(ps -u "$u" -o pid= 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		userdel "$u" 2>/dev/null
		# userdel drops them too; never a line of another user
		(flock 9; sed -i "/^$u:/d" /etc/subuid /etc/subgid) 9>/run/ctr/subids.lock
	done
	[ "$(cat "/run/ctr/roots/$CTR_PREFIX" 2>/dev/null)" != "$(realpath -m "$CTR_ROOT")" ] || rm -f "/run/ctr/roots/$CTR_PREFIX"
	# the root's own calls (rootless-setup, root's checks) may have made its cgroup parents
	local cg
	for cg in /sys/fs/cgroup/*/"$CTR_PREFIX" /sys/fs/cgroup/"$CTR_PREFIX"; do
		[ ! -d "$cg" ] || find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	nft delete table bridge "$CTR_PREFIX" 2>/dev/null
	if mountpoint -q "$CTR_ROOT/btrfs"; then umount "$CTR_ROOT/btrfs" || umount -l "$CTR_ROOT/btrfs"; fi
	rm -rf "$RL_BASE"
	[ -z "$RL_TUN_MODE" ] || chmod "$RL_TUN_MODE" /dev/net/tun
	tun_release
}

setup() { RL_PIDS='' RL_REG=''; }
# the host-side listeners a test started (by pid), then every process the users still have
teardown() {
	local pid u
	for pid in $RL_PIDS; do kill -KILL "$pid" 2>/dev/null; done
	[ -z "$RL_REG" ] || reg_stop "$RL_REG"
	for u in "$RL_UA" "$RL_UB" "$RL_UC"; do
		for pid in $(ps -u "$u" -o pid= 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	done
	# the containers a failed test left: the next tests count the user's own
	local ids
	for u in "$RL_UA" "$RL_UB" "$RL_UC"; do
		ids=$(ctr_as "$u" ps -aq 2>/dev/null) || continue
		# shellcheck disable=SC2086 # one ID a word
		[ -z "$ids" ] || ctr_as "$u" rm -f $ids >/dev/null 2>&1
	done
	# the delegated cgroup v2 subtree a test made, and the controllers it turned on
	local d c
	if [ -f "$BATS_TEST_TMPDIR/rl-cgroup" ]; then
		read -r d <"$BATS_TEST_TMPDIR/rl-cgroup"
		for _ in $(seq 50); do
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
			[ -d "$d" ] || break
			sleep 0.1
		done
		for c in $(cat "$BATS_TEST_TMPDIR/rl-cgroup-enabled" 2>/dev/null); do
			echo "-$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
		done
	fi
	return 0
}

# host_listen PORT: a one-line answering service on the host's 127.0.0.1:PORT (socat, as root;
# not bats' fd 3, which would keep bats waiting), killed by teardown; returns once it listens.
host_listen() {
	socat TCP-LISTEN:"$1",bind=127.0.0.1,reuseaddr,fork SYSTEM:'read l; echo "host got $l"' 3>&- &
	RL_PIDS="$RL_PIDS $!"
	wait_for listening "$1"
}

listening() { [ -n "$(ss -Hltn "sport = :$1")" ]; }
# answering PORT: a line sent to the host's PORT gets the container's echo back (pasta listens on the
# host's port before the container's server does: listening alone is not enough)
answering() { "$TOP/build/progs/tcp-client" -w 1 127.0.0.1 "$1" probe 2>/dev/null | grep -q ': echo probe$'; }

# live USER: USER's processes that are not zombies (a reaper may be slow to collect them)
live() { ps -u "$1" -o stat=,comm= | awk '$1 !~ /^Z/ { print $2 }'; }
no_pasta() { ! live "$1" | grep -q '^pas'; }

# as USER CMD...: CMD as USER (its groups, no capability), in a clean environment, from /.
as() {
	local u=$1
	shift
	(cd / && setpriv --reuid="$u" --regid="$u" --init-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="$RL_BASE/home-$u" CTR_USER_POOL="$CTR_ROOT/btrfs/users/$(id -u "$u")" \
		CTR_RUNTIME_DIR="$RL_BASE/run-$u" "$@")
}

# ctr_as USER ARGS...: ctr.sh run by USER
ctr_as() {
	local u=$1
	shift
	as "$u" "$CTR" "$@"
}

@test "rootless-setup: a 0700 subvolume the user owns on a pool mounted user_subvol_rm_allowed, its subordinate ids, idempotent" {
	local d=$CTR_ROOT/btrfs/users/$RL_IDA
	[ "$(stat -c '%u %a' "$d")" = "$RL_IDA 700" ]
	btrfs subvolume show "$d" >/dev/null
	findmnt -n -o OPTIONS --mountpoint "$CTR_ROOT/btrfs" | grep -q user_subvol_rm_allowed
	# root's trees are root's alone now
	[ "$(stat -c %a "$CTR_ROOT/btrfs/containers")" = 700 ]
	run -0 "$CTR" rootless-setup "$RL_UA"
	assert_output --partial "trees in $d"
	[ "$(grep -c "^$RL_UA:" /etc/subuid)" = 1 ] && [ "$(grep -c "^$RL_UA:" /etc/subgid)" = 1 ]
	# the two users' ranges do not overlap (and are below ctr's --userns ranges)
	run -0 awk -F: -v a="$RL_UA" -v b="$RL_UB" '$1 == a { x = $2 } $1 == b { y = $2 }
		END { exit !(x != y && (x + 65536 <= y || y + 65536 <= x) && x + 65536 <= 1879048192) }' /etc/subuid
	run -125 "$CTR" rootless-setup root
	assert_output "ctr: rootless-setup root: is root (root needs no setup)"
	run -125 "$CTR" rootless-setup "nosuch$RL_UA"
	assert_output "ctr: rootless-setup nosuch$RL_UA: no such user"
	run -125 "$CTR" rootless-setup '../x'
	assert_output "ctr: rootless-setup ../x: not a user name"
	run -125 ctr_as "$RL_UA" rootless-setup "$RL_UA"
	assert_output --partial "must be run as root"
}

@test "rootless run: root inside is the user outside (uid_map, the host's view), hostname, only the container's processes" {
	run -0 ctr_as "$RL_UA" run --rm --net none -h box busybox sh -c 'id -u; hostname; ps -o pid=,comm= | head -1; ps -o pid= | wc -l; cat /proc/self/uid_map'
	assert_line -n 0 0
	assert_line -n 1 box
	assert_line -n 2 --regexp '^ *1 sh$'
	[ "${lines[3]}" -lt 6 ] # sh, ps, head, wc: none of the host's
	assert_output --regexp "0 +$RL_IDA +1"
	assert_output --regexp "1 +$(awk -F: -v u="$RL_UA" '$1 == u { print $2 }' /etc/subuid) +65536"
	local id pid
	id=$(ctr_as "$RL_UA" run -d --net none busybox sleep 60)
	pid=$(cat "$RL_BASE/home-$RL_UA/.local/share/ctr/containers/$id/pid")
	[ "$(stat -c %u "/proc/$pid")" = "$RL_IDA" ]
	run -0 ctr_as "$RL_UA" rm -f "$id"
}

@test "rootless volume: a file made in a bind-mounted directory is the user's on the host; a root-only file stays unreadable" {
	mkdir "$RL_BASE/vol"
	chown "$RL_UA:" "$RL_BASE/vol"
	echo secret >"$RL_BASE/secret"
	chmod 0600 "$RL_BASE/secret"
	run -0 ctr_as "$RL_UA" run --rm --net none -v "$RL_BASE/vol:/data" busybox sh -c 'echo hi >/data/f && ls -ln /data/f'
	[ "$(stat -c '%u %g' "$RL_BASE/vol/f")" = "$RL_IDA $(id -g "$RL_UA")" ]
	# the attack: root inside reads a root-only host file bound in
	run -1 ctr_as "$RL_UA" run --rm --net none -v "$RL_BASE/secret:/s" busybox cat /s
	assert_output --partial "Permission denied"
	refute_output --partial secret
}

@test "rootless named volumes: in the user's pool, the image's files copied up as the container's, a container's ids kept; removed with a subordinate id at the top; the other user sees none" {
	local sub m
	sub=$(awk -F: -v u="$RL_UA" '$1 == u { print $2 }' /etc/subuid)
	# copy-up of busybox's /etc (root's files: the user's on the host) and a file chowned to 42
	run -0 ctr_as "$RL_UA" run --rm --net none -v rlvol:/etc busybox sh -c 'chown 42:42 /etc/passwd && echo kept >/etc/new && ls -ln /etc/passwd'
	assert_output --regexp '^-.* 42 +42 '
	m=$(ctr_as "$RL_UA" volume inspect rlvol | jq -r '.[0].Mountpoint')
	[ "$m" = "$CTR_ROOT/btrfs/users/$RL_IDA/volumes/rlvol/_data" ]
	[ "$(stat -c %u "$m/group")" = "$RL_IDA" ]
	[ "$(stat -c %u "$m/passwd")" = "$((sub + 41))" ]
	run -0 ctr_as "$RL_UA" run --rm --net none -v rlvol:/data busybox cat /data/new
	assert_output kept
	run -0 ctr_as "$RL_UA" volume ls -q
	assert_output rlvol
	run -0 ctr_as "$RL_UB" volume ls -q
	assert_output ''
	run -125 ctr_as "$RL_UB" volume rm rlvol
	# an image directory of a subordinate id at the top: the user removes it all the same
	run -0 ctr_as "$RL_UA" run --rm --net none -v /etc busybox true
	run -0 ctr_as "$RL_UA" run --rm --net none -v rlsub:/sub busybox sh -c 'chown 7:7 /sub && echo x >/sub/f'
	run -0 ctr_as "$RL_UA" volume rm rlvol rlsub
	[ ! -e "$m" ] && [ ! -e "$CTR_ROOT/btrfs/users/$RL_IDA/volumes/rlsub" ]
	run -0 ctr_as "$RL_UA" volume ls -q
	assert_output ''
	# a size is a btrfs quota: root's
	run -125 ctr_as "$RL_UA" volume create -o size=10m rlsize
	assert_output "ctr: volume create: -o size=10m: rootless, not available (btrfs quotas need root)"
	run -0 ctr_as "$RL_UA" volume ls -q
	assert_output ''
}

@test "rootless run -d, ps, exec, logs, stop, rm" {
	run -0 ctr_as "$RL_UA" run -d --name web --net none busybox sh -c 'echo up; exec sleep 60'
	run -0 ctr_as "$RL_UA" ps
	assert_line --partial web
	run -0 ctr_as "$RL_UA" exec web sh -c 'id -u; ps -o comm='
	assert_line -n 0 0
	assert_line sleep
	run -0 ctr_as "$RL_UA" logs web
	assert_output up
	run -0 ctr_as "$RL_UA" stop -t 1 web
	run -0 ctr_as "$RL_UA" ps -a
	assert_line --regexp 'web .*Exited'
	run -0 ctr_as "$RL_UA" rm web
	run -0 ctr_as "$RL_UA" ps -aq
	assert_output ''
	# its tree is gone from the pool (deleted by the user: user_subvol_rm_allowed)
	run -0 ls "$CTR_ROOT/btrfs/users/$RL_IDA/containers"
	assert_output ''
}

@test "rootless: a limit, --net host, --storage-opt or --userns is a clear error and makes nothing" {
	# this host is cgroup v1 (hybrid): nothing can be delegated
	[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || skip "cgroup v2 host: test/v2"
	run -125 ctr_as "$RL_UA" run --rm -m 64m --net none busybox true
	assert_output "ctr: -m: rootless, limits need a cgroup v2 subtree delegated to the user: this host has cgroup v1 (or hybrid): none here"
	run -125 ctr_as "$RL_UA" run --rm --cpus 0.5 --net none busybox true
	assert_output --partial "ctr: --cpus: rootless, limits need a cgroup v2"
	run -125 ctr_as "$RL_UA" run --rm --pids-limit 10 --net none busybox true
	assert_output --partial "ctr: --pids-limit: rootless"
	run -125 ctr_as "$RL_UA" run --rm --net host busybox true
	assert_output --partial "ctr: --net host: rootless, not available"
	run -125 ctr_as "$RL_UA" run --rm --net none --storage-opt size=10m busybox true
	assert_output --partial "--storage-opt: rootless"
	run -125 ctr_as "$RL_UA" run --rm --net none --userns busybox true
	assert_output --partial "--userns: rootless"
	run -0 ctr_as "$RL_UA" ps -aq
	assert_output ''
}

@test "rootless hardening: no_new_privs, seccomp, /proc/sys read-only, masked paths, no signal out of its pid namespace" {
	run -0 ctr_as "$RL_UA" run --rm --net none busybox sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status;
		(echo x >/proc/sys/kernel/hostname) 2>/dev/null && echo WROTE; wc -c </proc/timer_list; ls /sys/firmware | wc -l'
	assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	refute_output --partial WROTE
	assert_line -n 2 0 # /proc/timer_list: /dev/null on it
	assert_line -n 3 0 # /sys/firmware: an empty read-only tmpfs
	# the attack: kill a process of the same user outside the container
	as "$RL_UA" sleep 61 &
	local victim
	wait_for pgrep -u "$RL_IDA" -x -f 'sleep 61'
	victim=$(pgrep -u "$RL_IDA" -x -f 'sleep 61')
	run ctr_as "$RL_UA" run --rm --net none busybox kill -KILL "$victim"
	assert_failure
	kill -0 "$victim"
	kill -KILL "$victim"
}

@test "rootless: two users side by side: neither sees, removes or enters the other's containers or trees" {
	local ia ib treeb
	ia=$(ctr_as "$RL_UA" run -d --name same --net none busybox sleep 60)
	ib=$(ctr_as "$RL_UB" run -d --name same --net none busybox sleep 60)
	run -0 ctr_as "$RL_UA" ps -q
	assert_output "$ia"
	run -0 ctr_as "$RL_UB" ps -q
	assert_output "$ib"
	run -125 ctr_as "$RL_UA" rm -f "$ib"
	run -125 ctr_as "$RL_UA" stop "$ib"
	treeb=$CTR_ROOT/btrfs/users/$RL_IDB/containers/$ib/rootfs
	# B's tree: not listable, not deletable, not snapshottable by A, not usable as A's pool
	run ! as "$RL_UA" ls "$CTR_ROOT/btrfs/users/$RL_IDB"
	run ! as "$RL_UA" btrfs subvolume delete "$treeb"
	run ! as "$RL_UA" btrfs subvolume snapshot "$treeb" "$CTR_ROOT/btrfs/users/$RL_IDA/stolen"
	run -125 as "$RL_UA" env CTR_USER_POOL="$CTR_ROOT/btrfs/users/$RL_IDB" "$CTR" ps
	assert_output --partial "not a btrfs directory of yours"
	# nor B's records, nor root's trees
	run ! as "$RL_UA" ls "$RL_BASE/home-$RL_UB"
	run ! as "$RL_UA" ls "$CTR_ROOT/btrfs/containers"
	[ -d "$treeb" ]
	run -0 ctr_as "$RL_UB" exec same true
	run -0 ctr_as "$RL_UA" rm -f same
	run -0 ctr_as "$RL_UB" rm -f same
	run -0 ctr_as "$RL_UB" ps -aq
	assert_output ''
}

@test "rootless network (pasta): the network is up at the command's first step, outbound reaches a host loopback service; --net none has lo only" {
	local p
	p=$(free_port)
	host_listen "$p"
	# the first thing the command does: pasta ran before it (nsenter-chroot's --net-hook)
	run -0 ctr_as "$RL_UA" run --rm busybox sh -c 'tcp-client -w 5 "$(ip r | awk "/^default/ { print \$3 }")" '"$p"' hi; ip -o link | wc -l'
	assert_line "host got hi"
	assert_line -n 2 2 # lo and pasta's tap
	run -0 ctr_as "$RL_UA" run --rm --net none busybox sh -c 'ip -o link | wc -l; ip r | wc -l'
	assert_output "1
0"
	wait_for no_pasta "$RL_UA"
}

@test "rootless -p: a host port reaches the container; two containers on one container port; a taken port fails the run and leaves no pasta" {
	local p1 p2 a b
	p1=$(free_port) p2=$(free_port)
	a=$(ctr_as "$RL_UA" run -d -p "$p1:80" busybox tcp-server -p 80)
	b=$(ctr_as "$RL_UA" run -d -p "127.0.0.1:$p2:80" busybox tcp-server -p 80)
	wait_for answering "$p1"
	wait_for answering "$p2"
	run -0 "$TOP/build/progs/tcp-client" -w 5 127.0.0.1 "$p1" one
	assert_line "${a:0:12} 127.0.0.1: echo one"
	run -0 "$TOP/build/progs/tcp-client" -w 5 127.0.0.1 "$p2" two
	assert_line "${b:0:12} 127.0.0.1: echo two"
	# the host port is the user's socket (pasta's), owned by the user
	ss -Hltnp "sport = :$p1" | grep -q pas
	[ "$(live "$RL_UA" | grep -c '^pas')" = 2 ]
	# a host port in use: the run fails clearly, nothing of it stays (no third pasta)
	run -125 ctr_as "$RL_UA" run --rm -p "$p1:81" busybox true
	assert_output --partial "Failed to bind"
	assert_output --partial "--net-hook"
	run -125 ctr_as "$RL_UA" run -d -p "$p1:81" busybox sleep 9
	[ "$(live "$RL_UA" | grep -c '^pas')" = 2 ]
	run -0 ctr_as "$RL_UA" ps -aq
	assert_output "$b
$a"
	# below ip_unprivileged_port_start (1024 here): a clear error before anything
	run -125 ctr_as "$RL_UA" run --rm -p 80:80 busybox true
	assert_output "ctr: -p 80:80: rootless, host port 80 is below 1024 (net.ipv4.ip_unprivileged_port_start)"
	run -0 ctr_as "$RL_UA" rm -f "$a" "$b"
	wait_for no_pasta "$RL_UA"
	run ! "$TOP/build/progs/tcp-client" -w 1 127.0.0.1 "$p1" gone
}

@test "rootless pasta ends with its container: exit by itself, stop, a command that cannot run" {
	local id
	id=$(ctr_as "$RL_UA" run -d busybox sleep 0.5)
	# the container's exit action ends it
	wait_for no_pasta "$RL_UA"
	run -0 ctr_as "$RL_UA" ps -a
	assert_line --regexp "^${id:0:12} .*Exited \(0\)"
	run -0 ctr_as "$RL_UA" rm "$id"
	id=$(ctr_as "$RL_UA" run -d busybox sleep 60)
	live "$RL_UA" | grep -q '^pas'
	run -0 ctr_as "$RL_UA" stop -t 1 "$id"
	wait_for no_pasta "$RL_UA"
	run -0 ctr_as "$RL_UA" rm "$id"
	run -127 ctr_as "$RL_UA" run --rm busybox nosuchcmd
	wait_for no_pasta "$RL_UA"
	run -0 ctr_as "$RL_UA" ps -aq
	assert_output ''
}

@test "rootless run --restart: each run has its network again, the last run's pasta ended first; none left at the end" {
	local p id
	p=$(free_port)
	id=$(ctr_as "$RL_UA" run -d --restart on-failure:2 -p "$p:80" busybox sh -c 'ip -o link | wc -l; sleep 0.3; exit 1')
	ran_thrice() { [ "$(ctr_as "$RL_UA" logs "$id" | grep -c '^2$')" = 3 ] && ctr_as "$RL_UA" ps -a | grep -q 'Exited (1)'; }
	WAIT_FOR_SECONDS=20 wait_for ran_thrice
	# (without the hook's end of the last pasta, two would be left: pasta outlives its process)
	wait_for no_pasta "$RL_UA"
	run -0 ctr_as "$RL_UA" rm "$id"
}

@test "rootless single id: no subordinate ids: root inside is the user alone, a warning once; run, exec, the network, cp, a chown to another id refused" {
	run -0 ctr_as "$RL_UC" run --rm --net none busybox sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
	assert_output --partial "ctr: warning: $RL_UC has no subordinate ids in /etc/subuid and /etc/subgid: a single-id mapping"
	assert_line -n 1 0
	assert_line --regexp "^ +0 +$RL_IDC +1\$"
	assert_line --regexp "^ +0 +$(id -g "$RL_UC") +1\$"
	assert_line deny
	[ "$(grep -c '^ ' <<<"$output")" = 2 ] # the two maps have one line each: nothing else mapped
	# once: the second run says nothing more
	local id
	id=$(ctr_as "$RL_UC" run -d busybox sleep 60 2>"$BATS_TEST_TMPDIR/err")
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
	[ "$(stat -c %u "/proc/$(cat "$RL_BASE/home-$RL_UC/.local/share/ctr/containers/$id/pid")")" = "$RL_IDC" ]
	run -0 ctr_as "$RL_UC" exec "$id" sh -c 'id -u; touch /f; chown 1 /f || echo refused'
	assert_line -n 0 0
	assert_output --partial "chown: /f: Invalid argument"
	assert_line refused
	run -0 ctr_as "$RL_UC" exec "$id" ip -o link
	assert_line --partial "eth0" # pasta's tap: its ping range is gid 0 alone
	# cp both ways (the jail in a user namespace that denies setgroups)
	as "$RL_UC" sh -c "echo c >'$RL_BASE/home-$RL_UC/c'"
	run -0 ctr_as "$RL_UC" cp "$RL_BASE/home-$RL_UC/c" "$id:/c"
	run -0 ctr_as "$RL_UC" cp "$id:/c" "$RL_BASE/home-$RL_UC/c2"
	[ "$(stat -c %u:%s "$RL_BASE/home-$RL_UC/c2")" = "$RL_IDC:2" ]
	run -0 ctr_as "$RL_UC" rm -f "$id"
	wait_for no_pasta "$RL_UC"
}

@test "rootless pull (a registry on 127.0.0.1 started by root), images, tag, run, rmi; a layer's ids are the container's" {
	RL_REG=$BATS_TEST_TMPDIR/reg
	reg_start "$RL_REG" none
	# root makes an image with a file of uid 42 and pushes it
	local id img
	id=$("$CTR" run -d --net none busybox sh -c 'echo x >/f42; chown 42:42 /f42; sleep 60')
	# committed once the chown is done (PID 1's pid file is there before its first command)
	wait_for sh -c "'$CTR' exec '$id' stat -c %u:%g /f42 2>/dev/null | grep -qx 42:42" || fail "no /f42 of 42:42"
	"$CTR" commit "$id" rl42:1 >/dev/null
	"$CTR" rm -f "$id" >/dev/null
	"$CTR" push -q --tls-verify=false rl42:1 "$REG/t/rl42:1" >/dev/null
	run -0 ctr_as "$RL_UA" pull -q --tls-verify=false "$REG/t/rl42:1"
	img=$output
	run -0 ctr_as "$RL_UA" images
	assert_line --regexp "^$REG/t/rl42:1 +${img:0:12} "
	run -0 ctr_as "$RL_UA" tag "$REG/t/rl42:1" mine:1
	run -0 ctr_as "$RL_UA" run --rm --net none mine:1 stat -c '%u %g' /f42
	assert_output "42 42"
	# the user commits on it and pushes: root pulls the container's ids back (42 is 42, not the
	# user's subordinate id)
	id=$(ctr_as "$RL_UA" run -d --net none mine:1 sh -c 'echo y >/g7; chown 7:7 /g7; sleep 60')
	wait_for ctr_as "$RL_UA" exec "$id" sh -c '[ "$(stat -c %u:%g /g7 2>/dev/null)" = 7:7 ]' || fail "no /g7 of 7:7"
	run -0 ctr_as "$RL_UA" commit "$id" mine:2
	run -0 ctr_as "$RL_UA" rm -f "$id"
	run -0 ctr_as "$RL_UA" push -q --tls-verify=false mine:2 "$REG/t/rlu:2"
	"$CTR" pull -q --tls-verify=false "$REG/t/rlu:2" >/dev/null
	run -0 "$CTR" run --rm --net none "$REG/t/rlu:2" stat -c '%u %g %n' /f42 /g7
	assert_output "42 42 /f42
7 7 /g7"
	"$CTR" rmi "$REG/t/rlu:2" >/dev/null
	# on the host: the user's subordinate id for 42 (1 is the first subordinate id)
	local sub
	sub=$(awk -F: -v u="$RL_UA" '$1 == u { print $2 }' /etc/subuid)
	[ "$(stat -c %u "$CTR_ROOT/btrfs/users/$RL_IDA/images/$img/rootfs/f42")" = $((sub + 41)) ]
	run -0 ctr_as "$RL_UA" rmi -f "$img"
	[ ! -e "$CTR_ROOT/btrfs/users/$RL_IDA/images/$img" ]
	run -0 ctr_as "$RL_UA" images -q
	refute_output --partial "${img:0:12}"
	"$CTR" rmi rl42:1 >/dev/null
}

@test "rootless commit, save, load: a container's ids survive the round trip" {
	local id
	id=$(ctr_as "$RL_UA" run -d --net none busybox sh -c 'echo d >/made; chown 42:42 /made; mkdir /m7; chown 7 /m7; sleep 60')
	wait_for ctr_as "$RL_UA" exec "$id" sh -c '[ "$(stat -c %u /m7 2>/dev/null)" = 7 ]' || fail "no /m7 of 7"
	run -0 ctr_as "$RL_UA" commit "$id" rt:1
	run -0 ctr_as "$RL_UA" rm -f "$id"
	run -0 ctr_as "$RL_UA" save -o "$RL_BASE/home-$RL_UA/rt.tar" rt:1
	# the archive holds the container's ids, not the host's
	run -0 sh -c "mkdir -p '$BATS_TEST_TMPDIR/x' && tar -xf '$RL_BASE/home-$RL_UA/rt.tar' -C '$BATS_TEST_TMPDIR/x' &&
		for b in '$BATS_TEST_TMPDIR'/x/blobs/sha256/*; do gzip -dc \"\$b\" 2>/dev/null | tar -tvf - 2>/dev/null; done; true"
	# (a layer per commit: names as docker writes them, without ./)
	assert_line --regexp '^-rw-r--r-- 42/42 .* made$'
	assert_line --regexp '^drwxr-xr-x 7/0 .* m7/$'
	assert_line --regexp '^drwxr-xr-x 0/0 .* etc/$'
	run -0 ctr_as "$RL_UA" rmi rt:1
	run -0 ctr_as "$RL_UA" load -i "$RL_BASE/home-$RL_UA/rt.tar"
	run -0 ctr_as "$RL_UA" run --rm --net none rt:1 stat -c '%u:%g %n' /made /m7
	assert_output "42:42 /made
7:0 /m7"
	run -0 ctr_as "$RL_UA" rmi rt:1
}

@test "rootless cp: in and out of a running and of a stopped container; the container's ids inside, the user's and its subordinate ids on the host" {
	local h=$RL_BASE/home-$RL_UA id tree st sub subg g
	sub=$(awk -F: -v u="$RL_UA" '$1 == u { print $2 }' /etc/subuid)
	subg=$(awk -F: -v u="$RL_UA" '$1 == u { print $2 }' /etc/subgid)
	g=$(id -g "$RL_UA")
	id=$(ctr_as "$RL_UA" run -d --net none busybox sh -c 'echo c42 >/f42; chown 42:43 /f42; mkdir /d; echo g >/d/g; touch /ready; sleep 60')
	wait_for ctr_as "$RL_UA" exec "$id" test -f /ready
	tree=$CTR_ROOT/btrfs/users/$RL_IDA/containers/$id/rootfs
	# the jail names a rootless container by its supervisor: any other process is refused
	local jail=${CTR_TEST_LIBEXEC:-$TOP/build}/ctr-jail pid shim
	pid=$(cat "$h/.local/share/ctr/containers/$id/pid") shim=$(cat "$h/.local/share/ctr/containers/$id/shim.pid")
	run -125 as "$RL_UA" "$jail" --pid "$pid" --shim "$$" -- /bin/busybox true
	assert_output "ctr-jail: process $pid: not under supervisor $$ (not the container's)"
	run -125 as "$RL_UA" "$jail" --pid "$shim" --shim "$shim" -- /bin/busybox true
	assert_output "ctr-jail: process $shim: not PID 1 of a container"
	run -0 as "$RL_UA" "$jail" --pid "$pid" --shim "$shim" -- /bin/busybox id -u # root of its user namespace
	assert_output 0
	# the user's files, and one of its subordinate ids (the container's 42)
	as "$RL_UA" sh -c "echo host >'$h/hf' && mkdir '$h/hd' && echo x >'$h/hd/x' && echo h42 >'$h/h42'"
	as "$RL_UA" unshare --user --map-root-user --map-auto chown 42:43 "$h/h42"
	for st in running stopped; do
		[ "$st" = running ] || run -0 ctr_as "$RL_UA" stop -t 1 "$id"
		run -0 ctr_as "$RL_UA" cp "$h/hf" "$id:/hf-$st"
		run -0 ctr_as "$RL_UA" cp "$h/hd" "$id:/d/"
		run -0 ctr_as "$RL_UA" cp -a "$h/h42" "$id:/h42-$st"
		# on the host: the container's 0 is the user, its 42 the user's subordinate id for 42
		[ "$(stat -c '%u %g' "$tree/hf-$st" "$tree/d/hd/x" "$tree/h42-$st")" = "$RL_IDA $g
$RL_IDA $g
$((sub + 41)) $((subg + 42))" ]
		if [ "$st" = running ]; then
			run -0 ctr_as "$RL_UA" exec "$id" stat -c '%u:%g %n' /hf-running /d/hd/x /h42-running
			assert_output "0:0 /hf-running
0:0 /d/hd/x
42:43 /h42-running"
		fi
		# out: the user's files, or with -a the container's ids (42: the subordinate id)
		run -0 ctr_as "$RL_UA" cp "$id:/f42" "$h/out-$st"
		run -0 ctr_as "$RL_UA" cp -a "$id:/f42" "$h/outa-$st"
		run -0 ctr_as "$RL_UA" cp "$id:/d" "$h/outd-$st"
		[ "$(cat "$h/out-$st" "$h/outa-$st" "$h/outd-$st/g" "$h/outd-$st/hd/x")" = "c42
c42
g
x" ]
		[ "$(stat -c '%u %g' "$h/out-$st" "$h/outd-$st/g" "$h/outa-$st")" = "$RL_IDA $g
$RL_IDA $g
$((sub + 41)) $((subg + 42))" ]
		run -0 ctr_as "$RL_UA" cp "$id:/hf-$st" -
		assert_output --partial host
		rm -rf "$h/hd/hd" "$tree/d/hd"
	done
	run -0 ctr_as "$RL_UA" rm -f "$id"
}

@test "rootless cp attack: symlinks to /, ../.. and a host path in the container read and write the container's files, never the host's (running and stopped)" {
	local h=$RL_BASE/home-$RL_UA/host id st p
	# the user's own host directory: a copy that escaped the container could reach it
	as "$RL_UA" sh -c "mkdir '$h' && echo 'host secret' >'$h/secret' && echo evil >'$RL_BASE/home-$RL_UA/evil'"
	id=$(ctr_as "$RL_UA" run -d --net none busybox sh -c "mkdir -p $h /x; echo ctr >$h/secret; ln -s / /x/root;
		ln -s ../../../../../.. /x/up; ln -s $h /x/hostdir; touch /ready; sleep 60")
	wait_for ctr_as "$RL_UA" exec "$id" test -f /ready
	for st in running stopped; do
		[ "$st" = running ] || run -0 ctr_as "$RL_UA" stop -t 1 "$id"
		for p in "/x/root$h/secret" "/x/up$h/secret" /x/hostdir/secret "../../..$h/secret"; do
			run -0 ctr_as "$RL_UA" cp "$id:$p" "$RL_BASE/home-$RL_UA/got"
			[ "$(cat "$RL_BASE/home-$RL_UA/got")" = ctr ]
		done
		for p in "/x/root$h/" "/x/up$h/" /x/hostdir/ "../..$h/evil2"; do
			run -0 ctr_as "$RL_UA" cp "$RL_BASE/home-$RL_UA/evil" "$id:$p"
		done
		# the host directory: untouched
		run find "$h" -mindepth 1
		assert_output "$h/secret"
		[ "$(cat "$h/secret")" = "host secret" ]
		# the container's got them
		[ -f "$CTR_ROOT/btrfs/users/$RL_IDA/containers/$id/rootfs$h/evil2" ]
		rm -f "$CTR_ROOT/btrfs/users/$RL_IDA/containers/$id/rootfs$h/evil"*
	done
	# and out: the links come out as links, into the destination only
	run -0 ctr_as "$RL_UA" cp "$id:/x" "$RL_BASE/home-$RL_UA/out"
	[ "$(readlink "$RL_BASE/home-$RL_UA/out/root")" = / ]
	run -0 ctr_as "$RL_UA" rm -f "$id"
}

pastas() { live "$1" | grep -c '^pas'; }
one_pasta() { [ "$(pastas "$1")" = 1 ]; }
ctr_pid() { cat "$RL_BASE/home-$1/.local/share/ctr/containers/$2/pid"; }

# start_serves NAME ID PORT WORD: the user's start of NAME says NAME; its server (tcp-server) then
# echoes WORD sent to the host's PORT, and its PID 1 is the user's on the host
start_serves() {
	run -0 ctr_as "$RL_UA" start "$1"
	assert_output "$1"
	wait_for answering "$3" || fail "nothing answers on $3: $(ss -ltnp "sport = :$3" 2>&1)
$(ps -u "$RL_UA" -o pid,ppid,stat,args 2>&1)
$(ctr_as "$RL_UA" ps -a 2>&1; ctr_as "$RL_UA" logs "$1" 2>&1)"
	run -0 "$TOP/build/progs/tcp-client" -w 5 127.0.0.1 "$3" "$4"
	assert_line "${2:0:12} 127.0.0.1: echo $4"
	[ "$(stat -c %u "/proc/$(ctr_pid "$RL_UA" "$2")")" = "$RL_IDA" ]
}

@test "rootless start, restart: a stopped container runs again as the user, its files kept, its pasta and -p back; start -a gives its exit code" {
	local p id pid1 pid2
	p=$(free_port)
	id=$(ctr_as "$RL_UA" run -d --name sv -p "$p:80" busybox sh -c 'echo run >>/runs; exec tcp-server -p 80')
	wait_for listening "$p"
	run -0 ctr_as "$RL_UA" stop -t 1 sv
	wait_for no_pasta "$RL_UA"
	run ! "$TOP/build/progs/tcp-client" -w 1 127.0.0.1 "$p" gone
	start_serves sv "$id" "$p" two
	pid1=$(ctr_pid "$RL_UA" "$id")
	run -0 ctr_as "$RL_UA" exec sv sh -c 'cat /runs; id -u'
	assert_output "run
run
0"
	# a running container: start says its name, changes nothing
	run -0 ctr_as "$RL_UA" start sv
	assert_output sv
	[ "$(ctr_pid "$RL_UA" "$id")" = "$pid1" ]
	run -0 ctr_as "$RL_UA" restart -t 1 sv
	wait_for answering "$p"
	pid2=$(ctr_pid "$RL_UA" "$id")
	[ "$pid2" != "$pid1" ] && [ ! -e "/proc/$pid1" ]
	run -0 "$TOP/build/progs/tcp-client" -w 5 127.0.0.1 "$p" three
	assert_line "${id:0:12} 127.0.0.1: echo three"
	# the last run's pasta ended with it: one left
	wait_for one_pasta "$RL_UA"
	run -0 ctr_as "$RL_UA" rm -f sv
	wait_for no_pasta "$RL_UA"
	# start -a: in the foreground, the container's output and exit code
	run -3 ctr_as "$RL_UA" run --name once --net none busybox sh -c 'echo hi; exit 3'
	run -3 ctr_as "$RL_UA" start -a once
	assert_output hi
	run -0 ctr_as "$RL_UA" rm once
	run -0 ctr_as "$RL_UA" ps -aq
	assert_output ''
}

@test "rootless create: made, not started (Created, no pasta, no process); start runs it with its -p; start -a of a created --net none one" {
	local p id
	p=$(free_port)
	id=$(ctr_as "$RL_UA" create --name cv -p "$p:80" busybox sh -c 'echo run >>/runs; exec tcp-server -p 80')
	run -0 ctr_as "$RL_UA" ps -a --format '{{.Names}} {{.Status}}'
	assert_output 'cv Created'
	# nothing of the user's runs: no pasta, no shim, no container process
	run live "$RL_UA"
	assert_output ''
	run ! "$TOP/build/progs/tcp-client" -w 1 127.0.0.1 "$p" early
	start_serves cv "$id" "$p" one
	run -0 ctr_as "$RL_UA" exec cv cat /runs
	assert_output run
	run -0 ctr_as "$RL_UA" rm -f cv
	wait_for no_pasta "$RL_UA"
	run -0 ctr_as "$RL_UA" create --name once --net none busybox sh -c 'id -u; exit 3'
	run -3 ctr_as "$RL_UA" start -a once
	assert_output 0
	run -0 ctr_as "$RL_UA" rm once
	run -0 ctr_as "$RL_UA" ps -aq
	assert_output ''
}

@test "rootless top, port, info, network ls: the container's processes (one of a subordinate id too, none of another's), its ports, the user's roots and maps, no bridge" {
	local p id ib
	p=$(free_port)
	id=$(ctr_as "$RL_UA" run -d --name tp -p "$p:80" busybox sleep 600)
	ib=$(ctr_as "$RL_UB" run -d --net none busybox sleep 602)
	# an exec'd process of the container's uid 42 (the user's subordinate id on the host): its
	# parent is not in the container, its pid namespace is
	as "$RL_UA" "$CTR" exec -u 42 tp sleep 601 3>&- &
	wait_for pgrep -x -f 'sleep 601'
	run -0 ctr_as "$RL_UA" top tp
	assert_line -n 0 --regexp '^UID +PID +PPID'
	# (ps cuts a long user name short)
	assert_line --regexp "^${RL_UA:0:7}. +$(ctr_pid "$RL_UA" "$id") .* sleep 600\$"
	assert_line --regexp "^$(($(awk -F: -v u="$RL_UA" '$1 == u { print $2 }' /etc/subuid) + 41)) .* sleep 601\$"
	refute_output --partial 'sleep 602'
	[ "${#lines[@]}" = 3 ]
	run -0 ctr_as "$RL_UA" top tp -o pid,args
	assert_line -n 0 --regexp '^ *PID +COMMAND'
	run -125 ctr_as "$RL_UA" top "$ib"
	run -0 ctr_as "$RL_UA" port tp
	assert_output "80/tcp -> 0.0.0.0:$p"
	run -0 ctr_as "$RL_UA" network ls
	assert_line -n 0 --regexp '^NETWORK +DRIVER +CONTAINERS'
	assert_line --regexp '^pasta +pasta +1$'
	assert_line --regexp '^none +null +0$'
	run -125 ctr_as "$RL_UA" network rm
	assert_output "ctr: network rm: rootless, there is no bridge to remove (each container has a pasta of its own, ended with it)"
	run -0 ctr_as "$RL_UA" info
	assert_line "Rootless: true"
	assert_line " User: $RL_UA (uid $RL_IDA)"
	assert_line " Root Dir: $RL_BASE/home-$RL_UA/.local/share/ctr"
	assert_line " Pool Dir: $CTR_ROOT/btrfs/users/$RL_IDA"
	assert_line " UID Map: 0 $RL_IDA 1, 1 $(awk -F: -v u="$RL_UA" '$1 == u { print $2 }' /etc/subuid) 65536"
	assert_line --regexp '^ Running: 1$'
	assert_line " pasta: $(command -v pasta)"
	if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
		assert_line " Delegated: none: this host has cgroup v1 (or hybrid): none here; no limits, pause, stats or update"
	fi
	refute_output --partial Bridge
	run -0 ctr_as "$RL_UC" info
	assert_line " UID Map: 0 $RL_IDC 1 (a single id: no subordinate ids; ask root for ctr.sh rootless-setup $RL_UC)"
	run -0 ctr_as "$RL_UA" rm -f tp
	run -0 ctr_as "$RL_UB" rm -f "$ib"
}

@test "rootless pause, stats, update of a container without a cgroup: a clear error, nothing changed; verbs still root's refuse" {
	local id cfg
	id=$(ctr_as "$RL_UA" run -d --name ng --net none busybox sleep 600)
	cfg=$(cat "$RL_BASE/home-$RL_UA/.local/share/ctr/containers/$id/config.json")
	run -125 ctr_as "$RL_UA" pause ng
	assert_line -n 0 "ctr: pause: rootless, container $id has no cgroup (one is made when it runs with a limit, in a cgroup v2 subtree delegated to the user; docs/rootless.md \"Limits\")"
	run -125 ctr_as "$RL_UA" unpause ng
	assert_output "ctr: container ng: is not paused"
	run -125 ctr_as "$RL_UA" stats ng
	assert_output --partial "ctr: stats: rootless, container $id has no cgroup"
	run -0 ctr_as "$RL_UA" stats
	assert_output --partial "running containers without a cgroup are not shown"
	refute_line --partial "$id"
	if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
		run -125 ctr_as "$RL_UA" update -m 64m ng
		assert_output "ctr: -m: rootless, limits need a cgroup v2 subtree delegated to the user: this host has cgroup v1 (or hybrid): none here"
	fi
	[ "$(cat "$RL_BASE/home-$RL_UA/.local/share/ctr/containers/$id/config.json")" = "$cfg" ]
	run -0 ctr_as "$RL_UA" ps
	assert_line --regexp "^${id:0:12} +ng .* Up "
	refute_output --partial Paused
	# verbs that need root: refused, nothing made
	run -125 ctr_as "$RL_UA" demo
	assert_output "ctr: demo: not available rootless yet (run it as root; docs/rootless.md)"
	run -125 ctr_as "$RL_UA" diff ng
	assert_output "ctr: diff: not available rootless yet (run it as root; docs/rootless.md)"
	run -125 ctr_as "$RL_UA" export -o "$RL_BASE/home-$RL_UA/ng.tar" ng
	assert_output "ctr: export: not available rootless yet (run it as root; docs/rootless.md)"
	[ ! -e "$RL_BASE/home-$RL_UA/ng.tar" ]
	run -0 ctr_as "$RL_UA" rm -f ng
	run -0 ctr_as "$RL_UA" ps -aq
	assert_output ''
}

@test "rootless events, history, login, system df and the prune verbs: the user's own state only" {
	local ia ib
	run -0 ctr_as "$RL_UA" run --name pa --net none busybox true
	run -0 ctr_as "$RL_UB" run --name pb --net none busybox true
	ia=$(ctr_as "$RL_UA" ps -aq) ib=$(ctr_as "$RL_UB" ps -aq)
	run -0 ctr_as "$RL_UA" events --since 1m --until 0s
	assert_line --regexp " container die ${ia:0:12} \(exitCode=0, image=busybox, name=pa\)\$"
	refute_output --partial "${ib:0:12}"
	run -0 ctr_as "$RL_UA" history busybox
	assert_line -n 0 --regexp '^IMAGE +CREATED +CREATED BY'
	run -0 ctr_as "$RL_UA" system df
	assert_line --regexp '^Containers +1 +0 '
	run -0 ctr_as "$RL_UA" container prune -f
	assert_line "$ia"
	run -0 ctr_as "$RL_UA" system prune -f
	run -0 ctr_as "$RL_UA" builder prune -f
	run -0 ctr_as "$RL_UA" ps -aq
	assert_output ''
	# the other user's stopped container is not the user's to prune
	run -0 ctr_as "$RL_UB" ps -aq
	assert_output "$ib"
	# login: the credentials in the user's own state root, readable by it alone
	RL_REG=$BATS_TEST_TMPDIR/reg
	reg_start "$RL_REG" basic
	run -125 ctr_as "$RL_UA" login -u "$REG_USER" -p wrong "$REG"
	run -0 ctr_as "$RL_UA" login -u "$REG_USER" -p "$REG_PASS" "$REG"
	[ "$(stat -c '%U %a' "$RL_BASE/home-$RL_UA/.local/share/ctr/auth.json")" = "$RL_UA 600" ]
	run -0 ctr_as "$RL_UB" rm pb
}

@test "rootless build: RUN in a rootless container (its network: pasta), COPY --chown, the image's ids; cached the second time" {
	local b=$RL_BASE/home-$RL_UA/ctx
	as "$RL_UA" sh -c "mkdir '$b' && echo copied >'$b/f' && printf '%s\n' 'FROM busybox' \
		'RUN echo built >/b && chown 42:42 /b && ip -o link | wc -l >/links' 'COPY --chown=7:8 --chmod=600 f /g' \
		'CMD [\"cat\", \"/b\"]' >'$b/Dockerfile'"
	run -0 ctr_as "$RL_UA" build -t rb:1 "$b"
	assert_line "Successfully tagged rb:1"
	run -0 ctr_as "$RL_UA" run --rm --net none rb:1
	assert_output built
	run -0 ctr_as "$RL_UA" run --rm --net none rb:1 stat -c '%u:%g:%a %n' /b /g
	assert_output "42:42:644 /b
7:8:600 /g"
	run -0 ctr_as "$RL_UA" run --rm --net none rb:1 cat /links
	assert_output 2 # lo and pasta's tap
	run -0 ctr_as "$RL_UA" build -t rb:1 "$b"
	assert_line --partial "CACHED"
	# nothing of the build's containers is left
	run -0 ctr_as "$RL_UA" ps -aq
	assert_output ''
	wait_for no_pasta "$RL_UA"
	run -0 ctr_as "$RL_UA" rmi rb:1
}

@test "rootless limits, the cgroup v2 path on a stand-in delegated directory: the values written, the container moved in, the group removed" {
	# CTR_TEST_CGROUP2FS: a plain directory of the user's stands for its delegated cgroup v2 subtree
	local d=$RL_BASE/home-$RL_UA/cg id
	as "$RL_UA" sh -c "mkdir '$d' && echo 'cpu memory pids' >'$d/cgroup.controllers' && : >'$d/cgroup.subtree_control'"
	id=$(as "$RL_UA" env CTR_ROOTLESS_CGROUP="$d" CTR_TEST_CGROUP2FS=1 "$CTR" run -d --net none -m 64m --cpus 0.5 \
		--pids-limit 20 busybox sleep 60)
	local g
	g=$(echo "$d"/*/"$id") # the user's prefix
	[ "$(cat "$g/memory.max")" = 67108864 ]
	[ "$(cat "$g/cpu.max")" = "50000 100000" ]
	[ "$(cat "$g/pids.max")" = 20 ]
	[ "$(cat "$g/cgroup.procs")" = "$(cat "$RL_BASE/home-$RL_UA/.local/share/ctr/containers/$id/pid")" ]
	# the controllers handed down to the container's group
	[ "$(cat "$d/cgroup.subtree_control")" = "+pids" ] # the last of three writes (a file keeps one)
	# pause and unpause: cgroup.freeze (the test hook writes the events the kernel would)
	cgu() { as "$RL_UA" env CTR_ROOTLESS_CGROUP="$d" CTR_TEST_CGROUP2FS=1 "$CTR" "$@"; }
	run -0 cgu pause "$id"
	[ "$(cat "$g/cgroup.freeze")" = 1 ]
	run -0 cgu ps
	assert_line --partial "(Paused)"
	run -125 cgu pause "$id"
	assert_output "ctr: container $id: is already paused"
	run -0 cgu unpause "$id"
	[ "$(cat "$g/cgroup.freeze")" = 0 ]
	# stats: the group's limit (its files read as v2's whatever the host's cgroups)
	echo 1048576 >"$g/memory.current"
	run -0 cgu stats "$id"
	assert_line --regexp "^${id:0:12} .* 1MiB / 64MiB +1\.56% "
	# update: the group's files at once, the record for the next start
	run -0 cgu update --pids-limit 30 -m 128m "$id"
	[ "$(cat "$g/pids.max" "$g/memory.max" "$g/cpu.max")" = "30
134217728
50000 100000" ]
	run -0 jq -c .resources "$RL_BASE/home-$RL_UA/.local/share/ctr/containers/$id/config.json"
	assert_output --partial '"memory":134217728'
	assert_output --partial '"pids_limit":30'
	# stop, start: the group made again with the recorded limits, the new PID 1 moved in
	# (the kernel empties cgroup.procs as the processes end, and rmdir removes a group with its
	# files: what the exit action would leave of a real one is nothing)
	: >"$g/cgroup.procs"
	run -0 cgu stop -t 1 "$id"
	rm -rf "$g"
	run -0 cgu start "$id"
	[ "$(cat "$g/pids.max" "$g/memory.max")" = "30
134217728" ]
	[ "$(cat "$g/cgroup.procs")" = "$(ctr_pid "$RL_UA" "$id")" ]
	run -0 cgu rm -f "$id"
	[ ! -e "$g" ]
	# a controller not delegated: a clear error, nothing made
	echo 'cpu pids' >"$d/cgroup.controllers"
	run -125 as "$RL_UA" env CTR_ROOTLESS_CGROUP="$d" CTR_TEST_CGROUP2FS=1 "$CTR" run --rm --net none -m 64m busybox true
	assert_output "ctr: -m: rootless, limits need a cgroup v2 subtree delegated to the user: $d: the memory controller is not delegated (cgroup.controllers: cpu pids)"
	# without the test hook the same directory is refused: it is not cgroup2
	run -125 as "$RL_UA" env CTR_ROOTLESS_CGROUP="$d" "$CTR" run --rm --net none --pids-limit 5 busybox true
	assert_output --partial "$d: not a cgroup v2 directory"
	run -0 ctr_as "$RL_UA" ps -aq
	assert_output ''
}

@test "rootless limits on a real cgroup v2 subtree that root delegated: enforced (OOM kill), the group removed" {
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] ||
		skip "this host has cgroup v1 (or hybrid): make test-v2 V2_TESTS=test/rootless.bats V2_FILTER=real runs it"
	grep -qw memory /sys/fs/cgroup/cgroup.controllers || skip "no memory controller on this host's cgroup2"
	# what systemd does for a user session (Delegate=yes): a group of the user's, its controllers on
	local d=/sys/fs/cgroup/$CTR_PREFIX-rl id pid
	mkdir "$d"
	echo "$d" >"$BATS_TEST_TMPDIR/rl-cgroup" # teardown removes it
	local c
	for c in memory pids cpu; do
		grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control && continue
		echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control
		echo "$c" >>"$BATS_TEST_TMPDIR/rl-cgroup-enabled" # teardown turns them off again
	done
	chown "$RL_UA" "$d" "$d/cgroup.procs" "$d/cgroup.subtree_control" "$d/cgroup.threads"
	# the user's commands run in a leaf of it, as a session's do (cgroup v2 lets a process be moved
	# only by who may write the cgroup.procs of both groups' common ancestor: here $d, the user's)
	mkdir "$d/session"
	in_session() { (echo "$BASHPID" >"$d/session/cgroup.procs" && "$@"); }
	id=$(in_session as "$RL_UA" env CTR_ROOTLESS_CGROUP="$d" "$CTR" run -d --net none -m 32m --pids-limit 30 busybox sleep 60)
	pid=$(cat "$RL_BASE/home-$RL_UA/.local/share/ctr/containers/$id/pid")
	run cat "/proc/$pid/cgroup"
	assert_output --regexp "^0::/$CTR_PREFIX-rl/.*/$id\$"
	[ "$(cat "$d"/*/"$id"/memory.max)" = 33554432 ]
	[ "$(cat "$d"/*/"$id"/pids.max)" = 30 ]
	# pause, unpause: the kernel's freezer holds the container (its PID 1 stopped: state S, frozen)
	cgu() { in_session as "$RL_UA" env CTR_ROOTLESS_CGROUP="$d" "$CTR" "$@"; }
	run -0 cgu pause "$id"
	grep -qx 'frozen 1' "$d"/*/"$id"/cgroup.events
	run -0 cgu ps
	assert_line --partial "(Paused)"
	run -0 cgu unpause "$id"
	grep -qx 'frozen 0' "$d"/*/"$id"/cgroup.events
	# stats: the group's limit; update: the kernel's files at once
	run -0 cgu stats "$id"
	assert_line --regexp "^${id:0:12} .* / 32MiB "
	run -0 cgu update --pids-limit 40 "$id"
	[ "$(cat "$d"/*/"$id"/pids.max)" = 40 ]
	# stop, start: the group made again (the exit action removed it), the new PID 1 in it
	run -0 cgu stop -t 1 "$id"
	run -0 cgu start "$id"
	pid=$(cat "$RL_BASE/home-$RL_UA/.local/share/ctr/containers/$id/pid")
	run cat "/proc/$pid/cgroup"
	assert_output --regexp "^0::/$CTR_PREFIX-rl/.*/$id\$"
	[ "$(cat "$d"/*/"$id"/pids.max)" = 40 ]
	run -0 as "$RL_UA" env CTR_ROOTLESS_CGROUP="$d" "$CTR" rm -f "$id"
	run ls "$d"/*/"$id"
	assert_failure
	# enforced: a memory hog under -m is killed (137)
	run in_session as "$RL_UA" env CTR_ROOTLESS_CGROUP="$d" "$CTR" run --rm --net none -m 32m busybox memhog 128
	assert_equal "$status" 137
}

# rl_screen SESSION: what the user's terminal (a tmux session of the user's own server) shows. The
# session named exactly (=SESSION:): a bare name may be another session's window (test/tmux.bash).
rl_screen() { as "$RL_UA" tmux -S "$RL_BASE/run-$RL_UA/tmux.sock" capture-pane -p -t "=$1:"; }
rl_shows() { rl_screen "$1" | grep -qF -- "$2"; }
rl_keys() {
	local s=$1
	shift
	as "$RL_UA" tmux -S "$RL_BASE/run-$RL_UA/tmux.sock" send-keys -t "=$s:" "$@"
}
# rl_report: both terminals, the container's processes and stacks (term_report) of the tty test
rl_report() {
	local d=$RL_BASE/home-$RL_UA/.local/share/ctr/containers
	TS=$RL_BASE/run-$RL_UA/tmux.sock TERM_USER=$RL_UA term_report "$(cat "$d"/*/pid 2>/dev/null)" \
		"$(cat "$d"/*/shim.pid 2>/dev/null)"
}

@test "rootless run -it and exec -it in a real terminal (tmux, the user's own)" {
	[ -c /dev/net/tun ] || skip "no /dev/net/tun (the make test-v2 guest): pasta cannot run"
	local ts=$RL_BASE/run-$RL_UA/tmux.sock
	as "$RL_UA" tmux -S "$ts" new-session -d -s t -x 80 -y 24 \
		"$CTR run -it --rm --name tty busybox sh; echo rc=\$?; exec sleep 600"
	wait_for rl_shows t '/ #' || fail "no prompt: $(rl_screen t)"
	rl_keys t 'id -u; tty; echo $TERM' Enter
	wait_for rl_shows t /dev/pts/0 || fail "$(rl_screen t)"
	run -0 rl_screen t
	assert_line 0
	# exec -it into it from a second terminal: the same container, a pty of its own
	as "$RL_UA" tmux -S "$ts" new-session -d -s e -x 80 -y 24 \
		"$CTR exec -it tty sh -c 'tty; ps -o comm= | sort | tr \"\\n\" \" \"; echo; exec sh'; echo rc=\$?; exec sleep 600"
	wait_for rl_shows e '/ #' || fail "no prompt: $(rl_screen e)"
	run -0 rl_screen e
	assert_line /dev/pts/1
	assert_line --partial "ps sh sh" # the run's sh and this one
	rl_keys e 'exit 3' Enter
	wait_for rl_shows e rc=3 || fail "$(rl_report)"
	rl_keys t 'exit' Enter
	wait_for rl_shows t rc=0 || fail "$(rl_report)"
	as "$RL_UA" tmux -S "$ts" kill-server
	wait_for no_pasta "$RL_UA"
	run -0 ctr_as "$RL_UA" ps -aq
	assert_output ''
}
