/* ctr-shim - supervise one program: hold its log, record its exit status,
 * relay its stdio or its pty (a tiny conmon).
 *
 * Usage:
 *   ctr-shim [-d] [-i] [-t] [--attach-socket PATH] [--shim-pid-file FILE]
 *            [--ready-fd N] [--log FILE] [--exit-file FILE] prog...
 *
 * ctr-shim sits between ctr.sh and nsenter-chroot (docs/design.md, "Process
 * tree"). It forks PROG with argv untouched (execvp, no shell) and stays until
 * PROG exits. Options (parsing stops at PROG):
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
 *   --exit-file FILE      when PROG ends: `<code> <unix-time>\n`, written to
 *                         FILE.tmp then renamed; code = status or 128+signal
 *                         (without it, only the shim's exit code says it)
 *   --shim-pid-file FILE  the shim's own pid (after -d: the daemon's)
 *   --ready-fd N          (-d only, N > 3) PROG gets the write end of a pipe
 *                         on fd N, and the caller's ctr-shim returns only once
 *                         PROG has written a byte there or every holder has
 *                         closed it (nsenter-chroot --notify-fd N: the
 *                         container's command runs), not as soon as PROG is
 *                         exec'd
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
 *   3    -t only: a unix stream socket; PROG sends one message of >= 1 byte
 *        carrying the pty master (SCM_RIGHTS) and must keep a slave fd open
 *        until it exits. Pty output is logged as stdout. The pty gets the
 *        user's window size, or 24x80 until an attach client sends one.
 *   Nothing else: the shim closes every fd > 2 of its caller's first thing,
 *   and those it opens itself are close-on-exec. A client's bytes are
 *   relayed, never its fds (read() drops SCM_RIGHTS).
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
 *   1. parse argv; close the caller's fds > 2; make sure fds 0-2 are open
 *   2. open the log and the exit file's directory
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
 */
#define PROG "ctr-shim"
#include "common.h"
#include "fds.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#define LINE_CAP  16384 /* longest log record text; longer lines are cut (P) */
#define FRAME_MAX 4096  /* largest frame payload a client may send */
#define DRAIN_MAX 64    /* reads per stream once PROG is gone */

static const char usage_text[] =
	"Usage: ctr-shim [-d] [-i] [-t] [--attach-socket PATH] [--shim-pid-file FILE]\n"
	"                [--ready-fd N] --log FILE --exit-file FILE prog...\n";

/* One output stream of PROG (stdout pipe, stderr pipe or pty master). */
struct stream {
	int fd;            /* non-blocking read end, -1 once closed */
	const char *name;  /* "stdout" or "stderr" in the log */
	char frame;        /* attach frame type: 'o' or 'e' */
	int echo;          /* shim fd that gets a live copy, -1 none */
	size_t len;        /* bytes of an unfinished line in buf */
	char buf[LINE_CAP];
};

/* PROG's ends of its stdio pipes, console socket and ready pipe (-1: none). */
struct child_fds {
	int in, out, err, console, ready;
};

/* What PROG's child process reports when it could not exec. */
struct exec_error {
	int step; /* 0 exec, 1 fd setup before exec */
	int err;
};

static struct {
	int detach, interactive, tty;
	int ready_fd;               /* --ready-fd N, -1 none */
	const char *log, *exit_file, *pid_file, *sock;
	char **argv;
} opt = { .ready_fd = -1 };

static struct {
	int log_fd, log_failed;
	int exit_dir;               /* the exit file's directory (dirfd) */
	const char *exit_base;
	int sock_dir;
	const char *sock_base;
	int ready_fd;               /* -d: pipe to the waiting caller */
	int prog_ready;             /* --ready-fd: our read end of PROG's */
	sigset_t old_mask;          /* the caller's mask, for PROG */
	int sig_fd;
	pid_t child;
	int reaped, code;
	int console;                /* our end of the console socketpair */
	int master;                 /* pty master, -1 until received */
	int raw_fd;                 /* user terminal in raw mode, -1 none */
	struct termios saved;
	int term_fd;                /* foreground -t: the user's terminal (fd 0
	                               or 1), whose size the pty follows and
	                               whose hangup hangs the pty up */
	int hung_up;                /* the pty is (to be) hung up */
	struct winsize ws;
	int have_ws;
	int in_src, in_dst, in_eof; /* input relay: fd 0 -> master or stdin pipe */
	char pend[FRAME_MAX];
	size_t pend_off, pend_len;
	int listen_fd, client;
	unsigned char cbuf[3 + FRAME_MAX];
	size_t clen;
} S = {
	.log_fd = -1, .exit_dir = -1, .sock_dir = -1, .ready_fd = -1, .prog_ready = -1,
	.sig_fd = -1, .console = -1, .master = -1, .raw_fd = -1,
	.term_fd = -1, .in_src = -1, .in_dst = -1, .listen_fd = -1,
	.client = -1,
};

