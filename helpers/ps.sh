#!/bin/sh
# ps.sh - the ps verb: containers listed as docker lists them, with its filters and formats.
# Sourced by the dispatcher for ps only (after format.sh, whose FMT_JQ it uses).
#
# Fast with many containers: the shell finds each container's state with no fork (ctr_state,
# cg_frozen), one stat reads the start times of the running ones, and ONE jq (PS_JQ) reads every
# config.json, filters, sorts (newest first, as docker) and prints.

#HELP ps [-a] [-q] [-n N|-l] [--no-trunc] [-f KEY=VALUE]... [--format table|json|TEMPLATE]   list containers (default: running)
#HELP     -f|--filter status=created|running|paused|exited  name=RE  id=RE  label=K[=V]  ancestor=IMAGE
#HELP                 exited=CODE  before=CONTAINER  since=CONTAINER  network=MODE  volume=PATH|NAME
#HELP     --format fields: .ID .Names .Image .Command .CreatedAt .RunningFor .Status .State .Ports
#HELP                 .Labels .Label "K" .Mounts .Networks (table TEMPLATE: a header and aligned columns)
ctr_ps() {
	_psa='' _psq='' _last='' _nt='' _fmt='' PS_FL=''
	while [ $# -gt 0 ]; do
		case $1 in
		--*=*) _o=${1%%=*} _v=${1#*=}; shift; set -- "$_o" "$_v" "$@"; continue ;;
		-[aql]?*) _o=$1; shift; set -- "${_o%"${_o#-?}"}" "-${_o#-?}" "$@"; continue ;;
		-a | --all) _psa=1 ;;
		-q | --quiet) _psq=1 ;;
		-l | --latest) _last=1 ;;
		-n | --last) need_arg "$@"; _last=$2; shift ;;
		-n?*) _last=${1#-n} ;;
		-f | --filter) need_arg "$@"; ps_filter "$2"; shift ;;
		-f?*) ps_filter "${1#-f}" ;;
		--format) need_arg "$@"; _fmt=$2; shift ;;
		--no-trunc) _nt=1 ;;
		*) die "ps: unknown option $1 (see ctr.sh help)" ;;
		esac
		shift
	done
	case $_last in '' | -1) _last=0 ;; *[!0-9]*) die "ps: --last $_last: not a number" ;; esac
	[ -z "$_psq" ] || [ -z "$_fmt" ] || [ "$_fmt" = table ] ||
		{ printf 'WARNING: Ignoring custom format, because both --format and --quiet are set.\n' >&2; _fmt=''; }
	pool_ensure
	ps_resolve_filters
	_st='' _pids='' _cf=''
	for _d in "$CTR_ROOT"/containers/*/config.json; do
		_id=${_d%/config.json}
		_id=${_id##*/}
		valid_id "$_id" && [ -f "$_d" ] || continue
		ctr_state "$_id"
		[ "$ST" != running ] || ! cg_frozen "$_id" || ST=paused
		_st="$_st$_id $ST ${ST_CODE:--} ${ST_FINISHED:--}$NL"
		case $ST in running | paused) list_add _pids "$CTR_ROOT/containers/$_id/pid" ;; esac
		list_add _cf "$_d"
	done
	eval "set -- $_cf"
	# the states, "T MTIME PATH" of the running ones' pid files (their start), then the configs
	{
		printf '%s' "$_st"
		[ -z "$_pids" ] || eval "stat -c 'T %Y %n' -- $_pids" 2>/dev/null
		fmt_files "$@"
	} | jq -nrR --arg fl "$PS_FL" --arg fmt "$_fmt" --arg all "$_psa" \
		--arg q "$_psq" --arg last "$_last" --arg nt "$_nt" --arg vr "$CTR_BTRFS/volumes/" "$FMT_JQ$PS_JQ"
}

