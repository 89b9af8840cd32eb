/* seccomp.c - the default seccomp filter (libseccomp), in the
 * spirit of moby's default profile: an ALLOWLIST. A syscall that is not listed
 * fails with EPERM, so a syscall added to a future kernel is refused until
 * someone decides it is safe.
 *
 * Never allowed (they act on the host's kernel, not on the container):
 * kexec_load, init/finit/delete_module, keyctl/add_key/request_key (the keyring
 * is not namespaced), bpf, perf_event_open, userfaultfd, open_by_handle_at and
 * name_to_handle_at (escape a chroot by inode handle), mount/umount2/pivot_root,
 * swapon/swapoff, reboot, clock_settime/settimeofday, unshare/setns and clone
 * with namespace flags, ptrace, acct, lookup_dcookie, iopl/ioperm, io_uring
 * (a large attack surface that bypasses this filter), and anything unknown.
 * Some come back with the capability that needs them anyway (--cap-add
 * SYS_ADMIN gives mount & co, SYS_PTRACE gives ptrace, ...), as in moby.
 *
 * Only the native architecture is allowed: a 32-bit syscall (int 0x80 on
 * x86_64) kills the process, it could otherwise bypass the rules.
 * clone3 fails with ENOSYS: its flags are in memory that seccomp cannot read,
 * and ENOSYS makes libc fall back to clone, whose flags are checked.
 *
 * Btrfs ioctls (type 0x94) are refused, whatever the capabilities: with them,
 * root in a container makes subvolumes in its root and sets them read-only
 * (which made `ctr.sh rm` fail), snapshots, defragments, and, holding
 * CAP_SYS_ADMIN, turns the pool's quotas off or raises its own limit. The VFS
 * ioctls that kept btrfs's number stay allowed: FICLONE, FICLONERANGE
 * (cp --reflink), FIDEDUPERANGE, FS_IOC_GETFSLABEL. See docs/security.md.
 *
 * Entry points: seccomp_default_prepare, the parent's, before clone: the two
 * filters as BPF, from the cache of compiled filters (bpf-cache.c: libseccomp
 * takes ~2 ms to build them) or built and stored there; and
 * seccomp_default_install, the child's last step before execve (dies on
 * failure), which loads them raw as libseccomp's seccomp_load would.
 */
#include "seccomp.h"
#include "error.h"

#include <errno.h>
#include <linux/btrfs.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Where root's compiled filters are kept (/run/ctr is ctr's host-wide
 * directory, storage.sh's CTR_RUN). */
#define SC_CACHE_PARENT "/run/ctr"
#define SC_CACHE_DIR SC_CACHE_PARENT "/seccomp"

/* Allowed for every container. */
static const char *const sc_allow[] = {
	"accept", "accept4", "access", "adjtimex", "alarm", "arch_prctl", "bind", "brk",
	"capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_getres",
	"clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
	"clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range",
	"creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl",
	"epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old",
	"eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
	"faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir",
	"fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64",
	"fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
	"fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync",
	"ftruncate", "ftruncate64", "futex", "futex_time64", "futex_waitv", "futimesat",
	"getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid",
	"geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
	"getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
	"getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit",
	"get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt",
	"get_thread_area", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr",
	"inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
	"io_cancel", "io_destroy", "io_getevents", "io_pgetevents",
	"io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit",
	"ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
	"landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat",
	"listen", "listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek",
	"lsetxattr", "lstat", "lstat64", "madvise", "membarrier", "memfd_create",
	"mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall",
	"mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
	"mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
	"mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
	"msgsnd", "msync", "munlock", "munlockall", "munmap", "nanosleep", "newfstatat",
	"_newselect", "open", "openat", "openat2", "pause", "pidfd_open",
	"pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect",
	"poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
	"prlimit64", "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2",
	"read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom",
	"recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr",
	"rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq",
	"rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
	"rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
	"rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
	"sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
	"sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
	"sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
	"seccomp", "select", "semctl", "semget", "semop", "semtimedop",
	"semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg",
	"sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid",
	"setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority",
	"setregid", "setregid32", "setresgid", "setresgid32", "setresuid",
	"setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list",
	"setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
	"setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
	"sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socket",
	"socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64",
	"statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo",
	"tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
	"timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
	"timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
	"timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit",
	"umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
	"utimensat_time64", "utimes", "vfork", "wait4", "waitid", "waitpid", "write",
	"writev", NULL,
};

