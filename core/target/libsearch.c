// SPDX-License-Identifier: GPL-2.0
/* Library resolution without running anything: ld.so.cache, search paths, the DT_NEEDED walk. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/util.h"
#include "symbols/elf.h"
#include "target/libsearch.h"

/*
 * What this machine's ld.so accepts.  upx reads the libraries of the machine
 * it was built for, so the choice is made at compile time.
 */
#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#define HOST_MACHINE_NAME "x86-64"
#define HOST_CACHE_FLAGS 0x0303 /* FLAG_ELF_LIBC6 | FLAG_X8664_LIB64 */
#define HOST_TRIPLET "x86_64-linux-gnu"
#define HOST_RTLD "/lib64/ld-linux-x86-64.so.2"
#define HOST_LEGACY_HWCAP "x86_64" /* HWCAP_X86_64, always set on x86-64 */
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#define HOST_MACHINE_NAME "AArch64"
#define HOST_CACHE_FLAGS 0x0a03 /* FLAG_ELF_LIBC6 | FLAG_AARCH64_LIB64 */
#define HOST_TRIPLET "aarch64-linux-gnu"
#define HOST_RTLD "/lib/ld-linux-aarch64.so.1"
#define HOST_LEGACY_HWCAP NULL
#else
#error "upx: libsearch knows x86-64 and aarch64 only"
#endif

#define LD_SO_CACHE "/etc/ld.so.cache"
#define CACHE_MAGIC_OLD "ld.so-1.7.0"
#define CACHE_MAGIC_NEW "glibc-ld.so.cache1.1"

/* The on-disk layouts (ldconfig writes them in the machine's byte order). */
struct cache_old_header {
	char magic[11];
	uint32_t nlibs; /* at offset 12 */
};

struct cache_old_entry {
	int32_t flags;
	uint32_t key, value;
};

struct cache_new_header {
	char magic[20]; /* "glibc-ld.so.cache" "1.1" */
	uint32_t nlibs;
	uint32_t len_strings;
	uint8_t flags;
	uint8_t pad[3];
	uint32_t extension_offset;
	uint32_t unused[3];
};

struct cache_new_entry {
	int32_t flags;
	uint32_t key, value;
	uint32_t osversion;
	uint64_t hwcap;
};

