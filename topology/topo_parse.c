/*
 * topo_parse.c - the statements of the topology file.
 *
 * Exports topo_read_topology() to topology_load() (topo_impl.h). Each
 * line is a statement (domain, relay, reject-unknown, detail, switch,
 * backup, branch, role, and what the domain publishes: spf-include, spf-network,
 * spf-policy, dmarc, mta-sts, tls-rpt), or, indented, attributes of the
 * switch, backup or branch above it; see topology.c for the whole syntax. What a line says
 * alone is checked here; what the lines say together in topo_check.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "topo_impl.h"
#include "vut.h"
#include "words.h"
#include "xalloc.h"

/* Names the output files use: a branch may not take them. */
static const char *const reserved_branch_names[] = {"switch", "domain", 0};

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
	topo_error(p, topo->path, p->line, "domain given twice (first at line %u)",
		 topo->domain_where.line);
	return;
    }
    topo->domain = topo_folded_name(argv[1]);
    topo->domain_where.file = topo->path;
    topo->domain_where.line = p->line;
    if ((why = topo_host_problem(topo->domain)) != 0)
	topo_error(p, topo->path, p->line, "domain %s %s", argv[1], why);
}

static void parse_relay(PARSER *p, int argc, char **argv)
{
    TOPOLOGY *topo = p->topo;
    const char *why;

    (void) argc;
    if (p->relay_line) {
	topo_error(p, topo->path, p->line, "relay given twice (first at line %u)",
		 p->relay_line);
	return;
    }
    p->relay_line = p->line;
    topo->relay = topo_folded_name(argv[1]);
    if ((why = topo_host_problem(topo->relay)) != 0)
	topo_error(p, topo->path, p->line, "relay %s %s", argv[1], why);
}

