/* exec.c - executing programs. reexec_sealed: main's first step, run from a
 * copy of ourselves that cannot be written: a read-only overlayfs, or a sealed
 * memfd (CVE-2019-5736). exec_search: execvpe(3)
 * over the CONTAINER's PATH, returning the errno that decides 126 or 127
 * (error.c, ctr_exec_code). signals_reset: every signal at its default,
 * none blocked, just before PROG. Dies only in reexec_sealed (main) and
 * signals_reset and exec_prog (the child): exec_prog is the child's last
 * step, and reports "ready" or the exec's errno on the ready pipe.
 */
#include "exec.h"
#include "env.h"
#include "error.h"
#include "fdio.h"
#include "fds.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

extern char **environ;

/* Is exe (our /proc/self/exe) a file the container cannot write through
 * /proc/PID/exe: a sealed memfd, or a file of a read-only overlayfs (the one
 * seal_overlay makes has no upper layer: no remount makes it writable; one
 * of the host's is in the host's mount namespace, out of the container's
 * reach)? */
static bool exe_sealed(int exe)
{
	struct statfs sfs;
	int seals = fcntl(exe, F_GET_SEALS);
	if (seals >= 0 && (seals & F_SEAL_WRITE))
		return true;
	return fstatfs(exe, &sfs) == 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC &&
	       (sfs.f_flags & ST_RDONLY);
}

/* Copy s to d (of size n) with overlayfs's escapes: "\\" and "\:". */
static bool ovl_escape(char *d, size_t n, const char *s)
{
	size_t i = 0;
	for (; *s; s++) {
		if ((*s == '\\' || *s == ':') && i + 1 < n)
			d[i++] = '\\';
		if (i + 1 >= n)
			return false;
		d[i++] = *s;
	}
	d[i] = '\0';
	return true;
}

/* The binary at path (absolute) seen through a new, detached overlayfs whose
 * layers are its directory and /dev (overlayfs without an upper layer needs
 * two; that directory is on top, and /dev has no file of its name):
 * read-only for good, whatever the mount flags, and no copy (runc 1.2's
 * "sealed overlayfs"). Returns an O_PATH fd on the binary there, or -1 when
 * it cannot be made (no CAP_SYS_ADMIN: rootless; no overlayfs; a binary at /
 * or under /dev, or deleted). */
