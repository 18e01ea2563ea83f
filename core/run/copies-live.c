// SPDX-License-Identifier: GPL-2.0
/* Every copy of a TARGET in a run: found at the start, told by the watch later, reported. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/util.h"
#include "copywatch.h"
#include "output/json.h"
#include "output/output.h"
#include "plan/plan.h"
#include "run/bpf-util.h"
#include "run/copies-live.h"
#include "run/facts.h"
#include "run/kfield.h"
#include "run/session.h"
#include "run/skeleton.h"
#include "symbols/elf.h"
#include "target/copies.h"
#include "target/libsearch.h"

/* A file told again and again while it is not mapped executable (a reader's mmap). */
struct copy_retry {
	dev_t dev;
	ino_t ino;
	unsigned int times;
};
#define COPY_RETRIES 8

/* A copy attached after the probes went live. */
struct copy_late {
	int file;
	long long realtime_ns;	/* when its links were made */
	double after_s;		/* that long after the probes went live */
	double told_s;		/* that long after the watch saw it touched, -1: not told by it */
	pid_t pid;		/* the process whose mapping told it */
	char comm[COPY_COMM_LEN];
};

struct copies_live {
	struct copies found;		/* every copy the run knows, where and who maps it */
	struct copies fallback;		/* a TARGET with no file here: its copies (held open) */
	struct copy_target *targets;	/* one per file a spec opened */
	int *primary;			/* its plan file */
	bool *is_path;			/* a TARGET given as a path: that file alone */
	size_t nr_targets;
	/* the watch */
	const struct run_skeleton *skel;
	void *watch;
	struct ring_buffer *rb;
	int seen_fd;
	struct copies_event *pending;	/* told, not looked at yet */
	size_t nr_pending, alloc_pending;
	struct copy_retry *retries;	/* files of a target's name, not yet mapped executable */
	size_t nr_retries, alloc_retries;
	/* what came late */
	struct copy_late *late;
	size_t nr_late, alloc_late;
	double armed;			/* when the probes went live (CLOCK_MONOTONIC s), 0: not yet */
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * A TARGET by name that no file here answers to (a library only a chroot or a
 * container has): the first copy a process maps.
 */
static char *resolve_copy(const char *target, char *err, size_t errlen, void *p)
{
	struct copies_live *cl = p;
	struct copy_target t = { .names = { target } };
	char *path = resolve_target(target, err, errlen);
	size_t before = cl->fallback.nr;

	if (path || strchr(target, '/'))
		return path;
	if (strstr(target, ".so"))
		t.soname = target;
	copies_scan(&cl->fallback, &t, 1, 0);
	if (cl->fallback.nr == before) {
		snprintf(err, errlen, "no such file, program in PATH or library, "
				      "and no running process maps one");
		return NULL;
	}
	return xstrdup(cl->fallback.v[before].path);
}

void copies_live_start(struct session *s)
{
	struct copies_live *cl = xcalloc(1, sizeof(*cl));

	cl->seen_fd = -1;
	s->copies = cl;
	s->plan.resolve = resolve_copy;
	s->plan.resolve_ctx = cl;
	s->plan.opts.cookie_file = true;
}

/* What each TARGET's copies answer to: its name, the name of its file here, its DT_SONAME. */
static void make_targets(struct copies_live *cl, const struct plan *plan)
{
	cl->nr_targets = plan->nr_files;
	cl->targets = xcalloc(cl->nr_targets, sizeof(*cl->targets));
	cl->primary = xcalloc(cl->nr_targets, sizeof(*cl->primary));
	cl->is_path = xcalloc(cl->nr_targets, sizeof(*cl->is_path));
	for (size_t i = 0; i < plan->nr_files; i++) {
		const struct plan_file *pf = &plan->files[i];
		struct copy_target *t = &cl->targets[i];
		const char *here = base_name(pf->path);

		cl->primary[i] = i;
		cl->is_path[i] = strchr(pf->display, '/');
		t->names[0] = base_name(pf->display);
		/* /proc/self/fd/N (a copy held open) names nothing */
		if (strcmp(here, t->names[0]) && strncmp(pf->path, "/proc/", 6))
			t->names[1] = here;
		t->soname = lib_soname(pf->path);
		if (!t->soname && !cl->is_path[i] && strstr(pf->display, ".so"))
			t->soname = pf->display;
	}
}

/* The plan file of copy cp: where it is, for people. */
static void set_where(struct plan_file *pf, const struct copy *cp)
{
	free(pf->in_root);
	free(pf->root);
	pf->in_root = xstrdup(cp->in_root);
	pf->root = xstrdup(cp->root);
}

static int on_copy_event(void *p, void *data, size_t size)
{
	struct copies_live *cl = p;

	if (size < sizeof(struct copies_event))
		return 0;
	ALLOC_GROW(cl->pending, cl->nr_pending + 1, cl->alloc_pending);
	memcpy(&cl->pending[cl->nr_pending++], data, sizeof(struct copies_event));
	return 0;
}

/* The kernel's dev_t (major << 20 | minor) as user space's. */
static dev_t kernel_dev(__u32 dev)
{
	return makedev(dev >> 20, dev & ((1U << 20) - 1));
}

/* The kernel fields the watch reads, from its BTF (probes/copywatch.h). */
static int watch_fields(__u32 *off, char *err, size_t errlen)
{
	struct kfield f[COPYWATCH_FIELDS] = {
		[COPYWATCH_MAPPING_HOST] = { "address_space", "host", sizeof(void *) },
		[COPYWATCH_INODE_INO] = { "inode", "i_ino", sizeof(unsigned long) },
		[COPYWATCH_INODE_SB] = { "inode", "i_sb", sizeof(void *) },
		[COPYWATCH_SB_DEV] = { "super_block", "s_dev", 4 },
	};
	int ret = kfield_resolve(KFIELD_VMLINUX, f, COPYWATCH_FIELDS, err, errlen);

	for (int i = 0; !ret && i < COPYWATCH_FIELDS; i++)
		off[i] = f[i].offset;
	return ret;
}

/* The watch on (probes/copywatch.bpf.c); a warning and no watch when the kernel will not. */
static void start_watch(struct session *s, struct copies_live *cl, const struct run_skeleton *skel)
{
	static const char *const progs[] = { "upx_copies_fault", "upx_copies_map_pages" };
	struct bpf_object *obj;
	struct bpf_map *events, *seen;
	__u32 *self, *off;
	char why[256] = "";

	cl->skel = skel;
	cl->watch = skel->open();
	if (!cl->watch) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		goto fail;
	}
	obj = skel->object(cl->watch);
	self = bpf_rodata_var(obj, "self_tgid", sizeof(*self));
	off = bpf_rodata_var(obj, "field_off", COPYWATCH_FIELDS * sizeof(*off));
	if (!self || !off) {
		snprintf(why, sizeof(why), "its program has no self_tgid or field_off");
		goto fail;
	}
	*self = getpid();
	if (watch_fields(off, why, sizeof(why)))
		goto fail;
	if (skel->load(cl->watch)) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		goto fail;
	}
	events = bpf_object__find_map_by_name(obj, "copies_events");
	seen = bpf_object__find_map_by_name(obj, "seen");
	if (!events || !seen) {
		snprintf(why, sizeof(why), "its maps are missing");
		goto fail;
	}
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, progs[i]);

		if (!prog || session_keep_link(s, bpf_program__attach(prog))) {
			snprintf(why, sizeof(why), "%s: %s", progs[i],
				 prog ? strerror(errno) : "no such program");
			goto fail;
		}
	}
	cl->rb = ring_buffer__new(bpf_map__fd(events), on_copy_event, cl, NULL);
	if (!cl->rb) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		goto fail;
	}
	cl->seen_fd = bpf_map__fd(seen);
	return;