/* Up to n bytes of s (stopping at a NUL), always terminated. */
static char *xstrdup_n(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* A tiny string-keyed hash table; keys are not owned. */
struct strmap {
	const char **keys;
	void **vals;
	size_t cap, nr;
};

static size_t str_hash(const char *s)
{
	size_t h = 14695981039346656037ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static size_t strmap_slot(const struct strmap *m, const char *key)
{
	size_t i = str_hash(key) & (m->cap - 1);

	while (m->keys[i] && strcmp(m->keys[i], key))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void *strmap_get(const struct strmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	return m->vals[strmap_slot(m, key)];
}

/* Adds key unless it is there already (the first one wins, as in ld.so). */
static void strmap_add(struct strmap *m, const char *key, void *val)
{
	size_t i;

	if ((m->nr + 1) * 2 > m->cap) {
		struct strmap n = { .cap = m->cap ? m->cap * 2 : 64 };

		n.keys = xcalloc(n.cap, sizeof(*n.keys));
		n.vals = xcalloc(n.cap, sizeof(*n.vals));
		for (size_t j = 0; j < m->cap; j++) {
			if (!m->keys[j])
				continue;
			i = strmap_slot(&n, m->keys[j]);
			n.keys[i] = m->keys[j];
			n.vals[i] = m->vals[j];
			n.nr++;
		}
		free(m->keys);
		free(m->vals);
		*m = n;
	}
	i = strmap_slot(m, key);
	if (m->keys[i])
		return;
	m->keys[i] = key;
	m->vals[i] = val;
	m->nr++;
}

static void strmap_free(struct strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

const char *lib_how_name(enum lib_how how)
{
	static const char *const names[] = {
		[LIB_HOW_PATH] = "path",
		[LIB_HOW_RPATH] = "rpath",
		[LIB_HOW_LD_LIBRARY_PATH] = "LD_LIBRARY_PATH",
		[LIB_HOW_RUNPATH] = "runpath",
		[LIB_HOW_CACHE] = "cache",
		[LIB_HOW_DEFAULT] = "default",
		[LIB_HOW_NOT_FOUND] = "not found",
		[LIB_HOW_INTERP] = "interp",
	};

	if ((unsigned int)how < ARRAY_SIZE(names) && names[how])
		return names[how];
	return "?";
}

/* ld.so.cache ------------------------------------------------------------ */

struct ld_cache {
	void *map;
	size_t size;
	const char *strings; /* string offsets count from here */
	size_t nr;	     /* entries in the table */
	struct strmap index; /* soname -> path of the first entry for this machine */
};

/* The NUL-terminated string at off, or NULL if it runs off the end of the map. */
static const char *cache_string(const struct ld_cache *c, uint32_t off)
{
	const char *end = (const char *)c->map + c->size;
	const char *s = c->strings + off;

	if (s < c->strings || s >= end || !memchr(s, '\0', end - s))
		return NULL;
	return s;
}

static void cache_add(struct ld_cache *c, int32_t flags, uint32_t key, uint32_t value,
		      uint64_t hwcap)
{
	const char *k, *v;

	/*
	 * Entries for glibc-hwcaps subdirectories (and legacy hwcap ones) come
	 * with a hwcap value; the plain entry is the one every CPU can use.
	 */
	if (flags != HOST_CACHE_FLAGS || hwcap)
		return;
	k = cache_string(c, key);
	v = cache_string(c, value);
	if (k && v)
		strmap_add(&c->index, k, (void *)v);
}

static int cache_parse(struct ld_cache *c)
{
	const char *base = c->map;
	size_t off = 0;

	if (c->size >= sizeof(struct cache_old_header) &&
	    !memcmp(base, CACHE_MAGIC_OLD, strlen(CACHE_MAGIC_OLD))) {
		const struct cache_old_header *h = c->map;
		size_t end = sizeof(*h) + (size_t)h->nlibs * sizeof(struct cache_old_entry);

		if (h->nlibs > c->size / sizeof(struct cache_old_entry) || end > c->size)
			return -EINVAL;
		/* A new-format table may follow the old entries, 8-byte aligned. */
		off = (end + 7) & ~(size_t)7;
		if (off + sizeof(struct cache_new_header) > c->size ||
		    memcmp(base + off, CACHE_MAGIC_NEW, strlen(CACHE_MAGIC_NEW))) {
			const struct cache_old_entry *e = (const void *)(h + 1);

			c->strings = base + end;
			c->nr = h->nlibs;
			for (size_t i = 0; i < c->nr; i++)
				cache_add(c, e[i].flags, e[i].key, e[i].value, 0);
			return 0;
		}
	} else if (c->size < sizeof(struct cache_new_header) ||
		   memcmp(base, CACHE_MAGIC_NEW, strlen(CACHE_MAGIC_NEW))) {
		return -EINVAL;
	}

	{
		const struct cache_new_header *h = (const void *)(base + off);
		const struct cache_new_entry *e = (const void *)(h + 1);
		size_t room = c->size - off - sizeof(*h);

		if (h->nlibs > room / sizeof(*e))
			return -EINVAL;
		/* In the new format, strings are counted from the new header. */
		c->strings = (const char *)h;
		c->nr = h->nlibs;
		for (size_t i = 0; i < c->nr; i++)
			cache_add(c, e[i].flags, e[i].key, e[i].value, e[i].hwcap);
	}
	return 0;
}

int ld_cache__open(const char *path, struct ld_cache **out)
{
	struct ld_cache *c = NULL;
	struct stat st;
	int fd, err;

	*out = NULL;
	fd = open_regular_file(path, &st, NULL, 0);
	if (fd < 0)
		return fd;
	if (st.st_size == 0) {
		err = -EINVAL;
		goto cleanup;
	}
	c = xcalloc(1, sizeof(*c));
	c->size = st.st_size;
	c->map = mmap(NULL, c->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (c->map == MAP_FAILED) {
		err = -errno;
		c->map = NULL;
		goto cleanup;
	}
	err = cache_parse(c);
	if (err)
		goto cleanup;
	*out = c;
	c = NULL;
cleanup:
	ld_cache__free(c);
	close(fd);
	return err;
}

const char *ld_cache__lookup(const struct ld_cache *cache, const char *soname)
{
	return cache ? strmap_get(&cache->index, soname) : NULL;
}

size_t ld_cache__count(const struct ld_cache *cache)
{
	return cache ? cache->nr : 0;
}

void ld_cache__free(struct ld_cache *cache)
{
	if (!cache)
		return;
	if (cache->map)
		munmap(cache->map, cache->size);
	strmap_free(&cache->index);
	free(cache);
}

/*
 * The system cache, read once per process; NULL if there is none.  For tests
 * only, UPX_LD_SO_CACHE names another file to read instead (the fuzzers give
 * the DT_NEEDED walk a small cache of their own, not the machine's).
 */
static const struct ld_cache *system_cache(void)
{
	static struct ld_cache *cache;
	static bool tried;

	if (!tried) {
		const char *env = getenv("UPX_LD_SO_CACHE");
		const char *path = env && *env ? env : LD_SO_CACHE;
		int err;

		tried = true;
		err = ld_cache__open(path, &cache);
		/* No cache is normal (a minimal root); a broken one is worth a line. */
		if (err && err != -ENOENT)
			warning("'%s': %s: not used (ld.so does not use it either)", path,
				err == -EINVAL ? "not a valid ld.so.cache" : strerror(-err));
	}
	return cache;
}

/* Dynamic string tokens ---------------------------------------------------- */

/* Debian (multiarch) builds glibc with $LIB = lib/<triplet>; others use lib64. */
static bool multiarch(void)
{
	static int known = -1;
	struct stat st;

	if (known < 0)
		known = !stat("/usr/lib/" HOST_TRIPLET, &st) && S_ISDIR(st.st_mode);
	return known;
}

static const char *dst_lib(void)
{
	return multiarch() ? "lib/" HOST_TRIPLET : "lib64";
}

#if defined(__x86_64__)
/*
 * glibc's ld.so on x86-64 replaces the kernel's AT_PLATFORM ("x86_64") on Intel
 * CPUs (init_cpu_features() in sysdeps/x86/cpu-features.c, glibc 2.26 to 2.36):
 * "xeon_phi" when AVX512CD, AVX512ER and AVX512PF are usable, else "haswell"
 * when AVX2, FMA, BMI1, BMI2, LZCNT, MOVBE and POPCNT are; and without AVX512ER
 * it adds the legacy hwcap "avx512_1" when AVX512CD, BW, DQ and VL are usable.
 * Usable means present and, for AVX and AVX-512, the state enabled by the OS
 * in XCR0.  (GLIBC_TUNABLES=glibc.cpu.hwcaps can mask features: not modelled.)
 */
#include <cpuid.h>

struct x86_platform {
	const char *platform; /* NULL: keep AT_PLATFORM */
	bool avx512_1;
};

static struct x86_platform x86_platform(void)
{
	static struct x86_platform known;
	static bool done;
	/* ecx81 is CPUID 0x80000001 ECX: LZCNT is its bit 5, bit_ABM (not cpuid.h's bit_LZCNT) */
	unsigned int max, a, b, c, d, ecx1, ebx7 = 0, ecx81 = 0, xcr0 = 0;
	bool avx, avx2, fma, avx512f, avx512cd, avx512er, avx512pf, avx512bw, avx512dq, avx512vl;

	if (done)
		return known;
	done = true;
	__cpuid(0, max, b, c, d);
	/* "GenuineIntel" */
	if (b != 0x756e6547 || d != 0x49656e69 || c != 0x6c65746e)
		return known;
	__cpuid(1, a, b, ecx1, d);
	if (max >= 7)
		__cpuid_count(7, 0, a, ebx7, c, d);
	__cpuid(0x80000000, a, b, c, d);
	if (a >= 0x80000001)
		__cpuid(0x80000001, a, b, ecx81, d);
	if (ecx1 & bit_OSXSAVE) {
		unsigned int hi;

		__asm__("xgetbv" : "=a"(xcr0), "=d"(hi) : "c"(0));
	}
	/* XMM and YMM state for AVX; opmask, ZMM0-15 upper halves and ZMM16-31 for AVX-512. */
	avx = (xcr0 & 0x06) == 0x06 && (ecx1 & bit_AVX);
	avx2 = avx && (ebx7 & bit_AVX2);
	fma = avx && (ecx1 & bit_FMA);
	avx512f = (xcr0 & 0xe6) == 0xe6 && (ebx7 & bit_AVX512F);
	avx512cd = avx512f && (ebx7 & bit_AVX512CD);
	avx512er = avx512f && (ebx7 & bit_AVX512ER);
	avx512pf = avx512f && (ebx7 & bit_AVX512PF);
	avx512bw = avx512f && (ebx7 & bit_AVX512BW);
	avx512dq = avx512f && (ebx7 & bit_AVX512DQ);
	avx512vl = avx512f && (ebx7 & bit_AVX512VL);
	if (avx512cd) {
		if (avx512er) {
			if (avx512pf)
				known.platform = "xeon_phi";
		} else if (avx512bw && avx512dq && avx512vl) {
			known.avx512_1 = true;
		}
	}
	if (!known.platform && avx2 && fma && (ebx7 & bit_BMI) && (ebx7 & bit_BMI2) &&
	    (ecx81 & bit_ABM) && (ecx1 & bit_MOVBE) && (ecx1 & bit_POPCNT))
		known.platform = "haswell";
	return known;
}
#endif

/* $PLATFORM: what ld.so calls this machine, which is not always the kernel's AT_PLATFORM. */
static const char *dst_platform(void)
{
	static char buf[sizeof(((struct utsname *)0)->machine) + 1];
	const char *p;

	if (!buf[0]) {
#if defined(__x86_64__)
		p = x86_platform().platform;
		if (!p)
			p = (const char *)getauxval(AT_PLATFORM);
#else
		p = (const char *)getauxval(AT_PLATFORM);
#endif
		if (p && *p) {
			snprintf(buf, sizeof(buf), "%s", p);
		} else {
			struct utsname u;

			uname(&u);
			snprintf(buf, sizeof(buf), "%s", u.machine);
		}
	}
	return buf;
}

/* Length of the token at s (just after '$') if it is name or {name}, else 0. */
static size_t is_dst(const char *s, const char *name)
{
	size_t len = strlen(name);

	if (*s == '{')
		return !strncmp(s + 1, name, len) && s[1 + len] == '}' ? len + 2 : 0;
	if (strncmp(s, name, len))
		return 0;
	/* $ORIGINAL is not $ORIGIN followed by AL. */
	if (s[len] == '_' || (s[len] >= 'a' && s[len] <= 'z') || (s[len] >= 'A' && s[len] <= 'Z') ||
	    (s[len] >= '0' && s[len] <= '9'))
		return 0;
	return len;
}

char *expand_dst(const char *elem, const char *origin)
{
	char *out = NULL;
	size_t len = 0, alloc = 0;

	for (const char *p = elem; *p;) {
		const char *rep = NULL;
		size_t n = 0;

		if (*p == '$') {
			if ((n = is_dst(p + 1, "ORIGIN")))
				rep = origin;
			else if ((n = is_dst(p + 1, "PLATFORM")))
				rep = dst_platform();
			else if ((n = is_dst(p + 1, "LIB")))
				rep = dst_lib();
			/* ld.so drops an element whose $ORIGIN it cannot know. */
			if (n && !rep) {
				free(out);
				return NULL;
			}
		}
		if (!n) {
			ALLOC_GROW(out, len + 2, alloc);
			out[len++] = *p++;
			continue;
		}
		ALLOC_GROW(out, len + strlen(rep) + 1, alloc);
		memcpy(out + len, rep, strlen(rep));
		len += strlen(rep);
		p += 1 + n;
	}
	ALLOC_GROW(out, len + 1, alloc);
	out[len] = '\0';
	return out;
}

/* Directories and their hwcap subdirectories --------------------------------- */

/*
 * ld.so looks in subdirectories of every search directory before the
 * directory itself: glibc-hwcaps/<level> the CPU supports, then the legacy
 * ones (glibc <= 2.36): every subset of {hwcap names, platform, "tls"}, as
 * _dl_important_hwcaps() builds them (elf/dl-hwcaps.c), "tls" first in a path
 * and the subsets with it first: tls/haswell/avx512_1/x86_64, tls/haswell/avx512_1,
 * tls/haswell/x86_64, ..., avx512_1, x86_64, "".  Most do not exist; whether a
 * directory exists is asked once per process.
 */
static const char *const *hwcap_subdirs(void)
{
	static const char *subdirs[3 + 16 + 1];
	static char buf[16][128];
	const char *names[4];
	size_t n = 0, cnt = 0;

	if (subdirs[0])
		return subdirs;
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
	__builtin_cpu_init();
	if (__builtin_cpu_supports("x86-64-v4"))
		subdirs[n++] = "glibc-hwcaps/x86-64-v4";
	if (__builtin_cpu_supports("x86-64-v3"))
		subdirs[n++] = "glibc-hwcaps/x86-64-v3";
	if (__builtin_cpu_supports("x86-64-v2"))
		subdirs[n++] = "glibc-hwcaps/x86-64-v2";
#endif
	/* Hwcap names by ascending bit (HWCAP_X86_64: 1, HWCAP_X86_AVX512_1: 2), platform, tls. */
	if (HOST_LEGACY_HWCAP)
		names[cnt++] = HOST_LEGACY_HWCAP;
#if defined(__x86_64__)
	if (x86_platform().avx512_1)
		names[cnt++] = "avx512_1";
#endif
	names[cnt++] = dst_platform();
	names[cnt++] = "tls";
	for (size_t m = (1u << cnt) - 1; m > 0; m--) {
		char *p = buf[m];
		size_t len = 0;

		/* The string of subset m: its names from the last (tls) down to the first. */
		for (size_t k = cnt; k-- > 0;) {
			if (!(m & (1u << k)))
				continue;
			len += snprintf(p + len, sizeof(buf[m]) - len, "%s%s", len ? "/" : "",
					names[k]);
			if (len >= sizeof(buf[m]))
				len = sizeof(buf[m]) - 1;
		}
		subdirs[n++] = p;
	}
	subdirs[n++] = "";
	subdirs[n] = NULL;
	return subdirs;
}

static bool dir_exists(const char *dir)
{
	static struct strmap known;
	struct stat st;
	void *v = strmap_get(&known, dir);
	bool yes;

	if (v)
		return v == (void *)1;
	yes = !stat(dir, &st) && S_ISDIR(st.st_mode);
	strmap_add(&known, xstrdup(dir), yes ? (void *)1 : (void *)2);
	return yes;
}

/* Parsed ELF objects ------------------------------------------------------ */

/*
 * What the walk needs from one file.  Parsed files are kept for the life of
 * the process, keyed by path and checked against stat() on reuse.
 */
struct elf_obj {
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int status;   /* 0, or -errno (-ELIBBAD: ELF for another machine) */
	char *errmsg; /* why status is not 0 */
	char *interp;
	char *soname, *rpath, *runpath;
	char **needed;
	size_t nr_needed;
	bool has_dynamic;
	bool nodeflib;
};

static struct strmap obj_cache;

static void elf_obj_free(struct elf_obj *o)
{
	free(o->errmsg);
	free(o->interp);
	free(o->soname);
	free(o->rpath);
	free(o->runpath);
	for (size_t i = 0; i < o->nr_needed; i++)
		free(o->needed[i]);
	free(o->needed);
	o->errmsg = o->interp = o->soname = o->rpath = o->runpath = NULL;
	o->needed = NULL;
	o->nr_needed = 0;
}

static const char *machine_name(unsigned int m)
{
	static const struct {
		unsigned int machine;
		const char *name;
	} names[] = {
		{ EM_386, "i386" },
		{ EM_X86_64, "x86-64" },
		{ EM_ARM, "ARM" },
		{ EM_AARCH64, "AArch64" },
		{ EM_RISCV, "RISC-V" },
		{ EM_PPC, "PowerPC" },
		{ EM_PPC64, "PowerPC64" },
		{ EM_S390, "s390" },
		{ EM_MIPS, "MIPS" },
		{ EM_SPARCV9, "SPARC64" },
		{ EM_LOONGARCH, "LoongArch" },
		{ EM_BPF, "BPF" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].machine == m)
			return names[i].name;
	return NULL;
}

__printf(3, 4) static int obj_fail(struct elf_obj *o, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&o->errmsg, fmt, ap) < 0)
		o->errmsg = NULL;
	va_end(ap);
	o->status = status;
	return status;
}

/* The file offset of vaddr through the PT_LOAD segments, or -1. */
static int64_t vaddr_to_offset(Elf *elf, size_t phnum, uint64_t vaddr)
{
	GElf_Phdr ph;

	for (size_t i = 0; i < phnum; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz)
			return vaddr - ph.p_vaddr + ph.p_offset;
	}
	return -1;
}

static char *dyn_string(const Elf_Data *strs, uint64_t off)
{
	const char *s;

	if (!strs || off >= strs->d_size)
		return NULL;
	s = (const char *)strs->d_buf + off;
	if (!memchr(s, '\0', strs->d_size - off))
		return NULL;
	return xstrdup(s);
}

static int parse_dynamic(struct elf_obj *o, Elf *elf, size_t phnum, const GElf_Phdr *dynph)
{
	uint64_t strtab = 0, strsz = 0, soname = -1, rpath = -1, runpath = -1;
	uint64_t *needed = NULL;
	size_t nr_needed = 0, alloc = 0, ndyn;
	Elf_Data *dyn, *strs = NULL;
	int64_t stroff;
	GElf_Dyn d;
	int ret = 0;

	if (dynph->p_offset + dynph->p_filesz > (uint64_t)o->size)
		return obj_fail(o, -ENOEXEC, "truncated ELF file (PT_DYNAMIC past the end)");
	dyn = elf_getdata_rawchunk(elf, dynph->p_offset, dynph->p_filesz, ELF_T_DYN);
	if (!dyn)
		return obj_fail(o, -ENOEXEC, "corrupt ELF file: %s", elf_errmsg(-1));
	ndyn = dynph->p_filesz / sizeof(Elf64_Dyn);
	for (size_t i = 0; i < ndyn && gelf_getdyn(dyn, i, &d); i++) {
		if (d.d_tag == DT_NULL)
			break;
		switch (d.d_tag) {
		case DT_NEEDED:
			ALLOC_GROW(needed, nr_needed + 1, alloc);
			needed[nr_needed++] = d.d_un.d_val;
			break;
		case DT_STRTAB:
			strtab = d.d_un.d_ptr;
			break;
		case DT_STRSZ:
			strsz = d.d_un.d_val;
			break;
		case DT_SONAME:
			soname = d.d_un.d_val;
			break;
		case DT_RPATH:
			rpath = d.d_un.d_val;
			break;
		case DT_RUNPATH:
			runpath = d.d_un.d_val;
			break;
		case DT_FLAGS_1:
			o->nodeflib = d.d_un.d_val & DF_1_NODEFLIB;
			break;
		}
	}
	if (!strtab) {
		if (nr_needed)
			ret = obj_fail(o, -ENOEXEC, "corrupt ELF file (no DT_STRTAB)");
		goto cleanup;
	}
	stroff = vaddr_to_offset(elf, phnum, strtab);
	if (stroff < 0) {
		ret = obj_fail(o, -ENOEXEC, "corrupt ELF file (DT_STRTAB outside the file)");
		goto cleanup;
	}
	if ((uint64_t)stroff + strsz > (uint64_t)o->size) {
		ret = obj_fail(o, -ENOEXEC, "truncated ELF file (dynamic strings past the end)");
		goto cleanup;
	}
	strs = elf_getdata_rawchunk(elf, stroff, strsz, ELF_T_BYTE);
	if (!strs) {
		ret = obj_fail(o, -ENOEXEC, "corrupt ELF file: %s", elf_errmsg(-1));
		goto cleanup;
	}
	o->soname = dyn_string(strs, soname);
	/* If both are there, ld.so ignores DT_RPATH. */
	o->runpath = dyn_string(strs, runpath);
	if (!o->runpath)
		o->rpath = dyn_string(strs, rpath);
	o->needed = xcalloc(nr_needed ? nr_needed : 1, sizeof(*o->needed));
	for (size_t i = 0; i < nr_needed; i++) {
		char *s = dyn_string(strs, needed[i]);

		if (!s) {
			ret = obj_fail(o, -ENOEXEC, "corrupt ELF file (bad DT_NEEDED string)");
			goto cleanup;
		}
		o->needed[o->nr_needed++] = s;
	}
cleanup:
	free(needed);
	return ret;
}

static int parse_interp(struct elf_obj *o, Elf *elf, const GElf_Phdr *ph)
{
	Elf_Data *d;

	if (ph->p_offset + ph->p_filesz > (uint64_t)o->size)
		return obj_fail(o, -ENOEXEC, "truncated ELF file (PT_INTERP past the end)");
	d = elf_getdata_rawchunk(elf, ph->p_offset, ph->p_filesz, ELF_T_BYTE);
	if (!d || !d->d_size)
		return obj_fail(o, -ENOEXEC, "corrupt ELF file (bad PT_INTERP)");
	o->interp = xstrdup_n(d->d_buf, d->d_size);
	return 0;
}

/* First line of a script, made safe to print. */
static void script_line(int fd, char *line, size_t size)
{
	ssize_t n = pread(fd, line, size - 1, 0);
	size_t i;

	if (n < 0)
		n = 0;
	line[n] = '\0';
	for (i = 0; line[i] && line[i] != '\n'; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f)
			line[i] = '?';
	line[i] = '\0';
}

static int elf_obj_read(struct elf_obj *o, int fd)
{
	unsigned char id[sizeof(Elf64_Ehdr)];
	const Elf64_Ehdr *raw = (const Elf64_Ehdr *)id;
	uint64_t size = o->size, phend;
	Elf *elf = NULL;
	GElf_Ehdr eh;
	GElf_Phdr ph;
	ssize_t n;
	int ret = 0;
	uint16_t machine;

	n = pread(fd, id, sizeof(id), 0);
	if (n < 0)
		return obj_fail(o, -errno, "%s", strerror(errno));
	if (n >= 2 && id[0] == '#' && id[1] == '!') {
		char line[128];

		script_line(fd, line, sizeof(line));
		return obj_fail(o, -ENOEXEC, "a script (%s), not an ELF file", line);
	}
	if (n < SELFMAG || memcmp(id, ELFMAG, SELFMAG))
		return obj_fail(o, -ENOEXEC, "not an ELF file");
	if (n < EI_NIDENT)
		return obj_fail(o, -ENOEXEC, "truncated ELF file");
	/* What ld.so checks in e_ident, before it looks at anything else. */
	if (id[EI_DATA] != ELFDATA2LSB && id[EI_DATA] != ELFDATA2MSB)
		return obj_fail(o, -ENOEXEC, "invalid ELF data encoding %u", id[EI_DATA]);
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return obj_fail(o, -ENOEXEC, "invalid ELF class %u", id[EI_CLASS]);
	if (id[EI_VERSION] != EV_CURRENT)
		return obj_fail(o, -ENOEXEC, "invalid ELF version %u", id[EI_VERSION]);
	/* e_machine is at the same offset in both classes, in the file's byte order. */
	if (n < 20)
		return obj_fail(o, -ENOEXEC, "truncated ELF file");
	machine = id[EI_DATA] == ELFDATA2LSB ? id[18] | id[19] << 8 : id[18] << 8 | id[19];
	if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB || machine != HOST_MACHINE) {
		const char *m = machine_name(machine);
		char num[32];

		snprintf(num, sizeof(num), "machine %u", machine);
		return obj_fail(o, -ELIBBAD, "%s%s ELF file for %s, not %s",
				id[EI_CLASS] == ELFCLASS32 ? "32-bit" : "64-bit",
				id[EI_DATA] == ELFDATA2MSB ? " big-endian" : "", m ? m : num,
				"64-bit " HOST_MACHINE_NAME);
	}
	if (n < (ssize_t)sizeof(Elf64_Ehdr) || size < sizeof(Elf64_Ehdr))
		return obj_fail(o, -ENOEXEC, "truncated ELF file");
	if (raw->e_type != ET_EXEC && raw->e_type != ET_DYN)
		return obj_fail(o, -ENOEXEC, "not an executable or shared library (%s)",
				raw->e_type == ET_REL    ? "relocatable object"
				: raw->e_type == ET_CORE ? "core dump"
							 : "unknown ELF type");
	/*
	 * The program headers as the header gives them: libelf quietly shortens
	 * a table that runs past the end of the file (to none at all), which would
	 * make a cut file look statically linked.
	 */
	if (!raw->e_phnum)
		return obj_fail(o, -ENOEXEC, "no program headers (not a loadable file)");
	if (raw->e_phentsize != sizeof(Elf64_Phdr))
		return obj_fail(o, -ENOEXEC, "corrupt ELF header (e_phentsize %u, not %zu)",
				raw->e_phentsize, sizeof(Elf64_Phdr));
	phend = raw->e_phoff + (uint64_t)raw->e_phnum * sizeof(Elf64_Phdr);
	if (raw->e_phoff > size || phend > size)
		return obj_fail(o, -ENOEXEC,
				"truncated ELF file (%s end at byte %llu, the file has %llu)",
				count_noun(raw->e_phnum, "program header", "program headers"),
				(unsigned long long)phend, (unsigned long long)size);

	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || !gelf_getehdr(elf, &eh)) {
		ret = obj_fail(o, -ENOEXEC, "corrupt ELF file: %s", elf_errmsg(-1));
		goto cleanup;
	}
	for (size_t i = 0; i < raw->e_phnum && !ret; i++) {
		if (!gelf_getphdr(elf, i, &ph)) {
			ret = obj_fail(o, -ENOEXEC, "corrupt ELF file: %s", elf_errmsg(-1));
			break;
		}
		if (ph.p_type == PT_LOAD &&
		    (ph.p_offset > size || ph.p_filesz > size - ph.p_offset)) {
			ret = obj_fail(o, -ENOEXEC,
				       "truncated ELF file (segment %zu ends at byte %llu, the file has %llu)",
				       i, (unsigned long long)(ph.p_offset + ph.p_filesz),
				       (unsigned long long)size);
		} else if (ph.p_type == PT_INTERP && !o->interp) {
			ret = parse_interp(o, elf, &ph);
		} else if (ph.p_type == PT_DYNAMIC && !o->has_dynamic) {
			o->has_dynamic = true;
			ret = parse_dynamic(o, elf, raw->e_phnum, &ph);
		}
	}
cleanup:
	elf_end(elf);
	return ret;
}

