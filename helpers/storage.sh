#!/bin/sh
# storage.sh - where ctr keeps things: its state, the btrfs pool, image and container subvolumes,
# metadata. Sourced by ctr.sh.
#
# Two places (docs/design.md "State on disk"). $CTR_ROOT, a directory of the host's file system,
# holds ctr's state: container and image records, logs, exit files, names, refs, locks, the prefix.
# $CTR_BTRFS ($CTR_ROOT/btrfs) holds the bulk: the file trees (image and container subvolumes), the
# blob cache and the work of pulls, loads and saves. A container that fills the pool makes its own
# writes fail, and pulls and commits (cleanly): never a record, exit file or log of ctr's.
# When $CTR_BTRFS is not on btrfs, a sparse file $CTR_POOL of $CTR_POOL_SIZE is formatted and
# loop-mounted there on first use, and mounted again by any later call (after a reboot). On a btrfs
# disk: mount it on $CTR_BTRFS (or keep $CTR_ROOT on it: state and trees then share it), no pool file.
CTR_BTRFS=$CTR_ROOT/btrfs

# tree_of containers|images|tmp|volumes NAME: TREE = the file tree (a subvolume, the root
# filesystem) of a container, an image or a work in progress (tmp/<verb>-<id>):
# $CTR_BTRFS/KIND/NAME/rootfs, or a named volume's (helpers/volume.sh): $CTR_BTRFS/volumes/NAME/_data,
# docker's; TREE_DIR = the pool's directory that holds it (and a work's files). Every path to a tree
# is made here. No fork.
tree_of() {
	TREE_DIR=$CTR_BTRFS/$1/$2 TREE=$CTR_BTRFS/$1/$2/rootfs
	[ "$1" != volumes ] || TREE=$TREE_DIR/_data
}

# pool_ensure: make sure $CTR_BTRFS is on a mounted btrfs, $CTR_ROOT has ctr's directories, its
# prefix recorded and registered (root_settle); a root of the old layout is migrated (layout_*).
# The fast path, every call's, needs no process: $CTR_BTRFS/containers exists only on the mounted
# pool (the slow path makes it once the pool is mounted and checked to be btrfs; an unmounted
# pool leaves an empty mount point, and a non-empty one is never mounted over), the prefix record
# was read at start, and the registry (tmpfs: emptied by a reboot) names this root.
pool_ensure() {
	[ -z "${POOL_OK:-}" ] || return 0
	[ -d "$CTR_BTRFS/containers" ] && [ -d "$CTR_ROOT/containers" ] && [ -e "$CTR_ROOT/private" ] &&
		[ -n "$CTR_PREFIX_REC" ] && root_registered && POOL_OK=1 && return 0
	mkdir -p "$CTR_ROOT" || die "$CTR_ROOT: cannot create"
	root_private pool
	(
		flock 8 || die "$CTR_POOL.lock: cannot lock"
		layout_unmount
		mkdir -p "$CTR_BTRFS" || die "$CTR_BTRFS: cannot create"
		[ "$(stat -f -c %T "$CTR_BTRFS")" = btrfs ] || pool_mount
		layout_migrate
		# 0700: the trees are root's business (a container's /tmp is world-writable inside it)
		# shellcheck disable=SC2174 # the parent, $CTR_BTRFS, exists
		mkdir -p -m 0700 "$CTR_BTRFS/images" "$CTR_BTRFS/containers" "$CTR_BTRFS/tmp" ||
			die "$CTR_BTRFS: cannot set up the btrfs pool"
		# made by a ctr that recorded no prefix: its objects carry the prefix of the time
		if [ ! -f "$CTR_ROOT/prefix" ] && [ -d "$CTR_ROOT/containers" ]; then
			_pp=$CTR_PREFIX
			[ -n "$CTR_PREFIX_SET" ] || _pp=ctr
			printf '%s\n' "$_pp" >"$CTR_ROOT/prefix" || die "$CTR_ROOT/prefix: cannot write"
		fi
	) 8>"$CTR_POOL.lock" || exit 125
	root_private state
	root_settle
	# after the prefix: a root with containers/ and no prefix is one made by an older ctr
	# shellcheck disable=SC2174 # the parent, $CTR_ROOT, exists
	mkdir -p -m 0700 "$CTR_ROOT/images" "$CTR_ROOT/containers" "$CTR_ROOT/refs" "$CTR_ROOT/names" \
		"$CTR_ROOT/tmp" || die "$CTR_ROOT: cannot create ctr's directories"
	: >>"$CTR_ROOT/private" || die "$CTR_ROOT/private: cannot write"
	POOL_OK=1
}