fail:
	warning("copies mapped from now on are not traced: cannot watch new mappings: %s", why);
	if (cl->watch)
		skel->destroy(cl->watch);
	cl->watch = NULL;
}

/* The files the scan saw mapped: not news to the watch. */
static void seed_seen(struct copies_live *cl)
{
	__u8 one = 1;

	for (size_t i = 0; i < cl->found.cap_seen; i++) {
		const struct copy_ino *f = &cl->found.seen[i];
		struct copies_key key = {
			.ino = f->ino,
			.dev = major(f->dev) << 20 | minor(f->dev),
		};

		/* slots in use, and looked at (a file that could not be read is told again) */
		if (f->verdict && copies_verdict(&cl->found, f->dev, f->ino) >= -1)
			bpf_map_update_elem(cl->seen_fd, &key, &one, BPF_ANY);
	}
}

/*
 * Copy cp into the plan: its new file, or -1 when it is a file the plan has
 * (where it is noted), or after a warning.
 */
static int plan_copy(struct session *s, struct copies_live *cl, const struct copy *cp)
{
	int file = plan_file_by_inode(&s->plan, cp->st_dev, cp->st_ino);

	if (file >= 0) {
		set_where(&s->plan.files[file], cp);
		return -1;
	}
	file = plan_add_copy(&s->plan, cl->primary[cp->target], cp->path, cp->st_dev, cp->st_ino);
	if (file < 0) {
		warning("'%s': its copy '%s' (root %s, process %d) is not traced: %s",
			cl->targets[cp->target].names[0], cp->in_root, cp->root, (int)cp->pids[0],
			s->plan.why);
		return -1;
	}
	set_where(&s->plan.files[file], cp);
	return file;
}

