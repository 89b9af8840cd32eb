#!/usr/bin/env bats
# pull and load limits: the descriptor sizes cap every download, manifests and configs have 4 MiB at
# most, CTR_MAX_LAYERS and CTR_MAX_IMAGE_SIZE (counted while decompressing) stop what is too big, and a
# refusal leaves nothing behind. A real registry (Debian's docker-registry) serves honest images that
# are too big; a static busybox httpd plays a registry that lies (test/fixtures/limit-images.bash).

load helper
load fixtures/registry
load fixtures/images
load fixtures/limit-images

setup_file() {
	export REG_DIR=$BATS_FILE_TMPDIR/reg WEB_DIR=$BATS_FILE_TMPDIR/web IMG_LAYOUT=$BATS_FILE_TMPDIR/layout
	local w=$BATS_FILE_TMPDIR/work t i tars=()
	mkdir -p "$w"
	reg_start "$REG_DIR" none
	export REG REG_LOG
	# bomb: 512 MiB of zeros in 512 kB of gzip
	BOMB_ID=$(zeros_layer "$w/bomb.gz" 512)
	layout_add_gz "$IMG_LAYOUT" bomb "$w/bomb.gz:$BOMB_ID" >/dev/null
	BOMB_LAYER=$(jq -r .layers[0].digest "$(manifest_file bomb)")
	# two: two layers of 30 MiB of zeros each (the same blob twice: two workers fetch it at once)
	layout_add_gz "$IMG_LAYOUT" two "$w/z1.gz:$(zeros_layer "$w/z1.gz" 30)" "$w/z2.gz:$(zeros_layer "$w/z2.gz" 30)" >/dev/null
	# four: four small layers
	for i in 1 2 3 4; do
		t=$w/four$i.tar
		tar_entry "$t" "f$i" 0 "" "layer $i"
		tar_end "$t"
		tars+=("$t")
	done
	layout_add "$IMG_LAYOUT" four gzip amd64 '{}' "${tars[@]}" >/dev/null
	for t in bomb two four; do
		skopeo copy --quiet --dest-tls-verify=false --preserve-digests "oci:$IMG_LAYOUT:$t" "docker://$REG/t/$t:1"
	done
	export BOMB_LAYER
	web_start "$WEB_DIR"
	export WEB
}

teardown_file() {
	reg_stop "$REG_DIR"
	reg_stop "$WEB_DIR"
}

setup() {
	reg_test_setup
	unset CTR_MAX_LAYERS CTR_MAX_IMAGE_SIZE
}

# manifest_file TAG: the manifest of a layout image.
manifest_file() {
	echo "$IMG_LAYOUT/blobs/sha256/$(jq -r --arg t "$1" '.manifests[]
		| select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$IMG_LAYOUT/index.json" | cut -d: -f2)"
}

# assert_nothing_left: no image, no blob, no work directory, no subvolume but the pool's.
assert_nothing_left() {
	run find "$CTR_ROOT/tmp" "$CTR_ROOT/images" "$POOL_DIR/tmp" "$POOL_DIR/images" "$POOL_DIR/blobs" -mindepth 1 \
		! -path "$POOL_DIR/blobs/sha256"
	assert_output ''
	run btrfs subvolume list -o "$POOL_DIR"
	assert_success
	assert_output ''
}

# pool_used: bytes in use in the test's pool (mounted on $POOL_DIR; $CTR_ROOT is on the host's
# file system, which other tests and programs write to meanwhile).
pool_used() {
	mountpoint -q "$POOL_DIR" || fail "the pool is not mounted on $POOL_DIR"
	sync -f "$POOL_DIR"
	df --output=used -B1 "$POOL_DIR" | tail -n 1
}

# web_manifest NAME JQ: rewrite the static registry's manifest of NAME:1 with a jq filter.
web_manifest() {
	local f=$WEB_DIR/www/v2/$1/manifests/1
	jq -c "$2" "$f" >"$f.t" && mv "$f.t" "$f"
}

