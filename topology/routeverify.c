/*
 * routeverify.c - prove what a build's maps do with every address.
 *
 * Exports route_verify(). Mail is followed as the network would carry
 * it: at each server the recipient is resolved with vut_resolve() over
 * the maps that server runs (read from the build's compiled .db files),
 * a result at the server's own subdomain or without a domain is a
 * mailbox there, and any other result goes to the best MX host the
 * build's zone fragment gives for its domain (a host never hands mail to
 * itself or to a worse MX, as Postfix and sendmail do not). A backup MX
 * (mode validate) only accepts or rejects, then passes the recipient on
 * unchanged.
 *
 * From every entry point - each MX host of the domain and of each branch
 * subdomain, and each branch's own submission - the verifier sends:
 * every address of every user (name and aliases at the domain and the
 * branch subdomain, old addresses), every role, and a sample of unknown
 * addresses; and proves that each user address ends in exactly one
 * mailbox, the user's, at the user's branch; each unknown address is
 * rejected (5xx) by the first server; no path loops; mail a branch sends
 * to its own users never passes a switch.
 *
 * A user's addresses are sent from the user's own branch and from one
 * other branch (taking each branch in turn over the users). That covers
 * every branch because each branch's own map is also checked to hold
 * nothing but its own users' addresses: for any other address a branch
 * consults only the shared domain map, so all other branches route it
 * alike. Results are memoised per address and server while one user is
 * checked; the work is split over threads by users.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "addr.h"
#include "htable.h"
#include "map.h"
#include "recordverify.h"
#include "routeverify.h"
#include "servers.h"
#include "table.h"
#include "vut.h"
#include "xalloc.h"
#include "zone.h"

#define VERIFY_MAX_HOPS		8	/* servers one message may pass */
#define VERIFY_MAX_ROUTE	8	/* equal-preference MX hosts */
#define VERIFY_MAX_THREADS	8
#define MEMO_MAX		32
#define PROBE_NAME		"mailswitch-verify-nobody"

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

typedef enum ROUTE_KIND { ROUTE_NONE, ROUTE_EXTERNAL, ROUTE_SERVERS, ROUTE_SELF } ROUTE_KIND;

/* Where a server sends mail for one domain. */
typedef struct ROUTE {
    ROUTE_KIND kind;
    size_t  n;
    int     server[VERIFY_MAX_ROUTE];
} ROUTE;

typedef struct VSERVER {
    const SERVER *conf;
    long    branch;			/* its branch, or -1 */
    int     is_switch;
    int     map[SERVER_MAX_MAPS];	/* indices into VERIFIER.map_files */
    size_t  nmaps;
} VSERVER;

typedef enum ENTRY_KIND { ENTRY_MX, ENTRY_SUBMISSION } ENTRY_KIND;

/* An entry point: a server receiving mail from outside or from its users. */
typedef struct ENTRY {
    int     server;
    ENTRY_KIND kind;
    long    mx_branch;			/* ENTRY_MX: -1 the domain, or a branch */
    char    label[96];
} ENTRY;

typedef struct ENTRY_STATS {
    unsigned long tried, delivered, rejected, problems, via_switch;
    unsigned max_hops;
} ENTRY_STATS;

/* What kind of promise a problem breaks. */
typedef enum PROBLEM_KIND {
    P_DELIVERY, P_UNKNOWN, P_LOOP, P_LOCAL, P_STRUCTURE, P_COUNT,
} PROBLEM_KIND;

/* A map read whole: its entries, and the domains its keys name. */
typedef struct TSOURCE {
    TABLE  *table;
    HTABLE *domains;
} TSOURCE;

typedef struct VERIFIER {
    const VERIFY_OPTS *opts;
    const TOPOLOGY *topo;
    SERVERS *servers;
    ZONE   *zone;
    VSERVER *vs;
    size_t  nvs;
    char  **map_files;			/* distinct map names in the build */
    size_t  nmap_files;
    TSOURCE *tables;			/* their entries, read from the maps */
    HTABLE *domain_index;		/* routed domain -> index + 1 */
    const char **domains;
    size_t  ndomains;
    ROUTE  *routes;			/* [server * ndomains + domain] */
    ENTRY  *entries;
    size_t  nentries;
    long   *submission;			/* per branch: its submission entry */
    long   *branch_mx;			/* per branch: MX entry of its subdomain */
    size_t *domain_mx;			/* MX entries of the domain */
    size_t  ndomain_mx;
    int     setup_problems;
} VERIFIER;

typedef struct MEMO {
    int     server;
    size_t  address;			/* folded, in the worker's strings */
    size_t  start, count;		/* in memo_pool */
} MEMO;

typedef struct STEP {
    int     server;
    size_t  address;			/* in the worker's strings */
} STEP;

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
    STEP    path[VERIFY_MAX_HOPS + 1];
    int     depth;
    ENTRY_STATS *stats;
    char  **shown;			/* problems kept for printing */
    size_t  nshown;
    unsigned long problems[P_COUNT];
    unsigned long users_ok, users_bad, unknown_ok, roles_ok, addresses;
    unsigned max_hops;
    size_t  begin, end;			/* users */
    int     index, nworkers;
} WORKER;

/* Per-user strings: offsets stay valid while the buffer grows. */
static size_t save_string(WORKER *w, const char *s)
{
    size_t  len = strlen(s) + 1, at = w->nstrings;

    if (w->nstrings + len > w->strings_cap) {
	w->strings_cap = (w->strings_cap + len) * 2;
	w->strings = xrealloc(w->strings, w->strings_cap);
    }
    memcpy(w->strings + at, s, len);
    w->nstrings += len;
    return (at);
}

static const char *string_at(const WORKER *w, size_t at)
{
    return (w->strings + at);
}

static OUTCOME *add_outcome(WORKER *w, OUT_KIND kind, int server, const char *what)
{
    OUTCOME *o;
    size_t  at = save_string(w, what);

    if (w->npool == w->pool_cap) {
	w->pool_cap = w->pool_cap ? 2 * w->pool_cap : 64;
	w->pool = xrealloc(w->pool, w->pool_cap * sizeof(*w->pool));
    }
    o = w->pool + w->npool++;
    memset(o, 0, sizeof(*o));
    o->kind = kind;
    o->server = server;
    o->what = at;
    o->via_switch = (unsigned char) w->v->vs[server].is_switch;
    return (o);
}

