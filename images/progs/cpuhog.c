/* cpuhog - burn CPU on some threads and report how much CPU time we were given.
 *
 * Usage: cpuhog [SECONDS] [THREADS]
 *   SECONDS  how long to run, may be fractional (default 0: until SIGTERM or SIGINT)
 *   THREADS  busy-looping threads (default 1)
 * Output (stdout) at the end, one line: "cpu_ms=N wall_ms=N" (cpu = user + system time of
 * all threads, from getrusage), so a test can compare the two against a CPU limit.
 * SIGTERM/SIGINT end the run early, and the line is still printed (also as PID 1).
 * Exit: 0 done or stopped by SIGTERM/SIGINT; 125 usage or setup error.
 */
#define PROG "cpuhog"
#include "prog.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <time.h>

#define USAGE "usage: cpuhog [SECONDS] [THREADS]"
#define MAX_THREADS 1024

static atomic_int stop;

static void *burn(void *arg)
{
	volatile unsigned long n = 0;
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		n++;
	return NULL;
}

static long long now_ms(clockid_t clock)
{
	struct timespec ts;
	if (clock_gettime(clock, &ts) < 0)
		die_errno("clock_gettime");
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* wait_for_end: sleep SECONDS (0: forever) or until SIGTERM/SIGINT. The signals are blocked
 * in every thread and taken here with sigtimedwait, so no thread can swallow them, and they
 * reach us even as PID 1 (a blocked signal is queued, not dropped as an unhandled one). */
static void wait_for_end(const sigset_t *set, double secs)
{
	struct timespec ts = { .tv_sec = (time_t)secs,
			       .tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9) };
	for (;;) {
		int sig = secs > 0 ? sigtimedwait(set, NULL, &ts) : sigwaitinfo(set, NULL);
		if (sig > 0 || (sig < 0 && errno == EAGAIN))
			return;
		if (errno != EINTR)
			die_errno("sigwait");
	}
}

int main(int argc, char **argv)
{
	double secs = 0;
	long threads = 1;
	char *end;
	pthread_t tids[MAX_THREADS];
	sigset_t set;
	struct rusage ru;
	if (argc > 3)
		die("%s", USAGE);
	if (argc > 1) {
		secs = strtod(argv[1], &end);
		if (end == argv[1] || *end != '\0' || !(secs >= 0 && secs < 1e9))
			die("%s: invalid seconds\n%s", argv[1], USAGE);
	}
	if (argc > 2) {
		threads = strtol(argv[2], &end, 10);
		if (end == argv[2] || *end != '\0' || threads < 1 || threads > MAX_THREADS)
			die("%s: invalid thread count (1 to %d)\n%s", argv[2], MAX_THREADS, USAGE);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die_errno("sigprocmask");
	long long start = now_ms(CLOCK_MONOTONIC);
	for (long i = 0; i < threads; i++) {
		int err = pthread_create(&tids[i], NULL, burn, NULL);
		if (err)
			die("pthread_create: %s", strerror(err));
	}
	wait_for_end(&set, secs);
	atomic_store(&stop, 1);
	for (long i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	long long wall = now_ms(CLOCK_MONOTONIC) - start;
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		die_errno("getrusage");
	long long cpu = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	printf("cpu_ms=%lld wall_ms=%lld\n", cpu, wall);
	return 0;
}
