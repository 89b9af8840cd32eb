/* layer.c - image layers as the OCI image spec has them.
 * layer_diff: the tar (tar.c's writer) of what UPPER changes in LOWER, or of all
 *   of UPPER. UPPER is made from a btrfs snapshot of LOWER, and a snapshot keeps
 *   every inode's number and ctime: an entry whose inode number, ctime, mtime,
 *   size, mode, owner and device are those of LOWER's entry is unchanged
 *   (every change of content, metadata, xattrs or links moves the ctime, which
 *   no one can set back). Everything else goes in: new and changed entries, a
 *   whiteout .wh.NAME for each entry removed (before its siblings, as the spec
 *   asks), and an opaque whiteout .wh..wh..opq in a directory that replaced
 *   LOWER's (another inode: removed and made again). Hard links among the
 *   entries are links; xattrs (file capabilities: security.capability) are pax
 *   records, security.selinux excepted (a label of the host). Names are sorted,
 *   entries are read through directory fds without following a symlink, and a
 *   name starting with .wh. is refused (it would be read as a deletion).
 *   KEEP: paths (relative, "etc/hosts") the layer leaves as LOWER has them,
 *   neither entry nor whiteout (what a runtime writes at run: not a change).
 *   Both trees must not change while they are read (read-only snapshots).
 * layer_xattrs: read a layer tar, write the plan of its xattrs: for each entry
 *   with xattrs (and a later entry of the same name without), its path in the
 *   extracted tree and the xattrs it must have. Names with a '..' component and
 *   whiteouts are left out.
 * layer_xattrs_apply: set a plan on the tree at / (run chrooted in it, in
 *   ctr's layer jail): each path's xattrs are replaced by the plan's.
 *   What cannot be set (trusted.*, a name the kernel refuses) is a warning.
 * Plan format: per entry, NUL-terminated fields: PATH, N, then N pairs NAME, HEX.
 */
#include "layer.h"
#include "fdio.h"
#include "tar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define WH ".wh."
#define WH_OPQ ".wh..wh..opq"
#define XATTR_LIST_MAX_ 65536

/* ---------------------------------------------------------------- small containers */

struct names {
	char **v;
	size_t n;
};

static void names_free(struct names *ns)
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
static int names_read(int dfd, struct names *ns, const char *what, struct ctr_err *e)
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

static int names_has(const struct names *ns, const char *name)
{
	return ns->n && bsearch(&name, ns->v, ns->n, sizeof(*ns->v), cmp_str) != NULL;
}

/* A relative path that grows and shrinks as the walk goes ("" for the root). */
struct path {
	char *p;
	size_t len, cap;
};

/* Append s as it is (raw) or, with sep, as a component ("/" before it unless at the root). */
static int path_add(struct path *p, const char *s, int sep)
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

static size_t path_mark(const struct path *p)
{
	return p->len;
}

static void path_back(struct path *p, size_t mark)
{
	p->len = mark;
	if (p->p)
		p->p[mark] = 0;
}

/* Inode numbers of the hard-linked files put so far, and the name each was put as. */
struct links {
	struct link {
		ino_t ino;
		char *name;
	} *v;
	size_t cap, n;
};

static struct link *links_slot(struct links *l, ino_t ino)
{
	size_t i = (size_t)(ino * 0x9E3779B97F4A7C15ull) & (l->cap - 1);
	while (l->v[i].name && l->v[i].ino != ino)
		i = (i + 1) & (l->cap - 1);
	return &l->v[i];
}

/* The name ino was put as, or NULL after recording it as name. */
static const char *links_seen(struct links *l, ino_t ino, const char *name, int *err)
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

static void links_free(struct links *l)
{
	for (size_t i = 0; i < l->cap; i++)
		free(l->v[i].name);
	free(l->v);
}

/* ---------------------------------------------------------------- the difference of two trees */

struct walk {
	struct tar_w *w;
	struct path path;
	struct links links;
	struct ctr_err *e;
	const char *upper;
	const char *const *keep; /* paths the layer leaves as LOWER has them */
	size_t nkeep;
	int depth;
};

