#!/bin/sh
# ctr.sh - a small container runtime: btrfs snapshots, netns + veth, cgroups, and nsenter-chroot.
# Each verb is one ctr_<verb> function; its #HELP line is what `ctr.sh help` prints.
set -u

CTR_VERSION=0.1.0
case $0 in */*) CTR_HOME=${0%/*} ;; *) CTR_HOME=. ;; esac
CTR_HOME=$(cd "$CTR_HOME" && pwd -P) || exit 125
: "${CTR_ROOT:=/var/lib/ctr}"
: "${CTR_POOL:=$CTR_ROOT.pool}"
: "${CTR_POOL_SIZE:=20G}"
: "${CTR_PREFIX:=ctr}"
: "${CTR_LIBEXEC:=$CTR_HOME/build}"
: "${CTR_BUSYBOX:=$CTR_HOME/build/rootfs/busybox}"
NL='
'
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

for _f in storage net cgroup security pull; do
	# shellcheck source=/dev/null
	. "$CTR_HOME/helpers/$_f.sh" || exit 125
done

# lock / unlock: serialise ID, name, address and port allocation across concurrent ctr.sh calls.
lock() {
	exec 9>"$CTR_ROOT/lock" && flock 9 || die "$CTR_ROOT/lock: cannot lock"
}
unlock() {
	flock -u 9
	exec 9>&-
}

# ---------------------------------------------------------------- container state
# ctr_state CID: set ST (created|running|exited), ST_CODE, ST_PID, ST_FINISHED.
ctr_state() {
	_sd=$CTR_ROOT/containers/$1
	ST=created ST_CODE='' ST_PID='' ST_FINISHED=''
	[ -f "$_sd/pid" ] && read -r ST_PID <"$_sd/pid"
	if [ -f "$_sd/exit" ]; then
		read -r ST_CODE ST_FINISHED <"$_sd/exit"
		ST=exited
	elif [ -n "$ST_PID" ] && kill -0 "$ST_PID" 2>/dev/null; then
		ST=running
	elif [ -n "$ST_PID" ]; then
		ST=exited ST_CODE=${ST_CODE:-137}
	fi
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
	_src=$(cd "$1" && pwd -P) || die "$1: not readable"
	pool_ensure
	_name=${2:-$(basename "$_src")}
	lock
	image_import "$_src" "$_name" "dir:$_src"
}

#HELP images                       list images
ctr_images() {
	pool_ensure
	printf '%-28s %-12s %-20s %s\n' REPOSITORY:TAG "IMAGE ID" CREATED SIZE
	for _r in "$CTR_ROOT"/refs/*; do
		[ -f "$_r" ] || continue
		read -r _id <"$_r"
		_n=$(printf '%s' "${_r##*/}" | sed 's|%2F|/|g')
		_c=$(jq -r .created "$CTR_ROOT/images/$_id/config.json" 2>/dev/null)
		_s=$(du -sh "$CTR_ROOT/images/$_id/rootfs" 2>/dev/null | cut -f1)
		printf '%-28s %-12s %-20s %s\n' "$_n" "$_id" "$_c" "$_s"
	done
}

