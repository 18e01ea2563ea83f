// SPDX-License-Identifier: GPL-2.0
/*
 * upx readline: the lines typed into interactive programs that read them
 * with GNU readline: bash (which carries its own copy) and everything
 * linked with libreadline.so.8 (python3's REPL, gdb, ...).  Lines are shown
 * whole up to 4 KiB, escaped for the terminal.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/cmd.h"
#include "base/options.h"
#include "base/util.h"
#include "output/json.h"
#include "output/output.h"
#include "plan/plan.h"
#include "readline.h"
#include "readline.skel.h"
#include "run/attach.h"
#include "run/bpf-util.h"
#include "run/events.h"
#include "run/run.h"
#include "run/runopt.h"
#include "run/session.h"
#include "symbols/elf.h"
#include "target/libsearch.h"
#include "target/proc.h"

static const char *const readline_usage[] = {
	"upx readline [-d SECONDS] [-p PID] [--json]",
	NULL,
};

static struct run_opts ro;

static const struct upx_option readline_options[] = {
	OPT_RUN_DURATION(&ro),
	OPT_RUN_PID(&ro),
	OPT_JSON(),
	OPT_VERBOSE(),
	OPT_END(),
};

/* Where readline lives: bash's own copy, and the shared library. */
static const char *const readline_targets[] = { "bash", "libreadline.so.8" };
static const char *const readline_funcs[] = { "readline_internal_teardown", "readline" };
/* The plan tags of their probes: the role + 1 (a plan tag is not 0). */
static const int readline_tags[] = { READLINE_ROLE_TEARDOWN + 1, READLINE_ROLE_READLINE + 1 };

/* The bytes of the line the record holds (0 when unreadable); *cut when it was longer. */
static long line_len(const struct readline_event *e, bool *cut)
{
	*cut = e->len > READLINE_LINE_MAX;
	return e->len < 0 ? 0 : *cut ? READLINE_LINE_MAX : e->len;
}

static int on_event_plain(void *data, void *buf, size_t size)
{
	struct session *ctx = data;
	const struct readline_event *e = buf;
	bool cut;
	long len;

	if (size < sizeof(*e))
		return 0;
	len = line_len(e, &cut);
	event_head_print(stdout, e->ts_ns + ctx->realtime_offset_ns, (const uint32_t[]){ e->pid }, 1,
			 e->comm, sizeof(e->comm));
	if (e->len < 0)
		printf("(unreadable: %s)", strerror(-e->len));
	else
		fputs_escaped(stdout, e->line, len);
	if (cut)
		printf(" [cut: longer than %d bytes]", READLINE_LINE_MAX);
	putchar('\n');
	return 0;
}

static int on_event_json(void *data, void *buf, size_t size)
{
	struct session *ctx = data;
	const struct readline_event *e = buf;
	struct json_writer *jw = ctx->jw;
	bool cut;
	long len;

	if (size < sizeof(*e))
		return 0;
	len = line_len(e, &cut);
	event_head_json(jw, e->ts_ns + ctx->realtime_offset_ns, e->pid, e->tid, e->comm,
			sizeof(e->comm));
	if (e->len >= 0) {
		json_bytes_field(jw, "command", e->line, len);
		json_bool_field(jw, "truncated", cut);
	} else {
		json_s64_field(jw, "error", e->len);
	}
	json_object_end(jw);
	json_writer__end_line(jw);
	return 0;
}

/* The event printer of each output format, chosen once. */
static int (*const on_event_as[OUTPUT_NR])(void *ctx, void *data, size_t size) = {
	[OUTPUT_TEXT] = on_event_plain,
	[OUTPUT_JSON] = on_event_json,
};

/* What the ring buffer calls: the printer of the format chosen (one indirect call). */
static int on_event(void *ctx, void *data, size_t size)
{
	return on_event_as[upx_output](ctx, data, size);
}


/*
 * Which of readline_funcs target defines, as a bit set; 0 (quietly) when the
 * target is not there (no bash in PATH, a process without libreadline).
 */
