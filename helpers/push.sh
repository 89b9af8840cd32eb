#!/bin/sh
# push.sh - `ctr.sh push`: send images to a registry (Docker Registry v2 / OCI distribution API).
# Sourced by ctr.sh for push only, after layers.sh (which makes an image's layers, config and
# manifest: img_plan). Registry access, authentication and progress are pull.sh's.
#
# Per destination: the image's plan (made once per image, in the pool's work directory), then each
# blob the manifest names, layers bottom first, the config last: a HEAD (the registry has it: not
# sent), else a cross-repository mount from the repository the image's base was pulled from (same
# registry; the registry answers 201, or starts an upload instead), else an upload: POST, then one
# PUT of the whole blob (monolithic) up to $CTR_PUSH_CHUNK_SIZE, PATCH chunks of that size beyond
# and an empty PUT; the digest the registry stored is checked. The manifest goes last, when every
# blob is there: a push that fails leaves no tag (the blobs sent stay unreferenced: the registry's
# garbage collection takes them).
# Variables: P_* as pull's (P_FROM: the repository to mount blobs from); locals start with _u.

P_FROM='' P_FORMAT='' P_COMP=gzip P_CHUNK=67108864

# reg_req METHOD URL OUT [CURL-ARG...]: one request (no redirect followed), the Authorization header
# sent only to $REF_BASE (an upload location elsewhere gets none), one 401 challenge answered. Sets
# P_CODE; response headers in OUT.h, the body in OUT (64 KiB at most: an error's).
reg_req() {
	_um=$1 _uu=$2 _uo=$3
	shift 3
	case $_uu in "$REF_BASE"/*) _ua=$P_W/auth.hdr ;; *) _ua=/dev/null ;; esac
	case $_um in HEAD) set -- -I "$@" ;; *) set -- -X "$_um" "$@" ;; esac
	for _ut in 1 2; do
		: >"$_uo.h"
		_ur=0
		p_curl -D "$_uo.h" -o "$_uo" --max-filesize 65536 -H "@$_ua" -H 'Expect:' "$@" "$_uu" 2>"$_uo.err" || _ur=$?
		case $_ur in
		0) ;;
		63) die "$_um ${_uu%%\?*}: the registry's answer is larger than 64 KiB" ;;
		*) die "$_um ${_uu%%\?*}: failed: $(sed -n '$s/^curl: ([0-9]*) //p' "$_uo.err")" ;;
		esac
		P_CODE=''
		while read -r _ul _us _; do
			case $_ul in HTTP/*) P_CODE=$_us ;; esac
		done <"$_uo.h"
		[ "$P_CODE" = 401 ] && [ "$_ut" = 1 ] && [ "$_ua" != /dev/null ] || return 0
		auth_answer "$_uo.h"
	done
}

# reg_location OUT: the upload URL of a response's Location (absolute, or a path on $REF_BASE).
reg_location() {
	_ul=$(header location "$1.h")
	case $_ul in
	http://* | https://*) printf '%s\n' "$_ul" ;;
	/*) printf '%s%s\n' "$REF_BASE" "$_ul" ;;
	*) die "$REF_FULL: the registry gave no upload location (HTTP $P_CODE)" ;;
	esac
}

# with_digest URL DIGEST: URL with the query parameter digest=DIGEST added.
with_digest() {
	case $1 in *\?*) printf '%s&digest=%s\n' "$1" "$2" ;; *) printf '%s?digest=%s\n' "$1" "$2" ;; esac
}

# blob_push I DIGEST SIZE FILE: make sure the registry's $REF_REPO has the blob (I: its line in the
# progress display, 0 for the config, not shown).
blob_push() {
	_ui=$1 _ud=$2 _uz=$3 _uf=$4
	reg_req HEAD "$REF_BASE/v2/$REF_REPO/blobs/$_ud" "$P_W/r"
	case $P_CODE in
	200) push_state "$_ui" exists "$_ud"; return 0 ;;
	404) ;;
	*) die "$REF_FULL: blob $_ud: $(http_error "$P_W/r")" ;;
	esac
	_uu=$REF_BASE/v2/$REF_REPO/blobs/uploads/
	[ -z "$P_FROM" ] || _uu="$_uu?mount=$_ud&from=$P_FROM"
	reg_req POST "$_uu" "$P_W/r" --data-binary ''
	if [ "$P_CODE" = 201 ] && [ -n "$P_FROM" ]; then
		push_state "$_ui" mounted "$_ud"
		return 0
	fi
	[ "$P_CODE" = 202 ] || die "$REF_FULL: blob $_ud: cannot start an upload: $(http_error "$P_W/r")"
	_ul=$(reg_location "$P_W/r") || exit 125
	push_state "$_ui" push "$_ud"
	if [ "$_uz" -le "$P_CHUNK" ]; then
		reg_req PUT "$(with_digest "$_ul" "$_ud")" "$P_W/r" -H 'Content-Type: application/octet-stream' -T "$_uf"
	else
		blob_chunks "$_ui" "$_ud" "$_uz" "$_uf" "$_ul"
	fi
	[ "$P_CODE" = 201 ] || die "$REF_FULL: blob $_ud: upload: $(http_error "$P_W/r")"
	_ug=$(header docker-content-digest "$P_W/r.h")
	[ -z "$_ug" ] || [ "$_ug" = "$_ud" ] || die "$REF_FULL: blob $_ud: the registry stored $_ug"
	echo "$_uz" >"$P_W/st/$_ui.n"
	push_state "$_ui" pushed "$_ud"
}

# blob_chunks I DIGEST SIZE FILE URL: a chunked upload: PATCH $P_CHUNK bytes at a time (each
# answer gives the next URL), then the PUT that closes it, without a body.
blob_chunks() {
	_uo=0 _ul=$5
	while [ "$_uo" -lt "$3" ]; do
		_un=$P_CHUNK
		[ $(($3 - _uo)) -ge "$_un" ] || _un=$(($3 - _uo))
		dd if="$4" of="$P_W/chunk" bs=64K iflag=skip_bytes,count_bytes skip="$_uo" count="$_un" 2>/dev/null ||
			die "$4: cannot read"
		reg_req PATCH "$_ul" "$P_W/r" -H 'Content-Type: application/octet-stream' \
			-H "Content-Range: $_uo-$((_uo + _un - 1))" -T "$P_W/chunk"
		[ "$P_CODE" = 202 ] || die "$REF_FULL: blob $2: upload (bytes $_uo-$((_uo + _un - 1))): $(http_error "$P_W/r")"
		_ul=$(reg_location "$P_W/r") || exit 125
		_uo=$((_uo + _un))
		echo "$_uo" >"$P_W/st/$1.n"
	done
	rm -f "$P_W/chunk"
	reg_req PUT "$(with_digest "$_ul" "$2")" "$P_W/r" -H 'Content-Type: application/octet-stream' --data-binary ''
}

# push_state I STATE DIGEST: p_state for a layer; nothing for the config (I = 0).
push_state() {
	[ "$1" = 0 ] || p_state "$@"
}

# push_from BASE: P_FROM = the repository the image BASE came from, when it is on the registry we
# push to (its blobs can be mounted instead of sent); else ''.
push_from() {
	P_FROM=''
	[ -n "$1" ] || return 0
	_us=$(jq -r '.source // ""' "$CTR_ROOT/images/$1/config.json") || return 0
	# shellcheck disable=SC2034 # P_TLS_OFF: read by ref_parse (pull.sh), in a subshell: ours stays
	_us=$( (P_TLS_OFF='' && ref_parse "$_us" && printf '%s %s\n' "$REF_REG" "$REF_REPO") 2>/dev/null) || return 0
	[ "${_us%% *}" != "$REF_REG" ] || P_FROM=${_us#* }
}

# push_one ID DEST: push image ID as DEST (a checked reference with a tag).
push_one() {
	ref_parse "$2"
	# shellcheck disable=SC2034 # read by pull.sh
	P_WHAT="push $REF_FULL"
	_up=$P_DATA/plan-$1
	if [ ! -f "$_up/info" ]; then
		img_plan "$1" "$_up" "$P_FORMAT" "$P_COMP"
		printf '%s %s\n' "$L_MTYPE" "${L_BASE:--}" >"$_up/info" || die "$_up/info: cannot write"
	fi
	read -r L_MTYPE L_BASE <"$_up/info"
	[ "$L_BASE" != - ] || L_BASE=''
	push_from "$L_BASE"
	# shellcheck disable=SC2034 # read by pull.sh's auth_bearer
	P_SCOPE_ADD="repository:$REF_REPO:pull,push${P_FROM:+ repository:$P_FROM:pull}"
	: >"$P_W/auth.hdr"
	rm -rf "$P_W/st" && mkdir "$P_W/st" || die "$P_W/st: cannot create"
	say "The push refers to repository [$REF_REG/$REF_REPO]"
	# the layers (shown, as docker does), then the config
	head -n "$(($(wc -l <"$_up/blobs") - 1))" "$_up/blobs" | cut -d' ' -f1,2 >"$P_W/layers"
	_ui=0
	while read -r _ud _uz _uf; do
		_ui=$((_ui + 1))
		push_state "$_ui" prep "$_ud"
	done <"$P_W/layers"
	if [ -n "$P_TTY" ]; then
		p_draw &
		P_PIDS="$P_PIDS $!"
	fi
	_ui=0 _un=$(wc -l <"$P_W/layers")
	while read -r _ud _uz _uf <&3; do
		_ui=$((_ui + 1))
		[ "$_ui" -le "$_un" ] || _ui=0
		blob_push "$_ui" "$_ud" "$_uz" "$_uf"
	done 3<"$_up/blobs"
	if [ -n "$P_TTY" ]; then
		: >"$P_W/st/stop"
		wait "${P_PIDS##* }"
	fi
	reg_req PUT "$REF_BASE/v2/$REF_REPO/manifests/$REF_TAG" "$P_W/r" -H "Content-Type: $L_MTYPE" -T "$_up/manifest"
	[ "$P_CODE" = 201 ] || die "$REF_FULL: manifest: $(http_error "$P_W/r")"
	_um=sha256:$(sha256sum <"$_up/manifest" | cut -d' ' -f1)
	_ug=$(header docker-content-digest "$P_W/r.h")
	[ -z "$_ug" ] || [ "$_ug" = "$_um" ] || die "$REF_FULL: the registry stored the manifest as $_ug, not $_um"
	say "$REF_TAG: digest: $_um size: $(stat -c %s "$_up/manifest")"
	[ -z "$P_QUIET" ] || printf '%s/%s:%s@%s\n' "$REF_REG" "$REF_REPO" "$REF_TAG" "$_um"
}

# push_targets ALL IMAGE [DEST]: print "ID DEST" per image to push (DEST with its tag): IMAGE as
# DEST (default: IMAGE's own name); with ALL, every tag of the name IMAGE, as DEST:<tag>.
push_targets() {
	_ua=$1
	shift
	if [ -z "$_ua" ]; then
		_ui=$(image_find "$1") || exit 125
		if [ $# -lt 2 ] && valid_id "$1" && [ "$_ui" = "$1" ]; then
			die "push $1: an image ID has no registry name: give one (ctr.sh push $1 REGISTRY/NAME[:TAG])"
		fi
		ref_parse "${2:-$1}"
		[ -z "$REF_DIGEST" ] || die "push ${2:-$1}: a destination cannot carry a digest"
		printf '%s %s\n' "$_ui" "$REF_FULL"
		return 0
	fi
	for _ut; do
		case ${_ut##*/} in *:* | *@*) die "push --all-tags $_ut: give a name without a tag or digest" ;; esac
	done
	name_parse "$1"
	_un=${REF_NAME%:*} _uc=0
	ref_parse "${2:-$1}"
	_ud=${REF_FULL%:*}
	for _ur in "$CTR_ROOT"/refs/*; do
		[ -f "$_ur" ] && ref_read "$_ur" || continue
		_ut=$(printf '%s' "${_ur##*/}" | sed 's|%2F|/|g')
		case $_ut in "$_un":*) ;; *) continue ;; esac
		printf '%s %s:%s\n' "$REF_ID" "$_ud" "${_ut##*:}"
		_uc=$((_uc + 1))
	done
	[ "$_uc" -gt 0 ] || die "push --all-tags $1: no image is named $_un"
}

