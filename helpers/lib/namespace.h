/* namespace.h - namespaces: new and joined (namespace.c), cloned into (clone.c); the
 * network namespace (netns.c). */
#ifndef CTR_NAMESPACE_H
#define CTR_NAMESPACE_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

#define NJOIN 6

/* --join: the container's namespaces and root, opened by the parent. */
struct ns_join {
	int fd[NJOIN];          /* /proc/PID/ns/<name>, -1 when not to enter */
	int root;               /* /proc/PID/root */
	int pidns;              /* /proc/PID/ns/pid */
	bool in_userns;         /* ns_join_userns_first entered it (rootless) */
};

int open_proc(pid_t pid, const char *what, struct ctr_err *e);
/* An O_PATH fd of /proc/PID: it names that process for good (a PID recycled later is another
 * directory); -1 and e set when there is none. */
int open_proc_dir(pid_t pid, struct ctr_err *e);
int ns_join_open(struct ns_join *j, pid_t pid, const char *group, struct ctr_err *e);
int ns_join_userns_first(struct ns_join *j, struct ctr_err *e);
void ns_join_enter(struct ns_join *j);
int ns_paths_enter(const struct ctr_spec *s, struct ctr_err *e);
int ns_open(const char *path, int type, struct ctr_err *e);
pid_t clone_in_userns(int userns, int flags, int *cgroup, struct ctr_err *e);
void become_userns_root(void);
int groups_clear(void);
pid_t clone_child(int flags, struct ctr_err *e);
pid_t clone_into_cgroup(int flags, int cgroup);
pid_t clone_maybe_into(int flags, int *cgroup, struct ctr_err *e);
pid_t clone_joined(struct ns_join *j, int *cgroup, struct ctr_err *e);

/* netns.c */
int netns_open(const char *path, struct ctr_err *e);
int netns_enter(const struct ctr_spec *s, struct ctr_err *e);
int sysctl_write(const struct ctr_spec *s, struct ctr_err *e);
int sysctl_write_at(const struct ctr_spec *s, int proc, struct ctr_err *e);
int sysctl_list_at(const char *const *kvs, size_t n, int proc, struct ctr_err *e);
int sysctl_set(int proc, const char *key, size_t n, const char *value);
bool sysctl_late(const struct ctr_spec *s);
bool net_setup(const struct ctr_spec *s);

#endif