static OUTCOME *add_problem_outcome(WORKER *w, int server, const char *fmt,...)
{
    char    buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return (add_outcome(w, OUT_PROBLEM, server, buf));
}

/* A problem for the report; all are counted, the first few kept. */
static void note_problem(WORKER *w, PROBLEM_KIND kind, const char *fmt,...)
{
    char    buf[2048];
    va_list ap;
    size_t  max = (size_t) w->v->opts->max_problems;

    w->problems[kind]++;
    if (w->nshown >= max)
	return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    w->shown = xrealloc(w->shown, (w->nshown + 1) * sizeof(char *));
    w->shown[w->nshown] = xrealloc(0, strlen(buf) + 1);
    strcpy(w->shown[w->nshown++], buf);
}

static const char *server_name(const VERIFIER *v, int server)
{
    return (v->vs[server].conf->host);
}

/* Following mail. */

static void arrive(WORKER *w, int server, const char *address);

static const MEMO *memo_find(const WORKER *w, int server, const char *folded)
{
    size_t  i;

    for (i = 0; i < w->nmemo; i++)
	if (w->memo[i].server == server
	    && strcmp(string_at(w, w->memo[i].address), folded) == 0)
	    return (w->memo + i);
    return (0);
}

static void memo_store(WORKER *w, int server, const char *folded, size_t start)
{
    MEMO   *m;
    size_t  count = w->npool - start;

    if (w->nmemo == MEMO_MAX)
	return;
    if (w->nmemo_pool + count > w->memo_pool_cap) {
	w->memo_pool_cap = (w->memo_pool_cap + count) * 2;
	w->memo_pool = xrealloc(w->memo_pool, w->memo_pool_cap * sizeof(OUTCOME));
    }
    m = w->memo + w->nmemo++;
    m->server = server;
    m->address = save_string(w, folded);
    m->start = w->nmemo_pool;
    m->count = count;
    memcpy(w->memo_pool + w->nmemo_pool, w->pool + start, count * sizeof(OUTCOME));
    w->nmemo_pool += count;
}

/* Two runs of outcomes say the same (load-shared hosts must agree). */
static int same_outcomes(const WORKER *w, size_t a, size_t b, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
	const OUTCOME *x = w->pool + a + i, *y = w->pool + b + i;

	if (x->kind != y->kind || strcmp(x->code, y->code) != 0
	    || strcmp(string_at(w, x->what), string_at(w, y->what)) != 0
	    || (x->kind == OUT_MAILBOX
		&& w->v->vs[x->server].branch != w->v->vs[y->server].branch))
	    return (0);
    }
    return (1);
}

/* The route from SERVER for the domain of a result. */
static const ROUTE *route_for(const VERIFIER *v, int server, const char *domain)
{
    static const ROUTE external = {ROUTE_EXTERNAL, 0, {0}};
    static const ROUTE none = {ROUTE_NONE, 0, {0}};
    uintptr_t d = (uintptr_t) htable_find(v->domain_index, domain);

    if (d == 0)
	return (topology_in_domain(domain, v->topo->domain) ? &none : &external);
    return (v->routes + server * v->ndomains + (d - 1));
}

/* Send ADDRESS on from SERVER to the best MX of its domain. */
static void pass_on(WORKER *w, int server, const char *address, const char *domain)
{
    const VERIFIER *v = w->v;
    const ROUTE *r = route_for(v, server, domain);
    size_t  first, n, i, other;

    switch (r->kind) {
    case ROUTE_EXTERNAL:
	add_outcome(w, OUT_EXTERNAL, server, address);
	return;
    case ROUTE_NONE:
	add_problem_outcome(w, server, "%s: no MX or address record for %s in "
			    "the zone", address, domain);
	return;
    case ROUTE_SELF:
	add_problem_outcome(w, server, "%s: %s is the best MX for %s: the "
			    "mail loops back to itself", address,
			    server_name(v, server), domain)->loop = 1;
	return;
    case ROUTE_SERVERS:
	break;
    }
    first = w->npool;
    arrive(w, r->server[0], address);
    n = w->npool - first;
    for (i = 1; i < r->n; i++) {
	other = w->npool;
	arrive(w, r->server[i], address);
	if (w->npool - other != n || !same_outcomes(w, first, other, n)) {
	    w->npool = other;
	    add_problem_outcome(w, server, "%s: the equal MX hosts %s and %s "
				"route it differently", address,
				server_name(v, r->server[0]),
				server_name(v, r->server[i]));
	    n++;
	    break;
	}
	w->npool = other;
    }
    for (i = first; i < w->npool; i++) {
	w->pool[i].hops++;
	w->pool[i].via_switch |= (unsigned char) v->vs[server].is_switch;
    }
}

/* A result at SERVER: a mailbox here, or on to another server. */
static void deliver(WORKER *w, int server, const char *address)
{
    const VSERVER *s = w->v->vs + server;
    const char *why;
    ADDR    addr;
    char    local[ADDR_MAX_LOCAL + 1];

    if (addr_parse(address, &addr, &why) < 0) {
	add_problem_outcome(w, server, "%s: bad result: %s", address, why);
	return;
    }
    addr_unquote(local, addr.local);
    addr_fold(local, local);
    addr_fold(addr.domain, addr.domain);
    if (addr.domain[0] == 0
	|| (s->branch >= 0 && strcmp(addr.domain, w->v->topo->branches[s->branch].subdomain) == 0)) {
	if (s->branch < 0)
	    add_problem_outcome(w, server, "%s: local delivery on %s, which has "
				"no mailboxes", address, server_name(w->v, server));
	else
	    add_outcome(w, OUT_MAILBOX, server, local);
	return;
    }
    pass_on(w, server, address, addr.domain);
}

static int on_path(const WORKER *w, int server, const char *folded)
{
    int     i;

    for (i = 0; i < w->depth; i++)
	if (w->path[i].server == server
	    && strcmp(string_at(w, w->path[i].address), folded) == 0)
	    return (1);
    return (0);
}

