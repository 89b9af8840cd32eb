/* oci-hooks.c - OCI hooks: oci_hooks_parse (config.json's hooks object:
 * path absolute, args, env, timeout > 0) and oci_hooks_run: each hook of a
 * kind in order, the container's state JSON on its stdin, its environment
 * only what the config gives, killed after its timeout. createContainer and
 * startContainer hooks run in the container's mount namespace (setns into
 * ns_pid's, then its root), the others in the runtime's. A failure is
 * returned; the caller applies the spec's rule (prestart, createRuntime,
 * createContainer, startContainer: the verb fails, so the first failure
 * stops the others; poststart, poststop: a warning, and the remaining hooks
 * run as if it had succeeded, every failure named in the one error).
 */
#include "oci-hooks.h"
#include "fdio.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int parse_hook(struct oci_config *c, const struct oj *h, struct oci_hook *out, struct ctr_err *e)
{
	static const char *const known[] = { "path", "args", "env", "timeout", NULL };
	int64_t timeout = 0;
	if (oj_keys(h, known, e) < 0 || oj_str(h, "path", &out->path, e) < 0 ||
	    oj_strv(h, "args", &out->args, NULL, e) < 0)
		return -1;
	oci_own(c, out->args);
	if (oj_strv(h, "env", &out->env, NULL, e) < 0)
		return -1;
	oci_own(c, out->env);
	if (oj_i64(h, "timeout", 1, 86400, &timeout, e) < 0)
		return -1;
	if (!out->path || out->path[0] != '/')
		return oj_bad(h, "path", e, "required, an absolute path");
	out->timeout = (int)timeout;
	return 0;
}

int oci_hooks_parse(struct oci_config *c, const struct oj *h, struct ctr_err *e)
{
	if (oj_keys(h, oci_hook_names, e) < 0)
		return -1;
	for (int k = 0; k < OCI_NHOOKS; k++) {
		struct oj a, x;
		int r = oj_child(h, oci_hook_names[k], json_type_array, &a, e);
		if (r < 0)
			return -1;
		size_t n = r > 0 ? json_object_array_length(a.o) : 0;
		c->hooks[k] = oci_alloc(c, n, sizeof(struct oci_hook));
		c->nhooks[k] = n;
		for (size_t i = 0; i < n; i++)
			if (oj_index(&a, i, json_type_object, &x, e) < 0 ||
			    parse_hook(c, &x, &c->hooks[k][i], e) < 0)
				return -1;
	}
	return 0;
}

/* The hook's process: state on stdin (a pipe filled before it runs: the
 * state is small), in the container's mount namespace when asked. */
__attribute__((noreturn))
static void hook_child(const struct oci_hook *h, int in, int mntns)
{
	static const char *const noenv[] = { NULL };
	const char *argv0[] = { h->path, NULL };
	if (dup2(in, 0) < 0)
		die_errno("hook stdin");
	if (mntns >= 0) {
		if (setns(mntns, CLONE_NEWNS) < 0)
			die_errno("hook: setns mnt");
		if (chdir("/") < 0)
			die_errno("hook: chdir /");
	}
	execve(h->path, (char **)(h->args ? h->args : argv0), (char **)(h->env ? h->env : noenv));
	die_errno("hook: exec %s", h->path);
}

/* Wait for pid, at most timeout seconds (0: forever); kill it after. */
static int hook_wait(pid_t pid, int timeout, int *status)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	for (long waited = 0; ; waited += 10) {
		pid_t r = waitpid(pid, status, timeout ? WNOHANG : 0);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (timeout && waited >= timeout * 1000L) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, status, 0);
			return errno = ETIMEDOUT, -1;
		}
		if (timeout)
			nanosleep(&tick, NULL);
	}
}

static int run_one(const struct oci_hook *h, const char *state, int mntns, struct ctr_err *e)
{
	int p[2], st = 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return ctr_fail_errno(e, "pipe");
	(void)fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	if (write_all(p[1], state, strlen(state)) < 0) {
		close_fd(&p[0]);
		close_fd(&p[1]);
		return ctr_fail_errno(e, "hook %s: state", h->path);
	}
	close_fd(&p[1]);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close_fd(&p[0]);
		return ctr_fail_errno(e, "fork");
	}
	if (pid == 0)
		hook_child(h, p[0], mntns);
	close_fd(&p[0]);
	if (hook_wait(pid, h->timeout, &st) < 0)
		return ctr_fail_errno(e, "hook %s", h->path);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return ctr_fail(e, 0, "hook %s: exit status %d", h->path, ctr_status_code(st));
	return 0;
}

int oci_hooks_run(const struct oci_config *c, enum oci_hook_kind k, const char *state,
		  pid_t ns_pid, struct ctr_err *e)
{
	int mntns = -1, r = 0;
	if (c->nhooks[k] == 0)
		return 0;
	if (k == OCI_CREATE_CONTAINER || k == OCI_START_CONTAINER) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)ns_pid);
		if ((mntns = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return ctr_fail_errno(e, "open %s", path);
	}
	bool go_on = k == OCI_POSTSTART || k == OCI_POSTSTOP;
	char msg[sizeof(e->msg)] = "";
	for (size_t i = 0; i < c->nhooks[k] && (r == 0 || go_on); i++) {
		struct ctr_err one;
		if (run_one(&c->hooks[k][i], state, mntns, &one) == 0)
			continue;
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, "%s%s %.400s", n ? "; " : "", oci_hook_names[k], one.msg);
		*e = one;
		r = -1;
	}
	close_fd(&mntns);
	if (r < 0)
		snprintf(e->msg, sizeof(e->msg), "%s", msg);
	return r;
}
