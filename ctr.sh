#!/bin/sh
# ctr.sh - a small container runtime: btrfs snapshots, netns + veth, cgroups, and nsenter-chroot.
# Each verb is one ctr_<verb> function; its #HELP line is what `ctr.sh help` prints.
set -u

CTR_VERSION=0.1.0
# its directory, absolute (the exit action runs ctr.sh from elsewhere): no subshell, no cd
case $0 in
/*) CTR_HOME=${0%/*} CTR_HOME=${CTR_HOME:-/} ;;
*/*) CTR_HOME=$PWD/${0%/*} ;;
*) CTR_HOME=$PWD ;;
esac
[ -f "$CTR_HOME/helpers/net.sh" ] || { printf 'ctr: %s: not the directory of ctr.sh\n' "$CTR_HOME" >&2; exit 125; }
# the effective uid: Uid:'s second field in /proc/self/status, read by the shell (no fork)
CTR_UID=''
while read -r _rk _ _re _; do
	[ "$_rk" != Uid: ] || { CTR_UID=$_re; break; }
done 2>/dev/null </proc/self/status
[ -n "$CTR_UID" ] || CTR_UID=$(id -u) || exit 125
# rootless (helpers/rootless.sh, docs/rootless.md): an ordinary user's state root is its own
[ "$CTR_UID" = 0 ] || : "${CTR_ROOT:=${XDG_DATA_HOME:-${HOME:?}/.local/share}/ctr}"
: "${CTR_ROOT:=/var/lib/ctr}"
: "${CTR_POOL:=$CTR_ROOT.pool}"
: "${CTR_POOL_SIZE:=20G}"
: "${CTR_LIBEXEC:=$CTR_HOME/build}"
: "${CTR_BUSYBOX:=$CTR_HOME/build/rootfs/busybox}"
NL='
'

# prefix_default: CTR_PREFIX of a root that has recorded none yet: ctr for /var/lib/ctr and for a
# root made by a ctr that recorded none (it has containers/: its objects are named ctr), else c +
# 8 hex of the sha256 of the root's canonical path, so that two roots never share one unasked.
prefix_default() {
	CTR_PREFIX=ctr
	[ "$CTR_ROOT" != /var/lib/ctr ] && [ ! -d "$CTR_ROOT/containers" ] || return 0
	_pr=$(realpath -m -- "$CTR_ROOT") || _pr=$CTR_ROOT
	[ "$_pr" != /var/lib/ctr ] || return 0
	_pr=$(printf '%s' "$_pr" | sha256sum)
	CTR_PREFIX=c${_pr%"${_pr#????????}"}
}

# CTR_PREFIX names the root's kernel objects (docs/design.md "Names of kernel objects"): the
# caller's (CTR_PREFIX_SET; it must match the record), else $CTR_ROOT/prefix, recorded by
# pool_ensure and read here without a fork (CTR_PREFIX_REC), else prefix_default.
# shellcheck disable=SC2034 # CTR_PREFIX_SET: read by storage.sh
CTR_PREFIX_SET=${CTR_PREFIX:+1} CTR_PREFIX_REC=''
read -r CTR_PREFIX_REC 2>/dev/null <"$CTR_ROOT/prefix"
[ -n "${CTR_PREFIX:-}" ] || CTR_PREFIX=$CTR_PREFIX_REC
[ -n "$CTR_PREFIX" ] || prefix_default
export CTR_ROOT CTR_PREFIX

# die MESSAGE: "ctr: MESSAGE" on stderr, exit 125 (docker's code for the runtime's own errors).
die() {
	printf 'ctr: %s\n' "$*" >&2
	exit 125
}

# need CMD PACKAGE: fail clearly when a tool is missing.
need() {
	command -v "$1" >/dev/null 2>&1 || die "$1: not found (apt-get install $2)"
}

# CTR_JQ: the jq that runs the programs of run, exec and ps (run's and exec's one JSON tool start
# each): gojq when installed, else jq. gojq starts in ~3 ms, jq 1.6 in ~20 ms; both give the same
# values (test/jq.bats), gojq writes an object's keys sorted. CTR_JQ=jq (or gojq) chooses.
case ${CTR_JQ:-} in
jq | gojq) ;;
'') if command -v gojq >/dev/null 2>&1; then CTR_JQ=gojq; else CTR_JQ=jq; fi ;;
*) printf 'ctr: CTR_JQ %s: must be jq or gojq\n' "$CTR_JQ" >&2; exit 125 ;;
esac

# shq VALUE: SHQ = VALUE quoted for eval, without a fork.
shq() {
	_q=$1 SHQ=''
	while :; do
		case $_q in
		*\'*) SHQ="$SHQ${_q%%\'*}'\\''" _q=${_q#*\'} ;;
		*) break ;;
		esac
	done
	SHQ="'$SHQ$_q'"
}

# need_arg OPTION "$@": the option must have a value.
need_arg() {
	[ $# -ge 2 ] || die "$1: requires an argument"
}

# one_line OPTION VALUE: refuse a newline where it can only be an attack or a mistake (names,
# paths, capabilities, ports): such a value never reaches a file or a helper.
one_line() {
	case $2 in *"$NL"*) die "$1: the value contains a newline" ;; esac
}

# list_add VAR VALUE: append VALUE to the list VAR, a string of shell-quoted words that
# `eval "set -- $VAR"` turns back into argv: a list is never a joined string split again later.
list_add() {
	shq "$2"
	eval "$1=\"\$$1 \$SHQ\""
}

# nl_split VALUE: NL_N = the number of VALUE's lines (empty ones are not counted), NL_1..NL_4 the
# first four: the shell's field splitting on newlines, no pathname expansion. Linear in VALUE, where
# dash's ${VALUE#*"$NL"} tries every prefix against the pattern (quadratic: ~1 ms for a 2 KB first
# line here, 27 ms of a run with 100 -e).
nl_split() {
	set -f
	_nlifs=$IFS IFS=$NL
	# shellcheck disable=SC2086 # split on purpose, on newlines only
	set -- $1
	IFS=$_nlifs
	set +f
	NL_N=$# NL_1=${1:-} NL_2=${2:-} NL_3=${3:-} NL_4=${4:-}
}

# list_len VAR: LIST_LEN = the number of items of the list VAR, LIST_WORDS = its words (for eval).
list_len() {
	eval "LIST_WORDS=\$$1"
	eval "set -- $LIST_WORDS"
	LIST_LEN=$#
}

# env_arg K=V|K: ENV_ARG = an -e value as docker takes it: K=V as is; K alone is K=<the caller's
# value of K> when the caller has K, else K alone, which unsets K in the container. Only this K is
# read from the caller, and only here: helpers never copy from their environment.
env_arg() {
	case $1 in '' | =*) die "-e '$1': invalid environment variable (expected K=V or K)" ;; esac
	ENV_ARG=$1
	case $1 in *=*) return 0 ;; esac
	if _ev=$(printenv -- "$1" && echo .); then
		ENV_ARG=$1=${_ev%"$NL".}
	fi
}

# label_arg OPTION K=V|K: LABEL_ARG = a --label value as docker takes it (K alone: the value "");
# K is not empty and has no blank; no newline anywhere (labels are listed one a line by ps).
label_arg() {
	one_line "$1" "$2"
	case ${2%%=*} in
	'') die "$1 '$2': invalid label: empty name" ;;
	*[' 	']*) die "$1 '$2': invalid label: the name contains whitespace" ;;
	esac
	LABEL_ARG=$2
}

# kv_file OPTION FILE VAR: add the entries of FILE to the list VAR, docker's env-file format (for
# --env-file and --label-file): a line is K=V or K alone (--env-file: env_arg, the caller's value
# as -e K; --label-file: label_arg); leading blanks and a first line's UTF-8 BOM are dropped, and
# a line's ending \r; blank lines and # comments are skipped; a K that is empty or has a blank is
# refused, as is a file that is not UTF-8. One line is one entry: no value can add another.
# FILE may lie in a directory a container writes (a volume), where the container chooses where a
# symlink points (a host file of secrets: its lines became the container's environment): FILE is
# resolved once, a symlink crossed in such a directory refused (security.sh sec_host_path, as for
# -v and cp), only a regular file read (a FIFO blocked run), through an open of the path checked
# (sec_fd_is: a directory swapped for a symlink since is refused).
kv_file() {
	sec_host_path "$1" "$2"
	[ -n "$SEC_HP_OWN" ] || { [ -f "$SEC_HP" ] && [ -r "$SEC_HP" ]; } || die "$1 $2: not a readable file"
	rm_kill_at envfile
	# shellcheck disable=SC2094 # SEC_HP is only read
	{ sec_fd_is "$1 $2" "$SEC_HP" 3; _kf=$(cat <&3 && echo .); } 3<"$SEC_HP" || die "$1 $2: cannot read"
	_kf=${_kf%.}
	_kb=$(printf '%s' "$_kf" | LC_ALL=C.UTF-8 grep -naxv '.*' | head -n 1)
	[ -z "$_kb" ] || die "$1 $2: line ${_kb%%:*}: invalid UTF-8"
	_kn=0 _kr=$(printf '\r') _kbom=$(printf '\357\273\277')
	while IFS= read -r _kl; do
		_kn=$((_kn + 1))
		[ "$_kn" != 1 ] || _kl=${_kl#"$_kbom"}
		_kl=${_kl%"$_kr"}
		while :; do case $_kl in [' 	']*) _kl=${_kl#?} ;; *) break ;; esac; done
		case $_kl in '' | '#'*) continue ;; esac
		case ${_kl%%=*} in
		'') die "$1 $2: line $_kn: no variable name" ;;
		*[' 	']*) die "$1 $2: line $_kn: '${_kl%%=*}' contains whitespace" ;;
		esac
		if [ "$1" = --env-file ]; then env_arg "$_kl"; list_add "$3" "$ENV_ARG"
		else label_arg "$1" "$_kl"; list_add "$3" "$LABEL_ARG"
		fi
	done <<EOF
$_kf
EOF
}

# write_out FILE CMD...: CMD's output becomes FILE, whole or not at all (export -o, save -o), and
# never through a symlink: FILE may be in a directory a container writes (a volume), where it
# could plant one, at FILE or in its path, between a check and a write. FILE's directory is
# entered once (cd -P: its path is not looked up again); CMD writes a new file of a random name
# made there with O_EXCL (set -C: a name that exists, a symlink too, is an error, never opened),
# which is renamed over FILE (a rename replaces a symlink at FILE, never its target). CMD runs
# in that directory: its paths are absolute (check_env: $CTR_ROOT is).
write_out() {
	_wof=$1
	shift
	case $_wof in
	*/*) _wod=${_wof%/*} _wob=${_wof##*/} ;;
	*) _wod=. _wob=$_wof ;;
	esac
	[ -n "$_wod" ] || _wod=/
	case $_wob in '' | . | ..) die "$_wof: not a file name" ;; esac
	id_new
	_wot=.ctr-out.$NEW_ID
	(
		cd -P -- "$_wod" || exit 1
		set -C
		exec >"$_wot" || exit 1
		"$@" || { rm -f -- "$_wot"; exit 1; }
		mv -f -- "$_wot" "$_wob" || { rm -f -- "$_wot"; exit 1; }
	)
}

# check_env: the variables ctr.sh takes from its environment that name kernel objects or files
# (netns, cgroups, iptables chains and comments, bridges) follow their grammar, once at start.
check_env() {
	# absolute, on one line: the supervisor's exit action runs ctr.sh from another directory, and
	# write_out's command from the directory of its file
	for _x in "CTR_ROOT=$CTR_ROOT" "CTR_POOL=$CTR_POOL"; do
		one_line "${_x%%=*}" "$_x"
		case ${_x#*=} in /*) ;; *) die "${_x%%=*} ${_x#*=}: must be an absolute path" ;; esac
	done
	# (it also names the nftables table `bridge PREFIX`: a letter first)
	case $CTR_PREFIX in '' | [!A-Za-z]* | *[!A-Za-z0-9_-]*)
		die "CTR_PREFIX $CTR_PREFIX: use [A-Za-z0-9_-], starting with a letter" ;;
	esac
	# the iptables chain <prefix>-PORTS has at most 28 characters
	[ ${#CTR_PREFIX} -le 22 ] || die "CTR_PREFIX $CTR_PREFIX: at most 22 characters"
	# another prefix would orphan every object the root's containers have (pool_ensure records it)
	[ -z "$CTR_PREFIX_REC" ] || [ "$CTR_PREFIX" = "$CTR_PREFIX_REC" ] || root_prefix_clash "$CTR_PREFIX_REC"
	case ${CTR_BRIDGE:-ctr0} in [!A-Za-z0-9]* | *[!A-Za-z0-9_.-]*)
		die "CTR_BRIDGE $CTR_BRIDGE: use [A-Za-z0-9_.-], starting with a letter or digit" ;;
	esac
}

# pull.sh (1,100 lines: registry verbs) is read only by the verbs that use it (main): run and its
# exit action do not parse it
for _f in storage net cgroup security; do
	# shellcheck source=/dev/null
	. "$CTR_HOME/helpers/$_f.sh" || exit 125
done
# shellcheck disable=SC2034 # RL_IDS: read by security.sh's sec_oci
CTR_ROOTLESS='' RL_IDS='' RL_NETARGV='' # not root: helpers/rootless.sh, sourced by main

# lock / unlock: serialise ID, name, address and port allocation across concurrent ctr.sh calls.
# unlock closes fd 9, which releases the lock without a flock -u process: no child lives on with a
# copy of fd 9 (what is started in the background while the lock is held closes it: exec 9>&-).
lock() {
	exec 9>"$CTR_ROOT/lock" && flock 9 || die "$CTR_ROOT/lock: cannot lock"
}
unlock() {
	exec 9>&-
}
# lock_held: fd 9 holds the lock already (ctr-shim --exited-lock took it on this open file): its
# fdinfo lists an exclusive flock of this very open file (one another process holds is not listed).
lock_held() {
	while read -r _lk _ _lt _ _lw _; do
		[ "$_lk" != lock: ] || [ "$_lt" != FLOCK ] || [ "$_lw" != WRITE ] || return 0
	done 2>/dev/null </proc/self/fdinfo/9
	return 1
}

# run_lock_free DIR: no run or start is making the container of DIR: its run.lock is free, or held
# only by the jobs of a run that was killed (run writes its pid in the file; that process is gone
# or a zombie): they end within moments (a snapshot, a jq), and this waits for them.
run_lock_free() {
	lock_free "$1/run.lock" && return 0
	_rlp=''
	read -r _rlp 2>/dev/null <"$1/run.lock"
	case $_rlp in '' | 0* | *[!0-9]*) return 1 ;; esac
	! pid_live "$_rlp" || return 1
	lock_free "$1/run.lock" 10
}

# lock_free FILE [SECS]: FILE's flock is free now (or within SECS), or FILE is gone. FILE is opened
# as it is, never made: `flock FILE` would make one in a directory being removed (a container's,
# a pull's), whose `rm -rf` then fails ("Directory not empty").
lock_free() {
	if [ -n "${2:-}" ]; then flock -w "$2" 8 2>/dev/null 8<"$1"; else flock -n 8 2>/dev/null 8<"$1"; fi ||
		[ ! -e "$1" ]
}

# ---------------------------------------------------------------- the event log
# $CTR_ROOT/events: what happened, one docker events JSON object a line, appended by the verbs as
# it happens, read by `events` (helpers/events.sh). A line is one write(2) of under PIPE_BUF bytes
# on an O_APPEND descriptor: the lines of parallel writers never interleave. No fork on run's path
# (run and the exit action give the time: ev_at). Past EV_MAX bytes the writer that crossed it
# moves the file to events.1 (one old file kept, as logs).
EV_MAX=1048576 EV_T='' EV_N=''

# ev_at SECONDS [NANOSECONDS]: the time of the events that follow (else ev_emit asks date).
ev_at() {
	EV_T=$1 EV_N=${2:-000000000}
}

