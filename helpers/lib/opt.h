/* opt.h - command-line options as data (opt.c). */
#ifndef CTR_OPT_H
#define CTR_OPT_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* One option: the single table a program keeps, from which getopt's long
 * options, its short-option string and the usage text are all made. */
struct ctr_opt {
	const char *name;   /* long name, without -- */
	int id;             /* getopt's value: the short letter, or >= 256 */
	const char *arg;    /* argument's name in the usage ("PATH"), NULL: a flag */
	const char *help;   /* one line of usage; NULL: not listed */
};

#define CTR_OPT_MAX 48

/* The table turned into what getopt_long takes. */
struct ctr_getopt {
	struct option longopts[CTR_OPT_MAX + 1];
	char shortopts[2 * CTR_OPT_MAX + 2];
};

int ctr_opt_build(const struct ctr_opt *t, struct ctr_getopt *g);
void ctr_opt_usage(FILE *f, const struct ctr_opt *t);
bool parse_ulong(const char *s, unsigned long max, unsigned long *v, const char **end);

#endif
