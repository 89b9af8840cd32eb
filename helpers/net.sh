#!/bin/sh
# net.sh - container networking with iproute2 and iptables: bridges, network namespaces, veth
# pairs, addresses, published ports, and the cleanup of what a killed run left. Sourced by
# ctr.sh; docs/network.md explains the design. Variables of this file start with n_ (locals),
# NET_ (results of a helper) or NETC_ (the facts of one container, set by net_read).
#
# Modes (run --net): bridge (default): own netns, veth v<cid> on a ctr bridge, an address of
#   $CTR_SUBNET; none: own netns with only lo, made by nsenter-chroot (no name, no mount: it lives
#   and dies with the container's processes); host: the host's netns (no isolation at all).
# Slices: $CTR_SUBNET is cut into slices of /$CTR_SLICE (22 to 30, default 22: 1024 addresses, as
#   a bridge takes at most 1024 ports). Slice k has its own bridge, $CTR_BRIDGE for k=0 and
#   $CTR_BRIDGE-k after, which holds the slice's first address; the host routes between slices.
# State ($CTR_ROOT/net): ips/<ip> and ports/<proto>-<port>/<host-ip> hold the owner's ID; cursor
#   is the index of the last address handed out; lock serialises bridge creation.
#   $CTR_ROOT/containers/<cid>/net: the container's facts, key=value (written by net_alloc).
# Kernel objects: the container's netns (named <prefix>-<cid> only while net_veth sets it up, then
#   held by its supervisor's fd); veth v<cid> with ifalias <prefix>:<cid>; bridges with
#   ifalias <prefix>:net; nat chain <prefix>-PORTS; iptables rules commented <prefix>:<cid>
#   (published ports) or <prefix>:net (shared by all containers); the nftables table
#   `bridge <prefix>` that binds each port to its container's MAC and IP (see net_nft_table):
#   a port's interface group is its container's address, a bridge's its own address.
# Test hook: CTR_TEST_KILL_AT=alloc|rules|bridge|veth|addr|ports|etc: a run SIGKILLs itself there.

: "${CTR_BRIDGE:=ctr0}"
: "${CTR_SUBNET:=10.99.0.0/16}"
: "${CTR_SLICE:=22}"
NET_DIR=$CTR_ROOT/net
NET_NL='
'
# shellcheck disable=SC2034 # read by run (ctr.sh run_exec)
NET_ETCDIR='' # net_etc_state's directory: /etc files bound from it
# shellcheck disable=SC2034 # read by run (ctr.sh run_exec)
NET_FD='' # net_veth's fd on the container's netns (6), for its supervisor (ctr.sh run_exec)

# net_names: the names made of the prefix (again when pool_ensure adopts the root's recorded one).
net_names() {
	NET_CHAIN=$CTR_PREFIX-PORTS
	NET_NFT="bridge $CTR_PREFIX" # family and name of the anti-spoofing table
}
net_names

# ---------------------------------------------------------------- small helpers

# net_kill_at STEP: the test hook (see above). Only called from the main shell, never a subshell.
net_kill_at() {
	[ "${CTR_TEST_KILL_AT:-}" != "$1" ] || kill -KILL $$
}

# net_valid_ip A.B.C.D: decimal octets without leading zeros (sh arithmetic reads 010 as octal).
net_valid_ip() {
	case $1 in '' | *[!0-9.]* | *..* | .* | *.) return 1 ;; esac
	n_oifs=$IFS
	IFS=.
	# shellcheck disable=SC2086 # split on the dots
	set -- $1
	IFS=$n_oifs
	[ $# -eq 4 ] || return 1
	for n_x; do
		case $n_x in [0-9] | [1-9][0-9] | 1[0-9][0-9] | 2[0-4][0-9] | 25[0-5]) ;; *) return 1 ;; esac
	done
}

# net_ip2int A.B.C.D: NET_INT = the (valid) address as a number.
net_ip2int() {
	n_oifs=$IFS
	IFS=.
	# shellcheck disable=SC2086 # split on the dots
	set -- $1
	IFS=$n_oifs
	NET_INT=$((($1 << 24) + ($2 << 16) + ($3 << 8) + $4))
}

# net_int2ip N: NET_IP = the dotted quad of N.
net_int2ip() {
	NET_IP=$((($1 >> 24) & 255)).$((($1 >> 16) & 255)).$((($1 >> 8) & 255)).$(($1 & 255))
}

# net_mac N: NET_MAC = a locally administered MAC made of the address N. An address handed out
# again gets the same MAC, so no neighbour cache ever holds a stale entry for it.
net_mac() {
	NET_MAC=02:ce
	for n_sh in 24 16 8 0; do
		net_hex $((($1 >> n_sh) & 255))
		NET_MAC=$NET_MAC:$NET_HEX
	done
}

# net_hex BYTE: NET_HEX = two lowercase hex digits, without forking a printf.
net_hex() {
	NET_HEX=''
	for n_d in $(($1 >> 4)) $(($1 & 15)); do
		case $n_d in 10) n_d=a ;; 11) n_d=b ;; 12) n_d=c ;; 13) n_d=d ;; 14) n_d=e ;; 15) n_d=f ;; esac
		NET_HEX=$NET_HEX$n_d
	done
}

# net_is_cid WORD: a container ID is 12 lowercase hex digits.
net_is_cid() {
	case $1 in *[!0-9a-f]* | '') return 1 ;; esac
	[ ${#1} -eq 12 ]
}

# net_owner FILE: NET_OWNER = the ID in a record; fails when the record is stale (its container
# directory is gone) so the caller may take it back.
net_owner() {
	NET_OWNER=''
	read -r NET_OWNER 2>/dev/null <"$1"
	net_is_cid "$NET_OWNER" && [ -d "$CTR_ROOT/containers/$NET_OWNER" ]
}

# net_release FILE CID: empty a record if CID still owns it. An empty record is free (emptied,
# not removed: a shell builtin, no rm process in the teardown path); cleanup removes them.
net_release() {
	n_o=''
	[ -f "$1" ] && read -r n_o 2>/dev/null <"$1"
	[ "$n_o" != "$2" ] || : >"$1"
}

# net_lock / net_unlock: serialise bridge creation and removal (fd 5; ctr.sh's own lock is fd 9,
# and fd 7 holds a starting container's run.lock: reusing it would drop that lock).
net_lock() {
	[ -d "$NET_DIR" ] || mkdir -m 0700 "$NET_DIR" || die "$NET_DIR: cannot create"
	# root's only, from its birth (storage.sh root_private says why)
	[ -e "$NET_DIR/lock" ] || (umask 077 && : >>"$NET_DIR/lock") || die "$NET_DIR/lock: cannot create"
	exec 5>"$NET_DIR/lock" && flock 5 || die "$NET_DIR/lock: cannot lock"
}
net_unlock() {
	exec 5>&-
}

# ---------------------------------------------------------------- validation

# net_subnet: parse $CTR_SUBNET into NET_BASE NET_LEN NET_SIZE, and the slices: NET_SLEN NET_SSIZE
# NET_NSLICES.
net_subnet() {
	case $CTR_SUBNET in */*) ;; *) die "CTR_SUBNET $CTR_SUBNET: expected A.B.C.D/LEN" ;; esac
	net_valid_ip "${CTR_SUBNET%/*}" || die "CTR_SUBNET $CTR_SUBNET: expected A.B.C.D/LEN"
	NET_LEN=${CTR_SUBNET#*/}
	case $NET_LEN in [89] | [12][0-9] | 30) ;; *) die "CTR_SUBNET $CTR_SUBNET: the length must be 8 to 30" ;; esac
	net_ip2int "${CTR_SUBNET%/*}"
	NET_BASE=$NET_INT NET_SIZE=$((1 << (32 - NET_LEN)))
	[ $((NET_BASE % NET_SIZE)) -eq 0 ] || die "CTR_SUBNET $CTR_SUBNET: not a network address (host bits set)"
	case $CTR_SLICE in 2[2-9] | 30) ;; *) die "CTR_SLICE $CTR_SLICE: must be 22 to 30 (a bridge takes 1024 ports)" ;; esac
	NET_SLEN=$NET_LEN
	[ "$NET_SLEN" -ge "$CTR_SLICE" ] || NET_SLEN=$CTR_SLICE
	NET_SSIZE=$((1 << (32 - NET_SLEN)))
	NET_NSLICES=$((NET_SIZE / NET_SSIZE))
	case ${CTR_CONNTRACK_LIMIT:-} in *[!0-9]*) die "CTR_CONNTRACK_LIMIT $CTR_CONNTRACK_LIMIT: a number of connections (0: no limit)" ;; esac
}

