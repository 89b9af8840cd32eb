/* child.c - everything the container's first process does between clone()
 * and execve(), in this order: close every fd that is not its own, join its
 * cgroup v1 groups, wait for the parent's go (id maps, other cgroups),
 * become the user namespace's root, build the filesystem view (net,
 * cgroup namespace, private /, ROOTFS, the mount list, pivot_root,
 * hostname) or enter the --join'ed container, console, workdir, read-only
 * root, user lookup, environment, rlimits, privileges, seccomp (last),
 * setsid, then PROG (or the init). After clone: every failure dies, the
 * parent reports it by the ready pipe's EOF.
 */
#include "container.h"
#include "caps.h"
#include "cgroup.h"
#include "console.h"
#include "env.h"
#include "exec.h"
#include "fdio.h"
#include "fds.h"
#include "init.h"
#include "oci-seccomp.h"
#include "rootfs.h"
#include "seccomp.h"
#include "user.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* First step of the child: it holds only the fds listed here, those its
 * setup uses (and closes); everything else it inherited goes before the
 * container can see this process: with --join the parent's fds on the host's
 * pid namespace (clone_joined) and on PID's (setns needs CAP_SYS_ADMIN, but
 * the fd must not be there to open). Every fd the child uses must be listed;
 * the ROOTFS fd of --userns (rootfs_fd) is opened later, by the child. */
static void close_fds(struct ctr_run *r)
{
	const struct ctr_spec *s = r->s;
	size_t n = 0;
	int *keep = calloc(10 + NJOIN + s->nmounts + s->ncgroups, sizeof(*keep));  /* as many as below */
	if (!keep)
		die_errno("calloc");
	keep[n++] = r->ready[1];
	keep[n++] = r->go[0];
	keep[n++] = r->go[1];
	keep[n++] = s->console_fd;
	keep[n++] = s->start_fifo;  /* ctr-oci: exec.fifo, waited on after seccomp */
	keep[n++] = r->sys_tree;
	keep[n++] = r->idmap_tree;  /* idmapped by the parent, attached by the child */
	keep[n++] = r->mntns;       /* OCI: the mount namespace joined by path */
	keep[n++] = s->netns_fd;    /* nsenter-chroot: opened early; net_setup closes it */
	for (size_t i = 0; i < NJOIN; i++)
		keep[n++] = r->join.fd[i];  /* -1 without --join */
	keep[n++] = r->join.root;
	for (size_t i = 0; i < s->nmounts; i++)
		keep[n++] = s->mounts[i].tree;  /* volumes: copied by the parent */
	for (size_t i = 0; i < s->ncgroups; i++)
		keep[n++] = r->cg_self[i];  /* cgroup v1 tasks files: joined next */
	if (fds_close_except(keep, n) < 0)
		die_errno("close fds");
	free(keep);
	r->join.pidns = -1;
}

/* The child waits here until the parent has written its id maps and moved it
 * into its other cgroups (v2 but the one it was born in), so that every step, every byte it allocates and every
 * process it forks is accounted there. A closed pipe means the parent failed:
 * it says why. */
static void wait_go(struct ctr_run *r)
{
	char c;
	xclose(r->go[1]);
	if (read_full(r->go[0], &c, 1) != 1)
		_exit(EXIT_SELF);
	xclose(r->go[0]);
}

/* A new container: the child already has its new namespaces from clone()
 * (or entered the mount namespace joined by path); build its filesystem
 * view under ROOTFS, then pivot into it. */
static void create_container(struct ctr_run *r)
{
	const struct ctr_spec *s = r->s;
	bool sysctls = net_setup(s);
	if (unshare(CLONE_NEWCGROUP) < 0)  /* after the cgroup join: its root is ours */
		die_errno("unshare cgroup namespace");
	root_private();
	int root = rootfs_mount(s, r->idmap_tree, r->rootfs_fd);
	rootfs_run_mounts(s, root, r->sys_tree, sysctls);
	rootfs_pivot(root);
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		die_errno("sethostname");
}

