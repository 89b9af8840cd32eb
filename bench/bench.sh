#!/bin/sh
# bench.sh - `make bench`: what a container start costs with ctr, next to the bocker way, runc, crun,
# ctr-oci (ctr's OCI runtime, on runc's and crun's bundle) and the bare kernel floor, all on the same
# busybox root filesystem and measured in the same run; the throughput of BENCH_TPUT starts one
# after another (ctr next to runc); how start time and memory behave as N containers run; rm time;
# pull time next to skopeo + umoci; push time next to skopeo copy; build time (cold, cached) next to
# buildah bud.
# Each measurement is one function call (one_shot, throughput, ramp, rm_rows, pull_row, push_row,
# build_row): a new row
# is one more call in one_shot_rows or throughput_rows.
#
# Usage: bench/bench.sh            (as root; needs no terminal)
# Environment:
#   BENCH_RUNS (20), BENCH_WARMUP (3)  timed and warm-up runs of each one-shot row
#   BENCH_ROUNDS (4)       the one-shot rows take turns: each round times every row BENCH_RUNS /
#                          BENCH_ROUNDS times (its warm-ups in the first round, one in the others),
#                          so that a row and runc's are timed in the same minutes
#   BENCH_TPUT (200)       starts one after another in each throughput row (ctr and runc)
#   BENCH_MAX_N (1000)     most detached containers; checkpoints at 1, 10, 100, 1000, 4000, 10000 up to
#                          it (make bench BENCH_MAX_N=10000: about 1.5 h on a 2-core VM)
#   BENCH_RM_SAMPLE (10)   containers removed one at a time and timed (among 10 running, and at the
#                          end among BENCH_MAX_N); the rest go in parallel
#   BENCH_PULL_RUNS (3)    timed runs of each pull row (after 1 warm-up)
#   BENCH_BUILD (1)        0: no build rows (ctr.sh build next to buildah bud, which they need)
#   BENCH_ROOTLESS (1)     0: no rootless rows (ctr.sh run as a throwaway user the bench makes, after
#                          rootless-setup, next to rootless podman where podman is installed)
#   BENCH_BUILD_RUNS (5)   timed runs of each build row (after 1 warm-up)
#   BENCH_OUT (bench/results.md)   where the Markdown report goes; it is also printed on stdout
#   BENCH_KEEP             set: keep the work directory (hyperfine's JSON and log) and say where
# Timing: hyperfine (-N: no shell in between) with --export-json; the report shows medians and
# min/max in milliseconds. Progress goes to stderr, the hyperfine log to the work directory.
# Isolation: the bench makes everything under its own names: a work directory in /var/tmp holding
# CTR_ROOT on its own loopback btrfs pool; CTR_PREFIX `cb` + 4 hex, which also names the bocker
# objects and the runc/crun cgroups; its own bridges and subnets. The EXIT trap (also on INT, TERM,
# HUP) kills what runs and removes every netns, link, cgroup, iptables rule, the registry and the pool,
# and the rootless rows' user (ctrrl + the prefix: its processes, its subordinate ids, /dev/net/tun's mode).
# Exit status: 0 when the report was written (rows that could not run say why in it), 1 otherwise.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd -P) || exit 1
CTR=$TOP/ctr.sh
ROOTFS=$TOP/build/rootfs/busybox
: "${BENCH_RUNS:=20}" "${BENCH_WARMUP:=3}" "${BENCH_MAX_N:=1000}" "${BENCH_RM_SAMPLE:=10}" "${BENCH_TPUT:=200}"
: "${BENCH_PULL_RUNS:=3}" "${BENCH_OUT:=$TOP/bench/results.md}" "${BENCH_KEEP:=}"
: "${BENCH_BUILD:=1}" "${BENCH_BUILD_RUNS:=5}" "${BENCH_ROOTLESS:=1}" "${BENCH_ROUNDS:=4}"
W='' HF_PID='' BH='' RL_U='' RL_TUN='' RL_NOTE='' RL_AS='' RL_PODMAN='' RL_PODMAN_NOTE='' RL_OK='' OS_ROUND=1
TAB='	'

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

# ---------------------------------------------------------------- set-up and teardown

# preflight: root, the tools, a built tree; paths without blanks (hyperfine -N splits on them).
preflight() {
	[ "$(id -u)" = 0 ] || die "must be run as root"
	for _t in hyperfine:hyperfine jq:jq btrfs:btrfs-progs ip:iproute2 cgcreate:cgroup-tools \
		runc:runc crun:crun skopeo:skopeo umoci:umoci docker-registry:docker-registry; do
		command -v "${_t%%:*}" >/dev/null 2>&1 || die "${_t%%:*}: not found (apt-get install ${_t#*:})"
	done
	[ -x "$ROOTFS/bin/busybox" ] || die "$ROOTFS: not built (make image)"
	[ -x "$TOP/build/ctr-shim" ] && [ -x "$TOP/build/nsenter-chroot" ] && [ -x "$TOP/build/ctr-oci" ] ||
		die "helpers not built (make helpers)"
	case $TOP in *[[:space:]]*) die "$TOP: a path with blanks cannot be benchmarked" ;; esac
	case $BENCH_MAX_N$BENCH_RUNS$BENCH_WARMUP$BENCH_RM_SAMPLE$BENCH_PULL_RUNS$BENCH_TPUT$BENCH_BUILD$BENCH_BUILD_RUNS$BENCH_ROOTLESS$BENCH_ROUNDS in
	*[!0-9]*) die "BENCH_MAX_N, BENCH_RUNS, BENCH_WARMUP, BENCH_RM_SAMPLE, BENCH_PULL_RUNS, BENCH_TPUT, BENCH_BUILD, BENCH_BUILD_RUNS, BENCH_ROOTLESS, BENCH_ROUNDS: numbers" ;;
	esac
	[ "$BENCH_MAX_N" -ge 1 ] && [ "$BENCH_RUNS" -ge 1 ] && [ "$BENCH_TPUT" -ge 1 ] && [ "$BENCH_BUILD_RUNS" -ge 1 ] &&
		[ "$BENCH_ROUNDS" -ge 1 ] || die "BENCH_MAX_N, BENCH_RUNS, BENCH_TPUT, BENCH_BUILD_RUNS and BENCH_ROUNDS: at least 1"
}

# free_octet FROM COUNT: a second octet X in [FROM, FROM+COUNT) such that no address or route of the
# host is in 10.X.0.0/16.
free_octet() {
	_used=$( { ip -4 -o addr show; ip -4 route show table all; } 2>/dev/null)
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		_x=$(($1 + $(od -An -N1 -tu1 /dev/urandom | tr -d ' ') % $2))
		printf '%s\n' "$_used" | grep -Eq "(^|[^0-9.])10\.$_x\." || { echo "$_x"; return 0; }
	done
	return 1
}

# names: the bench's own prefix, work directory, pool, bridges and subnets (exported for ctr.sh).
names() {
	_r=$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
	P=cb$_r
	W=$(mktemp -d "/var/tmp/ctr-bench.$_r.XXXXXX") || die "cannot make a work directory"
	_a=$(free_octet 160 30) && _b=$(free_octet 190 10) || die "no free 10.X.0.0/16 for the bench"
	export CTR_PREFIX="$P" CTR_ROOT="$W/root" CTR_POOL="$W/pool" CTR_POOL_SIZE=8G
	export CTR_BRIDGE="${P}c" CTR_SUBNET="10.$_a.0.0/16"
	BR_BOCKER=${P}k NET_BOCKER=10.$_b.$(($(od -An -N1 -tu1 /dev/urandom | tr -d ' ') % 250))
}

