/* fake-console - test stand-in for `nsenter-chroot --console-fd 3` (test/shim.bats).
 *
 * Usage: fake-console PIDFILE prog...
 *
 * Opens a pty, sends the master over fd 3 (one byte + SCM_RIGHTS, as
 * nsenter-chroot does), forks prog in a new session with the slave as its
 * controlling terminal on fds 0-2, writes prog's pid to PIDFILE, waits, and
 * exits with prog's status (128+N when killed by signal N). No namespaces.
 */
#define PROG "fake-console"
#include "../images/progs/prog.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

static void send_master(int master)
{
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	                      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if (sendmsg(3, &msg, MSG_NOSIGNAL) < 0)
		die_errno("sendmsg fd 3");
}

__attribute__((noreturn))
static void run_prog(int slave, char **argv)
{
	if (setsid() < 0)
		die_errno("setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		die_errno("TIOCSCTTY");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			die_errno("dup2");
	execvp(argv[0], argv);
	die_errno("exec %s", argv[0]);
}

int main(int argc, char **argv)
{
	int unlock = 0, st, master, slave;
	FILE *f;
	pid_t pid;
	if (argc < 3)
		die("usage: fake-console PIDFILE prog...");
	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		die_errno("open /dev/ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		die_errno("unlockpt");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		die_errno("open slave");
	send_master(master);
	close(master);
	close(3);
	pid = fork();
	if (pid < 0)
		die_errno("fork");
	if (pid == 0)
		run_prog(slave, argv + 2);
	close(slave);
	f = fopen(argv[1], "w");
	if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0)
		die_errno("write %s", argv[1]);
	if (waitpid(pid, &st, 0) < 0)
		die_errno("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
