/* copyup.c - OCI "tmpcopyup" (runc and crun's extension, which podman asks
 * for on --read-only's /tmp, /var/tmp and /run): a new tmpfs that starts with
 * what the directory under it held. Entry point: mount_copyup (rootfs.c runs
 * it for a CTR_MOUNT_FS step with copyup). Child side, before pivot_root: dies.
 * The source is the image's, untrusted: every name is one component opened
 * relative to its directory's fd, never following a symlink (a link is copied
 * as a link), and only directories, regular files, links, fifos and device
 * nodes are copied (owner, mode, times; not xattrs, hard links become copies).
 */
#include "copyup.h"
#include "error.h"
#include "fdio.h"
#include "mount.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deeper than any real image; a deliberately deep tree is an error, not a
 * stack overflow. */
#define COPYUP_MAX_DEPTH 128

static void copy_dir(int from, int to, const char *what, int depth);

static void copy_data(int from, int to, const char *what)
{
	char buf[65536];
	ssize_t n;
	while ((n = read(from, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_errno("tmpcopyup %s: read", what);
		if (write_all(to, buf, (size_t)n) < 0)
			die_errno("tmpcopyup %s: write", what);
	}
}

static void copy_file(int from, int to, const char *name, const char *what)
{
	int a = openat(from, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (a < 0)
		die_errno("tmpcopyup %s/%s: open", what, name);
	int b = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (b < 0)
		die_errno("tmpcopyup %s/%s: create", what, name);
	copy_data(a, b, what);
	xclose(a);
	xclose(b);
}

static void copy_link(int from, int to, const char *name, const char *what)
{
	char link[PATH_MAX];
	ssize_t n = readlinkat(from, name, link, sizeof(link) - 1);
	if (n < 0)
		die_errno("tmpcopyup %s/%s: readlink", what, name);
	link[n] = '\0';
	if (symlinkat(link, to, name) < 0)
		die_errno("tmpcopyup %s/%s: symlink", what, name);
}

static void copy_subdir(int from, int to, const char *name, const char *what, int depth)
{
	if (mkdirat(to, name, 0700) < 0)
		die_errno("tmpcopyup %s/%s: mkdir", what, name);
	int a = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int b = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (a < 0 || b < 0)
		die_errno("tmpcopyup %s/%s: open", what, name);
	copy_dir(a, b, what, depth + 1);
	xclose(a);
	xclose(b);
}

/* One entry of from/name (st: its lstat) made in to/name, then its owner,
 * mode and times (a directory's after its contents). */
static void copy_entry(int from, int to, const char *name, const struct stat *st,
		       const char *what, int depth)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFDIR: copy_subdir(from, to, name, what, depth); break;
	case S_IFREG: copy_file(from, to, name, what); break;
	case S_IFLNK: copy_link(from, to, name, what); break;
	case S_IFIFO: case S_IFCHR: case S_IFBLK:
		if (mknodat(to, name, st->st_mode & S_IFMT, st->st_rdev) < 0)
			die_errno("tmpcopyup %s/%s: mknod", what, name);
		break;
	default:  /* a socket is nothing without the process that listens on it */
		return;
	}
	/* owner first: chown clears the set-id bits the mode then restores */
	if (fchownat(to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		die_errno("tmpcopyup %s/%s: chown", what, name);
	if (!S_ISLNK(st->st_mode) && fchmodat(to, name, st->st_mode & 07777, 0) < 0)
		die_errno("tmpcopyup %s/%s: chmod", what, name);
	struct timespec t[2] = { st->st_atim, st->st_mtim };
	if (utimensat(to, name, t, AT_SYMLINK_NOFOLLOW) < 0)
		die_errno("tmpcopyup %s/%s: times", what, name);
}

/* Every entry of the directory from into the directory to. */
static void copy_dir(int from, int to, const char *what, int depth)
{
	if (depth > COPYUP_MAX_DEPTH)
		die("tmpcopyup %s: deeper than %d directories", what, COPYUP_MAX_DEPTH);
	int fd = dup(from);
	if (fd < 0)
		die_errno("tmpcopyup %s: dup", what);
	DIR *d = fdopendir(fd);
	if (!d)
		die_errno("tmpcopyup %s: opendir", what);
	struct dirent *de;
	struct stat st;
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(from, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die_errno("tmpcopyup %s/%s: stat", what, de->d_name);
		copy_entry(from, to, de->d_name, &st, what, depth);
	}
	if (errno)
		die_errno("tmpcopyup %s: readdir", what);
	if (closedir(d) < 0)
		die_errno("tmpcopyup %s: closedir", what);
}

/* A tmpfs on the O_PATH fd t (dst in root) holding a copy of what t held:
 * the directory is opened before the mount hides it (an fd keeps reaching
 * the covered directory), the new tmpfs is resolved again and filled. */
void mount_copyup(int root, int t, const char *src, unsigned long flags,
		  const char *data, const char *dst)
{
	int from = openat(t, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (from < 0)
		die_errno("tmpcopyup %s: open", dst);
	mount_on(t, src, "tmpfs", flags & ~(unsigned long)MS_RDONLY, data, dst);
	int top = open_in_root(root, dst, O_DIRECTORY);
	if (top < 0)
		die_errno("resolve %s in the container", dst);
	int to = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (to < 0)
		die_errno("tmpcopyup %s: open the new tmpfs", dst);
	copy_dir(from, to, dst, 0);
	xclose(to);
	xclose(from);
	if (flags & MS_RDONLY) {  /* filled first, then made read-only as asked */
		char path[32];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", top);
		if (mount(NULL, path, NULL, MS_REMOUNT | flags, data) < 0)
			die_errno("tmpcopyup %s: remount read-only", dst);
	}
	xclose(top);
}
