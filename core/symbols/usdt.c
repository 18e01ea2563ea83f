// SPDX-License-Identifier: GPL-2.0
/*
 * SystemTap SDT notes read with libelf, and their argument specs parsed.
 *
 * Each probe site is one note in .note.stapsdt: owner "stapsdt", type 3,
 * then three addresses (the site, the link-time address of .stapsdt.base, the
 * semaphore or 0) and three strings (provider, name, argument spec).  When a
 * prelinker moved the file, .stapsdt.base's sh_addr differs from the base the
 * note recorded, and the site and semaphore move by the same amount.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/ptrace.h>

#include "base/util.h"
#include "symbols/dwarf.h"
#include "symbols/elf.h"
#include "symbols/usdt.h"

#define NT_STAPSDT 3

const char *usdt_arg_kind_name(enum usdt_arg_kind kind)
{
	switch (kind) {
	case USDT_ARG_CONST:
		return "const";
	case USDT_ARG_REG:
		return "reg";
	default:
		return "mem";
	}
}

/* "%rax" at *p: the name into out (without '%'), p moved past it. */
static int parse_reg(const char **p, char *out, size_t len)
{
	const char *s = *p;
	size_t n = 0;

	if (*s != '%')
		return -EINVAL;
	s++;
	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9'))
		n++;
	if (!n || n >= len)
		return -EINVAL;
	memcpy(out, s, n);
	out[n] = '\0';
	*p = s + n;
	return 0;
}

/* A signed decimal or hex number at *p (strtoll with base 0), p moved past it. */
static int parse_num(const char **p, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(*p, &end, 0);
	if (end == *p || errno)
		return -EINVAL;
	*p = end;
	return 0;
}

int usdt_arg_parse(const char *text, struct usdt_arg *arg, char *err, size_t errlen)
{
	const char *p = text, *at = strchr(text, '@');
	long long size;

	memset(arg, 0, sizeof(*arg));
	arg->scale = 1;
	if (at) {
		if (parse_num(&p, &size) || p != at)
			goto bad;
		arg->is_signed = size < 0;
		arg->size = size < 0 ? -size : size;
		if (arg->size != 1 && arg->size != 2 && arg->size != 4 && arg->size != 8) {
			snprintf(err, errlen, "argument '%s': size %lld is not 1, 2, 4 or 8", text,
				 size);
			return -EINVAL;
		}
		p = at + 1;
	} else {
		arg->size = 8;	/* old notes: no size, a long */
	}
	if (*p == '$') {
		p++;
		arg->kind = USDT_ARG_CONST;
		if (parse_num(&p, &arg->value))
			goto bad;
	} else if (*p == '%') {
		arg->kind = USDT_ARG_REG;
		if (parse_reg(&p, arg->reg, sizeof(arg->reg)))
			goto bad;
	} else {
		arg->kind = USDT_ARG_MEM;
		/* [disp | sym[+-disp]](base[,index[,scale]]) */
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_' ||
		    *p == '.') {
			size_t n = strcspn(p, "+-(");

			if (n >= sizeof(arg->sym))
				goto bad;
			memcpy(arg->sym, p, n);
			arg->sym[n] = '\0';
			p += n;
		}
		if (*p != '(' && parse_num(&p, &arg->value))
			goto bad;
		if (*p++ != '(')
			goto bad;
		if (*p == '%' && parse_reg(&p, arg->reg, sizeof(arg->reg)))
			goto bad;
		if (*p == ',') {
			long long scale = 1;

			p++;
			if (parse_reg(&p, arg->index, sizeof(arg->index)))
				goto bad;
			if (*p == ',') {
				p++;
				if (parse_num(&p, &scale))
					goto bad;
			}
			if (scale != 1 && scale != 2 && scale != 4 && scale != 8)
				goto bad;
			arg->scale = scale;
		}
		if (!arg->reg[0] && !arg->index[0])
			goto bad;
		if (*p++ != ')')
			goto bad;
	}
	if (*p)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "cannot parse argument '%s'", text);
	return -EINVAL;
}