/* Allowed only with a capability (which the kernel checks as well). */
static const struct { int cap; const char *const names[12]; } sc_cap_allow[] = {
	{ CAP_SYS_ADMIN, { "mount", "umount", "umount2", "pivot_root", "unshare", "setns",
	                   "sethostname", "setdomainname", "quotactl", "fanotify_init",
	                   "name_to_handle_at", NULL } },
	{ CAP_SYS_BOOT, { "reboot", NULL } },
	{ CAP_SYS_CHROOT, { "chroot", NULL } },
	{ CAP_SYS_MODULE, { "init_module", "finit_module", "delete_module", NULL } },
	{ CAP_SYS_PACCT, { "acct", NULL } },
	{ CAP_SYS_PTRACE, { "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
	                    "pidfd_getfd", NULL } },
	{ CAP_SYS_RAWIO, { "iopl", "ioperm", NULL } },
	{ CAP_SYS_TIME, { "settimeofday", "stime", "clock_settime", "clock_settime64",
	                  "clock_adjtime", "clock_adjtime64", NULL } },
	{ CAP_SYS_TTY_CONFIG, { "vhangup", NULL } },
	{ CAP_SYS_NICE, { "get_mempolicy", "mbind", "set_mempolicy", NULL } },
	{ CAP_SYSLOG, { "syslog", NULL } },
	{ CAP_DAC_READ_SEARCH, { "open_by_handle_at", NULL } },
};

#define SC_NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
                     CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

/* Add one rule; a name this architecture does not have is skipped. */
static int sc_rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
		   unsigned int argc, const struct scmp_arg_cmp *args, struct ctr_err *e)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR || nr < 0)
		return 0;
	int rc = seccomp_rule_add_array(ctx, action, nr, argc, args);
	return rc < 0 ? ctr_fail(e, -rc, "seccomp rule %s", name) : 0;
}

static int sc_allow_names(scmp_filter_ctx ctx, const char *const *names, struct ctr_err *e)
{
	for (; *names; names++)
		if (sc_rule(ctx, SCMP_ACT_ALLOW, *names, 0, NULL, e) < 0)
			return -1;
	return 0;
}

/* Syscalls allowed only for some arguments. */
static int sc_conditional(scmp_filter_ctx ctx, uint64_t caps, struct ctr_err *e)
{
	static const uint64_t personas[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };
	/* clone: threads and fork, no new namespace (unless CAP_SYS_ADMIN) */
	struct scmp_arg_cmp no_ns = SCMP_A0_64(SCMP_CMP_MASKED_EQ, SC_NS_FLAGS, 0);
	if (sc_rule(ctx, SCMP_ACT_ALLOW, "clone", (caps >> CAP_SYS_ADMIN) & 1 ? 0 : 1, &no_ns, e) < 0 ||
	    sc_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL, e) < 0)
		return -1;
	/* ioctl: all but faking terminal input (TIOCSTI) and the console's
	 * TIOCLINUX. libseccomp takes one comparison per argument and rule, so
	 * the allowed 32-bit command space is cut in pieces around the two. */
	struct scmp_arg_cmp below = SCMP_A1_32(SCMP_CMP_LT, TIOCSTI);
	struct scmp_arg_cmp above = SCMP_A1_32(SCMP_CMP_GT, TIOCLINUX);
	if (sc_rule(ctx, SCMP_ACT_ALLOW, "ioctl", 1, &below, e) < 0 ||
	    sc_rule(ctx, SCMP_ACT_ALLOW, "ioctl", 1, &above, e) < 0)
		return -1;
	for (uint32_t cmd = TIOCSTI + 1; cmd < TIOCLINUX; cmd++) {
		struct scmp_arg_cmp eq = SCMP_A1_32(SCMP_CMP_EQ, cmd);
		if (sc_rule(ctx, SCMP_ACT_ALLOW, "ioctl", 1, &eq, e) < 0)
			return -1;
	}
	/* personality: only the harmless personas (no ADDR_NO_RANDOMIZE etc.) */
	for (size_t i = 0; i < sizeof(personas) / sizeof(personas[0]); i++) {
		struct scmp_arg_cmp p = SCMP_A0_64(SCMP_CMP_EQ, personas[i]);
		if (sc_rule(ctx, SCMP_ACT_ALLOW, "personality", 1, &p, e) < 0)
			return -1;
	}
	return 0;
}

/* The type-0x94 ioctl numbers that are not btrfs's own but the VFS's. */
static const unsigned int sc_btrfs_keep[] = {
	_IOC_NR(FICLONE), _IOC_NR(FICLONERANGE), _IOC_NR(FIDEDUPERANGE), _IOC_NR(FS_IOC_GETFSLABEL),
};

/* sc_btrfs_kept: one of sc_btrfs_keep is in [nr, nr + n). */
static int sc_btrfs_kept(unsigned int nr, unsigned int n)
{
	for (size_t i = 0; i < sizeof(sc_btrfs_keep) / sizeof(sc_btrfs_keep[0]); i++)
		if (sc_btrfs_keep[i] >= nr && sc_btrfs_keep[i] < nr + n)
			return 1;
	return 0;
}

/* The BPF of ctx, as libseccomp would load it (exported through a memfd). */
static int sc_export(scmp_filter_ctx ctx, struct ctr_bpf *out, struct ctr_err *e)
{
	struct stat st;
	int fd = memfd_create("seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return ctr_fail_errno(e, "seccomp export: memfd_create");
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0) {
		ctr_fail(e, -rc, "seccomp export");
	} else if (fstat(fd, &st) < 0) {
		rc = ctr_fail_errno(e, "seccomp export: fstat");
	} else if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) ||
		   st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
		rc = ctr_fail(e, 0, "seccomp export: a program of %lld bytes", (long long)st.st_size);
	} else if (!(out->insn = malloc((size_t)st.st_size))) {
		rc = ctr_fail_errno(e, "seccomp export");
	} else if (pread(fd, out->insn, (size_t)st.st_size, 0) != st.st_size) {
		rc = ctr_fail_errno(e, "seccomp export: read");
	} else {
		out->n = (uint32_t)(st.st_size / (off_t)sizeof(struct sock_filter));
	}
	close(fd);
	return rc < 0 ? -1 : 0;
}

