/* args-value.c - the values of two of nsenter-chroot's options (args.c):
 * args_volume turns --volume H:C[:opts] into a bind step of the spec,
 * args_sysctl checks --sysctl K=V names a sysctl of the network namespace.
 * Both return 0, or -1 with e (code 125) on a bad value; the spec keeps
 * pointers into arg (argv outlives it).
 */
#include "args.h"
#include "opt.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

/* One option of --volume into m: ro, noexec, rw, dev=N, ino=N (each of dev=
 * and ino= once: *ndev, *nino count them). false: unknown or bad. */
static bool volume_opt(struct ctr_mount *m, const char *opt, int *ndev, int *nino)
{
	unsigned long n;
	if (strcmp(opt, "ro") == 0)
		m->attrs |= MOUNT_ATTR_RDONLY;
	else if (strcmp(opt, "noexec") == 0)
		m->attrs |= MOUNT_ATTR_NOEXEC;
	else if (strncmp(opt, "dev=", 4) == 0 && ++*ndev == 1 && parse_ulong(opt + 4, ULONG_MAX, &n, NULL))
		m->src_dev = (dev_t)n;
	else if (strncmp(opt, "ino=", 4) == 0 && ++*nino == 1 && parse_ulong(opt + 4, ULONG_MAX, &n, NULL))
		m->src_ino = (ino_t)n;
	else
		return strcmp(opt, "rw") == 0;
	return true;
}

/* --volume H:C[:ro][:noexec][:dev=N:ino=N] (also ,ro,noexec and rw): a BIND
 * step, nosuid,nodev always; argv is left intact. H must be resolved (the
 * executor follows no symlink in it); with dev= and ino= (both or neither)
 * it must still be that file when it is opened. */
int args_volume(struct ctr_spec *s, const char *arg, struct ctr_err *e)
{
	char *save = NULL;
	int ndev = 0, nino = 0;
	char *v = strdup(arg);
	if (!v)
		return ctr_fail_errno(e, "strdup");
	const char *src = strtok_r(v, ":", &save);
	const char *dst = strtok_r(NULL, ":", &save);
	if (!src || !dst || src[0] != '/' || dst[0] != '/') {
		free(v);
		return ctr_misuse(e, "--volume: expected /HOST:/CONTAINER[:ro][:noexec][:dev=N:ino=N]");
	}
	struct ctr_mount *m = ctr_spec_mount(s, CTR_MOUNT_BIND, dst);
	m->src = src;
	m->owned = v;
	m->attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	for (char *opt; (opt = strtok_r(NULL, ":,", &save)); )
		if (!volume_opt(m, opt, &ndev, &nino))
			return ctr_misuse(e, "--volume: unknown or bad option %s", opt);
	if (ndev != nino)
		return ctr_misuse(e, "--volume: dev=N and ino=N go together: %s", arg);
	m->src_check = ndev == 1;
	return 0;
}

/* --sysctl K=V: K names a sysctl of the network namespace (net.*, as
 * runc allows for a container's own netns): [A-Za-z0-9_-] words joined by
 * dots, so that /proc/sys/K (dots as slashes) stays under /proc/sys/net; V is
 * one line (the kernel parses it). */
int args_sysctl(struct ctr_spec *s, const char *arg, struct ctr_err *e)
{
	const char *eq = strchr(arg, '=');
	bool ok = eq && strncmp(arg, "net.", 4) == 0 && eq > arg + 4 && eq[-1] != '.' &&
		  !strchr(eq, '\n');
	for (const char *p = arg; ok && p < eq; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		     *p == '_' || *p == '-' || (*p == '.' && p[1] != '.');
	if (!ok)
		return ctr_misuse(e, "--sysctl: expected net.KEY=VALUE (a sysctl of the network namespace): %s", arg);
	s->sysctl[s->nsysctl++] = arg;
	return 0;
}