/*
 * The parsed object at path, from the process-wide cache when the file has
 * not changed.  Returns NULL only when the file cannot be stat()ed or opened
 * (errno set); other failures come back as an object with status < 0.
 */
static struct elf_obj *elf_obj_get(const char *path)
{
	struct elf_obj *o;
	struct stat st;
	char err[256];
	int fd;

	if (stat(path, &st))
		return NULL;
	elf_version(EV_CURRENT);
	o = strmap_get(&obj_cache, path);
	if (o && o->dev == st.st_dev && o->ino == st.st_ino && o->size == st.st_size &&
	    o->mtime.tv_sec == st.st_mtim.tv_sec && o->mtime.tv_nsec == st.st_mtim.tv_nsec)
		return o;
	if (o) {
		/* Changed under us: parse again into the same slot. */
		elf_obj_free(o);
		o->has_dynamic = o->nodeflib = false;
	} else {
		o = xcalloc(1, sizeof(*o));
		o->path = xstrdup(path);
		strmap_add(&obj_cache, o->path, o);
	}
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	o->size = st.st_size;
	o->mtime = st.st_mtim;
	o->status = 0;
	/* Only a regular file is opened: a FIFO among the candidates must not block the search. */
	fd = open_regular_file(path, &st, err, sizeof(err));
	if (fd < 0) {
		/* Not cached as a failure: permissions may differ next time. */
		if (S_ISREG(st.st_mode))
			o->mtime.tv_sec = -1;
		obj_fail(o, fd, "%s", err);
		return o;
	}
	if (!st.st_size)
		obj_fail(o, -ENOEXEC, "empty file");
	else
		elf_obj_read(o, fd);
	close(fd);
	return o;
}

