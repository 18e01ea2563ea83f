// SPDX-License-Identifier: GPL-2.0
/*
 * upx: the dispatcher.  The first argument names a command from the registry
 * (core/base/cmd.h); everything it prints about commands comes from that registry.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cmd.h"
#include "base/options.h"
#include "base/util.h"
#include "completion.h"
#include "run/bpf-util.h"
#include "run/events.h"
#include "run/privs.h"

#ifndef UPX_VERSION
#include "version.h"	/* $(O)/version.h: the GNUmakefile's, from git describe */
#endif

static int name_width(void)
{
	int w = 0;

	for (int i = 0; upx_cmds[i]; i++)
		if ((int)strlen(upx_cmds[i]->name) > w)
			w = strlen(upx_cmds[i]->name);
	return w;
}

static void main_usage(FILE *f)
{
	int w = name_width();

	fprintf(f, "usage: upx [--version] [--help] [--list-cmds] <command> [<args>]\n\n"
		   "upx probes user-space programs with eBPF uprobes. The commands are:\n\n");
	for (int i = 0; upx_cmds[i]; i++)
		fprintf(f, "   %-*s   %s\n", w, upx_cmds[i]->name, upx_cmds[i]->summary);
	fprintf(f, "\nSee 'upx help <command>' or 'upx <command> --help' for a command's manual,\n"
		   "'upx <command> -h' for its options.\n");
}

static int unknown_command(const char *name)
{
	int best = -1, best_d = 1 << 30;

	error("'%s' is not a upx command. See 'upx --help'.", name);
	for (int i = 0; upx_cmds[i]; i++) {
		int d = edit_distance(name, upx_cmds[i]->name);

		/* A command that starts with what was typed is as good as a close one. */
		if (!strncmp(upx_cmds[i]->name, name, strlen(name)))
			d = d < 2 ? d : 2;
		if (d < best_d) {
			best_d = d;
			best = i;
		}
	}
	if (best >= 0 && best_d <= 3 && best_d < (int)strlen(name))
		fprintf(stderr, "\nThe most similar command is\n\t%s\n", upx_cmds[best]->name);
	return UPX_EXIT_FAILURE;
}

static int cmd_help(int argc, const char **argv)
{
	if (argc < 2) {
		main_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "upx"))
		return show_man_page(NULL) ? UPX_EXIT_FAILURE : 0;
	if (!upx_cmd_find(argv[1]))
		return unknown_command(argv[1]);
	if (show_man_page(argv[1])) {
		upx_cmd_name = "help";
		error("no manual page for '%s'", argv[1]);
		return UPX_EXIT_FAILURE;
	}
	return 0;
}

/*
 * Somebody closed stdout?  That is a quiet exit (like `| head`); any other
 * write error (a full disk) is reported.
 */
static int finish_stdout(int ret)
{
	if (events_stdout_dropped()) {
		/* A stop while nobody read it: the stop came first (core/run/events.c). */
		clearerr(stdout);
		warning("standard output was not read after the stop: the rest of the output "
			"was dropped");
		return ret;
	}
	if (fflush(stdout) == 0 && !ferror(stdout))
		return ret;
	if (errno == EPIPE)
		return ret;
	/* On stderr even with --json: stdout is what failed. */
	set_error_routine(NULL);
	error("write error on standard output: %s", strerror(errno));
	return UPX_EXIT_FAILURE;
}

int main(int argc, const char **argv)
{
	const struct upx_cmd *cmd;
	int ret;

	static char outbuf[64 * 1024];

	/* Writes to a closed pipe fail with EPIPE; commands detach and exit cleanly. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * To a file or a pipe, write in 64 KiB pieces, not stdio's 4 KiB: a
	 * stream of events costs a tenth of the write calls.  The tracers
	 * flush on every turn of their loop, so nothing waits longer for it.
	 */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	/*
	 * Only the main thread writes stdout (list-syms' demangling threads
	 * never do): no lock around each of the dozens of stdio calls an event
	 * makes.
	 */
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		main_usage(stdout);
		return finish_stdout(0);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("upx version %s\n", UPX_VERSION);
		return finish_stdout(0);
	}
	if (!strcmp(argv[1], "--list-cmds")) {
		for (int i = 0; upx_cmds[i]; i++)
			printf("%s\n", upx_cmds[i]->name);
		return finish_stdout(0);
	}
	/* Not in the usage line: for `make install` and shells (upx(1) says how). */
	if (!strcmp(argv[1], "--completion") || !strncmp(argv[1], "--completion=", 13)) {
		const char *shell = argv[1][12] == '=' ? argv[1] + 13 : argc > 2 ? argv[2] : NULL;

		if (!shell || strcmp(shell, "bash")) {
			error("--completion: %s%s%s: bash is the one shell upx knows",
			      shell ? "'" : "", shell ? shell : "which shell?", shell ? "'" : "");
			return UPX_EXIT_USAGE;
		}
		completion_bash(stdout);
		return finish_stdout(0);
	}
	if (!strcmp(argv[1], "help"))
		return finish_stdout(cmd_help(argc - 1, argv + 1));
	if (argv[1][0] == '-') {
		error("unknown option '%s'. See 'upx --help'.", argv[1]);
		return UPX_EXIT_USAGE;
	}

	cmd = upx_cmd_find(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	upx_cmd_name = cmd->name;

	if (cmd->flags & UPX_CMD_NEEDS_BPF) {
		/* -h and --help need no privileges. */
		bool help = false;

		for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
			if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
				help = true;
		if (!help && check_bpf_privileges())
			return UPX_EXIT_FAILURE;
		/* What every tracing command needs before it starts (git's RUN_SETUP). */
		bpf_util_setup_logging();
		events_signals_setup();
	}
	ret = cmd->fn(argc - 1, argv + 1);
	return finish_stdout(ret);
}
