#!/usr/bin/env bats
# test/userns.bats - run --userns: the container's root is an unprivileged range of host ids that
# ctr owns ($CTR_ROOT/subuid); the image needs no chown (idmapped rootfs); and --userns works with
# the network, cgroup limits, a terminal and exec. What is seen inside is checked from the host.

bats_require_minimum_version 1.5.0
load helper

CLIENT="$TOP/build/progs/tcp-client"

# range ID: the first host id of the container's range, from $CTR_ROOT/subuid.
range() {
	awk -F: -v id="$1" '$1 == id { print $2 }' "$CTR_ROOT/subuid"
}

# host_uid PID: the real uid of PID as the host sees it.
host_uid() {
	ps -o uid= -p "$1" | tr -d ' '
}

@test "--userns: id says root inside, uid_map shows the range recorded in \$CTR_ROOT/subuid, ps on the host the unprivileged id" {
	id=$(ctr run -d --userns busybox sh -c 'id; cat /proc/self/uid_map /proc/self/gid_map; exec sleep 60')
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	first=$(range "$id")
	[ "$first" -ge 65536 ] || fail "range $first overlaps the host's ordinary ids"
	run grep -c "^$id:$first:65536\$" "$CTR_ROOT/subuid"
	assert_output 1
	wait_for sh -c "[ \$('$CTR' logs $id | wc -l) -ge 3 ]"
	run ctr logs "$id"
	assert_line --index 0 "uid=0(root) gid=0(root)"
	assert_line --index 1 --regexp "^ +0 +$first +65536\$"
	assert_line --index 2 --regexp "^ +0 +$first +65536\$"
	assert_equal "$(host_uid "$pid")" "$first"
	run grep -E '^(Uid|Gid):' "/proc/$pid/status"
	assert_line --regexp "^Uid:\s+$first\s+$first\s+$first\s+$first\$"
	assert_line --regexp "^Gid:\s+$first\s+$first\s+$first\s+$first\$"
	[ "$(jq .security.userns.uid "$CTR_ROOT/containers/$id/config.json")" = "$first" ]
	# its capabilities count in its own namespace only: on the host it is an ordinary user
	run awk '$1 == "CapEff:" { print $2 }' "/proc/$pid/status"
	[ "$output" != 0000000000000000 ]
	[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
}

@test "--userns: image files need no chown (idmapped rootfs); files made inside are the mapped id on the host" {
	mkdir -m 1777 "$BATS_TEST_TMPDIR/vol" # the host's root owns it: to the container, it is another user's
	id=$(ctr run -d --userns -v "$BATS_TEST_TMPDIR/vol:/vol" busybox sh -c 'touch /made /vol/made; exec sleep 60')
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	first=$(range "$id")
	wait_for test -e "$BATS_TEST_TMPDIR/vol/made"
	run ctr exec "$id" stat -c '%u:%g %n' /bin/busybox /etc/passwd /made
	assert_output "$(printf '0:0 /bin/busybox\n0:0 /etc/passwd\n0:0 /made')"
	# on disk nothing was chowned: the snapshot (and the image) stay root's, a commit stays portable
	assert_equal "$(stat -c %u "$(tree_path containers "$id")/bin/busybox")" 0
	assert_equal "$(stat -c %u "$(tree_path containers "$id")/made")" 0
	# the root mount is idmapped
	run awk '$5 == "/" { print $6 }' "/proc/$pid/mountinfo"
	assert_output --partial idmapped
	# through the container's own mounts, the host sees the mapped owner; a volume stores it
	assert_equal "$(stat -c %u "/proc/$pid/root/made")" "$first"
	assert_equal "$(stat -c %u "/proc/$pid/root/bin/busybox")" "$first"
	assert_equal "$(stat -c %u:%g "$BATS_TEST_TMPDIR/vol/made")" "$first:$first"
}

@test "--userns: each container gets its own range; a range is free again after rm; --userns=host has none" {
	# ranges are free or taken host-wide (other tests' roots take them too): this test's own ids
	export CTR_USERNS_BASE=$((0x78000000 + 0x${CTR_PREFIX#ctrt} % 512 * 4 * 65536)) CTR_USERNS_SLOTS=4 # below 2^31
	a=$(ctr run -d --userns busybox sleep 60)
	b=$(ctr run -d --userns busybox sleep 60)
	ra=$(range "$a") rb=$(range "$b")
	[ "$ra" != "$rb" ]
	[ $((ra > rb ? ra - rb : rb - ra)) -ge 65536 ]
	assert_equal "$(host_uid "$(cat "$CTR_ROOT/containers/$b/pid")")" "$rb"
	ctr rm -f "$a"
	run grep -c "^$a:" "$CTR_ROOT/subuid"
	assert_output 0
	c=$(ctr run -d --userns busybox sleep 60)
	assert_equal "$(range "$c")" "$ra"
	run ctr run --rm --userns=host busybox cat /proc/self/uid_map
	assert_output --regexp '^ +0 +0 +4294967295$'
	run ctr run --rm busybox cat /proc/self/uid_map
	assert_output --regexp '^ +0 +0 +4294967295$'
	# --rm gives the range back
	run -127 ctr run --rm --userns busybox no-such-command
	assert_equal "$(wc -l <"$CTR_ROOT/subuid")" 2
}

@test "--userns --user: ids inside the range; an id outside it is refused" {
	id=$(ctr run -d --userns -u 1000:1000 busybox sleep 60)
	first=$(range "$id")
	assert_equal "$(host_uid "$(cat "$CTR_ROOT/containers/$id/pid")")" $((first + 1000))
	run ctr exec "$id" id -u
	assert_output 1000
	run -125 ctr run --rm --userns -u 70000 busybox true
	assert_output "ctr: --user 70000: with --userns, ids are 0 to 65535"
}

@test "--userns: root inside cannot read a host root-only file in a volume, even --privileged" {
	mkdir "$BATS_TEST_TMPDIR/vol"
	echo secret >"$BATS_TEST_TMPDIR/vol/secret"
	chmod 600 "$BATS_TEST_TMPDIR/vol/secret"
	run ctr run --rm --userns --privileged -v "$BATS_TEST_TMPDIR/vol:/vol" busybox sh -c 'exec 2>&1; cat /vol/secret; echo x >/vol/secret; stat -c %u /vol/secret'
	assert_output --partial "Permission denied"
	refute_line secret
	assert_line 65534
	[ "$(cat "$BATS_TEST_TMPDIR/vol/secret")" = secret ]
	# without --userns the same container root reads it: the user namespace is what stops it
	run ctr run --rm --privileged -v "$BATS_TEST_TMPDIR/vol:/vol" busybox cat /vol/secret
	assert_output secret
}

@test "--userns with the network: its own address on the bridge, the host reaches it, it reaches another container" {
	id=$(ctr run -d --userns busybox tcp-server -p 8080)
	ip=$(ctr inspect "$id" | jq -r .network.ip)
	run ctr exec "$id" ip -4 -o addr show eth0
	assert_output --partial " $ip/"
	run ctr exec "$id" ls /sys/class/net
	assert_output "$(printf 'eth0\nlo')"
	wait_for sh -c "'$CTR' logs $id | grep -q '^listening on'"
	run "$CLIENT" "$ip" 8080 "hello-userns"
	assert_line "$id $ip: echo hello-userns"
	run ctr run --rm --userns busybox tcp-client "$ip" 8080 from-peer
	assert_success
	assert_line --partial "echo from-peer"
}

@test "--userns with cgroup limits: the memory limit applies (OOM kill, 137), PID 1 is in the group" {
	id=$(ctr run -d --userns -m 32m busybox sleep 60)
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	run cat "/proc/$pid/cgroup"
	assert_output --regexp "memory:/$CTR_PREFIX/$id|0::/$CTR_PREFIX/$id"
	run -137 ctr run --userns -m 32m busybox memhog 128
}

@test "--userns with a terminal and exec: run -t, exec -t and exec join the same user namespace" {
	run ctr run --rm -t --userns busybox sh -c 'tty; id -u'
	assert_line --index 0 --regexp '^/dev/pts/0'
	assert_line --index 1 --regexp '^0'
	id=$(ctr run -d -i -t --userns busybox sh)
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	run ctr exec -t "$id" sh -c 'tty; cat /proc/self/uid_map'
	assert_line --index 0 --regexp '^/dev/pts/'
	assert_line --index 1 --regexp "^ +0 +$(range "$id") +65536"
	ctr exec "$id" sleep 33 >/dev/null 2>&1 3>&- &
	wait_for pgrep -xf "sleep 33" >/dev/null
	p=$(pgrep -xf "sleep 33")
	[ "$(readlink "/proc/$p/ns/user")" = "$(readlink "/proc/$pid/ns/user")" ]
	assert_equal "$(host_uid "$p")" "$(range "$id")"
	run grep -E '^(Seccomp|NoNewPrivs):' "/proc/$p/status"
	assert_line --regexp '^Seccomp:\s+2$'
	assert_line --regexp '^NoNewPrivs:\s+1$'
}
