#!/usr/bin/env bats
# test/run-oci.bats - one code path: run writes each container as an OCI runtime-spec
# config.json ($C/oci-config.json, from its one jq) and nsenter-chroot --config runs it through
# the parser and executor that ctr-oci uses (helpers/lib/oci-*.c). So the config that ctr.sh
# wrote runs unchanged under build/ctr-oci, with the same result, and every test of ctr.sh
# exercises what podman and containerd use.

bats_require_minimum_version 1.5.0
load helper

OCI="$TOP/build/ctr-oci"

teardown() {
	local id
	# the SIGKILLed exec's test: its files, pass or fail
	[ -z "${LIVE:-}" ] || rm -f "$LIVE"
	[ -z "${XF:-}" ] || rm -f "$XF"
	for id in $("$OCI" --root "$BATS_TEST_TMPDIR/oci" list -q 2>/dev/null); do
		"$OCI" --root "$BATS_TEST_TMPDIR/oci" delete --force "$id" 2>/dev/null
	done
	ctr_teardown
}

# PROBE: what a container sees of itself: ids, capabilities, seccomp, no_new_privs, cwd, env, its
# mounts (point, type, options: no ids) and a volume's file.
# shellcheck disable=SC2016
PROBE='id; grep -E "^(Cap|Seccomp|NoNewPrivs)" /proc/self/status; pwd; env | sort
	cut -d" " -f5,6,9- /proc/self/mountinfo; cat /proc/self/uid_map; cat /v/f; ls /dev; cat /proc/1/comm'

# same_under_ctr_oci ID: run the container ID's oci-config.json, copied as it is into a bundle,
# under ctr-oci, and compare its output with the log of ctr.sh's run.
same_under_ctr_oci() {
	local c=$CTR_ROOT/containers/$1 b=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$b"
	cp "$c/oci-config.json" "$b/config.json"
	run "$OCI" --root "$BATS_TEST_TMPDIR/oci" run --bundle "$b" "oci$1"
	assert_success
	[ -n "$output" ] || fail "ctr-oci printed nothing"
	assert_output "$(ctr logs "$1")"
}

@test "run: the container's oci-config.json runs unchanged under ctr-oci with the same result (user, caps, seccomp, mounts, volume, init)" {
	mkdir "$BATS_TEST_TMPDIR/vol"
	echo from-the-host >"$BATS_TEST_TMPDIR/vol/f"
	run ctr run --name probe --net host -u nobody -e X=1 -w /tmp --cap-add NET_ADMIN --init \
		-v "$BATS_TEST_TMPDIR/vol:/v:ro" busybox sh -c "$PROBE"
	assert_success
	assert_line --regexp '^uid=65534\(nobody\)'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	assert_line from-the-host
	assert_line init
	id=$(cat "$CTR_ROOT/names/probe")
	same_under_ctr_oci "$id"
}

@test "run --userns --read-only --privileged: the same under ctr-oci (maps, idmapped root, all capabilities, no seccomp)" {
	mkdir "$BATS_TEST_TMPDIR/vol"
	echo from-the-host >"$BATS_TEST_TMPDIR/vol/f"
	run ctr run --name probe --net host --userns --read-only -v "$BATS_TEST_TMPDIR/vol:/v" busybox sh -c "$PROBE"
	assert_success
	assert_line --regexp '^uid=0\(root\)'
	assert_line from-the-host
	same_under_ctr_oci "$(cat "$CTR_ROOT/names/probe")"
	run ctr run --name priv --net host --privileged -v "$BATS_TEST_TMPDIR/vol:/v" busybox sh -c "$PROBE"
	assert_success
	assert_line --regexp '^Seccomp:[[:space:]]+0$'
	same_under_ctr_oci "$(cat "$CTR_ROOT/names/priv")"
}