# root_private: only root can open ctr's lock files and its pool file (docs/security.md "Locks",
# "The pool file"), which sit in directories other users must be able to search ($CTR_ROOT:
# rootless users reach their trees through it). flock(2) needs no more than a read-only open, so
# another user who could open a lock (0644, as umask 022 made them) would hold it forever: every
# run, rm and exit action of the root waiting behind it; and a pool file others can read gives
# them every file of every container and image, whatever the modes inside. The root's locks are
# made 0600 before anything opens them, the pool 0600 (pool_mount makes it so), the host-wide
# locks live in $CTR_RUN, made 0700; what an earlier ctr made is changed. pool_ensure's slow
# path, once per root ($CTR_ROOT/private says it is done).
# root_private pool: $CTR_RUN, the pool's lock and file (before the pool's lock is taken);
# root_private state: the locks in $CTR_ROOT (after an earlier layout's state has moved there: until
# then $CTR_ROOT must hold nothing of its own).
root_private() {
	_lpu=$(umask)
	umask 077
	if [ "$1" = pool ]; then
		# shellcheck disable=SC2174 # 0700 for /run/ctr itself; /run exists
		mkdir -p -m 0700 "$CTR_RUN" && chmod go-rwx "$CTR_RUN" || die "$CTR_RUN: cannot make it root's only"
		set -- "$CTR_POOL.lock"
		[ ! -f "$CTR_POOL" ] || set -- "$@" "$CTR_POOL"
	else
		# and what tells of the root's containers: the event log (names, images, exit codes), the
		# addresses and ports, the build cache's keys
		set -- "$CTR_ROOT/lock" "$CTR_ROOT/import.lock" "$CTR_ROOT/events.lock" "$CTR_ROOT/subuid.lock" \
			"$CTR_ROOT/events"
		[ ! -e "$CTR_ROOT/events.1" ] || set -- "$@" "$CTR_ROOT/events.1"
		[ ! -d "$CTR_ROOT/net" ] || set -- "$@" "$CTR_ROOT/net/lock"
		for _lpf in "$CTR_ROOT/net" "$CTR_ROOT/cache"; do
			[ ! -d "$_lpf" ] || chmod 0700 "$_lpf" || die "$_lpf: cannot make it root's only"
		done
	fi
	for _lpf; do
		{ : >>"$_lpf" && chmod 0600 "$_lpf"; } || die "$_lpf: cannot make it root's only"
	done
	umask "$_lpu"
}

# ---------------------------------------------------------------- the root's prefix
# Every kernel object of a root is named by its prefix (docs/design.md "Names of kernel objects"),
# so two roots on one host must never share one: each verb of a root acts on its prefix's objects
# only. $CTR_ROOT/prefix records it; $CTR_REGISTRY/<prefix> (tmpfs, host-wide) names the root that
# owns it, and lists the roots whose user-namespace ranges an allocation must avoid
# (sec_range_alloc). A root registers again on its first call after a reboot.
CTR_RUN=/run/ctr # host-wide: the registry of roots, the lock of user-namespace ranges
CTR_REGISTRY=$CTR_RUN/roots

# root_registered: $CTR_REGISTRY/<prefix> names this root (by its canonical path: a CTR_ROOT spelt
# otherwise takes pool_ensure's slow path, which compares canonical paths). No fork.
root_registered() {
	_ro=''
	read -r _ro 2>/dev/null <"$CTR_REGISTRY/$CTR_PREFIX" && [ "$_ro" = "$CTR_ROOT" ]
}

# root_settle: record the prefix (a fresh root: CTR_PREFIX, the caller's or prefix_default) and
# register it, refused when another root owns it; adopt the record if it differs from the default
# worked out before the pool was mounted. Host-wide lock: two new roots cannot take one prefix.
root_settle() {
	mkdir -p "$CTR_REGISTRY" || die "$CTR_REGISTRY: cannot create"
	_rs=$( (flock 6 || exit 1; root_record) 6>"$CTR_REGISTRY.lock") || exit 125
	[ "$_rs" != "$CTR_PREFIX" ] || return 0
	CTR_PREFIX=$_rs CTR_PREFIX_REC=$_rs
	check_env
	net_names
}

