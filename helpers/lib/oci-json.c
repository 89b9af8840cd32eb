/* oci-json.c - typed reads from config.json (json-c) with the field's path
 * in every error: "config.json: process.user.uid: not a number". Each
 * getter returns 1 when the key is there (null counts as absent), 0 when it
 * is not, -1 with e when it has the wrong type or range. oj_keys checks an
 * object's keys against those the caller reads: a field of the runtime-spec
 * that ctr-oci does not implement is an error naming it, never ignored; a
 * key that is no field of the spec is ignored with a warning (runtime-spec,
 * Extensibility: runtimes MUST NOT generate an error for an unknown
 * property, MUST ignore it; runc and crun do), unless oj_quiet.
 * oj_keys_strict refuses any unknown key (ctr's own "ctr" object). Strings
 * stay owned by the json tree.
 */
#include "oci-json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *type_name(json_type t)
{
	switch (t) {
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	case json_type_boolean: return "a boolean";
	case json_type_int: return "an integer";
	default: return "a value";
	}
}

static void join(char *out, const char *path, const char *key)
{
	if (snprintf(out, OJ_PATH, "%s%s%s", path, *path ? "." : "", key) >= OJ_PATH)
		out[OJ_PATH - 1] = '\0';  /* a path that long is cut, not an error */
}

int oj_bad(const struct oj *j, const char *key, struct ctr_err *e, const char *fmt, ...)
{
	char p[OJ_PATH], msg[256];
	va_list ap;
	if (key)
		join(p, j->path, key);
	else
		snprintf(p, sizeof(p), "%s", j->path);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ctr_fail(e, 0, "config.json: %s: %s", p, msg);
}

bool oj_quiet;

/* "config.json: path.key: <what>" on stderr, unless oj_quiet. */
void oj_warn(const struct oj *j, const char *key, const char *fmt, ...)
{
	char p[OJ_PATH], msg[256];
	va_list ap;
	if (oj_quiet)
		return;
	join(p, j->path, key);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn("config.json: %s: %s", p, msg);
}

int oj_unsupported(const struct oj *j, const char *key, const char *why, struct ctr_err *e)
{
	return oj_bad(j, key, e, "not supported%s%s", why ? ": " : "", why ? why : "");
}

/* The runtime-spec's Linux fields (up to 1.2) that no caller reads, by
 * path without array indices. Fields a caller reads and then refuses
 * (mountLabel, intelRdt...) give their own reason there. */
static const char *const spec_unsupported[] = {
	"process.scheduler", "process.ioPriority", "process.execCPUAffinity",
	"mounts.uidMappings", "mounts.gidMappings",
	"linux.timeOffsets", "linux.netDevices", "linux.memoryPolicy",
	"linux.resources.network", "linux.resources.rdma",
	NULL,
};

static bool listed(const char *const *list, const char *s)
{
	while (*list && strcmp(*list, s) != 0)
		list++;
	return *list != NULL;
}

/* path.key without the [N] of arrays: "mounts[2]", "uidMappings" ->
 * "mounts.uidMappings" */
static void spec_path(char *out, const char *path, const char *key)
{
	char full[OJ_PATH];
	size_t n = 0;
	join(full, path, key);
	for (const char *p = full; *p && n < OJ_PATH - 1; p++) {
		if (*p == '[') {
			p += strcspn(p, "]");
			if (!*p)
				break;
			continue;
		}
		out[n++] = *p;
	}
	out[n] = '\0';
}

static int keys(const struct oj *j, const char *const *known, bool strict, struct ctr_err *e)
{
	json_object_object_foreach(j->o, key, val) {
		(void)val;
		char p[OJ_PATH];
		if (listed(known, key))
			continue;
		spec_path(p, j->path, key);
		if (strict || listed(spec_unsupported, p))
			return oj_unsupported(j, key, NULL, e);
		oj_warn(j, key, "unknown property, ignored");
	}
	return 0;
}

/* The keys of j not in known (NULL-terminated): a spec field is an error,
 * anything else is ignored. */
int oj_keys(const struct oj *j, const char *const *known, struct ctr_err *e)
{
	return keys(j, known, false, e);
}

/* Every key of j must be in known. */
int oj_keys_strict(const struct oj *j, const char *const *known, struct ctr_err *e)
{
	return keys(j, known, true, e);
}

int oj_child(const struct oj *j, const char *key, json_type type, struct oj *out, struct ctr_err *e)
{
	json_object *v;
	if (!json_object_object_get_ex(j->o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, type))
		return oj_bad(j, key, e, "must be %s", type_name(type));
	out->o = v;
	join(out->path, j->path, key);
	return 1;
}

int oj_index(const struct oj *arr, size_t i, json_type type, struct oj *out, struct ctr_err *e)
{
	json_object *v = json_object_array_get_idx(arr->o, i);
	if (snprintf(out->path, OJ_PATH, "%s[%zu]", arr->path, i) >= OJ_PATH)
		out->path[OJ_PATH - 1] = '\0';
	out->o = v;
	if (!v || !json_object_is_type(v, type))
		return ctr_fail(e, 0, "config.json: %s: must be %s", out->path, type_name(type));
	return 1;
}

int oj_str(const struct oj *j, const char *key, const char **v, struct ctr_err *e)
{
	struct oj c;
	int r = oj_child(j, key, json_type_string, &c, e);
	if (r > 0)
		*v = json_object_get_string(c.o);
	return r;
}

int oj_bool(const struct oj *j, const char *key, bool *v, struct ctr_err *e)
{
	struct oj c;
	int r = oj_child(j, key, json_type_boolean, &c, e);
	if (r > 0)
		*v = json_object_get_boolean(c.o);
	return r;
}

int oj_i64(const struct oj *j, const char *key, int64_t min, int64_t max, int64_t *v, struct ctr_err *e)
{
	struct oj c;
	int r = oj_child(j, key, json_type_int, &c, e);
	if (r <= 0)
		return r;
	errno = 0;
	*v = json_object_get_int64(c.o);
	if (errno || *v < min || *v > max)
		return oj_bad(j, key, e, "out of range (%lld to %lld)", (long long)min, (long long)max);
	return 1;
}

/* An unsigned 64-bit number (json-c keeps those above INT64_MAX as uint64). */
int oj_u64(const struct oj *j, const char *key, uint64_t *v, struct ctr_err *e)
{
	struct oj c;
	int r = oj_child(j, key, json_type_int, &c, e);
	if (r <= 0)
		return r;
	if (json_object_get_int64(c.o) < 0)
		return oj_bad(j, key, e, "must not be negative");
	*v = json_object_get_uint64(c.o);
	return 1;
}

/* An array of strings as a NULL-terminated vector (malloc'ed; the strings
 * are the tree's). */
int oj_strv(const struct oj *j, const char *key, const char ***v, size_t *n, struct ctr_err *e)
{
	struct oj a, s;
	int r = oj_child(j, key, json_type_array, &a, e);
	if (r <= 0)
		return r;
	size_t len = json_object_array_length(a.o);
	const char **out = calloc(len + 1, sizeof(*out));
	if (!out)
		return ctr_fail_errno(e, "calloc");
	for (size_t i = 0; i < len; i++) {
		if (oj_index(&a, i, json_type_string, &s, e) < 0) {
			free(out);
			return -1;
		}
		out[i] = json_object_get_string(s.o);
	}
	*v = out;
	if (n)
		*n = len;
	return 1;
}
