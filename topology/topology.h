#ifndef TOPOLOGY_H_INCLUDED
#define TOPOLOGY_H_INCLUDED

/*
 * topology.h - the routing switch's topology file and the branch user
 * lists it names, read and checked in memory.
 */
#include <stddef.h>
#include <stdint.h>
#include "table.h"

#define TOPO_MAX_NAME	64		/* RFC 5321 local part, octets */
#define TOPO_STS_MAX_AGE	31557600	/* RFC 8461: at most a year */
#define TOPO_STS_DEFAULT_AGE	604800		/* a week */

/* Where something was written: a file and a line. */
typedef struct TOPO_WHERE {
    const char *file;
    unsigned line;
} TOPO_WHERE;

/* A mail server: a switch, a backup MX or a branch's server. */
typedef struct TOPO_HOST {
    char   *name;			/* host name, folded */
    char  **addresses;			/* IPv4 or IPv6, as written */
    size_t  naddresses;
    int     priority;			/* MX preference (switch, backup) */
    TOPO_WHERE where;			/* where the host is named */
    unsigned priority_line;		/* 0: no priority given */
    char   *certificate;		/* TLS certificate (PEM), or null */
    unsigned certificate_line;		/* 0: no certificate given */
} TOPO_HOST;

/*
 * How a branch's users are read from a directory (users ldap://...): a
 * simple bind as bind_dn with the password in secret_path, or SASL
 * EXTERNAL; StartTLS on a plain ldap:// connection. Each line is the
 * topology line that gave it, 0 when not given.
 */
typedef struct TOPO_LDAP {
    char   *bind_dn;			/* null: anonymous, or SASL EXTERNAL */
    char   *secret_path;		/* the bind password's file */
    int     sasl_external;
    int     starttls;
    int     page_size;			/* entries a page; 0: the default */
    unsigned bind_line, secret_line, sasl_line, starttls_line, page_line;
} TOPO_LDAP;

typedef struct TOPO_BRANCH {
    char   *name;
    TOPO_HOST host;
    char   *subdomain;			/* the old branch domain, folded */
    char   *users_path;			/* as it can be opened, or an LDAP URL */
    TOPO_WHERE where;			/* the branch line */
    unsigned subdomain_line, users_line;	/* 0: not given */
    size_t  first_user, nusers;		/* its users in TOPOLOGY.users */
    TOPO_LDAP ldap;
    char  **entry_dns;			/* LDAP: user line N is entry_dns[N-1] (in texts) */
    size_t  nentry_dns;
} TOPO_BRANCH;

typedef struct TOPO_USER {
    const char *name;			/* folded local part */
    uint32_t branch;
    uint32_t line;			/* in its branch's user list (LDAP: entry) */
    uint32_t first_alias, naliases;	/* in TOPOLOGY.aliases */
} TOPO_USER;

/*
 * An alias: another name of the same user at the domain and the user's
 * branch subdomain, or (with domain set) an old address at one branch
 * subdomain only, e.g. diego@lima.inkacoca.org for a renamed user.
 */
typedef struct TOPO_ALIAS {
    const char *local;			/* folded */
    const char *domain;			/* null, or a branch subdomain */
    uint32_t user;
    uint32_t line;
} TOPO_ALIAS;

/* A role address of the domain: postmaster -> ana, carlos. */
typedef struct TOPO_ROLE {
    char   *name;			/* folded local part */
    char  **targets;			/* full addresses */
    size_t  ntargets;
    TOPO_WHERE where;
} TOPO_ROLE;

/*
 * What the domain publishes about its mail besides the routes: SPF,
 * DMARC, MTA-STS and TLS-RPT (see mailauth.h). Every part is optional;
 * a line of 0 means the statement was not given.
 */
typedef struct TOPO_MAILAUTH {
    char  **spf_includes;		/* outside senders: include: domains */
    size_t  nspf_includes;
    char  **spf_networks;		/* ADDR/LEN covering servers */
    size_t  nspf_networks;
    int     spf_fail;			/* -all rather than ~all */
    unsigned spf_include_line, spf_network_line, spf_policy_line;
    char   *dmarc_policy;		/* none, quarantine or reject */
    char   *dmarc_rua;			/* mailto: URI, or null */
    unsigned dmarc_line;
    char   *sts_mode;			/* enforce, testing or none */
    long    sts_max_age;		/* seconds */
    unsigned sts_line;
    char   *tlsrpt_rua;			/* mailto: or https: URI */
    unsigned tlsrpt_line;
} TOPO_MAILAUTH;

