#!/bin/sh
# demo.sh - `ctr.sh demo`: a narrated, self-checking walk through the course assignment
# (../shared/seeds/003: namespaces, rootfs, hostname, ps, veth client/server, cgroup limits,
# two containers on one port, no other runtime), then rootless (../shared/seeds/002: an ordinary
# user, root inside mapped to it outside). Sourced by ctr.sh. Each step prints the
# commands it runs, what it saw, and PASS or FAIL; the demo exits 1 if any step failed.
# Everything it makes (containers, the demo image, step 9's throwaway user with its subordinate
# ids, processes and trees) is removed on exit, even on Ctrl-C.

D_FAIL=0 D_PAUSE='' D_MADE='' D_IMG='' D_RLU='' D_RLP='' D_TUN=''

# d_say / d_cmd: narration; d_cmd also runs the command and shows its output, indented.
d_say() { printf '%s\n' "$*"; }
d_cmd() {
	printf '  $ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/    /'
}
d_verdict() {
	if [ "$1" = 0 ]; then
		printf '  => PASS: %s\n\n' "$2"
	else
		printf '  => FAIL: %s\n\n' "$2"
		D_FAIL=1
	fi
}
# d_ctr ARGS: ctr.sh itself (a new process: the demo shows real commands).
d_ctr() { "$CTR_HOME/ctr.sh" "$@"; }
# d_run ARGS: start a detached container, remember it for the cleanup; D_ID is its ID.
d_run() {
	D_ID=$(d_ctr run -d "$@") || return 1
	D_MADE="$D_MADE $D_ID"
}
d_cleanup() {
	# shellcheck disable=SC2086 # a list of IDs
	[ -z "$D_MADE" ] || d_ctr rm -f $D_MADE >/dev/null 2>&1
	[ -z "$D_IMG" ] || d_ctr rmi -f "$D_IMG" >/dev/null 2>&1
	[ -z "$D_RLU" ] || d_rl_remove
	[ -z "${D_TMP:-}" ] || rm -rf "$D_TMP"
	D_MADE='' D_IMG='' D_TMP='' D_RLU=''
}
d_pause() {
	[ -z "$D_PAUSE" ] && return 0
	printf '[Enter] for the next step ' >&2
	read -r _ </dev/tty || true
}

d_step1() {
	d_say "== 1. Separate network, mount, PID, UTS and IPC namespaces"
	d_run busybox sleep 600 || { d_verdict 1 "run"; return; }
	_c=$D_ID
	_p=$(d_ctr inspect "$_c" | jq .pid)
	d_say "  container $_c, PID 1 is host PID $_p. /proc/PID/ns/* next to the host's (/proc/$$/ns):"
	_bad=0
	for _ns in net mnt pid uts ipc user cgroup; do
		_in=$(readlink "/proc/$_p/ns/$_ns") _out=$(readlink "/proc/$$/ns/$_ns")
		_same=separate
		[ "$_in" != "$_out" ] || _same=shared
		printf '    %-7s container %-22s host %-22s %s\n' "$_ns" "$_in" "$_out" "$_same"
		case $_ns in net | mnt | pid | uts | ipc) [ "$_same" = separate ] || _bad=1 ;; esac
	done
	d_verdict "$_bad" "net, mnt, pid, uts and ipc differ from the host's (user: see run --userns)"
}

d_step2() {
	d_say "== 2. The root filesystem is an argument: ls / shows it"
	D_TMP=$(mktemp -d) || return 1
	cp -a "$CTR_BUSYBOX" "$D_TMP/rootfs" && echo "made for the demo" >"$D_TMP/rootfs/DEMO-ROOTFS"
	d_say "  a copy of the busybox tree with a marker file /DEMO-ROOTFS, imported with ctr.sh init:"
	D_IMG=demo-rootfs-$$
	d_cmd d_ctr init "$D_TMP/rootfs" "$D_IMG" >/dev/null
	_out=$(d_ctr run --rm --net none "$D_IMG" ls /)
	printf '  $ ctr.sh run --rm %s ls /\n%s\n' "$D_IMG" "$(printf '%s\n' "$_out" | paste -sd' ' | sed 's/^/    /')"
	_ok=1
	printf '%s\n' "$_out" | grep -qx DEMO-ROOTFS && ! printf '%s\n' "$_out" | grep -qx boot && _ok=0
	d_verdict "$_ok" "the container's / is the given tree (DEMO-ROOTFS present, the host's /boot absent)"
}