# root_record: (under the registry's lock) print the root's prefix, recorded and registered.
root_record() {
	_rp=''
	[ ! -f "$CTR_ROOT/prefix" ] || read -r _rp <"$CTR_ROOT/prefix"
	[ -n "$_rp" ] || _rp=$CTR_PREFIX
	[ -z "$CTR_PREFIX_SET" ] || [ "$CTR_PREFIX" = "$_rp" ] || root_prefix_clash "$_rp"
	_rc=$(cd "$CTR_ROOT" && pwd -P) || die "$CTR_ROOT: cannot resolve"
	_ro=''
	read -r _ro 2>/dev/null <"$CTR_REGISTRY/$_rp"
	if [ -n "$_ro" ] && [ "$_ro" != "$_rc" ] && root_owns "$_ro" "$_rp"; then
		[ -n "$CTR_PREFIX_SET" ] || [ -f "$CTR_ROOT/prefix" ] ||
			die "$CTR_ROOT: its default prefix $_rp names the objects of the state root $_ro: set CTR_PREFIX"
		die "CTR_PREFIX $_rp: names the objects of the state root $_ro (each root needs its own: another root's cleanup would remove them)"
	fi
	[ -f "$CTR_ROOT/prefix" ] || printf '%s\n' "$_rp" >"$CTR_ROOT/prefix" || die "$CTR_ROOT/prefix: cannot write"
	printf '%s\n' "$_rc" >"$CTR_REGISTRY/$_rp" || die "$CTR_REGISTRY/$_rp: cannot write"
	printf '%s\n' "$_rp"
}

# root_owns ROOT PREFIX: ROOT (a registered root) still records PREFIX (else its entry is stale:
# the root was removed, or its pool is not mounted, so none of its containers runs).
root_owns() {
	_rw=''
	read -r _rw 2>/dev/null <"$1/prefix" && [ "$_rw" = "$2" ]
}

# root_prefix_clash RECORDED: die: the caller's CTR_PREFIX is not the one the root recorded.
root_prefix_clash() {
	die "CTR_PREFIX $CTR_PREFIX: the objects of $CTR_ROOT are named $1 ($CTR_ROOT/prefix): unset CTR_PREFIX or set it to $1"
}

# pool_mount: create (once) and loop-mount the pool file on $CTR_BTRFS, over nothing: what a
# directory holds under a mount is hidden, so a non-empty $CTR_BTRFS is refused.
pool_mount() {
	need mkfs.btrfs btrfs-progs
	[ -z "$(ls -A "$CTR_BTRFS")" ] ||
		die "$CTR_BTRFS: not empty, and not on btrfs: the pool would hide its files (move them away)"
	if [ ! -f "$CTR_POOL" ]; then
		[ ! -t 2 ] || printf 'ctr: creating a %s btrfs pool in %s\n' "$CTR_POOL_SIZE" "$CTR_POOL" >&2
		# root's only from its birth (root_private): the image holds every tree's bytes
		(umask 077 && truncate -s "$CTR_POOL_SIZE" "$CTR_POOL.tmp") &&
			mkfs.btrfs -q "$CTR_POOL.tmp" >/dev/null &&
			mv "$CTR_POOL.tmp" "$CTR_POOL" || { rm -f "$CTR_POOL.tmp"; die "$CTR_POOL: cannot create the btrfs pool"; }
	fi
	mount -o loop "$CTR_POOL" "$CTR_BTRFS" || die "$CTR_POOL: cannot mount on $CTR_BTRFS"
}

# ---------------------------------------------------------------- the old layout
# An earlier ctr kept everything in the pool: the pool file mounted on $CTR_ROOT itself (or $CTR_ROOT on
# a btrfs disk), trees in containers/<cid>/rootfs, images/<id>/rootfs and tmp/<work>/rootfs next
# to the records. pool_ensure migrates such a root once, under the pool's lock, before anything
# else uses it; each step can be cut short and run again.

