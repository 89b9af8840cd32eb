#!/bin/sh
# build.sh - `ctr.sh build`: an image from a Dockerfile, on btrfs snapshots. Sourced by ctr.sh for
# this verb only, after fs.sh (its jail).
#
# Order: the Dockerfile is parsed whole first (B_PARSE_JQ: directives, continuations, comments,
# JSON forms, flags; an unknown instruction stops the build before anything is made), then each
# instruction runs in turn (b_ins). A step that changes files (RUN, COPY, ADD) makes an image: a
# read-only snapshot of the previous step's tree plus its change, recorded as commit records one
# (parent: the previous step's image; the instructions since it in `history`); the other steps
# only change the config carried in B_* until the next image. The last image of the build (a
# snapshot of the last step's tree when instructions changed the config after it) is tagged.
#
# RUN is a real container: `ctr.sh run` (namespaces, seccomp, capabilities, cgroups, the network
# given by --network) on the previous step's image, with the step's env, workdir and user, no
# entrypoint; its tree is snapshot read-only once the command exits 0, the container removed.
# COPY and ADD read the context and write the image under ctr-jail (fs.sh): the source resolves
# inside the context (a symlink out of it stops there), the destination inside the image's root
# (its symlinks cannot reach the host).
#
# The cache: each image's key is the sha256 of its parent's key and the instructions since it
# after substitution (with ARG values, and for COPY/ADD the digest of what they copy: names,
# modes, owners, sizes, contents; not the times); $CTR_ROOT/cache/<key> holds the image's ID.
# Variables: B_* (the build in progress); locals start with _b.

B_STAGES="" B_CTX="" B_IGN='' B_TARGET='' B_PULL='' B_CLABELS='' B_DONE='' B_WATCH='' B_FORCE='' B_HC='' B_QUIET='' B_NET=bridge B_NOCACHE='' B_TAGS='' B_BARGS='' B_CTR='' B_N=0 B_LINE=0 B_TEXT=''
B_AWK=$(command -v awk)