# net_check_bridge: every bridge name the subnet may need fits in 15 characters (IFNAMSIZ).
net_check_bridge() {
	case $CTR_BRIDGE in '' | [!A-Za-z0-9]* | *[!A-Za-z0-9_.-]*)
		die "CTR_BRIDGE $CTR_BRIDGE: use [A-Za-z0-9_.-], starting with a letter or digit" ;;
	esac
	n_last=$CTR_BRIDGE
	[ "$NET_NSLICES" -eq 1 ] || n_last=$CTR_BRIDGE-$((NET_NSLICES - 1))
	[ ${#n_last} -le 15 ] ||
		die "CTR_BRIDGE $CTR_BRIDGE: too long for $CTR_SUBNET (its last bridge $n_last exceeds 15 characters)"
}

# net_parse_port SPEC: NET_P = "PROTO HOSTIP HOSTPORT CTRPORT" from [HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp].
net_parse_port() {
	n_s=$1 n_pr=tcp n_hip=0.0.0.0
	case $n_s in */*) n_pr=${n_s##*/} n_s=${n_s%/*} ;; esac
	case $n_pr in tcp | udp) ;; *) die "-p $1: protocol must be tcp or udp" ;; esac
	case $n_s in
	\[* | *::*) die "-p $1: IPv6 is not supported" ;;
	*:*:*) n_hip=${n_s%%:*} n_s=${n_s#*:} ;;
	*:*) ;;
	*) die "-p $1: expected [HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]" ;;
	esac
	net_valid_ip "$n_hip" || die "-p $1: $n_hip: not an IPv4 address"
	for n_x in "${n_s%%:*}" "${n_s#*:}"; do
		case $n_x in [1-9] | [1-9][0-9] | [1-9][0-9][0-9] | [1-9][0-9][0-9][0-9] | [1-9][0-9][0-9][0-9][0-9]) ;;
		*) die "-p $1: $n_x: a port is a number from 1 to 65535" ;; esac
		[ "$n_x" -le 65535 ] || die "-p $1: $n_x: a port is a number from 1 to 65535"
	done
	NET_P="$n_pr $n_hip ${n_s%%:*} ${n_s#*:}"
}

# net_ports_clash "PROTO IP PORT" "PROTO IP PORT": true when both would catch the same packets.
net_ports_clash() {
	# shellcheck disable=SC2086 # split the two specs into words
	set -- $1 $2
	[ "$1" = "$4" ] && [ "$3" = "$6" ] || return 1
	[ "$2" = "$5" ] || [ "$2" = 0.0.0.0 ] || [ "$5" = 0.0.0.0 ]
}

#   net_validate: check --net, $CTR_SUBNET, $CTR_BRIDGE and every -p (R_PORTS: a list of ctr.sh's
#   list_add); NET_PORTS = the normalised -p list, one "PROTO HOSTIP HOSTPORT CTRPORT" per line
#   (checked words: no newline or space inside). Dies on the first bad value.
net_validate() {
	case ${R_NET:-bridge} in bridge | none | host) ;; *) die "--net $R_NET: must be bridge, none or host" ;; esac
	NET_PORTS=''
	[ "${R_NET:-bridge}" = bridge ] || return 0
	need nft nftables
	net_subnet
	net_check_bridge
	eval "set -- ${R_PORTS:-}"
	for n_spec; do
		net_parse_port "$n_spec"
		net_port_add "$n_spec"
	done
}

# net_port_add SPEC: append NET_P (SPEC parsed) to NET_PORTS; die when it clashes with one there.
net_port_add() {
	while IFS= read -r n_prev; do
		[ -z "$n_prev" ] || ! net_ports_clash "${n_prev% *}" "${NET_P% *}" || die "-p $1: published twice"
	done <<EOF
$NET_PORTS
EOF
	NET_PORTS="$NET_PORTS$NET_P$NET_NL"
}

# ---------------------------------------------------------------- allocation (under ctr.sh's lock)

#   net_alloc CID: write the container's net file, then take its host ports and address. Called
#   with ctr.sh's lock held, after the container directory exists.
net_alloc() {
	n_f=$CTR_ROOT/containers/$1/net
	# What teardown has to release is listed before it is taken: a record taken by a run killed
	# before the list is written still names a container that cleanup removes, so it is reclaimed.
	net_file_write "$1" "$R_NET"
	[ "$R_NET" = bridge ] || return 0
	# (0700: the addresses and ports of the root's containers are root's business, root_private)
	# (made once: `A || { B; } && C` would run C every time, a process on each run's path)
	[ -d "$NET_DIR/ports" ] || { { [ -d "$NET_DIR" ] || mkdir -m 0700 "$NET_DIR"; } &&
		mkdir -p "$NET_DIR/ips" "$NET_DIR/ports"; } || die "$NET_DIR: cannot create"
	net_check_layout
	net_claim_ports "$1"
	net_claim_ip "$1"
	printf 'ip=%s\nplen=%s\ngw=%s\nbridge=%s\nmac=%s\nveth=v%s\n' "$NET_IP" "$NET_SLEN" "$NET_GW" \
		"$NET_BR" "$NET_MAC" "$1" >>"$n_f" || die "$n_f: cannot write"
	net_kill_at alloc
}

# net_file_write CID MODE: the container's net file, its first lines: mode=MODE, then port= for
# each -p (NET_PORTS). Also rootless.sh's net_alloc.
net_file_write() {
	{
		printf 'mode=%s\n' "$2"
		while IFS= read -r n_l; do
			[ -z "$n_l" ] || printf 'port=%s\n' "$n_l"
		done <<EOF
$NET_PORTS
EOF
	} >"$CTR_ROOT/containers/$1/net" || die "$CTR_ROOT/containers/$1/net: cannot write"
}

# net_check_layout: the subnet, slices and bridge name are fixed while the network exists: the
# records and bridges were made for them. The first allocation writes them down.
net_check_layout() {
	n_want="$CTR_SUBNET $NET_SLEN $CTR_BRIDGE"
	if [ -f "$NET_DIR/layout" ]; then
		read -r n_have <"$NET_DIR/layout"
		[ "$n_have" = "$n_want" ] ||
			die "network: made for subnet, slice, bridge '$n_have', now '$n_want': run ctr.sh network rm first"
	else
		printf '%s\n' "$n_want" >"$NET_DIR/layout" || die "$NET_DIR/layout: cannot write"
	fi
}

# net_claim_ports CID: take ports/<proto>-<port>/<host-ip> for each -p; a live owner of a clashing
# record, or a host socket already on the port, is an error.
net_claim_ports() {
	while read -r n_pr n_hip n_hp n_cp; do
		[ -n "$n_pr" ] || continue
		n_d=$NET_DIR/ports/$n_pr-$n_hp
		[ -d "$n_d" ] || mkdir "$n_d" || die "$n_d: cannot create"
		for n_rec in "$n_d"/*; do
			[ -f "$n_rec" ] || continue
			net_owner "$n_rec" || continue # free, or stale: overwritten below if it is ours to take
			net_ports_clash "$n_pr ${n_rec##*/} $n_hp" "$n_pr $n_hip $n_hp" &&
				die "-p $n_hip:$n_hp/$n_pr: already published by container $NET_OWNER"
		done
		net_port_busy "$n_pr" "$n_hip" "$n_hp" &&
			die "-p $n_hip:$n_hp/$n_pr: a host process already listens on this port"
		printf '%s\n' "$1" >"$n_d/$n_hip" || die "$n_d/$n_hip: cannot write"
	done <<EOF
$NET_PORTS
EOF
}

