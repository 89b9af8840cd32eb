/* layer-walk.c - the containers of layer_diff's walk (layer-walk.h): the sorted
 * names of a directory (names_read, names_has), the relative path the walk is at
 * (path_add, path_mark, path_back), and the inode numbers of the hard-linked files
 * put so far with the name each was put as (links_seen).
 */
#include "layer-walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	ns->v = NULL;
	ns->n = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory fd dfd (without . and ..), sorted. */
int names_read(int dfd, struct names *ns, const char *what, struct ctr_err *e)
{
	size_t cap = 0;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return ctr_fail_errno(e, "open %s", what);
	}
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de)
			break;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (ns->n == cap) {
			cap = cap ? cap * 2 : 16;
			char **v = realloc(ns->v, cap * sizeof(*v));
			if (!v)
				break;
			ns->v = v;
		}
		if (!(ns->v[ns->n] = strdup(de->d_name)))
			break;
		ns->n++;
	}
	int err = errno;
	closedir(d);
	if (err) {
		names_free(ns);
		return ctr_fail(e, err, "read %s", what);
	}
	if (ns->n)
		qsort(ns->v, ns->n, sizeof(*ns->v), cmp_str);
	return 0;
}

int names_has(const struct names *ns, const char *name)
{
	return ns->n && bsearch(&name, ns->v, ns->n, sizeof(*ns->v), cmp_str) != NULL;
}

/* Append s as it is (raw) or, with sep, as a component ("/" before it unless at the root). */
int path_add(struct path *p, const char *s, int sep)
{
	size_t n = strlen(s), need = p->len + n + 2;
	if (need > p->cap) {
		size_t cap = p->cap ? p->cap : 256;
		while (cap < need)
			cap *= 2;
		char *q = realloc(p->p, cap);
		if (!q)
			return -1;
		p->p = q;
		p->cap = cap;
	}
	if (sep && p->len)
		p->p[p->len++] = '/';
	memcpy(p->p + p->len, s, n + 1);
	p->len += n;
	return 0;
}

size_t path_mark(const struct path *p)
{
	return p->len;
}

void path_back(struct path *p, size_t mark)
{
	p->len = mark;
	if (p->p)
		p->p[mark] = 0;
}

static struct link *links_slot(struct links *l, ino_t ino)
{
	size_t i = (size_t)(ino * 0x9E3779B97F4A7C15ull) & (l->cap - 1);
	while (l->v[i].name && l->v[i].ino != ino)
		i = (i + 1) & (l->cap - 1);
	return &l->v[i];
}

/* The name ino was put as, or NULL after recording it as name. */
const char *links_seen(struct links *l, ino_t ino, const char *name, int *err)
{
	*err = 0;
	if (2 * (l->n + 1) > l->cap) {
		struct links g = { .cap = l->cap ? l->cap * 2 : 64 };
		if (!(g.v = calloc(g.cap, sizeof(*g.v)))) {
			*err = ENOMEM;
			return NULL;
		}
		for (size_t i = 0; i < l->cap; i++)
			if (l->v[i].name)
				*links_slot(&g, l->v[i].ino) = l->v[i];
		free(l->v);
		l->v = g.v;
		l->cap = g.cap;
	}
	struct link *s = links_slot(l, ino);
	if (s->name)
		return s->name;
	if (!(s->name = strdup(name))) {
		*err = ENOMEM;
		return NULL;
	}
	s->ino = ino;
	l->n++;
	return NULL;
}

void links_free(struct links *l)
{
	for (size_t i = 0; i < l->cap; i++)
		free(l->v[i].name);
	free(l->v);
}
