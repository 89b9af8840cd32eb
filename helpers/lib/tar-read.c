/* tar-read.c - the tar format of image layers: the reader (tar.h).
 * tar_r_*: ustar, pax ('x' per entry, 'g' skipped) and GNU ('L'/'K'
 * long names, base-256 numbers) headers; an entry's data is skipped by the
 * next call. Headers are checked (checksum, numbers, pax records); an entry
 * whose metadata headers add up to more than TAR_META_MAX is refused (no
 * unbounded allocation, however many headers come before it).
 */
#include "tar.h"
#include "fdio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const unsigned char zeros[TAR_BLOCK];

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
	uint64_t meta_bytes = 0; /* of this entry's metadata headers so far */
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
			meta_bytes += size;
			if (meta_bytes > TAR_META_MAX) {
				meta_free(&m);
				return ctr_fail(e, 0, "more than 1 MiB of tar metadata (pax headers, long names) for one entry");
			}
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
