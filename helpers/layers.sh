#!/bin/sh
# layers.sh - an image as a registry (or an OCI layout) has it: its layers, image config and
# manifest, made from ctr's images. Sourced by ctr.sh for push (and by what else sends images out).
#
# An image of ctr is a read-only snapshot; one made by commit records its parent (the image its
# container ran). img_plan follows those parents down to a base: a pulled or loaded image whose
# registry blobs are still cached (its layers are sent as they are: same blobs, same digests), or
# an image with no such base (init, the built-in busybox, a parent removed since), whose whole tree
# is one layer. Each image above the base adds the layer of what it changes in its parent
# (layer_make: ctr-tar diff of the two snapshots) and its config (env, cmd, entrypoint, workdir,
# user, ports) and a history entry to the base's image config.
# Variables: L_* (the plan in progress); locals start with _l.

L_MT_OCI_C=application/vnd.oci.image.config.v1+json
L_MT_DOCKER_C=application/vnd.docker.container.image.v1+json

# layer_make LOWER UPPER FILE COMPRESSION: the layer of what tree UPPER changes in tree LOWER (''
# for all of UPPER) into FILE, compressed (gzip, zstd or none; gzip -n and zstd are deterministic:
# the same trees give the same digest); with L_KEEP set, run's files in /etc (fs.sh's FS_ETC_RUN)
# are left as LOWER has them. Sets L_DIGEST, L_SIZE, L_DIFFID (the uncompressed sha256).
layer_make() {
	rm -f "$3.fifo" && mkfifo "$3.fifo" || die "$3.fifo: cannot create"
	sha256sum <"$3.fifo" >"$3.diffid" &
	_lyp=$!
	_lyl=$1 _lyu=$2 _lyf=$3 _lyc=$4
	set --
	if [ -n "${L_KEEP:-}" ]; then
		for _lyk in $FS_ETC_RUN; do set -- "$@" --keep "$_lyk"; done
	fi
	# rootless: read in the user's namespace, so that the layer has the container's ids (rootless.sh);
	# at most CTR_MAX_IMAGE_SIZE bytes, as pull takes (fs_capped: a sparse file of terabytes)
	{ fs_capped ${CTR_ROOTLESS:+rootless_userns} "$CTR_LIBEXEC/ctr-tar" diff "$@" ${_lyl:+"$_lyl"} "$_lyu" 2>"$_lyf.err"; echo $? >"$_lyf.rc"; } |
		tee "$_lyf.fifo" | layer_z "$_lyc" >"$_lyf" || die "layer of $_lyu: cannot write $_lyf"
	wait "$_lyp"
	read -r _lyrc <"$_lyf.rc"
	[ "$_lyrc" = 0 ] || die "$(sed -n '$s/^ctr\(-tar\)\{0,1\}: //p' "$_lyf.err")"
	sed 's/^ctr-tar: /ctr: warning: /' "$_lyf.err" >&2
	L_DIFFID=sha256:$(cut -d' ' -f1 "$_lyf.diffid")
	L_DIGEST=sha256:$(sha256sum <"$_lyf" | cut -d' ' -f1)
	L_SIZE=$(stat -c %s "$_lyf")
	rm -f "$_lyf.fifo" "$_lyf.diffid" "$_lyf.rc" "$_lyf.err"
}

# layer_z COMPRESSION: stdin compressed on stdout (gzip, zstd, none).
layer_z() {
	case $1 in
	gzip) gzip -n -c ;;
	zstd) zstd -q -c ;;
	*) cat ;;
	esac
}

