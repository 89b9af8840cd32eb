/* oci-process.c - config.json's process (also exec's --process file) into
 * the spec: terminal and consoleSize, user (uid, gid, umask,
 * additionalGids; username: ctr's extension, below), args, env, cwd, the
 * five capability sets (a name the kernel lacks or a capability we do not
 * hold: a warning, left out, as runtime-spec 1.1 asks), rlimits,
 * noNewPrivileges, oomScoreAdj. apparmorProfile and selinuxLabel are
 * errors when set: this host has neither. Entry points: oci_process_parse,
 * oci_process_file (exec's --process FILE).
 */
#include "oci.h"
#include "caps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const struct { const char *name; int res; } rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS }, { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS }, { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME }, { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

/* user.username (the runtime-spec has it for Windows only): ctr's meaning
 * on Linux is docker's --user, USER[:GROUP] as names or numbers, looked up
 * in the container's /etc/passwd and /etc/group when it starts (user.c);
 * uid and gid must then be 0, and, as docker, a user other than root holds
 * no effective or permitted capability (*by_name). */
static int parse_username(struct oci_config *c, const struct oj *u, int64_t uid, int64_t gid,
			  bool *by_name, struct ctr_err *e)
{
	const char *name = NULL;
	struct oj g;
	int r = oj_str(u, "username", &name, e);
	if (r <= 0)
		return r;
	if (!*name || strlen(name) > 255 || strchr(name, '\n'))
		return oj_bad(u, "username", e, "USER[:GROUP], 1 to 255 characters on one line");
	if (uid || gid || oj_child(u, "additionalGids", json_type_array, &g, e) != 0)
		return oj_bad(u, "username", e, "not with a uid, gid or additionalGids other than 0");
	c->spec.user = name;
	*by_name = true;
	return 0;
}

static int parse_user(struct oci_config *c, const struct oj *p, bool *by_name, struct ctr_err *e)
{
	static const char *const known[] = { "uid", "gid", "umask", "additionalGids", "username", NULL };
	struct oj u, g, x;
	int64_t uid = 0, gid = 0, um = 022;
	int r = oj_child(p, "user", json_type_object, &u, e);
	*by_name = false;
	if (r <= 0)
		return r;
	if (oj_keys(&u, known, e) < 0 || oj_i64(&u, "uid", 0, UINT32_MAX - 1, &uid, e) < 0 ||
	    oj_i64(&u, "gid", 0, UINT32_MAX - 1, &gid, e) < 0 ||
	    oj_i64(&u, "umask", 0, 0777, &um, e) < 0)
		return -1;
	c->spec.umask = (mode_t)um;
	if (parse_username(c, &u, uid, gid, by_name, e) < 0)
		return -1;
	if (*by_name)
		return 0;
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld:%lld", (long long)uid, (long long)gid);
	c->spec.user = oci_strdup(c, buf);
	if ((r = oj_child(&u, "additionalGids", json_type_array, &g, e)) <= 0)
		return r;
	size_t n = json_object_array_length(g.o);
	gid_t *groups = oci_alloc(c, n, sizeof(*groups));
	for (size_t i = 0; i < n; i++) {
		if (oj_index(&g, i, json_type_int, &x, e) < 0)
			return -1;
		int64_t v = json_object_get_int64(x.o);
		if (v < 0 || v >= UINT32_MAX)
			return oj_bad(&x, NULL, e, "not a gid");
		groups[i] = (gid_t)v;
	}
	c->spec.groups = groups;
	c->spec.ngroups = n;
	return 0;
}

/* One capability set: names (CAP_X) to bits, within what we hold. As the
 * runtime-spec (1.1) asks, a name the kernel does not have or a capability
 * we cannot grant is a warning, and left out: not an error. */