# B_PARSE_JQ: the Dockerfile (raw input) into shell code: `b_ins LINE TEXT INSTRUCTION FORM FLAG...
# -- ARG...` per instruction, FORM j (a JSON array: its strings are the arguments) or s (the rest
# of the line, one argument), then B_TOTAL=N. Parser directives: `# escape=` (\ or `), `# syntax=`
# and `# check=` (ignored), at the top only.
# shellcheck disable=SC2016 # jq's $, not the shell's
B_PARSE_JQ='
	def bad($n; $why): error("Dockerfile line \($n): \($why)");
	(split("\n") | map(sub("\r$"; ""))) as $L
	| def directives($i; $esc):
		if $i < ($L | length) then
			([$L[$i] | capture("^#[ \t]*(?<k>[A-Za-z]+)[ \t]*=[ \t]*(?<v>[^ \t]*)[ \t]*$")] | .[0]) as $m
			| if $m == null then $esc
			elif ($m.k | ascii_downcase) == "escape" then
				if $m.v == "\\" or $m.v == "`" then directives($i + 1; $m.v)
				else bad($i + 1; "escape: invalid value \($m.v | tojson) (\\ or `)") end
			elif ($m.k | ascii_downcase | IN("syntax", "check")) then directives($i + 1; $esc)
			else $esc end
		else $esc end;
	def flags: if test("^--[A-Za-z-]+(=[^ \t]*)?([ \t]|$)") then
			capture("^(?<f>--[A-Za-z-]+(=[^ \t]*)?)[ \t]*(?<r>.*)$") as $c
			| ($c.r | flags) as $y | {f: ([$c.f] + $y.f), r: $y.r}
		else {f: [], r: .} end;
	directives(0; "\\") as $esc | ($esc | if . == "`" then "`" else "\\\\" end) as $er
	| reduce range($L | length) as $i ({cur: null, start: 0, out: []};
		$L[$i] as $l
		| if ($l | test("^[ \t]*(#.*)?$")) then .
		else (if .cur == null then .start = $i + 1 | .cur = "" else . end)
			| if ($l | test($er + "[ \t]*$")) then .cur += ($l | sub($er + "[ \t]*$"; ""))
			else .out += [{n: .start, t: (.cur + $l)}] | .cur = null end
		end)
	| (.out + (if .cur != null then [{n: .start, t: .cur}] else [] end)) as $ins
	| if $target != "" and ($ins | any(.t | test("^[ \t]*from[ \t].*[ \t]as[ \t]+(?<s>[^ \t]+)[ \t]*$"; "i")
		and (capture("[ \t]as[ \t]+(?<s>[^ \t]+)[ \t]*$"; "i").s | ascii_downcase) == ($target | ascii_downcase)) | not)
	then error("--target \($target): no such stage (FROM ... AS \($target))") else . end
	| ($ins | map(.n as $n | (.t | sub("^[ \t]+"; "") | sub("[ \t]+$"; "")) as $t
		| ($t | capture("^(?<i>[^ \t]+)[ \t]*(?<r>.*)$")) as $m | ($m.i | ascii_upcase) as $i
		| if ($i | IN("FROM", "RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "ENV", "ARG", "WORKDIR", "USER",
			"EXPOSE", "LABEL", "VOLUME", "STOPSIGNAL", "SHELL", "MAINTAINER", "HEALTHCHECK") | not) then
			if $i == "ONBUILD" then bad($n; "ONBUILD is not supported (triggers for later builds)")
			else bad($n; "unknown instruction: \($m.i)") end
		else . end
		| (if $i | IN("FROM", "RUN", "COPY", "ADD", "HEALTHCHECK") then $m.r | flags else {f: [], r: $m.r} end) as $fr
		| if $fr.r == "" then bad($n; "\($i) requires at least one argument") else . end
		| (if ($i | IN("RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "VOLUME", "SHELL"))
			and ($fr.r | startswith("[")) then ($fr.r | try fromjson catch null)
			| if type == "array" and all(.[]; type == "string") then . else null end
		else null end) as $j
		| if $i == "SHELL" and $j == null then bad($n; "SHELL requires a JSON array") else . end
		| "b_ins \($n) \($t | @sh) \($i) \(if $j then "j" else "s" end) \($fr.f | @sh) -- "
			+ (if $j then $j | @sh else $fr.r | @sh end))) as $cmds
	| "B_ESC=\($esc | @sh) B_TOTAL=\($cmds | length)\n" + ($cmds | join("\n"))'

# B_LEX_AWK: docker's word processing of an instruction's arguments (stdin), with the variables
# in ENVIRON (the only ones: env -i): '...' literal, "..." with $ and the escape character, $VAR,
# ${VAR}, ${VAR:-word} ${VAR-word} ${VAR:+word} ${VAR+word} ${VAR:?msg}; split on blanks when
# split=1. Out: the words quoted for the shell's eval (set -- ...). Errors: on stderr, exit 1.
# shellcheck disable=SC2016
B_LEX_AWK='
	function fail(m) { printf "%s\n", m > "/dev/stderr"; bad = 1; exit 1 }
	function q(w) { gsub(/\047/, "\047\\\047\047", w); return "\047" w "\047" }
	function emit(w) { printf "%s%s", (nw++ ? " " : ""), q(w) }
	function isname(c) { return c ~ /^[A-Za-z0-9_]$/ }
	function dollar(   c, n, op, w, set, empty) {
		P++; c = substr(S, P, 1)
		if (c == "{") {
			P++; n = ""
			while (P <= L && isname(substr(S, P, 1))) { n = n substr(S, P, 1); P++ }
			if (n == "") fail("bad substitution in " S)
			c = substr(S, P, 1)
			if (c == "}") { P++; return ENVIRON[n] }
			op = ""
			if (c == ":") { op = ":"; P++; c = substr(S, P, 1) }
			if (c != "-" && c != "+" && c != "?") fail("unsupported modifier in ${" n op c "...} (:- - :+ + :?)")
			op = op c; P++
			w = lex("}", 0)
			if (substr(S, P, 1) != "}") fail("missing } in " S)
			P++
			set = (n in ENVIRON); empty = !set || ENVIRON[n] == ""
			if (op == ":-") return empty ? w : ENVIRON[n]
			if (op == "-") return set ? ENVIRON[n] : w
			if (op == ":+") return empty ? "" : w
			if (op == "+") return set ? w : ""
			if ((op == ":?" && empty) || (op == "?" && !set)) fail(n ": " (w != "" ? w : "is not set"))
			return ENVIRON[n]
		}
		if (!isname(c)) return "$"
		n = ""
		while (P <= L && isname(substr(S, P, 1))) { n = n substr(S, P, 1); P++ }
		return ENVIRON[n]
	}
	function lex(stop, sp,   out, c, have) {
		out = ""; have = 0
		while (P <= L) {
			c = substr(S, P, 1)
			if (stop != "" && c == stop) return out
			if (sp && (c == " " || c == "\t")) { if (have) emit(out); out = ""; have = 0; P++; continue }
			have = 1
			if (c == esc) { P++; if (P <= L) out = out substr(S, P, 1); P++; continue }
			if (c == "\047") {
				P++
				while (P <= L && substr(S, P, 1) != "\047") { out = out substr(S, P, 1); P++ }
				if (P > L) fail("unterminated quote in " S)
				P++; continue
			}
			if (c == "\"") {
				P++
				while (P <= L && (c = substr(S, P, 1)) != "\"") {
					if (c == esc && P < L && index("\"$" esc, substr(S, P + 1, 1))) { out = out substr(S, P + 1, 1); P += 2 }
					else if (c == "$") out = out dollar()
					else { out = out c; P++ }
				}
				if (P > L) fail("unterminated quote in " S)
				P++; continue
			}
			if (c == "$") { out = out dollar(); continue }
			out = out c; P++
		}
		if (sp && have) emit(out)
		return out
	}
	{ S = (NR > 1 ? S "\n" : "") $0 }
	END {
		if (bad) exit 1
		L = length(S); P = 1; nw = 0; esc = ENVIRON["B-ESC"]
		w = lex("", spl)
		if (!spl) emit(w)
	}'

# B_IGN_AWK: .dockerignore (ENVIRON["B_IGN"]) as docker reads it: a line a pattern, blank lines
# and # comments skipped, ! an exception, the pattern cleaned (leading / and ./, trailing /, //);
# Go's filepath.Match (* and ? not across /, [class], \ escapes) with ** any number of
# directories. A path is excluded when the last pattern that matches it or one of its parent
# directories is not an exception. In: paths relative to the context, one a line; out: the
# excluded ones.
# shellcheck disable=SC2016
B_IGN_AWK='
	function re(p,   o, i, c, n) {
		o = "^"; n = length(p)
		for (i = 1; i <= n; i++) {
			c = substr(p, i, 1)
			if (c == "*") {
				if (substr(p, i + 1, 1) == "*") {
					i++
					if (substr(p, i + 1, 1) == "/") { i++; o = o "(.*/)?" } else o = o ".*"
				} else o = o "[^/]*"
			} else if (c == "?") o = o "[^/]"
			else if (c == "[") {
				o = o "["; i++
				if (substr(p, i, 1) == "!" || substr(p, i, 1) == "^") { o = o "^"; i++ }
				for (; i <= n && substr(p, i, 1) != "]"; i++) o = o substr(p, i, 1)
				o = o "]"
			} else {
				if (c == "\\" && i < n) { i++; c = substr(p, i, 1) }
				if (c ~ /[A-Za-z0-9_\/-]/) o = o c
				else if (c == "^" || c == "\\" || c == "]") o = o "\\" c
				else o = o "[" c "]"
			}
		}
		return o "$"
	}
	BEGIN {
		np = split(ENVIRON["B_IGN"], L, "\n"); n = 0
		for (k = 1; k <= np; k++) {
			l = L[k]; sub(/\r$/, "", l); gsub(/^[ \t]+|[ \t]+$/, "", l)
			if (l == "" || l ~ /^#/) continue
			neg = 0
			if (l ~ /^!/) { neg = 1; l = substr(l, 2); gsub(/^[ \t]+/, "", l) }
			gsub(/\/\/+/, "/", l); sub(/^(\.?\/)+/, "", l); sub(/\/+$/, "", l)
			if (l == "" || l == ".") continue
			n++; R[n] = re(l); N[n] = neg
		}
	}
	{
		x = 0
		for (k = 1; k <= n; k++) {
			if (x == !N[k]) continue
			m = ($0 ~ R[k]); p = $0
			while (!m && sub(/\/[^\/]*$/, "", p)) m = (p ~ R[k])
			if (m) x = !N[k]
		}
		if (x) print
	}'

# b_ignored PATH: PATH (relative to the context) is excluded by .dockerignore.
b_ignored() {
	[ -n "$B_IGN" ] || return 1
	[ -n "$(printf '%s\n' "$1" | B_IGN=$B_IGN "$B_AWK" "$B_IGN_AWK")" ]
}

# b_ign_tar TAR DIR: the entries of a staged tar of the context's directory DIR that .dockerignore
# excludes are deleted from it (host tar on our own file: nothing is extracted).
# shellcheck disable=SC2016 # awk's $
b_ign_tar() {
	[ -n "$B_IGN" ] || return 0
	_bid=${2#/}
	tar -t -f "$1" | "$B_AWK" -v d="$_bid" '$0 != "./" { p = $0; sub(/^\.\//, "", p); sub(/\/$/, "", p)
		print (d == "" ? p : d "/" p) "\t" $0 }' >"$1.names" || b_die "cannot read what is copied"
	cut -f1 "$1.names" | B_IGN=$B_IGN "$B_AWK" "$B_IGN_AWK" >"$1.ign" || b_die "cannot read .dockerignore"
	[ -s "$1.ign" ] || return 0
	"$B_AWK" -F '\t' 'NR == FNR { x[$0] = 1; next } ($1 in x) { print $2 }' "$1.ign" "$1.names" >"$1.del" &&
		tar --delete --no-recursion --no-wildcards --verbatim-files-from -f "$1" -T "$1.del" ||
		b_die "cannot apply .dockerignore"
}

# b_subst MODE STRING: B_WORDS = STRING processed (B_LEX_AWK) with the build's variables: the
# stage's ARGs, then its env (ENV wins); MODE words (split on blanks) or one (one word).
b_subst() {
	_bsp=0
	[ "$1" = one ] || _bsp=1
	eval "set -- \"\$2\" $B_ARGV $B_ENV"
	_bsin=$1
	shift
	for _bv; do
		case ${_bv%%=*} in '' | *[!A-Za-z0-9_]*) shift; continue ;; esac
		set -- "$@" "$_bv"
		shift
	done
	B_WORDS=$(printf '%s' "$_bsin" | env -i "$@" "B-ESC=$B_ESC" "$B_AWK" -v spl="$_bsp" "$B_LEX_AWK") ||
		b_die "cannot expand the variables"
}

# b_die MESSAGE: the error of the step in progress (its number, line and text).
b_die() {
	die "build: step $B_N/$B_TOTAL (Dockerfile line $B_LINE: $B_TEXT): $*"
}

# list_set VAR K=V: in the list VAR, K=V replaces K's entry (in its place), else is appended.
list_set() {
	_blvar=$1 _blkv=$2 _blo='' _bln=''
	_blcur=''
	eval "_blcur=\$$1"
	eval "set -- $_blcur"
	for _blv; do
		if [ "${_blv%%=*}" = "${_blkv%%=*}" ]; then
			[ -z "$_blo" ] || continue
			_blv=$_blkv _blo=1
		fi
		shq "$_blv"
		_bln="$_bln $SHQ"
	done
	[ -n "$_blo" ] || { shq "$_blkv"; _bln="$_bln $SHQ"; }
	eval "$_blvar=\$_bln"
}

# ---------------------------------------------------------------- the verb

#HELP build [-t NAME[:TAG]]... [-f FILE] [--build-arg K=V]... [--target STAGE] [--label K=V]... [--pull] [--no-cache] [-q] [--network bridge|none|host] CONTEXT
#HELP     an image from a Dockerfile (FILE, default CONTEXT/Dockerfile); RUN steps run as containers; a cache of steps
ctr_build() {
	_bf=''
	while [ $# -gt 0 ]; do
		case $1 in
		--*=*) _bo=${1%%=*} _bvv=${1#*=}; shift; set -- "$_bo" "$_bvv" "$@"; continue ;;
		-t | --tag) need_arg "$@"; name_parse "$2"; list_add B_TAGS "$REF_NAME"; shift ;;
		-f | --file) need_arg "$@"; _bf=$2; shift ;;
		--build-arg) need_arg "$@"; one_line "$1" "$2"; env_arg "$2"; list_add B_BARGS "$ENV_ARG"; shift ;;
		--no-cache) B_NOCACHE=1 ;;
		--target) need_arg "$@"; one_line "$1" "$2"; B_TARGET=$2; shift ;;
		--label) need_arg "$@"; one_line "$1" "$2"
			case $2 in [!=]*=*) list_add B_CLABELS "$2" ;; *) die "build: --label $2: want K=V" ;; esac
			shift ;;
		--pull) B_PULL=1 ;;
		-q | --quiet) B_QUIET=1 ;;
		--network | --net) need_arg "$@"; B_NET=$2; shift ;;
		--) shift; break ;;
		-?*) die "build: unknown option $1" ;;
		*) break ;;
		esac
		shift
	done
	[ $# -eq 1 ] || die "usage: ctr.sh build [-t NAME[:TAG]]... [-f FILE] [--build-arg K=V]... [--target STAGE] [--label K=V]... [--pull] [--no-cache] [-q] [--network bridge|none|host] CONTEXT"
	case $B_NET in bridge | none | host) ;; *) die "build: --network $B_NET: must be bridge, none or host" ;; esac
	[ -d "$1" ] || die "build: $1: not a directory"
	# CONTEXT may be in a directory a container writes: its symlinks there are not followed
	sec_host_path build "$1"
	B_CTX=$SEC_HP
	[ -d "$B_CTX" ] && [ -r "$B_CTX" ] && [ -x "$B_CTX" ] || die "build: $1: not readable"
	need jq jq
	p_busybox
	b_dockerfile "$1" "$_bf"
	_bscript=$(printf '%s' "$B_DF" | jq -rRs --arg target "$B_TARGET" "$B_PARSE_JQ" 2>&1) ||
		die "build: ${_bscript#jq: error (at <stdin>:*): }"
	# .dockerignore: read under the jail (a symlink reaches nothing outside the context)
	if fs_hjail "$B_CTX" test -e /.dockerignore; then
		B_IGN=$(b_jail_read "$B_CTX" /.dockerignore) || die "build: $B_CTX/.dockerignore: not a regular file, or cannot read"
		B_IGN=$B_IGN$NL
	fi
	p_begin
	trap 'b_undo' EXIT
	# shellcheck disable=SC2174 # 0700 (storage.sh root_private); $CTR_ROOT exists
	mkdir -p -m 0700 "$CTR_ROOT/cache" || die "$CTR_ROOT/cache: cannot create"
	p_work build
	B_STAGE=0 B_GARGS='' B_ARGV='' B_ENV=''
	eval "$_bscript"
	# --label: the final image's labels (no history entry, as docker)
	eval "set -- $B_CLABELS"
	for _bl; do
		list_set B_LABELS "$_bl"
		b_key "--label $_bl"
		B_FORCE=1
	done
	b_stage_end
	[ -n "$B_IMG" ] || die "build: the Dockerfile has no FROM"
	eval "set -- $B_TAGS"
	for _bt; do
		image_tag "$B_IMG" "$_bt" || die "build: $_bt: cannot tag"
	done
	if [ -n "$B_QUIET" ]; then
		printf '%s\n' "$B_IMG"
	else
		printf 'Successfully built %s\n' "$B_IMG"
		for _bt; do printf 'Successfully tagged %s\n' "$_bt"; done
	fi
}

