#!/usr/bin/env bats
# ps: docker's filters (status name id label ancestor exited before since network volume), its
# formats (json, TEMPLATE, table TEMPLATE), --no-trunc, -n/-l; run --label recorded and listed.
# One state root for the file (setup_file): four containers, read by every test, changed by none.

load helper

setup_file() {
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ctr_setup
	export CTR_PREFIX CTR_ROOT CTR_POOL CTR_POOL_SIZE CTR_BRIDGE CTR_SUBNET
	export PORT=$((20000 + RANDOM % 20000))
	ctr run --name done -l app=batch busybox sh -c 'exit 3' || [ $? -eq 3 ]
	ctr run --name plain busybox true
	export DB WEB
	DB=$(ctr run -d --name db -l app=db -l tier=back busybox sleep 1000)
	WEB=$(ctr run -d --name web -l app=web -l tier=front -l empty= -l com.example.version=1.2 \
		-p "$PORT:80" -v /tmp:/data:ro busybox sh -c 'exec sleep 1000' x with a very long tail)
	ctr pause db
}

teardown_file() {
	local f
	for f in /sys/fs/cgroup/freezer/"$CTR_PREFIX"/*/freezer.state; do [ -f "$f" ] && echo THAWED >"$f"; done
	for f in /sys/fs/cgroup/"$CTR_PREFIX"/*/cgroup.freeze; do [ -f "$f" ] && echo 0 >"$f"; done
	ctr_teardown
}

# the file's root is shared: no per-test root
setup() { :; }
teardown() { :; }

# names: ps's NAMES for these options, one line
names() { ctr ps --format '{{.Names}}' "$@" | paste -sd' '; }

@test "ps: running and paused ones by default, newest first; -a all; -q IDs; -n N and -l the last created" {
	run ctr ps
	assert_success
	assert_line --index 0 --regexp '^CONTAINER ID +NAME +IMAGE +COMMAND +CREATED +STATUS$'
	assert_line --index 1 --regexp "^$WEB +web +busybox:latest +\"sh -c exec sleep 1000 x \" .* Up "
	assert_line --index 2 --regexp "^$DB +db .* Up .* \(Paused\)$"
	[ "${#lines[@]}" -eq 3 ]
	[ "$(names -a)" = "web db plain done" ]
	[ "$(ctr ps -q | paste -sd' ')" = "$WEB $DB" ]
	[ "$(ctr ps -aq | wc -l)" -eq 4 ]
	[ "$(names -n 2)" = "web db" ]
	[ "$(names -n3)" = "web db plain" ]
	[ "$(ctr ps -lq)" = "$WEB" ]
	[ "$(names --last=1)" = web ]
}

@test "ps --filter: status, name and id (regular expressions), exited, network, volume" {
	# status implies -a; one key's values OR
	[ "$(names -f status=exited)" = "plain done" ]
	[ "$(names --filter status=paused)" = db ]
	[ "$(names -f status=running -f status=paused)" = "web db" ]
	[ "$(names -f status=created)" = "" ]
	[ "$(names -a -f name=^d)" = "db done" ]
	[ "$(names -a -f name=^/plain$)" = plain ]
	[ "$(names -a -f name=o -f name=eb)" = "web done" ]
	[ "$(names -a -f "id=^${DB:0:5}")" = db ]
	[ "$(names -a -f exited=3)" = done ]
	[ "$(names -a -f exited=0)" = plain ]
	[ "$(names -a -f network=bridge -f status=running)" = web ]
	[ "$(names -a -f volume=/data)" = web ]
	[ "$(names -a -f volume=/tmp)" = web ]
	# a bad regular expression matches nothing, as docker's
	[ "$(names -a -f 'name=(')" = "" ]
}

@test "ps --filter: label K and K=V (all must hold), ancestor, before and since; different keys AND" {
	[ "$(names -a -f label=app)" = "web db done" ]
	[ "$(names -a -f label=app=web)" = web ]
	[ "$(names -a -f label=tier -f label=app=db)" = db ]
	[ "$(names -a -f label=app=web -f label=app=db)" = "" ]
	[ "$(names -a -f label=empty=)" = web ]
	[ "$(names -a -f label=app -f status=exited)" = done ]
	[ "$(names -a -f ancestor=busybox)" = "web db plain done" ]
	[ "$(names -a -f ancestor=busybox:latest -f name=web)" = web ]
	[ "$(names -a -f ancestor=nosuch)" = "" ]
	[ "$(names -a -f since=plain)" = "web db" ]
	[ "$(names -a -f before=db)" = "plain done" ]
	[ "$(names -a -f before=web -f since=done)" = "db plain" ]
}

