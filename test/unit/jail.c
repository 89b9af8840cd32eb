/* Unit tests of lib/jail.c's checks that need no root: elf_static (a static
 * ELF passes; one with PT_INTERP, a #! script, a truncated or empty file do
 * not) on files made here, and cgroup_has on /proc/PID/cgroup texts (v1, v2,
 * hybrid; a sibling group whose name starts the same is not a match), and
 * status_last on /proc/PID/status texts (rootless: NSpid, PPid). */
#include "tap.h"
#include "jail.h"

#include <elf.h>
#include <stdlib.h>
#include <unistd.h>

/* A temporary file holding len bytes of data, opened for reading. */
static int file_of(const void *data, size_t len)
{
	char path[] = "/tmp/ctr-unit-jail-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

/* An ELF64 header and two program headers: PT_LOAD, then type2. */
static int elf64_with(uint32_t type2, size_t cut)
{
	struct { Elf64_Ehdr h; Elf64_Phdr p[2]; } f;
	memset(&f, 0, sizeof(f));
	memcpy(f.h.e_ident, ELFMAG, SELFMAG);
	f.h.e_ident[EI_CLASS] = ELFCLASS64;
	f.h.e_ident[EI_DATA] = ELFDATA2LSB;
	f.h.e_type = ET_EXEC;
	f.h.e_phoff = sizeof(Elf64_Ehdr);
	f.h.e_phentsize = sizeof(Elf64_Phdr);
	f.h.e_phnum = 2;
	f.p[0].p_type = PT_LOAD;
	f.p[1].p_type = type2;
	return file_of(&f, cut ? cut : sizeof(f));
}

static int is_static(int fd)
{
	struct ctr_err e = { 0 };
	int rc = fd >= 0 ? elf_static(fd, "test", &e) : -2;
	if (fd >= 0)
		close(fd);
	return rc;
}

int main(void)
{
	ok(is_static(elf64_with(PT_NOTE, 0)) == 0, "elf_static: PT_LOAD and PT_NOTE: static");
	ok(is_static(elf64_with(PT_INTERP, 0)) == -1, "elf_static: a PT_INTERP header: refused");
	ok(is_static(elf64_with(PT_NOTE, sizeof(Elf64_Ehdr) + 8)) == -1, "elf_static: truncated program headers: refused");
	ok(is_static(elf64_with(PT_NOTE, 10)) == -1, "elf_static: truncated ELF header: refused");
	ok(is_static(file_of("#!/bin/sh\necho hi\n", 18)) == -1, "elf_static: a #! script: refused");
	ok(is_static(file_of("", 0)) == -1, "elf_static: an empty file: refused");

	const char *v1 = "12:pids:/ctr/abc123\n4:memory:/ctr/abc123\n0::/user.slice\n";
	const char *v2 = "0::/ctr/abc123/sub\n";
	ok(cgroup_has(v1, "/ctr/abc123"), "cgroup_has: a v1 line");
	ok(cgroup_has(v2, "/ctr/abc123"), "cgroup_has: a v2 child group");
	ok(!cgroup_has("0::/ctr/abc1234\n", "/ctr/abc123"), "cgroup_has: a longer sibling name is not ours");
	ok(!cgroup_has("0::/other/ctr/abc123\n", "/ctr/abc123"), "cgroup_has: the name deeper in another tree is not ours");
	ok(!cgroup_has("", "/ctr/abc123"), "cgroup_has: empty text");
	ok(cgroup_has("1:name=systemd:/x\n0::/ctr/abc123", "/ctr/abc123"), "cgroup_has: a last line without newline");
	ok(!cgroup_has("garbage /ctr/abc123\n", "/ctr/abc123"), "cgroup_has: a line without two colons");

	const char *st = "Name:\tsleep\nPPid:\t812\nNSpid:\t4242\t17\t1\nNSpgid:\t4242\n";
	ok(status_last(st, "NSpid") == 1, "status_last: NSpid's innermost pid");
	ok(status_last(st, "PPid") == 812, "status_last: PPid");
	ok(status_last(st, "NSp") == -1, "status_last: a key is a whole field name");
	ok(status_last("NSpid:\t4242\n", "NSpid") == 4242, "status_last: the host's namespace only");
	ok(status_last("NSpid:\t42x 1\n", "NSpid") == -1, "status_last: not numbers");
	ok(status_last("PPid:\n", "PPid") == -1, "status_last: an empty field");
	ok(status_last("Name:\tx\n", "PPid") == -1, "status_last: no such field");
	return tap_done();
}
