/* nsenter-chroot - run PROG as PID 1 of a new container rooted at ROOTFS
 * (clone(2) with new namespaces, pivot_root(2), fresh /proc /sys /dev, execve(2)).
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
 *       --init           PID 1 is a tiny init that forks PROG, forwards signals
 *                        to it, reaps every zombie and exits with PROG's status
 *       --console-fd N   N is a unix socket: PROG gets a new pty as controlling
 *                        terminal on fds 0,1,2 and the master is sent over N
 *                        (SCM_RIGHTS); N is closed
 *       --join PID       enter the namespaces, cgroups and root of the running
 *                        container whose PID 1 has host pid PID (ctr.sh exec)
 *       --help           print this help
 *
 * Environment given to PROG (nothing of the caller's leaks in):
 *   PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
 *   HOSTNAME=<hostname>, TERM=<caller's TERM or xterm> only when stdin or the
 *   console is a terminal, then every --env (overriding).
 * Fds: PROG inherits 0,1,2 (or the pty with --console-fd); every fd > 2 is
 *   closed at exec.
 * Exit codes: PROG's status, 128+N if PROG was killed by signal N;
 *   125 usage or setup failure, 126 PROG cannot be executed, 127 not found.
 *
 * Process tree: this process (the "parent") stays in every host namespace,
 * clones the child with new pid/mnt/uts/ipc(/net) namespaces, forwards
 * SIGTERM INT HUP QUIT USR1 USR2 WINCH CONT to it, reaps it, and exits with its
 * status. The child is PID 1 of the new pid namespace and does, in order:
 *   1. wait until the parent has put it into its cgroups (--cgroup)
 *   2. enter/create the network namespace, bring lo up; new cgroup namespace
 *   3. make / recursively private, bind ROOTFS onto itself
 *   4. clone the host's device nodes (detached mounts, before the host goes away)
 *   5. pivot_root into ROOTFS and detach the old root
 *   6. mount /proc, /sys (ro), a tmpfs /dev with the device nodes, /dev/pts,
 *      /dev/shm, /dev/mqueue and the /dev symlinks
 *   7. set the hostname, set up the console, chdir to the workdir
 *   8. close fds > 2 (CLOEXEC), tell the parent "ready", execve PROG
 *      (searched in the container's PATH)
 * With --join the child instead setns(2)s into PID's namespaces and chroots to
 * /proc/PID/root.
 */
#define PROG "nsenter-chroot"
#include "common.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define READY_BYTE 'R'

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
	"      --init           run a minimal init as PID 1\n"
	"      --console-fd N   send a new pty master over unix socket N\n"
	"      --join PID       enter the running container of PID\n"
	"      --help           print this help\n"
	"exit: PROG's status, 128+N on signal N, 125 own error, 126 cannot exec, 127 not found\n";

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
	bool init;              /* --init */
	int console_fd;         /* --console-fd, -1 if none */
	pid_t join;             /* --join PID, 0 if none */
	const char *rootfs;     /* ROOTFS (NULL with --join) */
	char **argv;            /* PROG ARG... */
};

/* Namespaces of the container to enter with --join, in the order nsenter(1)
 * uses: user first (it grants the capabilities for the rest), mnt last. The pid
 * namespace is entered by the parent for its child only. */
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
	int go[2];              /* parent -> child: cgroups joined, go on */
	int join_fd[NJOIN];     /* --join: /proc/PID/ns/<name>, -1 when not to enter */
	int join_root;          /* --join: /proc/PID/root */
	int join_pidns;         /* --join: /proc/PID/ns/pid */
} g = { .join_root = -1, .join_pidns = -1 };

static const int fwd_signals[] = {
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT,
};

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

static long parse_num(const char *s, const char *what, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		misuse("%s: not a number: %s", what, s);
	return v;
}

enum { OPT_NET_HOST = 256, OPT_PID_FILE, OPT_CGROUP, OPT_INIT, OPT_CONSOLE_FD,
       OPT_JOIN, OPT_HELP };

static const struct option long_opts[] = {
	{ "netns", required_argument, NULL, 'n' },
	{ "net-host", no_argument, NULL, OPT_NET_HOST },
	{ "hostname", required_argument, NULL, 'h' },
	{ "workdir", required_argument, NULL, 'w' },
	{ "env", required_argument, NULL, 'e' },
	{ "pid-file", required_argument, NULL, OPT_PID_FILE },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "init", no_argument, NULL, OPT_INIT },
	{ "console-fd", required_argument, NULL, OPT_CONSOLE_FD },
	{ "join", required_argument, NULL, OPT_JOIN },
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
	case OPT_INIT: o->init = true; break;
	case OPT_CONSOLE_FD: o->console_fd = (int)parse_num(optarg, "--console-fd", INT_MAX); break;
	case OPT_JOIN: o->join = (pid_t)parse_num(optarg, "--join", INT_MAX); break;
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

