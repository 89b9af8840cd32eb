/* opt.c - command-line options as data: a program keeps ONE table of
 * struct ctr_opt (name, letter, argument, help line); ctr_opt_build makes
 * getopt_long's long options and "+..." short string from it (the "+": parsing
 * stops at the first operand, PROG's words are never ours), ctr_opt_usage
 * prints the option lines of the help text. Also the number parser the
 * option parsers share. No state.
 */
#include "opt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Fill g from the table t (ended by a NULL name); -1 if t is too long. */
int ctr_opt_build(const struct ctr_opt *t, struct ctr_getopt *g)
{
	size_t n = 0, s = 0;
	memset(g, 0, sizeof(*g));
	g->shortopts[s++] = '+';
	for (; t->name; t++, n++) {
		if (n == CTR_OPT_MAX)
			return -1;
		g->longopts[n] = (struct option){ t->name, t->arg ? required_argument : no_argument,
		                                  NULL, t->id };
		if (t->id < 256) {
			g->shortopts[s++] = (char)t->id;
			if (t->arg)
				g->shortopts[s++] = ':';
		}
	}
	return 0;
}

/* "  -n, --netns PATH     help": the name column is 21 wide, as
 * util-linux's usage texts; a longer one pushes its help one space right. */
void ctr_opt_usage(FILE *f, const struct ctr_opt *t)
{
	for (; t->name; t++) {
		char col[64];
		if (!t->help)
			continue;
		snprintf(col, sizeof(col), "%c%c%c --%s%s%s", t->id < 256 ? '-' : ' ',
			 t->id < 256 ? t->id : ' ', t->id < 256 ? ',' : ' ', t->name,
			 t->arg ? " " : "", t->arg ? t->arg : "");
		fprintf(f, "  %-20s %s\n", col + 0, t->help);
	}
}

/* A decimal number in [0, max], digits only (no sign, no space); *end gets
 * the rest when end is given, else the whole string must be the number. */
bool parse_ulong(const char *s, unsigned long max, unsigned long *v, const char **end)
{
	char *e;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoul(s, &e, 10);
	if (errno || *v > max || (!end && *e))
		return false;
	if (end)
		*end = e;
	return true;
}
