#!/bin/sh
# fs.sh - a container's filesystem: cp, diff, export. Sourced by ctr.sh for these verbs (and
# history, which sizes a commit's layer with fs_changes) only.
#
# A path a container controls is only ever resolved inside the container's root, by the kernel: the
# container's side of cp is done by the static busybox under ctr-jail (helpers/lib/jail.c), chrooted
# into the container's root (running: in its mount namespace, with its volumes, as its processes see
# them, and in its user namespace as its root; stopped: its rootfs), with the file capabilities only
# (no mknod, no chroot, no mount). So ".." and symlinks, absolute or relative, even swapped while
# the copy runs, stop at the container's root, as in docker's chroot'ed archiver. What a container
# gives is unpacked on the host by the same jail, chrooted into the destination directory: its
# names and links cannot reach past it. diff and export read a read-only snapshot of the rootfs
# (atomic, as commit's), which nothing can change under them.
#
# Interface: fs_rootfs CID and fs_image_rootfs ID set FS_ROOTFS (the one place that knows where a
# rootfs lives); fs_changes PARENT CHILD prints docker diff's lines for two read-only subvolumes.
# Variables: FS_* (the verb in progress); locals start with _f.

FS_CID='' FS_NAME='' FS_STAGE='' FS_MADE=''
# what ctr writes into every rootfs at run (net.sh's net_etc): docker's init layer, never a change
FS_ETC_RUN=' etc/hosts etc/hostname etc/resolv.conf '
# FS_RUN_JQ: an image record ($i) whose layer is what a container changed (commit, a build's RUN
# step): its FS_ETC_RUN files are not part of it (fs_etc_restore put the parent's back).
# shellcheck disable=SC2016,SC2034 # jq's $, not the shell's; read by layers.sh and image.sh
FS_RUN_JQ='($i.source // "" | startswith("commit:")) or (($i.source // "" | startswith("build:"))
	and ([$i.history // [] | .[] | select(.empty_layer | not)] | last // {} | .created_by // ""
	| startswith("RUN ")))'

