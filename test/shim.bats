#!/usr/bin/env bats
# test/shim.bats - ctr-shim and ctr-attach, driven directly with host programs as PROG
# (sh and cat; test/fake-console.c stands in for `nsenter-chroot --console-fd 3`).
# Terminal tests drive a real terminal with tmux. CTR_TEST_LIBEXEC=build/asan runs the same
# tests against the sanitizer builds.

bats_require_minimum_version 1.5.0
load helper
load tmux

B=$(cd "${CTR_TEST_LIBEXEC:-$TOP/build}" && pwd)
SHIM=$B/ctr-shim
ATTACH=$B/ctr-attach
TS_RE='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z'

setup_file() {
	cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 \
		-o "$BATS_FILE_TMPDIR/fake-console" "$BATS_TEST_DIRNAME/fake-console.c"
}

setup() {
	D=$BATS_TEST_TMPDIR
	TS=$D/tmux.sock # this test's own tmux server, its socket removed with the test's directory
	FAKE=$BATS_FILE_TMPDIR/fake-console
	SHIM_CMD=("$SHIM" --log "$D/log" --exit-file "$D/exit" --shim-pid-file "$D/shim.pid")
	[ -x "$SHIM" ] || fail "$SHIM: not built (make helpers)"
}

teardown() {
	local pid i
	tmux -S "$TS" kill-server 2>/dev/null
	[ -f "$D/inner.pid" ] && kill -KILL "$(cat "$D/inner.pid")" 2>/dev/null
	if [ -f "$D/shim.pid" ]; then
		pid=$(cat "$D/shim.pid")
		kill -TERM "$pid" 2>/dev/null # forwarded: PROG goes too
		for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null && sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	fi
	return 0
}

# shim ARGS...: ctr-shim with this test's log, exit file and pid file ($SHIM_CMD for sh -c).
shim() { "${SHIM_CMD[@]}" "$@"; }

not() { ! "$@"; }

need_attach() { [ -x "$ATTACH" ] || skip "$ATTACH not built (Makefile HELPERS)"; }

# assert_exit_file CODE: the exit file holds `CODE <unix time of about now> <its nanoseconds>`.
assert_exit_file() {
	local code t ns
	read -r code t ns <"$D/exit"
	[[ "$ns" =~ ^[0-9]{9}$ ]] || fail "exit file: nanoseconds $ns"
	[ "$code" = "$1" ] || fail "exit file: code $code, expected $1"
	[ $(($(date +%s) - t)) -ge 0 ] && [ $(($(date +%s) - t)) -lt 60 ] || fail "exit file: time $t"
	[ ! -e "$D/exit.tmp" ] || fail "exit.tmp left behind"
}

@test "foreground: stdout and stderr are copied live to the shim's and tagged in the log" {
	run --separate-stderr shim sh -c 'echo out1; echo err1 >&2; echo out2'
	assert_success
	assert_output $'out1\nout2'
	[ "$stderr" = err1 ]
	run cut -d' ' -f2- "$D/log"
	assert_line --index 0 'stdout F out1'
	assert_line 'stderr F err1'
	assert_line 'stdout F out2'
	[ "${#lines[@]}" -eq 3 ]
}

@test "log: timestamps are RFC 3339 UTC with nanoseconds, in order, and current" {
	shim sh -c 'echo a; sleep 0.1; echo b >&2; echo c' >/dev/null 2>&1
	run grep -Ecv "^$TS_RE (stdout|stderr) [FP] " "$D/log"
	assert_output 0
	run cut -d' ' -f1 "$D/log"
	[ "${#lines[@]}" -eq 3 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort -c 2>&1)" = "" ] || fail "not in order: $output"
	local now t
	now=$(date +%s)
	t=$(date -u -d "${lines[0]}" +%s)
	[ $((now - t)) -ge 0 ] && [ $((now - t)) -lt 60 ] || fail "timestamp $t, now $now"
}

@test "log: a last line without newline is P; a 20000-byte line is cut at 16384 with P" {
	shim sh -c 'head -c 20000 /dev/zero | tr "\0" a; echo; printf "no newline"' >/dev/null
	run cut -d' ' -f2,3 "$D/log"
	assert_output $'stdout P\nstdout F\nstdout P'
	run awk '{ print length($4) }' "$D/log"
	assert_output $'16384\n3616\n2'
	run tail -n 1 "$D/log"
	assert_output --regexp ' stdout P no newline$'
}

