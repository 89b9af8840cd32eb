#!/usr/bin/env bats
# mount: run/create --mount (docker's CSV: type=bind|volume|tmpfs), --tmpfs, -v /CTR:ro, inspect's
# Mounts, and an image's own VOLUMEs (an anonymous volume each, filled from the image, removed with
# --rm and rm -v; hostile paths refused when the image is made). One state root for the file
# (setup_file): each test removes the containers and volumes it made.

load helper

setup_file() {
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ctr_setup
	export CTR_PREFIX CTR_ROOT CTR_POOL CTR_POOL_SIZE CTR_BRIDGE CTR_SUBNET CTR_TEST_SUBNET_CLAIM
	H=$BATS_FILE_TMPDIR/host
	mkdir -p "$H/sub"
	echo from-host >"$H/f"
	# an image with two VOLUMEs, one of which has files (for the copy-up), and one without
	tar -C "$TOP/build/rootfs/busybox" -cf "$BATS_FILE_TMPDIR/bb.tar" .
	local t=$BATS_FILE_TMPDIR/vimg
	mkdir -p "$t"
	cp -a "$TOP/build/rootfs/busybox/." "$t/"
	mkdir -p "$t/data" "$t/opt/cache"
	echo from-image >"$t/data/f"
	chown 12:34 "$t/data/f"
	ln -s / "$t/toroot"
	tar -C "$t" -cf "$BATS_FILE_TMPDIR/vimg.tar" .
	"$CTR" import -c 'VOLUME ["/data", "/opt/cache/"]' "$BATS_FILE_TMPDIR/vimg.tar" vimg:1 >/dev/null
	"$CTR" import "$BATS_FILE_TMPDIR/bb.tar" plain:1 >/dev/null
	export H
}

teardown_file() { ctr_teardown; }

setup() { :; }
teardown() { :; }

# vols: the number of volumes
nvols() { ctr volume ls -q | wc -l; }
# imgid NAME:TAG: the image's ID (its ref)
imgid() { cat "$CTR_ROOT/refs/$1"; }
# nothing_left: no container, no volume (the tests start and end with none)
nothing_left() {
	assert_equal "$(ls -A "$CTR_ROOT/containers")" ""
	assert_equal "$(nvols)" 0
	run find /sys/fs/cgroup -path "*/$CTR_PREFIX/*" -type d
	assert_output ""
}
# mnt PATH...: the mount lines of PATHs as the container sees them: "PATH OPTIONS FSTYPE SUPEROPTS"
MNT='for p; do awk -v p="$p" '\''$5 == p { for (i = 7; $i != "-"; i++); print $5, $6, $(i + 1), $(i + 3) }'\'' /proc/self/mountinfo; done'

@test "--mount type=bind: source/src, target/dst/destination, readonly and ro=true, ./PATH, keys in any case, quoted fields" {
	run ctr run --rm --net none --mount "type=bind,source=$H,target=/c" \
		--mount "Type=BIND,src=$H,dst=/r,readonly" --mount "type=bind,src=$H/f,destination=/f,ro=true" \
		--mount "\"type=bind\",\"src=$H\",\"dst=/a,b\"\"q\"" \
		busybox sh -c 'cat /c/f /f; echo w >/c/w; { echo x >/r/x; } 2>/dev/null || echo refused; ls "/a,b\"q"'
	assert_success
	assert_line -n 0 from-host
	assert_line -n 1 from-host
	assert_line refused
	assert_line f
	assert_equal "$(cat "$H/w")" w
	rm -f "$H/w"
	[ ! -e "$H/x" ]
	# ./PATH is the working directory's (docker's CLI); ro=false and readonly=0 are writable
	run sh -c "cd '$H' && '$CTR' run --rm --net none --mount type=bind,src=./sub,dst=/s,ro=false busybox sh -c 'echo y >/s/y'"
	assert_success
	assert_equal "$(cat "$H/sub/y")" y
	rm -f "$H/sub/y"
	# the bind is ctr's: nosuid,nodev, and nsenter-chroot's checked inode (x-ctr.inode)
	run ctr run --rm --net none --mount "type=bind,src=$H,dst=/c,bind-propagation=rprivate,consistency=cached" busybox sh -c "$MNT" _ /c
	assert_success
	assert_output --regexp '^/c rw,nosuid,nodev'
	nothing_left
}

