// SPDX-License-Identifier: GPL-2.0
/*
 * upx list-syms: the symbols of an ELF file as a uprobe sees them (file
 * offset, type, version, demangled name), imports with the library that
 * defines them.  The front end of core/elf.c.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "elf.h"
#include "json.h"
#include "imports.h"
#include "libsearch.h"
#include "options.h"
#include "util.h"

static const char *const list_syms_usage[] = {
	"upx list-syms [options] BINARY [PATTERN]",
	NULL,
};

static struct {
	bool all;
	bool defined;
	bool imported;
	bool no_demangle;
} opt;

static const struct upx_option list_syms_options[] = {
	OPT_BOOL('a', "all", &opt.all, "every symbol type, not only functions"),
	OPT_BOOL(0, "defined", &opt.defined, "only symbols the file defines"),
	OPT_BOOL(0, "imported", &opt.imported, "only symbols the file imports"),
	OPT_BOOL(0, "no-demangle", &opt.no_demangle, "show C++ names as they are in the file"),
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
	size_t n;

	if (!s->version)
		return s->name;
	n = strlen(s->name) + strlen(s->version) + 3;
	if (n > *alloc) {
		*alloc = n * 2;
		*buf = xrealloc(*buf, *alloc);
	}
	snprintf(*buf, *alloc, "%s%s%s", s->name, s->default_version ? "@@" : "@", s->version);
	return *buf;
}

static bool pattern_matches(const char *pattern, struct elf_sym *s, char **buf, size_t *alloc)
{
	/* "malloc@@GLIBC*" matches the versioned name. */
	if (strchr(pattern, '@'))
		return pattern_match_substring(pattern, full_name(s, buf, alloc));
	if (pattern_match_substring(pattern, s->name))
		return true;
	return !opt.no_demangle && s->name[0] == '_' && s->name[1] == 'Z' &&
	       pattern_match_substring(pattern, elf_sym__demangled(s));
}

/* Names come from the file: anything a terminal could act on is escaped. */
static void put_name(const char *s, FILE *f)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '\\')
			break;
	if (*p)
		fputs_escaped(f, s, -1);
	else
		fputs(s, f);
}

static const char *lib_name(const struct lib_entry *l)
{
	const char *slash = strrchr(l->soname, '/');

	return slash ? slash + 1 : l->soname;
}

static const char *where_name(const struct elf_sym *s, const struct import_def *d)
{
	if (s->defined)
		return "defined";
	return d->lib ? lib_name(d->lib) : "unresolved";
}

/*
 * One row per symbol; an import shows the offset, value, size and type of the
 * definition it binds to, and the library that has it under WHERE.
 */
static void print_table(struct elf_sym **rows, struct import_def *defs, size_t n)
{
	char *buf = NULL, tmp[32];
	size_t alloc = 0, i;
	int addr_w = 8, size_w = 4, where_w = 5, name_w = 4, w;
	bool any_demangled = false;

	for (i = 0; i < n; i++) {
		const struct elf_sym *d = rows[i]->defined ? rows[i] : defs[i].sym;

		if (d) {
			w = snprintf(tmp, sizeof(tmp), "%llx", (unsigned long long)d->value);
			addr_w = w > addr_w ? w : addr_w;
			w = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)d->size);
			size_w = w > size_w ? w : size_w;
		}
		w = strlen(where_name(rows[i], &defs[i]));
		where_w = w > where_w ? w : where_w;
		w = strlen(full_name(rows[i], &buf, &alloc));
		if (w > name_w)
			name_w = w < 40 ? w : 40;
		if (!opt.no_demangle && elf_sym__demangled(rows[i]) != rows[i]->name)
			any_demangled = true;
	}
	printf("%-*s %-*s %*s %-6s %-6s %-*s %s%*s\n", addr_w, "OFFSET", addr_w, "VALUE", size_w,
	       "SIZE", "TYPE", "BIND", where_w, "WHERE", "NAME",
	       any_demangled ? name_w - 4 + 11 : 0, any_demangled ? "  DEMANGLED" : "");
	for (i = 0; i < n; i++) {
		struct elf_sym *s = rows[i];
		const struct elf_sym *d = s->defined ? s : defs[i].sym;
		const char *name = full_name(s, &buf, &alloc);

		if (d && d->offset)
			printf("%0*llx ", addr_w, (unsigned long long)d->offset);
		else
			printf("%-*s ", addr_w, "-");
		if (d)
			printf("%0*llx %*llu ", addr_w, (unsigned long long)d->value, size_w,
			       (unsigned long long)d->size);
		else
			printf("%-*s %*s ", addr_w, "-", size_w, "-");
		printf("%-6s %-6s %-*s ", type_name(d ? d->type : s->type), bind_name(s->bind),
		       where_w, where_name(s, &defs[i]));
		put_name(name, stdout);
		if (!opt.no_demangle && elf_sym__demangled(s) != s->name) {
			printf("%*s  ", name_w - (int)strlen(name) > 0 ? name_w - (int)strlen(name) : 0,
			       "");
			put_name(elf_sym__demangled(s), stdout);
		}
		putchar('\n');
	}
	free(buf);
}