@test "exit codes 0, 3 and 137 (SIGKILL) are returned and written to the exit file" {
	run shim true
	assert_success
	assert_exit_file 0
	run shim sh -c 'exit 3'
	assert_failure 3
	assert_exit_file 3
	run shim sh -c 'kill -KILL $$'
	assert_failure 137
	assert_exit_file 137
}

@test "a program that is not found: 127, the reason on stderr and in the log, exit file" {
	run -127 --separate-stderr shim "$D/no-such-prog"
	[ "$stderr" = "ctr-shim: exec $D/no-such-prog: No such file or directory" ]
	run grep -c "stderr F ctr-shim: exec $D/no-such-prog: No such file" "$D/log"
	assert_output 1
	assert_exit_file 127
	run shim "$D"
	assert_failure 126
}

@test "a PROG in the shim's own directory (nsenter-chroot) runs from a read-only overlayfs of it; others as they are" {
	mkdir "$D/libexec"
	cp "$SHIM" "$D/libexec/ctr-shim"
	cp /bin/busybox "$D/libexec/sh"
	sum=$(sha256sum <"$D/libexec/sh")
	run "$D/libexec/ctr-shim" -- "$D/libexec/sh" -c 'readlink /proc/$$/exe; echo x >>/proc/$$/exe'
	assert_line --index 0 /sh
	assert_output --partial "Read-only file system"
	[ "$(sha256sum <"$D/libexec/sh")" = "$sum" ]
	run "$D/libexec/ctr-shim" -- /bin/busybox sh -c 'readlink /proc/$$/exe'
	assert_success
	assert_output --regexp '^/.+/busybox$'
}

@test "a program behind a path component that is a file (ENOTDIR): 127, as nsenter-chroot" {
	printf 'data\n' >"$D/file"
	run -127 --separate-stderr shim "$D/file/prog"
	[ "$stderr" = "ctr-shim: exec $D/file/prog: Not a directory" ]
	assert_exit_file 127
}

@test "the shim's own failures exit 125 with 'ctr-shim: <step>: <error>'" {
	run "$SHIM" --log "$D/no/dir/log" --exit-file "$D/exit" true
	assert_failure 125
	assert_output "ctr-shim: open $D/no/dir/log: No such file or directory"
	run "$SHIM" --log "$D/log" --exit-file "$D/exit" --attach-socket "$D/s" true
	assert_failure 125
	assert_line --index 0 'ctr-shim: --attach-socket requires -d'
	[ ! -e "$D/exit" ]
}

@test "--exit-command: runs once the exit file is written, with PATH and the --exit-command-envs only" {
	run env LEAK=1 "${SHIM_CMD[@]}" --exit-command /bin/sh --exit-command-arg -c \
		--exit-command-arg 'env >"$0"; cat "$1" >>"$0"' --exit-command-arg "$D/x.out" --exit-command-arg "$D/exit" \
		--exit-command-env A=1 --exit-command-env 'B=x y=z' -- sh -c 'exit 3'
	assert_failure 3
	run cat "$D/x.out"
	assert_line 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	assert_line 'A=1'
	assert_line 'B=x y=z'
	assert_line --regexp '^3 [0-9]+ [0-9]{9}$'
	refute_line --partial 'LEAK'
	run "$SHIM" --exit-command /bin/true --exit-command-env =x true
	assert_failure 125
	assert_line --index 0 'ctr-shim: --exit-command-env: K=V, K not empty'
	run "$SHIM" --exit-command /bin/true --exit-command-env NOEQUALS true
	assert_failure 125
	run "$SHIM" --exit-command-env A=1 true
	assert_failure 125
	assert_line --index 0 'ctr-shim: --exit-command-arg, --exit-command-env and --exit-command-cancel require --exit-command'
}

