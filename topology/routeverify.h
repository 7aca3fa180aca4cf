#ifndef ROUTEVERIFY_H_INCLUDED
#define ROUTEVERIFY_H_INCLUDED

/*
 * routeverify.h - prove that a build's tables route every address of a
 * topology where it belongs, by resolving through the compiled maps.
 */
#include <stdio.h>
#include "table.h"
#include "topology.h"

typedef struct VERIFY_OPTS {
    const char *dir;			/* the build directory */
    const char *name;			/* what to call it (null: dir) */
    int     samples;			/* unknown addresses per entry point */
    int     threads;			/* 0: one per CPU, at most 8 */
    int     max_problems;		/* shown; all are counted */
    FILE   *out;			/* the summary */
    TABLE_REPORT_FN report;		/* problems reading the build */
    void   *ctx;
} VERIFY_OPTS;

/*
 * Verify the build in OPTS->dir against TOPO (null: load the topology
 * the build's servers file names). Prints the problems and a summary to
 * OPTS->out. Returns 0 when everything is proved, 1 when a problem was
 * found, -1 when the build cannot be read (reported).
 */
extern int route_verify(const VERIFY_OPTS *opts, const TOPOLOGY *topo);

#endif
