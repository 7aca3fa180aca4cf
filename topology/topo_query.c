/*
 * topo_query.c - what a name or an address of a topology is.
 *
 * Exports topology_find_name(), topology_owner(),
 * topology_branch_of_domain(), topology_old_is_own(), topology_in_domain() and
 * topology_user_place() (topology.h); to the other parts (topo_impl.h)
 * topo_find_old(), topo_user_of(), topo_describe_place(),
 * topo_describe_name() and topo_enter_name(), which fills the name
 * table: each local part of the domain is one user, alias or role.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "htable.h"
#include "topo_impl.h"
#include "xalloc.h"

int     topology_in_domain(const char *host, const char *domain)
{
    size_t  h = strlen(host), d = strlen(domain);

    return (h == d ? strcmp(host, domain) == 0 :
	    h > d && host[h - d - 1] == '.' && strcmp(host + h - d, domain) == 0);
}

/* The name table: local part -> kind and index, packed in a pointer. */

static void *pack_name(TOPO_KIND kind, size_t index)
{
    return ((void *) (uintptr_t) ((index << 2) | kind));
}

TOPO_KIND topology_find_name(const TOPOLOGY *topo, const char *local,
			             size_t *index)
{
    uintptr_t v = (uintptr_t) htable_find(topo->names, local);

    *index = v >> 2;
    return ((TOPO_KIND) (v & 3));
}

/* The old address KEY ("local@subdomain"), as an index into aliases. */
long    topo_find_old(const TOPOLOGY *topo, const char *key)
{
    return ((long) (uintptr_t) htable_find(topo->old, key) - 1);
}

/* The user behind a name of KIND at INDEX, or -1 for a role. */
long    topo_user_of(const TOPOLOGY *topo, TOPO_KIND kind, size_t index)
{
    switch (kind) {
    case TOPO_IS_USER:
	return ((long) index);
    case TOPO_IS_ALIAS:
	return ((long) topo->aliases[index].user);
    default:
	return (-1);
    }
}

long    topology_branch_of_domain(const TOPOLOGY *topo, const char *domain)
{
    size_t  i;

    for (i = 0; i < topo->nbranches; i++)
	if (topo->branches[i].subdomain && strcmp(topo->branches[i].subdomain, domain) == 0)
	    return ((long) i);
    return (-1);
}

int     topology_old_is_own(const TOPOLOGY *topo, const TOPO_ALIAS *a)
{
    const TOPO_USER *u = topo->users + a->user;
    TOPO_KIND kind;
    size_t  index;

    if (a->domain == 0 || topology_branch_of_domain(topo, a->domain) != (long) u->branch)
	return (0);
    kind = topology_find_name(topo, a->local, &index);
    return (topo_user_of(topo, kind, index) == (long) a->user);
}

long    topology_owner(const TOPOLOGY *topo, const char *local, const char *domain)
{
    char    key[ADDR_MAX + 1];
    TOPO_KIND kind;
    size_t  index;
    long    branch, user, old;

    if (strcmp(domain, topo->domain) == 0) {
	kind = topology_find_name(topo, local, &index);
	return (topo_user_of(topo, kind, index));
    }
    if ((branch = topology_branch_of_domain(topo, domain)) < 0)
	return (-1);
    snprintf(key, sizeof(key), "%s@%s", local, domain);
    if ((old = topo_find_old(topo, key)) >= 0)
	return ((long) topo->aliases[old].user);
    kind = topology_find_name(topo, local, &index);
    if ((user = topo_user_of(topo, kind, index)) >= 0
	&& topo->users[user].branch == (uint32_t) branch)
	return (user);
    return (-1);
}

const char *topology_user_place(const TOPOLOGY *topo, size_t branch,
				        unsigned line, unsigned *out_line)
{
    const TOPO_BRANCH *b = topo->branches + branch;

    if (b->entry_dns && line >= 1 && line <= b->nentry_dns) {
	*out_line = 0;
	return (b->entry_dns[line - 1]);
    }
    *out_line = line;
    return (b->users_path);
}

/* "users/lima:3", or an LDAP entry's DN. */
void    topo_describe_place(const TOPOLOGY *topo, size_t branch, unsigned line,
			            char *buf, size_t len)
{
    unsigned at;
    const char *file = topology_user_place(topo, branch, line, &at);

    if (at)
	snprintf(buf, len, "%s:%u", file, at);
    else
	snprintf(buf, len, "%s", file);
}

/* "a user of branch lima (users/lima:3)", for conflict messages. */
void    topo_describe_name(const TOPOLOGY *topo, TOPO_KIND kind, size_t index,
			          char *buf, size_t len)
{
    const TOPO_USER *u;
    const TOPO_ROLE *r;
    char    place[400];

    switch (kind) {
    case TOPO_IS_USER:
	u = topo->users + index;
	topo_describe_place(topo, u->branch, u->line, place, sizeof(place));
	snprintf(buf, len, "a user of branch %s (%s)",
		 topo->branches[u->branch].name, place);
	break;
    case TOPO_IS_ALIAS:
	u = topo->users + topo->aliases[index].user;
	topo_describe_place(topo, u->branch, topo->aliases[index].line,
			    place, sizeof(place));
	snprintf(buf, len, "an alias of %s, branch %s (%s)", u->name,
		 topo->branches[u->branch].name, place);
	break;
    case TOPO_IS_ROLE:
	r = topo->roles + index;
	snprintf(buf, len, "a role (%s:%u)", r->where.file, r->where.line);
	break;
    default:
	snprintf(buf, len, "unknown");
	break;
    }
}

/* Enter NAME as KIND/INDEX, or report the conflict at FILE:LINE. */
int     topo_enter_name(PARSER *p, const char *name, TOPO_KIND kind, size_t index,
		              const char *file, unsigned line)
{
    static const char *const what[] = {"name", "user", "alias", "role"};
    TOPOLOGY *topo = p->topo;
    size_t  other;
    TOPO_KIND was;
    char    desc[512];

    if ((was = topology_find_name(topo, name, &other)) != TOPO_UNKNOWN) {
	topo_describe_name(topo, was, other, desc, sizeof(desc));
	topo_error(p, file, line, "%s %s is already %s", what[kind], name, desc);
	return (-1);
    }
    xhtable_insert(topo->names, name, pack_name(kind, index));
    return (0);
}
