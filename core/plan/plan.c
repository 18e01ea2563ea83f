// SPDX-License-Identifier: GPL-2.0
/*
 * From probe specs to the attach plan: find the file, match the functions,
 * and choose for each one the exact offset the kernel gets.
 */
#include <elf.h>
#include <errno.h>
#include <fnmatch.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "output/output.h"
#include "plan/plan.h"
#include "symbols/dwarf.h"
#include "symbols/elf.h"
#include "symbols/ifunc.h"
#include "symbols/insn.h"
#include "symbols/plt.h"
#include "symbols/usdt.h"
#include "target/imports.h"
#include "target/libsearch.h"
#include "target/probe-spec.h"
#include "target/proc.h"

/*
 * A failure while the probes are planned: error() for a spec; kept in plan->why,
 * unprinted, while a copy is planned (plan->quiet).  Returns -1.
 */
__printf(2, 3) static int fail(struct plan *plan, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(plan->why, sizeof(plan->why), fmt, ap);
	va_end(ap);
	if (plan->quiet)
		return -1;
	return error("%s", plan->why);
}

/* The new file's slot (files may move), its identity from stat() when the path has one. */
static struct plan_file *new_file(struct plan *plan, char *path, const char *display,
				  struct elf_file *ef)
{
	struct plan_file *pf;
	struct stat st;
	int idx = plan->nr_files;

	ALLOC_GROW(plan->files, plan->nr_files + 1, plan->alloc_files);
	pf = &plan->files[plan->nr_files++];
	*pf = (struct plan_file){
		.path = path,
		.display = xstrdup(display),
		.ef = ef,
		.in_root = xstrdup(path),
		.primary = idx,
		.same_build = idx,
	};
	if (!fstat(ef->fd, &st)) {
		pf->dev = st.st_dev;
		pf->ino = st.st_ino;
	}
	return pf;
}

int plan_file_by_inode(const struct plan *plan, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < plan->nr_files; i++)
		if (plan->files[i].ino == ino && plan->files[i].dev == dev)
			return i;
	return -1;
}

int plan_open_file(struct plan *plan, const char *target)
{
	char err[512], *path;
	struct elf_file *ef;
	size_t i;
	int ret;

	if (plan->pid > 0)
		path = proc_find_mapped(plan->pid, target, err, sizeof(err));
	else if (plan->resolve)
		path = plan->resolve(target, err, sizeof(err), plan->resolve_ctx);
	else
		path = resolve_target(target, err, sizeof(err));
	if (!path)
		return error("'%s': %s", target, err);
	for (i = 0; i < plan->nr_files; i++)
		if (!strcmp(plan->files[i].path, path)) {
			free(path);
			return i;
		}
	ret = elf_file__open(path, &ef, err, sizeof(err));
	if (ret) {
		error("'%s': %s", path, err);
		free(path);
		return -1;
	}
	ret = elf_file__load_syms(ef, 0);
	if (ret) {
		error("'%s': cannot read symbols: %s", path, strerror(-ret));
		elf_file__close(ef);
		free(path);
		return -1;
	}
	new_file(plan, path, target, ef);
	return plan->nr_files - 1;
}

static bool is_func(const struct elf_sym *s)
{
	return s->defined && (s->type == STT_FUNC || s->type == STT_GNU_IFUNC) && s->offset;
}

/* Rank of a binding as a name to show: GLOBAL, then WEAK, then the rest (LOCAL). */
static int bind_rank(const struct elf_sym *s)
{
	return s->bind == STB_GLOBAL ? 0 : s->bind == STB_WEAK ? 1 : 2;
}

/* Is a a better name to show than b for their one address: its binding, then the shorter. */
static bool better_name(const struct elf_sym *a, const struct elf_sym *b)
{
	if (bind_rank(a) != bind_rank(b))
		return bind_rank(a) < bind_rank(b);
	if (a->name_len != b->name_len)
		return a->name_len < b->name_len;
	return a < b;	/* the first in name order */
}

static int cmp_by_value(const void *x, const void *y, void *arg)
{
	const struct elf_sym *syms = arg;
	uint64_t a = syms[*(const size_t *)x].value, b = syms[*(const size_t *)y].value;

	return a < b ? -1 : a > b;
}

/*
 * Is s the name to show for its address among the functions there that pattern matches
 * (glibc's exit is also __GI_exit, malloc __libc_malloc and __malloc)?  The others are
 * not planned: they would only merge into its probe under a worse name.
 */
static bool shown_alias(struct plan_file *pf, struct elf_sym *s, const char *pattern)
{
	struct elf_file *ef = pf->ef;
	size_t lo = 0, hi;

	if (!pf->by_value) {
		pf->by_value = xcalloc(ef->nr_syms + 1, sizeof(*pf->by_value));
		for (size_t i = 0; i < ef->nr_syms; i++)
			if (is_func(&ef->syms[i]))
				pf->by_value[pf->nr_by_value++] = i;
		qsort_r(pf->by_value, pf->nr_by_value, sizeof(*pf->by_value), cmp_by_value,
			ef->syms);
	}
	/* The first symbol at s->value. */
	for (hi = pf->nr_by_value; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (ef->syms[pf->by_value[mid]].value < s->value)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < pf->nr_by_value && ef->syms[pf->by_value[lo]].value == s->value; lo++) {
		struct elf_sym *t = &ef->syms[pf->by_value[lo]];

		if (t != s && t->type == s->type && better_name(t, s) &&
		    elf_sym__matches(t, pattern, 0))
			return false;
	}
	return true;
}

static void add_skipped(struct plan *plan, enum plan_skip_kind kind, int file, uint64_t vaddr,
			const char *func, const char *why)
{
	/* A copy is planned quietly: what it leaves out, its primary has left out and said. */
	if (plan->quiet)
		return;
	ALLOC_GROW(plan->skipped, plan->nr_skipped + 1, plan->alloc_skipped);
	plan->skipped[plan->nr_skipped++] = (struct plan_skip){
		.func = xstrdup(func),
		.why = xstrdup(why),
		.kind = kind,
		.file = file,
		.vaddr = vaddr,
	};
}

/*
 * Names of the functions a return probe breaks, as peel() leaves them.
 * Returns twice: the names GCC itself treats as returns_twice (its
 * special_function_p: DWARF cannot say it), and swapcontext, which returns
 * again each time its saved context is resumed.
 * Never returns: what glibc declares noreturn where its DWARF does not say so
 * (written in assembler, or defined under another name: __longjmp,
 * ____longjmp_chk, __longjmp_chk, __new_quick_exit), the context switches,
 * the sigreturn trampoline (entered by the signal handler's return: the word
 * a return probe overwrites is the signal frame), and the common exits for
 * when there is no DWARF at all.  DW_AT_noreturn adds the rest (err,
 * __assert_fail, __stack_chk_fail, start_thread, ...).
 */
static const char *const returns_twice_names[] = {
	"setjmp", "sigsetjmp", "savectx", "vfork", "getcontext", "swapcontext",
};

static const char *const noreturn_names[] = {
	"longjmp", "siglongjmp", "longjmp_chk", "longjmp_cancel", "setcontext", "start_context",
	"restore_rt", "exit", "Exit", "quick_exit", "abort", "pthread_exit", "thrd_exit",
	"libc_start_main", "libc_start_call_main",
};

static bool in_list(const char *name, size_t len, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && !strncmp(list[i], name, len))
			return true;
	return false;
}

