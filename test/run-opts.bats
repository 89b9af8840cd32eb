#!/usr/bin/env bats
# run --env-file and --label-file (docker's env-file format) and --label: what reaches the
# container and its config, the attacks a file could try, and bad input refused with nothing made.

load helper

# nothing_made: no container, no name, no netns of this root
nothing_made() {
	[ -z "$(ctr ps -aq)" ] || fail "a container was made: $(ctr ps -a)"
	[ -z "$(ls -A "$CTR_ROOT/names" 2>/dev/null)" ] || fail "a name was taken"
	! ip netns list | grep -q "^$CTR_PREFIX-" || fail "a netns was made"
}

@test "run --env-file: K=V lines, comments, blanks, leading blanks, CRLF, BOM; K alone is the caller's; -e wins" {
	printf '\357\273\277FIRST=1\n# a comment\n\n   SPACED=a b  \nQUOTED="q"\nCRLF=x\r\nFROMCALLER\nGONE\nOVER=file\nEMPTY=\nLAST=no-newline' >"$BATS_TEST_TMPDIR/env"
	FROMCALLER='caller value' run ctr run --rm --net none -e OVER=flag --env-file "$BATS_TEST_TMPDIR/env" busybox \
		sh -c 'for v in FIRST SPACED QUOTED CRLF FROMCALLER GONE OVER EMPTY LAST; do
			eval "printf \"%s=[%s]\n\" \"\$v\" \"\${$v-unset}\""; done'
	assert_success
	assert_output "FIRST=[1]
SPACED=[a b  ]
QUOTED=[\"q\"]
CRLF=[x]
FROMCALLER=[caller value]
GONE=[unset]
OVER=[flag]
EMPTY=[]
LAST=[no-newline]"
}

@test "run --env-file: a caller's value with a newline stays one variable; a file's line is one entry" {
	printf 'X\nY=1\\nINJECTED=2\n' >"$BATS_TEST_TMPDIR/env"
	X="$(printf 'a\nEVIL=1')" run ctr run --rm --net none --env-file "$BATS_TEST_TMPDIR/env" busybox \
		sh -c 'echo "EVIL=${EVIL-unset} INJECTED=${INJECTED-unset}"; printf "%s|" "$X" "$Y"'
	assert_success
	assert_output "EVIL=unset INJECTED=unset
a
EVIL=1|1\\nINJECTED=2|"
}

@test "run --env-file: a bad file is an error 125 and nothing is made" {
	f=$BATS_TEST_TMPDIR/env
	run ctr run --env-file "$BATS_TEST_TMPDIR/nosuch" busybox true
	assert_failure 125
	assert_output --partial "not a readable file"
	run ctr run --env-file "$BATS_TEST_TMPDIR" busybox true
	assert_failure 125
	printf 'OK=1\nBAD NAME=2\n' >"$f"
	run ctr run --env-file "$f" busybox true
	assert_failure 125
	assert_output "ctr: --env-file $f: line 2: 'BAD NAME' contains whitespace"
	printf '=nokey\n' >"$f"
	run ctr run --env-file "$f" busybox true
	assert_failure 125
	assert_output "ctr: --env-file $f: line 1: no variable name"
	printf 'A=1\nB=\377\n' >"$f"
	run ctr run --env-file "$f" busybox true
	assert_failure 125
	assert_output "ctr: --env-file $f: line 2: invalid UTF-8"
	run ctr run --env-file busybox true
	assert_failure 125
	nothing_made
}

@test "env-file attack: --env-file, --label-file in a container's volume: its symlinks to host files are not followed" {
	# a host file of secrets the container must never see, and a directory the container writes (a
	# volume of a container that exists): it plants links there, where the user keeps app.env
	secret=$BATS_TEST_TMPDIR/other/.env shared=$BATS_TEST_TMPDIR/shared
	mkdir -p "${secret%/*}" "$shared"
	printf 'DB_PASSWORD=hunter2\n' >"$secret"
	chmod 600 "$secret"
	printf 'APP=1\n' >"$shared/app.env"
	ctr run --name app --net none -v "$shared:/app" busybox \
		sh -c "ln -sfn $secret /app/app.env && ln -sfn ${secret%/*} /app/conf && mkfifo /app/fifo.env"
	for o in --env-file --label-file; do
		run ctr run --rm --net none "$o" "$shared/app.env" busybox env
		assert_failure 125
		assert_output "ctr: $o $shared/app.env: $shared/app.env is a symlink in $shared, which a container can write: not followed (give the real path)"
		# a directory of the path (the link in the middle)
		run ctr run --rm --net none "$o" "$shared/conf/.env" busybox env
		assert_failure 125
		assert_output "ctr: $o $shared/conf/.env: $shared/conf is a symlink in $shared, which a container can write: not followed (give the real path)"
	done
	# a FIFO: refused, not waited on
	run timeout 60 "$CTR" run --rm --net none --env-file "$shared/fifo.env" busybox true
	assert_failure 125
	assert_output "ctr: --env-file $shared/fifo.env: not a readable file"
	[ "$(ctr ps -aq)" = "$(ctr ps -aq --filter name=app)" ] || fail "a container was made: $(ctr ps -a)"
	# the caller's own fds: a process substitution, stdin
	run ctr run --rm --net none --env-file <(echo P=1) busybox sh -c 'echo "$P"'
	assert_output 1
	run ctr run --rm --net none --label-file /dev/stdin busybox true <<<'l=1'
	assert_success
	# the user's own link elsewhere, relative to the working directory, is followed
	ln -s "$secret" "$BATS_TEST_TMPDIR/mine.env"
	cd "$BATS_TEST_TMPDIR"
	run ctr run --rm --net none --env-file mine.env busybox sh -c 'echo "$DB_PASSWORD"'
	assert_success
	assert_output hunter2
}

@test "env-file attack: a directory of FILE's path swapped for a symlink after the check: not read" {
	secret=$BATS_TEST_TMPDIR/other shared=$BATS_TEST_TMPDIR/shared
	mkdir -p "$secret" "$shared/d"
	printf 'DB_PASSWORD=hunter2\n' >"$secret/app.env"
	printf 'APP=1\n' >"$shared/d/app.env"
	CTR_TEST_KILL_AT=run:envfile:stop "$CTR" run --rm --net none --env-file "$shared/d/app.env" busybox env \
		>"$BATS_TEST_TMPDIR/out" 2>&1 &
	front=$!
	wait_for stopped "$front" || { kill -KILL "$front"; fail "run never stopped at envfile"; }
	# as a container that writes $shared would: d becomes a link to the secrets' directory
	mv "$shared/d" "$shared/d.old"
	ln -s "$secret" "$shared/d"
	kill -CONT "$front"
	st=0
	wait "$front" || st=$?
	run cat "$BATS_TEST_TMPDIR/out"
	[ "$st" = 125 ] || fail "status $st: $output"
	assert_output "ctr: --env-file $shared/d/app.env: it changed while it was opened (a symlink in its path?): not read"
	nothing_made
}

@test "run --label and --label-file: the later wins, K alone is empty, the image's are kept; ps and inspect show them" {
	printf '# labels\nfrom=file\nshared=file\nflag\n' >"$BATS_TEST_TMPDIR/labels"
	ctr run -d --name l -l shared=flag --label-file "$BATS_TEST_TMPDIR/labels" --label=eq=a=b busybox sleep 100
	run ctr inspect l
	jq -e '.Config.Labels == {from: "file", shared: "flag", flag: "", eq: "a=b"}' <<<"$output"
	run ctr ps --format '{{.Labels}}'
	assert_output 'eq=a=b,flag=,from=file,shared=flag'
	# an image's labels (a commit keeps the container's) come first
	ctr commit l lab:1
	ctr run --name l2 -l shared=second lab:1 true
	[ "$(ctr inspect l2 | jq -cS .Config.Labels)" = '{"eq":"a=b","flag":"","from":"file","shared":"second"}' ]
	ctr rm -f l l2
}

@test "run --label: an empty name, a blank in the name or a newline is an error 125 and nothing is made" {
	for l in '' =v ' x=1' 'a b=1'; do
		run ctr run --rm -l "$l" busybox true
		assert_failure 125
		assert_output --partial "invalid label"
	done
	run ctr run --rm --label "$(printf 'a=1\nb=2')" busybox true
	assert_failure 125
	assert_output "ctr: --label: the value contains a newline"
	printf 'ok=1\nb c=2\n' >"$BATS_TEST_TMPDIR/labels"
	run ctr run --label-file "$BATS_TEST_TMPDIR/labels" busybox true
	assert_failure 125
	assert_output "ctr: --label-file $BATS_TEST_TMPDIR/labels: line 2: 'b c' contains whitespace"
	nothing_made
}

@test "run --add-host, --dns, --dns-search, --dns-option: /etc/hosts and resolv.conf, kept by start; inspect's HostConfig" {
	ctr run -d --name d --add-host foo:1.2.3.4 --add-host=six=[2001:db8::1] --add-host gw:host-gateway \
		--dns 192.0.2.53 --dns 2001:db8::53 --dns-search a.example --dns-search b.example. --dns-option ndots:2 \
		--dns-opt rotate busybox sleep 100
	gw=$(ctr inspect d | jq -r .network.gateway)
	[ -n "$gw" ] && [ "$gw" != null ]
	want_hosts=$(printf '1.2.3.4\tfoo\n2001:db8::1\tsix\n%s\tgw\n' "$gw")
	want_resolv='nameserver 192.0.2.53
nameserver 2001:db8::53
search a.example b.example
options ndots:2 rotate'
	for round in run start; do
		run ctr exec d sh -c 'sed -n 3,5p /etc/hosts; grep -v "^#" /etc/resolv.conf'
		assert_success
		assert_output "$want_hosts
$want_resolv"
		# the container's own name follows the extra ones, as docker's
		run ctr exec d sh -c 'tail -n 1 /etc/hosts'
		assert_output --regexp "^10\\.[0-9.]+	$(ctr inspect d | jq -r .id)\$"
		ctr stop -t 0 d
		ctr start d
	done
	run ctr inspect d
	jq -e '.HostConfig | {ExtraHosts, Dns, DnsSearch, DnsOptions} == {ExtraHosts: ["foo:1.2.3.4", "six:2001:db8::1", "gw:host-gateway"],
		Dns: ["192.0.2.53", "2001:db8::53"], DnsSearch: ["a.example", "b.example"], DnsOptions: ["ndots:2", "rotate"]}' <<<"$output"
	ctr rm -f d
	# none: the extra hosts; host: appended to the host's /etc/hosts, host-gateway is the host's loopback
	run ctr run --rm --net none --add-host foo:1.2.3.4 --dns-search . busybox sh -c 'grep foo /etc/hosts; grep -c search /etc/resolv.conf'
	assert_output "$(printf '1.2.3.4\tfoo')
0"
	run ctr run --rm --net host --add-host gw:host-gateway --dns 192.0.2.1 busybox sh -c 'grep -w gw /etc/hosts; grep nameserver /etc/resolv.conf'
	assert_output "$(printf '127.0.0.1\tgw')
nameserver 192.0.2.1"
	# no option: docker's default names, no extra line
	run ctr run --rm --net none busybox cat /etc/hosts
	refute_output --partial foo
}

