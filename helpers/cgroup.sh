#!/bin/sh
# cgroup.sh - resource limits and accounting through cgroups (v1, hybrid, v2). Sourced by ctr.sh.
#
# Each container gets the group /$CTR_PREFIX/<cid> in every controller ctr uses (memory, cpu, cpuacct,
# pids, freezer; cpuset only for run --cpuset-cpus, --cpuset-mems; on v1 its TCP buffers are limited
# too: cg_tcp_detect), made, set and removed directly in cgroupfs (mkdir, a write per value, rmdir:
# what cgcreate, cgset and cgdelete do, without their parse of the mount table on every call;
# measured in docs/design.md). cg_detect is the ONLY place that knows which cgroup version holds
# which controller (cached per root); everything else asks it (CG_<controller>, cg_path).
#
# Interface used by ctr.sh (R_* are run's options):
#   cg_validate        check R_MEM R_SWAP R_CPUS R_SHARES R_PIDS R_CPUSET_CPUS R_CPUSET_MEMS before
#                      anything exists; die on bad values
#   cg_setup CID [DIR] create the group, apply the limits, set CG_DIRS (one --cgroup DIR per hierarchy);
#                      DIR: one more group to make in the same mkdir (security.sh's devices group)
#   cg_dirs CID        set CG_DIRS for an existing container (for exec)
#   cg_teardown CID    kill what is left in the group, remove it from every controller and the
#                      devices group with it (idempotent)
#   cg_oom_killed CID  print true when the kernel's OOM killer killed a process of the container
#   cg_freeze CID 1|0  freeze (pause) or thaw (unpause) the container's processes
#   cg_frozen CID      true when the container is frozen (paused)
#   cg_cleanup         remove groups of $CTR_PREFIX whose container no longer exists
#   CG_RES_JQ          (jq, in run's config.json) the limits cg_validate computed, as "resources"
#   cg_load CID        set R_MEM R_SWAP R_CPUS R_SHARES R_PIDS from the container's recorded limits
#                      (then cg_validate, cg_setup: a container started again keeps them)
#   cg_update CID      write every limit (CG_* of cg_validate) into a running container's groups
#   ctr_stats          the `stats` verb (stats_setup, stats_keep: what rootless-verbs.sh replaces)

CG_CONTROLLERS='memory cpu cpuacct pids freezer' # freezer last: cg_v2_has reads the others'
CG_PERIOD=100000        # CFS period in microseconds, as docker: --cpus N.N becomes a quota of N.N periods
CG_MEM_MIN=6291456      # docker's minimum memory limit (6 MiB): below it a container cannot even start
CG_MEM_MAX=9007199254740992 # 8 PiB (2^53): anything above is a typo, not a limit
CG_PIDS_DEFAULT=4096    # a fork bomb without --pids-limit stops here instead of at the host's pid_max
CG_PIDS_MAX=4194304     # the kernel's PID_MAX_LIMIT

# ---------------------------------------------------------------- layout

# cg_detect: find the hierarchy of each controller, once. For a controller C it sets CG_C (mount point,
# '' when C is not available) and CGV_C (1 or 2), and CG_MODE (v1, hybrid or v2, for messages).
# A controller bound to a v1 hierarchy is used there; otherwise the cgroup2 mount holds it if its
# cgroup.controllers lists it. This one rule covers pure v1, hybrid (systemd's /sys/fs/cgroup/unified,
# usually with no controllers) and pure v2. On v2 there is no cpuacct: cpu.stat of every group counts.
# The result is kept per root in $CTR_ROOT/cgroup.layout (cg_cache_read): a run reads no mount table.
cg_detect() {
	# detected before the pool was mounted (run's checks on a new root): the cache is written by
	# the first call after (cg_cache_write), not left to the next process
	[ -z "${CG_MODE:-}" ] || { [ -z "${CG_CACHE_LATER:-}" ] || cg_cache_write; return 0; }
	cg_cache_read && return 0
	# shellcheck disable=SC2034 # all are read as CG_$c / CGV_$c (eval) by the functions below
	CG_memory='' CG_cpu='' CG_cpuacct='' CG_pids='' CGV_memory='' CGV_cpu='' CGV_cpuacct='' CGV_pids=''
	CG_freezer='' CGV_freezer='' CG_cpuset='' CGV_cpuset=''
	CG_DEVICES='' _cgm_devices='' _cgm_cpuset=''
	# One pass over the mount table (it holds a line per named netns: thousands on a busy host).
	# It prints CG_UNIFIED=... and CG_<c>=... for the first cgroup2 mount and the v1 mount of each
	# controller, shell-quoted; a path with a ' cannot be a cgroup mount of ours and is skipped.
	eval "$(awk -v want="$CG_CONTROLLERS devices cpuset" '
		BEGIN { n = split(want, c, " ") }
		index($2, "\047") { next }
		$3 == "cgroup2" && u == "" { u = $2 }
		$3 == "cgroup" {
			k = split($4, o, ",")
			for (i = 1; i <= k; i++) for (j = 1; j <= n; j++) if (o[i] == c[j] && !(c[j] in m)) m[c[j]] = $2
		}
		END {
			printf "CG_UNIFIED=\047%s\047\n", u
			for (j = 1; j <= n; j++) printf "_cgm_%s=\047%s\047\n", c[j], m[c[j]]
		}' /proc/self/mounts)"
	# a mount listed in /proc/self/mounts may be hidden under a later one: check that it is there
	[ -f "$CG_UNIFIED/cgroup.controllers" ] || CG_UNIFIED=''
	# shellcheck disable=SC2034 # CG_DEVICES: the v1 devices controller's mount, for security.sh
	[ ! -f "$_cgm_devices/devices.deny" ] || CG_DEVICES=$_cgm_devices
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then # /sys/fs/cgroup itself is cgroup2
		CG_MODE=v2
	elif [ -n "$CG_UNIFIED" ]; then
		CG_MODE=hybrid
	else
		CG_MODE=v1
	fi
	for _cgc in $CG_CONTROLLERS; do
		eval "_cgd=\$_cgm_$_cgc"
		_cgv=1
		[ -f "$_cgd/cgroup.procs" ] || _cgd=''
		if [ -z "$_cgd" ] && [ -n "$CG_UNIFIED" ] && cg_v2_has "$_cgc"; then
			_cgd=$CG_UNIFIED _cgv=2
		fi
		eval "CG_$_cgc=\$_cgd CGV_$_cgc=\$_cgv"
	done
	cg_tcp_detect
	# cpuset (run --cpuset-cpus, --cpuset-mems only: no group of it otherwise): its v1 hierarchy,
	# else cgroup2 when the container's group is made there (another controller puts it there)
	if [ -f "$_cgm_cpuset/cpuset.cpus" ]; then
		CG_cpuset=$_cgm_cpuset CGV_cpuset=1
	elif [ -n "$CG_UNIFIED" ] && { [ "$CGV_memory" = 2 ] || [ "$CGV_pids" = 2 ] || [ "$CGV_cpu" = 2 ]; } &&
		cg_v2_has cpuset; then
		CG_cpuset=$CG_UNIFIED CGV_cpuset=2
	fi
	cg_cache_write
}

