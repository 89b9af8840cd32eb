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
	run jq -c '[.linux.namespaces, .linux.cgroupsPath, .hostname, .process.user, .process.capabilities.bounding,
		.process.noNewPrivileges, .root, .ctr, .linux.resources]' "$f"
	assert_output "[[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"ipc\"},{\"type\":\"cgroup\"},{\"type\":\"network\",\"path\":\"/run/netns/$CTR_PREFIX-$id\"}],\"/$CTR_PREFIX/$id\",\"box\",{\"uid\":0,\"gid\":0,\"username\":\"nobody:nogroup\"},[\"CAP_CHOWN\"],true,{\"path\":\"$CTR_ROOT/containers/$id/rootfs\",\"readonly\":false},{\"rootfsNodev\":true,\"rootfsIdmap\":false,\"seccomp\":\"default\",\"init\":false},{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}]"
	run jq -c '.mounts[-1]' "$f"
	assert_output "{\"destination\":\"/v\",\"type\":\"bind\",\"source\":\"$BATS_TEST_TMPDIR/vol\",\"options\":[\"rbind\",\"nosuid\",\"nodev\",\"ro\",\"noexec\",\"x-ctr.inode=$(stat -c %d:%i "$BATS_TEST_TMPDIR/vol")\"]}"
	# what the host sees: nsenter-chroot got only this start's options, never the container's
	shim=$(cat "$CTR_ROOT/containers/$id/shim.pid")
	run sh -c 'tr "\0" " " </proc/"$(pgrep -P "$1" | head -1)"/cmdline' _ "$shim"
	assert_output "$CTR_LIBEXEC_USED/nsenter-chroot --config $CTR_ROOT/containers/$id/oci-config.json --pid-file $CTR_ROOT/containers/$id/pid --notify-fd 4 "
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
