/* oci-cgroup.c - the cgroup layout, detected at run time in ONE place for
 * the C side (cg_layout: v1, hybrid or v2, from /proc/self/mounts; the
 * shell side has helpers/cgroup.sh cg_detect), and an OCI container's groups:
 * cg_groups (cgroupsPath under every hierarchy), cg_existing (those that
 * exist), cg_create (v1 cpuset
 * inherits cpus and mems; v2 enables the controllers on the way down),
 * cg_procs, cg_freeze (v1 freezer.state, v2 cgroup.freeze), cg_remove.
 * Named v1 hierarchies (name=systemd) are left alone. Errors returned.
 */
#include "oci-cgroup.h"
#include "fdio.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *cg_mode_name(enum cg_mode m)
{
	return m == CG_V2 ? "v2" : m == CG_HYBRID ? "hybrid" : "v1";
}

/* The mount options of a v1 hierarchy without the generic ones. */
static void v1_opts(const char *all, char *out, size_t len)
{
	char buf[1024];
	char *save = NULL;
	snprintf(buf, sizeof(buf), "%s", all);
	out[0] = '\0';
	for (char *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "rw") || !strcmp(o, "ro") || !strncmp(o, "relatime", 8) ||
		    !strncmp(o, "no", 2) || !strcmp(o, "clone_children") || !strncmp(o, "release_agent", 13))
			continue;
		size_t n = strlen(out);
		snprintf(out + n, len - n, "%s%s", n ? "," : "", o);
	}
}

int cg_layout(struct cg_layout *l, struct ctr_err *e)
{
	char line[4096], dev[256], mnt[PATH_MAX], type[64], opts[1024];
	struct stat st;
	memset(l, 0, sizeof(*l));
	FILE *f = fopen("/proc/self/mounts", "re");
	if (!f)
		return ctr_fail_errno(e, "open /proc/self/mounts");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s %4095s %63s %1023s", dev, mnt, type, opts) != 4)
			continue;
		if (!strcmp(type, "cgroup2") && !*l->unified)
			snprintf(l->unified, sizeof(l->unified), "%s", mnt);
		if (strcmp(type, "cgroup") || l->n >= CG_MAX)
			continue;
		v1_opts(opts, l->v1[l->n].opts, sizeof(l->v1[l->n].opts));
		snprintf(l->v1[l->n].mnt, sizeof(l->v1[l->n].mnt), "%s", mnt);
		l->n++;
	}
	fclose(f);
	char probe[PATH_MAX + 32];
	snprintf(probe, sizeof(probe), "%s/cgroup.controllers", l->unified);
	if (*l->unified && stat(probe, &st) < 0)
		l->unified[0] = '\0';
	l->mode = stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0 ? CG_V2 :
		  *l->unified ? CG_HYBRID : CG_V1;
	if (l->mode == CG_V2)
		l->n = 0;
	return 0;
}

/* The container's directory in every hierarchy for cgroupsPath path. */
int cg_groups(struct cg_groups *g, const char *path, struct ctr_err *e)
{
	memset(g, 0, sizeof(*g));
	if (cg_layout(&g->l, e) < 0)
		return -1;
	const char *p = path[0] == '/' ? path : "/";
	const char *sep = path[0] == '/' ? "" : path;
	for (size_t i = 0; i < g->l.n; i++) {
		if (!strncmp(g->l.v1[i].opts, "name=", 5))
			continue;
		snprintf(g->g[g->n].opts, sizeof(g->g[g->n].opts), "%s", g->l.v1[i].opts);
		g->g[g->n].mntlen = strlen(g->l.v1[i].mnt);
		if (snprintf(g->g[g->n].dir, PATH_MAX, "%s%s%s", g->l.v1[i].mnt, p, sep) >= PATH_MAX)
			return ctr_fail(e, ENAMETOOLONG, "cgroup %s", path);
		g->n++;
	}
	if (*g->l.unified && snprintf(g->unified, PATH_MAX, "%s%s%s", g->l.unified, p, sep) >= PATH_MAX)
		return ctr_fail(e, ENAMETOOLONG, "cgroup %s", path);
	return 0;
}

/* Keep only the directories that exist (nsenter-chroot --config: the
 * caller made the groups it uses; the others are not ours to make). */