# cg_tcp_detect: CG_TCP = the bytes of TCP buffers a v1 memory group may hold without -m (an eighth
# of the host's tcp_mem hard limit), '' where v1 cannot limit them (cg_limits_tcp). Once per boot:
# two processes (/proc/sys's integer files give the shell's 1-byte reads only their first byte).
cg_tcp_detect() {
	CG_TCP=''
	[ "$CGV_memory" = 1 ] && [ -f "$CG_memory/memory.kmem.tcp.limit_in_bytes" ] || return 0
	# shellcheck disable=SC2046 # tcp_mem's three numbers (pages) and the page size, as words
	set -- $(cat /proc/sys/net/ipv4/tcp_mem 2>/dev/null; getconf PAGESIZE 2>/dev/null)
	[ $# -eq 4 ] || return 0
	case $3$4 in '' | *[!0-9]*) return 0 ;; esac
	CG_TCP=$(($3 * $4 / 8))
}

# The layout cache, $CTR_ROOT/cgroup.layout: lines KEY=VALUE, cg_detect's variables (CG_VARS) after
# the key of what they depend on, and `end=1`. It is used only in the boot that wrote it (boot_id)
# and from the same mount namespace (a private one, e.g. under `unshare -m`, may see other mounts),
# and only while every hierarchy it names is still mounted; else cg_detect reads /proc/self/mounts
# again and rewrites it. (A hierarchy mounted later in the same boot is seen after a reboot, or
# once the file is removed.) Read with the shell's own read, no fork; only known keys are set.
CG_VARS="CG_MODE CG_UNIFIED CG_DEVICES CG_memory CGV_memory CG_cpu CGV_cpu CG_cpuacct CGV_cpuacct
	CG_pids CGV_pids CG_freezer CGV_freezer CG_TCP CG_cpuset CGV_cpuset"

# cg_cache_key: CG_KEY = "<boot id> <mount id>": the mount namespace is named by the ID of the first
# mount it lists (a copy of a namespace gets new mount IDs, and an ID is not reused while its mount
# lives); no readlink of /proc/self/ns/mnt (a fork), no stat of PID 1's (refused in some sandboxes).
cg_cache_key() {
	CG_KEY='' _cgb='' _cgm=''
	read -r _cgb 2>/dev/null </proc/sys/kernel/random/boot_id
	read -r _cgm _ 2>/dev/null </proc/self/mountinfo
	# (the last word: the cache's format, CG_VARS; a cache of another is detected again)
	[ -n "$_cgb" ] && [ -n "$_cgm" ] && CG_KEY="$_cgb $_cgm 3"
}

# cg_cache_read: set CG_VARS from the cache; fails (CG_MODE empty) when it is missing or stale.
cg_cache_read() {
	[ -f "$CTR_ROOT/cgroup.layout" ] && cg_cache_key || return 1
	_cgfk='' _cgend=''
	while IFS='=' read -r _cgk _cgv; do
		case $_cgk in
		key) _cgfk=$_cgv ;;
		end) _cgend=$_cgv ;;
		CG_MODE | CG_UNIFIED | CG_DEVICES | CG_memory | CGV_memory | CG_cpu | CGV_cpu | CG_cpuacct | \
			CGV_cpuacct | CG_pids | CGV_pids | CG_freezer | CGV_freezer | CG_TCP | CG_cpuset | CGV_cpuset)
			eval "$_cgk=\$_cgv" ;;
		esac
	done 2>/dev/null <"$CTR_ROOT/cgroup.layout"
	[ "$_cgend" = 1 ] && [ "$_cgfk" = "$CG_KEY" ] && cg_cache_mounted && return 0
	CG_MODE=''
	return 1
}

# cg_cache_mounted: every hierarchy of CG_VARS is still there (a file only a cgroup has).
cg_cache_mounted() {
	case ${CG_MODE:-} in v1 | hybrid | v2) ;; *) return 1 ;; esac
	[ -z "$CG_UNIFIED" ] || [ -f "$CG_UNIFIED/cgroup.controllers" ] || return 1
	[ -z "$CG_DEVICES" ] || [ -f "$CG_DEVICES/devices.deny" ] || return 1
	for _cgc in $CG_CONTROLLERS cpuset; do
		eval "_cgd=\$CG_$_cgc"
		[ -z "$_cgd" ] || [ -f "$_cgd/cgroup.procs" ] || return 1
	done
}

# cg_cache_write: write the cache (whole: a temporary file renamed) when the pool is mounted (else
# CG_CACHE_LATER: cg_detect's next call writes it). A failure only means that the next call
# detects again.
cg_cache_write() {
	[ -d "$CTR_ROOT/containers" ] || { CG_CACHE_LATER=1; return 0; }
	CG_CACHE_LATER=''
	cg_cache_key || return 0
	{
		printf 'key=%s\n' "$CG_KEY"
		for _cgk in $CG_VARS; do
			eval "printf '%s=%s\\n' \"\$_cgk\" \"\$$_cgk\""
		done
		printf 'end=1\n'
	} 2>/dev/null >"$CTR_ROOT/cgroup.layout.$$" && mv -f "$CTR_ROOT/cgroup.layout.$$" "$CTR_ROOT/cgroup.layout" ||
		rm -f "$CTR_ROOT/cgroup.layout.$$"
	return 0
}

# cg_v2_has CONTROLLER: the cgroup2 root offers it. v2 has no cpuacct: cpu.stat in the cpu group counts.
# v2's freezer is no controller but cgroup.freeze in every group: there when another controller
# puts the container's group on cgroup2 (pure v2; on hybrid only the v1 freezer is used).
cg_v2_has() {
	if [ "$1" = cpuacct ]; then
		[ "$CGV_cpu" = 2 ] && [ -n "$CG_cpu" ]
		return
	fi
	if [ "$1" = freezer ]; then
		{ [ "$CGV_memory" = 2 ] && [ -n "$CG_memory" ]; } || { [ "$CGV_pids" = 2 ] && [ -n "$CG_pids" ]; }
		return
	fi
	read -r _cgl <"$CG_UNIFIED/cgroup.controllers" 2>/dev/null || return 1
	case " $_cgl " in *" $1 "*) return 0 ;; esac
	return 1
}

