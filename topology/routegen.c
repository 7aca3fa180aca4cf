/*
 * routegen.c - write the virtusertable of every server of a topology.
 *
 * Exports routegen_switch(), routegen_domain() and routegen_branch().
 * With D the domain, R the relay name and B a branch's subdomain:
 *
 *  switch	@R -> %1@D; each user and alias at D -> user@B; each old
 *		address -> user@B; each role -> its targets; @D -> reject.
 *  domain	every name at D (users, aliases) -> user@R, every role ->
 *		role@R, every old address -> user@B of the user's branch;
 *		@D -> reject. The backup MX checks recipients with it (mode
 *		validate); each branch consults it after its own table, so
 *		that a branch rejects an unknown recipient of the domain
 *		itself and sends the others' mail to the switch.
 *  branch	its own users' addresses (at D, at B, old addresses) ->
 *		the bare user name: local delivery; @B -> reject. Nothing
 *		else, so that for any other address a branch acts as the
 *		domain table says.
 *
 * A user's +detail is kept on every hop unless the topology says
 * "detail drop": every value that names a user or role of the domain
 * carries %3 (sendmail's "+detail" of the key matched), and the switch
 * turns @R back into %1%3@D, so that user+tag@D ends as the local name
 * user+tag at the branch, whose MTA delivers it to user's mailbox with
 * the tag (Postfix recipient_delimiter = +). Role targets outside the
 * domain get no tag: their servers may not split at +.
 *
 * Addresses at a branch subdomain go straight to that branch (its MX),
 * which knows its users. An old address of a user who moved goes
 * straight to the user's new branch: no map serves that subdomain's
 * other names, so the result is final there, and the branch the user
 * left never hands the mail back to a switch that may still send it
 * there.
 *
 * The routing rules themselves stay in lib/vut.c: these are plain
 * tables, and maptool verify proves what they do by resolving through
 * the compiled maps.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "routegen.h"

#define KEY_COLUMN	32		/* values start here when keys are short */

/* Blanks after a key of LEN bytes, at least one. */
static void pad(FILE *fp, size_t len)
{
    static const char blanks[KEY_COLUMN + 1] = "                                ";

    fwrite(blanks, 1, len + 1 < KEY_COLUMN ? KEY_COLUMN - len : 1, fp);
}

/* One line: LOCAL@DOMAIN, blanks, then VALUE and SUFFIX. */
static void entry(FILE *fp, const char *local, const char *domain,
		          const char *value, const char *suffix)
{
    size_t  len = strlen(local) + 1 + strlen(domain);

    fputs(local, fp);
    putc('@', fp);
    fputs(domain, fp);
    pad(fp, len);
    fputs(value, fp);
    fputs(suffix, fp);
    putc('\n', fp);
}

static void header(const TOPOLOGY *topo, FILE *fp, const char *name,
		           const char *what)
{
    fprintf(fp, "# %s.vut - %s.\n", name, what);
    fprintf(fp, "# Written by maptool build from %s.\n"
	    "# Do not edit: change the topology or a user list, and build again.\n",
	    topo->path);
}

/* What a value adds for the +detail: "%3", or nothing. */
static const char *detail(const TOPOLOGY *topo)
{
    return (topo->drop_detail ? "" : "%3");
}

static int finish(FILE *fp)
{
    return (fflush(fp) == 0 && !ferror(fp) ? 0 : -1);
}

/* Every address of user U at DOMAIN (its name and aliases) -> value. */
static void user_names(const TOPOLOGY *topo, FILE *fp, const TOPO_USER *u,
		               const char *domain, const char *value,
		               const char *suffix)
{
    const TOPO_ALIAS *a;

    entry(fp, u->name, domain, value, suffix);
    for (a = topo->aliases + u->first_alias; a < topo->aliases + u->first_alias + u->naliases; a++)
	if (a->domain == 0)
	    entry(fp, a->local, domain, value, suffix);
}

/* U's old addresses, each at its own subdomain -> value; not those
 * that are U's own names at U's own subdomain (written as such). */
static void old_addresses(const TOPOLOGY *topo, FILE *fp, const TOPO_USER *u,
			          const char *value, const char *suffix)
{
    const TOPO_ALIAS *a;

    for (a = topo->aliases + u->first_alias; a < topo->aliases + u->first_alias + u->naliases; a++)
	if (a->domain && !topology_old_is_own(topo, a))
	    entry(fp, a->local, a->domain, value, suffix);
}

/* A role target; one at the domain (USER@D) keeps the +detail. */
static void role_target(const TOPOLOGY *topo, FILE *fp, const char *sep,
			        const char *target)
{
    const char *at = strrchr(target, '@');

    if (at && strcasecmp(at + 1, topo->domain) == 0)
	fprintf(fp, "%s%.*s%s%s", sep, (int) (at - target), target,
		detail(topo), at);
    else
	fprintf(fp, "%s%s", sep, target);
}

