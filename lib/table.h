#ifndef TABLE_H_INCLUDED
#define TABLE_H_INCLUDED

/*
 * table.h - virtusertable source text, read and checked in memory.
 */
#include <stddef.h>
#include <stdint.h>
#include "rank.h"
#include "report.h"

#define TABLE_MAX_LINE	1023		/* makemap's limit, newline excluded */

typedef struct TABLE_ENTRY {
    const char *key;			/* folded unless TABLE_KEEP_CASE */
    const char *value;			/* as written */
    unsigned line;
    unsigned seq;			/* a /pattern/: 1, 2, ... in order */
} TABLE_ENTRY;

typedef struct TABLE {
    char   *name;			/* for messages; "-" is stdin */
    char   *text;			/* the whole file, split in place */
    size_t  text_size;
    TABLE_ENTRY *entries;
    size_t  count;
    RANKED *order;			/* entries by map_hash_rank() */
    struct TABLE_SLOT *index;		/* built by the first lookup, once */
    size_t  index_mask;
    size_t  npatterns;			/* entries with a seq */
    struct PATTERN_SET *patterns;	/* built by the first match, once */
    int     errors;			/* lines refused */
    int     warnings;
} TABLE;

#define TABLE_KEEP_CASE	(1<<0)		/* makemap -f */
#define TABLE_CHECK_LATER (1<<1)	/* table_check_later() checks addresses */

/*
 * Read and check PATH ("-": standard input). Every bad line is reported
 * and counted in errors; the table holds the good entries. Returns null
 * only when the file cannot be read at all (reported).
 */
extern TABLE *table_load(const char *path, int flags, REPORT_FN report,
			         void *ctx);

/*
 * With TABLE_CHECK_LATER, table_load() leaves out the checks of keys and
 * values as addresses (vut_check_key(), vut_check_value()), the bulk of
 * its work: the lines are split, folded and ranked, and every line that
 * gets so far is an entry. table_check_later() then makes those checks
 * (on another thread, say, while the map is written), reporting nothing:
 * the count of entries that would have been refused or warned about. A
 * caller that gets a count, or a table with errors or warnings, loads
 * the table again without the flag for the exact report.
 */
extern size_t table_check_later(const TABLE *t);

/* The entries of MAP as a table, each checked like a table line. */
struct MAP;
extern TABLE *table_from_map(struct MAP *map, REPORT_FN report,
			             void *ctx);

/* VUT_SOURCE lookup and match over a loaded table. */
extern int table_lookup(void *table, const char *key, char **value);
extern int table_match(void *table, const char *address, char **value,
		               char *trace, size_t tracelen);

/* The table's patterns, compiled on first use; null if that failed. */
extern struct PATTERN_SET *table_patterns(TABLE *table);
extern void table_free(TABLE *table);

#endif
