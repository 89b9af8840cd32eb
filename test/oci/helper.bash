# test/oci/helper.bash - shared by test/oci/*.bats (ctr-oci, in the manner of runc's
# tests/integration): each test gets its own --root and a busybox bundle under
# BATS_TEST_TMPDIR, and a cgroupsPath of its own; teardown deletes every container of
# that root with --force and checks nothing of it is left.

bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load "${BASH_SOURCE[0]%/*}/../wait"
WAIT_FOR_SECONDS=10

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
OCI="$TOP/build/ctr-oci"

setup() {
	local r
	r=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	ROOT="$BATS_TEST_TMPDIR/state"
	BUNDLE="$BATS_TEST_TMPDIR/bundle"
	ID="ocit$r"
	CG="/$ID"
	mkdir -p "$BUNDLE"
	cp -a "$TOP/build/rootfs/busybox" "$BUNDLE/rootfs"
	"$OCI" spec --bundle "$BUNDLE"
	config '.root.readonly = false | .linux.cgroupsPath = $cg' --arg cg "$CG"
}

teardown() { oci_teardown; }

# oci_teardown: every container of the test's root deleted, its cgroups removed
oci_teardown() {
	local id d
	for id in $("$OCI" --root "$ROOT" list -q 2>/dev/null); do
		"$OCI" --root "$ROOT" delete --force "$id" 2>/dev/null
	done
	for d in /sys/fs/cgroup/*/"$ID"; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	return 0
}

# config JQ-FILTER [jq args]: edit the bundle's config.json
config() {
	local f=$1
	shift
	jq "$@" "$f" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" && mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# args ARG...: the process's argv
args() {
	config '.process.args = $a' --argjson a "$(printf '%s\n' "$@" | jq -Rn '[inputs]')"
}

oci() { "$OCI" --root "$ROOT" "$@"; }

# status ID: the status field of state
status() { oci state "$1" | jq -r .status; }

# cgroup_dirs: every directory of the test's cgroup that exists
cgroup_dirs() { ls -d /sys/fs/cgroup/*/"$ID" 2>/dev/null; }

wait_status() {
	local i
	for i in $(seq 50); do
		[ "$(status "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# oci_detached ARGS: ctr-oci with stdio on a file, for create and exec --detach: the process
# they leave running keeps the stdio it was given (the OCI contract), and bats' run would
# wait for its end of a pipe forever. Sets status and output as run does.
oci_detached() {
	status=0
	oci "$@" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/out")
}

# create [ARGS]: create $ID from $BUNDLE, which must succeed
create() {
	oci_detached create --bundle "$BUNDLE" "$@" "$ID"
	assert_success
}
