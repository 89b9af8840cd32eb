/* error.h - messages, errors with context, and exit codes (error.c). */
#ifndef CTR_ERROR_H
#define CTR_ERROR_H

#include <errno.h>
#include <stdarg.h>

/* docker/skarnet: 125 ctr's own failure, 126 cannot execute, 127 not found. */
#define EXIT_SELF     125
#define EXIT_CANNOT   126
#define EXIT_NOTFOUND 127

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The name every message starts with; each main sets it first. */
extern const char *ctr_prog;

/* An error returned up the stack: what failed (with context), the errno
 * (0: none), the exit code main should use, and whether to add a usage hint. */
struct ctr_err {
	int errnum;
	int code;
	int hint;
	char msg[512];
};

__attribute__((format(printf, 2, 0)))
void ctr_verr(int err, const char *fmt, va_list ap);
__attribute__((noreturn, format(printf, 1, 2)))
void die(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2)))
void die_errno(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void warn(const char *fmt, ...);

__attribute__((format(printf, 3, 4)))
int ctr_fail(struct ctr_err *e, int errnum, const char *fmt, ...);
__attribute__((format(printf, 2, 3)))
int ctr_fail_errno(struct ctr_err *e, const char *fmt, ...);
__attribute__((format(printf, 2, 3)))
int ctr_misuse(struct ctr_err *e, const char *fmt, ...);
void ctr_err_print(const struct ctr_err *e);
__attribute__((noreturn))
void ctr_err_die(const struct ctr_err *e);

int ctr_exec_code(int err);
int ctr_status_code(int status);

#endif
