/* cgroup.h - joining cgroups (cgroup.c). */
#ifndef CTR_CGROUP_H
#define CTR_CGROUP_H

#include "error.h"
#include "spec.h"

int cgroups_join(const struct ctr_spec *s, pid_t pid, struct ctr_err *e);

#endif
