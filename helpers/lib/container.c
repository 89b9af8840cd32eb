/* container.c - the executor, parent side: container_run prepares what the
 * child cannot do itself (--join's namespace fds, OCI's namespaces joined by
 * path, the user namespace's ROOTFS copy and sysfs, the volumes' source trees: each source opened once, no
 * symlink followed, checked, copied from that fd; the device rules), clones the
 * child (child.c), which joins its cgroup v1 groups itself (cgroup.c), releases it once its id maps and other cgroups are set, waits
 * for its word, writes the pid file, notifies, forwards signals and returns
 * its exit code (--detach: leaves it to the caller once it runs). Every failure is returned with context, after the child
 * (if any) is killed and reaped: nothing is left running.
 */
#include "container.h"
#include "cgroup.h"
#include "devices.h"
#include "exec.h"
#include "fdio.h"
#include "fds.h"
#include "mount.h"
#include "seccomp.h"
#include "userns.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const int fwd_signals[] = {
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT,
};

/* Block the forwarded signals and SIGCHLD before clone so none is lost: the
 * parent takes them with sigwaitinfo, the child unblocks them at exec. */
static int block_signals(struct ctr_run *r, struct ctr_err *e)
{
	if (sigemptyset(&r->fwd) < 0 || sigaddset(&r->fwd, SIGCHLD) < 0)
		return ctr_fail_errno(e, "sigset");
	for (size_t i = 0; i < NELEM(fwd_signals); i++)
		if (sigaddset(&r->fwd, fwd_signals[i]) < 0)
			return ctr_fail_errno(e, "sigaddset");
	if (sigprocmask(SIG_BLOCK, &r->fwd, NULL) < 0)
		return ctr_fail_errno(e, "sigprocmask");
	return 0;
}

/* Open a bind's source, resolved by the caller, following no symlink on the
 * way (RESOLVE_NO_SYMLINKS: not even the last component): a directory a
 * container can write (a shared volume) may have had a component replaced by
 * a symlink to / since the caller resolved the path, and a second lookup by
 * name would follow it. With src_check the file must also still be the one
 * the caller checked (not another directory renamed into its place).
 * Returns an O_PATH fd (the copy is made from it), or -1 with e. */
static int open_bind_src(const struct ctr_mount *m, struct ctr_err *e)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, m->src, &how, sizeof(how));
	if (fd < 0 && errno == ELOOP)
		return ctr_fail(e, 0, "volume %s: a component is (or became) a symlink: the path"
				" must be resolved, and is not followed again", m->src);
	if (fd < 0)
		return ctr_fail_errno(e, "volume %s", m->src);
	if (fstat(fd, &st) < 0)
		ctr_fail_errno(e, "volume %s", m->src);
	else if (m->src_check && (st.st_dev != m->src_dev || st.st_ino != m->src_ino))
		ctr_fail(e, 0, "volume %s: replaced since it was checked (dev %lu ino %lu,"
			 " expected %lu %lu)", m->src, (unsigned long)st.st_dev,
			 (unsigned long)st.st_ino, (unsigned long)m->src_dev,
			 (unsigned long)m->src_ino);
	else
		return fd;
	close_fd(&fd);
	return -1;
}

/* Volumes, before clone: detached copies of the sources, made from the fd
 * open_bind_src checked (no second lookup by name), nosuid,nodev always (no
 * setuid binary or device smuggled in) plus ro/noexec. The parent makes
 * them: host paths mean what they mean in the host's mount namespace, and a
 * user-namespaced child may not be allowed to search them. Rootless, the
 * parent may not copy a mount (no capability over the host's mount
 * namespace): the child does, in its own (still the host's view, before
 * pivot_root), with the caller's access to the files and no more. */
int binds_prepare(struct ctr_spec *s, struct ctr_err *e)
{
	for (size_t i = 0; i < s->nmounts; i++) {
		struct ctr_mount *m = &s->mounts[i];
		if (m->kind != CTR_MOUNT_BIND)
			continue;
		int fd = open_bind_src(m, e);
		if (fd < 0)
			return -1;
		m->tree = clone_tree(fd, "", m->attrs, m->attrs_clr, !m->norec);
		if (m->tree < 0)
			ctr_fail_errno(e, "volume %s", m->src);
		close_fd(&fd);
		if (m->tree < 0)
			return -1;
	}
	return 0;
}

