/* clone.c - how the container's first process is born (parent side, errors
 * returned): clone_child (a clone with new namespaces), clone_into_cgroup and
 * clone_maybe_into (born in its cgroup v2 group, clone3 CLONE_INTO_CGROUP:
 * no migration, so no wait for an RCU grace period; where the kernel refuses,
 * a plain clone and the caller moves it), clone_joined (--join: born in the
 * container's pid namespace, and in its v2 group: exec), clone_in_userns
 * (OCI: born in a joined user namespace, owning its new namespaces, and in
 * its v2 group). Each returns the pid, 0 in the child, or -1 and e.
 */
#include "namespace.h"
#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* clone() as fork() with namespace flags: the child is born in them while
 * this process stays in all of the host's. */
pid_t clone_child(int flags, struct ctr_err *e)
{
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD,
				   NULL, NULL, NULL, NULL);
	if (pid < 0)
		return ctr_fail_errno(e, "clone");
	return pid;
}

/* clone_child, the child born in the cgroup v2 group of fd cgroup
 * (clone3 CLONE_INTO_CGROUP): no migration, so none of the wait for an RCU
 * grace period that the first write to a cgroup.procs of a run costs
 * (docs/design.md, "Start-up cost"). -1 (errno set) if the kernel refuses:
 * the caller clones and moves the child as before. */
pid_t clone_into_cgroup(int flags, int cgroup)
{
	struct clone_args args = {
		.flags = (uint64_t)(unsigned)flags | CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)cgroup,
	};
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* clone_into_cgroup where *cgroup is a group's fd, else (none, -1, or the
 * kernel refuses: *cgroup closed and -1 then) clone_child: the caller moves
 * the child where *cgroup is -1. */
pid_t clone_maybe_into(int flags, int *cgroup, struct ctr_err *e)
{
	if (*cgroup >= 0) {
		pid_t pid = clone_into_cgroup(flags, *cgroup);
		if (pid >= 0)
			return pid;
		close_fd(cgroup);
	}
	return clone_child(flags, e);
}

/* The pid of a pidfd, as our pid namespace sees it. */
static pid_t pidfd_pid(int pidfd, struct ctr_err *e)
{
	char path[64], line[128];
	int pid = -1;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	FILE *f = fopen(path, "re");
	if (!f)
		return ctr_fail_errno(e, "open %s", path);
	while (pid < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %d", &pid) != 1)
			pid = -1;
	fclose(f);
	if (pid <= 0)
		return ctr_fail(e, 0, "%s: no pid", path);
	return pid;
}

/* OCI: a user namespace joined by path. The container's new namespaces
 * must belong to it (its root mounts in its mount namespace, proc for its
 * pid namespace), so a process in it makes them: a short-lived child enters
 * it and clones the container's first process as OUR child (CLONE_PARENT),
 * sends back a pidfd of it (the pid it sees may be of a pid namespace
 * joined by path) and exits. Returns the pid, 0 in the container's process,
 * or -1 and e. */
pid_t clone_in_userns(int userns, int flags, int *cgroup, struct ctr_err *e)
{
	int sp[2], st, pidfd = -1;
	char born = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return ctr_fail_errno(e, "socketpair");
	pid_t mid = clone_child(0, e);
	if (mid == 0) {
		xclose(sp[0]);
		if (setns(userns, CLONE_NEWUSER) < 0)
			die_errno("setns user namespace");
		pid_t pid = -1;
		if (*cgroup >= 0) {  /* born in its v2 group, as clone_into_cgroup */
			struct clone_args args = {
				.flags = (uint64_t)(unsigned)flags | CLONE_PARENT | CLONE_PIDFD | CLONE_INTO_CGROUP,
				.pidfd = (uint64_t)(uintptr_t)&pidfd,
				.exit_signal = SIGCHLD,  /* CLONE_PARENT: the kernel takes this one's (the same) */
				.cgroup = (uint64_t)*cgroup,
			};
			pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
			born = pid >= 0;
		}
		if (pid < 0)  /* none, or refused (or no clone3): the parent moves it */
			pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | CLONE_PARENT | CLONE_PIDFD | SIGCHLD,
					     NULL, &pidfd, NULL, NULL);
		if (pid == 0)
			return 0;
		if (pid < 0)
			die_errno("clone in the user namespace");
		if (send_fd_byte(sp[1], pidfd, born) < 0)
			die_errno("send pidfd");
		_exit(0);
	}
	close_fd(&sp[1]);
	if (mid > 0) {
		pidfd = recv_fd_byte(sp[0], 0, &born);
		(void)waitpid(mid, &st, 0);
	}
	if (!born)
		close_fd(cgroup);
	close_fd(&sp[0]);
	if (mid < 0)
		return -1;
	if (pidfd < 0)
		return ctr_fail(e, 0, "clone in the user namespace failed (the reason is above)");
	pid_t pid = pidfd_pid(pidfd, e);
	close_fd(&pidfd);
	return pid;
}

/* --join: the child must be born in the container's pid namespace; point
 * pid_for_children there for the one clone and back, so nothing else this
 * process forks (e.g. the leak checker of a sanitizer build) lands in it. */
pid_t clone_joined(struct ns_join *j, int *cgroup, struct ctr_err *e)
{
	int self = open_proc(getpid(), "ns/pid", e);
	if (self < 0)
		return -1;
	if (setns(j->pidns, CLONE_NEWPID) < 0)
		return ctr_fail_errno(e, "setns pid");
	pid_t pid = clone_maybe_into(0, cgroup, e);
	if (pid <= 0)
		return pid;
	/* rootless (ns_join_userns_first): going back needs CAP_SYS_ADMIN over
	 * the host's pid namespace; this process forks nothing after this one */
	if (!j->in_userns && setns(self, CLONE_NEWPID) < 0) {
		ctr_fail_errno(e, "setns back to own pid namespace");
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return -1;
	}
	close_fd(&self);
	close_fd(&j->pidns);
	return pid;
}
