#!/bin/sh
# test/v2/run.sh - run a command as root in a qemu guest whose kernel has only cgroup v2, return its status.
#
# Usage: sh test/v2/run.sh CMD [ARG...]         (as root, from anywhere; CMD runs in the checkout)
#
# Why: this host has cgroup v1 (hybrid); most users have pure v2. The guest boots Debian's own 6.1
# kernel with cgroup_no_v1=all, so ctr's v2 code path runs against a real v2 kernel.
#
# Steps:
#   1. kernel: `apt-get download` the package linux-image-amd64 depends on, `dpkg-deb -x` it into
#      build/v2/kernel/ (nothing is installed, the host's boot is untouched), index its modules with
#      `busybox depmod`. Done once; `rm -rf build/v2` to refresh.
#   2. initramfs: the host's static busybox, test/v2/init, and the modules 9p and overlay need.
#   3. qemu -accel tcg (no KVM: stock kernels do not run under it on this host): the host's / is
#      shared read-only (tag hostroot), the checkout read-write (tag checkout). test/v2/init mounts
#      them, test/v2/guest.sh runs CMD (from build/v2/cmd, one argument per line) and writes its exit
#      status to build/v2/status, then powers off.
# Output: the guest's console (CMD's stdout and stderr) on stdout.
# Exit: CMD's status; 125 when the guest could not be prepared or gave no status (crash, timeout).
# Env: V2_MEM (2G), V2_SMP (2), V2_TIMEOUT (seconds, 3600), V2_KERNEL_PKG (linux-image-6.1.0-N-amd64).
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd -P) || exit 125
V2=$TOP/build/v2
MODULES='virtio_pci 9pnet_virtio 9p overlay'

die() {
	printf 'v2: %s\n' "$*" >&2
	exit 125
}

# kernel: unpack Debian's kernel package into $V2/kernel (once) and set KVER, VMLINUZ.
kernel() {
	if ! ls "$V2"/kernel/boot/vmlinuz-* >/dev/null 2>&1; then
		_pkg=${V2_KERNEL_PKG:-$(kernel_pkg)}
		if [ -z "$_pkg" ]; then # a fresh machine may have no package lists yet
			apt-get update -q >&2
			_pkg=$(kernel_pkg)
		fi
		[ -n "$_pkg" ] || die "no linux-image-6.1.0-*-amd64 package known to apt"
		rm -rf "$V2/kernel" "$V2/kernel.tmp" "$V2/dl" && mkdir -p "$V2/dl" || die "$V2: cannot create"
		(cd "$V2/dl" && apt-get download "$_pkg") >&2 || die "apt-get download $_pkg failed"
		dpkg-deb -x "$V2"/dl/*.deb "$V2/kernel.tmp" || die "dpkg-deb -x failed"
		rm -rf "$V2/dl"
		_kv=$(ls "$V2/kernel.tmp/lib/modules")
		busybox depmod -b "$V2/kernel.tmp" "$_kv" || die "depmod failed"
		mv "$V2/kernel.tmp" "$V2/kernel" || die "$V2/kernel: cannot create"
	fi
	KVER=$(ls "$V2/kernel/lib/modules")
	VMLINUZ=$V2/kernel/boot/vmlinuz-$KVER
	[ -f "$VMLINUZ" ] || die "$VMLINUZ: missing"
}

# kernel_pkg: the kernel package Debian's linux-image-amd64 depends on now (e.g. linux-image-6.1.0-56-amd64).
kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\.0-.*-amd64$/ { print $2; exit }'
}

# deps MODULE...: the modules' files, dependencies first, as paths relative to lib/modules/$KVER.
deps() {
	awk -v want="$*" '
		BEGIN { n = split(want, w, " ") }
		{ f = $1; sub(/:$/, "", f); m = f; sub(/.*\//, "", m); sub(/\.ko.*$/, "", m); dep[m] = $0; file[m] = f }
		function add(m,  k, d, i, x) {
			if (done[m]++) return
			k = split(dep[m], d, " ")
			for (i = k; i >= 2; i--) { x = d[i]; sub(/.*\//, "", x); sub(/\.ko.*$/, "", x); add(x) }
			print file[m] }
		END { for (i = 1; i <= n; i++) { if (!(w[i] in file)) { print "missing " w[i] > "/dev/stderr"; exit 1 } add(w[i]) } }
	' "$V2/kernel/lib/modules/$KVER/modules.dep"
}

# initramfs: busybox, /init and the modules, as a newc cpio archive.
initramfs() {
	_r=$V2/initramfs
	rm -rf "$_r" && mkdir -p "$_r/bin" "$_r/lib/modules/$KVER" || die "$_r: cannot create"
	cp /bin/busybox "$_r/bin/busybox" || die "/bin/busybox: missing (apt-get install busybox-static)"
	cp "$TOP/test/v2/init" "$_r/init" && chmod 755 "$_r/init" || die "cannot copy test/v2/init"
	_mods=$(deps "$MODULES") || die "modules.dep: $MODULES not found"
	for _m in $_mods; do
		mkdir -p "$_r/lib/modules/$KVER/${_m%/*}" && cp "$V2/kernel/lib/modules/$KVER/$_m" "$_r/lib/modules/$KVER/$_m" ||
			die "$_m: cannot copy"
	done
	cp "$V2/kernel/lib/modules/$KVER/modules.dep" "$_r/lib/modules/$KVER/" || die "cannot copy modules.dep"
	(cd "$_r" && find . | busybox cpio -o -H newc 2>/dev/null) >"$V2/initramfs.cpio" || die "cpio failed"
}

# boot: start the guest and wait until it powers off.
boot() {
	timeout "${V2_TIMEOUT:-3600}" qemu-system-x86_64 -accel tcg,thread=multi -m "${V2_MEM:-2G}" \
		-smp "${V2_SMP:-2}" -display none -monitor none -serial stdio -no-reboot \
		-kernel "$VMLINUZ" -initrd "$V2/initramfs.cpio" \
		-append "console=ttyS0 quiet panic=-1 cgroup_no_v1=all ctrv2_dir=$TOP" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap" \
		-virtfs "local,path=$TOP,mount_tag=checkout,security_model=passthrough,multidevs=remap" </dev/null
}

[ $# -ge 1 ] || die "usage: sh test/v2/run.sh CMD [ARG...]"
[ "$(id -u)" = 0 ] || die "must be run as root"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64: not found (apt-get install qemu-system-x86)"
mkdir -p "$V2" || die "$V2: cannot create"
kernel
initramfs
for _a; do
	case $_a in *"
"*) die "an argument holds a newline: not supported" ;; esac
done
printf '%s\n' "$@" >"$V2/cmd" || die "$V2/cmd: cannot write"
rm -f "$V2/status"
boot || printf 'v2: qemu exited with status %s\n' "$?" >&2
[ -s "$V2/status" ] || die "the guest gave no exit status (crashed, or timed out after ${V2_TIMEOUT:-3600} s)"
exit "$(cat "$V2/status")"
