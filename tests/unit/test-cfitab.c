// SPDX-License-Identifier: GPL-2.0
/*
 * core/stack/cfitab.c on real files: libc.so.6, python3.11 and the fixture
 * built without frame pointers (stackfix-nofp, whose _start marks %rip
 * undefined).  The oracle is libdw's own answer at each address, read here
 * on its own CFI handle and evaluated on made-up register values: the row
 * cfitab_find() gives at the address's file offset must compute the same
 * CFA, find %rbp at the same place and say END or NONE exactly where libdw
 * says the return address is undefined or has no rule the kernel follows.
 * Then the table's shape (sorted, merged), the PLT, and files that are not
 * what they should be.
 *
 * UPX_CFITAB_DUMP=FILE build/unit-tests prints FILE's rows to stdout (the
 * first test), for looking at a table by hand; UPX_CFITAB_ORACLE="FILE..."
 * checks more files against libdw, every 3rd byte of .text.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "stack/cfitab.h"
#include "unit.h"

#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define PYTHON "/usr/bin/python3.11"
#define NOFP "build/fixtures/stackfix-nofp"
#define FP "build/fixtures/stackfix"
#define DEBUG_FRAME "tests/fuzz/corpus/cfitab/seed-debug-frame"

/* Made-up register values the rules are evaluated on: far apart, none a multiple of another. */
#define REG_VAL(r) (0x10000000ull * ((r) + 1) + 0x1230)

static void dump(FILE *f, const char *path, const struct cfitab *t)
{
	static const char *const kind[] = { "rsp", "rbp", "end", "none" };

	fprintf(f, "%s: %zu rows, %zu FDEs, %zu without a rule\n", path, t->nr, t->nr_fdes,
		t->nr_none);
	for (size_t i = 0; i < t->nr; i++) {
		const struct stack_cfi_row *r = &t->rows[i];

		fprintf(f, "%#8x %-4s", r->off, kind[r->cfa & 3]);
		if (r->cfa <= STACK_CFI_RBP)
			fprintf(f, " %+6d", r->cfa_off * 8);
		if (r->cfa <= STACK_CFI_RBP && r->rbp == STACK_CFI_RBP_SAME)
			fprintf(f, "  rbp same");
		else if (r->cfa <= STACK_CFI_RBP && r->rbp != STACK_CFI_RBP_UNKNOWN)
			fprintf(f, "  rbp at cfa%+d", r->rbp * 8);
		fputc('\n', f);
	}
}

static void test_cfitab_dump(void)
{
	const char *path = getenv("UPX_CFITAB_DUMP");
	struct cfitab t;
	const char *why = NULL;

	if (!path) {
		CU_PASS("UPX_CFITAB_DUMP not set");
		return;
	}
	if (cfitab_build(path, &t, &why)) {
		fprintf(stderr, "\n    %s: %s", path, why);
		CU_FAIL("cfitab_build");
		return;
	}
	dump(stdout, path, &t);
	cfitab_free(&t);
}

/* A file the tests need, or NULL with one failure saying what to do. */
static const char *need(const char *path)
{
	if (access(path, R_OK)) {
		fprintf(stderr, "\n    no %s (make fixtures; python3 is in TEST_PKGS) ", path);
		CU_FAIL("file missing");
		return NULL;
	}
	return path;
}

/* A clock in milliseconds. */
static double ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* What libdw says about one address, evaluated on REG_VAL. */
enum want_kind { WANT_NONE, WANT_END, WANT_RULE };
struct want {
	enum want_kind kind;
	uint64_t cfa;		/* WANT_RULE: the CFA's value */
	bool cfa_by_rbp;	/* the CFA rule reads %rbp (or %rsp) */
	bool rbp_same;
	bool rbp_saved;		/* at cfa + rbp_at */
	int64_t rbp_at;
};

/* The value of a one-register CFA expression on REG_VAL, and which register; false otherwise. */
static bool eval_cfa(Dwarf_Frame *fr, uint64_t *val, unsigned int *reg)
{
	Dwarf_Op *ops;
	size_t n;

	if (dwarf_frame_cfa(fr, &ops, &n) || n != 1)
		return false;
	if (ops[0].atom == DW_OP_bregx) {
		*reg = ops[0].number;
		*val = REG_VAL(*reg) + ops[0].number2;
	} else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
		*reg = ops[0].atom - DW_OP_breg0;
		*val = REG_VAL(*reg) + ops[0].number;
	} else {
		return false;
	}
	return true;
}