static void parse_reject(PARSER *p, int argc, char **argv)
{
    TOPOLOGY *topo = p->topo;
    const char *why, *warn;
    size_t  len = sizeof("error:nouser") + 1;
    char   *value;
    int     i;

    if (p->reject_line) {
	topo_error(p, topo->path, p->line,
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
	topo_error(p, topo->path, p->line, "reject-unknown: %s", why);
}

/* switch HOST / backup HOST: a new host; attributes may follow inline. */
static TOPO_HOST *new_host(PARSER *p, BLOCK_KIND kind, const char *name)
{
    TOPOLOGY *topo = p->topo;
    TOPO_HOST *h;

    if (kind == BLOCK_SWITCH) {
	p->block_index = topo->nswitches;
	h = topo_grow(&topo->switches, &topo->nswitches, sizeof(*h));
    } else {
	p->block_index = topo->nbackups;
	h = topo_grow(&topo->backups, &topo->nbackups, sizeof(*h));
    }
    h->name = topo_folded_name(name);
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

static void open_branch(PARSER *p, int argc, char **argv)
{
    TOPOLOGY *topo = p->topo;
    TOPO_BRANCH *b;
    const char *const *r;
    size_t  i;

    p->block = BLOCK_BRANCH;
    p->block_index = topo->nbranches;
    b = topo_grow(&topo->branches, &topo->nbranches, sizeof(*b));
    b->name = xstrdup(argv[1]);
    b->where.file = topo->path;
    b->where.line = p->line;
    if (!topo_good_branch_name(b->name))
	topo_error(p, topo->path, p->line, "branch name %s: use lower-case "
		 "letters, digits and hyphens (it names the branch's files)",
		 b->name);
    for (r = reserved_branch_names; *r; r++)
	if (strcmp(b->name, *r) == 0)
	    topo_error(p, topo->path, p->line, "branch name %s is reserved "
		     "(maptool build writes %s.vut for its own use)", *r, *r);
    for (i = 0; i + 1 < topo->nbranches; i++)
	if (strcmp(topo->branches[i].name, b->name) == 0)
	    topo_error(p, topo->path, p->line, "branch %s is already defined "
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

    r = topo_grow(&topo->roles, &topo->nroles, sizeof(*r));
    r->name = topo_folded_name(argv[1]);
    r->where.file = topo->path;
    r->where.line = p->line;
    if ((why = topo_name_problem(r->name)) != 0)
	topo_error(p, topo->path, p->line, "role %s: %s", argv[1], why);
    for (i = 2; i < argc; i++) {
	for (target = strtok_r(argv[i], ",", &save); target;
	     target = strtok_r(0, ",", &save))
	    *(char **) topo_grow(&r->targets, &r->ntargets, sizeof(char *)) = xstrdup(target);
    }
    if (r->ntargets == 0)
	topo_error(p, topo->path, p->line, "role %s has no target", r->name);
}

/* What the domain publishes about its mail (TOPO_MAILAUTH). */

/* A statement given once: complain when LINE is set already. */
static int once_statement(PARSER *p, const char *what, unsigned *line)
{
    if (*line) {
	topo_error(p, p->topo->path, p->line, "%s given twice (first at line %u)",
		 what, *line);
	return (-1);
    }
    *line = p->line;
    return (0);
}

/* Is WORD one of the null-terminated WORDS? */
static int one_of(const char *word, const char *const *words)
{
    for (; *words; words++)
	if (strcmp(word, *words) == 0)
	    return (1);
    return (0);
}

/*
 * What is wrong with NAME as an SPF include domain, or null: a host name
 * that may also hold underscores (_spf.example.com).
 */
static const char *include_problem(const char *name)
{
    char   *copy = xstrdup(name), *u;
    const char *why;

    for (u = copy; (u = strchr(u, '_')) != 0; u++)
	*u = 'x';
    why = topo_host_problem(copy);
    free(copy);
    return (why);
}

/* spf-include DOMAIN...: outside senders that send as the domain. */
static void parse_spf_include(PARSER *p, int argc, char **argv)
{
    TOPO_MAILAUTH *a = &p->topo->auth;
    const char *why;
    char   *name;
    size_t  j;
    int     i;

    if (a->spf_include_line == 0)
	a->spf_include_line = p->line;
    for (i = 1; i < argc; i++) {
	name = topo_folded_name(strncmp(argv[i], "include:", 8) == 0 ?
				argv[i] + 8 : argv[i]);
	if ((why = include_problem(name)) != 0) {
	    topo_error(p, p->topo->path, p->line, "spf-include %s %s", argv[i], why);
	    free(name);
	    continue;
	}
	for (j = 0; j < a->nspf_includes && strcmp(a->spf_includes[j], name); j++)
	     /* void */ ;
	if (j < a->nspf_includes) {
	    topo_error(p, p->topo->path, p->line, "spf-include %s given twice", name);
	    free(name);
	    continue;
	}
	*(char **) topo_grow(&a->spf_includes, &a->nspf_includes, sizeof(char *)) = name;
    }
}

/* Is TEXT an address with a prefix length, IP/LEN? */
static int good_network(const char *text)
{
    unsigned char buf[sizeof(struct in6_addr)];
    char    addr[INET6_ADDRSTRLEN + 1], *end;
    const char *slash = strchr(text, '/');
    long    len, max;

    if (slash == 0 || (size_t) (slash - text) >= sizeof(addr))
	return (0);
    memcpy(addr, text, slash - text);
    addr[slash - text] = 0;
    if (inet_pton(AF_INET, addr, buf) == 1)
	max = 32;
    else if (inet_pton(AF_INET6, addr, buf) == 1)
	max = 128;
    else
	return (0);
    errno = 0;
    len = strtol(slash + 1, &end, 10);
    return (slash[1] != 0 && *end == 0 && errno == 0 && len >= 0 && len <= max);
}

/* spf-network IP/LEN...: networks that hold sending servers. */
static void parse_spf_network(PARSER *p, int argc, char **argv)
{
    TOPO_MAILAUTH *a = &p->topo->auth;
    int     i;

    if (a->spf_network_line == 0)
	a->spf_network_line = p->line;
    for (i = 1; i < argc; i++) {
	if (!good_network(argv[i]))
	    topo_error(p, p->topo->path, p->line, "spf-network %s is not an IPv4 "
		     "or IPv6 network (ADDRESS/LENGTH)", argv[i]);
	else
	    *(char **) topo_grow(&a->spf_networks, &a->nspf_networks,
				 sizeof(char *)) = xstrdup(argv[i]);
    }
}

/* spf-policy -all|~all: what receivers do with mail from anyone else. */
static void parse_spf_policy(PARSER *p, int argc, char **argv)
{
    TOPO_MAILAUTH *a = &p->topo->auth;

    (void) argc;
    if (once_statement(p, "spf-policy", &a->spf_policy_line) < 0)
	return;
    if (strcmp(argv[1], "-all") == 0)
	a->spf_fail = 1;
    else if (strcmp(argv[1], "~all") != 0)
	topo_error(p, p->topo->path, p->line, "spf-policy %s: -all (fail) or "
		 "~all (soft fail)", argv[1]);
}

/*
 * detail keep|drop: whether user+detail@domain reaches the user's
 * mailbox as user+detail (keep, the default) or as user.
 */
static void parse_detail(PARSER *p, int argc, char **argv)
{
    (void) argc;
    if (once_statement(p, "detail", &p->topo->detail_line) < 0)
	return;
    if (strcmp(argv[1], "drop") == 0)
	p->topo->drop_detail = 1;
    else if (strcmp(argv[1], "keep") != 0)
	topo_error(p, p->topo->path, p->line, "detail %s: keep (user+detail "
		 "arrives as such) or drop (as user)", argv[1]);
}

/* A report address: mailto:, or for TLS-RPT also https:. */
static int good_report_uri(const char *uri, int https_too)
{
    if (strncmp(uri, "mailto:", 7) == 0)
	return (strchr(uri + 7, '@') != 0 && uri[strcspn(uri, ",;! \t\"\\")] == 0);
    return (https_too && strncmp(uri, "https://", 8) == 0 && uri[8] != 0
	    && uri[strcspn(uri, ",;! \t\"\\")] == 0);
}

/* dmarc POLICY [rua URI] */
static void parse_dmarc(PARSER *p, int argc, char **argv)
{
    static const char *const policies[] = {"none", "quarantine", "reject", 0};
    TOPO_MAILAUTH *a = &p->topo->auth;

    if (once_statement(p, "dmarc", &a->dmarc_line) < 0)
	return;
    a->dmarc_policy = xstrdup(argv[1]);
    if (!one_of(argv[1], policies))
	topo_error(p, p->topo->path, p->line, "dmarc %s: the policy is none, "
		 "quarantine or reject", argv[1]);
    if (argc == 2)
	return;
    if (argc != 4 || strcmp(argv[2], "rua") != 0) {
	topo_error(p, p->topo->path, p->line, "dmarc takes a policy, then "
		 "optionally rua mailto:ADDRESS");
	return;
    }
    a->dmarc_rua = xstrdup(argv[3]);
    if (!good_report_uri(argv[3], 0))
	topo_error(p, p->topo->path, p->line, "dmarc rua %s: a mailto:ADDRESS",
		 argv[3]);
}

/* mta-sts MODE [max-age SECONDS] */
static void parse_mta_sts(PARSER *p, int argc, char **argv)
{
    static const char *const modes[] = {"enforce", "testing", "none", 0};
    TOPO_MAILAUTH *a = &p->topo->auth;
    char   *end;

    if (once_statement(p, "mta-sts", &a->sts_line) < 0)
	return;
    a->sts_mode = xstrdup(argv[1]);
    a->sts_max_age = TOPO_STS_DEFAULT_AGE;
    if (!one_of(argv[1], modes))
	topo_error(p, p->topo->path, p->line, "mta-sts %s: the mode is enforce, "
		 "testing or none", argv[1]);
    if (argc == 2)
	return;
    if (argc != 4 || strcmp(argv[2], "max-age") != 0) {
	topo_error(p, p->topo->path, p->line, "mta-sts takes a mode, then "
		 "optionally max-age SECONDS");
	return;
    }
    errno = 0;
    a->sts_max_age = strtol(argv[3], &end, 10);
    if (*argv[3] == 0 || *end || errno || a->sts_max_age < 0
	|| a->sts_max_age > TOPO_STS_MAX_AGE)
	topo_error(p, p->topo->path, p->line, "mta-sts max-age %s: seconds, "
		 "from 0 to %d (a year)", argv[3], TOPO_STS_MAX_AGE);
}

/* tls-rpt URI */
static void parse_tls_rpt(PARSER *p, int argc, char **argv)
{
    TOPO_MAILAUTH *a = &p->topo->auth;

    (void) argc;
    if (once_statement(p, "tls-rpt", &a->tlsrpt_line) < 0)
	return;
    a->tlsrpt_rua = xstrdup(argv[1]);
    if (!good_report_uri(argv[1], 1))
	topo_error(p, p->topo->path, p->line, "tls-rpt %s: a mailto:ADDRESS or "
		 "https:// URI", argv[1]);
}

static const KEYWORD keywords[] = {
    {"domain", BLOCK_NONE, 1, 1, parse_domain},
    {"relay", BLOCK_NONE, 1, 1, parse_relay},
    {"reject-unknown", BLOCK_NONE, 2, TOPO_MAX_ARGS, parse_reject},
    {"detail", BLOCK_NONE, 1, 1, parse_detail},
    {"switch", BLOCK_SWITCH, 1, TOPO_MAX_ARGS, open_switch},
    {"backup", BLOCK_BACKUP, 1, TOPO_MAX_ARGS, open_backup},
    {"branch", BLOCK_BRANCH, 1, TOPO_MAX_ARGS, open_branch},
    {"role", BLOCK_NONE, 2, TOPO_MAX_ARGS, parse_role},
    {"spf-include", BLOCK_NONE, 1, TOPO_MAX_ARGS, parse_spf_include},
    {"spf-network", BLOCK_NONE, 1, TOPO_MAX_ARGS, parse_spf_network},
    {"spf-policy", BLOCK_NONE, 1, 1, parse_spf_policy},
    {"dmarc", BLOCK_NONE, 1, 3, parse_dmarc},
    {"mta-sts", BLOCK_NONE, 1, 3, parse_mta_sts},
    {"tls-rpt", BLOCK_NONE, 1, 1, parse_tls_rpt},
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
	topo_error(p, p->topo->path, p->line, "%s given twice (first at line %u)",
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
	topo_error(p, p->topo->path, p->line, "priority %s: an MX preference "
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
	topo_error(p, p->topo->path, p->line, "address %s is not an IPv4 or "
		 "IPv6 address", value);
    *(char **) topo_grow(&h->addresses, &h->naddresses, sizeof(char *)) = xstrdup(value);
}

static void set_host(PARSER *p, const char *value)
{
    TOPO_HOST *h = block_host(p);

    if (h->name) {
	topo_error(p, p->topo->path, p->line, "host given twice (first at line %u)",
		 h->where.line);
	return;
    }
    h->name = topo_folded_name(value);
    h->where.file = p->topo->path;
    h->where.line = p->line;
}

static void set_subdomain(PARSER *p, const char *value)
{
    TOPO_BRANCH *b = block_branch(p);

    if (once(p, "subdomain", &b->subdomain_line) < 0)
	return;
    b->subdomain = topo_folded_name(value);
}

static void set_users(PARSER *p, const char *value)
{
    TOPO_BRANCH *b = block_branch(p);
    size_t  len;

    if (once(p, "users", &b->users_line) < 0)
	return;
    if (value[0] == '/' || p->dir == 0 || topology_is_ldap_url(value)) {
	b->users_path = xstrdup(value);
    } else {
	len = strlen(p->dir) + strlen(value) + 2;
	b->users_path = xrealloc(0, len);
	snprintf(b->users_path, len, "%s/%s", p->dir, value);
    }
}

/* A path relative to the topology file's directory, allocated. */
static char *relative_path(PARSER *p, const char *value)
{
    size_t  len;
    char   *path;

    if (value[0] == '/' || p->dir == 0)
	return (xstrdup(value));
    len = strlen(p->dir) + strlen(value) + 2;
    path = xrealloc(0, len);
    snprintf(path, len, "%s/%s", p->dir, value);
    return (path);
}

/* ldap-bind DN: a simple bind as DN (with ldap-secret). */
static void set_ldap_bind(PARSER *p, const char *value)
{
    TOPO_BRANCH *b = block_branch(p);

    if (once(p, "ldap-bind", &b->ldap.bind_line) < 0)
	return;
    b->ldap.bind_dn = xstrdup(value);
}

/* ldap-secret PATH: the file whose first line is the bind password. */
static void set_ldap_secret(PARSER *p, const char *value)
{
    TOPO_BRANCH *b = block_branch(p);

    if (once(p, "ldap-secret", &b->ldap.secret_line) < 0)
	return;
    b->ldap.secret_path = relative_path(p, value);
}

/* ldap-sasl external: bind with SASL EXTERNAL (ldapi:// peer, TLS client). */
static void set_ldap_sasl(PARSER *p, const char *value)
{
    TOPO_BRANCH *b = block_branch(p);

    if (once(p, "ldap-sasl", &b->ldap.sasl_line) < 0)
	return;
    if (strcasecmp(value, "external") != 0)
	topo_error(p, p->topo->path, p->line, "ldap-sasl %s: only external "
		 "is known", value);
    b->ldap.sasl_external = 1;
}

/* ldap-starttls yes|no: StartTLS before the bind (ldap:// only). */
static void set_ldap_starttls(PARSER *p, const char *value)
{
    TOPO_BRANCH *b = block_branch(p);

    if (once(p, "ldap-starttls", &b->ldap.starttls_line) < 0)
	return;
    if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
	topo_error(p, p->topo->path, p->line, "ldap-starttls %s: yes or no",
		 value);
    b->ldap.starttls = strcmp(value, "yes") == 0;
}

/* ldap-page-size N: entries a page of the search (a server's size.pr). */
static void set_ldap_page_size(PARSER *p, const char *value)
{
    TOPO_BRANCH *b = block_branch(p);
    char   *end;
    long    n;

    if (once(p, "ldap-page-size", &b->ldap.page_line) < 0)
	return;
    errno = 0;
    n = strtol(value, &end, 10);
    if (errno || *end || end == value || n < 1 || n > 100000) {
	topo_error(p, p->topo->path, p->line, "ldap-page-size %s: a number "
		 "from 1 to 100000", value);
	return;
    }
    b->ldap.page_size = (int) n;
}

/* certificate PATH: the server's TLS certificate, for its TLSA record. */
static void set_certificate(PARSER *p, const char *value)
{
    TOPO_HOST *h = block_host(p);
    size_t  len;

    if (once(p, "certificate", &h->certificate_line) < 0)
	return;
    if (value[0] == '/' || p->dir == 0) {
	h->certificate = xstrdup(value);
    } else {
	len = strlen(p->dir) + strlen(value) + 2;
	h->certificate = xrealloc(0, len);
	snprintf(h->certificate, len, "%s/%s", p->dir, value);
    }
}

static const ATTRIBUTE attributes[] = {
    {"priority", BLOCK_SWITCH | BLOCK_BACKUP, set_priority},
    {"address", BLOCK_SWITCH | BLOCK_BACKUP | BLOCK_BRANCH, add_address},
    {"host", BLOCK_BRANCH, set_host},
    {"subdomain", BLOCK_BRANCH, set_subdomain},
    {"users", BLOCK_BRANCH, set_users},
    {"ldap-bind", BLOCK_BRANCH, set_ldap_bind},
    {"ldap-secret", BLOCK_BRANCH, set_ldap_secret},
    {"ldap-sasl", BLOCK_BRANCH, set_ldap_sasl},
    {"ldap-starttls", BLOCK_BRANCH, set_ldap_starttls},
    {"ldap-page-size", BLOCK_BRANCH, set_ldap_page_size},
    {"certificate", BLOCK_SWITCH | BLOCK_BACKUP | BLOCK_BRANCH, set_certificate},
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
	    topo_error(p, p->topo->path, p->line, "unknown attribute %s "
		     "(priority, address, host, subdomain, users, "
		     "ldap-bind, ldap-secret, ldap-sasl, ldap-starttls, "
		     "ldap-page-size or "
		     "certificate)", argv[i]);
	    continue;
	}
	if ((a->blocks & p->block) == 0) {
	    topo_error(p, p->topo->path, p->line, "%s does not apply to %s",
		     argv[i], block_name(p->block));
	    continue;
	}
	if (i + 1 >= argc) {
	    topo_error(p, p->topo->path, p->line, "%s needs a value", argv[i]);
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

    if ((why = topo_line_problem(line, len)) != 0) {
	topo_error(p, p->topo->path, p->line, "%s", why);
	return;
    }
    if ((argc = words_split(line, argv, TOPO_MAX_ARGS, '#')) < 0) {
	topo_error(p, p->topo->path, p->line, "too many words on one line");
	return;
    }
    if (argc == 0)
	return;
    if (indented) {
	if (p->block == BLOCK_NONE)
	    topo_error(p, p->topo->path, p->line, "indented line outside a switch, "
		     "backup or branch (attributes follow their head line)");
	else
	    parse_attributes(p, argc, argv);
	return;
    }
    p->block = BLOCK_NONE;
    for (k = keywords; k->name && strcmp(k->name, argv[0]) != 0; k++)
	 /* void */ ;
    if (k->name == 0) {
	topo_error(p, p->topo->path, p->line, "unknown statement %s (domain, "
		 "relay, reject-unknown, detail, switch, backup, branch, role, "
		 "spf-include, spf-network, spf-policy, dmarc, mta-sts or "
		 "tls-rpt)", argv[0]);
	return;
    }
    if (argc - 1 < k->min_args || argc - 1 > k->max_args) {
	if (k->min_args == k->max_args)
	    topo_error(p, p->topo->path, p->line, "%s takes %d value%s", k->name,
		     k->min_args, k->min_args == 1 ? "" : "s");
	else if (argc - 1 < k->min_args)
	    topo_error(p, p->topo->path, p->line, "%s takes at least %d values",
		     k->name, k->min_args);
	else
	    topo_error(p, p->topo->path, p->line, "%s takes at most %d values",
		     k->name, k->max_args);
	return;
    }
    k->parse(p, argc, argv);
}

/* Reading the file. */

void    topo_read_topology(PARSER *p, char *text, size_t len)
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
