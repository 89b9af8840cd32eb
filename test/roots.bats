#!/usr/bin/env bats
# roots: two ctr state roots on one host, side by side, with NO CTR_PREFIX set: each root names
# its kernel objects by its own prefix (recorded in $CTR_ROOT/prefix, derived from the root's path)
# and takes user-namespace ranges no other root has; no verb of one root touches the other's
# containers. Each root has its own bridge and subnet (both made of the test's own).

load helper

CLIENT="$TOP/build/progs/tcp-client"

setup() {
	ctr_setup
	unset CTR_PREFIX # the point: nobody sets a prefix by hand
	RA=$BATS_TEST_TMPDIR/a RB=$BATS_TEST_TMPDIR/b
	BA=$CTR_BRIDGE BB=${CTR_BRIDGE}b
	SA=$CTR_SUBNET
	local o=${CTR_SUBNET#*.*.} b=${CTR_SUBNET%.*.*/*}
	SB=$b.$(((${o%%.*} + 128) % 256)).0/24
	PA=$(derived "$RA") PB=$(derived "$RB")
}

teardown() {
	local r e=$BATS_TEST_TMPDIR/e
	# e: made no kernel object, and may own the prefix ctr: only its pool and registry entries
	if [ -e "$e" ]; then
		for r in /run/ctr/roots/*; do
			[ "$(cat "$r" 2>/dev/null)" != "$(realpath -m "$e")" ] || rm -f "$r"
		done
		for r in "$e/btrfs" "$e"; do
			! mountpoint -q "$r" || umount "$r" || umount -l "$r"
		done
	fi
	for r in a b c d; do
		[ -e "$BATS_TEST_TMPDIR/$r" ] || continue
		(
			export CTR_ROOT=$BATS_TEST_TMPDIR/$r CTR_POOL=$BATS_TEST_TMPDIR/$r.pool
			export CTR_PREFIX CTR_BRIDGE=$BA CTR_SUBNET=$SA
			[ "$r" != b ] || CTR_BRIDGE=$BB CTR_SUBNET=$SB
			read -r CTR_PREFIX 2>/dev/null <"$CTR_ROOT/prefix" || CTR_PREFIX=$(derived "$CTR_ROOT")
			ctr_teardown
		)
	done
	rmdir "$CTR_TEST_SUBNET_CLAIM" /run/ctr-test-subnets 2>/dev/null || true
}

# derived ROOT: the default prefix of a root (docs/design.md): c + 8 hex of sha256(canonical path).
derived() {
	echo "c$(printf '%s' "$(realpath -m "$1")" | sha256sum | cut -c1-8)"
}

# A|B ARGS: ctr.sh on root a or b (their own pool, bridge and subnet; no CTR_PREFIX).
A() { CTR_ROOT=$RA CTR_POOL=$RA.pool CTR_BRIDGE=$BA CTR_SUBNET=$SA "$CTR" "$@"; }
B() { CTR_ROOT=$RB CTR_POOL=$RB.pool CTR_BRIDGE=$BB CTR_SUBNET=$SB "$CTR" "$@"; }

random_port() {
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
}

# start ROOT PORT: a detached --userns tcp-server published on PORT; prints its ID once it listens.
start() {
	local id i
	id=$("$1" run -d --userns -p "$2:8080" busybox tcp-server -p 8080) || return 1
	for i in $(seq 50); do
		"$1" logs "$id" | grep -q '^listening on' && break
		sleep 0.1
	done
	echo "$id"
}

# intact ROOT PREFIX ID PORT: the container runs (state, PID alive), answers through its published
# port, and every kernel object of it is there: its own netns, veth (alias PREFIX:ID), cgroups, DNAT rule,
# the nft table of PREFIX.
intact() {
	local root=$1 p=$2 id=$3 port=$4 pid
	run "$root" inspect "$id"
	assert_success
	assert_equal "$(jq -r .state <<<"$output")" running
	pid=$(jq -r .pid <<<"$output")
	kill -0 "$pid" || fail "$root: PID $pid of $id is gone"
	run "$CLIENT" 127.0.0.1 "$port" "to-$id"
	assert_success
	assert_output --partial "$id "
	assert_output --partial ": echo to-$id"
	[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ] || fail "$root: $id is in the host's netns"
	[ "$(cat "/sys/class/net/v$id/ifalias" 2>/dev/null)" = "$p:$id" ] || fail "$root: veth v$id is gone"
	grep -q ":/$p/$id\$" "/proc/$pid/cgroup" || fail "$root: $id left its cgroup: $(cat "/proc/$pid/cgroup")"
	[ -n "$(ls -d /sys/fs/cgroup/*/"$p/$id" /sys/fs/cgroup/"$p/$id" 2>/dev/null)" ] || fail "$root: cgroups of $id are gone"
	iptables-save -t nat | grep -q -- "--comment \"\\?$p:$id" || fail "$root: DNAT rule of $id is gone"
	nft list table bridge "$p" >/dev/null || fail "$root: nft table bridge $p is gone"
}

