/* cgroup.c - the container's cgroups: the parent moves the child into each
 * group of the spec (DIR/cgroup.procs, v1 or v2 alike: the writer may name
 * any pid) after clone and before the child's first step, so every step,
 * byte and fork of the container is accounted there; a group on cgroup v2
 * the child is born in instead (cgroup_birth_group, clone3
 * CLONE_INTO_CGROUP: no migration). Creating and limiting the groups is
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

/* Move pid into each group of s but the one of index born (-1: none), which
 * it was born in. */
int cgroups_join(const struct ctr_spec *s, pid_t pid, int born, struct ctr_err *e)
{
	char path[PATH_MAX], text[16];
	snprintf(text, sizeof(text), "%d\n", (int)pid);
	for (size_t i = 0; i < s->ncgroups; i++) {
		if (same_group(s, i, born))
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
