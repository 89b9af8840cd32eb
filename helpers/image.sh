#!/bin/sh
# image.sh - import (a tar as a new image) and history (how an image's layers were made). Sourced by
# ctr.sh for these verbs only, after fs.sh (history sizes a commit's layer with fs_changes).
#
# import makes the tar a one-layer OCI image in the blob cache (layer, config, manifest) and builds
# it as pull and load do (pull.sh): the same limits (CTR_MAX_IMAGE_SIZE, unpacked), the same jail
# for the unpacking (absolute names and .. stay in the rootfs, no device node is made). The image
# then has a config blob, as a pulled one: history reads it, save writes it out unchanged.
# Variables: I_* (the verb in progress); locals start with _i.

# IM_CHANGE_JQ: import -c's Dockerfile instructions (the arguments) into an OCI config's "config":
# CMD and ENTRYPOINT (JSON array, or shell form: /bin/sh -c), ENV K=V... or K VALUE, EXPOSE
# PORT[/PROTO]..., USER, WORKDIR (absolute), LABEL K=V..., VOLUME PATH... or a JSON array (its
# paths are checked as any image config's are: pull.sh image_volumes). A bad one is an error naming it.
# shellcheck disable=SC2016,SC2034 # jq's $, not the shell's; read through eval
IM_CHANGE_JQ='
	def bad($c; $why): error("-c \($c | tojson): \($why)");
	def words: [splits("[ \t]+")] | map(select(. != ""));
	reduce $ARGS.positional[] as $c ({};
		(($c | capture("^[ \t]*(?<i>[A-Za-z]+)[ \t]*(?<r>.*)$")) // bad($c; "not an instruction")) as $m
		| ($m.i | ascii_upcase) as $i | ($m.r | sub("[ \t]+$"; "")) as $r
		| if $r == "" then bad($c; "\($i) needs a value") else . end
		| if $i == "CMD" or $i == "ENTRYPOINT" then
			.[if $i == "CMD" then "Cmd" else "Entrypoint" end] = (if $r | startswith("[") then
				(($r | try fromjson catch null) | if type == "array" and all(.[]; type == "string") then .
					else bad($c; "not a JSON array of strings") end)
				else ["/bin/sh", "-c", $r] end)
		elif $i == "ENV" then .Env = (.Env // []) + (if $r | test("^[^= \t]+=") then
				($r | words | map(if test("^[^=]+=") then . else bad($c; "want K=V") end))
				else [$r | capture("^(?<k>[^ \t]+)[ \t]+(?<v>.*)$") // bad($c; "want K=V or K VALUE")
					| "\(.k)=\(.v)"] end)
		elif $i == "EXPOSE" then .ExposedPorts = (.ExposedPorts // {}) + ($r | words
				| map(if test("^[0-9]{1,5}(/(tcp|udp))?$") then {(if test("/") then . else . + "/tcp" end): {}}
					else bad($c; "want PORT[/tcp|udp]") end) | add)
		elif $i == "USER" then .User = $r
		elif $i == "WORKDIR" then .WorkingDir = (if $r | startswith("/") then $r else bad($c; "must be absolute") end)
		elif $i == "LABEL" then .Labels = (.Labels // {}) + ($r | words
				| map(capture("^(?<k>[^=]+)=(?<v>.*)$") // bad($c; "want K=V") | {(.k): .v}) | add)
		elif $i == "VOLUME" then .Volumes = (.Volumes // {}) + (if $r | startswith("[") then
				(($r | try fromjson catch null) | if type == "array" and all(.[]; type == "string") then .
					else bad($c; "not a JSON array of strings") end)
				else $r | words end | map({(.): {}}) | add // {})
		else bad($c; "\($i) is not supported (CMD, ENTRYPOINT, ENV, EXPOSE, USER, WORKDIR, LABEL, VOLUME)") end)'

#HELP import [-c INSTRUCTION]... [-m MSG] FILE|- [NAME[:TAG]]   a tar (gzip or zstd too) as a new image; prints its ID
#HELP     -c  CMD, ENTRYPOINT, ENV, EXPOSE, USER, WORKDIR, LABEL or VOLUME, as in a Dockerfile
ctr_import() {
	_ichg='' _imsg=''
	_in=$#
	while [ "$_in" -gt 0 ]; do
		case $1 in
		-c | --change | -m | --message) [ "$_in" -ge 2 ] || die "import: $1: requires an argument"
			case $1 in -c | --change) list_add _ichg "$2" ;; *) _imsg=$2 ;; esac
			shift; _in=$((_in - 1)) ;;
		--change=*) list_add _ichg "${1#*=}" ;;
		--message=*) _imsg=${1#*=} ;;
		-) set -- "$@" - ;;
		-?*) die "import: unknown option $1" ;;
		*) set -- "$@" "$1" ;;
		esac
		shift
		_in=$((_in - 1))
	done
	[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: ctr.sh import [-c INSTRUCTION]... [-m MSG] FILE|- [NAME[:TAG]]"
	_iref=''
	[ $# -lt 2 ] || { name_parse "$2" && _iref=$REF_NAME; }
	list_len _ichg
	_icfg=$(eval "jq -cn \"\$IM_CHANGE_JQ\" --args -- $LIST_WORDS" 2>&1) || die "import: ${_icfg#jq: error (at <unknown>): }"
	if [ "$1" = - ]; then
		[ ! -t 0 ] || die "import: refusing to read a tar from a terminal"
	else
		# FILE may be in a directory a container writes: security.sh sec_host_path, as --env-file
		sec_host_path import "$1"
		[ -f "$SEC_HP" ] && [ -r "$SEC_HP" ] || die "import: $1: not a readable file"
	fi
	p_limits
	# shellcheck disable=SC2034 # P_WHAT, P_QUIET, P_MFILE, P_MTYPE: read by pull.sh
	P_WHAT="import $1" P_QUIET=1
	p_begin
	P_WORK=$CTR_ROOT/tmp/import-$(new_id)
	(umask 077 && mkdir -p "$P_WORK") || die "$P_WORK: cannot create"
	work_lock 6 "$P_WORK"
	if [ "$1" = - ]; then
		head -c "$((P_MAXSIZE + 1))" >"$P_WORK/layer" || die "import: cannot read stdin"
	else
		# shellcheck disable=SC2094 # SEC_HP is only read
		{ sec_fd_is "import $1" "$SEC_HP" 3 && cp --reflink=auto -- /dev/fd/3 "$P_WORK/layer"; } 3<"$SEC_HP" ||
			die "import: $1: cannot read"
	fi
	[ "$(stat -c %s "$P_WORK/layer")" -le "$P_MAXSIZE" ] ||
		die "import: $1: larger than CTR_MAX_IMAGE_SIZE ($P_MAXSIZE_S)"
	im_blobs "$1" "$_icfg" "$_imsg"
	manifest_config
	p_new import
	manifest_layers
	layers_download
	image_build "$_iref" "import:$1"
	printf '%s\n' "$P_ID"
}

# im_blobs SOURCE CONFIG MSG: store the layer ($P_WORK/layer), an OCI image config (CONFIG: its
# "config", from -c) and a manifest in the blob cache; set P_MFILE, P_MDIGEST, P_MTYPE as
# manifest_resolve does. The diff_id is counted on at most CTR_MAX_IMAGE_SIZE + 1 bytes (layer_scan
# then refuses a larger layer, and checks it).
im_blobs() {
	case $(od -An -tx1 -N4 "$P_WORK/layer" | tr -d ' \n') in
	1f8b*) _imt=application/vnd.oci.image.layer.v1.tar+gzip ;;
	28b52ffd) _imt=application/vnd.oci.image.layer.v1.tar+zstd ;;
	*) _imt=application/vnd.oci.image.layer.v1.tar ;;
	esac
	_idiff=sha256:$(layer_cat "$P_WORK/layer" | head -c "$((P_MAXSIZE + 1))" | sha256sum | cut -d' ' -f1)
	_ilz=$(stat -c %s "$P_WORK/layer")
	_ild=sha256:$(sha256sum <"$P_WORK/layer" | cut -d' ' -f1)
	blob_store "$P_WORK/layer" "$_ild" "$_ilz"
	_iplat=$(host_platform)
	jq -cn --arg d "$_idiff" --arg now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg p "$_iplat" \
		--argjson k "$2" --arg m "${3:-Imported from ${1##*/}}" '($p | split("/")) as $pl
		| {created: $now, architecture: $pl[1], os: "linux"} + (if $pl[2] then {variant: $pl[2]} else {} end)
		+ {config: $k, rootfs: {type: "layers", diff_ids: [$d]},
		   history: [{created: $now, created_by: "", comment: $m}]}' >"$P_WORK/config" ||
		die "import: cannot write the image config"
	_ick=sha256:$(sha256sum <"$P_WORK/config" | cut -d' ' -f1)
	_ics=$(stat -c %s "$P_WORK/config")
	jq -cn --arg t "$P_MT_OCI_M" --arg k "$_ick" --argjson ks "$_ics" --arg l "$_ild" --argjson ls "$_ilz" \
		--arg lt "$_imt" '{schemaVersion: 2, mediaType: $t,
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $k, size: $ks},
		layers: [{mediaType: $lt, digest: $l, size: $ls}]}' >"$P_WORK/manifest" ||
		die "import: cannot write the manifest"
	P_MDIGEST=sha256:$(sha256sum <"$P_WORK/manifest" | cut -d' ' -f1)
	blob_store "$P_WORK/config" "$_ick"
	blob_store "$P_WORK/manifest" "$P_MDIGEST"
	# shellcheck disable=SC2034
	P_MFILE=$(blob_path "$P_MDIGEST") P_MTYPE=$P_MT_OCI_M
}

