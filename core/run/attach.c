// SPDX-License-Identifier: GPL-2.0
/* Live links for an attach plan: uprobe_multi where it pays, classic otherwise. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "base/bpf-obj.h"
#include "base/util.h"
#include "plan/plan.h"
#include "run/attach.h"
#include "run/privs.h"
#include "symbols/usdt.h"

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

/*
 * bpf_copy_from_user(fp - 8, 1, NULL); return 0: the kernel loads it only
 * where a uprobe program of that attach type may sleep and fault pages in.
 */
static bool probe_sleepable(enum bpf_attach_type type)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_10 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_1, .imm = -8 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = 1 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = 0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_copy_from_user },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_flags = BPF_F_SLEEPABLE,
		    .expected_attach_type = type);
	int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "upx_probe_sleep", "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), &opts);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

bool attach_has_sleepable(bool multi)
{
	static int cached[2] = { -1, -1 };
	const char *env = getenv("UPX_NO_SLEEPABLE");

	if (env && *env && strcmp(env, "0"))
		return false;
	if (cached[multi] < 0)
		cached[multi] = probe_sleepable(multi ? BPF_TRACE_UPROBE_MULTI : 0);
	return cached[multi];
}

/* The value of enum bpf_attach_type's enumerator name in the kernel's BTF, or 0. */
static int kernel_attach_type(const char *name)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	int id, ret = 0;

	if (!btf)
		return 0;
	id = btf__find_by_name_kind(btf, "bpf_attach_type", BTF_KIND_ENUM);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	for (int i = 0; t && i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, btf_enum(t)[i].name_off), name))
			ret = btf_enum(t)[i].val;
	btf__free(btf);
	return ret;
}

int attach_session_type(void)
{
	static int cached = -1;
	const char *env = getenv("UPX_NO_SESSION");

	if (env && *env && strcmp(env, "0"))
		return 0;
	/* Linux 6.13's; its kfuncs (bpf_session_cookie(), ...) came before it, with kprobe sessions. */
	if (cached < 0)
		cached = attach_has_multi() ? kernel_attach_type("BPF_TRACE_UPROBE_SESSION") : 0;
	return cached;
}

bool attach_uses_session(const struct attach_progs *p)
{
	return p->session && attach_session_type() > 0;
}

/*
 * A uprobe_multi link wherever the kernel has them, for one site too: it
 * detaches in tens of ms where a classic (perf event) link takes ~0.1 s, and
 * needs no CAP_SYS_ADMIN.  Classic links are the fallback (UPX_NO_MULTI=1).
 */
static bool group_is_multi(size_t nr)
{
	return nr > 0 && attach_has_multi();
}

/* The kind of program a group of the plan needs: classic or multi, entry or return. */
enum { PROG_ENTRY, PROG_RET, PROG_ENTRY_MULTI, PROG_RET_MULTI, PROG_KINDS };

static int group_kind(const struct plan_group *g)
{
	return (g->is_return ? PROG_RET : PROG_ENTRY) + (group_is_multi(g->nr) ? 2 : 0);
}

static struct bpf_program *prog_for(const struct attach_progs *p, bool sleepable, int kind)
{
	struct bpf_program *const plain[PROG_KINDS] = { p->entry, p->ret, p->entry_multi,
							p->ret_multi };
	struct bpf_program *const twins[PROG_KINDS] = { p->entry_s, p->ret_s, p->entry_multi_s,
							p->ret_multi_s };

	return sleepable ? twins[kind] : plain[kind];
}

/* Which kinds of program the plan needs. */
static void kinds_used(const struct plan *plan, bool use[PROG_KINDS])
{
	struct plan_group *g;
	size_t n = plan_groups(plan, &g);

	for (size_t i = 0; i < n; i++)
		use[group_kind(&g[i])] = true;
	plan_groups_free(g, n);
}

/* Every kind the plan needs has its twin, and the kernel loads it. */
bool attach_uses_sleepable(const struct plan *plan, const struct attach_progs *p)
{
	bool use[PROG_KINDS] = {};

	if (!p->entry_s && !p->ret_s && !p->entry_multi_s && !p->ret_multi_s)
		return false;
	kinds_used(plan, use);
	for (int k = 0; k < PROG_KINDS; k++)
		if (use[k] && (!prog_for(p, true, k) ||
			       !attach_has_sleepable(k == PROG_ENTRY_MULTI || k == PROG_RET_MULTI)))
			return false;
	return true;
}

static bool plan_has_usdt(const struct plan *plan)
{
	for (size_t i = 0; i < plan->nr; i++)
		if (plan->entries[i].is_usdt)
			return true;
	return false;
}