/* The walk's path is one LOWER keeps: no entry, no whiteout for it. */
static int kept(const struct walk *k)
{
	for (size_t i = 0; i < k->nkeep; i++)
		if (strcmp(k->path.p, k->keep[i]) == 0)
			return 1;
	return 0;
}

static int cmp_xattr(const void *a, const void *b)
{
	return strcmp(((const struct xattr *)a)->name, ((const struct xattr *)b)->name);
}

/* The xattrs of NAME in the current directory (the walk's fchdir), sorted by name. */
static int xattrs_get(struct walk *k, const char *name, struct xattr **out, size_t *nout)
{
	char list[XATTR_LIST_MAX_];
	ssize_t len = llistxattr(name, list, sizeof(list));
	*out = NULL;
	*nout = 0;
	if (len < 0 && errno == ENOTSUP)
		return 0;
	if (len < 0)
		return ctr_fail_errno(k->e, "%s/%s: list xattrs", k->upper, k->path.p);
	for (char *n = list; n < list + len; n += strlen(n) + 1) {
		if (strcmp(n, "security.selinux") == 0)
			continue;
		ssize_t vl = lgetxattr(name, n, NULL, 0);
		char *v = vl >= 0 ? malloc((size_t)vl + 1) : NULL;
		if (v)
			vl = lgetxattr(name, n, v, (size_t)vl + 1);
		struct xattr *xa = v && vl >= 0 ? realloc(*out, (*nout + 1) * sizeof(*xa)) : NULL;
		if (!xa) {
			free(v);
			return ctr_fail_errno(k->e, "%s/%s: xattr %s", k->upper, k->path.p, n);
		}
		*out = xa;
		xa[*nout] = (struct xattr){ .name = strdup(n), .value = v, .len = (size_t)vl };
		if (!xa[(*nout)++].name)
			return ctr_fail(k->e, ENOMEM, "xattrs");
	}
	if (*nout > 1)
		qsort(*out, *nout, sizeof(**out), cmp_xattr);
	return 0;
}

/* The header of a whiteout NAME (.wh.X or the opaque one) in the current directory. */
static int put_whiteout(struct walk *k, const char *name, int64_t mtime)
{
	size_t mark = path_mark(&k->path);
	if (path_add(&k->path, name, 1) < 0)
		return ctr_fail(k->e, ENOMEM, "path");
	struct tar_hdr h = { .name = k->path.p, .type = '0', .mode = 0, .mtime = mtime };
	int r = tar_w_header(k->w, &h, k->e);
	path_back(&k->path, mark);
	return r;
}

