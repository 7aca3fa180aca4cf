/*
 * verifyexpect.c - the expectations of maptool verify.
 *
 * Exports send_expecting() and keep_finding(). A known address must end
 * in exactly one mailbox, its user's, at the user's branch (and, sent
 * by its own branch, without passing a switch); an unknown address
 * must be rejected (5xx) by the first server, or at another branch's
 * subdomain by that branch; a role must reach each of its targets
 * once; nothing may loop. A broken promise is described as "wanted
 * what is due; got what happened", and the figures of the entry point
 * it came in by are counted.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "addr.h"
#include "verifyexpect.h"
#include "xalloc.h"

void    keep_finding(WORKER *w, VERIFY_PROMISE promise, const char *fmt,...)
{
    char    buf[2048];
    va_list ap;
    size_t  max = (size_t) w->v->opts->max_problems;

    w->problems[promise]++;
    if (w->nshown >= max)
	return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    w->shown = xrealloc(w->shown, (w->nshown + 1) * sizeof(char *));
    w->shown[w->nshown++] = xstrdup(buf);
}

static void describe(const WORKER *w, const OUTCOME *o, char *buf, size_t len)
{
    const VERIFIER *v = w->v;
    const char *what = string_at(w, o->what);
    char    via[64];

    snprintf(via, sizeof(via), "%u hop%s%s", o->hops, o->hops == 1 ? "" : "s",
	     o->via_switch ? ", via a switch" : "");
    switch (o->kind) {
    case OUT_MAILBOX:
	snprintf(buf, len, "mailbox %s at %s (%s)", what,
		 v->topo->branches[v->vs[o->server].branch].name, via);
	break;
    case OUT_EXTERNAL:
	snprintf(buf, len, "leaves for %s from %s (%s)", what,
		 server_name(v, o->server), via);
	break;
    case OUT_REJECT:
	snprintf(buf, len, "rejected by %s: %s %s (%s)", server_name(v, o->server),
		 o->code, what, via);
	break;
    case OUT_PROBLEM:
	snprintf(buf, len, "%s", what);
	break;
    }
}

static void describe_all(const WORKER *w, size_t start, char *buf, size_t len)
{
    size_t  i, n = 0;

    buf[0] = 0;
    if (start == w->npool)
	snprintf(buf, len, "nothing");
    for (i = start; i < w->npool && n + 1 < len; i++) {
	if (i > start)
	    n += snprintf(buf + n, len - n, "; ");
	if (n < len)
	    describe(w, w->pool + i, buf + n, len - n);
	n += strlen(buf + n);
    }
}

static void describe_expect(const WORKER *w, const EXPECT *e, char *buf, size_t len)
{
    const TOPOLOGY *topo = w->v->topo;

    switch (e->kind) {
    case EXPECT_MAILBOX:
	snprintf(buf, len, "mailbox %s at %s only%s", e->name,
		 topo->branches[e->branch].name, e->no_switch ? ", no switch" : "");
	break;
    case EXPECT_REJECT:
	if (e->by < 0)
	    snprintf(buf, len, "a 5xx rejection by the first server");
	else
	    snprintf(buf, len, "a 5xx rejection by branch %s", topo->branches[e->by].name);
	break;
    case EXPECT_ROLE:
	snprintf(buf, len, "each target of role %s once", topo->roles[e->role].name);
	break;
    }
}

/* Does the outcome O stand for role target TARGET? */
static int is_target(const WORKER *w, const OUTCOME *o, const char *target)
{
    const TOPOLOGY *topo = w->v->topo;
    char    copy[ADDR_MAX + 1], *at;
    long    user;

    snprintf(copy, sizeof(copy), "%s", target);
    addr_fold(copy, copy);
    if ((at = strrchr(copy, '@')) == 0)
	return (0);
    *at = 0;
    if (strcmp(at + 1, topo->domain) != 0)
	return (o->kind == OUT_EXTERNAL && strcasecmp(string_at(w, o->what), target) == 0);
    if ((user = topology_owner(topo, copy, at + 1)) < 0 || o->kind != OUT_MAILBOX)
	return (0);
    return (w->v->vs[o->server].branch == (long) topo->users[user].branch
	    && strcmp(string_at(w, o->what), topo->users[user].name) == 0);
}

static int role_met(const WORKER *w, size_t start, size_t role)
{
    const TOPO_ROLE *r = w->v->topo->roles + role;
    unsigned char used[64];
    size_t  i, j, n = w->npool - start;

    if (n != r->ntargets || n > sizeof(used))
	return (0);
    memset(used, 0, sizeof(used));
    for (i = 0; i < r->ntargets; i++) {
	for (j = 0; j < n; j++)
	    if (!used[j] && is_target(w, w->pool + start + j, r->targets[i]))
		break;
	if (j == n)
	    return (0);
	used[j] = 1;
    }
    return (1);
}

/* Which promise the outcomes break, or -1 when they keep it. */
static int judge(const WORKER *w, size_t start, const EXPECT *e)
{
    const OUTCOME *o = w->pool + start;
    size_t  n = w->npool - start, i;

    for (i = start; i < w->npool; i++)
	if (w->pool[i].loop)
	    return (VERIFY_LOOP);
    switch (e->kind) {
    case EXPECT_MAILBOX:
	if (n != 1 || o->kind != OUT_MAILBOX || w->v->vs[o->server].branch != e->branch
	    || strcmp(string_at(w, o->what), e->name) != 0)
	    return (VERIFY_DELIVERY);
	return (e->no_switch && o->via_switch ? VERIFY_LOCAL : -1);
    case EXPECT_REJECT:
	return (n == 1 && o->kind == OUT_REJECT && o->code[0] == '5'
		&& (e->by < 0 ? o->hops == 0 : w->v->vs[o->server].branch == e->by) ?
		-1 : VERIFY_UNKNOWN);
    case EXPECT_ROLE:
	return (role_met(w, start, e->role) ? -1 : VERIFY_DELIVERY);
    }
    return (VERIFY_DELIVERY);
}

/* The hops of the outcomes from START, into the figures. */
static void count_hops(WORKER *w, ENTRY_STATS *st, size_t start)
{
    size_t  i;

    for (i = start; i < w->npool; i++) {
	if (w->pool[i].hops > st->max_hops)
	    st->max_hops = w->pool[i].hops;
	if (w->pool[i].hops > w->max_hops)
	    w->max_hops = w->pool[i].hops;
    }
    if (start < w->npool && w->pool[start].via_switch)
	st->via_switch++;
}

int     send_expecting(WORKER *w, size_t entry, const char *address, const EXPECT *e)
{
    const ENTRY_POINT *en = w->v->entries + entry;
    ENTRY_STATS *st = w->stats + entry;
    size_t  start = w->npool;
    char    got[2048], due[256];
    int     broken;

    w->addresses++;
    st->tried++;
    follow_address(w, en->server, address);
    count_hops(w, st, start);
    if ((broken = judge(w, start, e)) < 0) {
	if (e->kind == EXPECT_REJECT)
	    st->rejected++;
	else
	    st->delivered++;
    } else {
	st->problems++;
	describe_all(w, start, got, sizeof(got));
	describe_expect(w, e, due, sizeof(due));
	keep_finding(w, (VERIFY_PROMISE) broken, "%s, %s: %s: wanted %s; got %s",
		     server_name(w->v, en->server), en->label, address, due, got);
    }
    w->npool = start;
    return (broken < 0 ? 0 : -1);
}
