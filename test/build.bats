#!/usr/bin/env bats
# ctr.sh build: a Dockerfile per feature, built on btrfs snapshots, then run as a user would.

load helper
load fixtures/registry
load fixtures/images

teardown() {
	[ -z "${REG_DIR:-}" ] || reg_stop "$REG_DIR"
	ctr_teardown
}

setup() {
	ctr_setup
	CTX=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$CTX"
}

# dockerfile: the test's Dockerfile (stdin) in its context
dockerfile() { cat >"$CTX/Dockerfile"; }

# images_count: the image records of the root
images_count() { find "$CTR_ROOT/images" -mindepth 1 -maxdepth 1 -type d | wc -l; }

@test "build: FROM ARG ENV WORKDIR USER COPY RUN CMD EXPOSE LABEL, run as a user would" {
	printf 'hello\n' >"$CTX/hello.txt"
	mkdir -p "$CTX/dir/sub" && echo a >"$CTX/dir/sub/a" && chmod 750 "$CTX/dir/sub"
	printf '#!/bin/sh\necho script\n' >"$CTX/run.sh" && chmod 755 "$CTX/run.sh"
	dockerfile <<'EOF'
# syntax=docker/dockerfile:1
FROM busybox
ARG WHO=world
ARG UNSET
ENV PATH=/bin:/usr/bin GREETING="hi there" \
    EMPTY=${UNSET:-dflt} PLUS=${WHO:+set}
# a comment between instructions
WORKDIR /app
COPY hello.txt run.sh ./
COPY dir /app/d/
RUN echo "$GREETING $WHO" > out && \
    # a comment inside a continuation
    id -u >> out
WORKDIR sub
USER 1000:1000
EXPOSE 8080 53/udp
LABEL org.example.a=b note="x y"
CMD ["cat", "/app/out"]
EOF
	run "$CTR" build -t web:1 --network none "$CTX"
	assert_success
	assert_line '[1/13] FROM busybox'
	assert_line --partial '[8/13] RUN echo "$GREETING $WHO" > out &&'
	assert_line --regexp '^Successfully built [0-9a-f]{12}$'
	assert_line 'Successfully tagged web:1'
	run "$CTR" run --rm --net none web:1
	assert_success
	assert_output "hi there world
0"
	run "$CTR" run --rm --net none web:1 sh -c 'pwd; id -u; id -g; echo "$EMPTY $PLUS $WHO."; cat ../hello.txt; ../run.sh; stat -c "%a %u" ../d/sub ../run.sh'
	assert_success
	assert_output "/app/sub
1000
1000
dflt set .
hello
script
750 0
755 0"
	id=$("$CTR" build -q --network none "$CTX")
	jq -e '.exposed_ports == ["53/udp", "8080/tcp"] and .labels == {"org.example.a": "b", note: "x y"}
		and .workdir == "/app/sub" and .user == "1000:1000" and .entrypoint == []
		and (.history | map(.created_by) | index("USER 1000:1000")) != null' "$CTR_ROOT/images/$id/config.json"
	# run's files in /etc are not the image's
	tree=$(tree_path images "$id")
	cmp "$tree/etc/hosts" "$(tree_path images "$(jq -r .parent "$CTR_ROOT/images/$id/config.json")")/etc/hosts"
}

@test "build: a RUN that fails stops the build with its code and leaves nothing" {
	echo x >"$CTX/f"
	dockerfile <<'EOF'
FROM busybox
COPY f /f
RUN echo before; exit 7
RUN echo never
EOF
	"$CTR" run --rm --net none busybox true
	n=$(images_count)
	run "$CTR" build -t bad "$CTX"
	assert_equal "$status" 7
	assert_line before
	assert_line 'ctr: build: step 3/4 (Dockerfile line 3: RUN echo before; exit 7): the command returned 7'
	refute_line --partial never
	# the COPY step's image stays (cached), nothing else: no image of the RUN, no tag
	assert_equal "$(images_count)" $((n + 1))
	[ ! -e "$CTR_ROOT/refs/bad:latest" ]
	run ls -A "$CTR_ROOT/containers" "$CTR_ROOT/btrfs/containers" "$CTR_ROOT/tmp" "$CTR_ROOT/btrfs/tmp" "$CTR_ROOT/names"
	refute_output --regexp '^[0-9a-f]|build'
	run ip netns list
	refute_output --partial "$CTR_PREFIX-"
	run find /sys/fs/cgroup -maxdepth 3 -type d -path "*/$CTR_PREFIX/*"
	assert_output ''
	[ "$(btrfs subvolume list -o "$CTR_ROOT/btrfs/images" 2>/dev/null | wc -l)" -le "$(images_count)" ] ||
		btrfs subvolume list "$CTR_ROOT/btrfs"
}