@test "ps --format: json with docker's keys, templates, table with a header and aligned columns" {
	run ctr ps --format json -f name=web
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	jq -e --arg id "$WEB" --arg p "0.0.0.0:$PORT->80/tcp" '.ID == $id and .Names == "web" and .Image == "busybox:latest"
		and .State == "running" and (.Status | startswith("Up ")) and .Ports == $p and .Networks == "bridge"
		and .Labels == "app=web,com.example.version=1.2,empty=,tier=front" and .Mounts == "/tmp"
		and .Command == "\"sh -c exec sleep 10…\"" and (.RunningFor | endswith(" ago"))
		and (.CreatedAt | test("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} \\+0000 UTC$"))' <<<"$output"
	run ctr ps -a --format '{{.ID}}|{{.Names}}|{{.State}}|{{.Label "app"}}|{{json .Names}}|{{upper .Names}}' -f name=done
	assert_output "$(cat "$CTR_ROOT/names/done")|done|exited|batch|\"done\"|DONE"
	run ctr ps -a --format '{{.Status}}' -f name=done
	assert_output --regexp '^Exited \(3\) .* ago$'
	run ctr ps --no-trunc --format '{{.Command}}' -f name=web
	assert_output '"sh -c exec sleep 1000 x with a very long tail"'
	# table: docker's header names, columns padded to the widest cell + 3
	run ctr ps -a --format 'table {{.Names}}\t{{.Label "com.example.version"}}\t{{.Status}}'
	assert_success
	assert_line --index 0 --regexp '^NAMES +VERSION +STATUS$'
	assert_line --index 1 --regexp '^web +1\.2 +Up '
	assert_line --index 4 --regexp '^done +Exited \(3\) '
	col=$(awk 'NR == 1 { print index($0, "STATUS") }' <<<"$output")
	[ "$(awk 'NR == 2 { print index($0, "Up ") }' <<<"$output")" = "$col" ]
	[ "$(awk 'NR == 5 { print index($0, "Exited") }' <<<"$output")" = "$col" ]
	# -q wins over a template, as docker, and says so
	run --separate-stderr ctr ps -q --format '{{.Names}}'
	assert_success
	assert_output "$(printf '%s\n' "$WEB" "$DB")"
	[[ "$stderr" == *"Ignoring custom format"* ]]
}

@test "ps: a bad option, filter or format is an error 125 that prints no listing" {
	for f in foo=1 status=zombie exited=x label= nokey 'label=a
b'; do
		run ctr ps -a -f "$f"
		assert_failure 125
		assert_output --regexp "^ctr: "
		[ "${#lines[@]}" -eq 1 ]
	done
	run ctr ps -a -f since=nosuch
	assert_failure 125
	assert_output "ctr: container nosuch: no such container"
	for t in '{{.Nope}}' '{{.Names' '{{nope .Names}}' '{{}}' 'table {{.Nope}}'; do
		run ctr ps -a --format "$t"
		assert_failure 125
		assert_output --regexp "^ctr: --format"
	done
	run ctr ps -n x
	assert_failure 125
	run ctr ps --size
	assert_failure 125
}

@test "run --label: recorded in the container's config, inspect shows Config.Labels" {
	run ctr inspect web
	assert_success
	jq -e '.Config.Labels == {app: "web", tier: "front", empty: "", "com.example.version": "1.2"}
		and .labels == .Config.Labels' <<<"$output"
	[ "$(ctr inspect plain | jq -c .Config.Labels)" = '{}' ]
}

@test "ps -a and system df while run --rm containers come and go beside them: every listing whole, no error" {
	local k i n=0 bad=''
	# three loops of run --rm: containers made and removed all along (none left: the file's four stay)
	for k in 1 2 3; do
		(for i in $(seq 1 15); do ctr run --rm busybox true >/dev/null 2>&1; done) 3>&- &
	done
	# a config removed after ps listed the directory is left out, never an error; the checks are
	# made once the loops are over (a failed one must not leave them running)
	while [ -n "$(jobs -pr)" ]; do
		if ! out=$(ctr ps -a --format '{{.ID}} {{.Names}}' 2>&1) || grep -qvE '^[0-9a-f]{12} ' <<<"$out" ||
			[ "$(grep -cE ' (web|db|plain|done)$' <<<"$out")" -ne 4 ]; then
			bad="$bad${bad:+$'\n'}ps: $out"
		fi
		out=$(ctr system df 2>&1) && ! grep -q error <<<"$out" || bad="$bad${bad:+$'\n'}system df: $out"
		n=$((n + 1))
	done
	wait
	[ -z "$bad" ] || { printf '%s\n' "$bad"; false; }
	[ "$n" -ge 3 ]
	[ "$(names -a)" = "web db plain done" ]
}
