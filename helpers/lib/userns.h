/* userns.h - the user namespace: id maps, idmapped ROOTFS (userns.c). */
#ifndef CTR_USERNS_H
#define CTR_USERNS_H

#include "error.h"
#include "spec.h"

#define NEWUIDMAP "/usr/bin/newuidmap"
#define NEWGIDMAP "/usr/bin/newgidmap"

int userns_prepare(const struct ctr_spec *s, int *idmap_tree, int *sys_tree, struct ctr_err *e);
int userns_map(const struct ctr_spec *s, pid_t pid, struct ctr_err *e);
int userns_idmap_rootfs(int idmap_tree, pid_t pid, struct ctr_err *e);

#endif