# cg_path CONTROLLER CID [FILE]: the container's group directory (or a file in it) for CONTROLLER.
cg_path() {
	eval "_cgm=\$CG_$1"
	[ -n "$_cgm" ] || return 1
	printf '%s/%s/%s%s' "$_cgm" "$CTR_PREFIX" "$2" "${3:+/$3}"
}

# cg_read CONTROLLER CID FILE: a group file's content, nothing when it cannot be read.
cg_read() {
	_cgf=$(cg_path "$1" "$2" "$3") && cat "$_cgf" 2>/dev/null
}

# cg_groupdirs [-q] CID: every distinct group directory of the container, existing or not, as
# lines "CONTROLLER DIR" in CG_GD (and on stdout unless -q). cpu and cpuacct may share one v1
# mount; on v2 all controllers share one directory. No process: run calls it on its hot path.
cg_groupdirs() {
	_cgq=''
	[ "$1" != -q ] || { _cgq=1; shift; }
	CG_GD='' _cgseen=' '
	for _cgc in $CG_CONTROLLERS; do
		eval "_cgm=\$CG_$_cgc"
		[ -n "$_cgm" ] || continue
		_cgp=$_cgm/$CTR_PREFIX/$1
		case $_cgseen in *" $_cgp "*) continue ;; esac
		_cgseen="$_cgseen$_cgp "
		CG_GD="$CG_GD$_cgc $_cgp
"
	done
	[ -n "$_cgq" ] || printf '%s' "$CG_GD"
}

# cg_dirs CID: set CG_DIRS to the container's existing group directories (what --cgroup joins).
cg_dirs() {
	cg_detect
	cg_groupdirs -q "$1"
	CG_DIRS=''
	while read -r _cgc _cgp; do
		[ -z "$_cgp" ] || [ ! -d "$_cgp" ] || CG_DIRS="$CG_DIRS${CG_DIRS:+ }$_cgp"
	done <<EOF
$CG_GD
EOF
}

# ---------------------------------------------------------------- validation

# cg_bytes OPTION VALUE: docker's size syntax (1024-based, b k m g t, optional "b"/"ib", decimals) in bytes.
cg_bytes() {
	awk -v v="$2" -v max="$CG_MEM_MAX" 'BEGIN {
		if (v !~ /^[0-9]+(\.[0-9]+)?([bB]|[kKmMgGtT][iI]?[bB]?)?$/) exit 1
		u = tolower(v); gsub(/[0-9.ib]/, "", u)
		m = 1; if (u == "k") m = 1024; if (u == "m") m = 1048576; if (u == "g") m = 1073741824
		if (u == "t") m = 1099511627776
		b = int(v * m); if (b > max) exit 2
		printf "%.0f\n", b }'
	case $? in
	0) ;;
	2) die "$1 $2: too large (at most 8 PiB)" ;;
	*) die "$1 $2: invalid size (a positive number with an optional b, k, m, g or t suffix)" ;;
	esac
}

# cg_int OPTION VALUE MIN MAX: print VALUE, an integer in [MIN, MAX] (MIN may be -1), without leading
# zeros (the kernel would read 010 as octal).
cg_int() {
	_cgi=${2#-}
	case $_cgi in '' | *[!0-9]*) die "$1 $2: not an integer" ;; esac
	_cgi=$(printf '%s' "$2" | sed 's/^\(-\{0,1\}\)0*\([0-9]\)/\1\2/')
	[ ${#_cgi} -le 10 ] && [ "$_cgi" -ge "$3" ] && [ "$_cgi" -le "$4" ] ||
		die "$1 $2: must be between $3 and $4"
	printf '%s\n' "$_cgi"
}

# cg_validate: check run's limit options and turn them into cgroup values (CG_MEM, CG_SWAP bytes or -1,
# CG_QUOTA microseconds per period, CG_SHARES, CG_PIDS or -1). Dies before anything is created.
cg_validate() {
	cg_detect
	CG_MEM='' CG_SWAP='' CG_QUOTA='' CG_SHARES='' CG_PIDS=$CG_PIDS_DEFAULT
	cg_validate_memory
	cg_validate_cpu
	CG_CPUSET_CPUS='' CG_CPUSET_MEMS=''
	[ -z "${R_CPUSET_CPUS:-}${R_CPUSET_MEMS:-}" ] || cg_validate_cpuset
	if [ -n "$R_PIDS" ]; then
		CG_PIDS=$(cg_int --pids-limit "$R_PIDS" -1 "$CG_PIDS_MAX") || exit 125
		[ "$CG_PIDS" -gt 0 ] || CG_PIDS=-1 # docker: 0 and -1 both mean unlimited
		cg_need pids --pids-limit
	fi
	export CG_MEM CG_SWAP CG_QUOTA CG_SHARES CG_PIDS CG_CPUSET_CPUS CG_CPUSET_MEMS # CG_RES_JQ reads them
}

# cg_validate_cpuset: --cpuset-cpus, --cpuset-mems (R_CPUSET_CPUS, R_CPUSET_MEMS): docker's lists
# (0-3,5), each CPU or memory node one the host offers (its root group's effective list).
cg_validate_cpuset() {
	for _cgo in cpus mems; do
		if [ "$_cgo" = cpus ]; then _cgl=${R_CPUSET_CPUS:-}; else _cgl=${R_CPUSET_MEMS:-}; fi
		[ -n "$_cgl" ] || continue
		one_line "--cpuset-$_cgo" "$_cgl"
		cg_need cpuset "--cpuset-$_cgo"
		_cgh=''
		if [ "$CGV_cpuset" = 1 ]; then
			read -r _cgh 2>/dev/null <"$CG_cpuset/cpuset.effective_$_cgo" || read -r _cgh 2>/dev/null <"$CG_cpuset/cpuset.$_cgo"
		else
			read -r _cgh 2>/dev/null <"$CG_cpuset/cpuset.$_cgo.effective"
		fi
		awk -v v="$_cgl" -v h="$_cgh" 'function set(s, a,   n, i, r, k, lo, hi) {
				n = split(s, r, ",")
				for (i = 1; i <= n; i++) {
					k = split(r[i], b, "-"); lo = b[1] + 0; hi = (k == 2 ? b[2] : b[1]) + 0
					if (lo > hi || hi > 65535) return 0
					for (; lo <= hi; lo++) a[lo] = 1
				}
				return 1
			}
			BEGIN {
				if (v !~ /^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$/) exit 1
				if (!set(v, want)) exit 3
				set(h, have)
				for (c in want) if (!(c in have)) exit 2
			}'
		case $? in
		0) ;;
		2) die "--cpuset-$_cgo $_cgl: not available here (the host has $_cgo ${_cgh:-none})" ;;
		3) die "--cpuset-$_cgo $_cgl: a range goes up (N-M with N <= M, at most 65535)" ;;
		*) die "--cpuset-$_cgo $_cgl: not a list (numbers and ranges joined by commas: 0-3,5)" ;;
		esac
		if [ "$_cgo" = cpus ]; then CG_CPUSET_CPUS=$_cgl; else CG_CPUSET_MEMS=$_cgl; fi
	done
}

