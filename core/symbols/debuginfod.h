/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Debug files fetched by build-id from debuginfod servers, through elfutils'
 * libdebuginfod (loaded with dlopen() at the first fetch: it brings libcurl
 * and TLS, which no other run of upx should pay for).  Off unless asked:
 * DEBUGINFOD_URLS in the environment, or --debuginfod URL.
 *
 * core/symbols/elf.c asks for a file that has no .symtab and no separate debug file
 * on this machine; the file lands in libdebuginfod's cache
 * ($DEBUGINFOD_CACHE_PATH, else $XDG_CACHE_HOME/debuginfod_client, else
 * ~/.cache/debuginfod_client), so the next run reads it from there.
 *
 * A fetch runs on a thread of its own, with every signal blocked, while the
 * caller waits for it: a stop signal (upx_stop) ends the wait at once and
 * cancels the transfer (libdebuginfod's progress callback), a fetch that
 * takes longer than the bound is given up, and a download that takes more
 * than a second shows its progress on standard error.  Each build-id is
 * asked for once per run.  Not thread-safe: fetches come from one thread.
 */
#ifndef UPX_DEBUGINFOD_H
#define UPX_DEBUGINFOD_H

#include <stdbool.h>

#include "base/options.h"

/* A file may take at most this long, unless DEBUGINFOD_MAXTIME says otherwise. */
#define DEBUGINFOD_DEFAULT_MAXTIME 30

/* --debuginfod URL: the servers to ask (the same syntax as DEBUGINFOD_URLS), instead of it. */
int debuginfod_opt_cb(const struct upx_option *o, const char *arg);
#define OPT_DEBUGINFOD()                                                                           \
	OPT_CALLBACK(0, "debuginfod", NULL, "URL",                                                 \
		     "fetch debug files of stripped files from URL (default: $DEBUGINFOD_URLS)",    \
		     debuginfod_opt_cb)

/* Whether a debug file may be fetched: --debuginfod was given or DEBUGINFOD_URLS is set. */
bool debuginfod_enabled(void);

/*
 * The debug file of build_id (hex), fetched into the cache or found there:
 * its path (malloc'd), or NULL.  shown names the file in messages: one note
 * when a file was downloaded, a warning when it failed for another reason
 * than the servers not having it ("no answer within 30 s", "stopped: upx is
 * stopping", a server's error).
 */
char *debuginfod_fetch(const char *build_id, const char *shown);

#endif
