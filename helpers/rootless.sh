#!/bin/sh
# rootless.sh - ctr for an ordinary user (docs/rootless.md): the one-time root step, and the
# rootless mode of ctr.sh. Sourced by ctr.sh's main (once every function of ctr.sh and its helpers
# is defined): by root for `rootless-setup` only; by any other user for every verb, and then the
# rootless mode replaces the kernel-facing functions of ctr.sh, storage.sh, net.sh, cgroup.sh and
# security.sh (below, defined only when CTR_UID is not 0).
#
# Interface:
#   ctr_rootless_setup USER   (root) USER's directory on the pool (a subvolume USER owns, 0700, in
#                     $CTR_BTRFS/users/<uid>), the pool mounted user_subvol_rm_allowed, USER's
#                     subordinate ids in /etc/subuid and /etc/subgid when it has none. Idempotent.
#   rootless_verb VERB  (user) die unless VERB works rootless yet
#   rootless_ids      (user) RL_IDS = SUBUID:SUBGID:N, the caller's first ranges of /etc/subuid and
#                     /etc/subgid (nsenter-chroot --rootless); 0:0:0 (a single id) and a warning
#                     when there is none
# The user's places: records in $CTR_ROOT (default ${XDG_DATA_HOME:-$HOME/.local/share}/ctr, set
# by ctr.sh), trees in $CTR_USER_POOL (default /var/lib/ctr/btrfs/users/<uid>), runtime state (the
# registry of its roots) in $CTR_RUNTIME_DIR (default $XDG_RUNTIME_DIR/ctr, else /tmp/ctr-<uid>).
# Rootless there is: no cgroup (a limit flag is an error), user-mode networking (pasta) or --net
# none, no devices group, no id range of ctr's (the user's own subordinate ids instead).
# shellcheck disable=SC2034 # CTR_*, CG_*, NET_*, SEC_* set here are read by ctr.sh and its helpers

# The subordinate ids rootless-setup gives: the first 65536 from 100000 (Debian's useradd) in steps
# of 65536 that overlap no range of /etc/subuid or /etc/subgid, below ctr's own --userns ranges
# (CTR_USERNS_BASE, security.sh), which must never be a user's.
RL_SUB_SIZE=65536
RL_SUB_MIN=100000

