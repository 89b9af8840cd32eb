/* namespace.c - namespaces. Parent side (errors returned): ns_join_open
 * (--join: open the container's namespaces before anything moves; clone.c's
 * clone_joined clones into its pid namespace), ns_paths_enter, ns_open (OCI:
 * a mount namespace to set up in, a user namespace to join, checked).
 * Child side (dies): ns_join_enter (setns into each, the user namespace
 * last), become_userns_root; groups_clear (either side). How the first
 * process is cloned is clone.c's; the network namespace's steps netns.c's.
 */
#include "namespace.h"
#include "fdio.h"
#include "jail.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Namespaces of the container to enter with --join, in nsenter(1)'s order,
 * mnt last; but see ns_join_enter for the user namespace. The pid namespace
 * is entered by the parent for its child only. */
static const struct { const char *name; int type; } join_ns[NJOIN] = {
	{ "user", CLONE_NEWUSER }, { "cgroup", CLONE_NEWCGROUP },
	{ "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET }, { "mnt", CLONE_NEWNS },
};

int open_proc(pid_t pid, const char *what, struct ctr_err *e)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail_errno(e, "open %s", path);
	return fd;
}

int open_proc_dir(pid_t pid, struct ctr_err *e)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail_errno(e, "open %s", path);
	return fd;
}