d_step3() {
	d_say "== 3. The hostname is an argument"
	_h=$(d_ctr run --rm --net none --hostname demo-box busybox hostname)
	printf '  $ ctr.sh run --rm --hostname demo-box busybox hostname\n    %s\n' "$_h"
	printf '  host: %s\n' "$(hostname)"
	[ "$_h" = demo-box ] && [ "$(hostname)" != demo-box ]
	d_verdict $? "hostname prints demo-box inside, the host keeps its own"
}

d_step4() {
	d_say "== 4. ps in the container shows only its own processes"
	_out=$(d_ctr run --rm --net none busybox sh -c 'sleep 30 & ps -o pid,args; kill $!')
	printf '  $ ctr.sh run --rm busybox sh -c '\''sleep 30 & ps -o pid,args'\''\n%s\n' "$(printf '%s\n' "$_out" | sed 's/^/    /')"
	_n=$(printf '%s\n' "$_out" | tail -n +2 | wc -l)
	printf '  container: %s processes; host: %s processes\n' "$_n" "$(ps -e --no-headers | wc -l)"
	[ "$_n" -le 4 ] && printf '%s\n' "$_out" | grep -q '^ *1 sh -c'
	d_verdict $? "PID 1 is the container's shell and only its children are listed"
}

d_step5() {
	d_say "== 5. A server started from the container's shell, a client on the host, over the veth pair"
	d_run --hostname server-box busybox sh -c 'exec tcp-server -p 8080' || { d_verdict 1 run; return; }
	_c=$D_ID
	_ip=$(d_ctr inspect "$_c" | jq -r .network.ip)
	_gw=$(d_ctr inspect "$_c" | jq -r .network.gateway)
	d_say "  container $_c: eth0 $_ip (veth $(d_ctr inspect "$_c" | jq -r .network.veth) on the host side)"
	d_say "  host side of the bridge: $_gw"
	sleep 0.3
	d_cmd "$CTR_HOME/build/progs/tcp-client" "$_ip" 8080 "hello from the host"
	_r=$("$CTR_HOME/build/progs/tcp-client" "$_ip" 8080 "ping" 2>&1)
	d_say "  the server's log:"
	d_ctr logs "$_c" | sed 's/^/    /'
	[ "$_ip" != "$_gw" ] && printf '%s\n' "$_r" | grep -q "server-box $_ip: echo ping"
	d_verdict $? "the client on the host ($_gw) and the server in the container ($_ip) exchanged messages"
}

