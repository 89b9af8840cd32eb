#!/usr/bin/env bats
# volume: docker's named and anonymous volumes (helpers/volume.sh): volume create, ls, inspect,
# rm, prune; run/create -v NAME:/CTR[:ro] and -v /CTR, the copy-up into an empty volume, rm -v and
# run --rm. One state root for the file (setup_file): each test uses volumes of its own names and
# removes the containers it made.

load helper

setup_file() {
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR ctr_setup
	export CTR_PREFIX CTR_ROOT CTR_POOL CTR_POOL_SIZE CTR_BRIDGE CTR_SUBNET CTR_TEST_SUBNET_CLAIM
	# an image of its own for the copy-up: owners, modes, a symlink, a hard link, and symlinks that
	# lead out of the image if followed on the host
	local t=$BATS_FILE_TMPDIR/tree
	mkdir -p "$t/data/sub" "$t/etc" "$t/up"
	echo image-etc >"$t/etc/marker"
	echo hello >"$t/data/file"
	chown 1234:2345 "$t/data/file"
	chmod 0640 "$t/data/file"
	chown 7:8 "$t/data"
	chmod 0751 "$t/data"
	ln -s file "$t/data/link"
	ln "$t/data/file" "$t/data/hard"
	echo deep >"$t/data/sub/deep"
	ln -s /etc "$t/abs"
	ln -s ../../../../../../etc "$t/up/rel"
	ctr init "$t" tree:1 >/dev/null
}

teardown_file() { ctr_teardown; }

# the file's root is shared: no per-test root
setup() { :; }
teardown() { :; }

# vols: the volumes' names, sorted, on one line
vols() { ctr volume ls -q | sort | paste -sd' '; }
# mp NAME: the volume's mountpoint (inspect's)
mp() { ctr volume inspect "$1" | jq -r '.[0].Mountpoint'; }

@test "run -v NAME:/CTR: the volume is made, what one container writes the next reads; it outlives them" {
	run ctr run --rm -v keep:/data busybox sh -c 'echo written >/data/f && ls /data'
	assert_success
	assert_output f
	run ctr run --rm -v keep:/other busybox cat /other/f
	assert_success
	assert_output written
	# the data is the volume's subvolume in the pool, no container's
	[ "$(cat "$(mp keep)/f")" = written ]
	[ "$(stat -f -c %T "$(mp keep)")" = btrfs ]
	[ "$(stat -c %i "$(mp keep)")" = 256 ] # a subvolume's root
	[ "$(ls "$CTR_ROOT/containers" | wc -l)" -eq 0 ]
	# a container that mounts it read-only cannot write (and the data stays)
	run ctr run --rm -v keep:/data:ro busybox sh -c 'cat /data/f; echo x >/data/g'
	assert_failure
	assert_output --partial written
	assert_output --partial 'Read-only file system'
	[ ! -e "$(mp keep)/g" ]
	ctr volume rm keep
}

@test "copy-up: a new volume gets the image's files (owners, modes, links, hard links); a non-empty one none" {
	ctr create --name cu -v cu:/data tree:1 /x >/dev/null
	local m
	m=$(mp cu)
	[ "$(cat "$m/file")" = hello ]
	[ "$(stat -c '%u:%g %a' "$m/file")" = "1234:2345 640" ]
	[ "$(stat -c '%u:%g %a' "$m")" = "7:8 751" ] # the directory's own owner and mode
	[ "$(readlink "$m/link")" = file ]
	[ "$(stat -c %i "$m/file")" = "$(stat -c %i "$m/hard")" ]
	[ "$(cat "$m/sub/deep")" = deep ]
	ctr rm -v cu
	# not empty: no copy, what it holds stays as it is
	echo mine >"$m/file"
	rm "$m/hard" "$m/link"
	ctr create --name cu2 -v cu:/data tree:1 /x >/dev/null
	[ "$(cat "$m/file")" = mine ]
	[ ! -e "$m/hard" ] && [ ! -L "$m/link" ]
	# nocopy (docker's): an empty volume, and a volume made so is filled by the next run without it
	ctr create --name cu4 -v cu-nocopy:/data:ro,nocopy tree:1 /x >/dev/null
	[ -z "$(ls -A "$(mp cu-nocopy)")" ]
	jq -e '.security.volumes[0].ro' "$CTR_ROOT/containers/$(ctr inspect cu4 | jq -r .id)/config.json"
	ctr rm cu4
	ctr create --name cu4 -v cu-nocopy:/data tree:1 /x >/dev/null
	[ "$(cat "$(mp cu-nocopy)/file")" = hello ]
	ctr rm cu4
	ctr volume rm cu-nocopy
	# a path the image does not have, or a file: nothing to copy, an empty volume
	ctr create --name cu3 -v cu-none:/nothing -v cu-file:/etc/marker tree:1 /x >/dev/null
	[ -z "$(ls -A "$(mp cu-none)")" ]
	[ -z "$(ls -A "$(mp cu-file)")" ]
	ctr rm cu2 cu3
	ctr volume rm cu cu-none cu-file
}

