#!/usr/bin/env bats
# events: what ctr records as it happens ($CTR_ROOT/events), replayed (--since/--until) and
# followed, docker's formats and filters; whole lines under parallel writers; the log rotated.

load helper

# evs ARGS: the events so far (replayed up to now), one "ACTION NAME" a line
evs() { ctr events --since 0 --until 0s --format '{{.Action}} {{.Actor.Attributes.name}}' "$@"; }

# no_leftover: no process follows this root's event log any more
no_leftover() { ! pgrep -f -- "$CTR_ROOT/events" >/dev/null; }

@test "events: run, exit and rm are create, start, die, destroy, in order, as docker's JSON" {
	id=$(ctr run -d --name a busybox sh -c 'exit 2')
	ctr wait a
	ctr rm a
	run ctr events --since 0 --until 0s --format json
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	jq -se --arg id "$id" 'map(.Action) == ["create", "start", "die", "destroy"]
		and all(.[]; .Type == "container" and .id == $id and .Actor.ID == $id and .status == .Action
			and .from == "busybox" and .Actor.Attributes.image == "busybox" and .Actor.Attributes.name == "a"
			and .scope == "local" and (.time | type) == "number" and (.timeNano / 1e9 | floor) == .time)
		and .[2].Actor.Attributes.exitCode == "2"' <<<"$output"
	run ctr events --since 0 --until 0s
	assert_line --index 0 --regexp "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z container create $id \(image=busybox, name=a\)$"
	assert_line --index 2 --regexp " container die $id \(exitCode=2, image=busybox, name=a\)$"
	# a --rm run's exit action records die and destroy, its front-end gone or not (the name is
	# not hex: container= also matches an ID prefix, as docker's, and a's ID may begin with it)
	ctr run --rm --name rmq busybox true
	run evs -f container=rmq
	assert_output "create rmq
start rmq
die rmq
destroy rmq"
}

@test "events: a container whose exit action never ran (its supervisor killed) still dies before it is destroyed" {
	id=$(ctr run -d --name s busybox sleep 100)
	c=$CTR_ROOT/containers/$id
	kill -KILL "$(cat "$c/shim.pid")" "$(cat "$c/pid")"
	wait_for sh -c "! kill -0 $(cat "$c/pid") 2>/dev/null"
	ctr rm s
	run evs -f container=s
	assert_output "create s
start s
die s
destroy s"
	run ctr events --since 0 --until 0s --filter event=die --format '{{.Actor.Attributes.exitCode}}'
	assert_output 137
}

@test "events: rm -f of a running container is kill (signal 9, no SIGTERM first), die 137, destroy, as docker's" {
	ctr run -d --name rf busybox sleep 100
	ctr rm -f rf
	ctr events --since 0 --until 0s -f container=rf --format json >"$BATS_TEST_TMPDIR/ev"
	run jq -r '"\(.Action) \(.Actor.Attributes.signal // "")\(.Actor.Attributes.exitCode // "")"' "$BATS_TEST_TMPDIR/ev"
	assert_output "create 
start 
kill 9
die 137
destroy "
	# in time order to the nanosecond: the die at the exit's time, as the shim recorded it
	jq -se 'map(.timeNano) as $t | $t == ($t | sort) and ($t[3] % 1000000000) != 0' "$BATS_TEST_TMPDIR/ev" ||
		fail "times: $(jq -c '[.Action, .timeNano]' "$BATS_TEST_TMPDIR/ev")"
	# a --rm run's exit action: its die and destroy after its start, not at a whole second
	ctr run --rm --name rr busybox true
	ctr events --since 0 --until 0s -f container=rr --format json >"$BATS_TEST_TMPDIR/ev"
	jq -se 'map(.Action) == ["create", "start", "die", "destroy"] and (map(.timeNano) as $t | $t == ($t | sort))
		and (.[2].timeNano % 1000000000) != 0' "$BATS_TEST_TMPDIR/ev" ||
		fail "times: $(jq -c '[.Action, .timeNano]' "$BATS_TEST_TMPDIR/ev")"
}

