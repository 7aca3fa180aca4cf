/*
 * tablecheck.c - find routing loops and dead entries in a virtusertable.
 *
 * Exports check_table(). Loops are found by resolving, with the real
 * resolver, a probe address for every entry: the key itself, a detail
 * form for +* and ++ keys, and for a catch-all a fresh user plus every
 * user its %1 can carry into another domain of the table; a /pattern/
 * is probed with an address derived from its regex (regex_sample()),
 * when one can be found. A probe that ends in the resolver's 4.4.6 loop
 * reply is a loop from that entry. Domains that look like misspellings
 * of others are domaintypo.c's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "addr.h"
#include "domaintypo.h"
#include "tablecheck.h"
#include "htable.h"
#include "pattern.h"
#include "regex_sample.h"
#include "vut.h"
#include "xalloc.h"

#define PROBE_USER	"mailswitch-check-probe"

/* What the table holds for one domain. */
typedef struct DOMAIN {
    const char **users;			/* local parts of user@domain keys */
    size_t  nusers, cap;
    int     catchall;			/* an @domain key */
} DOMAIN;

typedef struct CHECKER {
    TABLE  *table;
    HTABLE *domains;			/* domain -> DOMAIN * */
    char   *users_text;			/* storage for the local parts */
    VUT     vut;
    VUT_SOURCE source;
    REPORT_FN report;
    void   *ctx;
    CHECK_STATS *stats;
} CHECKER;

static void say(CHECKER *ck, const TABLE_ENTRY *e, int is_error, const char *fmt,...)
{
    char    why[1024];
    int     n = 0;
    va_list ap;

    if (e->line == 0)
	n = snprintf(why, sizeof(why), "key %s: ", e->key);
    va_start(ap, fmt);
    vsnprintf(why + n, sizeof(why) - n, fmt, ap);
    va_end(ap);
    ck->report(ck->ctx, ck->table->name, e->line, is_error, why);
}

static DOMAIN *domain_of(CHECKER *ck, const char *domain)
{
    DOMAIN *d = htable_find(ck->domains, domain);

    if (d == 0 && (d = calloc(1, sizeof(*d))) != 0)
	xhtable_insert(ck->domains, domain, d);
    return (d);
}

static void add_user(DOMAIN *d, const char *user)
{
    const char **grown;

    if (d->nusers == d->cap) {
	d->cap = d->cap ? d->cap * 2 : 8;
	if ((grown = realloc(d->users, d->cap * sizeof(*grown))) == 0)
	    return;
	d->users = grown;
    }
    d->users[d->nusers++] = user;
}

/* Index every key by domain: which users, and is there a catch-all. */
static void index_domains(CHECKER *ck)
{
    TABLE  *t = ck->table;
    size_t  i, len = 0;
    char   *p;

    for (i = 0; i < t->count; i++)
	len += strlen(t->entries[i].key) + 1;
    if ((ck->users_text = p = malloc(len + 1)) == 0)
	return;
    ck->domains = xhtable_create(64);
    for (i = 0; i < t->count; i++) {
	const char *key = t->entries[i].key, *at = strrchr(key, '@');
	DOMAIN *d;

	if (t->entries[i].seq || at == 0 || (d = domain_of(ck, at + 1)) == 0)
	    continue;
	if (at == key) {
	    d->catchall = 1;
	} else if (key[0] != '+' && !memchr(key, '+', at - key)) {
	    memcpy(p, key, at - key);
	    p[at - key] = 0;
	    add_user(d, p);
	    p += at - key + 1;
	}
    }
}

/* Resolve PROBE; report and count a loop. Returns 1 on a loop. */
static int probe_loops(CHECKER *ck, const TABLE_ENTRY *e, const char *probe)
{
    VUT_RESULT res;
    int     loop;

    vut_resolve(&ck->vut, probe, &res);
    loop = (res.status == VUT_REJECT && strcmp(res.reply.enhanced, "4.4.6") == 0);
    if (loop) {
	say(ck, e, 1, "routing loop for %s: %s", probe, res.reply.text);
	ck->stats->loops++;
    }
    vut_result_free(&res);
    return (loop);
}

/* The domain a %1-style member of VALUE sends users to, into BUF. */
static const char *carried_domain(const char *member, char *buf, size_t len)
{
    const char *at = strrchr(member, '@');

    if (at == 0 || strstr(member, "%1") == 0 || strchr(at, '%'))
	return (0);
    snprintf(buf, len, "%s", at + 1);
    addr_fold(buf, buf);
    return (buf);
}

/* Probe a catch-all with a fresh user and every user %1 can carry. */
static void probe_catchall(CHECKER *ck, const TABLE_ENTRY *e, const char *domain)
{
    char    value[1024], target[ADDR_MAX + 1], probe[ADDR_MAX + 1];
    char   *member, *cursor;
    DOMAIN *d;
    size_t  i;

    snprintf(probe, sizeof(probe), "%s@%s", PROBE_USER, domain);
    if (probe_loops(ck, e, probe))
	return;
    snprintf(value, sizeof(value), "%s", e->value);
    for (cursor = value; (member = vut_next_member(&cursor)) != 0;) {
	if (carried_domain(member, target, sizeof(target)) == 0
	    || (d = htable_find(ck->domains, target)) == 0)
	    continue;
	for (i = 0; i < d->nusers; i++) {
	    snprintf(probe, sizeof(probe), "%s@%s", d->users[i], domain);
	    if (probe_loops(ck, e, probe))
		return;
	}
    }
}

