// SPDX-License-Identifier: GPL-2.0
/*
 * core/stack/symbolize.c on live processes built here: every address of their
 * functions against the oracles nm (names, offsets), addr2line -f -i -C
 * (source lines, inlined frames) and c++filt (demangled names); the bytes at
 * the reported file offset against the process's memory; a deleted binary,
 * a process that has exited, one image shared by two processes and by two
 * copies of a file, and the vDSO against nm -D of its dumped image.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "stack/symbolize.h"
#include "stack/unwind.h"
#include "unit.h"

/* noinline functions in a C program; it says "r" when ready and exits when stdin closes. */
static const char src_c[] =
	"#include <unistd.h>\n"
	"volatile int sink;\n"
	"__attribute__((noinline)) int alpha(int x)\n"
	"{\n"
	"	for (int i = 0; i < x; i++)\n"
	"		sink += i * x;\n"
	"	return sink;\n"
	"}\n"
	"__attribute__((noinline)) int beta(int x)\n"
	"{\n"
	"	sink -= alpha(x + 1);\n"
	"	return sink * 3;\n"
	"}\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"	char c;\n"
	"	beta(argc);\n"
	"	if (write(1, \"r\", 1) != 1)\n"
	"		return 1;\n"
	"	return read(0, &c, 1) < 0;\n"
	"}\n";

/*
 * C++ at -O2: price() (internal linkage: no linkage name in DWARF) is inlined into total(),
 * tax() (a linkage name) into discount(long, int); a template, overloads.
 */
static const char src_cxx[] =
	"#include <unistd.h>\n"
	"namespace shop {\n"
	"struct Cart { int items[8]; int n; };\n"
	"static inline int price(const Cart &c, int i)\n"
	"{\n"
	"	int p = c.items[i] * 3;\n"
	"	if (c.items[i] > 5)\n"
	"		p += 7;\n"
	"	return p;\n"
	"}\n"
	"__attribute__((noinline)) int total(const Cart &c)\n"
	"{\n"
	"	int t = 0;\n"
	"	for (int i = 0; i < c.n; i++)\n"
	"		t += price(c, i);\n"
	"	return t;\n"
	"}\n"
	"template <typename T> __attribute__((noinline)) T twice(T x) { return x * 2 + total(Cart{}); }\n"
	"inline long tax(long v) { return v > 100 ? v / 5 : v / 7; }\n"
	"__attribute__((noinline)) long discount(long v, int pct) { return v - v * pct / 100 + tax(v); }\n"
	"__attribute__((noinline)) double discount(double v) { return v * 0.9; }\n"
	"}\n"
	"volatile long result;\n"
	"int main(int argc, char **)\n"
	"{\n"
	"	shop::Cart c{};\n"
	"	char b;\n"
	"	c.n = argc + 3;\n"
	"	for (int i = 0; i < 8; i++)\n"
	"		c.items[i] = i * argc;\n"
	"	result = shop::total(c) + shop::twice<long>(argc) + shop::discount(argc, 3) +\n"
	"		 (long)shop::discount((double)argc);\n"
	"	if (write(1, \"r\", 1) != 1)\n"
	"		return 1;\n"
	"	return read(0, &b, 1) < 0;\n"
	"}\n";

struct fixture {
	char dir[40];
	char *exe;
	pid_t pid;
	int in, out;	/* the child's stdin (write end), stdout (read end) */
};

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;

	va_start(ap, fmt);
	CU_ASSERT_FATAL(vasprintf(&cmd, fmt, ap) >= 0);
	va_end(ap);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	free(cmd);
}