/* Target t given as a path: the processes that map other copies of it, in how many files. */
static size_t other_copies(const struct session *s, const struct copies_live *cl, size_t t,
			   size_t *files)
{
	const struct plan_file *pf = &s->plan.files[cl->primary[t]];
	size_t procs = 0;

	*files = 0;
	for (size_t i = 0; i < cl->found.nr; i++) {
		const struct copy *cp = &cl->found.v[i];

		if (cp->target != (int)t || (cp->st_dev == pf->dev && cp->st_ino == pf->ino))
			continue;
		(*files)++;
		procs += cp->nr_procs;
	}
	return procs;
}

/* A TARGET given as a path: how many processes map other copies, said once. */
static void explicit_notice(const struct session *s, const struct copies_live *cl, size_t t)
{
	const struct plan_file *pf = &s->plan.files[cl->primary[t]];
	size_t files, procs = other_copies(s, cl, t, &files);

	if (!procs)
		return;
	note("'%s': %zu running process%s map%s %s of it not traced (%zu file%s); name it "
	     "'%s' to trace every copy", pf->display, procs, procs == 1 ? "" : "es", procs == 1 ? "s" : "",
	     files == 1 ? "another copy" : "other copies", files, files == 1 ? "" : "s",
	     cl->targets[t].soname ? cl->targets[t].soname : cl->targets[t].names[0]);
}

int copies_live_begin(struct session *s, const struct run_skeleton *watch)
{
	struct copies_live *cl = s->copies;

	cl->skel = watch;
	make_targets(cl, &s->plan);
	copies_scan(&cl->found, cl->targets, cl->nr_targets, 0);
	for (size_t i = 0; i < cl->found.nr && !upx_stop; i++) {
		const struct copy *cp = &cl->found.v[i];
		int file = plan_file_by_inode(&s->plan, cp->st_dev, cp->st_ino);

		if (file >= 0)
			set_where(&s->plan.files[file], cp);
		else if (!cl->is_path[cp->target])
			plan_copy(s, cl, cp);
	}
	for (size_t t = 0; t < cl->nr_targets; t++)
		if (cl->is_path[t])
			explicit_notice(s, cl, t);
	return 0;
}

