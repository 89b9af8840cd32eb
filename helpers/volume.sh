#!/bin/sh
# volume.sh - docker's named volumes: a btrfs subvolume of ctr's pool that a container's -v binds,
# made by `volume create` or by the first run that names it, kept until `volume rm` or prune.
# Sourced by the dispatcher for `volume` (after format.sh and prune.sh), and by run and create
# only when a -v is not /HOST:/CTR (security.sh sec_volume): never on run's path otherwise.
#
# Interface:
#   ctr_volume create|ls|inspect|rm|prune ARGS   the verbs (docker's, #HELP below)
#   vol_spec SPEC     (run's sec_validate) check NAME:/CTR[:OPTS] or /CTR (an anonymous volume)
#                     before anything exists; die on bad input. Sets SEC_NAMED.
#   vol_run IMG       (run, under ctr's lock, $C made) make the missing volumes of run's -v, fill
#                     the empty ones from image IMG's tree at their path (docker's copy-up), record
#                     them as the container's ($C/volumes), and make SEC_VOLL again in -v's order:
#                     each volume goes through sec_volume as a host path (its inode recorded,
#                     nsenter-chroot's openat2 bind), the one way a bind is made.
#   vol_rm_anon CID NAME...  (under the lock; rm -v, run --rm) remove the anonymous ones of NAMES
#                     that no other container uses
#
# On disk: volume NAME is the subvolume $CTR_BTRFS/volumes/NAME/_data (tree_of volumes: its
# Mountpoint) and the record $CTR_ROOT/volumes/NAME ({Name, CreatedAt, Labels}, JSON). It exists
# when its record does: the record is written last (after the subvolume and the copy-up) and
# removed first, so a make or removal cut short leaves a tree no record names, which cleanup
# (storage.sh tree_gc) or the next make of that name removes. Which containers use a volume:
# their $C/volumes (one name a line), written under the lock before anything else of theirs can
# use it: every check of use is made under the lock (volume rm, prune), as every make (volume
# create, run). Names: docker's grammar [a-zA-Z0-9][a-zA-Z0-9_.-]* (storage.sh valid_name, at
# most 255): checked before any path is made of one. An anonymous volume (-v /CTR) has a random name of 64 hex digits and docker's label
# com.docker.volume.anonymous; rm -v and run --rm remove it with its container.
# shellcheck disable=SC2034 # read by security.sh (sourced once)
VOL_SH=1
VOL_ANON=com.docker.volume.anonymous

#HELP volume create [--label K=V]... [-o size=SIZE] [NAME]   make a named volume (no NAME: a random one; SIZE: a btrfs quota, default CTR_STORAGE_SIZE); prints its name
#HELP volume ls [-q] [-f dangling=true|false] [-f name=REGEX]   list volumes
#HELP volume inspect NAME...       the volumes as JSON (Name, Mountpoint, CreatedAt, Labels, Driver, Scope)
#HELP volume rm [-f] NAME...       remove volumes (refused while a container, running or not, uses one)
#HELP volume prune [-f] [-a]       remove the unused anonymous volumes (-a: every unused volume)
ctr_volume() {
	_vv=${1:-}
	[ $# -eq 0 ] || shift
	case $_vv in
	create) vol_create "$@" ;;
	ls | list) vol_ls "$@" ;;
	inspect) vol_inspect "$@" ;;
	rm | remove) vol_remove "$@" ;;
	prune) vol_prune "$@" ;;
	*) die "usage: ctr.sh volume create|ls|inspect|rm|prune (see ctr.sh help)" ;;
	esac
}

# vol_name WHAT NAME: die unless NAME is a volume name (WHAT starts the message).
vol_name() {
	valid_name "$2" ||
		die "$1: invalid volume name '$2' (want [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 characters; a host directory needs an absolute path)"
}

