#!/usr/bin/env bats
# start, restart and run --restart, from the outside: an exited container runs again with its
# files, network and limits; start -a/-i; the policies are carried out by the supervisor
# (ctr-shim --restart), survive the front-end, show in ps and inspect, and end with stop, kill
# and rm -f; a start killed at any step leaves nothing that cleanup does not release.

load helper

# One state root for the file (its pool, the imported busybox and the bridge made once): each test
# removes its containers, teardown removes what a failed one left.
setup_file() {
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ctr_setup
	"$CTR" run --rm busybox true
}
teardown_file() { ctr_teardown; }
setup() { :; }
teardown() {
	local left
	left=$("$CTR" ps -aq)
	[ -z "$left" ] || "$CTR" rm -f $left >/dev/null 2>&1 || true
}

# cgroups_of CID: the container's cgroup directories that exist, one per line.
cgroups_of() {
	local d
	for d in /sys/fs/cgroup/*/"$CTR_PREFIX/$1" "/sys/fs/cgroup/$CTR_PREFIX/$1"; do
		[ ! -d "$d" ] || echo "$d"
	done
}

# assert_released CID: no netns, veth, cgroup, address record, DNAT rule or id range of CID.
assert_released() {
	[ ! -e "/run/netns/$CTR_PREFIX-$1" ] || fail "netns $CTR_PREFIX-$1 left"
	# the kernel takes the veth down with the netns' last reference, asynchronously
	wait_for test ! -e "/sys/class/net/v$1" || fail "veth v$1 left"
	[ -z "$(cgroups_of "$1")" ] || fail "cgroups left: $(cgroups_of "$1")"
	! grep -rqx -- "$1" "$CTR_ROOT/net/ips" 2>/dev/null || fail "address record left"
	! iptables-save -t nat | grep -q -- "$CTR_PREFIX:$1" || fail "DNAT rule left"
	! grep -qs "^$1:" "$CTR_ROOT/subuid" || fail "id range left"
}

# alive PID: a process that is not a zombie (a daemon's new parent may reap it late).
alive() {
	[ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# restarts NAME: the supervisor's count of restarts (its --restart-file), 0 before the first.
restarts() {
	local n=0 s
	read -r n s 2>/dev/null <"$CTR_ROOT/containers/$(cat "$CTR_ROOT/names/$1")/restart"
	echo "${n:-0}"
}

# state_is NAME STATE
state_is() { [ "$(ctr inspect "$1" | jq -r .state)" = "$2" ]; }

random_port() { echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000)); }

@test "start: an exited container runs again with its files, its address, its published port and its limits" {
	port=$(random_port)
	run ctr run --name web -p "127.0.0.1:$port:8080" -m 32m --pids-limit 20 busybox sh -c \
		'[ ! -f /www/index.html ] || exec httpd -f -p 8080 -h /www; mkdir /www; echo kept >/www/index.html; exit 3'
	assert_failure 3
	id=$(cat "$CTR_ROOT/names/web")
	ip=$(ctr inspect web | jq -r .network.ip)
	assert_released "$id"
	run ctr start web
	assert_success
	assert_output web
	state_is web running
	assert_equal "$(ctr inspect web | jq -r .network.ip)" "$ip" # its address, free again
	# what the first run wrote is served: from the host through the bridge, and on the port
	wait_for curl -fsS -m 2 -o /dev/null "http://$ip:8080/" || fail "no answer at $ip: $(ctr logs web)"
	assert_equal "$(curl -fsS -m 2 "http://127.0.0.1:$port/")" kept
	# and the container reaches its gateway, the bridge
	run ctr exec web ping -c 1 -W 2 "$(ctr inspect web | jq -r .network.gateway)"
	assert_success
	# the limits are the run's: 32m and 20 pids
	run ctr exec web memhog 64
	assert_equal "$status" 137
	run ctr exec web forkbomb 100
	assert_success
	n=$(sed -n 's/^forked //p' <<<"$output")
	[ "$n" -lt 20 ] || fail "forked $n with --pids-limit 20"
	ctr rm -f web >/dev/null
	assert_released "$id"
}

@test "start -a: the output and the exit code; -i: the input too; a running container: its name, nothing else" {
	run ctr run --name once busybox sh -c 'echo out; echo err >&2; exit 7'
	assert_failure 7
	run ctr start -a once
	assert_failure 7
	assert_line out
	assert_line err
	[ "$(ctr logs once 2>/dev/null | grep -c out)" -eq 2 ]
	ctr run -i --name cat busybox cat </dev/null
	run sh -c "echo fed | '$CTR' start -ai cat"
	assert_success
	assert_output fed
	ctr run -d --name long busybox sleep 60 >/dev/null
	pid=$(ctr inspect long | jq .pid)
	run ctr start long
	assert_success
	assert_output long
	assert_equal "$(ctr inspect long | jq .pid)" "$pid"
	ctr rm -f once cat long >/dev/null
}

@test "restart: a running container is stopped and started (a new PID 1, its files); several at once; an exited one starts" {
	ctr run -d --name r1 busybox sh -c 'echo run >>/runs; exec sleep 60' >/dev/null
	run ctr run --name r2 busybox echo ran
	pid=$(ctr inspect r1 | jq .pid)
	run ctr restart -t 0 r1 r2
	assert_success
	assert_line r1
	assert_line r2
	state_is r1 running
	[ "$(ctr inspect r1 | jq .pid)" != "$pid" ]
	run ctr exec r1 cat /runs
	assert_output "run
run"
	wait_for state_is r2 exited
	[ "$(ctr logs r2 | grep -c ran)" -eq 2 ]
	ctr rm -f r1 r2 >/dev/null
}

@test "create: made, not started (Created: no network, group, port or id range held); start -a runs it, its files kept; cleanup keeps it" {
	port=$(random_port)
	id=$(ctr create --name made -p "$port:80" --userns auto -e A=1 busybox sh -c 'echo "hello $A" >>/log; cat /log; cat /proc/self/uid_map')
	[[ "$id" =~ ^[0-9a-f]{12}$ ]] || fail "not an ID: $id"
	run ctr ps -a
	assert_line --regexp "^$id +made +busybox:latest .* Created$"
	run ctr ps -q
	assert_output ''
	state_is made created
	[ "$(ctr inspect made | jq .pid)" = 0 ]
	assert_released "$id"
	! grep -rqx -- "$id" "$CTR_ROOT/net/ports" 2>/dev/null || fail "port claimed: $(grep -rx -- "$id" "$CTR_ROOT/net/ports")"
	run ctr events --since 0 --until 0s --filter container=made --format '{{.Action}}'
	assert_output create
	run ctr exec made true
	assert_failure 125
	ctr cleanup >/dev/null
	run ctr ps -aq
	assert_output "$id"
	# start: the network, groups, port and id range now, as for an exited container
	run ctr start -a made
	assert_success
	assert_line --index 0 "hello 1"
	assert_line --index 1 --regexp '^ +0 +[1-9][0-9]* +65536$'
	run ctr start -a made
	assert_success
	assert_line --index 1 "hello 1"
	state_is made exited
	ctr rm made
	assert_released "$id"
	[ ! -e "$CTR_ROOT/containers/$id" ]
}

@test "create: --rm is removed once it ran; container prune and rm remove a created one; -d and no image are 125" {
	id=$(ctr create --rm busybox echo once)
	run ctr start -a "$id"
	assert_success
	assert_output once
	wait_for test ! -e "$CTR_ROOT/containers/$id" || fail "--rm: not removed"
	id=$(ctr create busybox true)
	run ctr container prune -f
	assert_success
	assert_line "$id"
	[ ! -e "$CTR_ROOT/containers/$id" ]
	id=$(ctr create --name gone busybox true)
	ctr rm gone >/dev/null
	[ ! -e "$CTR_ROOT/containers/$id" ]
	[ ! -e "$CTR_ROOT/names/gone" ]
	run ctr create -d busybox true
	assert_failure 125
	assert_output "ctr: create: unknown option -d (create starts nothing: start does, detached)"
	run ctr create
	assert_failure 125
	assert_output "ctr: usage: ctr.sh create [OPTIONS] IMAGE [CMD [ARG...]]"
	run ctr ps -aq
	assert_output ''
}

@test "start, restart: bad input is an error 125 that changes nothing" {
	ctr run --name x busybox true
	id=$(cat "$CTR_ROOT/names/x")
	exit_was=$(cat "$CTR_ROOT/containers/$id/exit")
	for args in "start" "start -x x" "start nosuch" "start ../x" "start -a x x" "restart" \
		"restart -t soon x" "restart -s x" "restart nosuch"; do
		# shellcheck disable=SC2086 # the words of args
		run ctr $args
		assert_equal "$status" 125
		[[ $output == ctr:* ]] || fail "$args: $output"
	done
	run ctr start x nosuch # docker's: x starts, nosuch is an error
	assert_equal "$status" 125
	assert_line x
	assert_line "ctr: container nosuch: no such container"
	ctr rm x >/dev/null
	# --restart
	for v in bogus on-failure:x on-failure:-1 always:3 no:1 on-failure:1234567890; do
		run ctr run --restart "$v" busybox true
		assert_equal "$status" 125
		assert_output --partial "--restart $v"
	done
	run ctr run --rm --restart always busybox true
	assert_equal "$status" 125
	assert_output --partial "conflicting options"
	[ -z "$(ctr ps -aq)" ]
	[ -n "$exit_was" ]
}

@test "start: SIGKILL at each step, then cleanup: nothing is left; the container is Exited (or Created) and starts again" {
	port=$(random_port)
	id=$(ctr run -d --name k -p "127.0.0.1:$port:8080" busybox sh -c \
		'[ ! -f /ran ] || exec httpd -f -p 8080 -h /; touch /ran')
	wait_for test -e "$CTR_ROOT/containers/$id/released"
	for step in release alloc veth ports cgroup reset; do
		run env CTR_TEST_KILL_AT=$step "$CTR" start k
		assert_equal "$status" 137
		run ctr cleanup
		assert_success
		assert_released "$id"
		# exited, with its last code; once start emptied the last run's record, created
		if [ "$step" = reset ]; then want=created; else want=exited; fi
		state_is k "$want" || fail "step $step: $(ctr ps -a)"
		[ -z "$(ls /sys/fs/cgroup/pids/"$CTR_PREFIX" 2>/dev/null | grep -x "$id")" ]
	done
	run ctr start k
	assert_success
	ip=$(ctr inspect k | jq -r .network.ip)
	wait_for curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$port/ran" || fail "not served: $(ctr logs k)"
	ctr rm -f k >/dev/null
	assert_released "$id"
}

@test "run --restart on-failure:2: three runs, RestartCount 2, then Exited and released; a run that succeeds is not restarted" {
	run ctr run --name of --restart on-failure:2 busybox sh -c 'echo run; exit 3'
	assert_failure 3 # the foreground returns the first run's code
	id=$(cat "$CTR_ROOT/names/of")
	wait_for test -e "$CTR_ROOT/containers/$id/released" || wait_for test -e "$CTR_ROOT/containers/$id/released" ||
		fail "not released: $(ctr ps -a)"
	run ctr inspect of
	assert_equal "$(jq -r .state <<<"$output")" exited
	assert_equal "$(jq .restart_count <<<"$output")" 2
	assert_equal "$(jq .exit_code <<<"$output")" 3
	assert_equal "$(jq -cS .restart_policy <<<"$output")" '{"maximum_retry_count":2,"name":"on-failure"}'
	[ "$(ctr logs of | grep -c run)" -eq 3 ]
	assert_released "$id"
	id=$(ctr run -d --name ok --restart on-failure busybox true)
	wait_for test -e "$CTR_ROOT/containers/$id/released"
	assert_equal "$(ctr inspect ok | jq .restart_count)" 0
	ctr rm of ok >/dev/null
}

@test "run --restart always: restarted by the supervisor after its front-end was SIGKILLed; ps says Restarting; stop ends it" {
	setsid "$CTR" run --name al --restart always busybox sh -c 'echo run; sleep 0.3; exit 1' >/dev/null 2>&1 3>&- &
	front=$!
	wait_for sh -c "ls '$CTR_ROOT'/containers/*/pid" >/dev/null 2>&1 || fail "never started"
	kill -KILL "$front"
	wait "$front" 2>/dev/null || true
	id=$(cat "$CTR_ROOT/names/al")
	for i in $(seq 10); do [ "$(restarts al)" -ge 3 ] && break; sleep 0.5; done
	[ "$(restarts al)" -ge 3 ] || fail "not restarted: $(ctr ps -a)"
	wait_for sh -c "'$CTR' ps | grep -E ' al +.* Restarting \\(1\\) .* ago\$'" ||
		wait_for sh -c "'$CTR' ps | grep -E ' al +.* Restarting \\(1\\) .* ago\$'" || fail "never Restarting: $(ctr ps)"
	shim=$(cat "$CTR_ROOT/containers/$id/shim.pid")
	run ctr stop al
	assert_success
	assert_output al
	run ctr ps -a
	assert_line --regexp "^$id +al .* Exited \\((1|143)\\) "
	# the policy is over: its supervisor is gone, the objects released
	wait_for sh -c "! grep -qs '^State:[[:space:]]*[^Z]' /proc/$shim/status" || fail "the supervisor runs on"
	wait_for test -e "$CTR_ROOT/containers/$id/released"
	assert_released "$id"
	state_is al exited
	# start: a new policy run, its count from 0
	ctr start al >/dev/null
	assert_equal "$(ctr inspect al | jq .restart_count)" 0
	ctr rm -f al >/dev/null
}

