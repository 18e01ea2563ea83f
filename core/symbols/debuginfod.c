// SPDX-License-Identifier: GPL-2.0
/*
 * Debug files from debuginfod servers (debuginfod.h).
 *
 * What libdebuginfod (0.192) does, which shapes this file: its query loop
 * waits for its sockets up to a second at a time, and only once a server
 * has answered does it call the progress callback after each wait, whose
 * non-zero return cancels the transfer (and removes the partial file) but
 * also leaves an empty file in the cache, the mark of a build-id the servers
 * do not have, for 10 minutes (cache_miss_s).  Before a server answers
 * nothing cancels the query but DEBUGINFOD_MAXTIME, checked after each wait.
 *
 * So the query runs on a thread of its own, with every signal blocked but
 * one, KICK_SIGNAL, whose handler does nothing: sent to the thread, it cuts
 * the wait short, and the callback sees the cancel flag at once.  The
 * caller's thread waits in ppoll() for the end of the query, a stop signal,
 * or the next second (the bound, the progress line).  At a stop (or the
 * bound) a download is cancelled and its false "not on the servers" mark
 * removed; a query still waiting for a server is left to end by itself
 * (DEBUGINFOD_MAXTIME is set for it), or with upx.
 */
#include <dirent.h>
#include <elfutils/debuginfod.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/dl.h"
#include "base/stop.h"
#include "base/util.h"
#include "output/output.h"
#include "symbols/debuginfod.h"

#define KICK_SIGNAL (SIGRTMIN + 3)
/* A download shows its progress once it has taken this long (ms). */
#define PROGRESS_AFTER_MS 1000
/* Not on a terminal: a progress line this often (ms). */
#define PROGRESS_EVERY_MS 5000
/* After a cancel, how long the query may take to end before it is left behind (ms). */
#define CANCEL_WAIT_MS 50

static const char *opt_urls;	/* --debuginfod URL */

static struct {
	bool tried;
	void *so;
	__typeof__(debuginfod_begin) *begin;
	__typeof__(debuginfod_end) *end;
	__typeof__(debuginfod_find_debuginfo) *find_debuginfo;
	__typeof__(debuginfod_set_progressfn) *set_progressfn;
	__typeof__(debuginfod_set_user_data) *set_user_data;
	__typeof__(debuginfod_get_user_data) *get_user_data;
	__typeof__(debuginfod_get_url) *get_url;
} lib;

/* What each build-id gave this run: asked once. */
struct asked {
	char build_id[41];
	char *path;
	struct asked *next;
};
static struct asked *asked;

/* One query, shared by the waiting thread and the query's thread (refs: 2, then 1). */
struct job {
	char build_id[41];
	int done_fd[2];		/* the query's thread writes a byte when it ends */
	int refs;		/* atomic */
	int cancel;		/* atomic: the callback cancels the transfer */
	long got, size;		/* atomic: bytes so far, the size if known (the callback) */
	int engaged;		/* atomic: a server answered (the callback saw a URL) */
	char url[512];		/* that server (written once, before engaged is set) */
	/* written by the query's thread before its byte */
	int rc;
	char *path;
	bool fetched;		/* from a server, not from the cache */
};

int debuginfod_opt_cb(const struct upx_option *o, const char *arg)
{
	const char *p = arg + strspn(arg, " \t");

	if (!*p)
		return usage_error("--debuginfod needs a URL");
	/* URLs separated by spaces, as in $DEBUGINFOD_URLS: each with its scheme */
	while (*p) {
		size_t len = strcspn(p, " \t");
		const char *colon = memchr(p, ':', len);

		if (!colon || colon == p || len < (size_t)(colon - p) + 3 || strncmp(colon, "://", 3))
			return usage_error("option '--debuginfod' expects URLs (http://HOST...), not '%s'",
					   arg);
		p += len;
		p += strspn(p, " \t");
	}
	opt_urls = arg;
	return 0;
}

bool debuginfod_enabled(void)
{
	const char *env = getenv(DEBUGINFOD_URLS_ENV_VAR);

	return opt_urls || (env && *env);
}

static bool load_lib(void)
{
	const struct dl_sym syms[] = {
		DL_SYM(debuginfod_begin, lib.begin),
		DL_SYM(debuginfod_end, lib.end),
		DL_SYM(debuginfod_find_debuginfo, lib.find_debuginfo),
		DL_SYM(debuginfod_set_progressfn, lib.set_progressfn),
		DL_SYM(debuginfod_set_user_data, lib.set_user_data),
		DL_SYM(debuginfod_get_user_data, lib.get_user_data),
		DL_SYM(debuginfod_get_url, lib.get_url),
	};
	char err[256];

	if (lib.tried)
		return lib.so != NULL;
	lib.tried = true;
	lib.so = dl_load(DEBUGINFOD_SONAME, syms, sizeof(syms) / sizeof(syms[0]), err, sizeof(err));
	if (!lib.so)
		warning("debuginfod: cannot load %s: %s: no debug files are fetched",
			DEBUGINFOD_SONAME, err);
	return lib.so != NULL;
}

