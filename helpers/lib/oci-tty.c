/* oci-tty.c - a pty for humans: `run` and `exec --tty` without
 * --console-socket. The caller makes a socket pair (oci_tty_pair) and gives
 * one end to the container as its console socket: the container's pty is
 * made in its own devpts and its master sent there (console.c), as to an
 * engine's --console-socket. oci_tty_size gives the pty the user's window
 * size from the start (exec); oci_tty_master takes the master (before
 * `start`: run sizes it then); oci_tty_relay relays until the process ends:
 *   - the user's keys (stdin) to the pty, stdin made raw when it is a
 *     terminal, so that Ctrl-C, Ctrl-Z, Ctrl-\ reach the container as bytes
 *     and its line discipline signals its own foreground process group;
 *   - the pty's output to stdout;
 *   - the window size on SIGWINCH; SIGTERM, SIGHUP, SIGQUIT, SIGINT, SIGUSR1
 *     and SIGUSR2 forwarded to the process;
 * until the process has exited and the pty has nothing more (every holder
 * of its slave gone, or silent for a moment: a process left in the
 * background cannot hold us). The terminal is given back on every way out;
 * stdin at end of file stops being read (the pty stays open). Errors are
 * returned; once the process runs, a relay error only ends the relay (the
 * process is still waited for).
 */
#include "oci-tty.h"
#include "fdio.h"
#include "tty.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t winch;
static pid_t relay_pid;

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

static void on_forward(int sig)
{
	if (relay_pid > 0)
		(void)kill(relay_pid, sig);
}

int oci_tty_pair(int sp[2], struct ctr_err *e)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return ctr_fail_errno(e, "socketpair");
	return 0;
}

/* The user's terminal: stdin, else stdout; -1 without one. */
static int user_tty(void)
{
	return isatty(0) ? 0 : isatty(1) ? 1 : -1;
}

void oci_tty_size(struct ctr_spec *s)
{
	struct winsize ws;
	int t = user_tty();
	if (t >= 0 && ioctl(t, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		s->console_rows = ws.ws_row;
		s->console_cols = ws.ws_col;
	}
}

static void size_copy(int master)
{
	struct winsize ws;
	int t = user_tty();
	if (t >= 0 && ioctl(t, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		(void)ioctl(master, TIOCSWINSZ, &ws);
}

/* The master, sized as the user's window; -2 when the container has no
 * terminal (the socket was closed without one). */
int oci_tty_master(int sock, struct ctr_err *e)
{
	int m = recv_fd(sock, 0);
	if (m < 0 && errno == ECONNRESET)
		return -2;
	if (m < 0)
		return ctr_fail_errno(e, "receive the container's pty");
	size_copy(m);
	return m;
}

struct relay {
	int master;
	char in[4096];
	size_t inlen, inoff;
	bool in_open, out_open;
};

/* The pty's output to stdout; false once it has no more (EIO: no slave). */
static bool out_copy(struct relay *r)
{
	char buf[8192];
	ssize_t n = read(r->master, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0 || write_all(1, buf, (size_t)n) < 0)
		return r->out_open = false;
	return true;
}

/* The user's keys, read only when the last ones are written (no buffer
 * grows when the container does not read). */
static void in_copy(struct relay *r, short rev_in, short rev_master)
{
	if ((rev_in & (POLLIN | POLLHUP | POLLERR)) && r->inlen == 0) {
		ssize_t n = read(0, r->in, sizeof(r->in));
		if (n > 0)
			r->inlen = (size_t)n, r->inoff = 0;
		else if (n == 0 || errno != EINTR)
			r->in_open = false;
	}
	if ((rev_master & POLLOUT) && r->inlen > 0) {
		ssize_t n = write(r->master, r->in + r->inoff, r->inlen);
		if (n > 0)
			r->inoff += (size_t)n, r->inlen -= (size_t)n;
		else if (n < 0 && errno != EINTR && errno != EAGAIN)
			r->in_open = false, r->inlen = 0;
	}
}

/* Poll and copy until the process is gone (pidfd) and the pty drained. */
static void relay_loop(struct relay *r, int pidfd, const sigset_t *during)
{
	bool exited = false;
	while (r->out_open) {
		struct pollfd p[3] = {
			{ r->in_open && r->inlen == 0 ? 0 : -1, POLLIN, 0 },
			{ r->master, (short)(POLLIN | (r->inlen ? POLLOUT : 0)), 0 },
			{ exited ? -1 : pidfd, POLLIN, 0 },
		};
		/* once it exited: what it wrote, then stop at the first quiet moment */
		struct timespec quiet = { 0, 200 * 1000 * 1000 };
		int n = ppoll(p, 3, exited ? &quiet : NULL, during);
		if (n < 0 && errno != EINTR)
			return;
		if (winch) {
			winch = 0;
			size_copy(r->master);
		}
		if (n == 0)
			return;
		if (n < 0)
			continue;
		if (p[2].revents)
			exited = true;
		if (p[1].revents & POLLIN)
			out_copy(r);
		else if (p[1].revents & (POLLHUP | POLLERR))
			r->out_open = false;
		in_copy(r, p[0].revents, p[1].revents);
	}
}

int oci_tty_relay(int master, pid_t pid, int *status, struct ctr_err *e)
{
	static const int fwd[] = { SIGTERM, SIGHUP, SIGQUIT, SIGINT, SIGUSR1, SIGUSR2 };
	struct relay r = { .master = master, .in_open = true, .out_open = true };
	struct ctr_tty raw = { .fd = -1 };
	struct sigaction w = { .sa_handler = on_winch }, f = { .sa_handler = on_forward };
	sigset_t block, during;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return ctr_fail_errno(e, "pidfd_open %d", (int)pid);
	relay_pid = pid;
	for (size_t i = 0; i < NELEM(fwd); i++)
		(void)sigaction(fwd[i], &f, NULL);
	(void)sigaction(SIGWINCH, &w, NULL);
	/* SIGWINCH only arrives in ppoll, so none is lost between checks */
	(void)sigemptyset(&block);
	(void)sigaddset(&block, SIGWINCH);
	(void)sigprocmask(SIG_BLOCK, &block, &during);
	(void)sigdelset(&during, SIGWINCH);
	if (isatty(0) && tty_raw(&raw, 0) < 0)
		warn("raw mode: %s", strerror(errno));
	if (set_nonblock(master) < 0)
		warn("pty: %s", strerror(errno));
	relay_loop(&r, pidfd, &during);
	if (tty_restore(&raw) < 0)
		warn("restore the terminal: %s", strerror(errno));
	close_fd(&pidfd);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return ctr_fail_errno(e, "waitpid %d", (int)pid);
	relay_pid = 0;
	return 0;
}