# layout_unmount: the pool file mounted on $CTR_ROOT (the old layout) is unmounted, so that the
# state can move out of it (layout_state_out). Refused while a container of it runs: its
# supervisor writes its log, and its exit file, in the pool.
layout_unmount() {
	mountpoint -q "$CTR_ROOT" && [ -f "$CTR_POOL" ] || return 0
	_lu=$(findmnt -n -o SOURCE --mountpoint "$CTR_ROOT") || return 0
	losetup -n -O NAME -j "$CTR_POOL" | grep -qxF -- "$_lu" || return 0
	_lr=''
	for _lc in "$CTR_ROOT"/containers/*; do
		! shim_alive "${_lc##*/}" || _lr="$_lr $(cat "$_lc/pid" 2>/dev/null || echo "${_lc##*/}")"
	done
	[ -z "$_lr" ] || die "$CTR_ROOT: made by an older ctr, its state in the btrfs pool: ctr moves it out once no container runs: stop them (kill -TERM their PID 1:$_lr; -KILL if one ignores it), then run ctr.sh again"
	umount "$CTR_ROOT" ||
		die "$CTR_ROOT: made by an older ctr: cannot unmount its pool to move its state out (in use: see fuser -vm $CTR_ROOT), try again"
}

# layout_migrate: (under the pool's lock) the pool is on $CTR_BTRFS; move an old layout's state
# out of the pool (layout_state_out), or, $CTR_ROOT on btrfs, its trees into $CTR_BTRFS.
layout_migrate() {
	[ ! -d "$CTR_BTRFS/refs" ] || layout_state_out
	[ ! -e "$CTR_ROOT/.migrating" ] || rm -f "$CTR_ROOT/.migrating"
	_lmt=''
	for _lt in "$CTR_ROOT"/containers/*/rootfs "$CTR_ROOT"/images/*/rootfs "$CTR_ROOT"/tmp/*/rootfs; do
		[ -d "$_lt" ] || continue
		# a rename: the tree stays a subvolume (mv would copy it across two mounts)
		[ -n "$_lmt" ] || _lmt=$(findmnt -n -o TARGET -T "$CTR_BTRFS")
		[ "$(findmnt -n -o TARGET -T "$_lt")" = "$_lmt" ] ||
			die "$_lt: made by an older ctr, and $CTR_BTRFS is another file system: move the trees there (containers/<id>/rootfs to $CTR_BTRFS/containers/<id>/rootfs, images and tmp the same)"
		_lt=${_lt#"$CTR_ROOT"/}
		# a read-only subvolume (an image's) cannot be renamed: writable for the move only
		_lro=$(btrfs property get -ts "$CTR_ROOT/$_lt" ro 2>/dev/null)
		[ "$_lro" != ro=true ] || btrfs property set -ts "$CTR_ROOT/$_lt" ro false || die "$CTR_ROOT/$_lt: cannot move"
		mkdir -p "$CTR_BTRFS/${_lt%/rootfs}" && mv -T "$CTR_ROOT/$_lt" "$CTR_BTRFS/$_lt" ||
			die "$CTR_ROOT/$_lt: cannot move to $CTR_BTRFS/$_lt"
		[ "$_lro" != ro=true ] || btrfs property set -ts "$CTR_BTRFS/$_lt" ro true || die "$CTR_BTRFS/$_lt: cannot make read-only"
	done
	[ ! -d "$CTR_ROOT/blobs" ] || [ -e "$CTR_BTRFS/blobs" ] || mv -T "$CTR_ROOT/blobs" "$CTR_BTRFS/blobs" ||
		die "$CTR_ROOT/blobs: cannot move to $CTR_BTRFS/blobs"
}

# layout_state_out: the pool holds the state of an old root (refs/ at its top: a pool of this
# layout has none): copy it to $CTR_ROOT (every record, without the trees, the blob cache or the
# work in tmp/, which stay where this layout has them), then remove it from the pool, refs/ first.
# Until refs/ goes, the pool's copy is the state: a migration cut short starts again.
# .migrating marks one in progress: without it, $CTR_ROOT must hold no state of its own.
layout_state_out() {
	_lm=$CTR_ROOT/.migrate
	if [ ! -e "$CTR_ROOT/.migrating" ]; then
		for _ld in "$CTR_ROOT"/* "$CTR_ROOT"/.[!.]*; do
			[ ! -e "$_ld" ] || [ "$_ld" = "$CTR_BTRFS" ] ||
				die "$CTR_ROOT: both it and its pool $CTR_BTRFS hold a ctr state (refs/): move one away"
		done
		: >"$CTR_ROOT/.migrating" || die "$CTR_ROOT: cannot write"
	fi
	rm -rf "$_lm" && mkdir "$_lm" "$_lm/containers" "$_lm/images" || die "$_lm: cannot create"
	layout_records "$CTR_BTRFS" -exec cp -a -t "$_lm" {} + || die "$_lm: cannot copy the state of $CTR_BTRFS"
	for _ld in "$CTR_BTRFS"/containers/* "$CTR_BTRFS"/images/*; do
		[ -d "$_ld" ] || continue
		_lk=${_ld#"$CTR_BTRFS"/}
		mkdir "$_lm/$_lk" && find "$_ld" -mindepth 1 -maxdepth 1 ! -name rootfs -exec cp -a -t "$_lm/$_lk" {} + ||
			die "$_lm: cannot copy the state of $_ld"
	done
	for _ld in "$_lm"/* "$_lm"/.[!.]*; do
		[ -e "$_ld" ] || continue
		rm -rf --one-file-system "${CTR_ROOT:?}/${_ld##*/}" && mv "$_ld" "$CTR_ROOT/" ||
			die "$CTR_ROOT: cannot move the state in"
		# test hook: the migration cut short here (the pool's lock is held by this subshell)
		[ "${CTR_TEST_KILL_AT:-}" != migrate ] || sh -c 'kill -KILL "$PPID"'
	done
	rmdir "$_lm" && rm -rf "$CTR_BTRFS/refs" || die "$CTR_BTRFS/refs: cannot remove"
	layout_records "$CTR_BTRFS" -exec rm -rf {} +
	for _ld in "$CTR_BTRFS"/containers/* "$CTR_BTRFS"/images/*; do
		[ ! -d "$_ld" ] || find "$_ld" -mindepth 1 -maxdepth 1 ! -name rootfs -exec rm -rf {} +
	done
}

# layout_records DIR FIND-ACTION...: find's ACTION on each entry at the top of an old root DIR
# that is a record: all but containers/, images/ (layout_state_out walks them), tmp/, blobs/ and
# the names this layout's $CTR_ROOT uses for the pool and the migration.
layout_records() {
	_lrd=$1
	shift
	find "$_lrd" -mindepth 1 -maxdepth 1 ! -name containers ! -name images ! -name tmp ! -name blobs \
		! -name btrfs ! -name .migrate ! -name .migrating "$@"
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
	btrfs quota enable "$CTR_BTRFS" >/dev/null 2>&1 || die "--storage-opt size: cannot enable btrfs quotas on $CTR_BTRFS"
}

# storage_limit SUBVOL: limit SUBVOL's exclusive bytes to ST_SIZE.
storage_limit() {
	btrfs qgroup limit -e "$ST_SIZE" "$1" >/dev/null 2>&1 || die "--storage-opt size: cannot set the qgroup limit of $1"
}

# storage_cleanup: destroy the qgroups of deleted subvolumes (an older kernel leaves them).
storage_cleanup() {
	btrfs qgroup show "$CTR_BTRFS" 2>/dev/null | awk '$1 ~ "^0/[0-9]+$" && $NF == "<stale>" { print $1 }' |
		while read -r _sq; do
			btrfs qgroup destroy "$_sq" "$CTR_BTRFS" >/dev/null 2>&1 && printf 'removed qgroup %s\n' "$_sq"
		done
	return 0
}

# id_new: NEW_ID = 12 random hex digits: the first 48 bits of a random UUID of the kernel
# (version 4: only its version and variant digits are fixed, and they come later), read without a
# fork; od of /dev/urandom where /proc/sys cannot be read.
id_new() {
	NEW_ID=''
	read -r NEW_ID 2>/dev/null </proc/sys/kernel/random/uuid
	_ni=${NEW_ID#*-}
	NEW_ID=${NEW_ID%%-*}${_ni%%-*}
	valid_id "$NEW_ID" && return 0
	# shellcheck disable=SC2046 # six words, joined
	NEW_ID=$(printf '%s' $(od -An -N6 -tx1 /dev/urandom))
}

# new_id: print a new ID (id_new's).
new_id() {
	id_new
	printf '%s' "$NEW_ID"
}

# ---------------------------------------------------------------- input grammar
# Every name, ID or reference a user gives (or a state file holds) is checked here before it
# becomes part of a path: a value of these grammars has no '/', is never '.' or '..', and has no
# glob or shell-special character. Predicates only (no fork, no output): callers say what is wrong.

# valid_id WORD: a container or image ID: 12 lowercase hex digits (new_id's form).
valid_id() {
	case $1 in '' | *[!0-9a-f]*) return 1 ;; esac
	[ ${#1} -eq 12 ]
}

# valid_name NAME: a container name, docker's rule [a-zA-Z0-9][a-zA-Z0-9_.-]* (at most 255: a
# file name). Every ID prefix is a valid name too, so ctr_resolve checks this first.
valid_name() {
	case $1 in [a-zA-Z0-9]*) ;; *) return 1 ;; esac
	case $1 in *[!a-zA-Z0-9_.-]*) return 1 ;; esac
	[ ${#1} -le 255 ]
}

# valid_ref REF: an image reference, the distribution spec's grammar:
#   [HOST[:PORT]/]COMPONENT[/COMPONENT...][:TAG][@sha256:<64 hex>]
# HOST: dot-separated [A-Za-z0-9-] labels (no '-' at either end) or [IPv6]; it is HOST only when
# it has a '.' or ':' or is localhost, and a COMPONENT follows. COMPONENT: [a-z0-9]+ joined by
# '.', '_', '__' or runs of '-'. The name (HOST/COMPONENTs) is at most 255 characters.
# TAG: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. On failure V_WHY says which part is wrong.
valid_ref() {
	_vr=$1 _vt='' _vtp='' _vd='' _vdp='' _vh=''
	case $_vr in *@*) _vd=${_vr#*@} _vdp=1 _vr=${_vr%%@*} ;; esac
	case ${_vr##*/} in *:*) _vt=${_vr##*:} _vtp=1 _vr=${_vr%:*} ;; esac
	case $_vr in */*) case ${_vr%%/*} in *.* | *:* | localhost) _vh=${_vr%%/*} ;; esac ;; esac
	V_WHY='invalid name (longer than 255 characters)'
	[ ${#_vr} -le 255 ] || return 1
	if [ -n "$_vh" ]; then
		V_WHY='invalid registry name'
		_vr=${_vr#*/}
		case $_vh in *\]:* | [!\[]*:*)
			case ${_vh##*:} in '' | *[!0-9]*) return 1 ;; esac
			_vh=${_vh%:*} ;;
		esac
		case $_vh in
		\[*\]) case $_vh in '[]' | \[*[!0-9a-fA-F:]*\]) return 1 ;; esac ;;
		'' | *[!A-Za-z0-9.-]* | .* | *. | *..* | -* | *- | *.-* | *-.*) return 1 ;;
		esac
	fi
	V_WHY='invalid repository name (lowercase a-z 0-9 . _ - /)'
	_vr=$_vr/
	while [ -n "$_vr" ]; do
		case ${_vr%%/*} in
		'' | *[!a-z0-9._-]* | [!a-z0-9]* | *[!a-z0-9] | *..* | *._* | *.-* | *_.* | *-.* | *_-* | *-_* | *___*)
			return 1 ;;
		esac
		_vr=${_vr#*/}
	done
	V_WHY='invalid tag'
	if [ -n "$_vtp" ]; then
		case $_vt in '' | [!A-Za-z0-9_]* | *[!A-Za-z0-9_.-]*) return 1 ;; esac
		[ ${#_vt} -le 128 ] || return 1
	fi
	V_WHY='invalid digest (sha256:<64 hex>)'
	if [ -n "$_vdp" ]; then
		case $_vd in sha256:*) ;; *) return 1 ;; esac
		case ${_vd#sha256:} in *[!0-9a-f]*) return 1 ;; esac
		[ ${#_vd} -eq 71 ] || return 1
	fi
	return 0
}

# image_ref REF: die unless REF is a valid image reference (valid_ref).
image_ref() {
	valid_ref "$1" || die "image $1: $V_WHY"
}

# ref_file NAME[:TAG]: the refs/ file for a (valid) image name (tag defaults to latest); every '/'
# is encoded as %2F, so the file is always directly in refs/. ref_path: the same in REF_PATH.
ref_file() {
	ref_path "$1"
	printf '%s' "$REF_PATH"
}
ref_path() {
	_rpr=$1
	case ${_rpr##*/} in *:*) ;; *) _rpr=$_rpr:latest ;; esac
	_rpe=''
	while :; do
		case $_rpr in
		*/*) _rpe=$_rpe${_rpr%%/*}%2F _rpr=${_rpr#*/} ;;
		*) break ;;
		esac
	done
	REF_PATH=$CTR_ROOT/refs/$_rpe$_rpr
}

# ref_read FILE: REF_ID = the image ID a refs/ file holds; fails unless it is a valid ID (the file
# may be damaged or planted: what it holds becomes a path).
ref_read() {
	REF_ID=''
	read -r REF_ID <"$1" 2>/dev/null
	valid_id "$REF_ID"
}

# image_local NAME[:TAG]|ID: IMG_ID = the ID of an image that is here (its refs/ file, or an ID);
# fails when there is none (dies on an invalid name or a refs/ file that holds no ID).
image_local() {
	image_ref "$1"
	ref_path "$1"
	if [ -f "$REF_PATH" ]; then
		ref_read "$REF_PATH" || die "image $1: $REF_PATH: not an image ID"
		IMG_ID=$REF_ID
		return 0
	fi
	valid_id "$1" && [ -d "$CTR_ROOT/images/$1" ] || return 1
	IMG_ID=$1
}

# image_id NAME[:TAG]|ID: IMG_ID = the image's ID, or fail. The built-in busybox is imported on
# demand. No subshell unless it imports (run's path). image_resolve: the same, printed.
image_id() {
	image_local "$1" && return 0
	case $1 in busybox | busybox:latest)
		[ -d "$CTR_BUSYBOX" ] || die "image busybox: not built (run make in $CTR_HOME)"
		# runs started at the same moment import it once
		exec 6>"$CTR_ROOT/import.lock" && flock 6 || die "$CTR_ROOT/import.lock: cannot lock"
		ref_path busybox:latest
		if [ -f "$REF_PATH" ]; then
			ref_read "$REF_PATH" || die "image $1: $REF_PATH: not an image ID"
			IMG_ID=$REF_ID
		else
			IMG_ID=$(image_import "$CTR_BUSYBOX" busybox:latest "ctr built-in ($CTR_BUSYBOX)") || exit 125
		fi
		exec 6>&-
		return 0
		;;
	esac
	die "image $1: no such image"
}
image_resolve() {
	image_id "$1"
	printf '%s\n' "$IMG_ID"
}

