/* fds.c - close every fd a process does not own, so that no fd of the
 * caller reaches a container (the CVE-2024-21626 class of leaks: a host
 * directory left open by the caller, walked through /proc/PID/fd/N/..).
 * Entry point: fds_close_except(keep, n): close every fd >= 3 not in keep.
 * Close-on-exec does not help a process that never execs (the --init PID 1)
 * or not yet (a helper between clone and exec): hence close, not CLOEXEC.
 * No state; returns -1 with errno, the caller decides (main and the child
 * after clone die).
 */
#include "fds.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool fds_kept(int fd, const int *keep, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (keep[i] == fd)
			return true;
	return false;
}

/* Without close_range(2) (a seccomp profile that refuses it with EPERM, a
 * kernel before 5.9): close() each fd that /proc/self/fd lists. Linux frees
 * the fd whatever close() returns, so its result says nothing to act on. */
static int fds_close_listed(const int *keep, size_t n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	if (!d)
		return -1;
	int self = dirfd(d);
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (end == e->d_name || *end != '\0' || fd < 3 || fd > INT_MAX || fd == self ||
		    fds_kept((int)fd, keep, n))
			continue;
		(void)close((int)fd);
		errno = 0;
	}
	int saved = errno;
	if (closedir(d) < 0 && saved == 0)
		saved = errno;
	errno = saved;
	return saved ? -1 : 0;
}

/* Close every fd >= 3 except those in keep (any order, repeats allowed;
 * entries below 3 mean nothing): close_range(2) on each gap between kept
 * fds. 0, or -1 with errno. */
int fds_close_except(const int *keep, size_t n)
{
	unsigned int lo = 3;
	for (;;) {
		unsigned int next = UINT_MAX; /* the lowest kept fd >= lo */
		for (size_t i = 0; i < n; i++)
			if (keep[i] >= 0 && (unsigned int)keep[i] >= lo && (unsigned int)keep[i] < next)
				next = (unsigned int)keep[i];
		if (next > lo && syscall(SYS_close_range, lo, next - 1, 0U) < 0)
			return errno == ENOSYS || errno == EPERM ? fds_close_listed(keep, n) : -1;
		if (next == UINT_MAX)
			return 0;
		lo = next + 1;
	}
}
