#!/bin/sh
# oci-bundle.sh - write an OCI runtime bundle for runc, crun and ctr-oci that runs `true` in ROOTFS.
#
# Usage: oci-bundle.sh BUNDLE ROOTFS CGROUP_PATH
#   BUNDLE       directory to create (must not exist); gets config.json only
#   ROOTFS       the root filesystem, used in place and read-only (the same tree ctr imports)
#   CGROUP_PATH  linux.cgroupsPath, e.g. /<bench prefix>/runc, so that the bench's sweep finds it
# The config is `runc spec`'s default (new pid, net, ipc, uts and mount namespaces; /proc, a tmpfs
# /dev, read-only /sys) with the edits a benchmark needs: args ["true"], no terminal, ROOTFS as root.
# Exit status: 0, or 1 with `oci-bundle: <what>: <why>` on stderr.
set -u

die() {
	printf 'oci-bundle: %s\n' "$*" >&2
	exit 1
}

[ $# -eq 3 ] || die "usage: oci-bundle.sh BUNDLE ROOTFS CGROUP_PATH"
bundle=$1 rootfs=$2 cgpath=$3
[ -x "$rootfs/bin/true" ] || [ -L "$rootfs/bin/true" ] || die "$rootfs: no /bin/true in it"
rootfs=$(cd "$rootfs" && pwd -P) || die "$rootfs: not readable"
command -v runc >/dev/null 2>&1 || die "runc: not found (apt-get install runc)"
mkdir "$bundle" || die "$bundle: cannot create"
runc spec --bundle "$bundle" || die "runc spec: failed"
# jq cannot edit in place: write next to it, then rename (never a half-written config).
jq --arg root "$rootfs" --arg cg "$cgpath" '
	.root = {path: $root, readonly: true}
	| .process.args = ["true"]
	| .process.terminal = false
	| .hostname = "bench"
	| .linux.cgroupsPath = $cg' "$bundle/config.json" >"$bundle/config.json.tmp" ||
	die "$bundle/config.json: cannot edit"
mv "$bundle/config.json.tmp" "$bundle/config.json" || die "$bundle/config.json: cannot rename"