# fs_etc_restore TREE PARENT: the container's /etc/hostname, hosts and resolv.conf (written by run)
# are not the image's: TREE (a writable snapshot of a container) gets PARENT's back, or none (docker
# keeps them out of layers too). Both trees are reached under the jail: their symlinks stay inside.
# On a full pool (a commit to save a container's work) the copies may not fit: TREE then has none,
# with a warning (removing needs no space).
fs_etc_restore() {
	fs_hjail "$1" rm -f /etc/hostname /etc/hosts /etc/resolv.conf || die "$1: cannot clean /etc"
	[ -d "$2/etc" ] && [ ! -L "$2/etc" ] || return 0
	set -- "$1" "$2"
	for _fef in hostname hosts resolv.conf; do
		[ ! -e "$2/etc/$_fef" ] && [ ! -L "$2/etc/$_fef" ] || set -- "$@" "etc/$_fef"
	done
	[ $# -gt 2 ] || return 0
	_fet=$1 _fep=$2
	shift 2
	fs_hjail "$_fep" tar -c -f - -C / -- "$@" | fs_hjail "$_fet" tar -x -f - -C / 2>/dev/null && return 0
	fs_hjail "$_fet" rm -f /etc/hostname /etc/hosts /etc/resolv.conf || die "$_fet: cannot clean /etc"
	printf '%s\n' "ctr: warning: cannot copy the image's /etc/hostname, hosts, resolv.conf (is the pool full?): the new image has none" >&2
}

# fs_rootfs CID: FS_ROOTFS = the container's rootfs.
fs_rootfs() {
	tree_of containers "$1"
	FS_ROOTFS=$TREE
}

# fs_image_rootfs ID: FS_ROOTFS = the image's rootfs.
fs_image_rootfs() {
	tree_of images "$1"
	FS_ROOTFS=$TREE
}

# fs_container NAME|ID: FS_CID, FS_NAME, FS_ROOTFS of a container that was completely created.
fs_container() {
	FS_CID=$(ctr_resolve "$1") || exit 125
	FS_NAME=$1
	fs_rootfs "$FS_CID"
	[ -f "$CTR_ROOT/containers/$FS_CID/config.json" ] && [ -d "$FS_ROOTFS" ] ||
		die "container $1: not completely created"
}

# fs_jail ARG...: run busybox ARG... inside the container's root (see the top of this file).
# Rootless: a running container is named by its supervisor (no cgroup names it), and the jail
# enters its user namespace first (the user owns it); a stopped one's tree is entered from the
# user's namespace (rootless_userns), where the user may chroot and the ids are the container's.
fs_jail() {
	ctr_state "$FS_CID"
	if [ "$ST" = running ] && [ -n "$CTR_ROOTLESS" ]; then
		_fjs=''
		read -r _fjs 2>/dev/null <"$CTR_ROOT/containers/$FS_CID/shim.pid"
		"$CTR_LIBEXEC/ctr-jail" --pid "$ST_PID" --shim "${_fjs:-0}" -- "$P_BUSYBOX" "$@"
	elif [ "$ST" = running ]; then
		"$CTR_LIBEXEC/ctr-jail" --pid "$ST_PID" --cgroup "/$CTR_PREFIX/$FS_CID" -- "$P_BUSYBOX" "$@"
	else
		${CTR_ROOTLESS:+rootless_userns} "$CTR_LIBEXEC/ctr-jail" --root "$FS_ROOTFS" -- "$P_BUSYBOX" "$@"
	fi
}

# fs_hjail DIR ARG...: run busybox ARG... with the host directory DIR as its root.
fs_hjail() {
	_fhj=$1
	shift
	# rootless: in the user's namespace (rootless.sh), where it may chroot and the ids are the container's
	${CTR_ROOTLESS:+rootless_userns} "$CTR_LIBEXEC/ctr-jail" --root "$_fhj" -- "$P_BUSYBOX" "$@"
}

# fs_hjail_exact DIR ARG...: fs_hjail with DIR opened following no symlink (ctr-jail --root-exact):
# DIR comes from fs_host_resolve, and a component a container swapped for a symlink since is refused.
fs_hjail_exact() {
	_fhj=$1
	shift
	${CTR_ROOTLESS:+rootless_userns} "$CTR_LIBEXEC/ctr-jail" --root-exact "$_fhj" -- "$P_BUSYBOX" "$@"
}

# fs_host_resolve PATH ARG: FS_HR = the host's PATH resolved once (security.sh sec_resolve), refused
# when a symlink it crossed lies in a directory a container can write (sec_links_check: a volume
# shared with a container, where the container chooses where a link points). ARG: cp's, for errors.
# shellcheck disable=SC2154 # _sl, _sr: sec_resolve's
fs_host_resolve() {
	sec_resolve "$1" || die "cp: $2: cannot resolve"
	[ -z "$_sl" ] || sec_links_check "cp $2"
	FS_HR=$_sr
}

# fs_path WHERE PATH: FS_P = PATH made absolute and clean (".", ".." and repeated "/" removed
# lexically, as docker's filepath.Clean; a container's path is relative to its /), FS_DIR and
# FS_BASE its parent and last name, FS_DOT = 1 when PATH ends in "/." or is the root (the
# directory's contents), FS_SLASH = 1 when it ends in "/" (it must be a directory).
fs_path() {
	one_line "cp $1 path" "$2"
	[ -n "$2" ] || die "cp: empty $1 path"
	FS_DOT='' FS_SLASH=''
	case $2 in */. | .) FS_DOT=1 ;; */) FS_SLASH=1 ;; esac
	_fp=$2
	[ "$1" = host ] || case $_fp in /*) ;; *) _fp=/$_fp ;; esac
	FS_P=$(realpath -ms -- "$_fp") || die "cp: $2: cannot make sense of the path"
	FS_DIR=${FS_P%/*} FS_BASE=${FS_P##*/}
	[ -n "$FS_DIR" ] || FS_DIR=/
	[ "$FS_P" != / ] || FS_DOT=1
}