static void resolve_here(WORKER *w, int server, const char *address)
{
    const VSERVER *s = w->v->vs + server;
    VUT_RESULT res;
    OUTCOME *o;
    size_t  i;

    switch (vut_resolve(w->vut + server, address, &res)) {
    case VUT_ERROR:
	add_problem_outcome(w, server, "%s: cannot resolve: %s", address, res.why);
	break;
    case VUT_REJECT:
	o = add_outcome(w, OUT_REJECT, server, res.reply.text);
	snprintf(o->code, sizeof(o->code), "%s", res.reply.code);
	o->loop = (strcmp(res.reply.enhanced, "4.4.6") == 0);
	break;
    case VUT_NONE:
	deliver(w, server, address);
	break;
    case VUT_FORWARD:
	if (s->conf->validate) {
	    deliver(w, server, address);
	    break;
	}
	for (i = 0; i < res.nrcpt; i++)
	    deliver(w, server, res.rcpt[i]);
	break;
    }
    vut_result_free(&res);
}

/* ADDRESS arrives at SERVER: append where it ends up to the pool. */
static void arrive(WORKER *w, int server, const char *address)
{
    char    folded[ADDR_MAX + 1];
    const MEMO *m;
    size_t  start = w->npool, at;

    snprintf(folded, sizeof(folded), "%s", address);
    addr_fold(folded, folded);
    if ((m = memo_find(w, server, folded)) != 0) {
	if (w->npool + m->count > w->pool_cap) {
	    w->pool_cap = (w->npool + m->count) * 2;
	    w->pool = xrealloc(w->pool, w->pool_cap * sizeof(*w->pool));
	}
	memcpy(w->pool + w->npool, w->memo_pool + m->start, m->count * sizeof(OUTCOME));
	w->npool += m->count;
	return;
    }
    if (on_path(w, server, folded)) {
	add_problem_outcome(w, server, "%s: loop: it comes back to %s", address,
			    server_name(w->v, server))->loop = 1;
	return;
    }
    if (w->depth >= VERIFY_MAX_HOPS) {
	add_problem_outcome(w, server, "%s: passes more than %d servers",
			    address, VERIFY_MAX_HOPS)->loop = 1;
	return;
    }
    at = save_string(w, folded);
    w->path[w->depth].server = server;
    w->path[w->depth].address = at;
    w->depth++;
    resolve_here(w, server, address);
    w->depth--;
    memo_store(w, server, folded, start);
}

/* Checking outcomes against what is due. */

typedef enum EXPECT_KIND { EXPECT_MAILBOX, EXPECT_REJECT, EXPECT_ROLE } EXPECT_KIND;

typedef struct EXPECT {
    EXPECT_KIND kind;
    long    branch;			/* EXPECT_MAILBOX */
    const char *name;			/* EXPECT_MAILBOX */
    int     no_switch;			/* a branch's mail to its own users */
    size_t  role;			/* EXPECT_ROLE */
    long    by;				/* EXPECT_REJECT: -1 the first server,
					 * else by this branch's server */
} EXPECT;

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
	    return (P_LOOP);
    switch (e->kind) {
    case EXPECT_MAILBOX:
	if (n != 1 || o->kind != OUT_MAILBOX || w->v->vs[o->server].branch != e->branch
	    || strcmp(string_at(w, o->what), e->name) != 0)
	    return (P_DELIVERY);
	return (e->no_switch && o->via_switch ? P_LOCAL : -1);
    case EXPECT_REJECT:
	return (n == 1 && o->kind == OUT_REJECT && o->code[0] == '5'
		&& (e->by < 0 ? o->hops == 0 : w->v->vs[o->server].branch == e->by) ?
		-1 : P_UNKNOWN);
    case EXPECT_ROLE:
	return (role_met(w, start, e->role) ? -1 : P_DELIVERY);
    }
    return (P_DELIVERY);
}

/* Send ADDRESS in at entry point ENTRY; 0 when it went as due. */
static int send_one(WORKER *w, size_t entry, const char *address, const EXPECT *e)
{
    const ENTRY *en = w->v->entries + entry;
    ENTRY_STATS *st = w->stats + entry;
    size_t  start = w->npool, i;
    char    got[2048], due[256];
    int     broken;

    w->addresses++;
    st->tried++;
    w->depth = 0;
    arrive(w, en->server, address);
    for (i = start; i < w->npool; i++) {
	if (w->pool[i].hops > st->max_hops)
	    st->max_hops = w->pool[i].hops;
	if (w->pool[i].hops > w->max_hops)
	    w->max_hops = w->pool[i].hops;
    }
    if (start < w->npool && w->pool[start].via_switch)
	st->via_switch++;
    if ((broken = judge(w, start, e)) < 0) {
	if (e->kind == EXPECT_REJECT)
	    st->rejected++;
	else
	    st->delivered++;
    } else {
	st->problems++;
	describe_all(w, start, got, sizeof(got));
	describe_expect(w, e, due, sizeof(due));
	note_problem(w, (PROBLEM_KIND) broken, "%s, %s: %s: wanted %s; got %s",
		     server_name(w->v, en->server), en->label, address, due, got);
    }
    w->npool = start;
    return (broken < 0 ? 0 : -1);
}

/* Start afresh for the next user: the memo and strings are per user. */
static void reset_user(WORKER *w)
{
    w->nmemo = 0;
    w->nmemo_pool = 0;
    w->nstrings = 0;
    w->npool = 0;
}

/* Addresses of one user. */

/* Send LOCAL@DOMAIN from ENTRY expecting user U's mailbox. */
static int send_user(WORKER *w, size_t entry, const char *local, const char *domain,
		             const TOPO_USER *u, int no_switch)
{
    char    address[ADDR_MAX + 1];
    EXPECT  e;

    snprintf(address, sizeof(address), "%s@%s", local, domain);
    memset(&e, 0, sizeof(e));
    e.kind = EXPECT_MAILBOX;
    e.branch = u->branch;
    e.name = u->name;
    e.no_switch = no_switch;
    return (send_one(w, entry, address, &e));
}

