#!/usr/bin/env bats
# test/oci/podman.bats - Debian's podman 4.3 runs its containers on build/ctr-oci (issue 12).
# Nothing is mocked: podman, conmon and netavark are the real ones, each test does what a
# user would do and checks what a user would check by hand.
#
# podman's state is this file's own: containers.conf and storage.conf (graphroot and runroot
# under BATS_FILE_TMPDIR, the vfs driver: no storage mount), a network of its own (bridge
# ${P}br, a random /24 of 10.250.0.0/16), every container's cgroup under /$P. Two things of
# rootful podman 4.3 cannot be moved by configuration: netavark's IPAM database lives in
# /run/containers/networks, and conmon runs `podman container cleanup` without
# CONTAINERS_CONF (it reads /etc/containers/containers.conf). So every podman command runs
# in a mount namespace of this file's own (a holder process keeps it), where /run and
# /dev/shm are empty tmpfs and /etc/containers, /var/lib/containers are binds of this file's
# directories: nothing of podman's reaches the host's /run, /etc or /var, and the container
# mounts, network namespace files and ctr-oci's state (/run/ctr-oci) die with the namespace.
# teardown_file removes the containers, then kills whatever is left in the cgroups or the
# namespace, the bridge, the network's iptables rules, netavark's global chains when this
# file made them, and the cgroups, pass or fail.

bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load ../wait
load ../tmux
WAIT_FOR_SECONDS=10

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
OCI="$TOP/build/ctr-oci"
IMAGE=localhost/ctr-busybox

# setup_file: a reason in PODMAN_SKIP when podman cannot run here (bats 1.8's skip in
# setup_file fails the file: each test skips in setup instead).
setup_file() {
	local r ok
	export PODMAN_SKIP=
	if ! command -v podman >/dev/null; then
		PODMAN_SKIP="podman is not installed (helpers/deps.sh installs it)"
	elif [ ! -x /usr/lib/podman/netavark ]; then
		PODMAN_SKIP="netavark is not installed (helpers/deps.sh installs it)"
	elif [ ! -d /etc/containers ]; then
		PODMAN_SKIP="/etc/containers is missing (containers-common)"
	fi
	[ -z "$PODMAN_SKIP" ] || return 0
	r=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	export P="podt$r" D="$BATS_FILE_TMPDIR"
	export SUBNET="10.250.$((0x${r:0:2})).0/24" GATEWAY="10.250.$((0x${r:0:2})).1"
	export PORT=$((20000 + 0x${r:2:4} % 20000))
	iptables -t nat -n -L NETAVARK-HOSTPORT-DNAT >/dev/null 2>&1 && ok=1 || ok=0
	echo "$ok" >"$D/netavark-chains-before"
	podman_config
	holder_start
	tar -C "$TOP/build/rootfs/busybox" -cf "$D/busybox.tar" .
	pm import "$D/busybox.tar" "$IMAGE" >/dev/null 2>&1 || {
		pm import "$D/busybox.tar" "$IMAGE" >&3 2>&1
		false
	}
}

teardown_file() {
	podman_cleanup
}

setup() {
	[ -z "$PODMAN_SKIP" ] || skip "$PODMAN_SKIP"
	TS=$D/tmux.sock # the terminal test's tmux server
}

teardown() {
	[ -n "${HOLDER:-}" ] || return 0
	tmux -S "$TS" kill-server 2>/dev/null
	pm rm -af -t 0 >/dev/null 2>&1
	return 0
}