/* The address a register is saved at, evaluated given the CFA; 1: saved, 0: same, -1 other. */
static int eval_saved(Dwarf_Frame *fr, int regno, uint64_t cfa, uint64_t *at, bool *undefined)
{
	Dwarf_Op mem[3], *ops;
	size_t n;
	uint64_t v;

	*undefined = false;
	if (dwarf_frame_register(fr, regno, mem, &ops, &n))
		return -1;
	if (!n) {
		*undefined = ops != NULL;
		return ops ? -1 : 0;
	}
	/* the CFA, then constants added to it: a place relative to the CFA */
	v = cfa;
	for (size_t i = 0; i < n; i++) {
		if (ops[i].atom != (i ? DW_OP_plus_uconst : DW_OP_call_frame_cfa))
			return -1;
		if (i)
			v += ops[i].number;
	}
	*at = v;
	return 1;
}

static struct want libdw_want(Dwarf_CFI *cfi, uint64_t addr)
{
	struct want w = { .kind = WANT_NONE };
	Dwarf_Frame *fr = NULL;
	uint64_t cfa, at;
	unsigned int reg;
	bool signal, undefined;
	int ra, r;

	if (dwarf_cfi_addrframe(cfi, addr, &fr))
		return w;
	ra = dwarf_frame_info(fr, NULL, NULL, &signal);
	if (ra != 16 || signal)
		goto out;
	if (!eval_cfa(fr, &cfa, &reg)) {
		cfa = 0;
		reg = ~0u;
	}
	r = eval_saved(fr, ra, cfa, &at, &undefined);
	if (undefined) {
		w.kind = WANT_END;
		goto out;
	}
	/* the kernel's rows: CFA from rsp or rbp by whole words, the return address at CFA - 8 */
	if (r != 1 || at != cfa - 8 || (reg != 6 && reg != 7) || (cfa - REG_VAL(reg)) % 8 ||
	    (int64_t)(cfa - REG_VAL(reg)) / 8 < -32768 || (int64_t)(cfa - REG_VAL(reg)) / 8 > 32767)
		goto out;
	w.kind = WANT_RULE;
	w.cfa = cfa;
	w.cfa_by_rbp = reg == 6;
	r = eval_saved(fr, 6, cfa, &at, &undefined);
	w.rbp_same = r == 0;
	if (r == 1 && (int64_t)(at - cfa) % 8 == 0 && (int64_t)(at - cfa) / 8 >= -127 &&
	    (int64_t)(at - cfa) / 8 <= 127 && at != cfa) {
		w.rbp_saved = true;
		w.rbp_at = at - cfa;
	}
out:
	free(fr);
	return w;
}

/* A file's PT_LOADs, read here apart from core/symbols/elf.c (the builder's helper). */
struct file {
	int fd;
	Elf *elf;
	Dwarf *dw;		/* .debug_frame's, when the file has no .eh_frame */
	Dwarf_CFI *cfi;
	GElf_Phdr loads[16];
	size_t nr_loads;
};

static bool file_open(struct file *f, const char *path)
{
	size_t n;

	memset(f, 0, sizeof(*f));
	elf_version(EV_CURRENT);
	f->fd = open(path, O_RDONLY);
	if (f->fd < 0)
		return false;
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	f->cfi = f->elf ? dwarf_getcfi_elf(f->elf) : NULL;
	if (f->elf && !f->cfi && (f->dw = dwarf_begin_elf(f->elf, DWARF_C_READ, NULL)))
		f->cfi = dwarf_getcfi(f->dw);
	if (!f->cfi || elf_getphdrnum(f->elf, &n))
		return false;
	for (size_t i = 0; i < n && f->nr_loads < ARRAY_SIZE(f->loads); i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(f->elf, i, &ph) && ph.p_type == PT_LOAD)
			f->loads[f->nr_loads++] = ph;
	}
	return true;
}

static void file_close(struct file *f)
{
	if (f->dw)
		dwarf_end(f->dw);
	else if (f->cfi)
		dwarf_cfi_end(f->cfi);
	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
}

static bool file_offset(const struct file *f, uint64_t addr, uint32_t *off)
{
	for (size_t i = 0; i < f->nr_loads; i++)
		if (addr >= f->loads[i].p_vaddr &&
		    addr < f->loads[i].p_vaddr + f->loads[i].p_filesz) {
			*off = addr - f->loads[i].p_vaddr + f->loads[i].p_offset;
			return true;
		}
	return false;
}

