/* Unit tests of lib/tar-write.c and lib/tar-read.c (the pax writer and the tar reader) and
 * of the xattr plan of lib/layer-xattrs.c: round trips through a temporary file, and archives
 * made by hand that a reader must refuse (bad checksum, bad pax record, oversized metadata,
 * truncation). */
#include "tap.h"
#include "layer.h"
#include "tar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tmpfd(void)
{
	FILE *f = tmpfile();
	return f ? dup(fileno(f)) : -1;
}

static void rewind_fd(int fd)
{
	lseek(fd, 0, SEEK_SET);
}

/* A raw ustar header block with a correct checksum. */
static void raw_header(unsigned char *b, const char *name, char type, const char *size_field)
{
	unsigned sum = 0;
	memset(b, 0, TAR_BLOCK);
	memcpy(b, name, strlen(name));
	memcpy(b + 100, "0000644", 7);
	memcpy(b + 124, size_field, strlen(size_field) < 12 ? strlen(size_field) : 12);
	b[156] = (unsigned char)type;
	memcpy(b + 257, "ustar", 6);
	memcpy(b + 263, "00", 2);
	memset(b + 148, ' ', 8);
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += b[i];
	snprintf((char *)b + 148, 8, "%06o", sum);
}

static void put_block(int fd, const void *b, size_t n)
{
	unsigned char pad[TAR_BLOCK] = { 0 };
	if (write(fd, b, n) < 0 || (n % TAR_BLOCK && write(fd, pad, TAR_BLOCK - n % TAR_BLOCK) < 0))
		perror("write");
}

static void round_trip(void)
{
	struct ctr_err e = { 0 };
	static struct tar_w w;
	struct tar_r r;
	struct tar_ent t = { 0 };
	char longname[300], longlink[200];
	int fd = tmpfd();
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	memcpy(longname, "dir/", 4);
	memset(longlink, 'l', sizeof(longlink) - 1);
	longlink[sizeof(longlink) - 1] = 0;
	struct xattr xa[2] = {
		{ .name = "security.capability", .value = "\x01\0\0\x02\n=x", .len = 7 },
		{ .name = "user.k", .value = "v", .len = 1 },
	};
	tar_w_init(&w, fd);
	struct tar_hdr h1 = { .name = longname, .type = '0', .mode = 04755, .uid = 5000000, .gid = 7,
			      .size = 5, .mtime = 1700000000, .xattrs = xa, .nxattrs = 2 };
	int data = tmpfd();
	ok(write(data, "hello", 5) == 5, "data file");
	rewind_fd(data);
	ok(tar_w_header(&w, &h1, &e) == 0 && tar_w_data(&w, data, 5, "data", &e) == 0,
	   "a file with a long name, a large uid, binary xattrs");
	struct tar_hdr h2 = { .name = "s", .type = '2', .link = longlink, .mode = 0777, .mtime = -5 };
	ok(tar_w_header(&w, &h2, &e) == 0, "a symlink with a long target, a time before 1970");
	struct tar_hdr h3 = { .name = "h", .type = '1', .link = "s", .mode = 0644 };
	ok(tar_w_header(&w, &h3, &e) == 0, "a hard link");
	struct xattr bad = { .name = "user.a=b", .value = "", .len = 0 };
	struct tar_hdr h4 = { .name = "x", .type = '0', .xattrs = &bad, .nxattrs = 1 };
	ok(tar_w_header(&w, &h4, &e) == -1 && strstr(e.msg, "'user.a=b'"), "an xattr name with '=' is refused");
	ok(tar_w_end(&w, &e) == 0, "end");
	rewind_fd(fd);

	tar_r_init(&r, fd);
	ok(tar_r_next(&r, &t, &e) == 1, "entry 1 read");
	is_str(t.name, longname, "its long name (pax path)");
	ok(t.type == '0' && t.size == 5, "a file of 5 bytes");
	ok(t.nxattrs == 2 && str_eq(t.xattrs[0].name, "security.capability") && t.xattrs[0].len == 7 &&
	   memcmp(t.xattrs[0].value, "\x01\0\0\x02\n=x", 7) == 0 && str_eq(t.xattrs[1].name, "user.k"),
	   "its xattrs, binary value intact");
	ok(tar_r_next(&r, &t, &e) == 1 && t.type == '2' && str_eq(t.name, "s") && str_eq(t.link, longlink),
	   "entry 2: the data of entry 1 skipped; its long link (pax linkpath)");
	ok(tar_r_next(&r, &t, &e) == 1 && t.type == '1' && str_eq(t.link, "s") && t.nxattrs == 0,
	   "entry 3: a hard link, no xattrs carried over");
	ok(tar_r_next(&r, &t, &e) == 0, "the end");
	tar_ent_free(&t);
	close(fd);
	close(data);
}