# range ROOT ID: the first host id of the container's user-namespace range.
range() {
	"$1" inspect "$2" | jq -r .security.userns.uid
}

# every_verb_spares X PX Y PY: each verb of root X (cleanup, cleanup --all, network rm, rm -f of all)
# leaves root Y's container running, reachable and whole.
every_verb_spares() {
	local x=$1 px=$2 y=$3 py=$4 portx porty idx idy rx ry
	portx=$(random_port) porty=$((portx + 1))
	idx=$(start "$x" "$portx")
	idy=$(start "$y" "$porty")
	intact "$x" "$px" "$idx" "$portx"
	intact "$y" "$py" "$idy" "$porty"
	# user-namespace ranges of the two roots do not overlap
	rx=$(range "$x" "$idx") ry=$(range "$y" "$idy")
	[ $((rx > ry ? rx - ry : ry - rx)) -ge 65536 ] || fail "ranges $rx and $ry overlap"
	run "$x" cleanup
	assert_success
	intact "$y" "$py" "$idy" "$porty"
	intact "$x" "$px" "$idx" "$portx" # nor its own running one
	# --all and network rm while X's container holds an address: refused (after the cleanup part)
	run -125 "$x" cleanup --all
	assert_output --partial "network: in use by 1 container(s)"
	intact "$y" "$py" "$idy" "$porty"
	run -125 "$x" network rm
	intact "$y" "$py" "$idy" "$porty"
	run "$x" rm -f $("$x" ps -aq)
	assert_success
	intact "$y" "$py" "$idy" "$porty"
	run "$x" network rm
	assert_success
	assert_output --partial "removed nft table: bridge $px"
	intact "$y" "$py" "$idy" "$porty"
	run "$x" cleanup --all
	assert_success
	intact "$y" "$py" "$idy" "$porty"
	# X's objects are all gone, Y's are there (a running container's netns has no name)
	run ip netns list
	refute_output --partial "$px-"
	[ -e "/sys/class/net/v$idy" ] || fail "veth v$idy is gone"
	! nft list table bridge "$px" >/dev/null 2>&1 || fail "nft table bridge $px left"
	run "$y" rm -f "$idy"
	assert_success
}

@test "roots: each root's prefix is its own, recorded at creation; every verb of root a spares root b's containers" {
	A images >/dev/null
	B images >/dev/null
	assert_equal "$(cat "$RA/prefix")" "$PA"
	assert_equal "$(cat "$RB/prefix")" "$PB"
	[ "$PA" != "$PB" ]
	assert_equal "$(cat "/run/ctr/roots/$PA")" "$(realpath "$RA")"
	every_verb_spares A "$PA" B "$PB"
}

@test "roots: every verb of root b spares root a's containers; ranges never overlap, even with another CTR_USERNS_BASE" {
	every_verb_spares B "$PB" A "$PA"
	# b's grid is shifted by half a range: its first slot overlaps a's range and is skipped
	ia=$(A run -d --userns busybox sleep 60)
	ra=$(range A "$ia")
	export CTR_USERNS_BASE=$((ra - 32768))
	ib=$(B run -d --userns busybox sleep 60)
	rb=$(range B "$ib")
	[ $((ra > rb ? ra - rb : rb - ra)) -ge 65536 ] || fail "ranges $ra and $rb overlap"
	A rm -f "$ia"
	B rm -f "$ib"
}

