#!/bin/sh
# pull.sh - images from registries (Docker Registry v2 / OCI distribution API) and the verbs that move
# images in and out: pull, login, commit, tag, save, load. Sourced by ctr.sh.
#
# Blobs (manifests, configs, layers) are cached by digest in $CTR_BTRFS/blobs/sha256/<hex>; a blob enters
# the cache only after its sha256 (and size) matched. An image is built in $CTR_ROOT/tmp/<verb>-<id>/
# (its lock and config.json) and the pool's $CTR_BTRFS/tmp/<verb>-<id>/ (rootfs, a new subvolume, and
# work files in w/: the bulk goes to the pool) and renamed to images/<id> in both only when complete
# (image_place): a failure removes it, a kill leaves it for `ctr.sh cleanup`.
#
# Layers are unpacked by the static busybox's tar, chrooted into the new rootfs, in a private mount
# namespace where the busybox binary is the only host file visible (bind-mounted read-only), with a
# bounding set without CAP_MKNOD or CAP_SYS_ADMIN: see layer_jail. Whiteouts are applied the same way,
# and the layer's xattrs (file capabilities), which busybox tar drops: the static ctr-tar reads them
# on the host while the layer is scanned, and sets them in the same jail (layer_apply).
# Variables: REF_* (the parsed reference), P_* (the operation in progress); locals start with _p.

P_MT_OCI_M=application/vnd.oci.image.manifest.v1+json
P_MT_OCI_I=application/vnd.oci.image.index.v1+json
P_MT_DOCKER_M=application/vnd.docker.distribution.manifest.v2+json
P_MT_DOCKER_L=application/vnd.docker.distribution.manifest.list.v2+json
P_ACCEPT="$P_MT_OCI_M, $P_MT_OCI_I, $P_MT_DOCKER_M, $P_MT_DOCKER_L"
P_PARALLEL=3 # layer downloads at a time (docker's default)
P_MAX_DOC=4194304 # the largest manifest, index, image config or index.json (containerd's limit: 4 MiB)
P_TMP='' P_TREE='' P_W='' P_WORK='' P_DATA='' P_PIDS='' P_QUIET='' P_TTY='' P_CREDS='' P_TLS_OFF='' P_SCOPE_ADD=''
P_WHAT=ctr # what errors about the image in progress start with: pull REF, load REF

# p_re ERE STRING: STRING (one line) matches ERE entirely.
p_re() {
	case $2 in *'
'*) return 1 ;; esac
	printf '%s\n' "$2" | grep -Eqx -- "$1"
}

# say LINE...: progress lines on stdout, unless -q.
say() {
	[ -n "$P_QUIET" ] || printf '%s\n' "$@"
}

# ---------------------------------------------------------------- references

# ref_parse REF: docker's reference rules (checked by storage.sh's valid_ref). Sets REF_REG (docker.io, host[:port]), REF_HOST (where the
# API is served), REF_BASE (scheme://host), REF_REPO, REF_TAG, REF_DIGEST, REF_NAME (the local name:
# busybox:latest, host:5000/ns/x:tag, or name@digest), REF_FULL (the canonical reference).
ref_parse() {
	_pr=$1 REF_TAG='' REF_DIGEST=''
	case $_pr in *@*) REF_DIGEST=${_pr#*@} _pr=${_pr%%@*} ;; esac
	case ${_pr##*/} in *:*) REF_TAG=${_pr##*:} _pr=${_pr%:*} ;; esac
	REF_REG=docker.io REF_REPO=$_pr
	case $_pr in */*)
		case ${_pr%%/*} in *.* | *:* | localhost) REF_REG=${_pr%%/*} REF_REPO=${_pr#*/} ;; esac ;;
	esac
	case $REF_REG in index.docker.io | registry-1.docker.io) REF_REG=docker.io ;; esac
	case $REF_REG/$REF_REPO in docker.io/*/*) ;; docker.io/*) REF_REPO=library/$REF_REPO ;; esac
	[ -n "$REF_TAG$REF_DIGEST" ] || REF_TAG=latest
	valid_ref "$1" || die "$1: $V_WHY" # the grammar of helpers/storage.sh
	ref_endpoint
	_pr=$REF_REG/$REF_REPO
	case $_pr in docker.io/library/*) _pr=${_pr#docker.io/library/} ;; docker.io/*) _pr=${_pr#docker.io/} ;; esac
	REF_NAME=$_pr${REF_TAG:+:$REF_TAG}
	[ -n "$REF_TAG" ] || REF_NAME=$_pr@$REF_DIGEST
	REF_FULL=$REF_REG/$REF_REPO${REF_TAG:+:$REF_TAG}${REF_DIGEST:+@$REF_DIGEST}
}

# ref_endpoint: REF_HOST and REF_BASE (scheme://host) for REF_REG. With --tls-verify=false
# (P_TLS_OFF), as docker's insecure registries: HTTPS without checking the certificate, else plain
# HTTP when the registry does not speak TLS at all (one probe of /v2/).
ref_endpoint() {
	REF_HOST=$REF_REG
	[ "$REF_REG" != docker.io ] || REF_HOST=registry-1.docker.io
	REF_BASE=https://$REF_HOST
	if reg_insecure "$REF_REG"; then
		REF_BASE=http://$REF_HOST
	elif [ -n "$P_TLS_OFF" ]; then
		p_curl -o /dev/null "$REF_BASE/v2/" 2>/dev/null || [ $? != 35 ] || REF_BASE=http://$REF_HOST
	fi
}

# tls_opt ARG: ARG is --tls-verify[=true|false] (pull's and push's option): sets P_TLS_OFF.
tls_opt() {
	case $1 in
	--tls-verify | --tls-verify=true) P_TLS_OFF='' ;;
	--tls-verify=false) P_TLS_OFF=1 ;;
	*) die "$1: want --tls-verify=true or --tls-verify=false" ;;
	esac
}

# reg_insecure REGISTRY: plain HTTP for the loopback and for $CTR_INSECURE_REGISTRIES (host[:port],
# separated by spaces or commas); HTTPS for everything else.
reg_insecure() {
	case $1 in \[*\]:*) _ph=${1%:*} ;; \[*\]) _ph=$1 ;; *:*) _ph=${1%:*} ;; *) _ph=$1 ;; esac
	case $_ph in localhost | 127.0.0.1 | \[::1\]) return 0 ;; esac
	for _pi in $(printf '%s' "${CTR_INSECURE_REGISTRIES:-}" | tr ',' ' '); do
		[ "$_pi" = "$1" ] || [ "$_pi" = "$_ph" ] || [ "$_pi" = "$REF_HOST" ] && return 0
	done
	return 1
}

# ---------------------------------------------------------------- HTTP and authentication

# p_curl ARG...: curl as every registry request uses it: http(s) only (redirects too), a connect
# timeout, and an abort when a transfer stalls (under 1 kB/s for a minute); certificates are
# checked unless --tls-verify=false.
p_curl() {
	curl -sS --proto =http,https --proto-redir =http,https --connect-timeout 20 \
		--speed-limit 1024 --speed-time 60 -A "ctr/$CTR_VERSION" ${P_TLS_OFF:+-k} "$@"
}

# p_get OUT MAX ARG...: a GET (curl ARG..., redirects followed) into OUT, response headers in OUT.h.
# curl is stopped once MAX+1 bytes of body have come (--max-filesize when a Content-Length says so
# at once; head for a body without one, that would otherwise run on and fill the pool); an error
# body may have 64 KiB. Sets P_CODE (the last HTTP status) and P_URL (the URL that gave it: where
# the redirects led). Returns 2 for a 200 larger than MAX.
p_get() {
	_pgo=$1 _pgm=$2
	shift 2
	_pgc=$_pgm
	[ "$_pgc" -ge 65536 ] || _pgc=65536
	: >"$_pgo.h"
	{ p_curl -L -D "$_pgo.h" --max-filesize "$_pgc" -w '%{stderr}ctr-url %{url_effective}\n' "$@" 2>"$_pgo.err"
		echo "$?" >"$_pgo.rc"; } | head -c "$((_pgc + 1))" >"$_pgo"
	P_CODE='' P_URL=''
	while read -r _pgl _pgs _; do
		case $_pgl in HTTP/*) P_CODE=$_pgs ;; esac
	done <"$_pgo.h"
	while read -r _pgl _pgs; do
		[ "$_pgl" != ctr-url ] || P_URL=$_pgs
	done <"$_pgo.err"
	read -r _pgr <"$_pgo.rc"
	_pgz=$(stat -c %s "$_pgo")
	if [ "$_pgr" = 63 ] || [ "$_pgz" -gt "$_pgc" ] || { [ "$P_CODE" = 200 ] && [ "$_pgz" -gt "$_pgm" ]; }; then
		[ "$P_CODE" = 200 ] && return 2
		return 0
	fi
	for _pgu; do :; done
	[ "$_pgr" = 0 ] || { grep -v '^ctr-url ' "$_pgo.err" >&2; die "GET $_pgu: failed"; }
}

# reg_get PATH OUT [ACCEPT [MAXBYTES]]: GET $REF_BASE$PATH into OUT (response headers in OUT.h),
# following redirects and answering one authentication challenge: the registry's own. Sets P_CODE
# (the HTTP status). A body is cut at MAXBYTES (default $P_MAX_DOC): returns 2 when a 200's is larger.
# The Authorization header lives in $P_W/auth.hdr (0600), never in argv.
reg_get() {
	set -- "$REF_BASE$1" "$2" "${3:-*/*}" "${4:-$P_MAX_DOC}"
	for _pt in 1 2; do
		p_get "$2" "$4" -H "Accept: $3" -H "@$P_W/auth.hdr" "$1" || return
		[ "$P_CODE" = 401 ] && [ "$_pt" = 1 ] || return 0
		# a 401 from where a redirect led (a blob's storage, another host) is not answered: its
		# challenge's realm would get the registry's credentials (push's reg_req follows none)
		p_origin "$P_URL"
		[ "$P_ORIGIN" = "$(printf '%s' "$REF_BASE" | tr '[:upper:]' '[:lower:]')" ] ||
			die "$REF_REG: HTTP 401 from ${P_ORIGIN:-an unknown place}, where the registry redirected: not answered (the registry's credentials go only to its own challenges)"
		auth_answer "$2.h"
	done
}

