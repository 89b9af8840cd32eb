/* oci-resources.c - linux.resources on the container's groups, v1 (hybrid)
 * or v2: memory (limit, reservation, swap, swappiness, disableOOMKiller,
 * kernelTCP on v1, kernel where the kernel still has it),
 * cpu (shares, quota, period, realtime, cpus, mems, idle), pids; then
 * blockIO, hugepageLimits and unified (oci-resfiles.c); devices are
 * checked here and set by cg_devices (oci-devrules.c).
 * cg_resources(NULL, res, true) only checks (config.json, `update`):
 * unknown fields are errors naming them. A file this host lacks is an error
 * naming the field and the file.
 */
#include "oci-cgroup.h"
#include "oci-json.h"
#include "fdio.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct rx {
	const struct cg_groups *g;
	bool dry;
	struct ctr_err *e;
};

/* Write val to controller c's file in the container's group. */
static int put(const struct rx *x, const struct oj *j, const char *field, const char *c,
	       const char *file, const char *val)
{
	char path[PATH_MAX + 64];
	if (x->dry)
		return 0;
	const char *d = cg_dir(x->g, c);
	if (!d)
		return oj_bad(j, field, x->e, "this host has no %s controller", c);
	snprintf(path, sizeof(path), "%s/%s", d, file);
	if (write_file(path, val) < 0)
		return ctr_fail_errno(x->e, "config.json: %s.%s: %s", j->path, field, path);
	return 0;
}

static void num(char *buf, int64_t v, bool v2)
{
	if (v < 0 && v2)
		snprintf(buf, 32, "max");
	else
		snprintf(buf, 32, "%" PRId64, v);
}

/* memory.kernel: deprecated by the runtime-spec, gone from cgroup v2 and
 * from v1 since Linux 6.x (the file is gone, or takes writes it ignores).
 * Written where the file exists; else a warning, not an error: runc ignores
 * it too, and no kernel could honour it. */
static int kmem_limit(const struct rx *x, const struct oj *m, int64_t kmem, bool v2)
{
	char path[PATH_MAX + 64], v[32];
	const char *d = x->dry || v2 ? NULL : cg_dir(x->g, "memory");
	if (x->dry)
		return 0;
	if (d)
		snprintf(path, sizeof(path), "%s/memory.kmem.limit_in_bytes", d);
	if (!d || access(path, F_OK) < 0) {
		warn("config.json: %s.kernel: ignored: this kernel has no kernel memory limit", m->path);
		return 0;
	}
	num(v, kmem, false);
	return put(x, m, "kernel", "memory", "memory.kmem.limit_in_bytes", v);
}

