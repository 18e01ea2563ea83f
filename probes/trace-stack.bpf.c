// SPDX-License-Identifier: GPL-2.0
/*
 * upx trace --stack, kernel side: trace.bpf.c with the walk of a process's
 * mappings at its first event (probes/vma.bpf.h: VMA iterator kfuncs and
 * CO-RE), built as an object of its own.  The two objects have the same
 * maps, programs and configuration (trace_cfg), which plugins/trace.c finds
 * by name in either; only this one makes libbpf load the kernel's BTF, so a
 * trace without --stack starts without it.
 */
#define UPX_STACK_MAPS 1
#include "trace.bpf.c"
