/* oci-devices.c - the device nodes of an OCI container (the CTR_MOUNT_DEVNODES
 * step, after the spec's mounts, before pivot_root): the runtime-spec's
 * default devices (null zero full random urandom tty, bound from the host's
 * nodes as rootfs.c does, so it also works in a user namespace; one that
 * linux.devices lists is made as the config says instead), its links
 * (/dev/ptmx -> pts/ptmx, fd, stdin, stdout, stderr), then linux.devices
 * made with mknod and chown'ed. Every path is resolved inside /dev.
 * Child side: dies.
 */
#include "oci-devices.h"
#include "error.h"
#include "fdio.h"
#include "mount.h"
#include "rootfs.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The host's /dev/NAME bound on a new empty file; an existing one is kept
 * (the image or a bind mount of the spec provides it). */
static void bind_default(int dev, const char *name)
{
	char host[32];
	int f = openat(dev, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (f < 0 && errno == EEXIST)
		return;
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

/* One linux.devices entry: mknod in its directory (created inside /dev),
 * replacing a plain file of that name, then the owner and mode. */
static void make_node(int dev, const struct ctr_device *d)
{
	char dir[4096];
	const char *rel = d->path + strlen("/dev/");
	const char *slash = strrchr(rel, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - rel) : 1, slash ? rel : ".");
	int at = target_in_root(dev, dir, MAKE_DIR);
	const char *base = slash ? slash + 1 : rel;
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	if (unlinkat(at, base, 0) < 0 && errno != ENOENT)
		die_errno("replace %s", d->path);
	if (mknodat(at, base, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0)
		die_errno("mknod %s", d->path);
	if (fchownat(at, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		die_errno("chown %s", d->path);
	if (fchmodat(at, base, d->mode & 07777, 0) < 0)
		die_errno("chmod %s", d->path);
	xclose(at);
}

/* Whether linux.devices has /dev/NAME: then it is made as the config says,
 * not bound from the host (podman --privileged lists /dev/null, /dev/full...). */
static bool in_devices(const struct ctr_device *d, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(d[i].path + strlen("/dev/"), name) == 0)
			return true;
	return false;
}

void oci_devnodes(int t, const struct ctr_device *d, size_t n)
{
	int dev = openat(t, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dev < 0)
		die_errno("open /dev");
	for (size_t i = 0; i < NELEM(ctr_dev_nodes); i++)
		if (!in_devices(d, n, ctr_dev_nodes[i]))
			bind_default(dev, ctr_dev_nodes[i]);
	for (size_t i = 0; i < NELEM(ctr_dev_links); i++)
		if (symlinkat(ctr_dev_links[i][1], dev, ctr_dev_links[i][0]) < 0 && errno != EEXIST)
			die_errno("symlink /dev/%s", ctr_dev_links[i][0]);
	for (size_t i = 0; i < n; i++)
		make_node(dev, &d[i]);
	xclose(dev);
}
