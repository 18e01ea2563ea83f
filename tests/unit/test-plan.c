// SPDX-License-Identifier: GPL-2.0
/*
 * core/plan/plan.c: which functions get no return probe (they return twice or never
 * return), told from names, aliases and DWARF, on the real libc and on
 * programs built here; what r: and --latency globs and named functions do then;
 * and over the fixtures (make fixtures): aliases, IFUNCs, endbr64, refused
 * sites, C++ globs and overloads, the one matcher, tags.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "plan/plan.h"
#include "symbols/dwarf.h"
#include "symbols/elf.h"
#include "symbols/usdt.h"
#include "target/probe-spec.h"
#include "unit.h"

/* The hazard of the function called name in plan->files[file]; -1 when there is none. */
static int hazard_of(struct plan *plan, int file, const char *name)
{
	struct elf_sym *s;
	size_t n = elf_file__find_syms(plan->files[file].ef, name, &s);

	for (size_t i = 0; i < n; i++)
		if (s[i].defined && s[i].offset)
			return plan_return_hazard(plan, file, s[i].value);
	return -1;
}

static void expect_hazards(struct plan *plan, int file, const char *const *names, size_t n,
			   enum plan_hazard want)
{
	for (size_t i = 0; i < n; i++) {
		int got = hazard_of(plan, file, names[i]);

		if (got != (int)want)
			fprintf(stderr, "\n    %s: %s, expected %s ", names[i],
				got < 0 ? "no such function" : plan_hazard_text(got),
				plan_hazard_text(want));
		CU_ASSERT_EQUAL(got, want);
	}
}

