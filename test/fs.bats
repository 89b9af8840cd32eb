#!/usr/bin/env bats
# cp, diff, export, import, history, update: a container's filesystem and limits, as docker's verbs.
# One state root for the file (setup_file); each test removes its containers in teardown.

load helper
load fixtures/images

setup_file() {
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ctr_setup
	"$CTR" images >/dev/null # the pool, once
	export H=$BATS_FILE_TMPDIR/host
}

teardown_file() {
	ctr_teardown
}

setup() {
	T=$BATS_TEST_TMPDIR
	# what no copy may reach: a host directory named as a container path could name it
	mkdir -p "$H"
	echo "host secret" >"$H/secret"
}

teardown() {
	local c
	for c in $("$CTR" ps -aq 2>/dev/null); do "$CTR" rm -f "$c" >/dev/null 2>&1; done
	rm -rf "$H"
}

# host_untouched: nothing landed in, or was read from, the host directory $H.
host_untouched() {
	run find "$H" -mindepth 1
	assert_output "$H/secret"
	[ "$(cat "$H/secret")" = "host secret" ]
}

# ------------------------------------------------------------------ cp

@test "cp out: a file, a directory (made, then into it), DIR/. as contents, - as a tar; owners: root's, -a keeps them" {
	ctr run --net none -d --name c1 busybox sh -c 'mkdir -p /d/sub; echo one >/d/f; echo two >/d/sub/g; chown 1234:567 /d/f; chmod 751 /d; ln -s f /d/link; touch /ready; sleep 1000'
	wait_for ctr cp c1:/ready "$T/ready"
	ctr cp c1:/d/f "$T/file"
	[ "$(cat "$T/file")" = one ] && [ "$(stat -c %u:%g "$T/file")" = 0:0 ]
	ctr cp c1:/d "$T/new"
	[ "$(cat "$T/new/sub/g")" = two ] && [ "$(readlink "$T/new/link")" = f ] && [ "$(stat -c %a "$T/new")" = 751 ]
	ctr cp c1:/d "$T/new"
	[ "$(cat "$T/new/d/f")" = one ]
	mkdir "$T/into"
	ctr cp c1:/d/. "$T/into"
	[ "$(cat "$T/into/f")" = one ] && [ ! -e "$T/into/d" ]
	ctr cp -a c1:/d/f "$T/kept"
	[ "$(stat -c %u:%g "$T/kept")" = 1234:567 ]
	run sh -c "'$CTR' cp c1:/d - | tar -tf - | sort"
	assert_success
	assert_output "d/
d/f
d/link
d/sub/
d/sub/g"
	# a symlink as itself; -L: what it names
	ctr cp c1:/d/link "$T/l1"
	[ "$(readlink "$T/l1")" = f ]
	ctr cp -L c1:/d/link "$T/l2"
	[ ! -L "$T/l2" ] && [ "$(cat "$T/l2")" = one ]
}

@test "cp in: to a new name, into a directory, a directory, SRC/.; a tar on stdin; running and stopped; -a keeps owners" {
	mkdir -p "$T/src/sub"
	echo hello >"$T/src/f"
	echo deep >"$T/src/sub/g"
	chown 1234:567 "$T/src/f"
	ctr run --net none -d --name c2 busybox sleep 1000
	ctr cp "$T/src/f" c2:/tmp/renamed
	ctr cp "$T/src/f" c2:/tmp
	ctr cp "$T/src" c2:/tmp/tree
	ctr cp "$T/src" c2:/tmp/tree
	ctr cp "$T/src/." c2:/etc
	run ctr exec c2 sh -c 'cat /tmp/renamed /tmp/f /tmp/tree/sub/g /tmp/tree/src/f /etc/f; stat -c %u:%g /tmp/f'
	assert_output "hello
hello
deep
hello
hello
0:0"
	tar -C "$T/src" -czf "$T/s.tgz" sub
	ctr cp - c2:/tmp <"$T/s.tgz"
	run ctr cp - c2:/tmp/renamed <"$T/s.tgz"
	assert_failure 125
	assert_output --partial "the destination must be a directory"
	ctr stop -t 0 c2
	ctr cp -a "$T/src/f" c2:/tmp/archived
	run ctr cp c2:/tmp/sub/g -
	assert_output --partial deep
	[ "$(stat -c %u:%g "$(tree_path containers "$(ctr inspect c2 | jq -r .id)")/tmp/archived")" = 1234:567 ]
}