# fs_ctype PATH [-L]: FS_TYPE = what PATH is in the container (dir, other, or '' when there is
# nothing), its last symlink followed with -L.
fs_ctype() {
	_fct=$(fs_jail stat ${2:+-L} -c %F -- "$1" 2>/dev/null)
	case $?/$_fct in
	0/directory) FS_TYPE=dir ;;
	0/*) FS_TYPE=other ;;
	1/*) FS_TYPE='' ;;
	*) die "cp: container $FS_NAME: cannot look inside (is it being removed?)" ;;
	esac
}

# fs_pipe PRODUCER CONSUMER: PRODUCER | CONSUMER (two functions), failing when either fails (dash
# has no pipefail): the producer's status comes back on fd 8, the consumer writes on our stdout.
fs_pipe() {
	{ FS_PST=$( { { "$1"; printf '%s' "$?" >&8; } | "$2" >&9; } 8>&1); FS_CST=$?; } 9>&1
	[ "$FS_PST" = 0 ] && [ "$FS_CST" = 0 ]
}

# fs_capped CMD...: CMD's output on stdout, at most CTR_MAX_IMAGE_SIZE bytes (p_limits), as `cp -`
# into a container and import read at most: fails when CMD fails or has more, said once. A
# container's sparse file (terabytes in a few blocks) is all zeros in a tar, and what ctr unpacked
# or wrote of it on the host (cp out, export, a layer for save and push) filled the host's disk.
# fds 5 and 6 carry CMD's status and our stdout past the command substitution.
fs_capped() {
	p_limits
	{ _fcs=$( { { "$@"; printf '%s' "$?" >&5; } | fs_cap >&6; } 5>&1); _fcc=$?; } 6>&1
	[ "$_fcs" = 0 ] && [ "$_fcc" = 0 ]
}

# fs_cap: stdin to stdout up to P_MAXSIZE bytes; 1 (said) when there is more.
fs_cap() {
	head -c "$P_MAXSIZE" || return 1
	[ "$(head -c 1 | wc -c)" != 0 ] || return 0
	printf 'ctr: more than CTR_MAX_IMAGE_SIZE (%s) to write: stopped (a sparse file of the container?)\n' "$P_MAXSIZE_S" >&2
	return 1
}

# fs_tmpdir VERB: FS_TMP = a new work directory $CTR_ROOT/tmp/VERB-XXXXXX, its .lock held (fd 7)
# while we run, so that `cleanup` leaves it alone; the caller removes it.
fs_tmpdir() {
	FS_TMP=$(mktemp -d "$CTR_ROOT/tmp/$1-XXXXXX") || die "$CTR_ROOT/tmp: cannot write"
	work_lock 7 "$FS_TMP"
}

# fs_undo: (EXIT trap) remove the staging directory, and a directory made for a copy that failed.
fs_undo() {
	_frc=$?
	trap - EXIT INT TERM HUP
	# (rootless: in the user's namespace, where a copy's files of subordinate ids are removable)
	[ -z "$FS_STAGE" ] || ${CTR_ROOTLESS:+rootless_userns} rm -rf -- "$FS_STAGE"
	[ "$_frc" = 0 ] || [ -z "$FS_MADE" ] || ${CTR_ROOTLESS:+rootless_userns} rm -rf -- "$FS_MADE"
	exit "$_frc"
}

fs_traps() {
	trap 'fs_undo' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

#HELP cp [-a] [-L] CONTAINER:SRC DEST|-   copy from a container (DEST -: a tar on stdout)
#HELP cp [-a] [-L] SRC|- CONTAINER:DEST   copy into a container, running or not (SRC -: a tar on stdin)
#HELP     -a  keep owners (else: root's)   -L  follow SRC's symlink; paths resolve inside the container
ctr_cp() {
	FS_ARCH='' FS_FOLLOW=''
	while [ $# -gt 0 ]; do
		case $1 in
		-a | --archive) FS_ARCH=1 ;;
		-L | --follow-link) FS_FOLLOW=1 ;;
		-aL | -La) FS_ARCH=1 FS_FOLLOW=1 ;;
		-q | --quiet) ;; # docker's: no progress (ctr shows none)
		--) shift; break ;;
		-?*) die "cp: unknown option $1" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -eq 2 ] || die "usage: ctr.sh cp [-a] [-L] CONTAINER:SRC DEST|-  or  cp [-a] [-L] SRC|- CONTAINER:DEST"
	# docker's rule: a path starting with / or . is the host's; else NAME:PATH is a container's
	_fc1='' _fc2=''
	case $1 in /* | .*) ;; *:*) _fc1=${1%%:*} ;; esac
	case $2 in /* | .*) ;; *:*) _fc2=${2%%:*} ;; esac
	[ -z "$_fc1" ] || [ -z "$_fc2" ] || die "cp: copying between containers is not supported"
	[ -n "$_fc1$_fc2" ] || die "cp: one of SRC and DEST must be CONTAINER:PATH"
	pool_ensure
	p_busybox
	fs_container "$_fc1$_fc2"
	fs_traps
	if [ -n "$_fc1" ]; then
		fs_cp_out "${1#*:}" "$2"
	else
		fs_cp_in "$1" "${2#*:}"
	fi
}

# ---------------------------------------------------------------- out of a container

# fs_cp_out SRC DEST: cp CONTAINER:SRC DEST|-. A directory travels as its contents, unpacked into
# the target directory (made when missing); anything else as its one entry, unpacked into a
# staging directory next to the target, then renamed onto it.
fs_cp_out() {
	fs_path container "$1"
	FS_SRC=$FS_P FS_SDIR=$FS_DIR FS_SBASE=$FS_BASE
	_fdot=$FS_DOT
	# docker follows SRC's last symlink with -L, or when SRC ends in / or /.
	FS_SFOL=$FS_FOLLOW
	[ -z "$FS_DOT$FS_SLASH" ] || FS_SFOL=1
	fs_ctype "$FS_SRC" "$FS_SFOL"
	[ -n "$FS_TYPE" ] || die "cp: container $FS_NAME: $1: no such file or directory"
	[ "$FS_TYPE" = dir ] || [ -z "$FS_DOT$FS_SLASH" ] || die "cp: container $FS_NAME: $1: not a directory"
	if [ "$2" = - ]; then
		[ ! -t 1 ] || die "cp: refusing to write a tar to a terminal (redirect stdout)"
		if [ "$FS_TYPE" = dir ] && [ -n "$_fdot$FS_SFOL" ]; then
			fs_tar_src_contents || die "cp: container $FS_NAME: $1: cannot archive"
		else
			fs_tar_src_entry || die "cp: container $FS_NAME: $1: cannot archive"
		fi
		return 0
	fi
	fs_path host "$2"
	_fdst=$FS_P
	if [ "$FS_TYPE" = dir ]; then
		fs_out_dir "$2" "$_fdot"
	else
		fs_out_other "$2"
	fi
}

# fs_out_dir DEST DOT: a directory of the container into DEST (into DEST/NAME when DEST is a
# directory, unless SRC ended in /.).
fs_out_dir() {
	# resolved once; the jail opens it following no symlink (fs_untar_host)
	fs_host_resolve "$_fdst" "$1"
	_fdst=$FS_HR
	if [ -d "$_fdst" ]; then
		[ -n "$2" ] || _fdst=${_fdst%/}/$FS_SBASE
		[ ! -e "$_fdst" ] && [ ! -L "$_fdst" ] || [ -d "$_fdst" ] ||
			die "cp: $_fdst: cannot overwrite a non-directory with a directory"
	elif [ -e "$_fdst" ] || [ -L "$_fdst" ]; then
		die "cp: $1: cannot copy a directory to a file"
	fi
	_fpar=${_fdst%/*}
	[ -d "${_fpar:-/}" ] || die "cp: $1: no such directory"
	if [ ! -d "$_fdst" ]; then
		mkdir -m 700 -- "$_fdst" || die "cp: $_fdst: cannot create"
		FS_MADE=$_fdst
	fi
	FS_TARGET=$_fdst
	fs_pipe fs_tar_src_contents fs_untar_host || die "cp: container $FS_NAME: $FS_SRC: copy failed"
}

# fs_out_other DEST: a file, link, fifo... of the container onto DEST (or DEST/NAME).
fs_out_other() {
	case $1 in */) [ -d "$_fdst" ] || die "cp: $1: the destination directory must exist" ;; esac
	[ ! -d "$_fdst" ] || _fdst=${_fdst%/}/$FS_SBASE
	[ ! -d "$_fdst" ] || [ -L "$_fdst" ] || die "cp: $_fdst: cannot overwrite a directory with a non-directory"
	_fpar=${_fdst%/*}
	_fpar=${_fpar:-/}
	# the directory resolved once; the jail opens the stage in it following no symlink
	fs_host_resolve "$_fpar" "$1"
	_fpar=$FS_HR _fdst=${FS_HR%/}/${_fdst##*/}
	[ -d "$_fpar" ] || die "cp: $1: no such directory"
	FS_STAGE=$(mktemp -d "${_fpar%/}/.ctr-cp-XXXXXX") || die "cp: $_fpar: cannot write"
	FS_TARGET=$FS_STAGE
	fs_pipe fs_tar_src_entry fs_untar_host || die "cp: container $FS_NAME: $FS_SRC: copy failed"
	mv -f -T -- "$FS_STAGE/$FS_SBASE" "$_fdst" || die "cp: $_fdst: cannot write"
}