@test "--mount type=volume: a named volume (made, copied up), readonly, volume-nocopy; without source an anonymous one, gone with --rm" {
	run ctr run --rm --net none --mount type=volume,src=mv1,dst=/data vimg:1 sh -c 'cat /data/f; echo w >/data/w'
	assert_success
	assert_output from-image
	run ctr run --rm --net none --mount type=volume,source=mv1,target=/v,readonly plain:1 sh -c 'cat /v/w; echo x >/v/x'
	assert_failure
	assert_line w
	assert_output --partial 'Read-only file system'
	# nocopy: the new volume stays empty
	run ctr run --rm --net none --mount type=volume,src=mv2,dst=/data,volume-nocopy plain:1 ls -A /data
	assert_success
	assert_output ''
	run ctr run --rm --net none --mount type=volume,src=mv3,dst=/data,volume-nocopy=true,volume-driver=local vimg:1 ls -A /data
	assert_output ''
	ctr volume rm mv1 mv2 mv3
	# no source: an anonymous volume (docker's label), filled from the image, removed by --rm
	run ctr run --rm --net none --mount type=volume,dst=/data plain:1 sh -c 'echo a >/data/a; grep -c " /data " /proc/self/mountinfo'
	assert_success
	assert_output 1
	# -v /CTR:ro: an anonymous read-only volume (docker's -v form)
	run ctr run --rm --net none -v /ro:ro plain:1 sh -c 'touch /ro/x'
	assert_failure
	assert_output --partial 'Read-only file system'
	nothing_left
}

@test "--mount type=tmpfs and --tmpfs: size and mode, nosuid,nodev,noexec unless exec, readonly" {
	run ctr run --rm --net none --mount type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=0700 \
		--mount type=tmpfs,dst=/ro,readonly --tmpfs /u --tmpfs /x:exec,size=2m,mode=1770,uid=5,gid=6 \
		busybox sh -c "$MNT"'; stat -c "%a %u:%g" /t /x
		printf "#!/bin/sh\necho ran\n" >/u/s && chmod +x /u/s && { /u/s 2>/dev/null || echo noexec; }
		cp /u/s /x/s && /x/s; touch /ro/f 2>/dev/null || echo ro-refused' _ /t /ro /u /x
	assert_success
	assert_line '/t rw,nosuid,nodev,noexec,relatime tmpfs rw,size=1024k,mode=700'
	assert_line --regexp '^/ro ro,nosuid,nodev,noexec,relatime tmpfs '
	assert_line --regexp '^/u rw,nosuid,nodev,noexec,relatime tmpfs '
	assert_line '/x rw,nosuid,nodev,relatime tmpfs rw,size=2048k,mode=1770,uid=5,gid=6'
	assert_line '700 0:0'
	assert_line '1770 5:6'
	assert_line noexec
	assert_line ran
	assert_line ro-refused
	nothing_left
}

@test "inspect: Mounts as docker shows them (bind, volume, tmpfs); ps -f volume= finds the --mount volume" {
	ctr create --name ins --mount "type=bind,src=$H,dst=/b,ro" --mount type=volume,src=mi,dst=/v \
		--mount type=volume,dst=/anon --tmpfs /t:ro busybox true >/dev/null
	run sh -c "'$CTR' inspect ins | jq -c '.Mounts[] | [.Type, .Name, .Source, .Destination, .RW, .Propagation, .Driver]'"
	assert_success
	assert_line -n 0 "[\"bind\",null,\"$H\",\"/b\",false,\"rprivate\",null]"
	assert_line -n 1 "[\"volume\",\"mi\",\"$CTR_ROOT/btrfs/volumes/mi/_data\",\"/v\",true,\"\",\"local\"]"
	assert_line -n 2 --regexp '^\["volume","[0-9a-f]{64}",".*/_data","/anon",true,"","local"\]$'
	assert_line -n 3 '["tmpfs",null,"","/t",false,"",null]'
	run ctr ps -a -q -f volume=mi
	assert_output "$(ctr inspect ins | jq -r '.id[:12]')"
	ctr rm -v ins >/dev/null
	assert_equal "$(ctr volume ls -q)" mi
	ctr volume rm mi
	nothing_left
}

@test "mounts are made parents first (docker's order), whatever the order given" {
	run ctr run --rm --net none --tmpfs /a/b/c --mount "type=bind,src=$H,dst=/a/b" --tmpfs /a busybox sh -c 'ls /a/b; ls -d /a/b/c'
	assert_success
	assert_line f
	assert_line /a/b/c
	nothing_left
}

