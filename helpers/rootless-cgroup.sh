#!/bin/sh
# rootless-cgroup.sh - limits of a rootless container (-m, --memory-swap, --cpus, --cpu-shares,
# --pids-limit) in a cgroup v2 subtree delegated to the user (systemd's user@UID.service, or one
# root chowned to it). Sourced by helpers/rootless.sh for a user other than root; it replaces
# cgroup.sh's cg_* functions and reuses cgroup.sh's checks (cg_validate_memory, cg_validate_cpu,
# cg_int) and writers (cg_limits, cg_set) on the delegated tree, which is plain v2.
#
# Interface (as cgroup.sh's, see there):
#   rl_cg_validate     (rootless.sh's cg_validate) no limit flag: no cgroup at all (run as fast as without); a limit flag: the
#                      delegated subtree (rl_cg_find) or a clear error, never a limit ignored
#   cg_setup CID       DELEG/$CTR_PREFIX/CID made (controllers enabled on the way), limits written,
#                      CG_DIRS = that directory (nsenter-chroot's --cgroup: the parent moves the
#                      child there before it runs a step), recorded in the container's `cgroup` file
#   cg_dirs CID, cg_teardown CID, cg_cleanup, cg_oom_killed CID, cg_frozen CID, cg_freeze CID 1|0,
#   cg_path, cg_read, cg_update CID  from that record (pause, stats, update: the container's group)
#   rl_cg_load         (start's) the limits recorded at run need the delegated subtree again
# Where: CTR_ROOTLESS_CGROUP names the delegated directory; else the nearest ancestor of this
# process's cgroup (/proc/self/cgroup) that the user owns, on a cgroup2 file system, whose
# cgroup.controllers has the controllers asked for. Its new groups are the user's: the kernel's
# delegation rules (cgroup-v2.rst "Delegation Containment") keep them inside that subtree.
# Test hook: CTR_TEST_CGROUP2FS=1 takes any directory for a cgroup2 one (test/rootless.bats checks
# what this file writes on a host without cgroup v2).
# shellcheck disable=SC2034,SC2153 # CG_*, CGV_*: read by cgroup.sh's functions; R_*: run's options

RL_CG='' # the delegated directory, once found

