#!/bin/sh
# deps.sh - install the Debian packages ctr, its tests and its benchmark need, when missing.
set -u
pkgs="btrfs-progs cgroup-tools iptables iproute2 busybox-static bats bats-assert bats-support
shellcheck cppcheck tmux libseccomp-dev libcap-dev libjson-c-dev jq curl gcc make libc6-dev util-linux procps
skopeo umoci docker-registry apache2-utils zstd hyperfine runc crun strace openssl nftables gojq"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing" >&2
[ "$(id -u)" = 0 ] || { echo "deps: must be root to install:$missing" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2 || exit 1
# shellcheck disable=SC2086 # one word per package
apt-get install -y -q --no-install-recommends $missing >&2
