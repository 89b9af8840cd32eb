/* oci-verbs.c - the verbs on an existing container: state, list, kill,
 * delete (oci_destroy: kill what is left, remove the cgroup, the poststop
 * hooks, the state dir), pause and resume (the freezer), ps, update. None
 * needs PATH or any environment.
 */
#include "oci-cmd.h"
#include "fdio.h"
#include "oci-cgroup.h"
#include "oci-hooks.h"
#include "oci.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct ctr_opt no_opts[] = { { NULL, 0, NULL, NULL } };

/* Options none, then ID: the container's state. */
static int load_id(const struct oci_ctx *g, const struct ctr_opt *t, int argc, char **argv,
		   struct oci_state *st, struct ctr_err *e)
{
	int c, r;
	const char *arg;
	while ((r = oci_getopt(t, true, argc, argv, &c, &arg, e)) > 0)
		;
	if (r < 0 || oci_one_id(argc, argv, 1, 1, e) < 0)
		return -1;
	return oci_state_load(g, argv[optind], st, e);
}

int oci_state(const struct oci_ctx *g, int argc, char **argv)
{
	struct ctr_err e;
	struct oci_state st;
	if (load_id(g, no_opts, argc, argv, &st, &e) < 0)
		return oci_fail(g, &e);
	char *s = oci_state_json(&st, oci_status(&st));
	printf("%s\n", s);
	free(s);
	return 0;
}

/* SIGKILL, KILL, kill, 9 -> 9; -1 with e for anything else. */
int oci_signal(const char *s, struct ctr_err *e)
{
	unsigned long n;
	if (parse_ulong(s, NSIG - 1, &n, NULL) && n > 0)
		return (int)n;
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (int i = 1; i < NSIG; i++) {
		const char *abbrev = sigabbrev_np(i);
		if (abbrev && strcasecmp(abbrev, name) == 0)
			return i;
	}
	return ctr_misuse(e, "unknown signal: %s", s);
}

static int kill_all(const struct oci_state *st, int sig, struct ctr_err *e)
{
	struct cg_groups g;
	pid_t *pids = NULL;
	size_t n = 0;
	int r = cg_groups(&g, st->cgroup, e) < 0 || cg_procs(&g, &pids, &n, e) < 0 ? -1 : 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			r = ctr_fail_errno(e, "kill %d", (int)pids[i]);
	free(pids);
	return r;
}

static const struct ctr_opt kill_opts[] = {
	{ "all", 'a', NULL, "every process of the container" },
	{ NULL, 0, NULL, NULL },
};

int oci_kill(const struct oci_ctx *g, int argc, char **argv)
{
	struct ctr_err e;
	struct oci_state st;
	bool all = false;
	int c, r, sig = SIGTERM;
	const char *arg;
	while ((r = oci_getopt(kill_opts, true, argc, argv, &c, &arg, &e)) > 0)
		all = all || c == 'a';
	if (r < 0 || oci_one_id(argc, argv, 1, 2, &e) < 0)
		return oci_fail(g, &e);
	if (argc - optind == 2 && (sig = oci_signal(argv[optind + 1], &e)) < 0)
		return oci_fail(g, &e);
	if (oci_state_load(g, argv[optind], &st, &e) < 0)
		return oci_fail(g, &e);
	enum oci_status s = oci_status(&st);
	if (s == OCI_STOPPED)
		return ctr_fail(&e, 0, "container %s is not running", st.id), oci_fail(g, &e);
	if (all ? kill_all(&st, sig, &e) < 0 : kill(st.pid, sig) < 0 && ctr_fail_errno(&e, "kill %d", (int)st.pid))
		return oci_fail(g, &e);
	return 0;
}

/* Kill what is left, remove the cgroup (waiting for the dead to leave it),
 * the poststop hooks (a failure is a warning), the state dir. */
int oci_destroy(const struct oci_ctx *g, struct oci_state *st, bool force, struct ctr_err *e)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct cg_groups cg;
	enum oci_status s = oci_status(st);
	if (s != OCI_STOPPED && s != OCI_CREATED && !force)
		return ctr_fail(e, 0, "container %s is %s: stop it first, or --force", st->id,
				oci_status_names[s]);
	if (oci_alive(st))
		(void)kill(st->pid, SIGKILL);
	if (*st->cgroup && cg_groups(&cg, st->cgroup, e) < 0)
		return -1;
	for (int i = 0; *st->cgroup && i < 500; i++) {
		if (cg_frozen(&cg) == 1)
			(void)cg_freeze(&cg, false, e);
		(void)kill_all(st, SIGKILL, e);
		if (cg_remove(&cg, e) == 0)
			break;
		if (i == 499)
			return -1;
		nanosleep(&tick, NULL);
	}
	struct oci_config c;
	struct ctr_err w;
	if (oci_load_saved(st, &c, &w) == 0) {
		char *state = oci_state_json(st, OCI_STOPPED);
		if (oci_hooks_run(&c, OCI_POSTSTOP, state, 0, &w) < 0)
			oci_log(g, "warning", "%s", w.msg);
		free(state);
		oci_config_free(&c);
	}
	return oci_state_remove(st, e);
}