/* The USDT program: its sleepable twin when it is set and the kernel loads one. */
static struct bpf_program *usdt_prog(const struct attach_progs *p)
{
	return p->usdt_s && attach_has_sleepable(true) && attach_has_sleepable(false) ?
		       p->usdt_s : p->usdt;
}

/*
 * usdt.bpf.h's spec of libbpf 1.4 (struct __bpf_usdt_arg_spec, __bpf_usdt_spec),
 * checked against the map's value size before use.
 */
struct bpf_usdt_arg_spec_v1 {
	__u64 val_off;
	__u32 arg_type;		/* 0 const, 1 register, 2 register + offset in memory */
	short reg_off;
	bool arg_signed;
	char arg_bitshift;
};

struct bpf_usdt_spec_v1 {
	struct bpf_usdt_arg_spec_v1 args[12];
	__u64 usdt_cookie;
	short arg_cnt;
};

/* The sites of USDT entries in plan files[file] that can be traced: their count, each in *out. */
static size_t usdt_sites(const struct plan *plan, int file, const struct usdt_probe ***out,
			 size_t **entry)
{
	const struct usdt_notes *n = plan->files[file].usdt;
	size_t nr = 0;

	*out = xcalloc(n ? n->nr + 1 : 1, sizeof(**out));
	*entry = xcalloc(n ? n->nr + 1 : 1, sizeof(**entry));
	for (size_t i = 0; n && i < n->nr; i++) {
		const struct usdt_probe *p = &n->probes[i];

		if (plan_usdt_site_left_out(plan, file, p))
			continue;
		for (size_t k = 0; k < plan->nr; k++) {
			const struct plan_entry *e = &plan->entries[k];

			if (e->is_usdt && e->file == file &&
			    !strcmp(e->usdt_provider, p->provider) && !strcmp(e->usdt_name, p->name)) {
				(*out)[nr] = p;
				(*entry)[nr++] = k;
				break;
			}
		}
	}
	return nr;
}

static size_t usdt_total_sites(const struct plan *plan)
{
	size_t total = 0;

	for (size_t f = 0; f < plan->nr_files; f++) {
		const struct usdt_probe **sites;
		size_t *entry;

		total += usdt_sites(plan, f, &sites, &entry);
		free(sites);
		free(entry);
	}
	return total;
}

/* upx writes the specs itself (one link per file), or leaves it all to libbpf. */
static bool usdt_own_links(const struct attach_progs *p)
{
	return attach_has_multi() && p->usdt_specs &&
	       bpf_map__value_size(p->usdt_specs) == sizeof(struct bpf_usdt_spec_v1);
}

void attach_prepare(const struct plan *plan, const struct attach_progs *p)
{
	bool use[PROG_KINDS] = {}, sleepable = attach_uses_sleepable(plan, p);
	bool usdt = plan_has_usdt(plan);

	/*
	 * A spec per site at most (libbpf shares one among sites with the same spec);
	 * for copies found later (each site of a copy has a spec of its own, which
	 * names its file), eight times as many again and 256 more: a spec is 208 bytes.
	 */
	if (p->usdt_specs) {
		size_t n = usdt ? usdt_total_sites(plan) : 0;

		if (n && p->usdt_copies)
			n += 8 * n + 256;
		bpf_map__set_max_entries(p->usdt_specs, n ? n : 1);
	}

	if (p->usdt)
		bpf_program__set_autoload(p->usdt, usdt && usdt_prog(p) == p->usdt);
	if (p->usdt_s)
		bpf_program__set_autoload(p->usdt_s, usdt && usdt_prog(p) == p->usdt_s);

	kinds_used(plan, use);
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < PROG_KINDS; k++) {
			struct bpf_program *prog = prog_for(p, s, k);

			if (prog)
				bpf_program__set_autoload(prog, use[k] && sleepable == s &&
							  !attach_uses_session(p));
		}
	if (p->session) {
		bpf_program__set_autoload(p->session, attach_uses_session(p));
		if (attach_uses_session(p))
			bpf_program__set_expected_attach_type(p->session, attach_session_type());
	}
}

static void keep(struct attachment *a, struct bpf_link *l)
{
	ALLOC_GROW(a->links, a->nr + 1, a->alloc);
	a->links[a->nr++] = l;
}

/*
 * A uprobe session link: bpf(2) itself, as libbpf 1.4's bpf_link_create()
 * copies the uprobe_multi fields for BPF_TRACE_UPROBE_MULTI only.  The link's
 * fd, or -errno.
 */
