#!/bin/sh
# prune.sh - what is unused, removed, and what takes room, as docker's container prune, image
# prune, system prune and system df. Sourced by the dispatcher for the verbs container, image and
# system only (after format.sh).
#
# Sizes come from `btrfs filesystem du` (one call for all subvolumes: it needs no quota): a
# subvolume's "exclusive" bytes are those no other subvolume shares, what deleting it frees; a
# container's are what it wrote (docker's writable layer). Quotas are not always on, so never
# qgroups. Every removal goes through the lock, as rm and rmi, and is an event.

#HELP container prune [-f] [--filter until=T|label=K[=V]|label!=K[=V]]   remove all stopped containers
ctr_container() {
	case ${1:-} in
	prune) shift; container_prune "$@" ;;
	*) die "usage: ctr.sh container prune [-f] [--filter until=T|label=K[=V]|label!=K[=V]]" ;;
	esac
}

#HELP image prune [-a] [-f] [--filter until=T|label=K[=V]|label!=K[=V]]   remove dangling images (-a: all unused)
ctr_image() {
	case ${1:-} in
	prune) shift; image_prune "$@" ;;
	*) die "usage: ctr.sh image prune [-a] [-f] [--filter until=T|label=K[=V]|label!=K[=V]]" ;;
	esac
}

#HELP system prune [-a] [-f]         remove stopped containers, dangling images (-a: unused) and unused blobs
#HELP system df [-v] [--format json|TEMPLATE]   the room images and containers take, and what prune would free
ctr_system() {
	case ${1:-} in
	prune) shift; system_prune "$@" ;;
	df) shift; system_df "$@" ;;
	*) die "usage: ctr.sh system prune [-a] [-f] | system df [-v] [--format json|TEMPLATE]" ;;
	esac
}

# rootfs_of container|image ID: ROOTFS = the subvolume of a container or an image (the one place
# this file knows where they live).
rootfs_of() {
	case $1 in
	container) tree_of containers "$2" ;;
	*) tree_of images "$2" ;;
	esac
	ROOTFS=$TREE
}

# prune_opts VERB "$@": -f, -a (image and system prune), --filter (container and image prune): set
# PR_FORCE, PR_ALL, PR_FL (the filters, KEY=VALUE lines).
prune_opts() {
	_pv=$1 PR_FORCE='' PR_ALL='' PR_FL=''
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--*=*) _o=${1%%=*} _v=${1#*=}; shift; set -- "$_o" "$_v" "$@"; continue ;;
		-[af]?*) _o=$1; shift; set -- "${_o%"${_o#-?}"}" "-${_o#-?}" "$@"; continue ;;
		-f | --force) PR_FORCE=1 ;;
		-a | --all) [ "$_pv" != container ] || die "container prune: unknown option $1"; PR_ALL=1 ;;
		--filter) [ "$_pv" != system ] || die "system prune: --filter: not supported"
			need_arg "$@"; prune_filter "$_pv" "$2"; shift ;;
		*) die "$_pv prune: unknown option $1 (see ctr.sh help)" ;;
		esac
		shift
	done
}

# prune_filter VERB KEY=VALUE: docker's prune filters: until=T, label=K[=V], label!=K[=V].
prune_filter() {
	one_line --filter "$2"
	case $2 in
	until=?* | label=?* | label!=?*) PR_FL="$PR_FL$2$NL" ;;
	*=*) die "$1 prune: invalid filter '${2%%=*}' (until label label!)" ;;
	*) die "$1 prune: --filter $2: bad format of filter (expected name=value)" ;;
	esac
}

# prune_confirm WARNING...: ask on a terminal, as docker (unless -f); no "y": nothing is done.
prune_confirm() {
	[ -z "$PR_FORCE" ] || return 0
	printf '%s\n' "$@"
	printf 'Are you sure you want to continue? [y/N] '
	_pa=''
	read -r _pa || echo
	case $_pa in [yY] | [yY][eE][sS]) return 0 ;; esac
	exit 0
}