@test "cp: bad input is an error 125 that changes nothing" {
	ctr run --net none -d --name c3 busybox sh -c 'echo x >/file; sleep 1000'
	mkdir "$T/dir"
	echo f >"$T/f"
	local a
	while IFS='|' read -r a msg; do
		# shellcheck disable=SC2086
		run ctr cp $a
		echo "cp $a: $output"
		assert_failure 125
		assert_output --partial "$msg"
	done <<EOF
c3:/nothere $T/x|c3: /nothere: no such file or directory
$T/nothere c3:/tmp|$T/nothere: no such file or directory
c3:/file $T/nodir/x|no such directory
c3:/file $T/newdir/|the destination directory must exist
c3:/etc $T/f|cannot copy a directory to a file
$T/dir c3:/file|cannot copy a directory to a file
$T/f c3:/nodir/x|c3: /nodir/x: no such directory
c3:/file/ $T/y|not a directory
c3:/a c3:/b|copying between containers is not supported
$T/f $T/g|one of SRC and DEST must be CONTAINER:PATH
-x c3:/a $T/y|unknown option -x
nosuch:/a $T/y|container nosuch: no such container
../c3:/a $T/y|one of SRC and DEST
EOF
	run ctr cp c3:/file
	assert_failure 125
	assert_output --partial usage
	# a tar with a device node, or no tar at all: refused before a byte is written
	tar_entry "$T/dev.tar" okfile 0 "" data
	tar_entry "$T/dev.tar" null 3 "" "" 666 1 3
	tar_end "$T/dev.tar"
	run ctr cp - c3:/tmp <"$T/dev.tar"
	assert_failure 125
	assert_output --partial "device nodes"
	run ctr cp - c3:/tmp <<<"not a tar"
	assert_failure 125
	assert_output --partial "not a tar archive"
	run ctr exec c3 ls /tmp
	assert_output ''
	run ls "$T"
	assert_output "dev.tar
dir
f"
	run ls "$CTR_ROOT/tmp"
	assert_output ''
}

@test "cp attack: symlinks to /, ../../.., absolute names and .. resolve inside the container, both ways" {
	ctr run --net none -d --name c4 busybox sh -c "mkdir -p $H /x; echo ctr >$H/secret; ln -s / /x/root; ln -s ../../../../../.. /x/up;
		ln -s $H /x/hostdir; ln -s $H/secret /x/abs; touch /ready; sleep 1000"
	wait_for ctr cp c4:/ready "$T/ready"
	local p
	for p in /x/root$H/secret /x/up$H/secret /x/hostdir/secret ../../..$H/secret /x/root/../..$H/secret; do
		ctr cp "c4:$p" "$T/got"
		[ "$(cat "$T/got")" = ctr ]
	done
	ctr cp -L c4:/x/abs "$T/got2"
	[ "$(cat "$T/got2")" = ctr ]
	echo evil >"$T/evil"
	for p in /x/root$H/ /x/up$H/ /x/hostdir/ /x/root/../..$H/ "../..$H/evil2"; do
		ctr cp "$T/evil" "c4:$p"
	done
	tar_entry "$T/abs.tar" "$H/abs-escaped" 0 "" pwned
	tar_entry "$T/abs.tar" "../../../../../..$H/dotdot-escaped" 0 "" pwned
	tar_entry "$T/abs.tar" esc 2 /
	tar_entry "$T/abs.tar" "esc$H/symlink-escaped" 0 "" pwned
	tar_entry "$T/abs.tar" hl 1 "$H/secret"
	tar_end "$T/abs.tar"
	ctr cp - c4:/x/root <"$T/abs.tar" || true
	host_untouched
	run ctr exec c4 ls "$H"
	assert_output --partial evil
	assert_output --partial evil2
	# the other way: what a container gives lands in the destination only
	ctr cp c4:/x "$T/out"
	[ "$(readlink "$T/out/root")" = / ] && [ "$(readlink "$T/out/up")" = ../../../../../.. ]
	host_untouched
}