/* Every entry point an address at DOMAIN of user U comes in by. */
static int send_everywhere(WORKER *w, const char *local, const char *domain,
			           const TOPO_USER *u, size_t other)
{
    const VERIFIER *v = w->v;
    long    b = topology_branch_of_domain(v->topo, domain);
    int     bad = 0;
    size_t  i;

    if (b < 0) {
	for (i = 0; i < v->ndomain_mx; i++)
	    bad |= send_user(w, v->domain_mx[i], local, domain, u, 0);
    } else if (v->branch_mx[b] >= 0) {
	bad |= send_user(w, (size_t) v->branch_mx[b], local, domain, u, 0);
    }
    /* A branch no server runs has no submission (a setup problem). */
    if (v->submission[u->branch] >= 0)
	bad |= send_user(w, (size_t) v->submission[u->branch], local, domain, u, 1);
    if (other != u->branch && v->submission[other] >= 0)
	bad |= send_user(w, (size_t) v->submission[other], local, domain, u, 0);
    return (bad);
}

static void check_user(WORKER *w, size_t user)
{
    const TOPOLOGY *topo = w->v->topo;
    const TOPO_USER *u = topo->users + user;
    const TOPO_ALIAS *a;
    const char *sub = topo->branches[u->branch].subdomain;
    size_t  nb = topo->nbranches, other;
    int     bad = 0;

    reset_user(w);
    /* Each user is also sent from one other branch, each in turn. */
    other = nb > 1 ? (u->branch + 1 + user % (nb - 1)) % nb : u->branch;
    bad |= send_everywhere(w, u->name, topo->domain, u, other);
    bad |= send_everywhere(w, u->name, sub, u, other);
    for (a = topo->aliases + u->first_alias; a < topo->aliases + u->first_alias + u->naliases; a++) {
	if (a->domain) {
	    bad |= send_everywhere(w, a->local, a->domain, u, other);
	} else {
	    bad |= send_everywhere(w, a->local, topo->domain, u, other);
	    bad |= send_everywhere(w, a->local, sub, u, other);
	}
    }
    if (bad)
	w->users_bad++;
    else
	w->users_ok++;
}

/* Roles, from every MX of the domain and every branch. */
static void check_roles(WORKER *w)
{
    const VERIFIER *v = w->v;
    char    address[ADDR_MAX + 1];
    EXPECT  e;
    size_t  r, i;
    int     bad;

    for (r = 0; r < v->topo->nroles; r++) {
	reset_user(w);
	memset(&e, 0, sizeof(e));
	e.kind = EXPECT_ROLE;
	e.role = r;
	snprintf(address, sizeof(address), "%s@%s", v->topo->roles[r].name, v->topo->domain);
	bad = 0;
	for (i = 0; i < v->nentries; i++)
	    if (v->entries[i].kind == ENTRY_SUBMISSION || v->entries[i].mx_branch < 0)
		bad |= send_one(w, i, address, &e);
	if (!bad)
	    w->roles_ok++;
    }
}

/* A name nobody has: PROBE_NAME-N, or with a suffix until free. */
static void unknown_name(const TOPOLOGY *topo, unsigned n, char *buf, size_t len)
{
    size_t  index;
    unsigned tries;

    for (tries = 0; tries < 100; tries++) {
	snprintf(buf, len, "%s-%u%s", PROBE_NAME, n, tries ? "x" : "");
	if (topology_find_name(topo, buf, &index) == TOPO_UNKNOWN)
	    return;
    }
}

/*
 * LOCAL@DOMAIN is unknown: the first server must reject it, but one at
 * another branch's subdomain goes to that branch (its MX), which must.
 */
static void send_unknown(WORKER *w, size_t entry, const char *local, const char *domain)
{
    const VERIFIER *v = w->v;
    long    b = topology_branch_of_domain(v->topo, domain);
    char    address[ADDR_MAX + 1];
    EXPECT  e;

    reset_user(w);
    memset(&e, 0, sizeof(e));
    e.kind = EXPECT_REJECT;
    e.by = (b >= 0 && b != v->vs[v->entries[entry].server].branch) ? b : -1;
    snprintf(address, sizeof(address), "%s@%s", local, domain);
    if (send_one(w, entry, address, &e) == 0)
	w->unknown_ok++;
}

/* Up to v->opts->samples users of other branches, at SUBDOMAIN. */
static void send_strangers(WORKER *w, size_t entry, const char *subdomain)
{
    const TOPOLOGY *topo = w->v->topo;
    size_t  step = 1 + topo->nusers / (w->v->opts->samples + 1), u;
    int     sent = 0;

    for (u = 0; u < topo->nusers && sent < w->v->opts->samples; u += step) {
	if (topology_owner(topo, topo->users[u].name, subdomain) >= 0)
	    continue;
	send_unknown(w, entry, topo->users[u].name, subdomain);
	sent++;
    }
}

/*
 * Unknown addresses: made-up names at the domain and at the subdomains,
 * and real users of one branch at another branch's subdomain.
 */
static void check_unknown(WORKER *w)
{
    const VERIFIER *v = w->v;
    const TOPOLOGY *topo = v->topo;
    const ENTRY *en;
    char    name[128];
    size_t  i, b;
    int     k;

    for (i = 0; i < v->nentries; i++) {
	en = v->entries + i;
	for (k = 0; k < v->opts->samples; k++) {
	    unknown_name(topo, (unsigned) (i * 1000 + k), name, sizeof(name));
	    if (en->kind == ENTRY_MX && en->mx_branch >= 0) {
		send_unknown(w, i, name, topo->branches[en->mx_branch].subdomain);
		continue;
	    }
	    send_unknown(w, i, name, topo->domain);
	    if (en->kind == ENTRY_SUBMISSION) {
		b = (size_t) (v->vs[en->server].branch + 1 + k) % topo->nbranches;
		send_unknown(w, i, name, topo->branches[b].subdomain);
	    }
	}
	/* Someone else's name at a branch subdomain is unknown there. */
	if (en->kind == ENTRY_MX && en->mx_branch >= 0)
	    send_strangers(w, i, topo->branches[en->mx_branch].subdomain);
    }
}

/*
 * A branch's own map must hold nothing but addresses of its own users
 * and the catch-all of its own subdomain: then any other address of the
 * domain passes through it untouched.
 */
typedef struct OWN_CHECK {
    WORKER *w;
    long    branch;
    const char *file;
    unsigned long foreign;
} OWN_CHECK;

