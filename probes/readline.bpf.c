// SPDX-License-Identifier: GPL-2.0
/*
 * upx readline, kernel side: return probes on readline() and on
 * readline_internal_teardown(), which readline() and the callback interface
 * (rl_callback_read_char) both call with the finished line, and which
 * returns a copy of it.  A shell already waiting inside readline() when the
 * probes went live never returns through an armed readline() return probe,
 * but it does enter teardown afterwards: that is the line not to lose.  When
 * both fire for one line, the teardown one is kept: it remembers the string
 * it returned per thread, and readline() returning that same pointer is
 * dropped.  No kernel structure is read: no CO-RE.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "readline.h"
#include "common.bpf.h"

const volatile __u8 roles[READLINE_MAX_PROBES];	/* enum readline_role by cookie */
const volatile __u32 filter_tgid;			/* 0: any process */

/* Thread (pid_tgid) -> the line teardown returned, not yet returned by readline(). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} reported SEC(".maps");

static __always_inline int handle_return(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), line = PT_REGS_RC(ctx), *seen;
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u8 role = cookie < READLINE_MAX_PROBES ? roles[cookie & (READLINE_MAX_PROBES - 1)] :
						   READLINE_ROLE_READLINE;
	struct readline_event *e;
	long n;

	if (filter_tgid && (id >> 32) != filter_tgid)
		return 0;
	if (is_self())
		return 0;
	if (!line)
		return 0; /* end of input (Ctrl-D) */
	if (role == READLINE_ROLE_READLINE) {
		seen = bpf_map_lookup_elem(&reported, &id);
		if (seen && *seen == line) {
			bpf_map_delete_elem(&reported, &id);
			return 0;
		}
	} else {
		bpf_map_update_elem(&reported, &id, &line, BPF_ANY);
	}

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(UPX_STAT_LOST);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	n = bpf_probe_read_user_str(e->line, sizeof(e->line), (const void *)line);
	e->len = n > 0 ? n - 1 : (n < 0 ? n : 0);
	submit_batched(e, sizeof(*e), e->ts_ns);
	return 0;
}

UPX_UPROBE_TWINS(uretprobe, upx_readline, handle_return(ctx))

char LICENSE[] SEC("license") = "GPL";
