// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the reader of folded stacks (core/output/flamegraph.c), as `upx flamegraph` uses it
 * on a file from anywhere (a peer's stackcollapse output, a file edited by hand): the input
 * is the text.  Then what upx makes of a parse: the folded lines written again (which must
 * parse again, with the same total and no stack ending in " NUMBER") and the SVG.
 * Seeds: tests/fuzz/corpus/folded (tests/fuzz/make-seeds.sh).
 *   make fuzz-folded  (one target of tests/fuzz/fuzz.mk)
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "output/flamegraph.h"

static size_t count_lines(const uint8_t *data, size_t size)
{
	size_t n = 1;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

/* The sum of the counts; false when it passes 2^64 - 1. */
static bool total_of(const struct fg_stacks *st, uint64_t *total)
{
	*total = 0;
	for (size_t i = 0; i < st->nr; i++) {
		if (*total > UINT64_MAX - st->stacks[i].count)
			return false;
		*total += st->stacks[i].count;
	}
	return true;
}

static void check_stacks(const struct fg_stacks *st, size_t lines)
{
	for (size_t i = 0; i < st->nr; i++) {
		const struct fg_stack *s = &st->stacks[i];

		FUZZ_CHECK(s->nr >= 1 && s->frames);
		for (size_t k = 0; k < s->nr; k++) {
			const char *f = s->frames[k];

			FUZZ_CHECK(f && *f && !strpbrk(f, ";\n"));
			if (k == 0)
				FUZZ_CHECK(*f != ' ' && *f != '\t');
			if (k == s->nr - 1)
				FUZZ_CHECK(f[strlen(f) - 1] != ' ' && f[strlen(f) - 1] != '\t');
		}
		/* identical stacks are merged: no two alike (checked on small sets) */
		for (size_t j = 0; j < i && st->nr <= 256; j++) {
			const struct fg_stack *t = &st->stacks[j];
			size_t k = 0;

			if (t->nr != s->nr)
				continue;
			while (k < s->nr && !strcmp(s->frames[k], t->frames[k]))
				k++;
			FUZZ_CHECK(k < s->nr);
		}
	}
	FUZZ_CHECK(st->number_tail_line <= lines);
}

/* The stacks written as folded text and read back: what `upx flamegraph` would read next. */
static void check_rewrite(const struct fg_stacks *st, bool fits, uint64_t total)
{
	struct fg_stacks again;
	const char *why = NULL;
	size_t len = 0, bad = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	uint64_t total2;

	if (!f)
		return;
	folded_write(f, st->stacks, st->nr);
	FUZZ_CHECK(!fclose(f));
	FUZZ_CHECK(count_lines((const uint8_t *)buf, len) == st->nr + 1);
	/* names escaped alike (a space before a number at the end) merge: their sum may not fit */
	if (folded_parse(buf, len, &again, &bad, &why)) {
		FUZZ_CHECK(!fits && why && strstr(why, "2^64"));
		free(buf);
		return;
	}
	FUZZ_CHECK(again.nr <= st->nr && again.nr >= (st->nr > 0));
	FUZZ_CHECK(again.number_tail_line == 0);
	FUZZ_CHECK(total_of(&again, &total2) == fits && (!fits || total2 == total));
	check_stacks(&again, st->nr + 1);
	fg_stacks__free(&again);
	free(buf);
}

static void check_svg(const struct fg_stacks *st, bool fits)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return;
	err = flamegraph_svg_write(f, st->stacks, st->nr, "fuzz <&>", NULL);
	FUZZ_CHECK(!fclose(f));
	FUZZ_CHECK(fits ? err == 0 : err == -EOVERFLOW);
	if (!err) {
		static const char end[] = "</svg>\n";

		FUZZ_CHECK(len >= sizeof(end) - 1 && !strcmp(buf + len - (sizeof(end) - 1), end));
		/* names are XML text: no control character reaches the file */
		for (size_t i = 0; i < len; i++)
			FUZZ_CHECK((unsigned char)buf[i] >= 0x20 || buf[i] == '\n' || buf[i] == '\t');
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_stacks st;
	const char *why = NULL;
	size_t bad = 0, lines = count_lines(data, size);
	uint64_t total;
	bool fits;

	if (folded_parse((const char *)data, size, &st, &bad, &why)) {
		FUZZ_CHECK(bad >= 1 && bad <= lines && why && *why);
		FUZZ_CHECK(!st.stacks && !st.nr && !st.text);
		return 0;
	}
	check_stacks(&st, lines);
	fits = total_of(&st, &total);
	check_rewrite(&st, fits, total);
	check_svg(&st, fits);
	fg_stacks__free(&st);
	return 0;
}
