#!/usr/bin/env bats
# push (and the fidelity of pull: xattrs, file capabilities) against a real registry (Debian's
# docker-registry) on 127.0.0.1, started once for this file. The base image is built with umoci (a
# static busybox, a file capability, an xattr, hard links, files and a directory that the tests'
# containers delete or replace) and pushed with skopeo. What ctr pushes is read back with tools
# nobody here wrote: skopeo (inspect, copy: every digest checked) and umoci (unpack).

load helper
load fixtures/registry
load fixtures/images

OCI_M=application/vnd.oci.image.manifest.v1+json

setup_file() {
	export REG_DIR=$BATS_FILE_TMPDIR/reg IMG_LAYOUT=$BATS_FILE_TMPDIR/layout HOST_DIR=$BATS_FILE_TMPDIR/host
	reg_start "$REG_DIR" none
	export REG REG_LOG
	base_build
	evil_xattr_build
}

teardown_file() {
	reg_stop "$REG_DIR"
}

setup() { reg_test_setup; }
teardown() { reg_test_teardown; }

# base_build: base/img:1, one layer made by umoci from a bundle.
base_build() {
	local b=$BATS_FILE_TMPDIR/bundle r
	umoci init --layout "$IMG_LAYOUT"
	umoci new --image "$IMG_LAYOUT:base"
	umoci unpack --image "$IMG_LAYOUT:base" "$b" >/dev/null
	r=$b/rootfs
	mkdir -p "$r/bin" "$r/etc" "$r/d/sub" "$r/keep"
	cp /bin/busybox "$r/bin/busybox"
	ln -s busybox "$r/bin/sh"
	cp /bin/busybox "$r/bin/ping"
	setcap cap_net_raw+ep "$r/bin/ping"
	echo del >"$r/etc/del"
	echo keep >"$r/etc/keep"
	setfattr -n user.origin -v base "$r/etc/keep"
	echo s >"$r/d/sub/s"
	echo f >"$r/d/f"
	echo data >"$r/keep/h1"
	ln "$r/keep/h1" "$r/keep/h2"
	umoci repack --refresh-bundle --image "$IMG_LAYOUT:base" "$b"
	umoci config --image "$IMG_LAYOUT:base" --config.cmd /bin/sh --config.env BASE=1 --config.label org.ctr.test=base
	skopeo copy --quiet --dest-tls-verify=false --preserve-digests "oci:$IMG_LAYOUT:base" "docker://$REG/base/img:1"
}

# evil_xattr_build: t/evil-xattr:1, xattrs and a file capability aimed at $HOST_DIR's files: through
# a symlink to / of the layer below (esc), and through a name that climbs out (../../).
evil_xattr_build() {
	local s=$BATS_FILE_TMPDIR/stage h=$HOST_DIR t1=$BATS_FILE_TMPDIR/x1.tar t2=$BATS_FILE_TMPDIR/x2.tar
	mkdir -p "$h" "$s/esc$h"
	echo "host victim" >"$h/victim"
	echo "host victim" >"$h/victim2"
	tar_entry "$t1" esc 2 /
	tar_end "$t1"
	echo pwned >"$s/esc$h/victim"
	setfattr -n user.pwned -v 1 "$s/esc$h/victim"
	setcap cap_sys_admin+ep "$s/esc$h/victim"
	cp -a "$s/esc$h/victim" "$s/dotdot"
	tar -C "$s" -P --xattrs --xattrs-include='*' --no-recursion \
		--transform "s|^dotdot\$|../../../../../../../..$h/victim2|" -cf "$t2" "esc$h/victim" dotdot
	layout_add "$IMG_LAYOUT" evil-xattr none amd64 '{}' "$t1" "$t2" >/dev/null
	skopeo copy --quiet --dest-tls-verify=false --preserve-digests "oci:$IMG_LAYOUT:evil-xattr" "docker://$REG/t/evil-xattr:1"
}

# img_dir NAME: the tree of a local image.
img_dir() {
	tree_path images "$(cat "$CTR_ROOT/refs/${1//\//%2F}")"
}

# xattr_sig DIR: every entry's xattrs, names sorted, values in hex (file capabilities too).
xattr_sig() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z | xargs -0 getfattr -h -d -m - -e hex 2>/dev/null)
}

# assert_same_tree A B: entry for entry (tree_sig: type, mode, owner, size, links, content) and xattrs.
assert_same_tree() {
	diff <(tree_sig "$1") <(tree_sig "$2")
	diff <(xattr_sig "$1") <(xattr_sig "$2")
}