#HELP rmi [-f] IMAGE...            remove images (refused while a container uses one, unless -f)
ctr_rmi() {
	_force=
	[ "${1:-}" = -f ] && { _force=1; shift; }
	[ $# -ge 1 ] || die "usage: ctr.sh rmi [-f] IMAGE..."
	pool_ensure
	lock
	_rc=0
	for _i; do
		_id=$( (image_resolve_local "$_i") ) || { _rc=125; continue; }
		if [ -z "$_force" ] && grep -lqs "\"image_id\": *\"$_id\"" "$CTR_ROOT"/containers/*/config.json; then
			printf 'ctr: image %s: in use by a container (rm it first, or rmi -f)\n' "$_i" >&2
			_rc=125
			continue
		fi
		for _r in "$CTR_ROOT"/refs/*; do
			[ -f "$_r" ] && [ "$(cat "$_r")" = "$_id" ] && rm -f "$_r"
		done
		subvol_rm "$CTR_ROOT/images/$_id/rootfs" && rm -rf "${CTR_ROOT:?}/images/$_id"
		printf 'Deleted: %s\n' "$_id"
	done
	tmp_busy || blob_gc # the registry blobs only this image used
	return "$_rc"
}

# tmp_busy: a pull, load or save is running (its work directory's lock is held).
tmp_busy() {
	for _tb in "$CTR_ROOT"/tmp/*/.lock; do
		[ -f "$_tb" ] || continue
		flock -n "$_tb" true || return 0
	done
	return 1
}

# image_resolve_local NAME|ID: like image_resolve, without importing the built-in.
image_resolve_local() {
	_f=$(ref_file "$1")
	[ -f "$_f" ] && { cat "$_f"; return 0; }
	[ -d "$CTR_ROOT/images/$1" ] && { printf '%s\n' "$1"; return 0; }
	die "image $1: no such image"
}

#HELP run [OPTIONS] IMAGE [CMD [ARG...]]   run a command in a new container
#HELP     -d  detach   -i  keep stdin   -t  terminal   --rm   --name NAME   -h|--hostname NAME
#HELP     -e|--env K=V   -w|--workdir DIR   --net bridge|none|host   -p [IP:]HPORT:CPORT[/udp]
#HELP     -m|--memory SIZE   --memory-swap SIZE   --cpus N.N   --cpu-shares N   --pids-limit N   --init
ctr_run() {
	R_DETACH='' R_I='' R_T='' R_RM='' R_NAME='' R_HOST='' R_ENV='' R_WD='' R_NET=bridge R_PORTS='' R_INIT='' R_ENVQ='' I_ENVQ='' R_SECARGV=''
	R_MEM='' R_SWAP='' R_CPUS='' R_SHARES='' R_PIDS=''
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
		-e | --env) need_arg "$@"; R_ENV="$R_ENV$2
"; shq "$2"; R_ENVQ="$R_ENVQ --env $SHQ"; shift ;;
		-w | --workdir) need_arg "$@"; R_WD=$2; shift ;;
		--net | --network) need_arg "$@"; R_NET=$2; shift ;;
		-p | --publish) need_arg "$@"; R_PORTS="$R_PORTS$2
