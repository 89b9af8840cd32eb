/* shim-prog.c - PROG's process under ctr-shim: its fds (pipes for 0, 1 and 2,
 * never the caller's files; the console socket as fd 3 with -t, the ready
 * pipe as fd N, --pass-fd's fd), fork and execvp, and whether the exec worked (a
 * close-on-exec pipe); reaping it, and with --container-pid-file adopting
 * the container's PID 1 once PROG exited 0. Before the loop: dies on the
 * shim's own failures; exec failures are reported and become 126/127
 * (lib/error.c, ctr_exec_code).
 */
#include "shim.h"
#include "error.h"
#include "exec.h"
#include "fdio.h"
#include "opt.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---------------------------------------------------------------- PROG */

/* The handled signals are at SIG_DFL already (signals_block) but blocked,
 * and the shim ignores SIGPIPE: the container must start with the defaults
 * and the caller's mask. */
static void child_signals_reset(void)
{
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &shim.old_mask, NULL);
}

__attribute__((noreturn))
static void child_fail(int ep, int step)
{
	struct exec_error e = { step, errno };
	if (write(ep, &e, sizeof(e)) < 0)
		_exit(EXIT_SELF);
	_exit(step ? EXIT_SELF : ctr_exec_code(e.err));
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
	if (c->ready >= 0 && dup2(c->ready, shim_opt.ready_fd) < 0)
		child_fail(ep, 1);
	/* --pass-fd N: the caller's fd, in place (N is neither 0-3 nor the ready fd) */
	if (shim_opt.pass_fd >= 0 && fcntl(shim_opt.pass_fd, F_SETFD, 0) < 0)
		child_fail(ep, 1);
	/* one of ctr's helpers (PROG in our own directory: nsenter-chroot)
	 * starts from a read-only overlayfs: it needs no sealed re-exec of its
	 * own. Its fds are close-on-exec; if it cannot be made, as usual */
	int sealed = exec_sealed_sibling(shim_opt.argv[0]);
	if (sealed >= 0)
		execveat(sealed, "", shim_opt.argv, environ, AT_EMPTY_PATH);
	execvp(shim_opt.argv[0], shim_opt.argv);
	child_fail(ep, 0);
}

/* Without a log, stdout and stderr need no label: when the shim's own 1 and
 * 2 are one file (a terminal, `2>&1`), PROG gets one pipe for both, so that
 * their order is kept as if it wrote there itself. */
static int streams_merged(void)
{
	if (shim_opt.log || shim_opt.detach)
		return 0;
	return same_file(1, 2) == 1;
}

/* PROG's stdio are pipes that the shim owns, never the caller's files: a
 * container could write to its input file or read and truncate its output
 * file through /proc/self/fd/N. The shim sees every byte of stdout and
 * stderr; stdin is fed from the shim's (foreground -i without -t), by an
 * attach client (-d -i without -t), or closed at once (EOF, as /dev/null).
 * With -t, one end of a socketpair becomes PROG's fd 3. */
void child_fds_make(struct child_fds *c)
{
	int p[2];
	pipe_open(p);
	shim_out.fd = p[0];
	c->out = p[1];
	if (streams_merged()) {
		c->err = fcntl(c->out, F_DUPFD_CLOEXEC, 3);
		if (c->err < 0)
			die_errno("dup stdout pipe");
	} else {
		pipe_open(p);
		shim_err.fd = p[0];
		c->err = p[1];
		nonblock(shim_err.fd);
	}
	nonblock(shim_out.fd);
	pipe_open(p);
	c->in = p[0];
	if (shim_opt.interactive && !shim_opt.tty) {
		shim.in_dst = p[1];
		nonblock(shim.in_dst);
		if (!shim_opt.detach)
			shim.in_src = 0;
	} else {
		close_fd(&p[1]);
	}
	c->ready = -1;
	if (shim_opt.ready_fd >= 0) {
		pipe_open(p);
		shim.prog_ready = p[0];
		/* above 3 and N, so that PROG's dup2()s onto 0-3 and N cannot clobber it */
		c->ready = fcntl(p[1], F_DUPFD_CLOEXEC, shim_opt.ready_fd + 1);
		if (c->ready < 0)
			die_errno("dup ready pipe");
		close(p[1]);
	}
	c->console = -1;
	if (shim_opt.tty) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			die_errno("socketpair");
		shim.console = sv[0];
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
	int len = snprintf(msg, sizeof(msg), "%s: %s %s: %s", ctr_prog, step, shim_opt.argv[0], strerror(e->err));
	errno = e->err;
	warn_errno("%s %s", step, shim_opt.argv[0]);
	log_record("stderr", 'F', msg, len < (int)sizeof(msg) ? (size_t)len : sizeof(msg) - 1);
}

