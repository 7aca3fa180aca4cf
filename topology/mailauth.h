#ifndef MAILAUTH_H_INCLUDED
#define MAILAUTH_H_INCLUDED

/*
 * mailauth.h - what a domain publishes besides its routes, made from
 * the topology: SPF, DMARC, MTA-STS (record and policy file), TLS-RPT
 * and the TLSA records of the servers' certificates.
 */
#include <stdio.h>
#include "table.h"
#include "topology.h"

#define MAILAUTH_SPF_LOOKUPS	10	/* RFC 7208 4.6.4 */
#define MAILAUTH_SPF_ANSWER	450	/* name + text: one UDP answer (3.4) */
#define MAILAUTH_TXT_STRING	255	/* octets in one TXT string */
#define MAILAUTH_STS_ID		32	/* hex digits of the MTA-STS id */
#define MAILAUTH_TLSA_HEX	64	/* SHA-256, in hex */

/* One record: NAME TYPE DATA, DATA as it is written in a zone. */
typedef struct MAILAUTH_RR {
    char   *name;			/* fully qualified, no final dot */
    const char *type;			/* "TXT" or "TLSA" */
    char   *data;
    const char *comment;		/* what it is, for the zone file */
} MAILAUTH_RR;

typedef struct MAILAUTH {
    MAILAUTH_RR *rr;
    size_t  count;
    char   *policy;			/* mta-sts.txt, or null: no MTA-STS */
    int     errors;
} MAILAUTH;

/*
 * The records of TOPO (loaded without errors). Every problem (too many
 * SPF lookups, an SPF record too long for one answer, a certificate that
 * cannot be read) is reported through REPORT at its topology line and
 * counted in errors; the caller writes nothing when errors is non-zero.
 * Running out of memory exits 71 (xalloc.h).
 */
extern MAILAUTH *mailauth_make(const TOPOLOGY *topo, REPORT_FN report,
			               void *ctx);
extern void mailauth_free(MAILAUTH *auth);

/* The records, for dns.zone; the policy file. 0, or -1: write error. */
extern int mailauth_write_zone(const MAILAUTH *auth, FILE *fp);
extern int mailauth_write_policy(const MAILAUTH *auth, FILE *fp);

/* The parts the verifier shares. */

/* The MTA-STS id of policy text TEXT: MAILAUTH_STS_ID hex digits. */
extern void mailauth_sts_id(const char *text, size_t len,
			            char id[MAILAUTH_STS_ID + 1]);

/*
 * The "3 1 1" TLSA digest of the certificate in PATH (PEM): SHA-256 of
 * its DER SubjectPublicKeyInfo, in hex. 0, or -1 with the reason in ERR.
 */
extern int mailauth_tlsa_digest(const char *path, char hex[MAILAUTH_TLSA_HEX + 1],
				        char *err, size_t errlen);

/*
 * Does SPF term NETWORK ("ADDRESS" or "ADDRESS/LENGTH", IPv4 or IPv6)
 * cover ADDRESS? 0 also when either does not parse.
 */
extern int mailauth_covers(const char *network, const char *address);

/*
 * The Ith server that sends mail for the domain: the switches, the
 * backups, then the branches' servers; null past the last. *ROLE is
 * "switch", "backup" or "branch".
 */
extern const TOPO_HOST *mailauth_sender(const TOPOLOGY *topo, size_t i,
				                const char **role);

/*
 * An SPF record cut into its terms: those that pass (no qualifier, or
 * "+"), without the qualifier; how many DNS lookups its own terms cost
 * (RFC 7208 4.6.4: include, a, mx, ptr, exists, redirect); the
 * domains whose records it takes in (include:, redirect=), which cost
 * their own lookups too; the qualifier of its "all" term, or 0 when it
 * has none.
 */
typedef struct MAILAUTH_SPF {
    char   *copy;			/* the record, cut into terms */
    char  **term;
    size_t  count;
    char  **target;			/* include: and redirect= domains,
					 * whatever their qualifier */
    size_t  ntargets;
    int     lookups;
    int     all;			/* '+', '-', '~', '?' or 0 */
} MAILAUTH_SPF;

extern void mailauth_spf_parse(const char *text, MAILAUTH_SPF *spf);
extern void mailauth_spf_free(MAILAUTH_SPF *spf);

/* Does the record pass ADDRESS of HOST (ip4:, ip6: or a:HOST)? */
extern int mailauth_spf_passes(const MAILAUTH_SPF *spf, const char *host,
			               const char *address);

/* Has it the passing term TERM (e.g. "include:DOMAIN")? */
extern int mailauth_spf_has(const MAILAUTH_SPF *spf, const char *term);

/*
 * The mx: lines of an MTA-STS policy: the pattern of the first such line
 * at or after TEXT in PATTERN (LEN octets at most), with *LINE advanced
 * by the lines passed; returns the text after it, or null when no mx:
 * line is left.
 */
extern const char *mailauth_policy_mx(const char *text, char *pattern,
				              size_t len, unsigned *line);

/* Does policy pattern PATTERN ("host" or "*.domain") match HOST? */
extern int mailauth_mx_matches(const char *pattern, const char *host);

/* Does the policy TEXT name HOST in one of its mx: lines? */
extern int mailauth_policy_names(const char *text, const char *host);

#endif
