/*
 * topo_ldap.c - a branch's users read from a directory.
 *
 * Exports topology_is_ldap_url() and topology_ldap_csns() (topology.h)
 * and topo_read_ldap_users() (topo_impl.h). A branch's "users" may be
 * an LDAP URL (RFC 4516):
 *
 *	ldap://HOST:PORT/BASE?NAME,ALIAS...?SCOPE?FILTER
 *
 * also ldaps:// and ldapi://. Each entry the search finds is one user:
 * the NAME attribute (default uid) holds its one name, each value of
 * the ALIAS attributes (default mail) one more address: a plain name is
 * an alias, as in a user list file; NAME@DOMAIN is the user's own
 * address and adds nothing; LOCAL@DOMAIN is the alias LOCAL; LOCAL@
 * SUBDOMAIN is an old address at that branch subdomain. SCOPE defaults
 * to sub, FILTER to (NAME=*). Each entry goes to topo_add_user() as
 * one line of a list, so every check of the file lists applies, and a
 * problem names the entry's DN where a file list names FILE:LINE.
 *
 * The search is paged (RFC 2696, the control critical) and each entry is
 * handled as it arrives: no page, let alone the whole result, is held.
 * The read is whole or the load has an error, so nothing is built from a
 * part: a referral, a size or time limit, a server gone away, silent for
 * LDAP_WAIT seconds, or any result but success is reported as the
 * branch's error. The DNs and words are kept in large blocks with the
 * topology's texts. The bind is anonymous, simple (ldap-bind DN, the
 * password from the file ldap-secret names) or SASL EXTERNAL (ldap-sasl
 * external, over ldapi:// or a TLS client certificate); ldap-starttls
 * yes asks for TLS on an ldap:// connection. Certificates are checked as
 * libldap's ldap.conf(5) and LDAPTLS_* say.
 *
 * topology_ldap_csns() reads, with each branch's connection and bind,
 * the contextCSN of the naming context that holds the branch's base: the
 * first of the base and its parents to have one. Branches that reach the
 * same server as the same user, with bases in a context already read,
 * share that read. slapd keeps it (with the syncprov overlay) as the CSN
 * of the last change anywhere in the context, so it moves on every add,
 * modify, rename and delete, on a provider and on its syncrepl consumers
 * alike.
 */
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "addr.h"
#include "topo_impl.h"
#include "xalloc.h"

#define LDAP_PAGE_SIZE	500		/* entries a page, unless ldap-page-size */
#define LDAP_WAIT	30		/* seconds: connect, each operation */
#define LDAP_READ_AHEAD	(64 * 1024)	/* bytes read at once */
#define LDAP_TEXT_BLOCK	(1 << 20)	/* bytes: DNs and words kept */
#define LDAP_NAME_ATTR	"uid"
#define LDAP_ALIAS_ATTR	"mail"

/* One read: the connection, the search, where its text goes. */
typedef struct LDAP_READ {
    PARSER *p;
    size_t  branch;
    LDAP   *ld;
    LDAPURLDesc *url;
    char   *name_attr;			/* the URL's first attribute, or uid */
    char  **attrs;			/* name first, then the aliases */
    char   *filter;
    int     scope;
    size_t  dns_room;			/* the branch's entry_dns, allocated */
    char  **words;			/* an entry's name, then its aliases */
    size_t  words_room;
    char    why[1024];			/* the first problem, once failed */
} LDAP_READ;

int     topology_is_ldap_url(const char *users)
{
    return (strncmp(users, "ldap://", 7) == 0 || strncmp(users, "ldaps://", 8) == 0
	    || strncmp(users, "ldapi://", 8) == 0);
}

/* Field FIELD of the URL after its base (1 attributes, 2 scope...), or null when empty. */
static const char *url_field(const char *url, int field)
{
    const char *s = strstr(url, "://");

    if (s == 0 || (s = strchr(s + 3, '/')) == 0)
	return (0);
    for (; field > 0; field--)
	if ((s = strchr(s + 1, '?')) == 0)
	    return (0);
    return (s[1] && s[1] != '?' ? s + 1 : 0);
}

