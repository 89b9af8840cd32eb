#!/bin/sh
# mount.sh - run's and create's --mount (docker's CSV syntax) and --tmpfs, turned into what run
# already knows: a bind or a volume becomes a -v SPEC in SEC_VOLS, checked and made by the one path
# of -v (security.sh sec_volume: host paths resolved once, symlinks in volumes refused; volume.sh:
# volumes made under the lock; nsenter-chroot's openat2 binds), a tmpfs an item of SEC_TMPL.
# Sourced by security.sh's sec_opt at the first --mount or --tmpfs: never on run's path otherwise.
#
# Interface:
#   mnt_opt --mount|--tmpfs VALUE   check VALUE (nothing is made yet) and record it: SEC_VOLS (a -v
#                     SPEC and `--mount VALUE`, which starts its errors), SEC_TMPL (3 items a tmpfs:
#                     the container path, its OCI mount options comma-separated, `--tmpfs VALUE`).
#                     Dies on bad input: `ctr: --mount VALUE: why`.
#
# --mount follows docker's CLI (opts/mount.go): fields split as Go's encoding/csv reads one record
# (a field that starts with '"' is quoted, '""' in it is one '"', a ',' in it is kept; a '"'
# anywhere else is an error), each field key=value with the key in any case, readonly/ro and
# volume-nocopy also alone; the type is volume unless given. What ctr does not do is refused, never
# ignored: other types, volume drivers but local, volume labels and options, a propagation but
# rprivate (docker's default for a bind), non-recursive binds.
# shellcheck disable=SC2034 # MNT_SH is read by security.sh
MNT_SH=1

# mnt_opt OPTION VALUE: see the contract above.
mnt_opt() {
	one_line "$1" "$2"
	case $1 in
	--mount) mnt_mount "$2" ;;
	*) mnt_tmpfs "$2" ;;
	esac
}

# mnt_csv WHAT CSV: MNT_F = the fields of CSV (a list: list_add), read as Go's csv reader reads one
# record with its defaults (no lazy quotes, leading spaces kept).
mnt_csv() {
	MNT_F='' _mr=$2
	while :; do
		case $_mr in
		'"'*)
			_mr=${_mr#?} _mf=''
			while :; do
				case $_mr in
				*'"'*) _mf=$_mf${_mr%%'"'*} _mr=${_mr#*'"'} ;;
				*) die "$1: extraneous or missing \" in quoted-field" ;;
				esac
				case $_mr in
				'"'*) _mf=$_mf'"' _mr=${_mr#?} ;;
				,* | '') break ;;
				*) die "$1: extraneous or missing \" in quoted-field" ;;
				esac
			done ;;
		*)
			_mf=${_mr%%,*}
			case $_mf in *'"'*) die "$1: bare \" in non-quoted-field" ;; esac
			_mr=${_mr#"$_mf"} ;;
		esac
		list_add MNT_F "$_mf"
		[ -n "$_mr" ] || break
		_mr=${_mr#,}
	done
}

# mnt_lower VALUE: MNT_LC = VALUE in lower case (a fork only when it has an upper-case letter).
mnt_lower() {
	MNT_LC=$1
	case $1 in *[A-Z]*) MNT_LC=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]') ;; esac
}

# mnt_bool WHAT KEY VALUE: MNT_BOOL = 1 or '' for Go's strconv.ParseBool's words.
mnt_bool() {
	case $3 in
	1 | t | T | true | TRUE | True) MNT_BOOL=1 ;;
	0 | f | F | false | FALSE | False) MNT_BOOL='' ;;
	*) die "$1: invalid value for $2: $3 (true or false)" ;;
	esac
}

