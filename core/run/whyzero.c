// SPDX-License-Identifier: GPL-2.0
/*
 * The zero report's facts (core/run/whyzero.h): read from the kernel's drop
 * counters, from /proc and the executables it names, from the plan and
 * from DWARF.  Every number is one upx counted; where a walk ran out of
 * time, the fact says so instead of guessing the rest.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "base/util.h"
#include "plan/plan.h"
#include "run/bpf-util.h"
#include "run/facts.h"
#include "run/whyzero.h"
#include "symbols/dwarf.h"
#include "symbols/elf.h"
#include "target/cgroup.h"
#include "target/libsearch.h"
#include "target/proc.h"

/* cgroup directories walked to name a cgroup id seen by --cgroup's drops. */
#define WHYZERO_CGROUP_DIRS 20000

/* Processes ------------------------------------------------------------------ */

/* One running process, as the walk saw it. */
struct walked {
	pid_t pid;
	bool *maps;		/* per file of the plan: does it map it? */
	struct file_id exe;
	bool has_exe;
	char comm[UPX_COMM_LEN];
	size_t comm_len;
};

struct proc_walk {
	struct walked *p;
	size_t nr, alloc;
	size_t total;		/* processes listed in /proc */
	bool cut;		/* the time ran out before all were read */
};

/* The file_id of each file of the plan (ino 0: cannot be known). */
static struct file_id *plan_file_ids(const struct plan *plan)
{
	struct file_id *ids = xcalloc(plan->nr_files ? plan->nr_files : 1, sizeof(*ids));

	for (size_t i = 0; i < plan->nr_files; i++)
		if (file_id_of(plan->files[i].path, &ids[i]))
			ids[i].ino = 0;
	return ids;
}

static bool same_id(const struct file_id *a, const struct file_id *b)
{
	return a->ino && a->ino == b->ino && a->major == b->major && a->minor == b->minor;
}

static void read_comm(struct walked *w)
{
	char path[64], *buf;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)w->pid);
	if (read_file(path, &buf, &len))
		return;
	if (len && buf[len - 1] == '\n')
		len--;
	w->comm_len = len < sizeof(w->comm) ? len : sizeof(w->comm);
	memcpy(w->comm, buf, w->comm_len);
	free(buf);
}

/* Every process but upx: which files of the plan it maps; with_exe: its executable and name. */
static void walk_procs(const struct file_id *files, size_t nr_files, double deadline, bool with_exe,
		       struct proc_walk *w)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();

	while (d && (de = readdir(d))) {
		struct walked p = {};
		char path[64];

		p.pid = atoi(de->d_name);
		if (p.pid <= 0 || p.pid == self)
			continue;
		w->total++;
		if (w->cut || mono_now() > deadline) {
			w->cut = true;
			continue;	/* counted in total, not read */
		}
		p.maps = xcalloc(nr_files ? nr_files : 1, sizeof(*p.maps));
		if (proc_maps_which(p.pid, files, nr_files, p.maps)) {
			free(p.maps);
			w->total--;	/* gone meanwhile */
			continue;
		}
		if (with_exe) {
			snprintf(path, sizeof(path), "/proc/%d/exe", (int)p.pid);
			p.has_exe = !file_id_of(path, &p.exe);
			read_comm(&p);
		}
		ALLOC_GROW(w->p, w->nr + 1, w->alloc);
		w->p[w->nr++] = p;
	}
	if (d)
		closedir(d);
}

static void proc_walk_free(struct proc_walk *w)
{
	for (size_t i = 0; i < w->nr; i++)
		free(w->p[i].maps);
	free(w->p);
}

struct whyzero_start {
	size_t nr_files;
	size_t *mapping;	/* per file: processes that mapped it */
	bool cut;
};

struct whyzero_start *whyzero_start(const struct plan *plan, double budget_s)
{
	struct file_id *ids = plan_file_ids(plan);
	struct whyzero_start *ws = xcalloc(1, sizeof(*ws));
	struct proc_walk w = {};

