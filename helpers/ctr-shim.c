/* ctr-shim - supervise one program: hold its log, record its exit status,
 * relay its stdio or its pty (a tiny conmon).
 *
 * Usage:
 *   ctr-shim [-d] [-i] [-t] [--attach-socket PATH] [--shim-pid-file FILE]
 *            [--ready-fd N] [--pass-fd N] [--log FILE] [--log-max-size BYTES] [--exit-file FILE]
 *            [--exit-command PATH [--exit-command-arg ARG]... [--exit-command-cancel FILE]]
 *            [--exited-fd N [--exited-lock L]]
 *            [--restart POLICY [--restart-file FILE] [--restart-cancel FILE]]
 *            [--container-pid-file FILE] [--cgroup DIR]... [--] prog...
 *
 * ctr-shim sits between ctr.sh and nsenter-chroot (docs/design.md, "Process
 * tree"). It forks PROG with argv untouched (execvp, no shell; a PROG in the
 * shim's own directory, nsenter-chroot, from a read-only overlayfs of it: it
 * starts sealed, lib/exec.c) and stays until PROG exits. Options (parsing stops at PROG, or after `--`):
 *   -d, --detach          daemonize: the caller's ctr-shim exits 0 as soon as
 *                         PROG is exec'd (or with 126/127 if it cannot be);
 *                         the shim lives on in its own session, output goes
 *                         only to the log (and an attached client)
 *   -i, --interactive     PROG reads input: the shim's stdin (foreground), or
 *                         whatever an attach client sends (-d), through a
 *                         pipe (or the pty with -t); EOF closes the pipe
 *   -t, --tty             PROG gets a socket on fd 3 and sends a pty master
 *                         back over it; the shim relays the user's terminal
 *                         (raw mode, window size) or the client to it. In the
 *                         foreground, when that terminal hangs up (EOF or EIO
 *                         on it, POLLHUP) or the shim gets SIGHUP, the shim
 *                         closes the master: the pty hangs up too
 *   --attach-socket PATH  (-d only) listen on unix socket PATH (mode 0600) for
 *                         ctr-attach; one client at a time
 *   --log FILE            append CRI records, one per line:
 *                         `<RFC3339Nano UTC> <stdout|stderr> <F|P> <text>`
 *                         (P: a part of a line, cut at 16 KiB or at EOF).
 *                         Without it nothing is logged (ctr.sh exec); then a
 *                         reader of the shim's output that goes away closes
 *                         PROG's pipe (PROG gets EPIPE), and if the shim's
 *                         fds 1 and 2 are one file (a terminal, 2>&1), PROG
 *                         gets one pipe for both, so their order is kept
 *   --log-max-size BYTES  (0: no cap, the default) before a record would take
 *                         a regular FILE past BYTES, rename FILE to FILE.1
 *                         (replacing it) and start a new FILE: at most about
 *                         2 x BYTES on disk. A failed rotation is warned
 *                         about once on stderr; logging carries on in FILE
 *   --exit-file FILE      when PROG ends: `<code> <unix-time> <nanoseconds>\n`,
 *                         written to FILE.tmp then renamed; code = status or
 *                         128+signal; the time is the exit's (CLOCK_REALTIME)
 *                         (without it, only the shim's exit code says it)
 *   --exit-command PATH   once PROG is reaped and the exit file written, run
 *                         PATH (no PATH search) with the --exit-command-args
 *                         as its arguments, in a session of its own, stdio
 *                         on /dev/null, no other fd, cwd /, signals at their
 *                         defaults, and only PATH=/usr/local/sbin:...:/bin
 *                         and the --exit-command-envs in its environment
 *                         (none of the shim's). The shim
 *                         waits for it, at most 30 s, then exits with PROG's
 *                         code; a killed shim does not stop it (ctr.sh: its
 *                         exit action, `ctr.sh _exited CID`, which releases
 *                         the container's objects and removes a --rm one)
 *   --exit-command-arg ARG  (repeatable, in order) an argument of PATH
 *   --exit-command-env K=V  (repeatable) K=V in PATH's environment (K not
 *                         empty), after PATH=...: what ctr.sh's exit action
 *                         needs (CTR_ROOT=...), with no env(1) in between
 *   --exit-command-cancel FILE  no --exit-command if FILE exists once PROG's
 *                         exit is recorded (ctr.sh rm -f writes it before
 *                         the kill: the removal does what the action would)
 *   --exited-fd N         (foreground, N > 3) the caller does the exit action
 *                         itself, and fd N (the read end of a pipe it writes
 *                         to) says whether it did: once PROG's exit is recorded
 *                         and no restart follows, the shim forks; its caller's
 *                         ctr-shim exits with PROG's code at once, and the
 *                         rest, in a session of its own (stdio /dev/null, cwd
 *                         /), reads fd N: a byte `d` and it exits without
 *                         running --exit-command; EOF or anything else (the
 *                         caller was killed first) and it runs it as usual.
 *                         Ignored once --restart made the shim leave its caller
 *                         (ctr.sh run: the caller's exit action, without a
 *                         second ctr.sh start on its path; docs/helpers.md)
 *   --exited-lock L       (with --exited-fd, L > 3) before it forks, the shim
 *                         takes flock(L, LOCK_EX): L is an open file whose
 *                         open file description the caller shares, which thus
 *                         holds the lock when its shim returns; the shim's
 *                         copies are closed (the child's first thing). Kept
 *                         from PROG. ctr.sh: its lock file, no flock(1)
 *   --shim-pid-file FILE  the shim's own pid (after -d: the daemon's)
 *   --ready-fd N          (-d or --restart, N > 3) PROG gets the write end of
 *                         a pipe on fd N, and the caller's ctr-shim returns
 *                         only once PROG has written a byte there or every
 *                         holder has closed it (nsenter-chroot --notify-fd N:
 *                         the container's command runs), not as soon as PROG
 *                         is exec'd; a foreground shim waits for it too, and
 *                         so does each restart before it says `running`.
 *                         With --container-pid-file, -d returns once the
 *                         pid there is adopted (or PROG failed)
 *   --pass-fd N           (N > 3, not --ready-fd's) keep the caller's fd N open
 *                         (close-on-exec) for the shim's whole life and give
 *                         it to PROG as fd N at each run (restarts too), never
 *                         to the exit command. ctr.sh: the container's netns,
 *                         which has no name: its supervisor holds it, so that
 *                         a restart runs in the same one (nsenter-chroot
 *                         opens it as /proc/self/fd/N)
 *   --restart POLICY      docker's: no (default) | always | unless-stopped |
 *                         on-failure[:N]. When PROG ends (its exit file
 *                         written) and the policy says so, run PROG again,
 *                         same argv, after a back-off of 100 ms doubled at
 *                         each restart up to 1 min (100 ms again after a run
 *                         of 10 s or more). on-failure: after a non-zero code,
 *                         at most N restarts (0 or none: no maximum). The
 *                         exit command runs only once no restart follows. A
 *                         foreground shim first becomes a daemon, as -d's,
 *                         and its caller exits with PROG's first code
 *   --restart-file FILE   `<restarts> <state>\n`, replaced atomically: state
 *                         running, restarting (in the back-off) or exited
 *   --restart-cancel FILE the policy ends once FILE exists or its directory
 *                         has been removed (checked at each exit and during
 *                         the back-off; SIGTERM wakes a shim in its back-off)
 *   --container-pid-file FILE  PROG is a runtime that exits 0 once the
 *                         container's first process runs, its pid in FILE
 *                         (nsenter-chroot --detach --pid-file FILE). The
 *                         shim is a child subreaper, so that process becomes
 *                         its child; it is adopted only if it is (waitid
 *                         WNOWAIT; else 125), then signals go to it (those
 *                         that came meanwhile too) and its status is the
 *                         code. PROG's non-zero code is the code
 *   --cgroup DIR          (repeatable, 4 at most) a cgroup v1 group (others
 *                         are ignored): the shim moves itself into DIR (its
 *                         tasks) after each start of PROG, and into the
 *                         root of DIR's hierarchy once PROG (PID 1) is
 *                         reaped, before the exit file. ctr.sh: the
 *                         container's cpu and cpuacct groups, so that the
 *                         shim's work for the container's output counts in
 *                         its CPU limit and share (lib/shim-cgroup.c)
 *
 * Fds of PROG: pipes the shim owns, never the caller's files (a container
 *   could write to the file given as its input, or read and truncate the one
 *   given as its output, through /proc/self/fd/N: docker relays too):
 *   0    a pipe: -i without -t, fed from the shim's stdin (foreground) or by
 *        the attach client (-d), closed at their EOF; otherwise closed at once
 *        (EOF at the first read, as /dev/null)
 *   1,2  pipes: the shim copies every byte live to its own 1 and 2
 *        (foreground) and line by line to the log (one pipe for both: see
 *        --log)
 *   N    --ready-fd N: the write end of the "ready" pipe (see there)
 *   N    --pass-fd N: the caller's fd N (see there)
 *   3    -t only: a unix stream socket; PROG sends one message of >= 1 byte
 *        carrying the pty master (SCM_RIGHTS) and must keep a slave fd open
 *        until it exits. Pty output is logged as stdout. The pty gets the
 *        user's window size, or 24x80 until an attach client sends one.
 *   Nothing else: the shim closes every fd > 2 of its caller's first thing,
 *   and those it opens itself are close-on-exec. A client's bytes are
 *   relayed, never its fds (read() drops SCM_RIGHTS).
 * Signals: TERM INT HUP QUIT USR1 USR2 sent to the shim are forwarded to PROG,
 *   except those the terminal sent to the whole foreground process group
 *   (Ctrl-C, Ctrl-\, hangup: si_code SI_KERNEL), which PROG got already
 *   (an adopted --container-pid-file process, in a session of its own, gets
 *   them from the shim too). During a --restart back-off, they only make the shim look at the
 *   --restart-cancel file.
 *   HUP with -t in the foreground first hangs up the pty (see -t).
 *   WINCH resizes the pty. These and CHLD are set back to SIG_DFL once blocked:
 *   a caller may pass them ignored (dash does INT and QUIT for a background
 *   job). PROG starts with those signals at SIG_DFL, unblocked.
 * Attach protocol (unix stream socket, both ways): frames of
 *   [type: 1 byte][payload length: 2 bytes big-endian][payload]
 *   shim -> client: 'h' hello, payload 1 byte: bit 0 tty, bit 1 interactive;
 *                   'o' stdout / pty bytes; 'e' stderr bytes;
 *                   'x' PROG ended, payload 1 byte exit code (last frame);
 *                   'b' busy: another client is attached (then closed)
 *   client -> shim: 'i' input bytes (at most 4096); 'c' end of input (no -t:
 *                   PROG's stdin pipe is closed); 'w' window size, payload
 *                   rows, cols as 2-byte big-endian numbers
 *   A client that falls 200 KiB or so behind is dropped, never waited for.
 * Exit codes: PROG's code as in --exit-file; 125 (and `ctr-shim: <step>:
 *   <error>`) if the shim fails before PROG runs; 126/127 PROG cannot be
 *   executed / not found (also recorded in --exit-file).
 * Steps, in order:
 *   1. parse argv; close the caller's fds > 2 (but --pass-fd's); make sure fds 0-2 are open;
 *      open the --cgroup groups' tasks files
 *   2. open the log (--log-max-size: and its directory) and the exit file's
 *      directory (each if given)
 *   3. -d: fork, the caller waits for the "started" byte; setsid
 *   4. write --shim-pid-file; block the handled signals, set them to SIG_DFL,
 *      read them from a signalfd
 *   5. -d --attach-socket: listen
 *   6. make PROG's pipes (and console socket), fork, exec, learn whether the
 *      exec worked; --cgroup: move into the groups
 *   7. -d: (--ready-fd: wait for PROG's byte or EOF; --container-pid-file:
 *      then for PROG's exit and the adoption) stdio to /dev/null, chdir /,
 *      report to the caller
 *   8. poll loop until PROG is reaped; --cgroup: out of the groups; drain; write the exit file; tell the
 *      client; restore the terminal; remove the socket
 *   9. --restart: while the policy says so, (foreground: become a daemon)
 *      wait the back-off, PROG again (steps 6 and 8)
 *  10. --exited-fd: (--exited-lock: flock) fork, the caller's shim exits
 *      with PROG's code, the other waits for the caller's answer;
 *      --exit-command (unless the caller did the action): run it, wait for
 *      it (bounded); exit with PROG's code
 *
 * This file is the main and the option table; the supervisor is
 * lib/shim-*.c (steps 1-10: lib/shim-loop.c, shim_run; 9: lib/shim-restart.c;
 * 10: lib/shim-exited.c, lib/shim-exit.c).
 */
