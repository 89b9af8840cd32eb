/* layer-xattrs.c - a layer's xattrs, taken out of its tar to be set on its extracted tree.
 * layer_xattrs: read a layer tar, write the plan of its xattrs: for each entry
 *   with xattrs (and a later entry of the same name without), its path in the
 *   extracted tree and the xattrs it must have. Names with a '..' component and
 *   whiteouts are left out.
 * layer_xattrs_apply: set a plan on the tree at / (run chrooted in it, in
 *   ctr's layer jail): each path's xattrs are replaced by the plan's.
 *   What cannot be set (trusted.*, a name the kernel refuses) is a warning.
 * Plan format: per entry, NUL-terminated fields: PATH, N, then N pairs NAME, HEX.
 * Bounded: a layer whose planned paths, names and values add up to more than
 * LAYER_XATTRS_MAX is refused (the set of paths is kept in memory, and the
 * plan written to the pool: a gzip of repeated headers is ~1000 times smaller
 * than what it would make them hold).
 */
#include "layer.h"
#include "tar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---------------------------------------------------------------- a layer's xattrs */

/* NAME as a path in the extracted tree: leading / and ./ dropped, trailing / too; NULL for
 * a name with a .. component (the extractor rewrites those: no xattr goes anywhere else). */
static char *plan_path(const char *name)
{
	while (*name == '/' || (name[0] == '.' && name[1] == '/'))
		name += *name == '/' ? 1 : 2;
	size_t n = strlen(name);
	while (n > 0 && name[n - 1] == '/')
		n--;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && name[j] != '/')
			j++;
		if (j - i == 2 && name[i] == '.' && name[i + 1] == '.')
			return NULL;
		i = j + 1;
	}
	char *p = malloc(n + 2);
	if (p) {
		p[0] = '/';
		memcpy(p + 1, name, n);
		p[n + 1] = 0;
		if (n == 0)
			strcpy(p, "/");
	}
	return p;
}

static int is_whiteout(const char *path)
{
	const char *b = strrchr(path, '/');
	return strncmp(b ? b + 1 : path, WH, sizeof(WH) - 1) == 0;
}

static int plan_put(FILE *f, const char *s, size_t n)
{
	return fwrite(s, 1, n, f) == n && fputc(0, f) != EOF ? 0 : -1;
}

static int plan_entry(FILE *f, const char *path, const struct tar_ent *t)
{
	char num[24];
	int r = plan_put(f, path, strlen(path));
	snprintf(num, sizeof(num), "%zu", t->nxattrs);
	r |= plan_put(f, num, strlen(num));
	for (size_t i = 0; i < t->nxattrs && r == 0; i++) {
		const struct xattr *x = &t->xattrs[i];
		r |= plan_put(f, x->name, strlen(x->name));
		for (size_t j = 0; j < x->len && r == 0; j++)
			r |= fprintf(f, "%02x", (unsigned char)x->value[j]) == 2 ? 0 : -1;
		r |= fputc(0, f) == EOF ? -1 : 0;
	}
	return r;
}

/* A set of strings (the paths given xattrs so far): open addressing, FNV-1a. */
struct strset {
	char **v;
	size_t cap, n;
};

static char **strset_slot(const struct strset *ss, const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	size_t i = (size_t)h & (ss->cap - 1);
	while (ss->v[i] && strcmp(ss->v[i], s) != 0)
		i = (i + 1) & (ss->cap - 1);
	return &ss->v[i];
}

static int strset_has(const struct strset *ss, const char *s)
{
	return ss->cap && *strset_slot(ss, s);
}

/* Add s (taken over: freed with the set). */
static int strset_add(struct strset *ss, char *s)
{
	if (2 * (ss->n + 1) > ss->cap) {
		struct strset g = { .cap = ss->cap ? 2 * ss->cap : 64 };
		if (!(g.v = calloc(g.cap, sizeof(*g.v))))
			return -1;
		for (size_t i = 0; i < ss->cap; i++)
			if (ss->v[i])
				*strset_slot(&g, ss->v[i]) = ss->v[i];
		free(ss->v);
		*ss = (struct strset){ .v = g.v, .cap = g.cap, .n = ss->n };
	}
	*strset_slot(ss, s) = s;
	ss->n++;
	return 0;
}

static void strset_free(struct strset *ss)
{
	for (size_t i = 0; i < ss->cap; i++)
		free(ss->v[i]);
	free(ss->v);
}

/* Drop security.selinux (a label of the writer's host; never set). */
static void drop_selinux(struct tar_ent *t)
{
	size_t j = 0;
	for (size_t i = 0; i < t->nxattrs; i++) {
		if (strcmp(t->xattrs[i].name, "security.selinux") == 0) {
			free(t->xattrs[i].name);
			free(t->xattrs[i].value);
		} else {
			t->xattrs[j++] = t->xattrs[i];
		}
	}
	t->nxattrs = j;
}

/* Real layers carry a few capabilities, or a label per file (dropped): KiBs. */
#define LAYER_XATTRS_MAX (64u << 20)

/* The bytes an entry adds to the plan (its path, each name and value). */
static uint64_t plan_bytes(const char *path, const struct tar_ent *t)
{
	uint64_t n = strlen(path);
	for (size_t i = 0; i < t->nxattrs; i++)
		n += strlen(t->xattrs[i].name) + t->xattrs[i].len;
	return n;
}