# uploads_since LINE: the digests of the blobs the registry received after line LINE of its log.
uploads_since() {
	tail -n "+$(($1 + 1))" "$REG_LOG" | grep -E '"PUT /v2/[^ ]*/blobs/uploads/' | grep -o 'digest=sha256:[0-9a-f]*' |
		sed 's/^digest=//' || true
}

# skopeo_raw REF: the manifest as the registry serves it.
skopeo_raw() {
	skopeo inspect --raw --tls-verify=false "docker://$1"
}

# commit_app NAME: a container on base/img:1 that deletes a file (a whiteout), replaces a directory
# (an opaque one), adds hard links, and gets a file capability and an xattr (set from the host, as
# its processes could with CAP_SETFCAP); committed as NAME.
commit_app() {
	ctr pull -q "$REG/base/img:1" >/dev/null
	ctr run --net none --name app "$REG/base/img:1" sh -c \
		'rm /etc/del; rm -r /d; mkdir /d; echo new >/d/new; ln /keep/h1 /keep/h3; echo added >/added; ln /added /added2'
	local c
	c=$(tree_path containers "$(cat "$CTR_ROOT/names/app")")
	setcap cap_net_bind_service+ep "$c/added"
	setfattr -n user.note -v hello "$c/d/new"
	ctr commit app "$1" >/dev/null
}

@test "pull keeps xattrs and file capabilities (umoci's layer)" {
	ctr pull -q "$REG/base/img:1"
	local r
	r=$(img_dir "$REG/base/img:1")
	run getcap "$r/bin/ping"
	assert_output "$r/bin/ping cap_net_raw=ep"
	run getfattr --absolute-names --only-values -n user.origin "$r/etc/keep"
	assert_output base
	skopeo copy -q --src-tls-verify=false "docker://$REG/base/img:1" "oci:$BATS_TEST_TMPDIR/l:base"
	umoci_rootfs "$BATS_TEST_TMPDIR/l" base "$BATS_TEST_TMPDIR/u"
	assert_same_tree "$r" "$BATS_TEST_TMPDIR/u/rootfs"
}

@test "pull: a layer's xattrs and capabilities cannot reach outside the image (symlink, ..)" {
	run ctr pull "$REG/t/evil-xattr:1"
	echo "$output"
	local h=$HOST_DIR f
	for f in victim victim2; do
		[ "$(cat "$h/$f")" = "host victim" ]
		run getfattr -h -d -m - "$h/$f"
		assert_output ''
		run getcap "$h/$f"
		assert_output ''
	done
	# what went through the symlink landed inside the image, with its xattrs
	local r
	r=$(img_dir "$REG/t/evil-xattr:1")
	[ "$(readlink "$r/esc")" = / ]
	[ "$(getfattr --absolute-names --only-values -n user.pwned "$r$h/victim")" = 1 ]
}