# CG_RES_JQ: config.json's "resources", docker's HostConfig fields: memory and memory_swap in bytes
# (memory_swap -1: unlimited; null: not set), nano_cpus (--cpus x 10^9), cpu_shares, pids_limit (-1:
# unlimited); cpuset_cpus, cpuset_mems only when set.
# shellcheck disable=SC2016,SC2034 # jq's $; read by ctr.sh's RUN_JQ and update.sh
CG_RES_JQ='($ENV | {memory: (.CG_MEM // "" | if . == "" then null else tonumber end),
	memory_swap: (.CG_SWAP // "" | if . == "" then null else tonumber end),
	nano_cpus: (.CG_QUOTA // "" | if . == "" then null else tonumber * 10000 end),
	cpu_shares: (.CG_SHARES // "" | if . == "" then null else tonumber end),
	pids_limit: (.CG_PIDS // "" | if . == "" then null else tonumber end)}
	+ if (.CG_CPUSET_CPUS // "") == "" then {} else {cpuset_cpus: .CG_CPUSET_CPUS} end
	+ if (.CG_CPUSET_MEMS // "") == "" then {} else {cpuset_mems: .CG_CPUSET_MEMS} end)'

# cg_load CID: R_MEM R_SWAP R_CPUS R_SHARES R_PIDS from the container's config.json "resources",
# in forms cg_validate takes (bytes, N.N CPUs): cg_validate then gives the limits it was run with.
# A container recorded without them gets run's defaults.
cg_load() {
	_cgr=$(jq -r '.resources // {} | @sh "R_MEM=\(.memory // "") R_SWAP=\(.memory_swap // "")
		R_CPUS=\(.nano_cpus // "" | if . == "" then . else . / 1e9 | tostring end)
		R_SHARES=\(.cpu_shares // "") R_PIDS=\(.pids_limit // "")
		R_CPUSET_CPUS=\(.cpuset_cpus // "") R_CPUSET_MEMS=\(.cpuset_mems // "")"' "$CTR_ROOT/containers/$1/config.json") ||
		die "container $1: config.json is not valid"
	eval "$_cgr"
}

# cg_validate_memory: -m/--memory and --memory-swap with docker's rules (swap is memory + swap,
# -1 unlimited, unset = as much swap as memory when the kernel accounts swap).
cg_validate_memory() {
	[ -z "$R_MEM" ] || CG_MEM=$(cg_bytes --memory "$R_MEM") || exit 125
	[ "${CG_MEM:-0}" != 0 ] || CG_MEM='' # docker: 0 is no limit
	[ -z "$CG_MEM" ] || [ "$CG_MEM" -ge "$CG_MEM_MIN" ] || die "--memory $R_MEM: minimum memory limit allowed is 6MB"
	if [ -n "$R_SWAP" ] && [ "$R_SWAP" != -1 ]; then
		CG_SWAP=$(cg_bytes --memory-swap "$R_SWAP") || exit 125
		[ "$CG_SWAP" != 0 ] || CG_SWAP=''
	elif [ -n "$R_SWAP" ]; then
		CG_SWAP=-1
	fi
	[ -z "$CG_SWAP" ] || [ -n "$CG_MEM" ] ||
		die "--memory-swap $R_SWAP: needs --memory too (it is the total of memory and swap)"
	[ -z "$CG_SWAP" ] || [ "$CG_SWAP" = -1 ] || [ "$CG_SWAP" -ge "$CG_MEM" ] ||
		die "--memory-swap $R_SWAP: must be at least --memory $R_MEM (it is the total of memory and swap)"
	[ -z "$CG_MEM" ] || cg_need memory --memory
	if [ -n "$CG_SWAP" ] && [ "$CGV_memory" = 1 ] && [ ! -f "$CG_memory/memory.memsw.limit_in_bytes" ]; then
		die "--memory-swap: this kernel does not account swap in cgroups (boot with swapaccount=1)"
	fi
}

# cg_validate_cpu: --cpus (0.01 .. number of CPUs, 0 = no limit) and --cpu-shares (2 .. 262144, 0 = default).
cg_validate_cpu() {
	if [ -n "$R_CPUS" ]; then
		_cgn=$(nproc)
		CG_QUOTA=$(awk -v v="$R_CPUS" -v p="$CG_PERIOD" -v n="$_cgn" 'BEGIN {
			if (v !~ /^([0-9]+(\.[0-9]*)?|\.[0-9]+)$/) exit 1
			q = int(v * p + 0.5); if (q != 0 && (q < p / 100 || q > n * p)) exit 2
			print q }')
		case $? in
		0) ;;
		2) die "--cpus $R_CPUS: range of CPUs is from 0.01 to $_cgn.00, as there are only $_cgn CPUs available" ;;
		*) die "--cpus $R_CPUS: not a number of CPUs (e.g. 1.5)" ;;
		esac
		[ "$CG_QUOTA" != 0 ] || CG_QUOTA=''
		[ -z "$CG_QUOTA" ] || cg_need cpu --cpus
		if [ -n "$CG_QUOTA" ] && [ "$CGV_cpu" = 1 ] && [ ! -f "$CG_cpu/cpu.cfs_quota_us" ]; then
			die "--cpus: this kernel has no CFS bandwidth control (CONFIG_CFS_BANDWIDTH)"
		fi
	fi
	if [ -n "$R_SHARES" ]; then
		CG_SHARES=$(cg_int --cpu-shares "$R_SHARES" 0 262144) || exit 125
		[ "$CG_SHARES" -ne 1 ] || die "--cpu-shares 1: must be between 2 and 262144 (0: the default)"
		[ "$CG_SHARES" -ne 0 ] || CG_SHARES=''
		[ -z "$CG_SHARES" ] || cg_need cpu --cpu-shares
	fi
}

# cg_need CONTROLLER OPTION: a limit was asked for; its controller must exist.
cg_need() {
	eval "_cgm=\$CG_$1"
	[ -n "$_cgm" ] ||
		die "$2: the $1 cgroup controller is not available on this host (cgroup $CG_MODE)"
}

# ---------------------------------------------------------------- create, limit, remove

# cg_setup CID [DIR]: create the container's group in every available controller, apply the limits
# cg_validate computed, and set CG_DIRS. On failure the caller's cleanup (cg_teardown) removes it.
# One mkdir makes the group directories of every hierarchy (and /$CTR_PREFIX when missing), which
# is what cgcreate does, without its parse of the mount table (docs/design.md, start-up cost), and
# DIR, the devices group when security.sh needs one of its own (SEC_DEVCG_NEW).
cg_setup() {
	cg_detect
	_cgid=$1 _cgx=${2:-}
	_cgctrls=''
	for _cgc in $CG_CONTROLLERS; do
		eval "_cgm=\$CG_$_cgc _cgv=\$CGV_$_cgc"
		[ -n "$_cgm" ] || continue
		[ "$_cgv" = 2 ] && [ "$_cgc" = cpuacct ] && continue # v2 has no cpuacct: cpu counts
		[ "$_cgv" = 2 ] && [ "$_cgc" = freezer ] && continue # v2: cgroup.freeze in the group made for the others
		_cgctrls="$_cgctrls${_cgctrls:+,}$_cgc"
	done
	[ -n "$_cgctrls" ] || die "cgroup: no memory, cpu or pids controller on this host (cgroup $CG_MODE)"
	cg_v2_delegate || die "cgroup: cannot enable controllers in $CG_UNIFIED/$CTR_PREFIX/cgroup.subtree_control"
	cg_groupdirs -q "$_cgid"
	set -- ${_cgx:+"$_cgx"}
	while read -r _cgc _cgp; do
		[ -z "$_cgp" ] || set -- "$@" "$_cgp"
	done <<EOF
$CG_GD
EOF
	mkdir -p -- "$@" || die "cgroup: cannot create the groups /$CTR_PREFIX/$_cgid ($_cgctrls${_cgx:+, devices})"
	for _cgp; do
		[ -f "$_cgp/cgroup.procs" ] || die "cgroup: $_cgp was not created"
	done
	[ -z "${CG_CPUSET_CPUS:-}${CG_CPUSET_MEMS:-}" ] || cg_cpuset_setup "$_cgid"
	cg_limits "$_cgid"
	cg_dirs "$_cgid"
}

# cg_cpuset_setup CID: the container's cpuset group with --cpuset-cpus, --cpuset-mems (CG_CPUSET_*).
# v1: a new group's cpus and mems are empty and no task can join it: /$CTR_PREFIX gets its parent's
# (when it has none yet), the container's group the lists asked for, else its parent's. v2: the
# controller enabled on the way down (root, /$CTR_PREFIX), the lists written in the group (one not
# given: the parent's, as the kernel has it). nsenter-chroot joins it (every hierarchy's group of
# cgroupsPath that exists).
cg_cpuset_setup() {
	_cgs=$CG_cpuset/$CTR_PREFIX
	if [ "$CGV_cpuset" = 2 ]; then
		for _cgd in "$CG_UNIFIED" "$_cgs"; do
			_cgl=''
			read -r _cgl <"$_cgd/cgroup.subtree_control"
			case " $_cgl " in *" cpuset "*) ;; *)
				printf '+cpuset\n' 2>/dev/null >"$_cgd/cgroup.subtree_control" ||
					die "cgroup: cannot enable cpuset in $_cgd/cgroup.subtree_control" ;;
			esac
		done
		[ -z "$CG_CPUSET_CPUS" ] || cg_set cpuset "$1" cpuset.cpus "$CG_CPUSET_CPUS"
		[ -z "$CG_CPUSET_MEMS" ] || cg_set cpuset "$1" cpuset.mems "$CG_CPUSET_MEMS"
		return 0
	fi
	mkdir -p -- "$_cgs/$1" || die "cgroup: cannot create $_cgs/$1"
	for _cgo in cpus mems; do
		_cgl=''
		read -r _cgl 2>/dev/null <"$_cgs/cpuset.$_cgo"
		if [ -z "$_cgl" ]; then
			read -r _cgl 2>/dev/null <"$CG_cpuset/cpuset.$_cgo"
			printf '%s\n' "$_cgl" 2>/dev/null >"$_cgs/cpuset.$_cgo" || die "cgroup: cannot set cpuset.$_cgo=$_cgl in $_cgs"
		fi
		if [ "$_cgo" = cpus ]; then _cgw=${CG_CPUSET_CPUS:-$_cgl}; else _cgw=${CG_CPUSET_MEMS:-$_cgl}; fi
		cg_set cpuset "$1" "cpuset.$_cgo" "$_cgw"
	done
}

# cg_v2_delegate: on v2 a child group only gets the controllers its parent lists in cgroup.subtree_control:
# enable ours in the root (if not yet) and in /$CTR_PREFIX, which holds no process itself.
cg_v2_delegate() {
	_cgwant=''
	for _cgc in memory cpu pids; do
		eval "_cgm=\$CG_$_cgc _cgv=\$CGV_$_cgc"
		[ "$_cgv" = 2 ] && [ -n "$_cgm" ] && _cgwant="$_cgwant $_cgc"
	done
	[ -n "$_cgwant" ] || return 0
	mkdir -p "$CG_UNIFIED/$CTR_PREFIX" || return 1
	for _cgd in "$CG_UNIFIED" "$CG_UNIFIED/$CTR_PREFIX"; do
		_cgl=''
		[ -f "$_cgd/cgroup.subtree_control" ] || return 1
		read -r _cgl <"$_cgd/cgroup.subtree_control" # empty (EOF at once) when nothing is enabled
		for _cgc in $_cgwant; do
			case " $_cgl " in *" $_cgc "*) continue ;; esac
			printf '+%s\n' "$_cgc" >"$_cgd/cgroup.subtree_control" || return 1
		done
	done
}

# cg_limits CID: write the limits, in the file names of each controller's version.
cg_limits() {
	[ -z "$CG_MEM" ] || cg_limits_memory "$1"
	[ -z "${CG_TCP:-}" ] || [ "$CGV_memory" != 1 ] || cg_set memory "$1" memory.kmem.tcp.limit_in_bytes "${CG_MEM:-$CG_TCP}"
	cg_limits_cpu "$1"
	if [ -n "$CG_pids" ] && [ "$CG_PIDS" = -1 ]; then
		cg_set pids "$1" pids.max max
	elif [ -n "$CG_pids" ]; then
		cg_set pids "$1" pids.max "$CG_PIDS"
	fi
}

# cg_limits_memory CID: v1 limits memory and memory+swap; v2 memory and swap alone.
cg_limits_memory() {
	if [ "$CGV_memory" = 1 ]; then
		cg_set memory "$1" memory.limit_in_bytes "$CG_MEM"
		# memsw must not be below the memory limit, so it is written after it
		if [ -n "$CG_SWAP" ]; then
			cg_set memory "$1" memory.memsw.limit_in_bytes "$CG_SWAP"
		elif [ -f "$CG_memory/memory.memsw.limit_in_bytes" ]; then
			cg_set memory "$1" memory.memsw.limit_in_bytes $((CG_MEM * 2))
		fi
		return
	fi
	cg_set memory "$1" memory.max "$CG_MEM"
	if [ ! -f "$CG_memory/$CTR_PREFIX/$1/memory.swap.max" ]; then
		[ -z "$CG_SWAP" ] || die "--memory-swap: this kernel does not account swap in cgroups"
		return
	fi
	case $CG_SWAP in
	-1) cg_set memory "$1" memory.swap.max max ;;
	'') cg_set memory "$1" memory.swap.max "$CG_MEM" ;;
	*) cg_set memory "$1" memory.swap.max $((CG_SWAP - CG_MEM)) ;;
	esac
}

# cg_limits_cpu CID: the CFS quota (--cpus) and the weight (--cpu-shares).
cg_limits_cpu() {
	if [ -n "$CG_QUOTA" ] && [ "$CGV_cpu" = 1 ]; then
		cg_set cpu "$1" cpu.cfs_period_us "$CG_PERIOD"
		cg_set cpu "$1" cpu.cfs_quota_us "$CG_QUOTA"
	elif [ -n "$CG_QUOTA" ]; then
		cg_set cpu "$1" cpu.max "$CG_QUOTA $CG_PERIOD"
	fi
	if [ -n "$CG_SHARES" ] && [ "$CGV_cpu" = 1 ]; then
		cg_set cpu "$1" cpu.shares "$CG_SHARES"
	elif [ -n "$CG_SHARES" ]; then # runc's mapping of shares [2, 262144] onto weight [1, 10000]
		cg_set cpu "$1" cpu.weight $((1 + (CG_SHARES - 2) * 9999 / 262142))
	fi
}

# cg_update CID: write every limit of CG_MEM CG_SWAP CG_QUOTA CG_SHARES CG_PIDS (cg_validate's)
# into the container's groups, an unset one as no limit (or the default weight): update sets the
# whole state, so that the old one can be put back when the kernel refuses a value. Returns 1 with
# CG_WHY (what the kernel refused) on failure; nothing is written after it.
cg_update() {
	cg_detect
	_cgg=/$CTR_PREFIX/$1
	CG_WHY=''
	if [ -n "$CG_memory" ]; then cg_update_memory "$1" "$_cgg" || return 1; fi
	if [ -n "$CG_cpu" ] && [ "$CGV_cpu" = 1 ]; then
		cg_put "$_cgg" cpu.cfs_quota_us "${CG_QUOTA:--1}" && cg_put "$_cgg" cpu.shares "${CG_SHARES:-1024}" || return 1
	elif [ -n "$CG_cpu" ]; then
		cg_put "$_cgg" cpu.max "${CG_QUOTA:-max} $CG_PERIOD" || return 1
		_cgw=100
		[ -z "$CG_SHARES" ] || _cgw=$((1 + (CG_SHARES - 2) * 9999 / 262142))
		cg_put "$_cgg" cpu.weight "$_cgw" || return 1
	fi
	[ -z "$CG_pids" ] || [ "$CG_PIDS" = -1 ] || cg_put "$_cgg" pids.max "$CG_PIDS" || return 1
	[ -z "$CG_pids" ] || [ "$CG_PIDS" != -1 ] || cg_put "$_cgg" pids.max max
}

# cg_update_memory CID GROUP: memory and swap as run sets them (cg_limits_memory), -1 or max when
# unset. v1 keeps memory <= memory+swap at every step: the one that grows past the other goes first.
cg_update_memory() {
	if [ "$CGV_memory" = 1 ]; then
		_cgm=${CG_MEM:--1} _cgs=-1
		[ -z "$CG_MEM" ] || case $CG_SWAP in -1) ;; '') _cgs=$((CG_MEM * 2)) ;; *) _cgs=$CG_SWAP ;; esac
		[ -z "${CG_TCP:-}" ] || cg_put "$2" memory.kmem.tcp.limit_in_bytes "${CG_MEM:-$CG_TCP}" || return 1
		if [ ! -f "$(cg_path memory "$1" memory.memsw.limit_in_bytes)" ]; then
			cg_put "$2" memory.limit_in_bytes "$_cgm"
			return
		fi
		_cgcur=$(cg_read memory "$1" memory.memsw.limit_in_bytes)
		if [ "$_cgm" = -1 ] || [ "$_cgm" -gt "${_cgcur:-0}" ]; then
			cg_put "$2" memory.memsw.limit_in_bytes "$_cgs" && cg_put "$2" memory.limit_in_bytes "$_cgm"
		else
			cg_put "$2" memory.limit_in_bytes "$_cgm" && cg_put "$2" memory.memsw.limit_in_bytes "$_cgs"
		fi
		return
	fi
	cg_put "$2" memory.max "${CG_MEM:-max}" || return 1
	[ -f "$(cg_path memory "$1" memory.swap.max)" ] || return 0
	case $CG_MEM/$CG_SWAP in
	/* | */-1) cg_put "$2" memory.swap.max max ;;
	*/) cg_put "$2" memory.swap.max "$CG_MEM" ;;
	*) cg_put "$2" memory.swap.max $((CG_SWAP - CG_MEM)) ;;
	esac
}

