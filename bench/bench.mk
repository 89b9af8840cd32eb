# bench/bench.mk - `make bench`, included by the top Makefile (include bench/bench.mk).
#
# make bench                    the benchmark of bench/bench.sh: writes bench/results.md and prints it
# make bench BENCH_MAX_N=4000   the ramp up to 4,000 detached containers (about half an hour on a 2-core VM)
# Other knobs (BENCH_RUNS, BENCH_WARMUP, BENCH_RM_SAMPLE, BENCH_PULL_RUNS, BENCH_OUT, BENCH_KEEP) are
# described at the top of bench/bench.sh; make passes them on from its command line or environment.

.PHONY: bench
bench: deps helpers image
	sh bench/bench.sh