# p_origin URL: P_ORIGIN = URL's scheme://host[:port], lowercase.
p_origin() {
	P_ORIGIN=''
	case $1 in http://* | https://*) ;; *) return 0 ;; esac
	_pox=${1#*://}
	P_ORIGIN=$(printf '%s://%s' "${1%%://*}" "${_pox%%/*}" | tr '[:upper:]' '[:lower:]')
}

# http_error FILE: "HTTP <code>" and the registry's error code and message, if the body has one.
http_error() {
	printf 'HTTP %s%s' "$P_CODE" "$(jq -r '(.errors // [])[0] // empty | ": \(.code) \(.message // "")"' \
		"$1" 2>/dev/null)"
	[ "$P_CODE" != 401 ] || printf ' (ctr.sh login %s)' "$REF_REG"
}

# header NAME FILE: the value of the last NAME header in FILE (names are case-insensitive).
header() {
	tr -d '\r' <"$2" | awk -v n="$1" 'tolower(substr($0, 1, length(n) + 1)) == tolower(n) ":" {
		v = substr($0, length(n) + 2); sub(/^[ \t]+/, "", v); r = v } END { print r }'
}

# auth_answer HEADERS: answer the WWW-Authenticate challenge of a 401 (Basic, or Bearer from the
# challenge's realm, anonymous or with stored credentials) by rewriting $P_W/auth.hdr.
auth_answer() {
	_pc=$(header www-authenticate "$1")
	[ -n "$_pc" ] || die "$REF_REG: HTTP 401 without a WWW-Authenticate challenge"
	_pcred=$P_CREDS
	[ -n "$_pcred" ] || _pcred=$(auth_lookup "$REF_REG") || exit 125
	case $(printf '%s' "${_pc%% *}" | tr '[:upper:]' '[:lower:]') in
	basic)
		[ -n "$_pcred" ] || die "$REF_REG: authentication required (ctr.sh login $REF_REG)"
		auth_set "Basic $_pcred"
		;;
	bearer) auth_bearer "$_pc" "$_pcred" ;;
	*) die "$REF_REG: unsupported authentication scheme: ${_pc%% *}" ;;
	esac
}

# auth_param NAME CHALLENGE: a parameter of a challenge (key="value" or key=token, any case for key).
auth_param() {
	printf '%s\n' "$2" | awk -v want="$1" '{
		s = $0; sub(/^[^ ]+ +/, "", s)
		while (match(s, /^[ ,]*[A-Za-z_-]+=("[^"]*"|[^, ]*)/)) {
			kv = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
			sub(/^[ ,]*/, "", kv); k = kv; sub(/=.*/, "", k); v = substr(kv, length(k) + 2)
			if (v ~ /^".*"$/) v = substr(v, 2, length(v) - 2)
			if (tolower(k) == want) { print v; exit }
		} }'
}

# auth_bearer CHALLENGE [CREDS]: get a token from the challenge's realm (service and scope as given;
# scope defaults to pulling $REF_REPO; the scopes of P_SCOPE_ADD asked for too: a push's), sending
# Basic credentials when we have them.
auth_bearer() {
	_pbc=$2
	_prealm=$(auth_param realm "$1") _psvc=$(auth_param service "$1") _pscope=$(auth_param scope "$1")
	case $_prealm in http://* | https://*) ;; *) die "$REF_REG: bad token realm '$_prealm'" ;; esac
	[ -n "$_pscope" ] || _pscope=${P_SCOPE-repository:$REF_REPO:pull}
	set -- -G
	[ -z "$_psvc" ] || set -- "$@" --data-urlencode "service=$_psvc"
	[ -z "$_pscope" ] || set -- "$@" --data-urlencode "scope=$_pscope"
	for _pso in $P_SCOPE_ADD; do
		[ "$_pso" = "$_pscope" ] || set -- "$@" --data-urlencode "scope=$_pso"
	done
	: >"$P_W/basic.hdr"
	[ -z "$_pbc" ] || printf 'Authorization: Basic %s\n' "$_pbc" >"$P_W/basic.hdr"
	p_get "$P_W/token.json" 1048576 -H "@$P_W/basic.hdr" "$@" "$_prealm" ||
		die "token server $_prealm: its answer is larger than 1 MiB"
	case $P_CODE in
	200) ;;
	401 | 403)
		[ -n "$_pbc" ] || die "$REF_REG: authentication required (ctr.sh login $REF_REG)"
		die "$REF_REG: the token server refused the credentials (HTTP $P_CODE)" ;;
	*) die "token server $_prealm: HTTP ${P_CODE:-error}" ;;
	esac
	_ptok=$(jq -r '.token // .access_token // empty' "$P_W/token.json" 2>/dev/null)
	p_re '[A-Za-z0-9._~+/=-]+' "$_ptok" || die "token server $_prealm: no usable token in the answer"
	auth_set "Bearer $_ptok"
}

# auth_set VALUE: the Authorization header for the next requests (replaced atomically: workers share it).
auth_set() {
	_paf=$(mktemp "$P_W/auth.XXXXXX") || die "$P_W: cannot write"
	printf 'Authorization: %s\n' "$1" >"$_paf" && mv -f "$_paf" "$P_W/auth.hdr" || die "$P_W: cannot write"
}

# auth_lookup REGISTRY: print the stored credentials (base64 user:password) for REGISTRY, if any:
# from `ctr.sh login` ($CTR_ROOT/auth.json), else from docker's config.json ($DOCKER_CONFIG or ~/.docker).
auth_lookup() {
	for _pf in "$CTR_ROOT/auth.json" "${DOCKER_CONFIG:-${HOME:-/root}/.docker}/config.json"; do
		[ -f "$_pf" ] || continue
		_pa=$(jq -r --arg r "$1" '.auths // {} | to_entries[]
			| select(.key | sub("^https?://"; "") | sub("/.*$"; "")
				| if . == "index.docker.io" or . == "registry-1.docker.io" then "docker.io" else . end
				| . == $r)
			| .value | .auth // (if .username then "\(.username):\(.password // "")" | @base64 else empty end)' \
			"$_pf" 2>/dev/null | head -n 1)
		[ -n "$_pa" ] || continue
		p_re '[A-Za-z0-9+/]+=*' "$_pa" || die "$_pf: credentials for $1 are not base64"
		printf '%s\n' "$_pa"
		return 0
	done
}

# ---------------------------------------------------------------- limits