@test "run --add-host, --dns, --dns-search, --dns-option, --stop-*, --cidfile: bad values are an error 125 and nothing is made" {
	while IFS='|' read -r opt val why; do
		run ctr run --rm "$opt" "$val" busybox true
		assert_failure 125
		assert_output "ctr: $opt $val: $why"
	done <<'BAD'
--add-host|foo|expected NAME:IP (or NAME:host-gateway)
--add-host|foo:1.2.3|1.2.3 is not an IPv4 or IPv6 address
--add-host|foo:1.2.3.04|1.2.3.04 is not an IPv4 or IPv6 address
--add-host|foo:1::2::3|1::2::3 is not an IPv4 or IPv6 address
--add-host|:1.2.3.4|the name must start with a letter or digit
--add-host|a b:1.2.3.4|the name may only have [A-Za-z0-9_.-]
--add-host|a/../b:1.2.3.4|the name may only have [A-Za-z0-9_.-]
--dns|8.8.8|8.8.8 is not an IPv4 or IPv6 address
--dns|1.2.3.4 options|1.2.3.4 options is not an IPv4 or IPv6 address
--dns-search|-x.example|a domain starts with a letter or digit
--dns-search|a..b|not a domain name ([A-Za-z0-9_-] labels joined by dots)
--dns-search|a/b|not a domain name ([A-Za-z0-9_-] labels joined by dots)
--dns-option|a b|not a resolver option (e.g. ndots:2, timeout:1, rotate)
--stop-signal|SIGNOPE|not a signal (a name such as SIGINT, or 1-64)
--stop-signal|65|not a signal (a name such as SIGINT, or 1-64)
--stop-timeout|1.5|not a number of seconds
--stop-timeout|-1|ctr has no endless stop: give a number of seconds
BAD
	for opt in --add-host --dns --dns-search --dns-option --stop-signal --cidfile; do
		run ctr run --rm "$opt" "$(printf 'a:1.2.3.4\nb')" busybox true
		assert_failure 125
		assert_output "ctr: $opt: the value contains a newline"
	done
	run ctr run --rm --net none --add-host gw:host-gateway busybox true
	assert_failure 125
	assert_output "ctr: --add-host NAME:host-gateway: --net none has no way to the host"
	: >"$BATS_TEST_TMPDIR/cid"
	ln -s "$BATS_TEST_TMPDIR/target" "$BATS_TEST_TMPDIR/link"
	for f in "$BATS_TEST_TMPDIR/cid" "$BATS_TEST_TMPDIR/link"; do
		run ctr run --rm --cidfile "$f" busybox true
		assert_failure 125
		assert_output "ctr: --cidfile $f: the file exists (a container may own it): remove it first"
	done
	[ ! -e "$BATS_TEST_TMPDIR/target" ] && [ ! -s "$BATS_TEST_TMPDIR/cid" ]
	nothing_made
}

