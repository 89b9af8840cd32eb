/* error.c - messages, errors with context, and exit codes.
 * Entry points: die/die_errno (never return: for main and the child after
 * clone only), ctr_fail* (fill a struct ctr_err and return -1: every
 * parent-side function), ctr_err_die (main's way out), ctr_exec_code and
 * ctr_status_code (the exit code conventions). Messages: "<prog>: <what>[: <strerror>]".
 */
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *ctr_prog = "ctr";

/* "<prog>: <message>" on stderr, then ": <strerror(err)>" unless err is 0. */
void ctr_verr(int err, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", ctr_prog);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ctr_verr(0, fmt, ap);
	va_end(ap);
	_exit(EXIT_SELF);
}

void die_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	ctr_verr(saved, fmt, ap);
	va_end(ap);
	_exit(EXIT_SELF);
}

/* A problem the caller carries on after. */
void warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ctr_verr(0, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 0)))
static int vfail(struct ctr_err *e, int errnum, const char *fmt, va_list ap)
{
	e->errnum = errnum;
	e->code = EXIT_SELF;
	e->hint = 0;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return -1;
}

/* Record what failed and why; returns -1 for `return ctr_fail(...)`. */
int ctr_fail(struct ctr_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(e, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int ctr_fail_errno(struct ctr_err *e, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vfail(e, saved, fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

/* Misuse of the command line: printed with a "(see <prog> --help)" hint. */
int ctr_misuse(struct ctr_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(e, 0, fmt, ap);
	va_end(ap);
	e->hint = 1;
	return -1;
}

void ctr_err_print(const struct ctr_err *e)
{
	fprintf(stderr, "%s: %s", ctr_prog, e->msg);
	if (e->errnum)
		fprintf(stderr, ": %s", strerror(e->errnum));
	if (e->hint)
		fprintf(stderr, " (see %s --help)", ctr_prog);
	fputc('\n', stderr);
}

void ctr_err_die(const struct ctr_err *e)
{
	ctr_err_print(e);
	_exit(e->code ? e->code : EXIT_SELF);
}

/* The exit code of a failed execve: 127 when there is nothing to run at
 * that path (ENOENT, and ENOTDIR: a component of the path is not a
 * directory, so no such file exists; the PATH search skips both alike, and
 * dash and busybox sh answer 127 too), 126 when something is there but
 * cannot be run (EACCES, ENOEXEC, ...). */
int ctr_exec_code(int err)
{
	return err == ENOENT || err == ENOTDIR ? EXIT_NOTFOUND : EXIT_CANNOT;
}

/* A wait status as a shell reports it: the exit code, or 128+N on signal N. */
int ctr_status_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
