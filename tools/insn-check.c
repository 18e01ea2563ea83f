// SPDX-License-Identifier: GPL-2.0
/*
 * Holds core/symbols/insn.c against objdump: reads `objdump -d --insn-width=16` on
 * stdin and checks that every instruction objdump decodes has the length
 * insn_decode() finds, decoding from the bytes objdump printed (plus those
 * after them, so that a decoder reading too far is caught).
 *
 *   objdump -d --insn-width=16 FILE | insn-check        report mismatches, exit 1 if any
 *   insn-check -c 'f0 ff 0f'                            one instruction's verdict
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/insn.h"

struct line {
	unsigned long addr;
	size_t at;		/* offset of its bytes in buf */
	size_t len;		/* objdump's length */
	size_t end;		/* end of the run of contiguous bytes it belongs to */
	char *text;		/* objdump's mnemonic and operands */
};

static uint8_t *buf;
static size_t nbuf, abuf;
static struct line *lines;
static size_t nlines, alines;

/* "  8ff70:\tf0 ff 0f             \tlock decl (%rdi)" */
static int parse(char *s, unsigned long *addr, char **hex, char **text)
{
	char *end, *tab;

	*addr = strtoul(s, &end, 16);
	if (end == s || end[0] != ':' || end[1] != '\t')
		return -1;
	*hex = end + 2;
	tab = strchr(*hex, '\t');
	if (tab)
		*tab = '\0';
	*text = tab ? tab + 1 : "";
	(*text)[strcspn(*text, "\n")] = '\0';
	return 0;
}

static size_t hex_bytes(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*hex && n < max) {
		while (*hex == ' ')
			hex++;
		if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]))
			break;
		out[n++] = strtoul((char[]){ hex[0], hex[1], 0 }, NULL, 16);
		hex += 2;
	}
	return n;
}

static bool only_prefixes(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((b[i] & 0xf0) != 0x40 && !memchr("\x26\x2e\x36\x3e\x64\x65\x66\x67\xf0\xf2\xf3", b[i], 11))
			return false;
	return true;
}

static void print_info(const struct insn_info *in)
{
	printf("len=%d uprobe_ok=%d emulated=%d endbr64=%d why=%s\n", in->len, in->uprobe_ok,
	       in->emulated, in->is_endbr64, in->why ? in->why : "");
}

static int classify(const char *hex)
{
	uint8_t b[64];
	size_t n = hex_bytes(hex, b, sizeof(b));
	struct insn_info in;
	int ret = insn_decode(INSN_X86_64, b, n, &in);

	print_info(&in);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	size_t checked = 0, skipped = 0, bad = 0, i, run = 0;
	unsigned long next = 0;
	char *s = NULL;
	size_t cap = 0;

	if (argc == 3 && !strcmp(argv[1], "-c"))
		return classify(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: objdump -d --insn-width=16 FILE | insn-check\n"
				"       insn-check -c 'HEX BYTES'\n");
		return 2;
	}
	while (getline(&s, &cap, stdin) > 0) {
		unsigned long addr;
		char *hex, *text;
		uint8_t b[32];
		size_t n;

		if (parse(s, &addr, &hex, &text))
			continue;
		n = hex_bytes(hex, b, sizeof(b));
		if (!n)
			continue;
		if (addr != next) {	/* a new run: another section, or zeros objdump skipped */
			for (i = run; i < nlines; i++)
				lines[i].end = nbuf;
			run = nlines;
		}
		if (nbuf + n > abuf) {
			abuf = abuf ? 2 * abuf : 1 << 20;
			buf = realloc(buf, abuf);
		}
		if (nlines == alines) {
			alines = alines ? 2 * alines : 1 << 16;
			lines = realloc(lines, alines * sizeof(*lines));
		}
		if (!buf || !lines) {
			perror("insn-check");
			return 2;
		}
		lines[nlines++] = (struct line){ .addr = addr, .at = nbuf, .len = n, .text = strdup(text) };
		memcpy(buf + nbuf, b, n);
		nbuf += n;
		next = addr + n;
	}
	for (i = run; i < nlines; i++)
		lines[i].end = nbuf;

	for (i = 0; i < nlines; i++) {
		struct line *l = &lines[i];
		struct insn_info in;
		size_t k;

		/*
		 * What objdump cannot decode either: data in text, padding; and
		 * prefixes it prints alone ("rex.W", "lock rex") because a legacy
		 * prefix or another REX follows a REX: the CPU ignores such a REX
		 * and decodes one instruction.
		 */
		if (strstr(l->text, "(bad)") || !strncmp(l->text, ".byte", 5) ||
		    only_prefixes(buf + l->at, l->len)) {
			skipped++;
			continue;
		}
		checked++;
		insn_decode(INSN_X86_64, buf + l->at, l->end - l->at, &in);
		if ((size_t)in.len == l->len)
			continue;
		/*
		 * objdump prints fwait and the x87 instruction after it as one
		 * (fstcw = wait; fnstcw).  They are two instructions to the CPU
		 * and to the kernel's decoder, so check the second on its own.
		 */
		if (in.len == 1 && buf[l->at] == 0x9b && l->len > 1) {
			struct insn_info next;

			insn_decode(INSN_X86_64, buf + l->at + 1, l->end - l->at - 1, &next);
			if ((size_t)next.len + 1 == l->len)
				continue;
		}
		if (++bad <= 50) {
			printf("%lx:", l->addr);
			for (k = 0; k < l->len; k++)
				printf(" %02x", buf[l->at + k]);
			printf("\t%s\t(objdump %zu, insn_decode %d%s%s)\n", l->text, l->len, in.len,
			       in.why ? ": " : "", in.why ? in.why : "");
		}
	}
	printf("%zu instructions checked, %zu mismatches, %zu skipped\n", checked, bad, skipped);
	/* Freed, so a run under LeakSanitizer (make test SAN=1) reports only real leaks. */
	for (i = 0; i < nlines; i++)
		free(lines[i].text);
	free(lines);
	free(buf);
	free(s);
	return bad || !checked;
}