#HELP builder prune [-a] [-f]       remove the build cache: dangling steps (-a: all steps no name or container uses)
ctr_builder() {
	case ${1:-} in
	prune) shift; builder_prune "$@" ;;
	*) die "usage: ctr.sh builder prune [-a] [-f]" ;;
	esac
}

# BP_JQ: the build's images (a record with build_key, $ARGS: their config.json files) that are
# not named ($named) nor used by a container ($used); without $all, only the dangling ones: not
# an ancestor (parent, grandparent...) of an image that stays.
# shellcheck disable=SC2016
BP_JQ='
	[inputs | .id = (input_filename | split("/") | .[-2])] as $c
	| ($c | map(select(.build_key != null and (.id | IN($named[], $used[]) | not))) | map(.id)) as $cand
	| if $all then $cand[] else
		($c | map({key: .id, value: (.parent // "")}) | from_entries) as $par
		| [$c[].id | select(IN($cand[]) | not)] as $keep
		| (reduce $keep[] as $k ({}; . as $a | reduce range(512) as $_ ({a: $a, k: $par[$k]};
			if .k != null and .k != "" and (.a[.k] | not) then .a[.k] = true | .k = $par[.k] else . end) | .a)) as $anc
		| $cand[] | select($anc[.] | not) end'

# builder prune OPTIONS: the images a build made that no name and no container uses, the dangling
# ones (not under an image that stays) or all (-a), as prune_images removes images; then the
# cache records of images that are gone (-a: all of them).
builder_prune() {
	prune_opts image "$@"
	_bpa=$PR_ALL PR_ALL=''
	pool_ensure
	if [ -n "$_bpa" ]; then
		prune_confirm 'WARNING! This will remove all build cache.'
	else
		prune_confirm 'WARNING! This will remove all dangling build cache.'
	fi
	images_used
	_bpn=''
	for _bpr in "$CTR_ROOT"/refs/*; do
		[ -f "$_bpr" ] && ref_read "$_bpr" && _bpn="$_bpn $REF_ID"
	done
	set --
	for _bpc in "$CTR_ROOT"/images/*/config.json; do [ ! -f "$_bpc" ] || set -- "$@" "$_bpc"; done
	_bpj='' _bpu=''
	for _bpi in $_bpn; do _bpj="$_bpj\"$_bpi\","; done
	for _bpi in $IMG_USED; do _bpu="$_bpu\"$_bpi\","; done
	_bpo=''
	[ $# -eq 0 ] || _bpo=$(jq -rn --argjson all "$([ -n "$_bpa" ] && echo true || echo false)" \
		--argjson named "[${_bpj%,}]" --argjson used "[${_bpu%,}]" "$BP_JQ" "$@") ||
		die "builder prune: cannot read the images' config.json"
	B_PRUNE=" $(printf '%s' "$_bpo" | tr '\n' ' ') "
	# shellcheck disable=SC2034 # read by prune_images (prune.sh)
	PR_PRED=builder_unused
	prune_images
	# the cache records: those of images that are gone; with -a all
	for _bpc in "$CTR_ROOT"/cache/*; do
		[ -f "$_bpc" ] || continue
		_bpi=''
		read -r _bpi <"$_bpc" 2>/dev/null
		[ -n "$_bpa" ] || ! valid_id "$_bpi" || [ ! -d "$CTR_ROOT/images/$_bpi" ] || continue
		rm -f "$_bpc" || die "$_bpc: cannot remove"
	done
	[ -z "$PR_DONE" ] || printf 'Deleted build cache objects:\n%s\n\n' "$(printf '%s\n' "$PR_DONE" | sed 's/^deleted: //')"
	hsize_si "$PR_BYTES"
	printf 'Total reclaimed space: %s\n' "$HSIZE_SI"
}

# builder_unused ID: (prune_images' test, under its locks) the image is one of builder prune's
# and still unused.
builder_unused() {
	case $B_PRUNE in *" $1 "*) image_unused "$1" ;; *) return 1 ;; esac
}

# b_undo: (EXIT trap) a RUN container in progress is removed, then what pull's p_undo removes
# (the image being made, the work directory).
b_undo() {
	_brc=$?
	trap - EXIT
	[ -z "$B_WATCH" ] || kill "$B_WATCH" 2>/dev/null
	[ -z "$B_CTR" ] || "$CTR_HOME/ctr.sh" rm -f -v "$B_CTR" >/dev/null 2>&1
	(exit "$_brc")
	p_undo
}

# b_say LINE...: progress on stdout, unless -q.
b_say() {
	[ -n "$B_QUIET" ] || printf '%s\n' "$@"
}

# b_ins LINE TEXT INSTRUCTION FORM FLAG... -- ARG...: run one instruction (B_PARSE_JQ's calls).
b_ins() {
	B_LINE=$1 B_TEXT=$2 _bi=$3 B_FORM=$4 B_FLAGS=''
	shift 4
	while [ "$1" != -- ]; do list_add B_FLAGS "$1"; shift; done
	shift
	B_N=$((B_N + 1))
	[ -z "$B_DONE" ] || return 0
	# --target: the build ends with the stage of that name
	if [ "$_bi" = FROM ] && [ -n "$B_TARGET" ] && [ "$B_STAGE" != 0 ] &&
		[ "$B_SNAME" = "$(printf '%s' "$B_TARGET" | tr '[:upper:]' '[:lower:]')" ]; then
		B_DONE=1
		return 0
	fi

	if [ "$B_STAGE" = 0 ] && [ "$_bi" != FROM ] && [ "$_bi" != ARG ]; then
		b_die "no FROM before it"
	fi
	case $_bi in
	FROM) b_from "$@" ;;
	ARG) b_arg "$@" ;;
	ENV) b_env "$@" ;;
	RUN) b_run "$@" ;;
	COPY | ADD) b_copy "$_bi" "$@" ;;
	HEALTHCHECK) b_health "$@" ;;
	*) b_meta "$_bi" "$@" ;;
	esac
}

# b_head [CACHED]: the step's line: [N/TOTAL] TEXT, and CACHED when the cache had its image.
b_head() {
	b_say "[$B_N/$B_TOTAL] $B_TEXT${1:+ $1}"
}

# b_flags ALLOWED...: the instruction's flags are among ALLOWED (names without --); B_F_<name>
# (- as _) = each one's value.
b_flags() {
	B_F_from='' B_F_chown='' B_F_chmod='' B_F_interval='' B_F_timeout='' B_F_start_period='' B_F_start_interval='' B_F_retries=''
	_bfa=" $* "
	eval "set -- $B_FLAGS"
	for _bfl; do
		_bfn=${_bfl%%=*}
		_bfn=${_bfn#--}
		case $_bfa in *" $_bfn "*) ;; *) b_die "--$_bfn: flag not supported here" ;; esac
		case $_bfl in *=*) ;; *) b_die "--$_bfn: needs a value (--$_bfn=VALUE)" ;; esac
		eval "B_F_$(printf '%s' "$_bfn" | tr - _)=\${_bfl#*=}"
	done
}

# b_key TEXT: B_KEY = the key of the step: the sha256 of the previous key and TEXT.
b_key() {
	B_KEY=$(printf '%s\n%s' "$B_KEY" "$1" | sha256sum)
	B_KEY=${B_KEY%% *}
}

# b_cached: B_HIT = the image the cache holds for B_KEY (none with --no-cache, or when it is gone).
b_cached() {
	B_HIT=''
	[ -z "$B_NOCACHE" ] || return 1
	read -r B_HIT 2>/dev/null <"$CTR_ROOT/cache/$B_KEY" || return 1
	valid_id "$B_HIT" && [ -f "$CTR_ROOT/images/$B_HIT/config.json" ] || return 1
	tree_of images "$B_HIT"
	[ -d "$TREE" ]
}

# b_hist CREATED_BY [EMPTY]: the step goes into the next image's history (EMPTY: no layer of its own).
b_hist() {
	list_add B_HIST "${2:-0}$1"
}

# ---------------------------------------------------------------- stages

# b_from ARG: FROM IMAGE [AS NAME]: a stage from an image of the store (pulled when missing) or
# scratch; the image's config is the stage's.
b_from() {
	b_head
	[ "$B_STAGE" = 0 ] || b_stage_end
	B_STAGE=$((B_STAGE + 1))
	b_flags
	B_ARGV=$B_GARGS B_ENV=''
	b_subst words "$1"
	eval "set -- $B_WORDS"
	B_SNAME=''
	case $#/${2:-} in
	1/) ;;
	3/[Aa][Ss]) B_SNAME=$(printf '%s' "$3" | tr '[:upper:]' '[:lower:]')
		valid_name "$B_SNAME" || b_die "stage name $3: invalid" ;;
	*) b_die "want FROM IMAGE [AS NAME]" ;;
	esac
	B_ARGV='' B_HIST='' B_CMDSET='' B_SHELL="'/bin/sh' '-c'"
	if [ "$1" = scratch ]; then
		B_IMG='' B_KEY=scratch
		# shellcheck disable=SC2034 # lists read through eval (b_image_done)
		B_ENV='' B_CMD='' B_EP='' B_WD='' B_USER='' B_PORTS='' B_LABELS='' B_VOLS='' B_STOPSIG='' B_HC=''
		return 0
	fi
	B_IMG=$(b_stage_image "$1") || { [ -z "$B_PULL" ] && B_IMG=$( (image_find "$1") 2>/dev/null); } || {
		[ -n "$B_PULL" ] || b_say "$1: not in the store: pulling it"
		"$CTR_HOME/ctr.sh" pull ${B_QUIET:+-q} "$1" >&2 || b_die "$1: cannot pull"
		B_IMG=$(image_find "$1") || exit 125
	}
	B_KEY=$B_IMG
	# every value one word: a list as one string of @sh words, a scalar a string (an array there
	# would be words after the assignment: a command; pull refuses such an image, one pulled before
	# not); jq's words are checked before they are eval'ed (eval of nothing succeeds)
	# shellcheck disable=SC2016
	_bfc=$(jq -r 'def str: if . == null then "" elif type == "string" then . else error("not a string") end;
		def words: if . == null then "" elif type == "array" and all(.[]; type == "string") then @sh
			else error("not a list of strings") end;
		@sh "B_ENV=\(.env // [] | map(select(type == "string")) | @sh) B_CMD=\(.cmd | words)
		B_EP=\(.entrypoint | words) B_WD=\(.workdir | str) B_USER=\(.user | str)
		B_PORTS=\(.exposed_ports | words) B_LABELS=\(.labels // {} | to_entries | map("\(.key)=\(.value)") | @sh)
		B_VOLS=\(.volumes | words) B_STOPSIG=\(.stop_signal | str) B_HC=\(.healthcheck // "" | if . == "" then . else tojson end)"' \
		"$CTR_ROOT/images/$B_IMG/config.json" 2>/dev/null) || b_die "image $1: its config.json is not valid"
	eval "$_bfc"
}

# b_stage_image NAME: the image of an earlier stage named NAME (or numbered NAME).
b_stage_image() {
	_bsn=$1
	eval "set -- $B_STAGES"
	for _bsi; do
		[ "${_bsi%%=*}" != "$_bsn" ] || { printf '%s\n' "${_bsi#*=}"; return 0; }
	done
	return 1
}

# b_stage_end: the stage's image: its last step's when no instruction came after it, else a new
# one (a snapshot of it with the config); recorded for COPY --from and FROM by name and number.
b_stage_end() {
	if [ -n "$B_HIST" ] || [ -z "$B_IMG" ] || [ -n "$B_FORCE" ]; then
		B_FORCE=''
		b_key "(end)"
		if b_cached; then
			B_IMG=$B_HIT
		else
			b_image_new
			b_image_done ''
		fi
	fi
	list_add B_STAGES "$((B_STAGE - 1))=$B_IMG"
	[ -z "$B_SNAME" ] || list_add B_STAGES "$B_SNAME=$B_IMG"
}

# ---------------------------------------------------------------- images

# b_image_new: a new image in the making (pull.sh's p_new): P_TREE, a writable snapshot of the
# current image's tree (an empty subvolume on scratch).
b_image_new() {
	p_new build
	mkdir -p "${P_TREE%/rootfs}" || die "$P_TREE: cannot create"
	if [ -n "$B_IMG" ]; then
		tree_of images "$B_IMG"
		btrfs subvolume snapshot "$TREE" "$P_TREE" >/dev/null || b_die "cannot snapshot image $B_IMG"
	else
		btrfs subvolume create "$P_TREE" >/dev/null || b_die "$P_TREE: cannot create subvolume"
	fi
}

# B_REC_JQ: the image's record (commit's fields, pull.sh) from its parent's ($p) and the build's
# config: the lists env, cmd, entrypoint, ports, labels, volumes, history as arguments (each: its
# length, then its items; a history item starts with 1 for a step without a layer of its own).
# shellcheck disable=SC2016
B_REC_JQ='
	reduce range(7) as $n ({l: [], r: $ARGS.positional}; (.r[0] | tonumber) as $c
		| .l += [.r[1:$c + 1]] | .r = .r[$c + 1:])
	| .l as [$env, $cmd, $ep, $ports, $labels, $vols, $hist]
	| ($p[0] // {}) + {id: $id, name: "", source: "build: \($by)", created: $created, parent: $parent,
	  cmd: $cmd, entrypoint: $ep, env: $env, workdir: $wd, user: $user, exposed_ports: ($ports | unique),
	  labels: (reduce $labels[] as $l ({}; . + {($l | split("=")[0]): ($l | split("=")[1:] | join("="))})),
	  volumes: ($vols | unique), stop_signal: $stopsig, build_key: $key,
	  history: ($hist | map({created: $created, created_by: .[1:]} + (if startswith("1") then {empty_layer: true} else {} end)))}
	| if $hc != "" then .healthcheck = ($hc | fromjson) else del(.healthcheck) end
	| if $parent == "" then del(.parent) else . end
	| del(.digest, .media_type, .config_digest, .layers, .layer_sizes)'

# b_image_done [CREATED_BY]: P_TREE becomes an image (read-only, its record, in the cache under
# B_KEY), the current one: B_IMG.
b_image_done() {
	[ -z "$1" ] || b_hist "$1"
	_bby=${1:-config}
	_bp=/dev/null
	[ -z "$B_IMG" ] || _bp=$CTR_ROOT/images/$B_IMG/config.json
	set --
	for _bl in B_ENV B_CMD B_EP B_PORTS B_LABELS B_VOLS B_HIST; do
		list_len "$_bl"
		eval "set -- \"\$@\" $LIST_LEN $LIST_WORDS"
	done
	jq -n --slurpfile p "$_bp" --arg id "$P_ID" --arg parent "$B_IMG" --arg by "$_bby" --arg key "$B_KEY" \
		--arg created "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg wd "$B_WD" --arg user "$B_USER" \
		--arg stopsig "$B_STOPSIG" --arg hc "$B_HC" "$B_REC_JQ" --args -- "$@" >"$P_TMP/config.json" ||
		die "$P_TMP/config.json: cannot write"
	image_install ''
	B_IMG=$P_ID B_HIST=''
	printf '%s\n' "$B_IMG" >"$CTR_ROOT/cache/$B_KEY.$$" && mv "$CTR_ROOT/cache/$B_KEY.$$" "$CTR_ROOT/cache/$B_KEY" ||
		die "$CTR_ROOT/cache: cannot write"
}

# ---------------------------------------------------------------- instructions

# b_arg ARG: ARG NAME[=DEFAULT]...: the value of --build-arg NAME, else DEFAULT; before the first
# FROM, an argument for the FROM lines (a stage sees it after its own ARG NAME).
b_arg() {
	b_head
	b_subst words "$1"
	eval "set -- $B_WORDS"
	for _ba; do
		_bk=${_ba%%=*}
		case $_bk in '' | [0-9]* | *[!A-Za-z0-9_]*) b_die "ARG $_bk: invalid name" ;; esac
		_bv=''
		case $_ba in *=*) _bv=$_ba ;; esac
		# a stage's ARG NAME without a default takes the global one's value
		if [ "$B_STAGE" != 0 ] && [ -z "$_bv" ]; then
			eval "set -- $B_GARGS"
			for _bg; do [ "${_bg%%=*}" != "$_bk" ] || _bv=$_bg; done
		fi
		eval "set -- $B_BARGS"
		for _bg; do [ "${_bg%%=*}" != "$_bk" ] || _bv=$_bg; done
		[ -n "$_bv" ] || continue
		if [ "$B_STAGE" = 0 ]; then
			list_set B_GARGS "$_bv"
		else
			list_set B_ARGV "$_bv"
			b_key "ARG $_bv"
		fi
	done
	[ "$B_STAGE" = 0 ] || b_hist "$B_TEXT" 1
}

# b_env ARG: ENV K=V... (or the older ENV K V...).
b_env() {
	b_head
	case $1 in
	*=*) b_subst words "$1" ;;
	*[\ \	]*) _bk=${1%%[ 	]*}
		_bv=${1#"$_bk"}
		b_subst one "$_bk=$(printf '%s' "$_bv" | sed 's/^[ \t]*//')" ;;
	*) b_die "ENV needs K=V" ;;
	esac
	eval "set -- $B_WORDS"
	for _be; do
		case $_be in [!=]*=*) ;; *) b_die "ENV $_be: want K=V" ;; esac
		list_set B_ENV "$_be"
	done
	shq "$*"
	b_key "ENV $SHQ"
	b_hist "ENV $*" 1
}

# b_json_or_shell FORM ARG...: B_ARGV_RUN = the command as a list: a JSON form's strings, or the
# shell form under SHELL (/bin/sh -c).
b_cmd_list() {
	_bfm=$1
	shift
	if [ "$_bfm" = j ]; then
		B_LIST=''
		for _bc; do list_add B_LIST "$_bc"; done
	else
		B_LIST=$B_SHELL
		list_add B_LIST "$1"
	fi
}

# b_run ARG...: RUN: the command in a container of the current image (see the top of the file).
b_run() {
	b_flags
	[ "$B_FORM" = j ] || [ -n "$B_SHELL" ] || b_die "no SHELL"
	b_cmd_list "$B_FORM" "$@"
	_brun=$B_LIST
	eval "set -- $_brun"
	_bby="RUN $*"
	b_key "RUN $_brun"
	if b_cached; then
		b_head CACHED
		B_IMG=$B_HIT B_HIST=''
		return 0
	fi
	b_head
	[ -n "$B_IMG" ] || b_die "the image has no files (FROM scratch): nothing to run"
	B_CTR=ctrbuild-$(new_id)
	_bra=''
	for _be in --name "$B_CTR" --net "$B_NET" --entrypoint '' -w "${B_WD:-/}"; do list_add _bra "$_be"; done
	[ -z "$B_USER" ] || { list_add _bra -u; list_add _bra "$B_USER"; }
	# the stage's ARGs, then its env: ENV wins over an ARG of the same name (run's -e: the later)
	eval "set -- $B_ARGV $B_ENV"
	for _be; do list_add _bra -e; list_add _bra "$_be"; done
	eval "set -- $_bra \"\$B_IMG\" $_brun"
	# killed (SIGKILL), the build leaves the container to a watchdog: once nothing holds our work
	# directory's lock (fd 6, which neither it nor run inherits), it removes the container
	flock "$P_WORK/.lock" "$CTR_HOME/ctr.sh" rm -f -v "$B_CTR" >/dev/null 2>&1 </dev/null 6>&- 7>&- &
	B_WATCH=$!
	# run in the background and waited for: a signal (INT, TERM) is handled at once (b_undo)
	if [ -n "$B_QUIET" ]; then
		"$CTR_HOME/ctr.sh" run "$@" </dev/null >"$P_DATA/run.log" 2>&1 6>&- 7>&- &
	else
		"$CTR_HOME/ctr.sh" run "$@" </dev/null 6>&- 7>&- &
	fi
	wait "$!"
	_brc=$?
	kill "$B_WATCH" 2>/dev/null
	wait "$B_WATCH" 2>/dev/null
	B_WATCH=''
	if [ "$_brc" != 0 ]; then
		[ -z "$B_QUIET" ] || cat "$P_DATA/run.log" >&2
		printf 'ctr: build: step %s/%s (Dockerfile line %s: %s): the command returned %s\n' \
			"$B_N" "$B_TOTAL" "$B_LINE" "$B_TEXT" "$_brc" >&2
		exit "$_brc"
	fi
	_bcid=''
	read -r _bcid 2>/dev/null <"$CTR_ROOT/names/$B_CTR"
	valid_id "$_bcid" || b_die "the container $B_CTR is gone"
	tree_of containers "$_bcid"
	_bct=$TREE
	tree_of images "$B_IMG"
	fs_etc_restore "$_bct" "$TREE"
	p_new build
	mkdir -p "${P_TREE%/rootfs}" || die "$P_TREE: cannot create"
	btrfs subvolume snapshot -r "$_bct" "$P_TREE" >/dev/null || b_die "cannot snapshot the container"
	b_image_done "$_bby"
	"$CTR_HOME/ctr.sh" rm -f -v "$B_CTR" >/dev/null || b_die "cannot remove the container $B_CTR"
	B_CTR=''
}

# b_tar_digest TAR: B_DIGEST = what a COPY's cache key holds of a staged tar: its entries' names,
# types, modes, owners, sizes and link targets (not their times), and their contents.
b_tar_digest() {
	B_DIGEST=$( { tar -tv --numeric-owner -f "$1" | awk '{ $4 = ""; $5 = ""; print }'
		tar -xO -f "$1"; } | sha256sum) || b_die "cannot read what is copied"
	B_DIGEST=${B_DIGEST%% *}
}

# b_words ARG...: an instruction's arguments as words, variables expanded (b_subst), quoted for
# eval in B_WORDS: each argument of the JSON form is one word; the shell form's one string is split.
b_words() {
	if [ "$B_FORM" = j ]; then
		_bw=''
		for _bc; do b_subst one "$_bc"; _bw="$_bw $B_WORDS"; done
		B_WORDS=$_bw
	else
		b_subst words "$1"
	fi
}

# b_copy COPY|ADD ARG...: COPY [--from=STAGE|IMAGE] SRC... DEST (the JSON form too). Each SRC is
# read under the jail in the context (or the stage's, the image's tree): a directory's contents, a
# file (its symlink followed inside that root) under its own name. DEST, relative to WORKDIR, is a
# directory when it ends with / (or is one in the image, or SRC is a directory). ADD unpacks a
# local tar archive (gzip, zstd too) into DEST; a URL is refused.
b_copy() {
	_bin=$1
	shift
	b_flags from chown chmod
	case $B_F_chmod in '' | [0-7][0-7][0-7] | [0-7][0-7][0-7][0-7]) ;; *) b_die "--chmod=$B_F_chmod: want an octal mode (644, 0755)" ;; esac
	case $B_F_chown in *[!A-Za-z0-9_.:-]* | -* | *:-* | *:*:* | :* | *:) b_die "--chown=$B_F_chown: want USER[:GROUP]" ;; esac
	b_words "$@"
	eval "set -- $B_WORDS"
	[ $# -ge 2 ] || b_die "$_bin needs a source and a destination"
	_broot=$B_CTX _bfrom=''
	if [ -n "$B_F_from" ]; then
		_bfi=$(b_stage_image "$B_F_from") || _bfi=$( (image_find "$B_F_from") 2>/dev/null) ||
			b_die "--from=$B_F_from: no such stage or image"
		tree_of images "$_bfi"
		_broot=$TREE _bfrom="from=$_bfi "
	fi
	_bst=$P_DATA/copy
	rm -rf "$_bst" && mkdir "$_bst" || b_die "$_bst: cannot create"
	_bkt="$_bin $_bfrom${B_F_chown:+chown=$B_F_chown }${B_F_chmod:+chmod=$B_F_chmod }" _bi=0 _bsrcs=''
	_bn=$#
	for _bs; do
		_bn=$((_bn - 1))
		[ "$_bn" -gt 0 ] || { _bdst=$_bs; break; }
		case $_bs in http://* | https://* | git@*) b_die "$_bs: a remote source is not supported" ;; esac
		# globs: expanded in the context (the user's own tree), one source per match
		case $_bs in *[\*?[]*)
			[ -z "$_bfrom" ] || b_die "$_bs: no glob with --from"
			_bgl=$(cd "$_broot" && for _bg in ./$_bs; do [ -e "$_bg" ] || [ -L "$_bg" ] && printf '%s\n' "${_bg#./}"; done)
			# the matches .dockerignore excludes are not in the context (its directories are filtered later)
			# shellcheck disable=SC2016 # awk's $
			if [ -n "$B_IGN" ] && [ -n "$_bgl" ]; then
				_bgx=$(printf '%s\n' "$_bgl" | B_IGN=$B_IGN "$B_AWK" "$B_IGN_AWK")
				[ -z "$_bgx" ] || _bgl=$(printf '%s\n' "$_bgl" | X=$_bgx "$B_AWK" 'BEGIN {
					n = split(ENVIRON["X"], a, "\n"); for (i = 1; i <= n; i++) x[a[i]] = 1 } !($0 in x)')
			fi
			[ -n "$_bgl" ] || b_die "$_bs: no source files were specified"
			while IFS= read -r _bg; do list_add _bsrcs "$_bg"; done <<EOT
$_bgl
EOT
			continue ;;
		esac
		list_add _bsrcs "$_bs"
	done
	eval "set -- $_bsrcs"
	[ $# -eq 1 ] || case $_bdst in */) ;; *) b_die "more than one source: the destination must end with /" ;; esac
	case $_bdst in /*) ;; *) _bdst=${B_WD:-/}/$_bdst ;; esac
	_bdslash=''
	case $_bdst in */ | */.) _bdslash=1 ;; esac
	_bdst=$(realpath -ms -- "$_bdst") || b_die "$_bdst: not a path"
	for _bs; do
		_bi=$((_bi + 1))
		_bp=$(realpath -ms -- "/$_bs") || b_die "$_bs: not a path"
		_bty=$(fs_hjail "$_broot" stat -L -c %F -- "$_bp" 2>/dev/null) || b_die "$_bs: no such file or directory"
		if [ "$_bty" = directory ]; then
			fs_hjail "$_broot" tar -c -f - -C "$_bp" . >"$_bst/$_bi.tar" || b_die "$_bs: cannot read"
			[ -n "$_bfrom" ] || b_ign_tar "$_bst/$_bi.tar" "$_bp"
			_bkind=d
		else
			[ -n "$_bfrom" ] || ! b_ignored "${_bp#/}" || b_die "$_bs: excluded by .dockerignore"
			_brp=$(fs_hjail "$_broot" realpath "$_bp") && [ -n "$_brp" ] || b_die "$_bs: cannot resolve"
			_bmode=$(fs_hjail "$_broot" stat -L -c %a -- "$_brp") || b_die "$_bs: cannot read"
			printf '%s\n' "$_bmode" >"$_bst/$_bi.tar.mode" || b_die "$_bst: cannot write"
			fs_hjail "$_broot" tar -c -f - -C "${_brp%/*}/" -- "${_brp##*/}" >"$_bst/$_bi.tar" || b_die "$_bs: cannot read"
			_bkind=f$_bmode
		fi
		b_tar_digest "$_bst/$_bi.tar"
		shq "$_bp"
		_bkt="$_bkt $_bkind:$B_DIGEST:$SHQ"
	done
	shq "$_bdst${_bdslash:+/}"
	b_key "$_bkt $SHQ"
	if b_cached; then
		b_head CACHED
		B_IMG=$B_HIT B_HIST=''
		return 0
	fi
	b_head
	b_image_new
	[ -z "$B_F_chown" ] || b_owner "$B_F_chown"
	: >"$_bst/own" || b_die "$_bst: cannot write"
	_bi=0
	for _bs; do
		_bi=$((_bi + 1))
		b_copy_one "$_bin" "$_bs" "$_bst/$_bi.tar" "$_bdst" "$_bdslash"
	done
	b_own_apply "$_bst/own"
	b_image_done "$_bin $* $_bdst"
}