# ev_emit TYPE ACTION ID [KEY VALUE]...: append an event; the attributes in docker's (sorted)
# order. A value that is not one word of [A-Za-z0-9_.:/@[]-] (IDs, names, references and numbers
# are) is left out: nothing that needs escaping reaches the log. Never fails the verb.
ev_emit() {
	_eT=$1 _eA=$2 _eI=$3 _eat='' _efr=''
	shift 3
	while [ $# -ge 2 ]; do
		case $2 in '' | *[!]A-Za-z0-9_.:/@[-]*) ;; *)
			_eat="$_eat${_eat:+,}\"$1\":\"$2\""
			[ "$1" != image ] || _efr=",\"from\":\"$2\"" ;;
		esac
		shift 2
	done
	case $_eI in *[!]A-Za-z0-9_.:/@[-]*) return 0 ;; esac
	if [ -z "$EV_T" ]; then
		_eN=$(date +%s%N) || return 0
		set -- "${_eN%?????????}" "${_eN#"${_eN%?????????}"}"
	else
		set -- "$EV_T" "$EV_N"
	fi
	_eP=0
	{
		printf '%s\n' "{\"status\":\"$_eA\",\"id\":\"$_eI\"$_efr,\"Type\":\"$_eT\",\"Action\":\"$_eA\",\"Actor\":{\"ID\":\"$_eI\",\"Attributes\":{$_eat}},\"scope\":\"local\",\"time\":$1,\"timeNano\":$1$2}" >&5 &&
			read -r _ _eP <"/proc/self/fdinfo/5"
	} 2>/dev/null 5>>"$CTR_ROOT/events"
	[ "${_eP:-0}" -le "$EV_MAX" ] || ev_rotate
	return 0
}

# ev_container ACTION CID [KEY VALUE]: a container's event, with its image (as run was given it) and
# name (ev_read), KEY before them (exitCode) or after (oldName, signal): docker's sorted order.
ev_container() {
	ev_read "$2"
	case ${3:-} in
	'') ev_emit container "$1" "$2" image "$EV_IMG" name "$EV_NAME" ;;
	[A-Za-h]*) ev_emit container "$1" "$2" "$3" "$4" image "$EV_IMG" name "$EV_NAME" ;;
	*) ev_emit container "$1" "$2" image "$EV_IMG" name "$EV_NAME" "$3" "$4" ;;
	esac
}

# ev_read CID: EV_IMG and EV_NAME, the container's image and name (its files image and name).
ev_read() {
	EV_IMG='' EV_NAME=''
	read -r EV_IMG 2>/dev/null <"$CTR_ROOT/containers/$1/image"
	read -r EV_NAME 2>/dev/null <"$CTR_ROOT/containers/$1/name"
}

# ev_rotate: the log is past EV_MAX: move it to events.1 (under a lock, and only if it still is:
# two writers past the size must not move it twice, the second the new one).
ev_rotate() {
	# the new log root's only, as the old (storage.sh root_private): made before a writer's >> does
	(flock 5 && [ "$(stat -c %s "$CTR_ROOT/events" 2>/dev/null || echo 0)" -gt "$EV_MAX" ] &&
		mv -f "$CTR_ROOT/events" "$CTR_ROOT/events.1" && umask 077 && : >>"$CTR_ROOT/events") \
		2>/dev/null 5>>"$CTR_ROOT/events.lock"
	return 0
}

# ---------------------------------------------------------------- container state
# ctr_state CID: set ST (created|running|restarting|exited), ST_CODE, ST_PID, ST_FINISHED (and its
# nanoseconds, ST_FINISHED_NS, when the exit file has them),
# ST_RESTARTS (run --restart: the restarts so far; restarting: the supervisor waits out its
# back-off, ST_CODE and ST_FINISHED are the last run's, helpers/start.sh). A pid is the
# container's PID 1 only while that process is in the container's own cgroup (pid_ours): a pid
# recycled by an unrelated process after PID 1 died unseen (its supervisor killed too, no exit
# file) is never taken for the container, so stop and rm -f never signal it.
ctr_state() {
	_sd=$CTR_ROOT/containers/$1
	ST=created ST_CODE='' ST_PID='' ST_FINISHED='' ST_FINISHED_NS=''
	# (the files may go meanwhile: a removal takes no reader's lock)
	[ -f "$_sd/pid" ] && read -r ST_PID 2>/dev/null <"$_sd/pid"
	# a pid is what stop signals: never 0, -1 (every process), 1 (the host's init) or not a number
	case $ST_PID in 0* | 1 | *[!0-9]*) ST_PID='' ;; esac
	if [ -f "$_sd/exit" ]; then
		read -r ST_CODE ST_FINISHED ST_FINISHED_NS _ 2>/dev/null <"$_sd/exit"
		case $ST_FINISHED_NS in [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) ;; *) ST_FINISHED_NS='' ;; esac
		ST=exited
	elif [ -n "$ST_PID" ] && kill -0 "$ST_PID" 2>/dev/null && pid_ours "$ST_PID" "$1"; then
		ST=running
	elif [ -n "$ST_PID" ]; then
		ST=exited ST_CODE=${ST_CODE:-137}
	fi
	ST_RESTARTS=0
	[ -f "$_sd/restart" ] || return 0
	_rs=''
	read -r ST_RESTARTS _rs 2>/dev/null <"$_sd/restart"
	case $ST_RESTARTS in '' | *[!0-9]*) ST_RESTARTS=0 ;; esac
	[ "$_rs" != restarting ] || ! shim_alive "$1" || ST=restarting
}

# pid_ours PID CID: PID is in CID's cgroup /$CTR_PREFIX/CID in some hierarchy (every container has
# at least one: cg_setup makes them before PID 1 runs a step of its own, and the container cannot
# leave them). Stronger than comparing start times (field 22 of /proc/PID/stat, as runc does): it
# names the container, and needs no record. Read with the shell's own read: no fork.
pid_ours() {
	while IFS= read -r _pl; do
		case $_pl in *":/$CTR_PREFIX/$2" | *":/$CTR_PREFIX/$2/"*) return 0 ;; esac
	done 2>/dev/null <"/proc/$1/cgroup"
	return 1
}

# ago SECONDS: docker-style human duration.
ago() {
	if [ "$1" -lt 1 ]; then echo "Less than a second"
	elif [ "$1" -eq 1 ]; then echo "1 second"
	elif [ "$1" -lt 60 ]; then echo "$1 seconds"
	elif [ "$1" -lt 120 ]; then echo "About a minute"
	elif [ "$1" -lt 3600 ]; then echo "$(($1 / 60)) minutes"
	elif [ "$1" -lt 7200 ]; then echo "About an hour"
	elif [ "$1" -lt 172800 ]; then echo "$(($1 / 3600)) hours"
	else echo "$(($1 / 86400)) days"
	fi
}

# ---------------------------------------------------------------- verbs