static int session_link(struct bpf_program *prog, const char *path, pid_t pid,
			const unsigned long *offsets, const __u64 *cookies, size_t nr)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = bpf_program__fd(prog);
	attr.link_create.attach_type = attach_session_type();
	attr.link_create.uprobe_multi.path = (uintptr_t)path;
	attr.link_create.uprobe_multi.offsets = (uintptr_t)offsets;
	attr.link_create.uprobe_multi.cookies = (uintptr_t)cookies;
	attr.link_create.uprobe_multi.cnt = nr;
	attr.link_create.uprobe_multi.pid = pid > 0 ? pid : 0;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

/*
 * One multi link for idx[0..nr) (a session link when prog was loaded as a
 * session program); when the kernel refuses the set, split it in halves
 * until the sites it refuses are found, and leave those out.
 */
static int attach_multi(const struct plan *plan, struct bpf_program *prog, const char *path,
			pid_t pid, bool is_return, const size_t *idx, size_t nr, struct attachment *a)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts);
	unsigned long *offsets = xcalloc(nr, sizeof(*offsets));
	__u64 *cookies = xcalloc(nr, sizeof(*cookies));
	/* an uprobe_multi program is not a session one: the kernel's BTF is not read for it */
	bool session = bpf_program__expected_attach_type(prog) != BPF_TRACE_UPROBE_MULTI &&
		       attach_session_type() > 0 &&
		       (int)bpf_program__expected_attach_type(prog) == attach_session_type();
	struct bpf_link *l = NULL;
	int err, fd = -1;

	for (size_t i = 0; i < nr; i++) {
		offsets[i] = plan->entries[idx[i]].offset;
		cookies[i] = plan->entries[idx[i]].cookie;
	}
	opts.offsets = offsets;
	opts.cookies = cookies;
	opts.cnt = nr;
	opts.retprobe = is_return;
	if (session) {
		fd = session_link(prog, path, pid, offsets, cookies, nr);
		err = fd < 0 ? fd : 0;
	} else {
		l = bpf_program__attach_uprobe_multi(prog, pid, path, NULL, &opts);
		err = l ? 0 : -errno;
	}
	free(offsets);
	free(cookies);
	if (!err) {
		if (l)
			keep(a, l);
		if (fd >= 0) {
			ALLOC_GROW(a->session_fds, a->nr_session + 1, a->alloc_session);
			a->session_fds[a->nr_session++] = fd;
		}
		a->nr_multi++;
		a->nr_sites += nr;
		for (size_t i = 0; i < nr; i++)
			a->nr_probes += idx[i] < plan->nr_probes;
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
	a->nr_probes += i < plan->nr_probes;
	return 0;
}

static int usdt_spec_of(const struct usdt_probe *p, __u64 cookie, struct bpf_usdt_spec_v1 *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->usdt_cookie = cookie;
	spec->arg_cnt = p->nr_args;
	for (int i = 0; i < p->nr_args; i++) {
		const struct usdt_arg *a = &p->argv[i];
		struct bpf_usdt_arg_spec_v1 *s = &spec->args[i];

		s->arg_type = a->kind == USDT_ARG_CONST ? 0 : a->kind == USDT_ARG_REG ? 1 : 2;
		s->val_off = a->value;
		s->reg_off = a->kind == USDT_ARG_CONST ? 0 : usdt_reg_offset(a->reg);
		s->arg_signed = a->is_signed;
		s->arg_bitshift = 64 - a->size * 8;
	}
	return 0;
}

/* The error of a USDT attach the kernel refused: the semaphore, when there is one. */
static int usdt_attach_error(const struct plan *plan, size_t entry, pid_t pid, int err)
{
	const struct plan_entry *e = &plan->entries[entry];

	if (e->usdt->semaphore && pid > 0 && (err == -EFAULT || err == -EPERM ||
					     err == -EACCES || err == -EINVAL))
		return error("'%s': cannot attach: the kernel could not increment its semaphore at "
			     "0x%llx in process %d: %s", e->label,
			     (unsigned long long)e->usdt->semaphore, (int)pid, strerror(-err));
	return error("'%s': cannot attach the USDT probe: %s", e->label, strerror(-err));
}

/*
 * Every USDT site of files[file] in one uprobe_multi link: spec k (from
 * *next_spec on) is site k's arguments and plan index, its attach cookie k,
 * its semaphore a ref_ctr_offset.
 */