static void role_lines(const TOPOLOGY *topo, FILE *fp)
{
    const TOPO_ROLE *r;
    size_t  i;

    if (topo->nroles)
	fprintf(fp, "#\n# Roles (%s).\n", topo->path);
    for (r = topo->roles; r < topo->roles + topo->nroles; r++) {
	size_t  len = strlen(r->name) + 1 + strlen(topo->domain);

	fprintf(fp, "%s@%s", r->name, topo->domain);
	pad(fp, len);
	for (i = 0; i < r->ntargets; i++)
	    role_target(topo, fp, i ? ", " : "", r->targets[i]);
	putc('\n', fp);
    }
}

int     routegen_switch(const TOPOLOGY *topo, FILE *fp)
{
    const TOPO_BRANCH *b;
    const TOPO_USER *u;
    char    at_branch[300];

    header(topo, fp, ROUTEGEN_SWITCH, "the table of every switch");
    fprintf(fp, "#\n# What the branches send to the switch goes back to %s.\n",
	    topo->domain);
    snprintf(at_branch, sizeof(at_branch), "%%1%s@", detail(topo));
    entry(fp, "", topo->relay, at_branch, topo->domain);
    for (b = topo->branches; b < topo->branches + topo->nbranches; b++) {
	fprintf(fp, "#\n# Branch %s (%s): to %s.\n", b->name, b->users_path,
		b->subdomain);
	snprintf(at_branch, sizeof(at_branch), "%s@%s", detail(topo), b->subdomain);
	for (u = topo->users + b->first_user; u < topo->users + b->first_user + b->nusers; u++) {
	    user_names(topo, fp, u, topo->domain, u->name, at_branch);
	    old_addresses(topo, fp, u, u->name, at_branch);
	}
    }
    role_lines(topo, fp);
    fprintf(fp, "#\n# Nobody else is known at %s.\n", topo->domain);
    entry(fp, "", topo->domain, topo->reject, "");
    return (finish(fp));
}

int     routegen_domain(const TOPOLOGY *topo, FILE *fp)
{
    const TOPO_BRANCH *b;
    const TOPO_ROLE *r;
    const TOPO_USER *u;
    char    at_relay[300], at_branch[300];

    header(topo, fp, ROUTEGEN_DOMAIN, "every address of the domain");
    fprintf(fp, "# Known names go to the switch, old addresses to their user's\n"
	    "# branch, unknown names are refused. The backup MX checks recipients\n"
	    "# with this table (milter mode validate); every branch consults it\n"
	    "# after its own table.\n");
    snprintf(at_relay, sizeof(at_relay), "%s@%s", detail(topo), topo->relay);
    for (b = topo->branches; b < topo->branches + topo->nbranches; b++) {
	fprintf(fp, "#\n# Branch %s (%s).\n", b->name, b->users_path);
	snprintf(at_branch, sizeof(at_branch), "%s@%s", detail(topo), b->subdomain);
	for (u = topo->users + b->first_user; u < topo->users + b->first_user + b->nusers; u++) {
	    user_names(topo, fp, u, topo->domain, u->name, at_relay);
	    old_addresses(topo, fp, u, u->name, at_branch);
	}
    }
    if (topo->nroles)
	fprintf(fp, "#\n# Roles (%s).\n", topo->path);
    for (r = topo->roles; r < topo->roles + topo->nroles; r++)
	entry(fp, r->name, topo->domain, r->name, at_relay);
    fprintf(fp, "#\n# Nobody else is known at %s.\n", topo->domain);
    entry(fp, "", topo->domain, topo->reject, "");
    return (finish(fp));
}

int     routegen_branch(const TOPOLOGY *topo, size_t branch, FILE *fp)
{
    const TOPO_BRANCH *b = topo->branches + branch;
    const TOPO_USER *u;
    char    what[300];

    snprintf(what, sizeof(what), "the table of branch %s (%s)", b->name,
	     b->host.name);
    header(topo, fp, b->name, what);
    fprintf(fp, "# Its own users (%s) are delivered here; for any other\n"
	    "# address the milter goes on to domain.vut.\n", b->users_path);
    for (u = topo->users + b->first_user; u < topo->users + b->first_user + b->nusers; u++) {
	user_names(topo, fp, u, topo->domain, u->name, detail(topo));
	user_names(topo, fp, u, b->subdomain, u->name, detail(topo));
	old_addresses(topo, fp, u, u->name, detail(topo));
    }
    fprintf(fp, "#\n# Nobody else is known at %s (but see domain.vut for old\n"
	    "# addresses of users who moved to another branch).\n", b->subdomain);
    entry(fp, "", b->subdomain, topo->reject, "");
    return (finish(fp));
}
