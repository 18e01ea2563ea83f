// SPDX-License-Identifier: GPL-2.0
/*
 * core/stack/unwind.c on real stacks: the unit-test process captures its registers
 * and copies its own stack at the bottom of a noinline call chain built
 * without frame pointers (and with %rbp holding garbage, so no frame-pointer
 * walk could get it right); unwind_user_stack() must give the very return
 * addresses glibc's backtrace() (libgcc's unwinder) finds, through main.
 * Then: truncated copies say so, a pc in no mapping or without CFI says so, a
 * child that exited is still unwound, and the throughput is logged.
 */
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "stack/symbolize.h"
#include "stack/unwind.h"
#include "unit.h"

#define COPY_MAX (64 * 1024)

struct capture {
	uint64_t regs[UNWIND_NR_REGS];
	size_t len;
	int nbt;
	void *bt[64];
	unsigned char stack[COPY_MAX];
};

static __thread uint64_t stack_top;	/* the end of this thread's stack mapping */

/* The end of the mapping that holds a local variable of the caller's. */
static uint64_t find_stack_top(void)
{
	char line[512];
	unsigned long long start, end;
	uint64_t top = 0, here = (uint64_t)(uintptr_t)&line;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx", &start, &end) == 2 && here >= start && here < end)
			top = end;
	if (f)
		fclose(f);
	return top;
}

/*
 * Built without frame pointers whatever the build's flags (SAN=1 adds
 * -fno-omit-frame-pointer); noipa: no inlining, cloning or tail calls between them.
 */
#define CHAIN __attribute__((noipa, optimize("omit-frame-pointer")))

/* The registers in DWARF order, rip that of the instruction after them; then the copy. */
static CHAIN void capture_here(struct capture *c)
{
	uint64_t sp;

	__asm__ volatile("movq %%rax, 0(%0)\n\t"
			 "movq %%rdx, 8(%0)\n\t"
			 "movq %%rcx, 16(%0)\n\t"
			 "movq %%rbx, 24(%0)\n\t"
			 "movq %%rsi, 32(%0)\n\t"
			 "movq %%rdi, 40(%0)\n\t"
			 "movq %%rbp, 48(%0)\n\t"
			 "movq %%rsp, 56(%0)\n\t"
			 "movq %%r8, 64(%0)\n\t"
			 "movq %%r9, 72(%0)\n\t"
			 "movq %%r10, 80(%0)\n\t"
			 "movq %%r11, 88(%0)\n\t"
			 "movq %%r12, 96(%0)\n\t"
			 "movq %%r13, 104(%0)\n\t"
			 "movq %%r14, 112(%0)\n\t"
			 "movq %%r15, 120(%0)\n\t"
			 "leaq 0(%%rip), %%rax\n\t"
			 "movq %%rax, 128(%0)\n\t"
			 : : "r"(c->regs) : "rax", "memory");
	sp = c->regs[7];
	c->len = stack_top - sp < COPY_MAX ? stack_top - sp : COPY_MAX;
	{
		/* As the kernel copies it: through no sanitizer's view of the stack's red zones. */
		struct iovec l = { c->stack, c->len }, r = { (void *)(uintptr_t)sp, c->len };

		if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)c->len)
			c->len = 0;
	}
	c->nbt = backtrace(c->bt, ARRAY_SIZE(c->bt));
}

/* Each leaves garbage in %rbp (saved and restored through its CFI) for the one it calls. */
static CHAIN int chain_c(struct capture *c, int x)
{
	__asm__ volatile("movq $0x5a5a5a5a5a5a5a5a, %%rbp" ::: "rbp");
	capture_here(c);
	return x + c->nbt;
}

static CHAIN int chain_b(struct capture *c, int x)
{
	__asm__ volatile("movq $0x1111, %%rbp" ::: "rbp");
	return chain_c(c, x + 1) * 3;
}

static CHAIN int chain_a(struct capture *c, int x)
{
	__asm__ volatile("movq $-1, %%rbp" ::: "rbp");
	return chain_b(c, x + 2) - 1;
}

/* nm's size of a function of this program: the oracle for "inside chain_b". */
static uint64_t nm_size(const char *name)
{
	char *cmd = xasprintf("nm -S --defined-only /proc/%d/exe", (int)getpid());
	char line[512], n[256], type;
	unsigned long long v, s;
	uint64_t size = 0;
	FILE *p = popen(cmd, "r");

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "%llx %llx %c %255s", &v, &s, &type, n) == 4 && !strcmp(n, name))
			size = s;
	pclose(p);
	free(cmd);
	CU_ASSERT_FATAL(size > 0);
	return size;
}

