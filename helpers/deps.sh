#!/bin/sh
# deps.sh - install the Debian packages ctr, its tests and its benchmark need, when missing.
# Usage: helpers/deps.sh [PKG...]   (PKG...: only those; bench/bench.mk asks for buildah this way)
set -u
pkgs=${*:-"btrfs-progs cgroup-tools iptables iproute2 busybox-static bats bats-assert bats-support
shellcheck cppcheck tmux libseccomp-dev libcap-dev libjson-c-dev jq curl gcc make libc6-dev util-linux procps
skopeo umoci docker-registry apache2-utils zstd hyperfine runc crun strace openssl nftables parallel uidmap
podman netavark aardvark-dns containerd gojq passt socat attr slirp4netns"}
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing" >&2
[ "$(id -u)" = 0 ] || { echo "deps: must be root to install:$missing" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2 || exit 1
# containerd: test/oci/containerd.bats starts its own; installing the package must not start a
# system-wide one (a policy-rc.d refusing only it, when the host has none) nor enable it at boot
policy=''
case " $missing " in
*" containerd "*)
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		trap 'rm -f "$policy"' EXIT
		# shellcheck disable=SC2016 # the policy script's own $a
		printf '#!/bin/sh\n# helpers/deps.sh, while it installs containerd\nfor a; do [ "$a" = containerd ] && exit 101; done\nexit 0\n' >"$policy" &&
			chmod 755 "$policy" || exit 1
	fi
	;;
esac
# shellcheck disable=SC2086 # one word per package
apt-get install -y -q --no-install-recommends $missing >&2
rc=$?
case " $missing " in
*" containerd "*) ! command -v systemctl >/dev/null || systemctl disable containerd.service >/dev/null 2>&1 ;;
esac
exit "$rc"
