/* jail.c - run a static program of the host (busybox) with a container's root,
 * or a host directory, as its root: how ctr touches paths a container
 * controls (cp, import's staging), as docker's chroot'ed archiver does. Every
 * path the program opens is resolved by the kernel inside that root: "..",
 * absolute and relative symlinks, and symlinks swapped while it runs all stop
 * there. Entry points, in order:
 *   jail_prog      open the program; refuse it unless it is a static ELF (a
 *                  dynamic one would load its interpreter, or a script its
 *                  #! program, from inside the root: the container's code)
 *   jail_open_dir  the root is a directory (a stopped container's rootfs, or
 *                  a host directory that receives files; exact: opened
 *                  following no symlink, as the caller resolved it)
 *   jail_open_pid  the root is a running container's: /proc/PID is opened
 *                  once and checked to be the container's (in its cgroup;
 *                  rootless: PID 1 of a pid namespace under its supervisor,
 *                  pid_of_shim), so a recycled PID is refused, then its
 *                  mount namespace, user namespace (when not ours) and root,
 *                  through that one fd
 *   jail_exec      (dies) close every other fd, enter the namespaces (mount,
 *                  then user: its root; rootless: user first), chroot, keep
 *                  only the capabilities that files need (bounding,
 *                  permitted, inheritable and ambient sets), no_new_privs,
 *                  execveat the program
 * Parent side returns errors (struct ctr_err); jail_exec dies.
 */
#include "jail.h"
#include "fdio.h"
#include "fds.h"
#include "namespace.h"

#include <elf.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* What the program may do to files: owners, modes, read and write anything
 * in the root. No CAP_MKNOD (no device node), CAP_SYS_CHROOT (no way out of
 * the chroot), CAP_SYS_ADMIN (no mount), nor the rest. */
static const int keep_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID,
};

/* A program that loads nothing: an ELF file without a PT_INTERP header. */
int elf_static(int fd, const char *name, struct ctr_err *e)
{
	unsigned char id[EI_NIDENT];
	if (pread(fd, id, sizeof(id), 0) != (ssize_t)sizeof(id) || memcmp(id, ELFMAG, SELFMAG) != 0)
		return ctr_fail(e, 0, "%s: not an ELF program", name);
	int is64 = id[EI_CLASS] == ELFCLASS64;
	if (!is64 && id[EI_CLASS] != ELFCLASS32)
		return ctr_fail(e, 0, "%s: not an ELF program", name);
	Elf64_Ehdr h64;
	Elf32_Ehdr h32;
	off_t off;
	size_t num, size;
	if (is64 ? pread(fd, &h64, sizeof(h64), 0) != (ssize_t)sizeof(h64)
		 : pread(fd, &h32, sizeof(h32), 0) != (ssize_t)sizeof(h32))
		return ctr_fail(e, 0, "%s: truncated ELF header", name);
	off = is64 ? (off_t)h64.e_phoff : (off_t)h32.e_phoff;
	num = is64 ? h64.e_phnum : h32.e_phnum;
	size = is64 ? h64.e_phentsize : h32.e_phentsize;
	if (size != (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) || num == 0 || num >= PN_XNUM)
		return ctr_fail(e, 0, "%s: bad ELF program headers", name);
	for (size_t i = 0; i < num; i++) {
		Elf64_Phdr p64;
		Elf32_Phdr p32;
		off_t at = off + (off_t)(i * size);
		if (is64 ? pread(fd, &p64, size, at) != (ssize_t)size : pread(fd, &p32, size, at) != (ssize_t)size)
			return ctr_fail(e, 0, "%s: truncated ELF program headers", name);
		if ((is64 ? p64.p_type : p32.p_type) == PT_INTERP)
			return ctr_fail(e, 0, "%s: dynamically linked (it would load its libraries from the jail's root)", name);
	}
	return 0;
}

int jail_prog(struct jail *j, const char *path, struct ctr_err *e)
{
	j->prog = open(path, O_RDONLY | O_CLOEXEC);
	if (j->prog < 0)
		return ctr_fail_errno(e, "open %s", path);
	return elf_static(j->prog, path, e);
}

