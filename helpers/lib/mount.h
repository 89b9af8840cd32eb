/* mount.h - mounts whose targets are resolved inside the root (mount.c). */
#ifndef CTR_MOUNT_H
#define CTR_MOUNT_H

#include <stdbool.h>
#include <stdint.h>

enum make { MAKE_NONE, MAKE_DIR, MAKE_FILE };

int open_in_root(int root, const char *path, int flags);
int target_in_root(int root, const char *path, enum make make);
void mount_on(int target, const char *src, const char *type,
	      unsigned long flags, const char *data, const char *what);
int clone_tree(int dirfd, const char *path, uint64_t attrs, uint64_t clr, bool recursive);
void attach_tree(int tree, int target, const char *what);
void bind_host(const char *src, int target, uint64_t attrs, const char *what);
void bind_host_node(const char *src, int target, const char *what);

#endif
