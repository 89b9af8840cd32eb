#!/usr/bin/env bats
# pull, login, tag, commit, save, load against a real registry (Debian's docker-registry) on 127.0.0.1,
# started once for this file with its own storage; images are built with umoci or by hand
# (test/fixtures/pull-images.bash) and pushed with skopeo. Every test has its own CTR_ROOT pool.

load helper
load fixtures/registry
load fixtures/images
load fixtures/pull-images

setup_file() {
	export REG_DIR=$BATS_FILE_TMPDIR/reg IMG_LAYOUT=$BATS_FILE_TMPDIR/layout IMG_WORK=$BATS_FILE_TMPDIR/work
	export HOST_DIR=$BATS_FILE_TMPDIR/host
	reg_start "$REG_DIR" none
	export REG REG_LOG
	images_build
	export BAD_LAYER
	tok_start "$REG_DIR"
	export TOK
}

teardown_file() {
	reg_stop "$REG_DIR"
}

setup() { reg_test_setup; }
teardown() { reg_test_teardown; }

# img_dir NAME: the rootfs of a local image.
img_dir() {
	tree_path images "$(cat "$(ref_path "$1")")"
}

# ref_path NAME:TAG: its refs/ file.
ref_path() {
	echo "$CTR_ROOT/refs/${1//\//%2F}"
}

# img_cfg NAME JQ: a field of a local image's config.json.
img_cfg() {
	jq -c "$2" "$CTR_ROOT/images/$(cat "$(ref_path "$1")")/config.json"
}

# assert_same_tree A B: the two trees match entry for entry (see tree_sig).
assert_same_tree() {
	diff <(tree_sig "$1") <(tree_sig "$2")
}

# assert_no_leftovers: no half-made image, no partial download.
assert_no_leftovers() {
	run find "$CTR_ROOT/tmp" "$POOL_DIR/tmp" -mindepth 1
	assert_output ''
	run find "$POOL_DIR/blobs" -name '*.part'
	assert_output ''
}

@test "pull: two layers with whiteouts and a hardlink across layers, same tree as umoci unpack" {
	run ctr pull "$REG/t/two:oci"
	assert_success
	assert_line --partial "Pull complete"
	assert_line "Digest: $(skopeo inspect --tls-verify=false "docker://$REG/t/two:oci" | jq -r .Digest)"
	local r
	r=$(img_dir "$REG/t/two:oci")
	[ ! -e "$r/etc/a" ]
	[ ! -e "$r/d/sub" ]
	[ "$(cat "$r/d/new")" = new ]
	[ "$(stat -c %i "$r/h1")" = "$(stat -c %i "$r/h2")" ]
	[ "$(stat -c '%a %u:%g' "$r/etc/keep")" = "640 1000:1000" ]
	umoci_rootfs "$IMG_LAYOUT" two "$BATS_TEST_TMPDIR/umoci"
	assert_same_tree "$r" "$BATS_TEST_TMPDIR/umoci/rootfs"
	run find "$r" -name '.wh.*' -o -name 'busybox-ctr-*'
	assert_output ''
	assert_no_leftovers
}

@test "pull: the image config is recorded for run (cmd, env, workdir, ports, user, source)" {
	ctr pull -q "$REG/t/two:oci"
	[ "$(img_cfg "$REG/t/two:oci" .cmd)" = '["/bin/sh","-c","echo \"A=$A B=$B\"; pwd"]' ]
	[ "$(img_cfg "$REG/t/two:oci" .env)" = '["A=1","B=two words"]' ]
	[ "$(img_cfg "$REG/t/two:oci" .workdir)" = '"/d"' ]
	[ "$(img_cfg "$REG/t/two:oci" .exposed_ports)" = '["53/udp","80/tcp"]' ]
	[ "$(img_cfg "$REG/t/two:oci" .entrypoint)" = '[]' ]
	run img_cfg "$REG/t/two:oci" .source
	assert_output "\"$REG/t/two:oci@$(skopeo inspect --tls-verify=false "docker://$REG/t/two:oci" | jq -r .Digest)\""
	ctr pull -q "$REG/t/opq:gzip"
	[ "$(img_cfg "$REG/t/opq:gzip" .user)" = '"1000:1000"' ]
	[ "$(img_cfg "$REG/t/opq:gzip" .created)" = '"2024-01-02T03:04:05Z"' ]
	run ctr images
	assert_line --regexp "^$REG/t/opq:gzip +[0-9a-f]{12} +2024-01-02T03:04:05Z"
}

