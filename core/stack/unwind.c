// SPDX-License-Identifier: GPL-2.0
/*
 * DWARF unwinding of a copied user stack (unwind.h), with libdw's
 * Dwfl_Thread_Callbacks as perf's util/unwind-libdw.c does, but with one
 * Dwfl per process kept across stacks rather than one per sample: its modules
 * are the files of the symbolizer's kept maps (each reported once, at its
 * load bias, from the descriptor the symbolizer holds), so the CFI of each
 * file is parsed once and a process that has exited still unwinds.  The
 * callbacks read from the stack copy of the current call; what they need
 * for that lives in struct unw_proc, set before each dwfl_getthread_frames().
 *
 * A frame libdw could only unwind by its architecture fallback (frame
 * pointers, DWFL_UNWOUND_EBL) is not trusted: code built without frame
 * pointers would give a wrong caller, so the stack is cut there, saying that
 * the frame had no unwind info.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "stack/symbolize-priv.h"
#include "stack/unwind.h"
#include "symbols/elf.h"

struct unw_proc {
	struct symbolizer *sy;
	struct sym_proc *p;
	Dwfl *dwfl;
	bool ok;		/* modules reported and state attached */
	/* The unwind under way. */
	const uint64_t *regs;
	const unsigned char *stack;
	size_t stack_len;
	uint64_t sp;
	bool read_past;		/* wanted stack memory past the end of the copy */
	uint64_t *ips;
	int n, max;
	bool fallback;		/* the last frame had no CFI: libdw guessed from frame pointers */
};

/* Separate debug files the way core/symbols/elf.c finds them (no debuginfod). */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	struct elf_file *ef = NULL;
	char err[128], *dbg;
	int fd;

	if (!file_name || elf_file__open(file_name, &ef, err, sizeof(err)))
		return -1;
	dbg = find_debug_file(ef);
	elf_file__close(ef);
	if (!dbg)
		return -1;
	fd = open(dbg, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(dbg);
		return -1;
	}
	*debuginfo_file_name = dbg;
	return fd;
}

static int find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	return -1;	/* every module is reported with its file */
}

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unw_proc *u = arg;

	if (*thread_argp)
		return 0;
	*thread_argp = u;
	return u->p->pid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	*thread_argp = arg;
	return true;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unw_proc *u = arg;
	struct sym_map *m;

	if (addr >= u->sp && u->stack_len >= 8 && addr - u->sp <= u->stack_len - 8) {
		memcpy(result, u->stack + (addr - u->sp), sizeof(*result));
		return true;
	}
	/* Not in the copy: read-only data of a mapped file is still what it was. */
	m = sym_proc__find(u->p, addr);
	if (m && m->file && m->file->fd >= 0 && addr + 8 <= m->end &&
	    pread(m->file->fd, result, 8, addr - m->start + m->pgoff) == 8)
		return true;
	/*
	 * Past the copy in the stack's own mapping (or, for a thread's stack mapped
	 * since the maps were read, within 8 MiB of it): the copy was too short.
	 */
	if (addr >= u->sp + u->stack_len) {
		m = sym_proc__find(u->p, u->sp);
		if (m ? addr < m->end : addr - u->sp < (8 << 20))
			u->read_past = true;
	}
	return false;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct unw_proc *u = arg;
	Dwarf_Word regs[UNWIND_NR_REGS];

	memcpy(regs, u->regs, sizeof(regs));
	return dwfl_thread_state_registers(thread, 0, UNWIND_NR_REGS, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static void unw_proc_free(void *arg)
{
	struct unw_proc *u = arg;

	if (u->dwfl)
		dwfl_end(u->dwfl);
	free(u);
}

/* Each mapped file with code once, at its load bias; then the thread state. */
static void unw_proc_setup(struct unw_proc *u)
{
	struct sym_proc *p = u->p;
	int reported = 0;
	size_t i;

	u->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!u->dwfl)
		return;
	dwfl_report_begin(u->dwfl);
	for (i = 0; i < p->nr_maps; i++) {
		struct sym_map *m = &p->maps[i];
		char path[64];
		uint64_t bias;
		size_t j;
		int fd;

		if (!m->exec || !m->file || m->file->fd < 0 || sym_map__bias(u->sy, m, &bias))
			continue;
		for (j = 0; j < i; j++)
			if (p->maps[j].exec && p->maps[j].file == m->file &&
			    p->maps[j].bias_state > 0 && p->maps[j].bias == bias)
				break;
		if (j < i)
			continue;
		fd = dup(m->file->fd);
		if (fd < 0)
			continue;
		if (!dwfl_report_elf(u->dwfl, m->name ? m->name : "?",
				     sym_file__elf_path(u->sy, m->file, path, sizeof(path)), fd, bias,
				     true))
			close(fd);
		else
			reported++;
	}
	dwfl_report_end(u->dwfl, NULL, NULL);
	u->ok = reported && dwfl_attach_state(u->dwfl, NULL, p->pid, &thread_callbacks, u);
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct unw_proc *u = arg;
	Dwarf_Addr pc;

	if (!dwfl_frame_pc(state, &pc, NULL))
		return DWARF_CB_ABORT;
	if (u->n && dwfl_frame_unwound_source(state) == DWFL_UNWOUND_EBL) {
		u->fallback = true;
		return DWARF_CB_ABORT;
	}
	if (!u->n)
		pc = u->regs[16];
	u->ips[u->n++] = pc;
	return u->n < u->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

/* The CFI row for pc in the file around it (.eh_frame, else .debug_frame): malloc'd, or NULL. */
static Dwarf_Frame *cfi_frame(Dwfl *dwfl, uint64_t pc)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, pc);
	Dwarf_Frame *frame = NULL;
	Dwarf_CFI *cfi;
	Dwarf_Addr bias;

	if (!mod)
		return NULL;
	cfi = dwfl_module_eh_cfi(mod, &bias);
	if (cfi && !dwarf_cfi_addrframe(cfi, pc - bias, &frame))
		return frame;
	cfi = dwfl_module_dwarf_cfi(mod, &bias);
	if (cfi && !dwarf_cfi_addrframe(cfi, pc - bias, &frame))
		return frame;
	return NULL;
}

