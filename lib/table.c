/*
 * table.c - read a virtusertable source table and check every line.
 *
 * Exports table_load(), table_check_later(), table_from_map(),
 * table_lookup(), table_match(), table_patterns() and table_free().
 * The rules are makemap's: one entry a line, the key up to the first
 * blank, then blanks, then the value; "#" lines and empty lines are
 * skipped; a line that opens with a blank, a key without value and a
 * duplicate key are errors. On top of that every key and value must be
 * one that routes (vut_check_key, vut_check_value), and CR, NUL and
 * over-long lines are refused. A key /REGEX/FLAGS is a pattern (see
 * pattern.c): it may hold blanks, is never folded, must compile, and is
 * numbered in file order. All problems are reported, not just the first.
 * With TABLE_CHECK_LATER the keys and values that are addresses are not
 * checked at load; table_check_later() counts their problems, for a
 * caller that reads the table again to report them.
 */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "bigmem.h"
#include "fnv.h"
#include "map.h"
#include "pattern.h"
#include "slurp.h"
#include "table.h"
#include "vut.h"
#include "workpool.h"

/* The index: entry number + 1 (0: free) and a hash of its key. */
typedef struct TABLE_SLOT {
    uint32_t entry;
    uint32_t hash;
} TABLE_SLOT;

/* The slot of INDEX holding KEY, or the free slot where it would go. */
static TABLE_SLOT *find_slot(const TABLE *t, TABLE_SLOT *index, const char *key,
			             uint32_t hash)
{
    size_t  i = hash & t->index_mask;
    TABLE_SLOT *s;

    for (s = index + i; s->entry; s = index + (i = (i + 1) & t->index_mask))
	if (s->hash == hash && strcmp(t->entries[s->entry - 1].key, key) == 0)
	    break;
    return (s);
}

/* Room for at most N entries. */
static int table_alloc(TABLE *t, size_t n)
{
    if ((t->entries = malloc((n ? n : 1) * sizeof(TABLE_ENTRY))) == 0)
	return (-1);
    bigmem_advise(t->entries, n * sizeof(TABLE_ENTRY));
    return (0);
}

/*
 * The lazy caches (the lookup index, the compiled patterns) are built
 * by the first caller under this lock and published complete: readers
 * in other threads (maptool verify -j) see either nothing or all of it.
 */
static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;

/* The lookup index, built on first use: compile never needs it. */
static TABLE_SLOT *build_index(TABLE *t)
{
    size_t  size = 16, i;
    TABLE_SLOT *index, *slot;
    uint32_t hash;

    while (size < 2 * t->count)
	size <<= 1;
    if ((index = calloc(size, sizeof(TABLE_SLOT))) == 0)
	return (0);
    t->index_mask = size - 1;		/* read only once INDEX is published */
    for (i = 0; i < t->count; i++) {
	hash = fnv32(t->entries[i].key);
	slot = find_slot(t, index, t->entries[i].key, hash);
	if (slot->entry == 0) {			/* the first of duplicates wins */
	    slot->entry = i + 1;
	    slot->hash = hash;
	}
    }
    return (index);
}

/* The index, built once whatever the number of threads asking. */
static TABLE_SLOT *table_index(TABLE *t)
{
    TABLE_SLOT *index = __atomic_load_n(&t->index, __ATOMIC_ACQUIRE);

    if (index)
	return (index);
    pthread_mutex_lock(&lazy_lock);
    if ((index = t->index) == 0 && (index = build_index(t)) != 0)
	__atomic_store_n(&t->index, index, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&lazy_lock);
    return (index);
}

static size_t count_lines(const char *text, size_t len)
{
    size_t  n = 1;
    const char *p = text, *end = text + len;

    while ((p = memchr(p, '\n', end - p)) != 0) {
	n++;
	p++;
    }
    return (n);
}

#define TABLE_SPLIT_SIZE	(1u << 20)	/* below: one thread is quicker */

/* A problem found while loading, reported once all lines are read. */
typedef struct HELD_PROBLEM {
    unsigned line;
    int     is_error;
    char   *why;
} HELD_PROBLEM;

