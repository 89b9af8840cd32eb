/* mask.c - masked paths (OCI maskedPaths, ctr's default list): /dev/null
 * bound over a file; over a directory an empty one that nothing can be made
 * in, one for all of them, with no filesystem of its own where the start
 * mounted a /dev tmpfs. Every superblock costs each memory cgroup of the host
 * a shrinker slot (docs/design.md "Superblocks"): runc and docker mount a
 * tmpfs for each masked directory; ctr none. Child side, in the container's
 * mount namespace, before pivot_root, in the order of the mount list
 * (rootfs.c): mask_note_dev after each step, mask_mount for a masked path,
 * mask_finish after the last. Dies on failure.
 */
#include "mask.h"
#include "error.h"
#include "fdio.h"
#include "mount.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define MASK_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

void mask_init(struct mask_state *st)
{
	st->mask = st->dev = -1;
	st->dir[0] = '\0';
}

/* After a step that mounted a tmpfs on /dev (ctr's argv, an OCI mount): its
 * root, where mask_from_dev makes the empty directory (never a directory of
 * the host's: a volume on /dev is a bind, not noted). */
void mask_note_dev(struct mask_state *st, int root, const struct ctr_mount *m)
{
	if (st->dev >= 0 || strcmp(m->dst, "/dev") != 0)
		return;
	if (m->kind != CTR_MOUNT_DEV && !(m->kind == CTR_MOUNT_FS && !m->copyup && m->type &&
					  strcmp(m->type, "tmpfs") == 0))
		return;
	st->dev = open_in_root(root, m->dst, O_DIRECTORY);
	if (st->dev < 0)
		die_errno("open %s", m->dst);
}

/* The first masked directory: an empty directory made in the start's /dev
 * tmpfs, bound read-only on t; mask_finish removes it after the last copy
 * (a mount of a removed directory cannot be copied), and the binds' root is
 * then a dead directory: no entry can be made in it (ENOENT, where a tmpfs
 * says EROFS), no path leads to it. false (nothing made) where it cannot be
 * made. */
static bool mask_from_dev(struct mask_state *st, int t, const char *dst)
{
	snprintf(st->dir, sizeof(st->dir), ".ctr-mask.%d", (int)getpid());
	if (mkdirat(st->dev, st->dir, 0555) < 0) {
		st->dir[0] = '\0';
		return false;
	}
	int tree = clone_tree(st->dev, st->dir, MASK_ATTRS, 0, false);
	if (tree < 0)
		die_errno("mask %s", dst);
	attach_tree(tree, t, dst);
	return true;
}

/* Mask dst (t: an O_PATH fd on it): the others get copies of the first
 * directory's mount (st->mask, its root); without a /dev tmpfs, the first
 * is an empty read-only tmpfs of 4k. */
void mask_mount(struct mask_state *st, int root, int t, const char *dst)
{
	struct stat sb;
	if (fstat(t, &sb) < 0)
		die_errno("mask %s", dst);
	if (!S_ISDIR(sb.st_mode)) {
		bind_host_node("/dev/null", t, dst);
		return;
	}
	if (st->mask >= 0) {
		int tree = clone_tree(st->mask, "", MASK_ATTRS, 0, false);
		if (tree < 0)
			die_errno("mask %s", dst);
		attach_tree(tree, t, dst);
		return;
	}
	if (st->dev < 0 || !mask_from_dev(st, t, dst))
		mount_on(t, "tmpfs", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k", dst);
	st->mask = open_in_root(root, dst, O_DIRECTORY);  /* the new mount */
	if (st->mask < 0)
		die_errno("mask %s", dst);
}

/* After the last step: the empty directory leaves /dev, the fds close. */
void mask_finish(struct mask_state *st)
{
	if (st->mask >= 0)
		xclose(st->mask);
	if (st->dir[0] && unlinkat(st->dev, st->dir, AT_REMOVEDIR) < 0)
		die_errno("remove /dev/%s (the masked directories' source)", st->dir);
	if (st->dev >= 0)
		xclose(st->dev);
}
