#!/usr/bin/env bats
# test/jq.bats - CTR_JQ: run, exec and ps give the same results with gojq as with jq 1.6 (ctr.sh
# takes gojq when it is installed: it starts in ~3 ms, jq in ~20). The same options and an image
# config full of odd strings go through both; config.json (keys sorted: gojq writes them so) and
# what the container sees must match.

bats_require_minimum_version 1.5.0
load helper

setup() {
	ctr_setup
	command -v gojq >/dev/null || skip "gojq is not installed (apt-get install gojq)"
	# an image whose config has an entrypoint, a cmd, env (one without '=', one with an empty key),
	# a workdir and exposed ports, with quotes, shell characters, a control character and UTF-8
	IMG=$(ctr init "$TOP/build/rootfs/busybox" odd:1)
	jq --arg ep 'echo "ep=$0 args=$*"; env | sort; pwd; id -u; exec "$@"' '
		.entrypoint = ["/bin/sh", "-c", $ep, "ep0"] | .cmd = ["echo", "c 1", "<&>", "$HOME", "`x`"]
		| .env = ["A=x y", "B=<\u0001>ü\"'"'"'", "PATH=/bin:/usr/bin", "NOEQ", "=bad"]
		| .workdir = "/tmp" | .exposed_ports = ["80/tcp"]' \
		"$CTR_ROOT/images/$IMG/config.json" >"$BATS_TEST_TMPDIR/c.json"
	cp "$BATS_TEST_TMPDIR/c.json" "$CTR_ROOT/images/$IMG/config.json"
}

teardown() { ctr_teardown; }

# same_config ID1 ID2: the two containers' config.json, and their oci-config.json, are equal but
# for what names the container.
same_config() {
	local f='del(.id, .name, .created, .created_ns, .rootfs, .hostname, .security.device_cgroup) | .network.ports |= length'
	local o='del(.root.path, .hostname, .linux.cgroupsPath) | .linux.namespaces |= map(del(.path))'
	diff <(jq -S "$f" "$CTR_ROOT/containers/$1/config.json") <(jq -S "$f" "$CTR_ROOT/containers/$2/config.json") &&
		diff <(jq -S "$o" "$CTR_ROOT/containers/$1/oci-config.json") <(jq -S "$o" "$CTR_ROOT/containers/$2/oci-config.json")
}

@test "jq: run --rm prints the same with jq and gojq (entrypoint, cmd, env with -e K and K=V, workdir)" {
	local t out_jq
	export A=from-the-caller
	for t in jq gojq; do
		run env CTR_JQ=$t "$CTR" run --rm --net none --hostname h -e A -e 'C=$(no) `x` \' \
			-e "N=$(printf 'a\nb')" -e PATH=/bin odd:1
		assert_success
		assert_line 'ep=ep0 args=echo c 1 <&> $HOME `x`'
		assert_line 'A=from-the-caller'
		assert_line 'C=$(no) `x` \'
		assert_line '/tmp'
		assert_line "$(printf 'B=<\001>\303\274"'"'"'')"
		refute_line --partial 'NOEQ'
		[ "$t" = jq ] && out_jq=$output
	done
	[ "$output" = "$out_jq" ] || fail "run differs: gojq: $output / jq: $out_jq"
}

@test "jq: run -d writes the same config.json and oci-config.json with jq and gojq; exec and ps print the same" {
	local t id vol=$BATS_TEST_TMPDIR/vol out_jq
	mkdir "$vol"
	for t in jq gojq; do
		id=$(CTR_JQ=$t ctr run -d --name "n-$t" -h h -e 'K=v w' -e NOEQ -u 1000:1000 --cap-add NET_ADMIN \
			--cap-drop CHOWN --tmpfs /tt:size=1m -v "$vol:/v:ro" --mount "type=bind,src=$vol,dst=/w" --read-only --log-opt max-size=1m -m 64m --pids-limit 99 \
			-p "127.0.0.1:$((20000 + RANDOM % 20000)):80" -w /v odd:1 sleep 100)
		eval "ID_$t=\$id"
	done
	run same_config "$ID_jq" "$ID_gojq"
	assert_success
	jq -e '.security.volumes[0].target == "/v" and .security.volumes[1].target == "/w"
		and .security.tmpfs == [{target: "/tt", options: "nosuid,nodev,noexec,size=1048576"}] and .security.user == "1000:1000" and .log.max_size == 1048576
		and .cmd == ["/bin/sh", "-c", .cmd[2], "ep0", "sleep", "100"]' "$CTR_ROOT/containers/$ID_gojq/config.json"
	for t in jq gojq; do
		run env CTR_JQ=$t "$CTR" exec -e 'E=<&>' -e K -w / -u 0 "$ID_gojq" sh -c 'env | sort; pwd; id -u'
		assert_success
		assert_line 'E=<&>'
		assert_line '/'
		refute_line --partial 'K='
		[ "$t" = jq ] && out_jq=$output
	done
	[ "$output" = "$out_jq" ] || fail "exec differs: gojq: $output / jq: $out_jq"
	# (no times: the two calls may fall on either side of a second)
	run env CTR_JQ=jq "$CTR" ps -a --format '{{.ID}}  {{.Names}} {{.Image}} {{.Command}} {{.State}}'
	out_jq=$output
	run env CTR_JQ=gojq "$CTR" ps -a --format '{{.ID}}  {{.Names}} {{.Image}} {{.Command}} {{.State}}'
	[ "$output" = "$out_jq" ] || fail "ps differs: gojq: $output / jq: $out_jq"
	assert_line --partial "${ID_jq}  n-jq"
	assert_line --partial '"/bin/sh -c echo \"ep…'
}

@test "jq: CTR_JQ other than jq or gojq is refused before anything is made" {
	run -125 env CTR_JQ=/bin/sh "$CTR" run --rm busybox true
	assert_output 'ctr: CTR_JQ /bin/sh: must be jq or gojq'
	[ -z "$(ls "$CTR_ROOT/containers")" ]
}