static int open_libc(struct plan *plan)
{
	int file = plan_open_file(plan, "libc.so.6");

	CU_ASSERT_FATAL(file == 0);
	/* libc6-dbg is one of upx's dependencies (tools/install-deps.sh). */
	if (!plan->files[file].ef->debug_path)
		fprintf(stderr, "\n    no debug file for libc.so.6: install libc6-dbg ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(plan->files[file].ef->debug_path);
	return file;
}

static void test_libc_returns_twice(void)
{
	/* Exported names, and the local aliases the debug file's .symtab adds. */
	static const char *const names[] = {
		"setjmp", "_setjmp", "__sigsetjmp", "__GI___sigsetjmp", "__GI__setjmp",
		"vfork", "__vfork", "__libc_vfork", "getcontext", "__getcontext", "swapcontext",
	};
	struct plan plan = {};
	int file = open_libc(&plan);

	expect_hazards(&plan, file, names, ARRAY_SIZE(names), PLAN_HAZARD_RETURNS_TWICE);
	plan_free(&plan);
}

static void test_libc_never_returns(void)
{
	static const char *const names[] = {
		/* by name, and every alias at the same address */
		"longjmp", "_longjmp", "siglongjmp", "__libc_siglongjmp", "__libc_longjmp",
		"__longjmp", "__longjmp_chk", "____longjmp_chk", "exit", "_exit", "_Exit",
		"abort", "pthread_exit", "thrd_exit", "quick_exit", "__libc_start_main",
		"__libc_start_main_impl", "setcontext", "__setcontext",
#if defined(__x86_64__)
		"__restore_rt", "__start_context",
#endif
		/* DW_AT_noreturn alone: no name rule knows these */
		"err", "errx", "verr", "verrx", "__assert_fail", "__stack_chk_fail", "__libc_fatal",
		"__fortify_fail", "__chk_fail", "start_thread", "__pthread_unwind_next",
	};
	struct plan plan = {};
	int file = open_libc(&plan);

	expect_hazards(&plan, file, names, ARRAY_SIZE(names), PLAN_HAZARD_NORETURN);
	CU_ASSERT(plan.files[file].hazards_dwarf);
	plan_free(&plan);
}

static void test_libc_returns_normally(void)
{
	/* Neighbours and near names: saving the mask, unwinding before a longjmp, atexit. */
	static const char *const names[] = {
		"malloc", "free", "printf", "fork", "__sigjmp_save", "_longjmp_unwind",
		"makecontext", "on_exit", "__cxa_atexit", "pthread_create", "sigaction",
		"__libc_fork", "_Fork", "pthread_join", "execve", "system",
	};
	struct plan plan = {};
	int file = open_libc(&plan);

	expect_hazards(&plan, file, names, ARRAY_SIZE(names), PLAN_HAZARD_NONE);
	plan_free(&plan);
}

/* The DWARF level: libc's debug file marks abort and err noreturn, not malloc. */
static void test_dwarf_noreturn_libc(void)
{
	struct plan plan = {};
	int file = open_libc(&plan);
	struct plan_file *pf = &plan.files[file];
	uint64_t *addrs = NULL;
	int n = dwarf_noreturn_funcs(pf->path, pf->ef->debug_path, &addrs);
	bool abort_in = false, err_in = false, malloc_in = false;

	CU_ASSERT_FATAL(n > 0);
	for (int i = 1; i < n; i++)
		CU_ASSERT(addrs[i - 1] < addrs[i]);
	for (int i = 0; i < n; i++) {
		abort_in |= addrs[i] == elf_file__find_def(pf->ef, "abort", NULL)->value;
		err_in |= addrs[i] == elf_file__find_def(pf->ef, "err", NULL)->value;
		malloc_in |= addrs[i] == elf_file__find_def(pf->ef, "malloc", NULL)->value;
	}
	CU_ASSERT(abort_in);
	CU_ASSERT(err_in);
	CU_ASSERT(!malloc_in);
	free(addrs);
	/* libc.so.6 itself has no DWARF. */
	CU_ASSERT_EQUAL(dwarf_noreturn_funcs(pf->path, NULL, &addrs), -ENOENT);
	CU_ASSERT_PTR_NULL(addrs);
	plan_free(&plan);
}

/* A program built here: noreturn from DWARF only, names GCC knows, aliases of both. */
static const char src_aliases[] =
	"#include <unistd.h>\n"
	"__attribute__((noreturn, noinline)) void die_now(int c) { _exit(c); }\n"
	"void bye(int c) __attribute__((noreturn, alias(\"die_now\")));\n"
	"__attribute__((noinline)) int savectx(void *p) { return p != 0; }\n"
	"int grab(void *p) __attribute__((alias(\"savectx\")));\n"
	"__attribute__((noinline)) int fine(int x) { return x + 1; }\n"
	"int main(int argc, char **argv)\n"
	"{ if (argc > 5) bye(1); return fine(argc) + grab(argv); }\n";

static int build(const char *dir, const char *flags, const char *name, char **exe)
{
	char *src = xasprintf("%s/prog.c", dir), *cmd;
	FILE *f = fopen(src, "w");
	int ret;

	CU_ASSERT_FATAL(f != NULL);
	fputs(src_aliases, f);
	fclose(f);
	*exe = xasprintf("%s/%s", dir, name);
	cmd = xasprintf("gcc %s -o %s %s", flags, *exe, src);
	ret = system(cmd);
	free(cmd);
	free(src);
	return ret;
}

static void test_program_dwarf_and_aliases(void)
{
	char dir[] = "/tmp/upx-unit-plan.XXXXXX", *exe, *cmd;
	struct plan plan = {};
	int file;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);

	CU_ASSERT_FATAL(build(dir, "-g -O1", "prog-g", &exe) == 0);
	file = plan_open_file(&plan, exe);
	CU_ASSERT_FATAL(file >= 0);
	CU_ASSERT_EQUAL(hazard_of(&plan, file, "die_now"), PLAN_HAZARD_NORETURN);
	CU_ASSERT_EQUAL(hazard_of(&plan, file, "bye"), PLAN_HAZARD_NORETURN);
	CU_ASSERT_EQUAL(hazard_of(&plan, file, "savectx"), PLAN_HAZARD_RETURNS_TWICE);
	CU_ASSERT_EQUAL(hazard_of(&plan, file, "grab"), PLAN_HAZARD_RETURNS_TWICE);
	CU_ASSERT_EQUAL(hazard_of(&plan, file, "fine"), PLAN_HAZARD_NONE);
	CU_ASSERT_EQUAL(hazard_of(&plan, file, "main"), PLAN_HAZARD_NONE);
	CU_ASSERT(plan.files[file].hazards_dwarf);
	plan_free(&plan);
	free(exe);

	/* Without DWARF only names are left: die_now is not known, savectx still is. */
	CU_ASSERT_FATAL(build(dir, "-g0 -O1", "prog-g0", &exe) == 0);
	file = plan_open_file(&plan, exe);
	CU_ASSERT_FATAL(file >= 0);
	CU_ASSERT_EQUAL(hazard_of(&plan, file, "die_now"), PLAN_HAZARD_NONE);
	CU_ASSERT_EQUAL(hazard_of(&plan, file, "savectx"), PLAN_HAZARD_RETURNS_TWICE);
	CU_ASSERT_EQUAL(hazard_of(&plan, file, "grab"), PLAN_HAZARD_RETURNS_TWICE);
	CU_ASSERT(!plan.files[file].hazards_dwarf);
	plan_free(&plan);
	free(exe);

	cmd = xasprintf("rm -rf %s", dir);
	CU_ASSERT(system(cmd) == 0);
	free(cmd);
}

/* Plan one spec (latency: --latency); 0 or -1 as plan_add_spec. */
static int plan_one(struct plan *plan, const char *text, bool latency, bool force)
{
	struct probe_spec spec;
	char err[256];
	int ret;

	CU_ASSERT_FATAL(probe_spec_parse(text, &spec, err, sizeof(err)) == 0);
	plan->opts.entry_and_return = latency;
	plan->opts.force = force;
	ret = plan_add_spec(plan, &spec, 0);
	probe_spec_free(&spec);
	return ret;
}

/* Is func (or an alias: the best name at an address labels the probe) planned? */
static bool planned(const struct plan *plan, const char *func)
{
	struct elf_sym *s;
	size_t n = elf_file__find_syms(plan->files[0].ef, func, &s);

	CU_ASSERT_FATAL(n > 0);
	for (size_t i = 0; i < plan->nr; i++)
		if (plan->entries[i].vaddr == s->value)
			return true;
	return false;
}