#HELP init DIR [NAME[:TAG]]        import a directory tree as an image; prints its ID
ctr_init() {
	[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: ctr.sh init DIR [NAME[:TAG]]"
	[ -d "$1" ] || die "$1: not a directory"
	[ -r "$1" ] && [ -x "$1" ] || die "$1: not readable"
	# DIR may be in a directory a container writes: its symlinks there are not followed
	sec_host_path init "$1"
	_src=$SEC_HP
	_name=${2:-${_src##*/}}
	if ! valid_ref "$_name"; then
		[ $# -eq 2 ] || die "init: the directory's name ${_src##*/} is not an image name ($V_WHY): give NAME"
		die "image $_name: $V_WHY"
	fi
	case $_name in *@*) die "image $_name: an image name cannot carry a digest" ;; esac
	pool_ensure
	lock
	_id=$(image_import "$_src" "$_name" "dir:$_src") || exit 125
	ev_emit image import "$_id" name "$_name"
	printf '%s\n' "$_id"
}

#HELP images                       list images
# One jq for every image's creation time; an image's size (du: a walk of its tree) is measured once
# and kept in images/ID/size (an image's tree never changes).
ctr_images() {
	pool_ensure
	printf '%-28s %-12s %-20s %s\n' REPOSITORY:TAG "IMAGE ID" CREATED SIZE
	_l='' _f=''
	for _r in "$CTR_ROOT"/refs/*; do
		[ -f "$_r" ] && ref_read "$_r" && [ -f "$CTR_ROOT/images/$REF_ID/config.json" ] || continue
		list_add _l "${_r##*/}"
		list_add _l "$REF_ID"
		list_add _f "$CTR_ROOT/images/$REF_ID/config.json"
	done
	[ -n "$_l" ] || return 0
	# one line per file, in order ('' when a config has no date; an image's control characters, a
	# newline among them, are ?: one line each, and nothing for the terminal to act on)
	eval "set -- $_f"
	_c=$("$CTR_JQ" -r '.created // "" | tostring | gsub("[[:cntrl:]]"; "?")' "$@" 2>/dev/null) || _c=''
	_c=$_c$NL
	eval "set -- $_l"
	while [ $# -ge 2 ]; do
		_r=$1 _id=$2
		shift 2
		_d=${_c%%"$NL"*} _c=${_c#*"$NL"}
		ref_decode "$_r"
		_s=''
		[ ! -f "$CTR_ROOT/images/$_id/size" ] || read -r _s 2>/dev/null <"$CTR_ROOT/images/$_id/size"
		if [ -z "$_s" ]; then
			tree_of images "$_id"
			_s=$(du -sh "$TREE" 2>/dev/null | cut -f1)
			[ -z "$_s" ] || printf '%s\n' "$_s" 2>/dev/null >"$CTR_ROOT/images/$_id/size" || :
		fi
		printf '%-28s %-12s %-20s %s\n' "$REF_DEC" "$_id" "$_d" "$_s"
	done
}

#HELP rmi [-f] IMAGE...            remove images (refused while a container uses one, unless -f)
ctr_rmi() {
	_force='' IMG_USED=''
	[ "${1:-}" = -f ] && { _force=1; shift; }
	[ $# -ge 1 ] || die "usage: ctr.sh rmi [-f] IMAGE..."
	pool_ensure
	lock
	_rc=0
	for _i; do
		_id=$( (image_resolve_local "$_i") ) || { _rc=125; continue; }
		# by a name: that name goes; the image too once no other name is left (docker's rule).
		# By ID: every name goes with it; an image with several names needs -f.
		_rf=$(ref_file "$_i") _rn=0
		[ -f "$_rf" ] || _rf=''
		for _r in "$CTR_ROOT"/refs/*; do
			[ "$_r" != "$_rf" ] && [ -f "$_r" ] && ref_read "$_r" && [ "$REF_ID" = "$_id" ] && _rn=$((_rn + 1))
		done
		if [ -n "$_rf" ] && [ "$_rn" -gt 0 ]; then
			rm -f "$_rf" && ev_emit image untag "$_id" name "$(ref_name "$_rf")"
			printf 'Untagged: %s
' "$(ref_name "$_rf")"
			continue
		fi
		if [ -z "$_rf" ] && [ "$_rn" -gt 1 ] && [ -z "$_force" ]; then
			printf 'ctr: image %s: has %s names (rmi each name, or rmi -f ID)\n' "$_i" "$_rn" >&2
			_rc=125
			continue
		fi
		if [ -z "$_force" ]; then
			[ -n "$IMG_USED" ] || images_used
			case $IMG_USED in *" $_id "*)
				printf 'ctr: image %s: in use by a container (rm it first, or rmi -f)\n' "$_i" >&2
				_rc=125
				continue ;;
			esac
		fi
		for _r in "$CTR_ROOT"/refs/*; do
			[ -f "$_r" ] && ref_read "$_r" && [ "$REF_ID" = "$_id" ] && rm -f "$_r" &&
				ev_emit image untag "$_id" name "$(ref_name "$_r")"
		done
		valid_id "$_id" || die "image $_i: '$_id': not an image ID" # never reached: defence in depth
		tree_of images "$_id"
		subvol_rm "$TREE" && rm -rf "$TREE_DIR" "${CTR_ROOT:?}/images/$_id" &&
			ev_emit image delete "$_id" name "$_id"
		printf 'Deleted: %s\n' "$_id"
	done
	tmp_busy || blob_gc # the registry blobs only this image used
	return "$_rc"
}

# ref_decode REFFILE: REF_DEC = the image name a refs/ file stands for (its %2F are '/'); no fork.
# ref_name REFFILE: the same, printed.
ref_decode() {
	_rn=${1##*/} REF_DEC=''
	while :; do
		case $_rn in
		*%2F*) REF_DEC=$REF_DEC${_rn%%\%2F*}/ _rn=${_rn#*%2F} ;;
		*) break ;;
		esac
	done
	REF_DEC=$REF_DEC$_rn
}
ref_name() {
	ref_decode "$1"
	printf '%s\n' "$REF_DEC"
}

# tmp_busy: a pull, load, save or import is running, or being started (work_live).
tmp_busy() {
	for _tb in "$CTR_ROOT"/tmp/*; do
		[ ! -d "$_tb" ] || ! work_live "$_tb" || return 0
	done
	return 1
}

# images_used: IMG_USED = " ID ID ... " the images containers were made from (any state), from
# their config.json's image_id (jq: a label or a value that reads like one is not a match), or for
# one a run is still making, its image_id file. Under ctr's lock: no container is made or removed
# meanwhile. rmi, image prune, builder prune.
images_used() {
	IMG_USED=' ' _iux=''
	set --
	for _iu in "$CTR_ROOT"/containers/*/; do
		if [ -f "${_iu}config.json" ]; then
			set -- "$@" "${_iu}config.json"
		elif [ -f "${_iu}image_id" ]; then
			# one a run is making: its image, written under the lock before its config.json
			_iui=''
			read -r _iui 2>/dev/null <"${_iu}image_id" && valid_id "$_iui" && _iux="$_iux$_iui "
		fi
	done
	# a config that cannot be read could name any image: then none is removed
	[ $# -eq 0 ] || IMG_USED=" $("$CTR_JQ" -rn '[inputs | .image_id // empty] | join(" ")' "$@") " ||
		die "cannot read the containers' config.json (no image is removed)"
	IMG_USED=$IMG_USED$_iux
}

# image_resolve_local NAME|ID: like image_resolve, without importing the built-in.
image_resolve_local() {
	image_local "$1" || die "image $1: no such image"
	printf '%s\n' "$IMG_ID"
}

# ENV_JQ: jq definitions for environments. envset: the list with the later K=V winning over an
# earlier K (in its place), and K alone (-e K, K unset in the caller) removing K, as docker does.
# An image's entries without '=' are dropped before (only -e K may copy from the caller, at parse).
# shellcheck disable=SC2016 # jq's $, not the shell's
ENV_JQ='def envkey: split("=") | if length > 1 then .[0] else null end;
	def envset: reduce .[] as $e ([]; ($e | envkey) as $k
		| if $k == null then map(select(envkey != $e))
		  elif $k == "" then .
		  elif any(.[]; envkey == $k) then map(if envkey == $k then $e else . end)
		  else . + [$e] end);
	def envclean: map(select(type == "string") | select((envkey // "") != ""));'

# RUN_JQ: run's jq program. In: the image's config ($icfg), run's options (--arg), and as
# arguments the lists -e, -p, --cap-add, --cap-drop, -v, --label, --tmpfs (each: its length, then
# its items), then the command. Out: four lines: config.json (ctr's record: ps, inspect, start), then
# oci-config.json, the container's OCI runtime-spec config (what nsenter-chroot --config runs, as
# ctr-oci would): the skeleton $ocik (security.sh's sec_oci: all but what the user wrote) with the
# command, env, workdir, hostname, user, volumes and tmpfs mounts (sec_mounts: parents before what
# is mounted in them, as docker sorts them) and a full pool's /etc binds (net.sh's NET_ETCDIR)
# merged in (SEC_OCI_JQ, NET_ETC_JQ); then the creation time: seconds and nanoseconds; then the
# image's stop signal (its STOPSIGNAL, when run has no --stop-signal: docker's default; checked:
# [A-Za-z0-9+], recorded in config.json too) or -.
# The command: the image's entrypoint + (CMD or the image's cmd), else /bin/sh. USER: -u, else the
# image's. Labels: the image's, then --label's (the later wins; K alone: "").
# shellcheck disable=SC2016
RUN_JQ=$ENV_JQ$SEC_OCI_JQ$NET_ETC_JQ'
	now as $now | ($now | floor) as $sec | (($now - $sec) * 1e9 + 1e9 | floor | tostring | .[1:]) as $ns
	| reduce range(7) as $n ({l: [], r: $ARGS.positional}; (.r[0] | tonumber) as $c
		| .l += [.r[1:$c + 1]] | .r = .r[$c + 1:])
	| . as {l: [$env, $ports, $cap_add, $cap_drop, $vols, $labels, $tmpfs], r: $args} | $icfg[0] as $i
	| ((if $ENV.R_EPSET == "" then $i.entrypoint // [] elif $ENV.R_EP == "" then [] else [$ENV.R_EP] end)
		+ (if $args == [] then $i.cmd // [] else $args end)
		| if . == [] then ["/bin/sh"] else . end) as $argv
	| {id: $id, name: $name, image: $i.name, image_id: $img, cmd: $argv, hostname: $host,
	   workdir: (if $wd != "" then $wd elif ($i.workdir // "") != "" then $i.workdir else "/" end),
	   env: (($i.env // [] | envclean) + $env | envset),
	   network: {mode: $net, ports: $ports},
	   exposed_ports: ($i.exposed_ports // []), created: $sec, created_ns: "\($sec)\($ns)",
	   labels: (reduce $labels[] as $l ($i.labels // {}; ($l | index("=")) as $e
		| if $e == null then .[$l] = "" else .[$l[:$e]] = $l[$e + 1:] end)),
	   rm: ($rm != ""), tty: ($tty != ""), interactive: ($iv != ""),
	   security: ('"$SEC_JQ"' | if .user == "" then .user = ($i.user // "") else . end),
	   storage: {size: ($ENV.ST_SIZE | if . == "" then null else tonumber end)}, resources: '"$CG_RES_JQ"',
	   log: {max_size: ($ENV.LOG_MAX | tonumber | if . == 0 then null else . end)},
	   init: ($ENV.R_INIT != ""),
	   oom_score_adj: ($ENV.R_OOM | if . == "" then null else tonumber end),
	   ulimits: [$ENV.R_ULIMITS | split(" ")[] | select(. != "") | split("=") as [$u, $v]
		| ($v | split(":") | map(tonumber)) as [$s, $h] | {name: $u, soft: $s, hard: $h}],
	   restart_policy: ($ENV.R_RESTART | if . == "" then {name: "no", maximum_retry_count: 0}
	     else split(":") | {name: .[0], maximum_retry_count: (.[1] // "0" | tonumber)} end),
	   rootfs: $rootfs} + $x
	| if .stop_signal == null and ($i.stop_signal // "" | test("^[A-Za-z0-9+]{1,16}$")) then .stop_signal = $i.stop_signal
	  else . end
	| tojson, ($ocik * {root: {path: .rootfs}, process: ({terminal: .tty, args: .cmd, env: .env, cwd: .workdir}
	  + (.security | sec_user)), hostname: .hostname,
	  mounts: ($ocik.mounts + sec_mounts($vols; $tmpfs) + net_etc_binds)}
	  | if $x.sysctls then .linux.sysctl = (.linux.sysctl // {}) + $x.sysctls else . end
	  | if $x.devices then .mounts += [$x.devices[] | {destination: .path_in_container, type: "bind",
	      source: .path_on_host, options: ["bind", "nosuid", "noexec"]}]
	    | if .linux.resources.devices then .linux.resources.devices += [$x.devices[]
	      | {allow: true, type: .type, major: .major, minor: .minor, access: .cgroup_permissions}] else . end
	    else . end
	  | if $x.shm_size then .mounts |= map(if .destination == "/dev" or .destination == "/dev/shm"
	    then .options |= map(if startswith("size=") then "size=\($x.shm_size)" else . end) else . end) else . end
	  | tojson), "\($sec) \($ns)", (if $x.stop_signal then "-" else .stop_signal // "-" | ascii_upcase end)'

# run_check_name NAME: --name follows docker's rule for container names.
run_check_name() {
	valid_name "$1" && return 0
	case $1 in [a-zA-Z0-9]*) ;; *) die "name $1: must start with a letter or digit" ;; esac
	[ ${#1} -le 255 ] || die "name $1: at most 255 characters"
	die "name $1: only [a-zA-Z0-9_.-] allowed"
}

# run_check_hostname NAME: letters, digits, '.', '-' and '_', starting with a letter or digit, at
# most 64 (the kernel's limit): it is written into /etc/hosts and /etc/hostname.
run_check_hostname() {
	case $1 in [a-zA-Z0-9]*) ;; *) die "--hostname $1: must start with a letter or digit" ;; esac
	case $1 in *[!a-zA-Z0-9_.-]*) die "--hostname $1: only [a-zA-Z0-9_.-] allowed" ;; esac
	[ ${#1} -le 64 ] || die "--hostname $1: at most 64 characters"
}

# run_log_opt KEY=VALUE: run --log-opt; only max-size (docker's json-file/local option).
run_log_opt() {
	one_line --log-opt "$1"
	case $1 in
	max-size=) die "--log-opt max-size=: invalid size (e.g. max-size=10m)" ;;
	max-size=*) R_LOGMAX=${1#max-size=} ;;
	*) die "--log-opt $1: not supported (only max-size=SIZE)" ;;
	esac
}

# run_log_validate: LOG_MAX = the bytes the log may reach before ctr-shim rotates it to log.1
# (--log-opt max-size, else CTR_LOG_MAX_SIZE, else 100m; 0: no cap). Dies before anything is made.
run_log_validate() {
	if [ -n "$R_LOGMAX" ]; then
		_lso="--log-opt max-size=$R_LOGMAX" LOG_MAX=$R_LOGMAX
	else
		_lso="CTR_LOG_MAX_SIZE=${CTR_LOG_MAX_SIZE:-}" LOG_MAX=${CTR_LOG_MAX_SIZE:-100m}
	fi
	# the usual forms (100m, 64k, 0) without a fork of cg_bytes' awk, on every run's path
	case $LOG_MAX in
	[1-9] | [1-9][0-9] | [1-9][0-9][0-9] | [1-9][0-9][0-9][0-9] | 0) ;;
	[1-9][kK] | [1-9][0-9][kK] | [1-9][0-9][0-9][kK] | [1-9][0-9][0-9][0-9][kK]) LOG_MAX=$((${LOG_MAX%?} * 1024)) ;;
	[1-9][mM] | [1-9][0-9][mM] | [1-9][0-9][0-9][mM] | [1-9][0-9][0-9][0-9][mM]) LOG_MAX=$((${LOG_MAX%?} * 1048576)) ;;
	*) LOG_MAX=$(cg_bytes "$_lso" "$LOG_MAX" 2>/dev/null) ||
		die "$_lso: invalid size (a number with an optional b, k, m, g or t suffix, at most 8 PiB)" ;;
	esac
	export LOG_MAX # run's jq records it as .log.max_size
}

# run_ulimit TYPE=SOFT[:HARD]: run --ulimit, docker's form (HARD: SOFT when left out; -1 or
# unlimited: no limit; a later TYPE wins). R_ULIMITS holds TYPE=SOFT:HARD words, -1 for unlimited.
# A number is at most 2^53 - 1: what a double holds exactly (jq 1.6 makes every number one).
run_ulimit() {
	one_line --ulimit "$1"
	case $1 in
	*=*:*:* | *=*=*) die "--ulimit $1: TYPE=SOFT[:HARD] (e.g. nofile=1024:2048)" ;;
	*=?*) _un=${1%%=*} _us=${1#*=} ;;
	*) die "--ulimit $1: TYPE=SOFT[:HARD] (e.g. nofile=1024:2048)" ;;
	esac
	case $_un in
	core | cpu | data | fsize | locks | memlock | msgqueue | nice | nofile | nproc | rss | rtprio | rttime | sigpending | stack) ;;
	*) die "--ulimit $1: unknown type $_un (core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack)" ;;
	esac
	_uh=${_us#*:} _us=${_us%%:*}
	for _ux in _us _uh; do
		eval "_uy=\$$_ux"
		case $_uy in
		-1 | unlimited) _uy=-1 ;;
		0 | [1-9] | [1-9][0-9] | [1-9][0-9][0-9] | [1-9][0-9][0-9][0-9] | [1-9][0-9][0-9][0-9][0-9]*)
			case $_uy in *[!0-9]*) _uy=bad ;; esac
			[ ${#_uy} -le 16 ] && [ "$_uy" -le 9007199254740991 ] 2>/dev/null || _uy=bad ;;
		*) _uy=bad ;;
		esac
		[ "$_uy" != bad ] || die "--ulimit $1: a limit is a number from 0 to 9007199254740991, or -1 or unlimited"
		eval "$_ux=\$_uy"
	done
	[ "$_uh" = -1 ] || { [ "$_us" != -1 ] && [ "$_us" -le "$_uh" ]; } ||
		die "--ulimit $1: the soft limit is above the hard limit"
	_uw=''
	for _ux in $R_ULIMITS; do
		[ "${_ux%%=*}" = "$_un" ] || _uw="$_uw $_ux"
	done
	R_ULIMITS="$_uw $_un=$_us:$_uh"
}

# run_ulimits: (run's configs job) SEC_PROCX, what the OCI config's process gets of --ulimit
# (process.rlimits) and --oom-score-adj (process.oomScoreAdj). nofile, unless set, is never the
# caller's soft limit: 1024, hard 524288 (systemd's default for services, which docker's containers
# get from dockerd), each at most the caller's hard limit (ctr raises no limit by default: a caller
# without CAP_SYS_RESOURCE cannot). The others, unless set, are the caller's (as docker's are
# dockerd's). -1: RLIM_INFINITY, 2^64 - 1.
run_ulimits() {
	case " $R_ULIMITS" in
	*" nofile="*) ;;
	*)
		_us=1024 _uh=524288 _uy=''
		# the caller's hard limit (POSIX's ulimit has no -H): this shell's line of its limits
		while read -r _ux _un _uw _ux _uy _; do
			[ "$_un $_uw" != 'open files' ] || break
		done </proc/self/limits
		case $_uy in unlimited) ;; '' | *[!0-9]*) die "/proc/self/limits: no hard limit of open files" ;;
		*) [ "$_uy" -ge "$_uh" ] || _uh=$_uy ;; esac
		[ "$_us" -le "$_uh" ] || _us=$_uh
		R_ULIMITS="$R_ULIMITS nofile=$_us:$_uh" ;;
	esac
	SEC_PROCX=''
	for _ux in $R_ULIMITS; do
		_un=${_ux%%=*} _us=${_ux#*=}
		_uh=${_us#*:} _us=${_us%%:*}
		[ "$_us" != -1 ] || _us=18446744073709551615
		[ "$_uh" != -1 ] || _uh=18446744073709551615
		case $_un in
		core) _un=CORE ;; cpu) _un=CPU ;; data) _un=DATA ;; fsize) _un=FSIZE ;; locks) _un=LOCKS ;;
		memlock) _un=MEMLOCK ;; msgqueue) _un=MSGQUEUE ;; nice) _un=NICE ;; nofile) _un=NOFILE ;;
		nproc) _un=NPROC ;; rss) _un=RSS ;; rtprio) _un=RTPRIO ;; rttime) _un=RTTIME ;;
		sigpending) _un=SIGPENDING ;; stack) _un=STACK ;;
		esac
		SEC_PROCX="$SEC_PROCX${SEC_PROCX:+,}{\"type\":\"RLIMIT_$_un\",\"soft\":$_us,\"hard\":$_uh}"
	done
	SEC_PROCX=",\"rlimits\":[$SEC_PROCX]"
	export R_ULIMITS # run's jq records them as .ulimits
	# the OOM killer's rank: --oom-score-adj; else the caller's, but never below 0 (a caller the
	# killer spares, -1000, would make a container that fills the host's memory unkillable)
	_uy=$R_OOM
	if [ -z "$_uy" ]; then
		read -r _uy </proc/self/oom_score_adj || _uy=0
		case $_uy in -*) _uy=0 ;; *) _uy='' ;; esac
	fi
	[ -z "$_uy" ] || SEC_PROCX="$SEC_PROCX,\"oomScoreAdj\":$_uy"
	R_OOM=$_uy
	export R_OOM # .oom_score_adj (null: the caller's)
}

# check_workdir DIR: -w is an absolute path on one line (docker's rule, and no newline).
check_workdir() {
	one_line --workdir "$1"
	case $1 in /*) ;; *) die "--workdir $1: must be an absolute path" ;; esac
}

R_CREATE='' # create: ctr_run makes the container, starts nothing (run_created)
#HELP create [OPTIONS] IMAGE [CMD [ARG...]]   make a container without starting it (run's options but -d; start runs it)
ctr_create() {
	R_CREATE=1
	ctr_run "$@"
}

#HELP run [OPTIONS] IMAGE [CMD [ARG...]]   run a command in a new container
#HELP     -d  detach   -i  keep stdin   -t  terminal   --rm   --name NAME   -h|--hostname NAME
#HELP     -e|--env K=V|K   -w|--workdir DIR   --net bridge|none|host   -p [IP:]HPORT:CPORT[/udp]
#HELP     --env-file FILE   -l|--label K=V|K   --label-file FILE   (docker's format: K=V or K lines, # comments)
#HELP     -m|--memory SIZE   --memory-swap SIZE   --cpus N.N   --cpu-shares N   --pids-limit N   --init
#HELP     --cpuset-cpus LIST   --cpuset-mems LIST   the CPUs and memory nodes it may use (0-3,5: the host's)
#HELP     --storage-opt size=SIZE   limit the data the container writes (btrfs quota; default CTR_STORAGE_SIZE)
#HELP     --log-opt max-size=SIZE   rotate the log at SIZE, keep one old (default CTR_LOG_MAX_SIZE; 0: no cap)
#HELP     --restart no|on-failure[:N]|always|unless-stopped   its supervisor runs it again when it exits; stop ends it
#HELP     --entrypoint CMD   instead of the image's entrypoint ('': none)
#HELP     --oom-score-adj N   the OOM killer's preference, -1000 to 1000 (default: the caller's, at least 0)
#HELP     --ulimit TYPE=SOFT[:HARD]   a resource limit (nofile, nproc, core, stack...; -1: none); nofile is 1024:524288 unless set
#HELP     --add-host NAME:IP|NAME:host-gateway   a line of /etc/hosts (repeatable)
#HELP     --dns IP   --dns-search DOMAIN   --dns-option OPT   resolv.conf's name servers, search domains, options (repeatable)
#HELP     --stop-signal SIG   --stop-timeout SECS   what stop and restart send first (SIGTERM), and wait before SIGKILL (10)
#HELP     --cidfile FILE   write the container's ID in FILE (which must not exist)
#HELP     --device HOST[:CTR][:rwm]   the host's device node HOST as CTR (under /dev), with these permissions
#HELP     --sysctl K=V   a sysctl of its own namespaces (net.*, kernel.shm*/msg*/sem, fs.mqueue.*)   --shm-size SIZE   /dev/shm's size (64m)
ctr_run() {
	# shellcheck disable=SC2034 # R_ENVL: a list, read through list_len
	R_DETACH='' R_I='' R_T='' R_RM='' R_NAME='' R_HOST='' R_ENVL='' R_WD='' R_NET=bridge R_PORTS='' R_INIT=''
	R_MEM='' R_SWAP='' R_CPUS='' R_SHARES='' R_PIDS='' R_STORAGE='' R_LOGMAX='' R_RESTART='' R_EP='' R_EPSET=''
	R_LABELL='' R_LABELF='' R_ENVF='' R_SNAP='' R_CFG='' R_CG='' R_ULIMITS='' R_OOM='' R_OOMSET=''
	# helpers/runopts.sh's, loaded by the first of its options
	# shellcheck disable=SC2034 # read by runopts.sh, net.sh's net_etc
	R_ADDHOSTS='' R_DNS='' R_DNSSEARCH='' R_DNSOPT='' R_STOPSIG='' R_STOPTIME='' R_CIDFILE='' R_CIDW='' R_X='{}' RO_LOADED=''
	# shellcheck disable=SC2034
	R_SYSCTLS='' R_SHM='' R_CPUSET_CPUS='' R_CPUSET_MEMS='' R_DEVICES='' R_DEVCTRS=''
	# shellcheck disable=SC2034 # R_MEM, R_CPUS... are read by helpers/cgroup.sh
	while [ $# -gt 0 ]; do
		case $1 in
		--*=*) _o=${1%%=*} _v=${1#*=}; shift; set -- "$_o" "$_v" "$@"; continue ;;
		-[dit][dit]*) _o=$1; shift; set -- "${_o%"${_o#-?}"}" "-${_o#-?}" "$@"; continue ;;
		-d | --detach) R_DETACH=1 ;;
		-i | --interactive) R_I=1 ;;
		-t | --tty) R_T=1 ;;
		--rm) R_RM=1 ;;
		--init) R_INIT=1 ;;
		--name) need_arg "$@"; R_NAME=$2; shift ;;
		-h | --hostname) need_arg "$@"; R_HOST=$2; shift ;;
		-e | --env) need_arg "$@"; env_arg "$2"; list_add R_ENVL "$ENV_ARG"; shift ;;
		--env-file) need_arg "$@"; kv_file "$1" "$2" R_ENVF; shift ;;
		-l | --label) need_arg "$@"; label_arg "$1" "$2"; list_add R_LABELL "$LABEL_ARG"; shift ;;
		--label-file) need_arg "$@"; kv_file "$1" "$2" R_LABELF; shift ;;
		-w | --workdir) need_arg "$@"; R_WD=$2; shift ;;
		--net | --network) need_arg "$@"; R_NET=$2; shift ;;
		-p | --publish) need_arg "$@"; one_line "$1" "$2"; list_add R_PORTS "$2"; shift ;;
		-m | --memory) need_arg "$@"; R_MEM=$2; shift ;;
		--memory-swap) need_arg "$@"; R_SWAP=$2; shift ;;
		--cpus) need_arg "$@"; R_CPUS=$2; shift ;;
		-c | --cpu-shares) need_arg "$@"; R_SHARES=$2; shift ;;
		--pids-limit) need_arg "$@"; R_PIDS=$2; shift ;;
		--cpuset-cpus) need_arg "$@"; R_CPUSET_CPUS=$2; shift ;;
		--cpuset-mems) need_arg "$@"; R_CPUSET_MEMS=$2; shift ;;
		--storage-opt) need_arg "$@"; R_STORAGE="$R_STORAGE$2