@test "push: a commit on a pulled base; skopeo and umoci read it: the same tree, whiteouts, links, xattrs, capabilities" {
	commit_app "$REG/t/app:1"
	run ctr push "$REG/t/app:1"
	assert_success
	assert_line "The push refers to repository [$REG/t/app]"
	assert_line --regexp '^[0-9a-f]{12}: Pushed$'
	assert_line --regexp '^[0-9a-f]{12}: Mounted from base/img$'
	assert_line --regexp '^1: digest: sha256:[0-9a-f]{64} size: [0-9]+$'
	# the base's layer as it came, one layer more; the base's config kept, the commit's over it
	local base app
	base=$(skopeo inspect --tls-verify=false "docker://$REG/base/img:1")
	app=$(skopeo inspect --tls-verify=false "docker://$REG/t/app:1")
	[ "$(jq -c '.Layers[:-1]' <<<"$app")" = "$(jq -c .Layers <<<"$base")" ]
	[ "$(jq '.Layers | length' <<<"$app")" = 2 ]
	[ "$(jq -c .Labels <<<"$app")" = '{"org.ctr.test":"base"}' ]
	run skopeo inspect --config --tls-verify=false "docker://$REG/t/app:1"
	[ "$(jq '.rootfs.diff_ids | length' <<<"$output")" = 2 ]
	[ "$(jq -r '.history[-1].created_by' <<<"$output")" = "ctr: commit:$(cat "$CTR_ROOT/names/app") (image $REG/base/img:1)" ]
	[ "$(jq -c .config.Cmd <<<"$output")" = '["sh","-c","rm /etc/del; rm -r /d; mkdir /d; echo new >/d/new; ln /keep/h1 /keep/h3; echo added >/added; ln /added /added2"]' ]
	[ "$(jq -c .config.Env <<<"$output")" = "$(jq -c .Env <<<"$base")" ]
	# skopeo copies it (every digest checked), umoci unpacks it: the tree committed
	skopeo copy -q --src-tls-verify=false "docker://$REG/t/app:1" "oci:$BATS_TEST_TMPDIR/l:app"
	umoci_rootfs "$BATS_TEST_TMPDIR/l" app "$BATS_TEST_TMPDIR/u"
	local u=$BATS_TEST_TMPDIR/u/rootfs
	assert_same_tree "$(img_dir "$REG/t/app:1")" "$u"
	[ ! -e "$u/etc/del" ] && [ ! -e "$u/d/sub" ] && [ "$(cat "$u/d/new")" = new ]
	[ "$(stat -c %i "$u/keep/h1")" = "$(stat -c %i "$u/keep/h3")" ]
	[ "$(getcap "$u/added")" = "$u/added cap_net_bind_service=ep" ]
	[ "$(getcap "$u/bin/ping")" = "$u/bin/ping cap_net_raw=ep" ]
	# the new layer: a whiteout, an opaque directory, hard links as links
	local top
	top=$(jq -r '.layers[-1].digest' <<<"$(skopeo_raw "$REG/t/app:1")")
	run tar -tvzf "$BATS_TEST_TMPDIR/l/blobs/sha256/${top#sha256:}"
	assert_line --regexp ' etc/\.wh\.del$'
	assert_line --regexp ' d/\.wh\.\.wh\.\.opq$'
	assert_line --regexp ' added2 link to added$'
	assert_line --regexp ' keep/h3 link to keep/h1$'
	refute_line --partial bin/busybox
	# and back into a fresh store with ctr: the same tree
	tree_sig "$(img_dir "$REG/t/app:1")" >"$BATS_TEST_TMPDIR/sig"
	xattr_sig "$(img_dir "$REG/t/app:1")" >"$BATS_TEST_TMPDIR/xsig"
	ctr_teardown || true
	rm -rf "$CTR_ROOT"
	ctr_setup
	ctr pull -q "$REG/t/app:1"
	diff "$BATS_TEST_TMPDIR/sig" <(tree_sig "$(img_dir "$REG/t/app:1")")
	diff "$BATS_TEST_TMPDIR/xsig" <(xattr_sig "$(img_dir "$REG/t/app:1")")
}

@test "push: only what the registry lacks is sent (HEAD checks, mounts); the same image twice, the same digest" {
	commit_app "$REG/base/img:2"
	local mark new
	mark=$(wc -l <"$REG_LOG")
	run ctr push "$REG/base/img:2"
	assert_success
	assert_line --regexp '^[0-9a-f]{12}: Layer already exists$'
	# two uploads: the commit's layer and its config; never the base's layer
	run uploads_since "$mark"
	[ "${#lines[@]}" = 2 ]
	new=$(skopeo_raw "$REG/base/img:2")
	[ "${lines[0]}" = "$(jq -r '.layers[-1].digest' <<<"$new")" ]
	[ "${lines[1]}" = "$(jq -r .config.digest <<<"$new")" ]
	# to another repository: every blob mounted from base/img, none sent
	mark=$(wc -l <"$REG_LOG")
	run ctr push "$REG/base/img:2" "$REG/other/app:1"
	assert_success
	[ "$(grep -c 'Mounted from base/img' <<<"$output")" = 2 ]
	run uploads_since "$mark"
	assert_output ''
	# again: everything is there
	run ctr push "$REG/base/img:2" "$REG/other/app:2"
	assert_success
	[ "$(grep -c 'Layer already exists' <<<"$output")" = 2 ]
	[ "$(skopeo_raw "$REG/other/app:2" | sha256sum)" = "$(sha256sum <<<"$new")" ]
	run uploads_since "$mark"
	assert_output ''
	# the layer made is kept for the next push (in the blob cache), and goes with the image
	local id d
	id=$(cat "$CTR_ROOT/refs/${REG//\//%2F}%2Fbase%2Fimg:2")
	read -r d _ <"$CTR_ROOT/images/$id/layer.gzip"
	[ "$d" = "$(jq -r '.layers[-1].digest' <<<"$new")" ]
	[ -f "$POOL_DIR/blobs/sha256/${d#sha256:}" ]
	# made again (no record), the same bytes: the same manifest
	rm "$CTR_ROOT/images/$id/layer.gzip"
	ctr push -q "$REG/base/img:2" "$REG/other/app:3"
	[ "$(skopeo_raw "$REG/other/app:3" | sha256sum)" = "$(sha256sum <<<"$new")" ]
	ctr rm app >/dev/null
	ctr rmi "$REG/base/img:2" >/dev/null
	[ ! -e "$POOL_DIR/blobs/sha256/${d#sha256:}" ]
}