/* Everything before clone, in order. The device rules come before the
 * child (which joins the group before its first step) could open or make a
 * device node. */
static int prepare(struct ctr_run *r, struct ctr_err *e)
{
	struct ctr_spec *s = r->s;
	if (s->join && ns_join_open(&r->join, s->join, s->join_cgroup, e) < 0)
		return -1;
	if (s->join && s->rootless && ns_join_userns_first(&r->join, e) < 0)
		return -1;
	if (ns_paths_enter(s, e) < 0)
		return -1;
	if (s->mntns && (r->mntns = ns_open(s->mntns, CLONE_NEWNS, e)) < 0)
		return -1;
	if (s->userns && (r->userns = ns_open(s->userns, CLONE_NEWUSER, e)) == -1)
		return -1;
	if (r->userns == -2)  /* the runtime's own: no user namespace to enter */
		s->userns = NULL;
	if (((s->ns_new & CLONE_NEWUSER) || s->userns) &&
	    userns_prepare(s, &r->idmap_tree, &r->sys_tree, e) < 0)
		return -1;
	if (!s->rootless && binds_prepare(s, e) < 0)
		return -1;
	if (s->device_cgroup && devices_restrict(s->device_cgroup, e) < 0)
		return -1;
	/* the filters the child loads last, built (or read from the cache) here:
	 * the child cannot reach the host's cache once it has pivoted */
	if (s->seccomp == CTR_SECCOMP_DEFAULT && seccomp_default_prepare(s->caps.bounding, r->seccomp, e) < 0)
		return -1;
	r->cg_self = calloc(s->ncgroups + 1, sizeof(*r->cg_self));
	if (!r->cg_self)
		return ctr_fail_errno(e, "calloc");
	if (cgroups_self_open(s, r->cg_self, e) < 0)
		return -1;
	if (pipe2(r->ready, O_CLOEXEC) < 0)
		return ctr_fail_errno(e, "pipe");
	if ((s->ncgroups > 0 || (s->ns_new & CLONE_NEWUSER) || s->userns || s->nnet_hook) &&
	    pipe2(r->go, O_CLOEXEC) < 0)
		return ctr_fail_errno(e, "pipe");
	return block_signals(r, e);
}

/* Kill and reap the child after a failure; returns -1 for the caller. */
static int abort_child(pid_t pid)
{
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	return -1;
}

/* --net-hook: PROG [ARG...] PID, once the child's network namespace and id
 * maps exist and before it runs a step of its own, so that its network is
 * up before PROG (user-mode networking: pasta joins the namespaces of PID
 * and stays as a daemon; the caller ends it). Like an OCI createRuntime
 * hook: in the runtime's namespaces, our environment, stdin and stdout
 * /dev/null (a daemon must not hold the container's pipes), stderr ours, no
 * other fd, no blocked signal. It must exit 0 within NET_HOOK_TICKS. */
#define NET_HOOK_TICKS 3000  /* of 10 ms: 30 s */
static int net_hook_run(const struct ctr_spec *s, pid_t pid, struct ctr_err *e)
{
	char num[24];
	snprintf(num, sizeof(num), "%d", (int)pid);
	s->net_hook[s->nnet_hook] = num;
	pid_t h = fork();
	if (h < 0)
		return ctr_fail_errno(e, "fork %s", s->net_hook[0]);
	if (h == 0) {
		sigset_t none;
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    sigemptyset(&none) < 0 || sigprocmask(SIG_SETMASK, &none, NULL) < 0 ||
		    fds_close_except(NULL, 0) < 0)
			_exit(125);
		execv(s->net_hook[0], (char **)s->net_hook);
		fprintf(stderr, "nsenter-chroot: exec %s: %s\n", s->net_hook[0], strerror(errno));
		_exit(127);
	}
	int st = 0;
	pid_t w = 0;
	for (int t = 0; t < NET_HOOK_TICKS && (w = waitpid(h, &st, WNOHANG)) == 0; t++)
		(void)nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	if (w == 0) {
		(void)kill(h, SIGKILL);
		(void)waitpid(h, NULL, 0);
		return ctr_fail(e, 0, "--net-hook %s: still running after %d s: killed",
				s->net_hook[0], NET_HOOK_TICKS / 100);
	}
	if (w < 0)
		return ctr_fail_errno(e, "wait %s", s->net_hook[0]);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return ctr_fail(e, 0, "--net-hook %s: failed (status %#x)", s->net_hook[0], (unsigned)st);
	return 0;
}

