// SPDX-License-Identifier: GPL-2.0
/*
 * upx list-syms: the symbols of an ELF file as a uprobe sees them (file
 * offset, type, version, demangled name), imports with the library that
 * defines them; with --usdt its USDT probes (SDT notes).  The front end of
 * core/symbols/elf.c and core/symbols/usdt.c.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "base/cmd.h"
#include "base/options.h"
#include "base/util.h"
#include "output/json.h"
#include "output/output.h"
#include "symbols/debuginfod.h"
#include "symbols/elf.h"
#include "symbols/usdt.h"
#include "target/imports.h"
#include "target/libsearch.h"
#include "target/proc.h"

static const char *const list_syms_usage[] = {
	"upx list-syms [options] BINARY [PATTERN]",
	"upx list-syms --usdt [-p PID] [BINARY] [PATTERN]",
	NULL,
};

static struct {
	bool all;
	bool defined;
	bool imported;
	bool no_demangle;
	bool usdt;
	long long pid;
	bool every_file;	/* --usdt -p PID without BINARY: a FILE column */
} opt;

static const struct upx_option list_syms_options[] = {
	OPT_BOOL('a', "all", &opt.all, "every symbol type, not only functions"),
	OPT_BOOL(0, "defined", &opt.defined, "only symbols the file defines"),
	OPT_BOOL(0, "imported", &opt.imported, "only symbols the file imports"),
	OPT_BOOL(0, "no-demangle", &opt.no_demangle, "show C++ names as they are in the file"),
	OPT_BOOL(0, "usdt", &opt.usdt, "the USDT probes (SDT notes) instead of the symbols"),
	OPT_CALLBACK('p', "pid", &opt.pid, "PID",
		     "with --usdt: the probes of every file process PID has mapped", opt_pid_cb),
	OPT_DEBUGINFOD(),
	OPT_JSON(),
	OPT_VERBOSE(),
	OPT_END(),
};

static const char *type_name(unsigned int type)
{
	static const char *const names[] = {
		[STT_NOTYPE] = "NOTYPE", [STT_OBJECT] = "OBJECT", [STT_FUNC] = "FUNC",
		[STT_SECTION] = "SECTION", [STT_FILE] = "FILE", [STT_COMMON] = "COMMON",
		[STT_TLS] = "TLS", [STT_GNU_IFUNC] = "IFUNC",
	};

	if (type < ARRAY_SIZE(names) && names[type])
		return names[type];
	return "OTHER";
}

static const char *bind_name(unsigned int bind)
{
	switch (bind) {
	case STB_LOCAL: return "LOCAL";
	case STB_GLOBAL: return "GLOBAL";
	case STB_WEAK: return "WEAK";
	case STB_GNU_UNIQUE: return "UNIQUE";
	}
	return "OTHER";
}

static bool is_function(const struct elf_sym *s)
{
	return s->type == STT_FUNC || s->type == STT_GNU_IFUNC;
}

/* "malloc@@GLIBC_2.2.5", or the bare name; in buf when versioned. */
static const char *full_name(const struct elf_sym *s, char **buf, size_t *alloc)
{
	size_t n, v;
	char *p;

	if (!s->version)
		return s->name;
	n = s->name_len;
	v = strlen(s->version);
	if (n + v + 3 > *alloc) {
		*alloc = (n + v + 3) * 2;
		*buf = xrealloc(*buf, *alloc);
	}
	p = mempcpy(*buf, s->name, n);
	p = mempcpy(p, s->default_version ? "@@" : "@", s->default_version ? 2 : 1);
	memcpy(p, s->version, v + 1);
	return *buf;
}

/*
 * The table goes out through one buffer, formatted by hand (printf's parsing
 * of the format was a sixth of the time for libLLVM's 45k rows), in chunks of
 * 64 KiB.
 */
struct out {
	size_t len;
	char buf[65536];
};

