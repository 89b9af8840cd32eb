/* tar-write.c - the tar format of image layers: the writer (tar.h).
 * tar_w_*: POSIX pax archives as the OCI image spec asks for: one
 * ustar header per entry, preceded by a pax extended header ('x') when a value
 * does not fit ustar (a name or link over 100 bytes, a size of 8 GiB or more,
 * ids over 2097151, a time out of range) or the entry has xattrs
 * (SCHILY.xattr.<name>, as GNU tar, Go's archive/tar and umoci write them).
 * Nothing of the host leaks in: no user or group names, no atime or ctime; the
 * same tree gives the same bytes. Output is buffered: tar_w_end flushes.
 */
#include "tar.h"
#include "fdio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const unsigned char zeros[TAR_BLOCK];

void tar_w_init(struct tar_w *w, int fd)
{
	w->fd = fd;
	w->len = 0;
}

static int w_flush(struct tar_w *w, struct ctr_err *e)
{
	if (w->len > 0 && write_all(w->fd, w->buf, w->len) < 0)
		return ctr_fail_errno(e, "write the archive");
	w->len = 0;
	return 0;
}

static int w_put(struct tar_w *w, const void *p, size_t n, struct ctr_err *e)
{
	if (n > sizeof(w->buf) - w->len && w_flush(w, e) < 0)
		return -1;
	if (n > sizeof(w->buf)) {
		if (write_all(w->fd, p, n) < 0)
			return ctr_fail_errno(e, "write the archive");
		return 0;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

/* The zeros that round size up to a whole block. */
static int w_pad(struct tar_w *w, uint64_t size, struct ctr_err *e)
{
	size_t r = (size_t)(size % TAR_BLOCK);
	return r ? w_put(w, zeros, TAR_BLOCK - r, e) : 0;
}

/* A value fits an octal field of width bytes (width - 1 digits and a NUL). */
static int oct_fits(uint64_t v, size_t width)
{
	return v < (uint64_t)1 << (3 * (width - 1));
}

static void put_oct(unsigned char *f, size_t width, uint64_t v)
{
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "%0*llo", (int)(width - 1), (unsigned long long)v);
	memcpy(f, tmp, width);
}

/* The part of s that fits a field of width bytes (NUL-padded, not terminated when full). */
static void put_str(unsigned char *f, size_t width, const char *s)
{
	size_t n = strlen(s);
	memcpy(f, s, n < width ? n : width);
}

/* One ustar header block; values that do not fit are already in a pax header (then 0). */
static int w_block(struct tar_w *w, const char *name, char type, unsigned mode, uint64_t uid,
		   uint64_t gid, uint64_t size, int64_t mtime, const char *link,
		   unsigned maj, unsigned min, struct ctr_err *e)
{
	unsigned char b[TAR_BLOCK] = { 0 };
	unsigned sum = 0;
	put_str(b, 100, name);
	put_oct(b + 100, 8, mode & 07777);
	put_oct(b + 108, 8, oct_fits(uid, 8) ? uid : 0);
	put_oct(b + 116, 8, oct_fits(gid, 8) ? gid : 0);
	put_oct(b + 124, 12, oct_fits(size, 12) ? size : 0);
	put_oct(b + 136, 12, mtime >= 0 && oct_fits((uint64_t)mtime, 12) ? (uint64_t)mtime : 0);
	b[156] = (unsigned char)type;
	if (link)
		put_str(b + 157, 100, link);
	memcpy(b + 257, "ustar", 6);
	memcpy(b + 263, "00", 2);
	put_oct(b + 329, 8, oct_fits(maj, 8) ? maj : 0);
	put_oct(b + 337, 8, oct_fits(min, 8) ? min : 0);
	memset(b + 148, ' ', 8);
	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += b[i];
	char tmp[8];
	snprintf(tmp, sizeof(tmp), "%06o", sum);
	memcpy(b + 148, tmp, 7); /* six digits, NUL, and the space already there */
	return w_put(w, b, TAR_BLOCK, e);
}

/* A growing buffer for pax records. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static int sb_add(struct sbuf *b, const void *p, size_t n)
{
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 256;
		while (n > cap - b->len)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (!q)
			return -1;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

/* "<len> <key>=<value>\n", len counting itself (its digits decide it). */
static int pax_rec(struct sbuf *b, const char *k1, const char *k2, const char *v, size_t vlen)
{
	size_t rest = strlen(k1) + strlen(k2) + vlen + 3, len = rest + 1;
	char num[24];
	for (;;) {
		size_t d = (size_t)snprintf(num, sizeof(num), "%zu", len);
		if (d + rest == len)
			break;
		len = d + rest;
	}
	snprintf(num, sizeof(num), "%zu ", len);
	if (sb_add(b, num, strlen(num)) < 0 || sb_add(b, k1, strlen(k1)) < 0 ||
	    sb_add(b, k2, strlen(k2)) < 0 || sb_add(b, "=", 1) < 0 || sb_add(b, v, vlen) < 0 ||
	    sb_add(b, "\n", 1) < 0)
		return -1;
	return 0;
}

static int pax_num(struct sbuf *b, const char *key, long long v)
{
	char num[24];
	snprintf(num, sizeof(num), "%lld", v);
	return pax_rec(b, key, "", num, strlen(num));
}

/* The pax records h needs (none: len 0). */
static int pax_build(struct sbuf *b, const struct tar_hdr *h, struct ctr_err *e)
{
	int r = 0;
	if (strlen(h->name) > 100)
		r |= pax_rec(b, "path", "", h->name, strlen(h->name));
	if (h->link && strlen(h->link) > 100)
		r |= pax_rec(b, "linkpath", "", h->link, strlen(h->link));
	if (!oct_fits(h->size, 12))
		r |= pax_num(b, "size", (long long)h->size);
	if (!oct_fits(h->uid, 8))
		r |= pax_num(b, "uid", (long long)h->uid);
	if (!oct_fits(h->gid, 8))
		r |= pax_num(b, "gid", (long long)h->gid);
	if (h->mtime < 0 || !oct_fits((uint64_t)h->mtime, 12))
		r |= pax_num(b, "mtime", (long long)h->mtime);
	for (size_t i = 0; i < h->nxattrs; i++) {
		const struct xattr *x = &h->xattrs[i];
		if (!*x->name || strchr(x->name, '='))
			return ctr_fail(e, 0, "%s: xattr '%s': a name with '=' cannot be archived",
					h->name, x->name);
		r |= pax_rec(b, "SCHILY.xattr.", x->name, x->value, x->len);
	}
	return r ? ctr_fail(e, ENOMEM, "%s: pax header", h->name) : 0;
}

int tar_w_header(struct tar_w *w, const struct tar_hdr *h, struct ctr_err *e)
{
	struct sbuf pax = { 0 };
	int r = pax_build(&pax, h, e);
	if (r == 0 && pax.len > 0) {
		/* its own name: PaxHeaders/ and the entry's last component, cut to fit */
		char pname[101];
		size_t n = strlen(h->name), s;
		while (n > 1 && h->name[n - 1] == '/')
			n--;
		for (s = n; s > 0 && h->name[s - 1] != '/'; s--)
			;
		const char *base = h->name + s;
		n -= s;
		snprintf(pname, sizeof(pname), "PaxHeaders/%.*s", (int)(n < 89 ? n : 89), base);
		r = w_block(w, pname, 'x', 0644, 0, 0, pax.len, h->mtime, NULL, 0, 0, e);
		if (r == 0)
			r = w_put(w, pax.p, pax.len, e);
		if (r == 0)
			r = w_pad(w, pax.len, e);
	}
	free(pax.p);
	if (r < 0)
		return -1;
	return w_block(w, h->name, h->type, h->mode, h->uid, h->gid, h->size, h->mtime, h->link,
		       h->devmajor, h->devminor, e);
}

/* Copy size bytes of fd (what names it in errors) as the entry's data, padded. */
int tar_w_data(struct tar_w *w, int fd, uint64_t size, const char *what, struct ctr_err *e)
{
	uint64_t left = size;
	while (left > 0) {
		if (w->len == sizeof(w->buf) && w_flush(w, e) < 0)
			return -1;
		size_t room = sizeof(w->buf) - w->len;
		ssize_t n = read(fd, w->buf + w->len, left < room ? (size_t)left : room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ctr_fail_errno(e, "read %s", what);
		if (n == 0)
			return ctr_fail(e, 0, "read %s: %llu bytes short (it changed while read)", what,
					(unsigned long long)left);
		w->len += (size_t)n;
		left -= (uint64_t)n;
	}
	return w_pad(w, size, e);
}

int tar_w_end(struct tar_w *w, struct ctr_err *e)
{
	if (w_put(w, zeros, TAR_BLOCK, e) < 0 || w_put(w, zeros, TAR_BLOCK, e) < 0)
		return -1;
	return w_flush(w, e);
}
