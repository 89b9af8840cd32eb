/* oci-tty.h - a pty relay for `run` and `exec --tty` without
 * --console-socket (oci-tty.c). */
#ifndef CTR_OCI_TTY_H
#define CTR_OCI_TTY_H

#include <sys/types.h>

#include "error.h"
#include "spec.h"

int oci_tty_pair(int sp[2], struct ctr_err *e);
void oci_tty_size(struct ctr_spec *s);
int oci_tty_master(int sock, struct ctr_err *e);
int oci_tty_relay(int master, pid_t pid, int *status, struct ctr_err *e);

#endif
