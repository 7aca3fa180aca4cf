/*
 * compile.c - maptool compile: a checked table into a Berkeley DB map.
 *
 * Exports cmd_compile(). Every line is checked before anything is
 * written; on any error the old map stays exactly as it was. A good
 * table is written to a temporary file beside the target and renamed
 * over it (see map_commit()). A /pattern/ is stored under its key as
 * written, its value opened by its number in the file (pattern.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include "map.h"
#include "pattern.h"
#include "rank.h"
#include "table.h"
#include "maptool.h"

typedef struct COMPILE_OPTS {
    int     type;			/* MAP_TYPE_HASH or MAP_TYPE_BTREE */
    int     map_flags;			/* MAP_FLAG_NUL */
    int     table_flags;		/* TABLE_KEEP_CASE */
    const char *output;
    const char *input;
} COMPILE_OPTS;

static int parse_opts(int argc, char **argv, COMPILE_OPTS *o)
{
    int     ch;

    memset(o, 0, sizeof(*o));
    optind = 1;
    while ((ch = getopt(argc, argv, "t:Nfo:")) != -1) {
	switch (ch) {
	case 't':
	    if (strcmp(optarg, "hash") == 0)
		o->type = MAP_TYPE_HASH;
	    else if (strcmp(optarg, "btree") == 0)
		o->type = MAP_TYPE_BTREE;
	    else {
		usage_error("compile: -t takes hash or btree, not %s", optarg);
		return (-1);
	    }
	    break;
	case 'N':
	    o->map_flags |= MAP_FLAG_NUL;
	    break;
	case 'f':
	    o->table_flags |= TABLE_KEEP_CASE;
	    break;
	case 'o':
	    o->output = optarg;
	    break;
	default:
	    usage_error("compile: bad option");
	    return (-1);
	}
    }
    if (optind != argc - 1) {
	usage_error("compile: name one TABLE (or - for standard input)");
	return (-1);
    }
    o->input = argv[optind];
    if (strcmp(o->input, "-") == 0 && o->output == 0) {
	usage_error("compile: reading standard input needs -o OUT.db");
	return (-1);
    }
    return (0);
}

static const TABLE *sort_table;

static int by_key(const void *a, const void *b)
{
    return (strcmp(sort_table->entries[((const RANKED *) a)->entry].key,
		   sort_table->entries[((const RANKED *) b)->entry].key));
}

/* The order to write entries in: by bucket for hash, by key for btree. */
static RANKED *write_order(const TABLE *t, const COMPILE_OPTS *o)
{
    RANKED *order;
    size_t  i;

    if (o->type == MAP_TYPE_HASH && o->map_flags == 0) {
	order = t->order;			/* the table's own */
	((TABLE *) t)->order = 0;
	return (order);
    }
    if ((order = malloc((t->count ? t->count : 1) * sizeof(*order))) == 0)
	return (0);
    for (i = 0; i < t->count; i++) {
	order[i].entry = i;
	order[i].rank = map_hash_rank(t->entries[i].key, o->map_flags);
    }
    if (o->type == MAP_TYPE_BTREE) {
	sort_table = t;
	qsort(order, t->count, sizeof(*order), by_key);
    } else if (rank_sort(order, t->count) < 0) {
	free(order);
	return (0);
    }
    return (order);
}

/* Write E; a pattern's value goes with its number. */
static int put_entry(MAP_WRITER *w, const TABLE_ENTRY *e, char *err, size_t errlen)
{
    char   *stored;
    int     r;

    if (e->seq == 0)
	return (map_put(w, e->key, e->value, err, errlen));
    if ((stored = pattern_store_value(e->seq, e->value)) == 0) {
	snprintf(err, errlen, "out of memory");
	return (-1);
    }
    r = map_put(w, e->key, stored, err, errlen);
    free(stored);
    return (r);
}

static int write_map(const TABLE *t, const COMPILE_OPTS *o, const char *out)
{
    MAP_WRITER *w;
    RANKED *order;
    const TABLE_ENTRY *e;
    char    err[512];
    size_t  i;

    if ((order = write_order(t, o)) == 0) {
	fprintf(stderr, "%s: out of memory\n", progname);
	return (EX_OSERR);
    }

    if ((w = map_create(out, o->type, o->map_flags, t->count,
			t->count ? t->text_size / t->count : 0, err, sizeof(err))) == 0) {
	fprintf(stderr, "%s: %s\n", progname, err);
	free(order);
	return (EX_CANTCREAT);
    }
    for (i = 0; i < t->count; i++) {
	/* The entries are visited out of file order: fetch ahead. */
	if (i + 16 < t->count)
	    __builtin_prefetch(t->entries + order[i + 16].entry);
	if (i + 8 < t->count)
	    __builtin_prefetch(t->entries[order[i + 8].entry].key);
	e = t->entries + order[i].entry;
	if (put_entry(w, e, err, sizeof(err)) < 0) {
	    fprintf(stderr, "%s: %s\n", progname, err);
	    map_abort(w);
	    free(order);
	    return (EX_IOERR);
	}
    }
    free(order);
    if (map_commit(w, err, sizeof(err)) < 0) {
	fprintf(stderr, "%s: %s\n", progname, err);
	return (EX_IOERR);
    }
    return (0);
}

int     cmd_compile(int argc, char **argv)
{
    COMPILE_OPTS o;
    TABLE  *t;
    char   *out;
    int     status;

    if (parse_opts(argc, argv, &o) < 0)
	return (EX_USAGE);
    if ((t = table_load(o.input, o.table_flags, report_line, 0)) == 0)
	return (EX_NOINPUT);
    if (t->errors) {
	fprintf(stderr, "%s: %s: %d error%s, nothing written\n", progname,
		t->name, t->errors, t->errors == 1 ? "" : "s");
	table_free(t);
	return (EX_DATAERR);
    }
    if (t->count == 0)
	report_line(0, t->name, 0, 0, "no entries: the map will be empty");
    if (o.output) {
	status = write_map(t, &o, o.output);
    } else if ((out = malloc(strlen(o.input) + 4)) != 0) {
	sprintf(out, "%s.db", o.input);
	status = write_map(t, &o, out);
	free(out);
    } else {
	status = EX_OSERR;
    }
    table_free(t);
    return (status);
}