# net_port_busy PROTO HOSTIP PORT: a socket of the host listens on (tcp) or is bound to (udp) the
# port at HOSTIP or at a wildcard address: DNAT would silently steal that service's traffic.
net_port_busy() {
	net_ip2int "$2"
	n_st=07
	[ "$1" = udp ] || n_st=0A
	n_port=$3
	set -- "/proc/net/$1"
	[ ! -f "${1}6" ] || set -- "$1" "${1}6" # no tcp6 file when IPv6 is off
	awk -v port=":$(printf '%04X' "$n_port")" -v st="$n_st" -v ip="$(printf '%02X%02X%02X%02X' \
		$((NET_INT & 255)) $(((NET_INT >> 8) & 255)) $(((NET_INT >> 16) & 255)) $(((NET_INT >> 24) & 255)))" '
		FNR == 1 { next }
		$4 != st || substr($2, length($2) - 4) != port { next }
		{ a = substr($2, 1, length($2) - 5) }
		ip == "00000000" || a == ip || a ~ /^0+$/ || a == "0000000000000000FFFF0000" ip { busy = 1 }
		END { exit !busy }' "$@"
}

# net_claim_ip CID: take the next free address after the cursor. Round robin: an address just
# given back is the last to be reused; no scan of the containers, only of records in the way.
# NET_WANT_IP (start: the container's last address) is taken first when it is free.
net_claim_ip() {
	if [ -n "${NET_WANT_IP:-}" ] && net_valid_ip "$NET_WANT_IP"; then
		net_ip2int "$NET_WANT_IP"
		net_take_ip "$1" $((NET_INT - NET_BASE)) keep && return 0
	fi
	n_cur=0
	[ -f "$NET_DIR/cursor" ] && read -r n_cur <"$NET_DIR/cursor"
	case $n_cur in '' | *[!0-9]*) n_cur=0 ;; esac
	n_tries=0
	while [ "$n_tries" -lt "$NET_SIZE" ]; do
		n_i=$(((n_cur + 1 + n_tries) % NET_SIZE))
		n_tries=$((n_tries + 1))
		net_take_ip "$1" "$n_i" && return 0
	done
	die "network: no free address left in $CTR_SUBNET"
}

# net_take_ip CID N [keep]: take the subnet's address N for CID if it is a container address and
# free: its record, the cursor (unless keep: the round robin goes on where it was), NET_IP NET_MAC
# NET_BR NET_GW. Fails, changing nothing, otherwise.
net_take_ip() {
	[ "$2" -ge 0 ] && [ "$2" -lt "$NET_SIZE" ] || return 1
	n_off=$(($2 % NET_SSIZE))
	# a slice's first address is its network, the second its bridge, the last its broadcast
	[ "$n_off" -ge 2 ] && [ "$n_off" -lt $((NET_SSIZE - 1)) ] || return 1
	net_int2ip $((NET_BASE + $2))
	[ ! -e "$NET_DIR/ips/$NET_IP" ] || ! net_owner "$NET_DIR/ips/$NET_IP" || return 1
	printf '%s\n' "$1" >"$NET_DIR/ips/$NET_IP" || die "$NET_DIR/ips/$NET_IP: cannot write"
	[ -n "${3:-}" ] || printf '%s\n' "$2" >"$NET_DIR/cursor" || die "$NET_DIR/cursor: cannot write"
	net_mac $((NET_BASE + $2))
	net_slice $(($2 / NET_SSIZE))
}

# net_slice K: NET_BR and NET_GW, the bridge of slice K and its address.
net_slice() {
	NET_BR=$CTR_BRIDGE
	[ "$1" -eq 0 ] || NET_BR=$CTR_BRIDGE-$1
	n_ip=$NET_IP
	net_int2ip $((NET_BASE + $1 * NET_SSIZE + 1))
	NET_GW=$NET_IP NET_IP=$n_ip
}

# ---------------------------------------------------------------- setup

# net_read CID: NETC_* = the container's net file; fails when there is none.
net_read() {
	NETC_MODE='' NETC_NETNS='' NETC_IP='' NETC_PLEN='' NETC_GW='' NETC_BRIDGE='' NETC_MAC='' NETC_VETH=''
	NETC_PORTS=''
	[ -f "$CTR_ROOT/containers/$1/net" ] || return 1
	while IFS='=' read -r n_k n_v; do
		case $n_k in
		mode) NETC_MODE=$n_v ;;
		netns) NETC_NETNS=$n_v ;;
		ip) NETC_IP=$n_v ;;
		plen) NETC_PLEN=$n_v ;;
		gw) NETC_GW=$n_v ;;
		bridge) NETC_BRIDGE=$n_v ;;
		mac) NETC_MAC=$n_v ;;
		veth) NETC_VETH=$n_v ;;
		port) NETC_PORTS="$NETC_PORTS$n_v$NET_NL" ;;
		esac
	done <"$CTR_ROOT/containers/$1/net"
}

#   net_setup CID MODE: make the container's network (after net_alloc, once the rootfs exists):
#   net_links, then net_finish. run calls the two itself: the links while its snapshot is made.
net_setup() {
	net_links "$1" "$2" && net_finish "$1" "$2"
}

#   net_links CID MODE: bridge: the netns, veth on the bridge, address, route, published ports;
#   none and host: nothing (nsenter-chroot makes a none container's netns, with lo up).
net_links() {
	case $2 in
	host | none) ;;
	*)
		net_read "$1" && [ -n "$NETC_IP" ] || die "network: container $1 has no address (net_alloc not run)"
		net_bridge_ensure "$NETC_BRIDGE" "$NETC_GW" "$NETC_PLEN"
		net_veth "$1"
		net_publish "$1"
		;;
	esac
}

#   net_finish CID MODE: every mode, once the rootfs exists: /etc/hostname, /etc/hosts and
#   /etc/resolv.conf in it (or bound: net_etc).
net_finish() {
	net_etc "$1" "$2"
	net_kill_at etc
}

# NET_SYSCTLS: docker's defaults in a container's own netns, as the OCI config's linux.sysctl
# (security.sh's sec_oci puts it there; nsenter-chroot writes them once in the netns, as an OCI
# runtime does): every group may open ICMP echo sockets (ping without NET_RAW: a -u user, a
# --userns root), every user may bind the ports below 1024.
# shellcheck disable=SC2034 # read by security.sh's sec_oci
NET_SYSCTLS='"sysctl":{"net.ipv4.ping_group_range":"0 2147483647","net.ipv4.ip_unprivileged_port_start":"0"}'
# ... written from inside a user namespace (--net none with --userns, rootless): a group range must
# be mapped there (EINVAL otherwise): its 65536 ids
# shellcheck disable=SC2034 # read by security.sh's sec_oci
NET_SYSCTLS_USERNS='"sysctl":{"net.ipv4.ping_group_range":"0 65535","net.ipv4.ip_unprivileged_port_start":"0"}'

# net_in_ip NETNS: run the `ip -batch` commands of stdin in the named NETNS: one process, `ip -n`
# (1.4 ms here, `nsenter --net` + `ip` 3.2). ip -n also unshares a mount namespace and mounts a
# sysfs of NETNS there: a copy of the host's mount table, which no longer grows with the containers
# (a running one's netns has no name), and a look through the sysfs superblocks (one per running
# container's /sys): 1.5 ms with 500 running. A `netns del NETNS` in the batch umounts the name in
# ip's namespace (a slave of the host's); its unlink then detaches the host's mount of it too.
net_in_ip() {
	ip -n "$1" -batch -
}