static int attach_usdt_file(const struct plan *plan, const struct attach_progs *p, int file,
			    pid_t pid, struct attachment *a)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts);
	const struct usdt_probe **sites;
	size_t *entry, nr = usdt_sites(plan, file, &sites, &entry), probes = 0;
	unsigned long *offsets = xcalloc(nr + 1, sizeof(*offsets));
	unsigned long *ref_ctr = xcalloc(nr + 1, sizeof(*ref_ctr));
	__u64 *cookies = xcalloc(nr + 1, sizeof(*cookies));
	int fd = bpf_map__fd(p->usdt_specs), err = 0;
	struct bpf_link *l;

	if (nr && a->next_usdt_spec + nr > bpf_map__max_entries(p->usdt_specs))
		err = error("'%s': no room left for its USDT argument specs (%u kept)",
			    plan->files[file].path, bpf_map__max_entries(p->usdt_specs));
	for (size_t i = 0; i < nr && !err; i++) {
		struct bpf_usdt_spec_v1 spec;
		int key = a->next_usdt_spec++;

		usdt_spec_of(sites[i], plan->entries[entry[i]].cookie, &spec);
		if (bpf_map_update_elem(fd, &key, &spec, BPF_ANY))
			err = error("cannot write the USDT argument specs: %s", strerror(errno));
		offsets[i] = sites[i]->offset;
		ref_ctr[i] = sites[i]->sema_offset;
		cookies[i] = key;
		/* Sites of one probe are adjacent in entry[] only by chance: count first sites. */
		probes += plan->entries[entry[i]].usdt == sites[i];
	}
	if (!err && nr) {
		opts.offsets = offsets;
		opts.ref_ctr_offsets = ref_ctr;
		opts.cookies = cookies;
		opts.cnt = nr;
		l = bpf_program__attach_uprobe_multi(usdt_prog(p), pid, plan->files[file].path,
						     NULL, &opts);
		if (l) {
			keep(a, l);
			a->nr_multi++;
			a->nr_sites += probes; /* probes, as the plan counts them */
			if (plan->files[file].primary == file)
				a->nr_probes += probes;
		} else {
			err = usdt_attach_error(plan, entry[0], pid, -errno);
		}
	}
	free(sites);
	free(entry);
	free(offsets);
	free(ref_ctr);
	free(cookies);
	return err;
}

/*
 * Every site of a USDT entry at once, through libbpf, which reads the notes
 * again for the argument specs its BPF side (usdt.bpf.h) decodes.
 */
static int attach_usdt(const struct plan *plan, struct bpf_program *prog, pid_t pid, size_t i,
		       struct attachment *a)
{
	const struct plan_entry *e = &plan->entries[i];
	LIBBPF_OPTS(bpf_usdt_opts, opts, .usdt_cookie = e->cookie);
	struct bpf_link *l;

	if (e->usdt_left_out)
		return error("'%s': %zu of its sites were left out, and libbpf's USDT attach "
			     "(without uprobe_multi links) takes every site of a probe",
			     e->label, e->usdt_left_out);
	l = bpf_program__attach_usdt(prog, pid, plan->files[e->file].path, e->usdt_provider,
				     e->usdt_name, &opts);
	if (!l)
		return usdt_attach_error(plan, i, pid, -errno);
	ALLOC_GROW(a->usdt_links, a->nr_usdt + 1, a->alloc_usdt);
	a->usdt_links[a->nr_usdt++] = l;
	/* libbpf makes one uprobe_multi link of all sites when the kernel has them. */
	if (bpf_program__expected_attach_type(prog) == BPF_TRACE_UPROBE_MULTI)
		a->nr_multi++;
	a->nr_sites++;
	a->nr_probes += i < plan->nr_probes;
	return 0;
}

/* The sites of files[file] (every file when file < 0). */
static int attach_sites(const struct plan *plan, const struct attach_progs *p, pid_t pid, int file,
			struct attachment *a)
{
	bool sleepable = attach_uses_sleepable(plan, p), session = attach_uses_session(p);
	struct plan_group *g;
	size_t n = plan_groups(plan, &g);
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		const char *path = plan->files[g[i].file].path;

