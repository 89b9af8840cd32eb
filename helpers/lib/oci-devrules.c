/* oci-devrules.c - linux.resources.devices: the device rules of an OCI
 * container's group. Every device denied (as runc starts), then the
 * config's allow and deny rules in order, then the
 * nodes every container may use (devices.c's harmless list, as runc adds
 * its own) and the nodes of linux.devices (rwm), all read as cgroup v1 reads
 * them (devices.c's model), so that they mean the same everywhere:
 *   v1 and hybrid: the devices controller of the group;
 *   v2: an eBPF program on the group, replacing the one it held (`update`);
 *       also on a hybrid host with CTR_DEVICE_CONTROL=bpf (as `ctr run`),
 *       on the group's unified directory.
 * cg_devices(NULL, ...) only checks the rules (config.json, `update`).
 * At create they are set before the init exists; at update only when the
 * update has a devices list. Errors name the field.
 */
#include "oci-cgroup.h"
#include "oci-json.h"
#include "devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_rule(const struct oj *d, bool *allow, struct dev_rule *r, struct ctr_err *e)
{
	static const char *const known[] = { "allow", "type", "major", "minor", "access", NULL };
	const char *type = "a", *access = "rwm";
	int64_t major = DEV_ANY, minor = DEV_ANY;
	*allow = false;
	if (oj_keys(d, known, e) < 0 || oj_bool(d, "allow", allow, e) < 0 || oj_str(d, "type", &type, e) < 0 ||
	    oj_i64(d, "major", -1, 0xfff, &major, e) < 0 || oj_i64(d, "minor", -1, 0xfffff, &minor, e) < 0 ||
	    oj_str(d, "access", &access, e) < 0)
		return -1;
	if (strcmp(type, "a") && strcmp(type, "c") && strcmp(type, "b"))
		return oj_bad(d, "type", e, "a, c or b");
	if (!*access || strspn(access, "rwm") != strlen(access))
		return oj_bad(d, "access", e, "letters of rwm");
	*r = (struct dev_rule){ *type, major, minor, 0 };
	r->access = (strchr(access, 'r') ? DEV_R : 0) | (strchr(access, 'w') ? DEV_W : 0) |
		    (strchr(access, 'm') ? DEV_M : 0);
	return 0;
}

/* The directory whose device rules the container's are. */
static const char *rules_dir(const struct cg_groups *g, struct ctr_err *e)
{
	const char *bpf = getenv("CTR_DEVICE_CONTROL");
	if (g->l.mode == CG_V2 || (bpf && !strcmp(bpf, "bpf") && *g->unified))
		return g->unified;
	const char *d = cg_dir(g, "devices");
	if (!d && *g->unified)  /* nsenter-chroot --config: the caller made no v1 devices group */
		return g->unified;
	if (!d)
		ctr_fail(e, 0, "config.json: linux.resources.devices: this host has no devices controller");
	return d;
}

int cg_devices(const struct cg_groups *g, json_object *res, const struct ctr_device *nodes, size_t n,
	       struct ctr_err *e)
{
	static struct dev_rules rules;
	struct oj r = { .o = res, .path = "linux.resources" }, a, d;
	dev_rules_init(&rules, false);  /* every device denied until the list says (runc) */
	int rc = oj_child(&r, "devices", json_type_array, &a, e);
	if (rc < 0)
		return -1;
	for (size_t i = 0; rc > 0 && i < json_object_array_length(a.o); i++) {
		struct dev_rule x;
		bool allow;
		if (oj_index(&a, i, json_type_object, &d, e) < 0 || parse_rule(&d, &allow, &x, e) < 0)
			return -1;
		if (dev_rules_add(&rules, allow, &x) < 0)
			return oj_bad(&r, "devices", e, "more than %d exceptions", DEV_MAX_EXCEPTIONS);
	}
	if (!g)
		return 0;
	/* runc's order: the config's rules, then the harmless nodes */
	if (dev_rules_defaults(&rules) < 0)
		return oj_bad(&r, "devices", e, "more than %d exceptions", DEV_MAX_EXCEPTIONS);
	for (size_t i = 0; i < n; i++) {
		struct dev_rule x = { nodes[i].type, (int64_t)nodes[i].major, (int64_t)nodes[i].minor, DEV_RWM };
		if (nodes[i].type != 'p' && dev_rules_add(&rules, true, &x) < 0)
			return oj_bad(&r, "devices", e, "more than %d exceptions", DEV_MAX_EXCEPTIONS);
	}
	const char *dir = rules_dir(g, e);
	if (!dir)
		return -1;
	if (dev_rules_install(dir, &rules, e) < 0) {
		char why[sizeof(e->msg)];
		snprintf(why, sizeof(why), "%s", e->msg);
		return ctr_fail(e, e->errnum, "config.json: linux.resources.devices: %s", why);
	}
	return 0;
}
