/* env.c - the clean environment of PROG: PATH, HOME, HOSTNAME, TERM on a
 * terminal, then the --env values (a later one replaces an earlier K).
 * Nothing else of the caller's leaks in. Entry points: env_build (in the
 * child, once the user and hostname are known), env_get, env_put. Dies only
 * when out of memory.
 */
#include "env.h"
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set K=V in env (n entries, room for more, all allocated), replacing (and
 * freeing) an existing K; env takes kv. */
void env_put(char **env, size_t *n, char *kv)
{
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; i < *n; i++) {
		if (strncmp(env[i], kv, klen) == 0 && env[i][klen] == '=') {
			free(env[i]);
			env[i] = kv;
			return;
		}
	}
	env[(*n)++] = kv;
}

/* "K=V" (or K alone when v is NULL), allocated. */
static char *env_fmt(const char *k, const char *v)
{
	size_t len = strlen(k) + (v ? strlen(v) + 1 : 0) + 1;
	char *s = malloc(len);
	if (!s)
		die_errno("malloc");
	snprintf(s, len, v ? "%s=%s" : "%s", k, v ? v : "");
	return s;
}

/* The value of K in env (NULL-terminated), or NULL. */
const char *env_get(char *const *env, const char *k)
{
	size_t klen = strlen(k);
	for (; *env; env++)
		if (strncmp(*env, k, klen) == 0 && (*env)[klen] == '=')
			return *env + klen + 1;
	return NULL;
}

/* PROG's environment: tty says whether stdin or the console is a terminal
 * (then TERM is the caller's, or xterm). Every added entry is K=V (args.c
 * refuses a bare K): nothing is copied from the caller's environment. An
 * entry without '=' is skipped (defence in depth). */
char **env_build(const char *const *add, size_t nadd, const char *hostname,
		 const char *home, bool tty)
{
	char **env = calloc(nadd + 5, sizeof(*env));
	size_t n = 0;
	const char *term = getenv("TERM");
	if (!env)
		die_errno("calloc");
	env[n++] = env_fmt("PATH", DEFAULT_PATH);
	env[n++] = env_fmt("HOME", home);
	env[n++] = env_fmt("HOSTNAME", hostname);
	if (tty)
		env[n++] = env_fmt("TERM", term && *term ? term : "xterm");
	for (size_t i = 0; i < nadd; i++) {
		const char *eq = strchr(add[i], '=');
		if (!eq || eq == add[i])
			continue;
		char *kv = strdup(add[i]);
		if (!kv)
			die_errno("strdup");
		env_put(env, &n, kv);
	}
	return env;
}

/* Free an environment of env_build. */
void env_free(char **env)
{
	for (char **p = env; *p; p++)
		free(*p);
	free(env);
}
