// SPDX-License-Identifier: GPL-2.0
/*
 * floor: the bare libbpf uprobe loader make bench compares upx with.  One
 * skeleton, one uprobe on FILE:FUNC, nothing else: the least any uprobe tool
 * can cost, so every trace figure has a floor beside it.
 *
 *   floor [-m MODE] [--multi] [--json] [-w BYTES] (-c CMD | -d SECONDS) FILE:FUNC[+OFF][,FUNC[+OFF]...]
 *
 * FUNC may be a file offset, 0xOFF. *
 * MODE: null (the program returns 0), count (per-CPU array increment), ret
 * (a uretprobe that counts), ring (one ring buffer record per hit, a line each
 * on stdout, default wake-ups) or ringbatch (BPF_RB_NO_WAKEUP, drained every
 * 10 ms, woken early only past -w BYTES), or ringnamed (ringbatch with the
 * probe's cookie and the thread's comm in each record, as upx's events have them),
 * or countkeyed (count under the probe's cookie, the loader's own pid left out,
 * as upx's --count does).  --multi attaches through a uprobe_multi link
 * instead of a perf-event uprobe, with a site per FUNC of the list (one
 * FUNC without it: the cost of the probes upx leaks needs, malloc and free,
 * is a list's).  -c runs CMD (split at
 * spaces) once the probe is live, traces only it and stops when it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <getopt.h>
#include <libelf.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "floor.h"
#include "floor.skel.h"

static volatile sig_atomic_t exiting;
static int json;
static const char *probe_name;
static unsigned long long events;

static void on_signal(int sig)
{
	exiting = 1;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* File offset of FUNC in FILE: its value mapped through the PT_LOAD segments. */
static long func_offset(const char *file, const char *func)
{
	long off = -1;
	Elf_Scn *scn = NULL;
	GElf_Addr value = 0;
	size_t nph;
	Elf *elf;
	int fd;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && !value && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *name;

			if (!gelf_getsym(data, i, &s) || s.st_shndx == SHN_UNDEF || !s.st_value)
				continue;
			if (GELF_ST_TYPE(s.st_info) != STT_FUNC && GELF_ST_TYPE(s.st_info) != STT_GNU_IFUNC)
				continue;
			name = elf_strptr(elf, sh.sh_link, s.st_name);
			if (name && !strcmp(name, func)) {
				value = s.st_value;
				break;
			}
		}
	}
	for (size_t i = 0; value && elf && !elf_getphdrnum(elf, &nph) && i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD && value >= ph.p_vaddr &&
		    value < ph.p_vaddr + ph.p_filesz) {
			off = value - ph.p_vaddr + ph.p_offset;
			break;
		}
	}
	elf_end(elf);
	close(fd);
	return off;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct floor_event *e = data;

	events++;
	if (size >= sizeof(struct floor_event_named))
		printf("%llu %u %u %.16s %s arg0=%llu\n", e->ts, e->pid, e->tid,
		       ((const struct floor_event_named *)e)->comm, probe_name, e->arg0);
	else if (json)
		printf("{\"time_ns\":%llu,\"pid\":%u,\"tid\":%u,\"probe\":\"%s\",\"args\":[%llu]}\n",
		       e->ts, e->pid, e->tid, probe_name, e->arg0);
	else
		printf("%llu %u %u %s arg0=%llu\n", e->ts, e->pid, e->tid, probe_name, e->arg0);
	return 0;
}