/*
 * A stretch of the text read by one thread: its lines, its room for
 * entries, its problems (table_from_map() uses one for the problems).
 */
typedef struct TEXT_PART {
    char   *start, *end;		/* the lines it reads */
    unsigned first_line;
    int     flags;
    TABLE_ENTRY *entries;		/* where its entries go */
    size_t  count;
    HELD_PROBLEM *problems;
    size_t  nproblems, cap;
    int     errors, warnings;
} TEXT_PART;

/* Keep a problem of LD for flush_problems(). */
static void hold_problem(TEXT_PART *ld, unsigned line, int is_error, const char *why)
{
    HELD_PROBLEM *grown;

    if (ld->nproblems == ld->cap) {
	ld->cap = ld->cap ? ld->cap * 2 : 16;
	if ((grown = realloc(ld->problems, ld->cap * sizeof(*grown))) == 0) {
	    ld->cap = ld->nproblems;
	    ld->errors++;			/* never lose the fact */
	    return;
	}
	ld->problems = grown;
    }
    ld->problems[ld->nproblems].line = line;
    ld->problems[ld->nproblems].is_error = is_error;
    ld->problems[ld->nproblems].why = strdup(why);
    ld->nproblems++;
    if (is_error)
	ld->errors++;
    else
	ld->warnings++;
}