@test "cp attack: a symlink swapped while the copy runs never reaches the host" {
	# /x flips between a directory and a symlink to the host path $H, as fast as the container can
	ctr run --net none -d --name c5 busybox sh -c "mkdir -p $H /d; echo ctr >$H/secret; echo ctr >/d/secret; touch /ready;
		while :; do mv /d /x; mv /x /d; ln -s $H /x; rm /x; ln -s /d /x; rm /x; done"
	wait_for ctr cp c5:/ready "$T/ready"
	echo evil >"$T/evil"
	local i got=0
	for i in $(seq 20); do
		if ctr cp c5:/x/secret "$T/got" 2>/dev/null; then
			[ "$(cat "$T/got")" = ctr ]
			got=$((got + 1))
		fi
		ctr cp "$T/evil" c5:/x/ 2>/dev/null || true
	done
	echo "copies that went through /x: $got"
	host_untouched
}

# jail_between: a CTR_LIBEXEC whose ctr-jail, when its root is a host directory under $S, first runs
# $T/between (what a container writing $S would do between ctr.sh's checks and the copy), once.
jail_between() {
	local l=$T/libexec real=${CTR_LIBEXEC:-$TOP/build} f
	mkdir -p "$l"
	for f in "$real"/*; do ln -s "$f" "$l/${f##*/}"; done
	rm "$l/ctr-jail"
	printf '#!/bin/sh