/* A copy told by the watch: into the plan and attached at once. */
/* told_s: when the watch saw the file touched (CLOCK_MONOTONIC s), 0: not told by it. */
static void attach_late(struct session *s, struct copies_live *cl, const struct copy *cp,
			double told_s)
{
	int file = plan_copy(s, cl, cp);
	struct copy_late *l;
	struct timespec ts;

	if (file < 0)
		return;
	if (attach_plan_file(&s->plan, &s->progs, s->attach_pid, file, &s->att))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	ALLOC_GROW(cl->late, cl->nr_late + 1, cl->alloc_late);
	l = &cl->late[cl->nr_late++];
	*l = (struct copy_late){
		.file = file,
		.realtime_ns = ts.tv_sec * 1000000000LL + ts.tv_nsec,
		.after_s = mono_now() - cl->armed,
		.told_s = told_s ? mono_now() - told_s : -1,
		.pid = cp->pids[0],
	};
	memcpy(l->comm, cp->comms[0], sizeof(l->comm));
	if (upx_verbose)
		note("a copy of '%s' attached late, %.3f s after the start (%.1f ms after it was "
		     "touched): '%s' (root %s), mapped by process %d",
		     cl->targets[cp->target].names[0], l->after_s, l->told_s * 1e3, cp->in_root,
		     cp->root, (int)l->pid);
}

/* Is it time to stop telling this file again?  (Counted per file.) */
static bool retried_enough(struct copies_live *cl, dev_t dev, ino_t ino)
{
	struct copy_retry *r = NULL;

	for (size_t i = 0; i < cl->nr_retries && !r; i++)
		if (cl->retries[i].dev == dev && cl->retries[i].ino == ino)
			r = &cl->retries[i];
	if (!r) {
		ALLOC_GROW(cl->retries, cl->nr_retries + 1, cl->alloc_retries);
		r = &cl->retries[cl->nr_retries++];
		*r = (struct copy_retry){ .dev = dev, .ino = ino };
	}
	return ++r->times > COPY_RETRIES;
}

/*
 * One file told by the watch: the process that touched it read again, its new
 * copies attached.  The watch tells of the file again when it could not be
 * judged (the process was gone, the file had a target's name but was not
 * mapped executable there yet, a copy could not be opened).
 */
static void take_event(struct session *s, struct copies_live *cl, const struct copies_event *e)
{
	dev_t dev = kernel_dev(e->dev);
	struct copies_key key = { .ino = e->ino, .dev = e->dev };
	size_t before = cl->found.nr;
	enum copy_mapped how;
	bool again;
	int verdict;

	if (copies_find(&cl->found, dev, e->ino))
		return;		/* a copy known (a file of the plan, or one that failed) */
	if (!copies_scan_pid(&cl->found, cl->targets, cl->nr_targets, e->tgid, dev, e->ino, &how))
		how = COPY_NOT_MAPPED;
	for (size_t k = before; k < cl->found.nr; k++)
		if (!cl->is_path[cl->found.v[k].target])
			attach_late(s, cl, &cl->found.v[k], e->ts_ns / 1e9);
	switch (how) {
	case COPY_MAPPED_EXEC:
		verdict = copies_verdict(&cl->found, dev, e->ino);
		again = verdict == -2 || (verdict >= 0 && !copies_find(&cl->found, dev, e->ino));
		break;
	case COPY_MAPPED_OTHER:
		again = false;
		break;
	default:	/* gone, or not executable (yet): a few times, not forever */
		again = !retried_enough(cl, dev, e->ino);
	}
	if (again)
		bpf_map_delete_elem(cl->seen_fd, &key);
}

static void take_pending(struct session *s, struct copies_live *cl)
{
	for (size_t i = 0; i < cl->nr_pending && !upx_stop; i++)
		take_event(s, cl, &cl->pending[i]);
	cl->nr_pending = 0;
}

static void on_watch(void *p)
{
	struct session *s = p;
	struct copies_live *cl = s->copies;

	ring_buffer__consume(cl->rb);
	if (cl->nr_pending)
		take_pending(s, cl);
}