"; shift ;;
		-m | --memory) need_arg "$@"; R_MEM=$2; shift ;;
		--memory-swap) need_arg "$@"; R_SWAP=$2; shift ;;
		--cpus) need_arg "$@"; R_CPUS=$2; shift ;;
		-c | --cpu-shares) need_arg "$@"; R_SHARES=$2; shift ;;
		--pids-limit) need_arg "$@"; R_PIDS=$2; shift ;;
		--) shift; break ;;
		-*) sec_opt "$@" || die "run: unknown option $1 (see ctr.sh help)"; shift "$SEC_SHIFT"; continue ;;
		*) break ;;
		esac
		shift
	done
	[ $# -ge 1 ] || die "usage: ctr.sh run [OPTIONS] IMAGE [CMD [ARG...]]"
	case $R_NET in bridge | none | host) ;; *) die "--net $R_NET: must be bridge, none or host" ;; esac
	[ -z "$R_NAME" ] || valid_name "$R_NAME"
	[ -z "$R_PORTS" ] || [ "$R_NET" = bridge ] || die "-p: needs --net bridge"
	cg_validate
	net_validate
	sec_validate
	pool_ensure
	_img=$(image_resolve "$1") || exit 125
	shift
	_icfg=$CTR_ROOT/images/$_img/config.json

	# From here on every object made is undone by run_undo unless the run succeeds.
	lock
	CID=$(new_id)
	while [ -e "$CTR_ROOT/containers/$CID" ]; do CID=$(new_id); done
	C=$CTR_ROOT/containers/$CID
	trap 'run_undo' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	mkdir "$C" || die "$C: cannot create"
	# held until the container has started: cleanup removes a half-made container only when
	# no run holds its lock (fd 7 is closed for the shim)
	exec 7>"$C/run.lock" && flock 7 || die "$C/run.lock: cannot lock"
	if [ -n "$R_NAME" ]; then
		(set -C && printf '%s\n' "$CID" >"$CTR_ROOT/names/$R_NAME") 2>/dev/null ||
			die "name $R_NAME: already in use by container $(cat "$CTR_ROOT/names/$R_NAME")"
		printf '%s\n' "$R_NAME" >"$C/name" # read back by rm without a jq
	fi
	[ -n "$R_HOST" ] || R_HOST=$CID
	net_alloc "$CID" # under the lock: address and ports
	sec_alloc "$CID"
	unlock
	# a snapshot without -r is writable, even of a read-only image
	btrfs subvolume snapshot "$CTR_ROOT/images/$_img/rootfs" "$C/rootfs" >/dev/null ||
		die "image $_img: cannot snapshot"
	# One jq (it costs ~20 ms to start) reads the image's config and writes the container's. Out:
	# the config on one line, then shell code for eval: the helper's security options (R_SECARGV),
	# the working directory, the image's env as --env options (I_ENVQ), and `set --` the command:
	# the image's entrypoint + (CMD or the image's cmd), else /bin/sh. USER: -u, else the image's.
	sec_export
	_cfg=$(jq -rn --arg id "$CID" --arg name "$R_NAME" --slurpfile icfg "$_icfg" --arg img "$_img" \
		--arg host "$R_HOST" --arg wd "$R_WD" --arg net "$R_NET" --arg created "$(date +%s)" \
		--arg env "$R_ENV" --arg ports "$R_PORTS" --arg rm "$R_RM" --arg tty "$R_T" --arg iv "$R_I" \
		--arg rootfs "$C/rootfs" \
		"\$icfg[0] as \$i | ((\$i.entrypoint // []) + (if \$ARGS.positional == [] then \$i.cmd // []
		  else \$ARGS.positional end) | if . == [] then [\"/bin/sh\"] else . end) as \$argv |
		{id:\$id, name:\$name, image:\$i.name, image_id:\$img, cmd:\$argv, hostname:\$host,
		  workdir:(if \$wd != \"\" then \$wd elif (\$i.workdir // \"\") != \"\" then \$i.workdir else \"/\" end),
		  env:((\$i.env // []) + (\$env | split(\"\\n\") | map(select(. != \"\")))),
		  network:{mode:\$net, ports:(\$ports | split(\"\\n\") | map(select(. != \"\")))},
		  exposed_ports:(\$i.exposed_ports // []), created:(\$created|tonumber),
		  rm:(\$rm != \"\"), tty:(\$tty != \"\"), interactive:(\$iv != \"\"),
		  security:($SEC_JQ | if .user == \"\" then .user = (\$i.user // \"\") else . end),
		  rootfs:\$rootfs} | tojson, (($SEC_ARGV_JQ) as \$sa | @sh \"R_WD=\\(.workdir) I_ENVQ=\\(\$i.env // []
		  | map(\"--env\", .) | @sh)\" + \" R_SECARGV=\\(\$sa | @sh)\\nset -- \" + (.cmd | @sh))" --args -- "$@") ||
		die "$C/config.json: cannot make"
	printf '%s\n' "${_cfg%%"$NL"*}" >"$C/config.json" || die "$C/config.json: cannot write"
	eval "${_cfg#*"$NL"}"
	net_setup "$CID" "$R_NET" || die "network: setup failed"
	cg_setup "$CID" || die "cgroup: setup failed"
	run_exec "$@"
}

# run_exec CMD...: start the container under ctr-shim (foreground or detached).
run_exec() {
	# a pty's input ends with a ^D, not with EOF: a pipe into -it would hang once drained
	[ -n "$R_DETACH" ] || [ -z "$R_I" ] || [ -z "$R_T" ] || [ -t 0 ] ||
		die "run -it: the input is not a terminal (use -i without -t)"
	set -- --hostname "$R_HOST" --workdir "$R_WD" --pid-file "$C/pid" "$C/rootfs" "$@"
	# later --env wins in nsenter-chroot: the image's first, run -e's after
	eval "set -- $I_ENVQ $R_ENVQ \"\$@\""
	[ -z "$R_INIT" ] || set -- --init "$@"
	[ -z "$R_T" ] || set -- --console-fd 3 "$@"
	for _cg in $CG_DIRS; do set -- --cgroup "$_cg" "$@"; done
	case $R_NET in
	host) set -- --net-host "$@" ;;
	*) set -- --netns "/run/netns/$CTR_PREFIX-$CID" "$@" ;;
	esac
	eval "set -- $R_SECARGV \"\$@\""
	# -d: the shim returns once the command runs (PID 1 and its pid file exist), told over fd 4
	[ -z "$R_DETACH" ] || set -- --notify-fd 4 "$@"
	set -- "$CTR_LIBEXEC/nsenter-chroot" "$@"
	[ -z "$R_T" ] || set -- -t "$@"
	[ -z "$R_I" ] || set -- -i "$@"
	set -- --log "$C/log" --exit-file "$C/exit" --shim-pid-file "$C/shim.pid" "$@"
	if [ -n "$R_DETACH" ]; then
		"$CTR_LIBEXEC/ctr-shim" -d --ready-fd 4 --attach-socket "$C/attach.sock" "$@" 2>"$C/shim.err" 7>&- ||
			die "start: $(cat "$C/shim.err")"
		# Return once PID 1 exists (or the start failed): ps, stop and rm rely on its pid file.
		# (--ready-fd made the shim wait for it: this loop only checks.)
		_n=500
		while [ ! -s "$C/pid" ] && [ ! -e "$C/exit" ] && [ "$_n" -gt 0 ]; do
			sleep 0.01
			_n=$((_n - 1))
		done
		[ -s "$C/pid" ] || die "start: $(cat "$C/shim.err" 2>/dev/null; cat "$C/log" 2>/dev/null)"
		trap - EXIT
		[ -z "$R_RM" ] || rm_when_gone "$(cat "$C/shim.pid")"
		printf '%s\n' "$CID"
		return 0
	fi
	shim_fg "$CTR_LIBEXEC/ctr-shim" "$@" 7>&-
	R_RC=$?
	trap - EXIT
	[ -z "$R_RM" ] || ctr_rm -f "$CID" >/dev/null
	exit "$R_RC"
}

# rm_when_gone SHIMPID: run -d --rm: a watcher in the background removes the container once its
# shim has exited (tail polls the pid once a second). It holds none of the caller's fds (a
# $(ctr.sh run -d) would wait for it) and survives the terminal's hangup. Nothing to do when the
# container is gone already (ctr.sh rm, cleanup, a removed pool).
rm_when_gone() {
	(
		trap '' HUP INT QUIT
		exec </dev/null >/dev/null 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
		tail --pid="$1" -f /dev/null
		[ ! -f "$C/config.json" ] || ctr_rm -f "$CID"
	) &
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
	[ -n "${CID:-}" ] && [ -d "$C" ] && container_remove "$CID" >/dev/null 2>&1
	exit "$_rc"
}

# valid_name NAME: docker's rule for container names.
valid_name() {
	case $1 in
	[a-zA-Z0-9]*) ;;
	*) die "name $1: must start with a letter or digit" ;;
	esac
	case $1 in *[!a-zA-Z0-9_.-]*) die "name $1: only [a-zA-Z0-9_.-] allowed" ;; esac
}

# container_remove CID: remove every object of a container (it must not be running).
container_remove() {
	_crm=$CTR_ROOT/containers/$1
	net_teardown "$1"
	cg_teardown "$1"
	sec_teardown "$1"
	_crn=''
	[ ! -f "$_crm/name" ] || read -r _crn <"$_crm/name"
	[ -z "$_crn" ] || [ "$(cat "$CTR_ROOT/names/$_crn" 2>/dev/null)" != "$1" ] || rm -f "$CTR_ROOT/names/$_crn"
	subvol_rm "$_crm/rootfs" || return 1
	rm -rf "$_crm"
}

#HELP ps [-a] [-q]                 list running containers (-a: all, -q: IDs only)
ctr_ps() {
	_all='' _q=''
	for _o; do
		case $_o in -a | --all) _all=1 ;; -q | --quiet) _q=1 ;; -aq | -qa) _all=1 _q=1 ;;
		*) die "ps: unknown option $_o" ;; esac
	done
	pool_ensure
	_now=$(date +%s)
	[ -n "$_q" ] || printf '%-12s  %-16s  %-16s  %-24s  %-16s  %s\n' "CONTAINER ID" NAME IMAGE COMMAND CREATED STATUS
	for _d in "$CTR_ROOT"/containers/*/config.json; do
		[ -f "$_d" ] || continue
		_id=${_d%/config.json}
		_id=${_id##*/}
		ctr_state "$_id"
		[ -n "$_all" ] || [ "$ST" = running ] || continue
		if [ -n "$_q" ]; then
			printf '%s\n' "$_id"
			continue
		fi
		case $ST in
		running) _s="Up $(ago $((_now - $(stat -c %Y "$CTR_ROOT/containers/$_id/pid"))))" ;;
		exited) _s="Exited ($ST_CODE) $(ago $((_now - ${ST_FINISHED:-$_now}))) ago" ;;
		*) _s=Created ;;
		esac
		jq -r --arg now "$_now" --arg s "$_s" '[.id, (.name // ""), .image, (.cmd | join(" ") | .[0:24]),
			((($now|tonumber) - .created) | tostring), $s] | join("\u001f")' "$_d" |
			while IFS="$(printf '\037')" read -r _i _n _im _c _cr _st; do
				printf '%-12s  %-16s  %-16s  %-24s  %-16s  %s\n' "$_i" "$_n" "$_im" "\"$_c\"" "$(ago "$_cr") ago" "$_st"
			done
	done
}