/*
 * The hazard a name says.  Peeled in turn: a ".cold"/".isra.0" suffix,
 * leading underscores, then glibc's internal prefixes with their underscores
 * again, each stage looked up: __GI___sigsetjmp -> sigsetjmp,
 * __libc_siglongjmp -> libc_siglongjmp, siglongjmp; _Exit -> Exit.
 */
static enum plan_hazard hazard_by_name(const char *name)
{
	static const char *const prefixes[] = { "GI_", "EI_", "libc_" };
	const char *dot = strchr(name, '.');
	size_t len = dot ? (size_t)(dot - name) : strlen(name);

	for (;;) {
		bool peeled = false;

		while (len && *name == '_') {
			name++;
			len--;
		}
		if (in_list(name, len, returns_twice_names, ARRAY_SIZE(returns_twice_names)))
			return PLAN_HAZARD_RETURNS_TWICE;
		if (in_list(name, len, noreturn_names, ARRAY_SIZE(noreturn_names)))
			return PLAN_HAZARD_NORETURN;
		for (size_t i = 0; i < ARRAY_SIZE(prefixes) && !peeled; i++) {
			size_t n = strlen(prefixes[i]);

			if (len > n && !strncmp(name, prefixes[i], n)) {
				name += n;
				len -= n;
				peeled = true;
			}
		}
		if (!peeled)
			return PLAN_HAZARD_NONE;
	}
}

static int cmp_hazard_site(const void *a, const void *b)
{
	const struct plan_hazard_site *x = a, *y = b;

	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return (int)x->hazard - (int)y->hazard;
}

/* Every hazard of a file, once: each symbol's name, and the file's DWARF. */
static void load_hazards(struct plan_file *pf)
{
	struct elf_file *ef = pf->ef;
	struct plan_hazard_site *h = NULL;
	size_t nr = 0, alloc = 0, n = 0;
	char *debug = ef->debug_path ? NULL : find_debug_file(ef);
	uint64_t *noreturn = NULL;
	int nr_noreturn;

	pf->hazards_done = true;
	for (size_t i = 0; i < ef->nr_syms; i++) {
		enum plan_hazard hz;

		if (!is_func(&ef->syms[i]))
			continue;
		hz = hazard_by_name(ef->syms[i].name);
		if (!hz)
			continue;
		ALLOC_GROW(h, nr + 1, alloc);
		h[nr++] = (struct plan_hazard_site){ ef->syms[i].value, hz };
	}
	/* No DWARF, or unreadable DWARF: names alone (a probe, not a run, is at stake). */
	nr_noreturn = dwarf_noreturn_funcs(pf->path, ef->debug_path ? ef->debug_path : debug,
					   &noreturn);
	pf->hazards_dwarf = nr_noreturn >= 0;
	for (int i = 0; i < nr_noreturn; i++) {
		ALLOC_GROW(h, nr + 1, alloc);
		h[nr++] = (struct plan_hazard_site){ noreturn[i], PLAN_HAZARD_NORETURN };
	}
	free(noreturn);
	free(debug);
	if (nr)
		qsort(h, nr, sizeof(*h), cmp_hazard_site);
	/* One per address; returns-twice (names) wins over noreturn (DWARF's guess for vfork?) */
	for (size_t i = 0; i < nr; i++)
		if (!n || h[n - 1].vaddr != h[i].vaddr)
			h[n++] = h[i];
	pf->hazards = h;
	pf->nr_hazards = n;
}

enum plan_hazard plan_return_hazard(struct plan *plan, int file, uint64_t vaddr)
{
	struct plan_file *pf = &plan->files[file];

