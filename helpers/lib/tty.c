/* tty.c - the user's terminal: raw mode, so that every key, Ctrl-C included,
 * reaches the program in the container as a byte (tty_raw), given back as it
 * was on every way out (tty_restore, idempotent), and the hangup test
 * (tty_gone). Both return -1 with errno; the caller decides whether that is
 * fatal (ctr-attach) or a warning (ctr-shim, whose PROG is running).
 */
#include "tty.h"

int tty_raw(struct ctr_tty *t, int fd)
{
	struct termios raw;
	if (tcgetattr(fd, &t->saved) < 0)
		return -1;
	raw = t->saved;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSADRAIN, &raw) < 0)
		return -1;
	t->fd = fd;
	return 0;
}

/* 0 also when nothing was made raw; t->fd is -1 afterwards either way. */
int tty_restore(struct ctr_tty *t)
{
	int fd = t->fd;
	if (fd < 0)
		return 0;
	t->fd = -1;
	return tcsetattr(fd, TCSADRAIN, &t->saved);
}

/* A terminal that hung up answers EIO to every ioctl (and EOF or EIO to
 * reads); one that is only at end of input (^D in cooked mode) does not. */
int tty_gone(int fd)
{
	struct termios t;
	return tcgetattr(fd, &t) < 0;
}