/* Fork CMD held on a pipe until the probe is live; returns its pid, *go the pipe. */
static pid_t spawn(char *cmd, int *go)
{
	char *argv[64];
	int n = 0, p[2];
	pid_t pid;

	for (char *w = strtok(cmd, " "); w && n < 63; w = strtok(NULL, " "))
		argv[n++] = w;
	argv[n] = NULL;
	if (!n || pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		char c;

		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "floor: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: floor [-m null|count|ret|ring|ringbatch|ringnamed|countkeyed] [--multi] [--json] "
			"[-w BYTES] (-c CMD | -d SECONDS) FILE:FUNC[+OFF][,FUNC[+OFF]...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const char *const modes[] = { "null", "count", "ret", "ring", "ringbatch", "ringnamed",
					       "countkeyed" };
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' }, { "multi", no_argument, NULL, 'M' },
		{ "json", no_argument, NULL, 'j' },	  { "cmd", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' }, { "wake", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mode = "count";
	char *cmd = NULL, *spec, *func, *plus, *next;
	int multi = 0, m = -1, go = -1, pidfd = -1, status = 0, err = 0, opt;
	long long deadline = 0, wake = 1 << 20;
	unsigned long long hits = 0, dropped = 0;
	struct ring_buffer *rb = NULL;
	struct bpf_program *prog = NULL, *p;
	struct bpf_link *link;
	struct floor_bpf *skel;
	pid_t child = -1;
	unsigned long offs[16];
	size_t nr_offs = 0;
	long off;

	while ((opt = getopt_long(argc, argv, "m:c:d:w:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm': mode = optarg; break;
		case 'M': multi = 1; break;
		case 'j': json = 1; break;
		case 'c': cmd = optarg; break;
		case 'd': deadline = now_ms() + atof(optarg) * 1000; break;
		case 'w': wake = atoll(optarg); break;
		default: usage();
		}
	}
	for (int i = 0; i < 7; i++)
		if (!strcmp(mode, modes[i]))
			m = i;
	if (m < 0 || optind != argc - 1 || (!cmd && !deadline))
		usage();
	spec = strdup(argv[optind]);
	probe_name = argv[optind];
	func = strrchr(spec, ':');
	if (!func)
		usage();
	*func++ = '\0';
	for (; func; func = next) {
		next = strchr(func, ',');
		if (next)
			*next++ = '\0';
		if (nr_offs == (multi ? 16 : 1))
			usage();
		plus = strchr(func, '+');
		if (plus)
			*plus++ = '\0';
		/* 0xOFF: a file offset (where upx leaks put its probe, say) */
		off = !strncmp(func, "0x", 2) ? strtol(func, NULL, 16) : func_offset(spec, func);
		if (off < 0) {
			fprintf(stderr, "floor: no function '%s' in '%s'\n", func, spec);
			return 1;
		}
		off += plus ? strtol(plus, NULL, 0) : 0;
		offs[nr_offs++] = off;
	}

	libbpf_set_print(libbpf_quiet);
	skel = floor_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->wake_bytes = wake;
	skel->rodata->self_pid = getpid();
	bpf_object__for_each_program(p, skel->obj) {
		char want[32];

		snprintf(want, sizeof(want), "on_%s%s", mode, multi ? "_multi" : "");
		if (!strcmp(bpf_program__name(p), want))
			prog = p;
		else
			bpf_program__set_autoload(p, false);
	}
	if (floor_bpf__load(skel)) {
		fprintf(stderr, "floor: cannot load the BPF program\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (cmd) {
		child = spawn(cmd, &go);
		if (child < 0) {
			fprintf(stderr, "floor: cannot run '%s'\n", cmd);
			return 1;
		}
		pidfd = syscall(SYS_pidfd_open, child, 0);
	}
	if (multi) {
		LIBBPF_OPTS(bpf_uprobe_multi_opts, mo, .offsets = offs, .cnt = nr_offs,
			    .retprobe = m == 2);
		link = bpf_program__attach_uprobe_multi(prog, child, spec, NULL, &mo);
	} else {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = m == 2);
		link = bpf_program__attach_uprobe_opts(prog, child, spec, off, &uo);
	}
	if (!link) {
		fprintf(stderr, "floor: cannot attach to %s+0x%lx: %s\n", spec, off, strerror(errno));
		if (child > 0)
			kill(child, SIGKILL);
		return 1;
	}
	if (m >= 3 && m <= 5)
		rb = ring_buffer__new(bpf_map__fd(skel->maps.ring), on_event, NULL, NULL);
	fprintf(stderr, "floor: armed %s on %s+0x%lx%s (%s link)\n", mode, spec, offs[0],
		nr_offs > 1 ? " and more" : "", multi ? "uprobe_multi" : "perf-event");
	if (go >= 0 && (write(go, "g", 1) != 1 || close(go)))
		err = 1;

	while (!exiting) {
		struct pollfd fds[2] = { { pidfd, POLLIN, 0 },
					 { rb ? ring_buffer__epoll_fd(rb) : -1, POLLIN, 0 } };
		int timeout = -1, n;

		if (deadline) {
			timeout = deadline - now_ms();
			if (timeout <= 0)
				break;
		}
		if ((m == 4 || m == 5) && (timeout < 0 || timeout > 10))
			timeout = 10;
		n = poll(fds, 2, timeout);
		if (n < 0 && errno != EINTR) {
			err = 1;
			break;
		}
		if (rb && (n == 0 || fds[1].revents)) {
			ring_buffer__consume(rb);
			fflush(stdout);
		}
		if (n > 0 && fds[0].revents) {
			waitpid(child, &status, 0);
			child = -1;
			break;
		}
	}
	bpf_link__destroy(link);
	if (rb) {
		ring_buffer__consume(rb);
		fflush(stdout);
	}
	{
		int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(skel->maps.counts);
		unsigned long long v[ncpu > 0 ? ncpu : 1];
		__u32 key;

		for (key = 0; key < 2; key++) {
			if (bpf_map_lookup_elem(fd, &key, v))
				continue;
			for (int i = 0; i < ncpu; i++)
				*(key ? &dropped : &hits) += v[i];
		}
	}
	if (rb)
		hits = events;
	fprintf(stderr, "floor: %llu hits, %llu dropped\n", hits, dropped);
	if (child > 0) {
		kill(child, SIGTERM);
		waitpid(child, &status, 0);
	}
	ring_buffer__free(rb);
	floor_bpf__destroy(skel);
	return err || (WIFEXITED(status) && WEXITSTATUS(status)) || WIFSIGNALED(status);
}
