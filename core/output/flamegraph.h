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
 * A frame's name as folded text (a new string: free() it).  The folded format
 * has no escapes, and its readers split a line at ';' and take a number at
 * its end for a count (flamegraph.pl takes two for a differential graph), so:
 * the name is first escaped as all text is (output.h: control characters,
 * invalid UTF-8 as \xNN, '\' doubled, so the line is safe for a terminal and
 * cannot be split), then ';' becomes ':' (as stackcollapse-perf.pl writes it)
 * and a space before a number at the end becomes '_' ("colon 99" ->
 * "colon_99"); an empty or missing name is "[unknown]".
 */
char *folded_name(const char *name);

/*
 * One "main;a;b;leaf 1234" line per stack, in the order given, each frame as
 * folded_name() writes it; a stack of no frames is written as "[unknown]".
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
	size_t number_tail_line;	/* the first line whose stack ends in " NUMBER", or 0 */
};

/*
 * Parse folded text (len bytes of buf; need not be NUL-terminated): one
 * "a;b;c 123" line per stack, the count after the last space (u64): what is
 * before it is the stack, even when it ends in a number too (a frame named
 * "colon 99"; out->number_tail_line says where, for a warning: a
 * differential graph's two counts a line are not supported), blank lines
 * skipped, CRLF accepted.  Identical stacks are merged (counts added),
 * in the order first seen.  On a bad line returns -EINVAL and sets *bad_line
 * (1-based) and *why (a static string); else 0.  Free with fg_stacks__free().
 */
int folded_parse(const char *buf, size_t len, struct fg_stacks *out, size_t *bad_line,
		 const char **why);
void fg_stacks__free(struct fg_stacks *s);

#endif
