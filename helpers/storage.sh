#!/bin/sh
# storage.sh - the btrfs pool, image and container subvolumes, metadata. Sourced by ctr.sh.
#
# $CTR_ROOT is a btrfs mount. When it is not, a sparse file ${CTR_ROOT}.pool of $CTR_POOL_SIZE
# is formatted and loop-mounted there on first use, and mounted again by any later call
# (after a reboot). On a real btrfs disk: mount it on $CTR_ROOT and no pool file is made.

# pool_ensure: make sure $CTR_ROOT is a mounted btrfs with ctr's directories.
pool_ensure() {
	[ -z "${POOL_OK:-}" ] || return 0
	[ "$(stat -f -c %T "$CTR_ROOT" 2>/dev/null)" = btrfs ] && [ -d "$CTR_ROOT/containers" ] && POOL_OK=1 && return 0
	mkdir -p "$CTR_ROOT" || die "$CTR_ROOT: cannot create"
	(
		flock 8 || exit 1
		if [ "$(stat -f -c %T "$CTR_ROOT")" != btrfs ]; then
			pool_mount || exit 1
		fi
		mkdir -p "$CTR_ROOT/images" "$CTR_ROOT/containers" "$CTR_ROOT/refs" \
			"$CTR_ROOT/names" "$CTR_ROOT/tmp"
	) 8>"$CTR_POOL.lock" || die "$CTR_ROOT: cannot set up the btrfs pool"
	POOL_OK=1
}

# pool_mount: create (once) and loop-mount the pool file on $CTR_ROOT.
pool_mount() {
	need mkfs.btrfs btrfs-progs
	if [ ! -f "$CTR_POOL" ]; then
		[ ! -t 2 ] || printf 'ctr: creating a %s btrfs pool in %s\n' "$CTR_POOL_SIZE" "$CTR_POOL" >&2
		truncate -s "$CTR_POOL_SIZE" "$CTR_POOL.tmp" &&
			mkfs.btrfs -q "$CTR_POOL.tmp" >/dev/null &&
			mv "$CTR_POOL.tmp" "$CTR_POOL" || { rm -f "$CTR_POOL.tmp"; return 1; }
	fi
	mount -o loop "$CTR_POOL" "$CTR_ROOT"
}

# subvol_rm PATH: delete a subvolume if it exists, whatever a container made in it. One
# `btrfs subvolume delete` when nothing is in the way, else subvol_rm_hard.
subvol_rm() {
	[ -d "$1" ] || return 0
	btrfs subvolume delete "$1" >/dev/null 2>&1 || subvol_rm_hard "$1"
	[ ! -e "$1" ]
}

# subvol_rm_hard PATH: what stops a subvolume delete or an rm -rf: nested subvolumes (a subvolume's
# root directory is inode 256; a container with btrfs ioctls, --privileged or seccomp=unconfined,
# can make them), read-only ones among them, immutable or append-only files (chattr +i/+a, with
# CAP_LINUX_IMMUTABLE). Clear the flags (ro first: attributes cannot change in a read-only
# subvolume), delete the nested subvolumes deepest first (find -depth lists a directory after its
# contents), then PATH. find and chattr -R follow no symlink, so nothing outside PATH is touched.
subvol_rm_hard() {
	find "$1" -inum 256 -type d -exec btrfs property set -ts {} ro false \; >/dev/null 2>&1
	chattr -R -f -i -a "$1" >/dev/null 2>&1
	find "$1" -depth -mindepth 1 -inum 256 -type d -exec btrfs subvolume delete {} + >/dev/null 2>&1
	btrfs subvolume delete "$1" >/dev/null 2>&1 || rm -rf "$1"
}

# ---------------------------------------------------------------- size limits (btrfs qgroups)
# run --storage-opt size=SIZE, or CTR_STORAGE_SIZE for every run: the data a container writes
# (its subvolume's exclusive bytes, the writable layer as docker's overlay2 counts it, not the
# image it shares) is limited with a btrfs qgroup; a write beyond it fails with EDQUOT. Quotas
# are turned on for the pool the first time a size is asked for (they slow every snapshot and
# delete down, so never before). The kernel removes a deleted subvolume's qgroup once the
# subvolume is gone (Linux 6.8+); storage_cleanup removes those an older kernel leaves.

# storage_validate: run's --storage-opt values (R_STORAGE, one per line) and CTR_STORAGE_SIZE; set
# ST_SIZE (bytes, '' for no limit: unset, or size=0). Dies before anything is created.
storage_validate() {
	ST_SIZE=${CTR_STORAGE_SIZE:-} _sto="CTR_STORAGE_SIZE=${CTR_STORAGE_SIZE:-}"
	while IFS= read -r _sv; do
		case $_sv in
		'') ;;
		size=) die "--storage-opt size=: invalid size (e.g. size=120m)" ;;
		size=*) ST_SIZE=${_sv#size=} _sto="--storage-opt $_sv" ;;
		*) die "--storage-opt $_sv: not supported (only size=SIZE)" ;;
		esac
	done <<EOF
$R_STORAGE
EOF
	[ -z "$ST_SIZE" ] || ST_SIZE=$(cg_bytes "$_sto" "$ST_SIZE" 2>/dev/null) ||
		die "$_sto: invalid size (a number with an optional b, k, m, g or t suffix, at most 8 PiB)"
	[ "$ST_SIZE" != 0 ] || ST_SIZE=''
	export ST_SIZE # run's jq records it as .storage.size
}