case $2 in "%s"/*) [ -e "%s/done" ] || { : >"%s/done"; sh "%s/between"; } ;; esac
exec "%s/ctr-jail" "$@"
' \
		"$S" "$T" "$T" "$T" "$real" >"$l/ctr-jail"
	chmod +x "$l/ctr-jail"
	export CTR_LIBEXEC=$l
}

@test "cp attack: the host side in a directory a container writes (a shared volume): its symlinks are not followed, one swapped in is refused" {
	# the container writes $S (its volume); the user copies to and from there: the container
	# chooses where a link in $S points ($H: the host's /etc, say), before the copy or during it
	S=$T/shared
	mkdir -p "$S/in" "$S/real"
	echo 'payload' >"$S/real/file"
	ctr run --net none -d --name c6 -v "$S:/s" busybox sh -c 'mkdir -p /p && echo pwned >/p/cron && sleep 300' >/dev/null
	wait_for ctr cp c6:/p/cron "$T/ready"
	# a link planted before: cp to it, and from it, refused with the rule's message
	ln -s "$H" "$S/link"
	run ctr cp c6:/p/. "$S/link/"
	assert_failure 125
	assert_output "ctr: cp $S/link/: $S/link is a symlink in $S, which a container can write: not followed (give the real path)"
	run ctr cp c6:/p/cron "$S/link/x"
	assert_failure 125
	assert_output --partial "$S/link is a symlink in $S, which a container can write"
	run ctr cp "$S/link/." c6:/tmp/
	assert_failure 125
	assert_output --partial "$S/link is a symlink in $S, which a container can write"
	run ctr exec c6 ls /tmp
	assert_output ''
	# swapped between ctr.sh's checks and the copy: the directory, then the stage's parent
	jail_between
	printf 'mv "%s/in" "%s/in.real" && ln -s "%s" "%s/in"\n' "$S" "$S" "$H" "$S" >"$T/between"
	run ctr cp c6:/p/. "$S/in/"
	assert_failure 125
	assert_output --partial "a component is (or became) a symlink"
	rm -f "$S/in" "$T/done" && mv "$S/in.real" "$S/in"
	run ctr cp c6:/p/cron "$S/in/"
	assert_failure 125
	assert_output --partial "a component is (or became) a symlink"
	host_untouched
	# without the race: the copies land where they were asked to
	rm -f "$S/in" "$S/link" && mkdir -p "$S/in" && rmdir "$S/in.real" 2>/dev/null || true
	echo ': >/dev/null' >"$T/between"
	rm -f "$T/done"
	ctr cp c6:/p/. "$S/in/"
	[ "$(cat "$S/in/cron")" = pwned ]
}

@test "cp: into a running container's volume; a --userns container's files belong to its root" {
	mkdir "$T/vol"
	echo f >"$T/f"
	ctr run --net none -d --name c6 -v "$T/vol:/data" busybox sleep 1000
	ctr cp "$T/f" c6:/data/
	[ "$(cat "$T/vol/f")" = f ]
	ctr run --net none -d --name c7 --userns busybox sleep 1000
	ctr cp "$T/f" c7:/tmp/f
	run ctr exec c7 stat -c %u:%g /tmp/f
	assert_output 0:0
	ctr cp c7:/tmp/f "$T/back"
	[ "$(cat "$T/back")" = f ]
}

@test "ctr-jail: a dynamic program, a PID outside the container's cgroup, are refused" {
	local jail=${CTR_TEST_LIBEXEC:-$TOP/build}/ctr-jail
	run "$jail" --root "$T" -- /bin/sh -c true
	assert_failure 125
	assert_output --partial "dynamically linked"
	ctr run --net none -d --name c8 busybox sleep 1000
	local id
	id=$(ctr inspect c8 | jq -r .id)
	run "$jail" --pid "$$" --cgroup "/$CTR_PREFIX/$id" -- /bin/busybox true
	assert_failure 125
	assert_output --partial "not in cgroup"
	run "$jail" --pid "$(ctr inspect c8 | jq .pid)" --cgroup "/$CTR_PREFIX/$id" -- /bin/busybox true
	assert_success
}

# ------------------------------------------------------------------ diff

@test "diff: A, C and D as docker: a deleted tree once, a renamed directory's tree added, parents changed" {
	ctr run --net none --name d1 busybox sh -c 'echo hi >/tmp/new; mkdir -p /a/b; echo x >/a/b/f; rm /bin/vi;
		rm -rf /usr; chmod 700 /etc; echo >>/etc/passwd; mv /home /home2; touch /var; ln -s /etc /lnk;
		touch "/tmp/with space" "/tmp/new
line" "$(printf "/tmp/\\033[2J")"; mkdir -p "/tmp/x
D "; touch "/tmp/x
D /shadow"'
	run ctr diff d1
	assert_success
	# a name's newline or escape is a ?: one line a change, no line the container wrote, no sequence
	refute_output --partial $'\e'
	assert_output "A /a
A /a/b
A /a/b/f
C /bin
D /bin/vi
C /etc
C /etc/passwd
D /home
A /home2
A /lnk
C /tmp
A /tmp/?[2J
A /tmp/new
A /tmp/new?line
A /tmp/with space
A /tmp/x?D 
A /tmp/x?D /shadow
D /usr"
	# ctr's own /etc/hosts, hostname, resolv.conf (docker's init layer) are no change
	ctr run --net none --name d2 busybox true
	run ctr diff d2
	assert_success
	assert_output ''
	run ctr diff nosuch
	assert_failure 125
	run ctr diff
	assert_failure 125
}

# ------------------------------------------------------------------ export, import

@test "export | import: the filesystem round-trips; -o FILE; -c sets the command; running container" {
	ctr run --net none -d --name e1 busybox sh -c 'mkdir /data; echo kept >/data/f; ln /data/f /data/hard; touch /ready; sleep 1000'
	wait_for ctr cp e1:/ready "$T/ready"
	ctr export -o "$T/e1.tar" e1
	local id
	id=$(ctr export e1 | ctr import -c 'CMD ["cat", "/data/f"]' -c 'ENV A=1' -m 'my import' - imp:1)
	[ "$(ctr run --net none --rm imp:1)" = kept ]
	[ "$(ctr run --net none --rm imp:1 sh -c 'echo $A')" = 1 ]
	mkdir "$T/x"
	tar -C "$T/x" -xf "$T/e1.tar"
	diff <(tree_sig "$T/x") <(tree_sig "$(tree_path images "$id")")
	gzip -c "$T/e1.tar" >"$T/e1.tgz"
	id=$(ctr import "$T/e1.tgz")
	[ -d "$(tree_path images "$id")/data" ]
	run ctr export
	assert_failure 125
}

@test "export -o, save -o into a directory a container writes: a symlink it planted at FILE (or at an old temporary name) is replaced, never written through" {
	local v=$T/vol
	mkdir -p "$v"
	echo precious >"$H/victim"
	# the container plants links to a host file at the names root will write: FILE, FILE.tmp
	ctr run --net none --rm -v "$v:/vol" busybox sh -c "for f in e.tar e.tar.tmp s.tar s.tar.tmp; do ln -s $H/victim /vol/\$f; done"
	[ -L "$v/e.tar" ] && [ -L "$v/s.tar.tmp" ]
	ctr run --net none -d --name ex busybox sh -c 'echo data >/f; sleep 1000'
	ctr export -o "$v/e.tar" ex
	ctr save -o "$v/s.tar" busybox
	[ "$(cat "$H/victim")" = precious ]
	[ -f "$v/e.tar" ] && [ ! -L "$v/e.tar" ] && [ -f "$v/s.tar" ] && [ ! -L "$v/s.tar" ]
	[ "$(tar -xOf "$v/e.tar" ./f)" = data ]
	tar -tf "$v/s.tar" index.json >/dev/null
	# the temporary file is gone, with the output a relative path too; nothing but what was there
	(cd "$v" && "$CTR" export -o rel.tar ex)
	[ -f "$v/rel.tar" ]
	run ls -A "$v"
	assert_output "e.tar
e.tar.tmp
rel.tar
s.tar
s.tar.tmp"
	# a directory, or a name that is none, is an error 125 (nothing written)
	run ctr export -o "$v/" ex
	assert_failure 125
	run ctr save -o "$v/nodir/s.tar" busybox
	assert_failure 125
	[ "$(cat "$H/victim")" = precious ]
}

@test "import FILE, load -i FILE, init DIR in a directory a container writes: its symlinks to host files and trees are not followed" {
	local v=$T/vol id
	mkdir -p "$v" "$H/tree"
	echo "host tree" >"$H/tree/f"
	# host archives the container must not turn into images (a backup, another team's image)
	ctr export -o "$H/host.tar" "$(ctr create --net none busybox true)"
	ctr tag busybox t/x:0
	ctr save -o "$H/layout.tar" t/x:0
	ctr rmi t/x:0 >/dev/null
	# a container that writes $v (it exists: its volume is read-write) plants links where the
	# user's pipeline picks up its output
	ctr run --net none --name w -v "$v:/out" busybox sh -c \
		"ln -s $H/host.tar /out/rootfs.tar; ln -s $H/layout.tar /out/image.tar; ln -s $H/tree /out/tree; ln -s $H /out/d"
	for a in "import $v/rootfs.tar t/x:1" "load -i $v/image.tar" "init $v/tree t/x:2"; do
		run ctr $a
		assert_failure 125
		f=${a#* } f=${f#-i } f=${f%% *}
		assert_output "ctr: ${a%% *} $f: $f is a symlink in $v, which a container can write: not followed (give the real path)"
	done
	run ctr import "$v/d/host.tar" t/x:3
	assert_failure 125
	assert_output "ctr: import $v/d/host.tar: $v/d is a symlink in $v, which a container can write: not followed (give the real path)"
	run ctr images
	assert_success
	refute_output --partial t/x
	# the user's own files and links elsewhere: as before (a relative path too)
	ln -s "$H/host.tar" "$T/mine.tar"
	id=$(cd "$T" && "$CTR" import mine.tar t/x:4)
	[ "$(ctr run --net none --rm t/x:4 echo fine)" = fine ]
	run ctr load -i "$H/layout.tar"
	assert_success
	id=$(ctr init "$H/tree" t/x:5)
	[ -n "$id" ]
}

@test "a container's sparse file (terabytes in a few blocks): cp out, cp -, export, save stop at CTR_MAX_IMAGE_SIZE; the host's disk is not filled" {
	local v=$T/out
	mkdir -p "$v"
	ctr run --net none --name sp busybox sh -c 'mkdir /d && echo small >/d/a && truncate -s 64M /d/zeros'
	ctr commit sp t/sparse:1 >/dev/null
	export CTR_MAX_IMAGE_SIZE=8m
	run ctr cp sp:/d/zeros "$v/z"
	assert_failure 125
	assert_line --index 0 "ctr: more than CTR_MAX_IMAGE_SIZE (8m) to write: stopped (a sparse file of the container?)"
	run ctr cp sp:/d "$v/"
	assert_failure 125
	run ctr export -o "$v/e.tar" sp
	assert_failure 125
	run ctr save -o "$v/s.tar" t/sparse:1
	assert_failure 125
	assert_line --index 0 "ctr: more than CTR_MAX_IMAGE_SIZE (8m) to write: stopped (a sparse file of the container?)"
	# what was written: at most the limit, no output file, no staging directory (the one made for
	# the directory copy is removed)
	[ "$(du -sm "$v" | cut -f1)" -le 9 ] || fail "$(du -sm "$v")"
	run ls -A "$v"
	assert_output ''
	[ "$("$CTR" cp sp:/d/zeros - | wc -c)" -le $((8 << 20)) ]
	run ctr export sp
	assert_failure 125
	# within the limit, as before
	ctr cp sp:/d/a "$v/a"
	[ "$(cat "$v/a")" = small ]
	CTR_MAX_IMAGE_SIZE=1g ctr cp sp:/d/zeros "$v/z"
	[ "$(stat -c %s "$v/z")" = $((64 << 20)) ]
}

@test "import: hostile tars stay inside the image (absolute, .., symlink then through it, hardlink out, devices)" {
	tar_entry "$T/evil.tar" "$H/abs-escaped" 0 "" pwned
	tar_entry "$T/evil.tar" "../../../../../../..$H/dotdot-escaped" 0 "" pwned
	tar_entry "$T/evil.tar" dev 5
	tar_entry "$T/evil.tar" dev/mem 3 "" "" 666 1 1
	tar_entry "$T/evil.tar" fine 0 "" "still here"
	tar_end "$T/evil.tar"
	run ctr import "$T/evil.tar" evil
	echo "$output"
	host_untouched
	local r
	r=$(tree_path images "$(cat "$CTR_ROOT/refs/evil:latest")")
	[ "$(cat "$r/fine")" = "still here" ] && [ -f "$r$H/abs-escaped" ]
	run find "$r" -type b -o -type c
	assert_output ''
	run find "$CTR_ROOT/images" -samefile "$H/secret"
	assert_output ''
	# a symlink to / then a file through it, a hard link to a host file: refused (the unpacker
	# makes such a link last, in the image's root) or kept inside
	tar_entry "$T/sym.tar" esc 2 /
	tar_entry "$T/sym.tar" "esc$H/symlink-escaped" 0 "" pwned
	tar_end "$T/sym.tar"
	tar_entry "$T/hl.tar" hl 1 "$H/secret"
	tar_entry "$T/hl.tar" hl2 1 "../../../../../../..$H/secret"
	tar_end "$T/hl.tar"
	for t in sym hl; do
		run ctr import "$T/$t.tar" "$t"
		echo "$t: $output"
		host_untouched
	done
	run find "$CTR_ROOT/images" -samefile "$H/secret"
	assert_output ''
}

@test "import: too big, not a tar, bad -c: error 125, no image, nothing left" {
	head -c 300000 /dev/zero >"$T/big"
	tar -C "$T" -cf "$T/big.tar" big
	local before blobs
	before=$(ls "$CTR_ROOT/images")
	blobs=$(ls "$POOL_DIR/blobs/sha256" 2>/dev/null)
	CTR_MAX_IMAGE_SIZE=100k run ctr import "$T/big.tar" big
	assert_failure 125
	assert_output --partial CTR_MAX_IMAGE_SIZE
	tar -C "$T" -czf "$T/big.tgz" big
	CTR_MAX_IMAGE_SIZE=200k run ctr import "$T/big.tgz" big
	assert_failure 125
	assert_output --partial "CTR_MAX_IMAGE_SIZE (200k) unpacked"
	echo "not a tar" >"$T/junk"
	run ctr import "$T/junk" junk
	assert_failure 125
	assert_output --partial "not a valid tar"
	for c in 'FROM busybox' 'CMD' 'WORKDIR rel' 'CMD ["a", 1]' 'EXPOSE http' 'ENV' 'RUN echo'; do
		run ctr import -c "$c" "$T/big.tar"
		assert_failure 125
		assert_output --partial "-c"
	done
	run ctr import "$T/nothere" x
	assert_failure 125
	run ctr import "$T/big.tar" 'Bad:Name'
	assert_failure 125
	[ "$(ls "$CTR_ROOT/images")" = "$before" ]
	run ls "$CTR_ROOT/tmp" "$POOL_DIR/tmp"
	refute_output --regexp '[^:]$'
	[ "$(ls "$POOL_DIR/blobs/sha256" 2>/dev/null)" = "$blobs" ]
}

# ------------------------------------------------------------------ history

@test "history: a loaded image's steps, newest first, empty layers 0B, <missing>; -q, --no-trunc, -H=false; import, commit" {
	local l=$T/layout t1=$T/l1.tar t2=$T/l2.tar c m d
	tar_entry "$t1" bin 5
	tar_entry "$t1" bin/hello 0 "" "hello world"
	tar_end "$t1"
	tar_entry "$t2" data 0 "" "0123456789"
	tar_end "$t2"
	layout_add "$l" h:1 gzip amd64 '{"Cmd":["sh"]}' "$t1" "$t2" >/dev/null
	# give its config a history: three steps, the middle one without a layer
	c=$(jq -r '.manifests[0].digest' "$l/index.json")
	m=$l/blobs/sha256/${c#sha256:}
	d=$(jq -r .config.digest "$m")
	jq -c '. + {history: [{created: "2024-01-02T03:04:05Z", created_by: "/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in / "},
		{created: "2024-01-02T03:04:06Z", created_by: "/bin/sh -c #(nop)  CMD [\"sh\"]", empty_layer: true},
		{created: "2024-01-02T03:04:07Z", created_by: "/bin/sh -c echo 0123456789 >/data", comment: "step\n3\u001b[2J"}]}' \
		"$l/blobs/sha256/${d#sha256:}" >"$T/cfg"
	local nd
	nd=$(blob_add "$l" "$T/cfg")
	jq -c --arg d "$nd" --argjson s "$(stat -c %s "$l/blobs/sha256/${nd#sha256:}")" '.config.digest = $d | .config.size = $s' "$m" >"$T/man"
	local nm
	nm=$(blob_add "$l" "$T/man")
	jq -c --arg d "$nm" --argjson s "$(stat -c %s "$l/blobs/sha256/${nm#sha256:}")" \
		'.manifests[0].digest = $d | .manifests[0].size = $s' "$l/index.json" >"$T/idx" && mv "$T/idx" "$l/index.json"
	tar -C "$l" -cf "$T/h.tar" .
	ctr load -i "$T/h.tar"
	local id
	id=$(cat "$CTR_ROOT/refs/h:1")
	run ctr history h:1
	assert_success
	assert_line --index 0 --regexp '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$'
	# (the comment's newline and escape are blanks: one row, nothing for the terminal)
	assert_line --index 1 --regexp "^$id +[0-9]+ (months|years) ago +/bin/sh -c echo 0123456789 >/data +10B +step 3 \[2J$"
	[ "${#lines[@]}" = 4 ]
	refute_output --partial $'\e'
	assert_line --index 2 --regexp '^<missing> +.* ago +/bin/sh -c #\(nop\)  CMD \["sh"\] +0B$'
	assert_line --index 3 --regexp '^<missing> +.* ago +/bin/sh -c #\(nop\) ADD file:0123456789abcdef0… +11B$'
	run ctr history -q h:1
	assert_output "$id
<missing>
<missing>"
	run ctr history --no-trunc -H=false h:1
	assert_line --index 3 --regexp '^<missing> +2024-01-02T03:04:05Z +/bin/sh -c #\(nop\) ADD file:0123456789abcdef0123456789abcdef in / +[0-9]+$'
	# an import's step, a commit on it
	tar -C "$T" -cf "$T/one.tar" l1.tar
	ctr import -m "hand made" "$T/one.tar" one:1 >/dev/null
	run ctr history one:1
	assert_line --index 1 --regexp ' ago +[0-9.]+kB +hand made$'
	ctr run --net none --name hc busybox sh -c 'head -c 5000 /dev/zero >/five'
	ctr commit hc hc:1 >/dev/null
	run ctr history hc:1
	assert_line --index 1 --regexp "^[0-9a-f]{12} +.* ago +sh -c head -c 5000 /dev/zero >/five +5kB +commit:"
	assert_line --index 2 --regexp "^$(cat "$CTR_ROOT/refs/busybox:latest") +.* ago +ctr built-in"
	run ctr history nosuch
	assert_failure 125
}

# ------------------------------------------------------------------ update

# limit ID FILE: the value of a v1 or v2 cgroup file of the container.
limit() {
	local f
	for f in /sys/fs/cgroup/*/"$CTR_PREFIX/$1/$2" "/sys/fs/cgroup/$CTR_PREFIX/$1/$2"; do
		[ -f "$f" ] && { cat "$f"; return; }
	done
	echo "no $2"
}

