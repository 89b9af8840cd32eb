#!/bin/sh
# test/v2/guest.sh DIR - PID 1 of the cgroup v2 test guest, on the overlay of the host's / (see run.sh).
# Mounts what a booted Debian has (proc, sys, cgroup2 on /sys/fs/cgroup, devpts, tmpfs /tmp /run),
# makes the guest kernel's modules loadable (the host's /lib/modules is for the host's kernel), runs
# the command in DIR/build/v2/cmd (one argument per line) in DIR, writes its exit status to
# DIR/build/v2/status, and powers off.
set -u
dir=$1
v2=$dir/build/v2
kver=$(uname -r)
export PATH=/run/v2/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /dev/pts /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run

# the kernel runs /proc/sys/kernel/modprobe to autoload modules (btrfs, veth, nf_tables...)
mkdir -p "/lib/modules/$kver" /run/v2/bin
mount --bind "$v2/kernel/lib/modules/$kver" "/lib/modules/$kver"
ln -s /bin/busybox /run/v2/bin/modprobe
echo /run/v2/bin/modprobe >/proc/sys/kernel/modprobe
for m in loop btrfs veth bridge; do
	modprobe "$m" || echo "v2 guest: modprobe $m failed" >&2
done
ip link set lo up
hostname ctr-v2

echo "v2 guest: $(uname -sr), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
set --
while IFS= read -r a; do
	set -- "$@" "$a"
done <"$v2/cmd"
cd "$dir" && "$@"
echo "$?" >"$v2/status"
sync
busybox poweroff -f