int jail_open_dir(struct jail *j, const char *dir, bool exact, struct ctr_err *e)
{
	if (!exact) {
		j->root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (j->root < 0)
			return ctr_fail_errno(e, "open %s", dir);
		return 0;
	}
	/* exact: the caller resolved dir once and checked the symlinks it crossed;
	 * a component that became a symlink since (a container swapped a directory
	 * it can write) is refused, never followed */
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	j->root = (int)syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof(how));
	if (j->root < 0 && errno == ELOOP)
		return ctr_fail(e, ELOOP, "%s: a component is (or became) a symlink", dir);
	if (j->root < 0)
		return ctr_fail_errno(e, "open %s", dir);
	return 0;
}

/* text (a /proc/PID/cgroup) has a line whose path is group or under it. */
int cgroup_has(const char *text, const char *group)
{
	size_t glen = strlen(group);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *p = strchr(l, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		const char *end = strchr(l, '\n');
		if (!p || (end && p > end))
			continue;
		p++;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len >= glen && memcmp(p, group, glen) == 0 && (len == glen || p[glen] == '/'))
			return 1;
	}
	return 0;
}

/* read /proc/PID/NAME (through proc, the fd of /proc/PID) into text, NUL
 * terminated. */
static int proc_read(int proc, pid_t pid, const char *name, char *text, size_t size, struct ctr_err *e)
{
	int fd = openat(proc, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ctr_fail_errno(e, "open /proc/%d/%s", (int)pid, name);
	ssize_t n = read_full(fd, text, size - 1);
	xclose(fd);
	if (n < 0)
		return ctr_fail_errno(e, "read /proc/%d/%s", (int)pid, name);
	text[n] = '\0';
	return 0;
}

/* The last number of the line "KEY:" of a /proc/PID/status text (NSpid lists
 * the pid in each pid namespace, the innermost last); -1 when there is no
 * such line or it holds anything but numbers. */
long status_last(const char *text, const char *key)
{
	size_t klen = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, key, klen) != 0 || l[klen] != ':')
			continue;
		long last = -1;
		const char *p = l + klen + 1;
		for (;;) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\n' || *p == '\0')
				return last;
			if (*p < '0' || *p > '9')
				return -1;
			char *end;
			last = strtol(p, &end, 10);
			p = end;
		}
	}
	return -1;
}

/* The process is the container's (in its cgroup), read through the fd of its
 * /proc directory, which names this process for good: a PID recycled later
 * is another directory. */
static int pid_in_cgroup(int proc, pid_t pid, const char *cgroup, struct ctr_err *e)
{
	char text[16384];
	if (proc_read(proc, pid, "cgroup", text, sizeof(text), e) < 0)
		return -1;
	if (!cgroup_has(text, cgroup))
		return ctr_fail(e, 0, "process %d: not in cgroup %s (not the container's)", (int)pid, cgroup);
	return 0;
}

/* A rootless container's PID 1, which no cgroup names (ctr.sh's pid_ours,
 * rootless.sh): PID 1 of its pid namespace (NSpid ends in 1), the child of
 * shim, the container's supervisor (nsenter-chroot --detach cloned it and
 * handed it over to ctr-shim --container-pid-file). */
static int pid_of_shim(int proc, pid_t pid, pid_t shim, struct ctr_err *e)
{
	char text[16384];
	if (proc_read(proc, pid, "status", text, sizeof(text), e) < 0)
		return -1;
	if (status_last(text, "NSpid") != 1)
		return ctr_fail(e, 0, "process %d: not PID 1 of a container", (int)pid);
	if (status_last(text, "PPid") != shim)
		return ctr_fail(e, 0, "process %d: not under supervisor %d (not the container's)", (int)pid, (int)shim);
	return 0;
}

static int pid_ours(int proc, pid_t pid, const char *cgroup, pid_t shim, struct ctr_err *e)
{
	return cgroup ? pid_in_cgroup(proc, pid, cgroup, e) : pid_of_shim(proc, pid, shim, e);
}