static void job_put(struct job *j)
{
	if (__atomic_sub_fetch(&j->refs, 1, __ATOMIC_ACQ_REL))
		return;
	close(j->done_fd[0]);
	close(j->done_fd[1]);
	free(j->path);
	free(j);
}

/* In the query's thread, after each wait of libdebuginfod's loop. */
static int progress(debuginfod_client *c, long a, long b)
{
	struct job *j = lib.get_user_data(c);
	const char *url = lib.get_url(c);

	/* Called once a server has answered: a is the bytes so far, b the size (0: unknown). */
	if (!__atomic_load_n(&j->engaged, __ATOMIC_ACQUIRE)) {
		snprintf(j->url, sizeof(j->url), "%s", url ? url : "a server");
		__atomic_store_n(&j->engaged, 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&j->got, a, __ATOMIC_RELAXED);
	__atomic_store_n(&j->size, b, __ATOMIC_RELAXED);
	return __atomic_load_n(&j->cancel, __ATOMIC_ACQUIRE);
}

static void *query(void *arg)
{
	struct job *j = arg;
	debuginfod_client *c = lib.begin();
	char *path = NULL;
	char one = 1;
	ssize_t n;

	if (!c) {
		j->rc = -ENOMEM;
	} else {
		lib.set_user_data(c, j);
		lib.set_progressfn(c, progress);
		j->rc = lib.find_debuginfo(c, (const unsigned char *)j->build_id, 0, &path);
		if (j->rc >= 0) {
			const char *url = lib.get_url(c);

			close(j->rc);
			j->path = path;
			j->fetched = url != NULL;
			if (url && !__atomic_load_n(&j->engaged, __ATOMIC_ACQUIRE))
				snprintf(j->url, sizeof(j->url), "%s", url);
		} else {
			free(path);
		}
		lib.end(c);
	}
	do
		n = write(j->done_fd[1], &one, 1);
	while (n < 0 && errno == EINTR);
	job_put(j);
	return NULL;
}

static void on_kick(int sig)
{
	/* only cuts the query's wait short */
}

/* A stop signal that would have killed upx (no handler of a run): caught during a fetch. */
static volatile sig_atomic_t caught_stop;
static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP };

static void on_stop(int sig)
{
	caught_stop = sig;
}

/*
 * During a fetch, the stop signals that have no handler end the wait like a
 * run's handler does, so the query is cancelled and its partial file removed
 * before upx dies of the signal (restore_stops() raises it again).
 */
static void catch_stops(struct sigaction old[])
{
	struct sigaction sa = { .sa_handler = on_stop };

	caught_stop = 0;
	for (size_t i = 0; i < ARRAY_SIZE(stop_sigs); i++) {
		sigaction(stop_sigs[i], NULL, &old[i]);
		if (old[i].sa_handler == SIG_DFL)
			sigaction(stop_sigs[i], &sa, NULL);
	}
}

static void restore_stops(const struct sigaction old[])
{
	for (size_t i = 0; i < ARRAY_SIZE(stop_sigs); i++)
		if (old[i].sa_handler == SIG_DFL)
			sigaction(stop_sigs[i], &old[i], NULL);
	if (caught_stop)
		raise(caught_stop);
}

/*
 * The cache libdebuginfod uses (debuginfod-client-config(7)):
 * $DEBUGINFOD_CACHE_PATH, else ~/.debuginfod_client_cache if it exists,
 * else $XDG_CACHE_HOME/debuginfod_client, else ~/.cache/debuginfod_client.
 */
static char *cache_dir(void)
{
	const char *env = getenv(DEBUGINFOD_CACHE_PATH_ENV_VAR);
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CACHE_HOME");
	struct stat st;
	char *old;

	if (env && *env)
		return xstrdup(env);
	old = xasprintf("%s/.debuginfod_client_cache", home ? home : "/");
	if (!stat(old, &st))
		return old;
	free(old);
	if (xdg && *xdg)
		return xasprintf("%s/debuginfod_client", xdg);
	return xasprintf("%s/.cache/debuginfod_client", home ? home : "/");
}

/*
 * What a stopped query leaves in the cache, made since start (a wall-clock
 * time): when it was cancelled, the empty file that says the servers do not
 * have build_id (libdebuginfod 0.192), so the next run would not ask; when
 * it was left running, its temporary file (debuginfo.XXXXXX), which would
 * stay forever once upx exits.  Both removed.
 */
