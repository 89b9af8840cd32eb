/* Unit tests of lib/exec.c's PATH search and lib/error.c's exit codes, on
 * fixture directories (each search runs in a child: a found program execs). */
#include "tap.h"
#include "env.h"
#include "error.h"
#include "exec.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/ctr-unit-exec.XXXXXX";

static void put(const char *name, const char *text, mode_t mode)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) < 0 || close(fd) < 0 || chmod(path, mode) < 0)
		exit(2);
}

/* Run exec_search(prog) with PATH=path in a child: its exit status is the
 * program's (found) or 200 + the errno returned (not found). */
static int search(const char *prog, const char *path)
{
	char pathvar[512];
	snprintf(pathvar, sizeof(pathvar), "PATH=%s", path);
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { (char *)prog, NULL };
		char *envp[] = { pathvar, NULL };
		_exit(200 + exec_search(argv, envp));
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int main(void)
{
	char path[512], a[160], b[160];
	if (!mkdtemp(dir))
		exit(2);
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	if (mkdir(a, 0755) < 0 || mkdir(b, 0755) < 0)
		exit(2);
	put("a/noexec", "#!/bin/sh\nexit 3\n", 0644);
	put("b/noexec", "#!/bin/sh\nexit 4\n", 0755);
	put("b/prog", "#!/bin/sh\nexit 5\n", 0755);
	put("a/plain", "not a dir\n", 0644);

	snprintf(path, sizeof(path), "%s:%s", a, b);
	ok(search("prog", path) == 5, "found in the second PATH directory");
	ok(search("noexec", path) == 4, "EACCES in one directory, found in the next");
	snprintf(path, sizeof(path), "%s", a);
	ok(search("noexec", path) == 200 + EACCES, "only a non-executable file: EACCES");
	ok(search("none", path) == 200 + ENOENT, "not found anywhere: ENOENT");
	snprintf(path, sizeof(path), "%s/plain:%s", a, b);
	ok(search("prog", path) == 5, "a PATH entry that is a file (ENOTDIR) is skipped");
	snprintf(path, sizeof(path), "%s/plain/prog", a);
	ok(search(path, "/nonexistent") == 200 + ENOTDIR, "a path through a file: ENOTDIR");
	snprintf(path, sizeof(path), "%s/prog", b);
	ok(search(path, "/nonexistent") == 5, "a path with a slash is not searched");
	ok(search("", b) == 200 + ENOENT, "an empty name: ENOENT");
	if (chdir(b) < 0)
		exit(2);
	ok(search("prog", "/nonexistent:") == 5, "an empty PATH entry is the current directory");

	ok(ctr_exec_code(ENOENT) == 127, "ENOENT: 127 not found");
	ok(ctr_exec_code(ENOTDIR) == 127, "ENOTDIR: 127 not found (as dash and busybox sh)");
	ok(ctr_exec_code(EACCES) == 126, "EACCES: 126 cannot execute");
	ok(ctr_exec_code(ENOEXEC) == 126, "ENOEXEC: 126 cannot execute");
	ok(ctr_status_code(3 << 8) == 3, "exit status 3");
	ok(ctr_status_code(9) == 137, "killed by SIGKILL: 137");

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cleanup of %s failed\n", dir);
	return tap_done();
}