static struct stream out = { .fd = -1, .name = "stdout", .frame = 'o', .echo = -1 };
static struct stream err = { .fd = -1, .name = "stderr", .frame = 'e', .echo = -1 };
static struct stream pty = { .fd = -1, .name = "stdout", .frame = 'o', .echo = -1 };

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

/* ---------------------------------------------------------------- small tools */

static void tty_restore(void);
static void term_hangup(void);

/* Once the terminal is raw, leave through here so it is never left raw. */
#define FATAL_ERRNO(...) do { int e_ = errno; tty_restore(); errno = e_; die_errno(__VA_ARGS__); } while (0)

/* warn: a problem after PROG started; the shim carries on (dying would orphan
 * PROG and leave no exit file). */
__attribute__((format(printf, 1, 2)))
static void warn_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s%s", strerror(saved), S.raw_fd >= 0 ? "\r\n" : "\n");
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		die_errno("fcntl F_GETFL");
	if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die_errno("fcntl F_SETFL");
}

static void pipe_open(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		die_errno("pipe");
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Open the directory holding path (O_PATH) and point *base at its last name:
 * the files are later replaced with renameat() there, which works after the
 * daemon's chdir("/") even for relative paths. */
static int open_parent(const char *path, const char **base)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		die("%s: path too long", path);
	*base = slash ? slash + 1 : path;
	if (**base == '\0')
		die("%s: not a file name", path);
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die_errno("open %s", dir);
	return fd;
}

/* Replace dir/base with text atomically (base.tmp, then rename), so a reader
 * never sees a half-written file. */
static int write_atomic(int dir, const char *base, const char *text)
{
	char tmp[NAME_MAX + 8];
	int fd;
	snprintf(tmp, sizeof(tmp), "%s.tmp", base);
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return -1;
	return renameat(dir, tmp, dir, base);
}

/* ---------------------------------------------------------------- options */

__attribute__((noreturn))
static void usage_error(const char *what)
{
	fprintf(stderr, "%s: %s\nTry: ctr-shim --help\n", PROG, what);
	exit(EXIT_SELF);
}

static void parse_args(int argc, char **argv)
{
	enum { OPT_LOG = 256, OPT_EXIT, OPT_PID, OPT_SOCK, OPT_READY, OPT_HELP };
	static const struct option longopts[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "exit-file", required_argument, NULL, OPT_EXIT },
		{ "shim-pid-file", required_argument, NULL, OPT_PID },
		{ "attach-socket", required_argument, NULL, OPT_SOCK },
		{ "ready-fd", required_argument, NULL, OPT_READY },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+dit", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': opt.detach = 1; break;
		case 'i': opt.interactive = 1; break;
		case 't': opt.tty = 1; break;
		case OPT_LOG: opt.log = optarg; break;
		case OPT_EXIT: opt.exit_file = optarg; break;
		case OPT_PID: opt.pid_file = optarg; break;
		case OPT_SOCK: opt.sock = optarg; break;
		case OPT_READY: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || n <= 3 || n > 1023)
				usage_error("--ready-fd: a number from 4 to 1023");
			opt.ready_fd = (int)n;
			break;
		}
		case OPT_HELP: fputs(usage_text, stdout); exit(0);
		default: usage_error("bad option");
		}
	}
	if (opt.sock && !opt.detach)
		usage_error("--attach-socket requires -d");
	if (opt.ready_fd >= 0 && !opt.detach)
		usage_error("--ready-fd requires -d");
	if (optind >= argc)
		usage_error("no program to run");
	opt.argv = argv + optind;
}

/* Fds 0-2 must be open: otherwise the pipes made below could land on them and
 * PROG's dup2()s would clobber each other. */
static void std_fds_open(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", O_RDWR);
		if (n < 0)
			die_errno("open /dev/null");
		if (n != fd)
			die("fd %d: cannot reopen", fd);
	}
}

/* ---------------------------------------------------------------- log */