@test "pull: docker v2 schema 2 gives the same tree as the OCI manifest" {
	ctr pull -q "$REG/t/two:oci"
	ctr pull -q "$REG/t/two:v2s2"
	[ "$(img_cfg "$REG/t/two:v2s2" .media_type)" = '"application/vnd.docker.distribution.manifest.v2+json"' ]
	assert_same_tree "$(img_dir "$REG/t/two:oci")" "$(img_dir "$REG/t/two:v2s2")"
}

@test "pull: opaque whiteout, hardlinks in and across layers, same tree as umoci unpack" {
	ctr pull -q "$REG/t/opq:gzip"
	local r
	r=$(img_dir "$REG/t/opq:gzip")
	run ls -A "$r/o"
	assert_output new
	[ "$(stat -c %a "$r/o")" = 700 ]
	[ "$(stat -c %i "$r/x")" = "$(stat -c %i "$r/y")" ]
	[ "$(stat -c %i "$r/z/f")" = "$(stat -c %i "$r/z/f2")" ]
	[ "$(stat -c %a "$r/x")" = 750 ]
	[ ! -e "$r/keep/k" ] && [ -d "$r/keep" ]
	umoci_rootfs "$IMG_LAYOUT" opq-gzip "$BATS_TEST_TMPDIR/umoci"
	assert_same_tree "$r" "$BATS_TEST_TMPDIR/umoci/rootfs"
}

@test "pull: an entry that changes type replaces what was there, as umoci unpack does" {
	ctr pull -q "$REG/t/replace:1"
	local r
	r=$(img_dir "$REG/t/replace:1")
	[ "$(cat "$r/r1")" = "now a file" ]
	[ -d "$r/r2" ] && [ ! -L "$r/r2" ] && [ ! -e "$r/r2/f" ] && [ "$(cat "$r/r2/g")" = g ]
	[ "$(readlink "$r/r3")" = real ]
	[ ! -e "$r/real/g" ]
	umoci_rootfs "$IMG_LAYOUT" replace "$BATS_TEST_TMPDIR/umoci"
	assert_same_tree "$r" "$BATS_TEST_TMPDIR/umoci/rootfs"
}

@test "pull: zstd and uncompressed layers give the same tree as gzip" {
	ctr pull -q "$REG/t/opq:gzip"
	ctr pull -q "$REG/t/opq:zstd"
	ctr pull -q "$REG/t/opq:none"
	assert_same_tree "$(img_dir "$REG/t/opq:gzip")" "$(img_dir "$REG/t/opq:zstd")"
	assert_same_tree "$(img_dir "$REG/t/opq:gzip")" "$(img_dir "$REG/t/opq:none")"
	# the blobs are the registry's: compressed as pushed
	run od -An -tx1 -N4 "$POOL_DIR/blobs/sha256/$(img_cfg "$REG/t/opq:zstd" '.layers[0]' | tr -d '"' | cut -d: -f2)"
	assert_output ' 28 b5 2f fd'
}

@test "pull: an OCI index and a docker manifest list give the host's platform, --platform another" {
	[ "$(uname -m)" = x86_64 ] || skip "the fixtures name amd64 as the host"
	local repo
	for repo in t/multi t/list; do
		ctr pull -q "$REG/$repo:1"
		[ "$(cat "$(img_dir "$REG/$repo:1")/arch")" = amd64 ]
		ctr pull -q --platform linux/arm64 "$REG/$repo:1"
		[ "$(cat "$(img_dir "$REG/$repo:1")/arch")" = arm64 ]
		[ "$(img_cfg "$REG/$repo:1" .platform)" = '"linux/arm64"' ]
		run ctr pull --platform linux/s390x "$REG/$repo:1"
		assert_failure 125
		assert_output --partial "no image for linux/s390x (the index has: linux/amd64, linux/arm64/v8)"
	done
}