void cg_existing(struct cg_groups *g)
{
	struct stat st;
	size_t n = 0;
	for (size_t i = 0; i < g->n; i++)
		if (stat(g->g[i].dir, &st) == 0 && S_ISDIR(st.st_mode))
			g->g[n++] = g->g[i];
	g->n = n;
	if (*g->unified && (stat(g->unified, &st) < 0 || !S_ISDIR(st.st_mode)))
		g->unified[0] = '\0';
}

/* The directory holding controller c ("memory", "cpu", ...): its v1
 * hierarchy, or the unified one on v2. NULL when the host lacks it. */
const char *cg_dir(const struct cg_groups *g, const char *c)
{
	for (size_t i = 0; i < g->n; i++) {
		char buf[64];
		char *save = NULL;
		snprintf(buf, sizeof(buf), "%s", g->g[i].opts);
		for (char *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save))
			if (!strcmp(o, c))
				return g->g[i].dir;
	}
	return g->l.mode == CG_V2 ? g->unified : NULL;
}

/* v1 cpuset: a new group has no cpus and mems; copy its parent's, level by
 * level from the mount point down (mkdir -p made the parents empty too). */
static int cpuset_one(const char *dir, struct ctr_err *e);

static int cpuset_inherit(size_t mntlen, const char *dir, struct ctr_err *e)
{
	char path[PATH_MAX];
	for (const char *p = strchr(dir + mntlen + 1, '/'); ; p = strchr(p + 1, '/')) {
		snprintf(path, sizeof(path), "%.*s", p ? (int)(p - dir) : (int)strlen(dir), dir);
		if (cpuset_one(path, e) < 0)
			return -1;
		if (!p)
			return 0;
	}
}

static int cpuset_one(const char *dir, struct ctr_err *e)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char path[PATH_MAX + 16], parent[PATH_MAX + 16], val[4096];
	for (size_t i = 0; i < NELEM(files); i++) {
		snprintf(parent, sizeof(parent), "%s/../%s", dir, files[i]);
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		int fd = open(parent, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return ctr_fail_errno(e, "open %s", parent);
		ssize_t n = read_full(fd, val, sizeof(val) - 1);
		close_fd(&fd);
		if (n < 0)
			return ctr_fail_errno(e, "read %s", parent);
		val[n] = '\0';
		char cur[16] = "";
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && read_full(fd, cur, sizeof(cur) - 1) > 1) {  /* set already */
			close_fd(&fd);
			continue;
		}
		close_fd(&fd);
		if (write_file(path, val) < 0)
			return ctr_fail_errno(e, "%s", path);
	}
	return 0;
}

/* v2: controllers reach a group only through its parents' subtree_control:
 * enable each of ctrls from the root down to dir's parent. */
static void enable_down(const char *root, const char *dir, const char *const *ctrls, size_t n)
{
	char path[PATH_MAX + 32];
	size_t rootlen = strlen(root);
	for (const char *p = dir + rootlen; p; p = strchr(p + 1, '/')) {
		snprintf(path, sizeof(path), "%.*s/cgroup.subtree_control", (int)(p - dir), dir);
		for (size_t i = 0; i < n; i++)
			(void)write_file(path, ctrls[i]);  /* one the host lacks is not an error */
		if (!strchr(p + 1, '/'))
			break;
	}
}

/* One controller in the container's unified group, enabled on the way down
 * when the hierarchy has it (a hybrid host's cgroup2 may hold one that no
 * v1 hierarchy does: hugetlb). 0 when the group has it. */
