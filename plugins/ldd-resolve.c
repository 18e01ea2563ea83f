// SPDX-License-Identifier: GPL-2.0
/*
 * upx ldd-resolve: the shared libraries a program or library loads, found the
 * way ld.so finds them but without running anything.  The front end of
 * core/target/libsearch.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cmd.h"
#include "base/options.h"
#include "base/util.h"
#include "output/json.h"
#include "output/output.h"
#include "target/libsearch.h"

static const char *const ldd_resolve_usage[] = {
	"upx ldd-resolve [options] BINARY|SONAME...",
	NULL,
};

static struct {
	bool tree;
	bool how;
} opt;

static const struct upx_option ldd_resolve_options[] = {
	OPT_BOOL('t', "tree", &opt.tree, "show which object needs which library"),
	OPT_BOOL(0, "how", &opt.how, "say how each library was found (rpath, runpath, cache, ...)"),
	OPT_JSON(),
	OPT_END(),
};

/* One argument, resolved. */
struct target {
	const char *arg;
	char *path;	   /* the file examined */
	const char *found; /* "argument", "PATH", or how a soname was found */
	bool soname;	   /* the argument was a library name */
};

static int target_resolve(struct target *t, const char *arg)
{
	enum lib_how how;

	memset(t, 0, sizeof(*t));
	t->arg = arg;
	if (!*arg)
		return -1;
	if (strchr(arg, '/')) {
		t->path = xstrdup(arg);
		t->found = "argument";
		return 0;
	}
	t->path = resolve_program(arg);
	if (t->path) {
		t->found = "PATH";
		return 0;
	}
	t->path = resolve_soname(arg, &how);
	if (t->path) {
		t->found = lib_how_name(how);
		t->soname = true;
		return 0;
	}
	return -1;
}

static void print_entry(const struct lib_entry *e, int indent, const char *suffix)
{
	for (int i = 0; i < indent; i++)
		putchar('\t');
	if (e->how == LIB_HOW_INTERP || (e->path && !strcmp(e->soname, e->path))) {
		/* Like ldd: ld.so by its PT_INTERP name, a DT_NEEDED path as it is. */
		fputs_escaped(stdout, e->path, -1);
	} else {
		fputs_escaped(stdout, e->soname, -1);
		fputs(" => ", stdout);
		fputs_escaped(stdout, e->path ? e->path : "not found", -1);
	}
	if (opt.how && e->how != LIB_HOW_NOT_FOUND)
		printf(" (%s)", lib_how_name(e->how));
	printf("%s\n", suffix);
}

static void print_tree(const struct lib_deps *d, const int *needs, size_t nr, int depth,
		       bool *shown)
{
	for (size_t i = 0; i < nr; i++) {
		const struct lib_entry *e = &d->libs[needs[i]];
		bool again = shown[needs[i]];

		print_entry(e, depth, again && e->nr_needs ? " (see above)" : "");
		if (again)
			continue;
		shown[needs[i]] = true;
		print_tree(d, e->needs, e->nr_needs, depth + 1, shown);
	}
}

static void print_text(const struct target *t, const struct lib_deps *d, bool header)
{
	if (t->soname) {
		fputs_escaped(stdout, t->arg, -1);
		fputs(" => ", stdout);
		fputs_escaped(stdout, t->path, -1);
		printf(" (%s)\n", t->found);
	} else if (header || opt.tree) {
		fputs_escaped(stdout, t->path, -1);
		printf("%s\n", opt.tree ? "" : ":");
	}
	if (d->is_static) {
		printf("\tstatically linked\n");
		return;
	}
	if (opt.tree) {
		bool *shown = xcalloc(d->nr + 1, sizeof(*shown));

		print_tree(d, d->needs, d->nr_needs, 1, shown);
		free(shown);
		return;
	}
	for (size_t i = 0; i < d->nr; i++)
		print_entry(&d->libs[i], 1, "");
}

static void print_json(struct json_writer *jw, const struct target *t, const struct lib_deps *d)
{
	json_object_start(jw);
	json_string_field(jw, "target", t->arg);
	json_string_field(jw, "path", t->path);
	json_string_field(jw, "found_by", t->found);
	json_string_field(jw, "interp", d->interp);
	json_bool_field(jw, "static", d->is_static);
	json_name(jw, "needs");
	json_array_start(jw);
	for (size_t i = 0; i < d->nr_needs; i++)
		json_s64(jw, d->needs[i]);
	json_array_end(jw);
	json_name(jw, "libs");
	json_array_start(jw);
	for (size_t i = 0; i < d->nr; i++) {
		const struct lib_entry *e = &d->libs[i];

		json_object_start(jw);
		json_string_field(jw, "soname", e->soname);
		json_string_field(jw, "path", e->path);
		json_string_field(jw, "how", lib_how_name(e->how));
		json_s64_field(jw, "depth", e->depth);
		json_s64_field(jw, "parent", e->parent);
		json_name(jw, "needs");
		json_array_start(jw);
		for (size_t k = 0; k < e->nr_needs; k++)
			json_s64(jw, e->needs[k]);
		json_array_end(jw);
		json_object_end(jw);
	}
	json_array_end(jw);
	json_object_end(jw);
}

/* Reports a failed argument: an error line, or an element of the JSON array. */
static int report(struct json_writer *jw, const char *arg, const char *cause)
{
	if (jw) {
		json_object_start(jw);
		json_string_field(jw, "target", arg);
		json_string_field(jw, "error", cause);
		json_object_end(jw);
		return -1;
	}
	return error("'%s': %s", arg, cause);
}

static int cmd_ldd_resolve(int argc, const char **argv)
{
	struct json_writer *jw = NULL;
	int ret = 0;

	argc = parse_options(argc, argv, ldd_resolve_options, ldd_resolve_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc < 1)
		return usage_error("which program or library? (BINARY|SONAME)");

	/* Several arguments in JSON mode make one array, errors included. */
	if (output_json() && argc > 1) {
		jw = json_writer__new(stdout);
		json_array_start(jw);
	}
	for (int i = 0; i < argc; i++) {
		struct lib_deps *d = NULL;
		struct target t;
		char err[512];

		if (target_resolve(&t, argv[i])) {
			ret |= report(jw, argv[i],
				      *argv[i] ? "no such file, program in PATH or library"
					       : "empty name");
			continue;
		}
		if (lib_deps__load(t.path, &d, err, sizeof(err))) {
			ret |= report(jw, t.soname ? t.path : argv[i], err);
			free(t.path);
			continue;
		}
		if (jw) {
			print_json(jw, &t, d);
		} else if (output_json()) {
			struct json_writer *one = json_writer__new(stdout);

			print_json(one, &t, d);
			json_writer__end_line(one);
			json_writer__free(one);
		} else {
			print_text(&t, d, argc > 1);
		}
		lib_deps__free(d);
		free(t.path);
	}
	if (jw) {
		json_array_end(jw);
		json_writer__end_line(jw);
		json_writer__free(jw);
	}
	return ret ? UPX_EXIT_FAILURE : 0;
}

const struct upx_cmd upx_cmd_ldd_resolve = {
	"ldd-resolve",
	"list the shared libraries a program loads, found as ld.so finds them",
	cmd_ldd_resolve,
	0,
	ldd_resolve_options,
};
