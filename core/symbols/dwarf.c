// SPDX-License-Identifier: GPL-2.0
/* Function parameters from DWARF with libdw: names, kinds and sizes, for trace's argument labels. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "symbols/dwarf.h"

/*
 * Opening a Dwarf is the expensive part (libc's debug file has compressed
 * sections that libdw inflates), and trace asks for many functions of one
 * file in a row, so a few handles stay open.  Files without DWARF are cached
 * too (dw == NULL): a stripped binary is asked about once per function.
 */
#define DW_CACHE_SIZE 8

struct dw_entry {
	char *path;		/* NULL: free slot */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;	/* a rebuilt file at the same path is reopened */
	int fd;
	Elf *elf;
	Dwarf *dw;		/* NULL: the file has no DWARF */
	unsigned long used;	/* LRU clock */
};

static struct dw_entry dw_cache[DW_CACHE_SIZE];
static unsigned long dw_clock;
static bool dw_atexit_done;

static void dw_entry__release(struct dw_entry *e)
{
	if (e->dw)
		dwarf_end(e->dw);
	if (e->elf)
		elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	free(e->path);
	memset(e, 0, sizeof(*e));
	e->fd = -1;
}

void dwarf_cache_free(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(dw_cache); i++)
		if (dw_cache[i].path)
			dw_entry__release(&dw_cache[i]);
}

static bool same_file(const struct dw_entry *e, const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
	       e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* libdw's error numbers are private: tell "no DWARF" from "bad DWARF" by the sections. */
static bool has_debug_info(Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		const char *name;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type == SHT_NOBITS)
			continue;
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (name && (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info")))
			return true;
	}
	return false;
}

/* The cached Dwarf of path: 0 with *dw NULL when the file has no DWARF, or -errno. */
static int dw_cache__get(const char *path, Dwarf **dw)
{
	struct dw_entry *e, *victim = &dw_cache[0];
	struct stat st;
	int fd, err;

	if (stat(path, &st) < 0)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(dw_cache); i++) {
		e = &dw_cache[i];
		if (e->path && !strcmp(e->path, path)) {
			if (same_file(e, &st)) {
				e->used = ++dw_clock;
				*dw = e->dw;
				return 0;
			}
			victim = e; /* rebuilt since: its slot is stale */
			break;
		}
		if (!e->path || (victim->path && e->used < victim->used))
			victim = e;
	}

	if (!dw_atexit_done) {
		atexit(dwarf_cache_free);
		dw_atexit_done = true;
	}
	if (victim->path)
		dw_entry__release(victim);
	victim->fd = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto cleanup_fd;
	}
	elf_version(EV_CURRENT);
	e = victim;
	e->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF) {
		err = -EINVAL;
		goto cleanup_elf;
	}
	e->dw = dwarf_begin_elf(e->elf, DWARF_C_READ, NULL);
	if (!e->dw && has_debug_info(e->elf)) {
		err = -EINVAL;
		goto cleanup_elf;
	}
	e->fd = fd;
	e->path = xstrdup(path);
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->size = st.st_size;
	e->mtime = st.st_mtim;
	e->used = ++dw_clock;
	*dw = e->dw;
	return 0;

cleanup_elf:
	if (e->elf)
		elf_end(e->elf);
	e->elf = NULL;
cleanup_fd:
	close(fd);
	return err;
}

/* The entry of a function is its entry_pc/low_pc or, split into hot and cold parts, a range start. */
static bool starts_at(Dwarf_Die *die, Dwarf_Addr pc)
{
	Dwarf_Addr entry, base, start, end;
	ptrdiff_t off = 0;

	if (dwarf_entrypc(die, &entry) == 0 && entry == pc)
		return true;
	while ((off = dwarf_ranges(die, off, &base, &start, &end)) > 0)
		if (start == pc)
			return true;
	return false;
}

struct func_search {
	Dwarf_Addr pc;
	Dwarf_Die fn;
	int found;	/* 0 none, 1 a subprogram around pc, 2 the one entered at pc */
};

