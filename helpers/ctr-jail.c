/* ctr-jail - run a static program of the host with a container's root, or a
 * host directory, as its root (helpers/lib/jail.c).
 *
 * Usage: ctr-jail --root DIR -- PROG [ARG...]
 *        ctr-jail --root-exact DIR -- PROG [ARG...]
 *        ctr-jail --pid PID --cgroup /PREFIX/CID -- PROG [ARG...]
 *        ctr-jail --pid PID --shim SHIMPID -- PROG [ARG...]
 *
 * --root DIR: DIR becomes the program's root (a stopped container's rootfs,
 *   or the host directory that receives what a container gave).
 * --root-exact DIR: the same, DIR opened following no symlink in any
 *   component (openat2 RESOLVE_NO_SYMLINKS): the caller gives it resolved,
 *   so one that a container turned into a symlink since is refused (cp's
 *   host directory in a volume a container writes).
 * --pid PID --cgroup GROUP: a running container's: PID must be in GROUP (any
 *   hierarchy); the program enters its mount namespace (its volumes are
 *   there), its user namespace as root when it has one, and its root. It
 *   joins no other namespace and no cgroup.
 * --pid PID --shim SHIMPID: a rootless container's (an unprivileged caller,
 *   the owner of its user namespace; no cgroup names it): PID must be PID 1
 *   of its pid namespace and the child of SHIMPID (its ctr-shim, to which
 *   nsenter-chroot --detach handed it over); the program enters its user namespace FIRST,
 *   as its root (only there has the caller any capability over the mount
 *   namespace, which that user namespace owns), then its mount namespace and
 *   its root.
 * PROG must be a static ELF program (busybox-static): nothing is loaded from
 * the root. argv[0] is PROG as given; the environment is LC_ALL=C only. The
 * program keeps fds 0, 1 and 2, no other, and only CAP_CHOWN,
 * CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER and CAP_FSETID, with
 * no_new_privs.
 * Exit codes: the program's; 125 ctr-jail's own failure (usage, a PID not in
 * GROUP or not under SHIMPID, a dynamic PROG, a syscall); 126 PROG cannot
 * run, 127 not found.
 */
#include "lib/error.h"
#include "lib/jail.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: ctr-jail --root|--root-exact DIR -- PROG [ARG...]\n"
	"       ctr-jail --pid PID --cgroup /PREFIX/CID -- PROG [ARG...]\n"
	"       ctr-jail --pid PID --shim SHIMPID -- PROG [ARG...]";

/* a process ID of an option: a number above 1 (not init) */
static pid_t pid_arg(const char *opt, const char *s)
{
	char *end;
	long pid = strtol(s, &end, 10);
	if (*s == '\0' || *end || pid <= 1 || pid > 4194304)
		die("%s %s: not a process ID", opt, s);
	return (pid_t)pid;
}

int main(int argc, char *argv[])
{
	ctr_prog = "ctr-jail";
	struct jail j = { .prog = -1, .root = -1, .mnt = -1, .user = -1 };
	struct ctr_err e = { 0 };
	const char *root = NULL, *cgroup = NULL;
	bool exact = false;
	pid_t pid = 0, shim = 0;
	int i = 1;
	for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
		if (strcmp(argv[i], "--root") == 0 || strcmp(argv[i], "--root-exact") == 0) {
			root = argv[i + 1];
			exact = strcmp(argv[i], "--root-exact") == 0;
		}
		else if (strcmp(argv[i], "--cgroup") == 0)
			cgroup = argv[i + 1];
		else if (strcmp(argv[i], "--pid") == 0)
			pid = pid_arg(argv[i], argv[i + 1]);
		else if (strcmp(argv[i], "--shim") == 0)
			shim = pid_arg(argv[i], argv[i + 1]);
		else
			die("%s: unknown option\n%s", argv[i], usage);
	}
	if (i + 1 >= argc || strcmp(argv[i], "--") != 0 || !root == !pid ||
	    (pid && !cgroup == !shim) || (root && (cgroup || shim)))
		die("%s", usage);
	if (jail_prog(&j, argv[i + 1], &e) < 0)
		ctr_err_die(&e);
	if (root ? jail_open_dir(&j, root, exact, &e) < 0 : jail_open_pid(&j, pid, cgroup, shim, &e) < 0)
		ctr_err_die(&e);
	jail_exec(&j, argv + i + 1);
}
