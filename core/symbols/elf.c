// SPDX-License-Identifier: GPL-2.0
/* ELF files and their symbols with libelf: checks on open, symbol tables, versions, offsets, debug files. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/dl.h"
#include "base/util.h"
#include "symbols/debuginfod.h"
#include "symbols/elf.h"
#include "symbols/minidebug.h"

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#elif defined(__riscv)
#define HOST_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#define HOST_MACHINE EM_PPC64
#elif defined(__s390x__)
#define HOST_MACHINE EM_S390
#else
#error "upx: unknown host machine"
#endif

#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

#define DEBUG_DIR "/usr/lib/debug"

struct load_seg {
	uint64_t vaddr, filesz, offset;
	uint32_t flags;		/* p_flags: PF_X, PF_W, PF_R */
};

struct elf_priv {
	uint64_t file_size;
	struct load_seg *loads;
	size_t nr_loads;
	/* The separate debug file, kept open: symbol names point into it. */
	int dbg_fd;
	Elf *dbg_elf;
	/* .gnu_debugdata decompressed, kept too (names point into it). */
	void *mini_buf;
	Elf *mini_elf;
	/* Names split at '@' in .symtab ("realpath@@GLIBC_2.3") are copies. */
	char **strs;
	size_t nr_strs, alloc_strs;
};

extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/*
 * libstdc++'s demangler, loaded at the first C++ name: a process that meets
 * none (upx --version, a trace of C functions) starts without libstdc++,
 * libm and libgcc_s (0.7 ms of every start).
 */
#define CXX_SONAME "libstdc++.so.6"
static __typeof__(__cxa_demangle) *cxa_demangle;
static pthread_once_t cxa_once = PTHREAD_ONCE_INIT;

static void cxa_load(void)
{
	const struct dl_sym syms[] = { DL_SYM(__cxa_demangle, cxa_demangle) };
	char err[256];

	if (!dl_load(CXX_SONAME, syms, 1, err, sizeof(err)))
		warning("cannot load %s: %s: C++ names are shown as they are in the file",
			CXX_SONAME, err);
}

