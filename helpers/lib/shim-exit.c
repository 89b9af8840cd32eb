/* shim-exit.c - ctr-shim's exit command (--exit-command, as conmon's): once
 * PROG is reaped and the exit file written, run PATH ARG... detached (its own
 * session, stdio on /dev/null, no other fd, cwd /, signals at their defaults,
 * an environment of PATH and the --exit-command-envs only) and wait for it at
 * most EXIT_CMD_WAIT_MS. It outlives
 * the shim: a killed shim, or one that stops waiting, does not stop it.
 * Not when the --exit-command-cancel file exists by then (the caller removes
 * the container: its removal does what the command would).
 * Entry point: exit_command_run(), after finish(). Warns, never dies: PROG's
 * code is the shim's whatever happens here.
 */
#include "shim.h"
#include "error.h"
#include "fds.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_CMD_WAIT_MS 30000

/* In the forked child: detach from everything the shim holds, then exec. */
__attribute__((noreturn))
static void exit_child(void)
{
	sigset_t none;
	int fd;
	if (setsid() < 0)
		_exit(EXIT_SELF);
	/* the shim blocked its signals and ignores SIGPIPE: the defaults for this one */
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		_exit(EXIT_SELF);
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		_exit(EXIT_SELF);
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			_exit(EXIT_SELF);
	if (fds_close_except(NULL, 0) < 0)
		_exit(EXIT_SELF);
	if (chdir("/") < 0)
		_exit(EXIT_SELF);
	execve(shim_opt.exit_argv[0], shim_opt.exit_argv, shim_opt.exit_envp);
	_exit(ctr_exec_code(errno));
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait for the exit command (SIGCHLD arrives on the signalfd; other signals
 * are dropped: PROG is gone) until it ends or the time is up. */
static void exit_wait(pid_t pid)
{
	long long end = now_ms() + EXIT_CMD_WAIT_MS;
	for (;;) {
		struct signalfd_siginfo si;
		struct pollfd p = { shim.sig_fd, POLLIN, 0 };
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return;
		long long left = end - now_ms();
		if (left <= 0)
			return;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return;
		while (read(shim.sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
	}
}

/* Run --exit-command (if any, and no --exit-command-cancel file exists) and
 * wait for it, bounded. */
void exit_command_run(void)
{
	pid_t pid;
	if (!shim_opt.exit_argv)
		return;
	if (shim_opt.exit_cancel && faccessat(AT_FDCWD, shim_opt.exit_cancel, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return;
	pid = fork();
	if (pid < 0) {
		warn_errno("fork the exit command");
		return;
	}
	if (pid == 0)
		exit_child();
	exit_wait(pid);
}
