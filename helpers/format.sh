#!/bin/sh
# format.sh - docker's output formats as jq definitions, for ps, events and system df (sourced by
# the dispatcher for those verbs only). FMT_JQ is prepended to each verb's jq program; it holds no
# state and starts nothing. What it gives:
#   fmt_tpl($s)        parse a --format TEMPLATE: {{.Field}}, {{.A.B}}, {{json .X}}, {{json .}},
#                      {{upper|lower|title .X}}, {{truncate .X N}}, {{index .Map "key"}},
#                      {{.Label "key"}} (ps); \t and \n as docker; anything else is an error
#   fmt_run($tpl)      render a parsed template against the row (.): a string
#   fmt_table          align lines of tab-separated cells as docker's tabwriter (minwidth 10,
#                      padding 3): the `table TEMPLATE` form
#   fmt_ago            seconds as docker's units.HumanDuration ("5 seconds", "About an hour")
#   fmt_size           bytes as docker's units.HumanSize ("4.096kB", "12.29MB", "0B")
#   fmt_time($now)     a --since/--until/until= value as epoch seconds: a Unix time (1700000000[.5]),
#                      an RFC 3339 date[-time] (no zone: the local one), or a Go duration before
#                      now (10m, 1h30m, 90s); else an error
#   fmt_die($msg)      stop jq with "ctr: MSG" on stderr and exit 125 (ctr's own error)
#   fmt_files          read fmt_files' output (raw lines, jq -nR): {pre: the text before it,
#                      files: {PATH: its text}}
# and fmt_files FILE... (shell): each FILE still there, whole, after a line "==> FILE <==" (tail
# -v's header; a blank line before the next): the records of a listing (ps, system df), read in
# one pass while containers come and go. One removed since the glob is left out, where jq's own
# FILE arguments make it fail ("Could not open file", status 2): ps -a beside a run --rm.
# A row is an object: its keys are the template's fields; a key "_json" is what {{json .}} prints
# (else the row without its "_" keys); "_labels" is the map {{.Label "key"}} reads.

# shellcheck disable=SC2016,SC2034 # jq's $, not the shell's; read by the verbs that source this file
FMT_JQ='
def fmt_die($m): "ctr: \($m)\n" | halt_error(125);
def fmt_files: reduce inputs as $l ({pre: "", f: null, files: {}};
	if ($l | startswith("==> ")) and ($l | endswith(" <==")) then .f = $l[4:-4]
	elif .f == null then .pre += $l + "\n"
	elif $l != "" then .files[.f] += $l + "\n"
	else . end);
def fmt_pad($n): if $n > 0 then " " * $n else "" end;
def fmt_go: if type == "string" then .
	elif type == "object" then "map[" + (to_entries | sort_by(.key)
		| map("\(.key):\(.value | fmt_go)") | join(" ")) + "]"
	elif type == "array" then "[" + (map(fmt_go) | join(" ")) + "]"
	elif . == null then "<no value>"
	else tostring end;