/* Put one entry of UPPER: NAME in directory fd ud (the walk's path already names it). */
static int put_entry(struct walk *k, int ud, const char *name, const struct stat *st)
{
	struct tar_hdr h = {
		.name = k->path.p, .mode = st->st_mode & 07777, .uid = st->st_uid, .gid = st->st_gid,
		.mtime = st->st_mtim.tv_sec,
	};
	char *target = NULL;
	int fd = -1, r = -1;
	switch (st->st_mode & S_IFMT) {
	case S_IFREG: h.type = '0'; h.size = (uint64_t)st->st_size; break;
	case S_IFDIR: h.type = '5'; break;
	case S_IFLNK: h.type = '2'; break;
	case S_IFCHR: h.type = '3'; break;
	case S_IFBLK: h.type = '4'; break;
	case S_IFIFO: h.type = '6'; break;
	default:
		warn("%s/%s: a socket cannot be archived: left out", k->upper, k->path.p);
		return 0;
	}
	if (h.type == '3' || h.type == '4') {
		h.devmajor = major(st->st_rdev);
		h.devminor = minor(st->st_rdev);
	}
	if (h.type == '2') {
		size_t cap = (size_t)st->st_size + 1;
		if (!(target = malloc(cap)))
			return ctr_fail(k->e, ENOMEM, "symlink");
		ssize_t n = readlinkat(ud, name, target, cap);
		if (n < 0 || (size_t)n >= cap) {
			free(target);
			return ctr_fail(k->e, n < 0 ? errno : 0, "%s/%s: readlink%s", k->upper, k->path.p,
					n < 0 ? "" : ": it changed while read");
		}
		target[n] = 0;
		h.link = target;
	}
	if (h.type == '0' && st->st_nlink > 1) {
		int err;
		const char *first = links_seen(&k->links, st->st_ino, k->path.p, &err);
		if (err)
			return ctr_fail(k->e, err, "hard links");
		if (first) {
			h.type = '1';
			h.link = first;
			h.size = 0;
			return tar_w_header(k->w, &h, k->e);
		}
	}
	struct xattr *xa = NULL;
	size_t nxa = 0;
	if (xattrs_get(k, name, &xa, &nxa) < 0)
		goto out;
	h.xattrs = xa;
	h.nxattrs = nxa;
	if (h.type == '0') {
		struct stat fst;
		fd = openat(ud, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &fst) < 0) {
			ctr_fail_errno(k->e, "open %s/%s", k->upper, k->path.p);
			goto out;
		}
		if (fst.st_ino != st->st_ino || fst.st_size != st->st_size) {
			ctr_fail(k->e, 0, "%s/%s: it changed while read", k->upper, k->path.p);
			goto out;
		}
	}
	size_t mark = path_mark(&k->path);
	if (h.type == '5' && path_add(&k->path, "/", 0) < 0) {
		ctr_fail(k->e, ENOMEM, "path");
		goto out;
	}
	h.name = k->path.p;
	r = tar_w_header(k->w, &h, k->e);
	path_back(&k->path, mark);
	if (r == 0 && h.type == '0') {
		char what[64];
		snprintf(what, sizeof(what), "a file of %s", k->upper);
		r = tar_w_data(k->w, fd, h.size, what, k->e);
	}
out:
	if (fd >= 0)
		close(fd);
	free(target);
	xattrs_free(xa, nxa);
	return r;
}

/* The same entry in both trees (UPPER's made from a snapshot of LOWER's). */
static int same_entry(const struct stat *u, const struct stat *l)
{
	return u->st_ino == l->st_ino && u->st_mode == l->st_mode && u->st_uid == l->st_uid &&
	       u->st_gid == l->st_gid && u->st_size == l->st_size && u->st_rdev == l->st_rdev &&
	       u->st_mtim.tv_sec == l->st_mtim.tv_sec && u->st_mtim.tv_nsec == l->st_mtim.tv_nsec &&
	       u->st_ctim.tv_sec == l->st_ctim.tv_sec && u->st_ctim.tv_nsec == l->st_ctim.tv_nsec;
}

static int walk_dir(struct walk *k, int ud, int ld, const struct stat *ust);

/* A subdirectory NAME of ud: its own entry when new or changed, an opaque whiteout when it
 * replaced LOWER's, then what is in it. ld: LOWER's directory of the same path, or -1. */