/* The section of that name with its header in *sh, or NULL. */
static Elf_Scn *section_hdr(const struct file *f, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(f->elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(f->elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, sh))
			continue;
		n = elf_strptr(f->elf, shstrndx, sh->sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/* A section's [start, end) addresses; false if there is none of that name. */
static bool section(const struct file *f, const char *name, uint64_t *start, uint64_t *end)
{
	GElf_Shdr sh;

	if (!section_hdr(f, name, &sh))
		return false;
	*start = sh.sh_addr;
	*end = sh.sh_addr + sh.sh_size;
	return true;
}

/* Does the row say what libdw says at addr?  Prints the first few differences. */
static bool agrees(const struct file *f, const struct cfitab *t, uint64_t addr, int *shown)
{
	struct want w = libdw_want(f->cfi, addr);
	const struct stack_cfi_row *r;
	uint32_t off = 0;
	bool ok;

	if (!file_offset(f, addr, &off))
		return true;
	r = cfitab_find(t, off);
	switch (w.kind) {
	case WANT_NONE:
		ok = !r || r->cfa == STACK_CFI_NONE;
		break;
	case WANT_END:
		ok = r && r->cfa == STACK_CFI_END;
		break;
	default:
		ok = r && (r->cfa == STACK_CFI_RSP || r->cfa == STACK_CFI_RBP) &&
		     (r->cfa == STACK_CFI_RBP) == w.cfa_by_rbp &&
		     REG_VAL(r->cfa == STACK_CFI_RBP ? 6 : 7) + (int64_t)r->cfa_off * 8 == w.cfa &&
		     (w.rbp_same ? r->rbp == STACK_CFI_RBP_SAME
		      : w.rbp_saved ? r->rbp * 8 == w.rbp_at
		      : r->rbp == STACK_CFI_RBP_UNKNOWN);
	}
	if (!ok && (*shown)++ < 5)
		fprintf(stderr,
			"\n    %#llx (offset %#x): libdw says %d, the row says %d %+d rbp %d",
			(unsigned long long)addr, off, w.kind, r ? r->cfa : -1,
			r ? r->cfa_off * 8 : 0, r ? r->rbp : 0);
	return ok;
}

/* Every step-th address of the section name agrees with libdw; the addresses checked. */
static size_t check_section(const struct file *f, const struct cfitab *t, const char *name,
			    unsigned int step)
{
	uint64_t start, end;
	size_t checked = 0, bad = 0;
	int shown = 0;

	if (!section(f, name, &start, &end))
		return 0;
	for (uint64_t a = start; a < end; a += step, checked++)
		bad += !agrees(f, t, a, &shown);
	if (bad)
		fprintf(stderr, "\n    %s: %zu of %zu addresses differ from libdw", name, bad,
			checked);
	CU_ASSERT_EQUAL(bad, 0);
	return checked;
}

static bool build(const char *path, struct cfitab *t)
{
	const char *why = NULL;
	int ret = cfitab_build(path, t, &why);

	if (ret)
		fprintf(stderr, "\n    %s: %s (%d)", path, why, ret);
	CU_ASSERT_EQUAL(ret, 0);
	return !ret;
}

/* The whole table against libdw: .text every step-th byte, the PLT sections every byte. */
static void oracle(const char *path, unsigned int step)
{
	static const char *const plts[] = { ".plt", ".plt.got", ".plt.sec", ".init", ".fini" };
	struct cfitab t;
	struct file f;
	size_t checked;

	if (!need(path) || !build(path, &t))
		return;
	CU_ASSERT_FATAL(file_open(&f, path));
	checked = check_section(&f, &t, ".text", step);
	CU_ASSERT(checked > 0);
	for (size_t i = 0; i < ARRAY_SIZE(plts); i++)
		check_section(&f, &t, plts[i], 1);
	file_close(&f);
	cfitab_free(&t);
}

static void test_cfitab_oracle_nofp(void)
{
	oracle(NOFP, 1);
}

/* With frame pointers: CFA by %rbp from the third instruction of each function on. */
static void test_cfitab_oracle_fp(void)
{
	oracle(FP, 1);
}

/*
 * .debug_frame only (absolute FDE addresses in an ET_EXEC; -O0: CFA by
 * %rbp), as is and zlib-compressed: fuzz seeds.
 */
static void test_cfitab_oracle_debug_frame(void)
{
	struct cfitab t;
	size_t by_rbp = 0;

	oracle(DEBUG_FRAME, 1);
	oracle(DEBUG_FRAME "-zlib", 1);
	if (!build(DEBUG_FRAME, &t))
		return;
	for (size_t i = 0; i < t.nr; i++)
		by_rbp += t.rows[i].cfa == STACK_CFI_RBP;
	CU_ASSERT(by_rbp > 0);
	cfitab_free(&t);
}

static void test_cfitab_oracle_libc(void)
{
	oracle(LIBC, 7);
}

static void test_cfitab_oracle_python(void)
{
	oracle(PYTHON, 7);
}

/* Sorted by offset, no two rows in a row with the same rule, every field in its domain. */
static void test_cfitab_shape(void)
{
	const char *files[] = { NOFP, LIBC, PYTHON };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct cfitab t;
		size_t bad = 0, none = 0;

		if (!need(files[i]) || !build(files[i], &t))
			continue;
		CU_ASSERT(t.nr > 0);
		CU_ASSERT(t.nr_fdes > 0);
		for (size_t k = 0; k < t.nr; k++) {
			const struct stack_cfi_row *r = &t.rows[k], *p = k ? r - 1 : NULL;

			bad += r->cfa > STACK_CFI_NONE;
			bad += p && p->off >= r->off;
			bad +=
			    p && p->cfa == r->cfa && p->rbp == r->rbp && p->cfa_off == r->cfa_off;
			bad += r->cfa >= STACK_CFI_END &&
			       (r->cfa_off || r->rbp != STACK_CFI_RBP_UNKNOWN);
			none += r->cfa == STACK_CFI_NONE;
			/* the lookup finds each row at its own offset and the one before it just
			 * before */
			bad += cfitab_find(&t, r->off) != r;
			bad += r->off && cfitab_find(&t, r->off - 1) != p;
		}
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT(t.nr_none <= none);
		/* the last row closes the last FDE */
		CU_ASSERT_EQUAL(t.rows[t.nr - 1].cfa, STACK_CFI_NONE);
		if (t.rows[0].off)
			CU_ASSERT_PTR_NULL(cfitab_find(&t, t.rows[0].off - 1));
		cfitab_free(&t);
	}
}

/*
 * The PLT's stubs (after PLT0, whose first 16 bytes have a plain rule: it is
 * entered after a push) are NONE: their CFA is a DWARF expression.
 */
static void test_cfitab_plt_none(void)
{
	const char *files[] = { NOFP, LIBC, PYTHON };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct cfitab t;
		struct file f;
		uint64_t start = 0, end = 0;
		size_t bad = 0;

		if (!need(files[i]) || !build(files[i], &t))
			continue;
		CU_ASSERT_FATAL(file_open(&f, files[i]));
		CU_ASSERT(section(&f, ".plt", &start, &end) && end > start + 16);
		for (uint64_t a = start + 16; a < end; a++) {
			const struct stack_cfi_row *r;
			uint32_t off = 0;

			CU_ASSERT_FATAL(file_offset(&f, a, &off));
			r = cfitab_find(&t, off);
			bad += !r || r->cfa != STACK_CFI_NONE;
		}
		CU_ASSERT_EQUAL(bad, 0);
		file_close(&f);
		cfitab_free(&t);
	}
}