/* RFC 3339 UTC time with nanoseconds, as CRI logs have it. */
static size_t log_timestamp(char *buf, size_t cap)
{
	struct timespec ts = { 0, 0 };
	struct tm tm;
	size_t n;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		ts.tv_sec = 0;
	if (!gmtime_r(&ts.tv_sec, &tm))
		memset(&tm, 0, sizeof(tm));
	n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, cap - n, ".%09ldZ", (long)ts.tv_nsec);
	return n;
}

/* Append one record with a single write(), so records never interleave. */
static void log_record(const char *stream, char tag, const char *text, size_t len)
{
	static char rec[64 + LINE_CAP + 1];
	if (S.log_fd < 0)
		return;
	size_t n = log_timestamp(rec, 48);
	n += (size_t)snprintf(rec + n, 64 - n, " %s %c ", stream, tag);
	memcpy(rec + n, text, len);
	n += len;
	rec[n++] = '\n';
	if (write_all(S.log_fd, rec, n) < 0 && !S.log_failed) {
		warn_errno("write %s", opt.log);
		S.log_failed = 1;
	}
}

/* Log every complete line held in s; cut a line that fills the buffer. */
static void log_lines(struct stream *s)
{
	char *start = s->buf, *end = s->buf + s->len, *nl;
	while ((nl = memchr(start, '\n', (size_t)(end - start))) != NULL) {
		log_record(s->name, 'F', start, (size_t)(nl - start));
		start = nl + 1;
	}
	s->len = (size_t)(end - start);
	if (s->len == sizeof(s->buf)) {
		log_record(s->name, 'P', s->buf, s->len);
		s->len = 0;
	} else if (start != s->buf) {
		memmove(s->buf, start, s->len);
	}
}

static void log_open(void)
{
	if (!opt.log)
		return;
	S.log_fd = open(opt.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (S.log_fd < 0)
		die_errno("open %s", opt.log);
}

/* ---------------------------------------------------------------- terminal */

/* Put the user's terminal in raw mode so that every key, Ctrl-C included,
 * reaches the program in the container as a byte and not as a signal to ctr. */
static void tty_raw(int fd)
{
	struct termios t;
	if (tcgetattr(fd, &S.saved) < 0) {
		warn_errno("tcgetattr");
		return;
	}
	t = S.saved;
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSADRAIN, &t) < 0) {
		warn_errno("tcsetattr");
		return;
	}
	S.raw_fd = fd;
}

/* Give the user's terminal back as it was: on every way out. */
static void tty_restore(void)
{
	int fd = S.raw_fd;
	if (fd < 0)
		return;
	S.raw_fd = -1;
	if (tcsetattr(fd, TCSADRAIN, &S.saved) < 0)
		warn_errno("restore terminal");
}

/* The pty follows the user's window (or the client's), so full-screen
 * programs in the container draw for the real size. */
static void winsize_apply(void)
{
	if (S.master < 0 || !S.have_ws)
		return;
	if (ioctl(S.master, TIOCSWINSZ, &S.ws) < 0)
		warn_errno("TIOCSWINSZ");
}

static void winsize_from_tty(void)
{
	if (S.term_fd < 0)
		return;
	if (ioctl(S.term_fd, TIOCGWINSZ, &S.ws) < 0)
		return;
	S.have_ws = 1;
	winsize_apply();
}

/* With no terminal to copy from, a new pty is 0x0: `stty size` fails and
 * full-screen programs draw nothing. Start it at the classic 24x80 until a
 * terminal or a client gives the real size. */
static void winsize_default(void)
{
	if (S.have_ws)
		return;
	S.ws.ws_row = 24;
	S.ws.ws_col = 80;
	S.have_ws = 1;
}

/* ---------------------------------------------------------------- attach client */

static int frame_send(int fd, char type, const void *data, size_t len)
{
	unsigned char h[3] = { (unsigned char)type, (unsigned char)(len >> 8), (unsigned char)len };
	struct iovec iov[2] = { { h, 3 }, { (void *)data, len } };
	ssize_t n = writev(fd, iov, 2);
	return n == (ssize_t)(3 + len) ? 0 : -1;
}

static void client_drop(void)
{
	close_fd(&S.client);
	S.clen = 0;
}

/* The client's socket is non-blocking: one that stops reading is dropped
 * rather than allowed to stop the container's output. */
static void client_send(char type, const void *data, size_t len)
{
	if (S.client >= 0 && frame_send(S.client, type, data, len) < 0)
		client_drop();
}

