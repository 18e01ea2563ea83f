// SPDX-License-Identifier: GPL-2.0
/* Event loop and signals, shared by every tracing command (the -c child: child.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "base/bpf-obj.h"
#include "base/stop.h"
#include "base/util.h"
#include "run/child.h"
#include "run/events.h"
#include "target/proc.h"

/*
 * A stop while nobody reads standard output (a pipe that is full, a terminal
 * held with ^S): the write upx is blocked in would never end, and a stop is
 * promised within UPX_STOP_MS.  From STOP_STDOUT's share of that bound after
 * the stop on, a timer looks every STDOUT_WATCH_MS whether stdout can take a
 * byte; when it cannot, upx's stdout becomes /dev/null (the blocked write
 * ends with EINTR: this handler has no SA_RESTART) and the rest of the output
 * is dropped, said at the exit (events_stdout_dropped()).  Only upx's
 * descriptor changes: a -c command writing to the same pipe is left as it
 * is.  A stdout with room when it is looked at is never touched, however long
 * the report takes; before the stop, nothing is watched (a slow reader slows
 * the trace, and its losses are counted).
 */
#define STDOUT_WATCH_MS 20
static timer_t stdout_timer;
static bool have_stdout_timer;
static int devnull_fd = -1;
static uint64_t stdout_after_ns;	/* stop_share_ns(STOP_STDOUT), read before any signal */
static volatile sig_atomic_t stdout_dropped;

static void on_stdout_watch(int sig)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
	int saved = errno;

	if (!stdout_dropped && devnull_fd >= 0 && poll(&p, 1, 0) == 0 &&
	    dup2(devnull_fd, STDOUT_FILENO) == STDOUT_FILENO)
		stdout_dropped = 1;
	errno = saved;
}

bool events_stdout_dropped(void)
{
	return stdout_dropped;
}

static void on_stop(int sig)
{
	if (upx_stop) {
		/*
		 * A second stop while the first is under way: the clean stop is
		 * stuck (a stdout that nobody reads).  Exit now; the kernel
		 * detaches the probes when the file descriptors close.
		 */
		if (upx_child_pid > 0)
			kill(upx_child_pid, SIGTERM);
		_exit(128 + sig);
	}
	upx_stop_ns = mono_ns(); /* clock_gettime() is async-signal-safe */
	upx_stop = sig;
	if (have_stdout_timer) {
		/* timer_settime() is async-signal-safe */
		uint64_t first = stdout_after_ns ? stdout_after_ns : 1000000;
		struct itimerspec every = {
			.it_value = { first / 1000000000, first % 1000000000 },
			.it_interval = { 0, STDOUT_WATCH_MS * 1000000L },
		};

		timer_settime(stdout_timer, 0, &every, NULL);
	}
}

static void on_child(int sig)
{
	/* only wakes the poll; the loop reaps */
}

void events_signals_setup(void)
{
	struct sigaction sa = {};

	/*
	 * SA_RESTART: a write to a full pipe goes on after Ctrl-C instead of
	 * failing with EINTR (poll() is never restarted, so the loop still
	 * sees the stop at once).
	 */
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	/* The watch of a stdout nobody reads (on_stdout_watch()): armed by the first stop. */
	sa.sa_handler = on_stdout_watch;
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	if (devnull_fd < 0)
		devnull_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	stdout_after_ns = stop_share_ns(STOP_STDOUT);
	if (!have_stdout_timer) {
		struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };

		have_stdout_timer = !timer_create(CLOCK_MONOTONIC, &sev, &stdout_timer);
	}
}

bool stdout_closed(void)
{
	if (stdout_dropped)
		return true;	/* nobody read it after a stop: nothing more to write */
	if (fflush(stdout) == 0 && !ferror(stdout))
		return false;
	return errno == EPIPE || ferror(stdout);
}

/* Ring buffer --------------------------------------------------------------- */

