#!/usr/bin/env bats
# init, images, rmi, run -d, ps, inspect, logs, stop, rm, help, --version: the container lifecycle.

load helper

@test "init: imports a directory (dotfiles included) as an image" {
	src="$BATS_TEST_TMPDIR/tree"
	cp -a "$TOP/build/rootfs/busybox" "$src"
	echo secret >"$src/.dotfile"
	run ctr init "$src" mytree:v1
	assert_success
	assert_output --regexp '^[0-9a-f]{12}$'
	run ctr images
	assert_output --partial "mytree:v1"
	run ctr run --rm mytree:v1 cat /.dotfile
	assert_output secret
}

@test "images: a row per tag (a name with a registry's /), its ID, date and size; a config's newline or escape is one '?' in one row" {
	ctr tag busybox reg.example:5000/team/app:1
	ctr tag busybox other:2
	id=$(cat "$CTR_ROOT/refs/busybox:latest")
	run ctr images
	assert_success
	assert_line --index 0 --regexp '^REPOSITORY:TAG +IMAGE ID +CREATED +SIZE$'
	assert_line --regexp "^reg.example:5000/team/app:1 +$id +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z +[0-9.]+[KMG]$"
	assert_line --regexp "^other:2 +$id "
	[ "${#lines[@]}" = 4 ]
	# an image's date that holds a newline and a terminal escape (a registry's value is a string
	# whatever it holds): each stays in its row, shown as ?
	mkdir "$BATS_TEST_TMPDIR/tree"
	echo x >"$BATS_TEST_TMPDIR/tree/f"
	d=$(ctr init "$BATS_TEST_TMPDIR/tree" evil:1)
	jq '.created = "2020\nFAKE ROW\u001b[2J"' "$CTR_ROOT/images/$d/config.json" >"$BATS_TEST_TMPDIR/c"
	cp "$BATS_TEST_TMPDIR/c" "$CTR_ROOT/images/$d/config.json"
	run ctr images
	assert_success
	[ "${#lines[@]}" = 5 ]
	assert_line --regexp "^evil:1 +$d +2020\?FAKE ROW\?\[2J "
	refute_output --partial $'\e'
	# after rmi, its row is gone and the others' rows are whole
	ctr rmi other:2 >/dev/null
	run ctr images
	refute_line --partial other:2
	assert_line --regexp "^busybox:latest +$id +[0-9T:-]+Z +[0-9.]+[KMG]$"
}

