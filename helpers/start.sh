#!/bin/sh
# start.sh - the verbs start and restart, and the check of run --restart. Sourced by ctr.sh for
# start and restart, and by run when --restart is given (docs/design.md, "start" and "Restart
# policies").
#
# Interface used by ctr.sh:
#   restart_validate   run --restart (R_RESTART, with R_RM): docker's grammar; R_RESTART becomes the
#                      policy ctr-shim takes ('' for no). Dies before anything is made.
#   ctr_start, ctr_restart   the verbs
#
# start runs an exited container again, as docker's start does: the same rootfs (what the
# container wrote is kept), and what config.json recorded at run: command, env, workdir, user,
# hostname, security options, volumes, --init, limits (.resources), log size, restart policy; its
# name; and its OCI config (oci-config.json, what nsenter-chroot --config runs). What its exit action released is made anew: a netns and veth with its last address when
# that is still free (else another) and its published ports, cgroups with its limits, the devices
# group, a user-namespace range (config.json records the new one). Then the supervisor runs it as
# run does (run_exec: detached, or in the foreground with -a).
# The order is run's: the allocations under ctr.sh's lock, the setup outside it, the container's
# run.lock held until its supervisor runs (cleanup leaves it alone meanwhile). `released` goes
# before anything is made, so a start SIGKILLed at any step leaves objects that `cleanup`
# releases (no `released`, no live supervisor, a free run.lock: the exit action); one that fails
# releases them itself (start_undo) and keeps the last exit code.
#
# Test hook: CTR_TEST_KILL_AT=release|config|cgroup|reset (and net.sh's steps): start SIGKILLs
# itself there; start:unlocked:stop: it SIGSTOPs itself once it leaves the lock (rm_kill_at).
#
# Restart policies are not carried out here but by the supervisor (ctr-shim --restart,
# helpers/lib/shim-restart.c); ctr.sh's stop, kill and rm -f end them (policy_cancel).

# restart_validate: R_RESTART is no | always | unless-stopped | on-failure[:N] (N: a count of
# retries, 0 or none: no maximum), as docker's --restart; not with --rm (docker refuses it too: a
# --rm container is removed when it exits).
restart_validate() {
	one_line --restart "$R_RESTART"
	case $R_RESTART in
	no) R_RESTART='' ;;
	always | unless-stopped | on-failure) ;;
	on-failure:*)
		_rn=${R_RESTART#on-failure:}
		case $_rn in '' | *[!0-9]*) die "--restart $R_RESTART: the maximum retry count must be a number (on-failure:N)" ;; esac
		while :; do case $_rn in 0?*) _rn=${_rn#0} ;; *) break ;; esac; done
		[ ${#_rn} -le 9 ] || die "--restart $R_RESTART: the maximum retry count is at most 999999999"
		R_RESTART=on-failure:$_rn ;;
	no:* | always:* | unless-stopped:*) die "--restart $R_RESTART: a maximum retry count is for on-failure only" ;;
	*) die "--restart $R_RESTART: unknown policy (no, always, unless-stopped, on-failure[:N])" ;;
	esac
	[ -z "$R_RESTART" ] || [ -z "${R_RM:-}" ] ||
		die "--restart $R_RESTART and --rm: conflicting options (a --rm container is removed when it exits)"
}

