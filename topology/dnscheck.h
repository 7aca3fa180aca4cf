#ifndef DNSCHECK_H_INCLUDED
#define DNSCHECK_H_INCLUDED

/*
 * dnscheck.h - what the live DNS publishes for a domain, compared with
 * what its build says: the queries to ask, and every difference in the
 * answers. Asking is the caller's (maptool dnscheck, with a resolver
 * library); nothing here touches the network.
 */
#include <stddef.h>
#include "table.h"
#include "topology.h"
#include "zone.h"

#define DNSCHECK_MAX_QUERIES	500	/* default bound on the queries */

typedef enum DNSCHECK_STATUS {
    DNSCHECK_PENDING,			/* to be asked */
    DNSCHECK_ANSWER,			/* NOERROR: the records, maybe none */
    DNSCHECK_NXDOMAIN,			/* no such name */
    DNSCHECK_RCODE,			/* another response code (SERVFAIL...) */
    DNSCHECK_BOGUS,			/* DNSSEC validation failed */
    DNSCHECK_TIMEOUT,			/* no answer in time */
    DNSCHECK_FAILED,			/* the resolver could not ask */
    DNSCHECK_UNASKED,			/* past the query limit */
} DNSCHECK_STATUS;

/* One question and, once asked, its answer. */
typedef struct DNSCHECK_QUERY {
    char   *name;			/* folded, no final dot */
    ZONE_TYPE type;
    DNSCHECK_STATUS status;
    int     rcode;			/* DNSCHECK_RCODE */
    int     secure;			/* validated from a trust anchor */
    char   *alias;			/* the CNAME target the answer is
					 * for, when NAME is an alias */
    ZONE_RR *rr;			/* the records of TYPE */
    size_t  count;
    char   *why;			/* BOGUS, TIMEOUT, FAILED: the detail */
    int     reported;			/* its failure is reported */
} DNSCHECK_QUERY;

typedef struct DNSCHECK DNSCHECK;

/*
 * A check of the records in ZONE (what a build's dns.zone says; its path
 * and lines name them in the reports), POLICY (the MTA-STS policy file's
 * text, or null; POLICY_PATH names it) and the sending servers and
 * certificates of TOPO (loaded without errors), asking at most
 * MAX_QUERIES questions. Out of memory exits 71 (xalloc.h).
 */
extern DNSCHECK *dnscheck_create(const TOPOLOGY *topo, const ZONE *zone,
				         const char *policy, const char *policy_path,
				         size_t max_queries);
extern void dnscheck_free(DNSCHECK *check);

/*
 * The next questions to ask: returns how many, the first at index
 * *FIRST; 0 when every question is asked. The first call gives those
 * the build implies; the next, the address questions for MX hosts the
 * answers name and the build does not. The caller answers every query
 * in the range whose status is DNSCHECK_PENDING (dnscheck_query(),
 * dnscheck_add_rr()) before it calls again.
 */
extern size_t dnscheck_pending(DNSCHECK *check, size_t *first);
extern DNSCHECK_QUERY *dnscheck_query(DNSCHECK *check, size_t index);

/* Add record RR (its data is taken over) to Q's answer. */
extern void dnscheck_add_rr(DNSCHECK_QUERY *q, ZONE_RR *rr);

/* How many questions were asked (not counting those past the limit). */
extern size_t dnscheck_asked(const DNSCHECK *check);

/* Of the problems dnscheck_compare() found, the questions unanswered. */
extern size_t dnscheck_unanswered(const DNSCHECK *check);

/*
 * The MTA-STS policy as fetched over HTTPS from URL: its TEXT, or null
 * with WHY the fetch failed. dnscheck_compare() then compares it with
 * the build's policy (version, mode, max_age, mx lines) and with the
 * published MX records, or reports the failure as a question without
 * answer. The strings are the caller's, kept until then.
 */
extern void dnscheck_fetched_policy(DNSCHECK *check, const char *url,
				            const char *text, const char *why);

/*
 * Compare the answers with the build: each difference, and each answer
 * that did not come (timeout, SERVFAIL, bogus), reported once through
 * REPORT at the build's file and line. Returns how many.
 */
extern int dnscheck_compare(DNSCHECK *check, REPORT_FN report, void *ctx);

/*
 * A DMARC record (RFC 7489 6.3) read: its p=, sp= and rua= values, or
 * null when not given, pointing into COPY.
 */
typedef struct DNSCHECK_DMARC {
    char   *copy;
    const char *p, *sp, *rua;
} DNSCHECK_DMARC;

/*
 * Read TEXT as a DMARC record: 0, or -1 with what is wrong in WHY. The
 * caller frees D->copy either way.
 */
extern int dnscheck_dmarc(const char *text, DNSCHECK_DMARC *d, char *why,
			          size_t whylen);

/* The value of tag TAG of a "k=v; k=v" record (MTA-STS id=), or null. */
extern char *dnscheck_tag(const char *text, const char *tag);

#endif
