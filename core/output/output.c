// SPDX-License-Identifier: GPL-2.0
/* The output layer: format (and --json's error routine), event heads, lost reports, clock, histograms. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/options.h"
#include "base/usage.h"
#include "base/util.h"
#include "output/hist.h"
#include "output/json.h"
#include "output/output.h"

enum output_format upx_output = OUTPUT_TEXT;

/* --json's errors: {"error": "..."} on stdout, through the writer the command's stream shares. */
static void report_json(const char *kind __maybe_unused, const char *msg)
{
	struct json_writer *jw = json_writer__stdout();

	json_object_start(jw);
	json_string_field(jw, "error", msg);
	json_object_end(jw);
	json_writer__end_line(jw);
	fflush(stdout);
}

void output_set_format(enum output_format format)
{
	upx_output = format;
	set_error_routine(format == OUTPUT_JSON ? report_json : NULL);
}

int opt_json_cb(const struct upx_option *opt __maybe_unused, const char *arg __maybe_unused)
{
	output_set_format(OUTPUT_JSON);
	return 0;
}

long long realtime_offset_ns(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return (r.tv_sec - m.tv_sec) * 1000000000LL + (r.tv_nsec - m.tv_nsec);
}

void format_clock(long long ns, char *buf, unsigned long size)
{
	/* One localtime_r() a second, not one an event. */
	static time_t last_sec = -1;
	static char hms[16];
	time_t sec = ns / 1000000000LL;
	long us = (ns % 1000000000LL) / 1000;
	char out[16];

	if (sec != last_sec) {
		struct tm tm;

		localtime_r(&sec, &tm);
		snprintf(hms, sizeof(hms), "%02d:%02d:%02d.", tm.tm_hour % 100, tm.tm_min % 100,
			 tm.tm_sec % 100);
		last_sec = sec;
	}
	memcpy(out, hms, 9);
	for (int i = 14; i >= 9; i--, us /= 10)
		out[i] = '0' + us % 10;
	out[15] = '\0';
	if (size) {
		size_t n = size < sizeof(out) ? size - 1 : sizeof(out) - 1;

		memcpy(buf, out, n);
		buf[n] = '\0';
	}
}

char *event_head_text(char *buf, long long realtime_ns, const uint32_t *ids, unsigned int nr_ids,
		      const char *comm, size_t comm_max)
{
	char tbuf[16], num[20], esc[4 * 64 + 1], *p = buf, *end;

	format_clock(realtime_ns, tbuf, sizeof(tbuf));
	p = put_col(p, tbuf, strlen(tbuf), 15);
	*p++ = ' ';
	for (unsigned int i = 0; i < nr_ids; i++) {
		end = put_u64(num, ids[i]);
		p = put_col(p, num, end - num, 7);
		*p++ = ' ';
	}
	if (comm_max > 64)
		comm_max = 64;
	escape_to_buf(esc, sizeof(esc), comm, strnlen(comm, comm_max));
	p = put_col(p, esc, strlen(esc), 16);
	*p++ = ' ';
	return p;
}

void event_head_titles(FILE *f, const char *const *ids, unsigned int nr_ids)
{
	fprintf(f, "%-15s ", "TIME");
	for (unsigned int i = 0; i < nr_ids; i++)
		fprintf(f, "%-7s ", ids[i]);
	fprintf(f, "%-16s ", "COMM");
}

void event_head_print(FILE *f, long long realtime_ns, const uint32_t *ids, unsigned int nr_ids,
		      const char *comm, size_t comm_max)
{
	char line[EVENT_HEAD_MAX(EVENT_HEAD_IDS, 64)];
	char *end = event_head_text(line, realtime_ns, ids,
				    nr_ids < EVENT_HEAD_IDS ? nr_ids : EVENT_HEAD_IDS, comm, comm_max);

	fwrite(line, 1, end - line, f);
}

void event_head_json(struct json_writer *jw, long long realtime_ns, uint32_t pid, uint32_t tid,
		     const char *comm, size_t comm_max)
{
	char tbuf[32];

	format_clock(realtime_ns, tbuf, sizeof(tbuf));
	json_object_start(jw);
	json_string_field(jw, "time", tbuf);
	json_u64_field(jw, "time_ns", realtime_ns);
	json_u64_field(jw, "pid", pid);
	json_u64_field(jw, "tid", tid);
	json_bytes_field(jw, "comm", comm, strnlen(comm, comm_max));
}

void report_lost(struct json_writer *jw, uint64_t lost, const char *one, const char *many)
{
	if (!lost)
		return;
	if (output_json()) {
		json_object_start(jw);
		json_u64_field(jw, "lost", lost);
		json_object_end(jw);
		json_writer__end_line(jw);
	} else {
		warning("lost %s: the ring buffer was full", count_noun(lost, one, many));
	}
}

void fputs_escaped_col(FILE *f, const char *s, size_t width)
{
	size_t w = escaped_len(s, -1);

	fputs_escaped(f, s, -1);
	while (w++ < width)
		fputc(' ', f);
}

char *escape_dup(const char *s, long len)
{
	size_t n = len < 0 ? strlen(s) : (size_t)len, size = escaped_len(s, n) + 1;
	char *buf = xmalloc(size);

	escape_to_buf(buf, size, s, n);
	return buf;
}

void vtext_line(FILE *f, const char *fmt, va_list ap)
{
	char small[1024], *line = small, *out;
	va_list again;
	size_t size;
	int n;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small)) {
		line = xmalloc(n + 1);
		vsnprintf(line, n + 1, fmt, again);
	}
	va_end(again);
	if (n < 0)
		n = 0;
	/* One write, '\n' included: on unbuffered stderr the line is not cut by another writer. */
	size = escaped_len(line, n) + 2;
	out = xmalloc(size);
	escape_to_buf(out, size - 1, line, n);
	strcat(out, "\n");
	fputs(out, f);
	free(out);
	if (line != small)
		free(line);
}

void text_line(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vtext_line(f, fmt, ap);
	va_end(ap);
}

void hist_print(FILE *f, const uint64_t *slots, unsigned int nr)
{
	unsigned int first = nr, last = 0, i;
	uint64_t max = 0;
	char label[40], bar[53];

	for (i = 0; i < nr; i++) {
		if (!slots[i])
			continue;
		if (first == nr)
			first = i;
		last = i;
		if (slots[i] > max)
			max = slots[i];
	}
	if (!max)
		return;
	for (i = first; i <= last; i++) {
		unsigned int w = (unsigned int)(slots[i] * 52 / max);

		memset(bar, '@', w);
		memset(bar + w, ' ', 52 - w);
		bar[52] = '\0';
		hist_slot_label(i, label, sizeof(label));
		fprintf(f, "%-16s %8llu |%s|\n", label, (unsigned long long)slots[i], bar);
	}
}

void hist_json(struct json_writer *jw, const uint64_t *slots, unsigned int nr)
{
	json_name(jw, "buckets");
	json_array_start(jw);
	for (unsigned int i = 0; i < nr; i++) {
		if (!slots[i])
			continue;
		json_object_start(jw);
		json_u64_field(jw, "low", hist_slot_low(i));
		json_name(jw, "high");
		if (i == 64)
			json_null(jw);
		else
			json_u64(jw, i ? hist_slot_low(i + 1) : 1);
		json_u64_field(jw, "count", slots[i]);
		json_object_end(jw);
	}
	json_array_end(jw);
}
