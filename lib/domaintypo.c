/*
 * domaintypo.c - domains in a virtusertable that look like misspellings
 * of other domains in it.
 *
 * Exports check_domain_typos() to check_table(). A key at incacoca.org,
 * or a value sending mail to incakoca.com, in a table that routes
 * inkacoca.org never matches what was meant, and nothing else says so.
 * Every distinct domain of the keys and values is compared with every
 * other by near_pairs() (lib/util/nearpairs.c), in time that grows with
 * the number of distinct domains: once whole, once without its
 * top-level label (incakoca.com against inkacoca.org). Runs of digits
 * count as one character, so that mx1/mx2 or b01/b02 are never a typo
 * and a table of numbered domains is compared as a few. Not reported:
 * two names under one parent (north.example.org, south.example.org), a
 * name and its own subdomain, and names too short to tell (without the
 * top-level label, a distance of 1 needs 5 characters, of 2 needs 8;
 * whole, 7 and 10). The less used domain of a
 * pair is the suspect, reported at the first line that uses it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "addr.h"
#include "domaintypo.h"
#include "htable.h"
#include "nearpairs.h"
#include "vut.h"
#include "xalloc.h"

/* One distinct domain of the table. */
typedef struct SEEN {
    char   *name;			/* folded */
    unsigned line;			/* first use */
    const char *key;			/* of that line, for maps (no lines) */
    unsigned long uses;
} SEEN;

typedef struct TYPOS {
    TABLE  *table;
    REPORT_FN report;
    void   *ctx;
    HTABLE *index;			/* name -> SEEN index + 1 */
    SEEN   *seen;
    size_t  nseen, room;
    size_t *rep;			/* per compared string: a SEEN */
    HTABLE *reported;			/* "a b" pairs said already */
    int     warnings;
    int     stripped;			/* comparing without the top label */
} TYPOS;

static void note_domain(TYPOS *ty, const char *domain, size_t len,
			        const TABLE_ENTRY *e)
{
    char    buf[ADDR_MAX + 1];
    void   *found;
    SEEN   *s;

    if (len == 0 || len >= sizeof(buf) || memchr(domain, '%', len)
	|| memchr(domain, '$', len) || memchr(domain, '.', len) == 0)
	return;
    memcpy(buf, domain, len);
    buf[len] = 0;
    addr_fold(buf, buf);
    if ((found = htable_find(ty->index, buf)) != 0) {
	ty->seen[(size_t) found - 1].uses++;
	return;
    }
    if (ty->nseen == ty->room) {
	ty->room = ty->room ? 2 * ty->room : 64;
	ty->seen = xrealloc(ty->seen, ty->room * sizeof(*ty->seen));
    }
    s = ty->seen + ty->nseen++;
    s->name = xstrdup(buf);
    s->line = e->line;
    s->key = e->key;
    s->uses = 1;
    xhtable_insert(ty->index, s->name, (void *) ty->nseen);
}

/* The domains of entry E: its key's, and each value member's. */
static void note_entry(TYPOS *ty, const TABLE_ENTRY *e)
{
    char    value[1024], *member, *cursor, *at;

    if (e->seq == 0 && (at = strrchr(e->key, '@')) != 0)
	note_domain(ty, at + 1, strlen(at + 1), e);
    if (strncasecmp(e->value, "error:", 6) == 0)
	return;
    snprintf(value, sizeof(value), "%s", e->value);
    for (cursor = value; (member = vut_next_member(&cursor)) != 0;)
	if ((at = strrchr(member, '@')) != 0)
	    note_domain(ty, at + 1, strlen(at + 1), e);
}

/* NAME with each run of digits as one '0'; without its top label. */
static char *compared_form(const char *name, int stripped)
{
    char   *out = xrealloc(0, strlen(name) + 1), *o = out;
    const char *end = name + strlen(name), *dot;

    if (stripped && (dot = strrchr(name, '.')) != 0)
	end = dot;
    while (name < end) {
	if (isdigit((unsigned char) *name)) {
	    *o++ = '0';
	    while (name < end && isdigit((unsigned char) *name))
		name++;
	} else {
	    *o++ = *name++;
	}
    }
    *o = 0;
    return (out);
}

/* The distance worth a warning: by length, with and without the top label. */
static int stripped_limit(size_t len)
{
    return (len >= 8 ? 2 : len >= 5 ? 1 : 0);
}