#HELP start [-a] [-i] CONTAINER... start stopped containers again (-a: attach, its exit code; -i: and stdin)
ctr_start() {
	_sa='' _si=''
	while [ $# -gt 0 ]; do
		case $1 in
		-a | --attach) _sa=1 ;;
		-i | --interactive) _si=1 ;;
		-ai | -ia) _sa=1 _si=1 ;;
		--) shift; break ;;
		-?*) die "start: unknown option $1" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -ge 1 ] || die "usage: ctr.sh start [-a] [-i] CONTAINER..."
	[ -z "$_si" ] || _sa=1 # docker's start -i attaches the output too
	[ -z "$_sa" ] || [ $# -eq 1 ] || die "start -a: one container at a time"
	pool_ensure
	if [ $# -eq 1 ]; then
		_id=$(ctr_resolve "$1") || exit 125
		start_one "$_id" "$1" ${_sa:+attach "$_si"} # attach: exits with the container's code
		return
	fi
	start_each '' "$@"
}

# start_each SECS|default|'' CONTAINER...: `restart -t SECS` (default: restart, its own timeout; '':
# start) of each container in a ctr.sh of its own (its traps, locks and variables end with it: a
# failure does not stop the others, as docker's); 125 if one failed.
start_each() {
	_st=$1 _rc=0
	shift
	for _c; do
		if [ "$_st" = default ]; then
			"$CTR_HOME/${0##*/}" restart -- "$_c" || _rc=125
		elif [ -n "$_st" ]; then
			"$CTR_HOME/${0##*/}" restart -t "$_st" -- "$_c" || _rc=125
		else
			"$CTR_HOME/${0##*/}" start -- "$_c" || _rc=125
		fi
	done
	return "$_rc"
}

#HELP restart [-t SECS] CONTAINER...  stop (its stop signal, SIGKILL after SECS: default its --stop-timeout, else 10), then start
ctr_restart() {
	_t='' _tset=''
	while [ $# -gt 0 ]; do
		case $1 in
		-t | --time) need_arg "$@"; _t=$2 _tset=1; shift ;;
		--time=*) _t=${1#*=} _tset=1 ;;
		--) shift; break ;;
		-?*) die "restart: unknown option $1" ;;
		*) break ;;
		esac
		shift
	done
	[ -z "$_tset" ] || case $_t in '' | *[!0-9]*) die "restart: -t $_t: not a number of seconds" ;; esac
	[ $# -ge 1 ] || die "usage: ctr.sh restart [-t SECS] CONTAINER..."
	pool_ensure
	if [ $# -gt 1 ]; then
		start_each "${_t:-default}" "$@"
		return
	fi
	_id=$(ctr_resolve "$1") || exit 125
	container_stop "$_id" "$_t"
	start_one "$_id" "$1"
}

# start_one CID ARG [attach [STDIN]]: start the container CID (named ARG by the user) unless it
# runs: print ARG; attach: in the foreground (STDIN: with its input), exit with its code.
start_one() {
	CID=$1 C=$CTR_ROOT/containers/$1 START_EXIT='' START_ARG=$2 START_ATT=${3:-} START_IN=${4:-}
	tree_of containers "$1"
	# shellcheck disable=SC2034 # R_TREE: the container's rootfs in the pool, read by run_exec
	R_TREE=$TREE
	start_settled "$1"
	# run.lock first (held by a run or a start of it), then the lock: never the other way round.
	# Opened as it is: a container being removed must not get one back (its rm -rf would fail);
	# one of a ctr that made none gets one, under the lock (no removal is then under way).
	if ! { command exec 7<"$C/run.lock"; } 2>/dev/null; then
		lock
		[ -f "$C/config.json" ] || die "container $2: no such container"
		exec 7>"$C/run.lock" || die "$C/run.lock: cannot make"
		unlock
	fi
	flock 7 || die "$C/run.lock: cannot lock"
	lock
	# what it is now that no run makes it: removed meanwhile, or left half-made by a killed run
	[ -d "$C" ] || die "container $2: no such container"
	[ -f "$C/config.json" ] || die "container $2: has no config.json (remove it: ctr.sh rm $2)"
	[ -f "$C/oci-config.json" ] || die "container $2: has no oci-config.json (made by an older ctr: run it again)"
	# its pid, for cleanup (run_lock_free): a start that is killed is told from one at work
	printf '%s\n' "$$" 2>/dev/null >"$C/run.lock"
	ctr_state "$1"
	if [ "$ST" = running ] || [ "$ST" = restarting ]; then
		unlock
		exec 7>&-
		# docker's start -a of a running container attaches to it
		[ -z "$START_ATT" ] || [ "$ST" != running ] || ctr_attach "$1"
		printf '%s\n' "$2"
		return 0
	fi
	! shim_alive "$1" || die "container $2: its last run is still being cleaned up; try again"
	trap 'start_undo' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	# what the last run holds if its exit action never ran (its supervisor was killed)
	[ -e "$C/released" ] || container_exited "$1" || die "container $2: cannot release what its last run holds"
	# from here a start killed at any step is undone by cleanup (the exit action)
	rm -f "$C/released" || die "$C/released: cannot remove"
	start_kill_at release
	[ ! -f "$C/exit" ] || read -r START_EXIT <"$C/exit"
	start_read "$1"
	net_alloc "$1"
	sec_alloc "$1"
	unlock
	rm_kill_at unlocked
	net_setup "$1" "$R_NET" || die "network: setup failed"
	cg_setup "$1" ${SEC_DEVCG_NEW:+"$SEC_DEVCG_NEW"} || die "cgroup: setup failed"
	start_kill_at cgroup
	start_config
	start_kill_at config
	# the last run's record goes only now (ps, inspect and wait read it until the new one runs);
	# the pid file is emptied, not removed: run_exec waits for the new pid, and cleanup takes a
	# container with neither pid nor exit file for one that never ran, and removes it
	rm -f "$C/exit" "$C/oom_killed" "$C/stopped" "$C/restart" "$C/died" "$C/removing" && : >"$C/pid" || die "$C: cannot reset its state"
	start_kill_at reset
	# shellcheck disable=SC2034 # R_DETACH: read by run_exec
	if [ -n "$START_ATT" ]; then
		[ -n "$START_IN" ] || R_I=''
		R_DETACH=''
		run_exec # exits with the container's code
	fi
	# shellcheck disable=SC2034 # read by run_exec
	R_DETACH=1
	(run_exec) >/dev/null || exit 125
	trap - EXIT INT TERM HUP
	printf '%s\n' "$START_ARG"
}

# start_kill_at STEP: the test hook (see the top). Only called from the main shell.
start_kill_at() {
	[ "${CTR_TEST_KILL_AT:-}" != "$1" ] || kill -KILL $$
}

# start_settled CID: a supervisor still finishing the container's last run (its exit action,
# which takes ctr.sh's lock, at most 30 s) is waited for, outside the lock.
start_settled() {
	_ssn=1750
	while [ "$_ssn" -gt 0 ] && shim_alive "$1"; do
		ctr_state "$1"
		[ "$ST" = exited ] || return 0 # running or restarting: start_one says so
		sleep 0.02
		_ssn=$((_ssn - 1))
	done
}

# START_JQ: start's first jq: shell words for eval, what config.json recorded at run that the
# allocations and the setup need. (Containers run before a field was recorded get run's default.)
# shellcheck disable=SC2016 # jq's $, not the shell's
START_JQ='def flag: if . then 1 else "" end; def v: if . == null then "" else . end;
	@sh "R_NET=\(.network.mode // "bridge") R_HOST=\(.hostname | v) R_T=\(.tty | flag)",
	@sh "R_I=\(.interactive | flag) R_RM=\(.rm | flag) R_INIT=\(.init | flag) LOG_MAX=\(.log.max_size // 0)",
	@sh "SEC_USERNS=\(if .security.userns then "auto" else "" end) SEC_PRIV=\(.security.privileged | flag)",
	@sh "CG_MEM=\(.resources.memory | v) CG_SWAP=\(.resources.memory_swap | v)",
	@sh "CG_CPUSET_CPUS=\(.resources.cpuset_cpus | v) CG_CPUSET_MEMS=\(.resources.cpuset_mems | v)",
	@sh "CG_QUOTA=\(.resources.nano_cpus | if . == null then "" else . / 10000 | floor end) CG_SHARES=\(.resources.cpu_shares | v) CG_PIDS=\(.resources.pids_limit | v)",
	@sh "R_ADDHOSTS=\(.extra_hosts // [] | join(" ")) R_DNS=\(.dns // [] | join(" "))",
	@sh "R_DNSSEARCH=\(.dns_search // [] | join(" ")) R_DNSOPT=\(.dns_options // [] | join(" "))",
	@sh "R_RESTART=\(.restart_policy // {} | if (.name // "no") == "no" then ""
		elif .name == "on-failure" and (.maximum_retry_count // 0) > 0 then "on-failure:\(.maximum_retry_count)"
		else .name end)"'

# start_read CID: R_*, CG_*, SEC_USERNS, SEC_PRIV from config.json (one jq); NET_PORTS and
# NET_WANT_IP (the last address) from the net file; the checks run does before it allocates.
start_read() {
	# shellcheck disable=SC2034 # R_HOST, R_T, R_I, R_RM, R_INIT, LOG_MAX: read by run_exec and net_etc
	_sj=$(jq -r "$START_JQ" "$C/config.json") || die "container $1: cannot read its config.json"
	eval "$_sj"
	case $R_NET in bridge | none | host) ;; *) die "container $1: config.json: network mode '$R_NET'" ;; esac
	# rootless: pasta or none, the user's delegated cgroup (helpers/rootless-verbs.sh)
	[ -z "$CTR_ROOTLESS" ] || { rl_start_read "$1"; return; }
	[ -n "$CG_PIDS" ] || CG_PIDS=$CG_PIDS_DEFAULT
	need cgcreate cgroup-tools
	cg_detect
	[ -z "$SEC_USERNS" ] || sec_userns_params
	NET_PORTS='' NET_WANT_IP=''
	[ "$R_NET" = bridge ] || return 0
	need nft nftables
	net_subnet
	net_check_bridge
	net_read "$1"
	# shellcheck disable=SC2034,SC2153 # read by net_alloc, net_claim_ip; NETC_*: set by net_read
	NET_PORTS=$NETC_PORTS NET_WANT_IP=$NETC_IP
}

