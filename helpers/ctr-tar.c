/* ctr-tar - image layers: make one from two trees; carry a layer's xattrs.
 *
 * Usage: ctr-tar diff [LOWER] UPPER
 *        ctr-tar xattrs
 *        ctr-tar apply
 *
 * diff: the layer of what UPPER (a snapshot made from LOWER, read-only) changes
 *   in LOWER, as a pax tar on stdout (not a terminal): new and changed entries,
 *   whiteouts for what is gone, opaque whiteouts for replaced directories, hard
 *   links, xattrs and file capabilities. Without LOWER: all of UPPER. The same
 *   trees give the same bytes. (lib/layer.c says how a change is told.)
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
	fputs("usage: ctr-tar diff [LOWER] UPPER   (the layer, a tar, on stdout)\n"
	      "       ctr-tar xattrs              (a layer on stdin: the plan of its xattrs on stdout)\n"
	      "       ctr-tar apply               (a plan on stdin: set on the tree at /)\n", f);
}

int main(int argc, char **argv)
{
	struct ctr_err e = { 0 };
	ctr_prog = "ctr-tar";
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc >= 3 && argc <= 4 && strcmp(argv[1], "diff") == 0) {
		if (isatty(STDOUT_FILENO))
			die("diff: refusing to write a tar to a terminal");
		if (layer_diff(argc == 4 ? argv[2] : NULL, argv[argc - 1], STDOUT_FILENO, &e) < 0)
			ctr_err_die(&e);
		return 0;
	}
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
