/* oci-seccomp.c - linux.seccomp, the full OCI profile, through libseccomp:
 * defaultAction and defaultErrnoRet, architectures, flags, and syscalls
 * with action, errnoRet and argument conditions. oci_seccomp_parse checks
 * and resolves it in the parent (errors name the field; a syscall name this
 * libseccomp does not know is skipped, as runc does), oci_seccomp_load
 * (seccomp-profile.c) builds and loads it as the child's last step.
 * listenerPath (SCMP_ACT_NOTIFY) is not supported.
 */
#include "oci-seccomp.h"
#include "oci.h"

#include <seccomp.h>
#include <string.h>

static const struct { const char *name; uint32_t act; bool ret; } actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL, false },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG, false },
};

static const struct { const char *name; int op; } ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static const struct { const char *name; unsigned int flag; } sc_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", 1 }, { "SECCOMP_FILTER_FLAG_LOG", 2 },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4 },
};

/* action (+ errnoRet, EPERM by default for SCMP_ACT_ERRNO as runc) */
static int parse_action(const struct oj *j, const char *key, const char *retkey,
			uint32_t *act, struct ctr_err *e)
{
	const char *name = "";
	int64_t ret = 1;  /* EPERM */
	int r;
	if ((r = oj_str(j, key, &name, e)) <= 0)
		return r < 0 ? -1 : oj_bad(j, key, e, "required");
	size_t k = 0;
	while (k < NELEM(actions) && strcmp(actions[k].name, name) != 0)
		k++;
	if (k == NELEM(actions))
		return oj_bad(j, key, e, "unknown or unsupported action %s", name);
	if ((r = oj_i64(j, retkey, 0, 4095, &ret, e)) < 0)
		return -1;
	if (r > 0 && !actions[k].ret)
		return oj_bad(j, retkey, e, "only with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
	*act = actions[k].ret ? (actions[k].act | (uint32_t)ret) : actions[k].act;
	if (!strcmp(name, "SCMP_ACT_TRACE") && r == 0)
		*act = SCMP_ACT_TRACE(0);
	return 0;
}

static int parse_arg(const struct oj *a, struct oci_sc_arg *arg, struct ctr_err *e)
{
	static const char *const known[] = { "index", "value", "valueTwo", "op", NULL };
	int64_t idx = 0;
	const char *op = "";
	size_t k = 0;
	if (oj_keys(a, known, e) < 0 || oj_i64(a, "index", 0, 5, &idx, e) < 0 ||
	    oj_u64(a, "value", &arg->value, e) < 0 || oj_u64(a, "valueTwo", &arg->value2, e) < 0 ||
	    oj_str(a, "op", &op, e) < 0)
		return -1;
	while (k < NELEM(ops) && strcmp(ops[k].name, op) != 0)
		k++;
	if (k == NELEM(ops))
		return oj_bad(a, "op", e, "unknown operator %s", op);
	arg->index = (unsigned int)idx;
	arg->op = ops[k].op;
	return 0;
}

/* One syscalls[] entry: a rule per name this libseccomp knows. */
static int parse_rule(struct oci_config *c, struct oci_seccomp *p, const struct oj *s,
		      struct ctr_err *e)
{
	static const char *const known[] = { "names", "action", "errnoRet", "args", "comment", NULL };
	struct oci_sc_rule r = { 0 };
	struct oj args, a;
	const char **names = NULL;
	if (oj_keys(s, known, e) < 0 || parse_action(s, "action", "errnoRet", &r.action, e) < 0)
		return -1;
	int n = oj_child(s, "args", json_type_array, &args, e);
	if (n < 0)
		return -1;
	for (size_t i = 0; n > 0 && i < json_object_array_length(args.o); i++) {
		if (i >= NELEM(r.args))
			return oj_bad(&args, NULL, e, "more than 6 conditions");
		if (oj_index(&args, i, json_type_object, &a, e) < 0 || parse_arg(&a, &r.args[i], e) < 0)
			return -1;
		r.nargs++;
	}
	if (oj_strv(s, "names", &names, NULL, e) <= 0 || !names[0])
		return names ? (free(names), oj_bad(s, "names", e, "required")) : -1;
	oci_own(c, names);
	for (size_t i = 0; names[i]; i++) {
		r.nr = seccomp_syscall_resolve_name(names[i]);
		if (r.nr == __NR_SCMP_ERROR)
			continue;
		p->rules[p->nrules++] = r;
	}
	return 0;
}

static int parse_arches(struct oci_seccomp *p, const struct oj *s, struct ctr_err *e)
{
	const char **arches = NULL;
	if (oj_strv(s, "architectures", &arches, NULL, e) < 0)
		return -1;
	for (size_t i = 0; arches && arches[i]; i++) {
		char low[32];
		const char *a = arches[i];
		if (strncmp(a, "SCMP_ARCH_", 10) == 0)
			a += 10;
		size_t k = 0;
		for (; k < sizeof(low) - 1 && a[k]; k++)
			low[k] = (char)(a[k] >= 'A' && a[k] <= 'Z' ? a[k] - 'A' + 'a' : a[k]);
		low[k] = '\0';
		uint32_t arch = seccomp_arch_resolve_name(low);
		if (!arch || p->narches >= NELEM(p->arches)) {
			oj_bad(s, "architectures", e, "unknown architecture %s", arches[i]);
			free(arches);
			return -1;
		}
		p->arches[p->narches++] = arch;
	}
	free(arches);
	return 0;
}

int oci_seccomp_parse(struct oci_config *c, const struct oj *s, struct ctr_err *e)
{
	static const char *const known[] = {
		"defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls",
		"listenerPath", "listenerMetadata", NULL,
	};
	struct oci_seccomp *p = oci_alloc(c, 1, sizeof(*p));
	struct oj sys, x;
	const char **flags = NULL, *listener = NULL;
	if (oj_keys(s, known, e) < 0 ||
	    parse_action(s, "defaultAction", "defaultErrnoRet", &p->default_action, e) < 0 ||
	    parse_arches(p, s, e) < 0 || oj_str(s, "listenerPath", &listener, e) < 0)
		return -1;
	if (listener && *listener)
		return oj_unsupported(s, "listenerPath", NULL, e);
	if (oj_strv(s, "flags", &flags, NULL, e) < 0)
		return -1;
	oci_own(c, flags);
	for (size_t i = 0; flags && flags[i]; i++) {
		size_t k = 0;
		while (k < NELEM(sc_flags) && strcmp(sc_flags[k].name, flags[i]) != 0)
			k++;
		if (k == NELEM(sc_flags))
			return oj_bad(s, "flags", e, "unknown flag %s", flags[i]);
		p->flags |= sc_flags[k].flag;
	}
	int r = oj_child(s, "syscalls", json_type_array, &sys, e);
	if (r < 0)
		return -1;
	size_t n = r > 0 ? json_object_array_length(sys.o) : 0, names = 0;
	for (size_t i = 0; i < n; i++) {  /* room for one rule per name */
		json_object *v = json_object_array_get_idx(sys.o, i), *nm;
		if (v && json_object_object_get_ex(v, "names", &nm) && json_object_is_type(nm, json_type_array))
			names += json_object_array_length(nm);
	}
	p->rules = oci_alloc(c, names, sizeof(*p->rules));
	for (size_t i = 0; i < n; i++)
		if (oj_index(&sys, i, json_type_object, &x, e) < 0 || parse_rule(c, p, &x, e) < 0)
			return -1;
	c->spec.seccomp = CTR_SECCOMP_PROFILE;
	c->spec.seccomp_profile = p;
	return 0;
}
