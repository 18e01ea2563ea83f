// SPDX-License-Identifier: GPL-2.0
/*
 * upx leaks, kernel side: the allocator's entry points probed at entry and
 * return, every live block kept in the outstanding map by (process, address)
 * with its size, its time and its stack, and removed when it is freed.  A
 * free of an address the map does not hold (allocated before upx started,
 * or left out) changes nothing.  The map is bounded (max_entries, set from
 * --max-tracked before load): an allocation that finds it full is counted,
 * bytes too, in `stats`.
 *
 * The entry keeps what the return needs: the size asked in a uprobe
 * session's cookie (upx_leaks_session), or in a map by thread (realloc's
 * old block, posix_memalign's pointer; all of it with separate return
 * probes).  The old block of a realloc leaves the map at the entry, before
 * the allocator may hand its address to another thread, and is put back
 * when the realloc fails.  Stacks are taken
 * at the return, in the caller's frame: a frame-pointer walk into the
 * kernel's stack map (its id in the entry), or the registers and the top of
 * the stack sent to user space to unwind with DWARF (the record's number in
 * the entry).
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* --stack=dwarf sends a stack per allocation: room for bursts of them. */
#define UPX_EVENTS_SIZE (16 << 20)
#define UPX_STACK_MAPS 1
#include "common.bpf.h"
#include "follow.bpf.h"
#include "stack.bpf.h"
#include "leaks.h"

const volatile struct leaks_config leaks_cfg = { .page_size = 4096 };

/* max_entries: --max-tracked, set before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct leaks_key);
	__type(value, struct leaks_val);
} leaks_outstanding SEC(".maps");

/* Between a call's entry and its return, by thread. */
struct leaks_pending {
	__u64 size;
	__u64 old;		/* realloc: the block given back */
	__u64 memptr;		/* posix_memalign: where the pointer goes */
	struct leaks_val old_val; /* the old block's entry, to put back if realloc fails */
	__u32 fn;		/* enum leaks_fn */
	__u16 had_old;
	__u16 sampled;
};

/* LRU: a thread that dies inside malloc leaves no entry behind for long. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct leaks_pending);
} leaks_pending SEC(".maps");

/* The number of the last DWARF stack record. */
__s64 leaks_seq;

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += n;
}

/*
 * Sampling: the bytes left before the next sample, per CPU.  The samples
 * fall on the stream of allocated bytes as a Poisson process of mean
 * interval sample_bytes (jemalloc's and tcmalloc's heap profiles do the
 * same), so a block of s bytes is sampled with probability 1 - e^(-s/I),
 * whatever came before it: user space weighs it by the inverse.
 */
struct leaks_countdown {
	__s64 left;
	__u64 started;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct leaks_countdown);
} leaks_countdown SEC(".maps");

/* log2(x) in 16.16 fixed point, x > 0: the integer part, then 16 bits by squaring. */
static __always_inline __u64 log2_q16(__u32 x)
{
	__u64 m, r;
	int msb = 31;

	while (msb > 0 && !(x >> msb))
		msb--;
	r = (__u64)msb << 16;
	m = (__u64)x << (31 - msb);	/* 1.f in Q31 */
	for (int i = 15; i >= 0; i--) {
		m = (m * m) >> 31;
		if (m >= (1ULL << 32)) {
			m >>= 1;
			r |= 1ULL << i;
		}
	}
	return r;
}

/* An exponentially distributed number of bytes of mean sample_bytes: -I ln(U), U uniform in (0, 1]. */
static __always_inline __s64 next_interval(void)
{
	__u32 u = bpf_get_prandom_u32() | 1;
	__u64 neg_log2 = (32ULL << 16) - log2_q16(u);	/* -log2(u / 2^32), Q16 */

	/* ln 2 = 45426 / 2^16 */
	return (((leaks_cfg.sample_bytes * neg_log2) >> 16) * 45426 >> 16) + 1;
}

/* The kernel's uprobe session (6.13), upx_leaks_session below. */
extern bool bpf_session_is_return(void) __ksym __weak;
extern __u64 *bpf_session_cookie(void) __ksym __weak;

