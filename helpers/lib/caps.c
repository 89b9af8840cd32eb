/* caps.c - capabilities. Parent side (return errors): cap_number (docker's
 * spelling to a number), caps_compute (default set - drops + adds, within
 * what this process holds). Child side (dies): privileges_drop, the last
 * step before seccomp: bounding set, ids, process sets, ambient,
 * no_new_privs, in that order.
 */
#include "caps.h"
#include "namespace.h"

#include <signal.h>
#include <stdio.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <grp.h>
#include <unistd.h>

/* A capability name as docker writes it (NET_ADMIN, CAP_NET_ADMIN, any case)
 * to its number; ALL is -1; -2 with e for an unknown name. */
int cap_number(const char *name, struct ctr_err *e)
{
	char buf[64] = "cap_";
	cap_value_t v;
	if (strcasecmp(name, "ALL") == 0)
		return -1;
	if (strncasecmp(name, "cap_", 4) == 0)
		name += 4;
	if (snprintf(buf + 4, sizeof(buf) - 4, "%s", name) >= (int)sizeof(buf) - 4)
		return ctr_misuse(e, "unknown capability: %s", name), -2;
	for (char *p = buf; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	if (cap_from_name(buf, &v) < 0 || v >= cap_max_bits())
		return ctr_misuse(e, "unknown capability: %s", name), -2;
	return v;
}

/* The capabilities the root of a new user namespace of ours will hold: our
 * bounding set (an unprivileged caller holds none on the host, and every
 * one of its bounding set over the namespaces it creates). */
static int caps_userns_root(uint64_t *held)
{
	*held = 0;
	for (cap_value_t c = 0; c < cap_max_bits() && c < 64; c++) {
		int r = cap_get_bound(c);
		if (r < 0)
			return -1;
		if (r)
			*held |= 1ULL << c;
	}
	return 0;
}

/* The bounding set: what root of a user namespace this process makes may
 * hold (an unprivileged caller's containers are all in one). */
int caps_bounding(uint64_t *held, struct ctr_err *e)
{
	if (caps_userns_root(held) < 0)
		return ctr_fail_errno(e, "cap_get_bound");
	return 0;
}

/* The capabilities this process holds (permitted): a container cannot get
 * more, so "all" means these. */
int caps_held(uint64_t *held, struct ctr_err *e)
{
	*held = 0;
	cap_t cur = cap_get_proc();
	if (!cur)
		return ctr_fail_errno(e, "cap_get_proc");
	for (cap_value_t c = 0; c < cap_max_bits() && c < 64; c++) {
		cap_flag_value_t v;
		if (cap_get_flag(cur, c, CAP_PERMITTED, &v) < 0) {
			ctr_fail_errno(e, "cap_get_flag");
			cap_free(cur);
			return -1;
		}
		if (v == CAP_SET)
			*held |= 1ULL << c;
	}
	cap_free(cur);
	return 0;
}

/* docker's default set (or all with privileged), minus the drops, plus the
 * adds (in that order: an add wins), within what we hold. */
int caps_compute(uint64_t *caps, bool privileged, bool own_userns, const char *const *drop,
		 size_t ndrop, const char *const *add, size_t nadd, struct ctr_err *e)
{
	uint64_t all;
	if (own_userns && caps_userns_root(&all) < 0)
		return ctr_fail_errno(e, "cap_get_bound");
	if (!own_userns && caps_held(&all, e) < 0)
		return -1;
	*caps = privileged ? all : ctr_default_caps();
	for (size_t i = 0; i < ndrop; i++) {
		int c = cap_number(drop[i], e);
		if (c < -1)
			return -1;
		*caps = c < 0 ? 0 : *caps & ~(1ULL << c);
	}
	for (size_t i = 0; i < nadd; i++) {
		int c = cap_number(add[i], e);
		if (c < -1)
			return -1;
		*caps = c < 0 ? all : *caps | 1ULL << c;
	}
	*caps &= all;
	return 0;
}

/* Set the process sets: effective and permitted as the spec says (none for a
 * non-root user when root_only), inheritable too. */
static void caps_set(const struct ctr_caps *k, uid_t uid)
{
	bool none = k->root_only && uid != 0;
	cap_t caps = cap_init();
	if (!caps)
		die_errno("cap_init");
	for (cap_value_t c = 0; !none && c < cap_max_bits(); c++) {
		if (((k->permitted >> c) & 1) && cap_set_flag(caps, CAP_PERMITTED, 1, &c, CAP_SET) < 0)
			die_errno("cap_set_flag");
		if (((k->effective >> c) & 1) && cap_set_flag(caps, CAP_EFFECTIVE, 1, &c, CAP_SET) < 0)
			die_errno("cap_set_flag");
		if (((k->inheritable >> c) & 1) && cap_set_flag(caps, CAP_INHERITABLE, 1, &c, CAP_SET) < 0)
			die_errno("cap_set_flag");
	}
	if (cap_set_proc(caps) < 0)
		die_errno("set capabilities");
	cap_free(caps);
}

/* Bounding set first (it needs CAP_SETPCAP), then the ids (groups first,
 * while still root), then the process's sets: root keeps caps in permitted
 * and effective, another user none (as docker). Inheritable stays empty and
 * ambient is cleared: with a non-empty inheritable set a file capability
 * could raise a non-root user (CVE-2022-24769). no_new_privs makes setuid
 * binaries and file capabilities inert. */
void privileges_drop(const struct ctr_spec *s, uid_t uid, gid_t gid)
{
	for (cap_value_t c = 0; c < cap_max_bits(); c++)
		if (!((s->caps.bounding >> c) & 1) && cap_drop_bound(c) < 0)
			die_errno("drop capability %d from the bounding set", c);
	/* also drops the host's groups in a userns (where setgroups is allowed) */
	if (s->ngroups ? setgroups(s->ngroups, s->groups) < 0 : groups_clear() < 0)
		die_errno("setgroups");
	if (setgid(gid) < 0)
		die_errno("setgid %u", (unsigned)gid);
	/* OCI: a non-root user may hold capabilities; setuid would clear the
	 * permitted set without keepcaps (caps_set raises them again after) */
	if (!s->caps.root_only && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		die_errno("keepcaps");
	if (setuid(uid) < 0)
		die_errno("setuid %u", (unsigned)uid);
	caps_set(&s->caps, uid);
	if (cap_reset_ambient() < 0)
		die_errno("clear ambient capabilities");
	/* OCI ambient: the kernel allows only what is permitted and inheritable
	 * (runc's default config lists ambient caps without inheritable ones:
	 * those are left out, as runc does) */
	uint64_t amb = s->caps.ambient & s->caps.inheritable & s->caps.permitted;
	for (cap_value_t c = 0; s->ambient_set && c < cap_max_bits(); c++)
		if (((amb >> c) & 1) && cap_set_ambient(c, CAP_SET) < 0)
			die_errno("raise ambient capability %d", c);
	if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_errno("no_new_privs");
	/* setuid cleared it; --detach: PID 1 outlives the helper (re-parented
	 * to the caller), so from here on it has none: the parent can die in
	 * setup, until here, and not leave a half-made container running */
	if (!s->outlive_parent && prctl(PR_SET_PDEATHSIG, s->detach ? 0 : SIGKILL) < 0)
		die_errno("set parent death signal");
}
