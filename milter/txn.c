/*
 * txn.c - the envelope changes of one message.
 *
 * Exports txn_create(), txn_free(), txn_reset(), txn_forward(),
 * txn_apply() and txn_normalise(). Addresses are compared
 * normalised: without <brackets>, with the domain in lower case and the
 * local part as written (RFC 5321 leaves its case to the mailbox owner).
 * The end of a message costs time linear in its recipients: the
 * addresses added so far and the originals deleted are hash sets. The
 * caller bounds the recipients (TXN's nrcpt and nadded).
 */
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "htable.h"
#include "esmtp.h"
#include "txn.h"

TXN    *txn_create(void)
{
    return (calloc(1, sizeof(TXN)));
}

static void forward_free(TXN_FORWARD *fwd)
{
    size_t  i;

    free(fwd->orig);
    free(fwd->args);
    free(fwd->map);
    for (i = 0; i < fwd->nrcpt; i++)
	free(fwd->rcpt[i]);
    free(fwd->rcpt);
    free(fwd->fate);
    memset(fwd, 0, sizeof(*fwd));
}

void    txn_reset(TXN *txn)
{
    size_t  i;

    for (i = 0; i < txn->nfwd; i++)
	forward_free(txn->fwd + i);
    txn->nfwd = 0;
    txn->nrcpt = 0;
    txn->nadded = 0;
}

void    txn_free(TXN *txn)
{
    if (txn == 0)
	return;
    txn_reset(txn);
    free(txn->fwd);
    free(txn);
}

char   *txn_normalise(const char *addr)
{
    char    bare[ADDR_MAX + 3];
    ADDR    parsed;
    const char *why;

    esmtp_strip(bare, sizeof(bare), addr);
    if (addr_parse(bare, &parsed, &why) == 0) {
	addr_fold(parsed.domain, parsed.domain);
	if (addr_format(&parsed, bare, sizeof(bare)) < 0)
	    esmtp_strip(bare, sizeof(bare), addr);
    }
    return (strdup(bare));
}

/* Make room for one more element of SIZE in *ARRAY of *ALLOC. */
static int grow(void **array, size_t *alloc, size_t used, size_t size)
{
    size_t  want;
    void   *bigger;

    if (used < *alloc)
	return (0);
    want = *alloc ? *alloc * 2 : 8;
    if ((bigger = realloc(*array, want * size)) == 0)
	return (-1);
    *array = bigger;
    *alloc = want;
    return (0);
}

int     txn_forward(TXN *txn, const char *orig, const char *args,
		            const char *map, char **rcpt, size_t n)
{
    TXN_FORWARD *fwd;
    size_t  i;

    if (grow((void **) &txn->fwd, &txn->afwd, txn->nfwd,
	     sizeof(TXN_FORWARD)) < 0)
	return (-1);
    fwd = txn->fwd + txn->nfwd;
    memset(fwd, 0, sizeof(*fwd));
    if ((fwd->orig = strdup(orig)) == 0
	|| (args && (fwd->args = strdup(args)) == 0)
	|| (map && (fwd->map = strdup(map)) == 0)
	|| (fwd->rcpt = calloc(n ? n : 1, sizeof(char *))) == 0
	|| (fwd->fate = calloc(n ? n : 1, 1)) == 0) {
	forward_free(fwd);
	return (-1);
    }
    for (i = 0; i < n; i++) {
	if ((fwd->rcpt[i] = strdup(rcpt[i])) == 0) {
	    forward_free(fwd);
	    return (-1);
	}
	fwd->nrcpt++;
    }
    txn->nfwd++;
    txn->nadded += n;
    return (0);
}

/*
 * A set of normalised addresses, for the duration of txn_apply(): each
 * string is its own key and value, and the set owns it.
 */
typedef struct SEEN {
    HTABLE *set;
} SEEN;

static int seen_init(SEEN *seen, size_t expect)
{
    return ((seen->set = htable_create(expect)) == 0 ? -1 : 0);
}