static bool inside(uint64_t ret_addr, const void *fn, const char *name)
{
	uint64_t start = (uint64_t)(uintptr_t)fn;

	return ret_addr - 1 >= start && ret_addr - 1 < start + nm_size(name);
}

static struct capture *capture_new(void)
{
	struct capture *c = xcalloc(1, sizeof(*c));

	if (!stack_top)
		stack_top = find_stack_top();
	CU_ASSERT_FATAL(stack_top != 0);
	return c;
}

/* The index of main's return address in bt[], by nm's range of main. */
static int main_index(struct capture *c)
{
	extern int main(void);

	for (int i = 1; i < c->nbt; i++)
		if (inside((uint64_t)(uintptr_t)c->bt[i], (const void *)main, "main"))
			return i;
	CU_FAIL_FATAL("main not in backtrace()");
	return -1;
}

/*
 * backtrace()'s own frames off, so that bt[0] is its return address in
 * capture_here (ASan's interceptor of backtrace() adds one).
 */
static void bt_from_capture(struct capture *c)
{
	int k = 0;

	while (k < c->nbt && !inside((uint64_t)(uintptr_t)c->bt[k], (const void *)capture_here,
				     "capture_here"))
		k++;
	CU_ASSERT_FATAL(k < c->nbt);
	memmove(c->bt, c->bt + k, (c->nbt - k) * sizeof(c->bt[0]));
	c->nbt -= k;
}

