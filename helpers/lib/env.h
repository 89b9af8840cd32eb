/* env.h - PROG's clean environment (env.c). */
#ifndef CTR_ENV_H
#define CTR_ENV_H

#include <stdbool.h>
#include <stddef.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void env_put(char **env, size_t *n, char *kv);
const char *env_get(char *const *env, const char *k);
char **env_build(const char *const *add, size_t nadd, const char *hostname,
		 const char *home, bool tty);
void env_free(char **env);

#endif