static void forget_stopped(const char *build_id, time_t start, bool left)
{
	char *dir = cache_dir(), *sub = xasprintf("%s/%s", dir, build_id), *path;
	struct dirent *de;
	struct stat st;
	DIR *d;

	path = xasprintf("%s/debuginfo", sub);
	if (!left && !lstat(path, &st) && S_ISREG(st.st_mode) && !st.st_size &&
	    st.st_mtime >= start)
		unlink(path);
	free(path);
	d = left ? opendir(sub) : NULL;
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "debuginfo.", 10) || strlen(de->d_name) != 16 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode) || st.st_mtime < start)
			continue;
		unlinkat(dirfd(d), de->d_name, 0);
	}
	if (d)
		closedir(d);
	free(sub);
	free(dir);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The bound on one file, in seconds: DEBUGINFOD_MAXTIME's when set. */
static long max_time(void)
{
	const char *env = getenv(DEBUGINFOD_MAXTIME_ENV_VAR);
	long s = env ? atol(env) : 0;

	return s > 0 ? s : DEBUGINFOD_DEFAULT_MAXTIME;
}

/* The server of a query's URL: what comes before "/buildid/" (in place). */
static const char *server(char *url)
{
	char *b = strstr(url, "/buildid/");

	if (b)
		*b = '\0';
	return url;
}

static void show_mb(char *buf, size_t len, long bytes)
{
	snprintf(buf, len, "%.1f MB", bytes / 1e6);
}

/* "upx trace: debuginfod: 'FILE': 12.3 of 40.1 MB from URL" */
static void show_progress(struct job *j, const char *shown, bool tty, bool final)
{
	long got = __atomic_load_n(&j->got, __ATOMIC_RELAXED);
	long size = __atomic_load_n(&j->size, __ATOMIC_RELAXED);
	/* the path and the URL escaped as every message is (output.h): only ours act on the tty */
	char a[32], b[32], *file = escape_dup(shown, -1), *url = escape_dup(server(j->url), -1);

	show_mb(a, sizeof(a), got);
	show_mb(b, sizeof(b), size);
	fprintf(stderr, "%supx %s: debuginfod: '%s': %s%s%s from %s%s", tty ? "\r" : "",
		upx_cmd_name, file, a, size > 0 ? " of " : "", size > 0 ? b : "", url,
		tty && !final ? "\033[K" : "\n");
	fflush(stderr);
	free(file);
	free(url);
}

/*
 * Cancel a download and give it CANCEL_WAIT_MS to end, kicking its wait;
 * true if it ended (its thread joined), false if it was left to end by itself.
 */
static bool cancel_query(struct job *j, pthread_t t)
{
	long long until = now_ms() + CANCEL_WAIT_MS;
	struct pollfd p = { .fd = j->done_fd[0], .events = POLLIN };

	__atomic_store_n(&j->cancel, 1, __ATOMIC_RELEASE);
	do {
		pthread_kill(t, KICK_SIGNAL);
		if (poll(&p, 1, 2) > 0) {
			pthread_join(t, NULL);
			return true;
		}
	} while (now_ms() < until);
	pthread_detach(t);
	return false;
}

/*
 * Run the query on its thread and wait.  The URL of --debuginfod is in the
 * environment (libdebuginfod reads no other) while the query starts: the
 * caller's thread reads none of it meanwhile, and a -c command is never
 * forked during a fetch.
 */
