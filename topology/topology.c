/*
 * topology.c - read the routing switch's topology file and the branch
 * user lists it names: loading, freeing, and what the parts share.
 *
 * Exports topology_load(), topology_load_sources() and
 * topology_free(); to the other parts (see topo_impl.h) the problem
 * reports, the array and string keeping, the file reader, and the
 * checks of a line, a host name and a name.
 *
 * The parts: topo_parse.c reads the topology file, topo_users.c the
 * user lists, topo_check.c checks what they say together once read, and
 * topo_query.c answers what a name or address is (topology.h).
 *
 * The topology file, one statement a line, "#" to the end of a line a
 * comment:
 *
 *	domain inkacoca.org
 *	relay switch.inkacoca.org		(optional)
 *	reject-unknown 550 5.1.1 User unknown	(optional)
 *	detail keep|drop			(optional; keep)
 *	switch HOST	then: priority N, address IP..., certificate PATH
 *	backup HOST	then: priority N, address IP..., certificate PATH
 *	branch NAME	then: host HOST, address IP..., subdomain DOMAIN,
 *			users PATH, certificate PATH
 *	role NAME TARGET[, TARGET...]
 *	spf-include DOMAIN...			(optional, repeatable)
 *	spf-network IP/LEN...			(optional, repeatable)
 *	spf-policy -all|~all			(optional)
 *	dmarc none|quarantine|reject [rua URI]	(optional)
 *	mta-sts enforce|testing|none [max-age SECONDS]	(optional)
 *	tls-rpt URI				(optional)
 *
 * The attributes of a switch, backup or branch follow on indented lines
 * ("KEY VALUE"), or on the same line after the name. A user list holds
 * one user a line, "NAME [ALIAS...]"; an alias is another name at the
 * domain, or with "@SUBDOMAIN" an old address at one branch subdomain.
 *
 * Every problem is reported as FILE:LINE; a conflict also names the
 * other file and line. Checking goes on after an error, so that one run
 * shows every problem.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "htable.h"
#include "slurp.h"
#include "topo_impl.h"
#include "xalloc.h"

#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789-"

/* Problems. */

static void vreport(PARSER *p, const char *file, unsigned line, int is_error,
		            const char *fmt, va_list ap)
{
    char    why[1024];

    vsnprintf(why, sizeof(why), fmt, ap);
    p->report(p->ctx, file, line, is_error, why);
    if (is_error)
	p->topo->errors++;
    else
	p->topo->warnings++;
}

void    topo_error(PARSER *p, const char *file, unsigned line,
		             const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(p, file, line, 1, fmt, ap);
    va_end(ap);
}

void    topo_warning(PARSER *p, const char *file, unsigned line,
		               const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(p, file, line, 0, fmt, ap);
    va_end(ap);
}

/* Grow *ARRAY of *N items of SIZE bytes by one zeroed item; return it. */
void   *topo_grow(void *array, size_t *n, size_t size)
{
    char   *a = *(char **) array;

    a = xrealloc(a, (*n + 1) * size);
    memset(a + *n * size, 0, size);
    *(char **) array = a;
    return (a + (*n)++ * size);
}

/* Keep a string for topology_free(). */
char   *topo_keep(TOPOLOGY *topo, char *s)
{
    *(char **) topo_grow(&topo->strings, &topo->nstrings, sizeof(char *)) = s;
    return (s);
}

/* Reading files. */

/* A whole file; running out of memory ends the program, as elsewhere. */
char   *topo_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    char   *text;

    if ((text = slurp_file(path, SLURP_REGULAR, len, err, errlen)) == 0
	&& errno == ENOMEM)
	xalloc_fail();
    return (text);
}

/* A line must be text: no NUL, no carriage return. */
const char *topo_line_problem(const char *line, size_t len)
{
    if (memchr(line, 0, len))
	return ("NUL byte in line");
    if (memchr(line, '\r', len))
	return ("carriage return in line (DOS line ending?)");
    return (0);
}

/* Names. */

/* A host name fit for an MX or A record; null when good, else why. */
const char *topo_host_problem(const char *name)
{
    unsigned char buf[sizeof(struct in6_addr)];
    const char *label, *dot;
    size_t  len;

    if (*name == '[' || inet_pton(AF_INET, name, buf) == 1
	|| inet_pton(AF_INET6, name, buf) == 1)
	return ("is an address: an MX must name a host, never an address");
    if ((len = strlen(name)) == 0 || len > 253)
	return ("is not a host name (1 to 253 characters)");
    if (strchr(name, '.') == 0)
	return ("is not a fully qualified host name");
    for (label = name; label; label = dot ? dot + 1 : 0) {
	dot = strchr(label, '.');
	len = dot ? (size_t) (dot - label) : strlen(label);
	if (len == 0 || len > 63)
	    return ("has an empty or over-long label");
	if (label[0] == '-' || label[len - 1] == '-')
	    return ("has a label that starts or ends with a hyphen");
	if (strspn(label, NAME_CHARS) < len)
	    return ("may hold only letters, digits, hyphens and dots");
    }
    if (strspn(strrchr(name, '.') + 1, "0123456789") == strlen(strrchr(name, '.') + 1))
	return ("has an all-numeric top-level label");
    return (0);
}