# p_limits: the limits of a pull or load, from the environment: P_MAXLAYERS (CTR_MAX_LAYERS, 128 as
# docker's overlay2: an image of more layers cannot run there either) and P_MAXSIZE (bytes of
# CTR_MAX_IMAGE_SIZE, 10G: half the default pool; the few images beyond it, CUDA or ML ones, need more).
p_limits() {
	P_MAXLAYERS=${CTR_MAX_LAYERS:-128} P_MAXSIZE_S=${CTR_MAX_IMAGE_SIZE:-10G}
	case $P_MAXLAYERS in '' | *[!0-9]* | 0*) die "CTR_MAX_LAYERS=$P_MAXLAYERS: want a number of layers (1 or more)" ;; esac
	[ ${#P_MAXLAYERS} -le 9 ] || die "CTR_MAX_LAYERS=$P_MAXLAYERS: too large"
	_pm=1 _pv=$P_MAXSIZE_S
	case $_pv in *[kK]) _pm=1024 ;; *[mM]) _pm=1048576 ;; *[gG]) _pm=1073741824 ;; *[tT]) _pm=1099511627776 ;; esac
	[ "$_pm" = 1 ] || _pv=${_pv%?}
	case $_pv in '' | *[!0-9]* | 0*) die "CTR_MAX_IMAGE_SIZE=$P_MAXSIZE_S: want a size (bytes, or a number and K, M, G or T)" ;; esac
	[ ${#_pv} -le 18 ] && [ "$_pv" -le $((4611686018427387904 / _pm)) ] || die "CTR_MAX_IMAGE_SIZE=$P_MAXSIZE_S: too large"
	P_MAXSIZE=$((_pv * _pm))
}

# p_size WHAT SIZE MAX LIMIT: SIZE (a descriptor's) must be a number of bytes up to MAX (LIMIT names it).
p_size() {
	case $2 in '' | *[!0-9]* | 0?*) die "$P_WHAT: $1: bad size '$2'" ;; esac
	[ ${#2} -le 18 ] && [ "$2" -le "$3" ] || die "$P_WHAT: $1: $2 bytes, more than $4"
}

# ---------------------------------------------------------------- blob cache

# is_digest STRING: sha256:<64 lowercase hex> (checked without forking: it runs for every blob).
is_digest() {
	case $1 in sha256:*) ;; *) return 1 ;; esac
	case ${1#sha256:} in *[!0-9a-f]*) return 1 ;; esac
	[ ${#1} -eq 71 ]
}

# blob_path DIGEST: where the blob lives in the cache (DIGEST must be sha256:<64 hex>).
blob_path() {
	is_digest "$1" || die "digest '$1': unsupported (want sha256:<64 hex>)"
	printf '%s/blobs/sha256/%s\n' "$CTR_BTRFS" "${1#sha256:}"
}

# blob_store FILE DIGEST [SIZE]: move FILE into the cache if its size and sha256 match.
blob_store() {
	_pb=$(blob_path "$2") || exit 125
	if [ -n "${3:-}" ] && [ "$(stat -c %s "$1")" != "$3" ]; then
		die "blob $2: $(stat -c %s "$1") bytes, the manifest says $3 (truncated or corrupt download)"
	fi
	_ps=sha256:$(sha256sum <"$1" | cut -d' ' -f1)
	[ "$_ps" = "$2" ] || die "blob $2: content does not match its digest (it hashes to $_ps)"
	mkdir -p "$CTR_BTRFS/blobs/sha256" && mv -f "$1" "$_pb" || die "$_pb: cannot store"
}

# blob_fetch DIGEST SIZE WHAT [N]: download a blob of $REF_REPO into the cache (unless it is there): the
# download stops after SIZE+1 bytes (SIZE is its descriptor's). WHAT (layer, config) names it in errors;
# N (the layer's index) names the download: an image may list one layer twice, two workers fetch it.
blob_fetch() {
	_pb=$(blob_path "$1") || exit 125
	[ -f "$_pb" ] && return 0
	_pp=$P_W/${1#sha256:}${4:+.$4}.part
	reg_get "/v2/$REF_REPO/blobs/$1" "$_pp" '*/*' "$2" || die "$P_WHAT: $3 $1: larger than the manifest's $2 bytes"
	[ "$P_CODE" = 200 ] || die "blob $1: $(http_error "$_pp")"
	blob_store "$_pp" "$1" "$2"
}

# blob_gc: remove cached blobs that no image refers to (manifest, config or layer; the layers a
# push made of an image, recorded in images/ID/layer.COMPRESSION: layers.sh).
blob_gc() {
	[ -d "$CTR_BTRFS/blobs/sha256" ] || return 0
	# a list cut short (a full pool) would remove blobs in use: then nothing goes
	{
		cat "$CTR_ROOT"/images/*/config.json 2>/dev/null | jq -r '(.digest, .config_digest, (.layers // [])[]) // empty'
		cat "$CTR_ROOT"/images/*/layer.* 2>/dev/null | cut -d' ' -f1
	} | sort -u 2>/dev/null >"$CTR_BTRFS/blobs/.keep" || { rm -f "$CTR_BTRFS/blobs/.keep"; return 0; }
	for _pb in "$CTR_BTRFS"/blobs/sha256/*; do
		[ -f "$_pb" ] || continue
		grep -qx "sha256:${_pb##*/}" "$CTR_BTRFS/blobs/.keep" || rm -f "$_pb"
	done
	rm -f "$CTR_BTRFS/blobs/.keep"
}

# ---------------------------------------------------------------- manifests

# manifest_get TAG|DIGEST [SIZE]: fetch a manifest of $REF_REPO (at most $P_MAX_DOC bytes, or SIZE: an
# index's descriptor), check it against its digest (the one asked for, and Docker-Content-Digest when
# sent), store it. Sets P_MDIGEST, P_MTYPE, P_MFILE.
manifest_get() {
	_pf=$P_W/manifest
	_pz=${2:-$P_MAX_DOC}
	reg_get "/v2/$REF_REPO/manifests/$1" "$_pf" "$P_ACCEPT" "$_pz" ||
		die "$P_WHAT: manifest: larger than $([ -n "${2:-}" ] && echo "the index's $2 bytes" || echo 4 MiB)"
	[ "$P_CODE" = 200 ] || die "$REF_FULL: manifest: $(http_error "$_pf")"
	P_MDIGEST=sha256:$(sha256sum <"$_pf" | cut -d' ' -f1)
	case $1 in sha256:*) [ "$1" = "$P_MDIGEST" ] ||
		die "manifest $1: content does not match the digest (it hashes to $P_MDIGEST)" ;;
	esac
	_pd=$(header docker-content-digest "$_pf.h")
	case $_pd in sha256:*) [ "$_pd" = "$P_MDIGEST" ] ||
		die "manifest: Docker-Content-Digest $_pd does not match its content ($P_MDIGEST)" ;;
	esac
	P_MTYPE=$(manifest_type "$_pf" "$(header content-type "$_pf.h")") || exit 125
	blob_store "$_pf" "$P_MDIGEST" "${2:-}"
	P_MFILE=$(blob_path "$P_MDIGEST")
}

# manifest_type FILE [CONTENT-TYPE]: its media type: the mediaType field, else the Content-Type,
# else guessed from the fields (OCI allows leaving mediaType out).
manifest_type() {
	_pt=$(jq -r 'if type != "object" then "!" else .mediaType // "" end' "$1" 2>/dev/null) ||
		die "manifest: not JSON"
	[ "$_pt" != '!' ] || die "manifest: not a JSON object"
	[ -n "$_pt" ] || _pt=${2:-}
	_pt=${_pt%%;*}
	case $_pt in '' | application/json | text/plain)
		_pt=$(jq -r 'if .manifests then "'$P_MT_OCI_I'" elif .layers then "'$P_MT_OCI_M'" else "" end' "$1") ;;
	esac
	printf '%s\n' "$_pt"
}

# manifest_resolve TAG|DIGEST: fetch the manifest; from an index or list, pick $P_PLATFORM and fetch
# that one. Ends with P_MFILE, P_MDIGEST, P_MTYPE describing an image manifest.
manifest_resolve() {
	manifest_get "$1"
	for _pn in 1 2 3; do
		case $P_MTYPE in
		"$P_MT_OCI_M" | "$P_MT_DOCKER_M") return 0 ;;
		"$P_MT_OCI_I" | "$P_MT_DOCKER_L")
			_pd=$(index_pick "$P_MFILE" "$P_PLATFORM") || exit 125
			manifest_get "${_pd% *}" "${_pd#* }"
			;;
		application/vnd.docker.distribution.manifest.v1*)
			die "$REF_FULL: schema 1 manifests are not supported (push the image again with a current client)" ;;
		*) die "$REF_FULL: not a container image (manifest type '$P_MTYPE')" ;;
		esac
	done
	die "$REF_FULL: index nested too deep"
}

# index_pick FILE OS/ARCH[/VARIANT]: "DIGEST SIZE" of the index entry for that platform (SIZE checked).
index_pick() {
	_pd=$(jq -r --arg p "$2" '($p | split("/")) as [$os, $arch, $v] | [.manifests[]
		| select(.platform.os == $os and .platform.architecture == $arch and ($v == null
			or (.platform.variant // "") == $v or ($arch == "arm64" and $v == "v8" and .platform.variant == null)))
		][0] // empty | "\(.digest) \((.size | numbers) // "-")"' "$1") || die "index: not valid"
	[ -z "$_pd" ] || is_digest "${_pd% *}" || die "index: bad digest '${_pd% *}'"
	[ -n "$_pd" ] || die "$REF_FULL: no image for $2 (the index has: $(jq -r '[.manifests[].platform // {}
		| "\(.os)/\(.architecture)\(if .variant then "/" + .variant else "" end)"] | join(", ")' "$1"))"
	p_size "manifest ${_pd% *}" "${_pd#* }" "$P_MAX_DOC" "the 4 MiB limit"
	printf '%s\n' "$_pd"
}

# host_platform: linux/<GOARCH>[/variant] of this machine, as registries name it.
host_platform() {
	case $(uname -m) in
	x86_64) echo linux/amd64 ;;
	aarch64 | arm64) echo linux/arm64 ;;
	armv7*) echo linux/arm/v7 ;;
	armv6*) echo linux/arm/v6 ;;
	i?86) echo linux/386 ;;
	ppc64le) echo linux/ppc64le ;;
	s390x) echo linux/s390x ;;
	riscv64) echo linux/riscv64 ;;
	mips64) echo linux/mips64le ;;
	*) echo "linux/$(uname -m)" ;;
	esac
}