static char *fetch(const char *build_id, const char *shown)
{
	struct sigaction sa = { .sa_handler = on_kick }, stops_old[ARRAY_SIZE(stop_sigs)];
	struct job *j = xcalloc(1, sizeof(*j));
	sigset_t all, old, stops, waitmask;
	const char *env = getenv(DEBUGINFOD_URLS_ENV_VAR);
	char *saved = env ? xstrdup(env) : NULL, *path = NULL;
	const char *urls = opt_urls ? opt_urls : saved;
	bool tty = isatty(STDERR_FILENO), shown_progress = false;
	long long start = now_ms(), last_shown = 0;
	time_t wall_start = time(NULL);
	long bound = max_time();
	bool set_maxtime = !getenv(DEBUGINFOD_MAXTIME_ENV_VAR);
	char maxtime[32];
	pthread_t t;
	int err;

	snprintf(j->build_id, sizeof(j->build_id), "%s", build_id);
	j->refs = 2;
	if (pipe2(j->done_fd, O_CLOEXEC)) {
		warning("debuginfod: '%s': pipe: %s", shown, strerror(errno));
		free(j);
		free(saved);
		return NULL;
	}
	sigaction(KICK_SIGNAL, &sa, NULL);	/* no SA_RESTART: the wait ends */
	catch_stops(stops_old);
	if (opt_urls)
		setenv(DEBUGINFOD_URLS_ENV_VAR, opt_urls, 1);
	/* A query left waiting for a silent server ends by itself, a second after the bound. */
	snprintf(maxtime, sizeof(maxtime), "%ld", bound);
	if (set_maxtime)
		setenv(DEBUGINFOD_MAXTIME_ENV_VAR, maxtime, 1);
	/* The thread inherits this mask: every signal blocked but the kick. */
	sigfillset(&all);
	sigdelset(&all, KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&t, NULL, query, j);
	/* This thread: the stop signals held between their check and the wait, let in by ppoll(). */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	sigemptyset(&stops);
	waitmask = old;
	for (size_t i = 0; i < ARRAY_SIZE(stop_sigs); i++) {
		sigaddset(&stops, stop_sigs[i]);
		sigdelset(&waitmask, stop_sigs[i]);
	}
	pthread_sigmask(SIG_BLOCK, &stops, NULL);
	if (err) {
		warning("debuginfod: '%s': cannot start a thread: %s", shown, strerror(err));
		j->refs = 1;
		goto out;
	}
	for (;;) {
		struct pollfd p = { .fd = j->done_fd[0], .events = POLLIN };
		long long now = now_ms(), wait_ms = 1000 - (now - start) % 1000;
		struct timespec ts = { wait_ms / 1000, wait_ms % 1000 * 1000000 };
		bool engaged = __atomic_load_n(&j->engaged, __ATOMIC_ACQUIRE);

		if (upx_stop || caught_stop || now - start >= bound * 1000LL) {
			/* Waiting for a server, nothing cancels it: it is left to end by itself. */
			if (!engaged)
				pthread_detach(t);
			forget_stopped(build_id, wall_start, !engaged || !cancel_query(j, t));
			if (shown_progress && tty)
				fputc('\n', stderr);
			if (upx_stop || caught_stop)
				warning("debuginfod: '%s': fetching its debug file (build-id %s) "
					"stopped: upx is stopping", shown, build_id);
			else
				warning("debuginfod: '%s': no debug file (build-id %s) within %ld s "
					"%s %s: given up", shown, build_id, bound,
					engaged ? "from" : "of asking", engaged ? server(j->url) : urls);
			goto out;
		}
		if (engaged && now - start >= PROGRESS_AFTER_MS &&
		    (tty || now - last_shown >= PROGRESS_EVERY_MS)) {
			show_progress(j, shown, tty, false);
			shown_progress = true;
			last_shown = now;
		}
		if (ppoll(&p, 1, &ts, &waitmask) > 0)
			break;
	}
	pthread_join(t, NULL);
	if (shown_progress && tty)
		show_progress(j, shown, tty, true);
	if (j->rc >= 0) {
		struct stat st;

		path = j->path;
		j->path = NULL;
		if (j->fetched)
			note("debuginfod: '%s': debug file (build-id %s) fetched from %s: %.1f MB "
			     "in %.2f s", shown, build_id, server(j->url),
			     stat(path, &st) ? 0.0 : st.st_size / 1e6, (now_ms() - start) / 1000.0);
		else if (upx_verbose)
			note("debuginfod: '%s': debug file from the cache: %s", shown, path);
	} else if (j->rc != -ENOENT || upx_verbose) {
		/* Not on the servers (-ENOENT) is what most files get: said with -v only. */
		warning("debuginfod: '%s': no debug file (build-id %s): %s", shown, build_id,
			j->rc == -ENOENT ? "not on the servers" : strerror(-j->rc));
	}
out:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (opt_urls && saved)
		setenv(DEBUGINFOD_URLS_ENV_VAR, saved, 1);
	else if (opt_urls)
		unsetenv(DEBUGINFOD_URLS_ENV_VAR);
	if (set_maxtime)
		unsetenv(DEBUGINFOD_MAXTIME_ENV_VAR);
	job_put(j);
	free(saved);
	restore_stops(stops_old);
	return path;
}

char *debuginfod_fetch(const char *build_id, const char *shown)
{
	struct asked *a;

	if (!build_id[0] || !debuginfod_enabled())
		return NULL;
	for (a = asked; a; a = a->next)
		if (!strcmp(a->build_id, build_id))
			return a->path ? xstrdup(a->path) : NULL;
	/* A stop under way: no new query (it would be cancelled at once). */
	if (upx_stop || !load_lib())
		return NULL;
	a = xcalloc(1, sizeof(*a));
	snprintf(a->build_id, sizeof(a->build_id), "%s", build_id);
	a->path = fetch(build_id, shown);
	a->next = asked;
	asked = a;
	return a->path ? xstrdup(a->path) : NULL;
}