/*
 * libc's signal return trampoline (__restore_rt, found by its bytes: mov
 * $15,%rax; syscall) is a signal frame ("zRS") whose CFA is read from the
 * saved context: NONE over its FDE, as libdw says.
 */
static void test_cfitab_signal_frame(void)
{
	static const unsigned char restorer[] = { 0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0, 0x0f, 0x05 };
	struct cfitab t;
	struct file f;
	uint64_t start = 0, end = 0, found = 0;
	Dwarf_Frame *fr = NULL;
	bool signal = false;
	char *text = NULL;
	size_t len = 0;
	int shown = 0;

	if (!need(LIBC) || !build(LIBC, &t))
		return;
	CU_ASSERT_FATAL(file_open(&f, LIBC));
	CU_ASSERT_FATAL(section(&f, ".text", &start, &end));
	CU_ASSERT_FATAL(read_file(LIBC, &text, &len) == 0);
	for (uint64_t a = start; a + sizeof(restorer) <= end && !found; a++) {
		uint32_t off = 0;

		if (file_offset(&f, a, &off) && off + sizeof(restorer) <= len &&
		    !memcmp(text + off, restorer, sizeof(restorer)))
			found = a;
	}
	CU_ASSERT_FATAL(found != 0);
	CU_ASSERT_FATAL(dwarf_cfi_addrframe(f.cfi, found, &fr) == 0);
	dwarf_frame_info(fr, NULL, NULL, &signal);
	free(fr);
	CU_ASSERT(signal);
	for (uint64_t a = found; a < found + sizeof(restorer); a++) {
		uint32_t off = 0;
		const struct stack_cfi_row *r;

		CU_ASSERT(agrees(&f, &t, a, &shown));
		CU_ASSERT_FATAL(file_offset(&f, a, &off));
		r = cfitab_find(&t, off);
		CU_ASSERT(r && r->cfa == STACK_CFI_NONE);
	}
	free(text);
	file_close(&f);
	cfitab_free(&t);
}

