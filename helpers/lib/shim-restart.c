/* shim-restart.c - ctr-shim's restart policy (--restart, docker's). Once
 * PROG is reaped and its exit recorded, restart_next() decides whether PROG
 * runs again: `always` and `unless-stopped` always, `on-failure[:N]` after a
 * non-zero code, at most N times (0: no maximum); never once the policy is
 * cancelled: the --restart-cancel file exists (ctr.sh stop, kill, rm -f write
 * it, as docker's stop and kill end the policy) or its directory was removed
 * (rm). Then a foreground shim becomes a daemon (its caller gets PROG's first
 * code, as `docker run` does) and the back-off is waited out: 100 ms, doubled
 * at each restart up to 1 min, back to 100 ms after a run of 10 s or more
 * (docker's restartmanager); shim_run starts PROG again with the same argv.
 * --restart-file holds `<restarts> <state>` for ctr.sh (ps, inspect), state
 * `running`, `restarting` (waiting out the back-off) or `exited` (no more).
 * Before PROG runs it dies; afterwards it warns and carries on.
 */
#include "shim.h"
#include "error.h"
#include "fdio.h"
#include "opt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS   60000
#define BACKOFF_RESET_MS 10000 /* a run this long starts the back-off again */

static struct {
	unsigned long count;     /* restarts so far */
	long long backoff_ms;    /* the last back-off, 0 none yet */
	long long run_start_ms;  /* when the current run of PROG started */
	int file_dir, cancel_dir;
	const char *file_base, *cancel_base;
} R = { .file_dir = -1, .cancel_dir = -1 };

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* POLICY: no | always | unless-stopped | on-failure[:N]. Returns -1 when it
 * is none of them. */
int restart_parse(const char *arg)
{
	const char *n;
	if (strcmp(arg, "no") == 0)
		shim_opt.restart = RESTART_NO;
	else if (strcmp(arg, "always") == 0)
		shim_opt.restart = RESTART_ALWAYS;
	else if (strcmp(arg, "unless-stopped") == 0)
		shim_opt.restart = RESTART_UNLESS_STOPPED;
	else if (strncmp(arg, "on-failure", 10) == 0 && (arg[10] == '\0' || arg[10] == ':')) {
		shim_opt.restart = RESTART_ON_FAILURE;
		shim_opt.restart_max = 0;
		n = arg + 10;
		if (*n == ':' && !parse_ulong(n + 1, 1000000000UL, &shim_opt.restart_max, NULL))
			return -1;
	} else
		return -1;
	return 0;
}

/* `<restarts> <state>` in --restart-file, replaced atomically. */
static void record(const char *state)
{
	char text[64];
	if (R.file_dir < 0)
		return;
	snprintf(text, sizeof(text), "%lu %s\n", R.count, state);
	if (write_atomic(R.file_dir, R.file_base, text) < 0)
		warn_errno("write %s", shim_opt.restart_file);
}

/* Before PROG's first run: open the files' directories (they are replaced
 * with *at() calls, which work after the daemon's chdir("/")). */
void restart_init(void)
{
	if (shim_opt.restart == RESTART_NO)
		return;
	if (shim_opt.restart_file)
		R.file_dir = parent_dir(shim_opt.restart_file, &R.file_base);
	if (shim_opt.restart_cancel)
		R.cancel_dir = parent_dir(shim_opt.restart_cancel, &R.cancel_base);
	record("running");
	R.run_start_ms = now_ms();
}

/* The user ended the policy: the cancel file exists, or the directory that
 * would hold it was removed (rm: nothing is left to run). */
static int cancelled(void)
{
	struct stat st;
	if (R.cancel_dir < 0)
		return 0;
	if (fstat(R.cancel_dir, &st) < 0 || st.st_nlink == 0)
		return 1;
	return faccessat(R.cancel_dir, R.cancel_base, F_OK, 0) == 0;
}

/* docker's decision, and its back-off for the next run. */
static int wanted(int code, long long ran_ms)
{
	if (cancelled())
		return 0;
	if (ran_ms >= BACKOFF_RESET_MS)
		R.backoff_ms = 0;
	R.backoff_ms = R.backoff_ms == 0 ? BACKOFF_FIRST_MS : R.backoff_ms * 2;
	if (R.backoff_ms > BACKOFF_MAX_MS)
		R.backoff_ms = BACKOFF_MAX_MS;
	switch (shim_opt.restart) {
	case RESTART_ALWAYS:
	case RESTART_UNLESS_STOPPED:
		return 1;
	case RESTART_ON_FAILURE:
		return code != 0 && (shim_opt.restart_max == 0 || R.count < shim_opt.restart_max);
	default:
		return 0;
	}
}

/* Wait out the back-off on the signalfd: a signal (ctr.sh stop sends the
 * shim SIGTERM once the cancel file is there) wakes it to look again. Stray
 * children (none expected) are reaped. Returns 0 once cancelled. */
static int backoff_wait(long long ms)
{
	long long end = now_ms() + ms;
	for (;;) {
		struct signalfd_siginfo si;
		struct pollfd p = { shim.sig_fd, POLLIN, 0 };
		long long left = end - now_ms();
		if (cancelled())
			return 0;
		if (left <= 0)
			return 1;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
			warn_errno("poll");
			return 0;
		}
		while (read(shim.sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			if (si.ssi_signo == SIGCHLD)
				while (waitpid(-1, NULL, WNOHANG) > 0)
					;
	}
}

/* PROG ended with CODE (its exit file written): 1 when it is to run again,
 * after the back-off (a foreground shim is a daemon by then); 0 when the
 * policy says no more, or was cancelled meanwhile. */
int restart_next(int code)
{
	if (shim_opt.restart == RESTART_NO)
		return 0;
	if (!wanted(code, now_ms() - R.run_start_ms)) {
		record("exited");
		return 0;
	}
	R.count++;
	record("restarting");
	if (!shim_opt.detach)
		foreground_leave(code);
	if (!backoff_wait(R.backoff_ms)) {
		record("exited");
		return 0;
	}
	return 1;
}

/* PROG runs again (shim_run waited for --ready-fd): the last exit is over.
 * The exit file goes first: until the state says running, ctr.sh takes the
 * container for restarting. */
void restart_running(void)
{
	if (shim.exit_dir >= 0 && unlinkat(shim.exit_dir, shim.exit_base, 0) < 0 && errno != ENOENT)
		warn_errno("unlink %s", shim_opt.exit_file);
	record("running");
	R.run_start_ms = now_ms();
}
