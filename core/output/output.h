/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output layer: which format a command prints (--json), and what every
 * format shares, side by side for plain text and JSON: the head of an event
 * ("TIME PID TID COMM" in text, time/time_ns/pid/tid/comm in JSON), lost-event
 * reports, clock stamps, terminal-safe strings and the log2 histogram printer.
 * A command chooses its per-record printers once, from upx_output, as bpftool
 * has print_prog_plain() beside print_prog_json().
 */
#ifndef UPX_OUTPUT_H
#define UPX_OUTPUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum output_format {
	OUTPUT_TEXT,	/* columns for a person; strings escaped for the terminal */
	OUTPUT_JSON,	/* --json: one document, or one object per line for streams */
	OUTPUT_NR
};

/* Set once, by the option parser (--json); text unless told. */
extern enum output_format upx_output;

static inline bool output_json(void)
{
	return upx_output == OUTPUT_JSON;
}

struct json_writer;

/* CLOCK_REALTIME - CLOCK_MONOTONIC in ns, to date bpf_ktime_get_ns() stamps. */
long long realtime_offset_ns(void);
/* "10:41:02.123456" (local time) for a CLOCK_REALTIME stamp in ns. */
void format_clock(long long realtime_ns, char *buf, unsigned long size);

/* The most event_head_text() writes: clock, the ids and comm (escaped) with their spaces. */
#define EVENT_HEAD_MAX(nr_ids, comm_max) (16 + 8 * (nr_ids) + 4 * (comm_max) + 2)
/*
 * The head of an event's text line into buf (EVENT_HEAD_MAX bytes), as
 * "%-15s %-7u ... %-16s " of the clock, each of ids and comm (at most
 * comm_max bytes, escaped), without printf; returns the end of what it wrote.
 */
char *event_head_text(char *buf, long long realtime_ns, const uint32_t *ids, unsigned int nr_ids,
		      const char *comm, size_t comm_max);
/*
 * Start the JSON object of one event with the fields every stream shares:
 * time, time_ns (CLOCK_REALTIME), pid, tid, comm (at most comm_max bytes; comm_hex
 * too when it is not valid UTF-8).
 */
void event_head_json(struct json_writer *jw, long long realtime_ns, uint32_t pid, uint32_t tid,
		     const char *comm, size_t comm_max);

/*
 * Events the kernel dropped (a full ring buffer): {"lost": N} in JSON, else a
 * warning, "lost 1 event" / "lost 2 events" (one, many: what was lost).
 */
void report_lost(struct json_writer *jw, uint64_t lost, const char *one, const char *many);

/*
 * Text for a person (a terminal, a file, a pipe): the one rule for every
 * string from a file or a process (symbol names, paths, comms, strings a
 * program holds), in every text output.  Control characters are written as
 * \n, \t, \r or \xNN (ESC, DEL, NUL ...), a backslash is doubled, and bytes
 * >= 0x80 are kept only when they form valid UTF-8 that is not a C1 control
 * (U+0080..U+009F), else \xNN each.  Nothing in a string can then move the
 * cursor, set a title, end a line or a field, or be mistaken for an escape.
 * The other outputs have rules of their own, each in one place: JSON in
 * json.h (with NAME_hex when a string is not UTF-8), Prometheus labels in
 * metrics.h (the same), folded stacks in flamegraph.h.
 *
 * Strings are kept raw where they are held (plan entries, symbols, keys),
 * and each output escapes them as it writes them: messages (usage.h) and
 * text_line() escape a whole line, so no caller can leave a name out.
 */

/* s written by the rule above: at most len bytes (or up to NUL if len < 0). */
void fputs_escaped(FILE *f, const char *s, long len);
/* The same between double quotes, a '"' inside escaped as \" (a field of its own on a line). */
void fputs_quoted(FILE *f, const char *s, long len);
/*
 * s escaped as fputs_escaped() does, into buf (always NUL-terminated, cut
 * before an escape that does not fit); returns the bytes of s taken.
 */
size_t escape_to_buf(char *buf, size_t size, const char *s, long len);
/* The bytes s takes once escaped (len < 0: up to NUL): what a column's width counts. */
size_t escaped_len(const char *s, long len);
/* s escaped, then spaces up to width: "%-*s" for a column of names. */
void fputs_escaped_col(FILE *f, const char *s, size_t width);
/* s escaped, in a new string (free() it). */
char *escape_dup(const char *s, long len);
/*
 * One line of text: fmt's output escaped as a whole, then '\n'.  For lines
 * that hold names (-v's plan, notes): whatever the arguments, nothing in
 * them can act on a terminal or split the line.
 */
void text_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vtext_line(FILE *f, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/*
 * log2 histograms (core/output/hist.h has the slots):
 *   [2M, 4M)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
 * from the first to the last slot that is not empty; nothing when all are.
 */
void hist_print(FILE *f, const uint64_t *slots, unsigned int nr_slots);
/* {"buckets":[{"low":..,"high":..,"count":..}, ...]} fields into the current object. */
void hist_json(struct json_writer *jw, const uint64_t *slots, unsigned int nr_slots);

#endif