@test "pull: a gzip bomb stops at CTR_MAX_IMAGE_SIZE: refused, never unpacked, nothing left" {
	ctr images >/dev/null # the pool exists
	local before
	before=$(pool_used)
	CTR_MAX_IMAGE_SIZE=50M run ctr pull -q "$REG/t/bomb:1"
	assert_failure 125
	assert_output --partial "ctr: pull $REG/t/bomb:1: layer $BOMB_LAYER: more than CTR_MAX_IMAGE_SIZE (50M) unpacked"
	echo "pool: $before bytes used before, $(pool_used) after"
	[ "$(($(pool_used) - before))" -lt $((16 << 20)) ]
	assert_nothing_left
	# the image is a valid one: with room for it, it pulls
	CTR_MAX_IMAGE_SIZE=600M run ctr pull -q "$REG/t/bomb:1"
	assert_success
	[ "$(stat -c %s "$(tree_path images "$output")/zeros")" = $((512 << 20)) ]
}

@test "pull: layers that add up to more than CTR_MAX_IMAGE_SIZE unpacked are refused" {
	CTR_MAX_IMAGE_SIZE=50M run ctr pull -q "$REG/t/two:1"
	assert_failure 125
	assert_output --partial "ctr: pull $REG/t/two:1: more than CTR_MAX_IMAGE_SIZE (50M) unpacked"
	assert_nothing_left
	CTR_MAX_IMAGE_SIZE=61M run ctr pull -q "$REG/t/two:1"
	assert_success
	[ "$(stat -c %s "$(tree_path images "$output")/zeros")" = $((30 << 20)) ]
}

@test "pull: layers that declare more than CTR_MAX_IMAGE_SIZE are not downloaded" {
	local before
	before=$(reg_blob_gets "$REG_LOG")
	CTR_MAX_IMAGE_SIZE=100K run ctr pull -q "$REG/t/bomb:1"
	assert_failure 125
	assert_output --regexp "^ctr: pull $REG/t/bomb:1: layer $BOMB_LAYER: [0-9]+ bytes, more than CTR_MAX_IMAGE_SIZE \(100K\)$"
	# two layers of 31 kB each
	CTR_MAX_IMAGE_SIZE=40K run ctr pull -q "$REG/t/two:1"
	assert_failure 125
	assert_output "ctr: pull $REG/t/two:1: layers of more than CTR_MAX_IMAGE_SIZE (40K) to download"
	# the configs only
	[ "$(reg_blob_gets "$REG_LOG")" = $((before + 2)) ]
	assert_nothing_left
}

@test "pull: more layers than CTR_MAX_LAYERS are refused before any layer is downloaded" {
	local before
	before=$(reg_blob_gets "$REG_LOG")
	CTR_MAX_LAYERS=3 run ctr pull -q "$REG/t/four:1"
	assert_failure 125
	assert_output "ctr: pull $REG/t/four:1: 4 layers, more than CTR_MAX_LAYERS (3)"
	[ "$(reg_blob_gets "$REG_LOG")" = $((before + 1)) ]
	assert_nothing_left
	CTR_MAX_LAYERS=4 run ctr pull -q "$REG/t/four:1"
	assert_success
	[ "$(cat "$(tree_path images "$output")/f4")" = "layer 4" ]
}

@test "pull: CTR_MAX_LAYERS and CTR_MAX_IMAGE_SIZE must be numbers" {
	local v
	for v in abc 0 -1 1.5 010; do
		CTR_MAX_LAYERS=$v run ctr pull -q "$REG/t/four:1"
		assert_failure 125
		assert_output "ctr: CTR_MAX_LAYERS=$v: want a number of layers (1 or more)"
	done
	for v in abc 0 1X -5M 1.5G 99999999999T; do
		CTR_MAX_IMAGE_SIZE=$v run ctr pull -q "$REG/t/four:1"
		assert_failure 125
		assert_output --regexp "^ctr: CTR_MAX_IMAGE_SIZE=$v: (want a size|too large)"
	done
	[ ! -e "$CTR_ROOT/tmp" ] # refused before anything is made
}

