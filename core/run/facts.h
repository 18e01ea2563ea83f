/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The zero report: facts about each probe of a run that can explain why it
 * saw no call, each counted (never guessed), ranked, and rendered once.
 * Gatherers add them at the end of a run (core/run/whyzero.c: what filters
 * dropped, processes with their own copy of the function, imports, inlined
 * calls, IFUNCs, who mapped the file; any other code that knows a cause adds
 * its own the same way); facts__print() writes them:
 *
 *   text, on stderr: one line per fact of each probe that saw no call,
 *   most likely first (-v: of every probe shown):
 *     upx trace: libc.so.6:malloc: 0 shown; 1,234 calls dropped by --comm
 *       python3; comms seen: python3.11 1,200, bash 34       (one line)
 *   JSON: one summary object, every probe shown with its facts:
 *     {"summary":{"probes":[{"probe":...,"function":...,"calls":0,
 *       "facts":[{"kind":"filter",...}]}]}}
 *
 * Adding a fact: facts__add(f, probe, RANK, "kind", count, "format", ...)
 * with the count in the words (fact_num() writes 1,234), then
 * fact__item() for each value or process counted, most first; fields of
 * its own for JSON with fact__field().
 */
#ifndef UPX_FACTS_H
#define UPX_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/usage.h"

struct json_writer;
struct plan;

/* How likely a fact explains a zero, most likely first; facts of one rank by count. */
enum fact_rank {
	FACT_RANK_FILTER = 10,	 /* calls reached the probe and a filter dropped them */
	FACT_RANK_COPIES = 20,	 /* running processes map other copies of the file, not traced */
	FACT_RANK_OWN_COPY = 30, /* processes whose own executable defines the function */
	FACT_RANK_IMPORT = 40,	 /* the probe is on an import's PLT stub */
	FACT_RANK_INLINED = 50,	 /* DWARF: the function was inlined where it is called */
	FACT_RANK_IFUNC = 55,	 /* an IFUNC, probed at the implementation picked here */
	FACT_RANK_MAPPED = 60,	 /* which processes mapped the file */
};

/* What an item's number is. */
enum fact_item_kind {
	FACT_ITEM_CALLS,	/* "python3.11 1,200"; JSON {"name":..,"calls":..} */
	FACT_ITEM_PID,		/* "staticprog (pid 812)"; JSON {"name":..,"pid":..} */
};

struct fact_item {
	char *name;		/* the exact bytes (a comm, a path): escaped where written */
	size_t len;
	uint64_t n;
};

#define FACT_FIELDS 4

struct fact {
	int rank;
	const char *kind;	/* "filter", "own_copy", "import", "inlined", "ifunc", "mapped" */
	uint64_t count;		/* what the fact counts: calls dropped, processes, call sites */
	char *text;		/* the fact in words, its count among them */
	/* The values or processes counted, most first (the text shows a few). */
	const char *items_name;	/* "comms seen" (text), "comms_seen" (JSON) */
	enum fact_item_kind item_kind;
	struct fact_item *items;
	size_t nr_items, alloc_items;
	uint64_t others;	/* calls (or processes) counted but under no item */
	/* JSON fields of its own: "filter": "--comm" */
	const char *field_name[FACT_FIELDS];
	char *field_value[FACT_FIELDS];
	int nr_fields;
};

struct probe_facts {
	struct fact *v;
	size_t nr, alloc;
	uint64_t calls;		/* what the run counted or showed */
	bool calls_known;	/* false: not known per probe (lost events, --by without probe) */
	bool shown;		/* in the output (a glob's probe that never fired is not) */
};

struct facts {
	struct probe_facts *probes;	/* one per plan entry */
	size_t nr;
};

struct facts *facts__new(size_t nr_probes);
void facts__free(struct facts *f);
/* What probe saw (calls_known false: unknown) and whether the output shows it. */
void facts__set_calls(struct facts *f, size_t probe, uint64_t calls, bool known, bool shown);
/*
 * A fact of probe; the text is the fact in words (printf-formatted), the
 * count the number it is about.  Returns it, for items and fields.
 */
struct fact *facts__add(struct facts *f, size_t probe, int rank, const char *kind, uint64_t count,
			const char *fmt, ...) __printf(6, 7);
/* A value or process counted by the fact (items_name says what they are). */
void fact__item(struct fact *fact, const char *name, size_t len, uint64_t n);
void fact__field(struct fact *fact, const char *name, const char *value);
/* Should a fact be looked for?  A probe shown that saw no call; with all (-v, --json) any shown. */
bool facts__wanted(const struct facts *f, size_t probe, bool all);

/*
 * Write the report: with a JSON writer the summary object (every probe
 * shown), else text lines on stderr, prefixed by the probe's label, for the
 * probes that saw no call (all: every probe shown, -v).  Labels and
 * functions come from the plan's entries.
 */
void facts__print(struct facts *f, const struct plan *plan, bool all, struct json_writer *jw);

/* n with thousands separators ("1,234,567") into buf (at least 27 bytes); returns buf. */
const char *fact_num(char *buf, uint64_t n);

#endif
