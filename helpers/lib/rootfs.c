/* rootfs.c - the mount executor: ROOTFS made a mount point (rootfs_mount),
 * the spec's mount list run IN ORDER under it (rootfs_run_mounts: /proc,
 * /sys, /dev, volumes, masked and read-only paths for ctr's argv), then
 * pivot_root (rootfs_pivot), then workdir and read-only root
 * (rootfs_finish). Child side, in the container's mount namespace: dies.
 * Order: root_private first; /proc before pivot_root (mount_too_revealing).
 */
#include "rootfs.h"
#include "copyup.h"
#include "error.h"
#include "fdio.h"
#include "mask.h"
#include "mount.h"
#include "namespace.h"
#include "oci-devices.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Our mounts must not propagate back to the host (systemd makes / shared),
 * and pivot_root refuses a shared new root or parent anyway. */
void root_private(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die_errno("make / private");
}

/* nodev on ROOTFS: CAP_MKNOD is in docker's default set, and without a
 * devices cgroup nothing else would stop container root from creating
 * /tmp/sda (the host's disk) and opening it. The nodes in /dev are separate
 * bind mounts and stay usable. */
static void rootfs_nodev(int root)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_NODEV };
	if (mount_setattr(root, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		die_errno("make the rootfs nodev");
}

/* pivot_root needs ROOTFS to be a mount point: bind it onto itself, or
 * attach the idmapped copy the parent prepared on it (user namespace: on the
 * fd opened before our ids changed). ROOTFS is looked up by name once: the
 * copy is made from that fd and put on it, so a path swapped meanwhile
 * cannot make the copy and the mount point two different directories.
 * Returns an O_PATH fd on the new mount: every later target is resolved
 * inside it. */
int rootfs_mount(const struct ctr_spec *s, int idmap_tree, int rootfs_fd)
{
	int root = idmap_tree;
	if (idmap_tree >= 0) {
		if (move_mount(root, "", rootfs_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			die_errno("mount idmapped %s", s->rootfs);
		xclose(rootfs_fd);
	} else {
		/* in a user namespace, the fd opened before our ids changed */
		int fd = rootfs_fd >= 0 ? rootfs_fd : open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			die_errno("bind %s", s->rootfs);
		root = clone_tree(fd, "", 0, 0, true);
		if (root < 0 || move_mount(root, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH |
					   MOVE_MOUNT_T_EMPTY_PATH) < 0)
			die_errno("bind %s", s->rootfs);
		xclose(fd);
	}
	if (s->rootfs_nodev)
		rootfs_nodev(root);
	return root;
}

/* Shared with oci-devices.c (rootfs.h). */
const char *const ctr_dev_nodes[CTR_DEV_NODES] = {
	"null", "zero", "full", "random", "urandom", "tty",
};

const char *const ctr_dev_links[CTR_DEV_LINKS][2] = {
	{ "ptmx", "pts/ptmx" }, { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
};

/* Bind the host's /dev/NAME onto an empty file in the container's /dev:
 * binding (not mknod) also works in a user namespace. */
static void bind_dev_node(int dev, const char *name)
{
	char host[32];
	int f = openat(dev, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (f < 0)
		die_errno("create /dev/%s", name);
	xclose(f);
	int t = openat(dev, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (t < 0)
		die_errno("open /dev/%s", name);
	snprintf(host, sizeof(host), "/dev/%s", name);
	bind_host_node(host, t, host);
	xclose(t);
}

/* mkdir dev/NAME and mount a filesystem on it. */
static void dev_mount(int dev, const char *name, const char *type,
		      unsigned long flags, const char *data)
{
	if (mkdirat(dev, name, 0755) < 0)
		die_errno("mkdir /dev/%s", name);
	int t = openat(dev, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (t < 0)
		die_errno("open /dev/%s", name);
	mount_on(t, type, type, flags, data, name);
	xclose(t);
}

/* A private /dev with only the harmless nodes: no host disk, no /dev/mem, no
 * host pty. The tmpfs is nodev (a node mknod'ed there is inert); the nodes
 * are bind mounts of their own. devpts is a new instance so the container's
 * ptys are its own. */
static void mount_dev(int root, int t, const char *dst)
{
	mount_on(t, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=755,size=65536k", dst);
	int dev = open_in_root(root, dst, O_DIRECTORY);  /* the new tmpfs */
	if (dev < 0)
		die_errno("open %s", dst);
	for (size_t i = 0; i < NELEM(ctr_dev_nodes); i++)
		bind_dev_node(dev, ctr_dev_nodes[i]);
	dev_mount(dev, "pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
	dev_mount(dev, "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
	dev_mount(dev, "mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	for (size_t i = 0; i < NELEM(ctr_dev_links); i++)
		if (symlinkat(ctr_dev_links[i][1], dev, ctr_dev_links[i][0]) < 0)
			die_errno("symlink /dev/%s", ctr_dev_links[i][0]);
	xclose(dev);
}

/* The step's propagation (OCI: shared, rslave...) on the mount just made:
 * dst resolved again, as the fd taken before the mount names what is under
 * it (and mount(2) refuses a propagation change on a non-mount-root). */
static void set_propagation(int root, const struct ctr_mount *m)
{
	if (!m->propagation)
		return;
	int t = open_in_root(root, m->dst, 0);
	if (t < 0)
		die_errno("resolve %s in the container", m->dst);
	mount_on(t, "none", NULL, m->propagation, NULL, m->dst);
	xclose(t);
}

/* Mount ids follow creation, and /proc/self/mountinfo lists by id: the
 * parent's copy of a bind source predates the container's root and would be
 * listed before it. The attached tree is copied again, here, its first copy
 * detached and the new one put in its place: the list shows the mounts in
 * the order they were made (OCI: mounts in order). */
static void renew_tree(int root, int t, const char *dst)
{
	int top = open_in_root(root, dst, 0);
	if (top < 0)
		die_errno("resolve %s in the container", dst);
	int tree = clone_tree(top, "", 0, 0, true);
	if (tree < 0)
		die_errno("copy the mount on %s", dst);
	char path[32];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", top);
	if (umount2(path, MNT_DETACH) < 0)
		die_errno("unmount the first copy on %s", dst);
	xclose(top);
	attach_tree(tree, t, dst);
}

/* A bind: the source was copied by the parent (resolved on the host by the
 * caller, opened once following no symlink); the target is resolved inside
 * the container, created there when missing, and may not be the container's
 * root. */
static void mount_bind(int root, const struct ctr_mount *m)
{
	struct stat st;
	if (fstat(m->tree, &st) < 0)
		die_errno("volume %s", m->src);
	int t = target_in_root(root, m->dst, S_ISDIR(st.st_mode) ? MAKE_DIR : MAKE_FILE);
	if (same_file(t, root) != 0)
		die("volume %s: resolves to the container's root", m->dst);
	attach_tree(m->tree, t, m->dst);
	renew_tree(root, t, m->dst);
	xclose(t);
	set_propagation(root, m);
}

/* A directory of the filesystem it is made in (ctr.shmInDev: /dev/shm in the
 * /dev tmpfs), its mode the data's mode= (1777 without), bound on itself
 * with the step's flags: a mount of its own without a superblock of its own. */
static void mount_subdir(int t, const struct ctr_mount *m)
{
	unsigned long mode = 01777;
	const char *o = m->data ? strstr(m->data, "mode=") : NULL;
	if (o && (o == m->data || o[-1] == ','))
		mode = strtoul(o + 5, NULL, 8) & 07777;
	int d = openat(t, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0 || fchmod(d, (mode_t)mode) < 0)
		die_errno("chmod %s", m->dst);
	xclose(d);
	uint64_t attrs = ((m->flags & MS_RDONLY) ? MOUNT_ATTR_RDONLY : 0) |
			 ((m->flags & MS_NOSUID) ? MOUNT_ATTR_NOSUID : 0) |
			 ((m->flags & MS_NODEV) ? MOUNT_ATTR_NODEV : 0) |
			 ((m->flags & MS_NOEXEC) ? MOUNT_ATTR_NOEXEC : 0);
	int tree = clone_tree(t, "", attrs, 0, false);
	if (tree < 0)
		die_errno("mount %s", m->dst);
	attach_tree(tree, t, m->dst);
}

/* Read-only: a read-only copy of the path mounted on itself. */
static void mount_readonly(int t, const char *dst)
{
	int tree = clone_tree(t, "", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
			      MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0, true);
	if (tree < 0)
		die_errno("read-only %s", dst);
	attach_tree(tree, t, dst);
}

/* The target of a step: created as a directory for a new filesystem; an
 * optional step whose target is missing gets -1 (skipped). */
static int step_target(int root, const struct ctr_mount *m)
{
	if (!m->optional)
		return target_in_root(root, m->dst, MAKE_DIR);
	int t = open_in_root(root, m->dst, 0);
	if (t < 0 && errno != ENOENT)
		die_errno("%s %s", m->kind == CTR_MOUNT_MASK ? "mask" : "read-only", m->dst);
	return t;
}

/* The spec's sysctls (net: net_setup left them, sysctl_late; the ipc
 * namespace's: always here, in the child, which is in it), written through
 * the procfs just mounted on dst, the container's: not the host's /proc. */
static void proc_sysctls(const struct ctr_spec *s, int root, const char *dst, bool net)
{
	struct ctr_err e;
	int proc = open_in_root(root, dst, O_DIRECTORY);
	if (proc < 0)
		die_errno("open %s", dst);
	if ((net && sysctl_write_at(s, proc, &e) < 0) ||
	    sysctl_list_at(s->ipc_sysctl, s->nipc_sysctl, proc, &e) < 0)
		ctr_err_die(&e);
	xclose(proc);
}

/* One step of the list. sysfs is mounted after the network namespace is set,
 * so /sys/class/net shows the container's interfaces; with a user namespace
 * and a network namespace it does not own, the parent made it (sys_tree). */
static void run_mount(const struct ctr_spec *s, int root, const struct ctr_mount *m, int sys_tree,
		      struct mask_state *mask, bool *sysctls)
{
	if (m->kind == CTR_MOUNT_BIND) {
		mount_bind(root, m);
		return;
	}
	int t = step_target(root, m);
	if (t < 0)
		return;
	switch (m->kind) {
	case CTR_MOUNT_PROC:
		mount_on(t, "proc", "proc", m->flags, NULL, m->dst);
		if (*sysctls || s->nipc_sysctl)
			proc_sysctls(s, root, m->dst, *sysctls);
		*sysctls = false;
		break;
	case CTR_MOUNT_SYSFS:
		if (sys_tree >= 0)
			attach_tree(sys_tree, t, m->dst);
		else
			mount_on(t, "sysfs", "sysfs", m->flags, NULL, m->dst);
		break;
	case CTR_MOUNT_DEV: mount_dev(root, t, m->dst); break;
	case CTR_MOUNT_MASK: mask_mount(mask, root, t, m->dst); break;
	case CTR_MOUNT_READONLY: mount_readonly(t, m->dst); break;
	case CTR_MOUNT_FS:
		if (m->copyup)
			mount_copyup(root, t, m->src, m->flags, m->data, m->dst);
		else
			mount_on(t, m->src, m->type, m->flags, m->data, m->dst);
		break;
	case CTR_MOUNT_DEVNODES: oci_devnodes(t, s->devices, s->ndevices); break;
	case CTR_MOUNT_SUBDIR: mount_subdir(t, m); break;
	case CTR_MOUNT_BIND: break;
	}
	xclose(t);
	set_propagation(root, m);
	mask_note_dev(mask, root, m);
}

void rootfs_run_mounts(const struct ctr_spec *s, int root, int sys_tree, bool sysctls)
{
	struct mask_state mask;
	mask_init(&mask);
	for (size_t i = 0; i < s->nmounts; i++)
		run_mount(s, root, &s->mounts[i], sys_tree, &mask, &sysctls);
	mask_finish(&mask);
}

/* pivot_root, not chroot: after the old root is detached the host's tree is
 * unreachable from the new mount namespace (chroot can be escaped, and keeps
 * every host mount alive in it). pivot_root(".", ".") stacks the old root on
 * the new one, so no directory has to be created in ROOTFS to hold it. */
void rootfs_pivot(int root)
{
	if (fchdir(root) < 0)
		die_errno("chdir to the rootfs");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die_errno("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die_errno("detach old root");
	if (chdir("/") < 0)
		die_errno("chdir /");
	xclose(root);
}

static void enter_workdir(const char *dir)
{
	if (chdir("/") < 0)
		die_errno("chdir /");
	if (chdir(dir) == 0)
		return;
	if (errno != ENOENT)
		die_errno("chdir %s", dir);
	if (mkdir_p(dir) < 0)
		die_errno("mkdir %s", dir);
	if (chdir(dir) < 0)
		die_errno("chdir %s", dir);
}

/* After pivot_root (or the --join chroot): the working directory, created
 * when missing (docker does too), the root's propagation (OCI; after the
 * pivot, as runc: on the container's root, not the old one), then the
 * read-only root: only the root
 * mount; /dev, /proc, volumes keep theirs. */
void rootfs_finish(const struct ctr_spec *s)
{
	enter_workdir(s->cwd);
	if (s->root_propagation && mount(NULL, "/", NULL, s->root_propagation, NULL) < 0)
		die_errno("rootfs propagation");
	if (!s->rootfs_ro)
		return;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	if (mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof(attr)) < 0)
		die_errno("make / read-only");
}