@test "push: an image built on a pulled base: only its new layers are sent; its steps as history; the tree built" {
	local ctx=$BATS_TEST_TMPDIR/ctx mark
	mkdir -p "$ctx"
	echo copied >"$ctx/f"
	cat >"$ctx/Dockerfile" <<EOF
FROM $REG/base/img:1
ENV A=1
RUN rm /etc/del && echo run >/run.txt
COPY f /f
LABEL org.ctr.test=built
CMD ["/bin/busybox", "cat", "/run.txt"]
EOF
	ctr build -q -t "$REG/base/img:built" --network none "$ctx" >/dev/null
	mark=$(wc -l <"$REG_LOG")
	run ctr push "$REG/base/img:built"
	assert_success
	[ "$(grep -c 'Layer already exists' <<<"$output")" = 1 ]
	[ "$(grep -c ': Pushed$' <<<"$output")" = 2 ]
	# sent: the RUN's layer, the COPY's, the config
	run uploads_since "$mark"
	[ "${#lines[@]}" = 3 ]
	run skopeo inspect --config --tls-verify=false "docker://$REG/base/img:built"
	local cfg=$output
	[ "$(jq '.rootfs.diff_ids | length' <<<"$cfg")" = 3 ]
	[ "$(jq '[.history[] | select(.empty_layer | not)] | length' <<<"$cfg")" = 3 ]
	run jq -r '.history[-5:][] | "\(.empty_layer // false) \(.created_by)"' <<<"$cfg"
	assert_line 'true ENV A=1'
	assert_line 'false RUN /bin/sh -c rm /etc/del && echo run >/run.txt'
	assert_line 'false COPY f /f'
	assert_line 'true CMD ["/bin/busybox", "cat", "/run.txt"]'
	[ "$(jq -c .config.Labels <<<"$cfg")" = '{"org.ctr.test":"built"}' ]
	[ "$(jq -c .config.Cmd <<<"$cfg")" = '["/bin/busybox","cat","/run.txt"]' ]
	jq -e '.config.Env | index("A=1")' <<<"$cfg"
	skopeo copy -q --src-tls-verify=false "docker://$REG/base/img:built" "oci:$BATS_TEST_TMPDIR/l:b"
	umoci_rootfs "$BATS_TEST_TMPDIR/l" b "$BATS_TEST_TMPDIR/u"
	assert_same_tree "$(img_dir "$REG/base/img:built")" "$BATS_TEST_TMPDIR/u/rootfs"
	[ ! -e "$BATS_TEST_TMPDIR/u/rootfs/etc/del" ]
	# pulled into a fresh store, it runs
	ctr_teardown || true
	rm -rf "$CTR_ROOT"
	ctr_setup
	ctr pull -q "$REG/base/img:built"
	run ctr run --rm --net none "$REG/base/img:built"
	assert_success
	assert_output run
}

@test "push: a pulled image goes as it came (same digest); --format v2s2 and --compression zstd" {
	ctr pull -q "$REG/base/img:1"
	run ctr push "$REG/base/img:1" "$REG/copy/img:1"
	assert_success
	[ "$(skopeo_raw "$REG/copy/img:1" | sha256sum)" = "$(skopeo_raw "$REG/base/img:1" | sha256sum)" ]
	commit_app fmt:1
	run ctr push --format v2s2 fmt:1 "$REG/fmt/v2:1"
	assert_success
	run skopeo_raw "$REG/fmt/v2:1"
	[ "$(jq -r .mediaType <<<"$output")" = application/vnd.docker.distribution.manifest.v2+json ]
	[ "$(jq -r .config.mediaType <<<"$output")" = application/vnd.docker.container.image.v1+json ]
	[ "$(jq -r '[.layers[].mediaType] | unique | .[]' <<<"$output")" = application/vnd.docker.image.rootfs.diff.tar.gzip ]
	run ctr push -q --compression zstd fmt:1 "$REG/fmt/zstd:1"
	assert_success
	assert_output --regexp "^$REG/fmt/zstd:1@sha256:[0-9a-f]{64}$"
	run skopeo_raw "$REG/fmt/zstd:1"
	[ "$(jq -r .mediaType <<<"$output")" = application/vnd.oci.image.manifest.v1+json ]
	[ "$(jq -r '.layers[-1].mediaType' <<<"$output")" = application/vnd.oci.image.layer.v1.tar+zstd ]
	skopeo copy -q --src-tls-verify=false "docker://$REG/fmt/zstd:1" "oci:$BATS_TEST_TMPDIR/l:z"
	skopeo copy -q --src-tls-verify=false "docker://$REG/fmt/v2:1" "oci:$BATS_TEST_TMPDIR/l:v2"
	umoci_rootfs "$BATS_TEST_TMPDIR/l" v2 "$BATS_TEST_TMPDIR/u"
	assert_same_tree "$(img_dir fmt:1)" "$BATS_TEST_TMPDIR/u/rootfs"
	ctr pull -q "$REG/fmt/zstd:1"
	assert_same_tree "$(img_dir fmt:1)" "$(img_dir "$REG/fmt/zstd:1")"
}