static bool skipped(const struct plan *plan, const char *func)
{
	for (size_t i = 0; i < plan->nr_skipped; i++)
		if (plan->skipped[i].hazard && !strcmp(plan->skipped[i].func, func))
			return true;
	return false;
}

/* No planned entry (entry or return) is a hazard; n: how many return probes. */
static void expect_no_hazard_planned(struct plan *plan, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < plan->nr; i++) {
		const struct plan_entry *e = &plan->entries[i];

		if (plan_return_hazard(plan, e->file, e->vaddr))
			fprintf(stderr, "\n    planned: %s ", e->label);
		CU_ASSERT_EQUAL(plan_return_hazard(plan, e->file, e->vaddr), PLAN_HAZARD_NONE);
		*n += e->is_return;
	}
}

static void test_return_globs_leave_them_out(void)
{
	struct plan plan = {};
	size_t nr_ret;

	CU_ASSERT_EQUAL_FATAL(plan_one(&plan, "r:libc.so.6:*jmp*", false, false), 0);
	expect_no_hazard_planned(&plan, &nr_ret);
	CU_ASSERT_EQUAL(nr_ret, plan.nr);
	CU_ASSERT(planned(&plan, "__sigjmp_save"));
	CU_ASSERT(planned(&plan, "_longjmp_unwind"));
	CU_ASSERT(skipped(&plan, "_longjmp/longjmp/siglongjmp"));
	CU_ASSERT(skipped(&plan, "__sigsetjmp"));
	CU_ASSERT(skipped(&plan, "_setjmp"));
	CU_ASSERT(skipped(&plan, "setjmp"));
	CU_ASSERT(skipped(&plan, "__longjmp_chk"));
	plan_free(&plan);

	/* Nothing left: an error that says why. */
	CU_ASSERT_EQUAL(plan_one(&plan, "r:libc.so.6:*setjmp*", false, false), -1);
	CU_ASSERT_EQUAL(plan.nr, 0);
	plan_free(&plan);

	/* --latency: the entry probe goes too (a histogram needs both). */
	CU_ASSERT_EQUAL(plan_one(&plan, "libc.so.6:*setjmp*", true, false), -1);
	plan_free(&plan);
	CU_ASSERT_EQUAL_FATAL(plan_one(&plan, "libc.so.6:*jmp*", true, false), 0);
	expect_no_hazard_planned(&plan, &nr_ret);
	CU_ASSERT_EQUAL(2 * nr_ret, plan.nr);
	CU_ASSERT(planned(&plan, "__sigjmp_save"));
	CU_ASSERT(skipped(&plan, "__sigsetjmp"));
	plan_free(&plan);

	/* Entry probes are fine. */
	CU_ASSERT_EQUAL_FATAL(plan_one(&plan, "libc.so.6:*setjmp*", false, false), 0);
	CU_ASSERT(planned(&plan, "__sigsetjmp"));
	CU_ASSERT_EQUAL(plan.nr_skipped, 0);
	plan_free(&plan);
}

static void test_named_refused_unless_forced(void)
{
	static const char *const refused[] = {
		"r:libc.so.6:longjmp", "r:libc.so.6:__sigsetjmp", "r:libc.so.6:exit",
		"r:libc.so.6:vfork", "r:libc.so.6:__longjmp_chk",
	};
	struct plan plan = {};

	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		CU_ASSERT_EQUAL(plan_one(&plan, refused[i], false, false), -1);
		CU_ASSERT_EQUAL(plan.nr, 0);
		plan_free(&plan);
		CU_ASSERT_EQUAL(plan_one(&plan, refused[i], false, true), 0);
		CU_ASSERT_EQUAL(plan.nr, 1);
		plan_free(&plan);
	}
	CU_ASSERT_EQUAL(plan_one(&plan, "libc.so.6:longjmp", true, false), -1);
	plan_free(&plan);
	CU_ASSERT_EQUAL(plan_one(&plan, "libc.so.6:longjmp", true, true), 0);
	CU_ASSERT_EQUAL(plan.nr, 2);
	plan_free(&plan);
	CU_ASSERT_EQUAL(plan_one(&plan, "libc.so.6:longjmp", false, false), 0);
	CU_ASSERT_EQUAL(plan.nr, 1);
	plan_free(&plan);
	CU_ASSERT_EQUAL(plan_one(&plan, "r:libc.so.6:malloc", false, false), 0);
	plan_free(&plan);
	/* With --force a glob keeps them too. */
	CU_ASSERT_EQUAL_FATAL(plan_one(&plan, "r:libc.so.6:*setjmp*", false, true), 0);
	CU_ASSERT(planned(&plan, "__sigsetjmp"));
	CU_ASSERT_EQUAL(plan.nr_skipped, 0);
	plan_free(&plan);
}

/* A fixture built by `make fixtures`; NULL (and one failure saying so) when it is not there. */
static const char *fixture(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "build/fixtures/%s", name);
	if (access(path, R_OK)) {
		fprintf(stderr, "\n    no %s: run make fixtures ", path);
		CU_FAIL("fixture missing");
		return NULL;
	}
	return path;
}

