// SPDX-License-Identifier: GPL-2.0
/*
 * Where CPython keeps what the probe reads (probes/python.bpf.h), per
 * version, on x86-64: from the interpreters' own DWARF (Debian's
 * python3.11-dbg for 3.11.2, pyenv's builds for 3.11.7, 3.12.1 and 3.13.0),
 * and checked against it by t3750 (gdb's offsetof of each field).  The
 * fields did not move within a minor version.  One line per field, as
 * t3750 reads them.
 */
#include "stack/python.h"

const struct stack_py_offsets python_tables[] = {
	{
		.version = 0x030b0000,	/* 3.11 */
		.rt_interp_head = 40,
		.interp_threads = 16,
		.ts_next = 8,
		.ts_native_tid = 160,
		.ts_cframe = 56,
		.ts_frame = 8,
		.ts_stack_chunk = 296,
		.ts_stack_top = 304,
		.fr_code = 32,
		.fr_func = 0,
		.fr_globals = 8,
		.fr_previous = 48,
		.fr_instr = 56,
		.fr_is_entry = 68,
		.fr_owner = 69,
		.co_firstlineno = 72,
		.co_filename = 112,
		.co_qualname = 128,
		.co_linetable = 136,
		.co_code = 184,
		.str_ascii_data = 48,
		.str_compact_data = 72,
		.str_length = 16,
		.str_state = 32,
		.bytes_size = 16,
		.bytes_data = 32,
	},
	{
		.version = 0x030c0000,	/* 3.12 */
		.rt_interp_head = 40,
		.interp_threads = 72,
		.ts_next = 8,
		.ts_native_tid = 144,
		.ts_cframe = 56,
		.ts_frame = 0,
		.ts_stack_chunk = 232,
		.ts_stack_top = 240,
		.fr_code = 0,
		.fr_func = 16,
		.fr_globals = 24,
		.fr_previous = 8,
		.fr_instr = 56,
		.fr_is_entry = STACK_PY_NONE,
		.fr_owner = 70,
		.co_firstlineno = 68,
		.co_filename = 112,
		.co_qualname = 128,
		.co_linetable = 136,
		.co_code = 192,
		.str_ascii_data = 40,
		.str_compact_data = 56,
		.str_length = 16,
		.str_state = 32,
		.bytes_size = 16,
		.bytes_data = 32,
	},
	{
		.version = 0x030d0000,	/* 3.13 */
		.rt_interp_head = 632,
		.interp_threads = 7344,
		.ts_next = 8,
		.ts_native_tid = 160,
		.ts_cframe = STACK_PY_NONE,
		.ts_frame = 72,
		.ts_stack_chunk = 232,
		.ts_stack_top = 240,
		.fr_code = 0,
		.fr_func = 16,
		.fr_globals = 24,
		.fr_previous = 8,
		.fr_instr = 56,
		.fr_is_entry = STACK_PY_NONE,
		.fr_owner = 70,
		.co_firstlineno = 68,
		.co_filename = 112,
		.co_qualname = 128,
		.co_linetable = 136,
		.co_code = 200,
		.str_ascii_data = 40,
		.str_compact_data = 56,
		.str_length = 16,
		.str_state = 32,
		.bytes_size = 16,
		.bytes_data = 32,
	},
};

const size_t python_nr_tables = sizeof(python_tables) / sizeof(python_tables[0]);