@test "push: an image without a registry base is one layer; chunked uploads; a commit whose base was removed" {
	run env CTR_PUSH_CHUNK_SIZE=1M "$CTR" push busybox "$REG/bb/img:1"
	assert_success
	run skopeo_raw "$REG/bb/img:1"
	[ "$(jq '.layers | length' <<<"$output")" = 1 ]
	[ "$(jq '.layers[0].size' <<<"$output")" -gt $((3 * 1048576)) ]
	# the busybox layer went in 1 MiB chunks
	[ "$(grep -c '"PATCH /v2/bb/img/blobs/uploads/' "$REG_LOG")" -gt 3 ]
	skopeo copy -q --src-tls-verify=false "docker://$REG/bb/img:1" "oci:$BATS_TEST_TMPDIR/l:bb"
	umoci_rootfs "$BATS_TEST_TMPDIR/l" bb "$BATS_TEST_TMPDIR/u"
	assert_same_tree "$(img_dir busybox:latest)" "$BATS_TEST_TMPDIR/u/rootfs"
	# a commit on busybox: its layer over busybox's; its base gone: its whole tree
	ctr run --net none --name c busybox sh -c 'rm /bin/true; echo x >/x'
	ctr commit c bbc:1 >/dev/null
	# on a terminal: the layer lines redrawn in place
	run script -qec "$CTR push bbc:1 $REG/bb/c:1" /dev/null
	assert_success
	assert_output --partial $'\033[K'
	assert_output --partial 'Pushed'
	[ "$(skopeo_raw "$REG/bb/c:1" | jq '.layers | length')" = 2 ]
	ctr rm c >/dev/null
	ctr rmi busybox >/dev/null
	run ctr push bbc:1 "$REG/bb/c:2"
	assert_success
	[ "$(skopeo_raw "$REG/bb/c:2" | jq '.layers | length')" = 1 ]
	skopeo copy -q --src-tls-verify=false "docker://$REG/bb/c:2" "oci:$BATS_TEST_TMPDIR/l:c2"
	umoci_rootfs "$BATS_TEST_TMPDIR/l" c2 "$BATS_TEST_TMPDIR/u2"
	assert_same_tree "$(img_dir bbc:1)" "$BATS_TEST_TMPDIR/u2/rootfs"
}

@test "push and save: the history names no path of this host (built-in, init DIR, import FILE)" {
	mkdir -p "$BATS_TEST_TMPDIR/tree/bin"
	cp "$TOP/build/rootfs/busybox/bin/busybox" "$BATS_TEST_TMPDIR/tree/bin/"
	ctr init "$BATS_TEST_TMPDIR/tree" tree:1 >/dev/null
	tar -C "$BATS_TEST_TMPDIR/tree" -cf "$BATS_TEST_TMPDIR/tree.tar" .
	ctr import "$BATS_TEST_TMPDIR/tree.tar" imp:1 >/dev/null
	local img by cfg
	for img in busybox:latest tree:1 imp:1; do
		case $img in busybox:*) by='ctr: built-in busybox' ;; tree:*) by='ctr: init' ;; *) by='Imported from tree.tar' ;; esac
		ctr push "$img" "$REG/hist/${img%%:*}:1" >/dev/null
		cfg=$(skopeo inspect --config --tls-verify=false "docker://$REG/hist/${img%%:*}:1")
		run jq -r '.history[-1] | .created_by // .comment' <<<"$cfg"
		assert_output "$by"
		refute_regex "$cfg" "$BATS_TEST_TMPDIR|/build/rootfs"
	done
	# save writes the same config
	"$CTR" save -o "$BATS_TEST_TMPDIR/s.tar" tree:1 imp:1 busybox
	run tar -xOf "$BATS_TEST_TMPDIR/s.tar" --wildcards 'blobs/sha256/*'
	assert_output --partial '"created_by":"ctr: init"'
	assert_output --partial '"comment":"Imported from tree.tar"'
	assert_output --partial '"created_by":"ctr: built-in busybox"'
	refute_output --partial "$BATS_TEST_TMPDIR"
	refute_output --partial "/build/rootfs"
}