@test "--exit-command-cancel FILE: no exit command once FILE exists (written while PROG runs); without it, it runs" {
	for cancel in 1 ''; do
		rm -f "$D/x.out" "$D/cancel" "$D/exit"
		"$SHIM" --exit-file "$D/exit" --exit-command /bin/sh --exit-command-arg -c \
			--exit-command-arg 'echo ran >"$0"' --exit-command-arg "$D/x.out" \
			--exit-command-cancel "$D/cancel" -- sh -c "${cancel:+: >$D/cancel;} exit 4" || [ $? -eq 4 ]
		[ -s "$D/exit" ]
		if [ -n "$cancel" ]; then
			[ ! -e "$D/x.out" ] || fail "the exit command ran although $D/cancel exists"
		else
			run cat "$D/x.out"
			assert_output ran
		fi
	done
	run "$SHIM" --exit-command-cancel "$D/cancel" true
	assert_failure 125
	assert_line --index 0 'ctr-shim: --exit-command-arg, --exit-command-env and --exit-command-cancel require --exit-command'
}

@test "--pass-fd N: PROG gets the caller's fd N at each run (restarts too); no other fd of the caller, nor the exit command" {
	echo held >"$D/held"
	"${SHIM_CMD[@]}" -d --pass-fd 6 --restart on-failure:2 --restart-file "$D/restart" \
		--exit-command /bin/sh --exit-command-arg -c --exit-command-arg 'ls /proc/self/fd >"$0"' \
		--exit-command-arg "$D/x.out" -- sh -c 'readlink /proc/self/fd/6; [ ! -e /proc/self/fd/5 ] || echo fd5; exit 1' \
		5<"$D/held" 6<"$D/held"
	wait_for test -s "$D/x.out" || fail "no exit command: $(cat "$D/log")"
	run grep -c " stdout F $D/held\$" "$D/log"
	assert_output 3 # the first run and two restarts
	run grep -c fd5 "$D/log"
	assert_output 0
	run cat "$D/x.out"
	refute_line 6
	run "$SHIM" --pass-fd 3 true
	assert_failure 125
	assert_line --index 0 'ctr-shim: --pass-fd: a number from 4 to 1023'
	run "$SHIM" -d --ready-fd 4 --pass-fd 4 true
	assert_failure 125
	assert_line --index 0 'ctr-shim: --pass-fd and --ready-fd: two different fds'
	run "$SHIM" --pass-fd 7 true 7<&-
	assert_failure 125
	assert_output 'ctr-shim: --pass-fd 7: Bad file descriptor'
}

@test "-i streams the shim's stdin to PROG through a pipe; without -i PROG reads an empty pipe" {
	run sh -c 'printf "hi\nthere\n" | "$@" -i sh -c "cat; readlink /proc/self/fd/0"' _ "${SHIM_CMD[@]}"
	assert_success
	assert_line --index 0 hi
	assert_line --index 1 there
	assert_line --index 2 --regexp '^pipe:'
	run sh -c 'echo hi | "$@" sh -c "cat; readlink /proc/self/fd/0"' _ "${SHIM_CMD[@]}"
	assert_success
	assert_output --regexp '^pipe:\[[0-9]+\]$'
}

@test "without --log and --exit-file: nothing is recorded, the code comes back; 1 and 2 one file: one pipe, order kept" {
	run "$SHIM" sh -c 'echo out; echo err >&2; exit 3'
	assert_failure 3
	assert_output $'out\nerr'
	[ ! -e "$D/log" ] && [ ! -e "$D/exit" ]
	# one file on 1 and 2 (bats' run): PROG's 1 and 2 are one pipe, written in order
	run "$SHIM" sh -c 'for i in 1 2 3 4 5 6 7 8; do echo o$i; echo e$i >&2; done; readlink /proc/self/fd/1 /proc/self/fd/2'
	[ "$(head -16 <<<"$output")" = "$(for i in 1 2 3 4 5 6 7 8; do echo "o$i"; echo "e$i"; done)" ]
	assert_line --index 16 --regexp '^pipe:'
	[ "${lines[16]}" = "${lines[17]}" ]
	# different files: two pipes, each to its own
	"$SHIM" sh -c 'echo out; echo err >&2' >"$D/o" 2>"$D/e"
	[ "$(cat "$D/o")" = out ] && [ "$(cat "$D/e")" = err ]
	# with a log, the streams stay apart for its labels
	run "$SHIM" --log "$D/log" sh -c 'echo out; echo err >&2'
	grep -q ' stdout F out$' "$D/log" && grep -q ' stderr F err$' "$D/log"
}

@test "without --log: a reader that goes away stops PROG's output with EPIPE, as if PROG wrote there" {
	run timeout 10 sh -c '"$1" yes | head -2' _ "$SHIM"
	assert_success
	assert_output $'y\ny'
}

