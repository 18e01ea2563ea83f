# SPDX-License-Identifier: GPL-2.0
# libFuzzer harnesses, one per parser of outside input (tests/fuzz/fuzz-*.c).
# The core objects are built again with clang -fsanitize=fuzzer-no-link,address,undefined
# in their own directory, $(O)/fuzz; the normal build is not touched.
#   make fuzz           fuzz each target for FUZZ_S seconds (default 60), print executions
#   make fuzz-smoke     replay every corpus, then FUZZ_SMOKE_S (3) seconds each (make test)
#   make fuzz-NAME      build and fuzz one target (FUZZ_S)
#   tests/fuzz/make-seeds.sh   regenerate the seeds of tests/fuzz/corpus/
FUZZ_O := $(O)/fuzz
FUZZ_CC ?= clang
FUZZ_S ?= 60
FUZZ_SMOKE_S ?= 3
FUZZ_TARGETS := elf ldcache libdeps probe-spec match insn dwarf usdt folded cfitab
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -std=gnu11 -D_GNU_SOURCE -Wall -Wextra \
	       -Wno-unused-parameter -Wno-missing-field-initializers -iquote core -iquote probes -iquote tests/fuzz \
	       -DUPX_VERSION='"fuzz"' $(FUZZ_SAN)
# Everything of core/ that does not load BPF; the harnesses take what they need from the archive.
FUZZ_CORE_SRCS := $(filter-out core/run/attach.c core/run/bpf-util.c core/base/cmd.c core/run/events.c \
		  core/run/session.c core/output/pprof.c,$(wildcard core/*/*.c))
FUZZ_CORE_OBJS := $(patsubst core/%.c,$(FUZZ_O)/core/%.o,$(FUZZ_CORE_SRCS))
FUZZ_BINS := $(patsubst %,$(FUZZ_O)/fuzz-%,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-smoke fuzz-build $(patsubst %,fuzz-%,$(FUZZ_TARGETS))

$(FUZZ_O)/core/%.o: core/%.c $(wildcard core/*/*.h) tests/fuzz/fuzz.mk
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_O)/libupx-core.a: $(FUZZ_CORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_O)/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h $(FUZZ_O)/libupx-core.a
	$(call msg,FUZZLD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_O)/libupx-core.a \
		-ldw -lelf -lz -llzma -lstdc++ -ldl -lpthread

# fuzz-match plans against the C++ fixture.
fuzz-build: $(FUZZ_BINS) $(FIX)/cxxshop

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_O) $(FUZZ_S) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	tests/fuzz/run.sh $(FUZZ_O) $(FUZZ_SMOKE_S) smoke $(FUZZ_TARGETS)

$(patsubst %,fuzz-%,$(FUZZ_TARGETS)): fuzz-%: $(FUZZ_O)/fuzz-% $(FIX)/cxxshop
	tests/fuzz/run.sh $(FUZZ_O) $(FUZZ_S) $*
