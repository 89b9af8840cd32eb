#!/bin/sh
# net.sh - container networking. Sourced by ctr.sh. (minimal: own netns with lo only; bridge to come)

net_validate() { :; }
net_alloc() { :; }

# net_setup CID MODE: create the container's network namespace.
net_setup() {
	[ "$2" = host ] && return 0
	ip netns add "$CTR_PREFIX-$1" && ip -n "$CTR_PREFIX-$1" link set lo up
}

# net_teardown CID: remove every network object of the container (idempotent).
net_teardown() {
	[ ! -e "/run/netns/$CTR_PREFIX-$1" ] || ip netns del "$CTR_PREFIX-$1"
}

# net_inspect CID: JSON object with the container's network facts.
net_inspect() {
	printf '{"netns":"%s"}\n' "$CTR_PREFIX-$1"
}

# net_cleanup: remove network objects of this prefix that belong to no container.
net_cleanup() {
	for _ns in $(ip netns list | awk '{print $1}'); do
		case $_ns in "$CTR_PREFIX"-*) ;; *) continue ;; esac
		[ -d "$CTR_ROOT/containers/${_ns#"$CTR_PREFIX"-}" ] && continue
		ip netns del "$_ns" && printf 'removed netns %s\n' "$_ns"
	done
}

# net_remove: remove the bridge and the rules (refused while a container uses them).
net_remove() { :; }
