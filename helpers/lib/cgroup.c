/* cgroup.c - the container's cgroups: the parent moves the child into each
 * group of the spec (DIR/cgroup.procs, v1 or v2 alike: the writer may name
 * any pid) after clone and before the child's first step, so every step,
 * byte and fork of the container is accounted there. Creating and limiting
 * the groups is ctr.sh's (helpers/cgroup.sh); devices are devices.c's.
 */
#include "cgroup.h"
#include "fdio.h"

#include <limits.h>
#include <stdio.h>

int cgroups_join(const struct ctr_spec *s, pid_t pid, struct ctr_err *e)
{
	char path[PATH_MAX], text[16];
	snprintf(text, sizeof(text), "%d\n", (int)pid);
	for (size_t i = 0; i < s->ncgroups; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", s->cgroups[i]);
		if (write_file(path, text) < 0)
			return ctr_fail_errno(e, "%s", path);
	}
	return 0;
}