@test "ps: a command's newline, quote or terminal escape is escaped in its one row (docker's quoting); an image label's too" {
	ctr create --name inj busybox sh -c $'echo "a"\nFAKE 1 up\e[2J' >/dev/null
	run ctr ps -a --no-trunc
	assert_success
	[ "${#lines[@]}" = 2 ]
	assert_line --index 1 --regexp '^[0-9a-f]{12} +inj +busybox:latest +"sh -c echo \\"a\\"\\nFAKE 1 up\\u001b\[2J" '
	refute_output --partial $'\e'
	run ctr ps -a
	[ "${#lines[@]}" = 2 ]
	assert_line --index 1 --partial '"sh -c echo \"a\"\nFAKE 1 up"  '
	# an image's label (run -l refuses a newline; an image's config may hold one): ? in its row
	mkdir "$BATS_TEST_TMPDIR/tree"
	echo x >"$BATS_TEST_TMPDIR/tree/f"
	d=$(ctr init "$BATS_TEST_TMPDIR/tree" lab:1)
	jq '.labels = {"a": "x\nFAKE\u001b[2J"}' "$CTR_ROOT/images/$d/config.json" >"$BATS_TEST_TMPDIR/c"
	cp "$BATS_TEST_TMPDIR/c" "$CTR_ROOT/images/$d/config.json"
	ctr create --name lab lab:1 true >/dev/null
	run ctr ps -a --filter name=lab --format 'table {{.Names}} {{.Labels}}'
	assert_output "NAMES LABELS
lab a=x?FAKE?[2J"
	# one label by its key, too
	run ctr ps -a --filter label=a --format '{{.Names}} {{.Label "a"}}'
	assert_output "lab x?FAKE?[2J"
}

@test "init: a missing directory is an error that leaves nothing behind" {
	run ctr init /no/such/dir x
	assert_failure 125
	assert_output "ctr: /no/such/dir: not a directory"
	run ctr images
	refute_output --partial "x:latest"
	[ -z "$(ls "$CTR_ROOT/images")" ]
	[ -z "$(ls "$CTR_ROOT/tmp")" ]
}

@test "pool: made on first use on \$CTR_ROOT/btrfs, mounted again after it was unmounted (reboot); the state stays on the host" {
	run ctr images
	assert_success
	[ "$(stat -f -c %T "$POOL_DIR")" = btrfs ]
	[ "$(stat -f -c %T "$CTR_ROOT")" != btrfs ]
	[ -f "$CTR_POOL" ]
	id=$(ctr run -d --name keep busybox true)
	ctr wait keep
	[ "$(stat -f -c %T "$CTR_ROOT/containers/$id/config.json")" != btrfs ]
	[ "$(stat -f -c %T "$(tree_path containers "$id")")" = btrfs ]
	umount "$POOL_DIR"
	run ctr run --rm busybox echo again
	assert_success
	assert_output again
	[ "$(stat -f -c %T "$POOL_DIR")" = btrfs ]
	[ -d "$(tree_path containers "$id")/bin" ]
	ctr rm keep
	# nothing is mounted over files: a pool directory that holds some is refused, the files kept
	umount "$POOL_DIR"
	echo mine >"$POOL_DIR/file"
	run ctr ps
	assert_failure 125
	assert_output "ctr: $POOL_DIR: not empty, and not on btrfs: the pool would hide its files (move them away)"
	assert_equal "$(cat "$POOL_DIR/file")" mine
	! mountpoint -q "$POOL_DIR"
}

@test "rmi: refused while a container uses the image, unless -f" {
	ctr run --name keep busybox true
	run ctr rmi busybox
	assert_failure 125
	assert_output --partial "in use"
	ctr rm keep
	run ctr rmi busybox
	assert_success
	run ctr images
	refute_output --partial busybox
}

@test "rmi: a container whose label reads like an image_id does not keep that image" {
	ctr run --name src busybox touch /made
	ctr commit src other:1 >/dev/null
	ctr rm src
	id=$(ctr images | awk '$1 == "other:1" { print $2 }')
	[ -n "$id" ] || fail "no image other:1: $(ctr images)"
	ctr run --name lab --label "image_id=$id" busybox true
	run ctr rmi other:1
	assert_success
	assert_line "Deleted: $id"
	ctr rm lab
}

@test "run -d + ps + logs + stop + rm: the whole lifecycle" {
	id=$(ctr run -d --name life busybox sh -c 'echo out; echo err >&2; exec sleep 60')
	[[ "$id" =~ ^[0-9a-f]{12}$ ]]
	run ctr ps
	assert_line --regexp "^$id +life +busybox:latest .* Up "
	wait_for sh -c "'$CTR' logs $id 2>&1 | grep -q err"
	run ctr logs --stdout "$id"
	assert_output out
	run ctr logs --stderr "$id"
	assert_output err
	run ctr logs -t --stdout life
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z out$'
	run ctr stop -t 1 life
	assert_success
	run ctr ps
	refute_output --partial "$id"
	run ctr ps -a
	assert_line --regexp "^$id .* Exited \\(137\\) "
	pid=$(ctr inspect life | jq .pid)
	[ "$(ctr inspect life | jq -r .state)" = exited ]
	run ctr rm life
	assert_success
	! kill -0 "$pid" 2>/dev/null
	[ ! -e "$CTR_ROOT/containers/$id" ]
	run btrfs subvolume list "$POOL_DIR"
	assert_success
	refute_output --partial "$id"
	! grep -q "$id" /proc/self/mountinfo
	run ctr inspect life
	assert_failure 125
}

@test "stop: a shell that ignores SIGTERM is killed after the timeout" {
	id=$(ctr run -d busybox sh -c 'trap "" TERM; while :; do sleep 1; done')
	wait_for test -s "$CTR_ROOT/containers/$id/pid"
	start=$(date +%s)
	ctr stop -t 1 "$id"
	[ "$(ctr inspect "$id" | jq -r .state)" = exited ]
	[ $(($(date +%s) - start)) -lt 8 ]
	ctr rm "$id"
}

@test "inspect: JSON with id, name, image, cmd, state, pid, exit_code, hostname, created, rootfs" {
	ctr run --name insp --hostname hh busybox sh -c 'exit 4' || true
	run ctr inspect insp
	assert_success
	echo "$output" | jq -e '.id and .name == "insp" and .image == "busybox:latest" and .cmd == ["sh","-c","exit 4"]
		and .state == "exited" and .exit_code == 4 and .hostname == "hh" and (.created|type) == "number"
		and (.rootfs|endswith("/rootfs")) and (.pid|type) == "number"'
}

@test "rm: refuses a running container without -f; IDs resolve by unique prefix" {
	id=$(ctr run -d busybox sleep 60)
	run ctr rm "${id:0:5}"
	assert_failure 125
	assert_output --partial "is running"
	run ctr rm -f "${id:0:5}"
	assert_success
	run ctr rm "$id"
	assert_failure 125
	assert_output "ctr: container $id: no such container"
}

@test "logs -f follows until the container exits" {
	id=$(ctr run -d busybox sh -c 'for i in 1 2 3; do echo line$i; sleep 0.3; done')
	run timeout 10 "$CTR" logs -f "$id"
	assert_success
	assert_output "line1
line2
line3"
	ctr rm "$id"
}

@test "help and --version; unknown verbs and no arguments are errors" {
	run ctr help
	assert_success
	for v in init images rmi run ps inspect logs stop rm cleanup; do
		assert_line --regexp "^  $v "
	done
	run ctr --version
	assert_output --regexp '^ctr [0-9]+\.[0-9]+\.[0-9]+$'
	run ctr frobnicate
	assert_failure 125
	assert_output "ctr: frobnicate: unknown command (see ctr.sh help)"
	run ctr
	assert_failure 125
}

@test "cleanup: removes a container half-made by a killed run" {
	ctr images >/dev/null
	mkdir "$CTR_ROOT/containers/deadbeef0001" "$POOL_DIR/containers/deadbeef0001"
	btrfs subvolume create "$(tree_path containers deadbeef0001)" >/dev/null
	ip netns add "$CTR_PREFIX-deadbeef0001"
	run ctr cleanup
	assert_success
	assert_output --partial deadbeef0001
	[ ! -e "$CTR_ROOT/containers/deadbeef0001" ] && [ ! -e "$POOL_DIR/containers/deadbeef0001" ]
	! ip netns list 2>/dev/null | grep -q "$CTR_PREFIX-deadbeef0001"
	run ctr cleanup
	assert_success
	refute_output --partial deadbeef0001
}

@test "cleanup: a work directory without its lock yet is being made: kept; one a minute old is a killed one's: removed" {
	ctr images >/dev/null
	# as an import, pull, load or save makes it: the directory, then its .lock
	mkdir "$CTR_ROOT/tmp/img-0123456789ab" "$POOL_DIR/tmp/img-0123456789ab"
	run ctr cleanup
	assert_success
	refute_output --partial img-0123456789ab
	[ -d "$CTR_ROOT/tmp/img-0123456789ab" ]
	touch -d '2 minutes ago' "$CTR_ROOT/tmp/img-0123456789ab"
	run ctr cleanup
	assert_success
	assert_output --partial "removed $CTR_ROOT/tmp/img-0123456789ab"
	[ ! -e "$CTR_ROOT/tmp/img-0123456789ab" ] && [ ! -e "$POOL_DIR/tmp/img-0123456789ab" ]
	# its .lock made, not locked yet (empty: the maker writes its pid once it holds it): kept
	mkdir "$CTR_ROOT/tmp/img-0123456789ac" "$POOL_DIR/tmp/img-0123456789ac"
	: >"$CTR_ROOT/tmp/img-0123456789ac/.lock"
	run ctr cleanup
	assert_success
	refute_output --partial img-0123456789ac
	[ -d "$CTR_ROOT/tmp/img-0123456789ac" ]
	# a pid in it and the lock free: its maker held it and is gone, at once
	echo 1 >"$CTR_ROOT/tmp/img-0123456789ac/.lock"
	run ctr cleanup
	assert_success
	assert_output --partial "removed $CTR_ROOT/tmp/img-0123456789ac"
	[ ! -e "$CTR_ROOT/tmp/img-0123456789ac" ] && [ ! -e "$POOL_DIR/tmp/img-0123456789ac" ]
}

@test "cleanup: the built-in image's import between its lock file and its lock is kept: the run works" {
	local front p imp=''
	ctr images >/dev/null # the pool, without the busybox image: the run imports it
	# the import (a subshell of the run) stops itself once it made its .lock, before it locks it
	CTR_TEST_KILL_AT=run:worklock:stop "$CTR" run --rm busybox echo ok >"$BATS_TEST_TMPDIR/out" 2>&1 &
	front=$!
	for _ in $(seq 100); do
		for p in $(pgrep -P "$front"); do stopped "$p" && imp=$p; done
		[ -z "$imp" ] || break
		sleep 0.1
	done
	[ -n "$imp" ] || fail "the import never stopped"
	[ -f "$CTR_ROOT"/tmp/img-*/.lock ]
	# (the import goes on before any assertion: a failed one must not leave it stopped)
	run ctr cleanup
	ls "$CTR_ROOT"/tmp/img-*/.lock >"$BATS_TEST_TMPDIR/kept" 2>&1 || true
	kill -CONT "$imp"
	wait "$front" || fail "the run failed: $(cat "$BATS_TEST_TMPDIR/out")"
	assert_success
	refute_output --partial "$CTR_ROOT/tmp/img-"
	grep -q '/.lock$' "$BATS_TEST_TMPDIR/kept"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = ok ]
	[ -z "$(ls -A "$CTR_ROOT/tmp")" ] && [ -z "$(ls -A "$POOL_DIR/tmp")" ]
	run ctr images
	assert_line --regexp '^busybox:latest '
}