static int memory(const struct rx *x, const struct oj *r)
{
	static const char *const known[] = {
		"limit", "reservation", "swap", "swappiness", "disableOOMKiller", "useHierarchy",
		"checkBeforeUpdate", "kernel", "kernelTCP", NULL,
	};
	struct oj m;
	int64_t limit = 0, res = 0, swap = 0, kmem = 0, ktcp = 0;
	int hk, ht;
	uint64_t swappiness = 0;
	bool nooom = false, hier = false, check = false;
	int hl, hr, hs, hw;
	char v[32];
	bool v2 = x->g && x->g->l.mode == CG_V2;
	int rc = oj_child(r, "memory", json_type_object, &m, x->e);
	if (rc <= 0)
		return rc;
	if (oj_keys(&m, known, x->e) < 0 || (hl = oj_i64(&m, "limit", -1, INT64_MAX, &limit, x->e)) < 0 ||
	    (hr = oj_i64(&m, "reservation", -1, INT64_MAX, &res, x->e)) < 0 ||
	    (hs = oj_i64(&m, "swap", -1, INT64_MAX, &swap, x->e)) < 0 ||
	    (hw = oj_u64(&m, "swappiness", &swappiness, x->e)) < 0 ||
	    oj_bool(&m, "disableOOMKiller", &nooom, x->e) < 0 ||
	    oj_bool(&m, "useHierarchy", &hier, x->e) < 0 || oj_bool(&m, "checkBeforeUpdate", &check, x->e) < 0 ||
	    (hk = oj_i64(&m, "kernel", -1, INT64_MAX, &kmem, x->e)) < 0 ||
	    (ht = oj_i64(&m, "kernelTCP", -1, INT64_MAX, &ktcp, x->e)) < 0)
		return -1;
	if (hw && swappiness > 100)
		return oj_bad(&m, "swappiness", x->e, "0 to 100");
	if (hier || check)
		return oj_unsupported(&m, hier ? "useHierarchy" : "checkBeforeUpdate", NULL, x->e);
	if (hl) {
		num(v, limit, v2);
		int w = put(x, &m, "limit", "memory", v2 ? "memory.max" : "memory.limit_in_bytes", v);
		if (w < 0 && !(hs && errno == EINVAL))
			return -1;
		hl = w < 0 ? 2 : 0;  /* 2: retry after the swap limit grew */
	}
	if (hr) {
		num(v, res, v2);
		if (put(x, &m, "reservation", "memory", v2 ? "memory.low" : "memory.soft_limit_in_bytes", v) < 0)
			return -1;
	}
	if (hs) {
		num(v, v2 && swap > 0 && limit > 0 ? swap - limit : swap, v2);
		if (put(x, &m, "swap", "memory", v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes", v) < 0)
			return -1;
	}
	if (hl == 2) {
		num(v, limit, v2);
		if (put(x, &m, "limit", "memory", "memory.limit_in_bytes", v) < 0)
			return -1;
	}
	if (hw) {
		if (v2)
			return oj_unsupported(&m, "swappiness", "cgroup v2 has none", x->e);
		num(v, (int64_t)swappiness, false);
		if (put(x, &m, "swappiness", "memory", "memory.swappiness", v) < 0)
			return -1;
	}
	if (ht && v2)
		return oj_unsupported(&m, "kernelTCP", "cgroup v2 has none", x->e);
	if (ht) {
		num(v, ktcp, false);
		if (put(x, &m, "kernelTCP", "memory", "memory.kmem.tcp.limit_in_bytes", v) < 0)
			return -1;
	}
	if (hk && kmem_limit(x, &m, kmem, v2) < 0)
		return -1;
	if (nooom && v2)
		return oj_unsupported(&m, "disableOOMKiller", "cgroup v2 has none", x->e);
	if (nooom && put(x, &m, "disableOOMKiller", "memory", "memory.oom_control", "1") < 0)
		return -1;
	return 0;
}

static int cpu(const struct rx *x, const struct oj *r)
{
	static const char *const known[] = {
		"shares", "quota", "period", "realtimeRuntime", "realtimePeriod", "cpus", "mems",
		"idle", "burst", NULL,
	};
	struct oj c;
	uint64_t shares = 0, period = 0, rtp = 0;
	int64_t quota = 0, rtr = 0, idle = 0;
	const char *cpus = NULL, *mems = NULL;
	int hs, hq, hp, hrr, hrp, hi;
	char v[64];
	bool v2 = x->g && x->g->l.mode == CG_V2;
	int rc = oj_child(r, "cpu", json_type_object, &c, x->e);
	if (rc <= 0)
		return rc;
	if (oj_keys(&c, known, x->e) < 0 || (hs = oj_u64(&c, "shares", &shares, x->e)) < 0 ||
	    (hq = oj_i64(&c, "quota", -1, INT64_MAX, &quota, x->e)) < 0 ||
	    (hp = oj_u64(&c, "period", &period, x->e)) < 0 ||
	    (hrr = oj_i64(&c, "realtimeRuntime", -1, INT64_MAX, &rtr, x->e)) < 0 ||
	    (hrp = oj_u64(&c, "realtimePeriod", &rtp, x->e)) < 0 ||
	    (hi = oj_i64(&c, "idle", 0, 1, &idle, x->e)) < 0 ||
	    oj_str(&c, "cpus", &cpus, x->e) < 0 || oj_str(&c, "mems", &mems, x->e) < 0)
		return -1;
	if (json_object_object_get_ex(c.o, "burst", NULL))
		return oj_unsupported(&c, "burst", NULL, x->e);
	if (hs && (shares < 2 || shares > 262144))
		return oj_bad(&c, "shares", x->e, "2 to 262144");
	if (hs) {
		snprintf(v, sizeof(v), "%" PRIu64, v2 ? 1 + ((shares - 2) * 9999) / 262142 : shares);
		if (put(x, &c, "shares", "cpu", v2 ? "cpu.weight" : "cpu.shares", v) < 0)
			return -1;
	}
	if (v2 && (hq || hp)) {
		if (hq && quota > 0)
			snprintf(v, sizeof(v), "%" PRId64 " %" PRIu64, quota, hp ? period : 100000);
		else
			snprintf(v, sizeof(v), "max %" PRIu64, hp ? period : 100000);
		if (put(x, &c, hq ? "quota" : "period", "cpu", "cpu.max", v) < 0)
			return -1;
	}
	if (!v2 && hp && (snprintf(v, sizeof(v), "%" PRIu64, period), put(x, &c, "period", "cpu", "cpu.cfs_period_us", v) < 0))
		return -1;
	if (!v2 && hq && (num(v, quota, false), put(x, &c, "quota", "cpu", "cpu.cfs_quota_us", v) < 0))
		return -1;
	if ((hrr || hrp) && v2)
		return oj_unsupported(&c, hrr ? "realtimeRuntime" : "realtimePeriod", "cgroup v2 has none", x->e);
	if (hrp && (snprintf(v, sizeof(v), "%" PRIu64, rtp), put(x, &c, "realtimePeriod", "cpu", "cpu.rt_period_us", v) < 0))
		return -1;
	if (hrr && (num(v, rtr, false), put(x, &c, "realtimeRuntime", "cpu", "cpu.rt_runtime_us", v) < 0))
		return -1;
	if (hi && !v2)
		return oj_unsupported(&c, "idle", "cgroup v1 has none", x->e);
	if (hi && put(x, &c, "idle", "cpu", "cpu.idle", idle ? "1" : "0") < 0)
		return -1;
	if (cpus && put(x, &c, "cpus", "cpuset", "cpuset.cpus", cpus) < 0)
		return -1;
	if (mems && put(x, &c, "mems", "cpuset", "cpuset.mems", mems) < 0)
		return -1;
	return 0;
}

static int pids(const struct rx *x, const struct oj *r)
{
	static const char *const known[] = { "limit", NULL };
	struct oj p;
	int64_t limit = 0;
	char v[32];
	int rc = oj_child(r, "pids", json_type_object, &p, x->e);
	if (rc <= 0)
		return rc;
	if (oj_keys(&p, known, x->e) < 0 || (rc = oj_i64(&p, "limit", -1, INT64_MAX, &limit, x->e)) < 0)
		return -1;
	if (rc == 0)
		return 0;
	num(v, limit <= 0 ? -1 : limit, true);
	return put(x, &p, "limit", "pids", "pids.max", v);
}

int cg_resources(const struct cg_groups *g, json_object *res, bool dry, struct ctr_err *e)
{
	static const char *const known[] = {
		"memory", "cpu", "pids", "devices", "blockIO", "hugepageLimits", "unified", NULL,
	};
	struct rx x = { g, dry, e };
	struct oj r = { .o = res, .path = "linux.resources" };
	if (oj_keys(&r, known, e) < 0)
		return -1;
	/* devices: checked here, set by cg_devices (oci-devrules.c); unified last */
	if (memory(&x, &r) < 0 || cpu(&x, &r) < 0 || pids(&x, &r) < 0 ||
	    cg_resource_files(dry ? NULL : g, &r, e) < 0 || (dry && cg_devices(NULL, res, NULL, 0, e) < 0))
		return -1;
	return 0;
}