static void gnu_and_base256(void)
{
	struct ctr_err e = { 0 };
	struct tar_r r;
	struct tar_ent t = { 0 };
	unsigned char b[TAR_BLOCK];
	int fd = tmpfd();
	raw_header(b, "././@LongLink", 'L', "00000000012");
	put_block(fd, b, TAR_BLOCK);
	put_block(fd, "gnu/long/nm", 10);
	/* a base-256 size: 0x80, then 11 bytes big-endian (= 3) */
	char size256[12] = { (char)0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3 };
	raw_header(b, "short", '0', "");
	memcpy(b + 124, size256, 12);
	memset(b + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += b[i];
	snprintf((char *)b + 148, 8, "%06o", sum);
	put_block(fd, b, TAR_BLOCK);
	put_block(fd, "abc", 3);
	raw_header(b, "next", '5', "00000000000");
	put_block(fd, b, TAR_BLOCK);
	rewind_fd(fd);
	tar_r_init(&r, fd);
	ok(tar_r_next(&r, &t, &e) == 1 && str_eq(t.name, "gnu/long/n") && t.size == 3,
	   "a GNU long name (its 10 bytes), a base-256 size");
	ok(tar_r_next(&r, &t, &e) == 1 && str_eq(t.name, "next") && t.type == '5', "the next entry after the data");
	ok(tar_r_next(&r, &t, &e) == 0, "EOF without end blocks is the end");
	tar_ent_free(&t);
	close(fd);
}

static void refused(void)
{
	struct ctr_err e = { 0 };
	struct tar_r r;
	struct tar_ent t = { 0 };
	unsigned char b[TAR_BLOCK];

	int fd = tmpfd();
	raw_header(b, "f", '0', "00000000000");
	b[0] = 'g'; /* after the checksum */
	put_block(fd, b, TAR_BLOCK);
	rewind_fd(fd);
	tar_r_init(&r, fd);
	ok(tar_r_next(&r, &t, &e) == -1 && strstr(e.msg, "bad tar header"), "a bad checksum is refused");
	close(fd);

	const char *recs[] = { "8 path=x\n", "30 path=x\n", "5 x\n", "8 =abc\n", "12 size=1x2\n" };
	for (size_t i = 0; i < NELEM(recs); i++) {
		char sz[24];
		fd = tmpfd();
		snprintf(sz, sizeof(sz), "%011zo", strlen(recs[i]));
		raw_header(b, "PaxHeaders/f", 'x', sz);
		put_block(fd, b, TAR_BLOCK);
		put_block(fd, recs[i], strlen(recs[i]));
		raw_header(b, "f", '0', "00000000000");
		put_block(fd, b, TAR_BLOCK);
		rewind_fd(fd);
		tar_r_init(&r, fd);
		ok(tar_r_next(&r, &t, &e) == -1 && strstr(e.msg, "pax header record"),
		   "a bad pax record is refused: '%.*s'", (int)strlen(recs[i]) - 1, recs[i]);
		close(fd);
	}

	fd = tmpfd();
	raw_header(b, "PaxHeaders/f", 'x', "10000000000"); /* 1 GiB */
	put_block(fd, b, TAR_BLOCK);
	rewind_fd(fd);
	tar_r_init(&r, fd);
	ok(tar_r_next(&r, &t, &e) == -1 && strstr(e.msg, "more than 1 MiB"), "metadata over 1 MiB is refused");
	close(fd);

	fd = tmpfd();
	raw_header(b, "f", '0', "00000001000");
	put_block(fd, b, TAR_BLOCK);
	raw_header(b, "g", '0', "00000000000");
	rewind_fd(fd);
	tar_r_init(&r, fd);
	ok(tar_r_next(&r, &t, &e) == 1, "an entry whose data is missing");
	ok(tar_r_next(&r, &t, &e) == -1 && strstr(e.msg, "truncated"), "then: truncated");
	tar_ent_free(&t);
	close(fd);
}

static void plan(void)
{
	struct ctr_err e = { 0 };
	static struct tar_w w;
	int in = tmpfd(), out = tmpfd();
	struct xattr xa = { .name = "user.k", .value = "\x00\xff", .len = 2 };
	struct xattr se = { .name = "security.selinux", .value = "l", .len = 1 };
	struct tar_hdr hs[] = {
		{ .name = "./a/b", .type = '0', .xattrs = &xa, .nxattrs = 1 },
		{ .name = "../x", .type = '0', .xattrs = &xa, .nxattrs = 1 },
		{ .name = "a/.wh.c", .type = '0', .xattrs = &xa, .nxattrs = 1 },
		{ .name = "d/", .type = '5', .xattrs = &se, .nxattrs = 1 },
		{ .name = "e", .type = '0' },
		{ .name = "/a/b", .type = '0' },
	};
	tar_w_init(&w, in);
	for (size_t i = 0; i < NELEM(hs); i++)
		tar_w_header(&w, &hs[i], &e);
	tar_w_end(&w, &e);
	rewind_fd(in);
	ok(layer_xattrs(in, out, &e) == 0, "a plan made");
	char buf[256];
	rewind_fd(out);
	ssize_t n = read(out, buf, sizeof(buf));
	static const char want[] = "/a/b\0" "1\0" "user.k\0" "00ff\0" "/a/b\0" "0\0";
	ok(n == (ssize_t)sizeof(want) - 1 && memcmp(buf, want, sizeof(want) - 1) == 0,
	   "a/b's xattrs, then a/b emptied by the later entry; nothing for .., whiteouts, selinux labels");
	close(in);
	close(out);
}

int main(void)
{
	round_trip();
	gnu_and_base256();
	refused();
	plan();
	return tap_done();
}