static const char *machine_name(unsigned int m)
{
	switch (m) {
	case EM_386: return "i386";
	case EM_X86_64: return "x86-64";
	case EM_ARM: return "ARM";
	case EM_AARCH64: return "AArch64";
	case EM_RISCV: return "RISC-V";
	case EM_PPC: return "PowerPC";
	case EM_PPC64: return "PowerPC64";
	case EM_S390: return "S/390";
	case EM_MIPS: return "MIPS";
	case EM_SPARCV9: return "SPARC V9";
	case EM_IA_64: return "IA-64";
	case EM_LOONGARCH: return "LoongArch";
	case EM_BPF: return "BPF";
	}
	return NULL;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...) __printf(3, 4);
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int open_regular_file(const char *path, struct stat *st, char *err, size_t errlen)
{
	int fd, ret;

	/*
	 * stat() first: opening a FIFO blocks until a writer comes, and opening
	 * some devices does things (a tape rewinds, a watchdog arms).
	 */
	if (stat(path, st)) {
		ret = -errno;
		set_err(err, errlen, "%s", strerror(errno));
		return ret;
	}
	if (!S_ISREG(st->st_mode))
		goto not_regular;
	/* O_NONBLOCK: it may have been replaced by a FIFO since. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		set_err(err, errlen, "%s", strerror(errno));
		return ret;
	}
	if (fstat(fd, st)) {
		ret = -errno;
		set_err(err, errlen, "%s", strerror(errno));
		close(fd);
		return ret;
	}
	if (S_ISREG(st->st_mode))
		return fd;
	close(fd);
not_regular:
	if (S_ISDIR(st->st_mode)) {
		set_err(err, errlen, "is a directory");
		return -EISDIR;
	}
	set_err(err, errlen, "not a regular file (%s)", file_kind(st->st_mode));
	return -EINVAL;
}

/* "#!/usr/bin/env bash" from the first line, printable characters only. */
static void script_line(const unsigned char *buf, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n && buf[i] != '\n' && o + 1 < outlen; i++) {
		if (buf[i] == '\r')
			break;
		out[o++] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '?';
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* The checks libelf does not do, on the raw header: a one-line cause, or 0. */
static int check_ident(const unsigned char *buf, size_t n, uint64_t size, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
	const char *name, *host;
	uint16_t machine;

	if (n >= 2 && buf[0] == '#' && buf[1] == '!') {
		char line[128];

		script_line(buf, n, line, sizeof(line));
		set_err(err, errlen, "a script (%s), not an ELF file", line);
		return -ENOEXEC;
	}
	if (n < SELFMAG || memcmp(buf, ELFMAG, SELFMAG)) {
		set_err(err, errlen, "not an ELF file");
		return -ENOEXEC;
	}
	if (n < EI_NIDENT) {
		set_err(err, errlen, "truncated ELF file");
		return -ENOEXEC;
	}
	/* The byte order first: e_machine is read in it, also for a 32-bit file (same offset). */
	if (buf[EI_DATA] != ELFDATA2LSB && buf[EI_DATA] != ELFDATA2MSB) {
		set_err(err, errlen, "invalid ELF data encoding %u", buf[EI_DATA]);
		return -ENOEXEC;
	}
	if (buf[EI_CLASS] != ELFCLASS32 && buf[EI_CLASS] != ELFCLASS64) {
		set_err(err, errlen, "invalid ELF class %u", buf[EI_CLASS]);
		return -ENOEXEC;
	}
	if (buf[EI_VERSION] != EV_CURRENT) {
		set_err(err, errlen, "invalid ELF version %u", buf[EI_VERSION]);
		return -ENOEXEC;
	}
	machine = n >= 20 ? (uint16_t)(buf[18] | buf[19] << 8) : HOST_MACHINE;
	if (buf[EI_DATA] == ELFDATA2MSB)
		machine = machine >> 8 | (uint16_t)(machine << 8);
	name = machine_name(machine);
	host = machine_name(HOST_MACHINE);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (buf[EI_DATA] != ELFDATA2LSB) {
		if (name && machine != HOST_MACHINE)
			set_err(err, errlen,
				"big-endian ELF for %s, this machine is little-endian %s", name, host);
		else
			set_err(err, errlen, "big-endian ELF, this machine is little-endian");
#else
	if (buf[EI_DATA] != ELFDATA2MSB) {
		if (name && machine != HOST_MACHINE)
			set_err(err, errlen,
				"little-endian ELF for %s, this machine is big-endian %s", name, host);
		else
			set_err(err, errlen, "little-endian ELF, this machine is big-endian");
#endif
		return -ENOEXEC;
	}
	if (buf[EI_CLASS] == ELFCLASS32) {
		/* A 32-bit ELF for this machine is an x32 or i386-style build: the short form. */
		if (machine == HOST_MACHINE)
			set_err(err, errlen, "32-bit ELF, upx handles 64-bit only");
		else if (name)
			set_err(err, errlen, "32-bit ELF for %s, this machine is 64-bit %s", name,
				host);
		else
			set_err(err, errlen, "32-bit ELF for machine %u, this machine is 64-bit %s",
				machine, host);
		return -ENOEXEC;
	}
	if (n < sizeof(Elf64_Ehdr)) {
		set_err(err, errlen, "truncated ELF file");
		return -ENOEXEC;
	}
	if (eh->e_machine != HOST_MACHINE) {
		if (name)
			set_err(err, errlen, "ELF for %s, this machine is %s", name, host);
		else
			set_err(err, errlen, "ELF for machine %u, this machine is %s",
				eh->e_machine, host);
		return -ENOEXEC;
	}
	switch (eh->e_type) {
	case ET_EXEC:
	case ET_DYN:
		break;
	case ET_REL:
		set_err(err, errlen, "a relocatable object (.o), not an executable or shared library");
		return -ENOEXEC;
	case ET_CORE:
		set_err(err, errlen, "a core dump, not an executable or shared library");
		return -ENOEXEC;
	default:
		set_err(err, errlen, "ELF type %u, not an executable or shared library", eh->e_type);
		return -ENOEXEC;
	}
	if (eh->e_phoff > size || (eh->e_phnum && eh->e_phentsize != sizeof(Elf64_Phdr)) ||
	    (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size - eh->e_phoff ||
	    eh->e_shoff > size ||
	    (eh->e_shnum && eh->e_shentsize != sizeof(Elf64_Shdr)) ||
	    (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > size - eh->e_shoff) {
		set_err(err, errlen, "truncated ELF file");
		return -ENOEXEC;
	}
	/* Neither the kernel nor ld.so loads such a file, so no probe could fire in it. */
	if (!eh->e_phnum) {
		set_err(err, errlen, "no program headers (not a loadable file)");
		return -ENOEXEC;
	}
	return 0;
}

/* Program headers: PT_LOAD for offsets, PT_INTERP / PT_DYNAMIC for static. */
static int read_phdrs(struct elf_file *ef, struct elf_priv *p)
{
	Elf *elf = ef->elf;
	size_t n, i;

	if (elf_getphdrnum(elf, &n))
		return -ENOEXEC;
	p->loads = xcalloc(n ? n : 1, sizeof(*p->loads));
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph))
			return -ENOEXEC;
		switch (ph.p_type) {
		case PT_LOAD:
			if (ph.p_offset > p->file_size || ph.p_filesz > p->file_size - ph.p_offset)
				return -ENOEXEC;
			p->loads[p->nr_loads].vaddr = ph.p_vaddr;
			p->loads[p->nr_loads].filesz = ph.p_filesz;
			p->loads[p->nr_loads].offset = ph.p_offset;
			p->loads[p->nr_loads].flags = ph.p_flags;
			p->nr_loads++;
			break;
		case PT_INTERP:
			ef->has_interp = true;
			break;
		case PT_DYNAMIC:
			ef->has_dynamic = true;
			break;
		}
	}
	return 0;
}

/* A static-pie has PT_DYNAMIC and no PT_INTERP, like a library, but is marked DF_1_PIE. */
static bool is_static_pie(Elf *elf)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t i;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			return false;
		for (i = 0; i < d->d_size / sizeof(GElf_Dyn); i++) {
			GElf_Dyn dyn;

			if (!gelf_getdyn(d, i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag == DT_NEEDED)
				return false;
			if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE))
				return true;
		}
		return false;
	}
	return false;
}

/* Sections: every one with file contents must lie inside the file. */
static int read_shdrs(struct elf_file *ef, struct elf_priv *p)
{
	Elf *elf = ef->elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		shstrndx = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			return -ENOEXEC;
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > p->file_size || sh.sh_size > p->file_size - sh.sh_offset))
			return -ENOEXEC;
		if (sh.sh_type == SHT_SYMTAB)
			ef->has_symtab = true;
		name = shstrndx ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
		if (name && (!strcmp(name, ".gopclntab") || !strcmp(name, ".go.buildinfo")))
			ef->is_go = true;
		if (name && sh.sh_type == SHT_PROGBITS && !strcmp(name, ".gnu_debugdata"))
			ef->has_minidebug = true;
	}
	return 0;
}

static void read_build_id(struct elf_file *ef)
{
	Elf *elf = ef->elf;
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *d;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			const unsigned char *desc = (const unsigned char *)d->d_buf + desc_off;
			size_t i, n = nh.n_descsz;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)d->d_buf + name_off, "GNU", 4) || !n)
				continue;
			if (n > (sizeof(ef->build_id) - 1) / 2)
				n = (sizeof(ef->build_id) - 1) / 2;
			for (i = 0; i < n; i++)
				sprintf(ef->build_id + 2 * i, "%02x", desc[i]);
			return;
		}
	}
}

