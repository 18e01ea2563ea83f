// SPDX-License-Identifier: GPL-2.0
/*
 * A file's call frame information turned into the rows the probe unwinds by
 * (cfitab.h, probes/stack.h's struct stack_cfi_row).
 *
 * libdw does the DWARF: its CFA interpreter gives the rule at an address
 * (dwarf_cfi_addrframe) and the range of the row that holds it
 * (dwarf_frame_info), so each FDE is walked row by row, asking libdw at the
 * start of each.  What is read here by hand is only where the FDEs start:
 * dwarf_next_cfi() hands out each FDE with its initial location still in the
 * pointer encoding of its CIE ('R' in the augmentation), which is decoded
 * below (absolute or pc-relative, 2, 4 or 8 bytes: what GCC, clang and the
 * linkers write).
 *
 * The rows follow libdw's answer at every address, the one the copy-and-unwind
 * fallback (core/stack/unwind.c) gets too: an FDE's rows stop where the next
 * FDE starts, the rule at each row's start is asked of libdw, and a gap
 * between two FDEs is a STACK_CFI_NONE row.  Where FDEs overlap (hand-written
 * CFI; ld refuses to build an .eh_frame_hdr over them, so only in files
 * without one), libdw keeps the FDE it read first, and so does the table
 * (tests/fixtures/cfioverlap.S).
 *
 * Rows are keyed by file offset, through the PT_LOAD that holds the address:
 * the kernel knows a pc's offset in its mapping's file, so one table serves
 * ET_EXEC, PIE and shared objects wherever they are loaded.
 */
#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "stack/cfitab.h"
#include "symbols/elf.h"

#define DW_REG_RBP 6
#define DW_REG_RSP 7
#define DW_REG_RA 16		/* x86-64's return address column (%rip) */

/* Where an FDE starts (decoded here) and its bytes in the section (what each row re-reads). */
struct fde_span {
	uint64_t lo;
	uint64_t size;
};

struct addr_range {
	uint64_t lo, hi;
};

/* A row while the table is built: by address first, its offset once converted. */
struct build_row {
	uint64_t addr;
	struct stack_cfi_row row;
	bool gap;		/* a NONE row because no FDE covers the address */
	uint32_t seq;		/* order of discovery: sort ties keep it */
};

struct builder {
	struct fde_span *spans;
	size_t nr_spans, alloc_spans;
	struct build_row *rows;
	size_t nr_rows, alloc_rows;
	uint64_t work, budget;	/* FDE bytes libdw has run through so far (a bound), at most */
	struct addr_range *bad;	/* FDEs libdw is not asked about (cfi_insns_safe()) */
	size_t nr_bad, alloc_bad;
	Dwarf_Off *fdes;	/* every FDE's offset in the section, ascending */
	size_t nr_fdes, alloc_fdes;
	const char *why;	/* read_fdes()' cause */
};

/*
 * libdw runs an FDE's instructions from its start for every row it is asked
 * about, so a row costs up to its FDE's length: quadratic in an FDE's
 * length.  Real files cost 9 to 34 times their section's size (python3.11:
 * 3.7 MB for 410 KB, libclang-14: 75 MB for 2.2 MB: a quarter of a second);
 * a hostile one (an FDE of a million rows would take hours) is refused once
 * it costs 256 times its size, or 64 MB for a small one.
 */
#define CFITAB_WORK_PER_BYTE 256
#define CFITAB_WORK_MIN (64ull << 20)

static const struct stack_cfi_row row_none = {
	.cfa = STACK_CFI_NONE, .rbp = STACK_CFI_RBP_UNKNOWN,
};

/* Bytes of a pointer in DW_EH_PE encoding enc; 0: a size not read here (LEB128). */
static size_t encoded_size(uint8_t enc)
{
	switch (enc & 0x0f) {
	case DW_EH_PE_absptr:
	case DW_EH_PE_udata8:
	case DW_EH_PE_sdata8:
		return 8;
	case DW_EH_PE_udata4:
	case DW_EH_PE_sdata4:
		return 4;
	case DW_EH_PE_udata2:
	case DW_EH_PE_sdata2:
		return 2;
	}
	return 0;
}

/*
 * A pointer in DW_EH_PE encoding enc at *pp (whose address is here, for
 * pc-relative ones; data-relative ones are from datarel), moved past.
 * false: an encoding not read here (indirect, text- or function-relative,
 * LEB128) or the data ends.
 */