# cg_put GROUP FILE VALUE: cg_set that returns 1 (CG_WHY set) instead of dying.
cg_put() {
	cgset -r "$2=$3" "$1" 2>/dev/null && return 0
	# shellcheck disable=SC2034 # read by update.sh
	CG_WHY="the kernel refused $2=$3"
	return 1
}

# cg_set CONTROLLER CID FILE VALUE: write one value into the group's file (the shell's own write,
# as cgset does it; the kernel checks the value), so that a failure names the file.
cg_set() {
	eval "_cgm=\$CG_$1"
	printf '%s\n' "$4" 2>/dev/null >"$_cgm/$CTR_PREFIX/$2/$3" ||
		die "cgroup: cannot set $3=$4 in $_cgm/$CTR_PREFIX/$2"
}

# cg_procs FILE: CG_PROCS = the PIDs a cgroup.procs lists, one word each ('' when empty or gone).
# The shell's own read (cgroup files read well in small pieces), no cat.
cg_procs() {
	CG_PROCS=''
	while read -r _cgq; do
		CG_PROCS="$CG_PROCS${CG_PROCS:+ }$_cgq"
	done 2>/dev/null <"$1"
}

# cg_kill DIR: SIGKILL every process of a group until it is empty (a fork bomb may race the first pass).
# cgroup files have size 0 in stat(2): read them, `test -s` would always say empty.
cg_kill() {
	[ -f "$1/cgroup.procs" ] || return 0
	[ ! -f "$1/cgroup.kill" ] || echo 1 >"$1/cgroup.kill" 2>/dev/null
	_cgn=50
	cg_procs "$1/cgroup.procs"
	while [ -n "$CG_PROCS" ] && [ "$_cgn" -gt 0 ]; do
		# shellcheck disable=SC2086 # one PID per word
		kill -KILL $CG_PROCS 2>/dev/null
		sleep 0.1
		_cgn=$((_cgn - 1))
		cg_procs "$1/cgroup.procs"
	done
	[ -z "$CG_PROCS" ]
}