int elf_file__open(const char *path, struct elf_file **out, char *err, size_t errlen)
{
	struct elf_file *ef = NULL;
	struct elf_priv *p;
	unsigned char buf[sizeof(Elf64_Ehdr) > 128 ? sizeof(Elf64_Ehdr) : 128];
	struct stat st;
	ssize_t n;
	int fd, ret;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	fd = open_regular_file(path, &st, err, errlen);
	if (fd < 0)
		return fd;
	if (!st.st_size) {
		set_err(err, errlen, "empty file");
		ret = -ENOEXEC;
		goto fail;
	}
	do
		n = pread(fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		ret = -errno;
		set_err(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	ret = check_ident(buf, n, st.st_size, err, errlen);
	if (ret)
		goto fail;

	elf_version(EV_CURRENT);
	ef = xcalloc(1, sizeof(*ef));
	p = xcalloc(1, sizeof(*p));
	ef->priv = p;
	ef->fd = fd;
	ef->path = xstrdup(path);
	p->file_size = st.st_size;
	p->dbg_fd = -1;
	ef->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF) {
		set_err(err, errlen, "not an ELF file (%s)", elf_errmsg(-1));
		ret = -ENOEXEC;
		goto fail;
	}
	ef->e_type = ((const Elf64_Ehdr *)buf)->e_type;
	ef->e_machine = ((const Elf64_Ehdr *)buf)->e_machine;
	if (read_phdrs(ef, p) || read_shdrs(ef, p)) {
		set_err(err, errlen, "truncated ELF file");
		ret = -ENOEXEC;
		goto fail;
	}
	ef->is_static = !ef->has_interp && (!ef->has_dynamic || is_static_pie(ef->elf));
	read_build_id(ef);
	*out = ef;
	return 0;

fail:
	if (ef)
		elf_file__close(ef);
	else
		close(fd);
	return ret;
}

void elf_file__close(struct elf_file *ef)
{
	struct elf_priv *p;
	size_t i;

	if (!ef)
		return;
	p = ef->priv;
	for (i = 0; i < ef->nr_syms; i++)
		free(ef->syms[i].demangled);
	free(ef->syms);
	if (p) {
		for (i = 0; i < p->nr_strs; i++)
			free(p->strs[i]);
		free(p->strs);
		if (p->dbg_elf)
			elf_end(p->dbg_elf);
		if (p->mini_elf)
			elf_end(p->mini_elf);
		free(p->mini_buf);
		if (p->dbg_fd >= 0)
			close(p->dbg_fd);
		free(p->loads);
		free(p);
	}
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
	free(ef->debug_path);
	free(ef->syms_rejected);
	free(ef->path);
	free(ef);
}

/* The PT_LOAD whose bytes in the file hold vaddr, or NULL. */
static const struct load_seg *load_of(const struct elf_file *ef, uint64_t vaddr)
{
	const struct elf_priv *p = ef->priv;

	for (size_t i = 0; i < p->nr_loads; i++) {
		const struct load_seg *l = &p->loads[i];

		if (vaddr >= l->vaddr && vaddr - l->vaddr < l->filesz)
			return l;
	}
	return NULL;
}

int elf_file__vaddr_to_offset(const struct elf_file *ef, uint64_t vaddr, uint64_t *offset)
{
	const struct load_seg *l = load_of(ef, vaddr);

	if (!l)
		return -ENOENT;
	*offset = l->offset + (vaddr - l->vaddr);
	return 0;
}

uint32_t elf_file__vaddr_flags(const struct elf_file *ef, uint64_t vaddr)
{
	const struct load_seg *l = load_of(ef, vaddr);

	return l ? l->flags : 0;
}

int elf_file__offset_to_vaddr(const struct elf_file *ef, uint64_t offset, uint64_t *vaddr)
{
	const struct elf_priv *p = ef->priv;
	size_t i;
	int pass;

	/* Inside a segment's bytes first; then the head of the page it starts in. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < p->nr_loads; i++) {
			const struct load_seg *l = &p->loads[i];
			uint64_t lead = pass ? l->offset & 4095 : 0;
			uint64_t first = l->offset - lead;

			if (offset < first || offset - first >= lead + l->filesz || l->vaddr < lead)
				continue;
			*vaddr = l->vaddr - lead + (offset - first);
			return 0;
		}
	}
	return -ENOENT;
}

int elf_file__read(const struct elf_file *ef, uint64_t offset, void *buf, size_t len)
{
	size_t done = 0;

	if (len > INT32_MAX)
		len = INT32_MAX;
	while (done < len) {
		ssize_t n = pread(ef->fd, (char *)buf + done, len - done, offset + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		done += n;
	}
	return done;
}

/* Symbols ------------------------------------------------------------------- */

/* Version names by .gnu.version index, from .gnu.version_d and .gnu.version_r. */
struct versions {
	const char **names;
	size_t nr;
	const Elf64_Half *versym;
	size_t nr_versym;
};

static void versions_set(struct versions *v, size_t idx, const char *name)
{
	if (!name || idx >= 0x8000)
		return;
	if (idx >= v->nr) {
		size_t n = idx + 16;

		v->names = xrealloc(v->names, n * sizeof(*v->names));
		memset(v->names + v->nr, 0, (n - v->nr) * sizeof(*v->names));
		v->nr = n;
	}
	v->names[idx] = name;
}

static void read_versions(Elf *elf, struct versions *v)
{
	Elf_Scn *scn = NULL;

	memset(v, 0, sizeof(*v));
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t off, guard;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type != SHT_GNU_versym && sh.sh_type != SHT_GNU_verdef &&
		    sh.sh_type != SHT_GNU_verneed)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			continue;
		if (sh.sh_type == SHT_GNU_versym) {
			v->versym = d->d_buf;
			v->nr_versym = d->d_size / sizeof(Elf64_Half);
			continue;
		}
		/* The counts bound the walks: a corrupt vd_next of 0 must not loop forever. */
		off = 0;
		guard = 0;
		if (sh.sh_type == SHT_GNU_verdef) {
			GElf_Verdef vd;

			while (guard++ < 65536 && gelf_getverdef(d, off, &vd)) {
				GElf_Verdaux va;

				if (!(vd.vd_flags & VER_FLG_BASE) && vd.vd_cnt &&
				    gelf_getverdaux(d, off + vd.vd_aux, &va))
					versions_set(v, vd.vd_ndx, elf_strptr(elf, sh.sh_link, va.vda_name));
				if (!vd.vd_next)
					break;
				off += vd.vd_next;
			}
		} else {
			GElf_Verneed vn;

			while (guard++ < 65536 && gelf_getverneed(d, off, &vn)) {
				GElf_Vernaux va;
				size_t aoff = off + vn.vn_aux, j;

				for (j = 0; j < vn.vn_cnt && gelf_getvernaux(d, aoff, &va); j++) {
					versions_set(v, va.vna_other, elf_strptr(elf, sh.sh_link, va.vna_name));
					if (!va.vna_next)
						break;
					aoff += va.vna_next;
				}
				if (!vn.vn_next)
					break;
				off += vn.vn_next;
			}
		}
	}
}

