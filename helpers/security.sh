#!/bin/sh
# security.sh - run's security options (capabilities, user, seccomp, user namespace, volumes,
# read-only root), the container's devices group and user-namespace range, and their
# translation into the container's OCI config.json. Sourced by ctr.sh. The model: docs/security.md.
#
# Interface used by ctr.sh (SEC_* hold run's options):
#   sec_opt "$@"      $1 is a security option of run: record it, SEC_SHIFT = words taken; else 1
#   sec_validate      check the options before anything exists; die on bad input
#   sec_alloc CID     (under ctr.sh's lock) reserve a user-namespace range (--userns) and choose the
#                     container's devices group (v1 devices controller, or its cgroup2 group):
#                     SEC_DEVCG, and SEC_DEVCG_NEW when it is not one of cgroup.sh's groups: cg_setup
#                     makes it with them (one mkdir), cg_teardown removes it with them
#   SEC_CAPADDL, SEC_CAPDROPL, SEC_VOLL  lists (ctr.sh's list_add): the checked capability names,
#                     and 7 items per volume: host path, container path, read-only, noexec
#                     (true|false), dev, ino, its OCI mount options (comma-separated)
#   sec_export        make the SEC_* values jq reads ($ENV) visible to it
#   sec_oci NETNS CGPATH INIT  SEC_OCI = the container's OCI config.json but for what its user
#                     wrote, which run's jq merges in (SEC_OCI_JQ); exec runs its process
#   SEC_JQ, SEC_OCI_JQ  jq: the .security object of config.json (it reads the lists as the jq
#                     variables $cap_add, $cap_drop, $vols), and the definitions (sec_user,
#                     sec_binds) that put the user name and the volumes into SEC_OCI (run embeds
#                     both in its one jq)
#   sec_teardown CID  release the range and remove the devices group (idempotent)
#   sec_cleanup       the same for containers that no longer exist (a run killed midway)
#
# User namespaces: ctr owns CTR_USERNS_SLOTS (4096) ranges of 65536 ids from CTR_USERNS_BASE
# (0x70000000, just above systemd's container range, below 2^31), recorded in $CTR_ROOT/subuid
# as /etc/subuid is (`<cid>:<first id>:65536`, uid = gid), the lowest one free on the host first
# (no other root's container has it: sec_range_alloc).

# shellcheck disable=SC2034 # the lists are read by ctr.sh (list_len)
SEC_PRIV='' SEC_CAPADDL='' SEC_CAPDROPL='' SEC_USER='' SEC_SECCOMP='' SEC_USERNS='' SEC_VOLS='' SEC_RO='' SEC_TMPL=''
SEC_SHIFT=1 SEC_VOLL='' SEC_RANGE='' SEC_DEVCG='' SEC_DEVCG_NEW='' SEC_CAPHELD='' SEC_CAPSET='' SEC_OCI=''
SEC_PROCX='' # the process object's ,"rlimits":[...] and ,"oomScoreAdj":N (ctr.sh run_ulimits)
# shellcheck disable=SC2034 # SEC_OCI is read by ctr.sh
SEC_USERNS_SIZE=65536
# every capability of Linux 6.x, in the kernel's order (CAP_CHOWN is 0, CAP_LAST_CAP is
# CHECKPOINT_RESTORE, 40): sec_caps_held names the bits of the permitted set by them
SEC_CAPS="CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE \
NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT \
SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE \
AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ \
PERFMON BPF CHECKPOINT_RESTORE"
# docker's default set, in the kernel's order
SEC_CAPS_DEFAULT="CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW \
SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP"

# ---------------------------------------------------------------- options

#HELP run [security options]       docker's defaults apply unless changed (docs/security.md)
#HELP     --privileged   --cap-add CAP   --cap-drop CAP   -u|--user USER[:GROUP]   --read-only
#HELP     --security-opt seccomp=unconfined|default   --userns (own id range) | --userns=host
#HELP     -v|--volume /HOST:/CTR[:ro][:noexec] | NAME:/CTR[:ro][:nocopy] (a named volume) | /CTR[:ro] (an anonymous one)
#HELP     --mount type=bind,source=/HOST,target=/CTR[,readonly][,bind-propagation=rprivate]
#HELP     --mount type=volume,[source=NAME,]target=/CTR[,readonly][,volume-nocopy]   (no source: an anonymous volume)
#HELP     --mount type=tmpfs,target=/CTR[,tmpfs-size=SIZE][,tmpfs-mode=OCTAL]   (docker's CSV: src, dst, "quoted,fields")
#HELP     --tmpfs /CTR[:OPTS]   a tmpfs, nosuid,nodev,noexec unless OPTS say exec (size=SIZE, mode=OCTAL, uid=, gid=, ro)
# shellcheck disable=SC2034 # SEC_SHIFT is read by ctr.sh
sec_opt() {
	SEC_SHIFT=1
	case $1 in
	--privileged) SEC_PRIV=1 ;;
	--read-only) SEC_RO=1 ;;
	--cap-add) need_arg "$@"; sec_cap "$@"; list_add SEC_CAPADDL "$SEC_CAP"; SEC_SHIFT=2 ;;
	--cap-drop) need_arg "$@"; sec_cap "$@"; list_add SEC_CAPDROPL "$SEC_CAP"; SEC_SHIFT=2 ;;
	-u | --user) need_arg "$@"; SEC_USER=$2; SEC_SHIFT=2 ;;
	-u?*) SEC_USER=${1#-u} ;;
	--security-opt) need_arg "$@"; sec_security_opt "$2"; SEC_SHIFT=2 ;;
	-v | --volume) need_arg "$@"; sec_vol_add "$2" "-v $2"; SEC_SHIFT=2 ;;
	-v?*) sec_vol_add "${1#-v}" "-v ${1#-v}" ;;
	--mount | --tmpfs) need_arg "$@"
		# shellcheck source=/dev/null
		[ -n "${MNT_SH:-}" ] || . "$CTR_HOME/helpers/mount.sh" || exit 125
		mnt_opt "$1" "$2"; SEC_SHIFT=2 ;;
	--userns) # `--userns=host` arrives as two words; a bare --userns is followed by the image
		SEC_USERNS=auto
		case ${2-none} in
		host | '') SEC_USERNS='' SEC_SHIFT=2 ;;
		auto) SEC_SHIFT=2 ;;
		esac ;;
	*) return 1 ;;
	esac
}

