/* shim-log.c - ctr-shim's log: CRI records, one per line, each written with
 * one write() so records never interleave:
 * `<RFC3339Nano UTC> <stdout|stderr> <F|P> <text>` (P: a part of a line, cut
 * at LINE_CAP or at EOF). Entry points: log_open (before PROG starts: dies),
 * log_lines (a stream's complete lines), log_record. With --log-max-size a
 * record that would take the log past the cap first rotates it: log -> log.1
 * (the older log.1 replaced), a new log. A failed write or rotation is warned
 * about once; the shim carries on (it never dies or blocks over its log).
 */
#include "shim.h"
#include "error.h"
#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* RFC 3339 UTC time with nanoseconds, as CRI logs have it. */
size_t log_timestamp(char *buf, size_t cap)
{
	struct timespec ts = { 0, 0 };
	struct tm tm;
	size_t n;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		ts.tv_sec = 0;
	if (!gmtime_r(&ts.tv_sec, &tm))
		memset(&tm, 0, sizeof(tm));
	n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, cap - n, ".%09ldZ", (long)ts.tv_nsec);
	return n;
}

/* Rename log to log.1 (replacing it) in the log's directory and open a new
 * log. On a failure the old log stays (renamed back if need be) and takes
 * the records; the next try is a cap's worth of bytes later. */
static void log_rotate(void)
{
	char old[NAME_MAX + 3];
	int fd = -1, err;
	snprintf(old, sizeof(old), "%s.1", shim.log_base);
	shim.log_size = 0;
	if (renameat(shim.log_dir, shim.log_base, shim.log_dir, old) < 0)
		goto fail;
	fd = openat(shim.log_dir, shim.log_base, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0) {
		err = errno;
		(void)renameat(shim.log_dir, old, shim.log_dir, shim.log_base);
		errno = err;
		goto fail;
	}
	if (close(shim.log_fd) < 0 && !shim.log_failed) {
		warn_errno("close %s", old);
		shim.log_failed = 1;
	}
	shim.log_fd = fd;
	return;
fail:
	if (!shim.log_rotate_failed)
		warn_errno("rotate %s", shim_opt.log);
	shim.log_rotate_failed = 1;
}

/* Append one record with a single write(), so records never interleave. */
void log_record(const char *stream, char tag, const char *text, size_t len)
{
	static char rec[64 + LINE_CAP + 1];
	size_t n = log_timestamp(rec, 48);
	n += (size_t)snprintf(rec + n, 64 - n, " %s %c ", stream, tag);
	memcpy(rec + n, text, len);
	n += len;
	rec[n++] = '\n';
	if (shim.log_dir >= 0 && shim.log_size > 0 && shim.log_size + n > shim_opt.log_max)
		log_rotate();
	if (write_all(shim.log_fd, rec, n) < 0 && !shim.log_failed) {
		warn_errno("write %s", shim_opt.log);
		shim.log_failed = 1;
	}
	shim.log_size += n;
}

/* Log every complete line held in s; cut a line that fills the buffer. */
void log_lines(struct stream *s)
{
	char *start = s->buf, *end = s->buf + s->len, *nl;
	while ((nl = memchr(start, '\n', (size_t)(end - start))) != NULL) {
		log_record(s->name, 'F', start, (size_t)(nl - start));
		start = nl + 1;
	}
	s->len = (size_t)(end - start);
	if (s->len == sizeof(s->buf)) {
		log_record(s->name, 'P', s->buf, s->len);
		s->len = 0;
	} else if (start != s->buf) {
		memmove(s->buf, start, s->len);
	}
}

/* --log-max-size: rotation needs the log's directory (renamed within it,
 * whatever the cwd) and its size; only a regular file is rotated. */
static void log_cap_setup(void)
{
	struct stat st;
	if (shim_opt.log_max == 0)
		return;
	if (fstat(shim.log_fd, &st) < 0)
		die_errno("stat %s", shim_opt.log);
	if (!S_ISREG(st.st_mode))
		return;
	shim.log_dir = parent_dir(shim_opt.log, &shim.log_base);
	shim.log_size = (unsigned long)st.st_size;
}

void log_open(void)
{
	shim.log_fd = open(shim_opt.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (shim.log_fd < 0)
		die_errno("open %s", shim_opt.log);
	log_cap_setup();
}