# logged CONTAINER TEXT: the container's log has TEXT
logged() { ctr logs "$1" | grep -q "$2"; }

@test "run --stop-signal, --stop-timeout: stop and restart send the signal and wait that long; stop -t wins; inspect shows them" {
	ctr run -d --name s --stop-signal usr1 --stop-timeout 1 busybox sh -c \
		'trap "echo got USR1" USR1; trap "" TERM; echo up; while :; do sleep 0.1; done'
	wait_for logged s up
	start=$(date +%s%N)
	ctr stop s
	took=$((($(date +%s%N) - start) / 1000000))
	# USR1 caught, then SIGKILL after 1 s (not docker's default 10 s, not at once)
	[ "$took" -ge 900 ] && [ "$took" -lt 5000 ] || fail "stop took $took ms"
	run ctr logs s
	assert_output --partial "got USR1"
	[ "$(ctr inspect s | jq .exit_code)" = 137 ]
	run ctr inspect s
	jq -e '.Config.StopSignal == "SIGUSR1" and .Config.StopTimeout == 1' <<<"$output"
	# restart: the same signal and timeout; stop -t 0 overrides the timeout
	ctr start s
	wait_for logged s up
	start=$(date +%s%N)
	ctr restart s
	took=$((($(date +%s%N) - start) / 1000000))
	[ "$took" -ge 900 ] && [ "$took" -lt 5000 ] || fail "restart took $took ms"
	start=$(date +%s%N)
	ctr stop -t 0 s
	took=$((($(date +%s%N) - start) / 1000000))
	[ "$took" -lt 900 ] || fail "stop -t 0 took $took ms"
	# the image's STOPSIGNAL when none is given (docker's), --stop-signal over it
	mkdir "$BATS_TEST_TMPDIR/ctx"
	printf 'FROM busybox\nSTOPSIGNAL SIGUSR2\n' >"$BATS_TEST_TMPDIR/ctx/Dockerfile"
	ctr build -q -t stopsig:1 "$BATS_TEST_TMPDIR/ctx"
	ctr run -d --name i stopsig:1 sh -c 'trap "exit 12" USR2; trap "exit 15" TERM; trap "exit 2" INT; while :; do sleep 0.1; done'
	ctr run -d --name j --stop-signal INT stopsig:1 sh -c 'trap "exit 12" USR2; trap "exit 2" INT; while :; do sleep 0.1; done'
	sleep 0.3
	ctr stop i j
	[ "$(ctr inspect i | jq -c '[.Config.StopSignal, .exit_code]')" = '["SIGUSR2",12]' ]
	[ "$(ctr inspect j | jq -c '[.Config.StopSignal, .exit_code]')" = '["SIGINT",2]' ]
	# a number; the default is SIGTERM
	ctr run -d --name n --stop-signal 2 busybox sh -c 'trap "echo got INT; exit 7" INT; while :; do sleep 0.1; done'
	ctr stop n
	[ "$(ctr inspect n | jq .exit_code)" = 7 ]
	ctr rm -f s n i j
}

