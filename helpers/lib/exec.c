/* exec.c - executing programs. reexec_sealed: main's first step, run from a
 * sealed memfd copy of ourselves (CVE-2019-5736). exec_search: execvpe(3)
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
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/* Run from a sealed memfd copy of ourselves. A helper process that is inside
 * the container (the --init PID 1, a --join child before its exec, or the
 * helper re-run by a PROG whose #! line is /proc/self/exe) shows its binary as
 * /proc/PID/exe to the container; if that were the host's file, container root
 * could open it and overwrite the host's helper. The memfd is sealed
 * against writes, so the worst it can do is read a copy. */
void reexec_sealed(char **argv)
{
	struct stat st;
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		die_errno("open /proc/self/exe");
	int seals = fcntl(exe, F_GET_SEALS);
	if (seals >= 0 && (seals & F_SEAL_WRITE)) {  /* already the sealed copy */
		xclose(exe);
		return;
	}
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
	xclose(exe);
	fexecve(mfd, argv, environ);
	die_errno("re-exec from memfd");
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
 * CVE-2024-21626 class of leaks): all but ready are closed, and it is
 * close-on-exec; signals are reset, and the parent learns on ready that
 * setup succeeded (the pipe closes at execve). */
void exec_prog(char **argv, char **envp, int ready)
{
	static const char byte = READY_BYTE;
	if (fds_close_except(&ready, 1) < 0)
		die_errno("close fds");
	signals_reset();
	if (ready >= 0 && write_all(ready, &byte, 1) < 0)  /* -1: OCI, told already */
		die_errno("write ready pipe");
	exec_failed(argv[0], exec_search(argv, envp), ready);
}