#HELP inspect CONTAINER            the container's metadata and state as JSON
ctr_inspect() {
	[ $# -eq 1 ] || die "usage: ctr.sh inspect CONTAINER"
	pool_ensure
	_id=$(ctr_resolve "$1") || exit 125
	ctr_state "$_id"
	_oom=$(cg_oom_killed "$_id")
	jq --arg st "$ST" --arg pid "${ST_PID:-0}" --arg code "${ST_CODE:-}" --arg fin "${ST_FINISHED:-}" \
		--argjson oom "${_oom:-false}" --argjson net "$(net_inspect "$_id")" \
		'. + {state:$st, pid:($pid|tonumber), exit_code:(if $code == "" then null else ($code|tonumber) end),
		  finished:(if $fin == "" then null else ($fin|tonumber) end), oom_killed:$oom}
		  | .network += $net' "$CTR_ROOT/containers/$_id/config.json"
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
	_l=$CTR_ROOT/containers/$_id/log
	# mawk (Debian's awk) reads a pipe in blocks: -W interactive makes -f follow line by line
	set --
	case $(awk -W version 2>&1) in mawk*) set -- -W interactive ;; esac
	[ -f "$_l" ] || : >"$_l"
	if [ -n "$_f" ] && [ -f "$CTR_ROOT/containers/$_id/shim.pid" ]; then
		tail -n +1 -f --pid="$(cat "$CTR_ROOT/containers/$_id/shim.pid")" "$_l"
	else
		cat "$_l"
	fi | awk "$@" -v t="$_t" -v s="$_s" '
		{ ts = $1; st = $2; tag = $3; sub(/^[^ ]* [^ ]* [^ ]* ?/, "") }
		s != "" && st != s { next }
		{ line = (t ? ts " " : "") $0; nl = (tag == "P") ? "" : "\n" }
		st == "stderr" { printf "%s%s", line, nl > "/dev/stderr"; fflush("/dev/stderr"); next }
		{ printf "%s%s", line, nl; fflush() }'
}

