#!/usr/bin/env bats
# antispoof: each bridge port is bound to the MAC and IP ctr gave its container (nftables table
# `bridge <prefix>`). The attacks are performed for real: a container takes a neighbour's MAC and
# IP (NET_ADMIN), or forges frames with the default capabilities (NET_RAW: ethsend); the host
# and the victim count what arrives. Traffic goes only to the test's bridge and containers.

load helper

setup() {
	ctr_setup
	"$CTR" images >/dev/null 2>&1 # make the pool now: its creation message is not a test's output
}

# mac_hex MAC / ip_hex IP: the hex digits of an address, for ethsend.
mac_hex() { echo "${1//:/}"; }
ip_hex() {
	local IFS=.
	# shellcheck disable=SC2086 # split on the dots
	printf '%02x' $1
}

# arp_frame ETHER-SRC SENDER-MAC SENDER-IP TARGET-IP: a broadcast ARP request (gratuitous when
# the sender and target IPs are the same).
arp_frame() {
	echo "ffffffffffff $(mac_hex "$1") 0806 0001 0800 06 04 0001 $(mac_hex "$2") $(ip_hex "$3") 000000000000 $(ip_hex "$4")"
}

# icmp_frame DST-MAC SRC-MAC SRC-IP DST-IP: an ICMP echo request (ethsend fills the checksums).
icmp_frame() {
	echo "$(mac_hex "$1") $(mac_hex "$2") 0800 4500 001c 0000 4000 4001 0000 $(ip_hex "$3") $(ip_hex "$4") 0800 0000 1234 0001"
}

# net ID FIELD: a field of the container's .network (ip, mac, veth).
net() {
	ctr inspect "$1" | jq -r ".network.$2"
}

# in_echos ID: ICMP echo requests the container's kernel took in (its /proc/net/snmp).
in_echos() {
	ctr exec "$1" cat /proc/net/snmp |
		awk '/^Icmp:/ { if (!c) { for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i; next } print $c; exit }'
}

# tx ID: frames the bridge sent to the container's port (its veth's host end).
tx() {
	cat "/sys/class/net/$(net "$1" veth)/statistics/tx_packets"
}

# elements: the elements of the prefix's set, one per line: "GROUP MAC IP".
elements() {
	nft -j list set bridge "$CTR_PREFIX" ports 2>/dev/null | jq -r '.nftables[].set.elem[]?.concat | map(tostring) | join(" ")'
}

# ip_int IP: the address as a number (the interface group of its port).
ip_int() {
	local IFS=.
	# shellcheck disable=SC2086 # split on the dots
	set -- $1
	echo $((($1 << 24) + ($2 << 16) + ($3 << 8) + $4))
}

# group IFNAME: the interface's group, as a 32-bit number.
group() {
	echo $((($(cat "/sys/class/net/$1/netdev_group") + 4294967296) % 4294967296))
}

