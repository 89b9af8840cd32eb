#!/bin/sh
# bocker-run.sh - the baseline for `make bench`: one `run --rm ... true` done the way bocker does it
# (p8952/bocker), step by step with the stock tools, so that ctr is measured against the same steps.
#
# Usage: bocker-run.sh BASE PREFIX BRIDGE NET [CMD [ARG...]]
#   BASE    a btrfs subvolume holding the image; the container's snapshot is made next to it
#   PREFIX  at most 6 characters; every object is named from it and a random 6-hex ID:
#           snapshot BASE/../PREFIX-ID, netns PREFIX-ID, veths PREFIXaID (host) / PREFIXbID,
#           cgroup /PREFIX/ID in cpu, cpuacct and memory
#   BRIDGE  an existing bridge holding NET.1/24 (bocker wanted a hand-made bridge0)
#   NET     the first three octets of that /24, e.g. 10.201.7; the container gets NET.2-254
#   CMD     default `true`
# Steps, as bocker: veth pair on the bridge; netns; one `ip netns exec` per setting (lo, MAC,
# address, link, route); btrfs snapshot; resolv.conf; cgcreate + cgset (cpu.shares, memory limit);
# `cgexec ... ip netns exec ... unshare -fmuip --mount-proc chroot SNAPSHOT CMD`. Then the teardown
# (bocker's rm): link, netns, one cgdelete per controller, subvolume. The teardown also runs when a
# step fails or the script is interrupted, so nothing is left behind.
# Exit status: CMD's, or 125 when a step fails (with `bocker-run: <step>: failed` on stderr).
set -u

die() {
	printf 'bocker-run: %s\n' "$*" >&2
	exit 125
}

[ $# -ge 4 ] || die "usage: bocker-run.sh BASE PREFIX BRIDGE NET [CMD [ARG...]]"
base=$1 prefix=$2 bridge=$3 net=$4
shift 4
[ $# -gt 0 ] || set -- true
[ ${#prefix} -le 6 ] || die "$prefix: prefix longer than 6 characters"

id=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
oct=$(od -An -N1 -tu1 /dev/urandom | tr -d ' \n')
ns=$prefix-$id
vh=${prefix}a$id
vc=${prefix}b$id
snap=$(dirname "$base")/$prefix-$id
cg=/$prefix/$id
host=$((oct % 253 + 2))
ip=$net.$host
mac=$(printf '02:42:ac:11:00:%02x' "$host")

# teardown: bocker's rm, made idempotent so that it also undoes a half-done setup.
teardown() {
	! ip link show "$vh" >/dev/null 2>&1 || ip link del dev "$vh"
	[ ! -e "/run/netns/$ns" ] || ip netns del "$ns"
	# one controller per cgdelete: cgroup-tools 2.0.2 removes only the first of a list
	for c in cpu cpuacct memory; do
		[ ! -d "/sys/fs/cgroup/$c$cg" ] || cgdelete -g "$c:$cg"
	done
	[ ! -d "$snap" ] || btrfs subvolume delete "$snap" >/dev/null
}
# on_exit: keep the exit status of the step (or of CMD) across the teardown.
on_exit() {
	_rc=$?
	trap - EXIT
	teardown
	exit "$_rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip link add dev "$vh" type veth peer name "$vc" || die "veth: failed"
ip link set dev "$vh" up || die "veth up: failed"
ip link set "$vh" master "$bridge" || die "bridge $bridge: failed"
ip netns add "$ns" || die "netns: failed"
ip link set "$vc" netns "$ns" || die "veth into netns: failed"
ip netns exec "$ns" ip link set dev lo up || die "lo: failed"
ip netns exec "$ns" ip link set "$vc" address "$mac" || die "mac: failed"
ip netns exec "$ns" ip addr add "$ip/24" dev "$vc" || die "address: failed"
ip netns exec "$ns" ip link set dev "$vc" up || die "link up: failed"
ip netns exec "$ns" ip route add default via "$net.1" || die "route: failed"
btrfs subvolume snapshot "$base" "$snap" >/dev/null || die "snapshot: failed"
echo 'nameserver 192.0.2.53' >"$snap/etc/resolv.conf" || die "resolv.conf: failed"
cgcreate -g "cpu,cpuacct,memory:$cg" || die "cgcreate: failed"
cgset -r cpu.shares=512 "$cg" || die "cgset cpu.shares: failed"
cgset -r memory.limit_in_bytes=512000000 "$cg" || die "cgset memory: failed"
cgexec -g "cpu,cpuacct,memory:$cg" ip netns exec "$ns" unshare -fmuip --mount-proc chroot "$snap" "$@"