@test "update: a running container's limits change in its cgroups and in inspect; a stopped one's are recorded" {
	ctr run --net none -d --name u1 -m 64m busybox sleep 1000
	local id
	id=$(ctr inspect u1 | jq -r .id)
	run ctr update --memory 128m --memory-swap 256m --cpus 0.5 --cpu-shares 512 --pids-limit 77 u1
	assert_success
	assert_output u1
	run ctr inspect u1
	[ "$(jq -cS .resources <<<"$output")" = '{"cpu_shares":512,"memory":134217728,"memory_swap":268435456,"nano_cpus":500000000,"pids_limit":77}' ]
	[ "$(limit "$id" pids.max)" = 77 ]
	if [ -f "/sys/fs/cgroup/memory/$CTR_PREFIX/$id/memory.limit_in_bytes" ]; then
		[ "$(limit "$id" memory.limit_in_bytes)" = 134217728 ]
		[ "$(limit "$id" memory.memsw.limit_in_bytes)" = 268435456 ] || [ "$(limit "$id" memory.memsw.limit_in_bytes)" = "no memory.memsw.limit_in_bytes" ]
		[ "$(limit "$id" cpu.cfs_quota_us)" = 50000 ] && [ "$(limit "$id" cpu.shares)" = 512 ]
	else
		[ "$(limit "$id" memory.max)" = 134217728 ] && [ "$(limit "$id" cpu.max)" = "50000 100000" ]
	fi
	# 0 CPUs: no limit; pids -1: none
	ctr update --cpus 0 --pids-limit -1 u1
	[ "$(limit "$id" pids.max)" = max ]
	[ "$(limit "$id" cpu.cfs_quota_us)" = -1 ] || [ "$(limit "$id" cpu.max)" = "max 100000" ]
	ctr stop -t 0 u1
	ctr update --pids-limit 9 u1
	[ "$(ctr inspect u1 | jq .resources.pids_limit)" = 9 ]
}