@test "run --restart: rm -f during the back-off leaves nothing (no netns, veth, cgroup, rule, process); kill ends unless-stopped" {
	port=$(random_port)
	id=$(ctr run -d --name bo --restart always -p "127.0.0.1:$port:80" busybox sh -c 'exit 2')
	# from the 4th restart on the back-off is 0.8 s and more
	for i in $(seq 20); do [ "$(restarts bo)" -ge 4 ] && break; sleep 0.5; done
	wait_for state_is bo restarting || fail "not restarting: $(ctr ps -a)"
	shim=$(cat "$CTR_ROOT/containers/$id/shim.pid")
	run ctr rm -f bo
	assert_success
	assert_output bo
	[ ! -e "$CTR_ROOT/containers/$id" ]
	assert_released "$id"
	wait_for sh -c "! grep -qs '^State:[[:space:]]*[^Z]' /proc/$shim/status" || fail "the supervisor runs on"
	[ -z "$(ctr ps -aq)" ]
	# kill, as docker's, ends the policy
	ctr run -d --name us --restart unless-stopped busybox sleep 60 >/dev/null
	run ctr kill us
	assert_success
	wait_for state_is us exited
	shim=$(cat "$CTR_ROOT/containers/$(cat "$CTR_ROOT/names/us")/shim.pid")
	wait_for sh -c "! grep -qs '^State:[[:space:]]*[^Z]' /proc/$shim/status" || fail "the supervisor runs on"
	assert_equal "$(ctr inspect us | jq -c '[.exit_code, .restart_count]')" '[137,0]'
	ctr rm us >/dev/null
}

