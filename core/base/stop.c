// SPDX-License-Identifier: GPL-2.0
/* The stop flag and the bound a stop keeps (stop.h). */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/stop.h"
#include "base/util.h"

volatile sig_atomic_t upx_stop;
volatile uint64_t upx_stop_ns;

/* UPX_STOP_MS, or the environment's (tests: 0 cuts everything that can wait). */
static uint64_t stop_bound_ns(void)
{
	static long long ms = -1;
	const char *env;

	if (ms < 0) {
		env = getenv("UPX_STOP_MS");
		ms = env && *env && parse_s64(env, &ms) && ms >= 0 ? ms : UPX_STOP_MS;
	}
	return ms * 1000000ULL;
}

uint64_t stop_share_ns(enum stop_share share)
{
	return stop_bound_ns() / 100 * share;
}

uint64_t stop_deadline_ns(enum stop_share share)
{
	uint64_t t = upx_stop_ns;

	return t ? t + stop_bound_ns() / 100 * share : 0;
}

bool stop_overdue(enum stop_share share)
{
	uint64_t t = stop_deadline_ns(share);

	return t && mono_ns() >= t;
}