# net_veth CID: the netns, and a veth pair whose container end is born inside it as eth0 (no
# rename, no move); the port is bound to the container's MAC and IP (its interface group, a write
# in /sys: see net_nft_table) before eth0 is up; then the container side: lo, address, default
# route. Two ip processes.
# The netns has a name only while it is set up: fd NET_FD (6) holds it, then the container's
# supervisor (ctr-shim --pass-fd 6; the OCI config's path is /proc/self/fd/6), and the second ip
# deletes the name. A named netns is a mount in the host's mount table, which every new mount
# namespace copies and every reader of /proc/self/mounts walks: one per running container made
# each start slower as containers add up. The netns ends with its last holder, its veth with it.
# The network is IPv4 only: neither end gets an IPv6 link-local address (addrgenmode none, set
# before up), so a new port sends no DAD, router solicitation or MLD that the bridge would flood
# to every other container on it (docker disables IPv6 on an IPv4-only network's interfaces too).
# The host's end has no IPv6 at all (disable_ipv6, a shell write): its multicast route would be
# one more per running container in the host's IPv6 table, which each interface change without
# carrier and each veth's removal walks whole (fib6_ifdown: ~1 ms per start at 3,000 running).
net_veth() {
	n_ns=$CTR_PREFIX-$1
	ip -batch - <<EOF || die "network: cannot create netns $n_ns and veth $NETC_VETH"
netns add $n_ns
link add $NETC_VETH master $NETC_BRIDGE type veth peer name eth0 address $NETC_MAC netns $n_ns
link set $NETC_VETH alias $CTR_PREFIX:$1 addrgenmode none up
EOF
	net_kill_at veth
	n_v6=/proc/sys/net/ipv6/conf/$NETC_VETH/disable_ipv6 # none where the host has no IPv6
	[ ! -w "$n_v6" ] || echo 1 >"$n_v6" || die "network: $NETC_VETH: cannot turn IPv6 off"
	exec 6<"/run/netns/$n_ns" || die "network: cannot open netns $n_ns"
	# shellcheck disable=SC2034 # read by run_exec (ctr.sh)
	NET_FD=6
	net_group_set "$NETC_VETH" "$NETC_IP" || die "network: $NETC_VETH: cannot set its interface group"
	net_in_ip "$n_ns" <<EOF || die "network: cannot configure eth0 in netns $n_ns"
link set lo up
addr add $NETC_IP/$NETC_PLEN brd + dev eth0
link set eth0 addrgenmode none up
route add default via $NETC_GW
netns del $n_ns
EOF
	net_kill_at addr
}

# ---------------------------------------------------------------- anti-spoofing (nftables)

# net_group_set IFNAME IP: set the interface's group to the address IP as a 32-bit number (ip(8)
# takes only groups below 2^31; /sys takes any). A shell write, no process.
net_group_set() {
	net_ip2int "$2"
	echo "$NET_INT" >"/sys/class/net/$1/netdev_group"
}

# net_group_is IFNAME IP: the interface's group is IP (/sys shows the kernel's int: negative from 2^31).
net_group_is() {
	n_g=''
	read -r n_g 2>/dev/null <"/sys/class/net/$1/netdev_group" || return 1
	case $n_g in '' | *[!0-9-]*) return 1 ;; esac
	net_ip2int "$2"
	[ $(((n_g + 4294967296) % 4294967296)) -eq "$NET_INT" ]
}

# net_nft_table: the nft commands that make the table of this prefix, or refresh a table that
# exists (one transaction: its chains are emptied and filled again; the set keeps its elements).
# A port is bound by its interface group, the address of its container (net_veth); the set ports
# holds "group . MAC . IP" for every container address of each slice that has a bridge
# (net_nft_slice): with ctr's MACs made of the address, group N may only use N and its MAC. Only
# the ports whose group lies in $CTR_SUBNET are filtered (other installs' subnets do not overlap):
#   port_in  (frames a container sends; bridge prerouting, before the bridge learns the source or
#            picks a port): IPv4 with the port's MAC and IP as source, ARP (Ethernet, IPv4) whose
#            source MAC and sender MAC and IP are the port's; everything else (IPv6, VLAN tags,
#            other ethertypes, forged sources) is dropped.
#   port_out (frames the bridge sends to a port: forwarded from another port, or from the host):
#            broadcast and multicast, or unicast to the port's MAC and IP (ARP: target IP). A frame
#            flooded because its MAC is unknown (an entry aged out) reaches no other container.
net_nft_table() {
	n_t=$NET_NFT n_r=$NET_BASE-$((NET_BASE + NET_SIZE - 1))
	cat <<EOF
add table $n_t
add set $n_t ports { type devgroup . ether_addr . ipv4_addr; }
add chain $n_t prerouting { type filter hook prerouting priority -200; policy accept; }
add chain $n_t forward { type filter hook forward priority -200; policy accept; }
add chain $n_t output { type filter hook output priority -200; policy accept; }
add chain $n_t port_in
add chain $n_t port_out
flush chain $n_t prerouting
flush chain $n_t forward
flush chain $n_t output
flush chain $n_t port_in
flush chain $n_t port_out
add rule $n_t prerouting meta iifgroup $n_r goto port_in
add rule $n_t forward meta oifgroup $n_r goto port_out
add rule $n_t output meta oifgroup $n_r goto port_out
add rule $n_t port_in ether type ip meta iifgroup . ether saddr . ip saddr @ports accept
add rule $n_t port_in ether type arp arp htype 1 arp ptype ip arp hlen 6 arp plen 4 meta iifgroup . ether saddr . arp saddr ip @ports meta iifgroup . arp saddr ether . arp saddr ip @ports accept
add rule $n_t port_in drop
add rule $n_t port_out ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 accept
add rule $n_t port_out ether type ip meta oifgroup . ether daddr . ip daddr @ports accept
add rule $n_t port_out ether type arp arp htype 1 arp ptype ip arp hlen 6 arp plen 4 meta oifgroup . ether daddr . arp daddr ip @ports accept
add rule $n_t port_out drop
EOF
}

# net_nft_slice GATEWAY: the nft command that adds "group . MAC . IP" for each container address
# of the slice whose bridge has GATEWAY (the slice's addresses after it, but the broadcast).
net_nft_slice() {
	net_ip2int "$1"
	awk -v t="$NET_NFT" -v first=$((NET_INT + 1)) -v n=$((NET_SSIZE - 3)) 'BEGIN {
		printf "add element %s ports {", t
		for (i = 0; i < n; i++) {
			a = first + i
			b1 = int(a / 16777216) % 256; b2 = int(a / 65536) % 256; b3 = int(a / 256) % 256; b4 = a % 256
			printf "%s\n%.0f . 02:ce:%02x:%02x:%02x:%02x . %d.%d.%d.%d", (i ? "," : ""), a, b1, b2, b3, b4, b1, b2, b3, b4
		}
		print " }"
	}'
}

# net_nft_exists: the table of this prefix exists.
net_nft_exists() {
	nft list tables bridge 2>/dev/null | grep -qxF "table $NET_NFT"
}