static void fixture_build(struct fixture *fx, const char *compiler, const char *ext,
			  const char *src, const char *flags)
{
	char *path;
	FILE *f;

	memset(fx, 0, sizeof(*fx));
	fx->pid = -1;
	strcpy(fx->dir, "/tmp/upx-unit-symbolize.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(fx->dir));
	path = xasprintf("%s/prog.%s", fx->dir, ext);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(src, f);
	fclose(f);
	fx->exe = xasprintf("%s/prog", fx->dir);
	sh("%s %s -o %s %s", compiler, flags, fx->exe, path);
	free(path);
}

/* Start exe (fx->exe when NULL) and wait until it says it is ready. */
static void fixture_start(struct fixture *fx, const char *exe)
{
	int in[2], out[2];
	char c;

	CU_ASSERT_FATAL(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
	fx->pid = fork();
	CU_ASSERT_FATAL(fx->pid >= 0);
	if (!fx->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(exe ? exe : fx->exe, "prog", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	fx->in = in[1];
	fx->out = out[0];
	CU_ASSERT_EQUAL_FATAL(read(fx->out, &c, 1), 1);
}

static void fixture_stop(struct fixture *fx)
{
	int status;

	if (fx->pid <= 0)
		return;
	close(fx->in);
	close(fx->out);
	CU_ASSERT_EQUAL(waitpid(fx->pid, &status, 0), fx->pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fx->pid = -1;
}

static void fixture_free(struct fixture *fx)
{
	fixture_stop(fx);
	sh("rm -rf %s", fx->dir);
	free(fx->exe);
}

/* Where exe's first byte is mapped in pid (its load bias: both fixtures are PIE). */
static uint64_t load_base(pid_t pid, const char *exe)
{
	char path[64], line[4096];
	unsigned long long start, off;
	uint64_t base = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%llx-%*x %*s %llx %*s %*s %n", &start, &off, &n) == 2 && n &&
		    !strcmp(line + n, exe) && off == 0) {
			base = start;
			break;
		}
	}
	fclose(f);
	CU_ASSERT_FATAL(base != 0);
	return base;
}

/* The start of the first executable mapping of pid whose path ends in suffix (or is it). */
static uint64_t exec_map(pid_t pid, const char *suffix)
{
	char path[64], line[4096], perms[8];
	unsigned long long start;
	uint64_t found = 0;
	size_t sl = strlen(suffix);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		size_t n;

		line[strcspn(line, "\n")] = '\0';
		n = strlen(line);
		if (sscanf(line, "%llx-%*x %7s", &start, perms) == 2 && perms[2] == 'x' &&
		    n >= sl && !strcmp(line + n - sl, suffix)) {
			found = start;
			break;
		}
	}
	fclose(f);
	CU_ASSERT_FATAL(found != 0);
	return found;
}

struct nm_sym {
	uint64_t value, size;
	char name[256];
};

/* The functions of exe with a size, by nm -S (nm -S -C with demangle). */
static int nm_funcs(const char *exe, bool demangle, struct nm_sym *out, int max)
{
	char *cmd = xasprintf("nm -S %s --defined-only %s", demangle ? "-C" : "", exe);
	char line[512];
	FILE *p = popen(cmd, "r");
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	while (fgets(line, sizeof(line), p)) {
		unsigned long long v, s;
		char type;
		int k = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%llx %llx %c %n", &v, &s, &type, &k) != 3 || !k ||
		    (type != 'T' && type != 't' && type != 'W') || n == max)
			continue;
		out[n].value = v;
		out[n].size = s;
		snprintf(out[n].name, sizeof(out[n].name), "%s", line + k);
		n++;
	}
	CU_ASSERT(pclose(p) == 0);
	free(cmd);
	return n;
}

static const struct nm_sym *nm_find(const struct nm_sym *s, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s[i].name, name))
			return &s[i];
	CU_FAIL_FATAL("function not in nm's output");
	return NULL;
}

/* addr2line -f -i -C for each of vaddrs: per address its frames, innermost first. */
struct a2l_frame {
	char func[512];
	char file[1024];
	int line;
};

struct a2l {
	int nr;
	struct a2l_frame f[8];
};

static void addr2line(const char *tool, const char *exe, const uint64_t *vaddrs, int n,
		      struct a2l *out)
{
	char in_path[64], *cmd, func[512], loc[1024];
	FILE *f, *p;
	int i, cur = -1;