static char *priv_strdup(struct elf_priv *p, const char *s, size_t len)
{
	char *d = xmalloc(len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	ALLOC_GROW(p->strs, p->nr_strs + 1, p->alloc_strs);
	p->strs[p->nr_strs++] = d;
	return d;
}

static int bad_table(char *cause, size_t causelen, const char *why)
{
	snprintf(cause, causelen, "%s", why);
	return -1;
}

/*
 * Append the symbols of one SHT_SYMTAB/SHT_DYNSYM section.  A corrupt table
 * adds nothing: -1 with the cause in cause.  A symbol whose name lies outside
 * the string table is skipped; with strict, one such makes the table corrupt.
 */
static int add_table(struct elf_file *ef, Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
		     size_t *alloc, bool strict, char *cause, size_t causelen)
{
	struct elf_priv *p = ef->priv;
	bool dyn = sh->sh_type == SHT_DYNSYM;
	struct versions v = { 0 };
	const Elf64_Sym *syms;
	const char *strs;
	Elf_Data *d, *sd;
	Elf_Scn *strscn;
	GElf_Shdr strsh;
	size_t i, n;

	if (sh->sh_entsize != sizeof(Elf64_Sym))
		return bad_table(cause, causelen, "symbol entries of a wrong size");
	d = elf_getdata(scn, NULL);
	if (!d || !d->d_buf || d->d_type != ELF_T_SYM)
		return bad_table(cause, causelen, "symbols unreadable");
	strscn = sh->sh_link ? elf_getscn(elf, sh->sh_link) : NULL;
	if (!strscn || !gelf_getshdr(strscn, &strsh) || strsh.sh_type != SHT_STRTAB)
		return bad_table(cause, causelen, "no string table");
	sd = elf_getdata(strscn, NULL);
	if (!sd || !sd->d_buf || !sd->d_size)
		return bad_table(cause, causelen, "string table unreadable");
	strs = sd->d_buf;
	/* Every name below is then NUL-terminated inside the table. */
	if (strs[sd->d_size - 1] != '\0')
		return bad_table(cause, causelen, "string table not NUL-terminated");
	syms = d->d_buf;
	n = d->d_size / sizeof(Elf64_Sym);
	/* Sorting indexes entries in 32 bits; no real table comes near. */
	if (n > INT32_MAX - ef->nr_syms)
		return bad_table(cause, causelen, "too many symbols");
	if (strict) {
		size_t bad = 0;

		for (i = 1; i < n; i++)
			bad += syms[i].st_name >= sd->d_size;
		if (bad) {
			snprintf(cause, causelen,
				 "%zu of %s outside the string table", bad,
				 count_noun(n - 1, "symbol name", "symbol names"));
			return -1;
		}
	}
	if (dyn)
		read_versions(elf, &v);
	ALLOC_GROW(ef->syms, ef->nr_syms + n, *alloc);

	for (i = 1; i < n; i++) {
		const Elf64_Sym *s = &syms[i];
		unsigned int type = ELF64_ST_TYPE(s->st_info);
		struct elf_sym *e;
		const char *name, *at;
		size_t len;

		if (!s->st_name || s->st_name >= sd->d_size)
			continue;
		if (type == STT_SECTION || type == STT_FILE)
			continue;
		name = strs + s->st_name;
		/* Measured here in table order, while the string table streams by. */
		len = strlen(name);
		if (!len || len >= UINT32_MAX)
			continue;
		e = &ef->syms[ef->nr_syms++];
		memset(e, 0, sizeof(*e));
		e->name = name;
		e->name_len = len;
		e->value = s->st_value;
		e->size = s->st_size;
		e->type = type;
		e->bind = ELF64_ST_BIND(s->st_info);
		e->defined = s->st_shndx != SHN_UNDEF;
		e->in_dynsym = dyn;
		if (dyn && i < v.nr_versym) {
			unsigned int idx = v.versym[i] & 0x7fff;

			if (idx > 1 && idx < v.nr && v.names[idx]) {
				e->version = v.names[idx];
				e->default_version = e->defined && !(v.versym[i] & 0x8000);
			}
		} else if (!dyn && (at = memchr(name + 1, '@', len - 1))) {
			/* .symtab spells versions into names: "realpath@@GLIBC_2.3". */
			e->name = priv_strdup(p, name, at - name);
			e->name_len = at - name;
			e->default_version = at[1] == '@';
			e->version = at + 1 + e->default_version;
			if (!*e->version)
				e->version = NULL;
		}
		if (e->defined && type != STT_TLS && e->value &&
		    elf_file__vaddr_to_offset(ef, e->value, &e->offset))
			e->offset = 0;
		e->exec = e->offset && (elf_file__vaddr_flags(ef, e->value) & PF_X);
	}
	free(v.names);
	return 0;
}

static int cmp_version(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (!a)
		return -1;
	if (!b)
		return 1;
	return strcmp(a, b);
}

/* Sorting ---------------------------------------------------------------------
 * The order is name (strcmp), version (none first), value, .dynsym first, and
 * for entries equal in all of these their order in the tables: what a stable
 * sort on those keys gives.  Names are sorted by a multikey quicksort on an
 * array of keys that hold the next 8 bytes of the name as a number: LLVM's 45k
 * names share long "_ZN4llvm..." prefixes, which strcmp in a comparison sort
 * reads again at every step; here each 8 bytes of a name are fetched about
 * once, and the partitions run over the keys alone.  Equal names (a few
 * versions, or a .symtab copy) are then ordered by the other keys.
 */
struct sort_key {
	uint64_t word;			/* name[depth, depth + 8), big-endian, 0 after the NUL */
	const unsigned char *name;
	uint32_t idx;			/* in the table (add_table() keeps it below 2^31) */
	uint32_t len;			/* name_len */
};

/* The 8 bytes of s (left bytes long) as a big-endian number, 0 past the end. */
static uint64_t name_word(const unsigned char *s, size_t left)
{
	uint64_t w = 0;

	if (left >= 8) {
		memcpy(&w, s, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		return w;
	}
	for (size_t i = 0; i < left; i++)
		w |= (uint64_t)s[i] << (56 - 8 * i);
	return w;
}

/* The word's last byte is 0 when the name ends in it (what follows the NUL is 0 too). */
static bool word_ends(uint64_t w)
{
	return !(w & 0xff);
}

static void key_swap(struct sort_key *a, struct sort_key *b)
{
	struct sort_key t = *a;

	*a = *b;
	*b = t;
}

static int key_cmp(const struct sort_key *a, const struct sort_key *b, size_t depth)
{
	if (a->word != b->word)
		return a->word < b->word ? -1 : 1;
	if (word_ends(a->word))
		return 0;
	return strcmp((const char *)a->name + depth + 8, (const char *)b->name + depth + 8);
}

/* Insertion sort of keys whose names agree in their first depth bytes. */
static void keys_insertion_sort(struct sort_key *k, size_t n, size_t depth)
{
	for (size_t i = 1; i < n; i++) {
		struct sort_key t = k[i];
		size_t j = i;

		while (j > 0 && key_cmp(&k[j - 1], &t, depth) > 0) {
			k[j] = k[j - 1];
			j--;
		}
		k[j] = t;
	}
}

static uint64_t med3(uint64_t a, uint64_t b, uint64_t c)
{
	if (a < b)
		return b < c ? b : (a < c ? c : a);
	return a < c ? a : (b < c ? c : b);
}

/* The keys of names equal up to depth + 8 move on to the next 8 bytes. */
static void keys_advance(struct sort_key *k, size_t n, size_t depth)
{
	for (size_t i = 0; i < n; i++)
		k[i].word = name_word(k[i].name + depth + 8, k[i].len - depth - 8);
}

/*
 * Bentley and Sedgewick's multikey quicksort, 8 bytes at a time: a three-way
 * partition on the word at depth.  The two smaller parts recurse (each at
 * most half), the largest loops, so the stack stays at log2(n) frames.
 */
static void keys_sort(struct sort_key *k, size_t n, size_t depth)
{
	while (n > 16) {
		uint64_t v = med3(k[0].word, k[n / 2].word, k[n - 1].word);
		size_t lt = 0, i = 0, gt = n, sz[3], big;

		while (i < gt) {
			uint64_t w = k[i].word;

			if (w < v)
				key_swap(&k[lt++], &k[i++]);
			else if (w > v)
				key_swap(&k[i], &k[--gt]);
			else
				i++;
		}
		/* [0, lt) less, [lt, gt) equal at depth, [gt, n) greater */
		sz[0] = lt;
		sz[1] = gt - lt;
		sz[2] = n - gt;
		big = sz[0] >= sz[1] ? (sz[0] >= sz[2] ? 0 : 2) : (sz[1] >= sz[2] ? 1 : 2);
		if (big != 0)
			keys_sort(k, lt, depth);
		if (big != 2)
			keys_sort(k + gt, n - gt, depth);
		/* Names that end in this word are equal: that part is sorted. */
		if (big != 1 && !word_ends(v)) {
			keys_advance(k + lt, gt - lt, depth);
			keys_sort(k + lt, gt - lt, depth + 8);
		}
		if (big == 0) {
			n = lt;
		} else if (big == 2) {
			k += gt;
			n -= gt;
		} else {
			if (word_ends(v))
				return;
			k += lt;
			n = gt - lt;
			keys_advance(k, n, depth);
			depth += 8;
		}
	}
	keys_insertion_sort(k, n, depth);
}

/* Within one name: version, value, .dynsym first (the one kept when two merge), table order. */
static int cmp_same_name(const struct elf_sym *a, size_t ia, const struct elf_sym *b, size_t ib)
{
	int c = cmp_version(a->version, b->version);

	if (c)
		return c;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	if (a->in_dynsym != b->in_dynsym)
		return a->in_dynsym ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

static int cmp_run_key(const void *pa, const void *pb, void *syms)
{
	const struct sort_key *a = pa, *b = pb;
	const struct elf_sym *s = syms;

	return cmp_same_name(&s[a->idx], a->idx, &s[b->idx], b->idx);
}

/* Keys of one name, in the order of cmp_same_name(). */
static void run_sort(const struct elf_sym *syms, struct sort_key *k, size_t n)
{
	if (n > 8) {
		qsort_r(k, n, sizeof(*k), cmp_run_key, (void *)syms);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		struct sort_key t = k[i];
		size_t j = i;

		while (j > 0 && cmp_same_name(&syms[k[j - 1].idx], k[j - 1].idx, &syms[t.idx],
					      t.idx) > 0) {
			k[j] = k[j - 1];
			j--;
		}
		k[j] = t;
	}
}

static void sort_syms(struct elf_file *ef)
{
	struct elf_sym *syms = ef->syms;
	size_t n = ef->nr_syms, i, j;
	struct sort_key *k;

	if (n < 2)
		return;
	k = xmalloc(n * sizeof(*k));
	for (i = 0; i < n; i++) {
		k[i].name = (const unsigned char *)syms[i].name;
		k[i].len = syms[i].name_len;
		k[i].word = name_word(k[i].name, k[i].len);
		k[i].idx = i;
	}
	keys_sort(k, n, 0);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && k[j].len == k[i].len &&
			    !strcmp((const char *)k[j].name, (const char *)k[i].name); j++)
			;
		if (j - i > 1)
			run_sort(syms, k + i, j - i);
	}
	/*
	 * Entry k[i].idx goes to i: in place, a cycle at a time (a second array
	 * of 45k entries is 700 more page faults).  A placed slot gets idx = i.
	 */
	for (i = 0; i < n; i++) {
		struct elf_sym t;
		size_t at = i, from;

		if (k[i].idx == i)
			continue;
		t = syms[i];
		while ((from = k[at].idx) != i) {
			syms[at] = syms[from];
			k[at].idx = at;
			at = from;
		}
		syms[at] = t;
		k[at].idx = at;
	}
	free(k);
}

/*
 * One entry per symbol: .symtab repeats .dynsym (often without the version, as
 * in a debug file's "malloc" for .dynsym's "malloc@@GLIBC_2.2.5"), so entries of
 * one name and value merge when the versions are equal or one has none.
 */
static void dedup(struct elf_file *ef)
{
	struct elf_sym *s = ef->syms;
	size_t n = ef->nr_syms, i = 0, j, k, out = 0;
	bool *gone, swapped = false;

	if (!n)
		return;
	gone = xcalloc(n, sizeof(*gone));
	while (i < n) {
		for (j = i + 1; j < n && s[j].name_len == s[i].name_len && !strcmp(s[j].name, s[i].name);
		     j++)
			;
		for (k = i; k < j; k++) {
			size_t m;

			if (gone[k])
				continue;
			for (m = k + 1; m < j; m++) {
				struct elf_sym *keep = &s[k], *drop = &s[m];

				if (gone[m] || s[m].value != s[k].value || s[m].defined != s[k].defined)
					continue;
				if (s[m].version && s[k].version && strcmp(s[m].version, s[k].version))
					continue;
				if (!keep->version && drop->version) {
					/* Keep the versioned one (it sorts after): swap contents. */
					struct elf_sym t = *keep;

					*keep = *drop;
					*drop = t;
					swapped = true;
				}
				keep->in_dynsym |= drop->in_dynsym;
				if (drop->size > keep->size)
					keep->size = drop->size;
				if (!keep->offset)
					keep->offset = drop->offset;
				keep->exec |= drop->exec;
				gone[m] = true;
			}
		}
		i = j;
	}
	for (i = 0; i < n; i++)
		if (!gone[i])
			s[out++] = s[i];
	ef->nr_syms = out;
	free(gone);
	/* A swap can put a version out of order within its name. */
	if (swapped)
		sort_syms(ef);
}

/*
 * Append the .symtab of elf (a separate debug file, or MiniDebugInfo's ELF
 * file), size bytes: 0, or -1 with why not in cause and nothing appended.
 */
static int add_symtab_of(struct elf_file *ef, Elf *elf, uint64_t size, size_t *alloc,
			 char *cause, size_t causelen)
{
	Elf_Scn *scn = NULL, *symtab = NULL;
	GElf_Shdr sh, symsh;
	GElf_Ehdr eh;
	size_t before = ef->nr_syms;

	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		snprintf(cause, causelen, "not an ELF file");
		return -1;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != ef->e_machine) {
		snprintf(cause, causelen, "an ELF file for another machine");
		return -1;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh)) {
			snprintf(cause, causelen, "corrupt section headers");
			return -1;
		}
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > size || sh.sh_size > size - sh.sh_offset)) {
			snprintf(cause, causelen, "truncated (section %zu past the end)",
				 elf_ndxscn(scn));
			return -1;
		}
		if (sh.sh_type == SHT_SYMTAB && !symtab) {
			symtab = scn;
			symsh = sh;
		}
	}
	if (!symtab) {
		snprintf(cause, causelen, "no .symtab");
		return -1;
	}
	if (add_table(ef, elf, symtab, &symsh, alloc, true, cause, causelen))
		return -1;
	if (ef->nr_syms == before) {
		snprintf(cause, causelen, "an empty .symtab");
		return -1;
	}
	return 0;
}