static void check_own_entry(OWN_CHECK *oc, const char *key)
{
    const TOPOLOGY *topo = oc->w->v->topo;
    char    copy[ADDR_MAX + 8], *at;
    long    user;

    snprintf(copy, sizeof(copy), "%s", key);
    if ((at = strrchr(copy, '@')) == 0) {
	user = -1;
    } else if (at == copy) {
	/* Its own subdomain's catch-all concerns nobody else. */
	if (strcmp(at + 1, topo->branches[oc->branch].subdomain) == 0)
	    return;
	user = -1;
    } else {
	*at = 0;
	user = topology_owner(topo, copy, at + 1);
    }
    if (user >= 0 && topo->users[user].branch == (uint32_t) oc->branch)
	return;
    oc->foreign++;
    note_problem(oc->w, P_STRUCTURE, "%s holds %s, which is no address of a "
		 "user of branch %s: other branches' mail may stop there",
		 oc->file, key, topo->branches[oc->branch].name);
}

static void check_branch_maps(WORKER *w)
{
    const VERIFIER *v = w->v;
    OWN_CHECK oc;
    size_t  s, m, i;

    for (s = 0; s < v->nvs; s++) {
	if (v->vs[s].branch < 0 || (long) s % w->nworkers != w->index)
	    continue;
	m = (size_t) v->vs[s].map[0];
	memset(&oc, 0, sizeof(oc));
	oc.w = w;
	oc.branch = v->vs[s].branch;
	oc.file = v->map_files[m];
	for (i = 0; i < v->tables[m].table->count; i++)
	    check_own_entry(&oc, v->tables[m].table->entries[i].key);
    }
}

static void *work(void *arg)
{
    WORKER *w = arg;
    size_t  u;

    for (u = w->begin; u < w->end; u++)
	check_user(w, u);
    check_branch_maps(w);
    if (w->index == 0) {
	check_roles(w);
	check_unknown(w);
    }
    reset_user(w);
    return (0);
}

/* Setting up: the build's servers, maps and zone. */

static void setup_problem(VERIFIER *v, const char *fmt,...)
{
    char    buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    fprintf(v->opts->out, "problem: %s\n", buf);
    v->setup_problems++;
}

static char *build_path(const VERIFIER *v, const char *name)
{
    size_t  len = strlen(v->opts->dir) + strlen(name) + 2;
    char   *path = xrealloc(0, len);

    snprintf(path, len, "%s/%s", v->opts->dir, name);
    return (path);
}

/* The index of map file NAME, entered when new. */
static int map_file_index(VERIFIER *v, const char *name)
{
    size_t  i;

    for (i = 0; i < v->nmap_files; i++)
	if (strcmp(v->map_files[i], name) == 0)
	    return ((int) i);
    v->map_files = xrealloc(v->map_files, (v->nmap_files + 1) * sizeof(char *));
    v->map_files[v->nmap_files] = xrealloc(0, strlen(name) + 1);
    strcpy(v->map_files[v->nmap_files], name);
    return ((int) v->nmap_files++);
}

static long branch_named(const TOPOLOGY *topo, const char *name)
{
    size_t  i;

    for (i = 0; i < topo->nbranches; i++)
	if (strcmp(topo->branches[i].name, name) == 0)
	    return ((long) i);
    return (-1);
}

/* The servers file against the topology: same servers, same roles. */
static void setup_servers(VERIFIER *v)
{
    const TOPOLOGY *topo = v->topo;
    size_t  i, j, want = topo->nswitches + topo->nbackups + topo->nbranches;

    v->nvs = v->servers->count;
    v->vs = xrealloc(0, v->nvs * sizeof(*v->vs));
    memset(v->vs, 0, v->nvs * sizeof(*v->vs));
    for (i = 0; i < v->nvs; i++) {
	const SERVER *s = v->servers->server + i;
	VSERVER *vs = v->vs + i;

	vs->conf = s;
	vs->is_switch = (s->role == SERVER_SWITCH);
	vs->branch = s->branch ? branch_named(topo, s->branch) : -1;
	if (s->branch && vs->branch < 0)
	    setup_problem(v, "%s:%u: branch %s is not in %s", v->servers->path,
			  s->line, s->branch, topo->path);
	else if (s->branch && strcmp(topo->branches[vs->branch].host.name, s->host) != 0)
	    setup_problem(v, "%s:%u: branch %s's host is %s in %s", v->servers->path,
			  s->line, s->branch, topo->branches[vs->branch].host.name,
			  topo->path);
	for (j = 0; j < s->nmaps; j++)
	    vs->map[vs->nmaps++] = map_file_index(v, s->maps[j]);
	for (j = 0; j < i; j++)
	    if (strcmp(v->vs[j].conf->host, s->host) == 0)
		setup_problem(v, "%s:%u: host %s listed twice", v->servers->path,
			      s->line, s->host);
    }
    if (v->nvs != want)
	setup_problem(v, "%s lists %zu servers; %s has %zu", v->servers->path,
		      v->nvs, topo->path, want);
    if (strcmp(v->servers->domain, topo->domain) != 0)
	setup_problem(v, "%s is for %s; %s for %s", v->servers->path,
		      v->servers->domain, topo->path, topo->domain);
}

/* VUT_SOURCE over a map read whole, as map_lookup() etc. over the file. */
static int tsource_lookup(void *ctx, const char *key, char **value)
{
    return (table_lookup(((TSOURCE *) ctx)->table, key, value));
}

static int tsource_match(void *ctx, const char *address, char **value,
			         char *trace, size_t tracelen)
{
    return (table_match(((TSOURCE *) ctx)->table, address, value, trace, tracelen));
}

static int tsource_serves(void *ctx, const char *domain)
{
    return (htable_find(((TSOURCE *) ctx)->domains, domain) != 0);
}

/* Read map file I whole, each entry checked as a table line would be. */
static int load_map(VERIFIER *v, size_t i)
{
    TSOURCE *ts = v->tables + i;
    char    err[512], *path, *value;
    const char *at;
    MAP    *map;
    size_t  e;

    path = build_path(v, v->map_files[i]);
    map = map_open_readonly(path, err, sizeof(err));
    free(path);
    if (map == 0) {
	fprintf(v->opts->out, "problem: %s\n", err);
	return (-1);
    }
    ts->table = table_from_map(map, v->opts->report, v->opts->ctx);
    map_close(map);
    if (ts->table == 0)
	return (-1);
    /* The domains of literal keys, as map_serves() knows them. */
    ts->domains = xhtable_create(16);
    for (e = 0; e < ts->table->count; e++)
	if (ts->table->entries[e].seq == 0
	    && (at = strrchr(ts->table->entries[e].key, '@')) != 0
	    && htable_find(ts->domains, at + 1) == 0)
	    xhtable_insert(ts->domains, at + 1, ts);
    /* Build the lookup index now, before threads share the table. */
    if (table_lookup(ts->table, "@", &value) > 0)
	free(value);
    return (0);
}

