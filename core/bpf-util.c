// SPDX-License-Identifier: GPL-2.0
/* libbpf logging, per-CPU sums and timestamps shared by the tracing commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf-util.h"
#include "json.h"
#include "util.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (upx_verbose < (level == LIBBPF_DEBUG ? 2 : 1))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void bpf_util_setup_logging(void)
{
	libbpf_set_print(libbpf_print);
}

uint64_t percpu_u64_sum(int map_fd, uint32_t key)
{
	static int nr_cpus;
	static uint64_t *vals;
	uint64_t sum = 0;

	if (!nr_cpus) {
		nr_cpus = libbpf_num_possible_cpus();
		if (nr_cpus < 1)
			nr_cpus = 1;
		vals = xcalloc(nr_cpus, sizeof(*vals));
	}
	if (bpf_map_lookup_elem(map_fd, &key, vals))
		return 0;
	for (int i = 0; i < nr_cpus; i++)
		sum += vals[i];
	return sum;
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

void json_event_start(struct json_writer *jw, long long realtime_ns, uint32_t pid, uint32_t tid,
		      const char *comm, unsigned long comm_max)
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

void report_lost(struct json_writer *jw, uint64_t lost, const char *what)
{
	if (!lost)
		return;
	if (upx_json_mode) {
		json_object_start(jw);
		json_u64_field(jw, "lost", lost);
		json_object_end(jw);
		json_writer__end_line(jw);
	} else {
		warning("lost %llu %s: the ring buffer was full", (unsigned long long)lost, what);
	}
}

int bpf_load_error(void)
{
	return error("cannot load the BPF program: %s%s", strerror(errno),
		     upx_verbose > 1 ? "" : " (-vv shows the verifier's log)");
}
