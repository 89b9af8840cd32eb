/* oci-state.c - an OCI container's state: ROOT/ID/ (0700) holds state.json
 * (pid, its start time, bundle, cgroupsPath, creation time), exec.fifo
 * while the container waits for start, and config.json as create read it
 * (for exec and the poststop hooks). The status is not stored but observed:
 * stopped when PID 1 is gone (or a zombie, or its pid was reused), created
 * while exec.fifo exists, paused when its cgroup is frozen, else running.
 */
#include "oci-state.h"
#include "oci-cgroup.h"
#include "oci.h"
#include "fdio.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const oci_status_names[] = { "creating", "created", "running", "stopped", "paused" };

/* An ID becomes a path: letters, digits, _ . - only, not starting with . */
int oci_id_check(const char *id, struct ctr_err *e)
{
	size_t n = strlen(id);
	if (n == 0 || n > OCI_ID_MAX || id[0] == '.' || id[0] == '-' ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return ctr_fail(e, 0, "invalid container id '%.64s': 1 to %d of [A-Za-z0-9_.-], not starting with . or -",
				id, OCI_ID_MAX);
	return 0;
}

int oci_state_dir(const struct oci_ctx *g, const char *id, char *dir, struct ctr_err *e)
{
	if (oci_id_check(id, e) < 0)
		return -1;
	if (snprintf(dir, PATH_MAX, "%s/%s", g->root, id) >= PATH_MAX)
		return ctr_fail(e, ENAMETOOLONG, "%s", g->root);
	return 0;
}

unsigned long long oci_proc_start(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read_full(fd, buf, sizeof(buf) - 1);
	close_fd(&fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');  /* comm may hold spaces */
	char state = 0;
	unsigned long long start = 0;
	if (!p || sscanf(p + 2, "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
			 &state, &start) != 2 || state == 'Z' || state == 'X')
		return 0;
	return start;
}

bool oci_alive(const struct oci_state *st)
{
	return st->pid > 0 && oci_proc_start(st->pid) == st->start_time;
}

int oci_state_load(const struct oci_ctx *g, const char *id, struct oci_state *st, struct ctr_err *e)
{
	char path[PATH_MAX + 16];
	memset(st, 0, sizeof(*st));
	if (oci_state_dir(g, id, st->dir, e) < 0)
		return -1;
	snprintf(st->id, sizeof(st->id), "%s", id);
	snprintf(path, sizeof(path), "%s/state.json", st->dir);
	json_object *j = json_object_from_file(path);
	if (!j)
		return access(st->dir, F_OK) < 0 ? ctr_fail(e, 0, "container %s does not exist", id)
						  : ctr_fail(e, 0, "container %s: unreadable %s", id, path);
	json_object *v;
	if (json_object_object_get_ex(j, "pid", &v))
		st->pid = json_object_get_int(v);
	if (json_object_object_get_ex(j, "start", &v))
		st->start_time = json_object_get_uint64(v);
	if (json_object_object_get_ex(j, "created", &v))
		st->created = json_object_get_int64(v);
	if (json_object_object_get_ex(j, "bundle", &v))
		snprintf(st->bundle, sizeof(st->bundle), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(j, "cgroup", &v))
		snprintf(st->cgroup, sizeof(st->cgroup), "%s", json_object_get_string(v));
	json_object_put(j);
	return 0;
}

int oci_state_save(const struct oci_state *st, struct ctr_err *e)
{
	json_object *j = json_object_new_object();
	json_object_object_add(j, "pid", json_object_new_int(st->pid));
	json_object_object_add(j, "start", json_object_new_uint64(st->start_time));
	json_object_object_add(j, "created", json_object_new_int64(st->created));
	json_object_object_add(j, "bundle", json_object_new_string(st->bundle));
	json_object_object_add(j, "cgroup", json_object_new_string(st->cgroup));
	int dir = open(st->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = dir < 0 ? -1 : write_replace(dir, "state.json", json_object_to_json_string(j), false);
	int err = errno;
	close_fd(&dir);
	json_object_put(j);
	return r < 0 ? ctr_fail(e, err, "write %s/state.json", st->dir) : 0;
}

/* Remove the state directory and what it holds (plain files only). */
int oci_state_remove(const struct oci_state *st, struct ctr_err *e)
{
	DIR *d = opendir(st->dir);
	if (!d)
		return errno == ENOENT ? 0 : ctr_fail_errno(e, "open %s", st->dir);
	for (struct dirent *de; (de = readdir(d)); )
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			closedir(d);
			return ctr_fail_errno(e, "remove %s/%s", st->dir, de->d_name);
		}
	closedir(d);
	if (rmdir(st->dir) < 0 && errno != ENOENT)
		return ctr_fail_errno(e, "rmdir %s", st->dir);
	return 0;
}

enum oci_status oci_status(const struct oci_state *st)
{
	char fifo[PATH_MAX + 16];
	struct ctr_err e;
	struct cg_groups g;
	if (!oci_alive(st))
		return OCI_STOPPED;
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", st->dir);
	if (access(fifo, F_OK) == 0)
		return OCI_CREATED;
	if (*st->cgroup && cg_groups(&g, st->cgroup, &e) == 0 && cg_frozen(&g) == 1)
		return OCI_PAUSED;
	return OCI_RUNNING;
}

/* The runtime-spec's state: ociVersion, id, status, pid, bundle, annotations. */
char *oci_state_json(const struct oci_state *st, enum oci_status status)
{
	char path[PATH_MAX + 16];
	json_object *j = json_object_new_object(), *conf, *ann;
	json_object_object_add(j, "ociVersion", json_object_new_string("1.0.2"));
	json_object_object_add(j, "id", json_object_new_string(st->id));
	json_object_object_add(j, "status", json_object_new_string(oci_status_names[status]));
	if (status != OCI_STOPPED)
		json_object_object_add(j, "pid", json_object_new_int(st->pid));
	json_object_object_add(j, "bundle", json_object_new_string(st->bundle));
	snprintf(path, sizeof(path), "%s/config.json", st->dir);
	conf = json_object_from_file(path);
	if (conf && json_object_object_get_ex(conf, "annotations", &ann))
		json_object_object_add(j, "annotations", json_object_get(ann));
	if (conf)
		json_object_put(conf);
	char *s = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
	if (!s)
		die_errno("strdup");
	return s;
}
