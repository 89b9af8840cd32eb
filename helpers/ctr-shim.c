/* ctr-shim - supervise one program: hold its log, record its exit status,
 * relay its stdio or its pty (a tiny conmon).
 *
 * Usage:
 *   ctr-shim [-d] [-i] [-t] [--attach-socket PATH] [--shim-pid-file FILE]
 *            [--log-max-size BYTES] --log FILE --exit-file FILE prog...
 *
 * ctr-shim sits between ctr.sh and nsenter-chroot (docs/design.md, "Process
 * tree"). It forks PROG with argv untouched (execvp, no shell) and stays until
 * PROG exits. Options (parsing stops at PROG):
 *   -d, --detach          daemonize: the caller's ctr-shim exits 0 as soon as
 *                         PROG is exec'd (or with 126/127 if it cannot be);
 *                         the shim lives on in its own session, output goes
 *                         only to the log (and an attached client)
 *   -i, --interactive     PROG reads input: the shim's stdin (foreground), or
 *                         whatever an attach client sends (-d)
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
 *                         (P: a part of a line, cut at 16 KiB or at EOF)
 *   --log-max-size BYTES  (0: no cap, the default) before a record would take
 *                         a regular FILE past BYTES, rename FILE to FILE.1
 *                         (replacing it) and start a new FILE: at most about
 *                         2 x BYTES on disk. A failed rotation is warned
 *                         about once on stderr; logging carries on in FILE
 *   --exit-file FILE      when PROG ends: `<code> <unix-time>\n`, written to
 *                         FILE.tmp then renamed; code = status or 128+signal
 *   --shim-pid-file FILE  the shim's own pid (after -d: the daemon's)
 *   --ready-fd N          (-d only, N > 3) PROG gets the write end of a pipe
 *                         on fd N, and the caller's ctr-shim returns only once
 *                         PROG has written a byte there or every holder has
 *                         closed it (nsenter-chroot --notify-fd N: the
 *                         container's command runs), not as soon as PROG is
 *                         exec'd
 *
 * Fds of PROG:
 *   0    foreground -i without -t: the shim's stdin; -d -i without -t: a pipe
 *        fed by the attach client (closed when the client sends EOF);
 *        otherwise /dev/null
 *   1,2  pipes: the shim copies every byte live to its own 1 and 2
 *        (foreground) and line by line to the log
 *   N    --ready-fd N: the write end of the "ready" pipe (see there)
 *   3    -t only: a unix stream socket; PROG sends one message of >= 1 byte
 *        carrying the pty master (SCM_RIGHTS) and must keep a slave fd open
 *        until it exits. Pty output is logged as stdout. The pty gets the
 *        user's window size, or 24x80 until an attach client sends one.
 *   Fds > 2 the shim opens itself are close-on-exec.
 * Signals: TERM INT HUP QUIT USR1 USR2 sent to the shim are forwarded to PROG,
 *   except those the terminal sent to the whole foreground process group
 *   (Ctrl-C, Ctrl-\, hangup: si_code SI_KERNEL), which PROG got already.
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
 *   1. parse argv; make sure fds 0-2 are open
 *   2. open the log (--log-max-size: and its directory) and the exit file's
 *      directory
 *   3. -d: fork, the caller waits for the "started" byte; setsid
 *   4. write --shim-pid-file; block the handled signals, set them to SIG_DFL,
 *      read them from a signalfd
 *   5. -d --attach-socket: listen
 *   6. make PROG's pipes (and console socket), fork, exec, learn whether the
 *      exec worked
 *   7. -d: (--ready-fd: wait for PROG's byte or EOF) stdio to /dev/null,
 *      chdir /, report to the caller
 *   8. poll loop until PROG is reaped; drain; write the exit file; tell the
 *      client; restore the terminal; remove the socket; exit with PROG's code
 *
 * This file is the main and the option table; the supervisor is
 * lib/shim-*.c (steps 1-8: lib/shim-loop.c, shim_run).
 */
#include "lib/error.h"
#include "lib/opt.h"
#include "lib/shim.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

enum { OPT_LOG = 256, OPT_LOG_MAX, OPT_EXIT, OPT_PID, OPT_SOCK, OPT_READY, OPT_HELP };

static const struct ctr_opt options[] = {
	{ "detach", 'd', NULL, "run in the background once PROG is exec'd" },
	{ "interactive", 'i', NULL, "PROG reads input (stdin, or the attach client)" },
	{ "tty", 't', NULL, "relay the pty PROG sends on fd 3" },
	{ "log", OPT_LOG, "FILE", "append CRI records of PROG's output" },
	{ "log-max-size", OPT_LOG_MAX, "BYTES", "rotate FILE to FILE.1 at BYTES (0: never)" },
	{ "exit-file", OPT_EXIT, "FILE", "write `<code> <unix-time>` when PROG ends" },
	{ "shim-pid-file", OPT_PID, "FILE", "write the shim's own pid" },
	{ "attach-socket", OPT_SOCK, "PATH", "(-d) listen for ctr-attach on PATH" },
	{ "ready-fd", OPT_READY, "N", "(-d) return once PROG writes to or closes fd N" },
	{ "help", OPT_HELP, NULL, "print this help" },
	{ NULL, 0, NULL, NULL },
};

static void usage(void)
{
	fputs("Usage: ctr-shim [-d] [-i] [-t] [--attach-socket PATH] [--shim-pid-file FILE]\n"
	      "                [--ready-fd N] [--log-max-size BYTES] --log FILE --exit-file FILE prog...\n"
	      "options:\n", stdout);
	ctr_opt_usage(stdout, options);
}

__attribute__((noreturn))
static void usage_error(const char *what)
{
	fprintf(stderr, "%s: %s\nTry: ctr-shim --help\n", ctr_prog, what);
	exit(EXIT_SELF);
}

static void set_opt(int c, const char *arg)
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
	case OPT_PID: shim_opt.pid_file = arg; break;
	case OPT_SOCK: shim_opt.sock = arg; break;
	case OPT_READY:
		if (!parse_ulong(arg, 1023, &n, NULL) || n <= 3)
			usage_error("--ready-fd: a number from 4 to 1023");
		shim_opt.ready_fd = (int)n;
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
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1)
		set_opt(c, optarg);
	if (!shim_opt.log || !shim_opt.exit_file)
		usage_error("--log and --exit-file are required");
	if (shim_opt.sock && !shim_opt.detach)
		usage_error("--attach-socket requires -d");
	if (shim_opt.ready_fd >= 0 && !shim_opt.detach)
		usage_error("--ready-fd requires -d");
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