@test "run --cidfile: the ID, no newline, made with the container (create too); kept after it is removed" {
	f=$BATS_TEST_TMPDIR/cid
	ctr run --rm --cidfile "$f" busybox true
	[ "$(wc -l <"$f")" = 0 ] && [ "$(wc -c <"$f")" = 12 ]
	grep -qx '[0-9a-f]\{12\}' "$f"
	rm "$f"
	id=$(ctr create --name c --cidfile "$f" busybox true)
	[ "$(cat "$f")" = "$id" ]
	run ctr create --cidfile "$f" busybox true
	assert_failure 125
	[ "$(ctr ps -aq | wc -l)" = 1 ]
	ctr rm c
	# a run that fails once the file is written removes it with the container
	run ctr run -d --net none --cidfile "$BATS_TEST_TMPDIR/cid2" busybox /no/such/command
	assert_failure 125
	[ ! -e "$BATS_TEST_TMPDIR/cid2" ]
	[ -z "$(ctr ps -aq)" ]
}

@test "run --sysctl: net.* in its netns, the ipc namespace's (kernel.shm*, sem, fs.mqueue.*) in its own; the host's untouched; kept by start" {
	host_shmmax=$(cat /proc/sys/kernel/shmmax) host_mq=$(cat /proc/sys/fs/mqueue/msg_max)
	ctr create --name s --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shmmax=12345678 \
		--sysctl 'kernel.sem=250 32000 32 128' --sysctl fs.mqueue.msg_max=20 --sysctl kernel.shmmax=23456789 \
		--sysctl net.ipv4.ip_unprivileged_port_start=500 busybox \
		sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/kernel/sem /proc/sys/fs/mqueue/msg_max /proc/sys/net/ipv4/ip_unprivileged_port_start'
	want="1
23456789
250	32000	32	128
20
500"
	for round in 1 2; do
		run ctr start -a s
		assert_success
		assert_output "$want"
	done
	[ "$(cat /proc/sys/kernel/shmmax)" = "$host_shmmax" ] && [ "$(cat /proc/sys/fs/mqueue/msg_max)" = "$host_mq" ]
	run ctr inspect s
	jq -e '.HostConfig.Sysctls == {"net.ipv4.ip_forward": "1", "kernel.shmmax": "23456789", "kernel.sem": "250 32000 32 128",
		"fs.mqueue.msg_max": "20", "net.ipv4.ip_unprivileged_port_start": "500"}' <<<"$output"
	# the ipc ones with --net host and in a user namespace too; docker's defaults stay without --sysctl
	run ctr run --rm --net host --sysctl kernel.shmmni=100 busybox cat /proc/sys/kernel/shmmni
	assert_output 100
	run ctr run --rm --net none --userns --sysctl kernel.shmmni=100 --sysctl net.ipv4.ip_forward=1 busybox \
		cat /proc/sys/kernel/shmmni /proc/sys/net/ipv4/ip_forward
	assert_output "100
