#!/bin/sh
# events.sh - the events verb: the root's event log ($CTR_ROOT/events and the rotated events.1,
# docker events JSON lines appended by ctr.sh's ev_emit as things happen) replayed and followed,
# as docker events shows them. Sourced by the dispatcher for events only (after format.sh).
#
# Without --until it follows the log (tail -F, across rotations) until interrupted, or until its
# reader goes away: a watchdog (GNU tail -f /dev/null, which ends when its output pipe has no
# reader, or when ctr.sh ends) stops the follower at once, even when no event comes.

#HELP events [--since T] [--until T] [-f KEY=VALUE]... [--format json|TEMPLATE]   the root's events, as they happen
#HELP     T: a Unix time, an RFC 3339 date[-time], or a duration before now (10m, 1h30m); --until: stop there
#HELP     -f|--filter type=container|image  event=ACTION  container=ID|NAME  image=NAME|ID
#HELP     --format fields: .Type .Action .Actor.ID .Actor.Attributes .Status .ID .From .Time .TimeNano
ctr_events() {
	_ess='' _esu='' _esf='' EV_FL=''
	while [ $# -gt 0 ]; do
		case $1 in
		--*=*) _o=${1%%=*} _v=${1#*=}; shift; set -- "$_o" "$_v" "$@"; continue ;;
		--since) need_arg "$@"; one_line "$1" "$2"; _ess=$2; shift ;;
		--until) need_arg "$@"; one_line "$1" "$2"; _esu=$2; shift ;;
		-f | --filter) need_arg "$@"; events_filter "$2"; shift ;;
		-f?*) events_filter "${1#-f}" ;;
		--format) need_arg "$@"; _esf=$2; shift ;;
		*) die "events: unknown option $1 (see ctr.sh help)" ;;
		esac
		shift
	done
	pool_ensure
	# one jq checks --since and --until and gives them as seconds: "SINCE UNTIL NOW" ('-': none)
	_est=$(jq -rn --arg s "$_ess" --arg u "$_esu" "$FMT_JQ"'now as $now
		| def t($o; $v): if $v == "" then "-" else (try ($v | fmt_time($now)) catch
			fmt_die("events: \($o) \($v): not a time (a Unix time, an RFC 3339 date-time, or a duration: 10m)")) end;
		"\(t("--since"; $s)) \(t("--until"; $u)) \($now)"') || exit 125
	_ess=${_est%% *} _esn=${_est##* } _esu=${_est#* }
	_esu=${_esu%% *}
	set -- jq -nrR --unbuffered --arg since "$_ess" --arg until "$_esu" --arg fl "$EV_FL" --arg fmt "$_esf" \
		"$FMT_JQ$EVENTS_JQ"
	if [ "$_esu" != - ] && [ "$(events_secs "$_esu" "$_esn")" -le 0 ]; then
		# all in the past: replay, then stop
		cat "$CTR_ROOT/events.1" "$CTR_ROOT/events" 2>/dev/null | "$@"
		return
	fi
	_esl=0
	[ "$_ess" = - ] || _esl=+1
	_est=''
	[ "$_esu" = - ] || _est=$(events_secs "$_esu" "$_esn")
	events_follow "$_esl" "$_est" "$@"
}

# events_secs UNTIL NOW: the whole seconds from NOW to UNTIL, rounded up (<= 0: past).
events_secs() {
	awk -v u="$1" -v n="$2" 'BEGIN { d = u - n; s = int(d); if (s < d) s++; print s }'
}

# events_filter KEY=VALUE: check a --filter and add it to EV_FL (one a line).
events_filter() {
	one_line --filter "$1"
	case $1 in *=?*) ;; *) die "events: --filter $1: bad format of filter (expected name=value)" ;; esac
	case ${1%%=*} in
	type | event | container | image) ;;
	*) die "events: invalid filter '${1%%=*}' (type event container image)" ;;
	esac
	EV_FL="$EV_FL$1$NL"
}