int cg_enable(const struct cg_groups *g, const char *ctrl)
{
	char plus[64], path[PATH_MAX + 32], have[1024] = "";
	const char *const one[] = { plus };
	snprintf(plus, sizeof(plus), "+%s", ctrl);
	enable_down(g->l.unified, g->unified, one, 1);
	snprintf(path, sizeof(path), "%s/cgroup.controllers", g->unified);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read_full(fd, have, sizeof(have) - 1);
	close_fd(&fd);
	if (n < 0)
		return -1;
	have[n] = '\0';
	for (char *save = NULL, *w = strtok_r(have, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
		if (!strcmp(w, ctrl))
			return 0;
	return -1;
}

int cg_create(const struct cg_groups *g, struct ctr_err *e)
{
	for (size_t i = 0; i < g->n; i++) {
		if (mkdir_p(g->g[i].dir) < 0)
			return ctr_fail_errno(e, "mkdir %s", g->g[i].dir);
		if (strstr(g->g[i].opts, "cpuset") && cpuset_inherit(g->g[i].mntlen, g->g[i].dir, e) < 0)
			return -1;
	}
	if (*g->unified) {
		static const char *const ctrls[] = { "+cpu", "+cpuset", "+memory", "+pids", "+io", "+hugetlb" };
		if (g->l.mode == CG_V2)
			enable_down(g->l.unified, g->unified, ctrls, NELEM(ctrls));
		if (mkdir_p(g->unified) < 0)
			return ctr_fail_errno(e, "mkdir %s", g->unified);
	}
	return 0;
}

/* Remove every directory (the leaf only); an absent one is fine. A group
 * that still holds processes is EBUSY: the caller kills them first. */
int cg_remove(const struct cg_groups *g, struct ctr_err *e)
{
	int r = 0;
	for (size_t i = 0; i <= g->n; i++) {
		const char *d = i < g->n ? g->g[i].dir : g->unified;
		if (!*d || rmdir(d) == 0 || errno == ENOENT)
			continue;
		if (r == 0)
			r = ctr_fail_errno(e, "rmdir %s", d);
	}
	return r;
}

/* The pids of the container's group (v2: unified; v1: pids, else the first). */
int cg_procs(const struct cg_groups *g, pid_t **pids, size_t *n, struct ctr_err *e)
{
	const char *d = g->l.mode == CG_V2 ? g->unified : cg_dir(g, "pids");
	char path[PATH_MAX + 16];
	int v;
	size_t cap = 16;
	if (!d)
		d = g->n ? g->g[0].dir : g->unified;
	snprintf(path, sizeof(path), "%s/cgroup.procs", d);
	*n = 0;
	*pids = malloc(cap * sizeof(**pids));
	if (!*pids)
		die_errno("malloc");
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : ctr_fail_errno(e, "open %s", path);
	while (fscanf(f, "%d", &v) == 1) {
		if (*n == cap) {
			pid_t *p = realloc(*pids, (cap *= 2) * sizeof(*p));
			if (!p)
				die_errno("realloc");
			*pids = p;
		}
		(*pids)[(*n)++] = v;
	}
	fclose(f);
	return 0;
}

static int read_word(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read_full(fd, buf, len - 1);
	close_fd(&fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* 1 frozen, 0 not (or no freezer), as the kernel reports it now. */
int cg_frozen(const struct cg_groups *g)
{
	char path[PATH_MAX + 32], buf[256];
	const char *d = cg_dir(g, "freezer");
	if (g->l.mode == CG_V2) {
		snprintf(path, sizeof(path), "%s/cgroup.events", g->unified);
		return read_word(path, buf, sizeof(buf)) == 0 && strstr(buf, "frozen 1") != NULL;
	}
	if (!d)
		return 0;
	snprintf(path, sizeof(path), "%s/freezer.state", d);
	return read_word(path, buf, sizeof(buf)) == 0 && strncmp(buf, "FROZEN", 6) == 0;
}

/* Freeze or thaw, and wait until the kernel says it is done (bounded). */
int cg_freeze(const struct cg_groups *g, bool frozen, struct ctr_err *e)
{
	char path[PATH_MAX + 32];
	const char *d = cg_dir(g, "freezer");
	struct timespec tick = { 0, 1000 * 1000 };
	if (g->l.mode == CG_V2)
		snprintf(path, sizeof(path), "%s/cgroup.freeze", g->unified);
	else if (d)
		snprintf(path, sizeof(path), "%s/freezer.state", d);
	else
		return ctr_fail(e, 0, "no freezer cgroup on this host");
	if (write_file(path, g->l.mode == CG_V2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED")) < 0)
		return ctr_fail_errno(e, "%s", path);
	for (int i = 0; i < 5000; i++) {
		if (cg_frozen(g) == frozen)
			return 0;
		nanosleep(&tick, NULL);
	}
	return ctr_fail(e, ETIMEDOUT, "%s", frozen ? "freeze" : "thaw");
}