	snprintf(in_path, sizeof(in_path), "/tmp/upx-unit-a2l.%d", (int)getpid());
	f = fopen(in_path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	/* With -a, each address is echoed before its frames. */
	for (i = 0; i < n; i++)
		fprintf(f, "0x%llx\n", (unsigned long long)vaddrs[i]);
	fclose(f);
	cmd = xasprintf("%s -a -f -i -C -e %s < %s", tool, exe, in_path);
	p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(out, 0, n * sizeof(*out));
	while (fgets(func, sizeof(func), p)) {
		func[strcspn(func, "\n")] = '\0';
		if (!strncmp(func, "0x", 2)) {
			cur++;
			continue;
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(fgets(loc, sizeof(loc), p));
		loc[strcspn(loc, "\n")] = '\0';
		CU_ASSERT_FATAL(cur >= 0 && cur < n);
		if (out[cur].nr < 8) {
			struct a2l_frame *fr = &out[cur].f[out[cur].nr++];
			char *colon, *disc = strstr(loc, " (discriminator");

			if (disc)
				*disc = '\0';
			colon = strrchr(loc, ':');
			CU_ASSERT_PTR_NOT_NULL_FATAL(colon);
			*colon = '\0';
			fr->line = atoi(colon + 1);
			snprintf(fr->func, sizeof(fr->func), "%s", func);
			snprintf(fr->file, sizeof(fr->file), "%s", loc);
		}
	}
	CU_ASSERT(pclose(p) == 0);
	CU_ASSERT_EQUAL(cur, n - 1);
	unlink(in_path);
	free(cmd);
}

/* The inlined functions check_all_addresses() met. */
static char seen_inlined[8][256];

static bool saw_inlined(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(seen_inlined); i++)
		if (!strcmp(seen_inlined[i], name))
			return true;
	return false;
}

static void note_inlined(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(seen_inlined); i++) {
		if (!strcmp(seen_inlined[i], name))
			return;
		if (!seen_inlined[i][0]) {
			snprintf(seen_inlined[i], sizeof(seen_inlined[i]), "%s", name);
			return;
		}
	}
}

/* The bytes at file_offset in the file are those at addr in the process. */
static void expect_same_bytes(pid_t pid, const char *file, uint64_t file_offset, uint64_t addr)
{
	unsigned char a[16], b[16];
	struct iovec l = { a, sizeof(a) }, r = { (void *)(uintptr_t)addr, sizeof(a) };
	int fd = open(file, O_RDONLY);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(pread(fd, b, sizeof(b), file_offset), (ssize_t)sizeof(b));
	close(fd);
	CU_ASSERT_EQUAL_FATAL(process_vm_readv(pid, &l, 1, &r, 1, 0), (ssize_t)sizeof(a));
	CU_ASSERT(memcmp(a, b, sizeof(a)) == 0);
}

/*
 * Every address of each function of fx (nm) symbolized in the live process:
 * the real function and its offset as nm says, the chain of frames and lines
 * as addr2line -i says.  Returns how many addresses had an inlined frame.
 */