# the producers and consumers of fs_pipe
fs_tar_src_contents() {
	fs_capped fs_jail tar -c -f - -C "$FS_SRC" .
}
fs_tar_src_entry() {
	fs_capped fs_jail tar -c -f - ${FS_SFOL:+-h} -C "$FS_SDIR" -- "$FS_SBASE"
}
# without -a the files are the caller's (root's), as docker's. FS_TARGET is resolved (fs_host_resolve).
fs_untar_host() {
	if [ -n "$FS_ARCH" ]; then
		fs_hjail_exact "$FS_TARGET" tar -x -f - --numeric-owner
	else
		fs_hjail_exact "$FS_TARGET" tar -x -f - -o
	fi
}

# ---------------------------------------------------------------- into a container

# fs_cp_in SRC DEST: cp SRC|- CONTAINER:DEST. The host's tar (of the caller's own files) names the
# entry as it must land; the jail unpacks it in the container: into DEST when it is a directory
# (the symlinks of DEST are followed inside the container), else into DEST's parent, renamed.
fs_cp_in() {
	if [ "$1" = - ]; then
		fs_cp_stdin "$2"
		return
	fi
	fs_path host "$1"
	FS_SRC=$FS_P FS_SDIR=$FS_DIR FS_SBASE=$FS_BASE
	_fdot=$FS_DOT
	[ -e "$FS_SRC" ] || [ -L "$FS_SRC" ] || die "cp: $1: no such file or directory"
	FS_SFOL=$FS_FOLLOW
	[ -z "$FS_DOT$FS_SLASH" ] || FS_SFOL=1
	# resolved once (the last link too when it is followed): a symlink in a directory a container
	# can write is not followed (the host's tar then reads from the resolved path)
	if [ -n "$FS_SFOL" ] || [ "$FS_SRC" = / ]; then
		fs_host_resolve "$FS_SRC" "$1"
		FS_SRC=$FS_HR FS_SDIR=${FS_HR%/*}
		[ "$FS_SRC" = / ] || FS_SBASE=${FS_HR##*/}
	else
		fs_host_resolve "$FS_SDIR" "$1"
		FS_SDIR=$FS_HR FS_SRC=${FS_HR%/}/$FS_SBASE
	fi
	FS_SDIR=${FS_SDIR:-/}
	_fsd=''
	if [ -d "$FS_SRC" ] && { [ -n "$FS_SFOL" ] || [ ! -L "$FS_SRC" ]; }; then _fsd=1; fi
	[ -n "$_fsd" ] || [ -z "$FS_DOT$FS_SLASH" ] || die "cp: $1: not a directory"
	[ -r "$FS_SRC" ] || [ -L "$FS_SRC" ] || die "cp: $1: not readable"
	fs_path container "$2"
	FS_DST=$FS_P
	fs_ctype "$FS_DST" -L
	FS_NEW=''
	if [ "$FS_TYPE" = dir ]; then
		FS_TARGET=$FS_DST
		[ -z "$_fsd" ] || [ -n "$_fdot" ] || FS_NEW=$FS_SBASE
	else
		[ -z "$FS_SLASH" ] || die "cp: container $FS_NAME: $2: the destination directory must exist"
		[ -z "$_fsd" ] || [ -z "$FS_TYPE" ] || die "cp: container $FS_NAME: $2: cannot copy a directory to a file"
		fs_ctype "$FS_DIR" -L
		[ "$FS_TYPE" = dir ] || die "cp: container $FS_NAME: $2: no such directory"
		FS_TARGET=$FS_DIR FS_NEW=$FS_BASE
	fi
	if [ -n "$_fsd" ]; then
		fs_pipe fs_tar_host_dir fs_untar_ctr || die "cp: container $FS_NAME: $2: copy failed"
	else
		fs_pipe fs_tar_host_entry fs_untar_ctr || die "cp: container $FS_NAME: $2: copy failed"
	fi
}