static int open_at(int proc, pid_t pid, const char *what, struct ctr_err *e)
{
	int fd = openat(proc, what, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail_errno(e, "open /proc/%d/%s", (int)pid, what);
	return fd;
}

/* The process of proc (the fd of /proc/PID) is in group or under it: its
 * cgroup file, read through that fd, lists it on some hierarchy. */
static int in_group(int proc, pid_t pid, const char *group, struct ctr_err *e)
{
	char text[16384];
	int fd = open_at(proc, pid, "cgroup", e);
	if (fd < 0)
		return -1;
	ssize_t n = read_full(fd, text, sizeof(text) - 1);
	close_fd(&fd);
	if (n < 0)
		return ctr_fail_errno(e, "read /proc/%d/cgroup", (int)pid);
	text[n] = '\0';
	if (!cgroup_has(text, group))
		return ctr_fail(e, 0, "process %d: not in cgroup %s (not the container's: its PID 1 has ended)",
				(int)pid, group);
	return 0;
}

/* Open every namespace of pid up front, before anything moves, through one
 * fd of /proc/PID: it names that process for good (a PID recycled later is
 * another directory). With group (the container's cgroupsPath), that
 * process must be in it, checked after the opens: a PID 1 that ended and
 * whose PID a host process took is refused, its namespaces never entered.
 * A namespace we already share is not entered (setns into one's own user
 * namespace is EINVAL). */
int ns_join_open(struct ns_join *j, pid_t pid, const char *group, struct ctr_err *e)
{
	int proc = open_proc_dir(pid, e);
	if (proc < 0)
		return -1;
	int rc = -1;
	for (size_t i = 0; i < NJOIN; i++) {
		char what[32];
		snprintf(what, sizeof(what), "ns/%s", join_ns[i].name);
		j->fd[i] = open_at(proc, pid, what, e);
		if (j->fd[i] < 0)
			goto out;
		int self = open_proc(getpid(), what, e);
		if (self < 0)
			goto out;
		int same = same_file(j->fd[i], self);
		close_fd(&self);
		if (same < 0) {
			ctr_fail_errno(e, "fstat");
			goto out;
		}
		if (same)
			close_fd(&j->fd[i]);
	}
	if ((j->pidns = open_at(proc, pid, "ns/pid", e)) < 0 || (j->root = open_at(proc, pid, "root", e)) < 0)
		goto out;
	rc = group ? in_group(proc, pid, group, e) : 0;
out:
	close_fd(&proc);
	return rc;
}

/* --join --rootless, in the parent before clone: enter the container's user
 * namespace FIRST (as nsenter(1) does), and become its root. An unprivileged
 * process has no capability over the container's other namespaces (nor over
 * its pid namespace, to clone into it) until it is in the user namespace that
 * owns them; its owner may enter it. The child inherits it. */
int ns_join_userns_first(struct ns_join *j, struct ctr_err *e)
{
	for (size_t i = 0; i < NJOIN; i++) {
		if (join_ns[i].type != CLONE_NEWUSER || j->fd[i] < 0)
			continue;
		if (setns(j->fd[i], CLONE_NEWUSER) < 0)
			return ctr_fail_errno(e, "setns user");
		close_fd(&j->fd[i]);
		if (groups_clear() < 0)
			return ctr_fail_errno(e, "setgroups in the user namespace");
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return ctr_fail_errno(e, "become root of the user namespace");
		j->in_userns = true;
	}
	return 0;
}

/* setgroups(0, NULL); where the user namespace denies setgroups (a rootless
 * map of the caller's id alone, userns.c) nothing: the caller's groups stay,
 * as the kernel rules. -1 with errno otherwise. */
int groups_clear(void)
{
	char buf[8] = "";
	if (setgroups(0, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return -1;
	int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read_full(fd, buf, sizeof(buf) - 1);
	close_fd(&fd);
	if (n >= 4 && strncmp(buf, "deny", 4) == 0)
		return 0;
	errno = EPERM;
	return -1;
}

/* clone() put us in a new user namespace (or setns did) but we still carry
 * the host's root ids, which it does not map (files we create would fail with
 * EOVERFLOW). Become its root, and drop the host's supplementary groups,
 * which would otherwise keep their host access. */
void become_userns_root(void)
{
	if (groups_clear() < 0)
		die_errno("setgroups in the user namespace");
	if (setresgid(0, 0, 0) < 0)
		die_errno("setresgid 0 in the user namespace");
	if (setresuid(0, 0, 0) < 0)
		die_errno("setresuid 0 in the user namespace");
}

static void join_one(struct ns_join *j, size_t i)
{
	if (j->fd[i] < 0)
		return;
	if (setns(j->fd[i], join_ns[i].type) < 0)
		die_errno("setns %s", join_ns[i].name);
	xclose(j->fd[i]);
}

/* Enter the container's namespaces and its root; the pid namespace came with
 * clone(). The user namespace comes LAST, unlike in nsenter(1), which enters
 * it first to gain capabilities over the rest: we hold them on the host
 * already, and inside the container's user namespace we would lose them over
 * a namespace it does not own, such as the network namespace ctr.sh made for
 * a --userns container (setns: EPERM). */
void ns_join_enter(struct ns_join *j)
{
	for (size_t i = 0; i < NJOIN; i++)
		if (join_ns[i].type != CLONE_NEWUSER)
			join_one(j, i);
	for (size_t i = 0; i < NJOIN; i++) {
		if (join_ns[i].type != CLONE_NEWUSER || j->fd[i] < 0)
			continue;
		join_one(j, i);
		become_userns_root();
	}
	if (fchdir(j->root) < 0)
		die_errno("fchdir container root");
	if (chroot(".") < 0)
		die_errno("chroot container root");
	xclose(j->root);
}

/* OCI namespaces joined by path (ipc, uts, pid, cgroup): entered by the
 * parent before clone, so the child is born in them (for pid, its children
 * are: setns changes pid_for_children). The file must be a namespace of
 * that type (setns checks it). */
int ns_paths_enter(const struct ctr_spec *s, struct ctr_err *e)
{
	for (size_t i = 0; i < s->nns_paths; i++) {
		int fd = open(s->ns_paths[i].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return ctr_fail_errno(e, "open namespace %s", s->ns_paths[i].path);
		if (setns(fd, s->ns_paths[i].type) < 0) {
			ctr_fail_errno(e, "setns %s", s->ns_paths[i].path);
			close_fd(&fd);
			return -1;
		}
		if (close(fd) < 0)
			return ctr_fail_errno(e, "close %s", s->ns_paths[i].path);
	}
	return 0;
}

/* ns_open: an OCI namespace joined by path, opened (and the path resolved)
 * by the parent: the file must be a namespace of that type.
 * The mount namespace: the child enters it instead of a new one and sets it
 * up as usual: ROOTFS, the mounts, pivot_root (as runc). The other processes
 * of that namespace see those mounts, and pivot_root moves the root of
 * those whose root was the namespace's: what the caller asked for. Never
 * the runtime's own (the host's): pivot_root there would move the root of
 * every process on the host.
 * The user namespace: the runtime's own is no user namespace to enter
 * (-2: none; setns refuses it). Returns the fd, or -1 and e. */
static int ns_check(int fd, int type, const char *path, struct ctr_err *e)
{
	int t = ioctl(fd, NS_GET_NSTYPE);
	bool mnt = type == CLONE_NEWNS;
	if (t < 0)
		return ctr_fail_errno(e, "%s: not a namespace", path);
	if (t != type)
		return ctr_fail(e, 0, "%s: not a %s namespace", path, mnt ? "mount" : "user");
	int self = open_proc(getpid(), mnt ? "ns/mnt" : "ns/user", e);
	if (self < 0)
		return -1;
	int same = same_file(fd, self);
	close_fd(&self);
	if (same < 0)
		return ctr_fail_errno(e, "fstat %s", path);
	if (same && mnt)
		return ctr_fail(e, 0, "%s: the runtime's own mount namespace (the host's):"
				" the container's root cannot be set up there", path);
	return same ? -2 : 0;
}

int ns_open(const char *path, int type, struct ctr_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail_errno(e, "open namespace %s", path);
	int r = ns_check(fd, type, path, e);
	if (r < 0)
		close_fd(&fd);
	return r < 0 ? r : fd;
}