/* Records handed out between two looks at the stop conditions. */
#define EVENTS_BATCH 256
/* At most this long spent reading before the stop conditions are looked at again. */
#define EVENTS_BATCH_S 0.02
/*
 * How long the loop sleeps when nothing wakes it.  The BPF side wakes us when
 * a record crosses its threshold or 2 ms after its last wake-up; the short
 * sleep, while events flow, shows the end of a burst within milliseconds.
 */
#define EVENTS_POLL_MS 100
#define EVENTS_BUSY_POLL_MS 5
/* Our own callback return value: "batch done", not an error. */
#define EVENTS_BATCH_END (-ECANCELED)

struct events {
	struct ring_buffer *rb;
	struct ring *ring;
	int (*fn)(void *ctx, void *data, size_t size);
	bool (*announce)(void *ctx, const void *data, size_t size);
	void *ctx;
	size_t records_left;		/* in this batch */
	unsigned long long bytes_left;	/* in this drain (ULLONG_MAX: no limit) */
	bool counting;			/* count the records, do not show them */
	unsigned long long counted;
};

static int events_cb(void *p, void *data, size_t size)
{
	struct events *ev = p;
	/* A record takes its 8-byte header and its data, rounded up to 8. */
	unsigned long long used = (size + 8 + 7) & ~7ULL;

	if (ev->counting) {
		/* a process's mappings still taken: the counted stacks are named by them */
		if (!ev->announce || !ev->announce(ev->ctx, data, size))
			ev->counted++;
	} else
		ev->fn(ev->ctx, data, size);
	ev->bytes_left = ev->bytes_left > used ? ev->bytes_left - used : 0;
	/* Negative ends ring_buffer__consume(); this record stays consumed. */
	if (--ev->records_left == 0 || ev->bytes_left == 0)
		return EVENTS_BATCH_END;
	return 0;
}

int events_size(struct bpf_object *obj, struct bpf_map *map, unsigned long long bytes)
{
	__u64 *wakeup_bytes = bpf_rodata_named(obj, "wakeup_bytes", sizeof(*wakeup_bytes));

	if (!wakeup_bytes)
		return -1;
	*wakeup_bytes = bytes / 4 < 256 * 1024 ? bytes / 4 : 256 * 1024;
	return bpf_map__set_max_entries(map, bytes) ? error("cannot size the ring buffer: %s",
							   strerror(errno)) : 0;
}

struct events *events_open(struct bpf_map *map, int (*fn)(void *ctx, void *data, size_t size),
			   bool (*announce)(void *ctx, const void *data, size_t size),
			   void *ctx)
{
	struct events *ev = xcalloc(1, sizeof(*ev));

	ev->fn = fn;
	ev->announce = announce;
	ev->ctx = ctx;
	ev->rb = ring_buffer__new(bpf_map__fd(map), events_cb, ev, NULL);
	if (!ev->rb) {
		error("cannot read the ring buffer: %s", strerror(errno));
		free(ev);
		return NULL;
	}
	ev->ring = ring_buffer__ring(ev->rb, 0);
	return ev;
}

void events_close(struct events *ev)
{
	if (!ev)
		return;
	ring_buffer__free(ev->rb);
	free(ev);
}

/* Up to max records (and the drain's byte budget); how many, or -errno. */
static long events_consume(struct events *ev, size_t max)
{
	int n;

	ev->records_left = max;
	n = ring_buffer__consume(ev->rb);
	if (n < 0 && n != EVENTS_BATCH_END)
		return n;
	return max - ev->records_left;
}

/* Bytes of records the kernel has written and we have not read. */
static unsigned long long events_pending(struct events *ev)
{
	return ev->ring ? ring__avail_data_size(ev->ring) : 0;
}

/*
 * Read in batches for at most EVENTS_BATCH_S or until a stop is asked for;
 * how many records (*more: some are still waiting), or -errno.
 */
static long events_read_some(struct events *ev, bool *more)
{
	double until = mono_now() + EVENTS_BATCH_S;
	long n, total = 0;

	ev->bytes_left = ULLONG_MAX;
	do {
		n = events_consume(ev, EVENTS_BATCH);
		if (n < 0)
			return n;
		total += n;
	} while (n == EVENTS_BATCH && !upx_stop && mono_now() < until);
	*more = n == EVENTS_BATCH;
	return total;
}