@test "run: oci-config.json states what run was given (namespaces, cgroup, volumes by inode, user by name, ctr's extensions)" {
	mkdir "$BATS_TEST_TMPDIR/vol"
	CTR_LIBEXEC_USED=${CTR_LIBEXEC:-$TOP/build}
	id=$(ctr run -d -u nobody:nogroup -v "$BATS_TEST_TMPDIR/vol:/v:ro:noexec" --cap-drop ALL --cap-add CHOWN \
		-h box busybox sleep 60)
	f=$CTR_ROOT/containers/$id/oci-config.json
	run jq -cS '[.linux.namespaces, .linux.cgroupsPath, .hostname, .process.user, .process.capabilities.bounding,
		.process.noNewPrivileges, .root, .ctr, .linux.resources, .linux.sysctl]' "$f"
	assert_output "$(jq -cnS --arg p "$CTR_PREFIX" --arg id "$id" --arg r "$(tree_path containers "$id")" '[
		[{type: "pid"}, {type: "mount"}, {type: "uts"}, {type: "ipc"}, {type: "cgroup"},
		 {type: "network", path: "/proc/self/fd/6"}], "/\($p)/\($id)", "box",
		{uid: 0, gid: 0, username: "nobody:nogroup"}, ["CAP_CHOWN"], true, {path: $r, readonly: false},
		{rootfsNodev: true, rootfsIdmap: false, seccomp: "default", init: false, shmInDev: true},
		{devices: [{allow: false, access: "rwm"}]},
		{"net.ipv4.ping_group_range": "0 2147483647", "net.ipv4.ip_unprivileged_port_start": "0"}]')"
	run jq -cS '.mounts[-1]' "$f"
	assert_output "$(jq -cnS --arg s "$BATS_TEST_TMPDIR/vol" --arg i "x-ctr.inode=$(stat -c %d:%i "$BATS_TEST_TMPDIR/vol")" \
		'{destination: "/v", type: "bind", source: $s, options: ["rbind", "nosuid", "nodev", "ro", "noexec", $i]}')"
	# what the host sees: nsenter-chroot got only this start's options, never the container's
	# (its argv is the shim's PROG: it has handed PID 1 over to the shim and exited, --detach)
	shim=$(cat "$CTR_ROOT/containers/$id/shim.pid")
	run sh -c 'tr "\0" " " </proc/"$1"/cmdline | sed "s/.* -- //"' _ "$shim"
	assert_output "$CTR_LIBEXEC_USED/nsenter-chroot --config $CTR_ROOT/containers/$id/oci-config.json --pid-file $CTR_ROOT/containers/$id/pid --detach --notify-fd 4 "
	ctr rm -f "$id"
}

@test "exec: the process goes to nsenter-chroot as an OCI process object in a file of its own (0600, on /run), removed after" {
	id=$(ctr run -d -e A=1 busybox sleep 60)
	run ctr exec -e B=2 -w /tmp -u nobody "$id" sh -c 'id -un; pwd; echo "$A$B"'
	assert_success
	assert_line --index 0 nobody
	assert_line --index 1 /tmp
	assert_line --index 2 12
	# written on the host's tmpfs, root's only, removed after: an exec that reads a line
	mkfifo "$BATS_TEST_TMPDIR/in"
	ctr exec -i "$id" head -n 1 <"$BATS_TEST_TMPDIR/in" >/dev/null &
	exec 9>"$BATS_TEST_TMPDIR/in"
	pid1=$(cat "$CTR_ROOT/containers/$id/pid")
	wait_for sh -c 'pgrep -f -- "--join $1 --process /run/ctr/exec\.[0-9]*\.json" >/dev/null' _ "$pid1"
	f=$(pgrep -af -- "--join $pid1 --process " | grep -o '/run/ctr/exec\.[0-9]*\.json' | head -1)
	[ "$(stat -c %a "$f")" = 600 ]
	run jq -c .args "$f"
	assert_output '["head","-n","1"]'
	echo done >&9
	exec 9>&-
	wait
	[ ! -e "$f" ] || fail "$f left behind"
	ctr rm -f "$id"
}

