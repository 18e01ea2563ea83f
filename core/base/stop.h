/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stop flag and the stop promise, below every step that checks them (a
 * long unwind, a debuginfod download, a copy attached late); the event loop
 * (core/run/events.h) sets them from its signal handlers.
 */
#ifndef UPX_STOP_H
#define UPX_STOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* Set by a stop signal; long set-up work may check it. */
extern volatile sig_atomic_t upx_stop;
/* When the first stop signal came: CLOCK_MONOTONIC ns, set before upx_stop (0: none). */
extern volatile uint64_t upx_stop_ns;

/*
 * The stop promise: a stop signal ends upx within UPX_STOP_MS (100 ms; the
 * environment's UPX_STOP_MS, for tests) of its coming, whatever the event
 * rate.  What can wait is cut at a share of it, counted from the signal: the
 * events still in the ring buffer are shown (STOP_SHOW) and stacks unwound
 * (STOP_UNWIND) until then, addresses symbolized for the report until
 * STOP_SYMBOLIZE; what is left is counted, or shown unsymbolized, and said.
 * A standard output nobody reads is given up from STOP_STDOUT on
 * (core/run/events.c).
 * The kernel's own part (detaching: 20-60 ms here) is not upx's to cut.
 */
#define UPX_STOP_MS 100
enum stop_share { STOP_UNWIND = 50, STOP_SHOW = 60, STOP_SYMBOLIZE = 80, STOP_STDOUT = 60 };
/* That share of the bound, in ns (not async-signal-safe the first time: it reads the environment). */
uint64_t stop_share_ns(enum stop_share share);
/* The time (mono_ns()) the share of the stop bound ends at: 0 when no stop signal came. */
uint64_t stop_deadline_ns(enum stop_share share);
/* Has a stop signal come, and that share of the bound passed since? */
bool stop_overdue(enum stop_share share);

#endif
