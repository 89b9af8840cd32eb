#!/usr/bin/env bats
# test/input.bats - input handling at the edges (docs/security.md, "Input grammar and argv"): every
# name, ID or reference is checked against its grammar before it becomes a path; lists travel as
# argv and a value with a newline is refused where a newline has no meaning; the command's words
# are never options of a helper; only -e K copies a variable from the caller. Each attack is
# performed for real and the test checks from the host that nothing changed.

bats_require_minimum_version 1.5.0
load helper

setup() {
	ctr_setup
	VICTIM=$BATS_TEST_TMPDIR/victim
	mkdir -p "$VICTIM/sub"
	echo precious >"$VICTIM/sub/file"
}

# victim_intact: the host directory the attacks aim at is still there, with its content.
victim_intact() {
	assert_equal "$(cat "$VICTIM/sub/file")" precious
}

# rel_from DIR: the path of $VICTIM relative to DIR (made of ../ steps).
rel_from() {
	realpath -m --relative-to="$1" "$VICTIM"
}

# start NAME: a running busybox container named NAME; sets ID and PID.
start() {
	ID=$(ctr run -d --name "$1" busybox sleep 100)
	PID=$(cat "$CTR_ROOT/containers/$ID/pid")
}

# still_running: the container of start is still running and its state is complete.
still_running() {
	kill -0 "$PID" || fail "PID 1 of $ID is gone"
	[ -f "$CTR_ROOT/containers/$ID/config.json" ] || fail "the state of $ID is gone"
	run ctr ps -q
	assert_output "$ID"
}

# nothing_made: no container directory, name record or netns of the test's prefix.
nothing_made() {
	assert_equal "$(ls -A "$CTR_ROOT/containers" "$CTR_ROOT/names" 2>/dev/null | grep -v ':$' | grep .)" ""
	run bash -c "ip netns list 2>/dev/null | grep '^$CTR_PREFIX-'"
	assert_output ""
}

# ---------------------------------------------------------------- path traversal

@test "rmi: a reference with .. is refused before it is a path: the host directory stays" {
	ctr run --rm busybox true # the pool, images/ and the built-in image exist
	local rel
	rel=$(rel_from "$CTR_ROOT/images")
	[ -d "$CTR_ROOT/images/$rel" ] # the attack would reach it
	run -125 ctr rmi "$rel"
	assert_output "ctr: image $rel: invalid registry name"
	run -125 ctr rmi -f "$rel"
	victim_intact
	# tag the traversal, then remove the alias: the tag is refused, so the alias does not exist
	run -125 ctr tag "$rel" alias
	run -125 ctr rmi alias
	assert_output "ctr: image alias: no such image"
	victim_intact
	run ctr images
	assert_line --partial busybox:latest
}

@test "rmi, run: a refs/ file that holds no image ID (damaged or planted) is refused" {
	ctr run --rm busybox true
	rel=$(rel_from "$CTR_ROOT/images")
	printf '%s\n' "$rel" >"$CTR_ROOT/refs/planted:latest"
	: >"$CTR_ROOT/refs/empty:latest"
	run -125 ctr rmi planted
	assert_output "ctr: image planted: $CTR_ROOT/refs/planted:latest: not an image ID"
	run -125 ctr rmi empty
	run -125 ctr run --rm planted true
	run -125 ctr save -o "$BATS_TEST_TMPDIR/x.tar" planted
	victim_intact
	# images lists only what is sound
	run ctr images
	refute_output --partial planted
	assert_line --partial busybox:latest
}

@test "rm -f ../lock, '', ., glob characters: refused; no container's state is touched" {
	start victim
	for n in ../lock .. . '' '*' '?' '[0-9a-f]' "$ID/.." "${ID:0:3}*" "a/b" "$(printf 'a\nb')"; do
		run -125 ctr rm -f "$n"
		assert_output --regexp "^ctr: container .*: invalid name or ID"
	done
	still_running
	[ -f "$CTR_ROOT/lock" ]
}