# snapshot: run a copy of ctr.sh, its shell parts and its built helpers, so that the whole run measures
# one version even if the checkout changes meanwhile (ctr.sh finds its parts next to itself).
snapshot() {
	CTR_VERSION_GIT=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)
	mkdir -p "$W/ctr/helpers" "$W/ctr/build" && cp -p "$TOP/ctr.sh" "$W/ctr/" &&
		cp -p "$TOP"/helpers/*.sh "$W/ctr/helpers/" &&
		find "$TOP/build" -maxdepth 1 -type f -perm -u+x -exec cp -p -t "$W/ctr/build/" {} + ||
		die "cannot copy ctr to $W/ctr"
	CTR=$W/ctr/ctr.sh
	export CTR_LIBEXEC="$W/ctr/build" CTR_BUSYBOX="$ROOTFS"
}

# kill_cgroup DIR: SIGKILL every process in a group tree, then remove the tree (children first).
kill_cgroup() {
	[ -d "$1" ] || return 0
	# shellcheck disable=SC2038 # what goes through xargs are PIDs, not file names
	find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$1" ] || return 0
		sleep 0.1
	done
	say "cgroup $1: could not be removed"
}

# sweep_iptables: delete every rule whose comment starts with "$P:" in one atomic restore per table.
sweep_iptables() {
	for _t in nat filter mangle; do
		_rules=$(iptables-save -t "$_t" 2>/dev/null | grep -- "--comment \"\{0,1\}$P:" | sed 's/^-A /-D /')
		[ -n "$_rules" ] || continue
		printf '*%s\n%s\nCOMMIT\n' "$_t" "$_rules" | iptables-restore --noflush ||
			say "iptables -t $_t: some rules of $P could not be removed"
	done
	# the published-port chain of the prefix (net.sh: <prefix>-PORTS), empty once its rules are gone
	iptables -t nat -X "$P-PORTS" 2>/dev/null
	return 0
}

# sweep: remove every object of the bench, whatever state it was left in (the EXIT trap).
sweep() {
	_rc=$?
	trap - EXIT INT TERM HUP
	[ -n "$W" ] || exit "$_rc"
	say "removing the bench's objects ($P)"
	if [ -n "$HF_PID" ]; then
		kill -TERM "-$HF_PID" 2>/dev/null
		for _ in $(seq 100); do
			kill -0 "-$HF_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "-$HF_PID" 2>/dev/null
	fi
	[ -f "$W/registry/registry.pid" ] && kill "$(cat "$W/registry/registry.pid")" 2>/dev/null
	buildah_sweep
	rootless_sweep
	runc_ramp_rm
	for _f in "$CTR_ROOT"/containers/*/pid "$CTR_ROOT"/containers/*/shim.pid; do
		[ -f "$_f" ] && kill -KILL "$(cat "$_f")" 2>/dev/null
	done
	for _ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $_ns in "$P"-*) ;; *) continue ;; esac
		ip netns pids "$_ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$_ns" 2>/dev/null
	done
	for _cg in /sys/fs/cgroup/*/"$P" /sys/fs/cgroup/"$P"; do kill_cgroup "$_cg"; done
	sweep_iptables
	for _l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		case $_l in "$P"*) ip link del "$_l" 2>/dev/null ;; esac
	done
	nft delete table bridge "$P" 2>/dev/null # the anti-spoofing table (helpers/net.sh)
	# the host-wide registry's entry of this root (helpers/storage.sh)
	[ "$(cat "/run/ctr/roots/$P" 2>/dev/null)" != "$(realpath -m "$CTR_ROOT")" ] || rm -f "/run/ctr/roots/$P"
	for _m in "$CTR_ROOT/btrfs" "$CTR_ROOT"; do # the pool (on CTR_ROOT itself in the earlier layout)
		mountpoint -q "$_m" 2>/dev/null || continue
		umount "$_m" 2>/dev/null || umount -l "$_m"
	done
	if [ -n "$BENCH_KEEP" ]; then
		rm -f "$CTR_POOL"
		say "work directory kept: $W"
	else
		rm -rf "$W"
	fi
	exit "$_rc"
}

# buildah_sweep: the build rows' buildah store ($W/buildah): its containers and images removed, then
# whatever it still has mounted (its overlay mounts, the store's own bind mount), deepest first.
buildah_sweep() {
	[ -d "$W/buildah" ] || return 0
	if [ -n "$BH" ] && command -v buildah >/dev/null 2>&1; then
		# shellcheck disable=SC2086 # BH: the store's options, one word each
		buildah $BH rm --all >/dev/null 2>&1
		# shellcheck disable=SC2086
		buildah $BH rmi --all --force >/dev/null 2>&1
	fi
	awk -v d="$W/buildah/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r _m; do
		umount "$_m" 2>/dev/null || umount -l "$_m"
	done
	rm -rf "$W/buildah"
}

# rootless_sweep: the rootless rows' user: its processes (by pid: its containers, pastas, podman's
# pause process), the user, its lines of /etc/subuid and /etc/subgid; /dev/net/tun's mode back.
rootless_sweep() {
	[ -n "$RL_U" ] || return 0
	if id -u "$RL_U" >/dev/null 2>&1; then
		for _ in 1 2 3; do
			for _p in $(ps -u "$RL_U" -o pid= 2>/dev/null); do kill -KILL "$_p" 2>/dev/null; done
			[ -n "$(ps -u "$RL_U" -o pid= 2>/dev/null)" ] || break
			sleep 0.2
		done
		userdel "$RL_U" 2>/dev/null || say "user $RL_U: could not be removed"
	fi
	(flock 9 && sed -i "/^$RL_U:/d" /etc/subuid /etc/subgid) 9>/run/ctr/subids.lock
	[ -z "$RL_TUN" ] || chmod "$RL_TUN" /dev/net/tun
}

# ---------------------------------------------------------------- measuring

# hf NAME CMD [HYPERFINE_OPTION...]: time CMD (no shell) into $W/NAME.json. On failure, the
# command's last line of output goes to $W/NAME.err and hf fails.
hf() {
	_hn=$1 _hcmd=$2
	shift 2
	# its own process group, waited for in the background: a signal to the bench runs the trap at
	# once, and sweep stops hyperfine and the command it is timing together
	setsid hyperfine -N --show-output --export-json "$W/$_hn.json" "$@" "$_hcmd" >"$W/$_hn.log" 2>&1 </dev/null &
	HF_PID=$!
	wait "$HF_PID"
	_hrc=$?
	HF_PID=''
	printf '\n=== %s: %s\n' "$_hn" "$_hcmd" | cat - "$W/$_hn.log" >>"$W/hyperfine.log"
	[ "$_hrc" -eq 0 ] && return 0
	grep -v '^Error: Command terminated\|^Benchmark\|^ *$\|^[0-9a-f]\{12\}$' "$W/$_hn.log" | tail -n 1 |
		cut -c1-120 >"$W/$_hn.err"
	return 1
}