1"
	run ctr run --rm --net none busybox cat /proc/sys/net/ipv4/ip_unprivileged_port_start
	assert_output 0
	ctr rm s
}

@test "run --sysctl, --shm-size: bad keys and values are an error 125 and nothing is made; a sysctl the kernel lacks fails the run" {
	for kv in kernel.hostname=x vm.swappiness=1 kernel.core_pattern=/x net.=1 'net..ipv4.x=1' 'net.ipv4/../../kernel/x=1' \
		'fs.mqueue.x/y=1' net.ipv4.ip_forward 'net.ipv4.ip_forward=' 'net.ipv4.ip_forward=1"' 'net.ipv4.ip_forward=1\' \
		"$(printf 'net.ipv4.ip_forward=1\nkernel.x=2')"; do
		run ctr run --rm --sysctl "$kv" busybox true
		assert_failure 125
		assert_output --regexp '^ctr: --sysctl'
	done
	run ctr run --rm --sysctl kernel.hostname=x busybox true
	assert_output "ctr: --sysctl kernel.hostname=x: kernel.hostname is not a sysctl of the container's own namespaces (net.*, fs.mqueue.*, kernel.msgmax, msgmnb, msgmni, sem, shmall, shmmax, shmmni, shm_rmid_forced)"
	run ctr run --rm --net host --sysctl net.ipv4.ip_forward=1 busybox true
	assert_failure 125
	assert_output "ctr: --sysctl net.*: not with --net host (the host's network namespace is not the container's)"
	for s in 0 -1 x 1q; do
		run ctr run --rm --shm-size "$s" busybox true
		assert_failure 125
		assert_output --regexp "^ctr: --shm-size $s: "
	done
	nothing_made
	run ctr run -d --sysctl net.ipv4.no_such_sysctl=1 busybox true
	assert_failure 125
	assert_output --partial "sysctl net.ipv4.no_such_sysctl: No such file or directory"
	nothing_made
}