@test "push --all-tags: every tag of the name" {
	ctr tag busybox "$REG/tags/bb:a"
	ctr tag busybox "$REG/tags/bb:b"
	ctr tag busybox "$REG/tags/other:c"
	run ctr push --all-tags "$REG/tags/bb"
	assert_success
	assert_line --regexp '^a: digest: '
	assert_line --regexp '^b: digest: '
	run skopeo list-tags --tls-verify=false "docker://$REG/tags/bb"
	[ "$(jq -c '.Tags | sort' <<<"$output")" = '["a","b"]' ]
	run ctr push --all-tags "$REG/tags/bb" "$REG/tags/copy"
	assert_success
	run skopeo list-tags --tls-verify=false "docker://$REG/tags/copy"
	[ "$(jq -c '.Tags | sort' <<<"$output")" = '["a","b"]' ]
}

# midway_upload REPO: true while the registry holds an upload in progress for REPO.
midway_upload() {
	ls "$REG_DIR/storage/docker/registry/v2/repositories/$1/_uploads" 2>/dev/null | grep -q .
}

@test "push: the registry stopped in the middle: the push fails, no tag is left" {
	local main=$REG reg i
	reg_start "$REG_DIR" none
	test_reg=$REG_PID reg=$REG
	ctr run --net none --name c busybox sh -c 'head -c 1000000 /dev/urandom >/big'
	ctr commit c "$reg/mid/app:1" >/dev/null
	CTR_PUSH_CHUNK_SIZE=64K setsid "$CTR" push "$reg/mid/app:1" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	bg=$!
	wait_for kill -0 -- "-$bg" # setsid has run: the group exists
	for i in $(seq 2000); do
		kill -STOP -- "-$bg" 2>/dev/null || break
		midway_upload mid/app && break
		kill -CONT -- "-$bg"
		sleep 0.01
	done
	midway_upload mid/app
	kill "$test_reg"
	wait "$test_reg" 2>/dev/null || true
	kill -CONT -- "-$bg"
	local rc=0
	wait "$bg" || rc=$?
	[ "$rc" = 125 ]
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --regexp "ctr: (PATCH|PUT|HEAD|POST) http://$reg/v2/mid/app/[^ ]*: failed"
	# the storage holds no tag for it (the file registry's tag links)
	[ ! -e "$REG_DIR/storage/docker/registry/v2/repositories/mid/app/_manifests/tags/1" ]
	run curl -s -o /dev/null -w '%{http_code}' -H "Accept: $OCI_M" "http://$main/v2/mid/app/manifests/1"
	assert_output 404
	run find "$CTR_ROOT/tmp" "$POOL_DIR/tmp" -mindepth 1
	assert_output ''
}

@test "push with Basic auth: refused without or with wrong credentials, no tag left; login, then it goes" {
	reg_start "$REG_DIR" basic
	test_reg=$REG_PID
	ctr tag busybox "$REG/auth/bb:1"
	run ctr push "$REG/auth/bb:1"
	assert_failure 125
	assert_output --partial "$REG: authentication required (ctr.sh login $REG)"
	mkdir -p "$DOCKER_CONFIG"
	jq -n --arg r "$REG" --arg a "$(printf '%s:wrong' "$REG_USER" | base64 -w0)" '{auths: {($r): {auth: $a}}}' \
		>"$DOCKER_CONFIG/config.json"
	run ctr push "$REG/auth/bb:1"
	assert_failure 125
	assert_output --partial "HTTP 401"
	run curl -s -o /dev/null -w '%{http_code}' -H "Accept: $OCI_M" -u "$REG_USER:$REG_PASS" "http://$REG/v2/auth/bb/manifests/1"
	assert_output 404
	rm "$DOCKER_CONFIG/config.json"
	ctr login -u "$REG_USER" --password-stdin "$REG" <<<"$REG_PASS" >/dev/null
	run ctr push "$REG/auth/bb:1"
	assert_success
	run curl -s -o /dev/null -w '%{http_code}' -H "Accept: $OCI_M" -u "$REG_USER:$REG_PASS" "http://$REG/v2/auth/bb/manifests/1"
	assert_output 200
}