d_step6() {
	d_say "== 6. Resource limits: a memory hog and a CPU hog against cgroup limits"
	d_say "  memhog 16 MiB, then 256 MiB, in a container limited to 64 MiB:"
	_a=$(d_ctr run --rm --net none -m 64m busybox memhog 16 | tail -1)
	printf '  $ ctr.sh run --rm -m 64m busybox memhog 16\n    %s\n' "$_a"
	d_run --net none -m 64m busybox memhog 256 || { d_verdict 1 run; return; }
	_c=$D_ID
	while [ "$(d_ctr inspect "$_c" | jq -r .state)" = running ]; do sleep 0.2; done
	_j=$(d_ctr inspect "$_c")
	printf '  $ ctr.sh run -d -m 64m busybox memhog 256\n%s\n' "$(d_ctr logs "$_c" 2>&1 | tail -2 | sed 's/^/    /')"
	printf '    exit code %s, oom_killed %s\n' "$(printf '%s' "$_j" | jq .exit_code)" "$(printf '%s' "$_j" | jq .oom_killed)"
	[ "$_a" = "done 16 MiB" ] && [ "$(printf '%s' "$_j" | jq '.exit_code == 137 and .oom_killed')" = true ]
	d_verdict $? "the hog under the limit finished; the one 4x over it was OOM-killed (137)"
	cg_detect
	d_say "  cpuhog with 2 threads for 3 s, with --cpus 0.5 and without a limit:"
	d_run --net none --cpus 0.5 busybox cpuhog 3 2 || { d_verdict 1 run; return; }
	_c=$D_ID
	d_say "  the group's quota: $(cat "$(cg_path cpu "$_c" cpu.cfs_quota_us 2>/dev/null)" 2>/dev/null ||
		cat "$(cg_path cpu "$_c" cpu.max)") (period 100000 us)"
	while [ "$(d_ctr inspect "$_c" | jq -r .state)" = running ]; do sleep 0.2; done
	_l=$(d_ctr logs "$_c")
	_u=$(d_ctr run --rm --net none busybox cpuhog 3 2)
	printf '  $ ctr.sh run -d --cpus 0.5 busybox cpuhog 3 2\n    %s\n  $ ctr.sh run --rm busybox cpuhog 3 2\n    %s\n' "$_l" "$_u"
	_pl=$(printf '%s\n' "$_l" | sed -n 's/^cpu_ms=\([0-9]*\) wall_ms=\([0-9]*\)$/\1 \2/p' | awk '{ printf "%d", 100 * $1 / $2 }')
	_pu=$(printf '%s\n' "$_u" | sed -n 's/^cpu_ms=\([0-9]*\) wall_ms=\([0-9]*\)$/\1 \2/p' | awk '{ printf "%d", 100 * $1 / $2 }')
	printf '    limited: %s%% of one core; unlimited: %s%%\n' "${_pl:-?}" "${_pu:-?}"
	[ "${_pl:-100}" -le 60 ]
	d_verdict $? "the CPU limit held two busy threads to at most half a core"
}

d_step7() {
	d_say "== 7. Two containers side by side, both listening on port 8080, blind to each other"
	d_run --hostname box-a busybox tcp-server -p 8080 || { d_verdict 1 run; return; }
	_a=$D_ID
	d_run --hostname box-b busybox tcp-server -p 8080 || { d_verdict 1 run; return; }
	_b=$D_ID
	rm_kill_at ran # test hook (demo:ran:stop, test/demo.bats): stopped with both running
	_ia=$(d_ctr inspect "$_a" | jq -r .network.ip) _ib=$(d_ctr inspect "$_b" | jq -r .network.ip)
	sleep 0.3
	_ra=$("$CTR_HOME/build/progs/tcp-client" "$_ia" 8080 hi 2>&1 | tail -1)
	_rb=$("$CTR_HOME/build/progs/tcp-client" "$_ib" 8080 hi 2>&1 | tail -1)
	printf '  %s:8080 answers: %s\n  %s:8080 answers: %s\n' "$_ia" "$_ra" "$_ib" "$_rb"
	d_say "  ps in each (ctr.sh exec ID ps):"
	_pa=$(d_ctr exec "$_a" ps -o pid,args) _pb=$(d_ctr exec "$_b" ps -o pid,args)
	printf '%s\n' "$_pa" | sed 's/^/    A: /'
	printf '%s\n' "$_pb" | sed 's/^/    B: /'
	case $_ra in *box-a*) ;; *) false ;; esac && case $_rb in *box-b*) ;; *) false ;; esac &&
		[ "$(printf '%s\n' "$_pa" | grep -c tcp-server)" = 1 ] && [ "$(printf '%s\n' "$_pb" | grep -c tcp-server)" = 1 ]
	d_verdict $? "both bound 8080, each answered for itself, each ps shows one server"
}