static bool read_encoded(const uint8_t **pp, const uint8_t *end, uint8_t enc, uint64_t here,
			 uint64_t datarel, uint64_t *val)
{
	size_t size = encoded_size(enc);
	uint64_t v = 0;

	if (!size || (size_t)(end - *pp) < size || (enc & DW_EH_PE_indirect))
		return false;
	memcpy(&v, *pp, size);	/* x86-64: the file's byte order is the host's */
	if ((enc & DW_EH_PE_signed) && size < 8 && (v >> (size * 8 - 1)))
		v |= ~0ull << (size * 8);
	switch (enc & 0x70) {
	case DW_EH_PE_absptr:
		break;
	case DW_EH_PE_pcrel:
		v += here;
		break;
	case DW_EH_PE_datarel:
		v += datarel;
		break;
	default:
		return false;
	}
	*pp += size;
	*val = v;
	return true;
}

/*
 * The encoding of the initial locations of a CIE's FDEs: 'R' of a "z..."
 * augmentation in .eh_frame, absolute elsewhere.  -1: an augmentation this
 * does not understand (its FDEs are left out, so their addresses are gaps).
 */
static int cie_fde_encoding(const Dwarf_CIE *cie, bool eh_frame)
{
	const uint8_t *d = cie->augmentation_data, *end = d + cie->augmentation_data_size;
	const char *a = cie->augmentation;

	if (!eh_frame || !a[0])
		return DW_EH_PE_absptr;
	if (a[0] != 'z')
		return -1;
	for (a++; *a; a++) {
		switch (*a) {
		case 'R':
			return d < end ? *d : -1;
		case 'L':
			d++;
			break;
		case 'P':	/* the personality routine, skipped: its encoding, then it */
			if (d >= end || !encoded_size(*d))
				return -1;
			d += 1 + encoded_size(*d);
			break;
		case 'S':	/* a signal frame: the rows say so through libdw */
		case 'B':
		case 'G':
			break;
		default:
			return -1;
		}
	}
	return DW_EH_PE_absptr;
}

/* A LEB128 number at *p (moved past); one too wide for 64 bits reads as UINT64_MAX. */
static bool read_leb(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;
	unsigned int shift = 0;

	while (*p < end) {
		uint8_t byte = *(*p)++;

		if (shift < 64)
			r |= (uint64_t)(byte & 0x7f) << shift;
		else if (byte & 0x7f)
			r = UINT64_MAX;
		shift += 7;
		if (!(byte & 0x80)) {
			*v = r;
			return true;
		}
	}
	return false;
}

/*
 * Whether libdw may be asked to run these CFA instructions.  libdw grows a
 * frame to the highest register number an instruction names and copies the
 * frame for each DW_CFA_remember_state, so one instruction that names
 * register 203,423,742 costs it gigabytes (fuzz-cfitab found it).  Only the
 * operands' sizes are read here, nothing is executed; an opcode libdw does
 * not know ends its run, and this scan, there.  enc: the CIE's address
 * encoding, for DW_CFA_set_loc.
 */
#define CFI_REG_MAX 256		/* x86-64's DWARF registers end below 130 */
#define CFI_DEPTH_MAX 64	/* remembered states; compilers nest one or two */

