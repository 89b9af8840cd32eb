# test/v2/v2.mk - `make test-v2`: ctr's cgroup v2 code path run against a real cgroup v2 kernel.
# Included by the top Makefile. test/v2/run.sh boots Debian's 6.1 kernel with cgroup_no_v1=all in
# qemu (TCG: no KVM needed) over the host's own root filesystem, and runs bats there.
#   make test-v2                           V2_TESTS with bats in the guest, then the summary line
#   make test-v2 V2_FILTER='OOM|fork'      only the tests whose names match (bats --filter)
# Programs run ~40x slower in the guest: V2_TESTS is the focused set, not the whole suite.
V2_TESTS  ?= test/limits.bats
V2_FILTER ?=

.PHONY: test-v2
test-v2: deps all
	@dpkg-query -W -f='$${Status}\n' qemu-system-x86 cpio 2>/dev/null | grep -c 'ok installed' | grep -qx 2 || \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends qemu-system-x86 cpio; }
	@mkdir -p $(B)/v2
	{ sh test/v2/run.sh bats --tap $(if $(V2_FILTER),--filter '$(V2_FILTER)') $(V2_TESTS); \
	  echo $$? >$(B)/v2/rc; } | sh test/summary.sh && [ "$$(cat $(B)/v2/rc)" = 0 ]