/*
 * Why the separate debug file at path cannot be used, or 0 with its .symtab
 * appended.  The CRC or build-id matched, so a file that is not what it
 * should be is worth a warning: the user expects its symbols.
 */
static int load_debug_file(struct elf_file *ef, const char *path, size_t *alloc, char *cause,
			   size_t causelen)
{
	struct elf_priv *p = ef->priv;
	struct stat st;
	Elf *elf;
	int fd;

	fd = open_regular_file(path, &st, cause, causelen);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (add_symtab_of(ef, elf, st.st_size, alloc, cause, causelen)) {
		if (elf)
			elf_end(elf);
		close(fd);
		return -1;
	}
	p->dbg_fd = fd;
	p->dbg_elf = elf;
	ef->debug_path = xstrdup(path);
	return 0;
}

void *elf_file__section(const struct elf_file *ef, const char *name)
{
	Elf *elf = ef->elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL)
			continue;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/* MiniDebugInfo: the .symtab of the ELF file xz-compressed in .gnu_debugdata; 0 or -1 (cause). */
static int load_minidebug(struct elf_file *ef, size_t *alloc, char *cause, size_t causelen)
{
	struct elf_priv *p = ef->priv;
	Elf_Scn *scn = elf_file__section(ef, ".gnu_debugdata");
	Elf_Data *d = scn ? elf_rawdata(scn, NULL) : NULL;
	size_t len;
	void *buf;
	Elf *elf;

	if (!d || !d->d_buf || !d->d_size) {
		snprintf(cause, causelen, "unreadable");
		return -1;
	}
	if (minidebug_decompress(d->d_buf, d->d_size, &buf, &len, cause, causelen))
		return -1;
	elf = elf_memory(buf, len);
	if (add_symtab_of(ef, elf, len, alloc, cause, causelen)) {
		if (elf)
			elf_end(elf);
		free(buf);
		return -1;
	}
	p->mini_buf = buf;
	p->mini_elf = elf;
	ef->minidebug = true;
	return 0;
}

