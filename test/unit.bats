#!/usr/bin/env bats
# test/unit.bats - the unit tests of the helpers' library (helpers/lib), one @test per
# program of test/unit/ (TAP inside). `make unit` (part of `make all`) builds them with
# ASan/UBSan into build/asan/unit/. A test fails on a "not ok" line, a plan that does not
# match the lines, a sanitizer report (leaks included) or a non-zero exit. No root needed.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	export UNIT="$REPO/build/asan/unit"
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
}

# unit NAME: run build/asan/unit/NAME; its whole TAP output is shown when it fails.
unit() {
	[ -x "$UNIT/$1" ] || fail "$UNIT/$1: not built (make unit)"
	run "$UNIT/$1"
	assert_success
	refute_output --partial "not ok"
	refute_output --regexp "Sanitizer|runtime error"
	local plan oks
	plan=$(printf '%s\n' "$output" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p')
	oks=$(printf '%s\n' "$output" | grep -c '^ok ')
	[ -n "$plan" ] && [ "$plan" -gt 0 ] && [ "$plan" = "$oks" ] ||
		fail "plan 1..$plan but $oks ok lines"
}

@test "unit: every test/unit program has its @test here" {
	for c in "$BATS_TEST_DIRNAME"/unit/*.c; do
		name=$(basename "$c" .c)
		grep -q "^	unit $name\$" "$BATS_TEST_FILENAME" || fail "test/unit/$name.c: no @test in unit.bats"
	done
}

@test "unit: option table and nsenter-chroot's argv into a spec (lib/opt.c, lib/args.c)" {
	unit args
}

@test "unit: the clean environment (lib/env.c)" {
	unit env
}

@test "unit: PATH search and exit codes 126/127 (lib/exec.c, lib/error.c)" {
	unit exec
}

@test "unit: the attach frame codec (lib/frame.c)" {
	unit frame
}

@test "unit: --user lookup on a fixture passwd and group (lib/user.c)" {
	unit user
}

@test "unit: close every fd but the kept ones, with and without close_range (lib/fds.c)" {
	unit fds
}

@test "unit: tar (the pax writer, the reader, the xattr plan)" {
	unit tar
}

@test "unit: config.json into a spec, unsupported fields named (lib/oci-*.c)" {
	unit oci-config
}

@test "unit: nsenter-chroot --config, a file with this start's options, an exec's --process (lib/oci-nsenter.c)" {
	unit oci-nsenter
}

@test "unit: ctr-jail's checks: a static ELF only, a PID in the container's cgroup, a rootless PID's /proc status (lib/jail.c)" {
	unit jail
}

@test "unit: device rules as cgroup v1 reads them, and the v2 eBPF program agreeing with them (lib/devices.c)" {
	unit devices
}

@test "unit: the cache of compiled seccomp filters trusts only root's whole entries (lib/bpf-cache.c)" {
	unit bpf-cache
}
