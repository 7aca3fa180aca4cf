/*
 * topology.c - read the routing switch's topology file and the branch
 * user lists it names.
 *
 * Exports topology_load(), topology_free(), topology_find_name(),
 * topology_owner(), topology_branch_of_domain() and topology_in_domain().
 *
 * The topology file, one statement a line, "#" to the end of a line a
 * comment:
 *
 *	domain inkacoca.org
 *	relay switch.inkacoca.org		(optional)
 *	reject-unknown 550 5.1.1 User unknown	(optional)
 *	switch HOST	then: priority N, address IP...
 *	backup HOST	then: priority N, address IP...
 *	branch NAME	then: host HOST, address IP..., subdomain DOMAIN,
 *			users PATH
 *	role NAME TARGET[, TARGET...]
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
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "addr.h"
#include "htable.h"
#include "slurp.h"
#include "topology.h"
#include "vut.h"
#include "words.h"
#include "xalloc.h"

#define TOPO_MAX_ARGS	32		/* words on one topology line */
#define DEFAULT_REJECT	"550 5.1.1 User unknown"
#define DEFAULT_RELAY	"switch"	/* relay is switch.DOMAIN */
#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789-"

/* Names the output files use: a branch may not take them. */
static const char *const reserved_branch_names[] = {"switch", "domain", 0};

typedef enum BLOCK_KIND {
    BLOCK_NONE = 0, BLOCK_SWITCH = 1, BLOCK_BACKUP = 2, BLOCK_BRANCH = 4,
} BLOCK_KIND;

typedef struct PARSER {
    TOPOLOGY *topo;
    TABLE_REPORT_FN report;
    void   *ctx;
    char   *dir;			/* the topology's directory, or null */
    BLOCK_KIND block;			/* the block lines now belong to */
    size_t  block_index;
    unsigned line;
    unsigned relay_line, reject_line;
} PARSER;

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

static void error_at(PARSER *p, const char *file, unsigned line,
		             const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(p, file, line, 1, fmt, ap);
    va_end(ap);
}

static void warning_at(PARSER *p, const char *file, unsigned line,
		               const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(p, file, line, 0, fmt, ap);
    va_end(ap);
}

/* Grow *ARRAY of *N items of SIZE bytes by one zeroed item; return it. */
static void *grow(void *array, size_t *n, size_t size)
{
    char   *a = *(char **) array;

    a = xrealloc(a, (*n + 1) * size);
    memset(a + *n * size, 0, size);
    *(char **) array = a;
    return (a + (*n)++ * size);
}

/* Keep a string for topology_free(). */
static char *keep(TOPOLOGY *topo, char *s)
{
    *(char **) grow(&topo->strings, &topo->nstrings, sizeof(char *)) = s;
    return (s);
}

/* Reading files. */

/* A whole file; running out of memory ends the program, as elsewhere. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    char   *text;

    if ((text = slurp_file(path, SLURP_REGULAR, len, err, errlen)) == 0
	&& errno == ENOMEM)
	xalloc_fail();
    return (text);
}

/* A line must be text: no NUL, no carriage return. */
static const char *raw_line_problem(const char *line, size_t len)
{
    if (memchr(line, 0, len))
	return ("NUL byte in line");
    if (memchr(line, '\r', len))
	return ("carriage return in line (DOS line ending?)");
    return (0);
}

/* Names and addresses. */

int     topology_in_domain(const char *host, const char *domain)
{
    size_t  h = strlen(host), d = strlen(domain);

    return (h == d ? strcmp(host, domain) == 0 :
	    h > d && host[h - d - 1] == '.' && strcmp(host + h - d, domain) == 0);
}

