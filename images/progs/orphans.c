/* orphans - make orphaned processes, to test that a container's PID 1 reaps zombies.
 *
 * Usage: orphans N
 * Forks N children; each forks a grandchild, prints "child <pid> forked <grandchild pid>"
 * and exits at once. Each grandchild waits until
 * it has been reparented (to PID 1, or to the nearest subreaper), prints
 *   grandchild <pid> reparented to <ppid>
 * and exits: only its new parent can reap it. orphans waits for its direct children only
 * (by pid, so grandchildren coming back to it as PID 1 are left alone), then prints "orphaned N" and exits. The grandchildren are gone about 10 ms later, and
 * a PID 1 that does not reap leaves N zombies.
 * Exit: 0 all children ran; 1 a child failed to fork its grandchild; 125 usage or setup error.
 */
#define PROG "orphans"
#include "prog.h"

#include <sys/wait.h>
#include <time.h>

#define USAGE "usage: orphans N"

/* grandchild: wait (at most 2 s) for our parent to exit, so that we exit as an orphan. */
static void grandchild(pid_t parent)
{
	struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	for (int i = 0; i < 200 && getppid() == parent; i++)
		nanosleep(&tick, NULL);
	printf("grandchild %d reparented to %d\n", (int)getpid(), (int)getppid());
	fflush(stdout);
	_exit(0);
}

/* child: fork the grandchild and exit at once, orphaning it. */
static void child(void)
{
	pid_t self = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork grandchild: %s\n", PROG, strerror(errno));
		_exit(1);
	}
	if (pid == 0)
		grandchild(self);
	printf("child %d forked %d\n", (int)self, (int)pid);
	fflush(stdout);
	_exit(0);
}

int main(int argc, char **argv)
{
	char *end;
	int status, failed = 0;
	if (argc != 2)
		die("%s", USAGE);
	errno = 0;
	long n = strtol(argv[1], &end, 10);
	if (errno || end == argv[1] || *end != '\0' || n < 1 || n > 10000)
		die("%s: invalid N (1 to 10000)\n%s", argv[1], USAGE);
	pid_t *pids = calloc((size_t)n, sizeof(*pids));
	if (pids == NULL)
		die_errno("calloc");
	fflush(stdout);
	for (long i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die_errno("fork");
		if (pids[i] == 0)
			child();
	}
	/* wait for the direct children by pid: if we are PID 1 (or a subreaper) the
	 * grandchildren come back to us, and they are not ours to count */
	for (long i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) < 0)
			die_errno("waitpid %d", (int)pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	}
	free(pids);
	printf("orphaned %ld\n", n);
	return failed;
}