/* The walk ------------------------------------------------------------------- */

/* One object loaded by the walk (the program is node 0). */
struct node {
	struct elf_obj *obj;
	char *path;   /* as found: dir + "/" + name, like ld.so's l_name */
	char *origin; /* directory of path, absolute */
	int loader;   /* node that loaded it, -1 for the program */
	int entry;    /* index in deps->libs, -1 for the program */
};

struct walk {
	struct lib_deps *deps;
	size_t libs_alloc;
	struct node *nodes;
	size_t nr_nodes, nodes_alloc;
	struct strmap names; /* names (path, requested name, DT_SONAME) -> node index + 1 */
	char **llp;	     /* LD_LIBRARY_PATH, expanded */
	size_t nr_llp;
	char **owned;	     /* strings the names map points to */
	size_t nr_owned, owned_alloc;
};

static const char *walk_keep(struct walk *w, char *s)
{
	ALLOC_GROW(w->owned, w->nr_owned + 1, w->owned_alloc);
	w->owned[w->nr_owned++] = s;
	return s;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *cwd, *d;

	if (path[0] != '/') {
		cwd = getcwd(NULL, 0);
		if (!cwd)
			cwd = xstrdup(".");
		d = slash ? xasprintf("%s/%.*s", cwd, (int)(slash - path), path) : xstrdup(cwd);
		free(cwd);
		return d;
	}
	if (slash == path)
		return xstrdup("/");
	return xstrdup_n(path, slash - path);
}

