#!/usr/bin/env bats
# test/verbs-race.bats - the verbs side by side on one root while containers come and go: run --rm,
# run -d then rm -f, cleanup and container prune, ps -a, inspect, logs, system df. Each run works,
# each listing is whole, every error is one docker gives ("no such container"), nothing is left.
# (Each of the races it found has a test of its own, with hooks: ps.bats, logs.bats,
# lifecycle.bats, exit.bats; this one keeps the class.)

load helper

# loop NAME CMD...: run CMD again and again until $END; its stderr to $D/NAME.err
loop() {
	local n=$1
	shift
	while [ "$SECONDS" -lt "$END" ]; do "$@" >/dev/null 2>>"$D/$n.err"; done
}

# runs: run --rm echo ok, each must print ok
runs() {
	local out
	while [ "$SECONDS" -lt "$END" ]; do
		out=$(ctr run --rm busybox echo ok 2>&1) && [ "$out" = ok ] || echo "run --rm: $out" >>"$D/fail"
	done
}

# detached: run -d, then rm -f it (prune may have taken it first: then rm says no such container)
detached() {
	local id
	while [ "$SECONDS" -lt "$END" ]; do
		id=$(ctr run -d busybox sleep 1 2>"$D/run-d.out") || { echo "run -d: $(cat "$D/run-d.out")" >>"$D/fail"; continue; }
		ctr rm -f "$id" >/dev/null 2>>"$D/rm.err"
	done
}

# readers: ps -a, then inspect and logs of each container it listed, system df
readers() {
	local id
	while [ "$SECONDS" -lt "$END" ]; do
		for id in $(ctr ps -aq 2>>"$D/ps.err"); do
			ctr inspect "$id" >/dev/null 2>>"$D/inspect.err"
			ctr logs "$id" >/dev/null 2>>"$D/logs.err"
		done
		ctr system df >/dev/null 2>>"$D/df.err"
	done
}

@test "verbs side by side for 15 s: every run works, errors are docker's, nothing is left" {
	local f
	export D=$BATS_TEST_TMPDIR/race END=$((SECONDS + 15))
	mkdir "$D"
	# no image yet: the first runs import the built-in beside cleanup (its work directory made,
	# then locked: cleanup took it for a dead one's; the hook test is in lifecycle.bats)
	runs 3>&- &
	runs 3>&- &
	detached 3>&- &
	readers 3>&- &
	loop cleanup ctr cleanup 3>&- &
	loop prune ctr container prune -f 3>&- &
	wait
	[ ! -s "$D/fail" ] || fail "$(sort "$D/fail" | uniq -c)"
	for f in "$D"/*.err; do
		[ -f "$f" ] || continue
		! grep -vE '^ctr: container [0-9a-f]{12}: no such container$' "$f" ||
			fail "${f##*/}: errors above"
	done
	# nothing left: no container, tree, netns, veth, group or address record of this root
	[ -z "$(ls "$CTR_ROOT/containers")" ] || fail "containers left: $(ctr ps -a)"
	[ -z "$(ls "$POOL_DIR/containers")" ] || fail "trees left"
	wait_for sh -c "! ls /sys/class/net | grep -q '^v' || ! grep -qs '^$CTR_PREFIX:' /sys/class/net/v*/ifalias" ||
		fail "veths left"
	[ -z "$(ls -d /sys/fs/cgroup/*/"$CTR_PREFIX"/*/ /sys/fs/cgroup/"$CTR_PREFIX"/*/ 2>/dev/null)" ] || fail "groups left"
	[ -z "$(find "$CTR_ROOT/net/ips" -type f -size +0 2>/dev/null)" ] || fail "address records left"
}