static int walk_sub(struct walk *k, int ud, int ld, const char *name, const struct stat *su,
		    const struct stat *sl)
{
	int sub_ud = -1, sub_ld = -1, r = -1;
	int same_dir = sl && S_ISDIR(sl->st_mode) && sl->st_ino == su->st_ino;
	if ((!same_dir || !same_entry(su, sl)) && put_entry(k, ud, name, su) < 0)
		return -1;
	if (sl && S_ISDIR(sl->st_mode) && !same_dir && put_whiteout(k, WH_OPQ, su->st_mtim.tv_sec) < 0)
		return -1;
	sub_ud = openat(ud, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub_ud < 0)
		return ctr_fail_errno(k->e, "open %s/%s", k->upper, k->path.p);
	if (same_dir && (sub_ld = openat(ld, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		ctr_fail_errno(k->e, "open the lower %s", k->path.p);
		goto out;
	}
	r = walk_dir(k, sub_ud, sub_ld, su);
out:
	close(sub_ud);
	if (sub_ld >= 0)
		close(sub_ld);
	return r;
}

/* The entries of directory ud (the walk's path names it; "" for the root), against ld. */
static int walk_dir(struct walk *k, int ud, int ld, const struct stat *ust)
{
	struct names un = { 0 }, ln = { 0 };
	int r = -1;
	if (++k->depth > LAYER_DEPTH_MAX) {
		ctr_fail(k->e, 0, "%s/%s: more than %d directories deep", k->upper, k->path.p, LAYER_DEPTH_MAX);
		goto out;
	}
	if (names_read(ud, &un, k->upper, k->e) < 0 || (ld >= 0 && names_read(ld, &ln, "the lower tree", k->e) < 0))
		goto out;
	if (fchdir(ud) < 0) {
		ctr_fail_errno(k->e, "chdir %s/%s", k->upper, k->path.p);
		goto out;
	}
	for (size_t i = 0; i < ln.n; i++)
		if (!names_has(&un, ln.v[i])) {
			char wh[sizeof(WH) + 256];
			size_t mark = path_mark(&k->path);
			if (path_add(&k->path, ln.v[i], 1) < 0) {
				ctr_fail(k->e, ENOMEM, "path");
				goto out;
			}
			int keep = kept(k);
			path_back(&k->path, mark);
			if (keep)
				continue;
			snprintf(wh, sizeof(wh), "%s%s", WH, ln.v[i]);
			if (put_whiteout(k, wh, ust->st_mtim.tv_sec) < 0)
				goto out;
		}
	for (size_t i = 0; i < un.n; i++) {
		const char *name = un.v[i];
		struct stat su, sl;
		size_t mark = path_mark(&k->path);
		if (path_add(&k->path, name, 1) < 0) {
			ctr_fail(k->e, ENOMEM, "path");
			goto out;
		}
		if (kept(k)) {
			path_back(&k->path, mark);
			continue;
		}
		if (strncmp(name, WH, sizeof(WH) - 1) == 0) {
			ctr_fail(k->e, 0, "%s/%s: a name starting with .wh. cannot be in a layer (it means a deletion)",
				 k->upper, k->path.p);
			goto out;
		}
		if (fstatat(ud, name, &su, AT_SYMLINK_NOFOLLOW) < 0) {
			ctr_fail_errno(k->e, "stat %s/%s", k->upper, k->path.p);
			goto out;
		}
		int in_l = names_has(&ln, name) && fstatat(ld, name, &sl, AT_SYMLINK_NOFOLLOW) == 0;
		if (S_ISDIR(su.st_mode)) {
			if (walk_sub(k, ud, ld, name, &su, in_l ? &sl : NULL) < 0)
				goto out;
			if (fchdir(ud) < 0) {
				ctr_fail_errno(k->e, "chdir %s", k->upper);
				goto out;
			}
		} else if ((!in_l || !same_entry(&su, &sl)) && put_entry(k, ud, name, &su) < 0) {
			goto out;
		}
		path_back(&k->path, mark);
	}
	r = 0;
out:
	k->depth--;
	names_free(&un);
	names_free(&ln);
	return r;
}

int layer_diff(const char *lower, const char *upper, const char *const *keep, size_t nkeep, int out,
	       struct ctr_err *e)
{
	static struct tar_w w;
	struct walk k = { .w = &w, .e = e, .upper = upper, .keep = keep, .nkeep = lower ? nkeep : 0 };
	struct stat st;
	int ud = -1, ld = -1, r = -1;
	tar_w_init(&w, out);
	ud = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ud < 0 || fstat(ud, &st) < 0) {
		ctr_fail_errno(e, "open %s", upper);
		goto out;
	}
	if (lower && (ld = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		ctr_fail_errno(e, "open %s", lower);
		goto out;
	}
	if (path_add(&k.path, "", 0) < 0) {
		ctr_fail(e, ENOMEM, "path");
		goto out;
	}
	r = walk_dir(&k, ud, ld, &st);
	if (r == 0)
		r = tar_w_end(&w, e);
out:
	if (ud >= 0)
		close(ud);
	if (ld >= 0)
		close(ld);
	free(k.path.p);
	links_free(&k.links);
	return r;
}

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

int layer_xattrs(int in, int out, struct ctr_err *e)
{
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
