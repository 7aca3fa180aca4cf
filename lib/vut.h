#ifndef VUT_H_INCLUDED
#define VUT_H_INCLUDED

/*
 * vut.h - resolve a recipient through virtusertable maps, exactly as
 * sendmail's FEATURE(virtusertable) does, plus pattern and list entries.
 * This is the one place the routing rules live: maptool and the milter
 * both call vut_resolve().
 */
#include <stddef.h>
#include "reply.h"

/*
 * One source of entries. lookup() returns 1 with *value set to a
 * malloc()ed, NUL-terminated value, 0 when KEY is absent, or -1 when the
 * source cannot be read (then *value is a malloc()ed reason or null).
 * KEY is already folded to lower case.
 */
typedef struct VUT_SOURCE {
    int     (*lookup) (void *ctx, const char *key, char **value);
    /* Null, or: can any key of this source end in @DOMAIN (folded)? */
    int     (*serves) (void *ctx, const char *domain);
    void   *ctx;
    const char *name;			/* for traces and errors */

    /*
     * Null, or the source's pattern entries: try them in file order
     * against ADDRESS (local@domain as the sender wrote it). 1 with
     * *value set to the malloc()ed value of the first that matches, its
     * captures filled in; 0 when none matches; -1 when matching failed
     * (*value a malloc()ed reason naming the pattern, or null). TRACE,
     * when not null, receives a line on what matched or was tried.
     */
    int     (*match) (void *ctx, const char *address, char **value,
		              char *trace, size_t tracelen);
} VUT_SOURCE;

typedef enum VUT_STATUS {
    VUT_NONE,				/* no entry applies: leave it alone */
    VUT_FORWARD,			/* replace by rcpt[0..nrcpt-1] */
    VUT_REJECT,				/* answer with reply */
    VUT_ERROR,				/* cannot say: tempfail */
} VUT_STATUS;

typedef struct VUT_RESULT {
    VUT_STATUS status;
    char  **rcpt;			/* VUT_FORWARD: new recipients */
    size_t  nrcpt;
    int     dropped;			/* VUT_FORWARD: error: members left out */
    REPLY   reply;			/* VUT_REJECT, and VUT_ERROR's 451 */
    char    why[256];			/* VUT_ERROR: what went wrong */
} VUT_RESULT;

typedef void (*VUT_TRACE_FN) (void *ctx, const char *line);

typedef struct VUT {
    const VUT_SOURCE *sources;		/* tried in order for every key */
    size_t  nsources;
    int     max_hops;			/* most rewrites; VUT_MAX_HOPS */
    size_t  max_rcpt;			/* default VUT_MAX_RCPT */
    VUT_TRACE_FN trace;			/* null: no trace */
    void   *trace_ctx;
} VUT;

#define VUT_MAX_HOPS	20
#define VUT_HOPS_LIMIT	100		/* the most max_hops may be */
#define VUT_MAX_RCPT	1000
#define VUT_WORK_FACTOR	10		/* addresses resolved per max_rcpt */

/* Initialise VUT with defaults over SOURCES. */
extern void vut_init(VUT *vut, const VUT_SOURCE *sources, size_t nsources);

/*
 * Resolve ADDRESS (an RFC 5321 path, brackets optional). A malformed
 * address gives VUT_REJECT 501 5.1.3. Always fills RES; the caller
 * releases it with vut_result_free().
 */
extern VUT_STATUS vut_resolve(const VUT *vut, const char *address,
			              VUT_RESULT *res);
extern void vut_result_free(VUT_RESULT *res);

/*
 * Table checks, the same rules the resolver follows: null when KEY
 * (folded) or VALUE can route, else a static reason. vut_check_value()
 * sets *WARN to a warning for a value that routes, but not as meant.
 */
extern const char *vut_check_key(const char *key);

/* Split a value into members in place: see vut.c. */
extern char *vut_next_member(char **cursor);
extern const char *vut_check_value(const char *value, const char **warn);

#endif
