/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JIT symbol maps: /tmp/perf-PID.map, the file JITs write for perf (node
 * --perf-basic-prof, the JVM's perf-map-agent, LuaJIT, Wasmtime, ...), one
 * "START SIZE name" line (hex) per piece of generated code.  The symbolizer
 * names addresses in a process's anonymous memory from it.
 *
 * The file is in /tmp, where anyone may create it: it is read only when
 * owned by the process's user and writable by no one else, opened without
 * following a symbolic link; otherwise the reason is given once.
 */
#ifndef UPX_PERFMAP_H
#define UPX_PERFMAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct perfmap;

/*
 * The map of process pid, whose own pid (in its pid namespace) is nspid and
 * whose effective uid is uid: read through /proc/PID/root while it lives,
 * else from /tmp in upx's view when nspid == pid.  NULL when there is none
 * or it is not trusted (*why then says why, a static or caller-buffer text;
 * NULL when there is simply no file).
 */
struct perfmap *perfmap__load(pid_t pid, pid_t nspid, uid_t uid, char *why, size_t whylen);
void perfmap__free(struct perfmap *m);

/* Read the file again if it grew since (a JIT appends as it compiles); true if it did. */
bool perfmap__refresh(struct perfmap *m);

/* The entry around addr: its name and start, the last written of those that cover it. */
const char *perfmap__find(const struct perfmap *m, uint64_t addr, uint64_t *start);

/* The path as the process names it ("/tmp/perf-1234.map"). */
const char *perfmap__path(const struct perfmap *m);

#endif
