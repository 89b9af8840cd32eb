# ctr: build the helpers and the built-in busybox image; run tests, demo, bench.
CC      ?= cc
CFLAGS  ?= -O2 -g
WFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
B       := build
HELPERS := nsenter-chroot ctr-shim ctr-attach ctr-oci ctr-jail ctr-tar
# libctr: the C helpers' library, one file per concern (docs/helpers.md, "Library")
LIB_SRC := $(wildcard helpers/lib/*.c)
LIB_HDR := $(wildcard helpers/lib/*.h)
LIB_OBJ := $(LIB_SRC:helpers/lib/%.c=$(B)/lib/%.o)
LIB_ASAN_OBJ := $(LIB_SRC:helpers/lib/%.c=$(B)/asan/lib/%.o)
# unit tests of the parts that need no root (test/unit/*.c), ASan/UBSan builds run by test/unit.bats
UNIT    := $(patsubst test/unit/%.c,$(B)/asan/unit/%,$(wildcard test/unit/*.c))
LIBS_nsenter-chroot := -lseccomp -lcap -ljson-c
LIBS_ctr-shim :=
LIBS_ctr-attach :=
LIBS_ctr-jail :=
LIBS_ctr-oci := -lseccomp -lcap -ljson-c
LIBS_ctr-tar :=
LIBS_unit := -lseccomp -lcap -ljson-c
# the supervisor stays resident per container: static glibc keeps its RSS under 1 MiB
STATIC_ctr-shim := -static
# run chrooted in an image being unpacked (pull's layer jail): no library of the host there
STATIC_ctr-tar := -static
# on every run's path, and its parent waits for the container's life: static, no ld.so at start
# (twice: it re-executes itself) and a smaller RSS (docs/design.md, "Start-up cost")
STATIC_nsenter-chroot := -static

.PHONY: all helpers asan unit image deps test shell demo clean check
all: helpers asan unit image

helpers: $(HELPERS:%=$(B)/%)
asan: $(HELPERS:%=$(B)/asan/%)
unit: $(UNIT)

$(B)/lib/%.o: helpers/lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(CFLAGS) -c -o $@ $<
$(B)/asan/lib/%.o: helpers/lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(SANFLAGS) -c -o $@ $<
$(B)/libctr.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
$(B)/asan/libctr.a: $(LIB_ASAN_OBJ)
	rm -f $@ && ar rcs $@ $^

# a main links only the archive members it uses (the static shim stays small)
$(B)/%: helpers/%.c $(B)/libctr.a $(LIB_HDR)
	$(CC) $(WFLAGS) $(CFLAGS) $(STATIC_$*) -o $@ $< $(B)/libctr.a $(LIBS_$*)
$(B)/asan/%: helpers/%.c $(B)/asan/libctr.a $(LIB_HDR)
	$(CC) $(WFLAGS) $(SANFLAGS) -o $@ $< $(B)/asan/libctr.a $(LIBS_$*)
$(B)/asan/unit/%: test/unit/%.c test/unit/tap.h $(B)/asan/libctr.a $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(SANFLAGS) -Ihelpers/lib -DTEST_DIR=\"$(CURDIR)/test/unit\" -o $@ $< $(B)/asan/libctr.a $(LIBS_unit)

include images/busybox.mk
include bench/bench.mk
include test/v2/v2.mk

# Install what is missing on a Debian machine (idempotent, quiet when all is there).
deps:
	@sh helpers/deps.sh

check:
	shellcheck -s sh ctr.sh helpers/*.sh images/*.sh bench/*.sh test/*.sh test/v2/*.sh
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability --std=c11 --suppress=missingIncludeSystem helpers/*.c helpers/lib/*.c images/progs/*.c test/*.c test/oci/*.c test/unit/*.c

# The files run side by side (TEST_JOBS at once, GNU parallel; each test has its own pool, prefix,
# bridge and subnet); a file's tests in order. SERIAL_TESTS measure CPU shares: alone, afterwards.
TEST_JOBS ?= 3
SERIAL_TESTS := test/limits.bats
test: deps all
	{ bats --tap --jobs $(TEST_JOBS) --no-parallelize-within-files \
	    $(filter-out $(SERIAL_TESTS),$(wildcard test/*.bats test/oci/*.bats)); \
	  bats --tap $(SERIAL_TESTS); } | sh test/summary.sh

shell: deps all
	./ctr.sh run -it --rm busybox sh

demo: deps all
	./ctr.sh demo

clean:
	rm -rf $(B)

# OCI conformance (runtime-tools validation, /work/shared/oci-validation): ctr-oci and runc in
# the same run, both figures printed; ~3 min, not part of `make test`. Figures: docs/oci.md.
OCI_VALIDATE ?= /work/shared/oci-validation/oci-validate.sh
.PHONY: oci-validate
oci-validate: $(B)/ctr-oci
	@bash $(OCI_VALIDATE) $(CURDIR)/$(B)/ctr-oci $(B)/oci-validate/ctr-oci > $(B)/oci-validate.ctr-oci.log 2>&1; \
	 bash $(OCI_VALIDATE) runc $(B)/oci-validate/runc > $(B)/oci-validate.runc.log 2>&1; \
	 printf 'ctr-oci: %s\nrunc:    %s\n' "$$(tail -1 $(B)/oci-validate.ctr-oci.log)" "$$(tail -1 $(B)/oci-validate.runc.log)"
