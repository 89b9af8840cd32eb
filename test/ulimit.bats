#!/usr/bin/env bats
# run --ulimit (docker's TYPE=SOFT[:HARD]) and --oom-score-adj: the container's resource limits and
# its rank for the OOM killer, read where a user reads them (ulimit in the container,
# /proc/PID/limits and oom_score_adj from the host); the caller's open-files limit, and an OOM
# protection of the caller's, do not reach the container; bad values are refused with nothing made.

load helper

# limits_of PID NAME: "SOFT HARD" of the limit line NAME ("Max open files") of /proc/PID/limits
limits_of() {
	awk -v n="$2" 'index($0, n) == 1 { $0 = substr($0, length(n) + 1); print $1, $2 }' "/proc/$1/limits"
}

# can_raise: this shell may raise a hard limit (CAP_SYS_RESOURCE; this CI's VM has not)
can_raise() { bash -c 'ulimit -H -n $(($(ulimit -H -n) + 1))' 2>/dev/null; }

@test "--ulimit: nofile, nproc, core, stack in the container, its PID 1 and an exec; a later TYPE wins; inspect shows them" {
	[ "$(ulimit -H -s)" = unlimited ] || skip "the caller's hard stack limit is not unlimited"
	id=$(ctr run -d --net none --ulimit nofile=100:200 --ulimit nproc=50:60 --ulimit core=-1 \
		--ulimit stack=unlimited:unlimited --ulimit nofile=64 busybox sleep 1000)
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	[ "$(limits_of "$pid" 'Max open files')" = '64 64' ]
	[ "$(limits_of "$pid" 'Max processes')" = '50 60' ]
	[ "$(limits_of "$pid" 'Max core file size')" = 'unlimited unlimited' ]
	[ "$(limits_of "$pid" 'Max stack size')" = 'unlimited unlimited' ]
	run ctr exec "$id" sh -c 'echo $(ulimit -Sn) $(ulimit -Hn) $(ulimit -Su) $(ulimit -Hu) $(ulimit -Hc) $(ulimit -Ss)'
	assert_output '64 64 50 60 unlimited unlimited'
	run ctr inspect "$id"
	assert_success
	run jq -c '.ulimits | sort_by(.name)' <<<"$output"
	assert_output '[{"hard":-1,"name":"core","soft":-1},{"hard":64,"name":"nofile","soft":64},{"hard":60,"name":"nproc","soft":50},{"hard":-1,"name":"stack","soft":-1}]'
}

@test "--ulimit: unlimited reaches the container with jq 1.6 as ctr's JSON tool too (every number a double there)" {
	[ "$(ulimit -H -c)" = unlimited ] || skip "the caller's hard core limit is not unlimited"
	CTR_JQ=jq run ctr run --rm --net none --ulimit core=unlimited --ulimit nofile=33:44 busybox \
		sh -c 'echo $(ulimit -Sc) $(ulimit -Hc) $(ulimit -Sn) $(ulimit -Hn)'
	assert_success
	assert_output 'unlimited unlimited 33 44'
}

@test "--ulimit: the caller's open-files limit does not reach the container: 1024, hard 524288 at most the caller's" {
	local hard want
	hard=$(ulimit -H -n)
	want=524288
	[ "$hard" = unlimited ] || [ "$hard" -ge "$want" ] || want=$hard
	[ "$want" -ge 1024 ] || skip "the caller's hard open-files limit is below 1024"
	# a caller with a soft limit of 300: the container still gets 1024
	run bash -c 'ulimit -S -n 300 && exec "$0" run --rm --net none busybox sh -c "echo \$(ulimit -Sn) \$(ulimit -Hn)"' "$CTR"
	assert_success
	assert_output "1024 $want"
	# a caller whose hard limit is 900: nothing is raised, 900 both
	run bash -c 'ulimit -n 900 && exec "$0" run --rm --net none busybox sh -c "echo \$(ulimit -Sn) \$(ulimit -Hn)"' "$CTR"
	assert_success
	assert_output '900 900'
}

@test "--ulimit above the caller's hard limit: raised with CAP_SYS_RESOURCE; without it a clear error, nothing made" {
	local hard
	hard=$(ulimit -H -n)
	[ "$hard" != unlimited ] || skip "the caller's hard open-files limit is unlimited"
	if can_raise; then
		run ctr run --rm --net none --ulimit nofile=$((hard + 1)) busybox sh -c 'ulimit -Hn'
		assert_success
		assert_output "$((hard + 1))"
	else
		run ctr run --rm --net none --ulimit nofile=$((hard + 1)) busybox true
		assert_failure 125
		assert_output --partial "setrlimit RLIMIT_NOFILE: hard limit $((hard + 1)) above the caller's $hard: raising one needs CAP_SYS_RESOURCE"
	fi
	[ -z "$(ctr ps -aq)" ]
	[ -z "$(ls -A "$CTR_ROOT/containers")" ]
}

@test "--ulimit: create and start keep them; bad values are an error 125 and nothing is made" {
	id=$(ctr create --net none --ulimit nofile=77:88 busybox sh -c 'echo $(ulimit -Sn) $(ulimit -Hn)')
	run ctr start -a "$id"
	assert_success
	assert_output '77 88'
	ctr rm "$id"
	for bad in nofile nofile= =5 foo=1 as=1 nofile=2:1 nofile=-2 nofile=1:2:3 nofile=01 nofile=1k \
		nofile=9007199254740992 nofile=-1:5 nofile=a=b $'nofile=1\n' ''; do
		run ctr run --rm --net none --ulimit "$bad" busybox true
		assert_failure 125
		assert_output --regexp '^ctr: --ulimit'
	done
	run ctr run --rm --net none --ulimit
	assert_failure 125
	[ -z "$(ctr ps -aq)" ]
	[ -z "$(ls -A "$CTR_ROOT/containers")" ]
}

@test "--oom-score-adj: PID 1 and an exec get it; default the caller's, never below 0; inspect shows it; bad values 125" {
	id=$(ctr run -d --net none --oom-score-adj 700 busybox sleep 1000)
	[ "$(cat "/proc/$(cat "$CTR_ROOT/containers/$id/pid")/oom_score_adj")" = 700 ]
	run ctr exec "$id" cat /proc/self/oom_score_adj
	assert_output 700
	[ "$(ctr inspect "$id" | jq .oom_score_adj)" = 700 ]
	# a caller at 300: the container too (raising it needs no privilege; inspect: null, the caller's)
	run bash -c 'echo 300 >/proc/self/oom_score_adj && exec "$0" run --rm --net none busybox cat /proc/self/oom_score_adj' "$CTR"
	assert_output 300
	if can_raise; then
		# a caller the OOM killer spares: the container is not spared
		run bash -c 'echo -1000 >/proc/self/oom_score_adj && exec "$0" run --rm --net none busybox cat /proc/self/oom_score_adj' "$CTR"
		assert_output 0
		run ctr run --rm --net none --oom-score-adj -500 busybox cat /proc/self/oom_score_adj
		assert_output -- -500
	else
		run ctr run --rm --net none --oom-score-adj -500 busybox true
		assert_failure 125
		assert_output --partial "oom_score_adj -500 (lower than the caller's: needs CAP_SYS_RESOURCE)"
	fi
	for bad in 1001 -1001 x '' 1e3 +5 05; do
		run ctr run --rm --net none --oom-score-adj "$bad" busybox true
		assert_failure 125
		assert_output "ctr: --oom-score-adj $bad: a number from -1000 to 1000"
	done
	[ "$(ctr ps -aq)" = "$id" ]
}
