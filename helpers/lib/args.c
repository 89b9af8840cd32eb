/* args.c - nsenter-chroot's command line, the ONE place its options are
 * spelled: the table below makes getopt's options and the --help text, and
 * args_parse turns argv into a struct ctr_spec (mount list in order: /proc,
 * /sys, /dev, the volumes, then the masked and read-only paths). Parsing stops
 * at ROOTFS (or at PROG with --join). With --config the container is the
 * config's (oci-nsenter.c): only the per-start options are taken, into s,
 * and the files into f. Errors are returned (code 125, with a "see --help"
 * hint); only --help prints and exits.
 */
#include "args.h"
#include "caps.h"
#include "opt.h"

#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

enum { OPT_NET_HOST = 256, OPT_PID_FILE, OPT_CGROUP, OPT_INIT, OPT_CONSOLE_FD,
       OPT_NOTIFY_FD, OPT_JOIN, OPT_CAP_ADD, OPT_CAP_DROP, OPT_PRIVILEGED, OPT_SECCOMP,
       OPT_USERNS, OPT_ROOTLESS, OPT_RO_ROOTFS, OPT_DEVICE_CGROUP, OPT_SYSCTL, OPT_NET_HOOK,
       OPT_NET_HOOK_ARG, OPT_CONFIG, OPT_PROCESS, OPT_DETACH, OPT_HELP };

static const struct ctr_opt options[] = {
	{ "netns", 'n', "PATH", "join the network namespace at PATH" },
	{ "net-host", OPT_NET_HOST, NULL, "stay in the caller's network namespace" },
	{ "sysctl", OPT_SYSCTL, "K=V", "set net.* sysctl K of the container's network namespace (repeatable)" },
	{ "hostname", 'h', "NAME", "hostname (default ctr)" },
	{ "workdir", 'w', "DIR", "working directory in the container (default /)" },
	{ "env", 'e', "K=V", "add to the clean environment (repeatable; no bare K)" },
	{ "pid-file", OPT_PID_FILE, "FILE", "write the host PID of the container's PID 1" },
	{ "cgroup", OPT_CGROUP, "DIR", "join DIR/cgroup.procs first (repeatable)" },
	{ "device-cgroup", OPT_DEVICE_CGROUP, "DIR", "allow only the harmless devices in group DIR, join it" },
	{ "init", OPT_INIT, NULL, "run a minimal init as PID 1" },
	{ "console-fd", OPT_CONSOLE_FD, "N", "send a new pty master over unix socket N" },
	{ "notify-fd", OPT_NOTIFY_FD, "N", "write 'R' to fd N once PROG runs, then close it" },
	{ "detach", OPT_DETACH, NULL, "exit 0 once PROG runs (--pid-file): PID 1 goes to a subreaper" },
	{ "net-hook", OPT_NET_HOOK, "PROG", "run PROG [ARG...] PID before the new netns's PID runs" },
	{ "net-hook-arg", OPT_NET_HOOK_ARG, "ARG", "an argument of --net-hook's PROG (repeatable)" },
	{ "join", OPT_JOIN, "PID", "enter the running container of PID" },
	{ "cap-add", OPT_CAP_ADD, "CAP", "keep capability CAP (or ALL) (repeatable)" },
	{ "cap-drop", OPT_CAP_DROP, "CAP", "drop capability CAP (or ALL) (repeatable)" },
	{ "privileged", OPT_PRIVILEGED, NULL, "all capabilities, no seccomp, no masked paths" },
	{ "user", 'u', "U[:G]", "run as user U and group G (name or number)" },
	{ "seccomp", OPT_SECCOMP, "MODE", "default or unconfined" },
	{ "userns", OPT_USERNS, "U:G:N", "map container ids 0..N-1 to host ids U.. and G.." },
	{ "rootless", OPT_ROOTLESS, "SUBUID:SUBGID:N", "unprivileged: root is the caller, 1..N its subordinate ids (N 0: none)" },
	{ "volume", 'v', "H:C[:ro][:noexec][:dev=N:ino=N]", "bind resolved host path H on C" },
	{ "readonly-rootfs", OPT_RO_ROOTFS, NULL, "mount ROOTFS read-only" },
	{ "config", OPT_CONFIG, "FILE", "the container is this OCI config.json (no ROOTFS, PROG)" },
	{ "process", OPT_PROCESS, "FILE", "with --config --join: run this OCI process object" },
	{ "help", OPT_HELP, NULL, "print this help" },
	{ NULL, 0, NULL, NULL },
};