static void out_flush(struct out *o)
{
	if (o->len)
		fwrite(o->buf, 1, o->len, stdout);
	o->len = 0;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
	if (n > sizeof(o->buf) - o->len) {
		out_flush(o);
		if (n > sizeof(o->buf)) {
			fwrite(s, 1, n, stdout);
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void out_char(struct out *o, char c)
{
	if (o->len == sizeof(o->buf))
		out_flush(o);
	o->buf[o->len++] = c;
}

/* n (<= 0: none) copies of c */
static void out_fill(struct out *o, char c, long n)
{
	while (n > 0) {
		size_t k;

		if (o->len == sizeof(o->buf))
			out_flush(o);
		k = sizeof(o->buf) - o->len;
		if (k > (size_t)n)
			k = n;
		memset(o->buf + o->len, c, k);
		o->len += k;
		n -= k;
	}
}

/* s left-aligned in width columns: "%-*s" */
static void out_left(struct out *o, const char *s, size_t n, int width)
{
	out_mem(o, s, n);
	out_fill(o, ' ', (long)width - (long)n);
}

static int hex_digits(uint64_t v)
{
	return v ? (64 - __builtin_clzll(v) + 3) / 4 : 1;
}

static int dec_digits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Room for n (<= 4096) more bytes in o: where they go; o->len is then moved past them. */
static char *out_room(struct out *o, size_t n)
{
	if (sizeof(o->buf) - o->len < n)
		out_flush(o);
	return o->buf + o->len;
}

/* n spaces at p (none if n <= 0) */
static char *put_spaces(char *p, int n)
{
	for (; n > 0; n--)
		*p++ = ' ';
	return p;
}

/* "%-*s" (n <= 20, width <= 20) */
static char *put_left(char *p, const char *s, size_t n, int width)
{
	memcpy(p, s, n);
	return put_spaces(p + n, width - (int)n);
}

/* "%0*llx" (width <= 16) */
static char *put_hex_w(char *p, uint64_t v, int width)
{
	static const char digits[] = "0123456789abcdef";
	int n = hex_digits(v), i;

	for (i = n; i < width; i++)
		*p++ = '0';
	for (i = n - 1; i >= 0; i--, v >>= 4)
		p[i] = digits[v & 15];
	return p + n;
}

/* "%*llu" (width <= 20) */
static char *put_dec_w(char *p, uint64_t v, int width)
{
	int n = dec_digits(v), i;

	p = put_spaces(p, width - n);
	for (i = n - 1; i >= 0; i--, v /= 10)
		p[i] = '0' + v % 10;
	return p + n;
}

#define BYTES_1 0x0101010101010101ull
#define BYTES_80 0x8080808080808080ull

/* The high bit of a byte of the result is set if one of x's bytes is below c (c <= 0x80). */
static uint64_t bytes_below(uint64_t x, unsigned int c)
{
	return (x - BYTES_1 * c) & ~x & BYTES_80;
}

/* A control character, DEL, a backslash or a byte past ASCII: 8 bytes at a time. */
static bool needs_escape(const char *s, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x;

		memcpy(&x, s + i, 8);
		if (bytes_below(x, 0x20) | (x & BYTES_80) | bytes_below(x ^ (BYTES_1 * 0x7f), 1) |
		    bytes_below(x ^ (BYTES_1 * '\\'), 1))
			return true;
	}
	for (; i < n; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c >= 0x7f || c == '\\')
			return true;
	}
	return false;
}

/*
 * Names come from the file: anything a terminal could act on is escaped
 * (through stdio, after what o holds).
 */
static void out_name(struct out *o, const char *s, size_t n)
{
	if (needs_escape(s, n)) {
		out_flush(o);
		fputs_escaped(stdout, s, n);
	} else {
		out_mem(o, s, n);
	}
}

static const char *lib_name(const struct lib_entry *l)
{
	const char *slash = strrchr(l->soname, '/');

	return slash ? slash + 1 : l->soname;
}

static const char *where_name(const struct elf_sym *s, const struct import_def *d)
{
	/* A function symbol outside executable memory: upx trace refuses it. */
	if (s->defined && is_function(s) && !s->exec)
		return "noexec";
	if (s->defined)
		return "defined";
	return d->lib ? lib_name(d->lib) : "unresolved";
}

/* strlen() of "name@@version" */
static size_t full_name_len(const struct elf_sym *s)
{
	size_t n = s->name_len;

	if (s->version)
		n += strlen(s->version) + 1 + s->default_version;
	return n;
}

/*
 * One row per symbol; an import shows the offset, value, size and type of the
 * definition it binds to, and the library that has it under WHERE.  dm (NULL
 * with --no-demangle) demangles the rows meanwhile: a row's demangled name is
 * read once dm has it.
 */
static void print_table(struct elf_sym **rows, struct import_def *defs, size_t n,
			struct elf_demangler *dm)
{
	struct out *o = xmalloc(sizeof(*o));
	char *buf = NULL;
	size_t alloc = 0, i, *lens = xmalloc((n ? n : 1) * sizeof(*lens));
	int addr_w = 8, size_w = 4, where_w = 5, name_w = 4, w;
	bool any_demangled = false;
	size_t ready = 0;

	o->len = 0;
	for (i = 0; i < n; i++) {
		const struct elf_sym *d = rows[i]->defined ? rows[i] : defs[i].sym;

		if (d) {
			w = hex_digits(d->value);
			addr_w = w > addr_w ? w : addr_w;
			w = dec_digits(d->size);
			size_w = w > size_w ? w : size_w;
		}
		w = strlen(where_name(rows[i], &defs[i]));
		where_w = w > where_w ? w : where_w;
		lens[i] = full_name_len(rows[i]);
		w = lens[i] < 40 ? lens[i] : 40;
		name_w = w > name_w ? w : name_w;
	}
	/* The header has DEMANGLED if a row has: the first C++ name tells, as a rule. */
	for (i = 0; dm && i < n && !any_demangled; i++) {
		if (rows[i]->name[0] != '_' || rows[i]->name[1] != 'Z')
			continue;
		if (i >= ready)
			ready = elf_demangler__wait(dm, i + 1);
		any_demangled = elf_sym__demangled(rows[i]) != rows[i]->name;
	}
	printf("%-*s %-*s %*s %-6s %-6s %-*s %s%*s\n", addr_w, "OFFSET", addr_w, "VALUE", size_w,
	       "SIZE", "TYPE", "BIND", where_w, "WHERE", "NAME",
	       any_demangled ? name_w - 4 + 11 : 0, any_demangled ? "  DEMANGLED" : "");
	for (i = 0; i < n; i++) {
		struct elf_sym *s = rows[i];
		const struct elf_sym *d = s->defined ? s : defs[i].sym;
		const char *t, *dn;

		/* OFFSET to BIND: at most 16 + 16 + 20 hex and decimal digits, 7 + 6 letters. */
		char *p = out_room(o, 80);

		if (d && d->offset)
			p = put_hex_w(p, d->offset, addr_w);
		else
			p = put_left(p, "-", 1, addr_w);
		*p++ = ' ';
		if (d) {
			p = put_hex_w(p, d->value, addr_w);
			*p++ = ' ';
			p = put_dec_w(p, d->size, size_w);
		} else {
			p = put_left(p, "-", 1, addr_w);
			*p++ = ' ';
			p = put_spaces(p, size_w - 1);
			*p++ = '-';
		}
		*p++ = ' ';
		t = type_name(d ? d->type : s->type);
		p = put_left(p, t, strlen(t), 6);
		*p++ = ' ';
		t = bind_name(s->bind);
		p = put_left(p, t, strlen(t), 6);
		*p++ = ' ';
		o->len = p - o->buf;
		t = where_name(s, &defs[i]);
		out_left(o, t, strlen(t), where_w);
		out_char(o, ' ');
		if (s->version)
			out_name(o, full_name(s, &buf, &alloc), lens[i]);
		else
			out_name(o, s->name, lens[i]);
		if (dm && i >= ready)
			ready = elf_demangler__wait(dm, i + 1);
		if (dm && (dn = elf_sym__demangled(s)) != s->name) {
			out_fill(o, ' ', ((size_t)name_w > lens[i] ? name_w - lens[i] : 0) + 2);
			out_name(o, dn, strlen(dn));
		}
		out_char(o, '\n');
	}
	out_flush(o);
	free(lens);
	free(buf);
	free(o);
}

static void print_json(struct elf_file *ef, struct elf_sym **rows, struct import_def *defs,
		       size_t n, struct elf_demangler *dm)
{
	struct json_writer *jw;
	size_t i, ready = 0;

	/*
	 * The writer goes a character at a time through stdio, which locks the
	 * stream on every call once a thread exists; the demangling threads never
	 * touch stdio, so stdout is left unlocked while the document is written.
	 */
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
	jw = json_writer__new(stdout);

	json_object_start(jw);
	json_string_field(jw, "file", ef->path);
	json_string_field(jw, "build_id", ef->build_id[0] ? ef->build_id : NULL);
	json_bool_field(jw, "static", ef->is_static);
	json_bool_field(jw, "stripped", !ef->has_symtab && !ef->debug_path);
	json_string_field(jw, "debug_file", ef->debug_path);
	json_bool_field(jw, "minidebuginfo", ef->minidebug);
	json_name(jw, "symbols");
	json_array_start(jw);
	for (i = 0; i < n; i++) {
		struct elf_sym *s = rows[i];

		json_object_start(jw);
		json_string_field(jw, "name", s->name);
		json_string_field(jw, "version", s->version);
		json_bool_field(jw, "default_version", s->default_version);
		if (dm) {
			if (i >= ready)
				ready = elf_demangler__wait(dm, i + 1);
			json_string_field(jw, "demangled", elf_sym__demangled(s));
		}
		json_string_field(jw, "type", type_name(s->type));
		json_string_field(jw, "bind", bind_name(s->bind));
		json_bool_field(jw, "defined", s->defined);
		json_bool_field(jw, "dynamic", s->in_dynsym);
		json_bool_field(jw, "executable", s->exec);
		json_u64_field(jw, "value", s->value);
		json_u64_field(jw, "size", s->size);
		json_u64_field(jw, "offset", s->offset);
		if (!s->defined) {
			const struct import_def *d = &defs[i];

			json_name(jw, "defined_in");
			if (d->sym) {
				json_object_start(jw);
				json_string_field(jw, "file", d->lib->path);
				json_string_field(jw, "soname", d->lib->soname);
				json_string_field(jw, "version", d->sym->version);
				json_u64_field(jw, "value", d->sym->value);
				json_u64_field(jw, "size", d->sym->size);
				json_u64_field(jw, "offset", d->sym->offset);
				json_object_end(jw);
			} else {
				json_null(jw);
			}
		}
		json_object_end(jw);
	}
	json_array_end(jw);
	json_object_end(jw);
	json_writer__end_line(jw);
	json_writer__free(jw);
	__fsetlocking(stdout, FSETLOCKING_INTERNAL);
}

/* One file's USDT probes, read: its path as shown, and the notes. */
struct usdt_file {
	char *shown;
	struct usdt_notes notes;
};

static void print_usdt_arg_json(struct json_writer *jw, const struct usdt_arg *a)
{
	json_object_start(jw);
	json_u64_field(jw, "size", a->size);
	json_bool_field(jw, "signed", a->is_signed);
	json_string_field(jw, "kind", usdt_arg_kind_name(a->kind));
	if (a->kind == USDT_ARG_CONST) {
		json_s64_field(jw, "value", a->value);
	} else {
		json_string_field(jw, "reg", a->reg[0] ? a->reg : NULL);
	}
	if (a->kind == USDT_ARG_MEM) {
		json_s64_field(jw, "offset", a->value);
		json_string_field(jw, "index", a->index[0] ? a->index : NULL);
		json_u64_field(jw, "scale", a->scale);
		json_string_field(jw, "symbol", a->sym[0] ? a->sym : NULL);
	}
	json_object_end(jw);
}

static bool usdt_shown(const struct usdt_probe *p, const char *pattern)
{
	char full[512];

	if (!pattern)
		return true;
	snprintf(full, sizeof(full), "%s:%s", p->provider, p->name);
	return pattern_match_substring(pattern, p->name) || pattern_match_substring(pattern, full);
}

static void print_usdt_json(const struct usdt_file *files, size_t nr, const char *pattern)
{
	struct json_writer *jw = json_writer__new(stdout);

	json_object_start(jw);
	if (opt.pid > 0)
		json_s64_field(jw, "pid", opt.pid);
	json_name(jw, "files");
	json_array_start(jw);
	for (size_t f = 0; f < nr; f++) {
		const struct usdt_notes *n = &files[f].notes;

		json_object_start(jw);
		json_string_field(jw, "file", files[f].shown);
		json_name(jw, "probes");
		json_array_start(jw);
		for (size_t i = 0; i < n->nr; i++) {
			const struct usdt_probe *p = &n->probes[i];

			if (!usdt_shown(p, pattern))
				continue;
			json_object_start(jw);
			json_string_field(jw, "provider", p->provider);
			json_string_field(jw, "name", p->name);
			json_u64_field(jw, "address", p->pc);
			json_u64_field(jw, "offset", p->offset);
			json_u64_field(jw, "base", p->base);
			json_name(jw, "semaphore");
			if (p->semaphore)
				json_u64(jw, p->semaphore);
			else
				json_null(jw);
			json_name(jw, "semaphore_offset");
			if (p->semaphore)
				json_u64(jw, p->sema_offset);
			else
				json_null(jw);
			json_string_field(jw, "args", p->args);
			json_name(jw, "arguments");
			if (p->nr_args >= 0) {
				json_array_start(jw);
				for (int k = 0; k < p->nr_args; k++)
					print_usdt_arg_json(jw, &p->argv[k]);
				json_array_end(jw);
			} else {
				json_null(jw);
				json_string_field(jw, "args_error", p->args_err);
			}
			json_object_end(jw);
		}
		json_array_end(jw);
		json_object_end(jw);
	}
	json_array_end(jw);
	json_object_end(jw);
	json_writer__end_line(jw);
	json_writer__free(jw);
}

static void print_usdt_table(const struct usdt_file *files, size_t nr, const char *pattern)
{
	int prov_w = 8, name_w = 4, file_w = 4;

	for (size_t f = 0; f < nr; f++) {
		int w = strlen(files[f].shown);

		file_w = w > file_w ? w : file_w;
		for (size_t i = 0; i < files[f].notes.nr; i++) {
			const struct usdt_probe *p = &files[f].notes.probes[i];

			if (!usdt_shown(p, pattern))
				continue;
			w = strlen(p->provider);
			prov_w = w > prov_w ? w : prov_w;
			w = strlen(p->name);
			name_w = w > name_w ? w : name_w;
		}
	}
	if (opt.every_file)
		printf("%-*s ", file_w, "FILE");
	printf("%-*s %-*s %-16s %-16s %-16s %s\n", prov_w, "PROVIDER", name_w, "NAME", "ADDRESS",
	       "OFFSET", "SEMAPHORE", "ARGS");
	for (size_t f = 0; f < nr; f++)
		for (size_t i = 0; i < files[f].notes.nr; i++) {
			const struct usdt_probe *p = &files[f].notes.probes[i];
			char sema[20] = "-";

			if (!usdt_shown(p, pattern))
				continue;
			if (p->semaphore)
				snprintf(sema, sizeof(sema), "%016llx",
					 (unsigned long long)p->semaphore);
			if (opt.every_file) {
				fputs_escaped(stdout, files[f].shown, strlen(files[f].shown));
				printf("%*s ", file_w - (int)strlen(files[f].shown), "");
			}
			/* Names and specs come from the file: escaped. */
			fputs_escaped(stdout, p->provider, strlen(p->provider));
			printf("%*s ", prov_w - (int)strlen(p->provider), "");
			fputs_escaped(stdout, p->name, strlen(p->name));
			printf("%*s %016llx %016llx %-16s ", name_w - (int)strlen(p->name), "",
			       (unsigned long long)p->pc, (unsigned long long)p->offset, sema);
			fputs_escaped(stdout, p->args, strlen(p->args));
			putchar('\n');
		}
}

/* The files /proc/PID/maps lists, each once, as the process names them. */
static char **mapped_files(pid_t pid, size_t *nr)
{
	char path[64], *buf = NULL, *line, *save = NULL, **out = NULL;
	size_t len, alloc = 0;

	*nr = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if (read_file(path, &buf, &len))
		return NULL;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *file = strchr(line, '/');
		size_t k;

		if (!file || strstr(file, " (deleted)"))
			continue;
		for (k = 0; k < *nr && strcmp(out[k], file); k++)
			;
		if (k < *nr)
			continue;
		ALLOC_GROW(out, *nr + 1, alloc);
		out[(*nr)++] = xstrdup(file);
	}
	free(buf);
	return out;
}