/* A user, alias or role name; null when good, else why. */
const char *topo_name_problem(const char *name)
{
    size_t  len = strlen(name);
    const char *why;

    if (len == 0)
	return ("empty name");
    if (len > TOPO_MAX_NAME)
	return ("name longer than 64 characters");
    if (strpbrk(name, "+\"\\%"))
	return ("a name may not hold +, %, quotes or backslashes");
    if ((why = addr_check_local(name, len)) != 0)
	return (why);
    return (0);
}

/* Lower-case copy of a host or domain name (DNS names fold). */
char   *topo_folded_name(const char *name)
{
    char   *s = xstrdup(name);

    addr_fold(s, s);
    return (s);
}

/* Branch names name files and default subdomains. */
int     topo_good_branch_name(const char *name)
{
    return (strspn(name, NAME_CHARS) == strlen(name) && name[0] != '-');
}

/* Loading. */

/*
 * Every array starts with room for one item, so that none is ever null:
 * a loop from ARRAY to ARRAY + COUNT is then defined when COUNT is 0
 * (arithmetic on a null pointer, even plus 0, is not).
 */
static void empty_arrays(TOPOLOGY *topo)
{
    topo->switches = xcalloc(1, sizeof(*topo->switches));
    topo->backups = xcalloc(1, sizeof(*topo->backups));
    topo->branches = xcalloc(1, sizeof(*topo->branches));
    topo->users = xcalloc(1, sizeof(*topo->users));
    topo->aliases = xcalloc(1, sizeof(*topo->aliases));
    topo->roles = xcalloc(1, sizeof(*topo->roles));
    topo->auth.spf_includes = xcalloc(1, sizeof(char *));
    topo->auth.spf_networks = xcalloc(1, sizeof(char *));
}

/* PATH read and checked; with READ_USERS, every user list too. */
static TOPOLOGY *load(const char *path, REPORT_FN report, void *ctx, int read_users)
{
    PARSER  p;
    TOPOLOGY *topo;
    char    err[256], *text, *slash;
    size_t  len, i;

    if ((text = topo_read_file(path, &len, err, sizeof(err))) == 0) {
	report(ctx, path, 0, 1, err);
	return (0);
    }
    topo = xcalloc(1, sizeof(*topo));
    empty_arrays(topo);
    topo->path = xstrdup(path);
    topo->names = xhtable_create(1024);
    topo->old = xhtable_create(16);
    memset(&p, 0, sizeof(p));
    p.topo = topo;
    p.report = report;
    p.ctx = ctx;
    if ((slash = strrchr(topo->path, '/')) != 0)
	p.dir = topo_keep(topo, strndup(topo->path, slash - topo->path + (slash == topo->path)));
    topo_read_topology(&p, text, len);
    free(text);
    topo_check_topology(&p);
    if (topo->domain && read_users) {
	for (i = 0; i < topo->nbranches; i++)
	    if (topo->branches[i].subdomain)
		topo_read_user_list(&p, i);
	topo_check_old_addresses(&p);
	topo_check_roles(&p);
    }
    return (topo);
}

TOPOLOGY *topology_load(const char *path, REPORT_FN report, void *ctx)
{
    return (load(path, report, ctx, 1));
}

TOPOLOGY *topology_load_sources(const char *path, REPORT_FN report, void *ctx)
{
    return (load(path, report, ctx, 0));
}

static void free_host(TOPO_HOST *h)
{
    size_t  i;

    for (i = 0; i < h->naddresses; i++)
	free(h->addresses[i]);
    free(h->addresses);
    free(h->name);
    free(h->certificate);
}

static void free_strings(char **s, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++)
	free(s[i]);
    free(s);
}

void    topology_free(TOPOLOGY *topo)
{
    size_t  i, j;

    if (topo == 0)
	return;
    for (i = 0; i < topo->nswitches; i++)
	free_host(topo->switches + i);
    for (i = 0; i < topo->nbackups; i++)
	free_host(topo->backups + i);
    for (i = 0; i < topo->nbranches; i++) {
	free_host(&topo->branches[i].host);
	free(topo->branches[i].name);
	free(topo->branches[i].subdomain);
	free(topo->branches[i].users_path);
	free(topo->branches[i].ldap.bind_dn);
	free(topo->branches[i].ldap.secret_path);
	free(topo->branches[i].entry_dns);	/* the DNs are texts */
    }
    for (i = 0; i < topo->nroles; i++) {
	for (j = 0; j < topo->roles[i].ntargets; j++)
	    free(topo->roles[i].targets[j]);
	free(topo->roles[i].targets);
	free(topo->roles[i].name);
    }
    for (i = 0; i < topo->ntexts; i++)
	free(topo->texts[i]);
    for (i = 0; i < topo->nstrings; i++)
	free(topo->strings[i]);
    htable_free(topo->names);
    htable_free(topo->old);
    free(topo->switches);
    free(topo->backups);
    free(topo->branches);
    free(topo->users);
    free(topo->aliases);
    free(topo->roles);
    free(topo->texts);
    free(topo->strings);
    free(topo->path);
    free(topo->domain);
    free(topo->relay);
    free(topo->reject);
    free_strings(topo->auth.spf_includes, topo->auth.nspf_includes);
    free_strings(topo->auth.spf_networks, topo->auth.nspf_networks);
    free(topo->auth.dmarc_policy);
    free(topo->auth.dmarc_rua);
    free(topo->auth.sts_mode);
    free(topo->auth.tlsrpt_rua);
    free(topo);
}
