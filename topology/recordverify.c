/*
 * recordverify.c - check a build's mail records besides the routes
 * against its topology.
 *
 * Exports record_verify(), which route_verify() calls once it has read
 * the build's zone. What it proves, each failure reported as FILE:LINE
 * through the caller's REPORT_FN:
 *
 *  - the domain has one SPF record, which lists every address of every
 *    server that sends for it (by ip4:/ip6: terms, networks included,
 *    or a:HOST), includes every spf-include domain and needs at most ten
 *    DNS lookups;
 *  - the MTA-STS policy (mta-sts.txt) names every MX host of the domain
 *    and the _mta-sts record's id is the policy's digest;
 *  - every server certificate the topology names has its TLSA record,
 *    and the record matches the certificate;
 *  - the DMARC and TLS-RPT records the topology asks for are there.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mailauth.h"
#include "recordverify.h"
#include "slurp.h"
#include "xalloc.h"

#define MAX_MX	64			/* MX records of one name looked at */

typedef struct CHECKER {
    const char *dir;
    const TOPOLOGY *topo;
    const ZONE *zone;
    REPORT_FN report;
    void   *ctx;
    int     problems;
} CHECKER;

static void problem(CHECKER *c, const char *file, unsigned line, const char *fmt,...)
	__attribute__((format(printf, 4, 5)));