static int seen_has(const SEEN *seen, const char *addr)
{
    return (htable_find(seen->set, addr) != 0);
}

/* Add ADDR (taken over) unless present; -1 out of memory. */
static int seen_add(SEEN *seen, char *addr)
{
    void   *had;

    if ((had = htable_insert(seen->set, addr, addr)) != 0) {
	free(addr);
	return (had == HTABLE_NOMEM ? -1 : 0);
    }
    return (0);
}

static void free_address(void *ctx, const char *key, void *value)
{
    (void) ctx;
    (void) key;
    free(value);
}

static void seen_free(SEEN *seen)
{
    htable_walk(seen->set, free_address, 0);
    htable_free(seen->set);
}

/* Mark the new recipients that are the original itself. */
static int mark_self(TXN_FORWARD *fwd, SEEN *seen)
{
    char   *okey, *key;
    size_t  i;
    int     rc = 0;

    if ((okey = txn_normalise(fwd->orig)) == 0)
	return (-1);
    for (i = 0; i < fwd->nrcpt && rc == 0; i++) {
	if ((key = txn_normalise(fwd->rcpt[i])) == 0) {
	    rc = -1;
	    break;
	}
	if (strcmp(key, okey) == 0) {
	    fwd->fate[i] = TXN_SELF;
	    rc = seen_add(seen, key);
	} else {
	    free(key);
	}
    }
    free(okey);
    return (rc);
}

static int is_self_kept(const TXN_FORWARD *fwd)
{
    size_t  i;

    for (i = 0; i < fwd->nrcpt; i++)
	if (fwd->fate[i] == TXN_SELF)
	    return (1);
    return (0);
}

/*
 * Delete FWD's original unless kept or already deleted for an earlier
 * forward (DELETED: the originals deleted so far, exactly as given).
 */
static int delete_orig(TXN_FORWARD *fwd, HTABLE *deleted,
		               const TXN_EDIT *edit, void *ctx)
{
    if (is_self_kept(fwd) || htable_find(deleted, fwd->orig) != 0)
	return (0);
    if (edit->del(ctx, fwd->orig) < 0)
	return (-1);
    fwd->deleted = 1;
    return (htable_insert(deleted, fwd->orig, fwd) == HTABLE_NOMEM ? -1 : 0);
}

static int add_new(TXN_FORWARD *fwd, SEEN *seen, const TXN_EDIT *edit,
		           void *ctx)
{
    char   *key;
    size_t  i;

    for (i = 0; i < fwd->nrcpt; i++) {
	if (fwd->fate[i] == TXN_SELF)
	    continue;
	if ((key = txn_normalise(fwd->rcpt[i])) == 0)
	    return (-1);
	if (seen_has(seen, key)) {
	    fwd->fate[i] = TXN_DUP;
	    free(key);
	    continue;
	}
	if (edit->add(ctx, fwd->rcpt[i], fwd->args) < 0) {
	    free(key);
	    return (-1);
	}
	fwd->fate[i] = TXN_ADDED;
	if (seen_add(seen, key) < 0)
	    return (-1);
    }
    return (0);
}

int     txn_apply(TXN *txn, const TXN_EDIT *edit, void *ctx)
{
    HTABLE *deleted;
    SEEN    seen;
    size_t  i;
    int     rc = 0;

    if ((deleted = htable_create(txn->nfwd)) == 0)
	return (-1);
    if (seen_init(&seen, txn->nadded) < 0) {
	htable_free(deleted);
	return (-1);
    }
    for (i = 0; i < txn->nfwd && rc == 0; i++)
	rc = mark_self(txn->fwd + i, &seen);
    for (i = 0; i < txn->nfwd && rc == 0; i++)
	rc = delete_orig(txn->fwd + i, deleted, edit, ctx);
    for (i = 0; i < txn->nfwd && rc == 0; i++)
	rc = add_new(txn->fwd + i, &seen, edit, ctx);
    seen_free(&seen);
    htable_free(deleted);
    return (rc);
}