# layer_of ID PARENT DIR COMPRESSION: L_DIGEST, L_SIZE, L_DIFFID, L_FILE of image ID's layer over
# tree PARENT ('': its whole tree): the one an earlier push made (images/ID/layer.COMPRESSION:
# "digest size diff_id parent keep", its blob in the cache; an image never changes), else made now
# into the cache and recorded (layer_make in DIR, with L_KEEP; a record that cannot be written only
# costs the cache). Sets L_CACHED when it was there.
layer_of() {
	_lof=$CTR_ROOT/images/$1/layer.$4 L_CACHED=''
	if [ -f "$_lof" ] && read -r L_DIGEST L_SIZE L_DIFFID _lop _lok <"$_lof" && [ "$_lop" = "${2:--}" ] &&
		[ "$_lok" = "${L_KEEP:+keep}" ] &&
		is_digest "$L_DIGEST" && is_digest "$L_DIFFID" && L_FILE=$(blob_path "$L_DIGEST") &&
		[ "$(stat -c %s "$L_FILE" 2>/dev/null)" = "$L_SIZE" ]; then
		L_CACHED=1
		return 0
	fi
	_lot=$3/layer.$1
	[ -z "$2" ] || tree_of images "$2"
	_lol=${2:+$TREE}
	tree_of images "$1"
	layer_make "$_lol" "$TREE" "$_lot" "$4"
	L_FILE=$(blob_path "$L_DIGEST") || exit 125
	if [ -f "$L_FILE" ] || mv -f "$_lot" "$L_FILE" 2>/dev/null; then
		printf '%s %s %s %s %s\n' "$L_DIGEST" "$L_SIZE" "$L_DIFFID" "${2:--}" "${L_KEEP:+keep}" >"$_lof.$$" 2>/dev/null &&
			mv -f "$_lof.$$" "$_lof" 2>/dev/null || rm -f "$_lof.$$"
	else
		L_FILE=$_lot
	fi
}