@test "copy-up: the image's symlinks are followed inside the image, never to the host's files" {
	ctr create --name sl -v sl-abs:/abs -v sl-rel:/up/rel tree:1 /x >/dev/null
	# /abs -> /etc and /up/rel -> ../../../../../../etc: the image's /etc, not the host's
	[ "$(ls -A "$(mp sl-abs)")" = marker ]
	[ "$(ls -A "$(mp sl-rel)")" = marker ]
	[ ! -e "$(mp sl-abs)/passwd" ]
	ctr rm sl
	ctr volume rm sl-abs sl-rel
}

@test "copy-up: an empty volume a container already has is not filled (it could plant a link meanwhile); once free, it is" {
	local id
	ctr volume create held >/dev/null
	# the first user's path is not in its image: the volume stays empty, and the holder could
	# plant a symlink in it that root's copy-up would write the image's /etc through
	id=$(ctr run -d -v held:/nothere busybox sleep 100)
	ctr create --name h2 -v held:/etc tree:1 /x >/dev/null
	[ -z "$(ls -A "$(mp held)")" ] || fail "filled while a container has it: $(ls -A "$(mp held)")"
	ctr rm -f "$id" h2 >/dev/null
	# no container has it: filled, as docker's
	ctr create --name h3 -v held:/etc tree:1 /x >/dev/null
	[ "$(cat "$(mp held)/marker")" = image-etc ]
	ctr rm h3 >/dev/null
	ctr volume rm held >/dev/null
}

@test "names are checked before anything is made: ../x, a/b, .x, a newline, 256 characters; /x is a host path" {
	local long bad
	long=$(printf 'a%.0s' $(seq 256))
	for bad in ../x a/b .x -x 'a b' 'x*' "$long"; do
		run ctr run --rm -v "$bad:/y" busybox true
		assert_failure 125
		assert_output --partial "invalid volume name"
		run ctr volume create -- "$bad"
		assert_failure 125
		assert_output --partial "invalid volume name"
	done
	run ctr run --rm -v "$(printf 'a\nb'):/y" busybox true
	assert_failure 125
	assert_output --partial newline
	run ctr volume create "$(printf 'a\nb')"
	assert_failure 125
	# a source starting with / is a host path, which must exist (ctr makes none)
	run ctr run --rm -v /nonexistent-s12:/y busybox true
	assert_failure 125
	assert_output --partial "/nonexistent-s12: no such file or directory"
	[ ! -e /nonexistent-s12 ]
	run ctr run --rm -v name:relative busybox true
	assert_failure 125
	assert_output --partial "must be absolute"
	run ctr run --rm -v name:/y:bogus busybox true
	assert_failure 125
	# nothing made: no volume, no container, no tree
	[ -z "$(ls -A "$CTR_ROOT/volumes" 2>/dev/null)" ]
	[ -z "$(ls -A "$CTR_ROOT/btrfs/volumes" 2>/dev/null)" ]
	[ -z "$(ls -A "$CTR_ROOT/containers")" ]
	# the other verbs: a hostile name reaches no path
	run ctr volume rm ../containers
	assert_failure 125
	run ctr volume inspect ../containers
	assert_failure 125
	[ -d "$CTR_ROOT/containers" ] && [ -d "$CTR_ROOT/btrfs/containers" ]
	# the name rule is docker's: a 255-character one is fine
	long=${long:1}
	ctr volume create "$long"
	ctr volume rm "$long"
}