static int whole_limit(size_t len)
{
    return (len >= 10 ? 2 : len >= 7 ? 1 : 0);
}

/* Under one parent (a.b.c, d.b.c), or one under the other? */
static int related(const char *a, const char *b)
{
    const char *pa = strchr(a, '.'), *pb = strchr(b, '.');
    size_t  la = strlen(a), lb = strlen(b);

    if (pa && pb && strchr(pa + 1, '.') && strcmp(pa, pb) == 0)
	return (1);
    if (la > lb && a[la - lb - 1] == '.' && strcmp(a + la - lb, b) == 0)
	return (1);
    if (lb > la && b[lb - la - 1] == '.' && strcmp(b + lb - la, a) == 0)
	return (1);
    return (0);
}

static void found_pair(void *ctx, size_t ia, size_t ib, int distance)
{
    TYPOS  *ty = ctx;
    const SEEN *a = ty->seen + ty->rep[ia], *b = ty->seen + ty->rep[ib], *t;
    char    why[1024], pair[2 * ADDR_MAX + 4];

    if (related(a->name, b->name))
	return;
    if (a->uses > b->uses || (a->uses == b->uses && a->line < b->line)) {
	t = a;					/* the suspect is A */
	a = b;
	b = t;
    }
    snprintf(pair, sizeof(pair), "%s %s", a->name, b->name);
    if (htable_find(ty->reported, pair))
	return;
    xhtable_insert(ty->reported, xstrdup(pair), (void *) 1);
    snprintf(why, sizeof(why), "%s%s%sdomain %s (%lu use%s) looks like a typo "
	     "for %s (line %u, %lu use%s): %d edit%s apart%s",
	     a->line ? "" : "key ", a->line ? "" : a->key, a->line ? "" : ": ",
	     a->name, a->uses, a->uses == 1 ? "" : "s", b->name, b->line, b->uses,
	     b->uses == 1 ? "" : "s", distance, distance == 1 ? "" : "s",
	     ty->stripped ? ", not counting the top-level domain" : "");
    ty->report(ty->ctx, ty->table->name, a->line, 0, why);
    ty->warnings++;
}

/* Compare the domains whole (STRIPPED 0) or without their top label. */
static void compare(TYPOS *ty, int stripped)
{
    HTABLE *forms = xhtable_create(ty->nseen + 1);
    char  **strings = xrealloc(0, (ty->nseen + 1) * sizeof(char *)), *form;
    size_t  i, n = 0;

    ty->rep = xrealloc(0, (ty->nseen + 1) * sizeof(size_t));
    ty->stripped = stripped;
    for (i = 0; i < ty->nseen; i++) {
	form = compared_form(ty->seen[i].name, stripped);
	if (htable_find(forms, form)) {
	    free(form);				/* alike but for digits */
	    continue;
	}
	xhtable_insert(forms, form, (void *) 1);
	strings[n] = form;
	ty->rep[n++] = i;
    }
    if (near_pairs((const char *const *) strings, n, stripped ? stripped_limit
		   : whole_limit, found_pair, ty) < 0)
	ty->report(ty->ctx, ty->table->name, 0, 0, "out of memory: domains not "
		   "compared for typos");
    htable_free(forms);
    for (i = 0; i < n; i++)
	free(strings[i]);
    free(strings);
    free(ty->rep);
}

static void free_key(void *ctx, const char *key, void *value)
{
    (void) ctx;
    (void) value;
    free((char *) key);
}

int     check_domain_typos(TABLE *table, REPORT_FN report, void *ctx)
{
    TYPOS   ty;
    size_t  i;

    memset(&ty, 0, sizeof(ty));
    ty.table = table;
    ty.report = report;
    ty.ctx = ctx;
    ty.index = xhtable_create(64);
    ty.reported = xhtable_create(16);
    for (i = 0; i < table->count; i++)
	note_entry(&ty, table->entries + i);
    compare(&ty, 0);
    compare(&ty, 1);
    for (i = 0; i < ty.nseen; i++)
	free(ty.seen[i].name);
    free(ty.seen);
    htable_free(ty.index);
    htable_walk(ty.reported, free_key, 0);
    htable_free(ty.reported);
    return (ty.warnings);
}
