/* Unit tests of lib/bpf-cache.c, the cache of compiled seccomp filters, in a
 * temporary directory: what is stored reads back the same; an entry that is
 * not a whole, root-owned 0600 regular file of its own key is a miss; a
 * directory that is not root's own 0700 one is not used. Run as root (the
 * cache is root's only; as another user every case is a miss). */
#include "tap.h"
#include "bpf-cache.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[] = "/tmp/ctr-unit-bpf.XXXXXX";

static struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, 0x7fff0000) };
static struct sock_filter two[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
	BPF_STMT(BPF_RET | BPF_K, 0x00050001),
};

static int same(const struct ctr_bpf *a, const struct ctr_bpf *b)
{
	for (size_t i = 0; i < BPF_CACHE_NPROG; i++)
		if (a[i].n != b[i].n || memcmp(a[i].insn, b[i].insn, a[i].n * sizeof(*a[i].insn)))
			return 0;
	return 1;
}

/* get: 0 if key reads back as want. */
static int get(int dir, const char *key, const struct ctr_bpf *want)
{
	struct ctr_bpf got[BPF_CACHE_NPROG];
	int rc = bpf_cache_get(dir, key, got);
	if (rc == 0 && !same(got, want))
		rc = -2;
	bpf_free(got);
	return rc;
}

static void sh(const char *fmt, const char *arg)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), fmt, arg, arg);
	if (system(cmd) != 0)
		exit(2);
}

int main(void)
{
	struct ctr_bpf prog[BPF_CACHE_NPROG] = { { 2, two }, { 1, allow } };
	char path[256], key[200], key2[256], file[512];
	if (!mkdtemp(top))
		exit(2);
	ok(bpf_cache_key(key, sizeof(key), "default", 0xa80425fb, "lib 1") == 0 &&
	   strncmp(key, "default-", 8) == 0, "a key from the build ID: %s", key);
	ok(bpf_cache_key(key2, sizeof(key2), "default", 0xa80425fb, "lib 2") == 0 && strcmp(key, key2),
	   "another library version, another key");
	ok(bpf_cache_key(key2, sizeof(key2), "default", 0xa82425fb, "lib 1") == 0 && strcmp(key, key2),
	   "another capability set, another key");

	snprintf(path, sizeof(path), "%s/cache", top);
	int dir = bpf_cache_dir(path);
	struct stat st;
	ok(dir >= 0 && stat(path, &st) == 0 && (st.st_mode & 0777) == 0700 && st.st_uid == 0,
	   "the directory is made root's, 0700");
	ok(get(dir, key, prog) == -1, "an empty cache: a miss");
	bpf_cache_put(dir, key, prog);
	snprintf(file, sizeof(file), "%s/%s", path, key);
	ok(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_uid == 0, "stored 0600, root's");
	ok(get(dir, key, prog) == 0, "what was stored reads back the same");

	/* a copy under another key: the checksum covers the key */
	sh("cp -p %s %s.x", file);
	snprintf(key2, sizeof(key2), "%s.x", key);
	ok(get(dir, key2, prog) == -1, "an entry renamed to another key: a miss");
	sh("chmod 0640 %s", file);
	ok(get(dir, key, prog) == -1, "group-readable: a miss");
	sh("chmod 0600 %s; chown 65534 %s", file);
	ok(get(dir, key, prog) == -1, "not root's: a miss");
	bpf_cache_put(dir, key, prog);
	ok(get(dir, key, prog) == 0, "put replaces it");
	sh("printf x | dd of=%s bs=1 seek=30 conv=notrunc 2>/dev/null; : %s", file);
	ok(get(dir, key, prog) == -1, "a changed byte: a miss");
	bpf_cache_put(dir, key, prog);
	sh("truncate -s -8 %s; : %s", file);
	ok(get(dir, key, prog) == -1, "a short file: a miss");
	bpf_cache_put(dir, key, prog);
	sh("mv %s %s.real", file);
	sh("ln -s \"$(basename %s).real\" %s", file);
	ok(get(dir, key, prog) == -1, "a symlink to a good entry: a miss");
	sh("rm -f %s; mkfifo -m 0600 %s", file);
	ok(get(dir, key, prog) == -1, "a fifo: a miss, not a hang");
	sh("rm -f %s; : %s", file);
	bpf_cache_put(dir, key, prog);
	sh("ln %s %s.link", file);
	ok(get(dir, key, prog) == -1, "a second hard link: a miss");
	close(dir);

	/* prune: the newest 3 of 5 entries stay; other files are not touched */
	dir = bpf_cache_dir(path);
	sh("cd %s && rm -f ./* && for i in 1 2 3 4 5; do touch -d \"2026-01-0$i\" e$i.bpf; done && touch other; : %s", path);
	bpf_cache_prune(dir, 3);
	snprintf(file, sizeof(file), "cd %s && echo * >%s/list", path, top);
	if (system(file) != 0)
		exit(2);
	snprintf(file, sizeof(file), "%s/list", top);
	FILE *f = fopen(file, "r");
	char got[128] = "";
	if (!f || !fgets(got, sizeof(got), f))
		exit(2);
	fclose(f);
	is_str(got, "e3.bpf e4.bpf e5.bpf other\n", "prune keeps the newest entries and other files");
	close(dir);

	sh("chmod 0755 %s; : %s", path);
	ok(bpf_cache_dir(path) == -1, "a directory others can read: not used");
	sh("chmod 0700 %s; chown 65534 %s", path);
	ok(bpf_cache_dir(path) == -1, "a directory not root's: not used");
	snprintf(file, sizeof(file), "%s/link", top);
	sh("chown 0 %s; ln -s cache %s/../link", path);
	ok(bpf_cache_dir(file) == -1, "a symlink to the directory: not used");
	sh("rm -rf %s; : %s", top);
	return tap_done();
}
