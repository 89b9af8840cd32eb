/* layer.h - image layers: the tar of what differs between two trees (layer-diff.c),
 * and the xattrs of a layer tar, taken out to be set on its extracted tree (layer-xattrs.c). */
#ifndef CTR_LAYER_H
#define CTR_LAYER_H

#include "error.h"

/* How deep a tree may be (each level holds two directory fds). */
#define LAYER_DEPTH_MAX 256

/* Whiteouts (an entry removed; a directory made again), and the largest xattr name list
 * read: shared by layer-diff.c and layer-xattrs.c. */
#define WH ".wh."
#define WH_OPQ ".wh..wh..opq"
#define XATTR_LIST_MAX_ 65536

#include <stddef.h>

/* KEEP (NKEEP paths, relative: "etc/hosts"): left as LOWER has them (no LOWER: none). */
int layer_diff(const char *lower, const char *upper, const char *const *keep, size_t nkeep, int out,
	       struct ctr_err *e);
int layer_xattrs(int in, int out, struct ctr_err *e);
int layer_xattrs_apply(int in, struct ctr_err *e);

#endif