@test "-d returns at once (even into a pipe), the log fills later, the shim has its own session" {
	local t0 t1 pid
	t0=$(date +%s%N)
	run timeout 5 sh -c '"$@" -d sh -c "sleep 1.5; echo late" | cat' _ "${SHIM_CMD[@]}"
	t1=$(date +%s%N)
	assert_success
	assert_output ''
	[ $(((t1 - t0) / 1000000)) -lt 1000 ] || fail "-d took $(((t1 - t0) / 1000000)) ms"
	run grep -c late "$D/log"
	assert_output 0
	[ ! -e "$D/exit" ]
	pid=$(cat "$D/shim.pid")
	[ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ] || fail "shim $pid is not a session leader"
	wait_for grep -q 'stdout F late$' "$D/log"
	wait_for test -f "$D/exit"
	assert_exit_file 0
}

@test "-d: a program that cannot be found fails the start with 127" {
	run -127 shim -d "$D/no-such-prog"
	assert_output "ctr-shim: exec $D/no-such-prog: No such file or directory"
	wait_for test -f "$D/exit"
	assert_exit_file 127
}

@test "-d --ready-fd 4: returns once PROG writes to fd 4, or once it is closed; PROG runs on" {
	# PROG marks a file, then says ready: the shim must not have returned before the mark
	run timeout 10 "${SHIM_CMD[@]}" -d --ready-fd 4 sh -c \
		'sleep 0.5; echo $$ > "$1/marked"; echo R >&4; exec 4>&-; exec sleep 30' _ "$D"
	assert_success
	[ -s "$D/marked" ] || fail "the shim returned before PROG wrote to its ready fd"
	kill -0 "$(cat "$D/marked")" || fail "PROG does not run on"
	kill -TERM "$(cat "$D/shim.pid")"
	wait_for test -f "$D/exit"
	rm -f "$D/exit" "$D/shim.pid" "$D/marked"
	# a PROG that never writes but closes it (nsenter-chroot that failed, or any program that
	# knows nothing of it and closes its fds): EOF is enough
	run timeout 10 "${SHIM_CMD[@]}" -d --ready-fd 4 sh -c 'echo $$ > "$1/marked"; exec 4>&-; exec sleep 30' _ "$D"
	assert_success
	kill -0 "$(cat "$D/marked")"
	run -125 "${SHIM_CMD[@]}" --ready-fd 4 true
	assert_output --partial "--ready-fd requires -d"
	run -125 "${SHIM_CMD[@]}" -d --ready-fd 3 true
	assert_output --partial "--ready-fd: a number from 4 to 1023"
}

@test "signals TERM INT HUP QUIT USR1 USR2 sent to the shim are forwarded to PROG" {
	local pid s rc=0
	# started in the background: bash has INT and QUIT ignored there; PROG must not inherit that
	"${SHIM_CMD[@]}" sh -c 'for s in INT HUP QUIT USR1 USR2; do trap "echo got-$s" $s; done
		trap "echo got-TERM; exit 5" TERM
		echo ready; i=0; while [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done' >/dev/null 2>&1 &
	pid=$!
	wait_for grep -q ready "$D/log"
	for s in INT HUP QUIT USR1 USR2; do
		kill -s "$s" "$pid"
		wait_for grep -q "got-$s" "$D/log" || fail "$s not forwarded"
	done
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 5 ] || fail "shim exited $rc"
	run grep -c got-TERM "$D/log"
	assert_output 1
	assert_exit_file 5
}