@test "volume rm: refused while a container uses it, running or not (docker's message); works after; ps -f volume=NAME" {
	local r c
	r=$(ctr run -d -v inuse:/d busybox sleep 1000)
	c=$(ctr create -v inuse:/d busybox true)
	# ps: -f volume=NAME finds both; the volume's name in MOUNTS, as docker's
	[ "$(ctr ps -aq -f volume=inuse | sort | paste -sd' ')" = "$(printf '%s\n' "$r" "$c" | sort | paste -sd' ')" ]
	[ "$(ctr ps -a -f "id=$c" --format '{{.Mounts}} {{.LocalVolumes}}')" = "inuse 1" ]
	run ctr volume rm inuse
	assert_failure 125
	assert_output --regexp "^ctr: volume inuse: volume is in use - \[($r $c|$c $r)\]$"
	ctr rm -f "$r"
	run ctr volume rm inuse
	assert_failure 125
	assert_output "ctr: volume inuse: volume is in use - [$c]"
	# dangling: used by no container
	[ "$(ctr volume ls -q -f dangling=false -f name=^inuse$)" = inuse ]
	[ -z "$(ctr volume ls -q -f dangling=true -f name=^inuse$)" ]
	ctr rm "$c"
	[ "$(ctr volume ls -q -f dangling=true -f name=^inuse$)" = inuse ]
	run ctr volume rm inuse
	assert_success
	assert_output inuse
	[ ! -e "$CTR_ROOT/volumes/inuse" ] && [ ! -e "$CTR_ROOT/btrfs/volumes/inuse" ]
	run ctr volume rm inuse
	assert_failure 125
	assert_output "ctr: volume inuse: no such volume"
	ctr volume rm -f inuse
}

@test "volume create, ls, inspect: labels, docker's JSON, filters, a random name" {
	run ctr volume create --label app=web --label=tier=front -l flag lab1
	assert_success
	assert_output lab1
	# again: no error, nothing changed (docker's)
	ctr volume create --label other=1 lab1
	run ctr volume inspect lab1
	assert_success
	[ "$(jq length <<<"$output")" -eq 1 ]
	[ "$(jq -c '.[0].Labels' <<<"$output")" = '{"app":"web","flag":"","tier":"front"}' ]
	[ "$(jq -r '.[0] | [.Name, .Driver, .Scope] | join(" ")' <<<"$output")" = "lab1 local local" ]
	[ "$(jq -r '.[0].Mountpoint' <<<"$output")" = "$CTR_ROOT/btrfs/volumes/lab1/_data" ]
	jq -e '.[0].CreatedAt | fromdateiso8601 <= now' <<<"$output"
	local v
	v=$(ctr volume create)
	[[ $v =~ ^[0-9a-f]{64}$ ]]
	run ctr volume inspect lab1 "$v" nonesuch
	assert_failure 125
	assert_output --partial "ctr: volume nonesuch: no such volume"
	run ctr volume ls
	assert_success
	assert_line --index 0 --regexp '^DRIVER +VOLUME NAME$'
	assert_line --regexp '^local +lab1$'
	assert_line --regexp "^local +$v\$"
	[ "$(ctr volume ls -q -f name=^lab)" = lab1 ]
	[ "$(ctr volume ls -q -f name=lab1 -f name="^$v")" = "$(printf '%s\n' "$v" lab1 | sort)" ]
	run ctr volume ls -f bogus=1
	assert_failure 125
	run ctr volume
	assert_failure 125
	ctr volume rm lab1 "$v"
}

@test "anonymous volumes (-v /CTR): rm -v and run --rm remove them, rm keeps them; prune: unused anonymous ones, -a all unused" {
	local before c n
	ctr volume prune -af >/dev/null
	run ctr run --rm -v /anon -v kept:/k busybox sh -c 'echo x >/anon/f'
	assert_success
	[ "$(vols)" = kept ]
	c=$(ctr create -v /anon busybox true)
	n=$(cat "$CTR_ROOT/containers/$c/volumes")
	[[ $n =~ ^[0-9a-f]{64}$ ]]
	jq -e '.[0].Labels | has("com.docker.volume.anonymous")' <<<"$(ctr volume inspect "$n")"
	ctr rm -v "$c"
	[ "$(vols)" = kept ]
	c=$(ctr create -v /anon busybox true)
	n=$(cat "$CTR_ROOT/containers/$c/volumes")
	# in use: prune leaves it
	run ctr volume prune -f
	assert_success
	refute_output --partial "$n"
	ctr rm "$c"
	[ "$(vols)" = "$n kept" ]
	# unused: prune takes the anonymous one only; -a the named too
	run ctr volume prune -f
	assert_success
	assert_line --index 0 'Deleted Volumes:'
	assert_line --index 1 "$n"
	assert_line --partial 'Total reclaimed space:'
	[ "$(vols)" = kept ]
	# without -f it asks
	run ctr volume prune -a <<<n
	assert_success
	[ "$(vols)" = kept ]
	run ctr volume prune -a -f
	assert_success
	assert_line --index 1 kept
	[ -z "$(vols)" ]
	[ -z "$(ls -A "$CTR_ROOT/btrfs/volumes")" ]
}