/* A host name fit for an MX or A record; null when good, else why. */
static const char *host_problem(const char *name)
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
static const char *name_problem(const char *name)
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
static char *folded_name(const char *name)
{
    char   *s = xstrdup(name);

    addr_fold(s, s);
    return (s);
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
static long find_old(const TOPOLOGY *topo, const char *key)
{
    return ((long) (uintptr_t) htable_find(topo->old, key) - 1);
}

/* The user behind a name of KIND at INDEX, or -1 for a role. */
static long user_of(const TOPOLOGY *topo, TOPO_KIND kind, size_t index)
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

long    topology_owner(const TOPOLOGY *topo, const char *local, const char *domain)
{
    char    key[ADDR_MAX + 1];
    TOPO_KIND kind;
    size_t  index;
    long    branch, user, old;

    if (strcmp(domain, topo->domain) == 0) {
	kind = topology_find_name(topo, local, &index);
	return (user_of(topo, kind, index));
    }
    if ((branch = topology_branch_of_domain(topo, domain)) < 0)
	return (-1);
    snprintf(key, sizeof(key), "%s@%s", local, domain);
    if ((old = find_old(topo, key)) >= 0)
	return ((long) topo->aliases[old].user);
    kind = topology_find_name(topo, local, &index);
    if ((user = user_of(topo, kind, index)) >= 0
	&& topo->users[user].branch == (uint32_t) branch)
	return (user);
    return (-1);
}

/* "a user of branch lima (users/lima:3)", for conflict messages. */
static void describe_name(const TOPOLOGY *topo, TOPO_KIND kind, size_t index,
			          char *buf, size_t len)
{
    const TOPO_BRANCH *b;
    const TOPO_USER *u;
    const TOPO_ROLE *r;

    switch (kind) {
    case TOPO_IS_USER:
	u = topo->users + index;
	b = topo->branches + u->branch;
	snprintf(buf, len, "a user of branch %s (%s:%u)", b->name,
		 b->users_path, u->line);
	break;
    case TOPO_IS_ALIAS:
	u = topo->users + topo->aliases[index].user;
	b = topo->branches + u->branch;
	snprintf(buf, len, "an alias of %s, branch %s (%s:%u)", u->name,
		 b->name, b->users_path, topo->aliases[index].line);
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
static int enter_name(PARSER *p, const char *name, TOPO_KIND kind, size_t index,
		              const char *file, unsigned line)
{
    static const char *const what[] = {"name", "user", "alias", "role"};
    TOPOLOGY *topo = p->topo;
    size_t  other;
    TOPO_KIND was;
    char    desc[512];

    if ((was = topology_find_name(topo, name, &other)) != TOPO_UNKNOWN) {
	describe_name(topo, was, other, desc, sizeof(desc));
	error_at(p, file, line, "%s %s is already %s", what[kind], name, desc);
	return (-1);
    }
    xhtable_insert(topo->names, name, pack_name(kind, index));
    return (0);
}

/* The topology file: top-level statements. */

typedef struct KEYWORD {
    const char *name;
    BLOCK_KIND opens;			/* a block follows, or BLOCK_NONE */
    int     min_args, max_args;		/* after the keyword */
    void    (*parse) (PARSER *p, int argc, char **argv);
} KEYWORD;

static void parse_domain(PARSER *p, int argc, char **argv)
{
    TOPOLOGY *topo = p->topo;
    const char *why;

    (void) argc;
    if (topo->domain) {
	error_at(p, topo->path, p->line, "domain given twice (first at line %u)",
		 topo->domain_where.line);
	return;
    }
    topo->domain = folded_name(argv[1]);
    topo->domain_where.file = topo->path;
    topo->domain_where.line = p->line;
    if ((why = host_problem(topo->domain)) != 0)
	error_at(p, topo->path, p->line, "domain %s %s", argv[1], why);
}

static void parse_relay(PARSER *p, int argc, char **argv)
{
    TOPOLOGY *topo = p->topo;
    const char *why;

    (void) argc;
    if (p->relay_line) {
	error_at(p, topo->path, p->line, "relay given twice (first at line %u)",
		 p->relay_line);
	return;
    }
    p->relay_line = p->line;
    topo->relay = folded_name(argv[1]);
    if ((why = host_problem(topo->relay)) != 0)
	error_at(p, topo->path, p->line, "relay %s %s", argv[1], why);
}

static void parse_reject(PARSER *p, int argc, char **argv)
{
    TOPOLOGY *topo = p->topo;
    const char *why, *warn;
    size_t  len = sizeof("error:nouser") + 1;
    char   *value;
    int     i;

    if (p->reject_line) {
	error_at(p, topo->path, p->line,
		 "reject-unknown given twice (first at line %u)", p->reject_line);
	return;
    }
    p->reject_line = p->line;
    for (i = 1; i < argc; i++)
	len += strlen(argv[i]) + 1;
    value = xrealloc(0, len);
    strcpy(value, "error:nouser");
    for (i = 1; i < argc; i++)
	strcat(strcat(value, " "), argv[i]);
    free(topo->reject);
    topo->reject = value;
    if ((why = vut_check_value(value, &warn)) != 0 || (why = warn) != 0
	|| (why = (value[strlen("error:nouser ")] == '5' ? 0 :
			"the reply must be a 5xx")) != 0)
	error_at(p, topo->path, p->line, "reject-unknown: %s", why);
}

/* switch HOST / backup HOST: a new host; attributes may follow inline. */
static TOPO_HOST *new_host(PARSER *p, BLOCK_KIND kind, const char *name)
{
    TOPOLOGY *topo = p->topo;
    TOPO_HOST *h;

    if (kind == BLOCK_SWITCH) {
	p->block_index = topo->nswitches;
	h = grow(&topo->switches, &topo->nswitches, sizeof(*h));
    } else {
	p->block_index = topo->nbackups;
	h = grow(&topo->backups, &topo->nbackups, sizeof(*h));
    }
    h->name = folded_name(name);
    h->where.file = topo->path;
    h->where.line = p->line;
    p->block = kind;
    return (h);
}

static void parse_attributes(PARSER *p, int argc, char **argv);

static void open_switch(PARSER *p, int argc, char **argv)
{
    new_host(p, BLOCK_SWITCH, argv[1]);
    parse_attributes(p, argc - 2, argv + 2);
}

static void open_backup(PARSER *p, int argc, char **argv)
{
    new_host(p, BLOCK_BACKUP, argv[1]);
    parse_attributes(p, argc - 2, argv + 2);
}

/* Branch names name files and default subdomains. */
static int good_branch_name(const char *name)
{
    return (strspn(name, NAME_CHARS) == strlen(name) && name[0] != '-');
}

static void open_branch(PARSER *p, int argc, char **argv)
{
    TOPOLOGY *topo = p->topo;
    TOPO_BRANCH *b;
    const char *const *r;
    size_t  i;

    p->block = BLOCK_BRANCH;
    p->block_index = topo->nbranches;
    b = grow(&topo->branches, &topo->nbranches, sizeof(*b));
    b->name = xstrdup(argv[1]);
    b->where.file = topo->path;
    b->where.line = p->line;
    if (!good_branch_name(b->name))
	error_at(p, topo->path, p->line, "branch name %s: use lower-case "
		 "letters, digits and hyphens (it names the branch's files)",
		 b->name);
    for (r = reserved_branch_names; *r; r++)
	if (strcmp(b->name, *r) == 0)
	    error_at(p, topo->path, p->line, "branch name %s is reserved "
		     "(maptool build writes %s.vut for its own use)", *r, *r);
    for (i = 0; i + 1 < topo->nbranches; i++)
	if (strcmp(topo->branches[i].name, b->name) == 0)
	    error_at(p, topo->path, p->line, "branch %s is already defined "
		     "at line %u", b->name, topo->branches[i].where.line);
    parse_attributes(p, argc - 2, argv + 2);
}

/* role NAME TARGET[, TARGET...]: targets are checked once users are known. */
static void parse_role(PARSER *p, int argc, char **argv)
{
    TOPOLOGY *topo = p->topo;
    TOPO_ROLE *r;
    char   *target, *save;
    const char *why;
    int     i;

    r = grow(&topo->roles, &topo->nroles, sizeof(*r));
    r->name = folded_name(argv[1]);
    r->where.file = topo->path;
    r->where.line = p->line;
    if ((why = name_problem(r->name)) != 0)
	error_at(p, topo->path, p->line, "role %s: %s", argv[1], why);
    for (i = 2; i < argc; i++) {
	for (target = strtok_r(argv[i], ",", &save); target;
	     target = strtok_r(0, ",", &save))
	    *(char **) grow(&r->targets, &r->ntargets, sizeof(char *)) = xstrdup(target);
    }
    if (r->ntargets == 0)
	error_at(p, topo->path, p->line, "role %s has no target", r->name);
}

static const KEYWORD keywords[] = {
    {"domain", BLOCK_NONE, 1, 1, parse_domain},
    {"relay", BLOCK_NONE, 1, 1, parse_relay},
    {"reject-unknown", BLOCK_NONE, 2, TOPO_MAX_ARGS, parse_reject},
    {"switch", BLOCK_SWITCH, 1, TOPO_MAX_ARGS, open_switch},
    {"backup", BLOCK_BACKUP, 1, TOPO_MAX_ARGS, open_backup},
    {"branch", BLOCK_BRANCH, 1, TOPO_MAX_ARGS, open_branch},
    {"role", BLOCK_NONE, 2, TOPO_MAX_ARGS, parse_role},
    {0, 0, 0, 0, 0},
};

/* Attributes of switches, backups and branches. */

typedef struct ATTRIBUTE {
    const char *name;
    int     blocks;			/* BLOCK_KINDs it belongs to */
    void    (*set) (PARSER *p, const char *value);
} ATTRIBUTE;

/* The host the current block describes. */
static TOPO_HOST *block_host(PARSER *p)
{
    switch (p->block) {
    case BLOCK_SWITCH:
	return (p->topo->switches + p->block_index);
    case BLOCK_BACKUP:
	return (p->topo->backups + p->block_index);
    case BLOCK_BRANCH:
	return (&p->topo->branches[p->block_index].host);
    default:
	return (0);
    }
}

static TOPO_BRANCH *block_branch(PARSER *p)
{
    return (p->topo->branches + p->block_index);
}

/* Complain when an attribute given once already was; LINE is where. */
static int once(PARSER *p, const char *what, unsigned *line)
{
    if (*line) {
	error_at(p, p->topo->path, p->line, "%s given twice (first at line %u)",
		 what, *line);
	return (-1);
    }
    *line = p->line;
    return (0);
}

static void set_priority(PARSER *p, const char *value)
{
    TOPO_HOST *h = block_host(p);
    char   *end;
    long    n;

    if (once(p, "priority", &h->priority_line) < 0)
	return;
    errno = 0;
    n = strtol(value, &end, 10);
    if (*value == 0 || *end || errno || n < 0 || n > 65535) {
	error_at(p, p->topo->path, p->line, "priority %s: an MX preference "
		 "is a number from 0 to 65535", value);
	n = -1;					/* compared with nothing */
    }
    h->priority = (int) n;
}

static void add_address(PARSER *p, const char *value)
{
    TOPO_HOST *h = block_host(p);
    unsigned char buf[sizeof(struct in6_addr)];

    if (inet_pton(AF_INET, value, buf) != 1 && inet_pton(AF_INET6, value, buf) != 1)
	error_at(p, p->topo->path, p->line, "address %s is not an IPv4 or "
		 "IPv6 address", value);
    *(char **) grow(&h->addresses, &h->naddresses, sizeof(char *)) = xstrdup(value);
}

static void set_host(PARSER *p, const char *value)
{
    TOPO_HOST *h = block_host(p);

    if (h->name) {
	error_at(p, p->topo->path, p->line, "host given twice (first at line %u)",
		 h->where.line);
	return;
    }
    h->name = folded_name(value);
    h->where.file = p->topo->path;
    h->where.line = p->line;
}

static void set_subdomain(PARSER *p, const char *value)
{
    TOPO_BRANCH *b = block_branch(p);

    if (once(p, "subdomain", &b->subdomain_line) < 0)
	return;
    b->subdomain = folded_name(value);
}

static void set_users(PARSER *p, const char *value)
{
    TOPO_BRANCH *b = block_branch(p);
    size_t  len;

    if (once(p, "users", &b->users_line) < 0)
	return;
    if (value[0] == '/' || p->dir == 0) {
	b->users_path = xstrdup(value);
    } else {
	len = strlen(p->dir) + strlen(value) + 2;
	b->users_path = xrealloc(0, len);
	snprintf(b->users_path, len, "%s/%s", p->dir, value);
    }
}

static const ATTRIBUTE attributes[] = {
    {"priority", BLOCK_SWITCH | BLOCK_BACKUP, set_priority},
    {"address", BLOCK_SWITCH | BLOCK_BACKUP | BLOCK_BRANCH, add_address},
    {"host", BLOCK_BRANCH, set_host},
    {"subdomain", BLOCK_BRANCH, set_subdomain},
    {"users", BLOCK_BRANCH, set_users},
    {0, 0, 0},
};

static const char *block_name(BLOCK_KIND kind)
{
    return (kind == BLOCK_SWITCH ? "a switch" : kind == BLOCK_BACKUP ?
	    "a backup" : kind == BLOCK_BRANCH ? "a branch" : "nothing");
}

/* KEY VALUE pairs for the current block. */
static void parse_attributes(PARSER *p, int argc, char **argv)
{
    const ATTRIBUTE *a;
    int     i;

    for (i = 0; i < argc; i += 2) {
	for (a = attributes; a->name && strcmp(a->name, argv[i]) != 0; a++)
	     /* void */ ;
	if (a->name == 0) {
	    error_at(p, p->topo->path, p->line, "unknown attribute %s "
		     "(priority, address, host, subdomain or users)", argv[i]);
	    continue;
	}
	if ((a->blocks & p->block) == 0) {
	    error_at(p, p->topo->path, p->line, "%s does not apply to %s",
		     argv[i], block_name(p->block));
	    continue;
	}
	if (i + 1 >= argc) {
	    error_at(p, p->topo->path, p->line, "%s needs a value", argv[i]);
	    continue;
	}
	a->set(p, argv[i + 1]);
    }
}

static void parse_topology_line(PARSER *p, char *line, size_t len)
{
    char   *argv[TOPO_MAX_ARGS + 1];
    const KEYWORD *k;
    const char *why;
    int     argc, indented = (line[0] == ' ' || line[0] == '\t');

    if ((why = raw_line_problem(line, len)) != 0) {
	error_at(p, p->topo->path, p->line, "%s", why);
	return;
    }
    if ((argc = words_split(line, argv, TOPO_MAX_ARGS, '#')) < 0) {
	error_at(p, p->topo->path, p->line, "too many words on one line");
	return;
    }
    if (argc == 0)
	return;
    if (indented) {
	if (p->block == BLOCK_NONE)
	    error_at(p, p->topo->path, p->line, "indented line outside a switch, "
		     "backup or branch (attributes follow their head line)");
	else
	    parse_attributes(p, argc, argv);
	return;
    }
    p->block = BLOCK_NONE;
    for (k = keywords; k->name && strcmp(k->name, argv[0]) != 0; k++)
	 /* void */ ;
    if (k->name == 0) {
	error_at(p, p->topo->path, p->line, "unknown statement %s (domain, "
		 "relay, reject-unknown, switch, backup, branch or role)", argv[0]);
	return;
    }
    if (argc - 1 < k->min_args || argc - 1 > k->max_args) {
	if (k->min_args == k->max_args)
	    error_at(p, p->topo->path, p->line, "%s takes %d value%s", k->name,
		     k->min_args, k->min_args == 1 ? "" : "s");
	else if (argc - 1 < k->min_args)
	    error_at(p, p->topo->path, p->line, "%s takes at least %d values",
		     k->name, k->min_args);
	else
	    error_at(p, p->topo->path, p->line, "%s takes at most %d values",
		     k->name, k->max_args);
	return;
    }
    k->parse(p, argc, argv);
}

/* Checks once the whole topology file is read. */

static void check_host(PARSER *p, TOPO_HOST *h, const char *what)
{
    TOPOLOGY *topo = p->topo;
    const char *why;

    if (h->name == 0)
	return;
    if ((why = host_problem(h->name)) != 0) {
	error_at(p, h->where.file, h->where.line, "%s host %s %s", what, h->name, why);
	return;
    }
    if (topo->domain && topology_in_domain(h->name, topo->domain)) {
	if (h->naddresses == 0)
	    error_at(p, h->where.file, h->where.line, "%s host %s is in %s but "
		     "has no address (add \"address IP\": the zone needs its A "
		     "record)", what, h->name, topo->domain);
    } else if (topo->domain && h->naddresses > 0) {
	warning_at(p, h->where.file, h->where.line, "%s host %s is outside %s: "
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
		error_at(p, refs[i].host->where.file, refs[i].host->where.line,
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
	error_at(p, topo->path, 0, "no switch (add \"switch HOST\" with a priority)");
    for (i = 0; i < topo->nswitches; i++) {
	TOPO_HOST *h = topo->switches + i;

	if (h->priority_line == 0)
	    error_at(p, h->where.file, h->where.line, "switch %s has no priority "
		     "(its MX preference: add \"priority 10\")", h->name);
	else if (h->priority >= 0 && h->priority > max_switch)
	    max_switch = h->priority;
	check_host(p, h, "switch");
    }
    for (i = 0; i < topo->nbackups; i++) {
	TOPO_HOST *h = topo->backups + i;

	if (h->priority_line == 0)
	    error_at(p, h->where.file, h->where.line, "backup %s has no priority "
		     "(its MX preference: add \"priority 20\")", h->name);
	else if (h->priority >= 0 && max_switch >= 0
		 && h->priority <= max_switch)
	    error_at(p, h->where.file, h->priority_line, "backup %s has priority "
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

    if ((why = host_problem(b->subdomain)) != 0)
	error_at(p, topo->path, line, "subdomain %s %s", b->subdomain, why);
    else if (topo->domain && (strcmp(b->subdomain, topo->domain) == 0
			      || !topology_in_domain(b->subdomain, topo->domain)))
	error_at(p, topo->path, line, "subdomain %s must be under %s (its MX "
		 "is written to that zone)", b->subdomain, topo->domain);
    else if (topo->relay && strcmp(b->subdomain, topo->relay) == 0)
	error_at(p, topo->path, line, "subdomain %s is the relay name",
		 b->subdomain);
    for (i = 0; topo->branches + i < b; i++)
	if (topo->branches[i].subdomain
	    && strcmp(topo->branches[i].subdomain, b->subdomain) == 0)
	    error_at(p, topo->path, line, "subdomain %s is already branch "
		     "%s's (line %u)", b->subdomain, topo->branches[i].name,
		     topo->branches[i].where.line);
}

static void check_branch(PARSER *p, TOPO_BRANCH *b)
{
    TOPOLOGY *topo = p->topo;
    size_t  len;

    if (b->host.name == 0)
	error_at(p, b->where.file, b->where.line, "branch %s has no host "
		 "(add \"host NAME\": its mail server)", b->name);
    else
	check_host(p, &b->host, b->name);
    if (b->users_path == 0)
	error_at(p, b->where.file, b->where.line, "branch %s has no user list "
		 "(add \"users PATH\")", b->name);
    if (b->subdomain == 0 && topo->domain && good_branch_name(b->name)) {
	len = strlen(b->name) + strlen(topo->domain) + 2;
	b->subdomain = xrealloc(0, len);
	snprintf(b->subdomain, len, "%s.%s", b->name, topo->domain);
    }
    if (b->subdomain)
	check_subdomain(p, b);
}

static void check_topology(PARSER *p)
{
    TOPOLOGY *topo = p->topo;
    size_t  len, i;

    if (topo->domain == 0) {
	error_at(p, topo->path, 0, "no domain (add \"domain NAME\")");
    } else if (topo->relay == 0) {
	len = strlen(DEFAULT_RELAY) + strlen(topo->domain) + 2;
	topo->relay = xrealloc(0, len);
	snprintf(topo->relay, len, "%s.%s", DEFAULT_RELAY, topo->domain);
    } else if (!topology_in_domain(topo->relay, topo->domain)
	       || strcmp(topo->relay, topo->domain) == 0) {
	error_at(p, topo->path, p->relay_line, "relay %s must be a name under "
		 "%s (the branches send mail for the switch there)", topo->relay,
		 topo->domain);
    }
    if (topo->reject == 0)
	topo->reject = xstrdup("error:nouser " DEFAULT_REJECT);
    check_mx_hosts(p);
    if (topo->nbranches == 0)
	error_at(p, topo->path, 0, "no branch (add \"branch NAME\" with its "
		 "host and users)");
    for (i = 0; i < topo->nbranches; i++)
	check_branch(p, topo->branches + i);
    check_hosts_unique(p);
    for (i = 0; topo->relay && i < topo->nbackups + topo->nbranches; i++) {
	const TOPO_HOST *h = i < topo->nbackups ? topo->backups + i :
	&topo->branches[i - topo->nbackups].host;

	if (h->name && strcmp(h->name, topo->relay) == 0)
	    error_at(p, h->where.file, h->where.line, "host %s is the relay "
		     "name, which must lead to the switches", h->name);
    }
}

/* User lists. */

static TOPO_ALIAS *new_alias(TOPOLOGY *topo, const char *local, const char *domain,
			             size_t user, unsigned line)
{
    TOPO_ALIAS *a = grow(&topo->aliases, &topo->naliases, sizeof(*a));

    a->local = local;
    a->domain = domain;
    a->user = (uint32_t) user;
    a->line = line;
    return (a);
}

/* LOCAL@DOMAIN: an old address at a branch subdomain. */
static void add_old_address(PARSER *p, const TOPO_BRANCH *b, char *word,
			            size_t user, unsigned line)
{
    TOPOLOGY *topo = p->topo;
    char   *at = strchr(word, '@');
    const char *why;
    const TOPO_ALIAS *was;
    long    index;

    *at = 0;
    if ((why = name_problem(word)) != 0) {
	error_at(p, b->users_path, line, "old address %s@%s: %s", word, at + 1, why);
	return;
    }
    if (topology_branch_of_domain(topo, at + 1) < 0) {
	error_at(p, b->users_path, line, "old address %s@%s: %s is not a "
		 "branch subdomain", word, at + 1, at + 1);
	return;
    }
    *at = '@';
    if ((index = find_old(topo, word)) >= 0) {
	was = topo->aliases + index;
	error_at(p, b->users_path, line, "old address %s is already %s's, "
		 "of branch %s (%s:%u)", word, topo->users[was->user].name,
		 topo->branches[topo->users[was->user].branch].name,
		 topo->branches[topo->users[was->user].branch].users_path,
		 was->line);
	return;
    }
    xhtable_insert(topo->old, keep(topo, xstrdup(word)),
		  (void *) (uintptr_t) (topo->naliases + 1));
    *at = 0;				/* local part and domain apart */
    new_alias(topo, word, at + 1, user, line);
}

static void parse_user_line(PARSER *p, size_t branch, char *line, size_t len,
			            unsigned lineno)
{
    TOPOLOGY *topo = p->topo;
    TOPO_BRANCH *b = topo->branches + branch;
    char   *argv[TOPO_MAX_ARGS + 1];
    const char *why;
    TOPO_USER *u;
    size_t  user;
    int     argc, i;

    if ((why = raw_line_problem(line, len)) != 0) {
	error_at(p, b->users_path, lineno, "%s", why);
	return;
    }
    if ((argc = words_split(line, argv, TOPO_MAX_ARGS, '#')) < 0) {
	error_at(p, b->users_path, lineno, "too many aliases on one line");
	return;
    }
    if (argc == 0)
	return;
    addr_fold(argv[0], argv[0]);
    if ((why = name_problem(argv[0])) != 0 || strchr(argv[0], '@')) {
	error_at(p, b->users_path, lineno, "user %s: %s", argv[0],
		 why ? why : "a user is a name, not an address");
	return;
    }
    user = topo->nusers;
    if (enter_name(p, argv[0], TOPO_IS_USER, user, b->users_path, lineno) < 0)
	return;
    u = grow(&topo->users, &topo->nusers, sizeof(*u));
    u->name = argv[0];
    u->branch = (uint32_t) branch;
    u->line = lineno;
    u->first_alias = (uint32_t) topo->naliases;
    for (i = 1; i < argc; i++) {
	addr_fold(argv[i], argv[i]);
	if (strchr(argv[i], '@')) {
	    add_old_address(p, b, argv[i], user, lineno);
	} else if ((why = name_problem(argv[i])) != 0) {
	    error_at(p, b->users_path, lineno, "alias %s: %s", argv[i], why);
	} else if (enter_name(p, argv[i], TOPO_IS_ALIAS, topo->naliases,
			      b->users_path, lineno) == 0) {
	    new_alias(topo, argv[i], 0, user, lineno);
	}
    }
    topo->users[user].naliases = (uint32_t) (topo->naliases - u->first_alias);
}

static void read_user_list(PARSER *p, size_t branch)
{
    TOPOLOGY *topo = p->topo;
    TOPO_BRANCH *b = topo->branches + branch;
    char    err[256], *text, *line, *nl;
    size_t  len;
    unsigned lineno = 1;

    b->first_user = topo->nusers;
    if (b->users_path == 0)
	return;
    if ((text = read_file(b->users_path, &len, err, sizeof(err))) == 0) {
	error_at(p, topo->path, b->users_line, "branch %s: cannot read user "
		 "list %s: %s", b->name, b->users_path, err);
	return;
    }
    *(char **) grow(&topo->texts, &topo->ntexts, sizeof(char *)) = text;
    for (line = text; line < text + len; line = nl + 1, lineno++) {
	if ((nl = memchr(line, '\n', text + len - line)) == 0)
	    nl = text + len;
	*nl = 0;
	parse_user_line(p, branch, line, nl - line, lineno);
    }
    b->nusers = topo->nusers - b->first_user;
    if (b->nusers == 0)
	warning_at(p, b->users_path, 0, "branch %s has no users", b->name);
}

/*
 * An old address must not be the mailbox address of another user: at
 * lima.inkacoca.org every name of a Lima user is already taken.
 */
static void check_old_addresses(PARSER *p)
{
    TOPOLOGY *topo = p->topo;
    const TOPO_ALIAS *a;
    const TOPO_USER *u, *owner;
    TOPO_KIND kind;
    size_t  index;
    long    branch, other;
    char    desc[512];

    for (a = topo->aliases; a < topo->aliases + topo->naliases; a++) {
	if (a->domain == 0)
	    continue;
	u = topo->users + a->user;
	branch = topology_branch_of_domain(topo, a->domain);
	kind = topology_find_name(topo, a->local, &index);
	if ((other = user_of(topo, kind, index)) < 0
	    || topo->users[other].branch != (uint32_t) branch)
	    continue;
	owner = topo->users + other;
	if (owner == u) {
	    warning_at(p, topo->branches[u->branch].users_path, a->line,
		       "old address %s@%s is already %s's own address",
		       a->local, a->domain, u->name);
	    continue;
	}
	describe_name(topo, kind, index, desc, sizeof(desc));
	error_at(p, topo->branches[u->branch].users_path, a->line,
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
	    error_at(p, r->where.file, r->where.line, "role %s: target %s: %s",
		     r->name, *target, why);
	    return (ROLE_BAD);
	}
	addr_fold(addr.domain, addr.domain);
	if (strcmp(addr.domain, topo->domain) != 0) {
	    if (!topology_in_domain(addr.domain, topo->domain))
		return (ROLE_OUTSIDE);
	    error_at(p, r->where.file, r->where.line, "role %s: target %s: "
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
	error_at(p, r->where.file, r->where.line, "role %s: target %s is %s",
		 r->name, *target, kind == TOPO_IS_ROLE ? "a role (name users "
		 "or outside addresses)" : "no user of any branch");
	return (ROLE_BAD);
    }
    len = strlen(local) + strlen(topo->domain) + 2;
    full = xrealloc(0, len);
    snprintf(full, len, "%s@%s", local, topo->domain);
    free(*target);
    *target = full;
    return (user_of(topo, kind, index));
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

static void check_roles(PARSER *p)
{
    TOPOLOGY *topo = p->topo;
    TOPO_ROLE *r;
    size_t  i, j, len;
    long   *users;

    for (r = topo->roles; r < topo->roles + topo->nroles; r++)
	(void) enter_name(p, r->name, TOPO_IS_ROLE, r - topo->roles,
			  r->where.file, r->where.line);
    for (r = topo->roles; r < topo->roles + topo->nroles; r++) {
	len = strlen(r->name) + strlen(topo->domain) + 2;
	users = xrealloc(0, r->ntargets * sizeof(*users));
	for (i = 0; i < r->ntargets; i++) {
	    users[i] = check_role_target(p, r, r->targets + i);
	    len += strlen(r->targets[i]) + 2;
	    for (j = 0; j < i; j++)
		if (same_target(r, users, i, j)) {
		    error_at(p, r->where.file, r->where.line, "role %s: targets "
			     "%s and %s are the same mailbox", r->name,
			     r->targets[j], r->targets[i]);
		    break;
		}
	}
	free(users);
	if (len > TABLE_MAX_LINE)
	    error_at(p, r->where.file, r->where.line, "role %s: too many "
		     "targets (its table line would pass %d bytes)", r->name,
		     TABLE_MAX_LINE);
    }
    if (topology_find_name(topo, "postmaster", &i) == TOPO_UNKNOWN)
	warning_at(p, topo->path, 0, "no postmaster (RFC 5321 wants one: add "
		   "\"role postmaster USER\")");
}

/* Loading. */

static void read_topology(PARSER *p, char *text, size_t len)
{
    char   *line, *nl;

    p->line = 1;
    for (line = text; line < text + len; line = nl + 1, p->line++) {
	if ((nl = memchr(line, '\n', text + len - line)) == 0)
	    nl = text + len;
	*nl = 0;
	parse_topology_line(p, line, nl - line);
    }
}

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
}

TOPOLOGY *topology_load(const char *path, TABLE_REPORT_FN report, void *ctx)
{
    PARSER  p;
    TOPOLOGY *topo;
    char    err[256], *text, *slash;
    size_t  len, i;

    if ((text = read_file(path, &len, err, sizeof(err))) == 0) {
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
	p.dir = keep(topo, strndup(topo->path, slash - topo->path + (slash == topo->path)));
    read_topology(&p, text, len);
    free(text);
    check_topology(&p);
    if (topo->domain) {
	for (i = 0; i < topo->nbranches; i++)
	    if (topo->branches[i].subdomain)
		read_user_list(&p, i);
	check_old_addresses(&p);
	check_roles(&p);
    }
    return (topo);
}

static void free_host(TOPO_HOST *h)
{
    size_t  i;

    for (i = 0; i < h->naddresses; i++)
	free(h->addresses[i]);
    free(h->addresses);
    free(h->name);
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
    free(topo);
}
