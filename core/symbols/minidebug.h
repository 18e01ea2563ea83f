/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MiniDebugInfo (gdb's name; Fedora, CentOS and others ship it): a stripped
 * file keeps a small ELF file holding a .symtab of the functions .dynsym
 * lacks (the static ones), xz-compressed in its section .gnu_debugdata.
 * core/symbols/elf.c reads that .symtab beside .dynsym; this is the decompression,
 * with liblzma, bounded so a hostile file cannot ask for unbounded memory.
 */
#ifndef UPX_MINIDEBUG_H
#define UPX_MINIDEBUG_H

#include <stddef.h>

/* What a .gnu_debugdata may decompress to (Fedora's largest, libLLVM's, are a few MB). */
#define MINIDEBUG_MAX_SIZE (256u << 20)

/*
 * Decompress the xz stream buf[0..len) into a malloc'd buffer (*out,
 * *out_len).  0, or -1 with a one-line cause in err ("not an xz stream",
 * "corrupt xz data", "truncated xz data", "more than 256 MiB once
 * decompressed", ...).
 */
int minidebug_decompress(const void *buf, size_t len, void **out, size_t *out_len, char *err,
			 size_t errlen);

#endif