	walk_procs(ids, plan->nr_files, mono_now() + budget_s, false, &w);
	ws->nr_files = plan->nr_files;
	ws->mapping = xcalloc(plan->nr_files ? plan->nr_files : 1, sizeof(*ws->mapping));
	ws->cut = w.cut;
	for (size_t i = 0; i < w.nr; i++)
		for (size_t f = 0; f < plan->nr_files; f++)
			ws->mapping[f] += w.p[i].maps[f];
	proc_walk_free(&w);
	free(ids);
	return ws;
}

void whyzero_start_free(struct whyzero_start *ws)
{
	if (!ws)
		return;
	free(ws->mapping);
	free(ws);
}

/* What gathering keeps between the probes. */
struct gather {
	const struct whyzero_run *run;
	struct facts *f;
	bool all;
	double deadline;
	struct file_id *ids;		/* per plan file */
	struct proc_walk walk;		/* system-wide: the processes at the end */
	bool walked;
	/* Executables read, by device and inode (NULL ef: not an ELF upx reads). */
	struct exe {
		struct file_id id;
		struct elf_file *ef;
	} *exes;
	size_t nr_exes, alloc_exes;
	bool cut;			/* the time ran out: an executable or DWARF not read */
};

/* The executable at path (id), its symbols read once; NULL when it is not one upx reads. */
static struct elf_file *exe_get(struct gather *g, const char *path, const struct file_id *id)
{
	struct elf_file *ef = NULL;
	char err[256];

	for (size_t i = 0; i < g->nr_exes; i++)
		if (same_id(&g->exes[i].id, id))
			return g->exes[i].ef;
	if (mono_now() > g->deadline) {
		g->cut = true;
		return NULL;
	}
	if (elf_file__open(path, &ef, err, sizeof(err)) ||
	    elf_file__load_syms(ef, ELF_SYMS_NO_DEBUG_FILE)) {
		elf_file__close(ef);
		ef = NULL;
	}
	ALLOC_GROW(g->exes, g->nr_exes + 1, g->alloc_exes);
	g->exes[g->nr_exes++] = (struct exe){ *id, ef };
	return ef;
}

/* Does the ELF file define the function the entry probes, as a function of its own? */
static bool defines(struct elf_file *ef, const struct plan_entry *pe)
{
	const char *name = pe->is_ifunc ? pe->ifunc : pe->func;
	struct elf_sym *s;
	size_t n = elf_file__find_syms(ef, name, &s);

	for (size_t i = 0; i < n; i++)
		if (s[i].defined && s[i].offset &&
		    (s[i].type == STT_FUNC || s[i].type == STT_GNU_IFUNC))
			return true;
	/* A C++ name as shown (demangled): the matcher that found it. */
	if (!strchr(name, ':') && !strchr(name, '('))
		return false;
	for (size_t i = 0; i < ef->nr_syms; i++) {
		s = &ef->syms[i];
		if (s->defined && s->offset && (s->type == STT_FUNC || s->type == STT_GNU_IFUNC) &&
		    elf_sym__matches(s, name, 0))
			return true;
	}
	return false;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static const char *exe_kind(const struct elf_file *ef)
{
	return ef->is_go ? " (a Go program)" : ef->is_static ? " (statically linked)" : "";
}

/* Filters ---------------------------------------------------------------------- */

struct drop_value {
	struct upx_drop_key key;
	uint64_t calls;
};

/* Every value the kernel kept, with its calls summed over the CPUs. */
static size_t read_drop_values(int fd, struct drop_value **out)
{
	struct upx_drop_key key, next, *prev = NULL;
	struct drop_value *v = NULL;
	size_t nr = 0, alloc = 0;

	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		ALLOC_GROW(v, nr + 1, alloc);
		v[nr] = (struct drop_value){ key, percpu_u64_sum_key(fd, &key) };
		nr += v[nr].calls > 0;
	}
	*out = v;
	return nr;
}