/*
 * Split a search path (RPATH, RUNPATH: ':'; LD_LIBRARY_PATH: ':' or ';'),
 * expand tokens, drop empty elements and trailing slashes, as ld.so does.
 */
static char **split_path(const char *list, const char *seps, const char *origin, size_t *nr)
{
	char **dirs = NULL;
	size_t alloc = 0;
	char *copy = xstrdup(list), *p = copy, *elem;

	*nr = 0;
	while ((elem = strsep(&p, seps))) {
		char *d = expand_dst(elem, origin);
		size_t len;

		if (!d)
			continue;
		len = strlen(d);
		while (len > 1 && d[len - 1] == '/')
			d[--len] = '\0';
		if (!len) {
			free(d);
			continue;
		}
		ALLOC_GROW(dirs, *nr + 1, alloc);
		dirs[(*nr)++] = d;
	}
	free(copy);
	return dirs;
}

static void free_dirs(char **dirs, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(dirs[i]);
	free(dirs);
}

/* A candidate ld.so would take: an ELF file for this machine. */
static struct elf_obj *try_file(const char *path)
{
	struct elf_obj *o = elf_obj_get(path);

	return o && !o->status ? o : NULL;
}

/* Look for name in dir and its hwcap subdirectories; fills *path. */
static struct elf_obj *try_dir(const char *dir, const char *name, char **path)
{
	const char *const *sub = hwcap_subdirs();
	const char *sep = strcmp(dir, "/") ? "/" : "";