def fmt_public: if has("_json") then ._json else with_entries(select(.key | startswith("_") | not)) end;
def fmt_tpl($s): $s | gsub("\\\\t"; "\t") | gsub("\\\\n"; "\n") as $t
	| [$t | match("\\{\\{-?\\s*(.*?)\\s*-?\\}\\}|(?:[^{]|\\{(?!\\{))+"; "g")] as $m
	| if ([$m[].length] | add // 0) != ($t | length) then fmt_die("--format \($s): unclosed action")
	  else [$m[] | if .captures[0].string != null
		then {a: [.captures[0].string | scan("\"(?:[^\"\\\\]|\\\\.)*\"|[^\\s\"]+")]}
		else {t: .string} end] end;
def fmt_path($r; $p): if $p == "." then $r | fmt_public
	else reduce ($p | ltrimstr(".") | split("."))[] as $k ({v: $r, top: true};
		if (.v | type) == "object" and (.v | has($k)) and ($k | startswith("_") | not)
		then {v: .v[$k], top: false}
		elif .top then fmt_die("--format: no field .\($k) (the fields: \($r | fmt_public | keys | map("." + .) | join(" ")))")
		else {v: null, top: false} end) | .v end;
def fmt_arg($r): if startswith("\"") then fromjson
	elif startswith(".") then fmt_path($r; .)
	elif test("^-?[0-9]+$") then tonumber
	else fmt_die("--format: \(.): not a field (.Name), a string or a number") end;
def fmt_call($r): .[0] as $f | (.[1:] | map(fmt_arg($r))) as $x
	| if $f == "json" and . == ["json", "."] and ($r | has("_raw")) then $r._raw
	elif $f == "json" and ($x | length) == 1 then $x[0] | tojson
	elif ($f == "upper" or $f == "lower" or $f == "title") and ($x | length) == 1 then ($x[0] | fmt_go)
		| if $f == "upper" then ascii_upcase elif $f == "lower" then ascii_downcase
		  else [splits(" ") | (.[:1] | ascii_upcase) + .[1:]] | join(" ") end
	elif $f == "truncate" and ($x | length) == 2 then $x[0] | fmt_go | .[:$x[1]]
	elif $f == "index" and ($x | length) == 2 then $x[0][$x[1]] | fmt_go
	elif $f == ".Label" and ($x | length) == 1 and ($r | has("_labels")) then
		if $r._header then $x[0] | split(".") | .[-1] | gsub("[-_]"; " ") | ascii_upcase
		else $r._labels[$x[0]] // "" | gsub("[[:cntrl:]]"; "?") end
	elif $f | startswith(".") then fmt_die("--format: \($f) takes no argument")
	else fmt_die("--format: \($f): unknown function (json upper lower title truncate index)") end;
def fmt_run($tpl): . as $r | [$tpl[] | if has("t") then .t
	elif (.a | length) == 1 and (.a[0] | startswith(".")) then fmt_path($r; .a[0]) | fmt_go
	elif (.a | length) == 0 then fmt_die("--format: empty action {{}}")
	else .a | fmt_call($r) end] | join("");
def fmt_table: map(split("\t")) as $rows
	| ([$rows[] | length] | max // 0) as $n
	| [range(0; $n - 1) as $i | [$rows[] | select(length > $i + 1) | .[$i] | length] | max // 0
		| . + 3 | if . < 10 then 10 else . end] as $w
	| $rows[] | . as $c | [range(0; length) as $i | if $i < ($c | length) - 1
		then $c[$i] + fmt_pad($w[$i] - ($c[$i] | length)) else $c[$i] end] | join("");
def fmt_ago: floor | if . < 1 then "Less than a second" elif . == 1 then "1 second"
	elif . < 60 then "\(.) seconds" elif . < 120 then "About a minute"
	elif . < 3600 then "\(. / 60 | floor) minutes"
	else (. / 3600 + 0.5 | floor) as $h | if $h == 1 then "About an hour"
		elif $h < 48 then "\($h) hours" elif $h < 336 then "\($h / 24 | floor) days"
		elif $h < 1440 then "\($h / 168 | floor) weeks" elif $h < 17520 then "\($h / 720 | floor) months"
		else "\(. / 31536000 | floor) years" end end;
def fmt_size: . as $b | (["B", "kB", "MB", "GB", "TB", "PB", "EB"] as $u
	| {v: $b, i: 0} | until(.v < 1000 or .i == 6; .v /= 1000 | .i += 1)) as $s
	| (if $s.v >= 100 then 1 elif $s.v >= 10 then 100 else 1000 end) as $p
	| (($s.v * $p + 0.5 | floor) / $p | tostring) + ["B", "kB", "MB", "GB", "TB", "PB", "EB"][$s.i];
def fmt_time($now): . as $v
	| if test("^[0-9]+(\\.[0-9]+)?$") then tonumber
	elif test("^-?([0-9]+(\\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$") then
		$now - ([scan("([0-9]+(?:\\.[0-9]*)?)(ns|us|µs|ms|s|m|h)")
			| (.[0] | tonumber) * {ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600}[.[1]]]
			| add) * (if startswith("-") then -1 else 1 end)
	elif test("^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?)?(Z|[+-][0-9]{2}:[0-9]{2})?$") then
		capture("^(?<d>[0-9-]{10})(T(?<h>..):(?<m>..)(:(?<s>..)(?<f>\\.[0-9]+)?)?)?(?<z>.*)$") as $c
		| ("\($c.d)T\($c.h // "00"):\($c.m // "00"):\($c.s // "00")Z" | fromdateiso8601)
		+ ($c.f // "0" | tonumber)
		- (($c.z | if . == "" then $now | strflocaltime("%z") | .[:3] + ":" + .[3:]
			elif . == "Z" then "+00:00" else . end)
			| ((.[1:3] | tonumber) * 3600 + (.[4:6] | tonumber) * 60) * (if .[:1] == "-" then -1 else 1 end))
	else error("not a time") end;
'

# fmt_files FILE...: see the top (FMT_JQ's fmt_files reads it). tail's errors are those of a file
# gone: left out, like it.
fmt_files() {
	[ $# -eq 0 ] || tail -v -n +1 -- "$@" 2>/dev/null
	return 0
}
