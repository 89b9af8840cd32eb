/* Unit tests of lib/env.c: PROG's clean environment. */
#include "tap.h"
#include "env.h"

#include <stdlib.h>

static size_t count(char **env)
{
	size_t n = 0;
	while (env[n])
		n++;
	return n;
}

int main(void)
{
	setenv("TERM", "vt100", 1);
	setenv("SECRET", "host", 1);
	unsetenv("NOT_SET_ANYWHERE");

	const char *none[] = { NULL };
	char **e = env_build(none, 0, "box", "/root", false);
	is_str(env_get(e, "PATH"), DEFAULT_PATH, "PATH is the default");
	is_str(env_get(e, "HOME"), "/root", "HOME");
	is_str(env_get(e, "HOSTNAME"), "box", "HOSTNAME");
	ok(!env_get(e, "TERM"), "no TERM without a terminal");
	ok(!env_get(e, "SECRET"), "nothing of the caller's leaks in");
	ok(count(e) == 3, "three variables");

	env_free(e);
	e = env_build(none, 0, "box", "/", true);
	is_str(env_get(e, "TERM"), "vt100", "TERM is the caller's on a terminal");
	unsetenv("TERM");
	env_free(e);
	e = env_build(none, 0, "box", "/", true);
	is_str(env_get(e, "TERM"), "xterm", "TERM defaults to xterm");

	const char *add[] = { "A=1", "HOME=/home/x", "A=2", "SECRET", "NOT_SET_ANYWHERE", "B=" };
	env_free(e);
	e = env_build(add, 6, "box", "/root", false);
	is_str(env_get(e, "A"), "2", "a later --env wins");
	is_str(env_get(e, "HOME"), "/home/x", "--env overrides HOME");
	ok(!env_get(e, "SECRET"), "K alone copies nothing of the caller's");
	ok(!env_get(e, "NOT_SET_ANYWHERE"), "K alone, unset, is skipped");
	is_str(env_get(e, "B"), "", "an empty value is kept");
	ok(count(e) == 5, "PATH HOME HOSTNAME A B");
	ok(!env_get(e, "AB"), "env_get matches whole names");
	env_free(e);
	return tap_done();
}
