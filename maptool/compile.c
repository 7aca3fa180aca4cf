/*
 * compile.c - maptool compile: a checked table into a Berkeley DB map.
 *
 * Exports cmd_compile(). Every line is checked before anything is
 * written; on any error the old map stays exactly as it was. A good
 * table is written to a temporary file beside the target and renamed
 * over it (table_write_map(), map_commit()).
 */
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

/* Write T to OUT; the exit status. */
static int write_map(TABLE *t, const COMPILE_OPTS *o, const char *out)
{
    char    err[512];
    int     r;

    if ((r = table_write_map(t, out, o->type, o->map_flags, err, sizeof(err))) == 0)
	return (0);
    fprintf(stderr, "%s: %s\n", progname, err);
    return (r == TABLE_WRITE_CREATE ? EX_CANTCREAT : EX_IOERR);
}

static int compile_table(TABLE *t, const COMPILE_OPTS *o);

int     cmd_compile(int argc, char **argv)
{
    COMPILE_OPTS o;
    TABLE  *t;
    PROGRESS *progress;
    int     status;

    if (parse_opts(argc, argv, &o) < 0)
	return (EX_USAGE);
    progress = progress_start("maptool compile");
    progress_phase(progress, "reading");
    t = table_load(o.input, o.table_flags, report_to_stderr, 0);
    progress_phase(progress, "writing");
    status = t == 0 ? EX_NOINPUT : compile_table(t, &o);
    progress_done(progress);
    table_free(t);
    return (status);
}

/* Write the loaded table T as O asks. */
static int compile_table(TABLE *t, const COMPILE_OPTS *o)
{
    char   *out;
    int     status;

    if (t->errors) {
	fprintf(stderr, "%s: %s: %d error%s, nothing written\n", progname,
		t->name, t->errors, t->errors == 1 ? "" : "s");
	return (EX_DATAERR);
    }
    if (t->count == 0)
	report_to_stderr(0, t->name, 0, 0, "no entries: the map will be empty");
    if (o->output) {
	status = write_map(t, o, o->output);
    } else if ((out = malloc(strlen(o->input) + 4)) != 0) {
	sprintf(out, "%s.db", o->input);
	status = write_map(t, o, out);
	free(out);
    } else {
	status = EX_OSERR;
    }
    return (status);
}