#HELP stop [-t SECS] CONTAINER...  SIGTERM, then SIGKILL after SECS (default 10)
ctr_stop() {
	_t=10
	case ${1:-} in -t | --time) need_arg "$@"; _t=$2; shift 2 ;; esac
	case $_t in '' | *[!0-9]*) die "stop: -t $_t: not a number of seconds" ;; esac
	[ $# -ge 1 ] || die "usage: ctr.sh stop [-t SECS] CONTAINER..."
	pool_ensure
	for _c; do
		_id=$(ctr_resolve "$_c") || exit 125
		container_stop "$_id" "$_t"
		printf '%s\n' "$_c"
	done
}

# container_stop CID SECS: SIGTERM PID 1, SIGKILL after SECS, wait until the shim recorded the exit.
container_stop() {
	ctr_state "$1"
	[ "$ST" = running ] || return 0
	kill -TERM "$ST_PID" 2>/dev/null
	stop_wait "$1" $(($2 * 50)) && return 0
	kill -KILL "$ST_PID" 2>/dev/null
	stop_wait "$1" 250
}

# stop_wait CID TICKS: wait (20 ms ticks) until PID 1 is gone and ctr-shim has written the exit
# file (a supervisor that was itself killed writes none: then 1 s after PID 1 is enough).
stop_wait() {
	_sw=$2 _sg=50
	while [ "$_sw" -gt 0 ] && [ ! -e "$CTR_ROOT/containers/$1/exit" ]; do
		if ! kill -0 "$ST_PID" 2>/dev/null; then
			_sg=$((_sg - 1))
			[ "$_sg" -gt 0 ] || return 0
		fi
		sleep 0.02
		_sw=$((_sw - 1))
	done
	[ "$_sw" -gt 0 ]
}