int usdt_args_parse(const char *text, struct usdt_arg *args, int max, char *err, size_t errlen)
{
	const char *p = text;
	int n = 0;

	for (;;) {
		char one[128];
		size_t len;

		p += strspn(p, " \t");
		if (!*p)
			return n;
		len = strcspn(p, " \t");
		if (len >= sizeof(one)) {
			snprintf(err, errlen, "argument too long: '%.*s...'", 32, p);
			return -EINVAL;
		}
		if (n == max) {
			snprintf(err, errlen, "more than %d arguments", max);
			return -EINVAL;
		}
		memcpy(one, p, len);
		one[len] = '\0';
		if (usdt_arg_parse(one, &args[n], err, errlen))
			return -EINVAL;
		n++;
		p += len;
	}
}

bool usdt_note_parse(const char *desc, size_t len, bool is64, struct usdt_probe *p)
{
	size_t asz = is64 ? 8 : 4, off = 3 * asz;
	const char *prov, *name, *args;
	uint64_t a[3] = {};

	if (len < off + 3)
		return false;
	for (int i = 0; i < 3; i++) {
		if (is64) {
			memcpy(&a[i], desc + i * 8, 8);
		} else {
			uint32_t v;

			memcpy(&v, desc + i * 4, 4);
			a[i] = v;
		}
	}
	prov = desc + off;
	name = memchr(prov, '\0', len - off);
	if (!name || ++name == desc + len)
		return false;
	args = memchr(name, '\0', desc + len - name);
	if (!args)
		return false;
	args++;
	if (args == desc + len || !memchr(args, '\0', desc + len - args))
		args = "";
	p->pc = a[0];
	p->base = a[1];
	p->semaphore = a[2];
	p->provider = xstrdup(prov);
	p->name = xstrdup(name);
	p->args = xstrdup(args);
	return true;
}

int usdt_notes__read(const char *path, struct usdt_notes *out, char *err, size_t errlen)
{
	size_t shstrndx, phnum;
	struct elf_file *ef = NULL;
	Elf_Scn *scn = NULL;
	GElf_Ehdr ehdr;
	Elf *elf;
	int ret;
	bool is64;

	memset(out, 0, sizeof(*out));
	/* The checks (and messages) every reader of a target has: a script, 32-bit, truncated. */
	ret = elf_file__open(path, &ef, err, errlen);
	if (ret)
		return ret;
	elf = ef->elf;
	if (!gelf_getehdr(elf, &ehdr) || elf_getshdrstrndx(elf, &shstrndx) ||
	    elf_getphdrnum(elf, &phnum)) {
		snprintf(err, errlen, "not an ELF file");
		ret = -ENOEXEC;
		goto cleanup;
	}
	is64 = ehdr.e_ident[EI_CLASS] == ELFCLASS64;
	/* The sections first: .stapsdt.base's address is needed for every note. */
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(name, ".stapsdt.base")) {
			out->has_base_section = true;
			out->base_addr = sh.sh_addr;
		} else if (!strcmp(name, ".probes")) {
			out->has_probes_section = true;
		} else if (!strcmp(name, ".note.stapsdt") && sh.sh_type == SHT_NOTE) {
			out->has_notes_section = true;
		}
	}
	while ((scn = elf_nextscn(elf, scn))) {
		size_t next, name_off, desc_off;
		Elf_Data *data;
		GElf_Nhdr nh;
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(name = elf_strptr(elf, shstrndx, sh.sh_name)) ||
		    strcmp(name, ".note.stapsdt"))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		for (size_t at = 0; at < data->d_size; at = next) {
			struct usdt_probe p = {};
			int64_t delta = 0;
			uint32_t hdr[3] = {};

			next = gelf_getnote(data, at, &nh, &name_off, &desc_off);
			if (!next) {
				/* Every note after it is lost too: say so, not "no notes". */
				memcpy(hdr, (char *)data->d_buf + at,
				       data->d_size - at < sizeof(hdr) ? data->d_size - at :
									 sizeof(hdr));
				snprintf(err, errlen, "corrupt .note.stapsdt: the note at +0x%zx "
					 "(namesz %u, descsz %u) runs past the section's end "
					 "(0x%zx bytes)", at, hdr[0], hdr[1], (size_t)data->d_size);
				ret = -EINVAL;
				goto cleanup;
			}
			if (nh.n_type != NT_STAPSDT || nh.n_namesz != sizeof("stapsdt") ||
			    memcmp((char *)data->d_buf + name_off, "stapsdt", sizeof("stapsdt")))
				continue;
			if (!usdt_note_parse((char *)data->d_buf + desc_off, nh.n_descsz, is64, &p)) {
				snprintf(err, errlen, "corrupt .note.stapsdt: the note at +0x%zx "
					 "has no provider and name", at);
				ret = -EINVAL;
				goto cleanup;
			}
			/* Prelinked: the file moved by what .stapsdt.base moved. */
			if (out->has_base_section)
				delta = (int64_t)(out->base_addr - p.base);
			p.pc += delta;
			if (p.semaphore)
				p.semaphore += delta;
			if (elf_file__vaddr_to_offset(ef, p.pc, &p.offset))
				p.offset = 0;
			p.exec = p.offset && (elf_file__vaddr_flags(ef, p.pc) & PF_X);
			if (p.semaphore &&
			    elf_file__vaddr_to_offset(ef, p.semaphore, &p.sema_offset))
				p.sema_offset = 0;
			p.sema_writable = p.sema_offset &&
					  (elf_file__vaddr_flags(ef, p.semaphore) & PF_W);
			p.nr_args = usdt_args_parse(p.args, p.argv, USDT_MAX_ARGS, err, errlen);
			if (p.nr_args < 0)
				p.args_err = xstrdup(err);
			err[0] = '\0';
			ALLOC_GROW(out->probes, out->nr + 1, out->alloc);
			out->probes[out->nr++] = p;
		}
	}

