/* oci-resfiles.c - the parts of linux.resources whose files are named by a
 * device, a page size or the config itself (called by cg_resources):
 *   blockIO: weight (v1 blkio.weight, else blkio.bfq.weight; v2 io.bfq.weight,
 *     else io.weight scaled from 10..1000 to 1..10000 as runc), leafWeight
 *     (v1 only: blkio.leaf_weight), weightDevice, the four throttles (v1
 *     blkio.throttle.*_device; v2 io.max, a rate of 0 is "max");
 *   hugepageLimits: v1 hugetlb.<size>.limit_in_bytes; v2 hugetlb.<size>.max,
 *     also on a hybrid host whose hugetlb controller is cgroup2's only (it is
 *     enabled on the way down to the group, as on v2);
 *   unified (v2 only): each "<controller>.<file>" written as given, after
 *     the rest (as runc); the cgroup core's own files (cgroup.*) are the
 *     runtime's, refused.
 * g NULL: only checked. A file this host lacks is an error naming the field.
 */
#include "oci-cgroup.h"
#include "oci-json.h"
#include "fdio.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct rf {
	const struct cg_groups *g;
	bool v2;
	struct ctr_err *e;
};

/* Write val to file in dir (the controller's group of the container). */
static int put_in(const struct rf *x, const struct oj *j, const char *field, const char *dir,
		  const char *file, const char *val)
{
	char path[PATH_MAX + 64];
	if (!x->g)
		return 0;
	if (!dir)
		return oj_bad(j, field, x->e, "this host has no controller for %s", file);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (write_file(path, val) == 0)
		return 0;
	if (errno == ENOENT)
		return oj_bad(j, field, x->e, "this host has no %s (%s)", file, path);
	return ctr_fail_errno(x->e, "config.json: %s.%s: write '%s' to %s", j->path, field, val, path);
}

/* The first of two files the group has (weights: CFQ's or BFQ's). */
static const char *either(const char *dir, const char *a, const char *b)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "", a);
	return !dir || access(path, F_OK) == 0 ? a : b;
}

static uint64_t v2_weight(uint64_t w)
{
	return 1 + (w - 10) * 9999 / 990;
}

static int weight(const struct rf *x, const struct oj *b, const char *dir)
{
	uint64_t w = 0, leaf = 0;
	char v[64];
	int hw, hl;
	if ((hw = oj_u64(b, "weight", &w, x->e)) < 0 || (hl = oj_u64(b, "leafWeight", &leaf, x->e)) < 0)
		return -1;
	if ((hw && (w < 10 || w > 1000)) || (hl && (leaf < 10 || leaf > 1000)))
		return oj_bad(b, hw && (w < 10 || w > 1000) ? "weight" : "leafWeight", x->e, "10 to 1000");
	if (hl && x->v2)
		return oj_unsupported(b, "leafWeight", "cgroup v2 has none", x->e);
	if (hl && (snprintf(v, sizeof(v), "%" PRIu64, leaf), put_in(x, b, "leafWeight", dir, "blkio.leaf_weight", v) < 0))
		return -1;
	if (!hw)
		return 0;
	const char *f = x->v2 ? either(dir, "io.bfq.weight", "io.weight") :
				either(dir, "blkio.weight", "blkio.bfq.weight");
	snprintf(v, sizeof(v), "%s%" PRIu64, strcmp(f, "io.weight") ? "" : "default ",
		 strcmp(f, "io.weight") ? w : v2_weight(w));
	return put_in(x, b, "weight", dir, f, v);
}

/* weightDevice and the throttles: lists of {major, minor, and a value}. */
static int per_device(const struct rf *x, const struct oj *b, const char *key, const char *dir)
{
	static const char *const throttle[][3] = {  /* key, v1 file, v2 io.max key */
		{ "throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps" },
		{ "throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps" },
		{ "throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops" },
		{ "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops" },
	};
	static const char *const known_w[] = { "major", "minor", "weight", "leafWeight", NULL };
	static const char *const known_t[] = { "major", "minor", "rate", NULL };
	size_t t = 0;
	bool w = !strcmp(key, "weightDevice");
	while (!w && strcmp(throttle[t][0], key))
		t++;
	struct oj a, d;
	int rc = oj_child(b, key, json_type_array, &a, x->e);
	for (size_t i = 0; rc > 0 && i < json_object_array_length(a.o); i++) {
		int64_t major = 0, minor = 0;
		uint64_t rate = 0, wt = 0, leaf = 0;
		int hw = 0, hl = 0;
		char v[128], path[96];
		if (oj_index(&a, i, json_type_object, &d, x->e) < 0 || oj_keys(&d, w ? known_w : known_t, x->e) < 0 ||
		    oj_i64(&d, "major", 0, 0xfff, &major, x->e) < 0 || oj_i64(&d, "minor", 0, 0xfffff, &minor, x->e) < 0 ||
		    (!w && oj_u64(&d, "rate", &rate, x->e) < 0) ||
		    (w && ((hw = oj_u64(&d, "weight", &wt, x->e)) < 0 || (hl = oj_u64(&d, "leafWeight", &leaf, x->e)) < 0)))
			return -1;
		snprintf(path, sizeof(path), "%" PRId64 ":%" PRId64, major, minor);
		if (!w) {
			if (x->v2 && rate == 0)
				snprintf(v, sizeof(v), "%s %s=max", path, throttle[t][2]);
			else if (x->v2)
				snprintf(v, sizeof(v), "%s %s=%" PRIu64, path, throttle[t][2], rate);
			else
				snprintf(v, sizeof(v), "%s %" PRIu64, path, rate);
			if (put_in(x, &d, "rate", dir, x->v2 ? "io.max" : throttle[t][1], v) < 0)
				return -1;
			continue;
		}
		if ((hw && (wt < 10 || wt > 1000)) || (hl && (leaf < 10 || leaf > 1000)))
			return oj_bad(&d, hw ? "weight" : "leafWeight", x->e, "10 to 1000");
		if (hl && x->v2)
			return oj_unsupported(&d, "leafWeight", "cgroup v2 has none", x->e);
		if (hl && (snprintf(v, sizeof(v), "%s %" PRIu64, path, leaf),
			   put_in(x, &d, "leafWeight", dir, "blkio.leaf_weight_device", v) < 0))
			return -1;
		const char *f = x->v2 ? either(dir, "io.bfq.weight", "io.weight") :
					either(dir, "blkio.weight_device", "blkio.bfq.weight_device");
		snprintf(v, sizeof(v), "%s %" PRIu64, path, strcmp(f, "io.weight") ? wt : v2_weight(wt));
		if (hw && put_in(x, &d, "weight", dir, f, v) < 0)
			return -1;
	}
	return rc < 0 ? -1 : 0;
}