"; shift ;;
		--log-opt) need_arg "$@"; run_log_opt "$2"; shift ;;
		--ulimit) need_arg "$@"; run_ulimit "$2"; shift ;;
		--oom-score-adj) need_arg "$@"; R_OOM=$2 R_OOMSET=1; shift ;;
		--restart) need_arg "$@"; R_RESTART=$2; shift ;;
		--entrypoint) need_arg "$@"; one_line "$1" "$2"; R_EP=$2 R_EPSET=1; shift ;;
		--add-host | --dns | --dns-search | --dns-option | --dns-opt | --stop-signal | --stop-timeout | --cidfile | \
			--sysctl | --shm-size | --device)
			need_arg "$@"
			# shellcheck source=/dev/null
			[ -n "$RO_LOADED" ] || { . "$CTR_HOME/helpers/runopts.sh" && RO_LOADED=1; } || exit 125
			ro_opt "$1" "$2"; shift ;;
		--) shift; break ;;
		-*) sec_opt "$@" || die "run: unknown option $1 (see ctr.sh help)"; shift "$SEC_SHIFT"; continue ;;
		*) break ;;
		esac
		shift
	done
	[ $# -ge 1 ] || die "usage: ctr.sh ${_verb:-run} [OPTIONS] IMAGE [CMD [ARG...]]"
	[ -z "$R_CREATE" ] || [ -z "$R_DETACH" ] || die "create: unknown option -d (create starts nothing: start does, detached)"
	# as docker: the files' entries first, then the options' (a later K wins)
	R_ENVL="$R_ENVF $R_ENVL" R_LABELL="$R_LABELF $R_LABELL"
	case $R_NET in bridge | none | host) ;; *) die "--net $R_NET: must be bridge, none or host" ;; esac
	[ -z "$R_NAME" ] || run_check_name "$R_NAME"
	[ -z "$R_HOST" ] || run_check_hostname "$R_HOST"
	[ -z "$R_WD" ] || check_workdir "$R_WD"
	[ -z "$R_OOMSET" ] || case $R_OOM in
	0 | [1-9] | [1-9][0-9] | [1-9][0-9][0-9] | 1000 | -[1-9] | -[1-9][0-9] | -[1-9][0-9][0-9] | -1000) ;;
	*) die "--oom-score-adj $R_OOM: a number from -1000 to 1000" ;;
	esac
	[ -z "$R_PORTS" ] || [ "$R_NET" = bridge ] || die "-p: needs --net bridge"
	# shellcheck source=/dev/null
	[ -z "$R_RESTART" ] || { . "$CTR_HOME/helpers/start.sh" && restart_validate; }
	[ -z "$RO_LOADED" ] || ro_validate
	cg_validate
	net_validate
	sec_validate
	storage_validate
	run_log_validate
	pool_ensure
	image_id "$1"
	_img=$IMG_ID _iref=$1
	shift
	_icfg=$CTR_ROOT/images/$_img/config.json
	# the image's own volumes (VOLUME): a file only an image with some has (pull.sh image_volumes)
	if [ -f "$CTR_ROOT/images/$_img/volumes" ]; then
		# shellcheck source=/dev/null
		[ -n "${VOL_SH:-}" ] || . "$CTR_HOME/helpers/volume.sh" || exit 125
		vol_image "$_img" "$_iref"
	fi

	# From here on every object made is undone by run_undo unless the run succeeds.
	lock
	id_new
	while [ -e "$CTR_ROOT/containers/$NEW_ID" ]; do id_new; done
	CID=$NEW_ID
	C=$CTR_ROOT/containers/$CID
	tree_of containers "$CID"
	R_TREE=$TREE
	trap 'run_undo' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	mkdir "$C" "$TREE_DIR" || die "$C: cannot create"
	# held until the container has started: cleanup removes a half-made container only when
	# no run holds its lock (fd 7 is closed for the shim)
	exec 7>"$C/run.lock" || die "$C/run.lock: cannot open"
	# its image, under the lock: rmi and image prune see it in use from here on (config.json comes
	# later, from a job); one removed since image_id found it is not snapshotted
	[ -d "$CTR_ROOT/images/$_img" ] || die "image $_iref: no such image (removed meanwhile)"
	printf '%s\n' "$_img" 2>/dev/null >"$C/image_id" || die "$C/image_id: cannot write (is its file system full?)"
	# named and anonymous volumes (helpers/volume.sh, sourced by sec_volume): made, filled from
	# the image and recorded as this container's ($C/volumes) under the lock, before the configs
	[ -z "${SEC_NAMED:-}" ] || vol_run "$_img"
	[ -n "$R_HOST" ] || R_HOST=$CID
	# the jobs need nothing allocated under ctr's lock but --userns's id range: they start on the
	# open run.lock (its flock, taken next, is theirs too: it belongs to the open file), while
	# this shell takes the name, address and ports (a second core is idle then)
	[ -n "$SEC_USERNS" ] || { sec_alloc "$CID"; run_jobs "$@"; }
	# run.lock's flock too is taken in the background, and waited for before ctr's lock is let
	# go: cleanup and rm never find it free meanwhile
	flock 7 9>&- &
	_rfl=$!
	printf '%s\n' "$$" >&7 || die "$C/run.lock: cannot write"
	if [ -n "$R_NAME" ]; then
		# read back by rm without a jq; first, so that run_undo finds the name
		printf '%s\n' "$R_NAME" 2>/dev/null >"$C/name" || die "$C/name: cannot write (is its file system full?)"
		(set -C && printf '%s\n' "$CID" >"$CTR_ROOT/names/$R_NAME") 2>/dev/null || {
			# made but not written (a full pool): ours, under the lock
			[ -s "$CTR_ROOT/names/$R_NAME" ] || { rm -f "$CTR_ROOT/names/$R_NAME"; die "$CTR_ROOT/names/$R_NAME: cannot write (is its file system full?)"; }
			die "name $R_NAME: already in use by container $(cat "$CTR_ROOT/names/$R_NAME")"
		}
	fi
	# under the lock: address and ports (create: none yet, start takes them, its net file only)
	if [ -n "$R_CREATE" ]; then net_file_write "$CID" "$R_NET"; else net_alloc "$CID"; fi
	[ -z "$SEC_USERNS" ] || sec_alloc "$CID"
	wait "$_rfl" || die "$C/run.lock: cannot lock"
	unlock
	[ -n "$R_CFG" ] || run_jobs "$@"
	# rootless: the groups here (its CG_DIRS are nsenter-chroot's --cgroup options; nothing to
	# prime); create: no groups, no network (start makes them)
	[ -n "$R_CREATE" ] || [ -z "$CTR_ROOTLESS" ] || cg_setup "$CID" ${SEC_DEVCG_NEW:+"$SEC_DEVCG_NEW"} ||
		die "cgroup: setup failed"
	rm_kill_at jobs
	[ -n "$R_CREATE" ] || net_links "$CID" "$R_NET" || die "network: setup failed"
	wait "$R_SNAP" || exit 125 # the job said why
	R_SNAP=''
	# /etc/hostname, hosts, resolv.conf go in the snapshot, or, on a full pool, are bound from
	# the state directory (NET_ETCDIR): then the configs are made again, with those binds
	[ -n "$R_CREATE" ] || net_finish "$CID" "$R_NET" || die "network: setup failed"
	[ -z "$R_CG" ] || wait "$R_CG" || exit 125
	R_CG=''
	wait "$R_CFG" || exit 125
	R_CFG=''
	[ -z "$NET_ETCDIR" ] || run_config "$@"
	read -r _cs _cn 2>/dev/null <"$C/created" || die "$C/created: cannot read"
	ev_at "$_cs" "$_cn"
	# the image as run was given it, for the events (ev_container)
	printf '%s\n' "$_iref" 2>/dev/null >"$C/image"
	ev_container create "$CID"
	[ -z "$R_CIDFILE" ] || ro_cidfile_write
	[ -z "$R_CREATE" ] || run_created
	run_exec
}

# run_created: (create) the container is made: it holds nothing (no network, groups, id range:
# start takes them up, as for one that ran and exited: `released`), and its pid file is empty, as
# start leaves it before its supervisor runs (ps and inspect: Created; cleanup: made whole, kept).
# Prints its ID, exits.
run_created() {
	[ -z "$SEC_RANGE" ] || sec_range_free "$CID" || die "userns: cannot release the id range of $CID"
	{ : >"$C/released" && : >"$C/pid"; } 2>/dev/null || die "$C: cannot write its state (is its file system full?)"
	trap - EXIT INT TERM HUP
	printf '%s\n' "$CID"
	exit 0
}

# run_jobs CMD...: three things at once (two cores: a run is mostly one process after another):
# the snapshot, the configs and, as root, the groups are jobs of their own while run takes its
# locks and makes the links. Each job holds run.lock (fd 7) until it ends, so cleanup leaves the
# container alone; run_undo waits for them before removing what they made. None holds ctr's lock
# (fd 9): unlock's closing it must release it (an `exec 9>&-` in the job: a redirection of the
# job, `9>&-`, has dash keep a saved copy of fd 9 open in it while it runs). nsenter-chroot finds
# the groups by the config's cgroupsPath. create makes no groups.
run_jobs() {
	[ -z "$ST_SIZE" ] || storage_quota_on
	# a snapshot without -r is writable, even of a read-only image
	tree_of images "$_img"
	{
		exec 9>&-
		btrfs subvolume snapshot "$TREE" "$R_TREE" >/dev/null || die "image $_img: cannot snapshot"
		[ -z "$ST_SIZE" ] || storage_limit "$R_TREE"
	} &
	R_SNAP=$!
	{
		exec 9>&-
		run_config "$@"
	} &
	R_CFG=$!
	[ -z "$R_CREATE" ] && [ -z "$CTR_ROOTLESS" ] || return 0
	{
		exec 9>&-
		cg_setup "$CID" ${SEC_DEVCG_NEW:+"$SEC_DEVCG_NEW"} || die "cgroup: setup failed"
	} &
	R_CG=$!
}

# run_config CMD...: the container's configs from the image's config and run's options (one jq,
# CTR_JQ: RUN_JQ): config.json, whole or not at all (ps and inspect read every config.json; a full
# pool cuts a write short), oci-config.json, and `created`: the creation time, seconds and
# nanoseconds (ev_at). It only reads run's variables and writes these files: run makes it a job.
run_config() {
	# test hook (test/run-exited.bats): the job holds here, SIGSTOPped, while the run dies
	[ "${CTR_TEST_KILL_AT:-}" != run:jobs ] || sh -c 'kill -STOP "$PPID"'
	sec_export
	export R_INIT R_RESTART R_EP R_EPSET CG_MEM CG_SWAP CG_QUOTA CG_SHARES CG_PIDS NET_ETCDIR # RUN_JQ's $ENV
	run_oci_net
	run_ulimits
	sec_oci "$_net" "/$CTR_PREFIX/$CID" "$R_INIT"
	# the lists go in as arguments, each as its length then its items, before the command
	for _l in SEC_TMPL R_LABELL SEC_VOLL SEC_CAPDROPL SEC_CAPADDL R_PORTS R_ENVL; do
		list_len "$_l"
		eval "set -- $LIST_LEN $LIST_WORDS \"\$@\""
	done
	_cfg=$("$CTR_JQ" -rn --arg id "$CID" --arg name "$R_NAME" --slurpfile icfg "$_icfg" --arg img "$_img" \
		--arg host "$R_HOST" --arg wd "$R_WD" --arg net "$R_NET" \
		--arg rm "$R_RM" --arg tty "$R_T" --arg iv "$R_I" --arg rootfs "$R_TREE" --argjson ocik "$SEC_OCI" --argjson x "$R_X" \
		"$RUN_JQ" --args -- "$@") || die "$C/config.json: cannot make"
	nl_split "$_cfg"
	[ "$NL_N" -eq 4 ] || die "$C/config.json: cannot make ($CTR_JQ gave $NL_N lines)"
	printf '%s\n' "$NL_1" 2>/dev/null >"$C/config.json.tmp" && mv "$C/config.json.tmp" "$C/config.json" ||
		die "$C/config.json: cannot write (is its file system full?)"
	printf '%s\n' "$NL_2" 2>/dev/null >"$C/oci-config.json" ||
		die "$C/oci-config.json: cannot write (is its file system full?)"
	printf '%s\n' "$NL_3" 2>/dev/null >"$C/created" || die "$C/created: cannot write (is its file system full?)"
	# the image's STOPSIGNAL (docker's default for stop), as a number for container_stop
	[ "$NL_4" = - ] || { sig_lookup "$NL_4"; R_STOPSIG=$SIG_NUM; }
	[ -z "$R_STOPSIG$R_STOPTIME" ] || printf '%s %s\n' "${R_STOPSIG:--}" "${R_STOPTIME:--}" 2>/dev/null >"$C/stop" ||
		die "$C/stop: cannot write (is its file system full?)"
}

# run_oci_net: _net = the network of the container's OCI config (sec_oci's NET): host, none (a new
# netns of nsenter-chroot's, lo up: --net none, and rootless) or the path of net_setup's netns: the
# fd its supervisor holds and passes on (net.sh net_veth, run_exec's --pass-fd).
run_oci_net() {
	case $R_NET in
	host) _net=host ;;
	none) _net=none ;;
	*) _net=/proc/self/fd/6
		[ -z "$CTR_ROOTLESS" ] || _net=none ;;
	esac
}