#HELP rm [-f] CONTAINER...         remove containers (-f: stop running ones first)
ctr_rm() {
	_force=
	case ${1:-} in -f | --force) _force=1; shift ;; esac
	[ $# -ge 1 ] || die "usage: ctr.sh rm [-f] CONTAINER..."
	pool_ensure
	_rc=0
	for _c; do
		_id=$( (ctr_resolve "$_c") ) || { _rc=125; continue; }
		ctr_state "$_id"
		if [ "$ST" = running ]; then
			if [ -z "$_force" ]; then
				printf 'ctr: container %s: is running (stop it first, or rm -f)\n' "$_c" >&2
				_rc=125
				continue
			fi
			container_stop "$_id" 0
		fi
		container_remove "$_id" || { printf 'ctr: container %s: cannot remove\n' "$_c" >&2; _rc=125; continue; }
		printf '%s\n' "$_c"
	done
	return "$_rc"
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
		# a pull, load or save still running holds its work directory's lock
		[ ! -f "$_t/.lock" ] || flock -n "$_t/.lock" true || continue
		subvol_rm "$_t/rootfs"
		rm -rf "$_t" && printf 'removed %s\n' "$_t"
	done
	for _c in "$CTR_ROOT"/containers/*; do
		[ -d "$_c" ] && [ ! -e "$_c/pid" ] && [ ! -e "$_c/exit" ] || continue
		[ ! -f "$_c/run.lock" ] || flock -n "$_c/run.lock" true || continue
		container_remove "${_c##*/}" && printf 'removed container %s\n' "${_c##*/}"
	done
	net_cleanup
	cg_cleanup
	sec_cleanup
	tmp_busy || blob_gc
	[ -z "$_all" ] || { net_remove; cg_remove_parents; }
}

