/* userns.c - a new user namespace, from the parent's side (errors returned).
 * Rootless (--rootless), the maps are written by newuidmap/newgidmap.
 * Order: userns_prepare before clone (detached ROOTFS copy; the netns and a
 * sysfs for it, which the user namespace may not make itself); after clone,
 * userns_map (uid_map, gid_map), then userns_idmap_rootfs; then the child
 * goes on (it became the namespace's root with become_userns_root).
 */
#include "userns.h"
#include "fdio.h"
#include "fds.h"
#include "namespace.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

/* --userns with --netns or --net-host: the kernel refuses a user namespace
 * the sysfs of a network namespace it does not own, so the parent (privileged,
 * already in that network namespace) makes a detached one for the child to
 * attach. Binding the host's /sys instead would show the host's devices. */
static int sysfs_prepare(const struct ctr_spec *s, int *sys_tree, struct ctr_err *e)
{
	unsigned int ro = MOUNT_ATTR_RDONLY;
	for (size_t i = 0; i < s->nmounts; i++)
		if (s->mounts[i].kind == CTR_MOUNT_SYSFS && !(s->mounts[i].flags & MS_RDONLY))
			ro = 0;
	int fs = fsopen("sysfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return ctr_fail_errno(e, "fsopen sysfs");
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		ctr_fail_errno(e, "create sysfs");
		close_fd(&fs);
		return -1;
	}
	*sys_tree = fsmount(fs, FSMOUNT_CLOEXEC,
			    ro | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (*sys_tree < 0) {
		ctr_fail_errno(e, "fsmount sysfs");
		close_fd(&fs);
		return -1;
	}
	if (close(fs) < 0)
		return ctr_fail_errno(e, "close sysfs");
	return 0;
}

/* Before clone: a detached copy of ROOTFS (none for OCI, whose maps do not
 * idmap the root) that the parent idmaps once the
 * child's user namespace exists (only a process privileged over the
 * filesystem may create an idmapped mount). A user namespace may not enter a
 * network namespace it does not own, so the parent enters it and the child
 * inherits it; nor mount its sysfs, so the parent makes that too. */
int userns_prepare(const struct ctr_spec *s, int *idmap_tree, int *sys_tree, struct ctr_err *e)
{
	*idmap_tree = s->userns_plain_rootfs ? -1 :
		      open_tree(AT_FDCWD, s->rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (*idmap_tree < 0 && !s->userns_plain_rootfs)
		return ctr_fail_errno(e, "open_tree %s", s->rootfs);
	if (s->netns && (netns_enter(s, e) < 0 || sysctl_write(s, e) < 0))
		return -1;
	if (!(s->ns_new & CLONE_NEWNET))
		return sysfs_prepare(s, sys_tree, e);
	return 0;
}

static int write_map(pid_t pid, const char *file, const struct ctr_idmap *m, size_t n,
		     struct ctr_err *e)
{
	char path[64], map[1024];
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(map); i++)
		len += (size_t)snprintf(map + len, sizeof(map) - len, "%lu %lu %lu\n",
					m[i].inside, m[i].outside, m[i].count);
	if (len >= sizeof(map))
		return ctr_fail(e, E2BIG, "%s", file);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (write_file(path, map) < 0)
		return ctr_fail_errno(e, "%s", path);
	return 0;
}

/* --rootless: an unprivileged process may write only a map of its own id;
 * PROG (/usr/bin/newuidmap or newgidmap, setuid root, Debian's uidmap)
 * writes the whole map of PID once it has checked the ranges against
 * /etc/subuid (/etc/subgid). Run by absolute path, with no environment, no
 * fd but 0, 1, 2 and no blocked signal. */
static int map_helper(const char *prog, pid_t pid, const struct ctr_idmap *m, size_t n,
		      struct ctr_err *e)
{
	char num[1 + 3 * 2][24];
	char *argv[2 + 3 * 2 + 1];
	size_t k = 0;
	if (n > 2)
		return ctr_fail(e, E2BIG, "%s", prog);
	argv[0] = (char *)prog;
	snprintf(num[k], sizeof(num[k]), "%d", (int)pid);
	argv[1] = num[k++];
	for (size_t i = 0; i < n; i++) {
		const unsigned long v[3] = { m[i].inside, m[i].outside, m[i].count };
		for (size_t j = 0; j < 3; j++, k++) {
			snprintf(num[k], sizeof(num[k]), "%lu", v[j]);
			argv[1 + k] = num[k];
		}
	}
	argv[1 + k] = NULL;
	pid_t h = fork();
	if (h < 0)
		return ctr_fail_errno(e, "fork %s", prog);
	if (h == 0) {
		static char *const envp[] = { NULL };
		sigset_t none;
		if (sigemptyset(&none) < 0 || sigprocmask(SIG_SETMASK, &none, NULL) < 0 ||
		    fds_close_except(NULL, 0) < 0)
			_exit(125);
		execve(prog, argv, envp);
		fprintf(stderr, "nsenter-chroot: exec %s: %s (apt-get install uidmap)\n", prog,
			strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(h, &st, 0) < 0)
		if (errno != EINTR)
			return ctr_fail_errno(e, "wait %s", prog);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return ctr_fail(e, 0, "%s %d: failed (status %#x): is the range of the user in %s?",
				prog, (int)pid, (unsigned)st,
				strcmp(prog, NEWUIDMAP) == 0 ? "/etc/subuid" : "/etc/subgid");
	return 0;
}

/* --rootless with no subordinate ids: an unprivileged parent may write a
 * map of its own id (the one id it has) itself, and a gid map only once
 * setgroups is denied in the namespace (user_namespaces(7): else it could
 * drop a group that denies it access). The container keeps the caller's
 * supplementary groups then: no more than the caller has. */
static int deny_setgroups(pid_t pid, struct ctr_err *e)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (write_file(path, "deny") < 0)
		return ctr_fail_errno(e, "%s", path);
	return 0;
}

/* Container ids inside.. are host ids outside... setgroups stays allowed (we
 * are privileged, or newgidmap checked the ranges): the child must be able to
 * drop the host groups it inherited, which would otherwise keep their host
 * access. */
int userns_map(const struct ctr_spec *s, pid_t pid, struct ctr_err *e)
{
	if (s->setgroups_deny)
		return deny_setgroups(pid, e) < 0 || write_map(pid, "uid_map", s->uid_map, 1, e) < 0 ? -1 :
		       write_map(pid, "gid_map", s->gid_map, 1, e);
	if (s->rootless)
		return map_helper(NEWUIDMAP, pid, s->uid_map, s->nuid_map, e) < 0 ? -1 :
		       map_helper(NEWGIDMAP, pid, s->gid_map, s->ngid_map, e);
	if (write_map(pid, "uid_map", s->uid_map, s->nuid_map, e) < 0)
		return -1;
	return write_map(pid, "gid_map", s->gid_map, s->ngid_map, e);
}

/* Idmap the copy of ROOTFS with the child's user namespace, so the image's
 * files owned by 0 are owned by the container's root (host uid U) without a
 * chown of the image. */
int userns_idmap_rootfs(int idmap_tree, pid_t pid, struct ctr_err *e)
{
	char path[64];
	if (idmap_tree < 0)  /* OCI: ROOTFS is used as it is */
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return ctr_fail_errno(e, "%s", path);
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)ns };
	if (mount_setattr(idmap_tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		ctr_fail_errno(e, "idmapped mount of ROOTFS (this kernel or filesystem cannot"
			       " idmap: chown the image to the mapped ids or run without --userns)");
		close_fd(&ns);
		return -1;
	}
	if (close(ns) < 0)
		return ctr_fail_errno(e, "close %s", path);
	return 0;
}