/* A probe's drops by one filter: the calls, and the extreme value --min/--max dropped. */
static uint64_t read_drop(int fd, uint32_t key, uint64_t *extreme, bool largest)
{
	static struct upx_drop *vals;
	int nr_cpus = percpu_nr_cpus();
	uint64_t count = 0;

	if (!vals)
		vals = xcalloc(nr_cpus, sizeof(*vals));
	if (bpf_map_lookup_elem(fd, &key, vals))
		return 0;
	for (int i = 0; i < nr_cpus; i++) {
		if (!vals[i].count)
			continue;
		if (!count || (largest ? vals[i].extreme > *extreme : vals[i].extreme < *extreme))
			*extreme = vals[i].extreme;
		count += vals[i].count;
	}
	return count;
}

static const char *const values_seen[UPX_FILTER_NR] = {
	[UPX_FILTER_PID] = "comms seen",
	[UPX_FILTER_UID] = "uids seen",
	[UPX_FILTER_COMM] = "comms seen",
	[UPX_FILTER_CGROUP] = "cgroups seen",
};

/* The name of a value a call was dropped for: its comm, uid, or cgroup (below the v2 mount). */
static void value_item(struct fact *fa, const struct drop_value *v, const char *cg_mnt)
{
	uint64_t num = 0;
	char buf[32], *path = NULL;

	switch (v->key.filter) {
	case UPX_FILTER_UID:
		memcpy(&num, v->key.value, sizeof(uint32_t));
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)num);
		fact__item(fa, buf, strlen(buf), v->calls);
		return;
	case UPX_FILTER_CGROUP:
		memcpy(&num, v->key.value, sizeof(num));
		path = cg_mnt ? cgroup_path_of(cg_mnt, num, WHYZERO_CGROUP_DIRS) : NULL;
		if (!path)
			path = xasprintf("id %llu", (unsigned long long)num);
		fact__item(fa, path, strlen(path), v->calls);
		free(path);
		return;
	default:
		fact__item(fa, v->key.value, strnlen(v->key.value, sizeof(v->key.value)), v->calls);
	}
}

/* Each filter that is on, as the user gave it ("--comm python3"), into text[]. */
static void filter_texts(const struct whyzero_run *run, char text[UPX_FILTER_NR][PATH_MAX + 32])
{
	const struct whyzero_filters *fl = &run->filters;
	char num[32];

	memset(text, 0, UPX_FILTER_NR * sizeof(text[0]));
	if (run->pid > 0)
		snprintf(text[UPX_FILTER_PID], sizeof(text[0]), "-p %d", (int)run->pid);
	else if (run->follow || run->cmd_only)
		snprintf(text[UPX_FILTER_PID], sizeof(text[0]), "%s",
			 run->follow ? "--follow" : "-c");
	if (fl->uid >= 0)
		snprintf(text[UPX_FILTER_UID], sizeof(text[0]), "--uid %lld", fl->uid);
	if (fl->comm)
		snprintf(text[UPX_FILTER_COMM], sizeof(text[0]), "--comm %s", fl->comm);
	if (fl->cgroup)
		snprintf(text[UPX_FILTER_CGROUP], sizeof(text[0]), "--cgroup %s", fl->cgroup);
	if (fl->has_min)
		snprintf(text[UPX_FILTER_MIN], sizeof(text[0]), "--min %s", fact_num(num, fl->min));
	if (fl->has_max)
		snprintf(text[UPX_FILTER_MAX], sizeof(text[0]), "--max %s", fact_num(num, fl->max));
}