#HELP exec [-i] [-t] [-e K=V] [-w DIR] [-u USER[:GROUP]] CONTAINER CMD [ARG...]   run a command in a running container
ctr_exec() {
	_i='' _t='' _env='' _wd='' _user=''
	while [ $# -gt 0 ]; do
		case $1 in
		--*=*) _o=${1%%=*} _v=${1#*=}; shift; set -- "$_o" "$_v" "$@"; continue ;;
		-it | -ti) shift; set -- -i -t "$@"; continue ;;
		-i | --interactive) _i=1 ;;
		-t | --tty) _t=1 ;;
		-e | --env) need_arg "$@"; _env="$_env$2
"; shift ;;
		-w | --workdir) need_arg "$@"; _wd=$2; shift ;;
		-u | --user) need_arg "$@"; _user=$2; shift ;;
		--) shift; break ;;
		-*) die "exec: unknown option $1" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -ge 2 ] || die "usage: ctr.sh exec [-i] [-t] [-e K=V] [-w DIR] [-u USER[:GROUP]] CONTAINER CMD [ARG...]"
	[ -z "$_user" ] || sec_valid_user "$_user"
	[ -z "$_i" ] || [ -z "$_t" ] || [ -t 0 ] || die "exec -it: the input is not a terminal (use -i without -t)"
	pool_ensure
	_id=$(ctr_resolve "$1") || exit 125
	shift
	ctr_state "$_id"
	[ "$ST" = running ] || die "container $_id: is not running"
	C=$CTR_ROOT/containers/$_id
	# One jq: the container's security options, then --workdir, --hostname and its env followed by
	# -e's (later --env wins in nsenter-chroot), as words for eval; -u wins over the container's user.
	_xargs=$(printf '%s' "$_env" | jq -rRs --slurpfile c "$C/config.json" --arg wd "$_wd" --arg user "$_user" \
		"(split(\"\\n\") | map(select(. != \"\"))) as \$e | \$c[0] | ($SEC_ARGV_JQ) + \" \" + ([\"--workdir\",
		  (if \$wd != \"\" then \$wd else .workdir end), \"--hostname\", .hostname]
		  + (if \$user != \"\" then [\"--user\", \$user] else [] end)
		  + ((.env // []) + \$e | map(\"--env\", .)) | @sh)") ||
		die "container $_id: cannot read its config.json"
	set -- --join "$ST_PID" "$@"
	cg_dirs "$_id"
	eval "set -- $_xargs \"\$@\""
	for _cg in $CG_DIRS; do set -- --cgroup "$_cg" "$@"; done
	[ -n "$_i" ] || exec </dev/null
	# through ctr-shim, as run: the command gets its pipes (or the pty), never our files
	[ -z "$_t" ] || set -- --console-fd 3 "$@"
	set -- "$CTR_LIBEXEC/ctr-shim" ${_t:+-t} ${_i:+-i} "$CTR_LIBEXEC/nsenter-chroot" "$@"
	shim_fg "$@"
	exit $?
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
             CTR_PREFIX (ctr: names of netns, cgroups and iptables comments)
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
	--version | version) printf 'ctr %s\n' "$CTR_VERSION" ;;
	-h | --help | help) ctr_help ;;
	init | images | rmi | run | ps | inspect | logs | stop | rm | cleanup | network | stats | \
		pull | login | commit | tag | save | load | exec | attach | demo)
		[ "$(id -u)" = 0 ] || die "$_verb: must be run as root"
		# shellcheck source=/dev/null
		[ "$_verb" != demo ] || . "$CTR_HOME/helpers/demo.sh"
		"ctr_$_verb" "$@"
		;;
	*) die "$_verb: unknown command (see ctr.sh help)" ;;
	esac
}

# One line, parsed whole before it runs: editing ctr.sh under a running container is safe.
main "$@"; exit $?