# fs_owner: GNU tar's ownership options: the files' own ids with -a, else root's (docker's rule).
fs_owner() {
	set -- --numeric-owner
	[ -n "$FS_ARCH" ] || set -- "$@" --owner=0 --group=0
	FS_OWN="$*"
}

# fs_tr NAME: FS_TR = NAME quoted for the replacement of tar's --transform s|...|...|.
fs_tr() {
	FS_TR=$(printf '%s\n' "$1" | sed 's/[\\&|]/\\&/g')
}

# a directory of the host: its contents into an existing directory (SRC/.), else renamed NEW/...
# Rootless, the host's tar runs in the user's namespace (rootless_userns): -a records the ids as the
# container sees them (the user's own is 0, its subordinate id for 42 is 42), as rootless podman's.
fs_tar_host_dir() {
	fs_owner
	if [ -z "$FS_NEW" ]; then
		# shellcheck disable=SC2086 # FS_OWN: options without spaces
		${CTR_ROOTLESS:+rootless_userns} tar -c -f - $FS_OWN -C "$FS_SRC/" .
	else
		fs_tr "$FS_NEW"
		# shellcheck disable=SC2086
		${CTR_ROOTLESS:+rootless_userns} tar -c -f - $FS_OWN -C "$FS_SRC/" --transform "s|^\\.|$FS_TR|S" .
	fi
}