/* Where pattern E is in the table's compiled set, or -1. */
static long pattern_index(const PATTERN_SET *set, const TABLE_ENTRY *e)
{
    size_t  i, n = pattern_set_count(set);

    if (e->seq - 1 < n && strcmp(pattern_set_key(set, e->seq - 1), e->key) == 0)
	return (e->seq - 1);
    for (i = 0; i < n; i++)
	if (strcmp(pattern_set_key(set, i), e->key) == 0)
	    return (i);
    return (-1);
}

/* Probe a pattern with an address its regex matches, if one is found. */
static void probe_pattern(CHECKER *ck, const TABLE_ENTRY *e)
{
    const PATTERN_SET *set = table_patterns(ck->table);
    char    probe[ADDR_MAX + 1];
    long    i;

    if (set == 0 || (i = pattern_index(set, e)) < 0
	|| regex_sample_pattern(set, i, probe, sizeof(probe)) < 0) {
	say(ck, e, 0, "found no address this pattern matches, so it is "
	    "not probed for routing loops");
	ck->stats->warnings++;
	return;
    }
    probe_loops(ck, e, probe);
}

/* One probe per kind of key; a catch-all gets many. */
static void probe_entry(CHECKER *ck, const TABLE_ENTRY *e)
{
    const char *at = strrchr(e->key, '@');
    char    probe[ADDR_MAX + 16];
    size_t  ulen;

    if (e->seq) {
	probe_pattern(ck, e);
	return;
    }
    if (at == 0)
	return;
    ulen = at - e->key;
    if (ulen == 0) {
	probe_catchall(ck, e, at + 1);
	return;
    }
    if (ulen >= 2 && (strncmp(at - 2, "++", 2) == 0 || strncmp(at - 2, "+*", 2) == 0))
	snprintf(probe, sizeof(probe), "%.*s+%s%s", (int) (ulen - 2),
		 ulen == 2 ? PROBE_USER : e->key, at[-1] == '+' ? "x" : "", at);
    else
	snprintf(probe, sizeof(probe), "%s", e->key);
    probe_loops(ck, e, probe);
}

/* Keys that no folded lookup can ever find. */
static void check_never_matches(CHECKER *ck, const TABLE_ENTRY *e)
{
    const char *s;

    if (e->seq)
	return;				/* a regex: its case is its own */
    for (s = e->key; *s; s++) {
	if (*s >= 'A' && *s <= 'Z') {
	    say(ck, e, 0, "key %s has upper case: lookups are in lower case, "
		"so it never matches", e->key);
	    ck->stats->warnings++;
	    return;
	}
    }
}

/* A value member that lands in a domain of ours where nothing matches. */
static void check_dangling(CHECKER *ck, const TABLE_ENTRY *e)
{
    char    value[1024], domain[ADDR_MAX + 1];
    char   *member, *cursor, *at;
    DOMAIN *d;
    VUT_RESULT res;

    if (strncasecmp(e->value, "error:", 6) == 0)
	return;
    snprintf(value, sizeof(value), "%s", e->value);
    for (cursor = value; (member = vut_next_member(&cursor)) != 0;) {
	if ((at = strrchr(member, '@')) == 0)
	    continue;
	snprintf(domain, sizeof(domain), "%s", at + 1);
	addr_fold(domain, domain);
	if ((d = htable_find(ck->domains, domain)) == 0 || d->catchall)
	    continue;
	if (strchr(member, e->seq ? '$' : '%')) {
	    say(ck, e, 0, "value %s: %s is served here but has no catch-all, so "
		"users without an entry there stop at this address", member, domain);
	    ck->stats->warnings++;
	    continue;
	}
	if (vut_resolve(&ck->vut, member, &res) == VUT_NONE) {
	    say(ck, e, 0, "value %s: %s is served here but no entry matches "
		"this address", member, domain);
	    ck->stats->warnings++;
	}
	vut_result_free(&res);
    }
}

static void free_domain(void *ctx, const char *key, void *value)
{
    DOMAIN *d = value;

    (void) ctx;
    (void) key;
    free(d->users);
    free(d);
}

void    check_table(TABLE *table, REPORT_FN report, void *ctx,
		            CHECK_STATS *stats)
{
    CHECKER ck;
    size_t  i;

    memset(stats, 0, sizeof(*stats));
    memset(&ck, 0, sizeof(ck));
    ck.table = table;
    ck.report = report;
    ck.ctx = ctx;
    ck.stats = stats;
    ck.source.lookup = table_lookup;
    ck.source.serves = 0;
    ck.source.match = table_match;
    ck.source.ctx = table;
    ck.source.name = table->name;
    vut_init(&ck.vut, &ck.source, 1);
    index_domains(&ck);
    if (ck.domains == 0) {
	report(ctx, table->name, 0, 1, "out of memory");
	return;
    }
    for (i = 0; i < table->count; i++) {
	check_never_matches(&ck, table->entries + i);
	probe_entry(&ck, table->entries + i);
	check_dangling(&ck, table->entries + i);
    }
    stats->warnings += check_domain_typos(table, report, ctx);
    htable_walk(ck.domains, free_domain, 0);
    htable_free(ck.domains);
    free(ck.users_text);
}