static void client_accept(void)
{
	unsigned char hello = (unsigned char)((opt.tty ? 1 : 0) | (opt.interactive ? 2 : 0));
	int fd = accept4(S.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (S.client >= 0) {
		if (frame_send(fd, 'b', NULL, 0) < 0)
			warn_errno("attach: busy reply");
		close(fd);
		return;
	}
	S.client = fd;
	S.clen = 0;
	client_send('h', &hello, 1);
}

/* ---------------------------------------------------------------- input relay */

static void input_close(void)
{
	if (S.in_dst >= 0 && S.in_dst != S.master)
		close(S.in_dst);
	S.in_dst = -1;
	S.pend_len = 0;
}

/* Move pending input into PROG without ever blocking: a container that stops
 * reading its input must not stop its output. */
static void input_flush(void)
{
	while (S.pend_len > 0 && S.in_dst >= 0) {
		ssize_t n = write(S.in_dst, S.pend + S.pend_off, S.pend_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			input_close();
			return;
		}
		S.pend_off += (size_t)n;
		S.pend_len -= (size_t)n;
	}
	S.pend_off = 0;
	if (S.in_eof)
		input_close();
}

static void input_take(const void *data, size_t len)
{
	if (S.in_dst < 0)
		return;
	memcpy(S.pend, data, len);
	S.pend_off = 0;
	S.pend_len = len;
	input_flush();
}

/* A terminal that hung up answers EIO to every ioctl (and EOF or EIO to
 * reads); one that is only at end of input (^D in cooked mode) does not. */
static int term_gone(int fd)
{
	struct termios t;
	return tcgetattr(fd, &t) < 0;
}

/* Foreground -i: the user's keys (-t) or input (PROG's stdin pipe). fd 0
 * stays blocking (it is shared with the user's shell); poll() said it is
 * readable. With -t, EOF or EIO from the user's terminal means it hung up;
 * without, EOF closes PROG's stdin. */
static void stdin_read(void)
{
	char buf[FRAME_MAX];
	ssize_t n = read(S.in_src, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		input_take(buf, (size_t)n);
		return;
	}
	if (S.in_src == S.term_fd && term_gone(S.in_src))
		term_hangup();
	S.in_src = -1;
	if (!opt.tty) { /* end of input: PROG's stdin pipe closes once drained */
		S.in_eof = 1;
		input_flush();
	}
}

static void client_frame(int type, const unsigned char *p, size_t len)
{
	switch (type) {
	case 'i':
		if (opt.interactive)
			input_take(p, len);
		break;
	case 'c':
		if (!opt.tty) {
			S.in_eof = 1;
			input_flush();
		}
		break;
	case 'w':
		if (len != 4)
			break;
		S.ws.ws_row = (unsigned short)(p[0] << 8 | p[1]);
		S.ws.ws_col = (unsigned short)(p[2] << 8 | p[3]);
		S.have_ws = 1;
		winsize_apply();
		break;
	default:
		break;
	}
}

/* Handle the complete frames in the client buffer; an input frame waits
 * while earlier input is still pending. */
static void client_frames(void)
{
	size_t off = 0;
	while (S.clen - off >= 3) {
		const unsigned char *f = S.cbuf + off;
		size_t len = (size_t)f[1] << 8 | f[2];
		if (len > FRAME_MAX) {
			client_drop();
			return;
		}
		if (S.clen - off < 3 + len || (f[0] == 'i' && S.pend_len > 0))
			break;
		client_frame(f[0], f + 3, len);
		off += 3 + len;
	}
	memmove(S.cbuf, S.cbuf + off, S.clen - off);
	S.clen -= off;
}

static void client_read(void)
{
	ssize_t n = read(S.client, S.cbuf + S.clen, sizeof(S.cbuf) - S.clen);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		client_drop();
		return;
	}
	S.clen += (size_t)n;
	client_frames();
}

/* ---------------------------------------------------------------- output streams */

static void stream_close(struct stream *s)
{
	if (s->fd < 0)
		return;
	if (s->len > 0)
		log_record(s->name, 'P', s->buf, s->len);
	s->len = 0;
	if (s->fd == S.master) {
		if (S.in_dst == S.master)
			input_close();
		S.master = -1;
	}
	close_fd(&s->fd);
}

/* Take what PROG wrote: copy it live (terminal, client), log whole lines.
 * Returns the bytes read, 0 once the stream is closed, -1 if none yet. */
