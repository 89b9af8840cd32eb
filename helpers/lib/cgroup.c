/* cgroup.c - the container's cgroups, joined before the child's first step,
 * so every step, byte and fork of the container is accounted there: a group
 * on cgroup v2 the child is born in (cgroup_birth_group, clone3
 * CLONE_INTO_CGROUP: no migration); one on v1 the child joins itself, as
 * its first step, through DIR/tasks opened by the parent (cgroups_self_open,
 * cgroups_join_self); any other the parent moves it into (cgroups_join,
 * DIR/cgroup.procs) before it goes on. Creating and limiting the groups is
 * ctr.sh's (helpers/cgroup.sh); devices are devices.c's. Also, where the
 * OOM killer ranks the container among the host's processes: the parent
 * writes the spec's oom_score_adj for the child (/proc/PID/oom_score_adj,
 * the host's /proc), before its first step.
 */
#include "cgroup.h"
#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>


/* The first group of s on cgroup v2, to be born in: its index, and an
 * O_PATH fd on it in *fd; -1 if there is none (cgroup v1 only). */
int cgroup_birth_group(const struct ctr_spec *s, int *fd)
{
	struct statfs sfs;
	for (size_t i = 0; i < s->ncgroups; i++) {
		int d = open(s->cgroups[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (d >= 0 && fstatfs(d, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
			*fd = d;
			return (int)i;
		}
		close_fd(&d);
	}
	return -1;
}

/* Is group i the one of index born (-1: none), named again (--device-cgroup
 * and --cgroup of one v2 group)? A second write there would be a move, and
 * wait as one. */
static bool same_group(const struct ctr_spec *s, size_t i, int born)
{
	struct stat a, b;
	if (born < 0)
		return false;
	if ((int)i == born || strcmp(s->cgroups[i], s->cgroups[born]) == 0)
		return true;
	return stat(s->cgroups[i], &a) == 0 && stat(s->cgroups[born], &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The groups of s on cgroup v1, for the child to join itself: fds[i] is
 * DIR/tasks of group i opened for writing, or -1 (not v1). A write of 0 to
 * tasks moves the writer's own thread (the whole of a child that has one)
 * and takes no global lock, where a write of a pid to cgroup.procs, which
 * moves a whole thread group, write-locks the kernel's
 * cgroup_threadgroup_rwsem and so waits for an RCU grace period (10-25 ms
 * here) unless another move came just before (docs/design.md, "Start-up
 * cost"). v1 checks the credentials of the file's opener, not the writer's:
 * a child in a new user namespace may write through it. */
int cgroups_self_open(const struct ctr_spec *s, int *fds, struct ctr_err *e)
{
	char path[PATH_MAX];
	struct statfs sfs;
	for (size_t i = 0; i < s->ncgroups; i++)
		fds[i] = -1;
	for (size_t i = 0; i < s->ncgroups; i++) {
		if (statfs(s->cgroups[i], &sfs) < 0 || sfs.f_type != CGROUP_SUPER_MAGIC)
			continue;  /* not v1 (or gone: cgroups_join says so) */
		snprintf(path, sizeof(path), "%s/tasks", s->cgroups[i]);
		if ((fds[i] = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return ctr_fail_errno(e, "%s", path);
	}
	return 0;
}

/* Child side, its first step: itself into each group of cgroups_self_open's
 * fds, which it closes. Dies on failure (the parent reports its EOF). */
void cgroups_join_self(const struct ctr_spec *s, int *fds)
{
	for (size_t i = 0; i < s->ncgroups; i++) {
		if (fds[i] < 0)
			continue;
		if (write_all(fds[i], "0", 1) < 0)
			die_errno("join cgroup %s", s->cgroups[i]);
		xclose(fds[i]);
		fds[i] = -1;
	}
}

/* Move pid into each group of s but the one of index born (-1: none), which
 * it was born in, and those it joins itself (self[i] not -1: its fd, or -2
 * once the parent closed its copy; self may be NULL). */
int cgroups_join(const struct ctr_spec *s, pid_t pid, int born, const int *self, struct ctr_err *e)
{
	char path[PATH_MAX], text[16];
	snprintf(text, sizeof(text), "%d\n", (int)pid);
	for (size_t i = 0; i < s->ncgroups; i++) {
		if (same_group(s, i, born) || (self && self[i] != -1))
			continue;
		snprintf(path, sizeof(path), "%s/cgroup.procs", s->cgroups[i]);
		if (write_file(path, text) < 0)
			return ctr_fail_errno(e, "%s", path);
	}
	return 0;
}

/* The spec's oom_score_adj (none: pid keeps its parent's) for pid. Lower
 * than the writer's own minimum needs CAP_SYS_RESOURCE. */
int oom_score_adj_write(const struct ctr_spec *s, pid_t pid, struct ctr_err *e)
{
	char path[64], v[16];
	if (!s->has_oom_score_adj)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	snprintf(v, sizeof(v), "%d", s->oom_score_adj);
	if (write_file(path, v) < 0)
		return ctr_fail_errno(e, "oom_score_adj %d%s", s->oom_score_adj,
				      errno == EACCES ? " (lower than the caller's: needs CAP_SYS_RESOURCE)" : "");
	return 0;
}