#include "lib/error.h"
#include "lib/opt.h"
#include "lib/shim.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_LOG = 256, OPT_LOG_MAX, OPT_EXIT, OPT_EXIT_CMD, OPT_EXIT_ARG, OPT_EXIT_ENV, OPT_PID, OPT_SOCK,
	OPT_READY, OPT_PASS_FD, OPT_EXITED, OPT_EXITED_LOCK, OPT_RESTART, OPT_RESTART_FILE, OPT_RESTART_CANCEL,
	OPT_EXIT_CANCEL,
	OPT_CONTAINER_PID, OPT_CGROUP, OPT_HELP
};

static const struct ctr_opt options[] = {
	{ "detach", 'd', NULL, "run in the background once PROG is exec'd" },
	{ "interactive", 'i', NULL, "PROG reads input (stdin, or the attach client)" },
	{ "tty", 't', NULL, "relay the pty PROG sends on fd 3" },
	{ "log", OPT_LOG, "FILE", "append CRI records of PROG's output" },
	{ "log-max-size", OPT_LOG_MAX, "BYTES", "rotate FILE to FILE.1 at BYTES (0: never)" },
	{ "exit-file", OPT_EXIT, "FILE", "write `<code> <unix-time> <nanoseconds>` when PROG ends" },
	{ "exit-command", OPT_EXIT_CMD, "PATH", "run PATH (detached, waited for) once PROG's exit is recorded" },
	{ "exit-command-arg", OPT_EXIT_ARG, "ARG", "an argument of the exit command (repeatable)" },
	{ "exit-command-env", OPT_EXIT_ENV, "K=V", "K=V in the exit command's environment (repeatable)" },
	{ "exit-command-cancel", OPT_EXIT_CANCEL, "FILE", "no exit command if FILE exists by then" },
	{ "exited-fd", OPT_EXITED, "N", "the caller does the exit action; fd N: its `d` (EOF: run it)" },
	{ "exited-lock", OPT_EXITED_LOCK, "L", "(--exited-fd) flock fd L for the caller before returning" },
	{ "shim-pid-file", OPT_PID, "FILE", "write the shim's own pid" },
	{ "attach-socket", OPT_SOCK, "PATH", "(-d) listen for ctr-attach on PATH" },
	{ "ready-fd", OPT_READY, "N", "(-d, --restart) return once PROG writes to or closes fd N" },
	{ "pass-fd", OPT_PASS_FD, "N", "keep the caller's fd N for PROG (each run)" },
	{ "restart", OPT_RESTART, "POLICY", "no|always|unless-stopped|on-failure[:N]: run PROG again" },
	{ "restart-file", OPT_RESTART_FILE, "FILE", "write `<restarts> <state>` there" },
	{ "restart-cancel", OPT_RESTART_CANCEL, "FILE", "no more restarts once FILE exists" },
	{ "container-pid-file", OPT_CONTAINER_PID, "FILE", "PROG exits 0 leaving the PID in FILE: supervise it" },
	{ "cgroup", OPT_CGROUP, "DIR", "(v1) be in group DIR while PROG runs (repeatable)" },
	{ "help", OPT_HELP, NULL, "print this help" },
	{ NULL, 0, NULL, NULL },
};

