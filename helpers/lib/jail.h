/* jail.h - run a static host program with a container's root, or a host
 * directory, as its root (jail.c). */
#ifndef CTR_JAIL_H
#define CTR_JAIL_H

#include "error.h"

#include <stdbool.h>
#include <sys/types.h>

/* What jail_open gathered, before anything changes: every fd is -1 when
 * unused. */
struct jail {
	int prog;               /* the program, checked static (jail_prog) */
	int root;               /* the directory that becomes / */
	int mnt;                /* --pid: the container's mount namespace */
	int user;               /* --pid: its user namespace, when not ours */
	bool user_first;        /* --shim (rootless): enter user, then mount */
};

int elf_static(int fd, const char *name, struct ctr_err *e);
int jail_prog(struct jail *j, const char *path, struct ctr_err *e);
int jail_open_dir(struct jail *j, const char *dir, bool exact, struct ctr_err *e);
int jail_open_pid(struct jail *j, pid_t pid, const char *cgroup, pid_t shim, struct ctr_err *e);
int cgroup_has(const char *text, const char *group);
long status_last(const char *text, const char *key);
__attribute__((noreturn))
void jail_exec(struct jail *j, char *const argv[]);

#endif
