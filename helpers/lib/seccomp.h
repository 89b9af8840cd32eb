/* seccomp.h - the default seccomp filter (seccomp.c). */
#ifndef CTR_SECCOMP_H
#define CTR_SECCOMP_H

#include <stdint.h>

void seccomp_load_default(uint64_t caps);

#endif
