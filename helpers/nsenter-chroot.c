/* nsenter-chroot - run PROG as PID 1 of a new container rooted at ROOTFS
 * (clone(2) with new namespaces, pivot_root(2), fresh /proc /sys /dev,
 * capabilities, seccomp, execve(2)).
 *
 * Usage:
 *   nsenter-chroot [options] ROOTFS prog...
 *   nsenter-chroot --join PID [options] prog...
 *
 * Options (parsing stops at ROOTFS, or at PROG with --join):
 *   -n, --netns PATH     setns(2) into the network namespace at PATH
 *       --net-host       stay in the caller's network namespace
 *                        (default: a new namespace with only `lo`, brought up)
 *   -h, --hostname NAME  hostname of the new UTS namespace (default "ctr");
 *                        with --join only $HOSTNAME (default: the container's)
 *   -w, --workdir DIR    working directory inside the container (default /;
 *                        created when missing)
 *   -e, --env K=V        add K=V to the clean environment; `K` alone copies the
 *                        caller's K (repeatable; later values win)
 *       --pid-file FILE  write the host PID of PID 1 there once PROG is exec'd
 *       --cgroup DIR     move the container into DIR (DIR/cgroup.procs) before
 *                        it runs a single step of its own (repeatable)
 *       --device-cgroup DIR  restrict the devices of the group DIR to the
 *                        harmless nodes of devices.h (v1: devices.deny and
 *                        .allow; v2: an eBPF device program), then join it as
 *                        --cgroup; with --join only joined
 *       --init           PID 1 is a tiny init that forks PROG, forwards signals
 *                        to it, reaps every zombie and exits with PROG's status;
 *                        it shows as "init" (comm and cmdline: no host path)
 *       --console-fd N   N is a unix socket: PROG gets a new pty as controlling
 *                        terminal on fds 0,1,2 and the master is sent over N
 *                        (SCM_RIGHTS); N is closed
 *       --notify-fd N    once PROG is exec'd (after --pid-file), write one byte
 *                        'R' to fd N and close it; the container never holds N
 *                        (a failed start closes it unwritten: the reader's EOF)
 *       --join PID       enter the namespaces, cgroups and root of the running
 *                        container whose PID 1 has host pid PID (ctr.sh exec);
 *                        --userns, --volume and --readonly-rootfs are accepted
 *                        and ignored: the container has them already
 *   Security (defaults are docker's):
 *       --cap-add CAP    keep CAP (NET_ADMIN or CAP_NET_ADMIN; ALL) (repeatable)
 *       --cap-drop CAP   drop CAP (ALL: all); an add wins over a drop
 *       --privileged     all capabilities, no seccomp, no masked or read-only
 *                        paths, /sys writable, no no_new_privs
 *   -u, --user U[:G]     run PROG as user U, group G (names or numbers, looked up
 *                        in the container's /etc/passwd and /etc/group)
 *       --seccomp MODE   default (the allowlist of seccomp.h) or unconfined
 *       --userns U:G:N   new user namespace: container ids 0..N-1 are host ids
 *                        U.. and G..; ROOTFS is idmapped, no chown needed
 *   -v, --volume H:C[:ro][:noexec]  bind host path H on container path C
 *                        (nosuid,nodev), C resolved inside ROOTFS (repeatable)
 *       --readonly-rootfs  mount ROOTFS read-only
 *       --help           print this help
 *
 * Environment given to PROG (nothing of the caller's leaks in):
 *   PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,
 *   HOME=/root (--user: the user's home, or /), HOSTNAME=<hostname>,
 *   TERM=<caller's TERM or xterm> only when stdin or the console is a terminal,
 *   then every --env (overriding). umask 022, all signals default, none blocked.
 * Fds: PROG inherits 0,1,2 (or the pty with --console-fd); no other fd of the
 *   caller ever reaches a process in the container (CVE-2024-21626 class):
 *   the helper closes every fd > 2 but --console-fd and --notify-fd first
 *   thing; the child, first thing after clone, every fd but those its setup
 *   uses (child_close_fds: with --join, the parent's fd on the host's pid
 *   namespace goes); the --init PID 1 all fds > 2 once PROG is forked; every
 *   fd > 2 is close-on-exec before PROG's exec. 0,1,2 are passed as they
 *   come: ctr.sh gives pipes of ctr-shim (or the pty), never its caller's
 *   files.
 * Exit codes: PROG's status, 128+N if PROG was killed by signal N;
 *   125 usage or setup failure, 126 PROG cannot be executed, 127 not found.
 *
 * Process tree: this process (the "parent") stays in every host namespace
 * (with --userns and --netns it joins that network namespace: a user namespace
 * may not), clones the child with new pid/mnt/uts/ipc(/net)(/user) namespaces,
 * forwards SIGTERM INT HUP QUIT USR1 USR2 WINCH CONT to it, reaps it, and exits
 * with its status. The child is PID 1 of the new pid namespace and does, in
 * order (the parent has set the --device-cgroup rules before the clone):
 *   0. close every fd that is not its own (see Fds)
 *   1. wait until the parent has written its uid/gid maps and idmapped ROOTFS
 *      (--userns) and put it into its cgroups (--cgroup, --device-cgroup)
 *   2. enter the --netns one (prepared by the caller: lo is its business), or
 *      bring lo up in the new one; new cgroup namespace
 *   3. make / recursively private, mount ROOTFS on itself (idmapped: --userns)
 *   4. under ROOTFS, every target resolved INSIDE it (openat2 RESOLVE_IN_ROOT):
 *      /proc, /sys (ro), a tmpfs /dev with bound host nodes, /dev/pts,
 *      /dev/shm, /dev/mqueue and the /dev links, the volumes, the masked and
 *      read-only paths
 *   5. pivot_root into ROOTFS and detach the old root
 *   6. hostname, console, workdir, read-only root
 *   7. user, groups, capabilities, no_new_privs, seccomp (last)
 *   8. a new session (setsid: no controlling terminal but the --console-fd
 *      pty), close fds > 2 (CLOEXEC), tell the parent "ready", execve PROG
 *      (searched in the container's PATH)
 * With --join the child instead setns(2)s into PID's namespaces (its user
 * namespace last), chroots to /proc/PID/root and goes on at step 6 (workdir).
 * Before anything, the helper re-executes itself from a sealed memfd copy, so
 * no helper process in the container (--init, --join, the #!/proc/self/exe
 * trick) can reach the host's binary through /proc/PID/exe (CVE-2019-5736).
 */
#define PROG "nsenter-chroot"
#include "common.h"
#include "seccomp.h"
#include "devices.h"
#include "fds.h"

#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define READY_BYTE 'R'

extern char **environ;

static const char usage_text[] =
	"usage: nsenter-chroot [options] ROOTFS PROG [ARG...]\n"
	"       nsenter-chroot --join PID [options] PROG [ARG...]\n"
	"options:\n"
	"  -n, --netns PATH     join the network namespace at PATH\n"
	"      --net-host       stay in the caller's network namespace\n"
	"  -h, --hostname NAME  hostname (default ctr)\n"
	"  -w, --workdir DIR    working directory in the container (default /)\n"
	"  -e, --env K=V        add to the clean environment (repeatable)\n"
	"      --pid-file FILE  write the host PID of the container's PID 1\n"
	"      --cgroup DIR     join DIR/cgroup.procs first (repeatable)\n"
	"      --device-cgroup DIR  allow only the harmless devices in group DIR, join it\n"
	"      --init           run a minimal init as PID 1\n"
	"      --console-fd N   send a new pty master over unix socket N\n"
	"      --notify-fd N    write 'R' to fd N once PROG runs, then close it\n"
	"      --join PID       enter the running container of PID\n"
	"      --cap-add CAP    keep capability CAP (or ALL) (repeatable)\n"
	"      --cap-drop CAP   drop capability CAP (or ALL) (repeatable)\n"
	"      --privileged     all capabilities, no seccomp, no masked paths\n"
	"  -u, --user U[:G]     run as user U and group G (name or number)\n"
	"      --seccomp MODE   default or unconfined\n"
	"      --userns U:G:N   map container ids 0..N-1 to host ids U.. and G..\n"
	"  -v, --volume H:C[:ro][:noexec]  bind host path H on container path C\n"
	"      --readonly-rootfs  mount ROOTFS read-only\n"
	"      --help           print this help\n"
	"exit: PROG's status, 128+N on signal N, 125 own error, 126 cannot exec, 127 not found\n";