@test "two runs racing to make the same volume get one volume, with the image's files once" {
	local i
	for i in 1 2 3; do
		(rc=0; ctr run --rm -v race:/data tree:1 /x >/dev/null 2>&1 || rc=$?; echo "$rc" >"$BATS_FILE_TMPDIR/race$i") &
	done
	wait
	# the image has no /x: each run got as far as its exec (127), none failed on the volume (125)
	for i in 1 2 3; do [ "$(cat "$BATS_FILE_TMPDIR/race$i")" = 127 ]; done
	[ "$(ctr volume ls -q -f name=^race$)" = race ]
	[ "$(ls "$CTR_ROOT/volumes" | grep -c race)" -eq 1 ]
	[ "$(ls -A "$(mp race)" | sort | paste -sd' ')" = "file hard link sub" ]
	[ -z "$(ls -A "$CTR_ROOT/containers")" ]
	ctr volume rm race
}

@test "system df: Local Volumes counts the volumes, ACTIVE those in use, RECLAIMABLE the others' data" {
	local c row
	ctr volume prune -af >/dev/null
	ctr run --rm -v dfa:/d busybox sh -c 'head -c 300000 /dev/urandom >/d/x'
	ctr volume create dfb >/dev/null
	c=$(ctr create -v dfb:/d busybox true)
	run ctr system df --format json
	assert_success
	row=$(jq -c 'select(.Type == "Local Volumes")' <<<"$output")
	[ "$(jq -r '[.TotalCount, .Active] | join(" ")' <<<"$row")" = "2 1" ]
	[[ $(jq -r .Size <<<"$row") =~ ^30[0-9](\.[0-9]+)?kB$ ]]
	[[ $(jq -r .Reclaimable <<<"$row") =~ ^30[0-9](\.[0-9]+)?kB\ \(100%\)$ ]]
	run ctr system df -v
	assert_success
	assert_line --regexp '^dfa +0 +30[0-9](\.[0-9]+)?kB$'
	assert_line --regexp '^dfb +1 +0B$'
	assert_line --regexp "^$c .* 1 +0B .* created"
	ctr rm "$c"
	ctr volume rm dfa dfb
}

@test "cleanup: a volume's tree that no record names (a make cut short) is removed; whole volumes stay" {
	ctr volume create whole >/dev/null
	mkdir "$CTR_ROOT/btrfs/volumes/stray"
	btrfs subvolume create "$CTR_ROOT/btrfs/volumes/stray/_data" >/dev/null
	run ctr cleanup
	assert_success
	assert_line "removed $CTR_ROOT/btrfs/volumes/stray"
	[ ! -e "$CTR_ROOT/btrfs/volumes/stray" ]
	[ "$(ctr volume ls -q -f name=^whole$)" = whole ]
	[ -d "$(mp whole)" ]
	ctr volume rm whole
}

@test "a container's symlink in a volume is never followed by ctr: the next run binds the volume, -v through the link is refused" {
	ctr run --rm -v planted:/data busybox sh -c 'ln -s / /data/root && ln -s /etc /data/etc'
	local m
	m=$(mp planted)
	[ "$(readlink "$m/root")" = / ]
	# the volume is bound by its own root: the links stay links inside, where / is the container's
	run ctr run --rm -v planted:/data busybox readlink /data/root
	assert_success
	assert_output /
	# a host path through the link (in a directory a container writes): refused, nothing mounted
	run ctr run --rm -v "$m/etc:/x" busybox true
	assert_failure 125
	assert_output --regexp "$m/etc is a symlink in .*, which a container can write: not followed"
	ctr volume rm planted
}

@test "run -d --rm -v /CTR: the supervisor's exit action removes the anonymous volume with the container" {
	local c n
	c=$(ctr run -d --rm -v /anon busybox sh -c 'sleep 0.5')
	n=$(cat "$CTR_ROOT/containers/$c/volumes")
	[[ $n =~ ^[0-9a-f]{64}$ ]]
	# the container's directory goes first, its anonymous volumes right after it (container_remove)
	wait_for sh -c "[ ! -e '$CTR_ROOT/containers/$c' ] && [ ! -e '$CTR_ROOT/volumes/$n' ] && [ ! -e '$CTR_ROOT/btrfs/volumes/$n' ]"
	run ctr volume ls -q
	refute_output --partial "$n"
}