# podman_config: containers.conf, storage.conf, registries.conf, policy.json in $D/etc (bound
# on /etc/containers in the namespace) and the network's definition in $D/networks.
podman_config() {
	mkdir -p "$D/etc" "$D/varlib" "$D/networks"
	cat >"$D/etc/containers.conf" <<-EOF
		[containers]
		# rootful podman asks for nofile and nproc limits above this host's hard limits
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		[network]
		network_backend = "netavark"
		network_config_dir = "$D/networks"
		default_network = "${P}net"
		default_subnet = "$SUBNET"
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		lock_type = "file"
		tmp_dir = "$D/tmp"
		image_copy_tmp_dir = "storage"
		runtime = "ctr-oci"
		[engine.runtimes]
		ctr-oci = ["$OCI"]
	EOF
	cat >"$D/etc/storage.conf" <<-EOF
		[storage]
		driver = "vfs"
		graphroot = "$D/graph"
		runroot = "$D/run"
	EOF
	: >"$D/etc/registries.conf"
	echo '{"default": [{"type": "insecureAcceptAnything"}]}' >"$D/etc/policy.json"
	# podman 4.3 has no --interface-name: the bridge is named in the network's own file
	jq -n --arg n "${P}net" --arg br "${P}br" --arg s "$SUBNET" --arg g "$GATEWAY" \
		--arg id "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" \
		'{name: $n, id: $id, driver: "bridge", network_interface: $br,
		  created: "2026-01-01T00:00:00Z", subnets: [{subnet: $s, gateway: $g}],
		  ipv6_enabled: false, internal: false, dns_enabled: false,
		  ipam_options: {driver: "host-local"}}' >"$D/networks/${P}net.json"
	export CONTAINERS_CONF="$D/etc/containers.conf" CONTAINERS_STORAGE_CONF="$D/etc/storage.conf"
	export CONTAINERS_REGISTRIES_CONF="$D/etc/registries.conf"
}

# holder_start: the mount namespace every podman command of this file runs in, kept by a
# sleep whose pid is $D/holder.pid (it holds no fd of bats').
holder_start() {
	local i
	# shellcheck disable=SC2016 # expanded by the holder's sh
	(
		exec </dev/null >/dev/null 2>&1 3>&-
		exec unshare -m --propagation private sh -c '
			mount -t tmpfs -o mode=755 tmpfs /run &&
			mount -t tmpfs -o mode=1777 tmpfs /dev/shm &&
			mount --bind "$1/etc" /etc/containers &&
			{ [ ! -d /var/lib/containers ] || mount --bind "$1/varlib" /var/lib/containers; } &&
			: >"$1/holder.ready" && exec sleep infinity' - "$D"
	) &
	echo "$!" >"$D/holder.pid"
	for i in $(seq 100); do
		[ -e "$D/holder.ready" ] && break
		sleep 0.05
	done
	[ -e "$D/holder.ready" ] || fail "the mount namespace for podman was not set up"
	export HOLDER
	HOLDER=$(cat "$D/holder.pid")
	readlink "/proc/$HOLDER/ns/mnt" >"$D/holder.mntns"
}

# pm ARGS: podman in the file's mount namespace, with its configuration, in $D: conmon
# inherits podman's working directory and writes its "oom" file there.
pm() { nsenter -t "$HOLDER" -m --wd="$D" -- podman "$@"; }
# prun ARGS: podman run, the container's cgroup under /$P.
prun() { pm run --cgroup-parent "/$P" "$@"; }
# in_ns CMD: a host command in the file's mount namespace (ctr-oci's state is there).
in_ns() { nsenter -t "$HOLDER" -m --wd="$D" -- "$@"; }

