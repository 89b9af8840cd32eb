#!/usr/bin/env bats
# test/logs.bats - the container's log is capped: ctr-shim rotates log to log.1 at --log-opt
# max-size (default CTR_LOG_MAX_SIZE, 100m), so a container printing without end cannot fill the
# shared pool with its output; logs prints log.1 then log, and logs -f follows across rotations.

load helper

# numbered N: a container command printing lines 00000001..N, each 50 bytes long.
numbered() {
	printf 'awk '\''BEGIN { for (i = 1; i <= %d; i++) printf "%%08d %%s\\n", i, "%s" }'\''' \
		"$1" xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
}

# wait_exit CID: wait (up to 2 minutes) until the container's shim wrote its exit file.
wait_exit() {
	local i
	for i in $(seq 1200); do
		[ -f "$CTR_ROOT/containers/$1/exit" ] && return 0
		sleep 0.1
	done
	return 1
}

# log_bytes CID: the bytes of log and log.1 together.
log_bytes() {
	cat "$CTR_ROOT/containers/$1"/log* | wc -c
}

# in_order: stdin's first fields are strictly increasing numbers (no line twice, none back);
# with "all", also consecutive (no line lost between the first and the last).
in_order() {
	awk -v all="${1:-}" 'NR == 1 { prev = $1 - 1 }
		{ n = $1 + 0; if (n <= prev || (all && n != prev + 1)) { print "at " NR ": " $0; exit 1 }; prev = n }'
}