# times_ms NAME: every run's wall time from $W/NAME.json, in ms, one per line, in run order.
times_ms() {
	jq -r '.results[].times[] * 1000' "$W/$1.json"
}

# stats: "median min max count" of the numbers on stdin (nothing when there are none).
stats() {
	sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1
		m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%.1f %.1f %.1f %d\n", m, a[1], a[NR], NR }'
}

# one_shot NAME LABEL WHAT CMD: a row of the first table, in round OS_ROUND (one_shot_rows): CMD timed
# OS_RUNS times after the warm-ups (BENCH_WARMUP in the first round, one after it), its times added
# to NAME.times; t1.rows gets "NAME<tab>LABEL<tab>WHAT" in the first round. A row that fails once
# is not run again: NAME.err says why.
one_shot() {
	[ "$OS_ROUND" -gt 1 ] || printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$W/t1.rows"
	[ ! -e "$W/$1.err" ] || return 0
	say "$1 (round $OS_ROUND of $BENCH_ROUNDS): $4"
	_ow=1
	[ "$OS_ROUND" -gt 1 ] || _ow=$BENCH_WARMUP
	if hf "$1" "$4" --warmup "$_ow" --runs "$OS_RUNS"; then
		times_ms "$1" >>"$W/$1.times"
	else
		[ -s "$W/$1.err" ] || echo "hyperfine failed" >"$W/$1.err"
		say "$1: could not run: $(cat "$W/$1.err")"
	fi
}

# one_shot_note NAME LABEL NOTE: a row of the first table that could not be measured (first round).
one_shot_note() {
	[ "$OS_ROUND" -gt 1 ] || printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$W/t1.rows"
	[ "$OS_ROUND" -gt 1 ] || printf '%s\n' "$3" >"$W/$1.note"
}

# one_shot_table: t1.tsv from t1.rows and the rows' times: "NAME<tab>LABEL<tab>WHAT<tab>median min
# max" (table1 adds the ratio to runc); a row without times gets its note or error as WHAT.
one_shot_table() {
	: >"$W/t1.tsv"
	while IFS=$TAB read -r _tn _tl _tw; do
		if [ -e "$W/$_tn.note" ]; then
			printf '%s\t%s\t%s\t\n' "$_tn" "$_tl" "$_tw"
		elif _os=$(stats <"$W/$_tn.times" 2>/dev/null); then
			printf '%s\t%s\t%s\t%s\n' "$_tn" "$_tl" "$_tw" "${_os% *}"
			say "$_tn: median ${_os%% *} ms of ${_os##* } runs"
		else
			printf '%s\t%s\t%s\t\n' "$_tn" "$_tl" "could not run: $(cat "$W/$_tn.err" 2>/dev/null)"
		fi
	done <"$W/t1.rows" >>"$W/t1.tsv"
}

# table1: the first table from t1.tsv, with each median as a multiple of runc's.
table1() {
	printf '| | what is timed | median | min | max | median / runc |\n|---|---|---:|---:|---:|---:|\n'
	awk -F '\t' '{ n[NR] = $1; l[NR] = $2; w[NR] = $3; v[NR] = $4; if ($1 == "runc") r = $4 + 0 }
		END { for (i = 1; i <= NR; i++) {
			split(v[i], m, " ")
			x = (r > 0 && v[i] != "") ? sprintf("%.2fx", m[1] / r) : ""
			printf "| %s | %s | %s | %s | %s | %s |\n", l[i], w[i], m[1], m[2], m[3], x } }' "$W/t1.tsv"
}

# cgroup_mode: v1, hybrid (v1 controllers and systemd's empty cgroup2) or v2.
cgroup_mode() {
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo v2
	elif awk '$3 == "cgroup2" { f = 1 } END { exit !f }' /proc/self/mounts; then
		echo hybrid
	else
		echo v1
	fi
}

# ---------------------------------------------------------------- the rows

# prime: the first run creates the pool, imports the busybox image and makes the bridge: not timed.
prime() {
	say "work directory $W, prefix $P, subnet $CTR_SUBNET"
	"$CTR" run --rm --net none busybox true || die "ctr.sh run --rm --net none busybox true: failed"
	"$CTR" run --rm busybox true || die "ctr.sh run --rm busybox true: failed"
	mkdir "$CTR_ROOT/btrfs/bocker" && btrfs subvolume create "$CTR_ROOT/btrfs/bocker/base" >/dev/null &&
		cp -a "$ROOTFS/." "$CTR_ROOT/btrfs/bocker/base/" || die "bocker: cannot make the base subvolume"
	ip link add "$BR_BOCKER" type bridge && ip addr add "$NET_BOCKER.1/24" dev "$BR_BOCKER" &&
		ip link set "$BR_BOCKER" up || die "bocker: cannot make bridge $BR_BOCKER"
	sh "$TOP/bench/oci-bundle.sh" "$W/bundle" "$ROOTFS" "/$P/oci" || die "cannot make the OCI bundle"
	# the ramp's reference (ramp): runc's detached `sleep 1d`, a cgroup of its own per container
	# (no cgroupsPath: runc's default, /ID under the caller's group)
	mkdir "$W/sbundle" && jq '.process.args = ["sleep", "1d"] | del(.linux.cgroupsPath)' "$W/bundle/config.json" \
		>"$W/sbundle/config.json" || die "cannot make the ramp's OCI bundle"
}

# crun_cmd: crun 1.8 refuses hybrid cgroups: there it runs in a private mount namespace where a
# tmpfs hides the (controller-less) cgroup2 mount, so that it sees plain v1.
crun_cmd() {
	_c="crun --root $W/crun run --bundle $W/bundle $P-crun"
	if [ "$(cgroup_mode)" = hybrid ]; then
		_u=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
		printf "unshare -m sh -c 'mount -t tmpfs none %s && exec %s'" "$_u" "$_c"
	else
		printf '%s' "$_c"
	fi
}

# ctr_oci_wrapped_cmd: ctr-oci run inside the wrapper crun needs on hybrid hosts, so that the two
# rows differ only in the runtime.
ctr_oci_wrapped_cmd() {
	_u=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	printf "unshare -m sh -c 'mount -t tmpfs none %s && exec %s'" "$_u" \
		"$W/ctr/build/ctr-oci --root $W/ctr-oci run --bundle $W/bundle $P-ctroci"
}

# shellcheck disable=SC2016 # Markdown backquotes
crun_what() {
	if [ "$(cgroup_mode)" = hybrid ]; then
		echo '`unshare -m` + a tmpfs over the cgroup2 mount (crun 1.8 refuses hybrid cgroups), then `crun run` of the same bundle'
	else
		echo '`crun run` of the same bundle'
	fi
}

# one_shot_rows: the first table: BENCH_ROUNDS rounds of every row (one_shot_round), then t1.tsv.
one_shot_rows() {
	: >"$W/t1.rows"
	OS_RUNS=$(((BENCH_RUNS + BENCH_ROUNDS - 1) / BENCH_ROUNDS))
	OS_ROUND=1
	while [ "$OS_ROUND" -le "$BENCH_ROUNDS" ]; do
		one_shot_round
		OS_ROUND=$((OS_ROUND + 1))
	done
	one_shot_table
}