# run_exec: start the container of $C/oci-config.json under ctr-shim (foreground or detached).
run_exec() {
	# a pty's input ends with a ^D, not with EOF: a pipe into -it would hang once drained
	[ -n "$R_DETACH" ] || [ -z "$R_I" ] || [ -z "$R_T" ] || [ -t 0 ] ||
		die "run -it: the input is not a terminal (use -i without -t)"
	# the container is the config's; only what is this start's goes as options
	# --detach: nsenter-chroot exits once the command runs, its PID 1 re-parented to the shim, which
	# supervises it (--container-pid-file): one resident process per container
	set -- --config "$C/oci-config.json" --pid-file "$C/pid" --detach
	[ -z "$R_T" ] || set -- "$@" --console-fd 3
	# rootless with a network: pasta sets up the config's new netns before the container runs
	[ -z "$CTR_ROOTLESS" ] || [ "$R_NET" = none ] || eval "set -- \"\$@\" $RL_NETARGV"
	# rootless with limits: the group in the user's delegated cgroup v2 subtree (rootless-cgroup.sh)
	if [ -n "$CTR_ROOTLESS" ]; then for _cg in $CG_DIRS; do set -- "$@" --cgroup "$_cg"; done; fi
	# -d: the shim returns once the command runs (PID 1 and its pid file exist), told over fd 4;
	# --restart: each run again says `running` only then
	[ -z "$R_DETACH$R_RESTART" ] || set -- "$@" --notify-fd 4
	set -- -- "$CTR_LIBEXEC/nsenter-chroot" "$@"
	[ -z "$R_T" ] || set -- -t "$@"
	[ -z "$R_I" ] || set -- -i "$@"
	set -- --log "$C/log" --log-max-size "$LOG_MAX" --exit-file "$C/exit" --shim-pid-file "$C/shim.pid" \
		--container-pid-file "$C/pid" "$@"
	# the bridge's netns has no name: the shim holds it for the container's life (restarts too)
	[ -z "$NET_FD" ] || set -- --pass-fd "$NET_FD" "$@"
	# the shim's work grows with the container's output: in its v1 cpu groups while it runs, it
	# counts in its --cpus and share (docs/security.md, "The supervisor's work is the container's")
	# shellcheck disable=SC2154 # CGV_cpu, CGV_cpuacct: cg_detect's (cgroup.sh, set by eval)
	if [ -z "$CTR_ROOTLESS" ]; then
		[ "${CGV_cpu:-}" != 1 ] || [ -z "$CG_cpu" ] || set -- --cgroup "$CG_cpu/$CTR_PREFIX/$CID" "$@"
		[ "${CGV_cpuacct:-}" != 1 ] || [ -z "$CG_cpuacct" ] || [ "$CG_cpuacct" = "${CG_cpu:-}" ] ||
			set -- --cgroup "$CG_cpuacct/$CTR_PREFIX/$CID" "$@"
	fi
	# the restart policy is the supervisor's: it runs the command again (helpers/start.sh)
	if [ -n "$R_RESTART" ]; then
		[ -n "$R_DETACH" ] || set -- --ready-fd 4 "$@"
		set -- --restart "$R_RESTART" --restart-file "$C/restart" --restart-cancel "$C/stopped" "$@"
	fi
	# the exit action (container_exited), run by the shim once PID 1's exit is recorded, whether
	# ctr.sh is still there or not: the settings it needs are its whole environment (the shim's
	# --exit-command-env), nothing else of ours
	shq "$CTR_HOME/${0##*/}"
	_xl="--exit-command $SHQ"
	for _x in "CTR_ROOT=$CTR_ROOT" "CTR_POOL=$CTR_POOL" "CTR_PREFIX=$CTR_PREFIX" "CTR_BRIDGE=$CTR_BRIDGE" \
		"CTR_SUBNET=$CTR_SUBNET" "CTR_SLICE=$CTR_SLICE" "CTR_LIBEXEC=$CTR_LIBEXEC" "CTR_JQ=$CTR_JQ" \
		${CTR_ROOTLESS:+"CTR_USER_POOL=$CTR_USER_POOL" "CTR_RUNTIME_DIR=$CTR_RUNTIME_DIR"}; do
		list_add _xl --exit-command-env
		list_add _xl "$_x"
	done
	for _x in _exited ${R_RM:+--rm} "$CID"; do
		list_add _xl --exit-command-arg
		list_add _xl "$_x"
	done
	# rm -f writes `removing` before its kill: its removal does all the action would (rm_claim)
	list_add _xl --exit-command-cancel
	list_add _xl "$C/removing"
	eval "set -- $_xl \"\$@\""
	ev_container start "$CID"
	if [ -n "$R_DETACH" ]; then
		"$CTR_LIBEXEC/ctr-shim" -d --ready-fd 4 --attach-socket "$C/attach.sock" "$@" 2>"$C/shim.err" 7>&- ||
			die "start: $(cat "$C/shim.err")"
		# Return once PID 1 exists (or the start failed): ps, stop and rm rely on its pid file.
		# (--ready-fd made the shim wait for it: this loop only checks.) A --rm container that
		# ran and ended already may be gone: its exit action removed it.
		_n=500
		while [ ! -s "$C/pid" ] && [ ! -e "$C/exit" ] && [ -d "$C" ] && [ "$_n" -gt 0 ]; do
			sleep 0.01
			_n=$((_n - 1))
		done
		[ -s "$C/pid" ] || [ ! -d "$C" ] || die "start: $(cat "$C/shim.err" 2>/dev/null; cat "$C/log" 2>/dev/null)"
		trap - EXIT
		printf '%s\n' "$CID"
		return 0
	fi
	# The exit action is ours, done here once the shim returns (no second ctr.sh start on the
	# caller's path); the shim's exit command does it only if we are gone before we say `d` on
	# fd 3 (ctr-shim --exited-fd 4). The pipe: a here-document's (dash makes it a pipe, without a
	# fork), opened again for writing through /proc; failing that, the shim's exit command does
	# it and returns first, as without. Not with --restart: the shim leaves us at the first exit.
	# (Fds 3 and 4: 5-9 are ctr.sh's locks and the netns's.)
	_xfd=''
	if [ -z "$R_RESTART" ]; then
		exec 4<<-EOF
		EOF
		[ -p /proc/self/fd/4 ] && { command exec 3>/proc/self/fd/4; } 2>/dev/null && _xfd=1 &&
			set -- --exited-fd 4 "$@"
		# ctr's lock for the exit action: the shim takes it on this open file (--exited-lock), so
		# that it is ours when the shim returns, without a flock(1) (exit_action checks: lock_held)
		[ -z "$_xfd" ] || ! { command exec 9>"$CTR_ROOT/lock"; } 2>/dev/null || set -- --exited-lock 9 "$@"
	fi
	shim_fg "$CTR_LIBEXEC/ctr-shim" "$@" 7>&- 3>&-
	R_RC=$?
	trap - EXIT
	rm_kill_at exited
	# 3: still running (the shim was killed); failed: the shim's exit command tries again
	_xok=''
	[ -z "$_xfd" ] || ! exit_action "$CID" ${R_RM:+--rm} || _xok=1
	# still there: it never started (no pid file: the exit action keeps it), or the action is late.
	# run.lock goes first: rm waits for the container's maker, which is this run (rm_settled)
	[ -z "$R_RM" ] || [ ! -d "$C" ] || { exec 7>&-; ctr_rm -f -v "$CID" >/dev/null; }
	[ -z "$_xok" ] || printf d >&3
	exit "$R_RC"
}

# shim_fg CMD...: run a foreground ctr-shim and return its status, passing on TERM HUP USR1 USR2
# sent to ctr.sh (a shell defers its traps while a foreground child runs, so the shim runs in
# the background, on our stdin, and we wait for it). INT and QUIT are not passed: the terminal
# sends those to the whole process group, so the container has them already (or, with -t, the
# terminal is raw and Ctrl-C is a byte); ctr.sh only survives them.
shim_fg() {
	exec 8<&0
	"$@" <&8 8<&- &
	_sp=$!
	exec 8<&-
	for _s in TERM HUP USR1 USR2; do
		# shellcheck disable=SC2064 # expand now: the signal and the shim's pid
		trap "kill -$_s $_sp 2>/dev/null" "$_s"
	done
	trap ':' INT QUIT
	while :; do
		wait "$_sp"
		_rc=$?
		# above 128: the shim's status, or a trap cut the wait short while it still runs
		[ "$_rc" -gt 128 ] && kill -0 "$_sp" 2>/dev/null || break
	done
	trap - TERM HUP USR1 USR2 INT QUIT
	return "$_rc"
}

# run_undo: on a failed run, remove every object made so far (runs from the EXIT trap).
run_undo() {
	_rc=$?
	trap - EXIT INT TERM HUP
	# the snapshot job of ctr_run, if it still runs: what it makes is removed below
	[ -z "${R_SNAP:-}" ] || wait "$R_SNAP"
	[ -z "${R_CFG:-}" ] || wait "$R_CFG"
	[ -z "${R_CG:-}" ] || wait "$R_CG"
	# run --cidfile: the file this run made names a container that is no more
	[ -z "${R_CIDW:-}" ] || rm -f -- "$R_CIDFILE"
	# under the lock: the shim's exit action may be releasing the same objects (and the anonymous
	# volumes made for it: container_remove)
	VOL_RM=1
	[ -n "${CID:-}" ] && [ -d "$C" ] && lock && container_remove "$CID" >/dev/null 2>&1
	exit "$_rc"
}

# container_remove CID: remove every object of a container (it must not be running). CID must be
# an ID: an empty or malformed one would name containers/ itself, or a path outside it. VOL_RM set
# (rm -v, run --rm, a failed run): its anonymous volumes too, unless another container uses one.
container_remove() {
	valid_id "$1" || { printf 'ctr: container ID %s: not 12 hex digits\n' "$1" >&2; return 1; }
	_crm=$CTR_ROOT/containers/$1
	_crvol=''
	[ -z "${VOL_RM:-}" ] || [ ! -s "$_crm/volumes" ] || _crvol=$(cat "$_crm/volumes")
	# the snapshot goes while the links and groups do: a job (a btrfs delete is ~2 ms of a removal)
	tree_of containers "$1"
	_crt=$TREE _crtd=$TREE_DIR
	subvol_rm "$_crt" &
	_crj=$!
	if [ ! -e "$_crm/released" ]; then
		net_teardown "$1"
		rm_kill_at net
		cg_teardown "$1"
		rm_kill_at cgroup
		sec_teardown "$1"
	fi
	_crn=''
	[ ! -f "$_crm/name" ] || read -r _crn <"$_crm/name"
	valid_name "$_crn" || _crn=''
	_crev=''
	[ ! -f "$_crm/config.json" ] || { ev_read "$1"; _crev=1; } # created: its destroy is an event
	# it ran and its exit action did not (rm took the lock first, or the shim was killed): the die
	# is this removal's to tell (the code the shim recorded, else a kill's)
	if [ -n "$_crev" ] && [ "${EV_DIED:-}" != "$1" ] && [ ! -e "$_crm/released" ] && [ ! -e "$_crm/died" ] &&
		[ -f "$_crm/pid" ]; then
		_crx=''
		[ ! -f "$_crm/exit" ] || read -r _crx _ <"$_crm/exit" || :
		case $_crx in '' | *[!0-9]*) _crx=137 ;; esac
		ev_emit container die "$1" exitCode "$_crx" image "$EV_IMG" name "$EV_NAME"
	fi
	# the name goes last: a container that cannot be removed keeps it (rm NAME again)
	wait "$_crj" || return 1
	subvol_rm "$_crm/rootfs" || return 1 # the earlier layout (an --rm exit action before the migration)
	rm_kill_at tree
	_crnv='' # whose the name is: the shell's read, no `cat` (a named run --rm's exit action)
	[ -z "$_crn" ] || read -r _crnv 2>/dev/null <"$CTR_ROOT/names/$_crn" || :
	[ -z "$_crn" ] || [ "$_crnv" != "$1" ] || rm -f "$CTR_ROOT/names/$_crn"
	rm_kill_at name
	rm -rf "$_crtd" "$_crm" || return 1
	# shellcheck source=/dev/null disable=SC2086 # volume names: one word each (valid_name's)
	[ -z "$_crvol" ] || { { [ -n "${VOL_SH:-}" ] || . "$CTR_HOME/helpers/volume.sh"; } && vol_rm_anon "$1" $_crvol; }
	[ -z "$_crev" ] || ev_emit container destroy "$1" image "$EV_IMG" name "$EV_NAME"
}

# rm_kill_at STEP: test hook (CTR_TEST_KILL_AT=stopped|net|cgroup|tree|name; net and cgroup only
# when rm does the release itself): an rm SIGKILLs
# itself there (test/exit.bats: what cleanup and a second rm make of a removal cut short).
# CTR_TEST_KILL_AT=run:STEP[:stop] (jobs: run's snapshot, configs and groups jobs have started,
# and the configs' job SIGSTOPs itself;
# exited: the shim has returned; net, cgroup, tree, name: a --rm removal): a run does so there (the
# last four in its own exit action; :stop: SIGSTOPs itself, for the test to kill the shim first;
# test/run-exited.bats). inspect:resolved:stop, logs:resolved:stop, exec:resolved:stop: SIGSTOPped
# once the container is found, for the test to remove it meanwhile (test/logs.bats, exec.bats);
# top:procs:stop: once top has the group's file name (verbs.bats); run:envfile:stop: once
# --env-file's FILE is checked, before it is opened (run-opts.bats); cleanup:halfmade:stop: once it
# saw a container without pid and exit files, for the test to let its run finish (lifecycle.bats);
# wait:pidgone:stop: once PID 1 is gone, for a --rm container's removal to come first (verbs.bats);
# rm:settled:stop: once rm first found the container at rest, before it takes the lock;
# start:unlocked:stop: once start leaves the lock to set the container up (both exit.bats);
# demo:ran:stop: once step 7's two containers run (demo.bats).
rm_kill_at() {
	case ${CTR_TEST_KILL_AT:-} in
	"$1") [ "${_verb:-}" != rm ] || kill -KILL $$ ;;
	"run:$1") [ "${_verb:-}" != run ] || kill -KILL $$ ;;
	"${_verb:-}:$1:stop") kill -STOP $$ ;;
	esac
}

# container_exited CID [--rm]: the exit action, once PID 1 has exited (ctr-shim's --exit-command
# `ctr.sh _exited [--rm] CID`, or cleanup's for a container whose shim was killed). Under the lock
# (rm, cleanup, run_undo and other exit actions take it too). Releases what a stopped container
# has no use for and others may need: its network (netns and veth, address and port records, DNAT
# rules), cgroups (the OOM fact first goes to oom_killed, for inspect), devices group and userns
# range; `released` marks it done. Keeps the rootfs, config.json, net, log and exit (ps -a,
# inspect, logs, commit). --rm: removes the container, once it has run (a pid file): a start that
# failed is undone by its run, or cleanup. Idempotent; nothing to do when the container is gone.
container_exited() {
	_xc=$CTR_ROOT/containers/$1
	[ -f "$_xc/config.json" ] || return 0
	# its die once: `died` says it is logged (an exit action killed after it, then rm or cleanup)
	[ -e "$_xc/released" ] || [ -e "$_xc/died" ] || { ev_container die "$1" exitCode "${ST_CODE:-0}"; EV_DIED=$1; : >"$_xc/died"; }
	if [ "${2:-}" = --rm ] && [ -e "$_xc/pid" ]; then
		VOL_RM=1 # its anonymous volumes too, as docker's run --rm
		container_remove "$1"
		return
	fi
	[ ! -e "$_xc/released" ] || return 0
	[ -e "$_xc/oom_killed" ] || cg_oom_killed "$1" >"$_xc/oom_killed"
	_xrc=0
	net_teardown "$1" || _xrc=1
	cg_teardown "$1" || _xrc=1
	sec_teardown "$1" || _xrc=1
	[ "$_xrc" -ne 0 ] || : >"$_xc/released"
}