/* Fork and exec PROG; a close-on-exec pipe tells whether the exec worked.
 * Returns 0, or the code PROG's child exits with when it did not. */
int prog_start(struct child_fds *c)
{
	struct exec_error e;
	ssize_t n;
	int ep[2];
	/* --container-pid-file: PROG's orphans, the container's PID 1 among
	 * them, are re-parented to us (not inherited across fork: set again in
	 * the daemon of foreground_leave) */
	if (shim_opt.container_pid_file && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		die_errno("set child subreaper");
	shim.adopting = shim_opt.container_pid_file != NULL;
	pipe_open(ep);
	shim.child = fork();
	if (shim.child < 0)
		die_errno("fork");
	if (shim.child == 0) {
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
	return e.step ? EXIT_SELF : ctr_exec_code(e.err);
}

/* --container-pid-file, PROG exited 0: the pid there is the container's
 * PID 1, re-parented to us by then (the kernel does it before PROG's exit
 * is reported). It must be our child (waitid, WNOWAIT: left to reap): a
 * stale file names some other process, never to be signalled; a child of
 * ours keeps its pid until we reap it. Its signals deferred meanwhile go
 * to it now. 0, or -1 (warned: the start failed). */
static int adopt(void)
{
	char buf[32] = "";
	const char *end;
	unsigned long pid = 0;
	siginfo_t si;
	int fd = open(shim_opt.container_pid_file, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read_full(fd, buf, sizeof(buf) - 1);
	close_fd(&fd);
	if (n < 0) {
		warn_errno("read %s", shim_opt.container_pid_file);
		return -1;
	}
	if (!parse_ulong(buf, INT_MAX, &pid, &end) || pid == 0 || (*end && strcmp(end, "\n") != 0)) {
		errno = EINVAL;
		warn_errno("%s: not a pid", shim_opt.container_pid_file);
		return -1;
	}
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
		warn_errno("%s: pid %lu is not the shim's child", shim_opt.container_pid_file, pid);
		return -1;
	}
	shim.child = (pid_t)pid;
	shim.adopting = 0;
	shim.adopted = 1;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&shim.deferred, sig) == 1 && kill(shim.child, sig) < 0)
			warn_errno("kill %d", (int)shim.child);
	sigemptyset(&shim.deferred);
	return 0;
}

/* Reap every child that exited: PROG (or the PID 1 it handed over) and, as
 * a child subreaper, orphans re-parented to us (pasta's daemon), ignored.
 * PROG's code, or PID 1's, is the code: its status, 128+N on signal N. */
void child_reap(void)
{
	int st;
	pid_t r;
	while ((r = waitpid(-1, &st, WNOHANG)) > 0) {
		if (r != shim.child || shim.reaped)
			continue;
		int code = ctr_status_code(st);
		if (shim.adopting && code == 0 && adopt() == 0)
			continue;  /* PID 1 may have exited already: the next waitpid */
		shim.reaped = 1;
		shim.code = shim.adopting && code == 0 ? EXIT_SELF : code;
		shim.adopting = 0;
	}
}