# one_shot_round: every row of the first table once (one_shot: round OS_ROUND).
# shellcheck disable=SC2016 # Markdown backquotes
one_shot_round() {
	one_shot floor "floor" '`unshare -fmuipn --mount-proc chroot ROOTFS true`' \
		"unshare -fmuipn --mount-proc chroot $ROOTFS true"
	one_shot bocker "bocker way" '`bench/bocker-run.sh`: veth on a bridge, netns, 5 `ip netns exec`, btrfs snapshot, `cgcreate` + 2 `cgset`, `cgexec … ip netns exec … unshare -fmuip --mount-proc chroot SNAPSHOT true`, teardown' \
		"sh $TOP/bench/bocker-run.sh $CTR_ROOT/btrfs/bocker/base $P $BR_BOCKER $NET_BOCKER true"
	one_shot runc "runc" '`runc run` of a `runc spec` bundle (rootfs read-only in place, new netns)' \
		"runc --root $W/runc run --bundle $W/bundle $P-runc"
	one_shot crun "crun" "$(crun_what)" "$(crun_cmd)"
	one_shot ctr_oci "ctr-oci" '`ctr-oci run` of the same bundle: create + start + wait + delete' \
		"$W/ctr/build/ctr-oci --root $W/ctr-oci run --bundle $W/bundle $P-ctroci"
	[ "$(cgroup_mode)" != hybrid ] ||
		one_shot ctr_oci_wrapped "ctr-oci, as crun" '`ctr-oci run` behind the same `unshare -m` + tmpfs as crun (same work around it)' \
			"$(ctr_oci_wrapped_cmd)"
	one_shot ctr_none "ctr, --net none" '`ctr.sh run --rm --net none busybox true`' \
		"$CTR run --rm --net none busybox true"
	one_shot ctr_bridge "ctr, bridge" '`ctr.sh run --rm busybox true`' "$CTR run --rm busybox true"
	rootless_rows
}

# rootless_prepare: the rootless rows' user (RL_U, a system user: useradd gives it no subordinate
# ids, rootless-setup does), its home and runtime directory in $W, the one-time root step, its first
# runs (its busybox image, untimed); RL_AS = the prefix that runs a command as it (setpriv, its
# groups, no capability, a clean environment). rootless podman's store in its home, ctr's busybox
# loaded into it, where podman is installed. Fails with RL_NOTE.
rootless_prepare() {
	[ "$BENCH_ROOTLESS" != 0 ] || { RL_NOTE="not measured (BENCH_ROOTLESS=0)"; return 1; }
	RL_U=ctrrl$P
	RL_TUN=$(stat -c %a /dev/net/tun 2>/dev/null) || RL_TUN=''
	chmod 0711 "$W" && useradd -r -M -d "$W/home" -s /bin/sh "$RL_U" && mkdir -m 0700 "$W/home" "$W/run-user" &&
		chown "$RL_U:" "$W/home" "$W/run-user" || { RL_NOTE="cannot make the user $RL_U"; return 1; }
	"$CTR" rootless-setup "$RL_U" >/dev/null 2>"$W/rootless.err" || { RL_NOTE="rootless-setup: $(tail -n 1 "$W/rootless.err")"; return 1; }
	RL_AS="setpriv --reuid=$RL_U --regid=$RL_U --init-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=$W/home"
	RL_AS="$RL_AS XDG_RUNTIME_DIR=$W/run-user CTR_USER_POOL=$CTR_ROOT/btrfs/users/$(id -u "$RL_U")"
	RL_AS="$RL_AS CTR_LIBEXEC=$CTR_LIBEXEC CTR_BUSYBOX=$CTR_BUSYBOX"
	for _n in none bridge; do
		# shellcheck disable=SC2086 # RL_AS: words
		(cd / && $RL_AS "$CTR" run --rm --net "$_n" busybox true) 2>"$W/rootless.err" ||
			{ RL_NOTE="ctr.sh run --rm --net $_n busybox true as $RL_U: $(tail -n 1 "$W/rootless.err")"; return 1; }
	done
	RL_PODMAN=''
	command -v podman >/dev/null 2>&1 || { RL_PODMAN_NOTE="podman not installed"; return 0; }
	# overlay in the user's namespace (the kernel's, no fuse-overlayfs); runc: crun 1.8 refuses hybrid cgroups
	_pm="podman --storage-driver overlay --root $W/home/podman --runroot $W/run-user/podman"
	# shellcheck disable=SC2086 # RL_AS, _pm: words
	"$CTR" save -o "$W/home/busybox.oci" busybox && chown "$RL_U:" "$W/home/busybox.oci" &&
		(cd / && $RL_AS $_pm load -q -i "$W/home/busybox.oci" && $RL_AS $_pm run --runtime runc --rm --network none busybox true &&
			$RL_AS $_pm run --runtime runc --rm busybox true) >"$W/podman.err" 2>&1 ||
		{ RL_PODMAN_NOTE="podman: $(grep -v '^time=.*level=warning' "$W/podman.err" | tail -n 1)"; return 0; }
	RL_PODMAN="$RL_AS $_pm run --runtime runc --rm"
	RL_PODMAN_NOTE="$(podman --version), runc, overlay storage; its default rootless network: slirp4netns"
}

# shellcheck disable=SC2016 # Markdown backquotes
rootless_rows() {
	[ "$OS_ROUND" -gt 1 ] || { rootless_prepare && RL_OK=1; }
	if [ -z "$RL_OK" ]; then
		one_shot_note ctr_rootless "ctr, rootless" "$RL_NOTE"
		return 0
	fi
	one_shot ctr_rootless_none "ctr, rootless, --net none" '`ctr.sh run --rm --net none busybox true` as an unprivileged user (behind `setpriv … env -i`)' \
		"$RL_AS $CTR run --rm --net none busybox true"
	one_shot ctr_rootless "ctr, rootless (pasta)" '`ctr.sh run --rm busybox true` as the same user: user-mode networking, pasta' \
		"$RL_AS $CTR run --rm busybox true"
	if [ -z "$RL_PODMAN" ]; then
		one_shot_note podman_rootless "podman, rootless" "could not run: $RL_PODMAN_NOTE"
		return 0
	fi
	one_shot podman_rootless_none "podman, rootless, --network none" "\`podman run --rm --network none busybox true\` as the same user ($RL_PODMAN_NOTE)" \
		"$RL_PODMAN --network none busybox true"
	one_shot podman_rootless "podman, rootless (slirp4netns)" '`podman run --rm busybox true` as the same user' \
		"$RL_PODMAN busybox true"
}

# throughput NAME LABEL CMD: a row of the throughput table: CMD run BENCH_TPUT times one after
# another (bench/repeat.sh), the whole timed once; tput.tsv gets "NAME<tab>LABEL<tab>TOTAL_MS".
throughput() {
	say "$1: $BENCH_TPUT x $3"
	if hf "$1" "sh $TOP/bench/repeat.sh $BENCH_TPUT $3" --runs 1; then
		_tp=$(times_ms "$1" | stats)
		printf '%s\t%s\t%s\n' "$1" "$2" "${_tp%% *}" >>"$W/tput.tsv"
		say "$1: ${_tp%% *} ms in all"
	else
		printf '%s\t%s\t\n' "$1" "$2 (could not run: $(cat "$W/$1.err"))" >>"$W/tput.tsv"
	fi
}

