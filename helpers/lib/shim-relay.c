/* shim-relay.c - ctr-shim's relays: PROG's output streams (live copy to the
 * user's terminal and the attach client, whole lines to the log), input (the
 * user's keys or the client's, never blocking on PROG), the pty received on
 * the console socket (-t), the user's terminal (raw mode, window size,
 * hangup). Called from the poll loop once PROG runs: a failure is warned
 * about (warn_errno) and the shim goes on, or it would orphan PROG.
 */
#include "shim.h"
#include "error.h"
#include "fdio.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* warn: a problem after PROG started; the shim carries on (dying would orphan
 * PROG and leave no exit file). */
void warn_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	fprintf(stderr, "%s: ", ctr_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s%s", strerror(saved), shim.raw.fd >= 0 ? "\r\n" : "\n");
}

/* Put the user's terminal in raw mode so that every key, Ctrl-C included,
 * reaches the program in the container as a byte and not as a signal to ctr. */
static void term_raw(int fd)
{
	if (tty_raw(&shim.raw, fd) < 0)
		warn_errno("raw mode");
}

/* Give the user's terminal back as it was: on every way out. */
void term_restore(void)
{
	if (tty_restore(&shim.raw) < 0)
		warn_errno("restore terminal");
}

/* The pty follows the user's window (or the client's), so full-screen
 * programs in the container draw for the real size. */
void winsize_apply(void)
{
	if (shim.master < 0 || !shim.have_ws)
		return;
	if (ioctl(shim.master, TIOCSWINSZ, &shim.ws) < 0)
		warn_errno("TIOCSWINSZ");
}

void winsize_from_tty(void)
{
	if (shim.term_fd < 0)
		return;
	if (ioctl(shim.term_fd, TIOCGWINSZ, &shim.ws) < 0)
		return;
	shim.have_ws = 1;
	winsize_apply();
}

/* With no terminal to copy from, a new pty is 0x0: `stty size` fails and
 * full-screen programs draw nothing. Start it at the classic 24x80 until a
 * terminal or a client gives the real size. */
static void winsize_default(void)
{
	if (shim.have_ws)
		return;
	shim.ws.ws_row = 24;
	shim.ws.ws_col = 80;
	shim.have_ws = 1;
}

/* ---------------------------------------------------------------- input relay */

static void input_close(void)
{
	if (shim.in_dst >= 0 && shim.in_dst != shim.master)
		close(shim.in_dst);
	shim.in_dst = -1;
	shim.pend_len = 0;
}

/* Move pending input into PROG without ever blocking: a container that stops
 * reading its input must not stop its output. */
void input_flush(void)
{
	while (shim.pend_len > 0 && shim.in_dst >= 0) {
		ssize_t n = write(shim.in_dst, shim.pend + shim.pend_off, shim.pend_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			input_close();
			return;
		}
		shim.pend_off += (size_t)n;
		shim.pend_len -= (size_t)n;
	}
	shim.pend_off = 0;
	if (shim.in_eof)
		input_close();
}

void input_take(const void *data, size_t len)
{
	if (shim.in_dst < 0)
		return;
	memcpy(shim.pend, data, len);
	shim.pend_off = 0;
	shim.pend_len = len;
	input_flush();
}

/* Foreground -i: the user's keys (-t) or input (PROG's stdin pipe). fd 0
 * stays blocking (it is shared with the user's shell); poll() said it is
 * readable. With -t, EOF or EIO from the user's terminal means it hung up;
 * without, EOF closes PROG's stdin. */
void stdin_read(void)
{
	char buf[FRAME_MAX];
	ssize_t n = read(shim.in_src, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		input_take(buf, (size_t)n);
		return;
	}
	if (shim.in_src == shim.term_fd && tty_gone(shim.in_src))
		term_hangup();
	shim.in_src = -1;
	if (!shim_opt.tty) { /* end of input: PROG's stdin pipe closes once drained */
		shim.in_eof = 1;
		input_flush();
	}
}

/* ---------------------------------------------------------------- output streams */

static void stream_close(struct stream *s)
{
	if (s->fd < 0)
		return;
	if (s->len > 0)
		log_record(s->name, 'P', s->buf, s->len);
	s->len = 0;
	if (s->fd == shim.master) {
		if (shim.in_dst == shim.master)
			input_close();
		shim.master = -1;
	}
	close_fd(&s->fd);
}

/* Take what PROG wrote: copy it live (terminal, client), log whole lines.
 * Returns the bytes read, 0 once the stream is closed, -1 if none yet. */
ssize_t stream_read(struct stream *s)
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
		if (!shim_opt.log) { /* nobody wants more: PROG gets EPIPE, as if it wrote there */
			stream_close(s);
			return 0;
		}
	}
	client_send(s->frame, p, (size_t)n);
	if (!shim_opt.log)
		return n;
	s->len += (size_t)n;
	log_lines(s);
	return n;
}

/* PROG is gone: take what is left, but do not wait for orphans that still
 * hold a pipe open. */
void stream_drain(struct stream *s)
{
	for (int i = 0; i < DRAIN_MAX && s->fd >= 0; i++)
		if (stream_read(s) < 0)
			break;
	stream_close(s);
}

/* ---------------------------------------------------------------- console (-t) */

static int console_recv_fd(void)
{
	int fd = recv_fd(shim.console, MSG_DONTWAIT);
	if (fd < 0 && (errno == EAGAIN || errno == EINTR))
		return -2;
	if (fd < 0 && errno == EBADMSG)
		fprintf(stderr, "%s: console: message without a pty master\n", ctr_prog);
	return fd;
}

/* Take the pty master that PROG (nsenter-chroot --console-fd 3) opened in
 * the container's devpts; from now on the user's terminal talks to it. */
void console_receive(void)
{
	int fd = console_recv_fd();
	if (fd == -2)
		return;
	close_fd(&shim.console);
	if (fd < 0)
		return;
	if (shim.hung_up) { /* the user left before the pty came: hang it up now */
		close(fd);
		return;
	}
	shim.master = fd;
	nonblock(fd);
	shim_pty.fd = fd;
	shim_pty.echo = shim_opt.detach ? -1 : 1;
	winsize_from_tty();
	winsize_default();
	winsize_apply();
	if (!shim_opt.interactive)
		return;
	shim.in_dst = fd;
	if (shim_opt.detach)
		return;
	shim.in_src = 0;
	if (isatty(0))
		term_raw(0);
}

/* ---------------------------------------------------------------- hangup (-t) */

/* The user's terminal hung up (a closed xterm, a dropped ssh) or the shim got
 * SIGHUP: hang up the container's pty too, by closing the master, so the
 * shell in it gets SIGHUP and EOF from its own terminal as it would under
 * sshd, instead of waiting for keys forever. What the pty still holds goes to
 * the log first. A terminal that is gone is no longer read, resized or
 * restored; PROG's exit is recorded as usual once it ends. */
void term_hangup(void)
{
	if (shim_opt.detach || !shim_opt.tty)
		return;
	if (shim.raw.fd >= 0 && tty_gone(shim.raw.fd))
		shim.raw.fd = -1;
	shim.term_fd = -1;
	shim.in_src = -1;
	shim.hung_up = 1;
	stream_drain(&shim_pty);
}

