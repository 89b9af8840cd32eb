# bench/bench.mk - `make bench`, included by the top Makefile (include bench/bench.mk).
#
# make bench                     the benchmark of bench/bench.sh: writes bench/results.md and prints it
#                                (ramp to 1,000 detached containers; ~15 min on a 2-core VM)
# make bench BENCH_MAX_N=4000    the ramp up to 4,000 detached containers (about half an hour)
# make bench BENCH_MAX_N=10000   up to 10,000 (about 1.5 h; each running container holds ~1.7 MiB of
#                                kernel memory here, most of it its memory group's shrinker units,
#                                which grow with every filesystem the host ever had at once
#                                (docs/design.md): check `free -g` first; the bench's /16 subnet
#                                gives them 10 bridges of 1,024 addresses)
# make bench BENCH_BUILD=0       without the build rows (ctr.sh build next to buildah bud; buildah,
#                                Debian's, is installed for them: the tests do not need it)
# make bench BENCH_ROOTLESS=0    without the rootless rows (ctr.sh run as a throwaway user the bench
#                                makes and removes, next to rootless podman)
# Other knobs (BENCH_RUNS, BENCH_WARMUP, BENCH_ROUNDS, BENCH_TPUT, BENCH_RM_SAMPLE, BENCH_PULL_RUNS,
# BENCH_BUILD_RUNS, BENCH_OUT, BENCH_KEEP) are described at the top of bench/bench.sh; make passes
# them on from its command line or environment.

.PHONY: bench
bench: deps helpers image
	@[ "$${BENCH_BUILD:-1}" = 0 ] || sh helpers/deps.sh buildah
	sh bench/bench.sh
