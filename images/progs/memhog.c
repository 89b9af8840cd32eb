/* memhog - allocate memory and touch every page of it, to test memory limits.
 *
 * Usage: memhog MIB [--step MIB]
 *   MIB          mebibytes to allocate in total
 *   --step MIB   allocate and touch this much at a time (default 10)
 * Output (stdout, flushed at each step): "allocated N MiB" after each step, "done N MiB" at the end.
 * Every page is written, so the memory is really charged to our cgroup, not only reserved.
 * Exit: 0 all allocated; 1 malloc failed ("memhog: malloc ...: Cannot allocate memory");
 *       125 usage error. Killed by the OOM killer it dies of SIGKILL (137 in a shell),
 *       so a test can tell the kernel's limit from an allocation failure.
 */
#define PROG "memhog"
#include "prog.h"

#include <stdint.h>

#define USAGE "usage: memhog MIB [--step MIB]"
#define MIB (1024L * 1024L)

static long parse_mib(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < 1 || v > INT32_MAX / 2)
		die("%s: invalid size in MiB\n%s", s, USAGE);
	return v;
}

/* touch: write one byte in every page; volatile so the stores cannot be optimized away. */
static void touch(char *p, size_t len, size_t page)
{
	volatile char *v = p;
	for (size_t off = 0; off < len; off += page)
		v[off] = 1;
}

int main(int argc, char **argv)
{
	long total, step = 10, done = 0;
	if (argc == 2) {
		total = parse_mib(argv[1]);
	} else if (argc == 4 && strcmp(argv[2], "--step") == 0) {
		total = parse_mib(argv[1]);
		step = parse_mib(argv[3]);
	} else {
		die("%s", USAGE);
	}
	long page = sysconf(_SC_PAGESIZE);
	if (page < 0)
		die_errno("sysconf _SC_PAGESIZE");
	while (done < total) {
		long n = total - done < step ? total - done : step;
		/* the blocks are never freed: holding them is the point */
		char *p = malloc((size_t)(n * MIB));
		if (p == NULL) {
			fprintf(stderr, "%s: malloc %ld MiB after %ld MiB: %s\n", PROG, n, done, strerror(errno));
			return 1;
		}
		touch(p, (size_t)(n * MIB), (size_t)page);
		done += n;
		printf("allocated %ld MiB\n", done);
		fflush(stdout);
	}
	printf("done %ld MiB\n", done);
	return 0;
}
