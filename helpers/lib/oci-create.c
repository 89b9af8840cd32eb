/* oci-create.c - `create`: the state dir, config.json read into a spec, the
 * cgroup made and limited, exec.fifo, the container set up by the executor
 * (container_create: its init, our child, blocks on the fifo after
 * seccomp; its oomScoreAdj written by the executor), state.json, sysctl and
 * domainname, the prestart/createRuntime/createContainer hooks, the pid
 * file; then this
 * process exits and the init is reparented (to the caller's subreaper:
 * conmon, containerd-shim). Any failure undoes it all: no state dir,
 * cgroup, mount or process is left.
 */
#include "oci-cmd.h"
#include "container.h"
#include "fdio.h"
#include "namespace.h"
#include "oci-cgroup.h"
#include "oci-hooks.h"
#include "oci.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The caller's --console-socket, connected (the pty master goes there). */
static int connect_console(const char *path, struct ctr_err *e)
{
	int s = connect_unix(path);
	if (s < 0)
		return ctr_fail_errno(e, "connect --console-socket %s", path);
	return s;
}

/* A procfs mounted nowhere (its mount fd), or -1: the caller uses /proc. */
static int proc_detached(void)
{
	int fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	int m = -1;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	xclose(fs);
	return m;
}

/* sysctl and domainname, from a child in the container's namespaces (net,
 * ipc, uts): /proc/sys answers for the namespaces of the writer. */
static int apply_ns_settings(const struct oci_config *c, pid_t pid, struct ctr_err *e)
{
	static const char *const ns[] = { "net", "ipc", "uts" };
	int st;
	if (c->nsysctl == 0 && !c->domainname)
		return 0;
	fflush(NULL);
	pid_t k = fork();
	if (k < 0)
		return ctr_fail_errno(e, "fork");
	if (k == 0) {
		char path[PATH_MAX];
		for (size_t i = 0; i < NELEM(ns); i++) {
			snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns[i]);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, 0) < 0)
				die_errno("setns %s", path);
			xclose(fd);
		}
		/* through a procfs of our own, gone when we exit: the host's /proc
		 * keeps a /proc/sys/net dentry per netns that looked there, all
		 * compared on each lookup (netns.c, sysctl_write_at) */
		int proc = c->nsysctl ? proc_detached() : -1;
		for (size_t i = 0; i < c->nsysctl; i++)
			if (sysctl_set(proc, c->sysctl[i].key, strlen(c->sysctl[i].key), c->sysctl[i].value) < 0)
				die_errno("sysctl %s", c->sysctl[i].key);
		if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
			die_errno("setdomainname");
		_exit(0);
	}
	if (waitpid(k, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return ctr_fail(e, 0, "linux.sysctl or domainname: could not be applied (the reason is above)");
	return 0;
}

/* The cgroup: made, limited; the spec joins every directory of it. */
static int setup_cgroup(struct oci_config *c, struct oci_state *st, struct cg_groups *cg,
			struct ctr_err *e)
{
	if (c->cgroups_path)
		snprintf(st->cgroup, sizeof(st->cgroup), "%s", c->cgroups_path);
	else
		snprintf(st->cgroup, sizeof(st->cgroup), "/%s", st->id);
	if (cg_groups(cg, st->cgroup, e) < 0 || cg_create(cg, e) < 0)
		return -1;
	json_object *none = json_object_new_object();
	int r = cg_resources(cg, c->resources ? c->resources : none, false, e);
	/* the device rules, with linux.devices usable (runc allows them too) */
	if (r == 0)
		r = cg_devices(cg, c->resources ? c->resources : none, c->spec.devices, c->spec.ndevices, e);
	json_object_put(none);
	if (r < 0)
		return -1;
	c->spec.cgroups = calloc(cg->n + 1, sizeof(*c->spec.cgroups));  /* ctr_spec_free's */
	if (!c->spec.cgroups)
		die_errno("calloc");
	for (size_t i = 0; i < cg->n; i++)
		c->spec.cgroups[c->spec.ncgroups++] = cg->g[i].dir;
	if (*cg->unified)
		c->spec.cgroups[c->spec.ncgroups++] = cg->unified;
	return 0;
}

static int make_fifo(struct oci_config *c, const struct oci_state *st, struct ctr_err *e)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/exec.fifo", st->dir);
	/* writable by any user the process may run as (it reopens the fifo
	 * through its fd after setuid); the state dir (0700) keeps others out */
	if (mkfifo(path, 0622) < 0 || chmod(path, 0622) < 0)
		return ctr_fail_errno(e, "mkfifo %s", path);
	c->spec.start_fifo = open(path, O_PATH | O_CLOEXEC);
	if (c->spec.start_fifo < 0)
		return ctr_fail_errno(e, "open %s", path);
	return 0;
}