static const struct ctr_opt delete_opts[] = {
	{ "force", 'f', NULL, "kill a running container first" },
	{ NULL, 0, NULL, NULL },
};

int oci_delete(const struct oci_ctx *g, int argc, char **argv)
{
	struct ctr_err e;
	struct oci_state st;
	bool force = false;
	int c, r;
	const char *arg;
	while ((r = oci_getopt(delete_opts, true, argc, argv, &c, &arg, &e)) > 0)
		force = force || c == 'f';
	if (r < 0 || oci_one_id(argc, argv, 1, 1, &e) < 0)
		return oci_fail(g, &e);
	if (oci_state_load(g, argv[optind], &st, &e) < 0) {
		if (force && access(st.dir, F_OK) < 0)  /* runc: --force on nothing is fine */
			return 0;
		return oci_fail(g, &e);
	}
	return oci_destroy(g, &st, force, &e) < 0 ? oci_fail(g, &e) : 0;
}

static int freeze(const struct oci_ctx *g, int argc, char **argv, bool on)
{
	struct ctr_err e;
	struct oci_state st;
	struct cg_groups cg;
	if (load_id(g, no_opts, argc, argv, &st, &e) < 0)
		return oci_fail(g, &e);
	enum oci_status s = oci_status(&st);
	if (s != (on ? OCI_RUNNING : OCI_PAUSED))
		return ctr_fail(&e, 0, "container %s is %s, not %s", st.id, oci_status_names[s],
				on ? "running" : "paused"), oci_fail(g, &e);
	if (cg_groups(&cg, st.cgroup, &e) < 0 || cg_freeze(&cg, on, &e) < 0)
		return oci_fail(g, &e);
	return 0;
}

int oci_pause(const struct oci_ctx *g, int argc, char **argv)
{
	return freeze(g, argc, argv, true);
}

int oci_resume(const struct oci_ctx *g, int argc, char **argv)
{
	return freeze(g, argc, argv, false);
}

static const struct ctr_opt list_opts[] = {
	{ "format", 'f', "FORMAT", "table or json" },
	{ "quiet", 'q', NULL, "IDs only" },
	{ NULL, 0, NULL, NULL },
};

int oci_list(const struct oci_ctx *g, int argc, char **argv)
{
	struct ctr_err e;
	bool json = false, quiet = false;
	int c, r;
	const char *arg;
	while ((r = oci_getopt(list_opts, true, argc, argv, &c, &arg, &e)) > 0) {
		if (c == 'f' && strcmp(arg, "json") && strcmp(arg, "table"))
			return ctr_misuse(&e, "--format: table or json"), oci_fail(g, &e);
		json = json || (c == 'f' && !strcmp(arg, "json"));
		quiet = quiet || c == 'q';
	}
	if (r < 0)
		return oci_fail(g, &e);
	json_object *a = json_object_new_array();
	DIR *d = opendir(g->root);
	if (!quiet && !json)
		printf("%-20s %-8s %-10s %s\n", "ID", "PID", "STATUS", "BUNDLE");
	for (struct dirent *de; d && (de = readdir(d)); ) {
		struct oci_state st;
		if (de->d_name[0] == '.' || oci_state_load(g, de->d_name, &st, &e) < 0)
			continue;
		enum oci_status s = oci_status(&st);
		if (quiet)
			printf("%s\n", st.id);
		else if (!json)
			printf("%-20s %-8d %-10s %s\n", st.id, s == OCI_STOPPED ? 0 : (int)st.pid,
			       oci_status_names[s], st.bundle);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(st.id));
		json_object_object_add(o, "pid", json_object_new_int(s == OCI_STOPPED ? 0 : st.pid));
		json_object_object_add(o, "status", json_object_new_string(oci_status_names[s]));
		json_object_object_add(o, "bundle", json_object_new_string(st.bundle));
		json_object_array_add(a, o);
	}
	if (d)
		closedir(d);
	if (json)
		printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(a);
	return 0;
}
