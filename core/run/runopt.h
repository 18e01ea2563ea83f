/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running options the process-watching commands (exitcodes, lifetimes,
 * readline) share: -d SECONDS, and the command to run from -c CMD or
 * `-- CMD ARGS`.
 */
#ifndef UPX_RUNOPT_H
#define UPX_RUNOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct upx_option;

/* OPT_CALLBACK for a positive number of seconds into a double. */
int opt_seconds_cb(const struct upx_option *o, const char *arg);
/* OPT_CALLBACK for a ring buffer's size in bytes (-m): a power of 2 from 4K to 1G. */
int opt_ring_size_cb(const struct upx_option *o, const char *arg);
/* OPT_CALLBACK for --listen: the form of ADDR:PORT checked (core/output/httpd.h), the text kept. */
int opt_listen_cb(const struct upx_option *o, const char *arg);

/*
 * The command to run: split from cmd (-c), or the words after "--" among the
 * argc arguments parse_options() left (PARSE_OPT_KEEP_DASHDASH).  *out is a
 * NULL-terminated argv (free_command()), or NULL when there is no command.
 * Returns 0, or UPX_EXIT_USAGE after a usage error (stray arguments, both
 * forms, an empty command).
 */
int runopt_command(const char *cmd, int argc, const char **argv, char ***out);

/* Split a -c command line into words, quotes honoured, no shell expansion. */
char **split_command(const char *cmd, char *err, size_t errlen);
void free_command(char **argv);

struct metrics_writer;

/*
 * --metrics-file: what collect() writes (text format 0.0.4, which
 * node_exporter's textfile collector reads), replaced whole through
 * core/output/atomic-file.h (a reader sees the old file or the new one, never a
 * part; only a regular file is replaced), mode 0644 when new.  0, or -1 with
 * the cause in why (a failed write's own errno, collect's negative value).
 */
int metrics_file_write(const char *path, int (*collect)(struct metrics_writer *w, void *ctx),
		       void *ctx, char *why, size_t size);

#endif
