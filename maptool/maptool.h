#ifndef MAPTOOL_H_INCLUDED
#define MAPTOOL_H_INCLUDED

/*
 * maptool.h - the maptool commands; each takes main()'s arguments after
 * the command name and returns an exit status (sysexits.h).
 */
#include <stddef.h>
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

/*
 * build.c: one build of TOPOLOGY into DIR, checked, written, verified
 * and put in place, as maptool build does; the exit status, and the
 * number of users in *USERS when not null.
 */
typedef struct BUILD_OPTS {
    const char *topology;
    const char *dir;
    int     keep;			/* -k */
    int     samples;			/* -s */
    int     threads;			/* -j; 0: as many as CPUs */
} BUILD_OPTS;
extern int build_once(const BUILD_OPTS *opts, size_t *users);

/*
 * follow.c: maptool build --follow, a build kept current as its sources
 * change, and maptool build --status, what a follower says of itself.
 * A zero field takes the default.
 */
typedef struct FOLLOW_OPTS {
    int     follow;			/* --follow */
    int     status;			/* --status */
    int     poll_ms;			/* --poll SECONDS, as milliseconds */
    int     max_backoff;		/* --max-backoff SECONDS */
    const char *status_file;		/* --status-file; DIR.status */
    const char *metrics_file;		/* --metrics-file; none */
} FOLLOW_OPTS;
extern int follow_run(const BUILD_OPTS *opts, const FOLLOW_OPTS *follow);
extern int follow_status(const BUILD_OPTS *opts, const FOLLOW_OPTS *follow);

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
