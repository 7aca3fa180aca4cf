/*
 * servers.c - the list of mail servers a build is for.
 *
 * Exports servers_write(), servers_read() and servers_free(). The file,
 * after its comment header:
 *
 *	topology /etc/mailswitch/inkacoca.topology
 *	domain   inkacoca.org
 *	server   HOST ROLE MODE MAP...
 *	users    BRANCH DIGEST
 *
 * ROLE is "switch", "backup" or "branch:NAME"; MODE the milter's mode
 * (rewrite or validate); the MAPs are given to the milter in that order.
 * Deployment scripts read it to know what goes where; maptool verify
 * reads it to know what each server runs; the next maptool build reads
 * the digests of the user lists to put the branches that gain users
 * first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fnv.h"
#include "routegen.h"
#include "servers.h"
#include "words.h"

#define SERVERS_MAX_WORDS	(4 + SERVER_MAX_MAPS)

static void server_line(FILE *fp, const char *host, const char *role,
			        const char *role_arg, const char *mode,
			        const char *map1, const char *map2)
{
    char    r[128];

    snprintf(r, sizeof(r), "%s%s%s", role, role_arg ? ":" : "", role_arg ? role_arg : "");
    fprintf(fp, "server  %-30s %-16s %-8s %s.db", host, r, mode, map1);
    if (map2)
	fprintf(fp, " %s.db", map2);
    putc('\n', fp);
}

/*
 * The digest starts from the value earlier builds started from (short
 * of FNV's offset basis by a digit), so that the digests in their
 * servers files still match an unchanged list.
 */
#define DIGEST_START	1469598103934665603ULL

/* FNV-1a over every name and alias of the branch's users, in order. */
uint64_t servers_users_digest(const TOPOLOGY *topo, size_t branch)
{
    const TOPO_BRANCH *b = topo->branches + branch;
    const TOPO_USER *u;
    const TOPO_ALIAS *a;
    uint64_t h = DIGEST_START;

    for (u = topo->users + b->first_user; u < topo->users + b->first_user + b->nusers; u++) {
	h = fnv64_byte(fnv64_string(h, u->name), '\n');
	for (a = topo->aliases + u->first_alias; a < topo->aliases + u->first_alias + u->naliases; a++) {
	    h = fnv64_byte(fnv64_string(h, a->local), a->domain ? '@' : ' ');
	    if (a->domain)
		h = fnv64_byte(fnv64_string(h, a->domain), ' ');
	}
    }
    return (h);
}

int     servers_write(const TOPOLOGY *topo, const char *topology_path,
		              const size_t *order, FILE *fp)
{
    size_t  i, b;

    fprintf(fp, "# servers - the mail servers of %s, written by maptool build.\n"
	    "# One a line: server HOST ROLE MODE MAP...: run the milter in MODE\n"
	    "# with the MAPs in this order (-m MAP ...).\n"
	    "# Install a new build server by server in the order of the lines\n"
	    "# (branches, then switches, then backups; a branch that gains users\n"
	    "# before one that loses them), and on each server its maps last to\n"
	    "# first, with maptool install.\n", topo->domain);
    fprintf(fp, "topology %s\ndomain   %s\n", topology_path, topo->domain);
    for (i = 0; i < topo->nbranches; i++) {
	b = order ? order[i] : i;
	server_line(fp, topo->branches[b].host.name, "branch", topo->branches[b].name,
		    "rewrite", topo->branches[b].name, ROUTEGEN_DOMAIN);
    }
    for (i = 0; i < topo->nswitches; i++)
	server_line(fp, topo->switches[i].name, "switch", 0, "rewrite",
		    ROUTEGEN_SWITCH, 0);
    for (i = 0; i < topo->nbackups; i++)
	server_line(fp, topo->backups[i].name, "backup", 0, "validate",
		    ROUTEGEN_DOMAIN, 0);
    fprintf(fp, "# Digests of the user lists, for the next build.\n");
    for (i = 0; i < topo->nbranches; i++)
	fprintf(fp, "users   %s %016llx\n", topo->branches[i].name,
		(unsigned long long) servers_users_digest(topo, i));
    return (fflush(fp) == 0 && !ferror(fp) ? 0 : -1);
}

/* Reading. */

typedef struct ROLE_NAME {
    const char *name;
    SERVER_ROLE role;
    int     has_branch;
} ROLE_NAME;

static const ROLE_NAME role_names[] = {
    {"switch", SERVER_SWITCH, 0},
    {"backup", SERVER_BACKUP, 0},
    {"branch", SERVER_BRANCH, 1},
    {0, 0, 0},
};

typedef struct MODE_NAME {
    const char *name;
    int     validate;
} MODE_NAME;

static const MODE_NAME mode_names[] = {
    {"rewrite", 0}, {"validate", 1}, {0, 0},
};

