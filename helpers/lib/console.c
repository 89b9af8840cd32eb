/* console.c - the container's console (--console-fd): console_open makes a
 * pty in the container's own devpts (after pivot_root) and sends its master
 * to the caller; console_attach makes the slave the controlling terminal on
 * fds 0,1,2 (in PROG's process, after setsid). Child side: dies.
 */
#include "console.h"
#include "error.h"
#include "fdio.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/* Allocate the pty INSIDE the container (its own devpts instance, so the
 * slave is /dev/pts/0 there and no host pty is involved), send the master to
 * the caller and return the slave. TIOCGPTPEER opens the slave without a path
 * lookup that the container could redirect. */
int console_open(int sock)
{
	int unlock = 0;
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		die_errno("open /dev/ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		die_errno("unlockpt");
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		die_errno("open pty slave");
	if (send_fd(sock, master) < 0)
		die_errno("send console fd");
	xclose(master);
	xclose(sock);
	return slave;
}

/* Make slave the controlling terminal of this process, on fds 0, 1, 2; in a
 * new session unless it leads one already (it does without --init). */
void console_attach(int slave)
{
	if (getsid(0) != getpid() && setsid() < 0)
		die_errno("setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		die_errno("TIOCSCTTY");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			die_errno("dup2 console");
	if (slave > 2)
		xclose(slave);
}

/* OCI process.consoleSize: the pty's initial window size. */
void console_size(int pty, unsigned short rows, unsigned short cols)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };
	if (ioctl(pty, TIOCSWINSZ, &ws) < 0)
		die_errno("set console size");
}