# rl_cg_find CONTROLLER...: RL_CG = the delegated directory that has every CONTROLLER, or fail with
# RL_CG_WHY.
rl_cg_find() {
	RL_CG='' RL_CG_WHY=''
	_rcd=${CTR_ROOTLESS_CGROUP:-}
	if [ -z "$_rcd" ]; then
		[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] ||
			{ RL_CG_WHY="this host has cgroup v1 (or hybrid): none here"; return 1; }
		_rcp=''
		while IFS=: read -r _rcn _rcc _rcx; do
			[ "$_rcn" != 0 ] || [ -n "$_rcc" ] || _rcp=$_rcx
		done </proc/self/cgroup
		[ -n "$_rcp" ] || { RL_CG_WHY="no cgroup v2 hierarchy here (this host: cgroup v1 or hybrid)"; return 1; }
		_rcd=/sys/fs/cgroup$_rcp
		while [ "$_rcd" != /sys/fs/cgroup ] && [ ! -O "$_rcd" ]; do _rcd=${_rcd%/*}; done
		[ -O "$_rcd" ] || { RL_CG_WHY="no cgroup of yours above $_rcp (nothing delegated: run under systemd --user, e.g. systemd-run --user --scope, or set CTR_ROOTLESS_CGROUP)"; return 1; }
		# go up while the parent is ours too: the top of the delegated subtree
		while [ "${_rcd%/*}" != /sys/fs/cgroup ] && [ -O "${_rcd%/*}" ]; do _rcd=${_rcd%/*}; done
	fi
	[ "${CTR_TEST_CGROUP2FS:-}" = 1 ] || [ "$(stat -f -c %T "$_rcd" 2>/dev/null)" = cgroup2fs ] ||
		{ RL_CG_WHY="$_rcd: not a cgroup v2 directory (this host: cgroup v1 or hybrid)"; return 1; }
	[ -O "$_rcd" ] && [ -w "$_rcd/cgroup.subtree_control" ] ||
		{ RL_CG_WHY="$_rcd: not delegated to you"; return 1; }
	read -r _rcl 2>/dev/null <"$_rcd/cgroup.controllers" || _rcl=''
	for _rcn; do
		case " $_rcl " in *" $_rcn "*) ;; *) RL_CG_WHY="$_rcd: the $_rcn controller is not delegated (cgroup.controllers: $_rcl)"; return 1 ;; esac
	done
	RL_CG=$_rcd
}

# rl_cg_validate: cgroup.sh's checks, on the delegated tree, when a limit is asked for.
rl_cg_validate() {
	CG_MEM='' CG_SWAP='' CG_QUOTA='' CG_SHARES='' CG_PIDS=''
	export CG_MEM CG_SWAP CG_QUOTA CG_SHARES CG_PIDS
	_rco='' _rcw=''
	for _rcf in "-m:$R_MEM:memory" "--memory-swap:$R_SWAP:memory" "--cpus:$R_CPUS:cpu" "--cpu-shares:$R_SHARES:cpu" \
		"--pids-limit:$R_PIDS:pids"; do
		_rcv=${_rcf#*:}
		[ -z "${_rcv%:*}" ] || { _rco=${_rco:-${_rcf%%:*}}; _rcw="$_rcw ${_rcf##*:}"; }
	done
	[ -n "$_rco" ] || return 0
	# shellcheck disable=SC2086 # the controllers, one word each
	rl_cg_find $_rcw || die "$_rco: rootless, limits need a cgroup v2 subtree delegated to the user: $RL_CG_WHY"
	CG_memory=$RL_CG CG_cpu=$RL_CG CG_pids=$RL_CG CGV_memory=2 CGV_cpu=2 CG_MODE=v2
	cg_validate_memory
	cg_validate_cpu
	if [ -n "$R_PIDS" ]; then
		CG_PIDS=$(cg_int --pids-limit "$R_PIDS" -1 "$CG_PIDS_MAX") || exit 125
		[ "$CG_PIDS" -gt 0 ] || CG_PIDS=-1
	fi
}

# cg_setup CID (rootless): the container's group under the delegated directory, when cg_validate
# found one; its path recorded first (teardown finds it from another process: the exit action).
cg_setup() {
	CG_DIRS=''
	[ -n "$RL_CG" ] || return 0
	printf '%s\n' "$RL_CG" >"$CTR_ROOT/containers/$1/cgroup" || die "$CTR_ROOT/containers/$1/cgroup: cannot write"
	mkdir -p "$RL_CG/$CTR_PREFIX/$1" || die "cgroup: cannot create $RL_CG/$CTR_PREFIX/$1"
	for _rcd in "$RL_CG" "$RL_CG/$CTR_PREFIX"; do
		rl_cg_enable "$_rcd"
	done
	[ -n "$CG_PIDS" ] || CG_pids=''
	# the test hook's plain directory: the file the kernel would have made
	[ "${CTR_TEST_CGROUP2FS:-}" != 1 ] || : >"$RL_CG/$CTR_PREFIX/$1/cgroup.procs"
	cg_limits "$1"
	CG_DIRS=$RL_CG/$CTR_PREFIX/$1
}

# rl_cg_enable DIR: the controllers asked for enabled for DIR's children (v2: a parent hands them
# down through cgroup.subtree_control; DIR must hold no process itself, the kernel's rule).
rl_cg_enable() {
	for _rcn in $_rcw; do
		read -r _rcl 2>/dev/null <"$1/cgroup.subtree_control" || _rcl=''
		case " $_rcl " in *" $_rcn "*) continue ;; esac
		printf '+%s\n' "$_rcn" 2>/dev/null >"$1/cgroup.subtree_control" ||
			die "cgroup: cannot enable $_rcn in $1 (does it hold processes of its own? run from a scope below it)"
	done
}

# rl_cg_dir CID: RL_CGD = the container's group directory from its record ('' when none).
rl_cg_dir() {
	RL_CGD=''
	read -r RL_CGD 2>/dev/null <"$CTR_ROOT/containers/$1/cgroup" || RL_CGD=''
	[ -z "$RL_CGD" ] || RL_CGD=$RL_CGD/$CTR_PREFIX/$1
}

cg_dirs() { rl_cg_dir "$1"; CG_DIRS=$RL_CGD; }

# cg_teardown CID: what is left in the group killed, the group removed (idempotent).
cg_teardown() {
	rl_cg_dir "$1"
	[ -n "$RL_CGD" ] && [ -d "$RL_CGD" ] || return 0
	if [ "${CTR_TEST_CGROUP2FS:-}" = 1 ]; then
		rm -f "$RL_CGD"/* # the test hook's plain files: nothing to kill
	else
		cg_kill "$RL_CGD"
	fi
	rmdir "$RL_CGD" 2>/dev/null || [ ! -d "$RL_CGD" ]
}

# cg_oom_killed CID: true when memory.events counted an OOM kill.
cg_oom_killed() {
	rl_cg_dir "$1"
	_rck=0
	[ -z "$RL_CGD" ] || while read -r _rcl _rcv; do
		[ "$_rcl" != oom_kill ] || _rck=$_rcv
	done 2>/dev/null <"$RL_CGD/memory.events"
	case $_rck in '' | *[!0-9]*) _rck=0 ;; esac
	[ "$_rck" -gt 0 ] && echo true || echo false
}

# rl_cg_load (start's, helpers/start.sh): the limits recorded (CG_*, start_read's) need the
# delegated subtree again, found as run's (rl_cg_validate); none recorded: no cgroup.
rl_cg_load() {
	RL_CG='' _rcw=''
	[ -z "$CG_MEM$CG_SWAP" ] || _rcw=memory
	[ -z "$CG_QUOTA$CG_SHARES" ] || _rcw="$_rcw cpu"
	[ -z "$CG_PIDS" ] || _rcw="$_rcw pids"
	[ -n "$_rcw" ] || return 0
	# shellcheck disable=SC2086 # the controllers, one word each
	rl_cg_find $_rcw || die "container $CID: rootless, its limits need a cgroup v2 subtree delegated to the user: $RL_CG_WHY"
	CG_memory=$RL_CG CG_cpu=$RL_CG CG_pids=$RL_CG CGV_memory=2 CGV_cpu=2 CG_MODE=v2
}

# rl_cg_need CID VERB: RL_CGD = the container's group, or die: a rootless container has one only
# when it was run (or started) with a limit in a delegated subtree (pause, stats, update need it).
rl_cg_need() {
	rl_cg_dir "$1"
	[ -n "$RL_CGD" ] && [ -d "$RL_CGD" ] && return 0
	printf 'ctr: %s: rootless, container %s has no cgroup (one is made when it runs with a limit, in a cgroup v2 subtree delegated to the user; docs/rootless.md "Limits")\n' "$2" "$1" >&2
	return 1
}

# cg_freeze CID 1|0 (rootless): cgroup v2's cgroup.freeze of the container's group, then wait
# until its cgroup.events says frozen (or thawed), as cgroup.sh's. The test hook's plain files:
# the events the kernel would write.
cg_freeze() {
	rl_cg_need "$1" pause || return 1
	printf '%s\n' "$2" 2>/dev/null >"$RL_CGD/cgroup.freeze" || return 1
	[ "${CTR_TEST_CGROUP2FS:-}" != 1 ] || printf 'populated 1\nfrozen %s\n' "$2" >"$RL_CGD/cgroup.events"
	cg_freeze_wait "$1" "$2" "$RL_CGD"
}

# cg_frozen CID (rootless): its group's cgroup.events says "frozen 1" (no group: never). No fork.
cg_frozen() {
	rl_cg_dir "$1"
	[ -n "$RL_CGD" ] || return 1
	while read -r _rck _rcl; do
		[ "$_rck" != frozen ] || { [ "$_rcl" = 1 ]; return; }
	done 2>/dev/null <"$RL_CGD/cgroup.events"
	return 1
}

# cg_path CONTROLLER CID [FILE], cg_read CONTROLLER CID FILE (rootless): the container's one group
# (v2: every controller's), from its record.
cg_path() {
	rl_cg_dir "$2"
	[ -n "$RL_CGD" ] || return 1
	printf '%s%s' "$RL_CGD" "${3:+/$3}"
}
cg_read() { _rcf=$(cg_path "$1" "$2" "$3") && cat "$_rcf" 2>/dev/null; }

# cg_update CID (rootless, update.sh's): every limit of CG_* (rl_cg_validate's) written into the
# container's group, an unset one as none, in cgroup v2's files (a controller newly asked for is
# enabled on the way first); 1 with CG_WHY when the kernel refuses a value. A running container
# without a group cannot be given one (its processes would have to be moved, racing its forks):
# a clear error, nothing changed.
cg_update() {
	rl_cg_need "$1" update || exit 125
	for _rcd in "${RL_CGD%/*/*}" "${RL_CGD%/*}"; do
		rl_cg_enable "$_rcd"
	done
	CG_WHY=''
	if [ -n "$CG_MEM" ] || [ -f "$RL_CGD/memory.max" ]; then
		rl_cg_put memory.max "${CG_MEM:-max}" || return 1
		if [ -f "$RL_CGD/memory.swap.max" ]; then
			case $CG_MEM/$CG_SWAP in
			/* | */-1) rl_cg_put memory.swap.max max ;;
			*/) rl_cg_put memory.swap.max "$CG_MEM" ;;
			*) rl_cg_put memory.swap.max $((CG_SWAP - CG_MEM)) ;;
			esac || return 1
		fi
	fi
	if [ -n "$CG_QUOTA$CG_SHARES" ] || [ -f "$RL_CGD/cpu.max" ]; then
		_rcv=100
		[ -z "$CG_SHARES" ] || _rcv=$((1 + (CG_SHARES - 2) * 9999 / 262142))
		rl_cg_put cpu.max "${CG_QUOTA:-max} $CG_PERIOD" && rl_cg_put cpu.weight "$_rcv" || return 1
	fi
	[ -z "$CG_PIDS" ] && [ ! -f "$RL_CGD/pids.max" ] && return 0
	case $CG_PIDS in '' | -1) rl_cg_put pids.max max ;; *) rl_cg_put pids.max "$CG_PIDS" ;; esac
}

# rl_cg_put FILE VALUE: one value into the container's group (RL_CGD); 1 with CG_WHY if refused.
rl_cg_put() {
	printf '%s\n' "$2" 2>/dev/null >"$RL_CGD/$1" && return 0
	CG_WHY="the kernel refused $1=$2"
	return 1
}

# cg_cleanup: the groups of gone containers, in the delegated directory of this process.
cg_cleanup() {
	rl_cg_find 2>/dev/null || return 0
	for _rcd in "$RL_CG/$CTR_PREFIX"/*; do
		[ -d "$_rcd" ] && valid_id "${_rcd##*/}" && [ ! -d "$CTR_ROOT/containers/${_rcd##*/}" ] || continue
		cg_kill "$_rcd"
		rmdir "$_rcd" 2>/dev/null && printf 'removed cgroup %s\n' "$_rcd"
	done
	return 0
}