static int save_config(const struct oci_config *c, const struct oci_state *st, struct ctr_err *e)
{
	int dir = open(st->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = dir < 0 ? -1 : write_replace(dir, "config.json", json_object_to_json_string(c->json), false);
	close_fd(&dir);
	return r < 0 ? ctr_fail_errno(e, "write %s/config.json", st->dir) : 0;
}

/* After the init exists: state, settings, hooks, pid file. */
static int finish(const struct oci_ctx *g, struct oci_config *c, struct oci_state *st,
		  const char *pid_file, struct ctr_err *e)
{
	(void)g;
	st->start_time = oci_proc_start(st->pid);
	st->created = (long long)time(NULL);
	if (oci_state_save(st, e) < 0 || apply_ns_settings(c, st->pid, e) < 0)
		return -1;
	char *state = oci_state_json(st, OCI_CREATING);
	int r = 0;
	for (int k = OCI_PRESTART; r == 0 && k <= OCI_CREATE_CONTAINER; k++)
		r = oci_hooks_run(c, (enum oci_hook_kind)k, state, st->pid, e);
	free(state);
	if (r == 0 && pid_file && write_pid_file(pid_file, st->pid, false) < 0)
		return ctr_fail_errno(e, "--pid-file %s", pid_file);
	return r;
}

/* Undo a failed create: the process, the cgroup, the state dir. */
static void undo(const struct oci_ctx *g, struct oci_state *st, bool made_dir)
{
	struct ctr_err e2;
	if (st->pid > 0) {
		(void)kill(st->pid, SIGKILL);
		(void)waitpid(st->pid, NULL, 0);
	}
	if (*st->cgroup && oci_destroy(g, st, true, &e2) < 0)
		oci_fail(g, &e2);
	if (made_dir && oci_state_remove(st, &e2) < 0)
		oci_fail(g, &e2);
}

/* console: the caller's --console-socket; relay: else a socket of ours
 * (`run`: oci-tty.c), taken (closed) either way. */
pid_t oci_create_container(const struct oci_ctx *g, const char *id, const char *bundle,
			   const char *console, int relay, const char *pid_file, struct oci_state *st,
			   struct ctr_err *e)
{
	static struct oci_config c;
	struct cg_groups cg;
	memset(st, 0, sizeof(*st));
	if (oci_state_dir(g, id, st->dir, e) < 0)
		return -1;
	snprintf(st->id, sizeof(st->id), "%s", id);
	if (mkdir_p(g->root) < 0 && errno != EEXIST)
		return ctr_fail_errno(e, "--root %s", g->root);
	if (mkdir(st->dir, 0700) < 0)
		return errno == EEXIST ? ctr_fail(e, 0, "container %s exists", id)
				       : ctr_fail_errno(e, "mkdir %s", st->dir);
	int r = oci_config_load(&c, bundle, e);
	if (r == 0) {
		snprintf(st->bundle, sizeof(st->bundle), "%s", c.bundle);
		if (c.terminal && !console && relay < 0)
			r = ctr_fail(e, 0, "process.terminal needs --console-socket");
		else if (!c.terminal && console)
			r = ctr_fail(e, 0, "--console-socket needs process.terminal true");
		else if (console && (c.spec.console_fd = connect_console(console, e)) < 0)
			r = -1;
		else if (c.terminal && !console)
			c.spec.console_fd = relay, relay = -1;
	}
	close_fd(&relay);
	if (r == 0)
		r = save_config(&c, st, e);
	if (r == 0)
		r = setup_cgroup(&c, st, &cg, e);
	if (r == 0)
		r = make_fifo(&c, st, e);
	if (r == 0 && (st->pid = container_create(&c.spec, e)) < 0) {
		st->pid = 0;
		r = -1;
	}
	if (r == 0)
		r = finish(g, &c, st, pid_file, e);
	close_fd(&c.spec.start_fifo);
	close_fd(&c.spec.console_fd);
	oci_config_free(&c);
	if (r < 0) {
		undo(g, st, true);
		return -1;
	}
	return st->pid;
}

static const struct ctr_opt create_opts[] = {
	{ "bundle", 'b', "DIR", "the bundle (default: the current directory)" },
	{ "pid-file", 'p', "FILE", "write the init's pid there" },
	{ "console-socket", 'c', "SOCKET", "send the pty master there (process.terminal)" },
	{ "no-new-keyring", 'k', NULL, "accepted: ctr-oci makes no session keyring" },
	{ "no-pivot", 'n', NULL, "refused: ctr-oci always uses pivot_root" },
	{ "preserve-fds", 'f', "N", "only 0: no fd beyond stdio is passed yet" },
	{ NULL, 0, NULL, NULL },
};

int oci_create(const struct oci_ctx *g, int argc, char **argv)
{
	const char *bundle = ".", *pid_file = NULL, *console = NULL, *arg;
	struct ctr_err e;
	struct oci_state st;
	int c, r;
	while ((r = oci_getopt(create_opts, true, argc, argv, &c, &arg, &e)) > 0) {
		if (c == 'b')
			bundle = arg;
		else if (c == 'p')
			pid_file = arg;
		else if (c == 'c')
			console = arg;
		else if (c == 'n')
			return ctr_fail(&e, 0, "--no-pivot: not supported (pivot_root always)"), oci_fail(g, &e);
		else if (c == 'f' && strcmp(arg, "0") != 0)
			return ctr_fail(&e, 0, "--preserve-fds: not supported yet"), oci_fail(g, &e);
	}
	if (r < 0 || oci_one_id(argc, argv, 1, 1, &e) < 0)
		return oci_fail(g, &e);
	if (oci_create_container(g, argv[optind], bundle, console, -1, pid_file, &st, &e) < 0)
		return oci_fail(g, &e);
	return 0;
}