# shellcheck disable=SC2016 # Markdown backquotes
throughput_rows() {
	: >"$W/tput.tsv"
	throughput tput_runc "runc" "runc --root $W/runc run --bundle $W/bundle $P-runc"
	throughput tput_ctr "ctr, bridge" "$CTR run --rm busybox true"
}

# table_tput: the throughput table from tput.tsv: total, per start, and as a multiple of runc's.
table_tput() {
	printf '| | %s starts, total s | per start, ms | total / runc |\n|---|---:|---:|---:|\n' "$BENCH_TPUT"
	awk -F '\t' -v n="$BENCH_TPUT" '{ l[NR] = $2; t[NR] = $3; if ($1 == "tput_runc") r = $3 + 0 }
		END { for (i = 1; i <= NR; i++) {
			if (t[i] == "") { printf "| %s | | | |\n", l[i]; continue }
			printf "| %s | %.1f | %.1f | %s |\n", l[i], t[i] / 1000, t[i] / n, (r > 0) ? sprintf("%.2fx", t[i] / r) : "" } }' \
		"$W/tput.tsv"
}

# checkpoints: 1 10 100 1000 4000 10000 up to BENCH_MAX_N, and BENCH_MAX_N itself.
checkpoints() {
	for _c in 1 10 100 1000 4000 10000; do [ "$_c" -lt "$BENCH_MAX_N" ] && echo "$_c"; done
	echo "$BENCH_MAX_N"
}

