/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counting what a filter drops (probes/drops.h), for the zero report.  Only
 * a dropped call comes here: a call that passes every filter, and a run
 * without filters, costs nothing more (the maps are then sized 1 by user
 * space, and the branches that reach them are pruned with the filters).
 */
#ifndef UPX_PROBES_DROPS_BPF_H
#define UPX_PROBES_DROPS_BPF_H

#include "drops.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);	/* probes * UPX_FILTER_NR, set before load */
	__type(key, __u32);
	__type(value, struct upx_drop);
} drops SEC(".maps");

/*
 * Per CPU, so that a storm of dropped calls bounces no cache line.  Full,
 * a new value is not counted under its own name (its calls stay in `drops`:
 * user space shows them as from other values).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);	/* UPX_DROP_VALUES when a filter is on */
	__type(key, struct upx_drop_key);
	__type(value, __u64);
} drop_values SEC(".maps");

/* One call of probe dropped by filter; v: the value --min/--max tested (else not looked at). */
static __always_inline void drop_count(__u32 probe, __u32 filter, __u64 v)
{
	__u32 k = probe * UPX_FILTER_NR + filter;
	struct upx_drop *d = bpf_map_lookup_elem(&drops, &k);

	if (!d)
		return;
	if ((filter == UPX_FILTER_MIN || filter == UPX_FILTER_MAX) &&
	    (!d->count || (filter == UPX_FILTER_MIN ? v > d->extreme : v < d->extreme)))
		d->extreme = v;
	d->count++;
}

/* ... and the value it was dropped for: a comm, or a number (uid, cgroup id). */
static __always_inline void drop_value(__u32 probe, __u32 filter, const char *comm, __u64 num)
{
	struct upx_drop_key key = { .probe = probe, .filter = filter };
	__u64 one = 1, *n;

	if (comm)
		__builtin_memcpy(key.value, comm, UPX_COMM_LEN);
	else
		__builtin_memcpy(key.value, &num, sizeof(num));
	n = bpf_map_lookup_elem(&drop_values, &key);
	if (n) {
		(*n)++;
		return;
	}
	/* Made by another CPU meanwhile (-EEXIST): count on this CPU's slot of it. */
	if (bpf_map_update_elem(&drop_values, &key, &one, BPF_NOEXIST)) {
		n = bpf_map_lookup_elem(&drop_values, &key);
		if (n)
			(*n)++;
	}
}

#endif