@test "build: the cache: a rebuild is all CACHED, a changed file misses from its COPY on; --no-cache" {
	echo one >"$CTX/f"
	dockerfile <<'EOF'
FROM busybox
RUN echo first > /first
COPY f /f
RUN cat /f > /g
CMD ["cat", "/g"]
EOF
	id1=$("$CTR" build -q --network none "$CTX")
	run "$CTR" build --network none "$CTX"
	assert_success
	assert_line '[2/5] RUN echo first > /first CACHED'
	assert_line '[3/5] COPY f /f CACHED'
	assert_line '[4/5] RUN cat /f > /g CACHED'
	assert_line "Successfully built $id1"
	touch -d '2001-01-01' "$CTX/f" # the time is not the content
	run "$CTR" build --network none "$CTX"
	assert_line '[3/5] COPY f /f CACHED'
	echo two >"$CTX/f"
	run "$CTR" build --network none -t t2 "$CTX"
	assert_success
	assert_line '[2/5] RUN echo first > /first CACHED'
	assert_line '[3/5] COPY f /f'
	assert_line '[4/5] RUN cat /f > /g'
	run "$CTR" run --rm --net none t2
	assert_output two
	run "$CTR" build --no-cache --network none "$CTX"
	assert_success
	refute_output --partial CACHED
	# a build arg is part of the key
	printf 'FROM busybox\nARG V=a\nRUN echo $V > /v\n' >"$CTX/Dockerfile"
	"$CTR" build -q --network none "$CTX" >/dev/null
	run "$CTR" build --network none --build-arg V=b -t t3 "$CTX"
	refute_output --partial CACHED
	run "$CTR" run --rm --net none t3 cat /v
	assert_output b
}