@test "cleanup: a run that ends while cleanup looks at its container keeps it, running" {
	local front cl id
	ctr images >/dev/null
	# the run stops (a hook) once its jobs run: its container has no pid file yet
	CTR_TEST_KILL_AT=run:jobs:stop "$CTR" run -d busybox sleep 1000 >"$BATS_TEST_TMPDIR/id" &
	front=$!
	wait_for stopped "$front" || fail "the run never stopped"
	id=$(ls "$CTR_ROOT/containers")
	# cleanup stops (a hook) just after it found the container without a pid or exit file
	CTR_TEST_KILL_AT=cleanup:halfmade:stop "$CTR" cleanup >"$BATS_TEST_TMPDIR/cleanup" 2>&1 &
	cl=$!
	wait_for stopped "$cl" || fail "cleanup never stopped"
	# the run goes on and ends: the container runs, its run.lock is free
	kill -CONT "$front"
	wait "$front" || fail "the run failed"
	[ "$(cat "$BATS_TEST_TMPDIR/id")" = "$id" ]
	kill -CONT "$cl"
	wait "$cl" || fail "cleanup failed: $(cat "$BATS_TEST_TMPDIR/cleanup")"
	run cat "$BATS_TEST_TMPDIR/cleanup"
	refute_output --partial "$id"
	[ "$(ctr inspect "$id" | jq -r .state)" = running ]
	ctr rm -f "$id" >/dev/null
}

@test "a recycled PID is never taken for the container: stop and rm -f leave that process alone" {
	id=$(ctr run -d --name recyc busybox sleep 60)
	c=$CTR_ROOT/containers/$id
	# the supervisor and PID 1 die unseen (no exit file), and the pid goes to an unrelated process
	kill -KILL "$(cat "$c/shim.pid")" "$(cat "$c/pid")"
	wait_for sh -c "! kill -0 $(cat "$c/pid") 2>/dev/null"
	sleep 300 &
	other=$!
	printf '%s\n' "$other" >"$c/pid"
	[ ! -e "$c/exit" ]
	run ctr ps -a
	assert_line --regexp "^$id +recyc .* Exited \\(137\\) "
	[ "$(ctr inspect recyc | jq -r .state)" = exited ]
	run ctr stop -t 1 recyc
	assert_success
	kill -0 "$other"
	run ctr rm -f recyc
	assert_success
	kill -0 "$other"
	kill "$other"
	wait "$other" 2>/dev/null || true
}