static void set_rlimits(const struct ctr_spec *s)
{
	for (size_t i = 0; i < s->nrlimits; i++) {
		struct rlimit rl = { s->rlimits[i].soft, s->rlimits[i].hard }, now;
		if (setrlimit(s->rlimits[i].resource, &rl) == 0)
			continue;
		if (errno == EPERM && getrlimit(s->rlimits[i].resource, &now) == 0 &&
		    rl.rlim_max > now.rlim_max)
			die("setrlimit %s: hard limit %llu above the caller's %llu: raising one needs "
			    "CAP_SYS_RESOURCE", s->rlimits[i].name, (unsigned long long)rl.rlim_max,
			    (unsigned long long)now.rlim_max);
		die_errno("setrlimit %s (soft %llu, hard %llu)", s->rlimits[i].name,
			  (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	}
}

/* User, environment, privileges, seccomp: the identity PROG runs with. */
static char **become_prog(const struct ctr_run *r, int console)
{
	const struct ctr_spec *s = r->s;
	struct ctr_err e;
	struct user u;
	char host[65] = "";
	if (!s->hostname && gethostname(host, sizeof(host) - 1) < 0)
		die_errno("gethostname");
	if (user_resolve(s->user, "/etc/passwd", "/etc/group", &u, &e) < 0)
		ctr_err_die(&e);
	char **envp = env_build(s->env, s->nenv, s->hostname ? s->hostname : host, u.home,
				isatty(0) || s->console_fd >= 0);
	if (console >= 0 && fchown(console, u.uid, (gid_t)-1) < 0)
		die_errno("chown console");
	set_rlimits(s);
	if (s->personality != CTR_NO_PERSONALITY && personality(s->personality) < 0)
		die_errno("personality %#lx", s->personality);
	/* OCI without noNewPrivileges: loading a filter needs CAP_SYS_ADMIN,
	 * so the profile goes in before the drop (runc's order); else last */
	bool profile_first = s->seccomp == CTR_SECCOMP_PROFILE && !s->no_new_privs;
	if (profile_first)
		oci_seccomp_load(s->seccomp_profile);
	privileges_drop(s, u.uid, u.gid);
	if (s->seccomp == CTR_SECCOMP_DEFAULT)
		seccomp_default_install(r->seccomp);  /* last: everything after it is allowed */
	else if (s->seccomp == CTR_SECCOMP_PROFILE && !profile_first)
		oci_seccomp_load(s->seccomp_profile);
	return envp;
}

/* OCI create: tell the parent that the container is ready, then block on
 * exec.fifo until `start` opens it for reading (runc's order: after
 * seccomp, so nothing runs unfiltered once create has returned). The
 * parent is gone after this: exec failures are only printed. Returns the
 * fifo's write end, close-on-exec: held to PROG's execve, so that `start`
 * reads to its end and returns once PROG runs (as runc's start). */
static int wait_start(struct ctr_run *r)
{
	static const char byte = READY_BYTE;
	char path[32];
	if (write_all(r->ready[1], &byte, 1) < 0)
		die_errno("write ready pipe");
	xclose(r->ready[1]);
	r->ready[1] = -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", r->s->start_fifo);
	int fd = open(path, O_WRONLY | O_CLOEXEC);  /* blocks until start */
	if (fd < 0)
		die_errno("open exec fifo");
	if (write_all(fd, "0", 1) < 0)
		die_errno("write exec fifo");
	xclose(r->s->start_fifo);
	return fd;
}

void child_main(struct ctr_run *r)
{
	const struct ctr_spec *s = r->s;
	int console = -1;
	xclose(r->ready[0]);
	xclose(s->notify_fd);  /* the parent's: an --init would hold it for good */
	close_fds(r);
	cgroups_join_self(s, r->cg_self);  /* v1: before any other step */
	if (!s->outlive_parent && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)  /* no orphan containers */
		die_errno("set parent death signal");
	umask(022);
	if (r->go[0] >= 0)
		wait_go(r);
	/* the mount namespace joined by path (ns_open), before ROOTFS is looked up */
	if (r->mntns >= 0) {
		if (setns(r->mntns, CLONE_NEWNS) < 0)
			die_errno("setns mount namespace %s", s->mntns);
		xclose(r->mntns);
	}
	if ((s->ns_new & CLONE_NEWUSER) || s->userns) {  /* new, or joined: born in it */
		/* while we still have the host's uid: its parent dirs may be 0700 */
		r->rootfs_fd = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (r->rootfs_fd < 0)
			die_errno("open %s", s->rootfs);
		become_userns_root();
	}
	struct ctr_err e;
	if (s->rootless && !s->join && binds_prepare(r->s, &e) < 0)  /* (container.c) */
		ctr_err_die(&e);
	if (s->join)
		ns_join_enter(&r->join);
	else
		create_container(r);
	if (s->console_fd >= 0)
		console = console_open(s->console_fd);
	if (console >= 0 && s->console_rows)
		console_size(console, s->console_rows, s->console_cols);
	rootfs_finish(s);
	char **envp = become_prog(r, console);
	/* a session of its own, without a controlling terminal: the caller's
	 * terminal (inherited on 0,1,2 without -t) cannot be pushed input with
	 * TIOCSTI (CVE-2017-5226) and sends no signal into the container: Ctrl-C
	 * reaches it once, forwarded by the parent */
	if (setsid() < 0)
		die_errno("setsid");
	umask(s->umask);
	int started = -1;  /* exec.fifo's write end, to PROG's execve */
	if (s->start_fifo >= 0) {
		/* the pty on 0,1,2 before waiting for start, as runc: the caller's
		 * stdio must not stay open here (containerd-shim reads the output
		 * of `create --console-socket` until EOF: it would wait for start,
		 * which it sends only after create returned) */
		if (console >= 0 && !s->init) {
			console_attach(console);
			console = -1;
		}
		started = wait_start(r);
	}
	if (s->init)
		init_run(s->argv, envp, console, &r->fwd, r->ready[1], started);
	if (console >= 0)
		console_attach(console);
	exec_prog(s->argv, envp, r->ready[1], started);
}