@test "build: parser: escape directive, JSON forms, ENTRYPOINT and CMD, SHELL, errors before anything is made" {
	dockerfile <<'EOF'
# escape=`
FROM busybox
ENV A=1 `
    B=2
RUN ["/bin/sh", "-c", "echo $A$B > /ab"]
SHELL ["/bin/sh", "-c", "-e"]
RUN echo "C:\dir" > /path
ENTRYPOINT ["/bin/echo", "ep"]
RUN echo after > /after
CMD ["arg"]
EOF
	run "$CTR" build -t p --network none "$CTX"
	assert_success
	run "$CTR" run --rm --net none p
	assert_output 'ep arg'
	run "$CTR" run --rm --net none --entrypoint cat p /ab /path /after
	assert_output '12
C:\dir
after'
	n=$(images_count)
	printf 'FROM busybox\nRUN true\nFOO bar\n' >"$CTX/Dockerfile"
	run "$CTR" build "$CTX"
	assert_equal "$status" 125
	assert_output 'ctr: build: Dockerfile line 3: unknown instruction: FOO'
	printf 'FROM busybox\nONBUILD RUN true\n' >"$CTX/Dockerfile"
	run "$CTR" build "$CTX"
	assert_output --partial 'line 2: ONBUILD is not supported'
	printf 'FROM busybox\nENV X=${Y:?must be set}\n' >"$CTX/Dockerfile"
	run "$CTR" build "$CTX"
	assert_equal "$status" 125
	assert_output --partial 'Y: must be set'
	assert_equal "$(images_count)" "$n"
}

@test "build: multi-stage, COPY --from a stage, FROM scratch" {
	dockerfile <<'EOF'
FROM busybox AS tools
RUN echo made > /made
FROM scratch
COPY --from=tools /bin/busybox /bin/busybox
COPY --from=tools /made /out/
ENTRYPOINT ["/bin/busybox"]
CMD ["cat", "/out/made"]
EOF
	run "$CTR" build -t ms --network none "$CTX"
	assert_success
	run "$CTR" run --rm --net none ms
	assert_output made
	run "$CTR" run --rm --net none ms ls /
	assert_output 'bin
dev
etc
out
proc
sys'
}

@test "build: COPY attacks: a context symlink out of the context, an image symlink at the destination" {
	hostdir=$BATS_TEST_TMPDIR/host
	mkdir -p "$hostdir"
	echo secret >"$BATS_TEST_TMPDIR/secret"
	ln -s "$BATS_TEST_TMPDIR/secret" "$CTX/abs"
	ln -s ../secret "$CTX/rel"
	echo payload >"$CTX/payload"
	# the source's symlinks resolve inside the context: nothing of the host is read
	for l in abs rel ../secret; do
		printf 'FROM busybox\nCOPY %s /x\n' "$l" >"$CTX/Dockerfile"
		run "$CTR" build --network none "$CTX"
		assert_equal "$status" 125
		assert_output --partial "no such file or directory"
	done
	# the image's symlinks (to the host's directory) resolve inside the image
	dockerfile <<EOF
FROM busybox
RUN mkdir -p $hostdir && ln -s $hostdir /dst && mkdir -p /realdir && ln -s $hostdir/x /file && ln -s ../../../../../../$hostdir /rel
COPY payload /dst/
COPY payload /file
COPY payload /rel/p2
COPY payload payload /dst/sub/
CMD ["sh", "-c", "cat $hostdir/payload $hostdir/x $hostdir/p2 $hostdir/sub/payload"]
EOF
	run "$CTR" build -t atk --network none "$CTX"
	assert_success
	run ls -A "$hostdir"
	assert_output ''
	run "$CTR" run --rm --net none atk
	assert_output 'payload
payload
payload
payload'
}

@test "build: Dockerfile attack: the context's Dockerfile (or -f in the context) a symlink to a host file, a FIFO: not read" {
	# a host file whose first line the error message would print (a CI log)
	printf 'SECRET_TOKEN=hunter2\n' >"$BATS_TEST_TMPDIR/secret"
	chmod 600 "$BATS_TEST_TMPDIR/secret"
	ln -s "$BATS_TEST_TMPDIR/secret" "$CTX/Dockerfile"
	ln -s ../secret "$CTX/Dockerfile.rel"
	mkfifo "$CTX/Dockerfile.fifo"
	cd "$BATS_TEST_TMPDIR"
	for f in '' ctx/Dockerfile.rel "$CTX/Dockerfile.rel" ctx/Dockerfile.fifo; do
		run timeout 60 "$CTR" build ${f:+-f "$f"} --network none ctx
		assert_failure 125
		refute_output --partial hunter2
		assert_output "ctr: build: ${f:-$CTX/Dockerfile}: no Dockerfile (not a regular file in the context, or cannot read)"
	done
	[ ! -d "$CTR_ROOT/images" ] || [ "$(images_count)" = 0 ] || fail "an image was made"
	# a symlink inside the context resolves inside it; -f outside the context is the user's own file
	printf 'FROM busybox\nLABEL from=context\n' >"$CTX/real"
	ln -sf real "$CTX/Dockerfile"
	run "$CTR" build -q --network none ctx
	assert_success
	[ "$(jq -r .labels.from "$CTR_ROOT/images/$output/config.json")" = context ]
	printf 'FROM busybox\nLABEL from=outside\n' >"$BATS_TEST_TMPDIR/outside"
	ln -s "$BATS_TEST_TMPDIR/outside" "$BATS_TEST_TMPDIR/mine"
	run "$CTR" build -q -f mine --network none ctx
	assert_success
	[ "$(jq -r .labels.from "$CTR_ROOT/images/$output/config.json")" = outside ]
	# a CONTEXT that a container (whose volume holds it) turned into a link to a host directory:
	# not followed (COPY . would have put the host's files in the image)
	mkdir -p "$BATS_TEST_TMPDIR/shared" "$BATS_TEST_TMPDIR/hostdir"
	printf 'FROM busybox\nCOPY . /stolen\n' >"$BATS_TEST_TMPDIR/hostdir/Dockerfile"
	"$CTR" run --name ci --net none -v "$BATS_TEST_TMPDIR/shared:/ci" busybox ln -s "$BATS_TEST_TMPDIR/hostdir" /ci/ctx
	run "$CTR" build -q --network none shared/ctx
	assert_failure 125
	assert_output "ctr: build shared/ctx: $BATS_TEST_TMPDIR/shared/ctx is a symlink in $BATS_TEST_TMPDIR/shared, which a container can write: not followed (give the real path)"
}

@test "build: .dockerignore: patterns, ** and ! exceptions, out of the copy and of the cache key" {
	mkdir -p "$CTX/sub/deep" "$CTX/secret" "$CTX/docs"
	for f in a.log keep.log sub/b.log sub/deep/c.log sub/ok secret/key docs/x.md docs/y.txt top; do
		echo "$f" >"$CTX/$f"
	done
	cat >"$CTX/.dockerignore" <<'EOF2'
# comments and blank lines are skipped

*.log
**/*.log
!keep.log
/secret/
docs/*.md
Dockerfile
.dockerignore
EOF2
	dockerfile <<'EOF2'
FROM busybox
COPY . /ctx/
COPY *.log /logs/
COPY docs /docs/
EOF2
	id=$("$CTR" build -q --network none "$CTX")
	run sh -c 'cd "$1" && find ctx logs docs -type f | sort' sh "$(tree_path images "$id")"
	assert_output 'ctx/docs/y.txt
ctx/keep.log
ctx/sub/ok
ctx/top
docs/y.txt
logs/keep.log'
	# an excluded file changes nothing: every step CACHED; an included one misses
	echo changed >"$CTX/sub/b.log" && echo changed >"$CTX/secret/key" && echo changed >"$CTX/docs/x.md"
	run "$CTR" build --network none "$CTX"
	assert_success
	assert_line '[2/4] COPY . /ctx/ CACHED'
	assert_line '[3/4] COPY *.log /logs/ CACHED'
	assert_line '[4/4] COPY docs /docs/ CACHED'
	echo changed >"$CTX/keep.log"
	run "$CTR" build --network none "$CTX"
	assert_line '[2/4] COPY . /ctx/'
	assert_line '[3/4] COPY *.log /logs/'
	# an excluded file named as a source is not in the context
	n=$(images_count)
	printf 'FROM busybox\nCOPY secret/key /k\n' >"$CTX/Dockerfile"
	run "$CTR" build --network none "$CTX"
	assert_equal "$status" 125
	assert_output --partial 'secret/key: excluded by .dockerignore'
	assert_equal "$(images_count)" "$n"
}

@test "build: COPY --chown (names from the image's passwd and group) and --chmod; ADD of a local tar, plain and gzip" {
	mkdir -p "$CTX/d/sub" "$BATS_TEST_TMPDIR/t/in"
	echo f >"$CTX/f" && echo g >"$CTX/d/sub/g" && ln -s sub/g "$CTX/d/link" && chmod 600 "$CTX/f"
	echo a >"$BATS_TEST_TMPDIR/t/in/a" && ln -s a "$BATS_TEST_TMPDIR/t/in/l"
	tar -C "$BATS_TEST_TMPDIR/t" -cf "$CTX/plain.tar" in
	tar -C "$BATS_TEST_TMPDIR/t" -czf "$CTX/z.tgz" in
	dockerfile <<'EOF2'
FROM busybox
RUN mkdir -p /etc && printf 'root:x:0:0::/:/bin/sh\napp:x:1234:2345::/:/bin/sh\n' > /etc/passwd && \
    printf 'root:x:0:\nstaff:x:50:\napp:x:2345:\n' > /etc/group
COPY --chown=app f /o/user
COPY --chown=app:staff --chmod=640 d /o/dir/
COPY --chown=7 f /o/num
COPY --chmod=0755 f /o/mode
ADD plain.tar /p/
ADD --chown=1:2 z.tgz /z
COPY plain.tar /copied/
EOF2
	run "$CTR" build -t own --network none "$CTX"
	assert_success
	run "$CTR" run --rm --net none own sh -c 'cd /o && stat -c "%n %u:%g %a" user dir/sub/g dir/sub num mode; stat -c "%n %u:%g %F" dir/link
		cat /p/in/a /z/in/l; stat -c "%n %u:%g %F" /z/in /z/in/l /p/in/l; ls /copied'
	assert_success
	assert_output 'user 1234:2345 600
dir/sub/g 1234:50 640
dir/sub 1234:50 640
num 7:7 600
mode 0:0 755
dir/link 1234:50 symbolic link
a
a
/z/in 1:2 directory
/z/in/l 1:2 symbolic link
/p/in/l 0:0 symbolic link
plain.tar'
	# a name the image does not know, a mode that is not octal: an error, nothing made
	n=$(images_count)
	printf 'FROM busybox\nCOPY --chown=nosuchuser f /f\n' >"$CTX/Dockerfile"
	run "$CTR" build --network none "$CTX"
	assert_equal "$status" 125
	assert_output --partial "--chown=nosuchuser: no user nosuchuser in the image's /etc/passwd"
	printf 'FROM busybox\nCOPY --chmod=u+x f /f\n' >"$CTX/Dockerfile"
	run "$CTR" build --network none "$CTX"
	assert_equal "$status" 125
	assert_output --partial '--chmod=u+x: want an octal mode'
	assert_equal "$(images_count)" "$n"
	run ls -A "$CTR_ROOT/tmp"
	assert_output ''
}

@test "build: --target, --label, HEALTHCHECK stored, --pull pulls even when the image is there" {
	dockerfile <<'EOF2'
FROM busybox AS base
RUN echo base > /stage
HEALTHCHECK --interval=1m30s --timeout=5s --retries=3 CMD ["wget", "-q", "http://localhost/"]
FROM base AS test
RUN echo test > /stage
HEALTHCHECK CMD wget -q http://localhost/ || exit 1
FROM busybox
RUN echo final > /stage
HEALTHCHECK NONE
EOF2
	id=$("$CTR" build -q --target BASE --label a=1 --label b="x y" --network none "$CTX")
	run "$CTR" run --rm --net none "$id" cat /stage
	assert_output base
	jq -e '.labels == {a: "1", b: "x y"} and .healthcheck == {Test: ["CMD", "wget", "-q", "http://localhost/"],
		Interval: 90000000000, Timeout: 5000000000, Retries: 3}' "$CTR_ROOT/images/$id/config.json"
	run "$CTR" build --target test --network none "$CTX"
	assert_success
	refute_line --partial 'echo final'
	id=$("$CTR" build -q --target test --network none "$CTX")
	jq -e '.labels == {} and .healthcheck == {Test: ["CMD-SHELL", "wget -q http://localhost/ || exit 1"]}' "$CTR_ROOT/images/$id/config.json"
	id=$("$CTR" build -q --network none "$CTX")
	jq -e '.healthcheck == {Test: ["NONE"]}' "$CTR_ROOT/images/$id/config.json"
	# bad input: a clear error, nothing made
	n=$(images_count)
	run "$CTR" build --target nosuch "$CTX"
	assert_equal "$status" 125
	assert_output 'ctr: build: --target nosuch: no such stage (FROM ... AS nosuch)'
	run "$CTR" build --label novalue "$CTX"
	assert_equal "$status" 125
	assert_output 'ctr: build: --label novalue: want K=V'
	printf 'FROM busybox\nHEALTHCHECK --interval=soon CMD true\n' >"$CTX/Dockerfile"
	run "$CTR" build "$CTX"
	assert_equal "$status" 125
	assert_output --partial '--interval=soon: not a duration'
	# --pull asks the registry even for an image of the store (busybox is local only: the pull fails)
	printf 'FROM busybox\nRUN true\n' >"$CTX/Dockerfile"
	run "$CTR" build --pull --network none "$CTX"
	assert_equal "$status" 125
	assert_output --partial 'busybox: cannot pull'
	assert_equal "$(images_count)" "$n"
}

@test "build: interrupted during a RUN (SIGINT, SIGKILL): nothing left after cleanup" {
	dockerfile <<'EOF2'
FROM busybox
RUN echo started; sleep 600
EOF2
	"$CTR" run --rm --net none busybox true # the busybox image, before counting
	n=$(images_count)
	for sig in INT KILL; do
		: >"$BATS_TEST_TMPDIR/out"
		set -m # a job of its own: its SIGINT is not ignored
		"$CTR" build --network none "$CTX" >"$BATS_TEST_TMPDIR/out" 2>&1 &
		pid=$!
		set +m
		deadline=$((SECONDS + 120))
		until grep -q '^started' "$BATS_TEST_TMPDIR/out"; do
			[ "$SECONDS" -lt "$deadline" ] || { cat "$BATS_TEST_TMPDIR/out"; kill -KILL "$pid"; false; }
			sleep 0.1
		done
		kill -"$sig" "$pid"
		st=0
		wait "$pid" || st=$?
		if [ "$sig" = INT ]; then
			assert_equal "$st" 130
			# interrupted, the build removed its container itself
			run ls -A "$CTR_ROOT/names" "$CTR_ROOT/containers"
			refute_output --regexp 'ctrbuild|^[0-9a-f]'
		else
			# killed, its watchdog removes the container once the build's lock is free
			deadline=$((SECONDS + 60))
			while ls "$CTR_ROOT/names" | grep -q ctrbuild; do
				[ "$SECONDS" -lt "$deadline" ] || { ls -l "$CTR_ROOT/names"; false; }
				sleep 0.1
			done
		fi
		run "$CTR" cleanup
		assert_success
		run ls -A "$CTR_ROOT/containers" "$CTR_ROOT/btrfs/containers" "$CTR_ROOT/tmp" "$CTR_ROOT/btrfs/tmp" "$CTR_ROOT/names"
		refute_output --regexp '^[0-9a-f]|build'
		assert_equal "$(images_count)" "$n"
		run ip netns list
		refute_output --partial "$CTR_PREFIX-"
		run find /sys/fs/cgroup -maxdepth 3 -type d -path "*/$CTR_PREFIX/*"
		assert_output ''
	done
}

@test "build: history shows the recorded steps (created_by per step) as docker, newest first" {
	dockerfile <<'EOF2'
FROM busybox
ENV A=1
RUN printf 1234567 > /seven
WORKDIR /w
CMD ["cat", "/seven"]
EOF2
	id=$("$CTR" build -q --network none "$CTX")
	mid=$(jq -r .parent "$CTR_ROOT/images/$id/config.json")
	run "$CTR" history --no-trunc -H=false "$id"
	assert_success
	# IMAGE CREATED CREATED BY SIZE COMMENT: the image's rows, then its parent's (the RUN's), then busybox's
	assert_line --index 1 --regexp "^$id +[0-9T:Z-]+ +CMD \[\"cat\", \"/seven\"\] +0 *\$"
	assert_line --index 2 --regexp '^<missing> +[0-9T:Z-]+ +WORKDIR /w +0 *$'
	assert_line --index 3 --regexp "^$mid +[0-9T:Z-]+ +RUN /bin/sh -c printf 1234567 > /seven +7 *\$"
	assert_line --index 4 --regexp '^<missing> +[0-9T:Z-]+ +ENV A=1 +0 *$'
	assert_line --index 5 --regexp '^[0-9a-f]{12} .*ctr built-in'
	run "$CTR" history -q "$id"
	assert_output "$id
<missing>
$mid
<missing>
$(jq -r .parent "$CTR_ROOT/images/$mid/config.json")"
}

@test "builder prune: the dangling steps and their cache records; -a all steps no name or container uses" {
	printf 'FROM busybox\nRUN echo a > /a\nRUN echo old > /b\nCMD ["cat", "/b"]\n' >"$CTX/Dockerfile"
	old=$("$CTR" build -q -t t:a --network none "$CTX")
	oldrun=$(jq -r .parent "$CTR_ROOT/images/$old/config.json")
	first=$(jq -r .parent "$CTR_ROOT/images/$oldrun/config.json")
	printf 'FROM busybox\nRUN echo a > /a\nRUN echo new > /b\nCMD ["cat", "/b"]\n' >"$CTX/Dockerfile.new"
	new=$("$CTR" build -q -t t:a -f "$CTX/Dockerfile.new" --network none "$CTX")
	newrun=$(jq -r .parent "$CTR_ROOT/images/$new/config.json")
	assert_equal "$(jq -r .parent "$CTR_ROOT/images/$newrun/config.json")" "$first"
	# nothing is asked for without a terminal's "y"
	run "$CTR" builder prune </dev/null
	assert_success
	assert_output --partial 'WARNING! This will remove all dangling build cache.'
	[ -d "$CTR_ROOT/images/$old" ]
	# the old build's steps lead to no image that stays: gone, with their cache records
	run "$CTR" builder prune -f
	assert_success
	assert_line 'Deleted build cache objects:'
	assert_line "$old"
	assert_line "$oldrun"
	assert_line --regexp '^Total reclaimed space: '
	[ ! -d "$CTR_ROOT/images/$old" ] && [ ! -d "$CTR_ROOT/images/$oldrun" ]
	[ -d "$CTR_ROOT/images/$first" ] && [ -d "$CTR_ROOT/images/$newrun" ]
	run grep -rlx -e "$old" -e "$oldrun" "$CTR_ROOT/cache"
	assert_output ''
	run "$CTR" build -f "$CTX/Dockerfile.new" --network none "$CTX"
	assert_line '[3/4] RUN echo new > /b CACHED'
	run "$CTR" build --network none "$CTX"
	assert_line '[2/4] RUN echo a > /a CACHED'
	assert_line '[3/4] RUN echo old > /b'
	# -a: every step no name and no container uses; a container's image, named images, the base stay
	"$CTR" run -d --name keep --net none "$newrun" sleep 600 >/dev/null
	run "$CTR" builder prune -a -f
	assert_success
	[ ! -d "$CTR_ROOT/images/$first" ] && [ -d "$CTR_ROOT/images/$newrun" ] && [ -d "$CTR_ROOT/images/$new" ]
	run ls -A "$CTR_ROOT/cache"
	assert_output ''
	run "$CTR" run --rm --net none t:a
	assert_output new
	run "$CTR" run --rm --net none busybox true
	assert_success
	"$CTR" rm -f keep >/dev/null
	run "$CTR" builder prune -x
	assert_equal "$status" 125
	run "$CTR" builder
	assert_equal "$status" 125
	assert_output 'ctr: usage: ctr.sh builder prune [-a] [-f]'
}

@test "build --pull: a FROM image of the store is pulled again (the registry's newer one is used)" {
	export REG_DIR=$BATS_TEST_TMPDIR/reg
	reg_start "$REG_DIR" none
	# push v1 of a base to the local registry, pull it, then push v2 under the same tag
	mkdir -p "$BATS_TEST_TMPDIR/t"
	for v in 1 2; do
		echo "v$v" >"$BATS_TEST_TMPDIR/t/v"
		tar -C "$BATS_TEST_TMPDIR/t" -cf "$BATS_TEST_TMPDIR/v$v.tar" v
		"$CTR" import "$BATS_TEST_TMPDIR/v$v.tar" "base:v$v" >/dev/null
		"$CTR" save -o "$BATS_TEST_TMPDIR/v$v.oci" "base:v$v"
		skopeo copy -q --dest-tls-verify=false "oci-archive:$BATS_TEST_TMPDIR/v$v.oci" "docker://$REG/t/base:1"
		[ "$v" = 2 ] || "$CTR" pull -q "$REG/t/base:1" >/dev/null
	done
	printf 'FROM %s/t/base:1\nLABEL x=y\n' "$REG" >"$CTX/Dockerfile"
	id=$("$CTR" build -q --network none "$CTX")
	assert_equal "$(cat "$(tree_path images "$id")/v")" v1
	id=$("$CTR" build -q --pull --network none "$CTX")
	assert_equal "$(cat "$(tree_path images "$id")/v")" v2
}

# img_conf IMAGE: what a user checks of an image's config (the record run reads; an absent list or
# string is an empty one), keys sorted
img_conf() {
	jq -cS '{cmd, entrypoint, env, workdir, user, labels: (.labels // {}), exposed_ports: (.exposed_ports // []),
		volumes: (.volumes // []), stop_signal: (.stop_signal // ""), healthcheck}' \
		"$CTR_ROOT/images/$(cat "$CTR_ROOT/refs/$1")/config.json"
}

# hist_rows IMAGE: history's rows but the base's (CREATED BY, SIZE, COMMENT), without the IDs
hist_rows() {
	"$CTR" history --no-trunc -H=false "$1" | sed '1d;$d' | sed -E 's/^[^ ]+ +//' | tr -s ' '
}

# fidelity_dockerfile: a base's layer and two of its own (RUN, COPY), every kind of config
fidelity_dockerfile() {
	echo copied >"$CTX/f"
	dockerfile <<'EOF2'
FROM busybox
ENV A=1 B="two words"
RUN printf 1234567 > /seven
COPY f /f
WORKDIR /w
USER 1000
LABEL org.example.a=b note="x y"
VOLUME /data /cache
EXPOSE 8080 53/udp
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --retries=2 CMD ["true"]
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /seven"]
EOF2
}

@test "build, save, rmi, load: the same layers and config (labels, healthcheck, volumes, ports, stop signal, history)" {
	fidelity_dockerfile
	"$CTR" build -q -t fid:1 --network none "$CTX" >/dev/null
	want=$(img_conf fid:1)
	jq -e '.labels.note == "x y" and .healthcheck.Retries == 2 and .volumes == ["/cache", "/data"]
		and .stop_signal == "SIGINT"' <<<"$want"
	hist=$(hist_rows fid:1)
	# the RUN's layer is its 7 bytes (not run's files in /etc)
	grep -E '^[0-9T:Z-]+ RUN /bin/sh -c printf 1234567 > /seven 7$' <<<"$hist"
	"$CTR" save -o "$BATS_TEST_TMPDIR/fid.tar" fid:1
	# three layers (busybox, RUN, COPY), as skopeo reads them
	run skopeo inspect --raw "oci-archive:$BATS_TEST_TMPDIR/fid.tar"
	assert_success
	[ "$(jq '.layers | length' <<<"$output")" = 3 ]
	# the image config as written (skopeo's OCI types have no Healthcheck: read it as it is)
	mkdir "$BATS_TEST_TMPDIR/x"
	tar -C "$BATS_TEST_TMPDIR/x" -xf "$BATS_TEST_TMPDIR/fid.tar"
	m=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$BATS_TEST_TMPDIR/x/index.json")
	k=$(jq -r '.config.digest | sub("sha256:"; "")' "$BATS_TEST_TMPDIR/x/blobs/sha256/$m")
	run cat "$BATS_TEST_TMPDIR/x/blobs/sha256/$k"
	jq -e '.config.Healthcheck.Test == ["CMD", "true"] and .config.StopSignal == "SIGINT"
		and (.config.Volumes | keys) == ["/cache", "/data"] and .config.Labels.note == "x y"
		and ([.history[] | select(.empty_layer | not)] | length) == 3' <<<"$output"
	"$CTR" rmi fid:1 >/dev/null
	"$CTR" builder prune -a >/dev/null
	run "$CTR" load -i "$BATS_TEST_TMPDIR/fid.tar"
	assert_success
	assert_line --partial 'Loaded image: fid:1'
	assert_equal "$(img_conf fid:1)" "$want"
	assert_equal "$(jq '.layers | length' "$CTR_ROOT/images/$(cat "$CTR_ROOT/refs/fid:1")/config.json")" 3
	assert_equal "$(hist_rows fid:1)" "$hist"
	run "$CTR" run --rm --net none fid:1
	assert_success
	assert_output 1234567
}

@test "commit and build: run's /etc/hostname, hosts, resolv.conf stay out of the image and its layers" {
	local base=$BATS_TEST_TMPDIR/base l
	# a base without them: a commit's image has none; busybox has them: a commit keeps its own
	mkdir -p "$base/bin" "$base/etc"
	cp "$TOP/build/rootfs/busybox/bin/busybox" "$base/bin/busybox"
	ln -s busybox "$base/bin/sh"
	"$CTR" init "$base" bare:1 >/dev/null
	for img in bare:1 busybox; do
		"$CTR" run --name "c-${img%%:*}" -h changed.example "$img" sh -c 'echo x >/new; cat /etc/hostname' >/dev/null
		"$CTR" commit "c-${img%%:*}" "com-${img%%:*}:1" >/dev/null
	done
	tree=$(tree_path images "$(cat "$CTR_ROOT/refs/com-bare:1")")
	[ -f "$tree/new" ]
	[ ! -e "$tree/etc/hosts" ] && [ ! -e "$tree/etc/hostname" ] && [ ! -e "$tree/etc/resolv.conf" ]
	tree=$(tree_path images "$(cat "$CTR_ROOT/refs/com-busybox:1")")
	bb=$(tree_path images "$(cat "$CTR_ROOT/refs/busybox:latest")")
	for f in hosts hostname resolv.conf; do cmp "$tree/etc/$f" "$bb/etc/$f"; done
	# history counts the container's 2 bytes
	run "$CTR" history -H=false com-busybox:1
	assert_line --index 1 --regexp ' 2 +commit:'
	# and a build's RUN: its layer, as save writes it, holds what the command made, no file of run's
	printf 'FROM bare:1\nRUN echo y >/y\n' >"$CTX/Dockerfile"
	"$CTR" build -q -t bb:1 --network none "$CTX" >/dev/null
	"$CTR" save -o "$BATS_TEST_TMPDIR/s.tar" com-bare:1 com-busybox:1 bb:1
	mkdir "$BATS_TEST_TMPDIR/s"
	tar -C "$BATS_TEST_TMPDIR/s" -xf "$BATS_TEST_TMPDIR/s.tar"
	for m in $(jq -r '.manifests[].digest | sub("sha256:"; "")' "$BATS_TEST_TMPDIR/s/index.json"); do
		# the base's layer, then the commit's or the RUN's
		assert_equal "$(jq '.layers | length' "$BATS_TEST_TMPDIR/s/blobs/sha256/$m")" 2
		l=$(jq -r '.layers[-1].digest | sub("sha256:"; "")' "$BATS_TEST_TMPDIR/s/blobs/sha256/$m")
		run sh -c "gzip -dc '$BATS_TEST_TMPDIR/s/blobs/sha256/$l' | tar -t"
		assert_success
		refute_line --regexp 'etc/(hosts|hostname|resolv\.conf|\.wh\.)'
		assert_line --regexp '^(\./)?(new|y)$'
	done
	# a commit's config and layers come back from a load
	want=$(img_conf com-busybox:1)
	"$CTR" rm c-busybox >/dev/null
	"$CTR" rmi com-busybox:1 >/dev/null
	"$CTR" load -i "$BATS_TEST_TMPDIR/s.tar" >/dev/null
	assert_equal "$(img_conf com-busybox:1)" "$want"
	assert_equal "$(jq '.layers | length' "$CTR_ROOT/images/$(cat "$CTR_ROOT/refs/com-busybox:1")/config.json")" 2
}

@test "build: an ARG with a default before FROM names the base; --build-arg overrides it" {
	mkdir -p "$BATS_TEST_TMPDIR/other"
	echo other >"$BATS_TEST_TMPDIR/other/which"
	"$CTR" init "$BATS_TEST_TMPDIR/other" other:1 >/dev/null
	printf 'ARG BASE=busybox\nFROM $BASE\nLABEL x=y\n' >"$CTX/Dockerfile"
	id=$("$CTR" build -q --network none "$CTX")
	assert_equal "$(jq -r .parent "$CTR_ROOT/images/$id/config.json")" "$(cat "$CTR_ROOT/refs/busybox:latest")"
	id=$("$CTR" build -q --build-arg BASE=other:1 --network none "$CTX")
	assert_equal "$(cat "$(tree_path images "$id")/which")" other
}

@test "FROM a hostile image config (WorkingDir, User, StopSignal not strings): load refuses it; recorded so by an earlier ctr, build stops; nothing runs on the host" {
	# build read the image's record as shell words: a WorkingDir array was a command run as root
	local a=$BATS_TEST_TMPDIR f cmd id
	cmd='["/", "sh", "-c", "id > '"$a"'/pwned", "x"]'
	tar -C "$TOP/build/rootfs" -cf "$a/rootfs.tar" .
	for f in WorkingDir User StopSignal; do
		layout_add "$a/layout" "$f" none amd64 "{\"$f\": $cmd}" "$a/rootfs.tar" >/dev/null
		skopeo copy -q "oci:$a/layout:$f" "oci-archive:$a/$f.tar:t/evil:$f"
		run ctr load -i "$a/$f.tar"
		assert_failure 125
		assert_output "ctr: image config: config.$f: not of its type (docker's: strings, arrays of strings, objects)"
	done
	run ctr images
	refute_output --partial t/evil
	# the record an earlier ctr made of such an image: build stops at FROM
	ctr tag busybox t/old:1
	id=$(cat "$CTR_ROOT/refs/t%2Fold:1")
	for f in workdir user stop_signal; do
		jq --arg f "$f" --argjson v "$cmd" '.[$f] = $v' "$CTR_ROOT/images/$id/config.json" >"$a/c" &&
			cp "$a/c" "$CTR_ROOT/images/$id/config.json"
		printf 'FROM t/old:1\nRUN true\n' | dockerfile
		run ctr build -t t/out "$CTX"
		assert_failure 125
		assert_output --partial "image t/old:1: its config.json is not valid"
		jq --arg f "$f" '.[$f] = ""' "$CTR_ROOT/images/$id/config.json" >"$a/c" && cp "$a/c" "$CTR_ROOT/images/$id/config.json"
	done
	[ ! -e "$a/pwned" ]
	[ ! -e "$a/B_USER=" ] && [ ! -e "$TOP/B_USER=" ]
}

@test "a FIFO as the base image's /etc/passwd or the context's .dockerignore: the build stops with an error, never waits for ever" {
	local a=$BATS_TEST_TMPDIR
	mkdir -p "$a/root"
	cp -a "$TOP/build/rootfs/busybox/." "$a/root/"
	rm -f "$a/root/etc/passwd" "$a/root/etc/group"
	mkfifo "$a/root/etc/passwd" "$a/root/etc/group"
	tar -C "$a/root" -cf "$a/img.tar" .
	ctr import "$a/img.tar" t/fifo:1 >/dev/null
	echo hi >"$CTX/f"
	printf 'FROM t/fifo:1\nCOPY --chown=app f /f\n' | dockerfile
	run timeout 60 "$CTR" build -t t/out "$CTX"
	assert_failure 125
	assert_output --partial "--chown=app: no user app in the image's /etc/passwd"
	printf 'FROM t/fifo:1\nCOPY --chown=0:app f /f\n' | dockerfile
	run timeout 60 "$CTR" build -t t/out "$CTX"
	assert_failure 125
	assert_output --partial "--chown=0:app: no group app in the image's /etc/group"
	mkfifo "$CTX/.dockerignore"
	run timeout 60 "$CTR" build -t t/out "$CTX"
	assert_failure 125
	assert_output "ctr: build: $CTX/.dockerignore: not a regular file, or cannot read"
}
