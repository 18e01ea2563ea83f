// SPDX-License-Identifier: GPL-2.0
/* One tracing run for every tracing command: the steps they all share, in one order. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "bpf-util.h"
#include "common.h"
#include "cmd.h"
#include "proc.h"
#include "run.h"
#include "runopt.h"
#include "util.h"

/*
 * A variable of the program's .rodata (probes/common.bpf.h declares those
 * every program has), found by name in its BTF: core sets them without
 * knowing the skeleton's type.  NULL when the program has no such variable.
 */
static void *rodata_var(struct bpf_object *obj, const char *name, size_t size)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	size_t map_size;
	char *data;
	int id;

	if (!map || !btf)
		return NULL;
	data = bpf_map__initial_value(map, &map_size);
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (!data || id < 0)
		return NULL;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);

		if (!strcmp(btf__name_by_offset(btf, var->name_off), name) && vs->size == size &&
		    vs->offset + size <= map_size)
			return data + vs->offset;
	}
	return NULL;
}

/* What every program shares: its own pid left out, --comm (probes/common.bpf.h). */
static int set_common_rodata(struct bpf_object *obj, const struct run_opts *ro, pid_t attach_pid)
{
	__u32 *self = rodata_var(obj, "self_tgid", sizeof(__u32));
	char *comm = rodata_var(obj, "filter_comm", UPX_COMM_LEN);
	__u8 *has_comm = rodata_var(obj, "has_comm", sizeof(__u8));

	if (!self)
		return error("the BPF program has no self_tgid: it would trace upx itself");
	/* Where the kernel filters by another process, upx is left out already. */
	*self = attach_pid > 0 && attach_pid != getpid() ? 0 : getpid();
	if (ro->comm) {
		if (!comm || !has_comm)
			return error("the BPF program has no --comm filter");
		strncpy(comm, ro->comm, UPX_COMM_LEN - 1);
		*has_comm = 1;
	}
	return 0;
}

/* -p and -c: checked once for every command. */
static int check_run_opts(const struct run_ops *ops, const struct run_opts *ro, int argc,
			  const char **argv, struct session *s)
{
	int ret;

	if (ops->flags & RUN_CMD) {
		ret = runopt_command(ro->cmd, argc, argv, &s->cmd_argv);
		if (ret)
			return ret;
	} else if (argc > 0) {
		return usage_error("unexpected argument '%s'", argv[0]);
	}
	if (ro->pid && s->cmd_argv)
		return usage_error("-p and -c (or -- CMD) exclude each other");
	if (ro->pid < 0 || (ro->pid && proc_exists(ro->pid))) {
		error("no process %lld", ro->pid);
		return UPX_EXIT_FAILURE;
	}
	return 0;
}

int run_main(const struct run_ops *ops, const struct run_opts *ro, int argc, const char **argv,
	     void *ctx)
{
	struct session *s = ctx; /* the context starts with its session */
	struct attach_progs progs = {};
	void *skel = NULL;
	enum loop_end end;
	int ret;

	ret = check_run_opts(ops, ro, argc, argv, s);
	if (ret)
		goto out;
	ret = UPX_EXIT_FAILURE;

	/* options -> attach plan */
	s->plan.pid = ro->pid;
	ret = ops->plan(s, ctx);
	if (ret) {
		ret = ret > 0 ? ret : UPX_EXIT_FAILURE; /* a usage error keeps its status */
		goto out;
	}
	ret = UPX_EXIT_FAILURE;
	if (upx_verbose)
		plan_print(&s->plan, stderr);
	if (upx_stop)
		goto out;

	/* The command waits, forked, until the probes are live. */
	if (s->cmd_argv && child_start(&s->child, s->cmd_argv))
		goto out;

	/* plan -> BPF object */
	skel = ops->skel->open();
	if (!skel) {
		error("cannot open the BPF object: %s", strerror(errno));
		goto out;
	}
	s->loop.duration = ro->duration;
	s->loop.watch_pid = ro->pid;
	if (ops->configure(s, skel, &progs, ctx) ||
	    set_common_rodata(ops->skel->object(skel), ro, s->attach_pid))
		goto out;
	attach_prepare(&s->plan, &progs);
	if (ops->skel->load(skel)) {
		bpf_load_error();
		goto out;
	}

	/* BPF object -> links */
	if (ops->attached && ops->attached(s, skel, ctx))
		goto out;
	if (attach_plan(&s->plan, &progs, s->attach_pid, &s->att))
		goto out;
	if (ops->on_event && ops->events(skel)) {
		s->ev = events_open(ops->events(skel), ops->on_event, ctx);
		if (!s->ev)
			goto out;
	}
	ops->armed(s, ctx);
	fflush(stdout);
	if (s->cmd_argv && child_go(&s->child))
		goto out;

	/* links -> loop -> output */
	end = session_run(s, &s->loop);
	if (end == LOOP_ERROR)
		goto out;
	if (end != LOOP_STDOUT_CLOSED)
		ops->report(s, skel, s->loop.not_shown, ctx);
	ret = 0;
out:
	session_end(s);
	if (skel)
		ops->skel->destroy(skel);
	return ret;
}