static int check_all_addresses(struct fixture *fx, struct symbolizer *sy, const char *tool,
			       const char *const *funcs, int nfuncs, bool demangle)
{
	struct nm_sym syms[256];
	uint64_t base = load_base(fx->pid, fx->exe);
	int nsyms = nm_funcs(fx->exe, demangle, syms, 256), inlined = 0, mismatches = 0;

	for (int k = 0; k < nfuncs; k++) {
		const struct nm_sym *s = nm_find(syms, nsyms, funcs[k]);
		uint64_t *vaddrs = xcalloc(s->size, sizeof(*vaddrs));
		struct a2l *want = xcalloc(s->size, sizeof(*want));

		for (uint64_t i = 0; i < s->size; i++)
			vaddrs[i] = s->value + i;
		addr2line(tool, fx->exe, vaddrs, s->size, want);
		for (uint64_t i = 0; i < s->size; i++) {
			struct sym_frame fr[8];
			int n = symbolize_addr(sy, fx->pid, base + vaddrs[i], false, fr, 8);
			bool ok = n == want[i].nr;

			CU_ASSERT_FATAL(n >= 1);
			CU_ASSERT_STRING_EQUAL(fr[n - 1].function, s->name);
			CU_ASSERT_EQUAL(fr[n - 1].offset, i);
			CU_ASSERT_STRING_EQUAL(fr[n - 1].file, fx->exe);
			CU_ASSERT_FALSE(fr[n - 1].inlined);
			CU_ASSERT_FALSE(fr[n - 1].deleted);
			for (int j = 0; ok && j < n; j++) {
				const struct a2l_frame *w = &want[i].f[j];

				ok = fr[j].function && !strcmp(fr[j].function, w->func) &&
				     fr[j].src_file && !strcmp(fr[j].src_file, w->file) &&
				     fr[j].line == w->line && fr[j].inlined == (j < n - 1) &&
				     fr[j].addr == base + vaddrs[i] && fr[j].offset == i;
			}
			if (!ok && mismatches++ < 5) {
				fprintf(stderr, "\n    %s+0x%llx:", s->name, (unsigned long long)i);
				for (int j = 0; j < n; j++)
					fprintf(stderr, " [%s %s:%d%s]", fr[j].function, fr[j].src_file,
						fr[j].line, fr[j].inlined ? " inlined" : "");
				fprintf(stderr, "\n    addr2line:");
				for (int j = 0; j < want[i].nr; j++)
					fprintf(stderr, " [%s %s:%d]", want[i].f[j].func,
						want[i].f[j].file, want[i].f[j].line);
			}
			CU_ASSERT(ok);
			inlined += n > 1;
			if (ok && n > 1)
				note_inlined(fr[0].function);
			if (i == 0 || i == s->size - 1)
				expect_same_bytes(fx->pid, fx->exe, fr[0].file_offset, fr[0].addr);
		}
		free(vaddrs);
		free(want);
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	return inlined;
}

static void test_c_functions_lines(void)
{
	static const char *const funcs[] = { "alpha", "beta", "main" };
	struct symbolizer *sy = symbolizer_new();
	struct fixture fx;

	fixture_build(&fx, "gcc", "c", src_c, "-O2 -g");
	fixture_start(&fx, NULL);
	CU_ASSERT_EQUAL(symbolizer_add_process(sy, fx.pid), 0);
	check_all_addresses(&fx, sy, "addr2line", funcs, ARRAY_SIZE(funcs), false);
	fixture_free(&fx);
	/* clang emits no .debug_aranges: each compile unit is asked for its ranges. */
	fixture_build(&fx, "clang", "c", src_c, "-O2 -g");
	fixture_start(&fx, NULL);
	check_all_addresses(&fx, sy, "addr2line", funcs, ARRAY_SIZE(funcs), false);
	fixture_free(&fx);
	symbolizer_free(sy);
}

/* Demangled names as c++filt gives them, and the inlined price() with its source lines. */
static void test_cxx_inlined_demangled(void)
{
	static const char *const mangled[] = { "_ZN4shop5totalERKNS_4CartE", "_ZN4shop5twiceIlEET_S1_",
					       "_ZN4shop8discountEli", "_ZN4shop8discountEd" };
	const char *funcs[ARRAY_SIZE(mangled)];
	char names[ARRAY_SIZE(mangled)][256];
	struct symbolizer *sy = symbolizer_new();
	struct fixture fx;
	int inlined;

	for (size_t i = 0; i < ARRAY_SIZE(mangled); i++) {
		char *cmd = xasprintf("c++filt %s", mangled[i]);
		FILE *p = popen(cmd, "r");

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_PTR_NOT_NULL_FATAL(fgets(names[i], sizeof(names[i]), p));
		names[i][strcspn(names[i], "\n")] = '\0';
		CU_ASSERT(pclose(p) == 0);
		free(cmd);
		funcs[i] = names[i];
	}
	CU_ASSERT_STRING_EQUAL(funcs[0], "shop::total(shop::Cart const&)");
	fixture_build(&fx, "g++", "cc", src_cxx, "-O2 -g");
	fixture_start(&fx, NULL);
	/*
	 * LLVM's addr2line: binutils' names an inlined function without a linkage
	 * name after the function it was inlined into at some addresses.
	 */
	inlined = check_all_addresses(&fx, sy, "llvm-addr2line", funcs, ARRAY_SIZE(funcs), true);
	/* price() in total(), tax() in discount(): addresses with two frames, both names. */
	CU_ASSERT(inlined > 0);
	CU_ASSERT(saw_inlined("price"));
	CU_ASSERT(saw_inlined("shop::tax(long)"));
	fixture_free(&fx);
	symbolizer_free(sy);
}

static const struct nm_sym *fixture_sym(struct fixture *fx, const char *name)
{
	static struct nm_sym syms[256];
	int n = nm_funcs(fx->exe, false, syms, 256);

	return nm_find(syms, n, name);
}

/* A return address is looked up one byte back but reported as given. */
static void test_return_address(void)
{
	struct symbolizer *sy = symbolizer_new();
	struct sym_frame a, b;
	struct fixture fx;
	const struct nm_sym *beta, *alpha;
	uint64_t base;

	fixture_build(&fx, "gcc", "c", src_c, "-O2 -g");
	fixture_start(&fx, NULL);
	base = load_base(fx.pid, fx.exe);
	beta = fixture_sym(&fx, "beta");
	alpha = fixture_sym(&fx, "alpha");
	/* The address just past alpha's end, as a return address, is in alpha. */
	CU_ASSERT_EQUAL(symbolize_addr(sy, fx.pid, base + alpha->value + alpha->size, true, &a, 1), 1);
	CU_ASSERT_EQUAL(a.addr, base + alpha->value + alpha->size);
	CU_ASSERT_STRING_EQUAL(a.function, "alpha");
	CU_ASSERT_EQUAL(a.offset, alpha->size);
	/* As an address of its own it is the next function (or none). */
	symbolize_addr(sy, fx.pid, base + alpha->value + alpha->size, false, &b, 1);
	CU_ASSERT(!b.function || strcmp(b.function, "alpha"));
	/* max 1 keeps the real function. */
	CU_ASSERT_EQUAL(symbolize_addr(sy, fx.pid, base + beta->value, false, &a, 1), 1);
	CU_ASSERT_STRING_EQUAL(a.function, "beta");
	CU_ASSERT_EQUAL(a.offset, 0);
	fixture_free(&fx);
	symbolizer_free(sy);
}

/* The maps are kept: after the process exited its addresses still resolve. */
static void test_exited_process(void)
{
	struct symbolizer *sy = symbolizer_new(), *late = symbolizer_new();
	struct fixture fx;
	const struct nm_sym *alpha, *beta;
	struct sym_frame fr[4];
	uint64_t base;
	pid_t pid;

	fixture_build(&fx, "gcc", "c", src_c, "-O2 -g");
	alpha = fixture_sym(&fx, "alpha");
	beta = fixture_sym(&fx, "beta");
	fixture_start(&fx, NULL);
	pid = fx.pid;
	base = load_base(pid, fx.exe);
	CU_ASSERT_EQUAL(symbolizer_add_process(sy, pid), 0);
	fixture_stop(&fx);
	CU_ASSERT_NOT_EQUAL(kill(pid, 0), 0);
	/* Nothing was looked up before it exited: the image is loaded now. */
	CU_ASSERT_EQUAL(symbolize_addr(sy, pid, base + beta->value + 3, false, fr, 4), 1);
	CU_ASSERT_STRING_EQUAL(fr[0].function, "beta");
	CU_ASSERT_EQUAL(fr[0].offset, 3);
	CU_ASSERT_STRING_EQUAL(fr[0].file, fx.exe);
	CU_ASSERT_PTR_NOT_NULL(fr[0].src_file);
	CU_ASSERT(fr[0].line > 0);
	CU_ASSERT_EQUAL(symbolize_addr(sy, pid, base + alpha->value, false, fr, 4), 1);
	CU_ASSERT_STRING_EQUAL(fr[0].function, "alpha");
	/* A symbolizer that never saw it: one frame, no mapping. */
	CU_ASSERT_EQUAL(symbolize_addr(late, pid, base + alpha->value, false, fr, 4), 1);
	CU_ASSERT_PTR_NULL(fr[0].file);
	CU_ASSERT_PTR_NULL(fr[0].function);
	CU_ASSERT_EQUAL(fr[0].addr, base + alpha->value);
	/* The failure is kept, and said again. */
	CU_ASSERT_EQUAL(symbolizer_add_process(late, pid), -ENOENT);
	CU_ASSERT_EQUAL(symbolizer_add_process(late, pid), -ENOENT);
	{
		uint64_t regs[UNWIND_NR_REGS] = { [16] = base + alpha->value }, ips[4];
		const char *cut;

		CU_ASSERT_EQUAL(unwind_user_stack(late, pid, regs, NULL, 0, ips, 4, &cut), 1);
		CU_ASSERT_EQUAL(ips[0], base + alpha->value);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
		CU_ASSERT_PTR_NOT_NULL(strstr(cut, "mappings are unknown"));
	}
	fixture_free(&fx);
	symbolizer_free(late);
	symbolizer_free(sy);
}

/* The binary is deleted after the start: said so, and still symbolized (map_files). */
static void test_deleted_binary(void)
{
	struct symbolizer *sy = symbolizer_new();
	struct fixture fx;
	const struct nm_sym *alpha;
	struct sym_frame fr[4];
	char *copy;
	uint64_t base;

	fixture_build(&fx, "gcc", "c", src_c, "-O2 -g");
	alpha = fixture_sym(&fx, "alpha");
	copy = xasprintf("%s/doomed", fx.dir);
	sh("cp %s %s", fx.exe, copy);
	fixture_start(&fx, copy);
	base = load_base(fx.pid, copy);
	CU_ASSERT_EQUAL(unlink(copy), 0);
	CU_ASSERT_EQUAL(symbolize_addr(sy, fx.pid, base + alpha->value + 1, false, fr, 4), 1);
	CU_ASSERT_STRING_EQUAL(fr[0].file, copy);
	CU_ASSERT_TRUE(fr[0].deleted);
	CU_ASSERT_STRING_EQUAL(fr[0].function, "alpha");
	CU_ASSERT_EQUAL(fr[0].offset, 1);
	/* libc is not deleted. */
	CU_ASSERT_EQUAL(symbolize_addr(sy, fx.pid, exec_map(fx.pid, "/libc.so.6"), false, fr, 4), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(fr[0].file, "/libc.so.6"));
	CU_ASSERT_FALSE(fr[0].deleted);
	fixture_free(&fx);
	free(copy);
	symbolizer_free(sy);
}

/*
 * Two processes of one binary, and a copy of it (another inode, the same
 * build-id): one image, so the very same strings.
 */
static void test_image_shared(void)
{
	struct symbolizer *sy = symbolizer_new();
	struct fixture a, b, c;
	const struct nm_sym *alpha;
	struct sym_frame fa, fb, fc;
	char *copy;

	fixture_build(&a, "gcc", "c", src_c, "-O2 -g");
	alpha = fixture_sym(&a, "alpha");
	fixture_start(&a, NULL);
	b = a;
	fixture_start(&b, NULL);
	copy = xasprintf("%s/copy", a.dir);
	sh("cp %s %s", a.exe, copy);
	c = a;
	fixture_start(&c, copy);
	symbolize_addr(sy, a.pid, load_base(a.pid, a.exe) + alpha->value, false, &fa, 1);
	symbolize_addr(sy, b.pid, load_base(b.pid, b.exe) + alpha->value, false, &fb, 1);
	symbolize_addr(sy, c.pid, load_base(c.pid, copy) + alpha->value, false, &fc, 1);
	CU_ASSERT_STRING_EQUAL(fa.function, "alpha");
	CU_ASSERT_PTR_EQUAL(fa.function, fb.function);
	CU_ASSERT_PTR_EQUAL(fa.function, fc.function);
	CU_ASSERT_PTR_NOT_NULL(fa.build_id);
	CU_ASSERT_PTR_EQUAL(fa.build_id, fc.build_id);
	CU_ASSERT_STRING_EQUAL(fc.file, copy);
	fixture_stop(&c);
	fixture_stop(&b);
	fixture_free(&a);
	free(copy);
	symbolizer_free(sy);
}

/* The build-id reported is readelf's. */
static void test_build_id(void)
{
	struct symbolizer *sy = symbolizer_new();
	struct fixture fx;
	struct sym_frame fr;
	char want[128] = "", *cmd;
	FILE *p;

	fixture_build(&fx, "gcc", "c", src_c, "-O2 -g -Wl,--build-id=sha1");
	cmd = xasprintf("readelf -n %s | sed -n 's/.*Build ID: //p'", fx.exe);
	p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL(fgets(want, sizeof(want), p));
	want[strcspn(want, "\n")] = '\0';
	pclose(p);
	free(cmd);
	fixture_start(&fx, NULL);
	symbolize_addr(sy, fx.pid, load_base(fx.pid, fx.exe) + fixture_sym(&fx, "main")->value, false,
		       &fr, 1);
	CU_ASSERT_EQUAL(strlen(want), 40);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fr.build_id);
	CU_ASSERT_STRING_EQUAL(fr.build_id, want);
	fixture_free(&fx);
	symbolizer_free(sy);
}

