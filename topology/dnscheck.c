/*
 * dnscheck.c - the live DNS of a domain against what its build says.
 *
 * Exports dnscheck_create(), dnscheck_pending(), dnscheck_query(),
 * dnscheck_add_rr(), dnscheck_asked(), dnscheck_unanswered(),
 * dnscheck_fetched_policy(), dnscheck_compare(), dnscheck_free(), and
 * the record readers dnscheck_dmarc() and dnscheck_tag(). The caller (maptool dnscheck) asks the questions
 * this module lists and hands back the answers as zone records
 * (dnsrdata.c makes them); the comparison is here, so that it is
 * tested without a network. The build's side is a zone as zone_read()
 * reads dns.zone, the MTA-STS policy text and the topology (its sending
 * servers, its spf-include domains, its certificates). What it finds,
 * one report each, at the build's file and line:
 *
 *  - an MX of the build not published, one published that the build
 *    has not, another priority; an MX naming an IP address; a null MX;
 *  - an MX host that is an alias (CNAME), that has no A or AAAA record,
 *    or other addresses than the build gives it;
 *  - no SPF record, two of them, one that needs more than ten lookups,
 *    misses a sending server or an include, or ends in another "all";
 *  - no DMARC record, two, a malformed one, another p= or rua=;
 *  - no MTA-STS record, two, an id other than the build's (stale), a
 *    policy (the build's file) that misses a published MX host or
 *    names one that is not;
 *  - the policy as fetched over HTTPS, when the caller fetched it
 *    (dnscheck_fetched_policy()): a version, mode or max_age other
 *    than the build's, an mx: line the build's has not or lacks, the
 *    published MX hosts as above; a fetch that failed, as such;
 *  - no TLS-RPT record, or another; another TXT record of the build
 *    not published;
 *  - a TLSA record missing, not matching the server's certificate, or
 *    extra; TLSA published where the answer is not DNSSEC-secure;
 *  - every question that got no answer: timeout, SERVFAIL or another
 *    response code, a bogus answer; never taken for a missing record.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "addr.h"
#include "dnscheck.h"
#include "dnsrdata.h"
#include "mailauth.h"
#include "xalloc.h"

#define MAX_MX		64		/* MX records of one name looked at */
#define LIST_TEXT	512		/* a list of addresses in a report */

struct DNSCHECK {
    const TOPOLOGY *topo;
    const ZONE *zone;
    const char *policy;
    const char *policy_path;
    const char *fetched_url;		/* the policy fetched, or null */
    const char *fetched;		/* its text, or null: failed */
    const char *fetch_why;		/* why it failed */
    size_t  max;			/* questions asked at most */
    DNSCHECK_QUERY *q;
    size_t  count, room;
    size_t  asked, unasked;
    size_t  unanswered;			/* questions reported without answer */
    int     phase;
    REPORT_FN report;			/* while comparing */
    void   *ctx;
    int     problems;
};

static const char *const tags[] = {"v=spf1", "v=DMARC1", "v=STSv1", "v=TLSRPTv1", 0};

/* Helpers. */

static char *joined(const char *prefix, const char *name)
{
    size_t  len = strlen(prefix) + strlen(name) + 1;
    char   *s = xrealloc(0, len);

    snprintf(s, len, "%s%s", prefix, name);
    return (s);
}

/* Append to BUF (LEN octets), cutting what does not fit. */
static void append(char *buf, size_t len, const char *fmt,...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt,...)
{
    size_t  used = strlen(buf);
    va_list ap;

    if (used + 1 >= len)
	return;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

/* Is NAME an IP address written as a name? */
static int is_address(const char *name)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return (inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1);
}

/* Does TEXT start with TAG (case-insensitive), then a space, ";" or end? */
static int tagged(const char *text, const char *tag)
{
    size_t  len = strlen(tag);

    text += strspn(text, " \t");
    return (strncasecmp(text, tag, len) == 0
	    && (text[len] == 0 || text[len] == ' ' || text[len] == ';'
		|| text[len] == '\t'));
}

static int known_tag(const char *text)
{
    const char *const *t;

    for (t = tags; *t; t++)
	if (tagged(text, *t))
	    return (1);
    return (0);
}

/* The first build record of TYPE at NAME (with TAG, when not null). */
static const ZONE_RR *zone_find(const ZONE *zone, const char *name, ZONE_TYPE type,
				        const char *tag)
{
    size_t  i;

    for (i = 0; i < zone->count; i++)
	if (zone->rr[i].type == type && strcmp(zone->rr[i].name, name) == 0
	    && (tag == 0 || tagged(zone->rr[i].data, tag)))
	    return (zone->rr + i);
    return (0);
}

/* The line of the first build MX record naming HOST; 0 when none. */
static unsigned mx_line_of(const ZONE *zone, const char *host)
{
    size_t  i;

    for (i = 0; i < zone->count; i++)
	if (zone->rr[i].type == ZONE_MX && strcmp(zone->rr[i].data, host) == 0)
	    return (zone->rr[i].line);
    return (0);
}

/* Questions. */

static DNSCHECK_QUERY *find(const DNSCHECK *c, const char *name, ZONE_TYPE type)
{
    size_t  i;

    for (i = 0; i < c->count; i++)
	if (c->q[i].type == type && strcmp(c->q[i].name, name) == 0)
	    return (c->q + i);
    return (0);
}

static void ask(DNSCHECK *c, const char *name, ZONE_TYPE type)
{
    DNSCHECK_QUERY *q;

    if (*name == 0 || find(c, name, type) != 0)
	return;
    if (c->count == c->room) {
	c->room = c->room ? 2 * c->room : 32;
	c->q = xrealloc(c->q, c->room * sizeof(*c->q));
    }
    q = c->q + c->count++;
    memset(q, 0, sizeof(*q));
    q->name = xstrdup(name);
    addr_fold(q->name, q->name);
    q->type = type;
    if (c->asked < c->max) {
	q->status = DNSCHECK_PENDING;
	c->asked++;
    } else {
	q->status = DNSCHECK_UNASKED;
	c->unasked++;
    }
}

