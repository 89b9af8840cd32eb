/* oci.h - an OCI bundle's config.json as a ctr_spec plus what only the OCI
 * runtime needs (oci-config.c, oci-process.c, oci-mounts.c, oci-linux.c). */
#ifndef CTR_OCI_H
#define CTR_OCI_H

#include <limits.h>
#include <stdbool.h>

#include "error.h"
#include "oci-json.h"
#include "spec.h"

enum oci_hook_kind {
	OCI_PRESTART, OCI_CREATE_RUNTIME, OCI_CREATE_CONTAINER, OCI_START_CONTAINER,
	OCI_POSTSTART, OCI_POSTSTOP, OCI_NHOOKS,
};

struct oci_hook {
	const char *path;
	const char **args;        /* NULL: { path } */
	const char **env;         /* NULL: empty */
	int timeout;              /* seconds, 0: none */
};

struct oci_sysctl {
	const char *key, *value;
};

struct oci_config {
	struct ctr_spec spec;
	json_object *json;        /* owns every string of the spec */
	char bundle[PATH_MAX];    /* absolute */
	char rootfs[PATH_MAX];    /* absolute */
	const char *version;      /* ociVersion */
	struct oci_hook *hooks[OCI_NHOOKS];
	size_t nhooks[OCI_NHOOKS];
	json_object *annotations; /* borrowed from json, or NULL */
	const char *cgroups_path; /* NULL: /<id> */
	json_object *resources;   /* linux.resources, checked, or NULL */
	struct oci_sysctl *sysctl;
	size_t nsysctl;
	const char *domainname;
	bool terminal;
	void **allocs;            /* freed with the config */
	size_t nallocs;
};

extern const char *const oci_hook_names[OCI_NHOOKS];

int oci_config_load(struct oci_config *c, const char *bundle, struct ctr_err *e);
int oci_config_file(struct oci_config *c, const char *path, const char *bundle, struct ctr_err *e);
int oci_config_parse(struct oci_config *c, const char *bundle, const char *text, struct ctr_err *e);
void oci_config_free(struct oci_config *c);
void *oci_alloc(struct oci_config *c, size_t n, size_t size);
char *oci_strdup(struct oci_config *c, const char *s);
void oci_own(struct oci_config *c, void *p);

int oci_process_parse(struct oci_config *c, const struct oj *p, struct ctr_err *e);
int oci_process_file(struct oci_config *c, const char *path, struct ctr_err *e);
int oci_mounts_parse(struct oci_config *c, const struct oj *root, struct ctr_err *e);
int oci_mounts_finish(struct oci_config *c, struct ctr_err *e);
int oci_linux_parse(struct oci_config *c, const struct oj *l, struct ctr_err *e);
int oci_hooks_parse(struct oci_config *c, const struct oj *h, struct ctr_err *e);

#endif