# anything else of the host: its one entry, renamed NEW when it lands in DEST's parent
fs_tar_host_entry() {
	fs_owner
	fs_tr "${FS_NEW:-$FS_SBASE}"
	# shellcheck disable=SC2086
	${CTR_ROOTLESS:+rootless_userns} tar -c -f - $FS_OWN ${FS_SFOL:+-h} -C "$FS_SDIR" --transform "s|.*|$FS_TR|S" -- "$FS_SBASE"
}

# into the container, as root (of its user namespace); the tar's ids with -a
fs_untar_ctr() {
	if [ -n "$FS_ARCH" ]; then
		fs_jail tar -x -f - --numeric-owner -C "$FS_TARGET"
	else
		fs_jail tar -x -f - -o -C "$FS_TARGET"
	fi
}

# fs_cp_stdin DEST: cp - CONTAINER:DEST: a tar (gzip or zstd too) on stdin, unpacked into the
# container's directory DEST. It is read whole first (at most CTR_MAX_IMAGE_SIZE) and listed:
# not a tar, or a device node in it (the jail cannot make one), and nothing is written.
fs_cp_stdin() {
	fs_path container "$1"
	FS_DST=$FS_P
	[ ! -t 0 ] || die "cp: refusing to read a tar from a terminal"
	fs_ctype "$FS_DST" -L
	[ "$FS_TYPE" = dir ] || die "cp: container $FS_NAME: $1: the destination must be a directory"
	p_limits
	fs_tmpdir cp
	FS_STAGE=$FS_TMP
	head -c "$((P_MAXSIZE + 1))" >"$FS_STAGE/in" || die "cp: cannot read stdin"
	[ "$(stat -c %s "$FS_STAGE/in")" -le "$P_MAXSIZE" ] ||
		die "cp: the archive on stdin is larger than CTR_MAX_IMAGE_SIZE ($P_MAXSIZE_S)"
	layer_cat "$FS_STAGE/in" | tar -tv --numeric-owner -f - >"$FS_STAGE/list" 2>"$FS_STAGE/err" ||
		die "cp: stdin: not a tar archive: $(head -n 1 "$FS_STAGE/err")"
	! cut -c1 "$FS_STAGE/list" | grep -q '[bc]' || die "cp: stdin: the archive has device nodes (not copied)"
	FS_TARGET=$FS_DST
	layer_cat "$FS_STAGE/in" | fs_untar_ctr || die "cp: container $FS_NAME: $1: copy failed"
}

# ---------------------------------------------------------------- diff, export