# P_CFG_JQ: jq definition of cfg_bad: the first field of an image config's run settings (.config) that
# is not of the type docker's config has (its JSON decoder refuses the image then), else nothing.
# A value of another type would reach the shell as several words where one is meant (build's FROM
# reads the record as @sh words: a WorkingDir array was a command run on the host).
# shellcheck disable=SC2016 # jq's $, not the shell's
P_CFG_JQ='def cfg_bad: (.config // {}) as $k
	| if ($k | type) != "object" then "config" else
	  first((["Cmd", "Entrypoint", "Env", "Shell", "OnBuild"][] as $f
		| select(($k[$f] // []) | type != "array" or any(.[]; type != "string")) | $f),
		(["WorkingDir", "User", "StopSignal"][] as $f | select(($k[$f] // "") | type != "string") | $f),
		(["ExposedPorts", "Volumes", "Healthcheck"][] as $f | select(($k[$f] // {}) | type != "object") | $f),
		("Labels" | select(($k.Labels // {}) | type != "object" or any(.[]; type != "string"))))
	  end // empty;'

# manifest_layers: check the image manifest P_MFILE and its config, write $P_W/layers ("digest size"
# per layer, bottom first) and $P_W/diffids (the config's uncompressed digests, same order).
manifest_layers() {
	jq -r '.layers // [] | .[] | "\(.digest) \((.size | numbers) // "-") \(.mediaType // "")"' "$P_MFILE" >"$P_W/layers.t" ||
		die "manifest $P_MDIGEST: not valid"
	_pn=0 _pz=0
	while read -r _pd _ps _pt; do
		_pn=$((_pn + 1))
		[ "$_pn" -le "$P_MAXLAYERS" ] ||
			die "$P_WHAT: $(wc -l <"$P_W/layers.t") layers, more than CTR_MAX_LAYERS ($P_MAXLAYERS)"
		case $_pt in *tar* | '') ;; *) die "layer $_pd: unsupported media type $_pt" ;; esac
		case $_pt in *foreign* | *nondistributable*) die "layer $_pd: foreign layers are not supported" ;; esac
		p_size "layer $_pd" "$_ps" "$P_MAXSIZE" "CTR_MAX_IMAGE_SIZE ($P_MAXSIZE_S)"
		_pz=$((_pz + _ps))
		[ "$_pz" -le "$P_MAXSIZE" ] ||
			die "$P_WHAT: layers of more than CTR_MAX_IMAGE_SIZE ($P_MAXSIZE_S) to download"
		blob_path "$_pd" >/dev/null || exit 125
		printf '%s %s\n' "$_pd" "$_ps"
	done <"$P_W/layers.t" >"$P_W/layers" || exit 125
	jq -r "$P_CFG_JQ"'if (.os // "linux") != "linux" then "!" else (cfg_bad | "?\(.)"), (.rootfs.diff_ids // [])[] end' \
		"$(blob_path "$P_CDIGEST")" >"$P_W/diffids" 2>/dev/null || die "image config: not valid"
	! grep -qx '!' "$P_W/diffids" || die "image config: not a linux image"
	_pcb=$(sed -n '1s/^?//p' "$P_W/diffids")
	[ -z "$_pcb" ] || die "image config: config.$_pcb: not of its type (docker's: strings, arrays of strings, objects)"
	_pnd=$(wc -l <"$P_W/diffids") _pnl=$(wc -l <"$P_W/layers")
	[ "$_pnd" = "$_pnl" ] || die "image config: $_pnd diff_ids for $_pnl layers"
}

# manifest_config: the config descriptor of P_MFILE (P_CDIGEST, P_CSIZE), which must be an image config.
manifest_config() {
	read -r P_CDIGEST P_CSIZE _pct <<EOF
$(jq -r '.config // {} | "\(.digest // "-") \((.size | numbers) // "-") \(.mediaType // "-")"' "$P_MFILE")
EOF
	case $_pct in
	application/vnd.oci.image.config.v1+json | application/vnd.docker.container.image.v1+json | -) ;;
	*) die "$REF_FULL: not a container image (config type $_pct)" ;;
	esac
	blob_path "$P_CDIGEST" >/dev/null || exit 125
	p_size "config $P_CDIGEST" "$P_CSIZE" "$P_MAX_DOC" "the 4 MiB limit"
}

# ---------------------------------------------------------------- layers

# layer_jail ROOT APPLET ARG...: run a busybox applet with ROOT as its root directory. It runs in a
# private mount namespace where the static busybox is bind-mounted read-only on ROOT/$P_BB (the only
# host file it can see), with no_new_privs and a bounding set without CAP_MKNOD (no device nodes),
# CAP_SYS_ADMIN (no mounts) and the rest: absolute paths, .. and symlinks all resolve inside ROOT.
# Nothing from ROOT is executed or loaded: busybox is static, and applets are called by path.
# umask 022: directories tar makes for entries the layer does not list get 0755, as with docker.
layer_jail() {
	layer_jail_bin "$P_BUSYBOX" '' "$@"
}

# layer_jail_bin BINARY CAPS ROOT ARG...: the same jail for another static BINARY (on ROOT/$P_BB in
# its own mount namespace), the bounding set with CAPS too (,+cap...).
layer_jail_bin() {
	_pjb=$1 _pjc=$2 _pjr=$3
	shift 3
	# shellcheck disable=SC2016 # a fixed script; the data comes in as $1...
	unshare -m --propagation private -- sh -c 'mount --bind -o ro "$1" "$2/$3" || exit 125
		r=$2 b=$3 c=$4
		shift 4
		umask 022
		exec setpriv --no-new-privs --bounding-set=-all,+chown,+dac_override,+fowner,+fsetid,+sys_chroot$c \
			-- chroot "$r" "/$b" "$@"' layer-jail "$_pjb" "$_pjr" "$P_BB" "$_pjc" "$@"
}

# p_tarx: P_TARX, the ctr-tar that sets xattrs in the jail: static, as busybox ($CTR_LIBEXEC's, or
# the build's when that one is a sanitizer build).
p_tarx() {
	P_TARX=$CTR_LIBEXEC/ctr-tar
	ldd "$P_TARX" >/dev/null 2>&1 && P_TARX=$CTR_HOME/build/ctr-tar
	[ -x "$P_TARX" ] || die "$P_TARX: not built (run make in $CTR_HOME)"
	! ldd "$P_TARX" >/dev/null 2>&1 || die "$P_TARX: must be statically linked"
}

# layer_cat BLOB: the layer's tar on stdout (gzip, zstd or plain, by its magic bytes).
layer_cat() {
	case $(od -An -tx1 -N4 "$1" | tr -d ' \n') in
	1f8b*) gzip -dc <"$1" ;;
	28b52ffd) need zstd zstd && zstd -dcq <"$1" ;;
	*) cat <"$1" ;;
	esac
}

# layer_scan BLOB DIFFID P: list the layer (reading only, on the host) into P.names and check that
# its uncompressed bytes hash to DIFFID; then sort its whiteouts into P.rm (paths to remove), P.opq
# (directories to empty) and P.mark (the .wh. entries themselves). Runs in the download workers.
# Decompression stops after $P_MAXSIZE+1 bytes (dd counts them; a gzip bomb is never unpacked whole):
# P.size gets the layer's unpacked size, which layers_unpack adds up before it writes anything.
# ctr-tar reads the same bytes: P.xattrs gets the plan of the xattrs its entries carry.
layer_scan() {
	rm -f "$3.fifo" "$3.xfifo" && mkfifo "$3.fifo" "$3.xfifo" || die "$3.fifo: cannot create"
	sha256sum <"$3.fifo" >"$3.diffid" &
	_pp=$!
	"$CTR_LIBEXEC/ctr-tar" xattrs <"$3.xfifo" >"$3.xattrs" 2>"$3.xerr" &
	_px=$!
	layer_cat "$1" | LC_ALL=C dd bs=64K iflag=fullblock,count_bytes count="$((P_MAXSIZE + 1))" 2>"$3.dd" |
		tee "$3.fifo" "$3.xfifo" | {
		tar -tv --numeric-owner -f - >"$3.names" 2>"$3.err"
		echo $? >"$3.rc"
		cat >/dev/null
	}
	wait "$_pp"
	wait "$_px"
	_pxr=$?
	_psz=''
	while read -r _psn _psw _; do
		[ "$_psw" != bytes ] || _psz=$_psn
	done <"$3.dd"
	case $_psz in '' | *[!0-9]*)
		# ctr-tar refused the layer and stopped reading: tee, then dd, died of SIGPIPE
		[ "$_pxr" = 0 ] || die "layer ${1##*/}: $(sed -n '1s/^ctr-tar: //p' "$3.xerr")"
		die "layer ${1##*/}: cannot read: $(cat "$3.dd")" ;;
	esac
	[ "$_psz" -le "$P_MAXSIZE" ] ||
		die "$P_WHAT: layer sha256:${1##*/}: more than CTR_MAX_IMAGE_SIZE ($P_MAXSIZE_S) unpacked"
	echo "$_psz" >"$3.size"
	read -r _psrc <"$3.rc"
	[ "$_psrc" = 0 ] || die "layer ${1##*/}: not a valid tar: $(head -n 1 "$3.err")"
	[ "sha256:$(cut -d' ' -f1 "$3.diffid")" = "$2" ] ||
		die "layer ${1##*/}: uncompressed content does not match the config's diff_id $2"
	[ "$_pxr" = 0 ] || die "layer ${1##*/}: $(sed -n '1s/^ctr-tar: //p' "$3.xerr")"
	awk -v W="$3.rm" -v O="$3.opq" -v M="$3.mark" -v T="$3.types" -v S="$3.files" '
		BEGIN { printf "" > W; printf "" > O; printf "" > M; printf "" > T }
		{ ty = substr($0, 1, 1); n = $0; if (ty == "-") files += $3; sub(/^[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ /, "", n)
		  if (ty == "l") sub(/ -> .*$/, "", n); else if (ty == "h") sub(/ link to .*$/, "", n)
		  sub(/^(\.?\/)+/, "", n); sub(/\/+$/, "", n); b = n; sub(/^.*\//, "", b) }
		substr(b, 1, 4) != ".wh." {
			if (n != "" && !index(n, "\\") && n !~ /(^|\/)\.\.(\/|$)/) print (ty == "d" ? "d" : "n"), "/" n > T
			next }
		{ t = substr(b, 5); d = substr(n, 1, length(n) - length(b)) }
		index(n, "\\") || n ~ /(^|\/)\.\.?(\/|$)/ || t == "" || t == "." || t == ".." {
			print "ctr: layer: unsupported whiteout name: " $0 > "/dev/stderr"; bad = 1; exit }
		{ print "/" n > M }
		b == ".wh..wh..opq" { print "/" d > O; next }
		{ print "/" d t > W }
		END { printf "%.0f\n", files > S; exit bad }' "$3.names" || die "layer ${1##*/}: bad whiteout"
	rm -f "$3.names" "$3.fifo" "$3.xfifo"
}

# layer_replace ROOT P: list in P.repl (NUL-separated) what this layer gives another type, to be
# removed first as docker does: a directory where the layer has a file, link or device; a
# non-directory (a symlink too) where it has a directory. Tested on the host (stat only).
layer_replace() {
	while IFS= read -r _plr; do
		_plp=$1${_plr#? }
		case $_plr in
		d*) [ -L "$_plp" ] || { [ -e "$_plp" ] && [ ! -d "$_plp" ]; } || continue ;;
		*) [ -d "$_plp" ] && [ ! -L "$_plp" ] || continue ;;
		esac
		printf '%s\0' "${_plr#? }"
	done <"$2.types" >"$2.repl"
}

# layer_apply ROOT BLOB P: apply one scanned layer onto ROOT: first remove what its whiteouts hide
# and what it gives another type, empty its opaque directories, then extract it (no more bytes than
# layer_scan counted), then remove the .wh. markers the tar wrote. Every change to ROOT happens
# inside layer_jail.
layer_apply() {
	layer_replace "$1" "$3"
	if [ -s "$3.rm" ] || [ -s "$3.repl" ]; then
		{ tr '\n' '\0' <"$3.rm"; cat "$3.repl"; } | layer_jail "$1" xargs -0 -r "/$P_BB" rm -rf -- ||
			die "layer ${2##*/}: cannot apply whiteouts"
	fi
	while IFS= read -r _pod; do
		layer_jail "$1" find "$_pod" -mindepth 1 -maxdepth 1 ! -path "/$P_BB" -exec "/$P_BB" rm -rf -- '{}' + \
			</dev/null || die "layer ${2##*/}: cannot empty $_pod (opaque whiteout)"
	done <"$3.opq"
	read -r _pas <"$3.size"
	layer_cat "$2" | head -c "$_pas" | layer_jail "$1" tar -x -f - -C / --numeric-owner 2>"$3.err" ||
		die "layer ${2##*/}: cannot unpack: $(tail -n 1 "$3.err")"
	# what the jail refused (device nodes) or rewrote (leading /, ..) is worth a warning
	sed 's/^/ctr: warning: layer: /' "$3.err" >&2
	if [ -s "$3.xattrs" ]; then
		[ -n "${P_TARX:-}" ] || p_tarx
		layer_jail_bin "$P_TARX" ,+setfcap "$1" apply <"$3.xattrs" 2>"$3.err" ||
			die "layer ${2##*/}: cannot set xattrs: $(sed -n '$s/^ctr-tar: //p' "$3.err")"
		sed 's/^ctr-tar: /ctr: warning: layer: /' "$3.err" >&2
	fi
	if [ -s "$3.mark" ]; then
		tr '\n' '\0' <"$3.mark" | layer_jail "$1" xargs -0 -r "/$P_BB" rm -rf -- ||
			die "layer ${2##*/}: cannot remove whiteout markers"
	fi
}

# layers_download: start $P_PARALLEL background workers that fetch and scan the layers.
layers_download() {
	[ -x "$CTR_LIBEXEC/ctr-tar" ] || die "$CTR_LIBEXEC/ctr-tar: not built (run make in $CTR_HOME)"
	_pk=0
	while [ "$_pk" -lt "$P_PARALLEL" ]; do
		layers_worker "$_pk" 2>"$P_W/worker.$_pk.err" &
		P_PIDS="$P_PIDS $!"
		_pk=$((_pk + 1))
	done
}

# layers_worker K: for the layers whose index is K modulo $P_PARALLEL, lowest first: download the
# blob unless it is cached, then scan it (layer_scan); $P_W/st/I.ready tells layers_unpack.
layers_worker() {
	_pi=0
	while read -r _pd _ps; do
		_pi=$((_pi + 1))
		[ $(((_pi - 1) % P_PARALLEL)) = "$1" ] || continue
		_pst=got
		if [ -f "$(blob_path "$_pd")" ]; then
			_pst=have
		else
			p_state "$_pi" down "$_pd"
			(blob_fetch "$_pd" "$_ps" layer "$_pi") 2>"$P_W/st/$_pi.err" || { p_state "$_pi" fail "$_pd"; return 1; }
			p_state "$_pi" scan "$_pd"
		fi
		(layer_scan "$(blob_path "$_pd")" "$(sed -n "${_pi}p" "$P_W/diffids")" "$P_W/l$_pi") \
			2>"$P_W/st/$_pi.err" || { p_state "$_pi" fail "$_pd"; return 1; }
		p_state "$_pi" "$_pst" "$_pd"
		: >"$P_W/st/$_pi.ready"
	done <"$P_W/layers"
}

# layers_unpack ROOT: apply the layers in order as soon as each one is downloaded and scanned, as long
# as their unpacked sizes add up to no more than $P_MAXSIZE.
layers_unpack() {
	_pi=0 _puz=0
	while read -r _pd _ps <&3; do
		_pi=$((_pi + 1))
		while [ ! -f "$P_W/st/$_pi.ready" ]; do
			_pust=''
			[ ! -f "$P_W/st/$_pi" ] || read -r _pust <"$P_W/st/$_pi"
			[ "$_pust" != fail ] || die "$(sed 's/^ctr: //' "$P_W/st/$_pi.err")"
			sleep 0.05
		done
		read -r _pus <"$P_W/l$_pi.size"
		_puz=$((_puz + _pus))
		[ "$_puz" -le "$P_MAXSIZE" ] || die "$P_WHAT: more than CTR_MAX_IMAGE_SIZE ($P_MAXSIZE_S) unpacked"
		p_state "$_pi" ext "$_pd"
		layer_apply "$1" "$(blob_path "$_pd")" "$P_W/l$_pi"
		p_state "$_pi" 'done' "$_pd"
	done 3<"$P_W/layers"
}

# p_state I STATE DIGEST: record layer I's state (a pull's: wait down scan have got fail ext done; a
# push's: prep push pushed exists mounted); print it when the output is not a terminal (on a
# terminal, p_draw shows it). A push's pushing is not printed (only drawn).
p_state() {
	if [ -z "$P_TTY$P_QUIET" ] && [ "$2" != push ]; then
		case $2 in
		down) _pmsg='Pulling fs layer' ;; scan) _pmsg='Verifying Checksum' ;; have) _pmsg='Already exists' ;;
		got) _pmsg='Download complete' ;; ext) _pmsg=Extracting ;; 'done') _pmsg='Pull complete' ;;
		prep) _pmsg=Preparing ;; pushed) _pmsg=Pushed ;; exists) _pmsg='Layer already exists' ;;
		mounted) _pmsg="Mounted from $P_FROM" ;; *) _pmsg=Failed ;;
		esac
		printf '%.12s: %s\n' "${3#sha256:}" "$_pmsg"
	fi
	printf '%s\n' "$2" >"$P_W/st/$1"
}

