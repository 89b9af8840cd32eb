/* mount.c - the mount primitives: every target is an O_PATH fd resolved
 * INSIDE the container's root (openat2 RESOLVE_IN_ROOT), created there when
 * missing without following a symlink, and mounted on through its
 * /proc/self/fd link, so a hostile image (/data -> /) cannot send a mount to
 * the host. Sources are detached trees (open_tree) attached with move_mount.
 * Child side (dies), except open_in_root and clone_tree, which return -1.
 */
#include "mount.h"
#include "error.h"
#include "fdio.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* openat2 with RESOLVE_IN_ROOT: "..", absolute and relative symlinks all stop
 * at root. EAGAIN (openat2(2): a ".." could not be proven not to escape,
 * because a rename or a mount happened anywhere on the host meanwhile; a busy
 * host mounts all the time) is tried again, as the man page advises, a
 * bounded number of times. */
int open_in_root(int root, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(O_PATH | O_CLOEXEC | flags),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd, tries = 0;
	do
		fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN && ++tries < 128);
	return fd;
}

/* Create the missing components of path inside root (directories; the last
 * one a directory or an empty file); path is absolute or relative to root.
 * Each parent is re-resolved in the root, and creation never follows a
 * symlink (mkdirat, O_EXCL|O_NOFOLLOW). */
static void create_in_root(int root, const char *path, enum make make)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		die("%s: path too long", path);
	for (char *name = buf; *name; ) {
		while (*name == '/')
			name++;
		size_t len = strcspn(name, "/");
		bool last = name[len + strspn(name + len, "/")] == '\0';
		char save = name[len];
		name[len] = '\0';
		int fd = open_in_root(root, buf, 0);
		if (fd < 0 && errno != ENOENT)
			die_errno("resolve %s in the container", buf);
		if (fd < 0) {
			/* the parent: buf up to name's slash; the root for a
			 * first component (a relative path has no slash there) */
			char *slash = name > buf ? name - 1 : NULL;
			if (slash)
				*slash = '\0';
			const char *up = slash && *buf ? buf : "/";
			int parent = open_in_root(root, up, O_DIRECTORY);
			if (parent < 0)
				die_errno("resolve %s in the container", up);
			if (slash)
				*slash = '/';
			if (last && make == MAKE_FILE) {
				fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
				if (fd < 0)
					die_errno("create %s in the container", buf);
			} else if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST) {
				die_errno("mkdir %s in the container", buf);
			}
			xclose(parent);
		}
		xclose(fd);
		name[len] = save;
		name += len;
	}
}

/* An O_PATH fd on path inside root, created first when missing and make asks
 * for it. */
int target_in_root(int root, const char *path, enum make make)
{
	int fd = open_in_root(root, path, 0);
	if (fd >= 0 || errno != ENOENT || make == MAKE_NONE) {
		if (fd < 0)
			die_errno("resolve %s in the container", path);
		return fd;
	}
	create_in_root(root, path, make);
	fd = open_in_root(root, path, 0);
	if (fd < 0)
		die_errno("resolve %s in the container", path);
	return fd;
}

/* mount(2) onto what the O_PATH fd target names (its /proc/self/fd magic
 * link), never onto a path the container's symlinks could redirect. */
void mount_on(int target, const char *src, const char *type,
	      unsigned long flags, const char *data, const char *what)
{
	char path[32];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", target);
	if (mount(src, path, type, flags, data) < 0)
		die_errno("mount %s on %s", type ? type : src, what);
}

/* A detached copy (open_tree) of dirfd/path, with mount attributes attrs
 * added (nosuid, ro, ...) and clr removed (an atime mode in attrs needs all
 * of MOUNT_ATTR__ATIME in clr: the modes are an enum, not bits);
 * recursive copies the submounts too. -1 with errno. */
int clone_tree(int dirfd, const char *path, uint64_t attrs, uint64_t clr, bool recursive)
{
	unsigned int rec = recursive ? AT_RECURSIVE : 0;
	int tree = open_tree(dirfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec |
			     (*path ? 0 : AT_EMPTY_PATH));
	if (tree < 0)
		return -1;
	struct mount_attr attr = { .attr_set = attrs, .attr_clr = clr };
	if ((attrs || clr) && mount_setattr(tree, "", AT_EMPTY_PATH | rec, &attr, sizeof(attr)) < 0) {
		int err = errno;
		(void)close(tree);
		errno = err;
		return -1;
	}
	return tree;
}

/* Attach a detached tree on the O_PATH fd target. */
void attach_tree(int tree, int target, const char *what)
{
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		die_errno("mount on %s", what);
	xclose(tree);
}

/* Bind the host's file or directory src on target. */
void bind_host(const char *src, int target, uint64_t attrs, const char *what)
{
	int tree = clone_tree(AT_FDCWD, src, attrs, 0, true);
	if (tree < 0)
		die_errno("bind %s", src);
	attach_tree(tree, target, what);
}

/* Bind the host's device node src (/dev/null, ...) on target, read-only:
 * the inode is the host's own, and container root (CAP_FOWNER, CAP_CHOWN)
 * could otherwise chmod, chown or touch it through the bind (chmod 0 of
 * /dev/null, or of a path masked by it, breaks every user of the host's).
 * A device node stays writable on a read-only mount: a write reaches the
 * driver, not the file system. */
void bind_host_node(const char *src, int target, const char *what)
{
	bind_host(src, target, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, what);
}