# vol_paths NAME: VOL = the volume's subvolume, VOL_DIR its pool directory, VOL_REC its record.
vol_paths() {
	tree_of volumes "$1"
	VOL=$TREE VOL_DIR=$TREE_DIR VOL_REC=$CTR_ROOT/volumes/$1
}

# vol_anon_name: VOL_NAME = a new anonymous volume's name: 64 random hex digits, docker's form: two
# of the kernel's UUIDs without their dashes, read by the shell (as storage.sh's id_new: no fork).
vol_anon_name() {
	VOL_NAME=''
	for _ in 1 2; do
		_vu=''
		read -r _vu 2>/dev/null </proc/sys/kernel/random/uuid
		while :; do case $_vu in *-*) _vu=${_vu%%-*}${_vu#*-} ;; *) break ;; esac; done
		VOL_NAME=$VOL_NAME$_vu
	done
	case $VOL_NAME in *[!0-9a-f]*) VOL_NAME='' ;; esac
	# shellcheck disable=SC2046 # 32 words, joined
	[ ${#VOL_NAME} -eq 64 ] || VOL_NAME=$(printf '%s' $(od -An -N32 -tx1 /dev/urandom))
	[ ${#VOL_NAME} -eq 64 ] || die "/dev/urandom: cannot read"
}

# vol_make NAME [LABEL...]: (under the lock) make volume NAME unless it exists; VOL_NEW=1 when made.
# Each LABEL is K=V or K. What a failed make made is removed.
vol_make() {
	vol_paths "$1"
	VOL_NEW=''
	[ ! -e "$VOL_REC" ] || return 0
	_vn=$1
	shift
	# shellcheck disable=SC2174 # the parents exist (pool_ensure)
	mkdir -p -m 0700 "$CTR_BTRFS/volumes" "$CTR_ROOT/volumes" || die "$CTR_BTRFS/volumes: cannot create"
	# a tree no record names: a make or removal cut short
	subvol_rm "$VOL" && rm -rf "$VOL_DIR" || die "volume $_vn: cannot remove the tree of an earlier one"
	mkdir "$VOL_DIR" && btrfs subvolume create "$VOL" >/dev/null ||
		{ rm -rf "$VOL_DIR"; die "volume $_vn: cannot create its subvolume (is the pool full?)"; }
	chmod 0755 "$VOL" || { vol_unmake; die "volume $_vn: cannot set its mode"; }
	# its size (VOL_SIZE, bytes: run's --storage-opt size or CTR_STORAGE_SIZE, volume create's
	# --opt size): a qgroup limit, as a container's tree has; without it, a container given the
	# volume filled the pool, data or metadata, whatever size its own tree had
	if [ -n "${VOL_SIZE:-}" ]; then
		btrfs quota enable "$CTR_BTRFS" >/dev/null 2>&1 && btrfs qgroup limit -e "$VOL_SIZE" "$VOL" >/dev/null 2>&1 ||
			{ vol_unmake; die "volume $_vn: cannot set its size limit (btrfs quotas on $CTR_BTRFS)"; }
	fi
	VOL_NEW=1 VOL_MADE=$_vn VOL_LABELS=''
	for _vx; do list_add VOL_LABELS "$_vx"; done
}

# vol_record NAME: write the record of the volume vol_make made (the last step: it exists now).
# shellcheck disable=SC2016 # jq's $, not the shell's
vol_record() {
	eval "set -- $VOL_LABELS"
	_vtmp=$CTR_ROOT/tmp/volume-$$
	"$CTR_JQ" -n --arg n "$VOL_MADE" --arg t "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg z "${VOL_SIZE:-}" \
		'{Name: $n, CreatedAt: $t, Labels: ($ARGS.positional | map(index("=") as $e
			| if $e == null then {(.): ""} else {(.[:$e]): .[$e + 1:]} end) | add // {}),
			Options: (if $z == "" then null else {size: $z} end)}' \
		--args -- "$@" 2>/dev/null >"$_vtmp" && mv "$_vtmp" "$VOL_REC" ||
		{ rm -f "$_vtmp"; vol_unmake; die "volume $VOL_MADE: cannot write its record (is the file system full?)"; }
}

# vol_unmake: remove the volume's tree (vol_make's before its record; vol_delete's after it).
# Rootless: a copy-up may have given its top a subordinate id: deleted in the user's namespace.
vol_unmake() {
	[ -z "$CTR_ROOTLESS" ] || [ ! -d "$VOL" ] || vol_as btrfs subvolume delete "$VOL" >/dev/null 2>&1
	subvol_rm "$VOL" && rm -rf "$VOL_DIR"
}

# vol_users NAME: VOL_USERS = the IDs of the containers that use volume NAME (space-separated).
vol_users() {
	VOL_USERS=''
	_vun=$1
	set -- "$CTR_ROOT"/containers/*/volumes
	[ -e "$1" ] || return 0
	while IFS= read -r _vu; do
		_vu=${_vu%/volumes}
		! valid_id "${_vu##*/}" || VOL_USERS="$VOL_USERS${VOL_USERS:+ }${_vu##*/}"
	done <<EOF
$(grep -lxF -e "$_vun" -- "$@" 2>/dev/null)
EOF
}

# vol_anon NAME: volume NAME is an anonymous one (docker's label).
# shellcheck disable=SC2016 # jq's $, not the shell's
vol_anon() {
	"$CTR_JQ" -e --arg k "$VOL_ANON" '.Labels | has($k)' "$CTR_ROOT/volumes/$1" >/dev/null 2>&1
}

# vol_used: VOL_USED = the names of every volume a container uses, one a line.
vol_used() {
	set -- "$CTR_ROOT"/containers/*/volumes
	VOL_USED=''
	[ -e "$1" ] || return 0
	VOL_USED=$(cat -- "$@" 2>/dev/null)
}

# vol_names: VOL_NAMES = every volume's name, one a line (the records', sorted).
vol_names() {
	VOL_NAMES=''
	for _vx in "$CTR_ROOT"/volumes/*; do
		_vx=${_vx##*/}
		valid_name "$_vx" && [ -f "$CTR_ROOT/volumes/$_vx" ] || continue
		VOL_NAMES="$VOL_NAMES${VOL_NAMES:+$NL}$_vx"
	done
}