/* No .symtab of its own: a debug file here, else one fetched by build-id, else MiniDebugInfo. */
static void load_other_symtab(struct elf_file *ef, size_t *alloc, bool has_dynsym)
{
	const char *shown = ef->shown ? ef->shown : ef->path;
	char cause[128], *dbg = find_debug_file(ef);

	if (!dbg && ef->build_id[0] && debuginfod_enabled()) {
		dbg = debuginfod_fetch(ef->build_id, shown);
		ef->debug_fetched = dbg != NULL;
	}
	ef->debug_rejected = dbg && load_debug_file(ef, dbg, alloc, cause, sizeof(cause));
	if (ef->debug_rejected)
		warning("'%s': debug file '%s' rejected: %s%s", ef->path, dbg, cause,
			ef->has_minidebug ? "; using its MiniDebugInfo" :
			has_dynsym ? "; using .dynsym only" : "");
	free(dbg);
	if (ef->debug_path || !ef->has_minidebug)
		return;
	if (load_minidebug(ef, alloc, cause, sizeof(cause)))
		warning("'%s': MiniDebugInfo (.gnu_debugdata) rejected: %s%s", shown, cause,
			has_dynsym ? "; using .dynsym only" : "");
}

int elf_file__load_syms(struct elf_file *ef, unsigned int flags)
{
	Elf_Scn *scn = NULL;
	size_t alloc = 0;
	bool has_dynsym = false;
	char cause[128];

	if (ef->syms)
		return 0;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_DYNSYM ||
		    (sh.sh_type == SHT_SYMTAB && !(flags & ELF_SYMS_DYNSYM_ONLY))) {
			if (add_table(ef, ef->elf, scn, &sh, &alloc, false, cause, sizeof(cause)) &&
			    !ef->syms_rejected)
				ef->syms_rejected = xasprintf("%s: %s", sh.sh_type == SHT_DYNSYM ?
							      ".dynsym" : ".symtab", cause);
		}
		if (sh.sh_type == SHT_DYNSYM)
			has_dynsym = true;
	}
	if (!ef->has_symtab && !(flags & (ELF_SYMS_NO_DEBUG_FILE | ELF_SYMS_DYNSYM_ONLY)))
		load_other_symtab(ef, &alloc, has_dynsym);
	if (!ef->syms)
		ef->syms = xcalloc(1, sizeof(*ef->syms));
	sort_syms(ef);
	dedup(ef);
	return 0;
}

