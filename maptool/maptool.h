#ifndef MAPTOOL_H_INCLUDED
#define MAPTOOL_H_INCLUDED

/*
 * maptool.h - the maptool commands; each takes main()'s arguments after
 * the command name and returns an exit status (sysexits.h).
 */
#include <stdio.h>
extern int cmd_compile(int argc, char **argv);
extern int cmd_dump(int argc, char **argv);
extern int cmd_query(int argc, char **argv);
extern int cmd_check(int argc, char **argv);
extern int cmd_build(int argc, char **argv);
extern int cmd_verify(int argc, char **argv);
extern int cmd_install(int argc, char **argv);
extern int cmd_diff(int argc, char **argv);
extern int cmd_dnscheck(int argc, char **argv);

/* Shared by the commands. */
extern const char *progname;
extern void usage_error(const char *fmt,...);
extern int option_number(const char *cmd, const char *opt, const char *arg,
			         int min, int max);
extern void report_to_stderr(void *ctx, const char *file, unsigned line,
			        int is_error, const char *why);

/* verify and build: a problem of the build, and the report (verify.c). */
struct VERIFY_RESULT;
extern void verify_problem(void *ctx, const char *file, unsigned line,
			           int is_error, const char *why);
extern void verify_print(const struct VERIFY_RESULT *result, FILE *out);

/*
 * diff.c: compare the builds (or maps) OLD and NEW and print, per
 * server, the answers that change; at most MAX_LINES change lines (0:
 * all). TOPO: the new build's topology when loaded, or null. Returns 0
 * (no change), 1 (changes) or 2 (error, reported).
 */
struct TOPOLOGY;
extern int diff_builds(const char *old_dir, const char *new_dir,
		               const struct TOPOLOGY *topo, int max_lines, FILE *out);

#endif
