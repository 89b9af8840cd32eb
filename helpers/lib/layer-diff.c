/* layer-diff.c - image layers as the OCI image spec has them: the difference of two trees.
 * layer_diff: the tar (tar-write.c) of what UPPER changes in LOWER, or of all
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
 * The walk's containers (sorted names, path, hard links) are in layer-walk.c.
 */
#include "layer.h"
#include "layer-walk.h"
#include "tar.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

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
