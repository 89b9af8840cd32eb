# ctr: build the helpers and the built-in busybox image; run tests, demo, bench.
CC      ?= cc
CFLAGS  ?= -O2 -g
WFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
B       := build
HELPERS := nsenter-chroot ctr-shim ctr-attach
LIBS_nsenter-chroot := -lseccomp -lcap
LIBS_ctr-shim :=
LIBS_ctr-attach :=
# the supervisor stays resident per container: static glibc keeps its RSS under 1 MiB
STATIC_ctr-shim := -static

.PHONY: all helpers asan image deps test shell demo clean check
all: helpers asan image

helpers: $(HELPERS:%=$(B)/%)
asan: $(HELPERS:%=$(B)/asan/%)

$(B)/%: helpers/%.c helpers/*.h | $(B)
	$(CC) $(WFLAGS) $(CFLAGS) $(STATIC_$*) -o $@ $< $(LIBS_$*)
$(B)/asan/%: helpers/%.c helpers/*.h | $(B)
	mkdir -p $(B)/asan
	$(CC) $(WFLAGS) $(SANFLAGS) -o $@ $< $(LIBS_$*)
$(B):
	mkdir -p $(B)

include images/busybox.mk
include bench/bench.mk
include test/v2/v2.mk

# Install what is missing on a Debian machine (idempotent, quiet when all is there).
deps:
	@sh helpers/deps.sh

check:
	shellcheck -s sh ctr.sh helpers/*.sh images/*.sh bench/*.sh test/*.sh test/v2/*.sh
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability --std=c11 --suppress=missingIncludeSystem helpers/*.c images/progs/*.c test/*.c

test: deps all
	bats --tap test/ | sh test/summary.sh

shell: deps all
	./ctr.sh run -it --rm busybox sh

demo: deps all
	./ctr.sh demo

clean:
	rm -rf $(B)
