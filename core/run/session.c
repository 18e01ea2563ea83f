// SPDX-License-Identifier: GPL-2.0
/* One run of a tracing command: set up in one place, released in one place. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/bpf-obj.h"
#include "base/util.h"
#include "common.h"
#include "output/json.h"
#include "output/output.h"
#include "run/bpf-util.h"
#include "run/kfield.h"
#include "run/runopt.h"
#include "run/session.h"
#include "task.h"

void session_init(struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->child.pid = -1;
	s->child.go_fd = -1;
	s->child.err_fd = -1;
	s->attach_pid = -1;
	s->stats_fd = -1;
	s->jw = json_writer__stdout();
	s->realtime_offset_ns = realtime_offset_ns();
}

int session_keep_link(struct session *s, struct bpf_link *link)
{
	if (!link)
		return -1;
	ALLOC_GROW(s->links, s->nr_links + 1, s->alloc_links);
	s->links[s->nr_links++] = link;
	return 0;
}

int session_attach(struct session *s, struct bpf_program *prog, const char *what)
{
	if (session_keep_link(s, bpf_program__attach(prog)))
		return error("cannot attach to %s: %s", what, strerror(errno));
	return 0;
}

int session_follow(struct session *s, struct bpf_map *follow, struct bpf_program *fork_prog)
{
	__u32 key = s->child.pid;
	__u8 one = 1;

	if (bpf_map_update_elem(bpf_map__fd(follow), &key, &one, BPF_ANY))
		return error("cannot follow the command: %s", strerror(errno));
	return session_attach(s, fork_prog, "sched_process_fork");
}

int session_follow_program(struct session *s, const struct run_skeleton *type,
			   struct bpf_object *obj)
{
	struct bpf_map *traced = bpf_map_named(obj, "follow"), *map;
	struct bpf_program *fork_prog, *exit_prog;
	struct bpf_object *fobj;
	unsigned int *task_off;

	s->follow = type->open();
	if (!s->follow)
		return error("cannot open the follow program: %s", strerror(errno));
	s->follow_type = type;
	fobj = type->object(s->follow);
	map = bpf_map_named(fobj, "follow");
	task_off = bpf_rodata_named(fobj, "task_off", sizeof(unsigned int) * UPX_TASK_FIELDS);
	fork_prog = bpf_prog_named(fobj, "upx_follow_fork");
	exit_prog = bpf_prog_named(fobj, "upx_follow_exit");
	/* the task fields the programs read: offsets from the kernel's BTF, no CO-RE */
	if (!traced || !map || !task_off || !fork_prog || !exit_prog ||
	    kfield_task_offsets(task_off))
		return -1;
	if (bpf_map__reuse_fd(map, bpf_map__fd(traced)) || type->load(s->follow))
		return error("cannot load the follow program: %s", strerror(errno));
	if (session_follow(s, traced, fork_prog))
		return -1;
	return session_attach(s, exit_prog, "sched_process_exit");
}

uint64_t session_lost(const struct session *s)
{
	return s->stats_fd >= 0 ? percpu_u64_sum(s->stats_fd, UPX_STAT_LOST) : 0;
}

void session_detach(struct session *s)
{
	attachment__destroy(&s->att);
	for (size_t i = 0; i < s->nr_links; i++)
		bpf_link__destroy(s->links[i]);
	free(s->links);
	s->links = NULL;
	s->nr_links = s->alloc_links = 0;
}

static void detach_hook(void *s)
{
	session_detach(s);
}

enum loop_end session_run(struct session *s, struct event_loop *el)
{
	el->ev = s->ev;
	if (s->cmd_argv)
		el->child = &s->child;
	el->detach = detach_hook;
	el->detach_ctx = s;
	return event_loop_run(el);
}

void session_end(struct session *s)
{
	events_close(s->ev);
	session_detach(s);
	if (s->follow)
		s->follow_type->destroy(s->follow);
	child_stop(&s->child);
	json_writer__free(s->jw);
	plan_free(&s->plan);
	free_command(s->cmd_argv);
	memset(s, 0, sizeof(*s));
}
