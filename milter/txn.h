#ifndef TXN_H_INCLUDED
#define TXN_H_INCLUDED

/*
 * txn.h - the recipient changes of one message: collected at RCPT,
 * applied at end of message, each resulting address added only once.
 *
 * Additions are not checked against the recipients the milter left
 * alone: a later filter may still reject one of those, and a mailbox
 * that nobody adds would then lose the mail. Both Sendmail and Postfix
 * suppress an added recipient identical to an existing one.
 */
#include <stddef.h>

/* What became of one new recipient of a forward. */
#define TXN_ADDED	1		/* added to the envelope */
#define TXN_DUP		2		/* added for another original */
#define TXN_SELF	3		/* the original itself: kept */

typedef struct TXN_FORWARD {
    char   *orig;			/* exactly as the MTA gave it */
    char   *args;			/* ESMTP parameters for additions */
    char   *map;			/* the map that answered, or null */
    char  **rcpt;			/* the new recipients */
    char   *fate;			/* TXN_ADDED etc., per rcpt[] */
    size_t  nrcpt;
    int     deleted;			/* orig was removed */
} TXN_FORWARD;

typedef struct TXN {
    TXN_FORWARD *fwd;			/* recipients to replace */
    size_t  nfwd, afwd;
    size_t  nrcpt;			/* RCPTs seen (the caller counts) */
    size_t  nadded;			/* new recipients of all forwards */
} TXN;

/* How txn_apply() edits the envelope; each returns 0 or -1. */
typedef struct TXN_EDIT {
    int     (*del) (void *ctx, const char *orig);
    int     (*add) (void *ctx, const char *rcpt, const char *args);
} TXN_EDIT;

extern TXN *txn_create(void);
extern void txn_free(TXN *txn);
extern void txn_reset(TXN *txn);

/*
 * Note that ORIG (as the MTA gave it) is to be replaced by RCPT[0..N-1],
 * added with ESMTP parameters ARGS (may be null), as the map MAP (may be
 * null; for the log) said. Copies everything. 0, or -1 out of memory.
 */
extern int txn_forward(TXN *txn, const char *orig, const char *args,
		               const char *map, char **rcpt, size_t n);

/*
 * Delete every forwarded original (each distinct one once, and not one
 * that is among its own replacements), then add each new recipient not
 * added already for this message. Deletions come first so that an address
 * deleted and added back stays. Sets each forward's fate[] and deleted.
 * Returns 0, or -1 as soon as an edit fails.
 */
extern int txn_apply(TXN *txn, const TXN_EDIT *edit, void *ctx);

/* "local@domain" with the brackets gone and the domain folded. */
extern char *txn_normalise(const char *addr);

#endif
