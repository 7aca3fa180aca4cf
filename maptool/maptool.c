/*
 * maptool.c - command dispatch for maptool(8).
 *
 * maptool compiles virtusertable tables into Berkeley DB maps that
 * sendmail reads too, dumps and queries them, and checks them for loops
 * and mistakes; from a topology file it builds every server's tables
 * (build), proves them (verify), puts a build in place (install) and
 * compares the live DNS with a build (dnscheck).
 * Each command lives in its own file; all routing rules live in lib/,
 * the topology in topology/.
 */
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include "maptool.h"

const char *progname = "maptool";

typedef struct COMMAND {
    const char *name;
    int     (*run) (int argc, char **argv);
    const char *synopsis;
} COMMAND;

static const COMMAND commands[] = {
    {"compile", cmd_compile, "compile [-t hash|btree] [-N] [-f] [-o OUT.db] TABLE|-"},
    {"dump", cmd_dump, "dump DB"},
    {"query", cmd_query, "query [--trace] [-H hops] DB ADDRESS...|-"},
    {"check", cmd_check, "check [-f] TABLE|DB"},
    {"build", cmd_build, "build [-k] [-s samples] [-j threads] [--follow [--poll SECONDS] "
    "[--max-backoff SECONDS] [--status-file FILE] [--metrics-file FILE] "
    "[--install TABLE=DEST.db]...] TOPOLOGY -o DIR | build --status [--status-file FILE] -o DIR"},
    {"verify", cmd_verify, "verify [-t TOPOLOGY] [-s samples] [-j threads] [-p max] DIR"},
    {"install", cmd_install, "install SRC.db DEST.db"},
    {"diff", cmd_diff, "diff [-a] OLD NEW   (two builds, or two maps)"},
    {"dnscheck", cmd_dnscheck, "dnscheck [--server ADDR[@PORT]] [--trust-anchor FILE] "
    "[--timeout SECONDS] [--max-queries N] [--fetch-policy [--ca-file FILE]] TOPOLOGY|DIR"},
    {0, 0, 0},
};

static void usage(FILE *fp)
{
    const COMMAND *c;

    fprintf(fp, "usage:\n");
    for (c = commands; c->name; c++)
	fprintf(fp, "  %s %s\n", progname, c->synopsis);
    fprintf(fp, "  %s --help | --version\nSee maptool(8).\n", progname);
}

void    usage_error(const char *fmt,...)
{
    va_list ap;

    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    usage(stderr);
}

/*
 * The value of a numeric option: a whole number from MIN to MAX, or -1
 * after a usage error naming CMD and OPT.
 */
int     option_number(const char *cmd, const char *opt, const char *arg,
		              int min, int max)
{
    char   *end;
    long    n;

    errno = 0;
    n = strtol(arg, &end, 10);
    if (*arg == 0 || *end || errno || n < min || n > max) {
	usage_error("%s: %s takes a number from %d to %d", cmd, opt, min, max);
	return (-1);
    }
    return ((int) n);
}

/* Print a table problem as FILE:LINE: why, the form editors jump to. */
void    report_to_stderr(void *ctx, const char *file, unsigned line, int is_error,
		            const char *why)
{
    (void) ctx;
    if (line)
	fprintf(stderr, "%s:%u: %s%s\n", file, line, is_error ? "" : "warning: ", why);
    else
	fprintf(stderr, "%s: %s%s\n", file, is_error ? "" : "warning: ", why);
}

int     main(int argc, char **argv)
{
    const COMMAND *c;

    if (argc < 2) {
	usage(stderr);
	return (EX_USAGE);
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
	usage(stdout);
	return (0);
    }
    if (strcmp(argv[1], "--version") == 0) {
	printf("maptool (mailswitch) %s\n", MAILSWITCH_VERSION);
	return (0);
    }
    for (c = commands; c->name; c++)
	if (strcmp(argv[1], c->name) == 0)
	    return (c->run(argc - 1, argv + 1));
    usage_error("unknown command: %s", argv[1]);
    return (EX_USAGE);
}