# ---------------------------------------------------------------- history

#HELP history [-q] [--no-trunc] [-H=false] IMAGE   an image's layers, newest first, and how each was made
ctr_history() {
	_iq='' _inot='' _ih=1
	while [ $# -gt 0 ]; do
		case $1 in
		-q | --quiet) _iq=1 ;;
		--no-trunc) _inot=1 ;;
		-H | --human | -H=true | --human=true) _ih=1 ;;
		-H=false | --human=false) _ih='' ;;
		--) shift; break ;;
		-?*) die "history: unknown option $1" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -eq 1 ] || die "usage: ctr.sh history [-q] [--no-trunc] [-H=false] IMAGE"
	pool_ensure
	_iid=$(image_find "$1") || exit 125
	I_ROWS=''
	im_rows "$_iid" 8
	printf '%s' "$I_ROWS" | awk -F '\037' -v q="$_iq" -v full="$_inot" -v human="$_ih" -v now="$(date +%s)" "$IM_TABLE_AWK"
}

# im_rows ID DEPTH: append to I_ROWS the history rows of image ID, newest first, one a line:
# IMAGE US CREATED(epoch) US CREATED_BY US SIZE US COMMENT (US: \037, the newlines of a field made
# spaces). From the image's config blob when it has one (pulled, loaded, imported), with its
# layers' sizes; else (init, the built-in, commit) one row for the image, followed by its parent's
# rows (commit; DEPTH of them at most).
im_rows() {
	_ic=$CTR_ROOT/images/$1/config.json
	_ik=$(jq -r '.config_digest // ""' "$_ic") || die "image $1: config.json is not valid"
	if [ -n "$_ik" ] && is_digest "$_ik" && [ -f "$(blob_path "$_ik")" ]; then
		im_sizes "$1"
		I_ROWS=$I_ROWS$(jq -r --arg id "$1" --argjson sz "$I_SIZES" "$IM_ROWS_JQ" "$(blob_path "$_ik")") ||
			die "image $1: its image config is not valid"
		I_ROWS=$I_ROWS$NL
		return 0
	fi
	_ipar=$(jq -r '.parent // ""' "$_ic")
	_ipr=''
	! valid_id "$_ipar" || { fs_image_rootfs "$_ipar"; _ipr=$FS_ROOTFS; }
	fs_image_rootfs "$1"
	if [ -n "$_ipr" ] && [ -d "$_ipr" ]; then
		# a commit: what the container changed in its image (not run's files in /etc: fs.sh)
		_ipr=$FS_ROOTFS
		fs_image_rootfs "$_ipar"
		fs_tmpdir history
		P_W=$FS_TMP
		_iskip=''
		[ "$(jq -r '. as $i | '"$FS_RUN_JQ" "$_ic")" != true ] || _iskip=$FS_ETC_RUN
		_isz=$(FS_SIZE=1 fs_changes "$FS_ROOTFS" "$_ipr" "$_iskip") || { rm -rf "$P_W"; exit 125; }
		rm -rf "$P_W"
	else
		# the bytes of its files, a hard link once (docker's layer size)
		_isz=$(find "$FS_ROOTFS" -xdev ! -type d -printf '%i %s\n' | sort -u -k1,1n |
			awk '{ t += $2 } END { printf "%.0f\n", t }')
	fi
	_idep=$(($2 - 1))
	if jq -e '.build_key and (.history // [] | length > 0)' "$_ic" >/dev/null; then
		# a build's image: the steps it recorded (the instructions since its parent, the last one
		# its layer), then its parent's; a build's chain does not count against DEPTH (but 512 at most)
		I_ROWS=$I_ROWS$(jq -r --arg id "$1" --argjson sz "[${_isz:-0}]" "$IM_ROWS_JQ" "$_ic")$NL
		I_HOPS=$((${I_HOPS:-0} + 1))
		[ "$I_HOPS" -gt 512 ] || _idep=$2
	else
		I_ROWS=$I_ROWS$(jq -r --arg id "$1" --arg sz "${_isz:-0}" '[$id, (.created // "" | sub("\\.[0-9]+"; "")
			| try fromdate catch ""), (if (.source // "" | startswith("commit:")) then (.entrypoint // []) + (.cmd // [])
			| join(" ") else .source // "" | if startswith("dir:") then "ctr init \(.[4:])" else . end end), $sz, (if (.source // "" | startswith("commit:"))
			then .source else "" end)] | map(tostring | gsub("[\n\u001f]"; " ")) | join("\u001f")' "$_ic")$NL
	fi
	[ "$2" -gt 0 ] && valid_id "$_ipar" && [ -d "$CTR_ROOT/images/$_ipar" ] || return 0
	im_rows "$_ipar" "$_idep"
}

