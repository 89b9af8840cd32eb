# test/tmux.bash - a real terminal for the terminal tests (the CI has none): a tmux server of the
# test's own, on the socket $TS that the test's setup names (a file under BATS_TEST_TMPDIR; its
# teardown kills it). Keys go in with send-keys, what a user would see comes back with
# capture-pane; both act on the window of session W (t unless W is set). Needs wait_for
# (test/wait.bash) and bats-support's fail.

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

screen() { tmux -S "$TS" capture-pane -p -t "${W:-t}"; }
screen_has() { screen | grep -qF -- "$1"; }
# screen_ends LINE: the last line on the screen that is not blank is LINE: a shell waits at its
# prompt (capture-pane drops the prompt's trailing space). Keys typed before the prompt shows are
# echoed by the terminal ahead of it, and a shell that asks the terminal where its cursor is
# (busybox's ESC [6n) has the answer echoed into the output: wait for it before typing.
screen_ends() { [ "$(screen | awk 'NF { l = $0 } END { print l }')" = "$1" ]; }
keys() { tmux -S "$TS" send-keys -t "${W:-t}" "$@"; }
# term_resize COLS ROWS: the user resizes the terminal's window.
term_resize() { tmux -S "$TS" resize-window -t "${W:-t}" -x "$1" -y "$2"; }
term_mode() { stty -a -F "$(tmux -S "$TS" display-message -p -t "${W:-t}" '#{pane_tty}')"; }
term_is_raw() { term_mode | grep -q -- '-icanon'; }

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
