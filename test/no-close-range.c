/* no-close-range - run a program where close_range(2) fails with EPERM, as
 * under an old container runtime's seccomp profile, for test/fds.bats: the
 * helpers must then close the caller's fds one by one (helpers/lib/fds.c).
 *
 * Usage: no-close-range PROG [ARG...]
 * Exit: PROG's (it is exec'd); 125 if the filter cannot be loaded.
 */
#define PROG "no-close-range"
#include "../images/progs/prog.h"

#include <seccomp.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: no-close-range PROG [ARG...]");
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		die("seccomp_init failed");
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(close_range), 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
	if (rc < 0) {
		errno = -rc;
		die_errno("seccomp filter");
	}
	seccomp_release(ctx);
	execvp(argv[1], argv + 1);
	die_errno("exec %s", argv[1]);
}
