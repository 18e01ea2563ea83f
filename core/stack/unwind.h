/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DWARF unwinding of a copied user stack, after the fact (perf's
 * --call-graph dwarf): the registers at a probe and a copy of the top of the
 * stack come in an event; libdw's Dwfl_Thread_Callbacks read memory from the
 * copy and the process's mapped files, and the CFI (.eh_frame, .debug_frame)
 * of each file the symbolizer has kept the maps of gives the caller's frame.
 * Works after the process has exited.  x86-64 only.
 */
#ifndef UPX_UNWIND_H
#define UPX_UNWIND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stack/symbolize.h"

#define UNWIND_NR_REGS 17	/* x86-64 DWARF numbering: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip(16) */

/*
 * Unwind a copy of a thread's user stack, as perf's util/unwind-libdw.c does
 * with libdw's Dwfl_Thread_Callbacks (dwfl_attach_state, memory_read from the
 * copy, set_initial_registers from regs, dwfl_thread_getframes), using
 * .eh_frame/.debug_frame of the process's mapped files (from the symbolizer's
 * kept maps: works after the process exited).  regs: at the probe (DWARF
 * order); stack: stack_len bytes copied from regs[7] (rsp) upward.
 * ips[0] = regs[16]; then return addresses, outermost last.  Returns the
 * number of ips (>= 1, <= max).  *cut (may be NULL): why it stopped before the
 * outermost frame, a static or sy-owned string such as "stack copy truncated
 * at N bytes", "no unwind info for 0x... in FILE", "unknown mapping 0x...";
 * NULL when it reached the end.
 *
 * The end is a frame whose CFI leaves the return address undefined (_start,
 * a thread's clone3).  The texts of *cut:
 *   "unknown mapping 0xPC"              pc in no mapping ...
 *   "unknown mapping 0xPC (NAME)"       ... or in an anonymous one ([heap], JIT code)
 *   "no unwind info for 0xPC in FILE"   no CFI covers pc (libdw's frame-pointer
 *                                       guess, DWFL_UNWOUND_EBL, is not taken)
 *   "stack copy truncated at N bytes"   the caller's frame is past the copy
 *   "unwinding stopped at 0xPC in FILE[: libdw's message]"
 *   "more frames than asked for"        max reached
 *   "the process's mappings are unknown (it exited before its first event)"
 * A sy-owned text is overwritten by the next call: copy it to keep it.
 * The first call for a process reports its files to libdw (about 10 ms for a
 * few dozen libraries); later ones reuse that (tens of thousands of stacks a
 * second).  Not thread-safe, like the symbolizer.
 */
int unwind_user_stack(struct symbolizer *sy, pid_t pid, const uint64_t regs[UNWIND_NR_REGS],
		      const void *stack, size_t stack_len, uint64_t *ips, int max, const char **cut);

#endif