static void parse_args(struct opts *o, int argc, char **argv)
{
	int c;
	o->env = calloc((size_t)argc, sizeof(*o->env));
	o->cgroups = calloc((size_t)argc, sizeof(*o->cgroups));
	if (!o->env || !o->cgroups)
		die_errno("calloc");
	o->console_fd = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+n:h:w:e:", long_opts, NULL)) != -1)
		if (!set_opt(o, c))
			misuse("bad option: %s", argv[optind - 1]);
	if (!o->join && optind < argc)
		o->rootfs = argv[optind++];
	o->argv = argv + optind;
	check_opts(o);
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

/* Write all of buf, retrying on EINTR and short writes. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
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

/* mkdir that accepts an existing directory: images may lack /proc, /sys, /dev. */
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
static char **build_env(const struct opts *o, const char *hostname)
{
	char **env = calloc(o->nenv + 5, sizeof(*env));
	size_t n = 0;
	const char *term = getenv("TERM");
	if (!env)
		die_errno("calloc");
	env[n++] = "PATH=" DEFAULT_PATH;
	env[n++] = "HOME=/root";
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
 * CVE-2024-21626 class of leaks), signals are reset, and the parent learns
 * that setup succeeded (the ready pipe closes at execve). */
__attribute__((noreturn))
static void exec_prog(char **argv, char **envp)
{
	static const char ready = READY_BYTE;
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		die_errno("close_range");
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

/* Make slave the controlling terminal of this process, on fds 0, 1, 2. */
static void console_attach(int slave)
{
	if (setsid() < 0)
		die_errno("setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		die_errno("TIOCSCTTY");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			die_errno("dup2 console");
	if (slave > 2)
		xclose(slave);
}

/* ---------------------------------------------------------------- container setup */

/* The child waits here until the parent has moved it into its cgroups, so
 * that every step, every byte it allocates and every process it forks is
 * accounted there. A closed pipe means the parent failed: it says why. */
static void wait_go(void)
{
	char c;
	xclose(g.go[1]);
	if (read_full(g.go[0], &c, 1) != 1)
		_exit(EXIT_SELF);
	xclose(g.go[0]);
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

/* The network: a prepared one (ctr.sh's veth + addresses), the host's, or a
 * new empty one (created by clone, only lo to bring up). */
static void setup_net(const struct opts *o)
{
	if (o->netns) {
		int fd = open(o->netns, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die_errno("open netns %s", o->netns);
		if (setns(fd, CLONE_NEWNET) < 0)
			die_errno("setns %s", o->netns);
		xclose(fd);
	} else if (!o->net_host) {
		lo_up();
	}
}

/* Our mounts must not propagate back to the host (systemd makes / shared),
 * and pivot_root refuses a shared new root or parent anyway. */
static void make_root_private(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die_errno("make / private");
}

/* pivot_root needs ROOTFS to be a mount point: bind it onto itself. */
static void bind_rootfs(const char *rootfs)
{
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		die_errno("bind %s", rootfs);
}

static const char *const dev_nodes[] = {
	"null", "zero", "full", "random", "urandom", "tty",
};
#define NDEV (sizeof(dev_nodes) / sizeof(dev_nodes[0]))

/* Take detached copies (open_tree) of the host's device nodes while the host
 * tree is still reachable; they are attached in the container's /dev after
 * pivot_root. Binding existing nodes instead of mknod also works in a user
 * namespace, where mknod is refused. */
static void clone_dev_nodes(int fds[NDEV])
{
	char path[32];
	for (size_t i = 0; i < NDEV; i++) {
		snprintf(path, sizeof(path), "/dev/%s", dev_nodes[i]);
		fds[i] = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (fds[i] < 0)
			die_errno("open_tree %s", path);
	}
}

/* pivot_root, not chroot: after the old root is detached the host's tree is
 * unreachable from the new mount namespace (chroot can be escaped, and keeps
 * every host mount alive in it). pivot_root(".", ".") stacks the old root on
 * the new one, so no directory has to be created in ROOTFS to hold it. */
static void pivot_into(const char *rootfs)
{
	if (chdir(rootfs) < 0)
		die_errno("chdir %s", rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die_errno("pivot_root %s", rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		die_errno("detach old root");
	if (chdir("/") < 0)
		die_errno("chdir /");
}

static void mount_at(const char *src, const char *dst, const char *type,
		     unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) < 0)
		die_errno("mount %s on %s", type, dst);
}

/* A procfs of the new pid namespace (the container sees its own processes
 * only); nosuid/noexec/nodev as every runtime does. */
static void mount_proc(void)
{
	ensure_dir("/proc", 0555);
	mount_at("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
}

/* sysfs is mounted after the network namespace is set, so /sys/class/net
 * shows the container's interfaces; read-only, the container may not tune
 * the host's devices. */
static void mount_sys(void)
{
	ensure_dir("/sys", 0555);
	mount_at("sysfs", "/sys", "sysfs",
		 MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
}

/* Attach a device node clone on an empty file of the /dev tmpfs. */
static void attach_dev_node(const char *name, int fd)
{
	char path[32];
	snprintf(path, sizeof(path), "/dev/%s", name);
	int f = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (f < 0)
		die_errno("create %s", path);
	xclose(f);
	if (move_mount(fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		die_errno("attach %s", path);
	xclose(fd);
}

static void dev_symlink(const char *target, const char *path)
{
	if (symlink(target, path) < 0)
		die_errno("symlink %s", path);
}

/* A private /dev with only the harmless nodes: no host disk, no /dev/mem, no
 * host pty. devpts is a new instance so the container's ptys are its own. */
static void mount_dev(int fds[NDEV])
{
	ensure_dir("/dev", 0755);
	mount_at("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
		 "mode=755,size=65536k");
	for (size_t i = 0; i < NDEV; i++)
		attach_dev_node(dev_nodes[i], fds[i]);
	ensure_dir("/dev/pts", 0755);
	mount_at("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		 "newinstance,ptmxmode=0666,mode=0620");
	dev_symlink("pts/ptmx", "/dev/ptmx");
	ensure_dir("/dev/shm", 01777);
	mount_at("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		 "mode=1777,size=65536k");
	ensure_dir("/dev/mqueue", 0755);
	mount_at("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	dev_symlink("/proc/self/fd", "/dev/fd");
	dev_symlink("/proc/self/fd/0", "/dev/stdin");
	dev_symlink("/proc/self/fd/1", "/dev/stdout");
	dev_symlink("/proc/self/fd/2", "/dev/stderr");
}

static void set_hostname(const char *name)
{
	if (sethostname(name, strlen(name)) < 0)
		die_errno("sethostname");
}

/* A new container: the child already has new pid/mnt/uts/ipc(/net)
 * namespaces from clone(); build its filesystem view. */
static void create_container(const struct opts *o)
{
	int dev[NDEV];
	setup_net(o);
	if (unshare(CLONE_NEWCGROUP) < 0)  /* after the cgroup join: its root is ours */
		die_errno("unshare cgroup namespace");
	make_root_private();
	bind_rootfs(o->rootfs);
	clone_dev_nodes(dev);
	pivot_into(o->rootfs);
	mount_proc();
	mount_sys();
	mount_dev(dev);
	set_hostname(o->hostname);
}

/* --join: enter the container's namespaces (opened by the parent before
 * anything moved) and its root; the pid namespace came with clone(). */
static void join_container(void)
{
	for (size_t i = 0; i < NJOIN; i++) {
		if (g.join_fd[i] < 0)
			continue;
		if (setns(g.join_fd[i], join_ns[i].type) < 0)
			die_errno("setns %s", join_ns[i].name);
		xclose(g.join_fd[i]);
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

/* --init: a minimal PID 1. PROG runs as its child; signals (blocked since
 * before clone, so none is lost and the kernel's "init ignores unhandled
 * signals" rule does not drop them) are forwarded to PROG; orphans re-parented
 * here are reaped; the exit code is PROG's. */
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
	xclose(g.ready[1]);
	xclose(console);
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

/* Everything the child does between clone() and execve(). */
__attribute__((noreturn))
static void child_main(const struct opts *o)
{
	int console = -1;
	xclose(g.ready[0]);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)  /* no orphan containers */
		die_errno("set parent death signal");
	if (g.go[0] >= 0)
		wait_go();
	if (o->join)
		join_container();
	else
		create_container(o);
	if (o->console_fd >= 0)
		console = console_open(o->console_fd);
	enter_workdir(o->workdir);
	char host[65] = "";
	if (!o->hostname && gethostname(host, sizeof(host) - 1) < 0)
		die_errno("gethostname");
	char **envp = build_env(o, o->hostname ? o->hostname : host);
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
	for (size_t i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++)
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

static bool same_file(int a, int b)
{
	struct stat sa, sb;
	if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
		die_errno("fstat");
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
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

/* Move the child into each cgroup (the writer may name any pid), then let
 * it go on. */
static void join_cgroups(const struct opts *o, pid_t pid)
{
	char path[PATH_MAX];
	for (size_t i = 0; i < o->ncgroups; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", o->cgroups[i]);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || dprintf(fd, "%d\n", (int)pid) < 0)
			abort_child(pid, path, errno);
		xclose(fd);
	}
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

static int parent_main(const struct opts *o, pid_t pid)
{
	if (o->console_fd >= 0)
		xclose(o->console_fd);
	xclose(g.go[0]);
	if (g.go[1] >= 0)
		join_cgroups(o, pid);
	int err = wait_ready();
	if (err == 0 && o->pid_file && write_pid_file(o->pid_file, pid) < 0)
		abort_child(pid, o->pid_file, errno);
	int code = supervise(pid);
	if (err > 0)
		return err == ENOENT || err == ENOTDIR ? EXIT_NOTFOUND : EXIT_CANNOT;
	return code;
}

int main(int argc, char **argv)
{
	static struct opts o;
	parse_args(&o, argc, argv);
	if (o.join)
		open_join(o.join);
	if (pipe2(g.ready, O_CLOEXEC) < 0)
		die_errno("pipe");
	g.go[0] = g.go[1] = -1;
	if (o.ncgroups > 0 && pipe2(g.go, O_CLOEXEC) < 0)
		die_errno("pipe");
	block_signals();
	fflush(NULL);
	pid_t pid = spawn(&o);
	if (pid == 0)
		child_main(&o);
	return parent_main(&o, pid);
}