# ctr__exited [--rm] CID: the verb behind ctr-shim's --exit-command (not listed in help).
ctr__exited() {
	_xrm=''
	[ "${1:-}" != --rm ] || { _xrm=--rm; shift; }
	[ $# -eq 1 ] && valid_id "$1" || die "usage: ctr.sh _exited [--rm] CID"
	[ -d "$CTR_ROOT/containers/$1" ] || return 0
	exit_action "$1" "$_xrm" || { [ $? -ne 3 ] || die "container $1: is running"; return 1; }
}

# exit_action CID [--rm]: container_exited under the lock, once PID 1 has exited: the shim's exit
# command (ctr__exited), or a foreground run's own (run_exec). Returns 3 while it still runs.
exit_action() {
	# shellcheck disable=SC2034 # read by net.sh (net_teardown)
	NET_ASYNC=1 # the netns goes in the background: a foreground run returns without waiting for it
	lock_held || lock
	ctr_state "$1"
	[ "$ST" != running ] || { unlock; return 3; }
	# the events' time: the exit's, as the shim recorded it (no fork)
	EV_T=''
	[ -z "$ST_FINISHED" ] || ev_at "$ST_FINISHED" "$ST_FINISHED_NS"
	container_exited "$1" "${2:-}" || { unlock; return 1; }
	unlock
}

#HELP inspect CONTAINER            the container's metadata and state as JSON
ctr_inspect() {
	[ $# -eq 1 ] || die "usage: ctr.sh inspect CONTAINER"
	pool_ensure
	_id=$(ctr_resolve "$1") || exit 125
	rm_kill_at resolved
	# opened now: a removal from here on does not turn into jq's "Could not open file" (the record
	# as it was is shown, as a lookup just before it would have)
	{ command exec 3<"$CTR_ROOT/containers/$_id/config.json"; } 2>/dev/null ||
		{ printf 'ctr: container %s: no such container\n' "$1" >&2; exit 125; }
	ctr_state "$_id"
	[ "$ST" != running ] || ! cg_frozen "$_id" || ST=paused
	# recorded by the exit action before the cgroup went; read from the cgroup while it runs
	_oom=''
	[ ! -f "$CTR_ROOT/containers/$_id/oom_killed" ] || read -r _oom 2>/dev/null <"$CTR_ROOT/containers/$_id/oom_killed"
	case $_oom in true | false) ;; *) _oom=$(cg_oom_killed "$_id") ;; esac
	# Mounts: docker's, from the volumes (a volume's source is its subvolume: tree_of) and tmpfs
	tree_of volumes NAME
	jq --arg st "$ST" --arg pid "${ST_PID:-0}" --arg code "${ST_CODE:-}" --arg fin "${ST_FINISHED:-}" \
		--argjson oom "${_oom:-false}" --argjson net "$(net_inspect "$_id")" --argjson rc "$ST_RESTARTS" \
		--arg vr "${TREE_DIR%NAME}" \
		'. + {state:$st, pid:($pid|tonumber), exit_code:(if $code == "" then null else ($code|tonumber) end),
		  finished:(if $fin == "" then null else ($fin|tonumber) end), oom_killed:$oom, restart_count:$rc,
		  Config: ({Labels: (.labels // {})} + if .stop_signal then {StopSignal: .stop_signal} else {} end
		    + if .stop_timeout then {StopTimeout: .stop_timeout} else {} end),
		  Mounts: ([.security.volumes[]? | (.source | if startswith($vr) and endswith("/_data")
			then .[($vr | length):-6] else null end) as $n
			| if $n then {Type: "volume", Name: $n, Source: .source, Destination: .target, Driver: "local",
				Mode: "", RW: (.ro | not), Propagation: ""}
			  else {Type: "bind", Source: .source, Destination: .target, Mode: "", RW: (.ro | not),
				Propagation: "rprivate"} end]
			+ [.security.tmpfs[]? | {Type: "tmpfs", Source: "", Destination: .target, Mode: "",
				RW: (.options | split(",") | index("ro") | not), Propagation: ""}]),
		  HostConfig: ({ExtraHosts: .extra_hosts, Dns: (.dns // []), DnsSearch: (.dns_search // []),
		    DnsOptions: (.dns_options // []), ShmSize: (.shm_size // 67108864),
		    CpusetCpus: (.resources.cpuset_cpus // ""), CpusetMems: (.resources.cpuset_mems // ""),
		    Devices: [.devices // [] | .[] | {PathOnHost: .path_on_host, PathInContainer: .path_in_container,
		      CgroupPermissions: .cgroup_permissions}]}
		    + if .sysctls then {Sysctls: .sysctls} else {} end)}
		  | .network += $net' <&3
}

#HELP logs [-f] [-t] [--stdout|--stderr] CONTAINER   print a container's output (-f: follow until it exits)
ctr_logs() {
	_f='' _t='' _s=''
	while [ $# -gt 1 ]; do
		case $1 in
		-f | --follow) _f=1 ;;
		-t | --timestamps) _t=1 ;;
		--stdout) _s=stdout ;;
		--stderr) _s=stderr ;;
		*) die "logs: unknown option $1" ;;
		esac
		shift
	done
	[ $# -eq 1 ] || die "usage: ctr.sh logs [-f] [-t] [--stdout|--stderr] CONTAINER"
	pool_ensure
	_id=$(ctr_resolve "$1") || exit 125
	rm_kill_at resolved
	_l=$CTR_ROOT/containers/$_id/log _lc=$1
	# mawk (Debian's awk) reads a pipe in blocks: -W interactive makes -f follow line by line
	set --
	case $(awk -W version 2>&1) in mawk*) set -- -W interactive ;; esac
	# the shim rotates log to log.1 at --log-opt max-size: the older records first. Both opened
	# now: a removal from here on is no error of cat's (a container still being made has no log:
	# its shim makes it). -f follows the name log (tail -F) across rotations, until the shim exits.
	{ command exec 3<"$_l.1"; } 2>/dev/null || exec 3</dev/null
	{ command exec 4<"$_l"; } 2>/dev/null || { [ -d "$CTR_ROOT/containers/$_id" ] && exec 4</dev/null; } ||
		{ printf 'ctr: container %s: no such container\n' "$_lc" >&2; exit 125; }
	_sp=''
	[ -z "$_f" ] || read -r _sp 2>/dev/null <"$CTR_ROOT/containers/$_id/shim.pid" || _sp=''
	case $_sp in '' | *[!0-9]*) _sp='' ;; esac
	if [ -n "$_sp" ]; then
		cat /dev/fd/3
		tail -n +1 -F --pid="$_sp" "$_l" 2>/dev/null
	else
		cat /dev/fd/3 /dev/fd/4
	fi | awk "$@" -v t="$_t" -v s="$_s" '
		{ ts = $1; st = $2; tag = $3; sub(/^[^ ]* [^ ]* [^ ]* ?/, "") }
		s != "" && st != s { next }
		{ line = (t ? ts " " : "") $0; nl = (tag == "P") ? "" : "\n" }
		st == "stderr" { printf "%s%s", line, nl > "/dev/stderr"; fflush("/dev/stderr"); next }
		{ printf "%s%s", line, nl; fflush() }'
}

#HELP stop [-t SECS] CONTAINER...  its stop signal (SIGTERM), then SIGKILL after SECS (default: its --stop-timeout, else 10)
ctr_stop() {
	_t=''
	case ${1:-} in
	-t | --time) need_arg "$@"; _t=$2; shift 2
		case $_t in '' | *[!0-9]*) die "stop: -t $_t: not a number of seconds" ;; esac ;;
	esac
	[ $# -ge 1 ] || die "usage: ctr.sh stop [-t SECS] CONTAINER..."
	pool_ensure
	for _c; do
		_id=$(ctr_resolve "$_c") || exit 125
		ctr_state "$_id"
		_was=$ST
		container_stop "$_id" "$_t"
		[ "$_was" != running ] || ev_container stop "$_id"
		printf '%s\n' "$_c"
	done
}

# container_stop CID SECS: its stop signal (run --stop-signal, else SIGTERM) to PID 1, SIGKILL after
# SECS ('': its --stop-timeout, else 10; -: SIGKILL at once, docker's rm -f), wait until the shim
# recorded the exit. Returns with ctr_state's variables of the container as it left it (stopped:
# ST_FINISHED and ST_FINISHED_NS, the exit's time).
# A restart policy ends first (policy_cancel); a run the supervisor started meanwhile is stopped
# in the next round.
container_stop() {
	_cs=3 _csig=15 _cst=''
	# run --stop-signal, --stop-timeout: "SIGNAL TIMEOUT" ('-': not given), read without a fork
	read -r _csig _cst 2>/dev/null <"$CTR_ROOT/containers/$1/stop" || _csig=15
	case $_csig in [1-9] | [1-5][0-9] | 6[0-4]) ;; *) _csig=15 ;; esac
	case $_cst in '' | *[!0-9]*) _cst=10 ;; esac
	set -- "$1" "${2:-$_cst}"
	while [ "$_cs" -gt 0 ]; do
		_cs=$((_cs - 1))
		ctr_state "$1"
		policy_cancel "$1"
		[ "$ST" != restarting ] || { restart_settle "$1"; continue; }
		[ "$ST" = running ] || return 0
		! cg_frozen "$1" || cg_freeze "$1" 0 # paused: thawed first, so that it can act on SIGTERM
		if [ "$2" != - ]; then
			ev_container kill "$1" signal "$_csig"
			kill -s "$_csig" "$ST_PID" 2>/dev/null
			stop_wait "$1" $(($2 * 50)) && continue
		fi
		ev_container kill "$1" signal 9
		kill -KILL "$ST_PID" 2>/dev/null
		stop_wait "$1" 250 || return 1
	done
}

# policy_cancel CID: the user stops or kills the container: its restart policy (a `restart` file:
# ctr-shim --restart) ends, as docker's stop and kill end it: the shim's --restart-cancel file. A
# shim waiting out its back-off (ST restarting) is woken to see it.
policy_cancel() {
	[ -f "$CTR_ROOT/containers/$1/restart" ] || return 0
	: 2>/dev/null >"$CTR_ROOT/containers/$1/stopped" || printf 'ctr: container %s: cannot end its restart policy\n' "$1" >&2
	[ "$ST" = restarting ] || return 0
	_pcs=''
	read -r _pcs 2>/dev/null <"$CTR_ROOT/containers/$1/shim.pid"
	case $_pcs in '' | 0* | 1 | *[!0-9]*) ;; *) kill -TERM "$_pcs" 2>/dev/null ;; esac
}

# restart_settle CID: wait (5 s at most) until a supervisor woken in its back-off has left it:
# ended, or (a run it started just before) running again.
restart_settle() {
	_rsn=250
	while [ "$_rsn" -gt 0 ] && [ "$ST" = restarting ]; do
		sleep 0.02
		_rsn=$((_rsn - 1))
		ctr_state "$1"
	done
}

# stop_wait CID TICKS: wait at most TICKS x 20 ms until PID 1 is gone and ctr-shim has written the
# exit file (a supervisor that was itself killed writes none: then 1 s after PID 1 is enough).
# PID 1's end: tail checks it every 2 ms with a kill(2), no process per tick (timeout bounds it);
# the shim writes the file a moment later: looked for every 2 ms, then every 20 ms.
stop_wait() {
	_swf=$CTR_ROOT/containers/$1/exit
	[ ! -e "$_swf" ] || return 0
	[ "$2" -gt 0 ] || return 1
	if kill -0 "$ST_PID" 2>/dev/null; then
		timeout "$(($2 / 50)).$(($2 % 50 * 2 / 10))$(($2 % 50 * 2 % 10))" \
			tail -s 0.002 --pid="$ST_PID" -f /dev/null 2>/dev/null </dev/null
		! kill -0 "$ST_PID" 2>/dev/null || [ -e "$_swf" ] || return 1
	fi
	_sg=0
	while [ ! -e "$_swf" ] && [ "$_sg" -lt 60 ]; do
		if [ "$_sg" -lt 10 ]; then sleep 0.002; else sleep 0.02; fi
		_sg=$((_sg + 1))
	done
	return 0
}

#HELP rm [-f] [-v] CONTAINER...    remove containers (-f: SIGKILL running ones first; -v: their anonymous volumes too)
ctr_rm() {
	_force=
	while :; do
		case ${1:-} in
		-f | --force) _force=1 ;;
		-v | --volumes) VOL_RM=1 ;; # container_remove
		-fv | -vf) _force=1 VOL_RM=1 ;;
		*) break ;;
		esac
		shift
	done
	[ $# -ge 1 ] || die "usage: ctr.sh rm [-f] [-v] CONTAINER..."
	pool_ensure
	_rc=0
	for _c; do
		ctr_id "$_c" || { _rc=125; continue; }
		# shellcheck disable=SC2153 # CTR_ID: ctr_id's (storage.sh)
		_id=$CTR_ID EV_T=''
		rm_claim "$_id" "$_c" || { _rc=125; continue; }
		# under the lock, as the exit action; gone meanwhile (a --rm one's exit action): removed
		if [ -d "$CTR_ROOT/containers/$_id" ] && ! container_remove "$_id"; then
			unlock
			printf 'ctr: container %s: cannot remove\n' "$_c" >&2
			_rc=125
			continue
		fi
		unlock
		printf '%s\n' "$_c"
	done
	return "$_rc"
}

# rm_claim CID ARG: (rm) take the lock with the container at rest: no run or start at work on it
# (rm_settled) and not running (rm -f stops it), both checked again under the lock: a start takes
# the container's run.lock, then the lock, and works on outside it; one that came after rm looked
# would have the container removed from under it (its rootfs gone: "cannot create .../etc").
# Gone meanwhile is at rest. 1 (the lock not held, said why) when it runs and no -f, or when
# starts come back each time rm looks.
rm_claim() {
	_rcn=5
	while [ "$_rcn" -gt 0 ]; do
		_rcn=$((_rcn - 1))
		rm_settled "$1"
		[ "$_rcn" -lt 4 ] || rm_kill_at settled # the first look only
		if [ "$ST" = running ] || [ "$ST" = restarting ]; then
			[ -n "$_force" ] || { printf 'ctr: container %s: is %s (stop it first, or rm -f)\n' "$2" "$ST" >&2; return 1; }
			# its supervisor runs no exit action (ctr-shim --exit-command-cancel): the removal
			# releases all (one cut short leaves it to a second rm, or cleanup: cleanup_exited)
			: 2>/dev/null >"$CTR_ROOT/containers/$1/removing"
			container_stop "$1" -
			rm_kill_at stopped
			# its die and destroy, as its exit action's: at the exit's time (container_stop's
			# ctr_state; no date)
			[ -z "$ST_FINISHED" ] || ev_at "$ST_FINISHED" "$ST_FINISHED_NS"
		fi
		lock
		[ -d "$CTR_ROOT/containers/$1" ] || return 0
		if run_lock_free "$CTR_ROOT/containers/$1"; then
			ctr_state "$1"
			case $ST in running | restarting) ;; *) return 0 ;; esac
		fi
		unlock
	done
	printf 'ctr: container %s: cannot remove: started again each time rm looked (try again)\n' "$2" >&2
	return 1
}

# rm_settled CID: a run or start still at work on the container (its run.lock held while it is
# not running: being made, being started again, or its exit action under way) is waited for, 30 s
# at most. rm then finds it running or exited, or half-made by a killed run (its lock free), and
# never removes it from under a maker whose next step would fail on what is gone (its netns
# name, its state directory). A running one is not waited for (a foreground run holds run.lock
# while its container runs). Leaves ctr_state's ST, read after the wait (rm's state).
rm_settled() {
	_rsd=$CTR_ROOT/containers/$1 _rsn=1500
	while :; do
		ctr_state "$1"
		case $ST in running | restarting) return 0 ;; esac
		[ "$_rsn" -gt 0 ] && [ -d "$_rsd" ] && ! lock_free "$_rsd/run.lock" || break
		sleep 0.02
		_rsn=$((_rsn - 1))
	done
	# its maker may have ended between that state and the free lock
	ctr_state "$1"
}

#HELP cleanup [--all]             remove objects left by killed runs (--all: also the bridge and rules)
ctr_cleanup() {
	_all=''
	case ${1:-} in --all) _all=1 ;; '') ;; *) die "usage: ctr.sh cleanup [--all]" ;; esac
	pool_ensure
	lock
	# half-made images, and containers that never started (a run or pull killed midway)
	for _t in "$CTR_ROOT"/tmp/*; do
		[ -e "$_t" ] || continue
		# a pull, load, save or import still running holds its work directory's lock; one without
		# its lock yet is being made (no ctr lock between), or was left so by one killed then
		work_live "$_t" && continue
		tree_of tmp "${_t##*/}"
		subvol_rm "$TREE"
		rm -rf "$TREE_DIR" "$_t" && printf 'removed %s\n' "$_t"
	done
	for _c in "$CTR_ROOT"/containers/*; do
		valid_id "${_c##*/}" && [ -d "$_c" ] && [ ! -e "$_c/pid" ] && [ ! -e "$_c/exit" ] || continue
		rm_kill_at halfmade
		run_lock_free "$_c" || continue
		# its run may have ended since the look above, the container made whole and started: once
		# run.lock is free, no pid and no exit file is half-made for good
		[ ! -e "$_c/pid" ] && [ ! -e "$_c/exit" ] || continue
		container_remove "${_c##*/}" && printf 'removed container %s\n' "${_c##*/}"
	done
	for _c in "$CTR_ROOT"/containers/*; do
		cleanup_exited "${_c##*/}"
	done
	net_cleanup
	cg_cleanup
	sec_cleanup
	storage_cleanup
	exec_cleanup
	tmp_busy || { tree_gc; blob_gc; }
	[ -z "$_all" ] || { net_remove; cg_remove_parents; }
}