/* An ELF symbol's address in f, 0 if none. */
static uint64_t symbol(const struct file *f, const char *name)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(f->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sizeof(Elf64_Sym); i++) {
			GElf_Sym s;
			const char *n;

			if (gelf_getsym(d, i, &s) &&
			    (n = elf_strptr(f->elf, sh.sh_link, s.st_name)) && !strcmp(n, name))
				return s.st_value;
		}
	}
	return 0;
}

/*
 * stackfix-nofp: _start (.cfi_undefined rip) is END over its whole length;
 * leaf, a, b, main start with CFA = rsp + 8, %rbp the caller's.
 */
static void test_cfitab_fixture_rows(void)
{
	const char *funcs[] = { "leaf", "a", "b", "c", "main" };
	struct cfitab t;
	struct file f;
	uint64_t start;
	uint32_t off = 0;
	const struct stack_cfi_row *r;

	if (!need(NOFP) || !build(NOFP, &t))
		return;
	CU_ASSERT_FATAL(file_open(&f, NOFP));
	start = symbol(&f, "_start");
	CU_ASSERT_FATAL(start != 0);
	for (uint64_t a = start; a < start + 16; a++) {
		CU_ASSERT_FATAL(file_offset(&f, a, &off));
		r = cfitab_find(&t, off);
		CU_ASSERT(r && r->cfa == STACK_CFI_END);
	}
	for (size_t i = 0; i < ARRAY_SIZE(funcs); i++) {
		uint64_t a = symbol(&f, funcs[i]);

		CU_ASSERT_FATAL(a && file_offset(&f, a, &off));
		r = cfitab_find(&t, off);
		CU_ASSERT(r && r->off == off && r->cfa == STACK_CFI_RSP && r->cfa_off == 1 &&
			  r->rbp == STACK_CFI_RBP_SAME);
	}
	file_close(&f);
	cfitab_free(&t);
}

/* A file of len bytes from data, in a fresh temporary directory's FILE; the path. */
static char *temp_file(const void *data, size_t len)
{
	char dir[] = "/tmp/upx-cfitab-XXXXXX", *path;
	int fd;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	path = xasprintf("%s/file", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, data, len) == (ssize_t)len);
	close(fd);
	return path;
}

static void temp_remove(char *path)
{
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	free(path);
}

/* cfitab_build on the bytes: -errno and a cause containing text, nothing allocated. */
static void refused(const void *data, size_t len, const char *text)
{
	char *path = temp_file(data, len);
	struct cfitab t;
	const char *why = NULL;
	int ret = cfitab_build(path, &t, &why);

	CU_ASSERT(ret < 0);
	CU_ASSERT_PTR_NULL(t.rows);
	CU_ASSERT(why && strstr(why, text));
	if (!why || !strstr(why, text))
		fprintf(stderr, "\n    want \"%s\", got \"%s\" (%d)", text, why ? why : "(null)",
			ret);
	temp_remove(path);
}

static void test_cfitab_hostile(void)
{
	static const char script[] = "#!/bin/sh\necho hi\n";
	struct cfitab t;
	const char *why = NULL;
	char *elf = NULL;
	size_t len = 0;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned char bare[sizeof(eh) + sizeof(ph)];

	CU_ASSERT_EQUAL(cfitab_build("/nonexistent/libc.so.6", &t, &why), -ENOENT);
	CU_ASSERT(why && *why);
	CU_ASSERT(cfitab_build("/tmp", &t, &why) < 0);
	CU_ASSERT(why && strstr(why, "directory"));
	refused("", 0, "empty");
	refused(script, sizeof(script) - 1, "not an ELF file");
	refused("\x7f" "ELF", 4, "truncated");
	if (!need(NOFP) || read_file(NOFP, &elf, &len))
		return;
	/* the header only, then the file without its section headers' end */
	refused(elf, 64, "truncated");
	refused(elf, len - 1, "truncated");
	/* a loadable ELF with no sections at all: nothing to unwind by */
	memcpy(&eh, elf, sizeof(eh));
	eh.e_phoff = sizeof(eh);
	eh.e_phnum = 1;
	eh.e_shoff = eh.e_shnum = eh.e_shstrndx = 0;
	ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_filesz = sizeof(bare),
			   .p_memsz = sizeof(bare), .p_align = 4096 };
	memcpy(bare, &eh, sizeof(eh));
	memcpy(bare + sizeof(eh), &ph, sizeof(ph));
	refused(bare, sizeof(bare), "no .eh_frame or .debug_frame");
	free(elf);
}

