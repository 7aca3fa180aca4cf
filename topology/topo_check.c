/*
 * topo_check.c - what the topology file and the user lists say together.
 *
 * Exports topo_check_topology() (the domain, relay and reject defaults,
 * the MX hosts and their priorities, the branches and their
 * subdomains), topo_check_old_addresses() and topo_check_roles() to
 * topology_load() (topo_impl.h). Each runs once everything it compares
 * is read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "addr.h"
#include "topo_impl.h"
#include "xalloc.h"

#define DEFAULT_REJECT	"550 5.1.1 User unknown"
#define DEFAULT_RELAY	"switch"	/* relay is switch.DOMAIN */

/* Checks once the whole topology file is read. */

static void check_host(PARSER *p, TOPO_HOST *h, const char *what)
{
    TOPOLOGY *topo = p->topo;
    const char *why;

    if (h->name == 0)
	return;
    if ((why = topo_host_problem(h->name)) != 0) {
	topo_error(p, h->where.file, h->where.line, "%s host %s %s", what, h->name, why);
	return;
    }
    if (topo->domain && topology_in_domain(h->name, topo->domain)) {
	if (h->naddresses == 0)
	    topo_error(p, h->where.file, h->where.line, "%s host %s is in %s but "
		     "has no address (add \"address IP\": the zone needs its A "
		     "record)", what, h->name, topo->domain);
    } else if (topo->domain && h->naddresses > 0) {
	topo_warning(p, h->where.file, h->where.line, "%s host %s is outside %s: "
		   "its address is not written to the zone (publish it in its "
		   "own zone)", what, h->name, topo->domain);
    }
}

typedef struct HOST_REF {
    const TOPO_HOST *host;
    const char *what;
} HOST_REF;

/* Every server needs a host name of its own. */
static void check_hosts_unique(PARSER *p)
{
    TOPOLOGY *topo = p->topo;
    size_t  n = topo->nswitches + topo->nbackups + topo->nbranches, i, j = 0;
    HOST_REF *refs = xrealloc(0, n * sizeof(*refs));

    for (i = 0; i < topo->nswitches; i++, j++)
	refs[j].host = topo->switches + i, refs[j].what = "switch";
    for (i = 0; i < topo->nbackups; i++, j++)
	refs[j].host = topo->backups + i, refs[j].what = "backup";
    for (i = 0; i < topo->nbranches; i++, j++)
	refs[j].host = &topo->branches[i].host, refs[j].what = topo->branches[i].name;
    for (i = 0; i < n; i++)
	for (j = 0; j < i; j++)
	    if (refs[i].host->name && refs[j].host->name
		&& strcmp(refs[i].host->name, refs[j].host->name) == 0) {
		topo_error(p, refs[i].host->where.file, refs[i].host->where.line,
			 "host %s is already the host of %s (line %u): every "
			 "server needs its own", refs[i].host->name, refs[j].what,
			 refs[j].host->where.line);
		break;
	    }
    free(refs);
}

static void check_mx_hosts(PARSER *p)
{
    TOPOLOGY *topo = p->topo;
    int     max_switch = -1;
    size_t  i;

    if (topo->nswitches == 0)
	topo_error(p, topo->path, 0, "no switch (add \"switch HOST\" with a priority)");
    for (i = 0; i < topo->nswitches; i++) {
	TOPO_HOST *h = topo->switches + i;

	if (h->priority_line == 0)
	    topo_error(p, h->where.file, h->where.line, "switch %s has no priority "
		     "(its MX preference: add \"priority 10\")", h->name);
	else if (h->priority >= 0 && h->priority > max_switch)
	    max_switch = h->priority;
	check_host(p, h, "switch");
    }
    for (i = 0; i < topo->nbackups; i++) {
	TOPO_HOST *h = topo->backups + i;

	if (h->priority_line == 0)
	    topo_error(p, h->where.file, h->where.line, "backup %s has no priority "
		     "(its MX preference: add \"priority 20\")", h->name);
	else if (h->priority >= 0 && max_switch >= 0
		 && h->priority <= max_switch)
	    topo_error(p, h->where.file, h->priority_line, "backup %s has priority "
		     "%d: a backup MX needs a higher number than every switch "
		     "(%d), or it would share their load", h->name, h->priority,
		     max_switch);
	check_host(p, h, "backup");
    }
}

