/* shim-cgroup.c - ctr-shim's own CPU charged to its container (--cgroup DIR):
 * the shim moves into each v1 group DIR while PROG (or the PID 1 it handed
 * over) runs, and back to the root of DIR's hierarchy once it is reaped,
 * before the exit file and the exit command (ctr.sh's exit action removes
 * the groups, and kills what is left in them). Its work grows with the
 * container's output (a read, a record, a write per line): outside the
 * group, `run --cpus 0.1 busybox yes` made it burn most of a host core that
 * no limit of the container's counted (docs/security.md, "The supervisor's
 * work is the container's"). A write of 0 to DIR/tasks moves the writer's
 * own thread (the shim has one) without the kernel's global lock
 * (lib/cgroup.c). Entry points: shim_cgroup_open (before PROG: dies),
 * shim_cgroup_join, shim_cgroup_leave (warn only). Other groups (cgroup v2)
 * are left alone: there the container's one group also holds its memory and
 * pids limits.
 */
#include "shim.h"
#include "error.h"
#include "fdio.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define SHIM_CGROUPS 4

static struct {
	const char *dir[SHIM_CGROUPS];
	int join[SHIM_CGROUPS], leave[SHIM_CGROUPS];
	size_t n;
	int in;  /* the shim is in the groups */
} G;

/* --cgroup DIR (repeatable, SHIM_CGROUPS at most). -1 when full. */
int shim_cgroup_add(const char *dir)
{
	if (G.n == SHIM_CGROUPS)
		return -1;
	G.dir[G.n++] = dir;
	return 0;
}

/* The root of the hierarchy that holds the group fd d (taken): the last
 * directory up from it on the same device. An O_PATH fd, or -1. */
static int hierarchy_root(int d)
{
	struct stat a, b;
	if (fstat(d, &a) < 0)
		goto fail;
	for (int depth = 0; depth < 64; depth++) {
		int up = openat(d, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0 || fstat(up, &b) < 0) {
			close_fd(&up);
			goto fail;
		}
		if (b.st_dev != a.st_dev || b.st_ino == a.st_ino) {  /* d is the root */
			close(up);
			return d;
		}
		close(d);
		d = up;
		a = b;
	}
fail:
	close(d);
	return -1;
}

/* Open DIR/tasks and the hierarchy root's tasks of each v1 DIR (before PROG
 * runs: a missing group is an error). */
void shim_cgroup_open(void)
{
	struct statfs sfs;
	for (size_t i = 0; i < G.n; i++) {
		int d, r;
		G.join[i] = G.leave[i] = -1;
		if (statfs(G.dir[i], &sfs) < 0)
			die_errno("--cgroup %s", G.dir[i]);
		if (sfs.f_type != CGROUP_SUPER_MAGIC)
			continue;  /* v2: not joined */
		d = open(G.dir[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (d < 0)
			die_errno("--cgroup %s", G.dir[i]);
		G.join[i] = openat(d, "tasks", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (G.join[i] < 0)
			die_errno("--cgroup %s/tasks", G.dir[i]);
		r = hierarchy_root(d);
		if (r < 0)
			die_errno("--cgroup %s: the root of its hierarchy", G.dir[i]);
		G.leave[i] = openat(r, "tasks", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		close(r);
		if (G.leave[i] < 0)
			die_errno("--cgroup %s: the root of its hierarchy's tasks", G.dir[i]);
	}
}

static void move(const int *fds, const char *what)
{
	for (size_t i = 0; i < G.n; i++)
		if (fds[i] >= 0 && write(fds[i], "0", 1) != 1)
			warn_errno("%s %s", what, G.dir[i]);
}

/* Into the container's groups, once PROG is started: nsenter-chroot's setup
 * stays where its caller's was (its child joins the groups itself), so a
 * start under load is scheduled as before. */
void shim_cgroup_join(void)
{
	if (G.in)
		return;
	move(G.join, "join the group");
	G.in = 1;
}

/* Out of them, once PROG (PID 1) is reaped. */
void shim_cgroup_leave(void)
{
	if (!G.in)
		return;
	move(G.leave, "leave the group");
	G.in = 0;
}