# sec_vol_add SPEC WHAT: a volume for sec_validate (SEC_VOLS: pairs of a -v SPEC and what its
# errors start with: `-v SPEC`, `--mount CSV`, the image's VOLUME).
sec_vol_add() {
	list_add SEC_VOLS "$1"
	list_add SEC_VOLS "$2"
}

# sec_security_opt VALUE: docker's --security-opt forms that ctr supports.
sec_security_opt() {
	case $1 in
	seccomp=unconfined | seccomp:unconfined) SEC_SECCOMP=unconfined ;;
	seccomp=default | seccomp:default | seccomp=builtin) SEC_SECCOMP=default ;;
	seccomp[=:]*) die "--security-opt $1: only seccomp=unconfined or seccomp=default (no profile files)" ;;
	no-new-privileges | no-new-privileges[=:]true) ;; # always on (only --privileged lifts it)
	no-new-privileges[=:]false) die "--security-opt $1: ctr always sets no_new_privs (only --privileged lifts it)" ;;
	*) die "--security-opt $1: not supported (seccomp=unconfined|default, no-new-privileges)" ;;
	esac
}

# ---------------------------------------------------------------- validation

# sec_validate: check the options and normalise them (volume paths) before anything is created.
sec_validate() {
	[ -z "$SEC_USER" ] || { one_line --user "$SEC_USER"; sec_valid_user "$SEC_USER"; }
	# shellcheck disable=SC2034 # read by ctr.sh (list_len)
	SEC_VOLL=''
	eval "set -- $SEC_VOLS"
	while [ $# -gt 0 ]; do
		sec_volume "$1" "$2"
		shift 2
	done
	[ -z "$SEC_VOLS$SEC_TMPL" ] || sec_targets_check
	[ -z "$SEC_USERNS" ] || sec_userns_params
}

# sec_vol_target SPEC: _svt = the container path of a -v SPEC (/HOST:/CTR[:OPTS], NAME:/CTR[:OPTS],
# /CTR[:OPTS]), cleaned (path_clean).
sec_vol_target() {
	case $1 in
	/*:/*) _svt=${1#*:} ;;
	/*) _svt=$1 ;;
	*) _svt=${1#*:} ;;
	esac
	path_clean "${_svt%%:*}"
	_svt=$_pc
}

# sec_targets: SEC_TARGETS = the container paths of the run's volumes and tmpfs mounts, cleaned,
# one a line after a newline; SEC_DUP = the WHAT of the first that repeats an earlier one (docker:
# "Duplicate mount point").
# shellcheck disable=SC2120 # the positional parameters are its lists'
sec_targets() {
	SEC_TARGETS=$NL SEC_DUP=''
	eval "set -- $SEC_VOLS"
	while [ $# -gt 0 ]; do
		sec_vol_target "$1"; sec_target_add "$_svt" "$2"; shift 2
	done
	eval "set -- $SEC_TMPL"
	while [ $# -gt 0 ]; do
		path_clean "$1"; sec_target_add "$_pc" "$3"; shift 3
	done
}

# sec_target_add PATH WHAT: PATH onto SEC_TARGETS; SEC_DUP set (once) when it was there already.
sec_target_add() {
	case $SEC_TARGETS in *"$NL$1$NL"*) [ -n "$SEC_DUP" ] || SEC_DUP="$2: duplicate mount point $1" ;; esac
	SEC_TARGETS=$SEC_TARGETS$1$NL
}

# sec_targets_check: die when two of the run's mounts have the same container path (docker's rule:
# one would hide the other).
sec_targets_check() {
	sec_targets
	[ -z "$SEC_DUP" ] || die "$SEC_DUP"
}

# path_clean PATH: _pc = PATH with its repeated slashes, '.' components and trailing slash dropped
# (as Go's filepath.Clean, but '..' is kept: the caller refuses it or lets the root resolve it).
path_clean() {
	_pc='' _px=$1
	while :; do
		_px=${_px#"${_px%%[!/]*}"}
		[ -n "$_px" ] || break
		_pk=${_px%%/*}
		_px=${_px#"$_pk"}
		[ "$_pk" = . ] || _pc=$_pc/$_pk
	done
	case $1 in /*) _pc=${_pc:-/} ;; *) _pc=${_pc#/} ;; esac
}

# sec_cap OPTION NAME: SEC_CAP = the capability NAME as docker writes it (NET_ADMIN: upper case, no
# CAP_); die on anything but one name the kernel has (or ALL).
sec_cap() {
	one_line "$1" "$2"
	case $2 in '' | *[!A-Za-z_]*) die "$1 $2: unknown capability (e.g. NET_ADMIN, SYS_PTRACE or ALL)" ;; esac
	SEC_CAP=$(printf '%s' "$2" | tr '[:lower:]' '[:upper:]')
	SEC_CAP=${SEC_CAP#CAP_}
	case " ALL $SEC_CAPS " in
	*" ${SEC_CAP:-none} "*) ;;
	*) die "$1 $2: unknown capability (e.g. NET_ADMIN, SYS_PTRACE or ALL)" ;;
	esac
}

# sec_valid_user USER[:GROUP]: names or numbers, as the image's /etc/passwd and /etc/group have them
# (the names are looked up there when the container starts).
sec_valid_user() {
	_su=${1%%:*} _sg=
	case $1 in *:*) _sg=${1#*:} ;; esac
	for _sx in "$_su" ${_sg:+"$_sg"}; do
		case $_sx in
		'' | -* | *[!A-Za-z0-9_.-]*) die "--user $1: expected USER[:GROUP], names or numbers" ;;
		*[!0-9]*) ;;
		*) [ ${#_sx} -le 10 ] && [ "$_sx" -le 4294967294 ] || die "--user $1: $_sx is not a valid id" ;;
		esac
	done
	case $1 in *:*:*) die "--user $1: expected USER[:GROUP], names or numbers" ;; esac
	if [ -n "$SEC_USERNS" ]; then
		for _sx in "$_su" ${_sg:+"$_sg"}; do
			case $_sx in *[!0-9]*) ;; *)
				[ "$_sx" -lt "$SEC_USERNS_SIZE" ] ||
					die "--user $1: with --userns, ids are 0 to $((SEC_USERNS_SIZE - 1))" ;;
			esac
		done
	fi
}

# sec_volume SPEC: check /HOST:/CTR[:ro|rw][:noexec|exec] and append it to SEC_VOLL (source, target,
# ro, noexec, dev, ino, and its OCI mount options, comma-separated). The host path must exist. NAME:/CTR
# and /CTR (docker's named and anonymous volumes) are helpers/volume.sh's: checked here (vol_spec),
# made under the lock and passed back here as host paths (vol_run). A host path is
# resolved ONCE, here, and recorded resolved (no symlink left) with the device and inode it names
# (in the OCI config: the bind's source and x-ctr.inode=DEV:INO): nsenter-chroot opens that path
# following no symlink at all and mounts what it opened only if it is still that inode, so a component that a container turns into a symlink (or replaces) after
# this check is refused, never followed. A symlink crossed here must not lie in a directory a
# container can write (sec_links_check). A newline in the spec, or a ':' or newline in the
# resolved path (nsenter-chroot's argv form splits H:C at ':'), is refused.
sec_volume() {
	_swh=${2:-"-v $1"}
	one_line -v "$1"
	case $1 in /*:/*) ;; *)
		# shellcheck source=/dev/null
		[ -n "${VOL_SH:-}" ] || . "$CTR_HOME/helpers/volume.sh" || exit 125
		vol_spec "$1" "$_swh"
		return ;;
	esac
	_sh=${1%%:*}
	_st=${1#*:}
	_so=
	case $_st in *:*) _so=${_st#*:} _st=${_st%%:*} ;; esac
	case $_sh in /*) ;; *) die "$_swh: the host path must be absolute" ;; esac
	case $_st in /*) ;; *) die "$_swh: the container path must be absolute" ;; esac
	[ "$_st" != "${_st#*[!/]}" ] || die "$_swh: cannot mount over the container's /"
	[ -e "$_sh" ] || die "$_swh: $_sh: no such file or directory"
	sec_resolve "$_sh" || die "$_swh: $_sh: cannot resolve"
	[ -z "$_sl" ] || sec_links_check "$_swh"
	case $_sr in *:* | *"$NL"*) die "$_swh: the host path resolves to $_sr: a ':' or newline is not supported" ;; esac
	_sid=$(stat -c '%d %i' -- "$_sr") || die "$_swh: $_sh: cannot resolve"
	_sro=false _sne=false
	_sifs=$IFS IFS=':,'
	set -f
	for _sx in $_so; do
		case $_sx in
		ro) _sro=true ;; rw) _sro=false ;;
		noexec) _sne=true ;; exec) _sne=false ;;
		*) IFS=$_sifs; set +f; die "$_swh: unknown option $_sx (ro, rw, noexec, exec)" ;;
		esac
	done
	IFS=$_sifs
	set +f
	# dev and ino as strings: jq's numbers are doubles, an inode number may not fit
	list_add SEC_VOLL "$_sr"
	list_add SEC_VOLL "$_st"
	list_add SEC_VOLL "$_sro"
	list_add SEC_VOLL "$_sne"
	list_add SEC_VOLL "${_sid% *}"
	list_add SEC_VOLL "${_sid#* }"
	# the bind's options in the OCI config (sec_binds)
	_sx=rbind,nosuid,nodev
	[ "$_sro" = false ] || _sx=$_sx,ro
	[ "$_sne" = false ] || _sx=$_sx,noexec
	list_add SEC_VOLL "$_sx,x-ctr.inode=${_sid% *}:${_sid#* }"
}

# sec_resolve PATH [ROOT]: _sr = PATH with every symlink, . and .. resolved (as readlink -f does), _sl
# = the symlinks crossed (each one's own path, one a line). With ROOT, PATH as a process chrooted
# there sees it (an absolute symlink from ROOT, .. stopping there: volume.sh's copy-up); _sr is then
# inside ROOT. Each component is tested with the shell's own [ -L ] (no fork); readlink runs for a
# symlink only. Fails on a loop (40 symlinks, as the kernel).
sec_resolve() {
	_sr='' _sl='' _sx=$1 _sn=0 _srt=${2:-}
	while :; do
		_sx=${_sx#"${_sx%%[!/]*}"} # leading slashes
		[ -n "$_sx" ] || break
		_sc=${_sx%%/*}
		_sx=${_sx#"$_sc"}
		case $_sc in
		.) ;;
		..) _sr=${_sr%/*} ;;
		*)
			if [ -L "$_srt$_sr/$_sc" ]; then
				_sn=$((_sn + 1))
				[ "$_sn" -le 40 ] || return 1
				_sy=$(readlink -- "$_srt$_sr/$_sc") && [ -n "$_sy" ] || return 1
				_sl="$_sl$_srt$_sr/$_sc$NL"
				case $_sy in /*) _sr='' ;; esac
				_sx=$_sy$_sx
			else
				_sr=$_sr/$_sc
			fi ;;
		esac
	done
	_sr=${_sr:-/}
}

# sec_links_check WHAT: die when a symlink that sec_resolve crossed (_sl) lies in a directory a
# container can write: a read-write volume of any container of CTR_ROOT, or CTR_ROOT itself (the
# containers' root filesystems). There a container decides where the link points (e.g. to /), so
# following it would mount (or cp write, fs.sh) what the container chose. WHAT starts the message
# (-v SPEC, cp PATH). Only run when a symlink was crossed.
sec_links_check() {
	_sv=$1
	_sw=$(readlink -f -- "$CTR_ROOT")
	set -- "$CTR_ROOT"/containers/*/config.json
	# a config being written or removed meanwhile is skipped (its container has no volume yet)
	[ ! -e "$1" ] || _sw="$_sw$NL$(jq -r '.security.volumes[]? | select(.ro | not) | .source' \
		"$@" 2>/dev/null)"
	while IFS= read -r _sy; do
		[ -n "$_sy" ] || continue
		while IFS= read -r _sd; do
			case $_sd in '') continue ;; /) _sd='' ;; esac
			case $_sy in "$_sd"/*)
				die "$_sv: $_sy is a symlink in ${_sd:-/}, which a container can write: not followed (give the real path)" ;;
			esac
		done <<EOF
$_sw
EOF
	done <<EOF
$_sl
EOF
}

# sec_host_path WHAT PATH: SEC_HP = the host's PATH (a relative one from the working directory)
# resolved once (sec_resolve): a file or tree whose content ctr reads for the user (--env-file,
# --label-file, import FILE, load -i FILE, init DIR). Dies when a symlink it crossed lies in a
# directory a container can write (sec_links_check): there the container chose where it points
# (a host file of secrets). WHAT starts the messages. Read it through an fd opened at SEC_HP and
# checked with sec_fd_is: a directory of the path swapped for a symlink since is caught there.
# The caller's own fds (/dev/fd/N, /proc/self/fd/N, /dev/stdin) are taken as they are.
sec_host_path() {
	# the caller's own open file (`--env-file <(...)`, /dev/stdin): as it is (SEC_HP_OWN)
	SEC_HP_OWN=''
	case $2 in
	/dev/stdin) SEC_HP_OWN=1 ;;
	/dev/fd/* | /proc/self/fd/*) case ${2##*/fd/} in '' | *[!0-9]*) ;; *) SEC_HP_OWN=1 ;; esac ;;
	esac
	[ -z "$SEC_HP_OWN" ] || { SEC_HP=$2; return 0; }
	case $2 in /*) _shp=$2 ;; *) _shp=$PWD/$2 ;; esac
	sec_resolve "$_shp" || die "$1 $2: cannot resolve"
	[ -z "$_sl" ] || sec_links_check "$1 $2"
	SEC_HP=$_sr
}

# sec_fd_is WHAT PATH FD: die unless FD (open in this shell) is PATH: its /proc/self/fd link names
# PATH (an open that crossed a symlink swapped in after sec_host_path names where it led).
sec_fd_is() {
	[ -z "$SEC_HP_OWN" ] || return 0
	[ "$(readlink "/proc/self/fd/$3")" = "$2" ] ||
		die "$1: it changed while it was opened (a symlink in its path?): not read"
}

# sec_userns_params: the range ctr owns must be valid ids (below 2^32 - 1, the invalid id).
sec_userns_params() {
	SEC_USERNS_BASE=${CTR_USERNS_BASE:-1879048192}
	SEC_USERNS_SLOTS=${CTR_USERNS_SLOTS:-4096}
	case $SEC_USERNS_BASE$SEC_USERNS_SLOTS in '' | *[!0-9]*)
		die "CTR_USERNS_BASE, CTR_USERNS_SLOTS: must be numbers" ;;
	esac
	[ "$SEC_USERNS_BASE" -gt 0 ] && [ "$SEC_USERNS_SLOTS" -gt 0 ] &&
		[ $((SEC_USERNS_BASE + SEC_USERNS_SLOTS * SEC_USERNS_SIZE)) -le 4294967295 ] ||
		die "CTR_USERNS_BASE $SEC_USERNS_BASE + $SEC_USERNS_SLOTS ranges of $SEC_USERNS_SIZE: not valid ids"
}

# ---------------------------------------------------------------- allocation

# sec_alloc CID: the user-namespace range and the devices group. Undone by sec_teardown.
sec_alloc() {
	if [ -n "$SEC_USERNS" ]; then
		SEC_RANGE=$(sec_range_alloc "$1") || die "--userns: all $SEC_USERNS_SLOTS id ranges are in use"
	fi
	[ -n "$SEC_PRIV" ] || sec_devices_make "$1"
}

# sec_range_alloc CID: record CID in $CTR_ROOT/subuid on the lowest range free on the host: not
# overlapping a range of this root's or of any other root's subuid (the roots registered in
# $CTR_REGISTRY, storage.sh; their CTR_USERNS_BASE may differ); print its first id. The host-wide
# lock serialises allocations of all roots; the root's own lock, its subuid (sec_teardown
# releases ranges outside ctr.sh's lock).
sec_range_alloc() {
	(
		flock 5 && flock 6 || exit 1
		_sf=$CTR_ROOT/subuid
		[ -f "$_sf" ] || : >"$_sf" || exit 1
		_sme=$(cd "$CTR_ROOT" && pwd -P) || exit 1
		set -- "$1" "$_sf"
		for _sg in "$CTR_REGISTRY"/*; do
			_so=''
			read -r _so 2>/dev/null <"$_sg" && [ -n "$_so" ] && [ "$_so" != "$_sme" ] || continue
			[ ! -f "$_so/subuid" ] || set -- "$@" "$_so/subuid"
		done
		_sc=$1
		shift
		_sr=$(awk -F: -v b="$SEC_USERNS_BASE" -v z="$SEC_USERNS_SIZE" -v n="$SEC_USERNS_SLOTS" '
			$2 !~ /^[0-9]+$/ || $3 !~ /^[0-9]+$/ || $3 == 0 || $2 + $3 <= b || $2 >= b + n * z { next }
			{ lo = ($2 <= b) ? 0 : int(($2 - b) / z); hi = int(($2 + $3 - 1 - b) / z)
			  for (i = lo; i <= hi && i < n; i++) used[i] = 1 }
			END { for (i = 0; i < n; i++) if (!(i in used)) { printf "%.0f\n", b + i * z; exit 0 }
			      exit 1 }' "$@") || exit 1
		printf '%s:%s:%s\n' "$_sc" "$_sr" "$SEC_USERNS_SIZE" >>"$_sf" || exit 1
		printf '%s\n' "$_sr"
	) 5>"$CTR_RUN/userns.lock" 6>"$CTR_ROOT/subuid.lock"
}

# sec_range_free CID: drop CID's line from $CTR_ROOT/subuid (its range can be reused). A container
# without a range (no --userns: most) costs a read of the file by the shell, no process.
sec_range_free() {
	[ -f "$CTR_ROOT/subuid" ] || return 0
	_sfree=''
	while IFS=: read -r _sc _; do
		[ "$_sc" != "$1" ] || { _sfree=1; break; }
	done <"$CTR_ROOT/subuid"
	[ -n "$_sfree" ] || return 0
	(
		flock 6 || exit 1
		grep -q "^$1:" "$CTR_ROOT/subuid" || exit 0
		grep -v "^$1:" "$CTR_ROOT/subuid" >"$CTR_ROOT/subuid.tmp"
		mv "$CTR_ROOT/subuid.tmp" "$CTR_ROOT/subuid"
	) 6>"$CTR_ROOT/subuid.lock"
}

# sec_devices_dirs CID: the candidate devices groups of CID, one per line: the v1 devices
# controller's group (if that controller is mounted), then the group on the cgroup2 mount.
sec_devices_dirs() {
	cg_detect
	[ -z "$CG_DEVICES" ] || printf '%s/%s/%s\n' "$CG_DEVICES" "$CTR_PREFIX" "$1"
	[ -z "$CG_UNIFIED" ] || printf '%s/%s/%s\n' "$CG_UNIFIED" "$CTR_PREFIX" "$1"
}

# sec_devices_make CID: set SEC_DEVCG to the group whose devices nsenter-chroot restricts (the OCI
# config's device rules, linux.resources.devices, on its cgroupsPath /$CTR_PREFIX/CID), and
# SEC_DEVCG_NEW to it unless it is the group cg_setup makes for the controllers (cgroup v2): ctr.sh
# has cg_setup make it in the same mkdir as the others. v1 devices controller when there is one;
# else cgroup2 (an eBPF program). CTR_DEVICE_CONTROL=bpf forces cgroup2 on a hybrid host.
sec_devices_make() {
	cg_detect
	case ${CTR_DEVICE_CONTROL:-auto} in
	auto) SEC_DEVCG=${CG_DEVICES:-$CG_UNIFIED} ;;
	bpf) SEC_DEVCG=$CG_UNIFIED ;;
	*) die "CTR_DEVICE_CONTROL=$CTR_DEVICE_CONTROL: must be auto or bpf" ;;
	esac
	[ -n "$SEC_DEVCG" ] || die "devices: no devices cgroup controller and no cgroup2 mount: cannot restrict devices"
	SEC_DEVCG=$SEC_DEVCG/$CTR_PREFIX/$1
	# the group on cgroup2 is cg_setup's own when a controller is there
	# shellcheck disable=SC2154 # CGV_*: set by cg_detect
	case $CGV_memory$CGV_cpu$CGV_pids in *2*) [ "$SEC_DEVCG" != "$CG_UNIFIED/$CTR_PREFIX/$1" ] || return 0 ;; esac
	SEC_DEVCG_NEW=$SEC_DEVCG
}

# ---------------------------------------------------------------- config and argv

# sec_export: give jq the SEC_* variables ($ENV.SEC_*) that SEC_JQ reads (single values: the lists
# go to jq as arguments). The container does not see them: nsenter-chroot gives it a clean
# environment and copies nothing from its own.
sec_export() {
	export SEC_PRIV SEC_RO SEC_USER SEC_SECCOMP SEC_RANGE SEC_USERNS_SIZE SEC_DEVCG
}

# sec_caps_set: SEC_CAPSET = the container's capabilities (CHOWN ...), in the
# kernel's order: docker's default set minus the drops; with --privileged (all) or --cap-add (after
# the drops: an add wins; ALL is all) within what we hold (sec_caps_held). Docker's default set is
# taken as held (if it is not, nsenter-chroot says so: "holds a capability ... does not have").
sec_caps_set() {
	_sd=$SEC_CAPS_DEFAULT
	[ -z "$SEC_PRIV$SEC_CAPADDL" ] || { sec_caps_held; [ -z "$SEC_PRIV" ] || _sd=$SEC_CAPHELD; }
	eval "set -- $SEC_CAPDROPL"
	for _sx; do
		[ "$_sx" != ALL ] || { _sd=''; break; }
		case " $_sd " in *" $_sx "*)
			_sp=" $_sd "
			_sd="${_sp%% "$_sx" *} ${_sp#* "$_sx" }" ;;
		esac
	done
	eval "set -- $SEC_CAPADDL"
	for _sx; do
		[ "$_sx" != ALL ] || { _sd=$SEC_CAPHELD; break; }
		_sd="$_sd $_sx"
	done
	SEC_CAPSET=''
	for _sx in ${SEC_CAPHELD:-$SEC_CAPS_DEFAULT}; do
		case " $_sd " in *" $_sx "*) SEC_CAPSET="$SEC_CAPSET${SEC_CAPSET:+ }$_sx" ;; esac
	done
}

# sec_caps_held: SEC_CAPHELD = the names of the capabilities we hold (our permitted set, which may
# lack some of the kernel's: "all" means these, and an add of another is dropped), in the kernel's
# order.
sec_caps_held() {
	_sh='' SEC_CAPHELD=''
	while read -r _sk _sv; do
		[ "$_sk" != CapPrm: ] || { _sh=$_sv; break; }
	done </proc/self/status
	case $_sh in '' | *[!0-9a-f]*) die "/proc/self/status: no permitted capability set" ;; esac
	_sn=0
	for _sx in $SEC_CAPS; do
		[ $(((0x$_sh >> _sn) & 1)) -eq 0 ] || SEC_CAPHELD="$SEC_CAPHELD${SEC_CAPHELD:+ }$_sx"
		_sn=$((_sn + 1))
	done
}

# SEC_JQ: the .security object, as a jq expression over $ENV.SEC_* and the lists $cap_add,
# $cap_drop, $vols (run embeds it in the one jq that writes config.json).
# shellcheck disable=SC2016,SC2034 # jq's $ENV, not the shell's; read by ctr.sh
SEC_JQ='($ENV.SEC_PRIV != "") as $priv | {privileged: $priv,
	cap_add: $cap_add, cap_drop: $cap_drop, user: $ENV.SEC_USER,
	seccomp: (if $ENV.SEC_SECCOMP == "" then (if $priv then "unconfined" else "default" end) else $ENV.SEC_SECCOMP end),
	no_new_privileges: ($priv | not),
	userns: (if $ENV.SEC_RANGE == "" then null else ($ENV.SEC_RANGE | tonumber) as $r
		| {uid: $r, gid: $r, count: ($ENV.SEC_USERNS_SIZE | tonumber)} end),
	volumes: [range(0; $vols | length; 7) as $k | {source: $vols[$k], target: $vols[$k + 1],
		ro: ($vols[$k + 2] == "true"), noexec: ($vols[$k + 3] == "true"),
		dev: $vols[$k + 4], ino: $vols[$k + 5]}],
	tmpfs: [range(0; $tmpfs | length; 3) as $k | {target: $tmpfs[$k], options: $tmpfs[$k + 1]}],
	read_only: ($ENV.SEC_RO != ""),
	device_cgroup: (if $ENV.SEC_DEVCG == "" then null else $ENV.SEC_DEVCG end)}'

# sec_oci NET CGPATH INIT: SEC_OCI = the container's OCI config.json (docs/oci.md) but for what
# its user wrote (command, env, workdir, hostname, user name, volume paths, the rootfs path, the
# /etc binds of a full pool), which run's jq merges in with its own escaping (SEC_OCI_JQ). NET:
# host, none (a new network namespace, nsenter-chroot's) or the path of the one ctr.sh made;
# CGPATH: the cgroup's (/<prefix>/<cid>); INIT: run --init (1 or ''). It is made of constants and
# of tokens checked here (numbers, capability names, these two paths' [A-Za-z0-9_/-]): jq
# compiles its whole program on every run, and what it parses (--argjson) costs nothing next to
# what it compiles. Docker's defaults: no_new_privs; /proc, /sys read-only, the private /dev; the
# device rules of the container's group; moby's masked and read-only paths; the root nodev; ctr's
# seccomp filter; in its own netns, the sysctls of net.sh's NET_SYSCTLS. --privileged: none of
# these (/dev stays private). Rootless (CTR_ROOTLESS, RL_IDS): container root is the caller, 1..N
# its subordinate ids (newuidmap's: ctr.rootless), no cgroup.
sec_oci() {
	case $1$2$SEC_RANGE$SEC_USERNS_SIZE$RL_IDS in *[!A-Za-z0-9_/:-]*) die "sec_oci: $1 $2: not a path of ctr's" ;; esac
	# rootless too: docker's set, over the container's own namespaces (its user namespace's)
	sec_caps_set
	_so=''
	for _sx in $SEC_CAPSET; do _so="$_so${_so:+,}\"CAP_$_sx\""; done
	_so="{\"bounding\":[$_so],\"effective\":[$_so],\"permitted\":[$_so]}"
	_sro=false _snnp=true _snodev=true _ssys=',"ro"' _ssc=default _smap='' _suser='' _sidmap=false _sinit=false
	[ -z "$SEC_RO" ] || _sro=true
	[ -z "$SEC_PRIV" ] || _snnp=false _snodev=false _ssys='' _ssc=unconfined
	[ -z "$SEC_SECCOMP" ] || _ssc=$SEC_SECCOMP
	[ -z "$3" ] || _sinit=true
	if [ -n "$SEC_RANGE" ]; then
		_suser=',{"type":"user"}' _sidmap=true
		_smap='"containerID":0,"hostID":'$SEC_RANGE',"size":'$SEC_USERNS_SIZE
		_smap=',"uidMappings":[{'$_smap'}],"gidMappings":[{'$_smap'}]'
	fi
	_scg=',"cgroupsPath":"'$2'"' _srl=''
	[ -z "$CTR_ROOTLESS" ] || sec_oci_rootless
	_sns='' _ssy=''
	case $1 in
	host) ;;
	none) _sns=',{"type":"network"}' _ssy=,$NET_SYSCTLS
		[ -z "$SEC_USERNS$CTR_ROOTLESS" ] || _ssy=,$NET_SYSCTLS_USERNS ;;
	*) _sns=',{"type":"network","path":"'$1'"}' _ssy=,$NET_SYSCTLS ;;
	esac
	_sres=''
	[ -n "$SEC_PRIV" ] || _sres=$SEC_OCI_PROTECT
	[ -n "$SEC_PRIV$CTR_ROOTLESS" ] || _sres=$SEC_OCI_DEVRULES$_sres
	SEC_OCI='{"ociVersion":"1.1.0","root":{"path":"","readonly":'$_sro'},
"process":{"terminal":false,"args":[],"env":[],"cwd":"/","capabilities":'$_so',"noNewPrivileges":'$_snnp$SEC_PROCX'},
"hostname":"","mounts":['$SEC_OCI_PROC',
{"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev"'$_ssys']},'$SEC_OCI_DEV'],
"linux":{"namespaces":[{"type":"pid"},{"type":"mount"},{"type":"uts"},{"type":"ipc"},{"type":"cgroup"}'$_sns$_suser']'$_smap$_scg$_ssy$_sres'},
"ctr":{"rootfsNodev":'$_snodev',"shmInDev":true,"rootfsIdmap":'$_sidmap',"seccomp":"'$_ssc'","init":'$_sinit$_srl'}}'
}

# sec_oci_rootless: sec_oci's user namespace of a rootless container: container id 0 is the
# caller's own (uid and gid: /proc/self/status, no fork), 1..N its subordinate ids (RL_IDS,
# SUBUID:SUBGID:N), written by newuidmap and newgidmap (ctr.rootless); no cgroup is ours.
sec_oci_rootless() {
	_sgid=''
	while read -r _sk _sv _; do
		[ "$_sk" != Gid: ] || { _sgid=$_sv; break; }
	done </proc/self/status
	case $_sgid$CTR_UID in '' | *[!0-9]*) die "/proc/self/status: no uid or gid" ;; esac
	_sx=${RL_IDS#*:}
	_suser=',{"type":"user"}' _scg='' _srl=',"rootless":true'
	_smu='' _smg=''
	# no subordinate ids (RL_IDS 0:0:0): the caller's id alone
	if [ "${RL_IDS##*:}" != 0 ]; then
		_smu=',{"containerID":1,"hostID":'${RL_IDS%%:*}',"size":'${RL_IDS##*:}'}'
		_smg=',{"containerID":1,"hostID":'${_sx%%:*}',"size":'${RL_IDS##*:}'}'
	fi
	_smap=',"uidMappings":[{"containerID":0,"hostID":'$CTR_UID',"size":1}'$_smu']'
	_smap=$_smap',"gidMappings":[{"containerID":0,"hostID":'$_sgid',"size":1}'$_smg']'
}

# The constant parts of SEC_OCI: /proc, the private /dev (its /dev/shm a directory of the /dev tmpfs
# bound on itself, ctr.shmInDev: no superblock of its own, docs/design.md "Superblocks"); the device rules (the container's group
# allows only the harmless nodes: not rootless, which has no group), moby's masked and read-only
# paths.
SEC_OCI_PROC='{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]}'
SEC_OCI_DEV='{"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","strictatime","mode=755","size=65536k"]},
{"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620"]},
{"destination":"/dev/shm","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","noexec","mode=1777","size=65536k"]},
{"destination":"/dev/mqueue","type":"mqueue","source":"mqueue","options":["nosuid","nodev","noexec"]}'
SEC_OCI_DEVRULES=',"resources":{"devices":[{"allow":false,"access":"rwm"}]}'
SEC_OCI_PROTECT=',"maskedPaths":["/proc/kcore","/proc/keys","/proc/timer_list","/proc/sched_debug","/proc/latency_stats",
"/proc/acpi","/proc/scsi","/proc/interrupts","/sys/firmware","/sys/devices/virtual/powercap"],
"readonlyPaths":["/proc/sys","/proc/sysrq-trigger","/proc/irq","/proc/bus","/proc/fs"]'

# SEC_OCI_JQ: jq definitions (run embeds them in its one jq) of what the user wrote into the
# security part of the container's OCI config: sec_user, the user by name, looked up in the
# container (user.username, ctr's extension); sec_binds($vols): the volumes (SEC_VOLL), binds
# whose x-ctr.inode is the inode ctr.sh checked. The rest is SEC_OCI's.
# shellcheck disable=SC2016,SC2034
SEC_OCI_JQ='def sec_user: if .user == "" then {} else {user: {uid: 0, gid: 0, username: .user}} end;
	def sec_binds($vols): [range(0; $vols | length; 7) as $k | {destination: $vols[$k + 1], type: "bind",
		source: $vols[$k], options: ($vols[$k + 6] | split(","))}];
	def sec_mounts($vols; $t): sec_binds($vols) + [range(0; $t | length; 3) as $k | {destination: $t[$k],
		type: "tmpfs", source: "tmpfs", options: ($t[$k + 1] | split(","))}]
		| to_entries | sort_by([(.value.destination | split("/") | map(select(. != "")) | length), .key])
		| map(.value);'

# ---------------------------------------------------------------- teardown

# sec_teardown CID: remove the devices group (its processes killed first: cg_teardown has removed
# it already with the others, unless the container had no other group) and free the id range.
# Idempotent.
sec_teardown() {
	_srm=0
	cg_detect
	# sec_devices_dirs' candidates, without its subshell (a fork on the exit action's path)
	for _sd in ${CG_DEVICES:+"$CG_DEVICES/$CTR_PREFIX/$1"} ${CG_UNIFIED:+"$CG_UNIFIED/$CTR_PREFIX/$1"}; do
		[ -d "$_sd" ] || continue
		_sn=50
		until rmdir "$_sd" 2>/dev/null; do
			_sn=$((_sn - 1))
			[ "$_sn" -gt 0 ] || { printf 'ctr: devices: cannot remove %s\n' "$_sd" >&2; _srm=1; break; }
			# shellcheck disable=SC2046 # one PID per word
			kill -KILL $(cat "$_sd/cgroup.procs" 2>/dev/null) 2>/dev/null
			sleep 0.1
		done
	done
	sec_range_free "$1" || { printf 'ctr: userns: cannot release the id range of %s\n' "$1" >&2; _srm=1; }
	return "$_srm"
}

# sec_cleanup: devices groups and id ranges of containers that no longer exist.
sec_cleanup() {
	for _scd in $(sec_devices_dirs '*'); do
		_sid=${_scd##*/}
		[ -d "$_scd" ] && [ ${#_sid} -eq 12 ] && [ ! -d "$CTR_ROOT/containers/$_sid" ] || continue
		case $_sid in *[!0-9a-f]*) continue ;; esac
		sec_teardown "$_sid" && printf 'removed devices group %s\n' "$_scd"
	done
	[ -f "$CTR_ROOT/subuid" ] || return 0
	cut -d: -f1 "$CTR_ROOT/subuid" | while read -r _sid; do
		[ -d "$CTR_ROOT/containers/$_sid" ] || { sec_range_free "$_sid" && printf 'released id range of %s\n' "$_sid"; }
	done
}
