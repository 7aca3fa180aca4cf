/*
 * verifyprobe.c - probe generation for maptool verify.
 *
 * Exports probe_all(). From every entry point (each MX host of the
 * domain and of each branch subdomain, and each branch's own
 * submission) it sends: every address of every user (name and aliases
 * at the domain and the branch subdomain, old addresses), every role,
 * and a sample of unknown addresses (made-up names, and real users of
 * one branch at another branch's subdomain). Each user's name at the
 * domain is also sent with a +detail, which must reach the user's
 * mailbox as name+detail, or as name when the topology drops details.
 *
 * A user's addresses are sent from the user's own branch and from one
 * other branch (taking each branch in turn over the users). That covers
 * every branch because each branch's own map is also checked to hold
 * nothing but its own users' addresses: for any other address a branch
 * consults only the shared domain map, so all other branches route it
 * alike.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "verifyexpect.h"
#include "verifyprobe.h"

#define PROBE_NAME		"mailswitch-verify-nobody"
#define PROBE_DETAIL		"+mailswitch-verify"

/* Send LOCAL@DOMAIN from ENTRY expecting user U's MAILBOX. */
static int send_user(WORKER *w, size_t entry, const char *local, const char *domain,
		             const TOPO_USER *u, const char *mailbox, int no_switch)
{
    char    address[ADDR_MAX + 1];
    EXPECT  e;

    snprintf(address, sizeof(address), "%s@%s", local, domain);
    memset(&e, 0, sizeof(e));
    e.kind = EXPECT_MAILBOX;
    e.branch = u->branch;
    e.name = mailbox;
    e.no_switch = no_switch;
    return (send_expecting(w, entry, address, &e));
}

/* Every entry point LOCAL@DOMAIN of user U (to MAILBOX) comes in by. */
static int send_everywhere(WORKER *w, const char *local, const char *domain,
			           const TOPO_USER *u, const char *mailbox,
			           size_t other)
{
    const VERIFIER *v = w->v;
    long    b = verifier_branch_of(v, domain);
    int     bad = 0;
    size_t  i;

    if (b < 0) {
	for (i = 0; i < v->ndomain_mx; i++)
	    bad |= send_user(w, v->domain_mx[i], local, domain, u, mailbox, 0);
    } else if (v->branch_mx[b] >= 0) {
	bad |= send_user(w, (size_t) v->branch_mx[b], local, domain, u, mailbox, 0);
    }
    /* A branch no server runs has no submission (a setup problem). */
    if (v->submission[u->branch] >= 0)
	bad |= send_user(w, (size_t) v->submission[u->branch], local, domain, u,
			 mailbox, 1);
    if (other != u->branch && v->submission[other] >= 0)
	bad |= send_user(w, (size_t) v->submission[other], local, domain, u,
			 mailbox, 0);
    return (bad);
}

static void check_user(WORKER *w, size_t user)
{
    const TOPOLOGY *topo = w->v->topo;
    const TOPO_USER *u = topo->users + user;
    const TOPO_ALIAS *a;
    const char *sub = topo->branches[u->branch].subdomain;
    char    tagged[TOPO_MAX_NAME + sizeof(PROBE_DETAIL)];
    size_t  nb = topo->nbranches, other, i;
    int     bad = 0;

    worker_reset(w);
    /* Each user is also sent from one other branch, each in turn. */
    other = nb > 1 ? (u->branch + 1 + user % (nb - 1)) % nb : u->branch;
    bad |= send_everywhere(w, u->name, topo->domain, u, u->name, other);
    bad |= send_everywhere(w, u->name, sub, u, u->name, other);
    snprintf(tagged, sizeof(tagged), "%s%s", u->name, PROBE_DETAIL);
    bad |= send_everywhere(w, tagged, topo->domain, u,
			   topo->drop_detail ? u->name : tagged, other);
    for (i = 0; i < u->naliases; i++) {
	a = topo->aliases + u->first_alias + i;
	if (a->domain) {
	    bad |= send_everywhere(w, a->local, a->domain, u, u->name, other);
	} else {
	    bad |= send_everywhere(w, a->local, topo->domain, u, u->name, other);
	    bad |= send_everywhere(w, a->local, sub, u, u->name, other);
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
	worker_reset(w);
	memset(&e, 0, sizeof(e));
	e.kind = EXPECT_ROLE;
	e.role = r;
	snprintf(address, sizeof(address), "%s@%s", v->topo->roles[r].name, v->topo->domain);
	bad = 0;
	for (i = 0; i < v->nentries; i++)
	    if (v->entries[i].kind == ENTRY_SUBMISSION || v->entries[i].mx_branch < 0)
		bad |= send_expecting(w, i, address, &e);
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
    long    b = verifier_branch_of(v, domain);
    char    address[ADDR_MAX + 1];
    EXPECT  e;

    worker_reset(w);
    memset(&e, 0, sizeof(e));
    e.kind = EXPECT_REJECT;
    e.by = (b >= 0 && b != v->vs[v->entries[entry].server].branch) ? b : -1;
    snprintf(address, sizeof(address), "%s@%s", local, domain);
    if (send_expecting(w, entry, address, &e) == 0)
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
    const ENTRY_POINT *en;
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
static void check_own_entry(WORKER *w, long branch, const char *file, const char *key)
{
    const TOPOLOGY *topo = w->v->topo;
    char    copy[ADDR_MAX + 8], *at;
    long    user;

    snprintf(copy, sizeof(copy), "%s", key);
    if ((at = strrchr(copy, '@')) == 0) {
	user = -1;
    } else if (at == copy) {
	/* Its own subdomain's catch-all concerns nobody else. */
	if (strcmp(at + 1, topo->branches[branch].subdomain) == 0)
	    return;
	user = -1;
    } else {
	*at = 0;
	user = topology_owner(topo, copy, at + 1);
    }
    if (user >= 0 && topo->users[user].branch == (uint32_t) branch)
	return;
    keep_finding(w, VERIFY_STRUCTURE, "%s holds %s, which is no address of a "
		 "user of branch %s: other branches' mail may stop there",
		 file, key, topo->branches[branch].name);
}

static void check_branch_maps(WORKER *w)
{
    const VERIFIER *v = w->v;
    const TABLE *t;
    size_t  s, m, i;

    for (s = 0; s < v->nvs; s++) {
	if (v->vs[s].branch < 0 || (long) s % w->nworkers != w->index)
	    continue;
	m = (size_t) v->vs[s].map[0];
	t = v->maps[m].table;
	for (i = 0; i < t->count; i++)
	    check_own_entry(w, v->vs[s].branch, v->map_files[m], t->entries[i].key);
    }
}

void    probe_all(WORKER *w)
{
    size_t  u;

    for (u = w->begin; u < w->end; u++)
	check_user(w, u);
    check_branch_maps(w);
    if (w->index == 0) {
	check_roles(w);
	check_unknown(w);
    }
    worker_reset(w);
}
