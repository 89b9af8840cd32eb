/* ctr-oci - ctr as an OCI runtime: the runtime-spec's operations and what
 * runc's command line offers engines (podman/conmon, containerd-shim).
 *
 * usage: ctr-oci [--root DIR] [--log FILE] [--log-format text|json] [--debug] VERB [ARGS]
 *   create [--bundle DIR] [--pid-file F] [--console-socket S] ID
 *   start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID
 *   exec [--process F | --cwd --env --user --cap --tty] [--detach] [--pid-file F]
 *        [--console-socket S] ID [PROG ARG...]   (--tty alone: ctr-oci relays the pty)
 *   ps [--format table|json] ID | pause ID | resume ID | update --resources F|- ID
 *   list [--format table|json] [-q] | features | spec [--bundle DIR]
 *   run [--bundle DIR] [--pid-file F] [--detach] ID   (process.terminal: relayed)
 * State: --root (default /run/ctr-oci)/ID. Errors: "ctr-oci: <what>: <why>" on
 * stderr and to --log (JSON lines with --log-format json). Exit: 0, 1 on an
 * error (as runc), run and exec: the process's code. Docs: docs/oci.md.
 * Named ctr-oci, never ctr: containerd's client is called ctr.
 */
#include "lib/error.h"
#include "lib/exec.h"
#include "lib/oci-cmd.h"

#include <stdio.h>
#include <string.h>

static const struct verb { const char *name; oci_cmd *fn; bool sealed; } verbs[] = {
	{ "create", oci_create, true }, { "start", oci_start, false },
	{ "state", oci_state, false }, { "kill", oci_kill, false },
	{ "delete", oci_delete, false }, { "exec", oci_exec, true },
	{ "ps", oci_ps, false }, { "pause", oci_pause, false },
	{ "resume", oci_resume, false }, { "update", oci_update, false },
	{ "list", oci_list, false }, { "features", oci_features, false },
	{ "spec", oci_spec, false }, { "run", oci_run, true },
};

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_VERSION,
       OPT_HELP, OPT_ROOTLESS };

static const struct ctr_opt options[] = {
	{ "root", OPT_ROOT, "DIR", "state directory (default /run/ctr-oci)" },
	{ "log", OPT_LOG, "FILE", "append errors there too" },
	{ "log-format", OPT_LOG_FORMAT, "FMT", "text or json" },
	{ "debug", OPT_DEBUG, NULL, "log debug messages" },
	{ "systemd-cgroup", OPT_SYSTEMD, NULL, "refused: no systemd cgroup driver" },
	{ "rootless", OPT_ROOTLESS, "BOOL", "only false" },
	{ "version", OPT_VERSION, NULL, "print the version" },
	{ "help", OPT_HELP, NULL, "print this help" },
	{ NULL, 0, NULL, NULL },
};

static int usage(FILE *f)
{
	fputs("usage: ctr-oci [options] VERB [ARGS]\nverbs:", f);
	for (size_t i = 0; i < NELEM(verbs); i++)
		fprintf(f, " %s", verbs[i].name);
	fputs("\noptions:\n", f);
	ctr_opt_usage(f, options);
	return f == stdout ? 0 : 1;
}

static int global(struct oci_ctx *g, int argc, char **argv, struct ctr_err *e)
{
	struct ctr_getopt go;
	int c;
	if (ctr_opt_build(options, &go) < 0)
		return ctr_fail(e, 0, "option table too long");
	opterr = 0;
	while ((c = getopt_long(argc, argv, go.shortopts, go.longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT: g->root = optarg; break;
		case OPT_LOG: g->log = optarg; break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				return ctr_misuse(e, "--log-format: text or json, not %s", optarg);
			g->log_json = !strcmp(optarg, "json");
			break;
		case OPT_DEBUG: g->debug = true; break;
		case OPT_SYSTEMD: return ctr_fail(e, 0, "--systemd-cgroup: not supported (cgroupfs only)");
		case OPT_ROOTLESS:
			if (strcmp(optarg, "false"))
				return ctr_fail(e, 0, "--rootless %s: not supported", optarg);
			break;
		case OPT_VERSION: printf("ctr-oci version 0.1\nspec: 1.1.0\n"); return 1;
		case OPT_HELP: usage(stdout); return 1;
		default: return ctr_misuse(e, "bad option: %s", argv[optind - 1]);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct oci_ctx g = { .root = "/run/ctr-oci" };
	struct ctr_err e;
	ctr_prog = "ctr-oci";
	int r = global(&g, argc, argv, &e);
	if (r != 0)
		return r < 0 ? oci_fail(&g, &e) : 0;
	if (optind >= argc)
		return usage(stderr);
	for (size_t i = 0; i < NELEM(verbs); i++) {
		if (strcmp(argv[optind], verbs[i].name) != 0)
			continue;
		if (verbs[i].sealed)  /* its code runs in the container: CVE-2019-5736 */
			reexec_sealed(argv);
		int vargc = argc - optind;
		char **vargv = argv + optind;
		optind = 1;
		return verbs[i].fn(&g, vargc, vargv);
	}
	ctr_misuse(&e, "unknown verb: %s", argv[optind]);
	return oci_fail(&g, &e);
}
