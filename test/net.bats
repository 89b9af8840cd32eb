#!/usr/bin/env bats
# net: bridge networking, --net none/host, -p publishing, parallel allocation, rm and cleanup.
# Traffic goes only to 127.0.0.1, to the test's own bridge and to containers of the test.

load helper

CLIENT="$TOP/build/progs/tcp-client"

setup() {
	ctr_setup
	"$CTR" images >/dev/null 2>&1 # make the pool now: its creation message is not a test's output
}

teardown() {
	# objects made by hand to check that cleanup leaves what is not its own
	[ -z "${FOREIGN_PID:-}" ] || kill -KILL "$FOREIGN_PID" 2>/dev/null
	ip netns del "${CTR_PREFIX}x-0123456789ab" 2>/dev/null
	ip link del "v${CTR_PREFIX#ctrt}000000" 2>/dev/null
	iptables -t nat -D OUTPUT -p tcp --dport 9 -m comment --comment "${CTR_PREFIX}x:0123456789ab" -j RETURN 2>/dev/null
	ctr_teardown
}

# random_port: a host port for -p, unlikely to clash with a test running at the same time.
random_port() {
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
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

# net_objects [ID...]: every netns, veth, iptables rule and address record of the test's prefix
# (or of the given containers only) that still exists, one per line.
net_objects() {
	local ids='[0-9a-f]{12}' l alias
	[ $# -eq 0 ] || ids="($(IFS='|'; echo "$*"))"
	ip netns list 2>/dev/null | grep -E "^$CTR_PREFIX-$ids( |\$)" | sed 's/^/netns /'
	for l in /sys/class/net/v*; do # builtins only: other tests may have a thousand veths
		l=${l##*/}
		[[ $l =~ ^v$ids$ ]] && read -r alias 2>/dev/null <"/sys/class/net/$l/ifalias" &&
			[ "$alias" = "$CTR_PREFIX:${l#v}" ] && echo "veth $l"
	done
	iptables-save | grep -E -- "--comment \"?$CTR_PREFIX:$ids\"?( |\$)" | sed 's/^/rule /'
	grep -lxE "$ids" "$CTR_ROOT"/net/ips/* 2>/dev/null | sed 's/^/record /'
	return 0
}

# exited ID: the container has exited.
exited() {
	[ "$(ctr inspect "$1" | jq -r .state)" = exited ]
}

# no_net_objects [ID...]: nothing of those containers is left (the kernel frees a veth shortly
# after its netns, so this waits a little).
no_net_objects() {
	local i
	for i in $(seq 100); do
		[ -z "$(net_objects "$@")" ] && return 0
		sleep 0.1
	done
	fail "left behind: $(net_objects "$@")"
}

@test "net: the host reaches a server in a container at the container's own IP; data both ways" {
	id=$(ctr run -d busybox tcp-server -p 8080)
	ip=$(ctr inspect "$id" | jq -r .network.ip)
	[[ $ip == "${CTR_SUBNET%.*}".* ]] || fail "IP $ip not in $CTR_SUBNET"
	run ip -4 -o addr show
	refute_output --partial " $ip/"
	wait_for listening "$id"
	run "$CLIENT" "$ip" 8080 "hello-from-host-$CTR_PREFIX"
	assert_success
	assert_line "$id $ip: echo hello-from-host-$CTR_PREFIX"
	run ctr logs "$id"
	assert_line --regexp "^$(bridge_ip):[0-9]+ said: hello-from-host-$CTR_PREFIX\$"
	ctr rm -f "$id"
}

@test "net: inspect shows ip, mac, veth, gateway and bridge, as the kernel has them" {
	id=$(ctr run -d busybox sleep 60)
	run ctr inspect "$id"
	assert_success
	net=$(jq -c .network <<<"$output")
	[ "$(jq -r .mode <<<"$net")" = bridge ]
	[ "$(jq -r .netns <<<"$net")" = null ] # no name: its supervisor holds it
	ns=/proc/$(cat "$CTR_ROOT/containers/$id/pid")/ns/net
	[ "$(jq -r .veth <<<"$net")" = "v$id" ]
	[ "$(jq -r .bridge <<<"$net")" = "$CTR_BRIDGE" ]
	[ "$(jq -r .gateway <<<"$net")" = "$(bridge_ip)" ]
	ip=$(jq -r .ip <<<"$net")
	mac=$(jq -r .mac <<<"$net")
	run nsenter --net="$ns" ip -o -4 addr show dev eth0
	assert_output --partial "inet $ip/24 "
	run nsenter --net="$ns" ip -o link show dev eth0
	assert_output --partial "link/ether $mac "
	run ip -o link show "v$id"
	assert_output --partial "master $CTR_BRIDGE "
	run nsenter --net="$ns" ip route show default
	assert_output --partial "default via $(bridge_ip) dev eth0"
	# IPv4 only: no IPv6 address (link-local included) on either end, so nothing to flood
	run nsenter --net="$ns" ip -o -6 addr show dev eth0
	assert_output ""
	run ip -o -6 addr show dev "v$id"
	assert_output ""
	# the host's end has no IPv6 at all: no route of its own in the host's IPv6 tables (each one
	# would make every interface change on the host walk one more)
	[ "$(cat "/proc/sys/net/ipv6/conf/v$id/disable_ipv6")" = 1 ]
	run ip -6 route show table all dev "v$id"
	assert_output ""
	ctr rm -f "$id"
}

@test "net: hostname, /etc/hosts and /etc/resolv.conf (host's, without loopback resolvers)" {
	run ctr run --rm --hostname web1 busybox sh -c 'hostname; cat /etc/hostname; cat /etc/hosts; echo ---; cat /etc/resolv.conf'
	assert_success
	assert_line --index 0 web1
	assert_line --index 1 web1
	assert_line --regexp "^${CTR_SUBNET%.*}\.[0-9]+	web1\$"
	assert_line --regexp '^127\.0\.0\.1	localhost$'
	want=$(grep -vE '^[[:space:]]*nameserver[[:space:]]+(127\.|::1)' /etc/resolv.conf)
	[ "${output#*---$'\n'}" = "$want" ] || [ "${output#*---}" = "$want" ] || fail "resolv.conf: ${output#*---}"
	refute_output --regexp 'nameserver +127\.'
}

@test "net: an image's /etc/hosts symlink is replaced, never followed out of the rootfs" {
	target="$BATS_TEST_TMPDIR/host-file"
	echo precious >"$target"
	cp -a "$TOP/build/rootfs/busybox" "$BATS_TEST_TMPDIR/img"
	for f in hosts hostname resolv.conf; do
		rm -f "$BATS_TEST_TMPDIR/img/etc/$f"
		ln -s "$target" "$BATS_TEST_TMPDIR/img/etc/$f"
	done
	ctr init "$BATS_TEST_TMPDIR/img" evil >/dev/null
	run ctr run --rm evil cat /etc/hostname
	assert_success
	[ "$(cat "$target")" = precious ]
}

@test "net: two containers listen on 8080 at once, each answers with its own content at its own IP" {
	for n in one two; do
		ctr run -d --name "$n" busybox sh -c "mkdir /www && echo content-$n >/www/index.html && exec httpd -f -p 8080 -h /www"
	done
	ip1=$(ctr inspect one | jq -r .network.ip)
	ip2=$(ctr inspect two | jq -r .network.ip)
	[ "$ip1" != "$ip2" ]
	wait_for curl -fsS -m 2 -o /dev/null "http://$ip1:8080/"
	wait_for curl -fsS -m 2 -o /dev/null "http://$ip2:8080/"
	[ "$(curl -fsS -m 2 "http://$ip1:8080/")" = content-one ]
	[ "$(curl -fsS -m 2 "http://$ip2:8080/")" = content-two ]
	ctr rm -f one two
}

@test "net: container A reaches container B by IP, seen with A's own address" {
	b=$(ctr run -d --hostname bee busybox tcp-server -p 8080)
	ipb=$(ctr inspect "$b" | jq -r .network.ip)
	wait_for listening "$b"
	a=$(ctr run -d busybox tcp-client "$ipb" 8080 hi-bee)
	wait_for exited "$a"
	ipa=$(ctr inspect "$a" | jq -r .network.ip)
	run ctr logs "$a"
	assert_line "bee $ipb: echo hi-bee"
	run ctr logs "$b"
	assert_line --regexp "^$ipa:[0-9]+ said: hi-bee\$"
	ctr rm -f "$a" "$b"
}

@test "net: --net none has only lo and no route out" {
	run ctr run --name nonet --net none busybox sh -c 'ip -o link; echo routes:; ip route; tcp-client -w 1 '"$(bridge_ip)"' 9 x'
	assert_failure 1
	ctr rm nonet
	assert_line --regexp '^1: lo: .*UP'
	refute_line --regexp '^[0-9]+: eth0'
	assert_line --index 1 routes:
	assert_output --partial "Network is unreachable"
	# its own netns, made by nsenter-chroot: no name, no bind mount in the host's mount table
	id=$(ctr run -d --net none busybox sleep 60)
	pid=$(cat "$CTR_ROOT/containers/$id/pid")
	[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ]
	run ls "/proc/$pid/root/sys/class/net"
	assert_output lo
	run ip netns list
	refute_output --partial "$CTR_PREFIX-$id"
	run grep -c "/run/netns/$CTR_PREFIX-$id" /proc/self/mountinfo
	assert_output 0
	[ "$(ctr inspect "$id" | jq -r .network.ip)" = null ]
	[ "$(ctr inspect "$id" | jq -r .network.netns)" = null ]
	run ctr exec "$id" ip -o link
	assert_line --regexp '^1: lo: .*UP'
	refute_line --regexp '^[0-9]+: eth0'
	ctr rm -f "$id"
	no_net_objects "$id"
}

@test "net: --net host shares the host's interfaces and makes no netns" {
	ctr run --rm busybox true # the bridge exists from now on
	run ctr run --rm --net host busybox ip -o link
	assert_success
	assert_output --partial ": $CTR_BRIDGE:"
	run ip netns list
	refute_output --partial "$CTR_PREFIX-"
}

@test "net: -p works from 127.0.0.1, from the bridge address and from another container; gone after rm" {
	port=$(random_port)
	id=$(ctr run -d -p "$port:8080" --hostname pub busybox tcp-server -p 8080)
	ip=$(ctr inspect "$id" | jq -r .network.ip)
	[ "$(ctr inspect "$id" | jq -c '.network.ports[0]')" = \
		"{\"protocol\":\"tcp\",\"host_ip\":\"0.0.0.0\",\"host_port\":$port,\"container_port\":8080}" ]
	wait_for listening "$id"
	run "$CLIENT" 127.0.0.1 "$port" via-lo
	assert_success
	assert_line "pub $ip: echo via-lo"
	run "$CLIENT" "$(bridge_ip)" "$port" via-bridge
	assert_success
	assert_line "pub $ip: echo via-bridge"
	run ctr run --rm busybox tcp-client "$(bridge_ip)" "$port" via-peer
	assert_success
	assert_line "pub $ip: echo via-peer"
	ctr rm -f "$id"
	no_net_objects "$id"
	run "$CLIENT" -w 1 127.0.0.1 "$port" after-rm
	assert_failure 1
}

@test "net: -p on 127.0.0.1 only; a port published twice is a clear error; freed by rm" {
	port=$(random_port)
	id=$(ctr run -d -p "127.0.0.1:$port:8080" busybox tcp-server -p 8080)
	wait_for listening "$id"
	run "$CLIENT" 127.0.0.1 "$port" x
	assert_success
	run "$CLIENT" -w 1 "$(bridge_ip)" "$port" x
	assert_failure 1
	run ctr run --rm -p "$port:80" busybox true
	assert_failure 125
	assert_output "ctr: -p 0.0.0.0:$port/tcp: already published by container $id"
	run ctr run --rm -p "$port:80/udp" busybox true
	assert_success
	ctr rm -f "$id"
	run ctr run --rm -p "$port:80" busybox true
	assert_success
}

@test "net: bad --net and -p values fail with 125 before anything is made" {
	for spec in 8080 0:80 80:65536 1.2.3:80:80 80:80/sctp '[::1]:80:80' 080:80 a:b; do
		run ctr run --rm -p "$spec" busybox true
		assert_failure 125
		assert_output --partial "ctr: -p $spec"
	done
	run ctr run --rm -p 80:80 -p 127.0.0.1:80:81 busybox true
	assert_failure 125
	assert_output "ctr: -p 127.0.0.1:80:81: published twice"
	run ctr run --rm --net bogus busybox true
	assert_failure 125
	run env CTR_SUBNET=10.1.2.3/24 "$CTR" run --rm busybox true
	assert_failure 125
	assert_output --partial "not a network address"
	[ -z "$(ls "$CTR_ROOT/containers")" ]
	[ -z "$(net_objects)" ]
	run ip link show "$CTR_BRIDGE"
	assert_failure
}

@test "net: 50 containers started in parallel get distinct IPs and MACs; rm leaves nothing" {
	ctr run --rm busybox true # import the image first: this test is about the network
	base=$(random_port)
	for i in $(seq 50); do
		ctr run -d -p "$((base + i)):8080" busybox sleep 120 >"$BATS_TEST_TMPDIR/id.$i" 2>&1 &
	done
	wait
	ids=$(cat "$BATS_TEST_TMPDIR"/id.*)
	[ "$(grep -cE '^[0-9a-f]{12}$' <<<"$ids")" -eq 50 ] || fail "runs failed: $ids"
	for id in $ids; do
		ns=/proc/$(cat "$CTR_ROOT/containers/$id/pid")/ns/net
		nsenter --net="$ns" ip -o -4 addr show dev eth0 | awk '{print $4}' >>"$BATS_TEST_TMPDIR/ips"
		nsenter --net="$ns" ip -o link show dev eth0 | grep -o 'link/ether [^ ]*' >>"$BATS_TEST_TMPDIR/macs"
	done
	[ "$(sort -u "$BATS_TEST_TMPDIR/ips" | wc -l)" -eq 50 ]
	[ "$(sort -u "$BATS_TEST_TMPDIR/macs" | wc -l)" -eq 50 ]
	! grep -v "^${CTR_SUBNET%.*}\." "$BATS_TEST_TMPDIR/ips"
	[ "$(iptables-save | grep -c -- "--comment \"\?$CTR_PREFIX:[0-9a-f]\{12\}")" -eq 50 ]
	# the bridge and its shared rules were made once, although 50 runs raced to make them
	[ -z "$(iptables-save | grep -- "$CTR_PREFIX:net" | sort | uniq -d)" ]
	for id in $ids; do
		ctr rm -f "$id" >/dev/null & # in parallel too: teardowns race for the same chain
	done
	wait
	[ -z "$(ctr ps -aq)" ]
	no_net_objects
	[ -z "$(ls /sys/class/net/$CTR_BRIDGE/brif)" ]
}

@test "net: cleanup removes what a run killed with SIGKILL left, at each step" {
	port=$(random_port)
	for step in rules bridge alloc veth addr ports etc; do
		run env CTR_TEST_KILL_AT=$step "$CTR" run -d -p "$port:8080" busybox sleep 60
		assert_failure 137
		run ctr cleanup
		assert_success
		# a container that never started and whose run no longer holds its lock is removed too
		[ -z "$(ctr ps -aq)" ] || fail "step $step: $(ctr ps -a) left behind"
		no_net_objects
	done
	run ctr run --rm -p "$port:8080" busybox true # the port and the bridge are usable again
	assert_success
}

@test "net: cleanup removes the leftovers of runs killed at random moments" {
	ctr run --rm busybox true # the pool, image and bridge exist: the kills land in run's own steps
	for i in $(seq 8); do
		"$CTR" run -d -p "$(random_port):8080" busybox sleep 60 >/dev/null 2>&1 &
		pid=$!
		sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
		kill -KILL "$pid" 2>/dev/null || : # the run may have finished
		wait "$pid" 2>/dev/null || :
	done
	ctr cleanup >/dev/null
	left=$(ctr ps -aq)
	[ -z "$left" ] || ctr rm -f $left >/dev/null
	no_net_objects
}

@test "net: cleanup removes veth, rules and records whose container is gone, and nothing else" {
	id=$(ctr run -d -p "$(random_port):8080" busybox sleep 60)
	ip=$(ctr inspect "$id" | jq -r .network.ip)
	# a process outside the container keeps the netns alive, so its veth outlives the container
	local ns
	ns=$(readlink "/proc/$(cat "$CTR_ROOT/containers/$id/pid")/ns/net")
	nsenter --net="/proc/$(cat "$CTR_ROOT/containers/$id/pid")/ns/net" sleep 60 &
	FOREIGN_PID=$!
	# in it before the container dies (nsenter may not have entered yet)
	wait_for sh -c "[ \"\$(readlink /proc/$FOREIGN_PID/ns/net)\" = '$ns' ]" || fail "nsenter did not enter the netns"
	# the container and its supervisor die unseen (no exit action), then the state is lost
	c=$CTR_ROOT/containers/$id
	kill -KILL "$(cat "$c/shim.pid")" "$(cat "$c/pid")"
	wait_for sh -c "! kill -0 $(cat "$c/pid") 2>/dev/null"
	btrfs subvolume delete "$(tree_path containers "$id")" >/dev/null
	rm -rf "${CTR_ROOT:?}/containers/$id" # the state is lost, the kernel objects are not
	# look-alikes that are not this prefix's, or not ctr's
	ip netns add "${CTR_PREFIX}x-0123456789ab"
	ip link add "v${CTR_PREFIX#ctrt}000000" type bridge
	iptables -t nat -A OUTPUT -p tcp --dport 9 -m comment --comment "${CTR_PREFIX}x:0123456789ab" -j RETURN
	run ctr cleanup
	assert_success
	assert_line "removed veth v$id"
	assert_line --partial "removed iptables rule: -t nat -A $CTR_PREFIX-PORTS"
	assert_line "released ips/$ip (container $id)"
	no_net_objects
	ip netns list 2>/dev/null | grep -q "^${CTR_PREFIX}x-0123456789ab"
	ip link show "v${CTR_PREFIX#ctrt}000000" >/dev/null
	iptables-save | grep -q "${CTR_PREFIX}x:0123456789ab"
	run ctr cleanup
	assert_success
	assert_output ''
}

@test "net: a subnet is spread over several bridges (one per slice), routed to each other" {
	export CTR_SLICE=26 # a /24 in four slices of 64 addresses
	thresh=$(cat /proc/sys/net/ipv4/neigh/default/gc_thresh3)
	a=$(ctr run -d --hostname a busybox tcp-server -p 8080)
	mkdir -p "$CTR_ROOT/net"
	echo 64 >"$CTR_ROOT/net/cursor" # the next address is the first of slice 1
	b=$(ctr run -d --hostname b busybox tcp-server -p 8080)
	ipa=$(ctr inspect "$a" | jq -r .network.ip)
	ipb=$(ctr inspect "$b" | jq -r .network.ip)
	[ "$(ctr inspect "$a" | jq -r .network.bridge)" = "$CTR_BRIDGE" ]
	[ "$(ctr inspect "$b" | jq -r .network.bridge)" = "$CTR_BRIDGE-1" ]
	[ "$ipa" = "${CTR_SUBNET%.*}.2" ] || fail "a got $ipa"
	[ "$ipb" = "${CTR_SUBNET%.*}.66" ] || fail "b got $ipb (expected the first container address of slice 1)"
	wait_for listening "$a"
	wait_for listening "$b"
	run ctr run --rm busybox tcp-client "$ipb" 8080 a-to-b # from slice 0 to slice 1
	assert_success
	assert_line "b $ipb: echo a-to-b"
	run "$CLIENT" "$ipb" 8080 host-to-b
	assert_success
	# a second bridge may raise the host's neighbour table limit, never lower it
	[ "$(cat /proc/sys/net/ipv4/neigh/default/gc_thresh3)" -ge "$thresh" ]
	run ctr network ls
	assert_line --regexp "^$CTR_BRIDGE +${CTR_SUBNET%.*}\.1/26 +1\$"
	assert_line --regexp "^$CTR_BRIDGE-1 +${CTR_SUBNET%.*}\.65/26 +1\$"
	ctr rm -f "$a" "$b"
	run ctr network rm
	assert_success
	assert_line "removed bridge $CTR_BRIDGE-1"
}

@test "net: network rm is refused while a container uses it, then removes bridge, rules and chain" {
	id=$(ctr run -d busybox sleep 60)
	run ctr network rm
	assert_failure 125
	assert_output "ctr: network: in use by 1 container(s): rm them first"
	ip link show "$CTR_BRIDGE" >/dev/null
	ctr rm -f "$id"
	run ctr network rm
	assert_success
	assert_line "removed bridge $CTR_BRIDGE"
	assert_line "removed iptables chain: -t nat $CTR_PREFIX-PORTS"
	run ip link show "$CTR_BRIDGE"
	assert_failure
	run iptables-save
	refute_output --partial "$CTR_PREFIX"
	run ctr run --rm busybox true # made again on demand
	assert_success
	run ctr cleanup --all
	assert_success
	assert_line "removed bridge $CTR_BRIDGE"
	run iptables-save
	refute_output --partial "$CTR_PREFIX"
}

# flows SRC DST: the host's tracked UDP flows from SRC to DST's port 53.
flows() {
	grep -cE "^ipv4 +2 udp +17 +[0-9]+ src=$1 dst=$2 sport=[0-9]+ dport=53 " /proc/net/nf_conntrack || :
}

@test "net attack: a container cannot fill the host's conntrack table: its new flows beyond CTR_CONNTRACK_LIMIT are dropped, a neighbour's are not" {
	[ -r /proc/net/nf_conntrack ] || skip "no /proc/net/nf_conntrack on this kernel"
	# The table (nf_conntrack_max) is the host's, for every flow it NATs, forwards or receives:
	# a container sending UDP to 20,000 ports of its gateway made 20,000 entries in 0.23 s (each
	# kept 30 s), so it could keep the whole table full and every new flow of the host and of its
	# neighbours was dropped. Here with a limit of 20, and 60 DNS queries (UDP, each from its own
	# port) to the host, which answers none of them.
	export CTR_CONNTRACK_LIMIT=20
	a=$(ctr run -d busybox sleep 60)
	b=$(ctr run -d busybox sleep 60)
	ipa=$(ctr inspect "$a" | jq -r .network.ip) ipb=$(ctr inspect "$b" | jq -r .network.ip) gw=$(bridge_ip)
	ctr exec "$a" sh -c 'for i in $(seq 60); do nslookup -timeout=1 x "$1" >/dev/null 2>&1 & done; wait' sh "$gw"
	na=$(flows "$ipa" "$gw")
	ctr exec "$b" sh -c 'for i in $(seq 10); do nslookup -timeout=1 x "$1" >/dev/null 2>&1 & done; wait' sh "$gw"
	nb=$(flows "$ipb" "$gw")
	echo "the attacker: $na flows tracked; its neighbour: $nb"
	[ "$na" -le 20 ] || fail "a container has $na flows tracked, beyond CTR_CONNTRACK_LIMIT=20"
	[ "$na" -ge 10 ] || fail "a container's first flows were dropped too ($na tracked)"
	[ "$nb" -ge 10 ] || fail "the neighbour's flows were dropped ($nb tracked)"
	iptables-save -t mangle | grep -- "--connlimit-above 20 " | grep -q -- "$CTR_PREFIX:net" ||
		fail "no conntrack limit rule: $(iptables-save -t mangle)"
	ctr rm -f "$a" "$b"
	# the rule goes with the network
	run ctr network rm
	assert_success
	run iptables-save -t mangle
	refute_output --partial "$CTR_PREFIX"
}

@test "net: CTR_CONNTRACK_LIMIT must be a number" {
	CTR_CONNTRACK_LIMIT=lots run ctr run --rm busybox true
	assert_failure 125
	assert_output "ctr: CTR_CONNTRACK_LIMIT lots: a number of connections (0: no limit)"
	[ -z "$(ls -A "$CTR_ROOT/containers" 2>/dev/null)" ]
}