	if (!dir_exists(dir))
		return NULL;
	for (size_t i = 0; sub[i]; i++) {
		struct elf_obj *o;
		char *p;

		if (sub[i][0]) {
			char *d = xasprintf("%s%s%s", dir, sep, sub[i]);
			bool there = dir_exists(d);

			free(d);
			if (!there)
				continue;
			p = xasprintf("%s%s%s/%s", dir, sep, sub[i], name);
		} else {
			p = xasprintf("%s%s%s", dir, sep, name);
		}
		o = try_file(p);
		if (o) {
			*path = p;
			return o;
		}
		free(p);
	}
	return NULL;
}

static struct elf_obj *try_dirs(char **dirs, size_t nr, const char *name, char **path)
{
	for (size_t i = 0; i < nr; i++) {
		struct elf_obj *o = try_dir(dirs[i], name, path);

		if (o)
			return o;
	}
	return NULL;
}

static struct elf_obj *try_list(const char *list, const char *origin, const char *name,
				char **path)
{
	size_t nr;
	char **dirs = split_path(list, ":", origin, &nr);
	struct elf_obj *o = try_dirs(dirs, nr, name, path);

	free_dirs(dirs, nr);
	return o;
}

static const char *const *default_dirs(void)
{
	static const char *const multi[] = { "/lib/" HOST_TRIPLET, "/usr/lib/" HOST_TRIPLET,
					     "/lib", "/usr/lib", NULL };
	static const char *const lib64[] = { "/lib64", "/usr/lib64", NULL };

	return multiarch() ? multi : lib64;
}

/* The cache, then the default directories; nodeflib drops both (but not the cache's other dirs). */
static struct elf_obj *try_system(const char *name, bool nodeflib, char **path,
				  enum lib_how *how)
{
	const char *const *defs = default_dirs();
	const char *cached = ld_cache__lookup(system_cache(), name);
	struct elf_obj *o;

	if (cached && nodeflib) {
		for (size_t i = 0; defs[i] && cached; i++) {
			size_t len = strlen(defs[i]);

			if (!strncmp(cached, defs[i], len) && cached[len] == '/')
				cached = NULL;
		}
	}
	if (cached && (o = try_file(cached))) {
		*path = xstrdup(cached);
		*how = LIB_HOW_CACHE;
		return o;
	}
	if (nodeflib)
		return NULL;
	for (size_t i = 0; defs[i]; i++) {
		o = try_dir(defs[i], name, path);
		if (o) {
			*how = LIB_HOW_DEFAULT;
			return o;
		}
	}
	return NULL;
}

/* ld.so's search for name needed by node `from`. */
static struct elf_obj *walk_search(struct walk *w, int from, const char *name, char **path,
				   enum lib_how *how)
{
	const struct node *req = &w->nodes[from];
	struct elf_obj *o = NULL;