# events_follow TAIL_N SECS JQ...: print the log's lines from TAIL_N (+1: all of it, events.1
# first; 0: only new ones) through JQ as they come, for SECS seconds ('': until stopped). tail
# follows until ctr.sh ends (--pid); a watchdog stops JQ (so ctr.sh, so tail) when our reader goes
# away (GNU tail -f /dev/null ends when its output is a pipe without a reader), when ctr.sh is
# killed, or after SECS. Each watches a pid whose parent reaps it: ctr.sh's, or ctr.sh itself.
events_follow() {
	_efn=$1 _eft=$2
	shift 2
	{
		[ "$_efn" = 0 ] || cat "$CTR_ROOT/events.1" 2>/dev/null
		exec tail -n "$_efn" -F -s 0.2 --pid=$$ "$CTR_ROOT/events" 2>/dev/null
	} | "$@" &
	_efj=$!
	{
		if [ -n "$_eft" ]; then
			timeout "$_eft" tail -f -s 0.2 --pid=$$ /dev/null
		else
			tail -f -s 0.2 --pid=$$ /dev/null
		fi
		kill "$_efj" 2>/dev/null
	} &
	_efw=$!
	wait "$_efj" 2>/dev/null
	_efr=$?
	kill "$_efw" 2>/dev/null
	# jq stopped by the watchdog: the end the user asked for, not an error
	[ "$_efr" -ne 143 ] || _efr=0
	return "$_efr"
}

# EVENTS_JQ: events' jq program (after FMT_JQ). In: the log's lines (-R), $since and $until
# (seconds, '-': none), $fl (the filters, KEY=VALUE lines), $fmt. Out: the events that match, as
# docker prints them: "TIME TYPE ACTION ID (k=v, ...)", json (the line as logged) or TEMPLATE.
# Filters as docker's: values of one key OR, different keys AND. A damaged line is skipped.
# shellcheck disable=SC2016 # jq's $, not the shell's
EVENTS_JQ='
def ev_nolatest: sub(":latest$"; "");
def ev_match($k; $v): if $k == "type" then .Type == $v
	elif $k == "event" then .Action == $v
	elif $k == "container" then .Type == "container"
		and (.Actor.ID == $v or .Actor.Attributes.name == $v or (.Actor.ID | startswith($v)))
	elif $k == "image" then ($v | ev_nolatest) as $i
		| (.Type == "image" and ((.Actor.ID | ev_nolatest) == $i or (.Actor.Attributes.name // "" | ev_nolatest) == $i))
		or (.Type == "container" and (.Actor.Attributes.image // "" | ev_nolatest) == $i)
	else false end;
($fl | split("\n") | map(select(. != "") | {k: .[:index("=")], v: .[index("=") + 1:]}) | group_by(.k)) as $F
| (if $fmt == "" or $fmt == "json" then null else fmt_tpl($fmt) end) as $t
| inputs | . as $raw | (fromjson? // empty) | select(type == "object" and has("Type"))
| (($raw | capture("\"timeNano\":(?<n>[0-9]+)").n) // "\(.time // 0)000000000") as $tn
| (($tn | .[:-9] | tonumber) + ($tn[-9:] | tonumber) / 1e9) as $at
| select(($since == "-" or $at >= ($since | tonumber)) and ($until == "-" or $at <= ($until | tonumber)))
| . as $e | select($F | all(any(.[]; .k as $k | .v as $v | $e | ev_match($k; $v))))
| if $fmt == "json" then $raw
  elif $t == null then ($tn | .[:-9] | tonumber | strftime("%Y-%m-%dT%H:%M:%S")) + ".\($tn[-9:])Z "
	+ "\(.Type) \(.Action) \(.Actor.ID // .id)"
	+ (.Actor.Attributes // {} | to_entries | sort_by(.key) | map("\(.key)=\(.value)") | join(", ")
		| if . == "" then "" else " (\(.))" end)
  else {Action, Actor: {ID: .Actor.ID, Attributes: (.Actor.Attributes // {})}, From: (.from // ""),
	ID: (.id // ""), Scope: (.scope // "local"), Status: (.status // ""), Time: (.time // 0),
	TimeNano: $tn, Type, _json: ., _raw: $raw} | fmt_run($t) end'