/* Plan text (a spec) into plan; 0 or -1 as plan_add_spec. */
static int plan_text(struct plan *plan, const char *text)
{
	struct probe_spec spec;
	char err[256];
	int ret;

	CU_ASSERT_FATAL(probe_spec_parse(text, &spec, err, sizeof(err)) == 0);
	ret = plan_add_spec(plan, &spec, 0);
	probe_spec_free(&spec);
	return ret;
}

static const struct plan_entry *entry_named(const struct plan *plan, const char *func)
{
	for (size_t i = 0; i < plan->nr; i++)
		if (!strcmp(plan->entries[i].func, func))
			return &plan->entries[i];
	return NULL;
}

/* The file offset of a defined function of plan->files[0], as its symbol says. */
static uint64_t sym_offset(const struct plan *plan, const char *func)
{
	struct elf_sym *s;
	size_t n = elf_file__find_syms(plan->files[0].ef, func, &s);

	for (size_t i = 0; i < n; i++)
		if (s[i].defined && s[i].offset)
			return s[i].offset;
	CU_FAIL("no such function");
	return 0;
}

static void test_aliases_merged(void)
{
	struct plan plan = {};
	char how[64];

	/* malloc and __libc_malloc are one function: one probe, named as first asked. */
	CU_ASSERT_EQUAL_FATAL(plan_text(&plan, "libc.so.6:malloc"), 0);
	CU_ASSERT_EQUAL_FATAL(plan_text(&plan, "libc.so.6:__libc_malloc"), 0);
	CU_ASSERT_EQUAL(plan.nr, 1);
	CU_ASSERT_STRING_EQUAL(plan.entries[0].label, "libc.so.6:malloc");
	CU_ASSERT_FALSE(plan.entries[0].is_ifunc);
	CU_ASSERT_EQUAL(plan.entries[0].tag, 0);
	/* The other direction is another probe on the same site. */
	CU_ASSERT_EQUAL_FATAL(plan_text(&plan, "r:libc.so.6:__libc_malloc"), 0);
	CU_ASSERT_EQUAL_FATAL(plan.nr, 2);
	CU_ASSERT_TRUE(plan.entries[1].is_return);
	CU_ASSERT_EQUAL(plan.entries[1].offset, plan.entries[0].offset);
	CU_ASSERT_EQUAL(plan.entries[1].cookie, 1);
	plan_entry_how(&plan.entries[1], how, sizeof(how));
	CU_ASSERT_STRING_EQUAL(how, plan_site_text(plan.entries[1].site));
	plan_free(&plan);
}

static void test_ifunc_resolved(void)
{
	struct plan plan = {};
	const struct plan_entry *e;
	char how[128];
	struct elf_sym *impl;

	CU_ASSERT_EQUAL_FATAL(plan_text(&plan, "libc.so.6:strlen"), 0);
	CU_ASSERT_EQUAL_FATAL(plan.nr, 1);
	e = &plan.entries[0];
	CU_ASSERT_TRUE(e->is_ifunc);
	CU_ASSERT_STRING_EQUAL(e->ifunc, "strlen");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e->impl);
	CU_ASSERT_NSTRING_EQUAL(e->impl, "__strlen_", 9);
	/* Probed at the implementation: its symbol's address, not strlen's (the resolver). */
	CU_ASSERT_FATAL(elf_file__find_syms(plan.files[0].ef, e->impl, &impl) > 0);
	CU_ASSERT_EQUAL(e->vaddr, impl->value);
	CU_ASSERT_NOT_EQUAL(e->offset, sym_offset(&plan, "strlen"));
	plan_entry_how(e, how, sizeof(how));
	CU_ASSERT_NSTRING_EQUAL(how, "IFUNC strlen -> __strlen_", 25);
	CU_ASSERT_STRING_EQUAL(how + strlen("IFUNC strlen -> "), e->impl);
	plan_free(&plan);
}

