/* tar.h - the tar format of image layers: a writer of POSIX pax archives
 * (tar-write.c) and a reader of ustar, pax and GNU headers (tar-read.c). */
#ifndef CTR_TAR_H
#define CTR_TAR_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

#define TAR_BLOCK 512
/* The most metadata the reader takes into memory for one entry: its pax
 * headers and GNU long names together (consecutive headers add up: one
 * entry preceded by a thousand 1 MiB pax headers is refused, not kept). */
#define TAR_META_MAX (1u << 20)

/* One extended attribute: a name and a value of len bytes (binary). */
struct xattr {
	char *name;
	char *value;
	size_t len;
};

/* What a writer is given for one entry. */
struct tar_hdr {
	const char *name;          /* path in the archive; a directory's ends in '/' */
	const char *link;          /* hardlink or symlink target, else NULL */
	char type;                 /* '0' file, '1' hardlink, '2' symlink, '3' char, '4' block,
	                            * '5' directory, '6' fifo */
	unsigned mode;             /* permission, set-id and sticky bits (07777) */
	uint64_t uid, gid, size;
	int64_t mtime;
	unsigned devmajor, devminor;
	const struct xattr *xattrs;
	size_t nxattrs;
};

struct tar_w {
	int fd;
	size_t len;
	unsigned char buf[1 << 16];
};

void tar_w_init(struct tar_w *w, int fd);
int tar_w_header(struct tar_w *w, const struct tar_hdr *h, struct ctr_err *e);
int tar_w_data(struct tar_w *w, int fd, uint64_t size, const char *what, struct ctr_err *e);
int tar_w_end(struct tar_w *w, struct ctr_err *e);

/* What a reader finds: the entry's final name (pax path, GNU long name or
 * ustar prefix/name), link target, data size and pax xattrs (SCHILY.xattr.*). */
struct tar_ent {
	char type;
	char *name;
	char *link;
	uint64_t size;
	struct xattr *xattrs;
	size_t nxattrs;
};

struct tar_r {
	int fd;
	uint64_t pending;          /* data and padding of the last entry, not yet read */
};

void tar_r_init(struct tar_r *r, int fd);
int tar_r_next(struct tar_r *r, struct tar_ent *t, struct ctr_err *e);
void tar_ent_free(struct tar_ent *t);
void xattrs_free(struct xattr *v, size_t n);

#endif