# b_copy_one COPY|ADD SRC TAR DEST SLASH: one staged source into the new image, under the jail.
b_copy_one() {
	_bty=$(tar -tv -f "$3" | head -n 1 | cut -c1)
	if [ "$(tar -t -f "$3" | head -n 1)" = ./ ]; then
		fs_hjail "$P_TREE" mkdir -p -- "$4" && fs_hjail "$P_TREE" tar -x -o -f - -C "$4" <"$3" ||
			b_die "$2: cannot copy to $4"
		b_own_add "$3" "$4"
		return 0
	fi
	[ "$_bty" = - ] || b_die "$2: not a regular file or directory"
	tar -xO -f "$3" >"$3.f" || b_die "$2: cannot read"
	if [ "$1" = ADD ] && layer_cat "$3.f" 2>/dev/null | tar -t -f - >/dev/null 2>&1; then
		fs_hjail "$P_TREE" mkdir -p -- "$4" && layer_cat "$3.f" | fs_hjail "$P_TREE" tar -x -o -f - -C "$4" ||
			b_die "$2: cannot unpack to $4"
		[ -z "$B_F_chown$B_F_chmod" ] || { layer_cat "$3.f" >"$3.u" && b_own_add "$3.u" "$4"; } || b_die "$2: cannot read"
		return 0
	fi
	_bt=$4
	if [ -n "$5" ] || [ "$(fs_hjail "$P_TREE" stat -L -c %F -- "$4" 2>/dev/null)" = directory ]; then
		_bt=${4%/}/${2##*/}
	fi
	read -r _bmode <"$3.mode" || b_die "$2: cannot read"
	fs_hjail "$P_TREE" mkdir -p -- "${_bt%/*}/" && fs_hjail "$P_TREE" tee -- "$_bt" <"$3.f" >/dev/null ||
		b_die "$2: cannot copy to $_bt"
	fs_hjail "$P_TREE" chmod "$_bmode" -- "$_bt" || b_die "$_bt: cannot chmod"
	[ -z "$B_F_chown$B_F_chmod" ] || printf -- '-\t%s\n' "$_bt" >>"${3%/*}/own" || b_die "cannot write"
}

# b_jail_read ROOT PATH: the first MiB of ROOT's PATH, read under ROOT's jail (its symlinks stay
# inside), only if it is a regular file: a FIFO there (a base image's /etc/passwd, a context's
# .dockerignore) blocked the build for ever, a sparse file of terabytes kept it reading. Fails when
# PATH is not a regular file. The trees are not changing meanwhile (no container runs on them).
b_jail_read() {
	fs_hjail "$1" test -f "$2" || return 1
	fs_hjail "$1" head -c 1048576 "$2"
}

# b_dockerfile CONTEXT [FILE]: B_DF = the Dockerfile's text. The context's (the default, or -f
# naming a path inside CONTEXT) is read under the context's jail, as .dockerignore: whoever
# prepared the context (a cloned repository) chose its symlinks, and `Dockerfile -> /etc/shadow`
# made root's build read a host file and print its first line in the error (a CI log). Only a
# regular file, 1 MiB at most. A -f outside the context is the user's own file, read as named.
b_dockerfile() {
	_bfa=$(realpath -ms -- "${2:-$1/Dockerfile}") && _bca=$(realpath -ms -- "$1") ||
		die "build: ${2:-$1/Dockerfile}: cannot resolve"
	case $_bfa in
	"${_bca%/}"/*)
		B_DF=$(b_jail_read "$B_CTX" "${_bfa#"${_bca%/}"}" && echo .) ||
			die "build: ${2:-$B_CTX/Dockerfile}: no Dockerfile (not a regular file in the context, or cannot read)"
		B_DF=${B_DF%.}
		[ "$(printf '%s' "$B_DF" | wc -c)" -lt 1048576 ] || die "build: ${2:-$B_CTX/Dockerfile}: 1 MiB or more (not a Dockerfile)" ;;
	*)
		[ -f "$2" ] && [ -r "$2" ] || die "build: $2: no Dockerfile"
		B_DF=$(cat -- "$2" && echo .) || die "build: $2: cannot read"
		B_DF=${B_DF%.} ;;
	esac
}

# b_owner USER[:GROUP]: B_OWN = UID:GID of COPY --chown, names looked up in the new image's
# /etc/passwd and /etc/group (read under the jail); a user without a group: a name's primary
# group, a number's same number (as docker).
# shellcheck disable=SC2016 # awk's $
b_owner() {
	_bu=${1%%:*} _bg=''
	case $1 in *:*) _bg=${1#*:} ;; esac
	case $_bu in
	*[!0-9]*) _bl=$(b_jail_read "$P_TREE" /etc/passwd 2>/dev/null | "$B_AWK" -F: -v n="$_bu" '$1 == n { print $3 ":" $4; exit }')
		case $_bl in [0-9]*:[0-9]*) ;; *) b_die "--chown=$1: no user $_bu in the image's /etc/passwd" ;; esac
		_bu=${_bl%%:*}
		[ -n "$_bg" ] || _bg=${_bl#*:} ;;
	esac
	[ -n "$_bg" ] || _bg=$_bu
	for _bx in "$_bu" "$_bg"; do
		case $_bx in *[!0-9]*) ;; *) [ ${#_bx} -le 10 ] && [ "$_bx" -le 4294967294 ] || b_die "--chown=$1: $_bx is not a valid id" ;; esac
	done
	case $_bg in
	*[!0-9]*) _bl=$(b_jail_read "$P_TREE" /etc/group 2>/dev/null | "$B_AWK" -F: -v n="$_bg" '$1 == n { print $3; exit }')
		case $_bl in '' | *[!0-9]*) b_die "--chown=$1: no group $_bg in the image's /etc/group" ;; esac
		_bg=$_bl ;;
	esac
	B_OWN=$_bu:$_bg
}

# b_own_add TAR DEST: (--chown, --chmod) the entries of TAR, copied into DEST, join the list of
# what the flags change ($_bst/own: TYPE<tab>PATH, TYPE tar's: d, -, l...); not DEST itself.
# shellcheck disable=SC2016 # awk's $
b_own_add() {
	[ -n "$B_F_chown$B_F_chmod" ] || return 0
	tar -tv -f "$1" | cut -c1 >"$1.ty" && tar -t -f "$1" >"$1.nm" || b_die "cannot read what is copied"
	paste "$1.ty" "$1.nm" | "$B_AWK" -F '\t' -v d="${2%/}" '$2 != "./" && $2 != "." { p = $2
		sub(/^\.\//, "", p); sub(/\/$/, "", p); print $1 "\t" d "/" p }' >>"$_bst/own" || b_die "cannot write"
}

# b_own_apply LIST: --chown and --chmod on what LIST names, under the jail of the new image (its
# symlinks are not followed by chown -h; chmod leaves them out). Rootless: in the user's namespace
# (rootless.sh's rootless_userns), where the jail may chroot and the ids are the image's.
# shellcheck disable=SC2016 # awk's $
b_own_apply() {
	[ -s "$1" ] || return 0
	if [ -n "$B_F_chown" ]; then
		cut -f2 "$1" | tr '\n' '\0' | ${CTR_ROOTLESS:+rootless_userns} xargs -0 -r "$CTR_LIBEXEC/ctr-jail" --root "$P_TREE" -- "$P_BUSYBOX" chown -h "$B_OWN" -- ||
			b_die "--chown=$B_F_chown: cannot change the owner"
	fi
	if [ -n "$B_F_chmod" ]; then
		"$B_AWK" -F '\t' '$1 != "l" { print $2 }' "$1" | tr '\n' '\0' |
			${CTR_ROOTLESS:+rootless_userns} xargs -0 -r "$CTR_LIBEXEC/ctr-jail" --root "$P_TREE" -- "$P_BUSYBOX" chmod "$B_F_chmod" -- ||
			b_die "--chmod=$B_F_chmod: cannot change the mode"
	fi
}

# B_HC_JQ: HEALTHCHECK's arguments ($r: NONE, or CMD and a command, shell or JSON form) and flags
# (Go durations, retries) as docker's config Healthcheck: {Test, Interval, Timeout, StartPeriod,
# StartInterval (nanoseconds), Retries}, the zero ones left out.
# shellcheck disable=SC2016
B_HC_JQ='
	def dur($f): if . == "" then 0
		elif test("^([0-9]+(\\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$") | not then error("--\($f)=\(.): not a duration (30s, 1m30s, 500ms)")
		else [scan("([0-9.]+)(ns|us|µs|ms|s|m|h)") | (.[0] | tonumber) * {ns: 1, us: 1e3, "µs": 1e3, ms: 1e6,
			s: 1e9, m: 6e10, h: 3.6e12}[.[1]]] | add | floor
			| if . < 1000000 then error("--\($f): less than 1ms") else . end end;
	if ($r | test("^none$"; "i")) then {Test: ["NONE"]}
	elif ($r | test("^cmd([ \t]|$)"; "i")) | not then error("want HEALTHCHECK [OPTIONS] CMD COMMAND, or HEALTHCHECK NONE")
	else ($r | sub("^...[ \t]*"; "")) as $c
		| if $c == "" then error("HEALTHCHECK CMD needs a command") else . end
		| ($c | if startswith("[") then (try fromjson catch null) else null end) as $j
		| {Test: (if ($j | type) == "array" and ($j | all(.[]; type == "string")) then ["CMD"] + $j else ["CMD-SHELL", $c] end),
		  Interval: ($i | dur("interval")), Timeout: ($t | dur("timeout")), StartPeriod: ($sp | dur("start-period")),
		  StartInterval: ($si | dur("start-interval")),
		  Retries: (if $n == "" then 0 elif $n | test("^[0-9]+$") then $n | tonumber else error("--retries=\($n): not a number") end)}
		| with_entries(select(.value != 0))
	end'

# b_health ARG: HEALTHCHECK: stored in the config (docker's Healthcheck), not run by ctr.
b_health() {
	b_head
	b_flags interval timeout start-period start-interval retries
	B_HC=$(jq -nc --arg r "$1" --arg i "$B_F_interval" --arg t "$B_F_timeout" --arg sp "$B_F_start_period" \
		--arg si "$B_F_start_interval" --arg n "$B_F_retries" "$B_HC_JQ" 2>&1) || b_die "${B_HC#jq: error (at <unknown>): }"
	b_key "HEALTHCHECK $B_HC"
	b_hist "$B_TEXT" 1
}

# b_meta INSTRUCTION ARG...: the instructions that change the config only: CMD, ENTRYPOINT (a new
# one empties a CMD of the base), WORKDIR (relative: to the current one), USER, EXPOSE, LABEL,
# VOLUME, STOPSIGNAL, SHELL, MAINTAINER (history only).
b_meta() {
	b_head
	_bin=$1
	shift
	case $_bin in
	CMD | ENTRYPOINT | SHELL)
		b_cmd_list "$B_FORM" "$@"
		# shellcheck disable=SC2034 # B_EP, B_CMD: read through eval (b_image_done)
		case $_bin in
		CMD) B_CMD=$B_LIST B_CMDSET=1 ;;
		ENTRYPOINT) B_EP=$B_LIST; [ -n "$B_CMDSET" ] || B_CMD='' ;;
		SHELL) B_SHELL=$B_LIST ;;
		esac
		b_key "$_bin $B_LIST" ;;
	WORKDIR | USER | STOPSIGNAL)
		b_subst one "$1"
		eval "set -- $B_WORDS"
		[ -n "$1" ] || b_die "$_bin needs a value"
		one_line "$_bin" "$1"
		case $_bin in
		WORKDIR) case $1 in /*) B_WD=$1 ;; *) B_WD=${B_WD:-/}/$1 ;; esac
			B_WD=$(realpath -ms -- "$B_WD") ;;
		USER) B_USER=$1 ;;
		STOPSIGNAL) B_STOPSIG=$1 ;;
		esac
		b_key "$_bin $1" ;;
	EXPOSE | LABEL | VOLUME)
		b_words "$@"
		_bw=$B_WORDS
		eval "set -- $_bw"
		for _bm; do
			case $_bin in
			EXPOSE) case $_bm in */*) ;; *) _bm=$_bm/tcp ;; esac
				case ${_bm%/*}/${_bm#*/} in [0-9]*/tcp | [0-9]*/udp | [0-9]*/sctp) ;; *) b_die "EXPOSE $_bm: want PORT[/tcp|udp]" ;; esac
				case ${_bm%/*} in *[!0-9]*) b_die "EXPOSE $_bm: want PORT[/tcp|udp]" ;; esac
				list_add B_PORTS "$_bm" ;;
			LABEL) case $_bm in [!=]*=*) list_set B_LABELS "$_bm" ;; *) b_die "LABEL $_bm: want K=V" ;; esac ;;
			VOLUME) case $_bm in /*) list_add B_VOLS "$_bm" ;; *) b_die "VOLUME $_bm: must be absolute" ;; esac ;;
			esac
		done
		b_key "$_bin $_bw" ;;
	MAINTAINER) b_key "$_bin $1" ;;
	esac
	b_hist "$B_TEXT" 1
}