static int parse_capset(const struct oj *k, const char *key, uint64_t held, uint64_t *set,
			struct ctr_err *e)
{
	const char **names = NULL;
	struct ctr_err ignored;
	int r = oj_strv(k, key, &names, NULL, e);
	*set = 0;
	if (r <= 0)
		return r;
	for (size_t i = 0; names[i]; i++) {
		int cap = cap_number(names[i], &ignored);
		if (cap < 0)
			oj_warn(k, key, "%s: unknown capability, ignored", names[i]);
		else if (!(held & (1ULL << cap)))
			oj_warn(k, key, "%s: not in ctr-oci's own set, ignored", names[i]);
		else
			*set |= 1ULL << cap;
	}
	free(names);
	return 0;
}

static int parse_caps(struct oci_config *c, const struct oj *p, struct ctr_err *e)
{
	static const char *const known[] = {
		"bounding", "effective", "inheritable", "permitted", "ambient", NULL,
	};
	struct ctr_caps *k = &c->spec.caps;
	struct oj o;
	uint64_t held;
	memset(k, 0, sizeof(*k));
	int r = oj_child(p, "capabilities", json_type_object, &o, e);
	if (r <= 0)
		return r;
	/* within what we hold; an unprivileged caller (rootless) runs its
	 * containers in a user namespace of its own: within its bounding set */
	if (oj_keys(&o, known, e) < 0 ||
	    (geteuid() != 0 ? caps_bounding(&held, e) : caps_held(&held, e)) < 0)
		return -1;
	if (parse_capset(&o, "bounding", held, &k->bounding, e) < 0 ||
	    parse_capset(&o, "effective", held, &k->effective, e) < 0 ||
	    parse_capset(&o, "inheritable", held, &k->inheritable, e) < 0 ||
	    parse_capset(&o, "permitted", held, &k->permitted, e) < 0 ||
	    parse_capset(&o, "ambient", held, &k->ambient, e) < 0)
		return -1;
	return 0;
}

/* A limit: a uint64, RLIM_INFINITY as 2^64 - 1; also as the double 2^64,
 * which is what jq 1.6 (every number a double) makes of 2^64 - 1 when ctr.sh
 * runs with CTR_JQ=jq: no other value can round to it. */
static int rlim_value(const struct oj *x, const char *key, uint64_t *v, struct ctr_err *e)
{
	json_object *d;
	if (json_object_object_get_ex(x->o, key, &d) && json_object_is_type(d, json_type_double) &&
	    json_object_get_double(d) >= 18446744073709551616.0) {
		*v = UINT64_MAX;
		return 1;
	}
	return oj_u64(x, key, v, e);
}

static int parse_rlimits(struct oci_config *c, const struct oj *p, struct ctr_err *e)
{
	static const char *const known[] = { "type", "soft", "hard", NULL };
	struct oj a, x;
	int r = oj_child(p, "rlimits", json_type_array, &a, e);
	if (r <= 0)
		return r;
	size_t n = json_object_array_length(a.o);
	c->spec.rlimits = oci_alloc(c, n, sizeof(*c->spec.rlimits));
	c->spec.nrlimits = n;
	for (size_t i = 0; i < n; i++) {
		struct ctr_rlimit *l = &c->spec.rlimits[i];
		const char *type = "";
		uint64_t soft = 0, hard = 0;
		size_t k = 0;
		if (oj_index(&a, i, json_type_object, &x, e) < 0 || oj_keys(&x, known, e) < 0 ||
		    oj_str(&x, "type", &type, e) < 0 || rlim_value(&x, "soft", &soft, e) < 0 ||
		    rlim_value(&x, "hard", &hard, e) < 0)
			return -1;
		while (k < NELEM(rlimit_names) && strcmp(rlimit_names[k].name, type) != 0)
			k++;
		if (k == NELEM(rlimit_names))
			return oj_bad(&x, "type", e, "unknown rlimit %s", type);
		for (size_t j = 0; j < i; j++)
			if (c->spec.rlimits[j].resource == rlimit_names[k].res)
				return oj_bad(&x, "type", e, "%s given twice", type);
		l->resource = rlimit_names[k].res;
		l->name = rlimit_names[k].name;
		l->soft = soft;
		l->hard = hard;
	}
	return 0;
}

