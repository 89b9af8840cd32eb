/* fsioc - make one filesystem or terminal ioctl, to test which ones a container may make.
 *
 * Usage: fsioc VERB ARG...
 *   create PATH          BTRFS_IOC_SUBVOL_CREATE: a new subvolume at PATH
 *   snapshot SRC DST     BTRFS_IOC_SNAP_CREATE_V2: a writable snapshot of subvolume SRC at DST
 *   ro PATH              BTRFS_IOC_SUBVOL_SETFLAGS: make subvolume PATH read-only
 *   delete PATH          BTRFS_IOC_SNAP_DESTROY: delete subvolume PATH
 *   getflags PATH        FS_IOC_GETFLAGS (what lsattr reads): prints "flags=0x..."
 *   setflags +i|-i|+a|-a PATH   FS_IOC_SETFLAGS (what chattr does): immutable, append-only
 *   clone SRC DST        FICLONE (cp --reflink): DST (created) shares SRC's extents
 *   fionread             FIONREAD on a pipe holding 3 bytes: prints "fionread=3"
 *   tty                  TIOCGPTN, TIOCSPTLCK on /dev/ptmx, TCGETS, TIOCGWINSZ on its slave
 * Output: nothing on success unless said above; on failure "fsioc: <verb> <path>: <strerror>"
 * on stderr (a test greps it for "Operation not permitted").
 * Exit: 0 the ioctl succeeded; 1 it (or the open before it) failed; 125 usage error.
 */
#define PROG "fsioc"
#include "prog.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/btrfs.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <termios.h>

#define USAGE "usage: fsioc create PATH | snapshot SRC DST | ro PATH | delete PATH | getflags PATH\n" \
	"       | setflags +i|-i|+a|-a PATH | clone SRC DST | fionread | tty"

/* fail: report a failed step with errno and exit 1 (a test's expected outcome, not a crash). */
__attribute__((noreturn))
static void fail(const char *verb, const char *path)
{
	fprintf(stderr, "%s: %s %s: %s\n", PROG, verb, path, strerror(errno));
	exit(1);
}

static int open_or_fail(const char *verb, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		fail(verb, path);
	return fd;
}

/* open_parent: fd of PATH's directory; NAME (SIZE bytes) gets PATH's last component. */
static int open_parent(const char *verb, const char *path, char *name, size_t size)
{
	char a[PATH_MAX], b[PATH_MAX];
	if (strlen(path) >= sizeof(a) || strlen(basename(strcpy(b, path))) >= size)
		die("%s: path too long", path);
	strcpy(name, basename(strcpy(b, path)));
	return open_or_fail(verb, dirname(strcpy(a, path)), O_RDONLY | O_DIRECTORY);
}

static void subvol_create(const char *path)
{
	struct btrfs_ioctl_vol_args args = { 0 };
	int dir = open_parent("create", path, args.name, sizeof(args.name));
	if (ioctl(dir, BTRFS_IOC_SUBVOL_CREATE, &args) < 0)
		fail("create", path);
}

static void subvol_snapshot(const char *src, const char *dst)
{
	struct btrfs_ioctl_vol_args_v2 args = { 0 };
	int dir = open_parent("snapshot", dst, args.name, sizeof(args.name));
	args.fd = open_or_fail("snapshot", src, O_RDONLY | O_DIRECTORY);
	if (ioctl(dir, BTRFS_IOC_SNAP_CREATE_V2, &args) < 0)
		fail("snapshot", dst);
}

static void subvol_ro(const char *path)
{
	__u64 flags = BTRFS_SUBVOL_RDONLY;
	int fd = open_or_fail("ro", path, O_RDONLY | O_DIRECTORY);
	if (ioctl(fd, BTRFS_IOC_SUBVOL_SETFLAGS, &flags) < 0)
		fail("ro", path);
}

static void subvol_delete(const char *path)
{
	struct btrfs_ioctl_vol_args args = { 0 };
	int dir = open_parent("delete", path, args.name, sizeof(args.name));
	if (ioctl(dir, BTRFS_IOC_SNAP_DESTROY, &args) < 0)
		fail("delete", path);
}

static void get_flags(const char *path)
{
	int flags = 0;
	int fd = open_or_fail("getflags", path, O_RDONLY | O_NONBLOCK);
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		fail("getflags", path);
	printf("flags=0x%x\n", (unsigned)flags);
}

static void set_flags(const char *change, const char *path)
{
	int flags = 0, bit;
	if (strcmp(change + 1, "i") == 0)
		bit = FS_IMMUTABLE_FL;
	else if (strcmp(change + 1, "a") == 0)
		bit = FS_APPEND_FL;
	else
		die("%s: expected +i, -i, +a or -a\n%s", change, USAGE);
	int fd = open_or_fail("setflags", path, O_RDONLY | O_NONBLOCK);
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		fail("setflags", path);
	if (change[0] == '+')
		flags |= bit;
	else if (change[0] == '-')
		flags &= ~bit;
	else
		die("%s: expected +i, -i, +a or -a\n%s", change, USAGE);
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
		fail("setflags", path);
}

static void clone_file(const char *src, const char *dst)
{
	int in = open_or_fail("clone", src, O_RDONLY);
	int out = open_or_fail("clone", dst, O_WRONLY | O_CREAT | O_TRUNC);
	if (ioctl(out, FICLONE, in) < 0)
		fail("clone", dst);
}

static void fionread(void)
{
	int p[2], n = 0;
	if (pipe(p) < 0)
		fail("fionread", "pipe");
	if (write(p[1], "abc", 3) != 3)
		fail("fionread", "write");
	if (ioctl(p[0], FIONREAD, &n) < 0)
		fail("fionread", "pipe");
	printf("fionread=%d\n", n);
}

static void tty(void)
{
	struct termios t;
	struct winsize w;
	unsigned int n;
	int unlock = 0;
	char slave[32];
	int m = open_or_fail("tty", "/dev/ptmx", O_RDWR | O_NOCTTY);
	if (ioctl(m, TIOCGPTN, &n) < 0)
		fail("tty TIOCGPTN", "/dev/ptmx");
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		fail("tty TIOCSPTLCK", "/dev/ptmx");
	snprintf(slave, sizeof(slave), "/dev/pts/%u", n);
	int s = open_or_fail("tty", slave, O_RDWR | O_NOCTTY);
	if (ioctl(s, TCGETS, &t) < 0)
		fail("tty TCGETS", slave);
	if (ioctl(s, TIOCGWINSZ, &w) < 0)
		fail("tty TIOCGWINSZ", slave);
}

int main(int argc, char **argv)
{
	const char *v = argc > 1 ? argv[1] : "";
	if (strcmp(v, "create") == 0 && argc == 3)
		subvol_create(argv[2]);
	else if (strcmp(v, "snapshot") == 0 && argc == 4)
		subvol_snapshot(argv[2], argv[3]);
	else if (strcmp(v, "ro") == 0 && argc == 3)
		subvol_ro(argv[2]);
	else if (strcmp(v, "delete") == 0 && argc == 3)
		subvol_delete(argv[2]);
	else if (strcmp(v, "getflags") == 0 && argc == 3)
		get_flags(argv[2]);
	else if (strcmp(v, "setflags") == 0 && argc == 4)
		set_flags(argv[2], argv[3]);
	else if (strcmp(v, "clone") == 0 && argc == 4)
		clone_file(argv[2], argv[3]);
	else if (strcmp(v, "fionread") == 0 && argc == 2)
		fionread();
	else if (strcmp(v, "tty") == 0 && argc == 2)
		tty();
	else
		die("%s", USAGE);
	return 0;
}