	if (strchr(name, '/')) {
		char *p = expand_dst(name, req->origin);

		*how = LIB_HOW_PATH;
		if (p && (o = try_file(p))) {
			*path = p;
			return o;
		}
		free(p);
		return NULL;
	}
	/* DT_RPATH of the requester and its loaders, unless it has DT_RUNPATH. */
	if (!req->obj->runpath) {
		*how = LIB_HOW_RPATH;
		for (int l = from; l >= 0; l = w->nodes[l].loader) {
			const struct node *n = &w->nodes[l];

			if (n->obj->rpath && (o = try_list(n->obj->rpath, n->origin, name, path)))
				return o;
		}
	}
	*how = LIB_HOW_LD_LIBRARY_PATH;
	if ((o = try_dirs(w->llp, w->nr_llp, name, path)))
		return o;
	*how = LIB_HOW_RUNPATH;
	if (req->obj->runpath && (o = try_list(req->obj->runpath, req->origin, name, path)))
		return o;
	if ((o = try_system(name, req->obj->nodeflib, path, how)))
		return o;
	*how = LIB_HOW_NOT_FOUND;
	return NULL;
}

static int walk_node_add(struct walk *w, struct elf_obj *o, char *path, int loader, int entry)
{
	struct node *n;
	int idx = w->nr_nodes;

	ALLOC_GROW(w->nodes, w->nr_nodes + 1, w->nodes_alloc);
	n = &w->nodes[w->nr_nodes++];
	n->obj = o;
	n->path = path;
	n->origin = dir_of(path);
	n->loader = loader;
	n->entry = entry;
	strmap_add(&w->names, n->path, (void *)(intptr_t)(idx + 1));
	if (o && o->soname)
		strmap_add(&w->names, o->soname, (void *)(intptr_t)(idx + 1));
	return idx;
}

static struct lib_entry *walk_entry_add(struct walk *w, const char *soname, int parent, int depth)
{
	struct lib_deps *d = w->deps;
	struct lib_entry *e;

	ALLOC_GROW(d->libs, d->nr + 1, w->libs_alloc);
	e = &d->libs[d->nr++];
	memset(e, 0, sizeof(*e));
	e->soname = xstrdup(soname);
	e->parent = parent;
	e->depth = depth;
	return e;
}

static void needs_add(struct lib_deps *d, int from_entry, int to)
{
	int **needs = from_entry < 0 ? &d->needs : &d->libs[from_entry].needs;
	size_t *nr = from_entry < 0 ? &d->nr_needs : &d->libs[from_entry].nr_needs;

	*needs = xrealloc(*needs, (*nr + 1) * sizeof(**needs));
	(*needs)[(*nr)++] = to;
}

/* Node index + 1 of the loaded object with this name or the same file, else 0. */
static int walk_find_loaded(struct walk *w, const char *name)
{
	return (int)(intptr_t)strmap_get(&w->names, name);
}

static int walk_find_file(struct walk *w, const struct elf_obj *o)
{
	for (size_t i = 0; i < w->nr_nodes; i++) {
		const struct elf_obj *p = w->nodes[i].obj;

		if (p && p->ino && p->dev == o->dev && p->ino == o->ino)
			return i + 1;
	}
	return 0;
}

/*
 * The entry of an already loaded node.  Only the interpreter is loaded
 * before anything needs it: its entry is made when first needed, where ldd
 * lists it.  The program itself has none (-1).
 */
static int node_entry(struct walk *w, int n, const char *name, int parent, int depth)
{
	struct node *nd = &w->nodes[n];
	struct lib_entry *e;

	if (n == 0 || nd->entry >= 0)
		return nd->entry;
	e = walk_entry_add(w, name, parent, depth);
	e->path = xstrdup(nd->path);
	e->how = LIB_HOW_INTERP;
	nd->entry = w->deps->nr - 1;
	return nd->entry;
}

static void walk_need(struct walk *w, size_t from, const char *name)
{
	struct lib_deps *d = w->deps;
	int from_entry = w->nodes[from].entry;
	int depth = from_entry < 0 ? 1 : d->libs[from_entry].depth + 1;
	int n = walk_find_loaded(w, name), ent;
	enum lib_how how;
	struct elf_obj *o;
	struct lib_entry *e;
	char *path = NULL;
	size_t j;

	if (n) {
		ent = node_entry(w, n - 1, name, from_entry, depth);
		if (ent >= 0)
			needs_add(d, from_entry, ent);
		return;
	}
	o = walk_search(w, from, name, &path, &how);
	if (o && (n = walk_find_file(w, o))) {
		/* The same file under another name: ld.so reuses the object. */
		free(path);
		strmap_add(&w->names, walk_keep(w, xstrdup(name)), (void *)(intptr_t)n);
		ent = node_entry(w, n - 1, name, from_entry, depth);
		if (ent >= 0)
			needs_add(d, from_entry, ent);
		return;
	}
	if (!o) {
		/* Listed once, though ld.so searches again from each requester. */
		for (j = 0; j < d->nr; j++)
			if (!d->libs[j].path && !strcmp(d->libs[j].soname, name))
				break;
		if (j == d->nr) {
			e = walk_entry_add(w, name, from_entry, depth);
			e->how = LIB_HOW_NOT_FOUND;
		}
		needs_add(d, from_entry, j);
		return;
	}
	e = walk_entry_add(w, name, from_entry, depth);
	e->path = xstrdup(path);
	e->how = how;
	n = walk_node_add(w, o, path, from, d->nr - 1);
	strmap_add(&w->names, walk_keep(w, xstrdup(name)), (void *)(intptr_t)(n + 1));
	needs_add(d, from_entry, d->nr - 1);
}

/* Breadth-first, like ld.so: nodes are appended while the loop runs. */
static void walk_deps(struct walk *w)
{
	for (size_t i = 0; i < w->nr_nodes; i++) {
		struct elf_obj *obj = w->nodes[i].obj;

		/* The interpreter is only walked once something needs it (it needs nothing). */
		if (i > 0 && w->nodes[i].entry < 0)
			continue;
		for (size_t k = 0; k < obj->nr_needed; k++)
			walk_need(w, i, obj->needed[k]);
	}
}

static int remap(int idx, int to, int from)
{
	if (idx == from)
		return to;
	if (idx >= to && idx < from)
		return idx + 1;
	return idx;
}

/*
 * Libraries that are not found get a placeholder in ld.so's list of objects,
 * but not in its search list; ld.so puts itself back after the object before
 * it in the search list, so in ldd's output it comes before the "not found"
 * lines that precede it here.  Move its entry to match.
 */
