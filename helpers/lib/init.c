/* init.c - --init: a minimal PID 1 in the container. init_run forks PROG
 * (which execs through exec_prog), closes every fd > 2, forwards the signals of fwd to it, reaps
 * every zombie and exits with PROG's status. Child side, after seccomp and
 * setsid (the init has PROG's user, capabilities and filter): dies.
 * init_set_cmdline is main's: where the helper's argv strings are, to blank.
 */
#include "init.h"
#include "console.h"
#include "error.h"
#include "exec.h"
#include "fdio.h"
#include "fds.h"

#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static char *cmdline;       /* our argv strings, contiguous: /proc/PID/cmdline */
static size_t cmdline_len;

void init_set_cmdline(char *args, size_t len)
{
	cmdline = args;
	cmdline_len = len;
}

/* Reap every exited child; true with PROG's status once PROG is among them. */
static bool reap_all(pid_t prog, int *status)
{
	bool done = false;
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p < 0 && errno == EINTR)
			continue;
		if (p <= 0)
			return done;
		if (p == prog) {
			*status = st;
			done = true;
		}
	}
}

/* Name this process "init" in /proc/PID/comm and /proc/PID/cmdline: the helper's
 * own argv holds host paths (ROOTFS, cgroups, the pid file) that a process in the
 * container would otherwise read from /proc/1/cmdline. */
static void name_init(void)
{
	if (prctl(PR_SET_NAME, "init") < 0)
		die_errno("set name");
	if (cmdline && cmdline_len > sizeof("init")) {
		memset(cmdline, 0, cmdline_len);
		memcpy(cmdline, "init", sizeof("init"));
	}
}

/* PROG runs as our child (keep, or -1: an fd it holds to its execve, exec_prog);
 * signals (blocked since before clone, so none is
 * lost and the kernel's "init ignores unhandled signals" rule does not drop
 * them) are forwarded to PROG; orphans re-parented here are reaped; the exit
 * code is PROG's. */
void init_run(char **argv, char **envp, int console, const sigset_t *fwd, int ready, int keep)
{
	int status = 0;
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		die_errno("set child subreaper");
	pid_t prog = fork();
	if (prog < 0)
		die_errno("fork");
	if (prog == 0) {
		if (console >= 0)
			console_attach(console);
		exec_prog(argv, envp, ready, keep);
	}
	name_init();
	xclose(ready);
	xclose(console);
	/* it never execs: nothing left open by setup may stay in PID 1 */
	if (fds_close_except(NULL, 0) < 0)
		die_errno("close fds");
	for (;;) {
		siginfo_t si;
		if (sigwaitinfo(fwd, &si) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("sigwaitinfo");
		}
		if (si.si_signo != SIGCHLD)
			(void)kill(prog, si.si_signo);
		else if (reap_all(prog, &status))
			_exit(ctr_status_code(status));
	}
}
