/* init.h - the tiny PID 1 of --init (init.c). */
#ifndef CTR_INIT_H
#define CTR_INIT_H

#include <signal.h>
#include <stddef.h>

void init_set_cmdline(char *args, size_t len);
__attribute__((noreturn))
void init_run(char **argv, char **envp, int console, const sigset_t *fwd, int ready,
	      int keep);

#endif