static void check_subdomain(PARSER *p, TOPO_BRANCH *b)
{
    TOPOLOGY *topo = p->topo;
    unsigned line = b->subdomain_line ? b->subdomain_line : b->where.line;
    const char *why;
    size_t  i;

    if ((why = topo_host_problem(b->subdomain)) != 0)
	topo_error(p, topo->path, line, "subdomain %s %s", b->subdomain, why);
    else if (topo->domain && (strcmp(b->subdomain, topo->domain) == 0
			      || !topology_in_domain(b->subdomain, topo->domain)))
	topo_error(p, topo->path, line, "subdomain %s must be under %s (its MX "
		 "is written to that zone)", b->subdomain, topo->domain);
    else if (topo->relay && strcmp(b->subdomain, topo->relay) == 0)
	topo_error(p, topo->path, line, "subdomain %s is the relay name",
		 b->subdomain);
    for (i = 0; topo->branches + i < b; i++)
	if (topo->branches[i].subdomain
	    && strcmp(topo->branches[i].subdomain, b->subdomain) == 0)
	    topo_error(p, topo->path, line, "subdomain %s is already branch "
		     "%s's (line %u)", b->subdomain, topo->branches[i].name,
		     topo->branches[i].where.line);
}

static void check_branch(PARSER *p, TOPO_BRANCH *b)
{
    TOPOLOGY *topo = p->topo;
    size_t  len;

    if (b->host.name == 0)
	topo_error(p, b->where.file, b->where.line, "branch %s has no host "
		 "(add \"host NAME\": its mail server)", b->name);
    else
	check_host(p, &b->host, b->name);
    if (b->users_path == 0)
	topo_error(p, b->where.file, b->where.line, "branch %s has no user list "
		 "(add \"users PATH\")", b->name);
    if (b->subdomain == 0 && topo->domain && topo_good_branch_name(b->name)) {
	len = strlen(b->name) + strlen(topo->domain) + 2;
	b->subdomain = xrealloc(0, len);
	snprintf(b->subdomain, len, "%s.%s", b->name, topo->domain);
    }
    if (b->subdomain)
	check_subdomain(p, b);
}

void    topo_check_topology(PARSER *p)
{
    TOPOLOGY *topo = p->topo;
    size_t  len, i;

    if (topo->domain == 0) {
	topo_error(p, topo->path, 0, "no domain (add \"domain NAME\")");
    } else if (topo->relay == 0) {
	len = strlen(DEFAULT_RELAY) + strlen(topo->domain) + 2;
	topo->relay = xrealloc(0, len);
	snprintf(topo->relay, len, "%s.%s", DEFAULT_RELAY, topo->domain);
    } else if (!topology_in_domain(topo->relay, topo->domain)
	       || strcmp(topo->relay, topo->domain) == 0) {
	topo_error(p, topo->path, p->relay_line, "relay %s must be a name under "
		 "%s (the branches send mail for the switch there)", topo->relay,
		 topo->domain);
    }
    if (topo->reject == 0)
	topo->reject = xstrdup("error:nouser " DEFAULT_REJECT);
    check_mx_hosts(p);
    if (topo->nbranches == 0)
	topo_error(p, topo->path, 0, "no branch (add \"branch NAME\" with its "
		 "host and users)");
    for (i = 0; i < topo->nbranches; i++)
	check_branch(p, topo->branches + i);
    check_hosts_unique(p);
    for (i = 0; topo->relay && i < topo->nbackups + topo->nbranches; i++) {
	const TOPO_HOST *h = i < topo->nbackups ? topo->backups + i :
	&topo->branches[i - topo->nbackups].host;

	if (h->name && strcmp(h->name, topo->relay) == 0)
	    topo_error(p, h->where.file, h->where.line, "host %s is the relay "
		     "name, which must lead to the switches", h->name);
    }
}

/*
 * An old address must not be the mailbox address of another user: at
 * lima.inkacoca.org every name of a Lima user is already taken.
 */
void    topo_check_old_addresses(PARSER *p)
{
    TOPOLOGY *topo = p->topo;
    const TOPO_ALIAS *a;
    const TOPO_USER *u, *owner;
    TOPO_KIND kind;
    size_t  index;
    long    branch, other;
    const char *file;
    unsigned line;
    char    desc[512];

    for (a = topo->aliases; a < topo->aliases + topo->naliases; a++) {
	if (a->domain == 0)
	    continue;
	u = topo->users + a->user;
	branch = topology_branch_of_domain(topo, a->domain);
	kind = topology_find_name(topo, a->local, &index);
	if ((other = topo_user_of(topo, kind, index)) < 0
	    || topo->users[other].branch != (uint32_t) branch)
	    continue;
	owner = topo->users + other;
	file = topology_user_place(topo, u->branch, a->line, &line);
	if (topology_old_is_own(topo, a)) {
	    topo_warning(p, file, line,
		       "old address %s@%s is already %s's own address",
		       a->local, a->domain, u->name);
	    continue;
	}
	topo_describe_name(topo, kind, index, desc, sizeof(desc));
	topo_error(p, file, line,
		 "old address %s@%s belongs to %s, which is %s", a->local,
		 a->domain, owner->name, desc);
    }
}