@test "start: links the container left in its rootfs (/etc/hosts, /etc/resolv.conf, /etc) are not followed by the host's writes" {
	target=$BATS_TEST_TMPDIR/host-file
	echo precious >"$target"
	mkdir "$BATS_TEST_TMPDIR/host-dir"
	# absolute links: seen from the host, in the container's rootfs, they name the host's files
	run ctr run --name evil busybox sh -c "rm -f /etc/hosts /etc/resolv.conf; ln -s '$target' /etc/hosts; ln -s '$target' /etc/resolv.conf"
	assert_success
	run ctr start -a evil
	assert_success
	assert_equal "$(cat "$target")" precious
	run ctr run --name evil2 busybox sh -c "[ -L /etc ] || { mv /etc /etc.old && /bin/ln -s '$BATS_TEST_TMPDIR/host-dir' /etc; }"
	assert_success
	run ctr start -a evil2
	assert_success
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/host-dir")" ] || fail "written: $(ls -A "$BATS_TEST_TMPDIR/host-dir")"
	ctr rm evil evil2 >/dev/null
}

@test "start: a volume whose host path a container turned into a symlink since is refused, not followed; nothing is left" {
	shared=$BATS_TEST_TMPDIR/shared
	mkdir -p "$shared/sub"
	ctr run --name a -v "$shared/sub:/v" busybox true
	id=$(cat "$CTR_ROOT/names/a")
	ctr run --name b -v "$shared:/w" busybox sh -c 'rm -rf /w/sub && ln -s / /w/sub'
	[ -L "$shared/sub" ]
	run ctr start a
	assert_equal "$status" 125
	assert_output --partial symlink
	wait_for test -e "$CTR_ROOT/containers/$id/released"
	state_is a exited
	assert_released "$id"
	run ctr start -a a
	assert_equal "$status" 125
	assert_output --partial symlink
	wait_for test -e "$CTR_ROOT/containers/$id/released"
	assert_released "$id"
	ctr rm a b >/dev/null
}