# cgi_web DIR [CONF]: a busybox httpd on 127.0.0.1 serving DIR/www (Basic auth as CONF says), whose
# DIR/www/cgi-bin/index.cgi answers a directory without index.html (write it after: the server runs
# it at each request); sets CGI (host:port). Its pid goes to $WEB_DIR/pids: teardown_file stops it.
cgi_web() {
	local dir=$1 port _
	mkdir -p "$dir/www/cgi-bin"
	echo ok >"$dir/www/index.html"
	for _ in 1 2 3 4 5; do
		port=$(free_port)
		busybox httpd -f -p "127.0.0.1:$port" -h "$dir/www" ${2:+-c "$2"} >"$dir/httpd.log" 2>&1 &
		echo "$!" >>"$WEB_DIR/pids"
		CGI=127.0.0.1:$port
		wait_http "http://$CGI/" && return 0
	done
	return 1
}

@test "pull attack: a 401 from where the registry redirected is not answered: the registry's credentials never reach a realm it names" {
	local d=$BATS_TEST_TMPDIR cdn reg c
	# the blob's storage (another host, or a man in the middle on a plain-HTTP redirect): a Bearer
	# challenge whose realm is its own, behind Basic auth that logs the credentials it is given
	printf '/cgi-bin/steal:%s:%s\n' "$REG_USER" "$REG_PASS" >"$d/cdn.conf"
	cgi_web "$d/cdn" "$d/cdn.conf"
	cdn=$CGI
	mkdir "$d/cdn/www/blob"
	printf '#!/bin/sh\nprintf '"'"'Status: 401 Unauthorized\\r\\nWWW-Authenticate: Bearer realm="http://%s/cgi-bin/steal",service="cdn"\\r\\nContent-Type: text/plain\\r\\n\\r\\nno\\n'"'"'\n' \
		"$cdn" >"$d/cdn/www/cgi-bin/index.cgi"
	printf '#!/bin/sh\necho "${REMOTE_USER:-anonymous}" >>%s/stolen\nprintf '"'"'Content-Type: application/json\\r\\n\\r\\n{"token": "t"}\\n'"'"'\n' \
		"$d" >"$d/cdn/www/cgi-bin/steal"
	chmod 755 "$d/cdn/www/cgi-bin/index.cgi" "$d/cdn/www/cgi-bin/steal"
	# the registry: the image's manifest, its config blob redirected to the storage
	cgi_web "$d/reg"
	reg=$CGI
	web_image "$d/reg" "$IMG_LAYOUT" four t/redir
	c=$(jq -r .config.digest "$d/reg/www/v2/t/redir/manifests/1")
	rm "$d/reg/www/v2/t/redir/blobs/$c"
	mkdir "$d/reg/www/v2/t/redir/blobs/$c"
	printf '#!/bin/sh\nprintf '"'"'Status: 302 Found\\r\\nLocation: http://%s/blob/\\r\\n\\r\\n'"'"'\n' "$cdn" \
		>"$d/reg/www/cgi-bin/index.cgi"
	chmod 755 "$d/reg/www/cgi-bin/index.cgi"
	# the user's credentials for the registry (docker's config.json)
	mkdir -p "$DOCKER_CONFIG"
	jq -n --arg r "$reg" --arg a "$(printf '%s:%s' "$REG_USER" "$REG_PASS" | base64 -w0)" \
		'{auths: {($r): {auth: $a}}}' >"$DOCKER_CONFIG/config.json"
	run ctr pull -q "$reg/t/redir:1"
	assert_failure 125
	# before: the realm got "Authorization: Basic <alice:secret>" (its httpd let the CGI run as alice)
	[ ! -e "$d/stolen" ] || fail "the realm got the registry's credentials: user $(cat "$d/stolen")"
	assert_output --partial "ctr: $reg: HTTP 401 from http://$cdn, where the registry redirected: not answered"
	assert_nothing_left
}

