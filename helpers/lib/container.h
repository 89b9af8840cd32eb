/* container.h - the executor: run a spec as a container (container.c, child.c). */
#ifndef CTR_CONTAINER_H
#define CTR_CONTAINER_H

#include <signal.h>

#include "bpf-cache.h"
#include "error.h"
#include "namespace.h"
#include "spec.h"

int container_run(struct ctr_spec *s, struct ctr_err *e);
pid_t container_create(struct ctr_spec *s, struct ctr_err *e);

/* What the parent prepares for the child, shared across clone(). */
struct ctr_run {
	struct ctr_spec *s;
	sigset_t fwd;           /* forwarded signals + SIGCHLD, blocked in parent */
	int ready[2];           /* child -> parent: READY_BYTE, or errno of execve */
	int go[2];              /* parent -> child: maps written, cgroups joined */
	int idmap_tree;         /* user namespace: detached clone of ROOTFS, to idmap */
	int rootfs_fd;          /* user namespace: ROOTFS in the child's mount namespace */
	int sys_tree;           /* user namespace with a netns it does not own: a sysfs */
	int mntns;              /* OCI: the mount namespace joined by path, or -1 */
	int userns;             /* OCI: the user namespace joined by path, or -1 */
	struct ns_join join;    /* --join: the container's namespaces and root */
	struct ctr_bpf seccomp[BPF_CACHE_NPROG];  /* --seccomp default: built by the parent */
	int born_cgroup;        /* index of the cgroup v2 group the child was born in, or -1 */
	int *cg_self;           /* per group of the spec: its v1 tasks file, for the child, or -1 */
	bool detach;            /* container_create: return once it is set up */
};

int binds_prepare(struct ctr_spec *s, struct ctr_err *e);

__attribute__((noreturn))
void child_main(struct ctr_run *r);

#endif