# bridge_ip: the host's address on the test's bridge (the first of the subnet).
bridge_ip() {
	local b=${CTR_SUBNET%/*}
	echo "${b%.*}.$((${b##*.} + 1))"
}

# listening ID: the container's tcp-server has started listening.
listening() {
	ctr logs "$1" | grep -q '^listening on'
}

@test "antispoof: each port's group is its address, bound to its MAC and IP; --net none and host are unaffected" {
	a=$(ctr run -d busybox sleep 60)
	b=$(ctr run -d busybox sleep 60)
	for c in "$a" "$b"; do
		[ "$(group "v$c")" = "$(ip_int "$(net "$c" ip)")" ]
	done
	[ "$(group "$CTR_BRIDGE")" = "$(ip_int "$(bridge_ip)")" ]
	run elements
	assert_line "$(ip_int "$(net "$a" ip)") $(net "$a" mac) $(net "$a" ip)"
	assert_line "$(ip_int "$(net "$b" ip)") $(net "$b" mac) $(net "$b" ip)"
	[ "${#lines[@]}" -eq 253 ] # every container address of the /24: nothing to add per run
	# the chains filter the ports whose group lies in the subnet, no other
	lo=$(ip_int "${CTR_SUBNET%/*}")
	run nft list chain bridge "$CTR_PREFIX" prerouting
	assert_output --partial "iifgroup $lo-$((lo + 255)) goto port_in"
	run ctr run --rm --net none busybox ip -o link
	assert_success
	run ctr run --rm --net host busybox true
	assert_success
	ctr rm -f "$a" "$b"
}

@test "antispoof: a container with NET_ADMIN takes a neighbour's MAC and IP: it receives none of the host's pings to it" {
	b=$(ctr run -d busybox sleep 120)
	a=$(ctr run -d --cap-add NET_ADMIN busybox sleep 120)
	ipb=$(net "$b" ip) macb=$(net "$b" mac) ipa=$(net "$a" ip)
	# the attack: A becomes B (MAC and IP) and announces it, then answers in B's place
	ctr exec "$a" sh -c "ip link set eth0 down && ip link set eth0 address $macb &&
		ip addr flush dev eth0 && ip addr add $ipb/24 dev eth0 && ip link set eth0 up &&
		arping -c 3 -U -I eth0 -s $ipb $ipb" >/dev/null 2>&1 || :
	[ "$(ctr exec "$a" cat /sys/class/net/eth0/address)" = "$macb" ] # the attack was made
	run busybox ping -c 10 -i 0.1 -W 1 "$ipb"
	assert_line --partial "10 packets transmitted, 10 packets received"
	[ "$(in_echos "$b")" -eq 10 ]
	[ "$(in_echos "$a")" -eq 0 ]
	run ip neigh show dev "$CTR_BRIDGE" to "$ipb"
	assert_output --partial "lladdr $macb "
	# the bridge learned B's MAC on B's port only
	run bridge fdb show br "$CTR_BRIDGE"
	assert_line --partial "$macb dev $(net "$b" veth) "
	refute_line --partial "$macb dev v$a "
	# A is cut off while it pretends (its frames carry B's address on A's port) ...
	run ctr exec "$a" ping -c 1 -W 1 "$(bridge_ip)"
	assert_failure
	# ... and works again as itself
	ctr exec "$a" sh -c "ip link set eth0 down && ip link set eth0 address $(net "$a" mac) &&
		ip addr flush dev eth0 && ip addr add $ipa/24 dev eth0 && ip link set eth0 up &&
		ip route add default via $(bridge_ip)"
	run ctr exec "$a" ping -c 1 -W 2 "$(bridge_ip)"
	assert_success
	ctr rm -f "$a" "$b"
}

@test "antispoof: with the default capabilities, frames with a neighbour's source MAC do not steal its traffic" {
	b=$(ctr run -d busybox sleep 120)
	ipb=$(net "$b" ip) macb=$(net "$b" mac)
	# A sends, every 10 ms for 6 s, a gratuitous ARP in B's name (source MAC and sender: B's)
	a=$(ctr run -d busybox ethsend -n 600 -i 10 eth0 "$(arp_frame "$macb" "$macb" "$ipb" "$ipb")")
	sleep 0.2
	[ "$(ctr inspect "$a" | jq -r .state)" = running ] || fail "ethsend: $(ctr logs "$a")"
	txa=$(tx "$a")
	run busybox ping -c 10 -i 0.2 -W 1 "$ipb"
	assert_line --partial "10 packets transmitted, 10 packets received"
	[ "$(in_echos "$b")" -eq 10 ]
	# what the bridge sent to A's port: a few broadcasts (ARP, more under load), not the 10 pings
	# (stolen, they would all go there: 10 frames and more)
	[ $(($(tx "$a") - txa)) -lt 10 ] || fail "A's port got $(($(tx "$a") - txa)) frames"
	run bridge fdb show br "$CTR_BRIDGE"
	refute_line --partial "$macb dev v$a "
	ctr rm -f "$a" "$b"
}

@test "antispoof: a gratuitous ARP claiming a neighbour's IP does not change the host's neighbour entry" {
	b=$(ctr run -d busybox sleep 120)
	ipb=$(net "$b" ip) macb=$(net "$b" mac)
	busybox ping -c 1 -W 2 "$ipb" >/dev/null # the host has an entry for B
	sleep 1.2 # past the entry's locktime (1 s): a new lladdr would be taken now
	a=$(ctr run -d busybox sleep 120)
	maca=$(net "$a" mac)
	run ctr exec "$a" ethsend -n 5 -i 50 eth0 "$(arp_frame "$maca" "$maca" "$ipb" "$ipb")"
	assert_success
	run ip neigh show dev "$CTR_BRIDGE" to "$ipb"
	assert_output --partial "lladdr $macb "
	refute_output --partial "$maca"
	ctr rm -f "$a" "$b"
}

@test "antispoof: IPv4 with a forged source is dropped, with NET_RAW and with NET_ADMIN; A's own address passes" {
	b=$(ctr run -d busybox sleep 120)
	a=$(ctr run -d --cap-add NET_ADMIN busybox sleep 120)
	ipb=$(net "$b" ip) macb=$(net "$b" mac) ipa=$(net "$a" ip) maca=$(net "$a" mac)
	forged=${CTR_SUBNET%.*}.250
	# raw frames from A's MAC with a source IP that is not A's: B's kernel never sees them
	run ctr exec "$a" ethsend -n 5 eth0 "$(icmp_frame "$macb" "$maca" "$forged" "$ipb")"
	assert_success
	run ctr exec "$a" ethsend -n 5 eth0 "$(icmp_frame "$macb" "$maca" "$(bridge_ip)" "$ipb")"
	assert_success
	[ "$(in_echos "$b")" -eq 0 ]
	# the same with a source address added to eth0
	ctr exec "$a" ip addr add "$forged/24" dev eth0
	run ctr exec "$a" ping -c 3 -W 1 -I "$forged" "$ipb"
	assert_failure
	[ "$(in_echos "$b")" -eq 0 ]
	# the control: the same frame with A's own address arrives (so the count above could fail)
	run ctr exec "$a" ethsend -n 2 eth0 "$(icmp_frame "$macb" "$maca" "$ipa" "$ipb")"
	assert_success
	wait_for test "$(in_echos "$b")" -eq 2
	ctr rm -f "$a" "$b"
}

@test "antispoof: IPv6, VLAN-tagged and other frames from a container do not reach its neighbour" {
	b=$(ctr run -d busybox sleep 120)
	a=$(ctr run -d busybox sleep 120)
	ipb=$(net "$b" ip) macb=$(net "$b" mac) ipa=$(net "$a" ip) maca=$(net "$a" mac)
	txb=$(tx "$b")
	ip6="$(mac_hex "$macb") $(mac_hex "$maca") 86dd 60000000 0008 3a40 fe80000000000000000000000000000a fe80000000000000000000000000000b 8000000000000000"
	vlan="$(mac_hex "$macb") $(mac_hex "$maca") 8100 0005 $(icmp_frame "$macb" "$maca" "$ipa" "$ipb" | cut -d' ' -f3-)"
	other="$(mac_hex "$macb") $(mac_hex "$maca") 88b5 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d"
	for f in "$ip6" "$vlan" "$other"; do
		run ctr exec "$a" ethsend -n 20 eth0 "$f"
		assert_success
	done
	# 60 frames sent to B's MAC: B's port got a few broadcasts at most
	[ $(($(tx "$b") - txb)) -lt 20 ] || fail "B's port got $(($(tx "$b") - txb)) frames"
	ctr rm -f "$a" "$b"
}

@test "antispoof: the bound ports still talk: gateway, neighbours, published ports, ARP both ways" {
	port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
	b=$(ctr run -d --hostname bee -p "127.0.0.1:$port:8080" busybox tcp-server -p 8080)
	ipb=$(net "$b" ip)
	wait_for listening "$b"
	run ctr run --rm busybox sh -c "ping -c 1 -W 2 $(bridge_ip) && tcp-client $ipb 8080 hi-bee"
	assert_success
	assert_line "bee $ipb: echo hi-bee"
	run "$TOP/build/progs/tcp-client" 127.0.0.1 "$port" via-host
	assert_success
	assert_line "bee $ipb: echo via-host"
	run ip neigh show dev "$CTR_BRIDGE" to "$ipb"
	assert_output --partial "lladdr $(net "$b" mac) "
	ctr rm -f "$b"
}

@test "antispoof: cleanup makes a removed table again and binds unbound ports; an unmarked bridge is redone; network rm removes the table" {
	keep=$(ctr run -d busybox sleep 120)
	# `nft flush ruleset` (or by hand): cleanup makes the table again, with the bridge's slice
	nft delete table bridge "$CTR_PREFIX"
	run ctr cleanup
	assert_success
	assert_line "made nft table bridge $CTR_PREFIX again (bridges of slices 0)"
	run elements
	assert_line "$(ip_int "$(net "$keep" ip)") $(net "$keep" mac) $(net "$keep" ip)"
	# a port without its group (made by an older ctr): cleanup binds it
	echo 0 >"/sys/class/net/v$keep/netdev_group"
	run ctr cleanup
	assert_success
	assert_output "bound veth v$keep to $(net "$keep" mac) $(net "$keep" ip)"
	[ "$(group "v$keep")" = "$(ip_int "$(net "$keep" ip)")" ]
	run ctr cleanup
	assert_output ''
	# a bridge made by an older ctr (no group, no table): the next run makes both
	nft delete table bridge "$CTR_PREFIX"
	echo 0 >"/sys/class/net/$CTR_BRIDGE/netdev_group"
	new=$(ctr run -d busybox sleep 120)
	[ "$(group "$CTR_BRIDGE")" = "$(ip_int "$(bridge_ip)")" ]
	run elements
	assert_line "$(ip_int "$(net "$new" ip)") $(net "$new" mac) $(net "$new" ip)"
	run nft list chain bridge "$CTR_PREFIX" port_in
	assert_output --partial "drop"
	ctr rm -f "$keep" "$new"
	run ctr network rm
	assert_success
	assert_line "removed nft table: bridge $CTR_PREFIX"
	run nft list tables bridge
	refute_output --partial "$CTR_PREFIX"
}
