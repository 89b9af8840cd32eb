/* tap.h - a tiny TAP producer for the unit tests of helpers/lib (test/unit/NAME.c,
 * built with ASan/UBSan and run by test/unit.bats): ok(cond, name...) prints
 * "ok N - name" or "not ok N - name" plus where; tap_done() prints the plan
 * and returns the exit status (1 if any failed). */
#ifndef CTR_TAP_H
#define CTR_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 4, 5)))
static void tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %d - ", pass ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		printf("#   failed at %s:%d\n", file, line);
		tap_failed++;
	}
	fflush(stdout);
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
__attribute__((unused))
static int str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

#define is_str(a, b, ...) ok(str_eq((a), (b)), __VA_ARGS__)

static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