		if ((file >= 0 && g[i].file != file) || (session && g[i].is_return))
			continue;	/* a session program runs at the returns its entry asks for */
		if (group_is_multi(g[i].nr)) {
			err = attach_multi(plan, session ? p->session :
					   prog_for(p, sleepable, group_kind(&g[i])),
					   path, pid, g[i].is_return, g[i].idx, g[i].nr, a);
			if (err)
				error("'%s': cannot attach %s: %s", path,
				      count_noun(g[i].nr, "uprobe", "uprobes"), strerror(-err));
			continue;
		}
		for (size_t k = 0; k < g[i].nr && !err; k++) {
			err = attach_one(plan, prog_for(p, sleepable, group_kind(&g[i])), path,
					 pid, g[i].idx[k], a);
			if (err &&
			    !explain_uprobe_perf_event_denied(plan->entries[g[i].idx[k]].label, err))
				error("'%s': cannot attach uprobe at +0x%lx: %s",
				      plan->entries[g[i].idx[k]].label,
				      (unsigned long)plan->entries[g[i].idx[k]].offset, strerror(-err));
		}
	}
	plan_groups_free(g, n);
	if (plan_has_usdt(plan) && usdt_own_links(p)) {
		for (size_t f = 0; f < plan->nr_files && !err; f++)
			if (file < 0 || (int)f == file)
				err = attach_usdt_file(plan, p, f, pid, a);
	} else {
		for (size_t i = 0; i < plan->nr && !err; i++)
			if (plan->entries[i].is_usdt && (file < 0 || plan->entries[i].file == file))
				err = attach_usdt(plan, usdt_prog(p), pid, i, a);
	}
	return err ? -1 : 0;
}

int attach_plan(const struct plan *plan, const struct attach_progs *p, pid_t pid,
		struct attachment *a)
{
	memset(a, 0, sizeof(*a));
	if (attach_sites(plan, p, pid, -1, a)) {
		attachment__destroy(a);
		return -1;
	}
	if (!a->nr_sites)
		return error("the kernel refused every probe");
	return 0;
}

int attach_plan_file(const struct plan *plan, const struct attach_progs *p, pid_t pid, int file,
		     struct attachment *a)
{
	return attach_sites(plan, p, pid, file, a);
}

/* At most this many threads detach links at once. */
#define DETACH_THREADS 16

struct detach_slice {
	struct bpf_link **links;
	size_t first, nr, step;
};

static void *detach_slice(void *p)
{
	struct detach_slice *d = p;

	for (size_t i = d->first; i < d->nr; i += d->step)
		bpf_link__destroy(d->links[i]);
	return NULL;
}

/*
 * The release of a uprobe link waits for the kernel's grace periods (20-60 ms
 * here): the links go on several threads at once, so that a stop waits for
 * about one of them, not their sum (--latency has two, USDT and uprobe specs
 * one each per file).  libbpf's USDT links go one after the other on this
 * thread meanwhile: their release is not safe from two threads (ASan saw a
 * double free in libbpf's USDT manager).
 */
void attachment__destroy(struct attachment *a)
{
	size_t nt = a->nr < DETACH_THREADS ? a->nr : DETACH_THREADS, started = 0;
	struct detach_slice d[DETACH_THREADS];
	pthread_t t[DETACH_THREADS];

	for (size_t k = 0; k < nt; k++) {
		d[k] = (struct detach_slice){ a->links, k, a->nr, nt };
		/* The last slice (and any a thread could not take) on this one. */
		if (k + 1 == nt || pthread_create(&t[started], NULL, detach_slice, &d[k]))
			detach_slice(&d[k]);
		else
			started++;
	}
	for (size_t i = 0; i < a->nr_usdt; i++)
		bpf_link__destroy(a->usdt_links[i]);
	for (size_t i = 0; i < a->nr_session; i++)
		close(a->session_fds[i]);
	while (started)
		pthread_join(t[--started], NULL);
	free(a->links);
	free(a->usdt_links);
	free(a->session_fds);
	memset(a, 0, sizeof(*a));
}

int attach_progs_named(struct attach_progs *progs, struct bpf_object *obj, const char *entry,
		       const char *ret, const char *usdt, bool sleepable)
{
	const struct {
		struct bpf_program **prog;
		const char *name, *twin;
	} want[] = {
		{ &progs->entry, entry, "" }, { &progs->entry_multi, entry, "_multi" },
		{ &progs->ret, ret, "" }, { &progs->ret_multi, ret, "_multi" },
		{ &progs->usdt, usdt, "" },
		/* the sleepable ones last */
		{ &progs->entry_s, entry, "_s" }, { &progs->entry_multi_s, entry, "_multi_s" },
		{ &progs->ret_s, ret, "_s" }, { &progs->ret_multi_s, ret, "_multi_s" },
		{ &progs->usdt_s, usdt, "_s" },
	};
	char name[128];

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct bpf_program *prog;

		if (!want[i].name)
			continue;
		snprintf(name, sizeof(name), "%s%s", want[i].name, want[i].twin);
		if (i >= 5 && !sleepable) {
			/* not used: not loaded either (the verifier's time, at every start) */
			prog = bpf_object__find_program_by_name(obj, name);
			if (prog)
				bpf_program__set_autoload(prog, false);
			continue;
		}
		*want[i].prog = bpf_prog_named(obj, name);
		if (!*want[i].prog)
			return -1;
	}
	return 0;
}
