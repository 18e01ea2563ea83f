# SPDX-License-Identifier: GPL-2.0
# make bench: the floor (a bare libbpf loader, bench/floor/) and the bench fixtures.
BENCH := $(O)/bench
BENCH_BINS := $(BENCH)/floor $(BENCH)/benchme $(BENCH)/stamp

$(BENCH)/floor.bpf.o: bench/floor/floor.bpf.c bench/floor/floor.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibench/floor -c $< -o $@
	$(Q)llvm-strip -g $@ 2>/dev/null || true

$(BENCH)/floor.skel.h: $(BENCH)/floor.bpf.o
	$(call msg,GENSKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name floor_bpf > $@

$(BENCH)/floor: bench/floor/floor.c bench/floor/floor.h $(BENCH)/floor.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -I$(BENCH) -o $@ $< -lbpf -lelf -lz

# No frame-pointer games: the probed functions are written in assembly.
$(BENCH)/benchme: bench/fixtures/benchme.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -g -o $@ $<

$(BENCH)/stamp: bench/fixtures/stamp.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -o $@ $<

# bench/leaks.sh: malloc/free pairs under upx leaks and its peers.
BENCH_BINS += $(BENCH)/mallocpairs
$(BENCH)/mallocpairs: bench/fixtures/mallocpairs.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -g -fno-builtin -o $@ $<