/* ips[] of an unwind of c against backtrace() through main; names by the symbolizer too. */
static void expect_chain(struct symbolizer *sy, pid_t pid, struct capture *c, const uint64_t *ips,
			 int n, void (*test_fn)(void), const char *test_name)
{
	static const char *const names[] = { "capture_here", "chain_c", "chain_b", "chain_a" };
	int m, i;

	bt_from_capture(c);
	m = main_index(c);

	CU_ASSERT_FATAL(n > m);
	CU_ASSERT_EQUAL(ips[0], c->regs[16]);
	for (i = 1; i <= m; i++) {
		if (ips[i] != (uint64_t)(uintptr_t)c->bt[i])
			fprintf(stderr, "\n    frame %d: 0x%llx, backtrace() 0x%llx", i,
				(unsigned long long)ips[i], (unsigned long long)(uintptr_t)c->bt[i]);
		CU_ASSERT_EQUAL(ips[i], (uint64_t)(uintptr_t)c->bt[i]);
	}
	CU_ASSERT(inside(ips[1], (const void *)chain_c, "chain_c"));
	CU_ASSERT(inside(ips[2], (const void *)chain_b, "chain_b"));
	CU_ASSERT(inside(ips[3], (const void *)chain_a, "chain_a"));
	CU_ASSERT(inside(ips[4], (const void *)test_fn, test_name));
	for (i = 0; i < 5; i++) {
		struct sym_frame fr;

		symbolize_addr(sy, pid, ips[i], i > 0, &fr, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(fr.function);
		CU_ASSERT_STRING_EQUAL(fr.function, i < 4 ? names[i] : test_name);
	}
	/* Then the runner (CUnit), main, and on to the end. */
	for (i = 5; i < n; i++) {
		struct sym_frame fr;

		symbolize_addr(sy, pid, ips[i], true, &fr, 1);
		if (i == m)
			CU_ASSERT_STRING_EQUAL(fr.function, "main");
	}
}

static void test_unwind_own_stack(void)
{
	struct symbolizer *sy = symbolizer_new();
	struct capture *c = capture_new();
	const char *cut = "unset";
	uint64_t ips[128];
	int n;

	chain_a(c, 1);
	/* No frame pointer chain: %rbp at the capture is chain_c's garbage. */
	CU_ASSERT_EQUAL(c->regs[6], 0x5a5a5a5a5a5a5a5aULL);
	n = unwind_user_stack(sy, getpid(), c->regs, c->stack, c->len, ips, ARRAY_SIZE(ips), &cut);
	expect_chain(sy, getpid(), c, ips, n, test_unwind_own_stack, "test_unwind_own_stack");
	/* To _start, whose CFI ends the stack: as far as backtrace() went, and no cut. */
	CU_ASSERT_EQUAL(n, c->nbt);
	if (cut)
		fprintf(stderr, "\n    cut: %s", cut);
	CU_ASSERT_PTR_NULL(cut);
	/* max frames: the first max, and said so. */
	CU_ASSERT_EQUAL(unwind_user_stack(sy, getpid(), c->regs, c->stack, c->len, ips, 3, &cut), 3);
	CU_ASSERT_EQUAL(ips[2], (uint64_t)(uintptr_t)c->bt[2]);
	CU_ASSERT_PTR_NOT_NULL(cut);
	free(c);
	symbolizer_free(sy);
}

/* Shorter copies: a prefix of the full stack, cut where the copy ends. */
static void test_unwind_truncated(void)
{
	static const size_t lens[] = { 0, 8, 64, 256, 1024 };
	struct symbolizer *sy = symbolizer_new();
	struct capture *c = capture_new();
	uint64_t full[128], ips[128];
	const char *cut;
	int nfull, n, shorter = 0;

	chain_a(c, 1);
	nfull = unwind_user_stack(sy, getpid(), c->regs, c->stack, c->len, full, 128, &cut);
	CU_ASSERT_PTR_NULL(cut);
	for (size_t k = 0; k < ARRAY_SIZE(lens); k++) {
		char want[64];

		n = unwind_user_stack(sy, getpid(), c->regs, c->stack, lens[k], ips, 128, &cut);
		CU_ASSERT(n >= 1 && n <= nfull);
		CU_ASSERT(memcmp(ips, full, n * sizeof(ips[0])) == 0);
		if (n == nfull)
			continue;
		shorter++;
		snprintf(want, sizeof(want), "stack copy truncated at %zu bytes", lens[k]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
		CU_ASSERT_STRING_EQUAL(cut, want);
	}
	/* 0 and 8 bytes cannot hold capture_here's return address. */
	CU_ASSERT_EQUAL(unwind_user_stack(sy, getpid(), c->regs, c->stack, 0, ips, 128, &cut), 1);
	CU_ASSERT(shorter >= 3);
	free(c);
	symbolizer_free(sy);
}

/* A pc in no mapping, and one in a mapped file where no CFI covers it. */
static void test_unwind_no_info(void)
{
	struct symbolizer *sy = symbolizer_new();
	struct capture *c = capture_new();
	uint64_t ips[16], regs[UNWIND_NR_REGS];
	char want[512], line[4096], libc[256] = "";
	unsigned long long start = 0, off;
	const char *cut;
	FILE *f;

	chain_a(c, 1);
	memcpy(regs, c->regs, sizeof(regs));
	regs[16] = 0x10;
	CU_ASSERT_EQUAL(unwind_user_stack(sy, getpid(), regs, c->stack, c->len, ips, 16, &cut), 1);
	CU_ASSERT_EQUAL(ips[0], 0x10);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
	CU_ASSERT_STRING_EQUAL(cut, "unknown mapping 0x10");

	/* libc's ELF header: the loader's first mapping of it (before its r-xp one), in no FDE. */
	f = fopen("/proc/self/maps", "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s;
		char perms[8];
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%llx-%*x %7s %llx %*s %*s %n", &s, perms, &off, &n) < 3 || !n ||
		    !strstr(line + n, "/libc.so.6"))
			continue;
		if (perms[2] == 'x' && libc[0] && !strcmp(libc, line + n))
			break;
		libc[0] = '\0';
		if (off == 0) {
			start = s;
			snprintf(libc, sizeof(libc), "%s", line + n);
		}
	}
	fclose(f);
	CU_ASSERT_FATAL(libc[0] != '\0');
	regs[16] = start + 0x40;
	CU_ASSERT_EQUAL(unwind_user_stack(sy, getpid(), regs, c->stack, c->len, ips, 16, &cut), 1);
	snprintf(want, sizeof(want), "no unwind info for 0x%llx in %s", start + 0x40, libc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
	CU_ASSERT_STRING_EQUAL(cut, want);
	free(c);
	symbolizer_free(sy);
}

/* A child captures its stack into shared memory and exits; its maps were kept, so it unwinds. */
static void test_unwind_exited_child(void)
{
	struct symbolizer *sy = symbolizer_new();
	struct capture *c;
	int ready[2], go[2], status;
	uint64_t ips[128];
	const char *cut;
	char b;
	pid_t pid;
	int n;

	if (!stack_top)
		stack_top = find_stack_top();
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(c != MAP_FAILED);
	CU_ASSERT_FATAL(pipe(ready) == 0 && pipe(go) == 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (!pid) {
		close(go[1]);
		chain_a(c, 1);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &b, 1) < 0)
			_exit(1);
		_exit(0);
	}
	CU_ASSERT_EQUAL_FATAL(read(ready[0], &b, 1), 1);
	CU_ASSERT_EQUAL(symbolizer_add_process(sy, pid), 0);
	close(go[1]);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(go[0]);
	close(ready[0]);
	close(ready[1]);
	n = unwind_user_stack(sy, pid, c->regs, c->stack, c->len, ips, ARRAY_SIZE(ips), &cut);
	expect_chain(sy, pid, c, ips, n, test_unwind_exited_child, "test_unwind_exited_child");
	CU_ASSERT_EQUAL(n, c->nbt);
	CU_ASSERT_PTR_NULL(cut);
	munmap(c, sizeof(*c));
	symbolizer_free(sy);
}

static void *thread_fn(void *arg)
{
	stack_top = find_stack_top();
	chain_a(arg, 1);
	return NULL;
}

/* A thread started after the maps were read: to clone3's end, cut reported where copies end. */
static void test_unwind_thread(void)
{
	struct symbolizer *sy = symbolizer_new();
	struct capture *c = capture_new();
	uint64_t ips[128];
	const char *cut = "unset";
	pthread_t t;
	int n, i;

	CU_ASSERT_EQUAL(symbolizer_add_process(sy, getpid()), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, thread_fn, c), 0);
	CU_ASSERT_EQUAL(pthread_join(t, NULL), 0);
	n = unwind_user_stack(sy, getpid(), c->regs, c->stack, c->len, ips, ARRAY_SIZE(ips), &cut);
	bt_from_capture(c);
	CU_ASSERT_EQUAL(n, c->nbt);
	for (i = 1; i < n && i < c->nbt; i++)
		CU_ASSERT_EQUAL(ips[i], (uint64_t)(uintptr_t)c->bt[i]);
	CU_ASSERT(inside(ips[4], (const void *)thread_fn, "thread_fn"));
	if (cut)
		fprintf(stderr, "\n    cut: %s", cut);
	CU_ASSERT_PTR_NULL(cut);
	n = unwind_user_stack(sy, getpid(), c->regs, c->stack, 40, ips, ARRAY_SIZE(ips), &cut);
	CU_ASSERT(n < c->nbt);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
	CU_ASSERT_STRING_EQUAL(cut, "stack copy truncated at 40 bytes");
	free(c);
	symbolizer_free(sy);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The figure: stacks per second on this stack (~a dozen frames), after the first. */
static void test_unwind_throughput(void)
{
	struct symbolizer *sy = symbolizer_new();
	struct capture *c = capture_new();
	uint64_t ips[128];
	const char *cut;
	double t0, t1, first;
	long iters = 0, bad = 0;
	int n;

	chain_a(c, 1);
	t0 = now();
	n = unwind_user_stack(sy, getpid(), c->regs, c->stack, c->len, ips, 128, &cut);
	first = now() - t0;
	CU_ASSERT(n >= 10);
	t0 = now();
	do {
		for (int i = 0; i < 200; i++)
			bad += unwind_user_stack(sy, getpid(), c->regs, c->stack, c->len, ips, 128,
						 &cut) != n;
		iters += 200;
		t1 = now();
	} while (t1 - t0 < 0.3);
	fprintf(stderr, "\n    unwind: %d frames, %.0f stacks/s, %.2f us/frame; the first %.2f ms "
		"(reporting the process's files to libdw)", n, iters / (t1 - t0),
		(t1 - t0) / iters / n * 1e6, first * 1e3);
	/* And symbolizing them, as a stack is printed (every address seen before). */
	t0 = now();
	iters = 0;
	do {
		for (int i = 0; i < 200; i++) {
			for (int k = 0; k < n; k++) {
				struct sym_frame fr[4];

				bad += symbolize_addr(sy, getpid(), ips[k], k > 0, fr, 4) < 1;
			}
		}
		iters += 200;
		t1 = now();
	} while (t1 - t0 < 0.2);
	fprintf(stderr, "\n    symbolize: %.0f stacks/s of these frames", iters / (t1 - t0));
	CU_ASSERT_EQUAL(bad, 0);
	free(c);
	symbolizer_free(sy);
}

CU_TestInfo unwind_tests[] = {
	UNIT_TEST(test_unwind_own_stack),
	UNIT_TEST(test_unwind_truncated),
	UNIT_TEST(test_unwind_no_info),
	UNIT_TEST(test_unwind_exited_child),
	UNIT_TEST(test_unwind_thread),
	UNIT_TEST(test_unwind_throughput),
	CU_TEST_INFO_NULL,
};