/* The --help text, on f. */
void args_usage(FILE *f)
{
	fputs("usage: nsenter-chroot [options] ROOTFS PROG [ARG...]\n"
	      "       nsenter-chroot --join PID [options] PROG [ARG...]\n"
	      "       nsenter-chroot --config FILE [--join PID --process FILE] [per-start options]\n"
	      "options (per-start: --pid-file --notify-fd --detach --console-fd --net-hook --net-hook-arg\n"
	      "         --cgroup):\n", f);
	ctr_opt_usage(f, options);
	fputs("exit: PROG's status, 128+N on signal N, 125 own error, 126 cannot exec, 127 not found\n",
	      f);
}

/* What the command line says beyond the spec, until args_finish. */
struct args {
	bool net_host, privileged, userns, rootless;
	unsigned long rootless_ids;        /* --rootless N: 0 = the caller's id only */
	int seccomp;                       /* 1 default, 0 unconfined, -1 unset */
	struct ctr_idmap uid, gid;
	struct ctr_idmap ruid[2], rgid[2]; /* --rootless: the caller's own id, its subordinate range */
	const char **cap_add, **cap_drop;
	size_t nadd, ndrop;
	const char *other;                 /* an option that is not per-start */
};

/* The options that go with --config: what only this start has. */
static bool per_start(int c)
{
	return c == OPT_CONFIG || c == OPT_PROCESS || c == OPT_PID_FILE || c == OPT_NOTIFY_FD ||
	       c == OPT_CONSOLE_FD || c == OPT_JOIN || c == OPT_NET_HOOK || c == OPT_NET_HOOK_ARG ||
	       c == OPT_CGROUP || c == OPT_DETACH;
}

static int parse_num(const char *s, const char *what, long max, long *v, struct ctr_err *e)
{
	unsigned long u;
	if (!parse_ulong(s, (unsigned long)max, &u, NULL))
		return ctr_misuse(e, "%s: not a number: %s", what, s);
	*v = (long)u;
	return 0;
}

/* --userns U:G:N: container ids 0..N-1 are host ids U.. and G.. */
static int parse_userns(struct args *a, const char *s, struct ctr_err *e)
{
	const char *p = s;
	unsigned long count;
	bool ok = parse_ulong(p, UINT32_MAX, &a->uid.outside, &p) && *p++ == ':' &&
		  parse_ulong(p, UINT32_MAX, &a->gid.outside, &p) && *p++ == ':' &&
		  parse_ulong(p, UINT32_MAX, &count, NULL) && count > 0;
	if (!ok)
		return ctr_misuse(e, "--userns: expected HOSTUID:HOSTGID:COUNT: %s", s);
	a->uid.count = a->gid.count = count;
	a->userns = true;
	return 0;
}

/* --rootless SUBUID:SUBGID:N: an unprivileged caller's user namespace:
 * container id 0 is the caller's own uid (gid), container ids 1..N are the
 * host ids SUBUID.. (SUBGID..), its range of /etc/subuid (/etc/subgid), which
 * newuidmap and newgidmap check before they write the maps. N 0: a caller
 * with no subordinate ids: id 0 alone, a map the parent may write itself
 * (setgroups denied first, the kernel's rule: see userns.c). */