# push_chunk: P_CHUNK = $CTR_PUSH_CHUNK_SIZE in bytes (a number, or with K, M or G; default 64M).
push_chunk() {
	_uv=${CTR_PUSH_CHUNK_SIZE:-64M} _um=1
	case $_uv in *[kK]) _um=1024 ;; *[mM]) _um=1048576 ;; *[gG]) _um=1073741824 ;; esac
	[ "$_um" = 1 ] || _uv=${_uv%?}
	case $_uv in '' | *[!0-9]* | 0*) die "CTR_PUSH_CHUNK_SIZE=$CTR_PUSH_CHUNK_SIZE: want a size (bytes, or a number and K, M or G)" ;; esac
	[ ${#_uv} -le 12 ] || die "CTR_PUSH_CHUNK_SIZE=$CTR_PUSH_CHUNK_SIZE: too large"
	P_CHUNK=$((_uv * _um))
}

#HELP push [-q] [--all-tags] [--format oci|v2s2] [--compression gzip|zstd] [--tls-verify=false] IMAGE [REGISTRY/NAME[:TAG]]
#HELP                                 upload an image (its name by default; a pulled base's layers as they came)
ctr_push() {
	_ua='' P_QUIET=''
	while [ $# -gt 0 ]; do
		case $1 in
		-a | --all-tags) _ua=1 ;;
		--format=*) P_FORMAT=${1#*=} ;;
		--format) need_arg "$@"; P_FORMAT=$2; shift ;;
		--compression=*) P_COMP=${1#*=} ;;
		--compression) need_arg "$@"; P_COMP=$2; shift ;;
		--tls-verify*) tls_opt "$1" ;;
		-q | --quiet) P_QUIET=1 ;;
		--) shift; break ;;
		-*) die "push: unknown option $1" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -ge 1 ] && [ $# -le 2 ] ||
		die "usage: ctr.sh push [-q] [--all-tags] [--format oci|v2s2] [--compression gzip|zstd] [--tls-verify=false] IMAGE [REGISTRY/NAME[:TAG]]"
	case $P_FORMAT in '' | oci | v2s2) ;; *) die "--format $P_FORMAT: want oci or v2s2" ;; esac
	case $P_COMP in gzip | zstd) ;; *) die "--compression $P_COMP: want gzip or zstd" ;; esac
	[ "$P_COMP/$P_FORMAT" != zstd/v2s2 ] || die "--compression zstd: a docker v2s2 manifest cannot name zstd layers (use --format oci)"
	push_chunk
	need curl curl
	[ "$P_COMP" != zstd ] || need zstd zstd
	[ -x "$CTR_LIBEXEC/ctr-tar" ] || die "$CTR_LIBEXEC/ctr-tar: not built (run make in $CTR_HOME)"
	pool_ensure
	_ul=$(push_targets "$_ua" "$@") || exit 125
	[ -n "$P_QUIET" ] || [ ! -t 1 ] || P_TTY=1
	p_begin
	p_work push
	P_W=$P_DATA/w
	(umask 077 && mkdir -p "$P_W" && : >"$P_W/auth.hdr") || die "$P_W: cannot create"
	while read -r _ui _ud; do
		push_one "$_ui" "$_ud" </dev/null
	done <<EOF
$_ul
EOF
}