void copies_live_armed(struct session *s)
{
	struct copies_live *cl = s->copies;
	size_t before;
	bool any_name = false;

	if (!cl)
		return;
	cl->armed = mono_now();
	for (size_t t = 0; t < cl->nr_targets; t++)
		any_name |= !cl->is_path[t];
	if (!any_name || !cl->skel)
		return;
	/*
	 * The watch starts once the probes are live, so that the first line
	 * comes no later for it; /proc is read again after it is on, so a copy
	 * mapped in between is not missed (it is attached late).
	 */
	start_watch(s, cl, cl->skel);
	if (!cl->rb)
		return;
	seed_seen(cl);
	before = cl->found.nr;
	copies_scan(&cl->found, cl->targets, cl->nr_targets, 0);
	for (size_t k = before; k < cl->found.nr && !upx_stop; k++)
		if (!cl->is_path[cl->found.v[k].target])
			attach_late(s, cl, &cl->found.v[k], 0);
	if (upx_verbose)
		note("watching for new copies (%zu files known)", cl->found.nr_seen);
	event_loop_add_fd(&s->loop, ring_buffer__epoll_fd(cl->rb), on_watch, NULL, s);
}

/*
 * "/usr/lib/libc.so.6" or "/usr/lib/libc.so.6 in /srv/jail", as they are: the
 * line it goes into is escaped whole (a message, text_line()).
 */
static const struct copy *copy_of_file(const struct copies_live *cl, const struct plan_file *pf)
{
	for (size_t i = 0; i < cl->found.nr; i++)
		if (cl->found.v[i].st_dev == pf->dev && cl->found.v[i].st_ino == pf->ino)
			return &cl->found.v[i];
	return NULL;
}

static const struct copy_late *late_of(const struct copies_live *cl, int file)
{
	for (size_t i = 0; i < cl->nr_late; i++)
		if (cl->late[i].file == file)
			return &cl->late[i];
	return NULL;
}

void copies_live_print(const struct session *s, FILE *f)
{
	const struct copies_live *cl = s->copies;

	if (!cl)
		return;
	for (size_t i = 0; i < s->plan.nr_files; i++) {
		const struct plan_file *pf = &s->plan.files[i];
		const struct copy *cp = copy_of_file(cl, pf);
		char where[1024], *line = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&line, &len);

		if (!m)
			return;
		copies_where_text(pf, where, sizeof(where));
		fprintf(m, "upx: copy %zu of %s: %s, %u:%u inode %llu, build-id %s, ", i,
			pf->display, where, major(pf->dev), minor(pf->dev), (unsigned long long)pf->ino,
			pf->ef->build_id[0] ? pf->ef->build_id : "none");
		if (!cp || !cp->nr_procs) {
			fprintf(m, "no process maps it");
		} else {
			fprintf(m, "mapped by %s:", count_noun(cp->nr_procs, "process", "processes"));
			for (size_t k = 0; k < cp->nr_procs && k < COPY_PIDS; k++)
				fprintf(m, " %d (%.*s)", (int)cp->pids[k], COPY_COMM_LEN,
					cp->comms[k]);
			fputs(cp->nr_procs > COPY_PIDS ? " ..." : "", m);
		}
		fclose(m);
		/* Paths and comms from the processes: the line escaped whole. */
		text_line(f, "%s", line);
		free(line);
	}
}

