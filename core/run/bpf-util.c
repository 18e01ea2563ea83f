// SPDX-License-Identifier: GPL-2.0
/* libbpf logging, per-CPU sums and load errors shared by the tracing commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/util.h"
#include "run/bpf-util.h"
#include "sum128.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (upx_verbose < (level == LIBBPF_DEBUG ? 2 : 1))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void bpf_util_setup_logging(void)
{
	libbpf_set_print(libbpf_print);
}

/* Keys in a hash map now (walked with bpf_map_get_next_key(); at most 1M). */
static uint64_t map_count_keys(int map_fd)
{
	/* keys of up to 64 bytes; a key deleted under the walk restarts it, hence the bound */
	char key[64], next[64];
	uint64_t n = 0;
	void *prev = NULL;

	while (n < (1 << 20) && !bpf_map_get_next_key(map_fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

uint64_t lru_evicted(const struct bpf_map *stats, uint32_t in, uint32_t out,
		     const struct bpf_map *map)
{
	/* in first: what goes in after it adds to gone, never to a false eviction */
	uint64_t went_in = percpu_u64_sum(bpf_map__fd(stats), in),
		 gone = percpu_u64_sum(bpf_map__fd(stats), out) + map_count_keys(bpf_map__fd(map));

	return went_in > gone ? went_in - gone : 0;
}

uint64_t percpu_u64_sum(int map_fd, uint32_t key)
{
	return percpu_u64_sum_key(map_fd, &key);
}

int percpu_nr_cpus(void)
{
	static int nr_cpus;

	if (!nr_cpus) {
		nr_cpus = libbpf_num_possible_cpus();
		if (nr_cpus < 1)
			nr_cpus = 1;
	}
	return nr_cpus;
}

bool percpu_sum128(int map_fd, uint32_t key, unsigned __int128 *sum)
{
	static struct upx_sum128 *vals;
	int nr_cpus = percpu_nr_cpus();

	if (!vals)
		vals = xcalloc(nr_cpus, sizeof(*vals));
	*sum = 0;
	if (bpf_map_lookup_elem(map_fd, &key, vals))
		return false;
	for (int i = 0; i < nr_cpus; i++)
		*sum += ((unsigned __int128)vals[i].hi << 64) | vals[i].lo;
	return true;
}

uint64_t percpu_u64_sum_key(int map_fd, const void *key)
{
	static uint64_t *vals;
	int nr_cpus = percpu_nr_cpus();
	uint64_t sum = 0;

	if (!vals)
		vals = xcalloc(nr_cpus, sizeof(*vals));
	if (bpf_map_lookup_elem(map_fd, key, vals))
		return 0;
	for (int i = 0; i < nr_cpus; i++)
		sum += vals[i];
	return sum;
}

int bpf_load_error(void)
{
	return error("cannot load the BPF program: %s%s", strerror(errno),
		     upx_verbose > 1 ? "" : " (-vv shows the verifier's log)");
}