# im_sizes ID: I_SIZES = the bytes of the files of each of image ID's layers, a JSON array: recorded
# at pull (layer_sizes), else counted in the cached layers' listings.
im_sizes() {
	I_SIZES=$(jq -c '.layer_sizes // empty' "$CTR_ROOT/images/$1/config.json")
	[ -z "$I_SIZES" ] || return 0
	I_SIZES=''
	for _il in $(jq -r '(.layers // [])[]' "$CTR_ROOT/images/$1/config.json"); do
		_ilb=$(blob_path "$_il") || exit 125
		_ilz=0
		[ ! -f "$_ilb" ] || _ilz=$(layer_cat "$_ilb" | tar -tv -f - 2>/dev/null |
			awk 'substr($0, 1, 1) == "-" { t += $3 } END { printf "%.0f\n", t }')
		I_SIZES=$I_SIZES${I_SIZES:+,}$_ilz
	done
	I_SIZES="[$I_SIZES]"
}

# IM_ROWS_JQ: an OCI/docker image config's history into im_rows' lines, newest first; the layers'
# sizes ($sz) go to the entries that made a layer (not empty_layer), in order. A control character
# of the image's (a newline, an escape, the field separator) is a blank: one row, nothing for the
# terminal to act on. An image without
# history gets a row per layer.
# shellcheck disable=SC2016
IM_ROWS_JQ='
	(.history // [] | if length > 0 then . else [range($sz | length) | {}] end) as $h
	| reduce range($h | length) as $k ({n: 0, rows: []};
		($h[$k]) as $e | (if $e.empty_layer then 0 else ($sz[.n] // 0) end) as $s
		| .rows += [[($e.created // "" | sub("\\.[0-9]+"; "") | try fromdate catch ""),
			($e.created_by // ""), $s, ($e.comment // "")]]
		| if $e.empty_layer then . else .n += 1 end)
	| .rows | reverse | to_entries
	| map([(if .key == 0 then $id else "<missing>" end)] + .value
		| map(tostring | gsub("[[:cntrl:]]"; " ")) | join("\u001f")) | .[]'

# IM_TABLE_AWK: im_rows' lines as docker history prints them (created as "3 weeks ago", sizes in
# kB/MB/GB with 3 digits, CREATED BY cut to 45 characters), or the IDs only (q), or RFC 3339 times
# and sizes in bytes (human empty), or the whole CREATED BY (full).
# shellcheck disable=SC2016
IM_TABLE_AWK='
	function ago(t,   s, m, h) {
		if (t == "") return "N/A"
		s = now - t; m = int(s / 60); h = int(s / 3600 + 0.5)
		if (s < 1) return "Less than a second ago"
		if (s == 1) return "1 second ago"
		if (s < 60) return s " seconds ago"
		if (m == 1) return "About a minute ago"
		if (m < 60) return m " minutes ago"
		if (h == 1) return "About an hour ago"
		if (h < 48) return h " hours ago"
		if (h < 24 * 7 * 2) return int(h / 24) " days ago"
		if (h < 24 * 30 * 2) return int(h / 24 / 7) " weeks ago"
		if (h < 24 * 365 * 2) return int(h / 24 / 30) " months ago"
		return int(h / 24 / 365) " years ago"
	}
	function hsize(b,   u, i) {
		split("B kB MB GB TB PB", u, " "); i = 1
		while (b >= 1000 && i < 6) { b /= 1000; i++ }
		return sprintf("%.3g%s", b, u[i])
	}
	function rfc(t,   c) {
		if (t == "") return "N/A"
		c = "date -u -d @" t " +%Y-%m-%dT%H:%M:%SZ"; c | getline t; close(c); return t
	}
	function cell(c, v) { t[n, c] = v; if (length(v) > w[c]) w[c] = length(v) }
	function row(a, b, c, d, e) { n++; cell(1, a); cell(2, b); cell(3, c); cell(4, d); cell(5, e) }
	BEGIN { if (!q) row("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT") }
	NF == 0 { next }
	q { print $1; next }
	{
		by = $3
		if (!full && length(by) > 45) by = substr(by, 1, 44) "…"
		row($1, (human ? ago($2) : rfc($2)), by, (human ? hsize($4) : $4), $5)
	}
	END {
		for (i = 1; i <= n; i++) {
			l = ""
			for (c = 1; c <= 4; c++) l = l sprintf("%-" (w[c] + 3) "s", t[i, c])
			l = l t[i, 5]; sub(/ +$/, "", l); print l
		}
	}'