static void report_json(const struct session *s, const struct copies_live *cl)
{
	struct json_writer *jw = s->jw;

	json_object_start(jw);
	json_name(jw, "copies");
	json_array_start(jw);
	for (size_t i = 0; i < s->plan.nr_files; i++) {
		const struct plan_file *pf = &s->plan.files[i];
		const struct copy *cp = copy_of_file(cl, pf);
		const struct copy_late *l = late_of(cl, i);
		char dev[32];

		snprintf(dev, sizeof(dev), "%u:%u", major(pf->dev), minor(pf->dev));
		json_object_start(jw);
		json_string_field(jw, "target", pf->display);
		json_bytes_field(jw, "file", pf->in_root, strlen(pf->in_root));
		json_bytes_field(jw, "root", pf->root ? pf->root : "/",
				 strlen(pf->root ? pf->root : "/"));
		json_string_field(jw, "dev", dev);
		json_u64_field(jw, "ino", pf->ino);
		json_string_field(jw, "build_id", pf->ef->build_id[0] ? pf->ef->build_id : NULL);
		json_u64_field(jw, "processes", cp ? cp->nr_procs : 0);
		json_name(jw, "pids");
		json_array_start(jw);
		for (size_t k = 0; cp && k < cp->nr_procs && k < COPY_PIDS; k++)
			json_u64(jw, cp->pids[k]);
		json_array_end(jw);
		json_bool_field(jw, "late", l);
		if (l) {
			json_name(jw, "attached_after_s");
			json_double(jw, l->after_s);
			if (l->told_s >= 0) {
				json_name(jw, "attached_after_touched_s");
				json_double(jw, l->told_s);
			}
		}
		json_object_end(jw);
	}
	json_array_end(jw);
	json_object_end(jw);
	json_writer__end_line(jw);
}

void copies_live_report(struct session *s)
{
	struct copies_live *cl = s->copies;
	bool copies = false;

	if (!cl)
		return;
	for (size_t i = 0; i < s->plan.nr_files; i++)
		copies |= s->plan.files[i].primary != (int)i;
	if (output_json()) {
		if (copies || upx_verbose)
			report_json(s, cl);
		return;
	}
	if (!cl->nr_late)
		return;
	note("%zu cop%s attached late, after tracing began (calls before that were not counted):",
	     cl->nr_late, cl->nr_late == 1 ? "y" : "ies");
	for (size_t i = 0; i < cl->nr_late && i < 10; i++) {
		const struct copy_late *l = &cl->late[i];
		char where[1024], clock[32];

		copies_where_text(&s->plan.files[l->file], where, sizeof(where));
		format_clock(l->realtime_ns, clock, sizeof(clock));
		if (l->told_s >= 0)
			hint("%s: %s, %.3f s after the start, %.1f ms after process %d (%.*s) "
			     "touched it", where, clock, l->after_s, l->told_s * 1e3, (int)l->pid,
			     (int)sizeof(l->comm), l->comm);
		else
			hint("%s: %s, %.3f s after the start, for process %d (%.*s)", where, clock,
			     l->after_s, (int)l->pid, (int)sizeof(l->comm), l->comm);
	}
	if (cl->nr_late > 10)
		hint("... and %zu more", cl->nr_late - 10);
}

void copies_live_facts(const struct session *s, struct facts *f, bool all)
{
	const struct copies_live *cl = s->copies;

	for (size_t i = 0; cl && i < s->plan.nr_probes; i++) {
		const struct plan_entry *e = &s->plan.entries[i];
		size_t t, files, procs;
		struct fact *fa;
		char num[32];

		if (!facts__wanted(f, i, all))
			continue;
		for (t = 0; t < cl->nr_targets && cl->primary[t] != e->file; t++)
			;
		if (t == cl->nr_targets || !cl->is_path[t])
			continue;
		procs = other_copies(s, cl, t, &files);
		if (!procs)
			continue;
		fa = facts__add(f, i, FACT_RANK_COPIES, "copies", procs,
				"at the start %s mapped %s of '%s', not traced (name it '%s' to "
				"trace every copy)", count_noun(procs, "running process",
								"running processes"),
				files == 1 ? "another copy" : "other copies",
				s->plan.files[e->file].display,
				cl->targets[t].soname ? cl->targets[t].soname : cl->targets[t].names[0]);
		fact__field(fa, "files", fact_num(num, files));
	}
}

void copies_live_end(struct session *s)
{
	struct copies_live *cl = s->copies;

	if (!cl)
		return;
	ring_buffer__free(cl->rb);
	if (cl->watch)
		cl->skel->destroy(cl->watch);
	copies__free(&cl->found);
	copies__free(&cl->fallback);
	free(cl->targets);
	free(cl->primary);
	free(cl->is_path);
	free(cl->pending);
	free(cl->retries);
	free(cl->late);
	free(cl);
	s->copies = NULL;
}