/* plan_note_redirects()'s notes (stderr) for spec, planned alone, into *msg (malloc'd). */
static void redirect_notes(const char *text, char **msg)
{
	struct plan plan = {};
	struct probe_spec spec;
	char err[256];

	CU_ASSERT_FATAL(probe_spec_parse(text, &spec, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL_FATAL(plan_add_spec(&plan, &spec, 0), 0);
	UNIT_STDERR(msg, plan_note_redirects(&plan, &spec));
	probe_spec_free(&spec);
	plan_free(&plan);
}

/* A named IFUNC is noted with the implementation probed; one matched by a glob is not. */
static void test_ifunc_noted(void)
{
	char *msg = NULL;

	redirect_notes("libc.so.6:strlen", &msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "libc.so.6:strlen is an IFUNC: probing the "
				      "implementation the dynamic linker picks here (strlen -> __strlen_"));
	CU_ASSERT_PTR_NULL(strstr(msg, "PLT"));
	free(msg);
	msg = NULL;
	redirect_notes("libc.so.6:strle[n]", &msg);
	CU_ASSERT_STRING_EQUAL(msg, "");
	free(msg);
}

static void test_endbr_skipped(void)
{
	const char *cet = fixture("uprobeme-cet");
	struct plan plan = {};
	char text[300], how[64];
	uint64_t foo;

	if (!cet)
		return;
	snprintf(text, sizeof(text), "%s:foo", cet);
	CU_ASSERT_EQUAL_FATAL(plan_text(&plan, text), 0);
	CU_ASSERT_EQUAL_FATAL(plan.nr, 1);
	foo = sym_offset(&plan, "foo");
	CU_ASSERT_EQUAL(plan.entries[0].site, PLAN_SITE_AFTER_ENDBR);
	CU_ASSERT_EQUAL(plan.entries[0].offset, foo + 4);	/* f3 0f 1e fa */
	plan_entry_how(&plan.entries[0], how, sizeof(how));
	CU_ASSERT_STRING_EQUAL(how, "after endbr64");
	plan_free(&plan);

	/* --at-entry: on endbr64 itself. */
	plan.opts.no_endbr_skip = true;
	CU_ASSERT_EQUAL_FATAL(plan_text(&plan, text), 0);
	CU_ASSERT_EQUAL_FATAL(plan.nr, 1);
	CU_ASSERT_EQUAL(plan.entries[0].site, PLAN_SITE_START);
	CU_ASSERT_EQUAL(plan.entries[0].offset, foo);
	plan_entry_how(&plan.entries[0], how, sizeof(how));
	CU_ASSERT_STRING_EQUAL(how, "");
	plan_free(&plan);

	/* FUNCTION+OFFSET: where asked, said so. */
	snprintf(text, sizeof(text), "%s:foo+4", cet);
	CU_ASSERT_EQUAL_FATAL(plan_text(&plan, text), 0);
	CU_ASSERT_EQUAL_FATAL(plan.nr, 1);
	CU_ASSERT_EQUAL(plan.entries[0].site, PLAN_SITE_AT_OFFSET);
	CU_ASSERT_EQUAL(plan.entries[0].offset, foo + 4);
	plan_free(&plan);
}

static void test_refused_left_out(void)
{
	struct plan plan = {};
	bool listed = false;

	/* pthread_spin_lock starts with a lock prefix: no uprobe there. */
	CU_ASSERT_EQUAL(plan_text(&plan, "libc.so.6:pthread_spin_lock"), -1);
	CU_ASSERT_EQUAL(plan.nr, 0);
	plan_free(&plan);
	CU_ASSERT_EQUAL_FATAL(plan_text(&plan, "libc.so.6:pthread_spin_*"), 0);
	CU_ASSERT(plan.nr > 0);
	CU_ASSERT_PTR_NULL(entry_named(&plan, "pthread_spin_lock"));
	for (size_t i = 0; i < plan.nr; i++)
		CU_ASSERT_NSTRING_EQUAL(plan.entries[i].func, "pthread_spin_", 13);
	for (size_t i = 0; i < plan.nr_skipped; i++)
		if (!strcmp(plan.skipped[i].func, "pthread_spin_lock")) {
			CU_ASSERT_STRING_EQUAL(plan.skipped[i].why, "lock prefix");
			listed = true;
		}
	CU_ASSERT_TRUE(listed);
	plan_free(&plan);
}

static void test_cxx_globs_and_overloads(void)
{
	const char *shop = fixture("cxxshop");
	struct plan plan = {};
	char text[300];

	if (!shop)
		return;
	/* Without parameters: every overload, and no other function. */
	snprintf(text, sizeof(text), "%s:shop::cart::Basket::add", shop);
	CU_ASSERT_EQUAL_FATAL(plan_text(&plan, text), 0);
	CU_ASSERT_EQUAL(plan.nr, 3);
	CU_ASSERT_PTR_NOT_NULL(entry_named(&plan, "shop::cart::Basket::add(int)"));
	CU_ASSERT_PTR_NOT_NULL(entry_named(&plan, "shop::cart::Basket::add(double)"));
	plan_free(&plan);
	/* With them: that one. */
	snprintf(text, sizeof(text), "%s:shop::cart::Basket::add(int)", shop);
	CU_ASSERT_EQUAL_FATAL(plan_text(&plan, text), 0);
	CU_ASSERT_EQUAL(plan.nr, 1);
	CU_ASSERT_STRING_EQUAL(plan.entries[0].func, "shop::cart::Basket::add(int)");
	plan_free(&plan);
	/* A glob over template instances, matched without their return type. */
	snprintf(text, sizeof(text), "%s:shop::cart::discount*", shop);
	CU_ASSERT_EQUAL_FATAL(plan_text(&plan, text), 0);
	CU_ASSERT_EQUAL(plan.nr, 2);
	CU_ASSERT_PTR_NOT_NULL(entry_named(&plan, "long shop::cart::discount<long>(long, int)"));
	CU_ASSERT_PTR_NOT_NULL(entry_named(&plan,
					   "double shop::cart::discount<double>(double, int)"));
	plan_free(&plan);
	/* A name that is only a prefix of a function names nothing. */
	snprintf(text, sizeof(text), "%s:shop::cart::Basket::ad", shop);
	CU_ASSERT_EQUAL(plan_text(&plan, text), -1);
	plan_free(&plan);
}

/* list-syms and trace share elf_sym__matches(): same answer for a glob. */
static void test_one_matcher(void)
{
	const char *shop = fixture("cxxshop");
	static const char *const globs[] = {
		"shop::cart::discount*", "*Basket::add*", "_ZN4shop*", "main",
	};
	struct plan plan = {};
	struct elf_file *ef;

	if (!shop)
		return;
	CU_ASSERT_EQUAL_FATAL(plan_open_file(&plan, shop), 0);
	ef = plan.files[0].ef;
	for (size_t g = 0; g < ARRAY_SIZE(globs); g++) {
		size_t listed = 0, planned_nr;
		char text[300];

		for (size_t i = 0; i < ef->nr_syms; i++) {
			struct elf_sym *s = &ef->syms[i];

			if (s->defined && s->offset && s->type == STT_FUNC &&
			    elf_sym__matches(s, globs[g], SYM_MATCH_SUBSTRING))
				CU_ASSERT_TRUE(elf_sym__matches(s, globs[g], 0) ||
					       !pattern_is_glob(globs[g]));
			listed += s->defined && s->offset && s->type == STT_FUNC &&
				  elf_sym__matches(s, globs[g], 0);
		}
		CU_ASSERT(listed > 0);
		snprintf(text, sizeof(text), "%s:%s", shop, globs[g]);
		planned_nr = plan.nr;
		CU_ASSERT_EQUAL(plan_text(&plan, text), 0);
		/* Aliases merge in the plan: never more probes than matching symbols. */
		CU_ASSERT(plan.nr - planned_nr <= listed && plan.nr > planned_nr);
	}
	plan_free(&plan);
}

static void test_tags(void)
{
	struct plan plan = {};

	CU_ASSERT_EQUAL_FATAL(plan_add_function(&plan, "libc.so.6", "_exit", false, 7), 0);
	CU_ASSERT_EQUAL_FATAL(plan_add_function(&plan, "libc.so.6", "exit", false, 3), 0);
	CU_ASSERT_EQUAL_FATAL(plan.nr, 2);
	CU_ASSERT_EQUAL(plan_cookie_of_tag(&plan, 3), 1);
	CU_ASSERT_EQUAL(plan_cookie_of_tag(&plan, 7), 0);
	CU_ASSERT_EQUAL(plan_cookie_of_tag(&plan, 5), -1);
	CU_ASSERT_STRING_EQUAL(plan.entries[1].func, "exit");
	CU_ASSERT_EQUAL(plan.entries[1].spec, -1);
	plan_free(&plan);
	/* --latency: the return probe carries its entry's tag. */
	plan.opts.entry_and_return = true;
	CU_ASSERT_EQUAL_FATAL(plan_add_function(&plan, "libc.so.6", "malloc", false, 9), 0);
	CU_ASSERT_EQUAL_FATAL(plan.nr, 2);
	CU_ASSERT_EQUAL(plan.entries[1].tag, 9);
	CU_ASSERT_EQUAL(plan.entries[1].cookie, 0);
	plan_free(&plan);
}

/*
 * Every USDT site of real files (python3.11, libstdc++, the fixtures) is on an instruction
 * boundary as upx checks it, from a symbol or (stripped python3.11) the call frame
 * information, and each is the nop sys/sdt.h puts there.
 */
static void test_usdt_real_sites_pass(void)
{
	static const char *const files[] = {
		"/usr/bin/python3.11", "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
		"libstdc++.so.6", "build/fixtures/sdtprobes",
	};
	size_t sites = 0;

	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		struct plan plan = {};
		char text[256];

		if (files[f][0] == '/' && access(files[f], R_OK)) {
			fprintf(stderr, "\n    no %s, skipped ", files[f]);
			continue;
		}
		snprintf(text, sizeof(text), "usdt:%s:*", files[f]);
		CU_ASSERT_EQUAL_FATAL(plan_text(&plan, text), 0);
		for (size_t i = 0; i < plan.nr_skipped; i++)
			fprintf(stderr, "\n    %s: %s left out: %s ", files[f], plan.skipped[i].func,
				plan.skipped[i].why);
		CU_ASSERT_EQUAL(plan.nr_skipped, 0);
		for (size_t i = 0; i < plan.files[0].usdt->nr; i++) {
			const struct usdt_probe *p = &plan.files[0].usdt->probes[i];
			uint8_t b = 0;

			CU_ASSERT_FALSE(plan_usdt_site_left_out(&plan, 0, p));
			CU_ASSERT_EQUAL(elf_file__read(plan.files[0].ef, p->offset, &b, 1), 1);
			CU_ASSERT_EQUAL(b, 0x90);
			sites++;
		}
		plan_free(&plan);
	}
	CU_ASSERT(sites >= 10);
}