static void usage(void)
{
	fputs("Usage: ctr-shim [-d] [-i] [-t] [--attach-socket PATH] [--shim-pid-file FILE]\n"
	      "                [--ready-fd N] [--pass-fd N] [--log FILE] [--log-max-size BYTES] [--exit-file FILE]\n"
	      "                [--exit-command PATH [--exit-command-arg ARG]... [--exit-command-env K=V]...\n"
	      "                 [--exit-command-cancel FILE]]\n"
	      "                [--exited-fd N [--exited-lock L]]\n"
	      "                [--restart POLICY [--restart-file FILE] [--restart-cancel FILE]]\n"
	      "                [--container-pid-file FILE] [--cgroup DIR]... [--] prog...\n"
	      "options:\n", stdout);
	ctr_opt_usage(stdout, options);
}

__attribute__((noreturn))
static void usage_error(const char *what)
{
	fprintf(stderr, "%s: %s\nTry: ctr-shim --help\n", ctr_prog, what);
	exit(EXIT_SELF);
}

/* The exit command's argv: PATH first, then the --exit-command-args in order;
 * its environment: PATH=..., then the --exit-command-envs (room for all of
 * argv in each, allocated once by parse_args). */
static char **exit_argv, **exit_envp;
static size_t exit_argc, exit_envc;