cleanup:
	elf_file__close(ef);
	if (ret)
		usdt_notes__free(out);
	return ret;
}

void usdt_notes__free(struct usdt_notes *n)
{
	for (size_t i = 0; i < n->nr; i++) {
		free(n->probes[i].provider);
		free(n->probes[i].name);
		free(n->probes[i].args);
		free(n->probes[i].args_err);
	}
	free(n->probes);
	memset(n, 0, sizeof(*n));
}

const char *usdt_notes_missing(const struct usdt_notes *n)
{
	if (n->nr)
		return NULL;
	if (n->has_probes_section)
		return "a .probes section but no .note.stapsdt notes (dtrace-style probes: "
		       "upx reads SystemTap's sys/sdt.h notes)";
	if (n->has_notes_section)
		return "no USDT probes (.note.stapsdt is empty)";
	return "no USDT probes (no .note.stapsdt section)";
}

static bool part_matches(const char *pattern, const char *text)
{
	if (pattern_is_glob(pattern))
		return !fnmatch(pattern, text, 0);
	return !strcmp(pattern, text);
}

bool usdt_probe_matches(const struct usdt_probe *p, const char *provider, const char *name)
{
	return (!provider || part_matches(provider, p->provider)) && part_matches(name, p->name);
}

void usdt_suggest(const struct usdt_notes *n, const char *name, char *buf, size_t len)
{
	int best[3] = { -1, -1, -1 }, dist[3] = { 1 << 30, 1 << 30, 1 << 30 };
	int limit = strlen(name) / 3 + 1;
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n->nr; i++) {
		int d = edit_distance(name, n->probes[i].name);
		bool dup = false;

		for (int k = 0; k < 3; k++) {
			const struct usdt_probe *b = best[k] >= 0 ? &n->probes[best[k]] : NULL;

			dup |= b && !strcmp(b->name, n->probes[i].name) &&
			       !strcmp(b->provider, n->probes[i].provider);
		}
		if (dup || d > limit)
			continue;
		for (int k = 0; k < 3; k++)
			if (d < dist[k]) {
				memmove(&best[k + 1], &best[k], (2 - k) * sizeof(best[0]));
				memmove(&dist[k + 1], &dist[k], (2 - k) * sizeof(dist[0]));
				best[k] = i;
				dist[k] = d;
				break;
			}
	}
	for (int k = 0; k < 3 && best[k] >= 0; k++)
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%s:%s", k ? ", " : "",
				 n->probes[best[k]].provider, n->probes[best[k]].name);
}