# container_procs: "SHIM_PID PID1" of every container of the bench, one per line.
container_procs() {
	for _d in "$CTR_ROOT"/containers/*/; do
		[ -f "$_d/shim.pid" ] && [ -f "$_d/pid" ] && printf '%s %s\n' "$(cat "$_d/shim.pid")" "$(cat "$_d/pid")"
	done
}

# vmrss PID...: VmRSS in KiB of each process, one per line.
vmrss() {
	[ $# -gt 0 ] || return 0
	# shellcheck disable=SC2016 # an awk program
	for _p; do printf '/proc/%s/status\n' "$_p"; done | xargs awk '/^VmRSS:/ { print $2 }' 2>/dev/null
}

# ours_rss: for each line "SHIM_PID PID1" of $W/procs, "PROCS KIB": the processes of ctr's that a
# running container keeps outside it (its ctr-shim, and PID 1's parent when that is not the shim: the
# nsenter-chroot that waited for PID 1 before issue 14) and their VmRSS summed. One awk for all.
ours_rss() {
	# shellcheck disable=SC2016 # an awk program
	awk 'function field(f, k,   l, a, v) {
			v = ""
			while ((getline l <f) > 0) { split(l, a); if (a[1] == k) v = a[2] }
			close(f)
			return v
		}
		{
			n = 1; kib = field("/proc/" $1 "/status", "VmRSS:") + 0
			pp = field("/proc/" $2 "/status", "PPid:")
			if (pp != "" && pp != $1) { n++; kib += field("/proc/" pp "/status", "VmRSS:") + 0 }
			print n, kib
		}' "$W/procs"
}

# cg_mem PID...: "KMEM_BYTES TOTAL_BYTES" of the memory cgroup of each process. v1: the group's
# memory.kmem.usage_in_bytes and memory.usage_in_bytes; v2: memory.stat's kernel, memory.current.
cg_mem() {
	_v1=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ { print $2; exit }' /proc/self/mounts)
	_v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	for _p; do
		if [ -n "$_v1" ]; then
			_g=$_v1$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$_p/cgroup" 2>/dev/null)
			printf '%s %s\n' "$(cat "$_g/memory.kmem.usage_in_bytes")" "$(cat "$_g/memory.usage_in_bytes")"
		else
			_g=$_v2$(awk -F: '$1 == "0" { print $3 }' "/proc/$_p/cgroup" 2>/dev/null)
			printf '%s %s\n' "$(awk '$1 == "kernel" { print $2 }' "$_g/memory.stat")" "$(cat "$_g/memory.current")"
		fi
	done 2>/dev/null
}

# memory_row N: the second table's row with N containers running: their start times (all, the
# first tenth, the last tenth) and memory per container.
memory_row() {
	container_procs >"$W/procs"
	_running=$(wc -l <"$W/procs")
	# shellcheck disable=SC2046 # one PID per word
	_shim=$(vmrss $(cut -d' ' -f1 "$W/procs") | stats)
	ours_rss >"$W/ours"
	_nproc=$(cut -d' ' -f1 "$W/ours" | stats)
	_ours=$(cut -d' ' -f2 "$W/ours" | stats)
	# shellcheck disable=SC2046
	cg_mem $(cut -d' ' -f2 "$W/procs") >"$W/cgmem"
	_kmem=$(awk '{ print $1 / 1024 }' "$W/cgmem" | stats)
	_total=$(awk '{ print $2 / 1024 }' "$W/cgmem" | stats)
	_k=$((($1 + 9) / 10))
	_all=$(head -n "$1" "$W/ramp.ms" | stats)
	_first=$(head -n "$_k" "$W/ramp.ms" | stats)
	_last=$(head -n "$1" "$W/ramp.ms" | tail -n "$_k" | stats)
	_ratio=$(awk -v f="${_first%% *}" -v l="${_last%% *}" 'BEGIN { if (f > 0) printf "%.2f", l / f }')
	_rall=$(head -n "$1" "$W/rampr.ms" | stats) _rfirst=$(head -n "$_k" "$W/rampr.ms" | stats)
	_rlast=$(head -n "$1" "$W/rampr.ms" | tail -n "$_k" | stats)
	_rratio=$(awk -v f="${_rfirst%% *}" -v l="${_rlast%% *}" 'BEGIN { if (f > 0) printf "%.2f", l / f }')
	# the host's mount table: every new mount namespace copies it (a named netns was one mount)
	_mnt=$(wc -l </proc/self/mountinfo)
	printf '| %s | %s | %s | %s | %s | %s | %s–%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$_running" "${_all%% *}" \
		"${_first%% *}" "${_last%% *}" "$_ratio" "$(echo "$_all" | cut -d' ' -f2)" "$(echo "$_all" | cut -d' ' -f3)" \
		"${_rfirst%% *}" "${_rlast%% *}" "${_rratio:-n/a}" \
		"${_shim%% *}" "${_nproc%% *}" "${_ours%% *}" "${_kmem%% *}" "${_total%% *}" "$_mnt" >>"$W/t2.md"
	say "N=$1: start median ${_all%% *} ms (first 10% ${_first%% *}, last 10% ${_last%% *}); ours ${_nproc%% *} process(es), RSS ${_ours%% *} KiB, kmem ${_kmem%% *} KiB"
}

# ramp: start BENCH_MAX_N containers (`sleep 1d`, bridge network) one after another, each timed, in
# hyperfine batches of at most 100 runs (a failure loses one batch's times, not the ramp's); a
# table row at each checkpoint. ramp.ms: one start time per line, in start order.
ramp() {
	printf '| N | running | start, median | first 10%% | last 10%% | last / first | min–max | runc: first 10%% | runc: last 10%% | runc: last / first | ctr-shim RSS | our processes | their RSS | cgroup kmem | cgroup total | host mounts |\n' >"$W/t2.md"
	printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n' >>"$W/t2.md"
	: >"$W/ramp.ms"
	: >"$W/rampr.ms"
	_rn=0
	for _rcp in $(checkpoints); do
		while [ "$_rn" -lt "$_rcp" ]; do
			_rk=$((_rcp - _rn))
			[ "$_rk" -le 100 ] || _rk=100
			if ! hf "ramp$_rn" "$CTR run -d busybox sleep 1d" --runs "$_rk"; then
				RAMP_STOP="at $(container_procs | wc -l) running containers: $(cat "$W/ramp$_rn.err")"
				say "ramp: stopped $RAMP_STOP"
				return 0
			fi
			times_ms "ramp$_rn" >>"$W/ramp.ms"
			# the reference, batch for batch: runc starts as many (both see the same kernel state)
			if [ -z "${RAMP_RUNC_STOP:-}" ]; then
				if hf "rampr$_rn" "runc --root $W/runcd run -d --bundle $W/sbundle $P-r{n}" --runs 1 \
					-P n "$((_rn + 1))" "$((_rn + _rk))"; then
					times_ms "rampr$_rn" >>"$W/rampr.ms"
				else
					RAMP_RUNC_STOP="at $_rn: $(cat "$W/rampr$_rn.err")"
				fi
			fi
			_rn=$((_rn + _rk))
			say "ramp: $_rn containers running"
		done
		memory_row "$_rcp"
		[ "$_rcp" -ne 10 ] || rm_among 10
	done
}

# runc_ramp_rm: the ramp's runc containers, killed and deleted (runc removes their cgroups).
runc_ramp_rm() {
	[ -n "$W" ] && [ -d "$W/runcd" ] || return 0
	runc --root "$W/runcd" list -q 2>/dev/null | xargs -r -P "$(($(nproc) * 4))" -n 1 \
		runc --root "$W/runcd" delete -f >/dev/null 2>&1
	[ -z "$(runc --root "$W/runcd" list -q 2>/dev/null)" ] || say "runc: some of the ramp's containers could not be deleted"
}

# rm_among N: with N containers running, start BENCH_RM_SAMPLE more (not timed) and time the rm -f
# of each, one at a time (N running again after each): RM_AMONG, next to rm_rows' figure at the end.
rm_among() {
	_ra=''
	for _ in $(seq "$BENCH_RM_SAMPLE"); do
		_rid=$("$CTR" run -d busybox sleep 1d 2>/dev/null) || { RM_AMONG="could not start the containers"; return 0; }
		_ra="$_ra${_ra:+,}$_rid"
	done
	say "rm -f: $BENCH_RM_SAMPLE containers one at a time, $1 others running"
	if hf "rm_among$1" "$CTR rm -f {id}" --runs 1 -L id "$_ra"; then
		_r=$(times_ms "rm_among$1" | stats)
		RM_AMONG="median ${_r%% *} ms, min–max $(echo "$_r" | cut -d' ' -f2)–$(echo "$_r" | cut -d' ' -f3) ms ($BENCH_RM_SAMPLE containers, one at a time, each among $1 others running)"
	else
		RM_AMONG="could not run: $(cat "$W/rm_among$1.err")"
	fi
}

# rm_rows: rm -f of BENCH_RM_SAMPLE containers one at a time (each timed), then the rest in parallel.
rm_rows() {
	_ids=$(ls "$CTR_ROOT/containers")
	_n=$(printf '%s\n' "$_ids" | grep -c .)
	[ "$_n" -gt 0 ] || return 0
	_s=$BENCH_RM_SAMPLE
	[ "$_s" -le "$_n" ] || _s=$_n
	say "rm -f: $_s containers one at a time, $_n running"
	_list=$(printf '%s\n' "$_ids" | head -n "$_s" | paste -sd, -)
	if hf rm "$CTR rm -f {id}" --runs 1 -L id "$_list"; then
		_r=$(times_ms rm | stats)
		RM_ROW="median ${_r%% *} ms, min–max $(echo "$_r" | cut -d' ' -f2)–$(echo "$_r" | cut -d' ' -f3) ms ($_s containers, one at a time, starting with $_n running)"
	else
		RM_ROW="could not run: $(cat "$W/rm.err")"
	fi
	printf '%s\n' "$_ids" | tail -n +"$((_s + 1))" >"$W/rest"
	_m=$(grep -c . "$W/rest")
	[ "$_m" -gt 0 ] || return 0
	_j=$(($(nproc) * 16))
	say "rm -f: the other $_m containers, $_j at a time"
	if hf rmrest "xargs -a $W/rest -P $_j -n 1 $CTR rm -f" --runs 1 -i; then
		_r=$(times_ms rmrest | stats)
		RM_REST="the other $_m containers, $_j in parallel: ${_r%% *} ms in all, $(awk -v t="${_r%% *}" -v m="$_m" 'BEGIN { printf "%.1f", t / m }') ms per container"
		_left=$(find "$CTR_ROOT/containers" -mindepth 1 -maxdepth 1 | wc -l)
		[ "$_left" -eq 0 ] || RM_REST="$RM_REST ($_left could not be removed)"
	else
		RM_REST="the other $_m in parallel: could not run: $(cat "$W/rmrest.err")"
	fi
}

# pull_rows: a 4-layer image in a local registry, pulled by ctr and by skopeo + umoci.
pull_rows() {
	printf '| | median | min | max |\n|---|---:|---:|---:|\n' >"$W/t3.md"
	mkdir "$W/registry" || return 1
	say "registry: building and pushing a 4-layer image"
	if ! REF=$(sh "$TOP/bench/registry.sh" "$W/registry" "$ROOTFS"); then
		PULL_IMAGE="could not set up the registry"
		return 0
	fi
	PULL_IMAGE="\`$REF\`: $(skopeo inspect --raw --tls-verify=false "docker://$REF" |
		jq -r '"\(.layers | length) layers, \((([.layers[].size] | add) / 1048576 * 10 | floor) / 10) MiB compressed"')"
	if grep -q '^ctr_pull()' "$W/ctr/helpers/pull.sh" 2>/dev/null; then
		# cold: no image and an empty blob cache (pull.sh keeps layers in $CTR_ROOT/btrfs/blobs)
		pull_row ctr_pull "\`ctr.sh pull\`, cold" "$CTR pull -q $REF" \
			"sh -c '$CTR rmi -f $REF >/dev/null 2>&1; rm -rf $CTR_ROOT/btrfs/blobs'"
		pull_row ctr_pull_cached "\`ctr.sh pull\`, layers in ctr's blob cache" "$CTR pull -q $REF" \
			"sh -c '$CTR rmi -f $REF >/dev/null 2>&1; exit 0'"
	else
		# shellcheck disable=SC2016 # Markdown backquotes
		printf '| `ctr.sh pull` | n/a: pull not implemented yet | | |\n' >>"$W/t3.md"
	fi
	pull_row oci_pull "\`skopeo copy\` + \`umoci unpack\` (bench/oci-pull.sh)" \
		"sh $TOP/bench/oci-pull.sh $REF $W/pulled" "rm -rf $W/pulled"
}

# pull_row NAME LABEL CMD PREPARE: one pull row, PREPARE before every run (a cold pull each time).
pull_row() { prepared_row "$W/t3.md" "$@"; }

# prepared_row TABLE NAME LABEL CMD PREPARE [RUNS]: one row of TABLE (pull, push, build), timed by
# hyperfine with PREPARE before every run: RUNS runs (default BENCH_PULL_RUNS) after 1 warm-up.
prepared_row() {
	_prt=$1
	shift
	say "$1: $3"
	if hf "$1" "$3" --warmup 1 --runs "${5:-$BENCH_PULL_RUNS}" --prepare "$4"; then
		# shellcheck disable=SC2046 # median min max count, one word each
		set -- "$1" "$2" $(times_ms "$1" | stats)
		printf '| %s | %s | %s | %s |\n' "$2" "$3" "$4" "$5" >>"$_prt"
		say "$1: median $3 ms"
	else
		printf '| %s | could not run: %s | | |\n' "$2" "$(cat "$W/$1.err")" >>"$_prt"
	fi
}

# push_rows: a commit on the pulled 4-layer image (an 8 MiB layer of random data over it) pushed by
# ctr into a new repository of the same registry each run (the base's layers mounted from its
# repository, the commit's layer made from the snapshots, its record removed before each run, and
# sent with the config), and again (everything there: HEADs only, the layer kept from before); next
# to `skopeo copy` of the same image, from an OCI layout into a new repository each run (skopeo
# sends every blob).
# shellcheck disable=SC2016 # Markdown backquotes, and the generated scripts' own $n
push_rows() {
	printf '| | median | min | max |\n|---|---:|---:|---:|\n' >"$W/t4.md"
	if [ -z "${REF:-}" ] || ! grep -q '^ctr_push()' "$W/ctr/helpers/push.sh" 2>/dev/null; then
		PUSH_IMAGE="n/a: no registry (see the pull rows), or push not implemented"
		return 0
	fi
	_preg=${REF%%/*}
	say "push: a commit on $REF"
	if ! { "$CTR" pull -q "$REF" && "$CTR" run --net none --name benchpush "$REF" \
		sh -c 'head -c 8388608 /dev/urandom >/data/new; rm -f /etc/motd' &&
		"$CTR" commit benchpush bench/pushed:1 && "$CTR" rm benchpush; } >/dev/null 2>"$W/push.err"; then
		PUSH_IMAGE="could not make the image: $(tail -n 1 "$W/push.err")"
		return 0
	fi
	PUSH_IMAGE="a commit on \`$REF\` adding 8 MiB of random data (one more layer)"
	# a new repository per run: its name from a counter
	printf '0\n' >"$W/push.n"
	for _pt in ctr sk; do
		printf 'n=$(cat %s)\necho $((n + 1)) >%s\n' "$W/push.n" "$W/push.n" >"$W/push-$_pt.sh"
	done
	printf 'exec %s push -q bench/pushed:1 %s/bench/ctr$n:1\n' "$CTR" "$_preg" >>"$W/push-ctr.sh"
	printf 'exec skopeo copy -q --dest-tls-verify=false oci:%s:x docker://%s/bench/sk$n:1\n' \
		"$W/pushlayout" "$_preg" >>"$W/push-sk.sh"
	push_row push_ctr "\`ctr.sh push\`, a new repository: the base's 4 layers mounted, 1 layer made and sent with the config" \
		"sh $W/push-ctr.sh" "rm -f $CTR_ROOT/images/*/layer.gzip"
	push_row push_ctr_again "\`ctr.sh push\`, again: every blob there (HEADs), the layer made before" \
		"$CTR push -q bench/pushed:1 $_preg/bench/ctr0:1" true
	if skopeo copy -q --src-tls-verify=false "docker://$_preg/bench/ctr0:1" "oci:$W/pushlayout:x" 2>"$W/push.err"; then
		push_row push_skopeo "\`skopeo copy\` of the same image from an OCI layout, a new repository: 5 layers and the config sent" \
			"sh $W/push-sk.sh" true
	else
		printf '| `skopeo copy` | could not run: %s | | |\n' "$(tail -n 1 "$W/push.err")" >>"$W/t4.md"
	fi
}

