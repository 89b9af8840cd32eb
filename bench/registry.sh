#!/bin/sh
# registry.sh - a local Docker registry holding a multi-layer image, for the pull rows of `make bench`.
#
# Usage: registry.sh DIR ROOTFS
#   DIR     an empty working directory (registry storage, config, the source image)
#   ROOTFS  the busybox tree that becomes the image's first layer
# Starts Debian's docker-registry (distribution 2.x) on 127.0.0.1 at a free port, plain HTTP, in the
# background; its PID goes to DIR/registry.pid (the caller stops it), its log to DIR/registry.log.
# Builds with umoci an image of 4 layers (busybox; 16 MiB of random data; 400 small files; a
# changed /etc with a deleted file, i.e. a whiteout), pushes it with skopeo, and prints its
# reference: 127.0.0.1:PORT/bench/multilayer:latest.
# Exit status: 0, or 1 with `registry: <what>: <why>` on stderr.
set -u

die() {
	printf 'registry: %s\n' "$*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: registry.sh DIR ROOTFS"
dir=$1 rootfs=$2
for t in docker-registry:docker-registry skopeo:skopeo umoci:umoci curl:curl; do
	command -v "${t%%:*}" >/dev/null 2>&1 || die "${t%%:*}: not found (apt-get install ${t#*:})"
done

# free_port: a TCP port in 20000-29999 that nothing listens on.
free_port() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		_p=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 10000))
		ss -Htln "sport = :$_p" | grep -q . || { echo "$_p"; return 0; }
	done
	return 1
}

# start_registry: run the registry on 127.0.0.1:PORT with its storage in DIR; wait until it answers.
start_registry() {
	port=$(free_port) || die "no free port"
	cat >"$dir/registry.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
	docker-registry serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 </dev/null &
	echo "$!" >"$dir/registry.pid"
	for _ in $(seq 50); do
		curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && return 0
		sleep 0.1
	done
	die "docker-registry: does not answer on 127.0.0.1:$port (see $dir/registry.log)"
}

# add_layer STEP: unpack the image's top, let STEP change the tree, repack it as one more layer.
add_layer() {
	rm -rf "$dir/bundle"
	umoci unpack --image "$dir/src:bench" "$dir/bundle" >/dev/null || die "umoci unpack: failed"
	"$1" "$dir/bundle/rootfs" || die "$1: failed"
	umoci repack --image "$dir/src:bench" "$dir/bundle" >/dev/null || die "umoci repack: failed"
}

layer_busybox() { cp -a "$rootfs/." "$1/"; }
layer_blob() { mkdir -p "$1/data" && head -c 16777216 /dev/urandom >"$1/data/blob"; }
layer_small() {
	mkdir -p "$1/data/small" || return 1
	for i in $(seq 400); do
		printf 'file %s\n' "$i" >"$1/data/small/f$i" || return 1
	done
}
layer_etc() { echo bench >"$1/etc/motd" && rm -f "$1/data/small/f1"; }

# build_image: the 4-layer image in the OCI layout DIR/src, tag bench.
build_image() {
	umoci init --layout "$dir/src" || die "umoci init: failed"
	umoci new --image "$dir/src:bench" || die "umoci new: failed"
	umoci config --image "$dir/src:bench" --config.cmd /bin/sh || die "umoci config: failed"
	for l in layer_busybox layer_blob layer_small layer_etc; do add_layer "$l"; done
	rm -rf "$dir/bundle"
}

start_registry
build_image
ref=127.0.0.1:$port/bench/multilayer:latest
skopeo copy -q --dest-tls-verify=false "oci:$dir/src:bench" "docker://$ref" || die "skopeo copy: push failed"
printf '%s\n' "$ref"
