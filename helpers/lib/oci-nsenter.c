/* oci-nsenter.c - `nsenter-chroot --config FILE`: ctr.sh's containers go
 * through the same config.json parser as ctr-oci's (oci-config.c) and the
 * same executor. What differs is who owns what around the container: the
 * caller made its cgroups (linux.cgroupsPath: they are joined where they
 * exist, none is made; linux.resources, when given, is applied to them),
 * its network namespace (a path), and supervises it (nsenter-chroot waits
 * for it; it dies with nsenter-chroot). The per-start options (pid file,
 * notify fd, console fd, --join PID with --process FILE for an exec, and
 * --net-hook: rootless pasta, for the config's own new netns; --cgroup: a
 * rootless container's delegated group) come from argv. linux.sysctl's net.* keys are written in the container's
 * network namespace as --sysctl's are, the ipc namespace's by the child through
 * its /proc; process.oomScoreAdj is written by the executor's parent, as
 * ctr-oci's. What only ctr-oci does (hooks, domainname) is an error naming the
 * field.
 * Entry point: oci_nsenter_load, before anything of the container exists.
 */
#include "oci-nsenter.h"
#include "oci-cgroup.h"

#include <libgen.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fields ctr-oci applies around the executor, which nsenter-chroot lacks. */
static int refuse_runtime_fields(const struct oci_config *c, struct ctr_err *e)
{
	for (int k = 0; k < OCI_NHOOKS; k++)
		if (c->nhooks[k])
			return ctr_fail(e, 0, "config.json: hooks.%s: not run by nsenter-chroot (ctr-oci runs"
					" hooks)", oci_hook_names[k]);
	if (c->domainname)
		return ctr_fail(e, 0, "config.json: domainname: not set by nsenter-chroot (ctr-oci)");
	return 0;
}

/* linux.sysctl (oci-linux.c checked each names a sysctl of a namespace of
 * the container's own): the net.* ones (its network namespace: new, or
 * joined by a path that is not ours) are the executor's --sysctl K=V,
 * written once it is in that namespace (before a new user namespace: the
 * parent, which owns the joined one); the ipc namespace's (kernel.msg*, sem,
 * shm*, fs.mqueue.*) are written by the child, which is in it, through the
 * container's /proc (never by the parent: it is in the host's). */
static int net_sysctls(struct oci_config *c, struct ctr_err *e)
{
	struct ctr_spec *s = &c->spec;
	if (!c->nsysctl)
		return 0;
	s->sysctl = calloc(c->nsysctl, sizeof(*s->sysctl));  /* ctr_spec_free's */
	s->ipc_sysctl = calloc(c->nsysctl, sizeof(*s->ipc_sysctl));
	if (!s->sysctl || !s->ipc_sysctl)
		die_errno("calloc");
	for (size_t i = 0; i < c->nsysctl; i++) {
		const char *k = c->sysctl[i].key, *v = c->sysctl[i].value;
		bool net = strncmp(k, "net.", 4) == 0;
		if (strchr(v, '\n'))
			return ctr_fail(e, 0, "config.json: linux.sysctl.%s: one line", k);
		size_t n = strlen(k) + strlen(v) + 2;
		char *kv = oci_alloc(c, n, 1);
		snprintf(kv, n, "%s=%s", k, v);
		if (net)
			s->sysctl[s->nsysctl++] = kv;
		else
			s->ipc_sysctl[s->nipc_sysctl++] = kv;
	}
	return 0;
}

/* The caller's groups: cgroupsPath's directory on every hierarchy where
 * it exists; linux.resources (a new container's device rules) applied to
 * them before the container exists. */