static bool cfi_insns_safe(const uint8_t *p, const uint8_t *end, int enc)
{
	int depth = 0;

	while (p < end) {
		uint8_t op = *p++;
		uint64_t reg = 0, v = 0;
		bool ok = true;

		if ((op & 0xc0) == DW_CFA_offset) {
			ok = read_leb(&p, end, &v);
		} else if (op & 0xc0) {
			continue;	/* DW_CFA_advance_loc, DW_CFA_restore: operand in op */
		} else {
			switch (op) {
			case DW_CFA_nop:
			case DW_CFA_GNU_window_save:
				break;
			case DW_CFA_set_loc:
				if (enc < 0 || !encoded_size(enc))
					return false;
				p += encoded_size(enc);
				break;
			case DW_CFA_advance_loc1:
				p += 1;
				break;
			case DW_CFA_advance_loc2:
				p += 2;
				break;
			case DW_CFA_advance_loc4:
				p += 4;
				break;
			case DW_CFA_MIPS_advance_loc8:
				p += 8;
				break;
			case DW_CFA_remember_state:
				if (++depth > CFI_DEPTH_MAX)
					return false;
				break;
			case DW_CFA_restore_state:
				depth--;
				break;
			case DW_CFA_def_cfa_offset:
			case DW_CFA_def_cfa_offset_sf:
			case DW_CFA_GNU_args_size:
				ok = read_leb(&p, end, &v);
				break;
			case DW_CFA_restore_extended:
			case DW_CFA_undefined:
			case DW_CFA_same_value:
			case DW_CFA_def_cfa_register:
				ok = read_leb(&p, end, &reg);
				break;
			case DW_CFA_offset_extended:
			case DW_CFA_register:
			case DW_CFA_def_cfa:
			case DW_CFA_offset_extended_sf:
			case DW_CFA_def_cfa_sf:
			case DW_CFA_val_offset:
			case DW_CFA_val_offset_sf:
			case DW_CFA_GNU_negative_offset_extended:
				ok = read_leb(&p, end, &reg) && read_leb(&p, end, &v);
				if (op == DW_CFA_register && v > reg)
					reg = v;	/* the second is a register too */
				break;
			case DW_CFA_def_cfa_expression:
				ok = read_leb(&p, end, &v) && v <= (uint64_t)(end - p);
				p += ok ? v : 0;
				break;
			case DW_CFA_expression:
			case DW_CFA_val_expression:
				ok = read_leb(&p, end, &reg) && read_leb(&p, end, &v) &&
				     v <= (uint64_t)(end - p);
				p += ok ? v : 0;
				break;
			default:
				return true;
			}
		}
		if (!ok || p > end)
			return true;	/* cut short: libdw stops there too */
		if (reg >= CFI_REG_MAX)
			return false;
	}
	return true;
}

/*
 * What the builder needs of each CIE an FDE points to, read once each and
 * kept by offset (the first time an FDE points to it: in section order,
 * mostly, so an insertion is mostly an append).
 */
struct cie_info {
	Dwarf_Off off;
	int enc;		/* its FDEs' address encoding, -1: not understood */
	bool z;			/* "z...": its FDEs have augmentation data, with its length */
	bool safe;		/* its initial instructions pass cfi_insns_safe() */
};

struct cie_cache {
	struct cie_info *v;
	size_t nr, alloc;
};

static struct cie_info cie_info_of(Dwarf_Off off, const Dwarf_CIE *cie, bool eh_frame)
{
	struct cie_info ci = { .off = off, .enc = cie_fde_encoding(cie, eh_frame) };

	ci.z = eh_frame && cie->augmentation[0] == 'z';
	ci.safe = cfi_insns_safe(cie->initial_instructions, cie->initial_instructions_end, ci.enc);
	return ci;
}