static int list_usdt(int argc, const char **argv)
{
	const char *pattern = NULL;
	struct usdt_file *files = NULL;
	size_t nr = 0, alloc = 0;
	char err[512], **mapped = NULL;
	size_t nr_mapped = 0;
	int ret = UPX_EXIT_FAILURE;

	if (argc > 2)
		return usage_error("too many arguments");
	if (opt.pid <= 0 && argc < 1)
		return usage_error("which BINARY? (or -p PID)");
	if (opt.pid > 0 && proc_exists(opt.pid)) {
		error("no process %lld", opt.pid);
		return UPX_EXIT_FAILURE;
	}
	pattern = argc > 1 ? argv[1] : NULL;
	opt.every_file = argc < 1;
	if (argc >= 1) {
		mapped = xcalloc(1, sizeof(*mapped));
		mapped[0] = xstrdup(argv[0]);
		nr_mapped = 1;
	} else {
		mapped = mapped_files(opt.pid, &nr_mapped);
		if (!mapped) {
			error("cannot read the mappings of process %lld: %s", opt.pid,
			      strerror(errno));
			return UPX_EXIT_FAILURE;
		}
	}
	for (size_t i = 0; i < nr_mapped; i++) {
		struct usdt_file uf = {};
		char *path;

		if (opt.pid > 0)
			path = proc_find_mapped(opt.pid, mapped[i], err, sizeof(err));
		else
			path = resolve_target(mapped[i], err, sizeof(err));
		if (!path) {
			if (argc >= 1) {
				error("'%s': %s", mapped[i], err);
				goto cleanup;
			}
			continue; /* gone meanwhile, or not ours to read */
		}
		/* A path is shown as given, a name as the file it resolved to; -p: as mapped. */
		uf.shown = xstrdup(opt.pid > 0 && argc < 1 ? mapped[i] :
				   strchr(mapped[i], '/') ? mapped[i] : path);
		if (usdt_notes__read(path, &uf.notes, err, sizeof(err))) {
			free(path);
			if (argc >= 1) {
				error("'%s': %s", uf.shown, err);
				free(uf.shown);
				goto cleanup;
			}
			free(uf.shown);
			continue;
		}
		free(path);
		if (usdt_notes_missing(&uf.notes)) {
			if (argc >= 1) {
				error("'%s': %s", uf.shown, usdt_notes_missing(&uf.notes));
				free(uf.shown);
				goto cleanup;
			}
			free(uf.shown);
			continue;
		}
		ALLOC_GROW(files, nr + 1, alloc);
		files[nr++] = uf;
	}
	if (!nr) {
		error("process %lld has no file with USDT probes mapped", opt.pid);
		goto cleanup;
	}
	if (pattern) {
		bool any = false;

		for (size_t f = 0; f < nr; f++)
			for (size_t i = 0; i < files[f].notes.nr; i++)
				any |= usdt_shown(&files[f].notes.probes[i], pattern);
		if (!any) {
			error("'%s': no USDT probe matches '%s'", argc >= 1 ? files[0].shown :
			      "the process's files", pattern);
			goto cleanup;
		}
	}
	if (output_json())
		print_usdt_json(files, nr, pattern);
	else
		print_usdt_table(files, nr, pattern);
	ret = 0;
cleanup:
	for (size_t f = 0; f < nr; f++) {
		usdt_notes__free(&files[f].notes);
		free(files[f].shown);
	}
	free(files);
	for (size_t i = 0; i < nr_mapped; i++)
		free(mapped[i]);
	free(mapped);
	return ret;
}

