/* prog.h - error helpers and exit codes of the small test programs
 * (images/progs/NAME.c, baked into the busybox image, and test/NAME.c). They are
 * standalone static binaries that run inside containers, so they share this
 * header rather than link the helpers' library (helpers/lib, libctr.a).
 *
 * Each program defines PROG (its name) before including this file, and
 * USAGE (its usage line) to get parse_num.
 * Exit codes follow docker/skarnet: 125 the helper's own failure,
 * 126 the command cannot be executed, 127 the command was not found.
 */
#ifndef CTR_PROG_H
#define CTR_PROG_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_SELF     125
#define EXIT_CANNOT   126
#define EXIT_NOTFOUND 127

/* verr: print "PROG: <message>" on stderr, then ": <strerror(err)>" unless
 * err is 0. die, die_errno and the test programs' own failures share it. */
__attribute__((format(printf, 2, 0), unused))
static void verr(int err, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", PROG);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

/* die: print "PROG: <message>" on stderr and exit 125. Never returns. */
__attribute__((noreturn, format(printf, 1, 2), unused))
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verr(0, fmt, ap);
	va_end(ap);
	_exit(EXIT_SELF);
}

/* die_errno: print "PROG: <step>: <strerror(errno)>" and exit 125. Never returns. */
__attribute__((noreturn, format(printf, 1, 2), unused))
static void die_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	verr(saved, fmt, ap);
	va_end(ap);
	_exit(EXIT_SELF);
}

#ifdef USAGE
/* parse_num: a decimal in [min, max], or die with the program's USAGE. */
__attribute__((unused))
static long parse_num(const char *s, long min, long max, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max)
		die("%s: invalid %s\n%s", s, what, USAGE);
	return v;
}
#endif

/* write_all: write all of buf to a blocking fd, retrying on EINTR and short
 * writes; 0, or -1 with errno set. */
__attribute__((unused))
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

#endif
