/* oci-json.h - reading config.json with json-c, every error naming the field
 * (oci-json.c). A path such as "process.user.uid" travels with each object. */
#ifndef CTR_OCI_JSON_H
#define CTR_OCI_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define OJ_PATH 256

/* An object being read: its json and its path in the document. */
struct oj {
	json_object *o;
	char path[OJ_PATH];
};

/* no warning for an ignored unknown key (a config read again: start, exec, delete) */
extern bool oj_quiet;

int oj_keys(const struct oj *j, const char *const *known, struct ctr_err *e);
int oj_keys_strict(const struct oj *j, const char *const *known, struct ctr_err *e);
int oj_child(const struct oj *j, const char *key, json_type type, struct oj *out, struct ctr_err *e);
int oj_index(const struct oj *arr, size_t i, json_type type, struct oj *out, struct ctr_err *e);
int oj_str(const struct oj *j, const char *key, const char **v, struct ctr_err *e);
int oj_bool(const struct oj *j, const char *key, bool *v, struct ctr_err *e);
int oj_i64(const struct oj *j, const char *key, int64_t min, int64_t max, int64_t *v, struct ctr_err *e);
int oj_u64(const struct oj *j, const char *key, uint64_t *v, struct ctr_err *e);
int oj_strv(const struct oj *j, const char *key, const char ***v, size_t *n, struct ctr_err *e);
int oj_unsupported(const struct oj *j, const char *key, const char *why, struct ctr_err *e);
int oj_bad(const struct oj *j, const char *key, struct ctr_err *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void oj_warn(const struct oj *j, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