# cg_teardown CID: kill leftovers, then remove the group of each hierarchy and the devices group (v1
# devices controller, or cgroup2 for CTR_DEVICE_CONTROL=bpf) all with one rmdir, and check that
# each directory is really gone. rmdir(2) refuses a group that still has a process or a child
# group: a group that cannot be emptied is kept (cgdelete would move its processes to the parent
# group, out of every limit). Idempotent.
cg_teardown() {
	cg_detect
	cg_groupdirs -q "$1"
	[ -n "$CG_GD" ] || return 0
	cg_freeze "$1" 0 2>/dev/null # a frozen (paused) process cannot die: thaw first
	_cgid=$1
	set --
	while read -r _cgc _cgp; do
		[ -n "$_cgp" ] && [ -d "$_cgp" ] || continue
		case " $* " in *" $_cgp "*) continue ;; esac # v2: one group for all
		cg_kill "$_cgp" || { printf 'ctr: cgroup: cannot kill the processes of %s\n' "$_cgp" >&2; return 1; }
		set -- "$@" "$_cgp"
	done <<EOF
$CG_GD
${CG_DEVICES:+devices $CG_DEVICES/$CTR_PREFIX/$_cgid}
${CG_UNIFIED:+devices $CG_UNIFIED/$CTR_PREFIX/$_cgid}
${CG_cpuset:+cpuset $CG_cpuset/$CTR_PREFIX/$_cgid}
EOF
	[ $# -eq 0 ] || rmdir -- "$@" 2>/dev/null
	# a process that entered a group after its kill (an exec joining the container) keeps it: kill
	# and remove again, a few times
	_cgr=3
	while [ "$_cgr" -gt 0 ]; do
		_cgleft=''
		for _cgp; do [ ! -d "$_cgp" ] || { cg_kill "$_cgp"; _cgleft=1; }; done
		[ -n "$_cgleft" ] || return 0
		rmdir -- "$@" 2>/dev/null
		_cgr=$((_cgr - 1))
	done
	for _cgp; do
		[ ! -d "$_cgp" ] || { printf 'ctr: cgroup: cannot remove %s\n' "$_cgp" >&2; return 1; }
	done
}