/* Every way to a return probe passes one gate: on Go, a plugin's plan_add_function() too. */
static void test_go_return_gate(void)
{
	const char *go = "build/fixtures/gotest";
	struct plan plan = {};

	/* Built only where a Go toolchain is (tests/fixtures/fixtures.mk). */
	if (access(go, R_OK)) {
		fprintf(stderr, "\n    SKIP: no %s (no Go toolchain: install golang-go) ", go);
		return;
	}
	CU_ASSERT_EQUAL(plan_add_function(&plan, go, "main.deep", true, 4), -1);
	CU_ASSERT_EQUAL(plan.nr, 0);
	plan_free(&plan);
	plan.opts.entry_and_return = true;
	CU_ASSERT_EQUAL(plan_add_function(&plan, go, "main.*", false, 4), -1);
	plan_free(&plan);
	CU_ASSERT_EQUAL(plan_add_function(&plan, go, "main.deep", false, 4), 0);
	CU_ASSERT_EQUAL(plan.nr, 1);
	plan_free(&plan);
	plan.opts.force = true;
	CU_ASSERT_EQUAL(plan_add_function(&plan, go, "main.deep", true, 4), 0);
	CU_ASSERT_EQUAL(plan.nr, 1);
	plan_free(&plan);
}

/* A copy of a file (another inode), at dir/name; its device and inode in *st. */
static char *copy_file(const char *from, const char *dir, const char *name, struct stat *st)
{
	char *to = xasprintf("%s/%s", dir, name), *cmd = xasprintf("cp %s %s", from, to);

	CU_ASSERT_FATAL(system(cmd) == 0);
	CU_ASSERT_FATAL(stat(to, st) == 0);
	free(cmd);
	return to;
}

