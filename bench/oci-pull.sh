#!/bin/sh
# oci-pull.sh - the baseline of ctr's pull in `make bench`: `skopeo copy` from a registry into an OCI
# layout, then `umoci unpack` into a runtime bundle, as someone without ctr would do it.
#
# Usage: oci-pull.sh REF DEST
#   REF   HOST:PORT/NAME:TAG on a plain-HTTP registry
#   DEST  a directory that must not exist; gets DEST/oci (the layout) and DEST/bundle (the tree)
# Exit status: 0, or 1 with `oci-pull: <what>: failed` on stderr.
set -u

die() {
	printf 'oci-pull: %s\n' "$*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: oci-pull.sh REF DEST"
mkdir "$2" || die "$2: mkdir"
skopeo copy -q --src-tls-verify=false "docker://$1" "oci:$2/oci:pulled" || die "skopeo copy"
umoci unpack --image "$2/oci:pulled" "$2/bundle" >/dev/null || die "umoci unpack"
