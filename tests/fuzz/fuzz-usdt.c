// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the USDT note reader and argument spec parser (core/symbols/usdt.c), as list-syms --usdt and
 * trace's usdt: specs use them.  Input, by its first bytes:
 *   "\x7fELF..."   an ELF file: every note of .note.stapsdt read, each site's
 *                  problem and parameters worked out
 *   "N" or "n"     one note's descriptor after it (64-bit addresses after "N", 32-bit after "n")
 *   anything else  an argument spec ("-4@%edi 8@-8(%rbp) 4@$5"), and each argument alone
 * Seeds: tests/fuzz/corpus/usdt (tests/fuzz/make-seeds.sh).
 *   make fuzz-usdt  (one target of tests/fuzz/fuzz.mk)
 */
#include <elf.h>
#include <string.h>

#include "fuzz.h"
#include "symbols/dwarf.h"
#include "symbols/usdt.h"

static void check_args(const struct usdt_arg *args, int n)
{
	for (int i = 0; i < n; i++) {
		const struct usdt_arg *a = &args[i];

		FUZZ_CHECK(a->size == 1 || a->size == 2 || a->size == 4 || a->size == 8);
		FUZZ_CHECK(a->scale == 1 || a->scale == 2 || a->scale == 4 || a->scale == 8);
		FUZZ_CHECK(memchr(a->reg, '\0', sizeof(a->reg)) && memchr(a->index, '\0', sizeof(a->index)) &&
			   memchr(a->sym, '\0', sizeof(a->sym)));
		FUZZ_CHECK(a->kind != USDT_ARG_REG || a->reg[0]);
		FUZZ_CHECK(a->kind != USDT_ARG_MEM || a->reg[0] || a->index[0]);
		usdt_reg_offset(a->reg);
	}
}

static void fuzz_file(const uint8_t *data, size_t size)
{
	struct fuzz_file f = fuzz_file_open(data, size);
	struct usdt_notes n;
	char err[256] = "";

	if (f.fd < 0)
		return;
	if (usdt_notes__read(f.path, &n, err, sizeof(err))) {
		FUZZ_CHECK(err[0] && memchr(err, '\0', sizeof(err)));
		fuzz_file_close(&f);
		return;
	}
	FUZZ_CHECK(!n.nr == !!usdt_notes_missing(&n));
	for (size_t i = 0; i < n.nr; i++) {
		const struct usdt_probe *p = &n.probes[i];
		struct dwarf_param params[USDT_MAX_ARGS];
		char buf[256];

		FUZZ_CHECK(p->provider && p->name && p->args);
		FUZZ_CHECK(p->nr_args <= USDT_MAX_ARGS && (p->nr_args >= 0 || p->args_err));
		FUZZ_CHECK(!p->exec || p->offset);
		check_args(p->argv, p->nr_args);
		usdt_probe_problem(p, buf, sizeof(buf));
		FUZZ_CHECK(usdt_probe_params(p, params, USDT_MAX_ARGS) <= USDT_MAX_ARGS);
		usdt_probe_matches(p, "upx*", p->name);
	}
	usdt_suggest(&n, "plian", err, sizeof(err));
	usdt_notes__free(&n);
	fuzz_file_close(&f);
}

static void fuzz_note(const uint8_t *data, size_t size, bool is64)
{
	struct usdt_probe p = {};

	if (usdt_note_parse((const char *)data, size, is64, &p)) {
		FUZZ_CHECK(strlen(p.provider) + strlen(p.name) < size);
		FUZZ_CHECK(memchr(data, '\0', size));
	}
	free(p.provider);
	free(p.name);
	free(p.args);
}

static void fuzz_args(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256] = "";
	struct usdt_arg args[USDT_MAX_ARGS], one;
	int n;

	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	n = usdt_args_parse(s, args, USDT_MAX_ARGS, err, sizeof(err));
	FUZZ_CHECK(n >= 0 ? n <= USDT_MAX_ARGS : err[0] != '\0');
	if (n > 0)
		check_args(args, n);
	if (!usdt_arg_parse(s, &one, err, sizeof(err)))
		check_args(&one, 1);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 4 && !memcmp(data, ELFMAG, SELFMAG))
		fuzz_file(data, size);
	else if (size && (data[0] == 'N' || data[0] == 'n'))
		fuzz_note(data + 1, size - 1, data[0] == 'N');
	else
		fuzz_args(data, size);
	return 0;
}