@test "a names/ record that holds no container ID (planted) is refused before rm" {
	start victim
	: >"$CTR_ROOT/names/empty"
	printf '../..\n' >"$CTR_ROOT/names/dots"
	run -125 ctr rm -f empty
	assert_output "ctr: container empty: $CTR_ROOT/names/empty: not a container ID"
	run -125 ctr rm -f dots
	run -125 ctr stop dots
	still_running
}

@test "every verb that takes a container refuses a malformed name or ID prefix" {
	start victim
	local bad=../victim
	for v in inspect logs stop rm attach stats; do
		run -125 ctr "$v" "$bad"
		assert_output "ctr: container $bad: invalid name or ID (want [a-zA-Z0-9][a-zA-Z0-9_.-]*)"
	done
	run -125 ctr exec "$bad" true
	assert_output --partial "invalid name or ID"
	run -125 ctr commit "$bad" x
	assert_output --partial "invalid name or ID"
	# the real name still works
	run ctr exec victim true
	assert_success
	still_running
}

@test "every verb that takes an image refuses a malformed reference, and init's NAME" {
	start victim
	local rel
	rel=$(rel_from "$CTR_ROOT/images")
	for r in "$rel" '..' 'Upper' 'a b' 'x:' 'x:-y' 'a%2Fb' 'a___b' "$(printf 'a\nb')"; do
		run -125 ctr run --rm "$r" true
		assert_output --regexp "^ctr: image .*: invalid"
	done
	run -125 ctr tag busybox "../x"
	run -125 ctr tag busybox "a/../b:1"
	run -125 ctr commit victim "../x"
	run -125 ctr save -o "$BATS_TEST_TMPDIR/x.tar" "$rel"
	run -125 ctr init "$VICTIM" "../x"
	assert_output "ctr: image ../x: invalid registry name"
	# init without NAME: the directory's name must be a valid one
	mkdir "$BATS_TEST_TMPDIR/Bad Name"
	run -125 ctr init "$BATS_TEST_TMPDIR/Bad Name"
	assert_output --partial "is not an image name"
	assert_equal "$(ls "$CTR_ROOT/refs")" "busybox:latest"
	victim_intact
	still_running
}

@test "run --name, --hostname, -w: separators and traversal refused, nothing made" {
	run -125 ctr run --rm --name ../lock busybox true
	assert_output "ctr: name ../lock: must start with a letter or digit"
	run -125 ctr run --rm --name "a/../b" busybox true
	run -125 ctr run --rm --hostname "$(printf 'box\n6.6.6.6 example.com')" busybox true
	assert_output --partial "--hostname box"
	run -125 ctr run --rm --hostname ../x busybox true
	run -125 ctr run --rm -w "$(printf '/tmp\n/x')" busybox true
	assert_output "ctr: --workdir: the value contains a newline"
	run -125 ctr run --rm -w tmp busybox true
	assert_output "ctr: --workdir tmp: must be an absolute path"
	nothing_made
}

@test "CTR_PREFIX and CTR_BRIDGE are checked once at start: they become netns, cgroup, chain names" {
	CTR_PREFIX=../x run -125 ctr run --rm busybox true
	assert_output --partial "ctr: CTR_PREFIX ../x: use [A-Za-z0-9_-]"
	CTR_PREFIX='a.b' run -125 ctr ps
	CTR_PREFIX=9x run -125 ctr ps
	assert_output "ctr: CTR_PREFIX 9x: use [A-Za-z0-9_-], starting with a letter"
	CTR_PREFIX=aaaaaaaaaaaaaaaaaaaaaaa run -125 ctr ps
	assert_output "ctr: CTR_PREFIX aaaaaaaaaaaaaaaaaaaaaaa: at most 22 characters"
	CTR_BRIDGE=.. run -125 ctr ps
	assert_output --partial "ctr: CTR_BRIDGE ..: use [A-Za-z0-9_.-]"
	CTR_BRIDGE=-x run -125 ctr cleanup
	# the state root and pool are absolute paths on one line (the supervisor's exit action runs
	# ctr.sh from another directory); nothing is made in the current one
	mkdir "$BATS_TEST_TMPDIR/cwd"
	(cd "$BATS_TEST_TMPDIR/cwd" && CTR_ROOT=rel CTR_POOL=rel.pool run -125 "$CTR" ps && [ "$output" = "ctr: CTR_ROOT rel: must be an absolute path" ])
	CTR_POOL=p.img run -125 ctr ps
	assert_output "ctr: CTR_POOL p.img: must be an absolute path"
	CTR_ROOT="$CTR_ROOT"$'\n'/x run -125 ctr ps
	assert_output "ctr: CTR_ROOT: the value contains a newline"
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/cwd")" ]
	nothing_made
}

