/* SPDX-License-Identifier: GPL-2.0 */
/* The list of unit-test suites; each has a tests/unit/test-<name>.c. */
#ifndef UPX_UNIT_H
#define UPX_UNIT_H

#include <stdio.h>

#include <CUnit/CUnit.h>

#define UNIT_SUITES \
	SUITE(json) \
	SUITE(util) \
	SUITE(bpf_obj) \
	SUITE(output) \
	SUITE(events) \
	SUITE(options) \
	SUITE(libsearch) \
	SUITE(insn) \
	SUITE(probe_spec) \
	SUITE(hist) \
	SUITE(elf) \
	SUITE(dwarf) \
	SUITE(proc) \
	SUITE(copies) \
	SUITE(plan) \
	SUITE(params) \
	SUITE(kfield) \
	SUITE(runopt) \
	SUITE(atomic_file) \
	SUITE(imports) \
	SUITE(ifunc) \
	SUITE(bykey) \
	SUITE(flamegraph) \
	SUITE(metrics) \
	SUITE(usdt) \
	SUITE(symbolize) \
	SUITE(unwind) \
	SUITE(cfitab) \
	SUITE(ustack) \
	SUITE(python) \
	SUITE(cgroup) \
	SUITE(plt) \
	SUITE(facts) \
	SUITE(table) \
	SUITE(value) \
	SUITE(span) \
	SUITE(buf)

/*
 * Compare text with the golden file DIR NAME (UPX_GOLDEN_DIR replaces DIR), or
 * write it there with UPX_GOLDEN_WRITE=1, to be read and committed.
 */
void unit_golden(const char *dir, const char *name, const char *text, size_t len);

#define UNIT_TEST(fn) { .pName = #fn, .pTestFunc = fn }

/* Run stmt with stderr written into *buf (a malloc'd string, for the caller to free). */
#define UNIT_STDERR(buf, stmt)                                                     \
	do {                                                                       \
		FILE *saved_stderr_ = stderr;                                      \
		size_t len_;                                                       \
		stderr = open_memstream((buf), &len_);                             \
		stmt;                                                              \
		fclose(stderr);                                                    \
		stderr = saved_stderr_;                                            \
	} while (0)

/* What stmt writes to the stream f (declared here), as a malloc'd string for the caller to free. */
#define UNIT_WRITTEN(f, stmt)                                                      \
	({                                                                         \
		char *buf_ = NULL;                                                 \
		size_t len_ = 0;                                                   \
		FILE *f = open_memstream(&buf_, &len_);                            \
		stmt;                                                              \
		fclose(f);                                                         \
		buf_;                                                              \
	})

/* The JSON line of an object whose members stmt writes with jw (declared here), malloc'd. */
#define UNIT_JSON_OBJECT(jw, stmt)                                                 \
	UNIT_WRITTEN(f_, {                                                         \
		struct json_writer *jw = json_writer__new(f_);                     \
		json_object_start(jw);                                             \
		stmt;                                                              \
		json_object_end(jw);                                               \
		json_writer__end_line(jw);                                         \
		json_writer__free(jw);                                             \
	})

#endif
