/* escape-probe - one escape attempt per argument, for test/escape.bats: the
 * syscalls a container must not make, with harmless arguments (busybox has no
 * applet for most of them).
 *
 * Usage: escape-probe ACTION[=ARG]...
 * Actions:
 *   kexec_load  init_module  finit_module  delete_module
 *   reboot                  reboot(LINUX_REBOOT_CMD_CAD_OFF): harmless even if it worked
 *   open_by_handle_at=PATH  the "shocker" attack: a handle for inode 2 (a root
 *                           directory) on the filesystem of PATH, opened through it
 *   ptrace=PID              PTRACE_ATTACH to PID (detached again if it worked)
 *   tiocsti=TEXT            push TEXT into the input of the terminal on fd 0
 *   sethostname=NAME        in the container's UTS namespace
 *   unshare_uts=NAME        a new UTS namespace, then sethostname there
 *   unshare_user            a new user namespace (the CVE-2022-0492 start)
 *   mount_tmpfs=DIR  mount_proc=DIR  mount_cgroup=DIR (v1, with a release_agent)
 *   remount_rw=DIR          remount the mount on DIR read-write
 *   write_exe=PATH          open the file behind PATH (a /proc/PID/exe) for writing
 *                           after clearing MOUNT_ATTR_RDONLY on its mount and on
 *                           a clone of that mount (the privileged way around a
 *                           read-only bind); nothing is written
 *   icmp_echo=IPV4          what an unprivileged ping does: an ICMP echo socket
 *                           (SOCK_DGRAM, no NET_RAW), one echo, its reply (2 s)
 * Output: one line per action, ACTION=ok or ACTION=<errno name> (EPERM...).
 * Exit: 0; 2 for an unknown action.
 */
#define PROG "escape-probe"
#include "../images/progs/prog.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <linux/reboot.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

/* A file_handle of type FILEID_INO32_GEN (1): inode 2, generation 0. */
static long shocker(const char *path)
{
	const uint32_t ino_gen[2] = { 2, 0 };
	struct file_handle *h = calloc(1, sizeof(*h) + sizeof(ino_gen));
	if (!h)
		die_errno("calloc");
	h->handle_bytes = sizeof(ino_gen);
	h->handle_type = 1;
	memcpy(h->f_handle, ino_gen, sizeof(ino_gen));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long r = fd < 0 ? -1 : syscall(SYS_open_by_handle_at, fd, h, O_RDONLY);
	int err = errno;
	if (fd >= 0)
		(void)close(fd);
	if (r >= 0)
		(void)close((int)r);
	free(h);
	errno = err;
	return r;
}

static long trace(const char *pid)
{
	pid_t p = (pid_t)atoi(pid);
	long r = ptrace(PTRACE_ATTACH, p, NULL, NULL);
	if (r == 0) {
		(void)waitpid(p, NULL, __WALL);
		(void)ptrace(PTRACE_DETACH, p, NULL, NULL);
	}
	return r;
}

static long push_input(const char *text)
{
	for (; *text; text++)
		if (ioctl(0, TIOCSTI, text) < 0)
			return -1;
	return 0;
}

static long new_uts(const char *name)
{
	if (unshare(CLONE_NEWUTS) < 0)
		return -1;
	return sethostname(name, strlen(name));
}

static long icmp_echo(const char *ip)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct icmphdr h = { .type = ICMP_ECHO }; /* id and checksum: the kernel's */
	int err = EPROTO;
	if (inet_pton(AF_INET, ip, &to.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s < 0)
		return -1;
	h.un.echo.sequence = htons(1);
	if (sendto(s, &h, sizeof(h), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		err = errno;
	} else {
		struct pollfd p = { .fd = s, .events = POLLIN };
		char buf[512];
		int r = poll(&p, 1, 2000);
		ssize_t n = r > 0 ? recv(s, buf, sizeof(buf), 0) : -1;
		if (r == 0)
			err = ETIMEDOUT;
		else if (n < 0)
			err = errno;
		else if ((size_t)n >= sizeof(h)) {
			memcpy(&h, buf, sizeof(h));
			if (h.type == ICMP_ECHOREPLY)
				err = 0;
		}
	}
	close(s);
	errno = err;
	return err ? -1 : 0;
}

/* write_exe: what defeats a read-only bind of the runtime's binary: make its
 * mount (a detached one may be changed by its holder) or a clone of it
 * writable, then open the file through it. Only the open is attempted. */
static long write_exe(const char *path)
{
	struct mount_attr rw = { .attr_clr = MOUNT_ATTR_RDONLY };
	char proc[64];
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -1;
	(void)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &rw, sizeof(rw));
	int tree = (int)syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree >= 0)
		(void)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &rw, sizeof(rw));
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tree >= 0 ? tree : fd);
	int w = open(proc, O_WRONLY | O_APPEND | O_CLOEXEC);
	int err = errno;
	if (w >= 0)
		close(w);
	if (tree >= 0)
		close(tree);
	close(fd);
	errno = err;
	return w < 0 ? -1 : 0;
}

static long try(const char *act, const char *arg)
{
	if (!strcmp(act, "icmp_echo"))
		return icmp_echo(arg);
	if (!strcmp(act, "kexec_load"))
		return syscall(SYS_kexec_load, 0, 0, NULL, 0);
	if (!strcmp(act, "init_module"))
		return syscall(SYS_init_module, "", 0, "");
	if (!strcmp(act, "finit_module"))
		return syscall(SYS_finit_module, 0, "", 0);
	if (!strcmp(act, "delete_module"))
		return syscall(SYS_delete_module, "ctr_no_such_module", 0);
	if (!strcmp(act, "reboot"))
		return syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
			       LINUX_REBOOT_CMD_CAD_OFF, NULL);
	if (!strcmp(act, "open_by_handle_at"))
		return shocker(arg);
	if (!strcmp(act, "ptrace"))
		return trace(arg);
	if (!strcmp(act, "tiocsti"))
		return push_input(arg);
	if (!strcmp(act, "sethostname"))
		return sethostname(arg, strlen(arg));
	if (!strcmp(act, "unshare_uts"))
		return new_uts(arg);
	if (!strcmp(act, "unshare_user"))
		return unshare(CLONE_NEWUSER);
	if (!strcmp(act, "mount_tmpfs"))
		return mount("ctr-escape", arg, "tmpfs", 0, NULL);
	if (!strcmp(act, "mount_proc"))
		return mount("proc", arg, "proc", 0, NULL);
	if (!strcmp(act, "mount_cgroup"))
		return mount("cgroup", arg, "cgroup", 0, "none,name=ctrescape");
	if (!strcmp(act, "remount_rw"))
		return mount(NULL, arg, NULL, MS_REMOUNT | MS_BIND, NULL);
	if (!strcmp(act, "write_exe"))
		return write_exe(arg);
	fprintf(stderr, "%s: unknown action %s\n", PROG, act);
	exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char act[64];
		const char *eq = strchr(argv[i], '=');
		size_t n = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
		snprintf(act, sizeof(act), "%.*s", (int)n, argv[i]);
		errno = 0;
		long r = try(act, eq ? eq + 1 : "");
		const char *name = r < 0 ? strerrorname_np(errno) : "ok";
		printf("%s=%s\n", act, name ? name : "?");
	}
	return 0;
}