/* What a name of the domain is: see topology_find_name(). */
typedef enum TOPO_KIND {
    TOPO_UNKNOWN, TOPO_IS_USER, TOPO_IS_ALIAS, TOPO_IS_ROLE,
} TOPO_KIND;

/*
 * The arrays of servers, branches, users, aliases and roles are never
 * null, even when empty, so that ARRAY + COUNT is always defined.
 */
typedef struct TOPOLOGY {
    char   *path;			/* the topology file */
    char   *domain;			/* folded */
    char   *relay;			/* where branches send the rest */
    char   *reject;			/* error: value for unknown users */
    int     drop_detail;		/* "detail drop": +detail not kept */
    unsigned detail_line;		/* 0: not given (keep) */
    TOPO_WHERE domain_where;
    TOPO_MAILAUTH auth;
    TOPO_HOST *switches, *backups;
    size_t  nswitches, nbackups;
    TOPO_BRANCH *branches;
    size_t  nbranches;
    TOPO_USER *users;
    size_t  nusers;
    TOPO_ALIAS *aliases;
    size_t  naliases;
    TOPO_ROLE *roles;
    size_t  nroles;
    struct HTABLE *names;		/* local part -> encoded TOPO_KIND */
    struct HTABLE *old;			/* "local@subdomain" -> alias */
    char  **texts;			/* user list contents, names point in */
    size_t  ntexts;
    char  **strings;			/* other strings to free */
    size_t  nstrings;
    int     errors, warnings;
} TOPOLOGY;

/*
 * Read PATH and every user list it names. Every problem is reported
 * through REPORT as FILE:LINE (a conflict names the other file and line
 * in its text) and counted; the caller must not write anything when
 * errors is non-zero. Returns null only when PATH cannot be read at all
 * (reported). Running out of memory ends the program with exit status
 * 71 (xalloc.h): this is for the command-line tools, never the daemon.
 */
extern TOPOLOGY *topology_load(const char *path, REPORT_FN report,
			               void *ctx);
extern void topology_free(TOPOLOGY *topo);

/*
 * PATH alone, read and checked as topology_load() does, without reading
 * any user list: where each branch's users come from (users_path,
 * ldap), for maptool build --follow to watch. No branch has users.
 */
extern TOPOLOGY *topology_load_sources(const char *path, REPORT_FN report,
				               void *ctx);

/*
 * The change markers of the directories the branches read their users
 * from (users ldap://...): for each such branch I, CSN[I] holds the
 * contextCSN values of the naming context that holds the branch's base,
 * read as the build reads (the same bind), sorted and joined by spaces;
 * null for the other branches. Branches on the same server, bound alike,
 * share one read of a context. CSN has a slot per branch; free() each.
 * 0, or -1 with the first branch that failed in *BAD and the reason in
 * WHY (the server unreachable, no contextCSN: slapd keeps it with the
 * syncprov overlay), every slot then null.
 */
extern int topology_ldap_csns(const TOPOLOGY *topo, char **csn, size_t *bad,
			              char *why, size_t whylen);

/* What LOCAL (folded) is at the domain; *INDEX into users/aliases/roles. */
extern TOPO_KIND topology_find_name(const TOPOLOGY *topo, const char *local,
				            size_t *index);

/*
 * The user who owns ADDRESS (folded, no +detail): a name at the domain
 * or at a branch subdomain, or an old address. Returns the user's index,
 * or -1 (unknown, or a role).
 */
extern long topology_owner(const TOPOLOGY *topo, const char *local,
			           const char *domain);

/*
 * Where entry LINE of branch BRANCH's user list was written: the list's
 * file with *OUT_LINE = LINE, or (users from LDAP) the entry's DN with
 * *OUT_LINE = 0, as a REPORT_FN takes them.
 */
extern const char *topology_user_place(const TOPOLOGY *topo, size_t branch,
				               unsigned line, unsigned *out_line);

/* Is USERS (a branch's users value) an LDAP URL? */
extern int topology_is_ldap_url(const char *users);

/* The branch whose subdomain is DOMAIN (folded), or -1. */
extern long topology_branch_of_domain(const TOPOLOGY *topo, const char *domain);

/*
 * Is old address A (local@branch-subdomain) an address its user has
 * anyway: one of the user's own names at the user's own subdomain?
 */
extern int topology_old_is_own(const TOPOLOGY *topo, const TOPO_ALIAS *a);

/* Is HOST (folded) DOMAIN or a name under it? */
extern int topology_in_domain(const char *host, const char *domain);

#endif