@test "push with Bearer tokens: the token asks for push" {
	tok_start "$REG_DIR"
	reg_start "$REG_DIR" token-login
	test_reg=$REG_PID
	ctr tag busybox "$REG/tok/bb:1"
	run ctr push "$REG/tok/bb:1"
	assert_failure 125
	assert_output --partial "authentication required (ctr.sh login $REG)"
	ctr login -u "$REG_USER" --password-stdin "$REG" <<<"$REG_PASS" >/dev/null
	: >"$REG_DIR/tok/requests"
	run ctr push "$REG/tok/bb:1"
	assert_success
	run cat "$REG_DIR/tok/requests"
	# (the order of the actions is the registry's challenge's, which varies: both ask for push)
	assert_line --regexp "^$REG_USER repository:tok/bb:(pull,push|push,pull)$"
}

# tls_reg_start ADDR [tls]: a registry on ADDR (a free port), with a self-signed certificate for
# tls; sets TREG (host:port) and test_reg.
tls_reg_start() {
	local d=$BATS_TEST_TMPDIR/treg port
	mkdir -p "$d"
	port=$(free_port)
	{
		printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n' "$d/storage"
		printf 'http:\n  addr: %s:%s\n  secret: s\n' "$1" "$port"
		if [ "${2:-}" = tls ]; then
			openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/key.pem" -out "$d/cert.pem" -days 2 \
				-subj "/CN=$1" -addext "subjectAltName=IP:$1" >/dev/null 2>&1
			printf '  tls:\n    certificate: %s\n    key: %s\n' "$d/cert.pem" "$d/key.pem"
		fi
	} >"$d/config.yml"
	docker-registry serve "$d/config.yml" >"$d/log" 2>&1 &
	test_reg=$!
	TREG=$1:$port
	local _
	for _ in $(seq 100); do
		curl -sk -o /dev/null "http${2:+s}://$TREG/v2/" && return 0
		sleep 0.1
	done
	return 1
}

@test "push and pull --tls-verify=false: a self-signed certificate, a plain HTTP registry off the loopback" {
	tls_reg_start 127.0.0.2 tls
	ctr tag busybox "$TREG/t/bb:1"
	run ctr push "$TREG/t/bb:1"
	assert_failure 125
	assert_output --regexp "ctr: HEAD https://$TREG/v2/t/bb/blobs/sha256:[0-9a-f]+: failed: .*certificate"
	run ctr push --tls-verify=false "$TREG/t/bb:1"
	assert_success
	run ctr login -u me --password-stdin "$TREG" <<<pw
	assert_failure 125
	run ctr login --tls-verify=false -u me --password-stdin "$TREG" <<<pw
	assert_success
	ctr rmi "$TREG/t/bb:1" >/dev/null
	run ctr pull "$TREG/t/bb:1"
	assert_failure 125
	run ctr pull -q --tls-verify=false "$TREG/t/bb:1"
	assert_success
	kill "$test_reg"
	local old=$TREG
	tls_reg_start 127.0.0.2
	ctr tag "$old/t/bb:1" "$TREG/t/bb:1"
	run ctr push "$TREG/t/bb:1"
	assert_failure 125
	run ctr push --tls-verify=false "$TREG/t/bb:1"
	assert_success
	run curl -s -o /dev/null -w '%{http_code}' -H "Accept: $OCI_M" "http://$TREG/v2/t/bb/manifests/1"
	assert_output 200
}

