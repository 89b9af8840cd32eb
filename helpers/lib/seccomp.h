/* seccomp.h - the default seccomp filter (seccomp.c). */
#ifndef CTR_SECCOMP_H
#define CTR_SECCOMP_H

#include "bpf-cache.h"
#include "error.h"

#include <stdint.h>

int seccomp_default_prepare(uint64_t caps, struct ctr_bpf prog[BPF_CACHE_NPROG], struct ctr_err *e);
void seccomp_default_install(const struct ctr_bpf prog[BPF_CACHE_NPROG]);

#endif