# ---------------------------------------------------------------- separators in values

@test "exec: the command's words are never options of nsenter-chroot (no --cap-add ALL, no seccomp off)" {
	start victim
	run -127 ctr exec victim --cap-add ALL --seccomp unconfined sh -c 'grep CapEff /proc/self/status'
	assert_output --partial "exec --cap-add: No such file or directory"
	run -127 ctr exec victim --privileged sh
	# run: after the image the words are the command too
	run -127 ctr run --rm busybox --privileged sh
	# an exec has the container's capabilities (docker's default set, as PID 1), and seccomp on
	run ctr exec victim sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status'
	assert_line "$(grep '^CapEff:' "/proc/$PID/status")"
	refute_line --regexp '^CapEff:[[:space:]]+0*(1ff|3f)f+$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	still_running
}

@test "-v, --cap-add, --cap-drop, -p with a newline are refused: no second volume, capability, port" {
	run -125 ctr run --rm -v "$VICTIM:/data
/:/hostroot" busybox true
	assert_output "ctr: -v: the value contains a newline"
	run -125 ctr run --rm --cap-add "CHOWN
SYS_ADMIN" busybox true
	assert_output "ctr: --cap-add: the value contains a newline"
	run -125 ctr run --rm --cap-add "CHOWN SYS_ADMIN" busybox true
	assert_output "ctr: --cap-add CHOWN SYS_ADMIN: unknown capability (e.g. NET_ADMIN, SYS_PTRACE or ALL)"
	run -125 ctr run --rm --cap-drop "CHOWN
SYS_ADMIN" busybox true
	run -125 ctr run --rm -p "18080:80
18081:81" busybox true
	assert_output "ctr: -p: the value contains a newline"
	run -125 ctr run --rm -u "$(printf 'root\n0')" busybox true
	nothing_made
	# one -v is one volume: only /data appears, the host's / is nowhere
	run ctr run --rm -v "$VICTIM:/data" busybox sh -c 'cat /data/sub/file; ls /hostroot 2>&1; grep -c " /data " /proc/self/mountinfo'
	assert_line precious
	assert_line --partial "/hostroot: No such file or directory"
	assert_line 1
}

@test "a resolved volume path with ':' is refused (the helper splits H:C at ':')" {
	mkdir "$BATS_TEST_TMPDIR/a:b"
	ln -s "$BATS_TEST_TMPDIR/a:b" "$BATS_TEST_TMPDIR/link"
	run -125 ctr run --rm -v "$BATS_TEST_TMPDIR/link:/data" busybox true
	assert_output --partial "a ':' or newline is not supported"
	nothing_made
}

