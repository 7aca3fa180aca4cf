#ifndef ROUTEVERIFY_H_INCLUDED
#define ROUTEVERIFY_H_INCLUDED

/*
 * routeverify.h - prove that a build's tables route every address of a
 * topology where it belongs, by resolving through the compiled maps.
 */
#include <stddef.h>
#include "table.h"
#include "topology.h"

typedef struct VERIFY_OPTS {
    const char *dir;			/* the build directory */
    const char *name;			/* what to call it (null: dir) */
    int     samples;			/* unknown addresses per entry point */
    int     threads;			/* 0: one per CPU, at most 8 */
    int     max_problems;		/* kept for showing; all are counted */
    REPORT_FN report;		/* a file of the build cannot be read */
    REPORT_FN problem;		/* the build is inconsistent */
    void   *ctx;			/* for both */
} VERIFY_OPTS;

/* The promises verify proves; a problem breaks one of them. */
typedef enum VERIFY_PROMISE {
    VERIFY_DELIVERY,			/* known address: its user's mailbox */
    VERIFY_UNKNOWN,			/* unknown address: rejected first */
    VERIFY_LOOP,			/* no path loops */
    VERIFY_LOCAL,			/* a branch's own mail: no switch */
    VERIFY_STRUCTURE,			/* servers, zone, branch maps agree */
    VERIFY_PROMISES,
} VERIFY_PROMISE;

/* What became of the addresses sent in at one entry point. */
typedef struct VERIFY_ENTRY {
    char    host[256];			/* the server receiving them */
    char    label[96];			/* "MX 10 example.org", "submission" */
    unsigned long tried, delivered, rejected, via_switch, problems;
    unsigned max_hops;			/* servers passed after this one */
} VERIFY_ENTRY;

/* The figures of one verification, for the caller to print. */
typedef struct VERIFY_RESULT {
    char    name[256];			/* OPTS->name or dir */
    char    domain[256];
    size_t  nbranches, nusers, nroles;
    unsigned long addresses;		/* sent in, over all entry points */
    unsigned long users_ok, users_bad, roles_ok, unknown_ok;
    unsigned max_hops;
    unsigned long problems[VERIFY_PROMISES];	/* all, counted */
    unsigned long reported;		/* of those, through OPTS->problem */
    char  **shown;			/* the first OPTS->max_problems of the
					 * others, "host, entry: address:
					 * wanted ...; got ..." */
    size_t  nshown;
    VERIFY_ENTRY *entries;
    size_t  nentries;
} VERIFY_RESULT;

/*
 * Verify the build in OPTS->dir against TOPO (null: load the topology
 * the build's servers file names). Files that cannot be read go to
 * OPTS->report, inconsistencies of the build to OPTS->problem, the
 * rest into RESULT (free it with verify_result_free()). Returns 0 when
 * everything is proved, 1 when a problem was found, -1 when the build
 * cannot be read (reported; RESULT holds no figures).
 */
extern int route_verify(const VERIFY_OPTS *opts, const TOPOLOGY *topo,
			        VERIFY_RESULT *result);
extern void verify_result_free(VERIFY_RESULT *result);

#endif
