/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

/* One ring buffer record: what a trace line needs. */
struct floor_event {
	unsigned long long ts;
	unsigned int pid;
	unsigned int tid;
	unsigned long long arg0;
};

/* ringnamed: the same with what upx's event names too, the probe (its cookie) and the thread's comm. */
struct floor_event_named {
	struct floor_event e;
	unsigned long long cookie;
	char comm[16];
};

#endif
