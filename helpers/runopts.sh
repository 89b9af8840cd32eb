#!/bin/sh
# runopts.sh - docker run's options for names, stopping, the container's ID file and its kernel's
# namespaced settings: --add-host, --dns, --dns-search, --dns-option, --stop-signal, --stop-timeout,
# --cidfile, --sysctl, --shm-size, --device. Sourced by ctr.sh's
# run only when one of them is given (an option not given costs nothing: no source, no process).
# Variables of this file start with _ro (locals) or RO_.
#
# Interface used by ctr.sh:
#   ro_opt OPTION VALUE   check VALUE (dies: `ctr: OPTION VALUE: why`) and keep it: R_ADDHOSTS,
#                         R_DNS, R_DNSSEARCH, R_DNSOPT (blank-separated words of [A-Za-z0-9_.:=-]:
#                         no blank, newline, quote, glob or slash gets in), R_STOPSIG (a signal
#                         number), R_STOPTIME, R_CIDFILE, R_SYSCTLS (JSON members: checked
#                         keys and values), R_SHM (bytes), R_DEVICES (JSON: checked paths)
#   ro_validate           what needs all the options (--net): before anything is made; R_X: the
#                         config.json members of the options given (JSON, from checked words only)
#   ro_cidfile_write      --cidfile: the container's ID, written as docker does (no newline), in a
#                         file that must not exist (O_EXCL: a symlink planted there is not followed)
# The values go in config.json (run's jq: $x; --sysctl and --shm-size also in the OCI config:
# linux.sysctl, which nsenter-chroot writes in the container's namespaces, and the size of the
# /dev tmpfs, which /dev/shm is a directory of), which start reads back (start.sh's START_JQ) for
# /etc/hosts and resolv.conf (net.sh's net_etc), and stop and restart read $C/stop (signal,
# timeout: written by ctr.sh's run_config, with the image's STOPSIGNAL when no --stop-signal)
# without a jq.

# ro_name OPTION VALUE NAME: NAME is a host name for /etc/hosts: [A-Za-z0-9_.-], a letter or digit
# first, at most 255.
ro_name() {
	case $3 in [A-Za-z0-9]*) ;; *) die "$1 $2: the name must start with a letter or digit" ;; esac
	case $3 in *[!A-Za-z0-9_.-]*) die "$1 $2: the name may only have [A-Za-z0-9_.-]" ;; esac
	[ ${#3} -le 255 ] || die "$1 $2: the name has more than 255 characters"
}

# ro_ip6 ADDR: ADDR is an IPv6 address (hex groups of 1 to 4 digits, at most one ::, an IPv4 tail).
ro_ip6() {
	case $1 in *:*) ;; *) return 1 ;; esac
	case $1 in *[!0-9A-Fa-f:.]* | *:::* | *::*::*) return 1 ;; esac
	[ ${#1} -le 45 ] || return 1
	_rog=0 _roz=''
	case $1 in *::*) _roz=1 ;; esac
	_rot=${1#::} _rot=${_rot%::}
	_roifs=$IFS IFS=:
	# shellcheck disable=SC2086 # split on the colons (checked: no glob character)
	set -- $_rot
	IFS=$_roifs
	for _rox; do
		_rog=$((_rog + 1))
		case $_rox in
		'') [ -n "$_roz" ] || return 1 ;;
		*.*) [ "$_rog" -eq $# ] && net_valid_ip "$_rox" || return 1; _rog=$((_rog + 1)) ;;
		? | ?? | ??? | ????) case $_rox in *.*) return 1 ;; esac ;;
		*) return 1 ;;
		esac
	done
	if [ -n "$_roz" ]; then [ "$_rog" -le 7 ]; else [ "$_rog" -eq 8 ]; fi
}

# ro_ip OPTION VALUE ADDR: ADDR is an IPv4 or IPv6 address.
ro_ip() {
	net_valid_ip "$3" || ro_ip6 "$3" || die "$1 $2: $3 is not an IPv4 or IPv6 address"
}

# ro_stop_signal VALUE: R_STOPSIG = the number of signal VALUE (a name, with or without SIG, or
# 1-64: ctr.sh's sig_lookup), RO_STOPNAME the name config.json records (SIGNAME, or the number).
ro_stop_signal() {
	sig_lookup "$1"
	[ -n "$SIG_NUM" ] || die "--stop-signal $1: not a signal (a name such as SIGINT, or 1-64)"
	R_STOPSIG=$SIG_NUM RO_STOPNAME=$1
	[ -z "$SIG_NAME" ] || RO_STOPNAME=SIG$SIG_NAME
}