static void ask_host(DNSCHECK *c, const char *host)
{
    if (*host == 0 || is_address(host))
	return;
    ask(c, host, ZONE_A);
    ask(c, host, ZONE_AAAA);
}

/* The TLSA name of a server with a certificate in the domain, or null. */
static char *tlsa_name(const DNSCHECK *c, const TOPO_HOST *h)
{
    if (h->certificate == 0 || !topology_in_domain(h->name, c->topo->domain))
	return (0);
    return (joined("_25._tcp.", h->name));
}

/* The questions the build implies. */
static void plan_build(DNSCHECK *c)
{
    const TOPO_HOST *h;
    const ZONE_RR *rr;
    const char *role;
    char   *name;
    size_t  i;

    ask(c, c->topo->domain, ZONE_MX);
    ask(c, c->topo->domain, ZONE_TXT);
    for (rr = c->zone->rr; rr < c->zone->rr + c->zone->count; rr++) {
	switch (rr->type) {
	case ZONE_MX:
	    ask(c, rr->name, ZONE_MX);
	    ask_host(c, rr->data);
	    break;
	case ZONE_A:
	case ZONE_AAAA:
	    ask_host(c, rr->name);
	    break;
	case ZONE_TXT:
	case ZONE_TLSA:
	    ask(c, rr->name, rr->type);
	    break;
	default:
	    break;
	}
    }
    for (i = 0; (h = mailauth_sender(c->topo, i, &role)) != 0; i++)
	if ((name = tlsa_name(c, h)) != 0) {
	    ask(c, name, ZONE_TLSA);
	    free(name);
	}
}

static void plan_spf(DNSCHECK *);

/* The address questions of the MX hosts the answers name. */
static void plan_mx_hosts(DNSCHECK *c)
{
    size_t  i, j, n = c->count;

    for (i = 0; i < n; i++)
	if (c->q[i].type == ZONE_MX && c->q[i].status == DNSCHECK_ANSWER)
	    for (j = 0; j < c->q[i].count; j++)
		ask_host(c, c->q[i].rr[j].data);
}

DNSCHECK *dnscheck_create(const TOPOLOGY *topo, const ZONE *zone, const char *policy,
			          const char *policy_path, size_t max_queries)
{
    DNSCHECK *c = xcalloc(1, sizeof(*c));

    c->topo = topo;
    c->zone = zone;
    c->policy = policy;
    c->policy_path = policy_path ? policy_path : "mta-sts.txt";
    c->max = max_queries;
    return (c);
}

size_t  dnscheck_pending(DNSCHECK *c, size_t *first)
{
    size_t  start = c->count;

    *first = start;
    switch (c->phase++) {
    case 0:
	plan_build(c);
	break;
    case 1:
	plan_mx_hosts(c);
	plan_spf(c);
	break;
    default:
	if (c->phase > 2 + MAILAUTH_SPF_LOOKUPS)
	    return (0);			/* an include per level, at most */
	plan_spf(c);
	break;
    }
    return (c->count - start);
}

DNSCHECK_QUERY *dnscheck_query(DNSCHECK *c, size_t index)
{
    return (index < c->count ? c->q + index : 0);
}

void    dnscheck_add_rr(DNSCHECK_QUERY *q, ZONE_RR *rr)
{
    ZONE_RR *r;

    q->rr = xrealloc(q->rr, (q->count + 1) * sizeof(*q->rr));
    r = q->rr + q->count++;
    *r = *rr;
    r->name = xstrdup(q->name);
    r->line = 0;
}

size_t  dnscheck_asked(const DNSCHECK *c)
{
    return (c->asked);
}

size_t  dnscheck_unanswered(const DNSCHECK *c)
{
    return (c->unanswered);
}

void    dnscheck_free(DNSCHECK *c)
{
    size_t  i, j;

    if (c == 0)
	return;
    for (i = 0; i < c->count; i++) {
	for (j = 0; j < c->q[i].count; j++) {
	    free(c->q[i].rr[j].name);
	    free(c->q[i].rr[j].data);
	}
	free(c->q[i].rr);
	free(c->q[i].name);
	free(c->q[i].alias);
	free(c->q[i].why);
    }
    free(c->q);
    free(c);
}

/* Record readers. */

/* The next "tag=value" of a tag list at *S, cut in place; 0 at the end. */
static int next_tag(char **s, char **tag, char **value)
{
    char   *item, *eq, *end;

    for (;;) {
	if (*s == 0)
	    return (0);
	item = *s;
	if ((end = strchr(item, ';')) != 0) {
	    *end = 0;
	    *s = end + 1;
	} else {
	    *s = 0;
	}
	item += strspn(item, " \t");
	for (end = item + strlen(item); end > item && (end[-1] == ' ' || end[-1] == '\t');)
	    *--end = 0;
	if (*item == 0)
	    continue;			/* "a=b;" or "a=b; ; c=d" */
	*tag = item;
	if ((eq = strchr(item, '=')) == 0) {
	    *value = 0;
	    return (1);
	}
	for (end = eq; end > item && (end[-1] == ' ' || end[-1] == '\t');)
	    *--end = 0;
	*eq = 0;
	*value = eq + 1 + strspn(eq + 1, " \t");
	return (1);
    }
}

char   *dnscheck_tag(const char *text, const char *want)
{
    char   *copy = xstrdup(text), *s = copy, *tag, *value, *found = 0;

    while (found == 0 && next_tag(&s, &tag, &value))
	if (value && strcasecmp(tag, want) == 0)
	    found = xstrdup(value);
    free(copy);
    return (found);
}

