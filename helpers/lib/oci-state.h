/* oci-state.h - an OCI container's state in --root (oci-state.c), and
 * what every verb shares (oci-log.c). */
#ifndef CTR_OCI_STATE_H
#define CTR_OCI_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

#define OCI_ID_MAX 128

/* The global options: where state lives, where errors go. */
struct oci_ctx {
	const char *root;         /* --root, default /run/ctr-oci */
	const char *log;          /* --log FILE or NULL */
	bool log_json;            /* --log-format json */
	bool debug;
};

struct oci_state {
	char id[OCI_ID_MAX + 1];
	char dir[PATH_MAX];       /* ROOT/ID */
	pid_t pid;
	unsigned long long start_time;  /* /proc/PID/stat field 22: pid reuse */
	char bundle[PATH_MAX];
	char cgroup[PATH_MAX];    /* cgroupsPath */
	long long created;        /* unix seconds */
};

enum oci_status { OCI_CREATING, OCI_CREATED, OCI_RUNNING, OCI_STOPPED, OCI_PAUSED };

extern const char *const oci_status_names[];

int oci_id_check(const char *id, struct ctr_err *e);
int oci_state_dir(const struct oci_ctx *g, const char *id, char *dir, struct ctr_err *e);
int oci_state_load(const struct oci_ctx *g, const char *id, struct oci_state *st, struct ctr_err *e);
int oci_state_save(const struct oci_state *st, struct ctr_err *e);
int oci_state_remove(const struct oci_state *st, struct ctr_err *e);
enum oci_status oci_status(const struct oci_state *st);
char *oci_state_json(const struct oci_state *st, enum oci_status status);
unsigned long long oci_proc_start(pid_t pid);
bool oci_alive(const struct oci_state *st);

void oci_log(const struct oci_ctx *g, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int oci_fail(const struct oci_ctx *g, const struct ctr_err *e);

#endif
