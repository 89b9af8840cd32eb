/* shim-log.c - ctr-shim's log: CRI records, one per line, each written with
 * one write() so records never interleave:
 * `<RFC3339Nano UTC> <stdout|stderr> <F|P> <text>` (P: a part of a line, cut
 * at LINE_CAP or at EOF); none without --log. Entry points: log_open (before PROG starts: dies),
 * log_lines (a stream's complete lines), log_record. A failed write is
 * warned about once; the shim carries on.
 */
#include "shim.h"
#include "error.h"
#include "fdio.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

/* Append one record with a single write(), so records never interleave. */
void log_record(const char *stream, char tag, const char *text, size_t len)
{
	static char rec[64 + LINE_CAP + 1];
	if (shim.log_fd < 0)  /* no --log */
		return;
	size_t n = log_timestamp(rec, 48);
	n += (size_t)snprintf(rec + n, 64 - n, " %s %c ", stream, tag);
	memcpy(rec + n, text, len);
	n += len;
	rec[n++] = '\n';
	if (write_all(shim.log_fd, rec, n) < 0 && !shim.log_failed) {
		warn_errno("write %s", shim_opt.log);
		shim.log_failed = 1;
	}
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

void log_open(void)
{
	if (!shim_opt.log)
		return;
	shim.log_fd = open(shim_opt.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (shim.log_fd < 0)
		die_errno("open %s", shim_opt.log);
}

