/* shim-exited.c - ctr-shim's hand-off of the exit action to its caller
 * (--exited-fd N). The foreground caller (ctr.sh run) has everything it needs
 * loaded: it does the exit action itself, sooner and cheaper than a new
 * --exit-command process. The shim still answers for it if the caller dies.
 * Entry point: exited_handoff(code), after finish(), before the exit command:
 *   1. fork: the parent exits with PROG's code (the caller's wait returns);
 *   2. the child leaves the caller's session (stdio /dev/null, cwd /) and
 *      reads fd N: a byte 'd' (the caller did the exit action) and it exits
 *      without running the exit command; EOF or anything else (the caller was
 *      killed first) and it runs the exit command as without the option.
 * --exited-lock L: before 1, flock(L, LOCK_EX): the caller shares L's open
 * file description, so it holds that lock on return without a flock(1) of its
 * own; the child closes its copy first thing, with every fd it does not
 * need (the exit command it may run takes the same lock: the caller's end
 * and the parent's are closed by then).
 * Warns, never dies: PROG's code is the shim's whatever happens here.
 */
#include "shim.h"
#include "error.h"
#include "fds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

/* In the child: drop what ties it to the caller. Its stdout may be a pipe
 * the caller's reader waits on to end (`$(ctr.sh run ...)`); its session is
 * the caller's terminal's, whose hangup must not end it. */
static void exited_detach(void)
{
	if (setsid() < 0)
		warn_errno("setsid");
	stdio_detach();
}

/* The caller's answer: 1 for its 'd', 0 for EOF, an error or anything else. */
static int exited_answer(int fd)
{
	char b = 0;
	ssize_t n;
	do
		n = read(fd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		warn_errno("read --exited-fd");
	return n == 1 && b == 'd';
}

/* --exited-lock: take the caller's lock for it (blocking: the holders of
 * ctr's lock never wait for a shim). A failure only costs the caller its own
 * flock(1): it checks what it holds. */
static void exited_lock(void)
{
	int r;
	if (shim_opt.exited_lock < 0)
		return;
	do
		r = flock(shim_opt.exited_lock, LOCK_EX);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		warn_errno("flock --exited-lock %d", shim_opt.exited_lock);
}

/* Drop our copy of the lock's fd; UNLOCK: release the lock itself too (it is
 * the caller's no more: the exit command runs here and needs it). */
static void exited_unlock(int unlock)
{
	if (shim_opt.exited_lock < 0)
		return;
	if (unlock && flock(shim_opt.exited_lock, LOCK_UN) < 0)
		warn_errno("flock --exited-lock %d", shim_opt.exited_lock);
	close(shim_opt.exited_lock);
	shim_opt.exited_lock = -1;
}

/* In the child: nothing of the shim's but the answer's fd and the signalfd
 * (the exit command's wait): not the lock's copy (the exit command takes
 * that lock), the log, nor a fd held for the container's life. */
static void exited_keep_only(void)
{
	int keep[] = { shim_opt.exited_fd, shim.sig_fd };
	if (fds_close_except(keep, 2) < 0)
		warn_errno("close the shim's fds");
	shim_opt.exited_lock = -1;
}

/* PROG ended with CODE and no restart follows: hand the exit action to the
 * caller (foreground, --exited-fd). Returns 1 when the caller did it (the
 * exit command is not to run), 0 otherwise; the parent never returns. */
int exited_handoff(int code)
{
	pid_t pid;
	int done;
	if (shim_opt.exited_fd < 0 || shim_opt.detach) {
		exited_unlock(0);
		return 0;
	}
	exited_lock();
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		warn_errno("fork (exit action to the caller)");
		exited_unlock(1);
		return 0;
	}
	if (pid > 0)
		_exit(code);
	exited_keep_only();
	exited_detach();
	done = exited_answer(shim_opt.exited_fd);
	close(shim_opt.exited_fd);
	return done;
}