static int blockio(const struct rf *x, const struct oj *r)
{
	static const char *const known[] = {
		"weight", "leafWeight", "weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice",
		"throttleReadIOPSDevice", "throttleWriteIOPSDevice", NULL,
	};
	struct oj b;
	int rc = oj_child(r, "blockIO", json_type_object, &b, x->e);
	if (rc <= 0)
		return rc;
	const char *dir = x->g ? cg_dir(x->g, x->v2 ? "io" : "blkio") : NULL;
	if (oj_keys(&b, known, x->e) < 0 || weight(x, &b, dir) < 0)
		return -1;
	for (size_t i = 2; known[i]; i++)
		if (per_device(x, &b, known[i], dir) < 0)
			return -1;
	return 0;
}

static int hugepages(const struct rf *x, const struct oj *r)
{
	static const char *const known[] = { "pageSize", "limit", NULL };
	struct oj a, h;
	int rc = oj_child(r, "hugepageLimits", json_type_array, &a, x->e);
	if (rc <= 0)
		return rc;
	const char *dir = x->g ? cg_dir(x->g, "hugetlb") : NULL;
	bool v2 = x->v2;
	if (x->g && !dir && *x->g->unified && cg_enable(x->g, "hugetlb") == 0) {
		dir = x->g->unified;  /* hybrid: cgroup2's hugetlb */
		v2 = true;
	}
	for (size_t i = 0; i < json_object_array_length(a.o); i++) {
		const char *size = "";
		uint64_t limit = 0;
		char file[64], v[32];
		if (oj_index(&a, i, json_type_object, &h, x->e) < 0 || oj_keys(&h, known, x->e) < 0 ||
		    oj_str(&h, "pageSize", &size, x->e) < 0 || oj_u64(&h, "limit", &limit, x->e) < 0)
			return -1;
		size_t n = strspn(size, "0123456789");
		if (!n || n > 8 || !strchr("KMG", size[n]) || !size[n] || strcmp(size + n + 1, "B"))
			return oj_bad(&h, "pageSize", x->e, "a size such as 2MB or 1GB, not %s", size);
		snprintf(file, sizeof(file), "hugetlb.%s.%s", size, v2 ? "max" : "limit_in_bytes");
		snprintf(v, sizeof(v), "%" PRIu64, limit);
		if (put_in(x, &h, "limit", dir, file, v) < 0)
			return -1;
	}
	return 0;
}

static int unified(const struct rf *x, const struct oj *r)
{
	struct oj u;
	int rc = oj_child(r, "unified", json_type_object, &u, x->e);
	if (rc <= 0)
		return rc;
	if (x->g && !x->v2)
		return oj_unsupported(r, "unified", "cgroup v2 only", x->e);
	json_object_object_foreach(u.o, key, val) {
		const char *dot = strchr(key, '.');
		if (!dot || dot == key || !dot[1] || strchr(key, '/') || !strncmp(key, "cgroup.", 7))
			return oj_bad(&u, key, x->e, "not a controller's file (<controller>.<name>; cgroup.* are the runtime's)");
		if (!json_object_is_type(val, json_type_string))
			return oj_bad(&u, key, x->e, "must be a string");
		if (put_in(x, &u, key, x->g ? x->g->unified : NULL, key, json_object_get_string(val)) < 0)
			return -1;
	}
	return 0;
}

int cg_resource_files(const struct cg_groups *g, const struct oj *r, struct ctr_err *e)
{
	struct rf x = { g, g && g->l.mode == CG_V2, e };
	if (blockio(&x, r) < 0 || hugepages(&x, r) < 0 || unified(&x, r) < 0)
		return -1;
	return 0;
}