static void filter_facts(struct gather *g)
{
	const struct whyzero_run *run = g->run;
	char filters[UPX_FILTER_NR][PATH_MAX + 32];
	struct drop_value *vals = NULL;
	size_t nr_vals = 0;
	char *cg_mnt = NULL;
	char num[32], ext[32];

	if (run->drops_fd < 0)
		return;
	filter_texts(run, filters);
	nr_vals = read_drop_values(run->drop_values_fd, &vals);
	if (run->filters.cgroup)
		cg_mnt = cgroup_v2_mount();
	for (size_t i = 0; i < run->plan->nr_probes; i++) {
		if (!facts__wanted(g->f, i, g->all))
			continue;
		for (int k = 0; k < UPX_FILTER_NR; k++) {
			uint64_t extreme = 0, calls, listed = 0;
			struct fact *fa;

			if (!filters[k][0])
				continue;
			calls = read_drop(run->drops_fd, i * UPX_FILTER_NR + k, &extreme,
					  k == UPX_FILTER_MIN);
			if (!calls)
				continue;
			fa = facts__add(g->f, i, FACT_RANK_FILTER, "filter", calls,
					"%s call%s dropped by %s", fact_num(num, calls),
					calls == 1 ? "" : "s", filters[k]);
			/* --min, --max: the value nearest the bound that a call was dropped for */
			if (k == UPX_FILTER_MIN || k == UPX_FILTER_MAX) {
				free(fa->text);
				fa->text = xasprintf("%s call%s dropped by %s (the %s value "
						     "dropped: %s)", num, calls == 1 ? "" : "s",
						     filters[k], k == UPX_FILTER_MIN ? "largest" :
						     "smallest", fact_num(ext, extreme));
			}
			fact__field(fa, "filter", filters[k]);
			fa->items_name = values_seen[k];
			fa->item_kind = FACT_ITEM_CALLS;
			for (size_t v = 0; values_seen[k] && v < nr_vals; v++) {
				if (vals[v].key.probe != i || vals[v].key.filter != (uint32_t)k)
					continue;
				value_item(fa, &vals[v], cg_mnt);
				listed += vals[v].calls;
			}
			/* Calls whose value the full map could not keep. */
			if (values_seen[k])
				fa->others = calls > listed ? calls - listed : 0;
		}
	}
	free(cg_mnt);
	free(vals);
}

/* Processes with their own copy ---------------------------------------------- */

static void own_copy_facts(struct gather *g, size_t i)
{
	const struct plan_entry *pe = &g->run->plan->entries[i];
	const struct plan_file *pf = &g->run->plan->files[pe->file];
	const struct file_id *fid = &g->ids[pe->file];
	const char *kind = NULL;
	struct fact *fa = NULL;
	char path[64], num[32];
	size_t n = 0;

	for (size_t k = 0; k < g->walk.nr; k++) {
		const struct walked *p = &g->walk.p[k];
		struct elf_file *ef;

		if (p->maps[pe->file] || !p->has_exe || same_id(&p->exe, fid))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)p->pid);
		ef = exe_get(g, path, &p->exe);
		if (!ef || !defines(ef, pe))
			continue;
		if (!fa)
			fa = facts__add(g->f, i, FACT_RANK_OWN_COPY, "own_copy", 0, "%s", "");
		fact__item(fa, p->comm, p->comm_len, p->pid);
		kind = !kind || !strcmp(kind, exe_kind(ef)) ? exe_kind(ef) : "";
		n++;
	}
	if (!fa)
		return;
	fa->count = n;
	fa->items_name = "processes";
	fa->item_kind = FACT_ITEM_PID;
	free(fa->text);
	fa->text = xasprintf("%s running process%s that do%s not map %s define%s %s in %s own "
			     "executable%s: %s calls never reach this probe", fact_num(num, n),
			     n == 1 ? "" : "es", n == 1 ? "es" : "", pf->display, n == 1 ? "s" : "",
			     pe->func, n == 1 ? "its" : "their", kind, n == 1 ? "its" : "their");
}

/* The -c command's program: path as run, or found in PATH as the child found it. */
static char *command_path(const char *cmd)
{
	return strchr(cmd, '/') ? xstrdup(cmd) : resolve_program(cmd);
}