# image_import DIR NAME[:TAG] SOURCE: copy DIR into a new read-only subvolume; print the image ID.
image_import() {
	image_ref "$2"
	_id=$(new_id)
	_tmp=$CTR_ROOT/tmp/img-$_id
	tree_of tmp "img-$_id"
	mkdir "$_tmp" || die "$_tmp: cannot create"
	# held while we work: cleanup removes only the work of a dead one (as pull's, p_new)
	work_lock 4 "$_tmp"
	mkdir "$TREE_DIR" || { rm -rf "$_tmp"; die "$TREE_DIR: cannot create"; }
	btrfs subvolume create "$TREE" >/dev/null || { rm -rf "$TREE_DIR" "$_tmp"; die "$1: cannot create subvolume"; }
	if ! image_copy "$1" "$TREE"; then
		subvol_rm "$TREE"
		rm -rf "$TREE_DIR" "$_tmp"
		die "$1: cannot copy into the image"
	fi
	jq -n --arg id "$_id" --arg name "$2" --arg src "$3" --arg created "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		'{id:$id, name:$name, source:$src, created:$created, cmd:["/bin/sh"], entrypoint:[],
		  env:[], workdir:"/", user:"", exposed_ports:[]}' >"$_tmp/config.json" &&
		btrfs property set -ts "$TREE" ro true &&
		image_place "img-$_id" "$_id" || {
		subvol_rm "$TREE"
		rm -rf "$TREE_DIR" "$_tmp"
		die "$1: cannot import"
	}
	exec 4>&-
	image_tag "$_id" "$2"
	printf '%s\n' "$_id"
}