@test "pull: a blob larger than the manifest says (with a Content-Length) is refused" {
	web_image "$WEB_DIR" "$IMG_LAYOUT" four t/lie
	local l size
	l=$(jq -r .layers[2].digest "$WEB_DIR/www/v2/t/lie/manifests/1")
	size=$(jq -r .layers[2].size "$WEB_DIR/www/v2/t/lie/manifests/1")
	head -c 100000 /dev/urandom >>"$WEB_DIR/www/v2/t/lie/blobs/$l"
	run ctr pull -q "$WEB/t/lie:1"
	assert_failure 125
	assert_output --partial "ctr: pull $WEB/t/lie:1: layer $l: larger than the manifest's $size bytes"
	assert_nothing_left
}

@test "pull: a blob streamed without end stops at the manifest's size, and fails cleanly" {
	web_image "$WEB_DIR" "$IMG_LAYOUT" four t/forever
	local l size
	l=$(jq -r .layers[1].digest "$WEB_DIR/www/v2/t/forever/manifests/1")
	size=$(jq -r .layers[1].size "$WEB_DIR/www/v2/t/forever/manifests/1")
	web_stream "$WEB_DIR" "v2/t/forever/blobs/$l"
	run timeout 120 "$CTR" pull -q "$WEB/t/forever:1"
	assert_failure 125
	assert_output --partial "ctr: pull $WEB/t/forever:1: layer $l: larger than the manifest's $size bytes"
	assert_nothing_left
	# the config too
	web_image "$WEB_DIR" "$IMG_LAYOUT" four t/forever-config
	l=$(jq -r .config.digest "$WEB_DIR/www/v2/t/forever-config/manifests/1")
	size=$(jq -r .config.size "$WEB_DIR/www/v2/t/forever-config/manifests/1")
	web_stream "$WEB_DIR" "v2/t/forever-config/blobs/$l"
	run timeout 120 "$CTR" pull -q "$WEB/t/forever-config:1"
	assert_failure 125
	assert_output "ctr: pull $WEB/t/forever-config:1: config $l: larger than the manifest's $size bytes"
	assert_nothing_left
}

@test "pull: a manifest larger than 4 MiB (sent whole, or streamed without end), a config declared larger, are refused" {
	mkdir -p "$WEB_DIR/www/v2/t/fat/manifests"
	jq -cn '{schemaVersion: 2, layers: [], pad: ("x" * 5000000)}' >"$WEB_DIR/www/v2/t/fat/manifests/1"
	run ctr pull -q "$WEB/t/fat:1"
	assert_failure 125
	assert_output "ctr: pull $WEB/t/fat:1: manifest: larger than 4 MiB"
	assert_nothing_left
	web_stream "$WEB_DIR" v2/t/endless/manifests/1
	run timeout 120 "$CTR" pull -q "$WEB/t/endless:1"
	assert_failure 125
	assert_output "ctr: pull $WEB/t/endless:1: manifest: larger than 4 MiB"
	assert_nothing_left
	web_image "$WEB_DIR" "$IMG_LAYOUT" four t/fatconfig
	web_manifest t/fatconfig '.config.size = 5000000'
	run ctr pull -q "$WEB/t/fatconfig:1"
	assert_failure 125
	assert_output --regexp "^ctr: pull $WEB/t/fatconfig:1: config sha256:[0-9a-f]{64}: 5000000 bytes, more than the 4 MiB limit$"
	assert_nothing_left
}

@test "pull: a layer without a size, or with a negative, fractional, absurd or string size, is refused" {
	web_image "$WEB_DIR" "$IMG_LAYOUT" four t/sizes
	local s
	for s in 'del(.layers[0].size)' '.layers[0].size = -1' '.layers[0].size = 1.5' '.layers[0].size = 1e30' \
		'.layers[0].size = "12"' '.layers[0].size = null'; do
		cp "$WEB_DIR/www/v2/t/sizes/manifests/1" "$BATS_TEST_TMPDIR/m"
		web_manifest t/sizes "$s"
		run ctr pull -q "$WEB/t/sizes:1"
		assert_failure 125
		assert_output --regexp "^ctr: pull $WEB/t/sizes:1: layer sha256:[0-9a-f]{64}: bad size '[^']*'$"
		assert_nothing_left
		cp "$BATS_TEST_TMPDIR/m" "$WEB_DIR/www/v2/t/sizes/manifests/1"
	done
	web_manifest t/sizes '.layers[0].size = 12345678901234567'
	run ctr pull -q "$WEB/t/sizes:1"
	assert_failure 125
	assert_output --regexp "^ctr: pull $WEB/t/sizes:1: layer sha256:[0-9a-f]{64}: [0-9]+ bytes, more than CTR_MAX_IMAGE_SIZE \(10G\)$"
}