int jail_open_pid(struct jail *j, pid_t pid, const char *cgroup, pid_t shim, struct ctr_err *e)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	int proc = open_proc_dir(pid, e);
	if (proc < 0)
		return -1;
	int rc = -1;
	j->user_first = !cgroup;
	if (pid_ours(proc, pid, cgroup, shim, e) < 0)
		goto out;
	if ((j->mnt = openat(proc, "ns/mnt", O_RDONLY | O_CLOEXEC)) < 0 ||
	    (j->user = openat(proc, "ns/user", O_RDONLY | O_CLOEXEC)) < 0 ||
	    (j->root = openat(proc, "root", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = ctr_fail_errno(e, "open %s/ns or root", path);
		goto out;
	}
	int self = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		rc = ctr_fail_errno(e, "open /proc/self/ns/user");
		goto out;
	}
	int same = same_file(j->user, self);
	xclose(self);
	if (same < 0) {
		rc = ctr_fail_errno(e, "fstat %s/ns/user", path);
		goto out;
	}
	if (same)
		close_fd(&j->user); /* setns into one's own user namespace is EINVAL */
	rc = pid_ours(proc, pid, cgroup, shim, e); /* still that process: all fds are its */
out:
	xclose(proc);
	return rc;
}

/* Keep only keep_caps, in every set; nothing comes back at exec. */
static void caps_limit(void)
{
	uint64_t keep = 0;
	for (size_t i = 0; i < NELEM(keep_caps); i++)
		keep |= 1ULL << keep_caps[i];
	for (int c = 0; c < 64; c++) {
		if (keep & (1ULL << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			die_errno("drop capability %d from the bounding set", c);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		die_errno("clear the ambient capabilities");
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		die_errno("capget");
	for (int i = 0; i < 2; i++) {
		d[i].effective &= (uint32_t)(keep >> (32 * i));
		d[i].permitted &= (uint32_t)(keep >> (32 * i));
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		die_errno("capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_errno("prctl no_new_privs");
}

/* Enter the user namespace (its root): the host's ids are not mapped there
 * (EOVERFLOW), and the caller's supplementary groups must not come along
 * (where the namespace allows setgroups: a single-id rootless map denies it,
 * and the caller's own groups stay, as the kernel rules). */
static void userns_enter(int user)
{
	if (geteuid() == 0 && setgroups(0, NULL) < 0) /* root: the host's groups, here */
		die_errno("setgroups");
	if (setns(user, CLONE_NEWUSER) < 0)
		die_errno("setns user");
	become_userns_root();
}

void jail_exec(struct jail *j, char *const argv[])
{
	int keep[] = { j->prog, j->root, j->mnt, j->user };
	if (fds_close_except(keep, NELEM(keep)) < 0)
		die_errno("close inherited fds");
	/* Root enters the mount namespace first: it holds the capability over it
	 * on the host already, and would lose it inside a user namespace that
	 * does not own it (a --userns container's). An unprivileged caller
	 * (rootless) has none until it is in the container's user namespace,
	 * which owns the mount namespace and which its owner may enter: user
	 * first, as nsenter(1) and nsenter-chroot --join --rootless. */
	if (j->user_first && j->user >= 0)
		userns_enter(j->user);
	if (j->mnt >= 0 && setns(j->mnt, CLONE_NEWNS) < 0)
		die_errno("setns mnt");
	if (!j->user_first && j->user >= 0)
		userns_enter(j->user);
	if (fchdir(j->root) < 0)
		die_errno("fchdir to the jail's root");
	if (chroot(".") < 0)
		die_errno("chroot");
	close_fd(&j->root);
	close_fd(&j->mnt);
	close_fd(&j->user);
	caps_limit();
	char *const env[] = { "LC_ALL=C", NULL };
	syscall(SYS_execveat, j->prog, "", argv, env, AT_EMPTY_PATH);
	int err = errno;
	fprintf(stderr, "%s: execveat %s: %s\n", ctr_prog, argv[0], strerror(err));
	_exit(ctr_exec_code(err));
}