#HELP diff CONTAINER               what changed in the container's filesystem since its image (A added, C changed, D deleted)
ctr_diff() {
	[ $# -eq 1 ] || die "usage: ctr.sh diff CONTAINER"
	pool_ensure
	fs_container "$1"
	_fimg=$(jq -r '.image_id // ""' "$CTR_ROOT/containers/$FS_CID/config.json")
	valid_id "$_fimg" || die "container $1: its config.json names no image"
	_fcr=$FS_ROOTFS
	fs_image_rootfs "$_fimg"
	[ -d "$FS_ROOTFS" ] || die "container $1: its image $_fimg was removed: nothing to compare with"
	p_begin
	p_new diff
	btrfs subvolume snapshot -r "$_fcr" "$P_TREE" >/dev/null || die "container $1: cannot snapshot"
	fs_changes "$FS_ROOTFS" "$P_TREE" "$FS_ETC_RUN"
}

# fs_changes PARENT CHILD [SKIP]: docker diff's lines ("A|C|D /path", sorted) from read-only
# subvolume PARENT to read-only CHILD, a changed snapshot of it; SKIP: paths (relative, each
# between spaces) that are never a change. FS_SIZE=1: print instead the bytes of the regular files
# added or changed (a layer's size). btrfs send -p lists what changed by comparing the two trees,
# skipping the blocks they share: the cost is the change's, not the tree's. Its paths are only
# candidates (a rename goes through temporary names, a deleted tree is not listed): each is decided
# by looking at both trees (fs_classify), as docker's compare does. Names travel NUL-separated;
# work files in $P_W.
fs_changes() {
	btrfs send -q --no-data -p "$1" "$2" 2>"$P_W/send.err" | btrfs receive --dump >"$P_W/dump" 2>>"$P_W/send.err" ||
		die "diff: btrfs send: $(head -n 1 "$P_W/send.err")"
	awk -v all="$P_W/all" -v skip="${3:-}" "$FS_DUMP_AWK" "$P_W/dump" >"$P_W/cand" || die "diff: cannot read the changes"
	# (find's start points: "./" first, so that none is taken for an expression; a missing one is
	# only a message)
	# shellcheck disable=SC2016 # the script's own $@
	(cd "$1" && xargs -0 -r sh -c 'find "$@" -maxdepth 0 -printf "%y %m %U %G %s %T@ %p\\0"' fs-find \
		<"$P_W/all" 2>/dev/null) >"$P_W/stat1"
	# shellcheck disable=SC2016
	(cd "$2" && xargs -0 -r sh -c 'find "$@" -maxdepth 0 -printf "%y %m %U %G %s %T@ %p\\0"' fs-find \
		<"$P_W/all" 2>/dev/null) >"$P_W/stat2"
	awk -v adirs="$P_W/adirs" "$FS_CLASSIFY_AWK" "$P_W/stat1" "$P_W/stat2" "$P_W/cand" >"$P_W/changes" ||
		die "diff: cannot compare"
	# what an added directory holds is added too (a directory renamed has no entries of its own)
	# shellcheck disable=SC2016 # the script's own $@
	(cd "$2" && xargs -0 -r sh -c 'find "$@" -mindepth 1 -printf "A %y %s %p\\0"' fs-find <"$P_W/adirs") >>"$P_W/changes" ||
		die "diff: cannot list the added directories"
	if [ -n "${FS_SIZE:-}" ]; then
		awk -v size=1 "$FS_REPORT_AWK" "$P_W/changes"
	else
		# one line a change: a name's control characters (a newline, an escape) as ?, as ps's and
		# history's listings: a name cannot add a line of its own or reach the terminal as a sequence
		awk "$FS_REPORT_AWK" "$P_W/changes" | LC_ALL=C sort -z -t / -k 2 | LC_ALL=C tr '\000\001-\037\177' '\n?'
	fi
}

# FS_DUMP_AWK: `btrfs receive --dump` lines in; out: the candidates, "./PATH\0" (each path an
# operation names, both names of a rename or link), and into the file `all` the same and their
# parent directories (what fs_classify needs to know that a path is not reached through a symlink).
# The dump escapes names (\ , \\, \n, \ooo...): decoded here.
# shellcheck disable=SC2016
FS_DUMP_AWK='
	function dec(s,   o, i, c) {
		o = ""
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c != "\\") { o = o c; continue }
			c = substr(s, ++i, 1)
			if (c ~ /[0-7]/) { o = o sprintf("%c", c * 64 + substr(s, i + 1, 1) * 8 + substr(s, i + 2, 1)); i += 2 }
			else if (c == "n") o = o "\n"; else if (c == "t") o = o "\t"; else if (c == "r") o = o "\r"
			else if (c == "v") o = o "\v"; else if (c == "f") o = o "\f"; else if (c == "a") o = o "\a"
			else if (c == "b") o = o "\b"; else if (c == "e") o = o "\033"; else o = o c
		}
		return o
	}
	# the escaped name at the start of s: up to the first blank that is not escaped
	function tok(s,   i, c) {
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "\\") i++; else if (c == " " || c == "\t") break
		}
		return substr(s, 1, i - 1)
	}
	function add(t,   p, q) {
		if (substr(t, 1, length(pre) + 1) != pre "/") return
		p = dec(substr(t, length(pre) + 2)); sub(/\/+$/, "", p)
		if (p == "" || index(skip, " " p " ")) return
		if (!(p in seen)) { seen[p]; printf "./%s%c", p, 0 }
		for (q = p; q != ""; ) {
			if (!(q in up)) { up[q]; printf "./%s%c", q, 0 > all }
			if (!sub(/\/[^\/]*$/, "", q)) q = ""
		}
	}
	BEGIN { printf "" > all }
	{ op = $1; r = substr($0, length(op) + 1); sub(/^[ \t]+/, "", r); t = tok(r) }
	op == "snapshot" || op == "subvol" { pre = t; next }
	pre == "" { exit 1 }
	{ add(t) }
	(op == "rename" || op == "link") && match(r = substr(r, length(t) + 1), /^[ \t]+dest=/) {
		add(tok(substr(r, RLENGTH + 1))) }
'

