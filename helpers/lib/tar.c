/* tar.c - the tar format of image layers.
 * Writer (tar_w_*): POSIX pax archives as the OCI image spec asks for: one
 * ustar header per entry, preceded by a pax extended header ('x') when a value
 * does not fit ustar (a name or link over 100 bytes, a size of 8 GiB or more,
 * ids over 2097151, a time out of range) or the entry has xattrs
 * (SCHILY.xattr.<name>, as GNU tar, Go's archive/tar and umoci write them).
 * Nothing of the host leaks in: no user or group names, no atime or ctime; the
 * same tree gives the same bytes. Output is buffered: tar_w_end flushes.
 * Reader (tar_r_*): ustar, pax ('x' per entry, 'g' skipped) and GNU ('L'/'K'
 * long names, base-256 numbers) headers; an entry's data is skipped by the
 * next call. Headers are checked (checksum, numbers, pax records); metadata
 * larger than TAR_META_MAX is refused (no unbounded allocation).
 */
#include "tar.h"
#include "fdio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const unsigned char zeros[TAR_BLOCK];

/* ---------------------------------------------------------------- writer */

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

/* ---------------------------------------------------------------- reader */

void tar_r_init(struct tar_r *r, int fd)
{
	r->fd = fd;
	r->pending = 0;
}