static int parse_console(struct oci_config *c, const struct oj *p, struct ctr_err *e)
{
	static const char *const known[] = { "height", "width", NULL };
	struct oj s;
	int64_t h = 0, w = 0;
	int r = oj_child(p, "consoleSize", json_type_object, &s, e);
	if (r <= 0)
		return r;
	if (oj_keys(&s, known, e) < 0 || oj_i64(&s, "height", 0, 65535, &h, e) < 0 ||
	    oj_i64(&s, "width", 0, 65535, &w, e) < 0)
		return -1;
	c->spec.console_rows = (unsigned short)h;
	c->spec.console_cols = (unsigned short)w;
	return 0;
}

/* A security label this host cannot apply: an error when set. */
static int no_lsm(const struct oj *p, const char *key, const char *lsm, struct ctr_err *e)
{
	const char *v = NULL;
	if (oj_str(p, key, &v, e) < 0)
		return -1;
	if (v && *v)
		return oj_unsupported(p, key, lsm, e);
	return 0;
}

int oci_process_parse(struct oci_config *c, const struct oj *p, struct ctr_err *e)
{
	static const char *const known[] = {
		"terminal", "consoleSize", "user", "args", "env", "cwd", "capabilities",
		"rlimits", "noNewPrivileges", "oomScoreAdj", "apparmorProfile", "selinuxLabel",
		NULL,
	};
	struct ctr_spec *s = &c->spec;
	const char **argv = NULL, *cwd = NULL;
	int64_t oom = 0;
	bool by_name;
	int r;
	if (oj_keys(p, known, e) < 0 || oj_bool(p, "terminal", &c->terminal, e) < 0 ||
	    parse_console(c, p, e) < 0 || parse_user(c, p, &by_name, e) < 0 ||
	    no_lsm(p, "apparmorProfile", "this host has no AppArmor", e) < 0 ||
	    no_lsm(p, "selinuxLabel", "this host has no SELinux", e) < 0)
		return -1;
	if ((r = oj_strv(p, "args", &argv, NULL, e)) < 0)
		return -1;
	if (r == 0 || !argv[0] || !*argv[0]) {
		free(argv);
		return oj_bad(p, "args", e, "required, and args[0] not empty");
	}
	oci_own(c, argv);
	s->argv = (char **)argv;
	free(s->env);
	s->env = NULL;
	s->nenv = 0;
	if (oj_strv(p, "env", &s->env, &s->nenv, e) < 0)
		return -1;
	for (size_t i = 0; i < s->nenv; i++)
		if (!strchr(s->env[i], '='))
			return oj_bad(p, "env", e, "%s: not KEY=VALUE", s->env[i]);
	if ((r = oj_str(p, "cwd", &cwd, e)) < 0)
		return -1;
	if (r == 0 || cwd[0] != '/')
		return oj_bad(p, "cwd", e, "required, an absolute path");
	s->cwd = cwd;
	if (parse_caps(c, p, e) < 0 || parse_rlimits(c, p, e) < 0 ||
	    oj_bool(p, "noNewPrivileges", &s->no_new_privs, e) < 0)
		return -1;
	s->caps.root_only = by_name;
	if ((r = oj_i64(p, "oomScoreAdj", -1000, 1000, &oom, e)) < 0)
		return -1;
	s->has_oom_score_adj = r > 0;  /* written by the executor's parent (cgroup.c) */
	s->oom_score_adj = (int)oom;
	return 0;
}

/* exec's --process FILE (ctr-oci exec; nsenter-chroot --join): the process
 * object in FILE replaces the config's. */
int oci_process_file(struct oci_config *c, const char *path, struct ctr_err *e)
{
	json_object *p = json_object_from_file(path);
	if (!p || !json_object_is_type(p, json_type_object)) {
		if (p)
			json_object_put(p);
		return ctr_fail(e, 0, "--process %s: not a JSON object", path);
	}
	json_object_object_add(c->json, "ctr-oci-exec-process", p);  /* owned by the tree */
	struct oj j = { .o = p, .path = "process" };
	return oci_process_parse(c, &j, e);
}