static void print_json(struct elf_file *ef, struct elf_sym **rows, struct import_def *defs,
		       size_t n)
{
	struct json_writer *jw = json_writer__new(stdout);
	size_t i;

	json_object_start(jw);
	json_string_field(jw, "file", ef->path);
	json_string_field(jw, "build_id", ef->build_id[0] ? ef->build_id : NULL);
	json_bool_field(jw, "static", ef->is_static);
	json_bool_field(jw, "stripped", !ef->has_symtab && !ef->debug_path);
	json_string_field(jw, "debug_file", ef->debug_path);
	json_name(jw, "symbols");
	json_array_start(jw);
	for (i = 0; i < n; i++) {
		struct elf_sym *s = rows[i];

		json_object_start(jw);
		json_string_field(jw, "name", s->name);
		json_string_field(jw, "version", s->version);
		json_bool_field(jw, "default_version", s->default_version);
		if (!opt.no_demangle)
			json_string_field(jw, "demangled", elf_sym__demangled(s));
		json_string_field(jw, "type", type_name(s->type));
		json_string_field(jw, "bind", bind_name(s->bind));
		json_bool_field(jw, "defined", s->defined);
		json_bool_field(jw, "dynamic", s->in_dynsym);
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
}

static int cmd_list_syms(int argc, const char **argv)
{
	struct elf_file *ef = NULL;
	struct elf_sym **rows = NULL;
	struct import_def *defs = NULL;
	struct importer im = { 0 };
	const char *pattern;
	char err[256], *path = NULL, *buf = NULL;
	const char *shown;
	size_t nr = 0, alloc = 0, balloc = 0, i;
	bool any_import = false;
	int ret = UPX_EXIT_FAILURE;

	argc = parse_options(argc, argv, list_syms_options, list_syms_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
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
	if (!upx_json_mode) {
		if (ef->is_static)
			note("'%s': statically linked: its own symbols, no imports", shown);
		/* A rejected debug file had its warning, which said .dynsym was used. */
		if (!ef->has_symtab && !ef->debug_path && !ef->debug_rejected)
			note("'%s': stripped, no debug file found: .dynsym only", shown);
		if (ef->debug_path && upx_verbose)
			note("'%s': symbols from the debug file '%s'", shown, ef->debug_path);
	}

	for (i = 0; i < ef->nr_syms; i++) {
		struct elf_sym *s = &ef->syms[i];

		if (!opt.all && !is_function(s))
			continue;
		if ((opt.defined && !s->defined) || (opt.imported && s->defined))
			continue;
		if (pattern && !pattern_matches(pattern, s, &buf, &balloc))
			continue;
		ALLOC_GROW(rows, nr + 1, alloc);
		rows[nr++] = s;
		any_import |= !s->defined;
	}
	if (pattern && !nr) {
		error("'%s': no %ssymbol matches '%s'", shown, opt.all ? "" : "function ", pattern);
		goto cleanup;
	}

	defs = xcalloc(nr ? nr : 1, sizeof(*defs));
	if (any_import && !ef->is_static) {
		char err[256];

		if (importer__init(&im, path, err, sizeof(err)) && upx_verbose && !upx_json_mode)
			note("'%s': imports left unresolved: %s", path, err);
		for (i = 0; i < nr; i++)
			if (!rows[i]->defined)
				defs[i] = importer__find(&im, rows[i]);
	}
	if (upx_json_mode)
		print_json(ef, rows, defs, nr);
	else
		print_table(rows, defs, nr);
	ret = 0;

cleanup:
	importer__free(&im);
	free(defs);
	free(rows);
	free(buf);
	elf_file__close(ef);
	free(path);
	return ret;
}

const struct upx_cmd upx_cmd_list_syms = {
	"list-syms",
	"list the symbols of an ELF file with the offsets uprobes use",
	cmd_list_syms,
	0,
};