@test "events: kill, stop, pause, unpause, rename, commit; image import, tag, untag, delete; prune" {
	ctr run -d --name k busybox sleep 100
	ctr pause k
	ctr unpause k
	ctr rename k k2
	ctr kill -s USR1 k2
	ctr stop -t 1 k2
	ctr commit k2 img:1
	ctr tag img:1 img:2
	ctr rmi -f img:1 img:2 # img:1 only untagged, img:2 the last name: deleted
	mkdir -p "$BATS_TEST_TMPDIR/tree/bin"
	ctr init "$BATS_TEST_TMPDIR/tree" tree:1
	ctr container prune -f
	run ctr events --since 0 --until 0s --format '{{.Type}} {{.Action}} {{.Actor.Attributes}}'
	assert_success
	assert_line 'container pause map[image:busybox name:k]'
	assert_line 'container unpause map[image:busybox name:k]'
	assert_line 'container rename map[image:busybox name:k2 oldName:/k]'
	assert_line 'container kill map[image:busybox name:k2 signal:10]'
	assert_line 'container kill map[image:busybox name:k2 signal:15]'
	assert_line --regexp '^container die map\[exitCode:(143|137) image:busybox name:k2\]$'
	assert_line 'container stop map[image:busybox name:k2]'
	assert_line 'container commit map[image:busybox name:k2]'
	assert_line 'image tag map[name:img:2]'
	assert_line 'image untag map[name:img:1]'
	assert_line 'image untag map[name:img:2]'
	assert_line --regexp '^image delete map\[name:[0-9a-f]{12}\]$'
	assert_line 'image import map[name:tree:1]'
	assert_line 'container destroy map[image:busybox name:k2]'
	assert_line --regexp '^container prune map\[reclaimed:[0-9]+\]$'
}

@test "events: follows new events until interrupted, and stops when its reader goes away" {
	# (exec: $! is ctr.sh itself, not a subshell of bats)
	(exec "$CTR" events --since "$(date +%s)" --format '{{.Action}} {{.Actor.Attributes.name}}' >"$BATS_TEST_TMPDIR/out") &
	pid=$!
	ctr run --rm --name f busybox true
	wait_for grep -q '^destroy f$' "$BATS_TEST_TMPDIR/out" || fail "not followed: $(cat "$BATS_TEST_TMPDIR/out")"
	! no_leftover
	kill -TERM "$pid"
	wait "$pid" || true
	wait_for no_leftover || fail "left behind: $(pgrep -af -- "$CTR_ROOT/events")"
	# the reader goes away after one line, or at once with none read: the follower ends by itself
	run timeout 20 sh -c "'$CTR' events --since 0 | head -n 1"
	assert_success
	assert_output --partial ' container create '
	run timeout 20 sh -c "'$CTR' events | true"
	assert_success
	wait_for no_leftover || fail "left behind after its reader went: $(pgrep -af -- "$CTR_ROOT/events")"
	# --until a moment ahead: follows until then, then ends with 0
	run timeout 20 "$CTR" events --until "$(($(date +%s) + 1))"
	assert_success
	wait_for no_leftover
}