int layer_xattrs(int in, int out, struct ctr_err *e)
{
	uint64_t total = 0;
	struct tar_r rd;
	struct tar_ent t = { 0 };
	struct strset seen = { 0 };
	int r, fd = dup(out);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return ctr_fail_errno(e, "plan");
	}
	tar_r_init(&rd, in);
	while ((r = tar_r_next(&rd, &t, e)) == 1) {
		char *p = plan_path(t.name);
		drop_selinux(&t);
		if (!p || is_whiteout(p) || (t.nxattrs == 0 && !strset_has(&seen, p))) {
			free(p);
			continue;
		}
		total += plan_bytes(p, &t);
		if (total > LAYER_XATTRS_MAX) {
			free(p);
			r = ctr_fail(e, 0, "the layer's xattrs and their paths take more than 64 MiB");
			break;
		}
		if (plan_entry(f, p, &t) < 0) {
			free(p);
			r = ctr_fail_errno(e, "write the plan");
			break;
		}
		if (strset_has(&seen, p)) {
			free(p);
		} else if (strset_add(&seen, p) < 0) {
			free(p);
			r = ctr_fail(e, ENOMEM, "plan");
			break;
		}
	}
	tar_ent_free(&t);
	strset_free(&seen);
	if (fclose(f) != 0 && r == 0)
		r = ctr_fail_errno(e, "write the plan");
	if (r < 0)
		return -1;
	/* the rest of the input (the end blocks, any padding): a writer into a pipe must not fail */
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
	return n < 0 ? ctr_fail_errno(e, "read the archive") : 0;
}

/* ---------------------------------------------------------------- setting a plan */

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The plan's next field (NUL-terminated) into *buf; 0 at the end of the plan. */
static ssize_t plan_field(FILE *f, char **buf, size_t *cap, struct ctr_err *e)
{
	ssize_t n = getdelim(buf, cap, 0, f);
	if (n < 0)
		return ferror(f) ? ctr_fail_errno(e, "read the plan") : 0;
	if ((*buf)[n - 1] != 0)
		return ctr_fail(e, 0, "the plan is truncated");
	return n;
}

/* Give PATH exactly the xattrs XA: remove the others (security.selinux aside), set these. */
static void xattrs_set(const char *path, const struct xattr *xa, size_t n)
{
	char list[XATTR_LIST_MAX_];
	ssize_t len = llistxattr(path, list, sizeof(list));
	if (len < 0 && errno != ENOTSUP && errno != ENODATA) {
		warn("%s: cannot list its xattrs: %s", path, strerror(errno));
		return;
	}
	for (char *p = list; len > 0 && p < list + len; p += strlen(p) + 1) {
		size_t i = 0;
		while (i < n && strcmp(xa[i].name, p) != 0)
			i++;
		if (i == n && strcmp(p, "security.selinux") != 0 && lremovexattr(path, p) < 0)
			warn("%s: cannot remove xattr %s: %s", path, p, strerror(errno));
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(xa[i].name, "security.selinux") != 0 &&
		    lsetxattr(path, xa[i].name, xa[i].value, xa[i].len, 0) < 0)
			warn("%s: cannot set xattr %s: %s", path, xa[i].name, strerror(errno));
}

/* One xattr of the plan: NAME, then its value in hex. */
static int plan_xattr(FILE *f, char **buf, size_t *cap, struct xattr *x, struct ctr_err *e)
{
	ssize_t n = plan_field(f, buf, cap, e);
	if (n <= 0 || !(x->name = strdup(*buf)))
		return -1;
	if ((n = plan_field(f, buf, cap, e)) <= 0)
		return -1;
	size_t hl = (size_t)n - 1;
	if (hl % 2 || !(x->value = malloc(hl / 2 + 1)))
		return -1;
	for (size_t j = 0; j < hl; j += 2) {
		int hi = hexval((*buf)[j]), lo = hexval((*buf)[j + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		x->value[j / 2] = (char)(hi << 4 | lo);
	}
	x->len = hl / 2;
	return 0;
}

int layer_xattrs_apply(int in, struct ctr_err *e)
{
	char *buf = NULL, *path = NULL;
	size_t cap = 0;
	int r = -1, fd = dup(in);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return ctr_fail_errno(e, "plan");
	}
	e->msg[0] = 0;
	for (;;) {
		ssize_t n = plan_field(f, &buf, &cap, e);
		if (n <= 0) {
			r = (int)n;
			break;
		}
		free(path);
		if (!(path = strdup(buf)) || plan_field(f, &buf, &cap, e) <= 0)
			break;
		char *end;
		unsigned long cnt = strtoul(buf, &end, 10), i;
		struct xattr *xa = *end || end == buf || cnt > 4096 ? NULL : calloc(cnt + 1, sizeof(*xa));
		if (!xa)
			break;
		for (i = 0; i < cnt && plan_xattr(f, &buf, &cap, &xa[i], e) == 0; i++)
			;
		if (i == cnt)
			xattrs_set(path, xa, cnt);
		xattrs_free(xa, cnt);
		if (i < cnt)
			break;
	}
	if (r < 0 && e->msg[0] == 0)
		ctr_fail(e, 0, "the plan is not valid");
	free(path);
	free(buf);
	fclose(f);
	return r;
}