# push_row NAME LABEL CMD PREPARE: one push row, PREPARE before every run.
push_row() { prepared_row "$W/t4.md" "$@"; }

# BUILD_DOCKERFILE: the build rows' Dockerfile: busybox (BASE: each tool's name for it), 4 steps that
# make a layer (2 COPY, 2 RUN), 3 that set the config.
# shellcheck disable=SC2016 # the Dockerfile's own $
BUILD_DOCKERFILE='ARG BASE=busybox
FROM $BASE
ENV APP=/app GREETING=hello
WORKDIR /app
COPY app.sh ./
RUN echo "$GREETING" >greeting && chmod 755 app.sh
COPY data/ ./data/
RUN ./app.sh >out && ls -l data >listing
CMD ["./app.sh"]'

# build_rows: ctr.sh build of BUILD_DOCKERFILE, cold (--no-cache) and from its cache, next to
# buildah bud (its own store in $W/buildah: overlay, runc, --layers) on the same context and base:
# ctr's busybox image, saved by ctr.sh save and pulled by buildah from that archive. Both --network
# none (no network set-up in the RUN steps).
# shellcheck disable=SC2016 # Markdown backquotes
build_rows() {
	printf '| | median | min | max |\n|---|---:|---:|---:|\n' >"$W/t5.md"
	if [ "$BENCH_BUILD" = 0 ]; then
		BUILD_NOTE="not measured (BENCH_BUILD=0)"
		return 0
	fi
	_bc=$W/buildctx
	mkdir -p "$_bc/data" && printf '%s\n' "$BUILD_DOCKERFILE" >"$_bc/Dockerfile" &&
		printf '#!/bin/sh\necho "$GREETING from $APP"\n' >"$_bc/app.sh" &&
		head -c 65536 /dev/urandom >"$_bc/data/blob" && echo a >"$_bc/data/a" || die "$_bc: cannot write"
	BUILD_NOTE="the Dockerfile below, on ctr's busybox image (\`ctr.sh save\`, then \`buildah pull oci-archive:\`)"
	build_row build_ctr_cold "\`ctr.sh build --no-cache\`" \
		"$CTR build -q --no-cache --network none -t bench/built:1 $_bc" "$CTR builder prune -a"
	build_row build_ctr_cached "\`ctr.sh build\`, every step cached" \
		"$CTR build -q --network none -t bench/built:1 $_bc" true
	if ! command -v buildah >/dev/null 2>&1; then
		printf '| `buildah bud` | could not run: buildah not installed (apt-get install buildah) | | |\n' >>"$W/t5.md"
		return 0
	fi
	BH="--root $W/buildah/root --runroot $W/buildah/run --storage-driver overlay"
	# shellcheck disable=SC2086 # BH: the store's options, one word each
	if ! { "$CTR" save -o "$W/busybox.oci" busybox && _bb=$(buildah $BH pull -q "oci-archive:$W/busybox.oci"); } 2>"$W/buildah.err"; then
		printf '| `buildah bud` | could not run: %s | | |\n' "$(tail -n 1 "$W/buildah.err")" >>"$W/t5.md"
		return 0
	fi
	# runc: crun 1.8 refuses hybrid cgroups (see the first table)
	_bh="buildah $BH bud --runtime runc --layers --network none --pull=never -q --build-arg BASE=$_bb -t bench-built"
	build_row build_buildah_cold "\`buildah bud --layers --no-cache\`" "$_bh --no-cache $_bc" "buildah $BH rmi --prune"
	build_row build_buildah_cached "\`buildah bud --layers\`, every step cached" "$_bh $_bc" true
	BUILDAH_VERSION=$(buildah --version)
}