/* A copy of the same build takes the first copy's offsets; its cookies name its file. */
static void test_copy_same_build(void)
{
	char dir[] = "/tmp/upx-unit-plan.XXXXXX", *path, *cmd;
	struct plan plan = { .opts.cookie_file = true };
	size_t probes;
	struct stat st;
	int file;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	CU_ASSERT_FATAL(plan_one(&plan, "libc.so.6:malloc", false, false) == 0);
	plan.opts.cookie_file = true;
	CU_ASSERT_FATAL(plan_one(&plan, "libc.so.6:getppid", false, false) == 0);
	probes = plan.nr;
	CU_ASSERT_EQUAL(plan.nr_probes, probes);
	path = copy_file(plan.files[0].path, dir, "libc.so.6", &st);

	file = plan_add_copy(&plan, 0, path, st.st_dev, st.st_ino);
	CU_ASSERT_EQUAL_FATAL(file, 1);
	CU_ASSERT_EQUAL(plan.files[1].primary, 0);
	CU_ASSERT_EQUAL(plan.files[1].same_build, 0);
	CU_ASSERT_STRING_EQUAL(plan.files[1].display, "libc.so.6");
	CU_ASSERT_EQUAL_FATAL(plan.nr, 2 * probes);
	CU_ASSERT_EQUAL(plan.nr_probes, probes);
	for (size_t i = 0; i < probes; i++) {
		const struct plan_entry *p = &plan.entries[i], *c = &plan.entries[probes + i];

		CU_ASSERT_EQUAL(p->probe, i);
		CU_ASSERT_EQUAL(p->cookie, i);
		CU_ASSERT_EQUAL(c->probe, i);
		CU_ASSERT_EQUAL(c->file, 1);
		CU_ASSERT_EQUAL(c->offset, p->offset);
		CU_ASSERT_STRING_EQUAL(c->label, p->label);
		CU_ASSERT_EQUAL(plan_cookie_probe(c->cookie), i);
		CU_ASSERT_EQUAL(plan_cookie_file(c->cookie), 1);
	}
	/* The same file again (its device and inode): nothing new. */
	CU_ASSERT_EQUAL(plan_add_copy(&plan, 0, path, st.st_dev, st.st_ino), 1);
	CU_ASSERT_EQUAL(plan_add_copy(&plan, 0, plan.files[0].path, plan.files[0].dev,
				      plan.files[0].ino), 0);
	CU_ASSERT_EQUAL(plan.nr, 2 * probes);
	/* No such file: -1, and why, unprinted. */
	CU_ASSERT_EQUAL(plan_add_copy(&plan, 0, "/nonexistent/libc.so.6", 1, 1), -1);
	CU_ASSERT(strstr(plan.why, "No such file") != NULL);
	plan_free(&plan);
	free(path);
	cmd = xasprintf("rm -rf %s", dir);
	CU_ASSERT(system(cmd) == 0);
	free(cmd);
}

/* Two builds of one library: copy_work elsewhere in the second, a function only it has. */
static const char src_lib[] =
	"#define FN __attribute__((noinline)) int\n"
	"#define KEEP __asm__ volatile(\"\" ::: \"memory\")\n"
	"#ifdef SECOND\n"
	"__attribute__((used)) FN pad(int x) { __asm__ volatile(\".skip 4096, 0x90\"); return x; }\n"
	"FN fresh_fn(int x) { return x * 3; }\n"
	"#else\n"
	"FN gone_fn(int x) { return x * 5; }\n"
	"#endif\n"
	"FN copy_work(int x) { KEEP; return x + 1; }\n"
	"FN kept_fn(int x) { KEEP; return x + 2; }\n";

static char *build_lib(const char *dir, const char *sub, const char *flags)
{
	char *src = xasprintf("%s/lib.c", dir), *cmd, *lib;
	FILE *f = fopen(src, "w");

	CU_ASSERT_FATAL(f != NULL);
	fputs(src_lib, f);
	fclose(f);
	lib = xasprintf("%s/%s/libtwo.so", dir, sub);
	cmd = xasprintf("mkdir -p %s/%s && gcc -O2 -fPIC -shared -Wl,-soname,libtwo.so %s -o %s %s",
			dir, sub, flags, lib, src);
	CU_ASSERT_FATAL(system(cmd) == 0);
	free(cmd);
	free(src);
	return lib;
}