# ro_opt OPTION VALUE: one option (see the top).
ro_opt() {
	one_line "$1" "$2"
	case $1 in
	--add-host)
		case $2 in
		*=*) _ron=${2%%=*} _roi=${2#*=} ;;
		*:*) _ron=${2%%:*} _roi=${2#*:} ;;
		*) die "$1 $2: expected NAME:IP (or NAME:host-gateway)" ;;
		esac
		ro_name "$1" "$2" "$_ron"
		case $_roi in \[*\]) _roi=${_roi#\[} _roi=${_roi%\]} ;; esac
		[ "$_roi" = host-gateway ] || ro_ip "$1" "$2" "$_roi"
		R_ADDHOSTS="$R_ADDHOSTS $_ron:$_roi" ;;
	--dns) ro_ip "$1" "$2" "$2"; R_DNS="$R_DNS $2" ;;
	--dns-search)
		_roi=${2%.}
		[ "$2" = . ] || {
			case $_roi in [A-Za-z0-9]*) ;; *) die "$1 $2: a domain starts with a letter or digit" ;; esac
			case $_roi in *[!A-Za-z0-9_.-]* | *..*) die "$1 $2: not a domain name ([A-Za-z0-9_-] labels joined by dots)" ;; esac
			[ ${#_roi} -le 253 ] || die "$1 $2: a domain name has at most 253 characters"
		}
		[ "$2" = . ] && _roi=.
		R_DNSSEARCH="$R_DNSSEARCH $_roi" ;;
	--dns-option | --dns-opt)
		case $2 in '' | *[!A-Za-z0-9_.:-]*) die "$1 $2: not a resolver option (e.g. ndots:2, timeout:1, rotate)" ;; esac
		[ ${#2} -le 64 ] || die "$1 $2: at most 64 characters"
		R_DNSOPT="$R_DNSOPT $2" ;;
	--stop-signal) ro_stop_signal "$2" ;;
	--stop-timeout)
		case $2 in
		-1) die "$1 $2: ctr has no endless stop: give a number of seconds" ;;
		'' | *[!0-9]*) die "$1 $2: not a number of seconds" ;;
		esac
		[ ${#2} -le 9 ] || die "$1 $2: at most 999999999 seconds"
		_roi=$2
		while :; do case $_roi in 0?*) _roi=${_roi#0} ;; *) break ;; esac; done
		R_STOPTIME=$_roi ;;
	--sysctl) ro_sysctl "$2" ;;
	--shm-size)
		R_SHM=$(cg_bytes "$1" "$2") || exit 125
		[ "$R_SHM" -gt 0 ] || die "$1 $2: must be more than 0" ;;
	--device) ro_device "$2" ;;
	--cidfile)
		case $2 in '' | */ | */. | */.. | . | ..) die "$1 '$2': not a file name" ;; esac
		[ ! -e "$2" ] && [ ! -L "$2" ] || die "$1 $2: the file exists (a container may own it): remove it first"
		R_CIDFILE=$2 ;;
	esac
}

# ro_sysctl K=V: --sysctl, docker's rule (runc's): a sysctl of a namespace of the container's own,
# its network namespace's (net.*) or its ipc namespace's (kernel.msgmax, msgmnb, msgmni, sem,
# shmall, shmmax, shmmni, shm_rmid_forced, fs.mqueue.*). K: [A-Za-z0-9_-] words joined by dots
# (/proc/sys/K, dots as slashes, stays where it names); V: letters, digits, blanks and _.:,+/-
# (no quote or backslash: it goes into JSON as it is). R_SYSCTLS: JSON members, a later K wins.
ro_sysctl() {
	case $1 in *=*) ;; *) die "--sysctl $1: expected KEY=VALUE (e.g. net.ipv4.ip_forward=1)" ;; esac
	_rok=${1%%=*} _rov=${1#*=}
	case $_rok in '' | [!A-Za-z0-9]* | *[!A-Za-z0-9_.-]* | *..* | *.) die "--sysctl $1: $_rok is not a sysctl name" ;; esac
	case $_rok in
	net.?* | fs.mqueue.?*) ;;
	kernel.msgmax | kernel.msgmnb | kernel.msgmni | kernel.sem | kernel.shmall | kernel.shmmax | kernel.shmmni | kernel.shm_rmid_forced) ;;
	*) die "--sysctl $1: $_rok is not a sysctl of the container's own namespaces (net.*, fs.mqueue.*, kernel.msgmax, msgmnb, msgmni, sem, shmall, shmmax, shmmni, shm_rmid_forced)" ;;
	esac
	case $_rov in '' | *[!A-Za-z0-9\ _.:,+/-]*) die "--sysctl $1: the value may only have letters, digits, blanks and _.:,+/-" ;; esac
	[ ${#_rov} -le 256 ] || die "--sysctl $1: the value has more than 256 characters"
	R_SYSCTLS="$R_SYSCTLS,\"$_rok\":\"$_rov\""
}

# ro_device HOST[:CTR][:PERMS]: --device, docker's form: the host's device node HOST (a symlink to
# one: its target) bound on CTR in the container (default: HOST; under /dev), the devices cgroup
# allowing PERMS of it (r, w, m: mknod; default rwm). R_DEVICES: JSON array members (checked paths).
ro_device() {
	_rop=rwm
	case $1 in
	*:*:*:*) die "--device $1: expected HOST[:CONTAINER[:PERMISSIONS]]" ;;
	*:*:*) _roh=${1%%:*} _roc=${1#*:} _rop=${_roc#*:} _roc=${_roc%%:*} ;;
	*:*) _roh=${1%%:*} _roc=${1#*:}
		case $_roc in /*) ;; *) _rop=$_roc _roc='' ;; esac ;;
	*) _roh=$1 _roc='' ;;
	esac
	case $_rop in '' | *[!rwm]* | ????*) die "--device $1: permissions are r, w and m (e.g. rwm)" ;; esac
	case $_roh in /*) ;; *) die "--device $1: the host's path must be absolute" ;; esac
	[ -c "$_roh" ] || [ -b "$_roh" ] || die "--device $1: $_roh is not a device node of the host"
	_roh=$(readlink -f -- "$_roh") && [ -n "$_roh" ] || die "--device $1: cannot resolve $_roh"
	case $_roh in *[!A-Za-z0-9_.+/-]*) die "--device $1: the host's path may only have [A-Za-z0-9_.+/-]" ;; esac
	[ -n "$_roc" ] || _roc=$_roh
	case $_roc in
	/dev/*/ | */../* | */.. | */./* | */. | *//*) die "--device $1: $_roc is not a plain path" ;;
	/dev/?*) ;;
	*) die "--device $1: the container's path must be under /dev" ;;
	esac
	case $_roc in *[!A-Za-z0-9_.+/-]*) die "--device $1: the container's path may only have [A-Za-z0-9_.+/-]" ;; esac
	case " $R_DEVCTRS " in *" $_roc "*) die "--device $1: $_roc is given twice" ;; esac
	R_DEVCTRS="$R_DEVCTRS $_roc"
	# type, major and minor (hex) of the node: rules of the devices cgroup
	_rot=$(stat -L -c '%F %t %T' -- "$_roh") || die "--device $1: cannot stat $_roh"
	case $_rot in
	'character special file '*) _roty=c ;;
	'block special file '*) _roty=b ;;
	*) die "--device $1: $_roh is not a device node of the host" ;;
	esac
	_rot=${_rot##*file } _romin=${_rot#* } _romaj=${_rot% *}
	case $_romaj$_romin in '' | *[!0-9a-f]*) die "--device $1: $_roh: no major and minor number" ;; esac
	R_DEVICES="$R_DEVICES,{\"path_on_host\":\"$_roh\",\"path_in_container\":\"$_roc\",\"cgroup_permissions\":\"$_rop\",\"type\":\"$_roty\",\"major\":$((0x$_romaj)),\"minor\":$((0x$_romin))}"
}