# net_nft_repair: (cleanup) the table is gone while ctr's bridges exist (`nft flush ruleset`,
# e.g. nftables.service starting; a network made by an older ctr): make it again with the slice of
# each bridge, and bind the ports of running containers that have no group (made by an older ctr).
net_nft_repair() {
	[ -f "$NET_DIR/layout" ] || return 0
	read -r n_sub n_slen n_br <"$NET_DIR/layout" || return 0
	# the bridges were made for the layout; with other settings the slices cannot be computed
	[ "$n_sub $n_br" = "$CTR_SUBNET $CTR_BRIDGE" ] || return 0
	net_subnet
	[ "$n_slen" = "$NET_SLEN" ] || return 0
	n_cmds=''
	for n_p in /sys/class/net/*; do
		[ -d "$n_p/bridge" ] && net_alias "${n_p##*/}" && [ "$NET_ALIAS" = "$CTR_PREFIX:net" ] || continue
		n_k=0
		[ "${n_p##*/}" = "$n_br" ] || n_k=${n_p##*/"$n_br"-}
		case $n_k in '' | *[!0-9]*) continue ;; esac
		n_cmds="$n_cmds$n_k "
	done
	if [ -n "$n_cmds" ] && ! net_nft_exists; then
		n_nft=$(
			net_nft_table
			for n_k in $n_cmds; do
				net_int2ip $((NET_BASE + n_k * NET_SSIZE + 1)) # the slice's gateway
				net_nft_slice "$NET_IP" || exit 1
			done
		) && printf '%s\n' "$n_nft" | nft -f - || return 1
		printf 'made nft table %s again (bridges of slices %s)\n' "$NET_NFT" "${n_cmds% }"
	fi
	for n_p in /sys/class/net/v*; do
		n_id=${n_p##*/v}
		net_is_cid "$n_id" && [ -d "$CTR_ROOT/containers/$n_id" ] && net_alias "v$n_id" &&
			[ "$NET_ALIAS" = "$CTR_PREFIX:$n_id" ] && net_read "$n_id" && [ -n "$NETC_IP" ] || continue
		net_group_is "v$n_id" "$NETC_IP" && continue
		# (a veth that goes meanwhile, its container ending, refuses the write: EIO, not ours to say)
		net_group_set "v$n_id" "$NETC_IP" 2>/dev/null &&
			printf 'bound veth v%s to %s %s\n' "$n_id" "$NETC_MAC" "$NETC_IP"
	done
}

# net_dnat_rules CID OP: NET_RULES = iptables-restore lines (OP is -A or -D) for NETC_PORTS. The
# same text adds and deletes, so a deletion matches what was added.
net_dnat_rules() {
	NET_RULES=''
	while read -r n_pr n_hip n_hp n_cp; do
		[ -n "$n_pr" ] || continue
		n_dst=''
		[ "$n_hip" = 0.0.0.0 ] || n_dst="-d $n_hip/32 "
		NET_RULES="$NET_RULES$2 $NET_CHAIN $n_dst-p $n_pr -m $n_pr --dport $n_hp -m comment --comment $CTR_PREFIX:$1"
		NET_RULES="$NET_RULES -j DNAT --to-destination $NETC_IP:$n_cp$NET_NL"
	done <<EOF
$NETC_PORTS
EOF
}

# net_publish CID: one DNAT rule per -p in the <prefix>-PORTS chain, which PREROUTING (other hosts,
# containers) and OUTPUT (the host itself) jump to for local destinations; all in one commit.
net_publish() {
	[ -n "$NETC_PORTS" ] || return 0
	# 127.0.0.1 as source may leave through this bridge only with route_localnet; the INPUT guard
	# added with the bridge keeps containers from using it to reach the host's loopback services.
	# (written, not read first: /proc/sys files return EOF to the shell's 1-byte reads)
	n_rl=/proc/sys/net/ipv4/conf/$NETC_BRIDGE/route_localnet
	echo 1 >"$n_rl" || die "$n_rl: cannot set"
	net_dnat_rules "$1" -A
	printf '*nat\n%sCOMMIT\n' "$NET_RULES" | iptables-restore -w --noflush ||
		die "network: cannot publish the ports of container $1 (iptables-restore failed)"
	net_kill_at ports
}

# ---------------------------------------------------------------- bridges and shared rules

# net_alias IFNAME: NET_ALIAS = the interface's ifalias (ctr marks what it made); fails if no such link.
net_alias() {
	NET_ALIAS=''
	[ -e "/sys/class/net/$1" ] || return 1
	read -r NET_ALIAS 2>/dev/null <"/sys/class/net/$1/ifalias"
	return 0
}

# net_bridge_ready BRIDGE GATEWAY: ctr's bridge exists, is up, and its group is its address (the
# last step of its creation, after its slice's ports are bound; a bridge made by an older ctr has none).
net_bridge_ready() {
	net_alias "$1" && [ "$NET_ALIAS" = "$CTR_PREFIX:net" ] || return 1
	read -r n_fl <"/sys/class/net/$1/flags" && [ $((n_fl & 1)) -eq 1 ] && net_group_is "$1" "$2"
}

# net_bridge_ensure BRIDGE GATEWAY PLEN: fast path without any process when the bridge is up;
# otherwise create it under net_lock, so concurrent first runs make it once.
net_bridge_ensure() {
	net_bridge_ready "$1" "$2" && return 0
	net_lock
	net_bridge_ready "$1" "$2" || net_bridge_create "$@"
	net_unlock
}

# net_bridge_create BRIDGE GATEWAY PLEN: shared rules, forwarding, then the bridge (idempotent:
# a creation killed midway is completed by the next run).
net_bridge_create() {
	# host-wide: another root's first run must not pass the overlap check with the same subnet
	# between this check and this bridge's address
	# shellcheck disable=SC2174 # root's only (storage.sh root_private); /run exists
	[ -d "$CTR_RUN" ] || mkdir -p -m 0700 "$CTR_RUN" || die "$CTR_RUN: cannot create"
	exec 8>>"$CTR_RUN/net.lock" && flock 8 || die "$CTR_RUN/net.lock: cannot lock"
	if net_alias "$1"; then
		[ "$NET_ALIAS" = "$CTR_PREFIX:net" ] || net_bridge_foreign "$1"
	else
		net_check_overlap "$2/$3"
		net_check_roots
	fi
	net_rules_ensure
	net_kill_at rules
	# containers must not reach the host's 127.0.0.1 services through route_localnet (see net_publish)
	net_rule_ensure filter INPUT DROP -i "$1" -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT
	echo 1 >/proc/sys/net/ipv4/ip_forward || die "cannot enable IPv4 forwarding"
	net_ip2int "$2"
	net_mac "$NET_INT"
	# The bridge gets a fixed MAC: by default it takes its ports' lowest one, which changes as
	# containers come and go and leaves stale neighbour entries in the containers.
	{
		[ -e "/sys/class/net/$1" ] || printf 'link add %s type bridge\n' "$1"
		printf 'link set %s alias %s:net address %s\n' "$1" "$CTR_PREFIX" "$NET_MAC"
		printf 'addr replace %s/%s brd + dev %s\n' "$2" "$3" "$1"
		printf 'link set %s up\n' "$1"
	} | ip -batch - || die "bridge $1: cannot create"
	exec 8>&-
	net_neigh_room "$1"
	# bind the slice's container addresses (the table is made or refreshed), then mark the bridge
	{
		net_nft_table
		net_nft_slice "$2"
	} | nft -f - || die "nftables: cannot make table $NET_NFT"
	net_group_set "$1" "$2" || die "bridge $1: cannot set its interface group"
	net_kill_at bridge
}

# net_bridge_foreign BRIDGE: die: BRIDGE exists and is not this root's (another root's bridge, with
# the alias <its prefix>:net, or not ctr's). Each root needs its own bridge and subnet.
net_bridge_foreign() {
	n_o=${NET_ALIAS%:net}
	if [ "$n_o" != "$NET_ALIAS" ] && [ -n "$n_o" ]; then
		n_r=''
		read -r n_r 2>/dev/null <"$CTR_REGISTRY/$n_o"
		die "bridge $1: belongs to another ctr state root${n_r:+ ($n_r)} (prefix $n_o): give $CTR_ROOT its own CTR_BRIDGE and CTR_SUBNET"
	fi
	die "bridge $1: exists and was not made by ctr (prefix $CTR_PREFIX): set CTR_BRIDGE to another name"
}

