/* ctr-attach - connect this terminal to a detached container's ctr-shim.
 *
 * Usage: ctr-attach SOCKET
 *
 * SOCKET is the shim's --attach-socket. The shim says hello first: for a -t
 * container ctr-attach puts its terminal (fd 0, if a tty) in raw mode, sends
 * the window size now and on every SIGWINCH, and relays keys to the pty;
 * Ctrl-P Ctrl-Q detaches (the container keeps running). Without -t, stdin is
 * sent as the container's input (if it was started with -i) and its EOF closes
 * that input; the container's stdout and stderr come out on fds 1 and 2.
 * The terminal is restored on every way out.
 *
 * Protocol: frames [type: 1 byte][length: 2 bytes big-endian][payload], see
 *   helpers/ctr-shim.c. Sent: 'i' input, 'c' end of input, 'w' rows+cols.
 *   Received: 'h' hello, 'o' stdout, 'e' stderr, 'x' exit code, 'b' busy.
 * Exit codes: 0 detached; the container's code when it ends while attached;
 *   128+N on signal N (TERM INT HUP QUIT); 125 own failure (no such socket,
 *   another client attached, connection lost).
 */
#include "lib/error.h"
#include "lib/fdio.h"
#include "lib/frame.h"
#include "lib/tty.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CTRL_P     0x10
#define CTRL_Q     0x11

static struct {
	const char *path;
	int sock, sig_fd;
	int hello, session_tty, stdin_open, held_p;
	struct ctr_tty tty;
	unsigned char buf[FRAME_HDR + FRAME_LIMIT];
	size_t len;
} A = { .sock = -1, .sig_fd = -1, .stdin_open = 1, .tty = { .fd = -1 } };

static void term_restore(void)
{
	if (tty_restore(&A.tty) < 0)
		fprintf(stderr, "%s: restore terminal: %s\n", ctr_prog, strerror(errno));
}

__attribute__((noreturn))
static void leave(int code)
{
	term_restore();
	exit(code);
}

/* After raw mode, errors leave through here so the terminal is given back. */
#define FATAL(...) do { term_restore(); die(__VA_ARGS__); } while (0)
#define FATAL_ERRNO(...) do { int e_ = errno; term_restore(); errno = e_; die_errno(__VA_ARGS__); } while (0)

static void frame_send(char type, const void *data, size_t len)
{
	unsigned char h[FRAME_HDR];
	struct iovec iov[2] = { { h, FRAME_HDR }, { (void *)data, len } };
	size_t done = 0, total = FRAME_HDR + len;
	frame_header(h, type, len);
	while (done < total) {
		ssize_t n = writev(A.sock, iov, 2);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			FATAL_ERRNO("%s: send", A.path);
		done += (size_t)n;
		for (int i = 0; i < 2; i++) { /* skip what was written */
			size_t k = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;
			iov[i].iov_base = (char *)iov[i].iov_base + k;
			iov[i].iov_len -= k;
			n -= (ssize_t)k;
		}
	}
}

static void sock_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t len = strlen(A.path);
	if (len >= sizeof(a.sun_path))
		die("%s: socket path too long", A.path);
	memcpy(a.sun_path, A.path, len + 1);
	A.sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (A.sock < 0)
		die_errno("socket");
	if (connect(A.sock, (struct sockaddr *)&a, sizeof(a)) < 0)
		die_errno("connect %s", A.path);
}

/* Raw mode: every key, Ctrl-C included, goes to the program in the
 * container; only Ctrl-P Ctrl-Q is ours. */
static void term_raw(void)
{
	if (isatty(0) && tty_raw(&A.tty, 0) < 0)
		die_errno("raw mode");
}

static void winsize_send(void)
{
	struct winsize ws;
	unsigned char p[4];
	if (ioctl(0, TIOCGWINSZ, &ws) < 0 && ioctl(1, TIOCGWINSZ, &ws) < 0)
		return;
	frame_winsize_put(p, ws.ws_row, ws.ws_col);
	frame_send('w', p, 4);
}

static void hello(const unsigned char *p, size_t len)
{
	A.hello = 1;
	A.session_tty = len >= 1 && (p[0] & 1);
	if (!A.session_tty)
		return;
	term_raw();
	winsize_send();
}

static void out_write(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			FATAL_ERRNO("write");
		p += n;
		len -= (size_t)n;
	}
}

static void frame_do(int type, const unsigned char *p, size_t len)
{
	switch (type) {
	case 'h': hello(p, len); break;
	case 'o': out_write(1, p, len); break;
	case 'e': out_write(2, p, len); break;
	case 'x': leave(len >= 1 ? p[0] : EXIT_SELF);
	case 'b': FATAL("%s: another client is attached", A.path);
	default: break;
	}
}

static void sock_read(void)
{
	size_t off = 0;
	struct frame f;
	ssize_t n = read(A.sock, A.buf + A.len, sizeof(A.buf) - A.len);
	if (n < 0 && errno == EINTR)
		return;
	if (n < 0)
		FATAL_ERRNO("%s: read", A.path);
	if (n == 0)
		FATAL("%s: connection closed", A.path);
	A.len += (size_t)n;
	while (frame_next(A.buf + off, A.len - off, FRAME_LIMIT, &f) > 0) {
		frame_do(f.type, f.data, f.len);
		off += FRAME_HDR + f.len;
	}
	memmove(A.buf, A.buf + off, A.len - off);
	A.len -= off;
}

/* In a tty session, look for Ctrl-P Ctrl-Q (it may span two reads); a
 * Ctrl-P followed by anything else is sent on. */
static void keys_send(const unsigned char *in, size_t n)
{
	unsigned char out[FRAME_MAX + 1];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (A.held_p) {
			A.held_p = 0;
			if (in[i] == CTRL_Q) {
				if (k > 0)
					frame_send('i', out, k);
				leave(0);
			}
			out[k++] = CTRL_P;
		}
		if (in[i] == CTRL_P)
			A.held_p = 1;
		else
			out[k++] = in[i];
	}
	if (k > 0)
		frame_send('i', out, k);
}

static void stdin_read(void)
{
	unsigned char in[FRAME_MAX - 1];
	ssize_t n = read(0, in, sizeof(in));
	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		A.stdin_open = 0;
		if (!A.session_tty)
			frame_send('c', NULL, 0);
		return;
	}
	if (A.session_tty)
		keys_send(in, (size_t)n);
	else
		frame_send('i', in, (size_t)n);
}

/* Signals come through a signalfd so the terminal is restored before we go. */
static void signals_block(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die_errno("sigprocmask");
	A.sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (A.sig_fd < 0)
		die_errno("signalfd");
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die_errno("signal SIGPIPE");
}

static void signals_read(void)
{
	struct signalfd_siginfo si;
	if (read(A.sig_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	if (si.ssi_signo != SIGWINCH)
		leave(128 + (int)si.ssi_signo);
	if (A.session_tty)
		winsize_send();
}

int main(int argc, char **argv)
{
	ctr_prog = "ctr-attach";
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "Usage: ctr-attach SOCKET\n");
		return EXIT_SELF;
	}
	A.path = argv[1];
	signals_block();
	sock_connect();
	for (;;) {
		struct pollfd p[3] = {
			{ A.sig_fd, POLLIN, 0 },
			{ A.sock, POLLIN, 0 },
			{ A.hello && A.stdin_open ? 0 : -1, POLLIN, 0 },
		};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			FATAL_ERRNO("poll");
		}
		if (p[0].revents)
			signals_read();
		if (p[1].revents)
			sock_read();
		if (p[2].revents)
			stdin_read();
	}
}
