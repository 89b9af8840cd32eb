/* rootfs.h - the container's filesystem view (rootfs.c). */
#ifndef CTR_ROOTFS_H
#define CTR_ROOTFS_H

#include "spec.h"

void root_private(void);
int rootfs_mount(const struct ctr_spec *s, int idmap_tree, int rootfs_fd);
void rootfs_run_mounts(const struct ctr_spec *s, int root, int sys_tree);
void rootfs_pivot(int root);
void rootfs_finish(const struct ctr_spec *s);

#endif