# START_CONFIG_JQ: start's second jq, once the allocations and the setup are made: config.json
# with the new user-namespace range and devices group, then the container's OCI config
# (oci-config.json, $o) with that range in its id maps and the /etc binds of this start (a full
# pool's, net.sh's NET_ETCDIR; the last start's, marked x-ctr.etc, go). Its cgroupsPath, netns
# path and device rules name the same groups and netns every start (the netns: /proc/self/fd/6, the
# fd that the supervisor holds; a config of an older ctr named /run/netns/<prefix>-<cid>).
# shellcheck disable=SC2016
START_CONFIG_JQ=$NET_ETC_JQ'(if $ENV.SEC_RANGE == "" then null else ($ENV.SEC_RANGE | tonumber) as $r
		| {uid: $r, gid: $r, count: ($ENV.SEC_USERNS_SIZE | tonumber)} end) as $u
	| .security.userns = $u
	| .security.device_cgroup = (if $ENV.SEC_DEVCG == "" then null else $ENV.SEC_DEVCG end)
	| tojson, ($o[0] | .mounts = (.mounts | map(select(.options // [] | index("x-ctr.etc") | not))) + net_etc_binds
	  | if .linux.namespaces then .linux.namespaces |= map(if .type == "network" and (.path // "" | startswith("/run/netns/"))
	    then .path = "/proc/self/fd/6" else . end) else . end
	  | if $u then .linux.uidMappings = [{containerID: 0, hostID: $u.uid, size: $u.count}]
	    | .linux.gidMappings = [{containerID: 0, hostID: $u.gid, size: $u.count}] else . end | tojson)'

# start_config: write config.json and oci-config.json (each whole or not at all).
start_config() {
	export SEC_RANGE SEC_USERNS_SIZE SEC_DEVCG NET_ETCDIR
	_sc=$("$CTR_JQ" -r --slurpfile o "$C/oci-config.json" "$START_CONFIG_JQ" "$C/config.json") ||
		die "container $CID: cannot update its config.json"
	nl_split "$_sc"
	[ "$NL_N" -eq 2 ] || die "container $CID: cannot update its config.json ($CTR_JQ gave $NL_N lines)"
	printf '%s\n' "$NL_1" 2>/dev/null >"$C/config.json.tmp" && mv "$C/config.json.tmp" "$C/config.json" ||
		die "$C/config.json: cannot write (is the pool full?)"
	printf '%s\n' "$NL_2" 2>/dev/null >"$C/oci-config.json.tmp" && mv "$C/oci-config.json.tmp" "$C/oci-config.json" ||
		die "$C/oci-config.json: cannot write (is the pool full?)"
}

# start_undo: a start that failed gives back what it took (the exit action's release, under the
# lock) and leaves the container as it was: exited, with its last exit code.
start_undo() {
	_rc=$?
	trap - EXIT INT TERM HUP
	if [ -d "$C" ] && lock && [ -d "$C" ]; then
		container_exited "$CID" >/dev/null 2>&1
		[ -e "$C/exit" ] || [ -z "$START_EXIT" ] || printf '%s\n' "$START_EXIT" 2>/dev/null >"$C/exit"
	fi
	exit "$_rc"
}