# ps_filter KEY=VALUE: check a --filter and add it to PS_FL (one a line: no value has a newline).
ps_filter() {
	one_line --filter "$1"
	case $1 in *=*) ;; *) die "ps: --filter $1: bad format of filter (expected name=value)" ;; esac
	case ${1%%=*} in
	status) case ${1#*=} in created | restarting | running | removing | paused | exited | dead) ;;
		*) die "ps: invalid filter '$1' (status: created, restarting, running, removing, paused, exited, dead)" ;;
		esac ;;
	exited) case ${1#*=} in '' | *[!0-9]*) die "ps: invalid filter '$1' (exited: an exit code)" ;; esac ;;
	label) [ -n "${1#label=}" ] || die "ps: invalid filter '$1' (label=KEY or label=KEY=VALUE)" ;;
	name | id | ancestor | before | since | network | volume) ;;
	*) die "ps: invalid filter '${1%%=*}' (status name id label ancestor exited before since network volume)" ;;
	esac
	PS_FL="$PS_FL$1$NL"
}

# ps_resolve_filters: in PS_FL, ancestor=IMAGE becomes "ancestor=IMAGE ID" (ID when IMAGE names a
# local image), before/since=CONTAINER become the container's ID (an unknown one is an error).
ps_resolve_filters() {
	_pf=''
	while IFS= read -r _pl; do
		case $_pl in
		'') continue ;;
		ancestor=*) _pl="$_pl $( (image_resolve_local "${_pl#*=}") 2>/dev/null)" ;;
		before=* | since=*) _pl=${_pl%%=*}=$(ctr_resolve "${_pl#*=}") || exit 125 ;;
		esac
		_pf="$_pf$_pl$NL"
	done <<EOF
$PS_FL
EOF
	PS_FL=$_pf
}

# PS_JQ: ps's jq program (after FMT_JQ). In: -R lines: the states ("ID STATE CODE FINISHED" lines,
# then "T MTIME .../ID/pid" of the running ones), then every config.json (fmt_files),
# $fl (the filters, KEY=VALUE lines), $fmt, $all, $q, $last, $nt, $vr (where the named volumes
# are: their binds' sources are $vr/NAME/_data, helpers/volume.sh). Out: the listing.
# Filters as docker's: values of one key OR, different keys AND; label filters all must match.
# shellcheck disable=SC2016 # jq's $, not the shell's
PS_JQ='
def ps_re($v): try test($v) catch false;
def ps_trunc($n): if $nt == "" and length > $n then .[:$n - 1] + "…" else . end;
def ps_vname: if startswith($vr) and endswith("/_data") then .[($vr | length):-6] else null end;
def ps_port: (if test("/") then split("/") else [., "tcp"] end) as [$p, $proto] | ($p | split(":"))
	| (if length == 3 then . else ["0.0.0.0"] + . end) as [$ip, $h, $c] | "\($ip):\($h)->\($c)/\($proto)";