# mnt_target WHAT PATH: _mdst = PATH cleaned; die unless it is an absolute path, not /, without ':'
# (the -v form it becomes cannot hold one).
mnt_target() {
	[ -n "$2" ] || die "$1: target is required"
	case $2 in /*) ;; *) die "$1: target $2: must be an absolute path" ;; esac
	case $2 in *:*) die "$1: target $2: a ':' in the path is not supported" ;; esac
	path_clean "$2"
	# shellcheck disable=SC2154 # _pc: path_clean's (security.sh)
	_mdst=$_pc
	[ "$_mdst" != / ] || die "$1: target $2: cannot mount over the container's /"
}

# mnt_mount CSV: --mount CSV (docker's keys: type, source|src, target|dst|destination, readonly|ro,
# consistency, bind-propagation, bind-nonrecursive, volume-nocopy, volume-driver, tmpfs-size,
# tmpfs-mode).
mnt_mount() {
	_mw="--mount $1"
	[ -n "$1" ] || die "--mount: empty (type=bind|volume|tmpfs,target=/CONTAINER,...)"
	mnt_csv "$_mw" "$1"
	_mty=volume _msrc='' _mdst='' _mro='' _mnc='' _mbo='' _mvo='' _mto='' _msize='' _mmode=''
	eval "set -- $MNT_F"
	for _mf; do
		mnt_lower "${_mf%%=*}"
		_mk=$MNT_LC
		case $_mf in
		*=*) _mv=${_mf#*=} ;;
		*)
			case $_mk in
			readonly | ro) _mro=1 ;;
			volume-nocopy) _mnc=1 _mvo=1 ;;
			bind-nonrecursive) die "$_mw: bind-nonrecursive: not supported (a bind is recursive)" ;;
			*) die "$_mw: invalid field '$_mf' must be a key=value pair" ;;
			esac
			continue ;;
		esac
		case $_mk in
		type) mnt_lower "$_mv"; _mty=$MNT_LC ;;
		source | src) _msrc=$_mv ;;
		target | dst | destination) _mdst=$_mv ;;
		readonly | ro) mnt_bool "$_mw" "$_mk" "$_mv"; _mro=$MNT_BOOL ;;
		consistency)
			mnt_lower "$_mv"
			case $MNT_LC in consistent | cached | delegated | default) ;; # macOS's: nothing on Linux
			*) die "$_mw: invalid value for consistency: $_mv (consistent, cached, delegated, default)" ;;
			esac ;;
		bind-propagation)
			_mbo=1
			mnt_lower "$_mv"
			case $MNT_LC in
			rprivate) ;;
			private | shared | rshared | slave | rslave)
				die "$_mw: bind-propagation=$_mv: not supported (only rprivate, the default: the container's mounts and the host's stay apart)" ;;
			*) die "$_mw: invalid value for bind-propagation: $_mv (private, rprivate, shared, rshared, slave, rslave)" ;;
			esac ;;
		bind-nonrecursive)
			_mbo=1
			mnt_bool "$_mw" "$_mk" "$_mv"
			[ -z "$MNT_BOOL" ] || die "$_mw: bind-nonrecursive: not supported (a bind is recursive)" ;;
		volume-nocopy) _mvo=1; mnt_bool "$_mw" "$_mk" "$_mv"; _mnc=$MNT_BOOL ;;
		volume-driver)
			_mvo=1
			[ "$_mv" = local ] || die "$_mw: volume-driver=$_mv: only local" ;;
		volume-label | volume-opt | volume-subpath) die "$_mw: $_mk: not supported" ;;
		tmpfs-size)
			_mto=1
			_msize=$(cg_bytes "$_mk" "$_mv" 2>/dev/null) ||
				die "$_mw: invalid value for tmpfs-size: $_mv (bytes, or a number with a k, m, g or t suffix)" ;;
		tmpfs-mode)
			_mto=1
			mnt_mode "$_mv" || die "$_mw: invalid value for tmpfs-mode: $_mv (octal, e.g. 1777 or 700)"
			_mmode=$_mv ;;
		*) die "$_mw: unexpected key '$_mk' in '$_mf'" ;;
		esac
	done
	case $_mty in
	bind | volume | tmpfs) ;;
	*) die "$_mw: type $_mty: not supported (bind, volume or tmpfs)" ;;
	esac
	[ -z "$_mvo" ] || [ "$_mty" = volume ] || die "$_mw: cannot mix 'volume-*' options with mount type '$_mty'"
	[ -z "$_mbo" ] || [ "$_mty" = bind ] || die "$_mw: cannot mix 'bind-*' options with mount type '$_mty'"
	[ -z "$_mto" ] || [ "$_mty" = tmpfs ] || die "$_mw: cannot mix 'tmpfs-*' options with mount type '$_mty'"
	mnt_target "$_mw" "$_mdst"
	case $_msrc in *:*) die "$_mw: source $_msrc: a ':' is not supported" ;; esac
	case $_mty in
	bind)
		# docker's CLI makes ./PATH and . absolute; any other relative path is an error
		case $_msrc in
		'') die "$_mw: source is required for a bind mount" ;;
		.) _msrc=$PWD ;;
		./*) _msrc=$PWD/${_msrc#./} ;;
		/*) ;;
		*) die "$_mw: source $_msrc: must be an absolute path (or ./PATH)" ;;
		esac
		sec_vol_add "$_msrc:$_mdst${_mro:+:ro}" "$_mw" ;;
	volume)
		# no source: an anonymous volume (-v /CTR[:OPTS]); else a name (-v NAME:/CTR[:OPTS])
		_mx=${_mro:+ro}
		[ -z "$_mnc" ] || _mx=${_mx:+$_mx,}nocopy
		case $_msrc in
		'') sec_vol_add "$_mdst${_mx:+:$_mx}" "$_mw" ;;
		/* | .*) die "$_mw: source $_msrc: a volume's name, not a path (type=bind mounts a host path)" ;;
		*) sec_vol_add "$_msrc:$_mdst${_mx:+:$_mx}" "$_mw" ;;
		esac ;;
	tmpfs)
		[ -z "$_msrc" ] || die "$_mw: source is not allowed for a tmpfs"
		_mx=nosuid,nodev,noexec
		[ -z "$_mro" ] || _mx=$_mx,ro
		[ "${_msize:-0}" = 0 ] || _mx=$_mx,size=$_msize
		[ -z "$_mmode" ] || _mx=$_mx,mode=$_mmode
		list_add SEC_TMPL "$_mdst"
		list_add SEC_TMPL "$_mx"
		list_add SEC_TMPL "$_mw" ;;
	esac
}

# mnt_mode VALUE: VALUE is a file mode in octal (at most 07777).
mnt_mode() {
	case $1 in '' | *[!0-7]*) return 1 ;; esac
	_mm=${1#"${1%%[!0]*}"}
	[ ${#_mm} -le 4 ]
}

# mnt_tmpfs /CTR[:OPTS]: docker's --tmpfs. nosuid,nodev,noexec first (docker's defaults: exec lifts
# noexec), then OPTS (comma-separated): ro, rw, exec, noexec, nosuid, nodev, size=SIZE, mode=OCTAL,
# uid=N, gid=N, nr_inodes=N. suid and dev are refused: a container's tmpfs never has them.
mnt_tmpfs() {
	_mw="--tmpfs $1"
	_mo=''
	case $1 in *:*) _mo=${1#*:} ;; esac
	mnt_target "$_mw" "${1%%:*}"
	_mx=nosuid,nodev,noexec
	_mifs=$IFS IFS=,
	set -f
	# shellcheck disable=SC2086 # split at the commas, no globbing
	set -- $_mo
	IFS=$_mifs
	set +f
	for _mf; do
		case $_mf in
		ro | rw | exec | noexec | nosuid | nodev) ;;
		suid | dev) die "$_mw: $_mf: not allowed (a container's tmpfs is nosuid,nodev)" ;;
		size=*)
			_msize=$(cg_bytes size "${_mf#size=}" 2>/dev/null) ||
				die "$_mw: $_mf: invalid size (bytes, or a number with a k, m, g or t suffix)"
			_mf=size=$_msize
			[ "$_msize" != 0 ] || continue ;;
		mode=*) mnt_mode "${_mf#mode=}" || die "$_mw: $_mf: invalid mode (octal, e.g. 1777 or 700)" ;;
		uid=* | gid=* | nr_inodes=*)
			_mv=${_mf#*=}
			case $_mv in '' | *[!0-9]*) die "$_mw: $_mf: not a number" ;; esac
			[ ${#_mv} -le 10 ] && [ "$_mv" -le 4294967294 ] || die "$_mw: $_mf: too large" ;;
		'') die "$_mw: an empty option" ;;
		*) die "$_mw: unknown option $_mf (ro, rw, exec, noexec, nosuid, nodev, size=SIZE, mode=OCTAL, uid=N, gid=N, nr_inodes=N)" ;;
		esac
		_mx=$_mx,$_mf
	done
	list_add SEC_TMPL "$_mdst"
	list_add SEC_TMPL "$_mx"
	list_add SEC_TMPL "$_mw"
}