/* upx's own vDSO: named, and its functions as nm -D of the dumped image says. */
static void test_vdso(void)
{
	struct symbolizer *sy = symbolizer_new();
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	char path[64], line[256], *cmd;
	struct sym_frame fr;
	int found = 0, fd;
	FILE *p;

	CU_ASSERT_FATAL(base != 0);
	snprintf(path, sizeof(path), "/tmp/upx-unit-vdso.%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	/* The whole image, as maps gives its size. */
	{
		uint64_t start = exec_map(getpid(), "[vdso]"), end;
		unsigned long long e = 0;
		char maps[4096];
		FILE *m = fopen("/proc/self/maps", "r");

		CU_ASSERT_EQUAL_FATAL(start, base);
		while (m && fgets(maps, sizeof(maps), m))
			if (strstr(maps, "[vdso]"))
				sscanf(maps, "%*x-%llx", &e);
		fclose(m);
		end = e;
		CU_ASSERT_FATAL(end > base);
		CU_ASSERT_EQUAL_FATAL(write(fd, (void *)(uintptr_t)base, end - base),
				      (ssize_t)(end - base));
	}
	close(fd);
	cmd = xasprintf("nm -D --defined-only %s", path);
	p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	while (fgets(line, sizeof(line), p)) {
		unsigned long long v;
		char type, name[128];

		if (sscanf(line, "%llx %c %127[^@\n]", &v, &type, name) != 3 || type != 'T')
			continue;
		CU_ASSERT_EQUAL(symbolize_addr(sy, getpid(), base + v + 1, false, &fr, 1), 1);
		CU_ASSERT_STRING_EQUAL(fr.file, "[vdso]");
		CU_ASSERT_PTR_NOT_NULL_FATAL(fr.function);
		/* Aliases at one address (clock_gettime, __vdso_clock_gettime): either. */
		if (strcmp(fr.function, name)) {
			char *other = strncmp(name, "__vdso_", 7) ? xasprintf("__vdso_%s", name) :
								    xstrdup(name + 7);

			CU_ASSERT_STRING_EQUAL(fr.function, other);
			free(other);
		}
		CU_ASSERT_EQUAL(fr.offset, 1);
		found++;
	}
	pclose(p);
	free(cmd);
	unlink(path);
	CU_ASSERT(found >= 4);
	symbolizer_free(sy);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/*
 * Descriptors: one per mapped file once its image is loaded (plus debug files),
 * none left after symbolizer_free().
 */
static void test_descriptors(void)
{
	struct symbolizer *sy;
	struct fixture fx;
	char path[600], line[4096];
	unsigned long long start, ino, inos[64];
	int before, during, files = 0, debug = 0;
	FILE *f;

	fixture_build(&fx, "gcc", "c", src_c, "-O2 -g");
	fixture_start(&fx, NULL);
	before = count_fds();
	sy = symbolizer_new();
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)fx.pid);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		struct sym_frame fr;
		char perms[8];
		int i;

		if (sscanf(line, "%llx-%*x %7s %*x %*s %llu", &start, perms, &ino) != 3 || !ino ||
		    perms[2] != 'x')
			continue;
		for (i = 0; i < files && inos[i] != ino; i++)
			;
		if (i < files || files == 64)
			continue;
		inos[files++] = ino;
		symbolize_addr(sy, fx.pid, start + 16, false, &fr, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(fr.build_id);
		snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", fr.build_id,
			 fr.build_id + 2);
		debug += !access(path, F_OK);
	}
	fclose(f);
	during = count_fds();
	/* And the vDSO's copy. */
	CU_ASSERT_EQUAL(during - before, files + debug + 1);
	if (during - before != files + debug + 1)
		fprintf(stderr, "\n    %d descriptors for %d files, %d with a separate debug file",
			during - before, files, debug);
	symbolizer_free(sy);
	CU_ASSERT_EQUAL(count_fds(), before);
	fixture_free(&fx);
}