@test "--log-opt max-size: ~5 MiB of output leaves at most 2 x SIZE on disk; logs prints every line of log.1 and log, in order" {
	id=$(ctr run -d --net none --log-opt max-size=64k busybox sh -c "$(numbered 100000)")
	wait_exit "$id"
	d=$CTR_ROOT/containers/$id
	[ -f "$d/log.1" ]              # it rotated
	[ ! -e "$d/log.2" ]            # and keeps one old file
	[ "$(log_bytes "$id")" -le $((2 * 65536 + 100)) ]
	[ "$(stat -c %s "$d/log")" -le 65536 ]
	[ "$(stat -c %s "$d/log.1")" -le 65536 ]
	run ctr logs "$id"
	assert_success
	assert_line --index $((${#lines[@]} - 1)) "00100000 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	[ "${#lines[@]}" -gt 1000 ]    # both files: one holds at most 64k / 91 bytes ~ 720 records
	ctr logs "$id" | in_order all  # log.1's last line and log's first are neighbours
	run jq -r .log.max_size "$d/config.json"
	assert_output 65536
	ctr rm "$id"
}

@test "logs -f started before the output follows the log across its rotations until the container exits" {
	mkdir "$BATS_TEST_TMPDIR/go"
	id=$(ctr run -d --net none --log-opt max-size=64k -v "$BATS_TEST_TMPDIR/go:/go" busybox \
		sh -c "echo 00000000 ready; while [ ! -e /go/start ]; do sleep 0.1; done; $(numbered 100000)")
	out=$BATS_TEST_TMPDIR/out
	timeout 120 "$CTR" logs -f "$id" >"$out" 2>&1 &
	pid=$!
	wait_for grep -q ready "$out"  # logs -f is following
	touch "$BATS_TEST_TMPDIR/go/start"
	rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0           # it stopped by itself when the container exited
	assert_equal "$(tail -n 1 "$out")" "00100000 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	assert_equal "$(sed -n 2p "$out")" "00000001 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	in_order <"$out"               # nothing twice, nothing out of order
	[ -f "$CTR_ROOT/containers/$id/log.1" ]
	ctr rm "$id"
}

@test "CTR_LOG_MAX_SIZE is run's default (100m when unset); --log-opt max-size overrides it; 0 lifts the cap" {
	CTR_LOG_MAX_SIZE=16k run ctr run --name capped --net none busybox sh -c "$(numbered 5000)"
	assert_success
	id=$(cat "$CTR_ROOT/names/capped")
	[ -f "$CTR_ROOT/containers/$id/log.1" ]
	[ "$(log_bytes "$id")" -le $((2 * 16384 + 100)) ]
	assert_equal "$(jq -r .log.max_size "$CTR_ROOT/containers/$id/config.json")" 16384
	ctr logs "$id" | in_order all

	CTR_LOG_MAX_SIZE=16k run ctr run --name free --net none --log-opt max-size=0 busybox sh -c "$(numbered 5000)"
	assert_success
	id=$(cat "$CTR_ROOT/names/free")
	[ ! -e "$CTR_ROOT/containers/$id/log.1" ]
	[ "$(log_bytes "$id")" -gt $((5000 * 50)) ]
	assert_equal "$(jq -r .log.max_size "$CTR_ROOT/containers/$id/config.json")" null
	run ctr logs "$id"
	assert_equal "${#lines[@]}" 5000

	CTR_LOG_MAX_SIZE=0 ctr run --name zero --net none --log-opt max-size=1k busybox true
	assert_equal "$(jq -r .log.max_size "$CTR_ROOT/containers/$(cat "$CTR_ROOT/names/zero")/config.json")" 1024

	unset CTR_LOG_MAX_SIZE
	ctr run --name dflt --net none busybox true
	assert_equal "$(jq -r .log.max_size "$CTR_ROOT/containers/$(cat "$CTR_ROOT/names/dflt")/config.json")" 104857600
}

@test "bad --log-opt values and CTR_LOG_MAX_SIZE are refused before anything is made" {
	ctr run --rm --net none busybox true # the pool and the image exist
	for v in max-size=12x max-size=-5m max-size=1.5.5m max-size=9999999t; do
		run ctr run --net none --log-opt "$v" busybox true
		assert_failure 125
		assert_output --partial "ctr: --log-opt $v: invalid size"
	done
	run ctr run --net none --log-opt max-size= busybox true
	assert_failure 125
	assert_output "ctr: --log-opt max-size=: invalid size (e.g. max-size=10m)"
	for v in max-file=3 mode=non-blocking max-size; do
		run ctr run --net none --log-opt "$v" busybox true
		assert_failure 125
		assert_output "ctr: --log-opt $v: not supported (only max-size=SIZE)"
	done
	run ctr run --net none --log-opt "max-size=1m
max-file=2" busybox true
	assert_failure 125
	assert_output "ctr: --log-opt: the value contains a newline"
	CTR_LOG_MAX_SIZE=lots run ctr run --net none busybox true
	assert_failure 125
	assert_output --partial "ctr: CTR_LOG_MAX_SIZE=lots: invalid size"
	assert_equal "$(ls -A "$CTR_ROOT/containers")" ""
	run sh -c "ip netns list 2>/dev/null | grep '^$CTR_PREFIX-'"
	assert_output ""
}

@test "ctr-shim --log-max-size: a rotation that fails is warned about once and the log carries on" {
	D=$BATS_TEST_TMPDIR
	mkdir -p "$D/log.1/busy"            # rename(log, log.1) fails: log.1 is a full directory
	run --separate-stderr "${CTR_LIBEXEC:-$TOP/build}/ctr-shim" --log-max-size 1000 --log "$D/log" \
		--exit-file "$D/exit" -- sh -c 'for i in $(seq 200); do echo line$i; done'
	assert_success
	assert_equal "$stderr" "ctr-shim: rotate $D/log: Is a directory"
	assert_equal "$(wc -l <"$D/log")" 200
	assert_equal "$(tail -n 1 "$D/log" | cut -d' ' -f4)" line200
	run "${CTR_LIBEXEC:-$TOP/build}/ctr-shim" --log-max-size 1k --log "$D/log" --exit-file "$D/exit" true
	assert_failure 125
	assert_output --partial "ctr-shim: --log-max-size: a number of bytes"
}

@test "logs and inspect of a container removed while they run: 'no such container' (125), never an error of cat's or jq's" {
	local v id front
	for v in logs inspect; do
		id=$(ctr run -d --net none busybox sh -c 'echo hello; exec sleep 1000')
		wait_for grep -q hello "$CTR_ROOT/containers/$id/log" || fail "$v: no output"
		# found, then SIGSTOPped (a test hook) while rm removes the container
		held_while_removed "$v:resolved" "$id" "$CTR" "$v" "$id"
		[ "$HELD_ST" -eq 125 ] || fail "$v: status $HELD_ST: $HELD_ERR"
		[ "$HELD_ERR" = "ctr: container $id: no such container" ] || fail "$v: $HELD_ERR"
		[ -z "$HELD_OUT" ]
		# and while it is there, both print it (the hook only stops: CONT, it goes on)
		id=$(ctr run -d --net none busybox sh -c 'echo again; exec sleep 1000')
		wait_for grep -q again "$CTR_ROOT/containers/$id/log" || fail "$v: no output"
		CTR_TEST_KILL_AT="$v:resolved:stop" "$CTR" "$v" "$id" >"$BATS_TEST_TMPDIR/out" 2>&1 &
		front=$!
		wait_for stopped "$front" || fail "$v: never stopped"
		kill -CONT "$front"
		wait "$front" || fail "$v: failed: $(cat "$BATS_TEST_TMPDIR/out")"
		if [ "$v" = logs ]; then [ "$(cat "$BATS_TEST_TMPDIR/out")" = again ]
		else jq -e --arg id "$id" '.id == $id and .state == "running"' "$BATS_TEST_TMPDIR/out" >/dev/null; fi
		ctr rm -f "$id" >/dev/null
	done
}

@test "attack: an attach client that never reads is dropped; the container's output and log go on" {
	# the client's pipe is never read: ctr-attach blocks on it and stops reading the socket
	id=$(ctr run -d --log-opt max-size=0 busybox sh -c 'while :; do echo line; done')
	fifo=$BATS_TEST_TMPDIR/never-read
	mkfifo "$fifo"
	exec 7<>"$fifo" # held open, never read
	"$CTR" attach "$id" >"$fifo" 2>/dev/null 7>&- &
	apid=$!
	sleep 1
	b0=$(log_bytes "$id")
	sleep 2
	b1=$(log_bytes "$id")
	echo "the log grew by $((b1 - b0)) bytes in 2 s while the client read nothing"
	[ $((b1 - b0)) -gt 1000000 ] || fail "the container's output stalled behind a client that does not read"
	kill -0 "$(cat "$CTR_ROOT/containers/$id/shim.pid")" || fail "the supervisor died"
	kill "$apid" 2>/dev/null || :
	exec 7>&-
	ctr rm -f "$id"
}