struct volume {
	const char *src;        /* host path */
	const char *dst;        /* container path */
	uint64_t attrs;         /* MOUNT_ATTR_* */
	int tree;               /* detached copy of src, made by the parent */
};

struct opts {
	const char *netns;      /* --netns PATH or NULL */
	bool net_host;          /* --net-host */
	const char *hostname;   /* --hostname */
	const char *workdir;    /* --workdir */
	const char **env;       /* --env values, nenv of them */
	size_t nenv;
	const char *pid_file;   /* --pid-file */
	const char **cgroups;   /* --cgroup dirs, ncgroups of them */
	size_t ncgroups;
	const char *device_cgroup;  /* --device-cgroup DIR (also in cgroups) */
	bool init;              /* --init */
	int console_fd;         /* --console-fd, -1 if none */
	int notify_fd;          /* --notify-fd, -1 if none */
	pid_t join;             /* --join PID, 0 if none */
	const char **cap_add, **cap_drop;  /* --cap-add, --cap-drop */
	size_t nadd, ndrop;
	uint64_t caps;          /* the capability set PROG gets (computed) */
	bool privileged;        /* --privileged */
	const char *user;       /* --user */
	int seccomp;            /* --seccomp: 1 default, 0 unconfined, -1 unset */
	bool userns;            /* --userns given */
	unsigned long map_uid, map_gid, map_count;
	struct volume *vols;    /* --volume, nvols of them */
	size_t nvols;
	bool ro_rootfs;         /* --readonly-rootfs */
	const char *rootfs;     /* ROOTFS (NULL with --join) */
	char **argv;            /* PROG ARG... */
};

/* Who PROG runs as (--user), resolved inside the container. */
struct user {
	uid_t uid;
	gid_t gid;
	const char *home;
};

/* Namespaces of the container to enter with --join, in nsenter(1)'s order,
 * mnt last; but see join_container for the user namespace. The pid namespace
 * is entered by the parent for its child only. */
static const struct { const char *name; int type; } join_ns[] = {
	{ "user", CLONE_NEWUSER }, { "cgroup", CLONE_NEWCGROUP },
	{ "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET }, { "mnt", CLONE_NEWNS },
};
#define NJOIN (sizeof(join_ns) / sizeof(join_ns[0]))

/* State shared between the parent's setup and the child after clone(). */
static struct {
	sigset_t fwd;           /* forwarded signals + SIGCHLD, blocked in parent */
	int ready[2];           /* child -> parent: READY_BYTE, or errno of execve */
	int go[2];              /* parent -> child: maps written, cgroups joined */
	int idmap_tree;         /* --userns: detached clone of ROOTFS, to idmap */
	int rootfs_fd;          /* --userns: ROOTFS in the child's mount namespace */
	int sys_tree;           /* --userns with a netns it does not own: a sysfs */
	int join_fd[NJOIN];     /* --join: /proc/PID/ns/<name>, -1 when not to enter */
	int join_root;          /* --join: /proc/PID/root */
	int join_pidns;         /* --join: /proc/PID/ns/pid */
	char *args;             /* our argv strings, contiguous: what /proc/PID/cmdline shows */
	size_t args_len;
} g = { .go = { -1, -1 }, .idmap_tree = -1, .rootfs_fd = -1, .sys_tree = -1,
	.join_root = -1, .join_pidns = -1 };

static const int fwd_signals[] = {
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT,
};

/* docker's default capability set. */
static const int default_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
	CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE,
	CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE,
};

/* Hidden from a container (moby's list): host kernel memory, keys, timers, ACPI
 * and firmware tables. Files get /dev/null bound over them, directories an
 * empty read-only tmpfs. */
static const char *const masked_paths[] = {
	"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
	"/proc/latency_stats", "/proc/acpi", "/proc/scsi", "/proc/interrupts",
	"/sys/firmware", "/sys/devices/virtual/powercap",
};

