/*
 * mailauth.c - the records a domain publishes about its mail besides the
 * routes, made from its topology.
 *
 * Exports mailauth_make(), mailauth_free(), mailauth_write_zone() and
 * mailauth_write_policy() to maptool build; mailauth_sts_id(),
 * mailauth_tlsa_digest(), mailauth_covers(), mailauth_sender(), the SPF
 * term reader (mailauth_spf_parse(), mailauth_spf_passes(),
 * mailauth_spf_has(), mailauth_spf_free()) and the MTA-STS policy's mx:
 * lines (mailauth_policy_mx(), mailauth_mx_matches(),
 * mailauth_policy_names()) to the checkers of a build (recordverify.c)
 * and of the live DNS (dnscheck.c) as well. The records:
 *
 *  - SPF (always, at the domain): every server that sends mail for the
 *    domain (switches, backups, every branch's server) by address, or
 *    by a network of the topology's spf-network that holds the address,
 *    or by "a:HOST" when the topology gives it no address; then the
 *    spf-include domains, then -all or ~all (the default). More than
 *    ten DNS lookups, or a record too long to fit in one UDP answer, is
 *    an error; a record longer than one TXT string is cut into strings
 *    of at most 255 octets, at spaces where it can be.
 *  - DMARC at _dmarc, TLS-RPT at _smtp._tls: when the topology asks.
 *  - MTA-STS: the policy file (every MX host of the domain) and the
 *    _mta-sts record, whose id is a digest of the policy text, so that
 *    it changes exactly when the policy does.
 *  - TLSA 3 1 1 at _25._tcp.HOST for every server with a certificate:
 *    SHA-256 of the DER SubjectPublicKeyInfo, with OpenSSL's libcrypto.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "mailauth.h"
#include "xalloc.h"

#define NAME_COLUMN	32

/* A growing string. */
typedef struct TEXT {
    char   *s;
    size_t  len, room;
} TEXT;