/* The last frame is the outermost: its CFI leaves the return address undefined (_start). */
static bool at_outermost(struct unw_proc *u)
{
	uint64_t pc = u->ips[u->n - 1];
	Dwarf_Frame *frame = cfi_frame(u->dwfl, u->n > 1 ? pc - 1 : pc);
	Dwarf_Op ops_mem[3], *ops;
	size_t nops;
	bool end;

	if (!frame)
		return false;
	end = dwarf_frame_register(frame, dwarf_frame_info(frame, NULL, NULL, NULL), ops_mem, &ops,
				   &nops) == 0 && nops == 0 && ops == ops_mem;
	free(frame);
	return end;
}

/* Why the walk ended at the last frame found. */
static const char *why_cut(struct unw_proc *u, const char *dwfl_err)
{
	size_t len;
	char *buf = symbolizer__cut_buf(u->sy, &len);
	uint64_t pc = u->ips[u->n - 1], look = u->n > 1 ? pc - 1 : pc;
	struct sym_map *m = sym_proc__find(u->p, look);
	Dwarf_Frame *frame;

	if (!m || !m->file) {
		snprintf(buf, len, "unknown mapping 0x%llx%s%s%s", (unsigned long long)pc,
			 m && m->name ? " (" : "", m && m->name ? m->name : "",
			 m && m->name ? ")" : "");
		return buf;
	}
	frame = u->ok && !u->fallback ? cfi_frame(u->dwfl, look) : NULL;
	free(frame);
	if (!frame)
		snprintf(buf, len, "no unwind info for 0x%llx in %s", (unsigned long long)pc,
			 m->name ? m->name : "?");
	else if (u->read_past)
		snprintf(buf, len, "stack copy truncated at %s",
			 count_noun(u->stack_len, "byte", "bytes"));
	else
		snprintf(buf, len, "unwinding stopped at 0x%llx in %s%s%s", (unsigned long long)pc,
			 m->name ? m->name : "?", dwfl_err ? ": " : "", dwfl_err ? dwfl_err : "");
	return buf;
}

int unwind_user_stack(struct symbolizer *sy, pid_t pid, const uint64_t regs[UNWIND_NR_REGS],
		      const void *stack, size_t stack_len, uint64_t *ips, int max, const char **cut)
{
	struct sym_proc *p;
	struct unw_proc *u;
	const char *err = NULL;
	int ret;

	if (cut)
		*cut = NULL;
	if (max < 1)
		return 0;
	ips[0] = regs[16];
	p = symbolizer__proc(sy, pid);
	if (!p) {
		symbolizer_add_process(sy, pid);
		p = symbolizer__proc(sy, pid);
	}
	if (!p || p->err) {
		if (cut)
			*cut = "the process's mappings are unknown (it exited before its first event)";
		return 1;
	}
	/* A pc in no kept mapping: maybe a library loaded since the maps were read. */
	if (!sym_proc__find(p, regs[16]))
		sym_proc__refresh(sy, p);
	u = p->unwind;
	if (!u) {
		u = xcalloc(1, sizeof(*u));
		u->sy = sy;
		u->p = p;
		p->unwind = u;
		p->unwind_free = unw_proc_free;
		unw_proc_setup(u);
	}
	u->regs = regs;
	u->stack = stack;
	u->stack_len = stack_len;
	u->sp = regs[7];
	u->read_past = false;
	u->fallback = false;
	u->ips = ips;
	u->max = max;
	u->n = 0;
	if (u->ok) {
		ret = dwfl_getthread_frames(u->dwfl, pid, frame_cb, u);
		if (ret < 0)
			err = dwfl_errmsg(-1);
	} else {
		ret = -1;
	}
	if (!u->n)
		u->n = 1;	/* ips[0] is regs[16] whatever happened */
	if (!cut)
		return u->n;
	/* libdw ends the walk without an error where memory could not be read too. */
	if (u->n == max && ret == DWARF_CB_ABORT && !u->fallback)
		*cut = "more frames than asked for";
	else if (ret || u->read_past || !at_outermost(u))
		*cut = why_cut(u, err);
	return u->n;
}