static void command_copy_fact(struct gather *g, size_t i, const char *cmd_path)
{
	const struct plan_entry *pe = &g->run->plan->entries[i];
	const struct plan_file *pf = &g->run->plan->files[pe->file];
	struct file_id id;
	struct elf_file *ef;

	if (file_id_of(cmd_path, &id) || same_id(&id, &g->ids[pe->file]))
		return;
	ef = exe_get(g, cmd_path, &id);
	if (!ef || !defines(ef, pe))
		return;
	facts__add(g->f, i, FACT_RANK_OWN_COPY, "own_copy", 1,
		   "the command's program %s defines %s in its own executable%s: its calls never "
		   "reach %s", base_name(cmd_path), pe->func, exe_kind(ef), pf->display);
}

/* Who mapped the file ---------------------------------------------------------- */

/* "at least " when a count was cut short. */
static const char *at_least(bool cut)
{
	return cut ? "at least " : "";
}

static void mapped_fact_system(struct gather *g, size_t i)
{
	const struct plan_entry *pe = &g->run->plan->entries[i];
	const char *file = g->run->plan->files[pe->file].display;
	const struct whyzero_start *ws = g->run->start;
	char a[32], b[32];
	size_t end = 0;

	for (size_t k = 0; k < g->walk.nr; k++)
		end += g->walk.p[k].maps[pe->file];
	if (!ws) {
		facts__add(g->f, i, FACT_RANK_MAPPED, "mapped", end, "%s%s process%s mapped %s at "
			   "the end", at_least(g->walk.cut), fact_num(b, end), end == 1 ? "" : "es",
			   file);
		return;
	}
	if (!end && !ws->mapping[pe->file] && !ws->cut && !g->walk.cut) {
		facts__add(g->f, i, FACT_RANK_MAPPED, "mapped", 0, "no process mapped %s: none at "
			   "the start, none at the end", file);
		return;
	}
	facts__add(g->f, i, FACT_RANK_MAPPED, "mapped", end, "%s%s process%s mapped %s at the "
		   "start, %s%s at the end", at_least(ws->cut), fact_num(a, ws->mapping[pe->file]),
		   ws->mapping[pe->file] == 1 ? "" : "es", file, at_least(g->walk.cut),
		   fact_num(b, end));
}

static void mapped_fact_pid(struct gather *g, size_t i)
{
	const struct plan_entry *pe = &g->run->plan->entries[i];
	const char *file = g->run->plan->files[pe->file].display;
	bool hit = false;
	int ret = proc_maps_which(g->run->pid, &g->ids[pe->file], 1, &hit);
	const char *end = ret ? "had exited by the end" :
			  hit ? "still did at the end" : "no longer did at the end";

	facts__add(g->f, i, FACT_RANK_MAPPED, "mapped", !ret && hit,
		   "process %d mapped %s at the start (the probe is in its copy), and %s",
		   (int)g->run->pid, file, end);
}

/* Does the -c command's program load the file: is it the program, ld.so or one of its libraries? */
static void mapped_fact_command(struct gather *g, size_t i, const char *cmd_path)
{
	const struct plan_entry *pe = &g->run->plan->entries[i];
	const char *file = g->run->plan->files[pe->file].display;
	const struct file_id *fid = &g->ids[pe->file];
	struct lib_deps *deps = NULL;
	struct file_id id;
	const char *how = NULL;
	char err[256];

	if (!file_id_of(cmd_path, &id) && same_id(&id, fid))
		how = "is that file itself";
	else if (!lib_deps__load(cmd_path, &deps, err, sizeof(err))) {
		if (deps->interp && !file_id_of(deps->interp, &id) && same_id(&id, fid))
			how = "loads it (its dynamic linker)";
		for (size_t k = 0; !how && k < deps->nr; k++)
			if (deps->libs[k].path && !file_id_of(deps->libs[k].path, &id) &&
			    same_id(&id, fid))
				how = "loads it (among the libraries ld.so finds for it)";
	}
	if (how)
		facts__add(g->f, i, FACT_RANK_MAPPED, "mapped", 1, "the command's program %s %s",
			   base_name(cmd_path), how);
	else
		facts__add(g->f, i, FACT_RANK_MAPPED, "mapped", 0,
			   "the command's program %s does not load %s: it is not that file, and %s "
			   "(a library it opens with dlopen() is not seen here)",
			   base_name(cmd_path), file,
			   deps && deps->is_static ? "it is statically linked" :
			   deps ? "not among the libraries ld.so finds for it" :
				  "its libraries could not be read");
	lib_deps__free(deps);
}