@test "update: bad values, unknown containers, a limit the kernel refuses: error 125, limits unchanged" {
	ctr run --net none -d --name u2 -m 200m busybox awk 'BEGIN { s = sprintf("%60000000s", ""); print "held"; fflush(); system("sleep 1000") }'
	local id before
	id=$(ctr inspect u2 | jq -r .id)
	wait_for grep -q held "$CTR_ROOT/containers/$id/log"
	before=$(ctr inspect u2 | jq -c .resources)
	for a in '--memory 1x' '--memory 1m' '--cpus 99' '--cpu-shares 1' '--pids-limit x' '--memory-swap 100m' '--bogus 1' ''; do
		# shellcheck disable=SC2086
		run ctr update $a u2
		echo "update $a: $output"
		assert_failure 125
	done
	run ctr update --memory 300m --memory-swap 250m u2
	assert_failure 125
	assert_output --partial "must be at least"
	run ctr update --pids-limit 5 nosuch u2
	assert_failure 125
	assert_output "ctr: container nosuch: no such container
u2"
	before=$(ctr inspect u2 | jq -c .resources)
	# v1 refuses a memory limit below what the container uses (v2 would OOM-kill it instead)
	if [ -f "/sys/fs/cgroup/memory/$CTR_PREFIX/$id/memory.limit_in_bytes" ] && [ "$(awk '/SwapTotal/ { print $2 }' /proc/meminfo)" = 0 ]; then
		run ctr update --memory 16m --cpus 1 u2
		assert_failure 125
		assert_output --partial "its limits are unchanged"
		[ "$(limit "$id" memory.limit_in_bytes)" = 209715200 ] && [ "$(limit "$id" cpu.cfs_quota_us)" = -1 ]
		[ "$(ctr inspect u2 | jq -c .resources)" = "$before" ]
	fi
	[ "$(ctr inspect u2 | jq -r .state)" = running ]
}
