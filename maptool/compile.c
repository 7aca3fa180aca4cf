/*
 * compile.c - maptool compile: a checked table into a Berkeley DB map.
 *
 * Exports cmd_compile(). Every line is checked before the map is put in
 * place; on any error the old map stays exactly as it was. A good table
 * is written to a temporary file beside the target and renamed over it
 * (table_write_map(), map_commit()). A table read from a file is split
 * first and its addresses checked on a thread of their own while the
 * map is written (TABLE_CHECK_LATER): the checks take most of the
 * reading, and the writing does not wait for them. A table with any
 * problem at all is read again the ordinary way, for the same messages
 * in the same order, and nothing of the first try is kept.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include "map.h"
#include "table.h"
#include "tablemap.h"
#include "progress.h"
#include "report.h"
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

/* The checks of a table loaded with TABLE_CHECK_LATER, on a thread. */
typedef struct LATER_CHECK {
    TABLE  *t;
    pthread_t thread;
    int     started;			/* the thread runs, or ran */
    size_t  problems;			/* what table_check_later() found */
} LATER_CHECK;

static void *run_later_check(void *arg)
{
    LATER_CHECK *lc = arg;

    lc->problems = table_check_later(lc->t);
    return (0);
}

/* Start the checks; where no thread can be had, make them here. */
static void later_check_start(LATER_CHECK *lc, TABLE *t)
{
    lc->t = t;
    lc->problems = 0;
    lc->started = pthread_create(&lc->thread, 0, run_later_check, lc) == 0;
    if (!lc->started)
	run_later_check(lc);
}

/* Wait for the checks; nonzero when they found a problem. */
static int later_check_done(void *ctx)
{
    LATER_CHECK *lc = ctx;

    if (lc->started) {
	pthread_join(lc->thread, 0);
	lc->started = 0;
    }
    return (lc->problems != 0);
}

/* Write T to OUT, with LC's checks (if any) still to pass; the status. */
static int write_map(TABLE *t, const COMPILE_OPTS *o, const char *out,
		             LATER_CHECK *lc)
{
    char    err[512];
    int     r;

    r = table_write_map_if(t, out, o->type, o->map_flags,
			   lc ? later_check_done : 0, lc, err, sizeof(err));
    if (lc)
	later_check_done(lc);
    if (r == 0 || r == TABLE_WRITE_REFUSED)
	return (r == 0 ? 0 : -1);
    fprintf(stderr, "%s: %s\n", progname, err);
    return (r == TABLE_WRITE_CREATE ? EX_CANTCREAT : EX_IOERR);
}

static int compile_table(TABLE *t, const COMPILE_OPTS *o, int later);

/* The table of O, its addresses unchecked if LATER and it has no problem. */
static TABLE *load_table(const COMPILE_OPTS *o, int *later)
{
    TABLE  *t;

    if (*later) {
	t = table_load(o->input, o->table_flags | TABLE_CHECK_LATER,
		       report_ignore, 0);	/* a table with problems is read again */
	if (t != 0 && t->errors == 0 && t->warnings == 0)
	    return (t);
	table_free(t);				/* null: said again, below */
    }
    *later = 0;
    return (table_load(o->input, o->table_flags, report_to_stderr, 0));
}

int     cmd_compile(int argc, char **argv)
{
    COMPILE_OPTS o;
    TABLE  *t;
    PROGRESS *progress;
    int     status, later;

    if (parse_opts(argc, argv, &o) < 0)
	return (EX_USAGE);
    progress = progress_start("maptool compile");
    later = strcmp(o.input, "-") != 0;		/* standard input: read once */
    for (;;) {				/* twice when the later checks say no */
	progress_phase(progress, "reading");
	t = load_table(&o, &later);
	progress_phase(progress, "writing");
	status = t == 0 ? EX_NOINPUT : compile_table(t, &o, later);
	if (status >= 0)
	    break;
	table_free(t);
	later = 0;
    }
    progress_done(progress);
    table_free(t);
    return (status);
}

/*
 * Write the loaded table T as O asks; with LATER, its addresses are
 * checked while it is written, and -1 means they did not pass.
 */
static int compile_table(TABLE *t, const COMPILE_OPTS *o, int later)
{
    LATER_CHECK lc;
    const char *out = o->output;
    char   *named = 0;
    int     status;

    if (t->errors) {
	fprintf(stderr, "%s: %s: %d error%s, nothing written\n", progname,
		t->name, t->errors, t->errors == 1 ? "" : "s");
	return (EX_DATAERR);
    }
    if (t->count == 0)
	report_to_stderr(0, t->name, 0, 0, "no entries: the map will be empty");
    if (out == 0) {
	if ((named = malloc(strlen(o->input) + 4)) == 0)
	    return (EX_OSERR);
	sprintf(named, "%s.db", o->input);
	out = named;
    }
    if (later)
	later_check_start(&lc, t);
    status = write_map(t, o, out, later ? &lc : 0);
    free(named);
    return (status);
}