/*
 * Role targets: a user or alias of the domain, or an outside address.
 * Returns the user a target names, ROLE_OUTSIDE for an outside address,
 * ROLE_BAD after an error.
 */
#define ROLE_OUTSIDE	(-1)
#define ROLE_BAD	(-2)

static long check_role_target(PARSER *p, TOPO_ROLE *r, char **target)
{
    TOPOLOGY *topo = p->topo;
    char    local[ADDR_MAX + 1], *full;
    const char *why;
    TOPO_KIND kind;
    ADDR    addr;
    size_t  index, len;

    if (strchr(*target, '@') != 0) {
	if (addr_parse(*target, &addr, &why) < 0) {
	    topo_error(p, r->where.file, r->where.line, "role %s: target %s: %s",
		     r->name, *target, why);
	    return (ROLE_BAD);
	}
	addr_fold(addr.domain, addr.domain);
	if (strcmp(addr.domain, topo->domain) != 0) {
	    if (!topology_in_domain(addr.domain, topo->domain))
		return (ROLE_OUTSIDE);
	    topo_error(p, r->where.file, r->where.line, "role %s: target %s: "
		     "name users at %s itself", r->name, *target, topo->domain);
	    return (ROLE_BAD);
	}
	snprintf(local, sizeof(local), "%s", addr.local);
    } else {
	snprintf(local, sizeof(local), "%s", *target);
    }
    addr_fold(local, local);
    kind = topology_find_name(topo, local, &index);
    if (kind != TOPO_IS_USER && kind != TOPO_IS_ALIAS) {
	topo_error(p, r->where.file, r->where.line, "role %s: target %s is %s",
		 r->name, *target, kind == TOPO_IS_ROLE ? "a role (name users "
		 "or outside addresses)" : "no user of any branch");
	return (ROLE_BAD);
    }
    len = strlen(local) + strlen(topo->domain) + 2;
    full = xrealloc(0, len);
    snprintf(full, len, "%s@%s", local, topo->domain);
    free(*target);
    *target = full;
    return (topo_user_of(topo, kind, index));
}

/* Do targets I and J of R (with USERS from check_role_target) meet? */
static int same_target(const TOPO_ROLE *r, const long *users, size_t i,
		               size_t j)
{
    if (users[i] == ROLE_BAD || users[j] == ROLE_BAD)
	return (0);
    if (users[i] == ROLE_OUTSIDE || users[j] == ROLE_OUTSIDE)
	return (users[i] == users[j]
		&& strcasecmp(r->targets[i], r->targets[j]) == 0);
    return (users[i] == users[j]);
}

void    topo_check_roles(PARSER *p)
{
    TOPOLOGY *topo = p->topo;
    TOPO_ROLE *r;
    size_t  i, j, len;
    long   *users;

    for (r = topo->roles; r < topo->roles + topo->nroles; r++)
	(void) topo_enter_name(p, r->name, TOPO_IS_ROLE, r - topo->roles,
			  r->where.file, r->where.line);
    for (r = topo->roles; r < topo->roles + topo->nroles; r++) {
	len = strlen(r->name) + strlen(topo->domain) + 2;
	users = xrealloc(0, r->ntargets * sizeof(*users));
	for (i = 0; i < r->ntargets; i++) {
	    users[i] = check_role_target(p, r, r->targets + i);
	    len += strlen(r->targets[i]) + (topo->drop_detail ? 2 : 4);
	    for (j = 0; j < i; j++)
		if (same_target(r, users, i, j)) {
		    topo_error(p, r->where.file, r->where.line, "role %s: targets "
			     "%s and %s are the same mailbox", r->name,
			     r->targets[j], r->targets[i]);
		    break;
		}
	}
	free(users);
	if (len > TABLE_MAX_LINE)
	    topo_error(p, r->where.file, r->where.line, "role %s: too many "
		     "targets (its table line would pass %d bytes)", r->name,
		     TABLE_MAX_LINE);
    }
    if (topology_find_name(topo, "postmaster", &i) == TOPO_UNKNOWN)
	topo_warning(p, topo->path, 0, "no postmaster (RFC 5321 wants one: add "
		   "\"role postmaster USER\")");
}