d_step8() {
	d_say "== 8. No other runtime: every program a run executes, traced with strace -f -e execve"
	if ! command -v strace >/dev/null; then
		d_verdict 1 "strace not installed (apt-get install strace)"
		return
	fi
	_t=$(mktemp) || return 1
	# execveat: ctr-shim runs nsenter-chroot from a sealed fd (its argv[0] names it)
	strace -f -qq -s 4096 -e trace=execve,execveat -e signal=none -o "$_t" "$CTR_HOME/ctr.sh" run --rm busybox true
	_progs=$(sed -n -e 's/.*execve("\([^"]*\)".* = 0$/\1/p' \
		-e 's/.*execveat([0-9]*, "", \["\([^"]*\)".* = 0$/\1/p' "$_t" | xargs -n1 basename | sort -u | paste -sd' ')
	rm -f "$_t"
	printf '  programs: %s\n' "$_progs"
	case " $_progs " in
	*" lxc"* | *" docker"* | *" runc "* | *" crun "* | *" containerd"* | *" podman "* | *" systemd-nspawn "*) false ;;
	*" nsenter-chroot "*) true ;;
	*) false ;;
	esac
	d_verdict $? "only kernel interfaces through ctr's own helpers (no lxc, docker, runc, crun, podman)"
}

d_step9() {
	d_say "== 9. Rootless: an ordinary user runs a container; root inside is that user outside"
	command -v useradd >/dev/null && command -v newuidmap >/dev/null ||
		{ d_verdict 1 "useradd and newuidmap (packages passwd, uidmap) are needed"; return; }
	D_TMP=$(mktemp -d) && chmod 0711 "$D_TMP" || { d_verdict 1 "mktemp"; return; }
	_r=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	D_RLU=ctrrld$_r D_RLP=ctrd9$_r
	D_TUN=$(stat -c %a /dev/net/tun 2>/dev/null) || D_TUN=''
	useradd -r -M -d "$D_TMP/home" -s /bin/sh "$D_RLU" && mkdir -m 0700 "$D_TMP/home" "$D_TMP/run" &&
		chown "$D_RLU:" "$D_TMP/home" "$D_TMP/run" || { d_verdict 1 "cannot make the user $D_RLU"; return; }
	d_say "  a throwaway user $D_RLU (uid $(id -u "$D_RLU"), no capability), a ctr root of the step's own"
	d_say "  ($D_TMP/root: this root's pool is left as it is), then root's one-time step:"
	d_cmd d_rl_root "$CTR_HOME/ctr.sh" rootless-setup "$D_RLU"
	# the step runs --net none: /dev/net/tun (for pasta) gets its mode back at once
	if [ -n "$D_TUN" ] && [ "$(stat -c %a /dev/net/tun)" != "$D_TUN" ]; then
		chmod "$D_TUN" /dev/net/tun && d_say "  (/dev/net/tun put back to $D_TUN: this step runs --net none, without pasta)"
	fi
	d_say "  as $D_RLU (setpriv --reuid, a clean environment), no root from here:"
	_in=$(d_as "$CTR_HOME/ctr.sh" run --rm --net none busybox sh -c 'id; cat /proc/self/uid_map' 2>&1)
	printf '  $ ctr.sh run --rm --net none busybox sh -c '"'"'id; cat /proc/self/uid_map'"'"'\n%s\n' "$(printf '%s\n' "$_in" | sed 's/^/    /')"
	_id=$(d_as "$CTR_HOME/ctr.sh" run -d --net none busybox sleep 600) || { d_verdict 1 "run -d as $D_RLU"; return; }
	_p=$(d_as "$CTR_HOME/ctr.sh" inspect "$_id" | jq -r .pid)
	_hu=$(stat -c %u "/proc/$_p" 2>/dev/null)
	_iu=$(d_as "$CTR_HOME/ctr.sh" exec "$_id" id -u)
	printf '  $ ctr.sh run -d --net none busybox sleep 600; ctr.sh exec ID id -u\n    %s\n' "$_iu"
	printf '  inside: %s; on the host PID %s runs as uid %s (%s); the demo itself runs as uid %s\n' \
		"$_iu" "$_p" "$_hu" "$D_RLU" "$(id -u)"
	case $_in in "uid=0(root) gid=0(root)"*) true ;; *) false ;; esac &&
		[ "$_iu" = 0 ] && [ "$_hu" = "$(id -u "$D_RLU")" ] && [ "$_hu" != 0 ]
	d_verdict $? "uid 0 inside, the user's own uid on the host (then the user and all it made are removed)"
}

