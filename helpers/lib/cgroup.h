/* cgroup.h - joining cgroups, and the OOM score (cgroup.c). */
#ifndef CTR_CGROUP_H
#define CTR_CGROUP_H

#include "error.h"
#include "spec.h"

int cgroup_birth_group(const struct ctr_spec *s, int *fd);
int cgroups_self_open(const struct ctr_spec *s, int *fds, struct ctr_err *e);
void cgroups_join_self(const struct ctr_spec *s, int *fds);
int cgroups_join(const struct ctr_spec *s, pid_t pid, int born, const int *self, struct ctr_err *e);
int oom_score_adj_write(const struct ctr_spec *s, pid_t pid, struct ctr_err *e);

#endif