/*
 * cfioverlap: FDE A over _start .. +32, B over +8 .. +16.  libdw keeps the
 * FDE it read first, A, and so does the table: A's rule over B, NONE after A.
 */
static void test_cfitab_overlap(void)
{
	const char *path = need("build/fixtures/cfioverlap");
	const struct stack_cfi_row *r;
	struct cfitab t;
	struct file f;
	uint64_t start;
	uint32_t off = 0;

	if (!path)
		return;
	oracle(path, 1);
	if (!build(path, &t))
		return;
	CU_ASSERT_FATAL(file_open(&f, path));
	start = symbol(&f, "_start");
	CU_ASSERT_FATAL(start && file_offset(&f, start, &off));
	CU_ASSERT_EQUAL(t.nr_fdes, 2);
	for (uint32_t o = off; o < off + 40; o++) {
		int want = o == off ? 1 : o < off + 32 ? 2 : -1;

		r = cfitab_find(&t, o);
		CU_ASSERT(r && (want < 0 ? r->cfa == STACK_CFI_NONE
				: r->cfa == STACK_CFI_RSP && r->cfa_off == want));
	}
	file_close(&f);
	cfitab_free(&t);
}

/* cfitab_build() that leaves the process's peak memory within 64 MiB of where it was. */
static bool build_small(const char *path, struct cfitab *t)
{
	struct rusage before, after;
	bool ok;

	getrusage(RUSAGE_SELF, &before);
	ok = build(path, t);
	getrusage(RUSAGE_SELF, &after);
	CU_ASSERT(after.ru_maxrss - before.ru_maxrss < 64 * 1024);	/* KiB */
	return ok;
}

/*
 * cfihostile: _start names register 100,000,000 (libdw would grow each frame
 * of it to gigabytes), deep nests 100,000 DW_CFA_remember_state (a third of
 * a gigabyte for each lookup); both NONE, never run by libdw; plain, after
 * them, has its rule.
 */
static void test_cfitab_hostile_insns(void)
{
	const char *path = need("build/fixtures/cfihostile");
	const struct stack_cfi_row *r;
	struct cfitab t;
	struct file f;
	uint32_t off[3] = { 0 };
	const char *names[] = { "_start", "deep", "plain" };

	if (!path || !build_small(path, &t))
		return;
	CU_ASSERT_FATAL(file_open(&f, path));
	for (int i = 0; i < 3; i++) {
		uint64_t a = symbol(&f, names[i]);

		CU_ASSERT_FATAL(a && file_offset(&f, a, &off[i]));
	}
	r = cfitab_find(&t, off[0]);
	CU_ASSERT(r && r->off == off[0] && r->cfa == STACK_CFI_NONE);
	r = cfitab_find(&t, off[1] + 1);
	CU_ASSERT(r && r->cfa == STACK_CFI_NONE);
	r = cfitab_find(&t, off[2]);
	CU_ASSERT(r && r->off == off[2] && r->cfa == STACK_CFI_RSP && r->cfa_off == 1);
	CU_ASSERT_EQUAL(t.nr_none, 1);	/* _start's and deep's NONE rows are one */
	file_close(&f);
	cfitab_free(&t);
}

/*
 * The inputs fuzz-cfitab ran out of memory on (libdw asked about FDEs an
 * altered .eh_frame_hdr pointed to, which the section's own walk never
 * met): refused, and quickly.  And one whose FDEs all cover nothing: no
 * rows (UBSan: qsort() of no spans was given NULL).
 */