/* Read-only in a container: writing there tunes or crashes the host's kernel. */
static const char *const readonly_paths[] = {
	"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- options */

/* misuse: one-line hint, exit 125 (usage() is only for --help). */
__attribute__((noreturn, format(printf, 1, 2)))
static void misuse(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", PROG);
	_exit(EXIT_SELF);
}

/* Parse a decimal number in [0, max]; *end gets the rest when end is given. */
static bool parse_ulong(const char *s, unsigned long max, unsigned long *v, const char **end)
{
	char *e;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoul(s, &e, 10);
	if (errno || *v > max || (!end && *e))
		return false;
	if (end)
		*end = e;
	return true;
}

static long parse_num(const char *s, const char *what, long max)
{
	unsigned long v;
	if (!parse_ulong(s, (unsigned long)max, &v, NULL))
		misuse("%s: not a number: %s", what, s);
	return (long)v;
}

/* --userns U:G:N */
static void parse_userns(struct opts *o, const char *s)
{
	const char *p = s;
	bool ok = parse_ulong(p, UINT32_MAX, &o->map_uid, &p) && *p++ == ':' &&
		  parse_ulong(p, UINT32_MAX, &o->map_gid, &p) && *p++ == ':' &&
		  parse_ulong(p, UINT32_MAX, &o->map_count, NULL) && o->map_count > 0;
	if (!ok)
		misuse("--userns: expected HOSTUID:HOSTGID:COUNT: %s", s);
	o->userns = true;
}

/* --volume H:C[:ro][:noexec] (also ,ro,noexec and rw); argv is left intact. */
static void parse_volume(struct volume *v, const char *arg)
{
	char *save = NULL;
	char *s = strdup(arg);
	if (!s)
		die_errno("strdup");
	v->src = strtok_r(s, ":", &save);
	v->dst = strtok_r(NULL, ":", &save);
	v->attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	if (!v->src || !v->dst || v->src[0] != '/' || v->dst[0] != '/')
		misuse("--volume: expected /HOST:/CONTAINER[:ro][:noexec]");
	for (char *opt; (opt = strtok_r(NULL, ":,", &save)); ) {
		if (strcmp(opt, "ro") == 0)
			v->attrs |= MOUNT_ATTR_RDONLY;
		else if (strcmp(opt, "noexec") == 0)
			v->attrs |= MOUNT_ATTR_NOEXEC;
		else if (strcmp(opt, "rw") != 0)
			misuse("--volume: unknown option %s", opt);
	}
}

enum { OPT_NET_HOST = 256, OPT_PID_FILE, OPT_CGROUP, OPT_INIT, OPT_CONSOLE_FD,
       OPT_NOTIFY_FD, OPT_JOIN, OPT_CAP_ADD, OPT_CAP_DROP, OPT_PRIVILEGED, OPT_SECCOMP,
       OPT_USERNS, OPT_RO_ROOTFS, OPT_DEVICE_CGROUP, OPT_HELP };

static const struct option long_opts[] = {
	{ "netns", required_argument, NULL, 'n' },
	{ "net-host", no_argument, NULL, OPT_NET_HOST },
	{ "hostname", required_argument, NULL, 'h' },
	{ "workdir", required_argument, NULL, 'w' },
	{ "env", required_argument, NULL, 'e' },
	{ "pid-file", required_argument, NULL, OPT_PID_FILE },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "device-cgroup", required_argument, NULL, OPT_DEVICE_CGROUP },
	{ "init", no_argument, NULL, OPT_INIT },
	{ "console-fd", required_argument, NULL, OPT_CONSOLE_FD },
	{ "notify-fd", required_argument, NULL, OPT_NOTIFY_FD },
	{ "join", required_argument, NULL, OPT_JOIN },
	{ "cap-add", required_argument, NULL, OPT_CAP_ADD },
	{ "cap-drop", required_argument, NULL, OPT_CAP_DROP },
	{ "privileged", no_argument, NULL, OPT_PRIVILEGED },
	{ "user", required_argument, NULL, 'u' },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "userns", required_argument, NULL, OPT_USERNS },
	{ "volume", required_argument, NULL, 'v' },
	{ "readonly-rootfs", no_argument, NULL, OPT_RO_ROOTFS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* One option into o; returns false for an unknown option. */
static bool set_opt(struct opts *o, int c)
{
	switch (c) {
	case 'n': o->netns = optarg; break;
	case OPT_NET_HOST: o->net_host = true; break;
	case 'h': o->hostname = optarg; break;
	case 'w': o->workdir = optarg; break;
	case 'e': o->env[o->nenv++] = optarg; break;
	case OPT_PID_FILE: o->pid_file = optarg; break;
	case OPT_CGROUP: o->cgroups[o->ncgroups++] = optarg; break;
	case OPT_DEVICE_CGROUP:
		o->device_cgroup = optarg;
		o->cgroups[o->ncgroups++] = optarg;
		break;
	case OPT_INIT: o->init = true; break;
	case OPT_CONSOLE_FD: o->console_fd = (int)parse_num(optarg, "--console-fd", INT_MAX); break;
	case OPT_NOTIFY_FD: o->notify_fd = (int)parse_num(optarg, "--notify-fd", INT_MAX); break;
	case OPT_JOIN: o->join = (pid_t)parse_num(optarg, "--join", INT_MAX); break;
	case OPT_CAP_ADD: o->cap_add[o->nadd++] = optarg; break;
	case OPT_CAP_DROP: o->cap_drop[o->ndrop++] = optarg; break;
	case OPT_PRIVILEGED: o->privileged = true; break;
	case 'u': o->user = optarg; break;
	case OPT_SECCOMP:
		if (strcmp(optarg, "default") != 0 && strcmp(optarg, "unconfined") != 0)
			misuse("--seccomp: default or unconfined, not %s", optarg);
		o->seccomp = strcmp(optarg, "default") == 0;
		break;
	case OPT_USERNS: parse_userns(o, optarg); break;
	case 'v': parse_volume(&o->vols[o->nvols++], optarg); break;
	case OPT_RO_ROOTFS: o->ro_rootfs = true; break;
	case OPT_HELP: fputs(usage_text, stdout); exit(0);
	default: return false;
	}
	return true;
}

/* Exclusive and required options, as unshare(1) declares them. */
static void check_opts(const struct opts *o)
{
	if (o->netns && o->net_host)
		misuse("--netns and --net-host are mutually exclusive");
	if (o->join && (o->netns || o->net_host))
		misuse("--join excludes --netns and --net-host");
	if (o->join == 1)
		misuse("--join: not a container PID: 1");
	if (o->rootfs && !*o->rootfs)
		misuse("ROOTFS is empty");
	if (!o->argv[0])
		misuse(o->join ? "PROG required" : "ROOTFS and PROG required");
	if (o->hostname && (!*o->hostname || strlen(o->hostname) > 64))
		misuse("--hostname: must be 1 to 64 characters");
}

/* A capability name as docker writes it (NET_ADMIN, CAP_NET_ADMIN, any case)
 * to its number; ALL is -1. */
static int cap_number(const char *name)
{
	char buf[64] = "cap_";
	cap_value_t v;
	if (strcasecmp(name, "ALL") == 0)
		return -1;
	if (strncasecmp(name, "cap_", 4) == 0)
		name += 4;
	if (snprintf(buf + 4, sizeof(buf) - 4, "%s", name) >= (int)sizeof(buf) - 4)
		misuse("unknown capability: %s", name);
	for (char *p = buf; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	if (cap_from_name(buf, &v) < 0 || v >= cap_max_bits())
		misuse("unknown capability: %s", name);
	return v;
}

/* The capabilities this process holds (permitted): a container cannot get
 * more, so "all" means these. */
static uint64_t caps_held(void)
{
	uint64_t held = 0;
	cap_t cur = cap_get_proc();
	if (!cur)
		die_errno("cap_get_proc");
	for (cap_value_t c = 0; c < cap_max_bits() && c < 64; c++) {
		cap_flag_value_t v;
		if (cap_get_flag(cur, c, CAP_PERMITTED, &v) < 0)
			die_errno("cap_get_flag");
		if (v == CAP_SET)
			held |= 1ULL << c;
	}
	cap_free(cur);
	return held;
}

/* The capability set: docker's default (or all with --privileged), minus the
 * drops, plus the adds, within what we hold. */
static void compute_caps(struct opts *o)
{
	uint64_t all = caps_held();
	o->caps = 0;
	for (size_t i = 0; i < NELEM(default_caps); i++)
		o->caps |= 1ULL << default_caps[i];
	if (o->privileged)
		o->caps = all;
	for (size_t i = 0; i < o->ndrop; i++) {
		int c = cap_number(o->cap_drop[i]);
		o->caps = c < 0 ? 0 : o->caps & ~(1ULL << c);
	}
	for (size_t i = 0; i < o->nadd; i++) {
		int c = cap_number(o->cap_add[i]);
		o->caps = c < 0 ? all : o->caps | 1ULL << c;
	}
	o->caps &= all;
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	int c;
	size_t n = (size_t)argc;
	o->env = calloc(n, sizeof(*o->env));
	o->cgroups = calloc(n, sizeof(*o->cgroups));
	o->cap_add = calloc(n, sizeof(*o->cap_add));
	o->cap_drop = calloc(n, sizeof(*o->cap_drop));
	o->vols = calloc(n, sizeof(*o->vols));
	if (!o->env || !o->cgroups || !o->cap_add || !o->cap_drop || !o->vols)
		die_errno("calloc");
	o->console_fd = -1;
	o->notify_fd = -1;
	o->seccomp = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+n:h:w:e:u:v:", long_opts, NULL)) != -1)
		if (!set_opt(o, c))
			misuse("bad option: %s", argv[optind - 1]);
	if (!o->join && optind < argc)
		o->rootfs = argv[optind++];
	o->argv = argv + optind;
	check_opts(o);
	if (o->join) {  /* properties of the joined container's namespaces */
		o->userns = false;
		o->nvols = 0;
		o->ro_rootfs = false;
	}
	compute_caps(o);
	if (o->seccomp < 0)
		o->seccomp = !o->privileged;
	if (!o->hostname && !o->join)
		o->hostname = "ctr";
	if (!o->workdir)
		o->workdir = "/";
}

/* ---------------------------------------------------------------- helpers */

static void xclose(int fd)
{
	if (fd >= 0 && close(fd) < 0)
		die_errno("close %d", fd);
}

/* Read up to len bytes until EOF; returns the count or -1. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* mkdir that accepts an existing directory. */
static void ensure_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		die_errno("mkdir %s", path);
}

/* mkdir -p, for a workdir the image does not have (docker creates it too). */
static void mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		die("mkdir %s: path too long", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		ensure_dir(buf, 0755);
		*p = '/';
	}
	ensure_dir(buf, 0755);
}

static int status_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;
	if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
		die_errno("fstat");
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Write text to an existing file (uid_map, cgroup.procs); -1 with errno. */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write_all(fd, text, strlen(text)) < 0) {
		int err = errno;
		(void)close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

/* ---------------------------------------------------------------- CVE-2019-5736 */

/* Run from a sealed memfd copy of ourselves. A helper process that is inside
 * the container (the --init PID 1, a --join child before its exec, or the
 * helper re-run by a PROG whose #! line is /proc/self/exe) shows its binary as
 * /proc/PID/exe to the container; if that were the host's file, container root
 * could open it and overwrite the host's nsenter-chroot. The memfd is sealed
 * against writes, so the worst it can do is read a copy. */
static void reexec_sealed(char **argv)
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
	int mfd = memfd_create(PROG, MFD_CLOEXEC | MFD_ALLOW_SEALING);
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

/* ---------------------------------------------------------------- environment */

/* Set K=V in env (n entries, room for more), replacing an existing K. */
static void env_put(char **env, size_t *n, char *kv)
{
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; i < *n; i++) {
		if (strncmp(env[i], kv, klen) == 0 && env[i][klen] == '=') {
			env[i] = kv;
			return;
		}
	}
	env[(*n)++] = kv;
}

static char *env_fmt(const char *k, const char *v)
{
	size_t len = strlen(k) + strlen(v) + 2;
	char *s = malloc(len);
	if (!s)
		die_errno("malloc");
	snprintf(s, len, "%s=%s", k, v);
	return s;
}

static const char *env_get(char *const *env, const char *k)
{
	size_t klen = strlen(k);
	for (; *env; env++)
		if (strncmp(*env, k, klen) == 0 && (*env)[klen] == '=')
			return *env + klen + 1;
	return NULL;
}