@test "push: bad input is refused clearly and sends nothing" {
	local mark
	mark=$(wc -l <"$REG_LOG")
	run ctr push
	assert_failure 125
	assert_output --partial "usage: ctr.sh push"
	run ctr push --nope busybox
	assert_failure 125
	assert_output "ctr: push: unknown option --nope"
	run ctr push nothere:1 "$REG/x/y:1"
	assert_failure 125
	assert_output "ctr: image nothere:1: no such image"
	run ctr push busybox "$REG/x/Y:1"
	assert_failure 125
	assert_output "ctr: $REG/x/Y:1: invalid repository name (lowercase a-z 0-9 . _ - /)"
	run ctr push busybox "$REG/x/y@sha256:$(printf '%064d' 0)"
	assert_failure 125
	assert_output "ctr: push $REG/x/y@sha256:$(printf '%064d' 0): a destination cannot carry a digest"
	local id
	id=$(cat "$CTR_ROOT/refs/busybox:latest")
	run ctr push "$id"
	assert_failure 125
	assert_output "ctr: push $id: an image ID has no registry name: give one (ctr.sh push $id REGISTRY/NAME[:TAG])"
	run ctr push --all-tags busybox:latest "$REG/x/y"
	assert_failure 125
	assert_output "ctr: push --all-tags busybox:latest: give a name without a tag or digest"
	run ctr push --all-tags "$REG/x/none"
	assert_failure 125
	assert_output "ctr: push --all-tags $REG/x/none: no image is named $REG/x/none"
	run ctr push --format v1 busybox "$REG/x/y:1"
	assert_output "ctr: --format v1: want oci or v2s2"
	run ctr push --compression xz busybox "$REG/x/y:1"
	assert_output "ctr: --compression xz: want gzip or zstd"
	run ctr push --compression zstd --format v2s2 busybox "$REG/x/y:1"
	assert_output "ctr: --compression zstd: a docker v2s2 manifest cannot name zstd layers (use --format oci)"
	run ctr push --tls-verify=maybe busybox "$REG/x/y:1"
	assert_output "ctr: --tls-verify=maybe: want --tls-verify=true or --tls-verify=false"
	CTR_PUSH_CHUNK_SIZE=1X run ctr push busybox "$REG/x/y:1"
	assert_output "ctr: CTR_PUSH_CHUNK_SIZE=1X: want a size (bytes, or a number and K, M or G)"
	# a name that means a deletion in a layer cannot be pushed
	ctr run --net none --name c busybox touch /.wh.x
	ctr commit c wh:1 >/dev/null
	run ctr push wh:1 "$REG/x/y:1"
	assert_failure 125
	assert_output --partial "/.wh.x: a name starting with .wh. cannot be in a layer (it means a deletion)"
	[ "$(wc -l <"$REG_LOG")" = "$mark" ]
	run find "$CTR_ROOT/tmp" "$POOL_DIR/tmp" -mindepth 1
	assert_output ''
}

@test "push, rmi, pull: a built image keeps its layers and config (labels, healthcheck, volumes, ports, stop signal, history)" {
	local ctx=$BATS_TEST_TMPDIR/ctx want hist id
	# conf ID: what a user checks of the image's config (the record run reads); rows IMAGE: history
	# but the base's row, without the IDs
	conf() {
		jq -cS '{cmd, entrypoint, env, workdir, user, labels, exposed_ports, volumes, stop_signal, healthcheck}' \
			"$CTR_ROOT/images/$(cat "$CTR_ROOT/refs/${1//\//%2F}")/config.json"
	}
	rows() { ctr history --no-trunc -H=false "$1" | sed '1d;$d' | sed -E 's/^[^ ]+ +//' | tr -s ' '; }
	mkdir -p "$ctx"
	echo copied >"$ctx/f"
	cat >"$ctx/Dockerfile" <<'EOF2'
FROM busybox
ENV A=1
RUN printf 1234567 > /seven
COPY f /f
LABEL org.example.a=b note="x y"
VOLUME /data
EXPOSE 8080 53/udp
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s CMD true
CMD ["cat", "/seven"]
EOF2
	ctr build -q -t "$REG/rt/img:1" --network none "$ctx" >/dev/null
	want=$(conf "$REG/rt/img:1")
	hist=$(rows "$REG/rt/img:1")
	jq -e '.healthcheck.Interval == 5000000000 and .volumes == ["/data"] and .stop_signal == "SIGINT"' <<<"$want"
	ctr push -q "$REG/rt/img:1" >/dev/null
	ctr rmi "$REG/rt/img:1" >/dev/null
	ctr builder prune -a >/dev/null
	ctr pull -q "$REG/rt/img:1" >/dev/null
	assert_equal "$(conf "$REG/rt/img:1")" "$want"
	id=$(cat "$CTR_ROOT/refs/${REG//\//%2F}%2Frt%2Fimg:1")
	# busybox's layer, the RUN's, the COPY's
	assert_equal "$(jq '.layers | length' "$CTR_ROOT/images/$id/config.json")" 3
	assert_equal "$(rows "$REG/rt/img:1")" "$hist"
	run ctr run --rm --net none "$REG/rt/img:1"
	assert_success
	assert_output 1234567
}