# ro_list WORDS: RO_LIST = the blank-separated WORDS (checked: no quote, backslash or glob) as a
# JSON array of strings.
ro_list() {
	RO_LIST=''
	for _rox in $1; do RO_LIST="$RO_LIST${RO_LIST:+,}\"$_rox\""; done
	RO_LIST="[$RO_LIST]"
}

# ro_validate: what needs all of run's options; R_X: the config.json members (see the top).
ro_validate() {
	case " $R_ADDHOSTS" in *:host-gateway*)
		[ "$R_NET" != none ] || die "--add-host NAME:host-gateway: --net none has no way to the host" ;;
	esac
	case $R_SYSCTLS in *'"net.'*)
		[ "$R_NET" != host ] || die "--sysctl net.*: not with --net host (the host's network namespace is not the container's)" ;;
	esac
	R_X=''
	[ -z "$R_SYSCTLS" ] || R_X="$R_X,\"sysctls\":{${R_SYSCTLS#,}}"
	[ -z "$R_SHM" ] || R_X="$R_X,\"shm_size\":$R_SHM"
	[ -z "$R_DEVICES" ] || R_X="$R_X,\"devices\":[${R_DEVICES#,}]"
	[ -z "$R_DEVICES" ] || [ -z "$CTR_ROOTLESS" ] || die "--device: rootless, not available yet"
	[ -z "$R_ADDHOSTS" ] || { ro_list "$R_ADDHOSTS"; R_X="$R_X,\"extra_hosts\":$RO_LIST"; }
	[ -z "$R_DNS" ] || { ro_list "$R_DNS"; R_X="$R_X,\"dns\":$RO_LIST"; }
	[ -z "$R_DNSSEARCH" ] || { ro_list "$R_DNSSEARCH"; R_X="$R_X,\"dns_search\":$RO_LIST"; }
	[ -z "$R_DNSOPT" ] || { ro_list "$R_DNSOPT"; R_X="$R_X,\"dns_options\":$RO_LIST"; }
	[ -z "$R_STOPSIG" ] || R_X="$R_X,\"stop_signal\":\"${RO_STOPNAME:-$R_STOPSIG}\""
	[ -z "$R_STOPTIME" ] || R_X="$R_X,\"stop_timeout\":$R_STOPTIME"
	R_X="{${R_X#,}}"
}

# ro_cidfile_write: --cidfile's file, made now (O_EXCL) with the ID and no newline, as docker's.
# R_CIDW: made (run_undo removes it when the run fails).
ro_cidfile_write() {
	(set -C && printf '%s' "$CID" >"$R_CIDFILE") 2>/dev/null ||
		die "--cidfile $R_CIDFILE: cannot create (it exists now, or its directory is not writable)"
	# shellcheck disable=SC2034 # read by ctr.sh's run_undo
	R_CIDW=1
}