# cleanup_exited CID: (cleanup, under the lock) the exit action of a container that ran and ended
# without one: its shim was killed (no exit file) or could not run it. A live shim runs it itself,
# a run still starting the container holds its run.lock. --rm containers are removed, also those
# that never started (no pid file) and whose run was killed before it undid them.
cleanup_exited() {
	_ce=$CTR_ROOT/containers/$1
	valid_id "$1" && [ -f "$_ce/config.json" ] && { [ -e "$_ce/pid" ] || [ -e "$_ce/exit" ]; } || return 0
	[ ! -e "$_ce/released" ] || [ ! -e "$_ce/pid" ] || return 0
	run_lock_free "$_ce" || return 0
	! shim_alive "$1" || return 0
	ctr_state "$1"
	[ "$ST" != running ] || return 0
	_cerm=''
	[ "$("$CTR_JQ" -r .rm "$_ce/config.json" 2>/dev/null)" != true ] || _cerm=--rm
	[ ! -e "$_ce/removing" ] || _cerm=--rm # an rm -f cut short after its kill
	if [ -e "$_ce/released" ]; then
		[ -n "$_cerm" ] && container_remove "$1" && printf 'removed container %s\n' "$1"
		return 0
	fi
	container_exited "$1" "$_cerm" || return 0
	if [ -d "$_ce" ]; then
		printf 'released the objects of exited container %s\n' "$1"
	else
		printf 'removed container %s\n' "$1"
	fi
}

# shim_alive CID: the container's supervisor still runs: its shim.pid names a ctr-shim that is
# not a zombie (a killed daemon stays one until its new parent reaps it).
shim_alive() {
	_sa=''
	[ -f "$CTR_ROOT/containers/$1/shim.pid" ] && read -r _sa 2>/dev/null <"$CTR_ROOT/containers/$1/shim.pid" || return 1
	case $_sa in '' | 0* | *[!0-9]*) return 1 ;; esac
	pid_live "$_sa" ctr-shim
}

# pid_live PID [NAME]: PID is a process that is not a zombie (nor dead), named NAME if given (its
# /proc status, read by the shell: no fork).
pid_live() {
	_pln='' _pls=''
	while read -r _plk _plv _; do
		case $_plk in Name:) _pln=$_plv ;; State:) _pls=$_plv; break ;; esac
	done 2>/dev/null <"/proc/$1/status"
	case $_pls in '' | Z | X) return 1 ;; esac
	[ -z "${2:-}" ] || [ "$_pln" = "$2" ]
}

# EXEC_JQ: exec's jq program. In: the container's oci-config.json ($c), -w ($wd), -u ($user), -t
# ($tty), and as arguments the number of -e's, the -e's, then the command. Out: the process to run,
# as an OCI process object (what nsenter-chroot --process takes): the container's, with the
# command, -t, its env with the -e's applied (envset: the later wins), -w and -u (by name, looked
# up in the container) on top.
# shellcheck disable=SC2016,SC2034 # jq's $, not the shell's
EXEC_JQ=$ENV_JQ'
	($ARGS.positional[0] | tonumber) as $n | $ARGS.positional[1:$n + 1] as $e
	| $c[0].process | .args = $ARGS.positional[$n + 1:] | .terminal = ($tty != "")
	| .env = ((.env // [] | envclean) + $e | envset)
	| (if $wd != "" then .cwd = $wd else . end)
	| (if $user != "" then .user = {uid: 0, gid: 0, username: $user} else . end)
	| tojson'

#HELP exec [-i] [-t] [-e K=V] [-w DIR] [-u USER[:GROUP]] CONTAINER CMD [ARG...]   run a command in a running container
ctr_exec() {
	_i='' _t='' _envl='' _wd='' _user=''
	while [ $# -gt 0 ]; do
		case $1 in
		--*=*) _o=${1%%=*} _v=${1#*=}; shift; set -- "$_o" "$_v" "$@"; continue ;;
		-it | -ti) shift; set -- -i -t "$@"; continue ;;
		-i | --interactive) _i=1 ;;
		-t | --tty) _t=1 ;;
		-e | --env) need_arg "$@"; env_arg "$2"; list_add _envl "$ENV_ARG"; shift ;;
		-w | --workdir) need_arg "$@"; _wd=$2; shift ;;
		-u | --user) need_arg "$@"; _user=$2; shift ;;
		--) shift; break ;;
		-*) die "exec: unknown option $1" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -ge 2 ] || die "usage: ctr.sh exec [-i] [-t] [-e K=V] [-w DIR] [-u USER[:GROUP]] CONTAINER CMD [ARG...]"
	[ -z "$_user" ] || { one_line --user "$_user"; sec_valid_user "$_user"; }
	[ -z "$_wd" ] || check_workdir "$_wd"
	[ -z "$_i" ] || [ -z "$_t" ] || [ -t 0 ] || die "exec -it: the input is not a terminal (use -i without -t)"
	pool_ensure
	_id=$(ctr_resolve "$1") || exit 125
	shift
	ctr_state "$_id"
	[ "$ST" = running ] || die "container $_id: is not running"
	C=$CTR_ROOT/containers/$_id
	# its OCI config, opened once the container is found (as logs and inspect do): one removed
	# meanwhile (rm -f, a --rm one's exit) is no such container, not jq's "cannot open"
	rm_kill_at resolved
	{ command exec 5<"$C/oci-config.json"; } 2>/dev/null || {
		[ -d "$C" ] || die "container $_id: no such container"
		die "container $_id: no oci-config.json (made by an older ctr: run it again)"
	}
	# One jq (EXEC_JQ); the -e's and the command go to it as arguments, the process it makes to
	# nsenter-chroot in a file of this exec's own (the command's words are never options), on
	# the host's tmpfs (an exec works when the pool is full), readable by root only (its env)
	list_len _envl
	_proc=$(eval "\"\$CTR_JQ\" -rn --slurpfile c /dev/fd/5 --arg wd \"\$_wd\" --arg user \"\$_user\" \
		--arg tty \"\$_t\" \"\$EXEC_JQ\" --args -- $LIST_LEN $LIST_WORDS \"\$@\"") ||
		die "container $_id: cannot read its oci-config.json"
	# removed when this exec ends (a SIGKILL'ed one's: by cleanup, exec_cleanup)
	_pf=$CTR_RUN/exec.$$.json
	trap 'rm -f "$_pf"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	umask 077
	printf '%s\n' "$_proc" 2>/dev/null >"$_pf" || die "$_pf: cannot write"
	exec 5<&-
	set -- --config "$C/oci-config.json" --join "$ST_PID" --process "$_pf"
	if [ -n "$CTR_ROOTLESS" ]; then
		cg_dirs "$_id"
		for _cg in $CG_DIRS; do set -- "$@" --cgroup "$_cg"; done
	fi
	[ -n "$_i" ] || exec </dev/null
	# through ctr-shim, as run: the command gets its pipes (or the pty), never our files
	[ -z "$_t" ] || set -- "$@" --console-fd 3
	# a bridge container's config names its netns /proc/self/fd/6 (its supervisor's fd, see
	# run_oci_net): PID 1's is given there, for the config's checks (exec joins PID 1's anyway)
	_nfd=''
	# (gone: PID 1 ended since ctr_state said running)
	[ -n "$CTR_ROOTLESS" ] || { { command exec 6<"/proc/$ST_PID/ns/net"; } 2>/dev/null && _nfd=6; } ||
		die "container $_id: is not running"
	set -- "$CTR_LIBEXEC/ctr-shim" ${_t:+-t} ${_i:+-i} ${_nfd:+--pass-fd 6} -- "$CTR_LIBEXEC/nsenter-chroot" "$@"
	shim_fg "$@"
	exit $?
}

# exec_cleanup: (cleanup) the process files of execs that were SIGKILLed (exec.PID.json whose PID
# is gone); an exec that ends otherwise removes its own.
exec_cleanup() {
	for _xf in "$CTR_RUN"/exec.*.json; do
		_xp=${_xf##*/exec.}
		_xp=${_xp%.json}
		case $_xp in '' | *[!0-9]*) continue ;; esac
		[ -d "/proc/$_xp" ] || rm -f "$_xf"
	done
}

#HELP attach CONTAINER             reconnect the terminal to a detached -it container (Ctrl-P Ctrl-Q detaches)
ctr_attach() {
	[ $# -eq 1 ] || die "usage: ctr.sh attach CONTAINER"
	pool_ensure
	_id=$(ctr_resolve "$1") || exit 125
	ctr_state "$_id"
	[ "$ST" = running ] || die "container $_id: is not running"
	[ -S "$CTR_ROOT/containers/$_id/attach.sock" ] || die "container $_id: not detached (only run -d has an attach socket)"
	exec "$CTR_LIBEXEC/ctr-attach" "$CTR_ROOT/containers/$_id/attach.sock"
}

# ---------------------------------------------------------------- docker's other verbs

# sig_num SIG: SIG_NUM = the number of a signal given as docker takes it: a number (1 to 64), or a
# name with or without SIG, any case (kill, SIGKILL, RTMIN+2). The shell's own list: no kill(1).
sig_num() {
	sig_lookup "$1"
	[ -n "$SIG_NUM" ] || die "kill: invalid signal: $1"
}

# sig_lookup NAME|NUMBER: SIG_NUM = its number, '' when it names no signal (1-64; a name with or
# without SIG, any case); SIG_NAME its name without SIG ('' for a number).
sig_lookup() {
	SIG_NUM='' SIG_NAME=''
	case $1 in [1-9] | [1-5][0-9] | 6[0-4]) SIG_NUM=$1; return 0 ;; esac
	# upper case as kill -l writes it (run's jq already gives the image's STOPSIGNAL so: no tr)
	case $1 in *[a-z]*) _sn=$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]') ;; *) _sn=$1 ;; esac
	_sn=${_sn#SIG} _sk=0
	case $_sn in '' | *[!A-Z0-9+-]* | [0-9]*) return 0 ;; esac
	for _sw in $(kill -l); do
		# shellcheck disable=SC2034 # SIG_NAME: read by runopts.sh
		[ "$_sw" != "$_sn" ] || { SIG_NUM=$_sk SIG_NAME=$_sn; break; }
		_sk=$((_sk + 1))
	done
	[ "${SIG_NUM:-0}" -ge 1 ] || SIG_NUM=''
}

#HELP kill [-s SIG] CONTAINER...   send a signal (name or number; default KILL) to each container's PID 1
ctr_kill() {
	_sig=KILL
	case ${1:-} in
	-s | --signal) need_arg "$@"; _sig=$2; shift 2 ;;
	--signal=*) _sig=${1#*=}; shift ;;
	-s?*) _sig=${1#-s}; shift ;;
	--) shift ;;
	-?*) die "kill: unknown option $1" ;;
	esac
	[ $# -ge 1 ] || die "usage: ctr.sh kill [-s SIG] CONTAINER..."
	sig_num "$_sig"
	pool_ensure
	_rc=0
	for _c; do
		_id=$( (ctr_resolve "$_c") ) || { _rc=125; continue; }
		ctr_state "$_id"
		# as docker's: a kill ends the restart policy; one waiting to restart only stops waiting
		[ "$ST" != running ] && [ "$ST" != restarting ] || policy_cancel "$_id"
		[ "$ST" != restarting ] || { restart_settle "$_id"; printf '%s\n' "$_c"; continue; }
		if [ "$ST" != running ] || ! kill -s "$SIG_NUM" "$ST_PID" 2>/dev/null; then
			printf 'ctr: container %s: is not running\n' "$_c" >&2
			_rc=125
			continue
		fi
		# a frozen process dies of SIGKILL only once thawed (docker, too, unpauses after a KILL)
		[ "$SIG_NUM" != 9 ] || ! cg_frozen "$_id" || cg_freeze "$_id" 0
		ev_container kill "$_id" signal "$SIG_NUM"
		printf '%s\n' "$_c"
	done
	return "$_rc"
}

#HELP wait CONTAINER...            block until each container stops, then print its exit code
ctr_wait() {
	[ $# -ge 1 ] || die "usage: ctr.sh wait CONTAINER..."
	pool_ensure
	_rc=0
	for _c; do
		_id=$( (ctr_resolve "$_c") ) || { _rc=125; continue; }
		ctr_state "$_id"
		# running, or ended with its exit not yet recorded (a zombie PID 1 is in no cgroup: ctr_state
		# says exited, 137, until the shim writes the exit file)
		[ "$ST" != running ] && { [ -e "$CTR_ROOT/containers/$_id/exit" ] || [ -z "$ST_PID" ]; } ||
			wait_exit "$_id"
		# a --rm one's exit action may remove it before the exit file is read (a busy machine):
		# its die event, logged before the removal, has the code
		[ -n "$ST_CODE" ] || [ "$ST" = created ] || wait_died "$_id" ||
			{ printf 'ctr: container %s: removed before its exit code was read\n' "$_c" >&2; _rc=125; continue; }
		printf '%s\n' "${ST_CODE:-0}"
	done
	return "$_rc"
}

# wait_died CID: ST_CODE = the exit code of the container's last die event (events.1, then events).
wait_died() {
	ST_CODE=$(cat -- "$CTR_ROOT/events.1" "$CTR_ROOT/events" 2>/dev/null | jq -r --arg id "$1" \
		'select(.id == $id and .status == "die") | .Actor.Attributes.exitCode // empty' 2>/dev/null) || ST_CODE=''
	ST_CODE=${ST_CODE##*"$NL"}
	case $ST_CODE in '' | *[!0-9]*) ST_CODE=''; return 1 ;; esac
}

# wait_exit CID: wait until the container's PID 1 is gone (tail sleeps and checks the pid every
# 10 ms: a kill(2), no process per tick), then read the exit file the moment the shim writes it,
# before a --rm container's exit action removes it (that takes the lock, tears down the network and
# cgroups, deletes the subvolume: far longer than a tick). Sets ST_CODE; a shim killed writes none:
# then ctr_state's 137.
wait_exit() {
	tail -s 0.01 --pid="$ST_PID" -f /dev/null
	rm_kill_at pidgone
	_we=$CTR_ROOT/containers/$1/exit _ws=''
	read -r _ws 2>/dev/null <"$CTR_ROOT/containers/$1/shim.pid"
	case $_ws in '' | 0* | 1 | *[!0-9]*) _ws=1 ;; esac # 1: the test below fails (never signalled)
	while :; do
		ST_CODE=''
		read -r ST_CODE _wf 2>/dev/null <"$_we"
		[ -z "$ST_CODE" ] || return 0
		[ "$_ws" != 1 ] && kill -0 "$_ws" 2>/dev/null || break
		sleep 0.01
	done
	ctr_state "$1"
	[ -d "$CTR_ROOT/containers/$1" ] || ST=removed ST_CODE=''
}