# net_check_overlap PREFIX: refuse a slice that overlaps a route of the host (besides the default):
# containers would shadow, or be shadowed by, a real network.
net_check_overlap() {
	n_r=$({
		ip -4 -o route show root "$1"
		ip -4 -o route show match "$1"
	} | grep -v '^default' | head -n 1)
	[ -z "$n_r" ] || die "CTR_SUBNET $CTR_SUBNET: $1 overlaps the host's route '$n_r': choose another CTR_SUBNET"
}

# net_check_roots: refuse a $CTR_SUBNET that overlaps the network of another root of this host
# (registered in $CTR_REGISTRY, its subnet in its net/layout, its bridge up). Routes alone do not show it (two
# roots' slices may not overlap while their subnets do), and each root's nftables table filters
# every bridge port whose interface group, its address, lies in that root's subnet: a container of
# the other root there would have its every frame dropped. Under the host-wide net.lock, once
# per bridge.
net_check_roots() {
	net_subnet
	n_lo=$NET_BASE n_hi=$((NET_BASE + NET_SIZE - 1))
	for n_g in "$CTR_REGISTRY"/*; do
		[ -f "$n_g" ] && [ "${n_g##*/}" != "$CTR_PREFIX" ] || continue
		n_o=''
		read -r n_o 2>/dev/null <"$n_g" && [ -n "$n_o" ] && root_owns "$n_o" "${n_g##*/}" || continue
		n_s='' n_br=''
		read -r n_s _ n_br 2>/dev/null <"$n_o/net/layout" || continue
		# its network is there: its first bridge, made under net.lock as this one is
		[ -n "$n_br" ] && net_alias "$n_br" && [ "$NET_ALIAS" = "${n_g##*/}:net" ] || continue
		n_l=${n_s#*/}
		case $n_l in [89] | [12][0-9] | 3[0-2]) ;; *) continue ;; esac
		net_valid_ip "${n_s%/*}" || continue
		net_ip2int "${n_s%/*}"
		n_sz=$((1 << (32 - n_l)))
		n_b=$((NET_INT - NET_INT % n_sz))
		[ "$n_b" -gt "$n_hi" ] || [ $((n_b + n_sz - 1)) -lt "$n_lo" ] ||
			die "CTR_SUBNET $CTR_SUBNET: overlaps $n_s, the network of the ctr root $n_o: choose another CTR_SUBNET"
	done
}

# net_neigh_room BRIDGE: from the second bridge on, raise the neighbour table's hard limit
# (gc_thresh3, 1024 by default) so the host can talk to every container at once. Only raised.
net_neigh_room() {
	case $1 in "$CTR_BRIDGE"-*) ;; *) return 0 ;; esac
	n_need=$(((${1##*-} + 2) * NET_SSIZE))
	n_g=/proc/sys/net/ipv4/neigh/default
	# cat, not read: /proc/sys files return EOF to the shell's 1-byte reads (read would see "1")
	n_v=$(cat "$n_g/gc_thresh3" 2>/dev/null)
	case $n_v in '' | *[!0-9]*) return 0 ;; esac # not this kernel's knob: leave it
	[ "$n_v" -lt "$n_need" ] || return 0
	echo $((n_need / 2)) >"$n_g/gc_thresh2" && echo "$n_need" >"$n_g/gc_thresh3" ||
		printf 'ctr: warning: cannot raise %s/gc_thresh3 to %s\n' "$n_g" "$n_need" >&2
}

# net_rule_ensure TABLE CHAIN TARGET MATCH...: insert a rule tagged <prefix>:net unless it is there.
# Inserted first, so a host firewall's DROP further down does not cut the containers off.
net_rule_ensure() {
	n_t=$1 n_ch=$2 n_j=$3
	shift 3
	iptables -w -t "$n_t" -C "$n_ch" "$@" -m comment --comment "$CTR_PREFIX:net" -j "$n_j" 2>/dev/null ||
		iptables -w -t "$n_t" -I "$n_ch" "$@" -m comment --comment "$CTR_PREFIX:net" -j "$n_j" ||
		die "iptables: cannot add to $n_t $n_ch: $* -j $n_j"
}

# net_rules_ensure: the rules every container of $CTR_SUBNET shares.
net_rules_ensure() {
	net_subnet
	iptables -w -t nat -n -L "$NET_CHAIN" >/dev/null 2>&1 || iptables -w -t nat -N "$NET_CHAIN" ||
		die "iptables: cannot create chain $NET_CHAIN"
	# published ports: packets to any local address, from outside (PREROUTING) or the host (OUTPUT)
	net_rule_ensure nat PREROUTING "$NET_CHAIN" -m addrtype --dst-type LOCAL
	net_rule_ensure nat OUTPUT "$NET_CHAIN" -m addrtype --dst-type LOCAL
	# containers reach other networks under the host's address
	net_rule_ensure nat POSTROUTING MASQUERADE -s "$CTR_SUBNET" ! -d "$CTR_SUBNET"
	# a published port reached from 127.0.0.1, or by a container (even its own): the answer must
	# come back through the host to be un-DNATed, so the source becomes the bridge's address
	net_rule_ensure nat POSTROUTING MASQUERADE -s 127.0.0.0/8 -d "$CTR_SUBNET" -m conntrack --ctstate DNAT
	net_rule_ensure nat POSTROUTING MASQUERADE -s "$CTR_SUBNET" -d "$CTR_SUBNET" -m conntrack --ctstate DNAT
	# forwarding: out of the containers, and back in for answers and published ports
	net_rule_ensure filter FORWARD ACCEPT -s "$CTR_SUBNET"
	net_rule_ensure filter FORWARD ACCEPT -d "$CTR_SUBNET" -m conntrack --ctstate RELATED,ESTABLISHED,DNAT
	net_conn_limit
}

# net_conn_limit: no container fills the host's connection tracking table (nf_conntrack_max, one
# for every flow the host NATs, forwards or receives: once full, every new flow of the host and
# of every container is dropped). A new flow from an address of the subnet that already has
# CTR_CONNTRACK_LIMIT flows tracked (default: an eighth of nf_conntrack_max; 0: no limit) is
# dropped before conntrack confirms it. One rule in mangle PREROUTING (after conntrack, before
# routing): one count per container for flows to the host and through it (bridged ones too, with
# br_netfilter); the source is the container's own (anti-spoofing). Made once per subnet, with
# its shared rules (not on a run's path): an earlier rule, of another value, stays until
# `network rm`.
net_conn_limit() {
	n_cl=${CTR_CONNTRACK_LIMIT:-}
	if [ -z "$n_cl" ]; then
		n_cl=$(cat /proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null)
		case $n_cl in '' | *[!0-9]*) n_cl=262144 ;; esac
		n_cl=$((n_cl / 8))
	fi
	[ "$n_cl" -gt 0 ] || return 0
	iptables-save -t mangle 2>/dev/null | grep -q -- "^-A PREROUTING .*connlimit.*--comment \"\\?$CTR_PREFIX:net" && return 0
	net_rule_ensure mangle PREROUTING DROP -s "$CTR_SUBNET" -m conntrack --ctstate NEW \
		-m connlimit --connlimit-above "$n_cl" --connlimit-mask 32 --connlimit-saddr
}

# ---------------------------------------------------------------- /etc files

# net_put FILE CONTENT: write a file of the rootfs. The image is untrusted: a symlink (or fifo,
# device...) in its place is removed first, never followed out of the rootfs.
net_put() {
	if [ -L "$1" ] || { [ -e "$1" ] && [ ! -f "$1" ]; }; then
		rm -f "$1" || return 1
	fi
	printf '%s' "$2" >"$1"
}

# net_resolv FILE: NET_RESOLV = FILE without loopback name servers (unreachable from a netns).
net_resolv() {
	NET_RESOLV=''
	while IFS= read -r n_l; do
		case $n_l in
		*nameserver*[[:space:]]127.* | *nameserver*[[:space:]]::1 | *nameserver*[[:space:]]::1[[:space:]]*) continue ;;
		esac
		NET_RESOLV="$NET_RESOLV$n_l$NET_NL"
	done <"$1"
}

