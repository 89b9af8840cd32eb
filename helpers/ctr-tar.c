/* ctr-tar - image layers: make one from two trees; carry a layer's xattrs.
 *
 * Usage: ctr-tar diff [--keep PATH]... [LOWER] UPPER
 *        ctr-tar xattrs
 *        ctr-tar apply
 *
 * diff: the layer of what UPPER (a snapshot made from LOWER, read-only) changes
 *   in LOWER, as a pax tar on stdout (not a terminal): new and changed entries,
 *   whiteouts for what is gone, opaque whiteouts for replaced directories, hard
 *   links, xattrs and file capabilities. Without LOWER: all of UPPER. The same
 *   trees give the same bytes. (lib/layer-diff.c says how a change is told.)
 *   --keep PATH (relative to the root: etc/hosts): the layer leaves PATH as
 *   LOWER has it, neither entry nor whiteout (a file the runtime writes at run
 *   is no change of the container's); it needs LOWER.
 * xattrs: read a layer tar on stdin, write on stdout the plan of the xattrs
 *   its entries carry (`ctr.sh pull` runs it on the host: it only reads).
 * apply: set the plan read on stdin on the tree at /. `ctr.sh pull` runs it
 *   chrooted in the image being unpacked, in the same jail as busybox tar
 *   (helpers/pull.sh layer_jail): static, it needs no file of that tree, and
 *   every path resolves inside it. An xattr that cannot be set is a warning.
 * Exit codes: 0 done; 125 a failure (the message says what), or misuse.
 * Nothing else: no fd but 0, 1 and 2 is used; the environment is not read.
 */
#include "lib/error.h"
#include "lib/layer.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fputs("usage: ctr-tar diff [--keep PATH]... [LOWER] UPPER   (the layer, a tar, on stdout)\n"
	      "       ctr-tar xattrs              (a layer on stdin: the plan of its xattrs on stdout)\n"
	      "       ctr-tar apply               (a plan on stdin: set on the tree at /)\n", f);
}

/* diff [--keep PATH]... [LOWER] UPPER (argv after "diff"). The --keep paths, which come first,
 * are collected in place at the front of argv. */
static int diff_main(int argc, char **argv)
{
	struct ctr_err e = { 0 };
	const char *pos[2] = { NULL, NULL };
	int npos = 0, nkeep = 0;
	for (int i = 0; i < argc; i++) {
		if (npos == 0 && i + 1 < argc && strcmp(argv[i], "--keep") == 0) {
			argv[nkeep++] = argv[++i];
		} else if (npos < 2 && argv[i][0] != '-') {
			pos[npos++] = argv[i];
		} else {
			usage(stderr);
			return EXIT_SELF;
		}
	}
	if (npos == 0 || (nkeep > 0 && npos != 2)) {
		usage(stderr);
		return EXIT_SELF;
	}
	if (isatty(STDOUT_FILENO))
		die("diff: refusing to write a tar to a terminal");
	if (layer_diff(npos == 2 ? pos[0] : NULL, pos[npos - 1], (const char *const *)argv, (size_t)nkeep,
		       STDOUT_FILENO, &e) < 0)
		ctr_err_die(&e);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctr_err e = { 0 };
	ctr_prog = "ctr-tar";
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "diff") == 0)
		return diff_main(argc - 2, argv + 2);
	if (argc == 2 && strcmp(argv[1], "xattrs") == 0) {
		if (layer_xattrs(STDIN_FILENO, STDOUT_FILENO, &e) < 0)
			ctr_err_die(&e);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "apply") == 0) {
		if (layer_xattrs_apply(STDIN_FILENO, &e) < 0)
			ctr_err_die(&e);
		return 0;
	}
	usage(stderr);
	return EXIT_SELF;
}
