// SPDX-License-Identifier: GPL-2.0
/*
 * Python frames, user side: interpreter files and their versions, the code
 * objects the probe sent, and a frame's function, file and line (the 3.11+
 * location table, CPython's Objects/locations.md; 3.10's line table, its
 * Objects/lnotab_notes.txt).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gelf.h>

#include "base/cmd.h"
#include "base/usage.h"
#include "base/util.h"
#include "stack/python.h"
#include "symbols/elf.h"
#include "target/libsearch.h"

/* A file checked: by device and inode. */
struct py_file {
	dev_t dev;
	ino_t ino;
	int verdict;		/* python__check_file()'s */
	struct stack_py_file f;
	char *why;
};

struct py_code {
	pid_t pid;
	uint64_t code;
	uint32_t ident;
	int firstlineno;
	char *name, *file;
	uint8_t *table;
	size_t table_len;
	bool table_310;		/* 3.10's format */
	struct py_code *next;
};

#define PY_CODE_BUCKETS 4096

struct python {
	struct py_file *files;
	size_t nr_files, alloc_files;
	struct py_code *codes[PY_CODE_BUCKETS];
};

struct python *python__new(void)
{
	return xcalloc(1, sizeof(struct python));
}

void python__free(struct python *py)
{
	if (!py)
		return;
	for (size_t i = 0; i < py->nr_files; i++)
		free(py->files[i].why);
	free(py->files);
	for (size_t b = 0; b < PY_CODE_BUCKETS; b++)
		for (struct py_code *c = py->codes[b], *next; c; c = next) {
			next = c->next;
			free(c->name);
			free(c->file);
			free(c->table);
			free(c);
		}
	free(py);
}

/* The first PT_LOAD's page-aligned p_vaddr: what is mapped at a mapping of pgoff 0. */
static int first_load_vaddr(struct elf_file *ef, __u64 *out)
{
	size_t n;

	if (elf_getphdrnum(ef->elf, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(ef->elf, i, &ph) && ph.p_type == PT_LOAD) {
			*out = (ph.p_vaddr - ph.p_offset) & ~4095ULL;
			return 0;
		}
	}
	return -1;
}

/* The verdict on an ELF file (see python__check_file()). */
static int check_elf(const char *path, struct stack_py_file *f, char **why)
{
	struct elf_file *ef;
	struct elf_sym *rt, *ver, *eval;
	uint64_t off;
	uint32_t version;
	int ret = 0;

	if (elf_file__open(path, &ef, NULL, 0))
		return 0;
	if (elf_file__load_syms(ef, ELF_SYMS_DYNSYM_ONLY | ELF_SYMS_NO_DEBUG_FILE))
		goto out;
	rt = elf_file__find_def(ef, "_PyRuntime", NULL);
	eval = elf_file__find_def(ef, "_PyEval_EvalFrameDefault", NULL);
	if (!rt || !rt->defined || !eval || !eval->defined)
		goto out;
	ver = elf_file__find_def(ef, "Py_Version", NULL);
	ret = -1;
	if (!ver || !ver->defined) {
		/*
		 * Py_Version came with 3.11; PyAIter_Check with 3.10, whose
		 * micro version is not in the file as a number
		 */
		struct elf_sym *aiter = elf_file__find_def(ef, "PyAIter_Check", NULL);

		if (!aiter || !aiter->defined) {
			*why = xstrdup("CPython older than 3.10 (no Py_Version, no PyAIter_Check)");
			goto out;
		}
		version = 0x030a0000;
	} else if (elf_file__vaddr_to_offset(ef, ver->value, &off) ||
		   elf_file__read(ef, off, &version, sizeof(version)) != sizeof(version)) {
		*why = xstrdup("CPython whose Py_Version cannot be read");
		goto out;
	}
	for (size_t i = 0; i < python_nr_tables; i++)
		if (python_tables[i].version >> 16 == version >> 16) {
			/* no version_addr: the probe takes the file's word (3.10) */
			*f = (struct stack_py_file){ .table = i, .runtime = rt->value,
						     .version_addr = ver ? ver->value : 0,
						     .version = version };
			if (!first_load_vaddr(ef, &f->load_vaddr))
				ret = 1;
		}
	if (ret < 0)
		*why = xasprintf("CPython %u.%u.%u (Py_Version 0x%08x)", version >> 24,
				 (version >> 16) & 0xff, (version >> 8) & 0xff, version);
out:
	elf_file__close(ef);
	return ret;
}

