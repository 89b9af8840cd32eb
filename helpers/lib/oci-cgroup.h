/* oci-cgroup.h - the cgroup layout of this host and an OCI container's
 * groups (oci-cgroup.c), its resources (oci-resources.c; blockIO,
 * hugepageLimits and unified: oci-resfiles.c), its device rules
 * (oci-devrules.c). */
#ifndef CTR_OCI_CGROUP_H
#define CTR_OCI_CGROUP_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

#define CG_MAX 16

enum cg_mode { CG_V1 = 1, CG_HYBRID, CG_V2 };

/* Every hierarchy: v1 ones by their options ("cpu,cpuacct", "name=systemd"),
 * and the cgroup2 mount (unified: /sys/fs/cgroup on v2, .../unified on hybrid). */
struct cg_layout {
	enum cg_mode mode;
	size_t n;
	struct { char opts[64]; char mnt[PATH_MAX]; } v1[CG_MAX];
	char unified[PATH_MAX];  /* "" when none */
};

/* A container's groups: one directory per hierarchy (v1), plus the unified one. */
struct cg_groups {
	struct cg_layout l;
	size_t n;
	struct { char opts[64]; char dir[PATH_MAX]; size_t mntlen; } g[CG_MAX];
	char unified[PATH_MAX];  /* "" when not used */
};

int cg_layout(struct cg_layout *l, struct ctr_err *e);
const char *cg_mode_name(enum cg_mode m);
int cg_groups(struct cg_groups *g, const char *path, struct ctr_err *e);
void cg_existing(struct cg_groups *g);
const char *cg_dir(const struct cg_groups *g, const char *controller);
int cg_create(const struct cg_groups *g, struct ctr_err *e);
int cg_enable(const struct cg_groups *g, const char *ctrl);
int cg_remove(const struct cg_groups *g, struct ctr_err *e);
int cg_procs(const struct cg_groups *g, pid_t **pids, size_t *n, struct ctr_err *e);
int cg_freeze(const struct cg_groups *g, bool frozen, struct ctr_err *e);
int cg_frozen(const struct cg_groups *g);
int cg_resources(const struct cg_groups *g, json_object *res, bool dry, struct ctr_err *e);
struct oj;
int cg_resource_files(const struct cg_groups *g, const struct oj *r, struct ctr_err *e);
int cg_devices(const struct cg_groups *g, json_object *res, const struct ctr_device *nodes, size_t n,
	       struct ctr_err *e);

#endif