static unsigned int target_funcs(const char *target, pid_t pid)
{
	char err[512], *path;
	struct elf_file *ef;
	unsigned int found = 0;

	path = pid > 0 ? proc_find_mapped(pid, target, err, sizeof(err)) :
			 resolve_target(target, err, sizeof(err));
	if (!path) {
		if (upx_verbose)
			note("'%s': %s", target, err);
		return 0;
	}
	if (elf_file__open(path, &ef, err, sizeof(err))) {
		if (upx_verbose)
			note("'%s': %s", path, err);
		free(path);
		return 0;
	}
	if (!elf_file__load_syms(ef, ELF_SYMS_NO_DEBUG_FILE))
		for (size_t i = 0; i < ARRAY_SIZE(readline_funcs); i++) {
			struct elf_sym *s = elf_file__find_def(ef, readline_funcs[i], NULL);

			if (s && s->type == STT_FUNC)
				found |= 1u << i;
		}
	if (!found && upx_verbose)
		note("'%s': no readline function", path);
	elf_file__close(ef);
	free(path);
	return found;
}

/* The attach plan: every readline function of every target there is; -1 if none. */
static int plan_readline(struct plan *plan, pid_t pid)
{
	for (size_t t = 0; t < ARRAY_SIZE(readline_targets); t++) {
		unsigned int found = target_funcs(readline_targets[t], pid);

		for (size_t i = 0; i < ARRAY_SIZE(readline_funcs); i++)
			if ((found & (1u << i)) &&
			    plan_add_function(plan, readline_targets[t], readline_funcs[i], true,
					      readline_tags[i]))
				return -1;
	}
	if (!plan->nr) {
		if (pid > 0)
			return error("process %d has neither bash nor libreadline.so.8 mapped",
				     (int)pid);
		return error("no readline to probe: "
			     "neither bash in PATH nor libreadline.so.8 found");
	}
	return 0;
}

static int readline_plan(struct session *s, void *ctx)
{
	if (plan_readline(&s->plan, ro.pid))
		return -1;
	if (s->plan.nr > READLINE_MAX_PROBES)
		return error("too many readline probes (%zu)", s->plan.nr);
	return 0;
}

static int readline_configure(struct session *s, void *skel_, struct attach_progs *progs,
			      void *ctx)
{
	struct readline_bpf *skel = skel_;

	for (size_t i = 0; i < s->plan.nr; i++)
		((__u8 *)skel->rodata->roles)[s->plan.entries[i].cookie] =
			s->plan.entries[i].tag - 1;
	skel->rodata->filter_tgid = ro.pid;
	s->attach_pid = ro.pid > 0 ? ro.pid : -1;
	*progs = (struct attach_progs){
		.ret = skel->progs.upx_readline,
		.ret_multi = skel->progs.upx_readline_multi,
	};
	return 0;
}

static struct bpf_map *readline_events(void *skel)
{
	return ((struct readline_bpf *)skel)->maps.events;
}

static void readline_armed(struct session *s, void *ctx)
{
	char *files = xstrdup("");

	for (size_t i = 0; i < s->plan.nr_files; i++) {
		char *more = xasprintf("%s%s%s", files, i ? ", " : " ", s->plan.files[i].path);

		free(files);
		files = more;
	}
	status_line("Tracing readline in%s. Hit Ctrl-C to end.", files);
	free(files);
	if (!output_json()) {
		event_head_titles(stdout, (const char *[]){ "PID" }, 1);
		puts("COMMAND");
	}
}

RUN_SKELETON(readline_bpf);

static const struct run_ops readline_run = {
	.skel = &readline_bpf_run_skeleton,
	.flags = RUN_PID,
	.plan = readline_plan,
	.configure = readline_configure,
	.events = readline_events,
	.on_event = on_event,
	.armed = readline_armed,
	.record_one = "line",
	.record_many = "lines",
};

static int cmd_readline(int argc, const char **argv)
{
	struct session s;

	argc = parse_options(argc, argv, readline_options, readline_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	session_init(&s);
	return run_main(&readline_run, &ro, argc, argv, &s);
}

const struct upx_cmd upx_cmd_readline = {
	.name = "readline",
	.summary = "show the commands typed into bash and other readline programs",
	.fn = cmd_readline,
	.flags = UPX_CMD_NEEDS_BPF,
	.opts = readline_options,
};
