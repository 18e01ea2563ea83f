/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flame graphs: stacks counted, written in the folded format ("main;a;b;leaf
 * 1234", what flamegraph.pl, inferno and speedscope read) or drawn as one
 * self-contained SVG (embedded script for zoom and search, no network).
 * And the reader of folded text, for `upx flamegraph`.
 */
#ifndef UPX_FLAMEGRAPH_H
#define UPX_FLAMEGRAPH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One stack and how often it was seen; frames outermost first: main, a, b, leaf. */
struct fg_stack {
	const char *const *frames;
	size_t nr;
	uint64_t count;
};

/*
 * One "main;a;b;leaf 1234" line per stack, in the order given.  A frame's
 * ';' and line breaks (which would split it) are written as '_'; a stack of
 * no frames is written as "[unknown]".
 */
void folded_write(FILE *f, const struct fg_stack *s, size_t n);

/*
 * A self-contained SVG flame graph of the n stacks: identical prefixes
 * merged, children in alphabetical order, widths proportional to counts.
 * title and count_name may be NULL ("Flame Graph", "samples").  Returns 0 or
 * -errno: -EOVERFLOW when the counts add up past 2^64 - 1, the error of a write
 * to f (it is flushed) that failed.
 */
int flamegraph_svg_write(FILE *f, const struct fg_stack *s, size_t n, const char *title,
			 const char *count_name);

/* Stacks read from folded text; frames and names owned by the set. */
struct fg_stacks {
	struct fg_stack *stacks;
	size_t nr, alloc;
	/* private */
	const char **frame_ptrs;	/* every stack's frames, one stack after another */
	size_t nr_frame_ptrs, alloc_frame_ptrs;
	char *text;			/* the parsed copy of the input */
};

/*
 * Parse folded text (len bytes of buf; need not be NUL-terminated): one
 * "a;b;c 123" line per stack, the count after the last space (u64), blank
 * lines skipped, CRLF accepted.  Identical stacks are merged (counts added),
 * in the order first seen.  On a bad line returns -EINVAL and sets *bad_line
 * (1-based) and *why (a static string); else 0.  Free with fg_stacks__free().
 */
int folded_parse(const char *buf, size_t len, struct fg_stacks *out, size_t *bad_line,
		 const char **why);
void fg_stacks__free(struct fg_stacks *s);

#endif