static int dmarc_policy(const char *value)
{
    return (strcasecmp(value, "none") == 0 || strcasecmp(value, "quarantine") == 0
	    || strcasecmp(value, "reject") == 0);
}

/* A DMARC report URI list: mailto: or https: URIs, comma-separated. */
static int dmarc_uris(const char *value)
{
    const char *p = value;
    size_t  len;

    for (;;) {
	p += strspn(p, " \t");
	len = strcspn(p, ",");
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
	    len--;
	if (!((len > 7 && strncasecmp(p, "mailto:", 7) == 0)
	      || (len > 6 && strncasecmp(p, "https:", 6) == 0)))
	    return (0);
	p += strcspn(p, ",");
	if (*p == 0)
	    return (1);
	p++;
    }
}

static int all_digits(const char *s)
{
    if (*s == 0)
	return (0);
    for (; *s; s++)
	if (!isdigit((unsigned char) *s))
	    return (0);
    return (1);
}

int     dnscheck_dmarc(const char *text, DNSCHECK_DMARC *d, char *why, size_t whylen)
{
    char   *s, *tag, *value;
    int     first = 1;

    memset(d, 0, sizeof(*d));
    s = d->copy = xstrdup(text);
    while (next_tag(&s, &tag, &value)) {
	if (value == 0) {
	    snprintf(why, whylen, "\"%s\" is no tag=value pair", tag);
	    return (-1);
	}
	if (first && (strcmp(tag, "v") != 0 || strcmp(value, "DMARC1") != 0)) {
	    snprintf(why, whylen, "it does not begin with v=DMARC1");
	    return (-1);
	}
	first = 0;
	if (strcasecmp(tag, "p") == 0 || strcasecmp(tag, "sp") == 0) {
	    if (!dmarc_policy(value)) {
		snprintf(why, whylen, "%s=%s is not none, quarantine or reject", tag, value);
		return (-1);
	    }
	    if (*(tag[0] == 'p' || tag[0] == 'P' ? &d->p : &d->sp) != 0) {
		snprintf(why, whylen, "%s= is given twice", tag);
		return (-1);
	    }
	    *(tag[0] == 'p' || tag[0] == 'P' ? &d->p : &d->sp) = value;
	} else if (strcasecmp(tag, "rua") == 0 || strcasecmp(tag, "ruf") == 0) {
	    if (!dmarc_uris(value)) {
		snprintf(why, whylen, "%s=%s is not a list of mailto: or https: URIs",
			 tag, value);
		return (-1);
	    }
	    if (strcasecmp(tag, "rua") == 0)
		d->rua = value;
	} else if (strcasecmp(tag, "pct") == 0 || strcasecmp(tag, "ri") == 0) {
	    if (!all_digits(value) || (tag[0] != 'r' && atoi(value) > 100)) {
		snprintf(why, whylen, "%s=%s is not a %s", tag, value,
			 tag[0] == 'r' ? "number of seconds" : "percentage");
		return (-1);
	    }
	} else if (strcasecmp(tag, "adkim") == 0 || strcasecmp(tag, "aspf") == 0) {
	    if (strcasecmp(value, "r") != 0 && strcasecmp(value, "s") != 0) {
		snprintf(why, whylen, "%s=%s is not r or s", tag, value);
		return (-1);
	    }
	}				/* other tags: ignored (RFC 7489 6.3) */
    }
    if (first) {
	snprintf(why, whylen, "it is empty");
	return (-1);
    }
    if (d->p == 0) {
	snprintf(why, whylen, "it has no p= policy");
	return (-1);
    }
    return (0);
}

/* Comparing. */

static void problem_at(DNSCHECK *c, const char *file, unsigned line, const char *fmt,...)
	__attribute__((format(printf, 4, 5)));