/* python__check_file() of path, named as shown in a warning */
static int check_file(struct python *py, const char *path, const char *shown,
		      struct stack_py_file *f, const char **why)
{
	struct py_file *pf = NULL;
	struct stat st;

	*why = NULL;
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	for (size_t i = 0; i < py->nr_files; i++)
		if (py->files[i].dev == st.st_dev && py->files[i].ino == st.st_ino)
			pf = &py->files[i];
	if (!pf) {
		ALLOC_GROW(py->files, py->nr_files + 1, py->alloc_files);
		pf = &py->files[py->nr_files++];
		*pf = (struct py_file){ .dev = st.st_dev, .ino = st.st_ino };
		pf->verdict = check_elf(path, &pf->f, &pf->why);
		pf->f.dev = major(st.st_dev) << 20 | minor(st.st_dev);
		pf->f.ino = st.st_ino;
		if (pf->verdict < 0)
			warning("'%s': %s: upx has no structure offsets for it: its stacks show "
				"native frames only", shown, pf->why);
	}
	*f = pf->f;
	*why = pf->why;
	return pf->verdict;
}

int python__check_file(struct python *py, const char *path, struct stack_py_file *f,
		       const char **why)
{
	return check_file(py, path, path, f, why);
}

/*
 * python__check_file() of a process's mapping: a file checked before by
 * its device and inode, else that very inode opened as the process maps it
 * while it lives, or (a process that exited right after its first call,
 * before its snapshot was read; its pid reused) by the kernel's path.
 */
static int check_mapping(struct python *py, pid_t pid, const struct sym_snap_map *m,
			 struct stack_py_file *f, const char **why)
{
	char path[64];
	bool deleted;
	int fd, ret;

	for (size_t i = 0; i < py->nr_files; i++)
		if (py->files[i].dev == makedev(m->major, m->minor) && py->files[i].ino == m->ino) {
			*f = py->files[i].f;
			*why = py->files[i].why;
			return py->files[i].verdict;
		}
	fd = sym_snap_open(pid, m, &deleted, NULL);
	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = check_file(py, path, m->path, f, why);
	close(fd);
	return ret;
}

static void add_file(struct python *py, struct stack_config *cfg, const char *path)
{
	struct stack_py_file f;
	const char *why;

	if (python__check_file(py, path, &f, &why) <= 0)
		return;
	for (size_t i = 0; i < cfg->nr_py_files; i++)
		if (cfg->py_files[i].dev == f.dev && cfg->py_files[i].ino == f.ino)
			return;
	if (cfg->nr_py_files >= STACK_PY_FILES)
		return;
	cfg->py_files[cfg->nr_py_files++] = f;
	if (upx_verbose)
		note("stacks: Python frames of '%s' (CPython %u.%u) from a process's first event",
		     path, f.version >> 24, (f.version >> 16) & 0xff);
}

