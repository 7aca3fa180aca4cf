/*
 * verifyroute.c - the MX routing simulation of maptool verify.
 *
 * Exports worker_init(), worker_free(), worker_reset(),
 * follow_address() and string_at(). Mail is followed as the network
 * would carry it: at each server the recipient is resolved with
 * vut_resolve() over the maps that server runs (the build's maps, read
 * whole), a result at the server's own subdomain or without a domain is
 * a mailbox there, and any other result goes to the best MX host the
 * build's zone fragment gives for its domain (a host never hands mail
 * to itself or to a worse MX, as Postfix and sendmail do not). A backup
 * MX (mode validate) only accepts or rejects, then passes the recipient
 * on unchanged. Equal-preference MX hosts must route alike. Results are
 * memoised per address and server while one user is checked; a path
 * that comes back to a server with the same address loops.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "verifyroute.h"
#include "xalloc.h"

typedef enum ROUTE_KIND {
    ROUTE_NONE, ROUTE_EXTERNAL, ROUTE_SERVERS, ROUTE_SELF,
} ROUTE_KIND;

/* Where a server sends mail for one domain. */
typedef struct ROUTE {
    ROUTE_KIND kind;
    size_t  n;
    int     server[VERIFY_MAX_ROUTE];
} ROUTE;

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

const char *string_at(const WORKER *w, size_t at)
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

/* Without an MX, mail goes to the address of the name itself. */
static void route_by_address(const VERIFIER *v, int server, const char *domain,
			             const ZONE_NAME *zn, ROUTE *r)
{
    long    s;

    if (zn == 0 || zn->naddr == 0) {
	r->kind = ROUTE_NONE;
    } else if ((s = verifier_server_of(v, domain)) < 0) {
	r->kind = ROUTE_EXTERNAL;
    } else if (s == server) {
	r->kind = ROUTE_SELF;
    } else {
	r->kind = ROUTE_SERVERS;
	r->server[r->n++] = (int) s;
    }
}

/*
 * How SERVER reaches DOMAIN by the zone's MX records: the best hosts
 * among those better than itself when it is an MX of DOMAIN too.
 * Worked out from the zone's index at each use: a table of every
 * server and domain would grow with the square of the branches.
 */
static void route_for(const VERIFIER *v, int server, const char *domain, ROUTE *r)
{
    const ZONE_NAME *zn;
    const char *host = server_name(v, server);
    size_t  n, i;
    int     own = -1, best = -1;

    memset(r, 0, sizeof(*r));
    if (htable_find(v->domain_index, domain) == 0) {
	r->kind = topology_in_domain(domain, v->topo->domain) ?
	    ROUTE_NONE : ROUTE_EXTERNAL;
	return;
    }
    zn = verifier_zone_name(v, domain);
    if ((n = zn ? zn->nmx : 0) == 0) {
	route_by_address(v, server, domain, zn, r);
	return;
    }
    if (n > VERIFY_MAX_MX)
	n = VERIFY_MAX_MX;
    for (i = 0; i < n; i++)
	if (strcmp(zn->mx[i]->data, host) == 0 && own < 0)
	    own = zn->mx[i]->preference;
    for (i = 0; i < n; i++) {
	if ((own >= 0 && zn->mx[i]->preference >= own)
	    || (best >= 0 && zn->mx[i]->preference != best))
	    break;
	best = zn->mx[i]->preference;
	if (zn->mx_server[i] < 0) {
	    r->kind = ROUTE_EXTERNAL;
	    return;
	}
	if (r->n < VERIFY_MAX_ROUTE)
	    r->server[r->n++] = (int) zn->mx_server[i];
    }
    r->kind = r->n ? ROUTE_SERVERS : ROUTE_SELF;
}

/* Send ADDRESS on from SERVER to the best MX of its domain. */
static void pass_on(WORKER *w, int server, const char *address, const char *domain)
{
    const VERIFIER *v = w->v;
    ROUTE   r;
    size_t  first, n, i, other;

    route_for(v, server, domain, &r);
    switch (r.kind) {
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
    arrive(w, r.server[0], address);
    n = w->npool - first;
    for (i = 1; i < r.n; i++) {
	other = w->npool;
	arrive(w, r.server[i], address);
	if (w->npool - other != n || !same_outcomes(w, first, other, n)) {
	    w->npool = other;
	    add_problem_outcome(w, server, "%s: the equal MX hosts %s and %s "
				"route it differently", address,
				server_name(v, r.server[0]),
				server_name(v, r.server[i]));
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
    const char *why, *own = s->branch >= 0 ?
    w->v->topo->branches[s->branch].subdomain : 0;
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
	|| (own && strcmp(addr.domain, own) == 0)) {
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

void    follow_address(WORKER *w, int server, const char *address)
{
    w->depth = 0;
    arrive(w, server, address);
}

void    worker_reset(WORKER *w)
{
    w->nmemo = 0;
    w->nmemo_pool = 0;
    w->nstrings = 0;
    w->npool = 0;
}

/* VUT_SOURCE over a map read whole, as map_lookup() etc. over the file. */
static int loaded_lookup(void *ctx, const char *key, char **value)
{
    return (table_lookup(((LOADED_MAP *) ctx)->table, key, value));
}

static int loaded_match(void *ctx, const char *address, char **value,
			        char *trace, size_t tracelen)
{
    return (table_match(((LOADED_MAP *) ctx)->table, address, value, trace, tracelen));
}

static int loaded_serves(void *ctx, const char *domain)
{
    return (htable_find(((LOADED_MAP *) ctx)->domains, domain) != 0);
}

void    worker_init(WORKER *w, VERIFIER *v, int index, int nworkers)
{
    size_t  s, m;

    memset(w, 0, sizeof(*w));
    w->v = v;
    w->index = index;
    w->nworkers = nworkers;
    w->stats = xcalloc(v->nentries ? v->nentries : 1, sizeof(ENTRY_STATS));
    w->sources = xcalloc(v->nvs ? v->nvs * SERVER_MAX_MAPS : 1, sizeof(VUT_SOURCE));
    w->vut = xcalloc(v->nvs ? v->nvs : 1, sizeof(VUT));
    for (s = 0; s < v->nvs; s++) {
	VUT_SOURCE *src = w->sources + s * SERVER_MAX_MAPS;

	for (m = 0; m < v->vs[s].nmaps; m++) {
	    src[m].lookup = loaded_lookup;
	    src[m].match = loaded_match;
	    src[m].serves = loaded_serves;
	    src[m].ctx = v->maps + v->vs[s].map[m];
	    src[m].name = v->map_files[v->vs[s].map[m]];
	}
	vut_init(w->vut + s, src, v->vs[s].nmaps);
    }
    w->begin = v->topo->nusers * index / nworkers;
    w->end = v->topo->nusers * (index + 1) / nworkers;
}

void    worker_free(WORKER *w)
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
