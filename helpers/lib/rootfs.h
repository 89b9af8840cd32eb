/* rootfs.h - the container's filesystem view (rootfs.c). */
#ifndef CTR_ROOTFS_H
#define CTR_ROOTFS_H

#include "spec.h"

#include <stdbool.h>

void root_private(void);
int rootfs_mount(const struct ctr_spec *s, int idmap_tree, int rootfs_fd);
void rootfs_run_mounts(const struct ctr_spec *s, int root, int sys_tree, bool sysctls);
void rootfs_pivot(int root);
void rootfs_finish(const struct ctr_spec *s);

/* The harmless host nodes bound into every /dev, and /dev's links. */
#define CTR_DEV_NODES 6
#define CTR_DEV_LINKS 5
extern const char *const ctr_dev_nodes[CTR_DEV_NODES];
extern const char *const ctr_dev_links[CTR_DEV_LINKS][2];

#endif