static void test_cfitab_fuzz_finds(void)
{
	const char *files[] = { "tests/fuzz/corpus/cfitab/crash-regno",
				"tests/fuzz/corpus/cfitab/crash-hdr",
				/* its .eh_frame_hdr is SHT_NULL: libdw finds it by name */
				"tests/fuzz/corpus/cfitab/crash-hdr-null" };
	struct cfitab t;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct rusage before, after;
		const char *why = NULL;

		if (!need(files[i]))
			continue;
		getrusage(RUSAGE_SELF, &before);
		CU_ASSERT_EQUAL(cfitab_build(files[i], &t, &why), -EINVAL);
		getrusage(RUSAGE_SELF, &after);
		CU_ASSERT(after.ru_maxrss - before.ru_maxrss < 64 * 1024);
		CU_ASSERT(why && strstr(why, ".eh_frame_hdr"));
	}
	if (need("tests/fuzz/corpus/cfitab/crash-empty-fdes") &&
	    build("tests/fuzz/corpus/cfitab/crash-empty-fdes", &t)) {
		CU_ASSERT_EQUAL(t.nr, 0);
		CU_ASSERT_PTR_NULL(cfitab_find(&t, 0x490));
		cfitab_free(&t);
	}
}

/* stackfix-nofp with its .eh_frame's size 0, as Free Pascal's programs have it: no CFI. */
static void test_cfitab_empty_eh_frame(void)
{
	char *elf = NULL, *path;
	size_t len = 0;
	Elf_Scn *scn;
	Elf64_Ehdr eh;
	GElf_Shdr sh;
	struct cfitab t;
	const char *why = NULL;
	struct file f;
	uint64_t pos = 0;

	if (!need(NOFP) || read_file(NOFP, &elf, &len))
		return;
	memcpy(&eh, elf, sizeof(eh));
	CU_ASSERT_FATAL(file_open(&f, NOFP));
	if ((scn = section_hdr(&f, ".eh_frame", &sh)))
		pos = eh.e_shoff + elf_ndxscn(scn) * sizeof(Elf64_Shdr) +
		      offsetof(Elf64_Shdr, sh_size);
	file_close(&f);
	CU_ASSERT_FATAL(pos && pos + 8 <= len);
	memset(elf + pos, 0, 8);
	path = temp_file(elf, len);
	CU_ASSERT_EQUAL(cfitab_build(path, &t, &why), -ENODATA);
	CU_ASSERT(why && !strcmp(why, "no .eh_frame or .debug_frame"));
	temp_remove(path);
	free(elf);
}

/* stackfix-nofp with one .eh_frame_hdr entry pointing 4 bytes into an FDE: refused. */
static void test_cfitab_hdr_mismatch(void)
{
	struct file f;
	char *elf = NULL, *path;
	size_t len = 0;
	uint64_t hdr_off = 0;
	struct cfitab t;
	const char *why = NULL;
	GElf_Shdr sh;
	int32_t fde;

	if (!need(NOFP) || read_file(NOFP, &elf, &len))
		return;
	CU_ASSERT_FATAL(file_open(&f, NOFP));
	if (section_hdr(&f, ".eh_frame_hdr", &sh))
		hdr_off = sh.sh_offset;
	file_close(&f);
	/* version 1, datarel sdata4 entries after the 12-byte header: the first FDE's pointer */
	CU_ASSERT_FATAL(hdr_off && (unsigned char)elf[hdr_off] == 1 &&
			(unsigned char)elf[hdr_off + 3] == 0x3b);
	memcpy(&fde, elf + hdr_off + 16, 4);
	fde += 4;
	memcpy(elf + hdr_off + 16, &fde, 4);
	path = temp_file(elf, len);
	CU_ASSERT_EQUAL(cfitab_build(path, &t, &why), -EINVAL);
	CU_ASSERT(why && strstr(why, "does not match"));
	temp_remove(path);
	free(elf);
}

/*
 * cfilong: one FDE of 100,000 rows.  libdw runs an FDE from its start for
 * each row asked about, so walking it all would take minutes: refused, with
 * the cause, after a bounded amount of work.
 */
static void test_cfitab_too_long(void)
{
	const char *path = need("build/fixtures/cfilong");
	double t0 = ms(CLOCK_PROCESS_CPUTIME_ID);
	struct cfitab t;
	const char *why = NULL;

	if (!path)
		return;
	CU_ASSERT_EQUAL(cfitab_build(path, &t, &why), -E2BIG);
	CU_ASSERT(why && strstr(why, "too long"));
	CU_ASSERT_PTR_NULL(t.rows);
	fprintf(stderr, "\n    refused after %.1f ms of CPU", ms(CLOCK_PROCESS_CPUTIME_ID) - t0);
}

/*
 * The fixture with its .eh_frame overwritten by every byte value in turn and
 * by a counting pattern: a table or an error, no crash, and what is built
 * keeps its shape.
 */
