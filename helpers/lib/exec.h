/* exec.h - sealed re-exec, PATH search, signal reset (exec.c). */
#ifndef CTR_EXEC_H
#define CTR_EXEC_H

void reexec_sealed(char **argv);
int exec_sealed_sibling(const char *path);
int exec_search(char **argv, char **envp);
void signals_reset(void);
__attribute__((noreturn))
void exec_prog(char **argv, char **envp, int ready, int keep);

/* The child's word on the ready pipe: this byte once set up, then the errno
 * of a failed execve (nothing more: PROG runs). */
#define READY_BYTE 'R'

#endif