static void problem(CHECKER *c, const char *file, unsigned line, const char *fmt,...)
{
    char    why[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    c->report(c->ctx, file, line, 1, why);
    c->problems++;
}

static char *joined_name(const char *prefix, const char *name)
{
    size_t  len = strlen(prefix) + strlen(name) + 1;
    char   *s = xrealloc(0, len);

    snprintf(s, len, "%s%s", prefix, name);
    return (s);
}

/* Does TEXT start with TAG (case-insensitive), then a space, ";" or end? */
static int tagged(const char *text, const char *tag)
{
    size_t  len = strlen(tag);

    return (strncasecmp(text, tag, len) == 0
	    && (text[len] == 0 || text[len] == ' ' || text[len] == ';'));
}

/* The first TXT record at NAME whose text starts with TAG; *COUNT of them. */
static const ZONE_RR *find_txt(const ZONE *zone, const char *name, const char *tag,
			               size_t *count, const ZONE_RR **second)
{
    const ZONE_RR *first = 0;
    size_t  i;

    *count = 0;
    for (i = 0; i < zone->count; i++) {
	if (zone->rr[i].type != ZONE_TXT || strcmp(zone->rr[i].name, name) != 0
	    || !tagged(zone->rr[i].data, tag))
	    continue;
	if (++*count == 1)
	    first = zone->rr + i;
	else if (*count == 2 && second)
	    *second = zone->rr + i;
    }
    return (first);
}

/* SPF. */

static void check_spf(CHECKER *c)
{
    const TOPOLOGY *topo = c->topo;
    const ZONE_RR *spf, *second = 0;
    const TOPO_HOST *h;
    const char *role;
    MAILAUTH_SPF t;
    size_t  n, i, j;
    char   *inc;

    if ((spf = find_txt(c->zone, topo->domain, "v=spf1", &n, &second)) == 0) {
	problem(c, c->zone->path, 0, "no SPF record for %s", topo->domain);
	return;
    }
    if (n > 1)
	problem(c, c->zone->path, second->line, "a second SPF record for %s "
		"(the first at line %u): receivers then take neither",
		topo->domain, spf->line);
    mailauth_spf_parse(spf->data, &t);
    if (t.lookups > MAILAUTH_SPF_LOOKUPS)
	problem(c, c->zone->path, spf->line, "the SPF record of %s needs %d DNS "
		"lookups, more than %d", topo->domain, t.lookups, MAILAUTH_SPF_LOOKUPS);
    for (i = 0; (h = mailauth_sender(topo, i, &role)) != 0; i++) {
	if (h->naddresses == 0 && !mailauth_spf_passes(&t, h->name, ""))
	    problem(c, c->zone->path, spf->line, "the SPF record of %s does not "
		    "name %s %s (%s:%u), which has no address here", topo->domain,
		    role, h->name, h->where.file, h->where.line);
	for (j = 0; j < h->naddresses; j++)
	    if (!mailauth_spf_passes(&t, h->name, h->addresses[j]))
		problem(c, c->zone->path, spf->line, "the SPF record of %s does "
			"not pass %s, the address of %s %s (%s:%u)", topo->domain,
			h->addresses[j], role, h->name, h->where.file, h->where.line);
    }
    for (i = 0; i < topo->auth.nspf_includes; i++) {
	inc = joined_name("include:", topo->auth.spf_includes[i]);
	if (!mailauth_spf_has(&t, inc))
	    problem(c, c->zone->path, spf->line, "the SPF record of %s does not "
		    "include %s (%s:%u)", topo->domain, topo->auth.spf_includes[i],
		    topo->path, topo->auth.spf_include_line);
	free(inc);
    }
    mailauth_spf_free(&t);
}

/* MTA-STS. */

static void check_sts(CHECKER *c)
{
    const TOPOLOGY *topo = c->topo;
    const ZONE_RR *rec, *mx[MAX_MX];
    char   *name = joined_name("_mta-sts.", topo->domain);
    char   *path = joined_name(c->dir, "/mta-sts.txt"), *text, *id, err[512];
    char    digest[MAILAUTH_STS_ID + 1];
    size_t  n, len, i, nmx;

    rec = find_txt(c->zone, name, "v=STSv1", &n, 0);
    text = slurp_file(path, SLURP_REGULAR, &len, err, sizeof(err));
    if (rec == 0 && text == 0 && topo->auth.sts_line == 0)
	goto done;
    if (rec == 0)
	problem(c, c->zone->path, 0, "no MTA-STS record (%s)", name);
    if (text == 0) {
	problem(c, path, 0, "no MTA-STS policy: %s", err);
	goto done;
    }
    mailauth_sts_id(text, len, digest);
    if (rec && ((id = strstr(rec->data, "id=")) == 0
		|| strncmp(id + 3, digest, MAILAUTH_STS_ID) != 0
		|| isalnum((unsigned char) id[3 + MAILAUTH_STS_ID])))
	problem(c, c->zone->path, rec->line, "the MTA-STS id is stale: the "
		"policy's digest is %s", digest);
    nmx = zone_mx(c->zone, topo->domain, mx, MAX_MX);
    for (i = 0; i < nmx && i < MAX_MX; i++)
	if (!mailauth_policy_names(text, mx[i]->data))
	    problem(c, path, 0, "the MTA-STS policy does not name MX %s (%s:%u): "
		    "senders that enforce it will not deliver there", mx[i]->data,
		    c->zone->path, mx[i]->line);
done:
    free(text);
    free(path);
    free(name);
}

/* TLSA, DMARC and TLS-RPT. */

static void check_tlsa(CHECKER *c)
{
    const TOPO_HOST *h;
    const char *role;
    char    hex[MAILAUTH_TLSA_HEX + 1], err[512], *name, *want;
    size_t  i, j, found;

    for (i = 0; (h = mailauth_sender(c->topo, i, &role)) != 0; i++) {
	if (h->certificate == 0 || !topology_in_domain(h->name, c->topo->domain))
	    continue;
	if (mailauth_tlsa_digest(h->certificate, hex, err, sizeof(err)) < 0) {
	    problem(c, c->topo->path, h->certificate_line, "certificate %s", err);
	    continue;
	}
	name = joined_name("_25._tcp.", h->name);
	want = joined_name("3 1 1 ", hex);
	for (j = found = 0; j < c->zone->count; j++)
	    if (c->zone->rr[j].type == ZONE_TLSA
		&& strcmp(c->zone->rr[j].name, name) == 0
		&& strcasecmp(c->zone->rr[j].data, want) == 0)
		found++;
	if (found == 0)
	    problem(c, c->zone->path, 0, "no TLSA record at %s matches the "
		    "certificate of %s %s (%s:%u)", name, role, h->name,
		    c->topo->path, h->certificate_line);
	free(want);
	free(name);
    }
}

static void check_wanted(CHECKER *c, unsigned line, const char *prefix,
			         const char *tag, const char *what)
{
    char   *name = joined_name(prefix, c->topo->domain);
    size_t  n;

    if (line && find_txt(c->zone, name, tag, &n, 0) == 0)
	problem(c, c->zone->path, 0, "no %s record at %s (%s:%u asks for it)",
		what, name, c->topo->path, line);
    free(name);
}

int     record_verify(const char *dir, const TOPOLOGY *topo, const ZONE *zone,
		              REPORT_FN report, void *ctx)
{
    CHECKER c;

    c.dir = dir;
    c.topo = topo;
    c.zone = zone;
    c.report = report;
    c.ctx = ctx;
    c.problems = 0;
    check_spf(&c);
    check_sts(&c);
    check_tlsa(&c);
    check_wanted(&c, topo->auth.dmarc_line, "_dmarc.", "v=DMARC1", "DMARC");
    check_wanted(&c, topo->auth.tlsrpt_line, "_smtp._tls.", "v=TLSRPTv1", "TLS-RPT");
    return (c.problems);
}
