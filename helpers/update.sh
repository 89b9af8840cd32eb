#!/bin/sh
# update.sh - update: change the limits of containers, running or not. Sourced by ctr.sh for this verb.
#
# A container's limits are recorded in its config.json ("resources", cgroup.sh's CG_RES_JQ: what
# inspect shows, what a later start applies through cg_load). update merges the options given into
# the recorded limits, checks the result with run's rules (cg_validate: memory-swap at least memory,
# CPUs within the host's, ...), writes every limit into the groups of a running container
# (cg_update), then records them. A value the kernel refuses (memory below what the container
# uses) puts the old limits back and changes nothing.

#HELP update [-m|--memory SIZE] [--memory-swap SIZE] [--cpus N.N] [-c|--cpu-shares N] [--pids-limit N] CONTAINER...
#HELP                              change the limits of containers (a running one's at once; kept for its next start)
ctr_update() {
	_um='' _usw='' _uc='' _us='' _up='' _uany=''
	while [ $# -gt 0 ]; do
		case $1 in
		--*=*) _o=${1%%=*} _v=${1#*=}; shift; set -- "$_o" "$_v" "$@"; continue ;;
		-m | --memory) need_arg "$@"; _um=$2 ;;
		--memory-swap) need_arg "$@"; _usw=$2 ;;
		--cpus) need_arg "$@"; _uc=$2 ;;
		-c | --cpu-shares) need_arg "$@"; _us=$2 ;;
		--pids-limit) need_arg "$@"; _up=$2 ;;
		--) shift; break ;;
		-*) die "update: unknown option $1 (see ctr.sh help)" ;;
		*) break ;;
		esac
		_uany=1
		shift 2
	done
	[ -n "$_uany" ] || die "update: give at least one limit (--memory, --memory-swap, --cpus, --cpu-shares, --pids-limit)"
	[ $# -ge 1 ] || die "usage: ctr.sh update [OPTIONS] CONTAINER..."
	for _uv in "$_um" "$_usw" "$_uc" "$_us" "$_up"; do one_line update "$_uv"; done
	# each value alone, before any container is looked at (their sum is checked per container)
	(update_check) || exit 125
	pool_ensure
	_urc=0
	for _uc1; do
		(update_one "$_uc1") || _urc=125
	done
	return "$_urc"
}

# update_check: (in a subshell) each value given is valid on its own, with run's rules.
update_check() {
	# shellcheck disable=SC2034 # R_*: read by cg_validate
	R_MEM=$_um R_SWAP='' R_CPUS=$_uc R_SHARES=$_us R_PIDS=$_up
	cg_validate
	[ -z "$_usw" ] || [ "$_usw" = -1 ] || cg_bytes --memory-swap "$_usw" >/dev/null
}

# update_one CONTAINER: (in a subshell: its errors stop it alone) merge, check, apply, record.
update_one() {
	_uid=$(ctr_resolve "$1") || exit 125
	lock
	cg_load "$_uid"
	# shellcheck disable=SC2034 # R_*: read by cg_validate
	_uold="$R_MEM|$R_SWAP|$R_CPUS|$R_SHARES|$R_PIDS"
	[ -z "$_um" ] || R_MEM=$_um
	[ -z "$_usw" ] || R_SWAP=$_usw
	[ -z "$_uc" ] || R_CPUS=$_uc
	[ -z "$_us" ] || R_SHARES=$_us
	[ -z "$_up" ] || R_PIDS=$_up
	# docker: a new memory above the recorded memory-swap needs a new memory-swap too
	if [ -n "$_um" ] && [ -z "$_usw" ] && [ -n "$R_SWAP" ] && [ "$R_SWAP" != -1 ]; then
		_umb=$(cg_bytes --memory "$_um") || exit 125
		[ "$_umb" -le "$R_SWAP" ] || die "container $1: --memory $_um: above its memory-swap limit ($R_SWAP bytes): update --memory-swap too"
	fi
	cg_validate
	ctr_state "$_uid"
	if [ "$ST" = running ] && ! cg_update "$_uid"; then
		_uwhy=$CG_WHY
		update_undo "$1" "$_uold"
		die "container $1: $_uwhy: its limits are unchanged"
	fi
	_ucf=$CTR_ROOT/containers/$_uid/config.json
	if ! jq -c ".resources = $CG_RES_JQ" "$_ucf" >"$_ucf.tmp" 2>/dev/null || ! mv "$_ucf.tmp" "$_ucf"; then
		rm -f "$_ucf.tmp"
		[ "$ST" != running ] || update_undo "$1" "$_uold"
		die "container $1: cannot record its limits (is the pool full?)"
	fi
	printf '%s\n' "$1"
}

# update_undo CONTAINER OLD: put the limits OLD (R_* joined by |) back into its groups.
update_undo() {
	IFS='|' read -r R_MEM R_SWAP R_CPUS R_SHARES R_PIDS <<EOF
$2
EOF
	cg_validate && cg_update "$_uid" || printf 'ctr: container %s: cannot put its old limits back\n' "$1" >&2
}