static int func_cb(Dwarf_Die *die, void *arg)
{
	struct func_search *fs = arg;

	if (dwarf_haspc(die, fs->pc) <= 0)
		return DWARF_CB_OK;
	/* Later ones are nested in earlier ones: the last around pc is the innermost. */
	fs->fn = *die;
	fs->found = 1;
	if (starts_at(die, fs->pc)) {
		fs->found = 2;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

/*
 * 1 and *fn: the subprogram entered at pc, else the innermost one around it;
 * 0: none in cu.  Not dwarf_getscopes(): when an inlined call starts at pc it
 * goes on through the inlined function's abstract scopes, not the caller's.
 */
static int find_in_cu(Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die *fn)
{
	struct func_search fs = { .pc = pc };

	if (dwarf_getfuncs(cudie, func_cb, &fs, 0) < 0)
		return -EINVAL;
	if (fs.found)
		*fn = fs.fn;
	return fs.found ? 1 : 0;
}

/* The aranges lead to the CU; without them (clang's default) each CU is asked. */
static int find_subprogram(Dwarf *dw, Dwarf_Addr pc, Dwarf_Die *fn)
{
	Dwarf_Off tried = (Dwarf_Off)-1;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	int ret;

	if (dwarf_addrdie(dw, pc, &cudie)) {
		ret = find_in_cu(&cudie, pc, fn);
		if (ret)
			return ret;
		tried = dwarf_dieoffset(&cudie);
	}
	while (dwarf_get_units(dw, cu, &cu, NULL, NULL, &cudie, NULL) == 0) {
		if (dwarf_dieoffset(&cudie) == tried || dwarf_haspc(&cudie, pc) <= 0)
			continue;
		ret = find_in_cu(&cudie, pc, fn);
		if (ret)
			return ret;
	}
	return 0;
}

/* The DIE an attribute (through abstract origins) refers to. */
static bool attr_die(Dwarf_Die *die, unsigned int name, Dwarf_Die *result)
{
	Dwarf_Attribute attr;

	return dwarf_attr_integrate(die, name, &attr) && dwarf_formref_die(&attr, result);
}

static int byte_size(Dwarf_Die *type)
{
	Dwarf_Word size;

	if (dwarf_aggregate_size(type, &size) == 0 && size <= 1 << 20)
		return (int)size;
	return 0;
}

/* Signedness of a base type (or the underlying type of an enum). */
static enum dwarf_param_kind int_kind(Dwarf_Die *type)
{
	Dwarf_Attribute attr;
	Dwarf_Word enc;
	Dwarf_Die ref, under;

	if (dwarf_tag(type) == DW_TAG_enumeration_type && attr_die(type, DW_AT_type, &ref) &&
	    dwarf_peel_type(&ref, &under) == 0)
		type = &under;
	if (!dwarf_attr(type, DW_AT_encoding, &attr) || dwarf_formudata(&attr, &enc) != 0)
		return dwarf_tag(type) == DW_TAG_enumeration_type ? DWARF_PARAM_INT : DWARF_PARAM_OTHER;
	switch (enc) {
	case DW_ATE_signed:
	case DW_ATE_signed_char:
		return DWARF_PARAM_INT;
	case DW_ATE_unsigned:
	case DW_ATE_unsigned_char:
	case DW_ATE_boolean:
	case DW_ATE_UTF:
		return DWARF_PARAM_UINT;
	default: /* float, complex, decimal, fixed point */
		return DWARF_PARAM_OTHER;
	}
}

/* char * and const char *: plain char only, an unsigned char * is a buffer, not text. */
static bool points_to_char(Dwarf_Die *ptr)
{
	Dwarf_Die ref, to;
	const char *name;

	if (!attr_die(ptr, DW_AT_type, &ref) || dwarf_peel_type(&ref, &to) != 0)
		return false;
	if (dwarf_tag(&to) != DW_TAG_base_type || dwarf_bytesize(&to) != 1)
		return false;
	name = dwarf_diename(&to);
	return name && !strcmp(name, "char");
}

static void classify(Dwarf_Die *param, struct dwarf_param *p)
{
	Dwarf_Die ref, type, cudie;
	uint8_t addr_size = 0;
	int size;

	p->kind = DWARF_PARAM_OTHER;
	p->size = 0;
	if (!attr_die(param, DW_AT_type, &ref) || dwarf_peel_type(&ref, &type) != 0)
		return;
	switch (dwarf_tag(&type)) {
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		p->kind = dwarf_tag(&type) == DW_TAG_pointer_type && points_to_char(&type) ?
				  DWARF_PARAM_STRING : DWARF_PARAM_POINTER;
		size = dwarf_bytesize(&type);
		if (size <= 0 && dwarf_diecu(&type, &cudie, &addr_size, NULL))
			size = addr_size;
		p->size = size > 0 ? size : 0;
		return;
	case DW_TAG_base_type:
	case DW_TAG_enumeration_type:
		p->kind = int_kind(&type);
		break;
	default:
		break;
	}
	p->size = byte_size(&type);
}

/* The next formal_parameter at or after *die (first: its first child); false at the end. */
static bool next_param(Dwarf_Die *die, bool first)
{
	int ret = first ? dwarf_child(die, die) : dwarf_siblingof(die, die);

	for (; ret == 0; ret = dwarf_siblingof(die, die))
		if (dwarf_tag(die) == DW_TAG_formal_parameter)
			return true;
	return false;
}

static bool has_params(Dwarf_Die *fn)
{
	Dwarf_Die die = *fn;

	return next_param(&die, true);
}

/*
 * An out-of-line copy lists its parameters in the order of the abstract DIE
 * it refers to, unless the compiler changed the signature: GCC's clones
 * (f.isra.0, f.constprop.0, f.part.0) drop or replace parameters and list the
 * survivors first, so position no longer says which register holds which.
 */
static bool same_order_as_origin(Dwarf_Die *fn)
{
	Dwarf_Die origin, abs, conc = *fn, ref;
	Dwarf_Attribute attr;
	bool more_abs, more_conc;

	if (!dwarf_attr(fn, DW_AT_abstract_origin, &attr) || !dwarf_formref_die(&attr, &origin))
		return true;
	abs = origin;
	more_abs = next_param(&abs, true);
	more_conc = next_param(&conc, true);
	for (; more_conc; more_abs = next_param(&abs, false), more_conc = next_param(&conc, false)) {
		if (!more_abs)
			return false;
		if (dwarf_attr(&conc, DW_AT_abstract_origin, &attr) &&
		    (!dwarf_formref_die(&attr, &ref) || dwarf_dieoffset(&ref) != dwarf_dieoffset(&abs)))
			return false;
	}
	return true;
}

static int collect_params(Dwarf_Die *fn, struct dwarf_param *out, int max)
{
	Dwarf_Die die = *fn, param;
	int n = 0;

	/*
	 * An out-of-line copy of an inline function, or the definition of a C++
	 * method, may leave its parameters to the DIE it refers to.
	 */
	for (int depth = 0; depth < 8 && !has_params(&die); depth++) {
		Dwarf_Attribute attr;

		if (!(dwarf_attr(&die, DW_AT_abstract_origin, &attr) ||
		      dwarf_attr(&die, DW_AT_specification, &attr)) ||
		    !dwarf_formref_die(&attr, &die))
			return 0;
	}
	if (!same_order_as_origin(&die))
		return -ENOENT;
	param = die;
	for (bool more = next_param(&param, true); more && n < max;
	     more = next_param(&param, false)) {
		Dwarf_Attribute attr;
		const char *name;

		name = dwarf_attr_integrate(&param, DW_AT_name, &attr) ? dwarf_formstring(&attr) : NULL;
		snprintf(out[n].name, sizeof(out[n].name), "%s", name ? name : "");
		classify(&param, &out[n]);
		n++;
	}
	return n;
}

/*
 * fn(path, arg) on the separate debug file first and, when that has no DWARF
 * for what is asked (-ENOENT: none at all, or it lost this unit), on the
 * file itself.
 */
static int debug_then_file(const char *path, const char *debug_path,
			   int (*fn)(const char *path, void *arg), void *arg)
{
	int ret = -ENOENT;

	if (debug_path)
		ret = fn(debug_path, arg);
	if (ret == -ENOENT && path)
		ret = fn(path, arg);
	return ret;
}

/* The subprogram entered at vaddr (else the innermost around it) in path's DWARF; 0 or -errno. */
static int subprogram_at(const char *path, uint64_t vaddr, Dwarf_Die *fn)
{
	Dwarf *dw = NULL;
	int ret = dw_cache__get(path, &dw);

	if (ret < 0)
		return ret;
	if (!dw)
		return -ENOENT;
	ret = find_subprogram(dw, vaddr, fn);
	return ret < 0 ? ret : ret ? 0 : -ENOENT;
}

struct params_query {
	uint64_t vaddr;
	struct dwarf_param *out;
	int max;
};

static int params_in(const char *path, void *arg)
{
	struct params_query *q = arg;
	Dwarf_Die fn, cudie;
	int ret = subprogram_at(path, q->vaddr, &fn);

	if (ret)
		return ret;
	/* GNU as describes a .S function without its parameters (glibc's syscalls, string ops). */
	if (dwarf_diecu(&fn, &cudie, NULL, NULL) && dwarf_srclang(&cudie) == DW_LANG_Mips_Assembler)
		return -ENOENT;
	return collect_params(&fn, q->out, q->max);
}

int dwarf_func_params(const char *path, const char *debug_path, uint64_t vaddr,
		      struct dwarf_param *out, int max)
{
	struct params_query q = { vaddr, out, max };

	if (max < 0 || (max > 0 && !out))
		return -EINVAL;
	return debug_then_file(path, debug_path, params_in, &q);
}

struct noreturn_list {
	uint64_t *addrs;
	size_t nr, alloc;
};

static void noreturn_add(struct noreturn_list *l, Dwarf_Addr pc)
{
	ALLOC_GROW(l->addrs, l->nr + 1, l->alloc);
	l->addrs[l->nr++] = pc;
}

static int noreturn_cb(Dwarf_Die *die, void *arg)
{
	Dwarf_Addr entry, base, start, end;
	ptrdiff_t off = 0;

	/* A declaration has no code; a definition may have the flag only on what it refers to. */
	if (dwarf_entrypc(die, &entry) != 0 || !dwarf_hasattr_integrate(die, DW_AT_noreturn))
		return DWARF_CB_OK;
	noreturn_add(arg, entry);
	while ((off = dwarf_ranges(die, off, &base, &start, &end)) > 0)
		if (start != entry)
			noreturn_add(arg, start);
	return DWARF_CB_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int noreturn_in(const char *path, void *arg)
{
	uint64_t **out = arg;
	struct noreturn_list l = {};
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	Dwarf *dw = NULL;
	size_t n = 0;
	int ret;

	ret = dw_cache__get(path, &dw);
	if (ret < 0)
		return ret;
	if (!dw)
		return -ENOENT;
	while ((ret = dwarf_get_units(dw, cu, &cu, NULL, NULL, &cudie, NULL)) == 0) {
		if (dwarf_getfuncs(&cudie, noreturn_cb, &l, 0) < 0) {
			free(l.addrs);
			return -EINVAL;
		}
	}
	if (ret < 0) {
		free(l.addrs);
		return -EINVAL;
	}
	if (l.nr) {
		qsort(l.addrs, l.nr, sizeof(*l.addrs), cmp_u64);
		for (size_t i = 0; i < l.nr; i++)
			if (!n || l.addrs[n - 1] != l.addrs[i])
				l.addrs[n++] = l.addrs[i];
	}
	*out = l.addrs;
	return n;
}

int dwarf_noreturn_funcs(const char *path, const char *debug_path, uint64_t **out)
{
	*out = NULL;
	return debug_then_file(path, debug_path, noreturn_in, out);
}

static int inlined_cb(Dwarf_Die *die, void *arg)
{
	/* The out-of-line copies refer to the abstract DIE too: only the inlined calls count. */
	if (dwarf_tag(die) == DW_TAG_inlined_subroutine)
		(*(int *)arg)++;
	return DWARF_CB_OK;
}

static int inlined_in(const char *path, void *arg)
{
	Dwarf_Die fn, origin;
	Dwarf_Attribute attr;
	int ret = subprogram_at(path, *(uint64_t *)arg, &fn), n = 0;

	if (ret)
		return ret;
	/* A function inlined somewhere is described once, abstractly; its copies refer to that. */
	if (!dwarf_attr(&fn, DW_AT_abstract_origin, &attr) || !dwarf_formref_die(&attr, &origin))
		return 0;
	if (dwarf_func_inline_instances(&origin, inlined_cb, &n) < 0)
		return -EINVAL;
	return n;
}

int dwarf_inlined_calls(const char *path, const char *debug_path, uint64_t vaddr)
{
	return debug_then_file(path, debug_path, inlined_in, &vaddr);
}

/* The rows of CFI change between instructions (after a push, ...): a row starts on a boundary. */
int dwarf_cfi_row_start(void *elf, uint64_t vaddr, uint64_t *start)
{
	Dwarf_CFI *cfi = dwarf_getcfi_elf(elf);
	Dwarf_Frame *frame = NULL;
	Dwarf_Addr lo, hi;
	int ret = -ENOENT;

	if (!cfi)
		return ret;
	if (!dwarf_cfi_addrframe(cfi, vaddr, &frame)) {
		if (dwarf_frame_info(frame, &lo, &hi, NULL) >= 0 && lo <= vaddr && vaddr < hi) {
			*start = lo;
			ret = 0;
		}
		free(frame);
	}
	dwarf_cfi_end(cfi);
	return ret;
}