/* "scheme://host:port" of URL: the server, without base and search. */
static char *server_of(const char *url)
{
    const char *s = strstr(url, "://"), *slash;

    slash = strchr(s + 3, '/');
    return (slash ? strndup(url, slash - url) : xstrdup(url));
}

/* Fail the read, once: the first reason is the one reported. */
static int fail(LDAP_READ *r, const char *what, const char *detail)
{
    if (r->why[0] == 0)
	snprintf(r->why, sizeof(r->why), "%s%s%s", what, detail ? ": " : "",
		 detail ? detail : "");
    return (-1);
}

/* The libldap reason for the last failure, with the server's own words. */
static int fail_ldap(LDAP_READ *r, const char *what, int rc)
{
    char   *diag = 0;
    char    why[400];

    ldap_get_option(r->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
    snprintf(why, sizeof(why), "%s%s%s", ldap_err2string(rc),
	     diag && *diag ? ", " : "", diag && *diag ? diag : "");
    ldap_memfree(diag);
    return (fail(r, what, why));
}

/* The URL's search: base, scope, attributes and filter. */
static int parse_url(LDAP_READ *r, const char *users)
{
    const char *scope = url_field(users, 2);
    size_t  n, i;
    char    filter[256];

    if (ldap_url_parse(users, &r->url) != LDAP_URL_SUCCESS)
	return (fail(r, "not an LDAP URL (RFC 4516)", 0));
    if (r->url->lud_exts)
	return (fail(r, "LDAP URL extensions are not supported", 0));
    r->scope = scope ? r->url->lud_scope : LDAP_SCOPE_SUBTREE;
    for (n = 0; r->url->lud_attrs && r->url->lud_attrs[n]; n++)
	 /* void */ ;
    r->attrs = xcalloc((n ? n : 2) + 1, sizeof(char *));	/* null-ended */
    if (n == 0) {
	r->attrs[0] = xstrdup(LDAP_NAME_ATTR);
	r->attrs[1] = xstrdup(LDAP_ALIAS_ATTR);
    } else {
	for (i = 0; i < n; i++)
	    r->attrs[i] = xstrdup(r->url->lud_attrs[i]);
    }
    r->name_attr = r->attrs[0];
    if (r->url->lud_filter) {
	r->filter = xstrdup(r->url->lud_filter);
    } else {
	snprintf(filter, sizeof(filter), "(%s=*)", r->name_attr);
	r->filter = xstrdup(filter);
    }
    return (0);
}

/* The first line of PATH, the bind password; null after failing. */
static char *read_secret(LDAP_READ *r, const char *path)
{
    char    err[256], *text;
    size_t  len;

    char    what[400];

    if ((text = topo_read_file(path, &len, err, sizeof(err))) == 0) {
	snprintf(what, sizeof(what), "cannot read the bind password (%s)", path);
	fail(r, what, err);
	return (0);
    }
    text[strcspn(text, "\r\n")] = 0;
    if (text[0] == 0) {
	free(text);
	fail(r, "the bind password is empty", path);
	return (0);
    }
    return (text);
}

/*
 * Read the connection ahead, LDAP_READ_AHEAD bytes a read(2): without
 * it libldap reads each entry with two read(2)s and a poll(2), three
 * system calls an entry. Above TLS, so the buffer holds plain LDAP.
 */
static int read_ahead(LDAP_READ *r)
{
    Sockbuf *sb = 0;
    int     size = LDAP_READ_AHEAD, rc;

    if ((rc = ldap_connect(r->ld)) != LDAP_SUCCESS)
	return (fail_ldap(r, "cannot connect", rc));
    if (ldap_get_option(r->ld, LDAP_OPT_SOCKBUF, &sb) != LDAP_OPT_SUCCESS || sb == 0)
	return (fail(r, "cannot set up reading ahead", "no connection"));
    if (ber_sockbuf_ctrl(sb, LBER_SB_OPT_HAS_IO, &ber_sockbuf_io_readahead) == 0
	&& ber_sockbuf_add_io(sb, &ber_sockbuf_io_readahead,
			      LBER_SBIOD_LEVEL_APPLICATION, &size) != 0)
	return (fail(r, "cannot set up reading ahead", 0));
    return (0);
}

/* Connect, StartTLS if asked, bind, read ahead. */
static int open_directory(LDAP_READ *r, const char *users, const TOPO_LDAP *cf)
{
    struct timeval wait = {LDAP_WAIT, 0};
    struct berval cred, none = {0, (char *) ""};
    int     version = LDAP_VERSION3, rc;
    char   *server = server_of(users), *secret;

    rc = ldap_initialize(&r->ld, server);
    free(server);
    if (rc != LDAP_SUCCESS)
	return (fail(r, "cannot use the server", ldap_err2string(rc)));
    if (ldap_set_option(r->ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS
	|| ldap_set_option(r->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS
	|| ldap_set_option(r->ld, LDAP_OPT_NETWORK_TIMEOUT, &wait) != LDAP_OPT_SUCCESS
	|| ldap_set_option(r->ld, LDAP_OPT_TIMEOUT, &wait) != LDAP_OPT_SUCCESS)
	return (fail(r, "cannot set the connection's options", 0));
    if (cf->starttls && (rc = ldap_start_tls_s(r->ld, 0, 0)) != LDAP_SUCCESS)
	return (fail_ldap(r, "StartTLS failed", rc));
    if (cf->sasl_external) {
	rc = ldap_sasl_bind_s(r->ld, 0, "EXTERNAL", &none, 0, 0, 0);
	if (rc != LDAP_SUCCESS)
	    return (fail_ldap(r, "SASL EXTERNAL bind failed", rc));
    } else if (cf->bind_dn) {
	if ((secret = read_secret(r, cf->secret_path)) == 0)
	    return (-1);
	cred.bv_val = secret;
	cred.bv_len = strlen(secret);
	rc = ldap_sasl_bind_s(r->ld, cf->bind_dn, LDAP_SASL_SIMPLE, &cred, 0, 0, 0);
	memset(secret, 0, cred.bv_len);
	free(secret);
	if (rc != LDAP_SUCCESS)
	    return (fail_ldap(r, "bind failed", rc));
    }
    return (read_ahead(r));
}

/*
 * LEN bytes of S as a string kept as long as the topology: entries'
 * DNs and words go into large blocks, freed with the topology's texts,
 * so a million entries cost their bytes and not a million allocations.
 */
static char *keep_text(LDAP_READ *r, const char *s, size_t len)
{
    PARSER *p = r->p;
    size_t  size;
    char   *copy;

    if (len + 1 > p->text_left) {
	size = len + 1 > LDAP_TEXT_BLOCK ? len + 1 : LDAP_TEXT_BLOCK;
	p->text = xcalloc(1, size);
	*(char **) topo_grow(&p->topo->texts, &p->topo->ntexts, sizeof(char *)) = p->text;
	p->text_left = size;
    }
    copy = p->text;
    memcpy(copy, s, len);
    copy[len] = 0;
    p->text += len + 1;
    p->text_left -= len + 1;
    return (copy);
}

/*
 * A value into BUF (ADDR_MAX + 1 bytes) as a folded C string; -1 (and
 * the read failed) if it is none.
 */
static int value_string(LDAP_READ *r, const char *dn, const char *attr,
			        const struct berval *v, char *buf)
{
    char    why[600];

    if (v->bv_len == 0 || v->bv_len > ADDR_MAX || memchr(v->bv_val, 0, v->bv_len)) {
	snprintf(why, sizeof(why), "%s: a value of %s is empty, too long "
		 "or holds a NUL", dn, attr);
	return (fail(r, why, 0));
    }
    memcpy(buf, v->bv_val, v->bv_len);
    buf[v->bv_len] = 0;
    addr_fold(buf, buf);
    return (0);
}

/*
 * The word an alias value VALUE (folded) of user NAME gives, kept, or
 * null: a plain name stays; NAME@DOMAIN is none; LOCAL@DOMAIN becomes
 * LOCAL; any other address stays, an old address for topo_add_user()
 * to check.
 */
static char *alias_word(LDAP_READ *r, const char *name, char *value)
{
    const TOPOLOGY *topo = r->p->topo;
    char   *at;

    if ((at = strrchr(value, '@')) != 0 && strcmp(at + 1, topo->domain) == 0) {
	*at = 0;
	if (strcmp(value, name) == 0)
	    return (0);
    }
    return (keep_text(r, value, strlen(value)));
}

/* Room for word N of an entry. */
static void words_room(LDAP_READ *r, size_t n)
{
    if (n >= r->words_room) {
	r->words_room = r->words_room ? 2 * r->words_room : 16;
	r->words = xrealloc(r->words, r->words_room * sizeof(char *));
    }
}

/* The entry's DN, kept: user line N of the branch is entry_dns[N-1]. */
static char *entry_dn(LDAP_READ *r, LDAPMessage *e)
{
    TOPO_BRANCH *b = r->p->topo->branches + r->branch;
    char   *dn, *kept;

    if ((dn = ldap_get_dn(r->ld, e)) == 0) {
	fail(r, "an entry without a DN", 0);
	return (0);
    }
    kept = keep_text(r, dn, strlen(dn));
    ldap_memfree(dn);
    if (b->nentry_dns == r->dns_room) {
	r->dns_room = r->dns_room ? 2 * r->dns_room : 1024;
	b->entry_dns = xrealloc(b->entry_dns, r->dns_room * sizeof(char *));
    }
    b->entry_dns[b->nentry_dns++] = kept;
    return (kept);
}

/*
 * One entry, as it arrives: its DN, its one name and its aliases go to
 * topo_add_user() as one more line of the branch's list.
 */
static int take_entry(LDAP_READ *r, LDAPMessage *e)
{
    TOPO_BRANCH *b = r->p->topo->branches + r->branch;
    struct berval **vals;
    char   *dn, *word, why[600], value[ADDR_MAX + 1];
    size_t  n = 0, i, j;
    int     rc;

    if ((dn = entry_dn(r, e)) == 0)
	return (-1);
    vals = ldap_get_values_len(r->ld, e, r->name_attr);
    if (ldap_count_values_len(vals) != 1) {
	snprintf(why, sizeof(why), "%s: %d values of %s, not one", dn,
		 ldap_count_values_len(vals), r->name_attr);
	ldap_value_free_len(vals);
	return (fail(r, why, 0));
    }
    rc = value_string(r, dn, r->name_attr, vals[0], value);
    ldap_value_free_len(vals);
    if (rc < 0)
	return (-1);
    words_room(r, n);
    r->words[n++] = keep_text(r, value, strlen(value));
    for (i = 1; r->attrs[i] && r->why[0] == 0; i++) {
	vals = ldap_get_values_len(r->ld, e, r->attrs[i]);
	for (j = 0; vals && vals[j]; j++) {
	    if (value_string(r, dn, r->attrs[i], vals[j], value) < 0)
		break;
	    if ((word = alias_word(r, r->words[0], value)) == 0)
		continue;
	    words_room(r, n);
	    r->words[n++] = word;
	}
	ldap_value_free_len(vals);
    }
    if (r->why[0])
	return (-1);
    topo_add_user(r->p, r->branch, r->words, (int) n, (unsigned) b->nentry_dns);
    return (0);
}

/* The result of one page: success and the next cookie, or a failure. */
static int page_result(LDAP_READ *r, LDAPMessage *m, struct berval *cookie)
{
    LDAPControl **ctrls = 0, *page;
    char   *msg = 0, **refs = 0;
    ber_int_t count;
    int     code, rc;

    rc = ldap_parse_result(r->ld, m, &code, 0, &msg, &refs, &ctrls, 0);
    if (rc != LDAP_SUCCESS) {
	fail_ldap(r, "cannot read the search result", rc);
    } else if (code == LDAP_REFERRAL || refs) {
	fail(r, "the directory refers elsewhere: not every user was read",
	     refs && refs[0] ? refs[0] : 0);
    } else if (code != LDAP_SUCCESS) {
	fail(r, "the search failed, not every user was read",
	     msg && *msg ? msg : ldap_err2string(code));
    } else if ((page = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, ctrls, 0)) == 0) {
	fail(r, "the directory did not page the results", 0);
    } else if ((rc = ldap_parse_pageresponse_control(r->ld, page, &count,
						     cookie)) != LDAP_SUCCESS) {
	fail_ldap(r, "cannot read the paging control", rc);
    }
    ldap_memfree(msg);
    ldap_memvfree((void **) refs);
    ldap_controls_free(ctrls);
    return (r->why[0] ? -1 : 0);
}

/* The search's messages, each handled as it arrives, to the page's result. */
static void read_page(LDAP_READ *r, int msgid, struct berval *cookie)
{
    struct timeval wait = {LDAP_WAIT, 0};
    LDAPMessage *m;
    int     rc, done = 0;

    while (!done && r->why[0] == 0) {
	m = 0;
	rc = ldap_result(r->ld, msgid, LDAP_MSG_ONE, &wait, &m);
	if (rc == 0) {
	    fail(r, "the directory sent nothing for too long", 0);
	} else if (rc < 0) {
	    ldap_get_option(r->ld, LDAP_OPT_RESULT_CODE, &rc);
	    fail_ldap(r, "the search failed", rc);
	} else if (rc == LDAP_RES_SEARCH_ENTRY) {
	    take_entry(r, m);
	} else if (rc == LDAP_RES_SEARCH_REFERENCE) {
	    fail(r, "the directory refers elsewhere: not every user was read", 0);
	} else if (rc == LDAP_RES_SEARCH_RESULT) {
	    done = 1;
	    page_result(r, m, cookie);
	}
	ldap_msgfree(m);
    }
    if (!done)
	ldap_abandon_ext(r->ld, msgid, 0, 0);
}

/* Every page of the search, each entry taken, or a failure. */
static int search_all(LDAP_READ *r, const TOPO_LDAP *cf)
{
    int     size = cf->page_size ? cf->page_size : LDAP_PAGE_SIZE;
    struct timeval wait = {LDAP_WAIT, 0};
    struct berval cookie = {0, 0};
    LDAPControl *page = 0, *ctrls[2] = {0, 0};
    int     rc, msgid;

    do {
	rc = ldap_create_page_control(r->ld, size, &cookie, 1, &page);
	ber_memfree(cookie.bv_val);
	cookie.bv_val = 0;
	cookie.bv_len = 0;
	if (rc != LDAP_SUCCESS)
	    return (fail_ldap(r, "cannot make the paging control", rc));
	ctrls[0] = page;
	rc = ldap_search_ext(r->ld, r->url->lud_dn, r->scope, r->filter,
			     r->attrs, 0, ctrls, 0, &wait, LDAP_NO_LIMIT, &msgid);
	ldap_control_free(page);
	if (rc != LDAP_SUCCESS)
	    return (fail_ldap(r, "the search failed", rc));
	read_page(r, msgid, &cookie);
    } while (cookie.bv_len > 0 && r->why[0] == 0);
    ber_memfree(cookie.bv_val);
    return (r->why[0] ? -1 : 0);
}

/* The configuration's own problems, before any connection. */
static int check_config(LDAP_READ *r, const TOPO_LDAP *cf)
{
    if (cf->bind_dn && cf->secret_path == 0)
	return (fail(r, "ldap-bind needs ldap-secret, the password's file", 0));
    if (cf->secret_path && cf->bind_dn == 0)
	return (fail(r, "ldap-secret needs ldap-bind", 0));
    if (cf->sasl_external && cf->bind_dn)
	return (fail(r, "ldap-sasl external and ldap-bind exclude each other", 0));
    return (0);
}

static void free_read(LDAP_READ *r)
{
    size_t  i;

    free(r->words);
    for (i = 0; r->attrs && r->attrs[i]; i++)
	free(r->attrs[i]);
    free(r->attrs);
    free(r->filter);
    if (r->url)
	ldap_free_urldesc(r->url);
    if (r->ld)
	ldap_unbind_ext_s(r->ld, 0, 0);
}

void    topo_read_ldap_users(PARSER *p, size_t branch)
{
    TOPO_BRANCH *b = p->topo->branches + branch;
    LDAP_READ r;

    memset(&r, 0, sizeof(r));
    r.p = p;
    r.branch = branch;
    if (check_config(&r, &b->ldap) == 0 && parse_url(&r, b->users_path) == 0
	&& open_directory(&r, b->users_path, &b->ldap) == 0)
	search_all(&r, &b->ldap);
    if (r.why[0])
	topo_error(p, p->topo->path, b->users_line, "branch %s: cannot read "
		 "users from %s: %s", b->name, b->users_path, r.why);
    free_read(&r);
}

/* The contextCSN values of entry DN, sorted and joined; 0 when it has none. */
static char *entry_csn(LDAP_READ *r, const char *dn, int *rc)
{
    struct timeval wait = {LDAP_WAIT, 0};
    char   *attrs[] = {"contextCSN", 0}, *csn = 0;
    struct berval **vals;
    LDAPMessage *res = 0, *e;
    size_t  len = 0, i, j, n;

    *rc = ldap_search_ext_s(r->ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs,
			    0, 0, 0, &wait, 1, &res);
    if (*rc == LDAP_SUCCESS && (e = ldap_first_entry(r->ld, res)) != 0
	&& (vals = ldap_get_values_len(r->ld, e, "contextCSN")) != 0) {
	n = (size_t) ldap_count_values_len(vals);
	for (i = 1; i < n; i++)			/* a few values: insertion sort */
	    for (j = i; j > 0 && strcmp(vals[j - 1]->bv_val, vals[j]->bv_val) > 0; j--) {
		struct berval *t = vals[j];

		vals[j] = vals[j - 1];
		vals[j - 1] = t;
	    }
	for (i = 0; i < n; i++)
	    len += vals[i]->bv_len + 1;
	csn = xcalloc(len + 1, 1);
	for (i = 0; i < n; i++) {
	    if (i)
		strcat(csn, " ");
	    strncat(csn, vals[i]->bv_val, vals[i]->bv_len);
	}
	ldap_value_free_len(vals);
    }
    ldap_msgfree(res);
    return (csn);
}

/* The first of the base and its parents with a contextCSN; its DN in *WHERE. */
static char *context_csn(LDAP_READ *r, char **where)
{
    LDAPDN  dn = 0;
    char   *str, *csn = 0;
    int     i, rc = LDAP_SUCCESS;

    if (ldap_str2dn(r->url->lud_dn ? r->url->lud_dn : "", &dn, LDAP_DN_FORMAT_LDAP)
	!= LDAP_SUCCESS) {
	fail(r, "the base is not a DN", 0);
	return (0);
    }
    for (i = 0; csn == 0 && dn && dn[i]; i++) {
	if (ldap_dn2str(dn + i, &str, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS) {
	    fail(r, "the base is not a DN", 0);
	    break;
	}
	if ((csn = entry_csn(r, str, &rc)) != 0)
	    *where = xstrdup(str);
	ldap_memfree(str);
	if (rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR
	    || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY) {
	    fail_ldap(r, "cannot read contextCSN", rc);
	    break;
	}
    }
    ldap_dnfree(dn);
    if (csn == 0 && r->why[0] == 0)
	fail(r, "no contextCSN at the base or above it (slapd keeps one "
	     "with the syncprov overlay)", 0);
    return (csn);
}

/* Branch B's marker, read; the naming context's DN in *WHERE. */
static int branch_csn(const TOPO_BRANCH *b, char **csn, char **where, char *why,
		              size_t whylen)
{
    LDAP_READ r;

    memset(&r, 0, sizeof(r));
    *csn = 0;
    *where = 0;
    if (check_config(&r, &b->ldap) == 0 && parse_url(&r, b->users_path) == 0
	&& open_directory(&r, b->users_path, &b->ldap) == 0)
	*csn = context_csn(&r, where);
    if (r.why[0])
	snprintf(why, whylen, "%s", r.why);
    free_read(&r);
    return (*csn ? 0 : -1);
}

static int same_string(const char *a, const char *b)
{
    return (a == b || (a && b && strcmp(a, b) == 0));
}

/* Do branches A and B reach the same server as the same user? */
static int same_access(const TOPO_BRANCH *a, const TOPO_BRANCH *b)
{
    char   *sa = server_of(a->users_path), *sb = server_of(b->users_path);
    int     same = strcasecmp(sa, sb) == 0;

    free(sa);
    free(sb);
    return (same && same_string(a->ldap.bind_dn, b->ldap.bind_dn)
	    && same_string(a->ldap.secret_path, b->ldap.secret_path)
	    && a->ldap.sasl_external == b->ldap.sasl_external
	    && a->ldap.starttls == b->ldap.starttls);
}

/* DN in one spelling (LDAPv3, no stray spaces); null when it is none. */
static char *dn_pretty(const char *dn)
{
    char   *out = 0, *copy;

    if (ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAP, &out, LDAP_DN_FORMAT_LDAPV3)
	!= LDAP_SUCCESS)
	return (0);
    copy = xstrdup(out ? out : "");
    ldap_memfree(out);
    return (copy);
}

/* Is the base of branch B's URL CONTEXT or under it? */
static int base_under(const TOPO_BRANCH *b, const char *context)
{
    LDAPURLDesc *url = 0;
    char   *base = 0, *ctx = dn_pretty(context);
    size_t  lb, lc;
    int     under = 0;

    if (ctx && ldap_url_parse(b->users_path, &url) == LDAP_URL_SUCCESS
	&& (base = dn_pretty(url->lud_dn ? url->lud_dn : "")) != 0) {
	lb = strlen(base);
	lc = strlen(ctx);
	under = lc == 0 || (lb == lc && strcasecmp(base, ctx) == 0)
	    || (lb > lc && base[lb - lc - 1] == ',' && strcasecmp(base + lb - lc, ctx) == 0);
    }
    if (url)
	ldap_free_urldesc(url);
    free(base);
    free(ctx);
    return (under);
}

int     topology_ldap_csns(const TOPOLOGY *topo, char **csn, size_t *bad,
			           char *why, size_t whylen)
{
    const TOPO_BRANCH *b;
    char  **where = xcalloc(topo->nbranches + 1, sizeof(char *));
    size_t  i, j;
    int     r = 0;

    for (i = 0; i < topo->nbranches; i++)
	csn[i] = 0;
    for (i = 0; r == 0 && i < topo->nbranches; i++) {
	b = topo->branches + i;
	if (b->users_path == 0 || !topology_is_ldap_url(b->users_path))
	    continue;
	for (j = 0; j < i && csn[i] == 0; j++)
	    if (where[j] && same_access(b, topo->branches + j) && base_under(b, where[j])) {
		csn[i] = xstrdup(csn[j]);
		where[i] = xstrdup(where[j]);
	    }
	if (csn[i] == 0 && branch_csn(b, csn + i, where + i, why, whylen) < 0) {
	    *bad = i;
	    r = -1;
	}
    }
    for (i = 0; i < topo->nbranches; i++) {
	free(where[i]);
	if (r < 0) {
	    free(csn[i]);
	    csn[i] = 0;
	}
    }
    free(where);
    return (r);
}