# p_fmt: format "digest state bytes total" lines as docker does.
p_fmt() {
	awk -v from="${P_FROM:-}" 'function h(b) { if (b >= 1e9) return sprintf("%.2fGB", b / 1e9)
			if (b >= 1e6) return sprintf("%.1fMB", b / 1e6)
			if (b >= 1e3) return sprintf("%.1fkB", b / 1e3); return b "B" }
		BEGIN { m["wait"] = "Waiting"; m["down"] = "Pulling fs layer"; m["scan"] = "Verifying Checksum"
			m["have"] = "Already exists"; m["got"] = "Download complete"; m["fail"] = "Failed"
			m["ext"] = "Extracting"; m["done"] = "Pull complete"; m["prep"] = "Preparing"
			m["push"] = "Pushing"; m["pushed"] = "Pushed"; m["exists"] = "Layer already exists"
			m["mounted"] = "Mounted from " from }
		{ s = substr($1, 8, 12); t = m[$2]
		  if (($2 == "down" || $2 == "push") && $4 > 0) {
			f = int(30 * $3 / $4); bar = ""
			for (i = 0; i < 30; i++) bar = bar (i < f ? "=" : (i == f ? ">" : " "))
			t = sprintf("%-12s [%s]  %s/%s", $2 == "down" ? "Downloading" : "Pushing", bar, h($3), h($4)) }
		  printf "\r\033[K%s: %s\n", s, t }'
}