static int parse_rootless(struct args *a, const char *s, struct ctr_err *e)
{
	const char *p = s;
	unsigned long count;
	bool ok = parse_ulong(p, UINT32_MAX, &a->ruid[1].outside, &p) && *p++ == ':' &&
		  parse_ulong(p, UINT32_MAX, &a->rgid[1].outside, &p) && *p++ == ':' &&
		  parse_ulong(p, UINT32_MAX - 1, &count, NULL);
	if (!ok)
		return ctr_misuse(e, "--rootless: expected SUBUID:SUBGID:COUNT: %s", s);
	a->rootless_ids = count;
	a->ruid[0] = (struct ctr_idmap){ 0, (unsigned long)getuid(), 1 };
	a->rgid[0] = (struct ctr_idmap){ 0, (unsigned long)getgid(), 1 };
	a->ruid[1].inside = a->rgid[1].inside = 1;
	a->ruid[1].count = a->rgid[1].count = count;
	a->rootless = true;
	return 0;
}

/* One option into s, a and f; -1 with e on a bad value. */
static int set_opt(struct ctr_spec *s, struct args *a, struct args_files *f, int c,
		   const char *arg, struct ctr_err *e)
{
	long n = 0;
	switch (c) {
	case OPT_CONFIG: f->config = arg; break;
	case OPT_PROCESS: f->process = arg; break;
	case 'n': s->netns = arg; break;
	case OPT_NET_HOST: a->net_host = true; break;
	case OPT_SYSCTL: return args_sysctl(s, arg, e);
	case 'h': s->hostname = arg; break;
	case 'w': s->cwd = arg; break;
	case 'e':
		if (arg[0] == '=' || !strchr(arg, '='))
			return ctr_misuse(e, "--env: expected K=V, not %s", arg);
		s->env[s->nenv++] = arg;
		break;
	case OPT_PID_FILE: s->pid_file = arg; break;
	case OPT_CGROUP: s->cgroups[s->ncgroups++] = arg; break;
	case OPT_DEVICE_CGROUP:
		s->device_cgroup = arg;
		s->cgroups[s->ncgroups++] = arg;
		break;
	case OPT_INIT: s->init = true; break;
	case OPT_DETACH: s->detach = true; break;
	case OPT_CONSOLE_FD:
		if (parse_num(arg, "--console-fd", INT_MAX, &n, e) < 0)
			return -1;
		s->console_fd = (int)n;
		/* the pty is born 24x80, before PROG runs: the shim sets the
		 * user's size once it has the master, which PROG may outrun */
		s->console_rows = 24;
		s->console_cols = 80;
		break;
	case OPT_NET_HOOK:
		if (s->nnet_hook > 0 || arg[0] != '/')
			return ctr_misuse(e, "--net-hook: once, an absolute path: %s", arg);
		s->net_hook[s->nnet_hook++] = arg;
		break;
	case OPT_NET_HOOK_ARG:
		if (s->nnet_hook == 0)
			return ctr_misuse(e, "--net-hook-arg: after --net-hook");
		s->net_hook[s->nnet_hook++] = arg;
		break;
	case OPT_NOTIFY_FD:
		if (parse_num(arg, "--notify-fd", INT_MAX, &n, e) < 0)
			return -1;
		s->notify_fd = (int)n;
		break;
	case OPT_JOIN:
		if (parse_num(arg, "--join", INT_MAX, &n, e) < 0)
			return -1;
		s->join = (pid_t)n;
		break;
	case OPT_CAP_ADD: a->cap_add[a->nadd++] = arg; break;
	case OPT_CAP_DROP: a->cap_drop[a->ndrop++] = arg; break;
	case OPT_PRIVILEGED: a->privileged = true; break;
	case 'u': s->user = arg; break;
	case OPT_SECCOMP:
		if (strcmp(arg, "default") != 0 && strcmp(arg, "unconfined") != 0)
			return ctr_misuse(e, "--seccomp: default or unconfined, not %s", arg);
		a->seccomp = strcmp(arg, "default") == 0;
		break;
	case OPT_USERNS: return parse_userns(a, arg, e);
	case OPT_ROOTLESS: return parse_rootless(a, arg, e);
	case 'v': return args_volume(s, arg, e);
	case OPT_RO_ROOTFS: s->rootfs_ro = true; break;
	case OPT_HELP: args_usage(stdout); exit(0);
	default: return 1;
	}
	return 0;
}

