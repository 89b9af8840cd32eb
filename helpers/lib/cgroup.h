/* cgroup.h - joining cgroups (cgroup.c). */
#ifndef CTR_CGROUP_H
#define CTR_CGROUP_H

#include "error.h"
#include "spec.h"

int cgroup_birth_group(const struct ctr_spec *s, int *fd);
int cgroups_join(const struct ctr_spec *s, pid_t pid, int born, struct ctr_err *e);

#endif