# PRUNE_JQ: print the IDs (the directory names) of the configs (-R lines, $ARGS: the files) that
# pass the filters $fl: until=T (created before T), label=K[=V] and label!=K[=V] (all must hold).
# A bad until is an error. Containers' created is in seconds, images' an RFC 3339 date.
# shellcheck disable=SC2016 # jq's $, not the shell's
PRUNE_JQ='
now as $now
| ($fl | split("\n") | map(select(. != "") | if startswith("label!=") then {k: "label!", v: .[7:]}
	else {k: .[:index("=")], v: .[index("=") + 1:]} end)
	| map(if .k == "until" then .t = (.v as $v | try (.v | fmt_time($now))
		catch fmt_die("\($verb) prune: --filter until=\($v): not a time")) else . end)) as $F
| def lab($v): ($v | index("=")) as $e
	| if $e == null then (.labels // {}) | has($v) else (.labels // {})[$v[:$e]] == $v[$e + 1:] end;
  reduce inputs as $l ({}; .[input_filename] += $l + "\n")
| to_entries[] | (.key | split("/") | .[-2]) as $id | .value | fromjson? | . as $c
| (.created | if type == "string" then (sub("\\.[0-9]+"; "") | fromdateiso8601? // 0) else . // 0 end) as $t
| select(all($F[]; .k as $k | .v as $v
	| if $k == "until" then $t < .t elif $k == "label" then $c | lab($v) else $c | lab($v) | not end))
| $id'

# prune_select container|image ID...: PR_IDS = those of the IDs whose config passes PR_FL (all,
# without a filter).
prune_select() {
	_psk=$1
	shift
	PR_IDS=''
	[ $# -gt 0 ] || return 0
	if [ -z "$PR_FL" ]; then
		for _psi; do PR_IDS="$PR_IDS $_psi"; done
		return 0
	fi
	_psd=containers
	[ "$_psk" = container ] || _psd=images
	_psl=''
	for _psi; do list_add _psl "$CTR_ROOT/$_psd/$_psi/config.json"; done
	eval "set -- $_psl"
	PR_IDS=$(jq -nrR --arg fl "$PR_FL" --arg verb "$_psk" "$FMT_JQ$PRUNE_JQ" "$@") || exit 125
}

# prune_sizes container|image ID...: PR_SIZE_<ID> = the exclusive bytes of each one's subvolume
# (one btrfs call), plus its directory's other files (logs, config).
prune_sizes() {
	_pzk=$1
	shift
	_pzl=''
	for _pzi; do
		rootfs_of "$_pzk" "$_pzi"
		[ ! -d "$ROOTFS" ] || list_add _pzl "$ROOTFS"
		eval "PR_SIZE_$_pzi=0"
	done
	_pzd=containers
	[ "$_pzk" = container ] || _pzd=images
	# written data has its extents (what du counts) once flushed
	sync -f "$CTR_BTRFS"
	_pzo=$(
		[ -z "$_pzl" ] || eval "btrfs filesystem du -s --raw -- $_pzl" 2>/dev/null
		for _pzi; do du -sb --exclude=rootfs -- "$CTR_ROOT/$_pzd/$_pzi" 2>/dev/null; done
	)
	while read -r _pz1 _pz2 _pz3 _pz4; do
		case $_pz1 in *[!0-9]* | '') continue ;; esac
		# btrfs: TOTAL EXCLUSIVE SHARED .../ID/rootfs; du: BYTES .../ID
		if [ -n "$_pz4" ]; then _pzi=${_pz4%/rootfs} _pzb=$_pz2; else _pzi=$_pz2 _pzb=$_pz1; fi
		_pzi=${_pzi##*/}
		valid_id "$_pzi" || continue
		eval "PR_SIZE_$_pzi=\$((PR_SIZE_$_pzi + _pzb))"
	done <<EOF
$_pzo
EOF
}

# container_prune OPTIONS: remove every container that is stopped (exited or created: not running
# or paused, no run starting it, no supervisor left), docker's output.
container_prune() {
	prune_opts container "$@"
	pool_ensure
	prune_confirm 'WARNING! This will remove all stopped containers.'
	prune_containers
	[ -z "$PR_DONE" ] || printf 'Deleted Containers:\n%s\n\n' "$PR_DONE"
	hsize_si "$PR_BYTES"
	printf 'Total reclaimed space: %s\n' "$HSIZE_SI"
	ev_emit container prune '' reclaimed "$PR_BYTES"
}

# prune_stopped ID: the container is stopped and nothing is at work on it: no run is starting it
# (its run.lock is free), no supervisor (a restart or an exit action to come).
prune_stopped() {
	[ -f "$CTR_ROOT/containers/$1/config.json" ] || return 1
	ctr_state "$1"
	[ "$ST" != running ] || return 1
	run_lock_free "$CTR_ROOT/containers/$1" || return 1
	! shim_alive "$1"
}

# prune_containers: remove the stopped containers that pass PR_FL. PR_DONE: their IDs (lines),
# PR_BYTES: what they took.
prune_containers() {
	PR_DONE='' PR_BYTES=0 _pcl=''
	for _pcd in "$CTR_ROOT"/containers/*/; do
		_pcd=${_pcd%/}
		_pcd=${_pcd##*/}
		valid_id "$_pcd" && prune_stopped "$_pcd" || continue
		_pcl="$_pcl $_pcd"
	done
	# shellcheck disable=SC2086 # IDs: one word each
	prune_select container $_pcl
	# shellcheck disable=SC2086
	prune_sizes container $PR_IDS
	for _pcd in $PR_IDS; do
		lock
		# under the lock, as rm: still stopped (a start may have come), then gone for good
		if prune_stopped "$_pcd" && container_remove "$_pcd"; then
			PR_DONE="$PR_DONE${PR_DONE:+$NL}$_pcd"
			eval "PR_BYTES=\$((PR_BYTES + PR_SIZE_$_pcd))"
		fi
		unlock
	done
}

# image_prune OPTIONS: remove the dangling images (untagged, no container uses them), with -a
# every image no container uses; then the blobs no image refers to.
image_prune() {
	prune_opts image "$@"
	pool_ensure
	if [ -n "$PR_ALL" ]; then
		prune_confirm 'WARNING! This will remove all images without at least one container associated to them.'
	else
		prune_confirm 'WARNING! This will remove all dangling images.'
	fi
	prune_images
	[ -z "$PR_DONE" ] || printf 'Deleted Images:\n%s\n\n' "$PR_DONE"
	hsize_si "$PR_BYTES"
	printf 'Total reclaimed space: %s\n' "$HSIZE_SI"
	ev_emit image prune '' reclaimed "$PR_BYTES"
}

# image_unused ID: no container uses the image, and (without -a) no name points at it.
image_unused() {
	case $IMG_USED in *" $1 "*) return 1 ;; esac
	[ -n "$PR_ALL" ] && return 0
	for _ir in "$CTR_ROOT"/refs/*; do
		[ -f "$_ir" ] && ref_read "$_ir" && [ "$REF_ID" = "$1" ] && return 1
	done
	return 0
}

# prune_images: remove the unused images that pass PR_FL (under the lock and the import lock:
# pull, load, commit and run's import name an image under them), then unused blobs. PR_DONE: the
# lines "untagged: NAME", "deleted: ID"; PR_BYTES: what they took.
prune_images() {
	PR_DONE='' PR_BYTES=0 _pil=''
	# what an image shares with containers removed before counts as its own once btrfs's cleaner
	# is done with them (before the locks: it may take a second)
	pool_settle
	_piu=$POOL_USED
	exec 6>"$CTR_ROOT/import.lock" && flock 6 || die "$CTR_ROOT/import.lock: cannot lock"
	lock
	images_used
	for _pid in "$CTR_ROOT"/images/*/; do
		_pid=${_pid%/}
		_pid=${_pid##*/}
		# PR_PRED: another test of the unused (builder prune's)
		valid_id "$_pid" && "${PR_PRED:-image_unused}" "$_pid" || continue
		_pil="$_pil $_pid"
	done
	# shellcheck disable=SC2086 # IDs: one word each
	prune_select image $_pil
	[ -n "$PR_IDS" ] || { unlock; exec 6>&-; return 0; }
	# shellcheck disable=SC2086
	prune_sizes image $PR_IDS
	for _pid in $PR_IDS; do
		for _pir in "$CTR_ROOT"/refs/*; do
			[ -f "$_pir" ] && ref_read "$_pir" && [ "$REF_ID" = "$_pid" ] || continue
			_pin=$(ref_name "$_pir")
			rm -f "$_pir" || continue
			PR_DONE="$PR_DONE${PR_DONE:+$NL}untagged: $_pin"
			ev_emit image untag "$_pid" name "$_pin"
		done
		rootfs_of image "$_pid"
		subvol_rm "$ROOTFS" && rm -rf "${ROOTFS%/rootfs}" "${CTR_ROOT:?}/images/$_pid" || continue
		PR_DONE="$PR_DONE${PR_DONE:+$NL}deleted: $_pid"
		eval "PR_BYTES=\$((PR_BYTES + PR_SIZE_$_pid))"
		ev_emit image delete "$_pid" name "$_pid"
	done
	unlock
	exec 6>&-
	# the registry blobs only these images used
	tmp_busy || blob_gc
	# images that share data (a commit and its image) free it together, which no one image's
	# exclusive bytes tell: then what the pool got back is the measure
	pool_settle
	[ $((_piu - POOL_USED)) -le "$PR_BYTES" ] || PR_BYTES=$((_piu - POOL_USED))
}

# pool_settle: wait until the subvolumes deleted so far are gone (btrfs's cleaner drops them after
# a commit; until then their data counts as shared), then POOL_USED = the pool's used bytes.
pool_settle() {
	{ btrfs filesystem sync "$CTR_BTRFS" && btrfs subvolume sync "$CTR_BTRFS" &&
		btrfs filesystem sync "$CTR_BTRFS"; } >/dev/null 2>&1
	# shellcheck disable=SC2046 # block size, blocks, free blocks
	set -- $(stat -f -c '%S %b %f' "$CTR_BTRFS")
	POOL_USED=$(($1 * ($2 - $3)))
}

# system_prune [-a] [-f]: container prune, then image prune (dangling, or -a unused).
system_prune() {
	prune_opts system "$@"
	pool_ensure
	if [ -n "$PR_ALL" ]; then _spi='all images without at least one container associated to them'
	else _spi='all dangling images'
	fi
	prune_confirm 'WARNING! This will remove:' '  - all stopped containers' "  - $_spi" \
		'  - all registry blobs no image refers to' ''
	prune_containers
	_spb=$PR_BYTES
	[ -z "$PR_DONE" ] || printf 'Deleted Containers:\n%s\n\n' "$PR_DONE"
	ev_emit container prune '' reclaimed "$PR_BYTES"
	prune_images
	[ -z "$PR_DONE" ] || printf 'Deleted Images:\n%s\n\n' "$PR_DONE"
	ev_emit image prune '' reclaimed "$PR_BYTES"
	hsize_si $((_spb + PR_BYTES))
	printf 'Total reclaimed space: %s\n' "$HSIZE_SI"
}

# hsize_si BYTES: HSIZE_SI = BYTES as docker's units.HumanSize (4 significant digits, 1000s).
hsize_si() {
	HSIZE_SI=$(jq -rn --argjson b "$1" "$FMT_JQ"'$b | fmt_size')
}

#   system df [-v] [--format json|TEMPLATE]: docker's table TYPE TOTAL ACTIVE SIZE RECLAIMABLE;
#   -v: each image and container. Images: SIZE is their data (shared counted once, btrfs's "set
#   shared"), RECLAIMABLE the exclusive data of those no container uses. Containers: what they
#   wrote; RECLAIMABLE that of the stopped ones. Local Volumes (helpers/volume.sh): SIZE their
#   data, ACTIVE those a container uses, RECLAIMABLE the data of the others. No build cache (0).
system_df() {
	_dv='' _df=''
	while [ $# -gt 0 ]; do
		case $1 in
		--format=*) _df=${1#*=} ;;
		--format) need_arg "$@"; _df=$2; shift ;;
		-v | --verbose) _dv=1 ;;
		*) die "system df: unknown option $1 (see ctr.sh help)" ;;
		esac
		shift
	done
	pool_ensure
	# the images and containers, each with its state and its subvolume's sizes (one btrfs call)
	_dl='' _ds=''
	for _dd in "$CTR_ROOT"/images/*/ "$CTR_ROOT"/containers/*/; do
		_dd=${_dd%/}
		_di=${_dd##*/} _dk=image
		valid_id "$_di" && [ -f "$_dd/config.json" ] || continue
		case $_dd in "$CTR_ROOT"/containers/*)
			_dk=container
			ctr_state "$_di"
			_ds="$_ds$_di $ST$NL" ;;
		esac
		rootfs_of "$_dk" "$_di"
		[ ! -d "$ROOTFS" ] || list_add _dl "$ROOTFS"
	done
	# the volumes (their records' names) and the names the containers use, one a line
	_dvn=''
	for _dd in "$CTR_ROOT"/volumes/*; do
		_di=${_dd##*/}
		valid_name "$_di" && [ -f "$_dd" ] || continue
		_dvn="$_dvn$_di$NL"
		tree_of volumes "$_di"
		[ ! -d "$TREE" ] || list_add _dl "$TREE"
	done
	_dvu=''
	[ -z "$_dvn" ] || _dvu=$(cat "$CTR_ROOT"/containers/*/volumes 2>/dev/null)
	_dsz=''
	sync -f "$CTR_BTRFS"
	[ -z "$_dl" ] || _dsz=$(eval "btrfs filesystem du -s --raw -- $_dl" 2>/dev/null)
	# the images' data with what they share counted once
	_dit=$(btrfs filesystem du -s --raw -- "$CTR_BTRFS/images" 2>/dev/null | awk 'NR == 2 { print $2 + $3 }')
	set --
	for _dd in "$CTR_ROOT"/images/*/config.json "$CTR_ROOT"/containers/*/config.json; do
		[ ! -f "$_dd" ] || set -- "$@" "$_dd"
	done
	fmt_files "$@" | jq -nrR --arg st "$_ds" --arg sz "$_dsz" --arg it "${_dit:-0}" --arg v "$_dv" \
		--arg fmt "$_df" --arg refs "$(df_refs)" --arg vn "$_dvn" --arg vu "$_dvu" \
		--arg vr "$CTR_BTRFS/volumes/" "$FMT_JQ$DF_JQ"
}

# df_refs: "NAME ID" lines, every image name (refs/).
df_refs() {
	for _dr in "$CTR_ROOT"/refs/*; do
		[ -f "$_dr" ] && ref_read "$_dr" || continue
		printf '%s %s\n' "$(ref_name "$_dr")" "$REF_ID"
	done
}

# DF_JQ: system df's jq program. In: the configs (fmt_files; images/ID or containers/ID by path),
# $st ("ID STATE" of the containers), $sz (btrfs filesystem du lines), $it (the images' bytes,
# shared counted once), $refs ("NAME ID"), $v (-v), $fmt, $vn (the volumes' names, lines), $vu
# (the names the containers use, a line per use), $vr (where the volumes are: $vr/NAME/_data).
# shellcheck disable=SC2016 # jq's $, not the shell's
DF_JQ='
def pct($r; $t): if $t > 0 then "\($r | fmt_size) (\($r * 100 / $t | floor)%)" else $r | fmt_size end;
($st | split("\n") | map(select(. != "") | split(" ") | {key: .[0], value: .[1]}) | from_entries) as $S
| ($sz | split("\n") | map(select(test("^ *[0-9]")) | [splits(" +")] | map(select(. != ""))
	| {key: (.[3] | split("/") | .[-3:-1] | join("/")), value: {total: (.[0] | tonumber), excl: (.[1] | tonumber),
	   shared: (.[2] | tonumber)}}) | from_entries) as $Z
| ($refs | split("\n") | map(select(. != "") | split(" "))) as $R
| ($vu | split("\n")) as $VU
| [$vn | split("\n")[] | select(. != "") | . as $n
	| {name: ., links: ([$VU[] | select(. == $n)] | length), size: ($Z["volumes/" + .].total // 0)}] as $vols
| ([$vols[].size] | add // 0) as $vsize
| [fmt_files.files | to_entries[] | (.key | split("/")) as $p | .value | fromjson? | {kind: $p[-3], id: $p[-2], c: .}
	| . + ($Z[.kind + "/" + .id] // {total: 0, excl: 0, shared: 0})] as $all
| [$all[] | select(.kind == "containers") | . + {state: ($S[.id] // "exited")}] as $ctrs
| [$all[] | select(.kind == "images") | .id as $i
	| . + {users: ([$ctrs[] | select(.c.image_id == $i)] | length),
	       names: [$R[] | select(.[1] == $i) | .[0]]}] as $imgs
| ([$imgs[] | select(.users == 0) | .excl] | add // 0) as $ireclaim
| ([$ctrs[].excl] | add // 0) as $csize
| ([$ctrs[] | select(.state != "running") | .excl] | add // 0) as $creclaim
| [{Type: "Images", TotalCount: ($imgs | length | tostring),
	Active: ([$imgs[] | select(.users > 0)] | length | tostring),
	Size: ($it | tonumber | fmt_size), Reclaimable: pct($ireclaim; $it | tonumber)},
   {Type: "Containers", TotalCount: ($ctrs | length | tostring),
	Active: ([$ctrs[] | select(.state == "running")] | length | tostring),
	Size: ($csize | fmt_size), Reclaimable: pct($creclaim; $csize)},
   {Type: "Local Volumes", TotalCount: ($vols | length | tostring),
	Active: ([$vols[] | select(.links > 0)] | length | tostring),
	Size: ($vsize | fmt_size), Reclaimable: pct([$vols[] | select(.links == 0) | .size] | add // 0; $vsize)},
   {Type: "Build Cache", TotalCount: "0", Active: "0", Size: "0B", Reclaimable: "0B"}] as $rows
| if $fmt == "json" then $rows[] | {Active, Reclaimable, Size, TotalCount, Type} | tojson
  elif $fmt != "" and ($fmt | startswith("table") | not) then fmt_tpl($fmt) as $t | $rows[] | fmt_run($t)
  elif $v == "" then fmt_tpl(if $fmt == "" or $fmt == "table" then
		"{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}" else $fmt[5:] | ltrimstr(" ") end) as $t
	| [({Type: "TYPE", TotalCount: "TOTAL", Active: "ACTIVE", Size: "SIZE", Reclaimable: "RECLAIMABLE"}
		| fmt_run($t)), ($rows[] | fmt_run($t))] | join("\n") | split("\n") | fmt_table
  else "Images space usage:", "",
	([["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"]]
	 + [$imgs[] | . as $m | (if .names == [] then ["<none>:<none>"] else .names end)[]
		| (if test(":[^/]*$") then [sub(":[^:/]*$"; ""), sub("^.*:"; "")] else [., "<none>"] end)
		+ [$m.id, ((now - ($m.c.created // "" | sub("\\.[0-9]+"; "") | fromdateiso8601? // now)) | fmt_ago) + " ago",
		   ($m.total | fmt_size), ($m.shared | fmt_size), ($m.excl | fmt_size), ($m.users | tostring)]]
	 | map(join("\t")) | fmt_table),
	"", "Containers space usage:", "",
	([["CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"]]
	 + [$ctrs[] | [.id, (.c.image // ""), (.c.cmd // [] | join(" ") | if length > 20 then .[:19] + "…" else . end | tojson),
		([.c.security.volumes[]?.source | select(startswith($vr) and endswith("/_data"))] | length | tostring),
		(.excl | fmt_size), ((now - (.c.created // now) | fmt_ago) + " ago"), .state, (.c.name // "")]]
	 | map(join("\t")) | fmt_table),
	"", "Local Volumes space usage:", "",
	([["VOLUME NAME", "LINKS", "SIZE"]] + [$vols[] | [.name, (.links | tostring), (.size | fmt_size)]]
	 | map(join("\t")) | fmt_table), "",
	"Build cache usage: 0B" end'