# d_rl_root CMD...: CMD (ctr.sh as root) on step 9's own ctr root, pool and prefix.
d_rl_root() {
	env CTR_ROOT="$D_TMP/root" CTR_POOL="$D_TMP/pool" CTR_POOL_SIZE=1G CTR_PREFIX="$D_RLP" "$@"
}

# d_as CMD...: CMD as step 9's user, in a clean environment (its state and trees: its home and
# runtime directory in D_TMP, its directory on the step's pool).
d_as() {
	(cd / && setpriv --reuid="$D_RLU" --regid="$D_RLU" --init-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="$D_TMP/home" CTR_USER_POOL="$D_TMP/root/btrfs/users/$(id -u "$D_RLU")" CTR_RUNTIME_DIR="$D_TMP/run" \
		CTR_LIBEXEC="$CTR_LIBEXEC" CTR_BUSYBOX="$CTR_BUSYBOX" "$@")
}

# d_rl_remove: step 9's user and all it made: its processes (by pid: its containers' too), the
# user, its lines of /etc/subuid and /etc/subgid, the step's root (what its prefix has, its pool,
# its entry in the registry of roots); /dev/net/tun's mode as it was. D_TMP goes after it.
d_rl_remove() {
	if id -u "$D_RLU" >/dev/null 2>&1; then
		for _ in 1 2 3 4 5; do
			for _p in $(ps -u "$D_RLU" -o pid= 2>/dev/null); do kill -KILL "$_p" 2>/dev/null; done
			[ -n "$(ps -u "$D_RLU" -o pid= 2>/dev/null)" ] || break
			sleep 0.2
		done
		userdel "$D_RLU" 2>/dev/null
	fi
	(flock 9 && sed -i "/^$D_RLU:/d" /etc/subuid /etc/subgid) 9>"$CTR_RUN/subids.lock"
	if [ -d "$D_TMP/root" ]; then
		d_rl_root "$CTR_HOME/ctr.sh" cleanup --all >/dev/null 2>&1
		! mountpoint -q "$D_TMP/root/btrfs" || umount "$D_TMP/root/btrfs" || umount -l "$D_TMP/root/btrfs"
		[ "$(cat "$CTR_RUN/roots/$D_RLP" 2>/dev/null)" != "$(realpath -m "$D_TMP/root")" ] || rm -f "$CTR_RUN/roots/$D_RLP"
	fi
	[ -z "$D_TUN" ] || chmod "$D_TUN" /dev/net/tun
	D_RLU='' D_TUN=''
}

#HELP demo [--step N] [--pause]    narrated, self-checking tour of the assignment (exit 1 if a step fails)
ctr_demo() {
	_only=''
	while [ $# -gt 0 ]; do
		case $1 in
		--step) need_arg "$@"; _only=$2; shift ;;
		--pause) D_PAUSE=1 ;;
		*) die "usage: ctr.sh demo [--step N] [--pause]" ;;
		esac
		shift
	done
	case $_only in '' | [1-9]) ;; *) die "demo: --step $_only: steps are 1 to 9" ;; esac
	pool_ensure
	image_resolve busybox >/dev/null
	trap 'd_cleanup' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	for _s in 1 2 3 4 5 6 7 8 9; do
		[ -z "$_only" ] || [ "$_only" = "$_s" ] || continue
		"d_step$_s"
		d_cleanup
		d_pause
	done
	if [ "$D_FAIL" = 0 ]; then d_say "demo: every step passed"; else d_say "demo: some step FAILED"; fi
	return "$D_FAIL"
}