@test "run --net none: a network namespace without a path and the sysctls as linux.sysctl (--userns: the group range mapped there)" {
	run ctr run --name none --net none busybox sh -c 'cat /proc/sys/net/ipv4/ping_group_range /proc/sys/net/ipv4/ip_unprivileged_port_start; ip -o link | cut -d: -f2'
	assert_success
	assert_output "$(printf '0\t2147483647\n0\n lo')"
	f=$CTR_ROOT/containers/$(cat "$CTR_ROOT/names/none")/oci-config.json
	run jq -cS '[(.linux.namespaces[] | select(.type == "network")), .linux.sysctl]' "$f"
	assert_output '[{"type":"network"},{"net.ipv4.ip_unprivileged_port_start":"0","net.ipv4.ping_group_range":"0 2147483647"}]'
	run ctr run --name none-u --net none --userns busybox cat /proc/sys/net/ipv4/ping_group_range
	assert_success
	assert_output "$(printf '0\t65535')"
	run jq -r '.linux.sysctl["net.ipv4.ping_group_range"]' "$CTR_ROOT/containers/$(cat "$CTR_ROOT/names/none-u")/oci-config.json"
	assert_output '0 65535'
	# --net host: the host's, no sysctl written
	id=$(ctr run -d --net host busybox sleep 60)
	run jq -c '[.linux.namespaces[] | select(.type == "network")], .linux.sysctl' "$CTR_ROOT/containers/$id/oci-config.json"
	assert_output "$(printf '[]\nnull')"
	ctr rm -f "$id" >/dev/null
}

@test "exec SIGKILLed: its process file stays until cleanup, which removes only those whose exec is gone" {
	id=$(ctr run -d --net none busybox sleep 60)
	mkfifo "$BATS_TEST_TMPDIR/in"
	ctr exec -i "$id" head -n 1 <"$BATS_TEST_TMPDIR/in" >/dev/null &
	exec 9>"$BATS_TEST_TMPDIR/in"
	pid1=$(cat "$CTR_ROOT/containers/$id/pid")
	wait_for sh -c 'pgrep -f -- "--join $1 --process /run/ctr/exec\.[0-9]*\.json" >/dev/null' _ "$pid1"
	f=$(pgrep -af -- "--join $pid1 --process " | grep -o '/run/ctr/exec\.[0-9]*\.json' | head -1)
	XF=$f
	xp=${f##*/exec.}
	xp=${xp%.json}
	kill -KILL "$xp"
	echo done >&9
	exec 9>&-
	wait || true
	[ -e "$f" ] || fail "$f: gone without cleanup (the test is moot)"
	# a live exec's file is kept: this shell's pid stands for one
	LIVE=/run/ctr/exec.$$.json
	echo '{}' >"$LIVE"
	run ctr cleanup
	assert_success
	[ ! -e "$f" ] || fail "$f: left by cleanup"
	[ -e "$LIVE" ] || fail "$LIVE: a live exec's file removed"
	ctr rm -f "$id" >/dev/null
}

@test "start: oci-config.json gets the new user-namespace range (its id maps as config.json's), and the container runs with it" {
	run ctr run --name u1 --net none --userns busybox cat /proc/self/uid_map
	assert_success
	id=$(cat "$CTR_ROOT/names/u1")
	wait_for test -e "$CTR_ROOT/containers/$id/released"
	old=$(jq .security.userns.uid "$CTR_ROOT/containers/$id/config.json")
	# another container takes the range u1 had
	id2=$(ctr run -d --net none --userns busybox sleep 60)
	[ "$(jq .security.userns.uid "$CTR_ROOT/containers/$id2/config.json")" = "$old" ] ||
		skip "the range was not reused (another root took it)"
	run ctr start -a u1
	assert_success
	new=$(jq .security.userns.uid "$CTR_ROOT/containers/$id/config.json")
	[ "$new" != "$old" ]
	assert_output --regexp "^ +0 +$new +65536$"
	run jq -c '[.linux.uidMappings, .linux.gidMappings]' "$CTR_ROOT/containers/$id/oci-config.json"
	assert_output "[[{\"containerID\":0,\"hostID\":$new,\"size\":65536}],[{\"containerID\":0,\"hostID\":$new,\"size\":65536}]]"
	ctr rm -f "$id2" >/dev/null
}
