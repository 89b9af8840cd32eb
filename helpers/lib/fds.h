/* fds.h - close every fd a process does not own (fds.c). */
#ifndef CTR_FDS_H
#define CTR_FDS_H

#include <stddef.h>

int fds_close_except(const int *keep, size_t n);

#endif