static void complain(TEXT_PART *ld, unsigned line, const char *fmt,...)
{
    char    why[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    hold_problem(ld, line, 1, why);
}

static void warn(TEXT_PART *ld, unsigned line, const char *why)
{
    hold_problem(ld, line, 0, why);
}

/* Report LD's problems in the order found; count them in T. */
static void flush_problems(TABLE *t, TEXT_PART *ld, REPORT_FN report, void *ctx)
{
    size_t  i;

    for (i = 0; i < ld->nproblems; i++) {
	report(ctx, t->name, ld->problems[i].line, ld->problems[i].is_error,
	       ld->problems[i].why ? ld->problems[i].why : "out of memory");
	free(ld->problems[i].why);
    }
    free(ld->problems);
    t->errors += ld->errors;
    t->warnings += ld->warnings;
}

/* Checks that need the raw bytes of the line. */
static const char *raw_line_problem(const char *line, size_t len)
{
    if (memchr(line, 0, len))
	return ("NUL byte in line");
    if (len > TABLE_MAX_LINE)
	return ("line too long (1023 bytes at most)");
    if (memchr(line, '\r', len))
	return ("carriage return in line (DOS line ending?)");
    if (line[0] == ' ' || line[0] == '\t')
	return ("line starts with white space (makemap has no continuation lines)");
    return (0);
}

/* Entries go into room sized in advance by table_alloc(). */
static void add_entry(TEXT_PART *ld, const char *key, const char *value, unsigned line)
{
    TABLE_ENTRY *e = ld->entries + ld->count++;

    e->key = key;
    e->value = value;
    e->line = line;
    e->seq = 0;
}

/*
 * Sort the entries by map rank, which also brings equal keys together:
 * each key after the first of its rank run that equals an earlier one
 * is a duplicate.
 */
static int find_duplicates(TABLE *t, TEXT_PART *ld)
{
    size_t  i, j, k;

    if ((t->order = malloc((t->count ? t->count : 1) * sizeof(RANKED))) == 0)
	return (-1);
    bigmem_advise(t->order, t->count * sizeof(RANKED));
    for (i = 0; i < t->count; i++) {
	t->order[i].entry = i;
	t->order[i].rank = map_hash_rank(t->entries[i].key, 0);
    }
    if (rank_sort(t->order, t->count) < 0)
	return (-1);
    for (i = 0; i < t->count; i = j) {
	for (j = i + 1; j < t->count && t->order[j].rank == t->order[i].rank; j++) {
	    const TABLE_ENTRY *e = t->entries + t->order[j].entry;

	    for (k = i; k < j; k++) {
		const TABLE_ENTRY *first = t->entries + t->order[k].entry;

		if (strcmp(first->key, e->key) == 0) {
		    complain(ld, e->line, "duplicate key %s (first at line %u)",
			     e->key, first->line);
		    break;
		}
	    }
	}
    }
    return (0);
}

/* A pattern line: KEY_LEN bytes of /REGEX/FLAGS, then the value. */
static void parse_pattern(TEXT_PART *ld, char *line, size_t key_len, unsigned lineno)
{
    char    why[512], *value = line + key_len;
    const char *warning;

    if (*value)
	*value++ = 0;
    value += strspn(value, " \t");
    if (*value == 0) {
	complain(ld, lineno, "key %s has no value", line);
	return;
    }
    if (pattern_check(line, value, why, sizeof(why), &warning) < 0) {
	complain(ld, lineno, "%s", why);
	return;
    }
    if (warning)
	warn(ld, lineno, warning);
    add_entry(ld, line, value, lineno);
}

/* Is the key that opens LINE a pattern? Its length, or 0. */
static size_t pattern_line(char *line)
{
    size_t  len = pattern_key_length(line);
    char    saved;
    int     is_key;

    if (len == 0)
	return (0);
    saved = line[len];
    line[len] = 0;
    is_key = pattern_is_key(line);
    line[len] = saved;
    return (is_key ? len : 0);
}

/* Split one line (NUL-terminated, in place) into key and value. */
static void parse_line(TEXT_PART *ld, char *line, size_t len, unsigned lineno,
		               int flags)
{
    const char *problem, *warning;
    char   *value;
    size_t  key_len;

    if (len == 0 || line[0] == '#')
	return;
    if ((problem = raw_line_problem(line, len)) != 0) {
	complain(ld, lineno, "%s", problem);
	return;
    }
    if ((key_len = pattern_line(line)) != 0) {
	parse_pattern(ld, line, key_len, lineno);
	return;
    }
    value = line + strcspn(line, " \t");
    if (*value)
	*value++ = 0;
    value += strspn(value, " \t");
    if (*value == 0) {
	complain(ld, lineno, "key %s has no value", line);
	return;
    }
    if (line[0] == '/' && strchr(line, '@') == 0) {
	complain(ld, lineno, "pattern %s has no closing /", line);
	return;
    }
    if (!(flags & TABLE_KEEP_CASE))
	addr_fold(line, line);
    if (flags & TABLE_CHECK_LATER) {
	add_entry(ld, line, value, lineno);	/* table_check_later() */
	return;
    }
    if ((problem = vut_check_key(line)) != 0) {
	complain(ld, lineno, "key %s: %s", line, problem);
	return;
    }
    if ((problem = vut_check_value(value, &warning)) != 0) {
	complain(ld, lineno, "value for %s: %s", line, problem);
	return;
    }
    if (warning)
	warn(ld, lineno, warning);
    add_entry(ld, line, value, lineno);
}

size_t  table_check_later(const TABLE *t)
{
    const TABLE_ENTRY *e;
    const char *warning;
    size_t  problems = 0;

    for (e = t->entries; e < t->entries + t->count; e++) {
	if (e->seq)				/* a pattern: checked at load */
	    continue;
	if (vut_check_key(e->key) != 0 || vut_check_value(e->value, &warning) != 0
	    || warning != 0)
	    problems++;
    }
    return (problems);
}

/* Read every line of part JOB of ARG; runs in a thread of its own. */
static void load_lines(void *arg, size_t job)
{
    TEXT_PART *ld = (TEXT_PART *) arg + job;
    char   *line, *nl;
    unsigned lineno = ld->first_line;

    for (line = ld->start; line < ld->end; line = nl + 1, lineno++) {
	if ((nl = memchr(line, '\n', ld->end - line)) == 0)
	    nl = ld->end;
	*nl = 0;
	parse_line(ld, line, nl - line, lineno, ld->flags);
    }
}

/*
 * Check the lines in two halves, one per core, when the table is large;
 * the second half's entries then move down behind the first's.
 */
static void load_all_lines(TABLE *t, int flags, REPORT_FN report, void *ctx)
{
    TEXT_PART ld[2];
    char   *text = t->text, *end = t->text + t->text_size, *mid = end, *nl;
    int     i;

    memset(ld, 0, sizeof(ld));
    if (t->text_size > TABLE_SPLIT_SIZE
	&& (nl = memchr(text + t->text_size / 2, '\n', end - text - t->text_size / 2)) != 0)
	mid = nl + 1;
    for (i = 0; i < 2; i++) {
	ld[i].flags = flags;
	ld[i].start = i ? mid : text;
	ld[i].end = i ? end : mid;
    }
    ld[0].first_line = 1;
    ld[0].entries = t->entries;
    ld[1].first_line = count_lines(text, mid - text);
    ld[1].entries = t->entries + ld[1].first_line - 1;
    workpool_run(load_lines, ld, 2, mid < end ? 2 : 1);
    memmove(t->entries + ld[0].count, ld[1].entries, ld[1].count * sizeof(TABLE_ENTRY));
    t->count = ld[0].count + ld[1].count;
    for (i = 0; i < 2; i++)
	flush_problems(t, ld + i, report, ctx);
}

/* Number the patterns in file order, the order they are tried in. */
static void number_patterns(TABLE *t, TEXT_PART *ld)
{
    TABLE_ENTRY *e;

    for (e = t->entries; e < t->entries + t->count; e++) {
	if (!pattern_is_key(e->key))
	    continue;
	if (t->npatterns == PATTERN_MAX) {
	    complain(ld, e->line, "more than %d patterns", PATTERN_MAX);
	    return;
	}
	e->seq = ++t->npatterns;
    }
}

TABLE  *table_load(const char *path, int flags, REPORT_FN report, void *ctx)
{
    TEXT_PART  ld;
    TABLE  *t;
    char    err[256];
    size_t  len;

    if ((t = calloc(1, sizeof(*t))) == 0
	|| (t->name = strdup(strcmp(path, "-") ? path : "(stdin)")) == 0) {
	free(t);
	report(ctx, path, 0, 1, "out of memory");
	return (0);
    }
    if ((t->text = slurp_file(path, SLURP_STDIN, &len, err, sizeof(err))) == 0) {
	report(ctx, t->name, 0, 1, err);
	table_free(t);
	return (0);
    }
    t->text_size = len;
    if (table_alloc(t, count_lines(t->text, len)) < 0) {
	report(ctx, t->name, 0, 1, "out of memory");
	table_free(t);
	return (0);
    }
    load_all_lines(t, flags, report, ctx);
    memset(&ld, 0, sizeof(ld));
    number_patterns(t, &ld);
    if (find_duplicates(t, &ld) < 0)
	complain(&ld, 0, "out of memory");
    flush_problems(t, &ld, report, ctx);
    return (t);
}

/* Map entries, gathered into one buffer as "key\0value\0" pairs. */
typedef struct GATHER {
    char   *buf;
    size_t  len, cap;
    size_t  count;
} GATHER;

static int gather_entry(void *ctx, const char *key, const char *value)
{
    GATHER *g = ctx;
    size_t  need = strlen(key) + strlen(value) + 2;
    char   *grown;

    while (g->len + need > g->cap) {
	g->cap = g->cap ? g->cap * 2 : 1 << 16;
	if ((grown = realloc(g->buf, g->cap)) == 0)
	    return (-1);
	g->buf = grown;
    }
    memcpy(g->buf + g->len, key, strlen(key) + 1);
    g->len += strlen(key) + 1;
    memcpy(g->buf + g->len, value, strlen(value) + 1);
    g->len += strlen(value) + 1;
    g->count++;
    return (0);
}

/* Check a map entry as a table line would be; report with its key. */
static void check_map_entry(TEXT_PART *ld, const char *key, const char *value)
{
    const char *problem = 0, *warning = 0;
    char    why[512];

    if (pattern_is_key(key)) {
	if (pattern_check(key, value, why, sizeof(why), &warning) < 0)
	    problem = why;
    } else if ((problem = vut_check_key(key)) == 0) {
	problem = vut_check_value(value, &warning);
    }
    if (problem) {
	complain(ld, 0, "key %s: %s", key, problem);
    } else if (warning) {
	char    line[1024];

	snprintf(line, sizeof(line), "key %s: %s", key, warning);
	warn(ld, 0, line);
    }
}

TABLE  *table_from_map(MAP *map, REPORT_FN report, void *ctx)
{
    GATHER  g;
    TEXT_PART  ld;
    TABLE  *t;
    char   *p;
    size_t  i;

    memset(&g, 0, sizeof(g));
    if ((t = calloc(1, sizeof(*t))) == 0 || (t->name = strdup(map_path(map))) == 0
	|| map_walk(map, gather_entry, &g) != 0) {
	report(ctx, map_path(map), 0, 1, "cannot read the whole map");
	free(g.buf);
	table_free(t);
	return (0);
    }
    memset(&ld, 0, sizeof(ld));
    t->text = g.buf;
    t->text_size = g.len;
    if (table_alloc(t, g.count) < 0) {
	report(ctx, t->name, 0, 1, "out of memory");
	table_free(t);
	return (0);
    }
    ld.entries = t->entries;
    for (p = g.buf, i = 0; i < g.count; i++) {
	const char *key = p, *value = p + strlen(p) + 1;
	unsigned seq = 0;

	p = (char *) value + strlen(value) + 1;
	if (pattern_is_key(key) && pattern_parse_stored(value, &seq, &value) < 0) {
	    complain(&ld, 0, "key %s: a stored pattern's value must open with "
		     "its %d-digit number", key, PATTERN_SEQ_WIDTH);
	    continue;
	}
	check_map_entry(&ld, key, value);
	add_entry(&ld, key, value, 0);
	if ((ld.entries[ld.count - 1].seq = seq) != 0)
	    t->npatterns++;
    }
    t->count = ld.count;
    flush_problems(t, &ld, report, ctx);
    return (t);
}

int     table_lookup(void *ctx, const char *key, char **value)
{
    TABLE  *t = ctx;
    TABLE_SLOT *index, *slot;

    if ((index = table_index(t)) == 0)
	return (-1);
    slot = find_slot(t, index, key, fnv32(key));
    if (slot->entry == 0)
	return (0);
    if ((*value = strdup(t->entries[slot->entry - 1].value)) == 0)
	return (-1);
    return (1);
}

/* The table's patterns compiled, or null when that fails. */
static struct PATTERN_SET *compile_patterns(const TABLE *t)
{
    struct PATTERN_SET *set;
    char    err[512];
    size_t  i;

    if ((set = pattern_set_create()) == 0)
	return (0);
    for (i = 0; i < t->count; i++)
	if (t->entries[i].seq
	    && pattern_set_add(set, t->entries[i].key, t->entries[i].value,
			       t->entries[i].seq) < 0)
	    break;
    if (i < t->count || pattern_set_finish(set, err, sizeof(err)) < 0) {
	pattern_set_free(set);
	return (0);
    }
    return (set);
}

/* Compiled once, and published only when complete (see lazy_lock). */
struct PATTERN_SET *table_patterns(TABLE *t)
{
    struct PATTERN_SET *set = __atomic_load_n(&t->patterns, __ATOMIC_ACQUIRE);

    if (set || t->npatterns == 0)
	return (set);
    pthread_mutex_lock(&lazy_lock);
    if ((set = t->patterns) == 0 && (set = compile_patterns(t)) != 0)
	__atomic_store_n(&t->patterns, set, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&lazy_lock);
    return (set);
}

int     table_match(void *ctx, const char *address, char **value, char *trace,
		            size_t tracelen)
{
    TABLE  *t = ctx;
    struct PATTERN_SET *set = 0;

    if (t->npatterns && (set = table_patterns(t)) == 0) {
	*value = strdup("cannot compile the table's patterns");
	return (-1);
    }
    return (pattern_set_match(set, address, value, trace, tracelen));
}

void    table_free(TABLE *t)
{
    if (t == 0)
	return;
    pattern_set_free(t->patterns);
    free(t->index);
    free(t->order);
    free(t->entries);
    free(t->text);
    free(t->name);
    free(t);
}
