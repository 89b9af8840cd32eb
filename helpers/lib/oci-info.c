/* oci-info.c - the verbs that read or tune: ps (the container's pids, or ps(1)
 * on them), update (linux.resources from a file or stdin, checked first),
 * features (the runtime-spec features document), spec (a default
 * config.json for humans, like `runc spec`).
 */
#include "oci-cmd.h"
#include "fdio.h"
#include "oci-cgroup.h"
#include "oci.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct ctr_opt ps_opts[] = {
	{ "format", 'f', "FORMAT", "table (ps -f) or json (pids)" },
	{ NULL, 0, NULL, NULL },
};

int oci_ps(const struct oci_ctx *g, int argc, char **argv)
{
	struct ctr_err e;
	struct oci_state st;
	struct cg_groups cg;
	bool json = false;
	int c, r;
	const char *arg;
	pid_t *pids = NULL;
	size_t n = 0;
	while ((r = oci_getopt(ps_opts, true, argc, argv, &c, &arg, &e)) > 0) {
		if (strcmp(arg, "json") && strcmp(arg, "table"))
			return ctr_misuse(&e, "--format: table or json"), oci_fail(g, &e);
		json = !strcmp(arg, "json");
	}
	if (r < 0 || oci_one_id(argc, argv, 1, 1, &e) < 0 ||
	    oci_state_load(g, argv[optind], &st, &e) < 0 || cg_groups(&cg, st.cgroup, &e) < 0 ||
	    cg_procs(&cg, &pids, &n, &e) < 0)
		return free(pids), oci_fail(g, &e);
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
		free(pids);
		return 0;
	}
	char list[8192] = "";
	for (size_t i = 0, len = 0; i < n && len < sizeof(list) - 16; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%d", i ? "," : "", (int)pids[i]);
	free(pids);
	if (!n)
		return printf("PID\n"), 0;
	fflush(stdout);
	char *ps[] = { "ps", "-f", "-p", list, NULL };
	execv("/bin/ps", ps);
	execv("/usr/bin/ps", ps);
	return ctr_fail_errno(&e, "exec ps"), oci_fail(g, &e);
}

static const struct ctr_opt update_opts[] = {
	{ "resources", 'r', "FILE", "linux.resources as JSON, - for stdin" },
	{ NULL, 0, NULL, NULL },
};

int oci_update(const struct oci_ctx *g, int argc, char **argv)
{
	static struct oci_config saved;
	struct ctr_err e;
	struct oci_state st;
	struct cg_groups cg;
	const char *file = NULL, *arg;
	int c, r;
	while ((r = oci_getopt(update_opts, true, argc, argv, &c, &arg, &e)) > 0)
		file = arg;
	if (r < 0 || oci_one_id(argc, argv, 1, 1, &e) < 0)
		return oci_fail(g, &e);
	if (!file)
		return ctr_misuse(&e, "update: --resources FILE required (other flags not yet)"), oci_fail(g, &e);
	json_object *res = strcmp(file, "-") ? json_object_from_file(file) : json_object_from_fd(0);
	if (!res || !json_object_is_type(res, json_type_object))
		return ctr_fail(&e, 0, "--resources %s: not a JSON object", file), oci_fail(g, &e);
	r = oci_state_load(g, argv[optind], &st, &e) < 0 || cg_resources(NULL, res, true, &e) < 0 ||
	    cg_groups(&cg, st.cgroup, &e) < 0 || cg_resources(&cg, res, false, &e) < 0 ? -1 : 0;
	/* a devices list replaces the rules; linux.devices stay usable */
	if (r == 0 && json_object_object_get_ex(res, "devices", NULL))
		r = oci_load_saved(&st, &saved, &e) < 0 ||
		    cg_devices(&cg, res, saved.spec.devices, saved.spec.ndevices, &e) < 0 ? -1 : 0;
	json_object_put(res);
	return r < 0 ? oci_fail(g, &e) : 0;
}

