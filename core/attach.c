// SPDX-License-Identifier: GPL-2.0
/* Live links for an attach plan: uprobe_multi where it pays, classic otherwise. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <bpf/libbpf.h>

#include "attach.h"
#include "plan.h"
#include "privs.h"
#include "util.h"

bool attach_has_multi(void)
{
	static int cached = -1;
	struct utsname u;
	int maj = 0, min = 0;
	const char *env = getenv("UPX_NO_MULTI");

	if (env && *env && strcmp(env, "0"))
		return false;
	if (cached >= 0)
		return cached;
	/* uprobe_multi links came with Linux 6.6. */
	cached = !uname(&u) && sscanf(u.release, "%d.%d", &maj, &min) == 2 &&
		 (maj > 6 || (maj == 6 && min >= 6));
	return cached;
}

/* Without CAP_SYS_ADMIN a classic link (a perf event) is refused: one site goes multi too. */
static bool group_is_multi(size_t nr)
{
	return (nr > 1 || !can_open_uprobe_perf_event()) && attach_has_multi();
}

void attach_prepare(const struct plan *plan, const struct attach_progs *p)
{
	bool use[4] = {};
	struct plan_group *g;
	size_t n = plan_groups(plan, &g);

	for (size_t i = 0; i < n; i++)
		use[(g[i].is_return ? 1 : 0) + (group_is_multi(g[i].nr) ? 2 : 0)] = true;
	plan_groups_free(g, n);
	if (p->entry)
		bpf_program__set_autoload(p->entry, use[0]);
	if (p->ret)
		bpf_program__set_autoload(p->ret, use[1]);
	if (p->entry_multi)
		bpf_program__set_autoload(p->entry_multi, use[2]);
	if (p->ret_multi)
		bpf_program__set_autoload(p->ret_multi, use[3]);
}

static void keep(struct attachment *a, struct bpf_link *l)
{
	ALLOC_GROW(a->links, a->nr + 1, a->alloc);
	a->links[a->nr++] = l;
}

/*
 * One multi link for idx[0..nr); when the kernel refuses the set, split it in
 * halves until the sites it refuses are found, and leave those out.
 */
static int attach_multi(const struct plan *plan, struct bpf_program *prog, const char *path,
			pid_t pid, bool is_return, const size_t *idx, size_t nr, struct attachment *a)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts);
	unsigned long *offsets = xcalloc(nr, sizeof(*offsets));
	__u64 *cookies = xcalloc(nr, sizeof(*cookies));
	struct bpf_link *l;
	int err;

	for (size_t i = 0; i < nr; i++) {
		offsets[i] = plan->entries[idx[i]].offset;
		cookies[i] = plan->entries[idx[i]].cookie;
	}
	opts.offsets = offsets;
	opts.cookies = cookies;
	opts.cnt = nr;
	opts.retprobe = is_return;
	l = bpf_program__attach_uprobe_multi(prog, pid, path, NULL, &opts);
	err = l ? 0 : -errno;
	free(offsets);
	free(cookies);
	if (l) {
		keep(a, l);
		a->nr_multi++;
		a->nr_sites += nr;
		return 0;
	}
	if (err == -ESRCH || err == -EPERM || err == -ENOENT || err == -EBADF)
		return err; /* not the sites' fault: the whole attach fails */
	if (nr == 1) {
		warning("'%s': the kernel refused the probe at +0x%lx: %s",
			plan->entries[idx[0]].label, (unsigned long)plan->entries[idx[0]].offset,
			strerror(-err));
		a->nr_refused++;
		return 0;
	}
	err = attach_multi(plan, prog, path, pid, is_return, idx, nr / 2, a);
	if (!err)
		err = attach_multi(plan, prog, path, pid, is_return, idx + nr / 2, nr - nr / 2, a);
	return err;
}

static int attach_one(const struct plan *plan, struct bpf_program *prog, const char *path,
		      pid_t pid, size_t i, struct attachment *a)
{
	const struct plan_entry *e = &plan->entries[i];
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = e->is_return, .bpf_cookie = e->cookie);
	struct bpf_link *l;

	l = bpf_program__attach_uprobe_opts(prog, pid, path, e->offset, &opts);
	if (!l)
		return -errno;
	keep(a, l);
	a->nr_sites++;
	return 0;
}

int attach_plan(const struct plan *plan, const struct attach_progs *p, pid_t pid,
		struct attachment *a)
{
	struct plan_group *g;
	size_t n = plan_groups(plan, &g);
	int err = 0;

	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < n && !err; i++) {
		const char *path = plan->files[g[i].file].path;

		if (group_is_multi(g[i].nr)) {
			err = attach_multi(plan, g[i].is_return ? p->ret_multi : p->entry_multi,
					   path, pid, g[i].is_return, g[i].idx, g[i].nr, a);
			if (err)
				error("'%s': cannot attach %zu uprobes: %s", path, g[i].nr,
				      strerror(-err));
			continue;
		}
		for (size_t k = 0; k < g[i].nr && !err; k++) {
			err = attach_one(plan, g[i].is_return ? p->ret : p->entry, path, pid,
					 g[i].idx[k], a);
			if (err &&
			    !explain_uprobe_perf_event_denied(plan->entries[g[i].idx[k]].label, err))
				error("'%s': cannot attach uprobe at +0x%lx: %s",
				      plan->entries[g[i].idx[k]].label,
				      (unsigned long)plan->entries[g[i].idx[k]].offset, strerror(-err));
		}
	}
	plan_groups_free(g, n);
	if (err) {
		attachment__destroy(a);
		return -1;
	}
	if (!a->nr_sites)
		return error("the kernel refused every probe");
	return 0;
}

void attachment__destroy(struct attachment *a)
{
	for (size_t i = 0; i < a->nr; i++)
		bpf_link__destroy(a->links[i]);
	free(a->links);
	memset(a, 0, sizeof(*a));
}