typedef struct LOADER {
    VERIFIER *v;
    int     index, count, failed;
} LOADER;

static void *load_some(void *arg)
{
    LOADER *ld = arg;
    size_t  i;

    for (i = ld->index; i < ld->v->nmap_files; i += ld->count)
	if (load_map(ld->v, i) < 0)
	    ld->failed = 1;
    return (0);
}

/* Read every map, in as many threads as verify may use. */
static int load_maps(VERIFIER *v, int nthreads)
{
    LOADER  ld[VERIFY_MAX_THREADS];
    pthread_t tid[VERIFY_MAX_THREADS];
    int     started[VERIFY_MAX_THREADS], k, failed = 0;
    size_t  i;

    v->tables = xrealloc(0, (v->nmap_files ? v->nmap_files : 1) * sizeof(TSOURCE));
    memset(v->tables, 0, (v->nmap_files ? v->nmap_files : 1) * sizeof(TSOURCE));
    for (k = 0; k < nthreads; k++) {
	ld[k].v = v;
	ld[k].index = k;
	ld[k].count = nthreads;
	ld[k].failed = 0;
	started[k] = k > 0 && pthread_create(tid + k, 0, load_some, ld + k) == 0;
    }
    load_some(ld);
    for (k = 1; k < nthreads; k++) {
	if (started[k])
	    pthread_join(tid[k], 0);
	else
	    load_some(ld + k);
    }
    for (k = 0; k < nthreads; k++)
	failed |= ld[k].failed;
    for (i = 0; !failed && i < v->nmap_files; i++)
	if (v->tables[i].table->errors)
	    setup_problem(v, "%s: %d bad entries", v->map_files[i],
			  v->tables[i].table->errors);
    return (failed ? -1 : 0);
}

static long domain_slot(VERIFIER *v, const char *domain)
{
    uintptr_t d = (uintptr_t) htable_find(v->domain_index, domain);

    if (d)
	return ((long) d - 1);
    v->domains = xrealloc(v->domains, (v->ndomains + 1) * sizeof(char *));
    v->domains[v->ndomains] = domain;
    xhtable_insert(v->domain_index, domain, (void *) (uintptr_t) (v->ndomains + 1));
    return ((long) v->ndomains++);
}

static long server_of_host(const VERIFIER *v, const char *host)
{
    size_t  i;

    for (i = 0; i < v->nvs; i++)
	if (strcmp(v->vs[i].conf->host, host) == 0)
	    return ((long) i);
    return (-1);
}

/*
 * How SERVER reaches DOMAIN by the zone's MX records: the best hosts
 * among those better than itself when it is an MX of DOMAIN too.
 */
static void compute_route(VERIFIER *v, size_t server, size_t domain, ROUTE *r)
{
    const ZONE_RR *mx[64];
    size_t  n = zone_mx(v->zone, v->domains[domain], mx, 64), i;
    int     own = -1, best = -1;
    long    s;

    memset(r, 0, sizeof(*r));
    if (n == 0) {
	/* No MX: mail goes to the address of the name itself. */
	if (zone_count(v->zone, v->domains[domain], ZONE_A)
	    + zone_count(v->zone, v->domains[domain], ZONE_AAAA) == 0) {
	    r->kind = ROUTE_NONE;
	} else if ((s = server_of_host(v, v->domains[domain])) < 0) {
	    r->kind = ROUTE_EXTERNAL;
	} else if ((size_t) s == server) {
	    r->kind = ROUTE_SELF;
	} else {
	    r->kind = ROUTE_SERVERS;
	    r->server[r->n++] = (int) s;
	}
	return;
    }
    if (n > 64)
	n = 64;
    for (i = 0; i < n; i++)
	if (strcmp(mx[i]->data, v->vs[server].conf->host) == 0 && own < 0)
	    own = mx[i]->preference;
    for (i = 0; i < n; i++) {
	if ((own >= 0 && mx[i]->preference >= own)
	    || (best >= 0 && mx[i]->preference != best))
	    break;
	best = mx[i]->preference;
	if ((s = server_of_host(v, mx[i]->data)) < 0) {
	    r->kind = ROUTE_EXTERNAL;
	    return;
	}
	if (r->n < VERIFY_MAX_ROUTE)
	    r->server[r->n++] = (int) s;
    }
    r->kind = r->n ? ROUTE_SERVERS : ROUTE_SELF;
}

/* The zone: every MX names a host with an address here, never an IP. */
static void check_zone(VERIFIER *v)
{
    const ZONE_RR *rr;
    const TOPOLOGY *topo = v->topo;
    size_t  i;

    for (i = 0; i < v->zone->count; i++) {
	rr = v->zone->rr + i;
	if (rr->type != ZONE_MX)
	    continue;
	if (zone_count(v->zone, rr->data, ZONE_CNAME))
	    setup_problem(v, "%s:%u: MX %s is a CNAME", v->zone->path, rr->line, rr->data);
	if (topology_in_domain(rr->data, topo->domain)
	    && zone_count(v->zone, rr->data, ZONE_A) + zone_count(v->zone, rr->data, ZONE_AAAA) == 0)
	    setup_problem(v, "%s:%u: MX %s has no address record", v->zone->path,
			  rr->line, rr->data);
	if (strspn(rr->data, "0123456789.") == strlen(rr->data) || strchr(rr->data, ':'))
	    setup_problem(v, "%s:%u: MX %s is an address", v->zone->path, rr->line,
			  rr->data);
    }
}