@test "pull: by digest; a digest the content does not match is refused" {
	local d
	d=$(skopeo inspect --tls-verify=false "docker://$REG/t/opq:gzip" | jq -r .Digest)
	run ctr pull -q "$REG/t/opq@$d"
	assert_success
	run ctr images
	assert_line --partial "$REG/t/opq@$d"
	run ctr pull "$REG/t/opq@sha256:$(printf '%064d' 0)"
	assert_failure 125
	assert_no_leftovers
	run ctr pull "$REG/t/opq@sha256:12"
	assert_failure 125
	assert_output "ctr: $REG/t/opq@sha256:12: invalid digest (sha256:<64 hex>)"
}

@test "pull: a blob whose bytes do not match its digest fails and leaves nothing" {
	run ctr pull "$REG/t/bad:1"
	assert_failure 125
	assert_output --partial "blob $BAD_LAYER: content does not match its digest"
	run ctr images
	refute_line --partial t/bad
	[ -d "$POOL_DIR/blobs/sha256" ] && [ ! -e "$POOL_DIR/blobs/sha256/${BAD_LAYER#sha256:}" ]
	run ls "$CTR_ROOT/images"
	assert_output ''
	assert_no_leftovers
}

@test "pull: a second pull downloads no blob; a shared layer is not downloaded twice" {
	ctr pull -q "$REG/t/opq:gzip"
	local before
	before=$(reg_blob_gets "$REG_LOG")
	run ctr pull "$REG/t/opq:gzip"
	assert_success
	assert_line "Status: Image is up to date for $REG/t/opq:gzip"
	[ "$(reg_blob_gets "$REG_LOG")" = "$before" ]
	# public/img:1 is the same image under another name: every blob is already cached
	run ctr pull "$REG/public/img:1"
	assert_success
	[ "$(reg_blob_gets "$REG_LOG")" = "$before" ]
}

@test "pull: plain progress lines when not on a terminal, a redrawn display on one" {
	run ctr pull "$REG/t/opq:gzip"
	assert_success
	assert_line --regexp '^[0-9a-f]{12}: Pulling fs layer$'
	assert_line --regexp '^[0-9a-f]{12}: Download complete$'
	assert_line --regexp '^[0-9a-f]{12}: Pull complete$'
	refute_output --partial $'\033'
	run script -qec "$CTR pull $REG/t/opq:zstd" /dev/null
	assert_success
	assert_output --partial $'\033[K'
	assert_output --partial 'Pull complete'
}

# midway: true when a pull is half done: a download in progress or a rootfs not yet renamed.
midway() {
	ls -d "$POOL_DIR"/tmp/pull-*/w/*.part "$POOL_DIR"/tmp/pull-*/rootfs 2>/dev/null | grep -q .
}

# freeze_midway PGID: stop the pull's process group (SIGSTOP) at a moment it is half done; false if
# it ended first.
freeze_midway() {
	local i
	wait_for kill -0 -- "-$1" || return 1 # setsid has run
	for i in $(seq 1000); do
		kill -STOP -- "-$1" 2>/dev/null || return 1
		midway && return 0
		kill -CONT -- "-$1"
		sleep 0.01
	done
	return 1
}

@test "pull: killed (SIGKILL) in the middle, cleanup removes what it left" {
	ctr pull -q "$REG/t/opq:gzip" # the pool exists before the clock starts
	setsid "$CTR" pull "$REG/t/big:1" >/dev/null 2>&1 &
	bg=$!
	freeze_midway "$bg" # then kill ctr.sh alone
	kill -KILL "$bg"
	# ctr.sh may have been alone in its group (between two tools): then the group is gone now
	kill -CONT -- "-$bg" 2>/dev/null || true
	wait "$bg" || true
	wait_for eval "! pgrep -g $bg >/dev/null" # its orphaned workers end on their own
	run ctr images
	refute_line --partial t/big
	run ctr cleanup
	assert_success
	assert_output --partial "removed $CTR_ROOT/tmp/pull-"
	assert_no_leftovers
	run ctr pull -q "$REG/t/big:1"
	assert_success
}