static struct cie_info cie_lookup(struct cie_cache *c, const unsigned char *ident,
				  Elf_Data *data, bool eh_frame, Dwarf_Off off)
{
	size_t lo = 0, hi = c->nr;
	struct cie_info ci = { .off = off, .enc = -1 };
	Dwarf_CFI_Entry e;
	Dwarf_Off next;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->v[mid].off == off)
			return c->v[mid];
		if (c->v[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (dwarf_next_cfi(ident, data, eh_frame, off, &next, &e) == 0 && dwarf_cfi_cie_p(&e))
		ci = cie_info_of(off, &e.cie, eh_frame);
	ALLOC_GROW(c->v, c->nr + 1, c->alloc);
	memmove(c->v + lo + 1, c->v + lo, (c->nr - lo) * sizeof(*c->v));
	c->v[lo] = ci;
	c->nr++;
	return ci;
}

/*
 * Every FDE of the section: its start into b->spans, its offset into
 * b->fdes, and its range into b->bad when libdw must not run its
 * instructions.  An FDE this cannot read (an encoding or augmentation no
 * compiler writes) is one libdw might still run unchecked, so the file is
 * refused.  The number of FDEs, or -errno with b->why.
 */
static int read_fdes(Elf *elf, Elf_Scn *scn, bool eh_frame, struct builder *b)
{
	const unsigned char *ident = (const unsigned char *)elf_getident(elf, NULL);
	struct cie_cache cies = { 0 };
	Dwarf_Off off = 0, next;
	Dwarf_CFI_Entry e;
	GElf_Shdr sh;
	Elf_Data *data;
	int nr = 0;

	b->why = "unreadable call frame information";
	if (!ident || !gelf_getshdr(scn, &sh))
		return -EINVAL;
	/* a compressed .debug_frame: dwarf_begin_elf() has inflated it in place already */
	if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
		return -EINVAL;
	data = elf_getdata(scn, NULL);
	if (!data || !data->d_buf)
		return -EINVAL;
	b->budget = CFITAB_WORK_MIN + (uint64_t)data->d_size * CFITAB_WORK_PER_BYTE;
	while (off != (Dwarf_Off)-1 && dwarf_next_cfi(ident, data, eh_frame, off, &next, &e) == 0) {
		const uint8_t *p, *end;
		uint64_t here, lo, len, aug = 0;
		struct cie_info ci;

		if (dwarf_cfi_cie_p(&e)) {
			off = next;	/* read when an FDE points to it */
			continue;
		}
		ALLOC_GROW(b->fdes, b->nr_fdes + 1, b->alloc_fdes);
		b->fdes[b->nr_fdes++] = off;
		off = next;
		p = e.fde.start;
		end = e.fde.end;
		ci = cie_lookup(&cies, ident, data, eh_frame, e.fde.CIE_pointer);
		here = sh.sh_addr + (p - (const uint8_t *)data->d_buf);
		/* libdw takes data-relative FDE addresses from 0, and so does this */
		if (ci.enc < 0 || !read_encoded(&p, end, ci.enc, here, 0, &lo) ||
		    !read_encoded(&p, end, ci.enc & 0x0f, 0, 0, &len) ||
		    (ci.z && (!read_leb(&p, end, &aug) || aug > (uint64_t)(end - p)))) {
			nr = -EINVAL;
			b->why = "call frame information in an encoding no compiler writes";
			break;
		}
		nr++;
		if (!len || lo + len < lo)
			continue;	/* covers no address: libdw never runs it */
		ALLOC_GROW(b->spans, b->nr_spans + 1, b->alloc_spans);
		b->spans[b->nr_spans++] = (struct fde_span){ lo, end - e.fde.start };
		if (!ci.safe || !cfi_insns_safe(p + aug, end, ci.enc)) {
			ALLOC_GROW(b->bad, b->nr_bad + 1, b->alloc_bad);
			b->bad[b->nr_bad++] = (struct addr_range){ lo, lo + len };
		}
	}
	free(cies.v);
	if (!nr)
		b->why = eh_frame ? "no FDE in .eh_frame" : "no FDE in .debug_frame";
	return nr ? nr : -ENODATA;
}

static bool known_fde(const struct builder *b, Dwarf_Off off)
{
	size_t lo = 0, hi = b->nr_fdes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->fdes[mid] == off)
			return true;
		if (b->fdes[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Where a file has .eh_frame_hdr, libdw finds FDEs through its table, by
 * their address: each entry must be an FDE read_fdes() saw, or libdw could
 * run bytes no scan has checked.  One table's check; false: an entry is not
 * such an FDE (or the table cannot be read here).  eh_addr: .eh_frame's address.
 */
static bool hdr_table_matches(Elf_Scn *scn, uint64_t eh_addr, const struct builder *b)
{
	const uint8_t *start, *p, *end;
	uint8_t ptr_enc, count_enc, table_enc;
	uint64_t ptr, count;
	size_t size;
	GElf_Shdr sh;
	Elf_Data *d;

	/* the bytes libdw reads (elf_rawdata), whatever the section's type */
	if (!gelf_getshdr(scn, &sh) || !(d = elf_rawdata(scn, NULL)) || !d->d_buf)
		return true;	/* libdw has no table from it */
	start = p = d->d_buf;
	end = p + d->d_size;
	if (d->d_size < 4 || p[0] != 1 || p[1] == DW_EH_PE_omit)
		return true;	/* libdw has no CFI at all then: dwarf_getcfi_elf() said so */
	ptr_enc = p[1];
	count_enc = p[2];
	table_enc = p[3];
	p += 4;
	if (!read_encoded(&p, end, ptr_enc, sh.sh_addr + (p - start), sh.sh_addr, &ptr))
		return false;
	/* libdw's own checks: a table for another .eh_frame, or none, is not used */
	if (ptr != eh_addr || count_enc == DW_EH_PE_omit || table_enc == DW_EH_PE_omit ||
	    (table_enc & ~DW_EH_PE_signed) == DW_EH_PE_uleb128)
		return true;
	size = encoded_size(table_enc);
	if (!read_encoded(&p, end, count_enc, sh.sh_addr + (p - start), sh.sh_addr, &count) ||
	    !size || count > (uint64_t)(end - p) / (2 * size))
		return false;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t loc, fde;

		if (!read_encoded(&p, end, table_enc, sh.sh_addr + (p - start), sh.sh_addr, &loc) ||
		    !read_encoded(&p, end, table_enc, sh.sh_addr + (p - start), sh.sh_addr, &fde) ||
		    fde < eh_addr || !known_fde(b, fde - eh_addr))
			return false;
	}
	return true;
}

/*
 * Every section named .eh_frame_hdr, of any type: libdw finds its table by
 * that name alone (the last one before .eh_frame).
 */
static bool hdr_matches(Elf *elf, uint64_t eh_addr, const struct builder *b)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (gelf_getshdr(scn, &sh) && (n = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    !strcmp(n, ".eh_frame_hdr") && !hdr_table_matches(scn, eh_addr, b))
			return false;
	}
	return true;
}

static int cmp_span(const void *a, const void *b)
{
	const struct fde_span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * The spans sorted by start, one for each start (libdw takes one FDE of
 * those that start there; the largest is charged); how many are left.
 */
static size_t unique_starts(struct builder *b)
{
	size_t n = 0;

	if (!b->nr_spans)
		return 0;	/* FDEs of no length only (and qsort() takes no NULL) */
	qsort(b->spans, b->nr_spans, sizeof(*b->spans), cmp_span);
	for (size_t i = 0; i < b->nr_spans; i++) {
		if (n && b->spans[n - 1].lo == b->spans[i].lo) {
			if (b->spans[i].size > b->spans[n - 1].size)
				b->spans[n - 1].size = b->spans[i].size;
			continue;
		}
		b->spans[n++] = b->spans[i];
	}
	return n;
}

static int cmp_range(const void *a, const void *b)
{
	const struct addr_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The ranges of b->bad sorted and joined where they touch: one binary search finds an address. */
static void join_bad(struct builder *b)
{
	size_t n = 0;

	if (!b->nr_bad)
		return;	/* the usual case (and qsort() takes no NULL) */
	qsort(b->bad, b->nr_bad, sizeof(*b->bad), cmp_range);
	for (size_t i = 0; i < b->nr_bad; i++) {
		if (n && b->bad[i].lo <= b->bad[n - 1].hi) {
			if (b->bad[i].hi > b->bad[n - 1].hi)
				b->bad[n - 1].hi = b->bad[i].hi;
			continue;
		}
		b->bad[n++] = b->bad[i];
	}
	b->nr_bad = n;
}

/* The end of the bad range that holds addr, 0 if none does. */
static uint64_t bad_end(const struct builder *b, uint64_t addr)
{
	size_t lo = 0, hi = b->nr_bad;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->bad[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && addr < b->bad[lo - 1].hi ? b->bad[lo - 1].hi : 0;
}

/* The register and offset of a CFA that is register + offset; false otherwise. */
static bool cfa_reg_off(Dwarf_Frame *fr, unsigned int *reg, int64_t *off)
{
	Dwarf_Op *ops;
	size_t nops;

	if (dwarf_frame_cfa(fr, &ops, &nops) || nops != 1)
		return false;
	if (ops[0].atom == DW_OP_bregx) {
		*reg = ops[0].number;
		*off = (int64_t)ops[0].number2;
		return true;
	}
	if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
		*reg = ops[0].atom - DW_OP_breg0;
		*off = (int64_t)ops[0].number;
		return true;
	}
	return false;
}

/*
 * Where the rule of regno says the caller's value is saved: at CFA + *off
 * (true), or not at the CFA (false).  *same: the rule is "same value".
 */
static bool saved_at_cfa(Dwarf_Frame *fr, int regno, int64_t *off, bool *same, bool *undefined)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;

	*same = *undefined = false;
	if (dwarf_frame_register(fr, regno, mem, &ops, &nops))
		return false;
	if (!nops) {
		/* libdw.h: ops == mem is "undefined", NULL is "same value" */
		*same = !ops;
		*undefined = !!ops;
		return false;
	}
	if (ops[0].atom != DW_OP_call_frame_cfa)
		return false;
	if (nops == 1) {
		*off = 0;
		return true;
	}
	if (nops == 2 && ops[1].atom == DW_OP_plus_uconst) {
		*off = (int64_t)ops[1].number;
		return true;
	}
	return false;	/* val_offset (a value, not a place) or more */
}

/* libdw's rule at one row, as the kernel follows it (probes/stack.h). */
static struct stack_cfi_row row_of(Dwarf_Frame *fr)
{
	struct stack_cfi_row r = row_none;
	int64_t ra_off, cfa_off, rbp_off;
	unsigned int reg;
	bool signal = false, same, undefined;
	int ra;

	ra = dwarf_frame_info(fr, NULL, NULL, &signal);
	if (ra != DW_REG_RA || signal)
		return r;
	if (!saved_at_cfa(fr, DW_REG_RA, &ra_off, &same, &undefined)) {
		if (undefined)
			r.cfa = STACK_CFI_END;
		return r;
	}
	if (ra_off != -8 || !cfa_reg_off(fr, &reg, &cfa_off))
		return r;
	if ((reg != DW_REG_RSP && reg != DW_REG_RBP) || cfa_off % 8 || cfa_off / 8 < INT16_MIN ||
	    cfa_off / 8 > INT16_MAX)
		return r;
	r.cfa = reg == DW_REG_RSP ? STACK_CFI_RSP : STACK_CFI_RBP;
	r.cfa_off = cfa_off / 8;
	if (saved_at_cfa(fr, DW_REG_RBP, &rbp_off, &same, &undefined)) {
		/* 0 is SAME and -128 UNKNOWN in the row: neither can be a slot */
		if (rbp_off && rbp_off % 8 == 0 && rbp_off / 8 > STACK_CFI_RBP_UNKNOWN &&
		    rbp_off / 8 <= INT8_MAX)
			r.rbp = rbp_off / 8;
	} else if (same) {
		r.rbp = STACK_CFI_RBP_SAME;
	}
	return r;
}

static void add_row(struct builder *b, uint64_t addr, struct stack_cfi_row row, bool gap)
{
	ALLOC_GROW(b->rows, b->nr_rows + 1, b->alloc_rows);
	b->rows[b->nr_rows] = (struct build_row){
		.addr = addr, .row = row, .gap = gap, .seq = b->nr_rows,
	};
	b->nr_rows++;
}

/*
 * The rows from lo up to limit (the next FDE's start), one libdw lookup a
 * row, each charged size (its FDE's bytes) to b->work; a NONE row where
 * libdw has no frame (the end of the FDE, unless the next one starts there)
 * and over the FDEs it is not asked about.
 * false: the work is over budget.
 */
static bool walk_fde(Dwarf_CFI *cfi, uint64_t lo, uint64_t limit, uint64_t size, struct builder *b)
{
	uint64_t addr = lo;

	while (addr < limit) {
		Dwarf_Frame *fr = NULL;
		Dwarf_Addr end = bad_end(b, addr);

		if (end) {
			add_row(b, addr, row_none, false);
			addr = end;
			continue;
		}
		b->work += size;
		if (b->work > b->budget)
			return false;
		if (dwarf_cfi_addrframe(cfi, addr, &fr)) {
			add_row(b, addr, row_none, true);
			break;
		}
		dwarf_frame_info(fr, NULL, &end, NULL);
		add_row(b, addr, row_of(fr), false);
		free(fr);
		/* libdw's row holds addr; anything else moves on by a byte, never back */
		addr = end > addr ? end : addr + 1;
	}
	return true;
}

static int cmp_row(const void *a, const void *b)
{
	const struct build_row *x = a, *y = b;

	if (x->row.off != y->row.off)
		return x->row.off < y->row.off ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool same_rule(const struct stack_cfi_row *a, const struct stack_cfi_row *b)
{
	return a->cfa == b->cfa && a->rbp == b->rbp && a->cfa_off == b->cfa_off;
}

/* Addresses to file offsets, sorted, merged into t. */
static int finish(const struct elf_file *ef, struct builder *b, struct cfitab *t)
{
	size_t n = 0;
	bool sorted = true;

	for (size_t i = 0; i < b->nr_rows; i++) {
		struct build_row *r = &b->rows[i];
		uint64_t off;

		/* the end of a segment's bytes (a gap after the last function) has an offset too */
		if (elf_file__vaddr_to_offset(ef, r->addr, &off)) {
			if (!r->addr || elf_file__vaddr_to_offset(ef, r->addr - 1, &off))
				continue;	/* not in the file's loaded bytes: no pc is there */
			off++;
		}
		if (off > UINT32_MAX)
			return -EFBIG;
		r->row.off = off;
		sorted = sorted && (!n || b->rows[n - 1].row.off < off);
		b->rows[n++] = *r;
	}
	/* in address order already; by offset too unless the PT_LOADs are out of order */
	if (!sorted)
		qsort(b->rows, n, sizeof(*b->rows), cmp_row);
	t->rows = xcalloc(n ? n : 1, sizeof(*t->rows));
	t->nr = 0;
	for (size_t i = 0; i < n; i++) {
		const struct build_row *r = &b->rows[i];
		struct stack_cfi_row *last = t->nr ? &t->rows[t->nr - 1] : NULL;

		if (last && (last->off == r->row.off || same_rule(last, &r->row)))
			continue;
		t->rows[t->nr++] = r->row;
		if (r->row.cfa == STACK_CFI_NONE && !r->gap)
			t->nr_none++;
	}
	return 0;
}

int cfitab_build(const char *path, struct cfitab *t, const char **why)
{
	struct builder b = { 0 };
	struct elf_file *ef = NULL;
	Dwarf_CFI *eh_cfi = NULL, *cfi;
	Dwarf *dw = NULL;
	Elf_Scn *scn;
	GElf_Shdr sh;
	bool eh_frame;
	const char *because = NULL;
	size_t nr;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = elf_file__open(path, &ef, t->err, sizeof(t->err));
	if (ret) {
		because = t->err;
		goto cleanup;
	}
	if (ef->e_machine != EM_X86_64) {
		ret = -ENOEXEC;
		because = "not x86-64";
		goto cleanup;
	}
	/* an empty .eh_frame (Free Pascal's programs) is none: libdw has no CFI for it */
	scn = elf_file__section(ef, ".eh_frame");
	if (scn && (!gelf_getshdr(scn, &sh) || !sh.sh_size))
		scn = NULL;
	eh_frame = scn != NULL;
	if (eh_frame) {
		cfi = eh_cfi = dwarf_getcfi_elf(ef->elf);
	} else if ((scn = elf_file__section(ef, ".debug_frame"))) {
		dw = dwarf_begin_elf(ef->elf, DWARF_C_READ, NULL);
		cfi = dw ? dwarf_getcfi(dw) : NULL;
	} else {
		ret = -ENODATA;
		because = "no .eh_frame or .debug_frame";
		goto cleanup;
	}
	if (!cfi) {
		ret = -EINVAL;
		because = eh_frame ? "unreadable .eh_frame" : "unreadable .debug_frame";
		goto cleanup;
	}
	ret = read_fdes(ef->elf, scn, eh_frame, &b);
	if (ret < 0) {
		because = b.why;
		goto cleanup;
	}
	t->nr_fdes = ret;
	if (eh_frame && (!gelf_getshdr(scn, &sh) || !hdr_matches(ef->elf, sh.sh_addr, &b))) {
		ret = -EINVAL;
		because = "an .eh_frame_hdr that does not match .eh_frame";
		goto cleanup;
	}
	nr = unique_starts(&b);
	join_bad(&b);
	for (size_t i = 0; i < nr; i++) {
		uint64_t limit = i + 1 < nr ? b.spans[i + 1].lo : UINT64_MAX;

		if (!walk_fde(cfi, b.spans[i].lo, limit, b.spans[i].size, &b)) {
			ret = -E2BIG;
			because = "call frame information too long to walk";
			goto cleanup;
		}
	}
	ret = finish(ef, &b, t);
	if (ret)
		because = "file offsets beyond 4 GiB";
cleanup:
	if (ret) {
		free(t->rows);
		t->rows = NULL;
		t->nr = t->nr_none = t->nr_fdes = 0;
		if (why)
			*why = because ? because : "unreadable file";
	}
	free(b.rows);
	free(b.spans);
	free(b.bad);
	free(b.fdes);
	if (eh_cfi)
		dwarf_cfi_end(eh_cfi);
	if (dw)
		dwarf_end(dw);
	if (ef)
		elf_file__close(ef);
	return ret;
}

void cfitab_free(struct cfitab *t)
{
	free(t->rows);
	t->rows = NULL;
	t->nr = t->nr_none = t->nr_fdes = 0;
}

const struct stack_cfi_row *cfitab_find(const struct cfitab *t, uint32_t off)
{
	size_t lo = 0, hi = t->nr;

	/* the last row whose offset is <= off */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->rows[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &t->rows[lo - 1] : NULL;
}
