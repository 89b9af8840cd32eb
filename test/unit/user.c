/* Unit tests of lib/user.c: --user U[:G] on fixture passwd and group files. */
#include "tap.h"
#include "user.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/ctr-unit-user.XXXXXX";
static char passwd[64], group[64];

static void fixture(void)
{
	if (!mkdtemp(dir))
		exit(2);
	snprintf(passwd, sizeof(passwd), "%s/passwd", dir);
	snprintf(group, sizeof(group), "%s/group", dir);
	FILE *f = fopen(passwd, "w");
	if (!f)
		exit(2);
	fputs("root:x:0:0:root:/root:/bin/sh\n"
	      "daemon:x:1:1::/usr/sbin:/bin/false\n"
	      "nohome:x:1000:1001:no home:\n"
	      "short:x\n"
	      "www:x:33:33:www:/var/www:/bin/sh\n", f);
	fclose(f);
	f = fopen(group, "w");
	if (!f)
		exit(2);
	fputs("root:x:0:\nstaff:x:50:www\nwww-data:x:33:\n", f);
	fclose(f);
}

int main(void)
{
	struct user u;
	struct ctr_err e;
	fixture();

	ok(user_resolve(NULL, passwd, group, &u, &e) == 0 && u.uid == 0 && u.gid == 0 &&
	   strcmp(u.home, "/root") == 0, "no --user: root, HOME=/root");
	ok(user_resolve("www", passwd, group, &u, &e) == 0 && u.uid == 33 && u.gid == 33 &&
	   strcmp(u.home, "/var/www") == 0, "a name: its uid, gid and home");
	ok(user_resolve("1", passwd, group, &u, &e) == 0 && u.uid == 1 && u.gid == 1 &&
	   strcmp(u.home, "/usr/sbin") == 0, "a number that has an entry: the entry");
	ok(user_resolve("4242", passwd, group, &u, &e) == 0 && u.uid == 4242 && u.gid == 0 &&
	   strcmp(u.home, "/") == 0, "a number without an entry: gid 0, HOME=/ (docker)");
	ok(user_resolve("nohome", passwd, group, &u, &e) == 0 && u.uid == 1000 && u.gid == 1001 &&
	   strcmp(u.home, "/") == 0, "an empty home field: HOME=/");
	ok(user_resolve("www:staff", passwd, group, &u, &e) == 0 && u.uid == 33 && u.gid == 50,
	   "U:G by names");
	ok(user_resolve("www:7", passwd, group, &u, &e) == 0 && u.uid == 33 && u.gid == 7,
	   "U:G with a numeric group needs no entry");
	ok(user_resolve("ghost", passwd, group, &u, &e) < 0 && e.errnum == 0, "an unknown name fails");
	char want[128];
	snprintf(want, sizeof(want), "user ghost: not found in %s", passwd);
	is_str(e.msg, want, "... saying where it looked");
	ok(user_resolve("short", passwd, group, &u, &e) < 0, "a line with too few fields is no entry");
	ok(user_resolve("www:nogroup", passwd, group, &u, &e) < 0, "an unknown group fails");
	snprintf(want, sizeof(want), "group nogroup: not found in %s", group);
	is_str(e.msg, want, "... saying where it looked");
	ok(user_resolve("0", "/nonexistent/passwd", group, &u, &e) == 0 && u.uid == 0,
	   "no passwd file: numbers still work");
	ok(user_resolve("root", dir, group, &u, &e) < 0 && strstr(e.msg, "not a regular file"),
	   "a passwd that is not a regular file is refused");
	unlink(passwd);
	unlink(group);
	rmdir(dir);
	return tap_done();
}