@test "bad --mount and --tmpfs values: 125, docker's reason, nothing made" {
	local bad=(
		"type=bind,target=/c|source is required for a bind mount"
		"type=bind,src=rel,target=/c|source rel: must be an absolute path (or ./PATH)"
		"type=bind,src=$H/nope,target=/c|$H/nope: no such file or directory"
		"type=bind,src=$H,dst=/c,bind-propagation=rshared|bind-propagation=rshared: not supported (only rprivate, the default: the container's mounts and the host's stay apart)"
		"type=bind,src=$H,dst=/c,bind-propagation=x|invalid value for bind-propagation: x (private, rprivate, shared, rshared, slave, rslave)"
		"type=bind,src=$H,dst=/c,bind-nonrecursive|bind-nonrecursive: not supported (a bind is recursive)"
		"type=bind,src=$H,dst=/c,volume-nocopy|cannot mix 'volume-*' options with mount type 'bind'"
		"type=volume,src=$H,dst=/c|source $H: a volume's name, not a path (type=bind mounts a host path)"
		"type=volume,src=a/b,dst=/c|invalid volume name 'a/b' (want [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 characters; a host directory needs an absolute path)"
		"type=volume,dst=/c,volume-driver=nfs|volume-driver=nfs: only local"
		"type=volume,dst=/c,volume-opt=o=1|volume-opt: not supported"
		"type=volume,dst=/c,tmpfs-size=1m|cannot mix 'tmpfs-*' options with mount type 'volume'"
		"type=tmpfs,dst=/c,tmpfs-size=lots|invalid value for tmpfs-size: lots (bytes, or a number with a k, m, g or t suffix)"
		"type=tmpfs,dst=/c,tmpfs-mode=0999|invalid value for tmpfs-mode: 0999 (octal, e.g. 1777 or 700)"
		"type=tmpfs,dst=/c,tmpfs-mode=17777|invalid value for tmpfs-mode: 17777 (octal, e.g. 1777 or 700)"
		"type=tmpfs,src=x,dst=/c|source is not allowed for a tmpfs"
		"type=npipe,dst=/c|type npipe: not supported (bind, volume or tmpfs)"
		"type=volume|target is required"
		"dst=rel|target rel: must be an absolute path"
		"dst=//|target //: cannot mount over the container's /"
		"dst=/a:b|target /a:b: a ':' in the path is not supported"
		"dst=/c,color=red|unexpected key 'color' in 'color=red'"
		"dst=/c,ro=maybe|invalid value for ro: maybe (true or false)"
		"dst=/c,word|invalid field 'word' must be a key=value pair"
		"\"dst=/c|extraneous or missing \" in quoted-field"
		"\"dst=/c\"x|extraneous or missing \" in quoted-field"
		"dst=/c\"|bare \" in non-quoted-field"
	)
	local b
	for b in "${bad[@]}"; do
		run -125 ctr run --rm --net none --mount "${b%%|*}" busybox true
		assert_output "ctr: --mount ${b%%|*}: ${b#*|}"
		run -125 ctr create --mount "${b%%|*}" busybox true
		assert_output "ctr: --mount ${b%%|*}: ${b#*|}"
	done
	run -125 ctr run --rm --mount '' busybox true
	assert_output 'ctr: --mount: empty (type=bind|volume|tmpfs,target=/CONTAINER,...)'
	run -125 ctr run --rm --mount "$(printf 'dst=/c\nx')" busybox true
	assert_output 'ctr: --mount: the value contains a newline'
	bad=(
		"/t:suid|suid: not allowed (a container's tmpfs is nosuid,nodev)"
		"/t:dev|dev: not allowed (a container's tmpfs is nosuid,nodev)"
		"/t:size=x|size=x: invalid size (bytes, or a number with a k, m, g or t suffix)"
		"/t:mode=8|mode=8: invalid mode (octal, e.g. 1777 or 700)"
		"/t:uid=-1|uid=-1: not a number"
		"/t:bogus|unknown option bogus (ro, rw, exec, noexec, nosuid, nodev, size=SIZE, mode=OCTAL, uid=N, gid=N, nr_inodes=N)"
		"/t:ro,,exec|an empty option"
		"t|target t: must be an absolute path"
		"/|target /: cannot mount over the container's /"
	)
	for b in "${bad[@]}"; do
		run -125 ctr run --rm --net none --tmpfs "${b%%|*}" busybox true
		assert_output "ctr: --tmpfs ${b%%|*}: ${b#*|}"
	done
	# two mounts on one path (docker: "Duplicate mount point"), however written
	run -125 ctr run --rm --tmpfs /t --mount "type=bind,src=$H,dst=/t/" busybox true
	assert_output "ctr: --tmpfs /t: duplicate mount point /t"
	run -125 ctr run --rm -v dupe:/d --mount type=volume,dst=//d/. busybox true
	assert_output "ctr: --mount type=volume,dst=//d/.: duplicate mount point /d"
	# a good --mount with a bad one after it: neither is made
	run -125 ctr run --rm --mount type=volume,src=early,dst=/e --mount type=volume,dst=/c,color=red busybox true
	nothing_left
}

