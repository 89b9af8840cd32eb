/* oci-json.c - typed reads from config.json (json-c) with the field's path
 * in every error: "config.json: process.user.uid: not a number". Each
 * getter returns 1 when the key is there (null counts as absent), 0 when it
 * is not, -1 with e when it has the wrong type or range. oj_keys refuses a
 * key the caller does not know: a field ctr does not support is an error,
 * never ignored. Strings stay owned by the json tree.
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

int oj_unsupported(const struct oj *j, const char *key, const char *why, struct ctr_err *e)
{
	return oj_bad(j, key, e, "not supported%s%s", why ? ": " : "", why ? why : "");
}

/* Every key of j must be in known (NULL-terminated). */
int oj_keys(const struct oj *j, const char *const *known, struct ctr_err *e)
{
	json_object_object_foreach(j->o, key, val) {
		(void)val;
		const char *const *k = known;
		while (*k && strcmp(*k, key) != 0)
			k++;
		if (!*k)
			return oj_unsupported(j, key, NULL, e);
	}
	return 0;
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