# ---------------------------------------------------------------- run -v

# vol_spec SPEC [WHAT]: run's -v NAME:/CTR[:OPTS], -v /CTR or -v /CTR:OPTS (an anonymous volume,
# as docker's -v /data:ro), checked (sec_validate: nothing exists yet); WHAT starts the errors
# (default -v SPEC). The volume is made later, under the lock (vol_run). OPTS: sec_volume's (ro, rw,
# noexec, exec), and docker's nocopy (no copy-up).
# shellcheck disable=SC2034 # SEC_NAMED is read by ctr.sh
vol_spec() {
	_vw=${2:-"-v $1"}
	case $1 in
	/*:/*) die "vol_spec: $1: a host path" ;;
	/*:*) _vt=${1%%:*} _vo=${1#*:}
		[ -n "$_vo" ] || die "$_vw: expected /HOST:/CONTAINER[:OPTS], NAME:/CONTAINER[:OPTS] or /CONTAINER[:OPTS]" ;;
	/*) _vt=$1 _vo='' ;;
	*:*) vol_name "$_vw" "${1%%:*}"
		_vt=${1#*:} _vo=''
		case $_vt in *:*) _vo=${_vt#*:} _vt=${_vt%%:*} ;; esac ;;
	*) vol_name "$_vw" "$1"; die "$_vw: expected NAME:/CONTAINER[:ro] or /HOST:/CONTAINER[:ro]" ;;
	esac
	case $_vt in /*) ;; *) die "$_vw: the container path must be absolute" ;; esac
	[ "$_vt" != "${_vt#*[!/]}" ] || die "$_vw: cannot mount over the container's /"
	_vifs=$IFS IFS=':,'
	set -f
	for _vx in $_vo; do
		case $_vx in ro | rw | noexec | exec | nocopy) ;; *)
			IFS=$_vifs
			set +f
			# /HOST:PATH: a relative container path more likely than /CONTAINER:OPTS with a typo
			case $1 in /*) die "$_vw: the container path must be absolute" ;; esac
			die "$_vw: unknown option $_vx (ro, rw, noexec, exec, nocopy)" ;;
		esac
	done
	IFS=$_vifs
	set +f
	SEC_NAMED=1
}

# vol_run IMG: (run, under the lock) see the contract at the top. Dies on failure (run_undo
# removes the container; a volume made whole stays, as docker's).
# shellcheck disable=SC2034,SC2153 # SEC_VOLL is read by ctr.sh; SEC_VOLS is security.sh's
vol_run() {
	tree_of images "$1"
	_vimg=$TREE
	SEC_VOLL='' _vnames=''
	# the volumes it makes get its size (storage_validate's ST_SIZE)
	VOL_SIZE=${ST_SIZE:-}
	eval "set -- $SEC_VOLS"
	while [ $# -gt 0 ]; do
		_vs=$1 _vw=$2
		shift 2
		case $_vs in
		/*:/*) sec_volume "$_vs" "$_vw"; continue ;;
		/*:*) vol_anon_name; _vn=$VOL_NAME _vt=${_vs%%:*} _vo=:${_vs#*:} _vl=$VOL_ANON ;;
		/*) vol_anon_name; _vn=$VOL_NAME _vt=$_vs _vo='' _vl=$VOL_ANON ;;
		*) _vn=${_vs%%:*} _vt=${_vs#*:} _vo='' _vl=''
			case $_vt in *:*) _vo=:${_vt#*:} _vt=${_vt%%:*} ;; esac ;;
		esac
		vol_name "$_vw" "$_vn"
		# nocopy (docker's): no copy-up; the others are the bind's (sec_volume)
		_vnc='' _vx='' _vifs=$IFS IFS=':,'
		set -f
		for _vv in ${_vo#:}; do
			case $_vv in nocopy) _vnc=1 ;; *) _vx="$_vx:$_vv" ;; esac
		done
		set +f
		IFS=$_vifs _vo=$_vx
		vol_make "$_vn" ${_vl:+"$_vl"}
		# copy-up fills an empty volume only if no container has it: one that runs could plant a
		# symlink in it between the look and the copy, and root's cp would write through it
		if [ -z "$_vnc" ] && [ -z "$VOL_NEW" ]; then
			vol_users "$_vn"
			[ -z "$VOL_USERS" ] || _vnc=1
		fi
		[ -n "$_vnc" ] || vol_fill "$_vimg" "$_vt" || {
			[ -z "$VOL_NEW" ] || vol_unmake
			die "$_vw: cannot copy the image's $_vt into the volume (is the pool full, or the volume's size too small?)"
		}
		[ -z "$VOL_NEW" ] || vol_record "$_vn"
		_vnames="$_vnames$_vn$NL"
		sec_volume "$VOL:$_vt$_vo" "$_vw"
	done
	printf '%s' "$_vnames" 2>/dev/null >"$C/volumes" || die "$C/volumes: cannot write (is its file system full?)"
}

# vol_image IMG REF: (run, before the lock) image IMG's own volumes (its config's Volumes, Dockerfile
# VOLUME: the paths image_volumes checked when the image was made, $CTR_ROOT/images/IMG/volumes,
# which only an image with volumes has): an anonymous volume each, made by vol_run as a -v /CTR is,
# unless one of the run's mounts (-v, --mount, --tmpfs) is at that path already (docker's rule).
# REF (the image as run was given it) starts the errors.
vol_image() {
	sec_targets
	while IFS= read -r _vp; do
		case $_vp in /?*) ;; *) continue ;; esac
		case $SEC_TARGETS in *"$NL$_vp$NL"*) continue ;; esac
		SEC_TARGETS=$SEC_TARGETS$_vp$NL
		sec_vol_add "$_vp" "image $2: VOLUME $_vp"
		vol_spec "$_vp" "image $2: VOLUME $_vp"
	done <"$CTR_ROOT/images/$1/volumes" || die "image $2: cannot read its volumes"
}

# vol_fill ROOT PATH: docker's copy-up: when the volume VOL is empty, copy into it what the image
# tree ROOT has at PATH, if that is a directory (owners, modes, times, links, hard links, xattrs:
# cp -a). PATH is resolved inside ROOT (vol_resolve): no symlink of the image leads out of it.
# A copy that fails leaves the volume empty again.
vol_fill() {
	[ -z "$(ls -A -- "$VOL")" ] || return 0
	vol_resolve "$1" "$2" || return 0
	[ -d "$1$_vr" ] && [ ! -L "$1$_vr" ] && [ -n "$_vr" ] || return 0
	vol_as cp -a --reflink=auto -- "$1$_vr/." "$VOL/" 2>/dev/null && return 0
	vol_as find "$VOL" -mindepth 1 -delete 2>/dev/null
	return 1
}

# vol_as CMD...: CMD as the volume's owner: rootless, in the user's namespace (rootless_userns: a
# file of the container's uid 42 is 42 there, and the user may chown to it and delete it), else
# as root.
vol_as() {
	if [ -n "$CTR_ROOTLESS" ]; then rootless_userns "$@"; else "$@"; fi
}

# vol_resolve ROOT PATH: _vr = PATH resolved as the container would see it inside ROOT: every
# symlink followed in ROOT, an absolute one from ROOT, '..' stopping at ROOT (as chroot); '' for
# ROOT itself (security.sh sec_resolve). Fails on a loop (40 symlinks).
# shellcheck disable=SC2154 # _sr: sec_resolve's
vol_resolve() {
	sec_resolve "$2" "$1" || return 1
	_vr=${_sr%/}
}

# vol_rm_anon CID NAME...: (under the lock) remove the anonymous volumes among NAMES that no
# container but CID uses (rm -v; run --rm's exit action).
vol_rm_anon() {
	_vac=$1
	shift
	for _vn; do
		valid_name "$_vn" && [ -f "$CTR_ROOT/volumes/$_vn" ] || continue
		vol_anon "$_vn" || continue
		vol_users "$_vn"
		[ -z "$VOL_USERS" ] || [ "$VOL_USERS" = "$_vac" ] || continue
		vol_delete "$_vn" || printf 'ctr: volume %s: cannot remove\n' "$_vn" >&2
	done
}

# vol_delete NAME: (under the lock) remove the volume: its record first, then its tree.
vol_delete() {
	vol_paths "$1"
	rm -f "$VOL_REC" || return 1
	vol_unmake
}

# ---------------------------------------------------------------- the verbs

# vol_create [--label K=V]... [-o size=SIZE] [NAME]: docker's volume create (an existing NAME: no
# error, as docker's). Its size: -o size=SIZE, else CTR_STORAGE_SIZE (size=0: none).
vol_create() {
	_vls='' _vsz=${CTR_STORAGE_SIZE:-} _vso="CTR_STORAGE_SIZE=${CTR_STORAGE_SIZE:-}"
	while [ $# -gt 0 ]; do
		case $1 in
		--label=*) label_arg --label "${1#*=}"; list_add _vls "$LABEL_ARG" ;;
		-l | --label) need_arg "$@"; label_arg "$1" "$2"; list_add _vls "$LABEL_ARG"; shift ;;
		--opt=*) _vx=${1#*=}; shift; set -- -o "$_vx" "$@"; continue ;;
		-o?*) _vx=${1#-o}; shift; set -- -o "$_vx" "$@"; continue ;;
		-o | --opt) need_arg "$@"
			case $2 in size=*) _vsz=${2#size=} _vso="$1 $2" ;; *) die "volume create: $1 $2: only size=SIZE" ;; esac
			shift ;;
		-d | --driver) need_arg "$@"; [ "$2" = local ] || die "volume create: --driver $2: only local"; shift ;;
		--) shift; break ;;
		-*) die "volume create: unknown option $1 (see ctr.sh help)" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -le 1 ] || die "usage: ctr.sh volume create [--label K=V]... [-o size=SIZE] [NAME]"
	VOL_SIZE=''
	if [ -n "$_vsz" ]; then
		VOL_SIZE=$(cg_bytes "$_vso" "$_vsz" 2>/dev/null) ||
			die "volume create: $_vso: invalid size (a number with an optional b, k, m, g or t suffix, at most 8 PiB)"
		[ "$VOL_SIZE" != 0 ] || VOL_SIZE=''
		[ -z "$VOL_SIZE" ] || [ -z "$CTR_ROOTLESS" ] || die "volume create: $_vso: rootless, not available (btrfs quotas need root)"
	fi
	if [ $# -eq 1 ]; then
		one_line "volume create" "$1"
		vol_name "volume create" "$1"
		_vn=$1
	else
		vol_anon_name
		_vn=$VOL_NAME
	fi
	pool_ensure
	lock
	eval "vol_make \"\$_vn\" $_vls"
	[ -z "$VOL_NEW" ] || vol_record "$_vn"
	unlock
	printf '%s\n' "$_vn"
}

# vol_ls [-q] [-f dangling=true|false] [-f name=REGEX]...: docker's volume ls (name filters: any).
vol_ls() {
	_vq='' _vd='' _vre=''
	while [ $# -gt 0 ]; do
		case $1 in
		--*=*) _o=${1%%=*} _v=${1#*=}; shift; set -- "$_o" "$_v" "$@"; continue ;;
		-q | --quiet) _vq=1 ;;
		-f | --filter) need_arg "$@"; one_line "$1" "$2"
			case $2 in
			dangling=true | dangling=1) _vd=true ;;
			dangling=false | dangling=0) _vd=false ;;
			name=*) list_add _vre -e; list_add _vre "${2#name=}" ;;
			*) die "volume ls: invalid filter '$2' (dangling=true|false, name=REGEX)" ;;
			esac
			shift ;;
		*) die "volume ls: unknown option $1 (see ctr.sh help)" ;;
		esac
		shift
	done
	pool_ensure
	vol_names
	if [ -n "$_vre" ] && [ -n "$VOL_NAMES" ]; then
		eval "set -- $_vre"
		VOL_NAMES=$(printf '%s\n' "$VOL_NAMES" | grep -E "$@")
		[ $? -le 1 ] || die "volume ls: --filter name: not a regular expression"
	fi
	[ -n "$_vq" ] || printf '%-10s%s\n' DRIVER 'VOLUME NAME'
	[ -z "$_vd" ] || vol_used
	while IFS= read -r _vn; do
		[ -n "$_vn" ] || continue
		if [ -n "$_vd" ]; then
			_vx=false
			case $NL$VOL_USED$NL in *"$NL$_vn$NL"*) ;; *) _vx=true ;; esac
			[ "$_vx" = "$_vd" ] || continue
		fi
		if [ -n "$_vq" ]; then printf '%s\n' "$_vn"; else printf '%-10s%s\n' local "$_vn"; fi
	done <<EOF
$VOL_NAMES
EOF
}

# shellcheck disable=SC2016 # jq's $, not the shell's
# vol_inspect NAME...: the volumes as docker's JSON array; a missing one is an error (the others
# are printed).
vol_inspect() {
	[ $# -ge 1 ] || die "usage: ctr.sh volume inspect NAME..."
	pool_ensure
	_vrc=0 _vf=''
	for _vn; do
		if valid_name "$_vn" && [ -f "$CTR_ROOT/volumes/$_vn" ]; then
			list_add _vf "$CTR_ROOT/volumes/$_vn"
		else
			printf 'ctr: volume %s: no such volume\n' "$_vn" >&2
			_vrc=125
		fi
	done
	eval "set -- $_vf"
	tree_of volumes NAME
	"$CTR_JQ" -n --arg d "${TREE_DIR%/NAME}" '[inputs | {CreatedAt, Driver: "local", Labels,
		Mountpoint: ($d + "/" + .Name + "/_data"), Name, Options: (.Options // null), Scope: "local"}]' "$@" || _vrc=125
	return "$_vrc"
}

# vol_remove [-f] NAME...: docker's volume rm: refused while a container uses the volume; -f: a
# missing one is no error.
vol_remove() {
	_vfo=''
	case ${1:-} in -f | --force) _vfo=1; shift ;; esac
	[ $# -ge 1 ] || die "usage: ctr.sh volume rm [-f] NAME..."
	pool_ensure
	_vrc=0
	for _vn; do
		if ! valid_name "$_vn"; then
			printf 'ctr: volume %s: invalid volume name\n' "$_vn" >&2
			_vrc=125
			continue
		fi
		lock
		if [ ! -f "$CTR_ROOT/volumes/$_vn" ]; then
			unlock
			[ -n "$_vfo" ] || { printf 'ctr: volume %s: no such volume\n' "$_vn" >&2; _vrc=125; }
			continue
		fi
		vol_users "$_vn"
		if [ -n "$VOL_USERS" ]; then
			unlock
			printf 'ctr: volume %s: volume is in use - [%s]\n' "$_vn" "$VOL_USERS" >&2
			_vrc=125
			continue
		fi
		vol_delete "$_vn" || { unlock; printf 'ctr: volume %s: cannot remove\n' "$_vn" >&2; _vrc=125; continue; }
		unlock
		printf '%s\n' "$_vn"
	done
	return "$_vrc"
}

# vol_prune [-f] [-a]: docker's (23+) volume prune: the anonymous volumes no container uses; -a:
# every volume no container uses. Prints them and the room they took.
vol_prune() {
	_vpa='' PR_FORCE=''
	while [ $# -gt 0 ]; do
		case $1 in
		-f | --force) PR_FORCE=1 ;;
		-a | --all) _vpa=1 ;;
		-af | -fa) PR_FORCE=1 _vpa=1 ;;
		*) die "volume prune: unknown option $1 (see ctr.sh help)" ;;
		esac
		shift
	done
	pool_ensure
	if [ -n "$_vpa" ]; then
		prune_confirm 'WARNING! This will remove all local volumes not used by at least one container.'
	else
		prune_confirm 'WARNING! This will remove anonymous local volumes not used by at least one container.'
	fi
	_vdone='' _vbytes=0
	lock
	vol_names
	vol_used
	while IFS= read -r _vn; do
		[ -n "$_vn" ] || continue
		case $NL$VOL_USED$NL in *"$NL$_vn$NL"*) continue ;; esac
		[ -n "$_vpa" ] || vol_anon "$_vn" || continue
		vol_paths "$_vn"
		_vb=$(du -sb -- "$VOL" 2>/dev/null | cut -f1)
		vol_delete "$_vn" || { printf 'ctr: volume %s: cannot remove\n' "$_vn" >&2; continue; }
		_vdone="$_vdone$_vn$NL"
		_vbytes=$((_vbytes + ${_vb:-0}))
	done <<EOF
$VOL_NAMES
EOF
	unlock
	[ -z "$_vdone" ] || printf 'Deleted Volumes:\n%s\n' "$_vdone"
	hsize_si "$_vbytes"
	printf 'Total reclaimed space: %s\n' "$HSIZE_SI"
}
