// SPDX-License-Identifier: GPL-2.0
/* Finding a probe target among the files a running process has mapped. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

int proc_exists(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return access(path, F_OK) ? -errno : 0;
}

/* Does the mapped file `path` answer to `target`? */
static int match_score(const char *path, const char *target)
{
	const char *base = strrchr(path, '/');
	size_t n = strlen(target);

	base = base ? base + 1 : path;
	if (strchr(target, '/'))
		return !strcmp(path, target) ? 3 : 0;
	if (!strcmp(base, target))
		return 2;
	/* libfoo.so.1 maps as its real file libfoo.so.1.2.3 */
	if (strstr(target, ".so") && !strncmp(base, target, n) && base[n] == '.')
		return 1;
	return 0;
}

char *proc_find_mapped(pid_t pid, const char *target, char *err, size_t errlen)
{
	char maps[64], *line = NULL, *best = NULL, *resolved = NULL;
	int best_score = 0;
	size_t cap = 0;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", maps,
			 errno == ENOENT ? "no such process" : strerror(errno));
		return NULL;
	}
	/* A relative path is taken relative to the process's working directory. */
	if (strchr(target, '/') && target[0] != '/') {
		char cwd[PATH_MAX], link[64];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
		n = readlink(link, cwd, sizeof(cwd) - 1);
		if (n > 0) {
			cwd[n] = '\0';
			resolved = xasprintf("%s/%s", cwd, target);
			target = resolved;
		}
	}
	while (getline(&line, &cap, f) > 0) {
		char *path = strchr(line, '/');
		int score;

		if (!path)
			continue;
		path[strcspn(path, "\n")] = '\0';
		if (strstr(path, " (deleted)"))
			continue;
		score = match_score(path, target);
		if (score > best_score) {
			free(best);
			best = xstrdup(path);
			best_score = score;
		}
	}
	free(line);
	fclose(f);
	if (!best) {
		snprintf(err, errlen, "process %d has no '%s' mapped", (int)pid,
			 resolved ? resolved : target);
		free(resolved);
		return NULL;
	}
	free(resolved);
	resolved = xasprintf("/proc/%d/root%s", (int)pid, best);
	free(best);
	return resolved;
}