# p_draw: on a terminal, redraw the layer lines every 0.2 s until $P_W/st/stop appears.
p_draw() {
	_pn=$(wc -l <"$P_W/layers")
	_pfirst=1
	while :; do
		_pstop=''
		[ ! -f "$P_W/st/stop" ] || _pstop=1
		[ -n "$_pfirst" ] || [ "$_pn" = 0 ] || printf '\033[%sA' "$_pn"
		_pfirst=''
		_pi=0
		while read -r _pd _ps; do
			_pi=$((_pi + 1))
			printf '%s %s %s %s\n' "$_pd" "$(cat "$P_W/st/$_pi" 2>/dev/null || echo wait)" \
				"$(cat "$P_W/st/$_pi.n" 2>/dev/null || stat -c %s "$P_W/${_pd#sha256:}.$_pi.part" 2>/dev/null || echo 0)" "$_ps"
		done <"$P_W/layers" | p_fmt
		[ -z "$_pstop" ] || return 0
		sleep 0.2
	done
}

# ---------------------------------------------------------------- building an image

# p_begin: set up the pool and the blob cache; from here on, p_undo cleans up on any exit.
p_begin() {
	need jq jq
	pool_ensure
	trap 'p_undo' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	mkdir -p "$CTR_BTRFS/blobs/sha256" && chmod 700 "$CTR_BTRFS/blobs" || die "$CTR_BTRFS/blobs: cannot create"
}

# p_new VERB: a new image directory $P_TMP ($CTR_ROOT/tmp/VERB-<id>, renamed to images/<id> when
# complete; `cleanup` removes it if we are killed), its tree $P_TREE in the pool, and a private
# work directory $P_W (in the pool too: downloads are bulk).
p_new() {
	P_ID=$(new_id)
	while [ -e "$CTR_ROOT/images/$P_ID" ]; do P_ID=$(new_id); done
	P_TMP=$CTR_ROOT/tmp/$1-$P_ID
	tree_of tmp "$1-$P_ID"
	P_TREE=$TREE P_W=$TREE_DIR/w
	mkdir "$P_TMP" || die "$P_TMP: cannot create"
	# held (fd 7, inherited by our children) while we work: how `cleanup` can tell a live pull from a dead one
	work_lock 7 "$P_TMP"
	(umask 077 && mkdir -p "$P_W/st" && : >"$P_W/auth.hdr") || die "$P_W: cannot create"
}

# p_work VERB: the work directory of a save or load: $P_WORK ($CTR_ROOT/tmp/VERB-<id>, its lock held
# on fd 6 while we work) and $P_DATA, its files (in the pool: a layout or an archive is bulk).
p_work() {
	P_WORK=$CTR_ROOT/tmp/$1-$(new_id)
	tree_of tmp "${P_WORK##*/}"
	P_DATA=$TREE_DIR
	(umask 077 && mkdir "$P_WORK") || die "$P_WORK: cannot create"
	work_lock 6 "$P_WORK"
	(umask 077 && mkdir "$P_DATA") || die "$P_DATA: cannot create"
}

# p_undo: (EXIT trap) stop the workers and the progress display, remove the half-made image and
# the work directory $P_WORK; after a failure, the blobs no image refers to.
p_undo() {
	_prc=$?
	trap - EXIT INT TERM HUP
	for _pp in $P_PIDS; do
		! kill -0 "$_pp" 2>/dev/null || p_killtree "$_pp"
	done
	wait 2>/dev/null
	if [ -n "$P_TMP" ] && [ -d "$P_TMP" ]; then
		subvol_rm "$P_TREE"
		rm -rf "${P_TREE%/rootfs}" "$P_TMP"
	fi
	[ -z "$P_WORK" ] || rm -rf "$P_DATA" "$P_WORK"
	# a failure keeps no blob that no image uses (unless another pull or load is at work)
	[ "$_prc" = 0 ] || tmp_busy || blob_gc
	exit "$_prc"
}

# p_killtree PID: kill PID and all its descendants (a worker, its subshells, curl, a jail). Each
# generation is frozen (SIGSTOP) before its children are listed, so none can fork behind our back;
# then all die at once.
p_killtree() {
	_pall=''
	_pnew=$1
	while [ -n "$_pnew" ]; do
		# shellcheck disable=SC2086 # lists of PIDs
		kill -STOP $_pnew 2>/dev/null
		_pall="$_pall $_pnew"
		_pnew=$(ps -e -o pid= -o ppid= | awk -v p=" $_pnew " 'index(p, " " $2 " ") { print $1 }')
	done
	# shellcheck disable=SC2086
	kill -KILL $_pall 2>/dev/null
}

# image_build NAME SOURCE: build the image of P_MFILE (layers from the cache, or being downloaded)
# in $P_TMP, then name it NAME. Sets P_ID.
image_build() {
	need unshare util-linux
	need setpriv util-linux
	need gzip gzip
	[ ! -s "$P_W/layers" ] || p_busybox
	btrfs subvolume create "$P_TREE" >/dev/null || die "$P_TREE: cannot create subvolume"
	P_BB=busybox-ctr-$(new_id)
	: >"$P_TREE/$P_BB" || die "$P_TREE: cannot write"
	if [ -n "$P_TTY" ]; then
		p_draw &
		P_PIDS="$P_PIDS $!"
	fi
	layers_unpack "$P_TREE"
	if [ -n "$P_TTY" ]; then
		: >"$P_W/st/stop"
		wait "${P_PIDS##* }"
	fi
	rm -f "$P_TREE/$P_BB"
	# belt and braces: the jail cannot make device nodes; there must be none
	find "$P_TREE" -xdev \( -type b -o -type c \) -print -delete | sed 's/^/ctr: warning: removed device node /' >&2
	image_config "$1" "$2" >"$P_TMP/config.json" || die "$P_TMP/config.json: cannot write"
	image_install "$1"
}

# p_busybox: the static busybox that unpacks layers ($CTR_UNTAR_BUSYBOX, default: busybox in PATH).
p_busybox() {
	P_BUSYBOX=${CTR_UNTAR_BUSYBOX:-$(command -v busybox)} || die "busybox: not found (apt-get install busybox-static)"
	ldd "$P_BUSYBOX" >/dev/null 2>&1 && die "$P_BUSYBOX: must be statically linked (apt-get install busybox-static)"
	return 0
}

# image_config NAME SOURCE: the image's config.json (what run uses) from the OCI/docker image config
# (the run settings, labels, volumes, stop signal, healthcheck as a build records them);
# layer_sizes: the bytes of the files of each layer (layer_scan's sums: docker history's SIZE).
image_config() {
	_pzi=1 _pzl=''
	while read -r _pzs 2>/dev/null <"$P_W/l$_pzi.files"; do
		_pzl=$_pzl${_pzl:+,}$_pzs _pzi=$((_pzi + 1))
	done
	jq -n --arg id "$P_ID" --arg name "$1" --arg src "$2" --arg md "$P_MDIGEST" --arg mt "$P_MTYPE" \
		--arg now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --slurpfile m "$P_MFILE" --argjson sizes "[$_pzl]" \
		--slurpfile c "$(blob_path "$P_CDIGEST")" \
		'$c[0] as $c | ($c.config // {}) as $k | {id: $id, name: $name, source: $src,
		  created: (($c.created // $now) | sub("\\.[0-9]+"; "")),
		  cmd: ($k.Cmd // []), entrypoint: ($k.Entrypoint // []), env: ($k.Env // []),
		  workdir: ($k.WorkingDir // ""), user: ($k.User // ""), labels: ($k.Labels // {}),
		  exposed_ports: (($k.ExposedPorts // {}) | keys), volumes: (($k.Volumes // {}) | keys),
		  stop_signal: ($k.StopSignal // "")}
		+ (if $k.Healthcheck then {healthcheck: $k.Healthcheck} else {} end)
		+ {digest: $md, media_type: $mt, config_digest: $m[0].config.digest,
		  layers: [$m[0].layers[].digest], layer_sizes: $sizes,
		  platform: "\($c.os // "linux")/\($c.architecture // "")\(if $c.variant then "/" + $c.variant else "" end)"}'
}

# image_volumes WORK TREE: (an image being made: pull, load, commit, build) check the paths of the
# new image's Volumes (WORK/config.json's volumes, from its image config: hostile) and write those
# run makes a volume for, cleaned, one a line, to WORK/volumes (none: no file; vol_image reads it,
# so run costs an image without volumes nothing). Each must be absolute, without '..', a control
# character or ':', not / and not resolve to the image's / (TREE; a symlink resolved inside it);
# dies otherwise (the image is not made).
# shellcheck disable=SC2016,SC2154 # jq's $; _sr: sec_resolve's
image_volumes() {
	_ivl=$(jq -r '(.volumes // []) | if type != "array" then "bad\tnot a list"
		else .[] | if type != "string" then "bad\t\(tojson): not a string"
		elif explode | any(.[]; . < 32 or . == 127 or . == 58) then "bad\t\(tojson): a control character or a colon is not supported"
		else "ok\t\(.)" end end' "$1/config.json") || die "image config: cannot read its Volumes"
	[ -n "$_ivl" ] || return 0
	_ivo=''
	while IFS= read -r _ivp; do
		case $_ivp in "bad	"*) die "image config: Volumes: ${_ivp#bad	}" ;; esac
		_ivp=${_ivp#ok	}
		case $_ivp in /*) ;; *) die "image config: Volumes: $_ivp: not an absolute path" ;; esac
		case /$_ivp/ in */../*) die "image config: Volumes: $_ivp: a '..' is not allowed" ;; esac
		path_clean "$_ivp"
		[ "$_pc" != / ] || die "image config: Volumes: $_ivp: a volume over the container's / is not allowed"
		sec_resolve "$_pc" "$2" || die "image config: Volumes: $_ivp: cannot resolve in the image (a symlink loop?)"
		[ "$_sr" != / ] || die "image config: Volumes: $_ivp: resolves to the image's / (a symlink)"
		case $NL$_ivo in *"$NL$_pc$NL"*) continue ;; esac
		_ivo=$_ivo$_pc$NL
	done <<EOT
$_ivl
EOT
	printf '%s' "$_ivo" >"$1/volumes" || die "$1/volumes: cannot write"
}

# image_install NAME: make $P_TREE read-only, make the work image $P_ID (image_place), tag it NAME.
image_install() {
	rm -rf "$P_W"
	image_volumes "$P_TMP" "$P_TREE"
	btrfs property set -ts "$P_TREE" ro true || die "$P_TREE: cannot make read-only"
	# under the lock: image prune never sees it in images/ and not yet named (dangling)
	lock
	image_place "${P_TMP##*/}" "$P_ID" || die "$CTR_ROOT/images/$P_ID: cannot create"
	P_TMP=''
	[ -z "$1" ] || image_tag "$P_ID" "$1" || die "$1: cannot tag"
	unlock
}

# image_by_digest DIGEST: the ID of an image built from that manifest, if there is one.
image_by_digest() {
	grep -lsF "\"$1\"" "$CTR_ROOT"/images/*/config.json | while IFS= read -r _pf; do
		[ "$(jq -r .digest "$_pf")" = "$1" ] || continue
		_pf=${_pf%/config.json}
		tree_of images "${_pf##*/}"
		[ -d "$TREE" ] && { printf '%s\n' "${_pf##*/}"; break; }
	done | head -n 1 | grep .
}

# ---------------------------------------------------------------- verbs

#HELP pull [-q] [--platform OS/ARCH[/VARIANT]] [--tls-verify=false] [REGISTRY/]NAME[:TAG|@DIGEST]   download an image
ctr_pull() {
	P_PLATFORM='' P_QUIET=''
	while [ $# -gt 0 ]; do
		case $1 in
		--platform=*) P_PLATFORM=${1#*=} ;;
		--platform) need_arg "$@"; P_PLATFORM=$2; shift ;;
		--tls-verify*) tls_opt "$1" ;;
		-q | --quiet) P_QUIET=1 ;;
		--) shift; break ;;
		-*) die "pull: unknown option $1" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -eq 1 ] || die "usage: ctr.sh pull [-q] [--platform OS/ARCH[/VARIANT]] [--tls-verify=false] [REGISTRY/]NAME[:TAG|@DIGEST]"
	need curl curl
	[ -n "$P_PLATFORM" ] || P_PLATFORM=$(host_platform)
	p_re '[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?' "$P_PLATFORM" || die "--platform $P_PLATFORM: want OS/ARCH[/VARIANT]"
	ref_parse "$1"
	P_WHAT="pull $REF_FULL"
	p_limits
	[ -n "$P_QUIET" ] || [ ! -t 1 ] || P_TTY=1
	p_begin
	p_new pull
	if [ -n "$REF_DIGEST" ]; then say "$REF_DIGEST: Pulling from $REF_REPO"; else say "$REF_TAG: Pulling from $REF_REPO"; fi
	manifest_resolve "${REF_DIGEST:-$REF_TAG}"
	if _pid=$(image_by_digest "$P_MDIGEST"); then
		image_tag "$_pid" "$REF_NAME" || die "$REF_NAME: cannot tag"
		pull_event
		say "Digest: $P_MDIGEST" "Status: Image is up to date for $REF_NAME"
		[ -z "$P_QUIET" ] || printf '%s\n' "$_pid"
		return 0
	fi
	manifest_config
	blob_fetch "$P_CDIGEST" "$P_CSIZE" config
	manifest_layers
	layers_download
	image_build "$REF_NAME" "$REF_FULL${REF_TAG:+@$P_MDIGEST}"
	pull_event
	say "Digest: $P_MDIGEST" "Status: Downloaded newer image for $REF_NAME ($P_ID)"
	[ -z "$P_QUIET" ] || printf '%s\n' "$P_ID"
}

# pull_event: the pull event, as docker's: the reference, and its name without tag or digest.
pull_event() {
	_pen=${REF_NAME%%@*}
	case ${_pen##*/} in *:*) _pen=${_pen%:*} ;; esac
	ev_emit image pull "$REF_NAME" name "$_pen"
}

#HELP login [-u USER] [-p PASSWORD | --password-stdin] [--tls-verify=false] REGISTRY   check and store credentials (0600)
ctr_login() {
	_plu='' _plp='' _pls=''
	while [ $# -gt 0 ]; do
		case $1 in
		-u | --username) need_arg "$@"; _plu=$2; shift ;;
		-p | --password) need_arg "$@"; _plp=$2; shift ;;
		--password-stdin) _pls=1 ;;
		--tls-verify*) tls_opt "$1" ;;
		-*) die "login: unknown option $1" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -eq 1 ] || die "usage: ctr.sh login [-u USER] [-p PASSWORD | --password-stdin] [--tls-verify=false] REGISTRY"
	need curl curl
	login_registry "$1"
	if [ -z "$_plu" ]; then
		[ -t 0 ] || die "login: -u USER is required when stdin is not a terminal"
		printf 'Username: ' >&2
		read -r _plu || die "login: no username"
	fi
	if [ -n "$_pls" ]; then
		IFS= read -r _plp || [ -n "$_plp" ] || die "login: no password on stdin"
	elif [ -z "$_plp" ]; then
		[ -t 0 ] || die "login: use --password-stdin when stdin is not a terminal"
		printf 'Password: ' >&2
		trap 'stty echo; exit 130' INT
		stty -echo
		IFS= read -r _plp
		stty echo
		trap - INT
		printf '\n' >&2
	fi
	[ -n "$_plu" ] && [ -n "$_plp" ] || die "login: empty username or password"
	case $_plu in *:*) die "login: the username cannot contain ':'" ;; esac
	p_begin
	p_new login
	P_CREDS=$(printf '%s:%s' "$_plu" "$_plp" | base64 -w0)
	P_SCOPE=''
	reg_get /v2/ "$P_W/v2"
	case $P_CODE in
	200) ;;
	401) die "login $REF_REG: wrong username or password" ;;
	*) die "login $REF_REG: $(http_error "$P_W/v2")" ;;
	esac
	auth_store "$REF_REG" "$P_CREDS"
	say "Login Succeeded"
}