/* The rest, from the plan and DWARF ------------------------------------------ */

static void plan_facts(struct gather *g, size_t i)
{
	const struct plan_entry *pe = &g->run->plan->entries[i];
	const struct plan_file *pf = &g->run->plan->files[pe->file];
	char num[32];
	int n;

	struct fact *fa;

	if (pe->is_plt) {
		fa = facts__add(g->f, i, FACT_RANK_IMPORT, "import", 1,
				"%s is only imported by %s%s%s%s: the probe is on its PLT stub, "
				"which sees only the calls %s makes through it", pe->func,
				pf->display, pe->import_lib ? " (defined in " : "",
				pe->import_lib ? pe->import_lib : "", pe->import_lib ? ")" : "",
				pf->display);
		if (pe->import_lib) {
			char *t = xasprintf("%s; %s:%s sees every call", fa->text, pe->import_lib,
					    pe->func);

			free(fa->text);
			fa->text = t;
		}
	}
	if (pe->is_ifunc)
		facts__add(g->f, i, FACT_RANK_IFUNC, "ifunc", 1,
			   "%s is an IFUNC: the probe is on %s, the implementation the dynamic "
			   "linker picks on this machine; a process whose loader picks another is "
			   "not seen", pe->ifunc, pe->impl ? pe->impl : "the one it picks");
	if (pe->is_usdt || pe->is_plt)
		return;
	if (mono_now() > g->deadline) {
		g->cut = true;
		return;
	}
	n = dwarf_inlined_calls(pf->path, pf->ef ? pf->ef->debug_path : NULL, pe->vaddr);
	if (n > 0)
		facts__add(g->f, i, FACT_RANK_INLINED, "inlined", n,
			   "DWARF says %s was inlined at %s call site%s: calls there never reach "
			   "this probe, which is on its out-of-line copy", pe->func,
			   fact_num(num, n), n == 1 ? "" : "s");
}

void whyzero_gather(struct facts *f, const struct whyzero_run *run, bool all)
{
	struct gather g = { .run = run, .f = f, .all = all };
	/* With --follow, what the descendants ran is not known: the command alone says little. */
	char *cmd_path = run->cmd && !run->follow ? command_path(run->cmd) : NULL;
	bool any = false;

	for (size_t i = 0; i < run->plan->nr_probes; i++)
		any |= facts__wanted(f, i, all);
	if (!any)
		goto out;
	g.deadline = mono_now() + run->budget_s;
	g.ids = plan_file_ids(run->plan);
	filter_facts(&g);
	for (size_t i = 0; i < run->plan->nr_probes; i++) {
		const struct plan_entry *pe = &run->plan->entries[i];

		if (!facts__wanted(f, i, all))
			continue;
		if (!run->pid && !run->cmd && !g.walked) {
			/* System-wide: the processes now, their executables, what they map. */
			walk_procs(g.ids, run->plan->nr_files, g.deadline, true, &g.walk);
			g.walked = true;
		}
		if (!pe->is_usdt && !pe->is_plt) {
			if (g.walked)
				own_copy_facts(&g, i);
			else if (cmd_path)
				command_copy_fact(&g, i, cmd_path);
		}
		plan_facts(&g, i);
		if (run->pid)
			mapped_fact_pid(&g, i);
		else if (cmd_path)
			mapped_fact_command(&g, i, cmd_path);
		else if (g.walked)
			mapped_fact_system(&g, i);
	}
	if (g.cut || g.walk.cut)
		warning("the zero report stopped looking after %.0f ms: its facts are partial",
			run->budget_s * 1000);
	for (size_t i = 0; i < g.nr_exes; i++)
		elf_file__close(g.exes[i].ef);
	free(g.exes);
	proc_walk_free(&g.walk);
	free(g.ids);
out:
	free(cmd_path);
}