@test "load: the same limits: layer count, unpacked size (a bomb), members' sizes, stdin" {
	local a=$BATS_TEST_TMPDIR
	skopeo copy -q "oci:$IMG_LAYOUT:four" "oci-archive:$a/four.tar:t/four:1"
	CTR_MAX_LAYERS=3 run ctr load -i "$a/four.tar"
	assert_failure 125
	assert_output "ctr: load t/four:1: 4 layers, more than CTR_MAX_LAYERS (3)"
	assert_nothing_left
	skopeo copy -q "oci:$IMG_LAYOUT:bomb" "oci-archive:$a/bomb.tar:t/bomb:1"
	CTR_MAX_IMAGE_SIZE=50M run ctr load -i "$a/bomb.tar"
	assert_failure 125
	assert_output --partial "ctr: load t/bomb:1: layer $BOMB_LAYER: more than CTR_MAX_IMAGE_SIZE (50M) unpacked"
	assert_nothing_left
	# a blob member larger than the limit; then a sparse one, far larger than the archive
	CTR_MAX_IMAGE_SIZE=100K run ctr load -i "$a/bomb.tar"
	assert_failure 125
	assert_output --regexp "^ctr: load $a/bomb.tar: blobs/sha256/[0-9a-f]{64}: [0-9]+ bytes, more than CTR_MAX_IMAGE_SIZE \(100K\)$"
	mkdir -p "$a/sp/blobs/sha256"
	echo '{"schemaVersion":2,"manifests":[]}' >"$a/sp/index.json"
	truncate -s 5G "$a/sp/blobs/sha256/$(printf '%064d' 1)"
	tar -C "$a/sp" -cSf "$a/sparse.tar" index.json blobs
	run ctr load -i "$a/sparse.tar"
	assert_failure 125
	assert_output "ctr: load $a/sparse.tar: its members add up to more bytes than the archive has (sparse files)"
	assert_nothing_left
	# stdin is read up to the limit, not to the end
	run bash -c "head -c 3M /dev/zero | CTR_MAX_IMAGE_SIZE=1M '$CTR' load"
	assert_failure 125
	assert_output "ctr: load: the archive on stdin is larger than CTR_MAX_IMAGE_SIZE (1M) (use -i FILE)"
	assert_nothing_left
	run ctr load -i "$a/four.tar"
	assert_success
}

@test "load: a layer's xattr metadata is bounded: 40 MB of pax headers before one file, 70 files of a 1 MB xattr: refused, nothing left" {
	# a gzip of repeated headers is ~1000 times smaller than what the xattr reader would hold (the
	# default CTR_MAX_IMAGE_SIZE let 10 MB of download make ctr-tar hold 10 GB) and the plan it writes
	local a=$BATS_TEST_TMPDIR l=$BATS_TEST_TMPDIR/layout d
	d=$(pax_xattr_layer "$a/one.gz" 1 40)
	layout_add_gz "$l" one "$a/one.gz:$d" >/dev/null
	d=$(pax_xattr_layer "$a/many.gz" 70 1)
	layout_add_gz "$l" many "$a/many.gz:$d" >/dev/null
	skopeo copy -q "oci:$l:one" "oci-archive:$a/one.tar:t/one:1"
	skopeo copy -q "oci:$l:many" "oci-archive:$a/many.tar:t/many:1"
	run ctr load -i "$a/one.tar"
	assert_failure 125
	assert_output --partial "more than 1 MiB of tar metadata (pax headers, long names) for one entry"
	assert_nothing_left
	run ctr load -i "$a/many.tar"
	assert_failure 125
	assert_output --partial "the layer's xattrs and their paths take more than 64 MiB"
	assert_nothing_left
}