# login_registry NAME: set REF_REG, REF_HOST, REF_BASE from a registry name (docker.io for Docker Hub).
login_registry() {
	_plr=${1#https://}
	_plr=${_plr#http://}
	_plr=${_plr%%/*}
	case $_plr in index.docker.io | registry-1.docker.io) _plr=docker.io ;; esac
	p_re '(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:[0-9]+)?' "$_plr" || die "login: invalid registry name '$1'"
	REF_REG=$_plr REF_REPO=ctr-login
	ref_endpoint
}

# auth_store REGISTRY CREDS: record base64 credentials in $CTR_ROOT/auth.json (docker's format, 0600).
auth_store() {
	_paf=$CTR_ROOT/auth.json
	[ -f "$_paf" ] || printf '{}\n' >"$P_W/auth.old"
	[ ! -f "$_paf" ] || cp "$_paf" "$P_W/auth.old"
	(umask 077 && jq --arg r "$1" --arg a "$2" '.auths[$r] = {auth: $a}' "$P_W/auth.old" >"$P_W/auth.new") &&
		chmod 600 "$P_W/auth.new" && mv -f "$P_W/auth.new" "$_paf" || die "$_paf: cannot write"
}

# image_find IMAGE: the ID of a local image given by ID, by name as stored, or by any spelling of its
# reference (docker.io/library/busybox:latest finds busybox:latest).
image_find() {
	if _pif=$( (image_resolve "$1") 2>/dev/null); then
		printf '%s\n' "$_pif"
		return 0
	fi
	(ref_parse "$1" 2>/dev/null && image_resolve "$REF_NAME" 2>/dev/null) || die "image $1: no such image"
}

# name_parse NAME[:TAG]: the local name a tag or commit gives (checked, in docker's familiar form).
name_parse() {
	ref_parse "$1"
	[ -z "$REF_DIGEST" ] || die "$1: an image name cannot carry a digest"
}

#HELP tag IMAGE NAME[:TAG]         give an image another name
ctr_tag() {
	[ $# -eq 2 ] || die "usage: ctr.sh tag IMAGE NAME[:TAG]"
	pool_ensure
	_ptid=$(image_find "$1") || exit 125
	name_parse "$2"
	image_tag "$_ptid" "$REF_NAME" || die "$2: cannot tag"
	ev_emit image tag "$_ptid" name "$REF_NAME"
}

#HELP commit CONTAINER [NAME[:TAG]]   snapshot a container's filesystem as a new image; prints its ID
ctr_commit() {
	[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: ctr.sh commit CONTAINER [NAME[:TAG]]"
	pool_ensure
	_pcid=$(ctr_resolve "$1") || exit 125
	_pcc=$CTR_ROOT/containers/$_pcid/config.json
	tree_of containers "$_pcid"
	_pcr=$TREE
	[ -f "$_pcc" ] && [ -d "$_pcr" ] || die "container $1: not completely created"
	_pcn=''
	[ $# -lt 2 ] || { name_parse "$2" && _pcn=$REF_NAME; }
	p_begin
	p_new commit
	# a btrfs snapshot is atomic: a running container is caught at one instant, as after a crash;
	# made read-only by image_install, once run's files in /etc are the image's again (fs.sh)
	btrfs subvolume snapshot "$_pcr" "$P_TREE" >/dev/null ||
		die "container $1: cannot snapshot"
	_pci=$(jq -r .image_id "$_pcc")
	_pcp=$CTR_ROOT/images/$_pci/config.json
	p_busybox
	_pct=''
	! valid_id "$_pci" || { tree_of images "$_pci"; _pct=$TREE; }
	fs_etc_restore "$P_TREE" "$_pct"
	[ -f "$_pcp" ] || _pcp=/dev/null
	jq -n --slurpfile p "$_pcp" --slurpfile k "$_pcc" --arg id "$P_ID" --arg name "$_pcn" \
		--arg created "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		'($p[0] // {cmd: [], entrypoint: [], user: "", exposed_ports: []}) as $p | $k[0] as $k
		| ($p.entrypoint // []) as $ep
		| $p + {id: $id, name: $name, source: "commit:\($k.id) (image \($k.image))", created: $created,
		  parent: $k.image_id, env: $k.env, workdir: $k.workdir, labels: ($k.labels // $p.labels // {}),
		  cmd: (if ($ep | length) > 0 and $k.cmd[:($ep | length)] == $ep then $k.cmd[($ep | length):]
			else $k.cmd end)}
		| del(.digest, .media_type, .config_digest, .layers)' >"$P_TMP/config.json" ||
		die "$P_TMP/config.json: cannot write"
	image_install "$_pcn"
	ev_container commit "$_pcid"
	printf '%s\n' "$P_ID"
}

#HELP save [-o FILE] IMAGE...      write images as an OCI image layout tar (to stdout without -o)
ctr_save() {
	_pso=''
	_psn=$#
	while [ "$_psn" -gt 0 ]; do
		case $1 in
		-o | --output) [ "$_psn" -ge 2 ] || die "save: -o: requires an argument"; _pso=$2; shift; _psn=$((_psn - 1)) ;;
		--output=*) _pso=${1#*=} ;;
		-*) die "save: unknown option $1" ;;
		*) set -- "$@" "$1" ;;
		esac
		shift
		_psn=$((_psn - 1))
	done
	[ $# -ge 1 ] || die "usage: ctr.sh save [-o FILE] IMAGE..."
	[ -n "$_pso" ] || [ ! -t 1 ] || die "save: refusing to write a tar to a terminal (use -o FILE)"
	need gzip gzip
	[ -x "$CTR_LIBEXEC/ctr-tar" ] || die "$CTR_LIBEXEC/ctr-tar: not built (run make in $CTR_HOME)"
	p_begin
	p_work save
	P_W=$P_DATA/w
	_psl=$P_DATA/layout
	(umask 077 && mkdir -p "$P_W" "$_psl/blobs/sha256") || die "$P_DATA: cannot create"
	printf '{"imageLayoutVersion":"1.0.0"}\n' >"$_psl/oci-layout"
	for _psi; do
		_psid=$(image_find "$_psi") || exit 125
		save_image "$_psid" "$_psi" "$_psl" >>"$P_W/descs" || exit 125
	done
	jq -cs --arg t "$P_MT_OCI_I" '{schemaVersion: 2, mediaType: $t, manifests: .}' "$P_W/descs" \
		>"$_psl/index.json" || die "save: cannot write index.json"
	if [ -n "$_pso" ]; then
		write_out "$_pso" tar -C "$_psl" --hard-dereference --numeric-owner --owner=0 --group=0 -cf - \
			oci-layout index.json blobs || die "save: $_pso: cannot write"
	else
		tar -C "$_psl" --hard-dereference --numeric-owner --owner=0 --group=0 -cf - oci-layout index.json blobs ||
			die "save: cannot write"
	fi
}

# save_image ID NAME LAYOUT: put image ID's blobs in LAYOUT/blobs; print its index descriptor. The
# blobs are those push sends (layers.sh's img_plan, OCI media types): a pulled or loaded base's as
# they came (digests kept), a layer per commit or build step above it, the config with its history.
save_image() {
	_psc=$CTR_ROOT/images/$1/config.json
	_psn=$2
	[ "$_psn" != "$1" ] || _psn=$(jq -r '.name // ""' "$_psc")
	_psa='{}'
	if [ -n "$_psn" ] && (ref_parse "$_psn" 2>/dev/null); then
		ref_parse "$_psn"
		_psa=$(jq -cn --arg n "$REF_NAME" --arg f "$REF_FULL" \
			'{"org.opencontainers.image.ref.name": $n, "io.containerd.image.name": $f}')
	fi
	_psp=$P_W/plan-$1
	[ -f "$_psp/blobs" ] || img_plan "$1" "$_psp" oci gzip
	while read -r _psg _psz _psf; do
		ln -f "$_psf" "$3/blobs/sha256/${_psg#sha256:}" 2>/dev/null ||
			cp "$_psf" "$3/blobs/sha256/${_psg#sha256:}" || die "$3: cannot write"
	done <"$_psp/blobs"
	_psg=sha256:$(sha256sum <"$_psp/manifest" | cut -d' ' -f1)
	cp "$_psp/manifest" "$3/blobs/sha256/${_psg#sha256:}" || die "$3: cannot write"
	jq -cn --arg t "$P_MT_OCI_M" --arg d "$_psg" --argjson s "$(stat -c %s "$_psp/manifest")" --argjson a "$_psa" \
		'{mediaType: $t, digest: $d, size: $s} + if $a == {} then {} else {annotations: $a} end'
}

#HELP load [-i FILE]               load images from an OCI image layout tar (from stdin without -i)
ctr_load() {
	_pli=''
	case ${1:-} in -i | --input) need_arg "$@"; _pli=$2; shift 2 ;; --input=*) _pli=${1#*=}; shift ;; esac
	[ $# -eq 0 ] || die "usage: ctr.sh load [-i FILE]"
	p_limits
	p_begin
	p_work load
	(umask 077 && mkdir -p "$P_DATA/x") || die "$P_DATA: cannot create"
	if [ -z "$_pli" ]; then
		[ ! -t 0 ] || die "load: refusing to read a tar from a terminal (use -i FILE)"
		_pli=$P_DATA/in.tar
		head -c "$((P_MAXSIZE + 1))" >"$_pli" || die "load: cannot read stdin"
		[ "$(stat -c %s "$_pli")" -le "$P_MAXSIZE" ] ||
			die "load: the archive on stdin is larger than CTR_MAX_IMAGE_SIZE ($P_MAXSIZE_S) (use -i FILE)"
	fi
	if [ "$_pli" = "$P_DATA/in.tar" ]; then
		load_extract "$_pli" "$_pli"
	else
		# -i FILE may be in a directory a container writes: security.sh sec_host_path, as --env-file
		sec_host_path load "$_pli"
		[ -f "$SEC_HP" ] && [ -r "$SEC_HP" ] || die "$_pli: cannot read"
		# shellcheck disable=SC2094 # SEC_HP is only read
		{ sec_fd_is "load $_pli" "$SEC_HP" 3 && load_extract /dev/fd/3 "$_pli"; } 3<"$SEC_HP" || die "$_pli: cannot read"
	fi
	P_QUIET=1 P_PLATFORM=$(host_platform)
	jq -c '.manifests // [] | .[]' "$P_DATA/x/index.json" >"$P_DATA/descs" 2>/dev/null ||
		die "$_pli: index.json is not valid"
	[ -s "$P_DATA/descs" ] || die "$_pli: no image in index.json"
	while IFS= read -r _pld; do
		load_image "$_pld" "oci-archive:$_pli" </dev/null
	done <"$P_DATA/descs"
}

# load_extract FILE NAME: extract the layout's index.json and blobs (only those names, as plain files)
# into $P_DATA/x. Nothing else in the archive is written anywhere. Sizes are checked first, as listed:
# index.json and oci-layout up to $P_MAX_DOC, a blob up to $P_MAXSIZE, all together no more than the
# archive itself (a sparse member can claim terabytes in a few bytes). NAME: FILE for the messages.
load_extract() {
	tar -tv --numeric-owner -f "$1" >"$P_DATA/list" 2>/dev/null || die "$2: not a tar archive"
	_ple=$(awk -v doc="$P_MAX_DOC" -v max="$P_MAXSIZE" -v lim="CTR_MAX_IMAGE_SIZE ($P_MAXSIZE_S)" \
		-v all="$(stat -L -c %s "$1")" -v want="$P_DATA/want" 'BEGIN { printf "" > want }
		NF == 6 && substr($1, 1, 1) == "-" && $3 ~ /^[0-9]+$/ {
			n = $6; sub(/^\.\//, "", n)
			if (n != "oci-layout" && n != "index.json" && !(n ~ /^blobs\/sha256\/[0-9a-f]+$/ && length(n) == 77)) next
			if (n !~ /^blobs/ && $3 + 0 > doc) { print n ": " $3 " bytes, more than 4 MiB"; exit 1 }
			if ($3 + 0 > max) { print n ": " $3 " bytes, more than " lim; exit 1 }
			t += $3; if (t > all) { print "its members add up to more bytes than the archive has (sparse files)"; exit 1 }
			print $6 > want }' "$P_DATA/list") || die "load $2: $_ple"
	grep -qE '^(\./)?index\.json$' "$P_DATA/want" || die "$2: not an OCI image layout (no index.json)"
	tar -xf "$1" -C "$P_DATA/x" --no-same-owner --no-same-permissions --no-overwrite-dir \
		--verbatim-files-from -T "$P_DATA/want" || die "$2: cannot extract"
	find "$P_DATA/x" ! -type f ! -type d -exec rm -f {} + # links and specials are not blobs
}

# load_blob DIGEST [SIZE]: move a blob of the extracted layout into the cache (checked).
load_blob() {
	_plb=$(blob_path "$1") || exit 125
	[ ! -f "$_plb" ] || return 0
	_plf=$P_DATA/x/blobs/sha256/${1#sha256:}
	[ -f "$_plf" ] || die "blob $1: not in the archive"
	blob_store "$_plf" "$1" "${2:-}"
}

# load_image DESCRIPTOR SOURCE: make an image from one index entry (an index picks this platform).
load_image() {
	P_MDIGEST=$(printf '%s' "$1" | jq -r .digest)
	_pln=$(printf '%s' "$1" | jq -r '.annotations // {} | .["io.containerd.image.name"] //
		(.["org.opencontainers.image.ref.name"] // "" | select(test("[:/]"))) // ""')
	[ -z "$_pln" ] || { ref_parse "$_pln" && _pln=$REF_NAME; }
	REF_FULL=${_pln:-$P_MDIGEST}
	P_WHAT="load $REF_FULL"
	_plde=$1 # the descriptor of what we look at: from index.json, then none (index entries)
	_plz=$(printf '%s' "$1" | jq -r '(.size | numbers) // "-"')
	for _pn in 1 2 3; do
		p_size "manifest $P_MDIGEST" "$_plz" "$P_MAX_DOC" "the 4 MiB limit"
		load_blob "$P_MDIGEST" "$_plz"
		P_MFILE=$(blob_path "$P_MDIGEST")
		P_MTYPE=$(manifest_type "$P_MFILE" "$(printf '%s' "$_plde" | jq -r '.mediaType // empty')") || exit 125
		_plde={}
		case $P_MTYPE in
		"$P_MT_OCI_I" | "$P_MT_DOCKER_L")
			_pd=$(index_pick "$P_MFILE" "$P_PLATFORM") || exit 125
			P_MDIGEST=${_pd% *} _plz=${_pd#* } ;;
		"$P_MT_OCI_M" | "$P_MT_DOCKER_M") break ;;
		*) die "$REF_FULL: not a container image (manifest type '$P_MTYPE')" ;;
		esac
	done
	if _plid=$(image_by_digest "$P_MDIGEST"); then
		[ -z "$_pln" ] || image_tag "$_plid" "$_pln" || die "$_pln: cannot tag"
		printf 'Loaded image: %s (%s, already present)\n' "${_pln:-$_plid}" "$_plid"
		return 0
	fi
	manifest_config
	load_blob "$P_CDIGEST" "$P_CSIZE"
	p_new load
	manifest_layers
	while read -r _pd _ps; do
		load_blob "$_pd" "$_ps"
	done <"$P_W/layers"
	layers_download
	image_build "$_pln" "$2"
	ev_emit image load "$P_ID" name "${_pln:-$P_ID}"
	printf 'Loaded image: %s (%s)\n' "${_pln:-$P_ID}" "$P_ID"
}