@test "ctr-shim --restart on a plain program: on-failure:N, the restart file, the cancel file (SIGTERM wakes the back-off), bad values" {
	shim=${CTR_LIBEXEC:-$TOP/build}/ctr-shim d=$BATS_TEST_TMPDIR/s
	mkdir "$d"
	run "$shim" --restart on-failure:2 --restart-file "$d/r1" --exit-file "$d/x1" --log "$d/l1" -- sh -c 'echo run; exit 3'
	assert_failure 3
	assert_output run # the first run's, in the foreground; the others go to the log only
	wait_for grep -qx '2 exited' "$d/r1" || fail "$(cat "$d/r1")"
	[ "$(grep -c ' run$' "$d/l1")" -eq 3 ]
	assert_equal "$(cut -d' ' -f1 "$d/x1")" 3
	"$shim" -d --shim-pid-file "$d/pid" --restart always --restart-file "$d/r2" --restart-cancel "$d/stop" \
		--exit-file "$d/x2" -- true
	for i in $(seq 20); do [ "$(cut -d' ' -f1 "$d/r2")" -ge 4 ] && break; sleep 0.25; done
	wait_for grep -q ' restarting$' "$d/r2"
	: >"$d/stop"
	kill -TERM "$(cat "$d/pid")"
	wait_for grep -q ' exited$' "$d/r2" || fail "$(cat "$d/r2")"
	wait_for sh -c "! grep -qs '^State:[[:space:]]*[^Z]' /proc/$(cat "$d/pid")/status" || fail "the shim runs on"
	for v in bogus on-failure: on-failure:x on-failure:-1 always:1; do
		run "$shim" --restart "$v" true
		assert_equal "$status" 125
		assert_output --partial -- "--restart: no, always, unless-stopped or on-failure[:N]"
	done
	run "$shim" --restart-cancel "$d/c" true
	assert_equal "$status" 125
	assert_output --partial "require --restart"
	run "$shim" --ready-fd 5 true
	assert_equal "$status" 125
}