@test "run --shm-size: the size of /dev/shm (the /dev tmpfs it is a directory of), kept by start; 64m by default; inspect's ShmSize" {
	ctr create --name m --shm-size 96m busybox sh -c 'df -k /dev/shm | tail -n 1'
	for round in 1 2; do
		run ctr start -a m
		assert_success
		assert_output --regexp '^tmpfs +98304 '
	done
	[ "$(ctr inspect m | jq .HostConfig.ShmSize)" = 100663296 ]
	# filled past it: ENOSPC
	run ctr run --rm --shm-size 1m busybox sh -c 'dd if=/dev/zero of=/dev/shm/f bs=64k count=32 2>&1; ls -l /dev/shm/f'
	assert_output --partial "No space left on device"
	run ctr run --rm --net none busybox sh -c 'df -k /dev/shm | tail -n 1'
	assert_output --regexp '^tmpfs +65536 '
	ctr rm m
}

@test "run --cpuset-cpus, --cpuset-mems: the CPUs and memory nodes its processes may use, kept by start and update; inspect; the group goes with it" {
	cpus=$(cat /sys/fs/cgroup/cpuset/cpuset.effective_cpus 2>/dev/null || cat /sys/fs/cgroup/cpuset.cpus.effective)
	[ "$cpus" != 0 ] || skip "one CPU: nothing to choose from"
	last=${cpus##*[,-]}
	ctr create --name p --cpuset-cpus "$last" --cpuset-mems 0 busybox sh -c 'grep -e Cpus_allowed_list -e Mems_allowed_list /proc/self/status'
	for round in 1 2; do
		run ctr start -a p
		assert_success
		assert_output "$(printf 'Cpus_allowed_list:\t%s\nMems_allowed_list:\t0' "$last")"
	done
	run ctr inspect p
	jq -e --arg c "$last" '.HostConfig.CpusetCpus == $c and .HostConfig.CpusetMems == "0"' <<<"$output"
	ctr update --memory 64m p
	[ "$(ctr inspect p | jq -r .HostConfig.CpusetCpus)" = "$last" ]
	# an exec joins it too
	ctr run -d --name q --cpuset-cpus "$last" busybox sleep 100
	run ctr exec q grep Cpus_allowed_list /proc/self/status
	assert_output "$(printf 'Cpus_allowed_list:\t%s' "$last")"
	id=$(ctr inspect q | jq -r .id)
	d=$(awk '$3 == "cgroup" && $4 ~ /(^|,)cpuset(,|$)/ { print $2; exit }' /proc/self/mounts)
	[ -z "$d" ] || [ -d "$d/$CTR_PREFIX/$id" ]
	ctr rm -f p q
	[ -z "$d" ] || [ ! -d "$d/$CTR_PREFIX/$id" ]
	# without them: every CPU, no cpuset group
	run ctr run --rm busybox grep Cpus_allowed_list /proc/self/status
	assert_output "$(printf 'Cpus_allowed_list:\t%s' "$cpus")"
	[ -z "$d" ] || [ -z "$(find "$d/$CTR_PREFIX" -mindepth 1 -type d 2>/dev/null)" ]
}

@test "run --cpuset-cpus, --cpuset-mems: a list the host lacks or a bad one is an error 125 and nothing is made" {
	while IFS='|' read -r opt val why; do
		run ctr run --rm "$opt" "$val" busybox true
		assert_failure 125
		assert_output --regexp "^ctr: $opt $val: $why"
	done <<'BAD'
--cpuset-cpus|65535|not available here
--cpuset-cpus|0-65536|a range goes up
--cpuset-cpus|3-1|a range goes up
--cpuset-cpus|x|not a list
--cpuset-cpus|0,,1|not a list
--cpuset-cpus|0-1,|not a list
--cpuset-cpus|-1|not a list
--cpuset-mems|4096|not available here
--cpuset-mems|0 1|not a list
BAD
	run ctr run --rm --cpuset-cpus "$(printf '0\n1')" busybox true
	assert_failure 125
	assert_output "ctr: --cpuset-cpus: the value contains a newline"
	nothing_made
}

@test "run --device: the host's node bound under /dev, the devices cgroup allowing its permissions; kept by start; inspect; bad values refused" {
	dev=/dev/loop-control
	[ -c "$dev" ] || dev=/dev/fuse
	[ -c "$dev" ] || skip "no /dev/loop-control or /dev/fuse"
	probe=': </dev/d/x && echo read; : >/dev/d/x && echo write'
	# without it: a bind of the node (-v) is nodev, and the devices group denies it anyway
	run ctr run --rm -v "$dev:/dev/d/x" busybox sh -c "$probe"
	refute_output --partial read
	run ctr run --rm --device "$dev:/dev/d/x" busybox sh -c "$probe"
	assert_output "read
write"
	ctr create --name r --device "$dev:/dev/d/x:r" busybox sh -c "$probe"
	for round in 1 2; do
		run ctr start -a r
		assert_output --partial read
		refute_output --partial write
		assert_output --partial "Operation not permitted"
	done
	run ctr inspect r
	jq -e --arg d "$dev" '.HostConfig.Devices == [{PathOnHost: $d, PathInContainer: "/dev/d/x", CgroupPermissions: "r"}]' <<<"$output"
	ctr rm r
	# the host's path as the container's when none is given
	run ctr run --rm --device "$dev" busybox sh -c ": <$dev && echo read"
	assert_output read
	while IFS='|' read -r val why; do
		run ctr run --rm --device "$val" busybox true
		assert_failure 125
		assert_output "ctr: --device $val: $why"
	done <<BAD
$BATS_TEST_TMPDIR|$BATS_TEST_TMPDIR is not a device node of the host
/dev/no-such-device|/dev/no-such-device is not a device node of the host
dev/null|the host's path must be absolute
/dev/null:/etc/null|the container's path must be under /dev
/dev/null:/dev/../etc/x|/dev/../etc/x is not a plain path
/dev/null:/dev/a:rwx|permissions are r, w and m (e.g. rwm)
/dev/null:/dev/a:r:w|expected HOST[:CONTAINER[:PERMISSIONS]]
BAD
	run ctr run --rm --device /dev/null:/dev/a --device /dev/zero:/dev/a busybox true
	assert_output "ctr: --device /dev/zero:/dev/a: /dev/a is given twice"
	nothing_made
}