static void add_entry(VERIFIER *v, int server, ENTRY_KIND kind, long mx_branch,
		              const char *fmt,...)
{
    ENTRY  *e;
    va_list ap;

    v->entries = xrealloc(v->entries, (v->nentries + 1) * sizeof(*v->entries));
    e = v->entries + v->nentries++;
    e->server = server;
    e->kind = kind;
    e->mx_branch = mx_branch;
    va_start(ap, fmt);
    vsnprintf(e->label, sizeof(e->label), fmt, ap);
    va_end(ap);
}

/* Entry points: the MX hosts of the domain and subdomains, submissions. */
static void setup_entries(VERIFIER *v)
{
    const TOPOLOGY *topo = v->topo;
    const ZONE_RR *mx[64];
    size_t  n, i, b;
    long    s;

    v->submission = xrealloc(0, topo->nbranches * sizeof(long));
    v->branch_mx = xrealloc(0, topo->nbranches * sizeof(long));
    n = zone_mx(v->zone, topo->domain, mx, 64);
    if (n == 0)
	setup_problem(v, "%s: no MX for %s", v->zone->path, topo->domain);
    v->domain_mx = xrealloc(0, (n ? n : 1) * sizeof(size_t));
    for (i = 0; i < n && i < 64; i++) {
	if ((s = server_of_host(v, mx[i]->data)) < 0) {
	    setup_problem(v, "%s:%u: MX %s of %s is none of the servers",
			  v->zone->path, mx[i]->line, mx[i]->data, topo->domain);
	    continue;
	}
	v->domain_mx[v->ndomain_mx++] = v->nentries;
	add_entry(v, (int) s, ENTRY_MX, -1, "MX %d %s", mx[i]->preference, topo->domain);
    }
    for (b = 0; b < topo->nbranches; b++) {
	v->branch_mx[b] = -1;
	n = zone_mx(v->zone, topo->branches[b].subdomain, mx, 64);
	if (n == 0 || (s = server_of_host(v, mx[0]->data)) < 0) {
	    setup_problem(v, "%s: no MX for %s leads to a server", v->zone->path,
			  topo->branches[b].subdomain);
	    continue;
	}
	v->branch_mx[b] = (long) v->nentries;
	add_entry(v, (int) s, ENTRY_MX, (long) b, "MX %d %s", mx[0]->preference,
		  topo->branches[b].subdomain);
    }
    for (b = 0; b < topo->nbranches; b++) {
	v->submission[b] = -1;
	for (s = -1, i = 0; i < v->nvs; i++)
	    if (v->vs[i].branch == (long) b)
		s = (long) i;
	if (s < 0) {
	    setup_problem(v, "no server runs branch %s", topo->branches[b].name);
	    continue;
	}
	v->submission[b] = (long) v->nentries;
	add_entry(v, (int) s, ENTRY_SUBMISSION, -1, "submission");
    }
}

static void setup_routes(VERIFIER *v)
{
    const TOPOLOGY *topo = v->topo;
    size_t  s, d;

    v->domain_index = xhtable_create(16 + topo->nbranches);
    domain_slot(v, topo->domain);
    domain_slot(v, topo->relay);
    for (d = 0; d < topo->nbranches; d++)
	domain_slot(v, topo->branches[d].subdomain);
    for (d = 0; d < v->zone->count; d++)
	domain_slot(v, v->zone->rr[d].name);
    v->routes = xrealloc(0, v->nvs * v->ndomains * sizeof(ROUTE));
    for (s = 0; s < v->nvs; s++)
	for (d = 0; d < v->ndomains; d++)
	    compute_route(v, s, d, v->routes + s * v->ndomains + d);
}

/* Running and reporting. */

static void worker_init(WORKER *w, VERIFIER *v, int index, int nworkers)
{
    size_t  s, m;

    memset(w, 0, sizeof(*w));
    w->v = v;
    w->index = index;
    w->nworkers = nworkers;
    w->stats = xrealloc(0, (v->nentries ? v->nentries : 1) * sizeof(ENTRY_STATS));
    memset(w->stats, 0, (v->nentries ? v->nentries : 1) * sizeof(ENTRY_STATS));
    w->sources = xrealloc(0, v->nvs * SERVER_MAX_MAPS * sizeof(VUT_SOURCE));
    memset(w->sources, 0, v->nvs * SERVER_MAX_MAPS * sizeof(VUT_SOURCE));
    w->vut = xrealloc(0, v->nvs * sizeof(VUT));
    for (s = 0; s < v->nvs; s++) {
	VUT_SOURCE *src = w->sources + s * SERVER_MAX_MAPS;

	for (m = 0; m < v->vs[s].nmaps; m++) {
	    src[m].lookup = tsource_lookup;
	    src[m].match = tsource_match;
	    src[m].serves = tsource_serves;
	    src[m].ctx = v->tables + v->vs[s].map[m];
	    src[m].name = v->map_files[v->vs[s].map[m]];
	}
	vut_init(w->vut + s, src, v->vs[s].nmaps);
    }
    w->begin = v->topo->nusers * index / nworkers;
    w->end = v->topo->nusers * (index + 1) / nworkers;
}

static void worker_free(WORKER *w)
{
    size_t  i;

    for (i = 0; i < w->nshown; i++)
	free(w->shown[i]);
    free(w->shown);
    free(w->stats);
    free(w->sources);
    free(w->vut);
    free(w->pool);
    free(w->memo_pool);
    free(w->strings);
}

static int thread_count(const VERIFY_OPTS *opts, size_t users)
{
    long    n = opts->threads > 0 ? opts->threads : sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 1)
	n = 1;
    if (n > VERIFY_MAX_THREADS)
	n = VERIFY_MAX_THREADS;
    if (users < 10000 && opts->threads == 0)
	n = 1;				/* not worth a thread */
    return ((int) n);
}