static ssize_t stream_read(struct stream *s)
{
	char *p = s->buf + s->len;
	ssize_t n = read(s->fd, p, sizeof(s->buf) - s->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return -1;
	if (n <= 0) { /* EOF, or EIO from a pty whose slave is gone */
		stream_close(s);
		return 0;
	}
	if (s->echo >= 0 && write_all(s->echo, p, (size_t)n) < 0) {
		s->echo = -1; /* the reader went away: keep logging */
		if (!opt.log) { /* nobody wants more: PROG gets EPIPE, as if it wrote there */
			stream_close(s);
			return 0;
		}
	}
	client_send(s->frame, p, (size_t)n);
	if (!opt.log)
		return n;
	s->len += (size_t)n;
	log_lines(s);
	return n;
}

/* PROG is gone: take what is left, but do not wait for orphans that still
 * hold a pipe open. */
static void stream_drain(struct stream *s)
{
	for (int i = 0; i < DRAIN_MAX && s->fd >= 0; i++)
		if (stream_read(s) < 0)
			break;
	stream_close(s);
}

/* ---------------------------------------------------------------- console (-t) */

static int console_recv_fd(void)
{
	char byte;
	int fd = -1;
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	                      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(S.console, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -2;
	if (n <= 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	if (fd < 0)
		fprintf(stderr, "%s: console: message without a pty master\n", PROG);
	return fd;
}

/* Take the pty master that PROG (nsenter-chroot --console-fd 3) opened in
 * the container's devpts; from now on the user's terminal talks to it. */
static void console_receive(void)
{
	int fd = console_recv_fd();
	if (fd == -2)
		return;
	close_fd(&S.console);
	if (fd < 0)
		return;
	if (S.hung_up) { /* the user left before the pty came: hang it up now */
		close(fd);
		return;
	}
	S.master = fd;
	set_nonblock(fd);
	pty.fd = fd;
	pty.echo = opt.detach ? -1 : 1;
	winsize_from_tty();
	winsize_default();
	winsize_apply();
	if (!opt.interactive)
		return;
	S.in_dst = fd;
	if (opt.detach)
		return;
	S.in_src = 0;
	if (isatty(0))
		tty_raw(0);
}

/* ---------------------------------------------------------------- hangup (-t) */

/* The user's terminal hung up (a closed xterm, a dropped ssh) or the shim got
 * SIGHUP: hang up the container's pty too, by closing the master, so the
 * shell in it gets SIGHUP and EOF from its own terminal as it would under
 * sshd, instead of waiting for keys forever. What the pty still holds goes to
 * the log first. A terminal that is gone is no longer read, resized or
 * restored; PROG's exit is recorded as usual once it ends. */
static void term_hangup(void)
{
	if (opt.detach || !opt.tty)
		return;
	if (S.raw_fd >= 0 && term_gone(S.raw_fd))
		S.raw_fd = -1;
	S.term_fd = -1;
	S.in_src = -1;
	S.hung_up = 1;
	stream_drain(&pty);
}

/* ---------------------------------------------------------------- PROG */

/* The handled signals are at SIG_DFL already (signals_block) but blocked,
 * and the shim ignores SIGPIPE: the container must start with the defaults
 * and the caller's mask. */
static void child_signals_reset(void)
{
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &S.old_mask, NULL);
}

__attribute__((noreturn))
static void child_fail(int ep, int step)
{
	struct exec_error e = { step, errno };
	if (write(ep, &e, sizeof(e)) < 0)
		_exit(EXIT_SELF);
	_exit(step ? EXIT_SELF : e.err == ENOENT ? EXIT_NOTFOUND : EXIT_CANNOT);
}

/* In the forked child: put PROG's fds in place and exec it. */
__attribute__((noreturn))
static void child_exec(const struct child_fds *c, int ep)
{
	child_signals_reset();
	if (c->in >= 0 && dup2(c->in, 0) < 0)
		child_fail(ep, 1);
	if (dup2(c->out, 1) < 0)
		child_fail(ep, 1);
	if (dup2(c->err, 2) < 0)
		child_fail(ep, 1);
	if (c->console == 3 && fcntl(3, F_SETFD, 0) < 0)
		child_fail(ep, 1);
	if (c->console >= 0 && c->console != 3 && dup2(c->console, 3) < 0)
		child_fail(ep, 1);
	/* last: c->ready is above N (child_fds_make), nothing dup'ed above can be it */
	if (c->ready >= 0 && dup2(c->ready, opt.ready_fd) < 0)
		child_fail(ep, 1);
	execvp(opt.argv[0], opt.argv);
	child_fail(ep, 0);
}

/* Without a log, stdout and stderr need no label: when the shim's own 1 and
 * 2 are one file (a terminal, `2>&1`), PROG gets one pipe for both, so that
 * their order is kept as if it wrote there itself. */
static int streams_merged(void)
{
	struct stat a, b;
	if (opt.log || opt.detach || fstat(1, &a) < 0 || fstat(2, &b) < 0)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* PROG's stdio are pipes that the shim owns, never the caller's files: a
 * container could write to its input file or read and truncate its output
 * file through /proc/self/fd/N. The shim sees every byte of stdout and
 * stderr; stdin is fed from the shim's (foreground -i without -t), by an
 * attach client (-d -i without -t), or closed at once (EOF, as /dev/null).
 * With -t, one end of a socketpair becomes PROG's fd 3. */
static void child_fds_make(struct child_fds *c)
{
	int p[2];
	pipe_open(p);
	out.fd = p[0];
	c->out = p[1];
	if (streams_merged()) {
		c->err = fcntl(c->out, F_DUPFD_CLOEXEC, 3);
		if (c->err < 0)
			die_errno("dup stdout pipe");
	} else {
		pipe_open(p);
		err.fd = p[0];
		c->err = p[1];
		set_nonblock(err.fd);
	}
	set_nonblock(out.fd);
	pipe_open(p);
	c->in = p[0];
	if (opt.interactive && !opt.tty) {
		S.in_dst = p[1];
		set_nonblock(S.in_dst);
		if (!opt.detach)
			S.in_src = 0;
	} else {
		close_fd(&p[1]);
	}
	c->ready = -1;
	if (opt.ready_fd >= 0) {
		pipe_open(p);
		S.prog_ready = p[0];
		/* above 3 and N, so that PROG's dup2()s onto 0-3 and N cannot clobber it */
		c->ready = fcntl(p[1], F_DUPFD_CLOEXEC, opt.ready_fd + 1);
		if (c->ready < 0)
			die_errno("dup ready pipe");
		close(p[1]);
	}
	c->console = -1;
	if (opt.tty) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			die_errno("socketpair");
		S.console = sv[0];
		c->console = sv[1];
	}
}

static void child_fds_close(struct child_fds *c)
{
	close_fd(&c->in);
	close_fd(&c->out);
	close_fd(&c->err);
	close_fd(&c->console);
	close_fd(&c->ready);
}

/* PROG could not be exec'd: say why on stderr (with -d, still the caller's)
 * and in the log, where `ctr logs` shows it. */
static void start_failure_report(const struct exec_error *e)
{
	char msg[512];
	const char *step = e->step ? "set up fds for" : "exec";
	int len = snprintf(msg, sizeof(msg), "%s: %s %s: %s", PROG, step, opt.argv[0], strerror(e->err));
	errno = e->err;
	warn_errno("%s %s", step, opt.argv[0]);
	log_record("stderr", 'F', msg, len < (int)sizeof(msg) ? (size_t)len : sizeof(msg) - 1);
}

/* Fork and exec PROG; a close-on-exec pipe tells whether the exec worked.
 * Returns 0, or the code PROG's child exits with when it did not. */
static int prog_start(struct child_fds *c)
{
	struct exec_error e;
	ssize_t n;
	int ep[2];
	pipe_open(ep);
	S.child = fork();
	if (S.child < 0)
		die_errno("fork");
	if (S.child == 0) {
		close(ep[0]);
		child_exec(c, ep[1]);
	}
	close(ep[1]);
	child_fds_close(c);
	do
		n = read(ep[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(ep[0]);
	if (n != (ssize_t)sizeof(e))
		return 0;
	start_failure_report(&e);
	return e.step ? EXIT_SELF : e.err == ENOENT ? EXIT_NOTFOUND : EXIT_CANNOT;
}

static void child_reap(void)
{
	int st;
	pid_t r = waitpid(S.child, &st, WNOHANG);
	if (r <= 0)
		return;
	S.reaped = 1;
	S.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---------------------------------------------------------------- signals */

/* A signal that arrives while its disposition is SIG_IGN is discarded, even
 * when blocked, so the signalfd would never see it: ctr.sh starts the shim as
 * a background job of dash, which ignores INT and QUIT there (and an ignored
 * SIGCHLD would reap PROG behind our back). Called once the signals are
 * blocked: from then on a default action can no longer kill the shim. */
static void signal_default(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	if (sigaction(sig, &sa, NULL) < 0)
		die_errno("sigaction %d", sig);
}

/* Block the handled signals and read them from a signalfd: they become
 * events of the poll loop and never interrupt a write half-way. */
static void signals_block(void)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &set, &S.old_mask) < 0)
		die_errno("sigprocmask");
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		signal_default(forwarded[i]);
	signal_default(SIGCHLD);
	signal_default(SIGWINCH);
	S.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (S.sig_fd < 0)
		die_errno("signalfd");
	/* a reader that goes away must cost an EPIPE, not the shim */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die_errno("signal SIGPIPE");
}

/* Pass a signal meant for the container on to PROG (nsenter-chroot passes it
 * to PID 1). One the terminal sent to the whole foreground process group
 * reached PROG already: forwarding it would deliver it twice. */
static void signal_forward(const struct signalfd_siginfo *si)
{
	if (si->ssi_code == SI_KERNEL || S.reaped)
		return;
	if (kill(S.child, (int)si->ssi_signo) < 0)
		warn_errno("kill %d", (int)S.child);
}

/* SIGHUP with -t in the foreground: the user's terminal went away (the
 * kernel's hangup, or ctr.sh passing on its own): hang up the pty, then
 * forward as any other signal. */
static void signal_hup(const struct signalfd_siginfo *si)
{
	term_hangup();
	signal_forward(si);
}

static void signals_read(void)
{
	struct signalfd_siginfo si;
	while (read(S.sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			child_reap();
		else if (si.ssi_signo == SIGWINCH)
			winsize_from_tty();
		else if (si.ssi_signo == SIGHUP)
			signal_hup(&si);
		else
			signal_forward(&si);
	}
}

/* ---------------------------------------------------------------- -d */

__attribute__((noreturn))
static void wait_ready(int p[2])
{
	unsigned char code;
	ssize_t n;
	close(p[1]);
	do
		n = read(p[0], &code, 1);
	while (n < 0 && errno == EINTR);
	_exit(n == 1 ? code : EXIT_SELF);
}

/* Fork; the caller waits on a pipe until PROG runs, so ctr.sh's `run -d`
 * returns only once the container is really there. The daemon leaves the
 * caller's session: a closing terminal must not hang it up. */
static void daemonize(void)
{
	int p[2];
	pid_t pid;
	pipe_open(p);
	pid = fork();
	if (pid < 0)
		die_errno("fork");
	if (pid > 0)
		wait_ready(p);
	close(p[0]);
	S.ready_fd = p[1];
	if (setsid() < 0)
		die_errno("setsid");
}

/* --ready-fd: block until PROG writes its byte or every holder closes the
 * pipe (it died, or exec'd something that closed it). Signals wait in the
 * signalfd; PROG's output waits in its pipes. */
static void prog_ready_wait(void)
{
	char b;
	ssize_t n;
	do
		n = read(S.prog_ready, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		warn_errno("read --ready-fd");
}

/* Tell the caller PROG started (code 0) or could not (126/127). Stdio goes to
 * /dev/null first: a caller reading our stdout through a pipe must see EOF;
 * cwd goes to / so the daemon pins no mount. */
static void ready_report(int code)
{
	unsigned char c = (unsigned char)code;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die_errno("open /dev/null");
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			die_errno("dup2 /dev/null");
	close(fd);
	if (chdir("/") < 0)
		die_errno("chdir /");
	if (write(S.ready_fd, &c, 1) != 1)
		die_errno("report start");
	close_fd(&S.ready_fd);
}

static void pid_file_write(void)
{
	char text[32];
	const char *base;
	int dir = open_parent(opt.pid_file, &base);
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	if (write_atomic(dir, base, text) < 0)
		die_errno("write %s", opt.pid_file);
	close(dir);
}

/* A unix socket only root can open (0600), so `ctr attach` can reach a
 * detached container's terminal or stdin later. */
static void attach_listen(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t len = strlen(opt.sock);
	struct stat st;
	mode_t old;
	int r;
	if (len >= sizeof(a.sun_path))
		die("%s: socket path too long", opt.sock);
	memcpy(a.sun_path, opt.sock, len + 1);
	S.sock_dir = open_parent(opt.sock, &S.sock_base);
	/* a socket left by a shim that was killed: only that is replaced */
	if (lstat(opt.sock, &st) == 0 && S_ISSOCK(st.st_mode) && unlink(opt.sock) < 0)
		die_errno("unlink %s", opt.sock);
	S.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (S.listen_fd < 0)
		die_errno("socket");
	old = umask(0177);
	r = bind(S.listen_fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (r < 0)
		die_errno("bind %s", opt.sock);
	if (listen(S.listen_fd, 4) < 0)
		die_errno("listen %s", opt.sock);
}

/* ---------------------------------------------------------------- main loop */

enum { P_SIG, P_OUT, P_ERR, P_PTY, P_CONSOLE, P_STDIN, P_TERM, P_INDST, P_LISTEN, P_CLIENT, P_N };

static void loop_fds(struct pollfd *p)
{
	int can_take = S.pend_len == 0 && S.in_dst >= 0;
	p[P_SIG] = (struct pollfd){ S.sig_fd, POLLIN, 0 };
	p[P_OUT] = (struct pollfd){ out.fd, POLLIN, 0 };
	p[P_ERR] = (struct pollfd){ err.fd, POLLIN, 0 };
	p[P_PTY] = (struct pollfd){ pty.fd, POLLIN, 0 };
	p[P_CONSOLE] = (struct pollfd){ S.console, POLLIN, 0 };
	p[P_STDIN] = (struct pollfd){ can_take ? S.in_src : -1, POLLIN, 0 };
	p[P_TERM] = (struct pollfd){ S.term_fd, 0, 0 }; /* POLLHUP: hung up */
	p[P_INDST] = (struct pollfd){ S.pend_len > 0 ? S.in_dst : -1, POLLOUT, 0 };
	p[P_LISTEN] = (struct pollfd){ S.listen_fd, POLLIN, 0 };
	p[P_CLIENT] = (struct pollfd){ S.client >= 0 && S.clen < sizeof(S.cbuf) ? S.client : -1, POLLIN, 0 };
}

/* An event is handled only if its fd is still the one polled. */
static int ready(const struct pollfd *p, int i, int fd)
{
	return p[i].fd >= 0 && p[i].fd == fd && p[i].revents != 0;
}

static void loop_once(void)
{
	struct pollfd p[P_N];
	loop_fds(p);
	if (poll(p, P_N, -1) < 0) {
		if (errno == EINTR)
			return;
		FATAL_ERRNO("poll");
	}
	if (ready(p, P_SIG, S.sig_fd))
		signals_read();
	if (ready(p, P_OUT, out.fd))
		stream_read(&out);
	if (ready(p, P_ERR, err.fd))
		stream_read(&err);
	if (ready(p, P_PTY, pty.fd))
		stream_read(&pty);
	if (ready(p, P_CONSOLE, S.console))
		console_receive();
	if (ready(p, P_INDST, S.in_dst))
		input_flush();
	if (ready(p, P_STDIN, S.in_src))
		stdin_read();
	if (ready(p, P_TERM, S.term_fd))
		term_hangup();
	if (ready(p, P_LISTEN, S.listen_fd))
		client_accept();
	if (ready(p, P_CLIENT, S.client))
		client_read();
	if (S.client >= 0 && S.clen > 0 && S.pend_len == 0)
		client_frames();
}

/* PROG is reaped: finish the log, then record the exit for ctr.sh, then tell
 * the client, then hand the terminal back. */
static int finish(void)
{
	char text[64];
	unsigned char code = (unsigned char)S.code;
	if (S.console >= 0)
		console_receive();
	stream_drain(&out);
	stream_drain(&err);
	stream_drain(&pty);
	snprintf(text, sizeof(text), "%d %lld\n", S.code, (long long)time(NULL));
	if (S.exit_dir >= 0 && write_atomic(S.exit_dir, S.exit_base, text) < 0)
		warn_errno("write %s", opt.exit_file);
	client_send('x', &code, 1);
	client_drop();
	tty_restore();
	if (S.sock_dir >= 0 && unlinkat(S.sock_dir, S.sock_base, 0) < 0)
		warn_errno("unlink %s", opt.sock);
	return S.code;
}

int main(int argc, char **argv)
{
	struct child_fds c;
	int code;
	parse_args(argc, argv);
	/* the caller's fds are not ours to hold, nor PROG's to inherit */
	if (fds_close_except(NULL, 0) < 0)
		die_errno("close the caller's fds");
	std_fds_open();
	log_open();
	if (opt.exit_file)
		S.exit_dir = open_parent(opt.exit_file, &S.exit_base);
	if (opt.detach)
		daemonize();
	if (opt.pid_file)
		pid_file_write();
	signals_block();
	if (opt.sock)
		attach_listen();
	child_fds_make(&c);
	code = prog_start(&c);
	if (opt.detach) {
		if (code == 0 && S.prog_ready >= 0)
			prog_ready_wait();
		close_fd(&S.prog_ready);
		ready_report(code);
	} else {
		out.echo = 1;
		err.echo = 2;
		if (opt.tty)
			S.term_fd = isatty(0) ? 0 : isatty(1) ? 1 : -1;
	}
	while (!S.reaped)
		loop_once();
	return finish();
}