# image_copy DIR TREE: copy DIR's contents into TREE, as they are (rootless.sh has its own).
image_copy() {
	cp -a --reflink=auto "$1/." "$2/"
}

# image_place WORK ID: make the work tmp/WORK (its tree, read-only, and its config.json) image ID:
# its tree first, then its record (the image exists once images/ID does; tree_gc leaves a tree
# without a record alone while any work runs).
image_place() {
	mv -T "$CTR_BTRFS/tmp/$1" "$CTR_BTRFS/images/$2" &&
		mv -T "$CTR_ROOT/tmp/$1" "$CTR_ROOT/images/$2" && rm -f "$CTR_ROOT/images/$2/.lock"
}

# work_lock FD DIR: take the lock of the work directory DIR (tmp/VERB-ID: an import, pull, load,
# save, cp...) on fd FD, held while the work runs (FD is inherited by its children), then write our
# pid in it. Its open makes the file, and flock(1) takes the lock a moment later: a .lock that is
# free and empty is a work being made, not a dead one (work_live), and cleanup leaves it alone.
# Test hook: CTR_TEST_KILL_AT=VERB:worklock:stop stops the process between the two (lifecycle.bats).
work_lock() {
	eval "exec $1>\"\$2/.lock\"" || die "$2/.lock: cannot create"
	[ "${CTR_TEST_KILL_AT:-}" != "${_verb:-}:worklock:stop" ] || sh -c 'kill -STOP "$PPID"'
	flock "$1" && printf '%s\n' "$$" >&"$1" || die "$2/.lock: cannot lock"
}

