/* forkbomb - a controlled fork bomb, to test process-count limits (--pids-limit).
 *
 * Usage: forkbomb [MAX]
 *   MAX  stop after MAX children (default 1000, so that it cannot hurt a host without a limit)
 * Forks children that only sleep, until fork() fails or MAX is reached; then prints
 *   forked N
 *   fork: <strerror>                      only when fork failed, e.g. "Resource temporarily unavailable"
 * on stdout, kills its children, waits for all of them, and exits.
 * The children also die if forkbomb itself is killed (PR_SET_PDEATHSIG), so nothing is left.
 * Exit: 0 (a failing fork is the expected result, not an error); 125 usage or setup error.
 */
#define PROG "forkbomb"
#include "prog.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define USAGE "usage: forkbomb [MAX]"

/* child: sleep until killed; die with the parent so that no child outlives forkbomb. */
static void child(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(1);
	if (getppid() != parent) /* the parent died before prctl took effect */
		_exit(0);
	for (;;)
		pause();
}

/* reap: kill the children and wait for every one of them. */
static void reap(const pid_t *pids, long n)
{
	for (long i = 0; i < n; i++) {
		if (kill(pids[i], SIGKILL) < 0)
			die_errno("kill %d", (int)pids[i]);
	}
	for (long i = 0; i < n; i++) {
		while (waitpid(pids[i], NULL, 0) < 0) {
			if (errno != EINTR)
				die_errno("waitpid %d", (int)pids[i]);
		}
	}
}

int main(int argc, char **argv)
{
	long max = 1000, n = 0;
	int fork_errno = 0;
	char *end;
	if (argc > 2)
		die("%s", USAGE);
	if (argc == 2) {
		errno = 0;
		max = strtol(argv[1], &end, 10);
		if (errno || end == argv[1] || *end != '\0' || max < 1 || max > 1000000)
			die("%s: invalid MAX (1 to 1000000)\n%s", argv[1], USAGE);
	}
	pid_t *pids = calloc((size_t)max, sizeof(*pids));
	if (pids == NULL)
		die_errno("calloc");
	pid_t self = getpid();
	fflush(stdout);
	while (n < max) {
		pid_t pid = fork();
		if (pid < 0) {
			fork_errno = errno;
			break;
		}
		if (pid == 0)
			child(self);
		pids[n++] = pid;
	}
	printf("forked %ld\n", n);
	if (fork_errno)
		printf("fork: %s\n", strerror(fork_errno));
	fflush(stdout);
	reap(pids, n);
	free(pids);
	return 0;
}
