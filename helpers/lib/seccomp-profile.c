/* seccomp-profile.c - load an OCI seccomp profile (checked and resolved by
 * oci-seccomp.c) with libseccomp: the child's last step before execve
 * (before the privileges drop without noNewPrivileges), so it dies on
 * failure. Kept apart from the parser: nsenter-chroot links the
 * child without json-c. A rule whose action is the default one is skipped
 * (libseccomp refuses it).
 */
#include "oci-seccomp.h"
#include "error.h"

#include <errno.h>
#include <stdbool.h>
#include <seccomp.h>

__attribute__((noreturn))
static void sc_die(int rc, const char *what)
{
	errno = -rc;
	die_errno("seccomp %s", what);
}

void oci_seccomp_load(const struct oci_seccomp *p)
{
	scmp_filter_ctx ctx = seccomp_init(p->default_action);
	int rc = 0;
	if (!ctx)
		die("seccomp init: bad default action or out of memory");
	for (unsigned int i = 0; i < p->narches; i++)
		if ((rc = seccomp_arch_add(ctx, p->arches[i])) < 0 && rc != -EEXIST)
			sc_die(rc, "add architecture");
	/* libseccomp sets no_new_privs on load unless told not to: the
	 * config's noNewPrivileges decides (privileges_drop), as with runc */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
		sc_die(rc, "no_new_privs attribute");
	if ((p->flags & 1) && (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0)
		sc_die(rc, "flag TSYNC");
	if ((p->flags & 2) && (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1)) < 0)
		sc_die(rc, "flag LOG");
	if ((p->flags & 4) && (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1)) < 0)
		sc_die(rc, "flag SPEC_ALLOW");
	for (unsigned int i = 0; i < p->nrules; i++) {
		const struct oci_sc_rule *r = &p->rules[i];
		struct scmp_arg_cmp cmp[6];
		if (r->action == p->default_action)
			continue;  /* libseccomp refuses a rule that changes nothing */
		for (unsigned int k = 0; k < r->nargs; k++) {
			cmp[k].arg = r->args[k].index;
			cmp[k].op = (enum scmp_compare)r->args[k].op;
			cmp[k].datum_a = r->args[k].value;
			cmp[k].datum_b = r->args[k].value2;
		}
		bool same_arg = false;  /* libseccomp takes one condition per argument */
		for (unsigned int a = 0; a < r->nargs; a++)
			for (unsigned int b = a + 1; b < r->nargs; b++)
				same_arg = same_arg || cmp[a].arg == cmp[b].arg;
		if (!same_arg)
			rc = seccomp_rule_add_array(ctx, r->action, r->nr, r->nargs, cmp);
		for (unsigned int k = 0; same_arg && k < r->nargs; k++)  /* as runc: one rule each */
			if ((rc = seccomp_rule_add_array(ctx, r->action, r->nr, 1, &cmp[k])) < 0)
				break;
		if (rc < 0 && rc != -EEXIST)
			sc_die(rc, "rule");
	}
	if ((rc = seccomp_load(ctx)) < 0)
		sc_die(rc, "load");
	seccomp_release(ctx);
}
