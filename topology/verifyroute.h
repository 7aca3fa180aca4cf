#ifndef VERIFYROUTE_H_INCLUDED
#define VERIFYROUTE_H_INCLUDED

/*
 * verifyroute.h - follow one address through a build's servers as the
 * network would carry it, and keep the figures of one verify thread.
 */
#include "routeverify.h"
#include "verifyload.h"
#include "vut.h"

#define VERIFY_MAX_HOPS		8	/* servers one message may pass */
#define VERIFY_MAX_ROUTE	8	/* equal-preference MX hosts */
#define MEMO_MAX		32

typedef enum OUT_KIND { OUT_MAILBOX, OUT_EXTERNAL, OUT_REJECT, OUT_PROBLEM } OUT_KIND;

/* Where one recipient ended, relative to the server it arrived at. */
typedef struct OUTCOME {
    unsigned char kind;			/* OUT_KIND */
    unsigned char hops;			/* servers passed after that one */
    unsigned char via_switch;		/* a switch on the way */
    unsigned char loop;			/* it loops, or would pass too many */
    char    code[4];			/* OUT_REJECT */
    int     server;			/* where it ended */
    size_t  what;			/* offset in the worker's strings */
} OUTCOME;

/* A result already followed from a server, while one user is checked. */
typedef struct MEMO {
    int     server;
    size_t  address;			/* folded, in the worker's strings */
    size_t  start, count;		/* in memo_pool */
} MEMO;

/* One server on the path being followed, to notice a loop. */
typedef struct PATH_STEP {
    int     server;
    size_t  address;			/* in the worker's strings */
} PATH_STEP;

/* Per entry point and thread: what became of the addresses sent in. */
typedef struct ENTRY_STATS {
    unsigned long tried, delivered, rejected, problems, via_switch;
    unsigned max_hops;
} ENTRY_STATS;

/* One verify thread: its resolvers, what it followed, its figures. */
typedef struct WORKER {
    VERIFIER *v;
    VUT_SOURCE *sources;		/* per server, SERVER_MAX_MAPS each */
    VUT    *vut;			/* per server */
    OUTCOME *pool, *memo_pool;
    size_t  npool, pool_cap, nmemo_pool, memo_pool_cap;
    char   *strings;			/* per user: names, texts, addresses */
    size_t  nstrings, strings_cap;
    MEMO    memo[MEMO_MAX];
    size_t  nmemo;
    PATH_STEP path[VERIFY_MAX_HOPS + 1];
    int     depth;
    ENTRY_STATS *stats;			/* per entry point */
    char  **shown;			/* problems kept for showing */
    size_t  nshown;
    unsigned long problems[VERIFY_PROMISES];
    unsigned long users_ok, users_bad, unknown_ok, roles_ok, addresses;
    unsigned max_hops;
    size_t  begin, end;			/* its users */
    int     index, nworkers;
} WORKER;

extern void worker_init(WORKER *w, VERIFIER *v, int index, int nworkers);
extern void worker_free(WORKER *w);

/* Start afresh for the next user: memo, strings and outcomes. */
extern void worker_reset(WORKER *w);

/*
 * ADDRESS arrives at SERVER from outside: append where it ends up to
 * W->pool (one OUTCOME per recipient it becomes).
 */
extern void follow_address(WORKER *w, int server, const char *address);

/* A string the worker keeps (OUTCOME.what, MEMO.address). */
extern const char *string_at(const WORKER *w, size_t at);

#endif