size_t elf_file__find_syms(const struct elf_file *ef, const char *name, struct elf_sym **first)
{
	size_t lo = 0, hi = ef->nr_syms, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ef->syms[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < ef->nr_syms && !strcmp(ef->syms[lo + n].name, name))
		n++;
	*first = n ? &ef->syms[lo] : NULL;
	return n;
}

struct elf_sym *elf_file__find_def(const struct elf_file *ef, const char *name, const char *version)
{
	struct elf_sym *s, *best = NULL;
	size_t n, i;

	n = elf_file__find_syms(ef, name, &s);
	for (i = 0; i < n; i++) {
		if (!s[i].defined || s[i].bind == STB_LOCAL)
			continue;
		if (version) {
			if (s[i].version && !strcmp(s[i].version, version))
				return &s[i];
			/* An unversioned definition satisfies a versioned reference. */
			if (!s[i].version && !best)
				best = &s[i];
		} else if (!s[i].version || s[i].default_version) {
			return &s[i];
		}
	}
	return best;
}

const char *elf_sym__demangled(struct elf_sym *sym)
{
	if (!sym->demangle_tried) {
		sym->demangle_tried = true;
		sym->demangled = demangle(sym->name);
	}
	return sym->demangled ? sym->demangled : sym->name;
}

/*
 * Demangling a whole table (libLLVM: 36k C++ names, more than half of
 * list-syms's instructions) is shared with threads, one per further CPU this
 * process may run on (up to four in all), while the caller consumes the rows
 * in order: all take chunks of rows from one counter, so the caller demangles
 * too whenever the rows it wants next are not done yet.  Each thread writes
 * only the entries of its own chunks and publishes a chunk with a release
 * store of its flag (or through pthread_join()).
 */
#define DEMANGLE_CHUNK 256
#define DEMANGLE_MIN_PARALLEL 2048	/* fewer mangled names: a thread costs more than it saves */
#define DEMANGLE_MAX_THREADS 4

struct elf_demangler {
	struct elf_sym **syms;
	size_t n, nr_chunks;
	size_t next;		/* the next chunk to take, atomically */
	unsigned char *done;	/* per chunk, set with release when demangled */
	size_t ready;		/* syms[0, ready) are done (the caller's view) */
	pthread_t threads[DEMANGLE_MAX_THREADS - 1];
	int nr_threads;
};

/* Take and demangle one chunk; false when none is left. */
static bool demangle_one_chunk(struct elf_demangler *d)
{
	size_t c = __atomic_fetch_add(&d->next, 1, __ATOMIC_RELAXED), i, end;

	if (c >= d->nr_chunks)
		return false;
	i = c * DEMANGLE_CHUNK;
	end = d->n - i > DEMANGLE_CHUNK ? i + DEMANGLE_CHUNK : d->n;
	for (; i < end; i++)
		elf_sym__demangled(d->syms[i]);
	__atomic_store_n(&d->done[c], 1, __ATOMIC_RELEASE);
	return true;
}

static void *demangle_worker(void *arg)
{
	while (demangle_one_chunk(arg))
		;
	return NULL;
}

static int usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}

struct elf_demangler *elf_demangler__start(struct elf_sym **syms, size_t n)
{
	struct elf_demangler *d = xcalloc(1, sizeof(*d));
	size_t i, mangled = 0;
	int want = 0;

	d->syms = syms;
	d->n = n;
	d->nr_chunks = (n + DEMANGLE_CHUNK - 1) / DEMANGLE_CHUNK;
	d->done = xcalloc(d->nr_chunks ? d->nr_chunks : 1, 1);
	for (i = 0; i < n; i++)
		mangled += !syms[i]->demangle_tried && syms[i]->name[0] == '_' &&
			   syms[i]->name[1] == 'Z';
	if (mangled >= DEMANGLE_MIN_PARALLEL)
		want = usable_cpus() - 1;
	if (want > DEMANGLE_MAX_THREADS - 1)
		want = DEMANGLE_MAX_THREADS - 1;
	/* A thread that cannot be made leaves its share to the others. */
	while (d->nr_threads < want &&
	       !pthread_create(&d->threads[d->nr_threads], NULL, demangle_worker, d))
		d->nr_threads++;
	return d;
}

size_t elf_demangler__wait(struct elf_demangler *d, size_t want)
{
	if (want > d->n)
		want = d->n;
	while (d->ready < want) {
		size_t c = d->ready / DEMANGLE_CHUNK;

		if (__atomic_load_n(&d->done[c], __ATOMIC_ACQUIRE)) {
			d->ready = d->n - d->ready > DEMANGLE_CHUNK ? (c + 1) * DEMANGLE_CHUNK : d->n;
			continue;
		}
		/* Another thread has it: do one of the next meanwhile, or wait for them all. */
		if (demangle_one_chunk(d))
			continue;
		while (d->nr_threads)
			pthread_join(d->threads[--d->nr_threads], NULL);
		d->ready = d->n;
	}
	return d->ready;
}