def ps_status($s): if $s.state == "running" or $s.state == "paused" then
		"Up " + (now - ($s.started // now) | fmt_ago) + (if $s.state == "paused" then " (Paused)" else "" end)
	elif $s.state == "exited" then
		"Exited (\($s.code)) " + (now - ($s.fin | tonumber? // now) | fmt_ago) + " ago"
	elif $s.state == "restarting" then
		"Restarting (\($s.code)) " + (now - ($s.fin | tonumber? // now) | fmt_ago) + " ago"
	else "Created" end;
def ps_row($s): {Command: (.cmd // [] | join(" ") | ps_trunc(20) | tojson),
	CreatedAt: (.created // 0 | strftime("%Y-%m-%d %H:%M:%S +0000 UTC")),
	ID: $s.id, Image: (.image // ""),
	Labels: (.labels // {} | to_entries | sort_by(.key) | map("\(.key)=\(.value)") | join(",")
		| gsub("[[:cntrl:]]"; "?")),
	LocalVolumes: ([.security.volumes[]?.source | ps_vname // empty] | length | tostring),
	Mounts: ([.security.volumes[]?.source | ps_vname // . | ps_trunc(15)] | join(",")),
	Names: (.name // ""), Networks: (.network.mode // ""),
	Ports: (if $s.state == "running" or $s.state == "paused"
		then [.network.ports[]? | ps_port] | join(", ") else "" end),
	RunningFor: ((now - (.created // 0) | fmt_ago) + " ago"),
	State: $s.state, Status: ps_status($s),
	_labels: (.labels // {}), _created: (.created // 0),
	_ns: (.created_ns // "\(.created // 0)000000000"), _cmd: (.cmd // [] | join(" ")),
	_image_id: (.image_id // ""), _net: (.network.mode // ""),
	_vols: [.security.volumes[]? | .source, .target, (.source | ps_vname // empty)], _code: $s.code};
def ps_match($k; $v): if $k == "status" then .State == $v
	elif $k == "name" then (.Names | ps_re($v)) or ("/" + .Names | ps_re($v))
	elif $k == "id" then .ID | ps_re($v)
	elif $k == "exited" then .State == "exited" and ._code == $v
	elif $k == "ancestor" then ($v | split(" ")) as [$n, $i]
		| (._image_id == $i and $i != "") or .Image == $n or .Image == $n + ":latest"
	elif $k == "network" then ._net == $v
	elif $k == "volume" then any(._vols[]; . == $v)
	else false end;
def ps_label($v): ($v | index("=")) as $e
	| if $e == null then ._labels | has($v) else ._labels[$v[:$e]] == $v[$e + 1:] end;
def ps_header: {Command: "COMMAND", CreatedAt: "CREATED AT", ID: "CONTAINER ID", Image: "IMAGE",
	Labels: "LABELS", LocalVolumes: "LOCAL VOLUMES", Mounts: "MOUNTS", Names: "NAMES",
	Networks: "NETWORKS", Ports: "PORTS", RunningFor: "CREATED", State: "STATE", Status: "STATUS",
	_labels: {}, _header: true};
fmt_files as $in
| ($in.pre | split("\n") | map(split(" "))) as $lines
| ([$lines[] | select(length == 4) | {key: .[0], value: {id: .[0], state: .[1], code: .[2], fin: .[3]}}]
	| from_entries) as $S
| ([$lines[] | select(.[0] == "T") | {key: (.[2] | split("/") | .[-2]), value: (.[1] | tonumber)}]
	| from_entries) as $T
| ($fl | split("\n") | map(select(. != "") | {k: .[:index("=")], v: .[index("=") + 1:]})) as $F
| [$in.files | to_entries[] | (.key | split("/") | .[-2]) as $id | select($S[$id])
	| .value | fromjson? | ps_row($S[$id] + {started: $T[$id]})]
| sort_by(._ns) | reverse as $all_rows
| ($F | map(select(.k == "before" or .k == "since")
	| .k as $k | .v as $v | ($all_rows[] | select(.ID == $v) | ._ns) as $c | {k: $k, c: $c})) as $ord
| [$all_rows[]
	| select($all != "" or $last != "0" or ($F | any(.k == "status"))
		or .State == "running" or .State == "paused" or .State == "restarting")
	| . as $r
	| select($F | map(select(.k != "label" and .k != "before" and .k != "since")) | group_by(.k)
		| all(any(.[]; .k as $k | .v as $v | $r | ps_match($k; $v))))
	| select(all($F[] | select(.k == "label"); .v as $v | $r | ps_label($v)))
	| select(all($ord[]; if .k == "before" then $r._ns < .c else $r._ns > .c end))]
| (if $last != "0" then .[:($last | tonumber)] else . end) as $rows
| if $q != "" then $rows[].ID
  elif $fmt == "" or $fmt == "table" then
	def col($w): . + fmt_pad($w - length) + "  ";
	("CONTAINER ID" | col(12)) + ("NAME" | col(16)) + ("IMAGE" | col(16)) + ("COMMAND" | col(24))
		+ ("CREATED" | col(16)) + "STATUS",
	($rows[] | (.ID | col(12)) + (.Names | col(16)) + (.Image | col(16))
		+ (._cmd | if $nt == "" then .[:24] else . end | tojson | col(24))
		+ (.RunningFor | col(16)) + .Status)
  elif $fmt == "json" then $rows[] | fmt_public | tojson
  elif $fmt | startswith("table") then fmt_tpl($fmt[5:] | ltrimstr(" ")) as $t
	| [(ps_header | fmt_run($t)), ($rows[] | fmt_run($t))] | join("\n") | split("\n") | fmt_table
  else fmt_tpl($fmt) as $t | (ps_header | fmt_run($t)) as $check | $rows[] | fmt_run($t) end'
