/* probe - print what this process sees, for tests that look from inside a container.
 *
 * Usage: probe
 * Output (stdout), one key=value per line, in this order:
 *   pid ppid uid euid gid egid groups (comma-separated, may be empty) cwd hostname
 *   cap_eff cap_bnd cap_prm cap_inh cap_amb   hex masks from /proc/self/status
 *   no_new_privs (0|1)  seccomp (0 off, 1 strict, 2 filter)
 *   root_ino root_dev (MAJ:MIN)               stat("/")
 *   fd.N=<readlink /proc/self/fd/N> for each open fd, then fds=<the fd numbers, comma-separated>
 *   ns.<name>=<readlink /proc/self/ns/<name>> for each namespace, e.g. ns.pid=pid:[4026531836]
 * A value that cannot be read prints as "?" and the error goes to stderr.
 * Exit: 0 everything was read; 1 some value could not be read (e.g. /proc not mounted);
 *       125 stdout cannot be written.
 */
#define PROG "probe"
#include "prog.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

static int failed;

/* warn_errno: report a value we could not read; the run still prints everything else. */
static void warn_errno(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", PROG, what, strerror(errno));
	failed = 1;
}

static void print_ids(void)
{
	printf("pid=%d\nppid=%d\n", (int)getpid(), (int)getppid());
	printf("uid=%u\neuid=%u\n", (unsigned)getuid(), (unsigned)geteuid());
	printf("gid=%u\negid=%u\n", (unsigned)getgid(), (unsigned)getegid());
}

static void print_groups(void)
{
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);
	if (n < 0) {
		warn_errno("getgroups");
		printf("groups=?\n");
		return;
	}
	printf("groups=");
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", (unsigned)groups[i]);
	printf("\n");
}

static void print_cwd_hostname(void)
{
	char cwd[PATH_MAX];
	struct utsname u;
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		warn_errno("getcwd");
		snprintf(cwd, sizeof(cwd), "?");
	}
	printf("cwd=%s\n", cwd);
	if (uname(&u) < 0) {
		warn_errno("uname");
		snprintf(u.nodename, sizeof(u.nodename), "?");
	}
	printf("hostname=%s\n", u.nodename);
}

/* read_status: /proc/self/status, read once into buf: the kernel's own view of the
 * capability sets and the seccomp mode, with no libcap in a static test program. */
static int read_status(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (f == NULL)
		return -1;
	size_t n = fread(buf + 1, 1, len - 2, f);
	int err = ferror(f);
	fclose(f);
	if (err)
		return -1;
	buf[0] = '\n'; /* so that every field, the first one too, follows a newline */
	buf[n + 1] = '\0';
	return 0;
}

/* print_status_field: "KEY=<value of Name:>" from a buffer filled by read_status. */
static void print_status_field(const char *status, const char *name, const char *key)
{
	char needle[64];
	snprintf(needle, sizeof(needle), "\n%s:", name);
	const char *p = status ? strstr(status, needle) : NULL;
	if (p == NULL) {
		if (status)
			fprintf(stderr, "%s: /proc/self/status: no %s field\n", PROG, name);
		failed = 1;
		printf("%s=?\n", key);
		return;
	}
	p += strlen(needle);
	p += strspn(p, " \t");
	printf("%s=%.*s\n", key, (int)strcspn(p, "\n"), p);
}

static void print_status_fields(void)
{
	static char buf[16384];
	const char *status = buf;
	if (read_status(buf, sizeof(buf)) < 0) {
		warn_errno("/proc/self/status");
		status = NULL;
	}
	print_status_field(status, "CapEff", "cap_eff");
	print_status_field(status, "CapBnd", "cap_bnd");
	print_status_field(status, "CapPrm", "cap_prm");
	print_status_field(status, "CapInh", "cap_inh");
	print_status_field(status, "CapAmb", "cap_amb");
	int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (nnp < 0) {
		warn_errno("prctl PR_GET_NO_NEW_PRIVS");
		printf("no_new_privs=?\n");
	} else {
		printf("no_new_privs=%d\n", nnp);
	}
	print_status_field(status, "Seccomp", "seccomp");
}

static void print_root(void)
{
	struct stat st;
	if (stat("/", &st) < 0) {
		warn_errno("stat /");
		printf("root_ino=?\nroot_dev=?\n");
		return;
	}
	printf("root_ino=%llu\n", (unsigned long long)st.st_ino);
	printf("root_dev=%u:%u\n", major(st.st_dev), minor(st.st_dev));
}

/* print_links: "PREFIX.<entry>=<link target>" for each entry of DIR; collects the entry
 * names in list. skip_own: leave out the listing's own fd (when DIR is /proc/self/fd). */
static void print_links(const char *dir, const char *prefix, int skip_own, char *list, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	DIR *d = opendir(dir);
	if (d == NULL) {
		warn_errno(dir);
		snprintf(list, len, "?");
		return;
	}
	int own_fd = dirfd(d);
	size_t used = 0;
	list[0] = '\0';
	const struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || (skip_own && atoi(e->d_name) == own_fd))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n < 0) {
			warn_errno(path);
			n = 0;
			target[n++] = '?';
		}
		target[n] = '\0';
		printf("%s.%s=%s\n", prefix, e->d_name, target);
		if (used < len)
			used += (size_t)snprintf(list + used, len - used, "%s%s", used ? "," : "", e->d_name);
	}
	closedir(d);
}

static void print_fds_and_namespaces(void)
{
	char fds[4096], nss[512];
	print_links("/proc/self/fd", "fd", 1, fds, sizeof(fds));
	printf("fds=%s\n", fds);
	print_links("/proc/self/ns", "ns", 0, nss, sizeof(nss));
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		die("usage: probe (no arguments)");
	print_ids();
	print_groups();
	print_cwd_hostname();
	print_status_fields();
	print_root();
	print_fds_and_namespaces();
	if (fflush(stdout) == EOF || ferror(stdout))
		die_errno("write stdout");
	return failed ? 1 : 0;
}