static void text_add(TEXT *t, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static void text_add(TEXT *t, const char *fmt,...)
{
    va_list ap;
    int     n;

    va_start(ap, fmt);
    n = vsnprintf(0, 0, fmt, ap);
    va_end(ap);
    if (t->len + n + 1 > t->room) {
	t->room = 2 * (t->len + n + 1);
	t->s = xrealloc(t->s, t->room);
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, n + 1, fmt, ap);
    va_end(ap);
    t->len += n;
}

/* Problems. */

typedef struct MAKER {
    const TOPOLOGY *topo;
    MAILAUTH *auth;
    REPORT_FN report;
    void   *ctx;
} MAKER;

static void problem(MAKER *m, unsigned line, int is_error, const char *fmt,...)
	__attribute__((format(printf, 4, 5)));

static void problem(MAKER *m, unsigned line, int is_error, const char *fmt,...)
{
    char    why[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    m->report(m->ctx, m->topo->path, line, is_error, why);
    if (is_error)
	m->auth->errors++;
}

/* TEXT as TXT character strings: quoted, at most 255 octets each. */
static char *txt_strings(const char *text)
{
    TEXT    out = {0, 0, 0};
    size_t  len = strlen(text), take, i;
    const char *p = text, *space;

    do {
	take = len - (p - text);
	if (take > MAILAUTH_TXT_STRING) {
	    take = MAILAUTH_TXT_STRING;
	    /* End the string after a space, so no term is cut in two. */
	    for (space = p + take - 1; space > p && *space != ' '; space--)
		 /* void */ ;
	    if (space > p)
		take = space + 1 - p;
	}
	text_add(&out, "%s\"", out.len ? " " : "");
	for (i = 0; i < take; i++)
	    text_add(&out, "%s%c", p[i] == '"' || p[i] == '\\' ? "\\" : "", p[i]);
	text_add(&out, "\"");
	p += take;
    } while (*p);
    return (out.s);
}

static void add_rr(MAILAUTH *auth, const char *name, const char *type,
		           char *data, const char *comment)
{
    MAILAUTH_RR *rr;

    auth->rr = xrealloc(auth->rr, (auth->count + 1) * sizeof(*auth->rr));
    rr = auth->rr + auth->count++;
    rr->name = xstrdup(name);
    rr->type = type;
    rr->data = data;
    rr->comment = comment;
}

static char *prefixed(const char *prefix, const char *name)
{
    size_t  len = strlen(prefix) + strlen(name) + 1;
    char   *s = xrealloc(0, len);

    snprintf(s, len, "%s%s", prefix, name);
    return (s);
}

/* A TXT record at PREFIX and the domain, saying TEXT (still the caller's). */
static void add_domain_txt(MAKER *m, const char *prefix, const char *text,
			           const char *comment)
{
    char   *name = prefixed(prefix, m->topo->domain);

    add_rr(m->auth, name, "TXT", txt_strings(text), comment);
    free(name);
}

/* The senders. */

const TOPO_HOST *mailauth_sender(const TOPOLOGY *topo, size_t i, const char **role)
{
    if (i < topo->nswitches) {
	*role = "switch";
	return (topo->switches + i);
    }
    i -= topo->nswitches;
    if (i < topo->nbackups) {
	*role = "backup";
	return (topo->backups + i);
    }
    i -= topo->nbackups;
    if (i < topo->nbranches) {
	*role = "branch";
	return (&topo->branches[i].host);
    }
    return (0);
}

/* ADDRESS as bytes, with its family's length in bits; 0 when bad. */
static int parse_address(const char *text, size_t len, unsigned char *buf)
{
    char    addr[INET6_ADDRSTRLEN + 1];

    if (len >= sizeof(addr))
	return (0);
    memcpy(addr, text, len);
    addr[len] = 0;
    if (inet_pton(AF_INET, addr, buf) == 1)
	return (32);
    if (inet_pton(AF_INET6, addr, buf) == 1)
	return (128);
    return (0);
}

int     mailauth_covers(const char *network, const char *address)
{
    unsigned char net[sizeof(struct in6_addr)], host[sizeof(struct in6_addr)];
    const char *slash = strchr(network, '/');
    int     bits, prefix, i;
    char   *end;

    if ((bits = parse_address(network, slash ? (size_t) (slash - network)
			      : strlen(network), net)) == 0
	|| parse_address(address, strlen(address), host) != bits)
	return (0);
    prefix = bits;
    if (slash) {
	errno = 0;
	prefix = (int) strtol(slash + 1, &end, 10);
	if (slash[1] == 0 || *end || errno || prefix < 0 || prefix > bits)
	    return (0);
    }
    for (i = 0; i < prefix / 8; i++)
	if (net[i] != host[i])
	    return (0);
    if (prefix % 8 && ((net[i] ^ host[i]) & (0xff << (8 - prefix % 8)) & 0xff))
	return (0);
    return (1);
}

/* Is ADDRESS in one of the topology's spf-network networks? */
static int in_networks(const TOPOLOGY *topo, const char *address)
{
    size_t  i;

    for (i = 0; i < topo->auth.nspf_networks; i++)
	if (mailauth_covers(topo->auth.spf_networks[i], address))
	    return (1);
    return (0);
}

/* Has sender N an address already named by an earlier sender? */
static int named_before(const TOPOLOGY *topo, size_t n, const char *address)
{
    const TOPO_HOST *h;
    const char *role;
    size_t  i, j;

    for (i = 0; i < n && (h = mailauth_sender(topo, i, &role)) != 0; i++)
	for (j = 0; j < h->naddresses; j++)
	    if (strcmp(h->addresses[j], address) == 0)
		return (1);
    return (0);
}

/* SPF. */

/* Does SPF term TERM (no qualifier) cost a DNS lookup? */
static int is_lookup(const char *term)
{
    static const char *const prefixes[] = {
	"include:", "a:", "a/", "mx:", "mx/", "ptr:", "exists:", 0,
    };
    static const char *const words[] = {"a", "mx", "ptr", 0};
    const char *const *p;

    for (p = prefixes; *p; p++)
	if (strncasecmp(term, *p, strlen(*p)) == 0)
	    return (1);
    for (p = words; *p; p++)
	if (strcasecmp(term, *p) == 0)
	    return (1);
    return (0);
}

/* Note DOMAIN as a record this one takes in (include:, redirect=). */
static void spf_note_target(MAILAUTH_SPF *t, char *domain)
{
    if (*domain == 0)
	return;
    t->target = xrealloc(t->target, (t->ntargets + 1) * sizeof(char *));
    t->target[t->ntargets++] = domain;
}

/*
 * The terms are read left to right; a redirect= modifier counts only
 * when the record has no "all" mechanism, and is taken last, wherever it
 * stands (RFC 7208 6.1).
 */
void    mailauth_spf_parse(const char *text, MAILAUTH_SPF *t)
{
    char   *save, *w, *bare, *redirect = 0;

    memset(t, 0, sizeof(*t));
    t->copy = xstrdup(text);
    for (w = strtok_r(t->copy, " ", &save); w; w = strtok_r(0, " ", &save)) {
	if (strncasecmp(w, "redirect=", 9) == 0) {
	    redirect = w + 9;
	    continue;
	}
	bare = (*w == '+' || *w == '-' || *w == '~' || *w == '?') ? w + 1 : w;
	t->lookups += is_lookup(bare);
	if (strncasecmp(bare, "include:", 8) == 0)
	    spf_note_target(t, bare + 8);
	if (strcasecmp(bare, "all") == 0 && t->all == 0)
	    t->all = bare != w ? *w : '+';
	if (bare != w && *w != '+')
	    continue;			/* not a pass: covers nobody */
	t->term = xrealloc(t->term, (t->count + 1) * sizeof(char *));
	t->term[t->count++] = bare;
    }
    if (redirect && t->all == 0) {
	t->lookups++;
	spf_note_target(t, redirect);
    }
}

void    mailauth_spf_free(MAILAUTH_SPF *t)
{
    free(t->term);
    free(t->target);
    free(t->copy);
    memset(t, 0, sizeof(*t));
}

int     mailauth_spf_passes(const MAILAUTH_SPF *t, const char *host,
			            const char *address)
{
    size_t  i;

    for (i = 0; i < t->count; i++) {
	if ((strncasecmp(t->term[i], "ip4:", 4) == 0
	     || strncasecmp(t->term[i], "ip6:", 4) == 0)
	    && mailauth_covers(t->term[i] + 4, address))
	    return (1);
	if (strncasecmp(t->term[i], "a:", 2) == 0
	    && strcasecmp(t->term[i] + 2, host) == 0)
	    return (1);
    }
    return (0);
}

int     mailauth_spf_has(const MAILAUTH_SPF *t, const char *term)
{
    size_t  i;

    for (i = 0; i < t->count; i++)
	if (strcasecmp(t->term[i], term) == 0)
	    return (1);
    return (0);
}

static void make_spf(MAKER *m)
{
    const TOPOLOGY *topo = m->topo;
    const TOPO_MAILAUTH *a = &topo->auth;
    const TOPO_HOST *h;
    const char *role;
    TEXT    spf = {0, 0, 0};
    size_t  i, j;
    int     lookups = 0;
    unsigned char buf[sizeof(struct in6_addr)];

    text_add(&spf, "v=spf1");
    for (i = 0; i < a->nspf_networks; i++)
	text_add(&spf, " %s:%s", strchr(a->spf_networks[i], ':') ? "ip6" : "ip4",
		 a->spf_networks[i]);
    for (i = 0; (h = mailauth_sender(topo, i, &role)) != 0; i++) {
	if (h->naddresses == 0) {
	    text_add(&spf, " a:%s", h->name);
	    lookups++;
	}
	for (j = 0; j < h->naddresses; j++)
	    if (!in_networks(topo, h->addresses[j])
		&& !named_before(topo, i, h->addresses[j])
		&& !(j > 0 && strcmp(h->addresses[j - 1], h->addresses[j]) == 0))
		text_add(&spf, " %s:%s", inet_pton(AF_INET, h->addresses[j], buf)
			 == 1 ? "ip4" : "ip6", h->addresses[j]);
    }
    for (i = 0; i < a->nspf_includes; i++)
	text_add(&spf, " include:%s", a->spf_includes[i]);
    lookups += (int) a->nspf_includes;
    text_add(&spf, " %s", a->spf_fail ? "-all" : "~all");

    if (lookups > MAILAUTH_SPF_LOOKUPS)
	problem(m, a->spf_include_line ? a->spf_include_line : topo->domain_where.line,
		1, "the SPF record of %s needs %d DNS lookups, more than the %d "
		"receivers allow (every spf-include, and every server given "
		"without an address, is one; each include may need more)",
		topo->domain, lookups, MAILAUTH_SPF_LOOKUPS);
    if (strlen(topo->domain) + 1 + spf.len > MAILAUTH_SPF_ANSWER)
	problem(m, topo->domain_where.line, 1, "the SPF record of %s is %zu "
		"octets, too long for one DNS answer over UDP (its name and "
		"text must stay under %d): cover the servers with spf-network",
		topo->domain, spf.len, MAILAUTH_SPF_ANSWER);
    add_rr(m->auth, topo->domain, "TXT", txt_strings(spf.s),
	   "SPF: the servers that send as the domain");
    free(spf.s);
}

/* DMARC and TLS-RPT. */

static void make_reports(MAKER *m)
{
    const TOPO_MAILAUTH *a = &m->topo->auth;
    TEXT    t = {0, 0, 0};

    if (a->dmarc_line) {
	text_add(&t, "v=DMARC1; p=%s", a->dmarc_policy);
	if (a->dmarc_rua)
	    text_add(&t, "; rua=%s", a->dmarc_rua);
	add_domain_txt(m, "_dmarc.", t.s, "DMARC: what receivers do "
		       "with mail that fails SPF and DKIM");
	free(t.s);
	memset(&t, 0, sizeof(t));
    }
    if (a->tlsrpt_line) {
	text_add(&t, "v=TLSRPTv1; rua=%s", a->tlsrpt_rua);
	add_domain_txt(m, "_smtp._tls.", t.s, "TLS-RPT: where senders "
		       "report failed TLS");
	free(t.s);
    }
}

/* MTA-STS. */

void    mailauth_sts_id(const char *text, size_t len, char id[MAILAUTH_STS_ID + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;

    if (EVP_Digest(text, len, md, &mdlen, EVP_sha256(), 0) != 1)
	mdlen = 0;
    for (i = 0; i < MAILAUTH_STS_ID / 2; i++)
	snprintf(id + 2 * i, 3, "%02x", i < mdlen ? md[i] : 0);
    id[MAILAUTH_STS_ID] = 0;
}

const char *mailauth_policy_mx(const char *text, char *pattern, size_t size,
			               unsigned *lineno)
{
    const char *line, *end;
    size_t  len;

    for (line = text; *line; line = *end ? end + 1 : end) {
	end = line + strcspn(line, "\n");
	++*lineno;
	if (strncmp(line, "mx:", 3) != 0)
	    continue;
	line += 3;
	line += strspn(line, " \t");
	len = strcspn(line, " \t\r\n");
	if (len == 0 || len >= size)
	    continue;
	memcpy(pattern, line, len);
	pattern[len] = 0;
	return (*end ? end + 1 : end);
    }
    return (0);
}

int     mailauth_mx_matches(const char *pattern, const char *host)
{
    const char *dot;

    if (strncmp(pattern, "*.", 2) == 0)
	return ((dot = strchr(host, '.')) != 0 && dot > host
		&& strcasecmp(dot + 1, pattern + 2) == 0);
    return (strcasecmp(pattern, host) == 0);
}

int     mailauth_policy_names(const char *text, const char *host)
{
    char    pattern[256];
    unsigned line = 0;

    while ((text = mailauth_policy_mx(text, pattern, sizeof(pattern), &line)) != 0)
	if (mailauth_mx_matches(pattern, host))
	    return (1);
    return (0);
}

static void make_sts(MAKER *m)
{
    const TOPOLOGY *topo = m->topo;
    const TOPO_MAILAUTH *a = &topo->auth;
    const TOPO_HOST *h;
    const char *role;
    TEXT    policy = {0, 0, 0}, rec = {0, 0, 0};
    char    id[MAILAUTH_STS_ID + 1];
    size_t  i, nmx = topo->nswitches + topo->nbackups;

    if (a->sts_line == 0)
	return;
    text_add(&policy, "version: STSv1\r\nmode: %s\r\n", a->sts_mode);
    for (i = 0; i < nmx && (h = mailauth_sender(topo, i, &role)) != 0; i++)
	text_add(&policy, "mx: %s\r\n", h->name);	/* no host is two servers */
    text_add(&policy, "max_age: %ld\r\n", a->sts_max_age);
    mailauth_sts_id(policy.s, policy.len, id);
    text_add(&rec, "v=STSv1; id=%s", id);
    add_domain_txt(m, "_mta-sts.", rec.s, "MTA-STS: the id changes "
		   "with the policy (mta-sts.txt)");
    free(rec.s);
    m->auth->policy = policy.s;
}

/* TLSA. */

int     mailauth_tlsa_digest(const char *path, char hex[MAILAUTH_TLSA_HEX + 1],
			             char *err, size_t errlen)
{
    unsigned char md[EVP_MAX_MD_SIZE], *der = 0;
    unsigned int mdlen = 0, i;
    X509   *cert;
    FILE   *fp;
    int     len;

    if ((fp = fopen(path, "r")) == 0) {
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return (-1);
    }
    cert = PEM_read_X509(fp, 0, 0, 0);
    fclose(fp);
    if (cert == 0) {
	snprintf(err, errlen, "%s: no PEM certificate", path);
	return (-1);
    }
    len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    if (len <= 0 || EVP_Digest(der, len, md, &mdlen, EVP_sha256(), 0) != 1
	|| mdlen * 2 != MAILAUTH_TLSA_HEX) {
	snprintf(err, errlen, "%s: cannot digest its public key", path);
	OPENSSL_free(der);
	X509_free(cert);
	return (-1);
    }
    for (i = 0; i < mdlen; i++)
	snprintf(hex + 2 * i, 3, "%02x", md[i]);
    OPENSSL_free(der);
    X509_free(cert);
    return (0);
}

static void make_tlsa(MAKER *m)
{
    const TOPO_HOST *h;
    const char *role;
    char    hex[MAILAUTH_TLSA_HEX + 1], err[512], *name, *data;
    size_t  i;

    for (i = 0; (h = mailauth_sender(m->topo, i, &role)) != 0; i++) {
	if (h->certificate == 0)
	    continue;
	if (!topology_in_domain(h->name, m->topo->domain)) {
	    problem(m, h->certificate_line, 0, "%s is not in %s: publish its "
		    "TLSA record in its own zone", h->name, m->topo->domain);
	    continue;
	}
	if (mailauth_tlsa_digest(h->certificate, hex, err, sizeof(err)) < 0) {
	    problem(m, h->certificate_line, 1, "certificate %s", err);
	    continue;
	}
	name = prefixed("_25._tcp.", h->name);
	data = prefixed("3 1 1 ", hex);
	add_rr(m->auth, name, "TLSA", data, "DANE: the key of each server's "
	       "certificate");
	free(name);
    }
}

MAILAUTH *mailauth_make(const TOPOLOGY *topo, REPORT_FN report, void *ctx)
{
    MAKER   m;

    m.topo = topo;
    m.auth = xcalloc(1, sizeof(*m.auth));
    m.report = report;
    m.ctx = ctx;
    make_spf(&m);
    make_reports(&m);
    make_sts(&m);
    make_tlsa(&m);
    return (m.auth);
}

void    mailauth_free(MAILAUTH *auth)
{
    size_t  i;

    if (auth == 0)
	return;
    for (i = 0; i < auth->count; i++) {
	free(auth->rr[i].name);
	free(auth->rr[i].data);
    }
    free(auth->rr);
    free(auth->policy);
    free(auth);
}

/* Writing. */

int     mailauth_write_zone(const MAILAUTH *auth, FILE *fp)
{
    const char *last = 0;
    size_t  i, len;

    for (i = 0; i < auth->count; i++) {
	if (last == 0 || strcmp(last, auth->rr[i].comment) != 0)
	    fprintf(fp, ";\n; %s.\n", last = auth->rr[i].comment);
	fprintf(fp, "%s.", auth->rr[i].name);
	len = strlen(auth->rr[i].name) + 1;
	do
	    putc(' ', fp);
	while (++len < NAME_COLUMN);
	fprintf(fp, "IN %-4s  %s\n", auth->rr[i].type, auth->rr[i].data);
    }
    return (fflush(fp) == 0 && !ferror(fp) ? 0 : -1);
}

int     mailauth_write_policy(const MAILAUTH *auth, FILE *fp)
{
    if (auth->policy)
	fputs(auth->policy, fp);
    return (fflush(fp) == 0 && !ferror(fp) ? 0 : -1);
}