static void print_summary(VERIFIER *v, WORKER *w, int nw)
{
    static const char *const promise[P_COUNT] = {
	"every known address ends in exactly one mailbox, its user's",
	"every unknown address is rejected by the first server it reaches\n"
	"         (at another branch's subdomain: by that branch, its MX)",
	"no path loops",
	"no mail a branch sends to its own users passes through a switch",
	"the build is consistent (servers, zone, branch maps)",
    };
    FILE   *out = v->opts->out;
    unsigned long problems[P_COUNT], users_ok = 0, users_bad = 0, unknown_ok = 0,
            roles_ok = 0, addresses = 0, shown = 0, total = 0;
    unsigned max_hops = 0;
    size_t  e, i, wide_host = 11, wide_label = 8;
    int     k, p;

    memset(problems, 0, sizeof(problems));
    for (k = 0; k < nw; k++) {
	for (p = 0; p < P_COUNT; p++)
	    problems[p] += w[k].problems[p];
	users_ok += w[k].users_ok;
	users_bad += w[k].users_bad;
	unknown_ok += w[k].unknown_ok;
	roles_ok += w[k].roles_ok;
	addresses += w[k].addresses;
	if (w[k].max_hops > max_hops)
	    max_hops = w[k].max_hops;
	for (i = 0; i < w[k].nshown && shown < (unsigned long) v->opts->max_problems; i++, shown++)
	    fprintf(out, "problem: %s\n", w[k].shown[i]);
    }
    problems[P_STRUCTURE] += v->setup_problems;
    for (p = 0; p < P_COUNT; p++)
	total += problems[p];
    if (total > shown + v->setup_problems)
	fprintf(out, "(%lu more problems not shown)\n", total - shown - v->setup_problems);
    fprintf(out, "verify %s: %s, %zu branches, %zu users, %zu roles, %lu addresses sent\n",
	    v->opts->name ? v->opts->name : v->opts->dir, v->topo->domain,
	    v->topo->nbranches, v->topo->nusers, v->topo->nroles, addresses);
    for (e = 0; e < v->nentries; e++) {
	if (strlen(server_name(v, v->entries[e].server)) > wide_host)
	    wide_host = strlen(server_name(v, v->entries[e].server));
	if (strlen(v->entries[e].label) > wide_label)
	    wide_label = strlen(v->entries[e].label);
    }
    fprintf(out, "%-*s %-*s %9s %9s %8s %7s %8s %4s\n", (int) wide_host, "entry point",
	    (int) wide_label, "receives", "addresses", "delivered", "rejected",
	    "switch", "problems", "hops");
    for (e = 0; e < v->nentries; e++) {
	ENTRY_STATS st;

	memset(&st, 0, sizeof(st));
	for (k = 0; k < nw; k++) {
	    st.tried += w[k].stats[e].tried;
	    st.delivered += w[k].stats[e].delivered;
	    st.rejected += w[k].stats[e].rejected;
	    st.problems += w[k].stats[e].problems;
	    st.via_switch += w[k].stats[e].via_switch;
	    if (w[k].stats[e].max_hops > st.max_hops)
		st.max_hops = w[k].stats[e].max_hops;
	}
	fprintf(out, "%-*s %-*s %9lu %9lu %8lu %7lu %8lu %4u\n", (int) wide_host,
		server_name(v, v->entries[e].server), (int) wide_label,
		v->entries[e].label, st.tried, st.delivered, st.rejected,
		st.via_switch, st.problems, st.max_hops);
    }
    fprintf(out, "users: %lu proved, %lu not; roles: %lu of %zu; unknown "
	    "addresses rejected first: %lu; longest path: %u hop%s after the entry\n",
	    users_ok, users_bad, roles_ok, v->topo->nroles, unknown_ok, max_hops,
	    max_hops == 1 ? "" : "s");
    for (p = 0; p < P_COUNT; p++)
	fprintf(out, "%-8s %s\n", problems[p] ? "FAILED" : "proved", promise[p]);
}

static void verifier_free(VERIFIER *v)
{
    size_t  i;

    for (i = 0; i < v->nmap_files; i++) {
	free(v->map_files[i]);
	if (v->tables) {
	    table_free(v->tables[i].table);
	    htable_free(v->tables[i].domains);
	}
    }
    free(v->map_files);
    free(v->tables);
    free(v->vs);
    free(v->domains);
    htable_free(v->domain_index);
    free(v->routes);
    free(v->entries);
    free(v->submission);
    free(v->branch_mx);
    free(v->domain_mx);
    zone_free(v->zone);
    servers_free(v->servers);
}

static int run_workers(VERIFIER *v)
{
    WORKER  w[VERIFY_MAX_THREADS];
    pthread_t tid[VERIFY_MAX_THREADS];
    int     nw = thread_count(v->opts, v->topo->nusers), k, started[VERIFY_MAX_THREADS];
    unsigned long total = v->setup_problems;
    int     p;

    for (k = 0; k < nw; k++)
	worker_init(w + k, v, k, nw);
    for (k = 1; k < nw; k++)
	started[k] = (pthread_create(tid + k, 0, work, w + k) == 0);
    work(w);
    for (k = 1; k < nw; k++) {
	if (started[k])
	    pthread_join(tid[k], 0);
	else
	    work(w + k);
    }
    print_summary(v, w, nw);
    for (k = 0; k < nw; k++) {
	for (p = 0; p < P_COUNT; p++)
	    total += w[k].problems[p];
	worker_free(w + k);
    }
    return (total ? 1 : 0);
}

int     route_verify(const VERIFY_OPTS *opts, const TOPOLOGY *topo)
{
    VERIFIER v;
    TOPOLOGY *loaded = 0;
    char   *path;
    int     errors, status = -1;

    memset(&v, 0, sizeof(v));
    v.opts = opts;
    path = build_path(&v, "servers");
    v.servers = servers_read(path, opts->report, opts->ctx, &errors);
    free(path);
    if (v.servers == 0 || errors)
	goto done;
    if (topo == 0) {
	if ((loaded = topology_load(v.servers->topology, opts->report, opts->ctx)) == 0)
	    goto done;
	if (loaded->errors) {
	    fprintf(opts->out, "problem: %s has errors: cannot verify against it\n",
		    loaded->path);
	    goto done;
	}
	topo = loaded;
    }
    v.topo = topo;
    path = build_path(&v, "dns.zone");
    v.zone = zone_read(path, opts->report, opts->ctx, &errors);
    free(path);
    if (v.zone == 0 || errors)
	goto done;
    setup_servers(&v);
    if (load_maps(&v, thread_count(opts, topo->nusers)) < 0)
	goto done;
    check_zone(&v);
    v.setup_problems += record_verify(opts->dir, topo, v.zone, opts->report, opts->ctx);
    setup_routes(&v);
    setup_entries(&v);
    status = run_workers(&v);

done:
    verifier_free(&v);
    topology_free(loaded);
    return (status);
}