/* Is an allocation of size bytes sampled? */
static __always_inline bool sampled(__u64 size)
{
	__u32 zero = 0;
	struct leaks_countdown *c = bpf_map_lookup_elem(&leaks_countdown, &zero);

	if (leaks_cfg.mode == LEAKS_MODE_ALL)
		return true;
	if (!c)
		return false;
	if (!c->started) {
		c->started = 1;
		c->left = next_interval();
	}
	c->left -= size;
	if (c->left > 0)
		return false;
	c->left = next_interval();
	return true;
}

static __always_inline bool pass(__u32 tgid)
{
	char comm[UPX_COMM_LEN];

	if (is_upx(tgid) || !followed(tgid))
		return false;
	if (has_comm) {
		bpf_get_current_comm(comm, sizeof(comm));
		if (!comm_matches(comm))
			return false;
	}
	return !has_cgroup || cgroup_matches();
}

static __always_inline __u32 fn_of(struct pt_regs *ctx)
{
	__u32 probe = bpf_get_attach_cookie(ctx);

	return probe < LEAKS_MAX_PROBES ? leaks_cfg.fn_of[probe] : LEAKS_NONE;
}

/* n * size, or all ones when it overflows (the call fails and nothing is tracked). */
static __always_inline __u64 mul_size(__u64 n, __u64 size)
{
	__u64 max = ~0ULL / (n ? n : 1);

	barrier_var(max);	/* else clang sees an overflow test and asks for a 128-bit multiply */
	return size > max ? ~0ULL : n * size;
}

/* Does the return of fn need more than the size (a session's cookie holds only that)? */
static __always_inline bool by_map(__u32 fn)
{
	return fn == LEAKS_REALLOC || fn == LEAKS_REALLOCARRAY || fn == LEAKS_POSIX_MEMALIGN;
}

/*
 * A call's entry: does its return have work to do?  session: a session's
 * entry, with a cookie for the return (else the return probe finds what it
 * needs in leaks_pending).
 */
static __always_inline bool on_entry(struct pt_regs *ctx, __u32 fn, bool session)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct leaks_pending p = { .fn = fn };
	struct leaks_key k = { .tgid = tgid };
	struct leaks_val *v;

	if (fn == LEAKS_NONE || !pass(tgid))
		return false;
	switch (fn) {
	case LEAKS_FREE:
		k.addr = PT_REGS_PARM1(ctx);
		if (k.addr && bpf_map_lookup_elem(&leaks_outstanding, &k))
			bpf_map_delete_elem(&leaks_outstanding, &k);
		return false;
	case LEAKS_MALLOC:
	case LEAKS_VALLOC:
		p.size = PT_REGS_PARM1(ctx);
		break;
	case LEAKS_PVALLOC:
		p.size = PT_REGS_PARM1(ctx);
		p.size = (p.size + leaks_cfg.page_size - 1) & ~(__u64)(leaks_cfg.page_size - 1);
		break;
	case LEAKS_CALLOC:
		p.size = mul_size(PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx));
		break;
	case LEAKS_REALLOC:
		p.old = PT_REGS_PARM1(ctx);
		p.size = PT_REGS_PARM2(ctx);
		break;
	case LEAKS_REALLOCARRAY:
		p.old = PT_REGS_PARM1(ctx);
		p.size = mul_size(PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx));
		break;
	case LEAKS_POSIX_MEMALIGN:
		p.memptr = PT_REGS_PARM1(ctx);
		p.size = PT_REGS_PARM3(ctx);
		break;
	case LEAKS_ALIGNED_ALLOC:
	case LEAKS_MEMALIGN:
		p.size = PT_REGS_PARM2(ctx);
		break;
	default:
		return false;
	}
	p.sampled = sampled(p.size);
	/* The old block leaves now: once realloc frees it, another thread may get its address. */
	if (p.old) {
		k.addr = p.old;
		v = bpf_map_lookup_elem(&leaks_outstanding, &k);
		if (v) {
			p.old_val = *v;
			p.had_old = 1;
			bpf_map_delete_elem(&leaks_outstanding, &k);
		}
	}
	/* Unsampled: the return has nothing to do (a realloc's old block may have to go back). */
	if (!p.sampled && !p.had_old)
		return 0;
	/*
	 * A session's return needs only the size: in its cookie, not in a map
	 * (asked for here: the calls that get this far are the few sampled).
	 */
	if (session && !by_map(fn)) {
		__u64 *cookie = bpf_session_cookie();

		if (cookie) {
			*cookie = p.size;
			return 1;
		}
	}
	return !bpf_map_update_elem(&leaks_pending, &id, &p, BPF_ANY);
}

