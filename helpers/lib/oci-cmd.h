/* oci-cmd.h - ctr-oci's verbs, one function each (oci-create.c,
 * oci-start.c, oci-verbs.c, oci-exec.c, oci-info.c); ctr-oci.c dispatches. */
#ifndef CTR_OCI_CMD_H
#define CTR_OCI_CMD_H

#include "oci-state.h"
#include "opt.h"

typedef int oci_cmd(const struct oci_ctx *g, int argc, char **argv);

oci_cmd oci_create, oci_start, oci_run, oci_state, oci_list, oci_kill, oci_delete,
	oci_pause, oci_resume, oci_ps, oci_update, oci_exec, oci_spec, oci_features;

/* shared by the verbs */
int oci_getopt(const struct ctr_opt *t, bool permute, int argc, char **argv, int *c,
	       const char **arg, struct ctr_err *e);
int oci_one_id(int argc, char **argv, int min, int max, struct ctr_err *e);
pid_t oci_create_container(const struct oci_ctx *g, const char *id, const char *bundle,
			   const char *console, int relay, const char *pid_file, struct oci_state *st,
			   struct ctr_err *e);
int oci_start_container(const struct oci_ctx *g, struct oci_state *st, struct ctr_err *e);
int oci_destroy(const struct oci_ctx *g, struct oci_state *st, bool force, struct ctr_err *e);
struct oci_config;
int oci_load_saved(const struct oci_state *st, struct oci_config *c, struct ctr_err *e);
int oci_signal(const char *s, struct ctr_err *e);

#endif