@test "an image's VOLUMEs: an anonymous volume each, copied up from the image; --rm and rm -v remove them, rm keeps them" {
	run ctr run --rm --net none vimg:1 sh -c 'cat /data/f; stat -c %u:%g /data/f; grep -c -e " /data " -e " /opt/cache " /proc/self/mountinfo'
	assert_success
	assert_output "$(printf 'from-image\n12:34\n2')"
	nothing_left
	# detached and removed with rm -v; a plain rm keeps them (docker's)
	ctr create --name iv vimg:1 true >/dev/null
	assert_equal "$(nvols)" 2
	run sh -c "'$CTR' inspect iv | jq -r '.Mounts[] | \"\(.Type) \(.Destination)\"'"
	assert_output "$(printf 'volume /data\nvolume /opt/cache')"
	ctr rm -v iv >/dev/null
	assert_equal "$(nvols)" 0
	ctr create --name iv vimg:1 true >/dev/null
	ctr rm iv >/dev/null
	assert_equal "$(nvols)" 2
	ctr volume prune -f >/dev/null
	# -d --rm: the supervisor's exit action removes them
	ctr run -d --rm --net none vimg:1 true >/dev/null
	# (the container's directory goes first, its anonymous volumes right after it)
	for _ in $(seq 100); do [ -z "$(ls -A "$CTR_ROOT/containers")" ] && [ "$(nvols)" = 0 ] && break; sleep 0.1; done
	nothing_left
}

@test "an image's VOLUME at a path the run mounts already gets no volume of its own (-v, --mount, --tmpfs)" {
	run ctr run --rm --net none -v "$H:/data" --tmpfs /opt/cache/ vimg:1 sh -c 'cat /data/f; grep " /opt/cache " /proc/self/mountinfo | grep -c tmpfs'
	assert_success
	assert_output "$(printf 'from-host\n1')"
	assert_equal "$(nvols)" 0
	run ctr run --rm --net none --mount type=volume,src=own,dst=/data/ vimg:1 sh -c 'grep -c " /data " /proc/self/mountinfo'
	assert_output 1
	assert_equal "$(ctr volume ls -q)" own
	ctr volume rm own >/dev/null
	nothing_left
}

@test "an image's VOLUME paths are hostile: refused when the image is made (import, build), nothing left; an image without VOLUME has no volumes file" {
	local v
	for v in 'VOLUME /var/../etc|/var/../etc: a '"'"'..'"'"' is not allowed' \
		'VOLUME rel|rel: not an absolute path' \
		'VOLUME ["/a:b"]|"/a:b": a control character or a colon is not supported' \
		'VOLUME ["/a\nb"]|"/a\nb": a control character or a colon is not supported' \
		'VOLUME /|/: a volume over the container'"'"'s / is not allowed' \
		'VOLUME //.//|//.//: a volume over the container'"'"'s / is not allowed' \
		'VOLUME /toroot|/toroot: resolves to the image'"'"'s / (a symlink)' \
		'VOLUME /toroot/.|/toroot/.: resolves to the image'"'"'s / (a symlink)'; do
		run -125 ctr import -c "${v%%|*}" "$BATS_FILE_TMPDIR/vimg.tar" hostile:1
		assert_output "ctr: image config: Volumes: ${v#*|}"
	done
	[ ! -e "$CTR_ROOT/refs/hostile:1" ]
	assert_equal "$(ls -A "$CTR_ROOT/tmp")$(ls -A "$CTR_ROOT/btrfs/tmp")" ""
	# a build's VOLUME goes the same way
	mkdir -p "$BATS_TEST_TMPDIR/b"
	printf 'FROM vimg:1\nVOLUME /srv/../etc\n' >"$BATS_TEST_TMPDIR/b/Dockerfile"
	run -125 ctr build -q -t hostile:2 "$BATS_TEST_TMPDIR/b"
	assert_output --partial "ctr: image config: Volumes: /srv/../etc: a '..' is not allowed"
	[ ! -e "$CTR_ROOT/refs/hostile:2" ]
	# the cost: only an image with volumes has the file run looks for
	[ ! -e "$CTR_ROOT/images/$(imgid plain:1)/volumes" ]
	assert_equal "$(cat "$CTR_ROOT/images/$(imgid vimg:1)/volumes")" "$(printf '/data\n/opt/cache')"
	nothing_left
}

@test "build: a RUN after VOLUME writes into an anonymous volume that goes with the step (docker: changes discarded); the image keeps its VOLUMEs" {
	mkdir -p "$BATS_TEST_TMPDIR/b"
	printf 'FROM vimg:1\nRUN echo changed >/data/f && echo new >/data/g && echo kept >/kept\nVOLUME /more\n' >"$BATS_TEST_TMPDIR/b/Dockerfile"
	run ctr build -q -t vimg:2 "$BATS_TEST_TMPDIR/b"
	assert_success
	assert_equal "$(nvols)" 0
	run ctr run --rm --net none vimg:2 sh -c 'cat /data/f /kept; ls /data; grep -c -e " /data " -e " /opt/cache " -e " /more " /proc/self/mountinfo'
	assert_success
	assert_output "$(printf 'from-image\nkept\nf\n3')"
	ctr rmi vimg:2 >/dev/null
	nothing_left
}