# work_live DIR: the work directory DIR (tmp/VERB-ID) is in use, or may be: its lock is held, or
# its maker has not taken it yet (work_lock: the directory, then its .lock, then the lock and the
# pid in it: no ctr lock between), which only one that was killed in between is a minute later.
# A .lock with a pid and a free lock is a dead work's (or one done: moved to images/ meanwhile).
work_live() {
	# the pid first: read once the lock is free, an empty file could have been locked since
	if [ -s "$1/.lock" ]; then
		! lock_free "$1/.lock"
		return
	fi
	! lock_free "$1/.lock" || [ -z "$(find "$1" -maxdepth 0 -mmin +1 2>/dev/null)" ]
}

# tree_gc: (cleanup, under the lock, no work running) remove the pool's directories that no record
# names: a container's or image's whose removal was cut short, a work's whose tmp/ entry is gone.
# (Records are made before trees and removed after them; an image's tree is placed first; a
# volume's record is written after its tree, helpers/volume.sh: under the lock, as this runs.)
tree_gc() {
	for _tg in "$CTR_BTRFS"/containers/* "$CTR_BTRFS"/images/* "$CTR_BTRFS"/tmp/* "$CTR_BTRFS"/volumes/*; do
		_tk=${_tg#"$CTR_BTRFS"/}
		[ -d "$_tg" ] && [ ! -e "$CTR_ROOT/$_tk" ] || continue
		subvol_rm "$_tg/rootfs" && subvol_rm "$_tg/_data" && rm -rf "$_tg" && printf 'removed %s\n' "$_tg"
	done
}

# image_tag ID NAME[:TAG]: point NAME[:TAG] at ID (atomically). Both are checked again here: every
# writer of refs/ comes through this function.
image_tag() {
	valid_id "$1" || die "image ID '$1': not 12 hex digits"
	image_ref "$2"
	_f=$(ref_file "$2")
	printf '%s\n' "$1" >"$_f.$$" && mv "$_f.$$" "$_f"
}

# ctr_resolve NAME|ID-PREFIX: print the container ID (12 hex digits), or fail. The argument must be
# a valid name (every ID prefix is one): no '/', '..', glob character or newline reaches a path.
# ctr_id: the same in CTR_ID, in the caller's shell (no subshell): it says why on stderr and fails.
ctr_resolve() {
	ctr_id "$1" || exit 125
	printf '%s\n' "$CTR_ID"
}
ctr_id() {
	CTR_ID=''
	valid_name "$1" || { printf 'ctr: container %s: invalid name or ID (want [a-zA-Z0-9][a-zA-Z0-9_.-]*)\n' "$1" >&2; return 1; }
	if [ -f "$CTR_ROOT/names/$1" ]; then
		read -r CTR_ID <"$CTR_ROOT/names/$1"
		valid_id "$CTR_ID" || { printf 'ctr: container %s: %s: not a container ID\n' "$1" "$CTR_ROOT/names/$1" >&2; return 1; }
		return 0
	fi
	case $1 in *[!0-9a-f]*) printf 'ctr: container %s: no such container\n' "$1" >&2; return 1 ;; esac
	# a whole ID: one stat (a prefix's glob reads the whole directory: ~2.5 ms at 10,000)
	[ ${#1} -ne 12 ] || [ ! -d "$CTR_ROOT/containers/$1" ] || { CTR_ID=$1; return 0; }
	for _cp in "$CTR_ROOT/containers/$1"*; do
		_cp=${_cp##*/}
		valid_id "$_cp" && [ -d "$CTR_ROOT/containers/$_cp" ] || continue
		[ -z "$CTR_ID" ] || { printf 'ctr: container %s: ambiguous ID prefix\n' "$1" >&2; CTR_ID=''; return 1; }
		CTR_ID=$_cp
	done
	[ -n "$CTR_ID" ] || { printf 'ctr: container %s: no such container\n' "$1" >&2; return 1; }
}
