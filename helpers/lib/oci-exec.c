/* oci-exec.c - `exec`: a new process in a created or running container,
 * through the executor's join path (container.c --join: its namespaces, its
 * root, its cgroup). The process is the config's, replaced by --process
 * FILE, or the config's with argv and --cwd --env --user --cap on top (as
 * runc). With --detach the process outlives us (pid file first); without,
 * we wait and exit with its code. --tty sends the pty to --console-socket,
 * or without one (not with --detach) we relay it (oci-tty.c).
 */
#include "oci-cmd.h"
#include "container.h"
#include "fdio.h"
#include "oci-cgroup.h"
#include "caps.h"
#include "oci.h"
#include "oci-tty.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct ctr_opt exec_opts[] = {
	{ "process", 'p', "FILE", "the process as a config.json process object" },
	{ "cwd", 'w', "DIR", "working directory" },
	{ "env", 'e', "K=V", "add to the environment (repeatable)" },
	{ "user", 'u', "UID[:GID]", "numeric user and group" },
	{ "tty", 't', NULL, "a pty (relayed, or sent to --console-socket)" },
	{ "detach", 'd', NULL, "return once the process runs" },
	{ "pid-file", 'P', "FILE", "write the process's pid there" },
	{ "console-socket", 'c', "SOCKET", "send the pty master there" },
	{ "cap", 'C', "CAP", "add a capability (repeatable)" },
	{ "no-new-privs", 'n', NULL, "set no_new_privs" },
	{ "preserve-fds", 'f', "N", "only 0" },
	{ NULL, 0, NULL, NULL },
};

struct xopts {
	const char *process, *cwd, *user, *pid_file, *console;
	const char *env[64];
	size_t nenv;
	uint64_t caps;
	bool tty, detach, nnp;
};

static int parse_opts(struct xopts *o, int argc, char **argv, struct ctr_err *e)
{
	int c, r, cap;
	const char *arg;
	while ((r = oci_getopt(exec_opts, false, argc, argv, &c, &arg, e)) > 0) {
		switch (c) {
		case 'p': o->process = arg; break;
		case 'w': o->cwd = arg; break;
		case 'u': o->user = arg; break;
		case 't': o->tty = true; break;
		case 'd': o->detach = true; break;
		case 'P': o->pid_file = arg; break;
		case 'c': o->console = arg; break;
		case 'n': o->nnp = true; break;
		case 'f':
			if (strcmp(arg, "0"))
				return ctr_fail(e, 0, "--preserve-fds: not supported yet");
			break;
		case 'e':
			if (o->nenv == NELEM(o->env) || !strchr(arg, '='))
				return ctr_misuse(e, "--env: K=V, at most 64");
			o->env[o->nenv++] = arg;
			break;
		case 'C':
			if ((cap = cap_number(arg, e)) < 0)
				return -1;
			o->caps |= 1ULL << cap;
			break;
		}
	}
	return r;
}

/* The process: --process FILE, or the config's with the options on top. */
static int make_process(struct oci_config *c, struct xopts *o, char **args, struct ctr_err *e)
{
	struct ctr_spec *s = &c->spec;
	if (o->process) {
		if (oci_process_file(c, o->process, e) < 0)
			return -1;
	} else if (!args[0]) {
		return ctr_misuse(e, "exec: ID and a command, or --process FILE");
	} else {
		s->argv = args;
		c->terminal = false;  /* not the config's: --tty says (as runc) */
	}
	if (o->cwd)
		s->cwd = o->cwd;
	if (o->user)
		s->user = o->user;
	if (o->nnp)
		s->no_new_privs = true;
	s->caps.bounding |= o->caps;
	s->caps.effective |= o->caps;
	s->caps.permitted |= o->caps;
	if (o->nenv) {
		const char **env = oci_alloc(c, s->nenv + o->nenv + 1, sizeof(*env));
		memcpy(env, s->env, s->nenv * sizeof(*env));
		memcpy(env + s->nenv, o->env, o->nenv * sizeof(*env));
		s->nenv += o->nenv;
		free(s->env);
		s->env = malloc((s->nenv + 1) * sizeof(*env));  /* ctr_spec_free's */
		if (!s->env)
			die_errno("malloc");
		memcpy(s->env, env, s->nenv * sizeof(*env));
	}
	if (o->tty)
		c->terminal = true;
	if (o->console && !c->terminal)
		return ctr_fail(e, 0, "--console-socket needs a terminal (--tty)");
	if (c->terminal && !o->console && o->detach)
		return ctr_fail(e, 0, "a terminal with --detach needs --console-socket");
	return 0;
}