static void test_cfitab_garbled(void)
{
	struct file f;
	char *elf = NULL;
	size_t len = 0, eh_off = 0, eh_len = 0;
	GElf_Shdr sh;

	if (!need(NOFP) || read_file(NOFP, &elf, &len))
		return;
	CU_ASSERT_FATAL(file_open(&f, NOFP));
	if (section_hdr(&f, ".eh_frame", &sh)) {
		eh_off = sh.sh_offset;
		eh_len = sh.sh_size;
	}
	file_close(&f);
	CU_ASSERT_FATAL(eh_len > 0 && eh_off + eh_len <= len);
	for (int pass = 0; pass < 64; pass++) {
		char *copy = xmalloc(len), *path;
		struct cfitab t;
		const char *why = NULL;

		memcpy(copy, elf, len);
		/* keep the first CIE's header half the time, so that some FDEs still parse */
		for (size_t i = pass & 1 ? 24 : 0; i < eh_len; i++)
			copy[eh_off + i] = pass < 32 ? (char)(pass * 8 + 3) : (char)(i * pass);
		path = temp_file(copy, len);
		if (cfitab_build(path, &t, &why) == 0) {
			for (size_t k = 1; k < t.nr; k++)
				CU_ASSERT(t.rows[k - 1].off < t.rows[k].off);
			cfitab_free(&t);
		} else {
			CU_ASSERT(why && *why);
		}
		temp_remove(path);
		free(copy);
	}
	free(elf);
}

/*
 * Rows, bytes and milliseconds per file, the best of three (the build runs
 * once per file a run meets): wall clock and this process's CPU time, which
 * the other loads of a shared machine inflate less.
 */
static void test_cfitab_speed(void)
{
	const char *files[] = { LIBC, PYTHON, "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
				"/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0" };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct cfitab t;
		double wall = 1e9, cpu = 1e9;

		if (access(files[i], R_OK))
			continue;
		for (int k = 0; k < 3; k++) {
			double w0 = ms(CLOCK_MONOTONIC), c0 = ms(CLOCK_PROCESS_CPUTIME_ID);

			if (!build(files[i], &t))
				return;
			wall = fmin(wall, ms(CLOCK_MONOTONIC) - w0);
			cpu = fmin(cpu, ms(CLOCK_PROCESS_CPUTIME_ID) - c0);
			if (k < 2)
				cfitab_free(&t);
		}
		fprintf(stderr, "\n    %s: %zu rows (%zu FDEs, %zu without a rule), %zu bytes, "
			"%.1f ms (CPU %.1f ms)", files[i], t.nr, t.nr_fdes, t.nr_none,
			t.nr * sizeof(*t.rows), wall, cpu);
		cfitab_free(&t);
	}
}

static void test_cfitab_more_files(void)
{
	char *list = getenv("UPX_CFITAB_ORACLE") ? xstrdup(getenv("UPX_CFITAB_ORACLE")) : NULL;
	char *save = NULL;

	if (!list) {
		CU_PASS("UPX_CFITAB_ORACLE not set");
		return;
	}
	for (char *path = strtok_r(list, " ", &save); path; path = strtok_r(NULL, " ", &save))
		oracle(path, 3);
	free(list);
}

CU_TestInfo cfitab_tests[] = {
	UNIT_TEST(test_cfitab_dump),
	UNIT_TEST(test_cfitab_oracle_nofp),
	UNIT_TEST(test_cfitab_oracle_fp),
	UNIT_TEST(test_cfitab_oracle_debug_frame),
	UNIT_TEST(test_cfitab_oracle_libc),
	UNIT_TEST(test_cfitab_oracle_python),
	UNIT_TEST(test_cfitab_shape),
	UNIT_TEST(test_cfitab_plt_none),
	UNIT_TEST(test_cfitab_signal_frame),
	UNIT_TEST(test_cfitab_fixture_rows),
	UNIT_TEST(test_cfitab_hostile),
	UNIT_TEST(test_cfitab_overlap),
	UNIT_TEST(test_cfitab_hostile_insns),
	UNIT_TEST(test_cfitab_fuzz_finds),
	UNIT_TEST(test_cfitab_hdr_mismatch),
	UNIT_TEST(test_cfitab_empty_eh_frame),
	UNIT_TEST(test_cfitab_too_long),
	UNIT_TEST(test_cfitab_garbled),
	UNIT_TEST(test_cfitab_speed),
	UNIT_TEST(test_cfitab_more_files),
	CU_TEST_INFO_NULL,
};