static void set_opt(int c, char *arg)
{
	unsigned long n;
	switch (c) {
	case 'd': shim_opt.detach = 1; break;
	case 'i': shim_opt.interactive = 1; break;
	case 't': shim_opt.tty = 1; break;
	case OPT_LOG: shim_opt.log = arg; break;
	case OPT_LOG_MAX:
		if (!parse_ulong(arg, ULONG_MAX, &shim_opt.log_max, NULL))
			usage_error("--log-max-size: a number of bytes");
		break;
	case OPT_EXIT: shim_opt.exit_file = arg; break;
	case OPT_EXIT_CMD:
		if (arg[0] != '/')
			usage_error("--exit-command: an absolute path");
		exit_argv[0] = arg;
		break;
	case OPT_EXIT_ARG: exit_argv[++exit_argc] = arg; break;
	case OPT_EXIT_ENV:
		if (arg[0] == '=' || !strchr(arg, '='))
			usage_error("--exit-command-env: K=V, K not empty");
		exit_envp[exit_envc++] = arg;
		break;
	case OPT_EXIT_CANCEL: shim_opt.exit_cancel = arg; break;
	case OPT_PID: shim_opt.pid_file = arg; break;
	case OPT_SOCK: shim_opt.sock = arg; break;
	case OPT_READY:
		if (!parse_ulong(arg, 1023, &n, NULL) || n <= 3)
			usage_error("--ready-fd: a number from 4 to 1023");
		shim_opt.ready_fd = (int)n;
		break;
	case OPT_PASS_FD:
		if (!parse_ulong(arg, 1023, &n, NULL) || n <= 3)
			usage_error("--pass-fd: a number from 4 to 1023");
		shim_opt.pass_fd = (int)n;
		break;
	case OPT_EXITED:
		if (!parse_ulong(arg, 1023, &n, NULL) || n <= 3)
			usage_error("--exited-fd: a number from 4 to 1023");
		shim_opt.exited_fd = (int)n;
		break;
	case OPT_EXITED_LOCK:
		if (!parse_ulong(arg, 1023, &n, NULL) || n <= 3)
			usage_error("--exited-lock: a number from 4 to 1023");
		shim_opt.exited_lock = (int)n;
		break;
	case OPT_RESTART:
		if (restart_parse(arg) < 0)
			usage_error("--restart: no, always, unless-stopped or on-failure[:N]");
		break;
	case OPT_RESTART_FILE: shim_opt.restart_file = arg; break;
	case OPT_RESTART_CANCEL: shim_opt.restart_cancel = arg; break;
	case OPT_CONTAINER_PID: shim_opt.container_pid_file = arg; break;
	case OPT_CGROUP:
		if (arg[0] != '/' || shim_cgroup_add(arg) < 0)
			usage_error("--cgroup: an absolute path, 4 at most");
		break;
	case OPT_HELP: usage(); exit(0);
	default: usage_error("bad option");
	}
}