/* The clean environment of PROG: nothing from the caller but TERM on a tty
 * and the --env values, so the host's settings never leak into a container. */
static char **build_env(const struct opts *o, const char *hostname, const char *home)
{
	char **env = calloc(o->nenv + 5, sizeof(*env));
	size_t n = 0;
	const char *term = getenv("TERM");
	if (!env)
		die_errno("calloc");
	env[n++] = "PATH=" DEFAULT_PATH;
	env[n++] = env_fmt("HOME", home);
	env[n++] = env_fmt("HOSTNAME", hostname);
	if (isatty(0) || o->console_fd >= 0)
		env[n++] = env_fmt("TERM", term && *term ? term : "xterm");
	for (size_t i = 0; i < o->nenv; i++) {
		const char *kv = o->env[i];
		if (!strchr(kv, '=')) {
			const char *v = getenv(kv);
			if (!v)
				continue;
			kv = env_fmt(kv, v);
		}
		env_put(env, &n, (char *)kv);
	}
	return env;
}

/* ---------------------------------------------------------------- exec */

/* Exec failed: tell the parent which errno, say why, exit 126 or 127. */
__attribute__((noreturn))
static void exec_failed(const char *prog, int err)
{
	int code = err == ENOENT || err == ENOTDIR ? EXIT_NOTFOUND : EXIT_CANNOT;
	(void)write_all(g.ready[1], &err, sizeof(err));
	fprintf(stderr, "%s: exec %s: %s\n", PROG, prog, strerror(err));
	_exit(code);
}

/* execvpe(3) that searches the CONTAINER's PATH (glibc's uses the caller's):
 * ENOENT/ENOTDIR try the next directory, EACCES is remembered (126 if nothing
 * else is found), any other error stops the search. */
__attribute__((noreturn))
static void exec_path(char **argv, char **envp)
{
	const char *prog = argv[0];
	const char *path = env_get(envp, "PATH");
	char buf[PATH_MAX];
	int err = ENOENT;
	if (strchr(prog, '/') || !*prog) {
		execve(prog, argv, envp);
		exec_failed(prog, *prog ? errno : ENOENT);
	}
	for (const char *p = path ? path : ""; ; p += strcspn(p, ":") + 1) {
		int len = (int)strcspn(p, ":");
		if (snprintf(buf, sizeof(buf), "%.*s/%s", len, len ? p : ".", prog) < (int)sizeof(buf)) {
			execve(buf, argv, envp);
			if (errno == EACCES)
				err = EACCES;
			else if (errno != ENOENT && errno != ENOTDIR)
				exec_failed(prog, errno);
		}
		if (!p[len])
			break;
	}
	exec_failed(prog, err);
}

/* PROG starts with every signal at its default action and none blocked:
 * an ignored SIGINT or SIGTERM inherited from a background caller would make
 * the container deaf to ctr.sh stop. */
static void reset_signals(void)
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

/* Last steps before PROG: no fd of ours may reach the container (the
 * CVE-2024-21626 class of leaks): all but the ready pipe are closed, and it
 * is close-on-exec; signals are reset, and the parent learns that setup
 * succeeded (the ready pipe closes at execve). */
__attribute__((noreturn))
static void exec_prog(char **argv, char **envp)
{
	static const char ready = READY_BYTE;
	if (fds_close_except(&g.ready[1], 1) < 0)
		die_errno("close fds");
	reset_signals();
	if (write_all(g.ready[1], &ready, 1) < 0)
		die_errno("write ready pipe");
	exec_path(argv, envp);
}

/* ---------------------------------------------------------------- console */

/* Send fd over the unix socket sock with SCM_RIGHTS (one byte of payload). */
static void send_fd(int sock, int fd)
{
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	                      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		die_errno("send console fd");
}

/* Allocate the pty INSIDE the container (its own devpts instance, so the
 * slave is /dev/pts/0 there and no host pty is involved), send the master to
 * the caller and return the slave. TIOCGPTPEER opens the slave without a path
 * lookup that the container could redirect. */
static int console_open(int sock)
{
	int unlock = 0;
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		die_errno("open /dev/ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		die_errno("unlockpt");
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		die_errno("open pty slave");
	send_fd(sock, master);
	xclose(master);
	xclose(sock);
	return slave;
}

/* Make slave the controlling terminal of this process, on fds 0, 1, 2; in a
 * new session unless it leads one already (it does without --init). */
static void console_attach(int slave)
{
	if (getsid(0) != getpid() && setsid() < 0)
		die_errno("setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		die_errno("TIOCSCTTY");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			die_errno("dup2 console");
	if (slave > 2)
		xclose(slave);
}

/* ---------------------------------------------------------------- mounts, resolved in the root */

enum make { MAKE_NONE, MAKE_DIR, MAKE_FILE };

/* openat2 with RESOLVE_IN_ROOT: "..", absolute and relative symlinks all stop
 * at root, so a hostile image (/data -> /) cannot send a mount to the host. */
static int open_in_root(int root, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(O_PATH | O_CLOEXEC | flags),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

/* Create the missing components of path inside root (directories; the last
 * one a directory or an empty file). Each parent is re-resolved in the root,
 * and creation never follows a symlink (mkdirat, O_EXCL|O_NOFOLLOW). */
static void create_in_root(int root, const char *path, enum make make)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		die("%s: path too long", path);
	for (char *name = buf; *name; ) {
		while (*name == '/')
			name++;
		size_t len = strcspn(name, "/");
		bool last = name[len + strspn(name + len, "/")] == '\0';
		char save = name[len];
		name[len] = '\0';
		int fd = open_in_root(root, buf, 0);
		if (fd < 0 && errno != ENOENT)
			die_errno("resolve %s in the container", buf);
		if (fd < 0) {
			char *slash = name - 1;
			*slash = '\0';  /* buf is now the parent */
			int parent = open_in_root(root, *buf ? buf : "/", O_DIRECTORY);
			if (parent < 0)
				die_errno("resolve %s in the container", *buf ? buf : "/");
			*slash = '/';
			if (last && make == MAKE_FILE) {
				fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
				if (fd < 0)
					die_errno("create %s in the container", buf);
			} else if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST) {
				die_errno("mkdir %s in the container", buf);
			}
			xclose(parent);
		}
		xclose(fd);
		name[len] = save;
		name += len;
	}
}

/* An O_PATH fd on path inside root, created first when missing and make asks
 * for it. */
static int target_in_root(int root, const char *path, enum make make)
{
	int fd = open_in_root(root, path, 0);
	if (fd >= 0 || errno != ENOENT || make == MAKE_NONE) {
		if (fd < 0)
			die_errno("resolve %s in the container", path);
		return fd;
	}
	create_in_root(root, path, make);
	fd = open_in_root(root, path, 0);
	if (fd < 0)
		die_errno("resolve %s in the container", path);
	return fd;
}

/* mount(2) onto what the O_PATH fd target names (its /proc/self/fd magic
 * link), never onto a path the container's symlinks could redirect. */
static void mount_on(int target, const char *src, const char *type,
		     unsigned long flags, const char *data, const char *what)
{
	char path[32];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", target);
	if (mount(src, path, type, flags, data) < 0)
		die_errno("mount %s on %s", type ? type : src, what);
}

/* A detached copy (open_tree) of dirfd/path, with mount attributes attrs
 * added (nosuid, ro, ...); recursive copies the submounts too. */
static int clone_tree(int dirfd, const char *path, uint64_t attrs, bool recursive)
{
	unsigned int rec = recursive ? AT_RECURSIVE : 0;
	int tree = open_tree(dirfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec |
			     (*path ? 0 : AT_EMPTY_PATH));
	if (tree < 0)
		return -1;
	struct mount_attr attr = { .attr_set = attrs };
	if (attrs && mount_setattr(tree, "", AT_EMPTY_PATH | rec, &attr, sizeof(attr)) < 0) {
		int err = errno;
		(void)close(tree);
		errno = err;
		return -1;
	}
	return tree;
}

/* Attach a detached tree on the O_PATH fd target. */
static void attach(int tree, int target, const char *what)
{
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		die_errno("mount on %s", what);
	xclose(tree);
}

/* Bind the host's file or directory src on target. */
static void bind_host(const char *src, int target, uint64_t attrs, const char *what)
{
	int tree = clone_tree(AT_FDCWD, src, attrs, true);
	if (tree < 0)
		die_errno("bind %s", src);
	attach(tree, target, what);
}

/* ---------------------------------------------------------------- container setup */

/* The child waits here until the parent has written its id maps and moved it
 * into its cgroups, so that every step, every byte it allocates and every
 * process it forks is accounted there. A closed pipe means the parent failed:
 * it says why. */
static void wait_go(void)
{
	char c;
	xclose(g.go[1]);
	if (read_full(g.go[0], &c, 1) != 1)
		_exit(EXIT_SELF);
	xclose(g.go[0]);
}

/* --userns: clone() put us in the new user namespace but we still carry the
 * host's root ids, which it does not map (files we create would fail with
 * EOVERFLOW). Become its root (host ids U and G), and drop the host's
 * supplementary groups, which would otherwise keep their host access. */
static void become_userns_root(void)
{
	if (setgroups(0, NULL) < 0)
		die_errno("setgroups in the user namespace");
	if (setresgid(0, 0, 0) < 0)
		die_errno("setresgid 0 in the user namespace");
	if (setresuid(0, 0, 0) < 0)
		die_errno("setresuid 0 in the user namespace");
}

/* A new network namespace has lo down: bring it up so 127.0.0.1 works. */
static void lo_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die_errno("socket");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die_errno("get lo flags");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die_errno("bring lo up");
	xclose(s);
}