/* Prepare what the child waits for, then let it go. */
static int release_child(struct ctr_run *r, pid_t pid, struct ctr_err *e)
{
	struct ctr_spec *s = r->s;
	if (s->ns_new & CLONE_NEWUSER) {
		if (userns_map(s, pid, e) < 0 || userns_idmap_rootfs(r->idmap_tree, pid, e) < 0)
			return -1;
		close_fd(&r->idmap_tree);
	}
	if (cgroups_join(s, pid, r->born_cgroup, r->cg_self, e) < 0 || oom_score_adj_write(s, pid, e) < 0)
		return -1;
	if (s->nnet_hook && net_hook_run(s, pid, e) < 0)
		return -1;
	if (write_all(r->go[1], "g", 1) < 0)
		return ctr_fail_errno(e, "write go pipe");
	close_fd(&r->go[1]);
	return 0;
}

/* Wait for the child's word: READY_BYTE then EOF (PROG exec'd), READY_BYTE
 * then an errno (execve failed: 126/127), or EOF alone (setup failed, the
 * child said why). Returns the errno, 0 on success, -1 on setup failure. */
static int wait_ready(struct ctr_run *r)
{
	char buf[1 + sizeof(int)];
	int err;
	close_fd(&r->ready[1]);
	ssize_t n = read_full(r->ready[0], buf, sizeof(buf));
	close_fd(&r->ready[0]);
	if (n < 1 || buf[0] != READY_BYTE)
		return -1;
	if (n < (ssize_t)sizeof(buf))
		return 0;
	memcpy(&err, buf + 1, sizeof(err));
	return err;
}

/* Forward signals to the child until it exits; return its exit code. */
static int supervise(struct ctr_run *r, pid_t pid, struct ctr_err *e)
{
	for (;;) {
		siginfo_t si;
		int st;
		if (sigwaitinfo(&r->fwd, &si) < 0) {
			if (errno == EINTR)
				continue;
			ctr_fail_errno(e, "sigwaitinfo");
			return abort_child(pid);
		}
		if (si.si_signo != SIGCHLD) {
			(void)kill(pid, si.si_signo);
			continue;
		}
		pid_t p = waitpid(pid, &st, WNOHANG);
		if (p == pid)
			return ctr_status_code(st);
	}
}

/* The parent keeps nothing that was made for the child. */
static void close_child_fds(struct ctr_run *r)
{
	struct ctr_spec *s = r->s;
	close_fd(&s->console_fd);
	close_fd(&r->sys_tree);
	close_fd(&r->mntns);
	close_fd(&r->userns);
	for (size_t i = 0; i < NJOIN; i++)  /* --join: the container's namespaces */
		close_fd(&r->join.fd[i]);
	close_fd(&r->join.root);
	for (size_t i = 0; i < s->nmounts; i++)
		close_fd(&s->mounts[i].tree);
	for (size_t i = 0; r->cg_self && i < s->ncgroups; i++)
		if (r->cg_self[i] >= 0) {  /* -2: the child joins it (cgroups_join skips it) */
			close_fd(&r->cg_self[i]);
			r->cg_self[i] = -2;
		}
}

/* container_create: the child is set up (and waits for start, or runs
 * PROG); it is left to outlive us, or killed when it failed. */
static int detached(struct ctr_run *r, pid_t pid, int err, struct ctr_err *e)
{
	if (err < 0) {
		ctr_fail(e, 0, "container setup failed (the reason is above)");
		return abort_child(pid);
	}
	if (err > 0) {
		ctr_fail(e, err, "exec %s", r->s->argv[0]);
		e->code = ctr_exec_code(err);
		return abort_child(pid);
	}
	if (sigprocmask(SIG_UNBLOCK, &r->fwd, NULL) < 0) {
		ctr_fail_errno(e, "sigprocmask");
		return abort_child(pid);
	}
	return pid;
}

/* --detach: PROG runs and the pid file names it: PID 1 is the caller's
 * from here. The signals that came for it meanwhile (blocked since before
 * clone: the caller's Ctrl-C) are passed on first, as supervise would;
 * then the helper exits 0 and the kernel re-parents PID 1 to the nearest
 * child subreaper (ctr-shim --container-pid-file), which reaps it and
 * forwards what comes after. No other process of ours stays resident. */