# build_row NAME LABEL CMD PREPARE: one build row, PREPARE before every run (not timed).
build_row() { prepared_row "$W/t5.md" "$@" "$BENCH_BUILD_RUNS"; }

# ---------------------------------------------------------------- the report

machine() {
	_cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	_mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	printf '%s\n' "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	printf '%s\n' "- kernel: $(uname -sr) $(uname -m)"
	printf '%s\n' "- CPU: ${_cpu:-unknown}, $(nproc) cores; memory: $_mem"
	printf '%s\n' "- cgroups: $(cgroup_mode)"
	printf '%s\n' "- load average (1, 5, 15 min) at the start: $LOAD0; before the one-shot rows: $LOAD1;"
	printf '%s\n' "  before the throughput rows: $LOAD2; before the ramp: $LOAD3; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%s, %s, %s, %s, %s, %s\n' "- tools: $("$CTR" --version) (git $CTR_VERSION_GIT)" \
		"$("$W/ctr/build/ctr-oci" --version | head -n 1)" "$(runc --version | head -n 1)" "$(crun --version | head -n 1)" \
		"$(hyperfine --version)" "$(busybox 2>/dev/null | head -n 1 | cut -d' ' -f1-2)"
	if command -v gojq >/dev/null 2>&1; then _jt=$(gojq --version | cut -d' ' -f1-2); else _jt=$(jq --version); fi
	printf '%s\n' "- JSON tool of ctr.sh: $_jt (gojq when installed, else jq)"
}

# shellcheck disable=SC2016 # Markdown backquotes, not command substitutions
report() {
	printf '# ctr benchmark\n\n'
	printf 'Made by `make bench` (bench/bench.sh). Every row runs `true` (or `sleep`) on the same busybox\n'
	printf 'root filesystem, build/rootfs/busybox, measured in the same run. Times are wall-clock ms.\n\n'
	machine
	printf '\n## Start a container running `true`, wait for it, remove it\n\n'
	printf 'hyperfine -N, %s runs of each row in %s rounds (every row timed %s times a round, after %s\n' \
		"$((OS_RUNS * BENCH_ROUNDS))" "$BENCH_ROUNDS" "$OS_RUNS" "$BENCH_WARMUP"
	printf 'warm-up run(s) in the first round and one in the others: a row and runc'"'"'s in the same minutes).\n'
	printf 'ctr and the bocker way snapshot the rootfs (btrfs);\n'
	printf 'runc, crun and ctr-oci use it in place, read-only. `--net none` and runc/crun/ctr-oci: a new netns with lo only.\n'
	printf 'The rootless rows run as a throwaway user the bench makes (`ctr.sh rootless-setup` gives it its\n'
	printf 'directory on the pool and subordinate ids) and removes; podman'"'"'s store is in its home.\n\n'
	table1
	printf '\n## Throughput: %s starts one after another\n\n' "$BENCH_TPUT"
	printf 'bench/repeat.sh runs the command %s times, each after the previous one returned; hyperfine -N\n' "$BENCH_TPUT"
	printf 'times the whole once. ctr: `ctr.sh run --rm busybox true` (bridge); runc: the bundle above.\n\n'
	table_tput
	printf '\n## N detached containers: `ctr.sh run -d busybox sleep 1d`, one after another\n\n'
	printf 'Start time per container in ms (hyperfine -N, one run per container): median of containers 1..N,\n'
	printf 'of the first tenth of them and of the last tenth. Memory per running container in KiB (median),\n'
	printf 'VmRSS from /proc/PID/status (our processes: those of ctr'"'"'s a running container keeps outside it,\n'
	printf 'its ctr-shim and, before issue 14, the nsenter-chroot waiting as PID 1'"'"'s parent; their RSS summed);\n'
	printf 'kmem and total from the container'"'"'s memory cgroup\n'
	printf '(v1: memory.kmem.usage_in_bytes, memory.usage_in_bytes; v2: memory.stat kernel, memory.current).\n'
	printf 'Host mounts: lines of the host'"'"'s /proc/self/mountinfo (each new mount namespace copies them).\n'
	printf 'runc: the reference, started batch for batch with ctr'"'"'s (100 ctr starts, then 100 `runc run -d` of\n'
	printf 'the bundle above running `sleep 1d`, a cgroup of its own each, no veth), so that both see the same\n'
	printf 'kernel: what grows for both is the kernel'"'"'s; N and running count ctr'"'"'s containers only.\n\n'
	cat "$W/t2.md"
	[ -z "${RAMP_RUNC_STOP:-}" ] || printf '\nrunc'"'"'s ramp stopped %s\n' "$RAMP_RUNC_STOP"
	[ -z "${RAMP_STOP:-}" ] || printf '\nThe ramp stopped %s\n' "$RAMP_STOP"
	printf '\n`rm -f` per container among 10 running: %s.\n' "${RM_AMONG:-not measured}"
	printf '`rm -f` per container at the end: %s.\n' "${RM_ROW:-not measured}"
	[ -z "${RM_REST:-}" ] || printf 'Then %s.\n' "$RM_REST"
	printf '\n## Pull from a local registry (plain HTTP on 127.0.0.1)\n\n'
	printf 'Image %s. Before every run the pulled image is removed (and, for a cold pull, ctr'"'"'s blob\n' \
		"${PULL_IMAGE:-n/a}"
	printf 'cache); hyperfine -N, %s runs after 1 warm-up.\n\n' "$BENCH_PULL_RUNS"
	cat "$W/t3.md"
	printf '\n## Push to the same local registry\n\n'
	printf 'Image: %s; hyperfine -N, %s runs after 1 warm-up.\n\n' "${PUSH_IMAGE:-n/a}" "$BENCH_PULL_RUNS"
	cat "$W/t4.md" 2>/dev/null
	printf '\n## Build a Dockerfile\n\n'
	printf 'Image: %s; hyperfine -N, %s runs after 1 warm-up; %s.\n' "${BUILD_NOTE:-n/a}" "$BENCH_BUILD_RUNS" \
		"${BUILDAH_VERSION:-buildah: n/a}"
	printf 'Cold: every step made again (the cold rows remove the previous runs'"'"' dangling steps first, not\n'
	printf 'timed); cached: the same build again, nothing changed. buildah: overlay storage in the bench'"'"'s\n'
	printf 'work directory, runc.\n\n'
	cat "$W/t5.md" 2>/dev/null
	[ "$BENCH_BUILD" = 0 ] || printf '\n```Dockerfile\n%s\n```\n' "$BUILD_DOCKERFILE"
}

main() {
	preflight
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
	names
	trap sweep EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	snapshot
	prime
	LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
	one_shot_rows
	LOAD2=$(cut -d' ' -f1-3 /proc/loadavg)
	throughput_rows
	LOAD3=$(cut -d' ' -f1-3 /proc/loadavg)
	ramp
	rm_rows
	say "runc: deleting the ramp's containers"
	runc_ramp_rm
	pull_rows
	push_rows
	build_rows
	report >"$W/report.md" || die "cannot write the report"
	cp "$W/report.md" "$BENCH_OUT" || die "$BENCH_OUT: cannot write"
	cat "$W/report.md"
}

main "$@"