# FS_CLASSIFY_AWK: in: find -printf "%y %m %U %G %s %T@ %p\0" of the candidates and their parents
# in PARENT (file 1) and CHILD (file 2), then the candidates. A path is in a tree when it is there
# and each of its parents is a directory there (a symlink on the way is never followed). Out:
# "A|C|D TYPE SIZE ./PATH\0"; the added directories also as "./PATH\0" into the file adirs.
# Changed is docker's rule: type, mode, owner, group differ, or, but for a directory, size or mtime.
# shellcheck disable=SC2016
FS_CLASSIFY_AWK='
	function in_tree(t, p,   q) {
		if (!((t, p) in st)) return 0
		q = p; sub(/\/[^\/]*$/, "", q)
		return q == "." || (in_tree(t, q) && substr(st[t, q], 1, 1) == "d")
	}
	BEGIN { RS = "\0"; ORS = "\0"; printf "" > adirs }
	FILENAME != ARGV[3] {
		r = $0; f = ""
		for (i = 0; i < 6; i++) { j = index(r, " "); f = f (i ? " " : "") substr(r, 1, j - 1); r = substr(r, j + 1) }
		st[FILENAME == ARGV[1] ? 1 : 2, r] = f; next
	}
	{
		a = in_tree(1, $0); b = in_tree(2, $0)
		if (b) { split(st[2, $0], n, " ") } else { n[1] = "-"; n[5] = 0 }
		if (!a && b) { print "A " n[1] " " n[5] " " $0; if (n[1] == "d") print $0 > adirs; next }
		if (a && !b) { print "D - 0 " $0; next }
		if (!a) next
		split(st[1, $0], o, " ")
		if (o[1] != n[1] || o[2] != n[2] || o[3] != n[3] || o[4] != n[4] || (n[1] != "d" && (o[5] != n[5] || o[6] != n[6])))
			print "C " n[1] " " n[5] " " $0
	}
'

# FS_REPORT_AWK: in: "A|C|D TYPE SIZE ./PATH\0" (a path may come twice). Out: "K /PATH\0", what is
# under a deleted directory left out (docker lists the directory only) and every parent of a change
# that is not itself added marked C, as docker does; with size=1, the bytes of the regular files
# added or changed.
# shellcheck disable=SC2016
FS_REPORT_AWK='
	BEGIN { RS = "\0" }
	{
		k = substr($0, 1, 1); r = substr($0, 3)
		y = substr(r, 1, index(r, " ") - 1); r = substr(r, index(r, " ") + 1)
		z = substr(r, 1, index(r, " ") - 1); p = substr(r, index(r, " ") + 3)
		if (p in kind) next
		kind[p] = k; type[p] = y; bytes[p] = z
	}
	END {
		for (p in kind) {
			for (q = p; sub(/\/[^\/]*$/, "", q); )
				if ((q in kind) && kind[q] == "D") { gone[p]; break }
		}
		for (p in gone) delete kind[p]
		for (p in kind) {
			for (q = p; sub(/\/[^\/]*$/, "", q); )
				if (!(q in kind)) up[q]
		}
		for (q in up) kind[q] = "C"
		for (p in kind) {
			if (size) { if (kind[p] != "D" && type[p] == "f") total += bytes[p] }
			else printf "%s /%s%c", kind[p], p, 0
		}
		if (size) printf "%.0f\n", total
	}
'

#HELP export [-o FILE] CONTAINER   the container's filesystem as a tar (to stdout without -o)
ctr_export() {
	_fo=''
	while [ $# -gt 0 ]; do
		case $1 in
		-o | --output) need_arg "$@"; _fo=$2; shift ;;
		--output=*) _fo=${1#*=} ;;
		--) shift; break ;;
		-?*) die "export: unknown option $1" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -eq 1 ] || die "usage: ctr.sh export [-o FILE] CONTAINER"
	[ -n "$_fo" ] || [ ! -t 1 ] || die "export: refusing to write a tar to a terminal (use -o FILE)"
	pool_ensure
	fs_container "$1"
	p_begin
	p_new export
	# a btrfs snapshot is atomic: a running container is caught at one instant, as by commit
	btrfs subvolume snapshot -r "$FS_ROOTFS" "$P_TREE" >/dev/null || die "container $1: cannot snapshot"
	if [ -n "$_fo" ]; then
		write_out "$_fo" fs_capped tar -C "$P_TREE" --numeric-owner --xattrs --sort=name -cf - . ||
			die "export: $_fo: cannot write"
	else
		fs_capped tar -C "$P_TREE" --numeric-owner --xattrs --sort=name -cf - . || die "export: cannot write"
	fi
}