static const char *parse_server(SERVER *s, char **w, int n)
{
    const ROLE_NAME *r;
    const MODE_NAME *m;
    char   *colon;
    int     i;

    if (n < 5)
	return ("server wants HOST ROLE MODE MAP...");
    colon = strchr(w[2], ':');
    if (n - 4 > SERVER_MAX_MAPS)
	return ("too many maps");
    if (colon)
	*colon++ = 0;
    for (r = role_names; r->name && strcmp(r->name, w[2]) != 0; r++)
	 /* void */ ;
    if (r->name == 0 || (colon != 0) != r->has_branch)
	return ("role must be switch, backup or branch:NAME");
    for (m = mode_names; m->name && strcmp(m->name, w[3]) != 0; m++)
	 /* void */ ;
    if (m->name == 0)
	return ("mode must be rewrite or validate");
    s->role = r->role;
    s->validate = m->validate;
    if ((s->host = strdup(w[1])) == 0 || (colon && (s->branch = strdup(colon)) == 0))
	return ("out of memory");
    for (i = 4; i < n; i++)
	if ((s->maps[s->nmaps++] = strdup(w[i])) == 0)
	    return ("out of memory");
    return (0);
}

static int set_once(char **field, const char *value)
{
    if (*field)
	return (-1);
    *field = strdup(value);
    return (0);
}

/* users BRANCH DIGEST: for the server of that branch (listed before). */
static const char *set_digest(SERVERS *ss, const char *branch, const char *hex)
{
    char   *end;
    size_t  i;
    unsigned long long d = strtoull(hex, &end, 16);

    if (*hex == 0 || *end)
	return ("users wants a branch and a hexadecimal digest");
    for (i = 0; i < ss->count; i++)
	if (ss->server[i].branch && strcmp(ss->server[i].branch, branch) == 0) {
	    ss->server[i].users_digest = d;
	    ss->server[i].has_digest = 1;
	    return (0);
	}
    return ("users names a branch no server line has");
}

static const char *parse_line(SERVERS *ss, char *line, unsigned lineno)
{
    char   *w[SERVERS_MAX_WORDS];
    SERVER *grown;
    const char *why;
    int     n;

    if ((n = words_split(line, w, SERVERS_MAX_WORDS, 0)) == 0 || w[0][0] == '#')
	return (0);
    if (n < 0)
	return ("too many words");
    if (strcmp(w[0], "topology") == 0 && n == 2)
	return (set_once(&ss->topology, w[1]) < 0 ? "topology given twice" : 0);
    if (strcmp(w[0], "domain") == 0 && n == 2)
	return (set_once(&ss->domain, w[1]) < 0 ? "domain given twice" : 0);
    if (strcmp(w[0], "users") == 0 && n == 3)
	return (set_digest(ss, w[1], w[2]));
    if (strcmp(w[0], "server") != 0)
	return ("expected topology, domain, server or users");
    if ((grown = realloc(ss->server, (ss->count + 1) * sizeof(*grown))) == 0)
	return ("out of memory");
    ss->server = grown;
    memset(grown + ss->count, 0, sizeof(*grown));
    grown[ss->count].line = lineno;
    why = parse_server(grown + ss->count++, w, n);
    return (why);
}

SERVERS *servers_read(const char *path, REPORT_FN report, void *ctx, int *errors)
{
    SERVERS *ss;
    FILE   *fp;
    char   *line = 0;
    const char *why;
    size_t  cap = 0;
    unsigned lineno = 0;

    *errors = 0;
    if ((fp = fopen(path, "r")) == 0) {
	report(ctx, path, 0, 1, strerror(errno));
	return (0);
    }
    if ((ss = calloc(1, sizeof(*ss))) == 0 || (ss->path = strdup(path)) == 0) {
	free(ss);
	fclose(fp);
	report(ctx, path, 0, 1, "out of memory");
	return (0);
    }
    while (getline(&line, &cap, fp) >= 0) {
	lineno++;
	line[strcspn(line, "\r\n")] = 0;
	if ((why = parse_line(ss, line, lineno)) != 0) {
	    report(ctx, path, lineno, 1, why);
	    ++*errors;
	}
    }
    free(line);
    fclose(fp);
    if (ss->topology == 0 || ss->domain == 0 || ss->count == 0) {
	report(ctx, path, 0, 1, "needs topology, domain and server lines");
	++*errors;
    }
    return (ss);
}

void    servers_free(SERVERS *ss)
{
    size_t  i, j;

    if (ss == 0)
	return;
    for (i = 0; i < ss->count; i++) {
	free(ss->server[i].host);
	free(ss->server[i].branch);
	for (j = 0; j < ss->server[i].nmaps; j++)
	    free(ss->server[i].maps[j]);
    }
    free(ss->server);
    free(ss->topology);
    free(ss->domain);
    free(ss->path);
    free(ss);
}