@test "events --filter and --format: docker's keys (type, event, container, image), json as logged" {
	ctr run --name x1 busybox true
	ctr run --name x2 busybox true
	ctr tag busybox other:1
	[ "$(evs -f event=die | paste -sd,)" = "die x1,die x2" ]
	[ "$(evs -f container=x2 -f event=start -f event=die | paste -sd,)" = "start x2,die x2" ]
	id=$(cat "$CTR_ROOT/names/x1")
	[ "$(evs -f "container=${id:0:6}" -f event=create)" = "create x1" ]
	[ "$(evs -f type=image)" = "tag other:1" ]
	[ "$(evs -f image=busybox:latest -f event=create | paste -sd,)" = "create x1,create x2" ]
	[ "$(evs -f image=other:1)" = "tag other:1" ]
	run ctr events --since 0 --until 0s --format '{{.Type}}|{{.Status}}|{{.From}}|{{.Actor.ID}}|{{upper .Action}}|{{json .Actor.Attributes}}' -f event=create -f container=x1
	assert_output "container|create|busybox|$id|CREATE|{\"image\":\"busybox\",\"name\":\"x1\"}"
	# json and {{json .}}: the line as logged (timeNano exactly)
	[ "$(ctr events --since 0 --until 0s --format json)" = "$(cat "$CTR_ROOT/events")" ]
	[ "$(ctr events --since 0 --until 0s --format '{{json .}}')" = "$(cat "$CTR_ROOT/events")" ]
	# --since/--until bound the replay: a Unix time, RFC 3339, a duration
	[ -z "$(evs --since "$(($(date +%s) + 100))")" ]
	[ -z "$(ctr events --since 0 --until 1970-01-02T00:00:00Z)" ]
	[ "$(ctr events --since 2000-01-01 --until 0s | wc -l)" -eq 7 ]
	[ "$(ctr events --since 1h --until 0s | wc -l)" -eq 7 ]
}

@test "events: a bad option is an error 125; a damaged line in the log is skipped" {
	for a in '--since x' '--until 2020-13-45T99' '--since 10q' '-f foo=1' '-f type' '--format {{.Nope}}' '--bogus'; do
		# shellcheck disable=SC2086
		run ctr events --until 0s $a
		[ "$status" -eq 125 ] || [[ "$a" == --format* ]] || fail "$a: status $status"
	done
	ctr run --name ok busybox true
	printf '{"Type": broken\nnot json at all\n\n' >>"$CTR_ROOT/events"
	ctr rm ok
	run evs
	assert_success
	assert_output "create ok
start ok
die ok
destroy ok"
	# a template that names no field: an error, once an event is read
	run ctr events --since 0 --until 0s --format '{{.Nope}}'
	assert_failure 125
	assert_output --partial "no field .Nope"
}

@test "events: parallel runs append whole lines, never interleaved" {
	for i in 1 2 3 4 5 6; do
		ctr run --rm --net none --name "p$i" busybox true &
	done
	wait
	[ "$(wc -l <"$CTR_ROOT/events")" -eq 24 ]
	# every line is one event of its own
	jq -ce . "$CTR_ROOT/events" >/dev/null
	[ "$(jq -r .Actor.Attributes.name "$CTR_ROOT/events" | sort | uniq -c | awk '{ print $1 }' | sort -u)" = 4 ]
}

@test "events: the log is rotated to events.1 past 1 MiB (one old file kept); replay reads both" {
	ctr run --name r busybox true
	line=$(head -n 1 "$CTR_ROOT/events")
	# fill the log to just under 1 MiB with that event, then one more event crosses it
	n=$((1048576 / (${#line} + 1)))
	yes "$line" | head -n "$n" >>"$CTR_ROOT/events"
	[ ! -e "$CTR_ROOT/events.1" ]
	ctr rename r r2
	[ -f "$CTR_ROOT/events.1" ]
	[ "$(stat -c %s "$CTR_ROOT/events.1")" -gt 1048576 ]
	[ ! -s "$CTR_ROOT/events" ]
	ctr rm r2
	[ "$(wc -l <"$CTR_ROOT/events")" -eq 1 ]
	[ "$(evs | wc -l)" -eq $((4 + n + 1)) ]
	[ "$(evs | tail -n 1)" = "destroy r2" ]
	# another MiB: the older file goes, the log stays bounded
	yes "$line" | head -n "$n" >>"$CTR_ROOT/events"
	ctr run --name r3 busybox true
	[ "$(stat -c %s "$CTR_ROOT/events.1")" -lt 1200000 ]
	[ "$(ls "$CTR_ROOT" | grep -c '^events')" -eq 3 ] # events, events.1, events.lock
}