static int cmd_list_syms(int argc, const char **argv)
{
	struct elf_file *ef = NULL;
	struct elf_sym **rows = NULL;
	struct import_def *defs = NULL;
	struct importer im = { 0 };
	struct elf_demangler *dm = NULL;
	const char *pattern;
	char err[256], *path = NULL;
	const char *shown;
	size_t nr = 0, alloc = 0, i;
	bool any_import = false;
	int ret = UPX_EXIT_FAILURE;

	argc = parse_options(argc, argv, list_syms_options, list_syms_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (opt.usdt)
		return list_usdt(argc, argv);
	if (opt.pid)
		return usage_error("-p goes with --usdt");
	if (argc < 1 || argc > 2)
		return usage_error(argc < 1 ? "which BINARY?" : "too many arguments");
	if (opt.defined && opt.imported)
		return usage_error("options '--defined' and '--imported' cannot be used together");
	pattern = argc > 1 ? argv[1] : NULL;

	path = resolve_target(argv[0], err, sizeof(err));
	if (!path) {
		error("'%s': %s", argv[0], err);
		goto cleanup;
	}
	/* A path is shown as given; a program or library name as the file it resolved to. */
	shown = strchr(argv[0], '/') ? argv[0] : path;
	if (elf_file__open(path, &ef, err, sizeof(err))) {
		error("'%s': %s", shown, err);
		goto cleanup;
	}
	ef->shown = shown;
	elf_file__load_syms(ef, 0);
	if (!ef->nr_syms && ef->syms_rejected) {
		error("'%s': no symbols (%s)", shown, ef->syms_rejected);
		goto cleanup;
	}
	if (!ef->nr_syms) {
		error("'%s': no symbols (stripped, and %s)", shown,
		      ef->debug_rejected ? "its debug file was rejected" : "no debug file found");
		goto cleanup;
	}
	if (!output_json()) {
		if (ef->is_static)
			note("'%s': statically linked: its own symbols, no imports", shown);
		/* A rejected debug file had its warning, which said .dynsym was used. */
		if (!ef->has_symtab && !ef->debug_path && !ef->debug_rejected && !ef->minidebug)
			note("'%s': stripped, no debug file found: .dynsym only", shown);
		if (ef->minidebug && upx_verbose)
			note("'%s': stripped, no debug file found: symbols from .dynsym and its "
			     "MiniDebugInfo (.gnu_debugdata)", shown);
		if (ef->debug_path && upx_verbose)
			note("'%s': symbols from the debug file '%s'", shown, ef->debug_path);
	}

	for (i = 0; i < ef->nr_syms; i++) {
		struct elf_sym *s = &ef->syms[i];

		if (!opt.all && !is_function(s))
			continue;
		if ((opt.defined && !s->defined) || (opt.imported && s->defined))
			continue;
		ALLOC_GROW(rows, nr + 1, alloc);
		rows[nr++] = s;
	}
	if (pattern) {
		size_t kept = 0;

		/* A C++ name is matched by its demangled form too: all at once, on threads. */
		if (!opt.no_demangle && !strchr(pattern, '@'))
			elf_syms__demangle(rows, nr);
		for (i = 0; i < nr; i++)
			if (elf_sym__matches(rows[i], pattern, SYM_MATCH_SUBSTRING |
					     (opt.no_demangle ? SYM_MATCH_NO_DEMANGLE : 0)))
				rows[kept++] = rows[i];
		nr = kept;
	}
	for (i = 0; i < nr; i++)
		any_import |= !rows[i]->defined;
	if (pattern && !nr) {
		error("'%s': no %ssymbol matches '%s'", shown, opt.all ? "" : "function ", pattern);
		goto cleanup;
	}

	/* Demangled while imports are resolved and rows go out (only the rows' names are read). */
	if (!opt.no_demangle)
		dm = elf_demangler__start(rows, nr);
	defs = xcalloc(nr ? nr : 1, sizeof(*defs));
	if (any_import && !ef->is_static) {
		char err[256];

		if (importer__init(&im, path, err, sizeof(err)) && upx_verbose && !output_json())
			note("'%s': imports left unresolved: %s", path, err);
		for (i = 0; i < nr; i++)
			if (!rows[i]->defined)
				defs[i] = importer__find(&im, rows[i]);
	}
	if (output_json())
		print_json(ef, rows, defs, nr, dm);
	else
		print_table(rows, defs, nr, dm);
	ret = 0;

cleanup:
	elf_demangler__finish(dm);
	importer__free(&im);
	free(defs);
	free(rows);
	elf_file__close(ef);
	free(path);
	return ret;
}

const struct upx_cmd upx_cmd_list_syms = {
	"list-syms",
	"list the symbols of an ELF file with the offsets uprobes use",
	cmd_list_syms,
	0,
	list_syms_options,
};
