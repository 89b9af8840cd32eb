#!/usr/bin/env bats
# ctr-oci: the tmpcopyup mount option (runc's and crun's extension; podman asks for it on the
# tmpfs it puts on /tmp, /var/tmp and /run with --read-only): a tmpfs that starts with a copy
# of the directory it covers, the image's files never followed out of it.

load helper

# a directory of the image with one of each kind of entry
fill_image_dir() {
	local d=$BUNDLE/rootfs/srv/d
	mkdir -p "$d/sub/deeper"
	echo data >"$d/f"
	chown 1000:1001 "$d/f"
	chmod 604 "$d/f"
	touch -d '2001-02-03 04:05:06 UTC' "$d/f"
	cp "$BUNDLE/rootfs/bin/busybox" "$d/suid"
	chown 1000:1000 "$d/suid"
	chmod 4755 "$d/suid"
	echo inner >"$d/sub/deeper/g"
	chmod 700 "$d/sub"
	ln -s /etc/hostname "$d/abs"
	ln -s ../../../../../../../../etc/shadow "$d/up"
	mkfifo "$d/fifo"
}

@test "ctr-oci run: tmpcopyup: a tmpfs with the directory's files, owners, modes, times and links; writes stay in it" {
	fill_image_dir
	config '.mounts += [{"destination": "/srv/d", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "tmpcopyup"]}]'
	args sh -c 'grep " /srv/d " /proc/mounts; cd /srv/d; stat -c "%n %a %u:%g %F %Y" f suid sub sub/deeper/g abs up fifo; cat f sub/deeper/g; readlink abs; readlink up; cat up 2>/dev/null || echo no-shadow; echo new >new; echo written'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_line --regexp '^tmpfs /srv/d tmpfs rw,nosuid,nodev'
	assert_line "f 604 1000:1001 regular file 981173106"
	assert_line "suid 4755 1000:1000 regular file $(stat -c %Y "$BUNDLE/rootfs/srv/d/suid")"
	assert_line --regexp '^sub 700 0:0 directory '
	assert_line --regexp '^sub/deeper/g 644 0:0 regular file '
	assert_line --regexp '^abs 777 0:0 symbolic link '
	assert_line --regexp '^up 777 0:0 symbolic link '
	assert_line --regexp '^fifo 644 0:0 fifo '
	assert_line data
	assert_line inner
	assert_line /etc/hostname
	assert_line ../../../../../../../../etc/shadow
	assert_line written
	# the links were copied as links (above), not followed to the host's /etc/shadow when copied:
	# in the container "up" leads to its own /etc, which has no shadow
	assert_line no-shadow
	# the image is untouched
	[ ! -e "$BUNDLE/rootfs/srv/d/new" ]
	[ "$(cat "$BUNDLE/rootfs/srv/d/f")" = data ]
}

@test "ctr-oci run: tmpcopyup with ro: the copy is made, then the tmpfs is read-only" {
	fill_image_dir
	config '.mounts += [{"destination": "/srv/d", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "tmpcopyup"]}]'
	args sh -c 'grep " /srv/d " /proc/mounts; cat /srv/d/f; echo x >/srv/d/new || echo refused'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_line --regexp '^tmpfs /srv/d tmpfs ro'
	assert_line data
	assert_line refused
}

@test "ctr-oci run: tmpcopyup onto an image's symlink lands inside the container; the host's directory is neither copied nor covered" {
	mkdir -p "$BUNDLE/rootfs/srv"
	ln -s /etc "$BUNDLE/rootfs/srv/e"
	echo mine >"$BUNDLE/rootfs/etc/mark"
	config '.mounts += [{"destination": "/srv/e", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]}]'
	args sh -c 'grep " /etc " /proc/mounts; cat /etc/mark; ls /etc/debian_version 2>/dev/null | wc -l'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_line --regexp '^tmpfs /etc tmpfs '
	assert_line mine
	# the host's /etc (it has debian_version, the image's has not) was not the source
	assert_line 0
	[ -e /etc/debian_version ]
	! grep -q ' /etc tmpfs' /proc/mounts
}

@test "ctr-oci create: tmpcopyup is for a tmpfs only" {
	config '.mounts += [{"destination": "/mnt", "type": "bind", "source": "/tmp", "options": ["rbind", "tmpcopyup"]}]'
	oci_detached create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "tmpcopyup: only for a tmpfs"
	[ ! -d "$ROOT/$ID" ]
}
