#!/bin/sh
# mkrootfs.sh - build the root filesystem of ctr's built-in busybox image.
#
# Usage: mkrootfs.sh DEST [PROG...]
#   DEST     the directory to build; an existing one is replaced
#   PROG...  static programs to install in DEST/usr/local/bin (the test programs)
# Environment: BUSYBOX  a static busybox binary (default /bin/busybox, Debian's busybox-static)
# Exit: 0 built; 1 failed (message "mkrootfs: ..." on stderr, DEST left as it was).
#
# Steps: FHS directories, /bin/busybox and one relative symlink per applet, /etc files,
# the programs. All of it is built in a temp dir next to DEST (same filesystem) and renamed
# onto DEST at the end, so an interrupted build never leaves a half rootfs at DEST.
set -eu

die() {
	printf 'mkrootfs: %s\n' "$*" >&2
	exit 1
}

# check_busybox: a dynamic busybox would not run in a rootfs without a libc.
check_busybox() {
	[ -x "$BUSYBOX" ] || die "$BUSYBOX: not found (install busybox-static)"
	if ldd "$BUSYBOX" >/dev/null 2>&1; then
		die "$BUSYBOX: dynamically linked (install busybox-static)"
	fi
}

# remove_stale: temp dirs of builds that were killed (their PID is gone).
remove_stale() {
	for _d in "$parent/.$base.tmp."* "$parent/.$base.old."*; do
		[ -d "$_d" ] || continue
		kill -0 "${_d##*.}" 2>/dev/null || rm -rf "$_d"
	done
}

make_dirs() {
	for _d in bin sbin usr/bin usr/sbin usr/local/bin etc proc sys dev home var run; do
		mkdir -p "$tmp/$_d"
	done
	# world-writable scratch dirs are sticky, so users cannot delete each other's files
	mkdir -m 1777 "$tmp/tmp" "$tmp/var/tmp"
	mkdir -m 700 "$tmp/root"
}

# link_applets: bin/ls -> ../bin/busybox, usr/bin/env -> ../../bin/busybox: relative, so the links
# resolve inside the container whatever the host path of the rootfs is.
link_applets() {
	_list=$("$BUSYBOX" --list-full) || die "$BUSYBOX --list-full failed"
	while read -r _path; do
		case $_path in
		bin/busybox | linuxrc | '') continue ;; # the binary itself; initrd's init
		*/*) ;;
		*) die "unexpected applet path: $_path" ;;
		esac
		_target=bin/busybox _d=${_path%/*}
		while [ -n "$_d" ]; do # one ../ per directory level of the link
			_target="../$_target"
			case $_d in */*) _d=${_d%/*} ;; *) _d='' ;; esac
		done
		ln -s "$_target" "$tmp/$_path"
	done <<EOF
$_list
EOF
}

# write_etc: the files a libc and a shell look for. hostname, hosts and resolv.conf exist
# so that the runtime can bind-mount its own over them.
write_etc() {
	_ver=$("$BUSYBOX" 2>&1 | sed -n '1s/^BusyBox v\([^ ]*\).*/\1/p')
	[ -n "$_ver" ] || die "$BUSYBOX: cannot read its version"
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
		'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$tmp/etc/passwd"
	printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$tmp/etc/group"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$tmp/etc/hosts"
	printf 'localhost\n' >"$tmp/etc/hostname"
	: >"$tmp/etc/resolv.conf"
	printf '%s\n' 'passwd:	files' 'group:	files' 'shadow:	files' 'hosts:	files dns' \
		'networks:	files' 'protocols:	files' 'services:	files' >"$tmp/etc/nsswitch.conf"
	printf '%s\n' 'NAME="ctr busybox"' 'ID=ctr-busybox' "VERSION_ID=$_ver" \
		"PRETTY_NAME=\"ctr busybox (BusyBox v$_ver)\"" >"$tmp/etc/os-release"
}

install_progs() {
	for _p in "$@"; do
		[ -f "$_p" ] && [ -x "$_p" ] || die "$_p: not an executable file"
		cp "$_p" "$tmp/usr/local/bin/"
	done
}

# replace_dest: swap the finished tree in. Between the two renames DEST is briefly absent,
# never half-built.
replace_dest() {
	if [ -e "$dest" ]; then
		mv -T "$dest" "$old"
	fi
	mv -T "$tmp" "$dest"
	rm -rf "$old"
}

# cleanup: on any exit before the end, drop the temp tree; if interrupted between the two
# renames, put the previous DEST back.
cleanup() {
	if [ ! -e "$dest" ] && [ -e "$old" ]; then
		mv -T "$old" "$dest"
	fi
	rm -rf "$tmp" "$old"
}

[ $# -ge 1 ] && [ -n "$1" ] || die "usage: mkrootfs.sh DEST [PROG...]"
dest=${1%/}
shift
: "${BUSYBOX:=/bin/busybox}"
base=$(basename "$dest")
parent=$(dirname "$dest")
tmp=$parent/.$base.tmp.$$
old=$parent/.$base.old.$$
umask 022
check_busybox
mkdir -p "$parent"
remove_stale
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
mkdir "$tmp"
make_dirs
cp "$BUSYBOX" "$tmp/bin/busybox"
chmod 755 "$tmp/bin/busybox"
link_applets
write_etc
install_progs "$@"
replace_dest
trap - EXIT