#HELP rootless-setup USER          (root, once) let USER run ctr.sh without root (docs/rootless.md)
ctr_rootless_setup() {
	[ $# -eq 1 ] || die "usage: ctr.sh rootless-setup USER"
	[ "$CTR_UID" = 0 ] || die "rootless-setup: must be run as root (it makes USER's directory on ctr's pool)"
	case $1 in '' | -* | *[!A-Za-z0-9_.-]*) die "rootless-setup $1: not a user name" ;; esac
	_rlp=$(getent passwd "$1") || die "rootless-setup $1: no such user"
	_rlu=${_rlp#*:*:} _rlg=${_rlu#*:}
	_rlu=${_rlu%%:*} _rlg=${_rlg%%:*}
	[ "$_rlu" != 0 ] || die "rootless-setup $1: is root (root needs no setup)"
	need newuidmap uidmap
	need newgidmap uidmap
	pool_ensure
	rootless_pool_options
	rootless_user_dir "$_rlu" "$_rlg"
	rootless_subids "$1" "$_rlu"
	rootless_tun
	printf '%s: trees in %s, subordinate ids %s\n' "$1" "$CTR_BTRFS/users/$_rlu" "$RL_SUBS"
	[ "$CTR_BTRFS/users/$_rlu" = "/var/lib/ctr/btrfs/users/$_rlu" ] ||
		printf '(ctr.sh run by %s needs CTR_USER_POOL=%s)\n' "$1" "$CTR_BTRFS/users/$_rlu"
}

# rootless_pool_options: the pool is mounted with user_subvol_rm_allowed (an owner may delete a
# subvolume it can write, as rm -rf would its files), and only root can enter root's trees (a user
# reaches users/ by search permission; it has no business in images/, containers/, tmp/, blobs/).
rootless_pool_options() {
	_rlo=$(findmnt -n -o OPTIONS --mountpoint "$CTR_BTRFS") ||
		die "rootless-setup: $CTR_BTRFS is not a mount point of its own: mount its btrfs with -o user_subvol_rm_allowed yourself, or use ctr's pool file"
	case ,$_rlo, in *,user_subvol_rm_allowed,*) ;; *)
		mount -o remount,user_subvol_rm_allowed "$CTR_BTRFS" ||
			die "rootless-setup: cannot remount $CTR_BTRFS with user_subvol_rm_allowed" ;;
	esac
	for _rld in images containers tmp blobs; do
		[ ! -d "$CTR_BTRFS/$_rld" ] || chmod 0700 "$CTR_BTRFS/$_rld" || die "rootless-setup: cannot chmod $CTR_BTRFS/$_rld"
	done
	chmod 0711 "$CTR_BTRFS" && mkdir -p "$CTR_BTRFS/users" && chmod 0711 "$CTR_BTRFS/users" ||
		die "rootless-setup: cannot make $CTR_BTRFS/users"
	# the path down to the pool must be searchable by the user (a CTR_ROOT of 0700 stays closed)
	_rlx=$(realpath -- "$CTR_ROOT") || die "rootless-setup: $CTR_ROOT: cannot resolve"
	while [ -n "$_rlx" ]; do
		case $(stat -c %A -- "$_rlx") in *x | *t) ;; *)
			die "rootless-setup: $_rlx: other users cannot search it (chmod o+x $_rlx, or use another CTR_ROOT)" ;;
		esac
		_rlx=${_rlx%/*}
	done
}

# rootless_tun: pasta (rootless networking) opens /dev/net/tun as the user, to make its tap device
# in the container's network namespace (where the user is root): the node must be open to all,
# 0666, as udev's default rule makes it (a tap device still needs CAP_NET_ADMIN over the netns it
# is made in: the user's own namespaces only). A host that has it 0600 gets it 0666, said.
rootless_tun() {
	[ -c /dev/net/tun ] || return 0
	case $(stat -c %a /dev/net/tun) in 666) return 0 ;; esac
	chmod 0666 /dev/net/tun || die "rootless-setup: cannot chmod 0666 /dev/net/tun (rootless networking needs it)"
	printf '/dev/net/tun: made 0666 (udev'"'"'s default) for rootless networking\n'
}

# rootless_user_dir UID GID: $CTR_BTRFS/users/UID, a subvolume (so that the user's trees are one
# unit: a quota, a delete) owned by UID, mode 0700: no other user can enter it. Made or repaired.
rootless_user_dir() {
	_rld=$CTR_BTRFS/users/$1
	if [ -L "$_rld" ] || { [ -e "$_rld" ] && [ ! -d "$_rld" ]; }; then
		die "rootless-setup: $_rld: not a directory"
	fi
	[ -d "$_rld" ] || btrfs subvolume create "$_rld" >/dev/null || die "rootless-setup: cannot create $_rld"
	chown "$1:$2" "$_rld" && chmod 0700 "$_rld" || die "rootless-setup: cannot give $_rld to uid $1"
}

# rootless_subids USER UID: RL_SUBS = USER's subordinate ids (START-END); an entry of /etc/subuid
# or /etc/subgid by name or uid is kept, a missing one is added with usermod (the same range in
# both), under a lock: two setups at once never take one range.
rootless_subids() {
	mkdir -p "$CTR_RUN" || die "$CTR_RUN: cannot create"
	RL_SUBS=$(
		flock 5 || exit 1
		_rls=$(awk -F: -v u="$1" -v i="$2" '($1 == u || $1 == i) && $3 > 0 { print $2 "-" $2 + $3 - 1; exit }' /etc/subuid 2>/dev/null)
		_rlg=$(awk -F: -v u="$1" -v i="$2" '($1 == u || $1 == i) && $3 > 0 { print $2 "-" $2 + $3 - 1; exit }' /etc/subgid 2>/dev/null)
		[ -z "$_rls" ] || [ -z "$_rlg" ] || { printf '%s\n' "$_rls"; exit 0; }
		_rlb=$(cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: -v z="$RL_SUB_SIZE" -v m="$RL_SUB_MIN" \
			-v top="${CTR_USERNS_BASE:-1879048192}" '
			BEGIN { n = 0 }
			$2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ && $3 > 0 { lo[n] = $2; hi[n++] = $2 + $3 }
			END { for (c = m; c + z <= top; c += z) {
				for (i = 0; i < n; i++) if (c < hi[i] && lo[i] < c + z) break
				if (i == n) { printf "%.0f\n", c; exit 0 } }
			      exit 1 }') ||
			{ printf 'ctr: rootless-setup %s: no free subordinate ids below %s (ctr'"'"'s --userns ranges)\n' "$1" "${CTR_USERNS_BASE:-1879048192}" >&2; exit 1; }
		_rlr=$_rlb-$((_rlb + RL_SUB_SIZE - 1))
		if [ -z "$_rls" ]; then usermod --add-subuids "$_rlr" "$1" || exit 1; fi
		if [ -z "$_rlg" ]; then usermod --add-subgids "$_rlr" "$1" || exit 1; fi
		printf '%s\n' "$_rlr"
	) 5>"$CTR_RUN/subids.lock" || die "rootless-setup $1: cannot add subordinate ids to /etc/subuid, /etc/subgid"
}

# rl_subids: RL_IDS = SUBUID:SUBGID:N, the caller's (_rln) first ranges; '' when it has none.
rl_subids() {
	_rln=$(id -un) || die "rootless: who am I? (id -un failed)"
	RL_IDS=$(awk -F: -v u="$_rln" -v i="$CTR_UID" '
		FILENAME == ARGV[1] && ($1 == u || $1 == i) && $3 > 0 && !s { s = $2; n = $3 }
		FILENAME == ARGV[2] && ($1 == u || $1 == i) && $3 > 0 && !g { g = $2; m = $3 }
		END { if (s && g) printf "%s:%s:%s\n", s, g, (n < m ? n : m) }' /etc/subuid /etc/subgid 2>/dev/null)
}

# rootless_ids: RL_IDS for nsenter-chroot --rootless (see the top). With no subordinate ids, a
# single-id mapping (0:0:0: root inside is the user, no other id exists there: a chown to another
# id fails, and an image whose files are other ids' is the user's alone once copied), after a
# warning, once per state root (its file rootless-single-id).
rootless_ids() {
	rl_subids
	[ -z "$RL_IDS" ] || return 0
	RL_IDS=0:0:0
	# only gid 0 is mapped: the ping group range is that one
	NET_SYSCTLS_USERNS='"sysctl":{"net.ipv4.ping_group_range":"0 0","net.ipv4.ip_unprivileged_port_start":"0"}'
	pool_ensure # the state root, for the mark
	[ ! -e "$CTR_ROOT/rootless-single-id" ] || return 0
	printf 'ctr: warning: %s has no subordinate ids in /etc/subuid and /etc/subgid: a single-id mapping (root inside is %s, no other user or group exists in the container: a chown to one fails; for the full range ask root to run: ctr.sh rootless-setup %s)\n' \
		"$_rln" "$_rln" "$_rln" >&2
	{ : >"$CTR_ROOT/rootless-single-id"; } 2>/dev/null || :
}

# rootless_verb VERB: the verbs that work rootless (docs/rootless.md "Not yet": the others).
rootless_verb() {
	case $1 in
	init | images | rmi | run | create | ps | inspect | logs | stop | rm | exec | attach | kill | wait | \
		rename | cleanup | _exited | pull | tag | commit | save | load | push | cp | start | restart | \
		top | port | info | network | stats | pause | unpause | update | build | events | history | \
		login | container | image | system | builder | volume) ;;
	*) die "$1: not available rootless yet (run it as root; docs/rootless.md)" ;;
	esac
	# shellcheck source=/dev/null # their rootless versions (after ctr.sh's, before start.sh's)
	case $1 in
	start | restart | top | info | network | stats) . "$CTR_HOME/helpers/rootless-verbs.sh" || exit 125 ;;
	esac
}

[ "$CTR_UID" != 0 ] || return 0

# ---------------------------------------------------------------- the rootless mode (not root)
: "${CTR_USER_POOL:=/var/lib/ctr/btrfs/users/$CTR_UID}"
: "${CTR_RUNTIME_DIR:=${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/ctr}}"
: "${CTR_RUNTIME_DIR:=/tmp/ctr-$CTR_UID}"
export CTR_USER_POOL CTR_RUNTIME_DIR
CTR_ROOTLESS=1 CTR_BTRFS=$CTR_USER_POOL CTR_RUN=$CTR_RUNTIME_DIR CTR_REGISTRY=$CTR_RUNTIME_DIR/roots

# pool_ensure (storage.sh's, rootless): the user's pool directory is on btrfs and the user's own
# (made by rootless-setup: a user cannot mount); its state root and runtime directory are its
# own, 0700 (a /tmp/ctr-<uid> made by someone else is refused, never used).
pool_ensure() {
	[ -z "${POOL_OK:-}" ] || return 0
	[ "$(stat -f -c %T "$CTR_BTRFS" 2>/dev/null)" = btrfs ] && [ -O "$CTR_BTRFS" ] && [ -d "$CTR_ROOT/containers" ] &&
		[ -n "$CTR_PREFIX_REC" ] && root_registered && POOL_OK=1 && return 0
	_rlw=$(id -un 2>/dev/null || echo "$CTR_UID")
	[ -d "$CTR_BTRFS" ] && [ -O "$CTR_BTRFS" ] && [ "$(stat -f -c %T "$CTR_BTRFS")" = btrfs ] ||
		die "rootless: $CTR_BTRFS: not a btrfs directory of yours (ask root to run: ctr.sh rootless-setup $_rlw; set CTR_USER_POOL if ctr's root is not /var/lib/ctr)"
	[ -w "$CTR_BTRFS" ] || die "rootless: $CTR_BTRFS: not writable"
	for _rld in "$CTR_ROOT" "$CTR_RUN"; do
		# shellcheck disable=SC2174 # 0700 for the directory itself; its parents as usual
		[ -d "$_rld" ] || mkdir -p -m 0700 "$_rld" || die "$_rld: cannot create"
		[ -O "$_rld" ] && [ ! -L "$_rld" ] || die "rootless: $_rld: not yours (another user made it): refused"
	done
	mkdir -p "$CTR_BTRFS/images" "$CTR_BTRFS/containers" "$CTR_BTRFS/tmp" || die "$CTR_BTRFS: cannot set up"
	root_settle
	mkdir -p "$CTR_ROOT/images" "$CTR_ROOT/containers" "$CTR_ROOT/refs" "$CTR_ROOT/names" \
		"$CTR_ROOT/tmp" || die "$CTR_ROOT: cannot create ctr's directories"
	POOL_OK=1
}

# pid_ours PID CID (ctr.sh's, rootless: there is no cgroup to name the container): PID is PID 1
# of a pid namespace (NSpid ends in 1) and the child of CID's supervisor (shim.pid), to which
# nsenter-chroot --detach handed it over: a recycled pid is neither. The shell's read only: no fork.
pid_ours() {
	_rlq='' _rlp='' _rls=''
	while read -r _rlk _rlv _rlw; do
		case $_rlk in PPid:) _rlp=$_rlv ;; NSpid:) _rlq=$_rlw ;; esac
	done 2>/dev/null <"/proc/$1/status"
	read -r _rls 2>/dev/null <"$CTR_ROOT/containers/$2/shim.pid"
	[ "$_rlq" = 1 ] && [ -n "$_rlp" ] && [ "$_rlp" = "$_rls" ]
}

# cg_* (cgroup.sh's, rootless): helpers/rootless-cgroup.sh (limits in a delegated v2 subtree).
# shellcheck source=/dev/null
. "$CTR_HOME/helpers/rootless-cgroup.sh" || exit 125

# cg_validate (run's, rootless): the limits (rl_cg_validate); the run options that need root:
# --storage-opt (btrfs qgroups), --userns (the user's own range is the container's already); the
# subordinate ids (RL_IDS).
# shellcheck disable=SC2153 # R_*: run's options (ctr.sh)
cg_validate() {
	rl_cg_validate
	[ -z "${R_STORAGE:-}" ] && [ -z "${CTR_STORAGE_SIZE:-}" ] || die "--storage-opt: rootless, not available (btrfs quotas need root)"
	[ -z "$SEC_USERNS" ] || die "--userns: rootless, the container has the user's own ids already"
	[ -z "${R_CPUSET_CPUS:-}${R_CPUSET_MEMS:-}" ] || die "--cpuset-cpus, --cpuset-mems: rootless, not available yet"
	rootless_ids
}

# ---------------------------------------------------------------- user-mode networking (pasta)
# The default network of a rootless container (--net bridge, the default) is pasta's (Debian's
# passt): a tap device in the container's new netns, its packets turned into the user's own
# sockets on the host (outbound: the user's connections; -p: a host port the user listens on).
# nsenter-chroot runs pasta as --net-hook once the netns and id maps exist and before the
# container runs a step (its network is up before its command); pasta then stays as a daemon,
# recorded in the container's pasta.pid, until net_teardown ends it (the exit action, rm, a failed
# run's undo). Chosen over slirp4netns by measurement (docs/rootless.md), as podman 5 did.

# net_validate (net.sh's, rootless): --net none or the default (pasta); -p parsed as rootful.
net_validate() {
	NET_PORTS=''
	case ${R_NET:-bridge} in
	none) return 0 ;;
	host) die "--net host: rootless, not available (the host's network namespace is not the user's: use the default, user-mode networking, or --net none)" ;;
	esac
	rl_net_check
	# (cat: a /proc/sys number gives the shell's 1-byte reads its first digit, then EOF)
	_rlf=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null)
	case $_rlf in '' | *[!0-9]*) _rlf=1024 ;; esac
	eval "set -- ${R_PORTS:-}"
	for _rls; do
		net_parse_port "$_rls"
		_rlh=${NET_P#* * } # HOSTPORT CTRPORT
		[ "${_rlh% *}" -ge "$_rlf" ] ||
			die "-p $_rls: rootless, host port ${_rlh% *} is below $_rlf (net.ipv4.ip_unprivileged_port_start)"
		net_port_add "$_rls"
	done
}

# rl_net_check: pasta is there and may make its tap device.
rl_net_check() {
	need pasta passt
	[ -r /dev/net/tun ] && [ -w /dev/net/tun ] ||
		die "network: rootless, /dev/net/tun is not usable by $(id -un) (ask root to run: ctr.sh rootless-setup $(id -un); or run with --net none)"
}

# net_alloc CID: the net file (mode none or pasta, the ports); nothing to claim: the kernel's
# bind of each host port is the claim (a port taken fails the run, clearly, in pasta's words).
net_alloc() {
	_rlm=pasta
	[ "${R_NET:-bridge}" != none ] || _rlm=none
	net_file_write "$1" "$_rlm"
}

# net_links CID MODE: nothing (pasta makes the container's network when it runs).
net_links() {
	:
}

# net_finish CID MODE: /etc/hosts and the rest as for --net none (the container's address is the
# host's own: pasta copies it); with pasta, RL_NETARGV = nsenter-chroot's --net-hook options:
# pasta -q --config-net, its pid file, the published ports (-t/-u, HOSTIP/ when one is given),
# none of its automatic forwards (-t none: no container port is published unless -p says so;
# -T none -U none: the host's loopback ports are not mapped onto the container's loopback).
net_finish() {
	net_etc "$1" none
	RL_NETARGV=''
	[ "$2" != none ] || return 0
	_rlt='' _rlu=''
	while read -r _rlpr _rlh _rlhp _rlcp; do
		[ -n "$_rlpr" ] || continue
		_rlx=$_rlhp:$_rlcp
		[ "$_rlh" = 0.0.0.0 ] || _rlx=$_rlh/$_rlx
		if [ "$_rlpr" = tcp ]; then _rlt=${_rlt:+$_rlt,}$_rlx; else _rlu=${_rlu:+$_rlu,}$_rlx; fi
	done <<EOF
$NET_PORTS
EOF
	list_add RL_NETARGV --net-hook
	list_add RL_NETARGV /bin/sh
	_rlp=$CTR_ROOT/containers/$1/pasta.pid
	for _rlx in -c "$RL_PASTA_SH" rootless-pasta "$_rlp" "$(command -v pasta)" -q --config-net -P "$_rlp" \
		-t "${_rlt:-none}" -u "${_rlu:-none}" -T none -U none; do
		list_add RL_NETARGV --net-hook-arg
		list_add RL_NETARGV "$_rlx"
	done
}

# RL_PASTA_SH: the hook's script, `sh -c RL_PASTA_SH rootless-pasta PIDFILE PASTA ARG... PID`: a
# supervisor's restart (run --restart) runs the hook again while the last run's pasta still serves
# the ports (pasta does not quit when its target process ends): that one is ended first, by its pid
# file, when it is a pasta of ours started with that file, and waited for (its ports are the new
# one's), then pasta is exec'd. A first run finds no pid file: exec at once.
# shellcheck disable=SC2016 # a fixed script; the data comes in as $1...
RL_PASTA_SH='f=$1
shift
p=
[ ! -f "$f" ] || read -r p <"$f" 2>/dev/null
case $p in "" | *[!0-9]*) exec "$@" ;; esac
c=
read -r c </proc/$p/comm 2>/dev/null
case $c in pasta* | passt*) ;; *) exec "$@" ;; esac
[ -O /proc/$p ] && grep -qzxF -- "$f" /proc/$p/cmdline 2>/dev/null || exec "$@"
kill -TERM "$p" 2>/dev/null
n=300
while [ "$n" -gt 0 ] && kill -0 "$p" 2>/dev/null; do sleep 0.01; n=$((n - 1)); done
exec "$@"'

# net_teardown CID: end the container's pasta (its pid file names it; a process is killed only
# when it is a pasta of ours started for this container: its command line holds that file).
net_teardown() {
	_rlp=$CTR_ROOT/containers/$1/pasta.pid
	[ -f "$_rlp" ] || return 0
	_rlq=''
	read -r _rlq 2>/dev/null <"$_rlp" || :
	case $_rlq in '' | *[!0-9]*) ;; *) ! rootless_is_pasta "$_rlq" "$_rlp" || kill -TERM "$_rlq" 2>/dev/null ;; esac
	rm -f "$_rlp"
}

# rootless_is_pasta PID PIDFILE: PID is a pasta (or passt) of ours started with -P PIDFILE.
rootless_is_pasta() {
	[ -O "/proc/$1" ] || return 1
	case $(cat "/proc/$1/comm" 2>/dev/null) in pasta* | passt*) ;; *) return 1 ;; esac
	tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -Fxq -- "$2"
}

# net_cleanup: a pasta whose container is gone or released (its exit action never ran to the end:
# a shim killed) is ended; each printed.
net_cleanup() {
	for _rlq in $(pgrep -u "$CTR_UID" '^pas' 2>/dev/null); do
		_rlc=''
		for _rlw in $(tr '\0' ' ' <"/proc/$_rlq/cmdline" 2>/dev/null); do
			case $_rlw in "$CTR_ROOT/containers/"*/pasta.pid) _rlc=${_rlw%/pasta.pid} ;; esac
		done
		[ -n "$_rlc" ] && valid_id "${_rlc##*/}" || continue
		[ ! -d "$_rlc" ] || [ -e "$_rlc/released" ] || continue
		kill -TERM "$_rlq" 2>/dev/null && printf 'stopped pasta %s\n' "$_rlq"
	done
	return 0
}

