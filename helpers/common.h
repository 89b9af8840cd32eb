/* common.h - error helpers and exit codes shared by ctr's C helpers.
 *
 * Each helper defines PROG (its name) before including this file.
 * Exit codes follow docker/skarnet: 125 the helper's own failure,
 * 126 the command cannot be executed, 127 the command was not found.
 */
#ifndef CTR_COMMON_H
#define CTR_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_SELF     125
#define EXIT_CANNOT   126
#define EXIT_NOTFOUND 127

/* die: print "PROG: <message>" on stderr and exit 125. Never returns. */
__attribute__((noreturn, format(printf, 1, 2), unused))
static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(EXIT_SELF);
}

/* die_errno: print "PROG: <step>: <strerror(errno)>" and exit 125. Never returns. */
__attribute__((noreturn, format(printf, 1, 2), unused))
static void die_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
	_exit(EXIT_SELF);
}

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
