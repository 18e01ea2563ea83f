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

#include "attach.h"
#include "bpf-util.h"
#include "cmd.h"
#include "elf.h"
#include "events.h"
#include "json.h"
#include "libsearch.h"
#include "options.h"
#include "output.h"
#include "plan.h"
#include "proc.h"
#include "readline.h"
#include "readline.skel.h"
#include "runopt.h"
#include "session.h"
#include "util.h"

static const char *const readline_usage[] = {
	"upx readline [-d SECONDS] [-p PID] [--json]",
	NULL,
};

static struct {
	double duration;
	long long pid;
} opt;

static const struct upx_option readline_options[] = {
	OPT_CALLBACK('d', "duration", &opt.duration, "SECONDS", "stop after SECONDS", opt_seconds_cb),
	OPT_INT('p', "pid", &opt.pid, "PID", "only this process (its bash or libreadline, even in a container); stop when it is gone"),
	OPT_JSON(),
	OPT_VERBOSE(),
	OPT_END(),
};

/* Where readline lives: bash's own copy, and the shared library. */
static const char *const readline_targets[] = { "bash", "libreadline.so.8" };
static const char *const readline_funcs[] = { "readline_internal_teardown", "readline" };

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
	char line[EVENT_HEAD_MAX(1, UPX_COMM_LEN)], *end;
	bool cut;
	long len;

	if (size < sizeof(*e))
		return 0;
	len = line_len(e, &cut);
	end = event_head_text(line, e->ts_ns + ctx->realtime_offset_ns,
			      (const uint32_t[]){ e->pid }, 1, e->comm, sizeof(e->comm));
	fwrite(line, 1, end - line, stdout);
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
		json_name(jw, "command");
		json_string_len(jw, e->line, len);
		json_bool_field(jw, "truncated", cut);
	} else {
		json_s64_field(jw, "error", e->len);
	}
	json_object_end(jw);
	json_writer__end_line(jw);
	return 0;
}

/* The event printer of each output format, chosen once. */
static int (*const on_event[OUTPUT_NR])(void *ctx, void *data, size_t size) = {
	[OUTPUT_TEXT] = on_event_plain,
	[OUTPUT_JSON] = on_event_json,
};

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
			    plan_add_function(plan, readline_targets[t], readline_funcs[i], true))
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

static int cmd_readline(int argc, const char **argv)
{
	struct session ctx;
	struct readline_bpf *skel = NULL;
	struct attach_progs progs;
	struct event_loop loop;
	int ret = UPX_EXIT_FAILURE;
	enum loop_end end;

	argc = parse_options(argc, argv, readline_options, readline_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	if (opt.pid < 0 || (opt.pid && proc_exists(opt.pid))) {
		error("no process %lld", opt.pid);
		return UPX_EXIT_FAILURE;
	}

	session_init(&ctx);
	ctx.plan.pid = opt.pid;
	if (plan_readline(&ctx.plan, opt.pid))
		goto out;
	if (ctx.plan.nr > READLINE_MAX_PROBES) {
		error("too many readline probes (%zu)", ctx.plan.nr);
		goto out;
	}
	if (upx_verbose)
		plan_print(&ctx.plan, stderr);

	events_signals_setup();
	bpf_util_setup_logging();
	skel = readline_bpf__open();
	if (!skel) {
		error("cannot open the BPF object: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < ctx.plan.nr; i++)
		((__u8 *)skel->rodata->roles)[ctx.plan.entries[i].cookie] =
			strcmp(ctx.plan.entries[i].func, "readline") ? READLINE_ROLE_TEARDOWN :
								       READLINE_ROLE_READLINE;
	skel->rodata->filter_tgid = opt.pid;
	skel->rodata->self_tgid = getpid();
	progs = (struct attach_progs){
		.ret = skel->progs.upx_readline,
		.ret_multi = skel->progs.upx_readline_multi,
	};
	attach_prepare(&ctx.plan, &progs);
	if (readline_bpf__load(skel)) {
		bpf_load_error();
		goto out;
	}
	if (attach_plan(&ctx.plan, &progs, opt.pid > 0 ? opt.pid : -1, &ctx.att))
		goto out;

	ctx.ev = events_open(skel->maps.events, on_event[upx_output], &ctx);
	if (!ctx.ev)
		goto out;
	if (!output_json()) {
		fprintf(stderr, "Tracing readline in");
		for (size_t i = 0; i < ctx.plan.nr_files; i++)
			fprintf(stderr, "%s %s", i ? "," : "", ctx.plan.files[i].path);
		fprintf(stderr, ". Hit Ctrl-C to end.\n");
		printf("%-15s %-7s %-16s %s\n", "TIME", "PID", "COMM", "COMMAND");
		fflush(stdout);
	}
	loop = (struct event_loop){
		.duration = opt.duration,
		/* with -p, stop when the shell is gone */
		.watch_pid = opt.pid,
	};
	end = session_run(&ctx, &loop);
	if (end == LOOP_ERROR)
		goto out;
	if (end != LOOP_STDOUT_CLOSED)
		report_lost(ctx.jw, percpu_u64_sum(bpf_map__fd(skel->maps.stats),
						   READLINE_STAT_LOST) + loop.not_shown, "lines");
	ret = 0;
out:
	session_end(&ctx);
	readline_bpf__destroy(skel);
	return ret;
}

const struct upx_cmd upx_cmd_readline = {
	.name = "readline",
	.summary = "show the commands typed into bash and other readline programs",
	.fn = cmd_readline,
	.flags = UPX_CMD_NEEDS_BPF,
};
