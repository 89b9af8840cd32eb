# images/busybox.mk - the built-in busybox image, included by the top Makefile.
#
# make image   builds $(IMAGE_ROOTFS) (build/rootfs/busybox): Debian's static busybox, one
#              symlink per applet, /etc, and the static test programs of images/progs/ in
#              /usr/local/bin. A stamp outside the rootfs makes it incremental: the rootfs is
#              rebuilt (atomically, by images/mkrootfs.sh) only when busybox, the recipe or a
#              program changed, or when the rootfs is missing.
# make progs   builds only the programs, in $(B)/progs/ (they run on the host too).

BUSYBOX      ?= /bin/busybox
IMAGE_ROOTFS := $(B)/rootfs/busybox
# dpkg keeps a packaged file's mtime, so an upgraded busybox can look older than the stamp:
# the stamp's name carries busybox's checksum, and a new busybox means a missing stamp.
IMAGE_STAMP  := $(B)/rootfs/.busybox.stamp-$(firstword $(shell cksum $(BUSYBOX) 2>/dev/null))
IMAGE_PROGS  := $(patsubst images/progs/%.c,$(B)/progs/%,$(wildcard images/progs/*.c))
PROGS_CFLAGS := -O2 -static -pthread

.PHONY: image progs
image: $(IMAGE_STAMP)
progs: $(IMAGE_PROGS)

# A stamp left behind by a deleted rootfs must not stop the rebuild.
ifeq ($(wildcard $(IMAGE_ROOTFS)/bin/busybox),)
.PHONY: $(IMAGE_STAMP)
endif

$(IMAGE_STAMP): images/mkrootfs.sh images/busybox.mk $(BUSYBOX) $(IMAGE_PROGS)
	BUSYBOX=$(BUSYBOX) sh images/mkrootfs.sh $(IMAGE_ROOTFS) $(IMAGE_PROGS)
	rm -f $(B)/rootfs/.busybox.stamp*
	touch $@

$(B)/progs/%: images/progs/%.c images/progs/prog.h
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) $(PROGS_CFLAGS) -o $@ $<

$(BUSYBOX):
	@echo "image: $(BUSYBOX) is missing: install busybox-static (make deps)" >&2; exit 1