/* Count, unshown, what the ring buffer holds now. */
static unsigned long long events_count_rest(struct events *ev)
{
	ev->counting = true;
	ev->counted = 0;
	ev->bytes_left = events_pending(ev);
	while (ev->bytes_left && events_consume(ev, EVENTS_BATCH) > 0)
		;
	ev->counting = false;
	return ev->counted;
}

/*
 * Once, at the end: show what the ring buffer holds now (the probes are
 * detached, so it no longer grows), then count, unshown, whatever came after
 * or could not be shown because stdout went away.  After a stop signal
 * (hurry) they are shown until its STOP_SHOW share: what is left then is
 * counted in *cut (a slow terminal must not hold a stop up).
 */
static unsigned long long events_drain(struct events *ev, bool hurry, unsigned long long *cut)
{
	unsigned long long pending = events_pending(ev);
	long n;

	*cut = 0;
	ev->bytes_left = pending;
	while (ev->bytes_left && !stdout_closed()) {
		if (hurry && stop_overdue(STOP_SHOW)) {
			*cut = events_count_rest(ev);
			break;
		}
		/* In a hurry, a look at the clock every few records (a stack each, a slow tty). */
		n = events_consume(ev, hurry ? EVENTS_BATCH / 16 : EVENTS_BATCH);
		if (n <= 0)
			break;
	}
	return events_count_rest(ev);
}

/* Loop ------------------------------------------------------------------- */