# net_etc CID MODE: hostname, hosts and resolv.conf of the container (the host's for --net host).
net_etc() {
	tree_of containers "$1"
	n_etc=$TREE/etc
	n_h=${R_HOST:-$1}
	if [ -L "$n_etc" ] || { [ -e "$n_etc" ] && [ ! -d "$n_etc" ]; }; then
		printf 'ctr: warning: the image'"'"'s /etc is not a directory: no hosts, hostname, resolv.conf\n' >&2
		return 0
	fi
	[ -d "$n_etc" ] || mkdir -m 755 "$n_etc" || die "$n_etc: cannot create"
	n_lo="127.0.0.1	localhost$NET_NL::1	localhost ip6-localhost ip6-loopback$NET_NL"
	NET_RESOLV=''
	case $2 in
	host)
		n_hosts="$(cat /etc/hosts 2>/dev/null)$NET_NL" n_own="127.0.1.1	$n_h$NET_NL"
		[ ! -f /etc/resolv.conf ] || NET_RESOLV=$(cat /etc/resolv.conf)$NET_NL
		;;
	none) n_hosts=$n_lo n_own="127.0.1.1	$n_h$NET_NL" ;;
	*) n_hosts=$n_lo n_own="$NETC_IP	$n_h$NET_NL" ;;
	esac
	# run --add-host: its lines before the container's own, as docker's
	[ -z "${R_ADDHOSTS:-}" ] || net_add_hosts "$2"
	n_hosts=$n_hosts$n_own
	if [ "$2" != host ] && [ -f /etc/resolv.conf ]; then
		net_resolv /etc/resolv.conf
		case $NET_RESOLV in *nameserver*) ;; *)
			# systemd-resolved: 127.0.0.53 in front, the real servers in its own file
			[ ! -f /run/systemd/resolve/resolv.conf ] || net_resolv /run/systemd/resolve/resolv.conf ;;
		esac
	fi
	[ -z "${R_DNS:-}${R_DNSSEARCH:-}${R_DNSOPT:-}" ] || net_dns
	{ net_put "$n_etc/hostname" "$n_h$NET_NL" && net_put "$n_etc/hosts" "$n_hosts" &&
		net_put "$n_etc/resolv.conf" "$NET_RESOLV"; } 2>/dev/null ||
		net_etc_state "$1" "$n_h$NET_NL" "$n_hosts" "$NET_RESOLV"
}

# net_add_hosts MODE: n_hosts += a line "IP<tab>NAME" for each --add-host NAME:IP (R_ADDHOSTS:
# checked words, helpers/runopts.sh). host-gateway: the host as the container reaches it: the
# gateway of its bridge (bridge), 127.0.0.1 (host; none refuses it).
net_add_hosts() {
	for n_x in $R_ADDHOSTS; do
		n_ip=${n_x#*:}
		if [ "$n_ip" = host-gateway ]; then
			n_ip=127.0.0.1
			[ "$1" = host ] || n_ip=$NETC_GW
		fi
		n_hosts="$n_hosts$n_ip	${n_x%%:*}$NET_NL"
	done
}

# net_dns: NET_RESOLV as docker's --dns, --dns-search, --dns-option make it (R_DNS, R_DNSSEARCH,
# R_DNSOPT: checked words): each given one replaces the host's lines of its kind (nameserver;
# search and domain; options), the other lines kept. --dns-search . alone: no search line.
net_dns() {
	n_r=''
	while IFS= read -r n_l; do
		case $n_l in
		nameserver[[:space:]]*) [ -z "$R_DNS" ] || continue ;;
		search[[:space:]]* | domain[[:space:]]*) [ -z "$R_DNSSEARCH" ] || continue ;;
		options[[:space:]]*) [ -z "$R_DNSOPT" ] || continue ;;
		'') continue ;;
		esac
		n_r="$n_r$n_l$NET_NL"
	done <<EOF
$NET_RESOLV
EOF
	for n_x in $R_DNS; do n_r="${n_r}nameserver $n_x$NET_NL"; done
	n_x=''
	for n_l in $R_DNSSEARCH; do [ "$n_l" = . ] || n_x="$n_x $n_l"; done
	[ -z "$n_x" ] || n_r="${n_r}search$n_x$NET_NL"
	n_x=''
	for n_l in $R_DNSOPT; do n_x="$n_x $n_l"; done
	[ -z "$n_x" ] || n_r="${n_r}options$n_x$NET_NL"
	NET_RESOLV=$n_r
}

# net_etc_state CID HOSTNAME HOSTS RESOLV: the container's tree cannot take the files (a full pool:
# a write of data fails there, an empty file or a mount point does not). They go to its state
# directory, on the host's file system, bound read-only on /etc/hostname, hosts and resolv.conf
# (NET_ETCDIR: that directory, resolved; run's and start's jq make the binds of the OCI config
# from it, NET_ETC_JQ): the container runs as it would.
net_etc_state() {
	n_sd=$(cd "$CTR_ROOT/containers/$1" && pwd -P) || die "$CTR_ROOT/containers/$1: cannot resolve"
	case $n_sd in *:*) die "$n_etc: cannot write hostname, hosts, resolv.conf (is the pool full?)" ;; esac
	printf '%s' "$2" >"$n_sd/hostname" && printf '%s' "$3" >"$n_sd/hosts" &&
		printf '%s' "$4" >"$n_sd/resolv.conf" || die "$n_sd: cannot write hostname, hosts, resolv.conf"
	printf 'ctr: warning: cannot write /etc/hostname, hosts, resolv.conf in the container (is the pool full?): read-only copies bound\n' >&2
	# shellcheck disable=SC2034 # read by run's and start's jq ($ENV)
	NET_ETCDIR=$n_sd
}

# NET_ETC_JQ: jq definition of net_etc_binds: the binds of NET_ETCDIR's /etc files (none when it
# is empty), marked x-ctr.etc (a comment to the runtime, mount(8)'s x- rule) so that start replaces
# them. run's and start's jq embed it (read from $ENV.NET_ETCDIR).
# shellcheck disable=SC2016,SC2034 # jq's $ENV; read by ctr.sh and start.sh
NET_ETC_JQ='def net_etc_binds: $ENV.NET_ETCDIR as $d | if $d == "" then [] else
	["hostname", "hosts", "resolv.conf"] | map({destination: "/etc/\(.)", type: "bind", source: "\($d)/\(.)",
	  options: ["rbind", "ro", "nosuid", "nodev", "x-ctr.etc"]}) end;'

# ---------------------------------------------------------------- teardown, inspect

#   net_teardown CID: remove the container's published ports, netns name (a run killed while it
#   set the netns up; a container of an older ctr) and address records. The netns has no name once
#   it runs: it ends, its veth with it, when its supervisor (which holds it) and its processes are
#   gone. Idempotent: fine on a half-made container and when run twice.
#   NET_ASYNC set (the exit action): a name is deleted by a background `ip netns del`, off the
#   caller's path (its umount waits for an RCU grace period; the kernel destroys the netns and
#   the veth later anyway); one that never happens (a kill, a crash) is net_cleanup's.
net_teardown() {
	net_read "$1"
	n_rc=0
	if [ -n "$NETC_PORTS" ]; then
		net_dnat_rules "$1" -D
		printf '*nat\n%sCOMMIT\n' "$NET_RULES" | iptables-restore -w --noflush 2>/dev/null ||
			net_rules_drop "$CTR_PREFIX:$1" >/dev/null || n_rc=1
	fi
	if [ ! -e "/run/netns/$CTR_PREFIX-$1" ]; then
		:
	elif [ -n "${NET_ASYNC:-}" ]; then
		# no fd of ours: fd 9 is the lock (closed, it would be held until ip ends)
		ip netns del "$CTR_PREFIX-$1" </dev/null >/dev/null 2>&1 7>&- 9>&- &
	else
		ip netns del "$CTR_PREFIX-$1" || n_rc=1
	fi
	while read -r n_pr n_hip n_hp n_cp; do
		[ -z "$n_pr" ] || net_release "$NET_DIR/ports/$n_pr-$n_hp/$n_hip" "$1"
	done <<EOF
$NETC_PORTS
EOF
	[ -z "$NETC_IP" ] || net_release "$NET_DIR/ips/$NETC_IP" "$1"
	return "$n_rc"
}