/* Enter the network namespace at path. */
static void enter_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die_errno("open netns %s", path);
	if (setns(fd, CLONE_NEWNET) < 0)
		die_errno("setns %s", path);
	xclose(fd);
}

/* The network: a prepared one (ctr.sh's veth + addresses; with --userns the
 * parent entered it already), the host's, or a new empty one (created by
 * clone, only lo to bring up). */
static void setup_net(const struct opts *o)
{
	if (o->netns && !o->userns)
		enter_netns(o->netns);
	else if (!o->netns && !o->net_host)
		lo_up();
}

/* Our mounts must not propagate back to the host (systemd makes / shared),
 * and pivot_root refuses a shared new root or parent anyway. */
static void make_root_private(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die_errno("make / private");
}

/* nodev on ROOTFS: CAP_MKNOD is in docker's default set, and without a
 * devices cgroup nothing else would stop container root from creating
 * /tmp/sda (the host's disk) and opening it. The nodes in /dev are separate
 * bind mounts and stay usable. */
static void rootfs_nodev(int root)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_NODEV };
	if (mount_setattr(root, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		die_errno("make the rootfs nodev");
}

/* pivot_root needs ROOTFS to be a mount point: bind it onto itself, or
 * attach the idmapped copy the parent prepared on it (--userns: on the fd
 * opened before our ids changed). Returns an O_PATH fd on the new mount:
 * every later target is resolved inside it. */
static int mount_rootfs(const struct opts *o)
{
	int root = g.idmap_tree;
	if (o->userns) {
		if (move_mount(root, "", g.rootfs_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			die_errno("mount idmapped %s", o->rootfs);
		xclose(g.rootfs_fd);
	} else {
		if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
			die_errno("bind %s", o->rootfs);
		root = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			die_errno("open %s", o->rootfs);
	}
	if (!o->privileged)
		rootfs_nodev(root);
	return root;
}

/* A procfs of the new pid namespace (the container sees its own processes
 * only); nosuid/noexec/nodev as every runtime does. Mounted before
 * pivot_root: in a user namespace the kernel allows a new procfs only while a
 * full one is visible (mount_too_revealing). */
static void mount_proc(int root)
{
	int t = target_in_root(root, "/proc", MAKE_DIR);
	mount_on(t, "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL, "/proc");
	xclose(t);
}

/* sysfs is mounted after the network namespace is set, so /sys/class/net
 * shows the container's interfaces; read-only, the container may not tune
 * the host's devices. (--userns with a network namespace the user namespace
 * does not own: the parent made the sysfs, see prepare_sysfs.) */
static void mount_sys(int root, const struct opts *o)
{
	int t = target_in_root(root, "/sys", MAKE_DIR);
	if (g.sys_tree >= 0)
		attach(g.sys_tree, t, "/sys");
	else
		mount_on(t, "sysfs", "sysfs", (o->privileged ? 0 : MS_RDONLY) |
			 MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL, "/sys");
	xclose(t);
}

static const char *const dev_nodes[] = {
	"null", "zero", "full", "random", "urandom", "tty",
};

static const char *const dev_links[][2] = {
	{ "ptmx", "pts/ptmx" }, { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
};

/* Bind the host's /dev/NAME onto an empty file in the container's /dev:
 * binding (not mknod) also works in a user namespace. */
static void bind_dev_node(int dev, const char *name)
{
	char host[32];
	int f = openat(dev, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (f < 0)
		die_errno("create /dev/%s", name);
	xclose(f);
	int t = openat(dev, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (t < 0)
		die_errno("open /dev/%s", name);
	snprintf(host, sizeof(host), "/dev/%s", name);
	bind_host(host, t, 0, host);
	xclose(t);
}

/* mkdir dev/NAME and mount a filesystem on it. */
static void dev_mount(int dev, const char *name, const char *type,
		      unsigned long flags, const char *data)
{
	if (mkdirat(dev, name, 0755) < 0)
		die_errno("mkdir /dev/%s", name);
	int t = openat(dev, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (t < 0)
		die_errno("open /dev/%s", name);
	mount_on(t, type, type, flags, data, name);
	xclose(t);
}

/* A private /dev with only the harmless nodes: no host disk, no /dev/mem, no
 * host pty. The tmpfs is nodev (a node mknod'ed there is inert); the nodes
 * are bind mounts of their own. devpts is a new instance so the container's
 * ptys are its own. */
static void mount_dev(int root)
{
	int t = target_in_root(root, "/dev", MAKE_DIR);
	mount_on(t, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=755,size=65536k", "/dev");
	xclose(t);
	int dev = open_in_root(root, "/dev", O_DIRECTORY);  /* the new tmpfs */
	if (dev < 0)
		die_errno("open /dev");
	for (size_t i = 0; i < NELEM(dev_nodes); i++)
		bind_dev_node(dev, dev_nodes[i]);
	dev_mount(dev, "pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
	dev_mount(dev, "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
	dev_mount(dev, "mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	for (size_t i = 0; i < NELEM(dev_links); i++)
		if (symlinkat(dev_links[i][1], dev, dev_links[i][0]) < 0)
			die_errno("symlink /dev/%s", dev_links[i][0]);
	xclose(dev);
}

/* --volume: the source was copied by the parent (resolved on the host, as
 * the caller); the target is resolved inside the container and created there
 * when missing. */
static void mount_volumes(int root, const struct opts *o)
{
	for (size_t i = 0; i < o->nvols; i++) {
		const struct volume *v = &o->vols[i];
		struct stat st;
		if (fstat(v->tree, &st) < 0)
			die_errno("volume %s", v->src);
		int t = target_in_root(root, v->dst, S_ISDIR(st.st_mode) ? MAKE_DIR : MAKE_FILE);
		if (same_file(t, root))
			die("volume %s: resolves to the container's root", v->dst);
		attach(v->tree, t, v->dst);
		xclose(t);
	}
}

/* Masked paths: /dev/null over files, an empty read-only tmpfs over dirs. */
static void mask_paths(int root)
{
	for (size_t i = 0; i < NELEM(masked_paths); i++) {
		struct stat st;
		int t = open_in_root(root, masked_paths[i], 0);
		if (t < 0 && errno == ENOENT)
			continue;
		if (t < 0 || fstat(t, &st) < 0)
			die_errno("mask %s", masked_paths[i]);
		if (S_ISDIR(st.st_mode))
			mount_on(t, "tmpfs", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				 "size=4k", masked_paths[i]);
		else
			bind_host("/dev/null", t, 0, masked_paths[i]);
		xclose(t);
	}
}

/* Read-only paths: a read-only copy of each mounted on itself. */
static void readonly_paths_ro(int root)
{
	for (size_t i = 0; i < NELEM(readonly_paths); i++) {
		int t = open_in_root(root, readonly_paths[i], 0);
		if (t < 0 && errno == ENOENT)
			continue;
		if (t < 0)
			die_errno("read-only %s", readonly_paths[i]);
		int tree = clone_tree(t, "", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
				      MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, true);
		if (tree < 0)
			die_errno("read-only %s", readonly_paths[i]);
		attach(tree, t, readonly_paths[i]);
		xclose(t);
	}
}

/* pivot_root, not chroot: after the old root is detached the host's tree is
 * unreachable from the new mount namespace (chroot can be escaped, and keeps
 * every host mount alive in it). pivot_root(".", ".") stacks the old root on
 * the new one, so no directory has to be created in ROOTFS to hold it. */
static void pivot_into(int root)
{
	if (fchdir(root) < 0)
		die_errno("chdir to the rootfs");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die_errno("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die_errno("detach old root");
	if (chdir("/") < 0)
		die_errno("chdir /");
	xclose(root);
}

static void set_hostname(const char *name)
{
	if (sethostname(name, strlen(name)) < 0)
		die_errno("sethostname");
}

/* A new container: the child already has new pid/mnt/uts/ipc(/net)(/user)
 * namespaces from clone(); build its filesystem view under ROOTFS, then
 * pivot into it. */
static void create_container(const struct opts *o)
{
	setup_net(o);
	if (unshare(CLONE_NEWCGROUP) < 0)  /* after the cgroup join: its root is ours */
		die_errno("unshare cgroup namespace");
	make_root_private();
	int root = mount_rootfs(o);
	mount_proc(root);
	mount_sys(root, o);
	mount_dev(root);
	mount_volumes(root, o);
	if (!o->privileged) {
		mask_paths(root);
		readonly_paths_ro(root);
	}
	pivot_into(root);
	set_hostname(o->hostname);
}

/* Enter the namespace join_ns[i] if it is to be entered. */
static void join_one(size_t i)
{
	if (g.join_fd[i] < 0)
		return;
	if (setns(g.join_fd[i], join_ns[i].type) < 0)
		die_errno("setns %s", join_ns[i].name);
	xclose(g.join_fd[i]);
}

/* --join: enter the container's namespaces (opened by the parent before
 * anything moved) and its root; the pid namespace came with clone(). The
 * user namespace comes LAST, unlike in nsenter(1), which enters it first to
 * gain capabilities over the rest: we hold them on the host already, and
 * inside the container's user namespace we would lose them over a namespace
 * it does not own, such as the network namespace ctr.sh made for a --userns
 * container (setns: EPERM). */
static void join_container(void)
{
	for (size_t i = 0; i < NJOIN; i++)
		if (join_ns[i].type != CLONE_NEWUSER)
			join_one(i);
	for (size_t i = 0; i < NJOIN; i++) {
		if (join_ns[i].type != CLONE_NEWUSER || g.join_fd[i] < 0)
			continue;
		join_one(i);
		become_userns_root();
	}
	if (fchdir(g.join_root) < 0)
		die_errno("fchdir container root");
	if (chroot(".") < 0)
		die_errno("chroot container root");
	xclose(g.join_root);
}

static void enter_workdir(const char *dir)
{
	if (chdir("/") < 0)
		die_errno("chdir /");
	if (chdir(dir) == 0)
		return;
	if (errno != ENOENT)
		die_errno("chdir %s", dir);
	mkdir_p(dir);
	if (chdir(dir) < 0)
		die_errno("chdir %s", dir);
}

/* --readonly-rootfs: only the root mount; /dev, /proc, volumes keep theirs. */
static void readonly_rootfs(void)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	if (mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof(attr)) < 0)
		die_errno("make / read-only");
}

/* ---------------------------------------------------------------- user */

/* Read a small regular file of the container (after pivot_root, so its
 * symlinks stay inside); O_NONBLOCK so a FIFO planted as /etc/passwd cannot
 * hang us. Returns false when it does not exist. */
static bool read_db(const char *path, char *buf, size_t size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return false;
	if (fd < 0 || fstat(fd, &st) < 0)
		die_errno("open %s", path);
	if (!S_ISREG(st.st_mode))
		die("%s: not a regular file", path);
	ssize_t n = read_full(fd, buf, size - 1);
	if (n < 0)
		die_errno("read %s", path);
	buf[n] = '\0';
	xclose(fd);
	return true;
}

/* Find the line of a passwd/group file whose name (field 0) or, for a number,
 * id (field 2) is key; split it into f[0..nf-1]. buf is modified. */
static bool db_find(char *buf, const char *key, char **f, int nf)
{
	unsigned long id;
	bool numeric = parse_ulong(key, UINT32_MAX, &id, NULL);
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int n = 0;
		while (n < nf && line)
			f[n++] = strsep(&line, ":");
		for (int i = n; i < nf; i++)
			f[i] = NULL;
		if (n >= 3 && strcmp(f[numeric ? 2 : 0], key) == 0)
			return true;
	}
	return false;
}

/* --user U[:G]: names are looked up in the container's /etc/passwd and
 * /etc/group (never through the host's NSS, which would load the image's
 * libraries into this root process). A number needs no entry: docker runs
 * an unknown uid with gid 0 and HOME=/. */
static struct user resolve_user(const char *spec)
{
	static char pw[1 << 16], gr[1 << 16];
	char ubuf[256];
	char *f[7] = { NULL };
	struct user u = { 0, 0, "/root" };
	unsigned long id;
	if (!spec)
		return u;
	snprintf(ubuf, sizeof(ubuf), "%s", spec);
	char *group = strchr(ubuf, ':');
	if (group)
		*group++ = '\0';
	bool found = read_db("/etc/passwd", pw, sizeof(pw)) && db_find(pw, ubuf, f, 7);
	if (!found && !parse_ulong(ubuf, UINT32_MAX, &id, NULL))
		die("user %s: not found in /etc/passwd", ubuf);
	u.uid = (uid_t)(found ? strtoul(f[2], NULL, 10) : id);
	u.gid = (gid_t)(found && f[3] ? strtoul(f[3], NULL, 10) : 0);
	u.home = found && f[5] && *f[5] ? f[5] : "/";
	if (!group)
		return u;
	if (parse_ulong(group, UINT32_MAX, &id, NULL))
		u.gid = (gid_t)id;
	else if (read_db("/etc/group", gr, sizeof(gr)) && db_find(gr, group, f, 4))
		u.gid = (gid_t)strtoul(f[2], NULL, 10);
	else
		die("group %s: not found in /etc/group", group);
	return u;
}

/* ---------------------------------------------------------------- privileges */

/* Bounding set first (it needs CAP_SETPCAP), then the ids (groups first,
 * while still root), then the process's sets: root keeps caps in permitted
 * and effective, another user none (as docker). Inheritable stays empty and
 * ambient is cleared: with a non-empty inheritable set a file capability
 * could raise a non-root user (CVE-2022-24769). no_new_privs makes setuid
 * binaries and file capabilities inert. */
static void drop_privileges(const struct opts *o, const struct user *u)
{
	for (cap_value_t c = 0; c < cap_max_bits(); c++)
		if (!((o->caps >> c) & 1) && cap_drop_bound(c) < 0)
			die_errno("drop capability %d from the bounding set", c);
	if (setgroups(0, NULL) < 0)  /* also drops the host's groups in a userns */
		die_errno("setgroups");
	if (setgid(u->gid) < 0)
		die_errno("setgid %u", (unsigned)u->gid);
	if (setuid(u->uid) < 0)
		die_errno("setuid %u", (unsigned)u->uid);
	cap_t caps = cap_init();
	if (!caps)
		die_errno("cap_init");
	for (cap_value_t c = 0; u->uid == 0 && c < cap_max_bits(); c++) {
		if (!((o->caps >> c) & 1))
			continue;
		if (cap_set_flag(caps, CAP_PERMITTED, 1, &c, CAP_SET) < 0 ||
		    cap_set_flag(caps, CAP_EFFECTIVE, 1, &c, CAP_SET) < 0)
			die_errno("cap_set_flag");
	}
	if (cap_set_proc(caps) < 0)
		die_errno("set capabilities");
	cap_free(caps);
	if (cap_reset_ambient() < 0)
		die_errno("clear ambient capabilities");
	if (!o->privileged && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_errno("no_new_privs");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)  /* setuid cleared it */
		die_errno("set parent death signal");
}

/* ---------------------------------------------------------------- init */

/* Reap every exited child; returns PROG's status once PROG is among them. */
static bool reap_all(pid_t prog, int *status)
{
	bool done = false;
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p < 0 && errno == EINTR)
			continue;
		if (p <= 0)
			return done;
		if (p == prog) {
			*status = st;
			done = true;
		}
	}
}

/* Name this process "init" in /proc/PID/comm and /proc/PID/cmdline: the helper's
 * own argv holds host paths (ROOTFS, cgroups, the pid file) that a process in the
 * container would otherwise read from /proc/1/cmdline. */
static void name_init(void)
{
	if (prctl(PR_SET_NAME, "init") < 0)
		die_errno("set name");
	if (g.args && g.args_len > sizeof("init")) {
		memset(g.args, 0, g.args_len);
		memcpy(g.args, "init", sizeof("init"));
	}
}

/* --init: a minimal PID 1. PROG runs as its child; signals (blocked since
 * before clone, so none is lost and the kernel's "init ignores unhandled
 * signals" rule does not drop them) are forwarded to PROG; orphans re-parented
 * here are reaped; the exit code is PROG's. The init has the same user,
 * capabilities and seccomp filter as PROG. */
__attribute__((noreturn))
static void run_init(char **argv, char **envp, int console)
{
	int status = 0;
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		die_errno("set child subreaper");
	pid_t prog = fork();
	if (prog < 0)
		die_errno("fork");
	if (prog == 0) {
		if (console >= 0)
			console_attach(console);
		exec_prog(argv, envp);
	}
	name_init();
	xclose(g.ready[1]);
	xclose(console);
	/* it never execs: nothing left open by setup may stay in PID 1 */
	if (fds_close_except(NULL, 0) < 0)
		die_errno("close fds");
	for (;;) {
		siginfo_t si;
		if (sigwaitinfo(&g.fwd, &si) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("sigwaitinfo");
		}
		if (si.si_signo != SIGCHLD)
			(void)kill(prog, si.si_signo);
		else if (reap_all(prog, &status))
			_exit(status_code(status));
	}
}

/* ---------------------------------------------------------------- child */

/* First step of the child: it holds only the fds listed here, those its
 * setup uses (and closes); everything else it inherited goes before the
 * container can see this process: with --join the parent's fd on the host's
 * pid namespace (clone_joined) and PID's (setns needs CAP_SYS_ADMIN, but the
 * fd must not be there to open). Every fd the child uses must be listed. */
static void child_close_fds(const struct opts *o)
{
	size_t n = 0;
	int *keep = calloc(7 + NJOIN + o->nvols, sizeof(*keep));  /* as many as below */
	if (!keep)
		die_errno("calloc");
	keep[n++] = g.ready[1];
	keep[n++] = g.go[0];
	keep[n++] = g.go[1];
	keep[n++] = o->console_fd;
	keep[n++] = g.sys_tree;
	keep[n++] = g.idmap_tree;  /* idmapped by the parent, attached by the child */
	for (size_t i = 0; o->join && i < NJOIN; i++)
		keep[n++] = g.join_fd[i];
	if (o->join)
		keep[n++] = g.join_root;
	for (size_t i = 0; i < o->nvols; i++)
		keep[n++] = o->vols[i].tree;
	if (fds_close_except(keep, n) < 0)
		die_errno("close fds");
	free(keep);
	g.join_pidns = -1;
}

/* Everything the child does between clone() and execve(). */
__attribute__((noreturn))
static void child_main(const struct opts *o)
{
	int console = -1;
	char host[65] = "";
	xclose(g.ready[0]);
	xclose(o->notify_fd);  /* the parent's: an --init would hold it for good */
	child_close_fds(o);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)  /* no orphan containers */
		die_errno("set parent death signal");
	umask(022);
	if (g.go[0] >= 0)
		wait_go();
	if (o->userns) {
		/* while we still have the host's uid: its parent dirs may be 0700 */
		g.rootfs_fd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (g.rootfs_fd < 0)
			die_errno("open %s", o->rootfs);
		become_userns_root();
	}
	if (o->join)
		join_container();
	else
		create_container(o);
	if (o->console_fd >= 0)
		console = console_open(o->console_fd);
	enter_workdir(o->workdir);
	if (o->ro_rootfs)
		readonly_rootfs();
	if (!o->hostname && gethostname(host, sizeof(host) - 1) < 0)
		die_errno("gethostname");
	struct user u = resolve_user(o->user);
	char **envp = build_env(o, o->hostname ? o->hostname : host, u.home);
	if (console >= 0 && fchown(console, u.uid, (gid_t)-1) < 0)
		die_errno("chown console");
	drop_privileges(o, &u);
	if (o->seccomp)
		seccomp_load_default(o->caps);  /* last: everything after it is allowed */
	/* a session of its own, without a controlling terminal: the caller's
	 * terminal (inherited on 0,1,2 without -t) cannot be pushed input with
	 * TIOCSTI (CVE-2017-5226) and sends no signal into the container: Ctrl-C
	 * reaches it once, forwarded by the parent */
	if (setsid() < 0)
		die_errno("setsid");
	if (o->init)
		run_init(o->argv, envp, console);
	if (console >= 0)
		console_attach(console);
	exec_prog(o->argv, envp);
}

/* ---------------------------------------------------------------- parent */

/* Block the forwarded signals and SIGCHLD before clone so none is lost: the
 * parent takes them with sigwaitinfo, the child unblocks them at exec. */
static void block_signals(void)
{
	if (sigemptyset(&g.fwd) < 0 || sigaddset(&g.fwd, SIGCHLD) < 0)
		die_errno("sigset");
	for (size_t i = 0; i < NELEM(fwd_signals); i++)
		if (sigaddset(&g.fwd, fwd_signals[i]) < 0)
			die_errno("sigaddset");
	if (sigprocmask(SIG_BLOCK, &g.fwd, NULL) < 0)
		die_errno("sigprocmask");
}

static int open_proc(pid_t pid, const char *what)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die_errno("open %s", path);
	return fd;
}

/* --join: open every namespace of PID up front, before anything moves. A
 * namespace we already share is not entered (setns into one's own user
 * namespace is EINVAL). */
static void open_join(pid_t pid)
{
	for (size_t i = 0; i < NJOIN; i++) {
		char what[32];
		snprintf(what, sizeof(what), "ns/%s", join_ns[i].name);
		g.join_fd[i] = open_proc(pid, what);
		int self = open_proc(getpid(), what);
		if (same_file(g.join_fd[i], self)) {
			xclose(g.join_fd[i]);
			g.join_fd[i] = -1;
		}
		xclose(self);
	}
	g.join_pidns = open_proc(pid, "ns/pid");
	g.join_root = open_proc(pid, "root");
}

/* --userns with --netns or --net-host: the kernel refuses a user namespace
 * the sysfs of a network namespace it does not own, so the parent (privileged,
 * already in that network namespace) makes a detached one for the child to
 * attach. Binding the host's /sys instead would show the host's devices. */
static void prepare_sysfs(const struct opts *o)
{
	unsigned int ro = o->privileged ? 0 : MOUNT_ATTR_RDONLY;
	int fs = fsopen("sysfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		die_errno("fsopen sysfs");
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		die_errno("create sysfs");
	g.sys_tree = fsmount(fs, FSMOUNT_CLOEXEC,
			     ro | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (g.sys_tree < 0)
		die_errno("fsmount sysfs");
	xclose(fs);
}

/* --userns, before clone: a detached copy of ROOTFS that the parent idmaps
 * once the child's user namespace exists (only a process privileged over the
 * filesystem may create an idmapped mount). A user namespace may not enter a
 * network namespace it does not own, so the parent enters it and the child
 * inherits it; nor mount its sysfs, so the parent makes that too. */
static void prepare_userns(const struct opts *o)
{
	g.idmap_tree = open_tree(AT_FDCWD, o->rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (g.idmap_tree < 0)
		die_errno("open_tree %s", o->rootfs);
	if (o->netns)
		enter_netns(o->netns);
	if (o->netns || o->net_host)
		prepare_sysfs(o);
}

/* clone() as fork() with namespace flags: the child is born in them while
 * this process stays in all of the host's. */
static pid_t clone_child(int flags)
{
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD,
				   NULL, NULL, NULL, NULL);
	if (pid < 0)
		die_errno("clone");
	return pid;
}

/* --join: the child must be born in the container's pid namespace; point
 * pid_for_children there for the one clone and back, so nothing else this
 * process forks (e.g. the leak checker of a sanitizer build) lands in it. */
static pid_t clone_joined(void)
{
	int self = open_proc(getpid(), "ns/pid");
	if (setns(g.join_pidns, CLONE_NEWPID) < 0)
		die_errno("setns pid");
	pid_t pid = clone_child(0);
	if (pid == 0)
		return 0;
	if (setns(self, CLONE_NEWPID) < 0)
		die_errno("setns back to own pid namespace");
	xclose(self);
	xclose(g.join_pidns);
	return pid;
}

static pid_t spawn(const struct opts *o)
{
	if (o->join)
		return clone_joined();
	int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
	if (!o->netns && !o->net_host)
		flags |= CLONE_NEWNET;
	if (o->userns)
		flags |= CLONE_NEWUSER;  /* created first: it owns the others */
	return clone_child(flags);
}

/* Kill and reap the child, then fail: nothing is left running behind us. */
__attribute__((noreturn))
static void abort_child(pid_t pid, const char *step, int err)
{
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	errno = err;
	die_errno("%s", step);
}

/* --userns: container ids 0..N-1 are host ids U.. / G... setgroups stays
 * allowed (we are privileged): the child must be able to drop the host
 * groups it inherited, which would otherwise keep their host access. */
static void map_ids(const struct opts *o, pid_t pid)
{
	char path[64], map[96];
	snprintf(map, sizeof(map), "0 %lu %lu\n", o->map_uid, o->map_count);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if (write_file(path, map) < 0)
		abort_child(pid, path, errno);
	snprintf(map, sizeof(map), "0 %lu %lu\n", o->map_gid, o->map_count);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	if (write_file(path, map) < 0)
		abort_child(pid, path, errno);
}

/* --userns: idmap the copy of ROOTFS with the child's user namespace, so the
 * image's files owned by 0 are owned by the container's root (host uid U)
 * without a chown of the image. */
static void idmap_rootfs(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		abort_child(pid, path, errno);
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)ns };
	if (mount_setattr(g.idmap_tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		abort_child(pid, "idmapped mount of ROOTFS (this kernel or filesystem cannot"
			    " idmap: chown the image to the mapped ids or run without --userns)", errno);
	xclose(ns);
	xclose(g.idmap_tree);
}

/* --volume, before clone: detached copies of the sources, nosuid,nodev
 * always (no setuid binary or device smuggled in) plus ro/noexec. The
 * parent makes them: host paths are the caller's to resolve, and a
 * --userns child may not be allowed to search them. */
static void prepare_volumes(struct opts *o)
{
	for (size_t i = 0; i < o->nvols; i++) {
		struct volume *v = &o->vols[i];
		v->tree = clone_tree(AT_FDCWD, v->src, v->attrs, true);
		if (v->tree < 0)
			die_errno("volume %s", v->src);
	}
}

/* --device-cgroup, before clone: the group refuses every device but the
 * harmless ones before the child (which joins it before its first step)
 * could open or make one. With --join the group has its rules already. */
static void prepare_devices(const struct opts *o)
{
	if (o->device_cgroup && !o->join)
		devices_restrict(o->device_cgroup);
}

/* Move the child into each cgroup (the writer may name any pid). */
static void join_cgroups(const struct opts *o, pid_t pid)
{
	char path[PATH_MAX], text[16];
	snprintf(text, sizeof(text), "%d\n", (int)pid);
	for (size_t i = 0; i < o->ncgroups; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", o->cgroups[i]);
		if (write_file(path, text) < 0)
			abort_child(pid, path, errno);
	}
}

/* Prepare what the child waits for, then let it go. */
static void release_child(const struct opts *o, pid_t pid)
{
	if (o->userns) {
		map_ids(o, pid);
		idmap_rootfs(pid);
	}
	join_cgroups(o, pid);
	if (write_all(g.go[1], "g", 1) < 0)
		abort_child(pid, "write go pipe", errno);
	xclose(g.go[1]);
}

/* Atomic pid file: write FILE.tmp.<pid> then rename over FILE, so a reader
 * never sees a partial number. */
static int write_pid_file(const char *file, pid_t pid)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", file, (int)getpid()) >= (int)sizeof(tmp))
		return errno = ENAMETOOLONG, -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (dprintf(fd, "%d\n", (int)pid) < 0 || close(fd) < 0) {
		(void)unlink(tmp);
		return -1;
	}
	if (rename(tmp, file) < 0) {
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

/* Wait for the child's word: READY_BYTE then EOF (PROG exec'd), READY_BYTE
 * then an errno (execve failed: 126/127), or EOF alone (setup failed, the
 * child said why). Returns the errno, 0 on success, -1 on setup failure. */
static int wait_ready(void)
{
	char buf[1 + sizeof(int)];
	int err;
	xclose(g.ready[1]);
	ssize_t n = read_full(g.ready[0], buf, sizeof(buf));
	xclose(g.ready[0]);
	if (n < 1 || buf[0] != READY_BYTE)
		return -1;
	if (n < (ssize_t)sizeof(buf))
		return 0;
	memcpy(&err, buf + 1, sizeof(err));
	return err;
}

/* Forward signals to the child until it exits; return its exit code. */
static int supervise(pid_t pid)
{
	for (;;) {
		siginfo_t si;
		int st;
		if (sigwaitinfo(&g.fwd, &si) < 0) {
			if (errno == EINTR)
				continue;
			abort_child(pid, "sigwaitinfo", errno);
		}
		if (si.si_signo != SIGCHLD) {
			(void)kill(pid, si.si_signo);
			continue;
		}
		pid_t p = waitpid(pid, &st, WNOHANG);
		if (p == pid)
			return status_code(st);
	}
}

/* The parent keeps nothing that was made for the child. */
static void close_child_fds(const struct opts *o)
{
	xclose(o->console_fd);
	xclose(g.sys_tree);
	for (size_t i = 0; o->join && i < NJOIN; i++)
		xclose(g.join_fd[i]);
	if (o->join)
		xclose(g.join_root);
	for (size_t i = 0; i < o->nvols; i++)
		xclose(o->vols[i].tree);
}

static int parent_main(const struct opts *o, pid_t pid)
{
	close_child_fds(o);
	if (g.go[1] >= 0) {
		xclose(g.go[0]);
		release_child(o, pid);
	}
	int err = wait_ready();
	if (err == 0 && o->pid_file && write_pid_file(o->pid_file, pid) < 0)
		abort_child(pid, o->pid_file, errno);
	/* advisory: a reader that is gone (EPIPE, SIGPIPE ignored: the parent
	 * execs nothing) is not a reason to stop the container */
	if (err == 0 && o->notify_fd >= 0 && signal(SIGPIPE, SIG_IGN) != SIG_ERR)
		(void)write_all(o->notify_fd, "R", 1);
	xclose(o->notify_fd);
	int code = supervise(pid);
	if (err > 0)
		return err == ENOENT || err == ENOTDIR ? EXIT_NOTFOUND : EXIT_CANNOT;
	return code;
}

/* The caller's fds other than 0, 1, 2 are not ours to pass on: only
 * --console-fd and --notify-fd are kept. A directory the caller left open
 * would otherwise reach every process of the container, and --init's PID 1,
 * which never execs, would hold it for good (CVE-2024-21626). */
static void close_caller_fds(const struct opts *o)
{
	int keep[] = { o->console_fd, o->notify_fd };
	if (fds_close_except(keep, NELEM(keep)) < 0)
		die_errno("close the caller's fds");
}

int main(int argc, char **argv)
{
	static struct opts o;
	reexec_sealed(argv);
	g.args = argv[0];
	g.args_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
	parse_args(&o, argc, argv);
	close_caller_fds(&o);
	if (prctl(PR_SET_NAME, PROG) < 0)  /* fexecve named us after the fd */
		die_errno("set name");
	if (o.join)
		open_join(o.join);
	if (o.userns)
		prepare_userns(&o);
	prepare_volumes(&o);
	prepare_devices(&o);
	if (pipe2(g.ready, O_CLOEXEC) < 0)
		die_errno("pipe");
	if ((o.ncgroups > 0 || o.userns) && pipe2(g.go, O_CLOEXEC) < 0)
		die_errno("pipe");
	block_signals();
	fflush(NULL);
	pid_t pid = spawn(&o);
	if (pid == 0)
		child_main(&o);
	return parent_main(&o, pid);
}
