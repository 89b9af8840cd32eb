#!/bin/sh
# rootless-verbs.sh - the rootless versions of start/restart's reading, top, info, network and
# stats (docs/rootless.md). Sourced by rootless.sh's rootless_verb for those verbs only, for a user
# other than root: after ctr.sh, cgroup.sh and net.sh (it replaces their top_of, ctr_info,
# ctr_network, stats_setup and stats_keep), before start.sh (whose start_read calls rl_start_read).
#
# Interface:
#   rl_start_read CID   (start_read's, rootless) NET_PORTS from the container's net file, pasta
#                       checked as run does, the delegated cgroup for the limits recorded
#                       (rl_cg_load): no bridge, no id range of ctr's, no default pids limit
#   top_of (top's processes), ctr_info, ctr_network, stats_setup and stats_keep (stats'
#   containers)   the verbs
# pause, unpause and update need nothing here: rootless-cgroup.sh's cg_freeze, cg_frozen, cg_update.
# shellcheck disable=SC2034,SC2153 # NET_*, CG_*: read by start.sh, net.sh and cgroup.sh's; NETC_*: net_read's

rl_start_read() {
	NET_PORTS='' NET_WANT_IP=''
	net_read "$1" || die "container $1: has no net file (remove it: ctr.sh rm $1)"
	[ "$R_NET" = none ] || rl_net_check
	[ "$R_NET" = none ] || NET_PORTS=$NETC_PORTS
	rl_cg_load
}

# top_of CID NAME [ps OPTIONS] (ctr.sh's ctr_top, rootless): no cgroup names the container's processes;
# its pid namespace does. The user owns the container's user namespace, so it may read the
# namespace links of every process in it, whatever id it runs as there (user_namespaces(7): the
# owner has every capability in it), and of no other user's. PID 1 is checked to be the
# container's first (pid_ours).
top_of() {
	_tn=$(readlink "/proc/$ST_PID/ns/pid") && pid_ours "$ST_PID" "$1" ||
		die "container $2: cannot read its pid namespace"
	shift
	_tn=${_tn#pid:?}
	# every process whose pid namespace is the container's: /proc/PID/ns/pid, PID a line for top_rows
	_tq=$(find /proc/[0-9]*/ns/pid -maxdepth 0 -lname "pid:?${_tn%?}?" 2>/dev/null)
	_tp=''
	for _l in $_tq; do
		_l=${_l#/proc/}
		_tp=$_tp${_l%%/*}$NL
	done
	top_rows /dev/fd/3 "$@" 3<<EOF
$_tp
EOF
}

# ctr_info (rootless): as root's, with what is the user's: its roots, its id mapping, the cgroup
# subtree delegated to it (or why none), its network (pasta), as `podman info` shows rootless.
ctr_info() {
	[ $# -eq 0 ] || die "usage: ctr.sh info"
	pool_ensure
	cg_version
	info_counts
	rl_subids
	# shellcheck disable=SC2154 # _rln: rl_subids' (the user's name)
	printf 'Rootless: true\n User: %s (uid %s)\n Root Dir: %s\n Runtime Dir: %s\n' "$_rln" "$CTR_UID" "$CTR_ROOT" "$CTR_RUN"
	if [ -n "$RL_IDS" ]; then
		_ig=${RL_IDS#*:}
		printf ' UID Map: 0 %s 1, 1 %s %s\n GID Map: 0 %s 1, 1 %s %s\n' "$CTR_UID" "${RL_IDS%%:*}" "${RL_IDS##*:}" \
			"$(id -g)" "${_ig%%:*}" "${RL_IDS##*:}"
	else
		printf ' UID Map: 0 %s 1 (a single id: no subordinate ids; ask root for ctr.sh rootless-setup %s)\n' "$CTR_UID" "$_rln"
	fi
	# shellcheck disable=SC2046 # block size, blocks, free blocks
	set -- $(stat -f -c '%S %b %f' "$CTR_BTRFS")
	hsize $(($1 * $2))
	_size=$HSIZE
	hsize $(($1 * ($2 - $3)))
	printf 'Storage Driver: btrfs\n Pool Dir: %s\n Pool Size: %s\n Pool Used: %s\n' "$CTR_BTRFS" "$_size" "$HSIZE"
	printf 'Cgroup Driver: cgroupfs\nCgroup Version: %s\n' "$CGV"
	if rl_cg_find; then
		read -r _cl 2>/dev/null <"$RL_CG/cgroup.controllers" || _cl=''
		printf ' Delegated: %s\n Controllers: %s\n' "$RL_CG" "$_cl"
	else
		printf ' Delegated: none: %s; no limits, pause, stats or update\n' "$RL_CG_WHY"
	fi
	printf 'Network:\n Default: pasta (user-mode; -p HOSTPORT from %s), none\n' "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)"
	if ! command -v pasta >/dev/null; then printf ' pasta: not installed (Debian: passt): --net none only\n'
	elif [ ! -r /dev/net/tun ] || [ ! -w /dev/net/tun ]; then printf ' pasta: %s; /dev/net/tun is not usable by %s: --net none only\n' "$(command -v pasta)" "$_rln"
	else printf ' pasta: %s\n' "$(command -v pasta)"
	fi
	printf 'Security Options:\n rootless\n userns\n'
	grep -qs '^Seccomp:' /proc/self/status && printf ' seccomp\n  Profile: builtin\n'
	_kv=''
	read -r _kv </proc/sys/kernel/osrelease
	printf 'Kernel Version: %s\nCPUs: %s\n' "$_kv" "$(nproc)"
}

# ctr_network (rootless): there is no bridge: ls shows each running container's network (pasta, a
# pasta of its own, or none); rm has nothing to remove.
ctr_network() {
	[ $# -eq 1 ] || die "usage: ctr.sh network ls|rm"
	case $1 in
	ls) ;;
	rm) die "network rm: rootless, there is no bridge to remove (each container has a pasta of its own, ended with it)" ;;
	*) die "usage: ctr.sh network ls|rm" ;;
	esac
	pool_ensure
	_np=0 _nn=0
	for _d in "$CTR_ROOT"/containers/*/net; do
		[ -f "$_d" ] || continue
		_d=${_d%/net}
		ctr_state "${_d##*/}"
		[ "$ST" = running ] && net_read "${_d##*/}" || continue
		if [ "$NETC_MODE" = none ]; then _nn=$((_nn + 1)); else _np=$((_np + 1)); fi
	done
	printf '%-8s  %-6s  %s\n' NETWORK DRIVER CONTAINERS pasta pasta "$_np" none null "$_nn"
}

# stats_setup, stats_keep CID [all] (cgroup.sh's ctr_stats, rootless): the containers that have a
# cgroup (run with a limit), read as v2's whatever the host's mounts; a rootless container without
# a group has nothing to show: said, not a row of zeros.
stats_setup() { CGV_cpuacct=2 CGV_memory=2; }
stats_keep() {
	[ "${2:-}" = all ] || { rl_cg_need "$1" stats; return; }
	rl_cg_need "$1" stats 2>/dev/null && return 0
	[ -n "${RL_STATS_SAID:-}" ] || printf 'ctr: stats: rootless, running containers without a cgroup are not shown (one is made when a container runs with a limit, in a delegated cgroup v2 subtree)\n' >&2
	RL_STATS_SAID=1
	return 1
}