/* Exclusive and required options, as unshare(1) declares them. */
static int check_opts(const struct ctr_spec *s, const struct args *a, struct ctr_err *e)
{
	if (s->netns && a->net_host)
		return ctr_misuse(e, "--netns and --net-host are mutually exclusive");
	if (s->join && (s->netns || a->net_host))
		return ctr_misuse(e, "--join excludes --netns and --net-host");
	if (s->nsysctl && (s->join || a->net_host))
		return ctr_misuse(e, "--sysctl: only for a network namespace of the container's own (not --net-host, --join)");
	if (s->join == 1)
		return ctr_misuse(e, "--join: not a container PID: 1");
	if (a->rootless && a->userns)
		return ctr_misuse(e, "--rootless and --userns are mutually exclusive");
	if (a->rootless && (s->netns || a->net_host))
		return ctr_misuse(e, "--rootless: only a new network namespace (no --netns, --net-host)");
	if (s->nnet_hook && (s->join || s->netns || a->net_host))
		return ctr_misuse(e, "--net-hook: only for a new network namespace (no --join, --netns, --net-host)");
	if (a->rootless && s->device_cgroup)
		return ctr_misuse(e, "--rootless excludes --device-cgroup (no cgroup is ours)");
	if (s->rootfs && !*s->rootfs)
		return ctr_misuse(e, "ROOTFS is empty");
	if (!s->argv[0])
		return ctr_misuse(e, s->join ? "PROG required" : "ROOTFS and PROG required");
	if (s->hostname && (!*s->hostname || strlen(s->hostname) > 64))
		return ctr_misuse(e, "--hostname: must be 1 to 64 characters");
	return 0;
}

/* A new container: its namespaces, id maps and mount list. With --join the
 * container has them already: --userns, --volume and --readonly-rootfs are
 * ignored, its devices are restricted already. */
static void new_container(struct ctr_spec *s, struct args *a)
{
	s->ns_new = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
	if (!s->netns && !a->net_host)
		s->ns_new |= CLONE_NEWNET;
	if (a->userns) {
		s->ns_new |= CLONE_NEWUSER;  /* created first: it owns the others */
		s->uid_map = &a->uid;
		s->gid_map = &a->gid;
		s->nuid_map = s->ngid_map = 1;
	}
	if (a->rootless) {
		/* ROOTFS is the caller's: its files are owned by container root as
		 * they are (an idmapped mount needs host privilege) */
		s->ns_new |= CLONE_NEWUSER;
		s->uid_map = a->ruid;
		s->gid_map = a->rgid;
		s->nuid_map = s->ngid_map = a->rootless_ids ? 2 : 1;
		s->userns_plain_rootfs = true;
	}
	if (!s->hostname)
		s->hostname = "ctr";
	for (size_t i = 0; i < s->nmounts; i++)  /* a privileged container may write /sys */
		if (s->mounts[i].kind == CTR_MOUNT_SYSFS && a->privileged)
			s->mounts[i].flags &= ~(unsigned long)MS_RDONLY;
	if (!a->privileged)
		ctr_spec_protect(s);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p)
		die_errno("calloc");
	return p;
}

