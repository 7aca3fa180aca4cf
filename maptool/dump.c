/*
 * dump.c - maptool dump: every entry of a map as KEY<TAB>VALUE.
 *
 * Exports cmd_dump(). The /pattern/ entries come first, in file order
 * and without their stored numbers, then the others as stored: the
 * output compiles back to the same map.
 */
#include <stdio.h>
#include <sysexits.h>
#include "map.h"
#include "mapprobe.h"
#include "pattern.h"
#include "maptool.h"

static int print_entry(void *ctx, const char *key, const char *value)
{
    (void) ctx;
    return (printf("%s\t%s\n", key, value) < 0 ? 1 : 0);
}

/* The entries that are not patterns: those came first. */
static int print_other(void *ctx, const char *key, const char *value)
{
    return (pattern_is_key(key) ? 0 : print_entry(ctx, key, value));
}

int     cmd_dump(int argc, char **argv)
{
    MAP    *map;
    char    err[512];
    int     r;

    if (argc != 2) {
	usage_error("dump: name one DB");
	return (EX_USAGE);
    }
    if ((map = map_open_probed(argv[1], 0, err, sizeof(err))) == 0) {
	fprintf(stderr, "%s: %s\n", progname, err);
	return (EX_NOINPUT);
    }
    if ((r = map_walk_patterns(map, print_entry, 0)) == 0)
	r = map_walk(map, print_other, 0);
    map_close(map);
    if (r > 0 || fflush(stdout) != 0) {
	fprintf(stderr, "%s: write error\n", progname);
	return (EX_IOERR);
    }
    if (r < 0) {
	fprintf(stderr, "%s: %s: cannot read the whole map (corrupt?)\n",
		progname, argv[1]);
	return (EX_DATAERR);
    }
    return (0);
}