static int hand_over(struct ctr_run *r, pid_t pid, struct ctr_err *e)
{
	static const struct timespec now = { 0, 0 };
	sigset_t fwd = r->fwd;
	int sig;
	if (sigdelset(&fwd, SIGCHLD) < 0) {
		ctr_fail_errno(e, "sigdelset");
		return abort_child(pid);
	}
	while ((sig = sigtimedwait(&fwd, NULL, &now)) > 0 || (sig < 0 && errno == EINTR))
		if (sig > 0)
			(void)kill(pid, sig);  /* our child, not reaped: its pid is its own */
	if (errno != EAGAIN) {
		ctr_fail_errno(e, "sigtimedwait");
		return abort_child(pid);
	}
	return 0;
}

static int parent_main(struct ctr_run *r, pid_t pid, struct ctr_err *e)
{
	struct ctr_spec *s = r->s;
	close_child_fds(r);
	bpf_free(r->seccomp);  /* the child's copy is the one loaded */
	if (r->go[1] >= 0) {
		close_fd(&r->go[0]);
		if (release_child(r, pid, e) < 0)
			return abort_child(pid);
	}
	int err = wait_ready(r);
	if (err == 0 && s->pid_file && write_pid_file(s->pid_file, pid, !s->pid_file_bare) < 0) {
		ctr_fail_errno(e, "%s", s->pid_file);
		return abort_child(pid);
	}
	/* advisory: a reader that is gone (EPIPE, SIGPIPE ignored: the parent
	 * execs nothing) is not a reason to stop the container */
	if (err == 0 && s->notify_fd >= 0 && signal(SIGPIPE, SIG_IGN) != SIG_ERR)
		(void)write_all(s->notify_fd, "R", 1);
	close_fd(&s->notify_fd);
	if (r->detach)
		return detached(r, pid, err, e);
	if (s->detach && err == 0)
		return hand_over(r, pid, e);
	int code = supervise(r, pid, e);
	if (code >= 0 && err > 0)
		return ctr_exec_code(err);
	return code;
}

/* The container's first process (pid; 0 in it), born in its cgroup v2 group
 * where it has one (cgroup.c): a new container's, --join's (in the
 * container's pid namespace) and one in a joined user namespace alike; none,
 * or the kernel refuses: r->born_cgroup -1, and the parent moves it. */
static pid_t clone_first(struct ctr_run *r, struct ctr_err *e)
{
	const struct ctr_spec *s = r->s;
	int fd = -1;
	r->born_cgroup = cgroup_birth_group(s, &fd);
	pid_t pid = s->join ? clone_joined(&r->join, &fd, e) :
		    r->userns >= 0 ? clone_in_userns(r->userns, s->ns_new, &fd, e) :
		    clone_maybe_into(s->ns_new, &fd, e);
	if (fd < 0)
		r->born_cgroup = -1;
	if (pid != 0)
		close_fd(&fd);  /* the child's close_fds closes its copy */
	return pid;
}

/* Run the container of spec s; returns its exit code (PROG's status,
 * 128+N on signal N, 126/127 when PROG cannot be exec'd, 125 when its setup
 * failed in the child, which said why), or -1 and e when the parent failed. */
static int start(struct ctr_spec *s, bool detach, struct ctr_err *e)
{
	static struct ctr_run r;
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.detach = detach;
	r.go[0] = r.go[1] = r.ready[0] = r.ready[1] = -1;
	r.idmap_tree = r.rootfs_fd = r.sys_tree = r.mntns = r.userns = r.born_cgroup = -1;
	r.join.root = r.join.pidns = -1;
	for (size_t i = 0; i < NJOIN; i++)
		r.join.fd[i] = -1;
	if (prepare(&r, e) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = clone_first(&r, e);
	if (pid < 0)
		return -1;
	if (pid == 0)
		child_main(&r);
	return parent_main(&r, pid, e);
}

int container_run(struct ctr_spec *s, struct ctr_err *e)
{
	return start(s, false, e);
}

/* Set up the container of spec s (s->outlive_parent) and return the pid of
 * its first process without waiting for it: with s->start_fifo it waits
 * for `start`, else PROG runs. -1 and e on failure, nothing left running. */
pid_t container_create(struct ctr_spec *s, struct ctr_err *e)
{
	return start(s, true, e);
}
