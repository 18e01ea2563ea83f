/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output layer: which format a command prints (--json), and what every
 * format shares, side by side for plain text and JSON: the head of an event
 * ("TIME PID TID COMM" in text, time/time_ns/pid/tid/comm in JSON), lost-event
 * reports, clock stamps and the log2 histogram printer; terminal-safe strings
 * by the one rule of core/base/escape.h (included here for every printer).
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

#include "base/escape.h"

enum output_format {
	OUTPUT_TEXT,	/* columns for a person; strings escaped for the terminal */
	OUTPUT_JSON,	/* --json: one document, or one object per line for streams */
	OUTPUT_NR
};

/* Set once, by the option parser (OPT_JSON()); text unless told. */
extern enum output_format upx_output;

/* Print in format from now on, errors too (usage.h's routine: {"error": ...} in JSON). */
void output_set_format(enum output_format format);

/*
 * --json, for a command's option table (core/base/options.h): JSON output,
 * and error messages as {"error": "..."} on stdout (the routine usage.c
 * reports through; warnings and notes stay on stderr).
 */
#define OPT_JSON() OPT_CALLBACK(0, "json", NULL, NULL, "print JSON instead of a table", opt_json_cb)

struct upx_option;
int opt_json_cb(const struct upx_option *opt, const char *arg);

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
/* The titles above those columns: "TIME", each of ids ("PID", "TID") and "COMM", to f. */
void event_head_titles(FILE *f, const char *const *ids, unsigned int nr_ids);
/* The same written to f, for at most EVENT_HEAD_IDS ids (more are left out). */
#define EVENT_HEAD_IDS 4
void event_head_print(FILE *f, long long realtime_ns, const uint32_t *ids, unsigned int nr_ids,
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

/* More of core/base/escape.h's rule, for printers. */
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