void python__configure(struct python *py, struct stack_config *cfg, const char *cmd, pid_t pid)
{
	char err[256];

	cfg->python = 1;
	for (size_t i = 0; i < python_nr_tables && i < STACK_PY_VERSIONS; i++)
		cfg->py[i] = python_tables[i];
	if (cmd) {
		char *path = strchr(cmd, '/') ? xstrdup(cmd) : resolve_program(cmd);
		struct lib_deps *deps;

		if (path) {
			add_file(py, cfg, path);
			if (!lib_deps__load(path, &deps, err, sizeof(err))) {
				for (size_t i = 0; i < deps->nr; i++)
					if (deps->libs[i].path)
						add_file(py, cfg, deps->libs[i].path);
				lib_deps__free(deps);
			}
		}
		free(path);
	}
	if (pid > 0) {
		char maps[64], line[4096];
		FILE *f;

		snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
		f = fopen(maps, "re");
		while (f && fgets(line, sizeof(line), f)) {
			unsigned long long start, end;
			char *p = strchr(line, '/'), file[128];

			line[strcspn(line, "\n")] = '\0';
			if (!p || sscanf(line, "%llx-%llx", &start, &end) != 2)
				continue;
			/* the file as the process maps it, whatever its root */
			snprintf(file, sizeof(file), "/proc/%d/map_files/%llx-%llx", (int)pid, start,
				 end);
			add_file(py, cfg, file);
		}
		if (f)
			fclose(f);
	}
}

ssize_t python__find_runtime(struct python *py, pid_t pid, const struct sym_snap_map *maps,
			     size_t n, struct stack_py_proc *out, struct stack_py_file *file)
{
	for (size_t i = 0; i < n; i++) {
		struct stack_py_file f;
		const char *why;

		if (maps[i].pgoff || !maps[i].path || check_mapping(py, pid, &maps[i], &f, &why) <= 0)
			continue;
		*out = (struct stack_py_proc){ .runtime = maps[i].start - f.load_vaddr + f.runtime,
					       .table = f.table };
		*file = f;
		return (ssize_t)i;
	}
	return -1;
}

/* A str object's bytes (kind: 1, 2 or 4 bytes a character) as UTF-8, "..." after a cut. */
static char *str_utf8(const char *b, size_t len, unsigned int kind, bool cut)
{
	char *s = xmalloc(len * 4 + 4), *o = s;

	if (kind != 1 && kind != 2 && kind != 4)
		kind = 1;
	for (size_t i = 0; i + kind <= len; i += kind) {
		uint32_t c = 0;

		memcpy(&c, b + i, kind);	/* little-endian */
		if (c < 0x80) {
			*o++ = c;
		} else if (c < 0x800) {
			*o++ = 0xc0 | c >> 6;
			*o++ = 0x80 | (c & 0x3f);
		} else if (c < 0x10000) {
			*o++ = 0xe0 | c >> 12;
			*o++ = 0x80 | ((c >> 6) & 0x3f);
			*o++ = 0x80 | (c & 0x3f);
		} else {
			*o++ = 0xf0 | (c >> 18 & 7);
			*o++ = 0x80 | ((c >> 12) & 0x3f);
			*o++ = 0x80 | ((c >> 6) & 0x3f);
			*o++ = 0x80 | (c & 0x3f);
		}
	}
	if (cut)
		o = stpcpy(o, "...");
	*o = '\0';
	return s;
}

static size_t code_bucket(pid_t pid, uint64_t code, uint32_t ident)
{
	uint64_t h = (code >> 4) * 0x9e3779b97f4a7c15ULL ^ ident ^ (uint64_t)pid << 20;

	return (h ^ h >> 32) & (PY_CODE_BUCKETS - 1);
}

static struct py_code *code_find(struct python *py, pid_t pid, uint64_t code, uint32_t ident)
{
	for (struct py_code *c = py->codes[code_bucket(pid, code, ident)]; c; c = c->next)
		if (c->pid == pid && c->code == code && c->ident == ident)
			return c;
	return NULL;
}