static void test_unmapped(void);

/* A library dlopen()ed after the maps were read: they are read again, the rest kept. */
static void test_dlopen_after_first_read(void)
{
	struct symbolizer *sy = symbolizer_new();
	struct fixture fx;
	struct sym_frame fr;
	char *lib;
	void *h, *fn;

	fixture_build(&fx, "gcc", "c", "int plugin_fn(int x) { return x * 7 + 1; }\n",
		      "-O2 -g -shared -fPIC");
	lib = xasprintf("%s.so", fx.exe);
	CU_ASSERT_EQUAL_FATAL(rename(fx.exe, lib), 0);
	CU_ASSERT_EQUAL(symbolizer_add_process(sy, getpid()), 0);
	h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	fn = dlsym(h, "plugin_fn");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fn);
	CU_ASSERT_EQUAL(symbolize_addr(sy, getpid(), (uint64_t)(uintptr_t)fn + 2, false, &fr, 1), 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fr.file);
	CU_ASSERT_STRING_EQUAL(fr.file, lib);
	CU_ASSERT_STRING_EQUAL(fr.function, "plugin_fn");
	CU_ASSERT_EQUAL(fr.offset, 2);
	CU_ASSERT(fr.line == 1);
	/* What was there before is still known. */
	CU_ASSERT_EQUAL(symbolize_addr(sy, getpid(), (uint64_t)(uintptr_t)test_unmapped, false, &fr,
				       1), 1);
	CU_ASSERT_STRING_EQUAL(fr.function, "test_unmapped");
	dlclose(h);
	free(lib);
	fixture_free(&fx);
	symbolizer_free(sy);
}

