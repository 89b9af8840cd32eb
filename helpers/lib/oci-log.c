/* oci-log.c - ctr-oci's messages: every error goes to stderr
 * ("ctr-oci: <what>: <why>") and, with --log FILE, to that file as text or,
 * with --log-format json, as one JSON line {"level","msg","time"} (what
 * containerd-shim and conmon read back). A log that cannot be opened is
 * reported on stderr only. */
#include "oci-state.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

void oci_log(const struct oci_ctx *g, const char *level, const char *fmt, ...)
{
	char msg[1024], when[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(level, "debug") == 0 && !g->debug)
		return;
	if (strcmp(level, "debug") != 0)
		fprintf(stderr, "%s: %s\n", ctr_prog, msg);
	if (!g->log)
		return;
	FILE *f = fopen(g->log, "ae");
	if (!f)
		return;
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	if (g->log_json) {
		json_object *j = json_object_new_object();
		char t[96];
		snprintf(t, sizeof(t), "%s.%09ldZ", when, ts.tv_nsec);
		json_object_object_add(j, "level", json_object_new_string(level));
		json_object_object_add(j, "msg", json_object_new_string(msg));
		json_object_object_add(j, "time", json_object_new_string(t));
		fprintf(f, "%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else {
		fprintf(f, "%sZ %s %s\n", when, level, msg);
	}
	fclose(f);
}

/* Report e (stderr and the log); returns the exit code for main. */
int oci_fail(const struct oci_ctx *g, const struct ctr_err *e)
{
	if (e->errnum)
		oci_log(g, "error", "%s: %s", e->msg, strerror(e->errnum));
	else
		oci_log(g, "error", "%s", e->msg);
	return 1;
}