# LAYERS_JQ: jq definitions. mt(f): a layer's media type in format f (oci, v2s2); ctrcfg($i; $d): an
# image config given ctr's image record $i: its run settings (env, cmd, entrypoint, workdir, user,
# ports; labels, volumes, stop signal, healthcheck when the record has them), created, its layer's diff_id $d
# ('' for an image without a layer of its own: a build's config-only step) and history (a build's
# steps as it recorded them, else one entry naming the record's source).
# shellcheck disable=SC2016 # jq's $, not the shell's
LAYERS_JQ='def mt($f): if $f == "oci" then
		(if test("zstd$") then "application/vnd.oci.image.layer.v1.tar+zstd"
		 elif test("gzip$") then "application/vnd.oci.image.layer.v1.tar+gzip"
		 else "application/vnd.oci.image.layer.v1.tar" end)
	else
		(if test("zstd$") then error("zstd layers have no docker v2s2 media type (push with --format oci)")
		 elif test("gzip$") then "application/vnd.docker.image.rootfs.diff.tar.gzip"
		 else "application/vnd.docker.image.rootfs.diff.tar" end)
	end;
	# the source of a record as others may read it: no path of this host (a directory, a tar file)
	def pubsrc: if startswith("dir:") then "init" elif startswith("import:") then "import"
		elif startswith("ctr built-in") then "built-in busybox" else . end;
	def ctrcfg($i; $d):
		.created = $i.created
		| .config = ((.config // {}) + {Env: ($i.env // []), WorkingDir: ($i.workdir // ""), User: ($i.user // "")}
			| if ($i.cmd // []) != [] then .Cmd = $i.cmd else del(.Cmd) end
			| if ($i.entrypoint // []) != [] then .Entrypoint = $i.entrypoint else del(.Entrypoint) end
			| if ($i.exposed_ports // []) != [] then .ExposedPorts = ($i.exposed_ports | map({(.): {}}) | add)
			  else del(.ExposedPorts) end
			| if $i.labels == null then . elif $i.labels == {} then del(.Labels) else .Labels = $i.labels end
			| if ($i.volumes // []) != [] then .Volumes = ((.Volumes // {}) + ($i.volumes | map({(.): {}}) | add))
			  else . end
			| if ($i.stop_signal // "") != "" then .StopSignal = $i.stop_signal else . end
			| if $i.healthcheck then .Healthcheck = $i.healthcheck else . end)
		| .rootfs = {type: "layers", diff_ids: ((.rootfs.diff_ids // []) + (if $d == "" then [] else [$d] end))}
		| .history = ((.history // []) + if ($i.source // "" | startswith("build:")) and ($i.history // []) != [] then
				[$i.history[] | {created: (.created // $i.created), created_by: (.created_by // "")}
					+ (if .empty_layer then {empty_layer: true} else {} end)]
			else [{created: $i.created, created_by: "ctr: \($i.source // "" | pubsrc)"} + (if $d == "" then {empty_layer: true} else {} end)]
			end)
		| del(.container, .container_config, .id, .parent);'

# img_plan ID DIR FORMAT COMPRESSION: the image as a registry has it, in DIR: DIR/manifest, DIR/config
# (the image config), DIR/blobs ("digest size file" for each layer, bottom first, then the config:
# what a registry must hold before the manifest), DIR/l<N> the layers made. FORMAT: oci, v2s2, or ''
# (the base's, else oci); COMPRESSION of the layers made: gzip, zstd or none. Sets L_FORMAT, L_MTYPE
# (the manifest's media type), L_BASE (the image whose registry blobs are sent as they are, or '')
# and L_MADE (how many layers were made here).
img_plan() {
	_lid=$1 _ld=$2 _lchain='' L_BASE='' L_MADE=0
	mkdir -p "$_ld" || die "$_ld: cannot create"
	# down the parents to a base, $_lchain the images above it (bottom first)
	_ln=0
	while :; do
		_lc=$CTR_ROOT/images/$_lid/config.json
		[ -f "$_lc" ] || die "image $_lid: no record"
		# its parent, then the registry blobs it has (manifest, config, layers)
		_lpar=$(jq -r '.parent // "-", .digest // empty, .config_digest // empty, (.layers // [])[]' "$_lc") ||
			die "image $_lid: its config.json is not valid"
		if img_blobs_cached "${_lpar#*"$NL"}"; then L_BASE=$_lid; break; fi
		_lpar=${_lpar%%"$NL"*}
		valid_id "$_lpar" && [ -f "$CTR_ROOT/images/$_lpar/config.json" ] || break
		_lchain="$_lid $_lchain" _lid=$_lpar _ln=$((_ln + 1))
		[ "$_ln" -lt 1000 ] || die "image $1: more than 1000 parents"
	done
	L_FORMAT=$3
	if [ -n "$L_BASE" ]; then
		img_plan_base "$L_BASE" "$_ld"
	else
		[ -n "$L_FORMAT" ] || L_FORMAT=oci
		img_plan_tree "$_lid" "$_ld" "$4"
	fi
	_lp=$_lid
	for _lc in $_lchain; do
		img_plan_step "$_lp" "$_lc" "$_ld" "$4"
		_lp=$_lc
	done
	img_plan_manifest "$_ld"
}

# img_blobs_cached DIGEST...: (one a line) all in the blob cache; L_BASE_DIGEST = the first (the
# manifest's). None: false.
img_blobs_cached() {
	L_BASE_DIGEST=''
	for _lg in $1; do
		[ -n "$L_BASE_DIGEST" ] || L_BASE_DIGEST=$_lg
		[ -f "$(blob_path "$_lg" 2>/dev/null)" ] || return 1
	done
	[ -n "$L_BASE_DIGEST" ]
}

# img_plan_base ID DIR: the cached blobs of a pulled or loaded image: its config, its layers (with
# their media types) in DIR/layers ("digest size mediatype file"). L_FORMAT defaults to its manifest's.
img_plan_base() {
	_lm=$(blob_path "$L_BASE_DIGEST") || exit 125
	# shellcheck disable=SC2153 # pull.sh's media types
	jq -r --arg d "$P_MT_DOCKER_M" '(if .mediaType == $d then "v2s2" else "oci" end) + " " + .config.digest,
		(.layers[] | "\(.digest) \(.size) \(.mediaType // "application/vnd.oci.image.layer.v1.tar+gzip")")' \
		"$_lm" >"$2/layers.t" || die "image $1: its manifest is not valid"
	read -r _lbf _lk <"$2/layers.t"
	[ -n "$L_FORMAT" ] || L_FORMAT=$_lbf
	cp "$(blob_path "$_lk")" "$2/config" || die "$2/config: cannot write"
	sed 1d "$2/layers.t" | while read -r _lg _lz _lmt; do
		printf '%s %s %s %s\n' "$_lg" "$_lz" "$_lmt" "$(blob_path "$_lg")"
	done >"$2/layers" || exit 125
	# as it came, when nothing is added: the same manifest, the same digest
	if [ "$L_FORMAT" = "$_lbf" ]; then
		cp "$_lm" "$2/verbatim" || die "$2/verbatim: cannot write"
	else
		: >"$2/verbatim"
	fi
}

# img_plan_tree ID DIR COMPRESSION: a base without registry blobs: its whole tree is one layer; the
# config from its record.
img_plan_tree() {
	layer_of "$1" '' "$2" "$3"
	[ -n "$L_CACHED" ] || L_MADE=$((L_MADE + 1))
	printf '%s %s %s %s\n' "$L_DIGEST" "$L_SIZE" "$(layer_mt "$3")" "$L_FILE" >"$2/layers"
	jq -c --arg d "$L_DIFFID" --arg p "$(host_platform)" --slurpfile i "$CTR_ROOT/images/$1/config.json" \
		"$LAYERS_JQ"'((.platform // $p) | split("/")) as $pl
		| {architecture: $pl[1], os: "linux"} + (if $pl[2] then {variant: $pl[2]} else {} end)
		| ctrcfg($i[0]; $d)' "$CTR_ROOT/images/$1/config.json" >"$2/config" ||
		die "image $1: cannot write its image config"
	: >"$2/verbatim"
}

# img_plan_step PARENT ID DIR COMPRESSION: image ID made from PARENT (a commit, a build's step): the
# layer of what it changes (none for a build's step that only set config: its history says so), its
# config over the parent's.
img_plan_step() {
	_lsc=$CTR_ROOT/images/$2/config.json
	L_DIFFID=''
	# "config only" (a build's step without a layer), else "run" (fs.sh: the layer of a container,
	# run's files in /etc left out) or "files"
	_lsk=$(jq -r '. as $i | if (.source // "" | startswith("build:")) and (.history // []) != []
		and all(.history[]; .empty_layer) then "config" elif '"$FS_RUN_JQ"' then "run" else "files" end' \
		"$_lsc") || die "image $2: its config.json is not valid"
	if [ "$_lsk" != config ]; then
		L_KEEP=''
		[ "$_lsk" != run ] || L_KEEP=1
		layer_of "$2" "$1" "$3" "$4"
		L_KEEP=''
		[ -n "$L_CACHED" ] || L_MADE=$((L_MADE + 1))
		printf '%s %s %s %s\n' "$L_DIGEST" "$L_SIZE" "$(layer_mt "$4")" "$L_FILE" >>"$3/layers"
	fi
	jq -c --arg d "$L_DIFFID" --slurpfile i "$_lsc" "$LAYERS_JQ"'ctrcfg($i[0]; $d)' \
		"$3/config" >"$3/config.t" && mv -f "$3/config.t" "$3/config" || die "image $2: cannot write its image config"
	: >"$3/verbatim"
}

# layer_mt COMPRESSION: the OCI media type of a layer made with it (img_plan_manifest converts).
layer_mt() {
	case $1 in
	gzip) echo application/vnd.oci.image.layer.v1.tar+gzip ;;
	zstd) echo application/vnd.oci.image.layer.v1.tar+zstd ;;
	*) echo application/vnd.oci.image.layer.v1.tar ;;
	esac
}

# img_plan_manifest DIR: DIR/manifest (the base's as it came when nothing changed, else made for
# L_FORMAT) and DIR/blobs. Sets L_MTYPE.
img_plan_manifest() {
	# shellcheck disable=SC2153 # pull.sh's media types
	if [ "$L_FORMAT" = v2s2 ]; then L_MTYPE=$P_MT_DOCKER_M _lct=$L_MT_DOCKER_C; else L_MTYPE=$P_MT_OCI_M _lct=$L_MT_OCI_C; fi
	_lk=sha256:$(sha256sum <"$1/config" | cut -d' ' -f1)
	if [ -s "$1/verbatim" ]; then
		mv -f "$1/verbatim" "$1/manifest" || die "$1/manifest: cannot write"
	else
		jq -Rn --arg t "$L_MTYPE" --arg ct "$_lct" --arg k "$_lk" --argjson ks "$(stat -c %s "$1/config")" \
			--arg f "$L_FORMAT" "$LAYERS_JQ"'{schemaVersion: 2, mediaType: $t,
			config: {mediaType: $ct, digest: $k, size: $ks},
			layers: [inputs | split(" ") | {mediaType: (.[2] | mt($f)), digest: .[0], size: (.[1] | tonumber)}]}' \
			<"$1/layers" >"$1/manifest" 2>"$1/manifest.err" ||
			die "$(sed -n '1s/^jq: error (at [^)]*): //p' "$1/manifest.err")"
	fi
	{ cut -d' ' -f1,2,4 "$1/layers"; printf '%s %s %s\n' "$_lk" "$(stat -c %s "$1/config")" "$1/config"; } \
		>"$1/blobs" || die "$1/blobs: cannot write"
}