static void problem_at(DNSCHECK *c, const char *file, unsigned line, const char *fmt,...)
{
    char    why[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    c->report(c->ctx, file, line, 1, why);
    c->problems++;
}

#define problem(c, line, ...) problem_at((c), (c)->zone->path, (line), __VA_ARGS__)

static const char *rcode_name(int rcode)
{
    static const char *const names[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
    };
    static char other[32];

    if (rcode >= 0 && rcode < (int) (sizeof(names) / sizeof(names[0])))
	return (names[rcode]);
    snprintf(other, sizeof(other), "RCODE %d", rcode);
    return (other);
}

/*
 * Did Q get no usable answer? Reports why (once) at LINE. A name that
 * does not exist is an answer: no records.
 */
static int failed(DNSCHECK *c, DNSCHECK_QUERY *q, unsigned line)
{
    const char *type;

    if (q == 0 || q->status == DNSCHECK_UNASKED)
	return (1);			/* counted once, at the end */
    if (q->status == DNSCHECK_ANSWER || q->status == DNSCHECK_NXDOMAIN)
	return (0);
    if (q->reported)
	return (1);
    q->reported = 1;
    c->unanswered++;
    type = dnsrdata_type_name(q->type);
    switch (q->status) {
    case DNSCHECK_TIMEOUT:
	problem(c, line, "%s %s: timed out (%s): whether it is published is "
		"not known", type, q->name, q->why ? q->why : "no answer");
	break;
    case DNSCHECK_RCODE:
	problem(c, line, "%s %s: the server answered %s: whether it is published "
		"is not known", type, q->name, rcode_name(q->rcode));
	break;
    case DNSCHECK_BOGUS:
	problem(c, line, "%s %s: DNSSEC validation failed (bogus)%s%s", type,
		q->name, q->why ? ": " : "", q->why ? q->why : "");
	break;
    default:
	problem(c, line, "%s %s: not asked: %s", type, q->name,
		q->why ? q->why : "the resolver failed");
	break;
    }
    return (1);
}

static const ZONE_RR *observed(const DNSCHECK_QUERY *q, const char *data)
{
    size_t  i;

    for (i = 0; i < q->count; i++)
	if (strcasecmp(q->rr[i].data, data) == 0)
	    return (q->rr + i);
    return (0);
}

/* MX. */

static int in_list(const ZONE_RR *const *rr, size_t n, const char *data)
{
    size_t  i;

    for (i = 0; i < n; i++)
	if (strcasecmp(rr[i]->data, data) == 0)
	    return (1);
    return (0);
}

static void check_mx(DNSCHECK *c, DNSCHECK_QUERY *q)
{
    const ZONE_RR *want[MAX_MX], *o;
    size_t  n, i;
    unsigned line;

    n = zone_mx(c->zone, q->name, want, MAX_MX);
    if (n > MAX_MX)
	n = MAX_MX;
    line = n ? want[0]->line : 0;
    if (failed(c, q, line))
	return;
    for (i = 0; i < n; i++) {
	if ((o = observed(q, want[i]->data)) == 0)
	    problem(c, want[i]->line, "MX %s: %d %s is not published", q->name,
		    want[i]->preference, want[i]->data);
	else if (o->preference != want[i]->preference)
	    problem(c, want[i]->line, "MX %s: %s has priority %d, the build "
		    "says %d", q->name, o->data, o->preference, want[i]->preference);
    }
    for (i = 0; i < q->count; i++) {
	o = q->rr + i;
	if (is_address(o->data))
	    problem(c, line, "MX %s: %d %s names an IP address, not a host "
		    "(RFC 5321 5.1: senders look it up as a name)", q->name,
		    o->preference, o->data);
	else if (*o->data == 0)
	    problem(c, line, "MX %s: %d . is a null MX: the domain takes no "
		    "mail", q->name, o->preference);
	else if (!in_list(want, n, o->data))
	    problem(c, line, "MX %s: %d %s is published, the build has no such MX",
		    q->name, o->preference, o->data);
    }
}

/* Has the build a TLSA record at NAME with DATA? */
static int zone_has_data(const ZONE *zone, const char *name, const char *data)
{
    size_t  i;

    for (i = 0; i < zone->count; i++)
	if (zone->rr[i].type == ZONE_TLSA && strcmp(zone->rr[i].name, name) == 0
	    && strcasecmp(zone->rr[i].data, data) == 0)
	    return (1);
    return (0);
}

/* Is HOST the target of a published MX record? */
static int published_mx_host(const DNSCHECK *c, const char *host)
{
    size_t  i;

    for (i = 0; i < c->count; i++)
	if (c->q[i].type == ZONE_MX && c->q[i].status == DNSCHECK_ANSWER
	    && observed(c->q + i, host))
	    return (1);
    return (0);
}

/* Are the addresses A and B the same (IPv6 written either way)? */
static int same_address(const char *a, const char *b)
{
    return (strcmp(a, b) == 0 || mailauth_covers(a, b));
}

/* The build's TYPE addresses of HOST missing from Q, and Q's extra ones. */
static void compare_addresses(DNSCHECK *c, const DNSCHECK_QUERY *q, unsigned line)
{
    char    missing[LIST_TEXT] = "", extra[LIST_TEXT] = "";
    const char *type = dnsrdata_type_name(q->type);
    size_t  i, j;

    for (i = 0; i < c->zone->count; i++) {
	const ZONE_RR *rr = c->zone->rr + i;

	if (rr->type != q->type || strcmp(rr->name, q->name) != 0)
	    continue;
	for (j = 0; j < q->count && !same_address(q->rr[j].data, rr->data); j++)
	     /* void */ ;
	if (j == q->count)
	    append(missing, sizeof(missing), "%s%s", *missing ? " " : "", rr->data);
    }
    for (j = 0; j < q->count; j++) {
	for (i = 0; i < c->zone->count; i++)
	    if (c->zone->rr[i].type == q->type && strcmp(c->zone->rr[i].name, q->name) == 0
		&& same_address(q->rr[j].data, c->zone->rr[i].data))
		break;
	if (i == c->zone->count)
	    append(extra, sizeof(extra), "%s%s", *extra ? " " : "", q->rr[j].data);
    }
    if (*missing && *extra)
	problem(c, line, "%s has another address: %s %s is published, the build "
		"says %s", q->name, type, extra, missing);
    else if (*missing)
	problem(c, line, "%s: %s %s is not published", q->name, type, missing);
    else if (*extra)
	problem(c, line, "%s: %s %s is published, the build does not give it",
		q->name, type, extra);
}

static void check_host(DNSCHECK *c, DNSCHECK_QUERY *qa)
{
    DNSCHECK_QUERY *q6 = find(c, qa->name, ZONE_AAAA);
    const ZONE_RR *a = zone_find(c->zone, qa->name, ZONE_A, 0);
    const ZONE_RR *a6 = zone_find(c->zone, qa->name, ZONE_AAAA, 0);
    unsigned mx_line = mx_line_of(c->zone, qa->name);
    unsigned line = a ? a->line : a6 ? a6->line : mx_line;
    int     is_mx = mx_line != 0 || published_mx_host(c, qa->name);
    const char *alias;
    int     fail_a = failed(c, qa, line), fail_6 = failed(c, q6, line);

    if (fail_a || fail_6)
	return;
    if ((alias = qa->alias ? qa->alias : q6->alias) != 0)
	problem(c, line, "%s%s is an alias (CNAME to %s)%s", is_mx ? "MX host " : "",
		qa->name, alias, is_mx ? ": an MX must name the host itself, "
		"never an alias (RFC 2181 10.3)" : "");
    if (qa->count + q6->count == 0) {
	if (a || a6 || is_mx)
	    problem(c, line, "%s%s has no A or AAAA record%s", is_mx ? "MX host " : "",
		    qa->name, a || a6 ? ": the build gives it an address" : "");
	return;
    }
    if (a == 0 && a6 == 0)
	return;				/* not the build's: any address does */
    compare_addresses(c, qa, line);
    compare_addresses(c, q6, line);
}

/* TXT records at NAME whose text has TAG: how many, and the first. */
static const ZONE_RR *tagged_answer(const DNSCHECK_QUERY *q, const char *tag, size_t *n)
{
    const ZONE_RR *first = 0;
    size_t  i;

    *n = 0;
    for (i = 0; i < q->count; i++)
	if (tagged(q->rr[i].data, tag) && ++*n == 1)
	    first = q->rr + i;
    return (first);
}

/* SPF. */

/* Has the answer Q (not through an alias) the address ADDRESS? */
static int has_address(const DNSCHECK_QUERY *q, const char *address)
{
    size_t  i;

    if (q == 0 || q->status != DNSCHECK_ANSWER || q->alias)
	return (0);
    for (i = 0; i < q->count; i++)
	if (same_address(q->rr[i].data, address))
	    return (1);
    return (0);
}

/* Does the SPF "mx" term pass ADDRESS: one of the published MX hosts'? */
static int mx_passes(const DNSCHECK *c, const MAILAUTH_SPF *t, const char *address)
{
    const DNSCHECK_QUERY *mx = find(c, c->topo->domain, ZONE_MX);
    size_t  i;

    if (!mailauth_spf_has(t, "mx") || mx == 0 || mx->status != DNSCHECK_ANSWER)
	return (0);
    for (i = 0; i < mx->count; i++)
	if (has_address(find(c, mx->rr[i].data, ZONE_A), address)
	    || has_address(find(c, mx->rr[i].data, ZONE_AAAA), address))
	    return (1);
    return (0);
}

/*
 * The records an SPF record takes in (include:, redirect=), walked as a
 * receiver walks them: depth first, in order, until the lookups pass
 * the limit (then a receiver stops with an error, and so does the walk:
 * at most eleven records are visited). Planning asks for the records
 * not asked yet; comparing counts the lookups and reports a record
 * taken in that is missing, unanswered, doubled or part of a loop.
 */
typedef struct SPF_WALK {
    int     planning;			/* ask, do not report */
    unsigned line;			/* the build's SPF line */
    int     lookups;			/* own terms and those taken in */
    int     unknown;			/* a record taken in is not known */
    const char *path[MAILAUTH_SPF_LOOKUPS + 2];	/* the domains walked down */
    int     depth;
} SPF_WALK;

static int spf_on_path(const SPF_WALK *w, const char *name)
{
    int     i;

    for (i = 0; i < w->depth; i++)
	if (strcmp(w->path[i], name) == 0)
	    return (1);
    return (0);
}

static void spf_walk(DNSCHECK *c, SPF_WALK *w, const MAILAUTH_SPF *t);

/* Take in the SPF record of NAME (folded), that W's current one names. */
static void spf_take_in(DNSCHECK *c, SPF_WALK *w, const char *name)
{
    DNSCHECK_QUERY *q = find(c, name, ZONE_TXT);
    const ZONE_RR *spf;
    MAILAUTH_SPF t;
    size_t  n;

    if (q == 0 && w->planning)
	ask(c, name, ZONE_TXT);
    if (q == 0 || (w->planning ? q->status != DNSCHECK_ANSWER : failed(c, q, w->line))) {
	w->unknown = 1;
	return;
    }
    if ((spf = tagged_answer(q, "v=spf1", &n)) == 0 || n > 1) {
	if (!w->planning && n == 0)
	    problem(c, w->line, "the SPF record of %s takes in %s, which publishes "
		    "no SPF record: receivers fail with a permanent error "
		    "(RFC 7208 5.2)", w->path[w->depth - 1], name);
	else if (!w->planning)
	    problem(c, w->line, "the SPF record of %s takes in %s, which publishes "
		    "%zu SPF records: receivers fail with a permanent error "
		    "(RFC 7208 4.5)", w->path[w->depth - 1], name, n);
	return;
    }
    mailauth_spf_parse(spf->data, &t);
    w->lookups += t.lookups;
    w->path[w->depth++] = name;
    spf_walk(c, w, &t);
    w->depth--;
    mailauth_spf_free(&t);
}

static void spf_walk(DNSCHECK *c, SPF_WALK *w, const MAILAUTH_SPF *t)
{
    char   *name;
    size_t  i;

    for (i = 0; i < t->ntargets; i++) {
	if (w->lookups > MAILAUTH_SPF_LOOKUPS) {
	    w->unknown = 1;		/* receivers stop here, and so do we */
	    return;
	}
	if (strchr(t->target[i], '%') != 0) {
	    w->unknown = 1;		/* a macro: known when mail comes */
	    continue;
	}
	name = xstrdup(t->target[i]);
	addr_fold(name, name);
	if (spf_on_path(w, name)) {
	    if (!w->planning)
		problem(c, w->line, "the SPF record of %s takes in %s, which takes "
			"it in again: a loop that receivers fail on",
			w->path[w->depth - 1], name);
	} else
	    spf_take_in(c, w, name);
	free(name);
    }
}

/* Walk the domain's SPF record (a single one), planning or counting. */
static void spf_walk_domain(DNSCHECK *c, SPF_WALK *w, const MAILAUTH_SPF *t)
{
    w->lookups = t->lookups;
    w->path[0] = c->topo->domain;
    w->depth = 1;
    spf_walk(c, w, t);
}

/* Ask for the SPF records the domain's takes in, one level further. */
static void plan_spf(DNSCHECK *c)
{
    DNSCHECK_QUERY *q = find(c, c->topo->domain, ZONE_TXT);
    const ZONE_RR *spf;
    SPF_WALK w;
    MAILAUTH_SPF t;
    size_t  n;

    if (q == 0 || q->status != DNSCHECK_ANSWER
	|| (spf = tagged_answer(q, "v=spf1", &n)) == 0 || n > 1)
	return;
    memset(&w, 0, sizeof(w));
    w.planning = 1;
    mailauth_spf_parse(spf->data, &t);
    spf_walk_domain(c, &w, &t);
    mailauth_spf_free(&t);
}

static void check_spf_senders(DNSCHECK *c, const MAILAUTH_SPF *t, unsigned line)
{
    const TOPOLOGY *topo = c->topo;
    const TOPO_HOST *h;
    const char *role;
    char   *inc;
    size_t  i, j;

    for (i = 0; (h = mailauth_sender(topo, i, &role)) != 0; i++) {
	if (h->naddresses == 0 && !mailauth_spf_passes(t, h->name, ""))
	    problem(c, line, "the SPF record of %s does not name %s %s (%s:%u)",
		    topo->domain, role, h->name, h->where.file, h->where.line);
	for (j = 0; j < h->naddresses; j++)
	    if (!mailauth_spf_passes(t, h->name, h->addresses[j])
		&& !mx_passes(c, t, h->addresses[j]))
		problem(c, line, "the SPF record of %s does not pass %s, the "
			"address of %s %s (%s:%u)", topo->domain, h->addresses[j],
			role, h->name, h->where.file, h->where.line);
    }
    for (i = 0; i < topo->auth.nspf_includes; i++) {
	inc = joined("include:", topo->auth.spf_includes[i]);
	if (!mailauth_spf_has(t, inc))
	    problem(c, line, "the SPF record of %s does not include %s (%s:%u)",
		    topo->domain, topo->auth.spf_includes[i], topo->path,
		    topo->auth.spf_include_line);
	free(inc);
    }
}

/* An SPF record's "all" term with qualifier Q, in BUF. */
static const char *all_term(int q, char buf[8])
{
    if (q == 0)
	return ("no all term");
    snprintf(buf, 8, "%call", q);
    return (buf);
}

static void check_spf(DNSCHECK *c)
{
    DNSCHECK_QUERY *q = find(c, c->topo->domain, ZONE_TXT);
    const ZONE_RR *want = zone_find(c->zone, c->topo->domain, ZONE_TXT, "v=spf1");
    const ZONE_RR *spf;
    unsigned line = want ? want->line : 0;
    MAILAUTH_SPF t, w;
    SPF_WALK walk;
    char    live_all[8], build_all[8];
    size_t  n;

    if (failed(c, q, line))
	return;
    if ((spf = tagged_answer(q, "v=spf1", &n)) == 0) {
	problem(c, line, "%s: no SPF record is published", q->name);
	return;
    }
    if (n > 1) {
	problem(c, line, "%s publishes %zu SPF records: receivers take none of "
		"them (RFC 7208 4.5)", q->name, n);
	return;
    }
    mailauth_spf_parse(spf->data, &t);
    memset(&walk, 0, sizeof(walk));
    walk.line = line;
    spf_walk_domain(c, &walk, &t);
    if (walk.lookups > MAILAUTH_SPF_LOOKUPS && walk.lookups == t.lookups)
	problem(c, line, "the SPF record of %s needs %d DNS lookups, more than "
		"the %d receivers allow (RFC 7208 4.6.4)", q->name, t.lookups,
		MAILAUTH_SPF_LOOKUPS);
    else if (walk.lookups > MAILAUTH_SPF_LOOKUPS)
	problem(c, line, "the SPF record of %s needs %s%d DNS lookups, %d of them "
		"in the records it takes in, more than the %d receivers allow "
		"(RFC 7208 4.6.4)", q->name, walk.unknown ? "at least " : "",
		walk.lookups, walk.lookups - t.lookups, MAILAUTH_SPF_LOOKUPS);
    check_spf_senders(c, &t, line);
    if (want) {
	mailauth_spf_parse(want->data, &w);
	if (w.all != t.all)
	    problem(c, line, "the SPF record of %s ends in %s, the build's in %s",
		    q->name, all_term(t.all, live_all), all_term(w.all, build_all));
	mailauth_spf_free(&w);
    }
    mailauth_spf_free(&t);
}

/* DMARC, MTA-STS, TLS-RPT and the other TXT records. */

static void check_dmarc(DNSCHECK *c, DNSCHECK_QUERY *q, const ZONE_RR *want)
{
    DNSCHECK_DMARC live, build;
    const ZONE_RR *rec = 0;
    char    why[512];
    size_t  i, n = 0;

    if (failed(c, q, want->line))
	return;
    for (i = 0; i < q->count; i++)	/* what receivers take for one */
	if (strncasecmp(q->rr[i].data + strspn(q->rr[i].data, " \t"), "v=DMARC", 7) == 0
	    && ++n == 1)
	    rec = q->rr + i;
    if (n == 0) {
	problem(c, want->line, "%s: no DMARC record is published", q->name);
	return;
    }
    if (n > 1) {
	problem(c, want->line, "%s publishes %zu DMARC records: receivers take "
		"none of them", q->name, n);
	return;
    }
    if (dnscheck_dmarc(rec->data, &live, why, sizeof(why)) < 0) {
	problem(c, want->line, "%s: the DMARC record is malformed: %s: \"%s\"",
		q->name, why, rec->data);
    } else if (dnscheck_dmarc(want->data, &build, why, sizeof(why)) == 0) {
	if (strcasecmp(live.p, build.p) != 0)
	    problem(c, want->line, "%s: the DMARC policy is p=%s, the build's "
		    "p=%s", q->name, live.p, build.p);
	if ((live.rua == 0) != (build.rua == 0)
	    || (live.rua && strcasecmp(live.rua, build.rua) != 0))
	    problem(c, want->line, "%s: DMARC reports go to %s, the build's to %s",
		    q->name, live.rua ? live.rua : "nobody (no rua=)",
		    build.rua ? build.rua : "nobody (no rua=)");
	free(build.copy);
    } else {
	free(build.copy);
    }
    free(live.copy);
}

/* The published MX records of the domain as policy TEXT must list them. */
static void check_policy_mx(DNSCHECK *c, const char *text, const char *path)
{
    const DNSCHECK_QUERY *mx = find(c, c->topo->domain, ZONE_MX);
    const char *all = text;
    char    pattern[256];
    size_t  i;
    unsigned line = 0;

    if (mx == 0 || mx->status != DNSCHECK_ANSWER)
	return;
    for (i = 0; i < mx->count; i++)
	if (*mx->rr[i].data && !is_address(mx->rr[i].data)
	    && !mailauth_policy_names(all, mx->rr[i].data))
	    problem_at(c, path, 0, "the MTA-STS policy does not name "
		       "MX %s of %s: senders that enforce it will not deliver there",
		       mx->rr[i].data, c->topo->domain);
    while ((text = mailauth_policy_mx(text, pattern, sizeof(pattern), &line)) != 0) {
	for (i = 0; i < mx->count && !mailauth_mx_matches(pattern, mx->rr[i].data); i++)
	     /* void */ ;
	if (i == mx->count)
	    problem_at(c, path, line, "the MTA-STS policy names mx: %s, "
		       "which is no published MX of %s", pattern, c->topo->domain);
    }
}

static void check_policy(DNSCHECK *c)
{
    check_policy_mx(c, c->policy, c->policy_path);
}

/*
 * The value of FIELD ("mode") in policy TEXT ("key: value" lines, RFC
 * 8461 3.2), in BUF, with *LINE its line; null when it has none.
 */
static const char *policy_field(const char *text, const char *field, char *buf,
				        size_t len, unsigned *line)
{
    size_t  flen = strlen(field), n;
    const char *end, *v;
    unsigned at = 0;

    for (; text && *text; text = *end ? end + 1 : end) {
	end = text + strcspn(text, "\n");
	at++;
	if ((size_t) (end - text) <= flen || strncmp(text, field, flen) != 0
	    || text[flen] != ':')
	    continue;
	for (v = text + flen + 1; v < end && (*v == ' ' || *v == '\t'); v++)
	     /* void */ ;
	for (n = (size_t) (end - v); n > 0 && (v[n - 1] == '\r' || v[n - 1] == ' '
					   || v[n - 1] == '\t'); n--)
	     /* void */ ;
	if (n >= len)
	    n = len - 1;
	memcpy(buf, v, n);
	buf[n] = 0;
	*line = at;
	return (buf);
    }
    return (0);
}

/* Has policy TEXT an mx: line with PATTERN? */
static int policy_has_mx(const char *text, const char *pattern)
{
    char    p[256];
    unsigned line = 0;

    while ((text = mailauth_policy_mx(text, p, sizeof(p), &line)) != 0)
	if (strcasecmp(p, pattern) == 0)
	    return (1);
    return (0);
}

/* The policy fetched over HTTPS, against the build's and the MX records. */
static void check_fetched(DNSCHECK *c)
{
    static const char *const fields[] = {"version", "mode", "max_age", 0};
    const char *const *f, *live, *build;
    char    lbuf[128], bbuf[128], pattern[256];
    const char *text;
    unsigned lline, bline, line;

    if (c->fetched == 0) {
	problem_at(c, c->fetched_url, 0, "the MTA-STS policy could not be fetched: "
		   "%s: whether it matches is not known", c->fetch_why ?
		   c->fetch_why : "no reason given");
	c->unanswered++;
	return;
    }
    for (f = fields; c->policy && *f; f++) {
	live = policy_field(c->fetched, *f, lbuf, sizeof(lbuf), &lline);
	build = policy_field(c->policy, *f, bbuf, sizeof(bbuf), &bline);
	if ((live == 0) != (build == 0) || (live && strcmp(live, build) != 0))
	    problem_at(c, c->fetched_url, live ? lline : 0, "the fetched MTA-STS "
		       "policy has %s: %s, the build's %s: %s", *f,
		       live ? live : "(none)", *f, build ? build : "(none)");
    }
    line = 0;
    for (text = c->policy; c->policy
	 && (text = mailauth_policy_mx(text, pattern, sizeof(pattern), &line)) != 0;)
	if (!policy_has_mx(c->fetched, pattern))
	    problem_at(c, c->fetched_url, 0, "the fetched MTA-STS policy lacks "
		       "mx: %s of the build's (%s:%u)", pattern, c->policy_path, line);
    line = 0;
    for (text = c->fetched; c->policy
	 && (text = mailauth_policy_mx(text, pattern, sizeof(pattern), &line)) != 0;)
	if (!policy_has_mx(c->policy, pattern))
	    problem_at(c, c->fetched_url, line, "the fetched MTA-STS policy has "
		       "mx: %s, the build's has not", pattern);
    check_policy_mx(c, c->fetched, c->fetched_url);
}

void    dnscheck_fetched_policy(DNSCHECK *c, const char *url, const char *text,
				        const char *why)
{
    c->fetched_url = url;
    c->fetched = text;
    c->fetch_why = why;
}

static void check_sts(DNSCHECK *c, DNSCHECK_QUERY *q, const ZONE_RR *want)
{
    const ZONE_RR *rec;
    char   *id, *build_id;
    size_t  n;

    if (c->policy)
	check_policy(c);
    if (failed(c, q, want->line))
	return;
    if ((rec = tagged_answer(q, "v=STSv1", &n)) == 0) {
	problem(c, want->line, "%s: no MTA-STS record is published", q->name);
	return;
    }
    if (n > 1) {
	problem(c, want->line, "%s publishes %zu MTA-STS records: senders take "
		"none of them (RFC 8461 3.1)", q->name, n);
	return;
    }
    id = dnscheck_tag(rec->data, "id");
    build_id = dnscheck_tag(want->data, "id");
    if (id == 0)
	problem(c, want->line, "%s: the MTA-STS record has no id", q->name);
    else if (build_id && strcmp(id, build_id) != 0)
	problem(c, want->line, "%s: the MTA-STS id is stale: %s is published, "
		"the build's policy has %s (senders keep the policy they have)",
		q->name, id, build_id);
    free(id);
    free(build_id);
}

static void check_tlsrpt(DNSCHECK *c, DNSCHECK_QUERY *q, const ZONE_RR *want)
{
    const ZONE_RR *rec;
    size_t  n;

    if (failed(c, q, want->line))
	return;
    if ((rec = tagged_answer(q, "v=TLSRPTv1", &n)) == 0)
	problem(c, want->line, "%s: no TLS-RPT record is published", q->name);
    else if (n > 1)
	problem(c, want->line, "%s publishes %zu TLS-RPT records: senders take "
		"none of them", q->name, n);
    else if (strcmp(rec->data, want->data) != 0)
	problem(c, want->line, "%s: the TLS-RPT record says \"%s\", the build's "
		"\"%s\"", q->name, rec->data, want->data);
}

static void check_txt(DNSCHECK *c)
{
    const ZONE_RR *rr;
    DNSCHECK_QUERY *q;

    for (rr = c->zone->rr; rr < c->zone->rr + c->zone->count; rr++) {
	if (rr->type != ZONE_TXT || (q = find(c, rr->name, ZONE_TXT)) == 0)
	    continue;
	if (tagged(rr->data, "v=DMARC1"))
	    check_dmarc(c, q, rr);
	else if (tagged(rr->data, "v=STSv1"))
	    check_sts(c, q, rr);
	else if (tagged(rr->data, "v=TLSRPTv1"))
	    check_tlsrpt(c, q, rr);
	else if (!known_tag(rr->data) && !failed(c, q, rr->line)
		 && observed(q, rr->data) == 0)
	    problem(c, rr->line, "TXT %s \"%s\" is not published", rr->name, rr->data);
    }
}

/* TLSA. */

/* The server whose TLSA name is NAME, if it has a certificate. */
static const TOPO_HOST *tlsa_host(const DNSCHECK *c, const char *name)
{
    const TOPO_HOST *h;
    const char *role;
    size_t  i;

    if (strncmp(name, "_25._tcp.", 9) != 0)
	return (0);
    for (i = 0; (h = mailauth_sender(c->topo, i, &role)) != 0; i++)
	if (h->certificate && strcmp(h->name, name + 9) == 0)
	    return (h);
    return (0);
}

static void check_tlsa(DNSCHECK *c, DNSCHECK_QUERY *q)
{
    const TOPO_HOST *h = tlsa_host(c, q->name);
    const ZONE_RR *first = zone_find(c->zone, q->name, ZONE_TLSA, 0), *rr;
    char    hex[MAILAUTH_TLSA_HEX + 1], err[512], want[MAILAUTH_TLSA_HEX + 8] = "";
    char    published[LIST_TEXT] = "";
    unsigned line = first ? first->line : 0;
    size_t  i, wanted = 0, matched = 0;

    if (failed(c, q, line))
	return;
    for (i = 0; i < q->count; i++)
	append(published, sizeof(published), "%s%s", *published ? ", " : "",
	       q->rr[i].data);
    if (h && mailauth_tlsa_digest(h->certificate, hex, err, sizeof(err)) < 0) {
	problem_at(c, c->topo->path, h->certificate_line, "certificate %s", err);
    } else if (h) {
	snprintf(want, sizeof(want), "3 1 1 %s", hex);
	wanted++;
	if (observed(q, want))
	    matched++;
	else if (q->count == 0)
	    problem(c, line, "TLSA %s is not published (the certificate of %s, %s)",
		    q->name, h->name, h->certificate);
	else
	    problem(c, line, "TLSA %s does not match the certificate of %s (%s): "
		    "%s is published, the certificate's is %s", q->name, h->name,
		    h->certificate, published, want);
    } else {
	for (rr = c->zone->rr; rr < c->zone->rr + c->zone->count; rr++) {
	    if (rr->type != ZONE_TLSA || strcmp(rr->name, q->name) != 0)
		continue;
	    wanted++;
	    if (observed(q, rr->data))
		matched++;
	    else
		problem(c, rr->line, "TLSA %s %s is not published%s%s", q->name,
			rr->data, q->count ? ": published: " : "", q->count ? published : "");
	}
    }
    if (wanted && matched == wanted)
	for (i = 0; i < q->count; i++)
	    if (h ? strcasecmp(q->rr[i].data, want) != 0
		: !zone_has_data(c->zone, q->name, q->rr[i].data))
		problem(c, line, "TLSA %s %s is published, the build does not "
			"have it", q->name, q->rr[i].data);
    if (q->count && !q->secure)
	problem(c, line, "TLSA %s is published in an unsigned zone (the answer "
		"is not DNSSEC-secure: no signatures, or no trust anchor for "
		"them): DANE senders ignore it", q->name);
}

int     dnscheck_compare(DNSCHECK *c, REPORT_FN report, void *ctx)
{
    size_t  i;

    c->report = report;
    c->ctx = ctx;
    c->problems = 0;
    c->unanswered = 0;
    for (i = 0; i < c->count; i++)
	if (c->q[i].type == ZONE_MX)
	    check_mx(c, c->q + i);
    for (i = 0; i < c->count; i++)
	if (c->q[i].type == ZONE_A)
	    check_host(c, c->q + i);
    check_spf(c);
    check_txt(c);
    for (i = 0; i < c->count; i++)
	if (c->q[i].type == ZONE_TLSA)
	    check_tlsa(c, c->q + i);
    if (c->unasked)
	problem(c, 0, "%zu questions not asked: more than %zu; what they would "
		"check is not known", c->unasked, c->max);
    if (c->fetched_url)
	check_fetched(c);
    return (c->problems);
}