/* A new filter context: default action dflt, foreign architectures kill. */
static scmp_filter_ctx sc_new(uint32_t dflt, struct ctr_err *e)
{
	scmp_filter_ctx ctx = seccomp_init(dflt);
	if (!ctx) {
		ctr_fail(e, ENOMEM, "seccomp init");
		return NULL;
	}
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc < 0) {
		ctr_fail(e, -rc, "seccomp bad arch action");
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/* The first filter: ioctl(fd, cmd) with cmd's type byte 0x94 fails with
 * EPERM, other syscalls pass to the allowlist. Of two filters the kernel
 * takes the stricter answer; one filter could not say it (libseccomp
 * compares an argument once per rule, and the allowlist's ioctl ranges take
 * in every 0x94 command). Its rules are masked compares on the type byte and
 * the high bits of the command number, one per aligned block of numbers
 * without a kept one (about 20). The kernel skips a filter that allows a
 * syscall whatever its arguments: only ioctl pays for it. */
static int sc_build_btrfs(struct ctr_bpf *out, struct ctr_err *e)
{
	scmp_filter_ctx ctx = sc_new(SCMP_ACT_ALLOW, e);
	int rc = ctx ? 0 : -1;
	for (unsigned int nr = 0, n; nr < 256 && rc == 0; nr += n) {
		for (n = 256; n > 1 && (nr % n || sc_btrfs_kept(nr, n)); n /= 2)
			;
		if (sc_btrfs_kept(nr, n))
			continue;
		struct scmp_arg_cmp cmd = SCMP_A1_32(SCMP_CMP_MASKED_EQ, 0xff00u | (0xffu & ~(n - 1)),
						     (BTRFS_IOCTL_MAGIC << 8) | nr);
		rc = sc_rule(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, &cmd, e);
	}
	if (rc == 0)
		rc = sc_export(ctx, out, e);
	if (ctx)
		seccomp_release(ctx);
	return rc;
}

/* The allowlist for a container holding capability set caps. */
static int sc_build_allowlist(uint64_t caps, struct ctr_bpf *out, struct ctr_err *e)
{
	scmp_filter_ctx ctx = sc_new(SCMP_ACT_ERRNO(EPERM), e);
	int rc = ctx ? sc_allow_names(ctx, sc_allow, e) : -1;
	for (size_t i = 0; i < sizeof(sc_cap_allow) / sizeof(sc_cap_allow[0]) && rc == 0; i++)
		if ((caps >> sc_cap_allow[i].cap) & 1)
			rc = sc_allow_names(ctx, sc_cap_allow[i].names, e);
	if (rc == 0)
		rc = sc_conditional(ctx, caps, e);
	if (rc == 0)
		rc = sc_export(ctx, out, e);
	if (ctx)
		seccomp_release(ctx);
	return rc;
}

/* The parent, before clone: the filters for a container holding capability
 * set caps into prog (the child loads them), from root's cache of compiled
 * filters when it has them, else built (and stored there). */
int seccomp_default_prepare(uint64_t caps, struct ctr_bpf prog[BPF_CACHE_NPROG], struct ctr_err *e)
{
	char key[256], lib[48];
	const struct scmp_version *v = seccomp_version();
	snprintf(lib, sizeof(lib), "libseccomp %u.%u.%u", v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
	bool keyed = bpf_cache_key(key, sizeof(key), "default", caps, lib) == 0;
	int dir = -1;
	if (keyed && (mkdir(SC_CACHE_PARENT, 0755) == 0 || errno == EEXIST))
		dir = bpf_cache_dir(SC_CACHE_DIR);
	if (dir >= 0 && bpf_cache_get(dir, key, prog) == 0) {
		close(dir);
		return 0;
	}
	int rc = sc_build_btrfs(&prog[0], e);
	if (rc == 0)
		rc = sc_build_allowlist(caps, &prog[1], e);
	if (rc == 0 && dir >= 0)
		bpf_cache_put(dir, key, prog);
	if (dir >= 0)
		close(dir);
	if (rc < 0)
		bpf_free(prog);
	return rc;
}

/* The child's last step before execve: every syscall after it must be
 * allowed. no_new_privs first, as libseccomp's seccomp_load sets it (and the
 * kernel wants it, or CAP_SYS_ADMIN); the btrfs filter, then the allowlist. */
void seccomp_default_install(const struct ctr_bpf prog[BPF_CACHE_NPROG])
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_errno("seccomp: no_new_privs");
	for (size_t i = 0; i < BPF_CACHE_NPROG; i++) {
		struct sock_fprog p = { .len = (unsigned short)prog[i].n, .filter = prog[i].insn };
		if (!prog[i].insn || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p) < 0)
			die_errno("seccomp load");
	}
}
