/* Unit tests of lib/fds.c: fds_close_except closes every fd >= 3 but the
 * kept ones, with close_range(2) and, where a seccomp filter refuses it
 * (EPERM, ENOSYS), through /proc/self/fd. Each case runs in a forked child
 * (closing every fd must not reach the sanitizers' own), which reports the
 * fds it still has as a bit mask on a pipe. */
#include "tap.h"
#include "fds.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LO 20   /* the test's fds: LO..HI, made by dup2 */
#define HI 40

static int is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Refuse close_range with err in this process (no_new_privs: no root
 * needed). A raw filter: the unit tests' include path has lib/seccomp.h
 * where libseccomp's <seccomp.h> would be. */
static int refuse_close_range(int err)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close_range, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* In a child: open LO..HI, refuse close_range with refuse (0: allow), call
 * fds_close_except(keep, n). Returns the mask of LO..HI still open (bit
 * fd - LO), bit 62 if fds 0-2 are not all open, bit 63 if the call or the
 * setup failed. */
static uint64_t run_case(const int *keep, size_t n, int refuse)
{
	int p[2];
	uint64_t mask = UINT64_MAX;
	if (pipe(p) < 0)
		return mask;
	pid_t pid = fork();
	if (pid == 0) {
		uint64_t m = 0;
		int fd = open("/dev/null", O_RDONLY);
		for (int i = LO; i <= HI; i++)
			if (fd < 0 || dup2(fd, i) < 0)
				m |= 1ULL << 63;
		if (fd >= 0 && fd != p[1] && fd < LO)
			close(fd);
		/* the report pipe's write end goes to fd 3, kept below by every case */
		if (dup2(p[1], 3) < 0 || (refuse && refuse_close_range(refuse) < 0))
			m |= 1ULL << 63;
		if (fds_close_except(keep, n) < 0)
			m |= 1ULL << 63;
		for (int i = LO; i <= HI; i++)
			if (is_open(i))
				m |= 1ULL << (i - LO);
		if (!is_open(0) || !is_open(1) || !is_open(2))
			m |= 1ULL << 62;
		_exit(write(3, &m, sizeof(m)) == (ssize_t)sizeof(m) ? 0 : 1);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &mask, sizeof(mask)) != (ssize_t)sizeof(mask))
		mask = UINT64_MAX;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return mask;
}

static uint64_t bits(const int *fds, size_t n)
{
	uint64_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= LO && fds[i] <= HI)
			m |= 1ULL << (fds[i] - LO);
	return m;
}

static void cases(int refuse, const char *how)
{
	const int none[] = { 3 };
	const int some[] = { 3, 33, 21, -1, 1, 33, 40, 22 };  /* any order, repeats, < 3 */
	const int edges[] = { 3, LO, LO + 2, HI };
	uint64_t m;

	m = run_case(none, 1, refuse);
	ok(m == 0, "%s: nothing kept: every fd >= 3 closed (mask %#llx)", how, (unsigned long long)m);
	m = run_case(some, sizeof(some) / sizeof(some[0]), refuse);
	ok(m == bits(some, sizeof(some) / sizeof(some[0])),
	   "%s: unsorted keep list with repeats and fds < 3: exactly 21 22 33 40 kept (mask %#llx)",
	   how, (unsigned long long)m);
	m = run_case(edges, 4, refuse);
	ok(m == bits(edges, 4), "%s: the first and last fd kept, a gap of one closed (mask %#llx)",
	   how, (unsigned long long)m);
}

int main(void)
{
	cases(0, "close_range");
	cases(EPERM, "close_range refused (EPERM)");
	cases(ENOSYS, "close_range missing (ENOSYS)");
	return tap_done();
}