int usdt_probe_params(const struct usdt_probe *p, struct dwarf_param *out, int max)
{
	int n = p->nr_args < max ? p->nr_args : max;

	for (int i = 0; i < n; i++) {
		const struct usdt_arg *a = &p->argv[i];

		snprintf(out[i].name, sizeof(out[i].name), "arg%d", i);
		out[i].size = a->size;
		out[i].kind = a->is_signed ? DWARF_PARAM_INT :
			      a->size < 8 ? DWARF_PARAM_UINT : DWARF_PARAM_OTHER;
	}
	return n < 0 ? 0 : n;
}

const char *usdt_probe_problem(const struct usdt_probe *p, char *buf, size_t len)
{
	if (p->nr_args < 0)
		return p->args_err;
	for (int i = 0; i < p->nr_args; i++) {
		const struct usdt_arg *a = &p->argv[i];

		if (a->kind == USDT_ARG_MEM && (a->index[0] || a->sym[0] || !a->reg[0])) {
			snprintf(buf, len, "argument %d of '%s' uses %s, which the BPF side "
				 "(libbpf's usdt.bpf.h) cannot read", i, p->args,
				 a->sym[0] ? "a symbol" : "an index register");
			return buf;
		}
		if (a->kind != USDT_ARG_CONST && usdt_reg_offset(a->reg) < 0) {
			snprintf(buf, len, "argument %d of '%s' is in register %%%s, which upx "
				 "cannot read", i, p->args, a->reg);
			return buf;
		}
	}
	if (!p->offset)
		return "its address is not in a loaded segment of the file";
	if (!p->exec)
		return "its address is not in executable memory: a probe would write into the "
		       "program's data";
	if (p->semaphore && !p->sema_offset) {
		snprintf(buf, len, "its semaphore at 0x%llx is not in the file's loaded data",
			 (unsigned long long)p->semaphore);
		return buf;
	}
	if (p->semaphore && !p->sema_writable) {
		snprintf(buf, len, "its semaphore at 0x%llx is in a read-only segment: the "
			 "kernel cannot write it in the process to enable the probe",
			 (unsigned long long)p->semaphore);
		return buf;
	}
	return NULL;
}

#define REG(r64, r32, r16, r8) { { #r64, #r32, #r16, #r8 }, offsetof(struct pt_regs, r64) }

int usdt_reg_offset(const char *reg)
{
#ifdef __x86_64__
	static const struct {
		const char *names[4];
		size_t off;
	} regs[] = {
		REG(rax, eax, ax, al), REG(rbx, ebx, bx, bl), REG(rcx, ecx, cx, cl),
		REG(rdx, edx, dx, dl), REG(rsi, esi, si, sil), REG(rdi, edi, di, dil),
		REG(rbp, ebp, bp, bpl), REG(rsp, esp, sp, spl), REG(rip, eip, ip, ipl),
		REG(r8, r8d, r8w, r8b), REG(r9, r9d, r9w, r9b), REG(r10, r10d, r10w, r10b),
		REG(r11, r11d, r11w, r11b), REG(r12, r12d, r12w, r12b),
		REG(r13, r13d, r13w, r13b), REG(r14, r14d, r14w, r14b),
		REG(r15, r15d, r15w, r15b),
	};

	for (size_t i = 0; i < ARRAY_SIZE(regs); i++)
		for (int k = 0; k < 4; k++)
			if (!strcmp(reg, regs[i].names[k]))
				return regs[i].off;
#endif
	return -1;
}
