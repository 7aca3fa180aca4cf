/*
 * query.c - maptool query: where each address goes, and why.
 *
 * Exports cmd_query(). One line per address, exactly:
 *	ADDRESS<TAB>forward<TAB>NEW[,NEW...]
 *	ADDRESS<TAB>reject<TAB>CODE<TAB>ENHANCED<TAB>TEXT
 *	ADDRESS<TAB>none
 * --trace adds, before each result, every key tried, the pattern that
 * matched with its captures (or how many were tried), and every hop.
 * A map that cannot be read answers with its 451 and exit status 75; a
 * bad line on standard input is reported and gives exit status 65.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include "map.h"
#include "mapprobe.h"
#include "vut.h"
#include "maptool.h"

#define QUERY_CACHE	(256u << 20)
#define QUERY_MAX_LINE	4096

static void print_trace(void *ctx, const char *line)
{
    (void) ctx;
    printf("  %s\n", line);
}

/* The worse of two exit statuses: a map failure outranks bad input. */
static int worse(int a, int b)
{
    return (a > b ? a : b);
}

/* Print one result line; returns EX_TEMPFAIL when the map failed. */
static int query_one(const VUT *vut, const char *address)
{
    VUT_RESULT res;
    VUT_STATUS status = vut_resolve(vut, address, &res);	/* traces first */
    size_t  i;
    int     failed = 0;

    fputs(address, stdout);
    switch (status) {
    case VUT_NONE:
	fputs("\tnone\n", stdout);
	break;
    case VUT_FORWARD:
	fputs("\tforward\t", stdout);
	for (i = 0; i < res.nrcpt; i++) {
	    if (i)
		putchar(',');
	    fputs(res.rcpt[i], stdout);
	}
	putchar('\n');
	break;
    case VUT_ERROR:
	fprintf(stderr, "%s: %s: %s\n", progname, address, res.why);
	failed = EX_TEMPFAIL;
	/* FALLTHROUGH */
    case VUT_REJECT:
	printf("\treject\t%s\t%s\t%s\n", res.reply.code, res.reply.enhanced,
	       res.reply.text);
	break;
    }
    vut_result_free(&res);
    return (failed);
}

/* Addresses one a line from standard input; a bad line is reported (65). */
static int query_stdin(const VUT *vut)
{
    char   *line = 0;
    size_t  cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    int     failed = 0;

    while ((len = getline(&line, &cap, stdin)) >= 0) {
	lineno++;
	if (len > 0 && line[len - 1] == '\n')
	    line[--len] = 0;
	if ((size_t) len != strlen(line) || len > QUERY_MAX_LINE) {
	    fprintf(stderr, "%s: (stdin):%lu: %s\n", progname, lineno,
		    len > QUERY_MAX_LINE ? "line too long" : "NUL byte in line");
	    failed = worse(failed, EX_DATAERR);
	    continue;
	}
	failed = worse(failed, query_one(vut, line));
    }
    free(line);
    return (failed);
}

int     cmd_query(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"trace", no_argument, 0, 't'},
	{"hops", required_argument, 0, 'H'},
	{0, 0, 0, 0},
    };
    VUT     vut;
    VUT_SOURCE source;
    MAP    *map;
    char    err[512];
    int     ch, trace = 0, hops = VUT_MAX_HOPS, failed = 0, i;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "tH:", longopts, 0)) != -1) {
	switch (ch) {
	case 't':
	    trace = 1;
	    break;
	case 'H':
	    if ((hops = option_number("query", "-H", optarg, 1, 100)) < 0)
		return (EX_USAGE);
	    break;
	default:
	    usage_error("query: bad option");
	    return (EX_USAGE);
	}
    }
    if (argc - optind < 2) {
	usage_error("query: name a DB and one or more addresses (or -)");
	return (EX_USAGE);
    }
    if ((map = map_open_probed(argv[optind], QUERY_CACHE, err, sizeof(err))) == 0) {
	fprintf(stderr, "%s: %s\n", progname, err);
	return (EX_NOINPUT);
    }
    source.lookup = map_lookup;
    source.serves = map_serves;
    source.match = map_match;
    source.ctx = map;
    source.name = map_path(map);
    vut_init(&vut, &source, 1);
    vut.max_hops = hops;
    if (trace)
	vut.trace = print_trace;
    setvbuf(stdout, 0, _IOFBF, 1 << 16);
    for (i = optind + 1; i < argc; i++)
	failed = worse(failed, strcmp(argv[i], "-") == 0 ?
		       query_stdin(&vut) : query_one(&vut, argv[i]));
    map_close(map);
    if (fflush(stdout) != 0) {
	fprintf(stderr, "%s: write error\n", progname);
	return (EX_IOERR);
    }
    return (failed);
}