#HELP pause CONTAINER...           freeze every process of each container (cgroup freezer)
ctr_pause() {
	[ $# -ge 1 ] || die "usage: ctr.sh pause CONTAINER..."
	pause_each 1 "$@"
}

#HELP unpause CONTAINER...         thaw each paused container
ctr_unpause() {
	[ $# -ge 1 ] || die "usage: ctr.sh unpause CONTAINER..."
	pause_each 0 "$@"
}

# pause_each 1|0 CONTAINER...: freeze (1) or thaw (0) each running container, as docker: an error
# for one that is not running, already paused (pause) or not paused (unpause); the others go on.
pause_each() {
	_fz=$1
	shift
	pool_ensure
	_rc=0
	for _c; do
		_id=$( (ctr_resolve "$_c") ) || { _rc=125; continue; }
		ctr_state "$_id"
		_why=''
		if [ "$ST" != running ]; then _why='is not running'
		elif cg_frozen "$_id"; then [ "$_fz" = 0 ] || _why='is already paused'
		elif [ "$_fz" = 0 ]; then _why='is not paused'
		fi
		[ -z "$_why" ] && cg_freeze "$_id" "$_fz" || {
			[ -n "$_why" ] || { _why='cannot freeze'; [ "$_fz" = 1 ] || _why='cannot thaw'; }
			printf 'ctr: container %s: %s\n' "$_c" "$_why" >&2
			_rc=125
			continue
		}
		if [ "$_fz" = 1 ]; then ev_container pause "$_id"; else ev_container unpause "$_id"; fi
		printf '%s\n' "$_c"
	done
	return "$_rc"
}

#HELP top CONTAINER [ps OPTIONS]   the container's processes as the host's ps shows them (default -ef)
ctr_top() {
	[ $# -ge 1 ] || die "usage: ctr.sh top CONTAINER [ps OPTIONS]"
	pool_ensure
	_id=$(ctr_resolve "$1") || exit 125
	ctr_state "$_id"
	[ "$ST" = running ] || die "container $1: is not running"
	[ $# -gt 1 ] || set -- "$1" -ef
	top_of "$_id" "$@"
}

# top_of CID NAME [ps OPTIONS]: top_rows of the processes of the container's cgroup (NAME: the
# container as the user named it; rootless-verbs.sh has its own: those of its pid namespace).
top_of() {
	cg_dirs "$1"
	_tp=''
	for _cg in $CG_DIRS; do [ -n "$_tp" ] || _tp=$_cg/cgroup.procs; done
	[ -f "$_tp" ] || die "container $2: no cgroup"
	shift
	rm_kill_at procs
	top_rows "$_tp" "$@"
}

# top_rows FILE NAME [ps OPTIONS]: as docker's top, the host's ps with the caller's options, its
# rows kept when the PID column names a process whose pid is a line of FILE (read by awk as a file:
# the pids never become a list). FILE gone (the container ended meanwhile, its group removed):
# "is not running", 125. Also rootless-verbs.sh's top_of.
top_rows() {
	_tf=$1 _tw=$2
	shift 2
	_to=$(ps "$@") || die "top: ps $*: failed"
	printf '%s\n' "$_to" | TOP_F=$_tf TOP_N=$_tw awk 'BEGIN { while ((r = (getline l < ENVIRON["TOP_F"])) > 0) p[l]
			if (r < 0) { print "ctr: container " ENVIRON["TOP_N"] ": is not running" > "/dev/stderr"; exit 125 } }
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == "PID") c = i
			if (!c) { print "ctr: top: no PID column in the output of ps" > "/dev/stderr"; exit 125 }
			print; next }
		$c in p'
}

#HELP port CONTAINER [PORT[/PROTO]]   the published ports of a running container (80/tcp -> 0.0.0.0:8080)
ctr_port() {
	[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: ctr.sh port CONTAINER [PRIVATE_PORT[/PROTO]]"
	_want=''
	if [ $# -eq 2 ]; then
		_pr=tcp
		case $2 in */*) _pr=${2##*/} ;; esac
		case $_pr in tcp | udp) ;; *) die "port $2: protocol must be tcp or udp" ;; esac
		case ${2%/*} in [1-9] | [1-9][0-9] | [1-9][0-9][0-9] | [1-9][0-9][0-9][0-9] | [1-9][0-9][0-9][0-9][0-9]) ;;
		*) die "port $2: a port is a number from 1 to 65535" ;; esac
		[ "${2%/*}" -le 65535 ] || die "port $2: a port is a number from 1 to 65535"
		_want=${2%/*}/$_pr
	fi
	pool_ensure
	_id=$(ctr_resolve "$1") || exit 125
	ctr_state "$_id"
	_n=0 NETC_PORTS=''
	# as docker, only a running container has ports (a stopped one's are released)
	[ "$ST" != running ] || net_read "$_id"
	while read -r _pr _hip _hp _cp; do
		[ -n "$_pr" ] || continue
		if [ -z "$_want" ]; then printf '%s/%s -> %s:%s\n' "$_cp" "$_pr" "$_hip" "$_hp"
		elif [ "$_want" = "$_cp/$_pr" ]; then printf '%s:%s\n' "$_hip" "$_hp"
		else continue
		fi
		_n=$((_n + 1))
	done <<EOT
$NETC_PORTS
EOT
	[ -z "$_want" ] || [ "$_n" -gt 0 ] || die "container $1: no public port '$_want' published"
}

#HELP rename CONTAINER NEW_NAME    give a container another name
ctr_rename() {
	[ $# -eq 2 ] || die "usage: ctr.sh rename CONTAINER NEW_NAME"
	run_check_name "$2"
	pool_ensure
	lock
	_id=$(ctr_resolve "$1") || exit 125
	_cd=$CTR_ROOT/containers/$_id _old=''
	[ ! -f "$_cd/name" ] || read -r _old <"$_cd/name"
	[ "$_old" != "$2" ] || die "container $1: is already named $2"
	# under the lock, in an order that a crash leaves resolvable: the new name's record first
	(set -C && printf '%s\n' "$_id" >"$CTR_ROOT/names/$2") 2>/dev/null ||
		die "name $2: already in use by container $(cat "$CTR_ROOT/names/$2" 2>/dev/null)"
	if ! jq -c --arg n "$2" '.name = $n' "$_cd/config.json" >"$_cd/config.json.tmp" 2>/dev/null ||
		! printf '%s\n' "$2" 2>/dev/null >"$_cd/name.tmp" ||
		! mv "$_cd/config.json.tmp" "$_cd/config.json"; then
		rm -f "$_cd/config.json.tmp" "$_cd/name.tmp" "$CTR_ROOT/names/$2"
		die "container $1: cannot rename (is its file system full?)"
	fi
	mv "$_cd/name.tmp" "$_cd/name" || die "$_cd/name: cannot write"
	_cr=''
	! valid_name "$_old" || read -r _cr 2>/dev/null <"$CTR_ROOT/names/$_old"
	[ "$_cr" != "$_id" ] || rm -f "$CTR_ROOT/names/$_old"
	unlock
	ev_container rename "$_id" oldName "${_old:+/$_old}"
}

# hsize BYTES: HSIZE = BYTES in docker's units, one decimal (1.5GiB). No fork.
hsize() {
	_hb=$1 _hu=B _ht=0
	for _hn in KiB MiB GiB TiB PiB; do
		[ "$_hb" -ge 1024 ] || break
		_ht=$(((_hb % 1024) * 10 / 1024)) _hb=$((_hb / 1024)) _hu=$_hn
	done
	HSIZE=$_hb.$_ht$_hu
}

# cg_version: CGV = "2" or "1 (hybrid)" or "1" (cg_detect's mode).
cg_version() {
	cg_detect
	case $CG_MODE in v2) CGV=2 ;; hybrid) CGV='1 (hybrid: v2 mounted, controllers on v1)' ;; *) CGV=1 ;; esac
}

#HELP version                      ctr's version, the kernel, cgroup version and storage driver
ctr_version() {
	[ $# -eq 0 ] || die "usage: ctr.sh version"
	cg_version
	_arch=$(uname -m)
	case $_arch in x86_64) _arch=amd64 ;; aarch64) _arch=arm64 ;; esac
	_kv=''
	read -r _kv </proc/sys/kernel/osrelease
	printf 'Version:         %s\nOS/Arch:         linux/%s\nKernel Version:  %s\n' "$CTR_VERSION" "$_arch" "$_kv"
	printf 'Cgroup Version:  %s\nStorage Driver:  btrfs\n' "$CGV"
}

# info_counts: info's first lines, the root's containers by state and its images (root's info and
# rootless-verbs.sh's).
info_counts() {
	_run=0 _pau=0 _sto=0 _img=0
	for _d in "$CTR_ROOT"/containers/*/config.json; do
		[ -f "$_d" ] || continue
		_d=${_d%/config.json}
		ctr_state "${_d##*/}"
		if [ "$ST" != running ]; then _sto=$((_sto + 1))
		elif cg_frozen "${_d##*/}"; then _pau=$((_pau + 1))
		else _run=$((_run + 1))
		fi
	done
	for _d in "$CTR_ROOT"/images/*/; do
		_d=${_d%/}
		! valid_id "${_d##*/}" || _img=$((_img + 1))
	done
	printf 'Containers: %s\n Running: %s\n Paused: %s\n Stopped: %s\nImages: %s\n' \
		$((_run + _pau + _sto)) "$_run" "$_pau" "$_sto" "$_img"
}

#HELP info                         containers, images, storage pool, cgroups, network and security of this root
ctr_info() {
	[ $# -eq 0 ] || die "usage: ctr.sh info"
	pool_ensure
	cg_version
	info_counts
	# shellcheck disable=SC2046 # block size, blocks, free blocks
	set -- $(stat -f -c '%S %b %f' "$CTR_BTRFS")
	hsize $(($1 * $2))
	_size=$HSIZE
	hsize $(($1 * ($2 - $3)))
	_pool=$CTR_POOL
	[ -f "$CTR_POOL" ] || _pool="(the btrfs file system of $CTR_BTRFS)"
	printf 'Storage Driver: btrfs\n Root Dir: %s\n Pool Dir: %s\n Pool: %s\n Pool Size: %s\n Pool Used: %s\n' \
		"$CTR_ROOT" "$CTR_BTRFS" "$_pool" "$_size" "$HSIZE"
	printf 'Cgroup Driver: cgroupfs\nCgroup Version: %s\n' "$CGV"
	printf 'Network:\n Bridge: %s\n Subnet: %s\nPrefix: %s\nSecurity Options:\n' "$CTR_BRIDGE" "$CTR_SUBNET" "$CTR_PREFIX"
	grep -qs '^Seccomp:' /proc/self/status && printf ' seccomp\n  Profile: builtin\n'
	# (cat: a /proc/sys number gives the shell's 1-byte reads its first digit, then EOF)
	_un=$(cat /proc/sys/user/max_user_namespaces 2>/dev/null)
	[ "${_un:-0}" -eq 0 ] || printf ' userns (run --userns: an id range of its own)\n'
	_kv=''
	read -r _kv </proc/sys/kernel/osrelease
	printf 'Kernel Version: %s\nCPUs: %s\n' "$_kv" "$(nproc)"
}

#HELP help                         this text
ctr_help() {
	printf 'Usage: ctr.sh COMMAND [ARGS...]\n\nCommands:\n'
	# ctr.sh's verbs, run's security options right after them, then the verbs of helpers/*.sh
	sed -n '/^#HELP help /d; s/^#HELP /  /p' "$0" "$CTR_HOME/helpers/security.sh"
	for _hf in "$CTR_HOME"/helpers/*.sh; do
		[ "$_hf" = "$CTR_HOME/helpers/security.sh" ] || sed -n 's/^#HELP /  /p' "$_hf"
	done
	sed -n 's/^#HELP help /  help /p' "$0"
	cat <<'EOF'

Environment: CTR_ROOT (/var/lib/ctr), CTR_POOL_SIZE (20G), CTR_BRIDGE (ctr0), CTR_SUBNET (10.99.0.0/16),
             CTR_PREFIX (names of netns, cgroups, iptables comments and the nft table; unset: the
               root's recorded one, ctr for /var/lib/ctr, else c + 8 hex of its path's sha256),
             CTR_STORAGE_SIZE (run's default --storage-opt size; unset: no limit),
             CTR_LOG_MAX_SIZE (100m: run's default --log-opt max-size; 0: no cap),
             CTR_CONNTRACK_LIMIT (flows the host tracks per container address, more are dropped; default
               an eighth of nf_conntrack_max; 0: none; fixed when the network's rules are made)
             CTR_MAX_LAYERS (128), CTR_MAX_IMAGE_SIZE (10G: unpacked, per image) for pull, load, import, cp -
             CTR_PUSH_CHUNK_SIZE (64M: push sends larger blobs in PATCH chunks of this size)
Rootless (any user but root, after root's rootless-setup; docs/rootless.md): CTR_ROOT
             (${XDG_DATA_HOME:-$HOME/.local/share}/ctr), CTR_USER_POOL (/var/lib/ctr/btrfs/users/UID),
             CTR_RUNTIME_DIR ($XDG_RUNTIME_DIR/ctr, else /tmp/ctr-UID); network: pasta (-p HOSTPORT:CPORT,
             HOSTPORT >= ip_unprivileged_port_start) or --net none; limits only in a delegated cgroup v2
             subtree (CTR_ROOTLESS_CGROUP, else found from /proc/self/cgroup), pause/stats/update too;
             not yet: diff, export, import, demo
Exit status: the container command's status (128+N if killed by signal N); 125 ctr's own error;
             126 the command cannot be executed; 127 the command was not found.
EOF
}

# ---------------------------------------------------------------- dispatch
# main VERB ARGS: run one verb from the allowlist.
main() {
	[ $# -ge 1 ] || { ctr_help >&2; exit 125; }
	_verb=$1
	shift
	case $_verb in
	--version) printf 'ctr %s\n' "$CTR_VERSION" ;;
	version) ctr_version "$@" ;;
	-h | --help | help) ctr_help ;;
	init | images | rmi | create | run | ps | inspect | logs | stop | rm | cleanup | network | stats | \
		pull | login | commit | tag | save | load | exec | attach | demo | _exited | \
		kill | wait | pause | unpause | top | port | rename | info | start | restart | \
		cp | diff | export | import | history | update | events | container | image | system | build | push | builder | \
		volume)
		# the registry client and image work: not read by the verbs of a container's life (run's path)
		# shellcheck source=/dev/null
		case $_verb in
		create | run | exec | _exited | rm | ps | inspect | logs | stop | kill | wait | attach | pause | unpause | top | port | volume) ;;
		*) . "$CTR_HOME/helpers/pull.sh" || exit 125 ;;
		esac
		if [ "$CTR_UID" != 0 ]; then
			# shellcheck source=/dev/null # it replaces the kernel-facing functions (after all are defined)
			. "$CTR_HOME/helpers/rootless.sh" || exit 125
			rootless_verb "$_verb"
		fi
		check_env
		# shellcheck source=/dev/null # the verbs of a file of their own, loaded for them only
		case $_verb in
		demo) . "$CTR_HOME/helpers/demo.sh" ;;
		start | restart) . "$CTR_HOME/helpers/start.sh" ;;
		cp | diff | export | commit) . "$CTR_HOME/helpers/fs.sh" ;;
		import | history) . "$CTR_HOME/helpers/fs.sh" && . "$CTR_HOME/helpers/image.sh" ;;
		update) . "$CTR_HOME/helpers/update.sh" ;;
		ps) . "$CTR_HOME/helpers/format.sh" && . "$CTR_HOME/helpers/ps.sh" ;;
		events) . "$CTR_HOME/helpers/format.sh" && . "$CTR_HOME/helpers/events.sh" ;;
		container | image | system) . "$CTR_HOME/helpers/format.sh" && . "$CTR_HOME/helpers/prune.sh" ;;
		volume) . "$CTR_HOME/helpers/format.sh" && . "$CTR_HOME/helpers/prune.sh" && . "$CTR_HOME/helpers/volume.sh" ;;
		build) . "$CTR_HOME/helpers/fs.sh" && . "$CTR_HOME/helpers/build.sh" ;;
		push) . "$CTR_HOME/helpers/fs.sh" && . "$CTR_HOME/helpers/layers.sh" && . "$CTR_HOME/helpers/push.sh" ;;
		save) . "$CTR_HOME/helpers/fs.sh" && . "$CTR_HOME/helpers/layers.sh" ;;
		builder) . "$CTR_HOME/helpers/format.sh" && . "$CTR_HOME/helpers/prune.sh" && . "$CTR_HOME/helpers/build.sh" ;;
		esac || exit 125
		"ctr_$_verb" "$@"
		;;
	rootless-setup)
		[ "$CTR_UID" = 0 ] || die "rootless-setup: must be run as root (it makes USER's directory on ctr's pool)"
		check_env
		# shellcheck source=/dev/null
		. "$CTR_HOME/helpers/rootless.sh" || exit 125
		ctr_rootless_setup "$@"
		;;
	*) die "$_verb: unknown command (see ctr.sh help)" ;;
	esac
}

# One line, parsed whole before it runs: editing ctr.sh under a running container is safe.
main "$@"; exit $?