static const char features_json[] =
	"{\n"
	"  \"ociVersionMin\": \"1.0.0\",\n"
	"  \"ociVersionMax\": \"1.1.0\",\n"
	"  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", \"startContainer\", \"poststart\", \"poststop\"],\n"
	"  \"mountOptions\": [\"defaults\", \"ro\", \"rw\", \"suid\", \"nosuid\", \"dev\", \"nodev\", \"exec\", \"noexec\",\n"
	"    \"sync\", \"async\", \"dirsync\", \"mand\", \"nomand\", \"atime\", \"noatime\", \"diratime\", \"nodiratime\",\n"
	"    \"relatime\", \"norelatime\", \"strictatime\", \"nostrictatime\", \"lazytime\", \"nolazytime\", \"silent\",\n"
	"    \"loud\", \"iversion\", \"noiversion\", \"nosymfollow\", \"symfollow\", \"bind\", \"rbind\", \"private\",\n"
	"    \"rprivate\", \"shared\", \"rshared\", \"slave\", \"rslave\", \"unbindable\", \"runbindable\"],\n"
	"  \"linux\": {\n"
	"    \"namespaces\": [\"pid\", \"network\", \"mount\", \"ipc\", \"uts\", \"cgroup\", \"user\"],\n"
	"    \"capabilities\": [],\n"
	"    \"cgroup\": { \"v1\": true, \"v2\": true, \"systemd\": false, \"systemdUser\": false },\n"
	"    \"seccomp\": {\n"
	"      \"enabled\": true,\n"
	"      \"actions\": [\"SCMP_ACT_KILL\", \"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_KILL_PROCESS\", \"SCMP_ACT_TRAP\",\n"
	"        \"SCMP_ACT_ERRNO\", \"SCMP_ACT_TRACE\", \"SCMP_ACT_ALLOW\", \"SCMP_ACT_LOG\"],\n"
	"      \"operators\": [\"SCMP_CMP_NE\", \"SCMP_CMP_LT\", \"SCMP_CMP_LE\", \"SCMP_CMP_EQ\", \"SCMP_CMP_GE\",\n"
	"        \"SCMP_CMP_GT\", \"SCMP_CMP_MASKED_EQ\"],\n"
	"      \"archs\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X32\", \"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_ARM\"],\n"
	"      \"knownFlags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],\n"
	"      \"supportedFlags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"]\n"
	"    },\n"
	"    \"apparmor\": { \"enabled\": false },\n"
	"    \"selinux\": { \"enabled\": false },\n"
	"    \"intelRdt\": { \"enabled\": false }\n"
	"  },\n"
	"  \"annotations\": { \"org.opencontainers.runtime-spec.features\": \"ctr-oci\" }\n"
	"}\n";

int oci_features(const struct oci_ctx *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	fputs(features_json, stdout);
	return 0;
}

/* runc spec's default, with ctr's masked paths and no terminal (ctr-oci run
 * has no console relay). */
static const char spec_json[] =
	"{\n"
	"  \"ociVersion\": \"1.0.2\",\n"
	"  \"process\": {\n"
	"    \"terminal\": false,\n"
	"    \"user\": { \"uid\": 0, \"gid\": 0 },\n"
	"    \"args\": [\"sh\"],\n"
	"    \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"TERM=xterm\"],\n"
	"    \"cwd\": \"/\",\n"
	"    \"capabilities\": {\n"
	"      \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
	"      \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
	"      \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
	"      \"ambient\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]\n"
	"    },\n"
	"    \"rlimits\": [{ \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 }],\n"
	"    \"noNewPrivileges\": true\n"
	"  },\n"
	"  \"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
	"  \"hostname\": \"ctr\",\n"
	"  \"mounts\": [\n"
	"    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
	"    { \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"] },\n"
	"    { \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\", \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\", \"gid=5\"] },\n"
	"    { \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\", \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"] },\n"
	"    { \"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\", \"options\": [\"nosuid\", \"noexec\", \"nodev\"] },\n"
	"    { \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\", \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"] },\n"
	"    { \"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\", \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"] }\n"
	"  ],\n"
	"  \"linux\": {\n"
	"    \"resources\": { \"devices\": [{ \"allow\": false, \"access\": \"rwm\" }] },\n"
	"    \"namespaces\": [{ \"type\": \"pid\" }, { \"type\": \"network\" }, { \"type\": \"ipc\" }, { \"type\": \"uts\" }, { \"type\": \"mount\" }, { \"type\": \"cgroup\" }],\n"
	"    \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", \"/proc/latency_stats\", \"/proc/timer_list\",\n"
	"      \"/proc/timer_stats\", \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\", \"/proc/interrupts\", \"/sys/devices/virtual/powercap\"],\n"
	"    \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", \"/proc/sysrq-trigger\"]\n"
	"  }\n"
	"}\n";

static const struct ctr_opt spec_opts[] = {
	{ "bundle", 'b', "DIR", "where to write config.json (default: the current directory)" },
	{ NULL, 0, NULL, NULL },
};

int oci_spec(const struct oci_ctx *g, int argc, char **argv)
{
	struct ctr_err e;
	const char *bundle = ".", *arg;
	char path[PATH_MAX];
	int c, r;
	while ((r = oci_getopt(spec_opts, true, argc, argv, &c, &arg, &e)) > 0)
		bundle = arg;
	if (r < 0)
		return oci_fail(g, &e);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return ctr_fail_errno(&e, "%s", path), oci_fail(g, &e);
	if (write_all(fd, spec_json, sizeof(spec_json) - 1) < 0 || close(fd) < 0)
		return ctr_fail_errno(&e, "write %s", path), oci_fail(g, &e);
	return 0;
}
