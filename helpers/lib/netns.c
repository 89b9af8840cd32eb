/* netns.c - the container's network namespace (declared in namespace.h).
 * netns_open, netns_enter: a prepared netns, by path or by the fd the
 * caller holds (ctr-shim --pass-fd: /proc/self/fd/N), entered with setns;
 * sysctl_write: --sysctl K=V into /proc/sys of the writer's netns (or through
 * the container's procfs: sysctl_write_at, sysctl_late; sysctl_list_at: any
 * list, the ipc namespace's too);
 * net_setup (child side, dies): the prepared netns and its sysctls, or lo up
 * in a new one made by clone; the child's copy of the netns fd closed, so
 * that none reaches PROG. Parent-side functions return errors in e.
 */
#include "namespace.h"
#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The network namespace at path, close-on-exec: an fd, or -1 (e says why). */
int netns_open(const char *path, struct ctr_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail_errno(e, "open netns %s", path);
	return fd;
}

/* setns into s->netns: its fd opened already (s->netns_fd, kept: the
 * caller's), or the path, opened and closed here. */
int netns_enter(const struct ctr_spec *s, struct ctr_err *e)
{
	int fd = s->netns_fd;
	if (fd < 0 && (fd = netns_open(s->netns, e)) < 0)
		return -1;
	if (setns(fd, CLONE_NEWNET) < 0) {
		ctr_fail_errno(e, "setns %s", s->netns);
		if (fd != s->netns_fd)
			close_fd(&fd);
		return -1;
	}
	if (fd != s->netns_fd && close(fd) < 0)
		return ctr_fail_errno(e, "close %s", s->netns);
	return 0;
}

/* A new network namespace has lo down: bring it up so 127.0.0.1 works. */
static void lo_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die_errno("socket");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die_errno("get lo flags");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die_errno("bring lo up");
	xclose(s);
}

/* --sysctl: write each K=V into /proc/sys/K (dots as slashes), which answers
 * for the writer's network namespace, whatever /proc is mounted. */
int sysctl_write(const struct ctr_spec *s, struct ctr_err *e)
{
	return sysctl_write_at(s, -1, e);
}

/* The same through the procfs whose root is the directory proc (-1: the
 * mount namespace's /proc). The host's /proc keeps a dentry of /proc/sys/net
 * for every network namespace that looked there, all of one name under one
 * parent: each lookup of /proc/sys/net on the host compares them all
 * (proc_sys_compare). Through the container's own procfs they go with it. */
int sysctl_write_at(const struct ctr_spec *s, int proc, struct ctr_err *e)
{
	return sysctl_list_at(s->sysctl, s->nsysctl, proc, e);
}

/* n K=V sysctls through the procfs proc (-1: /proc). */
int sysctl_list_at(const char *const *kvs, size_t n, int proc, struct ctr_err *e)
{
	for (size_t i = 0; i < n; i++) {
		const char *kv = kvs[i], *eq = strchr(kv, '=');
		if (sysctl_set(proc, kv, (size_t)(eq - kv), eq + 1) < 0)
			return ctr_fail_errno(e, "sysctl %.*s", (int)(eq - kv), kv);
	}
	return 0;
}

/* One sysctl: the key's first n characters (dots) as a path under sys/ of
 * the procfs whose root is proc (-1: /proc/sys/), value written there.
 * Also ctr-oci's linux.sysctl (oci-create.c). -1 with errno. */
int sysctl_set(int proc, const char *key, size_t n, const char *value)
{
	char path[PATH_MAX];
	const char *top = proc >= 0 ? "sys/" : "/proc/sys/";
	int len = snprintf(path, sizeof(path), "%s%.*s", top, (int)n, key);
	if (len < 0 || (size_t)len >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = path + strlen(top); *p; p++)
		*p = *p == '.' ? '/' : *p;
	return write_file_at(proc >= 0 ? proc : AT_FDCWD, path, value);
}

/* The child's sysctls wait for the container's /proc (rootfs.c writes them
 * through it once mounted): there is one in the mount list. */
bool sysctl_late(const struct ctr_spec *s)
{
	for (size_t i = 0; s->nsysctl && i < s->nmounts; i++)
		if (s->mounts[i].kind == CTR_MOUNT_PROC)
			return true;
	return false;
}

/* The network: a prepared one (ctr.sh's veth + addresses; with a user
 * namespace, new or joined, the parent entered it already and wrote the
 * sysctls: the child's user namespace does not own it), the host's, or a new
 * empty one (created by clone, only lo to bring up). Then --sysctl, in the
 * container's own; true: left for the container's /proc (sysctl_late), which
 * rootfs_run_mounts writes them through. */
bool net_setup(const struct ctr_spec *s)
{
	struct ctr_err e;
	bool late = false;
	if (s->netns && !(s->ns_new & CLONE_NEWUSER) && !s->userns) {
		late = sysctl_late(s);
		if (netns_enter(s, &e) < 0 || (!late && sysctl_write(s, &e) < 0))
			ctr_err_die(&e);
	} else if (s->ns_new & CLONE_NEWNET) {
		late = sysctl_late(s);
		lo_up();
		if (!late && sysctl_write(s, &e) < 0)
			ctr_err_die(&e);
	}
	/* the child's copy of the netns fd (close_fds kept it): entered, or
	 * entered by the parent (a user namespace); none reaches PROG */
	if (s->netns_fd >= 0 && close(s->netns_fd) < 0)
		die_errno("close netns %s", s->netns);
	return late;
}