@test "pull: interrupted (Ctrl-C, SIGTERM) in the middle, it removes what it made" {
	ctr pull -q "$REG/t/opq:gzip"
	local sig rc
	for sig in INT TERM; do
		# a terminal's Ctrl-C goes to the whole process group; SIGINT must not be ignored from the start
		setsid env --default-signal=INT "$CTR" pull "$REG/t/big:1" >/dev/null 2>&1 &
		bg=$!
		freeze_midway "$bg"
		if [ "$sig" = INT ]; then kill -INT -- "-$bg"; else kill -TERM "$bg"; fi
		kill -CONT -- "-$bg"
		rc=0
		wait "$bg" || rc=$?
		[ "$rc" = "$([ "$sig" = INT ] && echo 130 || echo 143)" ]
		wait_for eval "! pgrep -g $bg >/dev/null"
		run ctr images
		refute_line --partial t/big
		assert_no_leftovers
		rm -rf "$POOL_DIR/blobs/sha256"/* # the next round downloads again
	done
}

@test "pull: layers download in parallel" {
	ctr pull -q "$REG/t/opq:gzip"
	local try i n=0
	for try in 1 2 3 4 5; do
		setsid "$CTR" pull -q "$REG/t/big:1" >/dev/null 2>&1 &
		bg=$!
		wait_for kill -0 -- "-$bg"
		for i in $(seq 300); do
			kill -STOP -- "-$bg" 2>/dev/null || break
			n=$(pgrep -g "$bg" -x curl | wc -l)
			kill -CONT -- "-$bg"
			[ "$n" -lt 2 ] || break
			kill -0 "$bg" 2>/dev/null || break
			sleep 0.005
		done
		wait "$bg"
		[ "$n" -lt 2 ] || break
		ctr rmi "$REG/t/big:1" >/dev/null
		rm -rf "$POOL_DIR/blobs/sha256"/*
	done
	echo "curls at once: $n"
	[ "$n" -ge 2 ]
}

@test "pull: malicious layers cannot write outside the image" {
	local t h=$HOST_DIR
	for t in abs dotdot symlink symlink2 hardlink; do
		run ctr pull "$REG/t/evil-$t:1"
		echo "evil-$t: $status $output"
		run find "$h" -name '*-escaped'
		assert_output ''
		[ "$(cat "$h/secret")" = "host secret" ] && [ "$(stat -c %h "$h/secret")" = 1 ]
		[ "$(cat "$h/victim")" = "host victim" ]
		run find "$POOL_DIR/images" -samefile "$h/secret"
		assert_output ''
	done
	# what could be neutralised was: the files landed inside the image
	[ -f "$(img_dir "$REG/t/evil-abs:1")$h/abs-escaped" ]
	[ -f "$(img_dir "$REG/t/evil-dotdot:1")$h/dotdot-escaped" ]
	[ -f "$(img_dir "$REG/t/evil-symlink2:1")$h/symlink2-escaped" ]
	[ -f "$(img_dir "$REG/t/evil-symlink2:1")$h/symlink3-escaped" ]
	[ "$(readlink "$(img_dir "$REG/t/evil-symlink2:1")/esc")" = / ]
}

@test "pull: device nodes in a layer are not created" {
	run ctr pull "$REG/t/evil-dev:1"
	assert_success
	assert_output --partial "can't create node"
	local r
	r=$(img_dir "$REG/t/evil-dev:1")
	[ "$(cat "$r/fine")" = "still here" ]
	run find "$r" -type b -o -type c
	assert_output ''
}

@test "pull: a whiteout naming . or .. is refused" {
	run ctr pull "$REG/t/evil-wh:1"
	assert_failure 125
	assert_output --partial "unsupported whiteout name"
	assert_no_leftovers
}

@test "pull: reference rules and errors" {
	run ctr pull "$REG/t/Upper:1"
	assert_failure 125
	assert_output "ctr: $REG/t/Upper:1: invalid repository name (lowercase a-z 0-9 . _ - /)"
	run ctr pull "$REG/t/nothere:1"
	assert_failure 125
	assert_output --partial "$REG/t/nothere:1: manifest: HTTP 404: MANIFEST_UNKNOWN"
	run ctr pull "127.0.0.1:1/t/two:oci"
	assert_failure 125
	assert_output --partial "GET http://127.0.0.1:1/v2/t/two/manifests/oci: failed"
	# docker's rules: a bare name is docker.io/library, over HTTPS, unless declared insecure
	CTR_INSECURE_REGISTRIES="registry-1.docker.io" run ctr pull busybox:1.36
	assert_failure 125
	assert_output --partial "GET http://registry-1.docker.io/v2/library/busybox/manifests/1.36: failed"
	run ctr pull example.com:1/a/b
	assert_failure 125
	assert_output --partial "GET https://example.com:1/v2/a/b/manifests/latest: failed"
}

@test "login + pull with Basic auth; credentials stored 0600; docker's config.json is read too" {
	reg_start "$REG_DIR" basic
	test_reg=$REG_PID
	run ctr pull "$REG/t/opq:gzip"
	assert_failure 125
	assert_output --partial "$REG: authentication required (ctr.sh login $REG)"
	run ctr login -u "$REG_USER" --password-stdin "$REG" <<<wrong
	assert_failure 125
	assert_output "ctr: login $REG: wrong username or password"
	[ ! -e "$CTR_ROOT/auth.json" ]
	run ctr login -u "$REG_USER" --password-stdin "$REG" <<<"$REG_PASS"
	assert_success
	assert_output "Login Succeeded"
	[ "$(stat -c %a "$CTR_ROOT/auth.json")" = 600 ]
	run ctr pull -q "$REG/t/opq:gzip"
	assert_success
	rm "$CTR_ROOT/auth.json"
	mkdir -p "$DOCKER_CONFIG"
	jq -n --arg r "http://$REG" --arg a "$(printf '%s:%s' "$REG_USER" "$REG_PASS" | base64 -w0)" \
		'{auths: {($r): {auth: $a}}}' >"$DOCKER_CONFIG/config.json"
	run ctr pull -q "$REG/t/opq:zstd"
	assert_success
}

@test "pull with anonymous Bearer tokens from a token server" {
	reg_start "$REG_DIR" token
	test_reg=$REG_PID
	: >"$REG_DIR/tok/requests"
	run ctr pull "$REG/public/img:1"
	assert_success
	run cat "$REG_DIR/tok/requests"
	assert_line "anonymous repository:public/img:pull"
	run ctr pull "$REG/t/opq:gzip"
	assert_failure 125
	assert_output --partial "HTTP 401: UNAUTHORIZED"
}

@test "login + pull with Bearer tokens that need credentials" {
	reg_start "$REG_DIR" token-login
	test_reg=$REG_PID
	: >"$REG_DIR/tok/requests"
	run ctr pull "$REG/t/opq:gzip"
	assert_failure 125
	assert_output --partial "authentication required (ctr.sh login $REG)"
	run ctr login -u "$REG_USER" --password-stdin "$REG" <<<"$REG_PASS"
	assert_success
	run ctr pull -q "$REG/t/opq:gzip"
	assert_success
	run cat "$REG_DIR/tok/requests"
	assert_line "$REG_USER repository:t/opq:pull"
}

@test "tag: another name for an image; names are checked" {
	ctr pull -q "$REG/t/opq:gzip"
	run ctr tag "$REG/t/opq:gzip" mine:1
	assert_success
	[ "$(cat "$(ref_path mine:1)")" = "$(cat "$(ref_path "$REG/t/opq:gzip")")" ]
	run ctr tag mine:1 docker.io/library/other
	assert_success
	[ -f "$(ref_path other:latest)" ]
	run ctr tag mine:1 Bad:1
	assert_failure 125
	run ctr tag nothere:1 x:1
	assert_failure 125
	assert_output "ctr: image nothere:1: no such image"
}

@test "rmi NAME of an image with other names: only that name goes (Untagged); the last name removes it; rmi ID of several names needs -f" {
	ctr pull -q "$REG/t/opq:gzip"
	id=$(cat "$(ref_path "$REG/t/opq:gzip")")
	ctr tag "$REG/t/opq:gzip" mine:1
	ctr tag mine:1 mine:2
	run ctr rmi "$id"
	assert_failure 125
	assert_output "ctr: image $id: has 3 names (rmi each name, or rmi -f ID)"
	run ctr rmi mine:1 mine:2
	assert_success
	assert_output "Untagged: mine:1
Untagged: mine:2"
	[ ! -e "$(ref_path mine:1)" ] && [ ! -e "$(ref_path mine:2)" ]
	[ -d "$(img_dir "$REG/t/opq:gzip")" ]
	run ctr images
	assert_line --regexp "^$REG/t/opq:gzip +$id "
	ctr tag "$REG/t/opq:gzip" mine:3
	run ctr rmi -f "$id"
	assert_success
	assert_output "Deleted: $id"
	[ ! -e "$(ref_path mine:3)" ] && [ ! -e "$(ref_path "$REG/t/opq:gzip")" ]
	[ ! -d "$CTR_ROOT/images/$id" ]
}

@test "save: an OCI archive skopeo reads; its blobs are the registry's" {
	ctr pull -q "$REG/t/two:oci"
	run ctr save -o "$BATS_TEST_TMPDIR/two.tar" "$REG/t/two:oci"
	assert_success
	run skopeo inspect --raw "oci-archive:$BATS_TEST_TMPDIR/two.tar"
	assert_success
	[ "sha256:$(skopeo inspect --raw "oci-archive:$BATS_TEST_TMPDIR/two.tar" | sha256sum | cut -c1-64)" = \
		"$(skopeo inspect --tls-verify=false "docker://$REG/t/two:oci" | jq -r .Digest)" ]
	# and back through the registry: skopeo pushes it, ctr pulls it, same tree
	skopeo copy -q --dest-tls-verify=false "oci-archive:$BATS_TEST_TMPDIR/two.tar" "docker://$REG/t/saved:1"
	ctr pull -q "$REG/t/saved:1"
	assert_same_tree "$(img_dir "$REG/t/two:oci")" "$(img_dir "$REG/t/saved:1")"
}

@test "save: a docker v2s2 image and a local image become OCI; load reads them back" {
	ctr pull -q "$REG/t/two:v2s2"
	mkdir "$BATS_TEST_TMPDIR/dir"
	echo hello >"$BATS_TEST_TMPDIR/dir/hello"
	ctr init "$BATS_TEST_TMPDIR/dir" local:1 >/dev/null
	ctr save -o "$BATS_TEST_TMPDIR/both.tar" "$REG/t/two:v2s2" local:1
	skopeo copy -q "oci-archive:$BATS_TEST_TMPDIR/both.tar:local:1" "oci:$BATS_TEST_TMPDIR/l:local"
	umoci_rootfs "$BATS_TEST_TMPDIR/l" local "$BATS_TEST_TMPDIR/u"
	assert_same_tree "$(img_dir local:1)" "$BATS_TEST_TMPDIR/u/rootfs"
	ctr rmi "$REG/t/two:v2s2" local:1
	run ctr load -i "$BATS_TEST_TMPDIR/both.tar"
	assert_success
	assert_line --partial "Loaded image: $REG/t/two:v2s2"
	assert_line --partial "Loaded image: local:1"
	[ "$(cat "$(img_dir local:1)/hello")" = hello ]
	[ "$(img_cfg "$REG/t/two:v2s2" .cmd)" = '["/bin/sh","-c","echo \"A=$A B=$B\"; pwd"]' ]
	assert_no_leftovers
}

@test "load: an archive skopeo wrote from the registry; an index picks the host's platform" {
	skopeo copy -q --src-tls-verify=false "docker://$REG/t/opq:zstd" "oci-archive:$BATS_TEST_TMPDIR/o.tar:t/opq:zstd"
	run ctr load <"$BATS_TEST_TMPDIR/o.tar"
	assert_success
	assert_output --partial "Loaded image: t/opq:zstd"
	umoci_rootfs "$IMG_LAYOUT" opq-gzip "$BATS_TEST_TMPDIR/umoci"
	assert_same_tree "$(img_dir t/opq:zstd)" "$BATS_TEST_TMPDIR/umoci/rootfs"
	[ "$(uname -m)" = x86_64 ] || return 0
	skopeo copy -q --all --src-tls-verify=false "docker://$REG/t/multi:1" "oci-archive:$BATS_TEST_TMPDIR/m.tar:multi:1"
	run ctr load -i "$BATS_TEST_TMPDIR/m.tar"
	assert_success
	[ "$(cat "$(img_dir multi:1)/arch")" = amd64 ]
}

@test "load: refuses what is not an image layout, and corrupt blobs" {
	tar -C "$BATS_TEST_TMPDIR" -cf "$BATS_TEST_TMPDIR/not.tar" --files-from /dev/null
	run ctr load -i "$BATS_TEST_TMPDIR/not.tar"
	assert_failure 125
	assert_output --partial "not an OCI image layout (no index.json)"
	mkdir "$BATS_TEST_TMPDIR/lay"
	skopeo copy -q --src-tls-verify=false "docker://$REG/t/opq:none" "oci:$BATS_TEST_TMPDIR/lay:x"
	local l
	l=$(jq -r .layers[0].digest "$BATS_TEST_TMPDIR/lay/blobs/sha256/$(jq -r .manifests[0].digest "$BATS_TEST_TMPDIR/lay/index.json" | cut -d: -f2)")
	printf 'XX' | dd of="$BATS_TEST_TMPDIR/lay/blobs/sha256/${l#sha256:}" bs=1 seek=100 conv=notrunc status=none
	tar -C "$BATS_TEST_TMPDIR/lay" -cf "$BATS_TEST_TMPDIR/bad.tar" .
	run ctr load -i "$BATS_TEST_TMPDIR/bad.tar"
	assert_failure 125
	assert_output --partial "content does not match its digest"
	run ls "$CTR_ROOT/images"
	assert_output ''
	assert_no_leftovers
}

# ---------------------------------------------------------------- these need the run helpers

run_needs_helpers() {
	[ -x "${CTR_LIBEXEC:-$TOP/build}/nsenter-chroot" ] && [ -x "${CTR_LIBEXEC:-$TOP/build}/ctr-shim" ] ||
		fail "build the helpers first (make helpers)"
}

@test "run a pulled image: its cmd, env and workdir" {
	run_needs_helpers
	ctr pull -q "$REG/t/two:oci"
	run ctr run --rm --net none "$REG/t/two:oci"
	assert_success
	assert_output $'A=1 B=two words\n/d'
}

@test "commit: a container's changes become an image (running or stopped)" {
	run_needs_helpers
	ctr pull -q "$REG/t/two:oci"
	run ctr run --net none --name c1 -e C=3 "$REG/t/two:oci" sh -c 'echo changed >/d/new; rm /etc/keep'
	assert_success
	run ctr commit c1 committed:1
	assert_success
	local id=$output
	[ "$(cat "$(ref_path committed:1)")" = "$id" ]
	[ "$(cat "$(img_dir committed:1)/d/new")" = changed ]
	[ ! -e "$(img_dir committed:1)/etc/keep" ]
	[ "$(img_cfg committed:1 .env)" = '["A=1","B=two words","C=3"]' ]
	[ "$(img_cfg committed:1 .cmd)" = '["sh","-c","echo changed >/d/new; rm /etc/keep"]' ]
	run btrfs property get -ts "$(img_dir committed:1)" ro
	assert_output ro=true
	# a running one
	run ctr run -d --net none --name c2 committed:1 sh -c 'echo live >/live; sleep 100'
	assert_success
	wait_for test -f "$(tree_path containers "$output")/live"
	run ctr commit c2
	assert_success
	[ "$(cat "$(tree_path images "$output")/live")" = live ]
	ctr rm -f c2 >/dev/null
}