# podman_cleanup: everything setup_file and the tests made, whatever state they left.
podman_cleanup() {
	local pid cg mntns f
	[ -n "${P:-}" ] || return 0
	HOLDER=$(cat "$D/holder.pid" 2>/dev/null)
	if [ -n "$HOLDER" ] && kill -0 "$HOLDER" 2>/dev/null; then
		timeout 60 nsenter -t "$HOLDER" -m -- podman rm -af -t 0 >/dev/null 2>&1
	fi
	# what is left in the cgroups (conmon, containers) or in the namespace (a cleanup, the holder)
	mntns=$(cat "$D/holder.mntns" 2>/dev/null)
	for f in /sys/fs/cgroup/*/"$P" /sys/fs/cgroup/"$P"; do
		[ -d "$f" ] && find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	done
	if [ -n "$mntns" ]; then
		for f in /proc/[0-9]*/ns/mnt; do
			[ "$(readlink "$f" 2>/dev/null)" = "$mntns" ] || continue
			pid=${f#/proc/}
			kill -KILL "${pid%%/*}" 2>/dev/null
		done
	fi
	for cg in /sys/fs/cgroup/*/"$P" /sys/fs/cgroup/"$P"; do
		[ -d "$cg" ] || continue
		for _ in $(seq 50); do
			find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
			[ -d "$cg" ] || break
			sleep 0.1
		done
	done
	for f in $(ip -o link show master "${P}br" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		ip link del "$f" 2>/dev/null
	done
	ip link del "${P}br" 2>/dev/null
	netavark_sweep
	return 0
}

# netavark_sweep: the network's iptables rules and chains (netavark names them after the
# first 13 hex digits of sha512(network name)), then netavark's global chains if this file
# made them and no other network uses them.
netavark_sweep() {
	local h t rule c
	h=$(printf '%s' "${P}net" | sha512sum | cut -c1-13 | tr a-f A-F)
	for t in nat filter; do
		iptables -t "$t" -S 2>/dev/null | grep -E -- "^-A .*(${SUBNET%/*}|NETAVARK-(DN-)?$h|name: ${P}net )" |
			while IFS= read -r rule; do
				eval "iptables -t $t -D ${rule#-A }" 2>/dev/null
			done
		for c in "NETAVARK-DN-$h" "NETAVARK-$h"; do
			iptables -t "$t" -F "$c" 2>/dev/null && iptables -t "$t" -X "$c" 2>/dev/null
		done
	done
	[ "$(cat "$D/netavark-chains-before" 2>/dev/null)" = 0 ] || return 0
	[ -z "$(iptables -t nat -S NETAVARK-HOSTPORT-DNAT 2>/dev/null | grep '^-A')" ] || return 0
	[ -z "$(iptables -t filter -S NETAVARK_FORWARD 2>/dev/null | grep '^-A')" ] || return 0
	iptables -t filter -D FORWARD -m comment --comment "netavark firewall plugin rules" -j NETAVARK_FORWARD 2>/dev/null
	iptables -t filter -X NETAVARK_FORWARD 2>/dev/null
	iptables -t nat -D PREROUTING -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT 2>/dev/null
	iptables -t nat -D OUTPUT -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT 2>/dev/null
	iptables -t nat -D POSTROUTING -j NETAVARK-HOSTPORT-MASQ 2>/dev/null
	for c in NETAVARK-HOSTPORT-DNAT NETAVARK-HOSTPORT-MASQ NETAVARK-HOSTPORT-SETMARK; do
		iptables -t nat -F "$c" 2>/dev/null && iptables -t nat -X "$c" 2>/dev/null
	done
	return 0
}

# cgroup layout: v2 (one hierarchy) or v1/hybrid (a directory per controller)
cgroup_v2() { [ -f /sys/fs/cgroup/cgroup.controllers ]; }
# cg_file ID V1-CONTROLLER V1-FILE V2-FILE: the path of a file of the container's cgroup
cg_file() {
	local path
	path=$(pm inspect --format '{{.State.CgroupPath}}' "$1") || return 1
	[[ $path == /"$P"/* ]] || fail "the container's cgroup $path is not under /$P"
	if cgroup_v2; then
		echo "/sys/fs/cgroup$path/$4"
	else
		echo "/sys/fs/cgroup/$2$path/$3"
	fi
}

status_is() { [ "$(pm inspect --format '{{.State.Status}}' "$1")" = "$2" ]; }
logs_have() { pm logs "$1" 2>&1 | grep -qxF -- "$2"; }

@test "podman info: ctr-oci is the runtime, cgroupfs, netavark, this file's own storage" {
	run pm info --format json
	assert_success
	[ "$(echo "$output" | jq -r .host.ociRuntime.path)" = "$OCI" ]
	[ "$(echo "$output" | jq -r .host.ociRuntime.name)" = ctr-oci ]
	[ "$(echo "$output" | jq -r .host.cgroupManager)" = cgroupfs ]
	[ "$(echo "$output" | jq -r .host.networkBackend)" = netavark ]
	[ "$(echo "$output" | jq -r .host.security.rootless)" = false ]
	[ "$(echo "$output" | jq -r .store.graphRoot)" = "$D/graph" ]
	[ "$(echo "$output" | jq -r .store.graphDriverName)" = vfs ]
	run pm images --format '{{.Repository}}'
	assert_output "$IMAGE"
}

@test "podman run --rm: stdout, stderr and the exit code; the container is removed" {
	run --separate-stderr prun --rm --name "${P}rm" "$IMAGE" sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = out ]
	[ "$stderr" = err ]
	run prun --rm "$IMAGE" true
	assert_success
	run pm ps -aq
	assert_output ""
}

@test "podman run -d: ctr-oci runs it (its state agrees with podman); logs; exec with exit code, env, user, stdin" {
	id=$(prun -d --name "${P}d" "$IMAGE" sh -c 'echo started; exec sleep 1000')
	wait_for logs_have "$id" started || fail "no log: $(pm logs "$id" 2>&1)"
	pid=$(pm inspect --format '{{.State.Pid}}' "$id")
	[ "$(pm inspect --format '{{.OCIRuntime}}' "$id")" = ctr-oci ]
	run in_ns "$OCI" state "$id"
	assert_success
	[ "$(echo "$output" | jq -r .status)" = running ]
	[ "$(echo "$output" | jq -r .pid)" = "$pid" ]
	[ "$(cat "/proc/$pid/comm")" = sleep ]
	run pm exec "$id" sh -c 'echo in $(hostname) as $(id -u); exit 4'
	[ "$status" -eq 4 ]
	assert_output "in ${id:0:12} as 0"
	run pm exec -e FOO=bar -u 1000:1000 -w /tmp "$id" sh -c 'echo $FOO $(id -u):$(id -g) $(pwd)'
	assert_success
	assert_output "bar 1000:1000 /tmp"
	run sh -c 'echo piped | "$@"' - nsenter -t "$HOLDER" -m --wd="$D" -- podman exec -i "$id" cat
	assert_output piped
	run -127 pm exec "$id" nosuchprog
	[ "$status" -eq 127 ]
	run pm logs "$id"
	assert_output started
}

@test "podman run -it on a terminal: prompt, tty, window size and resize, Ctrl-C, exit code" {
	{
		printf 'export CONTAINERS_CONF=%q CONTAINERS_STORAGE_CONF=%q CONTAINERS_REGISTRIES_CONF=%q\n' \
			"$CONTAINERS_CONF" "$CONTAINERS_STORAGE_CONF" "$CONTAINERS_REGISTRIES_CONF"
		printf 'cd %q\n' "$D"
		printf 'nsenter -t %q -m -- podman run -it --rm --cgroup-parent %q --name %q %q sh\n' \
			"$HOLDER" "/$P" "${P}tty" "$IMAGE"
		printf 'echo "rc=$?"\nexec sleep 600\n'
	} >"$D/term.sh"
	term_open "$D/term.sh"
	prompt
	keys 'tty; stty size' Enter
	wait_for screen_has '24 80' || fail "$(screen)"
	screen_has /dev/pts/0 || fail "no terminal of the container's devpts: $(screen)"
	term_resize 100 30
	keys 'clear; stty size' Enter
	wait_for screen_has '30 100' || fail "the resize did not reach the container: $(screen)"
	pid=$(pm inspect --format '{{.State.Pid}}' "${P}tty")
	ctrl_c_interrupts "$pid"
	keys 'exit 5' Enter
	wait_for screen_has rc=5 || fail "$(screen)"
	run pm ps -aq
	assert_output ""
}

@test "podman stop: SIGTERM first (the trap's exit code), SIGKILL after -t; kill -s reaches the process" {
	a=$(prun -d "$IMAGE" sh -c 'trap "echo got USR1" USR1; trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.1; done')
	b=$(prun -d "$IMAGE" sh -c 'trap "echo ignored TERM" TERM; echo ready; while :; do sleep 0.1; done')
	wait_for logs_have "$a" ready && wait_for logs_have "$b" ready || fail "not started"
	run pm kill -s USR1 "$a"
	assert_success
	wait_for logs_have "$a" "got USR1" || fail "USR1 not delivered: $(pm logs "$a")"
	status_is "$a" running
	run pm stop -t 10 "$a"
	assert_success
	[ "$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$a")" = "exited 7" ]
	logs_have "$a" "got TERM"
	# started again: ctr-oci creates the same ID anew
	run pm start "$a"
	assert_success
	wait_for status_is "$a" running
	[ "$(in_ns "$OCI" state "$a" | jq -r .pid)" = "$(pm inspect --format '{{.State.Pid}}' "$a")" ]
	run pm stop -t 1 "$b"
	assert_success
	assert_output --partial "resorting to SIGKILL"
	[ "$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$b")" = "exited 137" ]
	logs_have "$b" "ignored TERM"
	c=$(prun -d "$IMAGE" sleep 1000)
	run pm kill -s KILL "$c"
	assert_success
	wait_for status_is "$c" exited
	[ "$(pm inspect --format '{{.State.ExitCode}}' "$c")" = 137 ]
}

@test "podman pause/unpause: the cgroup is frozen, ctr-oci says paused; thawed, exec works again" {
	id=$(prun -d "$IMAGE" sleep 1000)
	pid=$(pm inspect --format '{{.State.Pid}}' "$id")
	f=$(cg_file "$id" freezer freezer.state cgroup.freeze)
	run pm pause "$id"
	assert_success
	status_is "$id" paused
	[ "$(in_ns "$OCI" state "$id" | jq -r .status)" = paused ]
	if cgroup_v2; then [ "$(cat "$f")" = 1 ]; else [ "$(cat "$f")" = FROZEN ]; fi
	# the kernel's view: the task is frozen (v1 freezer: D or S in the refrigerator)
	run pm exec "$id" true
	assert_failure
	run pm unpause "$id"
	assert_success
	status_is "$id" running
	if cgroup_v2; then [ "$(cat "$f")" = 0 ]; else [ "$(cat "$f")" = THAWED ]; fi
	run pm exec "$id" echo thawed
	assert_output thawed
	kill -0 "$pid"
}

@test "podman top: lists the container's processes, with descriptors" {
	id=$(prun -d "$IMAGE" sh -c 'sleep 1000 & exec sleep 2000')
	wait_for sh -c '[ "$(nsenter -t "$1" -m -- podman top "$2" args | grep -c sleep)" = 2 ]' - "$HOLDER" "$id" ||
		fail "$(pm top "$id")"
	run pm top "$id" pid user args
	assert_success
	assert_line --regexp '^1 +root +sleep 2000 *$'
	assert_line --regexp '^[0-9]+ +root +sleep 1000 *$'
}

@test "podman rm -f: the running container is killed, its process, cgroup and ctr-oci state gone" {
	id=$(prun -d "$IMAGE" sleep 1000)
	pid=$(pm inspect --format '{{.State.Pid}}' "$id")
	f=$(cg_file "$id" pids pids.max pids.max)
	[ -f "$f" ]
	run pm rm -f -t 0 "$id"
	assert_success
	! kill -0 "$pid" 2>/dev/null
	[ ! -e "${f%/*}" ]
	run in_ns "$OCI" state "$id"
	assert_failure
	assert_output --partial "does not exist"
	run pm ps -aq
	assert_output ""
}

@test "podman run -p: the published port reaches the container from the host (127.0.0.1 and the bridge); the rules go with it" {
	printf 'hello from the container\n' >"$D/index.html"
	id=$(prun -d -p "127.0.0.1:$PORT:80" -p "$((PORT + 1)):80" -v "$D/index.html:/www/index.html:ro" \
		"$IMAGE" httpd -f -p 80 -h /www)
	ip=$(pm inspect --format "{{(index .NetworkSettings.Networks \"${P}net\").IPAddress}}" "$id")
	[[ $ip == "${SUBNET%.0/24}".* ]] || fail "address $ip is not in $SUBNET"
	ip -o addr show "${P}br" | grep -qF "inet $GATEWAY/24" || fail "no bridge ${P}br with $GATEWAY"
	run pm port "$id"
	assert_line "80/tcp -> 127.0.0.1:$PORT"
	wait_for sh -c 'wget -qO- "http://127.0.0.1:$1/" >/dev/null 2>&1' - "$PORT" || fail "port $PORT does not answer"
	run wget -qO- "http://127.0.0.1:$PORT/"
	assert_output "hello from the container"
	run wget -qO- "http://$GATEWAY:$((PORT + 1))/"
	assert_output "hello from the container"
	run wget -qO- "http://$ip:80/"
	assert_output "hello from the container"
	iptables -t nat -S | grep -qF -- "--to-destination $ip:80" || fail "no DNAT rule for $ip"
	pm rm -f -t 0 "$id"
	! iptables -t nat -S | grep -qF -- "--to-destination $ip:80" || fail "the DNAT rule was left"
	! ip link show "${P}br" 2>/dev/null || fail "the bridge was left"
}

@test "podman run --memory: the kernel's limit is podman's; going over it is an OOM kill (137)" {
	run prun --rm --memory 64m "$IMAGE" memhog 16
	assert_success
	assert_line "done 16 MiB"
	id=$(prun -d --memory 32m --memory-swap 32m "$IMAGE" sh -c 'memhog 128 >/dev/null; echo memhog=$?; exec sleep 1000')
	[ "$(pm inspect --format '{{.HostConfig.Memory}}' "$id")" = 33554432 ]
	run pm stats --no-stream --format '{{.MemUsage}}' "$id"
	assert_output --partial "/ 33.55MB"
	[ "$(cat "$(cg_file "$id" memory memory.limit_in_bytes memory.max)")" = 33554432 ]
	wait_for logs_have "$id" memhog=137 || fail "memhog was not killed: $(pm logs "$id")"
	if cgroup_v2; then
		grep -Eq '^oom_kill [1-9]' "$(cg_file "$id" memory '' memory.events)"
	else
		grep -Eq '^oom_kill [1-9]' "$(cg_file "$id" memory memory.oom_control '')"
	fi
	status_is "$id" running
}

@test "podman run --pids-limit: the kernel's pids.max is podman's; fork fails at the limit" {
	id=$(prun -d --pids-limit 20 "$IMAGE" sleep 1000)
	[ "$(pm inspect --format '{{.HostConfig.PidsLimit}}' "$id")" = 20 ]
	[ "$(cat "$(cg_file "$id" pids pids.max pids.max)")" = 20 ]
	run pm exec "$id" forkbomb 100
	assert_success
	# 20 tasks: sleep, the exec'd forkbomb and 18 children
	assert_line "forked 18"
	assert_line "fork: Resource temporarily unavailable"
}

@test "podman run --user and --cap-drop ALL: the ids and the empty capability sets; root without caps cannot chown" {
	run prun --rm --user 1000:1000 "$IMAGE" sh -c 'exec 2>&1; id; grep CapEff /proc/self/status; touch /root/x'
	assert_line "uid=1000(1000) gid=1000(1000) groups=1000(1000)"
	assert_line --regexp 'CapEff:[[:space:]]+0000000000000000'
	assert_line --partial "Permission denied"
	run prun --rm "$IMAGE" chown 1 /tmp
	assert_success
	run prun --rm --cap-drop ALL "$IMAGE" sh -c 'exec 2>&1; grep -E "Cap(Eff|Prm|Bnd)" /proc/self/status; chown 1 /tmp'
	assert_failure
	assert_line --regexp 'CapEff:[[:space:]]+0000000000000000'
	assert_line --regexp 'CapPrm:[[:space:]]+0000000000000000'
	assert_line --regexp 'CapBnd:[[:space:]]+0000000000000000'
	assert_line --partial "Operation not permitted"
}

@test "podman run --read-only: / refuses writes; /tmp, /var/tmp and /run are writable tmpfs" {
	run prun --rm --read-only "$IMAGE" sh -c 'exec 2>&1; grep -E " / " /proc/mounts; touch /x || echo root-refused
		for d in /tmp /var/tmp /run; do touch $d/y && grep " $d tmpfs " /proc/mounts; done'
	assert_success
	assert_line --regexp ' / [a-z0-9]+ ro,'
	assert_line --partial "Read-only file system"
	assert_line root-refused
	assert_line --regexp '^tmpfs /tmp tmpfs rw,'
	assert_line --regexp '^tmpfs /var/tmp tmpfs rw,'
	assert_line --regexp '^tmpfs /run tmpfs rw,'
}

@test "podman run --device, --privileged, --sysctl: the host's nodes, every capability, a sysctl of the container's own network namespace" {
	run prun --rm --device /dev/zero:/dev/myzero "$IMAGE" sh -c 'stat -c "%n %F %t:%T" /dev/myzero; head -c 2 /dev/myzero | od -An -tx1'
	assert_success
	assert_line "/dev/myzero character special file 1:5"
	assert_line " 00 00"
	bnd=$(awk '$1 == "CapBnd:" {print $2}' /proc/self/status)
	run prun --rm --privileged "$IMAGE" sh -c 'exec 2>&1; grep -E "Cap(Eff|Bnd)" /proc/self/status; stat -c "%n %t:%T" /dev/full /dev/net/tun'
	assert_success
	assert_line --regexp "CapEff:[[:space:]]+$bnd"
	assert_line "/dev/full 1:7"
	[ ! -c /dev/net/tun ] || assert_line "/dev/net/tun a:c8"
	fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	run prun --rm --sysctl "net.ipv4.ip_forward=$((fwd ? 0 : 1))" --sysctl kernel.msgmax=4321 "$IMAGE" \
		cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax
	assert_success
	assert_output "$((fwd ? 0 : 1))"$'\n'4321
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$fwd" ]
}

@test "podman run -v HOST:CTR:ro: the host's file is read, a write is refused and the host's file unchanged; rw lands on the host" {
	mkdir -p "$D/vol-ro" "$D/vol-rw"
	echo host-data >"$D/vol-ro/f"
	run prun --rm -v "$D/vol-ro:/data:ro" -v "$D/vol-rw:/out" "$IMAGE" sh -c \
		'exec 2>&1; cat /data/f; echo changed >/data/f || echo refused; echo from-container >/out/g'
	assert_success
	assert_line host-data
	assert_line --partial "Read-only file system"
	assert_line refused
	[ "$(cat "$D/vol-ro/f")" = host-data ]
	[ "$(cat "$D/vol-rw/g")" = from-container ]
}

@test "podman: after rm -af nothing of the containers is left (processes, cgroups, bridge, rules, mounts, ctr-oci state)" {
	prun -d -p "127.0.0.1:$((PORT + 2)):80" "$IMAGE" httpd -f -p 80 >/dev/null
	prun -d --memory 32m "$IMAGE" sleep 1000 >/dev/null
	run pm rm -af -t 0
	assert_success
	run pm ps -aq
	assert_output ""
	run in_ns "$OCI" list -q
	assert_output ""
	# only conmon's (empty) group may stay under /$P; no process of a container
	run sh -c 'find /sys/fs/cgroup/*/"$1" -name cgroup.procs -exec cat {} + 2>/dev/null' - "$P"
	assert_output ""
	run sh -c 'ls -d /sys/fs/cgroup/*/"$1"/libpod-* 2>/dev/null' - "$P"
	assert_output ""
	! ip link show "${P}br" 2>/dev/null
	! iptables-save | grep -qF -- "${SUBNET%/*}"
	run sh -c 'findmnt -rn -o TARGET | grep -F -- "$1"' - "$D"
	assert_output ""
}
