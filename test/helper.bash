# test/helper.bash - shared by every test/*.bats.
# Each test gets its own CTR_ROOT on its own loopback btrfs pool, its own CTR_PREFIX (names of
# netns, cgroups, iptables comments), bridge and subnet. teardown removes all of it, pass or fail.

bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load "${BASH_SOURCE[0]%/*}/wait"

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
CTR="$TOP/ctr.sh"

# ctr_setup: per-test state (called from setup()).
ctr_setup() {
	local r
	# a subnet no other test on this host holds now (tests of other checkouts run side by side):
	# two bridges with one subnet would route one test's traffic to the other's bridge
	mkdir -p /run/ctr-test-subnets
	while :; do
		r=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
		mkdir "/run/ctr-test-subnets/$((0x${r:0:2} % 40)).$((0x${r:2:2}))" 2>/dev/null && break
	done
	export CTR_TEST_SUBNET_CLAIM="/run/ctr-test-subnets/$((0x${r:0:2} % 40)).$((0x${r:2:2}))"
	export CTR_PREFIX="ctrt$r"
	export CTR_ROOT="$BATS_TEST_TMPDIR/root"
	export CTR_POOL="$BATS_TEST_TMPDIR/pool"
	export CTR_POOL_SIZE=1G
	# ctr's state is in $CTR_ROOT, the pool (trees, blobs, work) on $CTR_ROOT/btrfs (helpers/storage.sh)
	export POOL_DIR=$CTR_ROOT/btrfs
	export CTR_BRIDGE="ctb$r"
	# a /24 in 10.200.0.0-10.239.255.0 chosen at random: tests may run side by side
	export CTR_SUBNET="10.$((200 + 0x${r:0:2} % 40)).$((0x${r:2:2})).0/24"
	[ -z "${CTR_TEST_LIBEXEC:-}" ] || export CTR_LIBEXEC="$CTR_TEST_LIBEXEC"
}

# pid_is_ours PID: PID is a process of this test's: in one of its cgroups (a container's), or one
# whose command line names its state root (a supervisor, ctr-shim).
pid_is_ours() {
	grep -q ":/$CTR_PREFIX/" "/proc/$1/cgroup" 2>/dev/null && return 0
	tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$CTR_ROOT/"
}

# ctr_teardown: remove every kernel object of this test's prefix, then the pool.
ctr_teardown() {
	local p=$CTR_PREFIX pid ns cg d
	# processes still in the test's cgroups or namespaces
	for d in "$CTR_ROOT"/containers/*/; do
		# only a pid above 1: a test plants -1 or 0 in a pid file (input.bats), and kill -KILL -1
		# as root is every process of the host (this suite's and every other's on the machine);
		# and only a process of this test's (pid_is_ours): the pid files of a container that has
		# exited name a pid the kernel may have given since to another test's process (seen: an
		# image.bats mkrootfs SIGKILLed by a parallel file's teardown)
		for pid in "$(cat "$d/pid" 2>/dev/null)" "$(cat "$d/shim.pid" 2>/dev/null)"; do
			case $pid in '' | 0* | 1 | *[!0-9]*) ;; *) ! pid_is_ours "$pid" || kill -KILL "$pid" 2>/dev/null ;; esac
		done
	done
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$p-"); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	for cg in /sys/fs/cgroup/*/"$p" /sys/fs/cgroup/"$p"; do
		[ -d "$cg" ] || continue
		# a killed process leaves its group a moment later (seen: a group left from a loaded run)
		for _ in $(seq 50); do
			find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null
			find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
			[ -d "$cg" ] || break
			sleep 0.1
		done
	done
	iptables-save 2>/dev/null | grep -q -- "--comment \"\\?$p:" && test_iptables_sweep "$p"
	nft delete table bridge "$p" 2>/dev/null # the anti-spoofing table (helpers/net.sh)
	ip link del "$CTR_BRIDGE" 2>/dev/null
	for d in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep "^$CTR_BRIDGE" | cut -d@ -f1); do
		ip link del "$d" 2>/dev/null
	done
	# the host-wide registry's entry of this root (helpers/storage.sh)
	[ "$(cat "/run/ctr/roots/$p" 2>/dev/null)" != "$(realpath -m "$CTR_ROOT")" ] || rm -f "/run/ctr/roots/$p"
	# the pool (on $CTR_ROOT/btrfs; on $CTR_ROOT itself in the earlier layout, which tests make)
	for d in "$CTR_ROOT/btrfs" "$CTR_ROOT"; do
		mountpoint -q "$d" 2>/dev/null || continue
		umount "$d" 2>/dev/null || umount -l "$d"
	done
	rm -f "$CTR_POOL" "$CTR_POOL.lock"
	[ -z "${CTR_TEST_SUBNET_CLAIM:-}" ] || rmdir "$CTR_TEST_SUBNET_CLAIM" 2>/dev/null
	rmdir /run/ctr-test-subnets 2>/dev/null
	return 0
}

# test_iptables_sweep PREFIX: delete every iptables rule whose comment starts with PREFIX:.
test_iptables_sweep() {
	local t rule
	for t in nat filter mangle; do
		iptables-save -t "$t" | grep -- "^-A .*--comment \"\\?$1:" | while IFS= read -r rule; do
			eval "iptables -t $t -D ${rule#-A }" 2>/dev/null
		done
	done
	for t in nat filter mangle; do
		iptables-save -t "$t" | awk -v p="$1" '$1 ~ "^:" p {print substr($1, 2)}' | while read -r c; do
			iptables -t "$t" -F "$c" 2>/dev/null
			iptables -t "$t" -X "$c" 2>/dev/null
		done
	done
}

setup() { ctr_setup; }
teardown() { ctr_teardown; }

# tree_path containers|images|tmp NAME: the file tree of a container, an image or a work (storage.sh tree_of).
tree_path() { echo "$CTR_ROOT/btrfs/$1/$2/rootfs"; }

# ctr: run ctr.sh (use with bats' run).
ctr() { "$CTR" "$@"; }

# tun_hold, tun_release: /dev/net/tun's mode is the host's: rootless-setup makes it 0666 (pasta) and
# a test that ran it puts the old mode back. The test files that do (rootless.bats for its whole run,
# demo.bats's demo) hold a lock on the device node itself meanwhile (flock: no lock file to leave
# behind), one after the other, so that none finds or leaves the other's mode (bats runs files side
# by side). The holder is a process of its own (the tests of a file run in processes of their own):
# its pid in $BATS_FILE_TMPDIR/tun.holder. No-op without /dev/net/tun.
tun_hold() {
	local f=$BATS_FILE_TMPDIR/tun.holder i
	[ -c /dev/net/tun ] || return 0
	rm -f "$f"
	sh -c 'exec 9</dev/net/tun && flock -w 900 9 && echo $$ >"$1.tmp" && mv "$1.tmp" "$1" && exec sleep 3600' \
		_ "$f" 3>&- </dev/null >/dev/null 2>&1 &
	for i in $(seq 9000); do [ -s "$f" ] && return 0; sleep 0.1; done
	fail "/dev/net/tun: locked by another test for 15 minutes"
}
tun_release() {
	local f=$BATS_FILE_TMPDIR/tun.holder
	[ -s "$f" ] || return 0
	kill "$(cat "$f")" 2>/dev/null
	rm -f "$f"
}