# net_rules_drop COMMENT-ERE: delete the nat and filter rules whose comment matches, print them.
net_rules_drop() {
	n_rc=0
	for n_t in nat filter mangle; do
		n_rules=$(iptables-save -t "$n_t" | grep -E -- "^-A .*--comment \"?($1)\"?( |\$)")
		[ -n "$n_rules" ] || continue
		if printf '*%s\n%s\nCOMMIT\n' "$n_t" "$n_rules" | sed 's/^-A /-D /' | iptables-restore -w --noflush; then
			printf '%s\n' "$n_rules" | sed "s/^/removed iptables rule: -t $n_t /"
		else
			n_rc=1
		fi
	done
	return "$n_rc"
}

#   net_inspect CID: one JSON object: mode, ip, mac, gateway, prefix_len, bridge, veth, netns, ports.
net_inspect() {
	net_read "$1" || { echo '{}'; return 0; }
	jq -nc --arg mode "$NETC_MODE" --arg ip "$NETC_IP" --arg mac "$NETC_MAC" --arg gw "$NETC_GW" \
		--arg plen "$NETC_PLEN" --arg br "$NETC_BRIDGE" --arg veth "$NETC_VETH" --arg ns "$NETC_NETNS" \
		--arg ports "$NETC_PORTS" '
		def v: if . == "" then null else . end;
		{mode: $mode, ip: ($ip|v), mac: ($mac|v), gateway: ($gw|v), prefix_len: (if $plen == "" then null else ($plen|tonumber) end),
		 bridge: ($br|v), veth: ($veth|v), netns: ($ns|v),
		 ports: [$ports | split("\n")[] | select(. != "") | split(" ")
		         | {protocol: .[0], host_ip: .[1], host_port: (.[2]|tonumber), container_port: (.[3]|tonumber)}]}'
}

# ---------------------------------------------------------------- cleanup, network verb

#   net_cleanup: remove the netns names, veths, rules and records of this prefix whose container
#   is gone (or released: its exit action's background netns deletion never ran; a process outside
#   it still holds its netns, so its veth); print each. Objects of other prefixes, or not made by
#   ctr, are never touched.
net_cleanup() {
	for n_p in /run/netns/"$CTR_PREFIX"-*; do
		n_id=${n_p##*/"$CTR_PREFIX"-}
		[ -e "$n_p" ] && net_is_cid "$n_id" || continue
		[ ! -d "$CTR_ROOT/containers/$n_id" ] || [ -e "$CTR_ROOT/containers/$n_id/released" ] || continue
		ip netns del "$CTR_PREFIX-$n_id" && printf 'removed netns %s\n' "$CTR_PREFIX-$n_id"
	done
	for n_p in /sys/class/net/v*; do
		n_id=${n_p##*/v}
		net_is_cid "$n_id" && { [ ! -d "$CTR_ROOT/containers/$n_id" ] || [ -e "$CTR_ROOT/containers/$n_id/released" ]; } &&
			net_alias "v$n_id" && [ "$NET_ALIAS" = "$CTR_PREFIX:$n_id" ] || continue
		# (one whose netns is ending goes by itself meanwhile: gone is no error)
		if ip link del "v$n_id" 2>/dev/null; then printf 'removed veth v%s\n' "$n_id"
		elif [ -e "/sys/class/net/v$n_id" ]; then printf 'ctr: cleanup: cannot remove veth v%s\n' "$n_id" >&2
		fi
	done
	net_cleanup_rules
	net_nft_repair
	for n_p in "$NET_DIR"/ips/* "$NET_DIR"/ports/*/*; do
		[ -s "$n_p" ] && ! net_owner "$n_p" || continue
		printf 'released %s (container %s)\n' "${n_p#"$NET_DIR"/}" "$NET_OWNER"
		: >"$n_p"
	done
	# free records, and empty port directories (under ctr.sh's lock: no run is about to fill one)
	find "$NET_DIR/ips" "$NET_DIR/ports" -mindepth 1 -empty -delete 2>/dev/null
}

# net_cleanup_rules: the rules tagged <prefix>:<cid> of containers that are gone.
net_cleanup_rules() {
	n_gone=''
	for n_id in $(iptables-save 2>/dev/null | grep -oE -- "--comment \"?$CTR_PREFIX:[0-9a-f]{12}(\"| |\$)" |
		sed 's/.*:\([0-9a-f]\{12\}\).*/\1/' | sort -u); do
		[ -d "$CTR_ROOT/containers/$n_id" ] || n_gone="$n_gone|$n_id"
	done
	[ -z "$n_gone" ] || net_rules_drop "$CTR_PREFIX:(${n_gone#|})"
}

#   net_remove: remove ctr's bridges, the <prefix>:net rules and the ports chain; refused while a
#   container holds an address. IPv4 forwarding stays on (other software may rely on it).
net_remove() {
	net_lock
	n_used=0
	for n_p in "$NET_DIR"/ips/*; do
		[ -f "$n_p" ] && net_owner "$n_p" && n_used=$((n_used + 1))
	done
	[ "$n_used" -eq 0 ] || die "network: in use by $n_used container(s): rm them first"
	for n_p in /sys/class/net/*; do
		[ -d "$n_p/bridge" ] && net_alias "${n_p##*/}" && [ "$NET_ALIAS" = "$CTR_PREFIX:net" ] || continue
		ip link del "${n_p##*/}" && printf 'removed bridge %s\n' "${n_p##*/}"
	done
	net_rules_drop "$CTR_PREFIX:net" || die "iptables: cannot remove the rules of $CTR_PREFIX"
	if iptables -w -t nat -n -L "$NET_CHAIN" >/dev/null 2>&1; then
		iptables -w -t nat -F "$NET_CHAIN" && iptables -w -t nat -X "$NET_CHAIN" &&
			printf 'removed iptables chain: -t nat %s\n' "$NET_CHAIN"
	fi
	if net_nft_exists; then
		nft delete table "bridge" "$CTR_PREFIX" && printf 'removed nft table: %s\n' "$NET_NFT"
	fi
	rm -f "$NET_DIR/layout"
	net_unlock
}

# net_ls: ctr's bridges of this prefix: slice, address, attached containers.
net_ls() {
	printf '%-15s  %-18s  %s\n' BRIDGE ADDRESS CONTAINERS
	for n_p in /sys/class/net/*; do
		[ -d "$n_p/bridge" ] && net_alias "${n_p##*/}" && [ "$NET_ALIAS" = "$CTR_PREFIX:net" ] || continue
		n_a=$(ip -4 -o addr show dev "${n_p##*/}" | awk '{print $4; exit}')
		set -- "$n_p"/brif/*
		[ -e "$1" ] || set --
		printf '%-15s  %-18s  %s\n' "${n_p##*/}" "$n_a" $#
	done
}

#HELP network ls|rm                list ctr's bridges / remove them and their rules (when unused)
ctr_network() {
	[ $# -eq 1 ] || die "usage: ctr.sh network ls|rm"
	pool_ensure
	case $1 in
	ls) net_ls ;;
	rm) net_remove ;;
	*) die "usage: ctr.sh network ls|rm" ;;
	esac
}