/* The caller's --console-socket, connected (the pty master goes there). */
static int console_connect(const char *path, struct ctr_err *e)
{
	int s = connect_unix(path);
	if (s < 0)
		return ctr_fail_errno(e, "connect --console-socket %s", path);
	return s;
}

/* The spec of a joining process: no new namespace, no mount, the
 * container's cgroups. */
static int join_spec(struct oci_config *c, const struct oci_state *st, struct cg_groups *cg,
		     struct xopts *o, struct ctr_err *e)
{
	struct ctr_spec *s = &c->spec;
	s->join = st->pid;
	s->join_cgroup = st->cgroup[0] ? st->cgroup : NULL;  /* a recycled PID is not the container's */
	s->ns_new = 0;
	s->nmounts = 0;
	s->rootfs = NULL;
	s->rootfs_ro = false;
	s->hostname = NULL;
	s->netns = NULL;
	s->mntns = NULL;
	s->userns = NULL;
	s->start_fifo = -1;
	s->outlive_parent = o->detach;
	s->pid_file = o->pid_file;
	s->pid_file_bare = true;
	if (cg_groups(cg, st->cgroup, e) < 0)
		return -1;
	s->cgroups = calloc(cg->n + 1, sizeof(*s->cgroups));
	if (!s->cgroups)
		die_errno("calloc");
	for (size_t i = 0; i < cg->n; i++)
		s->cgroups[s->ncgroups++] = cg->g[i].dir;
	if (*cg->unified)
		s->cgroups[s->ncgroups++] = cg->unified;
	if (o->console && (s->console_fd = console_connect(o->console, e)) < 0)
		return -1;
	return 0;
}

/* --tty without --console-socket: our relay (oci-tty.c), the pty sized as
 * the user's window from the start. */
static int tty_exec(const struct oci_ctx *g, struct ctr_spec *s)
{
	struct ctr_err e;
	int sp[2], status = 0;
	if (oci_tty_pair(sp, &e) < 0)
		return oci_fail(g, &e);
	s->console_fd = sp[1];  /* the executor closes it */
	oci_tty_size(s);
	pid_t pid = container_create(s, &e);
	int master = pid < 0 ? -1 : oci_tty_master(sp[0], &e);
	close_fd(&sp[0]);
	if (pid < 0)
		return e.code ? (oci_fail(g, &e), e.code) : oci_fail(g, &e);
	if (master < 0 || oci_tty_relay(master, pid, &status, &e) < 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		close_fd(&master);
		return oci_fail(g, &e);
	}
	close_fd(&master);
	return ctr_status_code(status);
}

int oci_exec(const struct oci_ctx *g, int argc, char **argv)
{
	static struct oci_config c;
	static struct xopts o;
	struct ctr_err e;
	struct oci_state st;
	struct cg_groups cg;
	int r = parse_opts(&o, argc, argv, &e);
	if (r < 0 || oci_one_id(argc, argv, 1, argc, &e) < 0 ||
	    oci_state_load(g, argv[optind], &st, &e) < 0)
		return oci_fail(g, &e);
	enum oci_status s = oci_status(&st);
	if (s != OCI_RUNNING && s != OCI_CREATED)
		return ctr_fail(&e, 0, "container %s is %s", st.id, oci_status_names[s]), oci_fail(g, &e);
	if (oci_load_saved(&st, &c, &e) < 0 || make_process(&c, &o, argv + optind + 1, &e) < 0 ||
	    join_spec(&c, &st, &cg, &o, &e) < 0)
		return oci_fail(g, &e);
	if (c.terminal && !o.console)
		return tty_exec(g, &c.spec);
	if (o.detach) {
		pid_t pid = container_create(&c.spec, &e);
		return pid < 0 ? oci_fail(g, &e) : 0;
	}
	int code = container_run(&c.spec, &e);
	return code < 0 ? oci_fail(g, &e) : code;
}