# ---------------------------------------------------------------- queries

# cg_oom_killed CID: "true" when the OOM killer killed a process of the container's memory group
# (its oom_kill counter, read with the shell's read: the exit action's path).
cg_oom_killed() {
	cg_detect
	if [ "$CGV_memory" = 1 ]; then _cgf=memory.oom_control; else _cgf=memory.events; fi
	_cgk=0
	while read -r _cgl _cgv; do
		[ "$_cgl" != oom_kill ] || _cgk=$_cgv
	done 2>/dev/null <"$CG_memory/$CTR_PREFIX/$1/$_cgf"
	case $_cgk in '' | *[!0-9]*) _cgk=0 ;; esac
	[ "$_cgk" -gt 0 ] && echo true || echo false
}

# cg_freeze CID 1|0: freeze or thaw the container's group (v1 freezer.state FROZEN/THAWED, v2
# cgroup.freeze 1/0) and wait until the kernel says it is done (FREEZING, or frozen 0, while busy).
cg_freeze() {
	cg_detect
	[ -n "$CG_freezer" ] || { printf 'ctr: cgroup: no freezer on this host (cgroup %s)\n' "$CG_MODE" >&2; return 1; }
	_cgd=$CG_freezer/$CTR_PREFIX/$1
	_cgw=THAWED
	[ "$2" = 0 ] || _cgw=FROZEN
	if [ "$CGV_freezer" = 1 ]; then
		[ -f "$_cgd/freezer.state" ] && printf '%s\n' "$_cgw" >"$_cgd/freezer.state" || return 1
	else
		[ -f "$_cgd/cgroup.freeze" ] && printf '%s\n' "$2" >"$_cgd/cgroup.freeze" || return 1
	fi
	cg_freeze_wait "$1" "$2" "$_cgd"
}

# cg_freeze_wait CID 1|0 DIR: wait (5 s at most) until cg_frozen says the group DIR is frozen (1) or
# thawed (0); the freezer works in the background. Also rootless-cgroup.sh's.
cg_freeze_wait() {
	_cgn=100
	while [ "$_cgn" -gt 0 ]; do
		if [ "$2" = 1 ]; then cg_frozen "$1" && return 0; else ! cg_frozen "$1" && return 0; fi
		sleep 0.05
		_cgn=$((_cgn - 1))
	done
	printf 'ctr: cgroup: %s: the freezer did not settle\n' "$3" >&2
	return 1
}

# cg_frozen CID: the container's group is frozen, wholly (v1 FROZEN, v2 "frozen 1"). No fork.
cg_frozen() {
	cg_detect
	[ -n "$CG_freezer" ] || return 1
	_cgd=$CG_freezer/$CTR_PREFIX/$1
	if [ "$CGV_freezer" = 1 ]; then
		_cgl=''
		read -r _cgl 2>/dev/null <"$_cgd/freezer.state"
		[ "$_cgl" = FROZEN ]
		return
	fi
	while read -r _cgk _cgl; do
		[ "$_cgk" != frozen ] || { [ "$_cgl" = 1 ]; return; }
	done 2>/dev/null <"$_cgd/cgroup.events"
	return 1
}

# cg_cpu_ns CID: CPU time used by the container's group, in nanoseconds.
cg_cpu_ns() {
	if [ "$CGV_cpuacct" = 1 ]; then
		cg_read cpuacct "$1" cpuacct.usage
	else
		cg_read cpuacct "$1" cpu.stat | awk '$1 == "usage_usec" { printf "%.0f\n", $2 * 1000 }'
	fi
}