/* --config: the rest is the config's; --process goes with --join. */
static int check_config(const struct ctr_spec *s, const struct args *a, const struct args_files *f,
			int argc, struct ctr_err *e)
{
	if (a->other)
		return ctr_misuse(e, "--config: %s is the config's (with --config only --process,"
				  " --join, --pid-file, --notify-fd, --detach, --console-fd, --net-hook, --cgroup)",
				  a->other);
	if (optind < argc)
		return ctr_misuse(e, "--config: no ROOTFS or PROG (the config has them)");
	if (f->process && !s->join)
		return ctr_misuse(e, "--process needs --join");
	return 0;
}

static int parse(struct ctr_spec *s, struct args *a, struct args_files *f, int argc, char **argv,
		 struct ctr_err *e)
{
	struct ctr_getopt g;
	int c;
	if (ctr_opt_build(options, &g) < 0)
		return ctr_fail(e, 0, "option table too long");
	s->cwd = NULL;
	ctr_spec_default_mounts(s, false);  /* the volumes come after these */
	opterr = 0;
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		int r = set_opt(s, a, f, c, optarg, e);
		if (r < 0)
			return -1;
		if (r > 0)
			return ctr_misuse(e, "bad option: %s", argv[optind - 1]);
		if (!per_start(c) && !a->other)
			a->other = argv[optind - 1][0] == '-' ? argv[optind - 1] : argv[optind - 2];
	}
	/* the caller finds PID 1 by its pid file; an exec's process is not a container's PID 1 */
	if (s->detach && (!s->pid_file || s->join))
		return ctr_misuse(e, "--detach: requires --pid-file, excludes --join");
	if (f->config)
		return check_config(s, a, f, argc, e);
	if (f->process)
		return ctr_misuse(e, "--process needs --config and --join");
	if (!s->join && optind < argc)
		s->rootfs = argv[optind++];
	s->argv = argv + optind;
	if (check_opts(s, a, e) < 0)
		return -1;
	s->rootless = a->rootless;
	s->setgroups_deny = a->rootless && !a->rootless_ids;
	if (s->join) {
		s->device_cgroup = NULL;  /* the group has its rules already */
		for (size_t i = 0; i < s->nmounts; i++)
			free(s->mounts[i].owned);
		s->nmounts = 0;
	} else {
		new_container(s, a);
	}
	/* rootless: the caller holds no capability on the host, its container's
	 * root holds them over its own namespaces */
	if (caps_compute(&s->caps.bounding, a->privileged, a->rootless, a->cap_drop, a->ndrop,
			 a->cap_add, a->nadd, e) < 0)
		return -1;
	s->caps.effective = s->caps.permitted = s->caps.bounding;
	s->caps.root_only = true;
	s->seccomp = (a->seccomp < 0 ? !a->privileged : a->seccomp) ? CTR_SECCOMP_DEFAULT : CTR_SECCOMP_NONE;
	s->no_new_privs = !a->privileged;
	s->rootfs_nodev = !a->privileged;
	if (s->join)
		s->rootfs_ro = false;
	if (!s->cwd)
		s->cwd = "/";
	return 0;
}

/* argv into s (ctr_spec_init'ed) and f. s and f keep pointers into argv. */
int args_parse(struct ctr_spec *s, struct args_files *f, int argc, char **argv, struct ctr_err *e)
{
	static struct args a;  /* s->uid_map and gid_map point here */
	size_t n = (size_t)argc;
	memset(&a, 0, sizeof(a));
	a.seccomp = -1;
	s->env = xcalloc(n, sizeof(*s->env));
	s->cgroups = xcalloc(n, sizeof(*s->cgroups));
	s->sysctl = xcalloc(n, sizeof(*s->sysctl));
	s->net_hook = xcalloc(n + 2, sizeof(*s->net_hook));  /* + the pid, NULL */
	a.cap_add = xcalloc(n, sizeof(*a.cap_add));
	a.cap_drop = xcalloc(n, sizeof(*a.cap_drop));
	memset(f, 0, sizeof(*f));
	int r = parse(s, &a, f, argc, argv, e);
	free(a.cap_add);
	free(a.cap_drop);
	return r;
}