static void place_interp(struct lib_deps *d)
{
	struct lib_entry moved;
	int from = -1, to;

	for (size_t i = 0; i < d->nr; i++)
		if (d->libs[i].how == LIB_HOW_INTERP)
			from = i;
	if (from < 0)
		return;
	for (to = from; to > 0 && !d->libs[to - 1].path; to--)
		;
	if (to == from)
		return;
	moved = d->libs[from];
	memmove(&d->libs[to + 1], &d->libs[to], (from - to) * sizeof(*d->libs));
	d->libs[to] = moved;
	for (size_t i = 0; i < d->nr; i++) {
		struct lib_entry *e = &d->libs[i];

		if (e->parent >= 0)
			e->parent = remap(e->parent, to, from);
		for (size_t k = 0; k < e->nr_needs; k++)
			e->needs[k] = remap(e->needs[k], to, from);
	}
	for (size_t k = 0; k < d->nr_needs; k++)
		d->needs[k] = remap(d->needs[k], to, from);
}

static void walk_free(struct walk *w)
{
	for (size_t i = 0; i < w->nr_nodes; i++) {
		free(w->nodes[i].path);
		free(w->nodes[i].origin);
	}
	free(w->nodes);
	strmap_free(&w->names);
	free_dirs(w->llp, w->nr_llp);
	for (size_t i = 0; i < w->nr_owned; i++)
		free(w->owned[i]);
	free(w->owned);
}

int lib_deps__load(const char *path, struct lib_deps **out, char *err, size_t errlen)
{
	struct walk w = { 0 };
	struct lib_deps *d = NULL;
	struct elf_obj *o, *rtld;
	const char *llp = getenv("LD_LIBRARY_PATH");
	char *real = NULL;
	int ret = 0;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	o = elf_obj_get(path);
	if (!o) {
		ret = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		goto cleanup;
	}
	if (o->status) {
		ret = o->status;
		snprintf(err, errlen, "%s", o->errmsg ? o->errmsg : strerror(-ret));
		goto cleanup;
	}
	/* $ORIGIN of the program is where it really is, as /proc/self/exe says. */
	real = realpath(path, NULL);
	if (!real)
		real = xstrdup(path);

	d = xcalloc(1, sizeof(*d));
	d->path = xstrdup(path);
	d->interp = o->interp ? xstrdup(o->interp) : NULL;
	d->is_static = !o->interp && !o->nr_needed;
	w.deps = d;
	walk_node_add(&w, o, real, -1, -1);
	real = NULL;
	if (d->is_static)
		goto done;

	/* LD_LIBRARY_PATH's $ORIGIN is the program's. */
	if (llp && *llp)
		w.llp = split_path(llp, ":;", w.nodes[0].origin, &w.nr_llp);

	/* ld.so itself is loaded before any DT_NEEDED: a need for its name finds it. */
	rtld = elf_obj_get(o->interp ? o->interp : HOST_RTLD);
	walk_node_add(&w, rtld && !rtld->status ? rtld : NULL,
		      xstrdup(o->interp ? o->interp : HOST_RTLD), 0, -1);
	if (!w.nodes[1].obj) {
		/* An interpreter we cannot read: it matches by path only. */
		static struct elf_obj empty;

		w.nodes[1].obj = &empty;
	} else if (!w.nodes[1].obj->soname) {
		/* ld.so without DT_SONAME answers to its file name. */
		const char *base = strrchr(w.nodes[1].path, '/');

		strmap_add(&w.names, base ? base + 1 : w.nodes[1].path, (void *)(intptr_t)2);
	}
	walk_deps(&w);
	place_interp(d);
done:
	*out = d;
	d = NULL;
cleanup:
	free(real);
	walk_free(&w);
	lib_deps__free(d);
	return ret;
}

void lib_deps__free(struct lib_deps *deps)
{
	if (!deps)
		return;
	for (size_t i = 0; i < deps->nr; i++) {
		free(deps->libs[i].soname);
		free(deps->libs[i].path);
		free(deps->libs[i].needs);
	}
	free(deps->libs);
	free(deps->needs);
	free(deps->path);
	free(deps->interp);
	free(deps);
}

/* Names to files ------------------------------------------------------------- */

char *resolve_soname(const char *soname, enum lib_how *how)
{
	const char *llp = getenv("LD_LIBRARY_PATH");
	enum lib_how h = LIB_HOW_NOT_FOUND;
	struct elf_obj *o = NULL;
	char *path = NULL;

	if (strchr(soname, '/')) {
		h = LIB_HOW_PATH;
		if (try_file(soname))
			path = xstrdup(soname);
		goto done;
	}
	if (llp && *llp) {
		size_t nr;
		/* No program here, so no $ORIGIN: such elements are dropped. */
		char **dirs = split_path(llp, ":;", NULL, &nr);

		o = try_dirs(dirs, nr, soname, &path);
		free_dirs(dirs, nr);
		if (o) {
			h = LIB_HOW_LD_LIBRARY_PATH;
			goto done;
		}
	}
	if (!try_system(soname, false, &path, &h)) {
		h = LIB_HOW_NOT_FOUND;
		path = NULL;
	}
done:
	if (!path)
		h = LIB_HOW_NOT_FOUND;
	if (how)
		*how = h;
	return path;
}

const char *lib_soname(const char *path)
{
	struct elf_obj *o = elf_obj_get(path);

	return o && !o->status ? o->soname : NULL;
}

char *resolve_program(const char *name)
{
	const char *env = getenv("PATH");
	char *list, *p, *dir;

	if (!env)
		env = "/usr/local/bin:/usr/bin:/bin";
	list = p = xstrdup(env);
	while ((dir = strsep(&p, ":"))) {
		char *cand = xasprintf("%s/%s", *dir ? dir : ".", name);
		struct stat st;

		if (!stat(cand, &st) && S_ISREG(st.st_mode) && !access(cand, X_OK)) {
			free(list);
			return cand;
		}
		free(cand);
	}
	free(list);
	return NULL;
}

char *resolve_target(const char *arg, char *err, size_t errlen)
{
	char *found = NULL, *real;

	if (errlen)
		err[0] = '\0';
	if (!*arg) {
		snprintf(err, errlen, "empty name");
		return NULL;
	}
	if (strchr(arg, '/')) {
		real = realpath(arg, NULL);
		if (!real)
			snprintf(err, errlen, "%s", strerror(errno));
		return real;
	}
	found = resolve_program(arg);
	if (!found)
		found = resolve_soname(arg, NULL);
	if (!found) {
		snprintf(err, errlen, "no such file, program in PATH or library");
		return NULL;
	}
	real = realpath(found, NULL);
	if (!real)
		snprintf(err, errlen, "%s", strerror(errno));
	free(found);
	return real;
}
