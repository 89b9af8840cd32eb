/* layer-walk.h - what layer_diff's walk keeps (layer-walk.c): a directory's
 * names sorted, the relative path the walk is at, the hard links put so far.
 * Internal to layer-diff.c. */
#ifndef CTR_LAYER_WALK_H
#define CTR_LAYER_WALK_H

#include "error.h"

#include <stddef.h>
#include <sys/types.h>

struct names {
	char **v;
	size_t n;
};

void names_free(struct names *ns);
/* The names in directory fd dfd (without . and ..), sorted. */
int names_read(int dfd, struct names *ns, const char *what, struct ctr_err *e);
int names_has(const struct names *ns, const char *name);

/* A relative path that grows and shrinks as the walk goes ("" for the root). */
struct path {
	char *p;
	size_t len, cap;
};

/* Append s as it is (raw) or, with sep, as a component ("/" before it unless at the root). */
int path_add(struct path *p, const char *s, int sep);
size_t path_mark(const struct path *p);
void path_back(struct path *p, size_t mark);

/* Inode numbers of the hard-linked files put so far, and the name each was put as. */
struct links {
	struct link {
		ino_t ino;
		char *name;
	} *v;
	size_t cap, n;
};

/* The name ino was put as, or NULL after recording it as name. */
const char *links_seen(struct links *l, ino_t ino, const char *name, int *err);
void links_free(struct links *l);

#endif