@test "roots: an explicit CTR_PREFIX is recorded; another one later, or one another root owns, is refused" {
	local rc=$BATS_TEST_TMPDIR/c rd=$BATS_TEST_TMPDIR/d pc=ctrt${CTR_BRIDGE#ctb}c
	CTR_ROOT=$rc CTR_POOL=$rc.pool CTR_PREFIX=$pc "$CTR" images >/dev/null
	assert_equal "$(cat "$rc/prefix")" "$pc"
	run -125 env CTR_ROOT="$rc" CTR_PREFIX=other "$CTR" ps
	assert_output "ctr: CTR_PREFIX other: the objects of $rc are named $pc ($rc/prefix): unset CTR_PREFIX or set it to $pc"
	CTR_ROOT=$rc "$CTR" ps >/dev/null # the recorded one, unasked
	# a second root may not take a prefix that names another root's objects: cleanup would remove them
	run -125 env CTR_ROOT="$rd" CTR_POOL="$rd.pool" CTR_PREFIX="$pc" "$CTR" ps
	assert_output "ctr: CTR_PREFIX $pc: names the objects of the state root $(realpath "$rc") (each root needs its own: another root's cleanup would remove them)"
	[ ! -e "$rd/prefix" ] || fail "refused, yet recorded"
	[ ! -e "$rd/containers" ] || fail "refused, yet made"
}

@test "roots: a second root on the first root's bridge gets a clear error and leaves nothing" {
	id=$(A run -d busybox sleep 60)
	run -125 env CTR_ROOT="$RB" CTR_POOL="$RB.pool" CTR_BRIDGE="$BA" CTR_SUBNET="$SB" "$CTR" run --rm busybox true
	assert_output "ctr: bridge $BA: belongs to another ctr state root ($(realpath "$RA")) (prefix $PA): give $RB its own CTR_BRIDGE and CTR_SUBNET"
	run B ps -aq
	assert_output ""
	run ip netns list
	refute_output --partial "$PB-"
	A rm -f "$id"
}

@test "roots: a second root whose subnet holds the first's (no route between them overlaps) is refused and leaves nothing" {
	id=$(A run -d busybox sleep 60)
	# A's /24 inside B's /16, B's first slice (a /22) at the /16's start, away from A's /24: only
	# the subnets overlap (A's nftables table would drop every frame of B's ports in A's subnet)
	local o=${SA#*.*.} x=${SA#*.} sb l=15 k
	x=${x%%.*}
	sb=10.$x.0.0/16
	# A's /24 within the /16's first 1024 addresses: a wider subnet, starting lower
	if [ "${o%%.*}" -lt 4 ]; then
		while k=$((x - x % (1 << (16 - l)))); [ "$k" -eq "$x" ]; do l=$((l - 1)); done
		sb=10.$k.0.0/$l
	fi
	run -125 env CTR_ROOT="$RB" CTR_POOL="$RB.pool" CTR_BRIDGE="$BB" CTR_SUBNET="$sb" "$CTR" run --rm busybox true
	assert_output "ctr: CTR_SUBNET $sb: overlaps $SA, the network of the ctr root $(realpath "$RA"): choose another CTR_SUBNET"
	[ ! -e "/sys/class/net/$BB" ] || fail "bridge $BB made"
	run B ps -aq
	assert_output ""
	run ip netns list
	refute_output --partial "$PB-"
	# and A's container still talks to its gateway
	run A exec "$id" ping -c 1 -W 2 "${SA%.*}.1"
	assert_success
	A rm -f "$id"
}

@test "roots: a root made by an older ctr (containers, no record) keeps its objects' names" {
	local re=$BATS_TEST_TMPDIR/e pe=ctrt${CTR_BRIDGE#ctb}e
	E() { CTR_ROOT=$re CTR_POOL=$re.pool "$CTR" "$@"; }
	CTR_PREFIX=$pe E images >/dev/null
	[ -d "$re/containers" ]
	# an older ctr run with CTR_PREFIX: the one it is given
	rm "$re/prefix" "/run/ctr/roots/$pe"
	CTR_PREFIX=$pe E ps >/dev/null
	assert_equal "$(cat "$re/prefix")" "$pe"
	# an older ctr without: its objects are named ctr (unless a root here owns ctr already)
	rm "$re/prefix" "/run/ctr/roots/$pe"
	if [ -e /run/ctr/roots/ctr ] && [ -e "$(cat /run/ctr/roots/ctr)/prefix" ]; then
		skip "a state root of this host owns the prefix ctr"
	fi
	E ps >/dev/null
	assert_equal "$(cat "$re/prefix")" ctr
	assert_equal "$(cat /run/ctr/roots/ctr)" "$(realpath "$re")"
	rm "/run/ctr/roots/ctr"
}

@test "roots: two roots' first runs on one subnet at the same time: one runs, the other is refused and leaves no bridge" {
	local r
	for r in a b; do
		(
			[ "$r" = a ] || CTR_BRIDGE=$BB
			rc=0
			CTR_ROOT=$BATS_TEST_TMPDIR/$r CTR_POOL=$BATS_TEST_TMPDIR/$r.pool CTR_SUBNET=$SA \
				"$CTR" run --rm busybox true >"$BATS_TEST_TMPDIR/$r.out" 2>&1 || rc=$?
			echo "$rc" >"$BATS_TEST_TMPDIR/$r.rc"
		) &
	done
	wait
	run sort "$BATS_TEST_TMPDIR/a.rc" "$BATS_TEST_TMPDIR/b.rc"
	assert_output "0
125"
	run cat "$BATS_TEST_TMPDIR/a.out" "$BATS_TEST_TMPDIR/b.out"
	assert_output --partial "overlaps the host's route"
	# one bridge holds the subnet's route
	[ "$(ip -4 -o route show root "$SA" | wc -l)" -eq 1 ]
	{ [ -e "/sys/class/net/$BA" ] && [ ! -e "/sys/class/net/$BB" ]; } || { [ ! -e "/sys/class/net/$BA" ] && [ -e "/sys/class/net/$BB" ]; }
}