static int seal_overlay(const char *path)
{
	char exe[PATH_MAX], low[2 * PATH_MAX + 8];
	if (snprintf(exe, sizeof(exe), "%s", path) >= (int)sizeof(exe))
		return -1;
	char *name = strrchr(exe, '/');
	if (!name || name == exe)
		return -1;
	*name++ = '\0';
	if (!ovl_escape(low, sizeof(low) - sizeof(":/dev"), exe))
		return -1;
	strcat(low, ":/dev");
	int ctx = fsopen("overlay", FSOPEN_CLOEXEC);
	if (ctx < 0)
		return -1;
	int mnt = -1, fd = -1;
	if (fsconfig(ctx, FSCONFIG_SET_STRING, "lowerdir", low, 0) == 0) {
		(void)fsconfig(ctx, FSCONFIG_SET_STRING, "xino", "off", 0);  /* no dmesg noise */
		if (fsconfig(ctx, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
			mnt = fsmount(ctx, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	}
	close_fd(&ctx);
	if (mnt >= 0)
		fd = openat(mnt, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	close_fd(&mnt);
	if (fd >= 0 && !exe_sealed(fd))  /* what the re-executed main will check */
		close_fd(&fd);
	return fd;
}

/* A sealed memfd copy of exe (the fallback: a copy of the whole binary). */
static int seal_memfd(int exe)
{
	struct stat st;
	if (fstat(exe, &st) < 0)
		die_errno("fstat /proc/self/exe");
	int mfd = memfd_create(ctr_prog, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		die_errno("memfd_create");
	for (off_t off = 0; off < st.st_size; )
		if (sendfile(mfd, exe, &off, (size_t)(st.st_size - off)) <= 0)
			die_errno("copy /proc/self/exe");
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		die_errno("seal memfd");
	return mfd;
}

/* Run from a copy of ourselves that cannot be written. A helper process that
 * is inside the container (the --init PID 1, a --join child before its exec,
 * or the helper re-run by a PROG whose #! line is /proc/self/exe) shows its
 * binary as /proc/PID/exe to the container; if that were the host's file,
 * container root could open it and overwrite the host's helper. Re-executed
 * from a read-only overlayfs (seal_overlay: no copy, ~1 ms less than the
 * memfd) or else from a sealed memfd copy, the worst it can do is read it. */
void reexec_sealed(char **argv)
{
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		die_errno("open /proc/self/exe");
	if (exe_sealed(exe)) {  /* already the sealed copy */
		xclose(exe);
		return;
	}
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	int fd = n > 0 ? seal_overlay(path) : -1;
	if (fd >= 0) {
		xclose(exe);
		execveat(fd, "", argv, environ, AT_EMPTY_PATH);
		exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);  /* ENOEXEC &c.: the copy */
		if (exe < 0)
			die_errno("open /proc/self/exe");
		xclose(fd);
	}
	fd = seal_memfd(exe);
	xclose(exe);
	fexecve(fd, argv, environ);
	die_errno("re-exec from memfd");
}

/* For a program that execs one of ctr's own helpers (ctr-shim runs
 * nsenter-chroot): an O_PATH fd to exec path from, sealed as reexec_sealed
 * would (then the helper starts sealed and saves its re-exec: one exec, ~1 ms
 * a run), when path is a file of our own binary's directory; -1 otherwise or
 * when none can be made (exec path as usual then: it seals itself). */
int exec_sealed_sibling(const char *path)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *base = strrchr(path, '/');
	if (n <= 0 || path[0] != '/' || !base)
		return -1;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash || (size_t)(slash - self) != (size_t)(base - path) || strncmp(self, path, (size_t)(base - path)) != 0)
		return -1;
	return seal_overlay(path);
}

/* execvpe(3) that searches envp's PATH (glibc's uses the caller's): ENOENT
 * and ENOTDIR try the next directory, EACCES is remembered (it wins over
 * "not found" if nothing else is found), any other error stops the search.
 * An empty PATH component is the current directory. Returns only on failure,
 * with the errno to report. */
int exec_search(char **argv, char **envp)
{
	const char *prog = argv[0];
	const char *path = env_get(envp, "PATH");
	char buf[PATH_MAX];
	int err = ENOENT;
	if (strchr(prog, '/') || !*prog) {
		if (*prog)
			execve(prog, argv, envp);
		return *prog ? errno : ENOENT;
	}
	for (const char *p = path ? path : ""; ; p += strcspn(p, ":") + 1) {
		int len = (int)strcspn(p, ":");
		/* an empty entry is the current directory: ".", all of it */
		if (snprintf(buf, sizeof(buf), "%.*s/%s", len ? len : 1, len ? p : ".", prog) < (int)sizeof(buf)) {
			execve(buf, argv, envp);
			if (errno == EACCES)
				err = EACCES;
			else if (errno != ENOENT && errno != ENOTDIR)
				return errno;
		}
		if (!p[len])
			break;
	}
	return err;
}

/* PROG starts with every signal at its default action and none blocked:
 * an ignored SIGINT or SIGTERM inherited from a background caller would make
 * the container deaf to ctr.sh stop. */
void signals_reset(void)
{
	sigset_t none;
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sigaction(sig, &dfl, NULL) < 0 && errno != EINVAL)  /* EINVAL: libc-internal */
			die_errno("reset signal %d", sig);
	}
	if (sigemptyset(&none) < 0)
		die_errno("sigemptyset");
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		die_errno("sigprocmask");
}

/* Exec failed: tell the parent which errno (after the ready byte), say why,
 * exit 126 or 127. */
__attribute__((noreturn))
static void exec_failed(const char *prog, int err, int ready)
{
	if (ready >= 0)
		(void)write_all(ready, &err, sizeof(err));
	fprintf(stderr, "%s: exec %s: %s\n", ctr_prog, prog, strerror(err));
	_exit(ctr_exec_code(err));
}

/* Last steps before PROG: no fd of ours may reach the container (the
 * CVE-2024-21626 class of leaks): all but ready and keep are closed, and
 * those are close-on-exec; signals are reset, and the parent learns on
 * ready that setup succeeded (the pipe closes at execve). keep (or -1) is
 * only held to the execve: OCI's exec.fifo, whose end tells `start` that
 * PROG runs. */
void exec_prog(char **argv, char **envp, int ready, int keep)
{
	static const char byte = READY_BYTE;
	const int fds[] = { ready, keep };
	if (fds_close_except(fds, 2) < 0)
		die_errno("close fds");
	signals_reset();
	if (ready >= 0 && write_all(ready, &byte, 1) < 0)  /* -1: OCI, told already */
		die_errno("write ready pipe");
	exec_failed(argv[0], exec_search(argv, envp), ready);
}