@test "started with INT, QUIT and CHLD ignored (dash's &, a careless caller): all handled as usual" {
	# Linux queues a blocked signal even when ignored, but an ignored SIGCHLD reaps PROG
	# behind the shim's back: it would never learn the exit. perl sets SIG_IGN, then execs.
	local pid s rc=0
	perl -e '$SIG{$_} = "IGNORE" for qw(INT QUIT CHLD); exec @ARGV or die' "${SHIM_CMD[@]}" \
		sh -c 'trap "echo got-INT" INT; trap "echo got-QUIT" QUIT; echo ready; i=0
		while [ $i -lt 20 ]; do sleep 0.05; i=$((i + 1)); done; exit 4' >/dev/null 2>&1 &
	pid=$!
	wait_for grep -q ready "$D/log"
	# SigIgn, a mask of bit N-1 per ignored signal N: not INT (2), QUIT (3) nor CHLD (17); SIGPIPE
	# (13) is, on purpose (signals the caller ignored and the shim does not handle may stay so)
	run awk '/^SigIgn:/ { print $2 }' "/proc/$pid/status"
	ign=$((16#$output))
	[ $((ign & ((1 << 1) | (1 << 2) | (1 << 16)))) -eq 0 ] || fail "INT, QUIT or CHLD still ignored: $output"
	[ $((ign & (1 << 12))) -ne 0 ] || fail "SIGPIPE not ignored: $output"
	for s in INT QUIT; do
		kill -s "$s" "$pid"
		wait_for grep -q "got-$s" "$D/log" || fail "$s not forwarded"
	done
	timeout 5 tail --pid="$pid" -f /dev/null || fail "the shim missed PROG's exit"
	wait "$pid" || rc=$?
	[ "$rc" -eq 4 ] || fail "shim exited $rc"
	assert_exit_file 4
}

@test "foreground without -t: Ctrl-C in the terminal reaches PROG once, the shim survives" {
	# perl counts every delivery; a duplicate sent by the shim lands often enough to show
	# in 5 presses (the kernel merges it with the first when that is still pending)
	local i
	term_run "$SHIM" --log "$D/log" --exit-file "$D/exit" perl -e '$| = 1; my ($n, $t) = (0, 0);
		$SIG{INT} = sub { $n++ }; print "ready\n";
		while ($n < 5 && $t++ < 100) { select(undef, undef, undef, 0.1) }
		select(undef, undef, undef, 1); print "count=$n\n"; exit 7'
	wait_for screen_has ready
	for i in 1 2 3 4 5; do
		keys C-c
		sleep 0.2
	done
	wait_for screen_has rc=7 || fail "$(screen)"
	run grep -c 'stdout F count=5$' "$D/log"
	assert_output 1
	assert_exit_file 7
}

@test "detached shim: resident memory under 1 MiB" {
	local pid rss
	! ldd "$SHIM" 2>/dev/null | grep -q 'libasan' || skip "sanitizer build"
	shim -d sleep 30
	pid=$(cat "$D/shim.pid")
	sleep 0.3
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	echo "# detached ctr-shim VmRSS: $rss kB" >&3
	if ldd "$SHIM" >/dev/null 2>&1; then
		skip "ctr-shim is dynamically linked (VmRSS $rss kB, mostly shared libc pages): link it -static"
	fi
	[ "$rss" -lt 1024 ] || fail "VmRSS $rss kB"
}

@test "-t without a terminal: PROG's program runs on the pty it sent, output logged as stdout" {
	run shim -t "$FAKE" "$D/inner.pid" sh -c 'tty; echo out; exit 4'
	assert_failure 4
	assert_line --index 0 --regexp '^/dev/pts/[0-9]+'
	run cut -d' ' -f2,3,4 "$D/log"
	assert_line --regexp '^stdout F /dev/pts/[0-9]+'
	assert_line --regexp $'^stdout F out\r$'
	assert_exit_file 4
}

@test "-t without a terminal to copy a size from: the pty is 24x80 (foreground and -d)" {
	# the fake console execs PROG as soon as it sent the master: PROG may run before the shim set
	# the size (nsenter-chroot makes its pty 24x80 itself); so PROG waits (5 s at most) for a size
	local prog='i=0; while [ "$(stty size)" = "0 0" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done; stty size'
	run shim -t "$FAKE" "$D/inner.pid" sh -c "$prog" </dev/null
	assert_success
	assert_output $'24 80\r'
	rm "$D/exit"
	shim -d -t "$FAKE" "$D/inner.pid" sh -c "$prog"
	wait_for test -f "$D/exit"
	assert_exit_file 0
	run grep -c $'stdout F 24 80\r$' "$D/log"
	assert_output 2
}

@test "-t in a terminal: raw mode, prompt, Ctrl-C interrupts sleep 100 and the shell survives" {
	term_run "$SHIM" -i -t --log "$D/log" --exit-file "$D/exit" --shim-pid-file "$D/shim.pid" \
		"$FAKE" "$D/inner.pid" env PS1='ctr# ' sh
	wait_for screen_has 'ctr#' || fail "$(screen)"
	term_is_raw || fail "terminal not raw: $(term_mode)"
	keys 'sleep 100' Enter
	wait_for pgrep -x -P "$(cat "$D/inner.pid")" sleep >/dev/null || fail "sleep did not start: $(screen)"
	keys C-c
	wait_for not pgrep -x -P "$(cat "$D/inner.pid")" sleep || fail "sleep 100 was not interrupted: $(screen)"
	# the shell prompts again before the next keys: typed ahead, the terminal would echo them
	# before the prompt, and the echo's output would follow the prompt on its line
	wait_for screen_ends 'ctr#' || fail "no prompt after Ctrl-C: $(screen)"
	keys 'echo alive$((1 + 1))' Enter
	wait_for screen_has alive2 || fail "$(screen)"
	kill -0 "$(cat "$D/inner.pid")" || fail "the shell in the container died"
	# the screen may show it before the shim's log write lands; the log has the line whole
	wait_for grep -q $'stdout F alive2\r$' "$D/log" || fail "$(cat "$D/log")"
	run grep -c 'alive2' "$D/log"
	assert_output 1
}

@test "-t in a terminal: the pty follows tmux resize-window (stty size)" {
	term_run "$SHIM" -i -t --log "$D/log" --exit-file "$D/exit" --shim-pid-file "$D/shim.pid" \
		"$FAKE" "$D/inner.pid" env PS1='ctr# ' sh
	wait_for screen_has 'ctr#'
	keys 'stty size' Enter
	wait_for screen_has '24 80' || fail "$(screen)"
	term_resize 100 30
	keys 'stty size' Enter
	wait_for screen_has '30 100' || fail "$(screen)"
}

@test "-t in a terminal: exit 3 returns 3 and the terminal is cooked again (icanon echo)" {
	term_run "$SHIM" -i -t --log "$D/log" --exit-file "$D/exit" --shim-pid-file "$D/shim.pid" \
		"$FAKE" "$D/inner.pid" env PS1='ctr# ' sh
	wait_for screen_has 'ctr#'
	keys 'exit 3' Enter
	wait_for screen_has rc=3 || fail "$(screen)"
	assert_canonical
	assert_exit_file 3
}

@test "-t in a terminal: the terminal is restored when the container is killed from outside" {
	term_run "$SHIM" -i -t --log "$D/log" --exit-file "$D/exit" --shim-pid-file "$D/shim.pid" \
		"$FAKE" "$D/inner.pid" env PS1='ctr# ' sh
	wait_for screen_has 'ctr#'
	term_is_raw
	kill -KILL "$(cat "$D/inner.pid")"
	wait_for screen_has rc=137 || fail "$(screen)"
	assert_canonical
	assert_exit_file 137
}

@test "-t in a terminal: the terminal is restored after SIGTERM to the shim" {
	term_run "$SHIM" -i -t --log "$D/log" --exit-file "$D/exit" --shim-pid-file "$D/shim.pid" \
		"$FAKE" "$D/inner.pid" env PS1='ctr# ' sh
	wait_for screen_has 'ctr#'
	term_is_raw
	kill -TERM "$(cat "$D/shim.pid")"
	wait_for screen_has rc=143 || fail "$(screen)"
	assert_canonical
}

@test "-t in a terminal: closing the terminal hangs up the pty; PROG's shell ends, the exit is recorded" {
	# PROG and its shell ignore SIGHUP, as nsenter-chroot (it forwards it) and a container's
	# PID 1 shell (no handler) do: only the hangup of the shell's own pty can end it
	term_run "$SHIM" -i -t --log "$D/log" --exit-file "$D/exit" --shim-pid-file "$D/shim.pid" \
		sh -c 'trap "" HUP; exec "$@"' _ "$FAKE" "$D/inner.pid" env PS1='ctr# ' sh
	wait_for screen_has 'ctr#' || fail "$(screen)"
	keys 'echo before$((1 + 1))' Enter
	wait_for screen_has before2 || fail "$(screen)"
	term_close
	wait_for test -f "$D/exit" || fail "the shell survived its terminal: $(ps -o pid,stat,args -p "$(cat "$D/inner.pid")")"
	# the shell's code: whatever it makes of EOF or EIO on its terminal
	run cat "$D/exit"
	assert_output --regexp '^[0-9]+ [0-9]+ [0-9]{9}$'
	assert_exit_file "${output%% *}"
	wait_for sh -c '! kill -0 "$1" 2>/dev/null' _ "$(cat "$D/shim.pid")" || fail "the shim survived"
	! kill -0 "$(cat "$D/inner.pid")" 2>/dev/null || fail "the shell survived"
	run grep -c 'stdout F before2' "$D/log"
	assert_output 1
}

@test "-t in the foreground: SIGHUP to the shim hangs up the pty, and is forwarded to PROG" {
	# PROG (sh) traps SIGHUP and runs the console; cat, on the pty, only dies of its hangup
	"${SHIM_CMD[@]}" -t sh -c 'trap "echo got-HUP >>\"\$0\"" HUP; "$@"; echo "console $?" >>"$0"' \
		"$D/out" "$FAKE" "$D/inner.pid" sh -c 'echo ready; exec cat' </dev/null >/dev/null 2>&1 &
	wait_for grep -q 'stdout F ready' "$D/log"
	kill -HUP "$(cat "$D/shim.pid")"
	wait_for test -f "$D/exit" || fail "cat survived: $(ps -o pid,stat,args -p "$(cat "$D/inner.pid")")"
	assert_exit_file 0
	run cat "$D/out"
	assert_line got-HUP
	assert_line 'console 129' # cat: 128 + SIGHUP, sent by its terminal
	[ "${#lines[@]}" -eq 2 ]
}

@test "attach, -d -i: the client's stdin is PROG's, its EOF ends it; socket 0600, removed at exit" {
	need_attach
	shim -d -i --attach-socket "$D/sock" sh -c 'cat; echo bye >&2; exit 6'
	run stat -c %a "$D/sock"
	assert_output 600
	run --separate-stderr timeout 5 sh -c 'echo hello | "$1" "$2"' _ "$ATTACH" "$D/sock"
	assert_failure 6
	assert_output hello
	[ "$stderr" = bye ]
	assert_exit_file 6
	run cut -d' ' -f2- "$D/log"
	assert_output $'stdout F hello\nstderr F bye'
	wait_for test ! -e "$D/sock"
}

@test "attach: a second client is refused while one is attached" {
	need_attach
	local a1 rc=0
	shim -d -i --attach-socket "$D/sock" cat
	mkfifo "$D/in"
	"$ATTACH" "$D/sock" <"$D/in" >"$D/a1.out" &
	a1=$!
	exec 5>"$D/in"
	echo one >&5
	wait_for grep -q one "$D/a1.out"
	run "$ATTACH" "$D/sock" </dev/null
	assert_failure 125
	assert_output "ctr-attach: $D/sock: another client is attached"
	exec 5>&-
	wait "$a1" || rc=$?
	[ "$rc" -eq 0 ] || fail "first client exited $rc"
	assert_exit_file 0
}

@test "attach, -d -i -t in a terminal: Ctrl-P Ctrl-Q detaches; reattach, exit 4 returns 4" {
	need_attach
	shim -d -i -t --attach-socket "$D/sock" "$FAKE" "$D/inner.pid" env PS1='ctr# ' sh
	term_run "$ATTACH" "$D/sock"
	wait_for term_is_raw
	keys Enter
	wait_for screen_has 'ctr#' || fail "$(screen)"
	keys 'echo x$((6 * 7))' Enter
	wait_for screen_has x42 || fail "$(screen)"
	keys C-p C-q
	wait_for screen_has rc=0 || fail "$(screen)"
	assert_canonical
	kill -0 "$(cat "$D/shim.pid")" || fail "the shim ended on detach"
	[ ! -e "$D/exit" ]
	term_close
	rm "$D/stty.after"
	term_run "$ATTACH" "$D/sock"
	wait_for term_is_raw
	keys Enter
	wait_for screen_has 'ctr#' || fail "$(screen)"
	keys 'exit 4' Enter
	wait_for screen_has rc=4 || fail "$(screen)"
	assert_canonical
	assert_exit_file 4
	run grep -c 'stdout F x42' "$D/log"
	assert_output 1
}

@test "attach -t: the pty takes the client's window size and follows its resizes" {
	need_attach
	shim -d -i -t --attach-socket "$D/sock" "$FAKE" "$D/inner.pid" env PS1='ctr# ' sh
	term_run "$ATTACH" "$D/sock"
	wait_for term_is_raw
	keys 'stty size' Enter
	wait_for screen_has '24 80' || fail "$(screen)"
	term_resize 100 30
	keys 'stty size' Enter
	wait_for screen_has '30 100' || fail "$(screen)"
}

# adoptee FILE: a command for `sh -c` that starts a child of its own in the background (a TERM
# trap: got-TERM, exit 6), waits until that child has written its pid to FILE, and exits 0: a
# runtime that hands its container's PID 1 over (nsenter-chroot --detach) stands in this way.
adoptee() {
	printf '%s' "sh -c 'trap \"echo got-TERM; exit 6\" TERM; echo \$\$ >$1.tmp; mv $1.tmp $1; while :; do sleep 0.1; done' &
		while [ ! -s $1 ]; do sleep 0.05; done"
}

@test "--container-pid-file: PROG exits 0, the pid in FILE is adopted: the shim's child, signalled, reaped, its code" {
	shim -d --container-pid-file "$D/cpid" sh -c "$(adoptee "$D/cpid")"
	sp=$(cat "$D/shim.pid")
	wait_for test -s "$D/cpid"
	cp=$(cat "$D/cpid")
	# PROG is gone, its child re-parented to the shim (a child subreaper)
	wait_for eval '[ "$(awk "/^PPid:/ { print \$2 }" /proc/$cp/status)" = "$sp" ]' || fail "not the shim's child"
	kill -TERM "$sp"
	wait_for test -f "$D/exit" || fail "no exit recorded"
	read -r code _ <"$D/exit"
	[ "$code" = 6 ] || fail "exit $code"
	grep -q 'stdout F got-TERM$' "$D/log"
	wait_for not kill -0 "$sp" || fail "the shim outlived the adopted process"
}

@test "-d --ready-fd with --container-pid-file: returns once PID 1 is adopted, not when PROG says it runs; the pid file is read by then" {
	# PROG says "ready" as soon as its child's pid is in the file, then takes 1 s to exit
	shim -d --ready-fd 4 --container-pid-file "$D/cpid" sh -c "$(adoptee "$D/cpid"); echo r >&4; sleep 1"
	sp=$(cat "$D/shim.pid")
	cp=$(cat "$D/cpid")
	# no wait: at return the child is the shim's already (PROG gone), and a write to the file now
	# (a user's, an attacker's) does not change which process is PID 1
	[ "$(awk '/^PPid:/ { print $2 }' "/proc/$cp/status")" = "$sp" ] || fail "returned before the adoption"
	echo 1 >"$D/cpid"
	kill -TERM "$sp"
	wait_for test -f "$D/exit" || fail "no exit recorded"
	read -r code _ <"$D/exit"
	[ "$code" = 6 ] || fail "exit $code"
}

@test "--container-pid-file: a signal sent while PROG starts the container waits for the adopted PID 1" {
	shim --container-pid-file "$D/cpid" sh -c "while [ ! -e $D/go ]; do sleep 0.05; done; $(adoptee "$D/cpid")" \
		>"$D/out" 2>&1 3>&- &
	wait_for test -s "$D/shim.pid"
	wait_for pgrep -P "$(cat "$D/shim.pid")" >/dev/null # PROG runs: the shim's signals are blocked
	kill -TERM "$(cat "$D/shim.pid")" # PROG still waits for go: not for PROG, held for PID 1
	touch "$D/go"
	wait $! && rc=0 || rc=$?
	[ "$rc" = 6 ] || fail "exit $rc: $(cat "$D/out")"
	grep -qx got-TERM "$D/out"
}

@test "--container-pid-file: a pid that is not the shim's child is refused (125) and never signalled" {
	sleep 60 3>&- &
	victim=$!
	echo "$victim" >"$D/cpid"
	run -125 shim --container-pid-file "$D/cpid" true
	assert_output "ctr-shim: $D/cpid: pid $victim is not the shim's child: No child processes"
	[ "$(cut -d' ' -f1 "$D/exit")" = 125 ]
	kill -0 "$victim"
	kill "$victim"
	echo garbage >"$D/cpid"
	run -125 shim --container-pid-file "$D/cpid" true
	assert_output "ctr-shim: $D/cpid: not a pid: Invalid argument"
	# PROG's own failure is the code, whatever FILE says
	run -3 shim --container-pid-file "$D/cpid" sh -c 'exit 3'
}
