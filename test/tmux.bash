# test/tmux.bash - a real terminal for the terminal tests (the CI has none): a tmux server of the
# test's own, on the socket $TS that the test's setup names (a file under BATS_TEST_TMPDIR; its
# teardown kills it). Keys go in with send-keys, what a user would see comes back with
# capture-pane; both act on the window of session W (t unless W is set). Needs wait_for
# (test/wait.bash) and bats-support's fail.
#
# A session is always named exactly, as =NAME: (its current window's active pane). tmux reads a
# bare NAME given as a pane or window first as a window's name in the most recently active session,
# and by prefix: a new session's window is named "tmux" for its first half second (the name is taken
# while the pane's child has not yet exec'd, and renamed at most every 500 ms), so with a second
# session just made, `-t t` was that session's window "tmux" and the keys typed "into t" went to the
# other terminal (the flaky failures of the two tests with two terminals, rootless.bats's and
# containerd.bats's run -it + exec -it: the first terminal never saw its `exit`).

# term_open SCRIPT [SESSION COLS ROWS]: run `bash SCRIPT` in a new terminal, the session SESSION
# (t) of COLSxROWS (80x24).
term_open() {
	tmux -S "$TS" new-session -d -s "${2:-t}" -x "${3:-80}" -y "${4:-24}" "bash $1"
}

# term_run CMD...: run CMD in a fresh 80x24 terminal with this test's CTR_* environment. When
# CMD ends the terminal shows rc=<status>, and `stty -a` is saved in $BATS_TEST_TMPDIR/stty.after,
# as a user would see them.
term_run() {
	local d=$BATS_TEST_TMPDIR
	{
		env | grep '^CTR_' | while IFS='=' read -r k v; do printf 'export %s=%q\n' "$k" "$v"; done
		printf '%q ' "$@"
		printf '\necho "rc=$?"\nstty -a > %q\nexec sleep 600\n' "$d/stty.after"
	} >"$d/term.sh"
	term_open "$d/term.sh"
}

# term_close: close the terminal (end the tmux server) and wait until its server is gone: a
# new server started on the same socket while the old one still exits is refused ("server
# exited unexpectedly").
term_close() {
	local pid
	pid=$(tmux -S "$TS" display-message -p '#{pid}' 2>/dev/null) || return 0
	tmux -S "$TS" kill-server 2>/dev/null
	wait_for term_server_gone "$pid" || fail "the tmux server $pid did not exit"
}
term_server_gone() { [ ! -d "/proc/$1" ] || grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }

screen() { tmux -S "$TS" capture-pane -p -t "=${W:-t}:"; }
screen_has() { screen | grep -qF -- "$1"; }
# screen_ends LINE: the last line on the screen that is not blank is LINE: a shell waits at its
# prompt (capture-pane drops the prompt's trailing space). Keys typed before the prompt shows are
# echoed by the terminal ahead of it, and a shell that asks the terminal where its cursor is
# (busybox's ESC [6n) has the answer echoed into the output: wait for it before typing.
screen_ends() { [ "$(screen | awk 'NF { l = $0 } END { print l }')" = "$1" ]; }
keys() { tmux -S "$TS" send-keys -t "=${W:-t}:" "$@"; }
# term_resize COLS ROWS: the user resizes the terminal's window.
term_resize() { tmux -S "$TS" resize-window -t "=${W:-t}:" -x "$1" -y "$2"; }
term_mode() { stty -a -F "$(tmux -S "$TS" display-message -p -t "=${W:-t}:" '#{pane_tty}')"; }
term_is_raw() { term_mode | grep -q -- '-icanon'; }

# term_report [PID [RELAY]]: for the message of a failing terminal test: every terminal of the
# server (its session, window name, pane tty and command) with what it shows; then, given a
# container's PID 1 and the process that relays its terminal (ctr-shim, containerd-shim; PID's
# parent if not given), RELAY and every process in PID's pid namespace (pid, parent, group, session,
# tty, the tty's foreground group, state, wait channel; NB a container's pts/N and the host's
# pts/N show alike)
# and the kernel stacks of PID and RELAY. The server is $TS, run as
# the user TERM_USER when set (through the test file's `as USER CMD...`).
term_report() {
	local s p r l q n
	for s in $(term_tmux list-sessions -F '#{session_name}'); do
		term_tmux display-message -p -t "=$s:" \
			'== terminal #{session_name}: window "#{window_name}", #{pane_tty}, #{pane_current_command}'
		term_tmux capture-pane -p -t "=$s:" | awk '{ l[NR] = $0 } NF { n = NR } END { for (i = 1; i <= n; i++) print l[i] }'
	done
	p=${1:-}
	[ -n "$p" ] && [ -d "/proc/$p" ] || return 0
	r=${2:-$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$p/stat" 2>/dev/null)}
	echo "== the relay ($r) and the container's processes (PID 1: $p; an exec's too)"
	l=$r n=$(readlink "/proc/$p/ns/pid")
	for q in /proc/[0-9]*; do
		[ "$(readlink "$q/ns/pid" 2>/dev/null)" != "$n" ] || l=$l,${q#/proc/}
	done
	ps -o pid,ppid,pgid,sid,tpgid,stat,wchan:32,tty,args -p "$l" | cut -c1-160
	for s in "$p" "$r"; do
		echo "== stack of $s ($(cat "/proc/$s/comm" 2>/dev/null))"
		cat "/proc/$s/stack" 2>/dev/null
	done
	return 0
}
term_tmux() {
	if [ -n "${TERM_USER:-}" ]; then as "$TERM_USER" tmux -S "$TS" "$@"; else tmux -S "$TS" "$@"; fi
}

# prompt: the busybox shell's prompt for root in / waits for input (capture-pane drops the
# trailing space of "/ # "). Up to 20 s: the first run of a test also makes its pool and image.
prompt() {
	local i
	for i in $(seq 200); do
		screen | grep -qx '/ #' && return 0
		sleep 0.1
	done
	fail "no prompt: $(screen)"
}

# ctrl_c_interrupts PID: at the prompt of the shell PID, sleep 100 runs (a child of PID), Ctrl-C
# ends it and the shell runs the next command.
ctrl_c_interrupts() {
	keys 'sleep 100' Enter
	wait_for pgrep -x -P "$1" sleep >/dev/null || fail "sleep did not start: $(screen)"
	keys C-c
	keys 'echo alive$((1 + 1))' Enter
	wait_for screen_has alive2 || fail "sleep 100 was not interrupted: $(screen)"
	! pgrep -x -P "$1" sleep || fail "sleep still runs"
}

# assert_canonical: the terminal, once the command is done, is cooked and echoes (stty -a).
assert_canonical() {
	local f=$BATS_TEST_TMPDIR/stty.after
	wait_for test -s "$f" || fail "the command did not end: $(screen)"
	run cat "$f"
	assert_output --regexp '(^|[[:space:]])icanon([[:space:]]|$)'
	assert_output --regexp '(^|[[:space:]])echo([[:space:]]|$)'
	assert_output --regexp '(^|[[:space:]])isig([[:space:]]|$)'
}