static int join_cgroups(struct oci_config *c, bool apply, struct ctr_err *e)
{
	static struct cg_groups g;  /* the spec points into it */
	struct ctr_spec *s = &c->spec;
	if (!c->cgroups_path && apply && c->resources)
		return ctr_fail(e, 0, "config.json: linux.resources: needs linux.cgroupsPath (the caller's group)");
	if (!c->cgroups_path)
		return 0;
	if (cg_groups(&g, c->cgroups_path, e) < 0)
		return -1;
	cg_existing(&g);
	if (apply && c->resources && g.n == 0 && !*g.unified)
		return ctr_fail(e, 0, "config.json: linux.cgroupsPath %s: no such group (the caller makes it)",
				c->cgroups_path);
	if (apply && c->resources && (cg_resources(&g, c->resources, false, e) < 0 ||
				      cg_devices(&g, c->resources, s->devices, s->ndevices, e) < 0))
		return -1;
	s->cgroups = calloc(g.n + 1, sizeof(*s->cgroups));  /* ctr_spec_free's */
	if (!s->cgroups)
		die_errno("calloc");
	for (size_t i = 0; i < g.n; i++)
		s->cgroups[s->ncgroups++] = g.g[i].dir;
	if (*g.unified)
		s->cgroups[s->ncgroups++] = g.unified;
	return 0;
}

/* An exec: the process of --process FILE (or the config's) in the running
 * container of PID 1 pid; its namespaces, root and devices are set already.
 * The hostname stays, for $HOSTNAME only. */
static int join_spec(struct oci_config *c, pid_t pid, const char *process, struct ctr_err *e)
{
	struct ctr_spec *s = &c->spec;
	if (process && oci_process_file(c, process, e) < 0)
		return -1;
	for (size_t i = 0; i < s->nmounts; i++)
		free(s->mounts[i].owned);
	s->nmounts = 0;
	s->join = pid;
	s->join_cgroup = s->rootless ? NULL : c->cgroups_path;  /* a recycled PID is not the container's */
	s->ns_new = 0;
	s->nns_paths = 0;
	s->rootfs = NULL;
	s->rootfs_ro = false;
	s->netns = NULL;
	s->nsysctl = 0;   /* written when the container was made */
	s->nipc_sysctl = 0;
	s->init = false;  /* PID 1 is the container's */
	return 0;
}

/* The config at path into c, with the per-start values of opts (argv's
 * spec: pid_file, notify_fd, console_fd, join) and, with join, process.
 * The config's directory is its bundle (a relative root.path). */
int oci_nsenter_load(struct oci_config *c, const char *path, const char *process,
		     const struct ctr_spec *opts, struct ctr_err *e)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	if (oci_config_file(c, path, dirname(dir), e) < 0 || refuse_runtime_fields(c, e) < 0 ||
	    net_sysctls(c, e) < 0)
		return -1;
	struct ctr_spec *s = &c->spec;
	s->outlive_parent = false;  /* it dies with us: the caller supervises us */
	s->pid_file = opts->pid_file;
	s->notify_fd = opts->notify_fd;
	s->detach = opts->detach;
	s->console_fd = opts->console_fd;
	if (opts->nnet_hook) {  /* rootless networking (pasta): the config's own new netns only */
		if (opts->join || s->netns || !(s->ns_new & CLONE_NEWNET))
			return ctr_fail(e, 0, "--net-hook: the config has no new network namespace of its own");
		s->net_hook = opts->net_hook;
		s->nnet_hook = opts->nnet_hook;
	}
	if (opts->ncgroups) {  /* rootless: the user's delegated cgroup v2 group (no cgroupsPath) */
		if (!s->rootless || c->cgroups_path)
			return ctr_fail(e, 0, "--cgroup: only with a rootless config (else linux.cgroupsPath)");
		s->cgroups = calloc(opts->ncgroups + 1, sizeof(*s->cgroups));  /* ctr_spec_free's */
		if (!s->cgroups)
			die_errno("calloc");
		for (size_t i = 0; i < opts->ncgroups; i++)
			s->cgroups[s->ncgroups++] = opts->cgroups[i];
	}
	if (opts->join && join_spec(c, opts->join, process, e) < 0)
		return -1;
	if (c->terminal != (s->console_fd >= 0))
		return ctr_fail(e, 0, "config.json: process.terminal is %s: --console-fd %s",
				c->terminal ? "true" : "false", c->terminal ? "required" : "not wanted");
	return join_cgroups(c, !opts->join, e);
}