@test "-e with a newline is ONE variable for PID 1, in config.json and for exec" {
	ID=$(ctr run -d -e 'E=one
F=two' busybox sleep 100)
	PID=$(cat "$CTR_ROOT/containers/$ID/pid")
	run jq -c .env "$CTR_ROOT/containers/$ID/config.json"
	assert_output '["E=one\nF=two"]'
	# PID 1's environment, read from the host: one entry E, no F
	run bash -c "tr '\0' '\36' </proc/$PID/environ"
	assert_output --partial $'\36E=one\nF=two\36'
	refute_output --partial $'\36F=two'
	run ctr exec "$ID" sh -c 'printf "[%s] [%s]\n" "$E" "${F-unset}"'
	assert_output $'[one\nF=two] [unset]'
	run ctr exec -e 'X=a
Y=b' "$ID" sh -c 'printf "[%s] [%s]\n" "$X" "${Y-unset}"'
	assert_output $'[a\nY=b] [unset]'
}

# ---------------------------------------------------------------- the caller's environment

# env_image NAME ENV-JSON: busybox as NAME, its config's Env as given (what pull and load write
# from an image config's Env).
env_image() {
	local d=$BATS_TEST_TMPDIR/img-$1 id
	mkdir -p "$d"
	cp -a "$TOP/build/rootfs/busybox/." "$d/"
	id=$(ctr init "$d" "$1")
	jq --argjson e "$2" '.env = $e' "$CTR_ROOT/images/$id/config.json" >"$BATS_TEST_TMPDIR/cfg"
	cp "$BATS_TEST_TMPDIR/cfg" "$CTR_ROOT/images/$id/config.json"
}

@test "an image's Env entry without '=' gets nothing from the caller (nor ctr.sh's own variables)" {
	env_image leaky '["AWS_SECRET_ACCESS_KEY", "CTR_ROOT", "SEC_PRIV", "=bad", "OK=1"]'
	export AWS_SECRET_ACCESS_KEY=host-secret
	run ctr run --rm leaky env
	assert_success
	assert_line OK=1
	refute_output --partial AWS_SECRET_ACCESS_KEY
	refute_output --partial CTR_
	refute_output --partial SEC_
	refute_output --partial host-secret
	refute_line --regexp '^='
	ID=$(ctr run -d leaky sleep 100)
	run jq -c .env "$CTR_ROOT/containers/$ID/config.json"
	assert_output '["OK=1"]'
	run ctr exec "$ID" env
	assert_line OK=1
	refute_output --partial host-secret
	refute_output --partial CTR_
}

@test "-e K copies only K from the caller; K unset in the caller unsets K (docker's rule)" {
	env_image withenv '["FROM_IMAGE=img", "KEEP=1"]'
	export FROM_CALLER=caller OTHER=other
	unset FROM_IMAGE NOT_SET A
	run ctr run --rm -e FROM_CALLER -e FROM_IMAGE -e NOT_SET withenv sh -c \
		'echo "${FROM_CALLER-unset} ${FROM_IMAGE-unset} ${NOT_SET-unset} ${KEEP-unset} ${OTHER-unset}"'
	assert_output "caller unset unset 1 unset"
	run -125 ctr run --rm -e '' busybox true
	assert_output "ctr: -e '': invalid environment variable (expected K=V or K)"
	run -125 ctr run --rm -e =x busybox true
	# exec: the same rule
	ID=$(ctr run -d -e A=1 withenv sleep 100)
	run ctr exec -e FROM_CALLER -e A -e KEEP=2 "$ID" sh -c 'echo "${FROM_CALLER-unset} ${A-unset} $KEEP ${OTHER-unset}"'
	assert_output "caller unset 2 unset"
}

@test "nsenter-chroot: --env K without '=' is a usage error (it copies nothing from its environment)" {
	HOME=/leak run -125 "$TOP/build/nsenter-chroot" --env HOME -- / true
	assert_output "nsenter-chroot: --env: expected K=V, not HOME (see nsenter-chroot --help)"
	run -125 "$TOP/build/nsenter-chroot" --env =x -- / true
	assert_output --partial "--env: expected K=V"
}

@test "a pid file that holds no pid (-1, 0, 1, junk) is never taken for PID 1 (stop would signal it)" {
	start victim
	for p in -1 0 1 ' 1' "$PID x"; do
		printf '%s\n' "$p" >"$CTR_ROOT/containers/$ID/pid"
		# kill -0 -1 succeeds as root: the old code called such a container running, and stop
		# sent SIGTERM to -1, every process of the host
		run ctr inspect victim
		assert_success
		assert_equal "$(jq -r '"\(.state) \(.pid)"' <<<"$output")" "created 0"
	done
	printf '%s\n' "$PID" >"$CTR_ROOT/containers/$ID/pid"
	still_running
}