static int pidfd_of(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

/* A pipe, socket or terminal tells poll() when its reader is gone; a file never does. */
static bool stdout_can_hang_up(void)
{
	struct stat st;

	return !fstat(STDOUT_FILENO, &st) &&
	       (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(STDOUT_FILENO));
}

/* Milliseconds until the next deadline (-d, -i), at most max_ms. */
static int poll_timeout(const struct event_loop *el, double start, double next_tick, int max_ms)
{
	double t = mono_now(), ms = max_ms;

	if (el->duration > 0 && (start + el->duration - t) * 1000 < ms)
		ms = (start + el->duration - t) * 1000;
	if (el->interval > 0 && (next_tick - t) * 1000 < ms)
		ms = (next_tick - t) * 1000;
	for (int i = 0; i < el->nr_extra; i++) {
		const struct loop_fd *x = &el->extra[i];
		int fd_ms = x->timeout_ms ? x->timeout_ms(x->ctx) : -1;

		if (fd_ms >= 0 && fd_ms < ms)
			ms = fd_ms;
	}
	return ms > 0 ? (int)ms + 1 : 0;
}

int event_loop_add_fd(struct event_loop *el, int fd, void (*on_fd)(void *ctx),
		      int (*timeout_ms)(void *ctx), void *ctx)
{
	if (el->nr_extra == LOOP_EXTRA_FDS)
		return -1;
	el->extra[el->nr_extra++] = (struct loop_fd){ fd, on_fd, timeout_ms, ctx };
	return 0;
}

enum loop_end event_loop_run(struct event_loop *el)
{
	double start = mono_now(), next_tick = start + el->interval;
	struct pollfd pfd[5 + LOOP_EXTRA_FDS];
	int nfds = 0, pid_i = -1, out_i = -1, pidfd = -1, child_fd = -1, child_i = -1;
	bool child_done = false, pid_done = false;
	bool more = false, busy = false;
	enum loop_end end;

	el->not_shown = 0;
	if (el->ev)
		pfd[nfds++] = (struct pollfd){ .fd = ring_buffer__epoll_fd(el->ev->rb), .events = POLLIN };
	if (el->watch_pid > 0) {
		pidfd = pidfd_of(el->watch_pid);
		if (pidfd >= 0) {
			pid_i = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		}
	}
	/* The -c command's exit wakes the poll even when SIGCHLD came before it. */
	if (el->child && el->child->pid > 0 && !el->child->exited) {
		child_fd = pidfd_of(el->child->pid);
		/* Its POLLIN only wakes the poll: the reap below says it exited. */
		if (child_fd >= 0) {
			child_i = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = child_fd, .events = POLLIN };
		}
	}
	for (int i = 0; i < el->nr_extra; i++)
		pfd[nfds++] = (struct pollfd){ .fd = el->extra[i].fd, .events = POLLIN };
	if (stdout_can_hang_up()) {
		out_i = nfds;
		/* No events asked: POLLERR / POLLHUP are reported anyway. */
		pfd[nfds++] = (struct pollfd){ .fd = STDOUT_FILENO, .events = 0 };
	}

	for (;;) {
		double t;
		int n = poll(pfd, nfds, more ? 0 : poll_timeout(el, start, next_tick,
							      busy ? EVENTS_BUSY_POLL_MS :
								     EVENTS_POLL_MS));

		if (n < 0 && errno != EINTR) {
			error("waiting for events: %s", strerror(errno));
			end = LOOP_ERROR;
			break;
		}
		/* The kernel batches wake-ups: read on every turn, woken or not. */
		if (el->ev && !upx_stop) {
			long got = events_read_some(el->ev, &more);

			if (got < 0) {
				error("reading events: %s", strerror(-got));
				end = LOOP_ERROR;
				break;
			}
			busy = got > 0;
		}
		if ((out_i >= 0 && n > 0 && (pfd[out_i].revents & (POLLERR | POLLHUP))) ||
		    stdout_closed()) {
			end = LOOP_STDOUT_CLOSED;
			break;
		}
		if (upx_stop) {
			end = LOOP_SIGNAL;
			break;
		}
		for (int i = 0; i < el->nr_extra; i++)
			el->extra[i].on_fd(el->extra[i].ctx);
		/* With its pidfd, reaped once that says it exited (not a wait4() every turn). */
		if (el->child && !child_done &&
		    (child_i < 0 || (n > 0 && (pfd[child_i].revents & POLLIN))) &&
		    child_reap(el->child, WNOHANG)) {
			end = LOOP_CHILD_EXITED;
			if (!el->until_stopped)
				break;
			/* Its pidfd stays readable: poll it no more. */
			child_done = true;
			if (child_i >= 0)
				pfd[child_i].fd = -1;
			note("the command has exited; serving until stopped");
		}
		if (el->watch_pid > 0 && !pid_done &&
		    ((pid_i >= 0 && n > 0 && (pfd[pid_i].revents & POLLIN)) ||
		     (pid_i < 0 && pid_gone(el->watch_pid)))) {
			end = LOOP_PID_GONE;
			if (!el->until_stopped)
				break;
			pid_done = true;
			if (pid_i >= 0)
				pfd[pid_i].fd = -1;
			note("process %d has exited; serving until stopped", (int)el->watch_pid);
		}
		t = mono_now();
		if (el->duration > 0 && t - start >= el->duration) {
			end = LOOP_DURATION;
			break;
		}
		if (el->interval > 0 && t >= next_tick) {
			el->tick(el->ctx);
			next_tick += el->interval;
			if (next_tick < t)
				next_tick = t + el->interval;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	if (child_fd >= 0)
		close(child_fd);
	/*
	 * With a ring buffer, detach before the drain so that the buffer stops
	 * growing.  Aggregations are read while the probes are still in place:
	 * classic links go one by one (~0.1 s each), and counts read after that
	 * would be skewed between the probes.
	 */
	if (el->ev && el->detach)
		el->detach(el->detach_ctx);
	/* What the kernel wrote before the end is still shown. */
	if (el->ev && end != LOOP_STDOUT_CLOSED && end != LOOP_ERROR) {
		unsigned long long cut;

		el->not_shown = events_drain(el->ev, end == LOOP_SIGNAL, &cut);
		if (cut)
			warning("%llu event%s not shown: upx was stopping (a stop does not wait on "
				"the output)", cut, cut == 1 ? "" : "s");
	}
	return end;
}