# storage_quota_on: turn quotas on for the pool (a no-op when they are on).
storage_quota_on() {
	btrfs quota enable "$CTR_ROOT" >/dev/null 2>&1 || die "--storage-opt size: cannot enable btrfs quotas on $CTR_ROOT"
}

# storage_limit SUBVOL: limit SUBVOL's exclusive bytes to ST_SIZE.
storage_limit() {
	btrfs qgroup limit -e "$ST_SIZE" "$1" >/dev/null 2>&1 || die "--storage-opt size: cannot set the qgroup limit of $1"
}

# storage_cleanup: destroy the qgroups of deleted subvolumes (an older kernel leaves them).
storage_cleanup() {
	btrfs qgroup show "$CTR_ROOT" 2>/dev/null | awk '$1 ~ "^0/[0-9]+$" && $NF == "<stale>" { print $1 }' |
		while read -r _sq; do
			btrfs qgroup destroy "$_sq" "$CTR_ROOT" >/dev/null 2>&1 && printf 'removed qgroup %s\n' "$_sq"
		done
	return 0
}

# new_id: 12 hex characters from /dev/urandom.
new_id() {
	# shellcheck disable=SC2046 # six words, joined
	printf '%s' $(od -An -N6 -tx1 /dev/urandom)
}

# ref_file NAME[:TAG]: the refs/ file for an image name (tag defaults to latest).
ref_file() {
	_r=$1
	case ${_r##*/} in *:*) ;; *) _r=$_r:latest ;; esac
	_e=''
	while :; do
		case $_r in
		*/*) _e=$_e${_r%%/*}%2F _r=${_r#*/} ;;
		*) break ;;
		esac
	done
	printf '%s/refs/%s' "$CTR_ROOT" "$_e$_r"
}

# image_resolve NAME[:TAG]|ID: print the image ID, or fail. The built-in busybox is imported on demand.
image_resolve() {
	_f=$(ref_file "$1")
	if [ -f "$_f" ]; then
		read -r _f <"$_f" && printf '%s\n' "$_f"
		return 0
	fi
	if [ -d "$CTR_ROOT/images/$1" ]; then
		printf '%s\n' "$1"
		return 0
	fi
	case $1 in busybox | busybox:latest)
		[ -d "$CTR_BUSYBOX" ] || die "image busybox: not built (run make in $CTR_HOME)"
		# runs started at the same moment import it once
		exec 6>"$CTR_ROOT/import.lock" && flock 6 || die "$CTR_ROOT/import.lock: cannot lock"
		_f=$(ref_file busybox:latest)
		if [ -f "$_f" ]; then
			read -r _f <"$_f" && printf '%s\n' "$_f"
		else
			image_import "$CTR_BUSYBOX" busybox:latest "ctr built-in ($CTR_BUSYBOX)"
		fi
		exec 6>&-
		return 0
		;;
	esac
	die "image $1: no such image"
}

# image_import DIR NAME[:TAG] SOURCE: copy DIR into a new read-only subvolume; print the image ID.
image_import() {
	_id=$(new_id)
	_tmp=$CTR_ROOT/tmp/img-$_id
	mkdir "$_tmp" || die "$_tmp: cannot create"
	btrfs subvolume create "$_tmp/rootfs" >/dev/null || { rm -rf "$_tmp"; die "$1: cannot create subvolume"; }
	if ! cp -a --reflink=auto "$1/." "$_tmp/rootfs/"; then
		subvol_rm "$_tmp/rootfs"
		rm -rf "$_tmp"
		die "$1: cannot copy into the image"
	fi
	jq -n --arg id "$_id" --arg name "$2" --arg src "$3" --arg created "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		'{id:$id, name:$name, source:$src, created:$created, cmd:["/bin/sh"], entrypoint:[],
		  env:[], workdir:"/", user:"", exposed_ports:[]}' >"$_tmp/config.json" &&
		btrfs property set -ts "$_tmp/rootfs" ro true &&
		mv "$_tmp" "$CTR_ROOT/images/$_id" || {
		subvol_rm "$_tmp/rootfs"
		rm -rf "$_tmp"
		die "$1: cannot import"
	}
	image_tag "$_id" "$2"
	printf '%s\n' "$_id"
}

# image_tag ID NAME[:TAG]: point NAME[:TAG] at ID (atomically).
image_tag() {
	_f=$(ref_file "$2")
	printf '%s\n' "$1" >"$_f.$$" && mv "$_f.$$" "$_f"
}

# ctr_resolve NAME|ID-PREFIX: print the container ID, or fail.
ctr_resolve() {
	[ -n "$1" ] || die "container: empty name"
	if [ -f "$CTR_ROOT/names/$1" ]; then
		cat "$CTR_ROOT/names/$1"
		return 0
	fi
	case $1 in *[!0-9a-f]*) die "container $1: no such container" ;; esac
	set -- "$1" "$CTR_ROOT"/containers/"$1"*
	[ -e "$2" ] || die "container $1: no such container"
	[ $# -eq 2 ] || die "container $1: ambiguous ID prefix"
	printf '%s\n' "${2##*/}"
}