UPX_UPROBE_TWINS(uprobe, upx_leaks_entry, (on_entry(ctx, fn_of(ctx), false), 0))

/* A new block: into the map, with its stack; counted when the map is full. */
static __always_inline void track(struct pt_regs *ctx, __u32 tgid, __u64 addr, __u64 size)
{
	struct leaks_key k = { .tgid = tgid, .addr = addr };
	struct leaks_val v = { .size = size, .ts_ns = bpf_ktime_get_ns() };
	struct leaks_rec *r = NULL;
	struct stack_walk ks = {};

	stack_announce(tgid);	/* the process's mappings, before its first stack */
	if (stack_cfg.mode == STACK_DWARF) {
		ks = stack_unwind(ctx);	/* unwound here, or copied */
		r = bpf_ringbuf_reserve(&events, sizeof(*r) + stack_extra(ks), 0);
		if (!r) {
			stat_inc(UPX_STAT_LOST);
			return;
		}
		v.ref = __sync_fetch_and_add(&leaks_seq, 1) + 1;
		r->tgid = tgid;
		r->kind = LEAKS_REC_ALLOC;
		r->addr = addr;
		r->seq = v.ref;
		stack_fill(ctx, r + 1, ks);
	} else {
		v.ref = bpf_get_stackid(ctx, &stack_traces, BPF_F_USER_STACK);
	}
	if (bpf_map_update_elem(&leaks_outstanding, &k, &v, BPF_ANY)) {
		stat_inc(LEAKS_STAT_UNTRACKED);
		stat_add(LEAKS_STAT_UNTRACKED_BYTES, size);
		if (r)
			bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);
		return;
	}
	if (r)
		submit_batched(r, sizeof(*r) + stack_extra(ks), v.ts_ns);	/* ks set with r */
}

/* A call's return; cookie: a session's, holding the size where the entry put it there. */
static __always_inline int on_return(struct pt_regs *ctx, __u64 *cookie)
{
	__u64 id = bpf_get_current_pid_tgid(), addr;
	__u32 tgid = id >> 32;
	struct leaks_pending *pp, p;
	struct leaks_key k = { .tgid = tgid };

	if (cookie && !by_map(fn_of(ctx))) {
		addr = PT_REGS_RC(ctx);
		if (addr)
			track(ctx, tgid, addr, *cookie);
		return 0;
	}
	pp = bpf_map_lookup_elem(&leaks_pending, &id);
	if (!pp)
		return 0;	/* not seen at its entry (another probe on the same address had it) */
	p = *pp;
	bpf_map_delete_elem(&leaks_pending, &id);
	addr = PT_REGS_RC(ctx);
	if (p.fn == LEAKS_POSIX_MEMALIGN) {
		if ((int)addr != 0 || bpf_probe_read_user(&addr, sizeof(addr), (void *)p.memptr))
			addr = 0;
	}
	if (addr) {
		if (p.sampled)
			track(ctx, tgid, addr, p.size);
		return 0;
	}
	/* Failed: a realloc's old block is still the caller's (size 0 freed it). */
	if (p.had_old && p.size) {
		k.addr = p.old;
		bpf_map_update_elem(&leaks_outstanding, &k, &p.old_val, BPF_ANY);
	}
	return 0;
}

UPX_UPROBE_TWINS(uretprobe, upx_leaks_return, on_return(ctx, NULL))

/*
 * The kernel's uprobe session (6.13): one program at entry and, when the
 * entry returns 0, at return, with a u64 per call shared by both.  An
 * unsampled call (and every free) returns 1 at its entry: one trap, no
 * return probe, no return address hijacked.
 */

SEC("uprobe.multi")	/* loaded as BPF_TRACE_UPROBE_SESSION: libbpf 1.4 has no section for it */
int upx_leaks_session(struct pt_regs *ctx)
{
	__u32 fn = fn_of(ctx);

	/* A free's entry never asks for its return: no kfunc call to know which this is. */
	if (fn != LEAKS_FREE && bpf_session_is_return())
		return on_return(ctx, bpf_session_cookie());
	return !on_entry(ctx, fn, true);
}

/* -c: a followed process that is gone leaves `follow` (its blocks stay: leaked at its exit). */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(upx_leaks_gone, const void *task)
{
	follow_forget(task);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