# sec_alloc (security.sh's, rootless): no devices group (no device node can be made in a user
# namespace, nor opened unless bound: the harmless ones are) and no id range of ctr's.
sec_alloc() { SEC_RANGE='' SEC_DEVCG=''; }
sec_teardown() { return 0; }
sec_cleanup() { return 0; }
storage_cleanup() { return 0; }

# rootless_userns CMD...: CMD in a new user namespace of the user's, mapped as its containers are
# (util-linux unshare: 0 = the user, 1.. its subordinate ids through newuidmap, as nsenter-chroot
# --rootless maps a container): a file of the container's uid 42 is 42 there, as in a layer. A
# single id (no subordinate ids): 0 alone. Used where ctr reads or writes a tree as a layer.
rootless_userns() {
	[ -n "$RL_IDS" ] || rootless_ids
	if [ "$RL_IDS" = 0:0:0 ]; then
		unshare --user --map-root-user -- "$@"
	else
		unshare --user --map-root-user --map-auto -- "$@"
	fi
}

# layer_jail_bin BINARY CAPS ROOT ARG... (pull.sh's, rootless): the same jail, in the user's
# namespace first (rootless_userns: a layer's uid 42 is the container's 42), where the user may
# mount in its new mount namespace and chroot. A single id: a layer's file of another id makes the
# unpack fail.
layer_jail_bin() {
	_pjb=$1 _pjc=$2 _pjr=$3
	shift 3
	# shellcheck disable=SC2016 # a fixed script; the data comes in as $1...
	rootless_userns unshare -m --propagation private -- sh -c 'mount --bind -o ro "$1" "$2/$3" || exit 125
		r=$2 b=$3 c=$4
		shift 4
		umask 022
		exec setpriv --no-new-privs --bounding-set=-all,+chown,+dac_override,+fowner,+fsetid,+sys_chroot$c \
			-- chroot "$r" "/$b" "$@"' layer-jail "$_pjb" "$_pjr" "$P_BB" "$_pjc" "$@"
}

# image_copy DIR TREE (storage.sh's, rootless): the user copies what it can read. ctr's built-in
# busybox has a /root of root's, 0700 and empty by its recipe (images/mkrootfs.sh): made anew.
image_copy() {
	[ "$1" = "$CTR_BUSYBOX" ] || { cp -a --reflink=auto "$1/." "$2/"; return; }
	for _rlf in "$1"/* "$1"/.[!.]*; do
		[ -e "$_rlf" ] || [ -L "$_rlf" ] || continue
		[ "$_rlf" = "$1/root" ] || cp -a --reflink=auto "$_rlf" "$2/" || return 1
	done
	mkdir -m 0700 "$2/root"
}