# cg_mem CID: "USAGE LIMIT" in bytes, usage without the inactive page cache (as docker), limit the
# host's memory when the group has none.
cg_mem() {
	_cgtot=$(awk '$1 == "MemTotal:" { printf "%.0f", $2 * 1024 }' /proc/meminfo)
	if [ "$CGV_memory" = 1 ]; then
		set -- "$(cg_read memory "$1" memory.usage_in_bytes)" "$(cg_read memory "$1" memory.limit_in_bytes)" \
			"$(cg_read memory "$1" memory.stat | awk '$1 == "total_inactive_file" { print $2 }')"
	else
		set -- "$(cg_read memory "$1" memory.current)" "$(cg_read memory "$1" memory.max)" \
			"$(cg_read memory "$1" memory.stat | awk '$1 == "inactive_file" { print $2 }')"
	fi
	awk -v u="${1:-0}" -v l="$2" -v i="${3:-0}" -v t="$_cgtot" 'BEGIN {
		if (l == "" || l == "max" || l + 0 > t + 0) l = t
		u = (u - i < 0) ? 0 : u - i
		printf "%.0f %.0f\n", u, l }'
}

# cg_cleanup: remove the groups of $CTR_PREFIX that belong to no container (a run killed midway).
# Only directories named like a container ID are considered; other groups are never touched.
cg_cleanup() {
	cg_detect
	for _cgc in $CG_CONTROLLERS cpuset; do
		eval "_cgm=\$CG_$_cgc"
		[ -n "$_cgm" ] || continue
		for _cgp in "$_cgm/$CTR_PREFIX"/*; do
			_cgid=${_cgp##*/}
			[ -d "$_cgp" ] && [ ${#_cgid} -eq 12 ] && [ ! -d "$CTR_ROOT/containers/$_cgid" ] || continue
			case $_cgid in *[!0-9a-f]*) continue ;; esac
			cg_teardown "$_cgid" && printf 'removed cgroup /%s/%s\n' "$CTR_PREFIX" "$_cgid"
		done
	done
}

# cg_remove_parents: (cleanup --all) remove the empty /$CTR_PREFIX parent group of every hierarchy
# (also the devices one that security.sh uses).
cg_remove_parents() {
	awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts | while IFS= read -r _cgm; do
		[ -d "$_cgm/$CTR_PREFIX" ] || continue
		rmdir "$_cgm/$CTR_PREFIX" 2>/dev/null && printf 'removed cgroup %s/%s\n' "$_cgm" "$CTR_PREFIX"
	done
	return 0
}

#HELP stats [--no-stream] [CONTAINER...]   one-shot CPU %, memory and PIDs of running containers (default: all)
ctr_stats() {
	while [ $# -gt 0 ]; do
		case $1 in
		--no-stream) ;; # one sample is all ctr's stats prints (docker's streams without it)
		--) shift; break ;;
		-*) die "stats: unknown option $1 (see ctr.sh help)" ;;
		*) break ;;
		esac
		shift
	done
	pool_ensure
	stats_setup
	if [ $# -eq 0 ]; then
		for _cgd in "$CTR_ROOT"/containers/*/; do
			_cgid=${_cgd%/}
			_cgid=${_cgid##*/}
			[ -f "$_cgd/config.json" ] || continue
			ctr_state "$_cgid"
			[ "$ST" = running ] && stats_keep "$_cgid" all && set -- "$@" "$_cgid"
		done
	else # replace each argument by its container ID: append the ID, drop the argument
		for _cgc; do
			_cgid=$(ctr_resolve "$_cgc") || exit 125
			stats_keep "$_cgid" || exit 125
			set -- "$@" "$_cgid"
			shift
		done
	fi
	stats_table "$@"
}

# stats_setup: the layout stats_table reads (rootless-verbs.sh: the delegated cgroup v2 group's).
# stats_keep CID [all]: whether stats shows the container: every one here; rootless-verbs.sh's
# only one with a group (a container named without one is an error, skipped ones are said once).
stats_setup() { cg_detect; }
stats_keep() { return 0; }

# stats_table CID...: sample the CPU counters twice, $CTR_STATS_INTERVAL (0.5 s) apart, and print one row
# per container: CPU % is of one CPU, as docker (200% = two CPUs busy).
stats_table() {
	printf '%-12s   %-16s   %-7s   %-21s   %-6s   %s\n' "CONTAINER ID" NAME "CPU %" "MEM USAGE / LIMIT" "MEM %" PIDS
	[ $# -gt 0 ] || return 0
	_cgs0=$(for _cgid; do printf '%s %s\n' "$_cgid" "$(cg_cpu_ns "$_cgid")"; done)
	_cgt0=$(date +%s%N)
	sleep "${CTR_STATS_INTERVAL:-0.5}"
	_cgs1=$(for _cgid; do printf '%s %s\n' "$_cgid" "$(cg_cpu_ns "$_cgid")"; done)
	_cgt1=$(date +%s%N)
	for _cgid; do
		ctr_state "$_cgid"
		_cgname=$(jq -r '.name // ""' "$CTR_ROOT/containers/$_cgid/config.json" 2>/dev/null)
		_cgc0=$(printf '%s\n' "$_cgs0" | awk -v i="$_cgid" '$1 == i { print $2 }')
		_cgc1=$(printf '%s\n' "$_cgs1" | awk -v i="$_cgid" '$1 == i { print $2 }')
		if [ "$ST" = running ]; then
			_cgmem=$(cg_mem "$_cgid")
			_cgpids=$(cg_read pids "$_cgid" pids.current)
		else
			_cgmem='0 0' _cgpids=0 _cgc0=0 _cgc1=0
		fi
		# shellcheck disable=SC2086 # _cgmem is "USAGE LIMIT"
		stats_row "$_cgid" "${_cgname:--}" "${_cgc0:-0}" "${_cgc1:-0}" $((_cgt1 - _cgt0)) $_cgmem "${_cgpids:-0}"
	done
}

# stats_row ID NAME CPU0 CPU1 WALL_NS MEM LIMIT PIDS: one formatted line (sizes as docker: 1.5MiB).
stats_row() {
	awk -v id="$1" -v n="$2" -v c0="$3" -v c1="$4" -v w="$5" -v m="$6" -v l="$7" -v p="$8" '
		function h(b,  u, i) { split("B KiB MiB GiB TiB", u, " "); i = 1
			while (b >= 1024 && i < 5) { b /= 1024; i++ }
			return sprintf("%.4g%s", b, u[i]) }
		BEGIN { cpu = (w > 0 && c1 >= c0) ? (c1 - c0) * 100 / w : 0
			printf "%-12s   %-16s   %-7s   %-21s   %-6s   %s\n", id, n, sprintf("%.2f%%", cpu),
				h(m) " / " h(l), sprintf("%.2f%%", l > 0 ? m * 100 / l : 0), p }'
}