void elf_demangler__finish(struct elf_demangler *d)
{
	if (!d)
		return;
	elf_demangler__wait(d, d->n);
	/*
	 * All chunks may be done while a thread still looks for another: it reads
	 * d until it is joined.
	 */
	while (d->nr_threads)
		pthread_join(d->threads[--d->nr_threads], NULL);
	free(d->done);
	free(d);
}

void elf_syms__demangle(struct elf_sym **syms, size_t n)
{
	elf_demangler__finish(elf_demangler__start(syms, n));
}

/* Debug files ---------------------------------------------------------------- */

void *elf_file__debug_elf(const struct elf_file *ef)
{
	const struct elf_priv *p = ef->priv;

	return p ? p->dbg_elf : NULL;
}

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* .gnu_debuglink: the file name and a CRC-32 of the debug file. */
static const char *read_debuglink(const struct elf_file *ef, uint32_t *crc)
{
	Elf_Scn *scn = elf_file__section(ef, ".gnu_debuglink");
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	size_t len;

	if (!d || !d->d_buf || d->d_size < 8)
		return NULL;
	len = strnlen(d->d_buf, d->d_size);
	if (!len || len == d->d_size || memchr(d->d_buf, '/', len))
		return NULL;
	len = (len + 4) & ~(size_t)3;
	if (len + 4 > d->d_size)
		return NULL;
	memcpy(crc, (const char *)d->d_buf + len, 4);
	return d->d_buf;
}

static bool crc_matches(const char *path, uint32_t want)
{
	unsigned char buf[65536];
	uLong crc = crc32(0, NULL, 0);
	struct stat st;
	ssize_t n;
	int fd;

	fd = open_regular_file(path, &st, NULL, 0);
	if (fd < 0)
		return false;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crc = crc32(crc, buf, n);
	close(fd);
	return n == 0 && (uint32_t)crc == want;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

char *find_debug_file(const struct elf_file *ef)
{
	const char *link, *slash;
	char *path, *dir, *real;
	uint32_t crc;

	if (ef->build_id[0] && ef->build_id[1] && ef->build_id[2]) {
		path = xasprintf(DEBUG_DIR "/.build-id/%.2s/%s.debug", ef->build_id, ef->build_id + 2);
		if (is_file(path))
			return path;
		free(path);
	}
	link = read_debuglink(ef, &crc);
	if (!link)
		return NULL;
	real = realpath(ef->path, NULL);
	if (!real)
		real = xstrdup(ef->path);
	slash = strrchr(real, '/');
	dir = slash ? xasprintf("%.*s", (int)(slash - real), real) : xstrdup(".");
	free(real);

	/* gdb's order: next to the file, in .debug/ beside it, under the global directory. */
	for (int i = 0; i < 3; i++) {
		if (i == 0)
			path = xasprintf("%s/%s", dir, link);
		else if (i == 1)
			path = xasprintf("%s/.debug/%s", dir, link);
		else
			path = xasprintf(DEBUG_DIR "%s/%s", dir, link);
		if (is_file(path) && !same_file(path, ef->path) && crc_matches(path, crc)) {
			free(dir);
			return path;
		}
		free(path);
	}
	free(dir);
	return NULL;
}

/* Patterns and names --------------------------------------------------------- */

bool pattern_is_glob(const char *pattern)
{
	return strpbrk(pattern, "*?[") != NULL;
}

static bool text_matches(const char *pattern, const char *text, bool glob, bool substring)
{
	if (glob)
		return !fnmatch(pattern, text, 0);
	return substring ? strstr(text, pattern) != NULL : !strcmp(pattern, text);
}

bool pattern_match_substring(const char *pattern, const char *name)
{
	return text_matches(pattern, name, pattern_is_glob(pattern), true);
}

const char *demangled_skip_return_type(const char *dm)
{
	const char *start = dm;
	int depth = 0;

	for (const char *p = dm; *p; p++) {
		if (*p == '<')
			depth++;
		else if (*p == '>')
			depth--;
		else if (*p == '(' && !depth)
			break;
		else if (*p == ' ' && !depth)
			start = p + 1;
	}
	return start;
}

/* "name@VER" / "name@@VER" (the default version), or the bare name when unversioned. */
static bool versioned_matches(const char *pattern, const struct elf_sym *s, bool glob,
			      bool substring)
{
	char *full;
	bool ret;

	if (!s->version)
		return text_matches(pattern, s->name, glob, substring);
	full = xasprintf("%.*s%s%s", (int)s->name_len, s->name, s->default_version ? "@@" : "@",
			 s->version);
	ret = text_matches(pattern, full, glob, substring);
	free(full);
	return ret;
}

bool elf_sym__matches(struct elf_sym *s, const char *pattern, unsigned int flags)
{
	bool glob = pattern_is_glob(pattern), substring = flags & SYM_MATCH_SUBSTRING;
	const char *dm, *name;
	size_t n;

	if (strchr(pattern, '@'))
		return versioned_matches(pattern, s, glob, substring);
	if (text_matches(pattern, s->name, glob, substring))
		return true;
	if ((flags & SYM_MATCH_NO_DEMANGLE) || s->name[0] != '_' || s->name[1] != 'Z')
		return false;
	dm = elf_sym__demangled(s);
	name = demangled_skip_return_type(dm);
	if (text_matches(pattern, dm, glob, substring) ||
	    (name != dm && text_matches(pattern, name, glob, substring)))
		return true;
	/* "shop::discount" names every shop::discount(...), not shop::discountx(). */
	n = strlen(pattern);
	return !glob && !substring && !strchr(pattern, '(') && !strncmp(name, pattern, n) &&
	       name[n] == '(';
}

char *demangle(const char *name)
{
	int status = 0;
	char *d;

	/* Most names are C; calling the demangler on them is the main cost. */
	if (name[0] != '_' || name[1] != 'Z')
		return NULL;
	pthread_once(&cxa_once, cxa_load);
	if (!cxa_demangle)
		return NULL;
	d = cxa_demangle(name, NULL, NULL, &status);
	if (status) {
		free(d);
		return NULL;
	}
	return d;
}