/* No mapping at all: one frame, the address alone. */
static void test_unmapped(void)
{
	struct symbolizer *sy = symbolizer_new();
	struct sym_frame fr;

	CU_ASSERT_EQUAL(symbolize_addr(sy, getpid(), 0x10, false, &fr, 1), 1);
	CU_ASSERT_EQUAL(fr.addr, 0x10);
	CU_ASSERT_PTR_NULL(fr.file);
	CU_ASSERT_PTR_NULL(fr.function);
	CU_ASSERT_EQUAL(fr.line, 0);
	CU_ASSERT_EQUAL(symbolizer_add_process(sy, getpid()), 0);
	CU_ASSERT_EQUAL(symbolizer_add_process(sy, 0), -EINVAL);
	symbolizer_free(sy);
}

CU_TestInfo symbolize_tests[] = {
	UNIT_TEST(test_c_functions_lines),
	UNIT_TEST(test_cxx_inlined_demangled),
	UNIT_TEST(test_return_address),
	UNIT_TEST(test_exited_process),
	UNIT_TEST(test_deleted_binary),
	UNIT_TEST(test_image_shared),
	UNIT_TEST(test_build_id),
	UNIT_TEST(test_vdso),
	UNIT_TEST(test_unmapped),
	UNIT_TEST(test_dlopen_after_first_read),
	UNIT_TEST(test_descriptors),
	CU_TEST_INFO_NULL,
};