void xattrs_free(struct xattr *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

void tar_ent_free(struct tar_ent *t)
{
	free(t->name);
	free(t->link);
	xattrs_free(t->xattrs, t->nxattrs);
	memset(t, 0, sizeof(*t));
}

static int r_read(struct tar_r *r, void *buf, size_t n, struct ctr_err *e)
{
	ssize_t got = read_full(r->fd, buf, n);
	if (got < 0)
		return ctr_fail_errno(e, "read the archive");
	if ((size_t)got < n)
		return ctr_fail(e, 0, "the archive is truncated");
	return 0;
}

static int r_skip(struct tar_r *r, uint64_t n, struct ctr_err *e)
{
	char buf[1 << 16];
	while (n > 0) {
		size_t k = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		if (r_read(r, buf, k, e) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

static uint64_t padded(uint64_t n)
{
	return n + (TAR_BLOCK - n % TAR_BLOCK) % TAR_BLOCK;
}

/* A numeric field: octal (spaces and NULs around it) or GNU base-256. */
static int parse_num(const unsigned char *f, size_t w, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0;
	if (f[0] & 0x80) {
		if (f[0] & 0x40)
			return -1; /* negative */
		x = f[0] & 0x3f;
		for (i = 1; i < w; i++) {
			if (x >> 55)
				return -1;
			x = x << 8 | f[i];
		}
		*v = x;
		return 0;
	}
	while (i < w && (f[i] == ' ' || f[i] == 0))
		i++;
	for (; i < w && f[i] >= '0' && f[i] <= '7'; i++) {
		if (x >> 60)
			return -1;
		x = x * 8 + (uint64_t)(f[i] - '0');
	}
	for (; i < w; i++)
		if (f[i] != ' ' && f[i] != 0)
			return -1;
	*v = x;
	return 0;
}

/* The checksum, as unsigned bytes or (old writers) signed ones. */
static int checksum_ok(const unsigned char *b)
{
	uint64_t want;
	long u = 0, s = 0;
	if (parse_num(b + 148, 8, &want) < 0)
		return 0;
	for (size_t i = 0; i < TAR_BLOCK; i++) {
		unsigned char c = i >= 148 && i < 156 ? ' ' : b[i];
		u += c;
		s += (signed char)c;
	}
	return (long)want == u || (long)want == s;
}

static char *field_dup(const unsigned char *f, size_t w)
{
	return strndup((const char *)f, w);
}

/* What the headers before an entry said. */
struct meta {
	char *path, *link;
	uint64_t size;
	int has_size;
	struct xattr *xa;
	size_t nxa;
};

static void meta_free(struct meta *m)
{
	free(m->path);
	free(m->link);
	xattrs_free(m->xa, m->nxa);
	memset(m, 0, sizeof(*m));
}

/* A pax value as a string: no NUL inside. */
static int pax_str(char **dst, const char *v, size_t n)
{
	if (memchr(v, 0, n))
		return -1;
	char *s = strndup(v, n);
	if (!s)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

static int pax_key(struct meta *m, const char *k, size_t klen, const char *v, size_t vlen)
{
	static const char xp[] = "SCHILY.xattr.";
	if (klen == 4 && memcmp(k, "path", 4) == 0)
		return pax_str(&m->path, v, vlen);
	if (klen == 8 && memcmp(k, "linkpath", 8) == 0)
		return pax_str(&m->link, v, vlen);
	if (klen == 4 && memcmp(k, "size", 4) == 0) {
		uint64_t x = 0;
		if (vlen == 0 || vlen > 19)
			return -1;
		for (size_t i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -1;
			x = x * 10 + (uint64_t)(v[i] - '0');
		}
		m->size = x;
		m->has_size = 1;
		return 0;
	}
	if (klen > sizeof(xp) - 1 && memcmp(k, xp, sizeof(xp) - 1) == 0) {
		const char *name = k + sizeof(xp) - 1;
		size_t nlen = klen - (sizeof(xp) - 1);
		if (memchr(name, 0, nlen))
			return -1;
		struct xattr *xa = realloc(m->xa, (m->nxa + 1) * sizeof(*xa));
		if (!xa)
			return -1;
		m->xa = xa;
		xa[m->nxa].name = strndup(name, nlen);
		xa[m->nxa].value = malloc(vlen ? vlen : 1);
		xa[m->nxa].len = vlen;
		m->nxa++;
		if (!xa[m->nxa - 1].name || !xa[m->nxa - 1].value)
			return -1;
		memcpy(xa[m->nxa - 1].value, v, vlen);
	}
	return 0; /* other keys (mtime, uid, uname, GNU.sparse.*...) do not matter here */
}

/* Records "<len> <key>=<value>\n" of a pax header. */
static int pax_parse(struct meta *m, const char *p, size_t n, struct ctr_err *e)
{
	size_t off = 0;
	while (off < n) {
		size_t len = 0, i = off;
		while (i < n && p[i] >= '0' && p[i] <= '9' && len <= n) {
			len = len * 10 + (size_t)(p[i] - '0');
			i++;
		}
		if (i == off || i >= n || p[i] != ' ' || len > n - off || len < i - off + 3 ||
		    p[off + len - 1] != '\n')
			return ctr_fail(e, 0, "bad pax header record");
		const char *k = p + i + 1, *end = p + off + len - 1;
		const char *eq = memchr(k, '=', (size_t)(end - k));
		if (!eq || eq == k)
			return ctr_fail(e, 0, "bad pax header record");
		if (pax_key(m, k, (size_t)(eq - k), eq + 1, (size_t)(end - eq - 1)) < 0)
			return ctr_fail(e, 0, "bad pax header record '%.*s'", (int)(eq - k), k);
		off += len;
	}
	return 0;
}

/* Read the data of a metadata entry ('x', 'g', 'L', 'K'): at most TAR_META_MAX bytes. */
static char *meta_data(struct tar_r *r, uint64_t size, struct ctr_err *e)
{
	if (size > TAR_META_MAX) {
		ctr_fail(e, 0, "a tar metadata entry of %llu bytes (more than 1 MiB)", (unsigned long long)size);
		return NULL;
	}
	char *d = malloc((size_t)size + 1);
	if (!d) {
		ctr_fail(e, ENOMEM, "tar metadata");
		return NULL;
	}
	if (r_read(r, d, (size_t)size, e) < 0 || r_skip(r, padded(size) - size, e) < 0) {
		free(d);
		return NULL;
	}
	d[size] = 0;
	return d;
}

static int header_only(char type)
{
	return type == '1' || type == '2' || type == '3' || type == '4' || type == '5' || type == '6';
}

/* The next entry: 1, 0 at the end of the archive, -1 on error. The previous entry's data is skipped. */
int tar_r_next(struct tar_r *r, struct tar_ent *t, struct ctr_err *e)
{
	unsigned char b[TAR_BLOCK];
	struct meta m = { 0 };
	tar_ent_free(t);
	if (r_skip(r, r->pending, e) < 0)
		return -1;
	r->pending = 0;
	for (;;) {
		ssize_t n = read_full(r->fd, b, TAR_BLOCK);
		if (n < 0) {
			meta_free(&m);
			return ctr_fail_errno(e, "read the archive");
		}
		if (n == 0 || memcmp(b, zeros, TAR_BLOCK) == 0) {
			meta_free(&m);
			return 0;
		}
		uint64_t size;
		if (n < TAR_BLOCK || !checksum_ok(b) || parse_num(b + 124, 12, &size) < 0) {
			meta_free(&m);
			return ctr_fail(e, 0, n < TAR_BLOCK ? "the archive is truncated" : "bad tar header");
		}
		char type = (char)b[156];
		if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
			char *d = meta_data(r, size, e);
			int rc = d ? 0 : -1;
			if (d && type == 'x')
				rc = pax_parse(&m, d, (size_t)size, e);
			if (d && type == 'L') {
				free(m.path);
				m.path = strdup(d);
				rc = m.path ? 0 : ctr_fail(e, ENOMEM, "tar long name");
			}
			if (d && type == 'K') {
				free(m.link);
				m.link = strdup(d);
				rc = m.link ? 0 : ctr_fail(e, ENOMEM, "tar long name");
			}
			free(d);
			if (rc < 0) {
				meta_free(&m);
				return -1;
			}
			continue;
		}
		t->type = type ? type : '0';
		if (m.path) {
			t->name = m.path;
		} else if (memcmp(b + 257, "ustar", 6) == 0 && b[345]) {
			char *pre = field_dup(b + 345, 155), *nm = field_dup(b, 100);
			size_t len = pre && nm ? strlen(pre) + strlen(nm) + 2 : 0;
			t->name = len ? malloc(len) : NULL;
			if (t->name)
				snprintf(t->name, len, "%s/%s", pre, nm);
			free(pre);
			free(nm);
		} else {
			t->name = field_dup(b, 100);
		}
		t->link = m.link ? m.link : field_dup(b + 157, 100);
		m.path = m.link = NULL;
		t->size = m.has_size ? m.size : size;
		t->xattrs = m.xa;
		t->nxattrs = m.nxa;
		m.xa = NULL;
		m.nxa = 0;
		meta_free(&m);
		if (!t->name || !t->link) {
			tar_ent_free(t);
			return ctr_fail(e, ENOMEM, "tar header");
		}
		r->pending = header_only(t->type) ? 0 : padded(t->size);
		return 1;
	}
}