static uint64_t offset_of(const char *path, const char *name)
{
	struct elf_file *ef;
	struct elf_sym *s;
	char err[256];
	uint64_t off = 0;

	CU_ASSERT_FATAL(elf_file__open(path, &ef, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(elf_file__load_syms(ef, 0) == 0);
	if (elf_file__find_syms(ef, name, &s))
		off = s->offset;
	elf_file__close(ef);
	return off;
}

/*
 * A copy of another build reads its own symbols: each probe at the copy's own
 * offset; a function the first copy lacks gets no probe, one the copy lacks no site.
 */
static void test_copy_other_build(void)
{
	char dir[] = "/tmp/upx-unit-plan.XXXXXX", *one, *two, *spec, *cmd;
	struct plan plan = { .opts.cookie_file = true };
	struct stat st;
	int file;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	one = build_lib(dir, "one", "");
	two = build_lib(dir, "two", "-DSECOND");
	CU_ASSERT_NOT_EQUAL(offset_of(one, "copy_work"), offset_of(two, "copy_work"));
	spec = xasprintf("%s:copy_work", one);
	CU_ASSERT_FATAL(plan_one(&plan, spec, false, false) == 0);
	free(spec);
	spec = xasprintf("%s:*_fn", one);
	plan.opts.cookie_file = true;
	CU_ASSERT_FATAL(plan_one(&plan, spec, false, false) == 0);
	free(spec);
	CU_ASSERT_EQUAL_FATAL(plan.nr_probes, 3);	/* copy_work, gone_fn, kept_fn */
	CU_ASSERT_FATAL(stat(two, &st) == 0);

	file = plan_add_copy(&plan, 0, two, st.st_dev, st.st_ino);
	CU_ASSERT_EQUAL_FATAL(file, 1);
	CU_ASSERT_EQUAL(plan.files[1].same_build, 1);
	CU_ASSERT_EQUAL_FATAL(plan.nr, 5);	/* copy_work and kept_fn: fresh_fn is no probe */
	for (size_t i = plan.nr_probes; i < plan.nr; i++) {
		const struct plan_entry *c = &plan.entries[i];

		CU_ASSERT_EQUAL(c->file, 1);
		CU_ASSERT_STRING_EQUAL(c->label, plan.entries[c->probe].label);
		CU_ASSERT_EQUAL(c->offset, offset_of(two, c->func));
		CU_ASSERT_NOT_EQUAL(c->offset, plan.entries[c->probe].offset);
		CU_ASSERT_EQUAL(c->cookie, (uint64_t)1 << 32 | c->probe);
		CU_ASSERT(strcmp(c->func, "fresh_fn") && strcmp(c->func, "gone_fn"));
	}
	plan_free(&plan);

	/* --latency: a copy's return probe counts under its entry probe, as the first's does. */
	plan.opts.cookie_file = true;
	spec = xasprintf("%s:copy_work", one);
	CU_ASSERT_FATAL(plan_one(&plan, spec, true, false) == 0);
	free(spec);
	CU_ASSERT_EQUAL_FATAL(plan.nr, 2);
	CU_ASSERT_EQUAL(plan.entries[1].cookie, 0);
	plan.opts.cookie_file = true;
	CU_ASSERT_EQUAL_FATAL(plan_add_copy(&plan, 0, two, st.st_dev, st.st_ino), 1);
	CU_ASSERT_EQUAL_FATAL(plan.nr, 4);
	CU_ASSERT(plan.entries[3].is_return);
	CU_ASSERT_EQUAL(plan.entries[3].probe, 1);
	CU_ASSERT_EQUAL(plan.entries[3].cookie, (uint64_t)1 << 32 | 0);
	plan_free(&plan);

	free(one);
	free(two);
	cmd = xasprintf("rm -rf %s", dir);
	CU_ASSERT(system(cmd) == 0);
	free(cmd);
}

CU_TestInfo plan_tests[] = {
	UNIT_TEST(test_libc_returns_twice),
	UNIT_TEST(test_libc_never_returns),
	UNIT_TEST(test_libc_returns_normally),
	UNIT_TEST(test_dwarf_noreturn_libc),
	UNIT_TEST(test_program_dwarf_and_aliases),
	UNIT_TEST(test_return_globs_leave_them_out),
	UNIT_TEST(test_named_refused_unless_forced),
	UNIT_TEST(test_aliases_merged),
	UNIT_TEST(test_ifunc_resolved),
	UNIT_TEST(test_ifunc_noted),
	UNIT_TEST(test_endbr_skipped),
	UNIT_TEST(test_refused_left_out),
	UNIT_TEST(test_cxx_globs_and_overloads),
	UNIT_TEST(test_one_matcher),
	UNIT_TEST(test_tags),
	UNIT_TEST(test_go_return_gate),
	UNIT_TEST(test_usdt_real_sites_pass),
	UNIT_TEST(test_copy_same_build),
	UNIT_TEST(test_copy_other_build),
	CU_TEST_INFO_NULL,
};
