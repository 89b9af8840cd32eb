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
	_rqm=$1 _rqu=$2 _rqo=$3
	shift 3
	case $_rqu in "$REF_BASE"/*) _rqa=$P_W/auth.hdr ;; *) _rqa=/dev/null ;; esac
	# a HEAD's Content-Length is the blob's: no body comes
	case $_rqm in HEAD) set -- -I "$@" ;; *) set -- -X "$_rqm" --max-filesize 65536 "$@" ;; esac
	for _rqt in 1 2; do
		: >"$_rqo.h"
		_rqr=0
		p_curl -D "$_rqo.h" -o "$_rqo" -H "@$_rqa" -H 'Expect:' "$@" "$_rqu" 2>"$_rqo.err" || _rqr=$?
		case $_rqr in
		0) ;;
		63) die "$_rqm ${_rqu%%\?*}: the registry's answer is larger than 64 KiB" ;;
		*) die "$_rqm ${_rqu%%\?*}: failed: $(sed -n 's/^curl: ([0-9]*) //p' "$_rqo.err" | head -n 1)" ;;
		esac
		P_CODE=''
		while read -r _rql _rqs _; do
			case $_rql in HTTP/*) P_CODE=$_rqs ;; esac
		done <"$_rqo.h"
		[ "$P_CODE" = 401 ] && [ "$_rqt" = 1 ] && [ "$_rqa" != /dev/null ] || return 0
		auth_answer "$_rqo.h"
	done
}

# reg_location OUT: the upload URL of a response's Location (absolute, or a path on $REF_BASE).
reg_location() {
	_ull=$(header location "$1.h")
	case $_ull in
	http://* | https://*) printf '%s\n' "$_ull" ;;
	/*) printf '%s%s\n' "$REF_BASE" "$_ull" ;;
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
	_ubi=$1 _ubd=$2 _ubz=$3 _ubf=$4
	reg_req HEAD "$REF_BASE/v2/$REF_REPO/blobs/$_ubd" "$P_W/r"
	case $P_CODE in
	200) push_state "$_ubi" exists "$_ubd"; return 0 ;;
	404) ;;
	*) die "$REF_FULL: blob $_ubd: $(http_error "$P_W/r")" ;;
	esac
	_ubu=$REF_BASE/v2/$REF_REPO/blobs/uploads/
	[ -z "$P_FROM" ] || _ubu="$_ubu?mount=$_ubd&from=$P_FROM"
	reg_req POST "$_ubu" "$P_W/r" --data-binary ''
	if [ "$P_CODE" = 201 ] && [ -n "$P_FROM" ]; then
		push_state "$_ubi" mounted "$_ubd"
		return 0
	fi
	[ "$P_CODE" = 202 ] || die "$REF_FULL: blob $_ubd: cannot start an upload: $(http_error "$P_W/r")"
	_ubl=$(reg_location "$P_W/r") || exit 125
	push_state "$_ubi" push "$_ubd"
	if [ "$_ubz" -le "$P_CHUNK" ]; then
		reg_req PUT "$(with_digest "$_ubl" "$_ubd")" "$P_W/r" -H 'Content-Type: application/octet-stream' -T "$_ubf"
	else
		blob_chunks "$_ubi" "$_ubd" "$_ubz" "$_ubf" "$_ubl"
	fi
	[ "$P_CODE" = 201 ] || die "$REF_FULL: blob $_ubd: upload: $(http_error "$P_W/r")"
	_ubg=$(header docker-content-digest "$P_W/r.h")
	[ -z "$_ubg" ] || [ "$_ubg" = "$_ubd" ] || die "$REF_FULL: blob $_ubd: the registry stored $_ubg"
	echo "$_ubz" >"$P_W/st/$_ubi.n"
	push_state "$_ubi" pushed "$_ubd"
}

# blob_chunks I DIGEST SIZE FILE URL: a chunked upload: PATCH $P_CHUNK bytes at a time (each
# answer gives the next URL), then the PUT that closes it, without a body.
blob_chunks() {
	_uco=0 _ucl=$5
	while [ "$_uco" -lt "$3" ]; do
		_ucn=$P_CHUNK
		[ $(($3 - _uco)) -ge "$_ucn" ] || _ucn=$(($3 - _uco))
		dd if="$4" of="$P_W/chunk" bs=64K iflag=skip_bytes,count_bytes skip="$_uco" count="$_ucn" 2>/dev/null ||
			die "$4: cannot read"
		reg_req PATCH "$_ucl" "$P_W/r" -H 'Content-Type: application/octet-stream' \
			-H "Content-Range: $_uco-$((_uco + _ucn - 1))" -T "$P_W/chunk"
		[ "$P_CODE" = 202 ] || die "$REF_FULL: blob $2: upload (bytes $_uco-$((_uco + _ucn - 1))): $(http_error "$P_W/r")"
		_ucl=$(reg_location "$P_W/r") || exit 125
		_uco=$((_uco + _ucn))
		echo "$_uco" >"$P_W/st/$1.n"
	done
	rm -f "$P_W/chunk"
	reg_req PUT "$(with_digest "$_ucl" "$2")" "$P_W/r" -H 'Content-Type: application/octet-stream' --data-binary ''
}

# push_state I STATE DIGEST: p_state for a layer; nothing for the config (I = 0).
push_state() {
	[ "$1" = 0 ] || p_state "$@"
}

# push_from BASE: P_FROM = the repository the image BASE came from, when it is another one on the
# registry we push to (its blobs can be mounted instead of sent); else ''.
push_from() {
	P_FROM=''
	[ -n "$1" ] || return 0
	_ufs=$(jq -r '.source // ""' "$CTR_ROOT/images/$1/config.json") || return 0
	# shellcheck disable=SC2034 # P_TLS_OFF: read by ref_parse (pull.sh), in a subshell: ours stays
	_ufs=$( (P_TLS_OFF='' && ref_parse "$_ufs" && printf '%s %s\n' "$REF_REG" "$REF_REPO") 2>/dev/null) || return 0
	[ "${_ufs%% *}" != "$REF_REG" ] || [ "${_ufs#* }" = "$REF_REPO" ] || P_FROM=${_ufs#* }
}

# push_one ID DEST: push image ID as DEST (a checked reference with a tag).
push_one() {
	ref_parse "$2"
	# shellcheck disable=SC2034 # read by pull.sh
	P_WHAT="push $REF_FULL"
	_uop=$P_DATA/plan-$1
	if [ ! -f "$_uop/info" ]; then
		img_plan "$1" "$_uop" "$P_FORMAT" "$P_COMP"
		printf '%s %s\n' "$L_MTYPE" "${L_BASE:--}" >"$_uop/info" || die "$_uop/info: cannot write"
	fi
	read -r L_MTYPE L_BASE <"$_uop/info"
	[ "$L_BASE" != - ] || L_BASE=''
	push_from "$L_BASE"
	# shellcheck disable=SC2034 # read by pull.sh's auth_bearer
	P_SCOPE_ADD="repository:$REF_REPO:pull,push${P_FROM:+ repository:$P_FROM:pull}"
	: >"$P_W/auth.hdr"
	rm -rf "$P_W/st" && mkdir "$P_W/st" || die "$P_W/st: cannot create"
	say "The push refers to repository [$REF_REG/$REF_REPO]"
	# the layers (shown, as docker does), then the config
	head -n "$(($(wc -l <"$_uop/blobs") - 1))" "$_uop/blobs" | cut -d' ' -f1,2 >"$P_W/layers"
	_uoi=0
	while read -r _uod _uoz _uof; do
		_uoi=$((_uoi + 1))
		push_state "$_uoi" prep "$_uod"
	done <"$P_W/layers"
	if [ -n "$P_TTY" ]; then
		p_draw &
		P_PIDS="$P_PIDS $!"
	fi
	_uoi=0 _uon=$(wc -l <"$P_W/layers")
	while read -r _uod _uoz _uof <&3; do
		_uoi=$((_uoi + 1))
		[ "$_uoi" -le "$_uon" ] || _uoi=0
		blob_push "$_uoi" "$_uod" "$_uoz" "$_uof"
	done 3<"$_uop/blobs"
	if [ -n "$P_TTY" ]; then
		: >"$P_W/st/stop"
		wait "${P_PIDS##* }"
	fi
	reg_req PUT "$REF_BASE/v2/$REF_REPO/manifests/$REF_TAG" "$P_W/r" -H "Content-Type: $L_MTYPE" -T "$_uop/manifest"
	[ "$P_CODE" = 201 ] || die "$REF_FULL: manifest: $(http_error "$P_W/r")"
	_uom=sha256:$(sha256sum <"$_uop/manifest" | cut -d' ' -f1)
	_uog=$(header docker-content-digest "$P_W/r.h")
	[ -z "$_uog" ] || [ "$_uog" = "$_uom" ] || die "$REF_FULL: the registry stored the manifest as $_uog, not $_uom"
	say "$REF_TAG: digest: $_uom size: $(stat -c %s "$_uop/manifest")"
	[ -z "$P_QUIET" ] || printf '%s/%s:%s@%s\n' "$REF_REG" "$REF_REPO" "$REF_TAG" "$_uom"
}

# push_targets ALL IMAGE [DEST]: print "ID DEST" per image to push (DEST with its tag): IMAGE as
# DEST (default: IMAGE's own name); with ALL, every tag of the name IMAGE, as DEST:<tag>.
push_targets() {
	_uta=$1
	shift
	if [ -z "$_uta" ]; then
		_uti=$(image_find "$1") || exit 125
		if [ $# -lt 2 ] && valid_id "$1" && [ "$_uti" = "$1" ]; then
			die "push $1: an image ID has no registry name: give one (ctr.sh push $1 REGISTRY/NAME[:TAG])"
		fi
		ref_parse "${2:-$1}"
		[ -z "$REF_DIGEST" ] || die "push ${2:-$1}: a destination cannot carry a digest"
		printf '%s %s\n' "$_uti" "$REF_FULL"
		return 0
	fi
	for _utt; do
		case ${_utt##*/} in *:* | *@*) die "push --all-tags $_utt: give a name without a tag or digest" ;; esac
	done
	name_parse "$1"
	_utn=${REF_NAME%:*} _utc=0
	ref_parse "${2:-$1}"
	_utd=${REF_FULL%:*}
	for _utr in "$CTR_ROOT"/refs/*; do
		[ -f "$_utr" ] && ref_read "$_utr" || continue
		ref_decode "$_utr"
		_utt=$REF_DEC
		case $_utt in "$_utn":*) ;; *) continue ;; esac
		printf '%s %s:%s\n' "$REF_ID" "$_utd" "${_utt##*:}"
		_utc=$((_utc + 1))
	done
	[ "$_utc" -gt 0 ] || die "push --all-tags $1: no image is named $_utn"
}

# push_chunk: P_CHUNK = $CTR_PUSH_CHUNK_SIZE in bytes (a number, or with K, M or G; default 64M).
push_chunk() {
	_ukv=${CTR_PUSH_CHUNK_SIZE:-64M} _ukm=1
	case $_ukv in *[kK]) _ukm=1024 ;; *[mM]) _ukm=1048576 ;; *[gG]) _ukm=1073741824 ;; esac
	[ "$_ukm" = 1 ] || _ukv=${_ukv%?}
	case $_ukv in '' | *[!0-9]* | 0*) die "CTR_PUSH_CHUNK_SIZE=$CTR_PUSH_CHUNK_SIZE: want a size (bytes, or a number and K, M or G)" ;; esac
	[ ${#_ukv} -le 12 ] || die "CTR_PUSH_CHUNK_SIZE=$CTR_PUSH_CHUNK_SIZE: too large"
	P_CHUNK=$((_ukv * _ukm))
}

#HELP push [-q] [--all-tags] [--format oci|v2s2] [--compression gzip|zstd] [--tls-verify=false] IMAGE [REGISTRY/NAME[:TAG]]
#HELP                                 upload an image (its name by default; a pulled base's layers as they came)
ctr_push() {
	_uxa='' P_QUIET=''
	while [ $# -gt 0 ]; do
		case $1 in
		-a | --all-tags) _uxa=1 ;;
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
	_uxl=$(push_targets "$_uxa" "$@") || exit 125
	[ -n "$P_QUIET" ] || [ ! -t 1 ] || P_TTY=1
	p_begin
	p_work push
	P_W=$P_DATA/w
	(umask 077 && mkdir -p "$P_W" && : >"$P_W/auth.hdr") || die "$P_W: cannot create"
	while read -r _uxi _uxd; do
		push_one "$_uxi" "$_uxd" </dev/null
	done <<EOF
$_uxl
EOF
}