static void parse_args(int argc, char **argv)
{
	struct ctr_getopt g;
	int c;
	if (ctr_opt_build(options, &g) < 0)
		die("option table too long");
	exit_argv = calloc((size_t)argc + 1, sizeof(*exit_argv));
	exit_envp = calloc((size_t)argc + 2, sizeof(*exit_envp));
	if (!exit_argv || !exit_envp)
		die_errno("calloc");
	exit_envp[exit_envc++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1)
		set_opt(c, optarg);
	if (shim_opt.sock && !shim_opt.detach)
		usage_error("--attach-socket requires -d");
	if (shim_opt.ready_fd >= 0 && !shim_opt.detach && shim_opt.restart == RESTART_NO)
		usage_error("--ready-fd requires -d or --restart");
	if (shim_opt.pass_fd >= 0 && shim_opt.pass_fd == shim_opt.ready_fd)
		usage_error("--pass-fd and --ready-fd: two different fds");
	if (shim_opt.exited_lock >= 0 && (shim_opt.exited_fd < 0 || shim_opt.exited_lock == shim_opt.exited_fd))
		usage_error("--exited-lock requires --exited-fd, another fd");
	if (shim_opt.exited_fd >= 0 && shim_opt.detach)
		usage_error("--exited-fd: not with -d (a detached shim has no caller to wait for)");
	if (shim_opt.pass_fd >= 0 && (shim_opt.pass_fd == shim_opt.exited_fd || shim_opt.pass_fd == shim_opt.exited_lock))
		usage_error("--pass-fd, --exited-fd and --exited-lock: different fds");
	if ((shim_opt.restart_file || shim_opt.restart_cancel) && shim_opt.restart == RESTART_NO)
		usage_error("--restart-file and --restart-cancel require --restart");
	if ((exit_argc > 0 || exit_envc > 1 || shim_opt.exit_cancel) && !exit_argv[0])
		usage_error("--exit-command-arg, --exit-command-env and --exit-command-cancel require --exit-command");
	shim_opt.exit_envp = exit_envp;
	if (exit_argv[0])
		shim_opt.exit_argv = exit_argv;
	if (optind >= argc)
		usage_error("no program to run");
	shim_opt.argv = argv + optind;
}

int main(int argc, char **argv)
{
	ctr_prog = "ctr-shim";
	parse_args(argc, argv);
	return shim_run();
}