	if (!pf->hazards_done)
		load_hazards(pf);
	/* Sorted, one entry per address. */
	for (size_t lo = 0, hi = pf->nr_hazards; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (pf->hazards[mid].vaddr == vaddr)
			return pf->hazards[mid].hazard;
		if (pf->hazards[mid].vaddr < vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return PLAN_HAZARD_NONE;
}

const char *plan_hazard_text(enum plan_hazard hazard)
{
	switch (hazard) {
	case PLAN_HAZARD_RETURNS_TWICE:
		return "returns twice";
	case PLAN_HAZARD_NORETURN:
		return "never returns";
	default:
		return "returns normally";
	}
}

/*
 * A function left out for its hazard, once per address, named by its exported
 * aliases ("_longjmp/longjmp/siglongjmp"), or the name matched when none is.
 */
static void add_hazard_skip(struct plan *plan, int file, struct elf_sym *s, uint64_t vaddr,
			    enum plan_hazard hazard)
{
	struct elf_file *ef = plan->files[file].ef;
	char names[256] = "";
	size_t len = 0;

	for (size_t i = 0; i < plan->nr_skipped; i++)
		if (plan->skipped[i].kind == PLAN_SKIP_HAZARD && plan->skipped[i].file == file &&
		    plan->skipped[i].vaddr == vaddr)
			return;
	for (size_t i = 0; i < ef->nr_syms; i++) {
		struct elf_sym *a = &ef->syms[i];
		const char *version = NULL;
		size_t k;

		if (!a->in_dynsym || !is_func(a) || a->value != s->value)
			continue;
		/* Versions of one name are adjacent; already named with the first of them? */
		for (k = i; k > 0 && !strcmp(ef->syms[k - 1].name, a->name); k--)
			if (ef->syms[k - 1].in_dynsym && ef->syms[k - 1].value == a->value)
				break;
		if (k > 0 && !strcmp(ef->syms[k - 1].name, a->name))
			continue;
		/* quick_exit@GLIBC_2.10 is another function than quick_exit (@@GLIBC_2.24). */
		version = a->version;
		for (k = i; k < ef->nr_syms && !strcmp(ef->syms[k].name, a->name); k++)
			if (ef->syms[k].value == a->value &&
			    (!ef->syms[k].version || ef->syms[k].default_version))
				version = NULL;
		if (len + strlen(a->name) + (version ? strlen(version) : 0) + 3 > sizeof(names))
			break;
		len += snprintf(names + len, sizeof(names) - len, "%s%s%s%s", len ? "/" : "",
				a->name, version ? "@" : "", version ? version : "");
	}
	add_skipped(plan, PLAN_SKIP_HAZARD, file, vaddr, len ? names : elf_sym__demangled(s),
		    hazard == PLAN_HAZARD_RETURNS_TWICE ? "returns twice: no return probe" :
							  "never returns: no return probe");
	plan->skipped[plan->nr_skipped - 1].hazard = hazard;
}

/* A defined function of ef at vaddr (for an IFUNC's implementation), preferring global names. */
static struct elf_sym *func_at(struct elf_file *ef, uint64_t vaddr)
{
	struct elf_sym *best = NULL;

	for (size_t i = 0; i < ef->nr_syms; i++) {
		struct elf_sym *s = &ef->syms[i];

		if (!is_func(s) || s->value != vaddr)
			continue;
		if (!best || (best->bind == STB_LOCAL && s->bind != STB_LOCAL))
			best = s;
	}
	return best;
}

/* dlsym sees exported names only: a local IFUNC alias (__GI_x) goes by its exported twin. */
static const char *exported_alias(struct elf_file *ef, const struct elf_sym *s)
{
	if (s->in_dynsym)
		return s->name;
	for (size_t i = 0; i < ef->nr_syms; i++)
		if (ef->syms[i].in_dynsym && ef->syms[i].defined && ef->syms[i].value == s->value &&
		    ef->syms[i].type == STT_GNU_IFUNC)
			return ef->syms[i].name;
	return s->name;
}

/*
 * The implementation an exported IFUNC resolves to.  All of a file's IFUNCs
 * are resolved at once, in one child process: a glob over libc meets ~100.
 */
static int resolve_ifunc(struct plan_file *pf, const char *name, uint64_t *impl, char *err,
			 size_t errlen)
{
	if (!pf->ifuncs_done) {
		struct elf_file *ef = pf->ef;
		size_t n = 0;

		pf->ifuncs_done = true;
		for (size_t i = 0; i < ef->nr_syms; i++)
			n += ef->syms[i].in_dynsym && ef->syms[i].defined &&
			     ef->syms[i].type == STT_GNU_IFUNC;
		pf->ifuncs = xcalloc(n, sizeof(*pf->ifuncs));
		for (size_t i = 0; i < ef->nr_syms; i++)
			if (ef->syms[i].in_dynsym && ef->syms[i].defined &&
			    ef->syms[i].type == STT_GNU_IFUNC &&
			    (!pf->nr_ifuncs || strcmp(pf->ifuncs[pf->nr_ifuncs - 1].name,
						       ef->syms[i].name)))
				pf->ifuncs[pf->nr_ifuncs++].name = ef->syms[i].name;
		if (ifunc_resolve_all(pf->path, pf->ifuncs, pf->nr_ifuncs, err, errlen))
			pf->ifunc_err = xstrdup(err);
	}
	if (pf->ifunc_err) {
		snprintf(err, errlen, "%s", pf->ifunc_err);
		return -1;
	}
	for (size_t i = 0; i < pf->nr_ifuncs; i++) {
		if (strcmp(pf->ifuncs[i].name, name))
			continue;
		if (pf->ifuncs[i].status) {
			snprintf(err, errlen, "%s",
				 pf->ifuncs[i].status == IFUNC_ELSEWHERE ?
					 "it resolves into another file (the vDSO?)" :
					 "the dynamic linker did not resolve it");
			return -1;
		}
		*impl = pf->ifuncs[i].vaddr;
		return 0;
	}
	snprintf(err, errlen, "not an exported IFUNC (dlsym cannot see it)");
	return -1;
}

static bool have_entry(const struct plan *plan, int file, uint64_t offset, bool is_return)
{
	/* A copy's entries come after every other. */
	for (size_t i = plan->files[file].primary == file ? 0 : plan->nr_probes; i < plan->nr; i++)
		if (plan->entries[i].file == file && plan->entries[i].offset == offset &&
		    plan->entries[i].is_return == is_return)
			return true;
	return false;
}

/*
 * Where exactly the uprobe goes for a function starting at sym_off (+ off).
 * Returns 0, or -1 when the kernel would refuse the site (why filled).
 */
static int place(struct plan *plan, struct plan_file *pf, uint64_t sym_off, uint64_t size,
		 const struct probe_spec *spec, uint64_t *site, enum plan_site *how, const char **why)
{
	enum insn_arch arch = insn_arch_of_machine(pf->ef->e_machine);
	uint8_t code[64];
	struct insn_info in;
	size_t want = sizeof(code);
	int n;

	*site = sym_off;
	*how = PLAN_SITE_START;
	if (spec && spec->has_offset) {
		uint8_t *buf;

		if (size && spec->offset >= size) {
			*why = "offset beyond the end of the function";
			return -1;
		}
		want = spec->offset + 16;
		buf = xmalloc(want);
		n = elf_file__read(pf->ef, sym_off, buf, want);
		if (n <= 0 || !insn_is_boundary(arch, buf, n, spec->offset)) {
			free(buf);
			*why = "offset is not on an instruction boundary";
			return -1;
		}
		free(buf);
		*site = sym_off + spec->offset;
		*how = PLAN_SITE_AT_OFFSET;
	}
	n = elf_file__read(pf->ef, *site, code, want > sizeof(code) ? sizeof(code) : want);
	if (n <= 0) {
		*why = "cannot read the function's code";
		return -1;
	}
	if (insn_decode(arch, code, n, &in)) {
		*why = "undecodable first instruction";
		return -1;
	}
	/*
	 * endbr64 must be single-stepped (~5 µs a hit); the instruction after it
	 * is usually a push the kernel emulates (~0.6 µs).  Arguments are still
	 * in their registers there.  Return probes are placed at the entry too.
	 */
	if (in.is_endbr64 && !(spec && spec->has_offset) && !plan->opts.no_endbr_skip) {
		struct insn_info next;

		if (!insn_decode(arch, code + in.len, n - in.len, &next) && next.uprobe_ok) {
			*site += in.len;
			*how = PLAN_SITE_AFTER_ENDBR;
			in = next;
		}
	}
	if (!in.uprobe_ok) {
		*why = in.why ? in.why : "instruction the kernel cannot probe";
		return -1;
	}
	return 0;
}

/*
 * The gate every return probe of a file passes, whatever asks for it (r:, --latency, a
 * plugin's plan_add_function(), ...): add_entry() asks it before planning one.  Go copies a
 * goroutine's stack when it grows and walks the return addresses on it; one that is the
 * uretprobe trampoline's is "unexpected return pc", and the program dies.  (Functions that
 * return twice or never return are the other hazard: add_matches() leaves them out.)
 */
static int return_gate(struct plan *plan, int file)
{
	const struct plan_file *pf = &plan->files[file];

	if (pf->ef->is_go && !plan->opts.force)
		return fail(plan, "'%s': a Go program: a return probe%s crashes it when Go moves a "
			    "goroutine's stack (--force to do it anyway)", pf->display,
			    plan->opts.entry_and_return ? " (--latency)" : "");
	return 0;
}

static uint64_t cookie_of(const struct plan *plan, int file, uint32_t probe)
{
	return plan->opts.cookie_file ? (uint64_t)file << 32 | probe : probe;
}

/*
 * While a copy is planned (place_requests()): the labels of its primary's probes,
 * so that each of the copy's entries finds the probe it is a site of.
 */
static struct hsearch_data *copy_labels;

/*
 * The probe an entry labelled label of files[file] is a site of: a new one (the
 * next index) for a file of its own; for a copy, its primary's probe of that label,
 * or -1 when the primary has none (a function only the copy has: not probed).
 */
static long probe_for(const struct plan *plan, int file, const char *label)
{
	ENTRY want = { .key = (char *)label }, *found = NULL;

	if (plan->files[file].primary == file)
		return plan->nr;
	if (!copy_labels || !hsearch_r(want, FIND, &found, copy_labels))
		return -1;
	return (long)(intptr_t)found->data - 1;
}

/* A new entry, its probe and cookie set; NULL when a copy has no such probe. */
static struct plan_entry *push_entry(struct plan *plan, int file, char *label)
{
	long probe = probe_for(plan, file, label);
	struct plan_entry *e;

	if (probe < 0) {
		free(label);
		return NULL;
	}
	ALLOC_GROW(plan->entries, plan->nr + 1, plan->alloc);
	e = &plan->entries[plan->nr++];
	*e = (struct plan_entry){
		.file = file,
		.label = label,
		.probe = probe,
		.cookie = cookie_of(plan, file, probe),
	};
	if (plan->files[file].primary == file)
		plan->nr_probes = plan->nr;
	else	/* what the primary's probe counts under (its entry probe, --latency) */
		e->cookie = cookie_of(plan, file, plan_cookie_probe(plan->entries[probe].cookie));
	return e;
}

/*
 * facts: what the entry is to say of itself (is_ifunc, ifunc, impl, site, tag).  0, or -1
 * after fail() when a return probe is refused (return_gate()).
 */
static int add_entry(struct plan *plan, int file, int spec_idx, bool is_return, const char *func,
		     uint64_t vaddr, uint64_t offset, const struct plan_entry *facts)
{
	struct plan_file *pf = &plan->files[file];
	struct plan_entry *e;

	if (is_return && return_gate(plan, file))
		return -1;
	if (have_entry(plan, file, offset, is_return))
		return 0; /* an alias of a function already planned */
	e = push_entry(plan, file, xasprintf("%s%s:%s", is_return ? "r:" : "", pf->display, func));
	if (!e)
		return 0;
	*e = (struct plan_entry){
		.file = file,
		.spec = spec_idx,
		.is_return = is_return,
		.func = xstrdup(func),
		.label = e->label,
		.vaddr = vaddr,
		.offset = offset,
		.probe = e->probe,
		.cookie = e->cookie,
		.is_ifunc = facts->is_ifunc,
		.ifunc = facts->ifunc,
		.impl = facts->impl,
		.site = facts->site,
		.tag = facts->tag,
		.is_plt = facts->is_plt,
		.import_lib = facts->import_lib ? xstrdup(facts->import_lib) : NULL,
	};
	return 0;
}

/* "did you mean" for a missing name: the closest defined functions. */
static void suggest(struct elf_file *ef, const char *want)
{
	const char *best[3] = {};
	int dist[3] = { 1 << 30, 1 << 30, 1 << 30 };
	int limit = strlen(want) / 3 + 1;

	for (size_t i = 0; i < ef->nr_syms; i++) {
		struct elf_sym *s = &ef->syms[i];
		int d;

		if (!is_func(s) || abs((int)strlen(s->name) - (int)strlen(want)) > limit)
			continue;
		d = edit_distance(want, s->name);
		if (d > limit)
			continue;
		for (int k = 0; k < 3; k++) {
			if (best[k] && !strcmp(best[k], s->name))
				break;
			if (d < dist[k]) {
				memmove(&best[k + 1], &best[k], (2 - k) * sizeof(best[0]));
				memmove(&dist[k + 1], &dist[k], (2 - k) * sizeof(dist[0]));
				best[k] = s->name;
				dist[k] = d;
				break;
			}
		}
	}
	if (best[0])
		hint("did you mean: %s%s%s%s%s?", best[0], best[1] ? ", " : "",
		     best[1] ? best[1] : "", best[2] ? ", " : "", best[2] ? best[2] : "");
}

/*
 * An undefined (imported) symbol of that name: its PLT stub is probed (the
 * calls this file makes through it), saying where the function is defined;
 * without a stub, it is refused, saying where.  0: no such import; 1: planned;
 * -1 after fail().
 */
static int add_import(struct plan *plan, int file, const struct probe_spec *spec, int spec_idx,
		      const char *func, bool is_return, int tag)
{
	struct plan_file *pf = &plan->files[file];
	struct plan_entry facts = { .tag = tag, .is_plt = true };
	struct elf_sym *imp = NULL;
	struct import_def d = {};
	struct importer im;
	uint64_t vaddr, size, off, site;
	const char *why;
	char err[256];
	int ret = 1;

	for (size_t i = 0; i < pf->ef->nr_syms && !imp; i++)
		if (!pf->ef->syms[i].defined && !strcmp(pf->ef->syms[i].name, func))
			imp = &pf->ef->syms[i];
	if (!imp)
		return 0;
	if (!importer__init(&im, pf->path, err, sizeof(err)))
		d = importer__find(&im, imp);
	facts.import_lib = d.lib ? d.lib->soname : NULL;
	if (elf_plt_stub(pf->ef, func, &vaddr, &size) ||
	    elf_file__vaddr_to_offset(pf->ef, vaddr, &off)) {
		/* Its address taken, never called through a stub of this file. */
		if (d.lib)
			ret = fail(plan, "'%s': '%s' is only imported here, with no PLT stub to "
				   "probe; it is defined in %s (try '%s:%s')", pf->display, func,
				   d.lib->soname, d.lib->soname, func);
		else
			ret = fail(plan, "'%s': '%s' is only imported here, with no PLT stub to "
				   "probe, and no library it loads defines it", pf->display, func);
	} else if (place(plan, pf, off, size, spec, &site, &facts.site, &why)) {
		ret = fail(plan, "'%s': cannot probe the PLT stub of '%s', which it imports: %s",
			   pf->display, func, why);
	} else {
		ret = add_entry(plan, file, spec_idx, is_return, func, vaddr, site, &facts) ? -1 : 1;
	}
	importer__free(&im);
	return ret;
}

/*
 * The names of the functions left out for kind, from skipped[from] on, into buf ("a, b, c",
 * ", ..." when they do not fit); returns how many there are.
 */
static size_t join_skipped(const struct plan *plan, size_t from, enum plan_skip_kind kind,
			   char *buf, size_t size)
{
	size_t nr = 0, len = 0;
	bool cut = false;

	buf[0] = '\0';
	for (size_t i = from; i < plan->nr_skipped; i++) {
		const char *name = plan->skipped[i].func;

		if (plan->skipped[i].kind != kind)
			continue;
		if (!cut && len + strlen(name) + 8 < size) {
			len += snprintf(buf + len, size - len, "%s%s", nr ? ", " : "", name);
		} else if (!cut) {
			snprintf(buf + len, size - len, ", ...");
			cut = true;
		}
		nr++;
	}
	return nr;
}

/* *planned: how many matches got a probe, their own or (an alias) one already planned. */
static int add_matches(struct plan *plan, int file, const struct probe_spec *spec, int spec_idx,
		       const char *func, bool is_return, int tag, size_t *planned)
{
	struct plan_file *pf = &plan->files[file];
	struct elf_file *ef = pf->ef;
	bool glob = pattern_is_glob(func);
	size_t matched = 0;

	for (size_t i = 0; i < ef->nr_syms; i++) {
		struct elf_sym *s = &ef->syms[i];
		struct plan_entry facts = { .tag = tag };
		const char *why;
		uint64_t site, vaddr = s->value, off = s->offset, size = s->size;

		if (!is_func(s) || !elf_sym__matches(s, func, 0))
			continue;
		matched++;
		if (!shown_alias(pf, s, func))
			continue;
		/* `.type f, @function` in .rodata: a probe would write int3 into its data. */
		if (!s->exec) {
			if (!glob)
				return fail(plan, "'%s': '%s' is not in executable memory (0x%llx is "
					    "in a segment mapped without execute permission): a probe "
					    "would write into the program's data", pf->display,
					    elf_sym__demangled(s), (unsigned long long)s->value);
			add_skipped(plan, PLAN_SKIP_NOT_CODE, file, s->value, elf_sym__demangled(s),
				    "not in executable memory");
			continue;
		}
		if (s->type == STT_GNU_IFUNC) {
			char err[256] = "";
			uint64_t impl = 0;
			struct elf_sym *is;

			if (!resolve_ifunc(pf, exported_alias(ef, s), &impl, err, sizeof(err))) {
				if (elf_file__vaddr_to_offset(ef, impl, &off))
					snprintf(err, sizeof(err), "it resolves to 0x%llx, in no "
						 "loaded segment", (unsigned long long)impl);
				else if (!(elf_file__vaddr_flags(ef, impl) & PF_X))
					snprintf(err, sizeof(err), "it resolves to 0x%llx, outside "
						 "executable memory", (unsigned long long)impl);
			} else if (!err[0]) {
				snprintf(err, sizeof(err), "not resolved");
			}
			if (err[0]) {
				if (!glob)
					return fail(plan, "'%s': cannot resolve IFUNC '%s': %s",
						    pf->display, s->name, err);
				add_skipped(plan, PLAN_SKIP_REFUSED, file, s->value, s->name,
					    "IFUNC not resolved");
				continue;
			}
			is = func_at(ef, impl);
			vaddr = impl;
			size = is ? is->size : 0;
			facts.is_ifunc = true;
			facts.ifunc = s->name;
			facts.impl = is ? is->name : NULL;
		}
		if ((is_return || plan->opts.entry_and_return) && !plan->opts.force) {
			enum plan_hazard hz = plan_return_hazard(plan, file, s->value);

			if (!hz && vaddr != s->value)
				hz = plan_return_hazard(plan, file, vaddr);
			if (hz) {
				if (!glob)
					return fail(plan, "'%s': '%s' %s: a return probe%s would "
						    "break the program (an entry probe is "
						    "fine; --force to do it anyway)",
						    pf->display, elf_sym__demangled(s),
						    plan_hazard_text(hz),
						    is_return ? "" : " (--latency)");
				add_hazard_skip(plan, file, s, vaddr, hz);
				continue;
			}
		}
		if (place(plan, pf, off, size, spec, &site, &facts.site, &why)) {
			if (!glob)
				return fail(plan, "'%s': cannot probe '%s': %s", pf->display,
					    elf_sym__demangled(s), why);
			add_skipped(plan, PLAN_SKIP_REFUSED, file, s->value, elf_sym__demangled(s),
				    why);
			continue;
		}
		if (add_entry(plan, file, spec_idx, is_return, elf_sym__demangled(s), vaddr, site,
			      &facts))
			return -1;
		(*planned)++;
	}
	if (!matched) {
		/* In a copy (planned quietly), an import is probed at its stub as in its primary. */
		int imported = glob ? 0 : add_import(plan, file, spec, spec_idx, func, is_return, tag);

		if (imported < 0)
			return -1;
		if (imported > 0) {
			(*planned)++;
			return 0;
		}
		if (ef->syms_rejected)
			return fail(plan, "'%s': no function %s '%s' (%s)", pf->display,
				    glob ? "matches" : "named", func, ef->syms_rejected);
		fail(plan, "'%s': no function %s '%s'%s", pf->display, glob ? "matches" : "named",
		     func, ef->has_symtab || ef->debug_path ? "" : ef->debug_rejected ?
		     " (its debug file was rejected: only .dynsym was read)" : ef->minidebug ?
		     " (stripped: only .dynsym and its MiniDebugInfo were read)" :
		     " (stripped: only .dynsym was read)");
		if (!glob)
			suggest(ef, func);
		return -1;
	}
	return 0;
}

/*
 * The other end (is_return) of each function planned from entries[before]
 * on, counted under the same probe (its cookie's, with mark): the return
 * probe --latency times an entry with, or the entry site that keeps a return
 * probe's arguments (--buf).
 */
static int add_twins(struct plan *plan, int file, int spec_idx, size_t before, bool is_return,
		     uint32_t mark)
{
	size_t end = plan->nr;

	for (size_t i = before; i < end; i++) {
		/* A copy: add_entry() may move the array. */
		const struct plan_entry e = plan->entries[i];
		size_t n = plan->nr;

		if (add_entry(plan, file, spec_idx, is_return, e.func, e.vaddr, e.offset, &e))
			return -1;
		if (plan->nr > n)
			plan->entries[n].cookie =
				cookie_of(plan, file, plan_cookie_probe(e.cookie) | mark);
	}
	return 0;
}

/* The probes of one function spec in files[file]. */
static int add_spec_to(struct plan *plan, int file, const struct probe_spec *spec, int spec_idx,
		       int tag)
{
	size_t before = plan->nr, skipped_before = plan->nr_skipped, planned = 0;

	if (add_matches(plan, file, spec, spec_idx, spec->function, spec->is_return, tag,
			&planned))
		return -1;
	/* --latency: the return probe of every function just planned; --buf: the entry of a return */
	if ((plan->opts.entry_and_return && !spec->is_return &&
	     add_twins(plan, file, spec_idx, before, true, 0)) ||
	    (plan->opts.entry_for_return && spec->is_return &&
	     add_twins(plan, file, spec_idx, before, false, PLAN_COOKIE_ENTRY_OF_RETURN)))
		return -1;
	if (!planned) {
		size_t left = plan->nr_skipped - skipped_before;
		char names[1024];

		if (left && join_skipped(plan, skipped_before, PLAN_SKIP_HAZARD, names,
					 sizeof(names)) == left)
			return fail(plan, "'%s': every function that matched '%s' returns twice "
				    "or never returns, a return probe would break the "
				    "program: %s (--force to do it anyway)",
				    spec->target, spec->function, names);
		if (left && join_skipped(plan, skipped_before, PLAN_SKIP_NOT_CODE, names,
					 sizeof(names)) == left)
			return fail(plan, "'%s': every function that matched '%s' is outside "
				    "executable memory, a probe would write into the "
				    "program's data: %s", spec->target, spec->function, names);
		return fail(plan, "'%s': every function that matched '%s' was left out (see -v)",
			    spec->target, spec->function);
	}
	return 0;
}

static struct plan_entry *usdt_entry_of(struct plan *plan, int file, const struct usdt_probe *p)
{
	size_t from = plan->files[file].primary == file ? 0 : plan->nr_probes;

	for (size_t i = from; i < plan->nr; i++) {
		struct plan_entry *e = &plan->entries[i];

		if (e->is_usdt && e->file == file && !strcmp(e->usdt_provider, p->provider) &&
		    !strcmp(e->usdt_name, p->name))
			return e;
	}
	return NULL;
}

/* The function symbol whose code holds vaddr, or NULL. */
static struct elf_sym *func_covering(struct elf_file *ef, uint64_t vaddr)
{
	for (size_t i = 0; i < ef->nr_syms; i++) {
		struct elf_sym *s = &ef->syms[i];

		if (s->type == STT_FUNC && s->defined && s->exec && s->value <= vaddr &&
		    vaddr - s->value < s->size)
			return s;
	}
	return NULL;
}

/* The most code decoded to check one site: a function longer than this is not followed. */
#define USDT_DECODE_MAX (4u << 20)

/* insn_boundary() of the code from vaddr start to pc; *at: a vaddr. */
static int boundary_from(struct elf_file *ef, uint64_t start, uint64_t pc, uint64_t *at)
{
	uint64_t off;
	size_t span = pc - start, pos;
	uint8_t *code;
	int n, ret;

	*at = start;
	if (span >= USDT_DECODE_MAX || elf_file__vaddr_to_offset(ef, start, &off))
		return -EINVAL;
	code = xmalloc(span + 16);
	n = elf_file__read(ef, off, code, span + 16);
	ret = n > 0 ? insn_boundary(insn_arch_of_machine(ef->e_machine), code, n, span, &pos) :
		      -EINVAL;
	if (n > 0)
		*at = start + pos;
	free(code);
	return ret;
}

/*
 * Is a USDT site on an instruction boundary?  The kernel writes its int3 at pc
 * whatever is there: inside an instruction it changes what the program
 * computes (SIGILL, SIGSEGV, a wrong value), as FUNCTION+OFFSET would.  The
 * code is decoded from a boundary before pc: the start of the function symbol
 * that holds it, else of its call frame information row (.eh_frame: in a
 * stripped python3.11 no symbol holds a site).  NULL, or why not (in buf).
 */
static const char *usdt_site_problem(struct plan_file *pf, const struct usdt_probe *p, char *buf,
				     size_t len)
{
	struct elf_sym *s = func_covering(pf->ef, p->pc);
	uint64_t start, at = 0;
	int ret = -ENOENT;

	if (s) {
		ret = boundary_from(pf->ef, s->value, p->pc, &at);
		if (ret == 0) {
			snprintf(buf, len, "not on an instruction boundary: inside the instruction "
				 "at %s+0x%llx", elf_sym__demangled(s),
				 (unsigned long long)(at - s->value));
			return buf;
		}
	}
	if (ret != 1 && !dwarf_cfi_row_start(pf->ef->elf, p->pc, &start)) {
		ret = boundary_from(pf->ef, start, p->pc, &at);
		if (ret == 0) {
			snprintf(buf, len, "not on an instruction boundary: inside the instruction "
				 "at 0x%llx", (unsigned long long)at);
			return buf;
		}
	}
	if (ret == 1)
		return NULL;
	if (ret == -ENOENT)
		return "no function symbol or call frame information covers it: upx cannot tell "
		       "it is on an instruction boundary";
	snprintf(buf, len, "upx cannot tell it is on an instruction boundary (the code before it "
		 "does not decode at 0x%llx)", (unsigned long long)at);
	return buf;
}

/* The verdict on site i of pf's notes, once: NULL (it may be probed) or why not (kept). */
static const char *usdt_site_verdict(struct plan *plan, int file, size_t i)
{
	struct plan_file *pf = &plan->files[file];
	const struct usdt_probe *p = &pf->usdt->probes[i];
	const char *why;
	char buf[512], name[256];

	if (!pf->usdt_why) {
		pf->usdt_why = xcalloc(pf->usdt->nr, sizeof(*pf->usdt_why));
		pf->nr_usdt_why = pf->usdt->nr;
	}
	if (pf->usdt_why[i])
		return *pf->usdt_why[i] ? pf->usdt_why[i] : NULL;
	why = usdt_probe_problem(p, buf, sizeof(buf));
	if (!why)
		why = usdt_site_problem(pf, p, buf, sizeof(buf));
	pf->usdt_why[i] = xstrdup(why ? why : "");
	if (why) {
		snprintf(name, sizeof(name), "%s:%s", p->provider, p->name);
		add_skipped(plan, PLAN_SKIP_USDT, file, p->pc, name, why);
	}
	return why ? pf->usdt_why[i] : NULL;
}

bool plan_usdt_site_left_out(const struct plan *plan, int file, const struct usdt_probe *p)
{
	const struct plan_file *pf = &plan->files[file];
	size_t i = p - pf->usdt->probes;

	/* A site no spec asked for is not in the plan either. */
	return !pf->usdt_why || !pf->usdt_why[i] || *pf->usdt_why[i];
}

/*
 * usdt:TARGET:[PROVIDER:]NAME in files[file]: an entry per provider:name that matches, with
 * the sites upx may probe; each other site is left out with its reason.
 */
static int add_usdt_to(struct plan *plan, int file, const struct probe_spec *spec, int spec_idx)
{
	bool glob = pattern_is_glob(spec->function) ||
		    (spec->provider && pattern_is_glob(spec->provider));
	struct plan_file *pf = &plan->files[file];
	char err[512];
	size_t matched = 0, sites = 0, first_bad = 0;
	const char *missing, *first_why = NULL;

	if (!pf->usdt) {
		pf->usdt = xcalloc(1, sizeof(*pf->usdt));
		if (usdt_notes__read(pf->path, pf->usdt, err, sizeof(err)))
			return fail(plan, "'%s': cannot read its USDT notes: %s", pf->display, err);
	}
	missing = usdt_notes_missing(pf->usdt);
	if (missing)
		return fail(plan, "'%s': %s", pf->display, missing);
	for (size_t i = 0; i < pf->usdt->nr; i++) {
		const struct usdt_probe *p = &pf->usdt->probes[i];
		struct plan_entry *e;
		const char *why;

		if (!usdt_probe_matches(p, spec->provider, spec->function))
			continue;
		matched++;
		why = usdt_site_verdict(plan, file, i);
		e = usdt_entry_of(plan, file, p);
		if (why) {
			if (!first_why) {
				first_why = why;
				first_bad = i;
			}
			continue;
		}
		sites++;
		if (e) {
			if (e->spec == spec_idx)
				e->usdt_sites++; /* not when a second spec names it again */
			continue;
		}
		e = push_entry(plan, file, xasprintf("usdt:%s:%s:%s", pf->display, p->provider,
						     p->name));
		if (!e)
			continue;
		*e = (struct plan_entry){
			.file = file,
			.spec = spec_idx,
			.func = xasprintf("%s:%s", p->provider, p->name),
			.label = e->label,
			.vaddr = p->pc,
			.offset = p->offset,
			.probe = e->probe,
			.cookie = e->cookie,
			.is_usdt = true,
			.usdt_provider = xstrdup(p->provider),
			.usdt_name = xstrdup(p->name),
			.usdt_sites = 1,
			.usdt = p,
		};
	}
	if (!matched) {
		char names[512];

		fail(plan, "'%s': no USDT probe %s '%s%s%s'", pf->display,
		     glob ? "matches" : "named", spec->provider ? spec->provider : "", spec->provider ? ":" : "",
		     spec->function);
		usdt_suggest(pf->usdt, spec->function, names, sizeof(names));
		if (!glob && names[0] && !plan->quiet)
			hint("did you mean: %s?", names);
		return -1;
	}
	/* libbpf's attach (no uprobe_multi) takes every site of a probe: it must know. */
	for (size_t k = 0; k < plan->nr; k++) {
		struct plan_entry *e = &plan->entries[k];

		if (!e->is_usdt || e->file != file)
			continue;
		e->usdt_left_out = 0;
		for (size_t i = 0; i < pf->usdt->nr; i++)
			e->usdt_left_out += !strcmp(pf->usdt->probes[i].provider, e->usdt_provider) &&
					    !strcmp(pf->usdt->probes[i].name, e->usdt_name) &&
					    pf->usdt_why[i] && *pf->usdt_why[i];
	}
	if (!sites) {
		const struct usdt_probe *p = &pf->usdt->probes[first_bad];

		char all[48] = "the one site that matches";

		if (matched == 1 && !glob)
			return fail(plan, "'%s': cannot probe USDT %s:%s at 0x%llx: %s", pf->display,
				    p->provider, p->name, (unsigned long long)p->pc, first_why);
		if (matched > 1)
			snprintf(all, sizeof(all), "all %zu sites that match", matched);
		return fail(plan, "'%s': no USDT probe left to attach: %s '%s%s%s' %s left out; "
			    "%s:%s at 0x%llx: %s%s", pf->display, all,
			    spec->provider ? spec->provider : "", spec->provider ? ":" : "",
			    spec->function, matched > 1 ? "were" : "was", p->provider, p->name,
			    (unsigned long long)p->pc, first_why,
			    matched > 1 ? " (-v lists them)" : "");
	}
	return 0;
}

/* Kept, to place the same probes in the copies of files[file]. */
static void keep_request(struct plan *plan, int file, const struct probe_spec *spec, int spec_idx,
			 int tag)
{
	ALLOC_GROW(plan->requests, plan->nr_requests + 1, plan->alloc_requests);
	plan->requests[plan->nr_requests++] = (struct plan_request){
		.file = file,
		.spec_idx = spec_idx,
		.tag = tag,
		.is_usdt = spec->is_usdt,
		.is_return = spec->is_return,
		.has_offset = spec->has_offset,
		.function = xstrdup(spec->function),
		.provider = spec->provider ? xstrdup(spec->provider) : NULL,
		.offset = spec->offset,
	};
}

static int add_spec(struct plan *plan, const struct probe_spec *spec, int spec_idx, int tag)
{
	int file;

	if (spec->is_usdt && plan->opts.entry_and_return)
		return fail(plan, "'%s': a USDT probe has no return: --latency takes functions",
			    spec->text);
	file = plan_open_file(plan, spec->target);
	if (file < 0)
		return -1;
	if (spec->is_usdt ? add_usdt_to(plan, file, spec, spec_idx) :
			    add_spec_to(plan, file, spec, spec_idx, tag))
		return -1;
	keep_request(plan, file, spec, spec_idx, tag);
	return 0;
}

int plan_add_spec(struct plan *plan, const struct probe_spec *spec, int spec_idx)
{
	return add_spec(plan, spec, spec_idx, 0);
}

int plan_add_function(struct plan *plan, const char *target, const char *func, bool is_return,
		      int tag)
{
	struct probe_spec spec = {
		.text = func,
		.is_return = is_return,
		.target = (char *)target,
		.function = (char *)func,
	};

	return add_spec(plan, &spec, -1, tag);
}

/* The entries of files[from] again in files[to], a copy of the same build: the same offsets. */
static void clone_entries(struct plan *plan, int from, int to)
{
	size_t end = plan->nr;

	for (size_t i = 0; i < end; i++) {
		/* A copy: the array may move. */
		const struct plan_entry e = plan->entries[i];
		struct plan_entry *c;

		if (e.file != from)
			continue;
		ALLOC_GROW(plan->entries, plan->nr + 1, plan->alloc);
		c = &plan->entries[plan->nr++];
		*c = e;
		c->file = to;
		c->cookie = cookie_of(plan, to, plan_cookie_probe(e.cookie));
		c->func = xstrdup(e.func);
		c->label = xstrdup(e.label);
		c->usdt_provider = e.usdt_provider ? xstrdup(e.usdt_provider) : NULL;
		c->usdt_name = e.usdt_name ? xstrdup(e.usdt_name) : NULL;
	}
	if (plan->files[from].usdt) {
		const struct plan_file *pf = &plan->files[from];
		struct plan_file *c = &plan->files[to];

		c->usdt = pf->usdt;
		c->usdt_borrowed = true;
		/* The same sites, the same verdicts (plan_usdt_site_left_out()). */
		if (pf->usdt_why) {
			c->usdt_why = xcalloc(pf->nr_usdt_why, sizeof(*c->usdt_why));
			c->nr_usdt_why = pf->nr_usdt_why;
			for (size_t i = 0; i < pf->nr_usdt_why; i++)
				c->usdt_why[i] = pf->usdt_why[i] ? xstrdup(pf->usdt_why[i]) : NULL;
		}
	}
}

/*
 * The requests of files[primary] placed in files[copy] by its own symbols and notes.
 * What fails in the copy (a function it lacks, a site it cannot probe) leaves that
 * request out of it, quietly.
 */
static void place_requests(struct plan *plan, int primary, int copy)
{
	struct hsearch_data labels = {};

	hcreate_r(2 * plan->nr_probes + 16, &labels);
	for (size_t i = 0; i < plan->nr_probes; i++) {
		ENTRY item = { .key = plan->entries[i].label, .data = (void *)(intptr_t)(i + 1) };
		ENTRY *found;

		if (plan->entries[i].file == primary)
			hsearch_r(item, ENTER, &found, &labels);
	}
	copy_labels = &labels;
	plan->quiet = true;
	for (size_t r = 0; r < plan->nr_requests; r++) {
		const struct plan_request *q = &plan->requests[r];
		struct probe_spec spec = {
			.text = q->function,
			.is_return = q->is_return,
			.target = plan->files[primary].display,
			.function = q->function,
			.offset = q->offset,
			.has_offset = q->has_offset,
			.is_usdt = q->is_usdt,
			.provider = q->provider,
		};

		if (q->file != primary)
			continue;
		if (q->is_usdt)
			add_usdt_to(plan, copy, &spec, q->spec_idx);
		else
			add_spec_to(plan, copy, &spec, q->spec_idx, q->tag);
	}
	plan->quiet = false;
	copy_labels = NULL;
	hdestroy_r(&labels);
}

int plan_add_copy(struct plan *plan, int primary, const char *path, dev_t dev, ino_t ino)
{
	struct plan_file *pf;
	struct elf_file *ef;
	int file = plan_file_by_inode(plan, dev, ino), same = -1, ret;
	char err[256];

	if (file >= 0)
		return file;
	ret = elf_file__open(path, &ef, err, sizeof(err));
	if (ret) {
		snprintf(plan->why, sizeof(plan->why), "%s", err);
		return -1;
	}
	/* One build read once: a copy of a build already planned takes its offsets. */
	for (size_t f = 0; ef->build_id[0] && f < plan->nr_files && same < 0; f++)
		if (plan->files[f].primary == primary && plan->files[f].same_build == (int)f &&
		    !strcmp(plan->files[f].ef->build_id, ef->build_id))
			same = f;
	if (same < 0) {
		ret = elf_file__load_syms(ef, 0);
		if (ret) {
			snprintf(plan->why, sizeof(plan->why), "cannot read symbols: %s",
				 strerror(-ret));
			elf_file__close(ef);
			return -1;
		}
	}
	pf = new_file(plan, xstrdup(path), plan->files[primary].display, ef);
	file = plan->nr_files - 1;
	pf->dev = dev;
	pf->ino = ino;
	pf->primary = primary;
	if (same >= 0) {
		pf->same_build = same;
		clone_entries(plan, same, file);
	} else {
		place_requests(plan, primary, file);
	}
	return file;
}

long long plan_cookie_of_tag(const struct plan *plan, int tag)
{
	for (size_t i = 0; i < plan->nr; i++)
		if (plan->entries[i].tag == tag)
			return plan->entries[i].cookie;
	return -1;
}

const char *plan_site_text(enum plan_site site)
{
	switch (site) {
	case PLAN_SITE_AFTER_ENDBR:
		return "after endbr64";
	case PLAN_SITE_AT_OFFSET:
		return "at the given offset";
	default:
		return "";
	}
}

void plan_entry_how(const struct plan_entry *e, char *buf, size_t len)
{
	const char *site = plan_site_text(e->site);

	if (e->is_ifunc)
		snprintf(buf, len, "IFUNC %s -> %s%s%s", e->ifunc, e->impl ? e->impl : "?",
			 *site ? ", " : "", site);
	else if (e->is_plt)
		snprintf(buf, len, "PLT stub of an import%s%s%s%s", e->import_lib ? " from " : "",
			 e->import_lib ? e->import_lib : "", *site ? ", " : "", site);
	else
		snprintf(buf, len, "%s", site);
}

void plan_print(const struct plan *plan, FILE *f)
{
	for (size_t i = 0; i < plan->nr_probes; i++) {
		const struct plan_entry *e = &plan->entries[i];
		char how[512];

		plan_entry_how(e, how, sizeof(how));
		if (e->is_usdt) {
			char sema[40] = "no semaphore";

			if (e->usdt->semaphore)
				snprintf(sema, sizeof(sema), "semaphore at 0x%llx",
					 (unsigned long long)e->usdt->semaphore);
			text_line(f, "upx: probe %zu: %s at %s+0x%llx (USDT, %s, %s)", i, e->label,
				  plan->files[e->file].path, (unsigned long long)e->offset,
				  count_noun(e->usdt_sites, "site", "sites"), sema);
			continue;
		}
		text_line(f, "upx: probe %zu: %s at %s+0x%llx%s%s%s", i, e->label,
			  plan->files[e->file].path, (unsigned long long)e->offset,
			  *how ? " (" : "", how, *how ? ")" : "");
	}
	for (size_t i = 0; i < plan->nr_skipped; i++) {
		const struct plan_skip *k = &plan->skipped[i];

		if (k->kind == PLAN_SKIP_USDT)
			text_line(f, "upx: left out: USDT %s at 0x%llx (%s)", k->func,
				  (unsigned long long)k->vaddr, k->why);
		else
			text_line(f, "upx: left out: %s (%s)", k->func, k->why);
	}
	/*
	 * A copy's sites: a line per copy, and one per site of a copy of another
	 * build (core/run/copies-live.h lists where each copy is).
	 */
	for (size_t i = 0; i < plan->nr_files; i++) {
		const struct plan_file *pf = &plan->files[i];
		size_t sites = 0;

		if (pf->primary == (int)i)
			continue;
		for (size_t k = plan->nr_probes; k < plan->nr; k++)
			sites += plan->entries[k].file == (int)i;
		text_line(f, "upx: file %zu: a copy of file %d (%s) at %s: %s, %s", i, pf->primary,
			  pf->display, pf->path, count_noun(sites, "site", "sites"),
			  pf->same_build == (int)i ? "placed by its own symbols" :
						     "at the offsets of its build's first copy");
		for (size_t k = plan->nr_probes; pf->same_build == (int)i && k < plan->nr; k++)
			if (plan->entries[k].file == (int)i)
				text_line(f, "upx: probe %zu in file %zu: %s at %s+0x%llx",
					  plan->entries[k].probe, i, plan->entries[k].label, pf->path,
					  (unsigned long long)plan->entries[k].offset);
	}
}

void plan_warn_left_out(const struct plan *plan, bool verbose)
{
	size_t refused = 0, sites = 0, n;
	char names[2048];

	for (size_t i = 0; i < plan->nr_skipped; i++) {
		const struct plan_skip *k = &plan->skipped[i];

		refused += k->kind == PLAN_SKIP_REFUSED;
		/* Each USDT site by its name and address: a hostile file could have thousands. */
		if (k->kind == PLAN_SKIP_USDT && (sites++ < 10 || verbose))
			warning("left out USDT site %s at 0x%llx of '%s': %s", k->func,
				(unsigned long long)k->vaddr, plan->files[k->file].display, k->why);
	}
	if (sites > 10 && !verbose)
		warning("left out %zu more USDT sites (-v lists them)", sites - 10);
	if (refused)
		warning("left out %s the kernel cannot probe%s",
			count_noun(refused, "function", "functions"), verbose ? "" : " (-v lists them)");
	n = join_skipped(plan, 0, PLAN_SKIP_HAZARD, names, sizeof(names));
	if (n)
		warning("left out %s that %s twice or never %s, a return probe would break the "
			"program: %s (--force keeps them)", count_noun(n, "function", "functions"),
			plural(n, "returns", "return"), plural(n, "returns", "return"), names);
	n = join_skipped(plan, 0, PLAN_SKIP_NOT_CODE, names, sizeof(names));
	if (n)
		warning("left out %s outside executable memory, a probe would write into the "
			"program's data: %s", count_noun(n, "function symbol", "function symbols"),
			names);
}

void plan_note_redirects(const struct plan *plan, const struct probe_spec *specs)
{
	for (size_t k = 0; k < plan->nr_probes; k++) {
		const struct plan_entry *pe = &plan->entries[k];
		const char *site = plan_site_text(pe->site);

		if (pe->is_ifunc && pe->spec >= 0 && !pattern_is_glob(specs[pe->spec].function))
			note("%s is an IFUNC: probing the implementation the dynamic linker picks "
			     "here (%s -> %s%s%s)", pe->label, pe->ifunc, pe->impl ? pe->impl : "?",
			     *site ? ", " : "", site);
		if (pe->is_plt && !pe->is_return)
			note("%s is only imported here%s%s%s: probing its PLT stub, which sees the "
			     "calls this file makes through it", pe->label,
			     pe->import_lib ? " (defined in " : "",
			     pe->import_lib ? pe->import_lib : "", pe->import_lib ? ")" : "");
	}
}

void plan_clear_probes(struct plan *plan)
{
	for (size_t i = 0; i < plan->nr; i++) {
		free(plan->entries[i].func);
		free(plan->entries[i].label);
		free(plan->entries[i].usdt_provider);
		free(plan->entries[i].usdt_name);
		free(plan->entries[i].import_lib);
	}
	plan->nr = plan->nr_probes = 0;
	for (size_t i = 0; i < plan->nr_requests; i++) {
		free(plan->requests[i].function);
		free(plan->requests[i].provider);
	}
	plan->nr_requests = 0;
	for (size_t i = 0; i < plan->nr_skipped; i++) {
		free(plan->skipped[i].func);
		free(plan->skipped[i].why);
	}
	plan->nr_skipped = 0;
}

void plan_free(struct plan *plan)
{
	plan_clear_probes(plan);
	free(plan->entries);
	for (size_t i = 0; i < plan->nr_files; i++) {
		free(plan->files[i].path);
		free(plan->files[i].display);
		free(plan->files[i].in_root);
		free(plan->files[i].root);
		free(plan->files[i].ifuncs);
		free(plan->files[i].ifunc_err);
		free(plan->files[i].hazards);
		free(plan->files[i].by_value);
		for (size_t k = 0; k < plan->files[i].nr_usdt_why; k++)
			free(plan->files[i].usdt_why[k]);
		free(plan->files[i].usdt_why);
		if (plan->files[i].usdt && !plan->files[i].usdt_borrowed) {
			usdt_notes__free(plan->files[i].usdt);
			free(plan->files[i].usdt);
		}
		elf_file__close(plan->files[i].ef);
	}
	free(plan->files);
	free(plan->requests);
	free(plan->skipped);
	memset(plan, 0, sizeof(*plan));
}

size_t plan_groups(const struct plan *plan, struct plan_group **out)
{
	struct plan_group *g = NULL;
	size_t nr = 0, alloc = 0;

	for (size_t i = 0; i < plan->nr; i++) {
		const struct plan_entry *e = &plan->entries[i];
		size_t k;

		if (e->is_usdt)
			continue; /* attached by libbpf's USDT support (core/run/attach.c) */
		for (k = 0; k < nr; k++)
			if (g[k].file == e->file && g[k].is_return == e->is_return)
				break;
		if (k == nr) {
			ALLOC_GROW(g, nr + 1, alloc);
			g[nr++] = (struct plan_group){ .file = e->file, .is_return = e->is_return };
		}
		g[k].idx = xrealloc(g[k].idx, (g[k].nr + 1) * sizeof(size_t));
		g[k].idx[g[k].nr++] = i;
	}
	*out = g;
	return nr;
}

void plan_groups_free(struct plan_group *groups, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(groups[i].idx);
	free(groups);
}

void copies_where_text(const struct plan_file *pf, char *buf, size_t size)
{
	bool in = pf->root && strcmp(pf->root, "/");

	snprintf(buf, size, "%s%s%s", pf->in_root, in ? " in " : "", in ? pf->root : "");
}