bool python__code_record(struct python *py, const void *data, size_t size)
{
	const struct stack_py_code_rec *r = data;
	struct py_code *c;
	size_t b;

	if (!py || size != sizeof(*r) || r->kind != STACK_REC_PYCODE)
		return true;
	if (code_find(py, r->tgid, r->code, r->ident))
		return true;
	if (r->flags & STACK_PY_UNREAD)
		return true;	/* its frames show as unknown code */
	c = xcalloc(1, sizeof(*c));
	c->pid = r->tgid;
	c->code = r->code;
	c->ident = r->ident;
	c->firstlineno = r->firstlineno;
	c->name = str_utf8(r->name, r->name_len < sizeof(r->name) ? r->name_len : sizeof(r->name),
			   r->name_kind, r->flags & STACK_PY_NAME_CUT);
	c->file = str_utf8(r->file, r->file_len < sizeof(r->file) ? r->file_len : sizeof(r->file),
			   r->file_kind, r->flags & STACK_PY_FILE_CUT);
	c->table_len = r->table_len < sizeof(r->table) ? r->table_len : sizeof(r->table);
	c->table_310 = r->flags & STACK_PY_TABLE_310;
	c->table = xmalloc(c->table_len + 1);
	memcpy(c->table, r->table, c->table_len);
	b = code_bucket(c->pid, c->code, c->ident);
	c->next = py->codes[b];
	py->codes[b] = c;
	return true;
}

/* A varint of the location table: 6 bits a byte, 0x40 says more follow. */
static unsigned int varint(const uint8_t *t, size_t len, size_t *i)
{
	unsigned int v = 0, shift = 0;
	uint8_t b;

	do {
		if (*i >= len)
			return v;
		b = t[(*i)++];
		v |= (unsigned int)(b & 0x3f) << shift;
		shift += 6;
	} while ((b & 0x40) && shift < 32);
	return v;
}

static int svarint(const uint8_t *t, size_t len, size_t *i)
{
	unsigned int v = varint(t, len, i);

	return v & 1 ? -(int)(v >> 1) : (int)(v >> 1);
}

int python_line(const uint8_t *t, size_t len, int firstlineno, int lasti)
{
	int line = firstlineno, addr = 0;
	size_t i = 0;

	if (lasti < 0)
		return firstlineno;
	while (i < len) {
		uint8_t first = t[i++];
		int code = (first >> 3) & 15, units = (first & 7) + 1, delta = 0;
		bool none = false;

		if (!(first & 0x80))
			return 0;	/* not at an entry's start: a table upx does not read */
		switch (code) {
		case 15:	/* no location */
			none = true;
			break;
		case 14:	/* long form: line delta, end line delta, columns */
			delta = svarint(t, len, &i);
			varint(t, len, &i);
			varint(t, len, &i);
			varint(t, len, &i);
			break;
		case 13:	/* no column */
			delta = svarint(t, len, &i);
			break;
		case 12: case 11: case 10:	/* one line: delta code - 10, two column bytes */
			delta = code - 10;
			i += 2;
			break;
		default:	/* short form: same line, one column byte */
			i += 1;
			break;
		}
		line += delta;
		if (lasti < addr + units)
			return none ? 0 : line;
		addr += units;
	}
	return 0;
}

int python_line_310(const uint8_t *t, size_t len, int firstlineno, int lasti)
{
	int line = firstlineno, at = -1, addr = 0;

	if (lasti < 0)
		return firstlineno;
	/* (bytes of bytecode, line delta) pairs; -128: no line; empty ranges add up */
	for (size_t i = 0; i + 1 < len; i += 2) {
		int8_t delta = t[i + 1];

		if (delta == -128) {
			at = 0;
		} else {
			line += delta;
			at = line;
		}
		addr += t[i];
		if (t[i] && lasti * 2 < addr)
			return at;
	}
	return 0;
}

void python__frame(struct python *py, pid_t pid, const struct stack_py_frame *f,
		   struct py_frame *out)
{
	struct py_code *c = code_find(py, pid, f->code, f->ident);
	int lasti = (int)(f->at >> 2) - 1;

	*out = (struct py_frame){ .code = f->code };
	if (!c)
		return;
	out->function = c->name;
	out->file = c->file;
	out->line = (c->table_310 ? python_line_310 : python_line)(c->table, c->table_len,
								  c->firstlineno, lasti);
}
