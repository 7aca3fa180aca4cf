/*
 * check.c - maptool check: a table or map checked for loops and mistakes.
 *
 * Exports cmd_check(). The analysis itself is lib/tablecheck.c; this reads
 * the input (a text table, or a .db map) and sets the exit status:
 * 1 when a routing loop exists, 65 when the table does not compile.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include "tablecheck.h"
#include "map.h"
#include "mapprobe.h"
#include "table.h"
#include "maptool.h"

static int ends_with_db(const char *path)
{
    size_t  len = strlen(path);

    return (len > 3 && strcmp(path + len - 3, ".db") == 0);
}

int     cmd_check(int argc, char **argv)
{
    TABLE  *t;
    MAP    *map;
    CHECK_STATS stats;
    char    err[512];
    int     ch, flags = 0, errors;

    optind = 1;
    while ((ch = getopt(argc, argv, "f")) != -1) {
	if (ch != 'f') {
	    usage_error("check: bad option");
	    return (EX_USAGE);
	}
	flags |= TABLE_KEEP_CASE;
    }
    if (optind != argc - 1) {
	usage_error("check: name one TABLE or DB");
	return (EX_USAGE);
    }
    if (ends_with_db(argv[optind])) {
	if ((map = map_open_probed(argv[optind], 0, err, sizeof(err))) == 0) {
	    fprintf(stderr, "%s: %s\n", progname, err);
	    return (EX_NOINPUT);
	}
	t = table_from_map(map, report_to_stderr, 0);
	map_close(map);
    } else {
	t = table_load(argv[optind], flags, report_to_stderr, 0);
    }
    if (t == 0)
	return (EX_NOINPUT);
    check_table(t, report_to_stderr, 0, &stats);
    printf("%s: %zu entr%s, %d error%s, %d warning%s, %d routing loop%s\n",
	   t->name, t->count, t->count == 1 ? "y" : "ies", t->errors, t->errors == 1 ? "" : "s",
	   t->warnings + stats.warnings, t->warnings + stats.warnings == 1 ? "" : "s",
	   stats.loops, stats.loops == 1 ? "" : "s");
    errors = t->errors;
    table_free(t);
    if (stats.loops)
	return (1);
    return (errors ? EX_DATAERR : 0);
}
